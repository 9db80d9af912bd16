//! `tally run`: compile a module, instantiate it and invoke one export, optionally instrumented
//! and metered (`--gas`).
//!
//! [`run`] / [`run_bytes`] return an [`Outcome`] (results or a trap) or a [`CliError`] (anything
//! else that went wrong); [`run_metered`] / [`run_bytes_metered`] instrument the module with
//! `tally-gas-injector` first and run it with a gas limit and the schedule's stack budget,
//! returning a [`MeteredOutcome`]. Arguments are parsed and results printed by [`crate::value`].
//!
//! # Output formats
//!
//! Human mode prints one result per line as `TYPE:VALUE`:
//!
//! | type        | `VALUE`                                                                 |
//! |-------------|-------------------------------------------------------------------------|
//! | `i32`/`i64` | signed decimal, e.g. `i32:-1`                                           |
//! | `f32`/`f64` | shortest decimal that round-trips, e.g. `f64:0.1`, `f32:-0`, `f32:inf`, `f32:-inf`; NaNs in WAT syntax: `nan` (positive canonical NaN), `-nan`, or `nan:0x<payload>` / `-nan:0x<payload>` |
//! | `funcref`   | `null` or `non_null`                                                    |
//! | `externref` | `null` or the host reference's number                                   |
//!
//! JSON mode (`--json`) prints exactly one object, `{"results": [...], "trap": null}` on success
//! or `{"results": [], "trap": {"code": "...", "function": F, "offset": O}}` on a trap, where
//! `code` is [`tally_vm::TrapCode::name`] and `function`/`offset` are numbers or `null`. Each result is an
//! object with `"type"` and `"value"` (a string, so 64-bit integers survive JSON parsers that use
//! doubles); float results add `"bits"`, their IEEE 754 bit pattern as a `0x`-prefixed hex string:
//! `{"type":"f32","value":"1.5","bits":"0x3fc00000"}`. Reference results have `"value": null`
//! for the null reference, `"non_null"` for a non-null `funcref`, and the reference's number (as
//! a string) for a non-null `externref`.
//!
//! # Metered runs
//!
//! With `--gas N` the module is first instrumented with the schedule (the default one, or a
//! SCALE-encoded one from `--schedule FILE`), then run with `N` gas and the schedule's stack
//! budget. The JSON object gains `"gas_used": <n>` (a number); human mode prints
//! `gas used: <n>` on stderr after the results (or the trap), so stdout keeps one result per
//! line. On a trap, `function` is the index in the *original* module (the injected imports are
//! subtracted) and `offset` is the byte offset in the *instrumented* module (what
//! `tally instrument` writes with the same schedule). Running out of gas is the trap
//! `out_of_gas`, and then the gas used is all of `N`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::{json, Value as Json};
use tally_gas_injector::Schedule;
use tally_vm::{Config, Engine, ExternType, Linker, Module, Store, Trap, Val};

use crate::load::{load_module, load_schedule};
use crate::output::{error_exit, EXIT_TRAP};
use crate::value::{format_value, parse_arg, value_to_json};
use crate::CliError;

/// What a successful run of an export produced: its results, or the trap that stopped it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The export returned normally with these results.
    Returned(Vec<Val>),
    /// Execution (of the start function or of the export) trapped.
    Trapped(Trap),
}

/// Loads the module at `path` (see [`load_module`]) and runs it with [`run_bytes`].
pub fn run(path: &Path, export: &str, args: &[String]) -> Result<Outcome, CliError> {
    let bytes = load_module(path)?;
    run_bytes(&bytes, export, args)
}

/// Compiles `wasm` with the default [`Config`], instantiates it (running its start function, if
/// any), parses `args` per the parameter types of the exported function `export` and calls it.
///
/// A trap, in the start function or in the call, is an [`Outcome::Trapped`], not an error.
pub fn run_bytes(wasm: &[u8], export: &str, args: &[String]) -> Result<Outcome, CliError> {
    execute(wasm, export, args, None).map(|(outcome, _)| outcome)
}

/// What a metered run produced: the outcome and the gas it used.
#[derive(Debug, Clone, PartialEq)]
pub struct MeteredOutcome {
    /// Results or trap. A trap's function index and byte offset are the original module's (an
    /// offset in injected metering code names the original instruction it precedes: an
    /// out-of-gas trap names the instruction whose charge ran out).
    pub outcome: Outcome,
    /// Gas used by instantiation (the start function) and the call together: the limit minus
    /// the gas left. Equal to the limit when the run ran out of gas.
    pub gas_used: u64,
}

