//! Support code for Tally's benchmarks: a generator of large, varied Wasm modules for the
//! `translate/*` benchmarks, and the reader behind the `bench-report` binary.
#![warn(missing_docs)]

pub mod bigmodule;
pub mod report;
