//! Real compiled crates (`guests/crates`: SHA-256, BLAKE3, ed25519-dalek, k256, serde_json,
//! miniz_oxide, regex, parity-scale-codec, primitive-types), built for `wasm32-unknown-unknown`
//! at test time by `tally_guests::build`, run on tally-vm and on wasmi 2.
//!
//! Each export checks its own answer (known answers, signatures that must verify and tampered
//! ones that must not, round trips) and traps if it is wrong, so a run that returns is a run
//! whose crypto and parsing were computed correctly. On top of that:
//! - uninstrumented, tally-vm and wasmi return the same checksum;
//! - instrumented with the default schedule, the two engines (tally's intrinsics, wasmi with the
//!   reference meter as host functions) agree on the result, the gas left and the final memory;
//! - with a gas limit below what a call needs, both run out of gas at the same point.
//!
//! Needs the wasm target: `rustup target add wasm32-unknown-unknown`. The first build of the
//! crates takes about a minute.

use tally_gas_injector::Schedule;
use tally_vm::{Config, Engine, Linker, Module, Store};

use crate::gas_common::{instrumented, run_both, Ending, Norm};

/// Each export with a small size: the whole file runs in a few seconds on a release build.
const CALLS: [(&str, i32); 9] = [
    ("sha256", 20),
    ("blake3", 20),
    ("ed25519", 1),
    ("secp256k1", 1),
    ("json", 20),
    ("deflate", 4),
    ("regex", 50),
    ("scale", 200),
    ("u256", 200),
];

fn crates_wasm() -> Vec<u8> {
    tally_guests::build::crates_wasm_bytes().unwrap_or_else(|err| panic!("{err}"))
}

/// Runs `export(arg)` uninstrumented on tally-vm.
fn tally_plain(module: &Module, engine: &Engine, export: &str, arg: i32) -> i64 {
    let mut store = Store::new(engine, ());
    let instance = Linker::<()>::new(engine).instantiate(&mut store, module).expect("tally instantiates the crates");
    let func = instance.get_typed_func::<i32, i64>(&store, export).unwrap_or_else(|e| panic!("{export}: {e}"));
    func.call(&mut store, arg).unwrap_or_else(|e| panic!("tally: {export}({arg}) failed: {e}"))
}

/// Runs `export(arg)` uninstrumented on wasmi 2.
fn wasmi_plain(module: &wasmi::Module, engine: &wasmi::Engine, export: &str, arg: i32) -> i64 {
    let mut store = wasmi::Store::new(engine, ());
    let instance = wasmi::Linker::<()>::new(engine)
        .instantiate_and_start(&mut store, module)
        .expect("wasmi instantiates the crates");
    let func = instance.get_typed_func::<i32, i64>(&store, export).unwrap_or_else(|e| panic!("{export}: {e}"));
    func.call(&mut store, arg).unwrap_or_else(|e| panic!("wasmi: {export}({arg}) failed: {e}"))
}

#[test]
fn every_crate_export_is_present_and_nothing_is_imported() {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &crates_wasm()).expect("tally compiles the crates");
    assert!(module.imports().is_empty(), "the crates module must import nothing");
    let names: Vec<String> = module.exports().iter().map(|e| e.name().to_string()).collect();
    for export in tally_guests::build::CRATE_EXPORTS {
        assert!(names.iter().any(|n| n == export), "missing export {export}: {names:?}");
    }
    assert_eq!(CALLS.map(|(name, _)| name), tally_guests::build::CRATE_EXPORTS, "every export is tested");
}

#[test]
fn uninstrumented_crates_agree_with_wasmi() {
    let wasm = crates_wasm();
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &wasm).expect("tally compiles the crates");
    let wasmi_engine = wasmi::Engine::default();
    let wasmi_module = wasmi::Module::new(&wasmi_engine, &wasm[..]).expect("wasmi compiles the crates");
    for (export, arg) in CALLS {
        let ours = tally_plain(&module, &engine, export, arg);
        let theirs = wasmi_plain(&wasmi_module, &wasmi_engine, export, arg);
        assert_eq!(ours, theirs, "{export}({arg})");
        // A different size gives a different answer: the checksum covers the work.
        assert_ne!(tally_plain(&module, &engine, export, arg + 1), ours, "{export}({}) vs ({arg})", arg + 1);
    }
}

#[test]
fn instrumented_crates_charge_the_same_gas_on_both_engines() {
    let wasm = crates_wasm();
    let schedule = Schedule::default();
    let out = instrumented(&wasm, &schedule);
    let engine = Engine::new(Config::default());
    let plain = Module::new(&engine, &wasm).expect("tally compiles the crates");
    const GAS: u64 = 1 << 50;
    for (export, arg) in CALLS {
        let runs = run_both(&out, schedule.stack.budget, GAS, &[(export, vec![Norm::I32(arg)], GAS)])
            .unwrap_or_else(|e| panic!("{export}({arg}): {e}"));
        let run = &runs[0];
        let expected = tally_plain(&plain, &engine, export, arg);
        assert_eq!(run.ending, Ending::Returned(vec![Norm::I64(expected)]), "{export}({arg}) metered");
        let used = run.used(GAS);
        assert!(used > 1_000_000, "{export}({arg}) used only {used} gas");
        // Out of gas two thirds of the way through: both engines stop at the same charge.
        let short = used * 2 / 3;
        let runs = run_both(&out, schedule.stack.budget, GAS, &[(export, vec![Norm::I32(arg)], short)])
            .unwrap_or_else(|e| panic!("{export}({arg}) with {short} gas: {e}"));
        assert!(
            matches!(runs[0].ending, Ending::Trapped(tally_vm::TrapCode::OutOfGas)),
            "{export}({arg}) with {short} of {used} gas: {:?}",
            runs[0].ending
        );
    }
}

#[test]
fn sizes_clamp_to_one_and_every_export_answers_differently() {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &crates_wasm()).expect("tally compiles the crates");
    let mut seen = Vec::new();
    for (export, _) in CALLS {
        let value = tally_plain(&module, &engine, export, 0);
        assert_eq!(value, tally_plain(&module, &engine, export, -5), "{export}: sizes below 1 clamp to 1");
        assert_eq!(value, tally_plain(&module, &engine, export, 1), "{export}: sizes below 1 clamp to 1");
        assert!(!seen.contains(&value), "{export}(1) = {value} repeats another export's checksum");
        seen.push(value);
    }
}
