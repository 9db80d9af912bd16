//! The body decoder: reads each operator once and hands it, validated, to the meter.
//!
//! [`step`] decodes the most frequent operators itself, straight from the body's bytes with its
//! own position (no wasmparser reader, no `Operator` values), validates each with the
//! validator's own `visit_*` for it and meters it inline. Everything else goes to [`fallback`],
//! which runs wasmparser's operator decoder with the meter's [`Body`] as its visitor: the
//! `VisitOperator` implementation below validates the operator the same way, then calls the
//! matching metering method. Either way every operator is decoded once and dispatched once, and
//! fails with wasmparser's own errors at the same offsets, because whatever the fast decoder
//! does not decode exactly as wasmparser would (long or truncated integers, flag bits, typed
//! blocks) goes to a wasmparser reader positioned at the same byte ([`reader_at`]).

use wasmparser::{
    BinaryReader, BlockType, FrameKind, FrameStack, MemArg, MemArgTarget, ValType, VisitOperator, VisitSimdOperator,
};

use super::meter::Body;
use super::validate::Validate;
use crate::error::{internal, InjectError};
use crate::leb::{i32_fits, leb, leb32, leb5, sign_extend, u32_fits, SHORT_LEB_64};
use crate::ops::OpKind;

/// Decodes, validates and meters the operator at `b.bytes[*at]` (`code`: its first byte), and
/// moves `*at` past it. Returns whether it was the body's final `end`, after which the reader
/// must see no more operators.
///
/// The most frequent operators (those without immediates, those whose immediates are LEB128
/// integers, loads and stores with a one-byte alignment field, and blocks without a type) are
/// decoded here from the bytes, with our own position, exactly as `BinaryReader::visit_operator`
/// decodes them; long or truncated integers go to a wasmparser reader (see [`var_u32`]), so they
/// fail with the same errors. Each is then validated and metered inline. This saves the reader's
/// dispatch (a large function with a large frame), a call per operator, and the reader's
/// position bookkeeping. All others go to [`fallback`].
#[inline(always)]
pub(super) fn step<V: Validate>(at: &mut usize, b: &mut Body<'_, '_, V>, code: u8) -> Result<bool, Box<InjectError>> {
    // Validates with the validator's `$visit`, then meters with the `Body` method `$meter`.
    macro_rules! fused {
        ($visit:ident($($arg:expr),*) => $meter:ident($($marg:tt)*)) => {{
            let checked = b.v.visitor(b.offset as u64).$visit($($arg),*);
            match checked {
                Ok(()) => b.$meter($($marg)*).map(|()| false).map_err(Box::new),
                Err(e) => Err(V::rejected(e)),
            }
        }};
    }
    // Validates a plain operator with the validator's `$visit` and evaluates to its kind,
    // resolved from its opcode at compile time, for the metering shared by all plain operators
    // (after the `match`: one copy of it keeps this function small enough for the instruction
    // cache).
    macro_rules! plain {
        ($visit:ident($($arg:expr),*) => $code:literal) => {{
            if let Err(e) = b.v.visitor(b.offset as u64).$visit($($arg),*) {
                return Err(V::rejected(e));
            }
            const {
                match OpKind::with_opcode($code) {
                    Some(kind) => kind,
                    None => panic!("a plain operator outside the profile"),
                }
            }
        }};
    }
    // An operator that may open a region after itself (see [`Body::fix_pending`]); the others
    // leave nothing pending, which saves that check on most operators.
    macro_rules! opening {
        ($step:expr) => {{
            let stepped = $step;
            b.fix_pending(*at);
            stepped
        }};
    }
    // A load or store: decoded here when its flags are one byte below 0x40 (an alignment, no
    // flag bits), which `read_memarg` with the profile's features turns into exactly this
    // `MemArg`. Flag bits (reserved in the profile: bit 6 is multi-memory's) and padded flags
    // go to the reader, which rejects or accepts them as the validator's parser does.
    macro_rules! memarg {
        ($code:literal, $visit:ident, $max_align:literal) => {{
            match b.bytes.get(*at + 1) {
                Some(&align) if align < 0x40 => {
                    let (offset, end) = var_u32(b.bytes, b.base, *at + 2)?;
                    *at = end;
                    let offset = u64::from(offset);
                    let memarg = MemArg {
                        align,
                        max_align: $max_align,
                        offset,
                        target: MemArgTarget::Memory(0),
                        ordering: None,
                    };
                    plain!($visit(memarg) => $code)
                }
                _ => return fallback(*at, b).map(|end| {
                    *at = end;
                    false
                }),
            }
        }};
    }
    // A block, loop or if: decoded here when it has no type (`0x40`, `BlockType::Empty`) or a
    // numeric result type (one byte, which `read_block_type` reads as that value type; the
    // validator checks that floats are enabled).
    macro_rules! block {
        ($visit:ident => $meter:ident) => {{
            let blockty = match b.bytes.get(*at + 1) {
                Some(0x40) => Some(BlockType::Empty),
                Some(0x7f) => Some(BlockType::Type(ValType::I32)),
                Some(0x7e) => Some(BlockType::Type(ValType::I64)),
                Some(0x7d) => Some(BlockType::Type(ValType::F32)),
                Some(0x7c) => Some(BlockType::Type(ValType::F64)),
                _ => None,
            };
            match blockty {
                Some(blockty) => {
                    *at += 2;
                    fused!($visit(blockty) => $meter(blockty))
                }
                _ => fallback(*at, b).map(|end| {
                    *at = end;
                    false
                }),
            }
        }};
    }
    macro_rules! dispatch {
        ($($code:literal => $visit:ident,)*) => {
            let kind = match code {
                $($code => {
                    *at += 1;
                    plain!($visit() => $code)
                })*
                0x00 => {
                    *at += 1;
                    return fused!(visit_unreachable() => unreachable());
                }
                0x02 => return block!(visit_block => block),
                0x03 => return opening!(block!(visit_loop => loop_)),
                0x04 => return opening!(block!(visit_if => if_)),
                0x0b => {
                    *at += 1;
                    let checked = b.v.visitor(b.offset as u64).visit_end();
                    return opening!(match checked {
                        Ok(()) => b.end().map(|()| b.v.control_stack_height() == 0).map_err(Box::new),
                        Err(e) => Err(V::rejected(e)),
                    });
                }
                // `else` where the validator's frame is an `if` (elsewhere the reader rejects it).
                0x05 if b.v.frame_kind() == Some(FrameKind::If) => {
                    *at += 1;
                    return opening!(fused!(visit_else() => else_()));
                }
                0x0c => {
                    let (depth, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    return fused!(visit_br(depth) => br(depth));
                }
                0x0d => {
                    let (depth, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    return opening!(fused!(visit_br_if(depth) => br_if(depth)));
                }
                0x0f => {
                    *at += 1;
                    return fused!(visit_return() => return_());
                }
                0x10 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    return opening!(fused!(visit_call(index) => call(index, Some(end))));
                }
                // `call_indirect` with a one-byte zero table index, which the reader decodes as
                // table 0 whether or not it reads the index as a LEB128 integer.
                0x11 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    match b.bytes.get(end) {
                        Some(0) => {
                            *at = end + 1;
                            return opening!(fused!(visit_call_indirect(index, 0) => call_indirect(index)));
                        }
                        _ => {
                            return fallback(*at, b).map(|end| {
                                *at = end;
                                false
                            })
                        }
                    }
                }
                0x20 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_local_get(index) => 0x20)
                }
                0x21 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_local_set(index) => 0x21)
                }
                0x22 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_local_tee(index) => 0x22)
                }
                0x23 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_global_get(index) => 0x23)
                }
                0x24 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_global_set(index) => 0x24)
                }
                0x28 => memarg!(0x28, visit_i32_load, 2),
                0x29 => memarg!(0x29, visit_i64_load, 3),
                0x2a => memarg!(0x2a, visit_f32_load, 2),
                0x2b => memarg!(0x2b, visit_f64_load, 3),
                0x2c => memarg!(0x2c, visit_i32_load8_s, 0),
                0x2d => memarg!(0x2d, visit_i32_load8_u, 0),
                0x2e => memarg!(0x2e, visit_i32_load16_s, 1),
                0x2f => memarg!(0x2f, visit_i32_load16_u, 1),
                0x30 => memarg!(0x30, visit_i64_load8_s, 0),
                0x31 => memarg!(0x31, visit_i64_load8_u, 0),
                0x32 => memarg!(0x32, visit_i64_load16_s, 1),
                0x33 => memarg!(0x33, visit_i64_load16_u, 1),
                0x34 => memarg!(0x34, visit_i64_load32_s, 2),
                0x35 => memarg!(0x35, visit_i64_load32_u, 2),
                0x36 => memarg!(0x36, visit_i32_store, 2),
                0x37 => memarg!(0x37, visit_i64_store, 3),
                0x38 => memarg!(0x38, visit_f32_store, 2),
                0x39 => memarg!(0x39, visit_f64_store, 3),
                0x3a => memarg!(0x3a, visit_i32_store8, 0),
                0x3b => memarg!(0x3b, visit_i32_store16, 1),
                0x3c => memarg!(0x3c, visit_i64_store8, 0),
                0x3d => memarg!(0x3d, visit_i64_store16, 1),
                0x3e => memarg!(0x3e, visit_i64_store32, 2),
                0x41 => {
                    let (value, end) = var_i32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_i32_const(value) => 0x41)
                }
                0x42 => {
                    let (value, end) = var_i64(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_i64_const(value) => 0x42)
                }
                _ => {
                    return fallback(*at, b).map(|end| {
                        *at = end;
                        false
                    })
                }
            };
            b.plain_inline(kind).map(|()| false).map_err(Box::new)
        };
    }
    dispatch! {
        0x01 => visit_nop,
        0x1a => visit_drop,
        0x1b => visit_select,
        0x45 => visit_i32_eqz,
        0x46 => visit_i32_eq,
        0x47 => visit_i32_ne,
        0x48 => visit_i32_lt_s,
        0x49 => visit_i32_lt_u,
        0x4a => visit_i32_gt_s,
        0x4b => visit_i32_gt_u,
        0x4c => visit_i32_le_s,
        0x4d => visit_i32_le_u,
        0x4e => visit_i32_ge_s,
        0x4f => visit_i32_ge_u,
        0x50 => visit_i64_eqz,
        0x51 => visit_i64_eq,
        0x52 => visit_i64_ne,
        0x53 => visit_i64_lt_s,
        0x54 => visit_i64_lt_u,
        0x55 => visit_i64_gt_s,
        0x56 => visit_i64_gt_u,
        0x57 => visit_i64_le_s,
        0x58 => visit_i64_le_u,
        0x59 => visit_i64_ge_s,
        0x5a => visit_i64_ge_u,
        0x5b => visit_f32_eq,
        0x5c => visit_f32_ne,
        0x5d => visit_f32_lt,
        0x5e => visit_f32_gt,
        0x5f => visit_f32_le,
        0x60 => visit_f32_ge,
        0x61 => visit_f64_eq,
        0x62 => visit_f64_ne,
        0x63 => visit_f64_lt,
        0x64 => visit_f64_gt,
        0x65 => visit_f64_le,
        0x66 => visit_f64_ge,
        0x67 => visit_i32_clz,
        0x68 => visit_i32_ctz,
        0x69 => visit_i32_popcnt,
        0x6a => visit_i32_add,
        0x6b => visit_i32_sub,
        0x6c => visit_i32_mul,
        0x6d => visit_i32_div_s,
        0x6e => visit_i32_div_u,
        0x6f => visit_i32_rem_s,
        0x70 => visit_i32_rem_u,
        0x71 => visit_i32_and,
        0x72 => visit_i32_or,
        0x73 => visit_i32_xor,
        0x74 => visit_i32_shl,
        0x75 => visit_i32_shr_s,
        0x76 => visit_i32_shr_u,
        0x77 => visit_i32_rotl,
        0x78 => visit_i32_rotr,
        0x79 => visit_i64_clz,
        0x7a => visit_i64_ctz,
        0x7b => visit_i64_popcnt,
        0x7c => visit_i64_add,
        0x7d => visit_i64_sub,
        0x7e => visit_i64_mul,
        0x7f => visit_i64_div_s,
        0x80 => visit_i64_div_u,
        0x81 => visit_i64_rem_s,
        0x82 => visit_i64_rem_u,
        0x83 => visit_i64_and,
        0x84 => visit_i64_or,
        0x85 => visit_i64_xor,
        0x86 => visit_i64_shl,
        0x87 => visit_i64_shr_s,
        0x88 => visit_i64_shr_u,
        0x89 => visit_i64_rotl,
        0x8a => visit_i64_rotr,
        0x8b => visit_f32_abs,
        0x8c => visit_f32_neg,
        0x8d => visit_f32_ceil,
        0x8e => visit_f32_floor,
        0x8f => visit_f32_trunc,
        0x90 => visit_f32_nearest,
        0x91 => visit_f32_sqrt,
        0x92 => visit_f32_add,
        0x93 => visit_f32_sub,
        0x94 => visit_f32_mul,
        0x95 => visit_f32_div,
        0x96 => visit_f32_min,
        0x97 => visit_f32_max,
        0x98 => visit_f32_copysign,
        0x99 => visit_f64_abs,
        0x9a => visit_f64_neg,
        0x9b => visit_f64_ceil,
        0x9c => visit_f64_floor,
        0x9d => visit_f64_trunc,
        0x9e => visit_f64_nearest,
        0x9f => visit_f64_sqrt,
        0xa0 => visit_f64_add,
        0xa1 => visit_f64_sub,
        0xa2 => visit_f64_mul,
        0xa3 => visit_f64_div,
        0xa4 => visit_f64_min,
        0xa5 => visit_f64_max,
        0xa6 => visit_f64_copysign,
        0xa7 => visit_i32_wrap_i64,
        0xa8 => visit_i32_trunc_f32_s,
        0xa9 => visit_i32_trunc_f32_u,
        0xaa => visit_i32_trunc_f64_s,
        0xab => visit_i32_trunc_f64_u,
        0xac => visit_i64_extend_i32_s,
        0xad => visit_i64_extend_i32_u,
        0xae => visit_i64_trunc_f32_s,
        0xaf => visit_i64_trunc_f32_u,
        0xb0 => visit_i64_trunc_f64_s,
        0xb1 => visit_i64_trunc_f64_u,
        0xb2 => visit_f32_convert_i32_s,
        0xb3 => visit_f32_convert_i32_u,
        0xb4 => visit_f32_convert_i64_s,
        0xb5 => visit_f32_convert_i64_u,
        0xb6 => visit_f32_demote_f64,
        0xb7 => visit_f64_convert_i32_s,
        0xb8 => visit_f64_convert_i32_u,
        0xb9 => visit_f64_convert_i64_s,
        0xba => visit_f64_convert_i64_u,
        0xbb => visit_f64_promote_f32,
        0xbc => visit_i32_reinterpret_f32,
        0xbd => visit_i64_reinterpret_f64,
        0xbe => visit_f32_reinterpret_i32,
        0xbf => visit_f64_reinterpret_i64,
        0xc0 => visit_i32_extend8_s,
        0xc1 => visit_i32_extend16_s,
        0xc2 => visit_i64_extend8_s,
        0xc3 => visit_i64_extend16_s,
        0xc4 => visit_i64_extend32_s,
        0xd1 => visit_ref_is_null,
    }
}

