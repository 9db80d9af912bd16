//! Execution records: encode/decode, replay without the database, and divergence reports.

use crate::common;

use common::*;
use tally_host_env::*;

fn recorded_call(chain: &Chain, contract: Address, method: &str, input: &[u8]) -> (Receipt, ExecutionRecord) {
    chain.rt.call_recorded(&chain.storage, &chain.req(contract, method, input)).expect("call")
}

#[test]
fn a_recorded_call_replays_identically_without_the_database() {
    let chain = Chain::memory();
    let counter = chain.deploy(COUNTER, addr(1));
    let proxy = chain.deploy(PROXY, addr(1));
    chain.call(counter, "inc", &[]);
    for (contract, method, input) in [
        (counter, "inc", vec![]),
        (proxy, "forward_inc", counter.0.to_vec()),
        (proxy, "forward_trap", counter.0.to_vec()),
    ] {
        let (receipt, record) = recorded_call(&chain, contract, method, &input);
        assert!(!record.transcript.is_empty() && !record.read_set.is_empty());
        // The read set carries the code: replay needs nothing else.
        assert!(record.read_set.iter().any(|(k, v)| k.starts_with(keys::CODE) && v.is_some()));
        let bytes = record.to_bytes();
        let decoded = ExecutionRecord::from_bytes(&bytes).expect("decode");
        assert_eq!(decoded, record);
        let replayed = replay(&chain.rt, &decoded).unwrap_or_else(|d| panic!("{method}: {d}"));
        assert_eq!(replayed.result_hash, receipt.result_hash);
        assert_eq!(replayed, receipt);
    }
}

#[test]
fn recorded_deploys_and_queries_replay() {
    let chain = Chain::memory();
    let req = DeployRequest {
        code: wasm(COUNTER),
        deployer: addr(3),
        init: Some("inc".into()),
        input: vec![],
        gas_limit: GAS,
        context: chain.context.clone(),
    };
    let (deployed, record) = chain.rt.deploy_recorded(&chain.storage, &req).unwrap();
    assert_eq!(replay(&chain.rt, &record).unwrap().result_hash, deployed.receipt.result_hash);
    let (q, record) = chain.rt.query_recorded(&chain.storage, &chain.req(deployed.address, "get", &[])).unwrap();
    assert_eq!(u64_of(&q.return_data), 1);
    assert_eq!(replay(&chain.rt, &record).unwrap(), q);
}

#[test]
fn recording_does_not_change_the_receipt() {
    let a = Chain::memory();
    let b = Chain::memory();
    let ca = a.deploy(COUNTER, addr(1));
    let cb = b.deploy(COUNTER, addr(1));
    let plain = a.call(ca, "inc", &[]);
    let (recorded, _) = recorded_call(&b, cb, "inc", &[]);
    assert_eq!(plain, recorded);
}

#[test]
fn the_first_divergence_is_reported() {
    let chain = Chain::memory();
    let counter = chain.deploy(COUNTER, addr(1));
    chain.call(counter, "inc", &[]);
    let (_, record) = recorded_call(&chain, counter, "inc", &[]);

    // A different stored value: the storage_read's io digest differs first.
    let mut tampered = record.clone();
    let slot = contract_key(&counter, b"n");
    for (k, v) in tampered.read_set.iter_mut() {
        if *k == slot {
            *v = Some(41u64.to_le_bytes().to_vec());
        }
    }
    match replay(&chain.rt, &tampered) {
        Err(Divergence::HostCall { index: 0, recorded: Some(r), replayed: Some(p) }) => {
            assert_eq!(r.function_name(), "storage_read");
            assert_ne!(r.io, p.io);
        }
        other => panic!("{other:?}"),
    }

    // A missing key: reading it is itself a divergence.
    let mut missing = record.clone();
    missing.read_set.retain(|(k, _)| *k != slot);
    assert!(matches!(replay(&chain.rt, &missing), Err(Divergence::ReadOutsideReadSet { key, .. }) if key == slot));

    // A different gas figure in the transcript.
    let mut gas = record.clone();
    gas.transcript[1].gas_after += 1;
    assert!(matches!(replay(&chain.rt, &gas), Err(Divergence::HostCall { index: 1, .. })));

    // A different outcome with an identical transcript.
    let mut outcome = record.clone();
    outcome.outcome.gas_used += 1;
    assert!(matches!(replay(&chain.rt, &outcome), Err(Divergence::Outcome { field: "gas_used", .. })));

    // Other params.
    let other =
        Runtime::new(Params { host: HostCosts { base: 1, ..HostCosts::default() }, ..Params::default() }).unwrap();
    assert!(matches!(replay(&other, &record), Err(Divergence::Params { .. })));
}

