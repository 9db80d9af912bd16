//! `tally new`: the scaffolded crate has its files, names and SDK paths, a valid manifest, and
//! (ignored: slow) builds and passes its own test.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tally-new-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../contract-sdk").canonicalize().unwrap()
}

fn tally_new(dir: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tally")).arg("new").arg(dir).args(extra).output().unwrap()
}

/// Scaffolds `my-counter` into a fresh directory and returns the crate's directory.
fn scaffolded(tag: &str) -> PathBuf {
    let dir = scratch(tag).join("my-counter");
    let out = tally_new(&dir, &["--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["name"], "my-counter");
    assert_eq!(
        json["files"],
        serde_json::json!(["Cargo.toml", "build.rs", "src/lib.rs", "tests/my_counter.rs", ".gitignore"])
    );
    dir
}

#[test]
fn scaffolds_a_contract_crate_with_a_typed_test() {
    let dir = scaffolded("files");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let manifest = read("Cargo.toml");
    assert!(manifest.contains("name = \"my-counter\""), "{manifest}");
    assert!(manifest.contains("crate-type = [\"cdylib\", \"rlib\"]"), "{manifest}");
    assert!(manifest.contains(&format!("tally-sdk = {{ path = \"{}\" }}", sdk().display())), "{manifest}");
    assert!(manifest.contains(&format!("tally-sdk-testing = {{ path = \"{}\" }}", sdk().join("testing").display())));
    let lib = read("src/lib.rs");
    assert!(lib.contains("pub mod my_counter {") && lib.contains("pub struct MyCounter {"), "{lib}");
    assert!(lib.contains("#[init]") && lib.contains("#[call]") && lib.contains("#[view]") && lib.contains("#[event]"));
    let test = read("tests/my_counter.rs");
    assert!(test.contains("use my_counter::my_counter::{Bumped, Error, MyCounterClient};"), "{test}");
    assert!(test.contains("TestChain::new()") && test.contains("build_contract("), "{test}");
    assert!(read("build.rs").contains("-zstack-size=32768"));
    assert_eq!(read(".gitignore"), "/target\n");

    // Cargo reads the manifest: the package, its library and its test.
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets: Vec<&str> =
        meta["packages"][0]["targets"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(targets.contains(&"my_counter") && targets.contains(&"build-script-build"), "{targets:?}");
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn refuses_what_it_would_break_or_could_not_name() {
    let root = scratch("refusals");
    // A directory that is not empty.
    let taken = root.join("taken");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("keep.txt"), "mine").unwrap();
    let out = tally_new(&taken, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists and is not empty"));
    assert_eq!(std::fs::read_to_string(taken.join("keep.txt")).unwrap(), "mine");
    // Names that are no crate names.
    for bad in ["My Counter", "9lives", "std"] {
        let out = tally_new(&root.join(bad), &[]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("`{bad}`")), "{bad}");
        assert!(!root.join(bad).exists(), "{bad}: nothing written");
    }
    // An SDK path that is not the SDK.
    let out = tally_new(&root.join("fine"), &["--sdk-path", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not Tally's contract-sdk directory"));
    let _ = std::fs::remove_dir_all(root);
}

/// Builds the scaffolded crate's contract for wasm32 and runs its test, then `tally build`s it.
/// Slow (compiles the SDK twice, natively and for wasm32); run with
/// `cargo test --release -p tally-cli --test cli -- --ignored new::the_scaffold_builds_and_passes_its_test`.
#[test]
#[ignore]
fn the_scaffold_builds_and_passes_its_test() {
    let dir = scaffolded("builds");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo).arg("generate-lockfile").current_dir(&dir).status().unwrap();
    assert!(status.success());
    let out = Command::new(&cargo)
        .args(["test", "--release"])
        .current_dir(&dir)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("test bumps_and_refuses_big_bumps ... ok"), "{stdout}");
    let out = Command::new(env!("CARGO_BIN_EXE_tally")).arg("build").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("target/wasm32-unknown-unknown/release/my_counter.wasm").is_file());
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}