/// Loads the module at `path` (see [`load_module`]) and runs it with [`run_bytes_metered`].
pub fn run_metered(
    path: &Path,
    export: &str,
    args: &[String],
    gas: u64,
    schedule: &Schedule,
) -> Result<MeteredOutcome, CliError> {
    let bytes = load_module(path)?;
    run_bytes_metered(&bytes, export, args, gas, schedule)
}

/// Instruments `wasm` with `schedule`, then does what [`run_bytes`] does with `gas` gas and the
/// schedule's stack budget, and reports the gas used.
///
/// The module itself must have no imports; the `tally.*` imports the instrumentation adds are
/// run by the VM as intrinsics.
pub fn run_bytes_metered(
    wasm: &[u8],
    export: &str,
    args: &[String],
    gas: u64,
    schedule: &Schedule,
) -> Result<MeteredOutcome, CliError> {
    // Report imports of the original module before instrumenting (the injector would otherwise
    // reject `tally.*` imports with a less helpful message, and other imports are unrunnable).
    let engine = Engine::new(Config::default());
    let original = Module::new(&engine, wasm).map_err(CliError::Module)?;
    check_no_imports(&original)?;
    let (instrumented, origins) =
        tally_gas_injector::instrument_with_map(wasm, schedule).map_err(CliError::Instrument)?;
    let metering = Metering { gas, stack_budget: u64::from(schedule.stack.budget) };
    let (outcome, gas_left) = execute(&instrumented, export, args, Some(metering))?;
    let outcome = match outcome {
        Outcome::Trapped(mut trap) => {
            trap.function = trap.function.map(|f| f.saturating_sub(tally_profile::metering::FUNC_SHIFT));
            trap.offset =
                trap.offset.and_then(|at| origins.original_offset(at as usize)).and_then(|at| u32::try_from(at).ok());
            Outcome::Trapped(trap)
        }
        returned => returned,
    };
    Ok(MeteredOutcome { outcome, gas_used: gas.saturating_sub(gas_left.unwrap_or(gas)) })
}

/// Gas limit and stack budget of a metered run.
#[derive(Clone, Copy)]
struct Metering {
    gas: u64,
    stack_budget: u64,
}

fn check_no_imports(module: &Module) -> Result<(), CliError> {
    let imports = module.imports();
    if !imports.is_empty() {
        let list = imports.iter().map(|i| format!("{}.{} ({})", i.module(), i.name(), extern_kind(i.ty()))).collect();
        return Err(CliError::Imports(list));
    }
    Ok(())
}

/// Compiles, instantiates and calls; with `metering`, the module is already instrumented (its
/// only imports are the `tally.*` intrinsics) and the gas left is returned too.
fn execute(
    wasm: &[u8],
    export: &str,
    args: &[String],
    metering: Option<Metering>,
) -> Result<(Outcome, Option<u64>), CliError> {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wasm).map_err(CliError::Module)?;
    if metering.is_none() {
        check_no_imports(&module)?;
    }

    let exports = module.exports();
    let Some(target) = exports.iter().find(|e| e.name() == export) else {
        let available =
            exports.iter().filter(|e| matches!(e.ty(), ExternType::Func(_))).map(|e| e.name().to_string()).collect();
        return Err(CliError::NoSuchExport { name: export.to_string(), available });
    };
    let func_ty = match target.ty() {
        ExternType::Func(ty) => ty,
        other => return Err(CliError::NotAFunction { name: export.to_string(), kind: extern_kind(other) }),
    };

    // Check the arguments before running anything, so bad input never runs the start function.
    if args.len() != func_ty.params().len() {
        return Err(CliError::ArgCount {
            name: export.to_string(),
            params: func_ty.params().to_vec(),
            given: args.len(),
        });
    }
    let params = func_ty
        .params()
        .iter()
        .zip(args)
        .enumerate()
        .map(|(index, (&ty, arg))| {
            parse_arg(ty, arg).map_err(|reason| CliError::BadArg { index, ty, value: arg.to_string(), reason })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut store = Store::new(&engine, ());
    if let Some(m) = metering {
        store.set_gas(m.gas);
        store.set_stack_budget(m.stack_budget);
    }
    let gas_left = |store: &Store<()>| metering.map(|_| store.gas());
    let linker = Linker::<()>::new(&engine);
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(instance) => instance,
        Err(tally_vm::Error::Trap(trap)) => return Ok((Outcome::Trapped(trap), gas_left(&store))),
        Err(err) => return Err(CliError::Module(err)),
    };
    let Some(func) = instance.get_func(&store, export) else {
        // The module said this export is a function; the instance must agree.
        return Err(CliError::NotAFunction { name: export.to_string(), kind: "missing export" });
    };
    let mut results: Vec<Val> = func_ty.results().iter().map(|&ty| Val::default_for(ty)).collect();
    match func.call(&mut store, &params, &mut results) {
        Ok(()) => Ok((Outcome::Returned(results), gas_left(&store))),
        Err(tally_vm::Error::Trap(trap)) => Ok((Outcome::Trapped(trap), gas_left(&store))),
        Err(err) => Err(CliError::Module(err)),
    }
}