#[test]
fn divergences_say_in_hex_what_was_expected_and_what_happened() {
    let chain = Chain::memory();
    let counter = chain.deploy(COUNTER, addr(1));
    let (_, record) = recorded_call(&chain, counter, "inc", &[]);
    let message = |r: &ExecutionRecord| replay(&chain.rt, r).unwrap_err().to_string();

    // One flipped byte of the recorded write: that entry alone, its key, both values in hex.
    let mut write = record.clone();
    assert_eq!(write.outcome.write_set.len(), 1);
    write.outcome.write_set[0].1.as_mut().unwrap()[0] ^= 1;
    assert_eq!(
        message(&write),
        format!(
            "the write set differs at key 0x6e of contract {counter}: the record has the value 0x0000000000000000, \
             the replay made the value 0x0100000000000000 (first difference at byte 0)"
        )
    );

    // A write the record has and the replay did not make.
    let mut extra = record.clone();
    extra.outcome.write_set.insert(0, (contract_key(&counter, b"a"), None));
    assert_eq!(
        message(&extra),
        format!("the write set differs at key 0x61 of contract {counter}: the record has a removal, the replay made no write")
    );

    // An event: the first differing one, field by field in hex.
    let mut event = record.clone();
    event.outcome.events[0].data[0] ^= 0x10;
    let topic = tally_host_env::hex(&record.outcome.events[0].topics[0]);
    assert_eq!(
        message(&event),
        format!(
            "event #0 differs: the record has from {counter} with topics [{topic}] and data 0x1100000000000000, \
             the replay emitted from {counter} with topics [{topic}] and data 0x0100000000000000"
        )
    );

    // A transcript entry: which part differs, then both entries.
    let mut gas = record.clone();
    gas.transcript[1].gas_after += 1;
    let m = message(&gas);
    assert!(m.starts_with("host call #1 differs in its gas: the record has storage_write at depth 1 (gas "), "{m}");
    assert!(m.contains(", the replay made storage_write at depth 1 (gas "), "{m}");

    // Return data, cut around the first difference.
    let mut ret = record.clone();
    ret.outcome.return_data[0] = 9;
    assert_eq!(
        message(&ret),
        "return_data differs: the record has 0x0900000000000000, the replay gave 0x0100000000000000 (first difference at byte 0)"
    );
}

