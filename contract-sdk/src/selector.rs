//! Method selectors and compile-time Keccak-256.
//!
//! A method's selector is the first four bytes of `keccak256(name)`, where `name` is the
//! method's Rust name as written (e.g. `"transfer"`). Both functions here are `const fn`: in a
//! constant context (`const S: [u8; 4] = selector("transfer");`, or the [`selector!`](crate::selector!)
//! macro) they cost nothing at run time. Called at run time in a contract they run Keccak in wasm
//! (tens of millions of gas, and the code is linked into the contract); use the host's
//! [`env::keccak256`](crate::env::keccak256) for names only known then.

const RC: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

const ROTC: [u32; 24] = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44];
const PILN: [usize; 24] = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];

const fn keccak_f(mut a: [u64; 25]) -> [u64; 25] {
    let mut round = 0;
    while round < 24 {
        // θ
        let mut c = [0u64; 5];
        let mut x = 0;
        while x < 5 {
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
            x += 1;
        }
        x = 0;
        while x < 5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            let mut y = 0;
            while y < 25 {
                a[y + x] ^= d;
                y += 5;
            }
            x += 1;
        }
        // ρ and π
        let mut t = a[1];
        let mut i = 0;
        while i < 24 {
            let j = PILN[i];
            let tmp = a[j];
            a[j] = t.rotate_left(ROTC[i]);
            t = tmp;
            i += 1;
        }
        // χ
        let mut y = 0;
        while y < 25 {
            let row = [a[y], a[y + 1], a[y + 2], a[y + 3], a[y + 4]];
            let mut x = 0;
            while x < 5 {
                a[y + x] = row[x] ^ (!row[(x + 1) % 5] & row[(x + 2) % 5]);
                x += 1;
            }
            y += 5;
        }
        // ι
        a[0] ^= RC[round];
        round += 1;
    }
    a
}

/// Keccak-256 (the original padding, as Ethereum uses), evaluable at compile time.
///
/// At run time inside a contract, [`env::keccak256`](crate::env::keccak256) (the host's) is
/// usually cheaper in gas for long inputs.
pub const fn const_keccak256(data: &[u8]) -> [u8; 32] {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let mut offset = 0;
    // Absorb full blocks, then the padded last block (which may be empty but for padding).
    loop {
        let remaining = data.len() - offset;
        let take = if remaining < RATE { remaining } else { RATE };
        let mut block = [0u8; RATE];
        let mut i = 0;
        while i < take {
            block[i] = data[offset + i];
            i += 1;
        }
        let last = take < RATE;
        if last {
            block[take] ^= 0x01;
            block[RATE - 1] ^= 0x80;
        }
        let mut w = 0;
        while w < RATE / 8 {
            let b = w * 8;
            let lane = u64::from_le_bytes([
                block[b],
                block[b + 1],
                block[b + 2],
                block[b + 3],
                block[b + 4],
                block[b + 5],
                block[b + 6],
                block[b + 7],
            ]);
            state[w] ^= lane;
            w += 1;
        }
        state = keccak_f(state);
        offset += take;
        if last {
            break;
        }
    }
    let mut out = [0u8; 32];
    let mut w = 0;
    while w < 4 {
        let bytes = state[w].to_le_bytes();
        let mut i = 0;
        while i < 8 {
            out[w * 8 + i] = bytes[i];
            i += 1;
        }
        w += 1;
    }
    out
}

/// The 4-byte selector of method `name`: `keccak256(name)[..4]`.
pub const fn selector(name: &str) -> [u8; 4] {
    let h = const_keccak256(name.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// The selector of a method name as a constant: `selector!("transfer")` is
/// `keccak256("transfer")[..4]`, computed at compile time whatever the context.
///
/// ```
/// let s: [u8; 4] = tally_sdk::selector!("transfer");
/// assert_eq!(s, tally_sdk::selector("transfer"));
/// ```
#[macro_export]
macro_rules! selector {
    ($name:expr) => {{
        const SELECTOR: [u8; 4] = $crate::selector::selector($name);
        SELECTOR
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_host_keccak_at_every_length_around_the_rate() {
        let data: alloc::vec::Vec<u8> = (0..600u32).map(|i| (i * 31 + 7) as u8).collect();
        for len in [0, 1, 55, 135, 136, 137, 271, 272, 273, 599] {
            assert_eq!(const_keccak256(&data[..len]), tally_digest::keccak(&data[..len]), "len {len}");
        }
    }

    #[test]
    fn selectors_are_evaluated_at_compile_time() {
        const S: [u8; 4] = selector("transfer");
        assert_eq!(S, tally_digest::selector("transfer"));
        // The empty string's Keccak-256 is well known.
        assert_eq!(const_keccak256(b"")[..4], [0xc5, 0xd2, 0x46, 0x01]);
    }
}