fn extern_kind(ty: &ExternType) -> &'static str {
    match ty {
        ExternType::Func(_) => "function",
        ExternType::Global(_) => "global",
        ExternType::Memory(_) => "memory",
        ExternType::Table(_) => "table",
    }
}

/// The single JSON object printed by `--json`: `{"results": [...], "trap": null}` or
/// `{"results": [], "trap": {"code": ..., "function": ..., "offset": ...}}`.
pub fn outcome_to_json(outcome: &Outcome) -> Json {
    match outcome {
        Outcome::Returned(values) => json!({
            "results": values.iter().map(value_to_json).collect::<Vec<_>>(),
            "trap": null,
        }),
        Outcome::Trapped(trap) => json!({
            "results": [],
            "trap": {
                "code": trap.code.name(),
                "function": trap.function,
                "offset": trap.offset,
            },
        }),
    }
}

/// The JSON object printed by `--json` for a metered run: [`outcome_to_json`] plus
/// `"gas_used": <n>`.
pub fn metered_outcome_to_json(metered: &MeteredOutcome) -> Json {
    let mut value = outcome_to_json(&metered.outcome);
    if let Json::Object(map) = &mut value {
        map.insert("gas_used".to_string(), json!(metered.gas_used));
    }
    value
}

/// A one-line human description of a trap, e.g.
/// `trap: memory_out_of_bounds (out of bounds memory access) in function 3 at offset 0x2a`.
pub fn describe_trap(trap: &Trap) -> String {
    let mut text = format!("trap: {} ({})", trap.code.name(), trap.code.spec_message());
    match trap.function {
        Some(f) => text.push_str(&format!(" in function {f}")),
        None => text.push_str(" in function <unknown>"),
    }
    match trap.offset {
        Some(o) => text.push_str(&format!(" at offset {o:#x}")),
        None => text.push_str(" at offset <unknown>"),
    }
    if let Some(host) = trap.host_error() {
        text.push_str(&format!(": {host}"));
    }
    text
}

/// The options of `tally run`.
#[derive(Debug, Args)]
pub struct RunArgs {
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

/// Runs `tally run` and prints the results (or the trap, exiting with [`EXIT_TRAP`]).
pub fn command(mut args: RunArgs) -> ExitCode {
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
        return error_exit(&message, false);
    }
    let result = match args.gas {
        None => run(&args.module, &args.invoke, &args.args).map(|outcome| (outcome, None)),
        Some(gas) => load_schedule(args.schedule.as_deref())
            .and_then(|schedule| run_metered(&args.module, &args.invoke, &args.args, gas, &schedule))
            .map(|MeteredOutcome { outcome, gas_used }| (outcome, Some(gas_used))),
    };
    let (outcome, gas_used) = match result {
        Ok(result) => result,
        Err(err) => return error_exit(&err, false),
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

#[cfg(test)]
mod tests {
    use super::*;
    use tally_vm::F32;

    #[test]
    fn json_shapes() {
        let ok = outcome_to_json(&Outcome::Returned(vec![Val::I32(42), Val::F32(F32(0x3fc0_0000))]));
        assert_eq!(
            ok,
            json!({"results": [{"type": "i32", "value": "42"},
                               {"type": "f32", "value": "1.5", "bits": "0x3fc00000"}],
                   "trap": null})
        );
        let mut trap = Trap::new(tally_vm::TrapCode::MemoryOutOfBounds);
        trap.function = Some(1);
        assert_eq!(
            outcome_to_json(&Outcome::Trapped(trap)),
            json!({"results": [], "trap": {"code": "memory_out_of_bounds", "function": 1, "offset": null}})
        );
    }
}
