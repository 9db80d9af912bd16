//! Cross-contract calls through `CallBuilder`: the caller/callee pair and the token escrow.

use callee::callee::CalleeClient;
use escrow::escrow::{Error as EscrowError, State};
use probe::probe::ProbeClient;
use tally_sdk::CallError;

use crate::common::*;

fn pair() -> (TestChain, Contract, Contract) {
    let mut chain = TestChain::new();
    let caller = chain.deploy(&example("caller"), TestChain::alice(), ()).unwrap();
    let callee = chain.deploy(&example("callee"), TestChain::alice(), ()).unwrap();
    (chain, caller, callee)
}

#[test]
fn typed_call_succeeds_and_both_contracts_commit() {
    let (mut chain, caller, callee) = pair();
    let bob = TestChain::bob();
    let to = callee.address();
    assert_eq!(chain.call::<u64>(bob, &caller, "bump", (to, 5u64, u64::MAX)).unwrap(), 5);
    assert_eq!(chain.call::<u64>(bob, &caller, "bump", (to, 2u64, u64::MAX)).unwrap(), 7);
    assert_eq!(chain.query::<u64>(&callee, "get", ()).unwrap(), 7);
    assert_eq!(chain.query::<u64>(&caller, "last", ()).unwrap(), 7);
    // A view that calls out: made read-only, works in a query (`Ok(v)` returns SCALE(v)).
    assert_eq!(chain.query::<u64>(&caller, "peek", (to,)).unwrap(), 7);
}

#[test]
fn callee_failures_become_call_errors() {
    let (mut chain, caller, callee) = pair();
    let bob = TestChain::bob();
    let to = callee.address();
    // Out of gas in the callee: the caller reverts with SCALE(CallError::OutOfGas).
    let f = chain.call::<u64>(bob, &caller, "bump", (to, 1u64, 1_000u64)).unwrap_err();
    assert_eq!(f.decode_revert::<CallError>(), Some(CallError::OutOfGas));

    // A revert with typed data: decoded by the caller, whose own write survives.
    assert_eq!(chain.call::<u32>(bob, &caller, "try_fail", (to, 42u32)).unwrap(), 42);
    assert_eq!(chain.query::<u64>(&caller, "last", ()).unwrap(), 1000);
    assert_eq!(chain.query::<u64>(&callee, "get", ()).unwrap(), 0, "the callee's bump was rolled back");

    // A panic in the callee: Trapped.
    let r = chain.call::<Option<CallError>>(bob, &caller, "try_panic", (to,)).unwrap();
    assert_eq!(r, Some(CallError::Trapped));
    assert_eq!(chain.query::<u64>(&callee, "get", ()).unwrap(), 0);

    // An unknown method: the callee's dispatcher reverts with a DispatchError.
    let r = chain.call::<Option<DispatchError>>(bob, &caller, "try_missing", (to,)).unwrap();
    assert_eq!(r, Some(DispatchError::UnknownSelector(tally_sdk::selector("no_such_method"))));

    // No contract at all.
    let f = chain.call::<u64>(bob, &caller, "bump", (Address([0x99; 32]), 1u64, u64::MAX)).unwrap_err();
    assert_eq!(f.decode_revert::<CallError>(), Some(CallError::NotFound));
}

/// Keccak-256's last round constant, as `const_keccak256` stores it (little-endian): present in a
/// contract's code when the compile-time Keccak was linked into it.
const KECCAK_ROUND_CONSTANT: [u8; 8] = 0x8000_0000_8000_8008u64.to_le_bytes();

#[test]
fn literal_method_names_hash_nothing_at_run_time() {
    let (mut chain, caller, callee) = pair();
    let (bob, to) = (TestChain::bob(), callee.address());
    // `CallBuilder::new(callee, "bump")`: the macro made the selector a constant, so the caller
    // asks the host for no hash, and no Keccak code is linked into any example.
    chain.record_next();
    assert_eq!(chain.call::<u64>(bob, &caller, "bump", (to, 1u64, u64::MAX)).unwrap(), 1);
    let top: Vec<&str> =
        chain.last_record().unwrap().transcript.iter().filter(|c| c.depth == 1).map(|c| c.function_name()).collect();
    assert!(top.contains(&"call") && !top.contains(&"keccak256"), "{top:?}");
    for name in ["caller", "callee", "escrow", "token"] {
        assert!(!example(name).windows(8).any(|w| w == KECCAK_ROUND_CONSTANT), "{name} links Keccak");
    }

    // A name known only at run time: hashed by the host, same selector, same call.
    let probe = chain.deploy(&example("probe"), bob, ()).unwrap();
    chain.record_next();
    let r = chain.call::<Vec<u8>>(bob, &probe, "call_named", (to, "bump".to_string(), 2u64.encode())).unwrap();
    assert_eq!(r, 3u64.encode());
    let top: Vec<&str> =
        chain.last_record().unwrap().transcript.iter().filter(|c| c.depth == 1).map(|c| c.function_name()).collect();
    let keccak = top.iter().position(|f| *f == "keccak256").expect("the host hashed the name");
    assert!(top[keccak..].contains(&"call"), "{top:?}");
    let f = chain.call::<Vec<u8>>(bob, &probe, "call_named", (to, "bumpp".to_string(), 2u64.encode())).unwrap_err();
    let e = f.decode_revert::<CallError>().expect("a CallError");
    assert_eq!(e.dispatch_error(), Some(DispatchError::UnknownSelector(tally_sdk::selector("bumpp"))));
}

