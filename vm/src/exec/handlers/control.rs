//! Branch handlers: conditional branches (on zero, or fused with an integer comparison) in
//! their four charge-paying forms, `br`, `br_table` and `unreachable`.

#![allow(unused_variables)]

use super::super::op_table;
use super::super::runtime::trap;
use super::super::{Cx, Handler, Ip, Sp};
use super::metering::{pay_charge, pay_memory};
use super::{next_op, out_of_gas, rd};
use crate::TrapCode;

// ---- conditional branches ----

/// The forms of one conditional branch. A form's taken way, its fallthrough, or both pay the
/// `gas` op at their destination themselves, one dispatch fewer each (see [`charged_branch`]
/// and [`charged_fallthrough`]); a taken way that pays has a second form for a target that is
/// the region's memory-access charge too ([`charged_branch_mem`]), so neither form tests which
/// it is at run time. The translator picks the form once both destinations are known.
#[derive(Clone, Copy)]
pub(crate) struct CondBranch {
    /// Neither way pays: `c` is the branch offset.
    pub plain: Handler,
    /// The taken branch pays the charge at its target; `c` as for [`charged_branch`].
    pub taken_pays: Handler,
    /// The fallthrough pays the `gas` op right after the branch; `c` is the branch offset.
    pub falls_pays: Handler,
    /// Both ways pay; `c` as for [`charged_branch`].
    pub both_pay: Handler,
    /// `taken_pays` to a target that also pays the memory-access charge there; `c` as for
    /// [`charged_branch_mem`].
    pub taken_pays_mem: Handler,
    /// `both_pay` to a target that also pays the memory-access charge there; `c` as for
    /// [`charged_branch_mem`].
    pub both_pay_mem: Handler,
}

impl CondBranch {
    /// `current` (one of this branch's forms) with its taken way paying too.
    pub(crate) fn taken_paying(&self, current: Handler) -> Handler {
        if same(current, self.falls_pays) {
            self.both_pay
        } else {
            self.taken_pays
        }
    }

    /// `current` (one of this branch's forms) with its fallthrough paying too.
    pub(crate) fn falls_paying(&self, current: Handler) -> Handler {
        if same(current, self.taken_pays) {
            self.both_pay
        } else if same(current, self.taken_pays_mem) {
            self.both_pay_mem
        } else {
            self.falls_pays
        }
    }

    /// `current` (a form whose taken way pays) with its taken way paying the memory-access
    /// charge at its target too.
    pub(crate) fn memory_paying(&self, current: Handler) -> Handler {
        if same(current, self.both_pay) {
            self.both_pay_mem
        } else {
            debug_assert!(same(current, self.taken_pays), "{self:?}: only a paying taken way pays memory");
            self.taken_pays_mem
        }
    }
}

/// Whether two handlers are the same function. Handlers compared this way differ in behaviour,
/// so their code (and address) does too.
pub(crate) fn same(x: Handler, y: Handler) -> bool {
    x as usize == y as usize
}

impl core::fmt::Debug for CondBranch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match op_table::lookup(self.plain) {
            Some(info) => write!(f, "CondBranch({})", info.name),
            None => write!(f, "CondBranch({:#x})", self.plain as usize),
        }
    }
}

/// A conditional branch fused with an integer comparison, in both operand forms.
#[derive(Clone, Copy)]
pub(crate) struct CmpBranch {
    /// Branch if `slot a <op> slot b`.
    pub ss: CondBranch,
    /// Branch if `slot a <op> imm b` (immediate sign-extended from 32 bits).
    pub si: CondBranch,
}

/// The fallthrough of a conditional branch followed by a `gas` or `gas_mem` op (the charge of
/// the region the branch falls into, and its memory-access charge): pays it and continues after
/// it, one dispatch fewer. The op stays in place for whatever else lands on it; out of gas traps
/// there, exactly as if it ran.
#[inline(always)]
unsafe fn charged_fallthrough(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the translator picks the forms whose fallthrough pays only for a branch directly
    // followed by a `gas` op, so `ip + 1` is that op and `ip + 2` an op of the same function.
    unsafe { pay_charge(ip.add(1), sp, mem, cx, gas, acc) }
}

