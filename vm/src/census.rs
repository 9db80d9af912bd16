//! The branch census (feature `branch-census`, off by default, never in a node's build): counts,
//! per Wasm conditional branch site, how often the branch goes the other way than it went the
//! previous time, for the calibration's study of a *direction model* of branch prices
//! (`benches/calibration/runs/2026-12-07-direction-model-spike.md`). It changes no gas and no
//! result; it only adds ops to translated code and counts in a thread-local.
//!
//! How: the translator emits a `census_site` op directly before the op of every Wasm `if`,
//! `br_if` and `br_table` (nothing runs or lands between the two), naming the site's kind
//! ([`Kind`]) and whether the op's taken way is the Wasm condition's zero (an `if`, and a
//! `br_if` that moves values first, jump when it is zero). The conditional-branch and
//! `br_table` handlers then record the direction the Wasm branch went (or the `br_table`
//! target) against the site's op address. Site state starts at "not taken" (`br_table`: its
//! default) and lasts for one call into Wasm (one run of `invoke`; a nested call into another
//! instance has its own).

use std::cell::RefCell;
use std::collections::HashMap;

/// What a counted site is in the Wasm code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `if`: its direction is whether the condition held (the `then` arm ran).
    If,
    /// `br_if` to a `block` (or the function): a forward branch.
    BrIf,
    /// `br_if` to a `loop`: a back edge.
    BrIfLoop,
    /// `br_table`: its "direction" is the index of the target it took.
    BrTable,
}

impl Kind {
    /// Every kind, in [`Census::kinds`] order.
    pub const ALL: [Kind; 4] = [Kind::If, Kind::BrIf, Kind::BrIfLoop, Kind::BrTable];

    /// The kind's code in a `census_site` op (bit 3: the op's taken way is the condition's zero).
    pub(crate) const fn code(self, inverted: bool) -> u32 {
        (self as u32) | if inverted { 8 } else { 0 }
    }

    fn from_code(code: u32) -> (Kind, bool) {
        (Kind::ALL[(code & 7) as usize % Kind::ALL.len()], code & 8 != 0)
    }
}

/// Counts of one kind of site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Executions.
    pub executed: u64,
    /// Executions that went the other way than the site's previous one (for the first, than
    /// "not taken"; a `br_table`: to another target than the previous one, first: the default).
    pub changes: u64,
    /// Executions a two-bit saturating counter per site (starting weakly not taken) predicted
    /// wrongly (0 for `br_table`).
    pub counter_misses: u64,
    /// Distinct sites executed (per call, summed over the calls).
    pub sites: u64,
}

/// Everything counted since the last [`take`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Per kind, in [`Kind::ALL`] order.
    pub kinds: [Counts; 4],
    /// Conditional branches that ran without a `census_site` op before them (a translator
    /// defect; 0 expected).
    pub unmarked: u64,
}

impl Census {
    /// The counts of `kind`.
    pub fn of(&self, kind: Kind) -> Counts {
        self.kinds[kind as usize]
    }
}

/// One site's state in the current call.
#[derive(Clone, Copy)]
struct Site {
    kind: Kind,
    /// The last direction (taken: 1) or `br_table` target.
    last: u32,
    /// The two-bit counter: 0, 1 predict not taken; 2, 3 taken.
    counter: u8,
}

#[derive(Default)]
struct State {
    /// The kind code of the `census_site` op that just ran, if its branch has not yet.
    pending: Option<u32>,
    /// Site state by op address, one map per active call (innermost last).
    calls: Vec<HashMap<usize, Site>>,
    census: Census,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Everything counted on this thread since the previous call, which starts the count anew.
pub fn take() -> Census {
    STATE.with(|s| std::mem::take(&mut s.borrow_mut().census))
}

/// A call into Wasm starts: its sites start afresh.
pub(crate) fn enter() {
    STATE.with(|s| s.borrow_mut().calls.push(HashMap::new()));
}

/// The call into Wasm ends.
pub(crate) fn leave() {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.calls.pop();
        s.pending = None;
    });
}

/// A `census_site` op ran: the next branch is of kind `code`.
pub(crate) fn mark(code: u32) {
    STATE.with(|s| s.borrow_mut().pending = Some(code));
}

/// The conditional branch op at `ip` ran, its taken way `taken`.
pub(crate) fn branch(ip: usize, taken: bool) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(code) = s.pending.take() else {
            s.census.unmarked += 1;
            return;
        };
        let (kind, inverted) = Kind::from_code(code);
        let went = u32::from(taken != inverted);
        record(&mut s, ip, kind, went);
    });
}

