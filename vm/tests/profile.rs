//! The deterministic profile: accepted and rejected features, float rules, resource limits and
//! hostile inputs.

use tally_vm::*;

fn compile(config: Config, wat: &str) -> Result<Module, Error> {
    Module::new(&Engine::new(config), &wat::parse_str(wat).unwrap())
}

fn run<P: WasmTuple, R: WasmTuple>(config: Config, wat: &str, name: &str, args: P) -> Result<R, Trap> {
    let module = compile(config, wat).unwrap();
    let mut store = Store::new(module.engine(), ());
    let instance = Linker::new(module.engine()).instantiate(&mut store, &module).unwrap();
    instance.get_typed_func::<P, R>(&store, name).unwrap().call(&mut store, args)
}

#[test]
fn simd_is_rejected_with_feature_and_offset() {
    let err = compile(Config::default(), r#"(module (func (result v128) (v128.const i64x2 0 0)))"#).unwrap_err();
    match err {
        Error::UnsupportedFeature { message, offset } => {
            assert!(message.contains("SIMD"), "{message}");
            assert!(offset > 0);
        }
        other => panic!("expected UnsupportedFeature, got {other:?}"),
    }
}

#[test]
fn other_proposals_are_rejected() {
    for (feature, wat) in [
        ("tail", r#"(module (func $f (return_call $f)))"#),
        ("memory64", r#"(module (memory i64 1))"#),
        ("multi", r#"(module (memory 1) (memory 1))"#),
        ("threads", r#"(module (memory 1 1 shared))"#),
        ("extended", r#"(module (global i32 (i32.add (i32.const 1) (i32.const 2))))"#),
    ] {
        let err = compile(Config::default(), wat).unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedFeature { .. } | Error::Invalid { .. }),
            "{feature}: unexpected {err:?}"
        );
        assert!(!matches!(err, Error::Trap(_)), "{feature}");
    }
}

#[test]
fn float_switch_rejects_every_float_instruction() {
    let no_floats = Config::default().floats(false);
    let err = compile(no_floats.clone(), r#"(module (func (result f32) (f32.add (f32.const 1) (f32.const 2))))"#)
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedFeature { .. }), "{err:?}");
    compile(no_floats, r#"(module (func (result i32) (i32.add (i32.const 1) (i32.const 2))))"#).unwrap();
}

#[test]
fn arithmetic_nans_are_canonical_and_bit_ops_keep_payloads() {
    let wat = r#"(module
      (func (export "div") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
      (func (export "add64") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
      (func (export "neg") (param f32) (result f32) (f32.neg (local.get 0)))
      (func (export "sqrt") (param f64) (result f64) (f64.sqrt (local.get 0))))"#;
    let r: F32 = run(Config::default(), wat, "div", (F32::from_float(0.0), F32::from_float(0.0))).unwrap();
    assert_eq!(r.0, 0x7FC0_0000);
    let r: F64 = run(Config::default(), wat, "add64", (F64(0xFFF0_0000_0000_0001), F64::from_float(1.0))).unwrap();
    assert_eq!(r.0, 0x7FF8_0000_0000_0000);
    let r: F64 = run(Config::default(), wat, "sqrt", F64::from_float(-1.0)).unwrap();
    assert_eq!(r.0, 0x7FF8_0000_0000_0000);
    let r: F32 = run(Config::default(), wat, "neg", F32(0x7FC0_1234)).unwrap();
    assert_eq!(r.0, 0xFFC0_1234, "neg must flip only the sign bit");
}

#[test]
fn memory_grow_stops_at_configured_pages() {
    let wat = r#"(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let config = Config::default().max_memory_pages(4);
    let r: i32 = run(config.clone(), wat, "grow", 3).unwrap();
    assert_eq!(r, 1);
    let r: i32 = run(config, wat, "grow", 4).unwrap();
    assert_eq!(r, -1);
}

#[test]
fn hundred_thousand_deep_recursion_traps_at_configured_depth() {
    let wat = r#"(module
      (global $depth (export "depth") (mut i32) (i32.const 0))
      (func $down (export "down") (param i32) (result i32)
        (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))"#;
    let module = compile(Config::default().max_call_depth(1000), wat).unwrap();
    let mut store = Store::new(module.engine(), ());
    let instance = Linker::new(module.engine()).instantiate(&mut store, &module).unwrap();
    let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
    let trap = down.call(&mut store, 100_000).unwrap_err();
    assert_eq!(trap.code, TrapCode::StackExhausted);
    // Each call counts itself on entry: exactly the configured number of frames ran.
    let depth = instance.get_global(&store, "depth").unwrap();
    assert_eq!(depth.get(&store), Val::I32(1000));
    depth.set(&mut store, Val::I32(0)).unwrap();
    // A call within the limit still works afterwards, on the same store.
    assert_eq!(down.call(&mut store, 500).unwrap(), 500);
    assert_eq!(depth.get(&store), Val::I32(501));
}

#[test]
fn value_stack_limit_is_a_trap() {
    let wat = r#"(module (func $f (export "f") (param i64) (result i64)
        (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
        (call $f (local.get 0))))"#;
    let config = Config::default().max_stack_cells(10_000).max_call_depth(1_000_000);
    let trap = run::<i64, i64>(config, wat, "f", 1).unwrap_err();
    assert_eq!(trap.code, TrapCode::StackExhausted);
}

#[test]
fn limits_on_module_size_locals_and_params() {
    let config = Config { max_module_size: 16, ..Config::default() };
    assert!(matches!(compile(config, "(module (func))").unwrap_err(), Error::LimitExceeded { .. }));
    let config = Config { max_locals: 3, ..Config::default() };
    let err = compile(config, "(module (func) (func (local i32 i32 i32 i32)))").unwrap_err();
    assert!(matches!(err, Error::LimitExceeded { .. }), "{err:?}");
    // The function and its local declaration are named: the second body's first declaration.
    assert_eq!(err.function(), Some(1), "{err}");
    let wasm = wat::parse_str("(module (func) (func (local i32 i32 i32 i32)))").unwrap();
    // The module ends with the second body: size 4, one declaration, `4 × i32`, `end`.
    assert_eq!(wasm[wasm.len() - 5..], [4, 1, 4, 0x7f, 0x0b]);
    assert_eq!(err.offset(), Some(wasm.len() - 3), "{err}");
    assert!(err.to_string().starts_with("limit exceeded in function 1 at offset "), "{err}");
    let config = Config { max_params: 2, ..Config::default() };
    assert!(matches!(compile(config, "(module (func (param i32 i32 i32)))").unwrap_err(), Error::LimitExceeded { .. }));
}

#[test]
fn truncated_and_garbage_modules_are_errors() {
    let engine = Engine::default();
    let wasm = wat::parse_str(
        r#"(module (memory 1) (global (mut i32) (i32.const 7)) (table 2 funcref)
            (func (export "f") (param i32) (result i32) (block (result i32) (local.get 0)))
            (elem (i32.const 0) func 0) (data (i32.const 8) "hello"))"#,
    )
    .unwrap();
    Module::new(&engine, &wasm).unwrap();
    // A prefix ending at a section boundary is itself a valid module; every other prefix must
    // be a typed error.
    let mut accepted = 0;
    for len in 0..wasm.len() {
        if Module::new(&engine, &wasm[..len]).is_ok() {
            accepted += 1;
        }
    }
    assert!(accepted < 10, "{accepted} prefixes accepted");
    assert!(Module::new(&engine, &wasm[..7]).is_err());
    assert!(Module::new(&engine, &wasm[..wasm.len() - 1]).is_err());
    // Deterministic pseudo-random corruption: every result is Ok or a typed error, never a panic.
    let mut seed = 0x1234_5678_9abc_def0u64;
    let rounds = if cfg!(miri) { 100 } else { 2000 };
    for _ in 0..rounds {
        let mut bytes = wasm.clone();
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed % bytes.len() as u64) as usize;
            bytes[i] = (seed >> 32) as u8;
        }
        let _ = Module::new(&engine, &bytes);
    }
}

#[test]
#[cfg_attr(miri, ignore = "50 000 nested blocks: hours under Miri, and no unsafe code beyond the other tests'")]
fn deeply_nested_blocks_translate_without_recursion() {
    let depth = 50_000;
    let mut wat = String::from("(module (func (export \"f\") (result i32) ");
    for _ in 0..depth {
        wat.push_str("(block ");
    }
    for _ in 0..depth {
        wat.push(')');
    }
    wat.push_str(" (i32.const 7)))");
    let r: i32 = run(Config::default(), &wat, "f", ()).unwrap();
    assert_eq!(r, 7);
}

// --- Issue 12, finding 1: every reader parses with the profile's features. ---

/// A module with one memory and one function `[] -> []` whose body (without its size prefix,
/// locals included) is `body`; returns the module and the offset of `body` in it.
fn module_with_body(body: &[u8]) -> (Vec<u8>, usize) {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type section: [] -> []
    wasm.extend([0x03, 0x02, 0x01, 0x00]); // function section: one function of type 0
    wasm.extend([0x05, 0x03, 0x01, 0x00, 0x01]); // memory section: (memory 1)
    let size = u8::try_from(body.len()).unwrap();
    wasm.extend([0x0a, size + 2, 0x01, size]); // code section: one body
    let at = wasm.len();
    wasm.extend(body);
    (wasm, at)
}

/// Asserts that `Module::new` rejects `wasm` at byte `offset` with a message containing `what`,
/// as an unsupported feature: the bytes are malformed under WebAssembly 2.0, but a later proposal
/// (memory64's `u64` LEBs, multi-memory's memory index) gives them a meaning, so the module is
/// valid with every feature.
fn assert_outside_profile_at(wasm: &[u8], offset: usize, what: &str) {
    match Module::new(&Engine::default(), wasm) {
        Err(Error::UnsupportedFeature { message, offset: at }) => {
            assert!(message.contains(what), "message {message:?} does not mention {what:?}");
            assert_eq!(at, offset, "{message}");
        }
        other => panic!("expected UnsupportedFeature at {offset} ({what}), got {other:?}"),
    }
}

#[test]
fn memarg_with_multi_memory_flag_is_rejected_at_its_offset() {
    // The exact case the fuzzer found: `i32.load` whose flags are align 2 | 0x40 (the
    // multi-memory bit: "a memory index follows"), memory index 0, offset 0. Under Wasm 2.0 the
    // bit is reserved.
    let (wasm, at) = module_with_body(&[0x00, 0x41, 0x00, 0x28, 0x42, 0x00, 0x00, 0x1a, 0x0b]);
    assert_outside_profile_at(&wasm, at + 4, "reserved flags bits");
    // The same for a store (`i64.store8`, align 0 | 0x40).
    let (wasm, at) = module_with_body(&[0x00, 0x41, 0x00, 0x42, 0x00, 0x3c, 0x40, 0x00, 0x00, 0x0b]);
    assert_outside_profile_at(&wasm, at + 6, "reserved flags bits");
    // And without the bit, the same bytes (less the memory index) are valid.
    let (wasm, _) = module_with_body(&[0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b]);
    Module::new(&Engine::default(), &wasm).unwrap();
}

#[test]
fn memarg_offset_is_a_u32_leb() {
    // `i32.load offset=0` with the offset padded to 6 bytes: a valid `u64` LEB (memory64 reads
    // offsets so), too long for the 2.0 `u32`.
    let (wasm, at) = module_with_body(&[0x00, 0x41, 0x00, 0x28, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a, 0x0b]);
    // wasmparser reports the fifth byte, the last a `u32` may have.
    assert_outside_profile_at(&wasm, at + 5 + 4, "integer representation too long");
}

#[test]
fn imported_memory_limits_are_u32_lebs() {
    // `(import "m" "m" (memory 1))` with the minimum padded to 6 bytes: a valid `u64` LEB
    // (memory64 reads limits so), too long for the 2.0 `u32`.
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend([0x02, 0x0d, 0x01, 0x01, b'm', 0x01, b'm', 0x02, 0x00, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00]);
    // The minimum starts at byte 17; wasmparser reports its fifth byte.
    assert_outside_profile_at(&wasm, 17 + 4, "integer representation too long");
}

#[test]
fn compact_imports_are_outside_the_profile() {
    // `(import "m" "g" (global i32))` in the compact encoding of a post-2.0 proposal: module
    // "m", an empty name, then 0x7F and a list of (name, type).
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend([0x02, 0x0b, 0x01, 0x01, b'm', 0x00, 0x7f, 0x01, 0x01, b'g', 0x03, 0x7f, 0x00]);
    match Module::new(&Engine::default(), &wasm) {
        Err(Error::UnsupportedFeature { message, offset }) => {
            assert!(message.contains("compact imports"), "{message}");
            assert_eq!(offset, 14, "{message}");
        }
        other => panic!("expected UnsupportedFeature at 14, got {other:?}"),
    }
}

#[test]
fn a_feature_outside_the_profile_and_a_malformed_module_differ_in_kind() {
    // `return_call 0`: valid with the tail-call proposal, outside the profile.
    let (wasm, at) = module_with_body(&[0x00, 0x12, 0x00, 0x0b]);
    let err = Module::new(&Engine::default(), &wasm).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedFeature, "{err:?}");
    assert_eq!(err.offset(), Some(at + 1), "{err}");
    // `i32.const 0` left on the stack of a function returning nothing: invalid whatever the
    // features, reported at the `end`.
    let (wasm, at) = module_with_body(&[0x00, 0x41, 0x00, 0x0b]);
    let err = Module::new(&Engine::default(), &wasm).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err:?}");
    assert!(matches!(err, Error::Invalid { .. }));
    assert_eq!(err.offset(), Some(at + 3), "{err}");
    // The first problem decides: the same module with `i32.const 0` left after the tail call is
    // invalid anyway, but the validator stops at the call and names its feature.
    let (wasm, at) = module_with_body(&[0x00, 0x12, 0x00, 0x41, 0x00, 0x0b]);
    let err = Module::new(&Engine::default(), &wasm).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedFeature, "{err:?}");
    assert_eq!(err.offset(), Some(at + 1), "{err}");
    // And a problem wasmparser does not attribute to a feature is an unsupported feature only if
    // every feature makes the module valid: the multi-memory bit of a memarg (reserved under
    // 2.0) is, with memory index 0; with index 1 and one memory it is invalid.
    let (wasm, at) = module_with_body(&[0x00, 0x41, 0x00, 0x28, 0x42, 0x00, 0x00, 0x1a, 0x0b]);
    let err = Module::new(&Engine::default(), &wasm).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedFeature, "{err:?}");
    assert_eq!(err.offset(), Some(at + 4), "{err}");
    let (wasm, at) = module_with_body(&[0x00, 0x41, 0x00, 0x28, 0x42, 0x01, 0x00, 0x1a, 0x0b]);
    let err = Module::new(&Engine::default(), &wasm).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err:?}");
    assert_eq!(err.offset(), Some(at + 4), "{err}");
}

