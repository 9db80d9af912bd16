//! Fuzz target `module_new`: the check is `tally_conformance::fuzz::module_new`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tally_conformance::fuzz::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(finding) = Target::ModuleNew.check(data) {
        panic!("module_new: {finding}");
    }
});
