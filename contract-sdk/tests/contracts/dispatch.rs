//! The dispatch convention and the SDK runtime, through the `probe` and `token` examples.

use parity_scale_codec::{Decode, Encode};
use sha3::{Digest, Keccak256};
use tally_host_env::{Address, HostTrap, Status};
use tally_sdk::abort_code;
use tally_sdk::dispatch::DispatchError;

use crate::common::*;

fn probe() -> (Chain, Address) {
    let chain = Chain::new();
    let p = chain.deploy("probe", addr(0xa1), ());
    (chain, p)
}

fn dispatch_error(r: &tally_host_env::Receipt) -> DispatchError {
    assert_eq!(r.status, Status::Reverted, "{r:?}");
    DispatchError::from_revert_data(&r.return_data).unwrap_or_else(|| panic!("not a dispatch error: {r:?}"))
}

#[test]
fn bad_input_reverts_with_a_tagged_dispatch_error() {
    let chain = Chain::new();
    let token = chain.deploy("token", addr(0xa1), ("T".to_string(), "T".to_string(), 0u8, 5u128));
    let call = |input: Vec<u8>| chain.rt.call(&chain.storage, &chain.raw_req(token, addr(1), input)).expect("call");

    let unknown = tally_sdk::selector("mint");
    assert_eq!(dispatch_error(&call(unknown.to_vec())), DispatchError::UnknownSelector(unknown));
    assert_eq!(call(unknown.to_vec()).return_data[..4], [0xff, b'T', b'L', b'Y']);
    assert_eq!(dispatch_error(&call(vec![1, 2])), DispatchError::NoSelector);
    assert_eq!(dispatch_error(&call(vec![])), DispatchError::NoSelector);

    let allowance = tally_sdk::selector("allowance");
    let mut input = allowance.to_vec();
    (tally_sdk::Address([2; 32]), tally_sdk::Address([3; 32])).encode_to(&mut input);
    let truncated = input[..input.len() - 1].to_vec();
    assert_eq!(dispatch_error(&call(truncated)), DispatchError::BadArguments(allowance));
    let mut trailing = input.clone();
    trailing.push(0);
    assert_eq!(dispatch_error(&call(trailing)), DispatchError::BadArguments(allowance));
    assert_eq!(call(input).status, Status::Ok);
}

#[test]
fn bad_deploy_input_reverts_and_stores_nothing() {
    let chain = Chain::new();
    let d = chain.deploy_raw("token", addr(0xa1), ("only a name".to_string(),).encode());
    assert_eq!(dispatch_error(&d.receipt), DispatchError::BadArguments(tally_sdk::selector("init")));
    assert!(chain.dump().is_empty());
    // A contract without #[init] takes only an empty deploy input.
    let d = chain.deploy_raw("probe", addr(0xa1), vec![0]);
    assert_eq!(dispatch_error(&d.receipt), DispatchError::BadArguments([0; 4]));
    assert_eq!(chain.deploy_raw("probe", addr(0xa1), vec![]).receipt.status, Status::Ok);
}

#[test]
fn writes_in_views_abort_and_queries_of_calls_trap() {
    let (chain, p) = probe();
    for method in ["sneaky_write", "sneaky_event"] {
        let r = chain.call(p, addr(1), method, ());
        assert_eq!(r.status, Status::Aborted(abort_code::WRITE_IN_VIEW), "{method}");
        assert!(r.write_set.is_empty());
        // In a query the SDK's check comes first, too.
        assert_eq!(chain.query(p, method, ()).status, Status::Aborted(abort_code::WRITE_IN_VIEW));
    }
    // A #[call] method run as a query: the host's read-only trap.
    assert_eq!(chain.query(p, "put", (1u32, 2u64)).status, Status::HostTrap(HostTrap::ReadOnly));
}

#[test]
fn panics_abort_with_the_panic_code_and_roll_back() {
    let (chain, p) = probe();
    assert_eq!(ok::<u32>(&chain.call(p, addr(1), "divide", (10u32, 3u32))), 3);
    let before = chain.dump();
    let r = chain.call(p, addr(1), "divide", (10u32, 0u32));
    assert_eq!(r.status, Status::Aborted(tally_sdk::PANIC_CODE));
    assert!(r.write_set.is_empty());
    assert_eq!(chain.dump(), before);
    assert_eq!(chain.call(p, addr(1), "abort_with", (300u32,)).status, Status::Aborted(300));
}

