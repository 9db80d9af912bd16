//! The translator's operator decoder: the reader's `visit_operator`, with the common operators
//! decoded inline.
//!
//! wasmparser's `BinaryReader::visit_operator` first asks the visitor for its innermost control
//! frame (an out-of-line call into the validator for every operator) and then decodes through a
//! match over every proposal's opcodes. [`Decoder::visit_all`] decodes the operators that make up
//! most code (locals, constants, calls, branches without tables, plain memory accesses, blocks with
//! simple types, `memory.size` and every numeric operator) itself and hands every other operator to
//! `visit_operator` unchanged, from its first byte. It looks at the bytes ahead before it decides,
//! so that whatever it hands over is still unread; a constant followed by a `call` is visited as
//! one step (`OpVisitor::const_call`), each operator still validated and translated as by its own
//! `visit_*`. What it decodes, it decodes exactly as
//! `visit_operator` does: LEB immediates of up to 4 bytes (9 for `i64`) inline, which cannot be
//! malformed or out of range at that length (the reader checks only a last, fifth or tenth, byte);
//! a fifth byte of a 32-bit LEB inline too if it passes the reader's own test of it (linkers pad
//! relocated immediates to five bytes); anything else (malformed, longer, cut off) with the
//! reader's own public readers at the same positions, so the same immediates and the same errors.
//! Immediate forms the reader interprets further (flags in a memarg, a block type given by type
//! index) go to `visit_operator` too.
//!
//! The decoder keeps its own position in the body, in a register, rather than the reader's (a
//! field in memory that every read loads, bounds-checks and stores). The reader lags behind and
//! is moved up to the decoder's position only when it reads something: an operator handed over
//! or an immediate it words the error of; the decoder then continues from where the reader
//! stopped.
//!
//! The frame check: `visit_operator` refuses an operator after the function's final `end`. The
//! translator's control stack is empty exactly then (it pops the function's frame at that `end`,
//! and holds no frame the validator does not), and from then on every byte goes to
//! `visit_operator`, which words the error. The decoder looks at the control stack only after
//! the operators that can empty it, not before every operator.

use wasmparser::{
    BinaryReader, BinaryReaderError, BlockType, Ieee32, Ieee64, MemArg, MemArgTarget, ValType, VisitOperator,
};

use super::visit::OpVisitor;
use crate::Error;

type Res<T> = Result<T, BinaryReaderError>;

/// Decodes the operators of one function body, from a reader of the body's operators.
pub(super) struct Decoder<'a> {
    /// The bytes from the reader's position when the decoder was made to its end.
    bytes: &'a [u8],
    /// The reader's position (`current_position`) at `bytes[0]`.
    base: usize,
    /// The binary offset (`original_position`) of `bytes[0]`.
    original: u64,
    /// Whether the reader's features read 64-bit memarg offsets (then memory accesses go to
    /// `visit_operator`).
    memory64: bool,
}

/// Visits `$visit` and continues at `$next`, or returns the visit's error.
macro_rules! visit {
    ($visit:expr, $next:expr) => {{
        let next = $next;
        if let Err(e) = $visit {
            return Err(*e);
        }
        next
    }};
}

impl<'a> Decoder<'a> {
    /// A decoder for the operators `reader` reads from its position on.
    pub(super) fn new(reader: &BinaryReader<'a>) -> Self {
        let mut rest = reader.clone();
        let base = rest.current_position();
        let original = rest.original_position();
        let bytes = rest.read_bytes(rest.bytes_remaining()).unwrap_or_default();
        Decoder { bytes, base, original, memory64: reader.features().memory64() }
    }

