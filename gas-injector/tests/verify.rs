//! `verify` rejects every deviation from the injected patterns: each test takes a correctly
//! instrumented module, edits its text, and expects a specific rejection.

use crate::common;

use tally_gas_injector::{instrument, verify, Schedule, VerifyError};

const SOURCE: &str = r#"
(module
  (import "env" "h" (func $h (param i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) func $f)
  (global $g funcref (ref.func $f))
  (func $f (export "f") (param i32) (result i32) (local i64)
    (if (local.get 0) (then (return (i32.const 1))))
    (loop $l (br_if $l (i32.eqz (local.get 0))))
    (call $h (local.get 0))
    (drop (memory.grow (local.get 0)))
    (i32.const 7))
  (start $s)
  (func $s)
  (func $s2)
  (func $k (param i32) (drop (i32.load (local.get 0)))))
"#;

/// The original, and the instrumented module printed as text (one operator or field per line,
/// without indentation).
fn fixture() -> (Vec<u8>, String) {
    let wasm = common::wat(SOURCE);
    let out = common::check(&wasm, &common::golden_schedule());
    let text = wasmprinter::print_bytes(&out).unwrap();
    (wasm, text.lines().map(str::trim).collect::<Vec<_>>().join("\n"))
}

/// Replaces the `nth` occurrence (0-based) of `from` in the instrumented text, re-encodes it and
/// verifies it against the original.
fn tampered(nth: usize, from: &str, to: &str) -> Result<(), VerifyError> {
    let (wasm, text) = fixture();
    let at = text.match_indices(from).nth(nth).unwrap_or_else(|| panic!("`{from}` #{nth} not in:\n{text}")).0;
    let edited = format!("{}{}{}", &text[..at], to, &text[at + from.len()..]);
    let out = wat::parse_str(&edited).unwrap_or_else(|e| panic!("edited text does not parse: {e}\n{edited}"));
    verify(&wasm, &out, &common::golden_schedule())
}

#[test]
fn the_fixture_verifies() {
    let (_, text) = fixture();
    assert!(text.contains("call 1"), "{text}");
}

#[test]
fn a_wrong_charge_is_rejected() {
    let (_, text) = fixture();
    let first_charge = text.lines().find(|l| l.trim_start().starts_with("i64.const")).unwrap().trim().to_string();
    let value: u64 = first_charge["i64.const ".len()..].parse().unwrap();
    let r = tampered(0, &first_charge, &format!("i64.const {}", value + 1));
    assert!(matches!(r, Err(VerifyError::Charge { expected: Some(e), found: Some(f), .. }) if f == e + 1), "{r:?}");
}

#[test]
fn a_missing_charge_is_rejected() {
    let r = tampered(0, "i64.const 3\ncall 0\n", "");
    assert!(matches!(r, Err(VerifyError::Charge { found: None, .. })), "{r:?}");
}

#[test]
fn an_extra_charge_is_rejected() {
    let r = tampered(0, "call $h", "call $h\n i64.const 0\n call 0");
    assert!(r.is_err(), "{r:?}");
    let r = tampered(0, "i32.const 7\n", "i32.const 7\ni64.const 5\ncall 0\n");
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn a_changed_operator_is_rejected() {
    let r = tampered(0, "i32.eqz", "i32.eqz\n i32.eqz\n i32.eqz");
    assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
    let r = tampered(0, "i32.const 7", "i32.const 8");
    assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
}

#[test]
fn a_wrong_call_target_is_rejected() {
    let r = tampered(0, "call $h", "call $k");
    assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
}

#[test]
fn a_missing_length_charge_is_rejected() {
    let r = tampered(0, "i64.const 1000\ncall 1\n", "");
    assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
    let r = tampered(0, "i64.const 1000\ncall 1", "i64.const 999\ncall 1");
    assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
}

#[test]
fn memory_access_charges_must_be_exact() {
    // The load in `$k`: one access at 9 per page.
    let r = tampered(0, "memory.size\ni64.const 9\n", "memory.size\ni64.const 10\n");
    assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
    let r = tampered(0, "memory.size\ni64.const 9\ncall 1\ndrop\n", "");
    assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
    // Charged after the access instead of at the region's top.
    let r = tampered(
        0,
        "memory.size\ni64.const 9\ncall 1\ndrop\nlocal.get 0\ni32.load",
        "local.get 0\nmemory.size\ni64.const 9\ncall 1\ndrop\ni32.load",
    );
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn stack_accounting_must_be_exact() {
    let (_, text) = fixture();
    let lines: Vec<&str> = text.lines().collect();
    let enter = lines.windows(2).find(|w| w[1] == "call 2").map(|w| w[0]).unwrap();
    let frame: u32 = enter["i32.const ".len()..].parse().unwrap();
    // Every occurrence changed consistently: wrong frame size.
    let edited = text.replace(&format!("i32.const {frame}\n"), &format!("i32.const {}\n", frame + 1));
    let out = wat::parse_str(&edited).unwrap();
    let r = verify(&common::wat(SOURCE), &out, &common::golden_schedule());
    assert!(matches!(r, Err(VerifyError::Frame { .. }) | Err(VerifyError::Code { .. })), "{r:?}");
    // Release before `return` removed.
    let r = tampered(0, &format!("i32.const {frame}\ncall 3\nreturn"), "return");
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn other_sections_must_match() {
    let r = tampered(0, "(export \"f\" (func $f))", "(export \"f\" (func $s))");
    assert!(matches!(r, Err(VerifyError::Section { section: "export", .. })), "{r:?}");
    let r = tampered(0, "(start $s)", "(start $s2)");
    assert!(matches!(r, Err(VerifyError::Section { section: "start", .. })), "{r:?}");
    let r = tampered(0, "(memory (;0;) 1)", "(memory (;0;) 2)");
    assert!(matches!(r, Err(VerifyError::Section { section: "memory", .. })), "{r:?}");
    let r = tampered(0, "ref.func $f", "ref.func $s");
    assert!(matches!(r, Err(VerifyError::Section { section: "global", .. })), "{r:?}");
    let r = tampered(0, "(import \"tally\" \"gas\"", "(import \"tally\" \"gaz\"");
    assert!(matches!(r, Err(VerifyError::Section { section: "import", .. })), "{r:?}");
}

#[test]
fn a_different_schedule_does_not_verify() {
    let wasm = common::wat(SOURCE);
    let out = instrument(&wasm, &Schedule::default()).unwrap();
    assert!(verify(&wasm, &out, &common::golden_schedule()).is_err());
    assert!(verify(&wasm, &out, &Schedule::default()).is_ok());
    // Nor does another original.
    let other = common::wat("(module (func))");
    assert!(verify(&other, &out, &Schedule::default()).is_err());
    // Nor the original itself.
    assert!(verify(&wasm, &wasm, &Schedule::default()).is_err());
}

/// A call's per-parameter cost is part of the charge `verify` recomputes: a module instrumented
/// with another `call_per_param` does not verify, though nothing else differs.
#[test]
fn the_per_parameter_call_cost_is_verified() {
    let wasm = common::wat(SOURCE);
    let mut other = common::golden_schedule();
    other.call_per_param += 1;
    let out = instrument(&wasm, &other).unwrap();
    let r = verify(&wasm, &out, &common::golden_schedule());
    assert!(matches!(r, Err(VerifyError::Charge { .. })), "{r:?}");
    assert!(verify(&wasm, &out, &other).is_ok());
}
