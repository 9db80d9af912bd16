//! The branch census (issue 11; `calibration/runs/2026-12-07-direction-model-spike.md`): how
//! often each program's conditional branches go the other way than the same site went the
//! previous time, the count of [`Term::BranchChange`] (`Schedule::branch_change`). Random
//! branches change direction half the time; a loop's branches twice a loop. Rule inputs timed
//! before the term was charged take its count from a census; a calibration at prices that
//! charge it counts it like any term.
//!
//! - `take` (feature `census`, which turns on `tally-vm`'s `branch-census`): runs every
//!   program of a suite run (scenarios and baselines, as [`programs::suite_programs`] counts
//!   them) once at the defaults and counts, per kind of Wasm site, executions, direction changes
//!   and the misses of a two-bit counter ([`Directions`]);
//! - [`add_term`]: rule inputs with one [`Variant`] of the model added as the term
//!   `op.branch-change`, for `calibrate --resolve` (`--direction FILE --variant NAME`).
//!
//! [`programs::suite_programs`]: super::programs::suite_programs

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::inputs::Inputs;
use super::terms::Term;

/// One kind of site's counts in one program.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SiteCounts {
    /// Executions.
    pub executed: f64,
    /// Executions in the other direction than the site's previous one (the first: than "not
    /// taken"; `br_table`: another target than the previous one, the first: than the default).
    pub changes: f64,
    /// Executions a two-bit saturating counter per site would have predicted wrongly.
    pub counter_misses: f64,
}

/// A program's branch census: its `if`s, its `br_if`s to blocks (forward), its `br_if`s to
/// loops (back edges) and its `br_table`s.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Directions {
    /// `if`.
    pub r#if: SiteCounts,
    /// `br_if` to a block or the function.
    pub br_if: SiteCounts,
    /// `br_if` to a loop.
    pub br_if_loop: SiteCounts,
    /// `br_table` (changes of target).
    pub br_table: SiteCounts,
}

const KINDS: [&str; 4] = ["if", "br_if", "br_if_loop", "br_table"];

impl Directions {
    fn kinds(&self) -> [&SiteCounts; 4] {
        [&self.r#if, &self.br_if, &self.br_if_loop, &self.br_table]
    }

    fn kinds_mut(&mut self) -> [&mut SiteCounts; 4] {
        [&mut self.r#if, &mut self.br_if, &mut self.br_if_loop, &mut self.br_table]
    }
}

/// Which branches the model charges, and how it predicts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Direction changes of every `br_if`.
    BrIf,
    /// Direction changes of every `br_if` and `if`.
    BrIfAndIf,
    /// Direction changes of `if` and forward `br_if` (a loop's back edge is free).
    Forward,
    /// Direction changes of every `br_if` and `if`, and target changes of `br_table`.
    All,
    /// The misses of a two-bit counter per `br_if` and `if` site.
    Counter,
    /// The misses of a two-bit counter per `if` and forward `br_if` site.
    CounterForward,
}

impl Variant {
    /// Every variant, in the study's order.
    pub const ALL: [Variant; 6] =
        [Variant::BrIf, Variant::BrIfAndIf, Variant::Forward, Variant::All, Variant::Counter, Variant::CounterForward];

    /// Its name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Variant::BrIf => "br-if",
            Variant::BrIfAndIf => "br-if+if",
            Variant::Forward => "forward",
            Variant::All => "all",
            Variant::Counter => "counter",
            Variant::CounterForward => "counter-forward",
        }
    }

    /// The variant named `name`.
    pub fn named(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    /// What the variant charges `d` for: its count of `op.branch-change`.
    pub fn count(self, d: &Directions) -> f64 {
        match self {
            Variant::BrIf => d.br_if.changes + d.br_if_loop.changes,
            Variant::BrIfAndIf => d.br_if.changes + d.br_if_loop.changes + d.r#if.changes,
            Variant::Forward => d.br_if.changes + d.r#if.changes,
            Variant::All => d.br_if.changes + d.br_if_loop.changes + d.r#if.changes + d.br_table.changes,
            Variant::Counter => d.br_if.counter_misses + d.br_if_loop.counter_misses + d.r#if.counter_misses,
            Variant::CounterForward => d.br_if.counter_misses + d.r#if.counter_misses,
        }
    }
}

/// The census file's text: `{ program: { kind: { executed, changes, counter_misses } } }`.
pub fn to_json(census: &BTreeMap<String, Directions>) -> String {
    let mut o = serde_json::Map::new();
    for (name, d) in census {
        let kinds: serde_json::Map<String, Value> = KINDS
            .iter()
            .zip(d.kinds())
            .map(|(k, c)| {
                (
                    k.to_string(),
                    json!({ "executed": c.executed, "changes": c.changes, "counter_misses": c.counter_misses }),
                )
            })
            .collect();
        o.insert(name.clone(), Value::Object(kinds));
    }
    format!("{:#}\n", Value::Object(o))
}

