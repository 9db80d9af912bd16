//! Library half of the `tally` command-line runner.
//!
//! The binary (`src/main.rs`) only parses the command line and prints; everything that can be
//! tested without spawning a process lives here:
//!
//! - [`load_module`] reads a `.wasm` binary or a `.wat` text module.
//! - [`run`] / [`run_bytes`] compile, instantiate and invoke one export, returning an
//!   [`Outcome`] (results or a trap) or a [`CliError`] (anything else that went wrong).
//! - [`parse_arg`] turns one command-line argument into a [`Val`] of the export's parameter type.
//! - [`format_value`], [`value_to_json`] and [`outcome_to_json`] render results.
//! - Metering (`tally run --gas`, `tally instrument`, `tally schedule`): [`load_schedule`],
//!   [`run_metered`] / [`run_bytes_metered`] (instrument with `tally-gas-injector`, then run
//!   with a gas limit and the schedule's stack budget, returning a [`MeteredOutcome`]),
//!   [`metered_outcome_to_json`], [`instrument_file`] and [`write_default_schedule`].
//! - Contracts (`tally check`, `deploy`, `call`, `query`, `replay`): the [`contract`] module;
//!   `tally build` (compile a contract crate reproducibly): the [`build`] module; SDK methods and
//!   their arguments: [`sdk`] and [`signature`].
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

#![warn(missing_docs)]

pub mod build;
pub mod contract;
pub mod sdk;
pub mod signature;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};
use tally_gas_injector::{InjectError, Schedule, ScheduleError};
use tally_vm::{Config, Engine, ExternRef, ExternType, Linker, Module, Store, Trap, Val, ValType, F32, F64};

/// What a successful run of an export produced: its results, or the trap that stopped it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The export returned normally with these results.
    Returned(Vec<Val>),
    /// Execution (of the start function or of the export) trapped.
    Trapped(Trap),
}

/// Everything other than a trap that can stop [`run`]: bad input files, invalid modules,
/// missing exports, unusable arguments.
#[derive(Debug)]
pub enum CliError {
    /// The module file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The input is neither a WebAssembly binary nor a valid WebAssembly text module.
    Parse {
        /// The file, if the module came from one.
        path: Option<PathBuf>,
        /// What the parser said.
        message: String,
    },
    /// Tally rejected the module (invalid, unsupported feature, over a limit) or failed to
    /// instantiate it for a reason other than a trap.
    Module(tally_vm::Error),
    /// The module has imports, which the command-line runner cannot provide.
    Imports(Vec<String>),
    /// The export to invoke does not exist.
    NoSuchExport {
        /// The requested name.
        name: String,
        /// The names of the module's exported functions.
        available: Vec<String>,
    },
    /// The export exists but is not a function.
    NotAFunction {
        /// The requested name.
        name: String,
        /// What kind of export it is instead.
        kind: &'static str,
    },
    /// The wrong number of arguments was given.
    ArgCount {
        /// The export's name.
        name: String,
        /// Its parameter types.
        params: Vec<ValType>,
        /// How many arguments were given.
        given: usize,
    },
    /// An argument could not be parsed as its parameter's type.
    BadArg {
        /// Zero-based position of the argument.
        index: usize,
        /// The parameter type it had to match.
        ty: ValType,
        /// The argument as given.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `tally-gas-injector` refused to instrument the module.
    Instrument(InjectError),
    /// The schedule file is not a valid SCALE-encoded schedule.
    Schedule {
        /// The schedule file.
        path: PathBuf,
        /// Why it is unusable.
        error: ScheduleError,
    },
    /// An output file could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Parse { path: Some(path), message } => {
                write!(f, "cannot parse {} as WebAssembly: {message}", path.display())
            }
            Self::Parse { path: None, message } => write!(f, "cannot parse module as WebAssembly: {message}"),
            Self::Module(err) => write!(f, "module rejected: {err}"),
            Self::Imports(list) => write!(
                f,
                "the module has {} import(s), which `tally run` cannot provide: {}",
                list.len(),
                list.join(", ")
            ),
            Self::NoSuchExport { name, available } => {
                write!(f, "the module has no export named `{name}`")?;
                if available.is_empty() {
                    write!(f, " (it exports no functions)")
                } else {
                    write!(f, " (exported functions: {})", available.join(", "))
                }
            }
            Self::NotAFunction { name, kind } => write!(f, "export `{name}` is a {kind}, not a function"),
            Self::ArgCount { name, params, given } => {
                write!(f, "export `{name}` takes {} argument(s) ({}), got {given}", params.len(), type_list(params))
            }
            Self::BadArg { index, ty, value, reason } => {
                write!(f, "argument {} (`{value}`) is not a valid {ty}: {reason}", index + 1)
            }
            Self::Instrument(err) => write!(f, "cannot instrument the module: {err}"),
            Self::Schedule { path, error } => write!(f, "bad schedule {}: {error}", path.display()),
            Self::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Module(err) => Some(err),
            Self::Instrument(err) => Some(err),
            Self::Schedule { error, .. } => Some(error),
            Self::Write { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn type_list(types: &[ValType]) -> String {
    if types.is_empty() {
        return "none".to_string();
    }
    types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}

/// Reads a module file: a WebAssembly binary, or WebAssembly text (`.wat`), which is compiled
/// to a binary.
///
/// Any file starting with the binary magic `\0asm` is taken as a binary; a file named `*.wasm`
/// without it is an error; anything else is parsed as text.
pub fn load_module(path: &Path) -> Result<Vec<u8>, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read { path: path.to_path_buf(), source })?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let is_wasm = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wasm"));
    if is_wasm {
        return Err(CliError::Parse {
            path: Some(path.to_path_buf()),
            message: "not a WebAssembly binary (missing the `\\0asm` magic header)".to_string(),
        });
    }
    wat::parse_bytes(&bytes)
        .map(|cow| cow.into_owned())
        .map_err(|e| CliError::Parse { path: Some(path.to_path_buf()), message: e.to_string() })
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
    /// Results or trap. Trap function indices are those of the original module; offsets are
    /// those of the instrumented module.
    pub outcome: Outcome,
    /// Gas used by instantiation (the start function) and the call together: the limit minus
    /// the gas left. Equal to the limit when the run ran out of gas.
    pub gas_used: u64,
}

