//! Shared harness of the end-to-end gas tests (`gas_*.rs`): instrument a module with
//! `tally-gas-injector`, then run it on tally-vm (which executes the `tally.*` imports as
//! intrinsics) and on wasmi 2 (where the five imports are ordinary host functions backed by the
//! reference [`Meter`] and [`BranchSites`] of `tally-profile`, one of each per store), and report
//! how each call ended and how much gas was left.
#![allow(dead_code)]

use tally_gas_injector::{instrument, validate, verify, Schedule};
use tally_profile::metering::{BranchSites, Meter, MeterTrap};
use tally_vm::TrapCode;

/// Memory limit (64 KiB pages) enforced identically on both engines.
pub const MAX_MEMORY_PAGES: u32 = 1024;
/// Table limit (elements) enforced identically on both engines.
pub const MAX_TABLE_ELEMENTS: u32 = 100_000;
/// Call depth limit of both engines. The default schedule's stack budget (2^18 units, 32 per
/// activation) allows at most 8192 nested calls, so the meter's `StackExhausted` always comes
/// first and the engines' own limits are never what stops a run.
pub const MAX_CALL_DEPTH: u32 = 16 * 1024;

/// Parses WAT.
pub fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("bad WAT: {e}"))
}

/// Instruments `wasm` and checks the output validates and passes `verify`.
pub fn instrumented(wasm: &[u8], schedule: &Schedule) -> Vec<u8> {
    let out = instrument(wasm, schedule).unwrap_or_else(|e| panic!("instrument failed: {e}"));
    validate(&out).unwrap_or_else(|e| panic!("instrumented module invalid: {e}"));
    verify(wasm, &out, schedule).unwrap_or_else(|e| panic!("verify failed: {e}"));
    out
}

/// A value in a form both engines share (floats by their bits, references by null-ness).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, by its bits.
    F32(u32),
    /// An `f64`, by its bits.
    F64(u64),
    /// A `funcref`: `true` when null.
    FuncRef(bool),
    /// An `externref`: its host value, `None` when null.
    ExternRef(Option<u32>),
}

/// How a call (or instantiation) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Returned these results.
    Returned(Vec<Norm>),
    /// Trapped with this code.
    Trapped(TrapCode),
}

/// An ending and the gas left after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// How it ended.
    pub ending: Ending,
    /// The gas left after it.
    pub gas_left: u64,
}

impl Run {
    /// Gas used out of `limit`.
    pub fn used(&self, limit: u64) -> u64 {
        limit - self.gas_left
    }
}

fn norm_tally(v: &tally_vm::Val) -> Norm {
    match v {
        tally_vm::Val::I32(x) => Norm::I32(*x),
        tally_vm::Val::I64(x) => Norm::I64(*x),
        tally_vm::Val::F32(x) => Norm::F32(x.0),
        tally_vm::Val::F64(x) => Norm::F64(x.0),
        tally_vm::Val::FuncRef(f) => Norm::FuncRef(f.is_none()),
        tally_vm::Val::ExternRef(r) => Norm::ExternRef(r.map(|r| r.0)),
    }
}

fn norm_wasmi(store: &wasmi::Store<Host>, v: &wasmi::Val) -> Norm {
    match v {
        wasmi::Val::I32(x) => Norm::I32(*x),
        wasmi::Val::I64(x) => Norm::I64(*x),
        wasmi::Val::F32(x) => Norm::F32(x.to_bits()),
        wasmi::Val::F64(x) => Norm::F64(x.to_bits()),
        wasmi::Val::FuncRef(f) => Norm::FuncRef(f.is_null()),
        wasmi::Val::ExternRef(r) => {
            Norm::ExternRef(r.val().map(|r| r.data(store).downcast_ref::<u32>().copied().unwrap_or(u32::MAX)))
        }
        wasmi::Val::V128(_) => unreachable!("SIMD is outside the profile"),
    }
}

