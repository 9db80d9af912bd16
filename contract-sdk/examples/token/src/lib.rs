//! An ERC-20-style fungible token.
#![no_std]

extern crate alloc;

/// The token contract.
#[tally_sdk::contract]
pub mod token {
    use tally_sdk::prelude::*;

    /// The token's state.
    #[storage]
    pub struct Token {
        name: Item<String>,
        symbol: Item<String>,
        decimals: Item<u8>,
        total_supply: Item<u128>,
        balances: Map<Address, u128>,
        allowances: Map<(Address, Address), u128>,
    }

    /// Tokens moved (`from` is zero when minting).
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[event]
    pub struct Transfer {
        #[topic]
        pub from: Address,
        #[topic]
        pub to: Address,
        pub value: u128,
    }

    /// An allowance was set.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[event]
    pub struct Approval {
        #[topic]
        pub owner: Address,
        #[topic]
        pub spender: Address,
        pub value: u128,
    }

    /// Why a transfer failed (the revert data is its SCALE encoding).
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Error {
        /// The sender's balance is below the amount.
        InsufficientBalance,
        /// The spender's allowance is below the amount.
        InsufficientAllowance,
        /// The recipient's balance would overflow.
        Overflow,
    }

    impl Token {
        /// Creates the token and gives the whole `initial_supply` to the deployer.
        #[init]
        pub fn init(&mut self, name: String, symbol: String, decimals: u8, initial_supply: u128) {
            let owner = env::caller();
            self.name.set(&name);
            self.symbol.set(&symbol);
            self.decimals.set(&decimals);
            self.total_supply.set(&initial_supply);
            self.balances.insert(&owner, &initial_supply);
            emit(&Transfer { from: Address::ZERO, to: owner, value: initial_supply });
        }

        /// The token's name.
        #[view]
        pub fn name(&self) -> String {
            self.name.get_or_default()
        }

        /// The token's symbol.
        #[view]
        pub fn symbol(&self) -> String {
            self.symbol.get_or_default()
        }

        /// Decimal places for display.
        #[view]
        pub fn decimals(&self) -> u8 {
            self.decimals.get_or_default()
        }

        /// All tokens in existence.
        #[view]
        pub fn total_supply(&self) -> u128 {
            self.total_supply.get_or_default()
        }

        /// The balance of `owner`.
        #[view]
        pub fn balance_of(&self, owner: Address) -> u128 {
            self.balances.get_or_default(&owner)
        }

        /// How much `spender` may still move from `owner`.
        #[view]
        pub fn allowance(&self, owner: Address, spender: Address) -> u128 {
            self.allowances.get_or_default(&(owner, spender))
        }

        /// Moves `value` from the caller to `to`.
        #[call]
        pub fn transfer(&mut self, to: Address, value: u128) -> Result<(), Error> {
            self.move_tokens(env::caller(), to, value)
        }

        /// Lets `spender` move up to `value` of the caller's tokens.
        #[call]
        pub fn approve(&mut self, spender: Address, value: u128) -> Result<(), Error> {
            let owner = env::caller();
            self.allowances.insert(&(owner, spender), &value);
            emit(&Approval { owner, spender, value });
            Ok(())
        }

        /// Moves `value` from `from` to `to` using the caller's allowance.
        #[call]
        pub fn transfer_from(&mut self, from: Address, to: Address, value: u128) -> Result<(), Error> {
            let spender = env::caller();
            let key = (from, spender);
            let allowed = self.allowances.get_or_default(&key);
            let left = allowed.checked_sub(value).ok_or(Error::InsufficientAllowance)?;
            self.allowances.insert(&key, &left);
            self.move_tokens(from, to, value)
        }

        fn move_tokens(&mut self, from: Address, to: Address, value: u128) -> Result<(), Error> {
            let from_balance = self.balances.get_or_default(&from);
            let new_from = from_balance.checked_sub(value).ok_or(Error::InsufficientBalance)?;
            if from == to {
                // Same account: nothing moves, but the event is still emitted.
                emit(&Transfer { from, to, value });
                return Ok(());
            }
            let new_to = self.balances.get_or_default(&to).checked_add(value).ok_or(Error::Overflow)?;
            self.balances.insert(&from, &new_from);
            self.balances.insert(&to, &new_to);
            emit(&Transfer { from, to, value });
            Ok(())
        }
    }
}
