//! Property tests over wasm-smith modules of Tally's profile: `instrument` then `verify`
//! round-trips and the output validates, under the default schedule and under random ones.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256).

use arbitrary::Unstructured;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use tally_gas_injector::{instrument, validate, verify, InjectError, OpKind, Schedule};

fn smith_config(u: &mut Unstructured<'_>) -> wasm_smith::Config {
    let knobs: u8 = u.arbitrary().unwrap_or(0);
    wasm_smith::Config {
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        custom_descriptors_enabled: false,
        tail_call_enabled: false,
        extended_const_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        max_memories: 1,
        max_tables: 3,
        allow_floats: knobs & 1 == 0,
        max_imports: if knobs & 2 == 0 { 0 } else { 10 },
        export_everything: knobs & 4 == 0,
        min_funcs: 1,
        max_funcs: 30,
        max_instructions: [20, 200, 2000][usize::from(knobs >> 3) % 3],
        max_nesting_depth: 12,
        max_type_size: 1000,
        generate_custom_sections: knobs & 64 != 0,
        ..wasm_smith::Config::default()
    }
}

fn module(data: &[u8]) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(data);
    let config = smith_config(&mut u);
    let m = wasm_smith::Module::new(config, &mut u).ok()?;
    let wasm = m.to_bytes();
    validate(&wasm).ok()?;
    Some(wasm)
}

/// A random schedule: random costs (sometimes 0, sometimes forbidden), units and sizes.
fn random_schedule(seed: &[u8]) -> Schedule {
    let mut u = Unstructured::new(seed);
    let mut s = Schedule::uniform(u.int_in_range(0..=3).unwrap_or(1));
    for _ in 0..u.int_in_range(0..=40).unwrap_or(0) {
        let op = OpKind::ALL[u.choose_index(OpKind::COUNT).unwrap_or(0)];
        let cost: Option<u64> = match u.int_in_range(0..=9).unwrap_or(0) {
            0 => None,
            1 => Some(0),
            2 => Some(u64::MAX / 4),
            _ => Some(u.int_in_range(1..=1_000_000).unwrap_or(1)),
        };
        let cost = if OpKind::CONTROL.contains(&op) { cost.map(|c| c.max(1)) } else { cost };
        s.set_cost(op, cost);
    }
    s.br_table_per_target = u.int_in_range(0..=100).unwrap_or(0);
    s.per_local = u.int_in_range(0..=100).unwrap_or(0);
    s.call_per_param = u.int_in_range(0..=100).unwrap_or(0);
    s.dynamic.memory_grow_per_page = u.int_in_range(0..=1 << 40).unwrap_or(0);
    s.dynamic.memory_fill_per_byte = u.int_in_range(0..=3).unwrap_or(0);
    s.dynamic.table_copy_per_element = u.int_in_range(0..=3).unwrap_or(0);
    s.stack.i64 = u.int_in_range(1..=4).unwrap_or(1);
    s.stack.funcref = u.int_in_range(1..=8).unwrap_or(1);
    s.stack.activation = u.int_in_range(1..=64).unwrap_or(1);
    // Drawn last, so that the other fields keep their draws from before the field existed.
    s.branch_change = match u.int_in_range(0..=2).unwrap_or(0) {
        0 => 0,
        1 => u.int_in_range(1..=20_000).unwrap_or(1),
        _ => u64::MAX,
    };
    s
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256)
}

fn run(name: &str, check: impl Fn(&[u8], &[u8]) -> Result<bool, TestCaseError>) {
    // A fixed seed unless `PROPTEST_RNG_SEED` is set: CI runs the same cases every time.
    let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x7a11_7a11);
    let config = ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let checked = std::cell::Cell::new(0u32);
    let strategy = (proptest::collection::vec(any::<u8>(), 64..16_384), proptest::collection::vec(any::<u8>(), 64));
    runner
        .run(&strategy, |(data, seed)| {
            if check(&data, &seed)? {
                checked.set(checked.get() + 1);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    eprintln!("{name}: {} modules checked", checked.get());
    assert!(checked.get() > cases() / 2, "{name}: too few modules generated");
}

#[test]
fn instrument_then_verify_round_trips() {
    run("default schedule", |data, _| {
        let Some(wasm) = module(data) else { return Ok(false) };
        let s = Schedule::default();
        let out = instrument(&wasm, &s).map_err(|e| TestCaseError::fail(format!("instrument: {e}")))?;
        validate(&out).map_err(|e| TestCaseError::fail(format!("output invalid: {e}")))?;
        verify(&wasm, &out, &s).map_err(|e| TestCaseError::fail(format!("verify: {e}")))?;
        prop_assert!(out.len() <= tally_gas_injector::max_output_size(wasm.len()));
        Ok(true)
    });
}

#[test]
fn random_schedules_round_trip_or_fail_cleanly() {
    run("random schedules", |data, seed| {
        let Some(wasm) = module(data) else { return Ok(false) };
        let s = random_schedule(seed);
        match instrument(&wasm, &s) {
            Ok(out) => {
                validate(&out).map_err(|e| TestCaseError::fail(format!("output invalid: {e}")))?;
                verify(&wasm, &out, &s).map_err(|e| TestCaseError::fail(format!("verify: {e}")))?;
                // A different schedule (almost always) does not verify.
                let other = Schedule::uniform(12345);
                prop_assert!(verify(&wasm, &out, &other).is_err() || s == other || !has_code(&wasm));
            }
            Err(InjectError::Forbidden { .. } | InjectError::CostOverflow { .. }) => {}
            Err(e) => return Err(TestCaseError::fail(format!("unexpected error: {e}"))),
        }
        Ok(true)
    });
}

fn has_code(wasm: &[u8]) -> bool {
    tally_profile::parser(tally_profile::features())
        .parse_all(wasm)
        .any(|p| matches!(p, Ok(wasmparser::Payload::CodeSectionEntry(_))))
}
