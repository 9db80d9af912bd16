//! Gas oracle (issue 3 §5): a reference that charges the schedule instruction by instruction
//! (SPEC.md "Step-by-step reference"), independent of the injector and the VM, compared with the
//! gas an instrumented module actually uses on tally-vm and on wasmi.
//!
//! The reference is a small step interpreter for a restricted subset (i32 values; locals,
//! globals, i32 arithmetic, `block`/`loop`/`if`/`else`/`br`/`br_if`/`br_table`/`return`,
//! `call`, `select`, `drop`, i32 loads and stores, `memory.size`/`grow`/`fill`/`copy`,
//! `unreachable`; blocks without parameters). It charges `per_local` × locals at each entry,
//! each operator when it runs, `br_table`'s per-target cost, a loop's cost each time its body is
//! entered, `else`/`end` only when control falls through them, each dynamic charge just before
//! its operator, each load or store the per-page access price of the memory's current size and
//! the price per page of it above the threshold, and
//! each `br_if` or `if` that goes the other way from its last run in the store (keyed by function
//! and operator, not by the injector's site numbers; not taken before the first) the schedule's
//! `branch_change`. Then, over a suite of programs and arguments:
//!
//! - normal completion: instrumented gas used == reference, exactly;
//! - trap: reference <= used <= reference + the static cost of the rest of the trapping region
//!   (bounded above by the operators up to the next branch, call, `if`/`else`, `loop`,
//!   `memory.grow` or the function's end).

use crate::gas_common;

use gas_common::*;
use tally_gas_injector::{Dynamic, OpKind, Schedule, StackCosts};
use tally_vm::TrapCode;
use wasmparser::{Operator, Payload};

struct Func<'a> {
    params: usize,
    results: usize,
    locals: usize,
    ops: Vec<Operator<'a>>,
    /// For block/loop/if: index of the matching `end`; for if: of its `else` (or usize::MAX).
    end_of: Vec<usize>,
    else_of: Vec<usize>,
}

struct Reference<'a> {
    s: &'a Schedule,
    funcs: Vec<Func<'a>>,
    globals: Vec<i32>,
    mem: Vec<u8>,
    max_pages: u32,
    gas: u128,
    /// The `br_if`s and `if`s (function, operator index) whose last direction was taken.
    taken: std::collections::BTreeSet<(usize, usize)>,
}

#[derive(Debug)]
struct Trap {
    code: TrapCode,
    /// Upper bound of the trapping region's remaining static cost.
    tail: u128,
}

fn block_arity(bt: &wasmparser::BlockType) -> usize {
    match bt {
        wasmparser::BlockType::Empty => 0,
        wasmparser::BlockType::Type(_) => 1,
        wasmparser::BlockType::FuncType(_) => panic!("block types with params are outside the subset"),
    }
}

