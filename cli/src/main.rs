//! `tally`: run WebAssembly modules on the Tally deterministic interpreter.
//!
//! Subcommands: `run` (optionally metered with `--gas`), `instrument`, `schedule`.
//!
//! Exit codes: 0 on success, 1 for any error (unreadable or invalid module, unknown export,
//! bad arguments, imports the runner cannot provide, bad command line), 2 when execution traps.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tally_cli::{
    describe_trap, format_value, load_schedule, metered_outcome_to_json, outcome_to_json, MeteredOutcome, Outcome,
};

/// Exit code for errors other than traps.
const EXIT_ERROR: u8 = 1;
/// Exit code when execution traps.
const EXIT_TRAP: u8 = 2;

/// Run WebAssembly modules on the Tally deterministic interpreter.
#[derive(Debug, Parser)]
#[command(name = "tally", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Instantiate a module (it must have no imports) and call one of its exported functions.
    ///
    /// Results are printed one per line as TYPE:VALUE (e.g. `i32:42`, `f64:nan`); with --json,
    /// as one JSON object `{"results": [...], "trap": null | {...}}`. Exits with 2 on a trap and
    /// 1 on any other error.
    ///
    /// With --gas N, the module is first instrumented with the gas schedule (the default, or
    /// --schedule FILE) and run with N gas and the schedule's stack budget; the gas used is
    /// printed on stderr (`gas used: <n>`), or as `"gas_used"` in the JSON object. Running out of
    /// gas is the trap `out_of_gas`.
    Run(RunArgs),
    /// Instrument a module for gas metering and stack limiting and write the result.
    ///
    /// Prints the input and output sizes and the size overhead.
    Instrument(InstrumentArgs),
    /// Write a gas schedule as a SCALE-encoded file (for --schedule) and print its hash.
    Schedule(ScheduleArgs),
}

#[derive(Debug, Args)]
struct InstrumentArgs {
    /// The module: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Where to write the instrumented module (a .wasm binary).
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,

    /// A SCALE-encoded gas schedule (see `tally schedule`); the default schedule if omitted.
    #[arg(long, value_name = "FILE")]
    schedule: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ScheduleArgs {
    /// Write the default schedule (currently the only source of schedules).
    #[arg(long, required = true)]
    default: bool,

    /// Where to write the SCALE-encoded schedule.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The module: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Name of the exported function to call.
    #[arg(long, value_name = "EXPORT")]
    invoke: String,

    /// Print exactly one JSON object (results or trap) on stdout.
    #[arg(long)]
    json: bool,

    /// Instrument the module and run it with this much gas; prints the gas used.
    #[arg(long, value_name = "N")]
    gas: Option<u64>,

    /// With --gas: a SCALE-encoded gas schedule (see `tally schedule`) instead of the default.
    #[arg(long, value_name = "FILE", requires = "gas")]
    schedule: Option<PathBuf>,

    /// Arguments, one per parameter: integers in decimal or 0x hex; floats in decimal or
    /// inf, -inf, nan, -nan, nan:0xPAYLOAD; references as null.
    #[arg(value_name = "ARGS", allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are not errors; usage errors exit with 1, not clap's 2,
            // which this tool reserves for traps.
            let code = if err.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run(args) => run(args),
        Command::Instrument(args) => instrument(args),
        Command::Schedule(args) => schedule(args),
    }
}

fn instrument(args: InstrumentArgs) -> ExitCode {
    let report = load_schedule(args.schedule.as_deref())
        .and_then(|schedule| tally_cli::instrument_file(&args.module, &args.output, &schedule));
    match report {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn schedule(args: ScheduleArgs) -> ExitCode {
    debug_assert!(args.default);
    match tally_cli::write_default_schedule(&args.output) {
        Ok(hash) => {
            println!("schedule hash: {}", tally_cli::hex(&hash));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Removes the options `--NAME VALUE` / `--NAME=VALUE` that landed among the arguments (see
/// [`run`]) and returns the last value, or `Err` with a message if one has no value.
fn take_option(args: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    let flag = format!("--{name}");
    let prefix = format!("--{name}=");
    let mut value = None;
    let mut i = 0;
    while i < args.len() {
        if args[i] == flag {
            if i + 1 >= args.len() {
                return Err(format!("a value is required for '{flag} <VALUE>' but none was supplied"));
            }
            value = Some(args.remove(i + 1));
            args.remove(i);
        } else if let Some(v) = args[i].strip_prefix(&prefix) {
            value = Some(v.to_string());
            args.remove(i);
        } else {
            i += 1;
        }
    }
    Ok(value)
}

/// Moves `--gas` and `--schedule` written after the arguments back into their fields.
fn take_metering_options(args: &mut RunArgs) -> Result<(), String> {
    if let Some(gas) = take_option(&mut args.args, "gas")? {
        args.gas = Some(gas.parse().map_err(|e| format!("invalid value '{gas}' for '--gas <N>': {e}"))?);
    }
    if let Some(schedule) = take_option(&mut args.args, "schedule")? {
        args.schedule = Some(PathBuf::from(schedule));
    }
    if args.schedule.is_some() && args.gas.is_none() {
        return Err("--schedule requires --gas".to_string());
    }
    Ok(())
}

fn run(mut args: RunArgs) -> ExitCode {
    // ARGS accepts hyphen values (for `-inf`, `-nan`, `-0x10`), so a `--json` written after the
    // arguments lands among them: no argument of any type can be `--json`, so take it back out.
    let before = args.args.len();
    args.args.retain(|a| a != "--json");
    if args.args.len() != before {
        args.json = true;
    }
    // Likewise for `--gas N` and `--schedule FILE` (no argument of any type starts with `--g` or
    // `--s`).
    if let Err(message) = take_metering_options(&mut args) {
        eprintln!("error: {message}");
        return ExitCode::from(EXIT_ERROR);
    }
    let result = match args.gas {
        None => tally_cli::run(&args.module, &args.invoke, &args.args).map(|outcome| (outcome, None)),
        Some(gas) => load_schedule(args.schedule.as_deref())
            .and_then(|schedule| tally_cli::run_metered(&args.module, &args.invoke, &args.args, gas, &schedule))
            .map(|MeteredOutcome { outcome, gas_used }| (outcome, Some(gas_used))),
    };
    let (outcome, gas_used) = match result {
        Ok(result) => result,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    if args.json {
        let json = match gas_used {
            Some(gas_used) => metered_outcome_to_json(&MeteredOutcome { outcome: outcome.clone(), gas_used }),
            None => outcome_to_json(&outcome),
        };
        println!("{json}");
    }
    let code = match &outcome {
        Outcome::Returned(values) => {
            if !args.json {
                for value in values {
                    println!("{}", format_value(value));
                }
            }
            ExitCode::SUCCESS
        }
        Outcome::Trapped(trap) => {
            if !args.json {
                eprintln!("error: {}", describe_trap(trap));
            }
            ExitCode::from(EXIT_TRAP)
        }
    };
    if let (Some(gas_used), false) = (gas_used, args.json) {
        eprintln!("gas used: {gas_used}");
    }
    code
}
