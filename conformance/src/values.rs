//! Owned `invoke` arguments and `assert_return` expectations, and how they meet the VM's [`Val`].
//!
//! Nothing here refers to a store, so a planned script can be built on one thread and executed on
//! another.

use core::fmt;

use tally_vm::{ExternRef, RefType, Val, ValType, F32, F64};

/// Quiet-NaN bit of an `f32`.
const F32_QUIET: u32 = 0x0040_0000;
/// Exponent bits of an `f32`.
const F32_EXP: u32 = 0x7f80_0000;
/// Canonical `f32` NaN without its sign bit.
const F32_CANONICAL: u32 = 0x7fc0_0000;
/// Quiet-NaN bit of an `f64`.
const F64_QUIET: u64 = 0x0008_0000_0000_0000;
/// Exponent bits of an `f64`.
const F64_EXP: u64 = 0x7ff0_0000_0000_0000;
/// Canonical `f64` NaN without its sign bit.
const F64_CANONICAL: u64 = 0x7ff8_0000_0000_0000;

/// An argument of an `invoke`, detached from any store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `f32.const`, as bits.
    F32(u32),
    /// `f64.const`, as bits.
    F64(u64),
    /// `ref.null func`.
    NullFuncRef,
    /// `ref.null extern`.
    NullExternRef,
    /// `ref.extern N`: a host reference with payload `N`.
    ExternRef(u32),
}

impl Arg {
    /// The VM value this argument stands for.
    pub fn to_val(self) -> Val {
        match self {
            Self::I32(v) => Val::I32(v),
            Self::I64(v) => Val::I64(v),
            Self::F32(bits) => Val::F32(F32(bits)),
            Self::F64(bits) => Val::F64(F64(bits)),
            Self::NullFuncRef => Val::FuncRef(None),
            Self::NullExternRef => Val::ExternRef(None),
            Self::ExternRef(n) => Val::ExternRef(Some(ExternRef(n))),
        }
    }
}

/// What a float result must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatPattern<B> {
    /// Exactly these bits (NaN payloads included).
    Bits(B),
    /// `nan:canonical`: the canonical NaN, with either sign.
    CanonicalNan,
    /// `nan:arithmetic`: any NaN with the quiet bit set.
    ArithmeticNan,
}

/// One expected result of an `assert_return`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// An `i32` with this value.
    I32(i32),
    /// An `i64` with this value.
    I64(i64),
    /// An `f32` matching the pattern.
    F32(FloatPattern<u32>),
    /// An `f64` matching the pattern.
    F64(FloatPattern<u64>),
    /// A null reference of this type; `None` accepts a null of either reference type.
    NullRef(Option<RefType>),
    /// Any non-null `funcref`.
    FuncRef,
    /// A non-null `externref`, with this payload if one is given.
    ExternRef(Option<u32>),
    /// Any one of the alternatives (`either`).
    Either(Vec<Expected>),
}

impl Expected {
    /// Whether `val` satisfies this expectation.
    pub fn matches(&self, val: &Val) -> bool {
        match (self, val) {
            (Self::I32(e), Val::I32(v)) => e == v,
            (Self::I64(e), Val::I64(v)) => e == v,
            (Self::F32(p), Val::F32(v)) => f32_matches(*p, v.0),
            (Self::F64(p), Val::F64(v)) => f64_matches(*p, v.0),
            (Self::NullRef(ty), Val::FuncRef(None)) => ty.is_none_or(|t| t == RefType::FuncRef),
            (Self::NullRef(ty), Val::ExternRef(None)) => ty.is_none_or(|t| t == RefType::ExternRef),
            (Self::FuncRef, Val::FuncRef(Some(_))) => true,
            (Self::ExternRef(payload), Val::ExternRef(Some(r))) => payload.is_none_or(|p| p == r.0),
            (Self::Either(alternatives), v) => alternatives.iter().any(|alt| alt.matches(v)),
            _ => false,
        }
    }
}

fn f32_matches(pattern: FloatPattern<u32>, bits: u32) -> bool {
    match pattern {
        FloatPattern::Bits(expected) => expected == bits,
        FloatPattern::CanonicalNan => bits & !0x8000_0000 == F32_CANONICAL,
        FloatPattern::ArithmeticNan => bits & F32_EXP == F32_EXP && bits & F32_QUIET != 0,
    }
}