fn tally_arg(n: Norm) -> tally_vm::Val {
    match n {
        Norm::I32(x) => tally_vm::Val::I32(x),
        Norm::I64(x) => tally_vm::Val::I64(x),
        Norm::F32(x) => tally_vm::Val::F32(tally_vm::F32(x)),
        Norm::F64(x) => tally_vm::Val::F64(tally_vm::F64(x)),
        Norm::FuncRef(_) => tally_vm::Val::FuncRef(None),
        Norm::ExternRef(r) => tally_vm::Val::ExternRef(r.map(tally_vm::ExternRef)),
    }
}

fn wasmi_arg(store: &mut wasmi::Store<Host>, n: Norm) -> wasmi::Val {
    match n {
        Norm::I32(x) => wasmi::Val::I32(x),
        Norm::I64(x) => wasmi::Val::I64(x),
        Norm::F32(x) => wasmi::Val::F32(wasmi::F32::from_bits(x)),
        Norm::F64(x) => wasmi::Val::F64(wasmi::F64::from_bits(x)),
        Norm::FuncRef(_) => wasmi::Val::FuncRef(wasmi::Nullable::Null),
        Norm::ExternRef(None) => wasmi::Val::ExternRef(wasmi::Nullable::Null),
        Norm::ExternRef(Some(k)) => wasmi::Val::ExternRef(wasmi::Nullable::Val(wasmi::ExternRef::new(store, k))),
    }
}

/// The default value of a type, as a [`Norm`] (funcref arguments are always null).
pub fn zero_of(ty: &tally_vm::ValType) -> Norm {
    match ty {
        tally_vm::ValType::I32 => Norm::I32(0),
        tally_vm::ValType::I64 => Norm::I64(0),
        tally_vm::ValType::F32 => Norm::F32(0),
        tally_vm::ValType::F64 => Norm::F64(0),
        tally_vm::ValType::FuncRef => Norm::FuncRef(true),
        tally_vm::ValType::ExternRef => Norm::ExternRef(None),
    }
}

// ---------------------------------------------------------------------------------------------
// tally-vm

/// A tally-vm engine with the limits both engines share.
pub fn tally_engine() -> tally_vm::Engine {
    tally_vm::Engine::new(
        tally_vm::Config::default()
            .max_memory_pages(MAX_MEMORY_PAGES)
            .max_table_elements(MAX_TABLE_ELEMENTS)
            .max_call_depth(MAX_CALL_DEPTH),
    )
}

/// An instrumented module instantiated on tally-vm.
pub struct TallyVm {
    /// Its store.
    pub store: tally_vm::Store<()>,
    /// The instance.
    pub inst: tally_vm::Instance,
    /// The module.
    pub module: tally_vm::Module,
    /// Stack budget set before every call.
    pub budget: u64,
}

fn tally_trap(e: &tally_vm::Error) -> TrapCode {
    e.as_trap().unwrap_or_else(|| panic!("tally-vm failed without a trap: {e}")).code
}

impl TallyVm {
    /// Compiles and instantiates with `gas` and the given stack budget; on a trapping start
    /// function returns the ending and the gas left.
    pub fn new(wasm: &[u8], gas: u64, budget: u64) -> Result<Self, Run> {
        let engine = tally_engine();
        let module = tally_vm::Module::new(&engine, wasm).unwrap_or_else(|e| panic!("tally-vm rejects: {e}"));
        let mut store = tally_vm::Store::new(&engine, ());
        store.set_gas(gas);
        store.set_stack_budget(budget);
        let linker = tally_vm::Linker::<()>::new(&engine);
        match linker.instantiate(&mut store, &module) {
            Ok(inst) => Ok(Self { store, inst, module, budget }),
            Err(e) => Err(Run { ending: Ending::Trapped(tally_trap(&e)), gas_left: store.gas() }),
        }
    }

    /// Gas left now.
    pub fn gas(&self) -> u64 {
        self.store.gas()
    }

