//! `tally instrument` (rewrite a module for gas metering and stack limiting) and `tally
//! schedule` (write a gas schedule for `--schedule`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use tally_gas_injector::Schedule;

use crate::load::{load_module, load_schedule};
use crate::output::error_exit;
use crate::CliError;

/// Sizes of a module before and after instrumentation, as reported by `tally instrument`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeReport {
    /// Bytes of the input module (after compiling text to binary, for `.wat` input).
    pub input_bytes: usize,
    /// Bytes of the instrumented module.
    pub output_bytes: usize,
}

impl SizeReport {
    /// Growth of the output over the input, in percent (negative if it shrank).
    pub fn overhead_percent(&self) -> f64 {
        if self.input_bytes == 0 {
            return 0.0;
        }
        (self.output_bytes as f64 / self.input_bytes as f64 - 1.0) * 100.0
    }
}

impl fmt::Display for SizeReport {
    /// `input: 120 bytes, output: 150 bytes (+25.0%)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "input: {} bytes, output: {} bytes ({:+.1}%)",
            self.input_bytes,
            self.output_bytes,
            self.overhead_percent()
        )
    }
}

/// Loads the module at `input` (see [`load_module`]), instruments it with `schedule` and writes
/// the result to `output`.
pub fn instrument_file(input: &Path, output: &Path, schedule: &Schedule) -> Result<SizeReport, CliError> {
    let wasm = load_module(input)?;
    let instrumented = tally_gas_injector::instrument(&wasm, schedule).map_err(CliError::Instrument)?;
    std::fs::write(output, &instrumented).map_err(|source| CliError::Write { path: output.to_path_buf(), source })?;
    Ok(SizeReport { input_bytes: wasm.len(), output_bytes: instrumented.len() })
}

/// Writes the SCALE encoding of [`Schedule::default`] to `output` and returns the schedule's
/// hash ([`Schedule::schedule_hash`]).
pub fn write_default_schedule(output: &Path) -> Result<[u8; 32], CliError> {
    let schedule = Schedule::default();
    std::fs::write(output, schedule.to_bytes())
        .map_err(|source| CliError::Write { path: output.to_path_buf(), source })?;
    Ok(schedule.schedule_hash())
}

/// The options of `tally instrument`.
#[derive(Debug, Args)]
pub struct InstrumentArgs {
    /// The module: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Where to write the instrumented module (a .wasm binary).
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,

    /// A SCALE-encoded gas schedule (see `tally schedule`); the default schedule if omitted.
    #[arg(long, value_name = "FILE")]
    schedule: Option<PathBuf>,
}

/// The options of `tally schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Write the default schedule (currently the only source of schedules).
    #[arg(long, required = true)]
    default: bool,

    /// Where to write the SCALE-encoded schedule.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

/// Runs `tally instrument` and prints the sizes ([`SizeReport`]).
pub fn instrument_command(args: InstrumentArgs) -> ExitCode {
    let report = load_schedule(args.schedule.as_deref())
        .and_then(|schedule| instrument_file(&args.module, &args.output, &schedule));
    match report {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => error_exit(&err, false),
    }
}

/// Runs `tally schedule` and prints the schedule's hash.
pub fn schedule_command(args: ScheduleArgs) -> ExitCode {
    debug_assert!(args.default);
    match write_default_schedule(&args.output) {
        Ok(hash) => {
            println!("schedule hash: {}", tally_digest::hex(&hash));
            ExitCode::SUCCESS
        }
        Err(err) => error_exit(&err, false),
    }
}
