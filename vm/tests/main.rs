//! The VM's integration tests, one binary (`cargo test -p tally-vm --release --test vm`):
//! one link instead of one per file. Each former test file is a module, so a test's name is
//! `<file>::<test>` (`--test vm <file>::` runs one file's tests).

mod gas_common;
mod smith_profile;

mod branch_sites;
mod crate_guests;
mod decode;
mod differential;
mod fused_ops;
mod gas_adversarial;
mod gas_branches;
mod gas_engines;
mod gas_oracle;
mod guest;
mod memory_reuse;
mod metering;
mod native_stack;
mod prevalidated;
mod profile;
mod serial;
mod smoke;
mod stack_reuse;
