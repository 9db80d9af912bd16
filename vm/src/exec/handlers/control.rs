//! Branch handlers: conditional branches (on zero, or fused with an integer comparison) in
//! their charge-paying forms, each also as a `tally.branch` site, `br`, `br_table` and
//! `unreachable`.

#![allow(unused_variables)]

use super::super::layout::{
    charged_target, set_charged_target, BrTable, Branch, BranchTable, Branching, Charged, ChargedJump, Jump, Layout,
    NoData, Of, SiteData, SlotBranch, SlotImmBranch, SlotSlotBranch,
};
use super::super::op_table;
use super::super::runtime::trap;
use super::super::{Cx, Handler, Ip, Op, Sp};
use super::metering::{pay_charge, pay_memory};
use super::{next_op, out_of_gas, rd};
use crate::TrapCode;

// ---- conditional branches ----

/// The forms of one conditional branch, whose plain form reads layout `P` (its target a
/// [`Branch`]) and whose forms that pay at the target read `P::Charged` (the target a
/// [`Charged`]). A form's taken way, its fallthrough, or both pay the `gas` op at their
/// destination themselves, one dispatch fewer each (see [`charged_branch`] and
/// [`charged_fallthrough`]); a taken way that pays has a second form for a target that is the
/// region's memory-access charge too ([`charged_branch_mem`]), so neither form tests which it is
/// at run time. The translator picks the form once both destinations are known.
///
/// With `D` = [`SiteData`], the forms of the branch as a `tally.branch` site (see
/// [`SiteForms`]): a data op follows the branch, so its fallthrough is the op after that, and
/// the `gas` op its fallthrough pays is there too.
#[derive(Clone, Copy)]
pub(crate) struct BranchForms<P: Branching + 'static, D = NoData> {
    /// Neither way pays.
    pub plain: Of<P, D>,
    /// The taken branch pays the charge at its target.
    pub taken_pays: Of<P::Charged, D>,
    /// The fallthrough pays the `gas` op right after the branch.
    pub falls_pays: Of<P, D>,
    /// Both ways pay.
    pub both_pay: Of<P::Charged, D>,
    /// `taken_pays` to a target that also pays the memory-access charge there.
    pub taken_pays_mem: Of<P::Charged, D>,
    /// `both_pay` to a target that also pays the memory-access charge there.
    pub both_pay_mem: Of<P::Charged, D>,
    /// The same handlers, for the translator's lists of branches of any layout.
    pub any: CondBranch,
    /// The branch's forms as a `tally.branch` site, if it has them (`br` has none).
    pub site: Option<&'static SiteForms<P>>,
}

/// The forms of a conditional branch that is a `tally.branch` site: each way, whose Wasm
/// direction is a constant there, records that direction in the site's bit (`exec::Cx::sites`,
/// the store's `BranchSites`) and pays the change if the bit held the other one, without a
/// second conditional jump ([`site_record`]; out of gas traps at the data op, which carries the
/// `call`'s source offset, before the branch, with the bit unchanged).
/// `[0]`: the op's taken way is the Wasm branch taken (a `br_if` without value moves); `[1]`:
/// the op's taken way is the Wasm branch not taken (an `if` jumping to its `else`, a `br_if`
/// jumping over its value moves).
pub(crate) type SiteForms<P> = [BranchForms<P, SiteData>; 2];

impl<P: Branching + 'static, D> BranchForms<P, D> {
    /// The forms, and their [`CondBranch`].
    #[allow(clippy::too_many_arguments)]
    const fn new(
        plain: Of<P, D>,
        taken_pays: Of<P::Charged, D>,
        falls_pays: Of<P, D>,
        both_pay: Of<P::Charged, D>,
        taken_pays_mem: Of<P::Charged, D>,
        both_pay_mem: Of<P::Charged, D>,
        site: Option<&'static SiteForms<P>>,
    ) -> Self {
        let any = CondBranch {
            plain: plain.handler(),
            taken_pays: taken_pays.handler(),
            falls_pays: falls_pays.handler(),
            both_pay: both_pay.handler(),
            taken_pays_mem: taken_pays_mem.handler(),
            both_pay_mem: both_pay_mem.handler(),
        };
        BranchForms { plain, taken_pays, falls_pays, both_pay, taken_pays_mem, both_pay_mem, any, site }
    }
}

