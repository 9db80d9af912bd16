//! Fuzz target `decode`: the check is `tally_conformance::fuzz::decode`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally_conformance::fuzz::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = Target::Decode.check(data) {
        panic!("decode: {finding}");
    }
});
