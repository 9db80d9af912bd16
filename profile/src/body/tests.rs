//! Hand-written cases, one or more per rule of the validator: each invalid body must be
//! rejected by wasmparser and not accepted by [`FuncCheck`] (declined), each valid one accepted
//! by both with the same stacks at every operator ([`cross_check`]).

use super::*;
use crate::features;

/// `cross_check` of a module given as text.
fn tally(wat: &str) -> Tally {
    let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("{e}: {wat}"));
    cross_check(&wasm, features()).unwrap_or_else(|finding| panic!("{finding}: {wat}"))
}

/// A module with memory, a data segment, a table, globals and two helper functions around the
/// function `body` (function 2, of type `ty`).
fn module(ty: &str, body: &str) -> String {
    format!(
        r#"(module
             (type $ii (func (param i32) (result i32)))
             (memory 1)
             (table 2 funcref)
             (table $ext 1 externref)
             (global $g (mut i32) (i32.const 0))
             (global $c i64 (i64.const 0))
             (global $f (mut f64) (f64.const 0))
             (func $h1 (param i32 i64) (result i32) local.get 0)
             (func $h2 (result i32 i64) i32.const 0 i64.const 0)
             (func $body {ty} {body})
             (elem declare func $h1)
             (data $d "abc"))"#
    )
}

#[track_caller]
fn valid(ty: &str, body: &str) {
    let t = tally(&module(ty, body));
    assert_eq!((t.rejected, t.declined), (0, 0), "{body}: {t:?}");
    assert_eq!(t.accepted, t.bodies, "{body}");
}

#[track_caller]
fn invalid(ty: &str, body: &str) {
    let t = tally(&module(ty, body));
    assert_eq!(t.rejected, 1, "wasmparser accepts {body}");
    assert_eq!(t.accepted, t.bodies - 1, "{body}: {t:?}");
}

#[test]
fn accepts_compiled_code_shapes() {
    valid("(param i32) (result i32)", "local.get 0 i32.const 1 i32.add");
    valid("(result i64)", "i32.const 1 i64.const 2 call $h1 drop global.get $c");
    valid("", "i32.const 0 i32.load offset=8 align=4 i32.const 0 i64.load8_u i64.const 1 i64.add drop drop");
    valid("", "i32.const 0 f64.const 1 f64.store global.get $f f64.sqrt global.set $f");
    valid("(result i32)", "block (result i32) i32.const 1 br 0 end");
    valid("(result i32)", "loop (result i32) i32.const 0 br_if 0 i32.const 2 end");
    valid("(param i32) (result i32)", "block block local.get 0 br_table 0 1 0 end end i32.const 3");
    valid("(param i32) (result i32)", "local.get 0 if (result i32) i32.const 1 else i32.const 2 end");
    valid("(param i32)", "local.get 0 if nop end");
    valid("(result i32)", "i32.const 1 i32.const 2 i32.const 0 select");
    valid("(result f32)", "f32.const 1 f32.const 2 i32.const 0 select (result f32)");
    valid("(result i32)", "unreachable i32.add");
    valid("(result i32)", "unreachable select");
    valid("(result i32)", "i32.const 0 return");
    valid("", "i32.const 0 i32.const 0 i32.const 3 memory.copy i32.const 0 i32.const 0 i32.const 1 memory.fill");
    valid("", "i32.const 0 i32.const 0 i32.const 1 memory.init $d data.drop $d");
    valid("(result i32)", "memory.size i32.const 1 memory.grow i32.add");
    valid("(result i32)", "i32.const 0 i32.const 0 call_indirect (type $ii)");
    valid("(result i32)", "ref.null func ref.is_null ref.null extern ref.is_null i32.and");
    valid("(result i32 i64)", "call $h2");
    valid("(result i64)", "call $h2 block (param i32 i64) (result i64) drop drop i64.const 1 end");
    valid("(result f32)", "(local i64 f32) f32.const 1 local.tee 1 i64.const 3 local.set 0");
    valid("(result i32)", "i32.const 1 i32.extend8_s f32.const 1 i32.trunc_sat_f32_s i32.add");
    valid("(result i32)", "block (result i32) unreachable end");
    valid("(result i64)", "unreachable br_if 0");
}

