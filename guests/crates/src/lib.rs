//! Workloads built from well-known crates, compiled to `wasm32-unknown-unknown` for Tally's
//! execution benchmarks and differential tests (issue 15, item 6).
//!
//! The hand-written guests one directory up are small kernels; these are what contracts actually
//! link: RustCrypto's SHA-256, BLAKE3, ed25519-dalek, k256 (secp256k1 ECDSA), serde_json,
//! miniz_oxide (deflate), regex, parity-scale-codec and primitive-types' `U256`, each through its
//! ordinary API, with rustc's code generation and the allocator `std` brings.
//!
//! Every export takes one `i32` size, clamps it to `1..=max`, builds its input deterministically
//! from the size, and returns an `i64` checksum of its output. Each also checks itself: a known
//! answer, a signature that must verify (and a tampered one that must not), a decompression
//! that must give back its input, a decode that must equal what was encoded. A wrong answer
//! traps (`unreachable`, through `panic = "abort"`), so an interpreter that miscomputes fails
//! loudly rather than returning a different checksum that nobody compares.
#![warn(missing_docs)]

use std::fmt::Write as _;

use ed25519_dalek::{Signer as _, Verifier as _};
use parity_scale_codec::{Decode, Encode};
use primitive_types::U256;
use sha2::Digest as _;

/// Clamps a size parameter to `1..=max`.
fn clamp(n: i32, max: u32) -> u32 {
    (n.max(1) as u32).min(max)
}

/// Aborts with a trap when a workload's self-check fails.
fn check(ok: bool) {
    if !ok {
        std::process::abort();
    }
}

/// A xorshift64 generator: deterministic inputs without a source of entropy.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

/// The first eight bytes of a digest, little-endian, as the checksum.
fn checksum(bytes: &[u8]) -> i64 {
    let mut word = [0u8; 8];
    let len = bytes.len().min(8);
    word[..len].copy_from_slice(&bytes[..len]);
    i64::from_le_bytes(word)
}

/// SHA-256 (RustCrypto `sha2`) of a 1 KiB buffer, `n` times (at most 20,000), each digest
/// written into the next buffer.
#[no_mangle]
pub extern "C" fn sha256(n: i32) -> i64 {
    let n = clamp(n, 20_000);
    check(sha2::Sha256::digest(b"abc")[..4] == [0xba, 0x78, 0x16, 0xbf]);
    let mut buf = [0u8; 1024];
    Rng(0x5eed_0001).fill(&mut buf);
    let mut digest = [0u8; 32];
    for _ in 0..n {
        buf[..32].copy_from_slice(&digest);
        digest = sha2::Sha256::digest(buf).into();
    }
    checksum(&digest)
}

/// BLAKE3 (the reference crate's portable code) of a 1 KiB buffer, `n` times (at most 20,000),
/// chained as in [`sha256`].
#[no_mangle]
pub extern "C" fn blake3(n: i32) -> i64 {
    let n = clamp(n, 20_000);
    check(blake3::hash(b"").as_bytes()[..4] == [0xaf, 0x13, 0x49, 0xb9]);
    let mut buf = [0u8; 1024];
    Rng(0x5eed_0002).fill(&mut buf);
    let mut digest = [0u8; 32];
    for _ in 0..n {
        buf[..32].copy_from_slice(&digest);
        digest = *blake3::hash(&buf).as_bytes();
    }
    checksum(&digest)
}

/// Ed25519 (`ed25519-dalek`): `n` (at most 100) signatures of distinct 64-byte messages by a
/// key derived from a fixed seed, each verified, and a tampered one refused.
#[no_mangle]
pub extern "C" fn ed25519(n: i32) -> i64 {
    let n = clamp(n, 100);
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key();
    let mut rng = Rng(0x5eed_0003);
    let mut acc = 0i64;
    for _ in 0..n {
        let mut message = [0u8; 64];
        rng.fill(&mut message);
        let signature = key.sign(&message);
        check(public.verify(&message, &signature).is_ok());
        message[0] ^= 1;
        check(public.verify(&message, &signature).is_err());
        acc = acc.rotate_left(7) ^ checksum(&signature.to_bytes());
    }
    acc
}

