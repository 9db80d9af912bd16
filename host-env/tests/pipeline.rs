//! The execution pipeline end to end: deploy, call, query, journaling, nested calls, receipts.

use crate::common;

use common::*;
use tally_host_env::*;

#[test]
fn counter_increments_commits_and_emits() {
    let chain = Chain::memory();
    let c = chain.deploy(COUNTER, addr(1));
    let r1 = chain.call(c, "inc", &[]);
    assert_eq!(r1.status, Status::Ok, "{r1:?}");
    assert_eq!(u64_of(&r1.return_data), 1);
    assert_eq!(r1.events.len(), 1);
    assert_eq!(r1.events[0].contract, c);
    assert_eq!(&r1.events[0].topics[0][..13], b"counter-topic");
    assert_eq!(r1.logs, vec![b"bumped".to_vec()]);
    assert_eq!(r1.write_set, vec![(contract_key(&c, b"n"), Some(1u64.to_le_bytes().to_vec()))]);
    let r2 = chain.call(c, "inc", &[]);
    assert_eq!(u64_of(&r2.return_data), 2);
    assert_eq!(u64_of(&chain.query(c, "get").return_data), 2);
    assert_eq!(u64_of(&r2.return_data), 2);
    // The first `inc` finds no value; later ones read 8 bytes and pay for them.
    let r3 = chain.call(c, "inc", &[]);
    assert!(r1.gas_used > 0 && r1.gas_used < r2.gas_used, "{} vs {}", r1.gas_used, r2.gas_used);
    assert_eq!(r2.gas_used, r3.gas_used);
    assert_ne!(r1.result_hash, r2.result_hash);
    assert_eq!(u64_of(&chain.query(c, "height").return_data), 7);
}