#[test]
fn rejects_or_declines_every_rule() {
    // Operand types and counts.
    invalid("(result i32)", "i64.const 1 i32.const 2 i32.add");
    invalid("(result i32)", "i32.const 1 i32.add");
    invalid("", "f32.const 1 i32.eqz drop");
    invalid("(result i32)", "i32.const 1 i32.const 2");
    invalid("(result i32)", "");
    invalid("", "i32.const 1");
    // Locals and globals.
    invalid("(param i32)", "local.get 1 drop");
    invalid("(param i32)", "i64.const 0 local.set 0");
    invalid("(local i32)", "i64.const 0 local.tee 0 drop");
    invalid("", "global.get 9 drop");
    invalid("", "i64.const 1 global.set $c");
    invalid("", "i64.const 1 global.set $g");
    // Calls.
    invalid("", "call 9");
    invalid("", "i64.const 1 i64.const 2 call $h1 drop");
    invalid("", "i32.const 0 call_indirect (type 9)");
    invalid("(result i32)", "i32.const 0 i32.const 0 call_indirect $ext (type $ii)");
    invalid("(result i32)", "i32.const 0 i32.const 0 call_indirect 7 (type $ii)");
    // Memory.
    invalid("", "i32.const 0 i32.load align=8 drop");
    invalid("", "i32.const 0 i64.load16_s align=4 drop");
    invalid("", "i32.const 0 i32.const 1 i32.store8 align=2");
    invalid("", "i64.const 0 i32.load drop");
    invalid("", "i32.const 0 i64.const 1 i32.store");
    invalid("", "i32.const 0 i32.const 0 i32.const 1 memory.init 3");
    invalid("", "data.drop 1");
    invalid("", "i32.const 0 i64.const 0 i32.const 1 memory.fill");
    // Control.
    invalid("", "block (result i32) end");
    invalid("", "block i32.const 1 end");
    invalid("", "br 2");
    invalid("(result i32)", "block (result i32) i64.const 1 br 0 end");
    invalid("(result i32)", "block (result i32) i32.const 0 br_if 0 end");
    invalid("(param i32) (result i32)", "block local.get 0 br_table 0 1 end i32.const 0");
    invalid("(param i32) (result i32)", "block (result i64) i32.const 0 local.get 0 br_table 0 1 end drop i32.const 0");
    invalid("(param i32) (result i32)", "block (result i32) i32.const 0 local.get 0 br_table 0 3 end");
    invalid("(param i32)", "local.get 0 if (result i32) i32.const 1 end drop");
    invalid("(param i32)", "local.get 0 if (result i32) i32.const 1 else i64.const 2 end drop");
    invalid("", "i64.const 0 if end");
    invalid("(result i32)", "i64.const 0 return");
    invalid("(result i32)", "block i32.const 0 return i64.add end");
    invalid("(result i32)", "unreachable i64.const 0 i32.add");
    invalid("(result i32)", "i32.const 0 loop (param i32) (result i32) i64.const 0 br 0 end");
    invalid("(result i64)", "call $h2 block (param i64 i32) (result i64) drop end");
    invalid("", "block (type 9) end");
    // select.
    invalid("(result i32)", "i32.const 1 i64.const 2 i32.const 0 select");
    invalid("", "ref.null func ref.null func i32.const 0 select drop");
    invalid("", "i32.const 1 i32.const 2 i64.const 0 select drop");
    // References.
    invalid("", "i32.const 0 ref.is_null drop");
    invalid("", "ref.func $h2 drop");
}

/// Valid operators outside what the validator handles: declined, never accepted.
#[test]
fn declines_what_it_does_not_handle() {
    for body in [
        "ref.func $h1 drop",
        "i32.const 0 table.get 0 drop",
        "table.size 0 drop",
        "i32.const 0 i32.const 0 i32.const 0 table.copy",
        "elem.drop 0",
    ] {
        let t = tally(&module("", body));
        assert_eq!((t.rejected, t.declined, t.accepted), (0, 1, t.bodies - 1), "{body}");
    }
}

