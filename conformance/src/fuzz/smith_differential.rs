//! Target `smith_differential`: a wasm-smith module in Tally's profile, built from the input, runs
//! on tally-vm and on wasmi 2 twice:
//!
//! 1. **original**, with wasm-smith's fuel counter (`ensure_termination`) so every call ends:
//!    instantiation and every export called in turn must end alike (results bit for bit — both
//!    engines canonicalize arithmetic NaNs the same way, wasmi through its `deterministic`
//!    feature — or the same trap), with the same exported memories, globals and tables after
//!    each step;
//! 2. **instrumented** with one of three schedules (the output must validate and pass `verify`),
//!    the `tally.*` imports as intrinsics on tally-vm and as host functions over the reference
//!    meter and branch sites of `tally-profile` on wasmi, each call with its own gas limit: the
//!    same, plus the gas left.
//!
//! The engines are [`crate::metered`] and the generator configuration is
//! [`crate::smith_profile`], both shared with tally-vm's differential and gas tests. Where the
//! engines may legitimately part ways the case stops being compared: call-stack exhaustion of the
//! original module (the engines count frames and slots differently; the instrumented module's
//! meter limits the stack identically on both), and a module that may hit wasmi 2.0.0's known
//! `select` miscompilation ([`crate::smith_profile::has_wasmi_select_hazard`]).

use arbitrary::Unstructured;
use tally_gas_injector::{Schedule, StackCosts};
use tally_vm::TrapCode;

use crate::metered::{compare_state, run_both, zero_of, Ending, Norm, Run, TallyVm, WasmiVm};
use crate::smith_profile;

/// Fuel choices for the original module's termination counter (loop iterations plus function
/// entries, summed over every call into one instance).
const FUEL_CHOICES: [u32; 3] = [1000, 100, 5000];
/// Gas limits per call of the instrumented module. The largest bounds the native stack wasmi
/// needs for a loop of grows (see [`smith_profile::WASMI_THREAD_STACK`]).
const GAS_CHOICES: [u64; 5] = [0, 5_000, 200_000, 3_000_000, 10_000_000];
/// How many times each export is called (round-robin), so later calls see earlier effects.
const CALL_ROUNDS: usize = 2;

/// The generator's size bounds (small modules run fast; the fuzzer supplies the variety).
fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_funcs: 12,
        max_instructions: 150,
        max_types: 20,
        max_globals: 10,
        max_data_segments: 5,
        max_element_segments: 5,
        max_elements: 30,
        max_exports: 40,
        max_memory32_bytes: 16 * 65536,
        max_table_elements: 1000,
        max_nesting_depth: 8,
        ..smith_profile::profile_config()
    }
}

/// A schedule where costs differ from each other, so a wrong region boundary changes the total.
fn odd_schedule() -> Schedule {
    let mut s = Schedule::uniform(3);
    s.br_table_per_target = 7;
    s.branch_change = 29;
    s.per_local = 11;
    s.dynamic.memory_grow_per_page = 1009;
    s.dynamic.memory_init_per_byte = 2;
    s.dynamic.memory_copy_per_byte = 3;
    s.dynamic.memory_fill_per_byte = 5;
    s.dynamic.table_grow_per_element = 13;
    s.dynamic.table_init_per_element = 17;
    s.dynamic.table_copy_per_element = 19;
    s.dynamic.table_fill_per_element = 23;
    // Both memory-access terms: the charge above the threshold runs op by op in tally-vm.
    s.dynamic.memory_access_per_page_above = 31;
    s.dynamic.memory_access_threshold_pages = 1;
    s.stack = StackCosts { budget: 1 << 14, activation: 9, i32: 1, i64: 2, f32: 1, f64: 2, funcref: 3, externref: 3 };
    s
}

/// The instrumented module's schedules.
fn schedules() -> [Schedule; 3] {
    [Schedule::default(), odd_schedule(), Schedule::uniform(1)]
}

/// The module the input describes, and the knobs byte: bits 0–1 make wasm-smith avoid traps
/// (when 0), bit 2 allows floats, bits 3–7 pick the schedule, fuel and gas at instantiation.
fn generate(data: &[u8]) -> Option<(u8, wasm_smith::Module, Unstructured<'_>)> {
    let mut u = Unstructured::new(data);
    let knobs: u8 = u.arbitrary().ok()?;
    let mut config = smith_config();
    config.disallow_traps = knobs & 3 == 0;
    config.allow_floats = knobs & 4 != 0;
    let module = wasm_smith::Module::new(config, &mut u).ok()?;
    Some((knobs, module, u))
}

/// Checks one input; `Err` describes the first disagreement.
pub fn check(data: &[u8]) -> Result<(), String> {
    // wasmi's grow handlers leave a native frame per executed grow (see WASMI_THREAD_STACK).
    smith_profile::on_large_stack(|| check_here(data))
}

