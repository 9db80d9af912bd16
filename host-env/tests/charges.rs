//! Charge before work: deploying, loading code and instantiating are paid before they are done,
//! whatever the node's cache holds, and every failure rooted in a request, a module or a stored
//! value ends in a charged receipt.

use crate::common;

use std::sync::Arc;

use common::*;
use tally_host_env::*;

/// A module of `functions` functions (the first ten exported as `f0`…`f9`), each a small
/// arithmetic body: code that costs real work to instrument and translate.
fn big_module(functions: usize) -> String {
    let mut wat = String::from("(module (memory 1)\n");
    for i in 0..functions {
        let export = if i < 10 { format!("(export \"f{i}\")") } else { String::new() };
        wat.push_str(&format!(
            "(func {export} (local i64) (local.set 0 (i64.const {i})) \
             (local.set 0 (i64.mul (i64.add (local.get 0) (i64.const 3)) (i64.const 7))) \
             (i64.store (i32.const 8) (local.get 0)))\n"
        ));
    }
    wat.push(')');
    wat
}

fn deploy_req(chain: &Chain, code: Vec<u8>, gas_limit: u64) -> DeployRequest {
    DeployRequest { code, deployer: addr(1), init: None, input: vec![], gas_limit, context: chain.context.clone() }
}

#[test]
fn a_deploy_without_the_gas_for_its_code_does_no_work() {
    let chain = Chain::memory();
    let code = wasm(&big_module(4000));
    assert!(code.len() > 100_000, "{}", code.len());
    let r = chain.rt.deploy(&chain.storage, &deploy_req(&chain, code.clone(), 1)).unwrap();
    assert_eq!(r.receipt.status, Status::OutOfGas);
    assert_eq!(r.receipt.gas_used, 1);
    assert_eq!(r.code_hash, [0; 32], "not even hashed");
    assert_eq!(chain.rt.code_cache_bytes(), 0, "neither instrumented nor translated");
    // One gas short of the charge: the same.
    let k = &chain.rt.params().host;
    let cost = k.deploy + code.len() as u64 * k.deploy_code_byte;
    let r = chain.rt.deploy(&chain.storage, &deploy_req(&chain, code.clone(), cost - 1)).unwrap();
    assert_eq!((r.receipt.status, r.receipt.gas_used), (Status::OutOfGas, cost - 1));
    assert_eq!(chain.rt.code_cache_bytes(), 0);
    // The charge by length paid, not the one by shape: checked, but still not prepared.
    let shape = check_code(&code, &chain.rt.params().code).unwrap();
    let full = cost + k.prepare_shape_cost(&shape);
    let r = chain.rt.deploy(&chain.storage, &deploy_req(&chain, code.clone(), full - 1)).unwrap();
    assert_eq!((r.receipt.status, r.receipt.gas_used), (Status::OutOfGas, full - 1));
    assert_eq!(chain.rt.code_cache_bytes(), 0);
    assert!(chain.dump().is_empty());
    // With exactly the charge, it deploys.
    let r = chain.rt.deploy(&chain.storage, &deploy_req(&chain, code, full)).unwrap();
    assert_eq!((r.receipt.status, r.receipt.gas_used), (Status::Ok, full));
    assert!(chain.rt.code_cache_bytes() > 0);
}

#[test]
fn loading_code_is_charged_before_it_is_prepared_and_the_same_cached_or_not() {
    let chain = Chain::memory();
    let code = wasm(&big_module(500));
    let d = chain.rt.deploy(&chain.storage, &deploy_req(&chain, code.clone(), GAS)).unwrap();
    assert_eq!(d.receipt.status, Status::Ok);
    let k = chain.rt.params().host;
    let call_charge = k.top_level_call_cost(2, 0);
    // A fresh node (empty cache) with less gas than the code's load charge: out of gas, and the
    // code was never prepared.
    let cold = Runtime::new(Params::default()).unwrap();
    let mut req = chain.req(d.address, "f7", &[]);
    req.gas_limit = call_charge + k.load_cost(code.len()) - 1;
    let r = cold.call(&chain.storage, &req).unwrap();
    assert_eq!((r.status, r.gas_used), (Status::OutOfGas, req.gas_limit));
    assert_eq!(cold.code_cache_bytes(), 0, "the code was not prepared before its charge");
    // With gas: identical receipts on the cold node and on the node that deployed it.
    let req = chain.req(d.address, "f7", &[]);
    let on_cold = cold.call(&chain.storage, &req).unwrap();
    let on_warm = chain.rt.call(&chain.storage, &req).unwrap();
    assert_eq!(on_cold.status, Status::Ok);
    assert_eq!(on_cold, on_warm, "gas and results never depend on the cache");
    assert!(on_cold.gas_used > call_charge + k.load_cost(code.len()));
    // A missing method costs the call and the load, and nothing else.
    let missing = chain.rt.call(&chain.storage, &chain.req(d.address, "nope", &[])).unwrap();
    assert_eq!(missing.status, Status::NoSuchMethod);
    let shape = check_code(&code, &chain.rt.params().code).unwrap();
    assert_eq!(missing.gas_used, k.top_level_call_cost(4, 0) + k.load_cost(code.len()) + k.load_shape_cost(&shape));
}

