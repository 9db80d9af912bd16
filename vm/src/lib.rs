//! `tally-vm`: a deterministic WebAssembly interpreter for smart contracts.
//!
//! ```
//! use tally_vm::{Caller, Config, Engine, Linker, Module, Store};
//!
//! let wasm = wat::parse_str(r#"
//!     (module
//!       (import "env" "double" (func $double (param i32) (result i32)))
//!       (func (export "run") (param i32) (result i32)
//!         (i32.add (call $double (local.get 0)) (i32.const 1))))
//! "#).unwrap();
//! let engine = Engine::new(Config::default());
//! let module = Module::new(&engine, &wasm).unwrap();
//! let mut linker = Linker::<u32>::new(&engine);
//! linker.func_wrap("env", "double", |mut caller: Caller<'_, u32>, x: i32| {
//!     *caller.data_mut() += 1; // count host calls
//!     x * 2
//! }).unwrap();
//! let mut store = Store::new(&engine, 0u32);
//! let instance = linker.instantiate(&mut store, &module).unwrap();
//! let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
//! assert_eq!(run.call(&mut store, 20).unwrap(), 41);
//! assert_eq!(*store.data(), 1);
//! ```
//!
//! # What it guarantees
//! - **A deterministic profile.** [`Module::new`] accepts exactly WebAssembly 2.0 without SIMD
//!   (what rustc emits for `wasm32-unknown-unknown` by default; the feature set is
//!   `tally_profile::features`, which `tally-gas-injector` uses too) and rejects the rest with
//!   [`Error::UnsupportedFeature`] when it is valid WebAssembly outside the profile, or
//!   [`Error::Invalid`] when it is not, at the byte offset ([`Error::kind`], [`Error::offset`]).
//!   Validation covers the whole module before anything is accepted.
//! - **Typed host errors.** A host function may fail with any [`HostError`]; the embedder gets it
//!   back from the [`Trap`] ([`Trap::downcast_ref`], [`Trap::downcast`]).
//! - **Canonical NaNs.** Every float operation that produces a NaN produces the positive
//!   canonical NaN; bit operations (`abs`, `neg`, `copysign`, loads, stores, reinterpret) keep
//!   payloads.
//! - **Bounded resources.** Every limit lives in [`Config`]; exceeding one is a typed error or a
//!   deterministic trap, never a host-dependent failure.
//! - **No native recursion.** Wasm calls run on a heap-allocated stack; deep recursion traps
//!   with [`TrapCode::StackExhausted`].
//!
//! # How it is fast
//! Functions are translated once, in a single pass fused with validation, into a register-style
//! IR over untyped 64-bit slots (see `ARCHITECTURE.md`), and executed by threaded handlers that
//! tail-call each other.

#![warn(missing_docs)]

pub mod bytes;
#[cfg(feature = "branch-census")]
pub mod census;
mod config;
mod engine;
mod error;
mod exec;
mod externals;
mod func;
mod instance;
mod linker;
mod metering;
mod module;
mod store;
mod template;
mod value;

pub use config::Config;
pub use engine::Engine;
pub use error::{Error, ErrorKind, HostError, Trap, TrapCode};
pub use externals::{Extern, Global, Memory, Table};
pub use func::{Caller, Func, HostReturn, IntoFunc, TypedFunc, WasmTuple, WasmTy};
pub use instance::Instance;
pub use linker::Linker;
pub use module::{ExportType, ImportType, Module, SerialError, SERIAL_FORMAT_VERSION};
pub use store::Store;
#[doc(hidden)]
pub use store::StoreId;
pub use template::InstancePre;
pub use value::{ExternRef, ExternType, FuncType, GlobalType, MemoryType, RefType, TableType, Val, ValType, F32, F64};
