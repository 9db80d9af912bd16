//! Decoding a function's ops, and the bounds check of every operand the op table describes
//! (slots, branch targets, function, global, table, segment and type indices, and the trailers of
//! `br_table` and data ops) against the function's frame and the module's counts, in one pass.
//! The checks are precomputed per handler as a few comparisons without a branch per operand
//! (`Checks`), so that a load stays linear in the code at a few tens of instructions per op;
//! `check_operands` reads the same bounds (`bound_of`) one operand at a time to word the errors.

use super::OP_BYTES;
use crate::engine::SigId;
use crate::exec::layout::{BrTable, Charged, Layout, Sig};
use crate::exec::op_table::{self, Field, Kind, Trailer};
use crate::exec::{handlers as h, Handler, Op};

/// How many of each indexed thing the module has, for checking operands.
pub(super) struct Bounds {
    pub(super) funcs: u64,
    pub(super) defined: u64,
    pub(super) globals: u64,
    pub(super) tables: u64,
    pub(super) elems: u64,
    pub(super) datas: u64,
    pub(super) types: u64,
    /// The words of branch-site bits the module reserves in a store (`ModuleInner::site_words`).
    pub(super) site_words: u64,
}

/// The bound an operand of `kind` must keep, or `None` for an immediate any value of which is
/// sound. [`check_operands`] words the error from it when [`decode_code`] finds one.
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
        Kind::SiteWord => Bound::Below(SITES),
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
        | Kind::SiteMask
        | Kind::Targets => return None,
    })
}

/// How one operand is bounded: below one of the function's limits, or a branch whose target
/// must lie within the code.
#[derive(Clone, Copy)]
enum Bound {
    /// `field < limits[i]`.
    Below(usize),
    /// A [`Kind::Branch`] offset (all of `c`).
    Branch,
    /// A [`Kind::ChargedBranch`] offset (the low half of `c`).
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
const SITES: usize = 9;
/// What each limit up to [`SITES`] bounds, as errors name it.
const LIMIT_NAMES: [&str; 10] = [
    "slot",
    "callee frame",
    "global",
    "function",
    "defined function",
    "table",
    "element segment",
    "data segment",
    "type",
    "branch site word",
];
/// The limit of an unused check: above every value a check reads.
const NONE: usize = 10;
/// A limit of 1: the high half of a `c` bounded whole must be 0.
const ONE: usize = 11;

/// The bounds of one function's operands, by the `Bound::Below` index (then [`NONE`]'s, and
/// padding to a power of two, so that an index masked by [`LIMIT_MASK`] needs no bounds check).
type Limits = [u64; 16];
const LIMIT_MASK: usize = 15;

/// One op's checks, without a branch per operand: each 32-bit lane of the op (`a`, `b`, and the
/// low and high halves of `c`, in that order) below the function's limit `limit[lane]` ([`NONE`]
/// for a lane nothing bounds; a bound on all of `c` bounds its low half and holds its high half
/// below [`ONE`]), and the branch target at the op's index plus `c & branch_full` plus the
/// sign-extended low half of `c` `& branch_low` within the code (masks all ones or zero:
/// [`Kind::Branch`] reads all of `c`, [`Kind::ChargedBranch`] its low half).
#[derive(Clone, Copy)]
struct Checks {
    limit: [u8; 4],
    branch_full: u64,
    branch_low: u64,
}

impl Checks {
    /// The checks of `operands`, as the op table lists them. Panics on a layout it cannot hold
    /// (two bounds on one lane, two branches): a defect of the table, which a test builds whole.
    fn of(operands: &[(Field, Kind)]) -> Checks {
        let mut checks = Checks { limit: [NONE as u8; 4], branch_full: 0, branch_low: 0 };
        let mut bound = |lane: usize, limit: usize| {
            assert!(checks.limit[lane] == NONE as u8, "two bounds on lane {lane}: {operands:?}");
            checks.limit[lane] = limit as u8;
        };
        let mut branches = Vec::new();
        for &(field, kind) in operands {
            match bound_of(kind) {
                None => {}
                // Every limit is at most 2^32 (counts and frame sizes are 32-bit), so `c < limit`
                // is `c_hi == 0 && c_lo < limit`.
                Some(Bound::Below(limit)) => match field {
                    Field::A => bound(0, limit),
                    Field::B => bound(1, limit),
                    Field::CLo => bound(2, limit),
                    Field::CHi => bound(3, limit),
                    Field::C => {
                        bound(2, limit);
                        bound(3, ONE);
                    }
                },
                Some(b @ (Bound::Branch | Bound::ChargedBranch)) => branches.push(b),
            }
        }
        assert!(branches.len() <= 1, "two branch operands: {operands:?}");
        // Wherever the table lists it, a branch is read as the handlers read it: in all of `c`,
        // or a charged one in its low half (`Op::branch_offset`, `Op::charged_offset`), as
        // `check_operands` reads it.
        match branches.first() {
            Some(Bound::Branch) => checks.branch_full = u64::MAX,
            Some(_) => checks.branch_low = u64::MAX,
            None => {}
        }
        checks
    }

