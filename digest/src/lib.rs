//! Keccak-256, method selectors, the hex form in which Tally writes hashes, addresses and byte
//! strings (`0x` followed by lower-case digits), and [`Address`].
//!
//! The one implementation on the host side: `tally-host-env` (code hashes, account addresses),
//! the CLI, `tally-sdk-build` (metadata) and the SDK's `#[contract]` macro (selectors and event
//! signatures written into the code) all use it. Contracts themselves compute selectors with
//! `tally_sdk::selector`, a `const fn` whose tests check it against [`keccak`].
//!
//! [`Address`] is the one address type of the host (`tally_host_env::Address`) and of contracts
//! (`tally_sdk::Address`), so contract types holding addresses are the same types in a
//! contract, in its tests and on the host. `no_std` + `alloc`, so contracts can link it.
//!
//! ```
//! assert_eq!(tally_digest::selector("transfer"), [0xb4, 0x83, 0xaf, 0xd3]);
//! assert_eq!(tally_digest::hex(&[0xde, 0xad]), "0xdead");
//! assert_eq!(tally_digest::parse_hex("0xdead"), Some(vec![0xde, 0xad]));
//! ```

#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

extern crate alloc;

mod address;

use alloc::string::String;
use alloc::vec::Vec;

pub use address::Address;

/// Keccak-256 (the original Keccak padding, as Ethereum uses; not NIST SHA3-256).
pub fn keccak(bytes: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(bytes);
    hasher.finalize()
}

/// The Keccak-256 implementation behind [`Keccak256`]: CRYPTOGAMS assembly where `keccak-asm` has
/// a backend (x86-64, AArch64; not under Miri, which cannot run it), else `sha3`'s portable code.
#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
type Backend = keccak_asm::Keccak256;
#[cfg(not(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri))))]
type Backend = sha3::Keccak256;

#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
use keccak_asm::Digest as _;
#[cfg(not(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri))))]
use sha3::Digest as _;

/// Keccak-256 fed in pieces: the hash of the pieces' concatenation, as [`keccak`] of it.
///
/// ```
/// let mut h = tally_digest::Keccak256::new();
/// h.update(b"trans");
/// h.update(b"fer");
/// assert_eq!(h.finalize(), tally_digest::keccak(b"transfer"));
/// ```
#[derive(Clone, Default)]
pub struct Keccak256(Backend);

impl Keccak256 {
    /// A hasher that has seen nothing.
    pub fn new() -> Self {
        Self(Backend::new())
    }

    /// Feeds `bytes`.
    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The hash of everything fed.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

impl core::fmt::Debug for Keccak256 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Keccak256")
    }
}

/// The 4-byte selector of method `name`: `keccak256(name)[..4]`.
pub fn selector(name: &str) -> [u8; 4] {
    let h = keccak(name.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// `0x` followed by two lower-case hex digits per byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Parses hex digits (either case), with or without a `0x` prefix; `None` for an odd number of
/// digits or a character that is not one.
pub fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes().chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak_is_the_original_padding() {
        // Keccak-256 of the empty string; NIST SHA3-256 of it starts a7ffc6f8.
        assert_eq!(hex(&keccak(b"")), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
        assert_eq!(selector(""), [0xc5, 0xd2, 0x46, 0x01]);
    }

    #[test]
    fn the_backend_agrees_with_sha3_at_every_length_and_split() {
        // The backend is CRYPTOGAMS assembly on x86-64 and AArch64: every length through four
        // 136-byte blocks (each padding case), whole and fed in uneven pieces.
        use sha3::Digest;
        let data: Vec<u8> = (0..700u32).map(|i| (i.wrapping_mul(0x9e37_79b9) >> 13) as u8).collect();
        for len in 0..=data.len() {
            let bytes = &data[..len];
            let expected: [u8; 32] = sha3::Keccak256::digest(bytes).into();
            assert_eq!(keccak(bytes), expected, "length {len}");
            let mut h = Keccak256::new();
            for piece in bytes.chunks(1 + len % 137) {
                h.update(piece);
            }
            assert_eq!(h.finalize(), expected, "length {len} in pieces of {}", 1 + len % 137);
        }
    }

    #[test]
    fn hex_round_trips_and_rejects_malformed_text() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(parse_hex(&hex(&bytes)), Some(bytes.clone()));
        assert_eq!(parse_hex(&hex(&bytes)[2..]), Some(bytes), "the prefix is optional");
        assert_eq!(hex(&[]), "0x");
        assert_eq!(parse_hex("0xABcd"), Some(vec![0xab, 0xcd]));
        assert_eq!(parse_hex("0xabc"), None, "odd number of digits");
        assert_eq!(parse_hex("0xzz"), None);
        assert_eq!(parse_hex("+1"), None);
        assert_eq!(parse_hex("0x0x"), None);
    }
}
