//! The SDK's example contracts, built for wasm32 and tested on `TestChain`.

mod common;

mod amm;
mod baseline;
mod build;
mod calls;
mod chain;
mod dispatch;
mod install;
mod reproducible;
mod token;
mod wide;
