//! Native-only helper that compiles this crate to `wasm32-unknown-unknown` on demand, with the
//! SDK's build driver (`tally_sdk_build::compile`).
//!
//! Tests and benchmarks call [`wasm_path`] (or [`wasm_bytes`]) at run time, so building the
//! product crates never needs the wasm target; only running the guest tests and benches does
//! (`rustup target add wasm32-unknown-unknown`). The build runs at most once per process and is a
//! no-op for cargo when the guests are up to date.
//!
//! The wasm build uses its own target directory, so it never contends with the outer build for
//! artifacts: `$TALLY_GUESTS_TARGET_DIR` if set, else `$CARGO_TARGET_DIR/guests` (from the
//! environment at run time, then at compile time), else `<workspace>/target/guests`. A relative
//! directory is taken relative to the workspace root (the parent of this crate).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The target triple the guests are compiled for.
pub const WASM_TARGET: &str = tally_sdk_build::WASM_TARGET;

/// File name of the compiled module inside `<target dir>/wasm32-unknown-unknown/release/`.
pub const WASM_FILE: &str = "tally_guests.wasm";

/// Names of the exported guest functions, each `(i32) -> i64`, `(i32) -> i32` or `(i32) -> f64`.
pub const EXPORTS: [&str; 5] = ["fib", "sieve", "keccak", "matmul", "ledger"];

/// Why the guests could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    message: String,
}

