//! Deterministic gas metering and stack-height limiting for Tally WebAssembly modules.
//!
//! [`instrument`] rewrites a module so that it pays for its own execution: it imports the four
//! [`metering`] functions from the reserved module `tally` (at function indices 0–3, shifting
//! every other function index by 4), charges each metered region its [`Schedule`] cost at the region's top,
//! charges size-dependent operators per unit just before they run, and reserves and releases
//! each function's worst-case stack frame. [`verify`] independently checks that an
//! instrumented module is exactly the original plus those injected patterns, with the charges the
//! schedule requires. The charging rule is specified in `SPEC.md`; any engine that implements the
//! four imports as documented ([`metering::Meter`] is their reference implementation) charges
//! exactly the same gas. The imports themselves (names, indices, signatures) are defined in
//! `tally-profile`, for the injector and the engines alike, and re-exported here as [`metering`].
//!
//! ```
//! use tally_gas_injector::{instrument, verify, Schedule};
//!
//! let wasm = wat::parse_str(
//!     r#"(module
//!          (func (export "sum") (param $n i32) (result i32) (local $acc i32)
//!            (loop $l
//!              (local.set $acc (i32.add (local.get $acc) (local.get $n)))
//!              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
//!              (br_if $l (local.get $n)))
//!            (local.get $acc)))"#,
//! )?;
//! let schedule = Schedule::default();
//! let metered = instrument(&wasm, &schedule)?;
//! verify(&wasm, &metered, &schedule)?;
//!
//! // The imports the engine must provide, in this order:
//! let imports: Vec<_> = tally_profile::parser(tally_gas_injector::features())
//!     .parse_all(&metered)
//!     .find_map(|p| match p {
//!         Ok(wasmparser::Payload::ImportSection(r)) => Some(r),
//!         _ => None,
//!     })
//!     .unwrap()
//!     .into_imports()
//!     .map(|i| i.map(|i| format!("{}.{}", i.module, i.name)))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(imports, ["tally.gas", "tally.gas_len", "tally.stack_enter", "tally.stack_leave"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod body;
mod error;
mod module;
mod ops;
mod schedule;
mod verify;

pub use error::{InjectError, VerifyError, Which};
pub use module::{instrument, max_output_size};
pub use ops::{Dynamic, OpKind};
pub use schedule::{DynamicCosts, Schedule, ScheduleError, StackCosts, SCHEDULE_VERSION};
pub use verify::verify;

/// The metering contract the output is written against: the injected imports (module name,
/// names, function indices, signatures), the index shift, the reserved names, and the reference
/// [`Meter`](metering::Meter). Defined once, in `tally-profile`, for the injector and every
/// engine; this is a re-export.
pub use tally_profile::metering;

/// Tally's profile: WebAssembly 2.0 without SIMD, floats included. Both the input and the
/// output of [`instrument`] are parsed and validated with it, and so are both modules given to
/// [`verify`]. Defined once, in `tally-profile`, for the injector and `tally-vm` alike; this is
/// a re-export.
pub use tally_profile::features;

/// Parses and validates `wasm` under Tally's profile ([`features`]); a re-export from
/// `tally-profile`.
pub use tally_profile::validate;

/// Appends the unsigned LEB128 encoding of `v`.
pub(crate) fn write_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends the signed LEB128 encoding of `v` (the reference the body writer's encoder is tested
/// against).
#[cfg(test)]
pub(crate) fn write_i64(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::{write_i64, write_u32};

    fn read_i64(bytes: &[u8]) -> i64 {
        let mut r = wasmparser::BinaryReader::new_features(bytes, 0, super::features());
        let v = r.read_var_i64().unwrap();
        assert!(r.eof());
        v
    }

    #[test]
    fn leb128_round_trips() {
        for v in [0i64, 1, -1, 63, 64, -64, -65, 127, 128, i64::from(i32::MIN), i64::MAX, i64::MIN, 1 << 40] {
            let mut out = Vec::new();
            write_i64(&mut out, v);
            assert_eq!(read_i64(&out), v, "{v}");
        }
        for v in [0u32, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            let mut out = Vec::new();
            write_u32(&mut out, v);
            let mut r = wasmparser::BinaryReader::new_features(&out, 0, super::features());
            assert_eq!(r.read_var_u32().unwrap(), v);
            assert!(r.eof());
        }
    }
}
