//! Engine independence (issue 3 §5): an instrumented module run on wasmi 2 — with `tally.gas`,
//! `tally.gas_len`, `tally.stack_enter`, `tally.stack_leave` and `tally.branch` as ordinary host
//! functions over the reference `Meter` and `BranchSites` (`tally-profile`) — ends exactly as on
//! tally-vm, which runs the same imports as intrinsics: same results (bit for bit), same trap
//! kind, same gas left, same exported state.
//!
//! - `handwritten_modules_agree_at_every_gas_limit`: hand-written modules covering every kind of
//!   region boundary and dynamic charge, each call repeated at a sweep of gas limits (0, 1, every
//!   limit around the full cost, and evenly spaced limits in between) so out-of-gas is hit at
//!   many different region tops and length charges.
//! - `random_modules_agree`: proptest + wasm-smith modules in Tally's profile, instrumented with
//!   one of three schedules, every export called twice with random arguments and gas limits.
//!   Non-terminating code stops by running out of gas. `PROPTEST_CASES` overrides the count.

use crate::gas_common;
use crate::smith_profile;

use arbitrary::Unstructured;
use gas_common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use tally_gas_injector::{Schedule, StackCosts};
use tally_vm::TrapCode;

/// Default number of random modules (keeps the test well under 60 s in release).
const DEFAULT_CASES: u32 = 400;

/// A schedule where every cost is distinct-ish, so a wrong region boundary changes the total.
fn odd_schedule() -> Schedule {
    let mut s = Schedule::uniform(3);
    s.br_table_per_target = 7;
    s.branch_change = 29;
    s.per_local = 11;
    s.dynamic.memory_grow_per_page = 1009;
    s.dynamic.memory_init_per_byte = 2;
    s.dynamic.memory_copy_per_byte = 3;
    s.dynamic.memory_fill_per_byte = 5;
    s.dynamic.table_grow_per_element = 13;
    s.dynamic.table_init_per_element = 17;
    s.dynamic.table_copy_per_element = 19;
    s.dynamic.table_fill_per_element = 23;
    s.stack = StackCosts { budget: 1 << 14, activation: 9, i32: 1, i64: 2, f32: 1, f64: 2, funcref: 3, externref: 3 };
    s
}

fn schedules() -> [Schedule; 3] {
    [Schedule::default(), odd_schedule(), Schedule::uniform(1)]
}

const HANDWRITTEN: &str = r#"(module
  (type $ii (func (param i32) (result i32)))
  (memory (export "mem") 1 4)
  (table $t (export "tab") 4 8 funcref)
  (global $g (export "g") (mut i32) (i32.const 0))
  (data $d "hello, world")
  (elem $e func $fib $sum)
  (elem (table $t) (i32.const 0) func $fib $sum)

  (func $sum (export "sum") (type $ii) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set $acc (i32.add (local.get $acc) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get $acc))

  (func $fib (export "fib") (type $ii)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))

  (func (export "switch") (param i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30))

  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect $t (type $ii) (local.get 1) (local.get 0)))

  (func (export "fill") (param i32 i32)
    (memory.fill (local.get 0) (i32.const 0xab) (local.get 1)))
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32)
    (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "grow_loop") (param i32)
    (loop $l
      (drop (memory.grow (i32.const 0)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "tgrow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "tfill") (param i32 i32)
    (table.fill $t (local.get 0) (ref.func $fib) (local.get 1)))
  (func (export "tcopy") (param i32 i32 i32)
    (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tinit") (param i32 i32 i32)
    (table.init $t $e (local.get 0) (local.get 1) (local.get 2)))

  (func (export "spin") (param i32)
    (loop $l
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (br_if $l (local.get 0))))

  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))
      (else (i32.const 0))))

  (func (export "div") (param i32 i32) (result i32)
    (i32.store (i32.const 100) (local.get 0))
    (i32.div_s (local.get 0) (local.get 1)))

  (func (export "floats") (param f64 f32) (result f64)
    (f64.add (f64.sqrt (local.get 0)) (f64.promote_f32 (f32.mul (local.get 1) (local.get 1)))))

  (func (export "multi") (param i64) (result i64 i32)
    (local.get 0)
    (block (param i64) (result i64 i32)
      (i32.wrap_i64 (local.get 0))
      (br_if 0 (i32.const 1)))))