/// Decodes, validates and meters the operator at `bytes[*at]` with wasmparser's own dispatch
/// (which calls back the `visit_*` methods), for the operators [`step`] does not decode itself;
/// returns where it ends.
#[inline(never)]
fn fallback<V: Validate>(at: usize, b: &mut Body<'_, '_, V>) -> Result<usize, Box<InjectError>> {
    let mut reader = reader_at(b.bytes, b.base, at);
    let visited = reader.visit_operator(b).map_err(rejected)?;
    let end = at + reader.current_position();
    b.fix_pending(end);
    visited.map(|()| end)
}

/// A wasmparser reader over `bytes[at..]` (`bytes` start at module offset `base`): it reads and
/// fails exactly as the reader of the whole body would at that position, with the same features
/// and the same byte offsets in its errors (the data ends at the body's end either way).
pub(super) fn reader_at(bytes: &[u8], base: usize, at: usize) -> BinaryReader<'_> {
    BinaryReader::new_features(bytes.get(at..).unwrap_or_default(), (base + at) as u64, tally_profile::features())
}

/// A decoding or validation error, boxed (kept off the hot path).
#[cold]
fn rejected(e: wasmparser::BinaryReaderError) -> Box<InjectError> {
    Box::new(e.into())
}

/// Reads the unsigned LEB128 `u32` at `bytes[at]`, as `reader.read_var_u32()` would; returns it
/// and the position after it. The one-byte form (most immediates) is decoded inline.
#[inline(always)]
fn var_u32(bytes: &[u8], base: usize, at: usize) -> Result<(u32, usize), Box<InjectError>> {
    match bytes.get(at) {
        Some(&byte) if byte & 0x80 == 0 => Ok((u32::from(byte), at + 1)),
        _ => var_u32_long(bytes, base, at),
    }
}

