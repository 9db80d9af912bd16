//! Contracts and helpers shared by the host-env tests.
#![allow(dead_code)]

use std::sync::Arc;

use tally_host_env::*;

/// A counter: `inc` (+1, event, log, returns the new value), `get`, and failure modes.
pub const COUNTER: &str = r#"(module
  (import "tally_host_v1" "storage_read" (func $sread (param i32 i32 i32 i32 i32) (result i32)))
  (import "tally_host_v1" "storage_write" (func $swrite (param i32 i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (import "tally_host_v1" "revert" (func $revert (param i32 i32)))
  (import "tally_host_v1" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (import "tally_host_v1" "abort" (func $abort (param i32)))
  (import "tally_host_v1" "debug_log" (func $log (param i32 i32)))
  (import "tally_host_v1" "block_height" (func $height (result i64)))
  (memory (export "memory") 2)
  (data (i32.const 0) "n")
  (data (i32.const 16) "bumped")
  (data (i32.const 200) "counter-topic-0000000000000000000")
  (func $load (result i64)
    (if (i32.eq (call $sread (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8) (i32.const 0)) (i32.const -1))
      (then (return (i64.const 0))))
    (i64.load (i32.const 64)))
  (func $store (param i64)
    (i64.store (i32.const 64) (local.get 0))
    (call $swrite (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8)))
  (func (export "inc") (local i64)
    (local.set 0 (i64.add (call $load) (i64.const 1)))
    (call $store (local.get 0))
    (i64.store (i32.const 96) (local.get 0))
    (call $emit (i32.const 200) (i32.const 1) (i32.const 96) (i32.const 8))
    (call $log (i32.const 16) (i32.const 6))
    (call $ret (i32.const 96) (i32.const 8)))
  (func (export "get")
    (i64.store (i32.const 96) (call $load))
    (call $ret (i32.const 96) (i32.const 8)))
  (func (export "height")
    (i64.store (i32.const 96) (call $height))
    (call $ret (i32.const 96) (i32.const 8)))
  (func (export "inc_then_revert")
    (call $store (i64.const 99))
    (call $emit (i32.const 200) (i32.const 1) (i32.const 96) (i32.const 8))
    (call $revert (i32.const 16) (i32.const 6)))
  (func (export "inc_then_trap") (call $store (i64.const 99)) unreachable)
  (func (export "spin") (call $store (i64.const 99)) (loop $l (br $l)))
  (func (export "abort7") (call $abort (i32.const 7)))
  (func (export "bad_pointer") (call $ret (i32.const 131070) (i32.const 100)))
  (func (export "long_key") (call $swrite (i32.const 0) (i32.const 300) (i32.const 64) (i32.const 8)))
  (func (export "too_many_topics") (call $emit (i32.const 200) (i32.const 5) (i32.const 96) (i32.const 8)))
  (func (export "big_value") (call $swrite (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 65537)))
  (func (export "takes_args") (param i32))
)"#;

/// A proxy that calls other contracts. Input: the target address (32 bytes).
pub const PROXY: &str = r#"(module
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (import "tally_host_v1" "storage_write" (func $swrite (param i32 i32 i32 i32)))
  (import "tally_host_v1" "self_address" (func $self (param i32)))
  (import "tally_host_v1" "caller" (func $caller (param i32)))
  (import "tally_host_v1" "return_data_len" (func $rdlen (result i32)))
  (import "tally_host_v1" "return_data_read" (func $rdread (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "inc")
  (data (i32.const 110) "inc_then_trap")
  (data (i32.const 130) "reenter")
  (data (i32.const 140) "deep")
  (data (i32.const 150) "spin")
  (data (i32.const 160) "nope")
  (data (i32.const 300) "p")
  ;; Writes its own key, calls target.<method>, returns status (4 bytes LE) ‖ callee return data.
  (func $forward (param $m i32) (param $mlen i32) (param $gas i64)
    (call $iread (i32.const 0) (i32.const 0) (i32.const 32))
    (call $swrite (i32.const 300) (i32.const 1) (i32.const 300) (i32.const 1))
    (i32.store (i32.const 400)
      (call $call (i32.const 0) (local.get $m) (local.get $mlen) (i32.const 0) (i32.const 0) (local.get $gas) (i32.const 0)))
    (call $rdread (i32.const 404) (i32.const 0) (call $rdlen))
    (call $ret (i32.const 400) (i32.add (i32.const 4) (call $rdlen))))
  (func (export "forward_inc") (call $forward (i32.const 100) (i32.const 3) (i64.const -1)))
  (func (export "forward_trap") (call $forward (i32.const 110) (i32.const 13) (i64.const -1)))
  (func (export "forward_spin") (call $forward (i32.const 150) (i32.const 4) (i64.const 50000000)))
  (func (export "forward_missing") (call $forward (i32.const 160) (i32.const 4) (i64.const -1)))
  ;; Calls itself without the re-entry flag: denied (status 4).
  (func (export "reenter")
    (call $self (i32.const 0))
    (i32.store (i32.const 400)
      (call $call (i32.const 0) (i32.const 130) (i32.const 7) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))
    (call $ret (i32.const 400) (i32.const 4)))
  ;; Calls itself with re-entry allowed until the depth limit; returns the innermost status.
  (func (export "deep")
    (local $s i32)
    (call $self (i32.const 0))
    (local.set $s
      (call $call (i32.const 0) (i32.const 140) (i32.const 4) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 1)))
    (if (i32.eqz (local.get $s))
      (then
        (call $rdread (i32.const 400) (i32.const 0) (i32.const 4))
        (call $ret (i32.const 400) (i32.const 4)))
      (else
        (i32.store (i32.const 400) (local.get $s))
        (call $ret (i32.const 400) (i32.const 4)))))
  (func (export "whoami") (call $caller (i32.const 500)) (call $ret (i32.const 500) (i32.const 32)))
)"#;

/// Compiles WAT.
pub fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("valid WAT")
}

/// An address with every byte `b`.
pub fn addr(b: u8) -> Address {
    Address([b; 32])
}

/// The default gas limit of these tests.
pub const GAS: u64 = 10_000_000_000;

/// A chain under test: a runtime over a storage.
pub struct Chain {
    pub rt: Runtime,
    pub storage: Arc<dyn Storage>,
    pub context: BlockContext,
}

impl Chain {
    /// A chain with default params over `storage`.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self {
            rt: Runtime::new(Params::default()).expect("runtime"),
            storage,
            context: BlockContext { height: 7, time: 1_700_000_000, chain_id: 42 },
        }
    }

    /// An in-memory chain.
    pub fn memory() -> Self {
        Self::new(Arc::new(MemoryStorage::new()))
    }

    /// Deploys `wat` as `deployer` without an initializer.
    pub fn deploy(&self, wat: &str, deployer: Address) -> Address {
        let d = self
            .rt
            .deploy(
                &self.storage,
                &DeployRequest {
                    code: wasm(wat),
                    deployer,
                    init: None,
                    input: vec![],
                    gas_limit: GAS,
                    context: self.context.clone(),
                },
            )
            .expect("deploy");
        assert_eq!(d.receipt.status, Status::Ok, "{:?}", d.receipt);
        d.address
    }

    /// A call request.
    pub fn req(&self, contract: Address, method: &str, input: &[u8]) -> CallRequest {
        CallRequest {
            contract,
            method: method.into(),
            input: input.to_vec(),
            caller: addr(0xca),
            gas_limit: GAS,
            context: self.context.clone(),
        }
    }

    /// Calls and unwraps the `Result` (not the status).
    pub fn call(&self, contract: Address, method: &str, input: &[u8]) -> Receipt {
        self.rt.call(&self.storage, &self.req(contract, method, input)).expect("call")
    }

    /// Queries.
    pub fn query(&self, contract: Address, method: &str) -> Receipt {
        self.rt.query(&self.storage, &self.req(contract, method, &[])).expect("query")
    }

    /// Every stored entry.
    pub fn dump(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.storage.entries_with_prefix(b"", usize::MAX).expect("scan")
    }
}

/// A little-endian u64 from return data.
pub fn u64_of(data: &[u8]) -> u64 {
    u64::from_le_bytes(data[..8].try_into().expect("8 bytes"))
}

/// The token contract of `contracts/token.wat`.
pub const TOKEN: &str = include_str!("../../contracts/token.wat");

/// `to ‖ amount` call data of the token's `mint` and `transfer`.
pub fn to_amount(to: Address, amount: u64) -> Vec<u8> {
    [&to.0[..], &amount.to_le_bytes()[..]].concat()
}