"#;

fn calls() -> Vec<(&'static str, Vec<Norm>)> {
    use Norm::*;
    vec![
        ("sum", vec![I32(0)]),
        ("sum", vec![I32(100)]),
        ("fib", vec![I32(12)]),
        ("switch", vec![I32(0)]),
        ("switch", vec![I32(1)]),
        ("switch", vec![I32(2)]),
        ("switch", vec![I32(-1)]),
        ("indirect", vec![I32(0), I32(10)]),
        ("indirect", vec![I32(1), I32(10)]),
        ("indirect", vec![I32(3), I32(1)]),
        ("indirect", vec![I32(9), I32(1)]),
        ("fill", vec![I32(10), I32(100)]),
        ("fill", vec![I32(65000), I32(1000)]),
        ("fill", vec![I32(0), I32(0)]),
        ("copy", vec![I32(200), I32(10), I32(50)]),
        ("copy", vec![I32(200), I32(10), I32(-1)]),
        ("init", vec![I32(300), I32(0), I32(12)]),
        ("init", vec![I32(300), I32(0), I32(13)]),
        ("grow", vec![I32(1)]),
        ("grow", vec![I32(10)]),
        ("grow", vec![I32(0)]),
        // Deeper than a default test thread's stack holds on wasmi (one native frame per grow).
        ("grow_loop", vec![I32(50_000)]),
        ("tgrow", vec![I32(2)]),
        ("tgrow", vec![I32(100)]),
        ("tfill", vec![I32(0), I32(4)]),
        ("tfill", vec![I32(5), I32(100)]),
        ("tcopy", vec![I32(2), I32(0), I32(2)]),
        ("tinit", vec![I32(0), I32(0), I32(2)]),
        ("tinit", vec![I32(0), I32(1), I32(2)]),
        ("spin", vec![I32(1)]),
        ("deep", vec![I32(100)]),
        ("deep", vec![I32(100_000)]),
        ("div", vec![I32(7), I32(2)]),
        ("div", vec![I32(7), I32(0)]),
        ("div", vec![I32(i32::MIN), I32(-1)]),
        ("floats", vec![F64(2f64.to_bits()), F32(1.5f32.to_bits())]),
        ("floats", vec![F64((-1f64).to_bits()), F32(0)]),
        ("multi", vec![I64(0x1_0000_0007)]),
    ]
}

