//! The calibration run: every probe in order, timed and counted; each probe's fit turned into a
//! price candidate; each term fitted once its last probe is in; ordinary code timed and its
//! terms counted; the proposal solved by the rule of [`feasible`](super::feasible).
//!
//! **Fitting.** Every term is first fitted at 1 ns per 1000 gas on the machine that runs the
//! calibration: a probe's response at a point is `1000 · ns − (the gas of every other term at
//! the prices fitted so far)`, in gas, and the fit's slope against the count of the probe's term
//! is that term's fitted price (for a term charged once per run, such as `deploy`, the
//! intercept corrected to pay for the smallest size, its worst case). A term measured by several
//! probes (the members of an operator class, a storage price on both backends) takes the
//! largest. While fitting, later probes see earlier terms at their fitted prices (rounded to two
//! significant digits, no class below `simple`, nothing below 1).
//!
//! **Proposing.** The proposal is the pricing rule's ([`minimax`](super::minimax), rule v4):
//! the least largest ratio of a complete program's time per gas (the time-per-gas suite's
//! scenarios and baselines given by `--suite`; every probe at its smallest and largest size is
//! counted and reported, not bounded), every term within a band of its own fitted worst case, to the reference baselines' true median, held at the defaults' median; then, at
//! that bound, the prices nearest each term's fitted worst case ([`stage_two_reference`]); the
//! code-loading and deploy terms ([`PREPARED_CODE_TERMS`]) are fixed inputs. Rule v1 ([`feasible::solve`](super::feasible::solve)) still runs for the report's
//! feasibility figures; its prices are the proposal only if the pricing rule cannot run.

use std::collections::BTreeMap;
use std::time::Instant;

use tally_host_env::Params;

use super::feasible::{self, Solution, Workload};
use super::fit::{fit_line, round_price, round_price_up, Fit};
use super::measure::{count_probe, gas_at, time_probe, Plan, Reference};
use super::minimax::{self, Kind, Minimax, Program};
use super::probe::{Ctx, Probe, Series};
use super::programs::{self, LeftOut};
use super::terms::{DynTerm, HostTerm, OpClass, Term};
use super::Scale;

/// How to run the calibration.
#[derive(Clone)]
pub struct Options {
    /// Sizes.
    pub scale: Scale,
    /// Rounds per probe.
    pub plan: Plan,
    /// Measure recorded executions (`Runtime::call_recorded`).
    pub recorded: bool,
    /// Only the probes whose name contains one of these (all when empty); the other terms keep
    /// their default prices.
    pub filters: Vec<String>,
    /// The guest programs' module, for the ordinary-code check (skipped without it).
    pub guests: Option<Vec<u8>>,
    /// A time-per-gas suite run at the defaults (`time-per-gas --json`): its scenarios and
    /// baselines join the programs the pricing rule bounds ([`minimax`](super::minimax)).
    pub suite: Option<Vec<crate::tpg::Row>>,
    /// The SDK example token's code, for the suite's token-transfer baselines.
    pub token: Option<Vec<u8>>,
    /// A file of counts taken before ([`programs::Counts`]): read if it exists, written after.
    pub counts: Option<std::path::PathBuf>,
    /// Called with a line of progress.
    pub progress: fn(&str),
}

/// The terms the prepared-code measurement prices (code loading and deploy): fixed inputs of
/// the rule at their default prices, not fitted here.
pub const PREPARED_CODE_TERMS: [Term; 8] = [
    Term::Host(HostTerm::Load),
    Term::Host(HostTerm::LoadCodeByte),
    Term::Host(HostTerm::LoadFunction),
    Term::Host(HostTerm::LoadLocal),
    Term::Host(HostTerm::LoadGlobal),
    Term::Host(HostTerm::LoadBrTableTarget),
    Term::Host(HostTerm::Deploy),
    Term::Host(HostTerm::DeployCodeByte),
];

/// The terms no probe fits yet: carried in calibration files and held at their input price by
/// the rule. `dynamic.memory_access_per_page_above` (schedule version 5) prices loads and stores
/// per page above `memory_access_threshold_pages`; fitting it needs the memory-access series
/// fitted in two pieces, about the threshold.
pub const UNFITTED_TERMS: [Term; 1] = [Term::Dyn(DynTerm::MemoryAccessPerPageAbove)];

