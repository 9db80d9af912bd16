//! Reads criterion's saved estimates and renders them as markdown tables with ratios.
//!
//! Criterion stores, for every benchmark, `<criterion dir>/<benchmark dir>/new/benchmark.json`
//! (its group, function and throughput) and `.../new/estimates.json` (point estimates in
//! nanoseconds per iteration). Benchmarks named `<section>/<row>` with function ids such as
//! `tally`, `wasmi`, `wasmi-fuel` become one table per section (`execute`, `translate`, `inject`,
//! `metered`), one row per group, and a `tally / <baseline>` ratio column per baseline, with a
//! geometric-mean row. Sections with [`TARGETS`] get a line per target saying whether the
//! geomean meets it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The function id whose times are divided by every baseline's.
pub const SUBJECT: &str = "tally";

/// Function ids shown as plain columns only, never used as a ratio's denominator: native code,
/// wasmi's validation-only mode (not comparable with an eager translation), and Tally's own
/// metered runs in the `execute` section (paired against the peers in `execute-metered`).
pub const REFERENCE_ONLY: [&str; 3] = ["native", "wasmi-lazy", "tally-metered"];

/// Preferred column order; other function ids follow alphabetically.
const COLUMN_ORDER: [&str; 9] = [
    "tally",
    "tally-metered",
    "tally-unmetered",
    "wasmi",
    "wasmi-fuel",
    "wasmi-eager",
    "wasmi-lazy",
    "wasm-instrument",
    "native",
];

/// A performance target: the geomean of `tally / baseline` in `section` must be at most
/// `max_ratio`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The section (group prefix), e.g. `metered`.
    pub section: &'static str,
    /// The baseline function id, e.g. `tally-unmetered`.
    pub baseline: &'static str,
    /// The largest acceptable geomean of `tally / baseline`.
    pub max_ratio: f64,
    /// What the target means, for the report.
    pub description: &'static str,
}

/// The targets of issue 3 §7 (gas metering) and issue 15 (metered execution against wasmi).
pub const TARGETS: [Target; 4] = [
    Target {
        section: "inject",
        baseline: "wasm-instrument",
        max_ratio: 0.25,
        description: "injection ≥ 4× faster than wasm-instrument 0.4",
    },
    Target {
        section: "metered",
        baseline: "tally-unmetered",
        max_ratio: 1.05,
        description: "metering overhead ≤ 5% geomean",
    },
    Target {
        section: "metered",
        baseline: "wasmi-fuel",
        max_ratio: 1.0,
        description: "metered tally no slower than wasmi with fuel",
    },
    Target {
        section: "execute-metered",
        baseline: "wasmi",
        max_ratio: 0.80,
        description: "metered tally ≤ 0.80× wasmi 2 without fuel",
    },
];

/// Paired measurements are saved in the criterion directory as `paired-<section>.json`.
const PAIRED_PREFIX: &str = "paired-";

/// A paired measurement of [`SUBJECT`] against a baseline on one benchmark row: single runs of
/// each alternated one by one, so that both see the same machine. This VM's speed drifts by tens
/// of percent over seconds, which moves criterion's separately timed benchmarks apart; the ratio
/// of runs made milliseconds apart does not drift with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedRun {
    /// The section, as in criterion's group ids, e.g. `metered`.
    pub section: String,
    /// The row, e.g. `fib`.
    pub row: String,
    /// The baseline's function id, e.g. `tally-unmetered`.
    pub baseline: String,
    /// Rounds: each times one run of each side, in alternating order.
    pub rounds: u32,
    /// Median over rounds of subject time / baseline time.
    pub median_ratio: f64,
    /// Median subject run, in nanoseconds.
    pub subject_ns: f64,
    /// Median baseline run, in nanoseconds.
    pub baseline_ns: f64,
}

