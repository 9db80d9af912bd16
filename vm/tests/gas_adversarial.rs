//! Adversarial classes of issue 3 §6 (metering.md §12.7), end to end: each module is
//! instrumented, run on tally-vm (intrinsics) and on wasmi (host functions over the reference
//! `Meter`), the two must agree exactly, and the run must stop at the expected point with the
//! expected gas. Expected numbers are computed here from the schedule's costs, by counting the
//! operators each run executes (the step-by-step reference of SPEC.md) and, for traps, the
//! regions that are paid in full; observable progress (a global counter, memory) shows where
//! the run stopped.

use crate::gas_common;

use gas_common::*;
use tally_gas_injector::{instrument, InjectError, OpKind as K, Schedule, StackCosts};
use tally_vm::{TrapCode, Val};

/// Σ cost(op) over `ops` (with repetition).
fn c(s: &Schedule, ops: &[K]) -> u64 {
    ops.iter().map(|&op| s.cost(op).unwrap_or_else(|| panic!("{op} forbidden"))).sum()
}

/// Runs `name` on both engines (fresh instances, start run with unlimited gas), asserts they agree
/// on the ending, the gas left and the exported state; returns the run, the exported global `g`
/// (if any) and the size of the exported memory `mem` (if any).
fn both(out: &[u8], budget: u32, name: &str, args: &[Norm], gas: u64) -> (Run, Option<i32>, Option<usize>) {
    let mut t = TallyVm::new(out, u64::MAX, u64::from(budget)).unwrap_or_else(|r| panic!("start: {r:?}"));
    let mut w = WasmiVm::new(out, u64::MAX, budget).unwrap_or_else(|r| panic!("start: {r:?}"));
    let a = t.call(name, args, gas);
    let b = w.call(name, args, gas);
    assert_eq!(a, b, "{name}: tally-vm vs wasmi");
    compare_state(&t, &w).unwrap();
    let g = t.inst.get_global(&t.store, "g").map(|g| match g.get(&t.store) {
        Val::I32(x) => x,
        other => panic!("g = {other:?}"),
    });
    let mem = t.inst.get_memory(&t.store, "mem").map(|m| m.data(&t.store).len());
    (a, g, mem)
}

fn oog() -> Ending {
    Ending::Trapped(TrapCode::OutOfGas)
}

const COUNTER_LOOP: &str = r#"(module
  (global $g (export "g") (mut i32) (i32.const 0))
  (func (export "f")
    (loop $l
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (br $l))))"#;

#[test]
fn free_loops_stop_after_exactly_the_paid_iterations() {
    let wasm = wat(COUNTER_LOOP);
    for s in [Schedule::default(), Schedule::uniform(1), Schedule::uniform(0)] {
        let out = instrumented(&wasm, &s);
        // One iteration: the loop's body region, `loop` included.
        let per_iter = c(&s, &[K::Loop, K::GlobalGet, K::I32Const, K::I32Add, K::GlobalSet, K::Br]).max(1);
        for gas in [0, 1, per_iter - 1, per_iter, per_iter * 1000 + per_iter - 1, 3_000_000] {
            let (run, g, _) = both(&out, s.stack.budget, "f", &[], gas);
            assert_eq!(run, Run { ending: oog(), gas_left: 0 });
            assert_eq!(g, Some((gas / per_iter) as i32), "iterations paid with {gas} at {per_iter} each");
        }
    }
    // A loop of nothing but zero-cost operators still pays ≥ 1 per iteration (its control ops).
    let wasm = wat(r#"(module (global $g (export "g") (mut i32) (i32.const 0))
        (func (export "f") (loop $l (nop) (nop) (drop (i32.const 0))
           (global.set $g (i32.add (global.get $g) (i32.const 1))) (br $l))))"#);
    let s = Schedule::uniform(0);
    let out = instrumented(&wasm, &s);
    let per_iter = c(&s, &[K::Loop, K::Br]);
    assert_eq!(per_iter, 2);
    let (run, g, _) = both(&out, s.stack.budget, "f", &[], 1_000_001);
    assert_eq!((run.ending.clone(), g), (oog(), Some(500_000)));
}

