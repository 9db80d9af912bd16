//! Guest programs for Tally's tests and benchmarks.
//!
//! The same source builds two ways:
//!
//! * for `wasm32-unknown-unknown` as a `cdylib`: a `no_std` module without imports whose exports
//!   (`fib`, `sieve`, `keccak`, `matmul`, `ledger`) are pure computations over linear memory;
//! * natively as an `rlib`, so tests and benchmarks can call exactly the same functions directly
//!   and compare the interpreter's results (and speed) with native code.
//!
//! Natively the crate also provides [`build`], which compiles this crate to `.wasm` on demand.
//!
//! Every export takes one `i32` size parameter, clamps it to its `*_MAX` constant and never panics
//! on any input. The workloads that need working memory grow linear memory to the size of the call
//! (the module starts with one page, as an SDK contract does): see `heap`.
#![cfg_attr(target_arch = "wasm32", no_std)]
#![warn(missing_docs)]

#[cfg(not(target_arch = "wasm32"))]
pub mod build;
mod heap;
mod keccak;

pub use keccak::{keccak256, keccak_f1600};

use heap::{with_buffer, AnyBits};

/// Aborts the wasm instance with an `unreachable` trap; the guests have no other way to fail.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// Clamps a guest size parameter to `0..=max`.
fn clamp(n: i32, max: usize) -> usize {
    if n <= 0 {
        0
    } else {
        (n as u32 as usize).min(max)
    }
}

/// The `n`-th Fibonacci number computed by naive double recursion (call-heavy workload).
///
/// `fib(n) = n` for `n < 2`; the result wraps on overflow (from `n = 93` on, which would take
/// far too long to compute anyway).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn fib(n: i32) -> i64 {
    if n < 2 {
        n as i64
    } else {
        fib(n - 1).wrapping_add(fib(n - 2))
    }
}

/// Largest `n` accepted by [`sieve`]; larger values are clamped to it (a 400 KB buffer, 7 pages).
pub const SIEVE_MAX: usize = 400_000;

/// Counts the primes `<= n` with a sieve of Eratosthenes over an `n + 1` byte array in linear
/// memory (load/store and branch workload). `n` is clamped to `0..=`[`SIEVE_MAX`].
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn sieve(n: i32) -> i32 {
    let n = clamp(n, SIEVE_MAX);
    if n < 2 {
        return 0;
    }
    with_buffer(n + 1, |flags: &mut [u8]| {
        flags.fill(1);
        flags[0] = 0;
        flags[1] = 0;
        let mut i = 2;
        while i * i <= n {
            if flags[i] != 0 {
                let mut j = i * i;
                while j <= n {
                    flags[j] = 0;
                    j += i;
                }
            }
            i += 1;
        }
        let mut count = 0i32;
        for &flag in flags.iter() {
            count += flag as i32;
        }
        count
    })
}

/// Size of the buffer hashed by [`keccak`].
pub const KECCAK_INPUT_LEN: usize = 1024;

/// Hashes a deterministic 1 KiB buffer `n` times with Keccak-256, chaining each digest into the
/// first 32 bytes of the buffer, and returns the first 8 bytes of the last digest as a
/// little-endian `i64` (0 when `n <= 0`). Straight-line 64-bit integer workload.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn keccak(n: i32) -> i64 {
    let mut buf = [0u8; KECCAK_INPUT_LEN];
    for (i, byte) in buf.iter_mut().enumerate() {
        *byte = (i as u32).wrapping_mul(31).wrapping_add(7) as u8;
    }
    let mut digest = [0u8; 32];
    for _ in 0..n.max(0) {
        digest = keccak256(&buf);
        buf[..32].copy_from_slice(&digest);
    }
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_le_bytes(first)
}

/// Largest matrix dimension accepted by [`matmul`]; larger values are clamped to it.
pub const MATMUL_MAX: usize = 64;

/// Multiplies two deterministic `n`×`n` `f64` matrices held in linear memory and returns
/// a weighted checksum of the product (floating-point workload). `n` is clamped to
/// `0..=`[`MATMUL_MAX`].
///
/// Only `+`, `-`, `*` and `/` on finite values are used, each correctly rounded, so the result is
/// bit-identical on every IEEE 754 platform.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn matmul(n: i32) -> f64 {
    let n = clamp(n, MATMUL_MAX);
    with_buffer(3 * n * n, |mem: &mut [f64]| {
        let (a, rest) = mem.split_at_mut(n * n);
        let (b, c) = rest.split_at_mut(n * n);
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = ((i * 7 + j * 3) % 17) as f64 * 0.25 - 2.0;
                b[i * n + j] = ((i * 5 + j * 11) % 13) as f64 / 3.0 - 1.5;
                c[i * n + j] = 0.0;
            }
        }
        for i in 0..n {
            for k in 0..n {
                let aik = a[i * n + k];
                for j in 0..n {
                    c[i * n + j] += aik * b[k * n + j];
                }
            }
        }
        let mut checksum = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                checksum += c[i * n + j] * ((i + 2 * j) % 5 + 1) as f64;
            }
        }
        checksum
    })
}

/// Number of accounts in the [`ledger`] workload.
pub const LEDGER_ACCOUNTS: usize = 1024;

/// One account of the [`ledger`] workload.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Account {
    balance: u64,
    nonce: u64,
}

// SAFETY: two `u64`s under `repr(C)`: no padding, every bit pattern valid.
unsafe impl AnyBits for Account {}

/// Runs `n` pseudo-random transfers (with fees and balance checks) between
/// [`LEDGER_ACCOUNTS`] accounts kept in linear memory, and returns a checksum of the
/// final balances, nonces, collected fees and rejected transfers (contract-like workload).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn ledger(n: i32) -> i64 {
    with_buffer(LEDGER_ACCOUNTS, |accounts: &mut [Account]| {
        for (i, account) in accounts.iter_mut().enumerate() {
            account.balance = 50_000 + (i as u64 * 7919) % 10_000;
            account.nonce = 0;
        }
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut fees = 0u64;
        let mut rejected = 0u64;
        for _ in 0..n.max(0) {
            // xorshift64*
            rng ^= rng >> 12;
            rng ^= rng << 25;
            rng ^= rng >> 27;
            let r = rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let from = (r >> 8) as usize % LEDGER_ACCOUNTS;
            let to = (r >> 24) as usize % LEDGER_ACCOUNTS;
            let amount = (r >> 40) % 20_000;
            let fee = 1 + amount / 1000;
            if from == to || accounts[from].balance < amount + fee {
                rejected += 1;
                continue;
            }
            accounts[from].balance -= amount + fee;
            accounts[from].nonce += 1;
            accounts[to].balance += amount;
            fees += fee;
        }
        let mut hash = 0xCBF2_9CE4_8422_2325u64;
        for account in accounts.iter() {
            hash = (hash ^ account.balance).wrapping_mul(0x0000_0100_0000_01B3);
            hash = (hash ^ account.nonce).wrapping_mul(0x0000_0100_0000_01B3);
        }
        hash ^= fees.rotate_left(17) ^ rejected.rotate_left(43);
        hash as i64
    })
}