    /// Decodes every operator from the reader's position to the end of the body and visits each
    /// with `v`, as calling `reader.visit_operator(v)` until the reader's end does; leaves the
    /// reader at the end.
    pub(super) fn visit_all(&self, reader: &mut BinaryReader<'a>, v: &mut OpVisitor<'_, '_, '_>) -> Result<(), Error> {
        let mut pos = 0;
        while let Some(&code) = self.bytes.get(pos) {
            v.tr.offset = (self.original + pos as u64) as u32;
            // Decode the operator at `pos`, whose first byte is `code`, and visit it, as
            // `reader.visit_operator(v)` at `pos` does; continue after it.
            // A block type of one byte (a value type or none).
            macro_rules! block {
                ($visit:ident) => {{
                    let ty = match self.bytes.get(pos + 1) {
                        Some(0x40) => BlockType::Empty,
                        Some(0x7f) => BlockType::Type(ValType::I32),
                        Some(0x7e) => BlockType::Type(ValType::I64),
                        Some(0x7d) => BlockType::Type(ValType::F32),
                        Some(0x7c) => BlockType::Type(ValType::F64),
                        _ => {
                            pos = self.hand_over(pos, reader, v)?;
                            continue;
                        }
                    };
                    visit!(v.$visit(ty), pos + 2)
                }};
            }
            // A `u32` index.
            macro_rules! index {
                ($visit:ident) => {{
                    let (x, next) = self.var_u32(pos + 1, reader)?;
                    visit!(v.$visit(x), next)
                }};
            }
            // A plain memarg. A flags-and-alignment field below 16 in one byte sets none of the flag
            // bits the reader interprets under any features (memory index, array index, ordering):
            // it reads it as the alignment, memory 0 and no ordering.
            macro_rules! memarg {
                ($visit:ident) => {{
                    let align = match self.bytes.get(pos + 1) {
                        Some(&b) if b < 0x10 && !self.memory64 => b,
                        _ => {
                            pos = self.hand_over(pos, reader, v)?;
                            continue;
                        }
                    };
                    let (offset, next) = self.var_u32(pos + 2, reader)?;
                    let max_align = MAX_ALIGN[usize::from(code - 0x28)];
                    let memarg = MemArg {
                        align,
                        max_align,
                        offset: u64::from(offset),
                        target: MemArgTarget::Memory(0),
                        ordering: None,
                    };
                    visit!(v.$visit(memarg), next)
                }};
            }
            // One arm per opcode, so that the match is one jump table.
            pos = match code {
                0x00 => visit!(v.visit_unreachable(), pos + 1),
                0x01 => visit!(v.visit_nop(), pos + 1),
                0x02 => block!(visit_block),
                0x03 => block!(visit_loop),
                0x04 => block!(visit_if),
                // The function's final `end` empties the control stack: what follows is handed over.
                0x0b => {
                    let next = visit!(v.visit_end(), pos + 1);
                    if v.tr.ctrl.is_empty() {
                        pos = self.hand_over_rest(next, reader, v)?;
                        continue;
                    }
                    next
                }
                0x0c => index!(visit_br),
                0x0d => index!(visit_br_if),
                0x10 => index!(visit_call),
                0x20 => index!(local_get),
                0x21 => index!(visit_local_set),
                0x22 => index!(visit_local_tee),
                0x23 => index!(visit_global_get),
                0x24 => index!(visit_global_set),
                0x0f => visit!(v.visit_return(), pos + 1),
                0x1a => visit!(v.visit_drop(), pos + 1),
                0x1b => visit!(v.visit_select(), pos + 1),
                0x28 => memarg!(visit_i32_load),
                0x29 => memarg!(visit_i64_load),
                0x2a => memarg!(visit_f32_load),
                0x2b => memarg!(visit_f64_load),
                0x2c => memarg!(visit_i32_load8_s),
                0x2d => memarg!(visit_i32_load8_u),
                0x2e => memarg!(visit_i32_load16_s),
                0x2f => memarg!(visit_i32_load16_u),
                0x30 => memarg!(visit_i64_load8_s),
                0x31 => memarg!(visit_i64_load8_u),
                0x32 => memarg!(visit_i64_load16_s),
                0x33 => memarg!(visit_i64_load16_u),
                0x34 => memarg!(visit_i64_load32_s),
                0x35 => memarg!(visit_i64_load32_u),
                0x36 => memarg!(visit_i32_store),
                0x37 => memarg!(visit_i64_store),
                0x38 => memarg!(visit_f32_store),
                0x39 => memarg!(visit_f64_store),
                0x3a => memarg!(visit_i32_store8),
                0x3b => memarg!(visit_i32_store16),
                0x3c => memarg!(visit_i64_store8),
                0x3d => memarg!(visit_i64_store16),
                0x3e => memarg!(visit_i64_store32),
                // `memory.size` with a zero byte, which the reader reads as memory 0 with or
                // without multi-memory (the injector's memory-access charges begin with it).
                0x3f => match self.bytes.get(pos + 1) {
                    Some(0) => visit!(v.visit_memory_size(0), pos + 2),
                    _ => {
                        pos = self.hand_over(pos, reader, v)?;
                        continue;
                    }
                },
                // A constant and a `call` right after it (a function index of one byte) are
                // visited in one step: instrumented code passes every metering intrinsic its
                // argument so (`i64.const c; call $gas`, `i32.const f; call $stack_enter`).
                0x41 => {
                    let (x, next) = self.var_i32(pos + 1, reader)?;
                    match self.bytes.get(next..next + 2) {
                        Some(&[0x10, func]) if func < 0x80 => {
                            let call_at = (self.original + next as u64) as u32;
                            visit!(v.const_call(x as u32 as u64, false, u32::from(func), call_at), next + 2)
                        }
                        _ => visit!(v.i32_const(x), next),
                    }
                }
                0x42 => {
                    let (x, next) = self.var_i64(pos + 1, reader)?;
                    match self.bytes.get(next..next + 2) {
                        Some(&[0x10, func]) if func < 0x80 => {
                            let call_at = (self.original + next as u64) as u32;
                            visit!(v.const_call(x as u64, true, u32::from(func), call_at), next + 2)
                        }
                        _ => visit!(v.i64_const(x), next),
                    }
                }
                0x43 => {
                    let Some((b, next)) = self.fixed::<4>(pos + 1) else {
                        {
                            pos = self.hand_over(pos, reader, v)?;
                            continue;
                        }
                    };
                    visit!(v.f32_const(Ieee32::from(f32::from_le_bytes(b))), next)
                }
                0x44 => {
                    let Some((b, next)) = self.fixed::<8>(pos + 1) else {
                        {
                            pos = self.hand_over(pos, reader, v)?;
                            continue;
                        }
                    };
                    visit!(v.f64_const(Ieee64::from(f64::from_le_bytes(b))), next)
                }
                0x45 => visit!(v.visit_i32_eqz(), pos + 1),
                0x46 => visit!(v.visit_i32_eq(), pos + 1),
                0x47 => visit!(v.visit_i32_ne(), pos + 1),
                0x48 => visit!(v.visit_i32_lt_s(), pos + 1),
                0x49 => visit!(v.visit_i32_lt_u(), pos + 1),
                0x4a => visit!(v.visit_i32_gt_s(), pos + 1),
                0x4b => visit!(v.visit_i32_gt_u(), pos + 1),
                0x4c => visit!(v.visit_i32_le_s(), pos + 1),
                0x4d => visit!(v.visit_i32_le_u(), pos + 1),
                0x4e => visit!(v.visit_i32_ge_s(), pos + 1),
                0x4f => visit!(v.visit_i32_ge_u(), pos + 1),
                0x50 => visit!(v.visit_i64_eqz(), pos + 1),
                0x51 => visit!(v.visit_i64_eq(), pos + 1),
                0x52 => visit!(v.visit_i64_ne(), pos + 1),
                0x53 => visit!(v.visit_i64_lt_s(), pos + 1),
                0x54 => visit!(v.visit_i64_lt_u(), pos + 1),
                0x55 => visit!(v.visit_i64_gt_s(), pos + 1),
                0x56 => visit!(v.visit_i64_gt_u(), pos + 1),
                0x57 => visit!(v.visit_i64_le_s(), pos + 1),
                0x58 => visit!(v.visit_i64_le_u(), pos + 1),
                0x59 => visit!(v.visit_i64_ge_s(), pos + 1),
                0x5a => visit!(v.visit_i64_ge_u(), pos + 1),
                0x5b => visit!(v.visit_f32_eq(), pos + 1),
                0x5c => visit!(v.visit_f32_ne(), pos + 1),
                0x5d => visit!(v.visit_f32_lt(), pos + 1),
                0x5e => visit!(v.visit_f32_gt(), pos + 1),
                0x5f => visit!(v.visit_f32_le(), pos + 1),
                0x60 => visit!(v.visit_f32_ge(), pos + 1),
                0x61 => visit!(v.visit_f64_eq(), pos + 1),
                0x62 => visit!(v.visit_f64_ne(), pos + 1),
                0x63 => visit!(v.visit_f64_lt(), pos + 1),
                0x64 => visit!(v.visit_f64_gt(), pos + 1),
                0x65 => visit!(v.visit_f64_le(), pos + 1),
                0x66 => visit!(v.visit_f64_ge(), pos + 1),
                0x67 => visit!(v.visit_i32_clz(), pos + 1),
                0x68 => visit!(v.visit_i32_ctz(), pos + 1),
                0x69 => visit!(v.visit_i32_popcnt(), pos + 1),
                0x6a => visit!(v.visit_i32_add(), pos + 1),
                0x6b => visit!(v.visit_i32_sub(), pos + 1),
                0x6c => visit!(v.visit_i32_mul(), pos + 1),
                0x6d => visit!(v.visit_i32_div_s(), pos + 1),
                0x6e => visit!(v.visit_i32_div_u(), pos + 1),
                0x6f => visit!(v.visit_i32_rem_s(), pos + 1),
                0x70 => visit!(v.visit_i32_rem_u(), pos + 1),
                0x71 => visit!(v.visit_i32_and(), pos + 1),
                0x72 => visit!(v.visit_i32_or(), pos + 1),
                0x73 => visit!(v.visit_i32_xor(), pos + 1),
                0x74 => visit!(v.visit_i32_shl(), pos + 1),
                0x75 => visit!(v.visit_i32_shr_s(), pos + 1),
                0x76 => visit!(v.visit_i32_shr_u(), pos + 1),
                0x77 => visit!(v.visit_i32_rotl(), pos + 1),
                0x78 => visit!(v.visit_i32_rotr(), pos + 1),
                0x79 => visit!(v.visit_i64_clz(), pos + 1),
                0x7a => visit!(v.visit_i64_ctz(), pos + 1),
                0x7b => visit!(v.visit_i64_popcnt(), pos + 1),
                0x7c => visit!(v.visit_i64_add(), pos + 1),
                0x7d => visit!(v.visit_i64_sub(), pos + 1),
                0x7e => visit!(v.visit_i64_mul(), pos + 1),
                0x7f => visit!(v.visit_i64_div_s(), pos + 1),
                0x80 => visit!(v.visit_i64_div_u(), pos + 1),
                0x81 => visit!(v.visit_i64_rem_s(), pos + 1),
                0x82 => visit!(v.visit_i64_rem_u(), pos + 1),
                0x83 => visit!(v.visit_i64_and(), pos + 1),
                0x84 => visit!(v.visit_i64_or(), pos + 1),
                0x85 => visit!(v.visit_i64_xor(), pos + 1),
                0x86 => visit!(v.visit_i64_shl(), pos + 1),
                0x87 => visit!(v.visit_i64_shr_s(), pos + 1),
                0x88 => visit!(v.visit_i64_shr_u(), pos + 1),
                0x89 => visit!(v.visit_i64_rotl(), pos + 1),
                0x8a => visit!(v.visit_i64_rotr(), pos + 1),
                0x8b => visit!(v.visit_f32_abs(), pos + 1),
                0x8c => visit!(v.visit_f32_neg(), pos + 1),
                0x8d => visit!(v.visit_f32_ceil(), pos + 1),
                0x8e => visit!(v.visit_f32_floor(), pos + 1),
                0x8f => visit!(v.visit_f32_trunc(), pos + 1),
                0x90 => visit!(v.visit_f32_nearest(), pos + 1),
                0x91 => visit!(v.visit_f32_sqrt(), pos + 1),
                0x92 => visit!(v.visit_f32_add(), pos + 1),
                0x93 => visit!(v.visit_f32_sub(), pos + 1),
                0x94 => visit!(v.visit_f32_mul(), pos + 1),
                0x95 => visit!(v.visit_f32_div(), pos + 1),
                0x96 => visit!(v.visit_f32_min(), pos + 1),
                0x97 => visit!(v.visit_f32_max(), pos + 1),
                0x98 => visit!(v.visit_f32_copysign(), pos + 1),
                0x99 => visit!(v.visit_f64_abs(), pos + 1),
                0x9a => visit!(v.visit_f64_neg(), pos + 1),
                0x9b => visit!(v.visit_f64_ceil(), pos + 1),
                0x9c => visit!(v.visit_f64_floor(), pos + 1),
                0x9d => visit!(v.visit_f64_trunc(), pos + 1),
                0x9e => visit!(v.visit_f64_nearest(), pos + 1),
                0x9f => visit!(v.visit_f64_sqrt(), pos + 1),
                0xa0 => visit!(v.visit_f64_add(), pos + 1),
                0xa1 => visit!(v.visit_f64_sub(), pos + 1),
                0xa2 => visit!(v.visit_f64_mul(), pos + 1),
                0xa3 => visit!(v.visit_f64_div(), pos + 1),
                0xa4 => visit!(v.visit_f64_min(), pos + 1),
                0xa5 => visit!(v.visit_f64_max(), pos + 1),
                0xa6 => visit!(v.visit_f64_copysign(), pos + 1),
                0xa7 => visit!(v.visit_i32_wrap_i64(), pos + 1),
                0xa8 => visit!(v.visit_i32_trunc_f32_s(), pos + 1),
                0xa9 => visit!(v.visit_i32_trunc_f32_u(), pos + 1),
                0xaa => visit!(v.visit_i32_trunc_f64_s(), pos + 1),
                0xab => visit!(v.visit_i32_trunc_f64_u(), pos + 1),
                0xac => visit!(v.visit_i64_extend_i32_s(), pos + 1),
                0xad => visit!(v.visit_i64_extend_i32_u(), pos + 1),
                0xae => visit!(v.visit_i64_trunc_f32_s(), pos + 1),
                0xaf => visit!(v.visit_i64_trunc_f32_u(), pos + 1),
                0xb0 => visit!(v.visit_i64_trunc_f64_s(), pos + 1),
                0xb1 => visit!(v.visit_i64_trunc_f64_u(), pos + 1),
                0xb2 => visit!(v.visit_f32_convert_i32_s(), pos + 1),
                0xb3 => visit!(v.visit_f32_convert_i32_u(), pos + 1),
                0xb4 => visit!(v.visit_f32_convert_i64_s(), pos + 1),
                0xb5 => visit!(v.visit_f32_convert_i64_u(), pos + 1),
                0xb6 => visit!(v.visit_f32_demote_f64(), pos + 1),
                0xb7 => visit!(v.visit_f64_convert_i32_s(), pos + 1),
                0xb8 => visit!(v.visit_f64_convert_i32_u(), pos + 1),
                0xb9 => visit!(v.visit_f64_convert_i64_s(), pos + 1),
                0xba => visit!(v.visit_f64_convert_i64_u(), pos + 1),
                0xbb => visit!(v.visit_f64_promote_f32(), pos + 1),
                0xbc => visit!(v.visit_i32_reinterpret_f32(), pos + 1),
                0xbd => visit!(v.visit_i64_reinterpret_f64(), pos + 1),
                0xbe => visit!(v.visit_f32_reinterpret_i32(), pos + 1),
                0xbf => visit!(v.visit_f64_reinterpret_i64(), pos + 1),
                0xc0 => visit!(v.visit_i32_extend8_s(), pos + 1),
                0xc1 => visit!(v.visit_i32_extend16_s(), pos + 1),
                0xc2 => visit!(v.visit_i64_extend8_s(), pos + 1),
                0xc3 => visit!(v.visit_i64_extend16_s(), pos + 1),
                0xc4 => visit!(v.visit_i64_extend32_s(), pos + 1),
                _ => {
                    pos = self.hand_over(pos, reader, v)?;
                    continue;
                }
            };
        }
        self.sync(reader, pos)?;
        Ok(())
    }