#[test]
fn br_table_to_loops() {
    let wasm = wat(r#"(module
      (global $g (export "g") (mut i32) (i32.const 0))
      (func (export "f") (param $n i32)
        (block $exit
          (loop $a
            (loop $b
              (global.set $g (i32.add (global.get $g) (i32.const 1)))
              (br_table $a $b $exit
                (select (i32.and (global.get $g) (i32.const 1)) (i32.const 2)
                        (i32.lt_u (global.get $g) (local.get $n)))))))))"#);
    let mut s = Schedule::default();
    s.br_table_per_target = 37;
    let out = instrumented(&wasm, &s);
    let body = c(
        &s,
        &[
            K::GlobalGet,
            K::I32Const,
            K::I32Add,
            K::GlobalSet,
            K::GlobalGet,
            K::I32Const,
            K::I32And,
            K::I32Const,
            K::GlobalGet,
            K::LocalGet,
            K::I32LtU,
            K::Select,
            K::BrTable,
        ],
    ) + 2 * s.br_table_per_target;
    let loop_ = c(&s, &[K::Loop]);
    for n in [1i32, 2, 7, 100] {
        let n64 = n as u64;
        // Iteration i (g becomes i) continues while i < n: odd i re-enters $b, even i $a then $b.
        let evens_below_n = (1..n64).filter(|i| i % 2 == 0).count() as u64;
        let a_entries = 1 + evens_below_n;
        let b_entries = n64; // the first entry, then once per continuing iteration
                             // `block` once; the branch to $exit skips the block's `end`; the function's `end` runs.
        let expected = c(&s, &[K::Block, K::End]) + a_entries * loop_ + b_entries * loop_ + n64 * body;
        let (run, g, _) = both(&out, s.stack.budget, "f", &[Norm::I32(n)], 1 << 40);
        assert_eq!(run, Run { ending: Ending::Returned(vec![]), gas_left: (1 << 40) - expected }, "n = {n}");
        assert_eq!(g, Some(n));
        // One gas short: out of gas at the last region top (after the loops).
        let (run, g, _) = both(&out, s.stack.budget, "f", &[Norm::I32(n)], expected - 1);
        assert_eq!(run.ending, oog());
        assert_eq!(g, Some(n), "n = {n}: the last region is the function's `end`");
    }
}

#[test]
fn expensive_block_ending_in_a_trap_is_paid_in_full_and_runs_nothing_when_unpaid() {
    let wasm = wat(r#"(module
      (memory (export "mem") 1)
      (func (export "f") (param $d i32) (result i32)
        (i32.store8 (i32.const 0) (i32.const 1))
        (i32.div_u (i32.const 1) (local.get $d))
        (drop (i64.mul (i64.const 3) (i64.const 5)))
        (drop (memory.size))
        (drop (f64.sqrt (f64.const 2)))))"#);
    let s = Schedule::default();
    let out = instrumented(&wasm, &s);
    // The store pays the access price of the one-page memory too.
    let before_trap = c(&s, &[K::I32Const, K::I32Const, K::I32Store8, K::I32Const, K::LocalGet, K::I32DivU])
        + s.dynamic.memory_access_per_page;
    let after_trap = c(
        &s,
        &[
            K::I64Const,
            K::I64Const,
            K::I64Mul,
            K::Drop,
            K::MemorySize,
            K::Drop,
            K::F64Const,
            K::F64Sqrt,
            K::Drop,
            K::End,
        ],
    );
    let region = before_trap + after_trap;
    let gas = 1 << 30;
    // Normal completion: exactly the reference.
    let (run, _, _) = both(&out, s.stack.budget, "f", &[Norm::I32(1)], gas);
    assert_eq!(run, Run { ending: Ending::Returned(vec![Norm::I32(1)]), gas_left: gas - region });
    // Trap at the division: the whole region was paid, within [reference, reference + region].
    let (run, _, _) = both(&out, s.stack.budget, "f", &[Norm::I32(0)], gas);
    assert_eq!(run.ending, Ending::Trapped(TrapCode::DivisionByZero));
    assert_eq!(run.used(gas), region);
    assert!(run.used(gas) >= before_trap && run.used(gas) <= before_trap + region);
    // One gas short of the region: nothing in it runs (the store did not happen).
    let mut t = TallyVm::new(&out, 0, u64::from(s.stack.budget)).unwrap();
    let run = t.call("f", &[Norm::I32(1)], region - 1);
    assert_eq!(run, Run { ending: oog(), gas_left: 0 });
    assert_eq!(t.inst.get_memory(&t.store, "mem").unwrap().data(&t.store)[0], 0);
}

