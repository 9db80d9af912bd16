//! SDK contracts in the CLI: method names to selectors, and named JSON arguments.
//!
//! A contract built with `tally-sdk` exports two entry points, `deploy` and `call`; `call` reads
//! `selector ‖ SCALE(args)`, where the selector is the first 4 bytes of the Keccak-256 of the
//! method name. Its metadata (the `tally.metadata` custom section) lists every method with its
//! selector and typed arguments. With it, `tally call ADDR transfer --json-args '{…}'` finds the
//! entry point and encodes the arguments by their declared types; without it, a method that is
//! not an export of its own is still called through `call` with the computed selector.

use std::sync::Arc;

use parity_scale_codec::{Compact, Decode, Encode};
use serde_json::Value as Json;
use tally_host_env::{keys, parse_hex, Account, Address, Storage};
use tally_sdk_build::{Metadata, MethodInfo, MethodKind};

use super::ContractError;

/// The metadata of the contract deployed at `address`, if its code carries one.
pub fn metadata_of(storage: &Arc<dyn Storage>, address: &Address) -> Result<Option<Metadata>, ContractError> {
    let account_key = [keys::ACCOUNT, &address.0[..]].concat();
    let Some(raw) = storage.get(&account_key).map_err(ContractError::Storage)? else {
        // The runtime reports the unknown address with its own error.
        return Ok(None);
    };
    let Ok(account) = Account::decode(&mut &raw[..]) else { return Ok(None) };
    let code_key = [keys::CODE, &account.code_hash[..]].concat();
    let Some(code) = storage.get(&code_key).map_err(ContractError::Storage)? else { return Ok(None) };
    metadata_of_code(&code)
}

/// The metadata in `code`'s `tally.metadata` section, if any.
pub fn metadata_of_code(code: &[u8]) -> Result<Option<Metadata>, ContractError> {
    match tally_sdk_build::read_metadata(code) {
        None => Ok(None),
        Some(json) => Metadata::parse(&json).map(Some).map_err(ContractError::Input),
    }
}

/// How to run `method`: the export and the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The export to run.
    pub entry: String,
    /// The call input.
    pub input: Vec<u8>,
}

/// Resolves `method` of a contract with `metadata` (if any) and encodes its arguments: `args`
/// (already SCALE-encoded, from `--args`) or `json_args` (named by the metadata's argument
/// names, or a positional array), not both.
pub fn resolve(
    metadata: Option<&Metadata>,
    method: &str,
    args: Vec<u8>,
    json_args: Option<&str>,
) -> Result<Resolved, ContractError> {
    let Some(meta) = metadata else {
        if json_args.is_some() {
            return Err(ContractError::Input(
                "--json-args needs contract metadata (an SDK contract); use --args".into(),
            ));
        }
        // Not an SDK contract we can describe: the method is the export; if the module has no
        // such export, `call_with_selector_fallback` retries through `call`.
        return Ok(Resolved { entry: method.into(), input: args });
    };
    let Some(m) = meta.methods.iter().find(|m| m.name == method) else {
        if method == "call" || method == "deploy" {
            return Ok(Resolved { entry: method.into(), input: args });
        }
        let names: Vec<&str> = meta.methods.iter().map(|m| m.name.as_str()).collect();
        return Err(ContractError::Input(format!(
            "contract {} has no method `{method}`; its methods: {}",
            meta.contract,
            names.join(", ")
        )));
    };
    let encoded = match json_args {
        Some(text) => encode_json_args(m, text)?,
        None => args,
    };
    let input = if matches!(m.kind, MethodKind::Init | MethodKind::Migrate) {
        encoded
    } else {
        [&m.selector[..], &encoded[..]].concat()
    };
    Ok(Resolved { entry: m.entry().to_string(), input })
}