/// What the pricing rule (rule v4) was given and gave.
pub struct Rule {
    /// The programs it bounded, and the baselines.
    pub programs: Vec<Program>,
    /// The programs it left out, with why.
    pub left_out: Vec<LeftOut>,
    /// Its answer.
    pub answer: Minimax,
    /// Whether the suite's scenarios were among the programs.
    pub with_suite: bool,
    /// Each fitted term's worst case (gas per unit at 1 ns per 1000 gas): stage 2's reference.
    pub fitted: BTreeMap<Term, f64>,
    /// Ordinary code's median ns per 1000 gas at the defaults.
    pub median_ns: f64,
}

/// One point of a probe.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// The probe's size.
    pub x: u32,
    /// Median CPU time (drift-corrected), in nanoseconds.
    pub ns: f64,
    /// Median wall time, in nanoseconds.
    pub wall_ns: f64,
    /// Gas under the default prices.
    pub gas_default: u64,
    /// The count of the probe's slope term (the fit's `x`).
    pub count: f64,
    /// Gas of the other terms, at the prices fitted before the probe.
    pub other_gas: f64,
    /// `1000 · ns − other_gas` (the fit's `y`).
    pub response: f64,
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// The probe's name.
    pub name: String,
    /// Its slope term.
    pub slope: Term,
    /// Its fixed term.
    pub fixed: Option<Term>,
    /// Its series point, if it feeds one.
    pub series: Option<(Series, u32)>,
    /// Why it prices nothing, if it is a check.
    pub check_only: Option<&'static str>,
    /// Its worst-case input.
    pub input: String,
    /// What `x` counts.
    pub x_name: String,
    /// Rounds per point.
    pub rounds: u32,
    /// The points.
    pub points: Vec<PointResult>,
    /// The fit of the response against the count, or why there is none.
    pub fit: Result<Fit, String>,
    /// The price the slope gives (gas per unit).
    pub slope_price: Option<f64>,
    /// The price the intercept gives the fixed term.
    pub fixed_price: Option<f64>,
    /// Set when the terms not yet calibrated did not charge the same at every size.
    pub pending_varies: Option<String>,
    /// The largest point's ns per 1000 gas under the default and the proposed prices (a cached
    /// load's charges left out).
    pub per_kgas: Option<(f64, f64)>,
}

/// What one term got.
#[derive(Debug, Clone, PartialEq)]
pub struct TermResult {
    /// The term.
    pub term: Term,
    /// Its default price (lowest and highest over a class's members).
    pub current: (u64, u64),
    /// Every probe's price for it, with the probe's name.
    pub candidates: Vec<(String, f64)>,
    /// The largest candidate.
    pub fitted: Option<f64>,
    /// The proposed price.
    pub proposed: u64,
    /// Whether a floor (the `simple` class, or 1) set the proposed price.
    pub floored: bool,
    /// Its worst case over ordinary code's median time per gas, at the defaults and under the
    /// proposal (`None` without a positive fit).
    pub ratios: (Option<f64>, Option<f64>),
}

/// The memory-access series: a dependent load's price at each memory size.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesResult {
    /// (pages, gas per load) per probe.
    pub points: Vec<(u32, f64)>,
    /// Their fit: intercept the load's price, slope the price per page.
    pub fit: Result<Fit, String>,
}

/// Ordinary code under the default and the proposed prices.
#[derive(Debug, Clone, PartialEq)]
pub struct OrdinaryRow {
    /// The workload.
    pub name: String,
    /// Median CPU time of a run, in nanoseconds.
    pub ns: f64,
    /// Gas under the defaults.
    pub gas_default: u64,
    /// Gas under the proposal.
    pub gas_proposed: u64,
}

/// A calibration's results.
pub struct Calibration {
    /// The options it ran with.
    pub scale: Scale,
    /// Whether executions were recorded.
    pub recorded: bool,
    /// The probes, in order.
    pub probes: Vec<ProbeResult>,
    /// Every term.
    pub terms: Vec<TermResult>,
    /// The memory-access series.
    pub series: Option<SeriesResult>,
    /// The proposed params (the defaults with every calibrated term replaced).
    pub proposal: Params,
    /// The reference workload's anchor time (ns), gas, and the spread of its per-round times
    /// (lowest and highest, ns).
    pub reference: (f64, u64, f64, f64),
    /// The ordinary-code check.
    pub ordinary: Vec<OrdinaryRow>,
    /// The proposal rule's solution, with the feasibility figures.
    pub solution: Solution,
    /// The pricing rule's programs and answer, or why it could not run (the proposal is then
    /// rule v1's first step).
    pub rule: Result<Rule, String>,
    /// Probes that failed, with why.
    pub failures: Vec<(String, String)>,
    /// How long the run took, in seconds.
    pub seconds: f64,
}

