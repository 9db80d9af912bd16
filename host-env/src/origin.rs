//! Locating a rejection in the code as deployed: the VM sees the instrumented module, whose
//! byte offsets and function indices differ from the deployed code's. On the error path only,
//! the code is instrumented again with the injector's offset map
//! ([`tally_gas_injector::instrument_with_map`]) to send the VM's offset back to the deployed
//! byte; function indices lose the injector's shift.

use tally_profile::metering::FUNC_SHIFT;
use tally_vm::ErrorKind;

/// A VM error about the instrumented module of `code`, located in `code`: the byte offset and
/// the function index in the code as deployed, when the error names them.
pub(crate) fn locate(code: &[u8], schedule: &tally_gas_injector::Schedule, error: &tally_vm::Error) -> Located {
    let function = error.function().and_then(|f| f.checked_sub(FUNC_SHIFT));
    let offset = error.offset().and_then(|at| {
        // The same instrumentation that produced the module the VM refused (it succeeded then).
        let (_, map) = tally_gas_injector::instrument_with_map(code, schedule).ok()?;
        map.original_offset(at)
    });
    Located { offset, function }
}

/// Where a VM error is in the code as deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Located {
    pub offset: Option<usize>,
    pub function: Option<u32>,
}

/// The VM's description of `error` without its location (which is the instrumented module's):
/// its class (e.g. `limit exceeded`) and the VM's message, or the whole rendering for an error
/// that names no place in the module.
pub(crate) fn describe(error: &tally_vm::Error) -> (&'static str, String) {
    use tally_vm::Error;
    let class = match error.kind() {
        ErrorKind::Invalid => "invalid module",
        ErrorKind::UnsupportedFeature => "unsupported feature",
        ErrorKind::LimitExceeded => "limit exceeded",
        _ => "refused",
    };
    match error {
        Error::Invalid { message, .. }
        | Error::UnsupportedFeature { message, .. }
        | Error::ReservedImport { problem: message, .. }
        | Error::LimitExceeded { message, .. } => (class, message.clone()),
        other => (class, other.to_string()),
    }
}

/// The byte offset of import number `index` (in import order) of `code`, which is valid.
pub(crate) fn import_offset(code: &[u8], index: usize) -> Option<usize> {
    let features = tally_profile::features();
    let imports = tally_profile::parser(features).parse_all(code).find_map(|payload| match payload {
        Ok(wasmparser::Payload::ImportSection(reader)) => Some(reader),
        _ => None,
    })?;
    let (offset, _) = imports.into_imports_with_offsets().nth(index)?.ok()?;
    Some(offset as usize)
}
