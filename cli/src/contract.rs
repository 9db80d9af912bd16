//! The contract commands: `tally check`, `deploy`, `call`, `query` and `replay`.
//!
//! These run contracts through `tally-host-env`'s [`Runtime`] with the default [`Params`],
//! against a redb state database ([`DEFAULT_DB`] unless `--db PATH`) or a fresh in-memory state
//! (`--in-memory`). The binary only parses the command line and prints; the pieces that can be
//! tested without spawning a process live here:
//!
//! - [`encode_args`] turns `--args` into call input (SCALE; see its docs for the syntax).
//! - [`parse_address`] reads `0x` + 64 hex digits.
//! - [`open_state`] opens the state database, mapping a locked or corrupted file to a clear
//!   [`ContractError`].
//! - [`check_code`] runs [`Runtime::check`] (code limits first, kept typed in
//!   [`CheckOutcome::limit`]) and [`scan_profile`], which lists every operator outside Tally's
//!   profile or forbidden by the schedule, with its byte offset.
//! - [`receipt_to_json`], [`format_receipt`], [`code_report_to_json`], [`format_code_report`]
//!   render results.
//! - [`read_record`] / [`write_record`] load and store execution records; [`describe_record`]
//!   names what one ran (the SDK method, for SDK contracts).
//!
//! # Exit codes
//!
//! 0: success (status `ok`, or a replay identical to its record). 1: any error — unreadable or
//! rejected code, bad arguments, unknown address or method, a locked or corrupted database, a
//! malformed or diverging record; nothing was committed. 2: the contract ran but failed
//! (reverted, trapped, out of gas, aborted, host trap); nothing was committed, gas was charged.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parity_scale_codec::Encode;
use serde_json::{json, Value as Json};
use tally_gas_injector::{OpKind, Schedule};
use tally_host_env::{
    hex, keys, parse_hex, Address, CodeError, CodeRejection, CodeReport, ExecError, ExecutionRecord, MemoryStorage,
    Params, ParamsError, Receipt, RecordError, RecordKind, RedbStorage, Runtime, Status, Storage, StorageError,
};

use crate::CliError;

/// Where the state database lives unless `--db` says otherwise (relative to the working
/// directory).
pub const DEFAULT_DB: &str = "./.tally/state.redb";

/// The caller of `call`/`query` and the deployer of `deploy` unless `--caller`/`--deployer`
/// says otherwise: `0x00…01` (31 zero bytes, then 1).
pub const DEFAULT_ACCOUNT: Address = {
    let mut a = [0u8; 32];
    a[31] = 1;
    Address(a)
};

/// The gas limit unless `--gas` says otherwise (the schedule prices a simple operator at 1000,
/// so this is about ten million simple operators).
pub const DEFAULT_GAS: u64 = 10_000_000_000;

/// Default block height (`--height`).
pub const DEFAULT_HEIGHT: u64 = 1;
/// Default block time, seconds since the Unix epoch (`--time`).
pub const DEFAULT_TIME: u64 = 0;
/// Default chain id (`--chain-id`).
pub const DEFAULT_CHAIN_ID: u64 = 1;

/// The largest code, WAT or record file the commands read. Larger files are refused before
/// they are read in full (the runtime's own limits are far lower; this only bounds memory use).
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Why a contract command could not produce a result. Nothing was committed.
#[derive(Debug)]
pub enum ContractError {
    /// Loading or parsing a code file failed.
    Load(CliError),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A command-line value is unusable (an address, an argument).
    Input(String),
    /// The state database could not be opened or used.
    Storage(StorageError),
    /// The execution stopped without a receipt (a backend failure).
    Exec(ExecError),
    /// The runtime cannot be built from the params.
    Params(ParamsError),
    /// An execution record file does not decode.
    Record {
        /// The record file.
        path: PathBuf,
        /// Why it does not decode.
        error: RecordError,
    },
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Load(e) => write!(f, "{e}"),
            Self::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Input(m) => write!(f, "{m}"),
            Self::Storage(e) => write!(f, "{e}"),
            Self::Exec(e) => write!(f, "{e}"),
            Self::Params(e) => write!(f, "{e}"),
            Self::Record { path, error } => write!(f, "cannot read record {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for ContractError {}

impl From<ExecError> for ContractError {
    fn from(e: ExecError) -> Self {
        match e {
            ExecError::Storage(s) => Self::Storage(s),
            e => Self::Exec(e),
        }
    }
}

impl From<ParamsError> for ContractError {
    fn from(e: ParamsError) -> Self {
        Self::Params(e)
    }
}

impl From<StorageError> for ContractError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

/// Parses an address: `0x` followed by exactly 64 hex digits.
pub fn parse_address(text: &str) -> Result<Address, String> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("invalid address '{text}': expected 0x followed by 64 hex digits"))?;
    if digits.len() != 64 {
        return Err(format!("invalid address '{text}': expected 64 hex digits after 0x, found {}", digits.len()));
    }
    Address::from_hex(text).ok_or_else(|| format!("invalid address '{text}': not hexadecimal"))
}

