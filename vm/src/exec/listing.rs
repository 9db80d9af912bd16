//! Translated code as text: each op by its name in the op table ([`super::op_table`]) with its
//! operands decoded (slots as `s4`, immediates by type, branch targets as op indices, charges,
//! indices by kind), and the data ops that follow some ops shown as their data. This is what
//! `Op`'s `Debug`, [`Module::ir_text`](crate::Module::ir_text) and `tally inspect --ir` print.
//!
//! The format is for people (and for tests that pin which ops the translator picks), not for
//! machines to parse back.

use core::fmt::{self, Write};

use super::layout::{BrTable, Branch, Charged, Layout};
use super::op_table::{self, Field, Kind, OpInfo, Trailer};
use super::Op;
use crate::engine::SigId;

/// What a listing knows about the function's module, to print indices in the module's terms.
pub(crate) struct ModuleView<'a> {
    /// Imported functions, which come before the defined ones in the function space.
    pub imported_funcs: u32,
    /// The interned signature of each type index.
    pub sigs: &'a [SigId],
}

/// Where an op sits, for printing what depends on it.
#[derive(Clone, Copy)]
struct At<'a> {
    /// The op's index in its function; branch targets print relative to the op without it.
    index: Option<usize>,
    module: Option<&'a ModuleView<'a>>,
}

/// Name column width: the common names fit, the longest fused forms push their operands out.
const NAME_WIDTH: usize = 24;

/// Writes `code` one op per line, each prefixed with its index.
pub(crate) fn write_code(out: &mut String, code: &[Op], module: &ModuleView<'_>) {
    let width = code.len().saturating_sub(1).to_string().len();
    let mut i = 0;
    while i < code.len() {
        let op = &code[i];
        let at = At { index: Some(i), module: Some(module) };
        let info = op_table::lookup(op.h);
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{i:>width$}: ");
        let _ = write_op(out, op, info, at, NAME_WIDTH);
        out.push('\n');
        i += 1;
        let trailer = info.map_or(Trailer::None, |info| info.trailer);
        let data_ops = match trailer {
            Trailer::None => 0,
            Trailer::One(_) => 1,
            Trailer::BranchTable => BrTable::decode(op).targets.0 as usize + 1,
        };
        for k in 0..data_ops {
            let Some(data) = code.get(i) else { break };
            let at = At { index: Some(i), module: Some(module) };
            let (label, operands): (&str, &[(Field, Kind)]) = match trailer {
                Trailer::One(operands) => (".data", operands),
                _ if k + 1 == data_ops => (".default", &[(Field::C, Kind::Branch)]),
                _ => (".target", &[(Field::C, Kind::Branch)]),
            };
            let _ = write!(out, "{i:>width$}:   {label:<w$} ", w = NAME_WIDTH - 2);
            let _ = write_operands(out, data, operands, at);
            out.push('\n');
            i += 1;
        }
    }
}

/// Writes one op: its name (padded to `width`) and decoded operands, or its raw fields if the
/// table lacks it.
fn write_op(out: &mut impl Write, op: &Op, info: Option<&OpInfo>, at: At<'_>, width: usize) -> fmt::Result {
    let Some(info) = info else {
        return write!(out, "<unknown handler {:#x}> a={} b={} c={:#x}", op.h as usize, op.a, op.b, op.c);
    };
    if info.operands.is_empty() {
        return out.write_str(&info.name);
    }
    write!(out, "{:<width$} ", info.name)?;
    write_operands(out, op, &info.operands, at)
}

/// Writes `operands` of `op`: written slots first, then `<-` and the rest.
fn write_operands(out: &mut impl Write, op: &Op, operands: &[(Field, Kind)], at: At<'_>) -> fmt::Result {
    let (dst, src): (Vec<_>, Vec<_>) = operands.iter().partition(|(_, kind)| *kind == Kind::Dst);
    for (i, &(field, kind)) in dst.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_operand(out, field_value(op, field), kind, at)?;
    }
    if !dst.is_empty() && !src.is_empty() {
        out.write_str(" <- ")?;
    }
    for (i, &(field, kind)) in src.iter().enumerate() {
        // A branch target reads as the end of the op: `s2, 100 -> @7`.
        if i > 0 {
            out.write_str(if matches!(kind, Kind::Branch | Kind::ChargedBranch) { " " } else { ", " })?;
        }
        write_operand(out, field_value(op, field), kind, at)?;
    }
    Ok(())
}

