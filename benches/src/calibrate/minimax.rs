//! The pricing rule (rule v4): every fitted term at a price that keeps the largest ratio, over
//! complete adversarial programs, of the program's time per gas to the baseline set's median
//! time per gas as low as it can be; solved exactly by linear programming in two stages.
//!
//! **Rule v4 over v3** ([`Settings`]): every fitted term's price stays within a *band* of its
//! own fitted worst case (`s·f / band ≤ p ≤ s·f`, one free scale `s` for all terms), so the
//! linear programs cannot price a term paid once a call at gigagas, or a term ordinary code pays
//! at nothing, to trade it against an unrelated term (rule v3 did both on its cached data); and
//! the bounded programs are the time-per-gas suite's scenarios and baselines (the issue's
//! bound), while the probes, isolated marginal worst cases, fit the terms and are reported.
//!
//! **Why complete programs.** An attacker pays for every operator of his program, including the
//! ones that set up the expensive one (the loop, the random branch condition, the pointer
//! chain). Pricing each term so that its *isolated* marginal worst case stays within a bound
//! (rule v1, [`feasible`](super::feasible)) asks more than the bound needs, and cannot be
//! met at all (`report.md` "Feasibility"). What binds here are the time-per-gas suite's
//! scenarios and the calibration's probes, each run as a whole program.
//!
//! **The problem.** A program `s` has a time `T_s` (in units of the baseline median's time per
//! gas at the defaults, so `T_s / gas_s(defaults)` is its measured ratio) and per-term counts:
//! its gas under prices `p` is `gas_s(p) = Σ_t count[s][t] · p[t]` (linear, counted from the
//! metering), and its time per gas `tpg_s = T_s / gas_s(p)`. Its ratio is `tpg_s / M(p)`, `M`
//! the true median of the reference baselines' time per gas, whichever of them form it.
//!
//! **The unit.** `M(p)` is held at the defaults' median `m`: the gas unit keeps its meaning (ns
//! per 1000 gas of the reference machine as at the defaults). The median is the middle reference
//! (odd count) or the mean of the middle pair (even count), so the rule enumerates every
//! *structure*: which reference(s) form the median, and which half of the others lie below it
//! (the rest above). For an odd count the middle one is pinned at `m`; for an even count the
//! lower middle one at `u·m` and the upper at `(2 − u)·m`, `u ≤ 1`. The others are ordered
//! against the pinned ones (`tpg_x ≤ tpg_low`: `gas_x ≥ T_x / (u·m)`, and so above). Given the
//! structure and `u`, every constraint is linear in the prices, and the median is exactly `m`.
//! `u` is searched (a grid of step 0.05 from 1 down to the floor, then golden-section search to
//! 0.001 around the best points): within a structure, the LP's optimum is a concave function of
//! the pins' inverse gas, so the search finds the peak of a smooth curve.
//!
//! **The floor.** A reference may run *below* the median (be overcharged), but no lower than
//! [`Settings::floor`] times it (`gas_r ≤ T_r / (floor·m)`): ordinary code is never overcharged
//! by more than `1 / floor`. (The token transfers are bounded above only: on the memory backend
//! they run at 0.05× with the gas that runs at 0.41× on redb, and no floor holds both.) The baseline whose branches are as predictable as an arithmetic
//! loop's may then pay the price its mispredicted twin needs. Every program, the baselines too,
//! is bounded above (ordinary code is a program an attacker may run as well).
//!
//! **Stage 1: the optimum.** With `β = 1 / bound`, "every program within the bound" is
//! `gas_s(p) ≥ T_s·β / m`, linear in `(p, β)`: each structure and `u` is one linear program
//! maximising `β`. The least bound over all of them is the optimum.
//!
//! **Stage 2: the prices.** The optimum does not pin a price vector (a term no binding program
//! pays can take any price that keeps its own programs within the bound). With the bound fixed
//! at the optimum times [`Settings::slack`] (never above [`Settings::cap`], the 3×,
//! unless the optimum itself is), the rule takes, among the structures and `u` feasible at that
//! bound, the price vector closest to a *reference*: the least `Σ_t d_t`, `d_t` a term's
//! deviation from its reference `r_t`, `p_t / r_t − 1` above it and `−ln(p_t / r_t)` below it
//! (linear: one auxiliary variable per term, the logarithm drawn by its tangents at every
//! halving). Plain relative deviation `|p_t − r_t| / r_t` costs at most 1 for a price taken down
//! to nothing and makes that the cheap way to meet a bound (on the cached measurements it took
//! memory accesses to 1 gas and memory pages to 32 G); under the logarithm a fall by a factor
//! costs about what a rise by it does. The reference is each
//! term's own worst-case cost at the bound (the calibration's fit, the gas per unit at which its
//! worst probe runs at the bound: what pricing that term alone would give), or its default where
//! it has no fit. So every term sits as near to what its own worst case costs as the complete
//! programs allow.
//!
//! The prices are then rounded up to two significant digits and every ratio recomputed against
//! the true median. Fixed terms (priced elsewhere) keep their base price and enter the programs'
//! gas as constants. No operator class is priced below `simple`, and nothing below 1.

use std::collections::BTreeMap;

use microlp::{ComparisonOp, OptimizationDirection, Problem, Variable};

use tally_host_env::Params;

use super::fit::round_price_up;
use super::terms::{OpClass, Term};

/// What a program is to the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A member of the baseline set's reference median.
    Reference,
    /// A baseline outside the median (the token transfers).
    Baseline,
    /// A time-per-gas scenario.
    Scenario,
    /// A calibration probe at one size, run as a whole program.
    Probe,
}

/// One complete program: its time and what it is charged for.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// Its time, in gas-at-the-median: its ns divided by the reference median's ns per gas at
    /// the defaults (so at the defaults its ratio is `time / gas`).
    pub time: f64,
    /// Units of each term its gas counts (terms it never pays are absent).
    pub counts: BTreeMap<Term, f64>,
    /// Its gas at the defaults, as measured (the defaults may price a class's members apart,
    /// which class counts cannot express).
    pub gas_default: f64,
}

impl Program {
    /// Its gas with each term at `price(term)`.
    pub fn gas_with(&self, price: impl Fn(Term) -> f64) -> f64 {
        self.counts.iter().map(|(t, n)| n * price(*t)).sum()
    }

    /// Its gas under `params`.
    pub fn gas(&self, params: &Params) -> f64 {
        self.gas_with(|t| t.get(params) as f64)
    }

    /// Whether the rule bounds its ratio under `settings`: every scenario and baseline (ordinary
    /// code is a program an attacker may run as well: pricing a term that only some baselines
    /// pay down to nothing would make them the attack), and the probes only if
    /// [`Settings::bound_probes`] (rule v4: they fit the terms, the suite is what is bounded).
    pub fn bounded(&self, settings: &Settings) -> bool {
        self.kind != Kind::Probe || settings.bound_probes
    }
}

