//! `execute/<workload>`: each guest export run on tally-vm, wasmi 2 without fuel, wasmi 2 with
//! fuel metering, and natively, in the same process.
//!
//! Every runtime instantiates the guest module once and then calls the export repeatedly; the
//! guests reinitialise their state on every call. Results are checked against the native build
//! before measuring. Sizes are chosen so that one call takes roughly 1–20 ms on an interpreter.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};

/// One guest export and the argument it is benchmarked with.
struct Workload {
    name: &'static str,
    arg: i32,
    native: fn(i32) -> u64,
}

const WORKLOADS: [Workload; 5] = [
    Workload { name: "fib", arg: 25, native: |n| tally_guests::fib(n) as u64 },
    Workload { name: "sieve", arg: 400_000, native: |n| tally_guests::sieve(n) as u32 as u64 },
    Workload { name: "keccak", arg: 60, native: |n| tally_guests::keccak(n) as u64 },
    Workload { name: "matmul", arg: 64, native: |n| tally_guests::matmul(n).to_bits() },
    Workload { name: "ledger", arg: 60_000, native: |n| tally_guests::ledger(n) as u64 },
];

/// Bits of a tally value, for comparison with the native result.
fn tally_bits(v: &tally_vm::Val) -> u64 {
    match v {
        tally_vm::Val::I32(x) => *x as u32 as u64,
        tally_vm::Val::I64(x) => *x as u64,
        tally_vm::Val::F32(x) => u64::from(x.0),
        tally_vm::Val::F64(x) => x.0,
        other => panic!("unexpected result {other:?}"),
    }
}

/// Bits of a wasmi value, for comparison with the native result.
fn wasmi_bits(v: &wasmi::Val) -> u64 {
    match v {
        wasmi::Val::I32(x) => *x as u32 as u64,
        wasmi::Val::I64(x) => *x as u64,
        wasmi::Val::F32(x) => u64::from(f32::from(*x).to_bits()),
        wasmi::Val::F64(x) => f64::from(*x).to_bits(),
        other => panic!("unexpected result {other:?}"),
    }
}

/// An instantiated guest export on tally-vm.
struct TallyRunner {
    store: tally_vm::Store<()>,
    func: tally_vm::Func,
    results: [tally_vm::Val; 1],
}

impl TallyRunner {
    fn new(wasm: &[u8], export: &str) -> Self {
        let engine = tally_vm::Engine::new(tally_vm::Config::default());
        let module = tally_vm::Module::new(&engine, wasm).expect("tally: compile guests");
        let mut store = tally_vm::Store::new(&engine, ());
        let linker = tally_vm::Linker::<()>::new(&engine);
        let instance = linker.instantiate(&mut store, &module).expect("tally: instantiate guests");
        let func = instance.get_func(&store, export).expect("tally: guest export");
        Self { store, func, results: [tally_vm::Val::I32(0)] }
    }

    fn call(&mut self, arg: i32) -> u64 {
        self.func.call(&mut self.store, &[tally_vm::Val::I32(arg)], &mut self.results).expect("tally: guest call");
        tally_bits(&self.results[0])
    }
}

/// An instantiated guest export on wasmi, optionally with fuel metering.
struct WasmiRunner {
    store: wasmi::Store<()>,
    func: wasmi::Func,
    results: [wasmi::Val; 1],
}

impl WasmiRunner {
    fn new(wasm: &[u8], export: &str, fuel: bool) -> Self {
        let mut config = wasmi::Config::default();
        config.consume_fuel(fuel);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm).expect("wasmi: compile guests");
        let mut store = wasmi::Store::new(&engine, ());
        if fuel {
            store.set_fuel(u64::MAX / 2).expect("wasmi: fuel enabled");
        }
        let linker = wasmi::Linker::<()>::new(&engine);
        let instance = linker.instantiate_and_start(&mut store, &module).expect("wasmi: instantiate guests");
        let func = instance.get_func(&store, export).expect("wasmi: guest export");
        Self { store, func, results: [wasmi::Val::I32(0)] }
    }

    fn call(&mut self, arg: i32) -> u64 {
        self.func.call(&mut self.store, &[wasmi::Val::I32(arg)], &mut self.results).expect("wasmi: guest call");
        wasmi_bits(&self.results[0])
    }
}

fn execute(c: &mut Criterion) {
    let wasm = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");
    for w in &WORKLOADS {
        let expected = (w.native)(w.arg);
        let mut tally = TallyRunner::new(&wasm, w.name);
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
