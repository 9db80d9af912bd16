//! The profile's feature set: WebAssembly 2.0 without SIMD, and the parsers and validator that
//! read with it.
//!
//! The features matter to parsing, not only to validation: later proposals give meaning to bytes
//! that 2.0 reserves, so a reader with more features enabled decodes bytes that 2.0 rejects as
//! malformed. For example a memarg whose flags have bit 6 set is "memory index follows" under
//! multi-memory and "reserved flags bits set" under 2.0; with memory64, limits and memarg
//! offsets are read as `u64` LEB128 integers, which accepts encodings too long for the 2.0
//! `u32`. wasmparser's own constructors ([`Parser::new`], [`BinaryReader::new`]) enable every
//! feature; use [`parser`] and [`BinaryReader::new_features`] with [`features`] instead.
//!
//! ```
//! // An i32.load whose memarg has the multi-memory bit (0x40) set: invalid in the profile.
//! let wasm = [
//!     0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
//!     0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: [] -> []
//!     0x03, 0x02, 0x01, 0x00, // function section
//!     0x05, 0x03, 0x01, 0x00, 0x01, // memory section: (memory 1)
//!     0x0a, 0x0b, 0x01, 0x09, 0x00, 0x41, 0x00, 0x28, 0x42, 0x00, 0x00, 0x1a, 0x0b, // code
//! ];
//! let err = tally_profile::validate(&wasm).unwrap_err();
//! assert_eq!(err.offset(), 31);
//! assert!(err.message().contains("reserved flags bits"));
//! ```

#[cfg(doc)]
use wasmparser::BinaryReader;
pub use wasmparser::WasmFeatures;
use wasmparser::{BinaryReaderError, Parser, Validator};

/// THE profile: WebAssembly 2.0 without SIMD, floats included.
///
/// That is the 2.0 proposals (mutable globals, non-trapping float-to-int conversions, sign
/// extension, reference types, multi-value, bulk memory) over the MVP, and nothing else: no SIMD
/// and no post-2.0 proposal (multi-memory, memory64, tail calls, extended constants, threads,
/// exceptions, GC, ...). `GC_TYPES` is not the GC proposal: wasmparser gates every reference
/// type (`externref` included) on it, and reference types need it.
pub fn features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::REFERENCE_TYPES
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::GC_TYPES
        | WasmFeatures::FLOATS
}

/// The profile for chains that forbid floating point: [`features`] without `FLOATS`, so every
/// float type and instruction is rejected at validation (it changes nothing in parsing).
pub fn features_without_floats() -> WasmFeatures {
    features().difference(WasmFeatures::FLOATS)
}

/// A parser at offset 0 that reads with `features` (normally [`features`] or
/// [`features_without_floats`]): the section readers and function bodies it hands out read with
/// them too. wasmparser's [`Parser::new`] reads with every feature it knows.
pub fn parser(features: WasmFeatures) -> Parser {
    let mut parser = Parser::new(0);
    parser.set_features(features);
    parser
}

/// Parses and validates `wasm` under the profile ([`features`]): the reference every Tally
/// component agrees with. ([`Validator::validate_all`] parses with the validator's features.)
pub fn validate(wasm: &[u8]) -> Result<(), BinaryReaderError> {
    Validator::new_with_features(features()).validate_all(wasm).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_is_wasm2_without_simd() {
        assert_eq!(features(), WasmFeatures::WASM2.difference(WasmFeatures::SIMD));
        assert!(!features_without_floats().floats());
        assert_eq!(features_without_floats() | WasmFeatures::FLOATS, features());
    }

    #[test]
    fn the_parser_reads_with_the_features_given() {
        assert_eq!(parser(features()).features(), features());
        assert_eq!(parser(features_without_floats()).features(), features_without_floats());
    }

    /// A module whose only function does `i32.load` with memarg flags `flags`, then a memory
    /// index 0 when `index`, then offset 0; and the offset of the flags.
    fn load_with_flags(flags: u8, index: bool) -> (Vec<u8>, u64) {
        let mut body = vec![0x00, 0x41, 0x00, 0x28, flags];
        body.extend(if index { &[0x00, 0x00][..] } else { &[0x00][..] });
        body.extend([0x1a, 0x0b]);
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01]);
        wasm.extend([0x0a, body.len() as u8 + 2, 0x01, body.len() as u8]);
        let at = wasm.len() as u64 + 4;
        wasm.extend(body);
        (wasm, at)
    }

    /// What `tally-vm` did before issue 12: payloads from `Parser::new` (every feature) fed to a
    /// validator of the profile, and operators decoded by the bodies' readers (which inherit the
    /// parser's features). The reserved memarg bit then reads as "memory index follows".
    fn validate_with_default_parser(wasm: &[u8]) -> Result<(), BinaryReaderError> {
        let mut validator = Validator::new_with_features(features());
        let mut bodies = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            if let wasmparser::ValidPayload::Func(f, body) = validator.payload(&payload?)? {
                bodies.push((f, body));
            }
        }
        // Operators decoded by the body's own reader, as the VM's translator decodes them
        // (`FuncValidator::validate` would switch the reader to the validator's features).
        for (f, body) in bodies {
            let mut validator = f.into_validator(Default::default());
            let mut locals = body.get_locals_reader()?;
            for _ in 0..locals.get_count() {
                let offset = locals.original_position();
                let (count, ty) = locals.read()?;
                validator.define_locals(offset, count, ty)?;
            }
            let mut ops = wasmparser::OperatorsReader::new(locals.get_binary_reader());
            while !ops.eof() {
                let offset = ops.original_position();
                validator.op(offset, &ops.read()?)?;
            }
        }
        Ok(())
    }

    #[test]
    fn validate_parses_with_the_profile() {
        let (valid, _) = load_with_flags(0x02, false);
        validate(&valid).unwrap();
        let (bad, at) = load_with_flags(0x42, true);
        validate_with_default_parser(&bad).unwrap();
        let err = validate(&bad).unwrap_err();
        assert!(err.message().contains("reserved flags bits"), "{err}");
        assert_eq!(err.offset(), at);
    }
}
