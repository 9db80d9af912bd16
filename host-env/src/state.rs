//! The state layout: the keys of the global keyspace and the host's own entries (see `ABI.md`,
//! "State layout").

use parity_scale_codec::{Decode, Encode};

use crate::context::Address;

/// Storage key prefixes of the global keyspace.
pub mod keys {
    /// `c:` ‖ code hash → the code's executable part: the code as deployed without its custom
    /// sections other than `name` (what a call's load reads and pays for; see
    /// [`crate::sections`]).
    pub const CODE: &[u8] = b"c:";
    /// `m:` ‖ code hash → SCALE [`CustomSections`](crate::sections::CustomSections): the custom
    /// sections taken out of the code, with where they stood (absent when there are none). Paid
    /// for at deploy, never read by a load.
    pub const CUSTOM: &[u8] = b"m:";
    /// `a:` ‖ address → SCALE-encoded [`Account`](super::Account).
    pub const ACCOUNT: &[u8] = b"a:";
    /// `n:` ‖ deployer → SCALE `u64`, the deployer's next contract nonce.
    pub const NONCE: &[u8] = b"n:";
    /// `s:` ‖ address ‖ contract key → the contract's value.
    pub const STORAGE: &[u8] = b"s:";
}

/// A deployed contract's account entry.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Account {
    /// Keccak-256 of the contract's code as deployed (custom sections included).
    pub code_hash: [u8; 32],
    /// The length in bytes of the code's executable part (`c:` ‖ code hash): a call charges its
    /// loading by it before reading the code.
    pub code_len: u32,
}

/// The full storage key of a contract's `key`.
pub fn contract_key(contract: &Address, key: &[u8]) -> Vec<u8> {
    [keys::STORAGE, &contract.0[..], key].concat()
}

pub(crate) fn account_key(address: &Address) -> Vec<u8> {
    [keys::ACCOUNT, &address.0[..]].concat()
}

pub(crate) fn code_key(code_hash: &[u8; 32]) -> Vec<u8> {
    [keys::CODE, &code_hash[..]].concat()
}

pub(crate) fn custom_key(code_hash: &[u8; 32]) -> Vec<u8> {
    [keys::CUSTOM, &code_hash[..]].concat()
}

pub(crate) fn nonce_key(deployer: &Address) -> Vec<u8> {
    [keys::NONCE, &deployer.0[..]].concat()
}
