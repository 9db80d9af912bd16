//! A token factory: a contract that creates contracts. It keeps the token's code (given at
//! `#[init]`) and creates tokens from it with `TokenRef::create` at addresses derived from the
//! factory, a salt and the code; the factory then hands each new token's supply to whoever asked
//! for it. `create_raw` exposes the untyped `CreateBuilder` with its options, for the SDK's tests.
#![no_std]

extern crate alloc;

/// The factory contract.
#[tally_sdk::contract]
pub mod factory {
    use tally_sdk::prelude::*;
    use token::token::{Error as TokenError, TokenRef};

    /// The factory's state.
    #[storage]
    pub struct Factory {
        /// The code every token is created from.
        code: Item<Vec<u8>>,
        /// The tokens created so far, in order.
        created: Item<Vec<Address>>,
        /// How many times `create_raw` ran (whether or not it created anything).
        attempts: Item<u32>,
    }

    /// What `create_raw` did. Not a `Result`, so a failed creation does not revert the factory:
    /// only the child's state is gone.
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Outcome {
        /// The contract was created at this address.
        Created(Address),
        /// It was not, for this reason.
        Failed(DeployError),
    }

    /// A token was created for `owner`, who holds its whole supply.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[event]
    pub struct Created {
        #[topic]
        pub token: Address,
        #[topic]
        pub owner: Address,
        pub supply: u128,
    }

    /// Why the factory refused.
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Error {
        /// Creating the token failed (the address is taken, the code is refused, ...).
        Deploy(DeployError),
        /// Handing over the supply failed.
        Call(CallError),
        /// The new token refused to hand over the supply.
        Token(TokenError),
    }

    impl From<DeployError> for Error {
        fn from(e: DeployError) -> Self {
            Error::Deploy(e)
        }
    }

    impl From<CallError> for Error {
        fn from(e: CallError) -> Self {
            Error::Call(e)
        }
    }

    impl From<TokenError> for Error {
        fn from(e: TokenError) -> Self {
            Error::Token(e)
        }
    }

    impl Factory {
        /// A factory of tokens running `code` (the token example's wasm).
        #[init]
        pub fn init(&mut self, code: Vec<u8>) {
            self.code.set(&code);
        }

        /// Creates a token with these parameters at the address derived from `salt`, and gives
        /// its whole supply to the caller. Returns the token's address.
        #[call]
        pub fn create_token(
            &mut self,
            salt: [u8; 32],
            name: String,
            symbol: String,
            decimals: u8,
            supply: u128,
        ) -> Result<Address, Error> {
            let code = self.code.get_or_default();
            // The factory is the token's deployer, so it holds the supply first.
            let token = TokenRef::create(&code, salt, name, symbol, decimals, supply)?;
            let owner = env::caller();
            token.transfer(owner, supply)??;
            let mut created = self.created.get_or_default();
            created.push(token.address());
            self.created.set(&created);
            emit(&Created { token: token.address(), owner, supply });
            Ok(token.address())
        }

        /// The tokens created so far.
        #[view]
        pub fn created(&self) -> Vec<Address> {
            self.created.get_or_default()
        }

        /// Creates a contract from `code` with `salt`, running export `entry` (`""`: none) on
        /// `input` with at most `gas`: the untyped builder, for tests of creation's failures.
        /// Counts the attempt either way.
        #[call]
        pub fn create_raw(
            &mut self,
            code: Vec<u8>,
            salt: [u8; 32],
            entry: String,
            input: Vec<u8>,
            gas: u64,
        ) -> Outcome {
            self.attempts.set(&(self.attempts.get_or_default() + 1));
            match CreateBuilder::new(&code).salt(salt).entry(&entry).input(&input).gas(gas).create() {
                Ok(address) => Outcome::Created(address),
                Err(e) => Outcome::Failed(e),
            }
        }

        /// How many times `create_raw` ran.
        #[view]
        pub fn attempts(&self) -> u32 {
            self.attempts.get_or_default()
        }
    }
}
