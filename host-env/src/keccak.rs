//! Keccak-256 for the result hash: the same function as `sha3::Keccak256` (the tests here check
//! them against each other), with a Keccak-f[1600] permutation that runs faster on the CPUs that
//! have BMI1 and BMI2.
//!
//! Every receipt hashes its preimage (five permutations for a token transfer), a quarter of a
//! warm call's time. Compiled for the x86-64 baseline, `!b & c` in the permutation's χ step is
//! two instructions and every rotation needs a copy first; with BMI1's `andn` and BMI2's `rorx`
//! the same source is about a quarter fewer instructions and 13% less time per permutation
//! (BENCHMARKS.md, "Warm calls, later"). So the permutation is compiled twice from one body, and
//! the BMI build is chosen at run time when the CPU has both; any other CPU (or target) runs the
//! baseline build. Both compute the same function: the choice changes speed, never a hash.

/// Bytes absorbed per permutation (1600 bits less twice the 256-bit output).
const RATE: usize = 136;

/// A build of Keccak-f[1600] over the 25 lanes.
type Permutation = fn(&mut [u64; 25]);

/// ι's round constants.
const ROUND_CONSTANTS: [u64; 24] = [
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

/// A Keccak-256 hasher (the original Keccak padding, as `tally_digest::keccak`).
pub(crate) struct Keccak256 {
    /// The 25 lanes; lane `x + 5y` holds bytes `8(x + 5y)..` of the state, little-endian.
    state: [u64; 25],
    /// Bytes of the current block absorbed so far (below [`RATE`]).
    pos: usize,
    permute: Permutation,
}

impl Keccak256 {
    /// A hasher that has absorbed nothing.
    pub(crate) fn new() -> Self {
        Self::with_permutation(permutation())
    }

    fn with_permutation(permute: Permutation) -> Self {
        Keccak256 { state: [0; 25], pos: 0, permute }
    }

    /// Absorbs `data`.
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        // Up to a lane boundary, a byte at a time.
        while !self.pos.is_multiple_of(8) {
            let Some((&byte, rest)) = data.split_first() else { return };
            self.xor_byte(self.pos, byte);
            data = rest;
            self.advance(1);
        }
        // Whole lanes. The rate is a whole number of lanes, so from a lane boundary the block
        // has room for at least one more.
        loop {
            let lanes = ((RATE - self.pos) / 8).min(data.len() / 8);
            if lanes == 0 {
                break;
            }
            let first = self.pos / 8;
            let (whole, rest) = data.split_at(8 * lanes);
            for (lane, bytes) in self.state[first..first + lanes].iter_mut().zip(whole.chunks_exact(8)) {
                *lane ^= u64::from_le_bytes(bytes.try_into().expect("chunks of 8"));
            }
            data = rest;
            self.advance(8 * lanes);
        }
        // Under a lane left, which fits in the block (see above).
        for &byte in data {
            self.xor_byte(self.pos, byte);
            self.pos += 1;
        }
    }

    /// Moves on `n` bytes in the block, permuting when the block is full.
    fn advance(&mut self, n: usize) {
        self.pos += n;
        if self.pos == RATE {
            (self.permute)(&mut self.state);
            self.pos = 0;
        }
    }

    fn xor_byte(&mut self, at: usize, byte: u8) {
        self.state[at / 8] ^= u64::from(byte) << (8 * (at % 8));
    }

    /// Pads (Keccak's `0x01 … 0x80`), permutes and returns the first 32 bytes of the state.
    pub(crate) fn finalize(mut self) -> [u8; 32] {
        self.xor_byte(self.pos, 0x01);
        self.xor_byte(RATE - 1, 0x80);
        (self.permute)(&mut self.state);
        let mut out = [0; 32];
        for (bytes, lane) in out.chunks_exact_mut(8).zip(&self.state) {
            bytes.copy_from_slice(&lane.to_le_bytes());
        }
        out
    }
}

/// The fastest build of the permutation this CPU runs.
fn permutation() -> Permutation {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("bmi1") && std::is_x86_feature_detected!("bmi2") {
        return f1600_bmi;
    }
    f1600_baseline
}

/// Keccak-f[1600] built for the target's baseline.
fn f1600_baseline(state: &mut [u64; 25]) {
    f1600(state)
}

/// Keccak-f[1600] built with BMI1 and BMI2. Only [`permutation`] hands it out, after checking
/// that the CPU has both (as do the tests before calling it).
#[cfg(target_arch = "x86_64")]
fn f1600_bmi(state: &mut [u64; 25]) {
    #[target_feature(enable = "bmi1,bmi2")]
    fn with_bmi(state: &mut [u64; 25]) {
        f1600(state)
    }
    // SAFETY: reached only where `permutation` found BMI1 and BMI2 (see above).
    unsafe { with_bmi(state) }
}

/// The 24 rounds, inlined into each build above so that each compiles them for its features.
#[inline(always)]
fn f1600(state: &mut [u64; 25]) {
    for rc in ROUND_CONSTANTS {
        round(state, rc);
    }
}