/// Reads the SCALE-encoded schedule at `path`, or returns [`Schedule::default`] for `None`.
pub fn load_schedule(path: Option<&Path>) -> Result<Schedule, CliError> {
    let Some(path) = path else { return Ok(Schedule::default()) };
    let bytes = std::fs::read(path).map_err(|source| CliError::Read { path: path.to_path_buf(), source })?;
    Schedule::from_bytes(&bytes).map_err(|error| CliError::Schedule { path: path.to_path_buf(), error })
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
    let instrumented = tally_gas_injector::instrument(wasm, schedule).map_err(CliError::Instrument)?;
    let metering = Metering { gas, stack_budget: u64::from(schedule.stack.budget) };
    let (outcome, gas_left) = execute(&instrumented, export, args, Some(metering))?;
    let outcome = match outcome {
        Outcome::Trapped(mut trap) => {
            trap.function = trap.function.map(|f| f.saturating_sub(tally_gas_injector::FUNC_SHIFT));
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

fn extern_kind(ty: &ExternType) -> &'static str {
    match ty {
        ExternType::Func(_) => "function",
        ExternType::Global(_) => "global",
        ExternType::Memory(_) => "memory",
        ExternType::Table(_) => "table",
    }
}

/// Parses one command-line argument as a value of type `ty`.
///
/// - `i32`/`i64`: decimal (`-5`, `4294967295`) or hexadecimal (`0xff`, `-0x10`), optionally with
///   `_` separators; anything from the signed minimum to the unsigned maximum is accepted and
///   wraps to the two's-complement bit pattern.
/// - `f32`/`f64`: a decimal (`1.5`, `-2e10`), `inf`/`infinity` (optionally signed), `nan` (the
///   positive canonical NaN), `-nan`, or `nan:0x<payload>` with an explicit non-zero payload.
/// - `externref`: `null` or a reference number (`0`..`4294967295`).
/// - `funcref`: only `null`.
pub fn parse_arg(ty: ValType, text: &str) -> Result<Val, String> {
    let s = text.trim();
    match ty {
        ValType::I32 => {
            let v = parse_int(s, i32::MIN as i128, u32::MAX as i128)?;
            Ok(Val::I32(v as u32 as i32))
        }
        ValType::I64 => {
            let v = parse_int(s, i64::MIN as i128, u64::MAX as i128)?;
            Ok(Val::I64(v as u64 as i64))
        }
        ValType::F32 => {
            let bits = parse_float_bits(s, FloatFormat::F32)?;
            Ok(Val::F32(F32(bits as u32)))
        }
        ValType::F64 => Ok(Val::F64(F64(parse_float_bits(s, FloatFormat::F64)?))),
        ValType::ExternRef => {
            if s.eq_ignore_ascii_case("null") {
                Ok(Val::ExternRef(None))
            } else {
                let v = parse_int(s, 0, u32::MAX as i128)?;
                Ok(Val::ExternRef(Some(ExternRef(v as u32))))
            }
        }
        ValType::FuncRef => {
            if s.eq_ignore_ascii_case("null") {
                Ok(Val::FuncRef(None))
            } else {
                Err("a funcref argument can only be `null`".to_string())
            }
        }
    }
}

fn parse_int(s: &str, min: i128, max: i128) -> Result<i128, String> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match rest.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("0x") => (16, &rest[2..]),
        _ => (10, rest),
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(if radix == 16 {
            "expected hexadecimal digits after `0x`".to_string()
        } else {
            "expected a decimal integer or a `0x` hexadecimal integer".to_string()
        });
    }
    let magnitude = u128::from_str_radix(&digits, radix).map_err(|_| format!("out of range {min}..={max}"))?;
    let value = if negative {
        // Every accepted magnitude here is far below 2^127, so negation cannot overflow.
        i128::try_from(magnitude).map(|m| -m).map_err(|_| format!("out of range {min}..={max}"))?
    } else {
        i128::try_from(magnitude).map_err(|_| format!("out of range {min}..={max}"))?
    };
    if value < min || value > max {
        return Err(format!("out of range {min}..={max}"));
    }
    Ok(value)
}