/// Gas limits around and below `full` (the cost of an unlimited run).
fn sweep(full: u64) -> Vec<u64> {
    let mut v = vec![0, 1, full.saturating_sub(1), full, full + 1];
    for k in 1..40 {
        v.push(full / 40 * k);
    }
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn handwritten_modules_agree_at_every_gas_limit() {
    smith_profile::on_large_stack(handwritten_modules_agree_here)
}

fn handwritten_modules_agree_here() {
    let wasm = wat(HANDWRITTEN);
    let (mut compared, mut out_of_gas, mut endings) = (0usize, 0usize, std::collections::BTreeSet::new());
    // A limit per schedule that every terminating call stays under ("spin" never ends).
    let limits = [1_000_000_000u64, 6_000_000, 2_000_000];
    for (schedule, big) in schedules().into_iter().zip(limits) {
        let out = instrumented(&wasm, &schedule);
        let budget = schedule.stack.budget;
        for (name, args) in calls() {
            let full = run_both(&out, budget, u64::MAX, &[(name, args.clone(), big)])
                .unwrap_or_else(|e| panic!("{e}"))
                .pop()
                .unwrap();
            let full_used = full.used(big);
            assert!(full_used > 0, "{name}: nothing charged");
            endings.insert(format!("{:?}", full.ending).chars().take(30).collect::<String>());
            for gas in sweep(full_used) {
                let run = run_both(&out, budget, u64::MAX, &[(name, args.clone(), gas)])
                    .unwrap_or_else(|e| panic!("schedule {:?}: {e}", schedule.per_local))
                    .pop()
                    .unwrap();
                compared += 1;
                if gas < full_used || full.ending == Ending::Trapped(TrapCode::OutOfGas) {
                    assert_eq!(run.ending, Ending::Trapped(TrapCode::OutOfGas), "{name} with {gas} < {full_used}");
                    assert_eq!(run.gas_left, 0);
                    out_of_gas += 1;
                } else {
                    assert_eq!(run, Run { ending: full.ending.clone(), gas_left: gas - full_used }, "{name}");
                }
            }
        }
    }
    eprintln!("handwritten: {compared} runs compared, {out_of_gas} out of gas; endings {endings:?}");
    assert!(compared > 3000 && out_of_gas > 1000);
    // Every interesting ending is exercised.
    let all = format!("{endings:?}");
    for want in ["DivisionByZero", "IntegerOverflow", "MemoryOutOfBounds", "TableOutOfBounds", "IndirectCallToNull"] {
        assert!(all.contains(want), "{want} not reached: {all}");
    }
    assert!(all.contains("StackExhausted") && all.contains("OutOfGas"), "{all}");
}

/// A start function that charges and can run out of gas during instantiation.
#[test]
fn start_function_gas_agrees() {
    let wasm = wat(r#"(module (global $g (export "g") (mut i32) (i32.const 0))
             (func $s (local i32)
               (loop $l (global.set $g (i32.add (global.get $g) (i32.const 1)))
                        (br_if $l (i32.lt_u (global.get $g) (i32.const 50)))))
             (start $s))"#);
    for schedule in schedules() {
        let out = instrumented(&wasm, &schedule);
        let full = TallyVm::new(&out, 1 << 40, 1 << 20).map(|vm| (1u64 << 40) - vm.gas()).unwrap();
        assert!(full > 50);
        for gas in sweep(full) {
            let runs = run_both(&out, schedule.stack.budget, gas, &[]).unwrap_or_else(|e| panic!("{e}"));
            if gas < full {
                assert_eq!(runs, vec![Run { ending: Ending::Trapped(TrapCode::OutOfGas), gas_left: 0 }]);
            } else {
                assert!(runs.is_empty());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// wasm-smith

fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_funcs: 12,
        max_instructions: 150,
        max_types: 20,
        max_globals: 10,
        max_data_segments: 5,
        max_element_segments: 5,
        max_elements: 30,
        max_exports: 40,
        max_memory32_bytes: 16 * 65536,
        max_table_elements: 1000,
        max_nesting_depth: 8,
        ..smith_profile::profile_config()
    }
}

/// Gas per call. The largest bounds the native stack wasmi needs for a loop of grows (see
/// [`smith_profile::WASMI_THREAD_STACK`]): at ≥ 5 gas per iteration, ≤ 2M frames of ~180 bytes.
const GAS_CHOICES: [u64; 5] = [0, 5_000, 200_000, 3_000_000, 10_000_000];

#[derive(Default, Debug)]
struct Stats {
    modules: u32,
    hazard_skips: u32,
    calls: u32,
    endings: std::collections::BTreeMap<String, u32>,
}

fn check_data(data: &[u8], stats: &mut Stats) -> Result<(), String> {
    let mut u = Unstructured::new(data);
    let knobs: u8 = u.arbitrary().unwrap_or(0);
    let mut config = smith_config();
    config.disallow_traps = knobs & 3 == 0;
    config.allow_floats = knobs & 4 != 0;
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else { return Ok(()) };
    let wasm = module.to_bytes();
    if let Ok(path) = std::env::var("TALLY_GAS_DUMP") {
        let _ = std::fs::write(path, &wasm);
    }
    let schedule = &schedules()[usize::from(knobs >> 3) % 3];
    let out = match tally_gas_injector::instrument(&wasm, schedule) {
        Ok(out) => out,
        Err(e) => return Err(format!("instrument rejected a profile module: {e}")),
    };
    tally_gas_injector::validate(&out).map_err(|e| format!("invalid output: {e}"))?;
    tally_gas_injector::verify(&wasm, &out, schedule).map_err(|e| format!("verify: {e}"))?;
    stats.modules += 1;

    // Exports and their parameter types, from tally-vm's view of the module.
    let engine = tally_engine();
    let m = tally_vm::Module::new(&engine, &out).map_err(|e| format!("tally-vm rejects: {e}"))?;
    let mut calls = Vec::new();
    for _round in 0..2 {
        for e in m.exports() {
            let tally_vm::ExternType::Func(ty) = e.ty() else { continue };
            let args: Vec<Norm> = ty
                .params()
                .iter()
                .map(|t| match t {
                    tally_vm::ValType::I32 => Norm::I32(u.arbitrary().unwrap_or(0)),
                    tally_vm::ValType::I64 => Norm::I64(u.arbitrary().unwrap_or(0)),
                    tally_vm::ValType::F32 => Norm::F32(u.arbitrary().unwrap_or(0)),
                    tally_vm::ValType::F64 => Norm::F64(u.arbitrary().unwrap_or(0)),
                    other => zero_of(other),
                })
                .collect();
            let gas = GAS_CHOICES[usize::from(u.arbitrary::<u8>().unwrap_or(0)) % GAS_CHOICES.len()];
            calls.push((e.name().to_string(), args, gas));
        }
    }
    let start_gas = GAS_CHOICES[usize::from(knobs >> 5) % GAS_CHOICES.len()].max(5_000);
    let borrowed: Vec<(&str, Vec<Norm>, u64)> = calls.iter().map(|(n, a, g)| (n.as_str(), a.clone(), *g)).collect();
    match run_both(&out, schedule.stack.budget, start_gas, &borrowed) {
        Ok(runs) => {
            for r in runs {
                stats.calls += 1;
                let key = match r.ending {
                    Ending::Returned(_) => "returned".to_string(),
                    Ending::Trapped(c) => c.name().to_string(),
                };
                *stats.endings.entry(key).or_default() += 1;
            }
            Ok(())
        }
        Err(_) if smith_profile::has_wasmi_select_hazard(&wasm) => {
            stats.hazard_skips += 1;
            Ok(())
        }
        Err(e) => {
            let path = std::env::temp_dir().join(format!("tally-gas-engines-{}.wasm", wasm.len()));
            let _ = std::fs::write(&path, &wasm);
            Err(format!("{e}\n  original module: {}", path.display()))
        }
    }
}

#[test]
fn random_modules_agree() {
    smith_profile::on_large_stack(random_modules_agree_here)
}

fn random_modules_agree_here() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_CASES);
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 500,
        rng_seed: smith_profile::rng_seed(),
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let stats = std::cell::RefCell::new(Stats::default());
    let result = runner.run(&proptest::collection::vec(any::<u8>(), 0..6000), |data| {
        check_data(&data, &mut stats.borrow_mut()).map_err(TestCaseError::fail)
    });
    let stats = stats.into_inner();
    eprintln!("engine independence: {stats:?}");
    if let Err(e) = result {
        panic!("tally-vm and wasmi disagree on an instrumented module: {e}");
    }
    assert!(stats.modules > cases / 2, "{stats:?}");
    assert!(stats.endings.get("returned").copied().unwrap_or(0) > 0, "{stats:?}");
    assert!(stats.endings.get("out_of_gas").copied().unwrap_or(0) > 0, "{stats:?}");
}

/// SplitMix64 bytes, so a survey case is named by its seed alone.
fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// Seeded cases `survey` checks when `TALLY_GAS_SURVEY` does not say.
const SURVEY_CASES: u64 = 5_000;

/// Survey mode: checks `TALLY_GAS_SURVEY` seeded cases (default [`SURVEY_CASES`], from
/// `TALLY_GAS_SEED`, default 0), printing each seed before it runs so a crash names its case.
///
/// `TALLY_GAS_SURVEY=20000 cargo test -p tally-vm --release --test vm gas_engines::survey -- --ignored`
#[test]
#[ignore = "long campaign: cargo test -p tally-vm --release --test vm gas_engines::survey -- --ignored"]
fn survey() {
    smith_profile::on_large_stack(survey_here)
}

fn survey_here() {
    let count = smith_profile::env_u64("TALLY_GAS_SURVEY").unwrap_or(SURVEY_CASES);
    let start = smith_profile::env_u64("TALLY_GAS_SEED").unwrap_or(0);
    let mut stats = Stats::default();
    let mut failures = Vec::new();
    for seed in start..start + count {
        eprintln!("seed {seed}");
        let len = (seed.wrapping_mul(7919) % 6000) as usize;
        if let Err(msg) = check_data(&seeded_bytes(seed, len), &mut stats) {
            failures.push(format!("seed {seed}: {msg}"));
        }
    }
    eprintln!("survey: {stats:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
