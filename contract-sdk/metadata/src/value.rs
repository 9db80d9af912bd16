//! SCALE data decoded by a type of the registry: [`decode`] gives a [`Value`] that prints the
//! way Rust writes it (`Ok(7)`, `Error::InsufficientBalance`, `Transfer { from: 0x…, value: 5 }`)
//! and, with feature `json`, converts to JSON.
//!
//! The data is untrusted (return data, revert data, events, call input), and so may be the
//! registry's shape (a type containing itself): decoding stops at [`MAX_DEPTH`] levels of
//! nesting and after [`MAX_VALUES`] values, and never allocates ahead of the bytes it has read.

use std::fmt;

use scale_info::{form::PortableForm, Field, PortableRegistry, TypeDef, TypeDefPrimitive};

/// How deeply values may nest.
pub const MAX_DEPTH: u32 = 64;

/// How many values (each element, field and variant counts) one decode may produce.
pub const MAX_VALUES: usize = 100_000;

/// A decoded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `bool`.
    Bool(bool),
    /// `char`.
    Char(char),
    /// `String` / `str`.
    Str(String),
    /// An unsigned integer up to 128 bits (also compact ones); `bits` is its width.
    UInt {
        /// The value.
        value: u128,
        /// 8, 16, 32, 64 or 128.
        bits: u16,
    },
    /// A signed integer up to 128 bits; `bits` is its width.
    Int {
        /// The value.
        value: i128,
        /// 8, 16, 32, 64 or 128.
        bits: u16,
    },
    /// A 256-bit integer, as decimal digits (with `-` when negative).
    Big(String),
    /// `[u8; N]` and `Vec<u8>`, shown as `0x` hex.
    Bytes(Vec<u8>),
    /// A sequence or an array of anything but bytes.
    Seq(Vec<Value>),
    /// A tuple (`()` is the empty one).
    Tuple(Vec<Value>),
    /// A struct (a struct with exactly one unnamed field, such as `Address`, decodes as that
    /// field's value instead).
    Struct {
        /// Its name (the last segment of its path).
        name: String,
        /// Its fields.
        fields: Fields,
    },
    /// A variant of an enum (`Option` and `Result` included).
    Variant {
        /// The enum's name (the last segment of its path).
        ty: String,
        /// The variant's name.
        name: String,
        /// The variant's fields.
        fields: Fields,
    },
}

/// The fields of a struct or a variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fields {
    /// No fields.
    Unit,
    /// `{ a: .., b: .. }`.
    Named(Vec<(String, Value)>),
    /// `(.., ..)`.
    Unnamed(Vec<Value>),
}