#[test]
fn items_and_maps_round_trip_small_and_large_values() {
    let (chain, p) = probe();
    assert_eq!(chain.view::<(bool, u32, u64)>(p, "blob_info", ()), (false, 0, 0));
    let read_buffer = tally_sdk::env::STORAGE_READ_BUFFER as u32;
    for len in [0, 1, 100, read_buffer - 2, read_buffer - 1, read_buffer, read_buffer + 1, 5000] {
        ok::<()>(&chain.call(p, addr(1), "store_blob", (len,)));
        let sum: u64 = (0..len).map(|i| u64::from(i as u8)).sum();
        assert_eq!(chain.view::<(bool, u32, u64)>(p, "blob_info", ()), (true, len, sum), "len {len}");
    }
    ok::<()>(&chain.call(p, addr(1), "clear_blob", ()));
    assert_eq!(chain.view::<(bool, u32, u64)>(p, "blob_info", ()), (false, 0, 0));

    assert!(!ok::<bool>(&chain.call(p, addr(1), "put", (7u32, 70u64))));
    assert!(ok::<bool>(&chain.call(p, addr(1), "put", (7u32, 71u64))));
    assert_eq!(chain.view::<Option<u64>>(p, "get", (7u32,)), Some(71));
    assert_eq!(chain.view::<Option<u64>>(p, "get", (8u32,)), None);
    ok::<()>(&chain.call(p, addr(1), "del", (7u32,)));
    assert_eq!(chain.view::<Option<u64>>(p, "get", (7u32,)), None);
}

#[derive(Debug, PartialEq, Eq, Encode, Decode)]
struct Context {
    height: u64,
    time: u64,
    chain_id: u64,
    caller: tally_sdk::Address,
    this: tally_sdk::Address,
    origin: tally_sdk::Address,
}

#[test]
fn host_wrappers_return_the_context_hashes_and_gas() {
    let (chain, p) = probe();
    let r = chain.call(p, addr(0x77), "context", ());
    assert_eq!(
        ok::<Context>(&r),
        Context {
            height: 7,
            time: 1_700_000_000,
            chain_id: 42,
            caller: sdk(addr(0x77)),
            this: sdk(p),
            origin: sdk(addr(0x77))
        }
    );
    for data in [vec![], b"abc".to_vec(), vec![7; 300]] {
        let (host, konst) = chain.view::<([u8; 32], [u8; 32])>(p, "hash", (data.clone(),));
        let want: [u8; 32] = Keccak256::digest(&data).into();
        assert_eq!((host, konst), (want, want));
    }
    let (a, b) = chain.view::<(u64, u64)>(p, "gas", ());
    assert!(a > b && a < GAS, "{a} {b}");
}

#[test]
fn events_logs_and_the_allocator() {
    let (chain, p) = probe();
    let r = chain.call(p, addr(1), "ping", ("hello".to_string(),));
    ok::<()>(&r);
    assert_eq!(r.logs, vec![b"hello".to_vec()]);
    let mut t1 = [0u8; 32];
    t1[0] = 1;
    let mut t2 = [0u8; 32];
    t2[0] = 2;
    let mut t3 = [0u8; 32];
    t3[0] = 3;
    let long: [u8; 32] = Keccak256::digest(vec![9u8; 40].encode()).into();
    // Anonymous: no signature topic, four field topics.
    assert_eq!(r.events[0].topics, vec![t1, t2, t3, long]);
    assert_eq!(r.events[0].data, (1u8, 2u16, 3u32, vec![9u8; 40]).encode());

    // 1 MiB in 1 KiB blocks plus a growing vector: memory grows page by page.
    let kib = 1024u32;
    let want = (0..kib).map(|i| u64::from(i as u8) + u64::from(i)).sum::<u64>();
    assert_eq!(chain.view::<u64>(p, "allocate", (kib,)), want);
    // Beyond the memory limit (256 pages = 16 MiB): a clean abort.
    assert_eq!(chain.query(p, "allocate", (20_000u32,)).status, Status::Aborted(abort_code::OUT_OF_MEMORY));
}
