//! `tally.branch` sites: the translator's site forms of conditional branches charge exactly
//! what the ordinary call of the intrinsic charges.

use tally_vm::*;

#[test]
fn scratch() {
    let wat = r#"(module
  (import "tally" "gas" (func $gas (param i64)))
  (import "tally" "branch" (func $br (param i32 i32 i64) (result i32)))
  (func (export "f") (param $n i32) (param $x i32) (result i32)
    (local $acc i32)
    (call $gas (i64.const 5))
    (block $done
      (loop $l
        (call $gas (i64.const 3))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
        (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
        (block $b
          (br_if $b (call $br (i32.lt_s (local.get $x) (i32.const 0)) (i32.const 1) (i64.const 100)))
          (call $gas (i64.const 2))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1))))
        (if (call $br (i32.and (local.get $x) (i32.const 4)) (i32.const 2) (i64.const 100))
          (then (call $gas (i64.const 1)) (local.set $acc (i32.add (local.get $acc) (i32.const 7)))))
        (br_if $l (call $br (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0) (i64.const 100)))))
    (local.get $acc)))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    println!("{}", module.ir_text(2).unwrap());
    let linker = Linker::<()>::new(&engine);
    let mut store = Store::new(&engine, ());
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let f = inst.get_typed_func::<(i32, i32), i32>(&store, "f").unwrap();
    store.set_gas(1_000_000);
    let r = f.call(&mut store, (10, 12345)).unwrap();
    println!("{r} {}", 1_000_000 - store.gas());
}
