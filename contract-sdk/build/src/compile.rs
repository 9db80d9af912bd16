//! The one wasm32 build driver: `tally build`, `tally-sdk-testing` (TestChain's `build_contract`
//! and the SDK examples) and the guest programs all compile through [`compile`], so a contract
//! tested with TestChain has exactly the bytes, and so the gas, of the one `tally build` deploys.
//!
//! It runs `cargo rustc --lib --crate-type cdylib --release --target wasm32-unknown-unknown`
//! with the release profile forced through `CARGO_PROFILE_RELEASE_*` (so a crate's own
//! `[profile]` cannot change it): the [`Profile`]'s `opt-level`, fat LTO, `panic = "abort"`, one
//! codegen unit, no debug info, no incremental state, and `strip = "symbols"` (`"debuginfo"`
//! with [`BuildOptions::keep_names`], which keeps the name section). Paths are remapped
//! (`--remap-path-prefix`: the workspace root to `/contract`, cargo's home to `/cargo`, rustc's
//! sysroot to `/rustc`), so the bytes do not depend on where the sources live, provided every path
//! dependency lies inside the workspace root: cargo hashes a path package into its crates'
//! metadata (symbol names, and through them the order of functions in the module) by its path
//! relative to the workspace root, but by its absolute path when it lies outside, which no
//! remapping undoes. The wasm stack is
//! [`BuildOptions::stack_size`]. Flags and targets set for an outer cargo build (`RUSTFLAGS`,
//! `CARGO_BUILD_TARGET`, ...) are removed from the child's environment.
//!
//! A contract ([`Profile::Contract`]) then loses the linker's `__heap_base` and `__data_end`
//! exports and globals, which nothing reads and every load pays for
//! ([`without_linker_globals`](crate::without_linker_globals)). The guests
//! ([`Profile::Speed`]) keep the module as linked: they are workloads, not contracts.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{BuildError, WASM_TARGET};

/// The code-generation settings of a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Contracts: `opt-level = "z"`. Every call pays for its contract's code by the byte, so
    /// small code is the cheapest optimization a contract has.
    #[default]
    Contract,
    /// Programs measured for speed (the guest workloads of the benchmarks): `opt-level = 3`.
    Speed,
}

impl Profile {
    fn opt_level(self) -> &'static str {
        match self {
            Profile::Contract => "z",
            Profile::Speed => "3",
        }
    }
}

/// How to compile contracts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// The wasm stack size in bytes (`-C link-arg=-zstack-size=N`). Every instantiation pays
    /// for the module's initial memory page by page, and the stack is part of it, so the default
    /// is 32 KiB rather than rustc's 1 MiB: with the stack first in memory, 32 KiB leaves room for
    /// the data and a small heap in the first page, so a typical contract starts with one page
    /// (64 KiB would make it two). A stack overflow traps with `memory_out_of_bounds`.
    pub stack_size: u32,
    /// Keep the `name` custom section (function names, for trap reports): `strip = "debuginfo"`
    /// instead of `"symbols"`. Names cost nothing at run time but make the code larger, which
    /// deployments and cross-contract calls pay for per byte: `tally-sdk-testing` removes them
    /// again before it deploys, and keeps them aside for its trap reports.
    pub keep_names: bool,
    /// Pass `--locked`: refuse to build if `Cargo.lock` is missing or out of date (`tally build`:
    /// the lock file is part of what makes a build reproducible).
    pub locked: bool,
    /// The code-generation settings ([`Profile::Contract`] by default).
    pub profile: Profile,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { stack_size: 32 * 1024, keep_names: false, locked: false, profile: Profile::Contract }
    }
}

impl BuildOptions {
    /// The default options with [`keep_names`](Self::keep_names) set: what [`example`](crate::example)
    /// and `tally-sdk-testing`'s `build_contract` use.
    pub fn with_names() -> Self {
        BuildOptions { keep_names: true, ..BuildOptions::default() }
    }
}

