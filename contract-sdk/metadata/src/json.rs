//! JSON (feature `json`): the metadata as `tally metadata` prints it ([`metadata_to_json`]),
//! decoded values as JSON ([`value_to_json`]), and values encoded from JSON by a type of the
//! registry ([`encode`], for `--json-args`).
//!
//! Values in JSON: integers up to 64 bits are numbers, 128- and 256-bit ones decimal strings
//! (JSON numbers are not exact beyond 2^53 in most readers); bytes (`[u8; N]`, `Vec<u8>`) and
//! addresses are `0x` hex strings; structs are objects (tuple structs arrays; a struct with one
//! unnamed field is that field); `Option` is `null` or the value; other enum values are the
//! variant's name when it has no fields, else `{"Variant": fields}`.

use parity_scale_codec::{Compact, Encode};
use scale_info::{form::PortableForm, Field, PortableRegistry, TypeDef, TypeDefPrimitive};
use serde_json::{json, Map, Value as Json};
use tally_digest::{hex, parse_hex};

use crate::value::{type_name, Fields, Value, MAX_DEPTH};
use crate::Metadata;

/// The metadata as JSON: `metadata_version`, `abi`, `contract`, `module`, `storage`,
/// `methods` (with `selector`, `entry`, `mutates`, `args` with their `type` as written and
/// `type_id`, and `returns` with `ok`/`err` type ids), `events` (`signature`, `type_id`,
/// `topics`), `dispatch_error` and `types`, the registry in scale-info's JSON form (as ink!
/// writes it).
pub fn metadata_to_json(m: &Metadata) -> Json {
    json!({
        "metadata_version": crate::VERSION,
        "abi": "tally_host_v1",
        "contract": m.contract,
        "module": m.module,
        "storage": m.storage.iter().map(|s| json!({
            "field": s.name, "type": s.type_name, "prefix": hex(&s.prefix),
        })).collect::<Vec<_>>(),
        "methods": m.methods.iter().map(|x| json!({
            "name": x.name,
            "kind": x.kind.name(),
            "entry": x.entry(),
            "selector": hex(&x.selector),
            "mutates": x.mutates(),
            "args": x.args.iter().map(|a| json!({"name": a.name, "type": a.type_name, "type_id": a.ty})).collect::<Vec<_>>(),
            "returns": x.returns.as_ref().map(|r| json!({"type": r.type_name, "ok": r.ok, "err": r.err})),
        })).collect::<Vec<_>>(),
        "events": m.events.iter().map(|e| json!({
            "name": e.name,
            "signature": e.signature().map(|s| hex(&s)),
            "anonymous": e.anonymous,
            "type_id": e.ty,
            "topics": e.topics,
        })).collect::<Vec<_>>(),
        "dispatch_error": m.dispatch_error,
        "types": serde_json::to_value(&m.types.types).unwrap_or(Json::Null),
    })
}

fn fields_to_json(fields: &Fields) -> Json {
    match fields {
        Fields::Unit => Json::Null,
        Fields::Unnamed(items) if items.len() == 1 => value_to_json(&items[0]),
        Fields::Unnamed(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Fields::Named(named) => Json::Object(named.iter().map(|(n, v)| (n.clone(), value_to_json(v))).collect()),
    }
}

/// A decoded value as JSON (see the module docs).
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Bool(b) => Json::Bool(*b),
        Value::Char(c) => Json::String(c.to_string()),
        Value::Str(s) => Json::String(s.clone()),
        Value::UInt { value, bits } if *bits <= 64 => json!(*value as u64),
        Value::Int { value, bits } if *bits <= 64 => json!(*value as i64),
        Value::UInt { value, .. } => Json::String(value.to_string()),
        Value::Int { value, .. } => Json::String(value.to_string()),
        Value::Big(digits) => Json::String(digits.clone()),
        Value::Bytes(b) => Json::String(hex(b)),
        Value::Seq(items) | Value::Tuple(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Struct { fields, .. } => match fields {
            Fields::Unit => Json::Null,
            fields => fields_to_json(fields),
        },
        Value::Variant { ty, name, fields } => {
            if ty == "Option" {
                return match fields {
                    Fields::Unit => Json::Null,
                    fields => fields_to_json(fields),
                };
            }
            match fields {
                Fields::Unit => Json::String(name.clone()),
                fields => json!({ name.clone(): fields_to_json(fields) }),
            }
        }
    }
}

/// SCALE-encodes `v` as a value of type `ty` (see the module docs for the JSON forms); the
/// error says what was expected and, for structs and enums, lists the fields or variants.
pub fn encode(types: &PortableRegistry, ty: u32, v: &Json, out: &mut Vec<u8>) -> Result<(), String> {
    Encoder { types }.value(ty, v, out, 0)
}