/// Reads a file of at most [`MAX_FILE_SIZE`] bytes.
pub fn read_file(path: &Path) -> Result<Vec<u8>, ContractError> {
    let io = |e: std::io::Error| ContractError::Io { path: path.to_path_buf(), message: format!("cannot read: {e}") };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(ContractError::Io {
            path: path.to_path_buf(),
            message: format!("file is larger than the limit of {MAX_FILE_SIZE} bytes"),
        });
    }
    Ok(bytes)
}

/// Loads contract code: a WebAssembly binary, or WebAssembly text compiled to one.
pub fn load_code(path: &Path) -> Result<Vec<u8>, ContractError> {
    let bytes = read_file(path)?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wasm")) {
        return Err(ContractError::Load(CliError::Parse {
            path: Some(path.to_path_buf()),
            message: "not a WebAssembly binary (missing the `\\0asm` magic header)".to_string(),
        }));
    }
    wat::parse_bytes(&bytes)
        .map(|cow| cow.into_owned())
        .map_err(|e| ContractError::Load(CliError::Parse { path: Some(path.to_path_buf()), message: e.to_string() }))
}

/// Encodes `--args` as call input.
///
/// Either a single `0x…` hex string, taken verbatim as the input bytes, or typed values
/// `TYPE:VALUE`, each SCALE-encoded and concatenated in order:
///
/// | type | value | encoding |
/// |---|---|---|
/// | `u8` `u16` `u32` `u64` `u128` | decimal or `0x` hex | little-endian, fixed width |
/// | `i8` `i16` `i32` `i64` `i128` | decimal (optionally negative) or `0x` hex | two's complement, little-endian |
/// | `bool` | `true` / `false` | one byte, 1 / 0 |
/// | `addr` | `0x` + 64 hex digits | the 32 bytes |
/// | `bytes` | `0x` hex | `Vec<u8>`: compact length, then the bytes |
/// | `str` | any text (UTF-8) | `String`: compact length, then the bytes |
/// | `raw` | `0x` hex | the bytes verbatim, no length prefix |
///
/// No arguments is empty input. Errors name the offending argument.
pub fn encode_args(args: &[String]) -> Result<Vec<u8>, ContractError> {
    if let [only] = args {
        if only.starts_with("0x") {
            return parse_hex(only).ok_or_else(|| {
                ContractError::Input(format!(
                    "invalid argument '{only}': expected an even number of hex digits after 0x"
                ))
            });
        }
    }
    let mut out = Vec::new();
    for (index, arg) in args.iter().enumerate() {
        encode_arg(arg, &mut out)
            .map_err(|reason| ContractError::Input(format!("invalid argument {} '{arg}': {reason}", index + 1)))?;
    }
    Ok(out)
}