/// Ten calls per level, nine levels: 10^9 leaves. Gas stops it; the leaves run are exactly the
/// ones the charge sequence pays for.
#[test]
fn call_tree_bomb() {
    let mut text = String::from(
        "(module (global $g (export \"g\") (mut i32) (i32.const 0))
         (func $f0 (global.set $g (i32.add (global.get $g) (i32.const 1))))\n",
    );
    for k in 1..=9 {
        text.push_str(&format!("(func $f{k} {})\n", format!("(call $f{})", k - 1).repeat(10)));
    }
    text.push_str("(export \"bomb\" (func $f9)))");
    let wasm = wat(&text);
    let s = Schedule::default();
    let out = instrumented(&wasm, &s);
    let (call, end) = (c(&s, &[K::Call]), c(&s, &[K::End]));
    let leaf = c(&s, &[K::GlobalGet, K::I32Const, K::I32Add, K::GlobalSet, K::End]);

    /// The charge sequence of f_k: leaf = one region; f_k = (call region, callee) × 10, then the
    /// `end` region. Returns false at the first charge that does not fit.
    fn model(k: u32, left: &mut u64, leaves: &mut u64, call: u64, end: u64, leaf: u64) -> bool {
        let charge = |c: u64, left: &mut u64| match left.checked_sub(c) {
            Some(l) => {
                *left = l;
                true
            }
            None => false,
        };
        if k == 0 {
            if !charge(leaf, left) {
                return false;
            }
            *leaves += 1;
            return true;
        }
        for _ in 0..10 {
            if !charge(call, left) || !model(k - 1, left, leaves, call, end, leaf) {
                return false;
            }
        }
        charge(end, left)
    }
    let start = std::time::Instant::now();
    for gas in [0u64, 123_456_789, 2_000_000_000] {
        let (mut left, mut leaves) = (gas, 0);
        assert!(!model(9, &mut left, &mut leaves, call, end, leaf), "the bomb must not finish");
        let (run, g, _) = both(&out, s.stack.budget, "bomb", &[], gas);
        assert_eq!(run, Run { ending: oog(), gas_left: 0 });
        assert_eq!(g, Some(leaves as i32), "leaves run with {gas} gas");
    }
    // A full level-3 subtree (1000 leaves) costs exactly its operators.
    let full3 = 1000 * leaf + (100 + 10 + 1) * (10 * call + end);
    let (mut left, mut leaves) = (full3, 0);
    assert!(model(3, &mut left, &mut leaves, call, end, leaf) && left == 0 && leaves == 1000);
    assert!(start.elapsed().as_secs() < 30);
}

/// Frame size of a function per SPEC.md: activation + params + locals + max operand stack.
fn frame(s: &Schedule, params_locals_units: u32, max_stack_units: u32) -> u32 {
    s.stack.activation + params_locals_units + max_stack_units
}

#[test]
fn recursion_through_call_indirect_and_table_set_stops_at_the_stack_budget() {
    let mut s = Schedule::default();
    s.stack = StackCosts { budget: 100_000, activation: 13, i32: 2, i64: 3, f32: 2, f64: 3, funcref: 5, externref: 5 };
    let wasm = wat(r#"(module
      (type $v (func))
      (table 1 funcref)
      (elem (i32.const 0) func $r)
      (global $g (export "g") (mut i32) (i32.const 0))
      (func $r (export "r")
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (call_indirect (type $v) (i32.const 0)))
      (func $q (export "q")
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (table.set (i32.const 0) (ref.func $q))
        (call_indirect (type $v) (i32.const 0))))"#);
    let out = instrumented(&wasm, &s);
    // $r: max operand stack = 2 i32s (global.get + i32.const) = 4 units.
    let fr = frame(&s, 0, 2 * s.stack.i32);
    let depth = u64::from(s.stack.budget / fr);
    let entry_r = c(&s, &[K::GlobalGet, K::I32Const, K::I32Add, K::GlobalSet, K::I32Const, K::CallIndirect]);
    let (run, g, _) = both(&out, s.stack.budget, "r", &[], 1 << 40);
    assert_eq!(run.ending, Ending::Trapped(TrapCode::StackExhausted));
    assert_eq!(g, Some(depth as i32));
    assert_eq!(run.used(1 << 40), depth * entry_r, "the refused frame pays nothing");
    // $q: max operand stack = i32 + funcref (table.set's operands).
    let fq = frame(&s, 0, s.stack.i32 + s.stack.funcref);
    let depth = u64::from(s.stack.budget / fq);
    let entry_q = entry_r + c(&s, &[K::I32Const, K::RefFunc, K::TableSet]);
    let (run, g, _) = both(&out, s.stack.budget, "q", &[], 1 << 40);
    assert_eq!((run.ending.clone(), g), (Ending::Trapped(TrapCode::StackExhausted), Some(depth as i32)));
    assert_eq!(run.used(1 << 40), depth * entry_q);
    // With less gas than the descent costs, it is out of gas first, after exactly gas/entry frames.
    let gas = entry_q * 100 + 5;
    let (run, g, _) = both(&out, s.stack.budget, "q", &[], gas);
    assert_eq!((run.ending.clone(), g), (oog(), Some(100)));
}

