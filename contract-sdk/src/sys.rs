//! The raw imports of host ABI v1 (module `tally_host_v1`, see `host-env/ABI.md`).
//!
//! On `wasm32` these are the real imports. On other targets they are stubs that panic, so that
//! crates using the SDK still build (and `cargo check`/`cargo test` work) on the host.

#![allow(missing_docs)]

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "tally_host_v1")]
extern "C" {
    pub fn input_len() -> u32;
    pub fn input_read(dst: *mut u8, offset: u32, len: u32);
    pub fn return_set(ptr: *const u8, len: u32);
    pub fn revert(ptr: *const u8, len: u32) -> !;
    pub fn abort(code: u32) -> !;
    pub fn storage_read(key: *const u8, key_len: u32, dst: *mut u8, cap: u32, offset: u32) -> u32;
    pub fn storage_write(key: *const u8, key_len: u32, val: *const u8, val_len: u32);
    pub fn storage_remove(key: *const u8, key_len: u32);
    pub fn storage_has(key: *const u8, key_len: u32) -> u32;
    pub fn caller(dst: *mut u8);
    pub fn self_address(dst: *mut u8);
    pub fn origin(dst: *mut u8);
    pub fn block_height() -> u64;
    pub fn block_time() -> u64;
    pub fn chain_id() -> u64;
    pub fn gas_left() -> u64;
    pub fn emit_event(topics: *const u8, n: u32, data: *const u8, data_len: u32);
    pub fn keccak256(src: *const u8, len: u32, dst: *mut u8);
    pub fn call(
        address: *const u8,
        method: *const u8,
        method_len: u32,
        input: *const u8,
        input_len: u32,
        gas: u64,
        flags: u32,
    ) -> u32;
    pub fn return_data_len() -> u32;
    pub fn return_data_read(dst: *mut u8, offset: u32, len: u32);
    pub fn debug_log(ptr: *const u8, len: u32);
    pub fn create(
        code: *const u8,
        code_len: u32,
        salt: *const u8,
        method: *const u8,
        method_len: u32,
        input: *const u8,
        input_len: u32,
        gas: u64,
        dst: *mut u8,
    ) -> u32;
    pub fn set_code(
        code: *const u8,
        code_len: u32,
        method: *const u8,
        method_len: u32,
        input: *const u8,
        input_len: u32,
        gas: u64,
    ) -> u32;
}

#[cfg(not(target_arch = "wasm32"))]
mod stubs {
    //! Host-target stand-ins: every function panics (contracts only run on wasm32).

    #[cold]
    fn unavailable(name: &str) -> ! {
        panic!("tally_host_v1::{name} is only available when the contract runs on wasm32")
    }

    macro_rules! stub {
        ($($name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?;)*) => {$(
            /// Panics: host functions exist only on wasm32.
            ///
            /// # Safety
            /// Never unsafe to call; `unsafe` mirrors the wasm32 import.
            #[allow(unused_variables, clippy::too_many_arguments)]
            pub unsafe fn $name($($arg: $ty),*) $(-> $ret)? {
                unavailable(stringify!($name))
            }
        )*};
    }

    stub! {
        input_len() -> u32;
        input_read(dst: *mut u8, offset: u32, len: u32);
        return_set(ptr: *const u8, len: u32);
        revert(ptr: *const u8, len: u32) -> !;
        abort(code: u32) -> !;
        storage_read(key: *const u8, key_len: u32, dst: *mut u8, cap: u32, offset: u32) -> u32;
        storage_write(key: *const u8, key_len: u32, val: *const u8, val_len: u32);
        storage_remove(key: *const u8, key_len: u32);
        storage_has(key: *const u8, key_len: u32) -> u32;
        caller(dst: *mut u8);
        self_address(dst: *mut u8);
        origin(dst: *mut u8);
        block_height() -> u64;
        block_time() -> u64;
        chain_id() -> u64;
        gas_left() -> u64;
        emit_event(topics: *const u8, n: u32, data: *const u8, data_len: u32);
        keccak256(src: *const u8, len: u32, dst: *mut u8);
        call(
            address: *const u8,
            method: *const u8,
            method_len: u32,
            input: *const u8,
            input_len: u32,
            gas: u64,
            flags: u32
        ) -> u32;
        return_data_len() -> u32;
        return_data_read(dst: *mut u8, offset: u32, len: u32);
        debug_log(ptr: *const u8, len: u32);
        create(
            code: *const u8,
            code_len: u32,
            salt: *const u8,
            method: *const u8,
            method_len: u32,
            input: *const u8,
            input_len: u32,
            gas: u64,
            dst: *mut u8
        ) -> u32;
        set_code(
            code: *const u8,
            code_len: u32,
            method: *const u8,
            method_len: u32,
            input: *const u8,
            input_len: u32,
            gas: u64
        ) -> u32;
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use stubs::*;