fn encode_arg(arg: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let Some((ty, value)) = arg.split_once(':') else {
        if arg.starts_with("0x") {
            return Err("raw hex input must be the only argument (use raw:0x… to concatenate bytes)".into());
        }
        return Err("expected TYPE:VALUE (types: u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 bool addr bytes str raw) \
                    or a single 0x hex string"
            .into());
    };
    let hex_bytes = |v: &str| -> Result<Vec<u8>, String> {
        if !v.starts_with("0x") {
            return Err("expected 0x followed by hex digits".into());
        }
        parse_hex(v).ok_or_else(|| "expected an even number of hex digits after 0x".to_string())
    };
    match ty {
        "u8" => (parse_uint(value, u8::MAX.into())? as u8).encode_to(out),
        "u16" => (parse_uint(value, u16::MAX.into())? as u16).encode_to(out),
        "u32" => (parse_uint(value, u32::MAX.into())? as u32).encode_to(out),
        "u64" => (parse_uint(value, u64::MAX.into())? as u64).encode_to(out),
        "u128" => parse_uint(value, u128::MAX)?.encode_to(out),
        "i8" => (parse_sint(value, i8::MIN.into(), i8::MAX.into())? as i8).encode_to(out),
        "i16" => (parse_sint(value, i16::MIN.into(), i16::MAX.into())? as i16).encode_to(out),
        "i32" => (parse_sint(value, i32::MIN.into(), i32::MAX.into())? as i32).encode_to(out),
        "i64" => (parse_sint(value, i64::MIN.into(), i64::MAX.into())? as i64).encode_to(out),
        "i128" => parse_sint(value, i128::MIN, i128::MAX)?.encode_to(out),
        "bool" => match value {
            "true" => true.encode_to(out),
            "false" => false.encode_to(out),
            _ => return Err("expected true or false".into()),
        },
        "addr" => parse_address(value)?.0.encode_to(out),
        "bytes" => hex_bytes(value)?.encode_to(out),
        "str" => value.encode_to(out),
        "raw" => out.extend_from_slice(&hex_bytes(value)?),
        _ => {
            return Err(format!(
                "unknown type '{ty}' (types: u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 bool addr bytes str raw)"
            ))
        }
    }
    Ok(())
}

fn parse_uint(text: &str, max: u128) -> Result<u128, String> {
    let (digits, radix) = match text.strip_prefix("0x") {
        Some(h) => (h, 16),
        None => (text, 10),
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err("expected a non-negative decimal or 0x hex integer".into());
    }
    match u128::from_str_radix(&digits, radix) {
        Ok(v) if v <= max => Ok(v),
        _ => Err(format!("out of range 0..={max}")),
    }
}

fn parse_sint(text: &str, min: i128, max: i128) -> Result<i128, String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let range = || format!("out of range {min}..={max}");
    let magnitude = parse_uint(rest, u128::MAX).map_err(|e| if e.starts_with("out") { range() } else { e })?;
    let value = if negative {
        if magnitude == 1u128 << 127 {
            i128::MIN
        } else {
            -i128::try_from(magnitude).map_err(|_| range())?
        }
    } else {
        i128::try_from(magnitude).map_err(|_| range())?
    };
    if value < min || value > max {
        return Err(range());
    }
    Ok(value)
}

/// Opens the state: a fresh [`MemoryStorage`] when `in_memory`, else the redb database at `db`.
///
/// With `create`, a missing database (and its parent directory) is created; without, a missing
/// file is an error, so that `call`/`query` against a mistyped path do not silently create an
/// empty state. A database held by another process is [`StorageError::Locked`], a damaged or
/// foreign file [`StorageError::Corrupted`].
pub fn open_state(db: &Path, in_memory: bool, create: bool) -> Result<Arc<dyn Storage>, ContractError> {
    if in_memory {
        return Ok(Arc::new(MemoryStorage::new()));
    }
    if create {
        if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| ContractError::Io {
                path: parent.to_path_buf(),
                message: format!("cannot create the database directory: {e}"),
            })?;
        }
    } else if !db.exists() {
        return Err(ContractError::Input(format!(
            "database {} does not exist (deploy a contract first, or pass --db PATH)",
            db.display()
        )));
    }
    Ok(Arc::new(RedbStorage::open(db)?))
}

/// An operator that Tally will not run, found by [`scan_profile`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedOp {
    /// Function index (imports included, as in the module's function index space).
    pub function: u32,
    /// Byte offset of the operator in the module.
    pub offset: u64,
    /// The operator: its text-format name when it is in the profile, else wasmparser's name
    /// for it (e.g. `V128Load`, `I32AtomicLoad`).
    pub operator: String,
    /// Why: `"outside the profile"` (SIMD, threads, exceptions, tail calls, …) or
    /// `"forbidden by the schedule"`.
    pub reason: &'static str,
}