/// The default params with every operator class at one price (its members' highest), so that
/// raising a class raises each member by the same amount.
pub fn uniform_defaults() -> Params {
    let mut p = Params::default();
    for class in OpClass::ALL {
        let t = Term::Op(*class);
        let price = t.get(&p);
        t.set(&mut p, price);
    }
    p
}

/// The price stage 2 of the pricing rule stays near for `term` at `bound`: its fitted worst
/// case (gas per unit at 1 ns per 1000 gas) at `bound` times ordinary code's median
/// (`median_ns`, ns per 1000 gas at the defaults), or its price in `base` if it has no fit.
pub fn stage_two_reference(term: Term, bound: f64, fitted: &BTreeMap<Term, f64>, median_ns: f64, base: &Params) -> f64 {
    match fitted.get(&term) {
        Some(f) if *f > 0.0 && median_ns > 0.0 => f / (bound * median_ns),
        _ => term.get(base) as f64,
    }
}

/// Every probe, in calibration order.
pub fn all_probes(scale: Scale) -> Vec<Probe> {
    let mut all = super::ops::probes(scale);
    all.extend(super::host::probes(scale));
    all.extend(super::storage::probes(scale));
    all.extend(super::host::call_probes(scale));
    all.extend(super::code::probes(scale));
    all
}

/// The charges for loading code: of a cached load, they pay for work the cache saves.
const LOAD_TERMS: [Term; 6] = [
    Term::Host(HostTerm::Load),
    Term::Host(HostTerm::LoadCodeByte),
    Term::Host(HostTerm::LoadFunction),
    Term::Host(HostTerm::LoadLocal),
    Term::Host(HostTerm::LoadGlobal),
    Term::Host(HostTerm::LoadBrTableTarget),
];

/// The terms a probe prices.
fn estimates(probe: &Probe) -> Vec<Term> {
    if probe.check_only.is_some() {
        return Vec::new();
    }
    match probe.series {
        Some((Series::MemoryAccess, _)) => {
            vec![Term::Op(OpClass::MemoryAccess), Term::Dyn(DynTerm::MemoryAccessPerPage)]
        }
        None => probe.own_terms().into_iter().filter(|t| Some(*t) == probe.fixed || *t == probe.slope).collect(),
    }
}

