//! Wasm values on the command line: [`parse_arg`] reads an argument as a parameter type;
//! [`format_value`] and [`value_to_json`] print results (the formats are in [`crate::run`]).

use serde_json::{json, Value as Json};
use tally_vm::{ExternRef, Val, ValType, F32, F64};

/// Parses one command-line argument as a value of type `ty`.
///
/// - `i32`/`i64`: decimal (`-5`, `4294967295`) or hexadecimal (`0xff`, `-0x10`), optionally with
///   `_` separators; anything from the signed minimum to the unsigned maximum is accepted and
///   wraps to the two's-complement bit pattern.
/// - `f32`/`f64`: a decimal (`1.5`, `-2e10`), `inf`/`infinity` (optionally signed), `nan` (the
///   positive canonical NaN), `-nan`, or `nan:0x<payload>` with an explicit non-zero payload.
/// - `externref`: `null` or a reference number (`0`..`4294967295`).
/// - `funcref`: only `null`.
pub fn parse_arg(ty: ValType, text: &str) -> Result<Val, String> {
    let s = text.trim();
    match ty {
        ValType::I32 => {
            let v = parse_int(s, i32::MIN as i128, u32::MAX as i128)?;
            Ok(Val::I32(v as u32 as i32))
        }
        ValType::I64 => {
            let v = parse_int(s, i64::MIN as i128, u64::MAX as i128)?;
            Ok(Val::I64(v as u64 as i64))
        }
        ValType::F32 => {
            let bits = parse_float_bits(s, FloatFormat::F32)?;
            Ok(Val::F32(F32(bits as u32)))
        }
        ValType::F64 => Ok(Val::F64(F64(parse_float_bits(s, FloatFormat::F64)?))),
        ValType::ExternRef => {
            if s.eq_ignore_ascii_case("null") {
                Ok(Val::ExternRef(None))
            } else {
                let v = parse_int(s, 0, u32::MAX as i128)?;
                Ok(Val::ExternRef(Some(ExternRef(v as u32))))
            }
        }
        ValType::FuncRef => {
            if s.eq_ignore_ascii_case("null") {
                Ok(Val::FuncRef(None))
            } else {
                Err("a funcref argument can only be `null`".to_string())
            }
        }
    }
}

fn parse_int(s: &str, min: i128, max: i128) -> Result<i128, String> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match rest.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("0x") => (16, &rest[2..]),
        _ => (10, rest),
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(if radix == 16 {
            "expected hexadecimal digits after `0x`".to_string()
        } else {
            "expected a decimal integer or a `0x` hexadecimal integer".to_string()
        });
    }
    let magnitude = u128::from_str_radix(&digits, radix).map_err(|_| format!("out of range {min}..={max}"))?;
    let value = if negative {
        // Every accepted magnitude here is far below 2^127, so negation cannot overflow.
        i128::try_from(magnitude).map(|m| -m).map_err(|_| format!("out of range {min}..={max}"))?
    } else {
        i128::try_from(magnitude).map_err(|_| format!("out of range {min}..={max}"))?
    };
    if value < min || value > max {
        return Err(format!("out of range {min}..={max}"));
    }
    Ok(value)
}

#[derive(Clone, Copy)]
enum FloatFormat {
    F32,
    F64,
}

impl FloatFormat {
    fn sign_bit(self) -> u64 {
        match self {
            Self::F32 => 1 << 31,
            Self::F64 => 1 << 63,
        }
    }
    fn exponent_mask(self) -> u64 {
        match self {
            Self::F32 => 0x7f80_0000,
            Self::F64 => 0x7ff0_0000_0000_0000,
        }
    }
    fn mantissa_mask(self) -> u64 {
        match self {
            Self::F32 => 0x007f_ffff,
            Self::F64 => 0x000f_ffff_ffff_ffff,
        }
    }
    fn canonical_payload(self) -> u64 {
        match self {
            Self::F32 => 0x0040_0000,
            Self::F64 => 0x0008_0000_0000_0000,
        }
    }
}

