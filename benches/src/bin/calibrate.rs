//! Calibrates Tally's cost model (issue 11): measures every price on its worst-case input at
//! several sizes, fits `const + per_unit · x`, and writes the proposed prices at 1 ns per 1000
//! gas (`tally_benches::calibrate`; `BENCHMARKS.md`, "Calibration").
//!
//! ```sh
//! cargo run --release -p tally-benches --bin calibrate                  # the calibration, ≈ 5 min
//! cargo run --release -p tally-benches --bin calibrate -- --quick       # smoke run at small sizes, ≈ 20 s
//! cargo run --release -p tally-benches --bin calibrate -- --preflight   # every probe once at full size
//! cargo run --release -p tally-benches --bin calibrate -- --quick alu/  # probes whose name contains alu/
//! cargo run --release -p tally-benches --bin calibrate -- --list
//! ```
//!
//! Writes `fitted.json` (the calibration file) and `report.md` into `--out DIR`: by default
//! `benches/calibration/` for a full, unfiltered run, and `target/calibration-quick/` otherwise,
//! so a smoke run never overwrites the committed calibration. Options:
//!
//! - `--quick`: smaller sizes and 3 rounds per probe (numbers for looking at, not for use);
//! - `--preflight`: the full sizes, one round per probe: checks that every probe builds and runs
//!   at its full size before a calibration (≈ 1 min; numbers not for use);
//! - `--recorded`: measure recorded executions (`Runtime::call_recorded`), as a node that keeps
//!   execution records runs them;
//! - `--guests FILE`: the guest programs' module for the ordinary-code check (default: built by
//!   `tally_guests::build`, or `TALLY_TPG_GUESTS`; the check keeps only the arithmetic loop if
//!   neither works);
//! - `--suite FILE`: a time-per-gas run at the current defaults (`time-per-gas --json FILE`,
//!   same scale): its scenarios and baselines join the complete programs the pricing rule
//!   bounds (`tally_benches::calibrate::minimax`); without it, the rule bounds the probes alone
//!   against ordinary code as timed here;
//! - `--token FILE`: the SDK example token for the suite's token baselines (default
//!   `TALLY_TPG_TOKEN`, or built);
//! - `--counts FILE`: the rule's counts (what every program is charged for) are read from
//!   `FILE` when it has them for the same gas, and written to it: counting takes minutes and
//!   needs no quiet machine, so a `--preflight` run can take them before the timed runs;
//! - `--out DIR`; `--list`: print the probes in calibration order;
//! - `--resolve FILE`: measure nothing; re-solve the pricing rule from the inputs a calibration
//!   saved (`rule-inputs.json` beside its `fitted.json`) and print its answer (`--floor X`,
//!   `--slack X`: the rule's floor and stage-2 slack instead of the committed ones; `--band X`,
//!   `--no-band`: the band; `--bound-probes`: bound the probes too (rule v3); `--release X`: rule v5's
//!   factor over the optimum a released program may reach; `--no-release`: one bound for every
//!   program (rule v4); `--aim X`: rule v6's aim for stage 2; `--no-aim`: none (rule v5));
//!   `--worst-of SUITE` (repeatable): a later suite run at today's defaults (`time-per-gas
//!   --json`) raises each scenario's and baseline's time to its worst over the runs
//!   ([`Inputs::raise_to_suite`](tally_benches::calibrate::inputs::Inputs::raise_to_suite)).
//!
//!   With `--direction CENSUS --variant NAME [--fit K]`, every program also counts the
//!   direction-model term `op.branch-change` of that variant from a branch census, at fit `K`
//!   (default: the residual of `11. br-if-random`); `--leave-out NAME` (repeatable) drops a
//!   program first (`tally_benches::calibrate::direction`); `--out DIR` writes the answer's
//!   `fitted.json` and the inputs as solved (`rule-inputs.json`);
//! - `--census FILE` (with `--suite`; a build with `--features census`): measure nothing; run
//!   every program of the suite once and write its branch census (per kind of Wasm branch:
//!   executions, direction changes, two-bit counter misses) to `FILE`.
//!
//! A calibration also writes `rule-inputs.json` (`tally_benches::calibrate::inputs`).
//!
//! Exits with failure when a probe failed or depends on a term priced after it.

