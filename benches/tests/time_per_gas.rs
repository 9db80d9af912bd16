//! The time-per-gas harness's scenarios must keep building valid contracts and running as they
//! expect: every scenario and baseline runs once at tiny sizes (`Scale::Tiny`).

use tally_benches::attacks;
use tally_benches::scenarios::{self, BaselinePrograms, Scale, Scenario};
use tally_benches::tpg::{Measured, Outcome, PeakMemory, Row, Sample};
use tally_host_env::{CodeError, Params};

/// Sets `scenario` up at `scale` and runs it once.
fn run_once(scenario: &Scenario, scale: Scale) -> Result<Sample, String> {
    let mut prepared = (scenario.setup)(scale).map_err(|refused| refused.reason)?;
    (prepared.run)()
}

#[test]
fn every_scenario_runs_once_at_tiny_sizes() {
    let mut failures = Vec::new();
    for scenario in scenarios::all() {
        match run_once(&scenario, Scale::Tiny) {
            Ok(sample) => eprintln!("{}: {} gas, {:.0} ns", scenario.name, sample.gas, sample.ns),
            // Some scenarios the limits refuse at full size are still over a limit at tiny sizes.
            Err(e) if scenario.refused && e.contains("InvalidCode") => eprintln!("{}: {e}", scenario.name),
            Err(e) => failures.push(format!("{}: {e}", scenario.name)),
        }
    }
    assert!(failures.is_empty(), "scenarios failed:\n{}", failures.join("\n"));
}

#[test]
fn scenarios_marked_refused_are_refused_at_deploy_at_full_size() {
    let refused: Vec<_> = scenarios::all().into_iter().filter(|s| s.refused).collect();
    assert!(!refused.is_empty(), "no scenario is marked refused");
    for scenario in &refused {
        match run_once(scenario, Scale::Full) {
            Err(e) => assert!(e.contains("InvalidCode"), "{}: {e}", scenario.name),
            Ok(sample) => panic!("{} ran: {} gas", scenario.name, sample.gas),
        }
    }
}

#[test]
fn at_limit_builders_are_at_the_default_limits() {
    let limits = Params::default().code;
    let check = |code: &[u8]| tally_host_env::check_code(code, &limits);
    // Each pair: the module at the limit, and the same with one more of what the limit counts.
    let pairs = [
        (attacks::tables(1, limits.table_elements), attacks::tables(1, limits.table_elements + 1)),
        (attacks::globals(limits.globals), attacks::globals(limits.globals + 1)),
        (attacks::small_functions(limits.functions - 1), attacks::small_functions(limits.functions)),
        (
            attacks::locals_total(limits.locals, limits.locals_per_function),
            attacks::locals_total(limits.locals + 1, limits.locals_per_function),
        ),
        (attacks::many_locals(1, limits.locals_per_function), attacks::many_locals(1, limits.locals_per_function + 1)),
        (attacks::br_table(limits.br_table_targets), attacks::br_table(limits.br_table_targets + 1)),
        (attacks::elem_segment(limits.elem_items), attacks::elem_segment(limits.elem_items + 1)),
        (
            attacks::elem_spread(1, limits.table_elements, limits.table_elements / limits.elem_segments),
            attacks::elem_spread(1, limits.table_elements, limits.table_elements / limits.elem_segments - 1),
        ),
    ];
    for (k, (at, over)) in pairs.iter().enumerate() {
        assert!(check(at).is_ok(), "pair {k}: {:?}", check(at));
        assert!(matches!(check(over), Err(CodeError::Limit { .. })), "pair {k}: {:?}", check(over));
        tally_gas_injector::validate(at).expect("valid under Tally's profile");
    }
    let indirect = attacks::call_indirect_loop(10, limits.table_elements);
    assert!(check(&indirect).is_ok(), "{:?}", check(&indirect));
}

#[test]
fn issue_11_at_limit_builders_are_at_the_default_limits() {
    use tally_benches::attacks::{bulk, calls, operators};
    let limits = Params::default().code;
    let check = |code: &[u8]| tally_host_env::check_code(code, &limits);
    let (locals, params, results) = (limits.locals_per_function, limits.params, limits.results);
    let (segments, elem_segments, elements) = (limits.data_segments, limits.elem_segments, limits.table_elements);
    // Each pair: the module at the limit, and the same with one more of what the limit counts.
    let pairs = [
        (operators::global_chain(1, limits.globals), operators::global_chain(1, limits.globals + 1)),
        (operators::local_chain(1, locals), operators::local_chain(1, locals + 1)),
        (calls::call_locals(16, locals), calls::call_locals(16, locals + 1)),
        (calls::call_params(16, params), calls::call_params(16, params + 1)),
        (calls::call_results(16, results), calls::call_results(16, results + 1)),
        (bulk::data_drop_all(segments, 1), bulk::data_drop_all(segments + 1, 1)),
        (bulk::elem_drop_all(elem_segments, 1), bulk::elem_drop_all(elem_segments + 1, 1)),
        (bulk::table_init(limits.elem_items, 1, 1), bulk::table_init(limits.elem_items + 1, 1, 1)),
        (bulk::table_fill(elements, 0, elements, 1), bulk::table_fill(elements + 1, 0, 1, 1)),
    ];
    for (k, (at, over)) in pairs.iter().enumerate() {
        assert!(check(at).is_ok(), "pair {k}: {:?}", check(at));
        assert!(matches!(check(over), Err(CodeError::Limit { .. })), "pair {k}: {:?}", check(over));
        tally_gas_injector::validate(at).expect("valid under Tally's profile");
    }
}

