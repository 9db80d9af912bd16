//! Guest workloads and per-runtime runners shared by the `execute` and `metering` benches.

// Each bench target compiles this module on its own and uses only part of it.
#![allow(dead_code)]

/// Gas given before every metered call: far more than any workload uses.
pub const GAS: u64 = u64::MAX / 2;

/// One guest export and the argument it is benchmarked with.
pub struct Workload {
    pub name: &'static str,
    pub arg: i32,
    pub native: fn(i32) -> u64,
}

/// The workloads and their sizes: one call takes roughly 1–20 ms on an interpreter.
pub const WORKLOADS: [Workload; 5] = [
    Workload { name: "fib", arg: 25, native: |n| tally_guests::fib(n) as u64 },
    Workload { name: "sieve", arg: 400_000, native: |n| tally_guests::sieve(n) as u32 as u64 },
    Workload { name: "keccak", arg: 60, native: |n| tally_guests::keccak(n) as u64 },
    Workload { name: "matmul", arg: 64, native: |n| tally_guests::matmul(n).to_bits() },
    Workload { name: "ledger", arg: 60_000, native: |n| tally_guests::ledger(n) as u64 },
];

/// The real-crates workloads (`guests/crates`, each `(i32) -> i64`) and their sizes: one call
/// takes roughly 2–10 ms on an interpreter. Each checks its own answer and traps if it is wrong;
/// there is no native build, so results are compared between the runtimes.
pub const CRATE_WORKLOADS: [(&str, i32); 9] = [
    ("sha256", 128),
    ("blake3", 512),
    ("ed25519", 1),
    ("secp256k1", 1),
    ("json", 200),
    ("deflate", 16),
    ("regex", 1000),
    ("scale", 5000),
    ("u256", 5000),
];

/// Bits of a tally value, for comparison with the native result.
pub fn tally_bits(v: &tally_vm::Val) -> u64 {
    match v {
        tally_vm::Val::I32(x) => *x as u32 as u64,
        tally_vm::Val::I64(x) => *x as u64,
        tally_vm::Val::F32(x) => u64::from(x.0),
        tally_vm::Val::F64(x) => x.0,
        other => panic!("unexpected result {other:?}"),
    }
}

/// Bits of a wasmi value, for comparison with the native result.
pub fn wasmi_bits(v: &wasmi::Val) -> u64 {
    match v {
        wasmi::Val::I32(x) => *x as u32 as u64,
        wasmi::Val::I64(x) => *x as u64,
        wasmi::Val::F32(x) => u64::from(f32::from(*x).to_bits()),
        wasmi::Val::F64(x) => f64::from(*x).to_bits(),
        other => panic!("unexpected result {other:?}"),
    }
}

/// An instantiated guest export on tally-vm, metered (gas and stack budget set) or not.
pub struct TallyRunner {
    store: tally_vm::Store<()>,
    func: tally_vm::Func,
    results: [tally_vm::Val; 1],
    metered: bool,
}

impl TallyRunner {
    pub fn new(wasm: &[u8], export: &str, stack_budget: Option<u32>) -> Self {
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

    pub fn call(&mut self, arg: i32) -> u64 {
        if self.metered {
            self.store.set_gas(GAS);
        }
        self.func.call(&mut self.store, &[tally_vm::Val::I32(arg)], &mut self.results).expect("tally: guest call");
        tally_bits(&self.results[0])
    }

    /// Gas used by the last call.
    pub fn gas_used(&self) -> u64 {
        GAS - self.store.gas()
    }
}

/// An instantiated guest export on wasmi, optionally with fuel metering.
pub struct WasmiRunner {
    store: wasmi::Store<()>,
    func: wasmi::Func,
    results: [wasmi::Val; 1],
}

impl WasmiRunner {
    pub fn new(wasm: &[u8], export: &str, fuel: bool) -> Self {
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

    pub fn call(&mut self, arg: i32) -> u64 {
        self.func.call(&mut self.store, &[wasmi::Val::I32(arg)], &mut self.results).expect("wasmi: guest call");
        wasmi_bits(&self.results[0])
    }
}
