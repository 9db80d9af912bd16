//! The pricing rule's inputs, saved beside a calibration (`rule-inputs.json`) so the rule can be
//! re-solved without measuring again (`calibrate --resolve FILE`): every complete program (its
//! kind, time, gas at the defaults and counts), each term's fitted worst case, ordinary code's
//! median time per gas at the defaults, and the prices the programs were timed at.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::minimax::{self, Kind, Minimax, Program, Settings};
use super::pipeline::{stage_two_reference, uniform_defaults, PREPARED_CODE_TERMS};
use super::terms::Term;
use crate::tpg::{Outcome, Row};

/// What the pricing rule is given.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// The complete programs, the baselines among them.
    pub programs: Vec<Program>,
    /// Each fitted term's worst case: gas per unit at 1 ns per 1000 gas.
    pub fitted: BTreeMap<Term, f64>,
    /// Ordinary code's median ns per 1000 gas at the defaults.
    pub median_ns: f64,
    /// Every term's price when the programs were timed (a calibration writes them all; a term
    /// missing here is taken at today's defaults). The rule's base must be the prices the
    /// programs' gas at the defaults and their median were measured at: the fixed terms' gas and
    /// the time a loop alone leaves after its once-a-call charges come from them. Re-solving old
    /// inputs at today's defaults instead mixes two scales (after the session-16 switch, session
    /// 15's inputs gave 64× instead of 3.63×). JSON key `timed_prices`; older files'
    /// `fixed_prices` (the code-loading and deploy terms only) read the same way.
    pub timed_prices: BTreeMap<Term, u64>,
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Reference => "reference",
        Kind::Baseline => "baseline",
        Kind::Scenario => "scenario",
        Kind::Probe => "probe",
    }
}

fn term_named(name: &str) -> Result<Term, String> {
    Term::named(name).ok_or_else(|| format!("rule inputs: unknown term {name}"))
}

impl Inputs {
    /// The file's text.
    pub fn to_json(&self) -> String {
        let programs: Vec<Value> = self
            .programs
            .iter()
            .map(|p| {
                let counts: serde_json::Map<String, Value> = p.counts.iter().map(|(t, n)| (t.name(), json!(n))).collect();
                json!({ "name": p.name, "kind": kind_name(p.kind), "time": p.time, "gas_default": p.gas_default, "counts": counts })
            })
            .collect();
        let fitted: serde_json::Map<String, Value> = self.fitted.iter().map(|(t, f)| (t.name(), json!(f))).collect();
        let timed: serde_json::Map<String, Value> =
            self.timed_prices.iter().map(|(t, p)| (t.name(), json!(p))).collect();
        format!(
            "{:#}\n",
            json!({ "median_ns": self.median_ns, "fitted": fitted, "timed_prices": timed, "programs": programs })
        )
    }