/// Takes a branch whose target starts with a `gas` op (a loop body's entry charge, or the charge
/// of the region after an `end` or `else`), paying that charge itself: the `gas` op then runs
/// only for the paths that do not pay it. `c` holds the branch offset to the op after the `gas`
/// op in its low half and the charge in its high half (the memory flag,
/// [`Op::charged_memory`](super::super::Op::charged_memory), is clear). Out of gas traps at the
/// skipped op, exactly where the unfused code would.
#[inline(always)]
unsafe fn charged_branch(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the translator emits these forms only for branches whose target is preceded by
    // the charge, so `target - 1` is that `gas` op and `target` an op of the same function.
    unsafe {
        let op = &*ip;
        let target = ip.offset(op.charged_offset());
        // Without the memory flag the high half is the charge: no mask.
        let Some(gas) = gas.checked_sub(op.c_hi() as u64) else {
            return out_of_gas(target.sub(1), cx);
        };
        next_op(target, sp, mem, cx, gas, acc)
    }
}

/// [`charged_branch`] to a target that is the region's memory-access charge (a
/// `memory_size_gas` op; the memory flag is set): pays the charge before it, then the
/// memory-access charge, and lands after it. (One subtraction of their sum took more
/// instructions: finding which charge ran out needs the gas from before both, which costs
/// register moves on the path that pays.)
#[inline(always)]
unsafe fn charged_branch_mem(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the translator emits these forms only for branches whose target is a
    // `memory_size_gas` op preceded by the charge, and an op of the same function follows it.
    unsafe {
        let op = &*ip;
        let target = ip.offset(op.charged_offset());
        let Some(gas) = gas.checked_sub(op.charged_gas()) else {
            return out_of_gas(target.sub(1), cx);
        };
        match pay_memory(target, cx, gas) {
            Ok(gas) => next_op(target.add(1), sp, mem, cx, gas, acc),
            Err(stop) => stop,
        }
    }
}

/// A taken branch: continues at `ip` plus the offset in `c`.
#[inline(always)]
unsafe fn jump(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: branch offsets land on an op of the same function (handler invariants).
    unsafe { next_op(ip.offset((*ip).branch_offset()), sp, mem, cx, gas, acc) }
}

/// A branch not taken: continues at the next op.
#[inline(always)]
unsafe fn fall_through(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: a conditional branch is never a function's last op (handler invariants).
    unsafe { next_op(ip.add(1), sp, mem, cx, gas, acc) }
}