/// Runs the calibration.
pub fn calibrate(options: &Options) -> Result<Calibration, String> {
    let start = Instant::now();
    let probes: Vec<Probe> = all_probes(options.scale)
        .into_iter()
        .filter(|p| options.filters.is_empty() || options.filters.iter().any(|f| p.name.contains(f.as_str())))
        .collect();
    let defaults = Params::default();
    let ctx = Ctx { params: defaults.clone(), scale: options.scale, timed: true, recorded: options.recorded };
    // The index of the last probe of every term: it is priced once that probe is in.
    let mut last: BTreeMap<Term, usize> = BTreeMap::new();
    for (i, p) in probes.iter().enumerate() {
        for t in estimates(p) {
            last.insert(t, i);
        }
    }
    let last_series = probes.iter().rposition(|p| p.series.is_some());
    let mut prices = uniform_defaults();
    let mut candidates: BTreeMap<Term, Vec<(String, f64)>> = BTreeMap::new();
    let mut series_points = Vec::new();
    let mut series = None;
    let mut results = Vec::new();
    let mut failures = Vec::new();
    let mut priced: BTreeMap<Term, (Option<f64>, u64, bool)> = BTreeMap::new();
    (options.progress)("anchoring the reference workload");
    let mut reference = Reference::new(&ctx, options.plan.min_rounds.max(3) * 3)?;
    for (i, probe) in probes.iter().enumerate() {
        (options.progress)(&format!(
            "[{}/{}, {:.0} s] {}",
            i + 1,
            probes.len(),
            start.elapsed().as_secs_f64(),
            probe.name
        ));
        // A cached load's charges pay for work the cache saves: out of the response.
        let free: &[Term] = if probe.cached_code { &LOAD_TERMS } else { &[] };
        let mut counted_at = prices.clone();
        for t in free {
            t.set(&mut counted_at, 0);
        }
        let pending: Vec<Term> = last
            .iter()
            .filter(|(t, at)| **at > i && !probe.own_terms().contains(t) && !free.contains(t))
            .map(|(t, _)| *t)
            .collect();
        match measure_probe(probe, &ctx, &counted_at, &pending, &mut reference, &options.plan) {
            Ok(result) => {
                if let (Some((Series::MemoryAccess, pages)), Some(price)) = (result.series, result.slope_price) {
                    series_points.push((pages, price));
                }
                if result.series.is_none() && result.check_only.is_none() {
                    if let Some(price) = result.slope_price {
                        candidates.entry(result.slope).or_default().push((result.name.clone(), price));
                    }
                    if let (Some(t), Some(price)) = (result.fixed, result.fixed_price) {
                        candidates.entry(t).or_default().push((format!("{} (intercept)", result.name), price));
                    }
                }
                results.push(result);
            }
            Err(e) => {
                (options.progress)(&format!("  failed: {e}"));
                failures.push((probe.name.clone(), e));
            }
        }
        if last_series == Some(i) {
            let fit = fit_line(&series_points.iter().map(|(p, g)| (f64::from(*p), *g)).collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            // The class pays for a load in the smallest memory: its price is at least that
            // chase's gas per load. The series' intercept alone is no anchor: the latency is not
            // linear in the size, and the line through 1–256 pages crossed zero (−2,334 in the
            // run of 2026-12-07, against 4,905 a load at 1 page).
            if let Some((pages, price)) = series_points.iter().min_by_key(|(p, _)| *p) {
                candidates
                    .entry(Term::Op(OpClass::MemoryAccess))
                    .or_default()
                    .push((format!("memory-access series at {pages} pages"), *price));
            }
            if let Ok(f) = &fit {
                let name = "memory-access series".to_string();
                candidates
                    .entry(Term::Op(OpClass::MemoryAccess))
                    .or_default()
                    .push((format!("{name} (intercept)"), f.intercept));
                candidates
                    .entry(Term::Dyn(DynTerm::MemoryAccessPerPage))
                    .or_default()
                    .push((format!("{name} (slope)"), f.slope));
            }
            series = Some(SeriesResult { points: series_points.clone(), fit });
        }
        for (term, _) in last.iter().filter(|(_, at)| **at == i) {
            let floor = match term {
                Term::Op(c) if *c != OpClass::Simple => Term::Op(OpClass::Simple).get(&prices),
                _ => 1,
            };
            let fitted = candidates.get(term).and_then(|c| c.iter().map(|(_, v)| *v).reduce(f64::max));
            let rounded = fitted.map_or(term.get(&prices), round_price);
            let proposed = rounded.max(floor);
            priced.insert(*term, (fitted, proposed, fitted.is_some() && proposed > rounded));
            term.set(&mut prices, proposed);
        }
    }
    (options.progress)("the ordinary-code check");
    let mut ordinary = ordinary_check(options, &ctx, &mut reference)?;
    (options.progress)("counting the terms ordinary code pays");
    let workloads = count_ordinary(options, &ctx, &ordinary)?;
    let fitted: BTreeMap<Term, f64> = priced.iter().filter_map(|(t, (f, _, _))| f.map(|f| (*t, f))).collect();
    let mut measured: Vec<f64> = ordinary.iter().map(|r| per_kgas(r.ns, r.gas_default)).collect();
    let median_default = crate::tpg::median(&mut measured);
    let solution = feasible::solve(median_default, &defaults, &fitted, &candidates, &workloads);
    (options.progress)("counting the complete programs of the pricing rule");
    let rule = complete_programs(options, &ctx, &probes, &results, &ordinary, &workloads, median_default).and_then(
        |(programs, left_out, with_suite)| {
            (options.progress)(&format!("solving the pricing rule over {} programs", programs.len()));
            let base = uniform_defaults();
            let reference = |t: Term, bound: f64| stage_two_reference(t, bound, &fitted, median_default, &base);
            let fixed: Vec<Term> = PREPARED_CODE_TERMS.iter().chain(&UNFITTED_TERMS).copied().collect();
            let answer = minimax::solve(&programs, &base, &fixed, &fitted, &reference, minimax::SETTINGS)?;
            Ok(Rule { programs, left_out, answer, with_suite, fitted: fitted.clone(), median_ns: median_default })
        },
    );
    if let Err(e) = &rule {
        (options.progress)(&format!("  the pricing rule failed: {e}"));
    }
    let proposal = match &rule {
        Ok(r) => r.answer.params.clone(),
        Err(_) => solution.proposal.clone(),
    };
    for (row, gas) in ordinary.iter_mut().zip(ordinary_gas(options, &ctx, &proposal)?) {
        row.gas_proposed = gas;
    }
    let median_proposed = feasible::median_per_kgas(&workloads, &proposal);
    let target = solution.steps.last().map_or(solution.anchor, |s| s.0);
    (options.progress)("checking every probe's largest point under the proposal");
    for (result, probe) in results.iter_mut().zip(probes.iter().filter(|p| !failures.iter().any(|f| f.0 == p.name))) {
        let Some(point) = result.points.last() else { continue };
        // As in the fits, a cached load's charges are left out.
        let (mut now, mut then) = (defaults.clone(), proposal.clone());
        if probe.cached_code {
            for t in LOAD_TERMS {
                t.set(&mut now, 0);
                t.set(&mut then, 0);
            }
        }
        if let (Ok(now), Ok(then)) = (gas_at(probe, &ctx, &now, point.x), gas_at(probe, &ctx, &then, point.x)) {
            result.per_kgas = Some((per_kgas(point.ns, now), per_kgas(point.ns, then)));
        }
    }
    let terms = Term::all()
        .into_iter()
        .map(|term| {
            let current = match term {
                Term::Op(c) => {
                    let costs: Vec<u64> =
                        super::terms::members(c).into_iter().filter_map(|op| defaults.schedule.cost(op)).collect();
                    (costs.iter().copied().min().unwrap_or(0), costs.iter().copied().max().unwrap_or(0))
                }
                _ => (term.get(&defaults), term.get(&defaults)),
            };
            let fitted_price = priced.get(&term).and_then(|p| p.0);
            let proposed = term.get(&proposal);
            let floored =
                fitted_price.is_some_and(|f| f > 0.0 && proposed > round_price_up(f / (feasible::BOUND * target)));
            let candidates = candidates.get(&term).cloned().unwrap_or_default();
            let ratios = (
                feasible::worst_ratio(term, &fitted, &defaults, median_default),
                feasible::worst_ratio(term, &fitted, &proposal, median_proposed),
            );
            TermResult { term, current, candidates, fitted: fitted_price, proposed, floored, ratios }
        })
        .collect();
    let mut history = reference.history.clone();
    history.sort_by(f64::total_cmp);
    let spread = (history.first().copied().unwrap_or(0.0), history.last().copied().unwrap_or(0.0));
    Ok(Calibration {
        scale: options.scale,
        recorded: options.recorded,
        probes: results,
        terms,
        series,
        proposal,
        reference: (reference.anchor_ns, reference.gas, spread.0, spread.1),
        ordinary,
        solution,
        rule,
        failures,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The programs of the pricing rule: the reference baselines and the scenarios (from the suite
/// run, when given; else ordinary code as timed here), and every probe at its smallest and
/// largest size as a whole program, its time in gas-at-the-median (`ns · 1000 / median`).
fn complete_programs(
    options: &Options,
    ctx: &Ctx,
    probes: &[Probe],
    results: &[ProbeResult],
    ordinary: &[OrdinaryRow],
    workloads: &[Workload],
    median_default: f64,
) -> Result<(Vec<Program>, Vec<LeftOut>, bool), String> {
    let base = uniform_defaults();
    let defaults = Params::default();
    let mut cache = match &options.counts {
        Some(path) if path.exists() => programs::Counts::from_json(
            &std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )?,
        _ => programs::Counts::default(),
    };
    let mut out = programs::Assembled::default();
    let with_suite = options.suite.is_some();
    match &options.suite {
        Some(rows) => {
            let scale = match options.scale {
                Scale::Full => crate::scenarios::Scale::Full,
                Scale::Quick => crate::scenarios::Scale::Quick,
                Scale::Tiny => crate::scenarios::Scale::Tiny,
            };
            programs::suite_programs(
                &mut out,
                &mut cache,
                rows,
                scale,
                options.guests.as_deref(),
                options.token.as_deref(),
                &base,
                &defaults,
                options.progress,
            )?;
        }
        None => {
            for (row, w) in ordinary.iter().zip(workloads) {
                out.programs.push(Program {
                    name: row.name.clone(),
                    kind: Kind::Reference,
                    time: row.ns * 1000.0 / median_default,
                    counts: w.counts.clone(),
                    gas_default: row.gas_default as f64,
                });
            }
        }
    }
    // Rule v4 bounds the suite, not the probes: counting them (≈ 10 minutes) would only list
    // their ratios, which the report's terms table gives as each term's isolated worst case.
    let probe_results = if minimax::SETTINGS.bound_probes || !with_suite { results } else { &[] };
    for result in probe_results {
        let Some(probe) = probes.iter().find(|p| p.name == result.name) else { continue };
        let (Some(first), Some(last)) = (result.points.first(), result.points.last()) else { continue };
        let points = if first.x == last.x { vec![first] } else { vec![first, last] };
        for point in points {
            let name = format!("{} (x = {})", probe.name, point.x);
            (options.progress)(&format!("  counting probe {name}"));
            let mut gas = |p: &Params| gas_at(probe, ctx, p, point.x);
            let time = point.ns * 1000.0 / median_default;
            out.add(&mut cache, name, Kind::Probe, time, point.gas_default, &mut gas, &base, &defaults);
        }
    }
    if let Some(path) = &options.counts {
        std::fs::write(path, cache.to_json()).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // A scenario or probe whose gas at the defaults is mostly code loading and deploy is priced
    // by the prepared-code measurement (those terms are fixed here): no other price can bound
    // it. The baselines stay: they are the reference.
    let mut kept = Vec::new();
    for p in out.programs {
        let share = p.gas_with(|t| if PREPARED_CODE_TERMS.contains(&t) { t.get(&defaults) as f64 } else { 0.0 })
            / p.gas(&defaults).max(1.0);
        if share >= 0.5 && matches!(p.kind, Kind::Scenario | Kind::Probe) {
            out.left_out.push(LeftOut {
                name: p.name.clone(),
                why: format!(
                    "{:.0} % of its gas is code loading and deploy: priced by the prepared-code measurement, not by \
                     this fit",
                    share * 100.0
                ),
            });
        } else {
            kept.push(p);
        }
    }
    Ok((kept, out.left_out, with_suite))
}

/// Nanoseconds per 1000 gas.
pub fn per_kgas(ns: f64, gas: u64) -> f64 {
    ns * 1000.0 / gas.max(1) as f64
}

/// Times and counts one probe and fits it.
fn measure_probe(
    probe: &Probe,
    ctx: &Ctx,
    prices: &Params,
    pending: &[Term],
    reference: &mut Reference,
    plan: &Plan,
) -> Result<ProbeResult, String> {
    let times = time_probe(probe, ctx, reference, plan)?;
    let counted = count_probe(probe, ctx, prices, pending)?;
    let own = probe.own_terms();
    let fixed_at = probe.fixed.and_then(|f| own.iter().position(|t| *t == f));
    let points: Vec<PointResult> = times
        .iter()
        .zip(&counted)
        .map(|(t, c)| PointResult {
            x: t.x,
            ns: t.ns,
            wall_ns: t.wall_ns,
            gas_default: t.gas_default,
            count: c.counts[0],
            other_gas: c.other_gas,
            response: 1000.0 * t.ns - c.other_gas,
        })
        .collect();
    let pending_varies = {
        let lo = counted.iter().map(|c| c.pending_gas).fold(f64::INFINITY, f64::min);
        let hi = counted.iter().map(|c| c.pending_gas).fold(f64::NEG_INFINITY, f64::max);
        (hi > lo).then(|| format!("the terms priced after this probe charge {lo} to {hi} gas across its sizes"))
    };
    let fit = fit_line(&points.iter().map(|p| (p.count, p.response)).collect::<Vec<_>>()).map_err(|e| e.to_string());
    let slope_price = fit.as_ref().ok().map(|f| f.slope);
    // A fixed term's worst case is the smallest size, where it weighs most: it is priced so
    // that the smallest point is paid for at the fitted slope (the line's intercept corrected by
    // that point's residual), rather than by the intercept alone, which a slight curvature among
    // the large sizes can move far from what the small one needs.
    let fixed_price = match (&fit, fixed_at, points.first(), counted.first()) {
        (Ok(f), Some(k), Some(p), Some(c)) if c.counts[k] > 0.0 => Some((p.response - f.slope * p.count) / c.counts[k]),
        _ => None,
    };
    Ok(ProbeResult {
        name: probe.name.clone(),
        slope: probe.slope,
        fixed: probe.fixed,
        series: probe.series,
        check_only: probe.check_only,
        input: probe.input.clone(),
        x_name: probe.x_name.to_string(),
        rounds: times.first().map_or(0, |t| t.rounds),
        points,
        fit,
        slope_price,
        fixed_price,
        pending_varies,
        per_kgas: None,
    })
}

/// Ordinary code timed at the default prices: the guest workloads of the time-per-gas baseline
/// set (when their module is given) and the arithmetic loop. `gas_proposed` is filled in once
/// the proposal is known.
fn ordinary_check(options: &Options, ctx: &Ctx, reference: &mut Reference) -> Result<Vec<OrdinaryRow>, String> {
    let runs = options.plan.min_rounds.max(3) * 3;
    let mut rows = Vec::new();
    let mut time = |name: String, mut run: crate::tpg::Run| -> Result<OrdinaryRow, String> {
        let mut times = Vec::new();
        let mut gas_default = 0;
        for _ in 0..runs {
            let reference_ns = reference.once()?;
            let s = run()?;
            gas_default = s.gas;
            times.push(s.cpu_ns * reference.anchor_ns / reference_ns.max(1.0));
        }
        Ok(OrdinaryRow { name, ns: crate::tpg::median(&mut times), gas_default, gas_proposed: 0 })
    };
    let defaults = Params::default();
    for (name, run) in ordinary_runs(options, ctx, &defaults)? {
        rows.push(time(name, run)?);
    }
    Ok(rows)
}

/// The ordinary workloads under `params`, each ready to run: the guests (when given) and the
/// arithmetic loop.
fn ordinary_runs(options: &Options, ctx: &Ctx, params: &Params) -> Result<Vec<(String, crate::tpg::Run)>, String> {
    let mut runs = Vec::new();
    if let Some(wasm) = &options.guests {
        let instrumented =
            tally_gas_injector::instrument(wasm, &params.schedule).map_err(|e| format!("guests: {e}"))?;
        for (export, arg) in crate::scenarios::GUEST_WORKLOADS {
            let b = crate::scenarios::guest_baseline(params, &instrumented, export, arg)?;
            runs.push((b.name, b.run));
        }
    }
    let iterations = super::probe::pick(options.scale, 100_000, 100_000, 100);
    let at = Ctx { params: params.clone(), timed: false, ..ctx.clone() };
    runs.push((
        format!("arith-loop({iterations})"),
        super::probe::warm_call(&at, crate::attacks::arith_loop(iterations))?,
    ));
    Ok(runs)
}

/// Each ordinary workload's gas under `params`.
fn ordinary_gas(options: &Options, ctx: &Ctx, params: &Params) -> Result<Vec<u64>, String> {
    ordinary_runs(options, ctx, params)?.into_iter().map(|(_, mut run)| run().map(|s| s.gas)).collect()
}

/// How many units of every term each ordinary workload pays, counted from the metering: gas is
/// linear in the prices, so raising one term by 1 (from the class-uniform defaults) raises a
/// workload's gas by its count. Fails if the counts do not add up to the gas.
fn count_ordinary(options: &Options, ctx: &Ctx, rows: &[OrdinaryRow]) -> Result<Vec<Workload>, String> {
    let base = uniform_defaults();
    let base_gas = ordinary_gas(options, ctx, &base)?;
    let mut workloads: Vec<Workload> =
        rows.iter().map(|r| Workload { name: r.name.clone(), ns: r.ns, counts: BTreeMap::new() }).collect();
    for term in Term::all() {
        let mut raised = base.clone();
        term.set(&mut raised, term.get(&base) + 1);
        for (w, (gas, before)) in
            workloads.iter_mut().zip(ordinary_gas(options, ctx, &raised)?.into_iter().zip(&base_gas))
        {
            let count = gas
                .checked_sub(*before)
                .ok_or_else(|| format!("{}: raising {} lowered its gas", w.name, term.name()))?;
            if count > 0 {
                w.counts.insert(term, count as f64);
            }
        }
    }
    for (w, gas) in workloads.iter().zip(&base_gas) {
        let counted = w.gas(&base);
        if (counted - *gas as f64).abs() > 0.5 {
            return Err(format!("{}: its counted terms charge {counted} gas, the metering {gas}", w.name));
        }
    }
    Ok(workloads)
}
