//! Support code for Tally's benchmarks: a generator of large, varied Wasm modules for the
//! `translate/*` benchmarks, the reader behind the `bench-report` binary, and the adversarial
//! time-per-gas harness behind the `time-per-gas` binary (contract builders, scenarios,
//! measurement) and its CI guard, and the cost calibration behind the `calibrate` binary.
#![warn(missing_docs)]

pub mod attacks;
pub mod bigmodule;
pub mod calibrate;
pub mod guard;
pub mod report;
pub mod scenarios;
pub mod tpg;