/// SIMD declines (and does not panic wasmparser's `visit_operator`, which needs a SIMD visitor).
#[test]
fn simd_declines() {
    let wasm = wat::parse_str(r#"(module (func (result i32) v128.const i64x2 0 0 i32x4.extract_lane 0))"#).unwrap();
    let t = cross_check(&wasm, features()).unwrap();
    assert_eq!((t.bodies, t.accepted, t.rejected), (1, 0, 1));
}

/// Without floats every float type and operator declines (wasmparser rejects them).
#[test]
fn floats_off_declines_floats() {
    let features = crate::features_without_floats();
    let wasm = wat::parse_str(r#"(module (func (result i32) f32.const 1 i32.trunc_f32_s))"#).unwrap();
    let t = cross_check(&wasm, features).unwrap();
    assert_eq!((t.rejected, t.accepted), (1, 0));
    let wasm = wat::parse_str(r#"(module (func (result i32) i32.const 1))"#).unwrap();
    assert_eq!(cross_check(&wasm, features).unwrap().accepted, 1);
}

/// The resources of the first function body of `wasm`.
fn resources_of(wasm: &[u8]) -> wasmparser::ValidatorResources {
    let mut v = wasmparser::Validator::new_with_features(features());
    for p in crate::parser(features()).parse_all(wasm) {
        if let Ok(wasmparser::ValidPayload::Func(f, _)) = v.payload(&p.unwrap()) {
            return f.resources;
        }
    }
    panic!("no function body")
}

/// `memory.init` and `data.drop` need the data count section (which the text format adds
/// whenever the code uses them, so the module is built without such code).
#[test]
fn data_segments_need_the_data_count() {
    let wasm = wat::parse_str(r#"(module (memory 1) (data "a") (func))"#).unwrap();
    let resources = resources_of(&wasm);
    let mut check = FuncCheck::new();
    check.start(&resources, 0, features()).unwrap();
    use wasmparser::VisitOperator as _;
    assert_eq!(check.visitor(&resources).visit_data_drop(0), Err(Declined));
    let mut v = check.visitor(&resources);
    for _ in 0..3 {
        v.visit_i32_const(0).unwrap();
    }
    assert_eq!(v.visit_memory_init(0, 0), Err(Declined));
    // With the section (the text format adds it here), in range only.
    let wasm = wat::parse_str(r#"(module (memory 1) (data "a") (func data.drop 0))"#).unwrap();
    let resources = resources_of(&wasm);
    let mut check = FuncCheck::new();
    check.start(&resources, 0, features()).unwrap();
    assert_eq!(check.visitor(&resources).visit_data_drop(0), Ok(()));
    assert_eq!(check.visitor(&resources).visit_data_drop(1), Err(Declined));
}

/// After the function's `end` nothing is accepted, not even an operator that only pushes.
#[test]
fn nothing_after_the_end() {
    let wasm = wat::parse_str(r#"(module (type (func)) (func))"#).unwrap();
    let resources = {
        let mut v = wasmparser::Validator::new_with_features(features());
        let mut found = None;
        for p in crate::parser(features()).parse_all(&wasm) {
            if let Ok(wasmparser::ValidPayload::Func(f, _)) = v.payload(&p.unwrap()) {
                found = Some(f.resources);
            }
        }
        found.unwrap()
    };
    let mut check = FuncCheck::new();
    check.start(&resources, 0, features()).unwrap();
    assert_eq!(FuncCheck::new().start(&resources, 0, features() | wasmparser::WasmFeatures::GC), Err(Declined));
    let mut v = check.visitor(&resources);
    use wasmparser::VisitOperator as _;
    assert_eq!(v.visit_end(), Ok(()));
    assert_eq!(v.visit_i32_const(1), Err(Declined));
    assert_eq!(v.visit_nop(), Err(Declined));
    assert_eq!(v.visit_block(wasmparser::BlockType::Empty), Err(Declined));
    assert_eq!(v.visit_local_get(0), Err(Declined));
    assert_eq!(v.visit_drop(), Err(Declined));
}
