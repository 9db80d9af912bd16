//! `tally-conformance`: runs the WebAssembly 2.0 spec suite against tally-vm.
//!
//! ```text
//! tally-conformance [--verbose] [--limit N] [FILTER...]
//! ```
//!
//! Runs every `wasm-v2` file (or those whose name contains one of the filters), prints a table
//! with one row per file, the failures (the first N per file unless `--verbose`), the skip
//! reasons, and as the very last line `conformance: N passed, M failed, K skipped`. Exits
//! non-zero when anything failed.

use std::process::ExitCode;

use tally_conformance::report::{render_failures, render_skip_reasons, render_table};
use tally_conformance::{run_scripts, spec_config, spec_scripts, SpecVersion, Summary};

/// Failures shown per file without `--verbose`.
const DEFAULT_LIMIT: usize = 10;

const USAGE: &str = "usage: tally-conformance [--verbose|-v] [--limit N] [FILTER...]\n\
    Runs the wasm-v2 spec suite (files whose name contains a FILTER, if any are given).";

/// Parsed command line.
struct Options {
    verbose: bool,
    limit: usize,
    filters: Vec<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { verbose: false, limit: DEFAULT_LIMIT, filters: Vec::new() };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-v" | "--verbose" => options.verbose = true,
            "--limit" => {
                let value = args.next().ok_or("--limit needs a number")?;
                options.limit = value.parse().map_err(|_| format!("--limit: not a number: {value:?}"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}\n{USAGE}")),
            _ => options.filters.push(arg),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };

    let scripts = spec_scripts(SpecVersion::V2, &options.filters);
    if scripts.is_empty() {
        eprintln!("no spec file matches {:?}", options.filters);
        return ExitCode::from(2);
    }
    let reports = run_scripts(&scripts, &spec_config());
    let summary = Summary::of(&reports);

    print!("{}", render_table(&reports));
    let failures = render_failures(&reports, (!options.verbose).then_some(options.limit));
    if !failures.is_empty() {
        print!("\n{failures}");
    }
    let skips = render_skip_reasons(&reports);
    if !skips.is_empty() {
        print!("\n{skips}");
    }
    println!("{summary}");

    if summary.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
