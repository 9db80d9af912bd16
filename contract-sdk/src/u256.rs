//! 256-bit unsigned integers: [`U256`] (from `primitive-types`), with checked arithmetic and
//! [`MulDiv`], the full-width `a · b / c` every price and share computation needs.
//!
//! ```ignore
//! use tally_sdk::prelude::*; // U256, MulDiv
//!
//! // 2^127 · 2^127 / 2^127 without overflow: the product is held in 512 (for U256) or 256 bits
//! // (for u128) before dividing.
//! let x = (1u128 << 127).mul_div(1u128 << 127, 1u128 << 127); // Some(1 << 127)
//! let y = U256::MAX.mul_div_ceil(U256::from(3), U256::from(7)); // rounded up
//! let z = U256::from(7).checked_add(U256::MAX);                 // None
//! ```
//!
//! `U256` is SCALE-encoded as its 32 bytes, little-endian, so it works as a storage value or
//! key, a method argument or return value, and inside events and errors. Its operators (`+`,
//! `-`, `*`, `/`) panic on overflow or division by zero, which aborts the contract
//! ([`abort_code::PANIC`](crate::abort_code::PANIC)): use the `checked_*` methods
//! (`checked_add`, `checked_sub`, `checked_mul`, `checked_div`, `checked_rem`, `checked_pow`)
//! to turn an overflow into the contract's own error. Conversions: `U256::from(x)` for any
//! unsigned primitive, `u128::try_from(u256)` (an error when it does not fit).

pub use primitive_types::U256;
use primitive_types::U512;

/// `self · b / c` with the product held at full width (never overflowing), rounded down or up.
/// `None` when `c` is zero or the quotient does not fit the type.
pub trait MulDiv: Sized {
    /// `⌊self · b / c⌋`.
    fn mul_div(self, b: Self, c: Self) -> Option<Self>;

    /// `⌈self · b / c⌉`.
    fn mul_div_ceil(self, b: Self, c: Self) -> Option<Self>;
}

/// The quotient and whether the remainder is nonzero, of `a · b / c` in 512 bits.
fn wide_div(a: U256, b: U256, c: U256) -> Option<(U256, bool)> {
    if c.is_zero() {
        return None;
    }
    let (q, r) = a.full_mul(b).div_mod(U512::from(c));
    Some((U256::try_from(q).ok()?, !r.is_zero()))
}

impl MulDiv for U256 {
    fn mul_div(self, b: U256, c: U256) -> Option<U256> {
        wide_div(self, b, c).map(|(q, _)| q)
    }

    fn mul_div_ceil(self, b: U256, c: U256) -> Option<U256> {
        let (q, inexact) = wide_div(self, b, c)?;
        if inexact {
            q.checked_add(U256::one())
        } else {
            Some(q)
        }
    }
}

/// The `u128` quotient of `a · b / c` computed in 256 bits (the product of two `u128`s always
/// fits), and whether the remainder is nonzero.
fn u128_div(a: u128, b: u128, c: u128) -> Option<(u128, bool)> {
    if c == 0 {
        return None;
    }
    let (q, r) = U256::from(a).full_mul_u128(b).div_mod(U256::from(c));
    Some((u128::try_from(q).ok()?, !r.is_zero()))
}

/// A `u128` product in 256 bits.
trait FullMulU128 {
    fn full_mul_u128(self, b: u128) -> U256;
}

impl FullMulU128 for U256 {
    fn full_mul_u128(self, b: u128) -> U256 {
        // Both factors are below 2^128, so the product is below 2^256: never an overflow.
        self.overflowing_mul(U256::from(b)).0
    }
}

impl MulDiv for u128 {
    fn mul_div(self, b: u128, c: u128) -> Option<u128> {
        u128_div(self, b, c).map(|(q, _)| q)
    }

    fn mul_div_ceil(self, b: u128, c: u128) -> Option<u128> {
        let (q, inexact) = u128_div(self, b, c)?;
        if inexact {
            q.checked_add(1)
        } else {
            Some(q)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::{Decode, Encode};

    fn u(x: u128) -> U256 {
        U256::from(x)
    }

    #[test]
    fn mul_div_keeps_the_full_product() {
        let big = U256::MAX;
        // MAX · MAX / MAX overflows any 256-bit intermediate.
        assert_eq!(big.mul_div(big, big), Some(big));
        // 2^256 − 1 is a multiple of 3.
        assert_eq!(big.mul_div(u(2), u(3)), Some(big / u(3) * u(2)));
        assert_eq!(big.mul_div(u(3), u(2)), None, "the quotient does not fit");
        assert_eq!(u128::MAX.mul_div(u128::MAX, u128::MAX), Some(u128::MAX));
        assert_eq!((1u128 << 127).mul_div(6, 4), Some(3 << 126), "2^127 · 6 overflows a u128, the quotient does not");
        assert_eq!((1u128 << 127).mul_div(4, 2), None, "2^128 does not fit a u128");
        assert_eq!((1u128 << 126).mul_div(6, 4), Some(3 << 125));
    }

    #[test]
    fn mul_div_rounds_down_and_ceil_rounds_up() {
        assert_eq!(7u128.mul_div(3, 2), Some(10));
        assert_eq!(7u128.mul_div_ceil(3, 2), Some(11));
        assert_eq!(8u128.mul_div_ceil(3, 2), Some(12), "exact quotients are not rounded");
        assert_eq!(u(7).mul_div(u(3), u(2)), Some(u(10)));
        assert_eq!(u(7).mul_div_ceil(u(3), u(2)), Some(u(11)));
        assert_eq!(U256::MAX.mul_div_ceil(U256::MAX, U256::MAX), Some(U256::MAX));
        assert_eq!((U256::MAX - u(1)).mul_div_ceil(u(5), u(5)), Some(U256::MAX - u(1)));
        assert_eq!(U256::MAX.mul_div_ceil(u(3), u(2)), None, "the quotient does not fit");
        assert_eq!(u128::MAX.mul_div_ceil(3, 2), None);
        assert_eq!((u128::MAX - 1).mul_div_ceil(3, 3), Some(u128::MAX - 1));
    }

    #[test]
    fn division_by_zero_is_none() {
        assert_eq!(5u128.mul_div(1, 0), None);
        assert_eq!(5u128.mul_div_ceil(1, 0), None);
        assert_eq!(u(5).mul_div(u(1), U256::zero()), None);
        assert_eq!(u(5).mul_div_ceil(u(1), U256::zero()), None);
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(U256::MAX.checked_add(u(1)), None);
        assert_eq!(u(0).checked_sub(u(1)), None);
        assert_eq!((U256::one() << 128).checked_mul(U256::one() << 128), None);
        assert_eq!((U256::one() << 127).checked_mul(U256::one() << 128), Some(U256::one() << 255));
        assert_eq!(u(1).checked_div(U256::zero()), None);
        assert_eq!(u128::try_from(u(u128::MAX)), Ok(u128::MAX));
        assert!(u128::try_from(u(u128::MAX) + u(1)).is_err());
    }

    #[test]
    fn scale_is_the_32_bytes_little_endian() {
        let x = (U256::one() << 200) + u(0x0102);
        let bytes = x.encode();
        assert_eq!(bytes.len(), 32);
        assert_eq!(&bytes[..2], &[0x02, 0x01]);
        assert_eq!(bytes[25], 1);
        assert_eq!(U256::decode(&mut &bytes[..]), Ok(x));
        assert!(U256::decode(&mut &bytes[..31]).is_err());
    }
}
