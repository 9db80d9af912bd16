//! Fuzz target `smith_differential`: the check is `tally_conformance::fuzz::smith_differential`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally_conformance::fuzz::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = Target::SmithDifferential.check(data) {
        panic!("smith_differential: {finding}");
    }
});
