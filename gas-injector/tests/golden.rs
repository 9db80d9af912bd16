//! Golden tests: each `tests/golden/NAME.wat` is instrumented with the golden schedule (every
//! operator costs 1, so each charge is an operator count) and must print exactly as
//! `tests/golden/NAME.out.wat`. After a deliberate change, rewrite the expectations with
//! `cargo test -p tally-gas-injector --release --test gas_injector -- --ignored --exact golden::regenerate_golden_outputs`
//! and review the diff: the expected files are the specification by example.

use crate::common;

use std::path::Path;

/// The printed instrumentation of `tests/golden/NAME.wat`, and the path of its expectation.
fn instrumented(name: &str) -> (String, std::path::PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let input = std::fs::read_to_string(dir.join(format!("{name}.wat"))).expect("fixture");
    let wasm = common::wat(&input);
    let out = common::check(&wasm, &common::golden_schedule());
    (wasmprinter::print_bytes(&out).expect("print"), dir.join(format!("{name}.out.wat")))
}

fn golden(name: &str) {
    let (printed, expected_path) = instrumented(name);
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert!(
        printed == expected,
        "{name}: instrumented output differs from {} (after a deliberate change: {REGENERATE})\n--- got ---\n{printed}",
        expected_path.display()
    );
}

/// How to rewrite the expectations.
const REGENERATE: &str =
    "cargo test -p tally-gas-injector --release --test gas_injector -- --ignored --exact golden::regenerate_golden_outputs";

macro_rules! golden_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { golden(stringify!($name)); })*

        /// The golden inputs, each with a test above.
        const GOLDEN: &[&str] = &[$(stringify!($name)),*];
    };
}

/// Rewrites every `tests/golden/NAME.out.wat` from this build; the diff is the change to review.
#[test]
#[ignore = "rewrites the expectations; run by hand after a deliberate change (see the module doc)"]
fn regenerate_golden_outputs() {
    for name in GOLDEN {
        let (printed, path) = instrumented(name);
        std::fs::write(&path, printed).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        println!("wrote {}", path.display());
    }
}

/// Every `tests/golden/*.wat` input has its test (a new fixture without one would go unchecked).
#[test]
fn every_golden_input_is_tested() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut inputs: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/golden")
        .filter_map(|e| e.expect("entry").file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".wat").filter(|s| !s.ends_with(".out")).map(str::to_string))
        .collect();
    inputs.sort();
    let mut tested: Vec<String> = GOLDEN.iter().map(|s| s.to_string()).collect();
    tested.sort();
    assert_eq!(inputs, tested, "tests/golden/*.wat and the golden_tests! list differ");
}

golden_tests!(
    if_else,
    branch_sites,
    calls,
    br_if,
    br_table,
    nested_loops,
    return_,
    start,
    memory_grow,
    bulk,
    multi_value,
    tables,
    locals,
    names,
    memory_access,
);
