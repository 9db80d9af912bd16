//! A contract's memory starts as a fresh one in every frame, although the runtime's engine hands
//! frames the memories of earlier stores: a transaction that dirties its memory (and grows it,
//! and ends in a trap) leaves nothing a later one can observe, in its result or its gas.

use tally_host_env::{Status, WasmTrap};

use crate::common::*;

/// `dirty` fills the memory with 0xff, grows it by a page and fills that too (`dirty_trap` then
/// traps); `check` returns how many bytes of memory are not zero and the memory's size in
/// pages, as two little-endian `u32`s.
const DIRTY: &str = r#"(module
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (memory (export "memory") 1 4)
  (func $dirty
    (memory.fill (i32.const 0) (i32.const 0xff) (i32.mul (memory.size) (i32.const 65536)))
    (drop (memory.grow (i32.const 1)))
    (memory.fill (i32.const 0) (i32.const 0xff) (i32.mul (memory.size) (i32.const 65536))))
  (func (export "dirty") (call $dirty))
  (func (export "dirty_trap") (call $dirty) unreachable)
  (func (export "check")
    (local $at i32) (local $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (i32.mul (memory.size) (i32.const 65536))))
        (if (i32.load8_u (local.get $at))
          (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 0) (local.get $count))
    (i32.store (i32.const 4) (memory.size))
    (call $ret (i32.const 0) (i32.const 8))))"#;

#[test]
fn a_call_never_sees_memory_an_earlier_call_dirtied() {
    let chain = Chain::memory();
    let c = chain.deploy(DIRTY, addr(1));
    let fresh = chain.call(c, "check", &[]);
    assert_eq!(fresh.status, Status::Ok, "{fresh:?}");
    // Zero bytes set (the count was stored after the scan), one page.
    assert_eq!(fresh.return_data, [0, 0, 0, 0, 1, 0, 0, 0]);
    for round in 0..4 {
        let dirty = chain.call(c, if round % 2 == 0 { "dirty" } else { "dirty_trap" }, &[]);
        let expected = if round % 2 == 0 { Status::Ok } else { Status::Trapped(WasmTrap::Unreachable) };
        assert_eq!(dirty.status, expected, "round {round}");
        let again = chain.call(c, "check", &[]);
        assert_eq!(again, fresh, "round {round}: the same receipt, gas and result hash as the first check");
    }
}
