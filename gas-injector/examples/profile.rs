//! Instruments the module at the given path N times under the default schedule, and nothing
//! else: for instruction profiles of the injector alone
//! (`valgrind --tool=callgrind --toggle-collect='tally_gas_injector::module::instrument_into*'
//! target/release/examples/profile module.wasm 10`, then divide by N).
//!
//! A third argument names a file to write the instrumented module to (to compare the output
//! before and after a change).
//!
//! `cargo build -p tally-gas-injector --release --example profile`
use tally_gas_injector::{instrument, Schedule};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: profile <module.wasm> [N]");
    let n: u32 = args.next().map_or(1, |n| n.parse().expect("N: a count"));
    let wasm = std::fs::read(&path).expect("cannot read the module");
    let schedule = Schedule::default();
    let mut out = Vec::new();
    for _ in 0..n {
        out = std::hint::black_box(instrument(std::hint::black_box(&wasm), &schedule).expect("instrument"));
    }
    if let Some(path) = args.next() {
        std::fs::write(&path, &out).expect("cannot write the output");
    }
    println!("{n} × {} bytes → {} bytes", wasm.len(), out.len());
}