use std::path::PathBuf;
use std::process::ExitCode;

use tally_benches::calibrate::direction::{self, Variant};
use tally_benches::calibrate::file::{self, Measured};
use tally_benches::calibrate::inputs::Inputs;
use tally_benches::calibrate::measure::Plan;
use tally_benches::calibrate::minimax::{self, Kind};
use tally_benches::calibrate::pipeline::uniform_defaults;
use tally_benches::calibrate::pipeline::{self, Options};
use tally_benches::calibrate::programs::read_suite;
use tally_benches::calibrate::terms::Term;
use tally_benches::calibrate::{machine, report, Scale};
use tally_host_env::Params;

const USAGE: &str = "usage: calibrate [--quick | --preflight] [--recorded] [--guests FILE] [--suite FILE] [--token FILE] [--counts FILE] [--out DIR] [--list] [NAME-FILTER...]\n       calibrate --resolve FILE [--floor X] [--slack X] [--band X | --no-band] [--bound-probes] [--release X | --no-release] [--aim X | --no-aim] [--worst-of SUITE]... [--out DIR]\n           [--direction CENSUS --variant NAME [--fit K]] [--leave-out NAME]...\n       calibrate --census FILE --suite FILE [--guests FILE] [--token FILE]";

struct Args {
    quick: bool,
    preflight: bool,
    recorded: bool,
    list: bool,
    out: Option<PathBuf>,
    guests: Option<PathBuf>,
    suite: Option<PathBuf>,
    token: Option<PathBuf>,
    counts: Option<PathBuf>,
    resolve: Option<PathBuf>,
    floor: Option<f64>,
    slack: Option<f64>,
    band: Option<Option<f64>>,
    bound_probes: bool,
    no_release: bool,
    release: Option<f64>,
    aim: Option<Option<f64>>,
    worst_of: Vec<PathBuf>,
    census: Option<PathBuf>,
    direction: Option<PathBuf>,
    variant: Option<String>,
    fit: Option<f64>,
    leave_out: Vec<String>,
    filters: Vec<String>,
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    let mut a = Args {
        quick: false,
        preflight: false,
        recorded: false,
        list: false,
        out: None,
        guests: None,
        suite: None,
        token: None,
        counts: None,
        resolve: None,
        floor: None,
        slack: None,
        band: None,
        bound_probes: false,
        no_release: false,
        release: None,
        aim: None,
        worst_of: Vec::new(),
        census: None,
        direction: None,
        variant: None,
        fit: None,
        leave_out: Vec::new(),
        filters: Vec::new(),
    };
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--quick" => a.quick = true,
            "--preflight" => a.preflight = true,
            "--recorded" => a.recorded = true,
            "--list" => a.list = true,
            "--out" => a.out = Some(PathBuf::from(value("--out")?)),
            "--guests" => a.guests = Some(PathBuf::from(value("--guests")?)),
            "--suite" => a.suite = Some(PathBuf::from(value("--suite")?)),
            "--token" => a.token = Some(PathBuf::from(value("--token")?)),
            "--counts" => a.counts = Some(PathBuf::from(value("--counts")?)),
            "--resolve" => a.resolve = Some(PathBuf::from(value("--resolve")?)),
            "--floor" => a.floor = Some(value("--floor")?.parse().map_err(|e| format!("--floor: {e}"))?),
            "--slack" => a.slack = Some(value("--slack")?.parse().map_err(|e| format!("--slack: {e}"))?),
            "--band" => a.band = Some(Some(value("--band")?.parse().map_err(|e| format!("--band: {e}"))?)),
            "--no-band" => a.band = Some(None),
            "--bound-probes" => a.bound_probes = true,
            "--no-release" => a.no_release = true,
            "--release" => a.release = Some(value("--release")?.parse().map_err(|e| format!("--release: {e}"))?),
            "--aim" => a.aim = Some(Some(value("--aim")?.parse().map_err(|e| format!("--aim: {e}"))?)),
            "--no-aim" => a.aim = Some(None),
            "--worst-of" => a.worst_of.push(PathBuf::from(value("--worst-of")?)),
            "--census" => a.census = Some(PathBuf::from(value("--census")?)),
            "--direction" => a.direction = Some(PathBuf::from(value("--direction")?)),
            "--variant" => a.variant = Some(value("--variant")?),
            "--fit" => a.fit = Some(value("--fit")?.parse().map_err(|e| format!("--fit: {e}"))?),
            "--leave-out" => a.leave_out.push(value("--leave-out")?),
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => a.filters.push(arg),
        }
    }
    Ok(a)
}

