//! The contract corpus: two hand-written contracts deployed and called through
//! `tally_host_env::Runtime` (default params, in-memory storage), every execution recorded.
//!
//! `vault` exercises storage (read, partial read, write, has, remove), events, Keccak, the block
//! context, logs, reverts, aborts, Wasm traps of every kind, host traps of every kind, memory
//! growth to the host's page limit, floats into storage, and running out of gas in Wasm and in
//! host functions. `relay` calls other contracts with a gas limit and flags: nested success,
//! revert, trap and out of gas (rolled back, the caller continues), re-entry, the call-depth
//! limit, read-only callees, unknown contracts and methods. A call and a deployment are also
//! run out of gas at many exact points.
//!
//! The scenario runs in a fixed order on one storage, so each execution sees the state the
//! previous ones committed. A line of `corpus/contracts.txt` is
//!
//! `<status> | gas <used> | ret <return data> | events <n> | writes <n> | result <result hash> | receipt <SCALE hex> | record <keccak of the record>`
//!
//! The record's hash pins its bytes: a build whose records hash the same made the very records
//! x86-64 made, so replaying them (the test does, on a fresh runtime) replays the committed ones.

use std::collections::BTreeSet;
use std::sync::Arc;

use parity_scale_codec::Encode;
use tally_host_env::{
    hex, keccak, Address, BlockContext, CallRequest, DeployRequest, ExecutionRecord, MemoryStorage, Params, Receipt,
    Runtime, Storage,
};

use crate::expect::Entry;