    /// Moves the reader up to `pos` (it never is past it).
    #[inline(always)]
    fn sync(&self, reader: &mut BinaryReader<'a>, pos: usize) -> Res<()> {
        let at = reader.current_position() - self.base;
        reader.read_bytes(pos - at)?;
        Ok(())
    }

    /// The reader's position in `bytes`.
    #[inline(always)]
    fn at(&self, reader: &BinaryReader<'a>) -> usize {
        reader.current_position() - self.base
    }

    /// Hands the operator at `pos` to `reader.visit_operator`; returns the position after it.
    #[inline(never)]
    fn hand_over(
        &self,
        pos: usize,
        reader: &mut BinaryReader<'a>,
        v: &mut OpVisitor<'_, '_, '_>,
    ) -> Result<usize, Error> {
        let next = self.reader_visits(pos, reader, v)?;
        // Only `end` pops the function's frame, and the decoder decodes every `end` itself; but
        // should any other operator do so, what follows it must go to the reader too.
        if v.tr.ctrl.is_empty() {
            return self.hand_over_rest(next, reader, v);
        }
        Ok(next)
    }

    /// `reader.visit_operator(v)` at `pos`; returns the position after the operator.
    fn reader_visits(
        &self,
        pos: usize,
        reader: &mut BinaryReader<'a>,
        v: &mut OpVisitor<'_, '_, '_>,
    ) -> Result<usize, Error> {
        self.sync(reader, pos)?;
        reader.visit_operator(v)?.map_err(|e| *e)?;
        Ok(self.at(reader))
    }