#[test]
fn typed_reference_options_reach_the_call() {
    let mut chain = TestChain::new();
    let (alice, bob) = (TestChain::alice(), TestChain::bob());
    let probe = ProbeClient::deploy(&mut chain, &example("probe"), alice).unwrap();
    let callee = CalleeClient::deploy(&mut chain, &example("callee"), alice).unwrap();
    let to = callee.address();
    // `CalleeRef::at(to).gas(n).bump(by)`: the callee's own return type.
    assert_eq!(probe.call(&mut chain, bob).ref_bump(to, 5, u64::MAX, false).unwrap(), Ok(5));
    // Too little gas for the callee: it runs out, the probe gets OutOfGas and finishes (its
    // `Err` reverts it, decoded here as the probe's own error type, `CallError`).
    assert_eq!(probe.call(&mut chain, bob).ref_bump(to, 1, 1_000, false).unwrap(), Err(CallError::OutOfGas));
    // `.read_only()`: the callee's write traps.
    assert_eq!(probe.call(&mut chain, bob).ref_bump(to, 1, u64::MAX, true).unwrap(), Err(CallError::Trapped));
    assert_eq!(callee.query(&mut chain).get().unwrap(), 5);
    // The probe calling itself through its own `ProbeRef`: a re-entry, allowed only with
    // `.allow_reentry()`.
    assert!(!probe.call(&mut chain, bob).put(3, 30).unwrap());
    assert_eq!(probe.call(&mut chain, bob).self_get(3, false).unwrap(), Err(CallError::ReentryDenied));
    assert_eq!(probe.call(&mut chain, bob).self_get(3, true).unwrap(), Ok(Some(30)));
}

#[test]
fn reentry_is_denied_unless_allowed() {
    let (mut chain, caller, callee) = pair();
    // caller → callee → caller.ping: the caller is on the stack.
    let f = chain.call::<u64>(TestChain::bob(), &caller, "reenter", (callee.address(), false)).unwrap_err();
    assert_eq!(f.decode_revert::<CallError>(), Some(CallError::ReentryDenied));
    assert_eq!(chain.call::<u64>(TestChain::bob(), &caller, "reenter", (callee.address(), true)).unwrap(), 7);
}

#[test]
fn escrow_holds_tokens_through_cross_contract_calls() {
    let mut chain = TestChain::new();
    let (buyer, seller, arbiter) =
        (TestChain::account("buyer"), TestChain::account("seller"), TestChain::account("arbiter"));
    let token = chain.deploy(&example("token"), buyer, ("T".to_string(), "T".to_string(), 0u8, 1_000u128)).unwrap();
    let escrow = chain.deploy(&example("escrow"), arbiter, (token.address(), buyer, seller, 600u128)).unwrap();
    assert_eq!(chain.query::<State>(&escrow, "state", ()).unwrap(), State::Created);
    let balance = |chain: &mut TestChain, who: Address| chain.query::<u128>(&token, "balance_of", (who,)).unwrap();
    let revert = |r: Result<(), Failure>| r.unwrap_err().decode_revert::<EscrowError>();

    // Without an allowance the token's transfer_from reverts with InsufficientAllowance (1).
    let r = chain.call(buyer, &escrow, "fund", ());
    assert_eq!(revert(r), Some(EscrowError::Token(CallError::Reverted(vec![1]))));
    assert_eq!(revert(chain.call(seller, &escrow, "fund", ())), Some(EscrowError::Unauthorized));

    chain.call::<()>(buyer, &token, "approve", (escrow.address(), 600u128)).unwrap();
    chain.call::<()>(buyer, &escrow, "fund", ()).unwrap();
    // The token's Transfer (emitted by the token) and the escrow's StateChanged.
    let emitters: Vec<Address> = chain.events().iter().map(|e| e.contract).collect();
    assert_eq!(emitters, [token.address(), escrow.address()]);
    assert_eq!(
        chain.decode_events::<Transfer>("Transfer"),
        [Transfer { from: buyer, to: escrow.address(), value: 600 }]
    );
    assert_eq!(balance(&mut chain, escrow.address()), 600);
    assert_eq!(balance(&mut chain, buyer), 400);
    assert_eq!(chain.query::<State>(&escrow, "state", ()).unwrap(), State::Funded);

    assert_eq!(revert(chain.call(seller, &escrow, "release", ())), Some(EscrowError::Unauthorized));
    chain.call::<()>(arbiter, &escrow, "release", ()).unwrap();
    assert_eq!(balance(&mut chain, seller), 600);
    assert_eq!(balance(&mut chain, escrow.address()), 0);
    assert_eq!(chain.query::<State>(&escrow, "state", ()).unwrap(), State::Released);
    assert_eq!(revert(chain.call(arbiter, &escrow, "refund", ())), Some(EscrowError::WrongState(State::Released)));
}