/// Why data does not decode as a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// It ends early: `need` bytes were wanted where `left` remained.
    Short {
        /// Bytes wanted.
        need: u64,
        /// Bytes left.
        left: usize,
    },
    /// Bytes no value of the type has (names them).
    Invalid(String),
    /// Values nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More than [`MAX_VALUES`] values.
    TooLarge,
    /// Bytes are left over after the value.
    Trailing(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Short { need, left } => write!(f, "the data ends early: {need} more bytes needed, {left} left"),
            Self::Invalid(why) => f.write_str(why),
            Self::TooDeep => write!(f, "values nest deeper than {MAX_DEPTH} levels"),
            Self::TooLarge => write!(f, "more than {MAX_VALUES} values"),
            Self::Trailing(n) => write!(f, "{n} bytes are left over after the value"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes one value of type `ty` from the start of `input`, advancing it past the value.
pub fn decode(types: &PortableRegistry, ty: u32, input: &mut &[u8]) -> Result<Value, DecodeError> {
    Decoder { types, budget: MAX_VALUES }.value(ty, input, 0)
}

/// Decodes `data` as exactly one value of type `ty`.
pub fn decode_all(types: &PortableRegistry, ty: u32, data: &[u8]) -> Result<Value, DecodeError> {
    let mut input = data;
    let value = decode(types, ty, &mut input)?;
    if input.is_empty() {
        Ok(value)
    } else {
        Err(DecodeError::Trailing(input.len()))
    }
}

struct Decoder<'a> {
    types: &'a PortableRegistry,
    budget: usize,
}

fn take<'b>(input: &mut &'b [u8], n: usize) -> Result<&'b [u8], DecodeError> {
    if input.len() < n {
        return Err(DecodeError::Short { need: n as u64, left: input.len() });
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

fn le_u128(bytes: &[u8]) -> u128 {
    bytes.iter().rev().fold(0u128, |acc, b| acc << 8 | u128::from(*b))
}

/// A SCALE compact integer (up to 128 bits).
pub fn compact(input: &mut &[u8]) -> Result<u128, DecodeError> {
    let first = *input.first().ok_or(DecodeError::Short { need: 1, left: 0 })?;
    match first & 3 {
        0 => Ok(u128::from(take(input, 1)?[0] >> 2)),
        1 => Ok(le_u128(take(input, 2)?) >> 2),
        2 => Ok(le_u128(take(input, 4)?) >> 2),
        _ => {
            let len = usize::from(first >> 2) + 4;
            if len > 16 {
                return Err(DecodeError::Invalid(format!("a compact integer of {len} bytes (more than 128 bits)")));
            }
            Ok(le_u128(&take(input, 1 + len)?[1..]))
        }
    }
}

/// The decimal digits of a 256-bit little-endian unsigned integer.
fn u256_decimal(mut limbs: [u64; 4]) -> String {
    let mut digits = Vec::new();
    loop {
        let mut rem = 0u128;
        for limb in limbs.iter_mut().rev() {
            let cur = rem << 64 | u128::from(*limb);
            *limb = (cur / 10) as u64;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
        if limbs.iter().all(|l| *l == 0) {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

fn big(bytes: &[u8], signed: bool) -> String {
    let mut limbs = [0u64; 4];
    for (i, chunk) in bytes.chunks(8).enumerate().take(4) {
        limbs[i] = le_u128(chunk) as u64;
    }
    if signed && limbs[3] >> 63 == 1 {
        // Two's complement: the magnitude is !x + 1.
        let mut carry = true;
        for limb in limbs.iter_mut() {
            let (v, c) = (!*limb).overflowing_add(u64::from(carry));
            *limb = v;
            carry = c;
        }
        format!("-{}", u256_decimal(limbs))
    } else {
        u256_decimal(limbs)
    }
}

impl Decoder<'_> {
    fn value(&mut self, ty: u32, input: &mut &[u8], depth: u32) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        self.budget = self.budget.checked_sub(1).ok_or(DecodeError::TooLarge)?;
        let t = self
            .types
            .resolve(ty)
            .ok_or_else(|| DecodeError::Invalid(format!("type id {ty} is not in the registry")))?;
        let name = || t.path.segments.last().cloned().unwrap_or_default();
        match &t.type_def {
            TypeDef::Primitive(p) => primitive(p, input),
            TypeDef::Compact(c) => {
                let v = compact(input)?;
                match self.types.resolve(c.type_param.id).map(|t| &t.type_def) {
                    Some(TypeDef::Primitive(TypeDefPrimitive::U8)) if v <= 0xff => {
                        Ok(Value::UInt { value: v, bits: 8 })
                    }
                    Some(TypeDef::Primitive(TypeDefPrimitive::U16)) if v <= 0xffff => {
                        Ok(Value::UInt { value: v, bits: 16 })
                    }
                    Some(TypeDef::Primitive(TypeDefPrimitive::U32)) if v <= 0xffff_ffff => {
                        Ok(Value::UInt { value: v, bits: 32 })
                    }
                    Some(TypeDef::Primitive(TypeDefPrimitive::U64)) if v <= u128::from(u64::MAX) => {
                        Ok(Value::UInt { value: v, bits: 64 })
                    }
                    Some(TypeDef::Primitive(TypeDefPrimitive::U128)) => Ok(Value::UInt { value: v, bits: 128 }),
                    _ => Err(DecodeError::Invalid(format!(
                        "compact {v} does not fit {}",
                        type_name(self.types, c.type_param.id)
                    ))),
                }
            }
            TypeDef::Sequence(s) => {
                let len = compact(input)?;
                self.elements(s.type_param.id, len, input, depth)
            }
            TypeDef::Array(a) => self.elements(a.type_param.id, u128::from(a.len), input, depth),
            TypeDef::Tuple(tuple) => {
                let items =
                    tuple.fields.iter().map(|f| self.value(f.id, input, depth + 1)).collect::<Result<_, _>>()?;
                Ok(Value::Tuple(items))
            }
            TypeDef::Composite(c) => {
                let fields = self.fields(&c.fields, input, depth)?;
                match fields {
                    Fields::Unnamed(mut one) if one.len() == 1 => Ok(one.remove(0)),
                    fields => Ok(Value::Struct { name: name(), fields }),
                }
            }
            TypeDef::Variant(v) => {
                let index = take(input, 1)?[0];
                let Some(variant) = v.variants.iter().find(|x| x.index == index) else {
                    let known: Vec<String> = v.variants.iter().map(|x| format!("{} {}", x.index, x.name)).collect();
                    return Err(DecodeError::Invalid(format!(
                        "byte 0x{index:02x} is not a variant of {} (its variants: {})",
                        type_name(self.types, ty),
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    )));
                };
                let fields = self.fields(&variant.fields, input, depth)?;
                Ok(Value::Variant { ty: name(), name: variant.name.clone(), fields })
            }
            TypeDef::BitSequence(_) => Err(DecodeError::Invalid("bit sequences are not supported".into())),
        }
    }

    fn elements(&mut self, elem: u32, len: u128, input: &mut &[u8], depth: u32) -> Result<Value, DecodeError> {
        if matches!(self.types.resolve(elem).map(|t| &t.type_def), Some(TypeDef::Primitive(TypeDefPrimitive::U8))) {
            let n = usize::try_from(len).map_err(|_| DecodeError::Short { need: u64::MAX, left: input.len() })?;
            return Ok(Value::Bytes(take(input, n)?.to_vec()));
        }
        let mut items = Vec::new();
        for _ in 0..len {
            items.push(self.value(elem, input, depth + 1)?);
        }
        Ok(Value::Seq(items))
    }

    fn fields(&mut self, fields: &[Field<PortableForm>], input: &mut &[u8], depth: u32) -> Result<Fields, DecodeError> {
        if fields.is_empty() {
            return Ok(Fields::Unit);
        }
        if fields.iter().all(|f| f.name.is_some()) {
            let mut named = Vec::new();
            for f in fields {
                named.push((f.name.clone().unwrap_or_default(), self.value(f.ty.id, input, depth + 1)?));
            }
            Ok(Fields::Named(named))
        } else {
            let items = fields.iter().map(|f| self.value(f.ty.id, input, depth + 1)).collect::<Result<_, _>>()?;
            Ok(Fields::Unnamed(items))
        }
    }
}

fn primitive(p: &TypeDefPrimitive, input: &mut &[u8]) -> Result<Value, DecodeError> {
    let uint = |input: &mut &[u8], bytes: usize| -> Result<Value, DecodeError> {
        Ok(Value::UInt { value: le_u128(take(input, bytes)?), bits: bytes as u16 * 8 })
    };
    let int = |input: &mut &[u8], bytes: usize| -> Result<Value, DecodeError> {
        let raw = le_u128(take(input, bytes)?);
        let shift = 128 - bytes as u32 * 8;
        Ok(Value::Int { value: ((raw << shift) as i128) >> shift, bits: bytes as u16 * 8 })
    };
    match p {
        TypeDefPrimitive::Bool => match take(input, 1)?[0] {
            0 => Ok(Value::Bool(false)),
            1 => Ok(Value::Bool(true)),
            b => Err(DecodeError::Invalid(format!("byte 0x{b:02x} is neither false (0x00) nor true (0x01)"))),
        },
        TypeDefPrimitive::Char => {
            let code = le_u128(take(input, 4)?) as u32;
            char::from_u32(code)
                .map(Value::Char)
                .ok_or_else(|| DecodeError::Invalid(format!("0x{code:x} is not a char")))
        }
        TypeDefPrimitive::Str => {
            let len = compact(input)?;
            let n = usize::try_from(len).map_err(|_| DecodeError::Short { need: u64::MAX, left: input.len() })?;
            let bytes = take(input, n)?;
            String::from_utf8(bytes.to_vec())
                .map(Value::Str)
                .map_err(|_| DecodeError::Invalid("the string is not UTF-8".into()))
        }
        TypeDefPrimitive::U8 => uint(input, 1),
        TypeDefPrimitive::U16 => uint(input, 2),
        TypeDefPrimitive::U32 => uint(input, 4),
        TypeDefPrimitive::U64 => uint(input, 8),
        TypeDefPrimitive::U128 => uint(input, 16),
        TypeDefPrimitive::I8 => int(input, 1),
        TypeDefPrimitive::I16 => int(input, 2),
        TypeDefPrimitive::I32 => int(input, 4),
        TypeDefPrimitive::I64 => int(input, 8),
        TypeDefPrimitive::I128 => int(input, 16),
        TypeDefPrimitive::U256 => Ok(Value::Big(big(take(input, 32)?, false))),
        TypeDefPrimitive::I256 => Ok(Value::Big(big(take(input, 32)?, true))),
    }
}

/// The display name of type `id` (see [`Metadata::type_name`](crate::Metadata::type_name)).
pub fn type_name(types: &PortableRegistry, id: u32) -> String {
    name_at(types, id, 0)
}

fn name_at(types: &PortableRegistry, id: u32, depth: u32) -> String {
    if depth > 8 {
        return "…".into();
    }
    let Some(t) = types.resolve(id) else { return format!("<type {id}>") };
    let inner = |id: u32| name_at(types, id, depth + 1);
    if let Some(last) = t.path.segments.last() {
        let params: Vec<String> = t.type_params.iter().filter_map(|p| p.ty.map(|ty| inner(ty.id))).collect();
        return if params.is_empty() { last.clone() } else { format!("{last}<{}>", params.join(", ")) };
    }
    match &t.type_def {
        TypeDef::Primitive(p) => primitive_name(p).into(),
        TypeDef::Sequence(s) => format!("Vec<{}>", inner(s.type_param.id)),
        TypeDef::Array(a) => format!("[{}; {}]", inner(a.type_param.id), a.len),
        TypeDef::Tuple(tuple) => {
            let items: Vec<String> = tuple.fields.iter().map(|f| inner(f.id)).collect();
            if items.len() == 1 {
                format!("({},)", items[0])
            } else {
                format!("({})", items.join(", "))
            }
        }
        TypeDef::Compact(c) => format!("Compact<{}>", inner(c.type_param.id)),
        TypeDef::BitSequence(_) => "BitVec".into(),
        TypeDef::Composite(_) => "struct".into(),
        TypeDef::Variant(_) => "enum".into(),
    }
}

/// `u8`, `bool`, `str`, …
pub fn primitive_name(p: &TypeDefPrimitive) -> &'static str {
    match p {
        TypeDefPrimitive::Bool => "bool",
        TypeDefPrimitive::Char => "char",
        TypeDefPrimitive::Str => "String",
        TypeDefPrimitive::U8 => "u8",
        TypeDefPrimitive::U16 => "u16",
        TypeDefPrimitive::U32 => "u32",
        TypeDefPrimitive::U64 => "u64",
        TypeDefPrimitive::U128 => "u128",
        TypeDefPrimitive::U256 => "u256",
        TypeDefPrimitive::I8 => "i8",
        TypeDefPrimitive::I16 => "i16",
        TypeDefPrimitive::I32 => "i32",
        TypeDefPrimitive::I64 => "i64",
        TypeDefPrimitive::I128 => "i128",
        TypeDefPrimitive::I256 => "i256",
    }
}

fn list(f: &mut fmt::Formatter<'_>, items: &[Value]) -> fmt::Result {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

impl fmt::Display for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fields::Unit => Ok(()),
            Fields::Unnamed(items) => {
                f.write_str("(")?;
                list(f, items)?;
                f.write_str(")")
            }
            Fields::Named(named) => {
                f.write_str(" { ")?;
                for (i, (n, v)) in named.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}: {v}")?;
                }
                f.write_str(" }")
            }
        }
    }
}