    /// Hands every operator from `pos` on to the reader: after the function's final `end`, where
    /// the reader words the error. Returns the end of the body.
    #[cold]
    #[inline(never)]
    fn hand_over_rest(
        &self,
        mut pos: usize,
        reader: &mut BinaryReader<'a>,
        v: &mut OpVisitor<'_, '_, '_>,
    ) -> Result<usize, Error> {
        while pos < self.bytes.len() {
            v.tr.offset = (self.original + pos as u64) as u32;
            pos = self.reader_visits(pos, reader, v)?;
        }
        Ok(pos)
    }

    /// Reads a `u32` LEB at `pos` as `read_var_u32` does; returns it and the position after it.
    #[inline(always)]
    fn var_u32(&self, pos: usize, reader: &mut BinaryReader<'a>) -> Res<(u32, usize)> {
        match self.bytes.get(pos) {
            Some(&b) if b < 0x80 => Ok((u32::from(b), pos + 1)),
            _ => self.var_u32_long(pos, reader),
        }
    }

    /// [`Self::var_u32`] past its first byte. Linkers pad relocated indices and offsets to five
    /// bytes, so those are common too.
    #[inline(never)]
    fn var_u32_long(&self, pos: usize, reader: &mut BinaryReader<'a>) -> Res<(u32, usize)> {
        if let Some(&[b0, b1, b2, b3, b4]) = self.bytes.get(pos..pos + 5) {
            if b0 < 0x80 {
                return Ok((u32::from(b0), pos + 1));
            }
            let mut value = u32::from(b0 & 0x7f);
            for (i, b) in [b1, b2, b3].into_iter().enumerate() {
                value |= u32::from(b & 0x7f) << (7 * (i + 1));
                if b < 0x80 {
                    return Ok((value, pos + i + 2));
                }
            }
            // The reader's test of a fifth byte: no continuation, no bits past the 32nd.
            if b4 >> 4 == 0 {
                return Ok((value | u32::from(b4) << 28, pos + 5));
            }
        }
        // Malformed, or near the end of the body: the reader reads it, or words the error.
        self.sync(reader, pos)?;
        let x = reader.read_var_u32()?;
        Ok((x, self.at(reader)))
    }