/// Each program's time per gas under `params`, over the reference median's, and that median.
pub fn ratios(programs: &[Program], params: &Params) -> (f64, Vec<f64>) {
    ratios_of(programs, |p| p.gas(params))
}

/// Each program's time per gas at the defaults (its measured gas), over the reference median's.
pub fn ratios_at_defaults(programs: &[Program]) -> (f64, Vec<f64>) {
    ratios_of(programs, |p| p.gas_default)
}

fn ratios_of(programs: &[Program], gas: impl Fn(&Program) -> f64) -> (f64, Vec<f64>) {
    let tpg: Vec<f64> = programs.iter().map(|p| p.time / gas(p).max(1.0)).collect();
    let mut reference: Vec<f64> =
        programs.iter().zip(&tpg).filter(|(p, _)| p.kind == Kind::Reference).map(|(_, v)| *v).collect();
    let median = crate::tpg::median(&mut reference);
    let ratios = tpg.iter().map(|v| v / median.max(f64::MIN_POSITIVE)).collect();
    (median, ratios)
}

/// The rule's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The least time per gas of a baseline over the median: ordinary code is overcharged by at
    /// most `1 / floor`.
    pub floor: f64,
    /// Stage 2's bound over stage 1's optimum.
    pub slack: f64,
    /// The bound stage 2 never exceeds unless the optimum does (the 3×).
    pub cap: f64,
    /// Rule v4's band: every fitted term's price lies within `[s·f / band, s·f]`, `f` its fitted
    /// worst-case cost (gas per unit at 1 ns per 1000 gas) and `s` one scale common to all
    /// terms (free: the median's pins fix it). So no term is priced more than `band` times
    /// further from its own worst case than another: the linear programs cannot put a term at a
    /// per-call fee of gigagas, or any term at nothing, to trade it against an unrelated one.
    /// `None`: no band (rule v3).
    pub band: Option<f64>,
    /// Whether the probes are bounded too (rule v3), or only fit the terms (rule v4: the
    /// issue's bound is on the suite's scenarios; the report still gives each probe's ratio).
    pub bound_probes: bool,
}

/// The settings of the committed calibration (`BENCHMARKS.md`, "Calibration": why 0.5, why a
/// band of 3, why the probes are not bounded).
pub const SETTINGS: Settings = Settings { floor: 0.5, slack: 1.02, cap: 3.0, band: Some(3.0), bound_probes: false };

/// What the rule gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimax {
    /// The prices: the base with every free term at its rounded stage-2 price.
    pub params: Params,
    /// The rounded prices of the free terms [`Params`] cannot hold ([`Term::outside_params`]).
    pub study: BTreeMap<Term, u64>,
    /// The free terms' unrounded stage-2 prices.
    pub exact: BTreeMap<Term, f64>,
    /// The structure of the median at the answer: who forms it, who lies below and above.
    pub pivot: String,
    /// Stage 1's optimal bound (before rounding).
    pub bound: f64,
    /// The bound stage 2 held.
    pub held_bound: f64,
    /// Stage 2's summed deviation from the reference (unrounded).
    pub deviation: f64,
    /// The reference median's time per gas under the rounded prices, over the defaults' (1 when
    /// the unit is kept exactly).
    pub median: f64,
    /// Every program's ratio under the rounded prices (same order as the programs).
    pub ratios: Vec<f64>,
    /// The largest ratio of a program under the rounded prices.
    pub max: f64,
    /// The best structures of stage 1: each one's description and optimal bound, best first.
    pub pivots: Vec<(String, Option<(f64, f64)>)>,
    /// The settings it ran with.
    pub settings: Settings,
}

impl Minimax {
    /// The proposal's price of `term` (a study term's too, [`Minimax::study`]).
    pub fn price(&self, term: Term) -> u64 {
        self.study.get(&term).copied().unwrap_or_else(|| term.get(&self.params))
    }
}

/// The free terms: not fixed, priced above 0 in `base`, and counted by some program (study terms
/// included: [`Term::STUDY`]).
fn free_terms(programs: &[Program], base: &Params, fixed: &[Term]) -> Vec<Term> {
    Term::all()
        .into_iter()
        .chain(Term::STUDY)
        .filter(|t| !fixed.contains(t) && t.get(base) > 0)
        .filter(|t| programs.iter().any(|p| p.counts.get(t).is_some_and(|n| *n > 0.0)))
        .collect()
}

/// Which references form the median and which lie on either side of it.
#[derive(Debug, Clone, PartialEq)]
struct Structure {
    /// The median's members (program indices): one, or the lower and the upper middle one.
    held: Vec<usize>,
    /// The references at or below the (lower) middle one.
    below: Vec<usize>,
    /// The references at or above the (upper) middle one.
    above: Vec<usize>,
}

impl Structure {
    fn describe(&self, programs: &[Program], u: f64) -> String {
        let names = |v: &[usize]| v.iter().map(|i| format!("`{}`", programs[*i].name)).collect::<Vec<_>>().join(", ");
        let median = match self.held.as_slice() {
            [k] => format!("median `{}`", programs[*k].name),
            [a, b] => format!("median `{}` at {u:.3}× + `{}` at {:.3}×", programs[*a].name, programs[*b].name, 2.0 - u),
            _ => String::new(),
        };
        format!("{median}; below: {}; above: {}", names(&self.below), names(&self.above))
    }
}

/// Every structure of the median of `references`.
fn structures(references: &[usize]) -> Vec<Structure> {
    let n = references.len();
    let mut out = Vec::new();
    let heldsets: Vec<Vec<usize>> = if n % 2 == 1 {
        references.iter().map(|k| vec![*k]).collect()
    } else {
        let mut v = Vec::new();
        for a in references {
            for b in references {
                if a != b {
                    v.push(vec![*a, *b]);
                }
            }
        }
        v
    };
    for held in heldsets {
        let others: Vec<usize> = references.iter().copied().filter(|r| !held.contains(r)).collect();
        for below in splits(others.len()) {
            let side = |on: bool| -> Vec<usize> {
                others.iter().enumerate().filter(|(i, _)| (below & (1 << i) != 0) == on).map(|(_, r)| *r).collect()
            };
            out.push(Structure { held: held.clone(), below: side(true), above: side(false) });
        }
    }
    out
}

/// The ways to put half of `others` references below the median (bit `i` set: the `i`th is
/// below); `others` is even.
fn splits(others: usize) -> Vec<u32> {
    (0u32..1 << others).filter(|m| m.count_ones() as usize == others / 2).collect()
}