/// Lists every operator of every function body that Tally rejects: operators outside its
/// profile (WebAssembly 2.0 without SIMD) and operators `schedule` gives no cost. Best effort:
/// it stops at the first point where the module does not parse (the check's error reports that).
pub fn scan_profile(code: &[u8], schedule: &Schedule) -> Vec<RejectedOp> {
    use wasmparser::{Payload, TypeRef};
    let mut rejected = Vec::new();
    let mut function = 0u32;
    // The profile's parser: a memarg or limit is read as the profile reads it. Operators of
    // other proposals still decode (features only gate validation there), so they can be named.
    for payload in tally_profile::parser(tally_profile::features()).parse_all(code) {
        let Ok(payload) = payload else { break };
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    match import {
                        Ok(i) if matches!(i.ty, TypeRef::Func(_)) => function += 1,
                        Ok(_) => {}
                        Err(_) => return rejected,
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let Ok(reader) = body.get_operators_reader() else { return rejected };
                for item in reader.into_iter_with_offsets() {
                    let Ok((op, offset)) = item else { return rejected };
                    let (operator, reason) = match OpKind::of(&op) {
                        None => (operator_name(&op), "outside the profile"),
                        Some(kind) if schedule.cost(kind).is_none() => {
                            (kind.name().to_string(), "forbidden by the schedule")
                        }
                        Some(_) => continue,
                    };
                    rejected.push(RejectedOp { function, offset, operator, reason });
                }
                function += 1;
            }
            _ => {}
        }
    }
    rejected
}

/// wasmparser's variant name of an operator (`V128Load`), without its immediates.
fn operator_name(op: &wasmparser::Operator<'_>) -> String {
    let debug = format!("{op:?}");
    debug.split([' ', '{', '(']).next().unwrap_or(&debug).to_string()
}

/// The result of `tally check`.
#[derive(Debug)]
pub struct CheckOutcome {
    /// What [`Runtime::check`] said: the report, or why the code is rejected.
    pub report: Result<CodeReport, CodeRejection>,
    /// Every rejected operator [`scan_profile`] found (empty for accepted code).
    pub rejected_ops: Vec<RejectedOp>,
    /// The code limit the module breaks, if that is why it is rejected (from the report's
    /// error, kept apart for `--json`).
    pub limit: Option<CodeError>,
}

impl CheckOutcome {
    /// Whether the code is accepted.
    pub fn is_ok(&self) -> bool {
        self.report.is_ok()
    }
}

/// Checks `code` with the default [`Params`] (see [`CheckOutcome`]).
pub fn check_code(code: &[u8]) -> Result<CheckOutcome, ContractError> {
    let runtime = Runtime::new(Params::default())?;
    let report = runtime.check(code);
    let rejected_ops = scan_profile(code, &runtime.params().schedule);
    let limit = match &report {
        Err(CodeRejection::Limits(e @ CodeError::Limit { .. })) => Some(e.clone()),
        _ => None,
    };
    Ok(CheckOutcome { report, rejected_ops, limit })
}

/// Human output of `tally check`.
pub fn format_check(outcome: &CheckOutcome) -> String {
    let mut out = match &outcome.report {
        Ok(report) => format_code_report(report),
        Err(e) => format!("rejected: {e}\n"),
    };
    for op in &outcome.rejected_ops {
        out.push_str(&format!(
            "  function {}: `{}` at offset {:#x}: {}\n",
            op.function, op.operator, op.offset, op.reason
        ));
    }
    out
}

/// The JSON object of `tally check --json`: `{"ok": true, "code_hash", "size",
/// "instrumented_size", "imports": [{"module", "name"}], "exports", "methods", "rejected_ops": []}`
/// or `{"ok": false, "error": "...", "rejected_ops": [{"function", "offset", "operator",
/// "reason"}]}`, plus `"limit": {"name", "value", "max", "offset"}` when a code limit is broken.
pub fn check_to_json(outcome: &CheckOutcome) -> Json {
    let ops: Vec<Json> = outcome
        .rejected_ops
        .iter()
        .map(|op| json!({"function": op.function, "offset": op.offset, "operator": op.operator, "reason": op.reason}))
        .collect();
    let mut value = match &outcome.report {
        Ok(report) => code_report_to_json(report),
        Err(e) => json!({"ok": false, "error": e.to_string()}),
    };
    if let Json::Object(map) = &mut value {
        map.insert("rejected_ops".into(), Json::Array(ops));
        if let Some(CodeError::Limit { limit, value, max, offset }) = &outcome.limit {
            map.insert("limit".into(), json!({"name": limit.name(), "value": value, "max": max, "offset": offset}));
        }
    }
    value
}

