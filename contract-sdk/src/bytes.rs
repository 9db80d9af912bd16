//! The byte buffers the SDK fills: SCALE encodings (storage values and keys, call inputs, event
//! data, return and revert data) and the bytes it reads from the host (input, storage values,
//! a callee's return data).
//!
//! They are ordinary `Vec<u8>`s, but allocated and grown here rather than through `Vec`'s own
//! methods: `Vec::with_capacity`, `extend_from_slice` and `parity-scale-codec`'s `Output for
//! Vec<u8>` bring `RawVec`'s generic growth and error-reporting paths (about 900 bytes of wasm
//! in the escrow example) into every contract, and every load of a contract pays for its code
//! by the byte. Here one small function grows a buffer through the global allocator's
//! `realloc` (in place for the SDK's bump allocator, whose most recent block a growing buffer
//! usually is), and running out of memory aborts with
//! [`abort_code::OUT_OF_MEMORY`](crate::abort_code::OUT_OF_MEMORY), as the bump allocator does.

use alloc::vec::Vec;
use core::alloc::Layout;

use parity_scale_codec::{Encode, Output};

use crate::{abort_code, env};

/// Aborts with [`abort_code::OUT_OF_MEMORY`].
#[cold]
fn out_of_memory() -> ! {
    env::abort(abort_code::OUT_OF_MEMORY)
}

/// The layout of `size` bytes, aborting when no allocation can have that size (over
/// `isize::MAX`, which `Layout` refuses for alignment 1).
fn layout(size: usize) -> Layout {
    match Layout::from_size_align(size, 1) {
        Ok(layout) => layout,
        Err(_) => out_of_memory(),
    }
}

/// An empty `Vec<u8>` with room for exactly `capacity` bytes.
pub(crate) fn with_capacity(capacity: usize) -> Vec<u8> {
    if capacity == 0 {
        return Vec::new();
    }
    // SAFETY: the layout's size is not zero.
    let ptr = unsafe { alloc::alloc::alloc(layout(capacity)) };
    if ptr.is_null() {
        out_of_memory()
    }
    // SAFETY: `ptr` is a block of the global allocator with `u8`'s alignment and `capacity`
    // bytes, as `Vec<u8>` would have allocated it; no byte is in use yet.
    unsafe { Vec::from_raw_parts(ptr, 0, capacity) }
}

/// Makes room in `v` for `extra` more bytes: at least doubles its capacity, so a buffer
/// filled piece by piece is copied a logarithmic number of times at most (never, while it is
/// the bump allocator's most recent block).
#[inline(never)]
fn grow(v: &mut Vec<u8>, extra: usize) {
    let len = v.len();
    let Some(needed) = len.checked_add(extra) else { out_of_memory() };
    // `capacity() <= isize::MAX`, so doubling it does not overflow.
    let capacity = needed.max(v.capacity() * 2);
    let new_layout = layout(capacity);
    let old = core::mem::take(v);
    let ptr = if old.capacity() == 0 {
        // SAFETY: `capacity >= needed > len`, so the layout's size is not zero.
        unsafe { alloc::alloc::alloc(new_layout) }
    } else {
        let mut old = core::mem::ManuallyDrop::new(old);
        // SAFETY: `old` owns a block of the global allocator of `old.capacity()` bytes with
        // alignment 1 (it was allocated as a `Vec<u8>` or by `with_capacity`), which `realloc`
        // takes over; the new size is non-zero and a valid layout's.
        unsafe { alloc::alloc::realloc(old.as_mut_ptr(), layout(old.capacity()), capacity) }
    };
    if ptr.is_null() {
        out_of_memory()
    }
    // SAFETY: `ptr` is a block of `capacity` bytes (alignment 1) whose first `len` bytes are
    // the old contents (copied by `realloc`; none when the old capacity was zero, then `len` is
    // zero too).
    *v = unsafe { Vec::from_raw_parts(ptr, len, capacity) };
}

/// Appends `bytes` to `v` (`extend_from_slice`).
pub(crate) fn append(v: &mut Vec<u8>, bytes: &[u8]) {
    if v.capacity() - v.len() < bytes.len() {
        grow(v, bytes.len());
    }
    let len = v.len();
    // SAFETY: there is room for `bytes` after the `len` bytes in use (just made, if not
    // before); a live slice does not overlap the vector's spare capacity.
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr().add(len), bytes.len());
        v.set_len(len + bytes.len());
    }
}

/// A copy of `bytes` in a new buffer of exactly their length (`to_vec`).
pub(crate) fn to_vec(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    append(&mut v, bytes);
    v
}

/// The SCALE encoder's output into a `Vec<u8>`, through [`append`].
pub(crate) struct Out<'a>(pub(crate) &'a mut Vec<u8>);

impl Output for Out<'_> {
    fn write(&mut self, bytes: &[u8]) {
        append(self.0, bytes)
    }
}

/// Appends the SCALE encoding of `value` to `v` (`value.encode_to(v)`).
pub(crate) fn encode_to<T: Encode + ?Sized>(value: &T, v: &mut Vec<u8>) {
    value.encode_to(&mut Out(v))
}

/// The SCALE encoding of `value` (`value.encode()`).
pub fn encode<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut v = Vec::new();
    encode_to(value, &mut v);
    v
}

/// `f` of the SCALE encoding of `value` (`value.using_encoded(f)`).
pub fn with_encoded<T: Encode + ?Sized, R>(value: &T, f: impl FnOnce(&[u8]) -> R) -> R {
    f(&encode(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use parity_scale_codec::Compact;

    #[test]
    fn encodings_are_parity_scale_codecs() {
        fn same<T: Encode>(value: T) {
            assert_eq!(encode(&value), value.encode());
            with_encoded(&value, |bytes| assert_eq!(bytes, &value.encode()[..]));
            let mut v = vec![1, 2, 3];
            encode_to(&value, &mut v);
            assert_eq!(v, [&[1, 2, 3][..], &value.encode()].concat());
        }
        same(());
        same(7u8);
        same(u128::MAX);
        same(Compact(1u32 << 20));
        same((String::from("name"), [9u8; 32], Some(5u64)));
        same(vec![String::from("x"); 100]);
        same(Vec::<u8>::new());
    }

    #[test]
    fn buffers_grow_and_keep_their_contents() {
        let mut v = with_capacity(3);
        assert_eq!((v.len(), v.capacity()), (0, 3));
        let mut expected = Vec::new();
        for i in 0..300u32 {
            let piece: Vec<u8> = (0..(i % 7) as u8).map(|b| b ^ i as u8).collect();
            append(&mut v, &piece);
            expected.extend_from_slice(&piece);
            assert_eq!(v, expected);
            assert!(v.capacity() >= v.len());
        }
        assert_eq!(to_vec(&expected), expected);
        assert_eq!(to_vec(&[]), Vec::<u8>::new());
        assert_eq!(with_capacity(0).capacity(), 0);
        let mut empty = Vec::new();
        append(&mut empty, &[]);
        assert!(empty.is_empty());
    }
}
