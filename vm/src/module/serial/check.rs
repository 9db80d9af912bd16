//! The bounds check of decoded code: every operand the op table describes (slots, branch targets,
//! function, global, table, segment and type indices, and the trailers of `br_table` and data
//! ops) against the function's frame and the module's counts, precomputed per handler so that a
//! load stays linear in the code. `check_operands` states the same bounds in full and words the
//! errors.

use crate::engine::SigId;
use crate::exec::op_table::{self, Field, Kind, Trailer};
use crate::exec::{handlers as h, Op};

/// How many of each indexed thing the module has, for checking operands.
pub(super) struct Bounds {
    pub(super) funcs: u64,
    pub(super) defined: u64,
    pub(super) globals: u64,
    pub(super) tables: u64,
    pub(super) elems: u64,
    pub(super) datas: u64,
    pub(super) types: u64,
}

/// How [`check_code`] bounds one operand: below one of the function's limits
/// ([`Limits`]), or a branch whose target must lie within the code.
#[derive(Clone, Copy)]
enum Bound {
    /// `field < limits[i]`.
    Below(usize),
    /// A [`Kind::Branch`] offset.
    Branch,
    /// A [`Kind::ChargedBranch`] offset.
    ChargedBranch,
}

/// Indices into a function's [`Limits`].
const SLOTS: usize = 0;
const FRAMES: usize = 1;
const GLOBALS: usize = 2;
const FUNCS: usize = 3;
const DEFINED: usize = 4;
const TABLES: usize = 5;
const ELEMS: usize = 6;
const DATAS: usize = 7;
const TYPES: usize = 8;

/// The bounds of one function's operands, by the `Bound::Below` index.
type Limits = [u64; 9];

/// The bound an operand of `kind` must keep, or `None` for an immediate any value of which is
/// sound. Must agree with [`check_operands`], which words the error when this finds one.
fn bound_of(kind: Kind) -> Option<Bound> {
    Some(match kind {
        Kind::Dst | Kind::Slot | Kind::Acc => Bound::Below(SLOTS),
        Kind::Frame => Bound::Below(FRAMES),
        Kind::Branch => Bound::Branch,
        Kind::ChargedBranch => Bound::ChargedBranch,
        Kind::Global => Bound::Below(GLOBALS),
        Kind::Func => Bound::Below(FUNCS),
        Kind::DefinedFunc => Bound::Below(DEFINED),
        Kind::Table => Bound::Below(TABLES),
        Kind::Elem => Bound::Below(ELEMS),
        Kind::Data => Bound::Below(DATAS),
        Kind::Sig => Bound::Below(TYPES),
        Kind::I32
        | Kind::I64
        | Kind::F32
        | Kind::F64
        | Kind::Cell
        | Kind::AddImm
        | Kind::Offset
        | Kind::Shift
        | Kind::Reciprocal
        | Kind::Divisor
        | Kind::Gas
        | Kind::UnitPrice
        | Kind::Stack
        | Kind::Targets => return None,
    })
}

/// One handler's checks, precomputed from the op table: its bounded operands, and its
/// trailer's (how many data ops follow is decided per op for `br_table`).
struct Plan {
    operands: Box<[(Field, Bound)]>,
    /// The operands as the table lists them, for the error message.
    listed: &'static [(Field, Kind)],
    trailer: Trailer,
    trailer_operands: Box<[(Field, Bound)]>,
}

/// Every handler's [`Plan`], by id: decoding checks some tens of thousands of ops per load, and
/// walking the table's operand lists (most operands are immediates, which need no check) cost
/// most of a decode.
fn plans() -> &'static [Plan] {
    static PLANS: std::sync::OnceLock<Vec<Plan>> = std::sync::OnceLock::new();
    PLANS.get_or_init(|| {
        let bounded = |operands: &[(Field, Kind)]| -> Box<[(Field, Bound)]> {
            operands.iter().filter_map(|&(field, kind)| Some((field, bound_of(kind)?))).collect()
        };
        op_table::by_id()
            .iter()
            .map(|info| Plan {
                operands: bounded(&info.operands),
                listed: &info.operands,
                trailer: info.trailer,
                trailer_operands: match info.trailer {
                    Trailer::None => Box::new([]),
                    Trailer::One(operands) => bounded(operands),
                    Trailer::BranchTable => bounded(&[(Field::C, Kind::Branch)]),
                },
            })
            .collect()
    })
}

