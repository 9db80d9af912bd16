//! Stores of one engine reuse value stacks: a later store must never observe an earlier one's
//! values (locals start at zero, whatever the recycled stack held).

use tally_vm::{Config, Engine, Linker, Module, Store};

const WAT: &str = r#"(module
  ;; Fills 64 locals with a marker, recursing to cover more of the stack.
  (func $dirty (export "dirty") (param $n i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 1 (i64.const -1)) (local.set 8 (i64.const -1)) (local.set 16 (i64.const -1))
    (local.set 24 (i64.const -1)) (local.set 32 (i64.const -1))
    (if (local.get $n) (then (call $dirty (i32.sub (local.get $n) (i32.const 1))))))
  ;; Sums its (never written) locals at every depth: must be 0.
  (func $clean (export "clean") (param $n i32) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.add
      (i64.add (i64.add (local.get 1) (local.get 8)) (i64.add (local.get 16) (local.get 24)))
      (i64.add (local.get 32)
        (if (result i64) (local.get $n)
          (then (call $clean (i32.sub (local.get $n) (i32.const 1))))
          (else (i64.const 0)))))))"#;

#[test]
fn a_new_store_never_sees_a_recycled_stacks_values() {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    for _ in 0..4 {
        {
            let mut store = Store::new(&engine, ());
            let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            inst.get_typed_func::<i32, ()>(&store, "dirty").unwrap().call(&mut store, 500).unwrap();
        }
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        assert_eq!(inst.get_typed_func::<i32, i64>(&store, "clean").unwrap().call(&mut store, 500).unwrap(), 0);
    }
}
