//! Receipts for people ([`format_receipt`]) and as JSON ([`receipt_to_json`]).

use serde_json::{json, Value as Json};
use tally_host_env::{hex, Receipt, Status};

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