struct Encoder<'a> {
    types: &'a PortableRegistry,
}

impl Encoder<'_> {
    fn value(&self, ty: u32, v: &Json, out: &mut Vec<u8>, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("values nest deeper than {MAX_DEPTH} levels"));
        }
        let t = self.types.resolve(ty).ok_or_else(|| format!("type id {ty} is not in the registry"))?;
        let name = || type_name(self.types, ty);
        match &t.type_def {
            TypeDef::Primitive(p) => primitive(p, v, out),
            TypeDef::Compact(c) => {
                let inner = self.types.resolve(c.type_param.id).map(|t| &t.type_def);
                let Some(TypeDef::Primitive(p)) = inner else {
                    return Err(format!("{} is not supported in JSON", name()));
                };
                let mut fixed = Vec::new();
                primitive(p, v, &mut fixed)?;
                let n = fixed.iter().rev().fold(0u128, |acc, b| acc << 8 | u128::from(*b));
                Compact(n).encode_to(out);
                Ok(())
            }
            TypeDef::Sequence(s) => {
                if self.is_u8(s.type_param.id) {
                    if let Some(text) = v.as_str() {
                        let bytes = parse_hex(text).ok_or("expected 0x-prefixed hex bytes")?;
                        Compact(bytes.len() as u32).encode_to(out);
                        out.extend_from_slice(&bytes);
                        return Ok(());
                    }
                }
                let items = v.as_array().ok_or_else(|| format!("expected an array ({})", name()))?;
                Compact(items.len() as u32).encode_to(out);
                items.iter().enumerate().try_for_each(|(i, item)| {
                    self.value(s.type_param.id, item, out, depth + 1).map_err(|e| format!("element {i}: {e}"))
                })
            }
            TypeDef::Array(a) => {
                if self.is_u8(a.type_param.id) {
                    if let Some(text) = v.as_str() {
                        let bytes = parse_hex(text)
                            .ok_or_else(|| format!("expected 0x and {} hex digits ({} bytes)", a.len * 2, a.len))?;
                        if bytes.len() != a.len as usize {
                            return Err(format!("expected exactly {} bytes, got {}", a.len, bytes.len()));
                        }
                        out.extend_from_slice(&bytes);
                        return Ok(());
                    }
                }
                let items = v.as_array().ok_or_else(|| format!("expected an array of {} ({})", a.len, name()))?;
                if items.len() != a.len as usize {
                    return Err(format!("expected {} elements ({}), got {}", a.len, name(), items.len()));
                }
                items.iter().enumerate().try_for_each(|(i, item)| {
                    self.value(a.type_param.id, item, out, depth + 1).map_err(|e| format!("element {i}: {e}"))
                })
            }
            TypeDef::Tuple(tuple) => {
                if tuple.fields.is_empty() && (v.is_null() || v.as_array().is_some_and(Vec::is_empty)) {
                    return Ok(());
                }
                let items = v.as_array().ok_or_else(|| format!("expected an array ({})", name()))?;
                if items.len() != tuple.fields.len() {
                    return Err(format!("expected {} elements ({}), got {}", tuple.fields.len(), name(), items.len()));
                }
                tuple.fields.iter().zip(items).enumerate().try_for_each(|(i, (f, item))| {
                    self.value(f.id, item, out, depth + 1).map_err(|e| format!("element {i}: {e}"))
                })
            }
            TypeDef::Composite(c) => self.fields(&name(), &c.fields, v, out, depth),
            TypeDef::Variant(variants) => {
                let is_option = t.path.segments.last().is_some_and(|s| s == "Option");
                let (variant_name, payload) = if is_option {
                    if v.is_null() {
                        ("None", &Json::Null)
                    } else {
                        ("Some", v)
                    }
                } else {
                    match v {
                        Json::String(s) => (s.as_str(), &Json::Null),
                        Json::Object(map) if map.len() == 1 => {
                            let (k, p) = map.iter().next().expect("one entry");
                            (k.as_str(), p)
                        }
                        _ => {
                            return Err(format!(
                                "expected a variant of {}: \"Name\" or {{\"Name\": fields}}; its variants: {}",
                                name(),
                                variant_list(&variants.variants)
                            ))
                        }
                    }
                };
                let Some(variant) = variants.variants.iter().find(|x| x.name == variant_name) else {
                    return Err(format!(
                        "{} has no variant `{variant_name}`; its variants: {}",
                        name(),
                        variant_list(&variants.variants)
                    ));
                };
                out.push(variant.index);
                self.fields(&format!("{}::{}", name(), variant.name), &variant.fields, payload, out, depth)
            }
            TypeDef::BitSequence(_) => Err("bit sequences are not supported in JSON".into()),
        }
    }

    fn is_u8(&self, id: u32) -> bool {
        matches!(self.types.resolve(id).map(|t| &t.type_def), Some(TypeDef::Primitive(TypeDefPrimitive::U8)))
    }

    fn fields(
        &self,
        what: &str,
        fields: &[Field<PortableForm>],
        v: &Json,
        out: &mut Vec<u8>,
        depth: u32,
    ) -> Result<(), String> {
        match fields {
            [] => {
                if v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(Map::is_empty) {
                    Ok(())
                } else {
                    Err(format!("{what} has no fields, got {v}"))
                }
            }
            [one] if one.name.is_none() => self.value(one.ty.id, v, out, depth + 1),
            _ => {
                let named = fields.iter().all(|f| f.name.is_some());
                let names: Vec<&str> = fields.iter().filter_map(|f| f.name.as_deref()).collect();
                match v {
                    Json::Object(map) if named => {
                        if let Some(extra) = map.keys().find(|k| !names.contains(&k.as_str())) {
                            return Err(format!("{what} has no field `{extra}`; its fields: {}", names.join(", ")));
                        }
                        fields.iter().try_for_each(|f| {
                            let fname = f.name.as_deref().unwrap_or_default();
                            let item = map.get(fname).ok_or_else(|| {
                                format!("missing field `{fname}` of {what}; its fields: {}", names.join(", "))
                            })?;
                            self.value(f.ty.id, item, out, depth + 1).map_err(|e| format!("field `{fname}`: {e}"))
                        })
                    }
                    Json::Array(items) if items.len() == fields.len() => {
                        fields.iter().zip(items).enumerate().try_for_each(|(i, (f, item))| {
                            self.value(f.ty.id, item, out, depth + 1).map_err(|e| format!("field {i}: {e}"))
                        })
                    }
                    _ if named => Err(format!("expected an object with the fields of {what}: {}", names.join(", "))),
                    _ => Err(format!("expected an array of the {} fields of {what}", fields.len())),
                }
            }
        }
    }
}

