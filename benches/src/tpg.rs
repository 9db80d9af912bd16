//! Time per unit of gas: paired measurement of a subject against the baseline set, peak memory,
//! and the rows of the report.
//!
//! A subject is a closure that runs once and says how much gas it used and how long its timed
//! part took ([`Sample`]). [`measure`] alternates single runs of the subject with one run of
//! every baseline, round by round, and reports the median over rounds of
//! `subject ns/gas ÷ the round's median baseline ns/gas`: the machine's speed drifts by tens of
//! percent over seconds, and runs milliseconds apart see the same machine (the idea of
//! [`PairedRun`](crate::report::PairedRun), with a set of baselines instead of one).
//!
//! Each run is timed twice: wall time, and the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
//! Both ratios are reported. On an idle machine they agree for work that never waits (storage
//! that syncs to disk does wait); on a loaded one, wall time also counts the time other
//! processes had the core, which inflates long runs more than short ones (a run shorter than a
//! scheduler slice often escapes it), so the CPU-time ratio is the steadier of the two there.
//!
//! Peak memory is the process's resident high-water mark (`VmHWM`) over the measured rounds,
//! after resetting it (`echo 5 > /proc/self/clear_refs`), and its growth over the resident size
//! before them.

use std::fmt::Write as _;
use std::time::Instant;

use serde_json::{json, Value};

/// How long something took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// Wall time, in nanoseconds.
    pub ns: f64,
    /// CPU time of the calling thread, in nanoseconds (the wall time where the platform has no
    /// thread clock).
    pub cpu_ns: f64,
}

/// One run of a subject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Gas the run used (as charged to the caller).
    pub gas: u64,
    /// Wall time of the run's timed part, in nanoseconds.
    pub ns: f64,
    /// CPU time of the run's timed part, in nanoseconds.
    pub cpu_ns: f64,
}

impl Sample {
    /// A run that used `gas` and took `timing`.
    pub fn new(gas: u64, timing: Timing) -> Self {
        Sample { gas, ns: timing.ns, cpu_ns: timing.cpu_ns }
    }

    /// Wall nanoseconds per 1000 gas; a run that used no gas counts as having used 1.
    pub fn ns_per_kgas(&self) -> f64 {
        self.ns * 1000.0 / self.gas.max(1) as f64
    }

    /// CPU nanoseconds per 1000 gas, likewise.
    pub fn cpu_ns_per_kgas(&self) -> f64 {
        self.cpu_ns * 1000.0 / self.gas.max(1) as f64
    }
}

/// Runs a subject once. `Err` means the node refused it or it ended otherwise than expected;
/// the message says how.
pub type Run = Box<dyn FnMut() -> Result<Sample, String>>;

/// The calling thread's CPU clock.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod thread_clock {
    /// `struct timespec` on 64-bit Linux.
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }

    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }

    /// `CLOCK_THREAD_CPUTIME_ID` in `<time.h>`.
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

    /// CPU time of the calling thread, in nanoseconds.
    pub fn now() -> Option<f64> {
        let mut t = Timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `t` is a valid, writable `struct timespec` for the duration of the call, and
        // clock_gettime writes nothing else.
        let status = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
        (status == 0).then_some(t.tv_sec as f64 * 1e9 + t.tv_nsec as f64)
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
mod thread_clock {
    /// No thread clock here.
    pub fn now() -> Option<f64> {
        None
    }
}

/// Times `f`: wall time and the thread's CPU time.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Timing) {
    let cpu = thread_clock::now();
    let start = Instant::now();
    let out = f();
    let ns = start.elapsed().as_nanos() as f64;
    let cpu_ns = match (cpu, thread_clock::now()) {
        (Some(a), Some(b)) => b - a,
        _ => ns,
    };
    (out, Timing { ns, cpu_ns })
}

/// A named member of the baseline set.
pub struct Baseline {
    /// The name, e.g. `fib(22)`.
    pub name: String,
    /// One run.
    pub run: Run,
    /// Whether it is in the reference median that ratios are taken against. A member outside it
    /// is measured and reported with the set, against that median, but scenarios are not
    /// paired with it.
    pub reference: bool,
}

/// How many rounds to measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Rounds are added until they would take about this long (estimated from one round).
    pub target_secs: f64,
    /// Fewest rounds.
    pub min_rounds: u32,
    /// Most rounds.
    pub max_rounds: u32,
}

