//! Memory bounded by gas (`ABI.md`, "Memory bound"): the heap a transaction allocates at its peak
//! stays within `C + gas_used / K`, for every kind of allocation a contract can drive.
//!
//! A counting global allocator tracks the bytes allocated now and the peak. Each scenario resets
//! the peak to the current count, runs one deploy or call and compares the peak's rise with the
//! bound. Everything runs in one `#[test]`, one scenario after another, so nothing else in this
//! binary allocates meanwhile.

mod common;
mod redb_tmp;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use common::*;
use tally_host_env::*;

// ---------------------------------------------------------------------------------------------
// The counting allocator

/// Wraps the system allocator, counting the bytes requested and not yet freed, and their peak.
/// A reallocation counts as the new block allocated before the old one is freed: the peak sees
/// both, as it would under an allocator that copies.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, SeqCst) + bytes;
    PEAK.fetch_max(now, SeqCst);
}

fn shrank(bytes: usize) {
    CURRENT.fetch_sub(bytes, SeqCst);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated around it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grew(new_size);
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            shrank(new_size);
        } else {
            shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, returning its result and how far the allocated bytes rose above their level before
/// it, at their peak.
fn peak_rise<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = CURRENT.load(SeqCst);
    PEAK.store(before, SeqCst);
    let r = f();
    (r, PEAK.load(SeqCst).saturating_sub(before))
}

// ---------------------------------------------------------------------------------------------
// The bound

/// `K` of `ABI.md`, "Memory bound": gas per byte of peak memory.
const K: u64 = 16;

/// The tests' allowance for one active frame: the store, the instance, and the value and call
/// stacks the VM takes for it (2 MiB + 8 KiB and 384 KiB under the default stack budget and call
/// depth). An empty call on a fresh runtime measures 2.4 MiB (`empty_call`); this is 1.7 times
/// that. A scenario with `d` frames active at once allows `d · C_FRAME`.
const C_FRAME: u64 = 4 << 20;

/// Checks `rise ≤ frames · C_FRAME + gas_used / K + node_wide` and prints the numbers.
#[track_caller]
fn check(name: &str, rise: usize, gas_used: u64, frames: u64, node_wide: u64) {
    let bound = frames * C_FRAME + gas_used / K + node_wide;
    let gas_per_byte = gas_used as f64 / rise.max(1) as f64;
    eprintln!(
        "{name:<40} peak rise {rise:>11} B   gas {gas_used:>15}   bound {bound:>12} B   gas/B {gas_per_byte:>9.1}"
    );
    assert!(rise as u64 <= bound, "{name}: the peak rose {rise} B, over the bound {bound} B for {gas_used} gas");
}

// ---------------------------------------------------------------------------------------------
// Contracts

const EMPTY: &str = r#"(module (func (export "run")))"#;

