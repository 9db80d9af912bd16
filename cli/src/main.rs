//! `tally`: run WebAssembly modules on the Tally deterministic interpreter.
//!
//! Exit codes: 0 on success, 1 for any error (unreadable or invalid module, unknown export,
//! bad arguments, imports the runner cannot provide, bad command line), 2 when execution traps.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tally_cli::{describe_trap, format_value, outcome_to_json, Outcome};

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
    Run(RunArgs),
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
    }
}

fn run(mut args: RunArgs) -> ExitCode {
    // ARGS accepts hyphen values (for `-inf`, `-nan`, `-0x10`), so a `--json` written after the
    // arguments lands among them: no argument of any type can be `--json`, so take it back out.
    let before = args.args.len();
    args.args.retain(|a| a != "--json");
    if args.args.len() != before {
        args.json = true;
    }
    let outcome = match tally_cli::run(&args.module, &args.invoke, &args.args) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    if args.json {
        println!("{}", outcome_to_json(&outcome));
    }
    match outcome {
        Outcome::Returned(values) => {
            if !args.json {
                for value in &values {
                    println!("{}", format_value(value));
                }
            }
            ExitCode::SUCCESS
        }
        Outcome::Trapped(trap) => {
            if !args.json {
                eprintln!("error: {}", describe_trap(&trap));
            }
            ExitCode::from(EXIT_TRAP)
        }
    }
}
