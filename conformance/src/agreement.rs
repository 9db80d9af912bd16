//! One profile, one verdict: `tally_vm::Module::new`, `tally_gas_injector::instrument` and
//! wasmparser's validator with the profile's features (`tally_profile::features`, the reference)
//! must accept exactly the same modules.
//!
//! A component may refuse a module the reference accepts only for a reason of its own, each
//! class named in [`vm_exclusion`] and [`injector_exclusion`]; every other difference is a
//! disagreement. Where the reference rejects, the VM must reject with an error at the
//! reference's byte offset.
//!
//! The profile's own body validator (`tally_profile::body`), which the injector runs before
//! wasmparser's, is held to wasmparser's on every module too ([`crate::fuzz::body_check`]).
//!
//! Used by `tests/profile_agreement.rs` (spec suites, wasm-smith modules and their mutations) and
//! by the `module_new` fuzz target ([`crate::fuzz::module_new`]).

use tally_gas_injector::{instrument, InjectError, Schedule};
use tally_vm::{Config, Engine, Error, Module};
use wasmparser::{BinaryReaderError, ValidPayload, Validator, WasmFeatures};

/// The VM's limits, as large as they go, so that only the profile decides.
pub fn unlimited(floats: bool) -> Config {
    Config {
        floats,
        max_function_size: u32::MAX,
        max_locals: u32::MAX,
        max_params: u32::MAX,
        max_module_size: u32::MAX,
        ..Config::default()
    }
}

/// Why the VM may refuse a module the reference accepts (`None`: it may not).
pub fn vm_exclusion(err: &Error) -> Option<&'static str> {
    match err {
        // A resource limit of the engine's `Config`, not a rule of the profile.
        Error::LimitExceeded { .. } => Some("vm: limit"),
        // The import module `tally` is reserved for the metering intrinsics: an unknown name or
        // a wrong type there is refused (`vm/src/metering.rs`).
        Error::ReservedImport { .. } => Some("vm: reserved `tally` import"),
        _ => None,
    }
}

/// Why the injector may refuse a module the reference accepts (`None`: it may not).
pub fn injector_exclusion(err: &InjectError) -> Option<&'static str> {
    match err {
        // Names reserved for the injected imports and the engine's exports (SPEC.md).
        InjectError::ReservedImport { .. } | InjectError::ReservedExport { .. } => {
            Some("injector: reserved `tally` name")
        }
        // The injector's own bounds: the output must stay within Wasm's implementation limits,
        // gas sums within `u64`, frames within `u32` stack units.
        InjectError::TooLarge { .. } | InjectError::CostOverflow { .. } | InjectError::FrameTooLarge { .. } => {
            Some("injector: bound")
        }
        // `Invalid`, `UnsupportedFeature`, `UnsupportedType` and `Internal` are disagreements; the default schedule
        // forbids no operator, so `Forbidden` is one too.
        _ => None,
    }
}

/// Limits small enough that generated modules reach them: the engine on which
/// [`prevalidated_agrees`] sees the VM's limit errors.
pub fn tight() -> Config {
    Config {
        max_function_size: 400,
        max_locals: 16,
        max_params: 4,
        max_stack_cells: 64,
        max_module_size: 64 * 1024,
        ..Config::default()
    }
}

/// `Module::new_prevalidated` and `Module::new` on `wasm`, a module valid under the profile
/// (an instrumented one): `Err` unless both give the same translated module (the same
/// serialized bytes) or the same error.
pub fn prevalidated_agrees(engine: &Engine, wasm: &[u8]) -> Result<(), String> {
    let full = Module::new(engine, wasm);
    // SAFETY: the caller passes a module valid under the profile.
    let fast = unsafe { Module::new_prevalidated(engine, wasm) };
    match (full, fast) {
        (Ok(full), Ok(fast)) => {
            let (full, fast) = (full.serialize(), fast.serialize());
            if full != fast {
                let size = |s: &Result<Vec<u8>, _>| s.as_ref().map(Vec::len).map_err(Clone::clone);
                return Err(format!(
                    "translated without validation, the module differs ({:?} serialized bytes, {:?} validated)",
                    size(&fast),
                    size(&full)
                ));
            }
            Ok(())
        }
        (Err(full), Err(fast)) if format!("{full:?}") == format!("{fast:?}") => Ok(()),
        (full, fast) => {
            Err(format!("translated without validation: {:?}; validated: {:?}", fast.map(drop), full.map(drop)))
        }
    }
}

/// What the components said about one module.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verdicts {
    /// Whether the reference (with floats) accepts the module.
    pub valid: bool,
    /// Refusals of valid modules for an allowed reason, by class.
    pub excluded: Vec<&'static str>,
    /// Every disagreement, described.
    pub disagreements: Vec<String>,
    /// What the profile's own body validator did with the module's bodies (with floats).
    pub bodies: tally_profile::body::Tally,
}

