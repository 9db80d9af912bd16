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
    // `load` is function 6 in the index space; the offset is its `i32.load`'s.
    assert_eq!(trap["function"], 6, "{trap}");
    let (wasm, body) = body_range(ARITH, 6);
    let offset = trap["offset"].as_u64().unwrap_or_else(|| panic!("no offset: {trap}")) as usize;
    assert!(body.contains(&offset) && wasm[offset] == 0x28, "{trap}: not the `i32.load` of {body:?}");
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

// ---- Metering: `run --gas`, `instrument`, `schedule` ----

fn tally_cmd(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tally")).args(args).output().unwrap()
}

const LOOPS: &str = r#"
(module
  (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "spin") (loop $l (br $l)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (local.get 0)) (i32.const 1)))
  (func (export "oob") (result i32) (i32.load (i32.const 70000)))
)
"#;

/// The byte range of the body of the `index`-th defined function of `wat`, compiled.
fn body_range(wat: &str, index: usize) -> (Vec<u8>, std::ops::Range<usize>) {
    let wasm = wat::parse_str(wat).unwrap();
    let range = tally_profile::parser(tally_profile::features())
        .parse_all(&wasm)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::CodeSectionEntry(body)) => Some(body.range()),
            _ => None,
        })
        .nth(index)
        .unwrap();
    (wasm, range.start as usize..range.end as usize)
}

fn gas_json(wat: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = tally(wat, args);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "exactly one JSON object: {text} / {}", stderr(&out));
    (out.status.code(), serde_json::from_str(&text).unwrap())
}