    /// Whether `op`, at index `at` of code `len` ops long, keeps every bound. The same arithmetic
    /// as [`check_operands`].
    #[inline(always)]
    fn pass(&self, op: &Op, at: usize, len: usize, limits: &Limits) -> bool {
        let limit = |lane: usize| limits[usize::from(self.limit[lane]) & LIMIT_MASK];
        let below = (u64::from(op.a) < limit(0))
            & (u64::from(op.b) < limit(1))
            & (u64::from(op.c_lo()) < limit(2))
            & (u64::from(op.c_hi()) < limit(3));
        let offset = (op.c & self.branch_full) | (op.c_lo() as i32 as i64 as u64 & self.branch_low);
        // Wrapping: a target below 0 or past `i64::MAX` wraps to at least 2^63, above any length.
        below & ((at as u64).wrapping_add(offset) < len as u64)
    }
}

/// What decoding needs of one handler, by id, precomputed from the op table so that decoding
/// an op is a lookup and a few comparisons: its handler, its checks, and whether it needs the
/// slow path (a trailer of data ops, or `call_indirect`'s signature to intern).
#[derive(Clone, Copy)]
struct Fast {
    handler: Handler,
    checks: Checks,
    /// 0: nothing more; [`SPECIAL_TRAILER`] and [`SPECIAL_CALL_INDIRECT`] bits otherwise.
    special: u8,
}

const SPECIAL_TRAILER: u8 = 1;
const SPECIAL_CALL_INDIRECT: u8 = 2;

/// A handler's slow-path facts: its listed operands (to word an error) and its trailer's.
struct Slow {
    listed: &'static [(Field, Kind)],
    trailer: Trailer,
    trailer_checks: Checks,
}

/// Every handler's [`Fast`] and [`Slow`] facts, by id.
struct Plans {
    fast: Vec<Fast>,
    slow: Vec<Slow>,
}

/// The [`Plans`]: decoding checks some tens of thousands of ops per load, and walking the table's
/// operand lists (most operands are immediates, which need no check) cost most of a decode.
fn plans() -> &'static Plans {
    static PLANS: std::sync::OnceLock<Plans> = std::sync::OnceLock::new();
    PLANS.get_or_init(|| {
        let call_indirect = op_table::id_of(h::call_indirect.handler());
        let table = op_table::by_id();
        let fast = table
            .iter()
            .enumerate()
            .map(|(id, info)| {
                let trailer = if info.trailer == Trailer::None { 0 } else { SPECIAL_TRAILER };
                let indirect = if call_indirect == Some(id as u16) { SPECIAL_CALL_INDIRECT } else { 0 };
                Fast { handler: info.handler, checks: Checks::of(&info.operands), special: trailer | indirect }
            })
            .collect();
        let slow = table
            .iter()
            .map(|info| Slow {
                listed: &info.operands,
                trailer: info.trailer,
                trailer_checks: match info.trailer {
                    Trailer::None => Checks::of(&[]),
                    Trailer::One(operands) => Checks::of(operands),
                    Trailer::BranchTable => Checks::of(BRANCH_TABLE_DATA),
                },
            })
            .collect();
        Plans { fast, slow }
    })
}

