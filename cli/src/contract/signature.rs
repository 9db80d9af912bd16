//! Checking call input against an SDK method's signature before anything runs.
//!
//! An SDK contract decodes its arguments only once it runs, so input that does not match the
//! method's argument types (missing arguments, a `u64` where it takes a `u128`, bytes left over)
//! would cost a load, an instantiation and a revert with `BadArguments`. [`check_args`] walks the
//! SCALE input along the types the metadata declares and names the first argument that does not
//! fit. It understands the types the SDK's examples and `--args` use: integers, `bool`,
//! `String`, `Address`, `[T; N]`, `Vec<T>`, `Option<T>` and tuples; at the first argument of
//! another type (a contract's own struct or enum) it stops checking, since the metadata does not
//! describe that type's encoding.

use tally_sdk_build::MethodInfo as Method;

/// A SCALE type, as far as the check understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ty {
    /// A fixed number of bytes (integers, `Address`).
    Fixed(usize),
    Bool,
    Str,
    Vec(Box<Ty>),
    Array(Box<Ty>, usize),
    Option(Box<Ty>),
    Tuple(Vec<Ty>),
}

/// Parses a type as the metadata spells it (`Vec<(Address, u128)>`, `[u8; 32]`); `None` for a
/// type the check does not know.
fn parse_type(text: &str) -> Option<Ty> {
    let t = text.trim();
    let fixed = match t {
        "u8" | "i8" => Some(1),
        "u16" | "i16" => Some(2),
        "u32" | "i32" => Some(4),
        "u64" | "i64" => Some(8),
        "u128" | "i128" => Some(16),
        "Address" | "tally_sdk::Address" => Some(32),
        _ => None,
    };
    if let Some(n) = fixed {
        return Some(Ty::Fixed(n));
    }
    match t {
        "bool" => return Some(Ty::Bool),
        "String" | "alloc::string::String" => return Some(Ty::Str),
        "()" => return Some(Ty::Tuple(Vec::new())),
        _ => {}
    }
    if let Some(inner) = generic(t, "Vec") {
        return Some(Ty::Vec(Box::new(parse_type(inner)?)));
    }
    if let Some(inner) = generic(t, "Option") {
        return Some(Ty::Option(Box::new(parse_type(inner)?)));
    }
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let parts = split_top(inner, ';');
        let [elem, len] = parts.as_slice() else { return None };
        return Some(Ty::Array(Box::new(parse_type(elem)?), len.trim().parse().ok()?));
    }
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        let items = split_top(inner, ',');
        let items = items.iter().filter(|i| !i.trim().is_empty()).map(|i| parse_type(i)).collect::<Option<_>>()?;
        return Some(Ty::Tuple(items));
    }
    None
}

/// `inner` of `name<inner>` (also with a path before `name`, like `alloc::vec::Vec<u8>`).
fn generic<'a>(t: &'a str, name: &str) -> Option<&'a str> {
    let open = t.find('<')?;
    let head = &t[..open];
    (head == name || head.ends_with(&format!("::{name}"))).then(|| t[open + 1..].strip_suffix('>')).flatten()
}

/// Splits `s` at `sep` outside brackets.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let (mut depth, mut start, mut parts) = (0i32, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Why the input does not decode as a type.
enum Mismatch {
    /// It ends early: `need` bytes were wanted at a point where `left` remained.
    Short { need: u64, left: usize },
    /// A byte that no value of the type starts with.
    Invalid(String),
}

fn take(input: &mut &[u8], n: u64) -> Result<(), Mismatch> {
    match usize::try_from(n).ok().filter(|n| *n <= input.len()) {
        Some(n) => {
            *input = &input[n..];
            Ok(())
        }
        None => Err(Mismatch::Short { need: n, left: input.len() }),
    }
}

