//! Measures wall time per unit of gas of adversarial scenarios (issues 10 and 11; `--list` shows
//! them by group) against ordinary code, and prints a markdown table.
//!
//! ```sh
//! cargo run --release -p tally-benches --bin time-per-gas                 # everything, ≈ 20 min
//! cargo run --release -p tally-benches --bin time-per-gas -- --quick      # smoke run
//! cargo run --release -p tally-benches --bin time-per-gas -- cold tables  # names containing a word
//! cargo run --release -p tally-benches --bin time-per-gas -- --list
//! cargo run --release -p tally-benches --bin time-per-gas -- --guard      # CI's guard, ≈ 1 min
//! ```
//!
//! Every scenario runs in a child process of this binary (`--child NAME`): a scenario that
//! exhausts memory or crashes ends only its own row, and each row's peak memory is its own. The
//! child measures the scenario paired with the baseline set (`tally_benches::tpg`) and prints its
//! row as JSON; this process collects the rows. Options:
//!
//! - `--quick`: smaller sizes and 3 rounds;
//! - `--processes N`: measure each scenario in `N` child processes and report the one with the
//!   median CPU-time ratio (default 3 in a full run, 1 with `--quick`);
//! - `--json FILE`: also write the rows as JSON;
//! - `--timeout SECS`: per child (default 300; a child that takes longer is killed);
//! - `--list`: print the scenario names;
//! - `--guard`: CI's guard (`tally_benches::guard`): only the guarded scenarios, each at its
//!   guard size with the guard's rounds, re-measured when over the bound; exits with failure if a
//!   scenario stays over it (or does not run), or if the guest programs are unavailable;
//! - `--child NAME --profile K`: run the scenario's setup, then the scenario `K` times, with no
//!   baseline and no measurement (each run's gas and time go to standard error), for a profiler:
//!   under `valgrind --tool=callgrind`, the difference between `K = 3` and `K = 1` is two runs'
//!   instructions. `--child baselines --profile K` runs the baseline set (without `--guests`:
//!   the arithmetic loop alone; with `--token`, the token transfers too).
//!
//! The guest programs and the SDK's example token contract of the baseline set are built once
//! (`tally_guests::build`, `tally_sdk_build`; both need the `wasm32-unknown-unknown` target;
//! `TALLY_TPG_GUESTS` may name a prebuilt guests module) and
//! handed to the children (`--guests PATH`, `--token PATH`); without them the baseline set is
//! what remains (at least the arithmetic loop).

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use tally_benches::guard::{self, Reading, Verdict};
use tally_benches::scenarios::{self, Scale};
use tally_benches::tpg::{self, Outcome, Plan, Row};

/// Marks a row in a child's standard output.
const ROW_PREFIX: &str = "ROW ";

/// The child that measures the baseline set against itself.
const BASELINES: &str = "baselines";

#[derive(Clone)]
struct Options {
    quick: bool,
    guard: bool,
    json: Option<String>,
    timeout: Duration,
    filters: Vec<String>,
    list: bool,
    child: Option<String>,
    guests: Option<String>,
    token: Option<String>,
    profile: Option<u32>,
    processes: Option<u32>,
}

fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut o = Options {
        quick: false,
        guard: false,
        json: None,
        timeout: Duration::from_secs(300),
        filters: Vec::new(),
        list: false,
        child: None,
        guests: None,
        token: None,
        profile: None,
        processes: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--quick" => o.quick = true,
            "--guard" => o.guard = true,
            "--list" => o.list = true,
            "--json" => o.json = Some(value("--json")?),
            "--timeout" => {
                let secs: u64 = value("--timeout")?.parse().map_err(|e| format!("--timeout: {e}"))?;
                o.timeout = Duration::from_secs(secs);
            }
            "--child" => o.child = Some(value("--child")?),
            "--guests" => o.guests = Some(value("--guests")?),
            "--token" => o.token = Some(value("--token")?),
            "--profile" => o.profile = Some(value("--profile")?.parse().map_err(|e| format!("--profile: {e}"))?),
            "--processes" => {
                let n: u32 = value("--processes")?.parse().map_err(|e| format!("--processes: {e}"))?;
                o.processes = Some(n.max(1));
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => o.filters.push(arg),
        }
    }
    Ok(o)
}

