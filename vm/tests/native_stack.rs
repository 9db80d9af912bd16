//! Execution never grows the native stack: a million calls that leave the handlers (into the
//! host, into the metering intrinsics, into another instance) from one Wasm frame run on a
//! 256 KiB native stack.
//!
//! Each of these calls must return to the dispatch. If one left a native frame behind (a handler
//! that calls the next handler instead of jumping to it), every call would add one and the
//! thread would overflow its stack long before the loop ends: the process aborts and the test
//! run fails. Under loop dispatch (`cfg(tally_portable)`) handlers return to the driver loop, so
//! these tests hold there too. `tally-conformance`'s `spec_suite_runs_on_small_native_stack`
//! covers the other handlers.

use tally_gas_injector::{instrument, Schedule};
use tally_vm::*;

/// Loop iterations per run: at 16 bytes or more of native stack per call, a million calls
/// exceed the thread's stack many times over. Under Miri, which checks the memory accesses of
/// these calls rather than the native stack, a few hundred do (a million would take hours).
const CALLS: i32 = if cfg!(miri) { 300 } else { 1_000_000 };

/// The native stack the Wasm code runs on.
const SMALL_STACK: usize = 256 * 1024;

/// Runs `f` on a thread with a [`SMALL_STACK`] native stack and returns its result.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .name("small-native-stack".to_string())
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("cannot spawn the small-stack thread")
        .join()
        .expect("the small-stack thread panicked")
}

/// An exported function `name(n: i32) -> i64` that runs a loop of `n` iterations, each adding
/// `call` (an `i64` expression) to an accumulator it returns.
fn summing_loop(name: &str, call: &str) -> String {
    format!(
        r#"(func (export "{name}") (param $n i32) (result i64) (local $acc i64)
          (block $done
            (loop $l
              (br_if $done (i32.eqz (local.get $n)))
              (local.set $acc (i64.add (local.get $acc) {call}))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br $l)))
          (local.get $acc))"#
    )
}

/// Calls `instance`'s export `name` with [`CALLS`].
fn run_loop<T>(store: &mut Store<T>, instance: &Instance, name: &str) -> i64 {
    let f = instance.get_typed_func::<i32, i64>(&*store, name).unwrap();
    f.call(store, CALLS).unwrap_or_else(|trap| panic!("{name} trapped: {trap:?}"))
}

/// A module calling the host function `env.block_height` in a loop, directly (`direct`) and
/// through a table (`indirect`).
fn host_caller() -> String {
    format!(
        r#"(module
          (import "env" "block_height" (func $block_height (result i64)))
          (type $height (func (result i64)))
          (table 1 funcref)
          (elem (i32.const 0) $block_height)
          {}
          {})"#,
        summing_loop("direct", "(call $block_height)"),
        summing_loop("indirect", "(call_indirect (type $height) (i32.const 0))"),
    )
}