/// A SCALE compact length.
fn compact(input: &mut &[u8]) -> Result<u64, Mismatch> {
    let first = *input.first().ok_or(Mismatch::Short { need: 1, left: 0 })?;
    let len = match first & 3 {
        0 => 1,
        1 => 2,
        2 => 4,
        _ => 1 + usize::from(first >> 2) + 4,
    };
    let bytes = input.get(..len).ok_or(Mismatch::Short { need: len as u64, left: input.len() })?;
    let value = match first & 3 {
        0 => u64::from(first >> 2),
        1 => u64::from(u16::from_le_bytes([bytes[0], bytes[1]]) >> 2),
        2 => u64::from(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) >> 2),
        _ if len > 9 => return Err(Mismatch::Invalid("a length over 2^64".into())),
        _ => bytes[1..].iter().rev().fold(0u64, |acc, b| acc << 8 | u64::from(*b)),
    };
    *input = &input[len..];
    Ok(value)
}

/// The fewest bytes a value of `ty` takes (0 for `()` and empty arrays or tuples).
fn min_size(ty: &Ty) -> u64 {
    match ty {
        Ty::Fixed(n) => *n as u64,
        Ty::Bool | Ty::Str | Ty::Vec(_) | Ty::Option(_) => 1,
        Ty::Array(elem, n) => min_size(elem).saturating_mul(*n as u64),
        Ty::Tuple(items) => items.iter().map(min_size).sum(),
    }
}

fn skip(ty: &Ty, input: &mut &[u8]) -> Result<(), Mismatch> {
    match ty {
        Ty::Fixed(n) => take(input, *n as u64),
        Ty::Bool => match input.first() {
            Some(0 | 1) => take(input, 1),
            Some(b) => Err(Mismatch::Invalid(format!("byte 0x{b:02x} is neither false (0x00) nor true (0x01)"))),
            None => Err(Mismatch::Short { need: 1, left: 0 }),
        },
        Ty::Str => {
            let len = compact(input)?;
            let before = *input;
            take(input, len)?;
            match std::str::from_utf8(&before[..before.len() - input.len()]) {
                Ok(_) => Ok(()),
                Err(_) => Err(Mismatch::Invalid("the string is not UTF-8".into())),
            }
        }
        Ty::Vec(elem) => {
            let len = compact(input)?;
            let each = min_size(elem);
            if each == 0 {
                return Ok(());
            }
            // Refuse a count the remaining bytes cannot hold before walking it.
            take(&mut &input[..], len.saturating_mul(each))?;
            (0..len).try_for_each(|_| skip(elem, input))
        }
        Ty::Array(elem, n) => {
            take(&mut &input[..], min_size(ty))?;
            (0..*n).try_for_each(|_| skip(elem, input))
        }
        Ty::Option(inner) => match input.first() {
            Some(0) => take(input, 1),
            Some(1) => {
                take(input, 1)?;
                skip(inner, input)
            }
            Some(b) => Err(Mismatch::Invalid(format!("byte 0x{b:02x} is neither None (0x00) nor Some (0x01)"))),
            None => Err(Mismatch::Short { need: 1, left: 0 }),
        },
        Ty::Tuple(items) => items.iter().try_for_each(|t| skip(t, input)),
    }
}

/// `name: Type, …` of a method's arguments.
pub fn signature(method: &Method) -> String {
    let args: Vec<String> = method.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
    format!("{}({})", method.name, args.join(", "))
}