/// secp256k1 ECDSA (`k256`, RFC 6979 nonces, SHA-256 prehash): `n` (at most 100) signatures
/// of distinct messages, each verified, and a tampered one refused.
#[no_mangle]
pub extern "C" fn secp256k1(n: i32) -> i64 {
    use k256::ecdsa::signature::{Signer as _, Verifier as _};
    let n = clamp(n, 100);
    let Ok(key) = k256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()) else {
        std::process::abort();
    };
    let public = *key.verifying_key();
    let mut rng = Rng(0x5eed_0004);
    let mut acc = 0i64;
    for _ in 0..n {
        let mut message = [0u8; 64];
        rng.fill(&mut message);
        let signature: k256::ecdsa::Signature = key.sign(&message);
        check(public.verify(&message, &signature).is_ok());
        message[0] ^= 1;
        check(public.verify(&message, &signature).is_err());
        acc = acc.rotate_left(7) ^ checksum(&signature.to_bytes());
    }
    acc
}

/// A JSON document of `n` (at most 2,000) account records, written by hand, parsed into a
/// `serde_json::Value`, written back out and parsed again; the two values must be equal.
#[no_mangle]
pub extern "C" fn json(n: i32) -> i64 {
    let n = clamp(n, 2_000);
    let mut rng = Rng(0x5eed_0005);
    let mut text = String::from("[");
    for i in 0..n {
        let r = rng.next();
        if i > 0 {
            text.push(',');
        }
        let _ = write!(
            text,
            r#"{{"id":{i},"owner":"0x{r:016x}","name":"acct \"{i}\"\n\u00e9","balance":{}.{:03},"ratio":{:e},"active":{},"tags":["a{}","b{}"],"meta":{{"nonce":{},"memo":null}}}}"#,
            r % 1_000_000,
            r % 1000,
            (r % 10_000) as f64 / 7.0,
            r.is_multiple_of(2),
            r % 97,
            r % 89,
            r >> 40,
        );
    }
    text.push(']');
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        std::process::abort();
    };
    let Ok(out) = serde_json::to_string(&value) else {
        std::process::abort();
    };
    let Ok(again) = serde_json::from_str::<serde_json::Value>(&out) else {
        std::process::abort();
    };
    check(again == value);
    let total: f64 = value.as_array().map_or(0.0, |a| a.iter().filter_map(|v| v["balance"].as_f64()).sum());
    (out.len() as i64) ^ (total.to_bits() as i64).rotate_left(17)
}

/// Deflate (`miniz_oxide`, level 6) of `n` KiB (at most 256) of text-like data, then inflate;
/// the round trip must give back the input.
#[no_mangle]
pub extern "C" fn deflate(n: i32) -> i64 {
    let n = clamp(n, 256) as usize;
    const WORDS: [&str; 12] = [
        "transfer ",
        "balance ",
        "account ",
        "0x",
        "gas ",
        "receipt ",
        "\n",
        "block ",
        "42 ",
        "tally ",
        "event ",
        ", ",
    ];
    let mut rng = Rng(0x5eed_0006);
    let mut data = Vec::with_capacity(n * 1024);
    while data.len() < n * 1024 {
        let r = rng.next();
        data.extend_from_slice(WORDS[(r % 12) as usize].as_bytes());
        if r & 0x300 == 0 {
            data.extend_from_slice(&r.to_le_bytes()[3..6]);
        }
    }
    data.truncate(n * 1024);
    let packed = miniz_oxide::deflate::compress_to_vec(&data, 6);
    let Ok(unpacked) = miniz_oxide::inflate::decompress_to_vec(&packed) else {
        std::process::abort();
    };
    check(unpacked == data);
    (packed.len() as i64) << 32 ^ checksum(&packed[packed.len().saturating_sub(8)..])
}

