//! Chooses the dispatch backend.
//!
//! Threaded tail-call dispatch relies on LLVM turning each handler's final call into a jump,
//! which only happens with optimizations on. Unoptimized builds, and builds with the
//! `portable-dispatch` feature, use a loop that calls one handler per step instead.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tally_portable)");
    println!("cargo::rerun-if-changed=build.rs");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let portable = std::env::var_os("CARGO_FEATURE_PORTABLE_DISPATCH").is_some();
    if portable || opt == "0" || opt == "1" {
        println!("cargo::rustc-cfg=tally_portable");
    }
}
