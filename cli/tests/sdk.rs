//! The CLI with a real SDK contract (the `token` example, built for wasm32): deploy with named
//! JSON init arguments, call methods by name, query views, get named errors for unknown
//! methods and arguments, and replay records that name the SDK method.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tally")).args(args).output().expect("run tally")
}

fn json_of(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)))
}

/// A fresh directory for test `name` (tests run in parallel).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tally-cli-sdk-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn sdk_token_by_method_name_with_json_args() {
    let dir = scratch("json-args");
    let wasm = dir.join("token.wasm");
    std::fs::write(&wasm, tally_sdk_build::example("token").expect("build the token example")).unwrap();
    let db = dir.join("state.redb");
    let alice = format!("0x{}", "00".repeat(31) + "01");
    let bob = format!("0x{}", "bb".repeat(32));

    // `deploy` defaults to the SDK's `deploy` entry; the init args are named.
    let out = tally(&[
        "deploy",
        s(&wasm),
        "--db",
        s(&db),
        "--json",
        "--json-args",
        r#"{"name": "Tally", "symbol": "TLY", "decimals": 6, "initial_supply": "1000000"}"#,
    ]);
    let deployed = json_of(&out);
    assert!(out.status.success(), "{deployed}");
    let token = deployed["address"].as_str().unwrap().to_string();

    let transfer = format!(r#"{{"to": "{bob}", "value": 250}}"#);
    let out = tally(&["call", &token, "transfer", "--db", s(&db), "--json", "--json-args", &transfer]);
    let receipt = json_of(&out);
    assert!(out.status.success(), "{receipt}");
    assert_eq!(receipt["status"], "ok");
    assert_eq!(receipt["events"].as_array().map(Vec::len), Some(1), "{receipt}");
    // Known types replace raw bytes: the return value and the event by name.
    assert_eq!(receipt["returned"], serde_json::json!([]), "{receipt}");
    assert!(receipt.get("return_data").is_none(), "{receipt}");
    assert_eq!(receipt["events"][0]["event"], "Transfer");
    assert_eq!(receipt["events"][0]["fields"], serde_json::json!({"from": alice, "to": bob, "value": "250"}));
    assert!(receipt["events"][0].get("data").is_none(), "{receipt}");

    let balance = |who: &str| {
        let args = format!(r#"{{"owner": "{who}"}}"#);
        let out = tally(&["query", &token, "balance_of", "--db", s(&db), "--json", "--json-args", &args]);
        let r = json_of(&out);
        assert!(out.status.success(), "{r}");
        // u128 values are decimal strings in JSON.
        r["returned"].as_str().expect("a decoded u128").parse::<u128>().unwrap()
    };
    assert_eq!(balance(&alice), 1_000_000 - 250);
    assert_eq!(balance(&bob), 250);

    // SCALE --args work too: the selector is added for the method name.
    let out = tally(&["call", &token, "transfer", "--db", s(&db), "--args", &format!("addr:{bob}"), "u128:5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(balance(&bob), 255);

    // Named errors.
    let out = tally(&["call", &token, "mint", "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no method `mint`") && err.contains("transfer"), "{err}");
    let out = tally(&["call", &token, "transfer", "--db", s(&db), "--json-args", r#"{"to": "0x12"}"#]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing argument `value`"));
    // A failing transfer is a contract failure (exit 2), and changes nothing.
    let too_much = format!(r#"{{"to": "{alice}", "value": 999999999}}"#);
    let out = tally(&["call", &token, "transfer", "--db", s(&db), "--caller", &bob, "--json-args", &too_much]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(balance(&bob), 255);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replays_name_the_sdk_method_and_the_first_differing_write() {
    let dir = scratch("replay");
    let wasm = dir.join("token.wasm");
    std::fs::write(&wasm, tally_sdk_build::example("token").expect("build the token example")).unwrap();
    let db = dir.join("state.redb");
    let deploy_record = dir.join("deploy.rec");
    let init = r#"{"name": "Tally", "symbol": "TLY", "decimals": 6, "initial_supply": "1000000"}"#;
    let out =
        tally(&["deploy", s(&wasm), "--db", s(&db), "--json", "--json-args", init, "--record", s(&deploy_record)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = json_of(&out)["address"].as_str().unwrap().to_string();
    let out = tally(&["replay", s(&deploy_record)]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("identical: deploy (init init)\n"));

    let record_path = dir.join("transfer.rec");
    let transfer = format!(r#"{{"to": "0x{}", "value": 250}}"#, "bb".repeat(32));
    let out =
        tally(&["call", &token, "transfer", "--db", s(&db), "--json-args", &transfer, "--record", s(&record_path)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = tally(&["replay", s(&record_path)]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(&format!("identical: call {token} transfer\n")), "{stdout}");

    // One flipped byte in the recorded write set: the message names that entry only, in hex.
    let mut record = tally_host_env::ExecutionRecord::from_bytes(&std::fs::read(&record_path).unwrap()).unwrap();
    let (key, value) = record.outcome.write_set[0].clone();
    let mut value = value.expect("a write, not a removal");
    let flipped = value.clone();
    value[3] ^= 0x40;
    record.outcome.write_set[0].1 = Some(value.clone());
    let tampered = dir.join("tampered.rec");
    std::fs::write(&tampered, record.to_bytes()).unwrap();
    let out = tally(&["replay", s(&tampered)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("diverged: call {token} transfer\n"));
    let contract_key = tally_host_env::hex(&key[2 + 32..]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: replay diverged from the record: the write set differs at key {contract_key} of contract {token}: \
             the record has the value {}, the replay made the value {} (first difference at byte 3)\n",
            tally_host_env::hex(&value),
            tally_host_env::hex(&flipped)
        )
    );
    let out = tally(&["replay", s(&tampered), "--json"]);
    let v = json_of(&out);
    assert_eq!(v["replayed"], format!("call {token} transfer"));
    assert!(v["divergence"].as_str().unwrap().starts_with("the write set differs at key "), "{v}");

    // A selector the contract does not have is named as such.
    record.input[..4].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    let unknown = dir.join("unknown.rec");
    std::fs::write(&unknown, record.to_bytes()).unwrap();
    let out = tally(&["replay", s(&unknown)]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("diverged: call {token} call (selector 0xdeadbeef, which Token does not have)\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Deploys the token example into a fresh state in `dir`; returns the database and the address.
fn deployed_token(dir: &Path) -> (PathBuf, String) {
    let wasm = dir.join("token.wasm");
    std::fs::write(&wasm, tally_sdk_build::example("token").expect("build the token example")).unwrap();
    let db = dir.join("state.redb");
    let init = r#"{"name": "Tally", "symbol": "TLY", "decimals": 6, "initial_supply": "1000000"}"#;
    let out = tally(&["deploy", s(&wasm), "--db", s(&db), "--json", "--json-args", init]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (db, json_of(&out)["address"].as_str().unwrap().to_string())
}

/// Runs `tally`, expects exit 1 (refused: nothing ran) and returns stderr.
fn refused(args: &[&str]) -> String {
    let out = tally(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "nothing ran, so no receipt: {}", String::from_utf8_lossy(&out.stdout));
    stderr
}

#[test]
fn mistakes_are_refused_before_anything_runs_with_messages_that_name_them() {
    let dir = scratch("mistakes");
    let (db, token) = deployed_token(&dir);
    let db = s(&db);
    let bob = format!("0x{}", "bb".repeat(32));
    let transfer_sig = "`transfer(to: Address, value: u128)`";

    // A deployment without its initializer's arguments.
    let wasm = dir.join("token.wasm");
    assert_eq!(
        refused(&["deploy", s(&wasm), "--db", db]),
        "error: Token: `init(name: String, symbol: String, decimals: u8, initial_supply: u128)` takes 4 arguments and \
         none were given; pass them with --json-args '{\"name\": …, \"symbol\": …, \"decimals\": …, \"initial_supply\": …}' \
         (or SCALE with --args)\n"
    );

    // Missing and mistyped --args: a u64 where the method takes a u128, a byte too many.
    assert_eq!(
        refused(&["call", &token, "transfer", "--db", db]),
        format!(
            "error: Token: {transfer_sig} takes 2 arguments and none were given; pass them with --json-args \
             '{{\"to\": …, \"value\": …}}' (or SCALE with --args)\n"
        )
    );
    assert_eq!(
        refused(&["call", &token, "transfer", "--db", db, "--args", &format!("addr:{bob}"), "u64:5"]),
        format!(
            "error: Token: the arguments end inside `value` (u128), which starts at byte 32: 16 more bytes were needed, \
             8 left; {transfer_sig}\n"
        )
    );
    assert_eq!(
        refused(&["call", &token, "transfer", "--db", db, "--args", &format!("addr:{bob}"), "u128:5", "u8:1"]),
        format!(
            "error: Token: 1 byte is left over after the last argument of {transfer_sig} (the input is 49 bytes)\n"
        )
    );

    // A method the contract does not have (a typo): its methods are listed, for `call` and
    // `query` alike.
    let methods = "init, name, symbol, decimals, total_supply, balance_of, allowance, transfer, approve, transfer_from";
    for command in ["call", "query"] {
        assert_eq!(
            refused(&[command, &token, "swapp", "--db", db, "--json-args", "{}"]),
            format!("error: contract Token has no method `swapp`; its methods: {methods}\n")
        );
    }

    // A query of a method that changes state.
    assert_eq!(
        refused(&["query", &token, "transfer", "--db", db, "--args", &format!("addr:{bob}"), "u128:5"]),
        "error: `transfer` is a #[call] method of Token: it may change state, and a query cannot; use `tally call`. \
         Its views: name, symbol, decimals, total_supply, balance_of, allowance\n"
    );

    // An address with no contract, with --json-args (which needs the metadata of a contract).
    let nobody = format!("0x{}", "77".repeat(32));
    assert_eq!(
        refused(&["call", &nobody, "transfer", "--db", db, "--json-args", "{}"]),
        format!("error: no contract at address {nobody}\n")
    );

    // Argument names that do not exist, and integers JSON cannot carry as written.
    assert_eq!(
        refused(&[
            "call",
            &token,
            "transfer",
            "--db",
            db,
            "--json-args",
            &format!(r#"{{"to": "{bob}", "amount": 5}}"#)
        ]),
        format!("error: method `transfer` has no argument `amount`; its arguments: to, value ({transfer_sig})\n")
    );
    assert_eq!(
        refused(&[
            "call",
            &token,
            "transfer",
            "--db",
            db,
            "--json-args",
            &format!(r#"{{"to": "{bob}", "value": 1e3}}"#)
        ]),
        "error: argument `value` (u128) of `transfer`: 1000.0 is written as a floating-point number (an exponent or a \
         fraction, as in 1e3 or 1000.0); write the integer in plain digits: 1000\n"
    );
    let too_big = "340282366920938463463374607431768211456";
    assert_eq!(
        refused(&[
            "call",
            &token,
            "transfer",
            "--db",
            db,
            "--json-args",
            &format!(r#"{{"to": "{bob}", "value": "{too_big}"}}"#)
        ]),
        format!(
            "error: argument `value` (u128) of `transfer`: {too_big} is out of range for u128 (0 to \
             340282366920938463463374607431768211455)\n"
        )
    );
    let err = refused(&[
        "call",
        &token,
        "transfer",
        "--db",
        db,
        "--json-args",
        &format!(r#"{{"to": "{bob}", "value": {too_big}}}"#),
    ]);
    assert!(
        err.contains("is beyond what a JSON number holds exactly (integers up to 2^64); write u128 values that large as a decimal string"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn metadata_prints_the_type_registry() {
    let dir = scratch("metadata");
    let wasm = dir.join("pool.wasm");
    std::fs::write(&wasm, tally_sdk_build::example("pool").expect("build the pool example")).unwrap();
    let out = tally(&["metadata", s(&wasm)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m = json_of(&out);
    assert_eq!((m["metadata_version"].as_u64(), m["contract"].as_str()), (Some(2), Some("Pool")));
    let swap = m["methods"].as_array().unwrap().iter().find(|x| x["name"] == "swap").expect("swap");
    assert_eq!(swap["returns"]["type"], "Result<u128, Error>");
    // The error type is defined in the registry, down to the token's error and the SDK's
    // `CallError` it holds.
    let types = m["types"].as_array().expect("types");
    let ty = |id: &serde_json::Value| types.iter().find(|t| t["id"] == *id).map(|t| &t["type"]).expect("type");
    let error = ty(&swap["returns"]["err"]);
    assert_eq!(error["path"], serde_json::json!(["pool", "pool", "Error"]));
    let variants = error["def"]["variant"]["variants"].as_array().expect("variants");
    let token_variant = &variants[0];
    assert_eq!((token_variant["name"].as_str(), token_variant["index"].as_u64()), (Some("Token"), Some(0)));
    let token_error = ty(&token_variant["fields"][0]["type"]);
    assert_eq!(token_error["path"], serde_json::json!(["token", "token", "Error"]));
    let call_error = ty(&variants[1]["fields"][0]["type"]);
    assert_eq!(call_error["path"], serde_json::json!(["tally_sdk", "call", "CallError"]));
    assert_eq!(ty(&m["dispatch_error"])["path"], serde_json::json!(["tally_sdk", "dispatch", "DispatchError"]));

    // A module without metadata, and a malformed section: errors that say so.
    let plain = dir.join("plain.wat");
    std::fs::write(&plain, "(module)").unwrap();
    let err = String::from_utf8_lossy(&tally(&["metadata", s(&plain)]).stderr).to_string();
    assert!(err.contains("has no tally.metadata section"), "{err}");
    let bad = dir.join("bad.wasm");
    let code = tally_sdk_build::with_metadata(&tally_sdk_build::example("pool").unwrap(), b"\x02\x05abc").unwrap();
    std::fs::write(&bad, code).unwrap();
    let out = tally(&["metadata", s(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.starts_with("error: the contract's metadata: the metadata does not decode: "), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn returns_reverts_and_events_are_printed_by_name() {
    let dir = scratch("decoded");
    let (db, token) = deployed_token(&dir);
    let db = s(&db);
    let bob = format!("0x{}", "bb".repeat(32));
    let transfer = |value: u64| format!(r#"{{"to": "{bob}", "value": {value}}}"#);

    // Human output: the value, the event's fields, no raw hex.
    let out = tally(&["call", &token, "transfer", "--db", db, "--json-args", &transfer(250)]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("\nreturned: ()\n"), "{text}");
    let alice = format!("0x{}01", "00".repeat(31));
    assert!(
        text.contains(&format!("event 0: Transfer {{ from: {alice}, to: {bob}, value: 250 }} (contract {token})\n")),
        "{text}"
    );
    assert!(!text.contains("return data") && !text.contains("data: 0x"), "{text}");
    let out = tally(&["query", &token, "balance_of", "--db", db, "--json-args", &format!(r#"{{"owner": "{bob}"}}"#)]);
    assert!(stdout(&out).contains("\nreturned: 250\n"), "{}", stdout(&out));

    // The method's own error, by name, with no trap location after it.
    let out = tally(&["call", &token, "transfer", "--db", db, "--caller", &bob, "--json-args", &transfer(999_999)]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(text.contains("\nreverted with: Err(Error::InsufficientBalance)\n"), "{text}");
    assert!(!text.contains("failed in") && !text.contains("return data"), "{text}");
    let out =
        tally(&["call", &token, "transfer", "--db", db, "--caller", &bob, "--json", "--json-args", &transfer(999_999)]);
    let r = json_of(&out);
    assert_eq!(r["revert"], serde_json::json!({"error": "InsufficientBalance"}), "{r}");

    // The dispatcher's DispatchError (raw input through the `call` export).
    let out = tally(&["call", &token, "call", "--db", db, "--args", "0xdeadbeef"]);
    assert!(
        stdout(&out).contains(
            "reverted with: DispatchError::UnknownSelector(0xdeadbeef) (the contract's dispatcher refused the input)"
        ),
        "{}",
        stdout(&out)
    );
    let out = tally(&["call", &token, "call", "--db", db, "--json", "--args", "0xdeadbeef"]);
    assert_eq!(json_of(&out)["revert"], serde_json::json!({"dispatch_error": {"UnknownSelector": "0xdeadbeef"}}));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nested_errors_of_another_contract_and_of_the_call_are_decoded() {
    let dir = scratch("nested");
    let (db, token) = deployed_token(&dir);
    let db = s(&db);
    let pool_wasm = dir.join("pool.wasm");
    std::fs::write(&pool_wasm, tally_sdk_build::example("pool").expect("build the pool example")).unwrap();
    // An initializer's own error, decoded by the code being deployed.
    let same = format!(r#"{{"token_a": "{token}", "token_b": "{token}"}}"#);
    let out = tally(&["deploy", s(&pool_wasm), "--db", db, "--json-args", &same]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(text.starts_with("not deployed (reverted): nothing was stored\n"), "{text}");
    assert!(text.contains("\nreverted with: Err(Error::SameToken)\n"), "{text}");

    // One real token and one address with no contract.
    let nothing = format!("0x{}", "77".repeat(32));
    let init = format!(r#"{{"token_a": "{token}", "token_b": "{nothing}"}}"#);
    let record = dir.join("deploy.rec");
    let out = tally(&["deploy", s(&pool_wasm), "--db", db, "--json", "--json-args", &init, "--record", s(&record)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pool = json_of(&out)["address"].as_str().unwrap().to_string();
    let out = tally(&["replay", s(&record)]);
    assert!(stdout(&out).starts_with("identical: deploy (init init)\nstatus: ok\n"), "{}", stdout(&out));

    // The pool pulls token A with `transfer_from` without an allowance: the token's error,
    // inside the pool's.
    let add = r#"{"amount_a": 10, "amount_b": 10}"#;
    let out = tally(&["call", &pool, "add_liquidity", "--db", db, "--json-args", add]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("\nreverted with: Err(Error::Token(Error::InsufficientAllowance))\n"),
        "{}",
        stdout(&out)
    );

    // With the allowance, the pool reaches token B, where there is no contract: the SDK's
    // `CallError` inside the pool's error. The token's event is rolled back with the call.
    let approve = format!(r#"{{"spender": "{pool}", "value": 10}}"#);
    assert!(tally(&["call", &token, "approve", "--db", db, "--json-args", &approve]).status.success());
    let record = dir.join("add.rec");
    let out = tally(&["call", &pool, "add_liquidity", "--db", db, "--json-args", add, "--record", s(&record)]);
    let text = stdout(&out);
    assert!(text.contains("\nreverted with: Err(Error::Call(CallError::NotFound))\n"), "{text}");
    let out = tally(&["call", &pool, "add_liquidity", "--db", db, "--json", "--json-args", add]);
    assert_eq!(json_of(&out)["revert"], serde_json::json!({"error": {"Call": "NotFound"}}));

    // Replay decodes with the metadata of the code in the record.
    let out = tally(&["replay", s(&record)]);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("identical: call {pool} add_liquidity\n")), "{text}");
    assert!(text.contains("\nreverted with: Err(Error::Call(CallError::NotFound))\n"), "{text}");
    let out = tally(&["replay", s(&record), "--json"]);
    assert_eq!(json_of(&out)["receipt"]["revert"], serde_json::json!({"error": {"Call": "NotFound"}}));
    let _ = std::fs::remove_dir_all(&dir);
}
