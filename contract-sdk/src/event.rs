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

use parity_scale_codec::{Encode, Output};

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
        env::emit_event(&self.topics(), &crate::bytes::encode(self))
    }
}

/// The topic of an indexed value: its SCALE encoding, zero-padded on the right to 32 bytes if
/// it is at most 32 bytes long (an `Address` is its own topic), else its Keccak-256 (the host's
/// `keccak256` on wasm32; off wasm32, where tests match events by their topics, the SDK's own).
pub fn topic_of<T: Encode + ?Sized>(value: &T) -> [u8; 32] {
    let mut topic = Topic { bytes: [0; 32], len: 0 };
    value.encode_to(&mut topic);
    if topic.len <= 32 {
        return topic.bytes;
    }
    crate::bytes::with_encoded(value, |bytes| {
        #[cfg(target_arch = "wasm32")]
        let hash = env::keccak256(bytes);
        #[cfg(not(target_arch = "wasm32"))]
        let hash = crate::selector::const_keccak256(bytes);
        hash
    })
}

/// A topic being encoded into: the first 32 bytes of the encoding, and its length so far.
struct Topic {
    bytes: [u8; 32],
    len: usize,
}

impl Output for Topic {
    // Inlined, so a value of a fixed size no greater than 32 bytes (an address, an integer, a
    // field-less enum) writes its topic in place, and the hashing branch folds away.
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.bytes.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
    }
}

/// Emits `event` (one `emit_event` host call).
pub fn emit<E: Event>(event: &E) {
    event.emit_self()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn topics_are_the_padded_encoding_or_its_hash() {
        let address = crate::Address([7; 32]);
        assert_eq!(topic_of(&address), [7; 32]);
        let mut five = [0; 32];
        five[0] = 5;
        assert_eq!(topic_of(&5u128), five);
        assert_eq!(topic_of(&()), [0; 32]);
        // 31 bytes and its compact length: exactly 32, still in place.
        let s = String::from_utf8(vec![b'a'; 31]).unwrap();
        assert_eq!(topic_of(&s)[..], s.encode()[..]);
        // Longer: the Keccak-256 of the whole encoding, whatever the pieces' sizes.
        for value in [vec![1u8; 32], vec![2u8; 200]] {
            assert_eq!(topic_of(&value), crate::selector::const_keccak256(&value.encode()));
        }
        let pair = (address, address);
        assert_eq!(topic_of(&pair), crate::selector::const_keccak256(&pair.encode()));
    }
}
