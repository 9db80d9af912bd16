//! Static scratch buffers (linear memory on wasm) lent to one caller at a time.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// A value in static memory that [`Scratch::with`] lends out exclusively.
///
/// On wasm (single-threaded) the flag is a plain load/store; natively it keeps tests that call
/// the guests from several threads correct.
pub(crate) struct Scratch<T> {
    busy: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is only reached through `with`, which holds `busy` for the whole borrow.
unsafe impl<T: Send> Sync for Scratch<T> {}

/// Releases the flag even if the closure unwinds (native builds only unwind).
struct Release<'a>(&'a AtomicBool);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl<T> Scratch<T> {
    /// Wraps `value`.
    pub(crate) const fn new(value: T) -> Self {
        Self { busy: AtomicBool::new(false), data: UnsafeCell::new(value) }
    }

    /// Runs `f` with exclusive access to the value, waiting while another thread holds it.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        while self.busy.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            core::hint::spin_loop();
        }
        let _release = Release(&self.busy);
        // SAFETY: `busy` was false and is now ours until `_release` drops, so no other
        // reference to `data` exists.
        f(unsafe { &mut *self.data.get() })
    }
}
