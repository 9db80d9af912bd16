//! Target `module_new`: arbitrary bytes as a module. `tally_vm::Module::new` (with and without
//! floats), `tally_gas_injector::instrument` and wasmparser's validator with the profile's
//! features must accept exactly the same modules, and the VM must reject at the validator's
//! byte offset ([`crate::agreement`]).
//!
//! Issue 12's first finding lives in `fuzz/regressions/module_new/`: a load whose memarg has the
//! multi-memory flag bit set (with a memory index) was accepted by the VM, which parsed with
//! wasmparser's default features, and rejected by the validator with the profile's.

use crate::agreement::Agreement;

thread_local! {
    /// Engines are built once per thread: building one per input would dominate the run.
    static AGREEMENT: Agreement = Agreement::new();
}

/// Checks one input; `Err` lists the disagreements.
pub fn check(data: &[u8]) -> Result<(), String> {
    let verdicts = AGREEMENT.with(|a| a.check(data));
    super::findings(verdicts.disagreements)
}