/// The VM (with and without floats) and the injector (default schedule), ready to judge modules.
pub struct Agreement {
    vm: Engine,
    vm_without_floats: Engine,
    /// The VM with [`tight`] limits, for [`prevalidated_agrees`] on the injector's output.
    vm_tight: Engine,
    schedule: Schedule,
}

impl Default for Agreement {
    fn default() -> Self {
        Self::new()
    }
}

impl Agreement {
    /// Engines with [`unlimited`] configurations and the default schedule.
    pub fn new() -> Self {
        Agreement {
            vm: Engine::new(unlimited(true)),
            vm_without_floats: Engine::new(unlimited(false)),
            vm_tight: Engine::new(tight()),
            schedule: Schedule::default(),
        }
    }

    /// Compares every component with the reference on `wasm`. A panic in a component is a
    /// disagreement (caught when the build unwinds).
    pub fn check(&self, wasm: &[u8]) -> Verdicts {
        let mut out = Verdicts { valid: reference(tally_profile::features(), wasm).is_ok(), ..Verdicts::default() };
        let vms = [
            (&self.vm, tally_profile::features(), "tally-vm"),
            (&self.vm_without_floats, tally_profile::features_without_floats(), "tally-vm without floats"),
        ];
        for (engine, features, name) in vms {
            let reference = reference(features, wasm);
            let got = std::panic::catch_unwind(|| Module::new(engine, wasm).map(drop));
            match (got, reference) {
                (Err(_), _) => out.disagreements.push(format!("{name} panicked")),
                (Ok(Ok(())), Ok(())) => {}
                (Ok(Ok(())), Err(r)) => out.disagreements.push(format!("{name} accepts, the profile rejects: {r}")),
                (Ok(Err(e)), Ok(())) => match vm_exclusion(&e) {
                    Some(class) => out.excluded.push(class),
                    None => out.disagreements.push(format!("{name} rejects, the profile accepts: {e}")),
                },
                // Both reject: the VM's error must be the reference's, at the same byte, unless
                // the VM stopped earlier for a reason of its own.
                (Ok(Err(e)), Err(r)) => match &e {
                    Error::Invalid { offset, .. } | Error::UnsupportedFeature { offset, .. }
                        if *offset == r.offset() as usize => {}
                    _ => match vm_exclusion(&e) {
                        Some(class) => out.excluded.push(class),
                        None => out.disagreements.push(format!("{name} rejects with {e}; the profile with {r}")),
                    },
                },
            }
        }

        let got = std::panic::catch_unwind(|| instrument(wasm, &self.schedule));
        match got {
            Err(_) => out.disagreements.push("instrument panicked".into()),
            Ok(Ok(_)) if !out.valid => out.disagreements.push("the injector accepts, the profile rejects".into()),
            Ok(Err(e)) if out.valid => match injector_exclusion(&e) {
                Some(class) => out.excluded.push(class),
                None => out.disagreements.push(format!("the injector rejects, the profile accepts: {e}")),
            },
            // What a metered load does with the output: the VM translates it without validating
            // it again, and must get what validating it would give.
            Ok(Ok(instrumented)) => {
                for engine in [&self.vm, &self.vm_tight] {
                    if let Err(e) = prevalidated_agrees(engine, &instrumented) {
                        out.disagreements.push(e);
                    }
                }
            }
            Ok(Err(_)) => {}
        }

        // The injector validates bodies with the profile's own validator first: it must never
        // accept what wasmparser rejects, and must change nothing the injector writes.
        match tally_profile::body::cross_check(wasm, tally_profile::features()) {
            Ok(tally) => out.bodies = tally,
            Err(e) => out.disagreements.push(format!("the profile's body validator: {e}")),
        }
        if let Err(e) = tally_profile::body::cross_check(wasm, tally_profile::features_without_floats()) {
            out.disagreements.push(format!("the profile's body validator without floats: {e}"));
        }
        if let Err(e) = crate::fuzz::body_check::same_instrumentation(wasm, &self.schedule) {
            out.disagreements.push(format!("instrument with the profile's body validator: {e}"));
        }
        out
    }
}

/// wasmparser's validator with `features`, parsing with them too, and validating each function
/// body as soon as the parser hands it out, as `Module::new` does (`Validator::validate_all`
/// validates the bodies after the last section, so it reports a later malformed section before
/// an invalid body). Accepts exactly what `validate_all` accepts; checked on every module (a
/// difference panics: the reference itself would be in doubt).
pub fn reference(features: WasmFeatures, wasm: &[u8]) -> Result<(), BinaryReaderError> {
    let streaming = (|| {
        let mut validator = Validator::new_with_features(features);
        for payload in tally_profile::parser(features).parse_all(wasm) {
            if let ValidPayload::Func(func, body) = validator.payload(&payload?)? {
                func.into_validator(Default::default()).validate(&body)?;
            }
        }
        Ok(())
    })();
    let all = Validator::new_with_features(features).validate_all(wasm).map(drop);
    assert_eq!(
        streaming.is_ok(),
        all.is_ok(),
        "the two ways to run wasmparser's validator disagree: {streaming:?} {all:?}"
    );
    streaming
}
