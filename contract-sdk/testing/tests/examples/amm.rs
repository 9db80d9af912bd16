//! The AMM flow: two tokens and a pool that pulls them with `transfer_from` through the token's
//! typed reference (`TokenRef`), tested with the contracts' typed clients (`TokenClient`,
//! `PoolClient`) and their own types: no mirror of any contract type.

use pool::pool::{Deposit, Error as PoolError, PoolClient, Swap, Withdrawal, FEE_PER_MILLE};
use tally_sdk::CallError;
use token::token::{Approval, Error as TokenError, TokenClient, Transfer};

use crate::common::*;

/// Two tokens (alice holds both supplies) and a pool over them, deployed with the typed clients.
struct Amm {
    chain: TestChain,
    a: TokenClient,
    b: TokenClient,
    pool: PoolClient,
}

fn amm() -> Amm {
    let mut chain = TestChain::new();
    let alice = TestChain::alice();
    let code = example("token");
    let a = TokenClient::deploy(&mut chain, &code, alice, "Token A".into(), "A".into(), 18, SUPPLY).unwrap();
    let b = TokenClient::deploy(&mut chain, &code, alice, "Token B".into(), "B".into(), 18, SUPPLY).unwrap();
    let pool = PoolClient::deploy(&mut chain, &example("pool"), alice, a.address(), b.address()).unwrap().unwrap();
    Amm { chain, a, b, pool }
}

/// What the pool pays for `amount_in` with reserves `(reserve_in, reserve_out)`, computed here
/// independently of the contract.
fn expected_out(amount_in: u128, reserve_in: u128, reserve_out: u128) -> u128 {
    let in_with_fee = amount_in * (1000 - FEE_PER_MILLE);
    in_with_fee * reserve_out / (reserve_in * 1000 + in_with_fee)
}

impl Amm {
    fn balances(&mut self, who: Address) -> (u128, u128) {
        let a = self.a.query(&mut self.chain).balance_of(who).unwrap();
        let b = self.b.query(&mut self.chain).balance_of(who).unwrap();
        (a, b)
    }

    /// Alice approves the pool on both tokens and deposits `(amount_a, amount_b)`.
    fn deposit(&mut self, amount_a: u128, amount_b: u128) -> u128 {
        let (alice, pool) = (TestChain::alice(), self.pool.address());
        self.a.call(&mut self.chain, alice).approve(pool, amount_a).unwrap().unwrap();
        self.b.call(&mut self.chain, alice).approve(pool, amount_b).unwrap().unwrap();
        self.pool.call(&mut self.chain, alice).add_liquidity(amount_a, amount_b).unwrap().unwrap()
    }
}

#[test]
fn liquidity_goes_in_and_out_through_typed_references() {
    let mut amm = amm();
    let (alice, pool) = (TestChain::alice(), amm.pool.address());
    assert_eq!(amm.pool.query(&mut amm.chain).tokens().unwrap(), (amm.a.address(), amm.b.address()));

    // The first deposit: the pool pulls both tokens with transfer_from; shares are the geometric
    // mean of the amounts.
    let shares = amm.deposit(100_000, 400_000);
    assert_eq!(shares, 200_000);
    assert_eq!(
        amm.pool.events::<Deposit>(&amm.chain),
        [Deposit { provider: alice, amount_a: 100_000, amount_b: 400_000, shares }]
    );
    // Each token emitted its own Transfer, read as the token's own event type.
    assert_eq!(amm.a.events::<Transfer>(&amm.chain), [Transfer { from: alice, to: pool, value: 100_000 }]);
    assert_eq!(amm.b.events::<Transfer>(&amm.chain), [Transfer { from: alice, to: pool, value: 400_000 }]);
    assert_eq!(amm.balances(pool), (100_000, 400_000));
    assert_eq!(amm.pool.query(&mut amm.chain).reserves().unwrap(), (100_000, 400_000));
    // A view calling both tokens' views through their typed references (read-only).
    assert_eq!(amm.pool.query(&mut amm.chain).holdings().unwrap(), Ok((100_000, 400_000)));
    // The allowances were used up.
    assert_eq!(amm.a.query(&mut amm.chain).allowance(alice, pool).unwrap(), 0);

    // A second deposit at the same ratio mints proportional shares.
    assert_eq!(amm.deposit(50_000, 200_000), 100_000);
    assert_eq!(amm.pool.query(&mut amm.chain).total_shares().unwrap(), 300_000);

    // Withdrawing a third returns a third of both reserves.
    let out = amm.pool.call(&mut amm.chain, alice).remove_liquidity(100_000).unwrap();
    assert_eq!(out, Ok((50_000, 200_000)));
    assert_eq!(
        amm.pool.events::<Withdrawal>(&amm.chain),
        [Withdrawal { provider: alice, amount_a: 50_000, amount_b: 200_000, shares: 100_000 }]
    );
    assert_eq!(amm.a.events::<Transfer>(&amm.chain), [Transfer { from: pool, to: alice, value: 50_000 }]);
    assert_eq!(amm.balances(pool), (100_000, 400_000));
    assert_eq!(amm.pool.query(&mut amm.chain).shares_of(alice).unwrap(), 200_000);

    // The pool's own errors, decoded as the pool's type.
    let bob = TestChain::bob();
    assert_eq!(amm.pool.call(&mut amm.chain, bob).remove_liquidity(1).unwrap(), Err(PoolError::InsufficientShares));
    assert_eq!(amm.pool.call(&mut amm.chain, alice).add_liquidity(0, 5).unwrap(), Err(PoolError::ZeroAmount));
    // The token's error inside the pool's: no allowance left.
    assert_eq!(
        amm.pool.call(&mut amm.chain, alice).add_liquidity(10, 40).unwrap(),
        Err(PoolError::Token(TokenError::InsufficientAllowance))
    );
}