/// [`var_u32`] beyond one byte. With five bytes left in the body, the shorter forms and the
/// five-byte one (relocated function indices) are decoded from them here, with no call to save
/// registers for; otherwise, or for a form they do not take, [`var_u32_any`] decides (the same
/// tests in the same order, so the result is the same).
#[inline(never)]
fn var_u32_long(bytes: &[u8], base: usize, at: usize) -> Result<(u32, usize), Box<InjectError>> {
    if bytes.get(at..).is_some_and(|rest| rest.len() >= 5) {
        if let Some((value, len)) = leb32(bytes, at) {
            return Ok((value, at + len));
        }
        if let Some((value, _)) = leb5(bytes, at).filter(|&(_, last)| u32_fits(last)) {
            return Ok((value, at + 5));
        }
    }
    var_u32_any(bytes, base, at)
}

/// [`var_u32`] beyond one byte, anywhere in the body: long or incomplete forms go to
/// wasmparser, for its errors.
#[inline(never)]
fn var_u32_any(bytes: &[u8], base: usize, at: usize) -> Result<(u32, usize), Box<InjectError>> {
    match leb32(bytes, at) {
        Some((value, len)) => Ok((value, at + len)),
        None => match leb5(bytes, at) {
            Some((value, last)) if u32_fits(last) => Ok((value, at + 5)),
            _ => read_with_reader(bytes, base, at, BinaryReader::read_var_u32),
        },
    }
}

