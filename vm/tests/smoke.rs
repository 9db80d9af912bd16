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

/// A module with every part an instance template prepares: a host import, a metering-free
/// memory with active and passive data, a table with active and passive function references
/// (imported and defined), globals (one a function reference) and a start function.
const TEMPLATED: &str = r#"(module
  (import "env" "f" (func $f (result i32)))
  (memory (export "memory") 1)
  (table 4 funcref)
  (global $g (mut i32) (i32.const 40))
  (global $r funcref (ref.func $seven))
  (data (i32.const 8) "\2a\00\00\00")
  (data $passive "\07\00\00\00")
  (elem (i32.const 1) func $f $seven)
  (elem $later func $seven $f)
  (func $seven (result i32) (i32.const 7))
  (func $start (global.set $g (i32.add (global.get $g) (i32.const 2))))
  (start $start)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "indirect") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  (func (export "global") (result i32) (global.get $g))
  (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "via_global") (result i32)
    (table.set (i32.const 0) (global.get $r))
    (call_indirect (result i32) (i32.const 0)))
  (func (export "init") (param i32)
    (memory.init $passive (local.get 0) (i32.const 0) (i32.const 4))
    (table.init $later (i32.const 2) (i32.const 0) (i32.const 2))))"#;

/// What the exports of a [`TEMPLATED`] instance return, after `init` ran at address 100.
fn observe(store: &mut Store<i32>, inst: Instance) -> Vec<i32> {
    let load = inst.get_typed_func::<i32, i32>(&*store, "load").unwrap();
    let indirect = inst.get_typed_func::<i32, i32>(&*store, "indirect").unwrap();
    let global = inst.get_typed_func::<(), i32>(&*store, "global").unwrap();
    let via_global = inst.get_typed_func::<(), i32>(&*store, "via_global").unwrap();
    let mut seen = vec![load.call(store, 8).unwrap(), load.call(store, 100).unwrap(), global.call(store, ()).unwrap()];
    seen.extend([1, 2].map(|i| indirect.call(store, i).unwrap()));
    assert!(indirect.call(store, 3).is_err(), "table slot 3 starts null");
    inst.get_typed_func::<i32, ()>(&*store, "init").unwrap().call(store, 100).unwrap();
    seen.push(load.call(store, 100).unwrap());
    seen.extend([2, 3].map(|i| indirect.call(store, i).unwrap()));
    seen.push(via_global.call(store, ()).unwrap());
    seen
}

#[test]
fn instance_templates_instantiate_as_the_linker_does() {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(TEMPLATED).unwrap()).unwrap();
    let mut linker = Linker::<i32>::new(&engine);
    linker.func_wrap("env", "f", |c: Caller<'_, i32>| -> i32 { *c.data() }).unwrap();
    let pre = linker.instantiate_pre(&module);
    let expected = vec![42, 0, 42, 99, 7, 7, 7, 99, 7];
    // Several instances in one store: the later ones' functions, host functions and globals sit
    // after the earlier ones', and none sees another's state.
    let mut store = Store::new(&engine, 99);
    let first = pre.instantiate(&mut store).unwrap();
    let by_linker = linker.instantiate(&mut store, &module).unwrap();
    let bump = first.get_typed_func::<(), ()>(&store, "bump").unwrap();
    bump.call(&mut store, ()).unwrap();
    let second = pre.instantiate(&mut store).unwrap();
    assert_eq!(observe(&mut store, second), expected);
    assert_eq!(observe(&mut store, by_linker), expected);
    let mut after_bump = expected.clone();
    after_bump[2] = 43;
    assert_eq!(observe(&mut store, first), after_bump);
    // A fresh store of the same engine.
    let mut other = Store::new(&engine, 99);
    let inst = pre.instantiate(&mut other).unwrap();
    assert_eq!(observe(&mut other, inst), expected);
    // A store of another engine is refused, as by the linker.
    let mut foreign = Store::new(&Engine::default(), 99);
    let err = pre.instantiate(&mut foreign).unwrap_err().to_string();
    assert_eq!(err, linker.instantiate(&mut foreign, &module).unwrap_err().to_string());
    assert!(err.contains("different engine"), "{err}");
}