/// Parses a float argument to its bit pattern (in the low bits of the `u64` for `f32`).
fn parse_float_bits(s: &str, format: FloatFormat) -> Result<u64, String> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let sign = if negative { format.sign_bit() } else { 0 };
    let lower = rest.to_ascii_lowercase();
    if lower == "nan" {
        return Ok(sign | format.exponent_mask() | format.canonical_payload());
    }
    if let Some(payload) = lower.strip_prefix("nan:0x") {
        let digits: String = payload.chars().filter(|&c| c != '_').collect();
        let payload = u64::from_str_radix(&digits, 16).map_err(|_| "invalid NaN payload".to_string())?;
        if payload == 0 || payload & !format.mantissa_mask() != 0 {
            return Err(format!("NaN payload must be in 0x1..={:#x}", format.mantissa_mask()));
        }
        return Ok(sign | format.exponent_mask() | payload);
    }
    if lower == "inf" || lower == "infinity" {
        return Ok(sign | format.exponent_mask());
    }
    // Only plain decimals from here on: Rust's parser would also accept "nan"/"inf" spellings we
    // have handled (or rejected) above.
    let plain = !lower.is_empty()
        && lower.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-' | '_'))
        && lower.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if !plain {
        return Err("expected a decimal number, `inf`, `nan` or `nan:0x<payload>`".to_string());
    }
    let cleaned: String = lower.chars().filter(|&c| c != '_').collect();
    let bits = match format {
        FloatFormat::F32 => cleaned.parse::<f32>().map(|f| u64::from(f.to_bits())),
        FloatFormat::F64 => cleaned.parse::<f64>().map(f64::to_bits),
    }
    .map_err(|e| format!("expected a decimal number ({e})"))?;
    Ok(sign | bits)
}

/// Renders a float given its bits, in the human format described in the crate docs.
fn format_float_bits(bits: u64, format: FloatFormat) -> String {
    let negative = bits & format.sign_bit() != 0;
    let sign = if negative { "-" } else { "" };
    let is_nan = bits & format.exponent_mask() == format.exponent_mask() && bits & format.mantissa_mask() != 0;
    if is_nan {
        let payload = bits & format.mantissa_mask();
        if payload == format.canonical_payload() {
            return format!("{sign}nan");
        }
        return format!("{sign}nan:{payload:#x}");
    }
    // Shortest round-tripping decimal; scientific notation outside [1e-5, 1e16) so huge and tiny
    // values stay short (`1e300`, not 301 digits).
    let text = match format {
        FloatFormat::F32 => {
            let f = f32::from_bits(bits as u32).abs();
            if f != 0.0 && f.is_finite() && !(1e-5..1e16).contains(&f) {
                format!("{f:e}")
            } else {
                f.to_string()
            }
        }
        FloatFormat::F64 => {
            let f = f64::from_bits(bits).abs();
            if f != 0.0 && f.is_finite() && !(1e-5..1e16).contains(&f) {
                format!("{f:e}")
            } else {
                f.to_string()
            }
        }
    };
    format!("{sign}{text}")
}

/// The value part of a result, without its type: see the table in the crate docs.
fn format_value_only(value: &Val) -> String {
    match value {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(v) => format_float_bits(u64::from(v.0), FloatFormat::F32),
        Val::F64(v) => format_float_bits(v.0, FloatFormat::F64),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".to_string(),
        Val::FuncRef(Some(_)) => "non_null".to_string(),
        Val::ExternRef(Some(r)) => r.0.to_string(),
    }
}

/// Formats a value for human output as `TYPE:VALUE`, e.g. `i32:42`, `f64:nan`, `externref:null`.
pub fn format_value(value: &Val) -> String {
    format!("{}:{}", value.ty(), format_value_only(value))
}

