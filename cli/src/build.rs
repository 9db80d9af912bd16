//! `tally build`: compile a contract crate to deployable, reproducible WebAssembly.
//!
//! Compiles with `tally_sdk_build::compile`, the one wasm32 build driver, which TestChain's
//! builds (`tally-sdk-testing`) and the SDK examples use too, so a contract's tests see the bytes
//! and the gas of what `tally build` deploys: `cargo rustc --lib --crate-type cdylib --release
//! --target wasm32-unknown-unknown --locked` with the contract profile forced (`opt-level = "z"`,
//! fat LTO, `panic = "abort"`, one codegen unit, no debug info, `strip = "symbols"`, which also
//! drops the name section; `--keep-names` keeps it, for readable traps in tests) and paths
//! remapped, so two builds of the same sources give identical bytes. The wasm stack is 32 KiB
//! unless `--stack-size` says otherwise (see [`BuildOptions::stack_size`]). An SDK contract's metadata is then generated natively and
//! written into the module (`tally_sdk_build::embed_metadata`), and the result is checked like
//! `tally check`.
//!
//! Artifacts go where cargo itself would put them: the target directory `cargo metadata` reports
//! (for a member of a cargo workspace, the workspace's `target/`, not one inside the member;
//! `CARGO_TARGET_DIR` and `build.target-dir` are honoured), unless `--target-dir` says otherwise.
//! The path remapped is the workspace's root, so a contract depending on other members of its
//! workspace is reproducible too; a path dependency outside the workspace root makes the bytes
//! depend on where it is checked out (cargo hashes its absolute path into the crates' metadata).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use crate::contract::check::{check_code, check_to_json, format_check, CheckOutcome};
use crate::contract::ContractError;
use crate::load::read_file;
use crate::output::{error_exit, exit_code, EXIT_ERROR};

/// The compilation target of contracts.
pub const WASM_TARGET: &str = tally_sdk_build::WASM_TARGET;

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
    let manifest =
        manifest.canonicalize().map_err(|e| ContractError::Io { path: manifest.clone(), message: e.to_string() })?;
    let input = |e: tally_sdk_build::BuildError| ContractError::Input(e.to_string());
    let target_dir = match &options.target_dir {
        Some(dir) => dir.clone(),
        None => tally_sdk_build::cargo_layout(&manifest).map_err(input)?.target_directory,
    };
    let defaults = tally_sdk_build::BuildOptions::default();
    let driver = tally_sdk_build::BuildOptions {
        stack_size: options.stack_size.unwrap_or(defaults.stack_size),
        keep_names: options.keep_names,
        locked: true,
        ..defaults
    };
    let wasm = tally_sdk_build::compile(&manifest, &target_dir, None, &driver).map_err(input)?;
    // The metadata section, generated natively from the crate's `#[contract]` module.
    let metadata = tally_sdk_build::embed_metadata(&manifest, &target_dir, None, &wasm, true).map_err(input)?;
    let code = read_file(&wasm)?;
    let check = check_code(&code)?;
    let metadata_len = if metadata { tally_sdk_build::read_metadata(&code).map(<[u8]>::len) } else { None };
    Ok(BuildOutput { wasm, size: code.len(), metadata_len, check })
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
