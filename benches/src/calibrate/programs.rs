//! The complete programs the pricing rule ([`minimax`](super::minimax)) bounds, and what each is
//! charged for: the time-per-gas suite's scenarios and baseline set (times from a suite run at
//! the defaults, `time-per-gas --json`), and the calibration's probes at their smallest and
//! largest sizes (times from this run), each counted term by term from the metering.
//!
//! **Counting.** Gas is linear in the prices, so a program's count of a term is how much its gas
//! rises when that term's price rises by 1. Raising a whole group of terms by 1 gives the sum of
//! their counts; a group that adds nothing is done, and one that adds something is split in
//! halves (the second half's sum is the group's less the first's). A program pays a handful of
//! the ~60 terms, so this takes a few dozen runs instead of one per term. The counts are checked
//! to add up to the gas, and the program to be *price-linear*: doubling every price doubles its
//! gas. A program that ends by running out of gas (or otherwise charges a fixed amount) is not:
//! its gas is its limit, whatever the prices; the rule leaves it out and says so, and the suite
//! run at the new prices checks it.

use std::collections::BTreeMap;

use serde_json::Value;
use tally_host_env::Params;

use super::minimax::{Kind, Program};
use super::terms::Term;
use crate::scenarios::{self, BaselinePrograms, Scale};
use crate::tpg::{Outcome, Row};

/// A program's gas under given prices.
pub type GasAt<'a> = dyn FnMut(&Params) -> Result<u64, String> + 'a;

/// Counts every term `gas` charges, at `base` (whose operator classes must be uniform).
pub fn count(gas: &mut GasAt<'_>, base: &Params) -> Result<BTreeMap<Term, f64>, String> {
    let at_base = gas(base)? as f64;
    let mut counts = BTreeMap::new();
    let all = Term::all();
    let total = raised(gas, base, &all)? - at_base;
    split(gas, base, at_base, &all, total, &mut counts)?;
    let counted: f64 = counts.iter().map(|(t, n)| n * t.get(base) as f64).sum();
    if (counted - at_base).abs() > 0.5 {
        return Err(format!("its counted terms charge {counted} gas, the metering {at_base}"));
    }
    Ok(counts)
}

/// Gas with every term of `group` raised by 1.
fn raised(gas: &mut GasAt<'_>, base: &Params, group: &[Term]) -> Result<f64, String> {
    let mut p = base.clone();
    for t in group {
        t.set(&mut p, t.get(base) + 1);
    }
    Ok(gas(&p)? as f64)
}

/// Finds the counts of `group`, whose sum is `sum`.
fn split(
    gas: &mut GasAt<'_>,
    base: &Params,
    at_base: f64,
    group: &[Term],
    sum: f64,
    counts: &mut BTreeMap<Term, f64>,
) -> Result<(), String> {
    if sum < 0.0 {
        return Err(format!(
            "raising {} lowered its gas",
            group.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
        ));
    }
    if sum == 0.0 {
        return Ok(());
    }
    if let [t] = group {
        counts.insert(*t, sum);
        return Ok(());
    }
    let (left, right) = group.split_at(group.len() / 2);
    let left_sum = raised(gas, base, left)? - at_base;
    split(gas, base, at_base, left, left_sum, counts)?;
    split(gas, base, at_base, right, sum - left_sum, counts)
}

/// Whether doubling every price doubles the gas (the program's gas is linear in the prices).
pub fn price_linear(gas: &mut GasAt<'_>, base: &Params) -> Result<bool, String> {
    let mut doubled = base.clone();
    for t in Term::all() {
        t.set(&mut doubled, t.get(base) * 2);
    }
    Ok(gas(&doubled)? == 2 * gas(base)?)
}

/// A suite run's rows (`time-per-gas --json`).
pub fn read_suite(text: &str) -> Result<Vec<Row>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("suite file: {e}"))?;
    let rows = v.as_array().ok_or("suite file: not an array of rows")?;
    rows.iter().map(|r| Row::from_json(r).ok_or_else(|| format!("suite file: bad row {r}"))).collect()
}

/// A program the rule leaves out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    /// Its name.
    pub name: String,
    /// Why.
    pub why: String,
}

/// Counts already taken, by program name: counting is deterministic, so a calibration can take
/// them once (`calibrate --counts FILE`, in a run that needs no quiet machine) and reuse them in
/// the timed runs. An entry is used only if the program still charges the same gas at the
/// defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Each program's gas at the defaults, and its counts (`None`: not price-linear).
    pub entries: BTreeMap<String, (u64, Option<BTreeMap<Term, f64>>)>,
}