#[test]
fn corrupted_records_are_typed_errors() {
    let chain = Chain::memory();
    let counter = chain.deploy(COUNTER, addr(1));
    let (_, record) = recorded_call(&chain, counter, "inc", &[]);
    let bytes = record.to_bytes();
    assert_eq!(ExecutionRecord::from_bytes(b"nope"), Err(RecordError::NotARecord));
    let mut other = bytes.clone();
    other[8] = 1;
    assert_eq!(ExecutionRecord::from_bytes(&other), Err(RecordError::Version(1)));
    other[8] = 3;
    assert_eq!(ExecutionRecord::from_bytes(&other), Err(RecordError::Version(3)));
    // Every truncation fails cleanly; so does trailing garbage.
    for len in 0..bytes.len() {
        assert!(ExecutionRecord::from_bytes(&bytes[..len]).is_err(), "truncated to {len}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(ExecutionRecord::from_bytes(&long), Err(RecordError::Malformed(_))));
    // Byte flips never panic; they either fail to decode or decode to something else, which
    // replays (to a receipt or a divergence) without panicking.
    let mut decoded = 0;
    for i in (8..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        if let Ok(r) = ExecutionRecord::from_bytes(&b) {
            assert_ne!(r, record, "a flip at {i} decoded to the original record");
            let _ = replay(&chain.rt, &r);
            decoded += 1;
        }
    }
    assert!(decoded > 0, "no flipped record decoded, so none was replayed");
}

#[test]
fn record_and_replay_round_trip_on_redb() {
    let dir = std::env::temp_dir().join(format!("tally-replay-redb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.redb");
    let _ = std::fs::remove_file(&path);
    let storage: std::sync::Arc<dyn Storage> = std::sync::Arc::new(RedbStorage::open(&path).expect("open redb"));
    let chain = Chain::new(storage);
    let token = chain.deploy(TOKEN, addr(1));
    assert_eq!(chain.call(token, "mint", &to_amount(addr(0xca), 50)).status, Status::Ok);
    let (receipt, record) = recorded_call(&chain, token, "transfer", &to_amount(addr(2), 20));
    assert_eq!(receipt.status, Status::Ok);
    // The same execution on an in-memory chain gives the same receipt.
    let memory = Chain::memory();
    let token_m = memory.deploy(TOKEN, addr(1));
    assert_eq!(token_m, token);
    memory.call(token_m, "mint", &to_amount(addr(0xca), 50));
    let (receipt_m, _) = recorded_call(&memory, token_m, "transfer", &to_amount(addr(2), 20));
    assert_eq!(receipt_m, receipt);
    // The record survives a round trip through a file and replays without either database.
    let file = dir.join("transfer.record");
    std::fs::write(&file, record.to_bytes()).unwrap();
    let loaded = ExecutionRecord::from_bytes(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(replay(&chain.rt, &loaded).unwrap().result_hash, receipt.result_hash);
    drop(chain);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads `gas_left` and forwards all of it to a callee that spins: a replay must show contracts
/// the recorded gas limit, while its meters only reach the gas the record says was used.
const GAS_WATCHER: &str = r#"(module
  (import "tally_host_v1" "gas_left" (func $gas_left (result i64)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (memory 1)
  (func (export "run")
    (i64.store (i32.const 0) (call $gas_left))
    (call $ret (i32.const 0) (i32.const 8)))
  (func (export "spin") (loop $l (br $l))))"#;

#[test]
fn a_replay_sees_the_recorded_gas_limit_and_never_uses_more_gas_than_recorded() {
    let chain = Chain::memory();
    let watcher = chain.deploy(GAS_WATCHER, addr(1));
    let proxy = chain.deploy(PROXY, addr(1));
    // Honest records replay identically, though contracts read the gas left and forward all of
    // it: the limit they see is the recorded one.
    for (contract, method, input) in [
        (watcher, "run", vec![]),
        (proxy, "forward_inc", watcher.0.to_vec()),
        (proxy, "forward_spin", watcher.0.to_vec()),
    ] {
        let (receipt, record) = recorded_call(&chain, contract, method, &input);
        assert_eq!(replay(&chain.rt, &record).unwrap_or_else(|d| panic!("{method}: {d}")), receipt);
    }
    // A forged record: the gas limit raised to u64::MAX over code that spins. The replay stops
    // at the gas the record says was used, at once, instead of spinning for hours.
    let mut req = chain.req(watcher, "spin", &[]);
    req.gas_limit = 10_000_000_000;
    let (receipt, mut record) = chain.rt.call_recorded(&chain.storage, &req).unwrap();
    assert_eq!(receipt.status, Status::OutOfGas);
    record.gas_limit = u64::MAX;
    // (Unbounded, this replay would spin for about u64::MAX / 10^10 times the recorded run.)
    let divergence = replay(&chain.rt, &record).unwrap_err();
    assert_eq!(divergence, Divergence::GasExceeded { recorded: 10_000_000_000 });
    // The same with a claim of less gas than the execution needs.
    let (receipt, mut record) = recorded_call(&chain, watcher, "run", &[]);
    record.outcome.gas_used = receipt.gas_used / 2;
    assert_eq!(replay(&chain.rt, &record).unwrap_err(), Divergence::GasExceeded { recorded: receipt.gas_used / 2 });
}