#[test]
fn recursion_in_the_start_function_traps_at_instantiation() {
    let wasm = wat(r#"(module (func $s (call $s)) (start $s))"#);
    for s in [Schedule::default(), Schedule::uniform(1)] {
        let out = instrumented(&wasm, &s);
        // No params, locals or operand stack: frame = activation.
        let depth = u64::from(s.stack.budget / s.stack.activation);
        let gas = 1u64 << 40;
        let expect =
            Run { ending: Ending::Trapped(TrapCode::StackExhausted), gas_left: gas - depth * c(&s, &[K::Call]) };
        let t = TallyVm::new(&out, gas, u64::from(s.stack.budget)).err().expect("tally start must trap");
        let w = WasmiVm::new(&out, gas, s.stack.budget).err().expect("wasmi start must trap");
        assert_eq!(t, expect);
        assert_eq!(w, expect);
        // Short of gas, the same start runs out of gas instead.
        let t = TallyVm::new(&out, 1000, u64::from(s.stack.budget)).err().unwrap();
        assert_eq!(t, Run { ending: oog(), gas_left: 0 });
    }
}

#[test]
fn deep_recursion_at_the_stack_limit_plus_minus_one() {
    let wasm = wat(r#"(module
      (func $d (export "d") (param i32)
        (if (local.get 0) (then (call $d (i32.sub (local.get 0) (i32.const 1)))))))"#);
    let mut s = Schedule::default();
    s.stack = StackCosts { budget: 10_007, activation: 7, i32: 3, i64: 1, f32: 1, f64: 1, funcref: 1, externref: 1 };
    for s in [s, Schedule::default()] {
        let out = instrumented(&wasm, &s);
        // Param: 1 i32; operand stack peaks at 2 i32s (local.get, i32.const before i32.sub).
        let f = frame(&s, s.stack.i32, 2 * s.stack.i32);
        let frames = u64::from(s.stack.budget / f);
        let n_max = frames - 1; // d(n) needs n + 1 frames
        let entry = c(&s, &[K::LocalGet, K::If]);
        // The call pays per parameter (one).
        let then = c(&s, &[K::LocalGet, K::I32Const, K::I32Sub, K::Call]) + s.call_per_param;
        let end = c(&s, &[K::End]);
        // d(n): n + 1 entries, n then-arms, n `end`s of the `if` after the call, n + 1 function ends;
        // the one `if` site changes direction twice when n > 0 (taken, then not at the bottom).
        let changes = |n: u64| if n == 0 { 0 } else { 2 * s.branch_change };
        let cost = |n: u64| (n + 1) * entry + n * then + n * end + (n + 1) * end + changes(n);
        let gas = 1u64 << 50;
        for n in [0, 1, n_max - 1, n_max] {
            let (run, _, _) = both(&out, s.stack.budget, "d", &[Norm::I32(n as i32)], gas);
            assert_eq!(run, Run { ending: Ending::Returned(vec![]), gas_left: gas - cost(n) }, "d({n})");
        }
        let (run, _, _) = both(&out, s.stack.budget, "d", &[Norm::I32(n_max as i32 + 1)], gas);
        assert_eq!(run.ending, Ending::Trapped(TrapCode::StackExhausted));
        let first_change = s.branch_change;
        assert_eq!(
            run.used(gas),
            frames * (entry + then) + first_change,
            "{frames} frames entered, each up to its call"
        );
    }
}

#[test]
fn huge_locals() {
    // wasmi 2 refuses functions with more than ~32K locals, so the VM's maximum (49 999 declared
    // locals + 1 param = 50 000) runs on tally-vm alone; 20 000 runs on both.
    for (locals, on_both) in [(20_000u32, true), (49_999, false)] {
        huge_locals_case(locals, on_both);
    }
}

fn huge_locals_case(locals: u32, on_both: bool) {
    let wasm = wat(&r#"(module
      (func $h (export "h") (param i32) (result i64) (local i64 i64) LOCALS
        (local.set 1 (i64.const 7))
        (if (result i64) (local.get 0)
          (then (call $h (i32.sub (local.get 0) (i32.const 1))))
          (else (local.get 1)))))"#
        .replace("LOCALS", &format!("(local {})", "i64 ".repeat(locals as usize - 2))));
    let run_on = |out: &[u8], s: &Schedule, arg: i32, gas: u64| -> Run {
        if on_both {
            both(out, s.stack.budget, "h", &[Norm::I32(arg)], gas).0
        } else {
            let mut t = TallyVm::new(out, 0, u64::from(s.stack.budget)).unwrap();
            t.call("h", &[Norm::I32(arg)], gas)
        }
    };
    let s = Schedule::default();
    let out = instrumented(&wasm, &s);
    // Operand stack: local.get + i32.const (2 i32s).
    let f = frame(&s, s.stack.i32 + locals * s.stack.i64, 2 * s.stack.i32);
    let frames = u64::from(s.stack.budget / f);
    assert!(frames >= 2, "{frames}");
    let entry = u64::from(locals) * s.per_local + c(&s, &[K::I64Const, K::LocalSet, K::LocalGet, K::If]);
    let then = c(&s, &[K::LocalGet, K::I32Const, K::I32Sub, K::Call]) + s.call_per_param;
    let els = c(&s, &[K::LocalGet, K::End]); // else-arm region, falls through the if's `end`
    let gas = 1u64 << 50;
    // h(0): entry, else-arm (local.get, then the `if`'s end), the function's end.
    let run = run_on(&out, &s, 0, gas);
    assert_eq!(
        run,
        Run { ending: Ending::Returned(vec![Norm::I64(7)]), gas_left: gas - entry - els - c(&s, &[K::End]) }
    );
    // Recursing deeper than the budget allows: StackExhausted after `frames` entries (the `if`
    // site changes direction once, at the first then-arm).
    let run = run_on(&out, &s, frames as i32, gas);
    assert_eq!(run.ending, Ending::Trapped(TrapCode::StackExhausted));
    assert_eq!(run.used(gas), frames * (entry + then) + s.branch_change);
    // A frame larger than the whole budget: the very first call is refused and pays nothing.
    let mut big = Schedule::default();
    big.stack.i64 = 1000;
    let out = instrumented(&wasm, &big);
    let run = run_on(&out, &big, 0, gas);
    assert_eq!(run, Run { ending: Ending::Trapped(TrapCode::StackExhausted), gas_left: gas });
}

