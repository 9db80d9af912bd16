//! Seed corpora for the fuzz targets: the spec suite's modules, contracts and guest programs
//! (given by the caller, who builds them), the record templates, and pseudo-random inputs for
//! the targets whose inputs are generator bytes.
//!
//! `tests/fuzz_regressions.rs`'s ignored test `write_seed_corpora` builds the guests and the SDK
//! examples and writes the result to `fuzz/seeds/<target>/` (see `fuzz/README.md`).

use std::collections::BTreeMap;
use std::path::Path;

use parity_scale_codec::Encode;
use tally_host_env::Params;

use super::{host_abi, record_replay, Target};
use crate::{spec_scripts, Action, DirectiveKind, Script, SpecVersion};

/// Every binary a spec script compiles: where it comes from, its bytes, and whether the script
/// says it is invalid or malformed.
pub fn script_modules(script: &Script) -> Vec<(String, Vec<u8>, bool)> {
    let mut out = Vec::new();
    for d in &script.directives {
        let (wasm, rejected) = match &d.kind {
            DirectiveKind::Module { wasm, .. }
            | DirectiveKind::ModuleDefinition { wasm, .. }
            | DirectiveKind::AssertUnlinkable { wasm, .. }
            | DirectiveKind::AssertTrap { action: Action::Instantiate { wasm }, .. }
            | DirectiveKind::AssertReturn { action: Action::Instantiate { wasm }, .. }
            | DirectiveKind::Action(Action::Instantiate { wasm }) => (wasm, false),
            DirectiveKind::AssertInvalid { wasm, .. } | DirectiveKind::AssertMalformed { wasm, .. } => (wasm, true),
            _ => continue,
        };
        out.push((format!("{}:{} {}", script.name, d.line, d.command), wasm.clone(), rejected));
    }
    out
}

/// SplitMix64 bytes: a pseudo-random input named by its seed.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend((z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Seeds per target, by file name (duplicates by content removed).
#[derive(Debug, Default)]
pub struct Corpora(pub BTreeMap<Target, BTreeMap<String, Vec<u8>>>);

impl Corpora {
    fn add(&mut self, target: Target, name: &str, bytes: Vec<u8>) {
        let seeds = self.0.entry(target).or_default();
        if seeds.values().any(|b| *b == bytes) {
            return;
        }
        let name: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        let mut unique = name.clone();
        let mut n = 1;
        while seeds.contains_key(&unique) {
            n += 1;
            unique = format!("{name}-{n}");
        }
        seeds.insert(unique, bytes);
    }

    /// Total bytes.
    pub fn size(&self) -> usize {
        self.0.values().flat_map(|s| s.values()).map(Vec::len).sum()
    }

    /// Writes every seed to `dir/<target>/<name>`, replacing what each target's directory held.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        for (target, seeds) in &self.0 {
            let dir = dir.join(target.name());
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            std::fs::create_dir_all(&dir)?;
            for (name, bytes) in seeds {
                std::fs::write(dir.join(name), bytes)?;
            }
        }
        Ok(())
    }
}

/// Spec modules up to this size are seeds (larger ones are few and slow every execution).
const MAX_SPEC_MODULE: usize = 16 * 1024;

/// The seed corpora. `modules` are contracts and programs built by the caller (the SDK examples,
/// the guests), by name; they seed the module targets, and their metadata the decoder.
pub fn corpora(modules: &[(String, Vec<u8>)]) -> Corpora {
    let mut c = Corpora::default();
    // The 2.0 spec suite: valid modules seed the module targets, rejected ones `module_new`.
    for script in spec_scripts(SpecVersion::V2, &[]) {
        for (origin, wasm, rejected) in script_modules(&script) {
            if wasm.len() > MAX_SPEC_MODULE {
                continue;
            }
            let name = format!("spec-{origin}");
            c.add(Target::ModuleNew, &name, wasm.clone());
            if !rejected && tally_profile::validate(&wasm).is_ok() {
                c.add(Target::BodyCheck, &name, wasm.clone());
                c.add(Target::InstrumentVerify, &name, wasm);
            }
        }
    }
    for (name, wasm) in modules {
        c.add(Target::ModuleNew, name, wasm.clone());
        c.add(Target::InstrumentVerify, name, wasm.clone());
        c.add(Target::BodyCheck, name, wasm.clone());
        c.add(Target::Decode, name, wasm.clone());
        if let Some(section) = tally_sdk_build::read_metadata(wasm) {
            c.add(Target::Decode, &format!("{name}-metadata"), section.to_vec());
        }
    }
    // Generator bytes.
    for seed in 0..64u64 {
        let len = [256, 1024, 4096, 8192][(seed % 4) as usize];
        c.add(Target::SmithDifferential, &format!("random-{seed}"), random_bytes(seed, len));
    }
    for (name, bytes) in host_abi::seeds() {
        c.add(Target::HostAbi, &name, bytes);
    }
    // Records, and what they are made of.
    for (name, bytes) in record_replay::seeds() {
        c.add(Target::RecordReplay, &name, bytes);
    }
    for (i, record) in record_replay::templates().iter().enumerate() {
        c.add(Target::Decode, &format!("record-{i}"), record.to_bytes());
        c.add(Target::Decode, &format!("receipt-{i}"), record.outcome.encode());
    }
    c.add(Target::Decode, "schedule-default", tally_gas_injector::Schedule::default().to_bytes());
    c.add(Target::Decode, "params-default", Params::default().to_bytes());
    c
}
