//! Safe wrappers for every function of host ABI v1 (`tally_host_v1`, see `host-env/ABI.md`).
//!
//! Every function here is one host call (two for a [`storage_get`] of a value larger than
//! [`STORAGE_READ_BUFFER`]), and each costs gas as `ABI.md` specifies. They work only inside a
//! contract running on wasm32; on other targets they panic.
//!
//! State-changing functions ([`storage_set`], [`storage_remove`], [`emit_event`]) abort with
//! [`abort_code::WRITE_IN_VIEW`](crate::abort_code::WRITE_IN_VIEW) while a `#[view]` method runs
//! (see [`dispatch`](crate::dispatch)); in a host-level query the host itself traps them with
//! `read_only`.

use alloc::vec::Vec;

use parity_scale_codec::Encode;

use crate::sys;
use crate::Address;

/// The capacity of the first `storage_read` of [`storage_get`]: values up to this many bytes
/// are read in one host call, larger ones with a second call for the rest.
pub const STORAGE_READ_BUFFER: usize = 128;

/// The `storage_read` result for an absent key.
const ABSENT: u32 = u32::MAX;

/// The whole call input (for an SDK contract: selector ‖ SCALE-encoded arguments).
pub fn input() -> Vec<u8> {
    // SAFETY: the host writes exactly `len` bytes into the buffer's spare capacity, which has
    // room for them, before `set_len` exposes them.
    unsafe {
        let len = sys::input_len();
        let mut buf = crate::bytes::with_capacity(len as usize);
        if len > 0 {
            sys::input_read(buf.as_mut_ptr(), 0, len);
        }
        buf.set_len(len as usize);
        buf
    }
}

/// Sets the return data of this execution (the last call wins); execution continues.
pub fn return_data(data: &[u8]) {
    // SAFETY: the pointer and length describe a live slice.
    unsafe { sys::return_set(data.as_ptr(), data.len() as u32) }
}

/// Stops with status `Reverted` and `data` as the revert data; this frame's writes and events
/// are discarded.
pub fn revert(data: &[u8]) -> ! {
    // SAFETY: the pointer and length describe a live slice.
    unsafe { sys::revert(data.as_ptr(), data.len() as u32) }
}

/// [`revert`] with the SCALE encoding of `error` as the revert data.
pub fn revert_with<E: Encode + ?Sized>(error: &E) -> ! {
    revert(&crate::bytes::encode(error))
}

/// Stops with status `Aborted(code)`. Codes `0..=255` are reserved for the SDK
/// ([`abort_code`](crate::abort_code)); use larger ones for your own.
pub fn abort(code: u32) -> ! {
    // SAFETY: no memory is passed.
    unsafe { sys::abort(code) }
}

/// Reads the value under `key` of this contract's storage, `None` if absent.
///
/// One host call for values up to [`STORAGE_READ_BUFFER`] bytes; a larger value is re-read
/// from the offset where the first read stopped (the host charges the value's length again).
pub fn storage_get(key: &[u8]) -> Option<Vec<u8>> {
    let mut buf = crate::bytes::with_capacity(STORAGE_READ_BUFFER);
    // SAFETY: the host writes at most `cap` bytes at `dst`, and `cap` never exceeds the spare
    // capacity; `set_len` only covers bytes the host wrote.
    unsafe {
        let len = sys::storage_read(key.as_ptr(), key.len() as u32, buf.as_mut_ptr(), STORAGE_READ_BUFFER as u32, 0);
        if len == ABSENT {
            return None;
        }
        let len = len as usize;
        if len <= STORAGE_READ_BUFFER {
            buf.set_len(len);
            return Some(buf);
        }
        buf.set_len(STORAGE_READ_BUFFER);
        // A new buffer of the exact length rather than `reserve_exact`: the growth path is
        // larger code, and every load of every contract pays for its code by the byte.
        let mut value = crate::bytes::with_capacity(len);
        core::ptr::copy_nonoverlapping(buf.as_ptr(), value.as_mut_ptr(), STORAGE_READ_BUFFER);
        let rest = (len - STORAGE_READ_BUFFER) as u32;
        sys::storage_read(
            key.as_ptr(),
            key.len() as u32,
            value.as_mut_ptr().add(STORAGE_READ_BUFFER),
            rest,
            STORAGE_READ_BUFFER as u32,
        );
        value.set_len(len);
        Some(value)
    }
}

