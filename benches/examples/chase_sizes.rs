//! Times a dependent pointer chase (`attacks::chase_loop`) per load over memories of several
//! sizes, at the default schedule, to see where the caches' steps fall:
//!
//! ```sh
//! cargo build --release -p tally-benches --example chase_sizes
//! target/release/examples/chase_sizes 1 2 4 8 16 32 64 128 256
//! ```
//!
//! Each size runs a chase of `L` and of `3L` loads, alternately, 7 rounds; the time and gas per
//! load are the differences of the two (the setup, a shuffle of the whole memory, cancels), the
//! time the median over rounds.

use std::time::Instant;

use tally_benches::attacks;
use tally_gas_injector::{instrument, Schedule};
use tally_vm::{Config, Engine, Linker, Module, Store};

/// Runs the chase's method once and returns (seconds, gas).
fn run(engine: &Engine, module: &Module, schedule: &Schedule) -> (f64, u64) {
    let mut store = Store::new(engine, ());
    let linker = Linker::<()>::new(engine);
    let instance = linker.instantiate(&mut store, module).expect("instantiate the chase");
    let func = instance.get_func(&store, attacks::METHOD).expect("the chase's method");
    const GAS: u64 = u64::MAX / 2;
    store.set_gas(GAS);
    store.set_stack_budget(u64::from(schedule.stack.budget));
    let start = Instant::now();
    func.call(&mut store, &[], &mut []).expect("the chase runs");
    (start.elapsed().as_secs_f64(), GAS - store.gas())
}

fn main() {
    let schedule = Schedule::default();
    let engine = Engine::new(Config::default());
    let pages: Vec<u32> = std::env::args().skip(1).map(|a| a.parse().expect("a page count")).collect();
    println!("| pages | ns per load | gas per load |");
    println!("|---:|---:|---:|");
    for p in pages {
        let loads = 1u32 << 20;
        let short = instrument(&attacks::chase_loop(p, 64, loads, 7), &schedule).expect("instrument");
        let long = instrument(&attacks::chase_loop(p, 64, 3 * loads, 7), &schedule).expect("instrument");
        let short = Module::new(&engine, &short).expect("compile");
        let long = Module::new(&engine, &long).expect("compile");
        let mut per_load = Vec::new();
        let mut gas = 0;
        for _ in 0..7 {
            let (ts, gs) = run(&engine, &short, &schedule);
            let (tl, gl) = run(&engine, &long, &schedule);
            per_load.push((tl - ts) * 1e9 / f64::from(2 * loads));
            gas = (gl - gs) / u64::from(2 * loads);
        }
        per_load.sort_by(f64::total_cmp);
        println!("| {p} | {:.2} | {gas} |", per_load[per_load.len() / 2]);
    }
}