const BULK: &str = r#"(module
  (memory (export "mem") 1 3)
  (table $t 2 10 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 9) (local.get 1)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tgrow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "tfill") (param i32 i32) (table.fill $t (local.get 0) (ref.null func) (local.get 1))))"#;

#[test]
fn memory_grow_and_bulk_ops_at_length_zero_and_maximum() {
    let wasm = wat(BULK);
    let s = Schedule::default();
    let out = instrumented(&wasm, &s);
    let b = s.stack.budget;
    let d = &s.dynamic;
    let gas = u64::MAX;
    let grow_static = c(&s, &[K::LocalGet, K::MemoryGrow, K::End]);
    let fill_static = c(&s, &[K::LocalGet, K::I32Const, K::LocalGet, K::MemoryFill, K::End]);
    let copy_static = c(&s, &[K::LocalGet, K::LocalGet, K::LocalGet, K::MemoryCopy, K::End]);
    let tgrow_static = c(&s, &[K::RefNull, K::LocalGet, K::TableGrow, K::End]);
    let tfill_static = c(&s, &[K::LocalGet, K::RefNull, K::LocalGet, K::TableFill, K::End]);
    let max = u32::MAX as u64;
    let i = |x: u32| Norm::I32(x as i32);

    // memory.grow: 0 pages (returns the size), 2 (fits the max of 3), u32::MAX (fails, still paid).
    let (r, _, m) = both(&out, b, "grow", &[i(0)], gas);
    assert_eq!((r.ending.clone(), r.used(gas), m), (Ending::Returned(vec![Norm::I32(1)]), grow_static, Some(65536)));
    let (r, _, m) = both(&out, b, "grow", &[i(2)], gas);
    assert_eq!(
        (r.ending.clone(), r.used(gas), m),
        (Ending::Returned(vec![Norm::I32(1)]), grow_static + 2 * d.memory_grow_per_page, Some(3 * 65536))
    );
    let (r, _, m) = both(&out, b, "grow", &[i(u32::MAX)], gas);
    assert_eq!(
        (r.ending.clone(), r.used(gas), m),
        (Ending::Returned(vec![Norm::I32(-1)]), grow_static + max * d.memory_grow_per_page, Some(65536))
    );
    // Paid before growing: one gas short of the page charge, the memory does not grow. (The
    // `end` is a region of its own: `memory.grow` ends its region.)
    let before_end = c(&s, &[K::LocalGet, K::MemoryGrow]);
    let (r, _, m) = both(&out, b, "grow", &[i(2)], before_end + 2 * d.memory_grow_per_page - 1);
    assert_eq!((r, m), (Run { ending: oog(), gas_left: 0 }, Some(65536)));

    // memory.fill: length 0 at the end of memory is fine; length 0 past the end traps (free of
    // per-byte cost); u32::MAX bytes is paid in full, then traps out of bounds.
    let (r, _, _) = both(&out, b, "fill", &[i(65536), i(0)], gas);
    assert_eq!((r.ending.clone(), r.used(gas)), (Ending::Returned(vec![]), fill_static));
    let (r, _, _) = both(&out, b, "fill", &[i(65537), i(0)], gas);
    assert_eq!((r.ending.clone(), r.used(gas)), (Ending::Trapped(TrapCode::MemoryOutOfBounds), fill_static));
    let (r, _, _) = both(&out, b, "fill", &[i(0), i(u32::MAX)], gas);
    assert_eq!(
        (r.ending.clone(), r.used(gas)),
        (Ending::Trapped(TrapCode::MemoryOutOfBounds), fill_static + max * d.memory_fill_per_byte)
    );
    let (r, _, _) = both(&out, b, "fill", &[i(0), i(65536)], gas);
    assert_eq!(
        (r.ending.clone(), r.used(gas)),
        (Ending::Returned(vec![]), fill_static + 65536 * d.memory_fill_per_byte)
    );
    // Not enough gas for the length: nothing is written.
    let mut t = TallyVm::new(&out, 0, u64::from(b)).unwrap();
    let r = t.call("fill", &[i(0), i(100)], fill_static + 100 * d.memory_fill_per_byte - 1);
    assert_eq!(r, Run { ending: oog(), gas_left: 0 });
    assert!(t.inst.get_memory(&t.store, "mem").unwrap().data(&t.store)[..100].iter().all(|&x| x == 0));

    let (r, _, _) = both(&out, b, "copy", &[i(0), i(0), i(0)], gas);
    assert_eq!((r.ending.clone(), r.used(gas)), (Ending::Returned(vec![]), copy_static));
    let (r, _, _) = both(&out, b, "copy", &[i(0), i(0), i(u32::MAX)], gas);
    assert_eq!(
        (r.ending.clone(), r.used(gas)),
        (Ending::Trapped(TrapCode::MemoryOutOfBounds), copy_static + max * d.memory_copy_per_byte)
    );

    let (r, _, _) = both(&out, b, "tgrow", &[i(0)], gas);
    assert_eq!((r.ending.clone(), r.used(gas)), (Ending::Returned(vec![Norm::I32(2)]), tgrow_static));
    let (r, _, _) = both(&out, b, "tgrow", &[i(u32::MAX)], gas);
    assert_eq!(
        (r.ending.clone(), r.used(gas)),
        (Ending::Returned(vec![Norm::I32(-1)]), tgrow_static + max * d.table_grow_per_element)
    );
    let (r, _, _) = both(&out, b, "tfill", &[i(2), i(0)], gas);
    assert_eq!((r.ending.clone(), r.used(gas)), (Ending::Returned(vec![]), tfill_static));
    let (r, _, _) = both(&out, b, "tfill", &[i(0), i(u32::MAX)], gas);
    assert_eq!(
        (r.ending.clone(), r.used(gas)),
        (Ending::Trapped(TrapCode::TableOutOfBounds), tfill_static + max * d.table_fill_per_element)
    );
}