/// A [`CodeReport`] as JSON (with `"ok": true`).
pub fn code_report_to_json(report: &CodeReport) -> Json {
    json!({
        "ok": true,
        "code_hash": hex(&report.code_hash),
        "size": report.size,
        "instrumented_size": report.instrumented_size,
        "imports": report.imports.iter().map(|(m, n)| json!({"module": m, "name": n})).collect::<Vec<_>>(),
        "exports": report.exports,
        "methods": report.methods,
    })
}

/// A [`CodeReport`] for people, one field per line.
pub fn format_code_report(report: &CodeReport) -> String {
    let list = |items: &[String]| if items.is_empty() { "(none)".to_string() } else { items.join(", ") };
    let imports: Vec<String> = report.imports.iter().map(|(m, n)| format!("{m}.{n}")).collect();
    format!(
        "accepted\ncode hash: {}\nsize: {} bytes\ninstrumented size: {} bytes\nimports: {}\nexports: {}\nmethods: {}\n",
        hex(&report.code_hash),
        report.size,
        report.instrumented_size,
        list(&imports),
        list(&report.exports),
        list(&report.methods),
    )
}

/// A stable machine name of a status: `ok`, `reverted`, `trapped`, `out_of_gas`, `aborted`,
/// `host_trap`, `no_such_contract`, `no_such_method`, `invalid_code`, `corrupt_state`.
pub fn status_name(status: &Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Reverted => "reverted",
        Status::Trapped(_) => "trapped",
        Status::OutOfGas => "out_of_gas",
        Status::Aborted(_) => "aborted",
        Status::HostTrap(_) => "host_trap",
        Status::NoSuchContract => "no_such_contract",
        Status::NoSuchMethod => "no_such_method",
        Status::InvalidCode => "invalid_code",
        Status::CorruptState => "corrupt_state",
    }
}

/// A receipt as JSON: `{"status", "status_detail", "gas_used", "return_data", "events":
/// [{"contract", "topics", "data"}], "logs", "write_set": [{"key", "value"}], "result_hash",
/// "trap"}`. Byte strings are `0x` hex; `logs` are text (invalid UTF-8 replaced); `trap` is
/// `null` or `{"contract", "function", "function_name", "message"}`.
pub fn receipt_to_json(receipt: &Receipt) -> Json {
    json!({
        "status": status_name(&receipt.status),
        "status_detail": receipt.status.describe(),
        "gas_used": receipt.gas_used,
        "return_data": hex(&receipt.return_data),
        "events": receipt.events.iter().map(|e| json!({
            "contract": e.contract.to_string(),
            "topics": e.topics.iter().map(|t| hex(t)).collect::<Vec<_>>(),
            "data": hex(&e.data),
        })).collect::<Vec<_>>(),
        "logs": receipt.logs.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>(),
        "write_set": receipt.write_set.iter().map(|(k, v)| json!({
            "key": hex(k),
            "value": v.as_deref().map(hex),
        })).collect::<Vec<_>>(),
        "result_hash": hex(&receipt.result_hash),
        "trap": receipt.trap.as_ref().map(|t| json!({
            "contract": t.contract.map(|c| c.to_string()),
            "function": t.function,
            "function_name": t.function_name,
            "message": t.message,
        })),
    })
}

