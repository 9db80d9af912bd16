//! `create` and `set_code` at the ABI: derived addresses, status codes, rollback of the child
//! only, the gas rule of `call`, charges before any work, traps for bad arguments, and replay.

use crate::common;

use std::sync::Arc;

use common::*;
use tally_host_env::*;

/// Input: salt (32) ‖ gas (i64 LE) ‖ method length (u32 LE) ‖ method (16 bytes) ‖ init input
/// length (u32 LE) ‖ init input ‖ code. Writes its own key `x`, calls `create`, and returns
/// status (i32 LE) ‖ the address written to `dst` ‖ the initializer's return data.
const CREATOR: &str = r#"(module
  (import "tally_host_v1" "create" (func $create (param i32 i32 i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "tally_host_v1" "input_len" (func $ilen (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (import "tally_host_v1" "storage_write" (func $swrite (param i32 i32 i32 i32)))
  (import "tally_host_v1" "return_data_len" (func $rdlen (result i32)))
  (import "tally_host_v1" "return_data_read" (func $rdread (param i32 i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 300) "x")
  (func (export "make") (local $n i32) (local $code i32)
    (call $iread (i32.const 1024) (i32.const 0) (call $ilen))
    (call $swrite (i32.const 300) (i32.const 1) (i32.const 300) (i32.const 1))
    (local.set $n (i32.load (i32.const 1084)))
    (local.set $code (i32.add (i32.const 1088) (local.get $n)))
    (i32.store (i32.const 600)
      (call $create
        (local.get $code) (i32.sub (i32.add (i32.const 1024) (call $ilen)) (local.get $code))
        (i32.const 1024)
        (i32.const 1068) (i32.load (i32.const 1064))
        (i32.const 1088) (local.get $n)
        (i64.load (i32.const 1056))
        (i32.const 604)))
    (call $rdread (i32.const 636) (i32.const 0) (call $rdlen))
    (call $ret (i32.const 600) (i32.add (i32.const 36) (call $rdlen))))
  ;; A code length no gas can pay for, at a pointer past memory: out of gas, never a memory trap.
  (func (export "huge") (drop (call $create (i32.const 131000) (i32.const 0x7fffffff) (i32.const 0)
    (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 604))))
  ;; Empty code whose pointer is past memory, but a destination past memory too.
  (func (export "bad_dst") (drop (call $create (i32.const 0) (i32.const 8) (i32.const 0)
    (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 131070))))
  (func (export "long_method") (drop (call $create (i32.const 0) (i32.const 8) (i32.const 0)
    (i32.const 0) (i32.const 1025) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 604)))))"#;

/// Version 1 of an upgradable contract: `upgrade` with input method length (u32 LE) ‖ method
/// (16 bytes) ‖ code calls `set_code` and returns the status (i32 LE) ‖ the migration's return
/// data; `version` returns 1.
const V1: &str = r#"(module
  (import "tally_host_v1" "set_code" (func $set_code (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (import "tally_host_v1" "input_len" (func $ilen (result i32)))
  (import "tally_host_v1" "input_read" (func $iread (param i32 i32 i32)))
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (import "tally_host_v1" "return_data_len" (func $rdlen (result i32)))
  (import "tally_host_v1" "return_data_read" (func $rdread (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 500) "\01\00\00\00")
  (func (export "upgrade")
    (call $iread (i32.const 1024) (i32.const 0) (call $ilen))
    (i32.store (i32.const 600)
      (call $set_code (i32.const 1044) (i32.sub (call $ilen) (i32.const 20))
        (i32.const 1028) (i32.load (i32.const 1024)) (i32.const 0) (i32.const 0) (i64.const -1)))
    (call $rdread (i32.const 604) (i32.const 0) (call $rdlen))
    (call $ret (i32.const 600) (i32.add (i32.const 4) (call $rdlen))))
  (func (export "version") (call $ret (i32.const 500) (i32.const 4))))"#;

/// Version 2: `version` returns 2; `migrate` writes `m` and returns "moved"; `migrate_fail`
/// writes `m` and reverts.
const V2: &str = r#"(module
  (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
  (import "tally_host_v1" "revert" (func $revert (param i32 i32)))
  (import "tally_host_v1" "storage_write" (func $swrite (param i32 i32 i32 i32)))
  (import "tally_host_v1" "caller" (func $caller (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 500) "\02\00\00\00")
  (data (i32.const 520) "m")
  (data (i32.const 530) "moved")
  (func (export "version") (call $ret (i32.const 500) (i32.const 4)))
  (func (export "migrate")
    (call $caller (i32.const 0))
    (call $swrite (i32.const 520) (i32.const 1) (i32.const 0) (i32.const 32))
    (call $ret (i32.const 530) (i32.const 5)))
  (func (export "migrate_fail")
    (call $swrite (i32.const 520) (i32.const 1) (i32.const 530) (i32.const 5))
    (call $revert (i32.const 530) (i32.const 5))))"#;

/// The `make` input creating `code` with `salt`, initializer `method` on `init`, and `gas`.
fn make_input(salt: u8, gas: i64, method: &str, init: &[u8], code: &[u8]) -> Vec<u8> {
    let mut input = vec![salt; 32];
    input.extend_from_slice(&gas.to_le_bytes());
    input.extend_from_slice(&(method.len() as u32).to_le_bytes());
    let mut name = method.as_bytes().to_vec();
    name.resize(16, 0);
    input.extend_from_slice(&name);
    input.extend_from_slice(&(init.len() as u32).to_le_bytes());
    input.extend_from_slice(init);
    input.extend_from_slice(code);
    input
}

/// What `make` returned: the status, the address and the initializer's return data.
fn made(r: &Receipt) -> (i32, Address, Vec<u8>) {
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let d = &r.return_data;
    (i32::from_le_bytes(d[..4].try_into().unwrap()), Address(d[4..36].try_into().unwrap()), d[36..].to_vec())
}

fn creator() -> (Chain, Address) {
    let chain = Chain::memory();
    let creator = chain.deploy(CREATOR, addr(1));
    (chain, creator)
}

fn has_account(chain: &Chain, a: &Address) -> bool {
    chain.dump().iter().any(|(k, _)| k.strip_prefix(keys::ACCOUNT) == Some(&a.0[..]))
}

#[test]
fn create_runs_the_initializer_at_the_derived_address() {
    let (chain, creator) = creator();
    let code = wasm(COUNTER);
    let (status, child, data) = made(&chain.call(creator, "make", &make_input(9, -1, "inc", &[], &code)));
    assert_eq!(status, 0);
    assert_eq!(child, Address::derive_created(&creator, &[9; 32], &keccak(&code)));
    assert_eq!(data, 1u64.to_le_bytes(), "the initializer's return data");
    // The child is a contract like any other: its state, its calls.
    assert_eq!(u64_of(&chain.call(child, "get", &[]).return_data), 1);
    assert_eq!(u64_of(&chain.call(child, "inc", &[]).return_data), 2);
    // The initializer's caller is the creator.
    let r = chain.call(creator, "make", &make_input(10, -1, "", &[], &wasm(V2)));
    let (status, v2, _) = made(&r);
    assert_eq!(status, 0, "no initializer");
    assert!(has_account(&chain, &v2));
    assert_eq!(chain.call(v2, "version", &[]).return_data, 2u32.to_le_bytes());

    // The same salt and code again: status 7, the address still written; the creator's own
    // write commits.
    let r = chain.call(creator, "make", &make_input(9, -1, "inc", &[], &code));
    assert_eq!(made(&r).0, 7);
    assert_eq!(made(&r).1, child);
    assert_eq!(r.write_set, [(contract_key(&creator, b"x"), Some(b"x".to_vec()))]);
    // Another salt, another address.
    let (status, other, _) = made(&chain.call(creator, "make", &make_input(11, -1, "inc", &[], &code)));
    assert_eq!(status, 0);
    assert_ne!(other, child);
}

#[test]
fn a_failed_initializer_rolls_back_the_child_only() {
    let (chain, creator) = creator();
    let code = wasm(COUNTER);
    for (method, status) in [("inc_then_revert", 1), ("inc_then_trap", 2), ("abort7", 2), ("nope", 6)] {
        let r = chain.call(creator, "make", &make_input(1, -1, method, &[], &code));
        let (got, child, data) = made(&r);
        assert_eq!(got, status, "{method}");
        assert!(!has_account(&chain, &child), "{method}: no account");
        assert!(r.write_set.iter().all(|(k, _)| !k.windows(32).any(|w| w == child.0)), "{method}: {:?}", r.write_set);
        assert_eq!(r.write_set, [(contract_key(&creator, b"x"), Some(b"x".to_vec()))], "{method}");
        if status == 1 {
            assert_eq!(data, b"bumped", "the revert data");
        }
    }
    // A looping initializer takes at most all but 1/64 of the gas: the creator finishes.
    let r = chain.call(creator, "make", &make_input(1, -1, "spin", &[], &code));
    assert_eq!(made(&r).0, 3);
    assert!(r.gas_used < GAS && GAS - r.gas_used > GAS / 70, "kept {}", GAS - r.gas_used);
    // Code the chain refuses.
    assert_eq!(made(&chain.call(creator, "make", &make_input(1, -1, "", &[], b"\0asm\x01\0\0\0\x05"))).0, 8);
    assert_eq!(made(&chain.call(creator, "make", &make_input(1, -1, "", &[], b"garbage"))).0, 8);
}

#[test]
fn create_charges_before_it_reads_and_traps_on_bad_arguments() {
    let (chain, creator) = creator();
    // 2^31 bytes of code at a pointer past memory: the charge runs out first.
    let r = chain.call(creator, "huge", &[]);
    assert_eq!(r.status, Status::OutOfGas, "{r:?}");
    assert_eq!(r.gas_used, GAS);
    assert_eq!(chain.call(creator, "bad_dst", &[]).status, Status::HostTrap(HostTrap::MemoryAccess));
    assert_eq!(chain.call(creator, "long_method", &[]).status, Status::HostTrap(HostTrap::BadArgument));
    let q =
        chain.rt.query(&chain.storage, &chain.req(creator, "make", &make_input(1, -1, "", &[], &wasm(V2)))).unwrap();
    assert_eq!(q.status, Status::HostTrap(HostTrap::ReadOnly));

    // Code over `max_code_size` is refused without being read.
    let mut params = Params::default();
    params.limits.max_code_size = 700;
    let small = Chain { rt: Runtime::new(params).unwrap(), ..Chain::new(Arc::new(MemoryStorage::new())) };
    let creator = small.deploy(CREATOR, addr(1));
    assert_eq!(made(&small.call(creator, "make", &make_input(1, -1, "inc", &[], &[7; 701]))).0, 8);

    // The charge grows with the code by deploy_code_byte + memory_read_byte per byte.
    let (chain, creator) = self::creator();
    let k = chain.rt.params().host;
    let cost = |code: &[u8]| {
        let (r, rec) = chain
            .rt
            .call_recorded(&chain.storage, &chain.req(creator, "make", &make_input(1, -1, "", &[], code)))
            .unwrap();
        assert_eq!(made(&r).0, 8);
        let c = rec.transcript.iter().find(|c| c.function_name() == "create").expect("a create");
        c.gas_before - c.gas_after
    };
    assert_eq!(cost(&[7; 100]) - cost(&[7; 50]), 50 * (k.deploy_code_byte + k.memory_read_byte));
    assert_eq!(cost(&[7; 50]), k.install_cost(k.create, 50, 32));
}

#[test]
fn a_recorded_creation_replays_and_a_forged_one_diverges() {
    let (chain, creator) = creator();
    let req = chain.req(creator, "make", &make_input(3, -1, "inc", &[], &wasm(COUNTER)));
    let (receipt, record) = chain.rt.call_recorded(&chain.storage, &req).unwrap();
    assert_eq!(made(&receipt).0, 0);
    assert_eq!(replay(&chain.rt, &record).unwrap(), receipt);
    let mut forged = record.clone();
    let last = forged.input.len() - 1;
    forged.input[last] ^= 1;
    assert!(replay(&chain.rt, &forged).is_err());
}

#[test]
fn set_code_replaces_the_running_contracts_code_and_runs_the_migration() {
    let chain = Chain::memory();
    let c = chain.deploy(V1, addr(1));
    let upgrade = |method: &str, code: &[u8]| {
        let mut input = (method.len() as u32).to_le_bytes().to_vec();
        let mut name = method.as_bytes().to_vec();
        name.resize(16, 0);
        input.extend_from_slice(&name);
        input.extend_from_slice(code);
        let r = chain.call(c, "upgrade", &input);
        assert_eq!(r.status, Status::Ok, "{r:?}");
        (i32::from_le_bytes(r.return_data[..4].try_into().unwrap()), r.return_data[4..].to_vec(), r)
    };
    let version = || chain.call(c, "version", &[]).return_data;
    let v2 = wasm(V2);

    // Refused: the migration reverts (its write is undone), the method is missing, the code is bad.
    let (status, data, r) = upgrade("migrate_fail", &v2);
    assert_eq!((status, data.as_slice()), (1, &b"moved"[..]));
    assert!(r.write_set.is_empty(), "{:?}", r.write_set);
    assert_eq!(upgrade("nope", &v2).0, 6);
    assert_eq!(upgrade("migrate", b"garbage").0, 8);
    assert_eq!(version(), 1u32.to_le_bytes());

    // Accepted: same address, new code; the migration ran as the contract itself.
    let (status, data, r) = upgrade("migrate", &v2);
    assert_eq!((status, data.as_slice()), (0, &b"moved"[..]));
    assert_eq!(version(), 2u32.to_le_bytes());
    let account = r.write_set.iter().find(|(k, _)| *k == [keys::ACCOUNT, &c.0[..]].concat()).expect("account");
    assert_eq!(account.1.as_deref().map(|v| &v[..32]), Some(&keccak(&v2)[..]));
    assert!(
        r.write_set.contains(&(contract_key(&c, b"m"), Some(c.0.to_vec()))),
        "the migration's caller is the contract"
    );
    // Version 2 has no `upgrade`: the contract decided it is final.
    assert_eq!(chain.call(c, "upgrade", &[]).status, Status::NoSuchMethod);

    // Read-only frames cannot.
    let chain = Chain::memory();
    let c = chain.deploy(V1, addr(1));
    let mut input = 0u32.to_le_bytes().to_vec();
    input.extend_from_slice(&[0; 16]);
    input.extend_from_slice(&v2);
    let q = chain.rt.query(&chain.storage, &chain.req(c, "upgrade", &input)).unwrap();
    assert_eq!(q.status, Status::HostTrap(HostTrap::ReadOnly));
    // Without a migration the code is just replaced, and that replays.
    let (r, record) = chain.rt.call_recorded(&chain.storage, &chain.req(c, "upgrade", &input)).unwrap();
    assert_eq!(i32::from_le_bytes(r.return_data[..4].try_into().unwrap()), 0);
    assert_eq!(replay(&chain.rt, &record).unwrap(), r);
    assert_eq!(chain.call(c, "version", &[]).return_data, 2u32.to_le_bytes());
}
