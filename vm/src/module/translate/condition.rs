//! Branch conditions: a comparison or `eqz` whose result feeds a branch directly (`br_if`, `if`)
//! fuses with it into one compare-and-branch op ([`Test`]), in the sense the branch needs
//! (`if` jumps when the test fails, so the test is negated). A `tally.branch` call just before
//! the branch ([`PendingSite`]) makes it the site form of that op, with a data op after it.

use super::metering::PaysNext;
use super::stack::Operand;
use super::FuncTranslator;
use crate::exec::handlers::{self as h, Bin, BranchForms, CmpBranch, CondBranch};
use crate::exec::layout::{
    Branch, Branching, Charged, Imm, ImmType, SiteCost, SiteData, SiteMask, SiteWord, Slot, SlotBranch, SlotImmBranch,
    SlotSlotBranch,
};
use crate::exec::Op;

/// An integer comparison, as a compare-and-branch op tests it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum CmpKind {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl CmpKind {
    fn negate(self) -> Self {
        use CmpKind::*;
        match self {
            Eq => Ne,
            Ne => Eq,
            LtS => GeS,
            LtU => GeU,
            GtS => LeS,
            GtU => LeU,
            LeS => GtS,
            LeU => GtU,
            GeS => LtS,
            GeU => LtU,
        }
    }

    /// The comparison with operands swapped: `a < b` is `b > a`.
    fn swap(self) -> Self {
        use CmpKind::*;
        match self {
            Eq => Eq,
            Ne => Ne,
            LtS => GtS,
            LtU => GtU,
            GtS => LtS,
            GtU => LtU,
            LeS => GeS,
            LeU => GeU,
            GeS => LeS,
            GeU => LeU,
        }
    }

    fn branch(self, is64: bool) -> &'static CmpBranch {
        use CmpKind::*;
        match (is64, self) {
            (false, Eq) => &h::BR_I32_EQ,
            (false, Ne) => &h::BR_I32_NE,
            (false, LtS) => &h::BR_I32_LT_S,
            (false, LtU) => &h::BR_I32_LT_U,
            (false, GtS) => &h::BR_I32_GT_S,
            (false, GtU) => &h::BR_I32_GT_U,
            (false, LeS) => &h::BR_I32_LE_S,
            (false, LeU) => &h::BR_I32_LE_U,
            (false, GeS) => &h::BR_I32_GE_S,
            (false, GeU) => &h::BR_I32_GE_U,
            (true, Eq) => &h::BR_I64_EQ,
            (true, Ne) => &h::BR_I64_NE,
            (true, LtS) => &h::BR_I64_LT_S,
            (true, LtU) => &h::BR_I64_LT_U,
            (true, GtS) => &h::BR_I64_GT_S,
            (true, GtU) => &h::BR_I64_GT_U,
            (true, LeS) => &h::BR_I64_LE_S,
            (true, LeU) => &h::BR_I64_LE_U,
            (true, GeS) => &h::BR_I64_GE_S,
            (true, GeU) => &h::BR_I64_GE_U,
        }
    }
}

/// A `tally.branch(cond, site, cost)` call with constant site and cost, which the translator
/// took out of the code to make the `br_if` or `if` right after it test the site itself (the
/// call returns its condition unchanged). Anything else after the call gets the call back, as an
/// ordinary call of the intrinsic, before it (`FuncTranslator::flush_site`).
#[derive(Clone, Copy, Debug)]
pub(super) struct PendingSite {
    pub(super) site: u32,
    pub(super) cost: u32,
    /// The call's source offset: where running out of gas on a change is reported.
    pub(super) offset: u32,
}

impl PendingSite {
    /// The data op's operands.
    fn data(self) -> SiteData {
        SiteData { word: SiteWord(self.site / 64), cost: SiteCost(self.cost), mask: SiteMask(1 << (self.site % 64)) }
    }
}

/// Which way of a branch op is the Wasm branch taken (an `if`'s then-arm), as an index of
/// `handlers::SiteForms`: the op's taken way (0) or its fallthrough (1).
#[derive(Clone, Copy, Debug)]
pub(super) enum Sense {
    Taken = 0,
    Falls = 1,
}