/// The storage contract. Memory: 0 the input, 8192 output, 16384 a hash, 16416 an address,
/// 20000 strings, 24576 values read from storage.
const VAULT: &str = r#"(module
  (import "tally_host_v1" "input_len" (func $input_len (result i32)))
  (import "tally_host_v1" "input_read" (func $input_read (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $return_set (param i32 i32)))
  (import "tally_host_v1" "revert" (func $revert (param i32 i32)))
  (import "tally_host_v1" "abort" (func $abort (param i32)))
  (import "tally_host_v1" "storage_read" (func $storage_read (param i32 i32 i32 i32 i32) (result i32)))
  (import "tally_host_v1" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "tally_host_v1" "storage_remove" (func $storage_remove (param i32 i32)))
  (import "tally_host_v1" "storage_has" (func $storage_has (param i32 i32) (result i32)))
  (import "tally_host_v1" "caller" (func $caller (param i32)))
  (import "tally_host_v1" "origin" (func $origin (param i32)))
  (import "tally_host_v1" "self_address" (func $self (param i32)))
  (import "tally_host_v1" "block_height" (func $height (result i64)))
  (import "tally_host_v1" "block_time" (func $time (result i64)))
  (import "tally_host_v1" "chain_id" (func $chain_id (result i64)))
  (import "tally_host_v1" "gas_left" (func $gas_left (result i64)))
  (import "tally_host_v1" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (import "tally_host_v1" "keccak256" (func $keccak (param i32 i32 i32)))
  (import "tally_host_v1" "debug_log" (func $log (param i32 i32)))
  (import "tally_host_v1" "return_data_read" (func $rdata_read (param i32 i32 i32)))
  (memory (export "memory") 2)
  (type $v (func))
  (table 2 funcref)
  (elem (i32.const 0) $wide)
  (data (i32.const 20000) "missing")
  (data (i32.const 20016) "nope")
  (data (i32.const 20032) "owner")
  (data (i32.const 20048) "tmp")
  (data (i32.const 20064) "burn")
  (data (i32.const 20080) "floats")
  (data (i32.const 20096) "hello, log")
  (func $wide (param i64) (result i64) (local.get 0))
  (func $input (result i32) (local $n i32)
    (local.set $n (call $input_len))
    (call $input_read (i32.const 0) (i32.const 0) (local.get $n))
    (local.get $n))
  (func $ret_u32 (param i32)
    (i32.store (i32.const 8192) (local.get 0))
    (call $return_set (i32.const 8192) (i32.const 4)))
  (func $deeper (param i64) (result i64) (i64.add (call $deeper (i64.add (local.get 0) (i64.const 1))) (local.get 0)))

  (func (export "init")
    (call $caller (i32.const 16416))
    (call $storage_write (i32.const 20032) (i32.const 5) (i32.const 16416) (i32.const 32))
    (call $keccak (i32.const 20032) (i32.const 5) (i32.const 16384))
    (call $emit (i32.const 16384) (i32.const 1) (i32.const 16416) (i32.const 32)))
  ;; input: key length (u8) ‖ key ‖ value. Returns the previous value's length (-1: none) and
  ;; emits an event whose topic is keccak(key) and whose data is the value.
  (func (export "put") (local $n i32) (local $k i32) (local $v i32) (local $old i32)
    (local.set $n (call $input))
    (local.set $k (i32.load8_u (i32.const 0)))
    (local.set $v (i32.sub (local.get $n) (i32.add (i32.const 1) (local.get $k))))
    (local.set $old (call $storage_read (i32.const 1) (local.get $k) (i32.const 24576) (i32.const 0) (i32.const 0)))
    (call $storage_write (i32.const 1) (local.get $k) (i32.add (i32.const 1) (local.get $k)) (local.get $v))
    (call $keccak (i32.const 1) (local.get $k) (i32.const 16384))
    (call $emit (i32.const 16384) (i32.const 1) (i32.add (i32.const 1) (local.get $k)) (local.get $v))
    (call $ret_u32 (local.get $old)))
  ;; input: key. Returns the value, or reverts with "missing".
  (func (export "get") (local $n i32) (local $len i32)
    (local.set $n (call $input))
    (local.set $len (call $storage_read (i32.const 0) (local.get $n) (i32.const 24576) (i32.const 8192) (i32.const 0)))
    (if (i32.eq (local.get $len) (i32.const -1)) (then (call $revert (i32.const 20000) (i32.const 7))))
    (call $return_set (i32.const 24576) (local.get $len)))
  ;; input: offset (u8) ‖ capacity (u8) ‖ key. Returns the length and the bytes copied.
  (func (export "get_part") (local $n i32)
    (local.set $n (call $input))
    (i32.store (i32.const 8192)
      (call $storage_read (i32.const 2) (i32.sub (local.get $n) (i32.const 2)) (i32.const 8196)
        (i32.load8_u (i32.const 1)) (i32.load8_u (i32.const 0))))
    (call $return_set (i32.const 8192) (i32.add (i32.const 4) (i32.load8_u (i32.const 1)))))
  ;; input: key. Returns whether it was present, then removes it.
  (func (export "del") (local $n i32)
    (local.set $n (call $input))
    (call $ret_u32 (call $storage_has (i32.const 0) (local.get $n)))
    (call $storage_remove (i32.const 0) (local.get $n)))
  (func (export "ctx")
    (call $caller (i32.const 8192))
    (call $origin (i32.const 8224))
    (call $self (i32.const 8256))
    (i64.store (i32.const 8288) (call $height))
    (i64.store (i32.const 8296) (call $time))
    (i64.store (i32.const 8304) (call $chain_id))
    (i64.store (i32.const 8312) (call $gas_left))
    (i32.store (i32.const 8320) (call $input_len))
    (call $return_set (i32.const 8192) (i32.const 132)))
  ;; input: n (u8). Emits n events, the i-th with i mod 5 topics (5 is one too many) and i bytes.
  (func (export "events") (local $i i32) (local $n i32)
    (drop (call $input))
    (local.set $n (i32.load8_u (i32.const 0)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (call $emit (i32.const 16) (i32.rem_u (local.get $i) (i32.const 5)) (i32.const 20000) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  (func (export "revert_after_write")
    (call $storage_write (i32.const 20048) (i32.const 3) (i32.const 20016) (i32.const 4))
    (call $emit (i32.const 16384) (i32.const 0) (i32.const 20016) (i32.const 4))
    (call $revert (i32.const 20016) (i32.const 4)))
  (func (export "abort") (drop (call $input)) (call $abort (i32.load (i32.const 0))))
  (func (export "log") (call $log (i32.const 20096) (i32.const 10)) (call $log (i32.const 20096) (i32.const 5)))
  ;; input: a ‖ b (f64 bits). Stores and returns a+b, a·b, a/b, √a, min, max, nearest(a),
  ;; a through f32, copysign(a, b), a·b + b.
  (func (export "floats") (local $a f64) (local $b f64)
    (drop (call $input))
    (local.set $a (f64.load (i32.const 0)))
    (local.set $b (f64.load (i32.const 8)))
    (f64.store (i32.const 8192) (f64.add (local.get $a) (local.get $b)))
    (f64.store (i32.const 8200) (f64.mul (local.get $a) (local.get $b)))
    (f64.store (i32.const 8208) (f64.div (local.get $a) (local.get $b)))
    (f64.store (i32.const 8216) (f64.sqrt (local.get $a)))
    (f64.store (i32.const 8224) (f64.min (local.get $a) (local.get $b)))
    (f64.store (i32.const 8232) (f64.max (local.get $a) (local.get $b)))
    (f64.store (i32.const 8240) (f64.nearest (local.get $a)))
    (f64.store (i32.const 8248) (f64.promote_f32 (f32.demote_f64 (local.get $a))))
    (f64.store (i32.const 8256) (f64.copysign (local.get $a) (local.get $b)))
    (f64.store (i32.const 8264) (f64.add (f64.mul (local.get $a) (local.get $b)) (local.get $b)))
    (call $storage_write (i32.const 20080) (i32.const 6) (i32.const 8192) (i32.const 80))
    (call $return_set (i32.const 8192) (i32.const 80)))
  ;; input: pages (u32). Returns memory.grow's result and the size after.
  (func (export "grow")
    (drop (call $input))
    (i32.store (i32.const 8192) (memory.grow (i32.load (i32.const 0))))
    (i32.store (i32.const 8196) (memory.size))
    (call $return_set (i32.const 8192) (i32.const 8)))
  ;; input: iterations (u32). Each hashes 64 bytes and writes the count.
  (func (export "burn") (local $i i32)
    (drop (call $input))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (call $keccak (i32.const 0) (i32.const 64) (i32.const 16384))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (i32.store (i32.const 8192) (local.get $i))
      (call $storage_write (i32.const 20064) (i32.const 4) (i32.const 8192) (i32.const 4))
      (br $l)))
    (call $ret_u32 (local.get $i)))
  (func (export "spin") (loop $l (br $l)))
  (func (export "t_unreachable") unreachable)
  (func (export "t_div") (drop (call $input)) (call $ret_u32 (i32.div_u (i32.const 1) (i32.load (i32.const 0)))))
  (func (export "t_overflow") (call $ret_u32 (i32.div_s (i32.const -2147483648) (i32.const -1))))
  (func (export "t_conversion") (call $ret_u32 (i32.trunc_f64_s (f64.const nan))))
  (func (export "t_oob") (call $ret_u32 (i32.load (i32.const 131069))))
  (func (export "t_null") (call_indirect (type $v) (i32.const 1)))
  (func (export "t_mismatch") (call_indirect (type $v) (i32.const 0)))
  (func (export "t_table") (call_indirect (type $v) (i32.const 2)))
  (func (export "t_stack") (drop (call $deeper (i64.const 0))))
  (func (export "h_pointer") (call $return_set (i32.const 131070) (i32.const 100)))
  (func (export "h_key") (call $storage_write (i32.const 0) (i32.const 257) (i32.const 0) (i32.const 1)))
  (func (export "h_value") (call $storage_write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 65537)))
  (func (export "h_topics") (call $emit (i32.const 0) (i32.const 5) (i32.const 0) (i32.const 0)))
  (func (export "h_event_data") (call $emit (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 4097)))
  (func (export "h_input") (call $input_read (i32.const 0) (i32.const 1) (call $input_len)))
  (func (export "h_log") (call $log (i32.const 0) (i32.const 16385)))
  (func (export "h_return") (call $return_set (i32.const 0) (i32.const 65537)))
  (func (export "h_return_data") (call $rdata_read (i32.const 0) (i32.const 0) (i32.const 1)))
)"#;

/// The calling contract. Memory: 0 the input, 3000 strings, 4096 the output.
const RELAY: &str = r#"(module
  (import "tally_host_v1" "input_len" (func $input_len (result i32)))
  (import "tally_host_v1" "input_read" (func $input_read (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $return_set (param i32 i32)))
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "return_data_len" (func $rdata_len (result i32)))
  (import "tally_host_v1" "return_data_read" (func $rdata_read (param i32 i32 i32)))
  (import "tally_host_v1" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "tally_host_v1" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (import "tally_host_v1" "self_address" (func $self (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 3000) "last")
  (data (i32.const 3016) "deep")
  ;; Returns status (u32) ‖ the callee's return or revert data.
  (func $answer (param $status i32) (local $r i32)
    (i32.store (i32.const 4096) (local.get $status))
    (local.set $r (call $rdata_len))
    (call $rdata_read (i32.const 4100) (i32.const 0) (local.get $r))
    (call $return_set (i32.const 4096) (i32.add (i32.const 4) (local.get $r))))
  ;; input: target (32) ‖ flags (u8) ‖ gas (u64) ‖ method length (u8) ‖ method ‖ callee input.
  ;; Writes "last" = the method, calls, emits an event (topic: the target) with the status.
  (func (export "call") (local $n i32) (local $m i32) (local $s i32)
    (local.set $n (call $input_len))
    (call $input_read (i32.const 0) (i32.const 0) (local.get $n))
    (local.set $m (i32.load8_u (i32.const 41)))
    (call $storage_write (i32.const 3000) (i32.const 4) (i32.const 42) (local.get $m))
    (local.set $s
      (call $call (i32.const 0) (i32.const 42) (local.get $m)
        (i32.add (i32.const 42) (local.get $m)) (i32.sub (local.get $n) (i32.add (i32.const 42) (local.get $m)))
        (i64.load (i32.const 33)) (i32.load8_u (i32.const 32))))
    (i32.store (i32.const 4000) (local.get $s))
    (call $emit (i32.const 0) (i32.const 1) (i32.const 4000) (i32.const 4))
    (call $answer (local.get $s)))
  ;; Calls itself (re-entry allowed) until the depth limit; each level emits an event.
  (func (export "deep")
    (call $self (i32.const 0))
    (call $emit (i32.const 0) (i32.const 0) (i32.const 3016) (i32.const 4))
    (call $answer
      (call $call (i32.const 0) (i32.const 3016) (i32.const 4) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 1))))
)"#;

/// The gas limit of ordinary executions.
const GAS: u64 = 10_000_000_000;

/// How many evenly spaced limits the out-of-gas sweeps try below the gas used (besides the
/// exact points around host calls).
const EVEN_POINTS: u64 = 8;

/// WAT to a binary module without custom sections (the name section would only make every
/// record larger).
fn wasm(wat: &str) -> Vec<u8> {
    let bytes = crate::run_bare::wast_encode(wat).expect("valid contract WAT");
    let mut out = bytes[..8].to_vec();
    let mut rest = &bytes[8..];
    while !rest.is_empty() {
        let id = rest[0];
        let (size, leb) = leb_u32(&rest[1..]);
        let end = 1 + leb + size as usize;
        if id != 0 {
            out.extend_from_slice(&rest[..end]);
        }
        rest = &rest[end..];
    }
    out
}

/// An unsigned LEB128 value and its length.
fn leb_u32(bytes: &[u8]) -> (u32, usize) {
    let mut value = 0u32;
    for (i, b) in bytes.iter().enumerate() {
        value |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    panic!("unterminated LEB128")
}

/// An address with every byte `b`.
fn addr(b: u8) -> Address {
    Address([b; 32])
}

/// What the scenario produced: an entry per execution, and its record.
pub struct Outputs {
    /// The executions' outcomes, in order.
    pub entries: Vec<Entry>,
    /// `(name, record bytes)`, in order.
    pub records: Vec<(String, Vec<u8>)>,
}

/// Runs the scenario on a fresh runtime and storage.
pub fn run() -> Outputs {
    let mut s = Scenario {
        rt: Runtime::new(Params::default()).expect("default params"),
        storage: Arc::new(MemoryStorage::new()),
        context: BlockContext { height: 1_234_567, time: 1_750_000_000, chain_id: 7 },
        out: Outputs { entries: Vec::new(), records: Vec::new() },
    };
    let vault_code = wasm(VAULT);
    let relay_code = wasm(RELAY);

    // Deployments: out of gas at many points, then for real; an initializer that reverts; code
    // that breaks the ABI; a second contract.
    s.deploy_points("deploy/vault/oog", &vault_code, addr(0xd0), "init");
    let vault = s.deploy("deploy/vault", &vault_code, addr(0xd0), Some("init"), GAS);
    s.deploy("deploy/vault/init_reverts", &vault_code, addr(0xd0), Some("revert_after_write"), GAS);
    s.deploy("deploy/vault/no_such_init", &vault_code, addr(0xd0), Some("nope"), GAS);
    let bad = wasm(r#"(module (import "tally_host_v1" "no_such_function" (func)) (func (export "f")))"#);
    s.deploy("deploy/invalid_import", &bad, addr(0xd0), None, GAS);
    let floats_in_start =
        wasm("(module (global (mut f64) (f64.const 0)) (func $s (global.set 0 (f64.sqrt (f64.const -1)))) (start $s))");
    s.deploy("deploy/start_function", &floats_in_start, addr(0xd0), None, GAS);
    let relay = s.deploy("deploy/relay", &relay_code, addr(0xd1), None, GAS);

    // Storage and events.
    let put = |key: &[u8], value: &[u8]| [&[key.len() as u8][..], key, value].concat();
    s.call("vault/put/a", vault, "put", &put(b"a", b"first"), GAS);
    s.call("vault/put/a_again", vault, "put", &put(b"a", b"second value"), GAS);
    s.call("vault/put/empty_value", vault, "put", &put(b"e", b""), GAS);
    s.call("vault/put/large", vault, "put", &put(b"large", &[0x5a; 1000]), GAS);
    s.call("vault/put/too_much_event_data", vault, "put", &put(b"x", &[1; 5000]), GAS);
    s.call("vault/get/a", vault, "get", b"a", GAS);
    s.call("vault/get/large", vault, "get", b"large", GAS);
    s.call("vault/get/missing", vault, "get", b"zz", GAS);
    s.call("vault/get_part/a", vault, "get_part", &[2, 5, b'a'], GAS);
    s.call("vault/get_part/past_end", vault, "get_part", &[40, 3, b'a'], GAS);
    s.call("vault/get/owner", vault, "get", b"owner", GAS);
    s.call("vault/del/e", vault, "del", b"e", GAS);
    s.call("vault/del/e_again", vault, "del", b"e", GAS);
    s.call("vault/ctx", vault, "ctx", &[9; 40], GAS);
    s.call("vault/events/12", vault, "events", &[12], GAS);
    s.call("vault/log", vault, "log", b"", GAS);
    s.query("vault/query/get", vault, "get", b"a", GAS);
    s.query("vault/query/put", vault, "put", &put(b"q", b"v"), GAS);

    // Failures, each rolled back.
    s.call("vault/revert_after_write", vault, "revert_after_write", b"", GAS);
    s.call("vault/abort", vault, "abort", &77u32.to_le_bytes(), GAS);
    for t in ["unreachable", "overflow", "conversion", "oob", "null", "mismatch", "table", "stack"] {
        s.call(&format!("vault/trap/{t}"), vault, &format!("t_{t}"), b"", GAS);
    }
    s.call("vault/trap/div", vault, "t_div", &0u32.to_le_bytes(), GAS);
    s.call("vault/trap/no_div", vault, "t_div", &3u32.to_le_bytes(), GAS);
    for h in ["pointer", "key", "value", "topics", "event_data", "input", "log", "return", "return_data"] {
        s.call(&format!("vault/host_trap/{h}"), vault, &format!("h_{h}"), b"", GAS);
    }
    s.call("vault/no_such_method", vault, "nope", b"", GAS);
    s.call("vault/not_a_method", vault, "memory", b"", GAS);
    s.call("no_such_contract", addr(0xee), "get", b"", GAS);
    s.call("vault/input_too_large", vault, "get", &vec![0; 65537], GAS);

    // Memory growth to the host limit (256 pages) and past it.
    for pages in [0u32, 254, 255, 0xffff_ffff] {
        s.call(&format!("vault/grow/{pages}"), vault, "grow", &pages.to_le_bytes(), GAS);
    }

    // Floats whose bits reach storage, the return data and the result hash.
    let f = |a: u64, b: u64| [a.to_le_bytes(), b.to_le_bytes()].concat();
    let pairs = [
        ("one_three", 0x3ff0_0000_0000_0000, 0x4008_0000_0000_0000),
        ("nan_payload", 0x7ff8_0000_dead_beef, 0x3ff0_0000_0000_0000),
        ("signaling_nan", 0xfff0_0000_0000_0001, 0x7ffc_0000_0000_0001),
        ("zeros", 0x8000_0000_0000_0000, 0x0000_0000_0000_0000),
        ("infinities", 0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000),
        ("large", 0x7fe1_ccf3_85eb_c8a0, 0x4024_0000_0000_0000),
        ("subnormal", 0x0000_0000_0000_0003, 0x3fe0_0000_0000_0000),
        ("negative_sqrt", 0xc000_0000_0000_0000, 0x3ff8_0000_0000_0000),
    ];
    for (name, a, b) in pairs {
        s.call(&format!("vault/floats/{name}"), vault, "floats", &f(a, b), GAS);
    }

    // Out of gas: in Wasm, in a host function's loop, with a small limit, at many exact points.
    s.call("vault/spin", vault, "spin", b"", 200_000_000);
    s.call("vault/burn/3", vault, "burn", &3u32.to_le_bytes(), GAS);
    s.call("vault/burn/oog", vault, "burn", &1_000_000u32.to_le_bytes(), 300_000_000);
    s.call_points("vault/put/oog", vault, "put", &put(b"p", b"points"));

    // Nested calls.
    let via = |target: Address, flags: u8, gas: u64, method: &str, input: &[u8]| {
        [&target.0[..], &[flags], &gas.to_le_bytes(), &[method.len() as u8], method.as_bytes(), input].concat()
    };
    let all = u64::MAX;
    s.call("relay/put", relay, "call", &via(vault, 0, all, "put", &put(b"r", b"via relay")), GAS);
    s.call("relay/get", relay, "call", &via(vault, 0, all, "get", b"r"), GAS);
    s.call("relay/revert", relay, "call", &via(vault, 0, all, "revert_after_write", b""), GAS);
    s.call("relay/missing_key", relay, "call", &via(vault, 0, all, "get", b"zz"), GAS);
    s.call("relay/trap", relay, "call", &via(vault, 0, all, "t_unreachable", b""), GAS);
    s.call("relay/host_trap", relay, "call", &via(vault, 0, all, "h_key", b""), GAS);
    s.call("relay/abort", relay, "call", &via(vault, 0, all, "abort", &5u32.to_le_bytes()), GAS);
    s.call("relay/callee_oog", relay, "call", &via(vault, 0, 150_000_000, "spin", b""), GAS);
    s.call("relay/no_such_method", relay, "call", &via(vault, 0, all, "nope", b""), GAS);
    s.call("relay/no_such_contract", relay, "call", &via(addr(0xee), 0, all, "get", b""), GAS);
    s.call("relay/read_only_write", relay, "call", &via(vault, 2, all, "put", &put(b"r", b"x")), GAS);
    s.call("relay/read_only_read", relay, "call", &via(vault, 2, all, "get", b"r"), GAS);
    s.call("relay/bad_flags", relay, "call", &via(vault, 4, all, "get", b"r"), GAS);
    s.call("relay/reentry_denied", relay, "call", &via(relay, 0, all, "deep", b""), GAS);
    s.call("relay/deep", relay, "deep", b"", GAS);
    s.call("relay/ctx", relay, "call", &via(vault, 0, all, "ctx", b""), GAS);
    s.call("relay/nested_oog", relay, "call", &via(vault, 0, all, "burn", &1_000_000u32.to_le_bytes()), 400_000_000);
    s.call_points("relay/put/oog", relay, "call", &via(vault, 0, all, "put", &put(b"n", b"nested")));
    s.query("relay/query/put", relay, "call", &via(vault, 0, all, "put", &put(b"r", b"q")), GAS);
    s.out
}

struct Scenario {
    rt: Runtime,
    storage: Arc<dyn Storage>,
    context: BlockContext,
    out: Outputs,
}

impl Scenario {
    fn request(&self, contract: Address, method: &str, input: &[u8], gas: u64) -> CallRequest {
        CallRequest {
            contract,
            method: method.into(),
            input: input.to_vec(),
            caller: addr(0xca),
            gas_limit: gas,
            context: self.context.clone(),
        }
    }

    fn push(&mut self, name: &str, receipt: &Receipt, record: &ExecutionRecord, extra: &str) {
        let record = record.to_bytes();
        let ret = if receipt.return_data.is_empty() { "-".to_string() } else { hex(&receipt.return_data) };
        let outcome = format!(
            "{:?} | gas {} | ret {ret} | events {} | writes {} | result {} | receipt {} | record {}{extra}",
            receipt.status,
            receipt.gas_used,
            receipt.events.len(),
            receipt.write_set.len(),
            hex(&receipt.result_hash),
            hex(&receipt.encode()),
            hex(&keccak(&record)),
        );
        self.out.entries.push(Entry { name: name.into(), outcome });
        self.out.records.push((name.into(), record));
    }

    fn deploy(&mut self, name: &str, code: &[u8], deployer: Address, init: Option<&str>, gas: u64) -> Address {
        let req = DeployRequest {
            code: code.to_vec(),
            deployer,
            init: init.map(Into::into),
            input: Vec::new(),
            gas_limit: gas,
            context: self.context.clone(),
        };
        let (d, record) = self.rt.deploy_recorded(&self.storage, &req).unwrap_or_else(|e| panic!("{name}: {e}"));
        self.push(name, &d.receipt, &record, &format!(" | address {}", hex(&d.address.0)));
        d.address
    }

    fn call(&mut self, name: &str, contract: Address, method: &str, input: &[u8], gas: u64) {
        let req = self.request(contract, method, input, gas);
        let (receipt, record) = self.rt.call_recorded(&self.storage, &req).unwrap_or_else(|e| panic!("{name}: {e}"));
        self.push(name, &receipt, &record, "");
    }

    fn query(&mut self, name: &str, contract: Address, method: &str, input: &[u8], gas: u64) {
        let req = self.request(contract, method, input, gas);
        let (receipt, record) = self.rt.query_recorded(&self.storage, &req).unwrap_or_else(|e| panic!("{name}: {e}"));
        self.push(name, &receipt, &record, "");
    }

    /// Limits below `used` (what a run with `GAS` used, making `record`): spread evenly, and
    /// exactly where each host call starts (the run stops in the host call's charge) and ends
    /// (it stops at the next charge), and one short of `used`. A frame's gas before and after a
    /// host call is `GAS` less what was used so far, callees included, since every nested call
    /// here passes on all the gas left.
    fn limits(used: u64, record: &ExecutionRecord) -> Vec<u64> {
        let mut limits: BTreeSet<u64> = (0..EVEN_POINTS).map(|k| used * k / EVEN_POINTS).collect();
        for h in &record.transcript {
            limits.extend([GAS - h.gas_before, GAS - h.gas_after].into_iter().filter(|&l| l < used));
        }
        limits.insert(used - 1);
        limits.into_iter().collect()
    }

    /// A call with as much gas as it needs, then with too little at many points; none of the
    /// short ones commits, and the first one's state is what the measuring call leaves (the
    /// call must leave the same state when repeated).
    fn call_points(&mut self, name: &str, contract: Address, method: &str, input: &[u8]) {
        self.call(&format!("{name}/first"), contract, method, input, GAS);
        let req = self.request(contract, method, input, GAS);
        let (receipt, record) = self.rt.call_recorded(&self.storage, &req).expect("measuring call");
        for limit in Self::limits(receipt.gas_used, &record) {
            self.call(&format!("{name}/{limit}"), contract, method, input, limit);
        }
        let used = receipt.gas_used;
        self.call(&format!("{name}/{used}"), contract, method, input, used);
    }

    /// A deployment with too little gas at many points (none of them stores anything), where
    /// `used` is what the deployment takes on a scratch storage.
    fn deploy_points(&mut self, name: &str, code: &[u8], deployer: Address, init: &str) {
        let scratch: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
        let req = DeployRequest {
            code: code.to_vec(),
            deployer,
            init: Some(init.into()),
            input: Vec::new(),
            gas_limit: GAS,
            context: self.context.clone(),
        };
        let (deployed, record) = self.rt.deploy_recorded(&scratch, &req).expect("measuring deployment");
        for limit in Self::limits(deployed.receipt.gas_used, &record) {
            self.deploy(&format!("{name}/{limit}"), code, deployer, Some(init), limit);
        }
    }
}
