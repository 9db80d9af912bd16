//! The proposal rule, and whether any price vector can keep every worst case within the bound.
//!
//! Issue 11 bounds every worst case at 3× ordinary code's time per gas (the calibration aims at
//! [`BOUND`], 2.5×, for the two speeds of the reference machine, BENCHMARKS.md "Two speeds").
//! With `fitted[t]` the gas per unit that prices term `t`'s worst case at 1 ns per 1000 gas, a
//! price `p[t]` runs that worst case at `fitted[t] / p[t]` ns per 1000 gas, and ordinary code at
//! `m(p)`, the median over the ordinary workloads of `ns / gas(p)`; gas is linear in the
//! prices, `gas_w(p) = Σ count[w][t] · p[t]`, with the counts taken from the metering itself.
//!
//! **The rule.** Each term at the lowest price that keeps its worst case within `BOUND ×` the
//! ordinary median *under the proposal itself*: `p[t] = fitted[t] / (BOUND · m(p))`, rounded up,
//! no operator class below `simple`, nothing below 1. Scaling every price by the same factor
//! scales `m` by its inverse, so the prices are fixed only up to a unit: the unit is anchored
//! where the defaults have it (ordinary code's median at the defaults, `anchor`), and the rule
//! is solved by fixed-point iteration: price every term for a target median (first the anchor),
//! compute the median the prices give, and take that as the next target until the prices give
//! at least the median they were made for.
//!
//! **Feasibility.** Without the floors, `m(fitted / (BOUND · target)) = BOUND · F · target`,
//! where `F = m(fitted)` is ordinary code's time per gas when every term is priced at its worst
//! case (the feasibility figure). So the iteration converges at once when `F ≥ 1 / BOUND`, and
//! otherwise every step lowers the median by `BOUND · F` and raises every price by its inverse,
//! forever: no price vector keeps the worst cases within the bound with these classes, because
//! ordinary code pays each class's worst member for its typical members. The classes that do it
//! are those whose share of ordinary code's worst-case-priced gas is large and whose members'
//! costs spread widely; the report gives, for each, what `F` would be if the class cost its
//! typical member (the median of its probes).

use std::collections::BTreeMap;

use tally_host_env::Params;

use super::fit::round_price_up;
use super::terms::{OpClass, Term};

/// The bound the proposal keeps every worst case within, as a multiple of ordinary code's
/// median time per gas.
pub const BOUND: f64 = 2.5;

/// The issue's bound.
pub const ISSUE_BOUND: f64 = 3.0;

/// Iterations after which the rule is declared not to converge.
const MAX_STEPS: usize = 6;

/// One ordinary workload: its time, and how many units of each term it is charged.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Its name.
    pub name: String,
    /// Median CPU time of a run, in nanoseconds.
    pub ns: f64,
    /// Units of each term its gas counts (terms it never pays are absent).
    pub counts: BTreeMap<Term, f64>,
}

impl Workload {
    /// Its gas under `params`, from its counts.
    pub fn gas(&self, params: &Params) -> f64 {
        self.counts.iter().map(|(t, n)| n * t.get(params) as f64).sum()
    }

    /// Its gas with each term at `price(term)`.
    fn gas_with(&self, price: impl Fn(Term) -> f64) -> f64 {
        self.counts.iter().map(|(t, n)| n * price(*t)).sum()
    }
}

/// The median over `values` (0 for none).
fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    crate::tpg::median(&mut values)
}

/// Ordinary code's median ns per 1000 gas under `params`.
pub fn median_per_kgas(workloads: &[Workload], params: &Params) -> f64 {
    median(workloads.iter().map(|w| w.ns * 1000.0 / w.gas(params).max(1.0)).collect())
}

/// Ordinary code's median ns per 1000 gas with each term at `price(term)`.
fn median_with(workloads: &[Workload], price: impl Fn(Term) -> f64 + Copy) -> f64 {
    median(workloads.iter().map(|w| w.ns * 1000.0 / w.gas_with(price).max(1.0)).collect())
}

/// A term's worst case under `params`, as a multiple of ordinary code's median time per gas
/// `median` (`None` for a term without a positive fit).
pub fn worst_ratio(term: Term, fitted: &BTreeMap<Term, f64>, params: &Params, median: f64) -> Option<f64> {
    let f = *fitted.get(&term).filter(|f| **f > 0.0)?;
    Some(f / term.get(params).max(1) as f64 / median)
}

/// One operator class's (or other term's) part in ordinary code.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// The term.
    pub term: Term,
    /// Its share of the ordinary workloads' gas when every term costs its worst case.
    pub share: f64,
    /// Its worst probe's price over its typical one (the median of its probes), for a class with
    /// several probes.
    pub spread: Option<f64>,
    /// The feasibility figure if the term cost its typical probe's price instead.
    pub feasibility_if_typical: Option<f64>,
}

