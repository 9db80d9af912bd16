//! The translator's operator decoder: the reader's `visit_operator`, with the common operators
//! decoded inline.
//!
//! wasmparser's `BinaryReader::visit_operator` first asks the visitor for its innermost control
//! frame (an out-of-line call into the validator for every operator) and then decodes through a
//! match over every proposal's opcodes. [`Decoder::visit_all`] decodes the operators that make up
//! most code (locals, constants, calls, branches without tables, plain memory accesses, blocks
//! with simple types and every numeric operator) itself and hands every other operator to
//! `visit_operator` unchanged, from its first byte. It looks at the bytes ahead before it
//! decides, so that whatever it hands over is still unread. What it decodes, it decodes exactly
//! as `visit_operator` does: LEB immediates of up to 4 bytes (9 for `i64`) inline, which cannot
//! be malformed or out of range at that length (the reader checks only a last, fifth or tenth,
//! byte), and longer or cut-off ones with the reader's own public readers at the same positions,
//! so the same immediates and the same errors. Immediate forms the reader interprets further
//! (flags in a memarg, a block type given by type index) go to `visit_operator` too.
//!
//! The decoder keeps its own position in the body, in a register, rather than the reader's (a
//! field in memory that every read loads, bounds-checks and stores). The reader lags behind and
//! is moved up to the decoder's position only when it reads something: an operator handed over
//! or a long immediate; the decoder then continues from where the reader stopped.
//!
//! The frame check: `visit_operator` refuses an operator after the function's final `end`. The
//! translator's control stack is empty exactly then (it pops the function's frame at that `end`,
//! and holds no frame the validator does not), and then every byte goes to `visit_operator`,
//! which words the error.

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
            let offset = self.original + pos as u64;
            v.offset = offset;
            v.tr.offset = offset as u32;
            pos = self.visit_at(code, pos, reader, v)?;
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
        self.sync(reader, pos)?;
        reader.visit_operator(v)?.map_err(|e| *e)?;
        Ok(self.at(reader))
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
        match self.bytes.get(pos) {
            Some(&b) if b < 0x80 => Ok(((i32::from(b) << 25) >> 25, pos + 1)),
            _ => self.var_i32_long(pos, reader),
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
        match self.bytes.get(pos) {
            Some(&b) if b < 0x80 => Ok(((i64::from(b) << 57) >> 57, pos + 1)),
            _ => self.var_i64_long(pos, reader),
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

    /// Decodes the operator at `pos`, whose first byte is `code`, and visits it with `v`, as
    /// `reader.visit_operator(v)` at `pos` does; returns the position after it.
    #[inline(always)]
    fn visit_at(
        &self,
        code: u8,
        pos: usize,
        reader: &mut BinaryReader<'a>,
        v: &mut OpVisitor<'_, '_, '_>,
    ) -> Result<usize, Error> {
        if v.tr.ctrl.is_empty() {
            return self.hand_over(pos, reader, v);
        }
        Ok(match code {
            0x00 => visit!(v.visit_unreachable(), pos + 1),
            0x01 => visit!(v.visit_nop(), pos + 1),
            0x02..=0x04 => {
                let ty = match self.bytes.get(pos + 1) {
                    Some(0x40) => BlockType::Empty,
                    Some(0x7f) => BlockType::Type(ValType::I32),
                    Some(0x7e) => BlockType::Type(ValType::I64),
                    Some(0x7d) => BlockType::Type(ValType::F32),
                    Some(0x7c) => BlockType::Type(ValType::F64),
                    _ => return self.hand_over(pos, reader, v),
                };
                match code {
                    0x02 => visit!(v.visit_block(ty), pos + 2),
                    0x03 => visit!(v.visit_loop(ty), pos + 2),
                    _ => visit!(v.visit_if(ty), pos + 2),
                }
            }
            0x0b => visit!(v.visit_end(), pos + 1),
            0x0c | 0x0d | 0x10 | 0x20..=0x24 => {
                let (x, next) = self.var_u32(pos + 1, reader)?;
                match code {
                    0x0c => visit!(v.visit_br(x), next),
                    0x0d => visit!(v.visit_br_if(x), next),
                    0x10 => visit!(v.visit_call(x), next),
                    0x20 => visit!(v.visit_local_get(x), next),
                    0x21 => visit!(v.visit_local_set(x), next),
                    0x22 => visit!(v.visit_local_tee(x), next),
                    0x23 => visit!(v.visit_global_get(x), next),
                    _ => visit!(v.visit_global_set(x), next),
                }
            }
            0x0f => visit!(v.visit_return(), pos + 1),
            0x1a => visit!(v.visit_drop(), pos + 1),
            0x1b => visit!(v.visit_select(), pos + 1),
            // A flags-and-alignment field below 16 in one byte sets none of the flag bits the
            // reader interprets under any features (memory index, array index, ordering): it
            // reads it as the alignment, memory 0 and no ordering.
            0x28..=0x3e if !self.memory64 => {
                let align = match self.bytes.get(pos + 1) {
                    Some(&b) if b < 0x10 => b,
                    _ => return self.hand_over(pos, reader, v),
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
                let visited = match code {
                    0x28 => v.visit_i32_load(memarg),
                    0x29 => v.visit_i64_load(memarg),
                    0x2a => v.visit_f32_load(memarg),
                    0x2b => v.visit_f64_load(memarg),
                    0x2c => v.visit_i32_load8_s(memarg),
                    0x2d => v.visit_i32_load8_u(memarg),
                    0x2e => v.visit_i32_load16_s(memarg),
                    0x2f => v.visit_i32_load16_u(memarg),
                    0x30 => v.visit_i64_load8_s(memarg),
                    0x31 => v.visit_i64_load8_u(memarg),
                    0x32 => v.visit_i64_load16_s(memarg),
                    0x33 => v.visit_i64_load16_u(memarg),
                    0x34 => v.visit_i64_load32_s(memarg),
                    0x35 => v.visit_i64_load32_u(memarg),
                    0x36 => v.visit_i32_store(memarg),
                    0x37 => v.visit_i64_store(memarg),
                    0x38 => v.visit_f32_store(memarg),
                    0x39 => v.visit_f64_store(memarg),
                    0x3a => v.visit_i32_store8(memarg),
                    0x3b => v.visit_i32_store16(memarg),
                    0x3c => v.visit_i64_store8(memarg),
                    0x3d => v.visit_i64_store16(memarg),
                    _ => v.visit_i64_store32(memarg),
                };
                visit!(visited, next)
            }
            0x41 => {
                let (x, next) = self.var_i32(pos + 1, reader)?;
                visit!(v.visit_i32_const(x), next)
            }
            0x42 => {
                let (x, next) = self.var_i64(pos + 1, reader)?;
                visit!(v.visit_i64_const(x), next)
            }
            0x43 => {
                let Some((b, next)) = self.fixed::<4>(pos + 1) else { return self.hand_over(pos, reader, v) };
                visit!(v.visit_f32_const(Ieee32::from(f32::from_le_bytes(b))), next)
            }
            0x44 => {
                let Some((b, next)) = self.fixed::<8>(pos + 1) else { return self.hand_over(pos, reader, v) };
                visit!(v.visit_f64_const(Ieee64::from(f64::from_le_bytes(b))), next)
            }
            0x45..=0xc4 => {
                let visited = match code {
                    0x45 => v.visit_i32_eqz(),
                    0x46 => v.visit_i32_eq(),
                    0x47 => v.visit_i32_ne(),
                    0x48 => v.visit_i32_lt_s(),
                    0x49 => v.visit_i32_lt_u(),
                    0x4a => v.visit_i32_gt_s(),
                    0x4b => v.visit_i32_gt_u(),
                    0x4c => v.visit_i32_le_s(),
                    0x4d => v.visit_i32_le_u(),
                    0x4e => v.visit_i32_ge_s(),
                    0x4f => v.visit_i32_ge_u(),
                    0x50 => v.visit_i64_eqz(),
                    0x51 => v.visit_i64_eq(),
                    0x52 => v.visit_i64_ne(),
                    0x53 => v.visit_i64_lt_s(),
                    0x54 => v.visit_i64_lt_u(),
                    0x55 => v.visit_i64_gt_s(),
                    0x56 => v.visit_i64_gt_u(),
                    0x57 => v.visit_i64_le_s(),
                    0x58 => v.visit_i64_le_u(),
                    0x59 => v.visit_i64_ge_s(),
                    0x5a => v.visit_i64_ge_u(),
                    0x5b => v.visit_f32_eq(),
                    0x5c => v.visit_f32_ne(),
                    0x5d => v.visit_f32_lt(),
                    0x5e => v.visit_f32_gt(),
                    0x5f => v.visit_f32_le(),
                    0x60 => v.visit_f32_ge(),
                    0x61 => v.visit_f64_eq(),
                    0x62 => v.visit_f64_ne(),
                    0x63 => v.visit_f64_lt(),
                    0x64 => v.visit_f64_gt(),
                    0x65 => v.visit_f64_le(),
                    0x66 => v.visit_f64_ge(),
                    0x67 => v.visit_i32_clz(),
                    0x68 => v.visit_i32_ctz(),
                    0x69 => v.visit_i32_popcnt(),
                    0x6a => v.visit_i32_add(),
                    0x6b => v.visit_i32_sub(),
                    0x6c => v.visit_i32_mul(),
                    0x6d => v.visit_i32_div_s(),
                    0x6e => v.visit_i32_div_u(),
                    0x6f => v.visit_i32_rem_s(),
                    0x70 => v.visit_i32_rem_u(),
                    0x71 => v.visit_i32_and(),
                    0x72 => v.visit_i32_or(),
                    0x73 => v.visit_i32_xor(),
                    0x74 => v.visit_i32_shl(),
                    0x75 => v.visit_i32_shr_s(),
                    0x76 => v.visit_i32_shr_u(),
                    0x77 => v.visit_i32_rotl(),
                    0x78 => v.visit_i32_rotr(),
                    0x79 => v.visit_i64_clz(),
                    0x7a => v.visit_i64_ctz(),
                    0x7b => v.visit_i64_popcnt(),
                    0x7c => v.visit_i64_add(),
                    0x7d => v.visit_i64_sub(),
                    0x7e => v.visit_i64_mul(),
                    0x7f => v.visit_i64_div_s(),
                    0x80 => v.visit_i64_div_u(),
                    0x81 => v.visit_i64_rem_s(),
                    0x82 => v.visit_i64_rem_u(),
                    0x83 => v.visit_i64_and(),
                    0x84 => v.visit_i64_or(),
                    0x85 => v.visit_i64_xor(),
                    0x86 => v.visit_i64_shl(),
                    0x87 => v.visit_i64_shr_s(),
                    0x88 => v.visit_i64_shr_u(),
                    0x89 => v.visit_i64_rotl(),
                    0x8a => v.visit_i64_rotr(),
                    0x8b => v.visit_f32_abs(),
                    0x8c => v.visit_f32_neg(),
                    0x8d => v.visit_f32_ceil(),
                    0x8e => v.visit_f32_floor(),
                    0x8f => v.visit_f32_trunc(),
                    0x90 => v.visit_f32_nearest(),
                    0x91 => v.visit_f32_sqrt(),
                    0x92 => v.visit_f32_add(),
                    0x93 => v.visit_f32_sub(),
                    0x94 => v.visit_f32_mul(),
                    0x95 => v.visit_f32_div(),
                    0x96 => v.visit_f32_min(),
                    0x97 => v.visit_f32_max(),
                    0x98 => v.visit_f32_copysign(),
                    0x99 => v.visit_f64_abs(),
                    0x9a => v.visit_f64_neg(),
                    0x9b => v.visit_f64_ceil(),
                    0x9c => v.visit_f64_floor(),
                    0x9d => v.visit_f64_trunc(),
                    0x9e => v.visit_f64_nearest(),
                    0x9f => v.visit_f64_sqrt(),
                    0xa0 => v.visit_f64_add(),
                    0xa1 => v.visit_f64_sub(),
                    0xa2 => v.visit_f64_mul(),
                    0xa3 => v.visit_f64_div(),
                    0xa4 => v.visit_f64_min(),
                    0xa5 => v.visit_f64_max(),
                    0xa6 => v.visit_f64_copysign(),
                    0xa7 => v.visit_i32_wrap_i64(),
                    0xa8 => v.visit_i32_trunc_f32_s(),
                    0xa9 => v.visit_i32_trunc_f32_u(),
                    0xaa => v.visit_i32_trunc_f64_s(),
                    0xab => v.visit_i32_trunc_f64_u(),
                    0xac => v.visit_i64_extend_i32_s(),
                    0xad => v.visit_i64_extend_i32_u(),
                    0xae => v.visit_i64_trunc_f32_s(),
                    0xaf => v.visit_i64_trunc_f32_u(),
                    0xb0 => v.visit_i64_trunc_f64_s(),
                    0xb1 => v.visit_i64_trunc_f64_u(),
                    0xb2 => v.visit_f32_convert_i32_s(),
                    0xb3 => v.visit_f32_convert_i32_u(),
                    0xb4 => v.visit_f32_convert_i64_s(),
                    0xb5 => v.visit_f32_convert_i64_u(),
                    0xb6 => v.visit_f32_demote_f64(),
                    0xb7 => v.visit_f64_convert_i32_s(),
                    0xb8 => v.visit_f64_convert_i32_u(),
                    0xb9 => v.visit_f64_convert_i64_s(),
                    0xba => v.visit_f64_convert_i64_u(),
                    0xbb => v.visit_f64_promote_f32(),
                    0xbc => v.visit_i32_reinterpret_f32(),
                    0xbd => v.visit_i64_reinterpret_f64(),
                    0xbe => v.visit_f32_reinterpret_i32(),
                    0xbf => v.visit_f64_reinterpret_i64(),
                    0xc0 => v.visit_i32_extend8_s(),
                    0xc1 => v.visit_i32_extend16_s(),
                    0xc2 => v.visit_i64_extend8_s(),
                    0xc3 => v.visit_i64_extend16_s(),
                    // 0xc4: every other byte of the range has its arm above.
                    _ => v.visit_i64_extend32_s(),
                };
                visit!(visited, pos + 1)
            }
            _ => return self.hand_over(pos, reader, v),
        })
    }
}

/// The natural alignment (log2) of the loads and stores `0x28..=0x3e`, by opcode: what the
/// reader records as a memarg's `max_align`.
const MAX_ALIGN: [u8; 23] = [2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2];
