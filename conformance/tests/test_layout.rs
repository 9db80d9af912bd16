//! The workspace's test layout: every crate that sets `autotests = false` (one integration-test
//! binary per crate, `tests/main.rs`) compiles every test source in its `tests/`, since Cargo
//! would otherwise skip a new `tests/<name>.rs` silently. One check for the whole workspace.

use std::path::{Path, PathBuf};

/// The workspace root: this crate's parent directory.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("conformance/ has a parent").to_path_buf()
}

/// The crates directly under the workspace root whose manifest turns automatic test discovery off.
fn crates_with_one_test_binary(root: &Path) -> Vec<PathBuf> {
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(root).expect("workspace root") {
        let dir = entry.expect("entry").path();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        if manifest.lines().any(|line| line.trim() == "autotests = false") {
            crates.push(dir);
        }
    }
    crates.sort();
    crates
}

/// The test sources of `krate` that are neither a module of `tests/main.rs` nor a `[[test]]`
/// of their own in its Cargo.toml.
fn uncompiled_test_files(krate: &Path) -> Vec<String> {
    let main = std::fs::read_to_string(krate.join("tests/main.rs")).unwrap_or_default();
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("Cargo.toml");
    let mut missing = Vec::new();
    let Ok(entries) = std::fs::read_dir(krate.join("tests")) else { return missing };
    for entry in entries {
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
        let declared = (!module.is_empty() && main.contains(&format!("\nmod {module};")))
            || (!binary.is_empty() && manifest.contains(&binary));
        if name != "main" && !declared {
            missing.push(path.display().to_string());
        }
    }
    missing
}

#[test]
fn every_test_file_of_every_crate_is_compiled() {
    let root = workspace_root();
    let crates = crates_with_one_test_binary(&root);
    assert!(crates.len() >= 6, "expected the workspace's crates with one test binary, found {crates:?}");
    let missing: Vec<String> = crates.iter().flat_map(|krate| uncompiled_test_files(krate)).collect();
    assert!(missing.is_empty(), "not compiled: {missing:?}; add `mod <name>;` to that crate's tests/main.rs");
}