/// Calls `target.f0` twice through the ABI's `call`, returning the two calls' statuses.
const TWICE: &str = r#"(module
  (import "tally_host_v1" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (memory 1)
  (data (i32.const 100) "f0")
  (func (export "twice")
    (call $iread (i32.const 0) (i32.const 0) (i32.const 32))
    (drop (call $call (i32.const 0) (i32.const 100) (i32.const 2) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))
    (drop (call $call (i32.const 0) (i32.const 100) (i32.const 2) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))))"#;

#[test]
fn a_transaction_pays_for_loading_some_code_once() {
    let chain = Chain::memory();
    let code = wasm(&big_module(50));
    let target = chain.rt.deploy(&chain.storage, &deploy_req(&chain, code.clone(), GAS)).unwrap().address;
    let twice = chain.deploy(TWICE, addr(2));
    let (_, record) = chain.rt.call_recorded(&chain.storage, &chain.req(twice, "twice", &target.0)).unwrap();
    assert_eq!(record.outcome.status, Status::Ok);
    let calls: Vec<_> = record.transcript.iter().filter(|h| h.function == abi::HostFn::Call as u16).collect();
    assert_eq!(calls.len(), 2);
    let (first, second) = (calls[0].gas_before - calls[0].gas_after, calls[1].gas_before - calls[1].gas_after);
    let k = chain.rt.params().host;
    let shape = check_code(&code, &chain.rt.params().code).unwrap();
    let full = k.load_cost(code.len()) + k.load_shape_cost(&shape);
    assert_eq!(first - second, full, "the second load in the transaction costs nothing more than the call");
}

#[test]
fn instantiation_is_charged_by_what_it_allocates() {
    let chain = Chain::memory();
    let base = r#"(module (memory 1) (func (export "run")))"#;
    let with = r#"(module (memory 3) (table 1000 funcref) (global i64 (i64.const 1)) (global i64 (i64.const 2))
        (elem (i32.const 0) func 0 0 0 0 0) (data (i32.const 0) "0123456789")
        (func (export "run")))"#;
    let gas = |wat: &str| chain.call(chain.deploy(wat, addr(3)), "run", &[]);
    let (a, b) = (gas(base), gas(with));
    assert_eq!((a.status, b.status), (Status::Ok, Status::Ok));
    let p = chain.rt.params();
    let k = &p.host;
    let shape = |wat: &str| check_code(&wasm(wat), &p.code).unwrap();
    let load = |wat: &str| k.load_cost(wasm(wat).len()) + k.load_shape_cost(&shape(wat));
    let expected = 2 * p.schedule.dynamic.memory_grow_per_page
        + 1000 * k.instantiate_table_element
        + 2 * k.instantiate_global
        + 5 * k.instantiate_elem_item
        + 10 * k.instantiate_data_byte;
    assert_eq!(p.instantiate_cost(&shape(with)) - p.instantiate_cost(&shape(base)), expected);
    assert_eq!((b.gas_used - load(with)) - (a.gas_used - load(base)), expected, "only the instantiation differs");
    // Too little gas for the instantiation: out of gas before anything is allocated.
    let c = chain.deploy(with, addr(3));
    let mut req = chain.req(c, "run", &[]);
    req.gas_limit = k.top_level_call_cost(3, 0) + load(with) + p.instantiate_cost(&shape(with)) - 1;
    let r = chain.rt.call(&chain.storage, &req).unwrap();
    assert_eq!((r.status, r.gas_used), (Status::OutOfGas, req.gas_limit));
}

