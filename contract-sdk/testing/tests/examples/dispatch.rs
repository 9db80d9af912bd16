//! The dispatch convention and the SDK runtime, through the `probe` and `token` examples.

use tally_sdk::abort_code;

use crate::common::*;

fn probe() -> (TestChain, Contract) {
    let mut chain = TestChain::new();
    let p = chain.deploy(&example("probe"), TestChain::alice(), ()).unwrap();
    (chain, p)
}

#[test]
fn bad_input_reverts_with_a_tagged_dispatch_error() {
    let (mut chain, token) = token_chain();
    let mut call = |input: Vec<u8>| {
        let r = chain.call_raw(TestChain::bob(), token.address(), "call", input).expect("runs");
        assert_eq!(r.status, Status::Reverted, "{r:?}");
        assert_eq!(r.return_data[..4], [0xff, b'T', b'L', b'Y']);
        DispatchError::from_revert_data(&r.return_data).expect("a dispatch error")
    };
    let unknown = tally_sdk::selector("mint");
    assert_eq!(call(unknown.to_vec()), DispatchError::UnknownSelector(unknown));
    assert_eq!(call(vec![1, 2]), DispatchError::NoSelector);
    assert_eq!(call(vec![]), DispatchError::NoSelector);

    let allowance = tally_sdk::selector("allowance");
    let input = sdk_input("allowance", &(Address([2; 32]), Address([3; 32])));
    assert_eq!(call(input[..input.len() - 1].to_vec()), DispatchError::BadArguments(allowance));
    let mut trailing = input.clone();
    trailing.push(0);
    assert_eq!(call(trailing), DispatchError::BadArguments(allowance));
    let r = chain.call_raw(TestChain::bob(), token.address(), "call", input).expect("runs");
    assert_eq!(r.status, Status::Ok);
}

#[test]
fn bad_deploy_input_reverts_and_stores_nothing() {
    let mut chain = TestChain::new();
    let alice = TestChain::alice();
    let f = chain.deploy(&example("token"), alice, ("only a name".to_string(),)).unwrap_err();
    assert_eq!(f.dispatch_error(), Some(DispatchError::BadArguments(tally_sdk::selector("init"))));
    assert!(f.to_string().starts_with("deploy reverted with DispatchError::BadArguments(0x"), "{f}");
    assert!(chain.snapshot().entries().is_empty());
    // A contract without #[init] takes only an empty deploy input.
    let f = chain.deploy(&example("probe"), alice, (0u8,)).unwrap_err();
    assert_eq!(f.dispatch_error(), Some(DispatchError::BadArguments([0; 4])));
    chain.deploy(&example("probe"), alice, ()).unwrap();
}

#[test]
fn writes_in_views_abort_and_queries_of_calls_trap() {
    let (mut chain, p) = probe();
    for method in ["sneaky_write", "sneaky_event"] {
        let f = chain.call::<()>(TestChain::bob(), &p, method, ()).unwrap_err();
        assert_eq!(f.abort_code(), Some(abort_code::WRITE_IN_VIEW), "{method}");
        assert!(f.to_string().starts_with(&format!("{method} aborted with code 2 (state change in a #[view])")), "{f}");
        assert!(f.receipt().unwrap().write_set.is_empty());
        // In a query the SDK's check comes first, too.
        let f = chain.query::<()>(&p, method, ()).unwrap_err();
        assert_eq!(f.abort_code(), Some(abort_code::WRITE_IN_VIEW));
    }
    // A #[call] method run as a query: the host's read-only trap.
    let f = chain.query::<bool>(&p, "put", (1u32, 2u64)).unwrap_err();
    assert_eq!(f.status(), Some(Status::HostTrap(HostTrap::ReadOnly)));
}

#[test]
fn panics_abort_with_the_panic_code_and_roll_back() {
    let (mut chain, p) = probe();
    let bob = TestChain::bob();
    assert_eq!(chain.call::<u32>(bob, &p, "divide", (10u32, 3u32)).unwrap(), 3);
    let before = chain.snapshot();
    let f = chain.call::<u32>(bob, &p, "divide", (10u32, 0u32)).unwrap_err();
    assert_eq!(f.abort_code(), Some(tally_sdk::PANIC_CODE));
    assert!(f.to_string().starts_with("divide aborted with code 1 (panic)"), "{f}");
    assert!(f.receipt().unwrap().write_set.is_empty());
    assert_eq!(chain.snapshot(), before);
    assert_eq!(chain.call::<()>(bob, &p, "abort_with", (300u32,)).unwrap_err().abort_code(), Some(300));
}