impl PairedRun {
    /// Measures `subject` against `baseline` over `rounds` alternating rounds, after one warm-up
    /// run each.
    pub fn measure(
        section: &str,
        row: &str,
        baseline: &str,
        rounds: u32,
        mut subject: impl FnMut(),
        mut base: impl FnMut(),
    ) -> Self {
        let time = |f: &mut dyn FnMut()| {
            let start = std::time::Instant::now();
            f();
            start.elapsed().as_nanos() as f64
        };
        subject();
        base();
        let (mut ratios, mut s_times, mut b_times) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (s, b) = if round % 2 == 0 {
                let s = time(&mut subject);
                (s, time(&mut base))
            } else {
                let b = time(&mut base);
                (time(&mut subject), b)
            };
            ratios.push(s / b.max(1.0));
            s_times.push(s);
            b_times.push(b);
        }
        PairedRun {
            section: section.to_string(),
            row: row.to_string(),
            baseline: baseline.to_string(),
            rounds,
            median_ratio: median(&mut ratios),
            subject_ns: median(&mut s_times),
            baseline_ns: median(&mut b_times),
        }
    }

    fn to_json(&self) -> Value {
        serde_json::json!({
            "section": self.section,
            "row": self.row,
            "baseline": self.baseline,
            "rounds": self.rounds,
            "median_ratio": self.median_ratio,
            "subject_ns": self.subject_ns,
            "baseline_ns": self.baseline_ns,
        })
    }

    fn from_json(v: &Value) -> Option<Self> {
        let text = |key: &str| Some(v.get(key)?.as_str()?.to_string());
        Some(PairedRun {
            section: text("section")?,
            row: text("row")?,
            baseline: text("baseline")?,
            rounds: u32::try_from(v.get("rounds")?.as_u64()?).ok()?,
            median_ratio: v.get("median_ratio")?.as_f64()?,
            subject_ns: v.get("subject_ns")?.as_f64()?,
            baseline_ns: v.get("baseline_ns")?.as_f64()?,
        })
    }
}

/// The median of `values` (0 when empty).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Saves the paired runs of `section` to `paired-<section>.json` in `criterion_dir`.
pub fn save_paired(criterion_dir: &Path, section: &str, runs: &[PairedRun]) -> Result<(), String> {
    fs::create_dir_all(criterion_dir).map_err(|e| format!("cannot create {}: {e}", criterion_dir.display()))?;
    let path = criterion_dir.join(format!("{PAIRED_PREFIX}{section}.json"));
    let json = Value::Array(runs.iter().map(PairedRun::to_json).collect());
    fs::write(&path, json.to_string()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Reads every section's paired runs saved in `criterion_dir` (none if there are no files), by
/// section name.
pub fn load_paired(criterion_dir: &Path) -> Result<Vec<PairedRun>, String> {
    let Ok(entries) = fs::read_dir(criterion_dir) else { return Ok(Vec::new()) };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(PAIRED_PREFIX) && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    let mut runs = Vec::new();
    for path in files {
        let json = read_json(&path)?;
        for v in json.as_array().ok_or_else(|| format!("{}: expected an array", path.display()))? {
            runs.push(PairedRun::from_json(v).ok_or_else(|| format!("{}: malformed entry {v}", path.display()))?);
        }
    }
    Ok(runs)
}

/// Renders paired runs as one markdown table per section and baseline, with the geomean and
/// the section's target.
pub fn render_paired(runs: &[PairedRun]) -> String {
    let mut groups: BTreeMap<(&str, &str), Vec<&PairedRun>> = BTreeMap::new();
    for r in runs {
        groups.entry((r.section.as_str(), r.baseline.as_str())).or_default().push(r);
    }
    let mut out = String::new();
    for ((section, baseline), runs) in groups {
        let _ = writeln!(out, "### {section}, paired ({SUBJECT} and {baseline} runs alternated)\n");
        let _ = writeln!(
            out,
            "| benchmark | rounds | {SUBJECT} (median) | {baseline} (median) | median of per-round ratios |"
        );
        out.push_str("|---|---:|---:|---:|---:|\n");
        for r in &runs {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.3} |",
                r.row,
                r.rounds,
                format_time(r.subject_ns),
                format_time(r.baseline_ns),
                r.median_ratio
            );
        }
        let ratios: Vec<f64> = runs.iter().map(|r| r.median_ratio).collect();
        let Some(g) = geomean(&ratios) else { continue };
        let _ = writeln!(out, "| **geomean** | | | | **{g:.3}** |\n");
        for target in TARGETS.iter().filter(|t| t.section == section && t.baseline == baseline) {
            let verdict = if g <= target.max_ratio { "met" } else { "**missed**" };
            let _ = writeln!(
                out,
                "- Target {} (paired): `{SUBJECT} / {baseline}` geomean ≤ {:.2}; measured {g:.3}: {verdict}.\n",
                target.description, target.max_ratio
            );
        }
    }
    out
}

