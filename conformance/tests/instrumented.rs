//! Issue 3 §5, "spec suite": every `wasm-v2` spec module, instrumented by `tally-gas-injector`
//! with the default schedule and run on tally-vm with unlimited gas and stack budget (a fresh
//! store starts with `u64::MAX` of both), passes the spec assertions exactly like the original:
//! the same number of passing directives in every file, the same skips, and no failure.
//!
//! Every binary a directive compiles is transformed before the run:
//! - modules that validate under Tally's profile (`module`, `module definition`,
//!   `assert_unlinkable`, and the modules of `assert_trap`/`assert_return` on instantiation) are
//!   replaced by their instrumented form, which must also pass `verify` and translate to the same
//!   module or error with and without the VM's second validation; a module the instrumenter
//!   rejects keeps its original bytes and is counted and printed with the reason, and the only
//!   accepted reason is a reserved `tally` name;
//! - binaries that do not validate (`assert_invalid`, `assert_malformed`, out-of-profile
//!   modules) must be rejected by the instrumenter too, and are left as they are.

use std::collections::BTreeMap;

use tally_conformance::{run_scripts, spec_config, spec_scripts, Action, DirectiveKind, Script, SpecVersion, Summary};
use tally_gas_injector::{instrument, validate, verify, Schedule};

#[derive(Default, Debug)]
struct Counts {
    instrumented: usize,
    /// Valid modules the instrumenter rejected: (file, reason).
    rejected_valid: Vec<(String, String)>,
    /// Invalid binaries the instrumenter rejected too.
    rejected_invalid: usize,
    /// Invalid binaries the instrumenter accepted (must stay 0).
    accepted_invalid: Vec<String>,
    original_bytes: usize,
    instrumented_bytes: usize,
}

thread_local! {
    /// The VM with its default limits and with [`tight`](tally_conformance::agreement::tight)
    /// ones: each translates every instrumented module with and without a second validation, as
    /// a metered load does, and must get the same module or the same error.
    static ENGINES: [tally_vm::Engine; 2] = [
        tally_vm::Engine::default(),
        tally_vm::Engine::new(tally_conformance::agreement::tight()),
    ];
}

fn transform(file: &str, wasm: &mut Vec<u8>, schedule: &Schedule, counts: &mut Counts) {
    let result = std::panic::catch_unwind(|| instrument(wasm, schedule))
        .unwrap_or_else(|_| panic!("{file}: instrument panicked"));
    if validate(wasm).is_ok() {
        match result {
            Ok(out) => {
                validate(&out).unwrap_or_else(|e| panic!("{file}: instrumented module is invalid: {e}"));
                verify(wasm, &out, schedule).unwrap_or_else(|e| panic!("{file}: verify failed: {e}"));
                ENGINES.with(|engines| {
                    for engine in engines {
                        tally_conformance::agreement::prevalidated_agrees(engine, &out)
                            .unwrap_or_else(|e| panic!("{file}: {e}"));
                    }
                });
                counts.instrumented += 1;
                counts.original_bytes += wasm.len();
                counts.instrumented_bytes += out.len();
                *wasm = out;
            }
            Err(e) => counts.rejected_valid.push((file.to_string(), format!("{e:?}"))),
        }
    } else {
        match result {
            Ok(_) => counts.accepted_invalid.push(file.to_string()),
            Err(_) => counts.rejected_invalid += 1,
        }
    }
}

fn reject_only(file: &str, wasm: &[u8], schedule: &Schedule, counts: &mut Counts) {
    let mut copy = wasm.to_vec();
    transform(file, &mut copy, schedule, counts);
}

fn instrument_script(script: &Script, schedule: &Schedule, counts: &mut Counts) -> Script {
    let mut out = script.clone();
    let file = script.name.as_str();
    for d in &mut out.directives {
        match &mut d.kind {
            DirectiveKind::Module { wasm, .. }
            | DirectiveKind::ModuleDefinition { wasm, .. }
            | DirectiveKind::AssertUnlinkable { wasm, .. } => transform(file, wasm, schedule, counts),
            DirectiveKind::AssertTrap { action: Action::Instantiate { wasm }, .. }
            | DirectiveKind::AssertReturn { action: Action::Instantiate { wasm }, .. }
            | DirectiveKind::Action(Action::Instantiate { wasm }) => transform(file, wasm, schedule, counts),
            DirectiveKind::AssertInvalid { wasm, .. } | DirectiveKind::AssertMalformed { wasm, .. } => {
                reject_only(file, wasm, schedule, counts)
            }
            _ => {}
        }
    }
    out
}

#[test]
fn instrumented_spec_suite_passes_like_the_original() {
    let schedule = Schedule::default();
    let scripts = spec_scripts(SpecVersion::V2, &[]);
    let mut counts = Counts::default();
    let instrumented: Vec<Script> = scripts.iter().map(|s| instrument_script(s, &schedule, &mut counts)).collect();

    let config = spec_config();
    let original = run_scripts(&scripts, &config);
    let metered = run_scripts(&instrumented, &config);

    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, why) in &counts.rejected_valid {
        println!("not instrumented: {file}: {why}");
        *reasons.entry(why.split(['(', ' ', '{']).next().unwrap_or("")).or_default() += 1;
    }
    let (o, m) = (Summary::of(&original), Summary::of(&metered));
    println!("original:     {o}");
    println!("instrumented: {m}");
    println!(
        "{} modules instrumented and verified ({} -> {} bytes), {} valid modules not instrumented {:?}, \
         {} invalid binaries rejected by the instrumenter",
        counts.instrumented,
        counts.original_bytes,
        counts.instrumented_bytes,
        counts.rejected_valid.len(),
        reasons,
        counts.rejected_invalid
    );
    let mut mismatches = Vec::new();
    for (a, b) in original.iter().zip(&metered) {
        for n in &b.failures {
            mismatches.push(format!("{}:{}: {} failed instrumented: {}", b.file, n.line, n.command, n.message));
        }
        if a.passed != b.passed || a.skips != b.skips {
            mismatches.push(format!(
                "{}: original passed {} (skipped {}), instrumented passed {} (skipped {})",
                a.file,
                a.passed,
                a.skips.len(),
                b.passed,
                b.skips.len()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{} differences:\n{}", mismatches.len(), mismatches.join("\n"));
    assert!(counts.accepted_invalid.is_empty(), "invalid binaries instrumented: {:?}", counts.accepted_invalid);
    // The only acceptable reason not to instrument a valid spec module is a reserved name.
    for (file, why) in &counts.rejected_valid {
        assert!(why.contains("Reserved"), "{file}: a valid module was not instrumented: {why}");
    }
    assert_eq!(original.len(), 90);
    assert_eq!(o.failed, 0);
    assert_eq!(m.failed, 0);
    assert_eq!(o.passed, m.passed);
    assert!(m.passed >= 26_000, "{m}");
    assert!(counts.instrumented > 1_000, "{counts:?}");
    assert!(counts.rejected_invalid > 100, "{counts:?}");
}
