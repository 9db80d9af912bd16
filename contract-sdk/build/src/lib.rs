//! Native helper for `tally-sdk` contracts: compiles contract crates to
//! `wasm32-unknown-unknown`, writes their metadata into the module (the `tally.metadata` custom
//! section, generated natively from the contract's `#[contract]` module: [`embed_metadata`]),
//! and reads it back ([`read_metadata`], [`metadata_of`]; the format and its strict reader
//! [`Metadata::parse`] are `tally-sdk-metadata`'s, re-exported here).
//!
//! ```no_run
//! use tally_sdk_build::{build, metadata_of, BuildOptions};
//! let wasm = build(
//!     std::path::Path::new("my-contract/Cargo.toml"),
//!     std::path::Path::new("target/contracts"),
//!     &["my-contract"],
//!     &BuildOptions::default(),
//! )?;
//! let code = std::fs::read(&wasm[0]).unwrap();
//! let metadata = metadata_of(&code).expect("well-formed").expect("an SDK contract carries its metadata");
//! println!("{}: {} methods", metadata.contract, metadata.methods.len());
//! # Ok::<(), tally_sdk_build::BuildError>(())
//! ```
//!
//! [`example`] builds the SDK's own examples (`contract-sdk/examples`, members of the
//! repository's workspace) once per test run (a stamp of their sources lets later processes skip
//! cargo); the workspace's tests use it. The wasm32 target must be installed
//! (`rustup target add wasm32-unknown-unknown`).

#![warn(missing_docs)]

mod compile;
mod examples;
mod generate;
mod linker_globals;

use std::fmt;
use std::path::{Path, PathBuf};

pub use compile::{cargo_layout, compile, BuildOptions, CargoLayout, Profile};
pub use examples::{example, examples_dir, examples_manifest, examples_target_dir, EXAMPLES};
pub use generate::{embed_metadata, with_metadata};
pub use linker_globals::without_linker_globals;
pub use tally_sdk_metadata::{
    json, scale_info, value, ArgInfo, EventInfo, Metadata, MetadataError, MethodInfo, MethodKind, ReturnInfo,
    StorageInfo, TypeCollector, PLACEHOLDER,
};

/// The target triple contracts are compiled for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The name of the custom section holding an SDK contract's metadata.
pub const METADATA_SECTION: &str = tally_sdk_metadata::SECTION;

/// Why contracts could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    message: String,
}

impl BuildError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
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

/// Compiles `packages` of the workspace at `manifest_path` for wasm32 into `target_dir`, writes
/// each one's metadata into it ([`embed_metadata`]), and returns the `.wasm` paths, in the order
/// of `packages` (a package `my-token` gives `my_token.wasm`; it must be a `cdylib`).
///
/// Each package is built by a cargo invocation of its own ([`compile`], the build driver `tally
/// build` uses too): a contract may depend on another with feature `ref-only` (for its types and
/// typed reference, without its entry points), and cargo unifies the features of packages built
/// together, which would take the other contract's exports away.
pub fn build(
    manifest_path: &Path,
    target_dir: &Path,
    packages: &[&str],
    options: &BuildOptions,
) -> Result<Vec<PathBuf>, BuildError> {
    packages.iter().map(|p| build_one(manifest_path, target_dir, p, options)).collect()
}

fn build_one(
    manifest_path: &Path,
    target_dir: &Path,
    package: &str,
    options: &BuildOptions,
) -> Result<PathBuf, BuildError> {
    let wasm = compile(manifest_path, target_dir, Some(package), options)?;
    embed_metadata(manifest_path, target_dir, Some(package), &wasm, options.locked)?;
    Ok(wasm)
}

/// Appends `n` as an unsigned LEB128 (the encoding of every count and size in a module), as
/// [`leb_u32`] reads it.
pub(crate) fn leb(mut n: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Reads an unsigned LEB128 `u32` at `*pos`, advancing it; `None` if truncated or too long.
pub fn leb_u32(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result = 0u32;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        result |= u32::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(result);
        }
    }
    None
}

