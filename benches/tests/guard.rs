//! The CI guard's scenario set and verdicts (`tally_benches::guard`).

use tally_benches::guard::{self, Reading, Verdict};
use tally_benches::scenarios;
use tally_benches::tpg::{Measured, Outcome, Row};

#[test]
fn guarded_scenarios_exist_run_under_the_current_limits_and_are_listed_once() {
    let all = scenarios::all();
    let mut seen = std::collections::BTreeSet::new();
    for g in guard::SCENARIOS {
        assert!(seen.insert(g.name), "{} is guarded twice", g.name);
        let scenario = all.iter().find(|s| s.name == g.name).unwrap_or_else(|| panic!("no scenario {}", g.name));
        assert!(!scenario.refused, "{} is refused at deploy: it has no ratio to guard", g.name);
    }
}

#[test]
fn a_scenario_fails_only_when_every_attempt_is_over_the_bound() {
    let over = Reading::Ratio(guard::BOUND * 1.01);
    let within = Reading::Ratio(guard::BOUND);
    assert_eq!(guard::verdict(std::slice::from_ref(&within)), Verdict::Pass);
    assert_eq!(guard::verdict(std::slice::from_ref(&over)), Verdict::Retry);
    assert_eq!(guard::verdict(&[over.clone(), within.clone()]), Verdict::Pass);
    let all_over = vec![over.clone(); guard::ATTEMPTS];
    assert_eq!(guard::verdict(&all_over[..guard::ATTEMPTS - 1]), Verdict::Retry);
    assert_eq!(guard::verdict(&all_over), Verdict::Fail);
    // A scenario that stops running stops being guarded unless that fails too.
    let broken = Reading::NotMeasured("refused: deploy: status InvalidCode".into());
    assert_eq!(guard::verdict(&vec![broken; guard::ATTEMPTS]), Verdict::Fail);
}

#[test]
fn readings_use_the_cpu_time_ratio() {
    let measured = Measured {
        gas: 1000,
        gas_varies: false,
        ns: 1.0,
        ns_per_kgas: 1.0,
        ratio: 5.0,
        cpu_ratio: 1.5,
        baseline_ns_per_kgas: 1.0,
        baseline_cpu_ns_per_kgas: 1.0,
        rounds: 21,
        memory: None,
    };
    let row = |outcome| Row { name: "x".into(), param: String::new(), outcome };
    assert_eq!(Reading::of(&row(Outcome::Measured(measured))), Reading::Ratio(1.5));
    let failed = Reading::of(&row(Outcome::Failed("timed out after 300 s".into())));
    assert_eq!(failed, Reading::NotMeasured("failed: timed out after 300 s".into()));
    assert_eq!(guard::describe(&[Reading::Ratio(3.5), Reading::Ratio(2.0)]), "3.50×, then 2.00×");
}