/// `write`, `read`, `has`: input `start ‖ n ‖ len` (u32 LE each); keys are `start..start + n`
/// as u32 LE; `write` stores `len` bytes from offset 65536 under each.
const STORE: &str = r#"(module
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "storage_write" (func $swrite (param i32 i32 i32 i32)))
  (import "tally_host_v1" "storage_read" (func $sread (param i32 i32 i32 i32 i32) (result i32)))
  (import "tally_host_v1" "storage_has" (func $shas (param i32 i32) (result i32)))
  (memory 2)
  (func $key (param $i i32) (result i32)
    (if (i32.eqz (local.get $i)) (then (call $iread (i32.const 0) (i32.const 0) (i32.const 12))))
    (i32.store (i32.const 16) (i32.add (i32.load (i32.const 0)) (local.get $i)))
    (i32.lt_u (local.get $i) (i32.load (i32.const 4))))
  (func (export "write") (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (call $key (local.get $i))))
      (call $swrite (i32.const 16) (i32.const 4) (i32.const 65536) (i32.load (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  (func (export "read") (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (call $key (local.get $i))))
      (drop (call $sread (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 0) (i32.const 0)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  (func (export "has") (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (call $key (local.get $i))))
      (drop (call $shas (i32.const 16) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))"#;

/// `emit`: input `n ‖ len`; emits `n` events of four topics and `len` bytes of data.
const EVENTS: &str = r#"(module
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (memory 1)
  (func (export "emit") (local $i i32)
    (call $iread (i32.const 0) (i32.const 0) (i32.const 8))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (i32.store (i32.const 256) (local.get $i))
      (call $emit (i32.const 256) (i32.const 4) (i32.const 1024) (i32.load (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))"#;

/// `ret`: input `n ‖ len`; sets `len` bytes of return data `n` times.
const RETURNS: &str = r#"(module
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (memory 2)
  (func (export "ret") (local $i i32)
    (call $iread (i32.const 0) (i32.const 0) (i32.const 8))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (i32.store (i32.const 65536) (local.get $i))
      (call $ret (i32.const 65536) (i32.load (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))"#;

/// `grow`: `memory.grow` by one page until it fails.
const MEMORY: &str = r#"(module
  (memory 1)
  (func (export "grow")
    (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))))"#;

/// `grow`: input `steps ‖ n`; `table.grow` by `n` null elements `steps` times.
const TABLE: &str = r#"(module
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (memory 1)
  (table 0 funcref)
  (func (export "grow") (local $i i32)
    (call $iread (i32.const 0) (i32.const 0) (i32.const 8))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (drop (table.grow (ref.null func) (i32.load (i32.const 4))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))"#;

/// `run`: instantiates at every code limit that allocates (256 globals, 10 000 functions, a
/// table of 4 096 elements filled by 4 096 element items, `pages` pages of memory), then calls
/// itself (re-entry allowed) until the depth limit.
fn nested_module(pages: u32) -> String {
    let mut wat = format!(
        r#"(module
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "self_address" (func $self (param i32)))
  (memory {pages})
  (table 4096 funcref)
  (data (i32.const 100) "run")
  (func (export "run")
    (call $self (i32.const 0))
    (drop (call $call (i32.const 0) (i32.const 100) (i32.const 3) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 1))))
"#
    );
    for i in 0..256 {
        wat.push_str(&format!("(global (mut i64) (i64.const {i}))\n"));
    }
    for _ in 1..10_000 {
        wat.push_str("(func)\n");
    }
    wat.push_str("(elem (i32.const 0) func");
    wat.push_str(&" 3".repeat(4096));
    wat.push_str("))");
    wat
}

/// `run`: input `n ‖ _ ‖ mid gas (i64) ‖ mid ‖ n targets` (addresses); calls `mid.go(target)`
/// with the mid gas for each target.
const TOP: &str = r#"(module
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "input_len" (func $ilen (result i32)))
  (memory 1)
  (data (i32.const 60000) "go")
  (func (export "run") (local $i i32)
    (call $iread (i32.const 0) (i32.const 0) (call $ilen))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (drop (call $call (i32.const 16) (i32.const 60000) (i32.const 2)
        (i32.add (i32.const 48) (i32.mul (local.get $i) (i32.const 32))) (i32.const 32)
        (i64.load (i32.const 8)) (i32.const 0)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))"#;

/// `go`: input a target address; calls `target.run`.
const MID: &str = r#"(module
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (memory 1)
  (data (i32.const 100) "run")
  (func (export "go")
    (call $iread (i32.const 0) (i32.const 0) (i32.const 32))
    (drop (call $call (i32.const 0) (i32.const 100) (i32.const 3) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))))"#;

/// `run`: input `n`; `n` times the cheapest host call (`block_height`) and an empty log line.
const HOST_CALLS: &str = r#"(module
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "block_height" (func $height (result i64)))
  (import "tally_host_v1" "debug_log" (func $log (param i32 i32)))
  (memory 1)
  (func (export "run") (local $i i32)
    (call $iread (i32.const 0) (i32.const 0) (i32.const 4))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (drop (call $height))
      (call $log (i32.const 0) (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))"#;

/// A module of about `bytes` bytes, nearly all one data segment, distinct for each `seed`, with
/// an empty method `run`.
fn data_module(bytes: usize, seed: u32) -> Vec<u8> {
    let pages = bytes.div_ceil(65536);
    let fill: String = (0..bytes - 64).map(|i| (b'a' + ((i as u32 + seed) % 26) as u8) as char).collect();
    wasm(&format!(r#"(module (memory {pages}) (data (i32.const 0) "{seed:08}{fill}") (func (export "run")))"#))
}

/// A module whose prepared form is large for its size: `functions` functions of `ops` one-byte
/// operators each (each becomes an interpreter op), distinct for each `seed`, with an empty
/// method `f0`.
fn dense_module(functions: usize, ops: usize, seed: u32) -> Vec<u8> {
    let mut wat = format!("(module (func (export \"f0\")) (func (result i32) (i32.const {seed}))\n");
    let body = "i32.eqz ".repeat(ops);
    for _ in 0..functions {
        wat.push_str(&format!("(func (param i32) (result i32) local.get 0 {body})\n"));
    }
    wat.push(')');
    wasm(&wat)
}

fn leb(mut v: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A module with an empty method `f0` and a name section naming `names` functions that do not
/// exist (nothing checks a name section's indices; an entry takes 4 bytes), distinct for each
/// `seed`.
fn names_module(names: u32, seed: u32) -> Vec<u8> {
    let mut entries = Vec::new();
    leb(names, &mut entries);
    for i in 0..names {
        leb(1 << 14 | i, &mut entries);
        let name = if i == 0 { seed.to_le_bytes().to_vec() } else { Vec::new() };
        leb(name.len() as u32, &mut entries);
        entries.extend(name);
    }
    let mut custom = vec![4, b'n', b'a', b'm', b'e', 1];
    leb(entries.len() as u32, &mut custom);
    custom.extend(entries);
    let mut code = b"\0asm\x01\0\0\0".to_vec();
    for (id, body) in [
        (1u8, vec![1, 0x60, 0, 0]),
        (3, vec![1, 0]),
        (7, vec![1, 2, b'f', b'0', 0, 0]),
        (10, vec![1, 2, 0, 0x0b]),
        (0, custom),
    ] {
        code.push(id);
        leb(body.len() as u32, &mut code);
        code.extend(body);
    }
    code
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Gas enough for any scenario; each uses what its work costs.
const BIG_GAS: u64 = 1_000_000_000_000;

fn context() -> BlockContext {
    BlockContext { height: 1, time: 1, chain_id: 1 }
}

/// A runtime under `params` over a fresh `MemoryStorage`.
fn memory_chain(params: Params) -> (Runtime, Arc<dyn Storage>) {
    (Runtime::new(params).expect("runtime"), Arc::new(MemoryStorage::new()))
}

fn deploy(rt: &Runtime, storage: &Arc<dyn Storage>, code: Vec<u8>, deployer: Address) -> Address {
    let req = DeployRequest { code, deployer, init: None, input: vec![], gas_limit: BIG_GAS, context: context() };
    let d = rt.deploy(storage, &req).expect("deploy");
    assert_eq!(d.receipt.status, Status::Ok, "{:?}", d.receipt);
    d.address
}

fn request(contract: Address, method: &str, input: Vec<u8>) -> CallRequest {
    CallRequest { contract, method: method.into(), input, caller: addr(0xca), gas_limit: BIG_GAS, context: context() }
}

fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Calls, expects success and checks the bound for `frames` frames active at once.
#[track_caller]
fn call(name: &str, rt: &Runtime, storage: &Arc<dyn Storage>, req: &CallRequest, frames: u64) -> Receipt {
    let (receipt, rise) = peak_rise(|| rt.call(storage, req).expect("call"));
    assert_eq!(receipt.status, Status::Ok, "{name}: {receipt:?}");
    check(name, rise, receipt.gas_used, frames, 0);
    receipt
}

/// [`call`] with an execution record.
#[track_caller]
fn call_recorded(name: &str, rt: &Runtime, storage: &Arc<dyn Storage>, req: &CallRequest, frames: u64) {
    let ((receipt, record), rise) = peak_rise(|| rt.call_recorded(storage, req).expect("call"));
    assert_eq!(receipt.status, Status::Ok, "{name}: {receipt:?}");
    check(name, rise, receipt.gas_used, frames, 0);
    drop(record);
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// The fixed overhead of a frame, on a fresh runtime (nothing pooled yet).
fn empty_call() {
    let (rt, storage) = memory_chain(Params::default());
    let c = deploy(&rt, &storage, wasm(EMPTY), addr(1));
    call("empty call", &rt, &storage, &request(c, "run", vec![]), 1);
}

/// Many distinct keys, each with a value of the maximum size.
fn write_set(storage: Arc<dyn Storage>, backend: &str) {
    let rt = Runtime::new(Params::default()).unwrap();
    let c = deploy(&rt, &storage, wasm(STORE), addr(2));
    let max = rt.params().limits.max_value_len;
    let r = call(&format!("write set ({backend})"), &rt, &storage, &request(c, "write", words(&[0, 400, max])), 1);
    assert_eq!(r.write_set.len(), 400);
    let req = request(c, "write", words(&[1000, 400, max]));
    call_recorded(&format!("write set ({backend}, recorded)"), &rt, &storage, &req, 1);
}

/// Many distinct stored values of the maximum size, read (and looked up by `storage_has`): each
/// stays in the read set until the transaction ends.
fn read_set() {
    let (rt, storage) = memory_chain(Params::default());
    let c = deploy(&rt, &storage, wasm(STORE), addr(3));
    let (n, max) = (300, rt.params().limits.max_value_len);
    for start in [0, n] {
        let r = rt.call(&storage, &request(c, "write", words(&[start, n, max]))).unwrap();
        assert_eq!(r.status, Status::Ok);
    }
    call("storage_read", &rt, &storage, &request(c, "read", words(&[0, n, 0])), 1);
    call("storage_has", &rt, &storage, &request(c, "has", words(&[n, n, 0])), 1);
    call_recorded("storage_read (recorded)", &rt, &storage, &request(c, "read", words(&[0, n, 0])), 1);
    call_recorded("storage_has (recorded)", &rt, &storage, &request(c, "has", words(&[n, n, 0])), 1);
}

/// The most events of the largest data; then, with the count limit raised, only the charge
/// bounds them.
fn events() {
    let (rt, storage) = memory_chain(Params::default());
    let c = deploy(&rt, &storage, wasm(EVENTS), addr(4));
    let limits = rt.params().limits;
    let req = request(c, "emit", words(&[limits.max_events, limits.max_event_data_len]));
    let r = call("events", &rt, &storage, &req, 1);
    assert_eq!(r.events.len(), limits.max_events as usize);
    call_recorded("events (recorded)", &rt, &storage, &req, 1);
    let mut params = Params::default();
    params.limits.max_events = 10_000;
    let (rt, storage) = memory_chain(params);
    let c = deploy(&rt, &storage, wasm(EVENTS), addr(4));
    let req = request(c, "emit", words(&[10_000, limits.max_event_data_len]));
    call_recorded("events (max_events 10 000, recorded)", &rt, &storage, &req, 1);
}

/// Return data of the maximum size, set many times.
fn return_data() {
    let (rt, storage) = memory_chain(Params::default());
    let c = deploy(&rt, &storage, wasm(RETURNS), addr(5));
    let req = request(c, "ret", words(&[1000, rt.params().limits.max_return_len]));
    call("return data", &rt, &storage, &req, 1);
    call_recorded("return data (recorded)", &rt, &storage, &req, 1);
}

/// The cheapest host call and an empty log line, many times, recorded: the transcript and the
/// log lines grow with them.
///
/// Kept to 10 000 host calls: each host call made by one Wasm invocation currently leaves a
/// native frame of `tally_vm::exec::runtime::enter_func` (about 96 bytes) until the invocation
/// returns, so some 21 000 of them overflow the 2 MiB stack of a test thread.
fn host_calls() {
    let (rt, storage) = memory_chain(Params::default());
    let c = deploy(&rt, &storage, wasm(HOST_CALLS), addr(6));
    call_recorded("host calls and logs (recorded)", &rt, &storage, &request(c, "run", words(&[5_000])), 1);
}

/// `memory.grow` a page at a time up to the page limit.
fn memory_grow() {
    let (rt, storage) = memory_chain(Params::default());
    let c = deploy(&rt, &storage, wasm(MEMORY), addr(7));
    let r = call("memory.grow", &rt, &storage, &request(c, "grow", vec![]), 1);
    let p = rt.params();
    let pages = u64::from(p.limits.max_memory_pages);
    assert!(r.gas_used > (pages - 1) * p.schedule.dynamic.memory_grow_per_page, "grew to the limit");
}

/// `table.grow` up to the table limit; then, with the limit raised, only the charge bounds it.
fn table_grow() {
    let (rt, storage) = memory_chain(Params::default());
    let c = deploy(&rt, &storage, wasm(TABLE), addr(8));
    let limit = rt.params().code.table_elements;
    call("table.grow", &rt, &storage, &request(c, "grow", words(&[limit + 1, 1])), 1);
    // Two halves: the second reallocates, holding both blocks for a moment.
    let mut params = Params::default();
    params.code.table_elements = 1 << 21;
    let (rt, storage) = memory_chain(params);
    let c = deploy(&rt, &storage, wasm(TABLE), addr(8));
    call("table.grow (table_elements 2^21)", &rt, &storage, &request(c, "grow", words(&[2, 1 << 20])), 1);
}

/// Nested calls to the depth limit, each frame instantiated at every code limit, with a full
/// memory and with a one-page one.
fn nested() {
    for pages in [256, 1] {
        let (rt, storage) = memory_chain(Params::default());
        let c = deploy(&rt, &storage, wasm(&nested_module(pages)), addr(9));
        let depth = u64::from(rt.params().limits.max_call_depth);
        call(&format!("nested calls ({pages} pages each)"), &rt, &storage, &request(c, "run", vec![]), depth);
    }
}

/// A caller that runs out of gas exactly at its callee's load: the load is charged by the length
/// the account records, before the code is read, so none of the callees' code is read.
fn a_load_that_cannot_be_paid() {
    let params = Params::default();
    // No cache: every load reads the code.
    let rt = Runtime::with_code_cache(params.clone(), 0).unwrap();
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let size = params.limits.max_code_size as usize - 4096;
    let n = 24;
    let targets: Vec<Address> = (0..n).map(|i| deploy(&rt, &storage, data_module(size, i), addr(10))).collect();
    let mid_code = wasm(MID);
    let mid = deploy(&rt, &storage, mid_code.clone(), addr(11));
    let top = deploy(&rt, &storage, wasm(TOP), addr(12));
    let k = &params.host;
    let mid_shape = check_code(&mid_code, &params.code).unwrap();
    let mid_gas = params.instantiate_cost(&mid_shape) + k.call_cost(3, 0) + k.base + 32 * k.memory_write_byte + 200_000;
    assert!(mid_gas < k.load_cost(size), "mid runs out of gas at the target's load");
    let mut input = words(&[n, 0]);
    input.extend(mid_gas.to_le_bytes());
    input.extend(mid.0);
    for t in &targets {
        input.extend(t.0);
    }
    let req = request(top, "run", input);
    let (r, rise) = peak_rise(|| rt.call(&storage, &req).unwrap());
    assert_eq!(r.status, Status::Ok);
    check("a load that cannot be paid", rise, r.gas_used, 2, 0);
    let (_, record) = rt.call_recorded(&storage, &req).unwrap();
    let codes_read = record.read_set.iter().filter(|(k, _)| k.starts_with(keys::CODE)).count();
    assert_eq!(codes_read, 2, "only the top and middle contracts' code was read, no target's");
    call_recorded("a load that cannot be paid (recorded)", &rt, &storage, &req, 2);
}

/// Deploys code at the size limit, with its initializer, recorded: data, and dense code.
fn deploy_max_code() {
    let rt = Runtime::new(Params::default()).unwrap();
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let size = rt.params().limits.max_code_size as usize - 4096;
    for (name, code, init) in
        [("deploy (data)", data_module(size, 1), "run"), ("deploy (dense code)", dense_module(8, 60_000, 1), "f0")]
    {
        assert!(code.len() <= rt.params().limits.max_code_size as usize);
        let req = DeployRequest {
            code,
            deployer: addr(13),
            init: Some(init.into()),
            input: vec![],
            gas_limit: BIG_GAS,
            context: context(),
        };
        let ((d, record), rise) = peak_rise(|| rt.deploy_recorded(&storage, &req).expect("deploy"));
        assert_eq!(d.receipt.status, Status::Ok, "{:?}", d.receipt);
        check(name, rise, d.receipt.gas_used, 1, 0);
        drop(record);
    }
}

/// Many distinct contracts, dense code and many names in turn, called through a runtime with a
/// small code cache: between transactions the node holds at most the cache's capacity (and a
/// pooled value stack), during one that plus the per-transaction bound. The node's
/// prepared-code store, like its state, holds what the deploys put there (before the
/// baseline): a load only reads it.
fn code_cache() {
    const CAPACITY: u64 = 8 << 20;
    let params = Params::default();
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let prepared: Arc<dyn PreparedStore> = Arc::new(MemoryPreparedStore::new());
    let contracts: Vec<Address> = {
        let deployer = Runtime::with_code_store(params.clone(), 0, prepared.clone()).unwrap();
        (0..24)
            .map(|i| {
                let code = if i % 2 == 0 { dense_module(4, 20_000, i) } else { names_module(60_000, i) };
                deploy(&deployer, &storage, code, addr(14))
            })
            .collect()
    };
    let rt = Runtime::with_code_store(params, CAPACITY as usize, prepared).unwrap();
    let baseline = CURRENT.load(SeqCst);
    for round in 0..2 {
        for (i, c) in contracts.iter().enumerate() {
            PEAK.store(CURRENT.load(SeqCst), SeqCst);
            let r = rt.call(&storage, &request(*c, "f0", vec![])).unwrap();
            assert_eq!(r.status, Status::Ok);
            let gas = r.gas_used;
            drop(r);
            let (rise, held) = (PEAK.load(SeqCst) - baseline, CURRENT.load(SeqCst) - baseline);
            assert!(rt.code_cache_bytes() as u64 <= CAPACITY);
            check(&format!("code cache, round {round}, contract {i}"), rise, gas, 1, CAPACITY);
            assert!(
                held as u64 <= CAPACITY + C_FRAME,
                "the node holds {held} B between transactions: more than the cache's {CAPACITY} B and a pooled stack"
            );
        }
    }
}

#[test]
fn peak_memory_is_bounded_by_gas() {
    empty_call();
    write_set(Arc::new(MemoryStorage::new()), "MemoryStorage");
    let dir = redb_tmp::TempDir::new("memory-bound");
    write_set(Arc::new(RedbStorage::open(dir.join("state.redb")).expect("open")), "RedbStorage");
    read_set();
    events();
    return_data();
    host_calls();
    memory_grow();
    table_grow();
    nested();
    a_load_that_cannot_be_paid();
    deploy_max_code();
    code_cache();
}
