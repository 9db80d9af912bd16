//! Metering: the `tally.*` intrinsics of instrumented code as ops (`gas`, `gas_len`,
//! `stack_enter`/`stack_leave`, and the entry `enter_gas`), and the fusions that save a dispatch
//! per charge without changing gas or where out of gas is reported: a conditional branch or a
//! call pays the `gas` op after it, branches pay the charge at their label or loop head, the
//! region's memory-access charge rides on `memory.size`, and a return runs the `stack_leave`
//! before it.

use super::control::CtrlKind;
use super::stack::Operand;
use super::{op, FuncTranslator};
use crate::exec::charged_branch_c;
use crate::exec::handlers::{self as h, CondBranch};
use crate::metering::Import;

/// An op that has a variant paying the `gas` op right after it.
#[derive(Clone, Copy)]
pub(super) enum PaysNext {
    /// A conditional branch, on its fallthrough.
    Branch(&'static CondBranch),
    /// An internal call, on the callee's return (`call_internal_then_gas`).
    Call,
}

/// The `c` of a branch at `from` that pays the charge `gas` of the `gas` op at `charge` itself
/// and lands after it.
pub(super) fn charged_target(from: usize, charge: usize, gas: u32) -> u64 {
    charged_branch_c(from, charge + 1, gas)
}

impl FuncTranslator {
    /// Emits a metering intrinsic as one op when its arguments are constants, as instrumented
    /// code always passes them. Returns false to fall back to an ordinary call.
    pub(super) fn intrinsic(&mut self, intrinsic: Import) -> bool {
        let Some(&Operand::Const(arg)) = self.stack.last() else { return false };
        match intrinsic {
            Import::Gas => {
                self.stack.pop();
                // Function entry reserves the frame, then charges the entry region: one op.
                let after_enter = self.last_stack_op == Some((0, Import::StackEnter)) && self.ops.len() == 1;
                match self.ops.last_mut() {
                    Some(last) if after_enter => {
                        last.h = h::enter_gas;
                        last.a = last.c as u32;
                        last.c = arg;
                    }
                    _ => {
                        let ops = self.ops.len();
                        // The region a branch falls into, or that follows a call: the op before
                        // pays it. The region at a label: the branches to it pay it.
                        if let Some((at, pays)) = self.pays_next_gas {
                            if at + 1 == ops {
                                let before = &mut self.ops[at];
                                before.h = match pays {
                                    PaysNext::Branch(form) => form.falls_paying(before.h),
                                    PaysNext::Call => h::call_internal_then_gas,
                                };
                            }
                        }
                        self.pay_at_label(arg);
                        if let Some(ctrl) = self.ctrl.last_mut() {
                            if ctrl.kind == CtrlKind::Loop && ctrl.head == ops {
                                ctrl.head_gas = u32::try_from(arg).ok();
                            }
                        }
                        self.emit(op(h::gas, 0, 0, arg));
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
                    self.ops[at].h = h::memory_size_gas;
                    self.ops[at].c = arg;
                    self.producer = None;
                    self.memory_size_at = None;
                    return true;
                }
                let len = self.pop_slot();
                self.emit_producer(h::gas_len, len, arg);
            }
            Import::StackEnter => {
                self.stack.pop();
                let at = self.emit(op(h::stack_enter, 0, 0, arg as u32 as u64));
                self.last_stack_op = Some((at, Import::StackEnter));
            }
            Import::StackLeave => {
                self.stack.pop();
                let at = self.emit(op(h::stack_leave, 0, 0, arg as u32 as u64));
                self.last_stack_op = Some((at, Import::StackLeave));
            }
        }
        true
    }

    /// A `gas` op charging `gas` is about to be emitted: the branches bound to its index pay it
    /// themselves and land after it.
    pub(super) fn pay_at_label(&mut self, gas: u64) {
        let here = self.ops.len();
        if self.bound_at != here || self.bound.is_empty() {
            return;
        }
        let Ok(gas) = u32::try_from(gas) else { return };
        for &(at, form) in &self.bound {
            let branch = &mut self.ops[at];
            branch.h = form.taken_paying(branch.h);
            branch.c = charged_target(at, here, gas);
        }
        self.bound.clear();
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
                let units = last.c as u32;
                self.unemit_last();
                Some(units)
            }
            _ => None,
        }
    }
}
