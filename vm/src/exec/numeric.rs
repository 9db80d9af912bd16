//! Exact WebAssembly numeric semantics, with NaN canonicalization.
//!
//! Every float operation that can produce a NaN returns the positive canonical NaN instead of
//! whatever the host FPU produced, as the WebAssembly 3.0 deterministic profile specifies. Bit
//! operations (`abs`, `neg`, `copysign`, reinterpret, load, store) never touch the payload.

use crate::TrapCode;

const F32_CANON: u32 = 0x7FC0_0000;
const F64_CANON: u64 = 0x7FF8_0000_0000_0000;

/// Replaces any NaN by the positive canonical NaN.
///
/// The test is on the bits, not a float comparison: LLVM treats all NaNs as interchangeable and
/// may fold a float-level "if NaN then canonical NaN" into returning the operation's own NaN.
#[inline(always)]
pub(crate) fn canon32(x: f32) -> f32 {
    let bits = x.to_bits();
    if bits & 0x7FFF_FFFF > 0x7F80_0000 {
        f32::from_bits(F32_CANON)
    } else {
        x
    }
}

/// Replaces any NaN by the positive canonical NaN (see [`canon32`] for why it tests bits).
#[inline(always)]
pub(crate) fn canon64(x: f64) -> f64 {
    let bits = x.to_bits();
    if bits & 0x7FFF_FFFF_FFFF_FFFF > 0x7FF0_0000_0000_0000 {
        f64::from_bits(F64_CANON)
    } else {
        x
    }
}

macro_rules! float_ops {
    ($t:ty, $canon:ident, $min:ident, $max:ident, $nearest:ident) => {
        /// Wasm `min`: NaN if either operand is NaN, and -0 < +0.
        #[inline(always)]
        pub(crate) fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                $canon(a + b)
            } else if a == b {
                // Equal values differ only in the sign of zero; the negative one is smaller.
                <$t>::from_bits(a.to_bits() | b.to_bits())
            } else if a < b {
                a
            } else {
                b
            }
        }

        /// Wasm `max`: NaN if either operand is NaN, and +0 > -0.
        #[inline(always)]
        pub(crate) fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                $canon(a + b)
            } else if a == b {
                <$t>::from_bits(a.to_bits() & b.to_bits())
            } else if a > b {
                a
            } else {
                b
            }
        }

        /// Wasm `nearest`: round to integral, ties to even.
        #[inline(always)]
        pub(crate) fn $nearest(a: $t) -> $t {
            $canon(a.round_ties_even())
        }
    };
}

float_ops!(f32, canon32, f32_min, f32_max, f32_nearest);
float_ops!(f64, canon64, f64_min, f64_max, f64_nearest);

macro_rules! int_div {
    ($t:ty, $div_s:ident, $div_u:ident, $rem_s:ident, $rem_u:ident, $ut:ty) => {
        /// Signed division; traps on zero divisor and on `MIN / -1`.
        #[inline(always)]
        pub(crate) fn $div_s(a: $t, b: $t) -> Result<$t, TrapCode> {
            if b == 0 {
                Err(TrapCode::DivisionByZero)
            } else if a == <$t>::MIN && b == -1 {
                Err(TrapCode::IntegerOverflow)
            } else {
                Ok(a / b)
            }
        }
        /// Unsigned division; traps on zero divisor.
        #[inline(always)]
        pub(crate) fn $div_u(a: $t, b: $t) -> Result<$t, TrapCode> {
            if b == 0 {
                Err(TrapCode::DivisionByZero)
            } else {
                Ok(((a as $ut) / (b as $ut)) as $t)
            }
        }
        /// Signed remainder; traps on zero divisor, `MIN % -1` is 0.
        #[inline(always)]
        pub(crate) fn $rem_s(a: $t, b: $t) -> Result<$t, TrapCode> {
            if b == 0 {
                Err(TrapCode::DivisionByZero)
            } else {
                Ok(a.wrapping_rem(b))
            }
        }
        /// Unsigned remainder; traps on zero divisor.
        #[inline(always)]
        pub(crate) fn $rem_u(a: $t, b: $t) -> Result<$t, TrapCode> {
            if b == 0 {
                Err(TrapCode::DivisionByZero)
            } else {
                Ok(((a as $ut) % (b as $ut)) as $t)
            }
        }
    };
}

int_div!(i32, i32_div_s, i32_div_u, i32_rem_s, i32_rem_u, u32);
int_div!(i64, i64_div_s, i64_div_u, i64_rem_s, i64_rem_u, u64);