/// Whether `op`, at index `at` of code `len` ops long, keeps every bound of `checks`.
#[inline(always)]
fn within(op: &Op, at: usize, len: usize, checks: &[(Field, Bound)], limits: &Limits) -> bool {
    checks.iter().all(|&(field, bound)| {
        let v = match field {
            Field::A => u64::from(op.a),
            Field::B => u64::from(op.b),
            Field::C => op.c,
            Field::CLo => u64::from(op.c_lo()),
            Field::CHi => u64::from(op.c_hi()),
        };
        // The same arithmetic as `check_operands`.
        let target = |offset: i64| (0..len as i64).contains(&(at as i64 + offset));
        match bound {
            Bound::Below(i) => v < limits[i],
            Bound::Branch => target(op.branch_offset() as i64),
            Bound::ChargedBranch => target(op.charged_offset() as i64),
        }
    })
}

/// Checks every operand of `code` the op table describes against its bounds, and turns each
/// `call_indirect`'s type index back into `sigs`' interned signature. Errors name the op.
pub(super) fn check_code(
    code: &mut [Op],
    ids: &[u16],
    frame_cells: u32,
    bounds: &Bounds,
    sigs: &[SigId],
) -> Result<(), (usize, String)> {
    static CALL_INDIRECT: std::sync::OnceLock<Option<u16>> = std::sync::OnceLock::new();
    let call_indirect = *CALL_INDIRECT.get_or_init(|| op_table::id_of(h::call_indirect));
    let plans = plans();
    let limits: Limits = [
        u64::from(frame_cells),
        u64::from(frame_cells) + 1,
        bounds.globals,
        bounds.funcs,
        bounds.defined,
        bounds.tables,
        bounds.elems,
        bounds.datas,
        bounds.types,
    ];
    // The message for an op `within` refused, worded by `check_operands`.
    let refused = |op: &Op, at: usize, len: usize, listed: &[(Field, Kind)]| {
        let message = check_operands(op, at, len, listed, frame_cells, bounds)
            .err()
            .unwrap_or_else(|| "an operand out of bounds".into());
        (at, message)
    };
    let len = code.len();
    if len == 0 {
        return Err((0, "a function without code".into()));
    }
    let mut i = 0;
    while i < len {
        let op = code[i];
        // `decode` looked every id up in the table.
        let Some(plan) = plans.get(usize::from(ids[i])) else {
            return Err((i, "handler missing from the op table".into()));
        };
        if !within(&op, i, len, &plan.operands, &limits) {
            return Err(refused(&op, i, len, plan.listed));
        }
        if Some(ids[i]) == call_indirect {
            // Checked against the type count above (`Kind::Sig`).
            code[i].c = crate::exec::pair(sigs[op.c_lo() as usize].0, op.c_hi());
        }
        i += 1;
        let (data_ops, listed): (usize, &[(Field, Kind)]) = match plan.trailer {
            Trailer::None => continue,
            Trailer::One(operands) => (1, operands),
            Trailer::BranchTable => (op.b as usize + 1, &[(Field::C, Kind::Branch)]),
        };
        if data_ops > len - i {
            return Err((i - 1, format!("{data_ops} data ops past the end of the code")));
        }
        for _ in 0..data_ops {
            let data = code[i];
            if !within(&data, i, len, &plan.trailer_operands, &limits) {
                return Err(refused(&data, i, len, listed));
            }
            i += 1;
        }
    }
    Ok(())
}

