//! Translated modules as bytes: [`Module::serialize`] and [`Module::deserialize`], so that an
//! embedder can keep translated code (in a database, across restarts) and load it again without
//! validating, instrumenting or translating the Wasm a second time.
//!
//! # Format
//!
//! Little-endian, fixed-width fields, in this order: a header (magic `TLYVMOD\0`,
//! [`FORMAT_VERSION`], the op table's [fingerprint](crate::exec::op_table::fingerprint), and
//! every field of the engine's [`Config`](crate::Config)), then the module: types, imports,
//! the type of every function, tables, memories, globals, exports, start, element and data
//! segments, the words of branch-site bits the module reserves in a store, and each defined
//! function (parameters, locals, frame size, and its ops and source
//! offsets). An op is its handler's *id* (its position in the op table, `exec/op_table.rs`,
//! never an address) and its three operand fields. The one operand that depends on the engine, a `call_indirect`'s
//! interned signature, is written as the module's type index and interned again on load. What
//! follows from the rest (the signature ids, import counts, metering intrinsics) is recomputed.
//!
//! Decoding refuses, with a [`SerialError`], bytes of another format version, another op table
//! (a different build of the VM) or another configuration, and checks everything it can
//! check cheaply: every length against the bytes left (no allocation beyond the input's size),
//! every handler id against the table, and every operand the op table describes against its
//! bounds (slots within the function's frame, branch targets within its code, function,
//! global, table, segment and type indices within the module, branch-site words within the
//! module's reserved words, which are bounded by the bytes that follow, `br_table` and data-op
//! trailers within the code). It never panics, whatever the bytes.
//!
//! # Soundness
//!
//! The interpreter runs translated code without re-checking what the translator guarantees:
//! its handlers index frames, branch and call through raw pointers on the strength of the
//! translator's invariants (slots within the frame, targets within the code, the value-stack
//! discipline of each op sequence, a terminating op at the end of every path). The checks above
//! cover the indices, but not all of those invariants (which ops may follow which, whether a
//! slot was written before it is read, whether every path ends in a return). So
//! [`Module::deserialize`] is only sound on bytes that [`Module::serialize`] produced, by a
//! build of this crate with the same op table, and that reached the caller unaltered. It is
//! marked `unsafe` for that reason: the caller must keep serialized code where nothing but
//! itself writes it, which is what excludes forgery, and check it against accidental damage
//! before deserializing (`tally-host-env`'s prepared-code store keeps a 64-bit checksum with
//! each entry; a database another party wrote must have its prepared table dropped first). Bytes from
//! a network, another node or a user must go through [`Module::new`] instead.
//!
//! # Where things are
//!
//! This file holds the format's constants, [`SerialError`] and the two entry points; `encode.rs`
//! writes a module in the format, `decode.rs` reads it back (refusing what is incompatible or out
//! of bounds), `check.rs` decodes each function's ops and bounds their operands as the op table describes them, and
//! `wire.rs` holds the byte-level reader and writer and the codecs of the configuration and of
//! the module's types and constant expressions.

mod check;
mod decode;
mod encode;
mod wire;

use crate::module::Module;
use crate::Engine;

/// The magic bytes serialized modules start with.
const MAGIC: &[u8; 8] = b"TLYVMOD\0";

/// The version of the layout described in the module docs. Bump it on any change of layout.
pub const FORMAT_VERSION: u32 = 2;

/// Bytes one op takes: handler id (2), `a` (4), `b` (4), `c` (8).
const OP_BYTES: usize = 18;

/// Why a module could not be serialized or deserialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialError {
    /// The bytes are not serialized code of this format version, op table and configuration
    /// (written by another build of the VM or under another [`Config`](crate::Config)).
    Incompatible {
        /// What differs.
        what: &'static str,
    },
    /// The bytes end early or hold something out of bounds.
    Malformed {
        /// Byte offset in the input where the problem was found.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// The module holds an op whose handler the op table does not list (a defect of the VM; it
    /// cannot be serialized).
    UnknownHandler {
        /// Index of the function in the module's function space.
        func: u32,
        /// The op's index in the function.
        op: usize,
    },
}

impl core::fmt::Display for SerialError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SerialError::Incompatible { what } => write!(f, "serialized module is incompatible: {what}"),
            SerialError::Malformed { offset, message } => {
                write!(f, "serialized module is malformed at byte {offset}: {message}")
            }
            SerialError::UnknownHandler { func, op } => {
                write!(f, "function {func}, op {op}: handler missing from the op table")
            }
        }
    }
}

impl std::error::Error for SerialError {}

impl Module {
    /// The module's translated form as bytes, for [`Module::deserialize`] (see the format and
    /// its soundness conditions there). Deterministic: the same module, translated by the same
    /// build under the same configuration, always gives the same bytes.
    pub fn serialize(&self) -> Result<Vec<u8>, SerialError> {
        encode::encode(self)
    }

    /// A module from bytes [`Module::serialize`] produced, for `engine`, without validating or
    /// translating anything: the checks are those of the module docs' format section, linear in
    /// the bytes. Fails with [`SerialError::Incompatible`] when the bytes were written by
    /// another build of the VM (format version or op table) or under a configuration other than
    /// `engine`'s, and with [`SerialError::Malformed`] when they do not decode or hold an index
    /// out of bounds.
    ///
    /// # Safety
    ///
    /// `bytes` must be exactly what [`Module::serialize`] returned (in a build of this crate
    /// with the same op table), unaltered since: the checks above bound every index, but the
    /// interpreter also relies on invariants of translated code that no check here restores
    /// (see the module docs' soundness section). Keep serialized code where only the embedder
    /// writes it, and check it against accidental damage (a checksum) before calling this.
    pub unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module, SerialError> {
        decode::decode(engine, bytes)
    }
}
