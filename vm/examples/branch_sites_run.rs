//! Measurement helper for `tally.branch` sites (not part of the product): instruments a module
//! with the default schedule, or with its `branch_change` set to `SITE_COST` (0: no sites; the
//! injector puts `i32.const s; i64.const branch_change; call 4` before every live `br_if` and
//! `if`), and runs one export with one integer argument, printing its result and the gas used.
//! For instruction counts under callgrind, paired with and without sites.
//!
//! `cargo run --release -p tally-vm --example branch_sites_run -- FILE.wasm EXPORT ARG [SITE_COST]`

use tally_vm::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).unwrap();
    let bytes = if args[1].ends_with(".wat") { wat::parse_bytes(&bytes).unwrap().into_owned() } else { bytes };
    let mut schedule = tally_gas_injector::Schedule::default();
    if let Some(cost) = args.get(4) {
        schedule.branch_change = cost.parse().unwrap();
    }
    let wasm = tally_gas_injector::instrument(&bytes, &schedule).unwrap();
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_gas(u64::MAX / 2);
    store.set_stack_budget(u64::from(schedule.stack.budget));
    let instance = Linker::<()>::new(&engine).instantiate(&mut store, &module).unwrap();
    let func = instance.get_func(&store, &args[2]).unwrap();
    let ty = func.ty(&store);
    let arg: i64 = args[3].parse().unwrap();
    let params: Vec<Val> =
        ty.params().iter().map(|t| if *t == ValType::I64 { Val::I64(arg) } else { Val::I32(arg as i32) }).collect();
    let mut results = vec![Val::I32(0); ty.results().len()];
    let outcome = func.call(&mut store, &params, &mut results);
    println!("{outcome:?} {results:?} gas used {}", u64::MAX / 2 - store.gas());
}