fn check_here(data: &[u8]) -> Result<(), String> {
    let Some((knobs, module, mut u)) = generate(data) else { return Ok(()) };
    let wasm = module.to_bytes();
    // The same module again, with the fuel counter (generation is deterministic).
    let fuel = FUEL_CHOICES[usize::from(knobs >> 3) % FUEL_CHOICES.len()];
    let terminating = generate(data).and_then(|(_, mut m, _)| m.ensure_termination(fuel).ok().map(|_| m.to_bytes()));

    let hazard = || smith_profile::has_wasmi_select_hazard(&wasm);
    if let Some(original) = terminating {
        match tally_vm::Module::new(&crate::metered::tally_engine(), &original) {
            Ok(m) => {
                let calls = calls_for(&m, &mut u, |_| u64::MAX);
                match run_original(&original, &calls) {
                    Err(e) if !hazard() => return Err(format!("original module: {e}")),
                    _ => {}
                }
            }
            Err(tally_vm::Error::LimitExceeded { .. }) => {}
            Err(e) => return Err(format!("tally-vm rejects a wasm-smith module of the profile: {e}")),
        }
    }

    let schedule = &schedules()[usize::from(knobs >> 5) % 3];
    let out = match tally_gas_injector::instrument(&wasm, schedule) {
        Ok(out) => out,
        // wasm-smith names exports freely; the injector refuses those under its reserved prefix
        // by rule (`tally_profile::metering::RESERVED_EXPORT_PREFIX`), not by disagreement.
        Err(tally_gas_injector::InjectError::ReservedExport { .. }) => return Ok(()),
        Err(e) => return Err(format!("instrument rejects a wasm-smith module of the profile: {e}")),
    };
    tally_profile::validate(&out).map_err(|e| format!("the instrumented module is invalid: {e}"))?;
    tally_gas_injector::verify(&wasm, &out, schedule).map_err(|e| format!("verify: {e}"))?;
    crate::agreement::prevalidated_agrees(&crate::metered::tally_engine(), &out)?;
    let m = match tally_vm::Module::new(&crate::metered::tally_engine(), &out) {
        Ok(m) => m,
        Err(tally_vm::Error::LimitExceeded { .. }) => return Ok(()),
        Err(e) => return Err(format!("tally-vm rejects the instrumented module: {e}")),
    };
    let calls =
        calls_for(&m, &mut u, |u| GAS_CHOICES[usize::from(u.arbitrary::<u8>().unwrap_or(0)) % GAS_CHOICES.len()]);
    let borrowed: Vec<(&str, Vec<Norm>, u64)> = calls.iter().map(|(n, a, g)| (n.as_str(), a.clone(), *g)).collect();
    let start_gas = GAS_CHOICES[usize::from(knobs >> 5) % GAS_CHOICES.len()].max(5_000);
    match run_both(&out, schedule.stack.budget, start_gas, &borrowed) {
        Err(e) if !hazard() => Err(format!("instrumented module: {e}")),
        _ => Ok(()),
    }
}

/// Every exported function `CALL_ROUNDS` times, with arguments and a gas limit drawn from `u`.
fn calls_for(
    module: &tally_vm::Module,
    u: &mut Unstructured<'_>,
    mut gas: impl FnMut(&mut Unstructured<'_>) -> u64,
) -> Vec<(String, Vec<Norm>, u64)> {
    let mut calls = Vec::new();
    for _ in 0..CALL_ROUNDS {
        for e in module.exports() {
            let tally_vm::ExternType::Func(ty) = e.ty() else { continue };
            let args = ty
                .params()
                .iter()
                .map(|t| match t {
                    tally_vm::ValType::I32 => Norm::I32(u.arbitrary().unwrap_or(0)),
                    tally_vm::ValType::I64 => Norm::I64(u.arbitrary().unwrap_or(0)),
                    tally_vm::ValType::F32 => Norm::F32(u.arbitrary().unwrap_or(0)),
                    tally_vm::ValType::F64 => Norm::F64(u.arbitrary().unwrap_or(0)),
                    other => zero_of(other),
                })
                .collect();
            calls.push((e.name().to_string(), args, gas(u)));
        }
    }
    calls
}

/// Whether a run ran out of call stack: tally-vm's `StackExhausted`, or wasmi's own limit (which
/// [`crate::metered`] reports as `HostError`, since it never stops an instrumented module).
fn exhausted(run: &Run) -> bool {
    matches!(run.ending, Ending::Trapped(TrapCode::StackExhausted | TrapCode::HostError))
}

/// Runs an uninstrumented module on both engines (no gas is charged: the limits are only set);
/// stops comparing once either side exhausts its call stack.
fn run_original(wasm: &[u8], calls: &[(String, Vec<Norm>, u64)]) -> Result<(), String> {
    let (t, w) = (TallyVm::new(wasm, u64::MAX, u64::MAX), WasmiVm::new(wasm, u64::MAX, u32::MAX));
    let (mut t, mut w) = match (t, w) {
        (Ok(t), Ok(w)) => (t, w),
        (Err(a), Err(b)) if a.ending == b.ending || exhausted(&a) || exhausted(&b) => return Ok(()),
        (Err(a), _) if exhausted(&a) => return Ok(()),
        (_, Err(b)) if exhausted(&b) => return Ok(()),
        (a, b) => {
            let a = a.err().map(|r| r.ending);
            let b = b.err().map(|r| r.ending);
            return Err(format!("instantiation differs: tally {a:?}, wasmi {b:?}"));
        }
    };
    compare_state(&t, &w).map_err(|e| format!("after instantiation: {e}"))?;
    for (name, args, gas) in calls {
        let a = t.call(name, args, *gas);
        let b = w.call(name, args, *gas);
        if exhausted(&a) || exhausted(&b) {
            return Ok(());
        }
        if a.ending != b.ending {
            return Err(format!("call {name:?}({args:?}): tally {:?}, wasmi {:?}", a.ending, b.ending));
        }
        compare_state(&t, &w).map_err(|e| format!("after {name:?}: {e}"))?;
    }
    Ok(())
}