impl Counts {
    /// Reads a file written by [`Counts::to_json`].
    pub fn from_json(text: &str) -> Result<Counts, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("counts file: {e}"))?;
        let o = v.as_object().ok_or("counts file: not an object")?;
        let terms = Term::all();
        let mut entries = BTreeMap::new();
        for (name, e) in o {
            let gas =
                e.get("gas_default").and_then(Value::as_u64).ok_or_else(|| format!("counts file: {name}: no gas"))?;
            let counts = match e.get("counts") {
                Some(Value::Object(c)) => {
                    let mut m = BTreeMap::new();
                    for (t, n) in c {
                        let term = terms
                            .iter()
                            .find(|x| x.name() == *t)
                            .ok_or_else(|| format!("counts file: {name}: unknown term {t}"))?;
                        m.insert(*term, n.as_f64().ok_or_else(|| format!("counts file: {name}: {t}"))?);
                    }
                    Some(m)
                }
                _ => None,
            };
            entries.insert(name.clone(), (gas, counts));
        }
        Ok(Counts { entries })
    }

    /// The file's text.
    pub fn to_json(&self) -> String {
        let mut o = serde_json::Map::new();
        for (name, (gas, counts)) in &self.entries {
            let counts = counts.as_ref().map_or(Value::Null, |c| {
                Value::Object(c.iter().map(|(t, n)| (t.name(), serde_json::json!(n))).collect())
            });
            o.insert(name.clone(), serde_json::json!({ "gas_default": gas, "counts": counts }));
        }
        format!("{:#}\n", Value::Object(o))
    }

    /// Program `name`'s counts: from the cache if it has them for `gas_default`, else taken
    /// (and kept). `Ok(None)`: the program is not price-linear. Fails if the program does not
    /// charge `gas_default` at `defaults` (the measurement was of something else).
    pub fn take(
        &mut self,
        name: &str,
        gas_default: u64,
        gas: &mut GasAt<'_>,
        base: &Params,
        defaults: &Params,
    ) -> Result<Option<BTreeMap<Term, f64>>, String> {
        if let Some((g, counts)) = self.entries.get(name) {
            if *g == gas_default {
                return Ok(counts.clone());
            }
        }
        let now = gas(defaults)?;
        if now != gas_default {
            return Err(format!(
                "it charges {now} gas at the defaults, the timed run {gas_default} (another scale or other defaults?)"
            ));
        }
        let counts = if price_linear(gas, base)? { Some(count(gas, base)?) } else { None };
        self.entries.insert(name.to_string(), (gas_default, counts.clone()));
        Ok(counts)
    }
}

/// Most runs [`settled_gas`] makes before it gives up.
const SETTLE_RUNS: usize = 4;

/// Runs `run` until two runs in a row charge the same gas, and returns it: the gas the suite's
/// timed rounds see. A program's first run can charge differently from the rest (a guest grows
/// its memory on the first call, and accesses cost by the memory's size), and the suite times
/// only runs after warm-ups.
fn settled_gas(run: &mut crate::tpg::Run) -> Result<u64, String> {
    let mut last = run()?.gas;
    for _ in 1..SETTLE_RUNS {
        let gas = run()?.gas;
        if gas == last {
            return Ok(gas);
        }
        last = gas;
    }
    Err(format!("its gas did not settle in {SETTLE_RUNS} runs (last {last})"))
}

/// What the suite's rows and the probes give the rule.
#[derive(Debug, Default)]
pub struct Assembled {
    /// The programs.
    pub programs: Vec<Program>,
    /// The programs left out, with why.
    pub left_out: Vec<LeftOut>,
}

impl Assembled {
    /// Takes program `name`'s counts and adds it, or leaves it out with why.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        cache: &mut Counts,
        name: String,
        kind: Kind,
        time: f64,
        gas_default: u64,
        gas: &mut GasAt<'_>,
        base: &Params,
        defaults: &Params,
    ) {
        match cache.take(&name, gas_default, gas, base, defaults) {
            Ok(Some(counts)) => {
                self.programs.push(Program { name, kind, time, counts, gas_default: gas_default as f64 })
            }
            Ok(None) => self.left_out.push(LeftOut {
                name,
                why: "not price-linear (it ends at its gas limit): the suite at the new prices checks it".into(),
            }),
            Err(why) => self.left_out.push(LeftOut { name, why }),
        }
    }
}