/// Reads an integer at `bytes[at]` with wasmparser's `read` (the fallback for the forms the word
/// decoders leave to it, so errors keep wasmparser's messages and offsets).
#[cold]
#[inline(never)]
fn read_with_reader<'a, T>(
    bytes: &'a [u8],
    base: usize,
    at: usize,
    read: fn(&mut BinaryReader<'a>) -> wasmparser::Result<T>,
) -> Result<(T, usize), Box<InjectError>> {
    let mut reader = reader_at(bytes, base, at);
    let value = read(&mut reader).map_err(rejected)?;
    Ok((value, at + reader.current_position()))
}

/// Reads the signed LEB128 `i32` at `bytes[at]`, as `reader.read_var_i32()` would. Constants
/// are often several bytes long: all lengths up to 4 take the same branch-free path.
#[inline(always)]
fn var_i32(bytes: &[u8], base: usize, at: usize) -> Result<(i32, usize), Box<InjectError>> {
    match leb32(bytes, at) {
        Some((value, len)) => Ok((sign_extend(u64::from(value), len) as i32, at + len)),
        None => var_i32_long(bytes, base, at),
    }
}

/// [`var_i32`] beyond four bytes: the five-byte form (relocated addresses) is decoded here, the
/// rest goes to wasmparser, for its errors.
#[inline(never)]
fn var_i32_long(bytes: &[u8], base: usize, at: usize) -> Result<(i32, usize), Box<InjectError>> {
    match leb5(bytes, at) {
        Some((value, last)) if i32_fits(last) => Ok((value as i32, at + 5)),
        _ => read_with_reader(bytes, base, at, BinaryReader::read_var_i32),
    }
}

