//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod paths;

use tally_gas_injector::{instrument, validate, verify, Schedule, StackCosts};

/// Instruments `wasm`, checks that the output validates and passes `verify`, and returns it.
pub fn check(wasm: &[u8], schedule: &Schedule) -> Vec<u8> {
    let out = instrument(wasm, schedule).unwrap_or_else(|e| panic!("instrument failed: {e}"));
    if let Err(e) = validate(&out) {
        panic!("instrumented module is invalid at {:#x}: {}", e.offset(), e.message());
    }
    verify(wasm, &out, schedule).unwrap_or_else(|e| panic!("verify failed: {e}"));
    out
}

/// Parses WAT text.
pub fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("bad WAT: {e}"))
}

/// The schedule of the golden tests: every operator costs 1 (so a charge counts operators),
/// `br_table` 10 per target, 50 per change of direction of a branch, 100 per local, 20 per call
/// parameter, distinct dynamic units, and distinct value sizes.
pub fn golden_schedule() -> Schedule {
    let mut s = Schedule::uniform(1);
    s.br_table_per_target = 10;
    s.branch_change = 50;
    s.per_local = 100;
    s.call_per_param = 20;
    s.dynamic.memory_grow_per_page = 1000;
    s.dynamic.memory_init_per_byte = 2;
    s.dynamic.memory_copy_per_byte = 3;
    s.dynamic.memory_fill_per_byte = 4;
    s.dynamic.table_grow_per_element = 5;
    s.dynamic.table_init_per_element = 6;
    s.dynamic.table_copy_per_element = 7;
    s.dynamic.table_fill_per_element = 8;
    s.dynamic.memory_access_per_page = 9;
    s.stack = StackCosts { budget: 1 << 16, activation: 32, i32: 1, i64: 2, f32: 1, f64: 2, funcref: 4, externref: 4 };
    s
}
