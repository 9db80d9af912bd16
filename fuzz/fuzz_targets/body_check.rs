//! Fuzz target `body_check`: the check is `tally_conformance::fuzz::body_check`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally_conformance::fuzz::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = Target::BodyCheck.check(data) {
        panic!("body_check: {finding}");
    }
});