/// The handlers of a [`BranchForms`] of any layout, which the translator switches between in
/// place once it knows what each way of a branch pays: the forms share their operands but for
/// the target, which every branch layout keeps in all of `c`
/// ([`set_target`](super::super::layout::set_target),
/// [`set_charged_target`](super::super::layout::set_charged_target)).
#[derive(Clone, Copy)]
pub(crate) struct CondBranch {
    /// Neither way pays: the target is a [`Branch`].
    pub plain: Handler,
    /// The taken branch pays the charge at its target: the target is a [`Charged`].
    pub taken_pays: Handler,
    /// The fallthrough pays the `gas` op right after the branch; the target is a [`Branch`].
    pub falls_pays: Handler,
    /// Both ways pay; the target is a [`Charged`].
    pub both_pay: Handler,
    /// `taken_pays` to a target that also pays the memory-access charge there.
    pub taken_pays_mem: Handler,
    /// `both_pay` to a target that also pays the memory-access charge there.
    pub both_pay_mem: Handler,
}

impl CondBranch {
    /// Makes `op`, a branch of one of these forms, pay the charge at its target too, landing
    /// at `target` (after that charge).
    pub(crate) fn pay_taken(&self, op: &mut Op, target: Charged) {
        op.h = if same(op.h, self.falls_pays) { self.both_pay } else { self.taken_pays };
        set_charged_target(op, target);
    }

    /// Makes `op`, a branch of one of these forms, pay the `gas` op after it on its
    /// fallthrough too (its operands stay: a form and its `falls_pays`/`both_pay` read one
    /// layout).
    pub(crate) fn pay_fallthrough(&self, op: &mut Op) {
        op.h = if same(op.h, self.taken_pays) {
            self.both_pay
        } else if same(op.h, self.taken_pays_mem) {
            self.both_pay_mem
        } else {
            self.falls_pays
        };
    }