/// Reads a file written by [`to_json`].
pub fn from_json(text: &str) -> Result<BTreeMap<String, Directions>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("census file: {e}"))?;
    let mut out = BTreeMap::new();
    for (name, kinds) in v.as_object().ok_or("census file: not an object")? {
        let mut d = Directions::default();
        for (k, c) in KINDS.iter().zip(d.kinds_mut()) {
            let o = kinds.get(*k).ok_or_else(|| format!("census file: {name}: no {k}"))?;
            let field =
                |f: &str| o.get(f).and_then(Value::as_f64).ok_or_else(|| format!("census file: {name}: {k}.{f}"));
            *c = SiteCounts {
                executed: field("executed")?,
                changes: field("changes")?,
                counter_misses: field("counter_misses")?,
            };
        }
        out.insert(name.clone(), d);
    }
    Ok(out)
}

/// `inputs` with `variant`'s count of [`Term::BranchChange`] added to every program (from its
/// census) and the term's fitted worst case `fit` (gas per change at 1 ns per 1000 gas). Fails
/// if a program has no census.
pub fn add_term(
    inputs: &Inputs,
    census: &BTreeMap<String, Directions>,
    variant: Variant,
    fit: f64,
) -> Result<Inputs, String> {
    let mut out = inputs.clone();
    for p in &mut out.programs {
        let d = census.get(&p.name).ok_or_else(|| format!("no branch census of {}", p.name))?;
        let n = variant.count(d);
        if n > 0.0 {
            p.counts.insert(Term::BranchChange, n);
        } else {
            p.counts.remove(&Term::BranchChange);
        }
    }
    out.fitted.insert(Term::BranchChange, fit);
    Ok(out)
}

/// The per-change cost the residual of `program` in `inputs` leaves: its time (ns · 1000, the
/// fits' unit) less what its counted terms cost at their fits, over its changes under `variant`.
/// (The fits are worst cases, so this is a lower estimate.)
pub fn residual_fit(
    inputs: &Inputs,
    census: &BTreeMap<String, Directions>,
    program: &str,
    variant: Variant,
) -> Option<f64> {
    let p = inputs.programs.iter().find(|p| p.name == program)?;
    let changes = variant.count(census.get(program)?);
    let fitted: f64 = p.counts.iter().map(|(t, n)| n * inputs.fitted.get(t).copied().unwrap_or(0.0).max(0.0)).sum();
    (changes > 0.0).then(|| (p.time * inputs.median_ns - fitted) / changes)
}

#[cfg(feature = "census")]
pub use taking::take;

#[cfg(feature = "census")]
mod taking {
    use super::*;
    use crate::scenarios::{self, BaselinePrograms, Scale};
    use crate::tpg::{Outcome, Row};
    use tally_host_env::Params;

