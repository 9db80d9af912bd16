//! The fast scan of a function body's operators for the code limits ([`crate::limits`]): the
//! nesting depth and the `br_table` targets, read straight from the bytes.
//!
//! [`scan`] decodes the operators that make up compiled code (every operator of WebAssembly 2.0
//! with no immediate or with integer immediates, blocks with no type or one value type, plain
//! memory accesses, `br_table`, the bulk-memory and saturating-truncation operators) in the
//! encodings wasmparser's reader accepts, and keeps the reader's own control stack (which `else`
//! must find an `if` on, which the final `end` empties, after which nothing may follow). It
//! answers only when the body is one the reader reads to its end without an error and that
//! breaks no limit: then the limits pass's reader-driven scan would find the same depth and
//! targets and no error. For anything else (an operator or encoding it does not decode, a
//! malformed byte, a limit broken, a body cut off) it gives up, and the limits pass scans the body
//! with the reader, which finds the error and words it. So a body's result (its counts, or the
//! first error and its offset) does not depend on the fast scan; the tests below hold it to the
//! reader's scan on the guests and the SDK's token and on thousands of mutations of them, under
//! default and tight limits, and its integer readers to the reader's on generated LEB forms.

/// What the fast scan found in a body the reader accepts and that breaks no limit.
pub(crate) struct Scanned {
    /// Targets over the body's `br_table`s, default targets excluded.
    pub br_table_targets: u64,
}

/// Scans `ops`, a body's operators (after its local declarations), for nesting deeper than
/// `max_depth` and `br_table`s with more than `max_targets` targets; `None` when the reader's
/// scan must decide (see the module docs). `frames` is scratch space, reused between bodies.
pub(crate) fn scan(ops: &[u8], max_depth: u32, max_targets: u32, frames: &mut Vec<bool>) -> Option<Scanned> {
    // The reader's control stack, innermost last: whether each frame is an `if` before its
    // `else`. It starts with the function's frame.
    frames.clear();
    frames.push(false);
    let mut targets: u64 = 0;
    let mut at = 0;
    while let Some(&code) = ops.get(at) {
        at += 1;
        match code {
            // No immediate.
            0x00 | 0x01 | 0x0f | 0x1a | 0x1b | 0x45..=0xc4 => {}
            // `block`, `loop`, `if` with no type or one value type.
            0x02..=0x04 => {
                match ops.get(at) {
                    Some(0x40 | 0x7f | 0x7e | 0x7d | 0x7c) => at += 1,
                    _ => return None,
                }
                // The body itself is depth 0, as the limits pass counts.
                if frames.len() > max_depth as usize {
                    return None;
                }
                frames.push(code == 0x04);
            }
            0x05 => match frames.last_mut() {
                Some(is_if @ true) => *is_if = false,
                _ => return None,
            },
            0x0b => {
                frames.pop();
                if frames.is_empty() {
                    // The final `end`: the reader refuses anything after it.
                    return (at == ops.len()).then_some(Scanned { br_table_targets: targets });
                }
            }
            // `br`, `br_if`, `call`, `local.*`, `global.*`: one index.
            0x0c | 0x0d | 0x10 | 0x20..=0x24 => at = var_u32(ops, at)?,
            0x0e => {
                let (count, next) = var_u32_value(ops, at)?;
                if count > max_targets || count > MAX_READER_TARGETS {
                    return None;
                }
                at = next;
                for _ in 0..=count {
                    at = var_u32(ops, at)?;
                }
                targets += u64::from(count);
            }
            // `call_indirect`: type and table indices.
            0x11 => at = var_u32(ops, var_u32(ops, at)?)?,
            // Loads and stores: a one-byte alignment that sets none of the flag bits the reader
            // interprets, and a 32-bit offset.
            0x28..=0x3e => match ops.get(at) {
                Some(&align) if align < 0x10 => at = var_u32(ops, at + 1)?,
                _ => return None,
            },
            // `memory.size`, `memory.grow`: memory 0 as the single zero byte the reader requires.
            0x3f | 0x40 => match ops.get(at) {
                Some(0) => at += 1,
                _ => return None,
            },
            0x41 => at = var_i32(ops, at)?,
            0x42 => at = var_i64(ops, at)?,
            0x43 => at = skip(ops, at, 4)?,
            0x44 => at = skip(ops, at, 8)?,
            0xfc => {
                let sub = *ops.get(at)?;
                at += 1;
                match sub {
                    // Saturating truncations.
                    0x00..=0x07 => {}
                    // `memory.init` (segment, memory), `memory.copy` (two memories).
                    0x08 | 0x0a => at = var_u32(ops, var_u32(ops, at)?)?,
                    // `data.drop` (segment), `memory.fill` (memory).
                    0x09 | 0x0b => at = var_u32(ops, at)?,
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    // Cut off before the final `end`.
    None
}

/// The most `br_table` targets the reader reads (`MAX_WASM_BR_TABLE_SIZE` is larger; a count
/// above this goes to the reader, whatever the limit).
const MAX_READER_TARGETS: u32 = 1 << 16;

/// `n` bytes from `at`; the position after them.
fn skip(ops: &[u8], at: usize, n: usize) -> Option<usize> {
    let end = at.checked_add(n)?;
    (end <= ops.len()).then_some(end)
}

/// A `u32` LEB128 the reader accepts, at `at`: its value and the position after it.
fn var_u32_value(ops: &[u8], at: usize) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for i in 0..5 {
        let byte = *ops.get(at + i)?;
        if i == 4 {
            // The fifth byte carries 4 bits and no continuation (the reader's test).
            if byte >= 0x10 {
                return None;
            }
        }
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, at + i + 1));
        }
    }
    None
}