    /// Calls export `name` with `gas`.
    pub fn call(&mut self, name: &str, args: &[Norm], gas: u64) -> Run {
        let f = self.inst.get_func(&self.store, name).unwrap_or_else(|| panic!("no export {name:?}"));
        let ty = f.ty(&self.store);
        let args: Vec<_> = args.iter().map(|&a| tally_arg(a)).collect();
        let mut results: Vec<_> = ty.results().iter().map(|&t| tally_vm::Val::default_for(t)).collect();
        self.store.set_gas(gas);
        self.store.set_stack_budget(self.budget);
        let ending = match f.call(&mut self.store, &args, &mut results) {
            Ok(()) => Ending::Returned(results.iter().map(norm_tally).collect()),
            Err(e) => Ending::Trapped(tally_trap(&e)),
        };
        Run { ending, gas_left: self.store.gas() }
    }
}

/// Instruments `wasm` with `schedule` and runs export `name` on tally-vm with `gas` (the stack
/// budget is the schedule's).
pub fn run_tally(wasm: &[u8], schedule: &Schedule, name: &str, args: &[Norm], gas: u64) -> Run {
    let out = instrumented(wasm, schedule);
    let mut vm = TallyVm::new(&out, gas, u64::from(schedule.stack.budget)).unwrap_or_else(|r| panic!("start: {r:?}"));
    vm.call(name, args, gas)
}

// ---------------------------------------------------------------------------------------------
// wasmi

/// wasmi's host state: the reference meter, the branch sites' directions and the memory/table
/// limits.
pub struct Host {
    /// The gas and stack counters.
    pub meter: Meter,
    /// The branch sites' directions, for the store's life (as tally-vm keeps them per store).
    pub sites: BranchSites,
    limits: wasmi::StoreLimits,
}

/// A metering trap raised by a host function.
#[derive(Debug, Clone, Copy)]
pub struct MeterError(pub MeterTrap);

impl std::fmt::Display for MeterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl wasmi::errors::HostError for MeterError {}

fn meter_err(t: MeterTrap) -> wasmi::Error {
    wasmi::Error::host(MeterError(t))
}

/// A wasmi engine with the profile's features and the limits both engines share.
pub fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .wasm_mutable_global(true)
        .wasm_sign_extension(true)
        .wasm_saturating_float_to_int(true)
        .wasm_multi_value(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(true)
        .wasm_multi_memory(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_custom_page_sizes(false)
        .wasm_memory64(false)
        .wasm_wide_arithmetic(false)
        .floats(true)
        .compilation_mode(wasmi::CompilationMode::Eager)
        .set_max_recursion_depth(MAX_CALL_DEPTH as usize)
        .set_max_stack_height(16 * 1024 * 1024);
    wasmi::Engine::new(&config)
}

/// The five `tally.*` imports as ordinary wasmi host functions over [`Host::meter`] and
/// [`Host::sites`].
pub fn wasmi_linker(engine: &wasmi::Engine) -> wasmi::Linker<Host> {
    let mut linker = wasmi::Linker::<Host>::new(engine);
    linker
        .func_wrap("tally", "gas", |mut c: wasmi::Caller<'_, Host>, cost: i64| -> Result<(), wasmi::Error> {
            c.data_mut().meter.gas(cost as u64).map_err(meter_err)
        })
        .unwrap();
    linker
        .func_wrap(
            "tally",
            "gas_len",
            |mut c: wasmi::Caller<'_, Host>, len: i32, unit: i64| -> Result<i32, wasmi::Error> {
                c.data_mut().meter.gas_len(len as u32, unit as u64).map(|l| l as i32).map_err(meter_err)
            },
        )
        .unwrap();
    linker
        .func_wrap("tally", "stack_enter", |mut c: wasmi::Caller<'_, Host>, n: i32| -> Result<(), wasmi::Error> {
            c.data_mut().meter.stack_enter(n as u32).map_err(meter_err)
        })
        .unwrap();
    linker
        .func_wrap("tally", "stack_leave", |mut c: wasmi::Caller<'_, Host>, n: i32| {
            c.data_mut().meter.stack_leave(n as u32);
        })
        .unwrap();
    linker
        .func_wrap(
            "tally",
            "branch",
            |mut c: wasmi::Caller<'_, Host>, cond: i32, site: i32, cost: i64| -> Result<i32, wasmi::Error> {
                let Host { meter, sites, .. } = c.data_mut();
                sites.branch(meter, cond as u32, site as u32, cost as u64).map(|c| c as i32).map_err(meter_err)
            },
        )
        .unwrap();
    linker
}

