//! A function body's local declarations, read without wasmparser's `LocalsReader` when they
//! are in the form compilers write.
//!
//! The gas injector and the VM's translator both read every body's declarations before its
//! operators. wasmparser's `LocalsReader::read` costs about 85 instructions a declaration
//! (two generic `FromReader` calls, each with its own bounds checks and error paths), and
//! rustc's output has about one declaration per type run, a few per body. [`read_locals`]
//! first scans the declarations in the plain form (the declaration count and every local
//! count in one or two LEB128 bytes, every type `i32`, `i64`, `f32` or `f64`), and only if all
//! of them are declares them from its own decoding; anything else (a longer count, another
//! type, a truncated body) goes to wasmparser's reader from the first declaration, whose
//! errors stand. The scan has no effect, so a caller's `declare` sees the same calls in either
//! case, and an error it returns for a declaration (a limit, a validator's verdict) comes at
//! the same declaration.
//!
//! Why the plain form decodes the same: a one- or two-byte LEB128 `u32` cannot be malformed or
//! out of range (wasmparser's `read_var_u32` checks only a fifth byte), and the four number
//! types are single bytes its `ValType` reader maps without consulting features.

use wasmparser::{BinaryReaderError, FunctionBody, ValType};

/// Reads the local declarations of `body` and calls `declare(offset, count, ty)` for each in
/// order, `offset` being the declaration's offset in the module (as `LocalsReader`'s
/// `original_position` before reading it). Returns the module offset of the body's first
/// operator. The calls and the errors are those of a loop over `body.get_locals_reader()`.
#[inline]
pub fn read_locals<E: From<BinaryReaderError>>(
    body: &FunctionBody<'_>,
    mut declare: impl FnMut(u64, u32, ValType) -> Result<(), E>,
) -> Result<u64, E> {
    let bytes = body.as_bytes();
    let base = body.range().start;
    if let Some((first, end)) = scan(bytes) {
        let mut at = first;
        while at < end {
            // The scan accepted every declaration: neither read fails.
            let Some((count, next)) = var_u32(bytes, at) else { break };
            let Some(ty) = bytes.get(next).copied().and_then(num_type) else { break };
            declare(base + at as u64, count, ty)?;
            at = next + 1;
        }
        return Ok(base + end as u64);
    }
    let mut locals = body.get_locals_reader()?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let (count, ty) = locals.read()?;
        declare(offset, count, ty)?;
    }
    Ok(locals.original_position())
}

/// If every declaration of the body `bytes` is in the plain form: the positions of the first
/// declaration and of the first operator.
#[inline]
fn scan(bytes: &[u8]) -> Option<(usize, usize)> {
    // wasmparser refuses a sum of counts over `u32::MAX` ("too many locals"); in the plain
    // form it stays below 2^28 (fewer than 2^14 declarations of fewer than 2^14 locals each),
    // so only the reader meets that error.
    let (n, first) = var_u32(bytes, 0)?;
    let mut at = first;
    for _ in 0..n {
        let (_, next) = var_u32(bytes, at)?;
        num_type(*bytes.get(next)?)?;
        at = next + 1;
    }
    Some((first, at))
}

/// A LEB128 `u32` of one or two bytes at `at`, and the position after it.
#[inline(always)]
fn var_u32(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    let b0 = *bytes.get(at)?;
    if b0 < 0x80 {
        return Some((u32::from(b0), at + 1));
    }
    let b1 = *bytes.get(at + 1)?;
    if b1 < 0x80 {
        return Some((u32::from(b0 & 0x7f) | u32::from(b1) << 7, at + 2));
    }
    None
}