#[test]
fn cost_overflow_edges() {
    let wasm = wat(BULK);
    // A per-byte cost whose product with a large length overflows u64: out of gas, whatever the
    // limit, and nothing is written.
    let mut s = Schedule::default();
    s.dynamic.memory_fill_per_byte = u64::MAX / 2000;
    let out = instrumented(&wasm, &s);
    let (r, _, _) = both(&out, s.stack.budget, "fill", &[Norm::I32(0), Norm::I32(2001)], u64::MAX);
    assert_eq!(r, Run { ending: oog(), gas_left: 0 });
    let fill_static = c(&s, &[K::LocalGet, K::I32Const, K::LocalGet, K::MemoryFill, K::End]);
    let (r, _, _) = both(&out, s.stack.budget, "fill", &[Norm::I32(0), Norm::I32(1000)], u64::MAX);
    assert_eq!(
        r,
        Run { ending: Ending::Returned(vec![]), gas_left: u64::MAX - fill_static - 1000 * (u64::MAX / 2000) }
    );

    // A region charge above i64::MAX (encoded as a negative i64) is read as u64 by both engines.
    let wasm = wat(r#"(module (func (export "f") (drop (i32.const 0))))"#);
    let big = (1u64 << 63) + 12345;
    let s = Schedule::default().with_cost(K::I32Const, Some(big));
    let out = instrumented(&wasm, &s);
    let region = big + c(&s, &[K::Drop, K::End]);
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], u64::MAX);
    assert_eq!(r, Run { ending: Ending::Returned(vec![]), gas_left: u64::MAX - region });
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], region);
    assert_eq!(r, Run { ending: Ending::Returned(vec![]), gas_left: 0 });
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], region - 1);
    assert_eq!(r, Run { ending: oog(), gas_left: 0 });
    // A region summing to exactly u64::MAX is accepted and payable; one more overflows.
    let exact = u64::MAX - c(&s, &[K::Drop, K::End]);
    let s = Schedule::default().with_cost(K::I32Const, Some(exact));
    let out = instrumented(&wasm, &s);
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], u64::MAX);
    assert_eq!(r, Run { ending: Ending::Returned(vec![]), gas_left: 0 });
    let s = Schedule::default().with_cost(K::I32Const, Some(exact + 1));
    assert!(matches!(instrument(&wasm, &s), Err(InjectError::CostOverflow { .. })));
}

