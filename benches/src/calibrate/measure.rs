//! Measuring a probe: its time at every size (paired, alternating rounds against a reference
//! workload, thread CPU time, medians), and what the metering charges at every size (exact
//! counts, from runs under perturbed prices).
//!
//! **Time.** Every round runs the reference workload once and then every point of the probe
//! once, in alternating order (forward, then backward), so the points of a round see the same
//! machine. Each run's CPU time (`CLOCK_THREAD_CPUTIME_ID`, [`timed`](crate::tpg::timed)) is
//! scaled by `anchor / reference time of its round`, where the anchor is the reference's median
//! over the whole calibration: this keeps the absolute scale (nanoseconds on this machine) and
//! removes the drift of the machine's speed between rounds. A point's time is the median over
//! rounds.
//!
//! **Gas.** Gas is linear in the prices. So running a point once under the prices `P` and once
//! under `P` with term `t` raised by `δ` gives `t`'s count exactly (the difference over `δ`), and
//! the gas of everything else is `gas(P) − Σ count · price` over the probe's own terms. One more
//! run, with every term not yet calibrated raised (each by a different amount), checks that
//! those terms are the same at every size: their gas then lands in the fit's intercept, and the
//! probe does not depend on prices calibrated after it.

use tally_host_env::Params;

use super::probe::{Ctx, Probe};
use super::terms::Term;
use crate::tpg::{median, Run, Sample};

/// How many rounds to measure a probe for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Rounds are added until they would take about this long (estimated from the warm-up).
    pub target_secs: f64,
    /// Fewest rounds.
    pub min_rounds: u32,
    /// Most rounds.
    pub max_rounds: u32,
}

impl Plan {
    /// The calibration run: about 2 s per probe, 11 to 61 rounds (about 5 minutes in all).
    pub const FULL: Plan = Plan { target_secs: 2.0, min_rounds: 11, max_rounds: 61 };
    /// A smoke run.
    pub const QUICK: Plan = Plan { target_secs: 0.1, min_rounds: 3, max_rounds: 3 };
    /// One round (tests: the pipeline, not the numbers).
    pub const ONCE: Plan = Plan { target_secs: 0.0, min_rounds: 1, max_rounds: 1 };

    fn rounds(&self, round_ns: f64) -> u32 {
        let wanted = (self.target_secs * 1e9 / round_ns.max(1.0)).floor();
        (wanted.min(f64::from(self.max_rounds)) as u32).max(self.min_rounds)
    }
}

/// The reference workload every round starts with: an `i64` arithmetic loop called through the
/// `Runtime` (the time-per-gas suite's `arith-loop`).
pub struct Reference {
    run: Run,
    /// The median CPU time of one run over the anchor runs, in nanoseconds.
    pub anchor_ns: f64,
    /// Its gas, under the default prices.
    pub gas: u64,
    /// Every round's reference time, in order, for the report's drift figures.
    pub history: Vec<f64>,
}

impl Reference {
    /// Builds the reference and anchors it on `runs` runs.
    pub fn new(ctx: &Ctx, runs: u32) -> Result<Reference, String> {
        let iterations = super::probe::pick(ctx.scale, 100_000, 100_000, 100);
        let mut run = super::probe::warm_call(ctx, crate::attacks::arith_loop(iterations))?;
        run()?;
        let mut times = Vec::new();
        let mut gas = 0;
        for _ in 0..runs.max(1) {
            let s = run()?;
            gas = s.gas;
            times.push(s.cpu_ns);
        }
        Ok(Reference { run, anchor_ns: median(&mut times), gas, history: Vec::new() })
    }

    /// One run; its CPU time (also kept in the history).
    pub fn once(&mut self) -> Result<f64, String> {
        let t = (self.run)().map_err(|e| format!("reference: {e}"))?.cpu_ns;
        self.history.push(t);
        Ok(t)
    }
}

/// A point's measured time.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed {
    /// The probe's size.
    pub x: u32,
    /// Median over rounds of the drift-corrected CPU time, in nanoseconds.
    pub ns: f64,
    /// Median wall time (uncorrected), in nanoseconds.
    pub wall_ns: f64,
    /// Gas of a run under the default prices.
    pub gas_default: u64,
    /// Rounds measured.
    pub rounds: u32,
}