fn wasmi_trap(e: &wasmi::Error) -> TrapCode {
    use wasmi::TrapCode as W;
    if let Some(MeterError(t)) = e.downcast_ref::<MeterError>() {
        return match t {
            MeterTrap::OutOfGas => TrapCode::OutOfGas,
            MeterTrap::StackExhausted => TrapCode::StackExhausted,
        };
    }
    if let Some(code) = e.as_trap_code() {
        return match code {
            W::UnreachableCodeReached => TrapCode::Unreachable,
            W::MemoryOutOfBounds => TrapCode::MemoryOutOfBounds,
            W::TableOutOfBounds => TrapCode::TableOutOfBounds,
            W::IndirectCallToNull => TrapCode::IndirectCallToNull,
            W::IntegerDivisionByZero => TrapCode::DivisionByZero,
            W::IntegerOverflow => TrapCode::IntegerOverflow,
            W::BadConversionToInteger => TrapCode::InvalidConversion,
            // wasmi's own limit: never expected (the meter's budget is reached first); mapped to
            // HostError so it can never compare equal to the meter's StackExhausted.
            W::StackOverflow => TrapCode::HostError,
            W::BadSignature => TrapCode::IndirectCallTypeMismatch,
            other => panic!("unexpected wasmi trap {other:?}"),
        };
    }
    if let wasmi::errors::ErrorKind::Instantiation(wasmi::errors::InstantiationError::ElementSegmentDoesNotFit {
        ..
    }) = e.kind()
    {
        return TrapCode::TableOutOfBounds;
    }
    panic!("wasmi failed without a trap: {e}")
}

/// An instrumented module instantiated on wasmi.
pub struct WasmiVm {
    /// Its store.
    pub store: wasmi::Store<Host>,
    /// The instance.
    pub inst: wasmi::Instance,
}

impl WasmiVm {
    /// Compiles and instantiates (running `start`) with `gas` and a stack budget.
    pub fn new(wasm: &[u8], gas: u64, budget: u32) -> Result<Self, Run> {
        let engine = wasmi_engine();
        let module = wasmi::Module::new(&engine, wasm).unwrap_or_else(|e| panic!("wasmi rejects: {e}"));
        let limits = wasmi::StoreLimitsBuilder::new()
            .memory_size(MAX_MEMORY_PAGES as usize * 65536)
            .table_elements(MAX_TABLE_ELEMENTS as usize)
            .build();
        let mut store = wasmi::Store::new(
            &engine,
            Host { meter: Meter::new(gas, budget.into()), sites: BranchSites::new(), limits },
        );
        store.limiter(|h: &mut Host| -> &mut dyn wasmi::ResourceLimiter { &mut h.limits });
        let linker = wasmi_linker(&engine);
        match linker.instantiate_and_start(&mut store, &module) {
            Ok(inst) => Ok(Self { store, inst }),
            Err(e) => {
                let ending = Ending::Trapped(wasmi_trap(&e));
                Err(Run { ending, gas_left: store.data().meter.remaining() })
            }
        }
    }

    /// Calls export `name` with `gas` (the stack counter is reset: a new top-level call).
    pub fn call(&mut self, name: &str, args: &[Norm], gas: u64) -> Run {
        let f = self.inst.get_func(&self.store, name).unwrap_or_else(|| panic!("no export {name:?}"));
        let ty = f.ty(&self.store);
        let args: Vec<_> = args.iter().map(|&a| wasmi_arg(&mut self.store, a)).collect();
        let mut results: Vec<_> = ty.results().iter().map(|&t| wasmi::Val::default_for_ty(t)).collect();
        self.store.data_mut().meter.set_remaining(gas);
        self.store.data_mut().meter.reset_stack();
        let ending = match f.call(&mut self.store, &args, &mut results) {
            Ok(()) => Ending::Returned(results.iter().map(|v| norm_wasmi(&self.store, v)).collect()),
            Err(e) => Ending::Trapped(wasmi_trap(&e)),
        };
        Run { ending, gas_left: self.store.data().meter.remaining() }
    }
}