#[test]
fn swaps_pull_one_token_and_pay_the_other() {
    let mut amm = amm();
    let (alice, bob, pool) = (TestChain::alice(), TestChain::bob(), amm.pool.address());
    amm.deposit(100_000, 400_000);
    amm.a.call(&mut amm.chain, alice).transfer(bob, 10_000).unwrap().unwrap();

    let want = expected_out(1_000, 100_000, 400_000);
    assert_eq!(want, 3_948);
    assert_eq!(amm.pool.query(&mut amm.chain).quote(amm.a.address(), 1_000).unwrap(), Ok(want));

    // Without an allowance the token refuses, and the pool reverts with the token's error.
    let before = amm.chain.snapshot();
    let r = amm.pool.call(&mut amm.chain, bob).swap(amm.a.address(), 1_000, 0).unwrap();
    assert_eq!(r, Err(PoolError::Token(TokenError::InsufficientAllowance)));
    assert!(amm.chain.snapshot() == before, "a reverted swap changes nothing");

    amm.a.call(&mut amm.chain, bob).approve(pool, 1_000).unwrap().unwrap();
    assert_eq!(amm.a.events::<Approval>(&amm.chain), [Approval { owner: bob, spender: pool, value: 1_000 }]);
    // Asking for one more than the pool pays: the pool's typed error, with the numbers.
    let r = amm.pool.call(&mut amm.chain, bob).swap(amm.a.address(), 1_000, want + 1).unwrap();
    assert_eq!(r, Err(PoolError::Slippage { out: want, min_out: want + 1 }));

    let out = amm.pool.call(&mut amm.chain, bob).swap(amm.a.address(), 1_000, want).unwrap();
    assert_eq!(out, Ok(want));
    assert_eq!(
        amm.pool.events::<Swap>(&amm.chain),
        [Swap { trader: bob, token_in: amm.a.address(), amount_in: 1_000, amount_out: want }]
    );
    assert_eq!(amm.a.events::<Transfer>(&amm.chain), [Transfer { from: bob, to: pool, value: 1_000 }]);
    assert_eq!(amm.b.events::<Transfer>(&amm.chain), [Transfer { from: pool, to: bob, value: want }]);
    // Events of every emitter, in order: A's transfer in, B's transfer out, the pool's Swap.
    let emitters: Vec<Address> = amm.chain.events().iter().map(|e| e.contract).collect();
    assert_eq!(emitters, [amm.a.address(), amm.b.address(), pool]);
    assert_eq!(amm.balances(bob), (9_000, want));
    assert_eq!(amm.pool.query(&mut amm.chain).reserves().unwrap(), (101_000, 400_000 - want));
    // x · y never decreases (the fee stays in the pool).
    assert!(101_000 * (400_000 - want) >= 100_000 * 400_000);

    // The other direction, B for A, against the new reserves.
    amm.b.call(&mut amm.chain, bob).approve(pool, want).unwrap().unwrap();
    let back = expected_out(want, 400_000 - want, 101_000);
    assert_eq!(amm.pool.call(&mut amm.chain, bob).swap(amm.b.address(), want, 0).unwrap(), Ok(back));
    assert_eq!(amm.balances(bob), (9_000 + back, 0));
    assert!(back < 1_000, "a round trip pays the fee twice: {back}");

    // A token that is not the pool's, and an empty pool.
    let c = TokenClient::deploy(&mut amm.chain, &example("token"), bob, "C".into(), "C".into(), 0, 5).unwrap();
    let r = amm.pool.call(&mut amm.chain, bob).swap(c.address(), 1, 0).unwrap();
    assert_eq!(r, Err(PoolError::NotPoolToken(c.address())));
    let empty =
        PoolClient::deploy(&mut amm.chain, &example("pool"), bob, amm.a.address(), c.address()).unwrap().unwrap();
    assert_eq!(empty.query(&mut amm.chain).quote(amm.a.address(), 5).unwrap(), Err(PoolError::Empty));
    // An `#[init]` returning `Err`: the deployment's own typed outcome.
    let same = PoolClient::deploy(&mut amm.chain, &example("pool"), bob, c.address(), c.address()).unwrap();
    assert_eq!(same, Err(PoolError::SameToken));
}