#[test]
fn reserved_names_clash() {
    let s = Schedule::default();
    for text in [
        r#"(module (import "tally" "gas" (func (param i64))))"#,
        r#"(module (import "tally" "anything" (global i32)))"#,
    ] {
        assert!(matches!(instrument(&wat(text), &s), Err(InjectError::ReservedImport { .. })), "{text}");
    }
    for text in [r#"(module (func (export "tally")))"#, r#"(module (memory (export "tally_mem") 1))"#] {
        assert!(matches!(instrument(&wat(text), &s), Err(InjectError::ReservedExport { .. })), "{text}");
    }
    // A pre-instrumented module cannot be instrumented twice (it imports `tally.*`).
    let once = instrumented(&wat(COUNTER_LOOP), &s);
    assert!(matches!(instrument(&once, &s), Err(InjectError::ReservedImport { .. })));
    // Lookalikes are fine and run normally.
    let wasm = wat(r#"(module (func (export "Tally") (result i32) (i32.const 4)) (func (export "x_tally")))"#);
    let out = instrumented(&wasm, &s);
    let (r, _, _) = both(&out, s.stack.budget, "Tally", &[], 1 << 20);
    assert_eq!(r.ending.clone(), Ending::Returned(vec![Norm::I32(4)]));
    assert_eq!(r.used(1 << 20), c(&s, &[K::I32Const, K::End]));
}

#[test]
fn one_megabyte_of_calls() {
    let n = 500_000u64; // `call 0` is 2 bytes: ~1 MB of code
    let s = Schedule::default();
    let (call, end) = (c(&s, &[K::Call]), c(&s, &[K::End]));
    let start = std::time::Instant::now();

    // In one function. Each call is its own region (a region starts after every call) and each
    // leaf pays its `end`.
    let mut text = String::with_capacity(n as usize * 12 + 100);
    text.push_str("(module (func $leaf) (func (export \"f\")");
    for _ in 0..n {
        text.push_str(" call $leaf");
    }
    text.push_str("))");
    let wasm = wat(&text);
    assert!(wasm.len() > 1_000_000);
    let out = instrumented(&wasm, &s);
    let expected = n * (call + end) + end;
    // The instrumented body (each call gained a 7-byte charge) still fits tally-vm's default
    // `max_function_size`, which leaves room for instrumentation.
    let mut t = TallyVm::new(&out, 0, s.stack.budget as u64).unwrap();
    assert_eq!(t.call("f", &[], u64::MAX), Run { ending: Ending::Returned(vec![]), gas_left: u64::MAX - expected });
    let mut w = WasmiVm::new(&out, 0, s.stack.budget).unwrap();
    assert_eq!(w.call("f", &[], u64::MAX), Run { ending: Ending::Returned(vec![]), gas_left: u64::MAX - expected });
    let k = 123_457;
    assert_eq!(w.call("f", &[], k * (call + end) + call - 1), Run { ending: oog(), gas_left: 0 });

    // The same megabyte spread over 16 functions called in turn: both engines, exact.
    let per = n / 16;
    let mut text = String::from("(module (func $leaf)");
    for i in 0..16 {
        text.push_str(&format!("(func $g{i}"));
        for _ in 0..per {
            text.push_str(" call $leaf");
        }
        text.push(')');
    }
    text.push_str("(func (export \"f\")");
    for i in 0..16 {
        text.push_str(&format!(" call $g{i}"));
    }
    text.push_str("))");
    let wasm = wat(&text);
    assert!(wasm.len() > 1_000_000);
    let out = instrumented(&wasm, &s);
    let expected = 16 * (call + per * (call + end) + end) + end;
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], u64::MAX);
    assert_eq!(r, Run { ending: Ending::Returned(vec![]), gas_left: u64::MAX - expected });
    // Out of gas exactly at the (k+1)-th leaf call of the first group.
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], call + k * (call + end) + call - 1);
    assert_eq!(r, Run { ending: oog(), gas_left: 0 });
    let secs = start.elapsed().as_secs_f64();
    eprintln!("1 MB of calls: {} -> {} bytes; instrumented, verified and run in {secs:.2} s", wasm.len(), out.len());
    assert!(secs < 30.0);
}

