//! The calibration file: the proposed schedule (operator prices by class, the static and
//! dynamic per-unit costs) and host costs, as JSON that reads well and diffs line by line; and
//! reading it back into a [`Schedule`] and [`HostCosts`], which is how the defaults are checked
//! against it.
//!
//! The file is self-contained: each class entry lists its operators by name, so the schedule it
//! describes does not depend on this crate's grouping, and every operator of the profile must be
//! listed exactly once. Stack accounting (`StackCosts`) is a limit, not a price: it is not
//! calibrated and not in the file ([`StackCosts::default`](tally_gas_injector::StackCosts)).
//!
//! ```json
//! {
//!   "format": "tally-calibration/1",
//!   "unit": "…",
//!   "measured": { "machine": "…", "scale": "full", "recorded": false },
//!   "not_fitted": { "why": "priced by the prepared-code measurement, …", "terms": ["host.load", …] },
//!   "schedule": {
//!     "version": 5,
//!     "classes": [
//!       { "class": "simple", "cost": 500, "ops": ["nop", "block", …] },
//!       …
//!     ],
//!     "br_table_per_target": 10,
//!     "branch_change": 16000,
//!     "per_local": 250,
//!     "call_per_param": 500,
//!     "dynamic": { "memory_grow_per_page": 10000000, …, "memory_access_threshold_pages": 0 }
//!   },
//!   "host": { "base": 50000, … }
//! }
//! ```

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;
use tally_gas_injector::{DynamicCosts, OpKind, Schedule, SCHEDULE_VERSION};
use tally_host_env::HostCosts;

use super::terms::{class_of, DynTerm, HostTerm};

/// The value of the file's `format` field.
pub const FORMAT: &str = "tally-calibration/1";

/// The conversion of time to gas the calibration uses.
pub const UNIT: &str = "ns per 1000 gas of the reference machine, as at the defaults: ordinary code (the median of \
                        the time-per-gas reference baselines) keeps the defaults' time per gas, and the fitted \
                        terms are priced by rule v6: the least largest ratio, over complete adversarial programs \
                        (the time-per-gas suite's scenarios and baselines run whole), of the program's time \
                        per gas to the true median of the references (no reference below half of it), every \
                        term's price within a band of 10 of its own fitted worst-case cost at one common scale, \
                        by linear programming over the median's structures; programs that keep that bound \
                        above 3x released one at a time (each held within 1.02x of it) until the others fit \
                        3x; then the prices nearest each term's own worst-case cost with the others within \
                        that bound and the released ones within theirs, each program brought within 2.5x where \
                        that allows (a margin for the machine's two speeds); rounded up to two significant \
                        digits";

/// Why the calibration file's `not_fitted` terms keep their prices.
pub const NOT_FITTED: &str = "priced by the prepared-code measurement, not by this fit";

/// The schedule's memory-access threshold (pages), in the file's `dynamic` object after the
/// per-unit terms: a size, not a price, so no term of the fit.
const THRESHOLD: &str = "memory_access_threshold_pages";

/// The committed calibration file, relative to the `benches` crate.
pub const FITTED: &str = "calibration/fitted.json";

/// Where and how the prices were measured (informational; not read back).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measured {
    /// The machine, in words.
    pub machine: String,
    /// `full` or `quick`.
    pub scale: String,
    /// Whether executions were recorded.
    pub recorded: bool,
}

/// What a calibration file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calibrated {
    /// The schedule (default stack accounting).
    pub schedule: Schedule,
    /// The host costs.
    pub host: HostCosts,
}

fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// The file's text for `schedule` and `host`.
pub fn write(schedule: &Schedule, host: &HostCosts, measured: &Measured) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{{\n  \"format\": {},\n  \"unit\": {},", quote(FORMAT), quote(UNIT));
    let _ = writeln!(
        out,
        "  \"measured\": {{ \"machine\": {}, \"scale\": {}, \"recorded\": {} }},",
        quote(&measured.machine),
        quote(&measured.scale),
        measured.recorded
    );
    let fixed: Vec<String> = super::pipeline::PREPARED_CODE_TERMS.iter().map(|t| quote(&t.name())).collect();
    let _ = writeln!(out, "  \"not_fitted\": {{ \"why\": {}, \"terms\": [{}] }},", quote(NOT_FITTED), fixed.join(", "));
    let _ = writeln!(out, "  \"schedule\": {{\n    \"version\": {},\n    \"classes\": [", schedule.version);
    // One entry per (class, price): a class whose members differ in price gets one per price.
    let mut groups: Vec<(super::terms::OpClass, Option<u64>, Vec<&'static str>)> = Vec::new();
    for op in OpKind::ALL {
        let key = (class_of(op), schedule.cost(op));
        match groups.iter_mut().find(|g| (g.0, g.1) == key) {
            Some(g) => g.2.push(op.name()),
            None => groups.push((key.0, key.1, vec![op.name()])),
        }
    }
    groups.sort_by_key(|g| (g.0, g.1));
    for (k, (class, cost, ops)) in groups.iter().enumerate() {
        let cost = cost.map_or("null".to_string(), |c| c.to_string());
        let ops: Vec<String> = ops.iter().map(|o| quote(o)).collect();
        let comma = if k + 1 < groups.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "      {{ \"class\": {}, \"cost\": {cost}, \"ops\": [{}] }}{comma}",
            quote(class.name()),
            ops.join(", ")
        );
    }
    let _ = writeln!(out, "    ],");
    let _ = writeln!(out, "    \"br_table_per_target\": {},", schedule.br_table_per_target);
    let _ = writeln!(out, "    \"branch_change\": {},", schedule.branch_change);
    let _ = writeln!(out, "    \"per_local\": {},", schedule.per_local);
    let _ = writeln!(out, "    \"call_per_param\": {},", schedule.call_per_param);
    let _ = writeln!(out, "    \"dynamic\": {{");
    for d in DynTerm::ALL {
        let _ = writeln!(out, "      {}: {},", quote(d.name()), d.get(&schedule.dynamic));
    }
    let _ = writeln!(out, "      \"{THRESHOLD}\": {}", schedule.dynamic.memory_access_threshold_pages);
    let _ = writeln!(out, "    }}\n  }},\n  \"host\": {{");
    for (k, h) in HostTerm::ALL.iter().enumerate() {
        let comma = if k + 1 < HostTerm::ALL.len() { "," } else { "" };
        let _ = writeln!(out, "    {}: {}{comma}", quote(h.name()), h.get(host));
    }
    out.push_str("  }\n}\n");
    out
}

