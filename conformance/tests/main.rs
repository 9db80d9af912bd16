//! The conformance crate's integration tests, one binary (`cargo test -p tally-conformance --release --test conformance`):
//! one link instead of one per file. Each former test file is a module, so a test's name is
//! `<file>::<test>` (`--test conformance <file>::` runs one file's tests).

mod fuzz_regressions;
mod harness;
mod instrumented;
mod ir_listing;
mod profile_agreement;
mod spec;
mod test_layout;