#[test]
fn identical_executions_on_fresh_chains_give_identical_receipts() {
    let run = || {
        let chain = Chain::memory();
        let c = chain.deploy(COUNTER, addr(1));
        (c, chain.call(c, "inc", &[]), chain.dump())
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
}

#[test]
fn failures_discard_writes_and_events_but_charge_gas() {
    let chain = Chain::memory();
    let c = chain.deploy(COUNTER, addr(1));
    chain.call(c, "inc", &[]);
    let before = chain.dump();
    let cases: [(&str, Status); 5] = [
        ("inc_then_revert", Status::Reverted),
        ("inc_then_trap", Status::Trapped(WasmTrap::Unreachable)),
        ("spin", Status::OutOfGas),
        ("abort7", Status::Aborted(7)),
        ("bad_pointer", Status::HostTrap(HostTrap::MemoryAccess)),
    ];
    for (method, status) in cases {
        let r = chain.call(c, method, &[]);
        assert_eq!(r.status, status, "{method}: {r:?}");
        assert!(r.events.is_empty() && r.write_set.is_empty(), "{method}");
        assert!(r.gas_used > 0, "{method}");
        assert_eq!(chain.dump(), before, "{method} changed state");
    }
    let r = chain.call(c, "inc_then_revert", &[]);
    assert_eq!(r.return_data, b"bumped", "revert data is returned");
    assert_eq!(chain.call(c, "spin", &[]).gas_used, GAS, "out of gas uses the whole limit");
    assert_eq!(chain.call(c, "long_key", &[]).status, Status::HostTrap(HostTrap::KeyTooLong));
    assert_eq!(chain.call(c, "big_value", &[]).status, Status::HostTrap(HostTrap::ValueTooLarge));
    let oversized = chain.rt.call(&chain.storage, &chain.req(c, "inc", &vec![0; 64 * 1024 + 1])).unwrap();
    assert_eq!(oversized.status, Status::HostTrap(HostTrap::InputTooLarge));
    let input_charge = chain.rt.params().host.top_level_call_cost(3, 64 * 1024 + 1);
    assert_eq!(oversized.gas_used, input_charge, "the call's own charge, nothing loaded");
    assert_eq!(chain.call(c, "too_many_topics", &[]).status, Status::HostTrap(HostTrap::EventLimit));
    let trap = chain.call(c, "inc_then_trap", &[]).trap.expect("location");
    assert_eq!(trap.contract, Some(c));
    assert!(trap.function.is_some());
}

#[test]
fn host_exits_end_frames_with_their_status_location_and_message() {
    // The exit travels from the host function to the frame in the VM's trap, typed: the status
    // is the exit's, the location the Wasm function that called the host, the message the host
    // function's name and the exit.
    let chain = Chain::memory();
    let c = chain.deploy(COUNTER, addr(1));
    for (method, status, message) in [
        ("inc_then_revert", Status::Reverted, "revert: reverted"),
        ("abort7", Status::Aborted(7), "abort: aborted with code 7"),
        ("bad_pointer", Status::HostTrap(HostTrap::MemoryAccess), "return_set: host trap memory_access"),
    ] {
        let r = chain.call(c, method, &[]);
        assert_eq!(r.status, status, "{method}");
        let trap = r.trap.expect("location");
        assert_eq!(trap.contract, Some(c), "{method}");
        assert!(trap.function.is_some(), "{method}");
        assert_eq!(trap.message.as_deref(), Some(message), "{method}");
    }
    // A plain Wasm trap carries no host message.
    let trap = chain.call(c, "inc_then_trap", &[]).trap.expect("location");
    assert_eq!(trap.message, None);
}

#[test]
fn queries_are_read_only() {
    let chain = Chain::memory();
    let c = chain.deploy(COUNTER, addr(1));
    chain.call(c, "inc", &[]);
    let before = chain.dump();
    assert_eq!(chain.query(c, "inc").status, Status::HostTrap(HostTrap::ReadOnly));
    assert_eq!(u64_of(&chain.query(c, "get").return_data), 1);
    assert_eq!(chain.dump(), before);
}

#[test]
fn unknown_contracts_and_methods_end_in_charged_receipts() {
    let chain = Chain::memory();
    let c = chain.deploy(COUNTER, addr(1));
    let before = chain.dump();
    let r = chain.rt.call(&chain.storage, &chain.req(addr(9), "inc", &[])).unwrap();
    assert_eq!(r.status, Status::NoSuchContract);
    assert_eq!(r.gas_used, chain.rt.params().host.top_level_call_cost(3, 0), "the call's charge, no code to load");
    let code_len = wasm(COUNTER).len();
    for method in ["nope", "takes_args", "memory"] {
        let r = chain.rt.call(&chain.storage, &chain.req(c, method, &[])).unwrap();
        assert_eq!(r.status, Status::NoSuchMethod, "{method}");
        let message = r.trap.and_then(|t| t.message).unwrap_or_default();
        assert!(message.contains(method), "{message}");
        // The call's charge and the code's loading: a missing method costs what finding out did.
        let k = &chain.rt.params().host;
        assert!(r.gas_used > k.call_cost(method.len() as u32, 0) + k.load_cost(code_len), "{method}: {}", r.gas_used);
    }
    assert_eq!(chain.dump(), before);
}

#[test]
fn deploy_rejects_bad_code_and_derives_addresses() {
    let chain = Chain::memory();
    let deploy = |code: Vec<u8>| {
        chain.rt.deploy(
            &chain.storage,
            &DeployRequest {
                code,
                deployer: addr(1),
                init: None,
                input: vec![],
                gas_limit: GAS,
                context: chain.context.clone(),
            },
        )
    };
    for (wat, needle) in [
        (r#"(module (import "env" "f" (func)))"#, "env.f"),
        (r#"(module (import "tally_host_v1" "nope" (func)))"#, "nope"),
        (r#"(module (import "tally_host_v1" "abort" (func (param i64))))"#, "abort"),
        (r#"(module (import "tally" "gas" (func (param i64))))"#, "tally"),
    ] {
        let code = wasm(wat);
        let k = &chain.rt.params().host;
        let cost = k.deploy + code.len() as u64 * k.deploy_code_byte;
        let r = deploy(code).unwrap().receipt;
        assert_eq!(r.status, Status::InvalidCode, "{wat}");
        assert_eq!(r.gas_used, cost, "{wat}: the deploy charge was taken before the code was looked at");
        let message = r.trap.and_then(|t| t.message).unwrap_or_default();
        assert!(message.contains(needle), "{message}");
    }
    assert_eq!(deploy(b"\0asm\x01\0\0\0\x05".to_vec()).unwrap().receipt.status, Status::InvalidCode);
    assert!(chain.dump().is_empty());
    let a = deploy(wasm(COUNTER)).unwrap();
    let b = deploy(wasm(COUNTER)).unwrap();
    assert_eq!(a.address, Address::derive(&addr(1), 0));
    assert_eq!(b.address, Address::derive(&addr(1), 1));
    assert_eq!(a.code_hash, keccak(&wasm(COUNTER)));
    // One code entry, two accounts, one nonce.
    let code_entries = chain.storage.entries_with_prefix(keys::CODE, 10).unwrap();
    assert_eq!(code_entries.len(), 1);
    assert_eq!(chain.storage.entries_with_prefix(keys::ACCOUNT, 10).unwrap().len(), 2);
}

#[test]
fn deploy_with_a_failing_initializer_stores_nothing() {
    let chain = Chain::memory();
    let req = DeployRequest {
        code: wasm(COUNTER),
        deployer: addr(1),
        init: Some("inc_then_trap".into()),
        input: vec![],
        gas_limit: GAS,
        context: chain.context.clone(),
    };
    let d = chain.rt.deploy(&chain.storage, &req).unwrap();
    assert_eq!(d.receipt.status, Status::Trapped(WasmTrap::Unreachable));
    assert!(chain.dump().is_empty());
    let ok = chain.rt.deploy(&chain.storage, &DeployRequest { init: Some("inc".into()), ..req.clone() }).unwrap();
    assert_eq!(ok.receipt.status, Status::Ok);
    assert_eq!(u64_of(&chain.query(ok.address, "get").return_data), 1);
    let poor = chain.rt.deploy(&chain.storage, &DeployRequest { gas_limit: 1000, ..req }).unwrap();
    assert_eq!(poor.receipt.status, Status::OutOfGas);
}

fn status_of(r: &Receipt) -> i32 {
    i32::from_le_bytes(r.return_data[..4].try_into().unwrap())
}

#[test]
fn nested_calls_merge_on_success_and_roll_back_only_the_callee() {
    let chain = Chain::memory();
    let counter = chain.deploy(COUNTER, addr(1));
    let proxy = chain.deploy(PROXY, addr(1));
    let r = chain.call(proxy, "forward_inc", &counter.0);
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(status_of(&r), 0);
    assert_eq!(u64_of(&r.return_data[4..]), 1);
    assert_eq!(r.events.len(), 1, "the callee's event is kept");
    assert_eq!(r.write_set.len(), 2, "proxy's and counter's keys: {:?}", r.write_set);

    let r = chain.call(proxy, "forward_trap", &counter.0);
    assert_eq!(r.status, Status::Ok);
    assert_eq!(status_of(&r), 2, "trapped");
    assert_eq!(r.write_set, vec![(contract_key(&proxy, b"p"), Some(b"p".to_vec()))], "only the caller's write");
    assert_eq!(u64_of(&chain.query(counter, "get").return_data), 1);

    let r = chain.call(proxy, "forward_spin", &counter.0);
    assert_eq!(status_of(&r), 3, "callee out of gas");
    assert!(r.gas_used >= 50_000_000 && r.gas_used < GAS, "the callee used its own limit only: {}", r.gas_used);

    assert_eq!(status_of(&chain.call(proxy, "forward_missing", &counter.0)), 6);
    assert_eq!(status_of(&chain.call(proxy, "forward_inc", &addr(0x77).0)), 6);
}

#[test]
fn reentry_is_denied_and_depth_is_limited() {
    let chain = Chain::memory();
    let proxy = chain.deploy(PROXY, addr(1));
    assert_eq!(status_of(&chain.call(proxy, "reenter", &[])), 4);
    let r = chain.call(proxy, "deep", &[]);
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(status_of(&r), 5, "the innermost frame hits the depth limit");
}

#[test]
fn callee_sees_the_caller_address() {
    let chain = Chain::memory();
    let proxy = chain.deploy(PROXY, addr(1));
    let r = chain.call(proxy, "whoami", &[]);
    assert_eq!(r.return_data, addr(0xca).0.to_vec());
}

#[test]
fn gas_is_charged_before_side_effects() {
    let chain = Chain::memory();
    let c = chain.deploy(COUNTER, addr(1));
    chain.call(c, "inc", &[]);
    // From now on every `inc` costs the same (it reads and writes an 8-byte value).
    let full = chain.call(c, "inc", &[]).gas_used;
    let before = chain.dump();
    // Every limit below the full cost fails and leaves state untouched.
    for limit in [0, 1, full / 4, full / 2, full - 1] {
        let mut req = chain.req(c, "inc", &[]);
        req.gas_limit = limit;
        let r = chain.rt.call(&chain.storage, &req).unwrap();
        assert_eq!(r.status, Status::OutOfGas, "limit {limit}");
        assert_eq!(r.gas_used, limit);
        assert_eq!(chain.dump(), before);
    }
    let mut req = chain.req(c, "inc", &[]);
    req.gas_limit = full;
    assert_eq!(chain.rt.call(&chain.storage, &req).unwrap().status, Status::Ok);
}

#[test]
fn token_transfers_move_balances_and_revert_when_short() {
    let chain = Chain::memory();
    let token = chain.deploy(TOKEN, addr(1));
    let alice = addr(0xca);
    let bob = addr(0xb0);
    assert_eq!(chain.call(token, "mint", &to_amount(alice, 100)).status, Status::Ok);
    let r = chain.call(token, "transfer", &to_amount(bob, 30));
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert_eq!(r.events[0].topics, vec![alice.0, bob.0]);
    let balance = |who: Address| {
        let r = chain.rt.query(&chain.storage, &chain.req(token, "balance", &who.0)).unwrap();
        u64_of(&r.return_data)
    };
    assert_eq!((balance(alice), balance(bob)), (70, 30));
    let r = chain.call(token, "transfer", &to_amount(bob, 71));
    assert_eq!(r.status, Status::Reverted);
    assert_eq!(r.return_data, b"insufficient balance");
    assert_eq!((balance(alice), balance(bob)), (70, 30));
}

#[test]
fn runaway_recursion_stops_at_the_stack_budget() {
    let chain = Chain::memory();
    let c = chain.deploy(r#"(module (memory 1) (func $f (export "go") (call $f)))"#, addr(1));
    let a = chain.call(c, "go", &[]);
    assert_eq!(a.status, Status::Trapped(WasmTrap::StackExhausted), "{a:?}");
    assert!(a.gas_used > 0 && a.gas_used < GAS);
    assert_eq!(chain.call(c, "go", &[]).gas_used, a.gas_used, "deterministic");
}

#[test]
fn the_result_hash_covers_the_context_but_not_the_logs() {
    let chain = Chain::memory();
    let c = chain.deploy(COUNTER, addr(1));
    let base = chain.rt.query(&chain.storage, &chain.req(c, "get", &[])).unwrap();
    let mut req = chain.req(c, "get", &[]);
    req.context.height += 1;
    assert_ne!(chain.rt.query(&chain.storage, &req).unwrap().result_hash, base.result_hash);
    let mut req = chain.req(c, "get", &[]);
    req.caller = addr(0x99);
    assert_ne!(chain.rt.query(&chain.storage, &req).unwrap().result_hash, base.result_hash);
    let mut req = chain.req(c, "get", &[]);
    req.gas_limit += 1;
    assert_ne!(chain.rt.query(&chain.storage, &req).unwrap().result_hash, base.result_hash);
    // Same request, same hash.
    assert_eq!(chain.rt.query(&chain.storage, &chain.req(c, "get", &[])).unwrap().result_hash, base.result_hash);
    // Logs are in the receipt but not in the hash: the receipt's hash equals one recomputed
    // from the hashed fields alone.
    let r = chain.call(c, "inc", &[]);
    assert!(!r.logs.is_empty());
    let req = chain.req(c, "inc", &[]);
    let recomputed = tally_host_env::receipt::ResultPreimage {
        tag: tally_host_env::receipt::RESULT_HASH_TAG,
        params_hash: chain.rt.params_hash(),
        code_hash: keccak(&wasm(COUNTER)),
        contract: c,
        caller: req.caller,
        entry: "inc",
        input: &[],
        context: &req.context,
        gas_limit: req.gas_limit,
        status: r.status,
        return_data: &r.return_data,
        gas_used: r.gas_used,
        events: &r.events,
        write_set: &r.write_set,
    }
    .hash();
    assert_eq!(recomputed, r.result_hash);
}

#[test]
fn params_round_trip_and_hash_every_field() {
    let p = Params::default();
    assert_eq!(Params::from_bytes(&p.to_bytes()).unwrap(), p);
    let mut q = p.clone();
    q.limits.max_call_depth += 1;
    assert_ne!(q.params_hash(), p.params_hash());
    let mut q = p.clone();
    q.host.storage_write += 1;
    assert_ne!(q.params_hash(), p.params_hash());
    assert!(Params::from_bytes(&p.to_bytes()[..10]).is_err());
    // One encoding: trailing bytes are refused (the `decode` fuzz target's finding,
    // fuzz/regressions/decode/params-trailing-bytes).
    let mut long = p.to_bytes();
    long.push(0);
    assert_eq!(Params::from_bytes(&long), Err("params: 1 trailing bytes".to_string()));
}