#[test]
fn recursion_at_limit_finds_the_deepest_recursion_and_runs_it() {
    let scenario = scenarios::all().into_iter().find(|s| s.name == "recursion-at-limit").expect("the scenario");
    let mut prepared = (scenario.setup)(Scale::Quick).map_err(|r| r.reason).expect("setup");
    // The setup found a depth that runs and one more that runs out of stack.
    assert!(prepared.param.contains("calls deep"), "{}", prepared.param);
    (prepared.run)().expect("runs to the end");
}

#[test]
fn every_group_is_named_and_scenarios_come_in_group_order() {
    let all = scenarios::all();
    for s in &all {
        assert!(!scenarios::group_name(s.group).is_empty(), "{}: group {}", s.name, s.group);
    }
    assert!(all.windows(2).all(|w| w[0].group <= w[1].group));
    assert_eq!(all.last().map(|s| s.group), scenarios::GROUPS.last().map(|g| g.0));
}

#[test]
fn scenario_names_are_unique() {
    let mut names: Vec<_> = scenarios::all().iter().map(|s| s.name).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n);
}

#[test]
fn arithmetic_baseline_uses_gas() {
    let mut set = scenarios::baselines(Scale::Tiny, BaselinePrograms::default()).expect("baselines");
    assert_eq!(set.len(), 1);
    let sample = (set[0].run)().expect("arithmetic loop");
    assert!(sample.gas > 100 * 1000, "{} gas", sample.gas);
}

/// Builds the SDK's example token (the `wasm32-unknown-unknown` target must be installed).
#[test]
fn token_baselines_transfer_on_both_backends() {
    let token = scenarios::token_wasm().expect("build the example token for wasm32");
    let programs = BaselinePrograms { guests: None, token: Some(&token) };
    let mut set = scenarios::baselines(Scale::Tiny, programs).expect("baselines");
    let names: Vec<_> = set.iter().map(|b| b.name.clone()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for baseline in &mut set[1..] {
        assert!(baseline.name.starts_with("token-transfer("), "{}", baseline.name);
        (baseline.run)().expect("first transfer");
        let second = (baseline.run)().expect("second transfer");
        let third = (baseline.run)().expect("third transfer");
        // A transfer loads the token's code (over 10 KB), runs it and writes two balances; from
        // the second run on, both balances exist and every run costs the same.
        assert!(second.gas > 100_000_000, "{}: {} gas", baseline.name, second.gas);
        assert_eq!(second.gas, third.gas, "{}", baseline.name);
    }
}

#[test]
fn builders_fit_and_validate() {
    let max = 4096;
    let n = attacks::largest_fitting(1, 100_000, max, attacks::globals);
    assert!(attacks::globals(n).len() <= max && attacks::globals(n + 1).len() > max, "{n}");
    for code in [
        attacks::globals(n),
        attacks::with_nonce(&attacks::nop(), 7),
        attacks::many_locals(3, 50_000),
        attacks::small_functions(3),
        attacks::br_table(10),
        attacks::elem_spread(3, 2048, 512),
        attacks::caller(&[1; 32], "run"),
        attacks::locals_total(2500, 1000),
        attacks::br_tables(5, 2, 100),
        attacks::add_chain(3, attacks::SUBNORMAL),
        attacks::mul_chain(3, attacks::SUBNORMAL),
        attacks::f32_div_chain(3, attacks::F32_SUBNORMAL),
        attacks::f32_sqrt_sum(3, attacks::F32_SUBNORMAL),
        attacks::float_mix(3),
        attacks::underflow_chain(3, attacks::Shrink::Div, attacks::UNDERFLOW_EXPONENT),
        attacks::underflow_chain(3, attacks::Shrink::Mul, attacks::NORMAL_EXPONENT),
        attacks::i64_div_chain(3),
    ] {
        tally_gas_injector::validate(&code).expect("valid under Tally's profile");
    }
    assert_ne!(attacks::with_nonce(&attacks::nop(), 1), attacks::with_nonce(&attacks::nop(), 2));
}

#[test]
fn rows_round_trip_through_json() {
    let measured = Measured {
        gas: 500,
        gas_varies: false,
        ns: 1234.5,
        cpu_ratio: 3000.5,
        baseline_cpu_ns_per_kgas: 0.5,
        ns_per_kgas: 2469.0,
        ratio: 4000.25,
        baseline_ns_per_kgas: 0.6,
        rounds: 7,
        memory: Some(PeakMemory { peak_kib: 40_000, delta_kib: 100, reset: true }),
    };
    for outcome in [Outcome::Measured(measured), Outcome::Refused("no".into()), Outcome::Failed("crash".into())] {
        let row = Row { name: "1. x".into(), param: "size".into(), outcome };
        assert_eq!(Row::from_json(&row.to_json()), Some(row));
    }
}