impl BuildError {
    fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// Human-readable description, including cargo's output when the compile failed.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

/// Directory holding this crate's `Cargo.toml`.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Path of this crate's `Cargo.toml`, passed to cargo as `--manifest-path`.
pub fn manifest_path() -> PathBuf {
    crate_dir().join("Cargo.toml")
}

/// The workspace root: the parent directory of this crate.
pub fn workspace_root() -> PathBuf {
    crate_dir().parent().map_or_else(|| crate_dir().to_path_buf(), Path::to_path_buf)
}

fn non_empty(var: Option<OsString>) -> Option<PathBuf> {
    var.filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The target directory used for the wasm build (see the module docs for how it is chosen).
pub fn target_dir() -> PathBuf {
    let explicit = non_empty(std::env::var_os("TALLY_GUESTS_TARGET_DIR"));
    let dir = explicit.unwrap_or_else(|| {
        let outer = non_empty(std::env::var_os("CARGO_TARGET_DIR"))
            .or_else(|| option_env!("CARGO_TARGET_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("target"));
        outer.join("guests")
    });
    if dir.is_absolute() {
        dir
    } else {
        workspace_root().join(dir)
    }
}

/// The wasm stack size of the guests: 32 KiB, as `tally build` and `contract-sdk`'s build driver
/// give contracts (rustc's default is 1 MiB). The guests are the time-per-gas suite's ordinary
/// code, so their memory is sized as a contract's is; loads and stores cost more the larger the
/// memory (gas-injector SPEC.md, "Memory accesses").
pub const STACK_SIZE: u32 = 32 * 1024;

/// Compiles the guests for wasm32 into `target_dir` with the SDK's build driver
/// (`tally_sdk_build::compile`, the one `tally build` and TestChain use: fat LTO, `panic =
/// "abort"`, one codegen unit, paths remapped), optimized for speed (`opt-level = 3`: they are
/// workloads measured for time per gas), with their name section and a [`STACK_SIZE`] stack,
/// and returns the path of the `.wasm` file.
pub fn build_into(target_dir: &Path) -> Result<PathBuf, BuildError> {
    compile(&manifest_path(), target_dir, STACK_SIZE, WASM_FILE, "the guests")
}

/// Compiles one guest crate with the SDK's build driver and checks the file it produced.
fn compile(manifest: &Path, target_dir: &Path, stack_size: u32, file: &str, what: &str) -> Result<PathBuf, BuildError> {
    let options = tally_sdk_build::BuildOptions {
        stack_size,
        keep_names: true,
        profile: tally_sdk_build::Profile::Speed,
        ..tally_sdk_build::BuildOptions::default()
    };
    let wasm = tally_sdk_build::compile(manifest, target_dir, None, &options)
        .map_err(|e| BuildError::new(format!("building {what}: {e}")))?;
    if wasm.file_name().is_some_and(|n| n == file) {
        Ok(wasm)
    } else {
        Err(BuildError::new(format!("the build of {what} produced {}, not {file}", wasm.display())))
    }
}

/// Builds the guests once per process (into [`target_dir`]) and returns the `.wasm` path.
pub fn wasm_path() -> Result<&'static Path, BuildError> {
    static WASM: OnceLock<Result<PathBuf, BuildError>> = OnceLock::new();
    once(&WASM, build_into)
}

/// The outcome of `build` into [`target_dir`], run the first time only.
fn once(
    cell: &'static OnceLock<Result<PathBuf, BuildError>>,
    build: fn(&Path) -> Result<PathBuf, BuildError>,
) -> Result<&'static Path, BuildError> {
    match cell.get_or_init(|| build(&target_dir())) {
        Ok(path) => Ok(path),
        Err(err) => Err(err.clone()),
    }
}

/// The bytes of a built module.
fn read(path: &Path) -> Result<Vec<u8>, BuildError> {
    std::fs::read(path).map_err(|err| BuildError::new(format!("cannot read {}: {err}", path.display())))
}

/// Builds the guests if needed (see [`wasm_path`]) and reads the module's bytes.
pub fn wasm_bytes() -> Result<Vec<u8>, BuildError> {
    read(wasm_path()?)
}

/// File name of the compiled real-crates module (`guests/crates`) inside
/// `<target dir>/wasm32-unknown-unknown/release/`.
pub const CRATES_WASM_FILE: &str = "tally_crate_guests.wasm";

/// Exports of the real-crates module (`guests/crates`), each `(i32) -> i64`: a size in, a
/// checksum out, trapping if the workload's own check of its answer fails.
pub const CRATE_EXPORTS: [&str; 9] =
    ["sha256", "blake3", "ed25519", "secp256k1", "json", "deflate", "regex", "scale", "u256"];

/// The wasm stack of the real-crates module: 128 KiB. The crates' code was not written for a
/// contract's 32 KiB (regex's compiler and the curve arithmetic keep large frames).
pub const CRATES_STACK_SIZE: u32 = 128 * 1024;

/// Path of the real-crates guest crate's `Cargo.toml` (`guests/crates`).
pub fn crates_manifest_path() -> PathBuf {
    crate_dir().join("crates").join("Cargo.toml")
}

/// Compiles the real-crates module (`guests/crates`: SHA-256, BLAKE3, ed25519-dalek, k256,
/// serde_json, miniz_oxide, regex, parity-scale-codec and primitive-types through their usual
/// APIs) for wasm32 into `target_dir`, as [`build_into`] compiles the guests but with a
/// [`CRATES_STACK_SIZE`] stack, and returns the path of the `.wasm` file. The first build
/// downloads and compiles those crates (about a minute on two cores).
pub fn build_crates_into(target_dir: &Path) -> Result<PathBuf, BuildError> {
    compile(&crates_manifest_path(), target_dir, CRATES_STACK_SIZE, CRATES_WASM_FILE, "the real-crates guests")
}

/// Builds the real-crates module once per process (into [`target_dir`]) and returns its path.
pub fn crates_wasm_path() -> Result<&'static Path, BuildError> {
    static WASM: OnceLock<Result<PathBuf, BuildError>> = OnceLock::new();
    once(&WASM, build_crates_into)
}

/// Builds the real-crates module if needed (see [`crates_wasm_path`]) and reads its bytes.
pub fn crates_wasm_bytes() -> Result<Vec<u8>, BuildError> {
    read(crates_wasm_path()?)
}
