//! The ERC-20-style token example.

use crate::common::*;

fn balance(chain: &mut TestChain, token: &Contract, who: Address) -> u128 {
    chain.query(token, "balance_of", (who,)).unwrap()
}

#[test]
fn deploy_runs_init_and_mints_to_the_deployer() {
    let (mut chain, token) = token_chain();
    let alice = TestChain::alice();
    // The deployment's receipt: the mint event.
    assert_eq!(chain.events()[0].topics, vec![sig("Transfer"), [0; 32], alice.0]);
    assert_eq!(
        chain.decode_events::<Transfer>("Transfer"),
        [Transfer { from: Address::default(), to: alice, value: SUPPLY }]
    );
    assert_eq!(chain.query::<String>(&token, "name", ()).unwrap(), "Tally");
    assert_eq!(chain.query::<String>(&token, "symbol", ()).unwrap(), "TLY");
    assert_eq!(chain.query::<u8>(&token, "decimals", ()).unwrap(), 18);
    assert_eq!(chain.query::<u128>(&token, "total_supply", ()).unwrap(), SUPPLY);
    assert_eq!(balance(&mut chain, &token, alice), SUPPLY);
    assert_eq!(balance(&mut chain, &token, TestChain::bob()), 0);
    // The balance lives under prefix ‖ SCALE(address), in the contract's own keyspace.
    let key = [&b"balances"[..], &alice.0].concat();
    assert!(chain.storage(&token).contains(&(key, SUPPLY.encode())));
    assert_eq!(chain.storage(&token).len(), 5, "name, symbol, decimals, supply, one balance");
}

#[test]
fn transfer_moves_balances_and_emits() {
    let (mut chain, token) = token_chain();
    let (alice, bob) = (TestChain::alice(), TestChain::bob());
    chain.call::<()>(alice, &token, "transfer", (bob, 250u128)).unwrap();
    let receipt = chain.last_receipt().expect("receipt");
    assert!(receipt.return_data.is_empty());
    assert_eq!(chain.events().len(), 1);
    assert_eq!(chain.events()[0].topics, vec![sig("Transfer"), alice.0, bob.0]);
    assert_eq!(chain.decode_events::<Transfer>("Transfer"), [Transfer { from: alice, to: bob, value: 250 }]);
    assert_eq!(balance(&mut chain, &token, alice), SUPPLY - 250);
    assert_eq!(balance(&mut chain, &token, bob), 250);

    // Too much: reverts with SCALE(Error::InsufficientBalance), nothing changes.
    let before = chain.snapshot();
    let failure = chain.call::<()>(bob, &token, "transfer", (alice, 251u128)).unwrap_err();
    assert_eq!(failure.status(), Some(Status::Reverted));
    assert_eq!(failure.decode_revert::<TokenError>(), Some(TokenError::InsufficientBalance));
    assert_eq!(failure.revert_data(), Some(&[0u8][..]));
    assert_eq!(failure.dispatch_error(), None);
    // Printed by the token's metadata, not as hex.
    assert_eq!(failure.revert_text(), Some("Err(Error::InsufficientBalance)"));
    assert_eq!(
        failure.to_string(),
        format!("transfer reverted with Err(Error::InsufficientBalance) (gas used {})", failure.gas_used())
    );
    assert_eq!(failure.gas_used(), chain.gas_used(), "the failure carries the exact gas");
    assert!(chain.events().is_empty() && chain.last_receipt().unwrap().write_set.is_empty());
    assert_eq!(chain.snapshot(), before);
    // A zero transfer is fine.
    chain.call::<()>(alice, &token, "transfer", (bob, 0u128)).unwrap();
}

#[test]
fn approve_and_transfer_from_spend_the_allowance() {
    let (mut chain, token) = token_chain();
    let (alice, bob, carol) = (TestChain::alice(), TestChain::bob(), TestChain::carol());
    chain.call::<()>(alice, &token, "approve", (carol, 100u128)).unwrap();
    assert_eq!(chain.events()[0].topics, vec![sig("Approval"), alice.0, carol.0]);
    assert_eq!(chain.decode_events::<Approval>("Approval"), [Approval { owner: alice, spender: carol, value: 100 }]);
    assert_eq!(chain.query::<u128>(&token, "allowance", (alice, carol)).unwrap(), 100);

    chain.call::<()>(carol, &token, "transfer_from", (alice, bob, 60u128)).unwrap();
    assert_eq!(chain.decode_events::<Transfer>("Transfer"), [Transfer { from: alice, to: bob, value: 60 }]);
    assert_eq!(chain.query::<u128>(&token, "allowance", (alice, carol)).unwrap(), 40);
    assert_eq!(balance(&mut chain, &token, bob), 60);
    assert_eq!(balance(&mut chain, &token, alice), SUPPLY - 60);

    let revert = |r: Result<(), Failure>| r.unwrap_err().decode_revert::<TokenError>();
    let r = chain.call(carol, &token, "transfer_from", (alice, bob, 41u128));
    assert_eq!(revert(r), Some(TokenError::InsufficientAllowance));
    // Bob never approved carol.
    let r = chain.call(carol, &token, "transfer_from", (bob, carol, 1u128));
    assert_eq!(revert(r), Some(TokenError::InsufficientAllowance));
    // An allowance larger than the balance still fails on the balance.
    chain.call::<()>(bob, &token, "approve", (carol, 1_000u128)).unwrap();
    let r = chain.call(carol, &token, "transfer_from", (bob, carol, 61u128));
    assert_eq!(revert(r), Some(TokenError::InsufficientBalance));
    let _ = TokenError::Overflow;
}