/// `base` with every free term at its price in `exact` rounded up to two significant digits (at
/// least 1), and no operator class below `simple`; and the rounded prices of the study terms
/// (which `Params` cannot hold).
fn rounded(base: &Params, free: &[Term], exact: &BTreeMap<Term, f64>) -> (Params, BTreeMap<Term, u64>) {
    let mut params = base.clone();
    let mut study = BTreeMap::new();
    for (t, v) in exact {
        // (Less a part in 10⁹: a price the linear program puts a rounding error above a round
        // value stays at it.)
        let price = round_price_up(*v * (1.0 - 1e-9)).max(1);
        if t.outside_params() {
            study.insert(*t, price);
        } else {
            t.set(&mut params, price);
        }
    }
    let simple = Term::Op(OpClass::Simple).get(&params);
    for t in free {
        if matches!(t, Term::Op(c) if *c != OpClass::Simple) && t.get(&params) < simple {
            t.set(&mut params, simple);
        }
    }
    (params, study)
}

/// The largest ratio of a program under `price`.
fn largest(programs: &[Program], price: impl Fn(Term) -> f64, settings: &Settings) -> f64 {
    let (_, ratios) = ratios_of(programs, |p| p.gas_with(&price));
    programs.iter().zip(&ratios).filter(|(p, _)| p.bounded(settings)).map(|(_, r)| *r).fold(0.0, f64::max)
}

/// Whether a program pays `term` once a call, whatever its loop does: instantiation, the call
/// itself (`host.call`: every program is one) and code loading. A per-call price could otherwise stand in for a loop's: a probe of a few
/// milliseconds would look bounded because each call pays a fee of a millisecond (on the cached
/// measurements the rule put `instantiate` at 3.9 G), while a longer loop pays the fee once. So
/// every scenario and probe is also bounded as its loop alone: without these charges, and
/// without their time, taken at the median's time per gas at the base prices (an estimate: the
/// loop's own time is not measured apart).
pub fn once_a_call(term: Term) -> bool {
    use super::terms::HostTerm as H;
    matches!(
        term,
        Term::Host(
            H::Instantiate
                | H::InstantiateFunction
                | H::InstantiateGlobal
                | H::InstantiateTableElement
                | H::InstantiateElemItem
                | H::InstantiateDataByte
                | H::Call
                | H::Load
                | H::LoadCodeByte
                | H::LoadFunction
                | H::LoadLocal
                | H::LoadGlobal
                | H::LoadBrTableTarget
        )
    )
}

/// A fit (gas per unit) below which the band's top may be 1 gas above `s·f`: such a term can
/// always cost the least price, 1 (else a small `s` would leave it no price at all).
const SMALL_FIT: f64 = 100.0;

/// The largest price relative to the base a term may get (keeps the programs bounded).
const MAX_SCALE: f64 = 1e6;

/// Where stage 2's penalty below a reference, `−ln(p / r)`, is drawn by its tangents: at every
/// halving down to 2⁻²⁰.
const TANGENTS: [f64; 21] = {
    let mut t = [1.0; 21];
    let mut k = 1;
    while k < 21 {
        t[k] = t[k - 1] / 2.0;
        k += 1;
    }
    t
};

/// What a linear program of the rule asks.
enum Goal<'a> {
    /// The least bound (stage 1).
    Least,
    /// The prices closest to `reference` (one per free term) with every program within `bound`.
    Closest { bound: f64, reference: &'a [f64] },
}

/// The linear programs' common data.
struct Setup<'a> {
    programs: &'a [Program],
    free: Vec<Term>,
    scale: Vec<f64>,
    /// Each program's gas from the fixed terms.
    fixed_gas: Vec<f64>,
    /// The same without the once-a-call charges.
    fixed_looped: Vec<f64>,
    /// Each program's time less its once-a-call charges' time (their gas at the base, at the
    /// median's time per gas), or 0 when that leaves less than a tenth of it.
    time_looped: Vec<f64>,
    /// The defaults' reference median time per gas.
    m: f64,
    /// Each free term's fitted worst case (gas per unit at 1 ns per 1000 gas), for the band:
    /// `Some(f)` with `f > 0` banded, `Some(f)` with `f ≤ 0` held at its floor (its fit says the
    /// other terms already pay for it): 1, or `simple`'s price for an operator class; `None`
    /// unbanded. An operator class's is at least `simple`'s.
    fits: Vec<Option<f64>>,
    settings: Settings,
}