/// SCALE-encodes named (or positional) JSON arguments by the method's declared types.
pub fn encode_json_args(method: &MethodInfo, text: &str) -> Result<Vec<u8>, ContractError> {
    let value: Json =
        serde_json::from_str(text).map_err(|e| ContractError::Input(format!("--json-args is not JSON: {e}")))?;
    let values: Vec<&Json> = match &value {
        Json::Object(map) => {
            let sig = super::signature::signature(method);
            if let Some(extra) = map.keys().find(|k| !method.args.iter().any(|(n, _)| n == *k)) {
                let names: Vec<&str> = method.args.iter().map(|(n, _)| n.as_str()).collect();
                return Err(ContractError::Input(format!(
                    "method `{}` has no argument `{extra}`; its arguments: {} (`{sig}`)",
                    method.name,
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                )));
            }
            method
                .args
                .iter()
                .map(|(n, _)| {
                    map.get(n).ok_or_else(|| {
                        ContractError::Input(format!("missing argument `{n}` of method `{}` (`{sig}`)", method.name))
                    })
                })
                .collect::<Result<_, _>>()?
        }
        Json::Array(items) => items.iter().collect(),
        _ => return Err(ContractError::Input("--json-args must be an object or an array".into())),
    };
    if values.len() != method.args.len() {
        return Err(ContractError::Input(format!(
            "method `{}` takes {} arguments, got {}",
            method.name,
            method.args.len(),
            values.len()
        )));
    }
    let mut out = Vec::new();
    for ((name, ty), v) in method.args.iter().zip(values) {
        encode_value(ty, v, &mut out)
            .map_err(|e| ContractError::Input(format!("argument `{name}` ({ty}) of `{}`: {e}", method.name)))?;
    }
    Ok(out)
}

/// An integer argument as JSON gave it: a JSON number, or a decimal string (which is how
/// integers beyond 64 bits must be written, since JSON numbers above 2^64 are not exact).
fn integer<T: TryFrom<i128> + TryFrom<u128> + Encode>(ty: &str, v: &Json, out: &mut Vec<u8>) -> Result<(), String> {
    let (min, max) = match ty {
        "u8" => ("0", "255"),
        "u16" => ("0", "65535"),
        "u32" => ("0", "4294967295"),
        "u64" => ("0", "18446744073709551615"),
        "u128" => ("0", "340282366920938463463374607431768211455"),
        "i8" => ("-128", "127"),
        "i16" => ("-32768", "32767"),
        "i32" => ("-2147483648", "2147483647"),
        "i64" => ("-9223372036854775808", "9223372036854775807"),
        _ => ("-170141183460469231731687303715884105728", "170141183460469231731687303715884105727"),
    };
    let out_of_range = |n: &dyn std::fmt::Display| format!("{n} is out of range for {ty} ({min} to {max})");
    let value: Result<T, String> = match v {
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                T::try_from(i128::from(i)).map_err(|_| out_of_range(&i))
            } else if let Some(u) = n.as_u64() {
                T::try_from(u128::from(u)).map_err(|_| out_of_range(&u))
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 || !f.is_finite() {
                    Err(format!("{n} is not an integer"))
                } else if f.abs() < 1.8e19 {
                    Err(format!(
                        "{n} is written as a floating-point number (an exponent or a fraction, as in 1e3 or 1000.0); \
                         write the integer in plain digits: {}",
                        f as i128
                    ))
                } else {
                    Err(format!(
                        "the number {n} is beyond what a JSON number holds exactly (integers up to 2^64); write {ty} \
                         values that large as a decimal string, e.g. \"{max}\" ({ty} goes from {min} to {max})"
                    ))
                }
            }
        }
        Json::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                Err(format!("`{s}` is not an integer in plain decimal digits (no exponent, fraction or separators)"))
            } else if s.starts_with('-') {
                s.parse::<i128>().ok().and_then(|i| T::try_from(i).ok()).ok_or_else(|| out_of_range(s))
            } else {
                s.parse::<u128>().ok().and_then(|u| T::try_from(u).ok()).ok_or_else(|| out_of_range(s))
            }
        }
        _ => Err(format!("expected an integer ({ty}), got {v}")),
    };
    value?.encode_to(out);
    Ok(())
}