#[test]
fn views_work_as_calls_and_write_nothing() {
    let (mut chain, token) = token_chain();
    let r: u128 = chain.call(TestChain::bob(), &token, "balance_of", (TestChain::alice(),)).unwrap();
    assert_eq!(r, SUPPLY);
    let receipt = chain.last_receipt().unwrap();
    assert!(receipt.write_set.is_empty() && receipt.events.is_empty());
    // The same view as a query costs exactly the same gas.
    let as_call = chain.gas_used();
    chain.query::<u128>(&token, "balance_of", (TestChain::alice(),)).unwrap();
    assert_eq!(chain.gas_used(), as_call);
}

#[test]
fn wrong_types_and_unknown_methods_fail_with_readable_errors() {
    let (mut chain, token) = token_chain();
    let alice = TestChain::alice();
    // The dispatcher's errors, tagged ff 54 4c 59.
    let f = chain.call::<()>(alice, &token, "mint", (alice, 5u128)).unwrap_err();
    assert_eq!(f.dispatch_error(), Some(DispatchError::UnknownSelector(tally_sdk::selector("mint"))));
    assert_eq!(f.decode_revert::<TokenError>(), None);
    assert_eq!(
        f.to_string(),
        format!(
            "mint reverted with DispatchError::UnknownSelector({}) (gas used {})",
            hex(&tally_sdk::selector("mint")),
            f.gas_used()
        )
    );
    let f = chain.call::<()>(alice, &token, "transfer", (alice,)).unwrap_err();
    assert_eq!(f.dispatch_error(), Some(DispatchError::BadArguments(tally_sdk::selector("transfer"))));
    // The call succeeded but the result is not a u64.
    let f = chain.query::<u64>(&token, "name", ()).unwrap_err();
    assert!(matches!(f.kind(), FailureKind::BadReturn(_)), "{f:?}");
    assert_eq!(f.status(), Some(Status::Ok));
    // No such export: a receipt that says so, having charged the code's loading.
    let r = chain.call_raw(alice, token.address(), "transfer", vec![]).unwrap();
    assert_eq!(r.status, Status::NoSuchMethod);
    assert!(r.gas_used > 0 && r.write_set.is_empty(), "{r:?}");
}

#[test]
fn a_transfer_stays_within_its_gas_budget() {
    let (mut chain, token) = token_chain();
    let (alice, bob) = (TestChain::alice(), TestChain::bob());
    chain.call::<()>(alice, &token, "transfer", (bob, 5u128)).unwrap();
    let first = chain.gas_used();
    // Bob's balance exists now: reading its 16 bytes costs a little more.
    chain.call::<()>(alice, &token, "transfer", (bob, 5u128)).unwrap();
    let second = chain.gas_used();
    assert!(second > first);
    // Same code path, same key and value sizes: exactly the same gas.
    chain.call::<()>(alice, &token, "transfer", (bob, 7u128)).unwrap();
    assert_eq!(chain.gas_used(), second);
    chain.query::<u128>(&token, "balance_of", (alice,)).unwrap();
    let view = chain.gas_used();
    // Every call first pays for loading the code (by its length and shape, cached or not): a
    // call of a missing method pays exactly that and the call's own charge.
    let load = chain.call_raw(alice, token.address(), "nope", vec![]).unwrap().gas_used;
    // Measured with the default params (session 20's), beyond the load (178M for this contract):
    // about 373M, of which 300M is the transaction's commit, 25M the one initial memory page and
    // 17M its two storage writes; and about 37M, of which 25M is the memory page. A second
    // initial page (e.g. a 64 KiB stack) would add a page's price to each.
    let costs = tally_host_env::Params::default();
    let (commit, page) = (costs.host.commit, costs.schedule.dynamic.memory_grow_per_page);
    assert!(second - load < commit + page + 60_000_000, "transfer: {second}, load {load}");
    assert!(view - load < page + 20_000_000, "balance_of: {view}, load {load}");
    assert!(view - load > page + 5_000_000, "balance_of: {view}, load {load}");
    let stats = chain.gas_stats();
    let transfer = stats.iter().find(|r| r.method == "transfer").expect("transfer row");
    assert_eq!((transfer.stats.count, transfer.stats.min, transfer.stats.max), (3, first, second));
}