/// What the rule gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// The anchor: ordinary code's median ns per 1000 gas at the defaults.
    pub anchor: f64,
    /// The feasibility figure `F`: ordinary code's median ns per 1000 gas with every term at its
    /// worst case (floors applied), where every worst case runs at 1.
    pub feasibility: f64,
    /// Each step: the target median the prices were made for, and the median they give.
    pub steps: Vec<(f64, f64)>,
    /// Whether the prices gave at least the median they were made for.
    pub converged: bool,
    /// The proposal: the converged prices, or else those of the first step (today's unit).
    pub proposal: Params,
    /// Every term's part in ordinary code, largest share first.
    pub shares: Vec<Share>,
    /// `F` if every term with several probes cost its typical probe at once: the most that
    /// splitting the classes (or bringing every member down to the typical one) could give.
    pub feasibility_all_typical: f64,
    /// Each ordinary workload at the worst-case prices: the median of these is `F`.
    pub workloads: Vec<WorkloadAtWorst>,
}

/// One ordinary workload with every term at its worst-case price.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadAtWorst {
    /// Its name.
    pub name: String,
    /// Its ns per 1000 gas at the worst-case prices.
    pub per_kgas: f64,
    /// Its largest terms and their shares of its gas at those prices, largest first (at most 4).
    pub top: Vec<(Term, f64)>,
}

/// The prices of the rule for a target median: `fitted / (BOUND · target)`, rounded up, no
/// operator class below `simple`, nothing below 1; terms without a positive fit keep `base`'s.
pub fn prices_for(base: &Params, fitted: &BTreeMap<Term, f64>, target: f64) -> Params {
    let mut p = base.clone();
    let price = |t: Term| fitted.get(&t).filter(|f| **f > 0.0).map(|f| round_price_up(f / (BOUND * target)));
    let simple = price(Term::Op(OpClass::Simple)).unwrap_or_else(|| Term::Op(OpClass::Simple).get(base));
    for term in Term::all() {
        if let Some(v) = price(term) {
            let floor = match term {
                Term::Op(c) if c != OpClass::Simple => simple,
                _ => 1,
            };
            term.set(&mut p, v.max(floor));
        }
    }
    p
}

/// Solves the rule over `workloads`. `anchor` is ordinary code's median ns per 1000 gas at the
/// defaults (measured: the defaults' classes need not be uniform, which the counts assume);
/// `defaults` prices the terms without a fit; `candidates` are each term's probe prices (for
/// the classes' spreads).
pub fn solve(
    anchor: f64,
    defaults: &Params,
    fitted: &BTreeMap<Term, f64>,
    candidates: &BTreeMap<Term, Vec<(String, f64)>>,
    workloads: &[Workload],
) -> Solution {
    // Every term at its worst case, with the rule's floors (`prices_for` at a target of
    // 1 / BOUND is exactly `fitted`, rounded up).
    let at_worst = prices_for(defaults, fitted, 1.0 / BOUND);
    let feasibility = median_per_kgas(workloads, &at_worst);
    let mut steps = Vec::new();
    let mut target = anchor;
    let mut first = None;
    let mut converged = None;
    for _ in 0..MAX_STEPS {
        if !(target.is_finite() && target > 0.0) {
            break;
        }
        let p = prices_for(defaults, fitted, target);
        let m = median_per_kgas(workloads, &p);
        steps.push((target, m));
        first.get_or_insert_with(|| p.clone());
        if m >= target * (1.0 - 1e-9) {
            converged = Some(p);
            break;
        }
        target = m;
    }
    let shares = shares(fitted, candidates, workloads, &at_worst);
    let typical: BTreeMap<Term, f64> = candidates
        .iter()
        .filter_map(|(term, c)| {
            let positive: Vec<f64> = c.iter().map(|(_, v)| *v).filter(|v| *v > 0.0).collect();
            (positive.len() >= 2).then(|| (*term, median(positive)))
        })
        .collect();
    let feasibility_all_typical =
        median_with(workloads, |t| typical.get(&t).copied().unwrap_or_else(|| t.get(&at_worst) as f64));
    let at_worst_workloads = workloads
        .iter()
        .map(|w| {
            let gas = w.gas(&at_worst).max(1.0);
            let mut top: Vec<(Term, f64)> =
                w.counts.iter().map(|(t, n)| (*t, n * t.get(&at_worst) as f64 / gas)).collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
            top.truncate(4);
            WorkloadAtWorst { name: w.name.clone(), per_kgas: w.ns * 1000.0 / gas, top }
        })
        .collect();
    Solution {
        anchor,
        feasibility,
        steps,
        converged: converged.is_some(),
        proposal: converged.or(first).unwrap_or_else(|| defaults.clone()),
        shares,
        feasibility_all_typical,
        workloads: at_worst_workloads,
    }
}

