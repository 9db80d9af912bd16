//! A reference oracle for the charging rule that shares no code with the injector or the
//! verifier: it walks the control-flow paths of an instrumented function (both ways at every
//! `if`/`br_if`, every target of a `br_table`, at most two back-edges per loop and path, and a
//! bounded number of paths), adding on each path
//!
//! - the **charged** gas: every `i64.const c; call 0` it passes, and
//! - the **step-by-step** cost of the original operators it executes: each operator's cost when
//!   it runs (`else` and `end` only when control falls through them; a loop's cost each time its
//!   body is entered; `br_table` plus its per-target cost; calls plus their per-parameter cost;
//!   the locals at entry).
//!
//! A path that completes must have charged == step-by-step; a path that traps
//! (`unreachable`) must have charged >= step-by-step. Dynamic (length) charges are left out of
//! both sides. Memory-access charges (`memory.size; i64.const u; call 1; drop`) are checked the
//! same way in their own units: the `u`s a path passes against its loads and stores times the
//! schedule's per-page access cost.
//!
//! Branch charges (`i32.const s; i64.const k; call 4`) are followed on each path too, as if the
//! function ran first in its store: the charged side keeps a direction per injected site number
//! `s` and adds `k` when the `br_if` or `if` after it goes the other way; the step-by-step side
//! keeps a direction per original operator and adds the schedule's `branch_change` when it does.
//! Every live `br_if` and `if` must have exactly one branch charge when `branch_change` is
//! nonzero, and none when it is 0.

use tally_gas_injector::{OpKind, Schedule};
use wasmparser::{FunctionBody, Operator, Payload};

/// What the walk saw.
#[derive(Default, Debug)]
pub struct Stats {
    pub functions: usize,
    pub completed: usize,
    pub trapped: usize,
    pub abandoned: usize,
}

struct Op<'a> {
    op: Operator<'a>,
    injected: bool,
    /// For the `call 0` of a region charge: the amount.
    charge: Option<u64>,
    /// For the `call 1` of a memory-access charge: the unit.
    pages: Option<u64>,
    /// For the `call 1` of a memory-access charge above the threshold: the unit.
    above: Option<u64>,
    /// For the `call 4` of a branch charge: the site and the cost of a change.
    site: Option<(u32, u64)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Block,
    Loop,
    If,
}

#[derive(Clone)]
struct State {
    pc: usize,
    ctrl: Vec<(usize, Kind)>,
    charged: u128,
    step: u128,
    charged_pages: u128,
    step_pages: u128,
    charged_above: u128,
    step_above: u128,
    backedges: Vec<(usize, u8)>,
    /// The branch charge just passed, for the `br_if` or `if` after it.
    site: Option<(u32, u64)>,
    /// Sites (by injected number) whose last direction was taken.
    taken_sites: Vec<u32>,
    /// Original `br_if`s and `if`s (by position) whose last direction was taken.
    taken_ops: Vec<usize>,
}

impl State {
    /// A `br_if` or `if` at `pc` goes the `taken` way: each side charges a change of direction.
    fn direction(&mut self, pc: usize, taken: bool, branch_change: u64) {
        let site = self.site.take();
        assert_eq!(site.is_some(), branch_change > 0, "a live br_if/if without a branch charge, or one at 0");
        if let Some((s, k)) = site {
            if flip(&mut self.taken_sites, s, taken) {
                self.charged += u128::from(k);
            }
        }
        if flip(&mut self.taken_ops, pc, taken) {
            self.step += u128::from(branch_change);
        }
    }
}

/// Sets `key`'s direction in `taken` (the keys whose last direction was taken); returns whether
/// it changed.
fn flip<T: PartialEq>(taken: &mut Vec<T>, key: T, now: bool) -> bool {
    let at = taken.iter().position(|k| *k == key);
    match (at, now) {
        (Some(i), false) => {
            taken.swap_remove(i);
            true
        }
        (None, true) => {
            taken.push(key);
            true
        }
        _ => false,
    }
}

const MAX_PATHS: usize = 3000;

/// Parameter counts of the module's types and functions (imports first), for the calls'
/// per-parameter cost.
#[derive(Default)]
struct Callees {
    type_params: Vec<usize>,
    func_types: Vec<usize>,
}

impl Callees {
    fn params(&self, op: &Operator<'_>) -> usize {
        match op {
            Operator::Call { function_index } => self.type_params[self.func_types[*function_index as usize]],
            Operator::CallIndirect { type_index, .. } => self.type_params[*type_index as usize],
            _ => 0,
        }
    }
}