#[derive(Clone, Copy)]
enum FloatFormat {
    F32,
    F64,
}

impl FloatFormat {
    fn sign_bit(self) -> u64 {
        match self {
            Self::F32 => 1 << 31,
            Self::F64 => 1 << 63,
        }
    }
    fn exponent_mask(self) -> u64 {
        match self {
            Self::F32 => 0x7f80_0000,
            Self::F64 => 0x7ff0_0000_0000_0000,
        }
    }
    fn mantissa_mask(self) -> u64 {
        match self {
            Self::F32 => 0x007f_ffff,
            Self::F64 => 0x000f_ffff_ffff_ffff,
        }
    }
    fn canonical_payload(self) -> u64 {
        match self {
            Self::F32 => 0x0040_0000,
            Self::F64 => 0x0008_0000_0000_0000,
        }
    }
}

/// Parses a float argument to its bit pattern (in the low bits of the `u64` for `f32`).
fn parse_float_bits(s: &str, format: FloatFormat) -> Result<u64, String> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let sign = if negative { format.sign_bit() } else { 0 };
    let lower = rest.to_ascii_lowercase();
    if lower == "nan" {
        return Ok(sign | format.exponent_mask() | format.canonical_payload());
    }
    if let Some(payload) = lower.strip_prefix("nan:0x") {
        let digits: String = payload.chars().filter(|&c| c != '_').collect();
        let payload = u64::from_str_radix(&digits, 16).map_err(|_| "invalid NaN payload".to_string())?;
        if payload == 0 || payload & !format.mantissa_mask() != 0 {
            return Err(format!("NaN payload must be in 0x1..={:#x}", format.mantissa_mask()));
        }
        return Ok(sign | format.exponent_mask() | payload);
    }
    if lower == "inf" || lower == "infinity" {
        return Ok(sign | format.exponent_mask());
    }
    // Only plain decimals from here on: Rust's parser would also accept "nan"/"inf" spellings we
    // have handled (or rejected) above.
    let plain = !lower.is_empty()
        && lower.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-' | '_'))
        && lower.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if !plain {
        return Err("expected a decimal number, `inf`, `nan` or `nan:0x<payload>`".to_string());
    }
    let cleaned: String = lower.chars().filter(|&c| c != '_').collect();
    let bits = match format {
        FloatFormat::F32 => cleaned.parse::<f32>().map(|f| u64::from(f.to_bits())),
        FloatFormat::F64 => cleaned.parse::<f64>().map(f64::to_bits),
    }
    .map_err(|e| format!("expected a decimal number ({e})"))?;
    Ok(sign | bits)
}