// ---------------------------------------------------------------------------------------------
// Both

/// Compares the exported memories and globals and the exported tables' sizes and null-ness.
pub fn compare_state(t: &TallyVm, w: &WasmiVm) -> Result<(), String> {
    for export in t.module.exports() {
        let name = export.name();
        match export.ty() {
            tally_vm::ExternType::Memory(_) => {
                let tm = t.inst.get_memory(&t.store, name).unwrap();
                let wm = w.inst.get_export(&w.store, name).and_then(|e| e.into_memory()).unwrap();
                if tm.data(&t.store) != wm.data(&w.store) {
                    return Err(format!("memory {name:?} differs"));
                }
            }
            tally_vm::ExternType::Global(_) => {
                let tg = norm_tally(&t.inst.get_global(&t.store, name).unwrap().get(&t.store));
                let wg = w.inst.get_export(&w.store, name).and_then(|e| e.into_global()).unwrap();
                let wg = norm_wasmi(&w.store, &wg.get(&w.store));
                if tg != wg {
                    return Err(format!("global {name:?}: tally {tg:?}, wasmi {wg:?}"));
                }
            }
            tally_vm::ExternType::Table(_) => {
                let tt = t.inst.get_table(&t.store, name).unwrap();
                let wt = w.inst.get_export(&w.store, name).and_then(|e| e.into_table()).unwrap();
                let size = tt.size(&t.store);
                if u64::from(size) != wt.size(&w.store) {
                    return Err(format!("table {name:?} sizes differ"));
                }
                for i in 0..size {
                    let tn = match tt.get(&t.store, i) {
                        Some(tally_vm::Val::FuncRef(f)) => f.is_none(),
                        Some(tally_vm::Val::ExternRef(r)) => r.is_none(),
                        other => return Err(format!("table {name:?}[{i}]: {other:?}")),
                    };
                    let wn = wt.get(&w.store, u64::from(i)).map(|r| r.is_null());
                    if Some(tn) != wn {
                        return Err(format!("table {name:?}[{i}] null-ness differs"));
                    }
                }
            }
            tally_vm::ExternType::Func(_) => {}
        }
    }
    Ok(())
}

/// Runs `calls` (export, args, gas) on both engines, after instantiating with `start_gas`;
/// returns each step's run (instantiation first when it traps) or the first disagreement.
pub fn run_both(
    wasm: &[u8],
    budget: u32,
    start_gas: u64,
    calls: &[(&str, Vec<Norm>, u64)],
) -> Result<Vec<Run>, String> {
    let t = TallyVm::new(wasm, start_gas, u64::from(budget));
    let w = WasmiVm::new(wasm, start_gas, budget);
    let (mut t, mut w) = match (t, w) {
        (Ok(t), Ok(w)) => (t, w),
        (Err(a), Err(b)) if a == b => return Ok(vec![a]),
        (a, b) => {
            return Err(format!(
                "instantiation differs: tally {:?}, wasmi {:?}",
                a.as_ref().err().cloned().ok_or("ok"),
                b.as_ref().err().cloned().ok_or("ok")
            ))
        }
    };
    let (tg, wg) = (t.gas(), w.store.data().meter.remaining());
    if tg != wg {
        return Err(format!("gas after instantiation: tally {tg}, wasmi {wg}"));
    }
    compare_state(&t, &w).map_err(|e| format!("after instantiation: {e}"))?;
    let mut runs = Vec::new();
    for (name, args, gas) in calls {
        let a = t.call(name, args, *gas);
        let b = w.call(name, args, *gas);
        if a != b {
            return Err(format!("call {name:?}({args:?}) with gas {gas}: tally {a:?}, wasmi {b:?}"));
        }
        compare_state(&t, &w).map_err(|e| format!("after {name:?}: {e}"))?;
        runs.push(a);
    }
    Ok(runs)
}