impl Plan {
    /// The default run: about 5 s per scenario, 7 to 41 rounds.
    pub const FULL: Plan = Plan { target_secs: 5.0, min_rounds: 7, max_rounds: 41 };
    /// A smoke run: 3 rounds.
    pub const QUICK: Plan = Plan { target_secs: 0.3, min_rounds: 3, max_rounds: 3 };

    fn rounds(&self, round_ns: f64) -> u32 {
        let wanted = (self.target_secs * 1e9 / round_ns.max(1.0)).floor();
        (wanted.min(f64::from(self.max_rounds)) as u32).max(self.min_rounds)
    }
}

/// The resident-memory high-water mark over some runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeakMemory {
    /// `VmHWM` after the runs, in KiB.
    pub peak_kib: u64,
    /// `VmHWM` after the runs less `VmRSS` before them, in KiB.
    pub delta_kib: u64,
    /// Whether the high-water mark could be reset before the runs; if not, `peak_kib` may
    /// come from earlier in the process.
    pub reset: bool,
}

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// Runs `f` and measures its peak resident memory (`None` where `/proc` is not available).
pub fn peak_memory<T>(f: impl FnOnce() -> T) -> (T, Option<PeakMemory>) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kib("VmRSS");
    let out = f();
    let memory = match (before, status_kib("VmHWM")) {
        (Some(before), Some(peak)) => {
            Some(PeakMemory { peak_kib: peak, delta_kib: peak.saturating_sub(before), reset })
        }
        _ => None,
    };
    (out, memory)
}

/// What a paired measurement found.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Median gas per run.
    pub gas: u64,
    /// Whether the gas differed between runs.
    pub gas_varies: bool,
    /// Median wall time per run, in nanoseconds.
    pub ns: f64,
    /// Median of the runs' wall nanoseconds per 1000 gas.
    pub ns_per_kgas: f64,
    /// Median over rounds of the subject's wall ns/gas over the round's baseline median.
    pub ratio: f64,
    /// The same with CPU time.
    pub cpu_ratio: f64,
    /// Median over rounds of the baseline set's median wall ns per 1000 gas.
    pub baseline_ns_per_kgas: f64,
    /// The same with CPU time.
    pub baseline_cpu_ns_per_kgas: f64,
    /// Rounds measured.
    pub rounds: u32,
    /// Peak memory over the measured rounds (of one run, for a baseline).
    pub memory: Option<PeakMemory>,
}

/// The median of `values` (0 when empty).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn run_all(baselines: &mut [Baseline]) -> Result<Vec<Sample>, String> {
    baselines.iter_mut().map(|b| (b.run)().map_err(|e| format!("baseline {} failed: {e}", b.name))).collect()
}

/// The median wall and CPU ns per 1000 gas of one round of the baseline set's reference members
/// (`reference[k]` says whether `samples[k]` is one).
fn baseline_median(samples: &[Sample], reference: &[bool]) -> (f64, f64) {
    let members = || samples.iter().zip(reference).filter(|(_, r)| **r).map(|(s, _)| s);
    let wall = median(&mut members().map(Sample::ns_per_kgas).collect::<Vec<_>>());
    let cpu = median(&mut members().map(Sample::cpu_ns_per_kgas).collect::<Vec<_>>());
    (wall, cpu)
}

/// Per-round observations of one subject, summarized by [`Rounds::finish`].
#[derive(Default, Clone)]
struct Rounds {
    ratios: Vec<f64>,
    cpu_ratios: Vec<f64>,
    times: Vec<f64>,
    per_kgas: Vec<f64>,
    gases: Vec<u64>,
}

impl Rounds {
    fn push(&mut self, s: &Sample, reference: (f64, f64)) {
        self.ratios.push(s.ns_per_kgas() / reference.0);
        self.cpu_ratios.push(s.cpu_ns_per_kgas() / reference.1);
        self.times.push(s.ns);
        self.per_kgas.push(s.ns_per_kgas());
        self.gases.push(s.gas);
    }

    fn finish(mut self, base: &mut [(f64, f64)], memory: Option<PeakMemory>) -> Measured {
        self.gases.sort_unstable();
        let rounds = self.gases.len() as u32;
        Measured {
            gas: self.gases[self.gases.len() / 2],
            gas_varies: self.gases.first() != self.gases.last(),
            ns: median(&mut self.times),
            ns_per_kgas: median(&mut self.per_kgas),
            ratio: median(&mut self.ratios),
            cpu_ratio: median(&mut self.cpu_ratios),
            baseline_ns_per_kgas: median(&mut base.iter().map(|b| b.0).collect::<Vec<_>>()),
            baseline_cpu_ns_per_kgas: median(&mut base.iter().map(|b| b.1).collect::<Vec<_>>()),
            rounds,
            memory,
        }
    }
}

