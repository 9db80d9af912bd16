//! Typed rejections name the right byte of the input, and the offset map of
//! `instrument_with_map` sends every byte of the output back to where it came from.

use crate::common;

use tally_gas_injector::{instrument, instrument_with_map, InjectError, InjectErrorKind, Origin, Schedule};
use wasmparser::WasmFeatures;

/// The offset of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).position(|w| w == needle).unwrap_or_else(|| panic!("{needle:x?} not found"))
}

#[test]
fn a_feature_outside_the_profile_is_named_with_its_offset() {
    // `v128.const` (0xfd 0x0c): SIMD is outside the profile, and wasmparser names the feature.
    let wasm = common::wat("(module (func (result v128) (v128.const i64x2 7 7)))");
    let err = instrument(&wasm, &Schedule::default()).unwrap_err();
    assert_eq!(err.kind(), InjectErrorKind::UnsupportedFeature, "{err}");
    assert!(matches!(err, InjectError::UnsupportedFeature { .. }), "{err:?}");
    let feature = err.missing_wasm_feature().unwrap_or_else(|| panic!("no feature named: {err:?}"));
    assert!(feature.contains(WasmFeatures::SIMD), "{feature:?}");
    assert!(err.to_string().contains("SIMD"), "{err}");
    // wasmparser reports SIMD at the function type with the `v128` result, the first use.
    let offset = err.offset().unwrap();
    assert_eq!(&wasm[offset..offset + 4], [0x60, 0, 1, 0x7b], "offset {offset:#x} of {wasm:x?}");
}

#[test]
fn a_shared_memory_is_an_unsupported_feature() {
    let wasm = common::wat("(module (memory 1 1 shared))");
    let err = instrument(&wasm, &Schedule::default()).unwrap_err();
    assert_eq!(err.kind(), InjectErrorKind::UnsupportedFeature, "{err:?}");
    assert!(err.missing_wasm_feature().is_some_and(|f| f.contains(WasmFeatures::THREADS)), "{err:?}");
    // The memory type's flags byte (0x03: maximum and shared).
    let offset = err.offset().unwrap();
    assert_eq!(wasm[offset], 0x03, "offset {offset:#x} of {wasm:x?}");
}

#[test]
fn an_invalid_module_is_not_an_unsupported_feature() {
    // `i32.add` on an empty stack: invalid with any feature set.
    let wasm = common::wat("(module (func (result i32) (i32.add)))");
    let err = instrument(&wasm, &Schedule::default()).unwrap_err();
    assert_eq!(err.kind(), InjectErrorKind::Invalid, "{err:?}");
    assert_eq!(err.missing_wasm_feature(), None);
    let offset = err.offset().unwrap();
    assert_eq!(wasm[offset], 0x6a, "the `i32.add` at {offset:#x} of {wasm:x?}");

    // Malformed: the code section is cut short.
    let mut cut = common::wat("(module (func (drop (i32.const 1))))");
    cut.truncate(cut.len() - 2);
    let err = instrument(&cut, &Schedule::default()).unwrap_err();
    assert_eq!(err.kind(), InjectErrorKind::Invalid, "{err:?}");
    assert!(err.offset().is_some_and(|o| o <= cut.len()), "{err:?}");
}

#[test]
fn a_reserved_import_is_named_at_its_own_offset() {
    let wasm = common::wat(
        r#"(module (import "env" "f" (func)) (import "env" "g" (func)) (import "tally" "gas" (func (param i64))))"#,
    );
    let err = instrument(&wasm, &Schedule::default()).unwrap_err();
    assert_eq!(err.kind(), InjectErrorKind::Reserved);
    // The third import starts with its module name's length, then `tally`.
    let at = find(&wasm, b"\x05tally");
    assert_eq!(err.offset(), Some(at), "{err}");
    assert!(err.to_string().contains(&format!("{at:#x}")), "{err}");
}

/// Checks the map of `wasm`'s instrumentation: the same output as `instrument`, every copied
/// byte equal to its origin, every origin within the input, and every original operator of the
/// code found at its own offset; with the default schedule and with one that charges branches'
/// changes of direction.
fn check_map(wasm: &[u8]) {
    let mut branches = Schedule::default();
    branches.branch_change = 12_000;
    for schedule in [Schedule::default(), branches] {
        check_map_with(wasm, &schedule);
    }
}