/// Two regular expressions (`regex`: an e-mail-like pattern with captures, case-insensitive,
/// and a date pattern), compiled on every call, searched over `n` (at most 5,000) generated
/// lines; the checksum counts matches and captured bytes.
#[no_mangle]
pub extern "C" fn regex(n: i32) -> i64 {
    let n = clamp(n, 5_000);
    let (Ok(mail), Ok(date)) = (
        regex::Regex::new(r"(?i)\b([a-z0-9._]+)@([a-z0-9]+)\.(com|org|net)\b"),
        regex::Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    ) else {
        std::process::abort();
    };
    let mut rng = Rng(0x5eed_0007);
    let mut text = String::new();
    for i in 0..n {
        let r = rng.next();
        let _ = match r % 4 {
            0 => writeln!(text, "line {i}: mail User.{}@Host{}.COM about it", r % 1000, r % 7),
            1 => writeln!(text, "line {i}: on {}-{:02}-{:02} paid {}", 2000 + r % 30, r % 12 + 1, r % 28 + 1, r >> 50),
            2 => writeln!(text, "line {i}: nothing@here but words and {} numbers", r % 100_000),
            _ => writeln!(text, "line {i}: a.b_{}@x{}.org and 1999-1-1, no", r % 50, r % 3),
        };
    }
    let mut acc = 0i64;
    for caps in mail.captures_iter(&text) {
        acc += 1 + caps.get(2).map_or(0, |m| m.len()) as i64 * 1000;
    }
    for caps in date.captures_iter(&text) {
        acc += 1_000_000 + caps.get(1).map_or(0, |m| m.as_str().len()) as i64;
    }
    acc
}

/// A record as a contract might store it, for [`scale`].
#[derive(Encode, Decode, PartialEq)]
struct Record {
    id: u64,
    owner: [u8; 32],
    balance: u128,
    memo: Vec<u8>,
    limit: Option<u32>,
    #[codec(compact)]
    nonce: u64,
}

/// SCALE (`parity-scale-codec`): a vector of `n` (at most 20,000) records encoded, decoded and
/// compared; the checksum is the encoding's length and last bytes.
#[no_mangle]
pub extern "C" fn scale(n: i32) -> i64 {
    let n = clamp(n, 20_000);
    let mut rng = Rng(0x5eed_0008);
    let records: Vec<Record> = (0..n)
        .map(|i| {
            let r = rng.next();
            let mut owner = [0u8; 32];
            rng.fill(&mut owner);
            Record {
                id: u64::from(i),
                owner,
                balance: u128::from(r) << 20,
                memo: r.to_le_bytes()[..(r % 9) as usize].to_vec(),
                limit: r.is_multiple_of(3).then_some(r as u32),
                nonce: r >> (r % 64),
            }
        })
        .collect();
    let bytes = records.encode();
    let Ok(decoded) = Vec::<Record>::decode(&mut &bytes[..]) else {
        std::process::abort();
    };
    check(decoded == records);
    (bytes.len() as i64) << 32 ^ checksum(&bytes[bytes.len() - 8..])
}

/// 256-bit arithmetic (`primitive-types`' `U256`): `n` (at most 20,000) steps of modular
/// squaring by a 255-bit prime (a full 512-bit product and a division each), with additions,
/// shifts and a checked subtraction.
#[no_mangle]
pub extern "C" fn u256(n: i32) -> i64 {
    let n = clamp(n, 20_000);
    // 2^255 - 19.
    let p = (U256::one() << 255) - U256::from(19u8);
    let mut x = U256::from(0x1234_5678_9abc_def0u64) << 100 | U256::from(7u8);
    let mut acc = U256::zero();
    for i in 0..n {
        let (square, _) = x.full_mul(x).div_mod(p.into());
        let Ok(square) = U256::try_from(square) else {
            std::process::abort();
        };
        x = square.overflowing_add(U256::from(i)).0;
        acc = acc.overflowing_add(x >> (i % 200)).0;
        check(acc.checked_sub(x).is_some() || acc < x);
    }
    check(x < p + U256::from(n));
    acc.low_u64() as i64 ^ x.low_u64() as i64
}
