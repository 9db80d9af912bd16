//! Control frames and labels: entering and leaving blocks, loops and ifs, branches with the
//! value moves a label needs, and label patching. Forward branches are recorded on their target
//! frame and patched when its `end` (or an `if`'s `else`) binds the label; branches to a loop
//! know its head at once. Also the function's return sequence and `br_table`.

use wasmparser::BlockType;

use super::condition::{branch_op, PendingSite, Sense, Test};
use super::metering::charged_target;
use super::stack::Operand;
use super::{FuncTranslator, ModuleCtx, Res};
use crate::exec::handlers::{self as h, CondBranch};
use crate::exec::layout::{
    set_target, BrTable, Branch, Cell, Jump, Leave, LeaveCell, LeaveSlot, Nothing, RetCell, RetSlot, Slot, Stack,
    Targets,
};
use crate::exec::Op;

/// What opened a control frame (`Else` is an `if` past its `else`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum CtrlKind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

/// A control frame: a block, loop or if being translated, or the function body.
#[derive(Debug)]
pub(super) struct Ctrl {
    pub(super) kind: CtrlKind,
    /// Operand stack height below the block's parameters.
    pub(super) height: u32,
    pub(super) params: u32,
    pub(super) results: u32,
    /// Loops: the op index of the loop head.
    pub(super) head: usize,
    /// Ops whose branch offset must be patched to the end of this block: branches, with their
    /// forms, and `br_table` entries.
    pub(super) branches: Vec<(usize, Option<&'static CondBranch>)>,
    /// Ifs: the conditional jump to patch to the else arm (or the end).
    pub(super) else_jump: Option<(usize, &'static CondBranch)>,
    /// Whether the code before the block was reachable.
    pub(super) entry_reachable: bool,
    /// Loops whose first op charges gas: the charge, which back-edges then pay themselves.
    pub(super) head_gas: Option<u32>,
}

impl Ctrl {
    fn branch_arity(&self) -> u32 {
        if self.kind == CtrlKind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

impl FuncTranslator {
    /// The control frame a branch to relative depth `depth` targets.
    pub(super) fn label(&self, depth: u32) -> &Ctrl {
        let i = self.ctrl.len() - 1 - depth as usize;
        &self.ctrl[i]
    }

    /// [`Self::label`], mutably.
    fn label_mut(&mut self, depth: u32) -> &mut Ctrl {
        let i = self.ctrl.len() - 1 - depth as usize;
        &mut self.ctrl[i]
    }

    /// Whether branching to `depth` needs value copies (or is a return).
    pub(super) fn branch_needs_moves(&self, depth: u32) -> bool {
        let label = self.label(depth);
        if label.kind == CtrlKind::Func {
            return true;
        }
        let arity = label.branch_arity();
        let base = label.height;
        let top = self.height();
        (0..arity).any(|i| {
            let hgt = top - arity + i;
            !(self.stack[hgt as usize] == Operand::Temp && hgt == base + i)
        })
    }

    /// Points the branch op at `at` (of form `form`; `None` for a `br_table` entry) to label
    /// `depth`.
    fn link(&mut self, at: usize, depth: u32, form: Option<&'static CondBranch>) {
        let label = self.label_mut(depth);
        if label.kind == CtrlKind::Loop {
            let head = label.head;
            set_target(&mut self.ops[at], Branch::between(at, head));
        } else {
            label.branches.push((at, form));
        }
    }

    /// Emits an unconditional branch to `depth`, with its value moves. The symbolic stack is
    /// left unchanged.
    pub(super) fn emit_branch(&mut self, depth: u32) {
        let label = self.label(depth);
        if label.kind == CtrlKind::Func {
            self.emit_return();
            return;
        }
        let arity = label.branch_arity();
        let base = label.height;
        let top = self.height();
        for i in 0..arity {
            let dst = self.temp_slot(base + i);
            self.copy_into(dst, top - arity + i);
        }
        if let Some((head, gas)) = self.charged_loop(depth) {
            let at = self.ops.len();
            let (op, ..) =
                branch_op(&h::BR, Jump { target: Branch::UNLINKED }, Some(charged_target(at, head, gas)), None);
            self.emit(op);
            return;
        }
        let at = self.emit(h::br.op(Jump { target: Branch::UNLINKED }));
        self.link(at, depth, Some(&h::BR.any));
    }

    /// A conditional branch to `depth` that needs no value moves (a `tally.branch` site, with
    /// `site`).
    pub(super) fn emit_test_branch(&mut self, test: Test, depth: u32, site: Option<PendingSite>) {
        let Some((head, gas)) = self.charged_loop(depth) else {
            let (at, form) = self.emit_test_jump(test, site);
            self.link(at, depth, Some(form));
            return;
        };
        let at = self.ops.len();
        self.emit_branch_op(test.branch(Some(charged_target(at, head, gas)), site.map(|s| (s, Sense::Taken))));
    }

    /// Emits the function's return sequence for the results on top of the stack. A
    /// `tally.stack_leave` emitted just before folds into the return op itself.
    pub(super) fn emit_return(&mut self) {
        let leave = self.take_stack_leave();
        self.emit_return_ops(leave);
    }

    /// The return sequence: results moved to slots `0..n`, then the return op (one that
    /// releases `leave` stack units first, if any).
    fn emit_return_ops(&mut self, leave: Option<u32>) {
        let n = self.results;
        let top = self.height();
        if n == 1 {
            let result = match self.stack[(top - 1) as usize] {
                Operand::Const(c) => Returned::Cell(c),
                Operand::Local(0) => Returned::InPlace,
                Operand::Local(x) => Returned::Slot(x),
                Operand::Temp => Returned::Slot(self.temp_slot(top - 1)),
            };
            self.emit(return_op(result, leave));
            return;
        }
        // Results go to slots 0..n. Sources that are temporaries sit at or above their
        // destination, so copying in increasing order never clobbers a later source; locals
        // below n might be clobbered, so they are first copied to their temporaries. The
        // symbolic stack is left untouched: this sequence may sit on a conditional path
        // (`br_if`, `br_table`) that other paths do not execute.
        let mut sources = Vec::with_capacity(n as usize);
        for i in 0..n {
            let hgt = top - n + i;
            let operand = match self.stack[hgt as usize] {
                Operand::Local(x) if x < n => {
                    let slot = self.temp_slot(hgt);
                    self.emit_copy(slot, x);
                    Operand::Temp
                }
                other => other,
            };
            sources.push((operand, hgt));
        }
        for (i, (operand, hgt)) in sources.into_iter().enumerate() {
            let i = i as u32;
            match operand {
                Operand::Local(x) if x != i => {
                    self.emit_copy(i, x);
                }
                Operand::Temp if self.temp_slot(hgt) != i => {
                    let src = self.temp_slot(hgt);
                    self.emit_copy(i, src);
                }
                Operand::Const(c) => {
                    self.emit_konst(i, c);
                }
                _ => {}
            }
        }
        self.emit(return_op(Returned::InPlace, leave));
    }

    /// The numbers of parameters and results of a block type.
    pub(super) fn block_arity(&self, ctx: &ModuleCtx<'_>, bt: BlockType) -> (u32, u32) {
        match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(idx) => {
                let ty = &ctx.types[idx as usize];
                (ty.params().len() as u32, ty.results().len() as u32)
            }
        }
    }

    /// Opens a control frame whose `params` are on top of the stack (already materialized).
    #[inline]
    pub(super) fn enter(
        &mut self,
        kind: CtrlKind,
        params: u32,
        results: u32,
        else_jump: Option<(usize, &'static CondBranch)>,
    ) {
        let height = self.height() - params;
        self.barrier();
        if kind == CtrlKind::Loop {
            // The loop head is a branch target: nothing folds across it.
            self.last_stack_op = None;
        }
        self.ctrl.push(Ctrl {
            kind,
            height,
            params,
            results,
            head: self.ops.len(),
            branches: self.branch_lists.pop().unwrap_or_default(),
            else_jump,
            entry_reachable: true,
            head_gas: None,
        });
    }

    /// Points the branch op at `at` to the next op to be emitted.
    fn patch_to_here(&mut self, at: usize) {
        // A label bound here: ops before it may no longer fold with ops after it, and the
        // accumulator holds nothing known on the paths that land here.
        self.last_stack_op = None;
        self.forget_copies();
        self.global_set = None;
        self.acc = None;
        let here = self.ops.len();
        set_target(&mut self.ops[at], Branch::between(at, here));
    }

    /// Patches branch `at`, of form `form`, to land here. If the next op is a `gas` op, the
    /// branch pays it instead (see [`Self::pay_at_label`]).
    pub(super) fn bind_here(&mut self, at: usize, form: Option<&'static CondBranch>) {
        self.patch_to_here(at);
        let Some(form) = form else { return };
        let here = self.ops.len();
        if self.bound_at != here {
            self.bound.clear();
            self.bound_at = here;
        }
        self.bound.push((at, form));
    }

    /// Moves the block's results into their slots at a fallthrough.
    #[inline]
    fn place_results(&mut self, ctrl_height: u32, results: u32) {
        let top = self.height();
        for i in 0..results {
            let hgt = top - results + i;
            let dst = self.temp_slot(ctrl_height + i);
            self.copy_into(dst, hgt);
        }
    }

    /// `else`: the `then` arm branches to the end, and the jump for a false condition lands here.
    pub(super) fn on_else(&mut self) {
        let Some(ctrl) = self.ctrl.last() else { return };
        let (height, params, results) = (ctrl.height, ctrl.params, ctrl.results);
        if self.reachable {
            self.place_results(height, results);
            let at = self.emit(h::br.op(Jump { target: Branch::UNLINKED }));
            self.label_mut(0).branches.push((at, Some(&h::BR.any)));
        }
        let ctrl = self.label_mut(0);
        ctrl.kind = CtrlKind::Else;
        let else_jump = ctrl.else_jump.take();
        let entry_reachable = ctrl.entry_reachable;
        if let Some((at, form)) = else_jump {
            self.bind_here(at, Some(form));
        }
        self.stack.truncate(height as usize);
        for _ in 0..params {
            self.push(Operand::Temp);
        }
        self.reachable = entry_reachable;
        self.barrier();
    }

    /// `end`: binds the label of the innermost frame (its forward branches land here) and
    /// leaves the frame's results on the stack; the function's `end` returns.
    pub(super) fn on_end(&mut self) {
        let Some(ctrl) = self.ctrl.pop() else { return };
        if ctrl.kind == CtrlKind::Func {
            if self.reachable {
                self.emit_return();
            }
            self.reachable = false;
            return;
        }
        if self.reachable {
            self.place_results(ctrl.height, ctrl.results);
        }
        let mut reachable = self.reachable || !ctrl.branches.is_empty();
        if let Some((at, form)) = ctrl.else_jump {
            // An `if` without `else`: the false path falls through to the end.
            self.bind_here(at, Some(form));
            reachable |= ctrl.entry_reachable;
        }
        let mut branches = ctrl.branches;
        for &(at, form) in &branches {
            self.bind_here(at, form);
        }
        branches.clear();
        self.branch_lists.push(branches);
        self.stack.truncate(ctrl.height as usize);
        for _ in 0..ctrl.results {
            self.push(Operand::Temp);
        }
        self.reachable = reachable;
        self.barrier();
    }

    /// After an unconditional transfer: the rest of the frame is dead code until its `else`
    /// or `end`.
    pub(super) fn unreachable_after(&mut self) {
        self.reachable = false;
        let height = self.ctrl.last().map_or(0, |c| c.height);
        self.stack.truncate(height as usize);
        self.barrier();
    }

    /// `br_table`: the op, then one entry op per target and the default, each a branch (through
    /// a value-moving branch after the table where the target needs moves).
    pub(super) fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Res {
        let index = self.pop_slot();
        #[cfg(feature = "branch-census")]
        self.census_site(crate::census::Kind::BrTable, false);
        // A list kept across tables, so that a table does not allocate.
        let mut depths = std::mem::take(&mut self.table_depths);
        depths.clear();
        for t in targets.targets() {
            depths.push(t?);
        }
        depths.push(targets.default());
        let n = targets.len();
        self.emit(h::br_table.op(BrTable { index: Slot(index), targets: Targets(n) }));
        let first = self.ops.len();
        for _ in 0..depths.len() {
            self.emit(h::br_table.entry());
        }
        for (i, &depth) in depths.iter().enumerate() {
            let entry = first + i;
            if self.branch_needs_moves(depth) {
                self.patch_to_here(entry);
                self.emit_branch(depth);
            } else {
                self.link(entry, depth, None);
            }
        }
        self.table_depths = depths;
        Ok(())
    }
}

/// The single result of a return: already in slot 0, in another slot, or a constant.
#[derive(Clone, Copy)]
enum Returned {
    InPlace,
    Slot(u32),
    Cell(u64),
}

/// The return op for `result`; with a pending stack release (`leave`), one of the forms that
/// release first.
#[inline(always)]
fn return_op(result: Returned, leave: Option<u32>) -> Op {
    match (leave, result) {
        (None, Returned::InPlace) => h::ret_plain.op(Nothing {}),
        (None, Returned::Slot(x)) => h::ret_slot.op(RetSlot { value: Slot(x) }),
        (None, Returned::Cell(c)) => h::ret_imm.op(RetCell { value: Cell(c) }),
        (Some(units), Returned::InPlace) => h::leave_ret.op(Leave { stack: Stack(units) }),
        (Some(units), Returned::Slot(x)) => h::leave_ret_slot.op(LeaveSlot { stack: Stack(units), value: Slot(x) }),
        (Some(units), Returned::Cell(c)) => h::leave_ret_imm.op(LeaveCell { stack: Stack(units), value: Cell(c) }),
    }
}