/// One section of a module, as [`sections()`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section<'a> {
    /// The section id (0 for custom sections).
    pub id: u8,
    /// A custom section's name.
    pub name: Option<&'a [u8]>,
    /// A custom section's contents after its name; other sections' contents.
    pub body: &'a [u8],
    /// The whole section, header included.
    pub bytes: &'a [u8],
}

/// The sections of `wasm` in order (`None` if it is not a well-formed module at the section
/// level).
pub fn sections(wasm: &[u8]) -> Option<Vec<Section<'_>>> {
    if wasm.get(..8)? != b"\0asm\x01\0\0\0" {
        return None;
    }
    let mut pos = 8;
    let mut found = Vec::new();
    while pos < wasm.len() {
        let start = pos;
        let id = wasm[pos];
        pos += 1;
        let size = leb_u32(wasm, &mut pos)? as usize;
        let end = pos.checked_add(size)?;
        let body = wasm.get(pos..end)?;
        let (name, body) = if id == 0 {
            let mut p = 0;
            let len = leb_u32(body, &mut p)? as usize;
            let name_end = p.checked_add(len)?;
            (Some(body.get(p..name_end)?), &body[name_end..])
        } else {
            (None, body)
        };
        found.push(Section { id, name, body, bytes: &wasm[start..end] });
        pos = end;
    }
    Some(found)
}

/// The contents of every custom section named `name`, in order (`None` if `wasm` is not a
/// well-formed module at the section level).
pub fn custom_sections<'a>(wasm: &'a [u8], name: &str) -> Option<Vec<&'a [u8]>> {
    Some(sections(wasm)?.into_iter().filter(|s| s.name == Some(name.as_bytes())).map(|s| s.body).collect())
}

/// The `tally.metadata` custom section of an SDK contract, if present (the first, should there
/// be several).
pub fn read_metadata(wasm: &[u8]) -> Option<&[u8]> {
    custom_sections(wasm, METADATA_SECTION)?.into_iter().next()
}

/// The parsed metadata of `wasm`: `Ok(None)` when it has no `tally.metadata` section (not an
/// SDK contract) or only the placeholder (an SDK contract built by plain cargo, without its
/// metadata), an error when the section is malformed.
pub fn metadata_of(wasm: &[u8]) -> Result<Option<Metadata>, MetadataError> {
    match read_metadata(wasm).map(Metadata::parse) {
        None | Some(Err(MetadataError::NotGenerated)) => Ok(None),
        Some(parsed) => parsed.map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_custom_sections() {
        // magic, version, custom section "tally.metadata" with "{}" , then a type section.
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let name = METADATA_SECTION.as_bytes();
        wasm.push(0);
        wasm.push((1 + name.len() + 2) as u8);
        wasm.push(name.len() as u8);
        wasm.extend_from_slice(name);
        wasm.extend_from_slice(b"{}");
        wasm.extend_from_slice(&[1, 1, 0]);
        assert_eq!(read_metadata(&wasm), Some(&b"{}"[..]));
        assert_eq!(metadata_of(&wasm), Err(MetadataError::Version1));
        let placeholder = generate::with_metadata(&wasm, &tally_sdk_metadata::PLACEHOLDER).expect("module");
        assert_eq!(metadata_of(&placeholder), Ok(None));
        assert_eq!(custom_sections(&wasm, "other"), Some(vec![]));
        assert_eq!(custom_sections(&wasm[..wasm.len() - 1], "x"), None);
        assert_eq!(read_metadata(b"not wasm"), None);
    }

    #[test]
    fn threads_replacing_the_same_file_do_not_take_each_others_temporary() {
        // Tests build the same contract from several threads of one process; each replaces the
        // same output files. With a temporary named by the process alone, one thread's rename
        // removed the file the other was about to rename ("No such file or directory").
        let dir = std::env::temp_dir().join(format!("tally-sdk-build-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("out.wasm");
        std::thread::scope(|s| {
            for t in 0..4u8 {
                let path = &path;
                s.spawn(move || {
                    for i in 0..200u8 {
                        generate::write_atomically(path, &[t, i]).unwrap_or_else(|e| panic!("thread {t}: {e}"));
                    }
                });
            }
        });
        assert_eq!(std::fs::read(&path).expect("the last write").len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
