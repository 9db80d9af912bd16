//! Library half of the `tally` command-line tool: one module per command family, each holding
//! its command-line options, its logic (testable without spawning a process) and its output.
//! The binary (`src/main.rs`) is the command tree and dispatches to them.
//!
//! - [`run`]: `tally run`, which compiles, instantiates and invokes one export, optionally
//!   metered (`--gas`); [`value`] parses its arguments and prints its results.
//! - [`instrument`]: `tally instrument` and `tally schedule`.
//! - [`contract`]: `tally check`, `deploy`, `call`, `query` and `replay`, against a state
//!   database, with SDK methods and their arguments.
//! - [`build`]: `tally build`, which compiles a contract crate reproducibly.
//! - [`new`]: `tally new`, which scaffolds a contract crate with a test.
//! - [`inspect`]: `tally inspect --ir`, the VM's translated code of a module's functions.
//!
//! What they share: [`load`] reads every input file (modules, schedules, records) under one
//! size limit; [`CliError`] says why input could not be read or a module not run; [`output`]
//! holds the exit codes and reports errors.

#![warn(missing_docs)]

pub mod build;
pub mod contract;
mod error;
pub mod inspect;
pub mod instrument;
pub mod load;
pub mod new;
pub mod output;
pub mod run;
pub mod value;

pub use error::CliError;
