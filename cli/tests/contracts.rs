//! End-to-end tests of the contract commands (`tally check`, `deploy`, `call`, `query`,
//! `replay`): each test uses its own temporary directory and state database.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use parity_scale_codec::Encode;
use serde_json::Value;
use tally_host_env::{ExecutionRecord, RedbStorage};

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("tally-cli-contracts-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// The state database of this test (in a subdirectory that does not exist yet, so
    /// `deploy` has to create it).
    fn db(&self) -> String {
        self.path("state/db.redb").display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tally")).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", stdout(out)))
}

/// Asserts the exit code, showing the output when it differs.
fn expect(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "stdout:\n{}\nstderr:\n{}", stdout(out), stderr(out));
}

fn counter(dir: &TempDir) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/counter.wat");
    dir.write("counter.wat", std::fs::read(path).unwrap()).display().to_string()
}

/// Returns its input as its return data.
const ECHO: &str = r#"(module
  (import "tally_host_v1" "input_len" (func $ilen (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (memory (export "memory") 2)
  (func (export "echo")
    (call $iread (i32.const 0) (i32.const 0) (call $ilen))
    (call $ret (i32.const 0) (call $ilen))))"#;

/// Deploys `code` into `db` and returns the address.
fn deploy(code: &str, db: &str) -> String {
    let out = tally(&["deploy", code, "--db", db, "--json"]);
    expect(&out, 0);
    json(&out)["address"].as_str().unwrap().to_string()
}

/// The counter's value, by query.
fn get(db: &str, address: &str) -> u64 {
    let out = tally(&["query", address, "get", "--db", db, "--json"]);
    expect(&out, 0);
    let data = tally_host_env::parse_hex(json(&out)["return_data"].as_str().unwrap()).unwrap();
    u64::from_le_bytes(data.try_into().unwrap())
}

#[test]
fn check_accepts_a_contract_and_lists_its_interface() {
    let dir = TempDir::new();
    let code = counter(&dir);
    let out = tally(&["check", &code]);
    expect(&out, 0);
    let text = stdout(&out);
    let needles = [
        "code hash: 0x",
        "loaded by calls:",
        "instrumented size:",
        "tally_host_v1.storage_write",
        "methods: inc, add, get, fail",
    ];
    for needle in needles {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let out = tally(&["check", &code, "--json"]);
    expect(&out, 0);
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["methods"], serde_json::json!(["inc", "add", "get", "fail"]));
    assert_eq!(v["rejected_ops"], serde_json::json!([]));
    assert!(v["instrumented_size"].as_u64().unwrap() > v["size"].as_u64().unwrap());
    // Only a `name` section: calls load it whole.
    assert_eq!(v["loaded_size"], v["size"]);

    // Another custom section is stored apart: calls do not load it.
    let padded = dir.write("padded.wat", br#"(module (@custom "tally.pad" "0123456789") (func (export "f")))"#);
    let v = json(&tally(&["check", padded.to_str().unwrap(), "--json"]));
    let section = 1 + 1 + (1 + "tally.pad".len()) + 10;
    assert_eq!(v["loaded_size"].as_u64().unwrap() + section as u64, v["size"].as_u64().unwrap(), "{v}");
}

#[test]
fn check_rejects_simd_and_lists_every_operator_with_its_offset() {
    let dir = TempDir::new();
    let wat = dir.write(
        "simd.wat",
        r#"(module
             (func (export "ok"))
             (func (export "vec") (drop (i8x16.add (v128.const i64x2 0 0) (v128.const i64x2 0 0)))))"#,
    );
    let out = tally(&["check", wat.to_str().unwrap()]);
    expect(&out, 1);
    let text = stdout(&out);
    assert!(text.starts_with("rejected: unsupported WebAssembly feature at offset 0x"), "{text}");
    assert!(text.lines().next().is_some_and(|l| l.ends_with("(needs SIMD)")), "{text}");
    assert!(text.contains("function 1: `V128Const` at offset 0x"), "{text}");
    assert!(text.contains("`I8x16Add`"), "{text}");
    let v = json(&tally(&["check", wat.to_str().unwrap(), "--json"]));
    assert_eq!(v["ok"], false);
    let ops = v["rejected_ops"].as_array().unwrap();
    let names: Vec<_> = ops.iter().map(|o| o["operator"].as_str().unwrap()).collect();
    assert_eq!(names, ["V128Const", "V128Const", "I8x16Add"]);
    assert!(ops.iter().all(|o| o["function"] == 1 && o["offset"].as_u64().unwrap() > 0));

    let out = tally(&["check", dir.write("bad.wasm", b"\0asm\x01\0\0\0\x01").to_str().unwrap()]);
    expect(&out, 1);
    assert!(stdout(&out).contains("rejected:"), "{}", stdout(&out));
    let out = tally(&["check", dir.path("missing.wat").to_str().unwrap()]);
    expect(&out, 1);
    assert!(stderr(&out).contains("missing.wat"), "{}", stderr(&out));
}

#[test]
fn check_rejects_code_over_a_limit_naming_the_limit_value_and_offset() {
    let dir = TempDir::new();
    let wat = dir.write("big.wat", r#"(module (memory 257) (func (export "m")))"#);
    let out = tally(&["check", wat.to_str().unwrap()]);
    expect(&out, 1);
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "rejected: code limit `memory_pages` exceeded at offset 0x15: \
             initial pages of a memory is 257, the maximum is 256"
        ),
        "{text}"
    );
    let v = json(&tally(&["check", wat.to_str().unwrap(), "--json"]));
    assert_eq!(v["ok"], false);
    assert_eq!(v["limit"], serde_json::json!({"name": "memory_pages", "value": 257, "max": 256, "offset": 21}));
    // Deploying is refused the same way, and nothing is stored.
    let db = dir.db();
    let out = tally(&["deploy", wat.to_str().unwrap(), "--db", &db]);
    expect(&out, 1);
    assert!(stderr(&out).contains("memory_pages"), "{}", stderr(&out));
    // Accepted code has no `limit`.
    assert!(json(&tally(&["check", &counter(&dir), "--json"])).get("limit").is_none());
}

#[test]
fn deploy_call_query_replay_round_trip() {
    let dir = TempDir::new();
    let (code, db) = (counter(&dir), dir.db());
    let deploy_record = dir.path("deploy.rec").display().to_string();
    let out = tally(&["deploy", &code, "--db", &db, "--init", "inc", "--record", &deploy_record]);
    expect(&out, 0);
    let text = stdout(&out);
    let address = text.lines().find_map(|l| l.strip_prefix("address: ")).expect(&text).to_string();
    assert_eq!(address.len(), 66);
    assert!(text.contains("status: ok") && text.contains("log: counter bumped"), "{text}");

    let call_record = dir.path("call.rec").display().to_string();
    let out =
        tally(&["call", &address, "add", "--args", "u64:41", "--db", &db, "--record", &call_record, "--height", "5"]);
    expect(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(&format!("return data: {}", tally_host_env::hex(&42u64.to_le_bytes()))), "{text}");
    assert!(text.contains(&format!("event 0: contract {address}")), "{text}");
    assert!(text.contains("  data: 0x2a00000000000000"), "{text}");
    let result_hash = text.lines().find_map(|l| l.strip_prefix("result hash: ")).expect(&text).to_string();

    let out = tally(&["call", &address, "inc", "--db", &db, "--json"]);
    expect(&out, 0);
    let v = json(&out);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["return_data"], tally_host_env::hex(&43u64.to_le_bytes()));
    assert_eq!(v["events"][0]["contract"], address.as_str());
    assert_eq!(v["logs"], serde_json::json!(["counter bumped"]));
    assert!(v["gas_used"].as_u64().unwrap() > 0);

    // Queries see the state and change nothing; a writing method fails read-only.
    assert_eq!(get(&db, &address), 43);
    let out = tally(&["query", &address, "inc", "--db", &db]);
    expect(&out, 2);
    assert!(stdout(&out).contains("status: host trap: read_only"), "{}", stdout(&out));
    assert_eq!(get(&db, &address), 43);

    // Records replay without the database.
    let out = tally(&["replay", &call_record]);
    expect(&out, 0);
    assert!(stdout(&out).contains(&format!("result hash: {result_hash}")), "{}", stdout(&out));
    let v = json(&tally(&["replay", &deploy_record, "--json"]));
    assert_eq!(v["identical"], true);
    assert_eq!(v["replayed"], "deploy (init inc)");
}

