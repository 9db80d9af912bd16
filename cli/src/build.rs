//! `tally build`: compile a contract crate to deployable, reproducible WebAssembly.
//!
//! Runs `cargo rustc --lib --crate-type cdylib --release --target wasm32-unknown-unknown` on the
//! crate (the crate type forced so that a crate that is also an `rlib` still gets LTO) with the
//! contract profile forced through `CARGO_PROFILE_RELEASE_*` (so the crate's own `[profile]` cannot weaken
//! it): `opt-level = "z"`, fat LTO, `panic = "abort"`, one codegen unit, no debug info, and
//! `strip = "symbols"` (which also drops the name section; `--keep-names` keeps it, for readable
//! traps in tests). Paths are remapped (`--remap-path-prefix`) so the bytes do not depend on
//! where the crate or the cargo registry live: two builds of the same sources give identical
//! bytes. The wasm stack is 32 KiB unless `--stack-size` says otherwise (see
//! [`BuildOptions::stack_size`]). An SDK contract's metadata is then generated natively and
//! written into the module (`tally_sdk_build::embed_metadata`), and the result is checked like
//! `tally check`.
//!
//! Artifacts go where cargo itself would put them: the target directory `cargo metadata` reports
//! (for a member of a cargo workspace, the workspace's `target/`, not one inside the member;
//! `CARGO_TARGET_DIR` and `build.target-dir` are honoured), unless `--target-dir` says otherwise.
//! The path remapped is the workspace's root, so a contract depending on other members of its
//! workspace is reproducible too.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Args;
use serde_json::json;

use crate::contract::check::{check_code, check_to_json, format_check, CheckOutcome};
use crate::contract::ContractError;
use crate::load::read_file;
use crate::output::{error_exit, exit_code, EXIT_ERROR};

/// The compilation target of contracts.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// What `tally build` produced.
#[derive(Debug)]
pub struct BuildOutput {
    /// The `.wasm` file in the target directory.
    pub wasm: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// The size of its `tally.metadata` section (`None` for a crate without `#[contract]`).
    pub metadata_len: Option<usize>,
    /// The result of checking it against the profile, limits, schedule and ABI.
    pub check: CheckOutcome,
}

/// Options of [`build_contract`].
#[derive(Debug, Default, Clone)]
pub struct BuildOptions {
    /// Cargo target directory; default: cargo's own for the crate (`cargo metadata`'s
    /// `target_directory`: the workspace's `target/` for a workspace member).
    pub target_dir: Option<PathBuf>,
    /// Keep the name section (function names) instead of stripping every symbol.
    pub keep_names: bool,
    /// The wasm shadow-stack size in bytes; `None`: the SDK's default (32 KiB). rustc's own
    /// default (1 MiB) makes every instantiation pay for 16 more zeroed pages.
    pub stack_size: Option<u32>,
}

/// Builds the contract crate at `crate_dir` (the directory holding its `Cargo.toml`).
pub fn build_contract(crate_dir: &Path, options: &BuildOptions) -> Result<BuildOutput, ContractError> {
    let manifest = crate_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(ContractError::Input(format!("{} has no Cargo.toml", crate_dir.display())));
    }
    let crate_dir = crate_dir
        .canonicalize()
        .map_err(|e| ContractError::Io { path: crate_dir.to_path_buf(), message: e.to_string() })?;
    // Absolute, because cargo runs in the crate's directory.
    let manifest = crate_dir.join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let layout = cargo_layout(&cargo, &crate_dir, &manifest)?;
    let target_dir = options.target_dir.clone().unwrap_or(layout.target_directory);
    let stack_size = options.stack_size.unwrap_or_else(|| tally_sdk_build::BuildOptions::default().stack_size);
    let mut rustflags = vec![
        format!("--remap-path-prefix={}=/contract", layout.workspace_root.display()),
        "-C".into(),
        format!("link-arg=-zstack-size={stack_size}"),
    ];
    if let Some(home) = cargo_home() {
        rustflags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }
    if let Some(sysroot) = rustc_sysroot() {
        rustflags.push(format!("--remap-path-prefix={}=/rustc", sysroot.display()));
    }
    let output = Command::new(&cargo)
        // `rustc --crate-type cdylib` rather than `build`: a contract other crates depend on (for
        // its types and typed reference, or its tests' typed client) is also an `rlib`, and
        // cargo runs no LTO for a library with an `rlib` among its crate types.
        .args(["rustc", "--lib", "--crate-type", "cdylib", "--release", "--locked", "--target", WASM_TARGET])
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(&manifest)
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
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
        .output()
        .map_err(|e| ContractError::Input(format!("cannot run {cargo:?}: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("target may not be installed") || stderr.contains("can't find crate for `core`") {
            "\nhint: rustup target add wasm32-unknown-unknown"
        } else if stderr.contains("--locked") || stderr.contains("lock file") {
            "\nhint: run `cargo generate-lockfile` once; builds are --locked so they are reproducible"
        } else {
            ""
        };
        return Err(ContractError::Input(format!(
            "cargo rustc (the build) failed ({}):\n{stderr}{hint}",
            output.status
        )));
    }
    let wasm = wasm_artifact(&String::from_utf8_lossy(&output.stdout)).ok_or_else(|| {
        ContractError::Input(format!("cargo built no .wasm: does {} have a library target?", manifest.display()))
    })?;
    // The metadata section, generated natively from the crate's `#[contract]` module.
    let metadata = tally_sdk_build::embed_metadata(&manifest, &target_dir, None, &wasm, true)
        .map_err(|e| ContractError::Input(e.to_string()))?;
    let code = read_file(&wasm)?;
    let check = check_code(&code)?;
    let metadata_len = if metadata { tally_sdk_build::read_metadata(&code).map(<[u8]>::len) } else { None };
    Ok(BuildOutput { wasm, size: code.len(), metadata_len, check })
}

