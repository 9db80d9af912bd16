//! What the contract-level targets (`record_replay`, `host_abi`) run on: one runtime with the
//! default params, shared by every input of a process, and a counter contract.

use std::sync::{Arc, OnceLock};

use tally_host_env::{Address, BlockContext, DeployRequest, MemoryStorage, Params, Runtime, Status, Storage};

/// A counter that exercises most of the host ABI. Methods: `inc` (+1, an event, a log line,
/// returns the new value), `get`, `add` (input: a `u64`), `hash` (returns the input's
/// Keccak-256), `forward` (input: an address; calls its `inc`, returns the status and the
/// callee's return data), `spin` (writes, then loops until out of gas), `fail` (writes, then
/// reverts) and `trap` (writes, then `unreachable`).
pub const COUNTER: &str = r#"(module
  (import "tally_host_v1" "storage_read" (func $sread (param i32 i32 i32 i32 i32) (result i32)))
  (import "tally_host_v1" "storage_write" (func $swrite (param i32 i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (import "tally_host_v1" "revert" (func $revert (param i32 i32)))
  (import "tally_host_v1" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (import "tally_host_v1" "debug_log" (func $log (param i32 i32)))
  (import "tally_host_v1" "input_len" (func $ilen (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "keccak256" (func $keccak (param i32 i32 i32)))
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "return_data_len" (func $rdlen (result i32)))
  (import "tally_host_v1" "return_data_read" (func $rdread (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "n")
  (data (i32.const 16) "bumped")
  (data (i32.const 32) "inc")
  (data (i32.const 200) "counter-topic-0000000000000000000")
  (func $load (result i64)
    (if (i32.eq (call $sread (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8) (i32.const 0)) (i32.const -1))
      (then (return (i64.const 0))))
    (i64.load (i32.const 64)))
  (func $store (param i64)
    (i64.store (i32.const 64) (local.get 0))
    (call $swrite (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8)))
  (func $input (param $at i32) (result i32) (local $n i32)
    (local.set $n (call $ilen))
    (if (i32.gt_u (local.get $n) (i32.const 1024)) (then (local.set $n (i32.const 1024))))
    (call $iread (local.get $at) (i32.const 0) (local.get $n))
    (local.get $n))
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
  (func (export "add")
    (drop (call $input (i32.const 1024)))
    (call $store (i64.add (call $load) (i64.load (i32.const 1024))))
    (call $ret (i32.const 64) (i32.const 8)))
  (func (export "hash")
    (call $keccak (i32.const 1024) (call $input (i32.const 1024)) (i32.const 96))
    (call $ret (i32.const 96) (i32.const 32)))
  (func (export "forward")
    (drop (call $input (i32.const 1024)))
    (i32.store (i32.const 400)
      (call $call (i32.const 1024) (i32.const 32) (i32.const 3) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))
    (call $rdread (i32.const 404) (i32.const 0) (call $rdlen))
    (call $ret (i32.const 400) (i32.add (i32.const 4) (call $rdlen))))
  (func (export "spin") (call $store (i64.const 99)) (loop $l (br $l)))
  (func (export "fail") (call $store (i64.const 99)) (call $revert (i32.const 16) (i32.const 6)))
  (func (export "trap") (call $store (i64.const 99)) unreachable)
)"#;

/// The deployer of every contract the targets deploy.
pub const DEPLOYER: Address = Address([0xde; 32]);

/// The caller of every call the targets make.
pub const CALLER: Address = Address([0xca; 32]);

/// Gas for deployments (they are set-up, not what is fuzzed).
pub const DEPLOY_GAS: u64 = 10_000_000_000;

/// The block every execution belongs to.
pub fn context() -> BlockContext {
    BlockContext { height: 7, time: 1_700_000_000, chain_id: 42 }
}

/// The runtime every input runs on (default params). Its code cache lives as long as the
/// process, which must not change any result.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(Params::default()).expect("the default params are valid"))
}

/// Compiles WAT (the targets' own, fixed contracts).
pub fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("the targets' contracts are valid WAT")
}

/// Deploys `code` (without an initializer) as [`DEPLOYER`]; panics if that fails, since the
/// targets deploy only code they know is valid.
pub fn deploy(storage: &Arc<MemoryStorage>, code: Vec<u8>) -> Address {
    let storage: Arc<dyn Storage> = storage.clone();
    let req = DeployRequest {
        code,
        deployer: DEPLOYER,
        init: None,
        input: vec![],
        gas_limit: DEPLOY_GAS,
        context: context(),
    };
    let deployed = runtime().deploy(&storage, &req).expect("a deployment on memory storage");
    assert_eq!(deployed.receipt.status, Status::Ok, "deploying a target's own contract: {:?}", deployed.receipt);
    deployed.address
}
