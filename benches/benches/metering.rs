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

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use tally_benches::bigmodule::{big_module, BigModuleConfig};
use tally_gas_injector::Schedule;
use wasm_instrument::gas_metering::{self, host_function, ConstantCostRules};
use wasm_instrument::parity_wasm;

/// Stack limit given to wasm-instrument's stack limiter (its unit: values; generous, so that it
/// never trips in the benchmark, like our default budget).
const WASM_INSTRUMENT_STACK_LIMIT: u32 = 1 << 16;

/// Gas given before every metered call: far more than any workload uses.
const GAS: u64 = u64::MAX / 2;

/// One guest export and the argument it is benchmarked with.
struct Workload {
    name: &'static str,
    arg: i32,
    native: fn(i32) -> u64,
}

/// The same workloads and sizes as `execute/*`.
const WORKLOADS: [Workload; 5] = [
    Workload { name: "fib", arg: 25, native: |n| tally_guests::fib(n) as u64 },
    Workload { name: "sieve", arg: 400_000, native: |n| tally_guests::sieve(n) as u32 as u64 },
    Workload { name: "keccak", arg: 60, native: |n| tally_guests::keccak(n) as u64 },
    Workload { name: "matmul", arg: 64, native: |n| tally_guests::matmul(n).to_bits() },
    Workload { name: "ledger", arg: 60_000, native: |n| tally_guests::ledger(n) as u64 },
];

/// wasm-instrument's pipeline, bytes to bytes: validate, parse, meter gas, limit the stack,
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
}

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

/// An instantiated guest export on tally-vm, metered (gas and stack budget set) or not.
struct TallyRunner {
    store: tally_vm::Store<()>,
    func: tally_vm::Func,
    results: [tally_vm::Val; 1],
    metered: bool,
}

impl TallyRunner {
    fn new(wasm: &[u8], export: &str, stack_budget: Option<u32>) -> Self {
        let engine = tally_vm::Engine::new(tally_vm::Config::default());
        let module = tally_vm::Module::new(&engine, wasm).expect("tally: compile guests");
        let mut store = tally_vm::Store::new(&engine, ());
        if let Some(budget) = stack_budget {
            store.set_gas(GAS);
            store.set_stack_budget(u64::from(budget));
        }
        let linker = tally_vm::Linker::<()>::new(&engine);
        let instance = linker.instantiate(&mut store, &module).expect("tally: instantiate guests");
        let func = instance.get_func(&store, export).expect("tally: guest export");
        Self { store, func, results: [tally_vm::Val::I32(0)], metered: stack_budget.is_some() }
    }

    fn call(&mut self, arg: i32) -> u64 {
        if self.metered {
            self.store.set_gas(GAS);
        }
        self.func.call(&mut self.store, &[tally_vm::Val::I32(arg)], &mut self.results).expect("tally: guest call");
        tally_bits(&self.results[0])
    }

    /// Gas used by the last call.
    fn gas_used(&self) -> u64 {
        GAS - self.store.gas()
    }
}

/// An instantiated guest export on wasmi 2 with fuel metering.
struct WasmiFuelRunner {
    store: wasmi::Store<()>,
    func: wasmi::Func,
    results: [wasmi::Val; 1],
}

impl WasmiFuelRunner {
    fn new(wasm: &[u8], export: &str) -> Self {
        let mut config = wasmi::Config::default();
        config.consume_fuel(true);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm).expect("wasmi: compile guests");
        let mut store = wasmi::Store::new(&engine, ());
        store.set_fuel(u64::MAX / 2).expect("wasmi: fuel enabled");
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

fn metered(c: &mut Criterion) {
    let schedule = Schedule::default();
    let wasm = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");
    let instrumented = tally_gas_injector::instrument(&wasm, &schedule).expect("instrument the guests");
    for w in &WORKLOADS {
        let expected = (w.native)(w.arg);
        let mut tally = TallyRunner::new(&instrumented, w.name, Some(schedule.stack.budget));
        let mut unmetered = TallyRunner::new(&wasm, w.name, None);
        let mut wasmi_fuel = WasmiFuelRunner::new(&wasm, w.name);
        assert_eq!(tally.call(w.arg), expected, "tally metered: {}({})", w.name, w.arg);
        eprintln!("metered/{}: {}({}) uses {} gas", w.name, w.name, w.arg, tally.gas_used());
        assert_eq!(unmetered.call(w.arg), expected, "tally: {}({})", w.name, w.arg);
        assert_eq!(wasmi_fuel.call(w.arg), expected, "wasmi-fuel: {}({})", w.name, w.arg);

        let mut group = c.benchmark_group(format!("metered/{}", w.name));
        // Calls take milliseconds: a flat sampling plan keeps runs short and comparable.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(20);
        group.bench_function("tally", |b| b.iter(|| tally.call(black_box(w.arg))));
        group.bench_function("tally-unmetered", |b| b.iter(|| unmetered.call(black_box(w.arg))));
        group.bench_function("wasmi-fuel", |b| b.iter(|| wasmi_fuel.call(black_box(w.arg))));
        group.finish();
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
