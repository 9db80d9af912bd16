//! Who calls what, and in which block: addresses and the execution context.

use parity_scale_codec::{Decode, Encode};

/// A 32-byte account or contract address: the type contracts use too (`tally_sdk::Address`).
pub use tally_digest::Address;

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
