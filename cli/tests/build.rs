//! `tally build`: a real contract crate compiles to wasm32, passes the check, and two builds of
//! the same sources in different directories give identical bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

const CARGO_TOML: &str = r#"[package]
name = "tiny-contract"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]
path = "src/lib.rs"

[workspace]
"#;

const LIB_RS: &str = r#"#![no_std]
#[link(wasm_import_module = "tally_host_v1")]
extern "C" {
    fn return_set(ptr: *const u8, len: u32);
    fn abort(code: u32) -> !;
}

#[no_mangle]
pub extern "C" fn hello() {
    let msg = b"hello from a contract";
    unsafe { return_set(msg.as_ptr(), msg.len() as u32) }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { abort(1) }
}
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tally-build-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), CARGO_TOML).unwrap();
    std::fs::write(dir.join("src/lib.rs"), LIB_RS).unwrap();
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("generate-lockfile")
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

fn tally_build(dir: &Path) -> (serde_json::Value, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_tally")).arg("build").arg(dir).arg("--json").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let wasm = std::fs::read(json["wasm"].as_str().unwrap()).unwrap();
    (json, wasm)
}

#[test]
fn builds_are_checked_and_reproducible() {
    let (a, b) = (scratch("a"), scratch("b"));
    let (json_a, wasm_a) = tally_build(&a);
    let (_, wasm_b) = tally_build(&b);
    assert_eq!(json_a["size"].as_u64(), Some(wasm_a.len() as u64));
    assert_eq!(json_a["check"]["ok"], true, "{json_a}");
    // Not a tally-sdk contract: no metadata, and nothing built to make it.
    assert!(json_a["metadata_size"].is_null(), "{json_a}");
    assert!(!a.join("target").join("tally-metadata").exists());
    assert!(wasm_a.starts_with(b"\0asm"));
    assert_eq!(wasm_a, wasm_b, "two directories, identical bytes");
    // Rebuilding in place changes nothing either.
    assert_eq!(tally_build(&a).1, wasm_a);
    for dir in [a, b] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn relative_paths_work() {
    let dir = scratch("rel");
    let parent = dir.parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tally"))
        .arg("build")
        .arg(dir.file_name().unwrap())
        .current_dir(parent)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("built "));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_directory_without_a_crate_is_an_error() {
    let dir = std::env::temp_dir().join(format!("tally-build-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tally")).arg("build").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Cargo.toml"));
    let _ = std::fs::remove_dir_all(dir);
}

/// `tally build` of an SDK contract writes the metadata its `#[contract]` module describes. Slow
/// (a wasm32 and a native build of the token example and its dependencies in a scratch target
/// directory, minutes on two cores), so not in CI:
///
/// ```sh
/// cargo test -p tally-cli --release --test cli -- --ignored --exact build::sdk_contracts_get_their_metadata
/// ```
#[test]
#[ignore]
fn sdk_contracts_get_their_metadata() {
    let target = std::env::temp_dir().join(format!("tally-build-{}-sdk", std::process::id()));
    let token = tally_sdk_build::examples_dir().join("token");
    let out = Command::new(env!("CARGO_BIN_EXE_tally"))
        .arg("build")
        .arg(&token)
        .arg("--target-dir")
        .arg(&target)
        .arg("--json")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let wasm = std::fs::read(json["wasm"].as_str().unwrap()).unwrap();
    let section = tally_sdk_build::read_metadata(&wasm).expect("a metadata section");
    assert_eq!(json["metadata_size"].as_u64(), Some(section.len() as u64));
    // The same metadata TestChain's build of the example carries.
    let example = tally_sdk_build::example("token").unwrap();
    assert_eq!(Some(section), tally_sdk_build::read_metadata(&example));
    let meta = tally_sdk_build::metadata_of(&wasm).unwrap().expect("parses");
    assert_eq!(meta.contract, "Token");
    let _ = std::fs::remove_dir_all(target);
}

#[test]
fn a_workspace_member_builds_into_the_workspace_target_dir() {
    let root = std::env::temp_dir().join(format!("tally-build-{}-workspace", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = [\"first\", \"second\"]\n")
        .unwrap();
    for member in ["first", "second"] {
        let dir = root.join(member);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        // A member: no `[workspace]` table of its own.
        let manifest = CARGO_TOML.replace("tiny-contract", member).replace("\n[workspace]\n", "");
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        std::fs::write(dir.join("src/lib.rs"), LIB_RS).unwrap();
    }
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("generate-lockfile")
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(status.success());
    let target = root.canonicalize().unwrap().join("target");
    for member in ["first", "second"] {
        let out = Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(["build", "--json"])
            .arg(root.join(member))
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let wasm = PathBuf::from(json["wasm"].as_str().unwrap());
        assert_eq!(wasm, target.join(format!("wasm32-unknown-unknown/release/{member}.wasm")));
        assert!(wasm.is_file());
        assert!(!root.join(member).join("target").exists(), "no target/ inside the member {member}");
    }
    let _ = std::fs::remove_dir_all(root);
}
