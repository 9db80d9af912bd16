//! `tally new <path>`: scaffold a contract crate that builds with `tally build` and tests itself
//! on `TestChain` with its typed client.
//!
//! The crate (named after the path's last component) gets a `Cargo.toml` (a `cdylib` and
//! `rlib`, feature `ref-only`, `tally-sdk` and `tally-sdk-testing` by path, the contract release
//! profile), a `build.rs` that links plain `cargo build`s with the SDK's 32 KiB stack, a counter
//! contract in `src/lib.rs` (storage, an event, an error, `#[init]`, `#[call]`, `#[view]`), a test
//! in `tests/<module>.rs` deploying it through its typed client, and a `.gitignore`. The SDK is
//! found at `--sdk-path`, else beside the sources this `tally` was built from.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use crate::contract::ContractError;
use crate::output::error_exit;

/// The options of `tally new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The crate's directory (created; it must not exist or be empty). Its last component names
    /// the crate: lowercase letters, digits, `-` and `_`, starting with a letter.
    path: PathBuf,

    /// The `contract-sdk` directory of a Tally checkout (default: the one this `tally` was built
    /// from).
    #[arg(long, value_name = "DIR")]
    sdk_path: Option<PathBuf>,

    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// What `tally new` wrote.
#[derive(Debug)]
pub struct Scaffold {
    /// The crate's directory.
    pub dir: PathBuf,
    /// The package name.
    pub name: String,
    /// The files written, relative to `dir`, in order.
    pub files: Vec<String>,
}

/// The `contract-sdk` directory beside the sources this binary was built from, if it is still
/// there.
fn default_sdk_path() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../contract-sdk").canonicalize().ok()
}

/// Checks a package name: what cargo accepts and a Rust module can be named after.
fn check_name(name: &str) -> Result<(), ContractError> {
    let mut chars = name.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !starts_with_letter || !rest_ok {
        return Err(ContractError::Input(format!(
            "`{name}` cannot name a contract crate: use lowercase letters, digits, `-` and `_`, starting with a letter"
        )));
    }
    let module = name.replace('-', "_");
    const RESERVED: [&str; 8] = ["test", "core", "alloc", "std", "tally_sdk", "self", "crate", "super"];
    if RESERVED.contains(&module.as_str()) {
        return Err(ContractError::Input(format!("`{name}` would shadow the crate `{module}`; choose another name")));
    }
    Ok(())
}

/// `my-token` → `MyToken`: the storage struct, and so `MyTokenClient` and `MyTokenRef`.
fn camel_case(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A TOML basic string holding `path`.
fn toml_path(path: &Path) -> String {
    let s = path.display().to_string();
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn cargo_toml(name: &str, sdk: &Path) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[lib]
# cdylib: the .wasm module; rlib: the contract's types, typed reference and typed client, for
# its own tests and for other contracts.
crate-type = ["cdylib", "rlib"]

[features]
# For contracts that depend on this one: its types and reference without its entry points.
ref-only = []

[dependencies]
tally-sdk = {{ path = {sdk} }}

[dev-dependencies]
tally-sdk-testing = {{ path = {testing} }}

# What `tally build` forces anyway; here so plain `cargo build` matches it.
[profile.release]
opt-level = "z"
lto = true
panic = "abort"
codegen-units = 1
strip = true
"#,
        sdk = toml_path(sdk),
        testing = toml_path(&sdk.join("testing")),
    )
}

const BUILD_RS: &str = r#"//! Links the contract with a 32 KiB wasm stack, as `tally build` does: every call pays for the
//! initial memory page by page, and rustc's default 1 MiB stack would add 16 pages.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=-zstack-size=32768");
    }
}
"#;

fn lib_rs(module: &str, storage: &str) -> String {
    format!(
        r#"//! The `{storage}` contract: a counter anyone can bump by up to 100.
#![no_std]

extern crate alloc;

/// The contract.
#[tally_sdk::contract]
pub mod {module} {{
    use tally_sdk::prelude::*;

    /// The contract's state.
    #[storage]
    pub struct {storage} {{
        count: Item<u64>,
    }}

    /// The count was bumped.
    #[derive(Debug, PartialEq, Eq)]
    #[event]
    pub struct Bumped {{
        #[topic]
        pub by: Address,
        pub count: u64,
    }}

    /// Why a call was refused (the revert data is its SCALE encoding).
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Error {{
        /// A bump of more than 100.
        TooBig,
    }}

    impl {storage} {{
        /// Starts counting at `start`.
        #[init]
        pub fn init(&mut self, start: u64) {{
            self.count.set(&start);
        }}

        /// Adds `by` (at most 100) and returns the new count.
        #[call]
        pub fn bump(&mut self, by: u64) -> Result<u64, Error> {{
            if by > 100 {{
                return Err(Error::TooBig);
            }}
            let count = self.count.get_or_default() + by;
            self.count.set(&count);
            emit(&Bumped {{ by: env::caller(), count }});
            Ok(count)
        }}

        /// The count.
        #[view]
        pub fn get(&self) -> u64 {{
            self.count.get_or_default()
        }}
    }}
}}
"#
    )
}

