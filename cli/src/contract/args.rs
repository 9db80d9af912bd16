//! `--args`: typed command-line values, SCALE-encoded into call input.

use parity_scale_codec::Encode;
use tally_host_env::parse_hex;

use super::{parse_address, ContractError};

/// Encodes `--args` as call input.
///
/// Either a single `0x…` hex string, taken verbatim as the input bytes, or typed values
/// `TYPE:VALUE`, each SCALE-encoded and concatenated in order:
///
/// | type | value | encoding |
/// |---|---|---|
/// | `u8` `u16` `u32` `u64` `u128` | decimal or `0x` hex | little-endian, fixed width |
/// | `i8` `i16` `i32` `i64` `i128` | decimal (optionally negative) or `0x` hex | two's complement, little-endian |
/// | `bool` | `true` / `false` | one byte, 1 / 0 |
/// | `addr` | `0x` + 64 hex digits | the 32 bytes |
/// | `bytes` | `0x` hex | `Vec<u8>`: compact length, then the bytes |
/// | `str` | any text (UTF-8) | `String`: compact length, then the bytes |
/// | `raw` | `0x` hex | the bytes verbatim, no length prefix |
///
/// No arguments is empty input. Errors name the offending argument.
pub fn encode_args(args: &[String]) -> Result<Vec<u8>, ContractError> {
    if let [only] = args {
        if only.starts_with("0x") {
            return parse_hex(only).ok_or_else(|| {
                ContractError::Input(format!(
                    "invalid argument '{only}': expected an even number of hex digits after 0x"
                ))
            });
        }
    }
    let mut out = Vec::new();
    for (index, arg) in args.iter().enumerate() {
        encode_arg(arg, &mut out)
            .map_err(|reason| ContractError::Input(format!("invalid argument {} '{arg}': {reason}", index + 1)))?;
    }
    Ok(out)
}

fn encode_arg(arg: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let Some((ty, value)) = arg.split_once(':') else {
        if arg.starts_with("0x") {
            return Err("raw hex input must be the only argument (use raw:0x… to concatenate bytes)".into());
        }
        return Err("expected TYPE:VALUE (types: u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 bool addr bytes str raw) \
                    or a single 0x hex string"
            .into());
    };
    let hex_bytes = |v: &str| -> Result<Vec<u8>, String> {
        if !v.starts_with("0x") {
            return Err("expected 0x followed by hex digits".into());
        }
        parse_hex(v).ok_or_else(|| "expected an even number of hex digits after 0x".to_string())
    };
    match ty {
        "u8" => (parse_uint(value, u8::MAX.into())? as u8).encode_to(out),
        "u16" => (parse_uint(value, u16::MAX.into())? as u16).encode_to(out),
        "u32" => (parse_uint(value, u32::MAX.into())? as u32).encode_to(out),
        "u64" => (parse_uint(value, u64::MAX.into())? as u64).encode_to(out),
        "u128" => parse_uint(value, u128::MAX)?.encode_to(out),
        "i8" => (parse_sint(value, i8::MIN.into(), i8::MAX.into())? as i8).encode_to(out),
        "i16" => (parse_sint(value, i16::MIN.into(), i16::MAX.into())? as i16).encode_to(out),
        "i32" => (parse_sint(value, i32::MIN.into(), i32::MAX.into())? as i32).encode_to(out),
        "i64" => (parse_sint(value, i64::MIN.into(), i64::MAX.into())? as i64).encode_to(out),
        "i128" => parse_sint(value, i128::MIN, i128::MAX)?.encode_to(out),
        "bool" => match value {
            "true" => true.encode_to(out),
            "false" => false.encode_to(out),
            _ => return Err("expected true or false".into()),
        },
        "addr" => parse_address(value)?.0.encode_to(out),
        "bytes" => hex_bytes(value)?.encode_to(out),
        "str" => value.encode_to(out),
        "raw" => out.extend_from_slice(&hex_bytes(value)?),
        _ => {
            return Err(format!(
                "unknown type '{ty}' (types: u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 bool addr bytes str raw)"
            ))
        }
    }
    Ok(())
}

/// The value of a non-negative decimal or `0x` hex integer (`_` separators allowed): `None`
/// when it does not fit in `u128`; an error when it is not such an integer.
fn parse_magnitude(text: &str) -> Result<Option<u128>, String> {
    let (digits, radix) = match text.strip_prefix("0x") {
        Some(h) => (h, 16),
        None => (text, 10),
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err("expected a non-negative decimal or 0x hex integer".into());
    }
    // The digits are valid, so the only failure left is overflow.
    Ok(u128::from_str_radix(&digits, radix).ok())
}

fn parse_uint(text: &str, max: u128) -> Result<u128, String> {
    parse_magnitude(text)?.filter(|&v| v <= max).ok_or_else(|| format!("out of range 0..={max}"))
}

fn parse_sint(text: &str, min: i128, max: i128) -> Result<i128, String> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let range = || format!("out of range {min}..={max}");
    let magnitude = parse_magnitude(rest)?.ok_or_else(range)?;
    let value = if negative {
        if magnitude == 1u128 << 127 {
            i128::MIN
        } else {
            -i128::try_from(magnitude).map_err(|_| range())?
        }
    } else {
        i128::try_from(magnitude).map_err(|_| range())?
    };
    if value < min || value > max {
        return Err(range());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn encodes_typed_args_as_scale() {
        let input = encode_args(&args(&[
            "u8:1",
            "u16:0x0203",
            "u32:7",
            "u64:1",
            "u128:100",
            "i32:-1",
            "i64:-2",
            "bool:true",
            "bytes:0xabcd",
            "str:hi",
        ]))
        .unwrap();
        let expected = (1u8, 0x0203u16, 7u32, 1u64, 100u128, -1i32, -2i64, true, vec![0xabu8, 0xcd], "hi").encode();
        assert_eq!(input, expected);
        let a = format!("0x{}", "ab".repeat(32));
        assert_eq!(encode_args(&args(&[&format!("addr:{a}")])).unwrap(), vec![0xab; 32]);
        assert_eq!(encode_args(&args(&["0x0102"])).unwrap(), vec![1, 2]);
        assert_eq!(encode_args(&args(&["raw:0x0102", "u8:3"])).unwrap(), vec![1, 2, 3]);
        assert_eq!(encode_args(&[]).unwrap(), Vec::<u8>::new());
        assert_eq!(encode_args(&args(&["i8:-128", "i128:-170141183460469231731687303715884105728"])).unwrap(), {
            let mut v = vec![0x80];
            v.extend(i128::MIN.to_le_bytes());
            v
        });
    }

    #[test]
    fn rejects_bad_args_naming_them() {
        for (bad, needle) in [
            (&["u8:256"][..], "argument 1 'u8:256'"),
            (&["u8:1", "u32:-1"][..], "argument 2 'u32:-1'"),
            (&["i8:128"][..], "out of range"),
            (&["bool:yes"][..], "true or false"),
            (&["addr:0x12"][..], "64 hex digits"),
            (&["bytes:zz"][..], "0x"),
            (&["f32:1"][..], "unknown type 'f32'"),
            (&["0x123"][..], "even number"),
            (&["u8:1", "0x12"][..], "only argument"),
            (&["hello"][..], "TYPE:VALUE"),
        ] {
            let err = encode_args(&args(bad)).unwrap_err().to_string();
            assert!(err.contains(needle), "{bad:?}: {err}");
        }
    }
}