/// Walks every function of `instrumented`; panics on a path that breaks the rule.
pub fn check_module(instrumented: &[u8], schedule: &Schedule) -> Stats {
    let mut stats = Stats::default();
    let mut callees = Callees::default();
    for payload in tally_profile::parser(tally_profile::features()).parse_all(instrumented) {
        match payload {
            Ok(Payload::TypeSection(r)) => {
                for t in r.into_iter_err_on_gc_types() {
                    callees.type_params.push(t.unwrap().params().len());
                }
            }
            Ok(Payload::ImportSection(r)) => {
                for import in r.into_imports() {
                    if let wasmparser::TypeRef::Func(t) = import.unwrap().ty {
                        callees.func_types.push(t as usize);
                    }
                }
            }
            Ok(Payload::FunctionSection(r)) => callees.func_types.extend(r.into_iter().map(|t| t.unwrap() as usize)),
            Ok(Payload::CodeSectionEntry(body)) => {
                check_function(&body, schedule, &callees, &mut stats);
                stats.functions += 1;
            }
            _ => {}
        }
    }
    stats
}

fn check_function(body: &FunctionBody<'_>, schedule: &Schedule, callees: &Callees, stats: &mut Stats) {
    let mut locals = body.get_locals_reader().unwrap();
    let mut n_locals = 0u128;
    for _ in 0..locals.get_count() {
        n_locals += u128::from(locals.read().unwrap().0);
    }
    let mut reader = body.get_operators_reader().unwrap();
    let mut raw = Vec::new();
    while !reader.eof() {
        raw.push(reader.read().unwrap());
    }
    let n = raw.len();
    let mut ops: Vec<Op<'_>> = raw
        .into_iter()
        .map(|op| Op { op, injected: false, charge: None, pages: None, above: None, site: None })
        .collect();
    // Prologue (`i32.const F; call 2; block`), epilogue (`i32.const F; call 3; end`), and the
    // `const; call k` patterns with k < 5, the branch charges' `i32.const s` included.
    for i in [0, 1, 2, n - 3, n - 2, n - 1] {
        ops[i].injected = true;
    }
    let mut i = 3;
    let threshold = schedule.dynamic.memory_access_threshold_pages as i32;
    while i + 1 < n - 3 {
        if i + 11 <= n - 3 {
            if let [Operator::MemorySize { mem: 0 }, Operator::I32Const { value: t1 }, Operator::I32Sub, Operator::I32Const { value: 0 }, Operator::MemorySize { mem: 0 }, Operator::I32Const { value: t2 }, Operator::I32GtU, Operator::Select, Operator::I64Const { value }, Operator::Call { function_index: 1 }, Operator::Drop] = [
                &ops[i].op,
                &ops[i + 1].op,
                &ops[i + 2].op,
                &ops[i + 3].op,
                &ops[i + 4].op,
                &ops[i + 5].op,
                &ops[i + 6].op,
                &ops[i + 7].op,
                &ops[i + 8].op,
                &ops[i + 9].op,
                &ops[i + 10].op,
            ] {
                assert_eq!((*t1, *t2), (threshold, threshold), "a charge above another threshold");
                ops[i + 9].above = Some(*value as u64);
                for op in &mut ops[i..i + 11] {
                    op.injected = true;
                }
                i += 11;
                continue;
            }
        }
        if let [Operator::MemorySize { mem: 0 }, Operator::I64Const { value }, Operator::Call { function_index: 1 }, Operator::Drop] =
            [&ops[i].op, &ops[i + 1].op, &ops[i + 2].op, &ops[(i + 3).min(n - 1)].op]
        {
            ops[i + 2].pages = Some(*value as u64);
            for op in &mut ops[i..i + 4] {
                op.injected = true;
            }
            i += 4;
            continue;
        }
        if let [Operator::I32Const { value: site }, Operator::I64Const { value: k }, Operator::Call { function_index: 4 }] =
            [&ops[i].op, &ops[i + 1].op, &ops[(i + 2).min(n - 1)].op]
        {
            ops[i + 2].site = Some((*site as u32, *k as u64));
            for op in &mut ops[i..i + 3] {
                op.injected = true;
            }
            i += 3;
            continue;
        }
        if let Operator::Call { function_index } = ops[i + 1].op {
            if function_index < 4 {
                ops[i].injected = true;
                ops[i + 1].injected = true;
                if function_index == 0 {
                    let Operator::I64Const { value } = ops[i].op else { panic!("charge without i64.const") };
                    ops[i + 1].charge = Some(value as u64);
                }
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    // Matching `else` and `end` of each frame.
    let mut end_of = vec![usize::MAX; n];
    let mut else_of = vec![usize::MAX; n];
    let mut open = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match op.op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => open.push(i),
            Operator::Else => else_of[*open.last().unwrap()] = i,
            Operator::End => {
                if let Some(start) = open.pop() {
                    end_of[start] = i;
                }
            }
            _ => {}
        }
    }
    let cost = |op: &Operator<'_>| -> u128 {
        let kind = OpKind::of(op).unwrap();
        let mut c = u128::from(schedule.cost(kind).unwrap());
        if let Operator::BrTable { targets } = op {
            c += u128::from(targets.len()) * u128::from(schedule.br_table_per_target);
        }
        c + callees.params(op) as u128 * u128::from(schedule.call_per_param)
    };

    let start = State {
        pc: 0,
        ctrl: Vec::new(),
        charged: 0,
        step: n_locals * u128::from(schedule.per_local),
        charged_pages: 0,
        step_pages: 0,
        charged_above: 0,
        step_above: 0,
        backedges: Vec::new(),
        site: None,
        taken_sites: Vec::new(),
        taken_ops: Vec::new(),
    };
    let mut work = vec![start];
    let mut paths = 0;
    while let Some(mut s) = work.pop() {
        paths += 1;
        if paths > MAX_PATHS {
            stats.abandoned += 1 + work.len();
            return;
        }
        // Runs one path; forks are pushed onto `work`.
        let outcome = loop {
            let op = &ops[s.pc];
            if op.injected {
                s.charged += u128::from(op.charge.unwrap_or(0));
                s.charged_pages += u128::from(op.pages.unwrap_or(0));
                s.charged_above += u128::from(op.above.unwrap_or(0));
                if op.site.is_some() {
                    s.site = op.site;
                }
                match op.op {
                    Operator::Block { .. } => s.ctrl.push((s.pc, Kind::Block)),
                    Operator::End => break Some(true), // the function's end
                    _ => {}
                }
                s.pc += 1;
                continue;
            }
            s.step += cost(&op.op);
            if OpKind::of(&op.op).is_some_and(OpKind::is_memory_access) {
                s.step_pages += u128::from(schedule.dynamic.memory_access_per_page);
                s.step_above += u128::from(schedule.dynamic.memory_access_per_page_above);
            }
            let branch = |s: &mut State, depth: u32| -> bool {
                let k = s.ctrl.len() - 1 - depth as usize;
                let (target, kind) = s.ctrl[k];
                if kind == Kind::Loop {
                    let seen = s.backedges.iter_mut().find(|(l, _)| *l == target);
                    match seen {
                        Some((_, c)) if *c >= 2 => return false,
                        Some((_, c)) => *c += 1,
                        None => s.backedges.push((target, 1)),
                    }
                    s.ctrl.truncate(k + 1);
                    s.pc = target + 1;
                    s.step += cost(&ops[target].op);
                } else {
                    s.ctrl.truncate(k);
                    s.pc = end_of[target] + 1;
                }
                true
            };
            match &op.op {
                Operator::Block { .. } => s.ctrl.push((s.pc, Kind::Block)),
                Operator::Loop { .. } => s.ctrl.push((s.pc, Kind::Loop)),
                Operator::If { .. } => {
                    // The false path: to the else-arm, or past the end.
                    let mut f = s.clone();
                    f.direction(f.pc, false, schedule.branch_change);
                    s.direction(s.pc, true, schedule.branch_change);
                    if else_of[s.pc] != usize::MAX {
                        f.ctrl.push((s.pc, Kind::If));
                        f.pc = else_of[s.pc] + 1;
                    } else {
                        f.pc = end_of[s.pc] + 1;
                    }
                    work.push(f);
                    s.ctrl.push((s.pc, Kind::If));
                }
                Operator::Else => {
                    let (start, _) = s.ctrl.pop().unwrap();
                    s.pc = end_of[start] + 1;
                    continue;
                }
                Operator::End => {
                    s.ctrl.pop();
                }
                Operator::Br { relative_depth } => {
                    if !branch(&mut s, *relative_depth) {
                        break None;
                    }
                    continue;
                }
                Operator::BrIf { relative_depth } => {
                    let mut taken = s.clone();
                    taken.direction(taken.pc, true, schedule.branch_change);
                    s.direction(s.pc, false, schedule.branch_change);
                    if branch(&mut taken, *relative_depth) {
                        work.push(taken);
                    }
                }
                Operator::BrTable { targets } => {
                    let mut all: Vec<u32> = targets.targets().map(Result::unwrap).collect();
                    all.push(targets.default());
                    all.sort_unstable();
                    all.dedup();
                    for t in all {
                        let mut taken = s.clone();
                        if branch(&mut taken, t) {
                            work.push(taken);
                        }
                    }
                    break None;
                }
                Operator::Return => break Some(true),
                Operator::Unreachable => break Some(false),
                _ => {}
            }
            s.pc += 1;
        };
        match outcome {
            Some(true) => {
                assert_eq!(s.charged, s.step, "a completed path was charged {} for {} of work", s.charged, s.step);
                assert_eq!(s.charged_pages, s.step_pages, "a completed path's memory accesses were charged wrongly");
                assert_eq!(s.charged_above, s.step_above, "a completed path's accesses above were charged wrongly");
                stats.completed += 1;
            }
            Some(false) => {
                assert!(s.charged >= s.step, "a trapping path was charged {} for {} of work", s.charged, s.step);
                assert!(s.charged_pages >= s.step_pages, "a trapping path's memory accesses were undercharged");
                assert!(s.charged_above >= s.step_above, "a trapping path's accesses above were undercharged");
                stats.trapped += 1;
            }
            None => stats.abandoned += 1,
        }
    }
}
