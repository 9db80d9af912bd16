//! How the SDK decodes the values a contract reads: stored values ([`Item`](crate::Item),
//! [`Map`](crate::Map)) and method arguments (the `#[contract]` dispatcher).
//!
//! [`decode_value`] accepts and rejects exactly what `T::decode` (`parity-scale-codec`) does,
//! and for every type but `String` it is `T::decode`. A `String` is decoded by the SDK's own
//! code: `parity-scale-codec` decodes a `Vec<u8>` (with its growth path) and checks it with
//! `core::str::from_utf8`, about 1.4 KB of wasm that every load of a contract with a `String`
//! argument or stored value pays for by the byte. Here the length prefix, the bounds check and
//! [`is_utf8`](crate::utf8::is_utf8) come first, then one allocation of the exact size.

use alloc::string::String;
use core::any::Any;

use parity_scale_codec::Decode;

use crate::utf8::is_utf8;

/// One `T` decoded from the front of `input`, which is advanced past it; `None` if the bytes do
/// not decode as a `T` (then `input` is left somewhere inside them).
///
/// `'static` because the `String` case is chosen by type: every type a contract decodes is
/// `'static` anyway (the `#[storage]` struct and contract methods cannot have lifetime
/// parameters).
// Always inlined: in the caller the type test folds away and the `Option` merges with its
// `match`; a call would wrap every `T::decode` in a function of its own (measured: callee
// example +80 bytes).
#[inline(always)]
pub(crate) fn decode_value<T: Decode + 'static>(input: &mut &[u8]) -> Option<T> {
    let mut value: Option<T> = None;
    // Decided at compile time: the comparison of two constant type ids folds away.
    if let Some(string) = (&mut value as &mut dyn Any).downcast_mut::<Option<String>>() {
        *string = Some(decode_string(input)?);
        return value;
    }
    T::decode(input).ok()
}

/// `String::decode`: a compact length, then that many bytes of UTF-8.
#[inline(never)]
fn decode_string(input: &mut &[u8]) -> Option<String> {
    let len = compact_u32(input)? as usize;
    // `split_at_checked` rather than `get(..len)` and `&input[len..]`: no panicking slice
    // index (three functions of code) is left for the optimizer to prove unreachable.
    let (bytes, rest) = input.split_at_checked(len)?;
    if !is_utf8(bytes) {
        return None;
    }
    *input = rest;
    // SAFETY: `is_utf8` accepts exactly the byte strings `core::str::from_utf8` accepts (its
    // tests compare the two exhaustively on short sequences).
    Some(unsafe { String::from_utf8_unchecked(crate::bytes::to_vec(bytes)) })
}

/// `Compact<u32>::decode`, as strict: the shortest of the four modes only (a value that fits a
/// shorter mode is refused), and the 5-byte mode only with its upper six prefix bits zero.
fn compact_u32(input: &mut &[u8]) -> Option<u32> {
    let prefix = *input.first()?;
    // The encoding's length in bytes, and the smallest value it may carry.
    let (len, min) = match prefix & 3 {
        0 => (1, 0),
        1 => (2, 1 << 6),
        2 => (4, 1 << 14),
        _ if prefix >> 2 == 0 => (5, 1 << 30),
        _ => return None,
    };
    let (bytes, rest) = input.split_at_checked(len)?;
    let raw = bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    // Modes 0–2 keep the value above the two mode bits; mode 3 in the bytes after the prefix.
    let value = if len == 5 { raw >> 8 } else { raw >> 2 };
    if value < min {
        return None;
    }
    *input = rest;
    Some(value as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::{Compact, Encode};

    /// `decode_value` and `T::decode` agree on `input`: the same value, or both refuse, and the
    /// same bytes left after a success.
    fn agree<T: Decode + PartialEq + core::fmt::Debug + 'static>(input: &[u8]) {
        let mut ours = input;
        let mut theirs = input;
        let a = decode_value::<T>(&mut ours);
        let b = T::decode(&mut theirs).ok();
        assert_eq!(a, b, "{input:02x?}");
        if a.is_some() {
            assert_eq!(ours, theirs, "{input:02x?}");
        }
    }

    #[test]
    fn compact_lengths_agree_with_parity_scale_codec_in_every_mode() {
        let mut lengths: Vec<u32> = (0..300).collect();
        lengths.extend([(1 << 14) - 1, 1 << 14, (1 << 14) + 1, (1 << 30) - 1, 1 << 30, u32::MAX]);
        for len in lengths {
            let enc = Compact(len).encode();
            let mut input = &enc[..];
            assert_eq!(compact_u32(&mut input), Some(len));
            assert!(input.is_empty());
        }
        // Every prefix byte with every short tail: non-canonical forms, truncations, the big
        // mode's upper bits.
        for prefix in 0..=255u8 {
            for tail in [&[][..], &[0], &[0xFF], &[0, 0], &[1, 0], &[0xFF, 0xFF], &[0, 0, 0], &[0xFF, 0xFF, 0x3F]] {
                for last in [&[][..], &[0], &[0x3F], &[0x40], &[0xFF]] {
                    let mut input = vec![prefix];
                    input.extend_from_slice(tail);
                    input.extend_from_slice(last);
                    let mut ours = &input[..];
                    let mut theirs = &input[..];
                    let a = compact_u32(&mut ours);
                    let b = Compact::<u32>::decode(&mut theirs).ok().map(|c| c.0);
                    assert_eq!(a, b, "{input:02x?}");
                    if a.is_some() {
                        assert_eq!(ours, theirs);
                    }
                }
            }
        }
    }

    #[test]
    fn strings_decode_as_parity_scale_codec_decodes_them() {
        for s in ["", "a", "token", "Ünïcödé ✓ 𝄞", &"x".repeat(63), &"y".repeat(64), &"z".repeat(20_000)] {
            let mut enc = s.to_string().encode();
            agree::<String>(&enc);
            enc.push(7);
            agree::<String>(&enc); // a byte left over
            enc.pop();
            for cut in 0..enc.len().min(80) {
                agree::<String>(&enc[..cut]);
            }
        }
        // Invalid UTF-8 behind a valid length, and lengths beyond the input.
        for body in [&[0xC0, 0x80][..], &[0xED, 0xA0, 0x80], &[0xF4, 0x90, 0x80, 0x80], &[0xE2, 0x82], &[0x80]] {
            let mut enc = Compact(body.len() as u32).encode();
            enc.extend_from_slice(body);
            agree::<String>(&enc);
        }
        agree::<String>(&[0x08, b'a']);
        agree::<String>(&[0x01, 0x00, b'a']); // a non-canonical two-byte length
    }

    #[test]
    fn strings_agree_with_parity_scale_codec_on_every_short_input() {
        for a in 0..=255u8 {
            agree::<String>(&[a]);
            for b in 0..=255u8 {
                agree::<String>(&[a, b]);
                for c in [0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xFF] {
                    agree::<String>(&[a, b, c]);
                    agree::<String>(&[0x0C, a, b, c]);
                    agree::<String>(&[0x10, 0xF0, a, b, c]);
                }
            }
        }
    }

    #[test]
    fn other_types_decode_with_their_own_decode() {
        agree::<u128>(&7u128.encode());
        agree::<(u8, String)>(&(3u8, "ab".to_string()).encode());
        agree::<Vec<String>>(&vec!["a".to_string(), "é".to_string()].encode());
        agree::<Option<String>>(&[1, 0x04, 0xFF]);
        agree::<u32>(&[1, 2, 3]);
    }
}