impl<'a> Reference<'a> {
    fn new(wasm: &'a [u8], s: &'a Schedule) -> Self {
        let mut types = Vec::new();
        let mut func_types = Vec::new();
        let mut funcs = Vec::new();
        let mut globals = Vec::new();
        let (mut pages, mut max_pages) = (0, 65536);
        for p in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
            match p.unwrap() {
                Payload::TypeSection(r) => {
                    for t in r.into_iter_err_on_gc_types() {
                        let t = t.unwrap();
                        types.push((t.params().len(), t.results().len()));
                    }
                }
                Payload::FunctionSection(r) => func_types.extend(r.into_iter().map(|t| t.unwrap() as usize)),
                Payload::MemorySection(r) => {
                    for m in r {
                        let m = m.unwrap();
                        pages = m.initial as usize;
                        max_pages = m.maximum.map_or(65536, |m| m as u32);
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        let mut ops = g.unwrap().init_expr.get_operators_reader();
                        match ops.read().unwrap() {
                            Operator::I32Const { value } => globals.push(value),
                            other => panic!("global init {other:?} outside the subset"),
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let (params, results) = types[func_types[funcs.len()]];
                    let mut locals = 0;
                    for l in body.get_locals_reader().unwrap() {
                        locals += l.unwrap().0 as usize;
                    }
                    let mut r = body.get_operators_reader().unwrap();
                    let mut ops = Vec::new();
                    while !r.eof() {
                        ops.push(r.read().unwrap());
                    }
                    let (mut end_of, mut else_of) = (vec![usize::MAX; ops.len()], vec![usize::MAX; ops.len()]);
                    let mut open = Vec::new();
                    for (i, op) in ops.iter().enumerate() {
                        match op {
                            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => open.push(i),
                            Operator::Else => else_of[*open.last().unwrap()] = i,
                            Operator::End => {
                                if let Some(o) = open.pop() {
                                    end_of[o] = i;
                                }
                            }
                            _ => {}
                        }
                    }
                    funcs.push(Func { params, results, locals, ops, end_of, else_of });
                }
                _ => {}
            }
        }
        Reference { s, funcs, globals, mem: vec![0; pages * 65536], max_pages, gas: 0, taken: Default::default() }
    }

    /// The `br_if` or `if` at `pc` of function `f` goes the `taken` way: a change of direction
    /// from its last run costs `branch_change`.
    fn direction(&mut self, f: usize, pc: usize, taken: bool) {
        let changed = if taken { self.taken.insert((f, pc)) } else { self.taken.remove(&(f, pc)) };
        if changed {
            self.gas += u128::from(self.s.branch_change);
        }
    }

    /// The operator's cost when it runs: its static cost, and for a load or store the
    /// memory-access price of the memory's current size (per page, and per page above the
    /// threshold).
    fn cost(&self, op: &Operator<'_>) -> u128 {
        let kind = OpKind::of(op).unwrap();
        let mut c = u128::from(self.s.cost(kind).unwrap());
        if kind.is_memory_access() {
            let pages = (self.mem.len() / 65536) as u128;
            c += pages * u128::from(self.s.dynamic.memory_access_per_page);
            let above = pages.saturating_sub(u128::from(self.s.dynamic.memory_access_threshold_pages));
            c += above * u128::from(self.s.dynamic.memory_access_per_page_above);
        }
        if let Operator::BrTable { targets } = op {
            c += u128::from(targets.len()) * u128::from(self.s.br_table_per_target);
        }
        // The subset has no `call_indirect`; a call's arguments pay per parameter.
        if let Operator::Call { function_index } = op {
            c += self.funcs[*function_index as usize].params as u128 * u128::from(self.s.call_per_param);
        }
        c
    }

    /// Static cost from `pc` (exclusive) to the next operator after which a region surely ends.
    fn tail(&self, f: usize, pc: usize) -> u128 {
        let ops = &self.funcs[f].ops;
        let mut t = 0;
        for op in &ops[pc + 1..] {
            if matches!(op, Operator::Loop { .. }) {
                break;
            }
            t += self.cost(op);
            if matches!(
                op,
                Operator::Br { .. }
                    | Operator::BrIf { .. }
                    | Operator::BrTable { .. }
                    | Operator::Return
                    | Operator::Call { .. }
                    | Operator::CallIndirect { .. }
                    | Operator::Unreachable
                    | Operator::If { .. }
                    | Operator::Else
                    | Operator::MemoryGrow { .. }
            ) {
                break;
            }
        }
        t
    }

    fn trap(&self, f: usize, pc: usize, code: TrapCode) -> Trap {
        Trap { code, tail: self.tail(f, pc) }
    }

    fn dynamic(&mut self, d: Dynamic, len: i32) {
        self.gas += u128::from(len as u32) * u128::from(self.s.dynamic.unit(d));
    }

    fn addr(&self, f: usize, pc: usize, base: i32, offset: u64, len: u64) -> Result<usize, Trap> {
        let a = u64::from(base as u32) + offset;
        if a + len > self.mem.len() as u64 {
            return Err(self.trap(f, pc, TrapCode::MemoryOutOfBounds));
        }
        Ok(a as usize)
    }

    fn call(&mut self, f: usize, args: &[i32]) -> Result<Vec<i32>, Trap> {
        let func = &self.funcs[f];
        let mut locals: Vec<i32> = args.to_vec();
        locals.resize(func.params + func.locals, 0);
        self.gas += func.locals as u128 * u128::from(self.s.per_local);
        let results = func.results;
        // Control frames: (start pc, is loop, stack height, branch arity).
        let mut ctrl: Vec<(usize, bool, usize, usize)> = Vec::new();
        let mut st: Vec<i32> = Vec::new();
        let mut pc = 0;
        macro_rules! pop {
            () => {
                st.pop().unwrap()
            };
        }
        loop {
            let op = self.funcs[f].ops[pc].clone();
            self.gas += self.cost(&op);
            let mut branch: Option<u32> = None;
            match op {
                Operator::Nop => {}
                Operator::Unreachable => return Err(self.trap(f, pc, TrapCode::Unreachable)),
                Operator::Block { blockty } => ctrl.push((pc, false, st.len(), block_arity(&blockty))),
                Operator::Loop { .. } => ctrl.push((pc, true, st.len(), 0)),
                Operator::If { blockty } => {
                    let c = pop!();
                    self.direction(f, pc, c != 0);
                    ctrl.push((pc, false, st.len(), block_arity(&blockty)));
                    if c == 0 {
                        let (e, end) = (self.funcs[f].else_of[pc], self.funcs[f].end_of[pc]);
                        if e != usize::MAX {
                            pc = e + 1;
                        } else {
                            ctrl.pop();
                            pc = end + 1;
                        }
                        continue;
                    }
                }
                Operator::Else => {
                    let (start, ..) = ctrl.pop().unwrap();
                    pc = self.funcs[f].end_of[start] + 1;
                    continue;
                }
                Operator::End => {
                    if ctrl.pop().is_none() {
                        return Ok(st.split_off(st.len() - results));
                    }
                }
                Operator::Br { relative_depth } => branch = Some(relative_depth),
                Operator::BrIf { relative_depth } => {
                    let c = pop!();
                    self.direction(f, pc, c != 0);
                    if c != 0 {
                        branch = Some(relative_depth);
                    }
                }
                Operator::BrTable { targets } => {
                    let i = pop!() as u32;
                    let all: Vec<u32> = targets.targets().map(Result::unwrap).collect();
                    branch = Some(all.get(i as usize).copied().unwrap_or(targets.default()));
                }
                Operator::Return => return Ok(st.split_off(st.len() - results)),
                Operator::Call { function_index } => {
                    let n = self.funcs[function_index as usize].params;
                    let args = st.split_off(st.len() - n);
                    let r = self.call(function_index as usize, &args)?;
                    st.extend(r);
                }
                Operator::Drop => {
                    pop!();
                }
                Operator::Select => {
                    let c = pop!();
                    let b = pop!();
                    let a = pop!();
                    st.push(if c != 0 { a } else { b });
                }
                Operator::LocalGet { local_index } => st.push(locals[local_index as usize]),
                Operator::LocalSet { local_index } => locals[local_index as usize] = pop!(),
                Operator::LocalTee { local_index } => locals[local_index as usize] = *st.last().unwrap(),
                Operator::GlobalGet { global_index } => st.push(self.globals[global_index as usize]),
                Operator::GlobalSet { global_index } => self.globals[global_index as usize] = pop!(),
                Operator::I32Const { value } => st.push(value),
                Operator::I32Load { memarg } => {
                    let a = self.addr(f, pc, pop!(), memarg.offset, 4)?;
                    st.push(i32::from_le_bytes(self.mem[a..a + 4].try_into().unwrap()));
                }
                Operator::I32Store { memarg } => {
                    let v = pop!();
                    let a = self.addr(f, pc, pop!(), memarg.offset, 4)?;
                    self.mem[a..a + 4].copy_from_slice(&v.to_le_bytes());
                }
                Operator::MemorySize { .. } => st.push((self.mem.len() / 65536) as i32),
                Operator::MemoryGrow { .. } => {
                    // The length charge precedes the operator; its static cost is already paid.
                    let n = pop!();
                    self.dynamic(Dynamic::MemoryGrow, n);
                    let old = (self.mem.len() / 65536) as u64;
                    if old + u64::from(n as u32) > u64::from(self.max_pages) {
                        st.push(-1);
                    } else {
                        self.mem.resize((old as usize + n as u32 as usize) * 65536, 0);
                        st.push(old as i32);
                    }
                }
                Operator::MemoryFill { .. } => {
                    let n = pop!();
                    self.dynamic(Dynamic::MemoryFill, n);
                    let v = pop!();
                    let a = self.addr(f, pc, pop!(), 0, u64::from(n as u32))?;
                    self.mem[a..a + n as u32 as usize].fill(v as u8);
                }
                Operator::MemoryCopy { .. } => {
                    let n = pop!();
                    self.dynamic(Dynamic::MemoryCopy, n);
                    let src = self.addr(f, pc, pop!(), 0, u64::from(n as u32))?;
                    let dst = self.addr(f, pc, pop!(), 0, u64::from(n as u32))?;
                    self.mem.copy_within(src..src + n as u32 as usize, dst);
                }
                Operator::I32Eqz => {
                    let a = pop!();
                    st.push((a == 0) as i32);
                }
                ref bin @ (Operator::I32Add
                | Operator::I32Sub
                | Operator::I32Mul
                | Operator::I32And
                | Operator::I32Or
                | Operator::I32Xor
                | Operator::I32Shl
                | Operator::I32ShrU
                | Operator::I32LtU
                | Operator::I32LtS
                | Operator::I32GtS
                | Operator::I32Eq
                | Operator::I32Ne
                | Operator::I32DivU
                | Operator::I32RemU) => {
                    let b = pop!();
                    let a = pop!();
                    let (ua, ub) = (a as u32, b as u32);
                    st.push(match bin {
                        Operator::I32Add => a.wrapping_add(b),
                        Operator::I32Sub => a.wrapping_sub(b),
                        Operator::I32Mul => a.wrapping_mul(b),
                        Operator::I32And => a & b,
                        Operator::I32Or => a | b,
                        Operator::I32Xor => a ^ b,
                        Operator::I32Shl => a.wrapping_shl(ub),
                        Operator::I32ShrU => ua.wrapping_shr(ub) as i32,
                        Operator::I32LtU => (ua < ub) as i32,
                        Operator::I32LtS => (a < b) as i32,
                        Operator::I32GtS => (a > b) as i32,
                        Operator::I32Eq => (a == b) as i32,
                        Operator::I32Ne => (a != b) as i32,
                        Operator::I32DivU | Operator::I32RemU => {
                            if ub == 0 {
                                return Err(self.trap(f, pc, TrapCode::DivisionByZero));
                            }
                            if matches!(bin, Operator::I32DivU) {
                                (ua / ub) as i32
                            } else {
                                (ua % ub) as i32
                            }
                        }
                        _ => unreachable!(),
                    });
                }
                other => panic!("{other:?} is outside the reference subset"),
            }
            if let Some(depth) = branch {
                if depth as usize == ctrl.len() {
                    return Ok(st.split_off(st.len() - results));
                }
                let k = ctrl.len() - 1 - depth as usize;
                let (start, is_loop, height, arity) = ctrl[k];
                let vals = st.split_off(st.len() - arity);
                st.truncate(height);
                st.extend(vals);
                ctrl.truncate(k);
                // A loop is re-entered by running its `loop` again (which charges it); a block
                // or if is left past its `end` (not charged).
                pc = if is_loop { start } else { self.funcs[f].end_of[start] + 1 };
                continue;
            }
            pc += 1;
        }
    }
}

/// Programs in the subset: (WAT, export → function index, argument lists).
const PROGRAMS: &[(&str, &[&[i32]])] = &[
    // Loads and stores in a loop that grows the memory by a page per turn, from 1 page to the
    // argument's (at most 8), across the schedules' thresholds; a load out of bounds at 5.
    (
        r#"(module (memory 1 8)
           (func (export "f") (param i32) (result i32) (local i32)
             (loop $l
               (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (memory.size)))
               (drop (memory.grow (i32.const 1)))
               (i32.store (local.get 1) (i32.load (i32.const 16)))
               (local.set 1 (i32.add (local.get 1) (i32.const 65536)))
               (br_if $l (i32.lt_u (memory.size) (local.get 0))))
             (if (i32.eq (local.get 0) (i32.const 5))
               (then (drop (i32.load (i32.mul (local.get 0) (i32.const 65536))))))
             (i32.add (i32.load (i32.const 16)) (i32.load (i32.sub (local.get 1) (i32.const 65536))))))"#,
        &[&[1], &[3], &[4], &[5], &[8]],
    ),
    // Counting loop with br_if at the bottom.
    (
        r#"(module (func (export "f") (param i32) (result i32) (local i32)
             (loop $l (local.set 1 (i32.add (local.get 1) (local.get 0)))
                      (local.tee 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l))
             (local.get 1)))"#,
        &[&[1], &[10], &[1000]],
    ),
    // if/else chains, select, early return.
    (
        r#"(module (func (export "f") (param i32) (result i32) (local i32 i32)
             (if (i32.eqz (local.get 0)) (then (return (i32.const 99))))
             (if (result i32) (i32.lt_s (local.get 0) (i32.const 10))
               (then (i32.mul (local.get 0) (i32.const 3)))
               (else (if (result i32) (i32.and (local.get 0) (i32.const 1))
                        (then (i32.const 7)) (else (select (i32.const 1) (i32.const 2) (local.get 0))))))))"#,
        &[&[0], &[5], &[11], &[12]],
    ),
    // br_table into blocks and a loop.
    (
        r#"(module (global $g (mut i32) (i32.const 0))
           (func (export "f") (param i32) (result i32)
             (block $out
               (loop $top
                 (global.set $g (i32.add (global.get $g) (i32.const 1)))
                 (br_if $out (i32.lt_u (i32.const 10) (global.get $g)))
                 (block $c (block $b (block $a
                   (br_table $a $b $c $top $out (local.get 0)))
                   (local.set 0 (i32.const 4)) (br $top))
                   (local.set 0 (i32.const 0)) (br $top))
                 (local.set 0 (i32.const 1)) (br $top)))
             (global.get $g)))"#,
        &[&[0], &[1], &[2], &[3], &[4], &[100]],
    ),
    // Calls and recursion.
    (
        r#"(module
           (func $fib (param i32) (result i32)
             (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
               (then (local.get 0))
               (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                              (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
           (func (export "f") (param i32) (result i32) (local i32 i32 i32)
             (call $fib (local.get 0))))"#,
        &[&[0], &[1], &[7], &[15]],
    ),
    // Memory: grow, fill, copy, loads and stores; traps out of bounds and on division.
    (
        r#"(module (memory 1 4)
           (func (export "f") (param i32) (result i32)
             (drop (memory.grow (i32.and (local.get 0) (i32.const 3))))
             (memory.fill (i32.const 16) (i32.const 7) (local.get 0))
             (memory.copy (i32.const 1000) (i32.const 16) (i32.shr_u (local.get 0) (i32.const 1)))
             (i32.store (i32.const 8) (i32.add (i32.load (i32.const 1000)) (memory.size)))
             (i32.div_u (i32.load (i32.const 8)) (i32.sub (local.get 0) (i32.const 5)))))"#,
        &[&[0], &[1], &[6], &[5], &[100], &[70_000], &[-1]],
    ),
    // Traps in the middle of a region, in a callee, after a loop.
    (
        r#"(module
           (func $t (param i32) (result i32)
             (i32.add (i32.rem_u (i32.const 10) (local.get 0)) (i32.mul (local.get 0) (local.get 0))))
           (func (export "f") (param i32) (result i32) (local i32)
             (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
               (br_if $l (i32.lt_u (local.get 1) (i32.const 5))))
             (if (i32.eq (local.get 0) (i32.const 3)) (then (unreachable)))
             (call $t (local.get 0))))"#,
        &[&[1], &[0], &[3], &[4]],
    ),
];