#[test]
fn items_and_maps_round_trip_small_and_large_values() {
    let (mut chain, p) = probe();
    let bob = TestChain::bob();
    assert_eq!(chain.query::<(bool, u32, u64)>(&p, "blob_info", ()).unwrap(), (false, 0, 0));
    let read_buffer = tally_sdk::env::STORAGE_READ_BUFFER as u32;
    for len in [0, 1, 100, read_buffer - 2, read_buffer - 1, read_buffer, read_buffer + 1, 5000] {
        chain.call::<()>(bob, &p, "store_blob", (len,)).unwrap();
        let sum: u64 = (0..len).map(|i| u64::from(i as u8)).sum();
        assert_eq!(chain.query::<(bool, u32, u64)>(&p, "blob_info", ()).unwrap(), (true, len, sum), "len {len}");
    }
    chain.call::<()>(bob, &p, "clear_blob", ()).unwrap();
    assert_eq!(chain.query::<(bool, u32, u64)>(&p, "blob_info", ()).unwrap(), (false, 0, 0));

    assert!(!chain.call::<bool>(bob, &p, "put", (7u32, 70u64)).unwrap());
    assert!(chain.call::<bool>(bob, &p, "put", (7u32, 71u64)).unwrap());
    assert_eq!(chain.query::<Option<u64>>(&p, "get", (7u32,)).unwrap(), Some(71));
    assert_eq!(chain.query::<Option<u64>>(&p, "get", (8u32,)).unwrap(), None);
    // Map entries live under prefix ‖ SCALE(key) in the contract's keyspace.
    assert_eq!(chain.storage(&p), [([&b"n"[..], &7u32.encode()].concat(), 71u64.encode())]);
    chain.call::<()>(bob, &p, "del", (7u32,)).unwrap();
    assert_eq!(chain.query::<Option<u64>>(&p, "get", (7u32,)).unwrap(), None);
    assert!(chain.storage(&p).is_empty());
}

#[test]
fn host_wrappers_return_hashes_and_gas() {
    let (mut chain, p) = probe();
    for data in [vec![], b"abc".to_vec(), vec![7; 300]] {
        let (host, konst) = chain.query::<([u8; 32], [u8; 32])>(&p, "hash", (data.clone(),)).unwrap();
        let want = tally_host_env::keccak(&data);
        assert_eq!((host, konst), (want, want));
    }
    let (a, b) = chain.query::<(u64, u64)>(&p, "gas", ()).unwrap();
    assert!(a > b && a < chain.gas_limit(), "{a} {b}");
}

#[test]
fn events_logs_and_the_allocator() {
    let (mut chain, p) = probe();
    chain.call::<()>(TestChain::bob(), &p, "ping", ("hello".to_string(),)).unwrap();
    assert_eq!(chain.logs(), ["hello"]);
    let topic = |b: u8| {
        let mut t = [0u8; 32];
        t[0] = b;
        t
    };
    let long = tally_host_env::keccak(&vec![9u8; 40].encode());
    // Anonymous: no signature topic, four field topics.
    assert_eq!(chain.events()[0].topics, vec![topic(1), topic(2), topic(3), long]);
    assert_eq!(decode_event::<(u8, u16, u32, Vec<u8>)>(&chain.events()[0]), Ok((1, 2, 3, vec![9; 40])));
    // The same event as the probe's own type, matched by its topics (it has no signature).
    let typed = probe::probe::ProbeClient::at(p.address()).events::<probe::probe::Pinged>(&chain);
    assert_eq!(typed, [probe::probe::Pinged { a: 1, b: 2, c: 3, long: vec![9; 40] }]);

    // 1 MiB in 1 KiB blocks plus a growing vector: memory grows page by page.
    let kib = 1024u32;
    let want = (0..kib).map(|i| u64::from(i as u8) + u64::from(i)).sum::<u64>();
    assert_eq!(chain.query::<u64>(&p, "allocate", (kib,)).unwrap(), want);
    // Beyond the memory limit (256 pages = 16 MiB): a clean abort. Loads and stores cost more
    // the larger the memory (SPEC.md, "Memory accesses"), so filling 16 MiB takes more than the
    // default limit.
    chain.set_gas_limit(500_000_000_000);
    let f = chain.query::<u64>(&p, "allocate", (20_000u32,)).unwrap_err();
    assert_eq!(f.abort_code(), Some(abort_code::OUT_OF_MEMORY), "{f:?}");
}
