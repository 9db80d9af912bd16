//! Support code for Tally's benchmarks: a generator of large, varied Wasm modules for the
//! `translate/*` benchmarks, the reader behind the `bench-report` binary, and the adversarial
//! time-per-gas harness behind the `time-per-gas` binary (contract builders, scenarios,
//! measurement) and its CI guard.
#![warn(missing_docs)]

pub mod attacks;
pub mod bigmodule;
pub mod guard;
pub mod report;
pub mod scenarios;
pub mod tpg;