/// The position after a `u32` LEB128 the reader accepts, at `at`.
fn var_u32(ops: &[u8], at: usize) -> Option<usize> {
    match ops.get(at) {
        Some(&byte) if byte & 0x80 == 0 => Some(at + 1),
        _ => var_u32_value(ops, at).map(|(_, next)| next),
    }
}

/// The position after an `i32` LEB128 the reader accepts, at `at`.
fn var_i32(ops: &[u8], at: usize) -> Option<usize> {
    for i in 0..5 {
        let byte = *ops.get(at + i)?;
        if i == 4 {
            // The fifth byte: no continuation, and its unused bits copy the sign bit.
            let high = byte & 0x78;
            return (byte & 0x80 == 0 && (high == 0 || high == 0x78)).then_some(at + 5);
        }
        if byte & 0x80 == 0 {
            return Some(at + i + 1);
        }
    }
    None
}

/// The position after an `i64` LEB128 the reader accepts, at `at`.
fn var_i64(ops: &[u8], at: usize) -> Option<usize> {
    for i in 0..10 {
        let byte = *ops.get(at + i)?;
        if i == 9 {
            // The tenth byte: no continuation, and its unused bits copy the sign bit.
            return matches!(byte, 0x00 | 0x7f).then_some(at + 10);
        }
        if byte & 0x80 == 0 {
            return Some(at + i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{check_code_with, CodeLimits};

    fn guests() -> Vec<u8> {
        tally_guests::build::wasm_bytes().unwrap_or_else(|err| panic!("{err}"))
    }

    /// The operator bytes of every body of `wasm`.
    fn bodies(wasm: &[u8]) -> Vec<&[u8]> {
        let mut out = Vec::new();
        for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
            if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
                let mut locals = body.get_locals_reader().expect("locals");
                for _ in 0..locals.get_count() {
                    locals.read().expect("a local declaration");
                }
                let mut rest = locals.get_binary_reader();
                out.push(rest.read_bytes(rest.bytes_remaining()).expect("bytes"));
            }
        }
        out
    }

    /// The SDK's example token, as deployed.
    fn token() -> Vec<u8> {
        tally_sdk_build::example("token").unwrap_or_else(|e| panic!("{e}"))
    }

    /// Ordinary compiled code never needs the reader: every body of the guests and of the SDK's
    /// token scans fast, with the reader's count of targets.
    #[test]
    fn every_body_of_compiled_contracts_scans_fast() {
        let limits = CodeLimits::default();
        let mut frames = Vec::new();
        let mut total = 0;
        for wasm in [guests(), token()] {
            let bodies = bodies(&wasm);
            let mut targets = 0;
            for (i, ops) in bodies.iter().enumerate() {
                let scanned = scan(ops, limits.nesting_depth, limits.br_table_targets, &mut frames);
                targets += scanned.unwrap_or_else(|| panic!("body {i} went to the reader")).br_table_targets;
            }
            let shape = check_code_with(&wasm, &limits, false).expect("the module passes the limits");
            assert_eq!(u64::from(shape.br_table_targets), targets);
            total += bodies.len();
        }
        assert!(total > 50, "{total} bodies");
    }

    /// The same shape or the same error (limit, value, offset; or the reader's message and
    /// offset) with and without the fast scan, on the guests and the SDK's token mutated at
    /// random bytes from their code on and cut short, under the default limits and tight ones.
    #[test]
    fn the_fast_scan_agrees_with_the_reader_on_mutated_modules() {
        for wasm in [guests(), token()] {
            agrees_on_mutations_of(&wasm);
        }
    }

    fn agrees_on_mutations_of(wasm: &[u8]) {
        let code_start = bodies(wasm).first().map(|b| b.as_ptr() as usize - wasm.as_ptr() as usize).expect("code");
        let tight = CodeLimits { nesting_depth: 3, br_table_targets: 4, ..CodeLimits::default() };
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let (mut failures, mut fast_errors) = (0, 0);
        for round in 0..3000 {
            let mut m = wasm.to_vec();
            let edits = 1 + next() % 3;
            for _ in 0..edits {
                let at = code_start + (next() as usize) % (m.len() - code_start);
                m[at] = match next() % 4 {
                    0 => 0x0b,
                    1 => 0x80 | next() as u8,
                    _ => next() as u8,
                };
            }
            if round % 10 == 0 {
                m.truncate(code_start + (next() as usize) % (m.len() - code_start));
            }
            for limits in [CodeLimits::default(), tight] {
                let fast = check_code_with(&m, &limits, true);
                let reference = check_code_with(&m, &limits, false);
                assert_eq!(fast, reference, "round {round}");
                failures += usize::from(reference.is_err());
            }
        }
        for limits in [CodeLimits::default(), tight] {
            fast_errors += usize::from(check_code_with(wasm, &limits, true).is_err());
        }
        // Tight limits refuse the unmutated module, and many mutations are refused.
        assert_eq!(fast_errors, 1);
        assert!(failures > 1000, "{failures} refusals");
    }

    /// The reader's verdict on a `u32`, `i32` or `i64` LEB128, as (value read or error, position
    /// after it).
    fn reader<T>(
        bytes: &[u8],
        read: impl Fn(&mut wasmparser::BinaryReader<'_>) -> wasmparser::Result<T>,
    ) -> Option<usize> {
        let mut r = wasmparser::BinaryReader::new(bytes, 0);
        read(&mut r).ok().map(|_| r.current_position())
    }

    /// Every LEB of up to 10 bytes built from a set of interesting bytes: the fast readers accept
    /// a subset of what the reader accepts, ending at the same byte, and all of what it accepts
    /// in canonical-or-padded form up to their lengths.
    #[test]
    fn leb_readers_accept_only_what_the_reader_accepts() {
        let interesting = [0x00u8, 0x01, 0x07, 0x08, 0x0f, 0x10, 0x3f, 0x40, 0x77, 0x78, 0x7f, 0x80, 0x81, 0xff, 0xf8];
        let mut checked = 0;
        for len in 1..=10usize {
            for seed in 0..4000u32 {
                let mut bytes: Vec<u8> = (0..len)
                    .map(|i| {
                        interesting
                            [((seed as usize).wrapping_mul(7919).wrapping_add(i * 31) >> (i % 5)) % interesting.len()]
                    })
                    .collect();
                bytes.push(0x0b);
                let u = reader(&bytes, |r| r.read_var_u32());
                let i32_ = reader(&bytes, |r| r.read_var_i32());
                let i64_ = reader(&bytes, |r| r.read_var_i64());
                if let Some(p) = var_u32(&bytes, 0) {
                    assert_eq!(Some(p), u, "u32 {bytes:02x?}");
                    assert_eq!(var_u32_value(&bytes, 0).map(|(_, p)| p), Some(p));
                }
                if let Some(p) = var_i32(&bytes, 0) {
                    assert_eq!(Some(p), i32_, "i32 {bytes:02x?}");
                }
                if let Some(p) = var_i64(&bytes, 0) {
                    assert_eq!(Some(p), i64_, "i64 {bytes:02x?}");
                }
                // The fast readers give up on nothing the reader accepts.
                assert_eq!(var_u32(&bytes, 0), u, "u32 {bytes:02x?}");
                assert_eq!(var_i32(&bytes, 0), i32_, "i32 {bytes:02x?}");
                assert_eq!(var_i64(&bytes, 0), i64_, "i64 {bytes:02x?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 40_000);
    }
}
