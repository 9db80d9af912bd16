//! Deterministic gas metering and stack-height limiting for Tally WebAssembly modules.
//!
//! [`instrument`] rewrites a module so that it pays for its own execution: it imports the five
//! [`metering`] functions from the reserved module `tally` (at function indices 0–4, shifting
//! every other function index by 5), charges each metered region its [`Schedule`] cost at the
//! region's top, charges size-dependent operators per unit just before they run, charges each
//! conditional branch's change of direction (when the schedule prices it), and reserves and
//! releases each function's worst-case stack frame. [`verify()`] independently checks that an
//! instrumented module is exactly the original plus those injected patterns, with the charges the
//! schedule requires. The charging rule is specified in `SPEC.md`; any engine that implements the
//! five imports as documented ([`metering::Meter`] and [`metering::BranchSites`] are their
//! reference implementation) charges exactly the same gas. The imports themselves (names, indices, signatures) are defined in
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
//! assert_eq!(imports, ["tally.gas", "tally.gas_len", "tally.stack_enter", "tally.stack_leave", "tally.branch"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod body;
mod error;
mod leb;
mod module;
mod ops;
mod origin;
mod schedule;
mod verify;

pub use error::{InjectError, InjectErrorKind, VerifyError, Which};
#[doc(hidden)]
pub use module::instrument_reference;
pub use module::{instrument, instrument_with_map, max_output_size};
pub use ops::{Dynamic, OpKind};
pub use origin::{OffsetMap, Origin};
pub use schedule::{DynamicCosts, Schedule, ScheduleError, StackCosts, SCHEDULE_VERSION};
pub use verify::verify;

/// The metering contract the output is written against: the injected imports (module name,
/// names, function indices, signatures), the index shift, the reserved names, and the reference
/// [`Meter`](metering::Meter). Defined once, in `tally-profile`, for the injector and every
/// engine; this is a re-export.
pub use tally_profile::metering;

/// Tally's profile: WebAssembly 2.0 without SIMD, floats included. Both the input and the
/// output of [`instrument`] are parsed and validated with it, and so are both modules given to
/// [`verify()`]. Defined once, in `tally-profile`, for the injector and `tally-vm` alike; this is
/// a re-export.
pub use tally_profile::features;

/// Parses and validates `wasm` under Tally's profile ([`features`]); a re-export from
/// `tally-profile`.
pub use tally_profile::validate;