impl Setup<'_> {
    /// One linear program: the free terms' prices over the base and, for [`Goal::Least`], the
    /// bound (`None`: no solution).
    fn solve(&self, st: &Structure, u: f64, goal: &Goal<'_>) -> Result<Option<(Vec<f64>, f64)>, String> {
        let direction = match goal {
            Goal::Least => OptimizationDirection::Maximize,
            Goal::Closest { .. } => OptimizationDirection::Minimize,
        };
        let mut lp = Problem::new(direction);
        let banded = |i: usize| self.settings.band.and(self.fits[i]);
        let xs: Vec<Variable> = self
            .scale
            .iter()
            .enumerate()
            .map(|(i, s)| match banded(i) {
                Some(f) if f <= 0.0 && !matches!(self.free[i], Term::Op(_)) => lp.add_var(0.0, (1.0 / s, 1.0 / s)),
                _ => lp.add_var(0.0, (1.0 / s, MAX_SCALE)),
            })
            .collect();
        // An operator class whose fit is not positive costs what `simple` costs (no class is
        // priced below it).
        if let Some(simple) = self.free.iter().position(|t| *t == Term::Op(OpClass::Simple)) {
            for (i, t) in self.free.iter().enumerate() {
                if matches!(t, Term::Op(_)) && i != simple && banded(i).is_some_and(|f| f <= 0.0) {
                    lp.add_constraint(
                        [(xs[i], self.scale[i]), (xs[simple], -self.scale[simple])].as_slice(),
                        ComparisonOp::Eq,
                        0.0,
                    );
                }
            }
        }
        // β = 1 / bound (stage 1 only).
        let beta = matches!(goal, Goal::Least).then(|| lp.add_var(1.0, (0.0, f64::INFINITY)));
        // The band: s·f / band ≤ p ≤ s·f (+ 1 below `SMALL_FIT`), one free scale `s` for every term.
        if let Some(band) = self.settings.band {
            let s = lp.add_var(0.0, (0.0, f64::INFINITY));
            for (i, x) in xs.iter().enumerate() {
                if let Some(f) = banded(i).filter(|f| *f > 0.0) {
                    // (p ≤ s·f + 1 for a term fitted at a few gas a unit: it may still cost
                    // the least price, 1, whatever `s`.)
                    let least = if f < SMALL_FIT { 1.0 / f } else { 0.0 };
                    lp.add_constraint([(*x, self.scale[i] / f), (s, -1.0)].as_slice(), ComparisonOp::Le, least);
                    lp.add_constraint([(*x, self.scale[i] / f), (s, -1.0 / band)].as_slice(), ComparisonOp::Ge, 0.0);
                }
            }
        }
        // gas_p(x) · factor (op) rhs, with the fixed gas moved to the right-hand side; `looped`:
        // without the once-a-call charges (instantiation, code loading).
        let constrain_as =
            |lp: &mut Problem, k: usize, looped: bool, factor: f64, extra: Option<(Variable, f64)>, op, rhs: f64| {
                let p = &self.programs[k];
                let mut expr: Vec<(Variable, f64)> = self
                    .free
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| !(looped && once_a_call(**t)))
                    .filter_map(|(i, t)| {
                        p.counts.get(t).filter(|n| **n > 0.0).map(|n| (xs[i], n * self.scale[i] * factor))
                    })
                    .collect();
                expr.extend(extra);
                let fixed = if looped { self.fixed_looped[k] } else { self.fixed_gas[k] };
                lp.add_constraint(expr.as_slice(), op, rhs - fixed * factor);
            };
        let constrain = |lp: &mut Problem, k: usize, factor: f64, extra: Option<(Variable, f64)>, op, rhs: f64| {
            constrain_as(lp, k, false, factor, extra, op, rhs)
        };
        let time = |k: usize| self.programs[k].time.max(f64::MIN_POSITIVE);
        // The median's members, pinned: gas = T / tpg, written as gas · tpg / T = 1.
        let pins: Vec<f64> = if st.held.len() == 1 { vec![self.m] } else { vec![u * self.m, (2.0 - u) * self.m] };
        for (k, tpg) in st.held.iter().zip(&pins) {
            constrain(&mut lp, *k, tpg / time(*k), None, ComparisonOp::Eq, 1.0);
        }
        let (low, high) = (pins[0], pins[pins.len() - 1]);
        // Below: tpg ≤ low ⇔ gas ≥ T / low. Above: tpg ≥ high ⇔ gas ≤ T / high.
        for k in &st.below {
            constrain(&mut lp, *k, low / time(*k), None, ComparisonOp::Ge, 1.0);
        }
        for k in &st.above {
            constrain(&mut lp, *k, high / time(*k), None, ComparisonOp::Le, 1.0);
        }
        for (k, p) in self.programs.iter().enumerate() {
            if !p.bounded(&self.settings) {
                continue;
            }
            // A scenario or probe is bounded whole, and without its once-a-call charges and their
            // time (a loop run longer pays them once).
            let forms: &[bool] = if matches!(p.kind, Kind::Scenario | Kind::Probe) && self.time_looped[k] > 0.0 {
                &[false, true]
            } else {
                &[false]
            };
            for &looped in forms {
                let time = |k: usize| if looped { self.time_looped[k] } else { time(k) };
                match (goal, beta) {
                    // tpg ≤ m / β ⇔ gas · m / T − β ≥ 0.
                    (Goal::Least, Some(b)) => {
                        constrain_as(&mut lp, k, looped, self.m / time(k), Some((b, -1.0)), ComparisonOp::Ge, 0.0)
                    }
                    // tpg ≤ bound · m ⇔ gas · bound · m / T ≥ 1.
                    (Goal::Closest { bound, .. }, _) => {
                        constrain_as(&mut lp, k, looped, bound * self.m / time(k), None, ComparisonOp::Ge, 1.0)
                    }
                    _ => unreachable!("stage 1 always has β"),
                }
            }
            if p.kind == Kind::Reference {
                // tpg ≥ floor · m ⇔ gas · floor · m / T ≤ 1.
                constrain(&mut lp, k, self.settings.floor * self.m / time(k), None, ComparisonOp::Le, 1.0);
            }
        }
        // No operator class below `simple`.
        if let Some(s) = self.free.iter().position(|t| *t == Term::Op(OpClass::Simple)) {
            for (i, t) in self.free.iter().enumerate() {
                if matches!(t, Term::Op(c) if *c != OpClass::Simple) {
                    lp.add_constraint(
                        [(xs[i], self.scale[i]), (xs[s], -self.scale[s])].as_slice(),
                        ComparisonOp::Ge,
                        0.0,
                    );
                }
            }
        }
        // Stage 2: with q_t = p_t / r_t, d_t ≥ q_t − 1 (above the reference) and d_t ≥ −ln q_t
        // (below it, by its tangents at q = 2^-k), minimising Σ d_t.
        if let Goal::Closest { reference, .. } = goal {
            for (i, r) in reference.iter().enumerate() {
                let d = lp.add_var(1.0, (0.0, f64::INFINITY));
                let c = self.scale[i] / r;
                lp.add_constraint([(xs[i], c), (d, -1.0)].as_slice(), ComparisonOp::Le, 1.0);
                for q0 in TANGENTS {
                    // −ln q ≥ −ln q0 − (q − q0) / q0 ⇔ d + q / q0 ≥ 1 − ln q0.
                    lp.add_constraint([(xs[i], c / q0), (d, 1.0)].as_slice(), ComparisonOp::Ge, 1.0 - q0.ln());
                }
            }
        }
        match lp.solve() {
            Ok(outcome) => {
                let solution = outcome.into_solution().map_err(|e| format!("linear program interrupted: {e:?}"))?;
                let x: Vec<f64> = xs.iter().map(|x| solution.var_value(*x)).collect();
                let value = match beta {
                    Some(b) => solution.var_value(b),
                    None => solution.objective(),
                };
                Ok(Some((x, value)))
            }
            Err(microlp::Error::Infeasible) => Ok(None),
            Err(e) => Err(format!("linear program ({}, u = {u}): {e}", st.describe(self.programs, u))),
        }
    }
}

/// The values of `u` a structure is tried at: 1 for a single median; else a grid from 1 down to
/// the floor, and the pair's own proportion at the defaults (`at_defaults`, each member's time
/// per gas there): the point where rule v2 held them, and the only one a pair whose proportion no
/// price can change (the same mix) can take.
fn grid(st: &Structure, floor: f64, at_defaults: &[f64]) -> Vec<f64> {
    if st.held.len() == 1 {
        return vec![1.0];
    }
    let (a, b) = (at_defaults[st.held[0]], at_defaults[st.held[1]]);
    let own = 2.0 * a / (a + b);
    let mut v = if own <= 1.0 && own >= floor { vec![own] } else { Vec::new() };
    let mut u = 1.0;
    while u >= floor - 1e-9 {
        v.push(u);
        u -= 0.05;
    }
    v
}

/// How many of stage 1's best points are refined and then tried in stage 2.
const KEEP: usize = 6;

