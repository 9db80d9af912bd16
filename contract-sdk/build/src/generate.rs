//! The metadata generator: compiles a contract crate natively, runs the `metadata()` its
//! `#[contract]` module generates, and writes the result into the contract's wasm module as the
//! `tally.metadata` section.
//!
//! The type registry comes from `scale_info::TypeInfo`, which only runs code: it cannot be
//! computed by the macro, and running it inside the contract would put the registry's code into
//! every contract. So the crate is compiled a second time, for the host, with `--cfg
//! tally_metadata` on that crate alone (its dependencies, other contracts included, are
//! unaffected), which makes `#[contract]` export the unmangled `__tally_contract_metadata`; a
//! three-line program linked against it prints the section's bytes. This is ink!'s way too.
//!
//! The native build goes to `<target>/tally-metadata` (the dev profile without debug info,
//! since only its output matters), the program and its output next to it; the output is reused
//! while the crate's native library is unchanged.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{leb, read_metadata, sections, BuildError, Metadata, METADATA_SECTION};

/// What the native build produced: the contract's library and how to link against it.
struct NativeLib {
    /// The crate name (`--extern` name).
    crate_name: String,
    /// The `.rlib`.
    rlib: PathBuf,
    /// `-L` paths and `-l` libraries build scripts asked for.
    link_paths: Vec<String>,
    link_libs: Vec<String>,
}

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

fn rustc() -> OsString {
    std::env::var_os("RUSTC").filter(|r| !r.is_empty()).unwrap_or_else(|| OsString::from("rustc"))
}

