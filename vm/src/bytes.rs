//! Bulk copies whose time does not depend on where their bytes lie.
//!
//! glibc's `memcpy` and `memmove` copy with `rep movsb` from about 2 KiB (its
//! `rep_movsb_threshold`, 2,112 bytes on the reference machine) up to its non-temporal threshold
//! (about 1 MiB there). On the reference machine (AMD EPYC, `erms` and `fsrm`) `rep movsb` runs
//! 18–27 times slower when the destination lies 1 to 31 bytes past the source modulo 4096: a
//! 64 KiB copy takes 23 µs instead of 1.3 µs, a 4 KiB one 1.4 µs instead of 51 ns (BENCHMARKS.md,
//! "Copies at a page skew"). A contract chooses both addresses of `memory.copy`, the destination
//! of every host function that writes into its memory and the offset into the buffer it reads
//! from, so a flat price per byte would either overcharge every copy or leave this one 20 times
//! underpriced.
//!
//! Every copy whose length or addresses a contract chooses goes through this module instead, in
//! pieces of [`CHUNK_BYTES`]: libc copies a piece of that size with vector moves whatever the
//! distance between source and destination, and a 64 KiB copy made of such pieces is as fast as
//! the best `rep movsb` (measured in the same section). `memory.fill` goes through [`fill`],
//! which aligns the bulk of the fill.

/// The largest piece handed to libc in one call: below every glibc `rep_movsb_threshold` on
/// x86-64 (the smallest, with 16-byte vectors, is 2,048).
pub const CHUNK_BYTES: usize = 1024;

/// Elements of `T` in one piece (at least one).
const fn chunk_len<T>() -> usize {
    let size = core::mem::size_of::<T>();
    if size == 0 || size >= CHUNK_BYTES {
        1
    } else {
        CHUNK_BYTES / size
    }
}

/// Copies `src` into `dst`, which have the same length (as `<[T]>::copy_from_slice`, which
/// panics otherwise), in pieces of at most [`CHUNK_BYTES`].
#[inline]
pub fn copy<T: Copy>(dst: &mut [T], src: &[T]) {
    debug_assert_eq!(dst.len(), src.len());
    let c = chunk_len::<T>();
    if src.len() <= c {
        dst.copy_from_slice(src);
        return;
    }
    for (d, s) in dst.chunks_mut(c).zip(src.chunks(c)) {
        d.copy_from_slice(s);
    }
}

/// Copies `items[src..src + n]` to `items[dst..dst + n]`; the two ranges may overlap (as
/// `<[T]>::copy_within`, which panics when either range is out of bounds). Pieces go from the
/// front when the destination is below the source and from the back otherwise, so no piece
/// reads what an earlier piece wrote.
#[inline]
pub fn copy_within<T: Copy>(items: &mut [T], src: usize, dst: usize, n: usize) {
    let c = chunk_len::<T>();
    if n <= c {
        items.copy_within(src..src + n, dst);
    } else if dst <= src {
        let mut done = 0;
        while done < n {
            let k = c.min(n - done);
            items.copy_within(src + done..src + done + k, dst + done);
            done += k;
        }
    } else {
        let mut left = n;
        while left > 0 {
            let k = c.min(left);
            let start = left - k;
            items.copy_within(src + start..src + left, dst + start);
            left = start;
        }
    }
}

/// The alignment [`fill`] gives the bulk of a fill.
const FILL_ALIGN: usize = 64;

/// Sets every byte of `dst` to `value`: the bytes before the first 64-byte boundary first, then
/// the rest from that boundary. glibc's `memset` (`rep stosb` from 2 KiB) runs 2.5–4 times slower
/// on the reference machine when the destination is not 64-byte aligned, and `memory.fill`'s
/// destination is a contract's choice.
#[inline]
pub fn fill(dst: &mut [u8], value: u8) {
    let head = dst.as_ptr().align_offset(FILL_ALIGN).min(dst.len());
    let (first, rest) = dst.split_at_mut(head);
    first.fill(value);
    rest.fill(value);
}

/// Appends `src` to `out` in pieces of at most [`CHUNK_BYTES`].
#[inline]
pub fn extend(out: &mut Vec<u8>, src: &[u8]) {
    out.reserve(src.len());
    for s in src.chunks(CHUNK_BYTES) {
        out.extend_from_slice(s);
    }
}

/// A copy of `src` in a new vector, made in pieces of at most [`CHUNK_BYTES`].
#[inline]
pub fn to_vec(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    extend(&mut out, src);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every overlap direction and distance around a piece's size agrees with the standard
    /// library's single `copy_within`.
    #[test]
    fn copy_within_matches_the_standard_copy() {
        let base: Vec<u32> = (0..4096u32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        for n in [0usize, 1, 255, 256, 257, 1000, 2048] {
            for (src, dst) in [(0usize, 0usize), (0, 1), (1, 0), (0, 255), (300, 0), (0, 2048), (2048, 1), (7, 1500)] {
                if src + n > base.len() || dst + n > base.len() {
                    continue;
                }
                let mut ours = base.clone();
                let mut theirs = base.clone();
                copy_within(&mut ours, src, dst, n);
                theirs.copy_within(src..src + n, dst);
                assert_eq!(ours, theirs, "n {n}, src {src}, dst {dst}");
            }
        }
    }

    #[test]
    fn fill_sets_every_byte_at_every_alignment() {
        let mut buf = vec![1u8; 300];
        for start in 0..70 {
            for len in [0usize, 1, 63, 64, 65, 200] {
                buf.fill(1);
                fill(&mut buf[start..start + len], 7);
                assert!(buf[start..start + len].iter().all(|b| *b == 7), "start {start}, len {len}");
                assert!(buf[..start].iter().chain(&buf[start + len..]).all(|b| *b == 1), "start {start}, len {len}");
            }
        }
    }

    #[test]
    fn copies_and_appends_every_byte() {
        let src: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 256) as u8).collect();
        for n in [0usize, 1, 1023, 1024, 1025, 5000] {
            let mut dst = vec![0u8; n];
            copy(&mut dst, &src[..n]);
            assert_eq!(dst, &src[..n]);
            assert_eq!(to_vec(&src[..n]), &src[..n]);
            let mut out = vec![9u8];
            extend(&mut out, &src[..n]);
            assert_eq!(out[0], 9);
            assert_eq!(&out[1..], &src[..n]);
        }
    }
}
