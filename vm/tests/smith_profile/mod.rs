//! What the differential tests against wasmi share: the wasm-smith configuration of Tally's
//! profile, the guard against a known wasmi bug, and the knobs read from the environment.

// Each test target compiles this module on its own and uses only part of it.
#![allow(dead_code)]

/// wasm-smith restricted to Tally's profile (WebAssembly 2.0 without SIMD), with no imports and
/// every item exported so results and state are observable. Callers set the size bounds.
pub fn profile_config() -> wasm_smith::Config {
    wasm_smith::Config {
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        custom_descriptors_enabled: false,
        tail_call_enabled: false,
        extended_const_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        // A post-2.0 encoding of the import section (wasm-smith enables it by default).
        compact_imports_enabled: false,
        max_memories: 1,
        max_tables: 2,
        allow_floats: true,
        canonicalize_nans: false,
        disallow_traps: false,
        max_imports: 0,
        min_imports: 0,
        export_everything: true,
        // At least one type, or `min_funcs` has no signature to use.
        min_types: 1,
        min_funcs: 1,
        generate_custom_sections: false,
        ..wasm_smith::Config::default()
    }
}

/// Whether `wasm` contains a `select` whose condition comes straight from `i32.eqz`, `i32.eq` or
/// `i32.ne`: wasmi 2.0.0 fuses such a comparison (with zero) into the `select` and then may read
/// its condition from a stale register, picking the wrong operand when another computed value is
/// on the stack. Example (Tally gives 1, the spec value; wasmi 2.0.0 gives 8):
///
/// ```wat
/// (func (param i32 i32) (result i32)
///   local.get 1 i32.eqz                           ;; a computed value below: 1
///   i32.const 0 i32.const 7 local.get 0 i32.eqz   ;; condition 1: selects 0
///   select
///   i32.add)                                      ;; called with (0, 0)
/// ```
pub fn has_wasmi_select_hazard(wasm: &[u8]) -> bool {
    use wasmparser::{Operator, Payload};
    for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
        let Ok(Payload::CodeSectionEntry(body)) = payload else { continue };
        let Ok(mut ops) = body.get_operators_reader() else { continue };
        let mut previous_is_cmp = false;
        while !ops.eof() {
            let Ok(op) = ops.read() else { break };
            let is_select = matches!(op, Operator::Select | Operator::TypedSelect { .. });
            if is_select && previous_is_cmp {
                return true;
            }
            previous_is_cmp = matches!(op, Operator::I32Eqz | Operator::I32Eq | Operator::I32Ne);
        }
    }
    false
}

/// Native stack for threads that run wasmi 2.0.0 on random modules. Its `memory.grow` and
/// `table.grow` handlers are not tail calls on stable Rust (wasmi-labs/wasmi#1946), so every
/// executed grow leaves a native frame (about 180 bytes) until the outermost call returns: a
/// loop that grows memory overflows a default 2 MiB test thread after ~11k iterations. The
/// reservation is virtual; only the pages a case really touches are committed.
pub const WASMI_THREAD_STACK: usize = 1 << 30;

/// Runs `f` on a thread with [`WASMI_THREAD_STACK`] bytes of stack, re-raising its panic.
pub fn on_large_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("wasmi-large-stack".into())
            .stack_size(WASMI_THREAD_STACK)
            .spawn_scoped(s, f)
            .expect("spawn a large-stack thread");
        handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The proptest seed: `PROPTEST_RNG_SEED` when set (to explore), else a fixed one, so CI runs
/// the same cases every time and a failure reproduces from its log.
pub fn rng_seed() -> proptest::test_runner::RngSeed {
    let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x7a11_7a11);
    proptest::test_runner::RngSeed::Fixed(seed)
}

/// Reads a numeric knob from the environment; a value that is set but not a number is a
/// mistake, not a reason to fall back to the default.
pub fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(value.trim().parse().unwrap_or_else(|_| panic!("{name}={value:?} is not a number")))
}
