//! Runs one guest export `calls` times on tally-vm, metered or not, for instruction counts:
//!
//! ```sh
//! cargo build --release -p tally-benches --example guest_calls
//! valgrind --tool=callgrind target/release/examples/guest_calls sieve 400000 3 metered
//! ```
//!
//! The per-call count is the difference between a run with 3 calls and one with 1, so that
//! compiling, instrumenting and instantiating cancel out. Metered runs instrument the module with
//! the default schedule and run the `tally.*` imports as intrinsics, as the metering bench does.

use tally_vm::{Config, Engine, Linker, Module, Store, Val};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: guest_calls <export> <arg> <calls> [metered|unmetered] [guests.wasm]";
    let (Some(export), Some(arg), Some(calls)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let arg: i32 = arg.parse().expect("arg: an i32");
    let calls: u32 = calls.parse().expect("calls: a count");
    let metered = match args.get(4).map(String::as_str) {
        None | Some("metered") => true,
        Some("unmetered") => false,
        Some(other) => panic!("{other}: {usage}"),
    };
    let wasm = match args.get(5) {
        Some(path) => std::fs::read(path).expect("read the guests module"),
        None => tally_guests::build::wasm_bytes().expect("build the guests for wasm32"),
    };
    let wasm = if metered {
        tally_gas_injector::instrument(&wasm, &tally_gas_injector::Schedule::default()).expect("instrument the guests")
    } else {
        wasm
    };
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wasm).expect("compile the guests");
    let mut store = Store::new(&engine, ());
    let linker = Linker::<()>::new(&engine);
    let instance = linker.instantiate(&mut store, &module).expect("instantiate the guests");
    let func = instance.get_func(&store, export).expect("no such export");
    let mut results = [Val::I32(0)];
    const GAS: u64 = u64::MAX / 2;
    for _ in 0..calls {
        if metered {
            store.set_gas(GAS);
            store.set_stack_budget(u64::from(tally_gas_injector::Schedule::default().stack.budget));
        }
        func.call(&mut store, &[Val::I32(arg)], &mut results).expect("guest call");
    }
    let gas = if metered { GAS - store.gas() } else { 0 };
    println!("{export}({arg}) = {:?}, gas {gas}", results[0]);
}
