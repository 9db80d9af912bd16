//! `execute/<workload>`: each guest export run on tally-vm (unmetered, and `tally-metered`: the
//! module instrumented with the default schedule, gas and stack budget set, as contracts run),
//! wasmi 2 without fuel, wasmi 2 with fuel metering, and natively, in the same process.
//!
//! Every runtime instantiates the guest module once and then calls the export repeatedly; the
//! guests reinitialise their state on every call. Results are checked against the native build
//! before measuring. Sizes are chosen so that one call takes roughly 1–20 ms on an interpreter.
//!
//! Before each group, a paired measurement alternates single runs of `tally` and `wasmi` (fuel
//! off) and saves the median per-round ratio to the criterion directory as
//! `paired-execute.json` (`bench-report` prints it): this machine's speed drifts over seconds,
//! and the paired ratio does not drift with it. Metered Tally is paired the same way against
//! wasmi without fuel and with fuel (section `execute-metered`, `paired-execute-metered.json`):
//! issue 15's target is its geomean against wasmi without fuel. `cargo bench -p tally-criterion
//! --bench execute -- paired-only` runs only the paired measurements (a criterion filter that
//! matches no group).
//!
//! `execute-crates/<workload>` does the same for the real-crates module (`guests/crates`:
//! SHA-256, BLAKE3, ed25519, secp256k1, serde_json, deflate, regex, SCALE, U256 through the
//! crates' own APIs; issue 15 item 6), whose results are checked between the runtimes (each
//! workload also checks its own answer and traps if it is wrong); its paired runs are saved as
//! `paired-execute-crates.json` and `paired-execute-crates-metered.json`.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{TallyRunner, WasmiRunner, CRATE_WORKLOADS, WORKLOADS};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use tally_benches::report::{default_criterion_dir, save_paired, PairedRun};

/// Rounds of the paired measurement (see [`PairedRun`]).
const PAIRED_ROUNDS: u32 = 21;

/// One row of a set: an export, its argument and, for the hand-written guests, the native
/// build of the same function.
struct Row {
    name: &'static str,
    arg: i32,
    native: Option<fn(i32) -> u64>,
}

fn execute(c: &mut Criterion) {
    let guests = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");
    let rows = WORKLOADS.iter().map(|w| Row { name: w.name, arg: w.arg, native: Some(w.native) });
    measure_set(c, "execute", &guests, rows.collect());
    let crates = tally_guests::build::crates_wasm_bytes().expect("build the real-crates guests for wasm32");
    let rows = CRATE_WORKLOADS.iter().map(|&(name, arg)| Row { name, arg, native: None });
    measure_set(c, "execute-crates", &crates, rows.collect());
}

/// Measures every row of one module: the paired runs (saved as `paired-<section>.json` and
/// `paired-<section>-metered.json`), then criterion's groups `<section>/<row>`.
fn measure_set(c: &mut Criterion, section: &str, wasm: &[u8], rows: Vec<Row>) {
    let schedule = tally_gas_injector::Schedule::default();
    let instrumented = tally_gas_injector::instrument(wasm, &schedule).expect("instrument the guests");
    let metered_section = format!("{section}-metered");
    let (mut paired, mut paired_metered) = (Vec::new(), Vec::new());
    for w in &rows {
        let mut tally = TallyRunner::new(wasm, w.name, None);
        let mut metered = TallyRunner::new(&instrumented, w.name, Some(schedule.stack.budget));
        let mut wasmi = WasmiRunner::new(wasm, w.name, false);
        let mut wasmi_fuel = WasmiRunner::new(wasm, w.name, true);
        let expected = w.native.map_or_else(|| wasmi.call(w.arg), |native| native(w.arg));
        assert_eq!(tally.call(w.arg), expected, "tally: {}({})", w.name, w.arg);
        assert_eq!(metered.call(w.arg), expected, "tally metered: {}({})", w.name, w.arg);
        assert_eq!(wasmi.call(w.arg), expected, "wasmi: {}({})", w.name, w.arg);
        assert_eq!(wasmi_fuel.call(w.arg), expected, "wasmi-fuel: {}({})", w.name, w.arg);
        let run = PairedRun::measure(
            section,
            w.name,
            "wasmi",
            PAIRED_ROUNDS,
            || {
                black_box(tally.call(black_box(w.arg)));
            },
            || {
                black_box(wasmi.call(black_box(w.arg)));
            },
        );
        eprintln!("{section}/{}: paired over {} rounds: tally / wasmi {:.3}", w.name, run.rounds, run.median_ratio);
        paired.push(run);
        for (baseline, peer) in [("wasmi", &mut wasmi), ("wasmi-fuel", &mut wasmi_fuel)] {
            let run = PairedRun::measure(
                &metered_section,
                w.name,
                baseline,
                PAIRED_ROUNDS,
                || {
                    black_box(metered.call(black_box(w.arg)));
                },
                || {
                    black_box(peer.call(black_box(w.arg)));
                },
            );
            eprintln!(
                "{metered_section}/{}: paired over {} rounds: tally metered / {baseline} {:.3}",
                w.name, run.rounds, run.median_ratio
            );
            paired_metered.push(run);
        }

        let mut group = c.benchmark_group(format!("{section}/{}", w.name));
        // Calls take milliseconds: a flat sampling plan keeps runs short and comparable.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(20);
        group.bench_function("tally", |b| b.iter(|| tally.call(black_box(w.arg))));
        group.bench_function("tally-metered", |b| b.iter(|| metered.call(black_box(w.arg))));
        group.bench_function("wasmi", |b| b.iter(|| wasmi.call(black_box(w.arg))));
        group.bench_function("wasmi-fuel", |b| b.iter(|| wasmi_fuel.call(black_box(w.arg))));
        if let Some(native) = w.native {
            group.bench_function("native", |b| b.iter(|| native(black_box(w.arg))));
        }
        group.finish();
    }
    for (section, runs) in [(section, &paired), (metered_section.as_str(), &paired_metered)] {
        if let Err(err) = save_paired(&default_criterion_dir(), section, runs) {
            eprintln!("{section}: paired results not saved: {err}");
        }
    }
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = benches;
    config = config();
    targets = execute
}
criterion_main!(benches);