#[test]
fn the_code_cache_holds_at_most_its_bytes_and_changes_nothing_else() {
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let small = Runtime::with_code_cache(Params::default(), 150_000).unwrap();
    let roomy = Runtime::new(Params::default()).unwrap();
    let context = BlockContext { height: 1, time: 1, chain_id: 1 };
    let mut addresses = Vec::new();
    for i in 0..40 {
        // Distinct code: each module's constants differ.
        let code = wasm(&big_module(20).replace("(i64.const 3)", &format!("(i64.const {})", 1000 + i)));
        let req = DeployRequest {
            code,
            deployer: addr(9),
            init: None,
            input: vec![],
            gas_limit: GAS,
            context: context.clone(),
        };
        let d = small.deploy(&storage, &req).unwrap();
        assert_eq!(d.receipt.status, Status::Ok);
        addresses.push(d.address);
        assert!(small.code_cache_bytes() <= 150_000, "{}", small.code_cache_bytes());
    }
    for round in 0..2 {
        for a in &addresses {
            let req = CallRequest {
                contract: *a,
                method: "f3".into(),
                input: vec![],
                caller: addr(1),
                gas_limit: GAS,
                context: context.clone(),
            };
            let (x, y) = (small.query(&storage, &req).unwrap(), roomy.query(&storage, &req).unwrap());
            assert_eq!(x, y, "round {round}");
            assert!(small.code_cache_bytes() <= 150_000);
        }
    }
    assert!(roomy.code_cache_bytes() > 150_000, "the roomy cache kept them all");
}

#[test]
fn a_corrupt_account_is_a_receipt() {
    let chain = Chain::memory();
    let c = addr(0x77);
    let mut ws = WriteSet::new();
    ws.set([keys::ACCOUNT, &c.0[..]].concat(), vec![1, 2, 3]);
    chain.storage.commit(&ws).unwrap();
    let r = chain.call(c, "inc", &[]);
    assert_eq!(r.status, Status::CorruptState);
    assert_eq!(r.gas_used, chain.rt.params().host.top_level_call_cost(3, 0));
    // An account whose code is missing.
    let mut ws = WriteSet::new();
    // (An `Account`'s SCALE encoding is its code hash's 32 bytes and the code's length, u32 LE.)
    ws.set([keys::ACCOUNT, &c.0[..]].concat(), [&[5; 32][..], &100u32.to_le_bytes()].concat());
    chain.storage.commit(&ws).unwrap();
    assert_eq!(chain.call(c, "inc", &[]).status, Status::CorruptState);
}

/// Code that breaks a limit of the current params, stored under looser ones: every call of it
/// ends in a receipt, and a nested call of it is a status to its caller.
#[test]
fn code_refused_under_the_current_params_poisons_no_caller() {
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let context = BlockContext { height: 1, time: 1, chain_id: 1 };
    let loose = Runtime::new(Params::default()).unwrap();
    let mut strict = Params::default();
    strict.limits.max_code_size = 64 * 1024;
    let strict = Runtime::new(strict).unwrap();
    let code = wasm(&big_module(4000));
    assert!(code.len() > strict.params().limits.max_code_size as usize);
    let req = DeployRequest {
        code,
        deployer: addr(1),
        init: None,
        input: vec![],
        gas_limit: u64::MAX / 2,
        context: context.clone(),
    };
    let big = loose.deploy(&storage, &req).unwrap();
    assert_eq!(big.receipt.status, Status::Ok);
    let call = CallRequest {
        contract: big.address,
        method: "f1".into(),
        input: vec![],
        caller: addr(2),
        gas_limit: GAS,
        context: context.clone(),
    };
    let r = strict.call(&storage, &call).unwrap();
    assert_eq!(r.status, Status::InvalidCode);
    assert!(r.gas_used > 0);
    assert!(r.trap.unwrap().message.unwrap().contains("limit"));
    // Called from another contract: a status to the caller, which goes on and succeeds.
    let proxy = DeployRequest { code: wasm(PROXY), ..req };
    let proxy = strict.deploy(&storage, &proxy).unwrap().address;
    let call = CallRequest { contract: proxy, method: "forward_inc".into(), input: big.address.0.to_vec(), ..call };
    let r = strict.call(&storage, &call).unwrap();
    assert_eq!(r.status, Status::Ok);
    assert_eq!(u32::from_le_bytes(r.return_data[..4].try_into().unwrap()), 2, "trapped");
}
