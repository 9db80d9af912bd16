//! The time-per-gas harness's scenarios must keep building valid contracts and running as they
//! expect: every scenario and baseline runs once at tiny sizes (`Scale::Tiny`).

use tally_benches::attacks;
use tally_benches::scenarios::{self, Scale};
use tally_benches::tpg::{Measured, Outcome, PeakMemory, Row};

#[test]
fn every_scenario_runs_once_at_tiny_sizes() {
    let mut failures = Vec::new();
    for scenario in scenarios::all() {
        let result = (scenario.setup)(Scale::Tiny).and_then(|mut prepared| (prepared.run)());
        match result {
            Ok(sample) => eprintln!("{}: {} gas, {:.0} ns", scenario.name, sample.gas, sample.ns),
            Err(e) => failures.push(format!("{}: {e}", scenario.name)),
        }
    }
    assert!(failures.is_empty(), "scenarios failed:\n{}", failures.join("\n"));
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
    let mut set = scenarios::baselines(Scale::Tiny, None).expect("baselines");
    assert_eq!(set.len(), 1);
    let sample = (set[0].run)().expect("arithmetic loop");
    assert!(sample.gas > 100 * 1000, "{} gas", sample.gas);
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