/// A branch op as the translator emits it: the op, the data op of its site (and the site), and
/// its forms.
pub(super) type BranchOp = (Op, Option<(Op, PendingSite)>, &'static CondBranch);

/// A test whose result feeds a branch directly, so the two can fuse into one op.
#[derive(Clone, Copy, Debug)]
pub(super) enum Test {
    /// `lhs <kind> rhs`, rhs a slot or a sign-extended 32-bit immediate.
    Cmp { kind: CmpKind, is64: bool, lhs: u32, rhs: Rhs },
    /// `slot == 0`.
    Eqz { is64: bool, slot: u32 },
    /// `slot != 0` (any i32 condition).
    Nez { slot: u32 },
}

impl Test {
    /// The op of the branch taken when the test holds, and its forms: the plain form (its target
    /// linked later), or with `paying`, the form whose taken way pays the charge at its target
    /// (see [`branch_op`]); with `site`, its site form.
    #[inline(always)]
    pub(super) fn branch(self, paying: Option<Charged>, site: Option<(PendingSite, Sense)>) -> BranchOp {
        let unlinked = Branch::UNLINKED;
        match self {
            Test::Cmp { kind, is64, lhs, rhs } => {
                let forms = kind.branch(is64);
                match rhs {
                    Rhs::Slot(r) => branch_op(
                        &forms.ss,
                        SlotSlotBranch { x: Slot(lhs), y: Slot(r), target: unlinked },
                        paying,
                        site,
                    ),
                    Rhs::Imm(i) => {
                        let y = Imm::new(u64::from(i));
                        branch_op(&forms.si, SlotImmBranch { x: Slot(lhs), y, target: unlinked }, paying, site)
                    }
                }
            }
            Test::Eqz { is64: false, slot } => {
                branch_op(&h::BR_EQZ, SlotBranch { x: Slot(slot), target: unlinked }, paying, site)
            }
            Test::Eqz { is64: true, slot } => {
                branch_op(&h::BR_I64_EQZ, SlotBranch { x: Slot(slot), target: unlinked }, paying, site)
            }
            Test::Nez { slot } => branch_op(&h::BR_NEZ, SlotBranch { x: Slot(slot), target: unlinked }, paying, site),
        }
    }
}

/// The op of branch `forms` with the operands of `plain`: its plain form, or with `paying`, the
/// form whose taken way pays the charge at that target (its `_mem` form if the target is the
/// region's memory-access charge too); with `site`, the same form as a site, and its data op.
/// Returns the forms too, for linking.
#[inline(always)]
pub(super) fn branch_op<P: Branching>(
    forms: &'static BranchForms<P>,
    plain: P,
    paying: Option<Charged>,
    site: Option<(PendingSite, Sense)>,
) -> BranchOp {
    if let (Some((site, sense)), Some(sites)) = (site, forms.site) {
        let forms = &sites[sense as usize];
        let op = match paying {
            None => forms.plain.op(plain),
            Some(target) if target.memory() => forms.taken_pays_mem.op(plain.paying(target)),
            Some(target) => forms.taken_pays.op(plain.paying(target)),
        };
        return (op, Some((forms.plain.data(site.data()), site)), &forms.any);
    }
    let op = match paying {
        None => forms.plain.op(plain),
        Some(target) if target.memory() => forms.taken_pays_mem.op(plain.paying(target)),
        Some(target) => forms.taken_pays.op(plain.paying(target)),
    };
    (op, None, &forms.any)
}

/// The right-hand side of a fused comparison.
#[derive(Clone, Copy, Debug)]
pub(super) enum Rhs {
    Slot(u32),
    Imm(u32),
}

impl Test {
    fn negate(self) -> Self {
        match self {
            Test::Cmp { kind, is64, lhs, rhs } => Test::Cmp { kind: kind.negate(), is64, lhs, rhs },
            Test::Eqz { is64: false, slot } => Test::Nez { slot },
            Test::Eqz { is64: true, slot } => Test::Eqz { is64: true, slot }, // handled in emit
            Test::Nez { slot } => Test::Eqz { is64: false, slot },
        }
    }
}

impl FuncTranslator {
    /// Takes the fusable test that produced the top temporary, removing its op.
    pub(super) fn take_test(&mut self) -> Option<Test> {
        let test = self.last_test?;
        let producer = self.producer?;
        if producer + 1 != self.ops.len() || self.stack.last() != Some(&Operand::Temp) {
            return None;
        }
        self.unemit_last();
        self.producer = None;
        self.last_test = None;
        self.last_fuse = None;
        Some(test)
    }

    /// Pops a branch condition as a test, fusing with the comparison that produced it.
    pub(super) fn pop_test(&mut self) -> Test {
        if let Some(t) = self.take_test() {
            self.stack.pop();
            return t;
        }
        let slot = self.pop_slot();
        Test::Nez { slot }
    }

    /// Emits a branch op (and its site's data op): the op a following `gas` op may be paid by.
    /// Returns its index and form for linking.
    pub(super) fn emit_branch_op(&mut self, (op, data, form): BranchOp) -> (usize, &'static CondBranch) {
        let at = self.emit(op);
        match data {
            None => self.pays_next_gas = Some((at, PaysNext::Branch(form))),
            Some((data, site)) => {
                let data_at = self.emit(data);
                // Out of gas on a change is reported where the call was.
                self.offsets[data_at] = site.offset;
                self.site_words = self.site_words.max(site.site / 64 + 1);
                self.pays_next_gas = Some((at, PaysNext::SiteBranch(form)));
            }
        }
        (at, form)
    }

    /// Emits a jump taken when `test` holds (the Wasm branch, for `site`); returns its index and
    /// form for linking.
    pub(super) fn emit_test_jump(&mut self, test: Test, site: Option<PendingSite>) -> (usize, &'static CondBranch) {
        self.emit_branch_op(test.branch(None, site.map(|s| (s, Sense::Taken))))
    }

    /// Emits a jump taken when `test` does NOT hold (the Wasm branch taken, for `site`, is the
    /// fallthrough).
    pub(super) fn emit_test_jump_not(&mut self, test: Test, site: Option<PendingSite>) -> (usize, &'static CondBranch) {
        let site = site.map(|s| (s, Sense::Falls));
        match test {
            Test::Eqz { is64: true, slot } => self.emit_branch_op(branch_op(
                &h::BR_I64_NEZ,
                SlotBranch { x: Slot(slot), target: Branch::UNLINKED },
                None,
                site,
            )),
            t => self.emit_branch_op(t.negate().branch(None, site)),
        }
    }

    /// A comparison: emitted like any binary op, but remembered for fusion with a branch.
    pub(super) fn cmp<T: ImmType>(&mut self, b: Bin<T>, kind: CmpKind, is64: bool) {
        let len = self.stack.len();
        let (lhs, rhs) = match self.stack.get(len.wrapping_sub(2)..) {
            Some(&[l, r]) => (l, r),
            _ => (Operand::Temp, Operand::Temp),
        };
        let rhs_h = self.height().saturating_sub(1);
        let lhs_h = self.height().saturating_sub(2);
        let fits = |c: u64| -> Option<u32> {
            if is64 {
                let v = c as i64;
                (v as i32 as i64 == v).then_some(v as u32)
            } else {
                Some(c as u32)
            }
        };
        let slot = |o: Operand, hgt: u32| match o {
            Operand::Local(x) => Some(x),
            Operand::Temp => Some(self.locals + hgt),
            Operand::Const(_) => None,
        };
        let test = match (lhs, rhs) {
            (Operand::Const(_), Operand::Const(_)) => None,
            (_, Operand::Const(c)) => {
                fits(c).and_then(|imm| Some(Test::Cmp { kind, is64, lhs: slot(lhs, lhs_h)?, rhs: Rhs::Imm(imm) }))
            }
            (Operand::Const(c), _) => fits(c).and_then(|imm| {
                Some(Test::Cmp { kind: kind.swap(), is64, lhs: slot(rhs, rhs_h)?, rhs: Rhs::Imm(imm) })
            }),
            _ => match (slot(lhs, lhs_h), slot(rhs, rhs_h)) {
                (Some(l), Some(r)) => Some(Test::Cmp { kind, is64, lhs: l, rhs: Rhs::Slot(r) }),
                _ => None,
            },
        };
        self.bin(b);
        self.last_test = test;
    }

    /// `i32.eqz`/`i64.eqz`: emitted like a unary op, but remembered for fusion with a branch.
    pub(super) fn eqz(&mut self, is64: bool) {
        let slot =
            if is64 { self.un_acc_slot(h::i64_eqz, h::i64_eqz_a) } else { self.un_acc_slot(h::i32_eqz, h::i32_eqz_a) };
        self.last_test = Some(Test::Eqz { is64, slot });
    }
}
