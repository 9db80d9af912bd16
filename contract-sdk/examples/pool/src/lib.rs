//! A constant-product pool (`x · y = k`, a 0.3 % fee) over two tokens of the `token` example:
//! providers deposit both tokens for shares and withdraw them again, traders swap one token for
//! the other. The pool pulls tokens with `transfer_from` (the provider or trader approves the
//! pool first) and pays with `transfer`, through the token's typed reference `TokenRef`: the
//! token's crate is a dependency with feature `ref-only`, so its argument, return and error types
//! are the token's own and its entry points stay out of this contract. Products of amounts are
//! taken in 256 bits (`U256`, `MulDiv`), so reserves anywhere up to `u128::MAX` never overflow
//! an intermediate.
#![no_std]

extern crate alloc;

/// The pool contract.
#[tally_sdk::contract]
pub mod pool {
    use tally_sdk::prelude::*;
    use token::token::{Error as TokenError, TokenRef};

    /// Of every amount swapped in, this many thousandths stay in the pool as the providers' fee.
    pub const FEE_PER_MILLE: u128 = 3;

    /// The pool's state.
    #[storage]
    pub struct Pool {
        /// The two tokens, in the order their amounts are given.
        tokens: Item<(Address, Address)>,
        /// What the pool holds of each token, by its own accounting.
        reserves: Item<(u128, u128)>,
        /// Each provider's shares.
        shares: Map<Address, u128>,
        /// All shares.
        total_shares: Item<u128>,
    }

    /// A provider deposited both tokens for shares.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[event]
    pub struct Deposit {
        #[topic]
        pub provider: Address,
        pub amount_a: u128,
        pub amount_b: u128,
        pub shares: u128,
    }

    /// A provider returned shares for both tokens.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[event]
    pub struct Withdrawal {
        #[topic]
        pub provider: Address,
        pub amount_a: u128,
        pub amount_b: u128,
        pub shares: u128,
    }

    /// A trader swapped `amount_in` of `token_in` for `amount_out` of the other token.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[event]
    pub struct Swap {
        #[topic]
        pub trader: Address,
        #[topic]
        pub token_in: Address,
        pub amount_in: u128,
        pub amount_out: u128,
    }

    /// Why the pool refused (the revert data is its SCALE encoding).
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Error {
        /// A token refused to move tokens (the token's own error).
        Token(TokenError),
        /// A call into a token failed (it trapped, ran out of gas, ...).
        Call(CallError),
        /// Both tokens are the same one.
        SameToken,
        /// The address is neither of the pool's tokens.
        NotPoolToken(Address),
        /// An amount, or what it would give, is zero.
        ZeroAmount,
        /// The pool has no liquidity yet.
        Empty,
        /// The swap would give `out`, less than the trader's `min_out`.
        Slippage {
            /// What the swap would give.
            out: u128,
            /// What the trader asked for at least.
            min_out: u128,
        },
        /// The caller holds fewer shares than that.
        InsufficientShares,
        /// A result does not fit in a `u128` (a reserve or the total shares would pass
        /// `u128::MAX`).
        Overflow,
    }

    impl From<TokenError> for Error {
        fn from(e: TokenError) -> Self {
            Error::Token(e)
        }
    }

    impl From<CallError> for Error {
        fn from(e: CallError) -> Self {
            Error::Call(e)
        }
    }

    impl Pool {
        /// A pool of `token_a` and `token_b`, without liquidity.
        #[init]
        pub fn init(&mut self, token_a: Address, token_b: Address) -> Result<(), Error> {
            if token_a == token_b {
                return Err(Error::SameToken);
            }
            self.tokens.set(&(token_a, token_b));
            Ok(())
        }

        /// The two tokens.
        #[view]
        pub fn tokens(&self) -> (Address, Address) {
            self.tokens.get_or_default()
        }

        /// The pool's reserves of the two tokens.
        #[view]
        pub fn reserves(&self) -> (u128, u128) {
            self.reserves.get_or_default()
        }

        /// The shares `owner` holds.
        #[view]
        pub fn shares_of(&self, owner: Address) -> u128 {
            self.shares.get_or_default(&owner)
        }

        /// All shares.
        #[view]
        pub fn total_shares(&self) -> u128 {
            self.total_shares.get_or_default()
        }

        /// The product of the reserves, `k` of `x · y = k` (a swap never lowers it).
        #[view]
        pub fn invariant(&self) -> U256 {
            let (ra, rb) = self.reserves();
            U256::from(ra) * U256::from(rb)
        }

        /// What the pool holds of each token according to the tokens themselves (at least the
        /// reserves; more if someone transferred tokens to the pool directly).
        #[view]
        pub fn holdings(&self) -> Result<(u128, u128), CallError> {
            let (a, b) = self.tokens();
            let me = env::self_address();
            Ok((TokenRef::at(a).balance_of(me)?, TokenRef::at(b).balance_of(me)?))
        }

        /// What swapping `amount_in` of `token_in` would give now.
        #[view]
        pub fn quote(&self, token_in: Address, amount_in: u128) -> Result<u128, Error> {
            let (reserve_in, reserve_out, _) = self.sides(token_in)?;
            amount_out(amount_in, reserve_in, reserve_out)
        }

