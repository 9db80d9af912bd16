//! Native-only helper that compiles this crate to `wasm32-unknown-unknown` on demand.
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
use std::process::Command;
use std::sync::OnceLock;

/// The target triple the guests are compiled for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

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

/// Compiles the guests with
/// `cargo build --release --target wasm32-unknown-unknown --manifest-path guests/Cargo.toml`
/// and a [`STACK_SIZE`] stack into `target_dir`, and returns the path of the `.wasm` file.
///
/// Flags and targets set for the outer build (`RUSTFLAGS`, `CARGO_BUILD_TARGET`, ...) are removed
/// from the child's environment so that they cannot leak into the wasm build.
pub fn build_into(target_dir: &Path) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let output = Command::new(&cargo)
        .args(["build", "--release", "--target", WASM_TARGET, "--manifest-path"])
        .arg(manifest_path())
        .arg("--config")
        .arg(format!("target.{WASM_TARGET}.rustflags=[\"-C\", \"link-arg=-zstack-size={STACK_SIZE}\"]"))
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .map_err(|err| BuildError::new(format!("cannot run {cargo:?}: {err}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("target may not be installed") || stderr.contains("can't find crate for `core`") {
            "\nhint: install the target with `rustup target add wasm32-unknown-unknown`"
        } else {
            ""
        };
        return Err(BuildError::new(format!(
            "building the guests for {WASM_TARGET} failed ({}):\n{stderr}{hint}",
            output.status
        )));
    }
    let wasm = target_dir.join(WASM_TARGET).join("release").join(WASM_FILE);
    if wasm.is_file() {
        Ok(wasm)
    } else {
        Err(BuildError::new(format!("cargo succeeded but {} does not exist", wasm.display())))
    }
}

/// Builds the guests once per process (into [`target_dir`]) and returns the `.wasm` path.
pub fn wasm_path() -> Result<&'static Path, BuildError> {
    static WASM: OnceLock<Result<PathBuf, BuildError>> = OnceLock::new();
    match WASM.get_or_init(|| build_into(&target_dir())) {
        Ok(path) => Ok(path),
        Err(err) => Err(err.clone()),
    }
}

/// Builds the guests if needed (see [`wasm_path`]) and reads the module's bytes.
pub fn wasm_bytes() -> Result<Vec<u8>, BuildError> {
    let path = wasm_path()?;
    std::fs::read(path).map_err(|err| BuildError::new(format!("cannot read {}: {err}", path.display())))
}