/// Solves the rule. `base` prices the fixed terms and the terms no program counts, and is the
/// scale of the free ones (the defaults, each class at one price); `fixed` are the terms priced
/// elsewhere; `reference(term, bound)` is the price stage 2 stays near.
pub fn solve(
    programs: &[Program],
    base: &Params,
    fixed: &[Term],
    fitted: &BTreeMap<Term, f64>,
    reference: &dyn Fn(Term, f64) -> f64,
    settings: Settings,
) -> Result<Minimax, String> {
    let free = free_terms(programs, base, fixed);
    let references: Vec<usize> = (0..programs.len()).filter(|i| programs[*i].kind == Kind::Reference).collect();
    if references.is_empty() {
        return Err("no reference baseline".into());
    }
    let (m, ratios_default) = ratios_at_defaults(programs);
    let setup = Setup {
        programs,
        scale: free.iter().map(|t| t.get(base) as f64).collect(),
        fixed_gas: programs
            .iter()
            .map(|p| p.gas_with(|t| if free.contains(&t) { 0.0 } else { t.get(base) as f64 }))
            .collect(),
        fixed_looped: programs
            .iter()
            .map(|p| p.gas_with(|t| if free.contains(&t) || once_a_call(t) { 0.0 } else { t.get(base) as f64 }))
            .collect(),
        time_looped: programs
            .iter()
            .map(|p| {
                let once = p.gas_with(|t| if once_a_call(t) { t.get(base) as f64 } else { 0.0 });
                let rest = p.time - once * m;
                if rest > 0.1 * p.time {
                    rest
                } else {
                    0.0
                }
            })
            .collect(),
        // An operator class is never priced below `simple`, so its anchor is never below
        // `simple`'s fit either (else the band and that floor could not both hold).
        fits: free
            .iter()
            .map(|t| {
                let simple = fitted.get(&Term::Op(OpClass::Simple)).copied().filter(|f| *f > 0.0);
                match (t, fitted.get(t).copied(), simple) {
                    (Term::Op(c), Some(f), Some(s)) if *c != OpClass::Simple => Some(f.max(s)),
                    (_, f, _) => f,
                }
            })
            .collect(),
        free,
        m,
        settings,
    };
    // Stage 1: every structure at every grid point, then the best refined.
    let all = structures(&references);
    let mut points: Vec<(usize, f64, f64)> = Vec::new(); // (structure, u, β)
    for (i, st) in all.iter().enumerate() {
        for u in grid(st, settings.floor, &ratios_default) {
            // At u = 1 the order of a middle pair does not matter: only one of each pair is tried.
            if st.held.len() == 2 && u == 1.0 && st.held[0] > st.held[1] {
                continue;
            }
            if let Some((_, beta)) = setup.solve(st, u, &Goal::Least)? {
                points.push((i, u, beta));
            }
        }
    }
    if points.is_empty() {
        return Err("no structure of the median has a solution".into());
    }
    points.sort_by(|a, b| b.2.total_cmp(&a.2));
    let mut best: Vec<(usize, f64, f64)> = Vec::new();
    for &(i, u, beta) in points.iter() {
        if best.iter().any(|b| b.0 == i) {
            continue;
        }
        if best.len() == KEEP {
            break;
        }
        let (u, beta) = if all[i].held.len() == 1 { (u, beta) } else { refine(&setup, &all[i], u, beta)? };
        best.push((i, u, beta));
    }
    best.sort_by(|a, b| b.2.total_cmp(&a.2));
    let optimum = 1.0 / best[0].2;
    // Stage 2: the prices closest to the reference, at the held bound.
    let held_bound = (optimum * settings.slack).min(settings.cap.max(optimum));
    let reference: Vec<f64> = setup.free.iter().map(|t| reference(*t, held_bound).max(1.0)).collect();
    let mut answer: Option<(usize, f64, Vec<f64>, f64)> = None;
    for &(i, u, beta) in &best {
        if 1.0 / beta > held_bound {
            continue;
        }
        let goal = Goal::Closest { bound: held_bound, reference: &reference };
        if let Some((x, deviation)) = setup.solve(&all[i], u, &goal)? {
            if answer.as_ref().is_none_or(|a| deviation < a.3) {
                answer = Some((i, u, x, deviation));
            }
        }
    }
    let (i, u, x, deviation) = answer.ok_or("stage 2 found no prices at the held bound")?;
    let exact: BTreeMap<Term, f64> =
        setup.free.iter().zip(&x).zip(&setup.scale).map(|((t, x), s)| (*t, x * s)).collect();
    let (params, study) = rounded(base, &setup.free, &exact);
    let price = |t: Term| study.get(&t).copied().unwrap_or_else(|| t.get(&params)) as f64;
    let (median, ratios) = ratios_of(programs, |p| p.gas_with(price));
    let max = largest(programs, price, &settings);
    Ok(Minimax {
        params,
        study,
        exact,
        pivot: all[i].describe(programs, u),
        bound: optimum,
        held_bound,
        deviation,
        median: median / m,
        ratios,
        max,
        pivots: best
            .iter()
            .map(|(i, u, beta)| (all[*i].describe(programs, *u), Some((1.0 / beta, 1.0 / beta))))
            .collect(),
        settings,
    })
}

