//! End-to-end tests of the `tally` binary: each writes a small module to a fresh temporary
//! directory and runs the built executable on it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("tally-cli-test-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tally(module: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tally")).arg("run").arg(module).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

const ARITH: &str = r#"
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add)
  (func (export "add64") (param i64 i64) (result i64)
    local.get 0 local.get 1 i64.add)
  (func (export "fdiv") (param f64 f64) (result f64)
    local.get 0 local.get 1 f64.div)
  (func (export "f32id") (param f32) (result f32) local.get 0)
  (func (export "pair") (result i32 f32)
    i32.const 7 f32.const 1.5)
  (func (export "nothing"))
  (memory (export "mem") 1)
  (func (export "load") (param i32) (result i32)
    local.get 0 i32.load)
  (func (export "boom") unreachable)
)
"#;

#[test]
fn runs_an_export_and_prints_typed_results() {
    let dir = TempDir::new();
    let wat = dir.write("arith.wat", ARITH);

    let out = tally(&wat, &["--invoke", "add", "40", "2"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "i32:42\n");

    let out = tally(&wat, &["--invoke", "add", "0xffffffff", "-1"]);
    assert_eq!(stdout(&out), "i32:-2\n");

    let out = tally(&wat, &["--invoke", "add64", "9223372036854775807", "1"]);
    assert_eq!(stdout(&out), "i64:-9223372036854775808\n");

    let out = tally(&wat, &["--invoke", "fdiv", "1", "0"]);
    assert_eq!(stdout(&out), "f64:inf\n");
    let out = tally(&wat, &["--invoke", "fdiv", "-inf", "inf"]);
    assert_eq!(stdout(&out), "f64:nan\n", "arithmetic NaNs are canonical");
    let out = tally(&wat, &["--invoke", "f32id", "-nan:0x1"]);
    assert_eq!(stdout(&out), "f32:-nan:0x1\n", "NaN payloads pass through unchanged");

    let out = tally(&wat, &["--invoke", "pair"]);
    assert_eq!(stdout(&out), "i32:7\nf32:1.5\n");

    let out = tally(&wat, &["--invoke", "nothing"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
}

#[test]
fn json_success() {
    let dir = TempDir::new();
    let wat = dir.write("arith.wat", ARITH);
    // --json may come before or after the arguments.
    for args in [&["--json", "--invoke", "pair"][..], &["--invoke", "pair", "--json"][..]] {
        let out = tally(&wat, args);
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "results": [
                    {"type": "i32", "value": "7"},
                    {"type": "f32", "value": "1.5", "bits": "0x3fc00000"}
                ],
                "trap": null
            })
        );
    }
    let out = tally(&wat, &["--invoke", "add", "-5", "3", "--json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["results"][0]["value"], "-2");
}

#[test]
fn trap_with_json_reports_code_function_and_offset() {
    let dir = TempDir::new();
    let wat = dir.write("arith.wat", ARITH);
    let out = tally(&wat, &["--invoke", "load", "65535", "--json"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "exactly one JSON object: {text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["results"], serde_json::json!([]));
    let trap = &json["trap"];
    assert_eq!(trap["code"], "memory_out_of_bounds");
    // `load` is function 6 in the index space; the offset, if known, is a byte offset.
    assert!(trap["function"] == 6 || trap["function"].is_null(), "{trap}");
    assert!(trap["offset"].is_u64() || trap["offset"].is_null(), "{trap}");
    assert_eq!(trap.as_object().unwrap().len(), 3, "{trap}");

    let out = tally(&wat, &["--json", "--invoke", "boom"]);
    assert_eq!(out.status.code(), Some(2));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["trap"]["code"], "unreachable");
}

#[test]
fn trap_in_human_mode_goes_to_stderr() {
    let dir = TempDir::new();
    let wat = dir.write("arith.wat", ARITH);
    let out = tally(&wat, &["--invoke", "boom"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("unreachable"), "{err}");
    assert!(err.contains("function"), "{err}");
    assert!(err.contains("offset"), "{err}");
}

#[test]
fn trap_in_start_function() {
    let dir = TempDir::new();
    let wat = dir.write(
        "start.wat",
        r#"(module
             (func $s i32.const 1 i32.const 0 i32.div_u drop)
             (start $s)
             (func (export "f")))"#,
    );
    let out = tally(&wat, &["--invoke", "f", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["trap"]["code"], "division_by_zero");
}

#[test]
fn binary_modules_work_too() {
    let dir = TempDir::new();
    let bytes = wat::parse_str(ARITH).unwrap();
    let wasm = dir.write("arith.wasm", bytes);
    let out = tally(&wasm, &["--invoke", "add", "1", "2"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "i32:3\n");
}

#[test]
fn bad_arguments_are_errors_not_traps() {
    let dir = TempDir::new();
    let wat = dir.write("arith.wat", ARITH);

    let out = tally(&wat, &["--invoke", "add", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("takes 2 argument(s) (i32, i32), got 1"), "{err}");

    let out = tally(&wat, &["--invoke", "add", "1", "two"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("argument 2") && err.contains("`two`") && err.contains("i32"), "{err}");

    let out = tally(&wat, &["--invoke", "add", "1", "4294967296"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("out of range"), "{}", stderr(&out));

    let out = tally(&wat, &["--invoke", "fdiv", "1", "x"]);
    assert_eq!(out.status.code(), Some(1));

    let out = tally(&wat, &["--invoke", "missing"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no export named `missing`") && err.contains("add"), "{err}");

    let out = tally(&wat, &["--invoke", "mem"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("memory, not a function"), "{}", stderr(&out));

    // No JSON is printed for errors, even with --json.
    let out = tally(&wat, &["--invoke", "add", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");

    // Command-line usage errors exit with 1 too (2 is reserved for traps).
    let out = tally(&wat, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--invoke"), "{}", stderr(&out));
}

#[test]
fn invalid_modules_are_rejected_with_a_clear_message() {
    let dir = TempDir::new();

    let bad_wat = dir.write("bad.wat", "(module (func (result i32) i64.const 1))");
    let out = tally(&bad_wat, &["--invoke", "f"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("module rejected") && err.contains("invalid"), "{err}");

    let syntax = dir.write("syntax.wat", "(module (func $f (i32.add))");
    let out = tally(&syntax, &["--invoke", "f"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot parse"), "{}", stderr(&out));

    let not_wasm = dir.write("junk.wasm", b"\x01\x02\x03\x04");
    let out = tally(&not_wasm, &["--invoke", "f"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("magic"), "{}", stderr(&out));

    let truncated = dir.write("trunc.wasm", b"\0asm\x01\x00\x00\x00\x01");
    let out = tally(&truncated, &["--invoke", "f"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("module rejected"), "{}", stderr(&out));

    let out = tally(&dir.0.join("does-not-exist.wasm"), &["--invoke", "f"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

#[test]
fn modules_with_imports_are_refused_with_the_list() {
    let dir = TempDir::new();
    let wat = dir.write(
        "imports.wat",
        r#"(module
             (import "env" "log" (func (param i32)))
             (import "env" "mem" (memory 1))
             (func (export "f")))"#,
    );
    let out = tally(&wat, &["--invoke", "f"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("env.log (function)") && err.contains("env.mem (memory)"), "{err}");
}