/// The number type a value-type byte encodes.
#[inline(always)]
fn num_type(b: u8) -> Option<ValType> {
    match b {
        0x7f => Some(ValType::I32),
        0x7e => Some(ValType::I64),
        0x7d => Some(ValType::F32),
        0x7c => Some(ValType::F64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use wasmparser::{BinaryReader, BinaryReaderError, FunctionBody, ValType};

    use super::read_locals;

    /// An error of the reader (its message and offset) or of the caller's limit (its offset).
    #[derive(Debug, PartialEq)]
    enum Failed {
        Reader(String, u64),
        Limit(u64),
    }

    impl From<BinaryReaderError> for Failed {
        fn from(e: BinaryReaderError) -> Self {
            Failed::Reader(e.message().to_string(), e.offset())
        }
    }

    /// The declarations seen, and the offset of the first operator or the error.
    type Outcome = (Vec<(u64, u32, ValType)>, Result<u64, Failed>);

    /// A loop over wasmparser's `LocalsReader`, as the injector and the translator had.
    fn reference(body: &FunctionBody<'_>, limit: u32) -> Outcome {
        let mut seen = Vec::new();
        let result = (|| -> Result<u64, Failed> {
            let mut locals = body.get_locals_reader()?;
            for _ in 0..locals.get_count() {
                let offset = locals.original_position();
                let (count, ty) = locals.read()?;
                declare(&mut seen, limit, offset, count, ty)?;
            }
            Ok(locals.original_position())
        })();
        (seen, result)
    }

    fn fast(body: &FunctionBody<'_>, limit: u32) -> Outcome {
        let mut seen = Vec::new();
        let result = read_locals(body, |offset, count, ty| declare(&mut seen, limit, offset, count, ty));
        (seen, result)
    }

    /// A caller's `declare`: records the declaration, and refuses more than `limit` locals in
    /// all, as the VM's limit does.
    fn declare(
        seen: &mut Vec<(u64, u32, ValType)>,
        limit: u32,
        offset: u64,
        count: u32,
        ty: ValType,
    ) -> Result<(), Failed> {
        let before = seen.iter().fold(0u32, |a, d| a.saturating_add(d.1));
        if before.saturating_add(count) > limit {
            return Err(Failed::Limit(offset));
        }
        seen.push((offset, count, ty));
        Ok(())
    }

    /// Both readers on `bytes` as a body at module offset 100, under `limit`: the same outcome,
    /// which is returned.
    fn check(bytes: &[u8], limit: u32) -> Outcome {
        let body = FunctionBody::new(BinaryReader::new(bytes, 100));
        let want = reference(&body, limit);
        assert_eq!(fast(&body, limit), want, "body {bytes:02x?}, limit {limit}");
        want
    }

    #[test]
    fn plain_declarations_read_as_wasmparser_reads_them() {
        // Two declarations (2 × i32, 1 × i64), then `end`.
        let (seen, end) = check(&[2, 2, 0x7f, 1, 0x7e, 0x0b], u32::MAX);
        assert_eq!(seen, vec![(101, 2, ValType::I32), (103, 1, ValType::I64)]);
        assert_eq!(end, Ok(105));
        // None at all; every number type; two-byte counts, a padded one included.
        assert_eq!(check(&[0, 0x0b], u32::MAX), (vec![], Ok(101)));
        let (seen, _) = check(&[4, 1, 0x7f, 1, 0x7e, 1, 0x7d, 1, 0x7c, 0x0b], u32::MAX);
        assert_eq!(
            seen.iter().map(|d| d.2).collect::<Vec<_>>(),
            [ValType::I32, ValType::I64, ValType::F32, ValType::F64]
        );
        let (seen, end) = check(&[2, 0x80, 0x01, 0x7f, 0x81, 0x00, 0x7e, 0x0b], u32::MAX);
        assert_eq!(seen, vec![(101, 128, ValType::I32), (104, 1, ValType::I64)]);
        assert_eq!(end, Ok(107));
        // A two-byte declaration count.
        let mut body = vec![0x80, 0x01];
        for _ in 0..128 {
            body.extend([1, 0x7f]);
        }
        body.push(0x0b);
        let (seen, end) = check(&body, u32::MAX);
        assert_eq!(seen.len(), 128);
        assert_eq!(end, Ok(100 + body.len() as u64 - 1));
    }

    #[test]
    fn other_forms_are_wasmparsers() {
        // A three-byte and a five-byte count, a reference type, `v128`, a padded declaration
        // count: all read by the reader, to the same declarations.
        let (seen, _) = check(&[1, 0x80, 0x80, 0x01, 0x7f, 0x0b], u32::MAX);
        assert_eq!(seen, vec![(101, 1 << 14, ValType::I32)]);
        let padded = check(&[1, 0x81, 0x80, 0x80, 0x80, 0x00, 0x7f, 0x0b], u32::MAX);
        assert_eq!(padded, (vec![(101, 1, ValType::I32)], Ok(107)));
        let (seen, _) = check(&[2, 1, 0x7f, 1, 0x70, 0x0b], u32::MAX);
        assert_eq!(seen.len(), 2);
        assert_eq!(check(&[1, 1, 0x7b, 0x0b], u32::MAX), (vec![(101, 1, ValType::V128)], Ok(103)));
        let (seen, _) = check(&[0x81, 0x80, 0x00, 1, 0x7e, 0x0b], u32::MAX);
        assert_eq!(seen, vec![(103, 1, ValType::I64)]);
    }

    #[test]
    fn malformed_declarations_fail_as_in_wasmparser() {
        let errors = [
            // Cut off: no declaration count, in a count, before a type, in the declaration count.
            &[][..],
            &[0x80],
            &[1],
            &[1, 0x80],
            &[1, 5],
            &[2, 1, 0x7f],
            &[0x80, 0x80],
            // More declarations than bytes.
            &[0x7f, 1, 0x7f],
            // A count of five bytes with a sixth, or with unused bits set.
            &[1, 0xff, 0xff, 0xff, 0xff, 0x8f, 0x7f, 0x0b],
            &[1, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x7f, 0x0b],
            // Not a value type.
            &[1, 1, 0x40, 0x0b],
            &[1, 1, 0x00, 0x0b],
            // Counts whose sum overflows `u32`, plain and two-byte declarations after it.
            &[3, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 1, 0x7f, 1, 0x7f, 0x0b],
            &[2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x80, 0x01, 0x7e, 0x0b],
        ];
        for bytes in errors {
            let (_, result) = check(bytes, u32::MAX);
            assert!(result.is_err(), "{bytes:02x?} read");
        }
        let (seen, result) = check(&[3, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 1, 0x7f, 1, 0x7f, 0x0b], u32::MAX);
        assert_eq!((seen.len(), result), (1, Err(Failed::Reader("too many locals".to_string(), 108))));
    }

    #[test]
    fn the_callers_errors_come_at_the_same_declaration() {
        // A limit broken at the second declaration comes before the third's malformed type
        // (which the scan declines) and after the first's declaration.
        let (seen, result) = check(&[3, 3, 0x7f, 3, 0x7e, 1, 0x40, 0x0b], 4);
        assert_eq!((seen.len(), result), (1, Err(Failed::Limit(103))));
        // All plain: the limit at the last declaration.
        let (seen, result) = check(&[3, 1, 0x7f, 1, 0x7e, 0x80, 0x01, 0x7d, 0x0b], 129);
        assert_eq!((seen.len(), result), (2, Err(Failed::Limit(105))));
        assert_eq!(check(&[3, 1, 0x7f, 1, 0x7e, 0x80, 0x01, 0x7d, 0x0b], 130).1, Ok(108));
    }

    #[test]
    fn every_short_body_reads_as_in_wasmparser() {
        // Every body of up to four bytes over a set of interesting bytes, under two limits.
        let alphabet = [0x00, 0x01, 0x02, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x40, 0x80, 0x81, 0xff, 0x0b];
        let mut body = Vec::new();
        for len in 0..=4u32 {
            for mut i in 0..alphabet.len().pow(len) {
                body.clear();
                for _ in 0..len {
                    body.push(alphabet[i % alphabet.len()]);
                    i /= alphabet.len();
                }
                let _ = check(&body, u32::MAX);
                let _ = check(&body, 1);
            }
        }
    }
}
