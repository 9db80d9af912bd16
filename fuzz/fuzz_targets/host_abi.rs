//! Fuzz target `host_abi`: the check is `tally_conformance::fuzz::host_abi`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally_conformance::fuzz::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = Target::HostAbi.check(data) {
        panic!("host_abi: {finding}");
    }
});