fn field_value(op: &Op, field: Field) -> u64 {
    match field {
        Field::A => u64::from(op.a),
        Field::B => u64::from(op.b),
        Field::C => op.c,
        Field::CLo => u64::from(op.c_lo()),
        Field::CHi => u64::from(op.c_hi()),
    }
}

/// Writes one operand: `v`, the value of its field, as a `kind`. Branch targets decode their
/// field (all of `c`) the way their handlers do.
fn write_operand(out: &mut impl Write, v: u64, kind: Kind, at: At<'_>) -> fmt::Result {
    match kind {
        Kind::Dst | Kind::Slot => write!(out, "s{v}"),
        Kind::Acc => write!(out, "acc=s{v}"),
        Kind::Frame => write!(out, "frame=s{v}"),
        Kind::I32 => write!(out, "{}", v as u32 as i32),
        Kind::I64 => write!(out, "{}", v as i64),
        Kind::F32 => match f32::from_bits(v as u32) {
            x if x.is_nan() => write!(out, "nan:{:#x}", v as u32),
            x => write!(out, "{x:?}"),
        },
        Kind::F64 => match f64::from_bits(v) {
            x if x.is_nan() => write!(out, "nan:{v:#x}"),
            x => write!(out, "{x:?}"),
        },
        Kind::Cell => write!(out, "{v:#x}"),
        Kind::AddImm => write!(out, "+{v}"),
        Kind::Offset => write!(out, "offset={v}"),
        Kind::Shift => write!(out, "k={v}"),
        // `Reciprocal32` holds ceil(2^64 / d); for every 32-bit `d` that sets up, d is
        // ceil(2^64 / reciprocal) again.
        Kind::Reciprocal => match v {
            0 => write!(out, "reciprocal=0"),
            r => write!(out, "d={}", (1u128 << 64).div_ceil(u128::from(r))),
        },
        Kind::Divisor => write!(out, "d={}", v as u32),
        Kind::Gas => write!(out, "gas={v}"),
        Kind::UnitPrice => write!(out, "per={v}"),
        Kind::Stack => write!(out, "stack={v}"),
        Kind::Branch => write_target(out, Branch(v).offset(), at),
        Kind::ChargedBranch => {
            let charged = Charged(v);
            write_target(out, charged.offset(), at)?;
            write!(out, " gas={}", charged.gas())?;
            if charged.memory() {
                out.write_str("+mem")?;
            }
            Ok(())
        }
        Kind::Targets => write!(out, "targets={v}"),
        Kind::SiteWord => write!(out, "word={v}"),
        Kind::SiteMask => write!(out, "bit={}", v.trailing_zeros()),
        Kind::Global => write!(out, "global={v}"),
        Kind::Func => write!(out, "func={v}"),
        Kind::DefinedFunc => match at.module {
            Some(m) => write!(out, "func={}", v + u64::from(m.imported_funcs)),
            None => write!(out, "defined={v}"),
        },
        Kind::Table => write!(out, "table={v}"),
        Kind::Elem => write!(out, "elem={v}"),
        Kind::Data => write!(out, "data={v}"),
        Kind::Sig => match at.module.and_then(|m| m.sigs.iter().position(|s| u64::from(s.0) == v)) {
            Some(ty) => write!(out, "type={ty}"),
            None => write!(out, "sig={v}"),
        },
    }
}

/// A branch target: the op index it lands on, or the offset when the op's index is unknown.
fn write_target(out: &mut impl Write, offset: isize, at: At<'_>) -> fmt::Result {
    match at.index {
        Some(i) => write!(out, "-> @{}", i as isize + offset),
        None => write!(out, "-> {offset:+}"),
    }
}

impl fmt::Debug for Op {
    /// The op's name and decoded operands; branch targets relative to the op.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_op(f, self, op_table::lookup(self.h), At { index: None, module: None }, 0)
    }
}