    /// Reads an `i32` LEB at `pos` as `read_var_i32` does.
    #[inline(always)]
    fn var_i32(&self, pos: usize, reader: &mut BinaryReader<'a>) -> Res<(i32, usize)> {
        match self.bytes.get(pos..pos + 2) {
            Some(&[b, _]) if b < 0x80 => Ok(((i32::from(b) << 25) >> 25, pos + 1)),
            // Two bytes: sign-extended from bit 13.
            Some(&[b0, b1]) if b1 < 0x80 => Ok((((i32::from(b0 & 0x7f) | i32::from(b1) << 7) << 18) >> 18, pos + 2)),
            // Three bytes (the first two have their continuation bits, or the arms above would
            // have taken them): sign-extended from bit 20. The most common longer constant.
            _ => match self.bytes.get(pos..pos + 3) {
                Some(&[b0, b1, b2]) if b2 < 0x80 => {
                    let value = i32::from(b0 & 0x7f) | i32::from(b1 & 0x7f) << 7 | i32::from(b2) << 14;
                    Ok(((value << 11) >> 11, pos + 3))
                }
                _ => self.var_i32_long(pos, reader),
            },
        }
    }

    /// [`Self::var_i32`] past its first byte (linkers pad relocated addresses to five bytes).
    #[inline(never)]
    fn var_i32_long(&self, pos: usize, reader: &mut BinaryReader<'a>) -> Res<(i32, usize)> {
        if let Some(&[b0, b1, b2, b3, b4]) = self.bytes.get(pos..pos + 5) {
            if b0 < 0x80 {
                return Ok(((i32::from(b0) << 25) >> 25, pos + 1));
            }
            let mut value = u32::from(b0 & 0x7f);
            for (i, b) in [b1, b2, b3].into_iter().enumerate() {
                let bits = 7 * (i as u32 + 2);
                value |= u32::from(b & 0x7f) << (bits - 7);
                if b < 0x80 {
                    // Sign-extended from the last byte's bit 6.
                    let shift = 32 - bits;
                    return Ok((((value << shift) as i32) >> shift, pos + i + 2));
                }
            }
            // The reader's test of a fifth byte: no continuation, and its unused bits copies of
            // the sign bit.
            let sign_and_unused = ((b4 << 1) as i8) >> 4;
            if b4 & 0x80 == 0 && (sign_and_unused == 0 || sign_and_unused == -1) {
                return Ok(((value | u32::from(b4 & 0x7f) << 28) as i32, pos + 5));
            }
        }
        self.sync(reader, pos)?;
        let x = reader.read_var_i32()?;
        Ok((x, self.at(reader)))
    }