#[test]
fn typed_clients_run_the_real_pipeline_with_exact_gas() {
    let mut amm = amm();
    let (alice, bob) = (TestChain::alice(), TestChain::bob());
    amm.deposit(100_000, 400_000);
    amm.a.call(&mut amm.chain, alice).transfer(bob, 1_000).unwrap().unwrap();
    amm.a.call(&mut amm.chain, bob).approve(amm.pool.address(), 1_000).unwrap().unwrap();
    let start = amm.chain.snapshot();

    // The same swap through the typed client and through the untyped `call`: same receipt.
    let typed = amm.pool.call(&mut amm.chain, bob).swap(amm.a.address(), 1_000, 0).unwrap().unwrap();
    let typed_receipt = amm.chain.last_receipt().unwrap().clone();
    amm.chain.rollback(&start);
    let contract = amm.chain.contract(amm.pool.address()).unwrap().clone();
    let untyped: u128 = amm.chain.call(bob, &contract, "swap", (amm.a.address(), 1_000u128, 0u128)).unwrap();
    assert_eq!(untyped, typed);
    assert_eq!(amm.chain.last_receipt(), Some(&typed_receipt));
    // A swap calls two tokens: three contracts' code loaded (each over 10 KB), two nested calls.
    let load = amm.chain.runtime().params().host.load_cost(10_000);
    assert!(typed_receipt.gas_used > 3 * load, "{} for three loads of {load}", typed_receipt.gas_used);

    // Client calls are counted in the gas report under the method's name.
    let report = amm.chain.gas_stats();
    let row = |c: &str, m: &str| report.iter().find(|r| r.contract == c && r.method == m).map(|r| r.stats.count);
    assert_eq!(row("Pool", "swap"), Some(2));
    assert_eq!(row("Pool", "add_liquidity"), Some(1));
    assert_eq!(row("Token", "approve"), Some(3));

    // A trap in the pool is a failure (not a typed error): a swap with too little gas.
    amm.chain.rollback(&start);
    amm.chain.set_gas_limit(typed_receipt.gas_used - 1);
    let failure = amm.pool.call(&mut amm.chain, bob).swap(amm.a.address(), 1_000, 0).unwrap_err();
    assert_eq!(failure.status(), Some(Status::OutOfGas));
    assert_eq!(failure.method(), "swap");
}

#[test]
fn a_token_failure_that_is_not_its_error_is_a_call_error() {
    let mut amm = amm();
    let alice = TestChain::alice();
    amm.deposit(100_000, 400_000);
    // A "pool" whose token B is no contract at all: its transfer out fails with NotFound, which
    // the pool reports as its `Call` error (the token's own errors are `Token`).
    let ghost = Address([0x99; 32]);
    let broken = PoolClient::deploy(&mut amm.chain, &example("pool"), alice, amm.a.address(), ghost).unwrap().unwrap();
    assert_eq!(broken.query(&mut amm.chain).holdings().unwrap(), Err(CallError::NotFound));
    amm.a.call(&mut amm.chain, alice).approve(broken.address(), 10).unwrap().unwrap();
    let r = broken.call(&mut amm.chain, alice).add_liquidity(10, 10).unwrap();
    assert_eq!(r, Err(PoolError::Call(CallError::NotFound)));

    // Called without its typed client, the same revert is a `Failure` that names it by the
    // pool's metadata, down to the SDK's `CallError` inside the pool's error; and the token's
    // error inside the pool's when the pull fails for want of an allowance.
    let untyped = amm.chain.contract(broken.address()).expect("deployed").clone();
    let f = amm.chain.call::<()>(alice, &untyped, "add_liquidity", (10u128, 10u128)).unwrap_err();
    assert_eq!(f.revert_text(), Some("Err(Error::Call(CallError::NotFound))"));
    assert_eq!(
        f.to_string(),
        format!("add_liquidity reverted with Err(Error::Call(CallError::NotFound)) (gas used {})", f.gas_used())
    );
    let pool = amm.chain.contract(amm.pool.address()).expect("deployed").clone();
    let f = amm.chain.call::<()>(TestChain::bob(), &pool, "add_liquidity", (10u128, 10u128)).unwrap_err();
    assert_eq!(f.revert_text(), Some("Err(Error::Token(Error::InsufficientAllowance))"));
    assert!(format!("{f:?}").contains(&format!("\n  revert data: {}", hex(f.revert_data().unwrap()))));
}