/// Checks that `input` (the arguments, without a selector) decodes as `method`'s arguments with
/// nothing left over; the error names the first argument that does not fit and the signature.
pub fn check_args(method: &Method, input: &[u8]) -> Result<(), String> {
    let sig = signature(method);
    if input.is_empty() && !method.args.is_empty() {
        let names: Vec<String> = method.args.iter().map(|(n, _)| format!("\"{n}\": …")).collect();
        return Err(format!(
            "`{sig}` takes {} argument{} and none were given; pass them with --json-args '{{{}}}' (or SCALE with --args)",
            method.args.len(),
            if method.args.len() == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    let mut rest = input;
    for (name, ty_text) in &method.args {
        // A type the metadata names but does not describe: the rest cannot be checked here.
        let Some(ty) = parse_type(ty_text) else { return Ok(()) };
        let at = input.len() - rest.len();
        skip(&ty, &mut rest).map_err(|m| match m {
            Mismatch::Short { need, left } => format!(
                "the arguments end inside `{name}` ({ty_text}), which starts at byte {at}: {need} more byte{} needed, \
                 {left} left; `{sig}`",
                if need == 1 { " was" } else { "s were" }
            ),
            Mismatch::Invalid(why) => format!("argument `{name}` ({ty_text}) at byte {at}: {why}; `{sig}`"),
        })?;
    }
    if !rest.is_empty() {
        return Err(format!(
            "{} byte{} left over after the last argument of `{sig}` (the input is {} bytes)",
            rest.len(),
            if rest.len() == 1 { " is" } else { "s are" },
            input.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use parity_scale_codec::Encode;

    use super::*;

    fn method(args: &[(&str, &str)]) -> Method {
        Method {
            name: "m".into(),
            kind: tally_sdk_build::MethodKind::Call,
            selector: [0; 4],
            mutates: true,
            args: args.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(),
            returns: None,
        }
    }

    #[test]
    fn types_parse_as_the_metadata_spells_them() {
        assert_eq!(parse_type("[u8; 32]"), Some(Ty::Array(Box::new(Ty::Fixed(1)), 32)));
        assert_eq!(
            parse_type("Vec<(Address, u128)>"),
            Some(Ty::Vec(Box::new(Ty::Tuple(vec![Ty::Fixed(32), Ty::Fixed(16)]))))
        );
        assert_eq!(
            parse_type("Option<alloc::vec::Vec<u8>>"),
            Some(Ty::Option(Box::new(Ty::Vec(Box::new(Ty::Fixed(1))))))
        );
        assert_eq!(parse_type("State"), None);
        assert_eq!(parse_type("Vec<State>"), None);
    }

    #[test]
    fn matching_input_passes() {
        let m = method(&[("to", "Address"), ("value", "u128"), ("memo", "Option<String>"), ("tags", "Vec<u16>")]);
        let input = ([7u8; 32], 5u128, Some("hi".to_string()), vec![1u16, 2]).encode();
        assert_eq!(check_args(&m, &input), Ok(()));
        assert_eq!(check_args(&method(&[]), &[]), Ok(()));
    }

    #[test]
    fn mismatches_name_the_argument_and_the_signature() {
        let m = method(&[("to", "Address"), ("value", "u128")]);
        assert_eq!(
            check_args(&m, &[]).unwrap_err(),
            "`m(to: Address, value: u128)` takes 2 arguments and none were given; pass them with \
             --json-args '{\"to\": …, \"value\": …}' (or SCALE with --args)"
        );
        // A u64 where a u128 goes.
        let short = ([1u8; 32], 5u64).encode();
        assert_eq!(
            check_args(&m, &short).unwrap_err(),
            "the arguments end inside `value` (u128), which starts at byte 32: 16 more bytes were needed, 8 left; \
             `m(to: Address, value: u128)`"
        );
        let long = ([1u8; 32], 5u128, 1u8).encode();
        assert_eq!(
            check_args(&m, &long).unwrap_err(),
            "1 byte is left over after the last argument of `m(to: Address, value: u128)` (the input is 49 bytes)"
        );
        let b = method(&[("flag", "bool")]);
        assert!(check_args(&b, &[2]).unwrap_err().contains("argument `flag` (bool) at byte 0: byte 0x02 is neither"));
        let v = method(&[("items", "Vec<u64>")]);
        let huge = [0xfe, 0xff, 0xff, 0xff];
        assert!(check_args(&v, &huge).unwrap_err().contains("more bytes were needed"), "a huge count is refused");
    }

    #[test]
    fn unknown_types_stop_the_check() {
        let m = method(&[("n", "u8"), ("state", "State"), ("x", "u64")]);
        assert_eq!(check_args(&m, &[1, 9]), Ok(()));
        assert!(check_args(&m, &[]).is_err(), "nothing at all is still missing arguments");
    }
}
