//! Basic end-to-end behaviour of the public API.

use tally_vm::*;

fn instance(wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    let inst = linker.instantiate(&mut store, &module).unwrap();
    (store, inst)
}

#[test]
fn fib_recursive_and_loop() {
    let (mut store, inst) = instance(
        r#"(module
        (func $fib (export "fib") (param i32) (result i32)
          (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
            (then (local.get 0))
            (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                           (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
        (func (export "sum") (param $n i32) (result i64) (local $acc i64)
          (block $done
            (loop $l
              (br_if $done (i32.eqz (local.get $n)))
              (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br $l)))
          (local.get $acc)))"#,
    );
    let fib = inst.get_typed_func::<i32, i32>(&store, "fib").unwrap();
    assert_eq!(fib.call(&mut store, 15).unwrap(), 610);
    let sum = inst.get_typed_func::<i32, i64>(&store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, 10_000).unwrap(), 50_005_000);
}

#[test]
fn deep_recursion_is_stack_exhausted() {
    let (mut store, inst) =
        instance(r#"(module (func $f (export "f") (param i32) (result i32) (call $f (local.get 0))))"#);
    let f = inst.get_typed_func::<i32, i32>(&store, "f").unwrap();
    let trap = f.call(&mut store, 0).unwrap_err();
    assert_eq!(trap.code, TrapCode::StackExhausted);
    assert_eq!(trap.function, Some(0));
}

#[test]
fn memory_trap_reports_location() {
    let (mut store, inst) =
        instance(r#"(module (memory 1) (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#);
    let f = inst.get_typed_func::<i32, i32>(&store, "load").unwrap();
    assert_eq!(f.call(&mut store, 65532).unwrap(), 0);
    let trap = f.call(&mut store, 65533).unwrap_err();
    assert_eq!(trap.code, TrapCode::MemoryOutOfBounds);
    assert_eq!(trap.function, Some(0));
    assert!(trap.offset.is_some());
}

#[test]
fn br_table_trampolines_do_not_share_moves() {
    // Two br_table targets return through separate move sequences; the first must not leave
    // the translator believing a local was already copied on the second's path.
    let (mut store, inst) = instance(
        r#"(module (memory 10)
        (func (export "f") (param i32) (result i32 i32)
          (local.get 0) (i32.const 5) (local.get 0)
          (br_table 0 0 0)))"#,
    );
    let f = inst.get_func(&store, "f").unwrap();
    for arg in [0, 1, 7] {
        let mut out = [Val::I32(0), Val::I32(0)];
        f.call(&mut store, &[Val::I32(arg)], &mut out).unwrap();
        assert_eq!(out, [Val::I32(arg), Val::I32(5)], "arg {arg}");
    }
}

#[test]
fn dropped_segments_read_as_empty() {
    let (mut store, inst) = instance(
        r#"(module (memory 1) (table 1 funcref)
        (func $seven (result i32) (i32.const 7))
        (data $bytes "abc")
        (elem $funcs func $seven)
        (func (export "init_data") (param i32) (result i32)
          (memory.init $bytes (i32.const 0) (i32.const 0) (local.get 0))
          (i32.load8_u (i32.const 2)))
        (func (export "drop_data") (data.drop $bytes))
        (func (export "init_elem") (param i32) (result i32)
          (table.init $funcs (i32.const 0) (i32.const 0) (local.get 0))
          (call_indirect (result i32) (i32.const 0)))
        (func (export "drop_elem") (elem.drop $funcs)))"#,
    );
    let init_data = inst.get_typed_func::<i32, i32>(&store, "init_data").unwrap();
    let drop_data = inst.get_typed_func::<(), ()>(&store, "drop_data").unwrap();
    let init_elem = inst.get_typed_func::<i32, i32>(&store, "init_elem").unwrap();
    let drop_elem = inst.get_typed_func::<(), ()>(&store, "drop_elem").unwrap();

    assert_eq!(init_data.call(&mut store, 3).unwrap(), i32::from(b'c'));
    drop_data.call(&mut store, ()).unwrap();
    // Memory keeps what was copied; the dropped segment is empty, so only a zero-length init fits.
    assert_eq!(init_data.call(&mut store, 0).unwrap(), i32::from(b'c'));
    assert_eq!(init_data.call(&mut store, 1).unwrap_err().code, TrapCode::MemoryOutOfBounds);

    assert_eq!(init_elem.call(&mut store, 1).unwrap(), 7);
    drop_elem.call(&mut store, ()).unwrap();
    assert_eq!(init_elem.call(&mut store, 0).unwrap(), 7);
    assert_eq!(init_elem.call(&mut store, 1).unwrap_err().code, TrapCode::TableOutOfBounds);
}

/// What a host function in these tests ends the call with.
#[derive(Debug, PartialEq)]
struct Halt {
    code: u32,
}

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "halted with {}", self.code)
    }
}

impl HostError for Halt {}

#[test]
fn host_error_comes_back_typed_through_the_trap() {
    let engine = Engine::default();
    let wat = r#"(module
      (import "env" "halt" (func $halt (param i32)))
      (func (export "run") (param i32) (call $halt (local.get 0)) (unreachable)))"#;
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("env", "halt", |_: Caller<'_, ()>, code: i32| -> Result<(), Trap> {
            Err(Trap::from_host(Halt { code: code as u32 }))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<i32, ()>(&store, "run").unwrap();

    let trap = run.call(&mut store, 7).unwrap_err();
    assert_eq!(trap.code, TrapCode::HostError);
    // The trap is located at the call in the Wasm function that made it (function 1: 0 is the
    // import), and renders the host's error.
    assert_eq!(trap.function, Some(1));
    assert!(trap.offset.is_some());
    assert!(trap.to_string().ends_with(": halted with 7"), "{trap}");
    assert_eq!(trap.downcast_ref::<Halt>(), Some(&Halt { code: 7 }));
    assert_eq!(trap.downcast_ref::<String>(), None);
    // A clone shares the error, so it cannot be taken by value until the clone is gone.
    let clone = trap.clone();
    assert_eq!(clone, trap);
    let trap = trap.downcast::<Halt>().unwrap_err();
    drop(clone);
    // The wrong type gives the trap back as it was; the right one takes the error out.
    let trap = trap.downcast::<String>().unwrap_err();
    assert_eq!(trap.downcast::<Halt>().unwrap(), Halt { code: 7 });

    // A message is a `String` host error, and a VM trap has none.
    let message = Trap::host("no such thing");
    assert_eq!(message.downcast_ref::<String>().map(String::as_str), Some("no such thing"));
    assert!(Trap::new(TrapCode::Unreachable).host_error().is_none());
}

#[test]
fn host_error_survives_nested_wasm_frames_and_errors() {
    let engine = Engine::default();
    let wat = r#"(module
      (import "env" "halt" (func $halt (param i32)))
      (func $inner (param i32) (call $halt (local.get 0)))
      (func (export "outer") (call $inner (i32.const 3)) (unreachable)))"#;
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .func_wrap("env", "halt", |_: Caller<'_, ()>, code: i32| -> Result<(), Trap> {
            Err(Trap::from_host(Halt { code: code as u32 }))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let outer = instance.get_func(&store, "outer").unwrap();
    let error = outer.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Trap);
    let trap = error.as_trap().unwrap();
    assert_eq!(trap.function, Some(1), "located in $inner, which called the host");
    assert_eq!(trap.downcast_ref::<Halt>(), Some(&Halt { code: 3 }));
}