/// One benchmark's median, as saved by criterion's latest run.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Criterion group id, e.g. `execute/fib`.
    pub group: String,
    /// Function id within the group, e.g. `wasmi-fuel`.
    pub function: String,
    /// Parameter string, if the benchmark had one.
    pub value: Option<String>,
    /// Median time per iteration in nanoseconds.
    pub median_ns: f64,
    /// Bytes processed per iteration, if the benchmark declared a byte throughput.
    pub bytes: Option<u64>,
}

/// The criterion output directory used when none is given: `$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else `<workspace>/target/criterion` (criterion's own order).
pub fn default_criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(target).join("criterion");
    }
    let benches = Path::new(env!("CARGO_MANIFEST_DIR"));
    benches.parent().unwrap_or(benches).join("target").join("criterion")
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

fn find_benchmark_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        if path.is_dir() {
            find_benchmark_files(&path, out)?;
        } else if path.file_name().is_some_and(|n| n == "benchmark.json")
            && path.parent().and_then(Path::file_name).is_some_and(|n| n == "new")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Parses one `new/` directory's `benchmark.json` and `estimates.json`.
fn parse_measurement(benchmark_json: &Path) -> Result<Measurement, String> {
    let id = read_json(benchmark_json)?;
    let estimates_path = benchmark_json.with_file_name("estimates.json");
    let estimates = read_json(&estimates_path)?;
    let group = id
        .get("group_id")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{}: no group_id", benchmark_json.display()))?
        .to_string();
    let function = id.get("function_id").and_then(Value::as_str).unwrap_or("").to_string();
    let value = id.get("value_str").and_then(Value::as_str).map(str::to_string);
    let bytes =
        id.get("throughput").and_then(|t| t.get("Bytes").or_else(|| t.get("BytesDecimal")).and_then(Value::as_u64));
    let median_ns = estimates
        .pointer("/median/point_estimate")
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("{}: no median point estimate", estimates_path.display()))?;
    Ok(Measurement { group, function, value, median_ns, bytes })
}

/// Collects every benchmark's latest median under `criterion_dir`, sorted by group and function.
pub fn collect(criterion_dir: &Path) -> Result<Vec<Measurement>, String> {
    let mut files = Vec::new();
    find_benchmark_files(criterion_dir, &mut files)?;
    let mut measurements = files.iter().map(|f| parse_measurement(f)).collect::<Result<Vec<_>, _>>()?;
    measurements.sort_by(|a, b| (&a.group, &a.function).cmp(&(&b.group, &b.function)));
    Ok(measurements)
}

/// Formats nanoseconds with a unit that keeps 3-4 significant digits.
pub fn format_time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// Formats a byte count as kB or MB (decimal units, as the MB/s throughput).
pub fn format_bytes(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.2} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} kB", bytes as f64 / 1e3)
    }
}

/// Geometric mean of positive, finite values (`None` when there are none).
pub fn geomean(values: &[f64]) -> Option<f64> {
    let logs: Vec<f64> = values.iter().filter(|v| v.is_finite() && **v > 0.0).map(|v| v.ln()).collect();
    if logs.is_empty() {
        None
    } else {
        Some((logs.iter().sum::<f64>() / logs.len() as f64).exp())
    }
}

fn column_rank(function: &str) -> (usize, String) {
    let rank = COLUMN_ORDER.iter().position(|c| *c == function).unwrap_or(COLUMN_ORDER.len());
    (rank, function.to_string())
}

/// A row key: the group without its section prefix, plus the parameter if any.
fn row_name(group: &str, value: Option<&str>) -> String {
    let base = group.split_once('/').map_or(group, |(_, rest)| rest);
    match value {
        Some(v) => format!("{base}/{v}"),
        None => base.to_string(),
    }
}