#[test]
fn failed_calls_leave_state_untouched() {
    let dir = TempDir::new();
    let (code, db) = (counter(&dir), dir.db());
    let address = deploy(&code, &db);
    expect(&tally(&["call", &address, "inc", "--db", &db]), 0);
    assert_eq!(get(&db, &address), 1);

    let out = tally(&["call", &address, "fail", "--db", &db]);
    expect(&out, 2);
    assert!(stdout(&out).contains("status: reverted"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(r#"return data: 0x6661696c3a207265766572746564 ("fail: reverted")"#),
        "{}",
        stdout(&out)
    );
    let out = tally(&["call", &address, "inc", "--db", &db, "--gas", "1000", "--json"]);
    expect(&out, 2);
    assert_eq!(json(&out)["status"], "out_of_gas");
    let out = tally(&["call", &address, "add", "--args", "u32:1", "--db", &db]);
    expect(&out, 2);
    assert!(stdout(&out).contains(r#"("expected a u64")"#), "{}", stdout(&out));
    assert_eq!(get(&db, &address), 1);

    // A failing initializer stores nothing: exit 2, and the reserved address has no contract.
    let out = tally(&["deploy", &code, "--db", &db, "--init", "fail", "--json"]);
    expect(&out, 2);
    let v = json(&out);
    assert_eq!((v["deployed"].clone(), v["receipt"]["status"].clone()), (Value::Bool(false), "reverted".into()));
    let out = tally(&["call", v["address"].as_str().unwrap(), "get", "--db", &db]);
    expect(&out, 1);
    assert!(stderr(&out).contains("no contract at address"), "{}", stderr(&out));
}

#[test]
fn bad_requests_are_errors_naming_the_culprit() {
    let dir = TempDir::new();
    let (code, db) = (counter(&dir), dir.db());
    let address = deploy(&code, &db);
    let nobody = format!("0x{}", "ee".repeat(32));
    let cases: [(Vec<&str>, &str); 8] = [
        (vec!["call", &nobody, "inc"], "no contract at address 0xeeee"),
        (vec!["call", &address, "nope"], "has no method `nope`"),
        (vec!["query", &address, "nope"], "has no method `nope`"),
        (vec!["call", "0x1234", "inc"], "invalid address '0x1234'"),
        (vec!["call", &address, "add", "--args", "u64:-1"], "invalid argument 1 'u64:-1'"),
        (vec!["call", &address, "add", "--args", "u8:1", "float:2"], "invalid argument 2 'float:2'"),
        (vec!["deploy", &code, "--args", "u8:1"], "--args needs --init"),
        (vec!["deploy", &code, "--init", "nope"], "no method `nope`"),
    ];
    for (args, needle) in cases {
        let mut args = args.clone();
        args.extend(["--db", &db]);
        let out = tally(&args);
        expect(&out, 1);
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    // Oversized input (the limit is 64 KiB).
    // (In two pieces: one command-line argument may not exceed 128 KiB.)
    let half = format!("raw:0x{}", "00".repeat(33 * 1024));
    let out = tally(&["call", &address, "add", "--db", &db, "--json", "--args", &half, &half]);
    expect(&out, 1);
    assert!(json(&out)["error"].as_str().unwrap().contains("exceeds the limit"), "{}", stdout(&out));
    // call/query never create a database.
    let missing = dir.path("nowhere/db.redb").display().to_string();
    let out = tally(&["query", &address, "get", "--db", &missing]);
    expect(&out, 1);
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(!dir.path("nowhere").exists());
    assert_eq!(get(&db, &address), 0);
}

#[test]
fn locked_and_corrupted_databases_are_refused() {
    let dir = TempDir::new();
    let (code, db) = (counter(&dir), dir.db());
    let address = deploy(&code, &db);
    {
        let _held = RedbStorage::open(Path::new(&db)).expect("open");
        let out = tally(&["call", &address, "inc", "--db", &db]);
        expect(&out, 1);
        assert!(stderr(&out).contains("locked"), "{}", stderr(&out));
    }
    assert_eq!(get(&db, &address), 0, "the locked attempt changed nothing");

    let garbage = dir.write("garbage.redb", vec![0x5a; 8192]).display().to_string();
    let out = tally(&["call", &address, "inc", "--db", &garbage]);
    expect(&out, 1);
    assert!(stderr(&out).contains("corrupted"), "{}", stderr(&out));
}

#[test]
fn tampered_and_truncated_records_are_caught() {
    let dir = TempDir::new();
    let (code, db) = (counter(&dir), dir.db());
    let address = deploy(&code, &db);
    expect(&tally(&["call", &address, "inc", "--db", &db]), 0);
    let record_path = dir.path("inc.rec");
    let out = tally(&["call", &address, "inc", "--db", &db, "--record", record_path.to_str().unwrap()]);
    expect(&out, 0);
    expect(&tally(&["replay", record_path.to_str().unwrap()]), 0);

    // Flip a byte of the stored counter value the call read.
    let bytes = std::fs::read(&record_path).unwrap();
    let mut record = ExecutionRecord::from_bytes(&bytes).unwrap();
    let key = tally_host_env::contract_key(&tally_host_env::Address::from_hex(&address).unwrap(), b"n");
    let value = record
        .read_set
        .iter_mut()
        .find_map(|(k, v)| (*k == key).then_some(v.as_mut()).flatten())
        .expect("the counter value is in the read set");
    value[0] ^= 1;
    let tampered = dir.write("tampered.rec", record.to_bytes());
    let out = tally(&["replay", tampered.to_str().unwrap()]);
    expect(&out, 1);
    assert!(stderr(&out).contains("replay diverged from the record: "), "{}", stderr(&out));
    assert!(stdout(&out).contains("diverged: call"), "{}", stdout(&out));
    let v = json(&tally(&["replay", tampered.to_str().unwrap(), "--json"]));
    assert_eq!(v["identical"], false);
    assert!(!v["divergence"].as_str().unwrap().is_empty());

    let truncated = dir.write("truncated.rec", &bytes[..bytes.len() - 5]);
    let out = tally(&["replay", truncated.to_str().unwrap()]);
    expect(&out, 1);
    assert!(stderr(&out).contains("truncated or corrupted"), "{}", stderr(&out));
    let out = tally(&["replay", dir.write("junk.rec", b"hello").to_str().unwrap(), "--json"]);
    expect(&out, 1);
    assert!(json(&out)["error"].as_str().unwrap().contains("not a Tally execution record"));
}

#[test]
fn typed_args_reach_the_contract_scale_encoded() {
    let dir = TempDir::new();
    let echo = dir.write("echo.wat", ECHO).display().to_string();
    let db = dir.db();
    let address = deploy(&echo, &db);
    let who = [0xab; 32];
    let args = [
        "u8:1".to_string(),
        "u16:0x0203".into(),
        "u32:7".into(),
        "u64:18446744073709551615".into(),
        "u128:100".into(),
        "i32:-1".into(),
        "i64:-2".into(),
        "bool:true".into(),
        format!("addr:{}", tally_host_env::hex(&who)),
        "bytes:0xdeadbeef".into(),
        "str:hi".into(),
    ];
    let mut cmd = vec!["query", &address, "echo", "--db", &db, "--json", "--args"];
    cmd.extend(args.iter().map(String::as_str));
    let out = tally(&cmd);
    expect(&out, 0);
    let expected =
        (1u8, 0x0203u16, 7u32, u64::MAX, 100u128, -1i32, -2i64, true, who, vec![0xdeu8, 0xad, 0xbe, 0xef], "hi")
            .encode();
    assert_eq!(json(&out)["return_data"], tally_host_env::hex(&expected));

    // A single hex string is the input verbatim; it works with --in-memory deploys too.
    let out = tally(&["query", &address, "echo", "--db", &db, "--args", "0x00ff10"]);
    expect(&out, 0);
    assert!(stdout(&out).contains("return data: 0x00ff10"), "{}", stdout(&out));
    let out = tally(&["deploy", &echo, "--in-memory", "--init", "echo", "--args", "str:x", "--json"]);
    expect(&out, 0);
    assert_eq!(json(&out)["receipt"]["return_data"], tally_host_env::hex(&"x".encode()));
}
