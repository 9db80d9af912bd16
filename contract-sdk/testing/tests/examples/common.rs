//! Shared helpers: the examples' code and the token setup.
#![allow(dead_code)]

pub use parity_scale_codec::Encode;
pub use tally_host_env::hex;
pub use tally_sdk_testing::*;

/// The code of an example contract (built once per test process, with its name section).
pub fn example(name: &str) -> Vec<u8> {
    tally_sdk_build::example(name).unwrap_or_else(|e| panic!("{e}"))
}

/// The token's initial supply in these tests.
pub const SUPPLY: u128 = 1_000_000;

/// A chain with the token deployed by alice, who holds the whole supply.
pub fn token_chain() -> (TestChain, Contract) {
    let mut chain = TestChain::new();
    let token = chain
        .deploy(&example("token"), TestChain::alice(), ("Tally".to_string(), "TLY".to_string(), 18u8, SUPPLY))
        .unwrap();
    (chain, token)
}

/// The token's own types: its crate is a dev-dependency (no mirrors).
pub use token::token::{Approval, Error as TokenError, Transfer};

/// `keccak256(name)`: topic 0 of an SDK event.
pub fn sig(name: &str) -> [u8; 32] {
    tally_sdk::selector::const_keccak256(name.as_bytes())
}