/// The JSON object for one result value, e.g. `{"type":"i64","value":"-1"}`; floats add `"bits"`.
pub fn value_to_json(value: &Val) -> Json {
    let ty = value.ty().to_string();
    match value {
        Val::F32(v) => json!({ "type": ty, "value": format_value_only(value), "bits": format!("{:#010x}", v.0) }),
        Val::F64(v) => json!({ "type": ty, "value": format_value_only(value), "bits": format!("{:#018x}", v.0) }),
        Val::FuncRef(None) | Val::ExternRef(None) => json!({ "type": ty, "value": null }),
        _ => json!({ "type": ty, "value": format_value_only(value) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers() {
        assert_eq!(parse_arg(ValType::I32, "42"), Ok(Val::I32(42)));
        assert_eq!(parse_arg(ValType::I32, "-2147483648"), Ok(Val::I32(i32::MIN)));
        assert_eq!(parse_arg(ValType::I32, "4294967295"), Ok(Val::I32(-1)));
        assert_eq!(parse_arg(ValType::I32, "0xffff_ffff"), Ok(Val::I32(-1)));
        assert_eq!(parse_arg(ValType::I32, "-0x10"), Ok(Val::I32(-16)));
        assert!(parse_arg(ValType::I32, "4294967296").is_err());
        assert!(parse_arg(ValType::I32, "-2147483649").is_err());
        assert!(parse_arg(ValType::I32, "abc").is_err());
        assert!(parse_arg(ValType::I32, "").is_err());
        assert!(parse_arg(ValType::I32, "0x").is_err());
        assert!(parse_arg(ValType::I32, "1.5").is_err());
        assert_eq!(parse_arg(ValType::I64, "0xffffffffffffffff"), Ok(Val::I64(-1)));
        assert_eq!(parse_arg(ValType::I64, "-9223372036854775808"), Ok(Val::I64(i64::MIN)));
        assert!(parse_arg(ValType::I64, "18446744073709551616").is_err());
        assert!(parse_arg(ValType::I64, "99999999999999999999999999999999999999999").is_err());
    }

    #[test]
    fn parses_floats() {
        assert_eq!(parse_arg(ValType::F32, "1.5"), Ok(Val::F32(F32(0x3fc0_0000))));
        assert_eq!(parse_arg(ValType::F32, "-0"), Ok(Val::F32(F32(0x8000_0000))));
        assert_eq!(parse_arg(ValType::F32, "nan"), Ok(Val::F32(F32(0x7fc0_0000))));
        assert_eq!(parse_arg(ValType::F32, "-nan"), Ok(Val::F32(F32(0xffc0_0000))));
        assert_eq!(parse_arg(ValType::F32, "nan:0x1"), Ok(Val::F32(F32(0x7f80_0001))));
        assert_eq!(parse_arg(ValType::F32, "inf"), Ok(Val::F32(F32(0x7f80_0000))));
        assert_eq!(parse_arg(ValType::F32, "-Infinity"), Ok(Val::F32(F32(0xff80_0000))));
        assert_eq!(parse_arg(ValType::F64, "0.1"), Ok(Val::F64(F64(0.1f64.to_bits()))));
        assert_eq!(parse_arg(ValType::F64, "1e300"), Ok(Val::F64(F64(1e300f64.to_bits()))));
        assert_eq!(parse_arg(ValType::F64, "nan"), Ok(Val::F64(F64(0x7ff8_0000_0000_0000))));
        assert!(parse_arg(ValType::F32, "nan:0x0").is_err());
        assert!(parse_arg(ValType::F32, "nan:0x800000").is_err());
        assert!(parse_arg(ValType::F32, "--1").is_err());
        assert!(parse_arg(ValType::F32, "one").is_err());
        assert!(parse_arg(ValType::F64, "").is_err());
    }

    #[test]
    fn parses_refs() {
        assert_eq!(parse_arg(ValType::ExternRef, "null"), Ok(Val::ExternRef(None)));
        assert_eq!(parse_arg(ValType::ExternRef, "7"), Ok(Val::ExternRef(Some(ExternRef(7)))));
        assert_eq!(parse_arg(ValType::FuncRef, "null"), Ok(Val::FuncRef(None)));
        assert!(parse_arg(ValType::FuncRef, "0").is_err());
    }

    #[test]
    fn formats_values() {
        assert_eq!(format_value(&Val::I32(-1)), "i32:-1");
        assert_eq!(format_value(&Val::I64(i64::MAX)), "i64:9223372036854775807");
        assert_eq!(format_value(&Val::F32(F32(0x3fc0_0000))), "f32:1.5");
        assert_eq!(format_value(&Val::F32(F32(0x8000_0000))), "f32:-0");
        assert_eq!(format_value(&Val::F32(F32(0x7fc0_0000))), "f32:nan");
        assert_eq!(format_value(&Val::F32(F32(0xffc0_0000))), "f32:-nan");
        assert_eq!(format_value(&Val::F32(F32(0x7f80_0001))), "f32:nan:0x1");
        assert_eq!(format_value(&Val::F64(F64(0xfff0_0000_0000_0000))), "f64:-inf");
        assert_eq!(format_value(&Val::F64(F64(0.1f64.to_bits()))), "f64:0.1");
        assert_eq!(format_value(&Val::F64(F64(1e300f64.to_bits()))), "f64:1e300");
        assert_eq!(format_value(&Val::F64(F64((-2.5e-7f64).to_bits()))), "f64:-2.5e-7");
        assert_eq!(format_value(&Val::F32(F32(1))), "f32:1e-45");
        assert_eq!(format_value(&Val::ExternRef(None)), "externref:null");
        assert_eq!(format_value(&Val::ExternRef(Some(ExternRef(3)))), "externref:3");
    }

    #[test]
    fn float_format_round_trips() {
        for bits in [
            0u32,
            0x8000_0000,
            1,
            0x0080_0000,
            0x7f7f_ffff,
            0x4b18_9680,
            0x3dcc_cccd,
            0x7fc0_0000,
            0xff80_0000,
            0x7fa0_0001,
        ] {
            let text = format_value_only(&Val::F32(F32(bits)));
            assert_eq!(parse_arg(ValType::F32, &text), Ok(Val::F32(F32(bits))), "{text}");
        }
        for bits in [
            0u64,
            1,
            0x0010_0000_0000_0000,
            0x7fef_ffff_ffff_ffff,
            0x4341_c379_37e0_8000,
            0x3fb9_9999_9999_999a,
            0xfff8_0000_0000_0001,
        ] {
            let text = format_value_only(&Val::F64(F64(bits)));
            assert_eq!(parse_arg(ValType::F64, &text), Ok(Val::F64(F64(bits))), "{text}");
        }
    }
}