/// Where cargo builds a crate: its workspace's target directory and root (`cargo metadata
/// --no-deps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoLayout {
    /// The target directory cargo would use (`CARGO_TARGET_DIR` and `build.target-dir` honoured).
    pub target_directory: PathBuf,
    /// The root of the crate's workspace (the crate's own directory if it is its own workspace).
    pub workspace_root: PathBuf,
}

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// Asks `cargo metadata` (without resolving dependencies) for the target directory and
/// workspace root of the crate at `manifest_path`.
pub fn cargo_layout(manifest_path: &Path) -> Result<CargoLayout, BuildError> {
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"])
        .arg(manifest_path)
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .map_err(|e| BuildError::new(format!("cannot run {:?}: {e}", cargo())))?;
    if !output.status.success() {
        return Err(BuildError::new(format!(
            "cargo metadata (reading {}) failed ({}):\n{}",
            manifest_path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| BuildError::new(format!("cargo metadata printed no JSON: {e}")))?;
    let path = |field: &str| {
        metadata[field]
            .as_str()
            .map(PathBuf::from)
            .ok_or_else(|| BuildError::new(format!("cargo metadata for {} has no `{field}`", manifest_path.display())))
    };
    Ok(CargoLayout { target_directory: path("target_directory")?, workspace_root: path("workspace_root")? })
}

fn cargo_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(home));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo"))
}

fn rustc_sysroot() -> Option<PathBuf> {
    let rustc = std::env::var_os("RUSTC").filter(|r| !r.is_empty()).unwrap_or_else(|| OsString::from("rustc"));
    let out = Command::new(rustc).args(["--print", "sysroot"]).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let path = text.trim();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// Compiles the library of `package` (or of the crate at `manifest_path` when `None`) for wasm32
/// into `target_dir` and returns the `.wasm` path. No metadata is written: see
/// [`build`](crate::build) and [`embed_metadata`](crate::embed_metadata).
pub fn compile(
    manifest_path: &Path,
    target_dir: &Path,
    package: Option<&str>,
    options: &BuildOptions,
) -> Result<PathBuf, BuildError> {
    let what = package.map_or_else(|| manifest_path.display().to_string(), str::to_string);
    // Absolute, because cargo runs in the crate's directory (where it looks for `.cargo/config.toml`).
    let manifest_path = &manifest_path
        .canonicalize()
        .map_err(|e| BuildError::new(format!("cannot read {}: {e}", manifest_path.display())))?;
    let crate_dir = manifest_path.parent().unwrap_or(Path::new("/"));
    let layout = cargo_layout(manifest_path)?;
    let mut rustflags = vec![
        format!("--remap-path-prefix={}=/contract", layout.workspace_root.display()),
        "-C".into(),
        format!("link-arg=-zstack-size={}", options.stack_size),
    ];
    if let Some(home) = cargo_home() {
        rustflags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }
    if let Some(sysroot) = rustc_sysroot() {
        rustflags.push(format!("--remap-path-prefix={}=/rustc", sysroot.display()));
    }
    let mut cmd = Command::new(cargo());
    // `rustc --crate-type cdylib` rather than `build`: a contract other crates depend on (for its
    // types and typed reference, or its tests' typed client) is also an `rlib`, and cargo runs no
    // LTO for a library with an `rlib` among its crate types (a token example built that way is
    // 80 % larger, and every call pays per byte).
    cmd.args(["rustc", "--lib", "--crate-type", "cdylib", "--release", "--target", WASM_TARGET])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(manifest_path)
        .current_dir(crate_dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", options.profile.opt_level())
        .env("CARGO_PROFILE_RELEASE_LTO", "fat")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", if options.keep_names { "debuginfo" } else { "symbols" })
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\u{1f}"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    if let Some(p) = package {
        cmd.args(["-p", p]);
    }
    if options.locked {
        cmd.arg("--locked");
    }
    let output = cmd.output().map_err(|err| BuildError::new(format!("cannot run {:?}: {err}", cargo())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("target may not be installed") || stderr.contains("can't find crate for `core`") {
            "\nhint: install the target with `rustup target add wasm32-unknown-unknown`"
        } else if options.locked && (stderr.contains("--locked") || stderr.contains("lock file")) {
            "\nhint: run `cargo generate-lockfile` once; builds are --locked so they are reproducible"
        } else {
            ""
        };
        return Err(BuildError::new(format!(
            "building {what} for {WASM_TARGET} failed ({}):\n{stderr}{hint}",
            output.status
        )));
    }
    let wasm = wasm_artifact(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| {
        BuildError::new(format!("cargo built no .wasm for {what}: is its library a cdylib-capable crate?"))
    })?;
    if options.profile == Profile::Contract {
        let code = std::fs::read(&wasm).map_err(|e| BuildError::new(format!("cannot read {}: {e}", wasm.display())))?;
        if let Some(smaller) = crate::without_linker_globals(&code) {
            crate::generate::write_atomically(&wasm, &smaller)?;
        }
    }
    Ok(wasm)
}

/// The last `.wasm` file among cargo's `compiler-artifact` messages (the root crate is built
/// last).
fn wasm_artifact(messages: &str) -> Option<PathBuf> {
    let mut found = None;
    for line in messages.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let Some(files) = msg["filenames"].as_array() else { continue };
        for f in files.iter().filter_map(|f| f.as_str()) {
            if f.ends_with(".wasm") {
                found = Some(PathBuf::from(f));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_wasm_artifact_is_the_contract() {
        let messages = [
            r#"{"reason":"compiler-artifact","filenames":["/t/deps/libdep.rlib"]}"#,
            r#"{"reason":"build-finished","success":true}"#,
            r#"not json"#,
            r#"{"reason":"compiler-artifact","filenames":["/t/wasm32-unknown-unknown/release/c.wasm","/t/x.rlib"]}"#,
        ]
        .join("\n");
        assert_eq!(wasm_artifact(&messages), Some(PathBuf::from("/t/wasm32-unknown-unknown/release/c.wasm")));
        assert_eq!(wasm_artifact(r#"{"reason":"compiler-artifact","filenames":["a.rlib"]}"#), None);
    }
}
