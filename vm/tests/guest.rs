//! A real compiled program: the Rust guests in `guests/` are built for `wasm32-unknown-unknown`
//! (at test time, by `tally_guests::build`) and every export is run on tally-vm; each result
//! must equal the same function compiled natively and linked into this test.
//!
//! Needs the wasm target: `rustup target add wasm32-unknown-unknown`.

use tally_vm::{Config, Engine, Instance, Linker, Module, Store, Val};

/// An instance of the guest module on a fresh engine and store.
struct Guest {
    store: Store<()>,
    instance: Instance,
}

fn guest_wasm() -> Vec<u8> {
    tally_guests::build::wasm_bytes().unwrap_or_else(|err| panic!("{err}"))
}

impl Guest {
    fn new() -> Self {
        let engine = Engine::new(Config::default());
        let module = Module::new(&engine, &guest_wasm()).expect("tally compiles the guests");
        let mut store = Store::new(&engine, ());
        let linker = Linker::<()>::new(&engine);
        let instance = linker.instantiate(&mut store, &module).expect("tally instantiates the guests");
        Self { store, instance }
    }

    /// Calls `export(arg)` through the untyped API and returns the result's bits.
    fn call(&mut self, export: &str, arg: i32) -> u64 {
        let func = self.instance.get_func(&self.store, export).unwrap_or_else(|| panic!("export {export} missing"));
        let mut results = [Val::I32(0)];
        func.call(&mut self.store, &[Val::I32(arg)], &mut results)
            .unwrap_or_else(|err| panic!("{export}({arg}) failed: {err:?}"));
        match results[0] {
            Val::I32(x) => x as u32 as u64,
            Val::I64(x) => x as u64,
            Val::F64(x) => x.0,
            ref other => panic!("{export}({arg}) returned {other:?}"),
        }
    }
}

/// Runs `export` on tally for every argument and compares with the native function's bits.
fn check(guest: &mut Guest, export: &str, args: &[i32], native: fn(i32) -> u64) {
    for &arg in args {
        assert_eq!(guest.call(export, arg), native(arg), "{export}({arg}): tally differs from native");
    }
}

#[test]
fn module_is_self_contained_and_exports_the_guests() {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &guest_wasm()).expect("tally compiles the guests");
    assert!(module.imports().is_empty(), "guests must not import anything");
    let names: Vec<String> = module.exports().iter().map(|e| e.name().to_string()).collect();
    for export in tally_guests::build::EXPORTS {
        assert!(names.iter().any(|n| n == export), "missing export {export}: {names:?}");
    }
}

#[test]
fn fib_matches_native() {
    let mut guest = Guest::new();
    check(&mut guest, "fib", &[-3, 0, 1, 2, 7, 15, 20], |n| tally_guests::fib(n) as u64);
}

#[test]
fn fib_through_typed_func() {
    let mut guest = Guest::new();
    let fib = guest.instance.get_typed_func::<i32, i64>(&guest.store, "fib").expect("fib: (i32) -> i64");
    assert_eq!(fib.call(&mut guest.store, 18).expect("fib(18)"), tally_guests::fib(18));
    assert_eq!(fib.call(&mut guest.store, 18).expect("fib(18) again"), 2584);
}

#[test]
fn sieve_matches_native() {
    let mut guest = Guest::new();
    check(&mut guest, "sieve", &[-1, 0, 1, 2, 3, 100, 7919, 30_000], |n| tally_guests::sieve(n) as u32 as u64);
    assert_eq!(guest.call("sieve", 100), 25);
}

#[test]
fn keccak_matches_native() {
    let mut guest = Guest::new();
    check(&mut guest, "keccak", &[-1, 0, 1, 2, 5], |n| tally_guests::keccak(n) as u64);
}

#[test]
fn matmul_matches_native_bit_for_bit() {
    let mut guest = Guest::new();
    check(&mut guest, "matmul", &[-2, 0, 1, 3, 8, 17], |n| tally_guests::matmul(n).to_bits());
}

#[test]
fn ledger_matches_native() {
    let mut guest = Guest::new();
    check(&mut guest, "ledger", &[-7, 0, 1, 50, 3_000], |n| tally_guests::ledger(n) as u64);
}

#[test]
fn repeated_calls_on_one_instance_are_deterministic() {
    // The guests reinitialise their working memory on each call, so calling twice on the same
    // instance (same linear memory) must give the same answer as a fresh native call.
    let mut guest = Guest::new();
    for _ in 0..2 {
        assert_eq!(guest.call("ledger", 500), tally_guests::ledger(500) as u64);
        assert_eq!(guest.call("sieve", 5_000), tally_guests::sieve(5_000) as u64);
        assert_eq!(guest.call("matmul", 6), tally_guests::matmul(6).to_bits());
    }
}

#[test]
fn guests_start_in_one_page_and_grow_memory_to_the_call() {
    // The guests are the time-per-gas suite's reference workloads; loads and stores cost more the
    // larger the memory, so they must use as little as a contract would (guests/src/heap.rs).
    let mut guest = Guest::new();
    let pages =
        |guest: &Guest| guest.instance.get_memory(&guest.store, "memory").expect("memory export").size(&guest.store);
    assert_eq!(pages(&guest), 1, "initial memory");
    for (export, arg, expected) in
        [("fib", 20, 1), ("keccak", 5, 1), ("ledger", 3_000, 1), ("matmul", 40, 2), ("sieve", 100_000, 3)]
    {
        guest.call(export, arg);
        assert!(pages(&guest) <= expected, "{export}({arg}) left {} pages, expected at most {expected}", pages(&guest));
    }
    assert_eq!(pages(&guest), 3, "sieve(100000) needs 100,001 bytes past the stack and data");
    // Memory only grows: a smaller call afterwards reuses it.
    guest.call("sieve", 10);
    assert_eq!(pages(&guest), 3);
}