fn variant_list(variants: &[scale_info::Variant<PortableForm>]) -> String {
    if variants.is_empty() {
        return "none".into();
    }
    variants.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn primitive(p: &TypeDefPrimitive, v: &Json, out: &mut Vec<u8>) -> Result<(), String> {
    match p {
        TypeDefPrimitive::Bool => v.as_bool().ok_or("expected true or false")?.encode_to(out),
        TypeDefPrimitive::Char => {
            let s = v.as_str().ok_or("expected a one-character string")?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => u32::from(c).encode_to(out),
                _ => return Err(format!("expected one character, got {s:?}")),
            }
        }
        TypeDefPrimitive::Str => v.as_str().ok_or("expected a string")?.encode_to(out),
        TypeDefPrimitive::U8 => integer::<u8>("u8", v)?.encode_to(out),
        TypeDefPrimitive::U16 => integer::<u16>("u16", v)?.encode_to(out),
        TypeDefPrimitive::U32 => integer::<u32>("u32", v)?.encode_to(out),
        TypeDefPrimitive::U64 => integer::<u64>("u64", v)?.encode_to(out),
        TypeDefPrimitive::U128 => integer::<u128>("u128", v)?.encode_to(out),
        TypeDefPrimitive::I8 => integer::<i8>("i8", v)?.encode_to(out),
        TypeDefPrimitive::I16 => integer::<i16>("i16", v)?.encode_to(out),
        TypeDefPrimitive::I32 => integer::<i32>("i32", v)?.encode_to(out),
        TypeDefPrimitive::I64 => integer::<i64>("i64", v)?.encode_to(out),
        TypeDefPrimitive::I128 => integer::<i128>("i128", v)?.encode_to(out),
        TypeDefPrimitive::U256 | TypeDefPrimitive::I256 => {
            out.extend_from_slice(&int256(v, matches!(p, TypeDefPrimitive::I256))?);
        }
    }
    Ok(())
}