/// Measures `subject` against the baseline set. `Err` carries the subject's refusal (or a
/// baseline's failure, prefixed `baseline`). Peak memory covers all the measured rounds, after
/// two warm-up runs: the allocator's steady state can differ from a fresh process's (a large
/// block may come from fresh zero pages at first and from reused, memset memory later).
pub fn measure(subject: &mut Run, baselines: &mut [Baseline], plan: &Plan) -> Result<Measured, String> {
    let mask: Vec<bool> = baselines.iter().map(|b| b.reference).collect();
    // Warm-up: code paths, allocator pools, the page cache.
    subject()?;
    let last = subject()?;
    let warm = run_all(baselines)?;
    let rounds = plan.rounds(last.ns + warm.iter().map(|s| s.ns).sum::<f64>());
    let (result, memory) = peak_memory(|| -> Result<_, String> {
        let mut observed = Rounds::default();
        let mut base = Vec::new();
        for round in 0..rounds {
            let (s, b) = if round % 2 == 0 {
                let s = subject()?;
                (s, run_all(baselines)?)
            } else {
                let b = run_all(baselines)?;
                (subject()?, b)
            };
            let reference = baseline_median(&b, &mask);
            observed.push(&s, reference);
            base.push(reference);
        }
        Ok((observed, base))
    });
    let (observed, mut base) = result?;
    Ok(observed.finish(&mut base, memory))
}

/// Measures every baseline against the set's own median, round by round.
pub fn measure_baselines(baselines: &mut [Baseline], plan: &Plan) -> Result<Vec<Measured>, String> {
    let n = baselines.len();
    let mask: Vec<bool> = baselines.iter().map(|b| b.reference).collect();
    let warm = run_all(baselines)?;
    let mut memories = Vec::with_capacity(n);
    for b in baselines.iter_mut() {
        let (sample, memory) = peak_memory(&mut b.run);
        sample.map_err(|e| format!("baseline {} failed: {e}", b.name))?;
        memories.push(memory);
    }
    let rounds = plan.rounds(warm.iter().map(|s| s.ns).sum());
    let mut per = vec![Rounds::default(); n];
    let mut base = Vec::new();
    for round in 0..rounds {
        let samples = if round % 2 == 0 {
            run_all(baselines)?
        } else {
            // The same set in the other order, so that no member always runs first.
            let mut samples = Vec::with_capacity(n);
            for b in baselines.iter_mut().rev() {
                samples.push((b.run)().map_err(|e| format!("baseline {} failed: {e}", b.name))?);
            }
            samples.reverse();
            samples
        };
        let reference = baseline_median(&samples, &mask);
        base.push(reference);
        for (k, s) in samples.iter().enumerate() {
            per[k].push(s, reference);
        }
    }
    Ok(per.into_iter().zip(memories).map(|(rounds, memory)| rounds.finish(&mut base, memory)).collect())
}

/// How a row ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Measured.
    Measured(Measured),
    /// The node refused the scenario, or it ended otherwise than the scenario expects.
    Refused(String),
    /// The harness could not run it (setup failed, the process crashed or timed out).
    Failed(String),
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The scenario's name, e.g. `tables-many`.
    pub name: String,
    /// Its size parameter, in words.
    pub param: String,
    /// The result.
    pub outcome: Outcome,
}

impl Row {
    /// The row as JSON (one line of a child process's output).
    pub fn to_json(&self) -> Value {
        let outcome = match &self.outcome {
            Outcome::Measured(m) => json!({
                "gas": m.gas,
                "gas_varies": m.gas_varies,
                "ns": m.ns,
                "ns_per_kgas": m.ns_per_kgas,
                "ratio": m.ratio,
                "cpu_ratio": m.cpu_ratio,
                "baseline_ns_per_kgas": m.baseline_ns_per_kgas,
                "baseline_cpu_ns_per_kgas": m.baseline_cpu_ns_per_kgas,
                "rounds": m.rounds,
                "memory": m.memory.map(|p| json!({"peak_kib": p.peak_kib, "delta_kib": p.delta_kib, "reset": p.reset})),
            }),
            Outcome::Refused(e) => json!({ "refused": e }),
            Outcome::Failed(e) => json!({ "failed": e }),
        };
        json!({ "name": self.name, "param": self.param, "outcome": outcome })
    }

