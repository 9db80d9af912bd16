//! UTF-8 validation for the SDK's own `String` decoding (see [`decode`](crate::decode)).
//!
//! `core::str::from_utf8` is built for speed: a word-at-a-time ASCII path and a 256-byte table
//! come to about 1.4 KB of wasm in every contract that decodes a `String`, and every load pays
//! for code by the byte. [`is_utf8`] checks byte by byte instead. It accepts exactly what
//! `core::str::from_utf8` accepts (the tests compare the two on every sequence of up to three
//! bytes and on four-byte sequences built from every boundary value): no overlong forms, no
//! surrogates (U+D800..=U+DFFF), nothing above U+10FFFF, no truncated or stray continuation bytes.

/// Whether `bytes` is well-formed UTF-8 (the same answer as `core::str::from_utf8(bytes).is_ok()`).
pub(crate) fn is_utf8(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        i += 1;
        if lead < 0x80 {
            continue;
        }
        // The number of continuation bytes, and the range of the first one: the narrower ranges
        // after E0, ED, F0 and F4 exclude overlong forms, surrogates and code points above
        // U+10FFFF (Unicode's table of well-formed byte sequences). Comparisons rather than a
        // `match` on ranges: smaller code.
        let (count, mut low, mut high) = if lead < 0xC2 {
            return false;
        } else if lead < 0xE0 {
            (1, 0x80, 0xBF)
        } else if lead < 0xF0 {
            (2, if lead == 0xE0 { 0xA0 } else { 0x80 }, if lead == 0xED { 0x9F } else { 0xBF })
        } else if lead < 0xF5 {
            (3, if lead == 0xF0 { 0x90 } else { 0x80 }, if lead == 0xF4 { 0x8F } else { 0xBF })
        } else {
            return false;
        };
        for _ in 0..count {
            match bytes.get(i) {
                Some(&b) if low <= b && b <= high => i += 1,
                _ => return false,
            }
            (low, high) = (0x80, 0xBF);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_utf8;

    fn agrees(bytes: &[u8]) {
        assert_eq!(is_utf8(bytes), core::str::from_utf8(bytes).is_ok(), "{bytes:02x?}");
    }

    /// Every value at which some range of a well-formed sequence starts or ends, and its
    /// neighbours: the bytes at which the two validators could first disagree.
    const BOUNDARIES: [u8; 27] = [
        0x00, 0x01, 0x41, 0x7E, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
        0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5,
    ];

    #[test]
    fn agrees_with_core_on_every_sequence_of_up_to_three_bytes() {
        agrees(&[]);
        for a in 0..=255u8 {
            agrees(&[a]);
            for b in 0..=255u8 {
                agrees(&[a, b]);
                for c in 0..=255u8 {
                    agrees(&[a, b, c]);
                }
            }
        }
    }

    #[test]
    fn agrees_with_core_on_four_byte_sequences() {
        // Every first and second byte, the third and fourth from the boundary values and 0xFF.
        let tail: Vec<u8> = BOUNDARIES.iter().copied().chain([0xFF]).collect();
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for &c in &tail {
                    for &d in &tail {
                        agrees(&[a, b, c, d]);
                    }
                }
            }
        }
    }

    #[test]
    fn agrees_with_core_on_five_and_six_byte_sequences_of_boundary_values() {
        let mut all = BOUNDARIES.to_vec();
        all.push(0xFF);
        for &a in &all {
            for &b in &all {
                for &c in &all {
                    for &d in &all {
                        for &e in &all {
                            agrees(&[a, b, c, d, e]);
                            agrees(&[0x41, a, b, c, d, e]);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn accepts_every_scalar_value_and_agrees_on_its_truncations_and_overlong_forms() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let s = c.encode_utf8(&mut buf).as_bytes();
            assert!(is_utf8(s), "{c:?}");
            for cut in 1..s.len() {
                assert!(!is_utf8(&s[..cut]), "{c:?} cut at {cut}");
            }
        }
        // Overlong forms of U+0000..=U+FFFF, surrogates, and U+110000 and above.
        for v in 0..=0xFFFFu32 {
            let three = [0xE0 | (v >> 12) as u8, 0x80 | ((v >> 6) & 0x3F) as u8, 0x80 | (v & 0x3F) as u8];
            agrees(&three);
            let four = [0xF0, 0x80 | ((v >> 12) & 0x3F) as u8, 0x80 | ((v >> 6) & 0x3F) as u8, 0x80 | (v & 0x3F) as u8];
            assert!(!is_utf8(&four), "{v:#x} as four bytes");
        }
        for v in (0x110000..0x200000u32).step_by(0x3FF) {
            let four = [
                0xF0 | (v >> 18) as u8,
                0x80 | ((v >> 12) & 0x3F) as u8,
                0x80 | ((v >> 6) & 0x3F) as u8,
                0x80 | (v & 0x3F) as u8,
            ];
            assert!(!is_utf8(&four), "{v:#x}");
        }
    }

    #[test]
    fn agrees_with_core_on_random_text() {
        // A fixed xorshift stream: mixed valid text with bytes flipped.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..(next() % 24) {
                let c = match next() % 4 {
                    0 => (next() % 0x80) as u32,
                    1 => (next() % 0x800) as u32,
                    2 => (next() % 0x10000) as u32,
                    _ => (next() % 0x110000) as u32,
                };
                s.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            let mut bytes = s.into_bytes();
            agrees(&bytes);
            if !bytes.is_empty() {
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
                agrees(&bytes);
                bytes.truncate(at);
                agrees(&bytes);
            }
        }
    }

    /// Every sequence of four bytes (2^32 of them: about a minute of CPU):
    /// `cargo test --release -p tally-sdk --lib -- --ignored utf8::tests::agrees_with_core_on_every_four_byte_sequence`
    #[test]
    #[ignore]
    fn agrees_with_core_on_every_four_byte_sequence() {
        for v in 0..=u32::MAX {
            agrees(&v.to_le_bytes());
        }
    }
}