    fn directions(c: tally_vm::census::Census) -> Result<Directions, String> {
        if c.unmarked > 0 {
            return Err(format!("{} branches ran without a census mark", c.unmarked));
        }
        let of = |k| {
            let n = c.of(k);
            SiteCounts {
                executed: n.executed as f64,
                changes: n.changes as f64,
                counter_misses: n.counter_misses as f64,
            }
        };
        use tally_vm::census::Kind as K;
        Ok(Directions { r#if: of(K::If), br_if: of(K::BrIf), br_if_loop: of(K::BrIfLoop), br_table: of(K::BrTable) })
    }

    /// Runs `run` once to warm up, then once counted; checks its gas at the defaults.
    fn counted(run: &mut crate::tpg::Run, gas: u64) -> Result<Directions, String> {
        run()?;
        tally_vm::census::take();
        let out = run()?;
        if out.gas != gas {
            return Err(format!("it charges {} gas, the suite run {gas}", out.gas));
        }
        directions(tally_vm::census::take())
    }

    /// The branch census of every measured row of a suite run (`time-per-gas --json`, at the
    /// defaults, at `scale`) whose gas does not vary, by row name (as the rule inputs name
    /// them). Rows whose program cannot be built or charges other gas are reported by
    /// `progress` and left out.
    pub fn take(
        rows: &[Row],
        scale: Scale,
        guests: Option<&[u8]>,
        token: Option<&[u8]>,
        progress: fn(&str),
    ) -> Result<BTreeMap<String, Directions>, String> {
        let defaults = Params::default();
        let programs = BaselinePrograms { guests, token };
        let baselines: Vec<String> = scenarios::with_prices(&defaults, || scenarios::baselines(scale, programs))?
            .iter()
            .map(|b| b.name.clone())
            .collect();
        let all = scenarios::all();
        let mut out = BTreeMap::new();
        for row in rows {
            let Outcome::Measured(m) = &row.outcome else { continue };
            if m.gas_varies {
                continue;
            }
            let result = if let Some(k) = baselines.iter().position(|n| *n == row.name) {
                scenarios::with_prices(&defaults, || {
                    let mut set = scenarios::baselines(scale, programs)?;
                    counted(&mut set[k].run, m.gas)
                })
            } else {
                let name =
                    row.name.split_once(". ").filter(|(n, _)| n.parse::<u8>().is_ok()).map_or(&*row.name, |(_, n)| n);
                let Some(scenario) = all.iter().find(|s| s.name == name) else {
                    progress(&format!("  {}: not a scenario of this build", row.name));
                    continue;
                };
                scenarios::with_prices(&defaults, || {
                    let mut prepared = (scenario.setup)(scale).map_err(|r| r.reason)?;
                    counted(&mut prepared.run, m.gas)
                })
            };
            match result {
                Ok(d) => {
                    progress(&format!(
                        "  {}: {} if, {} br_if, {} back edges, {} br_table executed; changes {} {} {} {}",
                        row.name,
                        d.r#if.executed,
                        d.br_if.executed,
                        d.br_if_loop.executed,
                        d.br_table.executed,
                        d.r#if.changes,
                        d.br_if.changes,
                        d.br_if_loop.changes,
                        d.br_table.changes
                    ));
                    out.insert(row.name.clone(), d);
                }
                Err(e) => progress(&format!("  {}: {e}", row.name)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::minimax::{Kind, Program};
    use crate::calibrate::terms::OpClass;

    fn census() -> BTreeMap<String, Directions> {
        let c = |executed: f64, changes: f64, counter_misses: f64| SiteCounts { executed, changes, counter_misses };
        let random =
            Directions { br_if: c(1600.0, 800.0, 700.0), br_if_loop: c(100.0, 2.0, 2.0), ..Default::default() };
        let ordinary = Directions {
            r#if: c(500.0, 40.0, 30.0),
            br_if: c(300.0, 10.0, 9.0),
            br_if_loop: c(1000.0, 20.0, 20.0),
            br_table: c(10.0, 5.0, 0.0),
        };
        [("random".to_string(), random), ("ordinary".to_string(), ordinary)].into_iter().collect()
    }

    fn inputs() -> Inputs {
        let program = |name: &str, kind, time| Program {
            name: name.into(),
            kind,
            time,
            counts: [(Term::Op(OpClass::Branch), 1000.0)].into_iter().collect(),
            gas_default: 1000.0 * 9000.0,
        };
        Inputs {
            programs: vec![program("random", Kind::Scenario, 2.0e7), program("ordinary", Kind::Reference, 1.0e7)],
            fitted: [(Term::Op(OpClass::Branch), 4000.0)].into_iter().collect(),
            median_ns: 1.0,
            timed_prices: BTreeMap::new(),
        }
    }

    #[test]
    fn each_variant_counts_its_branches() {
        let c = census();
        let counts: Vec<f64> = Variant::ALL.iter().map(|v| v.count(&c["ordinary"])).collect();
        assert_eq!(counts, [30.0, 70.0, 50.0, 75.0, 59.0, 39.0]);
        for v in Variant::ALL {
            assert_eq!(Variant::named(v.name()), Some(v));
        }
    }

    #[test]
    fn the_census_file_reads_back_what_was_written() {
        assert_eq!(from_json(&to_json(&census())).unwrap(), census());
        assert!(from_json("{\"x\": {\"if\": {}}}").unwrap_err().contains("x: if.executed"));
    }

    #[test]
    fn the_term_joins_every_program_and_survives_the_inputs_file() {
        let with = add_term(&inputs(), &census(), Variant::BrIf, 7000.0).unwrap();
        assert_eq!(with.programs[0].counts[&Term::BranchChange], 802.0);
        assert_eq!(with.programs[1].counts[&Term::BranchChange], 30.0);
        assert_eq!(with.fitted[&Term::BranchChange], 7000.0);
        assert_eq!(Inputs::from_json(&with.to_json()).unwrap(), with);
        let mut missing = census();
        missing.remove("ordinary");
        assert!(add_term(&inputs(), &missing, Variant::BrIf, 7000.0).unwrap_err().contains("ordinary"));
    }

    #[test]
    fn the_rule_prices_the_term_where_it_separates_the_programs() {
        use crate::calibrate::minimax::Settings;
        let settings =
            Settings { floor: 0.5, slack: 1.0, cap: 3.0, band: None, bound_probes: false, release: None, aim: None };
        // Without the term both programs pay only branches: the random one stays at 2×.
        let without = inputs().solve(settings).unwrap();
        assert!((without.bound - 2.0).abs() < 1e-6, "{}", without.bound);
        assert_eq!(without.price(Term::BranchChange), Term::BranchChange.get(&inputs().base()), "no program counts it");
        // With it, its 802 changes against the reference's 30 can pay the difference.
        let with = add_term(&inputs(), &census(), Variant::BrIf, 7000.0).unwrap().solve(settings).unwrap();
        assert!(with.bound < 1.5, "{}", with.bound);
        assert!(with.price(Term::BranchChange) > 1000, "{:?}", with.exact);
        assert!(with.max < 1.5, "after rounding {}", with.max);
    }

    #[test]
    fn the_residual_is_the_time_the_fits_leave_per_change() {
        // 2e7 ns·1000 less 1000 branches at 4000, over 802 changes.
        let k = residual_fit(&inputs(), &census(), "random", Variant::BrIf).unwrap();
        assert!((k - (2.0e7 - 4.0e6) / 802.0).abs() < 1e-6, "{k}");
    }
}