/// Division of 32-bit integers by a divisor known at translation time, as multiplications.
///
/// A hardware divide takes 10–30 cycles and sits on the critical path of the code that uses it;
/// a multiply takes 3–4. With the 64-bit reciprocal `m = ceil(2^64 / d)`, for every `x < 2^32`
/// and `2 <= d < 2^32`, `x / d` is the high half of `m·x` and `x % d` is the high half of
/// `(m·x mod 2^64)·d` (Lemire, Kaser and Kurz, "Faster remainder by direct computation", 2019,
/// which proves both exact when the fraction has at least 64 bits for 32-bit operands).
///
/// Powers of two are not taken: the translator turns them into shifts and masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reciprocal32(u64);

impl Reciprocal32 {
    /// The reciprocal of `d`, if `d` is a divisor this scheme takes (not 0 and not a power of
    /// two).
    pub(crate) fn new(d: u32) -> Option<Self> {
        if d < 3 || d.is_power_of_two() {
            return None;
        }
        // `d` is not a power of two, so `2^64 / d` is not an integer and its ceiling is
        // `floor((2^64 - 1) / d) + 1`.
        Some(Self(u64::MAX / u64::from(d) + 1))
    }

    /// The reciprocal as stored in an op's immediate.
    pub(crate) fn to_bits(self) -> u64 {
        self.0
    }

    /// Reads an immediate written by [`Reciprocal32::to_bits`].
    #[inline(always)]
    pub(crate) fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// `x / d`, rounded down.
    #[inline(always)]
    pub(crate) fn quotient(self, x: u32) -> u32 {
        ((u128::from(self.0) * u128::from(x)) >> 64) as u32
    }

    /// `x % d`, for the `d` this is the reciprocal of.
    #[inline(always)]
    pub(crate) fn remainder(self, x: u32, d: u32) -> u32 {
        let fraction = self.0.wrapping_mul(u64::from(x));
        ((u128::from(fraction) * u128::from(d)) >> 64) as u32
    }

    /// Signed `x / d` (truncated toward zero) for a positive `d`.
    #[inline(always)]
    pub(crate) fn quotient_signed(self, x: i32) -> i32 {
        let q = self.quotient(x.unsigned_abs()) as i32;
        if x < 0 {
            q.wrapping_neg()
        } else {
            q
        }
    }

    /// Signed `x % d` (it has the sign of `x`) for a divisor of magnitude `d`; the divisor's
    /// sign does not matter for a remainder.
    #[inline(always)]
    pub(crate) fn remainder_signed(self, x: i32, d: u32) -> i32 {
        let r = self.remainder(x.unsigned_abs(), d) as i32;
        if x < 0 {
            r.wrapping_neg()
        } else {
            r
        }
    }
}

macro_rules! trunc {
    ($name:ident, $f:ty, $i:ty, $lo:expr, $hi:expr) => {
        /// Trapping float-to-int truncation: NaN is an invalid conversion, out of range overflows.
        /// The bounds are exclusive and exactly representable in the source float type.
        #[inline(always)]
        pub(crate) fn $name(x: $f) -> Result<$i, TrapCode> {
            if x.is_nan() {
                Err(TrapCode::InvalidConversion)
            } else if x > $lo && x < $hi {
                Ok(x as $i)
            } else {
                Err(TrapCode::IntegerOverflow)
            }
        }
    };
}

