//! Every op the translator emits is in the VM's op table, so the IR listing
//! (`Module::ir_text`) names it: the listing of every function of every valid `wasm-v2` spec
//! module, as written and as instrumented by `tally-gas-injector` (which brings in the metering
//! ops and their fused forms), has no unknown op; and each survives serialization unchanged.

use std::collections::BTreeSet;

use tally_conformance::{spec_config, spec_scripts, Action, DirectiveKind, SpecVersion};
use tally_gas_injector::{instrument, Schedule};
use tally_vm::{Engine, Module};

/// The binaries of the directives that compile a module to run it.
fn module_binaries() -> Vec<Vec<u8>> {
    let mut binaries = Vec::new();
    for script in spec_scripts(SpecVersion::V2, &[]) {
        for directive in script.directives {
            match directive.kind {
                DirectiveKind::Module { wasm, .. }
                | DirectiveKind::ModuleDefinition { wasm, .. }
                | DirectiveKind::AssertUnlinkable { wasm, .. }
                | DirectiveKind::AssertTrap { action: Action::Instantiate { wasm }, .. }
                | DirectiveKind::AssertReturn { action: Action::Instantiate { wasm }, .. }
                | DirectiveKind::Action(Action::Instantiate { wasm }) => binaries.push(wasm),
                _ => {}
            }
        }
    }
    binaries
}

/// The listing of every defined function of `module`.
fn listings(module: &Module) -> Vec<String> {
    (0..).map_while(|i| module.func_type(i).map(|_| module.ir_text(i))).flatten().collect()
}

#[test]
fn every_op_of_the_spec_modules_has_a_name() {
    let engine = Engine::new(spec_config());
    let schedule = Schedule::default();
    let (mut modules, mut functions) = (0, 0);
    let mut names = BTreeSet::new();
    for wasm in module_binaries() {
        let Ok(module) = Module::new(&engine, &wasm) else { continue };
        let instrumented = instrument(&wasm, &schedule).ok().map(|out| Module::new(&engine, &out).unwrap());
        for module in [Some(module), instrumented].into_iter().flatten() {
            modules += 1;
            for text in listings(&module) {
                functions += 1;
                assert!(!text.contains("<unknown"), "an op missing from the op table:\n{text}");
                // The op name is the first word after the `index:` column.
                for line in text.lines().skip(1) {
                    if let Some(name) = line.split_once(':').and_then(|(_, rest)| rest.split_whitespace().next()) {
                        names.insert(name.to_string());
                    }
                }
            }
        }
    }
    println!("{modules} modules, {functions} functions, {} distinct ops", names.len());
    assert!(modules > 2_000 && names.len() > 250, "{modules} modules, {} ops: {names:?}", names.len());
}

/// Every valid `wasm-v2` spec module, as written and instrumented, survives
/// `Module::serialize` and `Module::deserialize` (into another engine, whose interned signature
/// ids differ) with the same IR listing, and serializes again to the same bytes.
#[test]
fn every_spec_module_round_trips_through_serialization() {
    let engine = Engine::new(spec_config());
    let other = Engine::new(spec_config());
    let schedule = Schedule::default();
    let mut modules = 0;
    for wasm in module_binaries().into_iter().rev() {
        let Ok(module) = Module::new(&engine, &wasm) else { continue };
        let instrumented = instrument(&wasm, &schedule).ok().map(|out| Module::new(&engine, &out).unwrap());
        for module in [Some(module), instrumented].into_iter().flatten() {
            modules += 1;
            let bytes = module.serialize().expect("every spec module serializes");
            // SAFETY: the bytes come straight from `serialize` in this process.
            let copy = unsafe { Module::deserialize(&other, &bytes) }.expect("and deserializes");
            assert_eq!(listings(&copy), listings(&module), "the round trip changed the code");
            assert_eq!(copy.serialize().unwrap(), bytes, "serializing the copy gives other bytes");
        }
    }
    assert!(modules > 2_000, "{modules} modules");
}
