//! Cross-contract calls through `CallBuilder`: the caller/callee pair and the token escrow.

use parity_scale_codec::{Decode, Encode};
use tally_host_env::{Address, Status};
use tally_sdk::dispatch::DispatchError;
use tally_sdk::CallError;

use crate::common::*;

fn pair() -> (Chain, Address, Address) {
    let chain = Chain::new();
    let caller = chain.deploy("caller", addr(0xa1), ());
    let callee = chain.deploy("callee", addr(0xa1), ());
    (chain, caller, callee)
}

#[test]
fn typed_call_succeeds_and_both_contracts_commit() {
    let (chain, caller, callee) = pair();
    let r = chain.call(caller, addr(1), "bump", (sdk(callee), 5u64, u64::MAX));
    assert_eq!(ok::<u64>(&r), 5);
    assert_eq!(ok::<u64>(&chain.call(caller, addr(1), "bump", (sdk(callee), 2u64, u64::MAX))), 7);
    assert_eq!(chain.view::<u64>(callee, "get", ()), 7);
    assert_eq!(chain.view::<u64>(caller, "last", ()), 7);
    // A view that calls out: made read-only, works in a query (`Ok(v)` returns SCALE(v)).
    assert_eq!(chain.view::<u64>(caller, "peek", (sdk(callee),)), 7);
}

#[test]
fn callee_failures_become_call_errors() {
    let (chain, caller, callee) = pair();
    // Out of gas in the callee: the caller reverts with SCALE(CallError::OutOfGas).
    let r = chain.call(caller, addr(1), "bump", (sdk(callee), 1u64, 1_000u64));
    assert_eq!(reverted::<CallError>(&r), CallError::OutOfGas);

    // A revert with typed data: decoded by the caller, whose own write survives.
    let r = chain.call(caller, addr(1), "try_fail", (sdk(callee), 42u32));
    assert_eq!(ok::<u32>(&r), 42);
    assert_eq!(chain.view::<u64>(caller, "last", ()), 1000);
    assert_eq!(chain.view::<u64>(callee, "get", ()), 0, "the callee's bump was rolled back");

    // A panic in the callee: Trapped.
    let r = chain.call(caller, addr(1), "try_panic", (sdk(callee),));
    assert_eq!(ok::<Option<CallError>>(&r), Some(CallError::Trapped));
    assert_eq!(chain.view::<u64>(callee, "get", ()), 0);

    // An unknown method: the callee's dispatcher reverts with a DispatchError.
    let r = chain.call(caller, addr(1), "try_missing", (sdk(callee),));
    assert_eq!(
        ok::<Option<DispatchError>>(&r),
        Some(DispatchError::UnknownSelector(tally_sdk::selector("no_such_method")))
    );

    // No contract at all.
    let r = chain.call(caller, addr(1), "bump", (sdk(addr(0x99)), 1u64, u64::MAX));
    assert_eq!(reverted::<CallError>(&r), CallError::NotFound);
}

#[test]
fn reentry_is_denied_unless_allowed() {
    let (chain, caller, callee) = pair();
    // caller → callee → caller.ping: the caller is on the stack.
    let r = chain.call(caller, addr(1), "reenter", (sdk(callee), false));
    assert_eq!(reverted::<CallError>(&r), CallError::ReentryDenied);
    let r = chain.call(caller, addr(1), "reenter", (sdk(callee), true));
    assert_eq!(ok::<u64>(&r), 7);
}

/// Mirrors `escrow::State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
enum State {
    Created,
    Funded,
    Released,
    Refunded,
}

/// Mirrors `escrow::Error`.
#[derive(Debug, PartialEq, Eq, Encode, Decode)]
enum EscrowError {
    Unauthorized,
    WrongState(State),
    Token(CallError),
}

#[test]
fn escrow_holds_tokens_through_cross_contract_calls() {
    let chain = Chain::new();
    let (buyer, seller, arbiter) = (addr(0xb1), addr(0x5e), addr(0xab));
    let token = chain.deploy("token", buyer, ("T".to_string(), "T".to_string(), 0u8, 1_000u128));
    let escrow = chain.deploy("escrow", arbiter, (sdk(token), sdk(buyer), sdk(seller), 600u128));
    assert_eq!(chain.view::<State>(escrow, "state", ()), State::Created);
    let balance = |who: Address| chain.view::<u128>(token, "balance_of", (sdk(who),));

    // Without an allowance the token's transfer_from reverts with InsufficientAllowance (1).
    let r = chain.call(escrow, buyer, "fund", ());
    assert_eq!(reverted::<EscrowError>(&r), EscrowError::Token(CallError::Reverted(vec![1])));
    assert_eq!(reverted::<EscrowError>(&chain.call(escrow, seller, "fund", ())), EscrowError::Unauthorized);

    ok::<()>(&chain.call(token, buyer, "approve", (sdk(escrow), 600u128)));
    let r = chain.call(escrow, buyer, "fund", ());
    ok::<()>(&r);
    // The token's Transfer (emitted by the token) and the escrow's StateChanged.
    let emitters: Vec<Address> = r.events.iter().map(|e| e.contract).collect();
    assert_eq!(emitters, [token, escrow]);
    assert_eq!(balance(escrow), 600);
    assert_eq!(balance(buyer), 400);
    assert_eq!(chain.view::<State>(escrow, "state", ()), State::Funded);

    assert_eq!(reverted::<EscrowError>(&chain.call(escrow, seller, "release", ())), EscrowError::Unauthorized);
    ok::<()>(&chain.call(escrow, arbiter, "release", ()));
    assert_eq!(balance(seller), 600);
    assert_eq!(balance(escrow), 0);
    assert_eq!(chain.view::<State>(escrow, "state", ()), State::Released);
    assert_eq!(
        reverted::<EscrowError>(&chain.call(escrow, arbiter, "refund", ())),
        EscrowError::WrongState(State::Released)
    );
    let _ = State::Refunded;
    assert_eq!(chain.call(escrow, arbiter, "state", ()).status, Status::Ok);
}
