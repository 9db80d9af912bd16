//! The SDK's example contracts (`contract-sdk/examples`), built once per test run for every test
//! binary that deploys them (the CLI's, the conformance suite's, the host environment's, the
//! SDK's, the benchmarks').
//!
//! The examples are members of the repository's workspace, so that the SDK and every other path
//! package they use lie inside its root: cargo hashes a path package into its crates' metadata
//! by its path relative to the workspace root when it lies inside, by its absolute path
//! otherwise, and that hash reaches the code (symbol names order the functions), so only then are
//! the bytes the same wherever the repository is checked out.
//!
//! Each process asks [`example`] for them; the first builds all of them with the build driver
//! (one cargo invocation per example, then the native metadata build). After a build the
//! directory gets a stamp: a digest of every input (the sources and manifests of the SDK, its
//! dependencies in this repository and the examples, the workspace's manifest and `Cargo.lock`,
//! `rustc -vV`)
//! and of every output. A later process whose inputs and outputs digest the same reads the
//! modules without running cargo at all (18 cargo invocations, a few seconds, per process);
//! any difference, or a missing or unreadable file, means an ordinary build.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::{build, BuildError, BuildOptions, WASM_TARGET};

/// The example contracts (packages of `contract-sdk/examples`, each `<name>.wasm`).
pub const EXAMPLES: [&str; 9] =
    ["token", "escrow", "caller", "callee", "probe", "pool", "factory", "upgradable", "upgraded"];

/// The directory of the SDK's examples (`contract-sdk/examples`, one package each).
pub fn examples_dir() -> PathBuf {
    sdk_dir().join("examples")
}

/// The manifest the examples are built through: the repository's workspace (`Cargo.toml` at its
/// root), with the example as the package (see the module docs for why not a workspace of
/// their own).
pub fn examples_manifest() -> PathBuf {
    sdk_dir().join("../Cargo.toml")
}

/// `contract-sdk/`.
fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn non_empty(var: Option<OsString>) -> Option<PathBuf> {
    var.filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Where [`example`] builds: `$TALLY_SDK_EXAMPLES_TARGET_DIR` if set, else
/// `$CARGO_TARGET_DIR/sdk-examples` (at run time, then at compile time), else
/// `<repository>/target/sdk-examples`.
pub fn examples_target_dir() -> PathBuf {
    let explicit = non_empty(std::env::var_os("TALLY_SDK_EXAMPLES_TARGET_DIR"));
    let dir = explicit.unwrap_or_else(|| {
        let outer = non_empty(std::env::var_os("CARGO_TARGET_DIR"))
            .or_else(|| option_env!("CARGO_TARGET_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("target"));
        outer.join("sdk-examples")
    });
    if dir.is_absolute() {
        dir
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir)
    }
}

/// The code of example `name` (one of [`EXAMPLES`]); builds all examples on first use in a
/// process unless the stamp shows them up to date (see the module doc), with
/// [`BuildOptions::with_names`]: the code keeps its `name` section, so trap reports can name
/// functions. Removing the `name`, `producers` and `target_features` sections gives the code a
/// stripped build deploys, up to the order of functions.
pub fn example(name: &str) -> Result<Vec<u8>, BuildError> {
    static BUILT: OnceLock<Result<Vec<PathBuf>, BuildError>> = OnceLock::new();
    let paths = BUILT.get_or_init(build_examples).as_ref().map_err(Clone::clone)?;
    let i = EXAMPLES
        .iter()
        .position(|e| *e == name)
        .ok_or_else(|| BuildError::new(format!("no example `{name}`; there are {EXAMPLES:?}")))?;
    std::fs::read(&paths[i]).map_err(|e| BuildError::new(format!("cannot read {}: {e}", paths[i].display())))
}

fn build_examples() -> Result<Vec<PathBuf>, BuildError> {
    let target = examples_target_dir();
    let stamp_path = target.join("examples.stamp");
    let paths: Vec<PathBuf> =
        EXAMPLES.iter().map(|e| target.join(WASM_TARGET).join("release").join(format!("{e}.wasm"))).collect();
    let inputs = inputs_digest();
    if let (Some(inputs), Ok(stamp)) = (&inputs, std::fs::read_to_string(&stamp_path)) {
        if outputs_digest(&paths).is_some_and(|outputs| stamp == format!("{inputs}\n{outputs}\n")) {
            return Ok(paths);
        }
    }
    let built = build(&examples_manifest(), &target, &EXAMPLES, &BuildOptions::with_names())?;
    if let (Some(inputs), Some(outputs)) = (inputs, outputs_digest(&built)) {
        // A stamp that cannot be written only costs the next process a cargo run.
        let tmp = stamp_path.with_extension(crate::generate::unique_tmp_extension());
        if std::fs::write(&tmp, format!("{inputs}\n{outputs}\n")).is_ok() {
            let _ = std::fs::rename(&tmp, &stamp_path);
        }
    }
    Ok(built)
}

/// The digest of the built modules, in order; `None` if one cannot be read.
fn outputs_digest(paths: &[PathBuf]) -> Option<String> {
    let mut all = Vec::new();
    for path in paths {
        all.extend_from_slice(&tally_digest::keccak(&std::fs::read(path).ok()?));
    }
    Some(tally_digest::hex(&tally_digest::keccak(&all)))
}

/// The digest of everything the examples' build reads: every file (path and contents) under
/// `contract-sdk/` (the SDK, its macros and metadata crates, this driver, the examples) and
/// `digest/` but `target` directories, the workspace's `Cargo.toml` and `Cargo.lock`, and the
/// compiler's version. `None` if a file cannot be read or rustc cannot be asked.
fn inputs_digest() -> Option<String> {
    let root = sdk_dir().canonicalize().ok()?;
    let mut files = Vec::new();
    collect_files(&root, &mut files)?;
    collect_files(&root.join("../digest").canonicalize().ok()?, &mut files)?;
    for file in ["Cargo.toml", "Cargo.lock"] {
        files.push(root.join("..").join(file).canonicalize().ok()?);
    }
    files.sort();
    let mut all = Vec::new();
    for file in &files {
        all.extend_from_slice(&tally_digest::keccak(file.to_string_lossy().as_bytes()));
        all.extend_from_slice(&tally_digest::keccak(&std::fs::read(file).ok()?));
    }
    let rustc = std::env::var_os("RUSTC").filter(|r| !r.is_empty()).unwrap_or_else(|| OsString::from("rustc"));
    let version = Command::new(rustc).arg("-vV").output().ok().filter(|o| o.status.success())?;
    all.extend_from_slice(&tally_digest::keccak(&version.stdout));
    Some(tally_digest::hex(&tally_digest::keccak(&all)))
}

/// Appends every file under `dir` (not following symbolic links, skipping `target`
/// directories) to `files`.
fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Option<()> {
    for entry in std::fs::read_dir(dir).ok()? {
        let entry = entry.ok()?;
        let kind = entry.file_type().ok()?;
        let path = entry.path();
        if kind.is_dir() {
            if entry.file_name() != "target" {
                collect_files(&path, files)?;
            }
        } else if kind.is_file() {
            files.push(path);
        }
    }
    Some(())
}
