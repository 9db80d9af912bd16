//! Metering: the `tally.*` intrinsics of instrumented code as ops (`gas`, `gas_len`,
//! `stack_enter`/`stack_leave`, and the entry `enter_gas`), and the fusions that save a dispatch
//! per charge without changing gas or where out of gas is reported: a conditional branch or a
//! call pays the `gas` op after it, branches pay the charge at their label or loop head, the
//! region's memory-access charge rides on `memory.size` and is paid with the region's charge
//! wherever that is paid, and a return runs the `stack_leave` before it.

use super::condition::PendingSite;
use super::control::CtrlKind;
use super::stack::Operand;
use super::{FuncTranslator, ModuleCtx};
use crate::exec::handlers::{self as h, CondBranch};
use crate::exec::layout::{
    Charge, Charged, DstLenPrice, DstOnly, DstPrice, DstSlotPrice, Entry, Flag, Gas, Imm, Slot, Stack, StackUnits,
    UnitPrice, CHARGED_MEMORY,
};
use crate::metering::Import;

/// An op that has a variant paying the `gas` op right after it.
#[derive(Clone, Copy)]
pub(super) enum PaysNext {
    /// A conditional branch, on its fallthrough.
    Branch(&'static CondBranch),
    /// A conditional branch that is a `tally.branch` site, on its fallthrough (past its data op).
    SiteBranch(&'static CondBranch),
    /// An internal call, on the callee's return (`call_internal_then_gas`).
    Call,
}

/// The target of a branch at `from` that pays the charge `gas` of the `gas` op at `charge`
/// itself and lands after it (`gas` may carry [`CHARGED_MEMORY`]).
pub(super) fn charged_target(from: usize, charge: usize, gas: u32) -> Charged {
    Charged::between(from, charge + 1, gas)
}

/// A charge as a branch that pays it carries it, if it fits (below [`CHARGED_MEMORY`]); larger
/// charges are paid by their `gas` op.
fn branch_charge(gas: u64) -> Option<u32> {
    u32::try_from(gas).ok().filter(|&gas| gas < CHARGED_MEMORY)
}

impl FuncTranslator {
    /// Emits a metering intrinsic as one op when its arguments are constants, as instrumented
    /// code always passes them. Returns false to fall back to an ordinary call.
    pub(super) fn intrinsic(&mut self, intrinsic: Import) -> bool {
        if intrinsic == Import::Branch {
            return self.take_site();
        }
        let Some(&Operand::Const(arg)) = self.stack.last() else { return false };
        match intrinsic {
            Import::Gas => {
                self.stack.pop();
                // Function entry reserves the frame, then charges the entry region: one op.
                let after_enter = self.last_stack_op == Some((0, Import::StackEnter)) && self.ops.len() == 1;
                match self.ops.last_mut() {
                    Some(last) if after_enter => {
                        let stack = h::stack_enter.operands(last).units;
                        *last = h::enter_gas.op(Entry { stack, gas: Gas(arg), memory: Flag(false) });
                    }
                    _ => {
                        let ops = self.ops.len();
                        // The region a branch falls into, or that follows a call: the op before
                        // pays it. The region at a label: the branches to it pay it.
                        match self.pays_next_gas {
                            Some((at, PaysNext::Branch(form))) if at + 1 == ops => {
                                form.pay_fallthrough(&mut self.ops[at]);
                            }
                            Some((at, PaysNext::SiteBranch(form))) if at + 2 == ops => {
                                form.pay_fallthrough(&mut self.ops[at]);
                            }
                            Some((at, PaysNext::Call)) if at + 1 == ops => {
                                h::call_internal_then_gas.replace(&mut self.ops[at], h::call_internal);
                            }
                            _ => {}
                        }
                        self.pay_at_label(arg);
                        if let Some(ctrl) = self.ctrl.last_mut() {
                            if ctrl.kind == CtrlKind::Loop && ctrl.head == ops {
                                ctrl.head_gas = branch_charge(arg);
                            }
                        }
                        self.emit(h::charge.op(Charge { gas: Gas(arg), memory: Flag(false) }));
                    }
                }
            }
            Import::GasLen => {
                self.stack.pop();
                // A region's memory-access charge (`memory.size; i64.const u; call $gas_len;
                // drop`): the size op charges too, and its result is the call's.
                let size = self.memory_size_at.filter(|&at| {
                    self.producer == Some(at) && at + 1 == self.ops.len() && self.stack.last() == Some(&Operand::Temp)
                });
                if let Some(at) = size {
                    let DstOnly { dst } = h::memory_size.operands(&self.ops[at]);
                    self.ops[at] = h::memory_size_gas.op(DstPrice { dst, per: UnitPrice(arg) });
                    self.producer = None;
                    self.memory_size_at = None;
                    self.memory_charge_at = Some(at);
                    return true;
                }
                // A constant length (a bulk operation's, often): one op instead of the constant's
                // `konst` and `gas_len` (both emitted here, at the call, so at its offset).
                if let Some(&Operand::Const(c)) = self.stack.last() {
                    if let Ok(n) = u32::try_from(c) {
                        self.stack.pop();
                        let dst = self.next_temp();
                        let op = DstLenPrice { dst, len: Imm::new(u64::from(n)), per: UnitPrice(arg) };
                        self.emit_producer(h::gas_len_imm.op(op));
                        return true;
                    }
                }
                let len = Slot(self.pop_slot());
                let dst = self.next_temp();
                self.emit_producer(h::gas_len.op(DstSlotPrice { dst, len, per: UnitPrice(arg) }));
            }
            Import::StackEnter => {
                self.stack.pop();
                let at = self.emit(h::stack_enter.op(StackUnits { units: Stack(arg as u32) }));
                self.last_stack_op = Some((at, Import::StackEnter));
            }
            Import::StackLeave => {
                self.stack.pop();
                let at = self.emit(h::stack_leave.op(StackUnits { units: Stack(arg as u32) }));
                self.last_stack_op = Some((at, Import::StackLeave));
            }
            Import::Branch => return false,
        }
        true
    }

    /// `tally.branch(cond, site, cost)` with constant site and cost: takes the call out, for the
    /// `br_if` or `if` right after it to test the site itself ([`PendingSite`]), the condition
    /// left on the stack as the call would return it. Returns false (an ordinary call) for a cost
    /// above 32 bits, or a site whose word is not below the ops of the module so far: the
    /// module's words (`ModuleInner::site_words`, reserved in every store it is instantiated in)
    /// stay at most one per op, so 8 bytes of a store per 24-byte op of code. The injector's
    /// sites, numbered 0, 1, 2, … in code order, each follow an op of every site before them, so
    /// they are never refused.
    fn take_site(&mut self) -> bool {
        let n = self.stack.len();
        let (Some(&Operand::Const(site)), Some(&Operand::Const(cost))) =
            (self.stack.get(n.wrapping_sub(2)), self.stack.last())
        else {
            return false;
        };
        let site = site as u32;
        let Ok(cost) = u32::try_from(cost) else { return false };
        let ops = self.module_ops + self.ops.len() as u64;
        if u64::from(site / 64) >= ops {
            return false;
        }
        self.stack.truncate(n - 2);
        self.pending_site = Some(PendingSite { site, cost, offset: self.offset });
        true
    }

    /// Something other than a `br_if` or `if` follows a `tally.branch` call the translator took
    /// out: the call, as an ordinary call of the intrinsic, where it was.
    pub(super) fn flush_site(&mut self, ctx: &ModuleCtx<'_>) {
        let Some(pending) = self.pending_site.take() else { return };
        let offset = core::mem::replace(&mut self.offset, pending.offset);
        self.push(Operand::Const(u64::from(pending.site)));
        self.push(Operand::Const(u64::from(pending.cost)));
        self.emit_call(ctx, Import::Branch.index());
        self.offset = offset;
    }

    /// A `gas` op charging `gas` is about to be emitted: the branches bound to its index pay it
    /// themselves and land after it.
    pub(super) fn pay_at_label(&mut self, gas: u64) {
        let here = self.ops.len();
        if self.bound_at != here || self.bound.is_empty() {
            return;
        }
        let Some(gas) = branch_charge(gas) else { return };
        self.paid.clear();
        self.paid_at = here;
        for &(at, form) in &self.bound {
            form.pay_taken(&mut self.ops[at], charged_target(at, here, gas));
            self.paid.push((at, form));
        }
        self.bound.clear();
    }

    /// A value is dropped. If it is the result of a region's memory-access charge (the
    /// `memory_size_gas` op emitted last, right after the region's `gas` op or the entry's
    /// `enter_gas`), nothing reads that result, so whatever pays the region's charge pays the
    /// memory-access charge too and skips the op: the `gas` op becomes `gas_mem`, the entry
    /// `enter_gas_mem`, and the branches that pay the charge at their label or loop head pay
    /// it as well ([`CHARGED_MEMORY`], and their `_mem` forms). The op stays for anything else
    /// that lands on it.
    pub(super) fn drop_memory_charge(&mut self) {
        let Some(at) = self.memory_charge_at.take() else { return };
        // A unit price above 32 bits stays unfused: `handlers::pay_memory` multiplies unchecked.
        let dead = at + 1 == self.ops.len() && at > 0 && {
            let DstPrice { dst, per } = h::memory_size_gas.operands(&self.ops[at]);
            u32::try_from(per.0).is_ok()
                && self.stack.last() == Some(&Operand::Temp)
                && self.temp_slot(self.height() - 1) == dst.0
        };
        if !dead {
            return;
        }
        let charge = at - 1;
        let before = &mut self.ops[charge];
        if h::charge.is(before) {
            let charge = h::charge.operands(before);
            *before = h::gas_mem.op(Charge { memory: Flag(true), ..charge });
        } else if h::enter_gas.is(before) && charge == 0 {
            let entry = h::enter_gas.operands(before);
            *before = h::enter_gas_mem.op(Entry { memory: Flag(true), ..entry });
        } else {
            return;
        }
        // The accumulator would hold the skipped op's result: forget it.
        self.acc = None;
        if self.paid_at == charge {
            for &(at, form) in &self.paid {
                form.pay_memory(&mut self.ops[at]);
            }
        }
        if let Some(ctrl) = self.ctrl.last_mut() {
            if ctrl.kind == CtrlKind::Loop && ctrl.head == charge {
                ctrl.head_gas = ctrl.head_gas.map(|gas| gas | CHARGED_MEMORY);
            }
        }
    }

    /// The head and entry charge of the loop at `depth`, if its body starts with a charge that
    /// back-edges can pay themselves (see `handlers::charged_branch`).
    pub(super) fn charged_loop(&self, depth: u32) -> Option<(usize, u32)> {
        let label = self.label(depth);
        match (label.kind, label.head_gas) {
            (CtrlKind::Loop, Some(gas)) => Some((label.head, gas)),
            _ => None,
        }
    }

    /// Removes a `tally.stack_leave` op emitted just before a return, for the return op to run
    /// it (`leave_ret*`); returns its units.
    pub(super) fn take_stack_leave(&mut self) -> Option<u32> {
        match self.ops.last() {
            Some(last) if self.last_stack_op == Some((self.ops.len() - 1, Import::StackLeave)) => {
                let units = h::stack_leave.operands(last).units.0;
                self.unemit_last();
                Some(units)
            }
            _ => None,
        }
    }
}