/// A 256-bit integer from a decimal string (or a JSON number), little-endian.
fn int256(v: &Json, signed: bool) -> Result<[u8; 32], String> {
    let ty = if signed { "i256" } else { "u256" };
    let text = match v {
        Json::String(s) => s.clone(),
        Json::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        _ => return Err(format!("expected an integer ({ty}) as a decimal string")),
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) if signed => (true, d),
        Some(_) => return Err(format!("{text} is out of range for {ty} (it is unsigned)")),
        None => (false, text.as_str()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{text}` is not an integer in plain decimal digits"));
    }
    let mut limbs = [0u64; 4];
    for d in digits.bytes() {
        let mut carry = u128::from(d - b'0');
        for limb in limbs.iter_mut() {
            let cur = u128::from(*limb) * 10 + carry;
            *limb = cur as u64;
            carry = cur >> 64;
        }
        if carry != 0 {
            return Err(format!("{text} is out of range for {ty}"));
        }
    }
    let top_bit = limbs[3] >> 63 == 1;
    if signed {
        let is_min = negative && limbs == [0, 0, 0, 1 << 63];
        if top_bit && !is_min {
            return Err(format!("{text} is out of range for {ty}"));
        }
        if negative {
            let mut carry = true;
            for limb in limbs.iter_mut() {
                let (x, c) = (!*limb).overflowing_add(u64::from(carry));
                *limb = x;
                carry = c;
            }
        }
    }
    let mut out = [0u8; 32];
    for (i, limb) in limbs.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
    }
    Ok(out)
}

/// An integer as JSON gave it: a JSON number, or a decimal string (how integers beyond 64 bits
/// must be written, since JSON numbers above 2^64 are not exact). An exponent or a fraction
/// (`1e3`) is "not an integer"; a value the type cannot hold is "out of range" with the range.
pub fn integer<T: TryFrom<i128> + TryFrom<u128>>(ty: &str, v: &Json) -> Result<T, String> {
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
    match v {
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
    }
}

#[cfg(test)]
mod tests {
    use parity_scale_codec::Encode;
    use scale_info::{meta_type, Registry, TypeInfo};

    use super::*;
    use crate::value::decode_all;

    #[derive(TypeInfo, Encode, Debug, PartialEq)]
    enum Error {
        Low { have: u64, need: u64 },
        Other(Vec<u8>),
        Gone,
    }

    #[derive(TypeInfo, Encode)]
    struct Order {
        who: [u8; 4],
        amounts: Vec<u128>,
        note: Option<String>,
        state: Error,
    }

    fn round_trip<T: TypeInfo + Encode + 'static>(v: T, text: &str) {
        let mut r = Registry::new();
        let id = r.register_type(&meta_type::<T>()).id;
        let types: PortableRegistry = r.into();
        let json: Json = serde_json::from_str(text).expect("JSON");
        let mut out = Vec::new();
        encode(&types, id, &json, &mut out).expect("encodes");
        assert_eq!(out, v.encode(), "{text}");
        assert_eq!(value_to_json(&decode_all(&types, id, &out).expect("decodes")), json, "{text}");
    }

    #[test]
    fn values_round_trip_through_json() {
        round_trip(
            Order {
                who: [1, 2, 3, 4],
                amounts: vec![5, u128::MAX],
                note: None,
                state: Error::Low { have: 1, need: 2 },
            },
            r#"{"who":"0x01020304","amounts":["5","340282366920938463463374607431768211455"],"note":null,"state":{"Low":{"have":1,"need":2}}}"#,
        );
        round_trip(Error::Gone, r#""Gone""#);
        round_trip(Error::Other(vec![0xab]), r#"{"Other":"0xab"}"#);
        round_trip(Some(7u8), "7");
        round_trip(Result::<(), u8>::Err(3), r#"{"Err":3}"#);
        round_trip((true, -5i32), r#"[true,-5]"#);
    }

    #[test]
    fn mistakes_name_what_exists() {
        let mut r = Registry::new();
        let id = r.register_type(&meta_type::<Order>()).id;
        let types: PortableRegistry = r.into();
        let err = |text: &str| {
            let json: Json = serde_json::from_str(text).expect("JSON");
            encode(&types, id, &json, &mut Vec::new()).unwrap_err()
        };
        assert_eq!(
            err(r#"{"who":"0x01020304","x":1}"#),
            "Order has no field `x`; its fields: who, amounts, note, state"
        );
        assert_eq!(
            err(r#"{"who":"0x01020304","amounts":[],"note":null,"state":"Late"}"#),
            "field `state`: Error has no variant `Late`; its variants: Low, Other, Gone"
        );
        assert_eq!(
            err(r#"{"who":"0x0102","amounts":[],"note":null,"state":"Gone"}"#),
            "field `who`: expected exactly 4 bytes, got 2"
        );
        assert!(err(r#"{"who":"0x01020304","amounts":[1e3],"note":null,"state":"Gone"}"#)
            .contains("written as a floating-point number"));
    }

    #[test]
    fn int256_parses_the_whole_range() {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(int256(&json!(max), false), Ok([0xff; 32]));
        assert!(int256(&json!(format!("{max}0")), false).unwrap_err().contains("out of range"));
        assert_eq!(int256(&json!("-1"), true), Ok([0xff; 32]));
        assert!(int256(&json!("-1"), false).is_err());
    }
}