/// Renders a float given its bits, in the human format described in the crate docs.
fn format_float_bits(bits: u64, format: FloatFormat) -> String {
    let negative = bits & format.sign_bit() != 0;
    let sign = if negative { "-" } else { "" };
    let is_nan = bits & format.exponent_mask() == format.exponent_mask() && bits & format.mantissa_mask() != 0;
    if is_nan {
        let payload = bits & format.mantissa_mask();
        if payload == format.canonical_payload() {
            return format!("{sign}nan");
        }
        return format!("{sign}nan:{payload:#x}");
    }
    // Shortest round-tripping decimal; scientific notation outside [1e-5, 1e16) so huge and tiny
    // values stay short (`1e300`, not 301 digits).
    let text = match format {
        FloatFormat::F32 => {
            let f = f32::from_bits(bits as u32).abs();
            if f != 0.0 && f.is_finite() && !(1e-5..1e16).contains(&f) {
                format!("{f:e}")
            } else {
                f.to_string()
            }
        }
        FloatFormat::F64 => {
            let f = f64::from_bits(bits).abs();
            if f != 0.0 && f.is_finite() && !(1e-5..1e16).contains(&f) {
                format!("{f:e}")
            } else {
                f.to_string()
            }
        }
    };
    format!("{sign}{text}")
}

/// The value part of a result, without its type: see the table in the crate docs.
fn format_value_only(value: &Val) -> String {
    match value {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(v) => format_float_bits(u64::from(v.0), FloatFormat::F32),
        Val::F64(v) => format_float_bits(v.0, FloatFormat::F64),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "non_null".to_string(),
        Val::ExternRef(Some(r)) => r.0.to_string(),
    }
}

/// Formats a value for human output as `TYPE:VALUE`, e.g. `i32:42`, `f64:nan`, `externref:null`.
pub fn format_value(value: &Val) -> String {
    format!("{}:{}", value.ty(), format_value_only(value))
}