    /// Reads a file written by [`Inputs::to_json`].
    pub fn from_json(text: &str) -> Result<Inputs, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("rule inputs: {e}"))?;
        let median_ns = v.get("median_ns").and_then(Value::as_f64).ok_or("rule inputs: no median_ns")?;
        let mut fitted = BTreeMap::new();
        for (t, f) in v.get("fitted").and_then(Value::as_object).ok_or("rule inputs: no fitted")? {
            fitted.insert(term_named(t)?, f.as_f64().ok_or_else(|| format!("rule inputs: fitted {t}"))?);
        }
        let mut timed_prices = BTreeMap::new();
        for key in ["fixed_prices", "timed_prices"] {
            for (t, p) in v.get(key).and_then(Value::as_object).into_iter().flatten() {
                timed_prices.insert(term_named(t)?, p.as_u64().ok_or_else(|| format!("rule inputs: {key}: {t}"))?);
            }
        }
        let mut programs = Vec::new();
        for p in v.get("programs").and_then(Value::as_array).ok_or("rule inputs: no programs")? {
            let name = p.get("name").and_then(Value::as_str).ok_or("rule inputs: a program without a name")?;
            let field =
                |f: &str| p.get(f).and_then(Value::as_f64).ok_or_else(|| format!("rule inputs: {name}: no {f}"));
            let kind = match p.get("kind").and_then(Value::as_str) {
                Some("reference") => Kind::Reference,
                Some("baseline") => Kind::Baseline,
                Some("scenario") => Kind::Scenario,
                Some("probe") => Kind::Probe,
                other => return Err(format!("rule inputs: {name}: kind {other:?}")),
            };
            let mut counts = BTreeMap::new();
            for (t, n) in
                p.get("counts").and_then(Value::as_object).ok_or_else(|| format!("rule inputs: {name}: no counts"))?
            {
                counts.insert(term_named(t)?, n.as_f64().ok_or_else(|| format!("rule inputs: {name}: count {t}"))?);
            }
            programs.push(Program {
                name: name.into(),
                kind,
                time: field("time")?,
                counts,
                gas_default: field("gas_default")?,
            });
        }
        Ok(Inputs { programs, fitted, median_ns, timed_prices })
    }

    /// The prices the programs were timed at, each class at one price: the rule's base.
    pub fn base(&self) -> tally_host_env::Params {
        let mut base = uniform_defaults();
        for (t, p) in &self.timed_prices {
            t.set(&mut base, *p);
        }
        base
    }

    /// Takes each scenario's and non-reference baseline's time as the largest of its own and a
    /// later suite run's (`rows`, run at the prices `ran_at` or at the prices the inputs were
    /// timed at, whichever gives each row's gas), so the rule bounds every program
    /// at the worst ratio it was measured at. The reference machine runs the references at one
    /// of two speeds, and a latency-bound program's ratio is 20–40 % higher at the fast one
    /// (BENCHMARKS.md, "Two speeds"): one run's ratio is not the program's worst. A row's time is
    /// converted to the inputs' unit through the references' median time per gas at `ran_at`
    /// over theirs at the timed prices. Returns what changed or was skipped, one line each (a
    /// row whose gas is what its counts give at neither ran at other prices, and is skipped).
    pub fn raise_to_suite(&mut self, rows: &[Row], ran_at: &tally_host_env::Params) -> Vec<String> {
        let base = self.base();
        let median_at = |p: &tally_host_env::Params| -> f64 {
            let mut tpg: Vec<f64> = self
                .programs
                .iter()
                .filter(|r| r.kind == Kind::Reference)
                .map(|r| r.time / r.gas(p).max(f64::MIN_POSITIVE))
                .collect();
            crate::tpg::median(&mut tpg)
        };
        // A run at `ran_at`, or at the prices the inputs were timed at (the defaults when the
        // calibration ran): each row is taken at the first whose counts give its gas.
        let candidates = [ran_at, &base];
        let units = candidates.map(|p| median_at(p) / median_at(&base).max(f64::MIN_POSITIVE));
        let mut notes = Vec::new();
        for row in rows {
            let Outcome::Measured(m) = &row.outcome else { continue };
            let Some(program) = self.programs.iter_mut().find(|p| p.name == row.name && p.kind != Kind::Reference)
            else {
                continue;
            };
            let matches = |p: &tally_host_env::Params| (program.gas(p) - m.gas as f64).abs() <= 1e-3 * m.gas as f64;
            let Some(at) = candidates.iter().position(|p| matches(p)) else {
                notes.push(format!(
                    "{}: skipped (gas {} in the run, {:.0} by its counts at these prices)",
                    row.name,
                    m.gas,
                    program.gas(ran_at)
                ));
                continue;
            };
            let (counted, unit) = (program.gas(candidates[at]), units[at]);
            let time = m.cpu_ratio * m.gas as f64 * unit;
            if time > program.time {
                notes.push(format!(
                    "{}: {:.2}× → {:.2}× at {}",
                    row.name,
                    program.time / counted / unit,
                    m.cpu_ratio,
                    if at == 0 { "these prices" } else { "the prices timed" }
                ));
                program.time = time;
            }
        }
        notes
    }

    /// The rule's answer, with the code-loading and deploy terms fixed at their prices when
    /// timed.
    pub fn solve(&self, settings: Settings) -> Result<Minimax, String> {
        let base = self.base();
        let reference = |t: Term, bound: f64| stage_two_reference(t, bound, &self.fitted, self.median_ns, &base);
        minimax::solve(&self.programs, &base, &PREPARED_CODE_TERMS, &self.fitted, &reference, settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::terms::OpClass;

    #[test]
    fn the_file_reads_back_what_was_written() {
        let inputs = Inputs {
            programs: vec![Program {
                name: "loop".into(),
                kind: Kind::Scenario,
                time: 1.5e9,
                counts: [(Term::Op(OpClass::Branch), 1000.0), (Term::PerLocal, 3.0)].into_iter().collect(),
                gas_default: 1.2e9,
            }],
            fitted: [(Term::Op(OpClass::Branch), 10194.0)].into_iter().collect(),
            median_ns: 0.31,
            timed_prices: [(Term::Host(crate::calibrate::terms::HostTerm::Load), 100_000_000)].into_iter().collect(),
        };
        assert_eq!(Inputs::from_json(&inputs.to_json()).unwrap(), inputs);
        assert!(Inputs::from_json("{\"median_ns\": 1}").unwrap_err().contains("fitted"));
    }

    #[test]
    fn a_later_run_raises_a_program_to_its_worst_ratio_and_never_lowers_one() {
        use crate::tpg::{Measured, Outcome, Row};
        let (simple, alu) = (Term::Op(OpClass::Simple), Term::Op(OpClass::Alu));
        let program = |name: &str, kind, time, counts: &[(Term, f64)]| Program {
            name: String::from(name),
            kind,
            time,
            counts: counts.iter().copied().collect(),
            gas_default: 0.0,
        };
        // At the timed prices (7 each) the reference runs at 1 (its time per gas is the
        // median), the scenarios at 2.
        let mut inputs = Inputs {
            programs: vec![
                program("ref", Kind::Reference, 7000.0, &[(simple, 1000.0)]),
                program("slow", Kind::Scenario, 14_000.0, &[(alu, 1000.0)]),
                program("fast", Kind::Scenario, 14_000.0, &[(alu, 1000.0)]),
                program("timed", Kind::Scenario, 14_000.0, &[(alu, 1000.0)]),
                program("other", Kind::Scenario, 14_000.0, &[(alu, 1000.0)]),
            ],
            fitted: BTreeMap::new(),
            median_ns: 1.0,
            timed_prices: [(simple, 7), (alu, 7)].into_iter().collect(),
        };
        let row = |name: &str, gas: u64, cpu_ratio: f64| Row {
            name: name.into(),
            param: String::new(),
            outcome: Outcome::Measured(Measured {
                gas,
                gas_varies: false,
                ns: 0.0,
                ns_per_kgas: 0.0,
                ratio: cpu_ratio,
                cpu_ratio,
                baseline_ns_per_kgas: 0.0,
                baseline_cpu_ns_per_kgas: 0.0,
                rounds: 1,
                memory: None,
            }),
        };
        // The later run priced `alu` at 14: a ratio of 1.5 there is 3 at the timed prices.
        let mut ran_at = inputs.base();
        alu.set(&mut ran_at, 14);
        // `timed` ran at the timed prices (its gas says so), `other` at neither.
        let rows = [
            row("slow", 14_000, 1.5),
            row("fast", 14_000, 0.5),
            row("timed", 7000, 2.5),
            row("other", 21_000, 9.0),
            row("ref", 7000, 9.0),
        ];
        let notes = inputs.raise_to_suite(&rows, &ran_at);
        let base = inputs.base();
        let ratio = |name: &str| {
            let p = inputs.programs.iter().find(|p| p.name == name).unwrap();
            p.time / p.gas(&base)
        };
        assert!((ratio("slow") - 3.0).abs() < 1e-9, "{}", ratio("slow"));
        assert!((ratio("fast") - 2.0).abs() < 1e-9, "never lowered: {}", ratio("fast"));
        assert!((ratio("timed") - 2.5).abs() < 1e-9, "a row at the timed prices: {}", ratio("timed"));
        assert!((ratio("other") - 2.0).abs() < 1e-9, "a row at other prices is skipped");
        assert!((ratio("ref") - 1.0).abs() < 1e-9, "the references keep the unit");
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[1].starts_with("timed: 2.00× → 2.50× at the prices timed"), "{notes:?}");
        assert!(notes[2].starts_with("other: skipped"), "{notes:?}");
    }

    /// Older files name the timed prices `fixed_prices`; both set the base.
    #[test]
    fn older_files_fixed_prices_are_timed_prices() {
        let text = r#"{"median_ns": 1, "fitted": {}, "programs": [],
            "fixed_prices": {"host.load": 5}, "timed_prices": {"op.simple": 7}}"#;
        let inputs = Inputs::from_json(text).unwrap();
        let base = inputs.base();
        assert_eq!(Term::Host(crate::calibrate::terms::HostTerm::Load).get(&base), 5);
        assert_eq!(Term::Op(OpClass::Simple).get(&base), 7);
        assert_eq!(Term::Op(OpClass::Alu).get(&base), Term::Op(OpClass::Alu).get(&uniform_defaults()));
    }
}