        /// Deposits `amount_a` and `amount_b` from the caller (who approved the pool on both
        /// tokens) for shares: the geometric mean of the amounts for the first deposit, else
        /// the smaller of the two amounts' fractions of the reserves. Returns the new shares.
        #[call]
        pub fn add_liquidity(&mut self, amount_a: u128, amount_b: u128) -> Result<u128, Error> {
            if amount_a == 0 || amount_b == 0 {
                return Err(Error::ZeroAmount);
            }
            let (ra, rb) = self.reserves();
            let total = self.total_shares();
            let shares = if total == 0 {
                // √(a · b) < 2^128: it always fits.
                (U256::from(amount_a) * U256::from(amount_b)).integer_sqrt().low_u128()
            } else {
                mul_div(amount_a, total, ra)?.min(mul_div(amount_b, total, rb)?)
            };
            if shares == 0 {
                return Err(Error::ZeroAmount);
            }
            let provider = env::caller();
            let (a, b) = self.tokens();
            let me = env::self_address();
            TokenRef::at(a).transfer_from(provider, me, amount_a)??;
            TokenRef::at(b).transfer_from(provider, me, amount_b)??;
            let new_reserves = (add(ra, amount_a)?, add(rb, amount_b)?);
            self.reserves.set(&new_reserves);
            self.total_shares.set(&add(total, shares)?);
            self.shares.insert(&provider, &add(self.shares_of(provider), shares)?);
            emit(&Deposit { provider, amount_a, amount_b, shares });
            Ok(shares)
        }

        /// Returns `shares` of the caller's for their fraction of both reserves, paid to the
        /// caller. Returns the amounts paid.
        #[call]
        pub fn remove_liquidity(&mut self, shares: u128) -> Result<(u128, u128), Error> {
            let provider = env::caller();
            let held = self.shares_of(provider);
            if shares == 0 {
                return Err(Error::ZeroAmount);
            }
            let left = held.checked_sub(shares).ok_or(Error::InsufficientShares)?;
            let (ra, rb) = self.reserves();
            let total = self.total_shares();
            let (amount_a, amount_b) = (mul_div(shares, ra, total)?, mul_div(shares, rb, total)?);
            self.shares.insert(&provider, &left);
            self.total_shares.set(&(total - shares));
            self.reserves.set(&(ra - amount_a, rb - amount_b));
            let (a, b) = self.tokens();
            TokenRef::at(a).transfer(provider, amount_a)??;
            TokenRef::at(b).transfer(provider, amount_b)??;
            emit(&Withdrawal { provider, amount_a, amount_b, shares });
            Ok((amount_a, amount_b))
        }

        /// Swaps `amount_in` of `token_in` from the caller (who approved the pool on it) for
        /// at least `min_out` of the other token, paid to the caller. Returns the amount paid.
        #[call]
        pub fn swap(&mut self, token_in: Address, amount_in: u128, min_out: u128) -> Result<u128, Error> {
            let (reserve_in, reserve_out, token_out) = self.sides(token_in)?;
            let out = amount_out(amount_in, reserve_in, reserve_out)?;
            if out < min_out {
                return Err(Error::Slippage { out, min_out });
            }
            let trader = env::caller();
            TokenRef::at(token_in).transfer_from(trader, env::self_address(), amount_in)??;
            let (a, _) = self.tokens();
            let (new_in, new_out) = (add(reserve_in, amount_in)?, reserve_out - out);
            self.reserves.set(&if token_in == a { (new_in, new_out) } else { (new_out, new_in) });
            TokenRef::at(token_out).transfer(trader, out)??;
            emit(&Swap { trader, token_in, amount_in, amount_out: out });
            Ok(out)
        }

        /// The reserve of `token_in`, the reserve of the other token, and the other token.
        fn sides(&self, token_in: Address) -> Result<(u128, u128, Address), Error> {
            let (a, b) = self.tokens();
            let (ra, rb) = self.reserves();
            if ra == 0 || rb == 0 {
                return Err(Error::Empty);
            }
            match token_in {
                t if t == a => Ok((ra, rb, b)),
                t if t == b => Ok((rb, ra, a)),
                other => Err(Error::NotPoolToken(other)),
            }
        }
    }

    /// The constant-product output for `amount_in` after the fee:
    /// `in · (1000 − fee) · reserve_out / (reserve_in · 1000 + in · (1000 − fee))`, rounded down,
    /// in 256 bits (each term fits: amounts are below 2^128, the factors below 2^10); always
    /// less than `reserve_out`.
    fn amount_out(amount_in: u128, reserve_in: u128, reserve_out: u128) -> Result<u128, Error> {
        if amount_in == 0 {
            return Err(Error::ZeroAmount);
        }
        let in_with_fee = U256::from(amount_in) * U256::from(1000 - FEE_PER_MILLE);
        let denominator = U256::from(reserve_in) * U256::from(1000) + in_with_fee;
        let out = in_with_fee.mul_div(U256::from(reserve_out), denominator).ok_or(Error::Overflow)?;
        match out.low_u128() {
            0 => Err(Error::ZeroAmount),
            out => Ok(out),
        }
    }

    /// `a · b / c`, rounded down, with the product in 256 bits (`c` is a reserve or the total
    /// shares: zero only when the pool is empty).
    fn mul_div(a: u128, b: u128, c: u128) -> Result<u128, Error> {
        if c == 0 {
            return Err(Error::Empty);
        }
        a.mul_div(b, c).ok_or(Error::Overflow)
    }

    fn add(a: u128, b: u128) -> Result<u128, Error> {
        a.checked_add(b).ok_or(Error::Overflow)
    }
}