fn test_rs(module: &str, storage: &str) -> String {
    format!(
        r#"//! `{storage}` on `TestChain`, through its typed client: the real wasm, with exact gas.

use {module}::{module}::{{Bumped, Error, {storage}Client}};
use tally_sdk_testing::TestChain;

#[test]
fn bumps_and_refuses_big_bumps() {{
    // Compiles this crate for wasm32 once per test process (into target/tally-contracts).
    let wasm = tally_sdk_testing::build_contract(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME")).unwrap();
    let mut chain = TestChain::new();
    let alice = TestChain::alice();

    let contract = {storage}Client::deploy(&mut chain, &wasm, alice, 5).unwrap();
    assert_eq!(contract.call(&mut chain, alice).bump(2).unwrap(), Ok(7));
    assert_eq!(contract.events::<Bumped>(&chain), [Bumped {{ by: alice, count: 7 }}]);
    assert_eq!(contract.query(&mut chain).get().unwrap(), 7);

    // The contract's own error, and nothing changed.
    let before = chain.snapshot();
    assert_eq!(contract.call(&mut chain, alice).bump(101).unwrap(), Err(Error::TooBig));
    assert!(chain.snapshot() == before);
    println!("{{}}", chain.gas_report());
}}
"#
    )
}

/// Writes the crate at `dir` (which must not exist, or be an empty directory), using the SDK at
/// `sdk` (a `contract-sdk` directory).
pub fn scaffold(dir: &Path, sdk: &Path) -> Result<Scaffold, ContractError> {
    let io = |path: &Path, e: std::io::Error| ContractError::Io { path: path.to_path_buf(), message: e.to_string() };
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| ContractError::Input(format!("{} does not end in a crate name", dir.display())))?
        .to_string();
    check_name(&name)?;
    if !sdk.join("Cargo.toml").is_file() || !sdk.join("testing/Cargo.toml").is_file() {
        return Err(ContractError::Input(format!(
            "{} is not Tally's contract-sdk directory (no Cargo.toml, or no testing/Cargo.toml); pass --sdk-path",
            sdk.display()
        )));
    }
    let sdk = sdk.canonicalize().map_err(|e| io(sdk, e))?;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| io(dir, e))?;
        if entries.next().is_some() {
            return Err(ContractError::Input(format!("{} exists and is not empty", dir.display())));
        }
    }
    let (module, storage) = (name.replace('-', "_"), camel_case(&name));
    let files = [
        ("Cargo.toml".to_string(), cargo_toml(&name, &sdk)),
        ("build.rs".to_string(), BUILD_RS.to_string()),
        ("src/lib.rs".to_string(), lib_rs(&module, &storage)),
        (format!("tests/{module}.rs"), test_rs(&module, &storage)),
        (".gitignore".to_string(), "/target\n".to_string()),
    ];
    for (relative, text) in &files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    Ok(Scaffold { dir: dir.to_path_buf(), name, files: files.into_iter().map(|(f, _)| f).collect() })
}

/// Runs `tally new`.
pub fn command(args: NewArgs) -> ExitCode {
    let sdk = match args.sdk_path.clone().or_else(default_sdk_path) {
        Some(sdk) => sdk,
        None => {
            let err = ContractError::Input(
                "cannot find Tally's contract-sdk (this tally was built elsewhere); pass --sdk-path <tally>/contract-sdk"
                    .into(),
            );
            return error_exit(&err, args.json);
        }
    };
    let made = match scaffold(&args.path, &sdk) {
        Ok(made) => made,
        Err(err) => return error_exit(&err, args.json),
    };
    if args.json {
        println!("{}", json!({ "dir": made.dir.display().to_string(), "name": made.name, "files": made.files }));
    } else {
        println!("created contract crate `{}` in {}", made.name, made.dir.display());
        for f in &made.files {
            println!("  {f}");
        }
        println!(
            "next:\n  cd {}\n  cargo generate-lockfile   # tally build is --locked\n  cargo test --release      # builds the contract for wasm32 and runs its test\n  tally build               # the deployable .wasm",
            made.dir.display()
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_modules_and_types() {
        assert_eq!(camel_case("my-token"), "MyToken");
        assert_eq!(camel_case("pool_v2"), "PoolV2");
        assert_eq!(camel_case("a"), "A");
        assert!(check_name("my-token").is_ok());
        for bad in ["", "9lives", "My", "a b", "café", "test", "std"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_are_toml_strings() {
        assert_eq!(toml_path(Path::new("/a/b")), "\"/a/b\"");
        assert_eq!(toml_path(Path::new("/a\"b")), "\"/a\\\"b\"");
    }
}