/// The `br_table` op at `ip` ran to target `index` of `default + 1`.
pub(crate) fn table(ip: usize, index: u32, default: u32) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.pending.take().is_none() {
            s.census.unmarked += 1;
            return;
        }
        record_table(&mut s, ip, index, default);
    });
}

fn record(s: &mut State, ip: usize, kind: Kind, went: u32) {
    let State { calls, census, .. } = s;
    let Some(sites) = calls.last_mut() else { return };
    let counts = &mut census.kinds[kind as usize];
    counts.executed += 1;
    let site = sites.entry(ip).or_insert_with(|| {
        counts.sites += 1;
        Site { kind, last: 0, counter: 1 }
    });
    debug_assert_eq!(site.kind, kind);
    if site.last != went {
        counts.changes += 1;
        site.last = went;
    }
    if u32::from(site.counter >= 2) != went {
        counts.counter_misses += 1;
    }
    site.counter = if went == 1 { (site.counter + 1).min(3) } else { site.counter.saturating_sub(1) };
}

fn record_table(s: &mut State, ip: usize, index: u32, default: u32) {
    let State { calls, census, .. } = s;
    let Some(sites) = calls.last_mut() else { return };
    let counts = &mut census.kinds[Kind::BrTable as usize];
    counts.executed += 1;
    let site = sites.entry(ip).or_insert_with(|| {
        counts.sites += 1;
        Site { kind: Kind::BrTable, last: default, counter: 0 }
    });
    if site.last != index {
        counts.changes += 1;
        site.last = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Engine, Linker, Module, Store};

    /// One loop of `n` iterations with every kind of site: an `if` on the parity, a `br_if`
    /// never taken (fused with its comparison), a `br_if` carrying a value (its op jumps on
    /// zero) taken every third time, a `br_table` cycling through three targets, and the
    /// loop's back edge.
    const WAT: &str = r#"
        (module
          (func (export "run") (param $n i32) (result i32)
            (local $i i32) (local $acc i32)
            (loop $l
              (if (i32.and (local.get $i) (i32.const 1))
                (then (local.set $acc (i32.add (local.get $acc) (i32.const 1)))))
              (block $b
                (br_if $b (i32.gt_s (local.get $i) (i32.const 100)))
                (local.set $acc (i32.add (local.get $acc) (i32.const 2))))
              (local.set $acc (i32.add (local.get $acc)
                (block $v (result i32)
                  (drop (br_if $v (i32.const 7) (i32.eqz (i32.rem_u (local.get $i) (i32.const 3)))))
                  (i32.const 1))))
              (block $t0 (block $t1 (block $t2
                (br_table $t0 $t1 $t2 (i32.rem_u (local.get $i) (i32.const 3))))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
            (local.get $acc)))
    "#;

    fn run_twice(n: i32) -> (Census, i32) {
        let engine = Engine::new(Config::default());
        let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine).instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        take();
        let a = run.call(&mut store, n).unwrap();
        let b = run.call(&mut store, n).unwrap();
        assert_eq!(a, b);
        (take(), a)
    }

    #[test]
    fn every_kind_of_site_counts_its_direction_changes_per_call() {
        let (census, result) = run_twice(9);
        // 4 odd i, 9 × 2, 3 × 7 + 6 × 1.
        assert_eq!(result, 4 + 18 + 27);
        assert_eq!(census.unmarked, 0);
        // Parity 0,1,0,…: a change at every i but the first; the counter misses every 1.
        assert_eq!(census.of(Kind::If), Counts { executed: 18, changes: 16, counter_misses: 8, sites: 2 });
        // Never taken: no change. Taken at i = 0, 3, 6: 1,0,0,1,0,0,1,0,0 changes 6 times;
        // the counter (weakly not taken) misses the taken ones and the first fall after the
        // first (it then predicts taken).
        assert_eq!(census.of(Kind::BrIf), Counts { executed: 36, changes: 12, counter_misses: 8, sites: 4 });
        // Taken 8 times, then not: into taken and out of it, each call afresh.
        assert_eq!(census.of(Kind::BrIfLoop), Counts { executed: 18, changes: 4, counter_misses: 4, sites: 2 });
        // Targets 0,1,2,0,… from the default (3): a change every time.
        assert_eq!(census.of(Kind::BrTable), Counts { executed: 18, changes: 18, counter_misses: 0, sites: 2 });
    }
}
