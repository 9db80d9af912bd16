//! The cost calibration (issue 11): measures every price of the cost model on its worst-case
//! input at several sizes, fits `const + per_unit · x`, converts time to gas at one stated unit
//! (1 ns per 1000 gas, [`file::UNIT`]), and writes a calibration file (the proposed `Schedule`
//! and `HostCosts`) and a report. Run by the `calibrate` binary; `BENCHMARKS.md`,
//! "Calibration", describes the method and how to rerun it.
//!
//! - [`terms`]: what is priced, and the operator classes;
//! - [`fit`]: least squares and rounding;
//! - [`file`]: the calibration file.

pub mod file;
pub mod fit;
pub mod terms;
