//! Write Tally smart contracts in Rust.
//!
//! ```ignore
//! #![no_std]
//! extern crate alloc;
//!
//! #[tally_sdk::contract]
//! mod counter {
//!     use tally_sdk::prelude::*;
//!
//!     #[storage]
//!     pub struct Counter {
//!         count: Item<u64>,
//!         owners: Map<Address, bool>,
//!     }
//!
//!     #[event]
//!     pub struct Bumped {
//!         #[topic]
//!         by: Address,
//!         count: u64,
//!     }
//!
//!     #[derive(Encode, Decode)]
//!     pub enum Error {
//!         NotOwner,
//!     }
//!
//!     impl Counter {
//!         #[init]
//!         pub fn init(&mut self, start: u64) {
//!             self.count.set(&start);
//!             self.owners.insert(&env::caller(), &true);
//!         }
//!
//!         #[call]
//!         pub fn bump(&mut self) -> Result<u64, Error> {
//!             let by = env::caller();
//!             if !self.owners.get_or_default(&by) {
//!                 return Err(Error::NotOwner); // reverts with SCALE(Error::NotOwner)
//!             }
//!             let count = self.count.get_or_default() + 1;
//!             self.count.set(&count);
//!             emit(&Bumped { by, count });
//!             Ok(count)
//!         }
//!
//!         #[view]
//!         pub fn get(&self) -> u64 {
//!             self.count.get_or_default()
//!         }
//!     }
//! }
//! ```
//!
//! Build it as a `cdylib` for `wasm32-unknown-unknown` (`tally-sdk-build` does that). The
//! module exports `deploy` and `call` ([`dispatch`] describes the convention). Off wasm32 the
//! module also has `counter::metadata()`: methods, events and a type registry (the format is
//! `tally-sdk-metadata`'s), which `tally-sdk-build` writes into the wasm module as the custom
//! section `tally.metadata`.
//!
//! The pieces:
//!
//! - [`env`](mod@env): one safe function per host ABI v1 import (`tally_host_v1`).
//! - [`storage`]: lazily loaded typed storage, [`Item`] and [`Map`].
//! - [`event`]: the [`Event`] trait and [`emit`].
//! - [`install`]: creating contracts ([`CreateBuilder`], a typed reference's `create`) and
//!   replacing the running contract's code ([`install::set_code`], `#[migrate]`).
//! - [`call`]: typed cross-contract calls: the typed references `#[contract]` generates
//!   ([`ContractRef`]), [`CallBuilder`], [`CallError`].
//! - `client` (off wasm32): typed test clients, which `#[contract]` also generates, and the
//!   `Chain` they run on.
//! - [`selector`](mod@selector): `keccak256(name)[..4]` at compile time ([`selector!`]).
//! - [`u256`](mod@u256): [`U256`] with checked arithmetic and [`MulDiv`] (`a · b / c` at full
//!   width, rounded down or up).
//! - [`dispatch`]: the entry-point convention and the generated code's runtime support.
//! - On wasm32: a panic handler that aborts with [`abort_code::PANIC`] (feature
//!   `panic-handler`) and a deterministic bump allocator (feature `allocator`).
//!
//! Everything is SCALE-encoded (`parity-scale-codec`, re-exported as [`scale`]): arguments,
//! return values, errors, storage values and keys, event data.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

extern crate alloc;
// Off wasm32 (tests, and contract crates built natively as dependencies of their tests) std
// provides the panic handler and allocator, so a contract's native `cdylib` links.
#[cfg(all(not(target_arch = "wasm32"), not(test)))]
extern crate std;

mod bytes;
pub mod call;
#[cfg(not(target_arch = "wasm32"))]
pub mod client;
mod decode;
pub mod dispatch;
pub mod env;
pub mod event;
/// The metadata format (off wasm32): what `#[contract]`'s generated `metadata()` returns, and
/// its strict reader. See `tally-sdk-metadata`.
#[cfg(not(target_arch = "wasm32"))]
pub use tally_sdk_metadata as metadata;
pub mod install;
mod rt;
pub mod selector;
pub mod storage;
mod sys;
pub mod u256;
mod utf8;

#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
pub use rt::bump;

pub use call::{CallBuilder, CallError, ContractRef};
pub use event::{emit, Event};
pub use install::{CreateBuilder, DeployError};
pub use parity_scale_codec as scale;
pub use selector::selector;
pub use storage::{Item, Map};
pub use u256::{MulDiv, U256};

/// Marks a contract module; see the crate docs and `tally-sdk-macros`.
pub use tally_sdk_macros::contract;

/// The abort codes the SDK uses (`Status::Aborted(code)`). Codes `0..=255` are reserved for the
/// SDK; contracts calling [`env::abort`] should use larger ones.
pub mod abort_code {
    /// A Rust panic (the SDK's panic handler).
    pub const PANIC: u32 = 1;
    /// A storage write, removal or event during a `#[view]` method.
    pub const WRITE_IN_VIEW: u32 = 2;
    /// A stored value did not decode as the type its `Item`/`Map` declares.
    pub const STORAGE_CORRUPT: u32 = 3;
    /// The allocator could not grow memory.
    pub const OUT_OF_MEMORY: u32 = 4;
    /// The `migrate` export was called by someone other than the contract itself (only
    /// [`install::set_code`](crate::install::set_code) runs it legitimately).
    pub const MIGRATE_NOT_SELF: u32 = 5;
}

/// The abort code of a panic, [`abort_code::PANIC`].
pub const PANIC_CODE: u32 = abort_code::PANIC;

/// A 32-byte account or contract address (SCALE: the 32 bytes as they are). The same type as
/// the host's `tally_host_env::Address` (both are `tally_digest::Address`), so a contract's types
/// are used unchanged in its tests.
pub use tally_digest::Address;

/// Everything a contract module usually needs: `use tally_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::call::{CallBuilder, CallError, ContractRef};
    pub use crate::dispatch::DispatchError;
    pub use crate::env;
    pub use crate::event::{emit, Event};
    pub use crate::install::{CreateBuilder, DeployError};
    pub use crate::scale::{Decode, Encode};
    pub use crate::storage::{Item, Map};
    pub use crate::u256::{MulDiv, U256};
    pub use crate::{abort_code, selector, Address};
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

/// Re-exports for the code the `#[contract]` macro generates; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bytes::{encode, with_encoded};
    pub use crate::dispatch;
    pub use crate::event::topic_of;
    pub use crate::selector::{const_keccak256, selector};
    pub use crate::storage::{Field, Layout};
    #[cfg(not(target_arch = "wasm32"))]
    pub use scale_info::{self, TypeInfo};
    #[cfg(not(target_arch = "wasm32"))]
    pub use tally_sdk_metadata as metadata;
}
