//! The benchmark crate's integration tests, one binary (`cargo test -p tally-benches --release --test benches`):
//! one link instead of one per file. Each former test file is a module, so a test's name is
//! `<file>::<test>` (`--test benches <file>::` runs one file's tests).

mod bigmodule;
mod calibrate;
mod guard;
mod metering_inputs;
mod report;
mod time_per_gas;
