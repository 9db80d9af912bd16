//! Gas-metering benchmarks (issue 3 §7).
//!
//! - `inject/<module>`: instrumentation throughput, bytes in to bytes out, input validation
//!   included, on an MVP module both instrumenters accept:
//!   - `tally` — `tally_gas_injector::instrument` with the default schedule (validates its input
//!     with wasmparser, meters gas and stack, encodes);
//!   - `wasm-instrument` — wasm-instrument 0.4 as `pallet-contracts` used it: wasmparser
//!     validation of the input (MVP features), parity-wasm parsing, gas metering through a host
//!     function (`host_function::Injector`, `ConstantCostRules`), the stack limiter
//!     (`inject_stack_limiter`) and serialization.
//!
//!   Modules: `big`, [`tally_benches::bigmodule`] without floats (≈1 MB of code); `guests`, the
//!   compiled guest programs, when parity-wasm can parse them (rustc's output uses post-MVP
//!   features, so it is skipped otherwise).
//! - `metered/<workload>`: each guest export on
//!   - `tally` — tally-vm running the module instrumented with the default schedule, the
//!     `tally.*` imports run as intrinsics (gas reset before every call, the schedule's stack
//!     budget);
//!   - `tally-unmetered` — tally-vm running the original module;
//!   - `wasmi-fuel` — wasmi 2 running the original module with `Config::consume_fuel(true)`.
//!
//!   `tally / tally-unmetered` is the metering overhead (target ≤ 1.05 geomean), `tally /
//!   wasmi-fuel` the comparison with wasmi's built-in metering (target ≤ 1.00).
//!
//!   Before each `inject` and `metered` group, a paired measurement alternates single runs of
//!   `tally` and the baseline (`wasm-instrument`, `tally-unmetered`) and saves the median
//!   per-round ratio to the criterion directory (`bench-report` prints it): this machine's speed
//!   drifts over seconds, and the paired ratio does not drift with it.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{TallyRunner, WasmiRunner, WORKLOADS};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use tally_benches::bigmodule::{big_module, BigModuleConfig};
use tally_benches::report::{default_criterion_dir, save_paired, PairedRun};
use tally_gas_injector::Schedule;
use wasm_instrument::gas_metering::{self, host_function, ConstantCostRules};
use wasm_instrument::parity_wasm;

/// Stack limit given to wasm-instrument's stack limiter (its unit: values; generous, so that it
/// never trips in the benchmark, like our default budget).
const WASM_INSTRUMENT_STACK_LIMIT: u32 = 1 << 16;

/// serialize.
fn wasm_instrument(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let features = wasmparser::WasmFeatures::WASM1 | wasmparser::WasmFeatures::FLOATS;
    wasmparser::Validator::new_with_features(features).validate_all(wasm).map_err(|e| e.to_string())?;
    let module = parity_wasm::deserialize_buffer::<parity_wasm::elements::Module>(wasm).map_err(|e| e.to_string())?;
    let module =
        gas_metering::inject(module, host_function::Injector::new("env", "gas"), &ConstantCostRules::default())
            .map_err(|_| "gas metering failed".to_string())?;
    let module = wasm_instrument::inject_stack_limiter(module, WASM_INSTRUMENT_STACK_LIMIT)?;
    parity_wasm::serialize(module).map_err(|e| e.to_string())
}

