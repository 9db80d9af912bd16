//! The checks behind the fuzz targets of `fuzz/`, as ordinary library code.
//!
//! Each target is one function from bytes to a verdict, [`Target::check`]: `Ok(())` when the
//! input shows nothing wrong (an input that is merely invalid — a malformed module, a corrupted
//! record — is fine as long as every component handles it the way it must), `Err` describing a
//! finding. The fuzz targets in `fuzz/fuzz_targets/` are thin wrappers that panic on `Err`; the
//! same functions replay every committed regression input in an ordinary test
//! (`tests/fuzz_regressions.rs`), with no nightly toolchain.
//!
//! | target | checks |
//! |---|---|
//! | [`module_new`] | `Module::new`, `instrument` and wasmparser's validator with the profile accept the same modules ([`crate::agreement`]) |
//! | [`instrument_verify`] | what `instrument` returns validates, passes `verify`, stays within its size bound, is deterministic and loads in the VM |
//! | [`smith_differential`] | wasm-smith modules run on tally-vm and on wasmi 2, original (wasm-smith's fuel counter) and instrumented: results, traps, gas, memories, globals, tables |
//! | [`record_replay`] | execution records from raw bytes and from mutated valid records: decoding is canonical, replay is bounded by the record, deterministic and agrees with the record when it succeeds |
//! | [`host_abi`] | generated contracts call host functions with chosen pointers, lengths and values through `Runtime`: receipts (never errors), gas within the limit, failures commit nothing, determinism, replay |
//! | [`body_check`] | the profile's own body validator never accepts what wasmparser's rejects and, both accepting, has the same stacks; `instrument` with it and with wasmparser's alone gives the same output, origins and errors |
//! | [`decode`] | receipts, accounts, schedules, params, records and contract metadata (section reader, both JSON readers) from arbitrary bytes: no panic, canonical round trips, agreement |
//!
//! A finding never depends on timing: a hang is what libFuzzer's `-timeout` (or a test that does
//! not finish) reports; the checks only bound the work they ask for (gas limits, replay
//! ceilings) so that an honest input always finishes quickly.

pub mod body_check;
mod chain;
pub mod decode;
pub mod host_abi;
pub mod instrument_verify;
pub mod module_new;
pub mod record_replay;
pub mod seeds;
pub mod smith_differential;

use std::path::PathBuf;

/// One fuzz target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// [`module_new`].
    ModuleNew,
    /// [`instrument_verify`].
    InstrumentVerify,
    /// [`smith_differential`].
    SmithDifferential,
    /// [`record_replay`].
    RecordReplay,
    /// [`host_abi`].
    HostAbi,
    /// [`decode`].
    Decode,
    /// [`body_check`].
    BodyCheck,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 7] = [
        Target::ModuleNew,
        Target::InstrumentVerify,
        Target::SmithDifferential,
        Target::RecordReplay,
        Target::HostAbi,
        Target::Decode,
        Target::BodyCheck,
    ];

    /// The target's name: its file in `fuzz/fuzz_targets/` and its directory under
    /// `fuzz/seeds/`, `fuzz/corpus/` and `fuzz/regressions/`.
    pub fn name(self) -> &'static str {
        match self {
            Target::ModuleNew => "module_new",
            Target::InstrumentVerify => "instrument_verify",
            Target::SmithDifferential => "smith_differential",
            Target::RecordReplay => "record_replay",
            Target::HostAbi => "host_abi",
            Target::Decode => "decode",
            Target::BodyCheck => "body_check",
        }
    }

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Checks one input: `Err` describes a finding.
    pub fn check(self, data: &[u8]) -> Result<(), String> {
        match self {
            Target::ModuleNew => module_new::check(data),
            Target::InstrumentVerify => instrument_verify::check(data),
            Target::SmithDifferential => smith_differential::check(data),
            Target::RecordReplay => record_replay::check(data),
            Target::HostAbi => host_abi::check(data),
            Target::Decode => decode::check(data),
            Target::BodyCheck => body_check::check(data),
        }
    }
}

/// The `fuzz/` directory of this repository.
pub fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("fuzz")
}

/// Where `target`'s seed corpus is committed: `fuzz/seeds/<target>/` (campaigns read it and
/// write what they find to `fuzz/corpus/<target>/`, which is not committed).
pub fn seeds_dir(target: Target) -> PathBuf {
    fuzz_dir().join("seeds").join(target.name())
}

/// Where every input that ever made `target` fail (crash, hang or finding) is committed:
/// `fuzz/regressions/<target>/`.
pub fn regressions_dir(target: Target) -> PathBuf {
    fuzz_dir().join("regressions").join(target.name())
}

/// Joins several findings into one message.
fn findings(list: Vec<String>) -> Result<(), String> {
    if list.is_empty() {
        Ok(())
    } else {
        Err(list.join("; "))
    }
}
