//! One prepared-code entry as bytes: a checksum of the rest, a header (format version, the
//! code's shape, the instrumented module's length, the function names of the code's name
//! section) and the VM's serialized module.
//!
//! # Soundness
//!
//! The interpreter trusts translated code: its handlers rely on invariants the translator
//! establishes (slots within the frame, branch targets within the code, the order of ops), and
//! [`tally_vm::Module::deserialize`] checks the indices but cannot restore all of those. So an
//! entry must be the node's own output, unaltered, and it is only ever decoded after its
//! checksum matched: [`Entry::open`] hashes the bytes after the first 8 and refuses the entry
//! unless the hash equals them. Accidental damage (a torn write, a flipped bit, a truncated
//! file) is thereby a miss, never a misread; the VM's own checks (format version, op table
//! fingerprint, configuration, every index and operand bound) stand behind the checksum, and
//! refuse an entry of another build or configuration.
//!
//! The checksum is a 64-bit hash (foldhash's quality hasher under a fixed seed), not Keccak-256:
//! a hash stored beside the bytes it covers defends against damage, not forgery (whoever can
//! rewrite an entry can rewrite its hash, whatever the hash function), and against damage 64
//! bits suffice (a random alteration passes with probability 2^-64). Keccak-256 took 157 µs of a
//! 218 µs load of the escrow example's 48 KB entry, as much as instrumenting its code; this hash
//! takes a few µs. Deliberate forgery is outside what the checksum defends against: whoever can
//! write the database can equally replace the node's binary. **Entries must never travel between
//! nodes**: a database file taken from another party (a state snapshot) must not bring its
//! prepared-code table along, since a forged entry with a matching checksum would be decoded.
//! Snapshot tooling must export the state tables only, or the receiving node must drop the
//! prepared table (every load is then a miss, which costs time only).

use core::hash::BuildHasher;

use parity_scale_codec::{Decode, Encode};
use tally_vm::{Engine, Module, SerialError};

use crate::limits::CodeShape;

/// The version of the entry layout (the header's SCALE encoding and what follows it). The VM's
/// module bytes carry their own version.
const ENTRY_VERSION: u32 = 1;

/// Bytes of the checksum at the start of an entry.
const CHECKSUM_BYTES: usize = 8;

/// The checksum of an entry's `body` (everything after the checksum).
fn checksum(body: &[u8]) -> [u8; CHECKSUM_BYTES] {
    // Any fixed seed: entries are checked only by the build (and crate version) that wrote them;
    // another version's hash makes every entry a miss, which costs time only.
    const SEED: u64 = 0x7461_6c6c_795f_7072; // "tally_pr"
    foldhash::quality::FixedState::with_seed(SEED).hash_one(body).to_le_bytes()
}

/// What an entry holds besides the module: everything a load needs before (and besides)
/// decoding the module.
#[derive(Encode, Decode)]
struct Header {
    version: u32,
    shape: CodeShape,
    module_len: u64,
    names: Vec<(u32, String)>,
}

/// An entry whose hash matched, with its header decoded and its module not yet.
pub(crate) struct Entry {
    /// The code's shape, as `check_code` measured it: what the load charges for.
    pub shape: CodeShape,
    /// Length of the instrumented module.
    pub module_len: usize,
    /// Function names from the code's name section.
    pub names: Vec<(u32, String)>,
    bytes: Vec<u8>,
    module_at: usize,
}

/// Why an entry was not used (it is then a miss).
#[derive(Debug)]
pub(crate) enum EntryError {
    /// Shorter than its checksum, or the checksum does not match.
    Hash,
    /// The header does not decode or is another version.
    Header(String),
    /// The VM refused the module bytes.
    Module(SerialError),
}

impl core::fmt::Display for EntryError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EntryError::Hash => f.write_str("prepared entry: its checksum does not match its bytes"),
            EntryError::Header(e) => write!(f, "prepared entry: header: {e}"),
            EntryError::Module(e) => write!(f, "prepared entry: {e}"),
        }
    }
}

impl Entry {
    /// The bytes of an entry for `module` and what the runtime keeps beside it.
    pub fn encode(
        module: &Module,
        shape: CodeShape,
        module_len: usize,
        names: &[(u32, String)],
    ) -> Result<Vec<u8>, SerialError> {
        let header = Header { version: ENTRY_VERSION, shape, module_len: module_len as u64, names: names.to_vec() };
        let module = module.serialize()?;
        // One buffer: the checksum's place, then the body, hashed where it lies (entries of
        // large code are megabytes; a deploy should not copy them twice).
        let header = header.encode();
        let mut out = Vec::with_capacity(CHECKSUM_BYTES + header.len() + module.len());
        out.extend_from_slice(&[0; CHECKSUM_BYTES]);
        out.extend_from_slice(&header);
        out.extend_from_slice(&module);
        let sum = checksum(&out[CHECKSUM_BYTES..]);
        out[..CHECKSUM_BYTES].copy_from_slice(&sum);
        Ok(out)
    }

    /// Checks the checksum of `bytes` and decodes the header. Work linear in the bytes, whose
    /// length is bounded by a multiple of the code's (charged by length before this).
    pub fn open(mut bytes: Vec<u8>) -> Result<Entry, EntryError> {
        if bytes.len() < CHECKSUM_BYTES || checksum(&bytes[CHECKSUM_BYTES..]) != bytes[..CHECKSUM_BYTES] {
            return Err(EntryError::Hash);
        }
        let mut rest = &bytes[CHECKSUM_BYTES..];
        let header = Header::decode(&mut rest).map_err(|e| EntryError::Header(e.to_string()))?;
        if header.version != ENTRY_VERSION {
            return Err(EntryError::Header(format!("entry version {}", header.version)));
        }
        let module_at = bytes.len() - rest.len();
        bytes.shrink_to_fit();
        Ok(Entry {
            shape: header.shape,
            module_len: usize::try_from(header.module_len).unwrap_or(usize::MAX),
            names: header.names,
            bytes,
            module_at,
        })
    }

    /// The module, for `engine`. Work proportional to the code's shape: charge for it first.
    pub fn module(&self, engine: &Engine) -> Result<Module, EntryError> {
        // SAFETY: `open` checked that the bytes are what `encode` hashed, and only `encode`
        // (this node, this build: the VM refuses another op table) writes entries (see the
        // module docs' soundness section).
        unsafe { Module::deserialize(engine, &self.bytes[self.module_at..]) }.map_err(EntryError::Module)
    }
}