/// A receipt for people: `status`, `gas used`, `return data` (followed by the text when a
/// failed execution's data is printable), then events, logs and where a failure happened when
/// there are any, and the `result hash` last.
pub fn format_receipt(receipt: &Receipt) -> String {
    let mut out = format!(
        "status: {}\ngas used: {}\nreturn data: {}",
        receipt.status.describe(),
        receipt.gas_used,
        hex(&receipt.return_data)
    );
    // Revert reasons are usually text: show it too.
    let data = &receipt.return_data;
    if !receipt.status.is_ok() && !data.is_empty() && data.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        out.push_str(&format!(" ({:?})", String::from_utf8_lossy(data)));
    }
    out.push('\n');
    for (i, e) in receipt.events.iter().enumerate() {
        out.push_str(&format!("event {i}: contract {}\n", e.contract));
        for t in &e.topics {
            out.push_str(&format!("  topic: {}\n", hex(t)));
        }
        out.push_str(&format!("  data: {}\n", hex(&e.data)));
    }
    for l in &receipt.logs {
        out.push_str(&format!("log: {}\n", String::from_utf8_lossy(l)));
    }
    if let Some(t) = &receipt.trap {
        let mut at = Vec::new();
        if let Some(c) = t.contract {
            at.push(format!("contract {c}"));
        }
        match (t.function, &t.function_name) {
            (Some(f), Some(n)) => at.push(format!("function {f} ({n})")),
            (Some(f), None) => at.push(format!("function {f}")),
            _ => {}
        }
        if !at.is_empty() {
            out.push_str(&format!("failed in: {}\n", at.join(", ")));
        }
        if let Some(m) = &t.message {
            out.push_str(&format!("failure: {m}\n"));
        }
    }
    out.push_str(&format!("result hash: {}\n", hex(&receipt.result_hash)));
    out
}

/// Writes `record` ([`ExecutionRecord::to_bytes`]) to `path`.
pub fn write_record(path: &Path, record: &ExecutionRecord) -> Result<(), ContractError> {
    std::fs::write(path, record.to_bytes())
        .map_err(|e| ContractError::Io { path: path.to_path_buf(), message: format!("cannot write the record: {e}") })
}

/// Reads and decodes the record at `path`.
pub fn read_record(path: &Path) -> Result<ExecutionRecord, ContractError> {
    let bytes = read_file(path)?;
    ExecutionRecord::from_bytes(&bytes).map_err(|error| ContractError::Record { path: path.to_path_buf(), error })
}

/// Whether an account (a deployed contract) exists at `address`.
pub fn has_contract(storage: &Arc<dyn Storage>, address: &Address) -> Result<bool, ContractError> {
    let key = [keys::ACCOUNT, &address.0[..]].concat();
    Ok(storage.get(&key).map_err(ContractError::Storage)?.is_some())
}

/// What `record` ran, for people: `call <address> <method>`, `query <address> <method>`,
/// `deploy`, or `deploy (init <method>)`. For an SDK contract (whose code, in the record's read
/// set or in the deployment, carries metadata) the method is the SDK method the input's selector
/// names, not the entry point `call` or `deploy`.
pub fn describe_record(record: &ExecutionRecord) -> String {
    let code = match &record.kind {
        RecordKind::Deploy { code, .. } => Some(&code[..]),
        RecordKind::Call { .. } => {
            let key = [keys::CODE, &record.code_hash[..]].concat();
            record.read_set.iter().find(|(k, _)| *k == key).and_then(|(_, v)| v.as_deref())
        }
    };
    // Undecodable metadata only loses the name; the replay reports on the code itself.
    let metadata = code.and_then(|c| crate::sdk::metadata_of_code(c).ok().flatten());
    match &record.kind {
        RecordKind::Call { contract, method, read_only } => {
            let verb = if *read_only { "query" } else { "call" };
            let sdk_method = match (&metadata, record.input.get(..4)) {
                (Some(meta), Some(selector)) if method == "call" => {
                    Some(meta.methods.iter().find(|m| m.entry() == "call" && m.selector[..] == *selector).map_or_else(
                        || format!("call (selector {}, which {} does not have)", hex(selector), meta.contract),
                        |m| m.name.clone(),
                    ))
                }
                _ => None,
            };
            format!("{verb} {contract} {}", sdk_method.as_deref().unwrap_or(method))
        }
        RecordKind::Deploy { init: None, .. } => "deploy".to_string(),
        RecordKind::Deploy { init: Some(init), .. } => {
            let sdk_init = metadata
                .as_ref()
                .filter(|_| init == "deploy")
                .and_then(|meta| meta.methods.iter().find(|m| m.entry() == "deploy"))
                .map(|m| m.name.as_str());
            format!("deploy (init {})", sdk_init.unwrap_or(init))
        }
    }
}