/// Reads the signed LEB128 `i64` at `bytes[at]`, as `reader.read_var_i64()` would.
#[inline(always)]
fn var_i64(bytes: &[u8], base: usize, at: usize) -> Result<(i64, usize), Box<InjectError>> {
    match leb(bytes, at, SHORT_LEB_64) {
        Some((value, len)) => Ok((sign_extend(value, len), at + len)),
        None => read_with_reader(bytes, base, at, BinaryReader::read_var_i64),
    }
}

/// The decoder checks `else` and `end` against the validator's control stack (one source of
/// truth, no second stack to maintain).
impl<V: Validate> FrameStack for Body<'_, '_, V> {
    fn current_frame(&self) -> Option<FrameKind> {
        self.v.frame_kind()
    }
}

/// Generates the `visit_*` methods: validate the operator with the validator's own `visit_*`
/// (same offset, same errors as `FuncValidator::op`), then meter it. The `@step` rules pick the
/// metering: control operators, calls and `ref.func` have their own method; every other operator
/// of the profile's proposals is [`Body::plain`]; anything else cannot pass validation.
macro_rules! define_visit {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                if let Err(e) = self.v.visitor(self.offset as u64).$visit($($($arg.clone()),*)?) {
                    return Err(V::rejected(e));
                }
                define_visit!(@step self $proposal $op $visit $($($arg)*)?).map_err(Box::new)
            }
        )*
    };
    (@step $s:ident $p:ident $op:ident visit_unreachable) => { $s.unreachable() };
    (@step $s:ident $p:ident $op:ident visit_block $bt:ident) => { $s.block($bt) };
    (@step $s:ident $p:ident $op:ident visit_loop $bt:ident) => { $s.loop_($bt) };
    (@step $s:ident $p:ident $op:ident visit_if $bt:ident) => { $s.if_($bt) };
    (@step $s:ident $p:ident $op:ident visit_else) => { $s.else_() };
    (@step $s:ident $p:ident $op:ident visit_end) => { $s.end() };
    (@step $s:ident $p:ident $op:ident visit_br $d:ident) => { $s.br($d) };
    (@step $s:ident $p:ident $op:ident visit_br_if $d:ident) => { $s.br_if($d) };
    (@step $s:ident $p:ident $op:ident visit_br_table $t:ident) => { $s.br_table($t) };
    (@step $s:ident $p:ident $op:ident visit_return) => { $s.return_() };
    (@step $s:ident $p:ident $op:ident visit_call $f:ident) => { $s.call($f, None) };
    (@step $s:ident $p:ident $op:ident visit_call_indirect $t:ident $table:ident) => { $s.call_indirect($t) };
    (@step $s:ident $p:ident $op:ident visit_ref_func $f:ident) => { $s.ref_func($f) };
    (@step $s:ident $p:ident $op:ident visit_memory_grow $m:ident) => { $s.memory_grow() };
    // In the reference-types group but not in the profile (multi-result `select` is invalid).
    (@step $s:ident $p:ident $op:ident visit_typed_select_multi $($a:ident)*) => { $s.outside() };
    (@step $s:ident mvp $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident sign_extension $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident saturating_float_to_int $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident bulk_memory $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident reference_types $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident $p:ident $op:ident $visit:ident $($a:ident)*) => { $s.outside() };
}

