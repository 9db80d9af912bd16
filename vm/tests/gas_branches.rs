//! Changes of direction of conditional branches (SPEC.md "Branch direction"), end to end: each
//! hand-written case runs on tally-vm and on wasmi (where `tally.branch` is a host function over
//! the reference `BranchSites`, one per store), which must agree exactly, and the gas it uses at a
//! nonzero `branch_change` must be the gas at 0 plus the expected number of changes times it.

use crate::gas_common;

use gas_common::*;
use tally_gas_injector::Schedule;
use tally_vm::TrapCode;

/// The price of a change in these tests.
const K: u64 = 12_000;

/// The default schedule with `branch_change` = `k`.
fn schedule(k: u64) -> Schedule {
    let mut s = Schedule::default();
    s.branch_change = k;
    s
}

/// Gas used by each of `calls` (export, argument) run one after the other in one store, on both
/// engines (which must agree), with `schedule`.
fn used(wasm: &[u8], schedule: &Schedule, calls: &[(&str, i32)]) -> Vec<u64> {
    let out = instrumented(wasm, schedule);
    let gas = 1u64 << 50;
    let calls: Vec<(&str, Vec<Norm>, u64)> = calls.iter().map(|&(f, a)| (f, vec![Norm::I32(a)], gas)).collect();
    let runs = run_both(&out, schedule.stack.budget, u64::MAX, &calls).unwrap_or_else(|e| panic!("{e}"));
    runs.iter()
        .map(|r| {
            assert!(matches!(r.ending, Ending::Returned(_)), "{r:?}");
            r.used(gas)
        })
        .collect()
}

/// The changes of direction each call makes: its gas at `K` less its gas at 0, in units of `K`.
#[track_caller]
fn changes(wasm: &[u8], calls: &[(&str, i32)]) -> Vec<u64> {
    let at_k = used(wasm, &schedule(K), calls);
    let at_0 = used(wasm, &schedule(0), calls);
    at_k.iter()
        .zip(&at_0)
        .map(|(k, z)| {
            let extra = k - z;
            assert_eq!(extra % K, 0, "{extra} is not a multiple of {K}");
            extra / K
        })
        .collect()
}

/// A loop's back edge changes twice a loop: taken on the first iteration that repeats (a change
/// from "not taken"), not taken on the last.
#[test]
fn a_loop_back_edge_changes_twice_a_loop() {
    let wasm = wat(r#"(module (func (export "f") (param $n i32)
             (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))"#);
    for (n, expected) in [(1, 0), (2, 2), (100, 2)] {
        assert_eq!(changes(&wasm, &[("f", n)]), [expected], "n = {n}");
    }
}

/// An `if`/`else` on the loop counter's low bit changes on every iteration after the first
/// (which goes "not taken", as the site starts); the loop's own back edge adds its two.
#[test]
fn an_alternating_if_else_changes_every_time() {
    let wasm = wat(r#"(module (global $g (mut i32) (i32.const 0))
           (func (export "f") (param $n i32) (local $i i32)
             (loop $l
               (if (i32.and (local.get $i) (i32.const 1))
                 (then (global.set $g (i32.add (global.get $g) (i32.const 1))))
                 (else (global.set $g (i32.sub (global.get $g) (i32.const 1)))))
               (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))))"#);
    for (n, expected) in [(1, 0), (2, 1 + 2), (11, 10 + 2)] {
        assert_eq!(changes(&wasm, &[("f", n)]), [expected], "n = {n}");
    }
}

/// A `br_if` or `if` in dead code is no site: nothing is injected, nothing charged.
#[test]
fn dead_code_has_no_sites() {
    let wasm = wat(r#"(module (func (export "f") (param i32)
             (block (br 0) (br_if 0 (local.get 0)) (if (local.get 0) (then (nop))))))"#);
    assert_eq!(instrumented(&wasm, &schedule(K)), instrumented(&wasm, &schedule(0)), "nothing injected");
    assert_eq!(changes(&wasm, &[("f", 1)]), [0]);
}

