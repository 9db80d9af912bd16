//! The pricing rule's inputs, saved beside a calibration (`rule-inputs.json`) so the rule can be
//! re-solved without measuring again (`calibrate --resolve FILE`): every complete program (its
//! kind, time, gas at the defaults and counts), each term's fitted worst case, ordinary code's
//! median time per gas at the defaults, and the prices the programs were timed at.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::minimax::{self, Kind, Minimax, Program, Settings};
use super::pipeline::{stage_two_reference, uniform_defaults, PREPARED_CODE_TERMS};
use super::terms::Term;

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