/// Reads the value under `key` into `dst` from byte `offset` of the value; returns the
/// value's full length (`None` if absent). Copies `min(dst.len(), len − offset)` bytes.
pub fn storage_read_into(key: &[u8], dst: &mut [u8], offset: u32) -> Option<u32> {
    // SAFETY: the host writes at most `dst.len()` bytes into `dst`.
    let len = unsafe { sys::storage_read(key.as_ptr(), key.len() as u32, dst.as_mut_ptr(), dst.len() as u32, offset) };
    (len != ABSENT).then_some(len)
}

/// Sets `key` to `value` in this contract's storage.
pub fn storage_set(key: &[u8], value: &[u8]) {
    crate::dispatch::ensure_writable();
    // SAFETY: both slices are live.
    unsafe { sys::storage_write(key.as_ptr(), key.len() as u32, value.as_ptr(), value.len() as u32) }
}

/// Removes `key` from this contract's storage (absent is fine).
pub fn storage_remove(key: &[u8]) {
    crate::dispatch::ensure_writable();
    // SAFETY: the slice is live.
    unsafe { sys::storage_remove(key.as_ptr(), key.len() as u32) }
}

/// Whether `key` is present in this contract's storage (cheaper than reading it).
pub fn storage_has(key: &[u8]) -> bool {
    // SAFETY: the slice is live.
    unsafe { sys::storage_has(key.as_ptr(), key.len() as u32) != 0 }
}

/// `f` must write all 32 bytes at the pointer it is given.
fn address_from(f: impl FnOnce(*mut u8)) -> Address {
    // Not zeroed first: the host writes every byte, and zeroing 32 bytes is code that every
    // load pays for by the byte.
    let mut a = core::mem::MaybeUninit::<[u8; 32]>::uninit();
    f(a.as_mut_ptr().cast());
    // SAFETY: `f` wrote all 32 bytes (each caller's host function does).
    Address(unsafe { a.assume_init() })
}

/// The immediate caller: the account for a top-level call, the calling contract for a nested one.
pub fn caller() -> Address {
    // SAFETY: the host writes exactly 32 bytes to the 32-byte buffer.
    address_from(|p| unsafe { sys::caller(p) })
}

/// This contract's address.
pub fn self_address() -> Address {
    // SAFETY: the host writes exactly 32 bytes to the 32-byte buffer.
    address_from(|p| unsafe { sys::self_address(p) })
}

/// The account that signed the transaction (the top-level caller).
pub fn origin() -> Address {
    // SAFETY: the host writes exactly 32 bytes to the 32-byte buffer.
    address_from(|p| unsafe { sys::origin(p) })
}

/// The block height.
pub fn block_height() -> u64 {
    // SAFETY: no memory is passed.
    unsafe { sys::block_height() }
}

/// The block time, in seconds since the Unix epoch, as the block producer set it.
pub fn block_time() -> u64 {
    // SAFETY: no memory is passed.
    unsafe { sys::block_time() }
}

/// The chain's identifier.
pub fn chain_id() -> u64 {
    // SAFETY: no memory is passed.
    unsafe { sys::chain_id() }
}

/// Gas left, after this call's own charge.
pub fn gas_left() -> u64 {
    // SAFETY: no memory is passed.
    unsafe { sys::gas_left() }
}

/// Emits a raw event with up to four 32-byte `topics` and `data` (prefer
/// [`event::emit`](crate::event::emit) with a `#[event]` type).
pub fn emit_event(topics: &[[u8; 32]], data: &[u8]) {
    crate::dispatch::ensure_writable();
    // SAFETY: `topics` is `topics.len() * 32` contiguous bytes; `data` is live.
    unsafe { sys::emit_event(topics.as_ptr().cast(), topics.len() as u32, data.as_ptr(), data.len() as u32) }
}

