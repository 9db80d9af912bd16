//! The committed corpus, reproduced by this build (see the crate docs). One test binary for the
//! crate; CI runs it on x86-64, i686 and aarch64.

/// Every generated module's outcomes, uninstrumented and instrumented, match `corpus/bare.txt`.
#[test]
fn bare_modules_match_the_corpus() {
    match tally_determinism::check_bare() {
        Ok(cases) => assert!(cases > 500, "only {cases} bare cases"),
        Err(report) => panic!("{report}"),
    }
}

/// The contract executions match `corpus/contracts.txt`, and every record replays on a fresh
/// runtime to the committed receipt.
#[test]
fn contract_executions_match_the_corpus_and_replay() {
    match tally_determinism::check_contracts() {
        Ok(executions) => assert!(executions > 50, "only {executions} contract executions"),
        Err(report) => panic!("{report}"),
    }
}

/// Rewrites every expectation file from this build. Run on x86-64 only, after a deliberate
/// change: `cargo test -p tally-determinism --release -- --ignored regenerate`
#[test]
#[ignore = "rewrites the committed expectations; run on purpose (see the crate docs)"]
fn regenerate() {
    tally_determinism::regenerate().expect("writes the corpus files");
    println!("generated on {}", std::env::consts::ARCH);
}
