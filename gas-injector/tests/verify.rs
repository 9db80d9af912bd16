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

/// Branch charges are checked like the others: their site numbers (over the module, in order),
/// their cost (the schedule's `branch_change`), their presence before each live `br_if` and
/// `if`, and their absence elsewhere (dead code, or anywhere when `branch_change` is 0).
#[test]
fn branch_charges_must_be_exact() {
    let (_, text) = fixture();
    let site = |s: u32, k: u64| format!("i32.const {s}\ni64.const {k}\ncall 4\n");
    assert!(text.contains(&format!("{}if", site(0, 50))) && text.contains(&format!("{}br_if", site(1, 50))), "{text}");
    let code = |r: Result<(), VerifyError>| assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
    code(tampered(0, &site(1, 50), &site(2, 50)));
    code(tampered(0, &site(0, 50), &site(1, 50)));
    code(tampered(0, &site(1, 50), &site(1, 49)));
    code(tampered(0, &site(0, 50), ""));
    // A second charge before the same operator, or one before another operator.
    code(tampered(0, &site(1, 50), &format!("{}{}", site(1, 50), site(1, 50))));
    code(tampered(0, "i32.load\ndrop", &format!("i32.load\n{}drop", site(2, 50))));

    // At `branch_change` 0 there are none, and such a module is not the one at 50.
    let wasm = common::wat(SOURCE);
    let mut none = common::golden_schedule();
    none.branch_change = 0;
    let out = common::check(&wasm, &none);
    assert!(!wasmprinter::print_bytes(&out).unwrap().contains("call 4"));
    assert!(matches!(verify(&wasm, &out, &common::golden_schedule()), Err(VerifyError::Code { .. })));

    // Dead code has no sites: a charge before a dead `br_if` is rejected.
    let dead = common::wat("(module (func (param i32) (block (unreachable) (br_if 0 (local.get 0)))))");
    let out = common::check(&dead, &common::golden_schedule());
    let text: String = wasmprinter::print_bytes(&out).unwrap().lines().map(|l| format!("{}\n", l.trim())).collect();
    assert!(!text.contains("call 4"), "{text}");
    let edited = text.replacen("local.get 0\nbr_if", &format!("local.get 0\n{}br_if", site(0, 50)), 1);
    assert_ne!(edited, text);
    let r = verify(&dead, &wat::parse_str(&edited).unwrap(), &common::golden_schedule());
    assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
}

/// The charge above the threshold: with `memory_access_per_page_above` nonzero, a region with
/// loads or stores has it right after its per-page charge (or alone, without a per-page price):
/// `memory.size 0; i32.const T; i32.sub; i32.const 0; memory.size 0; i32.const T; i32.gt_u;
/// select; i64.const q; call 1; drop`. `verify` accepts exactly that, and rejects another
/// threshold or unit, a missing or doubled one, one out of place, and one under a schedule
/// without it.
#[test]
fn memory_access_charges_above_the_threshold_are_exact() {
    let wasm = common::wat(SOURCE);
    let mut s = common::golden_schedule();
    s.dynamic.memory_access_per_page_above = 1000;
    s.dynamic.memory_access_threshold_pages = 3;
    let out = common::check(&wasm, &s);
    // The bytes, after the per-page charge (9 per access, one load).
    let pages = [0x3F, 0, 0x42, 9, 0x10, 1, 0x1A];
    let above = [0x3F, 0, 0x41, 3, 0x6B, 0x41, 0, 0x3F, 0, 0x41, 3, 0x4B, 0x1B, 0x42, 0xE8, 0x07, 0x10, 1, 0x1A];
    let both: Vec<u8> = pages.iter().chain(&above).copied().collect();
    assert_eq!(out.windows(both.len()).filter(|w| *w == &both[..]).count(), 1);
    assert_eq!(out.windows(above.len()).filter(|w| *w == &above[..]).count(), 1);

    let lines = |out: &[u8]| -> String {
        wasmprinter::print_bytes(out).unwrap().lines().map(|l| format!("{}\n", l.trim())).collect()
    };
    let text = lines(&out);
    let charge = |t: i32, q: u64| {
        format!(
            "memory.size\ni32.const {t}\ni32.sub\ni32.const 0\nmemory.size\ni32.const {t}\ni32.gt_u\nselect\n\
             i64.const {q}\ncall 1\ndrop\n"
        )
    };
    let pages_text = "memory.size\ni64.const 9\ncall 1\ndrop\n";
    let expected = format!("{pages_text}{}", charge(3, 1000));
    assert!(text.contains(&expected), "{text}");
    let check = |edited: String, s: &Schedule| {
        let out = wat::parse_str(&edited).unwrap_or_else(|e| panic!("{e}\n{edited}"));
        verify(&wasm, &out, s)
    };
    assert_eq!(check(text.clone(), &s), Ok(()));
    let code = |r: Result<(), VerifyError>| assert!(matches!(r, Err(VerifyError::Code { .. })), "{r:?}");
    code(check(text.replacen(&charge(3, 1000), &charge(4, 1000), 1), &s));
    code(check(text.replacen(&charge(3, 1000), &charge(3, 999), 1), &s));
    code(check(text.replacen(&charge(3, 1000), "", 1), &s));
    code(check(text.replacen(&charge(3, 1000), &format!("{0}{0}", charge(3, 1000)), 1), &s));
    // Before the per-page charge instead of after it.
    code(check(text.replacen(&expected, &format!("{}{pages_text}", charge(3, 1000)), 1), &s));
    // The two thresholds differ.
    let mixed = charge(3, 1000).replacen("i32.const 3\ni32.gt_u", "i32.const 4\ni32.gt_u", 1);
    assert!(check(text.replacen(&charge(3, 1000), &mixed, 1), &s).is_err());
    // Under the schedule without it (and that schedule's output under this one).
    code(check(text.clone(), &common::golden_schedule()));
    let plain = common::check(&wasm, &common::golden_schedule());
    assert!(matches!(verify(&wasm, &plain, &s), Err(VerifyError::Code { .. })));

    // Without a per-page price, it takes the per-page charge's place.
    let mut alone = s.clone();
    alone.dynamic.memory_access_per_page = 0;
    let out = common::check(&wasm, &alone);
    let text = lines(&out);
    assert!(
        !text.contains(pages_text) && text.contains(&format!("{}local.get 0\ni32.load", charge(3, 1000))),
        "{text}"
    );
    // A threshold above `i32::MAX` is written as its two's complement and compared unsigned.
    let mut high = s.clone();
    high.dynamic.memory_access_threshold_pages = u32::MAX - 4;
    assert!(lines(&common::check(&wasm, &high)).contains(&charge(-5, 1000)));
}