fn check_operands(
    op: &Op,
    at: usize,
    len: usize,
    operands: &[(Field, Kind)],
    frame_cells: u32,
    bounds: &Bounds,
) -> Result<(), String> {
    for &(field, kind) in operands {
        let v = match field {
            Field::A => u64::from(op.a),
            Field::B => u64::from(op.b),
            Field::C => op.c,
            Field::CLo => u64::from(op.c_lo()),
            Field::CHi => u64::from(op.c_hi()),
        };
        let within = |limit: u64, what: &str| {
            if v < limit {
                Ok(())
            } else {
                Err(format!("{what} {v} out of bounds ({limit})"))
            }
        };
        let target = |offset: i64| {
            let to = at as i64 + offset;
            if (0..len as i64).contains(&to) {
                Ok(())
            } else {
                Err(format!("branch to op {to} of {len}"))
            }
        };
        match kind {
            Kind::Dst | Kind::Slot | Kind::Acc => within(u64::from(frame_cells), "slot")?,
            Kind::Frame => within(u64::from(frame_cells) + 1, "callee frame")?,
            Kind::Branch => target(op.branch_offset() as i64)?,
            Kind::ChargedBranch => target(op.charged_offset() as i64)?,
            Kind::Global => within(bounds.globals, "global")?,
            Kind::Func => within(bounds.funcs, "function")?,
            Kind::DefinedFunc => within(bounds.defined, "defined function")?,
            Kind::Table => within(bounds.tables, "table")?,
            Kind::Elem => within(bounds.elems, "element segment")?,
            Kind::Data => within(bounds.datas, "data segment")?,
            Kind::Sig => within(bounds.types, "type")?,
            Kind::I32
            | Kind::I64
            | Kind::F32
            | Kind::F64
            | Kind::Cell
            | Kind::AddImm
            | Kind::Offset
            | Kind::Shift
            | Kind::Reciprocal
            | Kind::Divisor
            | Kind::Gas
            | Kind::UnitPrice
            | Kind::Stack
            | Kind::Targets => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast check `check_code` runs agrees with `check_operands` (the one that words the
    /// errors, and states the bounds in full) on every handler, operand field and edge value.
    #[test]
    fn precomputed_checks_refuse_exactly_what_check_operands_refuses() {
        let bounds = Bounds { funcs: 4, defined: 3, globals: 5, tables: 1, elems: 2, datas: 6, types: 4 };
        let frame_cells = 5;
        let limits: Limits = [5, 6, 5, 4, 3, 1, 2, 6, 4];
        let halves = [0u32, 1, 3, 4, 5, 6, u32::MAX, (-3i32) as u32];
        let wide = [0u64, 3, 5, 9, 10, u64::from(u32::MAX), u64::MAX, (-3i64) as u64, (-12i64) as u64, 1 << 40];
        let mut cs: Vec<u64> = wide.to_vec();
        for lo in halves {
            for hi in [0u32, 5, 6, u32::MAX] {
                cs.push(crate::exec::pair(lo, hi));
            }
        }
        let (mut agreed, mut refused) = (0u64, 0u64);
        for plan in plans() {
            let mut lists = vec![(&plan.operands, plan.listed)];
            let branch: &[(Field, Kind)] = &[(Field::C, Kind::Branch)];
            match plan.trailer {
                Trailer::None => {}
                Trailer::One(listed) => lists.push((&plan.trailer_operands, listed)),
                Trailer::BranchTable => lists.push((&plan.trailer_operands, branch)),
            }
            for (checks, listed) in lists {
                for a in halves {
                    for b in halves {
                        for &c in &cs {
                            for at in [0usize, 4, 9] {
                                let op = Op { h: crate::exec::handlers::unreachable, a, b, c };
                                let fast = within(&op, at, 10, checks, &limits);
                                let full = check_operands(&op, at, 10, listed, frame_cells, &bounds).is_ok();
                                assert_eq!(fast, full, "{listed:?}: a={a} b={b} c={c:#x} at {at}");
                                agreed += 1;
                                refused += u64::from(!fast);
                            }
                        }
                    }
                }
            }
        }
        assert!(refused > 0 && refused < agreed, "{refused} of {agreed} refused: the values test nothing");
    }
}