/// The JSON object for one result value, e.g. `{"type":"i64","value":"-1"}`; floats add `"bits"`.
pub fn value_to_json(value: &Val) -> Json {
    let ty = value.ty().to_string();
    match value {
        Val::F32(v) => json!({ "type": ty, "value": format_value_only(value), "bits": format!("{:#010x}", v.0) }),
        Val::F64(v) => json!({ "type": ty, "value": format_value_only(value), "bits": format!("{:#018x}", v.0) }),
        Val::FuncRef(None) | Val::ExternRef(None) => json!({ "type": ty, "value": null }),
        _ => json!({ "type": ty, "value": format_value_only(value) }),
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
    if let Some(message) = &trap.message {
        text.push_str(&format!(": {message}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers() {
        assert_eq!(parse_arg(ValType::I32, "42"), Ok(Val::I32(42)));
        assert_eq!(parse_arg(ValType::I32, "-2147483648"), Ok(Val::I32(i32::MIN)));
        assert_eq!(parse_arg(ValType::I32, "4294967295"), Ok(Val::I32(-1)));
        assert_eq!(parse_arg(ValType::I32, "0xffff_ffff"), Ok(Val::I32(-1)));
        assert_eq!(parse_arg(ValType::I32, "-0x10"), Ok(Val::I32(-16)));
        assert!(parse_arg(ValType::I32, "4294967296").is_err());
        assert!(parse_arg(ValType::I32, "-2147483649").is_err());
        assert!(parse_arg(ValType::I32, "abc").is_err());
        assert!(parse_arg(ValType::I32, "").is_err());
        assert!(parse_arg(ValType::I32, "0x").is_err());
        assert!(parse_arg(ValType::I32, "1.5").is_err());
        assert_eq!(parse_arg(ValType::I64, "0xffffffffffffffff"), Ok(Val::I64(-1)));
        assert_eq!(parse_arg(ValType::I64, "-9223372036854775808"), Ok(Val::I64(i64::MIN)));
        assert!(parse_arg(ValType::I64, "18446744073709551616").is_err());
        assert!(parse_arg(ValType::I64, "99999999999999999999999999999999999999999").is_err());
    }

    #[test]
    fn parses_floats() {
        assert_eq!(parse_arg(ValType::F32, "1.5"), Ok(Val::F32(F32(0x3fc0_0000))));
        assert_eq!(parse_arg(ValType::F32, "-0"), Ok(Val::F32(F32(0x8000_0000))));
        assert_eq!(parse_arg(ValType::F32, "nan"), Ok(Val::F32(F32(0x7fc0_0000))));
        assert_eq!(parse_arg(ValType::F32, "-nan"), Ok(Val::F32(F32(0xffc0_0000))));
        assert_eq!(parse_arg(ValType::F32, "nan:0x1"), Ok(Val::F32(F32(0x7f80_0001))));
        assert_eq!(parse_arg(ValType::F32, "inf"), Ok(Val::F32(F32(0x7f80_0000))));
        assert_eq!(parse_arg(ValType::F32, "-Infinity"), Ok(Val::F32(F32(0xff80_0000))));
        assert_eq!(parse_arg(ValType::F64, "0.1"), Ok(Val::F64(F64(0.1f64.to_bits()))));
        assert_eq!(parse_arg(ValType::F64, "1e300"), Ok(Val::F64(F64(1e300f64.to_bits()))));
        assert_eq!(parse_arg(ValType::F64, "nan"), Ok(Val::F64(F64(0x7ff8_0000_0000_0000))));
        assert!(parse_arg(ValType::F32, "nan:0x0").is_err());
        assert!(parse_arg(ValType::F32, "nan:0x800000").is_err());
        assert!(parse_arg(ValType::F32, "--1").is_err());
        assert!(parse_arg(ValType::F32, "one").is_err());
        assert!(parse_arg(ValType::F64, "").is_err());
    }

    #[test]
    fn parses_refs() {
        assert_eq!(parse_arg(ValType::ExternRef, "null"), Ok(Val::ExternRef(None)));
        assert_eq!(parse_arg(ValType::ExternRef, "7"), Ok(Val::ExternRef(Some(ExternRef(7)))));
        assert_eq!(parse_arg(ValType::FuncRef, "null"), Ok(Val::FuncRef(None)));
        assert!(parse_arg(ValType::FuncRef, "0").is_err());
    }

    #[test]
    fn formats_values() {
        assert_eq!(format_value(&Val::I32(-1)), "i32:-1");
        assert_eq!(format_value(&Val::I64(i64::MAX)), "i64:9223372036854775807");
        assert_eq!(format_value(&Val::F32(F32(0x3fc0_0000))), "f32:1.5");
        assert_eq!(format_value(&Val::F32(F32(0x8000_0000))), "f32:-0");
        assert_eq!(format_value(&Val::F32(F32(0x7fc0_0000))), "f32:nan");
        assert_eq!(format_value(&Val::F32(F32(0xffc0_0000))), "f32:-nan");
        assert_eq!(format_value(&Val::F32(F32(0x7f80_0001))), "f32:nan:0x1");
        assert_eq!(format_value(&Val::F64(F64(0xfff0_0000_0000_0000))), "f64:-inf");
        assert_eq!(format_value(&Val::F64(F64(0.1f64.to_bits()))), "f64:0.1");
        assert_eq!(format_value(&Val::F64(F64(1e300f64.to_bits()))), "f64:1e300");
        assert_eq!(format_value(&Val::F64(F64((-2.5e-7f64).to_bits()))), "f64:-2.5e-7");
        assert_eq!(format_value(&Val::F32(F32(1))), "f32:1e-45");
        assert_eq!(format_value(&Val::ExternRef(None)), "externref:null");
        assert_eq!(format_value(&Val::ExternRef(Some(ExternRef(3)))), "externref:3");
    }

    #[test]
    fn float_format_round_trips() {
        for bits in [
            0u32,
            0x8000_0000,
            1,
            0x0080_0000,
            0x7f7f_ffff,
            0x4b18_9680,
            0x3dcc_cccd,
            0x7fc0_0000,
            0xff80_0000,
            0x7fa0_0001,
        ] {
            let text = format_value_only(&Val::F32(F32(bits)));
            assert_eq!(parse_arg(ValType::F32, &text), Ok(Val::F32(F32(bits))), "{text}");
        }
        for bits in [
            0u64,
            1,
            0x0010_0000_0000_0000,
            0x7fef_ffff_ffff_ffff,
            0x4341_c379_37e0_8000,
            0x3fb9_9999_9999_999a,
            0xfff8_0000_0000_0001,
        ] {
            let text = format_value_only(&Val::F64(F64(bits)));
            assert_eq!(parse_arg(ValType::F64, &text), Ok(Val::F64(F64(bits))), "{text}");
        }
    }

    #[test]
    fn json_shapes() {
        let ok = outcome_to_json(&Outcome::Returned(vec![Val::I32(42), Val::F32(F32(0x3fc0_0000))]));
        assert_eq!(
            ok,
            json!({"results": [{"type": "i32", "value": "42"},
                               {"type": "f32", "value": "1.5", "bits": "0x3fc00000"}],
                   "trap": null})
        );
        let trap = Trap { code: tally_vm::TrapCode::MemoryOutOfBounds, function: Some(1), offset: None, message: None };
        assert_eq!(
            outcome_to_json(&Outcome::Trapped(trap)),
            json!({"results": [], "trap": {"code": "memory_out_of_bounds", "function": 1, "offset": null}})
        );
    }
}