fn inject(c: &mut Criterion) {
    let schedule = Schedule::default();
    let big = big_module(&BigModuleConfig { target_code_bytes: 1_000_000, floats: false, ..Default::default() });
    let guests = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");

    let mut paired = Vec::new();
    for (name, wasm) in [("big", &big), ("guests", &guests)] {
        let ours = tally_gas_injector::instrument(wasm, &schedule).expect("tally-gas-injector accepts the module");
        tally_gas_injector::validate(&ours).expect("instrumented module validates");
        match wasm_instrument(wasm) {
            Ok(theirs) => {
                eprintln!(
                    "inject/{name}: {} bytes in; tally-gas-injector {} bytes out, wasm-instrument {} bytes out",
                    wasm.len(),
                    ours.len(),
                    theirs.len()
                );
            }
            Err(err) => {
                eprintln!("inject/{name}: skipped, wasm-instrument cannot process it: {err}");
                continue;
            }
        }

        let run = PairedRun::measure(
            "inject",
            name,
            "wasm-instrument",
            INJECT_PAIRED_ROUNDS,
            || {
                black_box(tally_gas_injector::instrument(black_box(wasm), &schedule).expect("tally: instrument"));
            },
            || {
                black_box(wasm_instrument(black_box(wasm)).expect("wasm-instrument: instrument"));
            },
        );
        eprintln!(
            "inject/{name}: paired over {} rounds: tally / wasm-instrument {:.3} ({:.2}× the throughput)",
            run.rounds,
            run.median_ratio,
            1.0 / run.median_ratio
        );
        paired.push(run);

        let mut group = c.benchmark_group(format!("inject/{name}"));
        group.throughput(Throughput::Bytes(wasm.len() as u64));
        if wasm.len() > 1 << 18 {
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(10);
        }
        group.bench_function("tally", |b| {
            b.iter(|| tally_gas_injector::instrument(black_box(wasm), &schedule).expect("tally: instrument"))
        });
        group.bench_function("wasm-instrument", |b| {
            b.iter(|| wasm_instrument(black_box(wasm)).expect("wasm-instrument: instrument"))
        });
        group.finish();
    }
    if let Err(err) = save_paired(&default_criterion_dir(), "inject", &paired) {
        eprintln!("inject: paired results not saved: {err}");
    }
}

/// Rounds of the paired measurement of metered execution (see [`PairedRun`]).
const PAIRED_ROUNDS: u32 = 31;

/// Rounds of the paired measurement of injection.
const INJECT_PAIRED_ROUNDS: u32 = 21;

fn metered(c: &mut Criterion) {
    let schedule = Schedule::default();
    let wasm = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");
    let instrumented = tally_gas_injector::instrument(&wasm, &schedule).expect("instrument the guests");
    let mut paired = Vec::new();
    for w in &WORKLOADS {
        let expected = (w.native)(w.arg);
        let mut tally = TallyRunner::new(&instrumented, w.name, Some(schedule.stack.budget));
        let mut unmetered = TallyRunner::new(&wasm, w.name, None);
        let mut wasmi_fuel = WasmiRunner::new(&wasm, w.name, true);
        assert_eq!(tally.call(w.arg), expected, "tally metered: {}({})", w.name, w.arg);
        eprintln!("metered/{}: {}({}) uses {} gas", w.name, w.name, w.arg, tally.gas_used());
        assert_eq!(unmetered.call(w.arg), expected, "tally: {}({})", w.name, w.arg);
        assert_eq!(wasmi_fuel.call(w.arg), expected, "wasmi-fuel: {}({})", w.name, w.arg);
        let run = PairedRun::measure(
            "metered",
            w.name,
            "tally-unmetered",
            PAIRED_ROUNDS,
            || {
                black_box(tally.call(black_box(w.arg)));
            },
            || {
                black_box(unmetered.call(black_box(w.arg)));
            },
        );
        eprintln!("metered/{}: paired over {} rounds: metered / unmetered {:.3}", w.name, run.rounds, run.median_ratio);
        paired.push(run);

        let mut group = c.benchmark_group(format!("metered/{}", w.name));
        // Calls take milliseconds: a flat sampling plan keeps runs short and comparable.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(20);
        group.bench_function("tally", |b| b.iter(|| tally.call(black_box(w.arg))));
        group.bench_function("tally-unmetered", |b| b.iter(|| unmetered.call(black_box(w.arg))));
        group.bench_function("wasmi-fuel", |b| b.iter(|| wasmi_fuel.call(black_box(w.arg))));
        group.finish();
    }
    if let Err(err) = save_paired(&default_criterion_dir(), "metered", &paired) {
        eprintln!("metered: paired results not saved: {err}");
    }
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = benches;
    config = config();
    targets = inject, metered
}
criterion_main!(benches);