/// The operand of each data op of a `br_table`'s trailer.
const BRANCH_TABLE_DATA: &[(Field, Kind)] = &[(Field::C, Kind::Branch)];

/// The ops of one function from their serialized form (`raw`, [`OP_BYTES`] per op: handler id,
/// `a`, `b`, `c`), every handler id looked up and every operand the op table describes checked
/// against its bounds, in one pass; each `call_indirect`'s type index becomes `sigs`' interned
/// signature. Errors name the op's index.
pub(super) fn decode_code(
    raw: &[u8],
    frame_cells: u32,
    bounds: &Bounds,
    sigs: &[SigId],
) -> Result<Box<[Op]>, (usize, String)> {
    let len = raw.len() / OP_BYTES;
    if len == 0 {
        return Err((0, "a function without code".into()));
    }
    let plans = plans();
    let limits = limits_of(frame_cells, bounds);
    // The message for an op `Checks::pass` refused, worded by `check_operands`.
    let refused = |op: Op, at: usize, listed: &[(Field, Kind)]| {
        let message =
            check_operands(&op, at, len, listed, &limits).err().unwrap_or_else(|| "an operand out of bounds".into());
        (at, message)
    };
    // An op as stored, with its handler looked up by id.
    let read = |at: usize, chunk: &[u8]| {
        let id = usize::from(u16::from_le_bytes([chunk[0], chunk[1]]));
        let Some(fast) = plans.fast.get(id) else {
            return Err((at, format!("handler id {id}")));
        };
        let word = |from: usize| u32::from_le_bytes([chunk[from], chunk[from + 1], chunk[from + 2], chunk[from + 3]]);
        let c = u64::from(word(10)) | u64::from(word(14)) << 32;
        Ok((id, fast, Op { h: fast.handler, a: word(2), b: word(6), c }))
    };
    let mut code = Vec::with_capacity(len);
    let mut ops = raw.chunks_exact(OP_BYTES).enumerate();
    while let Some((at, chunk)) = ops.next() {
        let (id, fast, mut op) = read(at, chunk)?;
        if !fast.checks.pass(&op, at, len, &limits) {
            return Err(refused(op, at, plans.slow[id].listed));
        }
        if fast.special == 0 {
            code.push(op);
            continue;
        }
        if fast.special & SPECIAL_CALL_INDIRECT != 0 {
            // Checked against the type count above (`Kind::Sig`).
            let mut call = h::call_indirect.operands(&op);
            call.sig = Sig(sigs[call.sig.0 as usize].0);
            op = h::call_indirect.op(call);
        }
        code.push(op);
        let slow = &plans.slow[id];
        let (data_ops, listed): (usize, &'static [(Field, Kind)]) = match slow.trailer {
            Trailer::None => continue,
            Trailer::One(operands) => (1, operands),
            Trailer::BranchTable => ((BrTable::decode(&op).targets.0 as usize).saturating_add(1), BRANCH_TABLE_DATA),
        };
        if data_ops > len - at - 1 {
            return Err((at, format!("{data_ops} data ops past the end of the code")));
        }
        // The data ops: checked as the trailer says, whatever their own handlers' operands.
        for (at, chunk) in ops.by_ref().take(data_ops) {
            let (_, _, data) = read(at, chunk)?;
            if !slow.trailer_checks.pass(&data, at, len, &limits) {
                return Err(refused(data, at, listed));
            }
            code.push(data);
        }
    }
    Ok(code.into_boxed_slice())
}