/// A linker defining `env.block_height`, which returns the store's data.
fn host_linker(engine: &Engine) -> Linker<i64> {
    let mut linker = Linker::new(engine);
    linker.func_wrap("env", "block_height", |caller: Caller<'_, i64>| *caller.data()).unwrap();
    linker
}

#[test]
fn a_million_host_calls_in_one_frame() {
    let totals = on_small_stack(|| {
        let engine = Engine::default();
        let module = Module::new(&engine, &wat::parse_str(host_caller()).unwrap()).unwrap();
        let mut store = Store::new(&engine, 7i64);
        let inst = host_linker(&engine).instantiate(&mut store, &module).unwrap();
        [run_loop(&mut store, &inst, "direct"), run_loop(&mut store, &inst, "indirect")]
    });
    assert_eq!(totals, [7 * i64::from(CALLS); 2]);
}

#[test]
fn a_million_host_calls_in_one_frame_of_a_gas_injected_module() {
    // The instrumented loop pays a `gas` op per iteration and syncs the gas around each host call.
    let (total, used) = on_small_stack(|| {
        let engine = Engine::default();
        let wasm = wat::parse_str(host_caller()).unwrap();
        // Without branch-direction charges: the three runs share a store, whose sites remember
        // the last run's directions, and this test is about what an iteration costs.
        let mut schedule = Schedule::default();
        schedule.branch_change = 0;
        let module = Module::new(&engine, &instrument(&wasm, &schedule).unwrap()).unwrap();
        let mut store = Store::new(&engine, 7i64);
        let inst = host_linker(&engine).instantiate(&mut store, &module).unwrap();
        let f = inst.get_typed_func::<i32, i64>(&store, "direct").unwrap();
        let used = |store: &mut Store<i64>, n: i32| {
            store.set_gas(u64::MAX);
            let total = f.call(&mut *store, n).unwrap();
            (total, u64::MAX - store.gas())
        };
        let (_, zero) = used(&mut store, 0);
        let (_, one) = used(&mut store, 1);
        let (total, all) = used(&mut store, CALLS);
        (total, [zero, one, all])
    });
    assert_eq!(total, 7 * i64::from(CALLS));
    // Every iteration costs the same.
    let [zero, one, all] = used;
    assert!(one > zero, "an iteration should cost gas: {used:?}");
    assert_eq!(all, zero + (one - zero) * CALLS as u64, "{used:?}");
}

#[test]
fn a_million_metering_intrinsic_calls_in_one_frame() {
    // Arguments read from a global are not constants, so each `tally.*` call stays a call to an
    // intrinsic instead of becoming a metering op: four intrinsic calls per iteration.
    let wat = format!(
        r#"(module
          (import "tally" "gas" (func $gas (param i64)))
          (import "tally" "gas_len" (func $gas_len (param i32 i64) (result i32)))
          (import "tally" "stack_enter" (func $enter (param i32)))
          (import "tally" "stack_leave" (func $leave (param i32)))
          (global $one (mut i32) (i32.const 1))
          (func $metered (result i64)
            (call $enter (global.get $one))
            (call $gas (i64.extend_i32_u (global.get $one)))
            (call $leave (global.get $one))
            ;; Charges len * unit = 1 and returns len.
            (i64.extend_i32_u (call $gas_len (global.get $one) (i64.extend_i32_u (global.get $one)))))
          {})"#,
        summing_loop("run", "(call $metered)")
    );
    let (total, gas_left) = on_small_stack(move || {
        let engine = Engine::default();
        let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        store.set_gas(3 * CALLS as u64);
        store.set_stack_budget(1);
        let total = run_loop(&mut store, &inst, "run");
        (total, store.gas())
    });
    assert_eq!(total, i64::from(CALLS));
    // 1 for `gas`, 1 for `gas_len`, per iteration.
    assert_eq!(gas_left, CALLS as u64);
}

#[test]
fn a_million_cross_instance_calls_in_one_frame() {
    // The callee has its own memory, so each call and each return switches instances and
    // memories.
    let callee = r#"(module
      (memory 1)
      (data (i32.const 0) "\05")
      (func (export "five") (result i64) (i64.load8_u (i32.const 0))))"#;
    let caller = format!(
        r#"(module
          (import "callee" "five" (func $five (result i64)))
          (type $five (func (result i64)))
          (memory 1)
          (table 1 funcref)
          (elem (i32.const 0) $five)
          {}
          {})"#,
        summing_loop("direct", "(call $five)"),
        summing_loop("indirect", "(call_indirect (type $five) (i32.const 0))"),
    );
    let totals = on_small_stack(move || {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let callee = Module::new(&engine, &wat::parse_str(callee).unwrap()).unwrap();
        let callee = linker.instantiate(&mut store, &callee).unwrap();
        linker.instance(&store, "callee", callee).unwrap();
        let caller = Module::new(&engine, &wat::parse_str(caller).unwrap()).unwrap();
        let caller = linker.instantiate(&mut store, &caller).unwrap();
        [run_loop(&mut store, &caller, "direct"), run_loop(&mut store, &caller, "indirect")]
    });
    assert_eq!(totals, [5 * i64::from(CALLS); 2]);
}