/// The runtime every command uses: default [`Params`].
pub fn runtime() -> Result<Runtime, ContractError> {
    Ok(Runtime::new(Params::default())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn encodes_typed_args_as_scale() {
        let input = encode_args(&args(&[
            "u8:1",
            "u16:0x0203",
            "u32:7",
            "u64:1",
            "u128:100",
            "i32:-1",
            "i64:-2",
            "bool:true",
            "bytes:0xabcd",
            "str:hi",
        ]))
        .unwrap();
        let expected = (1u8, 0x0203u16, 7u32, 1u64, 100u128, -1i32, -2i64, true, vec![0xabu8, 0xcd], "hi").encode();
        assert_eq!(input, expected);
        let a = format!("0x{}", "ab".repeat(32));
        assert_eq!(encode_args(&args(&[&format!("addr:{a}")])).unwrap(), vec![0xab; 32]);
        assert_eq!(encode_args(&args(&["0x0102"])).unwrap(), vec![1, 2]);
        assert_eq!(encode_args(&args(&["raw:0x0102", "u8:3"])).unwrap(), vec![1, 2, 3]);
        assert_eq!(encode_args(&[]).unwrap(), Vec::<u8>::new());
        assert_eq!(encode_args(&args(&["i8:-128", "i128:-170141183460469231731687303715884105728"])).unwrap(), {
            let mut v = vec![0x80];
            v.extend(i128::MIN.to_le_bytes());
            v
        });
    }

    #[test]
    fn rejects_bad_args_naming_them() {
        for (bad, needle) in [
            (&["u8:256"][..], "argument 1 'u8:256'"),
            (&["u8:1", "u32:-1"][..], "argument 2 'u32:-1'"),
            (&["i8:128"][..], "out of range"),
            (&["bool:yes"][..], "true or false"),
            (&["addr:0x12"][..], "64 hex digits"),
            (&["bytes:zz"][..], "0x"),
            (&["f32:1"][..], "unknown type 'f32'"),
            (&["0x123"][..], "even number"),
            (&["u8:1", "0x12"][..], "only argument"),
            (&["hello"][..], "TYPE:VALUE"),
        ] {
            let err = encode_args(&args(bad)).unwrap_err().to_string();
            assert!(err.contains(needle), "{bad:?}: {err}");
        }
    }

    #[test]
    fn parses_addresses() {
        let text = format!("0x{}01", "00".repeat(31));
        assert_eq!(parse_address(&text), Ok(DEFAULT_ACCOUNT));
        assert_eq!(DEFAULT_ACCOUNT.to_string(), text);
        assert!(parse_address(&text[2..]).is_err());
        assert!(parse_address("0x01").unwrap_err().contains("found 2"));
        assert!(parse_address(&format!("0x{}", "zz".repeat(32))).is_err());
    }

    #[test]
    fn scans_every_rejected_operator() {
        let wasm = wat::parse_str(
            r#"(module
                 (func (param i32) (result i32) local.get 0)
                 (func (result v128) v128.const i64x2 0 0 v128.const i64x2 0 0 i8x16.add)
                 (memory 1 1 shared)
                 (func (result i32) i32.const 0 i32.atomic.load))"#,
        )
        .unwrap();
        let ops = scan_profile(&wasm, &Schedule::default());
        let names: Vec<_> = ops.iter().map(|o| (o.function, o.operator.as_str())).collect();
        assert_eq!(names, [(1, "V128Const"), (1, "V128Const"), (1, "I8x16Add"), (2, "I32AtomicLoad")]);
        assert!(ops.windows(2).all(|w| w[0].offset < w[1].offset));
        let forbidding = Schedule::default().with_cost(OpKind::I32Add, None);
        let ops = scan_profile(
            &wat::parse_str("(module (func (result i32) i32.const 1 i32.const 2 i32.add))").unwrap(),
            &forbidding,
        );
        assert_eq!(ops.len(), 1);
        assert_eq!((ops[0].operator.as_str(), ops[0].reason), ("i32.add", "forbidden by the schedule"));
    }
}
