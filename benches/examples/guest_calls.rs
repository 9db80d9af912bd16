//! Runs one guest export `calls` times on tally-vm, metered or not, or on wasmi 2 (fuel off or
//! on), for instruction counts:
//!
//! ```sh
//! cargo build --release -p tally-benches --example guest_calls
//! valgrind --tool=callgrind target/release/examples/guest_calls sieve 400000 3 metered
//! valgrind --tool=callgrind target/release/examples/guest_calls sieve 400000 3 wasmi
//! ```
//!
//! The per-call count is the difference between a run with 3 calls and one with 1, so that
//! compiling, instrumenting and instantiating (and whatever translation wasmi defers to the
//! first call) cancel out. Metered runs instrument the module with the default schedule and run the
//! `tally.*` imports as intrinsics, as the metering bench does. `wasmi` and `wasmi-fuel` run the
//! uninstrumented module on wasmi 2 with its default configuration, fuel metering off or on, as
//! the execution bench's peers (`benches/criterion/benches/common`) do.

use tally_vm::{Config, Engine, Linker, Module, Store, Val};

/// The engine and mode one run uses.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Metered,
    Unmetered,
    Wasmi,
    WasmiFuel,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: guest_calls <export> <arg> <calls> [metered|unmetered|wasmi|wasmi-fuel] [guests.wasm]";
    let (Some(export), Some(arg), Some(calls)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let arg: i32 = arg.parse().expect("arg: an i32");
    let calls: u32 = calls.parse().expect("calls: a count");
    let mode = match args.get(4).map(String::as_str) {
        None | Some("metered") => Mode::Metered,
        Some("unmetered") => Mode::Unmetered,
        Some("wasmi") => Mode::Wasmi,
        Some("wasmi-fuel") => Mode::WasmiFuel,
        Some(other) => panic!("{other}: {usage}"),
    };
    let wasm = match args.get(5) {
        Some(path) => std::fs::read(path).expect("read the guests module"),
        None => tally_guests::build::wasm_bytes().expect("build the guests for wasm32"),
    };
    match mode {
        Mode::Metered | Mode::Unmetered => run_tally(&wasm, export, arg, calls, mode == Mode::Metered),
        Mode::Wasmi | Mode::WasmiFuel => run_wasmi(&wasm, export, arg, calls, mode == Mode::WasmiFuel),
    }
}

/// Calls `export(arg)` `calls` times on tally-vm, instrumented with the default schedule if
/// `metered`.
fn run_tally(wasm: &[u8], export: &str, arg: i32, calls: u32, metered: bool) {
    let instrumented;
    let wasm = if metered {
        instrumented = tally_gas_injector::instrument(wasm, &tally_gas_injector::Schedule::default())
            .expect("instrument the guests");
        &instrumented[..]
    } else {
        wasm
    };
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wasm).expect("compile the guests");
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

/// Calls `export(arg)` `calls` times on wasmi 2, with fuel metering if `fuel`.
fn run_wasmi(wasm: &[u8], export: &str, arg: i32, calls: u32, fuel: bool) {
    let mut config = wasmi::Config::default();
    config.consume_fuel(fuel);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, wasm).expect("wasmi: compile the guests");
    let mut store = wasmi::Store::new(&engine, ());
    const FUEL: u64 = u64::MAX / 2;
    if fuel {
        store.set_fuel(FUEL).expect("wasmi: fuel enabled");
    }
    let linker = wasmi::Linker::<()>::new(&engine);
    let instance = linker.instantiate_and_start(&mut store, &module).expect("wasmi: instantiate the guests");
    let func = instance.get_func(&store, export).expect("no such export");
    let mut results = [wasmi::Val::I32(0)];
    for _ in 0..calls {
        func.call(&mut store, &[wasmi::Val::I32(arg)], &mut results).expect("wasmi: guest call");
    }
    let used = if fuel { FUEL - store.get_fuel().expect("wasmi: fuel enabled") } else { 0 };
    println!("{export}({arg}) = {:?}, fuel {used}", results[0]);
}