fn encode_value(ty: &str, v: &Json, out: &mut Vec<u8>) -> Result<(), String> {
    let ty = ty.replace(' ', "");
    match ty.as_str() {
        "u8" => integer::<u8>(&ty, v, out),
        "u16" => integer::<u16>(&ty, v, out),
        "u32" => integer::<u32>(&ty, v, out),
        "u64" => integer::<u64>(&ty, v, out),
        "u128" => integer::<u128>(&ty, v, out),
        "i8" => integer::<i8>(&ty, v, out),
        "i16" => integer::<i16>(&ty, v, out),
        "i32" => integer::<i32>(&ty, v, out),
        "i64" => integer::<i64>(&ty, v, out),
        "i128" => integer::<i128>(&ty, v, out),
        "bool" => {
            v.as_bool().ok_or("expected true or false")?.encode_to(out);
            Ok(())
        }
        "String" | "&str" => {
            v.as_str().ok_or("expected a string")?.encode_to(out);
            Ok(())
        }
        "Address" | "tally_sdk::Address" | "[u8;32]" => {
            let bytes = v.as_str().and_then(parse_hex).ok_or("expected 0x and 64 hex digits")?;
            let arr: [u8; 32] = bytes.try_into().map_err(|_| "expected exactly 32 bytes")?;
            out.extend_from_slice(&arr);
            Ok(())
        }
        "Vec<u8>" => {
            let bytes = v.as_str().and_then(parse_hex).ok_or("expected 0x-prefixed hex bytes")?;
            Compact(bytes.len() as u32).encode_to(out);
            out.extend_from_slice(&bytes);
            Ok(())
        }
        other => Err(format!("type `{other}` is not supported in --json-args; pass SCALE with --args")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = r#"{"metadata_version":1,"contract":"Token","module":"token","methods":[
        {"name":"init","kind":"init","entry":"deploy","selector":"0x00000000","args":[{"name":"supply","type":"u128"}]},
        {"name":"transfer","kind":"call","entry":"call","selector":"0xb483afd3",
         "args":[{"name":"to","type":"Address"},{"name":"value","type":"u128"}]}]}"#;

    #[test]
    fn methods_resolve_to_entry_and_selector() {
        let meta = Metadata::parse(META).unwrap();
        let to = format!("0x{}", "11".repeat(32));
        let r = resolve(Some(&meta), "transfer", vec![], Some(&format!(r#"{{"to":"{to}","value":"5"}}"#))).unwrap();
        assert_eq!(r.entry, "call");
        let mut want = vec![0xb4, 0x83, 0xaf, 0xd3];
        want.extend_from_slice(&[0x11; 32]);
        want.extend_from_slice(&5u128.to_le_bytes());
        assert_eq!(r.input, want);
        let positional = resolve(Some(&meta), "transfer", vec![], Some(&format!(r#"["{to}", 5]"#))).unwrap();
        assert_eq!(positional, r);
        let init = resolve(Some(&meta), "init", vec![], Some(r#"{"supply": 1000}"#)).unwrap();
        assert_eq!(init, Resolved { entry: "deploy".into(), input: 1000u128.to_le_bytes().to_vec() });
    }

    #[test]
    fn mistakes_are_named() {
        let meta = Metadata::parse(META).unwrap();
        let err = |m: &str, j: &str| resolve(Some(&meta), m, vec![], Some(j)).unwrap_err().to_string();
        assert!(err("nope", "{}").contains("no method `nope`"));
        assert!(err("transfer", r#"{"to":"0x11"}"#).contains("missing argument `value`"));
        assert!(err("transfer", r#"{"to":"0x11","value":1,"x":2}"#).contains("no argument `x`"));
        assert!(err("transfer", r#"{"to":"0x11","value":1}"#).contains("argument `to`"));
        assert!(err("init", r#"{"supply":-1}"#).contains("out of range"));
        assert!(resolve(None, "transfer", vec![], Some("{}")).is_err());
    }
}