/// Times every point of `probe` under `ctx` (whose params must be the defaults).
pub fn time_probe(probe: &Probe, ctx: &Ctx, reference: &mut Reference, plan: &Plan) -> Result<Vec<Timed>, String> {
    let mut runs: Vec<Run> = probe
        .xs
        .iter()
        .map(|x| (probe.build)(ctx, *x).map_err(|e| format!("x = {x}: {e}")))
        .collect::<Result<_, _>>()?;
    let mut last: Vec<Sample> = Vec::new();
    for (run, x) in runs.iter_mut().zip(&probe.xs) {
        run().map_err(|e| format!("x = {x}: {e}"))?;
        last.push(run().map_err(|e| format!("x = {x}: {e}"))?);
    }
    let round_ns = last.iter().map(|s| s.ns).sum::<f64>() + reference.anchor_ns;
    let rounds = plan.rounds(round_ns);
    let n = runs.len();
    let mut cpu = vec![Vec::new(); n];
    let mut wall = vec![Vec::new(); n];
    for round in 0..rounds {
        let reference_ns = reference.once()?;
        let scale = reference.anchor_ns / reference_ns.max(1.0);
        for k in 0..n {
            let k = if round % 2 == 0 { k } else { n - 1 - k };
            let s = (runs[k])().map_err(|e| format!("x = {}: {e}", probe.xs[k]))?;
            cpu[k].push(s.cpu_ns * scale);
            wall[k].push(s.ns);
        }
    }
    Ok((0..n)
        .map(|k| Timed {
            x: probe.xs[k],
            ns: median(&mut cpu[k]),
            wall_ns: median(&mut wall[k]),
            gas_default: last[k].gas,
            rounds,
        })
        .collect())
}

/// What the metering charges at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    /// Gas under the prices counted at.
    pub gas: u64,
    /// How many units of each of the probe's own terms it charges (in [`Probe::own_terms`]'s
    /// order).
    pub counts: Vec<f64>,
    /// The gas of every other term.
    pub other_gas: f64,
    /// The gas that the terms not yet calibrated add when raised (see the module doc).
    pub pending_gas: f64,
}

/// The gas of one run of `probe` at `x` under `params`.
pub fn gas_at(probe: &Probe, ctx: &Ctx, params: &Params, x: u32) -> Result<u64, String> {
    let ctx = Ctx { params: params.clone(), timed: false, ..ctx.clone() };
    let mut run = (probe.build)(&ctx, x).map_err(|e| format!("x = {x}: {e}"))?;
    Ok(run().map_err(|e| format!("x = {x}: {e}"))?.gas)
}

/// How much each counting run raises a price.
const DELTA: u64 = 1000;

/// Counts what `probe` is charged at every size under `prices`; `pending` are the terms not yet
/// calibrated.
pub fn count_probe(probe: &Probe, ctx: &Ctx, prices: &Params, pending: &[Term]) -> Result<Vec<Counted>, String> {
    let own = probe.own_terms();
    let mut raised = prices.clone();
    for (k, term) in pending.iter().enumerate() {
        term.set(&mut raised, term.get(prices) + DELTA + 37 * k as u64);
    }
    probe
        .xs
        .iter()
        .map(|&x| {
            let gas = gas_at(probe, ctx, prices, x)?;
            let mut counts = Vec::new();
            let mut other = gas as f64;
            for term in &own {
                let mut p = prices.clone();
                term.set(&mut p, term.get(prices) + DELTA);
                let count = (gas_at(probe, ctx, &p, x)? as f64 - gas as f64) / DELTA as f64;
                other -= count * term.get(prices) as f64;
                counts.push(count);
            }
            let pending_gas =
                if pending.is_empty() { 0.0 } else { gas_at(probe, ctx, &raised, x)? as f64 - gas as f64 };
            Ok(Counted { gas, counts, other_gas: other, pending_gas })
        })
        .collect()
}
