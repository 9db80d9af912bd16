//! `tally check`: whether the runtime accepts contract code (profile, limits, schedule, host
//! ABI), and every operator in it that Tally will not run, with its byte offset.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::{json, Value as Json};
use tally_gas_injector::{OpKind, Schedule};
use tally_host_env::{hex, CodeError, CodeRejection, CodeReport, Params, Runtime};

use super::ContractError;
use crate::load::load_module;
use crate::output::{error_exit, exit_code, EXIT_ERROR};

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

/// The JSON object of `tally check --json`: `{"ok": true, "code_hash", "size", "loaded_size",
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
        "loaded_size": report.loaded_size,
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
        "accepted\ncode hash: {}\nsize: {} bytes\nloaded by calls: {} bytes (custom sections other than `name` \
         are stored apart)\ninstrumented size: {} bytes\nimports: {}\nexports: {}\nmethods: {}\n",
        hex(&report.code_hash),
        report.size,
        report.loaded_size,
        report.instrumented_size,
        list(&imports),
        list(&report.exports),
        list(&report.methods),
    )
}

/// The options of `tally check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The contract: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs `tally check`: exits with [`EXIT_ERROR`] when the code is rejected.
pub fn command(args: CheckArgs) -> ExitCode {
    let outcome = match load_module(&args.module).map_err(ContractError::from).and_then(|code| check_code(&code)) {
        Ok(outcome) => outcome,
        Err(err) => return error_exit(&err, args.json),
    };
    if args.json {
        println!("{}", check_to_json(&outcome));
    } else {
        print!("{}", format_check(&outcome));
    }
    exit_code(outcome.is_ok(), EXIT_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

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