#[test]
fn floats_switched_off_are_an_unsupported_feature_at_the_instruction() {
    // `f32.const 0; drop`
    let (wasm, at) = module_with_body(&[0x00, 0x43, 0, 0, 0, 0, 0x1a, 0x0b]);
    Module::new(&Engine::default(), &wasm).unwrap();
    let err = Module::new(&Engine::new(Config::default().floats(false)), &wasm).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedFeature, "{err:?}");
    assert_eq!(err.offset(), Some(at + 1), "{err}");
}

#[test]
fn limit_errors_name_the_offending_entry() {
    // A type with 3 params over a limit of 2: the type section's entry, after the header (8
    // bytes) and the section's id, size and count (3).
    let config = Config { max_params: 2, ..Config::default() };
    let err = compile(config, "(module (type (func (param i32 i32 i32))))").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    assert_eq!(err.offset(), Some(11), "{err}");
    // The whole module over the size limit has no offset.
    let wasm = wat::parse_str("(module (func))").unwrap();
    let config = Config { max_module_size: wasm.len() as u32 - 1, ..Config::default() };
    let err = Module::new(&Engine::new(config), &wasm).unwrap_err();
    assert!(matches!(err, Error::LimitExceeded { offset: None, .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("module of {} bytes", wasm.len())), "{err}");
}

#[test]
fn a_tag_export_is_rejected_at_its_entry() {
    // The exception-handling proposal's tag, exported: outside the profile, at the tag section
    // (the validator sees it before the export).
    let wasm = wat::parse_str(r#"(module (tag $t) (export "t" (tag $t)))"#).unwrap();
    let err = Module::new(&Engine::default(), &wasm).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedFeature, "{err:?}");
    assert_ne!(err.offset(), Some(0), "{err}");
}