/// Where cargo builds a crate: its workspace's target directory and root.
struct CargoLayout {
    target_directory: PathBuf,
    workspace_root: PathBuf,
}

/// Asks `cargo metadata` (without resolving dependencies) for the crate's target directory and
/// workspace root.
fn cargo_layout(cargo: &OsString, crate_dir: &Path, manifest: &Path) -> Result<CargoLayout, ContractError> {
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"])
        .arg(manifest)
        .current_dir(crate_dir)
        .output()
        .map_err(|e| ContractError::Input(format!("cannot run {cargo:?}: {e}")))?;
    if !output.status.success() {
        return Err(ContractError::Input(format!(
            "cargo metadata (reading {}) failed ({}):\n{}",
            manifest.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| ContractError::Input(format!("cargo metadata printed no JSON: {e}")))?;
    let path = |field: &str| {
        metadata[field]
            .as_str()
            .map(PathBuf::from)
            .ok_or_else(|| ContractError::Input(format!("cargo metadata for {} has no `{field}`", manifest.display())))
    };
    Ok(CargoLayout { target_directory: path("target_directory")?, workspace_root: path("workspace_root")? })
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

fn cargo_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Some(PathBuf::from(home));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo"))
}

fn rustc_sysroot() -> Option<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let out = Command::new(rustc).args(["--print", "sysroot"]).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let path = text.trim();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// The options of `tally build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The contract crate (the directory with its Cargo.toml).
    #[arg(default_value = ".")]
    path: PathBuf,

    /// Cargo's target directory (default: cargo's own, e.g. the workspace's `target/` for a
    /// member of a cargo workspace).
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,

    /// Keep the name section (function names in trap reports) instead of stripping it.
    #[arg(long)]
    keep_names: bool,

    /// The contract's stack size in bytes (default 32768, the SDK's; rustc's 1 MiB costs 16
    /// more memory pages, paid at every call).
    #[arg(long, value_name = "BYTES")]
    stack_size: Option<u32>,

    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs `tally build`: builds the crate, checks the module and prints both results.
pub fn command(args: BuildArgs) -> ExitCode {
    let options =
        BuildOptions { target_dir: args.target_dir, keep_names: args.keep_names, stack_size: args.stack_size };
    let out = match build_contract(&args.path, &options) {
        Ok(out) => out,
        Err(err) => return error_exit(&err, args.json),
    };
    if args.json {
        println!(
            "{}",
            json!({
                "wasm": out.wasm.display().to_string(),
                "size": out.size,
                "metadata_size": out.metadata_len,
                "check": check_to_json(&out.check),
            })
        );
    } else {
        println!("built {} ({} bytes)", out.wasm.display(), out.size);
        if let Some(len) = out.metadata_len {
            println!("metadata: {len} bytes (section tally.metadata; `tally metadata` prints it)");
        }
        print!("{}", format_check(&out.check));
    }
    exit_code(out.check.is_ok(), EXIT_ERROR)
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
