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

    #[test]
    fn canonicalization_is_positive_quiet() {
        assert_eq!(canon32(f32::from_bits(0xFF80_0001)).to_bits(), F32_CANON);
        assert_eq!(canon64(-f64::NAN).to_bits(), F64_CANON);
        assert_eq!(canon32(-1.5), -1.5);
    }
}