fn progress(line: &str) {
    eprintln!("{line}");
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(raw.clone()) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
        }
    };
    if let Some(path) = &args.resolve {
        let mut settings = minimax::SETTINGS;
        if let Some(f) = args.floor {
            settings.floor = f;
        }
        if let Some(s) = args.slack {
            settings.slack = s;
        }
        if let Some(b) = args.band {
            settings.band = b;
        }
        settings.bound_probes |= args.bound_probes;
        if args.no_release {
            settings.release = None;
        } else if let Some(f) = args.release {
            settings.release = Some(f);
        }
        if let Some(aim) = args.aim {
            settings.aim = aim;
        }
        return resolve(path, settings, &args);
    }
    let scale = if args.quick { Scale::Quick } else { Scale::Full };
    if args.list {
        for p in pipeline::all_probes(scale) {
            println!("{:<48} {}", p.name, p.slope.name());
        }
        return ExitCode::SUCCESS;
    }
    let guests = match &args.guests {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        None => match tally_benches::scenarios::guests_wasm() {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                eprintln!("no guest programs ({e}); the ordinary-code check uses the arithmetic loop alone");
                None
            }
        },
    };
    let suite = match &args.suite {
        Some(path) => match std::fs::read_to_string(path).map_err(|e| e.to_string()).and_then(|t| read_suite(&t)) {
            Ok(rows) => Some(rows),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let token = match (&suite, &args.token) {
        (None, _) => None,
        (Some(_), Some(path)) => match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        (Some(_), None) => match tally_benches::scenarios::token_wasm() {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                eprintln!("no token contract ({e}); the suite's token baselines are left out");
                None
            }
        },
    };
    if let Some(path) = &args.census {
        return census(path, suite.as_deref(), args.quick, guests.as_deref(), token.as_deref());
    }
    let options = Options {
        scale,
        plan: match (args.quick, args.preflight) {
            (true, _) => Plan::QUICK,
            (false, true) => Plan::ONCE,
            (false, false) => Plan::FULL,
        },
        recorded: args.recorded,
        filters: args.filters.clone(),
        guests,
        suite,
        token,
        counts: args.counts.clone(),
        progress,
    };
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = args.out.clone().unwrap_or_else(|| {
        if args.quick || args.preflight || !args.filters.is_empty() {
            crate_dir.join("../target/calibration-quick")
        } else {
            crate_dir.join("calibration")
        }
    });
    let calibration = match pipeline::calibrate(&options) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("calibration failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let machine = machine();
    let measured = Measured {
        machine: machine.clone(),
        scale: match (args.quick, args.preflight) {
            (true, _) => "quick",
            (false, true) => "preflight",
            (false, false) => "full",
        }
        .into(),
        recorded: args.recorded,
    };
    let command = format!("cargo run --release -p tally-benches --bin calibrate -- {}", raw.join(" "));
    let text = file::write(&calibration.proposal.schedule, &calibration.proposal.host, &measured);
    let report = report::render(&calibration, &machine, command.trim_end_matches(" -- ").trim_end());
    let defaults = uniform_defaults();
    let inputs = calibration.rule.as_ref().ok().map(|r| {
        Inputs {
            programs: r.programs.clone(),
            fitted: r.fitted.clone(),
            median_ns: r.median_ns,
            timed_prices: tally_benches::calibrate::terms::Term::all()
                .into_iter()
                .map(|t| (t, t.get(&defaults)))
                .collect(),
        }
        .to_json()
    });
    if let Err(e) = std::fs::create_dir_all(&out)
        .and_then(|()| std::fs::write(out.join("fitted.json"), &text))
        .and_then(|()| std::fs::write(out.join("report.md"), &report))
        .and_then(|()| inputs.map_or(Ok(()), |i| std::fs::write(out.join("rule-inputs.json"), i)))
    {
        eprintln!("{}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {} and {}", out.join("fitted.json").display(), out.join("report.md").display());
    let pending = calibration.probes.iter().filter(|p| p.pending_varies.is_some()).count();
    if !calibration.failures.is_empty() || pending > 0 {
        eprintln!(
            "{} probes failed, {pending} depend on terms priced after them (see the report)",
            calibration.failures.len()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `--resolve`: the rule's answer from saved inputs, printed.
/// The rule inputs at `path`, less `--leave-out`'s programs, with `--direction`'s term.
fn resolve_inputs(path: &std::path::Path, args: &Args) -> Result<Inputs, String> {
    let read = |p: &std::path::Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut inputs = Inputs::from_json(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
    for name in &args.leave_out {
        let before = inputs.programs.len();
        inputs.programs.retain(|p| p.name != *name);
        if inputs.programs.len() == before {
            return Err(format!("--leave-out: no program {name}"));
        }
    }
    for suite in &args.worst_of {
        let rows = read_suite(&read(suite)?).map_err(|e| format!("{}: {e}", suite.display()))?;
        println!("--worst-of {}:", suite.display());
        for note in inputs.raise_to_suite(&rows, &Params::default()) {
            println!("  {note}");
        }
    }
    let Some(census) = &args.direction else { return Ok(inputs) };
    let census = direction::from_json(&read(census)?)?;
    let name = args.variant.as_deref().ok_or("--direction needs --variant")?;
    let variant = Variant::named(name)
        .ok_or_else(|| format!("--variant {name}: one of {}", Variant::ALL.map(|v| v.name()).join(", ")))?;
    let fit = match args.fit {
        Some(k) => k,
        None => direction::residual_fit(&inputs, &census, "11. br-if-random", variant)
            .ok_or("no --fit, and no `11. br-if-random` to take it from")?,
    };
    println!("direction model `{name}`: op.branch-change fitted at {fit:.0} gas per change at 1 ns per 1000 gas");
    direction::add_term(&inputs, &census, variant, fit)
}

fn resolve(path: &std::path::Path, settings: minimax::Settings, args: &Args) -> ExitCode {
    let out = args.out.as_deref();
    let inputs = match resolve_inputs(path, args) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let started = std::time::Instant::now();
    let answer = match inputs.solve(settings) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("the pricing rule failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{} programs ({} bounded), floor {}, band {:?}: optimum {:.3}×, stage 2 at {:.3}× (deviation {:.2}), largest after rounding {:.3}×, median {:.4} of the defaults' ({:.1} s)",
        inputs.programs.len(),
        inputs.programs.iter().filter(|p| p.bounded(&settings)).count(),
        settings.floor,
        settings.band,
        answer.bound,
        answer.held_bound,
        answer.deviation,
        answer.max,
        answer.median,
        started.elapsed().as_secs_f64()
    );
    if let Some(released) = &answer.released {
        for (k, rest) in &released.steps {
            println!("released: {} (the rest's least bound then {rest:.3}×)", inputs.programs[*k].name);
        }
        println!(
            "the released programs' least bound, the rest within {:.3}×: {:.3}×",
            answer.held_bound, released.bound
        );
        for (k, b) in &released.own {
            println!("  {} held within {b:.3}×", inputs.programs[*k].name);
        }
    }
    println!("structure: {}", answer.pivot);
    for (name, v) in &answer.pivots {
        if let Some((b, _)) = v {
            println!("  {b:.3}×  {name}");
        }
    }
    let (_, at_defaults) = minimax::ratios_at_defaults(&inputs.programs);
    let mut order: Vec<usize> = (0..inputs.programs.len()).collect();
    order.sort_by(|x, y| answer.ratios[*y].total_cmp(&answer.ratios[*x]));
    for (title, probes) in [("bounded programs", false), ("probes", true)] {
        if probes && settings.bound_probes {
            continue;
        }
        println!("largest ratios of the {title} (defaults → proposal):");
        for i in order.iter().filter(|i| (inputs.programs[**i].kind == Kind::Probe) == probes).take(25) {
            println!("  {:.2}× → {:.2}×  {}", at_defaults[*i], answer.ratios[*i], inputs.programs[*i].name);
        }
    }
    // What the once-a-call charges (instantiation, the call, code loading) are of each bounded
    // scenario's gas under the proposal: how much a per-call price could stand in for a loop's.
    let mut shares: Vec<(f64, &str)> = inputs
        .programs
        .iter()
        .filter(|p| p.kind == Kind::Scenario && p.bounded(&settings))
        .map(|p| {
            let once = p.gas_with(|t| if minimax::once_a_call(t) { answer.price(t) as f64 } else { 0.0 });
            (once / p.gas_with(|t| answer.price(t) as f64).max(1.0), p.name.as_str())
        })
        .collect();
    shares.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("once-a-call charges' share of a scenario's gas under the proposal (largest):");
    for (share, name) in shares.iter().take(8) {
        println!("  {:.2} %  {name}", share * 100.0);
    }
    println!("baselines (defaults → proposal):");
    for (i, p) in inputs.programs.iter().enumerate() {
        if matches!(p.kind, Kind::Reference | Kind::Baseline) {
            println!("  {:.2}× → {:.2}×  {}", at_defaults[i], answer.ratios[i], p.name);
        }
    }
    let base = inputs.base();
    println!("prices (base → proposal; the proposal over the term's fit at 1 ns per 1000 gas):");
    for t in Term::all() {
        let (then, now) = (t.get(&base), answer.price(t));
        let of_fit =
            inputs.fitted.get(&t).filter(|f| **f > 0.0).map_or(String::new(), |f| format!("{:.3}", now as f64 / f));
        println!("  {:<40} {then:>14} {now:>14} {of_fit:>8}", t.name());
    }
    if let Some(dir) = out {
        let measured = Measured { machine: machine(), scale: "full".into(), recorded: false };
        let text = file::write(&answer.params.schedule, &answer.params.host, &measured);
        if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(dir.join("fitted.json"), text)) {
            eprintln!("{}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", dir.join("fitted.json").display());
        // The inputs as solved (less `--leave-out`'s programs, with `--direction`'s term).
        if let Err(e) = std::fs::write(dir.join("rule-inputs.json"), inputs.to_json()) {
            eprintln!("{}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", dir.join("rule-inputs.json").display());
    }
    ExitCode::SUCCESS
}

/// `--census FILE`: the branch census of every program of the suite run, written to `FILE`.
#[cfg(feature = "census")]
fn census(
    path: &std::path::Path,
    suite: Option<&[tally_benches::tpg::Row]>,
    quick: bool,
    guests: Option<&[u8]>,
    token: Option<&[u8]>,
) -> ExitCode {
    use tally_benches::scenarios::Scale as S;
    let Some(rows) = suite else {
        eprintln!("--census needs --suite");
        return ExitCode::FAILURE;
    };
    let scale = if quick { S::Quick } else { S::Full };
    match direction::take(rows, scale, guests, token, progress) {
        Ok(census) => match std::fs::write(path, direction::to_json(&census)) {
            Ok(()) => {
                println!("{} programs counted; wrote {}", census.len(), path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("census failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--census` without the feature: says how to build it.
#[cfg(not(feature = "census"))]
fn census(
    _: &std::path::Path,
    _: Option<&[tally_benches::tpg::Row]>,
    _: bool,
    _: Option<&[u8]>,
    _: Option<&[u8]>,
) -> ExitCode {
    eprintln!("--census needs a build with `--features census` (tally-vm's branch census)");
    ExitCode::FAILURE
}