/// The suite's scenarios and baselines as programs: each measured row's time is its CPU-time
/// ratio at the defaults times its gas (the suite measures every ratio against the reference
/// median round by round); its counts come from setting it up and running it under raised
/// prices. `base` has uniform classes; `defaults` are the prices the suite ran at.
#[allow(clippy::too_many_arguments)]
pub fn suite_programs(
    out: &mut Assembled,
    cache: &mut Counts,
    rows: &[Row],
    scale: Scale,
    guests: Option<&[u8]>,
    token: Option<&[u8]>,
    base: &Params,
    defaults: &Params,
    progress: fn(&str),
) -> Result<(), String> {
    let all = scenarios::all();
    let set = scenarios::with_prices(defaults, || scenarios::baselines(scale, BaselinePrograms { guests, token }))?;
    let baselines: Vec<(String, bool)> = set.iter().map(|b| (b.name.clone(), b.reference)).collect();
    drop(set);
    for row in rows {
        let Outcome::Measured(m) = &row.outcome else { continue };
        let time = m.cpu_ratio * m.gas as f64;
        if let Some(k) = baselines.iter().position(|(n, _)| *n == row.name) {
            progress(&format!("  counting baseline {}", row.name));
            let mut gas = |p: &Params| -> Result<u64, String> {
                scenarios::with_prices(p, || {
                    let mut set = scenarios::baselines(scale, BaselinePrograms { guests, token })?;
                    settled_gas(&mut set[k].run)
                })
            };
            let kind = if baselines[k].1 { Kind::Reference } else { Kind::Baseline };
            let before = out.programs.len();
            out.add(cache, row.name.clone(), kind, time, m.gas, &mut gas, base, defaults);
            if out.programs.len() == before {
                return Err(format!("baseline {}: {}", row.name, out.left_out.last().map_or("", |l| &l.why)));
            }
            continue;
        }
        // The suite's rows name a scenario after its group's number: `10. div-subnormal`.
        let name = row.name.split_once(". ").filter(|(n, _)| n.parse::<u8>().is_ok()).map_or(&*row.name, |(_, n)| n);
        let Some(scenario) = all.iter().find(|s| s.name == name) else {
            out.left_out.push(LeftOut { name: row.name.clone(), why: "not a scenario of this build".into() });
            continue;
        };
        if m.gas_varies {
            out.left_out.push(LeftOut { name: row.name.clone(), why: "its gas varies from run to run".into() });
            continue;
        }
        progress(&format!("  counting scenario {}", row.name));
        let mut gas = |p: &Params| -> Result<u64, String> {
            scenarios::with_prices(p, || {
                let mut prepared = (scenario.setup)(scale).map_err(|r| r.reason)?;
                settled_gas(&mut prepared.run)
            })
        };
        out.add(cache, row.name.clone(), Kind::Scenario, time, m.gas, &mut gas, base, defaults);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::terms::{HostTerm, OpClass};

    #[test]
    fn group_counting_finds_every_term_a_linear_gas_charges() {
        let base = crate::calibrate::pipeline::uniform_defaults();
        let truth: BTreeMap<Term, f64> = [
            (Term::Op(OpClass::Simple), 1234.0),
            (Term::Op(OpClass::FloatSqrt), 7.0),
            (Term::PerLocal, 3.0),
            (Term::Host(HostTerm::StorageRead), 1.0),
            (Term::Host(HostTerm::ReceiptByte), 99.0),
        ]
        .into_iter()
        .collect();
        let mut runs = 0;
        let mut gas = |p: &Params| -> Result<u64, String> {
            runs += 1;
            Ok(truth.iter().map(|(t, n)| *n as u64 * t.get(p)).sum())
        };
        assert_eq!(count(&mut gas, &base).unwrap(), truth);
        assert!(price_linear(&mut gas, &base).unwrap());
        assert!(runs < Term::all().len(), "{runs} runs for 5 terms of {}", Term::all().len());
    }

    #[test]
    fn a_gas_that_stops_at_a_limit_is_not_price_linear() {
        let base = crate::calibrate::pipeline::uniform_defaults();
        // The limit lies between the gas at the base and at twice it.
        let limit = 1000 * Term::Op(OpClass::Alu).get(&base) + 1;
        let mut gas = |p: &Params| -> Result<u64, String> { Ok((1000 * Term::Op(OpClass::Alu).get(p)).min(limit)) };
        assert!(!price_linear(&mut gas, &base).unwrap());
    }
}
