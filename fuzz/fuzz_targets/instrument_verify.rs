//! Fuzz target `instrument_verify`: the check is `tally_conformance::fuzz::instrument_verify`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally_conformance::fuzz::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = Target::InstrumentVerify.check(data) {
        panic!("instrument_verify: {finding}");
    }
});
