//! Golden tests: each `tests/golden/NAME.wat` is instrumented with the golden schedule (every
//! operator costs 1, so each charge is an operator count) and must print exactly as
//! `tests/golden/NAME.out.wat`. Run with `GOLDEN_UPDATE=1` to rewrite the expectations (then
//! review the diff: the expected files are the specification by example).

mod common;

use std::path::Path;

fn golden(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let input = std::fs::read_to_string(dir.join(format!("{name}.wat"))).expect("fixture");
    let wasm = common::wat(&input);
    let out = common::check(&wasm, &common::golden_schedule());
    let printed = wasmprinter::print_bytes(&out).expect("print");
    let expected_path = dir.join(format!("{name}.out.wat"));
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&expected_path, &printed).expect("write expectation");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert!(
        printed == expected,
        "{name}: instrumented output differs from {}\n--- got ---\n{printed}",
        expected_path.display()
    );
}

macro_rules! golden_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { golden(stringify!($name)); })*
    };
}

golden_tests!(
    if_else,
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
