//! The translator's operator decoder: the reader's `visit_operator`, with the common operators
//! decoded inline.
//!
//! wasmparser's `BinaryReader::visit_operator` first asks the visitor for its innermost control
//! frame (an out-of-line call into the validator for every operator) and then decodes through a
//! match over every proposal's opcodes. [`Decoder::visit_next`] decodes the operators that make up
//! most code (locals, constants, calls, branches without tables, plain memory accesses, blocks
//! with simple types and every numeric operator) itself and hands every other operator to
//! `visit_operator` unchanged, from its first byte. It looks at the bytes ahead before it consumes
//! any, so that whatever it hands over is still unread. What it decodes, it decodes exactly as
//! `visit_operator` does: one-byte LEB immediates inline (their value is the byte, or the byte
//! sign-extended from bit 6), longer ones with the reader's own public readers at the same
//! positions, so the same immediates and the same errors. Immediate forms the reader interprets
//! further (flags in a memarg, a block type given by type index) go to `visit_operator` too.
//!
//! The frame check: `visit_operator` refuses an operator after the function's final `end`. The
//! translator's control stack is empty exactly then (it pops the function's frame at that `end`,
//! and holds no frame the validator does not), and then every byte goes to `visit_operator`,
//! which words the error.

use wasmparser::{BinaryReader, BinaryReaderError, BlockType, MemArg, MemArgTarget, ValType, VisitOperator};

use super::visit::{OpVisitor, VisitResult};

type Res<T> = Result<T, BinaryReaderError>;

/// Decodes the operators of one function body, from a reader of the body's operators.
pub(super) struct Decoder<'a> {
    /// The bytes from the reader's position when the decoder was made to its end.
    bytes: &'a [u8],
    /// The reader's position (`current_position`) at `bytes[0]`.
    base: usize,
    /// Whether the reader's features read 64-bit memarg offsets (then memory accesses go to
    /// `visit_operator`).
    memory64: bool,
}

impl<'a> Decoder<'a> {
    /// A decoder for the operators `reader` reads from its position on.
    pub(super) fn new(reader: &BinaryReader<'a>) -> Self {
        let mut rest = reader.clone();
        let base = rest.current_position();
        let bytes = rest.read_bytes(rest.bytes_remaining()).unwrap_or_default();
        Decoder { bytes, base, memory64: reader.features().memory64() }
    }

    /// The byte `ahead` bytes past the reader's position, if there is one.
    #[inline(always)]
    fn peek(&self, reader: &BinaryReader<'a>, ahead: usize) -> Option<u8> {
        self.bytes.get((reader.current_position() - self.base) + ahead).copied()
    }

    /// Reads a `u32` LEB as `read_var_u32` does.
    #[inline(always)]
    fn var_u32(&self, reader: &mut BinaryReader<'a>) -> Res<u32> {
        match self.peek(reader, 0) {
            Some(b) if b < 0x80 => {
                reader.read_u8()?;
                Ok(u32::from(b))
            }
            _ => reader.read_var_u32(),
        }
    }

    /// Reads an `i32` LEB as `read_var_i32` does.
    #[inline(always)]
    fn var_i32(&self, reader: &mut BinaryReader<'a>) -> Res<i32> {
        match self.peek(reader, 0) {
            Some(b) if b < 0x80 => {
                reader.read_u8()?;
                Ok((i32::from(b) << 25) >> 25)
            }
            _ => reader.read_var_i32(),
        }
    }

    /// Reads an `i64` LEB as `read_var_i64` does.
    #[inline(always)]
    fn var_i64(&self, reader: &mut BinaryReader<'a>) -> Res<i64> {
        match self.peek(reader, 0) {
            Some(b) if b < 0x80 => {
                reader.read_u8()?;
                Ok((i64::from(b) << 57) >> 57)
            }
            _ => reader.read_var_i64(),
        }
    }

    /// Decodes the operator at `reader` and visits it with `v`, as `reader.visit_operator(v)`
    /// does.
    #[inline(always)]
    pub(super) fn visit_next(&self, reader: &mut BinaryReader<'a>, v: &mut OpVisitor<'_, '_, '_>) -> Res<VisitResult> {
        let Some(code) = self.peek(reader, 0).filter(|_| !v.tr.ctrl.is_empty()) else {
            return reader.visit_operator(v);
        };
        Ok(match code {
            0x00 => {
                reader.read_u8()?;
                v.visit_unreachable()
            }
            0x01 => {
                reader.read_u8()?;
                v.visit_nop()
            }
            0x02..=0x04 => {
                let ty = match self.peek(reader, 1) {
                    Some(0x40) => BlockType::Empty,
                    Some(0x7f) => BlockType::Type(ValType::I32),
                    Some(0x7e) => BlockType::Type(ValType::I64),
                    Some(0x7d) => BlockType::Type(ValType::F32),
                    Some(0x7c) => BlockType::Type(ValType::F64),
                    _ => return reader.visit_operator(v),
                };
                reader.read_u8()?;
                reader.read_u8()?;
                match code {
                    0x02 => v.visit_block(ty),
                    0x03 => v.visit_loop(ty),
                    _ => v.visit_if(ty),
                }
            }
            0x0b => {
                reader.read_u8()?;
                v.visit_end()
            }
            0x0c | 0x0d | 0x10 | 0x20..=0x24 => {
                reader.read_u8()?;
                let x = self.var_u32(reader)?;
                match code {
                    0x0c => v.visit_br(x),
                    0x0d => v.visit_br_if(x),
                    0x10 => v.visit_call(x),
                    0x20 => v.visit_local_get(x),
                    0x21 => v.visit_local_set(x),
                    0x22 => v.visit_local_tee(x),
                    0x23 => v.visit_global_get(x),
                    _ => v.visit_global_set(x),
                }
            }
            0x0f => {
                reader.read_u8()?;
                v.visit_return()
            }
            0x1a => {
                reader.read_u8()?;
                v.visit_drop()
            }
            0x1b => {
                reader.read_u8()?;
                v.visit_select()
            }
            // A flags-and-alignment field below 16 in one byte sets none of the flag bits the
            // reader interprets under any features (memory index, array index, ordering): it
            // reads it as the alignment, memory 0 and no ordering.
            0x28..=0x3e if !self.memory64 => {
                let align = match self.peek(reader, 1) {
                    Some(b) if b < 0x10 => b,
                    _ => return reader.visit_operator(v),
                };
                reader.read_u8()?;
                reader.read_u8()?;
                let offset = u64::from(self.var_u32(reader)?);
                let max_align = MAX_ALIGN[usize::from(code - 0x28)];
                let memarg = MemArg { align, max_align, offset, target: MemArgTarget::Memory(0), ordering: None };
                match code {
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
                }
            }
            0x41 => {
                reader.read_u8()?;
                v.visit_i32_const(self.var_i32(reader)?)
            }
            0x42 => {
                reader.read_u8()?;
                v.visit_i64_const(self.var_i64(reader)?)
            }
            0x43 => {
                reader.read_u8()?;
                v.visit_f32_const(reader.read_f32()?)
            }
            0x44 => {
                reader.read_u8()?;
                v.visit_f64_const(reader.read_f64()?)
            }
            0x45..=0xc4 => {
                reader.read_u8()?;
                match code {
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
                }
            }
            _ => return reader.visit_operator(v),
        })
    }
}

/// The natural alignment (log2) of the loads and stores `0x28..=0x3e`, by opcode: what the
/// reader records as a memarg's `max_align`.
const MAX_ALIGN: [u8; 23] = [2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2];
