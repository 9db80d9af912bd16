//! Gas across nested calls: the caller keeps `1/call_keep_divisor` of its gas whatever limit it
//! passes, so a callee that runs out cannot take its caller down with it.

use crate::common;

use std::sync::Arc;

use common::*;
use tally_host_env::*;

/// Input: the callee's address ‖ the gas limit to pass (i64 LE). Calls the callee's `get` (so its
/// code is loaded and later frames pay only their call), reads `gas_left`, calls `spin` (which
/// loops until its gas is gone), reads `gas_left` again, records the status under key `s`, and
/// returns status (i32 LE) ‖ gas before (i64 LE) ‖ gas after (i64 LE).
const KEEPER: &str = r#"(module
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (import "tally_host_v1" "storage_write" (func $swrite (param i32 i32 i32 i32)))
  (import "tally_host_v1" "gas_left" (func $gas (result i64)))
  (memory 1)
  (data (i32.const 100) "spin")
  (data (i32.const 110) "s")
  (data (i32.const 120) "get")
  (func (export "call_spin")
    (call $iread (i32.const 0) (i32.const 0) (i32.const 40))
    ;; Write first, so that the transaction's commit is paid now: the write after the calls must
    ;; fit in the 1/64 the caller keeps.
    (call $swrite (i32.const 110) (i32.const 1) (i32.const 200) (i32.const 4))
    (drop (call $call (i32.const 0) (i32.const 120) (i32.const 3) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))
    (i64.store (i32.const 204) (call $gas))
    (i32.store (i32.const 200)
      (call $call (i32.const 0) (i32.const 100) (i32.const 4) (i32.const 0) (i32.const 0) (i64.load (i32.const 32)) (i32.const 0)))
    (i64.store (i32.const 212) (call $gas))
    (call $swrite (i32.const 110) (i32.const 1) (i32.const 200) (i32.const 4))
    (call $ret (i32.const 200) (i32.const 20))))"#;

struct Run {
    receipt: Receipt,
    record: ExecutionRecord,
    status: i32,
    before: u64,
    after: u64,
}

fn run(chain: &Chain, keeper: Address, counter: Address, limit: i64) -> Run {
    let mut input = counter.0.to_vec();
    input.extend_from_slice(&limit.to_le_bytes());
    let (receipt, record) = chain.rt.call_recorded(&chain.storage, &chain.req(keeper, "call_spin", &input)).unwrap();
    let d = &receipt.return_data;
    let (status, before, after) = if d.len() == 20 {
        (i32::from_le_bytes(d[..4].try_into().unwrap()), u64_of(&d[4..12]), u64_of(&d[12..20]))
    } else {
        (-1, 0, 0)
    };
    Run { receipt, record, status, before, after }
}

/// What the caller spends between the call's return and its `gas_left`: that call's own charge
/// (`base`), the two `call` instructions (to the host's `call` and to `gas_left`) and a few more
/// instructions, priced from the schedule so that a repricing moves the bound with it.
fn slack() -> u64 {
    let params = Params::default();
    let call_op = params.schedule.cost(tally_gas_injector::OpKind::Call).unwrap_or(0);
    params.host.base + 2 * call_op + 100_000
}

fn chain_with(divisor: u32) -> (Chain, Address, Address) {
    let mut params = Params::default();
    params.limits.call_keep_divisor = divisor;
    let chain = Chain { rt: Runtime::new(params).unwrap(), ..Chain::new(Arc::new(MemoryStorage::new())) };
    let counter = chain.deploy(COUNTER, addr(1));
    let keeper = chain.deploy(KEEPER, addr(1));
    (chain, keeper, counter)
}

#[test]
fn a_looping_callee_runs_out_and_its_caller_finishes_and_records_it() {
    let (chain, keeper, counter) = chain_with(64);
    let call_cost = chain.rt.params().host.call_cost(4, 0);
    let r = run(&chain, keeper, counter, -1);
    assert_eq!(r.receipt.status, Status::Ok, "{:?}", r.receipt);
    assert_eq!(r.status, 3, "the callee ran out of gas");
    // The caller recorded the failure; the callee's own write was rolled back.
    let key = contract_key(&keeper, b"s");
    assert_eq!(r.receipt.write_set, [(key, Some(3i32.to_le_bytes().to_vec()))]);
    // The callee got all but 1/64 of what the caller had once the call was paid for, so the
    // caller kept 1/64 of it (less `gas_left`'s own charge and a few instructions).
    let kept = (r.before - call_cost) / 64;
    assert!(r.after <= kept && r.after + slack() >= kept, "kept {kept}, left after the call {}", r.after);
    assert!(r.receipt.gas_used < GAS);
    assert_eq!(replay(&chain.rt, &r.record).unwrap(), r.receipt, "a bounded replay forwards the same gas");

    // Asking for more than the cap gets the cap; asking for less gets what was asked.
    let asked_all = run(&chain, keeper, counter, GAS as i64);
    assert_eq!((asked_all.status, asked_all.after), (3, r.after));
    let asked_less = run(&chain, keeper, counter, 50_000_000);
    assert_eq!(asked_less.status, 3);
    let spent = asked_less.before - asked_less.after;
    assert!(spent > call_cost + 50_000_000 && spent < call_cost + 50_000_000 + slack(), "{spent}");
}

#[test]
fn the_share_kept_follows_the_params() {
    let call_cost = Params::default().host.call_cost(4, 0);
    let (chain, keeper, counter) = chain_with(2);
    let r = run(&chain, keeper, counter, -1);
    assert_eq!((r.receipt.status, r.status), (Status::Ok, 3));
    let kept = (r.before - call_cost) / 2;
    assert!(r.after <= kept && r.after + slack() >= kept, "kept {kept}, left after the call {}", r.after);

    // Keeping nothing: the looping callee takes everything and its caller fails with it, having
    // recorded nothing.
    let (chain, keeper, counter) = chain_with(0);
    let r = run(&chain, keeper, counter, -1);
    assert_eq!(r.receipt.status, Status::OutOfGas);
    assert_eq!(r.receipt.gas_used, GAS);
    assert!(r.receipt.write_set.is_empty());
}

#[test]
fn the_cap_is_all_but_the_kept_share() {
    let limits = Limits::default();
    assert_eq!(limits.call_keep_divisor, 64);
    assert_eq!(limits.callee_gas_cap(6400), 6300);
    assert_eq!(limits.callee_gas_cap(63), 63, "less than 64 keeps nothing");
    assert_eq!(limits.callee_gas_cap(u64::MAX), u64::MAX - u64::MAX / 64);
    assert_eq!(Limits { call_keep_divisor: 0, ..limits }.callee_gas_cap(100), 100);
    // It is consensus: part of the params and their hash.
    let p = Params::default();
    let mut q = p.clone();
    q.limits.call_keep_divisor = 32;
    assert_ne!(q.params_hash(), p.params_hash());
    assert_eq!(Params::from_bytes(&q.to_bytes()).unwrap(), q);
}
