//! Tally's profile: what every Tally component must agree on about a module, written down once.
//!
//! The profile has two halves, and this crate owns both (with a validator for the first):
//!
//! - **The feature set** ([`features()`], [`parser`], [`validate`]): WebAssembly 2.0 without
//!   SIMD, the modules a contract may be.
//! - **A body validator of the profile's own** ([`body`]): a cheaper check of function bodies
//!   than wasmparser's, sound (what it accepts wasmparser accepts) and declining whatever it does
//!   not follow, for the injector and the VM to run before falling back to wasmparser.
//! - **Local declarations read directly** ([`locals`]): the plain form compilers write, decoded
//!   without wasmparser's reader (which still reads, and words the errors of, anything else).
//! - **The metering contract** ([`metering`]): the `tally.*` functions an instrumented module
//!   imports (module name, names, function indices, signatures, and so the shift of every other
//!   function index), the reserved names, and [`metering::Meter`] and [`metering::BranchSites`],
//!   the reference semantics of those imports.
//!
//! `tally-gas-injector` writes modules against this contract, `tally-vm` runs them (it implements
//! the imports as intrinsics), and `tally-host-env` maps what the VM reports back to the
//! original module (a trapping function's index, less the shift). None of them defines any part
//! of it again, so they cannot disagree; and because the injector must stay independent of any
//! engine and the VM must run without the injector (and without `wasm-encoder`), the contract
//! lives in neither but in this crate, which depends on nothing but `wasmparser`.
//!
//! Both halves are consensus: a different feature set changes which contracts deploy; a
//! different import index or signature changes which instrumented modules link, and the meter's
//! arithmetic decides when a call runs out of gas. They live in one crate because they are read
//! together (an engine needs both to run an instrumented module) and change together (a new
//! profile version revises both).

#![warn(missing_docs)]

pub mod body;
mod features;
pub mod locals;
pub mod metering;

pub use features::{features, features_without_floats, parser, validate, WasmFeatures};
