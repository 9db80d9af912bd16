//! The module the `inject/*` benchmarks use must be accepted by both instrumenters, and the
//! instrumented guests must compute what the originals do on tally-vm.

use tally_benches::bigmodule::{big_module, BigModuleConfig};
use tally_gas_injector::Schedule;
use wasm_instrument::gas_metering::{self, host_function, ConstantCostRules};
use wasm_instrument::parity_wasm;

#[test]
fn mvp_big_module_is_accepted_by_both_instrumenters() {
    let wasm = big_module(&BigModuleConfig { target_code_bytes: 50_000, floats: false, ..Default::default() });
    let schedule = Schedule::default();
    let ours = tally_gas_injector::instrument(&wasm, &schedule).unwrap();
    tally_gas_injector::validate(&ours).unwrap();
    tally_gas_injector::verify(&wasm, &ours, &schedule).unwrap();

    let module: parity_wasm::elements::Module = parity_wasm::deserialize_buffer(&wasm).unwrap();
    let module =
        gas_metering::inject(module, host_function::Injector::new("env", "gas"), &ConstantCostRules::default())
            .unwrap_or_else(|_| panic!("wasm-instrument gas metering failed"));
    let module = wasm_instrument::inject_stack_limiter(module, 1 << 16).unwrap();
    let theirs = parity_wasm::serialize(module).unwrap();
    wasmparser::Validator::new().validate_all(&theirs).unwrap();
}

#[test]
fn instrumented_guests_compute_the_same_results() {
    let wasm = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");
    let schedule = Schedule::default();
    let metered = tally_gas_injector::instrument(&wasm, &schedule).unwrap();
    let engine = tally_vm::Engine::default();
    let run = |bytes: &[u8], name: &str, arg: i32, gas: Option<u64>| {
        let module = tally_vm::Module::new(&engine, bytes).unwrap();
        let mut store = tally_vm::Store::new(&engine, ());
        if let Some(gas) = gas {
            store.set_gas(gas);
            store.set_stack_budget(u64::from(schedule.stack.budget));
        }
        let instance = tally_vm::Linker::<()>::new(&engine).instantiate(&mut store, &module).unwrap();
        let func = instance.get_func(&store, name).unwrap();
        let mut results = [tally_vm::Val::I32(0)];
        func.call(&mut store, &[tally_vm::Val::I32(arg)], &mut results).unwrap();
        (results[0], store.gas())
    };
    for (name, arg) in [("fib", 15), ("sieve", 1000), ("keccak", 2), ("matmul", 8), ("ledger", 100)] {
        let (plain, _) = run(&wasm, name, arg, None);
        let (result, left) = run(&metered, name, arg, Some(1 << 40));
        assert_eq!(plain, result, "{name}({arg})");
        assert!(left < 1 << 40, "{name} charged gas");
    }
}
