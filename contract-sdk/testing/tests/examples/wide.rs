//! `U256` in contracts: as arguments, returns and storage values (the `probe`), and the pool's
//! arithmetic at reserves near `u128::MAX`, where 128-bit intermediates would overflow.

use pool::pool::{PoolClient, FEE_PER_MILLE};
use probe::probe::ProbeClient;
use tally_sdk::{MulDiv, U256};
use token::token::TokenClient;

use crate::common::*;

#[test]
fn u256_travels_as_arguments_returns_and_storage() {
    let mut chain = TestChain::new();
    let alice = TestChain::alice();
    let probe = ProbeClient::deploy(&mut chain, &example("probe"), alice).unwrap();
    assert_eq!(probe.query(&mut chain).wide().unwrap(), None);

    // MAX · MAX / (MAX − 1) needs a 512-bit product; the quotient is MAX + 1 and does not fit.
    let max = U256::MAX;
    assert_eq!(probe.call(&mut chain, alice).store_mul_div(max, max, max - 1, false).unwrap(), None);
    assert_eq!(probe.query(&mut chain).wide().unwrap(), None, "nothing stored");

    let (a, b, c) = (max - 5, max / 3, max / 2);
    let down = a.mul_div(b, c).unwrap();
    assert_eq!(probe.call(&mut chain, alice).store_mul_div(a, b, c, false).unwrap(), Some(down));
    assert_eq!(probe.query(&mut chain).wide().unwrap(), Some(down));
    // Checked another way: c · q ≤ a · b < c · (q + 1), in 512 bits.
    let product = a.full_mul(b);
    assert!(c.full_mul(down) <= product && product < c.full_mul(down + 1));
    let up = probe.call(&mut chain, alice).store_mul_div(a, b, c, true).unwrap();
    assert_eq!(up, Some(down + 1), "inexact: rounded up");
    assert_eq!(
        probe.call(&mut chain, alice).store_mul_div(c, U256::from(4), U256::from(2), true).unwrap(),
        Some(c * 2)
    );
    assert_eq!(probe.call(&mut chain, alice).store_mul_div(a, b, U256::zero(), false).unwrap(), None);
    assert_eq!(probe.query(&mut chain).wide().unwrap(), Some(c * 2));
}

/// Two tokens whose whole supply is `u128::MAX`, held by alice, and a pool over them.
fn huge_amm() -> (TestChain, TokenClient, TokenClient, PoolClient) {
    let mut chain = TestChain::new();
    let alice = TestChain::alice();
    let code = example("token");
    let a = TokenClient::deploy(&mut chain, &code, alice, "A".into(), "A".into(), 18, u128::MAX).unwrap();
    let b = TokenClient::deploy(&mut chain, &code, alice, "B".into(), "B".into(), 18, u128::MAX).unwrap();
    let pool = PoolClient::deploy(&mut chain, &example("pool"), alice, a.address(), b.address()).unwrap().unwrap();
    (chain, a, b, pool)
}

fn deposit(chain: &mut TestChain, a: &TokenClient, b: &TokenClient, pool: &PoolClient, x: u128, y: u128) -> u128 {
    let alice = TestChain::alice();
    a.call(chain, alice).approve(pool.address(), x).unwrap().unwrap();
    b.call(chain, alice).approve(pool.address(), y).unwrap().unwrap();
    pool.call(chain, alice).add_liquidity(x, y).unwrap().unwrap()
}

#[test]
fn the_pool_works_where_128_bit_products_overflow() {
    // Past 1.8e19 × 1.8e19 (2^64 · 2^64), the limit of u128 products.
    let (mut chain, a, b, pool) = huge_amm();
    let r = 20_000_000_000_000_000_000u128;
    assert_eq!(deposit(&mut chain, &a, &b, &pool, r, r), r, "√(r · r) = r");
    assert_eq!(pool.query(&mut chain).invariant().unwrap(), U256::from(r) * U256::from(r));

    // Reserves near the u128 limit: u128::MAX / 2 and u128::MAX / 3 more.
    let (x, y) = (u128::MAX / 2, u128::MAX / 3);
    let shares = deposit(&mut chain, &a, &b, &pool, x - r, y - r);
    let (ra, rb) = pool.query(&mut chain).reserves().unwrap();
    assert_eq!((ra, rb), (x, y));
    // Proportional shares: the smaller of the two fractions, rounded down.
    let want = ((x - r).mul_div(r, r).unwrap()).min((y - r).mul_div(r, r).unwrap());
    assert_eq!(shares, want);

    // Swap 1e36 of A.
    let bob = TestChain::bob();
    let amount_in = 1_000_000_000_000_000_000_000_000_000_000_000_000u128;
    a.call(&mut chain, TestChain::alice()).transfer(bob, amount_in).unwrap().unwrap();
    a.call(&mut chain, bob).approve(pool.address(), amount_in).unwrap().unwrap();
    let k_before = pool.query(&mut chain).invariant().unwrap();
    let quoted = pool.query(&mut chain).quote(a.address(), amount_in).unwrap().unwrap();
    assert!(is_the_largest_output(quoted, amount_in, ra, rb), "out = {quoted}");
    let out = pool.call(&mut chain, bob).swap(a.address(), amount_in, quoted).unwrap().unwrap();
    assert_eq!(out, quoted);
    assert_eq!(pool.query(&mut chain).reserves().unwrap(), (ra + amount_in, rb - out));
    assert!(pool.query(&mut chain).invariant().unwrap() >= k_before, "the fee stays in the pool");
    assert_eq!(b.query(&mut chain).balance_of(bob).unwrap(), out);

    // A quote for u128::MAX in: in · 997 · reserve_out is about 2^264, past even 256 bits.
    let (ra, rb) = (ra + amount_in, rb - out);
    let quoted = pool.query(&mut chain).quote(a.address(), u128::MAX).unwrap().unwrap();
    assert!(is_the_largest_output(quoted, u128::MAX, ra, rb), "out = {quoted}");
    assert!(quoted < rb);

    // Shares out: a third of all of them, at these reserves.
    let total = pool.query(&mut chain).total_shares().unwrap();
    let (out_a, out_b) = pool.call(&mut chain, TestChain::alice()).remove_liquidity(total / 3).unwrap().unwrap();
    assert_eq!((out_a, out_b), ((total / 3).mul_div(ra, total).unwrap(), (total / 3).mul_div(rb, total).unwrap()));
    assert!(out_a > u128::MAX / 8, "{out_a}");
}

/// Whether `out` is the largest output that keeps `(reserve_in · 1000 + in · (1000 − fee)) ·
/// (reserve_out − out)` at or above `reserve_in · reserve_out · 1000`: the constant-product
/// rule, checked in 512 bits independently of `mul_div`.
fn is_the_largest_output(out: u128, amount_in: u128, reserve_in: u128, reserve_out: u128) -> bool {
    let keeps_k = |out: u128| {
        let paid_in: U256 = U256::from(reserve_in) * 1000 + U256::from(amount_in) * U256::from(1000 - FEE_PER_MILLE);
        let left = paid_in.full_mul(U256::from(reserve_out - out));
        let right = (U256::from(reserve_in) * U256::from(reserve_out)).full_mul(U256::from(1000));
        left >= right
    };
    keeps_k(out) && !keeps_k(out + 1)
}