fn check_map_with(wasm: &[u8], schedule: &Schedule) {
    let (out, map) = instrument_with_map(wasm, schedule).unwrap();
    assert_eq!(out, instrument(wasm, schedule).unwrap(), "instrument_with_map changed the output");
    let mut copied = std::collections::BTreeSet::new();
    for (o, &byte) in out.iter().enumerate() {
        let origin = map.origin(o).unwrap_or_else(|| panic!("no origin for {o:#x}"));
        assert!(origin.offset() <= wasm.len(), "{o:#x}: {origin:?}");
        if let Origin::Copied(i) = origin {
            assert_eq!(wasm[i], byte, "output byte {o:#x} said to be copied from {i:#x}");
            copied.insert(i);
        }
    }
    assert_eq!(map.origin(out.len()), None);
    // Every byte of every original operator but the re-encoded `call`s and `ref.func`s is
    // copied somewhere.
    for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
        let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() else { continue };
        let mut ops = body.get_operators_reader().unwrap();
        while !ops.eof() {
            let start = ops.original_position() as usize;
            let op = ops.read().unwrap();
            let end = ops.original_position() as usize;
            if !matches!(op, wasmparser::Operator::Call { .. } | wasmparser::Operator::RefFunc { .. }) {
                for i in start..end {
                    assert!(copied.contains(&i), "byte {i:#x} of {op:?} is not in the output");
                }
            }
        }
    }
}

#[test]
fn the_offset_map_sends_each_byte_back() {
    for text in [
        "(module)",
        "(module (func))",
        r#"(module
             (type (func (param i32) (result i32)))
             (import "env" "f" (func (type 0)))
             (memory 1)
             (global (mut i32) (i32.const 0))
             (table 2 funcref)
             (elem (i32.const 0) func 0 1)
             (func (export "run") (type 0)
               (local i64 i64)
               (call_indirect (type 0)
                 (block (result i32)
                   (loop
                     (drop (br_if 1 (local.get 0) (i32.eqz (local.get 0))))
                     (local.set 0 (call 0 (i32.sub (local.get 0) (i32.const 1))))
                     (i32.store (i32.const 8) (local.get 0))
                     (memory.fill (i32.const 0) (i32.const 0) (local.get 0))
                     (br 0))
                   (unreachable))
                 (i32.const 0)))
             (func (result i32 i64) (i32.const 1) (i64.const 2))
             (data (i32.const 4) "hello"))"#,
    ] {
        check_map(&common::wat(text));
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".wat") && !name.ends_with(".out.wat") {
            check_map(&common::wat(&std::fs::read_to_string(&path).unwrap()));
            inputs += 1;
        }
    }
    assert!(inputs >= 10, "only {inputs} golden inputs in {}", dir.display());
}

#[test]
fn the_offset_map_names_operators_charges_and_injected_imports() {
    let wasm = common::wat(
        r#"(module (import "env" "f" (func)) (func (drop (i32.const 77)) (call 0) (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
             (block (br_if 0 (i32.const 99)))) (memory 1))"#,
    );
    let mut schedule = Schedule::default();
    schedule.branch_change = 300;
    let (out, map) = instrument_with_map(&wasm, &schedule).unwrap();
    // `i32.const 77` (0x41 0xcd 0x00) is copied from the original.
    let original = find(&wasm, &[0x41, 0xcd, 0x00]);
    let instrumented = find(&out, &[0x41, 0xcd, 0x00]);
    assert_eq!(map.origin(instrumented), Some(Origin::Copied(original)));
    // `call 0` became `call 5`: the original `call` re-encoded.
    let call = find(&wasm, &[0x10, 0x00]);
    let shifted = find(&out, &[0x10, 0x05]);
    assert_eq!(map.origin(shifted), Some(Origin::Rewritten(call)));
    // The `memory.fill`'s length charge (`i64.const unit; call $gas_len` just before it) is
    // injected before the original `memory.fill`.
    let fill = find(&wasm, &[0xfc, 0x0b]);
    let fill_out = find(&out, &[0xfc, 0x0b]);
    assert_eq!(map.origin(fill_out), Some(Origin::Copied(fill)));
    assert_eq!(map.origin(fill_out - 1), Some(Origin::Injected(fill)), "the `call $gas_len` before it");
    // The `br_if`'s branch charge (`i32.const 0; i64.const 300; call $branch`, site 0) is
    // injected before the original `br_if`, which follows it.
    let br_if = find(&wasm, &[0x0d, 0x00]);
    let site = find(&out, &[0x41, 0x00, 0x42, 0xac, 0x02, 0x10, 0x04]);
    for o in site..site + 7 {
        assert_eq!(map.origin(o), Some(Origin::Injected(br_if)), "byte {o:#x} of the branch charge");
    }
    assert_eq!(map.origin(site + 7), Some(Origin::Copied(br_if)));
    // The injected `tally.gas` import precedes the original `env.f`.
    let env_f = find(&wasm, b"\x03env\x01f");
    let gas = find(&out, b"\x05tally\x03gas");
    assert_eq!(map.origin(gas), Some(Origin::Injected(env_f)));
    assert_eq!(map.origin(find(&out, b"\x03env\x01f")), Some(Origin::Copied(env_f)));
}
