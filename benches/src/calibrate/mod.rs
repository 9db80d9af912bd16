//! The cost calibration (issue 11): measures every price of the cost model on its worst-case
//! input at several sizes, fits `const + per_unit · x`, converts time to gas by the pricing rule
//! ([`file::UNIT`], [`minimax`]), and writes a calibration file (the proposed `Schedule`
//! and `HostCosts`) and a report. Run by the `calibrate` binary; `BENCHMARKS.md`,
//! "Calibration", describes the method and how to rerun it.
//!
//! - [`terms`]: what is priced, and the operator classes;
//! - [`probe`], [`kernel`]: a probe and the contracts probes run;
//! - [`ops`], [`host`], [`storage`], [`code`]: the probes, in calibration order;
//! - [`measure`]: timing (paired, alternating rounds) and exact gas counts;
//! - [`fit`]: least squares and rounding;
//! - [`minimax`]: the pricing rule (v4): the least largest ratio of a complete program's time
//!   per gas to ordinary code's true median, then the prices nearest each term's own worst case
//!   at that bound, by linear programming;
//! - [`inputs`]: the rule's inputs, saved so it can be re-solved without measuring;
//! - [`programs`]: the complete programs it bounds (the time-per-gas suite's scenarios and
//!   baselines, the probes run whole) and what each is charged for, counted from the metering;
//! - [`direction`]: the branch census (how often each site changes direction: the count of
//!   `op.branch-change`) and rule inputs with that count;
//! - [`feasible`]: rule v1 (each isolated worst case within 2.5× ordinary code), kept for its
//!   feasibility figures: it cannot converge;
//! - [`pipeline`]: the run, from probes to prices;
//! - [`file`], [`report`]: the outputs.

pub mod code;
pub mod direction;
pub mod feasible;
pub mod file;
pub mod fit;
pub mod host;
pub mod inputs;
pub mod kernel;
pub mod measure;
pub mod minimax;
pub mod ops;
pub mod pipeline;
pub mod probe;
pub mod programs;
pub mod report;
pub mod storage;
pub mod terms;

/// How big the probes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The calibration: sizes up to the limits, runs of about a millisecond or more.
    Full,
    /// A smoke run of the tool, with smaller sizes (its numbers are not a calibration).
    Quick,
    /// Tiny sizes that only check that every probe builds, runs and counts (tests).
    Tiny,
}

/// The machine this process runs on, in words: the CPU model, its logical CPUs, memory, and
/// whether it is a virtual machine (from `/proc/cpuinfo` and `/proc/meminfo`).
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_string())
    };
    let model = field("model name").unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cpus = cpuinfo.lines().filter(|l| l.starts_with("processor")).count().max(1);
    let virtual_machine = field("flags").is_some_and(|f| f.split(' ').any(|flag| flag == "hypervisor"));
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kib| kib.parse::<u64>().ok()))
        .map(|kib| format!(", {} GiB", (kib + (1 << 19)) >> 20))
        .unwrap_or_default();
    let family = match (field("cpu family"), field("model")) {
        (Some(f), Some(m)) => format!(" (family {f}, model {m})"),
        _ => String::new(),
    };
    format!(
        "{model}{family}, {cpus} logical CPUs{memory}{}, {}",
        if virtual_machine { ", virtual machine" } else { "" },
        std::env::consts::ARCH
    )
}
