//! The example contracts, built for wasm32 and run on the real `Runtime` over `MemoryStorage`.

mod common;

mod build;
mod calls;
mod dispatch;
mod token;