/// Golden-section search for the `u` of a two-member median that maximises `β`, within 0.05 of
/// the grid's best `u`, to 0.001.
fn refine(setup: &Setup<'_>, st: &Structure, u0: f64, beta0: f64) -> Result<(f64, f64), String> {
    let at =
        |u: f64| -> Result<f64, String> { Ok(setup.solve(st, u, &Goal::Least)?.map_or(f64::NEG_INFINITY, |(_, b)| b)) };
    let (mut lo, mut hi) = ((u0 - 0.05).max(setup.settings.floor), (u0 + 0.05).min(1.0));
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fc, mut fd) = (at(c)?, at(d)?);
    while hi - lo > 1e-3 {
        if fc >= fd {
            hi = d;
            (d, fd) = (c, fc);
            c = hi - g * (hi - lo);
            fc = at(c)?;
        } else {
            lo = c;
            (c, fc) = (d, fd);
            d = lo + g * (hi - lo);
            fd = at(d)?;
        }
    }
    Ok([(c, fc), (d, fd)].into_iter().fold((u0, beta0), |a, b| if b.1 > a.1 { b } else { a }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE: Term = Term::Op(OpClass::Simple);
    const ALU: Term = Term::Op(OpClass::Alu);
    const DIV: Term = Term::Op(OpClass::IntDiv);
    const READ: Term = Term::Host(super::super::terms::HostTerm::StorageRead);
    const LOCALS: Term = Term::PerLocal;

    fn program(name: &str, kind: Kind, time: f64, counts: &[(Term, f64)]) -> Program {
        let mut p =
            Program { name: name.into(), kind, time, counts: counts.iter().copied().collect(), gas_default: 0.0 };
        p.gas_default = p.gas(&base());
        p
    }

    /// Base prices: every free term at 1000 (a scale only; the answer does not depend on it).
    fn base() -> Params {
        let mut p = Params::default();
        for t in [SIMPLE, ALU, DIV, READ, LOCALS] {
            t.set(&mut p, 1000);
        }
        p
    }

    /// Stage 2 at the optimum itself, near the base prices, with the floor at `floor`.
    fn solve_with(programs: &[Program], fixed: &[Term], floor: f64) -> Minimax {
        let settings = Settings { floor, slack: 1.0, cap: 3.0, band: None, bound_probes: true };
        solve(programs, &base(), fixed, &BTreeMap::new(), &|t, _| t.get(&base()) as f64, settings).unwrap()
    }

    fn ratio_of(m: &Minimax, programs: &[Program], name: &str) -> f64 {
        m.ratios[programs.iter().position(|p| p.name == name).unwrap()]
    }

    #[test]
    fn a_term_no_reference_pays_is_priced_to_run_at_the_optimum_a_reference_term_sets() {
        // Reference: 1000 simple ops in 1e6 units (1 unit per gas at simple = 1000). A loop of
        // 1000 simple ops taking 2e6 runs at 2× whatever simple costs (the only reference is
        // the median, pinned): the optimum is 2. A storage read taking 2e7 units runs within 2×
        // from 10,000 gas on, and stage 2 takes the price nearest its reference (1000) there.
        let programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("slow-loop", Kind::Scenario, 2_000_000.0, &[(SIMPLE, 1000.0)]),
            program("read", Kind::Scenario, 20_000_000.0, &[(READ, 1000.0)]),
        ];
        let m = solve_with(&programs, &[], 0.5);
        assert!((m.bound - 2.0).abs() < 1e-6, "{}", m.bound);
        assert_eq!(READ.get(&m.params), 10_000);
        assert_eq!(SIMPLE.get(&m.params), 1000, "the median keeps its gas: the unit");
        assert!((m.max - 2.0).abs() < 1e-6, "{}", m.max);
        assert!((m.median - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_shared_term_is_priced_for_the_program_that_needs_it_most() {
        // As above, the optimum is 1.5 (a simple loop 1.5× slower than the reference). Scenario
        // A: 1000 ALU ops in 9e6 needs alu ≥ 6000 to stay within 1.5×; B: 1000 ALU and 1000
        // simple ops in 2e6 needs only alu ≥ 333. The nearest price to 1000 at the optimum is
        // 6000, where B runs at 2e6 / 7e6 ≈ 0.29×.
        let programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("slow-loop", Kind::Scenario, 1_500_000.0, &[(SIMPLE, 1000.0)]),
            program("a", Kind::Scenario, 9_000_000.0, &[(ALU, 1000.0)]),
            program("b", Kind::Scenario, 2_000_000.0, &[(ALU, 1000.0), (SIMPLE, 1000.0)]),
        ];
        let m = solve_with(&programs, &[], 0.5);
        assert_eq!(ALU.get(&m.params), 6000);
        assert!((ratio_of(&m, &programs, "a") - 1.5).abs() < 1e-3);
        assert!((ratio_of(&m, &programs, "b") - 2.0 / 7.0).abs() < 1e-3);
    }

    #[test]
    fn no_operator_class_is_priced_below_simple_and_a_fixed_term_keeps_its_price() {
        // A division loop needing only 334 gas a division, with a reference price of 200, still
        // costs simple's 1000; the storage reads are fixed at 1000 whatever they take.
        let programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("slow-loop", Kind::Scenario, 3_000_000.0, &[(SIMPLE, 1000.0)]),
            program("div", Kind::Scenario, 1_000_000.0, &[(DIV, 1000.0)]),
            program("read", Kind::Scenario, 5_000_000.0, &[(READ, 1000.0)]),
        ];
        let settings = Settings { floor: 0.5, slack: 1.0, cap: 3.0, band: None, bound_probes: true };
        let reference = |t: Term, _| if t == DIV { 200.0 } else { 1000.0 };
        let m = solve(&programs, &base(), &[READ], &BTreeMap::new(), &reference, settings).unwrap();
        assert!((m.bound - 5.0).abs() < 1e-6, "the fixed read binds: {}", m.bound);
        assert!((m.held_bound - 5.0).abs() < 1e-6, "over the cap, stage 2 holds the optimum: {}", m.held_bound);
        assert_eq!(DIV.get(&m.params), 1000);
        assert_eq!(READ.get(&m.params), 1000);
    }

    #[test]
    fn the_median_reference_runs_at_the_defaults_median() {
        // (`per_local` rather than a class, which could not go below `simple`.)
        // Three references at base prices 1000: r1 (simple) at 1 unit per gas, r2 (per-local)
        // at 2, r3 (simple) at 3; the median is 2. A simple loop runs at 3 units per gas at
        // simple = 1000; a scenario of 1000 locals and 1000 storage reads (fixed at 1000) takes
        // 1e7. With r1 as the median (simple = 500) r3 runs at 3×; with r3 (simple = 1500) r1
        // falls to 1/3, below the floor; so r2 is the median, keeps per_local = 1000, and the
        // scenario runs at 1e7 / 2e6 / 2 = 2.5×: the optimum.
        let programs = vec![
            program("r1", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("r2", Kind::Reference, 2_000_000.0, &[(LOCALS, 1000.0)]),
            program("r3", Kind::Reference, 3_000_000.0, &[(SIMPLE, 1000.0)]),
            program("loop", Kind::Scenario, 3_000_000.0, &[(SIMPLE, 1000.0)]),
            program("s", Kind::Scenario, 10_000_000.0, &[(LOCALS, 1000.0), (READ, 1000.0)]),
        ];
        let m = solve_with(&programs, &[READ], 0.5);
        assert_eq!(READ.get(&m.params), 1000, "fixed");
        assert!((m.bound - 2.5).abs() < 1e-6, "{}", m.bound);
        assert!((m.max - 2.5).abs() < 1e-3, "{}", m.max);
        assert!((m.median - 1.0).abs() < 1e-9, "{}", m.median);
        assert_eq!(LOCALS.get(&m.params), 1000);
        assert!(m.pivot.starts_with("median `r2`"), "{}", m.pivot);
        let (_, ratios) = ratios(&programs, &m.params);
        assert_eq!(ratios, m.ratios);
    }

    #[test]
    fn a_reference_may_fall_below_the_median_down_to_the_floor() {
        // The defaults' median reference r2 (ALU only, 2 units per gas) has the mix of a
        // scenario 4× slower (its branches mispredict, say): holding r2 at the median would set
        // the optimum at 4. It may fall below the median instead, to the floor: alu up to 2000
        // at floor 0.5 (r2 at 1, half the median), so the scenario runs at 8e6 / 2e6 / 2 = 2×;
        // at floor 0.25, alu up to 4000 and the scenario at 1×. Either way another reference
        // takes the median and the unit stays.
        let programs = vec![
            program("r1", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("r2", Kind::Reference, 2_000_000.0, &[(ALU, 1000.0)]),
            program("r3", Kind::Reference, 3_000_000.0, &[(LOCALS, 1000.0)]),
            program("twin", Kind::Scenario, 8_000_000.0, &[(ALU, 1000.0)]),
        ];
        let m = solve_with(&programs, &[], 0.5);
        assert!((m.bound - 2.0).abs() < 1e-6, "{}", m.bound);
        assert_eq!(ALU.get(&m.params), 2000);
        assert!((ratio_of(&m, &programs, "r2") - 0.5).abs() < 1e-6);
        assert!((m.median - 1.0).abs() < 1e-9, "{}", m.median);
        let m = solve_with(&programs, &[], 0.25);
        assert!((m.bound - 1.0).abs() < 1e-6, "{}", m.bound);
        assert_eq!(ALU.get(&m.params), 4000);
        assert!((m.median - 1.0).abs() < 1e-9, "{}", m.median);
    }

    #[test]
    fn half_the_other_references_go_below_the_median() {
        assert_eq!(splits(2), vec![0b01, 0b10]);
        assert_eq!(splits(0), vec![0]);
        assert_eq!(splits(4).len(), 6);
        // Three references: each the median, one of the two others below it.
        assert_eq!(structures(&[0, 1, 2]).len(), 6);
        // Four: each ordered middle pair, one of the two others below.
        assert_eq!(structures(&[0, 1, 2, 3]).len(), 24);
    }

    #[test]
    fn with_an_even_number_of_references_the_median_is_the_middle_pair_s_mean() {
        // Four references at 1, 2, 3, 4 units per gas (read, simple, alu, per-local): the median
        // is 2.5. A simple loop at 6 units per gas needs simple as high as the floor lets r2 go:
        // r2 at 1.25 (half the median), simple = 1600, the loop at 6000 / 1600 / 2.5 = 1.5×. The
        // other three take the median at 2.5 between them, so the unit stays.
        let programs = vec![
            program("r1", Kind::Reference, 1_000_000.0, &[(READ, 1000.0)]),
            program("r2", Kind::Reference, 2_000_000.0, &[(SIMPLE, 1000.0)]),
            program("r3", Kind::Reference, 3_000_000.0, &[(ALU, 1000.0)]),
            program("r4", Kind::Reference, 4_000_000.0, &[(LOCALS, 1000.0)]),
            program("loop", Kind::Scenario, 6_000_000.0, &[(SIMPLE, 1000.0)]),
            program("div", Kind::Scenario, 60_000_000.0, &[(DIV, 1000.0)]),
        ];
        let m = solve_with(&programs, &[], 0.5);
        assert!((m.bound - 1.5).abs() < 1e-6, "{}", m.bound);
        assert_eq!(SIMPLE.get(&m.params), 1600);
        // Exactly at the unrounded prices; rounding them up moves it by a few per cent.
        let (median, _) = ratios_of(&programs, |p| p.gas_with(|t| m.exact.get(&t).copied().unwrap_or(1000.0)));
        let (median_default, _) = ratios_at_defaults(&programs);
        assert!((median / median_default - 1.0).abs() < 1e-6, "{median}");
        assert!((m.median - 1.0).abs() < 0.05, "{}", m.median);
        assert!(m.max <= 1.5 * 1.05, "{}", m.max);
        let (_, ratios) = ratios(&programs, &m.params);
        assert_eq!(ratios, m.ratios);
    }

    #[test]
    fn a_middle_pair_with_a_fixed_spread_is_found_off_the_grid() {
        // Two references that pay only per-local, 3 and 4 units per gas: their ratio is fixed,
        // so the median (3.5) holds only at per_local = 1000, the lower one at u = 6/7 of it, a
        // point between the grid's: the refinement finds it, and the scenario (1000 ALU in 7e6)
        // runs at 1× with alu = 2000 (nearest to 1000 within the optimum).
        let programs = vec![
            program("r1", Kind::Reference, 3_000_000.0, &[(LOCALS, 1000.0)]),
            program("r2", Kind::Reference, 4_000_000.0, &[(LOCALS, 1000.0)]),
            program("alu", Kind::Scenario, 7_000_000.0, &[(ALU, 1000.0)]),
        ];
        let m = solve_with(&programs, &[], 0.5);
        assert_eq!(LOCALS.get(&m.params), 1000);
        assert!((m.median - 1.0).abs() < 1e-9, "{}", m.median);
        assert!((m.bound - 8.0 / 7.0).abs() < 1e-3, "r2 runs at 4 / 3.5: {}", m.bound);
    }

    #[test]
    fn stage_two_takes_the_prices_nearest_the_reference_within_the_held_bound() {
        // The optimum is 2 (the slow loop). The read needs ≥ 10,000 to stay within 2×, or
        // ≥ 10,000 / 1.5 at a held bound of 3 (slack 1.5): its reference 30,000 is kept, as it
        // is above what the bound needs; the per-local scenario's reference 5 is raised to what
        // the held bound needs (1000 locals in 3e6: 1000 gas a local at 3×). Never above the
        // cap: a slack of 2 would hold 4, and is held at 3.
        let programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("slow-loop", Kind::Scenario, 2_000_000.0, &[(SIMPLE, 1000.0)]),
            program("read", Kind::Scenario, 20_000_000.0, &[(READ, 1000.0)]),
            program("locals", Kind::Scenario, 3_000_000.0, &[(LOCALS, 1000.0)]),
        ];
        let reference = |t: Term, _| match t {
            READ => 30_000.0,
            LOCALS => 5.0,
            _ => 1000.0,
        };
        for slack in [1.5, 2.0] {
            let settings = Settings { floor: 0.5, slack, cap: 3.0, band: None, bound_probes: true };
            let m = solve(&programs, &base(), &[], &BTreeMap::new(), &reference, settings).unwrap();
            assert!((m.bound - 2.0).abs() < 1e-6, "{}", m.bound);
            assert!((m.held_bound - 3.0).abs() < 1e-9, "{}", m.held_bound);
            assert_eq!(READ.get(&m.params), 30_000);
            assert_eq!(LOCALS.get(&m.params), 1000);
            assert!((ratio_of(&m, &programs, "locals") - 3.0).abs() < 1e-6);
        }
    }

    #[test]
    fn a_once_a_call_charge_does_not_stand_in_for_a_loop() {
        // A loop of 1000 ALU ops taking 4e6 units, instantiated once (1000 gas at the base, so
        // ≈ 1000 units of its time). Whole, it is within 1× with alu = 1000 if instantiation
        // costs 3e6, which its reference (1e6) prefers over quadrupling alu; but a longer loop
        // pays instantiation once, so the loop alone must be within the bound: alu ≥ 3999.
        const INSTANTIATE: Term = Term::Host(super::super::terms::HostTerm::Instantiate);
        let mut base = base();
        INSTANTIATE.set(&mut base, 1000);
        let mut programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("loop", Kind::Scenario, 4_000_000.0, &[(ALU, 1000.0), (INSTANTIATE, 1.0)]),
        ];
        for p in &mut programs {
            p.gas_default = p.gas(&base);
        }
        let reference = |t: Term, _| if t == INSTANTIATE { 1e6 } else { 1000.0 };
        let settings = Settings { floor: 0.5, slack: 1.0, cap: 3.0, band: None, bound_probes: true };
        let m = solve(&programs, &base, &[], &BTreeMap::new(), &reference, settings).unwrap();
        assert!((m.bound - 1.0).abs() < 1e-6, "{}", m.bound);
        assert_eq!(ALU.get(&m.params), 4000);
        assert_eq!(INSTANTIATE.get(&m.params), 1_000_000);
    }

    #[test]
    fn the_band_keeps_a_term_within_its_own_worst_case_of_the_others() {
        // A loop of 1000 simple ops that also reads storage once, 4× slower than the reference
        // loop. Unbanded (rule v3), the read alone can bound it: priced at a fee of gigagas,
        // the loop runs at nothing per gas. With both terms fitted at 1000 gas a unit and a
        // band of 3, the read costs at most 3× what simple (pinned at 1000 by the median) costs
        // over its fit: 3000, and the loop stays at 4e6 / 1.003e6.
        let programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("slow", Kind::Scenario, 4_000_000.0, &[(SIMPLE, 1000.0), (READ, 1.0)]),
        ];
        let fitted: BTreeMap<Term, f64> = [(SIMPLE, 1000.0), (READ, 1000.0)].into_iter().collect();
        let reference = |t: Term, _| t.get(&base()) as f64;
        let unbanded = Settings { floor: 0.5, slack: 1.0, cap: 3.0, band: None, bound_probes: true };
        let m = solve(&programs, &base(), &[], &fitted, &reference, unbanded).unwrap();
        assert!(m.bound < 1.01, "{}", m.bound);
        assert!(READ.get(&m.params) > 1_000_000, "{}", READ.get(&m.params));
        let banded = Settings { band: Some(3.0), ..unbanded };
        let m = solve(&programs, &base(), &[], &fitted, &reference, banded).unwrap();
        assert!((m.bound - 4.0 / 1.003).abs() < 1e-6, "{}", m.bound);
        assert_eq!(READ.get(&m.params), 3000);
        assert_eq!(SIMPLE.get(&m.params), 1000);
    }

    #[test]
    fn a_term_whose_fit_is_not_positive_is_held_at_one() {
        // The read's fit says the other terms already pay for it: with the band, it costs 1.
        let programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("read", Kind::Scenario, 1_000_000.0, &[(SIMPLE, 1000.0), (READ, 10.0)]),
        ];
        let fitted: BTreeMap<Term, f64> = [(SIMPLE, 1000.0), (READ, -50.0)].into_iter().collect();
        let settings = Settings { floor: 0.5, slack: 1.0, cap: 3.0, band: Some(3.0), bound_probes: false };
        let m = solve(&programs, &base(), &[], &fitted, &|t, _| t.get(&base()) as f64, settings).unwrap();
        assert_eq!(READ.get(&m.params), 1);
        // An operator class with such a fit costs what `simple` does.
        let programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("div", Kind::Scenario, 1_000_000.0, &[(SIMPLE, 1000.0), (DIV, 10.0)]),
        ];
        let fitted: BTreeMap<Term, f64> = [(SIMPLE, 1000.0), (DIV, -50.0)].into_iter().collect();
        let m = solve(&programs, &base(), &[], &fitted, &|t, _| t.get(&base()) as f64, settings).unwrap();
        assert!(DIV.get(&m.params) >= SIMPLE.get(&m.params));
        assert!(DIV.get(&m.params) <= 3 * SIMPLE.get(&m.params), "anchored at simple's fit: {}", DIV.get(&m.params));
        // Without a fit for `simple`, it costs what `simple` does.
        let fitted: BTreeMap<Term, f64> = [(DIV, -50.0)].into_iter().collect();
        let m = solve(&programs, &base(), &[], &fitted, &|t, _| t.get(&base()) as f64, settings).unwrap();
        assert_eq!(DIV.get(&m.params), SIMPLE.get(&m.params));
    }

    #[test]
    fn probes_bind_only_when_they_are_bounded() {
        // A probe of ALU ops 6× slower per gas than the reference; the scenario of ALU ops 2×.
        // Bounded (rule v3) the probe sets the optimum at its ratio; not bounded (rule v4), the
        // scenario does, and the probe's ratio is still reported.
        let programs = vec![
            program("ref", Kind::Reference, 1_000_000.0, &[(SIMPLE, 1000.0)]),
            program("scenario", Kind::Scenario, 2_000_000.0, &[(ALU, 1000.0), (SIMPLE, 1000.0)]),
            program("probe", Kind::Probe, 6_000_000.0, &[(ALU, 1000.0)]),
        ];
        let fitted: BTreeMap<Term, f64> = [(SIMPLE, 1000.0), (ALU, 1000.0)].into_iter().collect();
        let reference = |t: Term, _| t.get(&base()) as f64;
        let v4 = Settings { floor: 0.5, slack: 1.0, cap: 3.0, band: Some(3.0), bound_probes: false };
        let m = solve(&programs, &base(), &[], &fitted, &reference, v4).unwrap();
        // ALU up to 3000 (the band): the scenario at 2e6 / 4e6 = 0.5×, the reference at 1×.
        assert!((m.bound - 1.0).abs() < 1e-6, "{}", m.bound);
        assert!(ratio_of(&m, &programs, "probe") > 1.9, "{}", ratio_of(&m, &programs, "probe"));
        let v3 = Settings { bound_probes: true, ..v4 };
        let m = solve(&programs, &base(), &[], &fitted, &reference, v3).unwrap();
        assert!((m.bound - 2.0).abs() < 1e-6, "the probe at 6e6 / 3e6: {}", m.bound);
    }
}
