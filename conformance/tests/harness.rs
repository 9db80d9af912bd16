//! Self-tests of the harness: every directive kind on a small hand-written script, and that
//! failures and skips are counted and located.

use tally_conformance::report::render_failures;
use tally_conformance::{run_wast, spec_config, Summary};

const ALL_DIRECTIVES: &str = r#"
(module $M
  (import "spectest" "print_i32" (func $print (param i32)))
  (import "spectest" "global_i32" (global $g i32))
  (import "spectest" "global_f64" (global $gf f64))
  (import "spectest" "memory" (memory 1 2))
  (import "spectest" "table" (table 10 20 funcref))
  (global (export "g") i32 (global.get $g))
  (global (export "gf") f64 (global.get $gf))
  (elem declare func $loop)
  (func (export "id") (param i32) (result i32) (call $print (local.get 0)) (local.get 0))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "neg-nan") (result f64) (f64.const -nan))
  (func (export "nan-payload") (result f32) (f32.const nan:0x200000))
  (func $loop (export "loop") (call $loop))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "null") (result funcref) (ref.null func))
  (func (export "fref") (result funcref) (ref.func $loop))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const 2))
)
(register "M" $M)
(assert_return (invoke "id" (i32.const 7)) (i32.const 7))
(assert_return (get "g") (i32.const 666))
(assert_return (get $M "gf") (f64.const 666.6))
(assert_return (invoke $M "div" (i32.const 7) (i32.const 2)) (i32.const 3))
(assert_return (invoke "two") (i32.const 1) (i64.const 2))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_return (invoke "nan") (f32.const nan:arithmetic))
(assert_return (invoke "neg-nan") (f64.const nan:canonical))
(assert_return (invoke "nan-payload") (f32.const nan:0x200000))
(assert_exhaustion (invoke "loop") "call stack exhausted")
(assert_return (invoke "ext" (ref.extern 42)) (ref.extern 42))
(assert_return (invoke "ext" (ref.null extern)) (ref.null extern))
(assert_return (invoke "null") (ref.null func))
(assert_return (invoke "fref") (ref.func))
(invoke "id" (i32.const 1))
(module (import "M" "id" (func (param i32) (result i32))))
(assert_unlinkable (module (import "M" "missing" (func))) "unknown import")
(assert_unlinkable (module (import "M" "id" (func (param i64)))) "incompatible import type")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module quote "(func (i32.const))") "unexpected token")
(assert_trap (module (memory 1) (data (i32.const 70000) "x")) "out of bounds memory access")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(module definition $D (func (export "one") (result i32) (i32.const 1)))
(module instance $I $D)
(assert_return (invoke $I "one") (i32.const 1))
"#;

#[test]
fn every_directive_kind_runs() {
    let report = run_wast("all.wast", ALL_DIRECTIVES, &spec_config());
    let reports = [report];
    let failures = render_failures(&reports, None);
    let summary = Summary::of(&reports);
    assert_eq!(summary, Summary { passed: 29, failed: 0, skipped: 0 }, "{failures}");
}

const BROKEN: &str = r#"(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 2))
(assert_trap (invoke "f") "unreachable")
(assert_return (invoke "missing"))
(assert_invalid (module (func (result i32) (i32.const 0))) "type mismatch")
(assert_return (invoke "f") (v128.const i32x4 0 0 0 0))
  (assert_trap (invoke "f") "integer overflow")
"#;

#[test]
fn failures_and_skips_are_counted_and_located() {
    let report = run_wast("broken.wast", BROKEN, &spec_config());
    assert_eq!(report.passed, 1, "only the module passes");
    let lines: Vec<(usize, usize, &str)> = report.failures.iter().map(|n| (n.line, n.column, n.command)).collect();
    assert_eq!(
        lines,
        [
            (2, 2, "assert_return"),
            (3, 2, "assert_trap"),
            (4, 2, "assert_return"),
            (5, 2, "assert_invalid"),
            (7, 4, "assert_trap")
        ]
    );
    assert!(report.failures[0].message.contains("expected [i32:2], got [i32:1]"), "{}", report.failures[0].message);
    assert_eq!(report.skips.len(), 1);
    assert!(report.skips[0].message.contains("v128"));
}

#[test]
fn a_failed_module_leaves_no_current_instance() {
    let script = "(module (func (export \"f\")))\n(module (func (result i32)))\n(assert_return (invoke \"f\"))";
    let report = run_wast("stale.wast", script, &spec_config());
    assert_eq!(report.passed, 1);
    assert_eq!(report.failed(), 2, "the invalid module and the invoke after it fail");
    assert!(report.failures[1].message.contains("no current instance"), "{}", report.failures[1].message);
}
