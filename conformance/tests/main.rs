//! The conformance crate's integration tests, one binary (`cargo test -p tally-conformance --release --test conformance`):
//! one link instead of one per file. Each former test file is a module, so a test's name is
//! `<file>::<test>` (`--test conformance <file>::` runs one file's tests).
//! `determinism` is a binary of its own: CI also runs it, alone, on aarch64 under qemu-user.

mod fuzz_regressions;
mod harness;
mod instrumented;
mod ir_listing;
mod profile_agreement;
mod spec;

/// Every test source in `tests/` is compiled: `autotests = false` (Cargo.toml) means a new
/// `tests/<name>.rs` would otherwise be silently skipped. Each must be a module of this binary
/// or a `[[test]]` of its own in Cargo.toml.
#[test]
fn every_test_file_is_compiled() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this = include_str!("main.rs");
    let manifest = include_str!("../Cargo.toml");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().and_then(|n| n.to_str()).expect("UTF-8 name").to_string();
        let (module, binary) = if path.extension().is_some_and(|e| e == "rs") {
            (name.clone(), format!("path = \"tests/{name}.rs\""))
        } else if path.join("mod.rs").is_file() {
            (name.clone(), String::new())
        } else if path.join("main.rs").is_file() {
            (String::new(), format!("path = \"tests/{name}/main.rs\""))
        } else {
            continue; // data
        };
        let declared = (!module.is_empty() && this.contains(&format!("\nmod {module};")))
            || (!binary.is_empty() && manifest.contains(&binary));
        if name != "main" && !declared {
            missing.push(path.display().to_string());
        }
    }
    assert!(missing.is_empty(), "not compiled: {missing:?}; add `mod <name>;` to tests/main.rs");
}