/// Keccak-256 of `data`, computed by the host (and charged per 136-byte block). For constant
/// inputs prefer the compile-time [`const_keccak256`](crate::selector::const_keccak256).
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    // Not zeroed first (smaller code): the host writes all 32 bytes.
    let mut out = core::mem::MaybeUninit::<[u8; 32]>::uninit();
    // SAFETY: the host reads `data` and writes exactly 32 bytes to `out`, so it is initialized.
    unsafe {
        sys::keccak256(data.as_ptr(), data.len() as u32, out.as_mut_ptr().cast());
        out.assume_init()
    }
}

/// Writes a line to the execution's debug log (never hashed; capped per transaction).
pub fn debug_log(message: &str) {
    // SAFETY: the slice is live.
    unsafe { sys::debug_log(message.as_ptr(), message.len() as u32) }
}

/// Calls export `method` of `contract` with `input`, giving it at most `gas` (`u64::MAX`: all
/// that is left) and the ABI `flags`; returns the raw status code (0 = ok). The callee's return
/// (or revert) data is then readable with [`call_output`]. Prefer
/// [`CallBuilder`](crate::call::CallBuilder).
pub fn call_raw(contract: &Address, method: &str, input: &[u8], gas: u64, flags: u32) -> u32 {
    // SAFETY: every pointer/length pair describes a live slice; the address is 32 bytes.
    unsafe {
        sys::call(
            contract.0.as_ptr(),
            method.as_ptr(),
            method.len() as u32,
            input.as_ptr(),
            input.len() as u32,
            gas,
            flags,
        )
    }
}

/// The return (or revert) data of the last cross-contract call this frame made.
pub fn call_output() -> Vec<u8> {
    // SAFETY: the host writes exactly `len` bytes into spare capacity of that size.
    unsafe {
        let len = sys::return_data_len();
        let mut buf = crate::bytes::with_capacity(len as usize);
        if len > 0 {
            sys::return_data_read(buf.as_mut_ptr(), 0, len);
        }
        buf.set_len(len as usize);
        buf
    }
}

/// Creates a contract from `code` (see `host-env/ABI.md`, "Creating contracts") at the address
/// derived from this contract, `salt` and the code's hash, runs its export `method` (none when
/// empty) with `input` and at most `gas`, and returns the raw status code (0 = ok) with the new
/// address (written whenever the code was within the size limit). The initializer's return or
/// revert data is then readable with [`call_output`]. Prefer
/// [`CreateBuilder`](crate::install::CreateBuilder) or a typed reference's `create`.
pub fn create_raw(code: &[u8], salt: &[u8; 32], method: &str, input: &[u8], gas: u64) -> (u32, Address) {
    crate::dispatch::ensure_writable();
    let mut address = [0u8; 32];
    // SAFETY: every pointer/length pair describes a live slice; the salt is 32 bytes and the host
    // writes exactly 32 bytes to `address`.
    let status = unsafe {
        sys::create(
            code.as_ptr(),
            code.len() as u32,
            salt.as_ptr(),
            method.as_ptr(),
            method.len() as u32,
            input.as_ptr(),
            input.len() as u32,
            gas,
            address.as_mut_ptr(),
        )
    };
    (status, Address(address))
}

/// Replaces this contract's code with `code` and runs the new code's export `method` (none when
/// empty) with `input` and at most `gas` (see `host-env/ABI.md`, "Replacing code"); returns the
/// raw status code (0 = ok). Prefer [`install::set_code`](crate::install::set_code).
pub fn set_code_raw(code: &[u8], method: &str, input: &[u8], gas: u64) -> u32 {
    crate::dispatch::ensure_writable();
    // SAFETY: every pointer/length pair describes a live slice.
    unsafe {
        sys::set_code(
            code.as_ptr(),
            code.len() as u32,
            method.as_ptr(),
            method.len() as u32,
            input.as_ptr(),
            input.len() as u32,
            gas,
        )
    }
}
