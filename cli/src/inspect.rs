//! `tally inspect`: what the VM makes of a module. With `--ir`, the translated code of its
//! defined functions as [`tally_vm::Module::ir_text`] prints it: one line per op with its name
//! and decoded operands, under a header naming the function, its exports and its frame.
//! `--instrument` translates the module as `tally run --gas` runs it, instrumented with the gas
//! schedule, to show the metering ops and how they fuse.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use tally_gas_injector::Schedule;
use tally_vm::{Config, Engine, Module};

use crate::load::{load_module, load_schedule};
use crate::output::error_exit;
use crate::CliError;

/// The options of `tally inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The module: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Print the translated code (the VM's IR) of the module's defined functions.
    #[arg(long, required = true)]
    ir: bool,

    /// Only function N, an index of the module's function space (imported functions first).
    /// With --instrument, indices are the instrumented module's: its five `tally.*` imports
    /// come first, so function N of the original module is N + 5.
    #[arg(long, value_name = "N")]
    func: Option<u32>,

    /// Instrument the module for gas metering first, with the default schedule or --schedule.
    #[arg(long)]
    instrument: bool,

    /// A SCALE-encoded gas schedule (see `tally schedule`) for --instrument.
    #[arg(long, value_name = "FILE", requires = "instrument")]
    schedule: Option<PathBuf>,
}

/// The IR listing of function `func` of `wasm` (instrumented with `schedule` first, if given),
/// or of every defined function, separated by blank lines, when `func` is `None`. The module
/// is compiled with the default [`Config`].
pub fn ir_listing(wasm: &[u8], func: Option<u32>, schedule: Option<&Schedule>) -> Result<String, CliError> {
    let instrumented;
    let wasm = match schedule {
        Some(schedule) => {
            instrumented = tally_gas_injector::instrument(wasm, schedule).map_err(CliError::Instrument)?;
            &instrumented[..]
        }
        None => wasm,
    };
    let module = Module::new(&Engine::new(Config::default()), wasm).map_err(CliError::Module)?;
    let functions = (0..).take_while(|&i| module.func_type(i).is_some()).count() as u32;
    match func {
        Some(index) if index >= functions => Err(CliError::NoSuchFunction { index, functions }),
        Some(index) => module.ir_text(index).ok_or(CliError::ImportedFunction { index }),
        None => Ok((0..functions).filter_map(|i| module.ir_text(i)).collect::<Vec<_>>().join("\n")),
    }
}

/// Loads the module at `path` (see [`load_module`]) and returns its [`ir_listing`].
pub fn ir_listing_of_file(path: &Path, func: Option<u32>, schedule: Option<&Schedule>) -> Result<String, CliError> {
    ir_listing(&load_module(path)?, func, schedule)
}

/// Runs `tally inspect` and prints the listing.
pub fn command(args: InspectArgs) -> ExitCode {
    debug_assert!(args.ir);
    let schedule = match args.instrument.then(|| load_schedule(args.schedule.as_deref())).transpose() {
        Ok(schedule) => schedule,
        Err(err) => return error_exit(&err, false),
    };
    match ir_listing_of_file(&args.module, args.func, schedule.as_ref()) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => error_exit(&err, false),
    }
}
