//! `execute/<workload>`: each guest export run on tally-vm, wasmi 2 without fuel, wasmi 2 with
//! fuel metering, and natively, in the same process.
//!
//! Every runtime instantiates the guest module once and then calls the export repeatedly; the
//! guests reinitialise their state on every call. Results are checked against the native build
//! before measuring. Sizes are chosen so that one call takes roughly 1–20 ms on an interpreter.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{TallyRunner, WasmiRunner, WORKLOADS};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};

fn execute(c: &mut Criterion) {
    let wasm = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");
    for w in &WORKLOADS {
        let expected = (w.native)(w.arg);
        let mut tally = TallyRunner::new(&wasm, w.name, None);
        let mut wasmi = WasmiRunner::new(&wasm, w.name, false);
        let mut wasmi_fuel = WasmiRunner::new(&wasm, w.name, true);
        assert_eq!(tally.call(w.arg), expected, "tally: {}({})", w.name, w.arg);
        assert_eq!(wasmi.call(w.arg), expected, "wasmi: {}({})", w.name, w.arg);
        assert_eq!(wasmi_fuel.call(w.arg), expected, "wasmi-fuel: {}({})", w.name, w.arg);

        let mut group = c.benchmark_group(format!("execute/{}", w.name));
        // Calls take milliseconds: a flat sampling plan keeps runs short and comparable.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(20);
        group.bench_function("tally", |b| b.iter(|| tally.call(black_box(w.arg))));
        group.bench_function("wasmi", |b| b.iter(|| wasmi.call(black_box(w.arg))));
        group.bench_function("wasmi-fuel", |b| b.iter(|| wasmi_fuel.call(black_box(w.arg))));
        group.bench_function("native", |b| b.iter(|| (w.native)(black_box(w.arg))));
        group.finish();
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
