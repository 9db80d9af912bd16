//! Who calls what, and in which block: addresses and the execution context.

use parity_scale_codec::{Decode, Encode};
use sha3::{Digest, Keccak256};

/// A 32-byte account or contract address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode)]
pub struct Address(pub [u8; 32]);

impl Address {
    /// The address of the `nonce`-th contract deployed by `deployer`:
    /// `keccak256("tally/address/v1" ‖ deployer ‖ nonce as u64 LE)`.
    pub fn derive(deployer: &Address, nonce: u64) -> Address {
        let mut h = Keccak256::new();
        h.update(b"tally/address/v1");
        h.update(deployer.0);
        h.update(nonce.to_le_bytes());
        Address(h.finalize().into())
    }

    /// Parses `0x` followed by 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Address> {
        let bytes = crate::parse_hex(s)?;
        Some(Address(bytes.try_into().ok()?))
    }
}

impl core::fmt::Debug for Address {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&crate::hex(&self.0))
    }
}

impl core::fmt::Display for Address {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&crate::hex(&self.0))
    }
}

/// The block an execution belongs to. Contracts read these; nothing else about the world
/// (clocks, randomness) is visible.
#[derive(Clone, Debug, PartialEq, Eq, Default, Encode, Decode)]
pub struct BlockContext {
    /// Block height.
    pub height: u64,
    /// Block time, in seconds since the Unix epoch, as the block producer set it.
    pub time: u64,
    /// The chain's identifier.
    pub chain_id: u64,
}
