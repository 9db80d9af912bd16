//! Tally's cross-CPU determinism corpus: generated modules and contract executions whose outputs
//! were produced once, on x86-64, and committed in `corpus/`. Every build, on every architecture,
//! must reproduce them byte for byte, and every committed execution record must replay.
//!
//! - `corpus/bare.txt`: generated modules (`bare.rs`, `numeric.rs`, `machine.rs`) run
//!   uninstrumented and instrumented (`run_bare.rs`): results and trap kinds, gas used, hashes of
//!   memory and globals, out of gas at many exact points.
//! - `corpus/contracts.txt`: hand-written contracts deployed and called through `Runtime`
//!   (`contracts.rs`): status, gas, return data, result hash, receipt bytes, and the hash of the
//!   execution record, which pins its bytes; every record is then replayed.
//!
//! The crate depends on nothing but the product crates and a WAT parser, so it builds quickly
//! for any target: CI runs it on x86-64, natively on i686 and on aarch64 under qemu-user
//! (`.ci/run`), and a node operator can run it on new hardware the same way:
//!
//! ```text
//! cargo test -p tally-determinism --release --target <triple>
//! ```
//!
//! A mismatch names the first differing case and value ([`check_bare`], [`check_contracts`]).
//! When outputs change on purpose (a gas price, a receipt field, a new case), regenerate every
//! file on x86-64 and commit them ([`REGENERATE`]).

#![warn(missing_docs)]

mod bare;
mod check;
mod contracts;
mod expect;
mod machine;
mod numeric;
mod run_bare;

pub use check::{check_bare, check_contracts, regenerate, BARE, CONTRACTS, REGENERATE};