/// A function's [`Limits`]: its frame's cells and the module's counts, at their indices.
fn limits_of(frame_cells: u32, bounds: &Bounds) -> Limits {
    let mut limits: Limits = [u64::MAX; 16];
    limits[..=ONE].copy_from_slice(&[
        u64::from(frame_cells),
        u64::from(frame_cells) + 1,
        bounds.globals,
        bounds.funcs,
        bounds.defined,
        bounds.tables,
        bounds.elems,
        bounds.datas,
        bounds.types,
        bounds.site_words,
        u64::MAX,
        1,
    ]);
    limits
}

fn check_operands(op: &Op, at: usize, len: usize, operands: &[(Field, Kind)], limits: &Limits) -> Result<(), String> {
    for &(field, kind) in operands {
        let v = match field {
            Field::A => u64::from(op.a),
            Field::B => u64::from(op.b),
            Field::C => op.c,
            Field::CLo => u64::from(op.c_lo()),
            Field::CHi => u64::from(op.c_hi()),
        };
        let target = |offset: i64| {
            let to = at as i64 + offset;
            if (0..len as i64).contains(&to) {
                Ok(())
            } else {
                Err(format!("branch to op {to} of {len}"))
            }
        };
        match bound_of(kind) {
            None => {}
            Some(Bound::Below(i)) => {
                let limit = limits[i & LIMIT_MASK];
                if v >= limit {
                    let what = LIMIT_NAMES.get(i).copied().unwrap_or("operand");
                    return Err(format!("{what} {v} out of bounds ({limit})"));
                }
            }
            // All 64 bits of `c`, as the translator writes the offset (sign-extended) and as
            // `Checks::pass` reads it: on a 32-bit target `branch_offset` keeps only the low
            // half, so reading it here would accept entries whose high half disagrees.
            Some(Bound::Branch) => target(op.c as i64)?,
            Some(Bound::ChargedBranch) => target(Charged(op.c).offset() as i64)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `c` of `lo` and `hi` halves, as raw bits (these tests make arbitrary ops).
    fn pair(lo: u32, hi: u32) -> u64 {
        u64::from(lo) | u64::from(hi) << 32
    }

    /// The values the tests try in each operand field: edges of the bounds below and of the
    /// field's width.
    fn halves() -> [u32; 8] {
        [0u32, 1, 3, 4, 5, 6, u32::MAX, (-3i32) as u32]
    }

    fn cs() -> Vec<u64> {
        let wide = [0u64, 3, 5, 9, 10, u64::from(u32::MAX), u64::MAX, (-3i64) as u64, (-12i64) as u64, 1 << 40];
        let mut cs: Vec<u64> = wide.to_vec();
        for lo in halves() {
            for hi in [0u32, 5, 6, u32::MAX] {
                cs.push(pair(lo, hi));
            }
        }
        cs
    }

    const BOUNDS: Bounds =
        Bounds { funcs: 4, defined: 3, globals: 5, tables: 1, elems: 2, datas: 6, types: 4, site_words: 7 };
    const FRAME_CELLS: u32 = 5;

    /// Which limit bounds each operand kind, stated here on its own (an exhaustive match: a new
    /// kind must be placed) against `bound_of`, which both checks read.
    #[test]
    fn every_kind_is_bounded_by_its_own_limit() {
        for kind in [
            Kind::Dst,
            Kind::Slot,
            Kind::Acc,
            Kind::Frame,
            Kind::I32,
            Kind::I64,
            Kind::F32,
            Kind::F64,
            Kind::Cell,
            Kind::AddImm,
            Kind::Offset,
            Kind::Shift,
            Kind::Reciprocal,
            Kind::Divisor,
            Kind::Gas,
            Kind::UnitPrice,
            Kind::Stack,
            Kind::Branch,
            Kind::ChargedBranch,
            Kind::Targets,
            Kind::Global,
            Kind::Func,
            Kind::DefinedFunc,
            Kind::Table,
            Kind::Elem,
            Kind::Data,
            Kind::Sig,
            Kind::SiteWord,
            Kind::SiteMask,
        ] {
            let expected = match kind {
                Kind::Dst | Kind::Slot | Kind::Acc => Some("slot"),
                Kind::Frame => Some("callee frame"),
                Kind::Global => Some("global"),
                Kind::Func => Some("function"),
                Kind::DefinedFunc => Some("defined function"),
                Kind::Table => Some("table"),
                Kind::Elem => Some("element segment"),
                Kind::Data => Some("data segment"),
                Kind::Sig => Some("type"),
                Kind::SiteWord => Some("branch site word"),
                Kind::Branch => Some("branch"),
                Kind::ChargedBranch => Some("charged branch"),
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
                | Kind::SiteMask
                | Kind::Targets => None,
            };
            let actual = bound_of(kind).map(|b| match b {
                Bound::Below(i) => LIMIT_NAMES[i],
                Bound::Branch => "branch",
                Bound::ChargedBranch => "charged branch",
            });
            assert_eq!(actual, expected, "{kind:?}");
        }
        let limits = limits_of(FRAME_CELLS, &BOUNDS);
        let limit_of = |name: &str| limits[LIMIT_NAMES.iter().position(|n| *n == name).unwrap()];
        assert_eq!(limit_of("slot"), u64::from(FRAME_CELLS));
        assert_eq!(limit_of("callee frame"), u64::from(FRAME_CELLS) + 1);
        assert_eq!(limit_of("global"), BOUNDS.globals);
        assert_eq!(limit_of("function"), BOUNDS.funcs);
        assert_eq!(limit_of("defined function"), BOUNDS.defined);
        assert_eq!(limit_of("table"), BOUNDS.tables);
        assert_eq!(limit_of("element segment"), BOUNDS.elems);
        assert_eq!(limit_of("data segment"), BOUNDS.datas);
        assert_eq!(limit_of("type"), BOUNDS.types);
        assert_eq!(limit_of("branch site word"), BOUNDS.site_words);
    }

    /// The precomputed checks `decode_code` runs agree with `check_operands` (which words
    /// the errors, one operand at a time) on every handler, operand field and edge value.
    #[test]
    fn precomputed_checks_refuse_exactly_what_check_operands_refuses() {
        let limits = limits_of(FRAME_CELLS, &BOUNDS);
        let cs = cs();
        let (mut agreed, mut refused) = (0u64, 0u64);
        let plans = plans();
        for (fast, slow) in plans.fast.iter().zip(&plans.slow) {
            let mut lists = vec![(fast.checks, slow.listed)];
            match slow.trailer {
                Trailer::None => {}
                Trailer::One(listed) => lists.push((slow.trailer_checks, listed)),
                Trailer::BranchTable => lists.push((slow.trailer_checks, BRANCH_TABLE_DATA)),
            }
            for (checks, listed) in lists {
                for a in halves() {
                    for b in halves() {
                        for &c in &cs {
                            for at in [0usize, 4, 9] {
                                let op = Op { h: crate::exec::handlers::unreachable.handler(), a, b, c };
                                let quick = checks.pass(&op, at, 10, &limits);
                                let full = check_operands(&op, at, 10, listed, &limits).is_ok();
                                assert_eq!(quick, full, "{listed:?}: a={a} b={b} c={c:#x} at {at}");
                                agreed += 1;
                                refused += u64::from(!quick);
                            }
                        }
                    }
                }
            }
        }
        assert!(refused > 0 && refused < agreed, "{refused} of {agreed} refused: the values test nothing");
    }

    /// What `decode_code` must do, stated plainly: each op's id looked up, its operands checked
    /// by `check_operands`, its trailer's data ops checked as the trailer says; the index of the
    /// first op refused.
    fn reference(raw: &[u8]) -> Result<(), usize> {
        let table = op_table::by_id();
        let len = raw.len() / OP_BYTES;
        if len == 0 {
            return Err(0);
        }
        let limits = limits_of(FRAME_CELLS, &BOUNDS);
        let op_at = |i: usize| {
            let chunk = &raw[i * OP_BYTES..(i + 1) * OP_BYTES];
            let id = u16::from_le_bytes([chunk[0], chunk[1]]);
            let field = |from: usize, n: usize| {
                let mut buf = [0u8; 8];
                buf[..n].copy_from_slice(&chunk[from..from + n]);
                u64::from_le_bytes(buf)
            };
            let op = Op {
                h: crate::exec::handlers::unreachable.handler(),
                a: field(2, 4) as u32,
                b: field(6, 4) as u32,
                c: field(10, 8),
            };
            table.get(usize::from(id)).map(|info| (info, op)).ok_or(i)
        };
        let mut i = 0;
        while i < len {
            let (info, op) = op_at(i)?;
            check_operands(&op, i, len, &info.operands, &limits).map_err(|_| i)?;
            i += 1;
            let (data_ops, listed): (usize, &[(Field, Kind)]) = match info.trailer {
                Trailer::None => continue,
                Trailer::One(operands) => (1, operands),
                // Saturating: `b + 1` overflows a 32-bit `usize` at `b = u32::MAX`.
                Trailer::BranchTable => {
                    ((BrTable::decode(&op).targets.0 as usize).saturating_add(1), BRANCH_TABLE_DATA)
                }
            };
            if data_ops > len - i {
                return Err(i - 1);
            }
            for _ in 0..data_ops {
                let (_, data) = op_at(i)?;
                check_operands(&data, i, len, listed, &limits).map_err(|_| i)?;
                i += 1;
            }
        }
        Ok(())
    }

    /// `decode_code` accepts exactly the code `reference` accepts, and refuses the rest at the
    /// same op, over many random functions of real handler ids (trailers and `br_table`s
    /// included), a few unknown ids, and edge operand values.
    #[test]
    fn decode_code_refuses_exactly_what_the_plain_check_refuses() {
        let table = op_table::by_id();
        let ids_with_trailers: Vec<u16> =
            (0..table.len() as u16).filter(|id| table[usize::from(*id)].trailer != Trailer::None).collect();
        assert!(!ids_with_trailers.is_empty());
        let (halves, cs) = (halves(), cs());
        let sigs: Vec<SigId> = (0..BOUNDS.types as u32).map(SigId).collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..200_000 {
            let len = 1 + next(8);
            let mut raw = Vec::with_capacity(len * OP_BYTES);
            for _ in 0..len {
                let id = match next(10) {
                    0 => ids_with_trailers[next(ids_with_trailers.len())],
                    1 if next(20) == 0 => table.len() as u16 + next(3) as u16,
                    _ => next(table.len()) as u16,
                };
                // Mostly small operands (so that whole functions pass), sometimes an edge.
                let small = |next: &mut dyn FnMut(usize) -> usize| next(6) as u32;
                let a = if next(8) == 0 { halves[next(halves.len())] } else { small(&mut next) };
                let b = if next(8) == 0 { halves[next(halves.len())] } else { small(&mut next) };
                let c = match next(8) {
                    0 => cs[next(cs.len())],
                    1 => (next(len + 2) as i64 - 2) as u64,
                    _ => pair(small(&mut next), small(&mut next)),
                };
                raw.extend_from_slice(&id.to_le_bytes());
                raw.extend_from_slice(&a.to_le_bytes());
                raw.extend_from_slice(&b.to_le_bytes());
                raw.extend_from_slice(&c.to_le_bytes());
            }
            let expected = reference(&raw);
            let got = decode_code(&raw, FRAME_CELLS, &BOUNDS, &sigs).map(|_| ()).map_err(|(at, _)| at);
            assert_eq!(got, expected, "ops {raw:?}");
            if got.is_ok() {
                accepted += 1;
            } else {
                refused += 1;
            }
        }
        assert!(accepted > 1000 && refused > 1000, "{accepted} accepted, {refused} refused: the cases test little");
    }
}