/// Each term's share of ordinary code's gas at its worst-case price, its spread, and what the
/// feasibility figure would be at its typical price.
fn shares(
    fitted: &BTreeMap<Term, f64>,
    candidates: &BTreeMap<Term, Vec<(String, f64)>>,
    workloads: &[Workload],
    at_worst: &Params,
) -> Vec<Share> {
    let total: f64 = workloads.iter().map(|w| w.gas(at_worst)).sum();
    let mut out: Vec<Share> = Term::all()
        .into_iter()
        .filter_map(|term| {
            let part: f64 = workloads.iter().map(|w| w.counts.get(&term).copied().unwrap_or(0.0)).sum::<f64>()
                * term.get(at_worst) as f64;
            if part <= 0.0 {
                return None;
            }
            let positive: Vec<f64> = candidates
                .get(&term)
                .map(|c| c.iter().map(|(_, v)| *v).filter(|v| *v > 0.0).collect())
                .unwrap_or_default();
            let (spread, feasibility_if_typical) = match (fitted.get(&term), positive.len()) {
                (Some(worst), n) if n >= 2 => {
                    let typical = median(positive);
                    let price = |t: Term| if t == term { typical } else { t.get(at_worst) as f64 };
                    (Some(worst / typical), Some(median_with(workloads, price)))
                }
                _ => (None, None),
            };
            Some(Share { term, share: part / total.max(1.0), spread, feasibility_if_typical })
        })
        .collect();
    out.sort_by(|a, b| b.share.total_cmp(&a.share));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(ns: f64, counts: &[(Term, f64)]) -> Workload {
        Workload { name: "w".into(), ns, counts: counts.iter().copied().collect() }
    }

    const SIMPLE: Term = Term::Op(OpClass::Simple);
    const ALU: Term = Term::Op(OpClass::Alu);

    /// Ordinary code of 1000 simple and 1000 ALU operators taking 1 µs; worst cases of 1.2 ns a
    /// simple operator and `alu_worst` ns an ALU operator.
    fn case(alu_worst: f64) -> Solution {
        let fitted: BTreeMap<Term, f64> = [(SIMPLE, 1_200.0), (ALU, alu_worst * 1000.0)].into_iter().collect();
        let w = vec![workload(1_000.0, &[(SIMPLE, 1000.0), (ALU, 1000.0)])];
        let defaults = Params::default();
        solve(median_per_kgas(&w, &defaults), &defaults, &fitted, &BTreeMap::new(), &w)
    }

    #[test]
    fn a_feasible_set_converges_at_the_anchor_with_every_worst_case_within_the_bound() {
        // Worst-case prices charge ordinary code 1200 + 1200 gas for 1000 ns: F = 1 / 2.4.
        let s = case(1.2);
        assert!((s.feasibility - 1.0 / 2.4).abs() < 1e-9, "{}", s.feasibility);
        assert!(s.converged, "{:?}", s.steps);
        assert!(s.steps.len() <= 2, "{:?}", s.steps);
        let m = s.steps.last().unwrap().1;
        for t in [SIMPLE, ALU] {
            let fitted: BTreeMap<Term, f64> = [(SIMPLE, 1_200.0), (ALU, 1_200.0)].into_iter().collect();
            let r = worst_ratio(t, &fitted, &s.proposal, m).unwrap();
            assert!(r <= BOUND + 1e-9, "{t:?}: {r}");
        }
    }

    #[test]
    fn an_infeasible_set_does_not_converge_and_each_step_lowers_the_median_by_bound_times_f() {
        // F = 1000 / (1200 + 3000) ≈ 0.238: every step multiplies the median by 2.5 · F ≈ 0.6.
        let s = case(3.0);
        assert!(!s.converged);
        assert!(s.feasibility < 1.0 / BOUND);
        assert_eq!(s.steps.len(), MAX_STEPS);
        // Rounding up to two significant digits raises a price by less than 10 %.
        for (target, m) in &s.steps {
            let factor = m / target;
            let expected = BOUND * s.feasibility;
            assert!(factor <= expected + 1e-9 && factor >= expected / 1.1, "{factor} against {expected}");
        }
    }

    #[test]
    fn the_unit_is_anchored_at_the_defaults_median() {
        let s = case(1.0);
        let defaults = Params::default();
        let w = workload(1_000.0, &[(SIMPLE, 1000.0), (ALU, 1000.0)]);
        assert!((s.anchor - median_per_kgas(&[w], &defaults)).abs() < 1e-12);
    }
}
