//! Instruments the module at the given path N times under the default schedule, and nothing
//! else: for instruction profiles of the injector alone
//! (`valgrind --tool=callgrind --toggle-collect='tally_gas_injector::module::instrument_into*'
//! target/release/examples/profile module.wasm 10`, then divide by N).
//!
//! A third argument names a file to write the instrumented module to (to compare the output
//! before and after a change); with a fourth, `map`, the module is instrumented with
//! `instrument_with_map` and the origin of every output byte is written after it.
//! `--branch-change=K`, anywhere, sets the schedule's `branch_change` (the sites' cost).
//!
//! `cargo build -p tally-gas-injector --release --example profile`
use tally_gas_injector::{instrument, instrument_with_map, Schedule};

fn main() {
    let mut schedule = Schedule::default();
    let mut args = std::env::args()
        .skip(1)
        .filter(|a| match a.strip_prefix("--branch-change=") {
            Some(k) => {
                schedule.branch_change = k.parse().expect("--branch-change=K: a count");
                false
            }
            None => true,
        })
        .collect::<Vec<_>>()
        .into_iter();
    let path = args.next().expect("usage: profile <module.wasm> [N]");
    let n: u32 = args.next().map_or(1, |n| n.parse().expect("N: a count"));
    let wasm = std::fs::read(&path).expect("cannot read the module");
    let mut out = Vec::new();
    for _ in 0..n {
        out = std::hint::black_box(instrument(std::hint::black_box(&wasm), &schedule).expect("instrument"));
    }
    if let Some(path) = args.next() {
        if args.next().as_deref() == Some("map") {
            let (with_map, map) = instrument_with_map(&wasm, &schedule).expect("instrument_with_map");
            assert_eq!(with_map, out, "instrument_with_map writes what instrument writes");
            let origins: String = (0..out.len()).map(|i| format!("{:?}\n", map.origin(i))).collect();
            out.extend_from_slice(origins.as_bytes());
        }
        std::fs::write(&path, &out).expect("cannot write the output");
    }
    println!("{n} × {} bytes → {} bytes", wasm.len(), out.len());
}
