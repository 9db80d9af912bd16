//! `Module::new_prevalidated`: a valid module translates to the same module (the same serialized
//! bytes) as with `Module::new`, every limit of the engine's `Config` is refused with the same
//! error, and without floats the profile's narrowing is still checked. Conformance runs the same
//! comparison on the spec suite, the fuzz seeds and wasm-smith modules
//! (`tally_conformance::agreement::prevalidated_agrees`).

use tally_gas_injector::{instrument, Schedule};
use tally_vm::{Config, Engine, Error, Module};

fn guest_wasm() -> Vec<u8> {
    tally_guests::build::wasm_bytes().unwrap_or_else(|err| panic!("{err}"))
}

/// Both ways of loading `wasm` on `engine`: validated, then without validating bodies.
fn both(engine: &Engine, wasm: &[u8]) -> (Result<Module, Error>, Result<Module, Error>) {
    let full = Module::new(engine, wasm);
    // SAFETY: every module the tests pass here is valid under the profile (checked first).
    let fast = unsafe { Module::new_prevalidated(engine, wasm) };
    (full, fast)
}

fn valid(wasm: &[u8]) {
    tally_profile::validate(wasm).unwrap_or_else(|e| panic!("the test's module must be valid: {e}"));
}

#[test]
fn the_instrumented_guests_translate_to_the_same_module() {
    let wasm = instrument(&guest_wasm(), &Schedule::default()).expect("instrument");
    valid(&wasm);
    let (full, fast) = both(&Engine::default(), &wasm);
    let (full, fast) = (full.expect("validated"), fast.expect("not validated"));
    let bytes = full.serialize().expect("serializes");
    assert!(bytes.len() > 10_000, "the guests are a real module: {} bytes", bytes.len());
    assert_eq!(fast.serialize().expect("serializes"), bytes);
}

#[test]
fn the_real_crates_translate_to_the_same_module_plain_and_instrumented() {
    // `Module::new` validates each body with the profile's own validator first and falls back to
    // wasmparser's on any decline; 1.2 MB of rustc output exercises the first on real code.
    let plain = tally_guests::build::crates_wasm_bytes().unwrap_or_else(|err| panic!("{err}"));
    let instrumented = instrument(&plain, &Schedule::default()).expect("instrument");
    for wasm in [plain, instrumented] {
        valid(&wasm);
        let (full, fast) = both(&Engine::default(), &wasm);
        let (full, fast) = (full.expect("validated"), fast.expect("not validated"));
        assert_eq!(fast.serialize().expect("serializes"), full.serialize().expect("serializes"));
    }
}

#[test]
fn bodies_the_profile_validator_declines_translate_the_same() {
    // `ref.func`, the table instructions and a typed multi-value `select` are outside what the
    // profile's body validator handles: `Module::new` validates those bodies with wasmparser's.
    let wasm = wat::parse_str(
        r#"(module
            (table $t 4 funcref)
            (elem declare func $f)
            (func $f (export "f") (param i32) (result i32)
                (table.set $t (local.get 0) (ref.func $f))
                (drop (table.get $t (local.get 0)))
                (drop (table.grow $t (ref.null func) (i32.const 1)))
                (table.size $t))
            (func (export "g") (param i32 i32) (result i32)
                (select (result i32) (local.get 0) (local.get 1) (local.get 0))))"#,
    )
    .expect("wat");
    valid(&wasm);
    let (full, fast) = both(&Engine::default(), &wasm);
    let (full, fast) = (full.expect("validated"), fast.expect("not validated"));
    assert_eq!(fast.serialize().expect("serializes"), full.serialize().expect("serializes"));
    // And an invalid body in the same shape is refused with wasmparser's error and offset.
    let bad =
        wat::parse_str(r#"(module (table $t 4 funcref) (func (param i32) (result i32) (table.get $t (local.get 0))))"#)
            .expect("wat");
    let ours = Module::new(&Engine::default(), &bad).expect_err("a funcref is not an i32");
    let theirs = tally_profile::validate(&bad).expect_err("wasmparser refuses it too");
    assert!(ours.to_string().contains(&theirs.message().to_string()), "{ours} / {theirs}");
}

#[test]
fn limits_are_refused_with_the_same_error() {
    let wasm = instrument(&guest_wasm(), &Schedule::default()).expect("instrument");
    let configs = [
        Config { max_locals: 2, ..Config::default() },
        Config { max_function_size: 64, ..Config::default() },
        Config { max_stack_cells: 40, ..Config::default() },
        Config { max_params: 1, ..Config::default() },
        Config { max_module_size: 1_000, ..Config::default() },
    ];
    for config in configs {
        let (full, fast) = both(&Engine::new(config.clone()), &wasm);
        let full = full.expect_err("the validated load is over a limit");
        assert!(matches!(full, Error::LimitExceeded { .. }), "{full:?}");
        assert_eq!(format!("{:?}", fast.err()), format!("{:?}", Some(full)), "{config:?}");
    }
}

#[test]
fn without_floats_a_float_operator_is_still_refused() {
    let wasm = wat::parse_str(
        r#"(module (func (export "f") (param f32) (result f32) (f32.add (local.get 0) (local.get 0))))"#,
    )
    .expect("wat");
    valid(&wasm);
    let engine = Engine::new(Config { floats: false, ..Config::default() });
    let (full, fast) = both(&engine, &wasm);
    let full = full.expect_err("floats are off");
    assert!(matches!(full, Error::UnsupportedFeature { .. }), "{full:?}");
    assert_eq!(format!("{:?}", fast.err()), format!("{:?}", Some(full)));
}
