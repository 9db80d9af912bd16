//! The ERC-20-style token example.

use parity_scale_codec::{Decode, Encode};
use tally_host_env::{contract_key, Address, Status};

use crate::common::*;

/// Mirrors `token::Error`.
#[derive(Debug, PartialEq, Eq, Encode, Decode)]
enum Error {
    InsufficientBalance,
    InsufficientAllowance,
    Overflow,
}

/// Mirrors `token::Transfer` / `token::Approval` (same field layout).
#[derive(Debug, PartialEq, Eq, Encode, Decode)]
struct Moved {
    from: tally_sdk::Address,
    to: tally_sdk::Address,
    value: u128,
}

const SUPPLY: u128 = 1_000_000;

fn setup() -> (Chain, Address) {
    let chain = Chain::new();
    let token = chain.deploy("token", addr(0xa1), ("Tally".to_string(), "TLY".to_string(), 18u8, SUPPLY));
    (chain, token)
}

fn balance(chain: &Chain, token: Address, who: Address) -> u128 {
    chain.view(token, "balance_of", (sdk(who),))
}

fn sig(name: &str) -> [u8; 32] {
    tally_sdk::selector::const_keccak256(name.as_bytes())
}

#[test]
fn deploy_runs_init_and_mints_to_the_deployer() {
    let chain = Chain::new();
    let alice = addr(0xa1);
    let d = chain.deploy_raw("token", alice, ("Tally".to_string(), "TLY".to_string(), 18u8, SUPPLY).encode());
    assert_eq!(d.receipt.status, Status::Ok, "{:?}", d.receipt);
    let ev = &d.receipt.events[0];
    assert_eq!(ev.topics, vec![sig("Transfer"), [0; 32], alice.0]);
    assert_eq!(decode::<Moved>(&ev.data), Moved { from: tally_sdk::Address::ZERO, to: sdk(alice), value: SUPPLY });
    let token = d.address;
    assert_eq!(chain.view::<String>(token, "name", ()), "Tally");
    assert_eq!(chain.view::<String>(token, "symbol", ()), "TLY");
    assert_eq!(chain.view::<u8>(token, "decimals", ()), 18);
    assert_eq!(chain.view::<u128>(token, "total_supply", ()), SUPPLY);
    assert_eq!(balance(&chain, token, alice), SUPPLY);
    assert_eq!(balance(&chain, token, addr(0xb0)), 0);
    // The balance lives under prefix ‖ SCALE(address).
    let key = contract_key(&token, &[&b"balances"[..], &alice.0].concat());
    assert!(chain.dump().iter().any(|(k, v)| *k == key && *v == SUPPLY.encode()));
}

#[test]
fn transfer_moves_balances_and_emits() {
    let (chain, token) = setup();
    let (alice, bob) = (addr(0xa1), addr(0xb0));
    let r = chain.call(token, alice, "transfer", (sdk(bob), 250u128));
    ok::<()>(&r);
    assert!(r.return_data.is_empty());
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.events[0].topics, vec![sig("Transfer"), alice.0, bob.0]);
    assert_eq!(decode::<Moved>(&r.events[0].data), Moved { from: sdk(alice), to: sdk(bob), value: 250 });
    assert_eq!(balance(&chain, token, alice), SUPPLY - 250);
    assert_eq!(balance(&chain, token, bob), 250);

    // Too much: reverts with SCALE(Error::InsufficientBalance), nothing changes.
    let before = chain.dump();
    let r = chain.call(token, bob, "transfer", (sdk(alice), 251u128));
    assert_eq!(reverted::<Error>(&r), Error::InsufficientBalance);
    assert!(r.events.is_empty() && r.write_set.is_empty());
    assert_eq!(chain.dump(), before);
    // A zero transfer is fine.
    let r = chain.call(token, alice, "transfer", (sdk(bob), 0u128));
    ok::<()>(&r);
}

#[test]
fn approve_and_transfer_from_spend_the_allowance() {
    let (chain, token) = setup();
    let (alice, bob, carol) = (addr(0xa1), addr(0xb0), addr(0xc0));
    let r = chain.call(token, alice, "approve", (sdk(carol), 100u128));
    ok::<()>(&r);
    assert_eq!(r.events[0].topics, vec![sig("Approval"), alice.0, carol.0]);
    assert_eq!(decode::<Moved>(&r.events[0].data).value, 100);
    assert_eq!(chain.view::<u128>(token, "allowance", (sdk(alice), sdk(carol))), 100);

    ok::<()>(&chain.call(token, carol, "transfer_from", (sdk(alice), sdk(bob), 60u128)));
    assert_eq!(chain.view::<u128>(token, "allowance", (sdk(alice), sdk(carol))), 40);
    assert_eq!(balance(&chain, token, bob), 60);
    assert_eq!(balance(&chain, token, alice), SUPPLY - 60);

    let r = chain.call(token, carol, "transfer_from", (sdk(alice), sdk(bob), 41u128));
    assert_eq!(reverted::<Error>(&r), Error::InsufficientAllowance);
    // Bob never approved carol.
    let r = chain.call(token, carol, "transfer_from", (sdk(bob), sdk(carol), 1u128));
    assert_eq!(reverted::<Error>(&r), Error::InsufficientAllowance);
    // An allowance larger than the balance still fails on the balance.
    ok::<()>(&chain.call(token, bob, "approve", (sdk(carol), 1_000u128)));
    let r = chain.call(token, carol, "transfer_from", (sdk(bob), sdk(carol), 61u128));
    assert_eq!(reverted::<Error>(&r), Error::InsufficientBalance);
    let _ = Error::Overflow;
}

#[test]
fn views_work_as_calls_and_write_nothing() {
    let (chain, token) = setup();
    let r = chain.call(token, addr(0xb0), "balance_of", (sdk(addr(0xa1)),));
    assert_eq!(ok::<u128>(&r), SUPPLY);
    assert!(r.write_set.is_empty() && r.events.is_empty());
}

#[test]
fn identical_runs_give_identical_receipts_and_replay() {
    let run = || {
        let (chain, token) = setup();
        let req = chain.req(token, addr(0xa1), "transfer", (sdk(addr(0xb0)), 5u128));
        chain.rt.call_recorded(&chain.storage, &req).expect("call")
    };
    let (a, record) = run();
    let (b, _) = run();
    assert_eq!(a, b);
    let chain = Chain::new();
    assert_eq!(tally_host_env::replay(&chain.rt, &record).expect("replays"), a);
}

#[test]
fn a_transfer_costs_less_than_two_memory_pages_plus_storage() {
    let (chain, token) = setup();
    let r = chain.call(token, addr(0xa1), "transfer", (sdk(addr(0xb0)), 5u128));
    ok::<()>(&r);
    let view = chain.query(token, "balance_of", (sdk(addr(0xa1)),));
    // Measured with the default params: 30.5M and 14.0M, of which 10M is the one initial
    // memory page. A second initial page (e.g. a 64 KiB stack) would add 10M to each.
    assert!(r.gas_used < 35_000_000, "transfer: {}", r.gas_used);
    assert!(view.gas_used < 17_000_000, "balance_of: {}", view.gas_used);
}
