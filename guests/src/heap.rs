//! Working memory lent to one guest call at a time, sized to the call.
//!
//! On wasm the buffer lives past `__heap_base` and the module grows its memory (`memory.grow`)
//! only as far as the call needs: the guests start with one page, as an SDK contract does, and a
//! `sieve(100_000)` runs in three. Loads and stores cost more the larger the memory
//! (gas-injector SPEC.md, "Memory accesses"), so static buffers sized for the largest benchmark
//! would make every run of these reference workloads pay for memory it never touches, unlike a
//! contract. Natively the buffer is an ordinary allocation.

/// Element types whose every bit pattern is a valid value, so memory left behind by an earlier
/// call (or fresh, zeroed memory) can be lent out without initialising it first. The workloads
/// write every element they read.
///
/// # Safety
/// Implementors must be plain data: no padding, no invalid bit patterns, no drop glue.
pub(crate) unsafe trait AnyBits: Copy + Default {}

// SAFETY: integers and floats are valid for every bit pattern.
unsafe impl AnyBits for u8 {}
// SAFETY: as above.
unsafe impl AnyBits for f64 {}

/// Runs `f` with a buffer of `len` elements of `T`, growing linear memory to hold it on wasm.
///
/// The contents are unspecified (zero or left by an earlier call): callers write before they read.
/// Traps (wasm) or aborts the allocation (native) if memory cannot hold `len` elements; callers
/// bound `len` by their `*_MAX` constant.
#[cfg(target_arch = "wasm32")]
pub(crate) fn with_buffer<T: AnyBits, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    use core::arch::wasm32::{memory_grow, memory_size, unreachable};
    use core::sync::atomic::{AtomicBool, Ordering};

    const PAGE: usize = 65_536;
    extern "C" {
        /// Set by the linker: the first byte past the stack and the static data.
        static __heap_base: u8;
    }
    /// Guards against a nested call handing out the same memory twice (no guest does this).
    static BUSY: AtomicBool = AtomicBool::new(false);

    if BUSY.swap(true, Ordering::Acquire) {
        unreachable();
    }
    // Only the address of the linker symbol is taken, never its value.
    let base = core::ptr::addr_of!(__heap_base) as usize;
    let start = base.next_multiple_of(core::mem::align_of::<T>());
    let Some(end) = len.checked_mul(core::mem::size_of::<T>()).and_then(|bytes| start.checked_add(bytes)) else {
        unreachable()
    };
    let have = memory_size(0) * PAGE;
    if end > have && memory_grow(0, (end - have).div_ceil(PAGE)) == usize::MAX {
        unreachable();
    }
    // SAFETY: `start..end` is inside linear memory (grown above), aligned for `T`, past all
    // static data and the stack, and lent to nobody else while `BUSY` is set; `T: AnyBits`
    // makes whatever bytes are there valid values.
    let buffer = unsafe { core::slice::from_raw_parts_mut(start as *mut T, len) };
    let result = f(buffer);
    BUSY.store(false, Ordering::Release);
    result
}

/// Runs `f` with a buffer of `len` default elements of `T` (the native build).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn with_buffer<T: AnyBits, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    f(&mut vec![T::default(); len])
}
