//! Fuzz target `record_replay`: the check is `tally_conformance::fuzz::record_replay`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally_conformance::fuzz::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = Target::RecordReplay.check(data) {
        panic!("record_replay: {finding}");
    }
});