#[test]
fn gas_run_reports_gas_used_and_exact_limits() {
    let dir = TempDir::new();
    let wat = dir.write("loops.wat", LOOPS);

    let (code, json) = gas_json(&wat, &["--invoke", "fib", "10", "--gas", "1000000000", "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(json["results"], serde_json::json!([{"type": "i32", "value": "55"}]));
    assert_eq!(json["trap"], Value::Null);
    let used = json["gas_used"].as_u64().expect("gas_used is a number");
    assert!(used > 0);
    assert_eq!(json.as_object().unwrap().len(), 3, "{json}");

    // Deterministic, and more work costs more.
    let (_, again) = gas_json(&wat, &["--gas", "1000000000", "--json", "--invoke", "fib", "10"]);
    assert_eq!(again["gas_used"].as_u64(), Some(used));
    let (_, more) = gas_json(&wat, &["--gas", "1000000000", "--json", "--invoke", "fib", "12"]);
    assert!(more["gas_used"].as_u64().unwrap() > used);

    // Exactly `used` gas is enough; one less runs out and uses all of it.
    let (code, json) = gas_json(&wat, &["--gas", &used.to_string(), "--json", "--invoke", "fib", "10"]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["gas_used"].as_u64(), Some(used));
    let limit = used - 1;
    let (code, json) = gas_json(&wat, &["--gas", &limit.to_string(), "--json", "--invoke", "fib", "10"]);
    assert_eq!(code, Some(2));
    assert_eq!(json["trap"]["code"], "out_of_gas");
    assert_eq!(json["gas_used"].as_u64(), Some(limit));
    assert_eq!(json["results"], serde_json::json!([]));
    // The trapping function is named by its index in the original module, and the offset is
    // the original module's: the instruction whose charge ran out, in `fib`'s body.
    assert_eq!(json["trap"]["function"], 0, "{json}");
    let (_, fib) = body_range(LOOPS, 0);
    let offset = json["trap"]["offset"].as_u64().unwrap_or_else(|| panic!("no offset: {json}")) as usize;
    assert!(fib.contains(&offset), "{json}: offset outside `fib`'s body {fib:?}");

    // An infinite loop stops.
    let (code, json) = gas_json(&wat, &["--invoke", "spin", "--gas", "100000", "--json"]);
    assert_eq!(code, Some(2));
    assert_eq!(json["trap"]["code"], "out_of_gas");
    assert_eq!(json["gas_used"], 100000);

    // Other traps keep their code and report the gas used up to the trap.
    let (code, json) = gas_json(&wat, &["--invoke", "oob", "--gas", "100000", "--json"]);
    assert_eq!(code, Some(2));
    assert_eq!(json["trap"]["code"], "memory_out_of_bounds");
    let used = json["gas_used"].as_u64().unwrap();
    assert!(used > 0 && used < 100000, "{json}");
    // The offset is the original module's `i32.load` (of `oob`, function 3), not the
    // instrumented module's.
    let (wasm, oob) = body_range(LOOPS, 3);
    let offset = json["trap"]["offset"].as_u64().unwrap_or_else(|| panic!("no offset: {json}")) as usize;
    assert!(oob.contains(&offset) && wasm[offset] == 0x28, "{json}: not the `i32.load` of {oob:?}");
    assert_eq!(json["trap"]["function"], 3, "{json}");
    let (code, json) = gas_json(&wat, &["--invoke", "deep", "0", "--gas", "18446744073709551615", "--json"]);
    assert_eq!(code, Some(2));
    assert_eq!(json["trap"]["code"], "stack_exhausted", "{json}");
}

#[test]
fn gas_run_in_human_mode() {
    let dir = TempDir::new();
    let wat = dir.write("loops.wat", LOOPS);
    let out = tally(&wat, &["--gas", "1000000000", "--invoke", "fib", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "i32:55\n", "stdout keeps one result per line");
    assert!(stderr(&out).starts_with("gas used: "), "{}", stderr(&out));

    let out = tally(&wat, &["--invoke", "spin", "--gas", "500"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("out_of_gas") && err.contains("gas used: 500"), "{err}");

    // Without --gas nothing changes: no gas line, no instrumentation.
    let out = tally(&wat, &["--invoke", "fib", "10"]);
    assert_eq!(stdout(&out), "i32:55\n");
    assert_eq!(stderr(&out), "");
    let (_, json) = gas_json(&wat, &["--invoke", "fib", "10", "--json"]);
    assert!(json.get("gas_used").is_none(), "{json}");
}

#[test]
fn gas_run_errors() {
    let dir = TempDir::new();
    let wat = dir.write("loops.wat", LOOPS);

    // A module that already imports from `tally` cannot be run (nor instrumented).
    let reserved =
        dir.write("reserved.wat", r#"(module (import "tally" "gas" (func (param i64))) (func (export "f")))"#);
    let out = tally(&reserved, &["--invoke", "f", "--gas", "100"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("tally.gas (function)"), "{}", stderr(&out));

    let out = tally(&wat, &["--invoke", "fib", "1", "--gas", "lots"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--gas"), "{}", stderr(&out));

    let out = tally(&wat, &["--invoke", "fib", "--gas", "10", "1", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("takes 1 argument(s)"), "{}", stderr(&out));

    let schedule = dir.write("s.bin", tally_gas_injector::Schedule::default().to_bytes());
    let out = tally(&wat, &["--invoke", "fib", "1", "--schedule", schedule.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--gas"), "{}", stderr(&out));

    let junk = dir.write("junk.bin", b"\x07\x00");
    let out = tally(&wat, &["--invoke", "fib", "1", "--gas", "100", "--schedule", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad schedule"), "{}", stderr(&out));
}

#[test]
fn schedule_command_writes_a_usable_schedule() {
    let dir = TempDir::new();
    let wat = dir.write("loops.wat", LOOPS);
    let file = dir.0.join("default.schedule");
    let out = tally_cmd(&["schedule".as_ref(), "--default".as_ref(), "-o".as_ref(), file.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let default = tally_gas_injector::Schedule::default();
    assert_eq!(std::fs::read(&file).unwrap(), default.to_bytes());
    assert_eq!(stdout(&out), format!("schedule hash: {}\n", tally_host_env::hex(&default.schedule_hash())));

    // The file gives the same gas as the built-in default; another schedule gives other gas.
    let (_, builtin) = gas_json(&wat, &["--invoke", "fib", "10", "--gas", "1000000000", "--json"]);
    let path = file.to_str().unwrap();
    let (_, from_file) =
        gas_json(&wat, &["--invoke", "fib", "10", "--gas", "1000000000", "--schedule", path, "--json"]);
    assert_eq!(builtin, from_file);
    let uniform = dir.write("uniform.schedule", tally_gas_injector::Schedule::uniform(1).to_bytes());
    let path = uniform.to_str().unwrap();
    let (code, cheap) = gas_json(&wat, &["--schedule", path, "--gas", "1000000000", "--json", "--invoke", "fib", "10"]);
    assert_eq!(code, Some(0));
    assert_eq!(cheap["results"], builtin["results"]);
    assert!(cheap["gas_used"].as_u64().unwrap() < builtin["gas_used"].as_u64().unwrap());

    // --default is required; unwritable output is an error.
    let out = tally_cmd(&["schedule".as_ref(), "-o".as_ref(), file.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let missing = dir.0.join("no-such-dir").join("s.bin");
    let out = tally_cmd(&["schedule".as_ref(), "--default".as_ref(), "-o".as_ref(), missing.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
}

#[test]
fn instrument_command_writes_a_verified_module_and_reports_overhead() {
    let dir = TempDir::new();
    let wat = dir.write("loops.wat", LOOPS);
    let out_path = dir.0.join("loops.metered.wasm");
    let out = tally_cmd(&["instrument".as_ref(), wat.as_os_str(), "-o".as_ref(), out_path.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let original = wat::parse_str(LOOPS).unwrap();
    let metered = std::fs::read(&out_path).unwrap();
    let schedule = tally_gas_injector::Schedule::default();
    tally_gas_injector::verify(&original, &metered, &schedule).unwrap();
    let percent = (metered.len() as f64 / original.len() as f64 - 1.0) * 100.0;
    assert_eq!(
        stdout(&out),
        format!("input: {} bytes, output: {} bytes ({percent:+.1}%)\n", original.len(), metered.len())
    );

    // With an explicit schedule.
    let uniform = tally_gas_injector::Schedule::uniform(3);
    let sched = dir.write("u.schedule", uniform.to_bytes());
    let out_path2 = dir.0.join("loops.u.wasm");
    let out = tally_cmd(&[
        "instrument".as_ref(),
        wat.as_os_str(),
        "--schedule".as_ref(),
        sched.as_os_str(),
        "--output".as_ref(),
        out_path2.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    tally_gas_injector::verify(&original, &std::fs::read(&out_path2).unwrap(), &uniform).unwrap();

    // Without --gas, `tally run` still refuses every import, the injected `tally.*` ones included.
    let out = tally(&out_path, &["--invoke", "fib", "10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("tally.gas (function)"), "{}", stderr(&out));

    // Rejections are errors with exit code 1 and write nothing.
    let reserved =
        dir.write("reserved.wat", r#"(module (import "tally" "gas" (func (param i64))) (func (export "f")))"#);
    let bad_out = dir.0.join("bad.wasm");
    let out = tally_cmd(&["instrument".as_ref(), reserved.as_os_str(), "-o".as_ref(), bad_out.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot instrument") && stderr(&out).contains("reserved"), "{}", stderr(&out));
    assert!(!bad_out.exists());

    let out =
        tally_cmd(&["instrument".as_ref(), dir.0.join("missing.wasm").as_os_str(), "-o".as_ref(), bad_out.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));

    let out = tally_cmd(&["instrument".as_ref(), wat.as_os_str()]);
    assert_eq!(out.status.code(), Some(1), "-o is required");
}

// ---- `inspect --ir` ----

fn inspect(module: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tally")).arg("inspect").arg(module).args(args).output().unwrap()
}

#[test]
fn inspect_prints_the_translated_code() {
    let dir = TempDir::new();
    let wat = dir.write(
        "fused.wat",
        r#"(module
          (import "env" "log" (func $log (param i32)))
          (memory 1)
          (func (export "load") (param i32) (result i32)
            (i32.load offset=8 (i32.add (local.get 0) (i32.const 4))))
          (func (export "count") (param i32) (result i32) (local i32)
            (loop $l
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
            (local.get 1)))"#,
    );

    // Every defined function: a header, then one op per line, the address add fused into the
    // load and the comparison into the branch, whose target is the loop head (op 0).
    let out = inspect(&wat, &["--ir"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("func 1 (export \"load\"): 1 params, 0 locals"), "{text}");
    assert!(text.contains("0: i32_load_add             s1 <- s0, +4, offset=8\n"), "{text}");
    assert!(text.contains("\n\nfunc 2 (export \"count\"): 1 params, 1 locals"), "{text}");
    assert!(text.contains("1: br_i32_lt_u_ss           s1, s0 -> @0\n"), "{text}");

    // One function.
    let out = inspect(&wat, &["--ir", "--func", "2"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("func 2 (export \"count\")") && !text.contains("func 1"), "{text}");

    // Instrumented: function 2 is now 7 (five `tally.*` imports come first), with its entry
    // charge, and the loop's back edge and fallthrough paying the charges where they land; the
    // back edge is a branch site (its direction's bit and price in the data op after it).
    let out = inspect(&wat, &["--ir", "--instrument", "--func", "7"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("func 7 (export \"count\")"), "{text}");
    assert!(
        text.contains("0: enter_gas ") && text.contains("br_i32_lt_u_ss.site.both_pay s1, s0 -> @2 gas="),
        "{text}"
    );
    let change = tally_gas_injector::Schedule::default().branch_change;
    assert!(text.contains(&format!(".data                  word=0, gas={change}, bit=0")), "{text}");

    // Errors name the function.
    let out = inspect(&wat, &["--ir", "--func", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("function 0 is imported"), "{}", stderr(&out));
    let out = inspect(&wat, &["--ir", "--func", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no function 3 (it has 3)"), "{}", stderr(&out));
    // --ir is the view to print; without it there is nothing to do.
    assert_eq!(inspect(&wat, &[]).status.code(), Some(1));
}