fn schedules() -> Vec<Schedule> {
    let mut odd = Schedule::uniform(3);
    odd.br_table_per_target = 7;
    odd.per_local = 11;
    odd.dynamic.memory_grow_per_page = 1009;
    odd.dynamic.memory_fill_per_byte = 5;
    odd.dynamic.memory_copy_per_byte = 3;
    odd.stack = StackCosts { budget: 1 << 16, activation: 9, i32: 2, i64: 2, f32: 2, f64: 2, funcref: 2, externref: 2 };
    odd.call_per_param = 13;
    odd.branch_change = 17;
    let mut varied = Schedule::default();
    varied.per_local = 7;
    varied.br_table_per_target = 3;
    varied.call_per_param = 5;
    varied.branch_change = 12_000;
    // Both memory-access terms, the threshold crossed by the programs that grow their memory.
    let mut above = Schedule::uniform(2);
    above.dynamic.memory_access_per_page = 5;
    above.dynamic.memory_access_per_page_above = 1000;
    above.dynamic.memory_access_threshold_pages = 3;
    odd.dynamic.memory_access_per_page_above = 101;
    odd.dynamic.memory_access_threshold_pages = 1;
    vec![Schedule::default(), odd, varied, Schedule::uniform(1), above]
}

#[test]
fn instrumented_gas_equals_the_step_by_step_reference() {
    let (mut completed, mut trapped) = (0, 0);
    for s in schedules() {
        for (text, arg_lists) in PROGRAMS {
            let wasm = wat(text);
            let out = instrumented(&wasm, &s);
            // The exported function is the last one in every program.
            let export = Reference::new(&wasm, &s).funcs.len() - 1;
            for args in *arg_lists {
                let mut r = Reference::new(&wasm, &s);
                let reference = r.call(export, args);
                let norm: Vec<Norm> = args.iter().map(|&a| Norm::I32(a)).collect();
                let gas = 1u64 << 60;
                let run = run_both(&out, s.stack.budget, u64::MAX, &[("f", norm, gas)])
                    .unwrap_or_else(|e| panic!("{e}"))
                    .pop()
                    .unwrap();
                let used = u128::from(run.used(gas));
                match reference {
                    Ok(results) => {
                        let expect: Vec<Norm> = results.into_iter().map(Norm::I32).collect();
                        assert_eq!(run.ending, Ending::Returned(expect), "{text} {args:?}");
                        assert_eq!(used, r.gas, "{text} {args:?}: charged vs step-by-step");
                        completed += 1;
                    }
                    Err(Trap { code, tail }) => {
                        assert_eq!(run.ending, Ending::Trapped(code), "{text} {args:?}");
                        assert!(
                            used >= r.gas && used <= r.gas + tail,
                            "{text} {args:?}: used {used} not in [{}, {} + {tail}]",
                            r.gas,
                            r.gas
                        );
                        trapped += 1;
                    }
                }
                // Out of gas exactly at the reference: one less and the run cannot complete.
                if run.ending != Ending::Trapped(TrapCode::OutOfGas) && used > 0 {
                    let norm: Vec<Norm> = args.iter().map(|&a| Norm::I32(a)).collect();
                    let short = run_both(&out, s.stack.budget, u64::MAX, &[("f", norm, used as u64 - 1)])
                        .unwrap_or_else(|e| panic!("{e}"))
                        .pop()
                        .unwrap();
                    assert_eq!(short, Run { ending: Ending::Trapped(TrapCode::OutOfGas), gas_left: 0 });
                }
            }
        }
    }
    eprintln!("oracle: {completed} completed runs equal the reference, {trapped} traps within bounds");
    assert!(completed >= 60 && trapped >= 16, "{completed} {trapped}");
}
