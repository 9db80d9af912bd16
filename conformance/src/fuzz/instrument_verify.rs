//! Target `instrument_verify`: arbitrary bytes through `tally_gas_injector::instrument`. When it
//! instruments a module, the output must validate with the profile, pass `verify` (which
//! re-derives every charge independently), stay within `max_output_size`, be the same on a
//! second run, and load in the VM, translated without a second validation as a metered load
//! does (`Module::new_prevalidated`) into the same module or error as with it. Which modules `instrument` accepts at all is `module_new`'s
//! question.

use tally_gas_injector::{instrument, max_output_size, verify, Schedule};

/// The schedules an input is instrumented with: the default one, and one where every operator
/// costs 1 (so that region sums and per-unit charges differ from the default's), branch sites
/// are charged and loads and stores pay per page above a threshold.
fn schedules() -> [Schedule; 2] {
    let mut sites = Schedule::uniform(1);
    sites.branch_change = 7;
    sites.dynamic.memory_access_per_page_above = 5;
    sites.dynamic.memory_access_threshold_pages = 2;
    [Schedule::default(), sites]
}

thread_local! {
    /// A VM engine without limits of its own, so that only the profile decides.
    static ENGINE: tally_vm::Engine = tally_vm::Engine::new(crate::agreement::unlimited(true));
    /// A VM engine with small limits, so that translating without validation meets the VM's
    /// limit errors too.
    static TIGHT: tally_vm::Engine = tally_vm::Engine::new(crate::agreement::tight());
}

/// Checks one input with each schedule; `Err` describes the first broken promise.
pub fn check(data: &[u8]) -> Result<(), String> {
    for (i, schedule) in schedules().iter().enumerate() {
        let Ok(out) = instrument(data, schedule) else { continue };
        let which = format!("schedule {i}");
        if out.len() > max_output_size(data.len()) {
            return Err(format!(
                "{which}: output of {} bytes over max_output_size({}) = {}",
                out.len(),
                data.len(),
                max_output_size(data.len())
            ));
        }
        tally_profile::validate(&out).map_err(|e| format!("{which}: the output does not validate: {e}"))?;
        verify(data, &out, schedule).map_err(|e| format!("{which}: verify rejects the output: {e}"))?;
        match instrument(data, schedule) {
            Ok(again) if again == out => {}
            other => return Err(format!("{which}: a second run differs: {:?}", other.map(|o| o.len()))),
        }
        ENGINE
            .with(|engine| crate::agreement::prevalidated_agrees(engine, &out))
            .map_err(|e| format!("{which}: {e}"))?;
        TIGHT
            .with(|engine| crate::agreement::prevalidated_agrees(engine, &out))
            .map_err(|e| format!("{which}: {e}"))?;
        let loaded = ENGINE.with(|engine| tally_vm::Module::new(engine, &out).map(drop));
        match loaded {
            Ok(()) | Err(tally_vm::Error::LimitExceeded { .. }) => {}
            Err(e) => return Err(format!("{which}: the VM rejects the output: {e}")),
        }
    }
    Ok(())
}
