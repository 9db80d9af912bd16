//! Serialized modules (`Module::serialize` / `Module::deserialize`): a round trip gives the same
//! translated code (the same IR listing, the same bytes when serialized again), runs with the
//! same results and gas, and no alteration of the bytes makes decoding panic.

use tally_gas_injector::{instrument, Schedule};
use tally_vm::{Config, Engine, Linker, Module, SerialError, Store, Val};

/// The listing of every defined function, and the exports, of `module`.
fn listing(module: &Module) -> String {
    let mut out: String = (0..).map_while(|i| module.func_type(i).map(|_| module.ir_text(i))).flatten().collect();
    for e in module.exports() {
        out.push_str(&format!("export {} {} {:?}\n", e.name(), e.index(), e.ty()));
    }
    for i in module.imports() {
        out.push_str(&format!("import {}.{} {:?}\n", i.module(), i.name(), i.ty()));
    }
    out
}

/// Serializes `module`, deserializes it into `engine` and checks the copy lists the same code
/// and serializes to the same bytes.
fn round_trip(engine: &Engine, module: &Module) -> Module {
    let bytes = module.serialize().expect("serializes");
    // SAFETY: the bytes come straight from `serialize` in this process.
    let copy = unsafe { Module::deserialize(engine, &bytes) }.expect("deserializes");
    assert_eq!(listing(&copy), listing(module), "the round trip changed the code");
    assert_eq!(copy.serialize().expect("serializes again"), bytes, "serializing the copy gives other bytes");
    copy
}

fn guest_wasm() -> Vec<u8> {
    tally_guests::build::wasm_bytes().unwrap_or_else(|err| panic!("{err}"))
}

/// A module with a bit of everything that serializes: imports of each kind, an indirect call,
/// a `br_table`, globals, passive and active segments, a start function.
const SMALL: &str = r#"
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "g" (global $g i32))
  (type $t (func (param i32) (result i32)))
  (table 4 funcref)
  (memory 1 2)
  (global $h (mut i64) (i64.const 7))
  (global $k i32 (global.get $g))
  (elem (i32.const 1) $double $f)
  (elem func $double)
  (data (i32.const 8) "hello")
  (data "passive")
  (func $double (type $t) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "pick") (param i32) (result i32) (local i64)
    (block (block (block (local.get 0) (br_table 0 1 2))
      (return (call_indirect (type $t) (i32.const 5) (i32.const 1))))
      (return (call $f (global.get $k))))
    (global.set $h (i64.add (global.get $h) (i64.const 1)))
    (i32.load8_u (i32.const 9)))
  (func $start (global.set $h (i64.const 3)))
  (start $start))
"#;

#[test]
fn small_module_round_trips_into_another_engine() {
    let engine = Engine::default();
    let wasm = wat::parse_str(SMALL).unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    // Another engine interns signatures afresh: the indirect call's signature must follow.
    let other = Engine::default();
    other_signatures(&other);
    let copy = round_trip(&other, &module);
    assert_eq!(copy.exports().len(), module.exports().len());
}

/// Interns a few signatures in `engine` so its ids differ from a fresh engine's.
fn other_signatures(engine: &Engine) {
    let wasm = wat::parse_str(
        r#"(module (type (func (param i64 i64))) (type (func (result f64))) (type (func (param f32)))
             (func (type 0)) (func (type 1) (f64.const 0)) (func (type 2)))"#,
    )
    .unwrap();
    Module::new(engine, &wasm).unwrap();
}

#[test]
fn guests_round_trip_and_run_the_same() {
    let wasm = guest_wasm();
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wasm).unwrap();
    let other = Engine::new(Config::default());
    other_signatures(&other);
    let copy = round_trip(&other, &module);
    let run = |engine: &Engine, module: &Module, export: &str, arg: i32| {
        let mut store = Store::new(engine, ());
        let instance = Linker::<()>::new(engine).instantiate(&mut store, module).unwrap();
        let func = instance.get_func(&store, export).unwrap();
        let mut results = [Val::I32(0)];
        let outcome = func.call(&mut store, &[Val::I32(arg)], &mut results).map_err(|t| format!("{t:?}"));
        (outcome, format!("{:?}", results[0]))
    };
    for export in tally_guests::build::EXPORTS {
        for arg in [0, 3, 17] {
            assert_eq!(
                run(&engine, &module, export, arg),
                run(&other, &copy, export, arg),
                "{export}({arg}) differs after a round trip"
            );
        }
    }
}

#[test]
fn instrumented_guests_round_trip_with_the_same_gas() {
    let wasm = instrument(&guest_wasm(), &Schedule::default()).unwrap();
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wasm).unwrap();
    let copy = round_trip(&engine, &module);
    let run = |module: &Module, export: &str, arg: i32| {
        let mut store = Store::new(&engine, ());
        store.set_gas(50_000_000_000);
        let instance = Linker::<()>::new(&engine).instantiate(&mut store, module).unwrap();
        let func = instance.get_func(&store, export).unwrap();
        let mut results = [Val::I32(0)];
        let outcome = func.call(&mut store, &[Val::I32(arg)], &mut results).map_err(|t| format!("{t:?}"));
        (outcome, format!("{:?}", results[0]), store.gas())
    };
    for export in tally_guests::build::EXPORTS {
        for arg in [0, 5] {
            assert_eq!(
                run(&module, export, arg),
                run(&copy, export, arg),
                "{export}({arg}) differs after a round trip"
            );
        }
    }
}

#[test]
fn every_truncation_and_flipped_byte_is_refused_or_harmless() {
    let engine = Engine::default();
    let instrumented = instrument(&wat::parse_str(SMALL).unwrap(), &Schedule::default()).unwrap();
    for wasm in [wat::parse_str(SMALL).unwrap(), instrumented] {
        let module = Module::new(&engine, &wasm).unwrap();
        let bytes = module.serialize().unwrap();
        for len in 0..bytes.len() {
            // SAFETY: decoding must refuse a prefix; nothing it returns is run.
            let decoded = unsafe { Module::deserialize(&engine, &bytes[..len]) };
            assert!(
                matches!(decoded, Err(SerialError::Malformed { .. } | SerialError::Incompatible { .. })),
                "a prefix of {len} bytes decoded"
            );
        }
        let mut refused = 0;
        for at in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bad = bytes.clone();
                bad[at] ^= flip;
                // SAFETY: the point is that decoding any bytes returns, without panicking; the
                // module is not run (a flipped immediate may still decode, legitimately).
                if unsafe { Module::deserialize(&engine, &bad) }.is_err() {
                    refused += 1;
                }
            }
        }
        // Most bytes are structure (ids, counts, indices, slots): most flips must be caught.
        assert!(refused * 2 > bytes.len() * 3, "only {refused} of {} altered entries refused", bytes.len() * 3);
    }
}

#[test]
fn another_configuration_or_format_is_incompatible() {
    let wasm = wat::parse_str(SMALL).unwrap();
    let module = Module::new(&Engine::default(), &wasm).unwrap();
    let bytes = module.serialize().unwrap();
    let other = Engine::new(Config::default().max_call_depth(100));
    // SAFETY: refused before anything is built.
    let refused = unsafe { Module::deserialize(&other, &bytes) }.unwrap_err();
    assert_eq!(refused, SerialError::Incompatible { what: "engine configuration differs" });
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(tally_vm::SERIAL_FORMAT_VERSION + 1).to_le_bytes());
    // SAFETY: as above.
    let refused = unsafe { Module::deserialize(&Engine::default(), &newer) }.unwrap_err();
    assert_eq!(refused, SerialError::Incompatible { what: "format version differs" });
}