/// Compiles `package` natively as an `rlib` with `--cfg tally_metadata`.
fn native_build(
    manifest_path: &Path,
    dir: &Path,
    package: Option<&str>,
    locked: bool,
) -> Result<NativeLib, BuildError> {
    let what = package.map_or_else(|| manifest_path.display().to_string(), str::to_string);
    let mut cmd = Command::new(cargo());
    cmd.args(["rustc", "--lib", "--crate-type", "rlib", "--message-format=json-render-diagnostics"])
        .arg("--manifest-path")
        .arg(manifest_path)
        .env("CARGO_TARGET_DIR", dir)
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .env("CARGO_PROFILE_DEV_INCREMENTAL", "false")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    if let Some(p) = package {
        cmd.args(["-p", p]);
    }
    if locked {
        cmd.arg("--locked");
    }
    cmd.args(["--", "--cfg", "tally_metadata"]);
    let output =
        cmd.output().map_err(|e| BuildError::new(format!("cannot run {:?} for the metadata: {e}", cargo())))?;
    if !output.status.success() {
        return Err(BuildError::new(format!(
            "building {what} natively for its metadata failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let mut lib = None;
    let (mut link_paths, mut link_libs) = (Vec::new(), Vec::new());
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let strings = |key: &str| -> Vec<String> {
            msg[key]
                .as_array()
                .map_or_else(Vec::new, |a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        };
        match msg["reason"].as_str() {
            Some("build-script-executed") => {
                link_paths.extend(strings("linked_paths"));
                link_libs.extend(strings("linked_libs"));
            }
            Some("compiler-artifact") => {
                // The root crate comes last.
                if let Some(rlib) = strings("filenames").into_iter().find(|f| f.ends_with(".rlib")) {
                    let name = msg["target"]["name"].as_str().unwrap_or_default().replace('-', "_");
                    lib = Some((name, PathBuf::from(rlib)));
                }
            }
            _ => {}
        }
    }
    let (crate_name, rlib) = lib.ok_or_else(|| BuildError::new(format!("the native build of {what} made no rlib")))?;
    Ok(NativeLib { crate_name, rlib, link_paths, link_libs })
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The section's bytes for `package`: `None` when the crate has no `#[contract]` module (no
/// `__tally_contract_metadata` to link against).
fn generate(
    manifest_path: &Path,
    target_dir: &Path,
    package: Option<&str>,
    locked: bool,
) -> Result<Option<Vec<u8>>, BuildError> {
    let dir = target_dir.join("tally-metadata");
    let lib = native_build(manifest_path, &dir, package, locked)?;
    let package = &lib.crate_name;
    let gen_dir = dir.join("gen");
    std::fs::create_dir_all(&gen_dir)
        .map_err(|e| BuildError::new(format!("cannot create {}: {e}", gen_dir.display())))?;
    let cached = gen_dir.join(format!("{}.section", lib.crate_name));
    if let (Some(out), Some(built)) = (modified(&cached), modified(&lib.rlib)) {
        if out > built {
            let bytes = std::fs::read(&cached)
                .map_err(|e| BuildError::new(format!("cannot read {}: {e}", cached.display())))?;
            return Ok(Some(bytes));
        }
    }
    // One program and binary per generation: builds of the same contract may run side by side,
    // in other processes and in this one (tests build the same example from several threads),
    // and one must not overwrite, or delete, what another is about to run.
    static GENERATION: AtomicU64 = AtomicU64::new(0);
    let unique = format!("{}-{}-{}", lib.crate_name, std::process::id(), GENERATION.fetch_add(1, Ordering::Relaxed));
    let source = gen_dir.join(format!("{unique}.rs"));
    let program = format!(
        "extern crate {name};\n\
         extern \"Rust\" {{\n    fn __tally_contract_metadata() -> Vec<u8>;\n}}\n\
         fn main() {{\n    use std::io::Write;\n    \
         // SAFETY: #[contract] defines it in `{name}` with this signature (under --cfg tally_metadata).\n    \
         let bytes = unsafe {{ __tally_contract_metadata() }};\n    \
         std::io::stdout().write_all(&bytes).expect(\"write the metadata\");\n}}\n",
        name = lib.crate_name
    );
    std::fs::write(&source, program).map_err(|e| BuildError::new(format!("cannot write {}: {e}", source.display())))?;
    let binary = gen_dir.join(format!("{unique}{}", std::env::consts::EXE_SUFFIX));
    let mut cmd = Command::new(rustc());
    cmd.args(["--edition", "2021", "--crate-type", "bin", "--crate-name", "tally_metadata_gen", "-C", "debuginfo=0"])
        .arg("-o")
        .arg(&binary)
        .arg("--extern")
        .arg(format!("{}={}", lib.crate_name, lib.rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", dir.join("debug").join("deps").display()));
    for p in &lib.link_paths {
        cmd.arg("-L").arg(p);
    }
    for l in &lib.link_libs {
        cmd.arg("-l").arg(l);
    }
    let output = cmd.arg(&source).output();
    let _ = std::fs::remove_file(&source);
    let output = output.map_err(|e| BuildError::new(format!("cannot run {:?}: {e}", rustc())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("__tally_contract_metadata") {
            // Not an SDK contract: nothing to describe.
            return Ok(None);
        }
        return Err(BuildError::new(format!("linking the metadata generator of {package} failed:\n{stderr}")));
    }
    let run = Command::new(&binary).output();
    let _ = std::fs::remove_file(&binary);
    let run = run.map_err(|e| BuildError::new(format!("cannot run the metadata generator of {package}: {e}")))?;
    if !run.status.success() {
        return Err(BuildError::new(format!(
            "the metadata generator of {package} failed ({}):\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        )));
    }
    Metadata::parse(&run.stdout)
        .map_err(|e| BuildError::new(format!("the metadata generated for {package} is refused: {e}")))?;
    write_atomically(&cached, &run.stdout)?;
    Ok(Some(run.stdout))
}

/// Replaces the file at `path` with `bytes` (a new file renamed over it).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    let tmp = path.with_extension(unique_tmp_extension());
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| BuildError::new(format!("cannot write {}: {e}", path.display())))
}

/// A temporary file's extension no other writer uses at the same time: the process id and a
/// counter. Threads of one process (tests building the same contract) write the same files;
/// with the process id alone, one thread's rename took the other's temporary file away.
pub(crate) fn unique_tmp_extension() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("tmp{}-{n}", std::process::id())
}

/// `wasm` with its `tally.metadata` sections replaced by one holding `section` (at the end), or
/// `None` if `wasm` is not a well-formed module at the section level.
pub fn with_metadata(wasm: &[u8], section: &[u8]) -> Option<Vec<u8>> {
    let mut out = wasm[..8.min(wasm.len())].to_vec();
    for s in sections(wasm)? {
        if s.name != Some(METADATA_SECTION.as_bytes()) {
            out.extend_from_slice(s.bytes);
        }
    }
    let name = METADATA_SECTION.as_bytes();
    let mut body = Vec::new();
    leb(name.len() as u32, &mut body);
    body.extend_from_slice(name);
    body.extend_from_slice(section);
    out.push(0);
    leb(u32::try_from(body.len()).ok()?, &mut out);
    out.extend_from_slice(&body);
    Some(out)
}

/// Generates the metadata of contract crate `package` of the workspace at `manifest_path` (or,
/// `None`, of the package that manifest is) and writes it into the module at `wasm` (replacing
/// any `tally.metadata` section). `target_dir` is the wasm build's; the native build goes under
/// it. `locked` passes `--locked` to cargo. A module without the placeholder section
/// `#[contract]` puts there (not an SDK contract) is left as it is, without building anything.
/// Returns whether a section was written.
pub fn embed_metadata(
    manifest_path: &Path,
    target_dir: &Path,
    package: Option<&str>,
    wasm: &Path,
    locked: bool,
) -> Result<bool, BuildError> {
    let code = std::fs::read(wasm).map_err(|e| BuildError::new(format!("cannot read {}: {e}", wasm.display())))?;
    // `#[contract]` marks its modules with a placeholder section: without one, this is not an
    // SDK contract, and there is nothing to generate.
    if read_metadata(&code).is_none() {
        return Ok(false);
    }
    let Some(section) = generate(manifest_path, target_dir, package, locked)? else { return Ok(false) };
    let rewritten = with_metadata(&code, &section)
        .ok_or_else(|| BuildError::new(format!("{} is not a well-formed wasm module", wasm.display())))?;
    if rewritten != code {
        write_atomically(wasm, &rewritten)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom_sections;

    #[test]
    fn the_section_is_replaced_at_the_end() {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let first = with_metadata(&wasm, b"\x02old").expect("module");
        wasm.extend_from_slice(&[1, 1, 0]);
        let module = with_metadata(&[&first[..], &[1, 1, 0]].concat(), b"\x02new").expect("module");
        assert_eq!(custom_sections(&module, METADATA_SECTION), Some(vec![&b"\x02new"[..]]));
        assert_eq!(&module[8..11], &[1, 1, 0], "other sections keep their order");
        let long = vec![7u8; 300];
        let module = with_metadata(&wasm, &long).expect("module");
        assert_eq!(custom_sections(&module, METADATA_SECTION), Some(vec![&long[..]]));
        assert_eq!(with_metadata(b"\0asm\x01\0\0\0\x01\x05", b""), None);
    }
}