#[test]
fn ten_thousand_nested_blocks() {
    let n = 10_000usize;
    let s = Schedule::default();
    let start = std::time::Instant::now();
    // Blocks, branching from the innermost to the outermost.
    let text = format!("(module (func (export \"f\") {} br {} {}))", "block ".repeat(n), n - 1, "end ".repeat(n));
    let out = instrumented(&wat(&text), &s);
    let expected = n as u64 * c(&s, &[K::Block]) + c(&s, &[K::Br, K::End]);
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], u64::MAX);
    assert_eq!(r, Run { ending: Ending::Returned(vec![]), gas_left: u64::MAX - expected });
    // Ifs, all taken, falling through every `end`.
    let text = format!("(module (func (export \"f\") {} {}))", "i32.const 1 if ".repeat(n), "end ".repeat(n));
    let out = instrumented(&wat(&text), &s);
    // Each `if` site changes direction once: not taken before, taken now.
    let expected = n as u64 * (c(&s, &[K::I32Const, K::If, K::End]) + s.branch_change) + c(&s, &[K::End]);
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], u64::MAX);
    assert_eq!(r, Run { ending: Ending::Returned(vec![]), gas_left: u64::MAX - expected });
    // Loops, falling through: each body is a region and is paid once.
    let text = format!("(module (func (export \"f\") {} {}))", "loop ".repeat(n), "end ".repeat(n));
    let out = instrumented(&wat(&text), &s);
    let expected = n as u64 * c(&s, &[K::Loop, K::End]) + c(&s, &[K::End]);
    let (r, _, _) = both(&out, s.stack.budget, "f", &[], u64::MAX);
    assert_eq!(r, Run { ending: Ending::Returned(vec![]), gas_left: u64::MAX - expected });
    let secs = start.elapsed().as_secs_f64();
    eprintln!("10^4 nested blocks/ifs/loops: {secs:.2} s");
    assert!(secs < 30.0);
}

/// A chain of dependent loads, `n` per call, over a memory of `pages` pages (grown by the
/// method itself to `grow` more pages first).
fn chase_module(pages: u32) -> Vec<u8> {
    wat(&format!(
        r#"(module
          (memory (export "mem") {pages})
          (func (export "f") (param $n i32) (param $grow i32) (result i32) (local $p i32)
            (drop (memory.grow (local.get $grow)))
            (loop $l
              (local.set $p (i32.load (i32.load (local.get $p))))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $p)))"#
    ))
}

/// Loads and stores pay `memory_access_per_page` per page of the memory they run in: the same
/// chase over a larger memory, or after growing the memory, costs exactly that much more per
/// load, on tally-vm (fused `memory_size_gas`) and on wasmi (plain `memory.size` and
/// `tally.gas_len`) alike.
#[test]
fn loads_pay_for_the_size_of_their_memory() {
    let s = Schedule::default();
    let per_page = s.dynamic.memory_access_per_page;
    assert!(per_page > 0);
    let b = s.stack.budget;
    let gas = 1 << 50;
    let used = |pages: u32, n: i32, grow: i32| {
        let out = instrumented(&chase_module(pages), &s);
        let (run, _, _) = both(&out, b, "f", &[Norm::I32(n), Norm::I32(grow)], gas);
        assert_eq!(run.ending, Ending::Returned(vec![Norm::I32(0)]));
        run.used(gas)
    };
    let loads = 2 * 1000;
    // 1 → 16 pages declared: 15 more pages for each of the 2000 loads.
    assert_eq!(used(16, 1000, 0) - used(1, 1000, 0), loads * 15 * per_page);
    // Growing by 15 pages first costs the grow, then the same per-load price as 16 pages.
    assert_eq!(used(1, 1000, 15) - used(16, 1000, 0), 15 * s.dynamic.memory_grow_per_page);
    // The per-load price at 256 pages: the static cost plus 256 pages.
    let per_load = (used(256, 2000, 0) - used(256, 1000, 0)) / 1000;
    let static_loop = c(&s, &[K::Loop, K::LocalGet, K::I32Load, K::I32Load, K::LocalSet])
        + c(&s, &[K::LocalGet, K::I32Const, K::I32Sub, K::LocalTee, K::BrIf]);
    assert_eq!(per_load, static_loop + 2 * 256 * per_page);
}

/// Out of gas at the memory-access charge: nothing of the region runs.
#[test]
fn an_unpaid_memory_access_charge_runs_nothing() {
    let wasm = wat(r#"(module
      (memory (export "mem") 8)
      (func (export "f") (param i32) (result i32)
        (i32.store (i32.const 0) (i32.const 7))
        (i32.load (i32.const 0))))"#);
    let s = Schedule::default();
    let out = instrumented(&wasm, &s);
    let region = c(&s, &[K::I32Const, K::I32Const, K::I32Store, K::I32Const, K::I32Load, K::End]);
    let access = 2 * 8 * s.dynamic.memory_access_per_page;
    let (run, _, _) = both(&out, s.stack.budget, "f", &[Norm::I32(0)], region + access);
    assert_eq!(run, Run { ending: Ending::Returned(vec![Norm::I32(7)]), gas_left: 0 });
    let mut t = TallyVm::new(&out, 0, u64::from(s.stack.budget)).unwrap();
    let run = t.call("f", &[Norm::I32(0)], region + access - 1);
    assert_eq!(run, Run { ending: oog(), gas_left: 0 });
    assert_eq!(t.inst.get_memory(&t.store, "mem").unwrap().data(&t.store)[0], 0);
}
