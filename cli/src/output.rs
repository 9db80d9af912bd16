//! How every command ends: its exit code, and errors reported on stderr (and, for commands with
//! `--json`, as `{"error": ...}` on stdout).
//!
//! Exit codes: 0 on success, [`EXIT_ERROR`] for any error (unreadable or invalid input, unknown
//! export, contract or method, bad arguments, unusable database or record, diverging replay, bad
//! command line), [`EXIT_TRAP`] when the code ran and failed (a trap; a contract that reverted,
//! trapped, ran out of gas, aborted or hit a host trap).

use std::fmt::Display;
use std::process::ExitCode;

use serde_json::json;

/// Exit code for errors other than failed executions.
pub const EXIT_ERROR: u8 = 1;
/// Exit code when execution traps or a contract fails.
pub const EXIT_TRAP: u8 = 2;

/// Reports `err` as `error: …` on stderr and, with `json`, as `{"error": "…"}` on stdout;
/// returns [`EXIT_ERROR`].
pub fn error_exit(err: &dyn Display, json: bool) -> ExitCode {
    eprintln!("error: {err}");
    if json {
        println!("{}", json!({ "error": err.to_string() }));
    }
    ExitCode::from(EXIT_ERROR)
}

/// Success when `ok`, else `failure` ([`EXIT_ERROR`] or [`EXIT_TRAP`]).
pub fn exit_code(ok: bool, failure: u8) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(failure)
    }
}
