//! The gas injector's integration tests, one binary (`cargo test -p tally-gas-injector --release --test gas_injector`):
//! one link instead of one per file. Each former test file is a module, so a test's name is
//! `<file>::<test>` (`--test gas_injector <file>::` runs one file's tests).

mod common;

mod adversarial;
mod errors;
mod fast_bodies;
mod golden;
mod locals;
mod ops;
mod oracle;
mod overhead;
mod proptest;
mod schedule;
mod spec_suite;
mod verify;