#[allow(clippy::clone_on_copy)]
impl<'a, V: Validate> VisitOperator<'a> for Body<'_, '_, V> {
    /// Boxed, so that the result of every operator fits in a register.
    type Output = Result<(), Box<InjectError>>;

    /// SIMD operators go to the validator too, so that they are rejected with its message.
    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_visit);
}

/// Generates the SIMD `visit_*` methods: the validator rejects them (SIMD is outside the
/// profile; the profile's own validator declines them); should it not, that is a bug.
macro_rules! define_visit_simd {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                let checked = match self.v.visitor(self.offset as u64).simd_visitor() {
                    Some(simd) => simd.$visit($($($arg.clone()),*)?).map_err(V::rejected),
                    None => Err(Box::new(internal("SIMD operator without a validator"))),
                };
                checked?;
                self.outside().map_err(Box::new)
            }
        )*
    };
}

#[allow(clippy::clone_on_copy)]
impl<'a, V: Validate> VisitSimdOperator<'a> for Body<'_, '_, V> {
    wasmparser::for_each_visit_simd_operator!(define_visit_simd);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inline LEB128 decoders agree with wasmparser's reader (values, ends, and errors with
    /// their offsets) on short, padded, overlong, out-of-range and truncated encodings.
    #[test]
    fn leb_decoders_match_the_reader() {
        let mut cases: Vec<Vec<u8>> = vec![vec![], vec![0x80], vec![0xff, 0xff], vec![0xff; 12]];
        for len in 1..=10 {
            for last in [0x00, 0x01, 0x07, 0x08, 0x0f, 0x10, 0x3f, 0x40, 0x47, 0x70, 0x77, 0x78, 0x7f] {
                let mut bytes = vec![0x80 | 0x55; len - 1];
                bytes.push(last);
                cases.push(bytes.clone());
                bytes.iter_mut().for_each(|b| *b |= 0x7f);
                cases.push(bytes);
            }
        }
        let base = 1000;
        fn reader(bytes: &[u8], base: usize) -> BinaryReader<'_> {
            BinaryReader::new_features(bytes, base as u64, tally_profile::features())
        }
        let message = |e: Box<InjectError>| e.to_string();
        // Also followed by more bytes, as inside a body.
        for case in cases.clone() {
            for fill in [0x00, 0x80, 0xff] {
                let mut bytes = case.clone();
                bytes.extend([fill; 9]);
                cases.push(bytes);
            }
        }
        for bytes in &cases {
            let mut r = reader(bytes, base);
            let expected = r.read_var_u32().map(|v| (v, r.current_position())).map_err(|e| message(Box::new(e.into())));
            assert_eq!(var_u32(bytes, base, 0).map_err(message), expected, "u32 {bytes:x?}");
            let mut r = reader(bytes, base);
            let expected = r.read_var_i32().map(|v| (v, r.current_position())).map_err(|e| message(Box::new(e.into())));
            assert_eq!(var_i32(bytes, base, 0).map_err(message), expected, "i32 {bytes:x?}");
            let mut r = reader(bytes, base);
            let expected = r.read_var_i64().map(|v| (v, r.current_position())).map_err(|e| message(Box::new(e.into())));
            assert_eq!(var_i64(bytes, base, 0).map_err(message), expected, "i64 {bytes:x?}");
        }
    }
}