fn f64_matches(pattern: FloatPattern<u64>, bits: u64) -> bool {
    match pattern {
        FloatPattern::Bits(expected) => expected == bits,
        FloatPattern::CanonicalNan => bits & !(1 << 63) == F64_CANONICAL,
        FloatPattern::ArithmeticNan => bits & F64_EXP == F64_EXP && bits & F64_QUIET != 0,
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::I32(v) => write!(f, "i32:{v}"),
            Self::I64(v) => write!(f, "i64:{v}"),
            Self::F32(FloatPattern::Bits(bits)) => write!(f, "f32:{} ({bits:#010x})", f32::from_bits(*bits)),
            Self::F64(FloatPattern::Bits(bits)) => write!(f, "f64:{} ({bits:#018x})", f64::from_bits(*bits)),
            Self::F32(FloatPattern::CanonicalNan) => f.write_str("f32:nan:canonical"),
            Self::F32(FloatPattern::ArithmeticNan) => f.write_str("f32:nan:arithmetic"),
            Self::F64(FloatPattern::CanonicalNan) => f.write_str("f64:nan:canonical"),
            Self::F64(FloatPattern::ArithmeticNan) => f.write_str("f64:nan:arithmetic"),
            Self::NullRef(Some(RefType::FuncRef)) => f.write_str("ref.null func"),
            Self::NullRef(Some(RefType::ExternRef)) => f.write_str("ref.null extern"),
            Self::NullRef(None) => f.write_str("ref.null"),
            Self::FuncRef => f.write_str("ref.func"),
            Self::ExternRef(Some(n)) => write!(f, "ref.extern {n}"),
            Self::ExternRef(None) => f.write_str("ref.extern"),
            Self::Either(alternatives) => {
                f.write_str("either(")?;
                for (i, alt) in alternatives.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{alt}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Displays a VM value the way failure messages show it, e.g. `i32:7` or `f32:1.5 (0x3fc00000)`.
#[derive(Debug, Clone, Copy)]
pub struct ShowVal<'a>(pub &'a Val);

impl fmt::Display for ShowVal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Val::I32(v) => write!(f, "i32:{v}"),
            Val::I64(v) => write!(f, "i64:{v}"),
            Val::F32(v) => write!(f, "f32:{} ({:#010x})", v.to_float(), v.0),
            Val::F64(v) => write!(f, "f64:{} ({:#018x})", v.to_float(), v.0),
            Val::FuncRef(None) => f.write_str("ref.null func"),
            Val::FuncRef(Some(_)) => f.write_str("ref.func"),
            Val::ExternRef(None) => f.write_str("ref.null extern"),
            Val::ExternRef(Some(r)) => write!(f, "ref.extern {}", r.0),
        }
    }
}

/// Renders a list of values or expectations as `[a, b, c]`.
pub fn list<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let parts: Vec<String> = items.into_iter().map(|item| item.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// A placeholder value of type `ty`, used to size a result buffer before a call.
pub fn placeholder(ty: ValType) -> Val {
    match ty {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(F32(0)),
        ValType::F64 => Val::F64(F64(0)),
        ValType::FuncRef => Val::FuncRef(None),
        ValType::ExternRef => Val::ExternRef(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_nan_accepts_either_sign_only() {
        let p = Expected::F32(FloatPattern::CanonicalNan);
        assert!(p.matches(&Val::F32(F32(0x7fc0_0000))));
        assert!(p.matches(&Val::F32(F32(0xffc0_0000))));
        assert!(!p.matches(&Val::F32(F32(0x7fc0_0001))));
        assert!(!p.matches(&Val::F32(F32(0x7fa0_0000))));
        let p = Expected::F64(FloatPattern::CanonicalNan);
        assert!(p.matches(&Val::F64(F64(0xfff8_0000_0000_0000))));
        assert!(!p.matches(&Val::F64(F64(0x7ff8_0000_0000_0001))));
    }

    #[test]
    fn arithmetic_nan_requires_quiet_bit() {
        let p = Expected::F32(FloatPattern::ArithmeticNan);
        assert!(p.matches(&Val::F32(F32(0x7fc0_0001))));
        assert!(p.matches(&Val::F32(F32(0xffe0_0000))));
        assert!(!p.matches(&Val::F32(F32(0x7f80_0001))));
        assert!(!p.matches(&Val::F32(F32(0x7f80_0000))));
        let p = Expected::F64(FloatPattern::ArithmeticNan);
        assert!(p.matches(&Val::F64(F64(0x7ffc_0000_0000_0000))));
        assert!(!p.matches(&Val::F64(F64(0x7ff0_0000_0000_0001))));
    }

    #[test]
    fn exact_floats_compare_bits() {
        let p = Expected::F32(FloatPattern::Bits(0x8000_0000));
        assert!(p.matches(&Val::F32(F32(0x8000_0000))));
        assert!(!p.matches(&Val::F32(F32(0))));
        assert!(!p.matches(&Val::I32(i32::MIN)));
    }

    #[test]
    fn references_match_by_kind_and_payload() {
        assert!(Expected::ExternRef(Some(3)).matches(&Arg::ExternRef(3).to_val()));
        assert!(!Expected::ExternRef(Some(3)).matches(&Arg::ExternRef(4).to_val()));
        assert!(Expected::NullRef(None).matches(&Arg::NullFuncRef.to_val()));
        assert!(!Expected::NullRef(Some(RefType::ExternRef)).matches(&Arg::NullFuncRef.to_val()));
        assert!(!Expected::FuncRef.matches(&Arg::NullFuncRef.to_val()));
    }
}
