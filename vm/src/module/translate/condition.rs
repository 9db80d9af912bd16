//! Branch conditions: a comparison or `eqz` whose result feeds a branch directly (`br_if`, `if`)
//! fuses with it into one compare-and-branch op ([`Test`]), in the sense the branch needs
//! (`if` jumps when the test fails, so the test is negated).

use super::metering::PaysNext;
use super::stack::Operand;
use super::{op, FuncTranslator};
use crate::exec::handlers::{self as h, Bin, CmpBranch, CondBranch};

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
    /// The branch taken when the test holds, and its operands `a` and `b`.
    pub(super) fn form(self) -> (&'static CondBranch, u32, u32) {
        match self {
            Test::Cmp { kind, is64, lhs, rhs } => {
                let forms = kind.branch(is64);
                match rhs {
                    Rhs::Slot(r) => (&forms.ss, lhs, r),
                    Rhs::Imm(i) => (&forms.si, lhs, i),
                }
            }
            Test::Eqz { is64: false, slot } => (&h::BR_EQZ, slot, 0),
            Test::Eqz { is64: true, slot } => (&h::BR_I64_EQZ, slot, 0),
            Test::Nez { slot } => (&h::BR_NEZ, slot, 0),
        }
    }
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

    /// Emits a jump taken when `test` holds; returns its index and form for linking.
    pub(super) fn emit_test_jump(&mut self, test: Test) -> (usize, &'static CondBranch) {
        let (form, a, b) = test.form();
        let at = self.emit(op(form.plain, a, b, 0));
        self.pays_next_gas = Some((at, PaysNext::Branch(form)));
        (at, form)
    }

    /// Emits a jump taken when `test` does NOT hold.
    pub(super) fn emit_test_jump_not(&mut self, test: Test) -> (usize, &'static CondBranch) {
        match test {
            Test::Eqz { is64: true, slot } => {
                let form = &h::BR_I64_NEZ;
                let at = self.emit(op(form.plain, slot, 0, 0));
                self.pays_next_gas = Some((at, PaysNext::Branch(form)));
                (at, form)
            }
            t => self.emit_test_jump(t.negate()),
        }
    }

    /// A comparison: emitted like any binary op, but remembered for fusion with a branch.
    pub(super) fn cmp(&mut self, b: Bin, kind: CmpKind, is64: bool) {
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
        let (slot, dst) = self.top_to_temp();
        let hd = if is64 {
            self.acc_or(slot, h::i64_eqz, h::i64_eqz_a)
        } else {
            self.acc_or(slot, h::i32_eqz, h::i32_eqz_a)
        };
        self.emit_producer_to(dst, hd, slot, 0);
        self.last_test = Some(Test::Eqz { is64, slot });
    }
}
