//! Events: SCALE-encoded data plus up to four 32-byte topics.
//!
//! A `#[event]` struct inside a `#[contract]` module implements [`Event`]:
//!
//! - topic 0 is [`Event::SIGNATURE`] = `keccak256(struct name)`, so indexers can filter by kind;
//! - topics 1.. are the fields marked `#[topic]`, in declaration order (at most 3), each turned
//!   into 32 bytes by [`topic_of`];
//! - the data is the SCALE encoding of the whole struct (all fields, topics included), so it
//!   decodes with the struct's own `Decode`.

use alloc::vec::Vec;

use parity_scale_codec::Encode;

use crate::env;

/// An event type; derive it with `#[event]` inside a `#[contract]` module.
pub trait Event: Encode {
    /// `keccak256` of the event's name: topic 0 (unless [`Self::ANONYMOUS`]).
    const SIGNATURE: [u8; 32];

    /// `#[event(anonymous)]`: the topics are only the `#[topic]` fields.
    const ANONYMOUS: bool = false;

    /// The topics: [`Self::SIGNATURE`] followed by the `#[topic]` fields (at most 4 in all).
    fn topics(&self) -> Vec<[u8; 32]>;

    /// Emits this event: what [`emit`] does. `#[event]` overrides it with the topics in an
    /// array on the stack rather than [`Self::topics`]'s `Vec` (smaller code, which every load
    /// of the contract pays for by the byte); the host sees the same topics and data.
    #[doc(hidden)]
    fn emit_self(&self) {
        env::emit_event(&self.topics(), &self.encode())
    }
}

/// The topic of an indexed value: its SCALE encoding, zero-padded on the right to 32 bytes if
/// it is at most 32 bytes long (an `Address` is its own topic), else its Keccak-256 (the host's
/// `keccak256` on wasm32; off wasm32, where tests match events by their topics, the SDK's own).
pub fn topic_of<T: Encode + ?Sized>(value: &T) -> [u8; 32] {
    value.using_encoded(|bytes| {
        if bytes.len() <= 32 {
            let mut t = [0u8; 32];
            t[..bytes.len()].copy_from_slice(bytes);
            t
        } else {
            #[cfg(target_arch = "wasm32")]
            let hash = env::keccak256(bytes);
            #[cfg(not(target_arch = "wasm32"))]
            let hash = crate::selector::const_keccak256(bytes);
            hash
        }
    })
}

/// Emits `event` (one `emit_event` host call).
pub fn emit<E: Event>(event: &E) {
    event.emit_self()
}
