//! The host environment's integration tests, one binary (`cargo test -p tally-host-env --release --test host_env`):
//! one link instead of one per file. Each former test file is a module, so a test's name is
//! `<file>::<test>` (`--test host_env <file>::` runs one file's tests).
//! `memory_bound` is a binary of its own: it installs a counting global allocator and must be
//! alone in its process.

mod common;
mod redb_tmp;

mod charges;
mod crash;
mod custom_sections;
mod exec_error;
mod golden_gas;
mod install;
mod limits;
mod memory_reuse;
mod native_stack;
mod nested_gas;
mod pipeline;
mod prepared;
mod rejections;
mod replay;
mod result_hash;
mod storage;