/// Defines module `$m` holding the four forms of the branch taken when `$e` holds over the
/// operand in slot `a` and the right-hand side `$rhs`, and the constant `$konst` naming them.
macro_rules! cond_branch {
    ($(#[$doc:meta])* $konst:ident = $m:ident, $t:ty, |$op:ident, $sp:ident| $rhs:expr, |$x:ident, $y:ident| $e:expr) => {
        $(#[$doc])*
        pub(crate) mod $m {
            use super::*;

            macro_rules! form {
                ($name:ident => $taken:ident / $fall:ident) => {
                    handler!($name(ip, $sp, mem, cx, gas, acc) {
                        let $op = &*ip;
                        let $x: $t = rd($sp, $op.a);
                        let $y = $rhs;
                        if $e {
                            return $taken(ip, $sp, mem, cx, gas, acc);
                        }
                        $fall(ip, $sp, mem, cx, gas, acc)
                    });
                };
            }
            form!(plain => jump / fall_through);
            form!(taken_pays => charged_branch / fall_through);
            form!(falls_pays => jump / charged_fallthrough);
            form!(both_pay => charged_branch / charged_fallthrough);
            form!(taken_pays_mem => charged_branch_mem / fall_through);
            form!(both_pay_mem => charged_branch_mem / charged_fallthrough);
        }
        $(#[$doc])*
        pub(crate) const $konst: CondBranch = CondBranch {
            plain: $m::plain,
            taken_pays: $m::taken_pays,
            falls_pays: $m::falls_pays,
            both_pay: $m::both_pay,
            taken_pays_mem: $m::taken_pays_mem,
            both_pay_mem: $m::both_pay_mem,
        };
    };
}

/// Defines module `$m` with the compare-and-branch forms for `slot a <op> slot b` (`ss`) and
/// `slot a <op> imm b` (`si`), and the constant `$konst` naming them.
macro_rules! cmp_br {
    ($konst:ident = $m:ident, $t:ty, $imm:ty, |$x:ident, $y:ident| $e:expr) => {
        pub(crate) mod $m {
            use super::*;
            cond_branch!(SS = ss, $t, |op, sp| rd::<$t>(sp, op.b), |$x, $y| $e);
            cond_branch!(SI = si, $t, |op, sp| op.b as i32 as $imm as $t, |$x, $y| $e);
        }
        pub(crate) const $konst: CmpBranch = CmpBranch { ss: $m::SS, si: $m::SI };
    };
}

cmp_br!(BR_I32_EQ = br_i32_eq, i32, i32, |x, y| x == y);
cmp_br!(BR_I32_NE = br_i32_ne, i32, i32, |x, y| x != y);
cmp_br!(BR_I32_LT_S = br_i32_lt_s, i32, i32, |x, y| x < y);
cmp_br!(BR_I32_LT_U = br_i32_lt_u, u32, i32, |x, y| x < y);
cmp_br!(BR_I32_GT_S = br_i32_gt_s, i32, i32, |x, y| x > y);
cmp_br!(BR_I32_GT_U = br_i32_gt_u, u32, i32, |x, y| x > y);
cmp_br!(BR_I32_LE_S = br_i32_le_s, i32, i32, |x, y| x <= y);
cmp_br!(BR_I32_LE_U = br_i32_le_u, u32, i32, |x, y| x <= y);
cmp_br!(BR_I32_GE_S = br_i32_ge_s, i32, i32, |x, y| x >= y);
cmp_br!(BR_I32_GE_U = br_i32_ge_u, u32, i32, |x, y| x >= y);
cmp_br!(BR_I64_EQ = br_i64_eq, i64, i64, |x, y| x == y);
cmp_br!(BR_I64_NE = br_i64_ne, i64, i64, |x, y| x != y);
cmp_br!(BR_I64_LT_S = br_i64_lt_s, i64, i64, |x, y| x < y);
cmp_br!(BR_I64_LT_U = br_i64_lt_u, u64, i64, |x, y| x < y);
cmp_br!(BR_I64_GT_S = br_i64_gt_s, i64, i64, |x, y| x > y);
cmp_br!(BR_I64_GT_U = br_i64_gt_u, u64, i64, |x, y| x > y);
cmp_br!(BR_I64_LE_S = br_i64_le_s, i64, i64, |x, y| x <= y);
cmp_br!(BR_I64_LE_U = br_i64_le_u, u64, i64, |x, y| x <= y);
cmp_br!(BR_I64_GE_S = br_i64_ge_s, i64, i64, |x, y| x >= y);
cmp_br!(BR_I64_GE_U = br_i64_ge_u, u64, i64, |x, y| x >= y);

cond_branch!(
    /// Branch if the i32 in slot `a` is not zero.
    BR_NEZ = br_nez, u32, |op, sp| 0u32, |x, zero| x != zero
);
cond_branch!(
    /// Branch if the i32 in slot `a` is zero.
    BR_EQZ = br_eqz, u32, |op, sp| 0u32, |x, zero| x == zero
);
cond_branch!(
    /// Branch if the i64 in slot `a` is not zero.
    BR_I64_NEZ = br_i64_nez, u64, |op, sp| 0u64, |x, zero| x != zero
);
cond_branch!(
    /// Branch if the i64 in slot `a` is zero.
    BR_I64_EQZ = br_i64_eqz, u64, |op, sp| 0u64, |x, zero| x == zero
);

handler!(br(ip, sp, mem, cx, gas, acc) {
    next!(ip.offset((*ip).branch_offset()), sp, mem, cx, gas, acc)
});

handler!(
/// `br` to a target that starts with a `gas` op, paying it (see [`charged_branch`]).
br_gas(ip, sp, mem, cx, gas, acc) {
    charged_branch(ip, sp, mem, cx, gas, acc)
});

handler!(
/// `br` to a target that is the region's memory-access charge, paying it and the charge before
/// it (see [`charged_branch_mem`]).
br_gas_mem(ip, sp, mem, cx, gas, acc) {
    charged_branch_mem(ip, sp, mem, cx, gas, acc)
});

/// `br` as a [`CondBranch`] that is always taken: it has no fallthrough, so its fallthrough
/// forms are the others.
pub(crate) const BR: CondBranch = CondBranch {
    plain: br,
    taken_pays: br_gas,
    falls_pays: br,
    both_pay: br_gas,
    taken_pays_mem: br_gas_mem,
    both_pay_mem: br_gas_mem,
};

handler!(
/// `br_table`: index in slot `a`, `b` targets plus a default follow as ops whose `c` is the
/// branch offset relative to that entry.
br_table(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let i = rd::<u32>(sp, op.a).min(op.b);
    let entry = ip.add(1 + i as usize);
    next!(entry.offset((*entry).branch_offset()), sp, mem, cx, gas, acc)
});

handler!(unreachable(ip, sp, mem, cx, gas, acc) {
    trap(ip, cx, TrapCode::Unreachable, gas)
});