    /// Makes `op`, a branch of one of these forms whose taken way pays, pay the memory-access
    /// charge at its target too.
    pub(crate) fn pay_memory(&self, op: &mut Op) {
        let target = charged_target(op).with_memory();
        if same(op.h, self.both_pay) {
            op.h = self.both_pay_mem;
        } else {
            debug_assert!(same(op.h, self.taken_pays), "{self:?}: only a paying taken way pays memory");
            op.h = self.taken_pays_mem;
        }
        set_charged_target(op, target);
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
    /// Branch if `slot x <op> slot y`.
    pub ss: BranchForms<SlotSlotBranch>,
    /// Branch if `slot x <op> imm y` (immediate sign-extended from 32 bits).
    pub si: BranchForms<SlotImmBranch>,
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

/// [`charged_fallthrough`] of a branch followed by its site's data op: the `gas` op is after it.
#[inline(always)]
unsafe fn charged_fallthrough_site(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: as `charged_fallthrough`, past the site's data op.
    unsafe { pay_charge(ip.add(2), sp, mem, cx, gas, acc) }
}

/// A branch followed by its site's data op, not taken: continues after the data op.
#[inline(always)]
unsafe fn fall_through_site(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: a branch and its data op are never a function's last ops (handler invariants).
    unsafe { next_op(ip.add(2), sp, mem, cx, gas, acc) }
}

/// Records that the site of the branch at `ip` (its data op follows it) goes Wasm direction
/// `now`, and returns the charge for it: the site's cost if its last run in the store went the
/// other way, else 0. The word is stored and the charge selected either way, with no
/// conditional jump on the bit: on random directions that jump mispredicted as often as the
/// branch itself (two mispredicts a change, BENCHMARKS.md "Branch-direction sites"). Stored
/// before the gas is taken: a charge the gas left cannot pay goes to [`site_out_of_gas`], which
/// restores the bit.
#[cfg(all(not(tally_portable), not(miri), target_arch = "x86_64"))]
#[inline(always)]
unsafe fn site_record(ip: Ip, cx: *mut Cx, now: bool) -> u64 {
    // Written out because LLVM, left to itself, holds the word, the new word, the mask and the
    // cost in registers of their own and zeroes one more for the select, and hoists the loads
    // both ways make above the branch, where they are live across the comparison: the handlers
    // then save registers on every run. Here the comparison and the charge read memory, three
    // registers suffice, and the comparison's carry is the change (setting a bit can only grow
    // the word, clearing one only shrink it), which `sbb` turns into the charge's mask.
    let charge: u64;
    // SAFETY: a site form's op is followed by its `SiteData` op; `cx.sites` points at the
    // store's reserved words, at least the module's `site_words` (reserved at instantiation),
    // and the translator (or the serialized code's check) keeps every site word below those.
    unsafe {
        if now {
            core::arch::asm!(
                "mov {w:e}, dword ptr [{ip} + {word}]",
                "mov {sites}, qword ptr [{cx} + {sites_at}]",
                "mov {new}, qword ptr [{ip} + {mask}]",
                "or {new}, qword ptr [{sites} + {w} * 8]",
                "cmp qword ptr [{sites} + {w} * 8], {new}",
                "mov qword ptr [{sites} + {w} * 8], {new}",
                "sbb {new:e}, {new:e}",
                "and {new:e}, dword ptr [{ip} + {cost}]",
                ip = in(reg) ip, cx = in(reg) cx, w = out(reg) _, sites = out(reg) _, new = out(reg) charge,
                word = const SITE_WORD, mask = const SITE_MASK, cost = const SITE_COST, sites_at = const CX_SITES,
                options(nostack),
            );
        } else {
            core::arch::asm!(
                "mov {w:e}, dword ptr [{ip} + {word}]",
                "mov {sites}, qword ptr [{cx} + {sites_at}]",
                "mov {new}, qword ptr [{ip} + {mask}]",
                "not {new}",
                "and {new}, qword ptr [{sites} + {w} * 8]",
                "cmp {new}, qword ptr [{sites} + {w} * 8]",
                "mov qword ptr [{sites} + {w} * 8], {new}",
                "sbb {new:e}, {new:e}",
                "and {new:e}, dword ptr [{ip} + {cost}]",
                ip = in(reg) ip, cx = in(reg) cx, w = out(reg) _, sites = out(reg) _, new = out(reg) charge,
                word = const SITE_WORD, mask = const SITE_MASK, cost = const SITE_COST, sites_at = const CX_SITES,
                options(nostack),
            );
        }
    }
    charge
}

/// [`site_record`] where it is not written out (the same stores and charge).
#[cfg(not(all(not(tally_portable), not(miri), target_arch = "x86_64")))]
#[inline(always)]
unsafe fn site_record(ip: Ip, cx: *mut Cx, now: bool) -> u64 {
    // SAFETY: as in the written-out `site_record`.
    unsafe {
        let site = SiteData::decode(&*ip.add(1));
        let word = (*cx).sites.add(site.word.0 as usize);
        let bits = *word;
        let new = if now { bits | site.mask.0 } else { bits & !site.mask.0 };
        *word = new;
        core::hint::select_unpredictable(bits != new, u64::from(site.cost.0), 0)
    }
}

/// Where a site form's op finds its site's word (`SiteData`'s `word @ A`), from the op.
#[cfg(all(not(tally_portable), not(miri), target_arch = "x86_64"))]
const SITE_WORD: usize = core::mem::size_of::<Op>() + core::mem::offset_of!(Op, a);
/// Where a site form's op finds its site's cost (`SiteData`'s `cost @ B`), from the op.
#[cfg(all(not(tally_portable), not(miri), target_arch = "x86_64"))]
const SITE_COST: usize = core::mem::size_of::<Op>() + core::mem::offset_of!(Op, b);
/// Where a site form's op finds its site's mask (`SiteData`'s `mask @ C`), from the op.
#[cfg(all(not(tally_portable), not(miri), target_arch = "x86_64"))]
const SITE_MASK: usize = core::mem::size_of::<Op>() + core::mem::offset_of!(Op, c);
/// Where the context keeps the store's site words.
#[cfg(all(not(tally_portable), not(miri), target_arch = "x86_64"))]
const CX_SITES: usize = core::mem::offset_of!(Cx, sites);

/// The site of the branch at `ip` changed direction and the gas left cannot pay for it: flips
/// its bit back (a charge means [`site_record`] flipped it) and traps at the data op, which
/// carries the `call`'s source offset, before the branch. Out of line and shared by every site
/// form; a handler's signature, so that the forms reach it by a jump.
#[cold]
#[inline(never)]
unsafe extern "C" fn site_out_of_gas(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: as `site_record`'s.
    unsafe {
        let site = SiteData::decode(&*ip.add(1));
        *(*cx).sites.add(site.word.0 as usize) ^= site.mask.0;
        out_of_gas(ip.add(1), cx)
    }
}

/// Takes a branch whose target starts with a `gas` op (a loop body's entry charge, or the charge
/// of the region after an `end` or `else`), paying that charge itself: the `gas` op then runs
/// only for the paths that do not pay it. `to` is the branch to the op after the `gas` op, with
/// the charge (the memory flag, [`Charged::memory`], is clear). Out of gas traps at the skipped
/// op, exactly where the unfused code would.
#[inline(always)]
unsafe fn charged_branch(ip: Ip, to: Charged, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the translator emits these forms only for branches whose target is preceded by
    // the charge, so `target - 1` is that `gas` op and `target` an op of the same function.
    unsafe {
        let target = ip.offset(to.offset());
        // Without the memory flag the high half is the charge: no mask.
        let Some(gas) = gas.checked_sub(to.high()) else {
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
unsafe fn charged_branch_mem(ip: Ip, to: Charged, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the translator emits these forms only for branches whose target is a
    // `memory_size_gas` op preceded by the charge, and an op of the same function follows it.
    unsafe {
        let target = ip.offset(to.offset());
        let Some(gas) = gas.checked_sub(to.gas()) else {
            return out_of_gas(target.sub(1), cx);
        };
        match pay_memory(target, cx, gas) {
            Ok(gas) => next_op(target.add(1), sp, mem, cx, gas, acc),
            Err(stop) => stop,
        }
    }
}

/// A taken branch: continues at `ip` plus the offset of `to`.
#[inline(always)]
unsafe fn jump(ip: Ip, to: Branch, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: branch offsets land on an op of the same function (handler invariants).
    unsafe { next_op(ip.offset(to.offset()), sp, mem, cx, gas, acc) }
}

/// A branch not taken: continues at the next op.
#[inline(always)]
unsafe fn fall_through(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: a conditional branch is never a function's last op (handler invariants).
    unsafe { next_op(ip.add(1), sp, mem, cx, gas, acc) }
}

/// Defines module `$m` holding the six forms of the branch taken when `$e` holds over the
/// operand in slot `x` and the right-hand side `$rhs`, plain ones reading `$p` and paying ones
/// `$p`'s charged form, and the constant `$konst` naming them.
macro_rules! cond_branch {
    ($(#[$doc:meta])* $konst:ident = $m:ident: $p:ty, $t:ty, |$op:ident, $sp:ident| $rhs:expr, |$x:ident, $y:ident| $e:expr) => {
        $(#[$doc])*
        pub(crate) mod $m {
            use super::*;

            macro_rules! form {
                ($name:ident: $l:ty => $taken:ident / $fall:ident) => {
                    handler!($name(ip, $sp, mem, cx, gas, acc, $op: $l) {
                        let $x: $t = rd($sp, $op.x);
                        let $y = $rhs;
                        let taken = $e;
                        #[cfg(feature = "branch-census")]
                        crate::census::branch(ip as usize, taken);
                        if taken {
                            return $taken(ip, $op.target, $sp, mem, cx, gas, acc);
                        }
                        $fall(ip, $sp, mem, cx, gas, acc)
                    });
                };
            }
            form!(plain: $p => jump / fall_through);
            form!(taken_pays: <$p as Branching>::Charged => charged_branch / fall_through);
            form!(falls_pays: $p => jump / charged_fallthrough);
            form!(both_pay: <$p as Branching>::Charged => charged_branch / charged_fallthrough);
            form!(taken_pays_mem: <$p as Branching>::Charged => charged_branch_mem / fall_through);
            form!(both_pay_mem: <$p as Branching>::Charged => charged_branch_mem / charged_fallthrough);

            // The site forms: `$dir` is the Wasm direction of the op's taken way.
            macro_rules! site_form {
                ($name:ident: $l:ty => $taken:ident / $fall:ident, $dir:expr) => {
                    handler!($name(ip, $sp, mem, cx, gas, acc, $op: $l; trailer SiteData) {
                        let $x: $t = rd($sp, $op.x);
                        let $y = $rhs;
                        if $e {
                            let Some(gas) = gas.checked_sub(site_record(ip, cx, $dir)) else {
                                return site_out_of_gas(ip, $sp, mem, cx, 0, acc);
                            };
                            // The target read again after the site's work: that writes memory,
                            // so LLVM cannot read it earlier and hold it in a fourth register.
                            let $op = <$l as Layout>::decode(&*ip);
                            #[cfg(feature = "branch-census")]
                            crate::census::branch(ip as usize, true);
                            return $taken(ip, $op.target, $sp, mem, cx, gas, acc);
                        }
                        let Some(gas) = gas.checked_sub(site_record(ip, cx, !$dir)) else {
                            return site_out_of_gas(ip, $sp, mem, cx, 0, acc);
                        };
                        #[cfg(feature = "branch-census")]
                        crate::census::branch(ip as usize, false);
                        $fall(ip, $sp, mem, cx, gas, acc)
                    });
                };
            }
            macro_rules! site_forms {
                ($s:ident, $dir:expr) => {
                    pub(crate) mod $s {
                        use super::*;
                        site_form!(plain: $p => jump / fall_through_site, $dir);
                        site_form!(taken_pays: <$p as Branching>::Charged => charged_branch / fall_through_site, $dir);
                        site_form!(falls_pays: $p => jump / charged_fallthrough_site, $dir);
                        site_form!(both_pay: <$p as Branching>::Charged => charged_branch / charged_fallthrough_site, $dir);
                        site_form!(taken_pays_mem: <$p as Branching>::Charged => charged_branch_mem / fall_through_site, $dir);
                        site_form!(both_pay_mem: <$p as Branching>::Charged => charged_branch_mem / charged_fallthrough_site, $dir);
                        pub(crate) const FORMS: BranchForms<$p, SiteData> = BranchForms::new(
                            plain, taken_pays, falls_pays, both_pay, taken_pays_mem, both_pay_mem, None,
                        );
                    }
                };
            }
            site_forms!(site, true);
            site_forms!(site_not, false);
            pub(crate) const SITE: SiteForms<$p> = [site::FORMS, site_not::FORMS];
        }
        $(#[$doc])*
        pub(crate) const $konst: BranchForms<$p> = BranchForms::new(
            $m::plain,
            $m::taken_pays,
            $m::falls_pays,
            $m::both_pay,
            $m::taken_pays_mem,
            $m::both_pay_mem,
            Some(&$m::SITE),
        );
    };
}

/// Defines module `$m` with the compare-and-branch forms for `slot x <op> slot y` (`ss`) and
/// `slot x <op> imm y` (`si`), and the constant `$konst` naming them.
macro_rules! cmp_br {
    ($konst:ident = $m:ident, $t:ty, $imm:ty, |$x:ident, $y:ident| $e:expr) => {
        pub(crate) mod $m {
            use super::*;
            cond_branch!(SS = ss: SlotSlotBranch, $t, |op, sp| rd::<$t>(sp, op.y), |$x, $y| $e);
            cond_branch!(SI = si: SlotImmBranch, $t, |op, sp| op.y.0 as u32 as i32 as $imm as $t, |$x, $y| $e);
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
    /// Branch if the i32 in slot `x` is not zero.
    BR_NEZ = br_nez: SlotBranch, u32, |op, sp| 0u32, |x, zero| x != zero
);
cond_branch!(
    /// Branch if the i32 in slot `x` is zero.
    BR_EQZ = br_eqz: SlotBranch, u32, |op, sp| 0u32, |x, zero| x == zero
);
cond_branch!(
    /// Branch if the i64 in slot `x` is not zero.
    BR_I64_NEZ = br_i64_nez: SlotBranch, u64, |op, sp| 0u64, |x, zero| x != zero
);
cond_branch!(
    /// Branch if the i64 in slot `x` is zero.
    BR_I64_EQZ = br_i64_eqz: SlotBranch, u64, |op, sp| 0u64, |x, zero| x == zero
);

handler!(br(ip, sp, mem, cx, gas, acc, op: Jump) {
    next!(ip.offset(op.target.offset()), sp, mem, cx, gas, acc)
});

handler!(
/// `br` to a target that starts with a `gas` op, paying it (see [`charged_branch`]).
br_gas(ip, sp, mem, cx, gas, acc, op: ChargedJump) {
    charged_branch(ip, op.target, sp, mem, cx, gas, acc)
});

handler!(
/// `br` to a target that is the region's memory-access charge, paying it and the charge before
/// it (see [`charged_branch_mem`]).
br_gas_mem(ip, sp, mem, cx, gas, acc, op: ChargedJump) {
    charged_branch_mem(ip, op.target, sp, mem, cx, gas, acc)
});

/// `br` as a [`BranchForms`] that is always taken: it has no fallthrough, so its fallthrough
/// forms are the others.
pub(crate) const BR: BranchForms<Jump> = BranchForms::new(br, br_gas, br, br_gas, br_gas_mem, br_gas_mem, None);

handler!(
/// `br_table`: the index in a slot; `targets` entries plus a default follow as data ops, each a
/// branch relative to itself.
br_table(ip, sp, mem, cx, gas, acc, op: BrTable; trailer BranchTable) {
    let i = rd::<u32>(sp, op.index).min(op.targets.0);
    #[cfg(feature = "branch-census")]
    crate::census::table(ip as usize, i, op.targets.0);
    let entry = ip.add(1 + i as usize);
    next!(entry.offset(BranchTable::target(&*entry).offset()), sp, mem, cx, gas, acc)
});

handler!(
/// The branch census's mark before a Wasm `if`, `br_if` or `br_table` (`crate::census`; its
/// `units` operand is the site's kind code, not stack units).
#[cfg(feature = "branch-census")]
census_site(ip, sp, mem, cx, gas, acc, op: super::super::layout::StackUnits) {
    crate::census::mark(op.units.0);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(unreachable(ip, sp, mem, cx, gas, acc) {
    trap(ip, cx, TrapCode::Unreachable, gas)
});