trunc!(i32_trunc_f32_s, f32, i32, -2147483904.0f32, 2147483648.0f32);
trunc!(i32_trunc_f32_u, f32, u32, -1.0f32, 4294967296.0f32);
trunc!(i32_trunc_f64_s, f64, i32, -2147483649.0f64, 2147483648.0f64);
trunc!(i32_trunc_f64_u, f64, u32, -1.0f64, 4294967296.0f64);
trunc!(i64_trunc_f32_s, f32, i64, -9223373136366403584.0f32, 9223372036854775808.0f32);
trunc!(i64_trunc_f32_u, f32, u64, -1.0f32, 18446744073709551616.0f32);
trunc!(i64_trunc_f64_s, f64, i64, -9223372036854777856.0f64, 9223372036854775808.0f64);
trunc!(i64_trunc_f64_u, f64, u64, -1.0f64, 18446744073709551616.0f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_signed_zero_and_nan() {
        assert_eq!(f32_min(0.0, -0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f32_max(-0.0, 0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(f64_min(-0.0, 0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(f32_min(f32::from_bits(0xFFC0_0001), 1.0).to_bits(), F32_CANON);
        assert_eq!(f64_max(1.0, f64::from_bits(0xFFF0_0000_0000_0001)).to_bits(), F64_CANON);
        assert_eq!(f32_max(1.0, 2.0), 2.0);
        assert_eq!(f64_min(1.0, 2.0), 1.0);
    }

    #[test]
    fn nearest_ties_to_even() {
        assert_eq!(f32_nearest(2.5), 2.0);
        assert_eq!(f32_nearest(3.5), 4.0);
        assert_eq!(f64_nearest(-0.5).to_bits(), (-0.0f64).to_bits());
        assert_eq!(f64_nearest(f64::from_bits(0xFFF8_0000_0000_0001)).to_bits(), F64_CANON);
    }

    #[test]
    fn truncation_bounds() {
        assert_eq!(i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN));
        assert_eq!(i32_trunc_f32_s(2147483648.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_trunc_f64_s(-2147483648.9), Ok(i32::MIN));
        assert_eq!(i32_trunc_f64_s(-2147483649.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_trunc_f64_u(-0.9), Ok(0));
        assert_eq!(i32_trunc_f64_u(4294967295.9), Ok(u32::MAX));
        assert_eq!(i64_trunc_f64_u(f64::NAN), Err(TrapCode::InvalidConversion));
        assert_eq!(i64_trunc_f32_s(-9223372036854775808.0), Ok(i64::MIN));
        assert_eq!(i64_trunc_f64_u(18446744073709549568.0), Ok(18446744073709549568));
    }

    #[test]
    fn division_traps() {
        assert_eq!(i32_div_s(i32::MIN, -1), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
        assert_eq!(i64_div_u(1, 0), Err(TrapCode::DivisionByZero));
        assert_eq!(i64_rem_u(-1, 10), Ok((u64::MAX % 10) as i64));
    }

    /// Divisors: every small one, the edges of each power-of-two range, and pseudo-random ones.
    fn test_divisors() -> Vec<u32> {
        let mut ds: Vec<u32> = (0..=4096).collect();
        for l in 2..=32u32 {
            let p = 1u64 << l;
            for d in [p - 1, p + 1, p / 2 + 1, p / 2 - 1, p - 3, p + 3] {
                ds.push(d.min(u64::from(u32::MAX)) as u32);
            }
        }
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ds.push((state >> (state % 32)) as u32);
        }
        ds
    }

    fn test_dividends(d: u32, salt: u64) -> Vec<u32> {
        let mut xs = vec![0, 1, 2, d.wrapping_sub(1), d, d.wrapping_add(1), u32::MAX, u32::MAX - 1, 1 << 31];
        xs.extend([(1u32 << 31) - 1, (1 << 31) + 1]);
        let top = u32::MAX - u32::MAX % d.max(1);
        xs.extend([top, top.wrapping_sub(1), top.wrapping_sub(d.max(1))]);
        let mut state = salt | 1;
        for _ in 0..64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            xs.push(state as u32);
            // Near multiples of d, where a rounding error in the reciprocal would show first.
            let k = (state >> 32) as u32 % (u32::MAX / d.max(1)).max(1);
            let near = u64::from(k) * u64::from(d);
            for delta in [0i64, -1, 1] {
                if let Ok(x) = u32::try_from(near as i64 + delta) {
                    xs.push(x);
                }
            }
        }
        xs
    }

    #[test]
    #[cfg_attr(miri, ignore = "a million divisions of plain integer code: hours under Miri")]
    fn division_by_constant_matches_hardware_division() {
        let mut checked = 0;
        for d in test_divisors() {
            let Some(reciprocal) = Reciprocal32::new(d) else {
                assert!(d < 3 || d.is_power_of_two(), "divisor {d} rejected");
                continue;
            };
            assert_eq!(Reciprocal32::from_bits(reciprocal.to_bits()), reciprocal);
            for x in test_dividends(d, u64::from(d) << 7) {
                assert_eq!(reciprocal.quotient(x), x / d, "{x} / {d}");
                assert_eq!(reciprocal.remainder(x, d), x % d, "{x} % {d}");
                if d < 1 << 31 {
                    let xs = x as i32;
                    let ds = d as i32;
                    assert_eq!(reciprocal.quotient_signed(xs), xs.wrapping_div(ds), "{xs} / {ds} signed");
                    assert_eq!(reciprocal.remainder_signed(xs, d), xs.wrapping_rem(ds), "{xs} % {ds} signed");
                    assert_eq!(reciprocal.remainder_signed(xs, d), xs.wrapping_rem(-ds), "{xs} % -{ds} signed");
                }
                checked += 1;
            }
        }
        assert!(checked > 100_000, "only {checked} cases checked");
    }

    #[test]
    fn division_by_constant_takes_the_documented_divisors() {
        for d in [0, 1, 2, 4, 1 << 20, 1 << 31] {
            assert_eq!(Reciprocal32::new(d), None, "divisor {d}");
        }
        for d in [3, 7, 10, 1000, 20_000, (1 << 31) - 1, (1 << 31) + 1, u32::MAX] {
            assert!(Reciprocal32::new(d).is_some(), "divisor {d}");
        }
    }

    #[test]
    fn canonicalization_is_positive_quiet() {
        assert_eq!(canon32(f32::from_bits(0xFF80_0001)).to_bits(), F32_CANON);
        assert_eq!(canon64(-f64::NAN).to_bits(), F64_CANON);
        assert_eq!(canon32(-1.5), -1.5);
    }
}
