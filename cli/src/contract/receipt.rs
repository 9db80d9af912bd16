//! Receipts for people ([`format_receipt`]) and as JSON ([`receipt_to_json`]), with what an SDK
//! contract's metadata could decode ([`Decoded`]) in place of raw bytes.

use serde_json::{json, Value as Json};
use tally_host_env::{hex, Receipt, Status};
use tally_sdk_build::json::value_to_json;

use super::decode::{Decoded, Outcome};

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
///
/// With `decoded` (an SDK contract's metadata knew the types), a known result replaces
/// `return_data`: `"returned"` (the value), or `"revert": {"error": value}` (the method's error)
/// or `"revert": {"dispatch_error": value}` (the dispatcher refused the input); and a known
/// event has `"event"` (its name) and `"fields"` instead of `"data"`. Values are JSON as
/// `tally_sdk_build::json` writes them.
pub fn receipt_to_json(receipt: &Receipt, decoded: Option<&Decoded>) -> Json {
    let mut out = json!({
        "status": status_name(&receipt.status),
        "status_detail": receipt.status.describe(),
        "gas_used": receipt.gas_used,
    });
    let map = out.as_object_mut().expect("an object");
    match decoded.and_then(|d| d.outcome.as_ref()) {
        Some(Outcome::Returned(v)) => {
            map.insert("returned".into(), value_to_json(v));
        }
        Some(Outcome::Error(v)) => {
            map.insert("revert".into(), json!({ "error": value_to_json(v) }));
        }
        Some(Outcome::Dispatch(v)) => {
            map.insert("revert".into(), json!({ "dispatch_error": value_to_json(v) }));
        }
        None => {
            map.insert("return_data".into(), json!(hex(&receipt.return_data)));
        }
    }
    let events: Vec<Json> = receipt
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut event = json!({
                "contract": e.contract.to_string(),
                "topics": e.topics.iter().map(|t| hex(t)).collect::<Vec<_>>(),
            });
            let fields = event.as_object_mut().expect("an object");
            match decoded.and_then(|d| d.events.get(i)).and_then(Option::as_ref) {
                Some(named) => {
                    fields.insert("event".into(), json!(named.name));
                    fields.insert("fields".into(), value_to_json(&named.value));
                }
                None => {
                    fields.insert("data".into(), json!(hex(&e.data)));
                }
            }
            event
        })
        .collect();
    map.insert("events".into(), Json::Array(events));
    map.insert(
        "logs".into(),
        json!(receipt.logs.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>()),
    );
    map.insert(
        "write_set".into(),
        json!(receipt
            .write_set
            .iter()
            .map(|(k, v)| json!({ "key": hex(k), "value": v.as_deref().map(hex) }))
            .collect::<Vec<_>>()),
    );
    map.insert("result_hash".into(), json!(hex(&receipt.result_hash)));
    map.insert(
        "trap".into(),
        json!(receipt.trap.as_ref().map(|t| json!({
            "contract": t.contract.map(|c| c.to_string()),
            "function": t.function,
            "function_name": t.function_name,
            "message": t.message,
        }))),
    );
    out
}

/// A receipt for people: `status`, `gas used`, then what it returned: `returned: <value>`,
/// `reverted with: Err(<error>)` or `reverted with: <DispatchError>` when `decoded` knows the
/// type, else `return data: 0x…` (followed by the text when a failed execution's data is
/// printable); then events (by name and fields when decoded), logs, where a trap or an abort
/// happened, and the `result hash` last. A revert is the contract's own answer, so no trap
/// location follows it.
pub fn format_receipt(receipt: &Receipt, decoded: Option<&Decoded>) -> String {
    let mut out = format!("status: {}\ngas used: {}\n", receipt.status.describe(), receipt.gas_used);
    match decoded.and_then(|d| d.outcome.as_ref()) {
        Some(Outcome::Returned(v)) => out.push_str(&format!("returned: {v}\n")),
        Some(Outcome::Error(v)) => out.push_str(&format!("reverted with: Err({v})\n")),
        Some(Outcome::Dispatch(v)) => {
            out.push_str(&format!("reverted with: {v} (the contract's dispatcher refused the input)\n"))
        }
        None => {
            out.push_str(&format!("return data: {}", hex(&receipt.return_data)));
            // Revert reasons are usually text: show it too.
            let data = &receipt.return_data;
            if !receipt.status.is_ok() && !data.is_empty() && data.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                out.push_str(&format!(" ({:?})", String::from_utf8_lossy(data)));
            }
            out.push('\n');
        }
    }
    for (i, e) in receipt.events.iter().enumerate() {
        match decoded.and_then(|d| d.events.get(i)).and_then(Option::as_ref) {
            Some(named) => out.push_str(&format!("event {i}: {} (contract {})\n", named.value, e.contract)),
            None => {
                out.push_str(&format!("event {i}: contract {}\n", e.contract));
                for t in &e.topics {
                    out.push_str(&format!("  topic: {}\n", hex(t)));
                }
                out.push_str(&format!("  data: {}\n", hex(&e.data)));
            }
        }
    }
    for l in &receipt.logs {
        out.push_str(&format!("log: {}\n", String::from_utf8_lossy(l)));
    }
    match &receipt.trap {
        Some(t) if receipt.status != Status::Reverted => {
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
        _ => {}
    }
    out.push_str(&format!("result hash: {}\n", hex(&receipt.result_hash)));
    out
}
