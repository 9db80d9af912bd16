//! Stores of one engine reuse the linear memories of dropped stores: a memory handed to a new
//! instance must be indistinguishable from a fresh one (all zeros but for its data segments, of
//! the declared size), whatever the earlier store's code or host wrote into it, and whichever way
//! the module is instantiated.

use tally_vm::{Config, Engine, Linker, Module, Store};

/// One page to start, up to four; a data segment `"tally"` at byte 16.
const WAT: &str = r#"(module
  (memory (export "memory") 1 4)
  (data (i32.const 16) "tally")
  ;; Fills every byte of the memory with 0xff, grows it by one page and fills that too.
  (func (export "dirty")
    (memory.fill (i32.const 0) (i32.const 0xff) (i32.mul (memory.size) (i32.const 65536)))
    (drop (memory.grow (i32.const 1)))
    (memory.fill (i32.const 0) (i32.const 0xff) (i32.mul (memory.size) (i32.const 65536))))
  ;; How many bytes of the memory are not zero.
  (func (export "nonzero") (result i32)
    (local $at i32) (local $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (i32.mul (memory.size) (i32.const 65536))))
        (if (i32.load8_u (local.get $at))
          (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
    (local.get $count)))"#;

/// The same memory's bytes seen by a module that declares two pages and no data.
const TWO_PAGES: &str = r#"(module
  (memory (export "memory") 2)
  (func (export "nonzero") (result i32)
    (local $at i32) (local $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (i32.mul (memory.size) (i32.const 65536))))
        (if (i32.load8_u (local.get $at))
          (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
    (local.get $count)))"#;

/// Instantiates `module` in a new store of `engine`, through a template or not.
fn instantiate(engine: &Engine, module: &Module, template: bool) -> (Store<()>, tally_vm::Instance) {
    let mut store = Store::new(engine, ());
    let linker = Linker::new(engine);
    let instance = if template {
        linker.instantiate_pre(module).instantiate(&mut store).unwrap()
    } else {
        linker.instantiate(&mut store, module).unwrap()
    };
    (store, instance)
}

fn nonzero(store: &mut Store<()>, instance: tally_vm::Instance) -> i32 {
    instance.get_typed_func::<(), i32>(&*store, "nonzero").unwrap().call(store, ()).unwrap()
}

/// The state a fresh instance of [`WAT`] starts in: one page, zero but for `"tally"` at 16.
fn assert_fresh(store: &mut Store<()>, instance: tally_vm::Instance, round: usize) {
    let memory = instance.get_memory(&*store, "memory").unwrap();
    assert_eq!(memory.size(&*store), 1, "round {round}: the declared size, not the recycled one");
    assert_eq!(&memory.data(&*store)[16..21], b"tally", "round {round}: the data segment");
    assert_eq!(nonzero(store, instance), 5, "round {round}: only the data segment's bytes are set");
}

#[test]
fn a_new_instance_never_sees_a_dropped_stores_memory() {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    for round in 0..6 {
        let template = round % 2 == 0;
        {
            let (mut store, instance) = instantiate(&engine, &module, template);
            assert_fresh(&mut store, instance, round);
            instance.get_typed_func::<(), ()>(&store, "dirty").unwrap().call(&mut store, ()).unwrap();
            assert_eq!(nonzero(&mut store, instance), 2 * 65536, "round {round}: dirtied");
        }
        let (mut store, instance) = instantiate(&engine, &module, !template);
        assert_fresh(&mut store, instance, round);
    }
}

#[test]
fn host_writes_do_not_survive_the_store() {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    for round in 0..4 {
        {
            let (mut store, instance) = instantiate(&engine, &module, true);
            let memory = instance.get_memory(&store, "memory").unwrap();
            memory.data_mut(&mut store).fill(0x5a);
        }
        let (mut store, instance) = instantiate(&engine, &module, true);
        assert_fresh(&mut store, instance, round);
    }
}

#[test]
fn a_grown_memory_is_reused_only_as_all_zeros() {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let two_pages = Module::new(&engine, &wat::parse_str(TWO_PAGES).unwrap()).unwrap();
    for round in 0..4 {
        {
            // Leaves a dirtied two-page memory to the pool.
            let (mut store, instance) = instantiate(&engine, &module, true);
            instance.get_typed_func::<(), ()>(&store, "dirty").unwrap().call(&mut store, ()).unwrap();
        }
        let (mut store, instance) = instantiate(&engine, &two_pages, round % 2 == 0);
        assert_eq!(instance.get_memory(&store, "memory").unwrap().size(&store), 2);
        assert_eq!(nonzero(&mut store, instance), 0, "round {round}");
    }
}

#[test]
fn live_stores_never_share_a_memory() {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    // Fill the pool with a few memories.
    for _ in 0..3 {
        instantiate(&engine, &module, true);
    }
    let (mut a, a_instance) = instantiate(&engine, &module, true);
    let (mut b, b_instance) = instantiate(&engine, &module, true);
    a_instance.get_typed_func::<(), ()>(&a, "dirty").unwrap().call(&mut a, ()).unwrap();
    assert_fresh(&mut b, b_instance, 0);
    assert_eq!(nonzero(&mut a, a_instance), 2 * 65536);
}
