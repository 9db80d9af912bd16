//! The examples' bytes do not depend on where the repository is checked out.
//!
//! The build driver remaps the workspace root, cargo's home and the sysroot, but a remapping
//! cannot undo what cargo hashes into a crate's metadata (`-C metadata`, from which symbol names,
//! and through them the order of functions in the module, follow): a path package's path
//! relative to the workspace root when it lies inside, its absolute path when it lies outside.
//! So every path package an example is built from must lie inside the workspace root. The cheap
//! test checks that from cargo's dependency graph; the slow one builds an example in two copies
//! of the repository and compares the bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The repository's root (the workspace the examples are built through).
fn repo_root() -> PathBuf {
    tally_sdk_build::examples_manifest().parent().expect("a directory").canonicalize().expect("the repository")
}

/// The directories of the path packages in `package`'s wasm32 build graph (normal and build
/// dependencies, proc macros included), from `cargo tree`.
fn path_packages(manifest: &Path, package: &str) -> Vec<PathBuf> {
    let out = Command::new(cargo())
        .args(["tree", "--offline", "--locked", "-e", "normal,build", "--prefix", "none", "--format", "{p}"])
        .args(["--target", tally_sdk_build::WASM_TARGET, "-p", package, "--manifest-path"])
        .arg(manifest)
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "cargo tree -p {package}: {}", String::from_utf8_lossy(&out.stderr));
    // A path package prints as `name v1.2.3 (/its/directory)`, a registry one without the path.
    let mut dirs: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let start = line.find(" (/")? + 2;
            let end = start + line[start..].find(')')?;
            Some(PathBuf::from(&line[start..end]))
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

#[test]
fn every_path_package_of_an_example_lies_inside_the_workspace_root() {
    for name in tally_sdk_build::EXAMPLES {
        // The root the build driver sees for the example (and remaps).
        let manifest = tally_sdk_build::examples_dir().join(name).join("Cargo.toml");
        let root = tally_sdk_build::cargo_layout(&manifest).unwrap_or_else(|e| panic!("{name}: {e}")).workspace_root;
        let dirs = path_packages(&manifest, name);
        // The example itself, the SDK, its macros and `tally-digest` at least: the graph was read.
        assert!(dirs.len() >= 4, "{name}: {dirs:?}");
        assert!(dirs.contains(&repo_root().join("contract-sdk")), "{name}: the SDK is not among {dirs:?}");
        for dir in &dirs {
            assert!(
                dir.starts_with(&root),
                "{name}: path package {} lies outside the workspace root {}, so the example's bytes would \
                 depend on the checkout's path",
                dir.display(),
                root.display()
            );
        }
    }
}

/// Copies the repository's sources (everything but `target` and `.git` directories) to `to`.
fn copy_sources(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if kind.is_dir() {
            if entry.file_name() != "target" && entry.file_name() != ".git" {
                copy_sources(&src, &dst);
            }
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Builds the token example in two copies of the repository at paths of different lengths and
/// compares the bytes. Slow (two cold wasm32 builds of the SDK and its dependencies, about a
/// minute each on two cores), so not in CI; the test above checks the cause cheaply:
///
/// ```sh
/// cargo test --release -p tally-sdk-testing --test examples -- --ignored --exact reproducible::two_checkouts_build_identical_bytes
/// ```
#[test]
#[ignore]
fn two_checkouts_build_identical_bytes() {
    let scratch = std::env::temp_dir().join(format!("tally-reproducible-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let mut built = Vec::new();
    for copy in ["a", "a-longer-path"] {
        let root = scratch.join(copy).join("repo");
        copy_sources(&repo_root(), &root);
        let wasm = tally_sdk_build::build(
            &root.join("Cargo.toml"),
            &root.join("target/wasm"),
            &["token"],
            &tally_sdk_build::BuildOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{copy}: {e}"));
        built.push(std::fs::read(&wasm[0]).unwrap());
    }
    assert!(built[0].len() > 1000, "{} bytes", built[0].len());
    assert!(built[0] == built[1], "token differs between checkouts ({} and {} bytes)", built[0].len(), built[1].len());
    let _ = std::fs::remove_dir_all(&scratch);
}
