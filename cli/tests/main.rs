//! The CLI's integration tests, one binary (`cargo test -p tally-cli --release --test cli`):
//! one link instead of one per file. Each former test file is a module, so a test's name is
//! `<file>::<test>` (`--test cli <file>::` runs one file's tests).

mod build;
mod cli;
mod contracts;
mod new;
mod sdk;