    /// Reads an `i64` LEB at `pos` as `read_var_i64` does.
    #[inline(always)]
    fn var_i64(&self, pos: usize, reader: &mut BinaryReader<'a>) -> Res<(i64, usize)> {
        match self.bytes.get(pos..pos + 2) {
            Some(&[b, _]) if b < 0x80 => Ok(((i64::from(b) << 57) >> 57, pos + 1)),
            Some(&[b0, b1]) if b1 < 0x80 => Ok((((i64::from(b0 & 0x7f) | i64::from(b1) << 7) << 50) >> 50, pos + 2)),
            // Three bytes, sign-extended from bit 20: the injector's region charges are mostly
            // of this size.
            _ => match self.bytes.get(pos..pos + 3) {
                Some(&[b0, b1, b2]) if b2 < 0x80 => {
                    let value = i64::from(b0 & 0x7f) | i64::from(b1 & 0x7f) << 7 | i64::from(b2) << 14;
                    Ok(((value << 43) >> 43, pos + 3))
                }
                _ => self.var_i64_long(pos, reader),
            },
        }
    }

    /// [`Self::var_i64`] past its first byte: up to nine bytes (which cannot be malformed)
    /// inline, a tenth by the reader.
    #[inline(never)]
    fn var_i64_long(&self, pos: usize, reader: &mut BinaryReader<'a>) -> Res<(i64, usize)> {
        let mut value = 0u64;
        for (i, &b) in self.bytes.iter().skip(pos).take(9).enumerate() {
            let bits = 7 * (i as u32 + 1);
            value |= u64::from(b & 0x7f) << (bits - 7);
            if b < 0x80 {
                let shift = 64 - bits;
                return Ok((((value << shift) as i64) >> shift, pos + i + 1));
            }
        }
        self.sync(reader, pos)?;
        let x = reader.read_var_i64()?;
        Ok((x, self.at(reader)))
    }

    /// The `N` bytes at `pos` and the position after them, if the body has them (a cut-off
    /// constant is handed over, for the reader to word the error).
    #[inline(always)]
    fn fixed<const N: usize>(&self, pos: usize) -> Option<([u8; N], usize)> {
        let bytes = self.bytes.get(pos..pos + N)?;
        Some((bytes.try_into().ok()?, pos + N))
    }
}

/// The natural alignment (log2) of the loads and stores `0x28..=0x3e`, by opcode: what the
/// reader records as a memarg's `max_align`.
const MAX_ALIGN: [u8; 23] = [2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2];