    /// Reads [`to_json`](Self::to_json)'s output.
    pub fn from_json(v: &Value) -> Option<Row> {
        let o = v.get("outcome")?;
        let outcome = if let Some(e) = o.get("refused") {
            Outcome::Refused(e.as_str()?.to_string())
        } else if let Some(e) = o.get("failed") {
            Outcome::Failed(e.as_str()?.to_string())
        } else {
            let memory = match o.get("memory") {
                Some(Value::Object(m)) => Some(PeakMemory {
                    peak_kib: m.get("peak_kib")?.as_u64()?,
                    delta_kib: m.get("delta_kib")?.as_u64()?,
                    reset: m.get("reset")?.as_bool()?,
                }),
                _ => None,
            };
            Outcome::Measured(Measured {
                gas: o.get("gas")?.as_u64()?,
                gas_varies: o.get("gas_varies")?.as_bool()?,
                ns: o.get("ns")?.as_f64()?,
                ns_per_kgas: o.get("ns_per_kgas")?.as_f64()?,
                ratio: o.get("ratio")?.as_f64()?,
                cpu_ratio: o.get("cpu_ratio")?.as_f64()?,
                baseline_ns_per_kgas: o.get("baseline_ns_per_kgas")?.as_f64()?,
                baseline_cpu_ns_per_kgas: o.get("baseline_cpu_ns_per_kgas")?.as_f64()?,
                rounds: u32::try_from(o.get("rounds")?.as_u64()?).ok()?,
                memory,
            })
        };
        Some(Row { name: v.get("name")?.as_str()?.to_string(), param: v.get("param")?.as_str()?.to_string(), outcome })
    }
}

/// `ns` with a unit: ns, µs, ms or s, three significant digits.
pub fn format_time(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    format!("{} {unit}", significant(value))
}

/// Three significant digits (at least the units).
fn significant(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Nanoseconds per 1000 gas: [`significant`], or two digits in scientific notation below 0.01
/// (a contract charged far more than it costs).
fn format_per_kgas(v: f64) -> String {
    if v >= 0.01 || v == 0.0 {
        significant(v)
    } else {
        format!("{v:.1e}")
    }
}

/// A gas amount, grouped by thousands up to 10^7 and with an SI prefix above.
pub fn format_gas(gas: u64) -> String {
    if gas < 10_000_000 {
        let digits = gas.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if gas < 10_000_000_000 {
        format!("{} M", significant(gas as f64 / 1e6))
    } else {
        format!("{} G", significant(gas as f64 / 1e9))
    }
}

/// A ratio: three significant digits, or a whole number when large.
pub fn format_ratio(r: f64) -> String {
    if r >= 1000.0 {
        let whole = format_gas(r.round() as u64);
        format!("{whole}×")
    } else if r >= 0.01 {
        format!("{}×", significant(r))
    } else {
        format!("{r:.1e}×")
    }
}

/// KiB as MiB or GiB.
pub fn format_kib(kib: u64) -> String {
    let mib = kib as f64 / 1024.0;
    if mib >= 1024.0 {
        format!("{} GiB", significant(mib / 1024.0))
    } else {
        format!("{} MiB", significant(mib))
    }
}

/// The report: a markdown table with one line per row.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str(
        "| scenario | size | gas | time | ns / 1000 gas | ratio to baseline median (wall) | ratio (CPU time) \
         | peak RSS (growth while measured) |\n",
    );
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for row in rows {
        match &row.outcome {
            Outcome::Measured(m) => {
                let gas = format!("{}{}", format_gas(m.gas), if m.gas_varies { " (varies)" } else { "" });
                let memory = match m.memory {
                    Some(p) => format!("{} (+{})", format_kib(p.peak_kib), format_kib(p.delta_kib)),
                    None => "—".to_string(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {gas} | {} | {} | **{}** | {} | {memory} |",
                    row.name,
                    row.param,
                    format_time(m.ns),
                    format_per_kgas(m.ns_per_kgas),
                    format_ratio(m.ratio),
                    format_ratio(m.cpu_ratio)
                );
            }
            Outcome::Refused(e) => {
                let _ = writeln!(out, "| {} | {} | | | | refused: {} | | |", row.name, row.param, one_line(e));
            }
            Outcome::Failed(e) => {
                let _ = writeln!(out, "| {} | {} | | | | failed: {} | | |", row.name, row.param, one_line(e));
            }
        }
    }
    out
}

/// `text` on one line, without table separators.
fn one_line(text: &str) -> String {
    text.replace('|', "/").lines().collect::<Vec<_>>().join(" ")
}
