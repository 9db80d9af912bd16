//! Target `body_check`: the profile's own body validator (`tally_profile::body`) against
//! wasmparser's, and the injector's two ways of validating bodies against each other.
//!
//! On any bytes: [`tally_profile::body::cross_check`] runs both validators in lockstep on every
//! body the module validator hands out, with and without floats, and fails where the profile's
//! accepts what wasmparser rejects or, both accepting, their stacks differ; and
//! `instrument_with_map` (the profile's validator first, wasmparser's on a body it declines) and
//! `instrument_reference` (wasmparser's only) must give the same output, origin map and error,
//! under the default schedule and a uniform one.

use tally_gas_injector::{instrument_reference, instrument_with_map, Schedule};

/// Checks one input; `Err` describes the first broken promise.
pub fn check(data: &[u8]) -> Result<(), String> {
    for (features, name) in
        [(tally_profile::features(), "with floats"), (tally_profile::features_without_floats(), "without floats")]
    {
        tally_profile::body::cross_check(data, features).map_err(|e| format!("{name}: {e}"))?;
    }
    for (i, schedule) in [Schedule::default(), Schedule::uniform(1)].iter().enumerate() {
        same_instrumentation(data, schedule).map_err(|e| format!("schedule {i}: {e}"))?;
    }
    Ok(())
}

/// `Err` unless `instrument_with_map` and `instrument_reference` agree on `wasm`: the same
/// bytes and map, or the same error (its message and its fields).
pub fn same_instrumentation(wasm: &[u8], schedule: &Schedule) -> Result<(), String> {
    match (instrument_with_map(wasm, schedule), instrument_reference(wasm, schedule)) {
        (Ok(fast), Ok(reference)) if fast == reference => Ok(()),
        (Ok((fast, _)), Ok((reference, _))) if fast != reference => {
            Err(format!("outputs differ ({} and {} bytes)", fast.len(), reference.len()))
        }
        (Ok(_), Ok(_)) => Err("origin maps differ".into()),
        (Err(fast), Err(reference)) if format!("{fast:?}") == format!("{reference:?}") => Ok(()),
        (fast, reference) => Err(format!(
            "the fast path gives {:?}, wasmparser's {:?}",
            fast.map(|(out, _)| out.len()),
            reference.map(|(out, _)| out.len())
        )),
    }
}