/// Reads a calibration file's text.
pub fn parse(text: &str) -> Result<Calibrated, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let top = object(&v, "the file")?;
    match top.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        other => return Err(format!("`format` is {other:?}, expected {FORMAT:?}")),
    }
    let schedule = object(field(top, "schedule", "the file")?, "schedule")?;
    let version = integer(field(schedule, "version", "schedule")?, "schedule.version")?;
    if version != u64::from(SCHEDULE_VERSION) {
        return Err(format!("schedule.version is {version}; this build reads version {SCHEDULE_VERSION}"));
    }
    known_fields(
        schedule,
        &["version", "classes", "br_table_per_target", "branch_change", "per_local", "call_per_param", "dynamic"],
        "schedule",
    )?;
    let mut s = Schedule::default();
    let mut seen = vec![None::<String>; OpKind::COUNT];
    let classes = field(schedule, "classes", "schedule")?.as_array().ok_or("schedule.classes is not an array")?;
    for (k, entry) in classes.iter().enumerate() {
        let at = format!("schedule.classes[{k}]");
        let entry = object(entry, &at)?;
        known_fields(entry, &["class", "cost", "ops"], &at)?;
        let name = field(entry, "class", &at)?.as_str().ok_or(format!("{at}.class is not a string"))?;
        let at = format!("{at} (`{name}`)");
        let cost = match field(entry, "cost", &at)? {
            Value::Null => None,
            c => Some(integer(c, &format!("{at}.cost"))?),
        };
        for op in field(entry, "ops", &at)?.as_array().ok_or(format!("{at}.ops is not an array"))? {
            let op_name = op.as_str().ok_or(format!("{at}.ops holds a non-string"))?;
            let op = OpKind::ALL
                .iter()
                .copied()
                .find(|o| o.name() == op_name)
                .ok_or(format!("{at}: `{op_name}` is not an operator of Tally's profile"))?;
            if let Some(first) = &seen[op.index()] {
                return Err(format!("`{op_name}` is listed twice: in {first} and {at}"));
            }
            seen[op.index()] = Some(at.clone());
            s.set_cost(op, cost);
        }
    }
    if let Some(missing) = OpKind::ALL.iter().find(|op| seen[op.index()].is_none()) {
        return Err(format!("`{missing}` is in no class of schedule.classes"));
    }
    s.br_table_per_target =
        integer(field(schedule, "br_table_per_target", "schedule")?, "schedule.br_table_per_target")?;
    s.branch_change = integer(field(schedule, "branch_change", "schedule")?, "schedule.branch_change")?;
    s.per_local = integer(field(schedule, "per_local", "schedule")?, "schedule.per_local")?;
    s.call_per_param = integer(field(schedule, "call_per_param", "schedule")?, "schedule.call_per_param")?;
    let dynamic = object(field(schedule, "dynamic", "schedule")?, "schedule.dynamic")?;
    let mut names: Vec<&str> = DynTerm::ALL.iter().map(|d| d.name()).collect();
    names.push(THRESHOLD);
    known_fields(dynamic, &names, "schedule.dynamic")?;
    let mut d = DynamicCosts::default();
    for term in DynTerm::ALL {
        let at = format!("schedule.dynamic.{}", term.name());
        term.set(&mut d, integer(field(dynamic, term.name(), "schedule.dynamic")?, &at)?);
    }
    let threshold = integer(field(dynamic, THRESHOLD, "schedule.dynamic")?, &format!("schedule.dynamic.{THRESHOLD}"))?;
    d.memory_access_threshold_pages = u32::try_from(threshold)
        .map_err(|_| format!("schedule.dynamic.{THRESHOLD} is {threshold}, above {}", u32::MAX))?;
    s.dynamic = d;
    s.validate().map_err(|e| format!("the schedule is not usable: {e}"))?;
    let host = object(field(top, "host", "the file")?, "host")?;
    let names: Vec<&str> = HostTerm::ALL.iter().map(|h| h.name()).collect();
    known_fields(host, &names, "host")?;
    let mut h = HostCosts::default();
    for term in HostTerm::ALL {
        term.set(&mut h, integer(field(host, term.name(), "host")?, &format!("host.{}", term.name()))?);
    }
    Ok(Calibrated { schedule: s, host: h })
}

/// Reads the calibration file at `path`.
pub fn load(path: &Path) -> Result<Calibrated, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

type Object = serde_json::Map<String, Value>;

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Object, String> {
    v.as_object().ok_or(format!("{at} is not an object"))
}

fn field<'a>(o: &'a Object, name: &str, at: &str) -> Result<&'a Value, String> {
    o.get(name).ok_or(format!("{at} has no field `{name}`"))
}

fn integer(v: &Value, at: &str) -> Result<u64, String> {
    v.as_u64().ok_or(format!("{at} is not a whole number of gas: {v}"))
}

fn known_fields(o: &Object, known: &[&str], at: &str) -> Result<(), String> {
    match o.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!("{at} has an unknown field `{k}`")),
        None => Ok(()),
    }
}
