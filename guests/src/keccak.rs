//! Keccak-f[1600] and Keccak-256 (the original Keccak padding, as used by Ethereum), written from
//! the Keccak reference specification. Round constants and rotation offsets are derived at
//! compile time from their definitions (the LFSR and the (x, y) walk) rather than tabulated.

/// Number of rounds of Keccak-f[1600].
const ROUNDS: usize = 24;

/// Rate of Keccak-256 in bytes (1600 - 2 * 256 bits).
const RATE: usize = 136;

/// Output bit `t` of the round-constant LFSR x^8 + x^6 + x^5 + x^4 + 1.
const fn lfsr_bit(t: u32) -> u64 {
    let mut r: u32 = 1;
    let mut i = 0;
    while i < t % 255 {
        r <<= 1;
        if r & 0x100 != 0 {
            r ^= 0x171;
        }
        i += 1;
    }
    (r & 1) as u64
}

/// The 24 iota round constants.
const ROUND_CONSTANTS: [u64; ROUNDS] = {
    let mut rc = [0u64; ROUNDS];
    let mut round = 0;
    while round < ROUNDS {
        let mut j = 0;
        while j <= 6 {
            rc[round] |= lfsr_bit(j + 7 * round as u32) << ((1u32 << j) - 1);
            j += 1;
        }
        round += 1;
    }
    rc
};

/// The rho rotation offsets, indexed by `x + 5 * y`.
const RHO: [u32; 25] = {
    let mut rho = [0u32; 25];
    let (mut x, mut y) = (1usize, 0usize);
    let mut t = 0u32;
    while t < 24 {
        rho[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
        let next_y = (2 * x + 3 * y) % 5;
        x = y;
        y = next_y;
        t += 1;
    }
    rho
};

/// Applies the Keccak-f[1600] permutation to `state` (lanes indexed by `x + 5 * y`).
pub fn keccak_f1600(state: &mut [u64; 25]) {
    for &round_constant in ROUND_CONSTANTS.iter() {
        // theta
        let mut c = [0u64; 5];
        for (x, column) in c.iter_mut().enumerate() {
            *column = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                state[x + 5 * y] ^= d;
            }
        }
        // rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
        let mut b = [0u64; 25];
        for x in 0..5 {
            for y in 0..5 {
                b[y + 5 * ((2 * x + 3 * y) % 5)] = state[x + 5 * y].rotate_left(RHO[x + 5 * y]);
            }
        }
        // chi
        for y in 0..5 {
            for x in 0..5 {
                state[x + 5 * y] = b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        // iota
        state[0] ^= round_constant;
    }
}

/// XORs one `RATE`-byte block into the state (little-endian lanes) and permutes.
fn absorb_block(state: &mut [u64; 25], block: &[u8; RATE]) {
    for (lane, chunk) in state.iter_mut().zip(block.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        *lane ^= u64::from_le_bytes(bytes);
    }
    keccak_f1600(state);
}

/// Keccak-256 of `input` (padding `0x01 .. 0x80`, as Ethereum's `keccak256`, not SHA3-256).
pub fn keccak256(input: &[u8]) -> [u8; 32] {
    sponge_256(input, 0x01)
}

/// The 256-bit-capacity sponge with a 32-byte output; `domain` is the first padding byte
/// (`0x01` for Keccak, `0x06` for SHA3).
fn sponge_256(input: &[u8], domain: u8) -> [u8; 32] {
    let mut state = [0u64; 25];
    let mut blocks = input.chunks_exact(RATE);
    let mut block = [0u8; RATE];
    for chunk in &mut blocks {
        block.copy_from_slice(chunk);
        absorb_block(&mut state, &block);
    }
    let tail = blocks.remainder();
    block = [0u8; RATE];
    block[..tail.len()].copy_from_slice(tail);
    block[tail.len()] ^= domain;
    block[RATE - 1] ^= 0x80;
    absorb_block(&mut state, &block);
    let mut out = [0u8; 32];
    for (chunk, lane) in out.chunks_exact_mut(8).zip(state.iter()) {
        chunk.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn keccak256_known_vectors() {
        assert_eq!(hex(&keccak256(b"")), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
        assert_eq!(hex(&keccak256(b"abc")), "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    }

    /// SHA3-256 shares the permutation; these digests come from Python's `hashlib.sha3_256`
    /// over `bytes(i * 31 + 7 & 0xff for i in range(len))`, covering block boundaries.
    #[test]
    fn sha3_256_multi_block() {
        let cases: [(usize, &str); 5] = SHA3_CASES;
        for (len, expected) in cases {
            let input: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            assert_eq!(hex(&sponge_256(&input, 0x06)), expected, "len {len}");
        }
    }

    const SHA3_CASES: [(usize, &str); 5] = [
        (0, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"),
        (135, "27177c35076523ab12bf3c60c7e340ac833bee9017b0b9d273d25f1bc8759ce1"),
        (136, "bf55dd8c0b4dd0f226d019f9b85d74e3d77cd13409e1306665a44cc688a93d6e"),
        (137, "b88ad98270115d9a7d164a81476b4b1c999eac7a9b67cfe013c365496a599e11"),
        (1024, "d925394cf5841554b9fc100363bd6eb55e69cd166c164c11ee5f699f181219bd"),
    ];
}
