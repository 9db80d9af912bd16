//! Chooses the dispatch backend.
//!
//! Threaded tail-call dispatch relies on LLVM turning each handler's final call into a jump.
//! That only happens with optimizations on, and only on targets where LLVM is known to emit those
//! jumps between handlers: `x86_64` and `aarch64`. Elsewhere LLVM may emit real calls, and the
//! native stack would grow with every executed instruction (on `x86` (i686), for example, it
//! does). Every other target, unoptimized builds (`opt-level` 0 or 1) and builds with the
//! `portable-dispatch` feature set `cfg(tally_portable)`: a loop calls one handler per step and
//! each handler returns the next op to it.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tally_portable)");
    println!("cargo::rerun-if-changed=build.rs");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let portable = std::env::var_os("CARGO_FEATURE_PORTABLE_DISPATCH").is_some();
    // The target's architecture (not the host's: build scripts run on the host).
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let tail_calls_known = matches!(arch.as_str(), "x86_64" | "aarch64");
    if portable || opt == "0" || opt == "1" || !tail_calls_known {
        println!("cargo::rustc-cfg=tally_portable");
    }
}