const USAGE: &str =
    "usage: time-per-gas [--quick | --guard] [--processes N] [--json FILE] [--timeout SECS] [--list] [NAME-FILTER...]";

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        }
    };
    if options.list {
        let mut group = 0;
        for s in scenarios::all() {
            if s.group != group {
                group = s.group;
                println!("{group}. {}", scenarios::group_name(group));
            }
            println!("{:>2}  {}", s.group, s.name);
        }
        return ExitCode::SUCCESS;
    }
    match &options.child {
        Some(name) => child(name, &options),
        None if options.guard => guard_parent(&options),
        None => parent(&options),
    }
}

fn scale(options: &Options) -> (Scale, Plan) {
    let scale = if options.quick { Scale::Quick } else { Scale::Full };
    let plan = match (options.guard, options.quick) {
        (true, _) => guard::PLAN,
        (false, true) => Plan::QUICK,
        (false, false) => Plan::FULL,
    };
    (scale, plan)
}

/// Runs one scenario (or the baseline set) and prints its rows.
fn child(name: &str, options: &Options) -> ExitCode {
    let (scale, plan) = scale(options);
    let read = |path: &Option<String>| match path {
        Some(path) => std::fs::read(path).map(Some).map_err(|e| format!("{path}: {e}")),
        None => Ok(None),
    };
    let (guests, token) = match (read(&options.guests), read(&options.token)) {
        (Ok(guests), Ok(token)) => (guests, token),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let programs = scenarios::BaselinePrograms { guests: guests.as_deref(), token: token.as_deref() };
    let mut baselines = match scenarios::baselines(scale, programs) {
        Ok(b) => b,
        Err(e) => {
            print_row(&Row { name: name.to_string(), param: String::new(), outcome: Outcome::Failed(e) });
            return ExitCode::SUCCESS;
        }
    };
    if let Some(runs) = options.profile {
        return profile(name, scale, &mut baselines, runs);
    }
    if name == BASELINES {
        match tpg::measure_baselines(&mut baselines, &plan) {
            Ok(measured) => {
                for (b, m) in baselines.iter().zip(measured) {
                    let param = "baseline".to_string();
                    print_row(&Row { name: b.name.clone(), param, outcome: Outcome::Measured(m) });
                }
            }
            Err(e) => print_row(&Row { name: name.into(), param: String::new(), outcome: Outcome::Failed(e) }),
        }
        return ExitCode::SUCCESS;
    }
    // Scenarios are paired with the reference members only (the others are reported with the
    // baseline set).
    baselines.retain(|b| b.reference);
    let Some(scenario) = scenarios::all().into_iter().find(|s| s.name == name) else {
        eprintln!("no scenario named {name}");
        return ExitCode::FAILURE;
    };
    let label = format!("{}. {}", scenario.group, scenario.name);
    let row = match (scenario.setup)(scale) {
        Err(refused) => Row { name: label, param: refused.param, outcome: Outcome::Refused(refused.reason) },
        Ok(mut prepared) => {
            let outcome = match tpg::measure(&mut prepared.run, &mut baselines, &plan) {
                Ok(m) => Outcome::Measured(m),
                Err(e) if e.starts_with("baseline") => Outcome::Failed(e),
                Err(e) => Outcome::Refused(e),
            };
            Row { name: label, param: prepared.param, outcome }
        }
    };
    print_row(&row);
    ExitCode::SUCCESS
}

/// Runs the scenario `name` (or the baseline set) `runs` times, reporting each run on standard
/// error.
fn profile(name: &str, scale: Scale, baselines: &mut [tpg::Baseline], runs: u32) -> ExitCode {
    let report = |what: &str, sample: Result<tpg::Sample, String>| match sample {
        Ok(s) => eprintln!("{what}: {} gas, {}", s.gas, tpg::format_time(s.ns)),
        Err(e) => eprintln!("{what}: {e}"),
    };
    if name == BASELINES {
        for _ in 0..runs {
            for b in baselines.iter_mut() {
                report(&b.name, (b.run)());
            }
        }
        return ExitCode::SUCCESS;
    }
    let Some(scenario) = scenarios::all().into_iter().find(|s| s.name == name) else {
        eprintln!("no scenario named {name}");
        return ExitCode::FAILURE;
    };
    match (scenario.setup)(scale) {
        Ok(mut prepared) => {
            for _ in 0..runs {
                report(name, (prepared.run)());
            }
            ExitCode::SUCCESS
        }
        Err(refused) => {
            eprintln!("{name}: setup: {}", refused.reason);
            ExitCode::FAILURE
        }
    }
}

fn print_row(row: &Row) {
    println!("{ROW_PREFIX}{}", row.to_json());
}

/// Files of the baseline set's programs, handed to every child.
struct Programs {
    /// The guest programs' module (`--guests`).
    guests: Option<String>,
    /// The example token's code (`--token`).
    token: Option<String>,
}

/// Runs `--child name` and returns its rows, or a failed row saying why there are none.
fn run_child(name: &str, label: &str, options: &Options, programs: &Programs) -> Vec<Row> {
    let failed =
        |why: String| vec![Row { name: label.to_string(), param: String::new(), outcome: Outcome::Failed(why) }];
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return failed(format!("cannot find this executable: {e}")),
    };
    let mut command = Command::new(exe);
    command.args(["--child", name]);
    if options.quick {
        command.arg("--quick");
    }
    if options.guard {
        command.arg("--guard");
    }
    if let Some(path) = &programs.guests {
        command.args(["--guests", path]);
    }
    if let Some(path) = &programs.token {
        command.args(["--token", path]);
    }
    let mut process = match command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(p) => p,
        Err(e) => return failed(format!("cannot start the child: {e}")),
    };
    let mut stdout = process.stdout.take().expect("piped stdout");
    let stderr = process.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    // Forward the child's messages as they come, and keep the last few for the report.
    let err = std::thread::spawn(move || {
        let mut last = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("    {line}");
            last.push(line);
            if last.len() > 3 {
                last.remove(0);
            }
        }
        last.join(" / ")
    });
    let start = Instant::now();
    let status = loop {
        match process.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if start.elapsed() > options.timeout => {
                let _ = process.kill();
                let _ = process.wait();
                break Err(format!("timed out after {} s", options.timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Err(format!("waiting for the child: {e}")),
        }
    };
    let text = out.join().unwrap_or_default();
    let last_err = err.join().unwrap_or_default();
    let rows: Vec<Row> = text
        .lines()
        .filter_map(|l| l.strip_prefix(ROW_PREFIX))
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter_map(|v| Row::from_json(&v))
        .collect();
    match status {
        Ok(s) if s.success() && !rows.is_empty() => rows,
        Ok(s) => {
            failed(format!("child {s}{}", if last_err.is_empty() { String::new() } else { format!(": {last_err}") }))
        }
        Err(e) => failed(e),
    }
}

fn parent(options: &Options) -> ExitCode {
    let selected: Vec<_> = scenarios::all()
        .into_iter()
        .filter(|s| options.filters.is_empty() || options.filters.iter().any(|f| s.name.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        eprintln!("no scenario matches {:?} (see --list)", options.filters);
        return ExitCode::FAILURE;
    }
    let guests = match guests_path() {
        Ok(path) => Some(path),
        Err(e) => {
            eprintln!("guest programs unavailable, the baseline set runs without them: {e}");
            None
        }
    };
    let token = match scenarios::token_wasm_path() {
        Ok(path) => Some(path.display().to_string()),
        Err(e) => {
            eprintln!("the example token is unavailable, the baseline set runs without its transfers: {e}");
            None
        }
    };
    let programs = Programs { guests, token };
    let started = Instant::now();
    let load_before = load_average();
    eprintln!("baseline set ...");
    let mut rows = run_child(BASELINES, "baselines", options, &programs);
    report_progress(&rows);
    let reference = rows.iter().find_map(|r| match &r.outcome {
        Outcome::Measured(m) => Some((m.baseline_ns_per_kgas, m.baseline_cpu_ns_per_kgas)),
        _ => None,
    });
    let processes = options.processes.unwrap_or(if options.quick { 1 } else { DEFAULT_PROCESSES });
    for s in &selected {
        let label = format!("{}. {}", s.group, s.name);
        let mut children = Vec::new();
        for k in 0..processes {
            eprintln!(
                "{label} ...{}",
                if processes > 1 { format!(" (process {} of {processes})", k + 1) } else { String::new() }
            );
            let new = run_child(s.name, &label, options, &programs);
            report_progress(&new);
            let done = new.first().is_none_or(|r| !matches!(r.outcome, Outcome::Measured(_)));
            children.push(new);
            if done {
                break;
            }
        }
        rows.extend(median_child(children));
    }
    println!(
        "Time per gas, {} run, {} rows in {:.0} s (load average {} before, {} after). \
         Baseline median: {} ns per 1000 gas.\n",
        if options.quick { "quick" } else { "full" },
        rows.len(),
        started.elapsed().as_secs_f64(),
        load_before,
        load_average(),
        reference.map_or("unknown".to_string(), |(wall, cpu)| format!("{wall:.2} (wall), {cpu:.2} (CPU time)"))
    );
    print!("{}", tpg::render(&rows));
    if let Some(path) = &options.json {
        let json = serde_json::Value::Array(rows.iter().map(Row::to_json).collect());
        if let Err(e) = std::fs::write(path, format!("{json:#}\n")) {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// How many child processes measure each scenario in a full run. A process's baseline speed is
/// one of two modes, about 35 % apart, that hold for the process's life (BENCHMARKS.md, "Two
/// speeds"), and scenarios gain less than the baseline in the fast one: the median of three
/// processes is rarely a fast-mode reading.
const DEFAULT_PROCESSES: u32 = 3;

/// The rows of the child whose CPU-time ratio is the median of `children`'s (each a single
/// measured row), its parameter text extended with every child's ratio; a child that did not
/// measure (refused, failed) is returned as it is.
fn median_child(mut children: Vec<Vec<Row>>) -> Vec<Row> {
    let ratio = |rows: &Vec<Row>| match rows.first().map(|r| &r.outcome) {
        Some(Outcome::Measured(m)) if rows.len() == 1 => Some(m.cpu_ratio),
        _ => None,
    };
    if children.len() < 2 || children.iter().any(|c| ratio(c).is_none()) {
        return children.pop().unwrap_or_default();
    }
    children.sort_by(|a, b| ratio(a).unwrap_or(0.0).total_cmp(&ratio(b).unwrap_or(0.0)));
    let all: Vec<String> = children.iter().filter_map(ratio).map(tpg::format_ratio).collect();
    let mut median = children.swap_remove(children.len() / 2);
    if let Some(row) = median.first_mut() {
        row.param = format!("{}; CPU-time ratios of {} processes: {}", row.param, all.len(), all.join(", "));
    }
    median
}

/// The guest programs' module: the file named by `TALLY_TPG_GUESTS` if set (no build, so no
/// wait on a cargo lock another build holds), else built by `tally_guests::build`.
fn guests_path() -> Result<String, String> {
    match std::env::var("TALLY_TPG_GUESTS") {
        Ok(path) => Ok(path),
        Err(_) => tally_guests::build::wasm_path().map(|p| p.display().to_string()).map_err(|e| e.to_string()),
    }
}

/// The 1-minute load average, from `/proc/loadavg` ("?" elsewhere).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn report_progress(rows: &[Row]) {
    for row in rows {
        let line = match &row.outcome {
            Outcome::Measured(m) => format!(
                "{} gas, {}, {:.3} ns/1000 gas, ratio {} (CPU time: {}), {} rounds",
                tpg::format_gas(m.gas),
                tpg::format_time(m.ns),
                m.ns_per_kgas,
                tpg::format_ratio(m.ratio),
                tpg::format_ratio(m.cpu_ratio),
                m.rounds
            ),
            Outcome::Refused(e) => format!("refused: {e}"),
            Outcome::Failed(e) => format!("failed: {e}"),
        };
        eprintln!("  {}: {line}", row.name);
    }
}

/// CI's guard: measures each guarded scenario (again, up to `guard::ATTEMPTS` times, while it
/// reads over the bound), prints the rows and verdicts, and fails if any scenario stays over.
fn guard_parent(options: &Options) -> ExitCode {
    let all = scenarios::all();
    let mut selected = Vec::new();
    for g in guard::SCENARIOS {
        if !options.filters.is_empty() && !options.filters.iter().any(|f| g.name.contains(f.as_str())) {
            continue;
        }
        match all.iter().find(|s| s.name == g.name) {
            Some(s) => selected.push((g, s.group)),
            None => {
                eprintln!("guard: `{}` is not a scenario of the suite", g.name);
                return ExitCode::FAILURE;
            }
        }
    }
    if selected.is_empty() {
        eprintln!("no guarded scenario matches {:?} (see tally_benches::guard::SCENARIOS)", options.filters);
        return ExitCode::FAILURE;
    }
    // The bound is relative to the documented baseline set: without the guests or the token it
    // would be relative to a different median.
    let guests = match guests_path() {
        Ok(path) => path,
        Err(e) => {
            eprintln!("guard: the baseline set needs the guest programs: {e}");
            return ExitCode::FAILURE;
        }
    };
    let token = match scenarios::token_wasm_path() {
        Ok(path) => path.display().to_string(),
        Err(e) => {
            eprintln!("guard: the baseline set needs the example token: {e}");
            return ExitCode::FAILURE;
        }
    };
    let programs = Programs { guests: Some(guests), token: Some(token) };
    let started = Instant::now();
    let load_before = load_average();
    let mut results = Vec::new();
    for (g, group) in selected {
        let label = format!("{group}. {}", g.name);
        let child_options = Options { quick: g.scale == Scale::Quick, ..options.clone() };
        let mut attempts = Vec::new();
        let (row, verdict) = loop {
            eprintln!("{label} ...");
            let rows = run_child(g.name, &label, &child_options, &programs);
            report_progress(&rows);
            let row = rows.into_iter().next().expect("run_child returns a row");
            attempts.push(Reading::of(&row));
            match guard::verdict(&attempts) {
                Verdict::Retry => eprintln!("  over {}× the baseline median: measuring again", guard::BOUND),
                verdict => break (row, verdict),
            }
        };
        results.push((row, attempts, verdict));
    }
    let failed: Vec<&Row> = results.iter().filter(|(_, _, v)| *v == Verdict::Fail).map(|(r, _, _)| r).collect();
    println!(
        "Time-per-gas guard: {} scenarios, bound {}× the baseline median's CPU time per gas, {:.0} s \
         (load average {} before, {} after).\n",
        results.len(),
        guard::BOUND,
        started.elapsed().as_secs_f64(),
        load_before,
        load_average()
    );
    println!("| scenario | size | gas | ratio (wall) | ratio (CPU time) | attempts (CPU time) | verdict |");
    println!("|---|---|---:|---:|---:|---|---|");
    for (row, attempts, verdict) in &results {
        let (gas, wall, cpu) = match &row.outcome {
            Outcome::Measured(m) => {
                (tpg::format_gas(m.gas), tpg::format_ratio(m.ratio), tpg::format_ratio(m.cpu_ratio))
            }
            _ => (String::new(), String::new(), String::new()),
        };
        let verdict = if *verdict == Verdict::Pass { "ok" } else { "**over the bound**" };
        println!(
            "| {} | {} | {gas} | {wall} | {cpu} | {} | {verdict} |",
            row.name,
            row.param,
            guard::describe(attempts).replace('|', "/")
        );
    }
    let worst = results
        .iter()
        .filter_map(|(row, attempts, _)| match attempts.last() {
            Some(Reading::Ratio(r)) => Some((row.name.as_str(), *r)),
            _ => None,
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((name, ratio)) = worst {
        println!("\nworst: {name}, {}", tpg::format_ratio(ratio));
    }
    if failed.is_empty() {
        println!("guard passed");
        ExitCode::SUCCESS
    } else {
        let names: Vec<&str> = failed.iter().map(|r| r.name.as_str()).collect();
        println!(
            "guard FAILED: {} over {}× the baseline median (or not measured) in all {} attempts: {}",
            names.len(),
            guard::BOUND,
            guard::ATTEMPTS,
            names.join(", ")
        );
        ExitCode::FAILURE
    }
}
