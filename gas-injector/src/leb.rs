//! LEB128, the integer encoding of WebAssembly: the writers and encoded lengths the output is
//! built and sized with, and the branch-free decoders of short encodings that the body decoder
//! (`body::decode`) reads immediates with.
//!
//! The decoders accept only encodings that always fit their type (see [`SHORT_LEB_32`]), so they
//! need no range check; everything else goes to wasmparser's reader, for its errors.

/// Appends the unsigned LEB128 encoding of `v`.
pub(crate) fn write_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends the signed LEB128 encoding of `v` (the reference the body writer's encoder is tested
/// against).
#[cfg(test)]
pub(crate) fn write_i64(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Length of the signed LEB128 encoding of `v`.
pub(crate) fn sleb_len(v: i64) -> usize {
    // Significant bits, sign bit included, in groups of 7.
    let bits = 65 - if v < 0 { (!v).leading_zeros() } else { v.leading_zeros() } as usize;
    bits.div_ceil(7)
}

/// Length of the unsigned LEB128 encoding of `v`.
pub(crate) fn uleb_len(v: u32) -> usize {
    let bits = (32 - v.leading_zeros() as usize).max(1);
    bits.div_ceil(7)
}

/// Longest LEB128 encodings decoded by [`leb`]: those that always fit their type, so wasmparser
/// would check nothing but their end (`u32`, `i32`: 4 × 7 bits; `i64`: 9 × 7 bits).
const SHORT_LEB_32: usize = 4;
pub(crate) const SHORT_LEB_64: usize = 9;

/// Decodes the LEB128 integer at `bytes[at]` when it is at most `max` bytes long and complete,
/// as `(value bits, number of bytes)`; `None` otherwise (longer, or cut off by the body's end).
#[inline(always)]
pub(crate) fn leb(bytes: &[u8], at: usize, max: usize) -> Option<(u64, usize)> {
    // Most integers have 8 bytes of body after them: those up to 8 bytes long are decoded from
    // one 8-byte load without a branch per byte (a per-byte loop mispredicts its exit).
    if let Some(word) = bytes.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
        let word = u64::from_le_bytes(*word);
        // The first byte without a continuation bit ends the integer.
        let len = (!word & 0x8080_8080_8080_8080).trailing_zeros() as usize / 8 + 1;
        if len <= max && len <= 8 {
            return Some((compact_leb(word, len), len));
        }
    }
    leb_bytewise(bytes, at, max)
}

/// [`leb`] with a limit of [`SHORT_LEB_32`] bytes, from one 4-byte load when the body has
/// 4 bytes left.
#[inline(always)]
pub(crate) fn leb32(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    match bytes.get(at..).and_then(|rest| rest.first_chunk::<4>()) {
        Some(word) => {
            let word = u32::from_le_bytes(*word);
            let ends = !word & 0x8080_8080;
            if ends == 0 {
                return None;
            }
            let len = ends.trailing_zeros() as usize / 8 + 1;
            let v = word & (u32::MAX >> (32 - 8 * len)) & 0x7f7f_7f7f;
            let v = (v & 0x007f_007f) | ((v & 0x7f00_7f00) >> 1);
            Some(((v & 0x3fff) | ((v & 0x3fff_0000) >> 2), len))
        }
        None => leb_bytewise(bytes, at, SHORT_LEB_32).map(|(v, len)| (v as u32, len)),
    }
}

/// The five-byte LEB128 form of a 32-bit integer at `bytes[at]` (four bytes with continuation
/// bits, then one without), as its 32 value bits (the fifth byte's low four bits on top) and
/// that fifth byte, whose remaining bits decide whether wasmparser accepts it (see
/// [`u32_fits`], [`i32_fits`]). `None` for any other form. Linkers pad relocated function
/// indices and addresses to this form, so compiled code has many.
#[inline(always)]
pub(crate) fn leb5(bytes: &[u8], at: usize) -> Option<(u32, u8)> {
    let five = bytes.get(at..)?.first_chunk::<5>()?;
    let word = u32::from_le_bytes([five[0], five[1], five[2], five[3]]);
    if word & 0x8080_8080 != 0x8080_8080 || five[4] & 0x80 != 0 {
        return None;
    }
    let v = word & 0x7f7f_7f7f;
    let v = (v & 0x007f_007f) | ((v & 0x7f00_7f00) >> 1);
    let low = (v & 0x3fff) | ((v & 0x3fff_0000) >> 2);
    Some((low | (u32::from(five[4]) << 28), five[4]))
}

/// Whether wasmparser's `read_var_u32` accepts the five-byte form whose last byte is `last`
/// (no continuation bit): its bits above the 32nd must be clear.
#[inline(always)]
pub(crate) fn u32_fits(last: u8) -> bool {
    last < 0x10
}

/// Whether wasmparser's `read_var_i32` accepts the five-byte form whose last byte is `last`
/// (no continuation bit): its bits above the 32nd must repeat the sign bit (bit 3).
#[inline(always)]
pub(crate) fn i32_fits(last: u8) -> bool {
    matches!(last & 0x78, 0 | 0x78)
}

/// The value bits of the `len` (1 to 8) LEB128 bytes in the low bytes of `word`: their 7-bit
/// groups, packed.
#[inline(always)]
fn compact_leb(word: u64, len: usize) -> u64 {
    // Keep the integer's bytes (`len` of them), without their continuation bits.
    let mask = u64::MAX >> (64 - 8 * len);
    let v = word & mask & 0x7f7f_7f7f_7f7f_7f7f;
    // Pack pairs of 7-bit groups into 14 bits, pairs of those into 28, then into 56.
    let v = (v & 0x007f_007f_007f_007f) | ((v & 0x7f00_7f00_7f00_7f00) >> 1);
    let v = (v & 0x0000_3fff_0000_3fff) | ((v & 0x3fff_0000_3fff_0000) >> 2);
    (v & 0x0000_0000_0fff_ffff) | ((v & 0x0fff_ffff_0000_0000) >> 4)
}

/// [`leb`] a byte at a time, for integers near the body's end or longer than 8 bytes.
#[inline(never)]
fn leb_bytewise(bytes: &[u8], at: usize, max: usize) -> Option<(u64, usize)> {
    let mut value = 0;
    for (i, &byte) in bytes.get(at..)?.iter().take(max).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Sign-extends the `len × 7` low bits of `value`.
#[inline(always)]
pub(crate) fn sign_extend(value: u64, len: usize) -> i64 {
    let unused = 64 - 7 * len as u32;
    ((value << unused) as i64) >> unused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_i64(bytes: &[u8]) -> i64 {
        let mut r = wasmparser::BinaryReader::new_features(bytes, 0, tally_profile::features());
        let v = r.read_var_i64().unwrap();
        assert!(r.eof());
        v
    }

    #[test]
    fn leb128_round_trips() {
        for v in [0i64, 1, -1, 63, 64, -64, -65, 127, 128, i64::from(i32::MIN), i64::MAX, i64::MIN, 1 << 40] {
            let mut out = Vec::new();
            write_i64(&mut out, v);
            assert_eq!(read_i64(&out), v, "{v}");
        }
        for v in [0u32, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            let mut out = Vec::new();
            write_u32(&mut out, v);
            let mut r = wasmparser::BinaryReader::new_features(&out, 0, tally_profile::features());
            assert_eq!(r.read_var_u32().unwrap(), v);
            assert!(r.eof());
        }
    }

    #[test]
    fn leb_lengths_match_the_encoders() {
        for v in [0i64, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8192, -8193, i64::MAX, i64::MIN, 1 << 40] {
            let mut out = Vec::new();
            write_i64(&mut out, v);
            assert_eq!(sleb_len(v), out.len(), "{v}");
        }
        for v in [0u32, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            let mut out = Vec::new();
            write_u32(&mut out, v);
            assert_eq!(uleb_len(v), out.len(), "{v}");
        }
    }

    /// The word-at-a-time decoder agrees with the bytewise one at every length, position and
    /// limit, with and without 8 bytes to load.
    #[test]
    fn leb_word_decoder_matches_bytewise() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut seen = [false; 11];
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 11) as usize;
            // Continuation bits on the first `len - 1` bytes, random payload bits.
            let mut bytes: Vec<u8> = state.to_le_bytes().iter().chain(&[0x5a, 0xa5, 0x33, 0xcc]).copied().collect();
            for (i, byte) in bytes.iter_mut().enumerate() {
                if i + 1 < len {
                    *byte |= 0x80;
                } else if i + 1 == len {
                    *byte &= 0x7f;
                }
            }
            for cut in [bytes.len(), len + 1, len] {
                let bytes = &bytes[..cut.min(bytes.len())];
                for max in [4, 9] {
                    let word = leb(bytes, 0, max);
                    assert_eq!(word, leb_bytewise(bytes, 0, max), "{bytes:x?} {max}");
                    if let Some((_, n)) = word {
                        seen[n] = true;
                    }
                }
                let word = leb32(bytes, 0).map(|(v, n)| (u64::from(v), n));
                assert_eq!(word, leb_bytewise(bytes, 0, 4), "{bytes:x?} 32");
            }
        }
        assert!(seen[1..=9].iter().all(|&s| s), "every length decoded: {seen:?}");
    }
}
