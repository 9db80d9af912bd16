//! What a `no_std` contract needs from its runtime on wasm32: a panic handler and a global
//! allocator, each behind a default feature (`panic-handler`, `allocator`).

/// Aborts with [`abort_code::PANIC`](crate::abort_code::PANIC): a panic (including a failed
/// `unwrap`, an overflow check or an out-of-bounds index) ends the execution with status
/// `Aborted(1)` and rolls back its writes.
#[cfg(all(target_arch = "wasm32", feature = "panic-handler"))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    crate::env::abort(crate::abort_code::PANIC)
}

#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
#[global_allocator]
static ALLOCATOR: bump::BumpAllocator = bump::BumpAllocator::new();

/// A deterministic bump allocator over the memory above `__heap_base`.
///
/// Every execution instantiates the contract afresh, so memory is never reused across calls
/// and a bump allocator is the cheapest correct choice: `alloc` rounds up and bumps, `dealloc`
/// frees only the most recent block, `realloc` of the most recent block grows it in place (so a
/// growing `Vec` does not leak). Memory grows with `memory.grow` (paid per page); when that
/// fails the contract aborts with [`abort_code::OUT_OF_MEMORY`](crate::abort_code).
#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
pub mod bump {
    use core::alloc::{GlobalAlloc, Layout};
    use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    const PAGE: usize = 65536;

    extern "C" {
        static __heap_base: u8;
    }

    /// The allocator; `next == 0` until the first allocation.
    pub struct BumpAllocator {
        next: AtomicUsize,
    }

    impl BumpAllocator {
        /// An allocator that starts at `__heap_base`.
        pub const fn new() -> Self {
            BumpAllocator { next: AtomicUsize::new(0) }
        }

        fn top(&self) -> usize {
            match self.next.load(Relaxed) {
                // Only the address of the linker-defined symbol is taken.
                0 => core::ptr::addr_of!(__heap_base) as usize,
                n => n,
            }
        }

        /// Makes memory end at or past `end`, or aborts.
        fn reserve(end: usize) {
            let have = core::arch::wasm32::memory_size(0) * PAGE;
            if end > have {
                let pages = (end - have).div_ceil(PAGE);
                if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                    crate::env::abort(crate::abort_code::OUT_OF_MEMORY)
                }
            }
        }
    }

    impl Default for BumpAllocator {
        fn default() -> Self {
            Self::new()
        }
    }

    // SAFETY: blocks are disjoint (each starts at or after the previous end, aligned), memory
    // below `end` exists (`reserve`), and wasm32 contracts are single-threaded.
    unsafe impl GlobalAlloc for BumpAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let align = layout.align();
            let Some(start) = self.top().checked_add(align - 1).map(|v| v & !(align - 1)) else {
                crate::env::abort(crate::abort_code::OUT_OF_MEMORY)
            };
            let Some(end) = start.checked_add(layout.size()) else {
                crate::env::abort(crate::abort_code::OUT_OF_MEMORY)
            };
            Self::reserve(end);
            self.next.store(end, Relaxed);
            start as *mut u8
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if ptr as usize + layout.size() == self.next.load(Relaxed) {
                self.next.store(ptr as usize, Relaxed);
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let start = ptr as usize;
            if start + layout.size() == self.next.load(Relaxed) {
                let Some(end) = start.checked_add(new_size) else {
                    crate::env::abort(crate::abort_code::OUT_OF_MEMORY)
                };
                Self::reserve(end);
                self.next.store(end, Relaxed);
                return ptr;
            }
            // SAFETY: the caller guarantees `new_size` with `layout.align()` is a valid layout.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            // SAFETY: `alloc` returns a fresh block disjoint from `ptr`'s.
            let new = unsafe { self.alloc(new_layout) };
            // SAFETY: both blocks hold at least `min(old, new)` bytes and do not overlap.
            unsafe { core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
            new
        }
    }
}