/// One round (FIPS 202, 3.3): θ, then ρ and π into `b` (lane `x + 5y` of `b` is lane
/// `(x + 3y) mod 5 + 5x` of the state after θ, rotated by that lane's ρ offset), then χ and ι.
/// Written out lane by lane so every index and rotation is a constant.
#[inline(always)]
fn round(a: &mut [u64; 25], rc: u64) {
    let c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
    let c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
    let c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
    let c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
    let c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
    let d0 = c4 ^ c1.rotate_left(1);
    let d1 = c0 ^ c2.rotate_left(1);
    let d2 = c1 ^ c3.rotate_left(1);
    let d3 = c2 ^ c4.rotate_left(1);
    let d4 = c3 ^ c0.rotate_left(1);
    let b0 = (a[0] ^ d0).rotate_left(0);
    let b1 = (a[6] ^ d1).rotate_left(44);
    let b2 = (a[12] ^ d2).rotate_left(43);
    let b3 = (a[18] ^ d3).rotate_left(21);
    let b4 = (a[24] ^ d4).rotate_left(14);
    let b5 = (a[3] ^ d3).rotate_left(28);
    let b6 = (a[9] ^ d4).rotate_left(20);
    let b7 = (a[10] ^ d0).rotate_left(3);
    let b8 = (a[16] ^ d1).rotate_left(45);
    let b9 = (a[22] ^ d2).rotate_left(61);
    let b10 = (a[1] ^ d1).rotate_left(1);
    let b11 = (a[7] ^ d2).rotate_left(6);
    let b12 = (a[13] ^ d3).rotate_left(25);
    let b13 = (a[19] ^ d4).rotate_left(8);
    let b14 = (a[20] ^ d0).rotate_left(18);
    let b15 = (a[4] ^ d4).rotate_left(27);
    let b16 = (a[5] ^ d0).rotate_left(36);
    let b17 = (a[11] ^ d1).rotate_left(10);
    let b18 = (a[17] ^ d2).rotate_left(15);
    let b19 = (a[23] ^ d3).rotate_left(56);
    let b20 = (a[2] ^ d2).rotate_left(62);
    let b21 = (a[8] ^ d3).rotate_left(55);
    let b22 = (a[14] ^ d4).rotate_left(39);
    let b23 = (a[15] ^ d0).rotate_left(41);
    let b24 = (a[21] ^ d1).rotate_left(2);
    a[0] = b0 ^ (!b1 & b2);
    a[1] = b1 ^ (!b2 & b3);
    a[2] = b2 ^ (!b3 & b4);
    a[3] = b3 ^ (!b4 & b0);
    a[4] = b4 ^ (!b0 & b1);
    a[5] = b5 ^ (!b6 & b7);
    a[6] = b6 ^ (!b7 & b8);
    a[7] = b7 ^ (!b8 & b9);
    a[8] = b8 ^ (!b9 & b5);
    a[9] = b9 ^ (!b5 & b6);
    a[10] = b10 ^ (!b11 & b12);
    a[11] = b11 ^ (!b12 & b13);
    a[12] = b12 ^ (!b13 & b14);
    a[13] = b13 ^ (!b14 & b10);
    a[14] = b14 ^ (!b10 & b11);
    a[15] = b15 ^ (!b16 & b17);
    a[16] = b16 ^ (!b17 & b18);
    a[17] = b17 ^ (!b18 & b19);
    a[18] = b18 ^ (!b19 & b15);
    a[19] = b19 ^ (!b15 & b16);
    a[20] = b20 ^ (!b21 & b22);
    a[21] = b21 ^ (!b22 & b23);
    a[22] = b22 ^ (!b23 & b24);
    a[23] = b23 ^ (!b24 & b20);
    a[24] = b24 ^ (!b20 & b21);
    a[0] ^= rc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha3::Digest;

    /// Deterministic bytes (no RNG crate needed).
    fn bytes(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn builds() -> Vec<(&'static str, Permutation)> {
        let mut builds: Vec<(&'static str, Permutation)> = vec![("baseline", f1600_baseline)];
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("bmi1") && std::is_x86_feature_detected!("bmi2") {
            builds.push(("bmi", f1600_bmi));
        }
        builds
    }

    /// Each build of the permutation hashes every length across several blocks as `sha3` does,
    /// fed whole and in uneven pieces.
    #[test]
    fn every_build_hashes_as_sha3_does() {
        for (name, permute) in builds() {
            for len in 0..=3 * RATE + 5 {
                let data = bytes(len, len as u64);
                let expected: [u8; 32] = sha3::Keccak256::digest(&data).into();
                let mut whole = Keccak256::with_permutation(permute);
                whole.update(&data);
                assert_eq!(whole.finalize(), expected, "{name}, {len} bytes whole");
                let mut pieces = Keccak256::with_permutation(permute);
                let mut rest = &data[..];
                let mut step = 1;
                while !rest.is_empty() {
                    let n = step.min(rest.len());
                    pieces.update(&rest[..n]);
                    rest = &rest[n..];
                    step = step * 3 % 151 + 1;
                }
                assert_eq!(pieces.finalize(), expected, "{name}, {len} bytes in pieces");
            }
        }
    }

    /// The chosen build agrees with `tally_digest::keccak` (the known-answer check of an empty
    /// input is Keccak-256's published one).
    #[test]
    fn the_chosen_build_is_keccak_256() {
        let empty = Keccak256::new().finalize();
        assert_eq!(tally_digest::hex(&empty), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
        let data = bytes(1000, 7);
        let mut h = Keccak256::new();
        h.update(&data);
        assert_eq!(h.finalize(), tally_digest::keccak(&data));
    }
}