/// Out of gas at a branch charge happens before its `if`: what ran before it stays, the arm does
/// not run. With `uniform(0)` the only charge is the change (the `if`'s regions cost 0).
#[test]
fn out_of_gas_at_a_branch_charge_is_before_the_branch() {
    let wasm = wat(r#"(module (global $g (export "g") (mut i32) (i32.const 0))
           (func (export "f") (param i32)
             (global.set $g (i32.const 1))
             (if (local.get 0) (then (global.set $g (i32.const 2))))))"#);
    let mut s = Schedule::uniform(0);
    s.branch_change = K;
    let out = instrumented(&wasm, &s);
    let run = |arg: i32, gas: u64| {
        let mut t = TallyVm::new(&out, u64::MAX, u64::from(s.stack.budget)).unwrap();
        let mut w = WasmiVm::new(&out, u64::MAX, s.stack.budget).unwrap();
        let (a, b) = (t.call("f", &[Norm::I32(arg)], gas), w.call("f", &[Norm::I32(arg)], gas));
        assert_eq!(a, b, "arg {arg}, gas {gas}");
        compare_state(&t, &w).unwrap();
        let g = t.inst.get_global(&t.store, "g").unwrap().get(&t.store);
        (a, g)
    };
    let (short, g) = run(1, K - 1);
    assert_eq!(short, Run { ending: Ending::Trapped(TrapCode::OutOfGas), gas_left: 0 });
    assert_eq!(g, tally_vm::Val::I32(1), "the code before the `if` ran, its then-arm did not");
    let (full, g) = run(1, K);
    assert_eq!((full, g), (Run { ending: Ending::Returned(vec![]), gas_left: 0 }, tally_vm::Val::I32(2)));
    // No change (the site starts not taken): free even without gas.
    let (none, g) = run(0, 0);
    assert_eq!((none, g), (Run { ending: Ending::Returned(vec![]), gas_left: 0 }, tally_vm::Val::I32(1)));
}

/// The directions are the store's: calls in one store see the directions the earlier ones left
/// (as tally-vm keeps them in its store, and wasmi's harness one `BranchSites` per store), and a
/// new store (host-env makes one per contract call) starts with every site not taken.
#[test]
fn directions_are_per_store() {
    let wasm = wat(r#"(module (func (export "f") (param i32) (if (local.get 0) (then (nop)))))"#);
    assert_eq!(changes(&wasm, &[("f", 1), ("f", 1), ("f", 0), ("f", 0), ("f", 1)]), [1, 0, 1, 0, 1]);
    assert_eq!(changes(&wasm, &[("f", 1)]), [1], "a new store starts afresh");
    assert_eq!(changes(&wasm, &[("f", 0)]), [0]);
}

/// Sites are numbered over the module; a body the injector's own validator declines (its
/// `ref.func`) and wasmparser's takes over numbers its sites the same, so each site keeps its
/// own direction: `a`'s and `b`'s sites never share a bit.
#[test]
fn sites_of_a_body_taken_over_keep_their_own_directions() {
    let wasm = wat(r#"(module (elem declare func $a)
           (func $a (export "a") (param i32) (if (local.get 0) (then (nop))))
           (func $b (export "b") (param i32)
             (if (local.get 0) (then (nop)))
             (drop (ref.func $a))
             (block (br_if 0 (local.get 0))))
           (func (export "c") (param i32) (if (i32.eqz (local.get 0)) (then (nop)))))"#);
    // a(1): its site taken (1). b(1): two sites of its own taken (2). c(0): its site taken (1).
    // a(1) again: its site is still taken (0).
    assert_eq!(changes(&wasm, &[("a", 1), ("b", 1), ("c", 0), ("a", 1), ("b", 0)]), [1, 2, 1, 0, 2]);
}