impl fmt::Display for Value {
    /// As Rust writes it: `Ok(7)`, `None`, `Error::TooBig`, `Transfer { from: 0x…, value: 5 }`,
    /// `[1, 2]`, `"text"`, bytes and addresses as `0x` hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Char(c) => write!(f, "{c:?}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::UInt { value, .. } => write!(f, "{value}"),
            Value::Int { value, .. } => write!(f, "{value}"),
            Value::Big(digits) => f.write_str(digits),
            Value::Bytes(b) => f.write_str(&tally_digest::hex(b)),
            Value::Seq(items) => {
                f.write_str("[")?;
                list(f, items)?;
                f.write_str("]")
            }
            Value::Tuple(items) => {
                f.write_str("(")?;
                list(f, items)?;
                f.write_str(if items.len() == 1 { ",)" } else { ")" })
            }
            Value::Struct { name, fields } => write!(f, "{name}{fields}"),
            Value::Variant { ty, name, fields } => {
                // `Option` and `Result` are written bare, as in Rust.
                if ty.is_empty() || ty == "Option" || ty == "Result" {
                    write!(f, "{name}{fields}")
                } else {
                    write!(f, "{ty}::{name}{fields}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use parity_scale_codec::Encode;
    use scale_info::{meta_type, Registry, TypeInfo};

    use super::*;

    #[derive(TypeInfo, Encode)]
    enum Error {
        Low {
            have: u64,
            need: u64,
        },
        #[codec(index = 7)]
        Other(Vec<u8>),
        Gone,
    }

    #[derive(TypeInfo, Encode)]
    struct Pair(u8, bool);

    #[derive(TypeInfo, Encode)]
    struct Newtype([u8; 2]);

    #[derive(TypeInfo, Encode)]
    struct Tree {
        children: Vec<Tree>,
    }

    fn registry<T: TypeInfo + 'static>() -> (PortableRegistry, u32) {
        let mut r = Registry::new();
        let id = r.register_type(&meta_type::<T>()).id;
        (r.into(), id)
    }

    fn show<T: TypeInfo + Encode + 'static>(v: T) -> String {
        let (types, id) = registry::<T>();
        decode_all(&types, id, &v.encode()).expect("decodes").to_string()
    }

    #[test]
    fn values_print_as_rust_writes_them() {
        assert_eq!(show(Result::<u64, Error>::Ok(7)), "Ok(7)");
        assert_eq!(
            show(Result::<u64, Error>::Err(Error::Low { have: 1, need: 2 })),
            "Err(Error::Low { have: 1, need: 2 })"
        );
        assert_eq!(show(Error::Other(vec![0xab])), "Error::Other(0xab)");
        assert_eq!(show(Error::Gone), "Error::Gone");
        assert_eq!(show(Some(-5i8)), "Some(-5)");
        assert_eq!(show(Option::<u8>::None), "None");
        assert_eq!(show((1u16, "hi".to_string())), "(1, \"hi\")");
        assert_eq!(show(vec![Pair(1, true)]), "[Pair(1, true)]");
        assert_eq!(show(Newtype([1, 2])), "0x0102", "newtypes are their field");
        assert_eq!(show(u128::MAX), u128::MAX.to_string());
        assert_eq!(show(i128::MIN), i128::MIN.to_string());
        assert_eq!(show(()), "()");
        assert_eq!(show(parity_scale_codec::Compact(1u128 << 100)), (1u128 << 100).to_string());
    }

    #[test]
    fn u256_digits() {
        assert_eq!(
            big(&[0xff; 32], false),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        );
        assert_eq!(big(&[0xff; 32], true), "-1");
        assert_eq!(big(&[0; 32], false), "0");
    }

    #[test]
    fn bad_data_is_named_and_bounded() {
        let (types, id) = registry::<Error>();
        assert_eq!(
            decode_all(&types, id, &[3]).unwrap_err().to_string(),
            "byte 0x03 is not a variant of Error (its variants: 0 Low, 7 Other, 2 Gone)"
        );
        assert_eq!(decode_all(&types, id, &[0, 1]).unwrap_err(), DecodeError::Short { need: 8, left: 1 });
        assert_eq!(decode_all(&types, id, &[2, 0]).unwrap_err(), DecodeError::Trailing(1));
        let (types, id) = registry::<bool>();
        assert!(decode_all(&types, id, &[2]).unwrap_err().to_string().contains("neither false"));
        // A huge count of a non-empty element ends at the data's end, not in an allocation.
        let (types, id) = registry::<Vec<u64>>();
        assert_eq!(
            decode_all(&types, id, &[0xfe, 0xff, 0xff, 0xff]).unwrap_err(),
            DecodeError::Short { need: 8, left: 0 }
        );
        // Zero-sized elements: the value budget.
        let (types, id) = registry::<Vec<()>>();
        assert_eq!(decode_all(&types, id, &[0xfe, 0xff, 0xff, 0xff]).unwrap_err(), DecodeError::TooLarge);
        // A type containing itself: the depth limit.
        let (types, id) = registry::<Tree>();
        let deep = vec![4u8; 100];
        assert_eq!(decode_all(&types, id, &deep).unwrap_err(), DecodeError::TooDeep);
        assert_eq!(
            show(Tree { children: vec![Tree { children: vec![] }] }),
            "Tree { children: [Tree { children: [] }] }"
        );
    }

    #[test]
    fn type_names() {
        let (types, id) = registry::<(Result<(), Error>, Vec<[u8; 32]>, Option<String>)>();
        assert_eq!(type_name(&types, id), "(Result<(), Error>, Vec<[u8; 32]>, Option<String>)");
    }
}