/// Renders one markdown table per section (the part of the group id before the first `/`).
///
/// Cells hold the median time per iteration (and MB/s when the benchmark declared a byte
/// throughput); ratio columns hold `tally time / baseline time`, so values below 1 mean tally
/// is faster; the last row is the geometric mean of each ratio column.
pub fn render_markdown(measurements: &[Measurement]) -> String {
    // section -> row -> function -> measurement
    let mut sections: BTreeMap<String, BTreeMap<String, BTreeMap<String, &Measurement>>> = BTreeMap::new();
    for m in measurements {
        let section = m.group.split_once('/').map_or("", |(s, _)| s).to_string();
        sections
            .entry(section)
            .or_default()
            .entry(row_name(&m.group, m.value.as_deref()))
            .or_default()
            .insert(m.function.clone(), m);
    }

    let mut out = String::new();
    for (section, rows) in &sections {
        let mut columns: Vec<String> = rows.values().flat_map(|fns| fns.keys().cloned()).collect();
        columns.sort_by_key(|c| column_rank(c));
        columns.dedup();
        let has_subject = columns.iter().any(|c| c == SUBJECT);
        let baselines: Vec<&String> = columns
            .iter()
            .filter(|c| has_subject && c.as_str() != SUBJECT && !REFERENCE_ONLY.contains(&c.as_str()))
            .collect();
        let has_bytes = rows.values().any(|fns| fns.values().any(|m| m.bytes.is_some()));

        let title = if section.is_empty() { "(ungrouped)" } else { section };
        let _ = writeln!(out, "### {title}\n");
        let mut header = String::from("| benchmark |");
        let mut rule = String::from("|---|");
        if has_bytes {
            header.push_str(" size |");
            rule.push_str("---:|");
        }
        for c in &columns {
            let _ = write!(header, " {c} |");
            rule.push_str("---:|");
        }
        for b in &baselines {
            let _ = write!(header, " {SUBJECT} / {b} |");
            rule.push_str("---:|");
        }
        let _ = writeln!(out, "{header}\n{rule}");

        let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); baselines.len()];
        for (row, fns) in rows {
            let mut line = format!("| {row} |");
            if has_bytes {
                match fns.values().find_map(|m| m.bytes) {
                    Some(b) => {
                        let _ = write!(line, " {} |", format_bytes(b));
                    }
                    None => line.push_str(" |"),
                }
            }
            for c in &columns {
                match fns.get(c.as_str()) {
                    Some(m) => {
                        let _ = write!(line, " {}", format_time(m.median_ns));
                        if let Some(b) = m.bytes {
                            // bytes per ns = GB/s; ×1000 = MB/s
                            let _ = write!(line, " ({:.1} MB/s)", b as f64 / m.median_ns * 1e3);
                        }
                        line.push_str(" |");
                    }
                    None => line.push_str(" – |"),
                }
            }
            let subject = fns.get(SUBJECT).map(|m| m.median_ns);
            for (i, b) in baselines.iter().enumerate() {
                match (subject, fns.get(b.as_str())) {
                    (Some(s), Some(m)) if m.median_ns > 0.0 => {
                        let ratio = s / m.median_ns;
                        ratios[i].push(ratio);
                        let _ = write!(line, " {ratio:.2} |");
                    }
                    _ => line.push_str(" – |"),
                }
            }
            let _ = writeln!(out, "{line}");
        }
        if !baselines.is_empty() {
            let mut line = String::from("| **geomean** |");
            if has_bytes {
                line.push_str(" |");
            }
            for _ in &columns {
                line.push_str(" |");
            }
            for r in &ratios {
                match geomean(r) {
                    Some(g) => {
                        let _ = write!(line, " **{g:.2}** |");
                    }
                    None => line.push_str(" – |"),
                }
            }
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out);
        let mut any_target = false;
        for target in TARGETS.iter().filter(|t| t.section == section) {
            let Some(g) =
                baselines.iter().position(|b| b.as_str() == target.baseline).and_then(|i| geomean(&ratios[i]))
            else {
                continue;
            };
            let verdict = if g <= target.max_ratio { "met" } else { "**missed**" };
            let speed = if g < 1.0 { format!("{:.2}× faster", 1.0 / g) } else { format!("{g:.2}× the time") };
            let _ = writeln!(
                out,
                "- Target {}: `{SUBJECT} / {}` geomean ≤ {:.2}; measured {g:.2} ({speed}): {verdict}.",
                target.description, target.baseline, target.max_ratio
            );
            any_target = true;
        }
        if any_target {
            let _ = writeln!(out);
        }
    }
    if !sections.is_empty() {
        let _ = writeln!(
            out,
            "Medians of criterion's latest run. Ratios are `{SUBJECT} time / baseline time`: \
             below 1.00 means {SUBJECT} is faster. `wasmi-fuel` = wasmi with \
             `consume_fuel(true)`; `wasmi-eager` / `wasmi-lazy` = `Module::new` with \
             `CompilationMode::Eager` / `LazyTranslation` (validation only). In `inject`, \
             `{SUBJECT}` = tally-gas-injector and `wasm-instrument` = wasm-instrument 0.4 (gas via \
             host function + stack limiter), both validating their input; in `metered`, \
             `{SUBJECT}` = tally-vm running the module instrumented with the default schedule and \
             `tally-unmetered` = tally-vm running the original."
        );
    }
    out
}