#[test]
fn instance_templates_fail_as_the_linker_does() {
    let engine = Engine::default();
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "f", |_: Caller<'_, ()>| -> i32 { 1 }).unwrap();
    let cases = [
        (r#"(module (memory 1) (data (i32.const 65534) "abc"))"#, "memory_out_of_bounds"),
        (r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#, "table_out_of_bounds"),
        (r#"(module (import "env" "g" (func)))"#, "unknown import"),
        (r#"(module (import "env" "f" (func (result i64))))"#, "incompatible import type"),
        (r#"(module (memory 65536))"#, "pages"),
        (r#"(module (func $s unreachable) (start $s))"#, "unreachable"),
    ];
    for (wat, expected) in cases {
        let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
        let by_linker = linker.instantiate(&mut Store::new(&engine, ()), &module).unwrap_err().to_string();
        let by_template =
            linker.instantiate_pre(&module).instantiate(&mut Store::new(&engine, ())).unwrap_err().to_string();
        assert_eq!(by_template, by_linker, "{wat}");
        assert!(by_template.contains(expected), "{wat}: {by_template}");
    }
}

/// A host function imported before a global, a table and a memory of the store (the shape of
/// the spec suite's `spectest` imports). The template once paired each import with the module's
/// per-*function* intrinsic list, so the imports after the functions were skipped silently: the
/// instance got no imported global (reading a defined one ran off `global_ptrs` and crashed the
/// spec suite), nor the imported table and memory.
#[test]
fn templates_place_imports_after_host_functions() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        &wat::parse_str(
            r#"(module
              (import "env" "f" (func $f (result i32)))
              (import "env" "g" (global $g i32))
              (import "env" "t" (table 2 funcref))
              (import "env" "m" (memory 1))
              (global $own (mut i32) (i32.const 5))
              (func (export "sum") (result i32)
                (i32.add (call $f) (i32.add (global.get $g) (global.get $own))))
              (func (export "tables") (result i32) (table.size 0))
              (func (export "poke") (param i32) (result i32)
                (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get 0)))
                (i32.load (i32.const 0))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    linker.func_wrap("env", "f", |_: Caller<'_, ()>| -> i32 { 1000 }).unwrap();
    let global = Global::new(&mut store, GlobalType { content: ValType::I32, mutable: false }, Val::I32(30)).unwrap();
    let table =
        Table::new(&mut store, TableType { element: RefType::FuncRef, minimum: 7, maximum: None }, Val::FuncRef(None))
            .unwrap();
    let memory = Memory::new(&mut store, MemoryType { minimum: 1, maximum: None }).unwrap();
    linker.define("env", "g", global).unwrap().define("env", "t", table).unwrap().define("env", "m", memory).unwrap();
    let pre = linker.instantiate_pre(&module);
    // Several instances in one store, by the template and by the linker: each reads the imported
    // global, sees the imported table, and shares the imported memory with the others.
    let instances = [
        pre.instantiate(&mut store).unwrap(),
        linker.instantiate(&mut store, &module).unwrap(),
        pre.instantiate(&mut store).unwrap(),
    ];
    for (i, inst) in instances.into_iter().enumerate() {
        assert_eq!(inst.get_typed_func::<(), i32>(&store, "sum").unwrap().call(&mut store, ()).unwrap(), 1035);
        assert_eq!(inst.get_typed_func::<(), i32>(&store, "tables").unwrap().call(&mut store, ()).unwrap(), 7);
        let poke = inst.get_typed_func::<i32, i32>(&store, "poke").unwrap();
        assert_eq!(poke.call(&mut store, 1).unwrap(), i as i32 + 1, "instance {i} shares the imported memory");
    }
}

/// `call_indirect` enters a function of its own instance without the generic call path: the
/// callee's locals start zeroed at every call (the previous call left them dirty), its
/// parameters arrive, and a function of another instance in the same table still runs with
/// its own memory. A second instance of the same module overwrites the shared table with its
/// functions: the first instance's calls to them run in the second one's memory.
#[test]
fn call_indirect_enters_own_and_other_instances_functions() {
    let engine = Engine::default();
    let a = Module::new(
        &engine,
        &wat::parse_str(
            r#"(module
  (memory 1)
  (data (i32.const 0) "\05\00\00\00")
  (table (export "t") 4 funcref)
  (func $read (export "read") (param i32) (result i32) (i32.add (local.get 0) (i32.load (i32.const 0)))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let b = Module::new(
        &engine,
        &wat::parse_str(
            r#"(module
  (import "a" "t" (table 4 funcref))
  (import "a" "read" (func $read (param i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "\09\00\00\00")
  (type $t (func (param i32) (result i32)))
  (elem (i32.const 0) func $locals $read $small)
  ;; Six locals, more than a call zeroes inline: their sum must be 0 on entry.
  (func $locals (param i32) (result i32) (local i32 i64 i32 i32 i32 i32)
    (local.set 6 (i32.add (i32.add (local.get 1) (i32.wrap_i64 (local.get 2)))
      (i32.add (i32.add (local.get 3) (local.get 4)) (i32.add (local.get 5) (local.get 6)))))
    (local.set 1 (i32.const 100)) (local.set 2 (i64.const 100)) (local.set 3 (i32.const 100))
    (local.set 4 (i32.const 100)) (local.set 5 (i32.const 100))
    (i32.add (local.get 0) (local.get 6)))
  ;; Two locals, zeroed inline.
  (func $small (param i32) (result i32) (local i32 i32)
    (local.set 2 (i32.add (local.get 1) (local.get 2)))
    (local.set 1 (i32.const 50))
    (i32.add (i32.add (local.get 0) (local.get 2)) (i32.load (i32.const 0))))
  (func (export "set") (param i32) (i32.store (i32.const 0) (local.get 0)))
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    let ia = linker.instantiate(&mut store, &a).unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&store, "a", ia).unwrap();
    let first = linker.instantiate(&mut store, &b).unwrap();
    let call = first.get_typed_func::<(i32, i32), i32>(&store, "call").unwrap();
    assert_eq!(call.call(&mut store, (2, 1)).unwrap(), 10, "own function, few locals, own memory");
    let second = linker.instantiate_pre(&b).instantiate(&mut store).unwrap();
    second.get_typed_func::<i32, ()>(&store, "set").unwrap().call(&mut store, 20).unwrap();
    for inst in [first, second] {
        let call = inst.get_typed_func::<(i32, i32), i32>(&store, "call").unwrap();
        for _ in 0..3 {
            assert_eq!(call.call(&mut store, (0, 1)).unwrap(), 1, "many locals, zeroed");
            assert_eq!(call.call(&mut store, (1, 1)).unwrap(), 6, "the other module's function, its memory");
            assert_eq!(call.call(&mut store, (2, 1)).unwrap(), 21, "the second instance's function, its memory");
        }
        assert_eq!(call.call(&mut store, (3, 1)).unwrap_err().code, TrapCode::IndirectCallToNull);
        assert_eq!(call.call(&mut store, (4, 1)).unwrap_err().code, TrapCode::TableOutOfBounds);
    }
}
