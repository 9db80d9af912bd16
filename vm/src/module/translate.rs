//! Single-pass translation of a function body from Wasm to the internal IR, fused with
//! validation.
//!
//! The translator keeps a symbolic operand stack. `local.get` and constants push descriptors
//! and emit nothing; an op reads them straight from the local's slot or as an immediate. Every
//! other value lives in the temporary slot of its stack height (`locals + height`), so the
//! translator never allocates registers. Values are written to a label's slots only when
//! control flow merges, which makes every branch a plain jump in the common case.
//!
//! Invariants:
//! - A `Local(x)` descriptor never survives a write to `x`: `local.set`/`tee` first copy such
//!   descriptors to their temporary slots ("preservation").
//! - No `Local` descriptor lies below a control frame's entry height: entering a block, loop or
//!   if materializes them, so preservation never has to emit code on a path that another path
//!   merges with.
//! - Block parameters are materialized on entry, and results are in their slots at every `end`
//!   and every branch to the label.

use std::mem::ManuallyDrop;

use wasmparser::{
    BlockType, FrameKind, FrameStack, FuncValidator, FunctionBody, Operator, ValidatorResources, VisitOperator,
    VisitSimdOperator,
};

use super::{CompiledFunc, ModuleCtx};
use crate::exec::handlers::{self as h, Bin, CmpBranch, CondBranch};
use crate::exec::numeric::Reciprocal32;
use crate::exec::{Handler, Op};
use crate::metering::Intrinsic;
use crate::Error;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Operand {
    Local(u32),
    Const(u64),
    Temp,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CtrlKind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Ctrl {
    kind: CtrlKind,
    /// Operand stack height below the block's parameters.
    height: u32,
    params: u32,
    results: u32,
    /// Loops: the op index of the loop head.
    head: usize,
    /// Ops whose branch offset must be patched to the end of this block: branches, with their
    /// forms, and `br_table` entries.
    branches: Vec<(usize, Option<&'static CondBranch>)>,
    /// Ifs: the conditional jump to patch to the else arm (or the end).
    else_jump: Option<(usize, &'static CondBranch)>,
    /// Whether the code before the block was reachable.
    entry_reachable: bool,
    /// Loops whose first op charges gas: the charge, which back-edges then pay themselves.
    head_gas: Option<u32>,
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CmpKind {
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
enum Test {
    /// `lhs <kind> rhs`, rhs a slot or a sign-extended 32-bit immediate.
    Cmp { kind: CmpKind, is64: bool, lhs: u32, rhs: Rhs },
    /// `slot == 0`.
    Eqz { is64: bool, slot: u32 },
    /// `slot != 0` (any i32 condition).
    Nez { slot: u32 },
}

impl Test {
    /// The branch taken when the test holds, and its operands `a` and `b`.
    fn form(self) -> (&'static CondBranch, u32, u32) {
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

/// A producer whose result can be folded into the op that consumes it.
#[derive(Clone, Copy, Debug)]
enum Fuse {
    /// `i32.add slot, imm`: folds into a load or store address.
    AddImm { base: u32, imm: u32 },
    /// `fNN.mul slot, slot`: folds into a following `fNN.add`.
    Mul { is64: bool, x: u32, y: u32 },
    /// `i64` shift or rotate of `src` by a constant, or `src ^ -1`: folds into a following
    /// `i64.xor` (shifts) or `i64.and` (not).
    Bit64 { op: BitOp, src: u32, k: u32 },
    /// `i64.xor slot, slot`: folds into a following `i64.rotl` by a constant.
    Xor64 { x: u32, y: u32 },
    /// `z & !b`: folds into a following `i64.xor`.
    AndNot64 { b: u32, z: u32 },
}

/// The single-operand `i64` bit operations that fuse into a following binary one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BitOp {
    Shl,
    ShrU,
    Rotl,
    Not,
}

/// The four `i32` division operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DivRem {
    DivS,
    DivU,
    RemS,
    RemU,
}

impl DivRem {
    /// The handlers for a divisor in a slot, which check it for zero.
    fn generic(self) -> Bin {
        match self {
            DivRem::DivS => h::I32_DIV_S,
            DivRem::DivU => h::I32_DIV_U,
            DivRem::RemS => h::I32_REM_S,
            DivRem::RemU => h::I32_REM_U,
        }
    }
}

/// Operand forms of an emitted binary op.
#[derive(Clone, Copy, Debug)]
enum Form {
    SlotSlot(u32, u32),
    SlotImm(u32, u64),
    Other,
}

#[derive(Clone, Copy, Debug)]
enum Rhs {
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

/// Reusable translation state; allocations survive across functions.
#[derive(Default)]
pub(crate) struct FuncTranslator {
    ops: Vec<Op>,
    offsets: Vec<u32>,
    stack: Vec<Operand>,
    ctrl: Vec<Ctrl>,
    locals: u32,
    /// Number of results of the function being translated.
    results: u32,
    max_height: u32,
    reachable: bool,
    dead_depth: u32,
    offset: u32,
    /// Op index whose result slot `a` holds the top temporary, if it was the last op emitted
    /// (followed only by its data op, if it has one).
    producer: Option<usize>,
    /// The fusable test that produced the top temporary, if it was the last op emitted.
    last_test: Option<Test>,
    /// The fusable producer of the top temporary, if it was the last op emitted.
    last_fuse: Option<Fuse>,
    /// Index of the last `memory.size` op: with the `tally.gas_len` call that follows it in a
    /// region's memory-access charge, it becomes one `memory_size_gas` op.
    memory_size_at: Option<usize>,
    /// The last `tally.stack_enter`/`stack_leave` op and its index, for folding into the
    /// entry charge or the return.
    last_stack_op: Option<(usize, Intrinsic)>,
    /// The op just emitted, if a variant of it can pay a directly following `gas` op: a
    /// conditional branch (on its fallthrough) or an internal call (on the callee's return).
    pays_next_gas: Option<(usize, PaysNext)>,
    /// Branches patched to land at op index `bound_at`, which pay the charge there themselves
    /// if the op emitted at that index turns out to be a `gas` op.
    bound: Vec<(usize, &'static CondBranch)>,
    bound_at: usize,
    validator_allocs: Option<wasmparser::FuncValidatorAllocations>,
    /// Emptied `Ctrl::branches` lists, reused so that entering a block does not allocate.
    branch_lists: Vec<Vec<(usize, Option<&'static CondBranch>)>>,
}

impl core::fmt::Debug for FuncTranslator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FuncTranslator").field("ops_capacity", &self.ops.capacity()).finish_non_exhaustive()
    }
}

/// An op that has a variant paying the `gas` op right after it.
#[derive(Clone, Copy)]
enum PaysNext {
    /// A conditional branch, on its fallthrough.
    Branch(&'static CondBranch),
    /// An internal call, on the callee's return (`call_internal_then_gas`).
    Call,
}

/// Largest op buffer a translator keeps when it goes back to the engine's pool (1.5 MiB of ops).
const MAX_POOLED_OPS: usize = 1 << 16;

type Res<T = ()> = Result<T, Error>;

fn rel(from: usize, to: usize) -> u64 {
    (to as i64 - from as i64) as u64
}

/// The `c` operand of a back-edge at `from` to the loop at `head` that pays the loop's entry
/// charge `gas` itself: the offset to the op after the charge in the low half, `gas` in the high.
fn charged_target(from: usize, head: usize, gas: u32) -> u64 {
    (rel(from, head + 1) as u32 as u64) | u64::from(gas) << 32
}

fn op(h: Handler, a: u32, b: u32, c: u64) -> Op {
    Op { h, a, b, c }
}

impl FuncTranslator {
    /// Whether the buffers are small enough to keep for the next compilation: one huge function
    /// should not pin its memory in the engine.
    pub(crate) fn worth_pooling(&self) -> bool {
        self.ops.capacity() <= MAX_POOLED_OPS && self.stack.capacity() <= MAX_POOLED_OPS
    }

    /// Validates and translates one function body.
    pub(crate) fn translate(
        &mut self,
        ctx: &ModuleCtx<'_>,
        func_index: u32,
        body: &FunctionBody<'_>,
        to_validate: wasmparser::FuncToValidate<ValidatorResources>,
    ) -> Res<CompiledFunc> {
        let allocs = self.validator_allocs.take().unwrap_or_default();
        let mut validator = to_validate.into_validator(allocs);
        let result = self.translate_with(ctx, func_index, body, &mut validator);
        self.validator_allocs = Some(validator.into_allocations());
        result
    }

    fn translate_with(
        &mut self,
        ctx: &ModuleCtx<'_>,
        func_index: u32,
        body: &FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
    ) -> Res<CompiledFunc> {
        let config = ctx.config;
        let range = body.range();
        let size = (range.end - range.start) as usize;
        let start = range.start as usize;
        if size > config.max_function_size as usize {
            return Err(Error::limit(
                format!("function {func_index} has {size} bytes, over the limit of {}", config.max_function_size),
                start,
            ));
        }
        let ty = ctx.func_type(func_index);
        let params = ty.params().len() as u32;
        let results = ty.results().len() as u32;
        let mut extra_locals: u32 = 0;
        let mut locals_reader = body.get_locals_reader()?;
        for _ in 0..locals_reader.get_count() {
            let offset = locals_reader.original_position();
            let (count, vt) = locals_reader.read()?;
            extra_locals = extra_locals.checked_add(count).filter(|n| *n <= config.max_locals).ok_or_else(|| {
                Error::limit(
                    format!("function {func_index} declares more than {} locals", config.max_locals),
                    offset as usize,
                )
            })?;
            validator.define_locals(offset, count, vt)?;
        }

        self.ops.clear();
        self.offsets.clear();
        self.stack.clear();
        self.ctrl.clear();
        self.locals = params + extra_locals;
        self.results = results;
        self.max_height = 0;
        self.reachable = true;
        self.dead_depth = 0;
        self.producer = None;
        self.last_test = None;
        self.last_fuse = None;
        self.memory_size_at = None;
        self.last_stack_op = None;
        self.pays_next_gas = None;
        self.bound.clear();
        self.ctrl.push(Ctrl {
            kind: CtrlKind::Func,
            height: 0,
            params: 0,
            results,
            head: 0,
            branches: Vec::new(),
            else_jump: None,
            entry_reachable: true,
            head_gas: None,
        });

        // Each operator is decoded once: the reader calls the fused visitor's `visit_*` method,
        // which validates and then translates it. The reader's structural checks (`else` only
        // in an `if`, nothing after the final `end`) consult the validator's control frames.
        let mut reader = locals_reader.get_binary_reader();
        // The body came from a parser of the profile, so its reader already has these features;
        // set them anyway: how operators decode (memargs, memory indices) depends on them.
        reader.set_features(super::features(config));
        while !reader.eof() {
            let offset = reader.original_position();
            self.offset = offset as u32;
            let mut visitor = OpVisitor { tr: self, ctx, validator, offset };
            reader.visit_operator(&mut visitor)?.map_err(|e| *e)?;
        }
        let offset = reader.original_position();
        reader.finish_expression(&OpVisitor { tr: self, ctx, validator, offset })?;

        // Spare cells let calls zero small local sets without a length-dependent loop.
        let frame_cells = self.locals as u64 + self.max_height as u64 + u64::from(crate::exec::SMALL_LOCALS);
        if frame_cells > config.max_stack_cells as u64 {
            return Err(Error::limit(
                format!("function {func_index} needs a frame of {frame_cells} cells, over the stack limit"),
                start,
            ));
        }
        Ok(CompiledFunc {
            // `to_vec` copies `Copy` elements with one `memcpy` into an exact-size allocation;
            // `Box::from(&[T])` clones them one by one.
            code: self.ops.to_vec().into_boxed_slice(),
            offsets: self.offsets.to_vec().into_boxed_slice(),
            params,
            locals: extra_locals,
            frame_cells: frame_cells as u32,
            index: func_index,
        })
    }

    // ---- emission helpers ----

    #[inline(always)]
    fn emit(&mut self, o: Op) -> usize {
        self.ops.push(o);
        self.offsets.push(self.offset);
        self.producer = None;
        self.last_test = None;
        self.last_fuse = None;
        self.last_stack_op = None;
        self.pays_next_gas = None;
        self.ops.len() - 1
    }

    /// Emits an op that writes its result to a fresh temporary pushed on the stack.
    #[inline(always)]
    fn emit_producer(&mut self, h: Handler, b: u32, c: u64) {
        let dst = self.push_temp();
        let i = self.emit(op(h, dst, b, c));
        self.producer = Some(i);
    }

    /// Like [`Self::emit_producer`], for an op whose handler reads a second immediate from the
    /// `c` of a data op that follows it.
    fn emit_producer_with_data(&mut self, h: Handler, b: u32, c: u64, data: u64) {
        let dst = self.push_temp();
        let i = self.emit(op(h, dst, b, c));
        self.emit(op(h::unreachable, 0, 0, data));
        self.producer = Some(i);
    }

    /// Forgets fusion candidates: a label or merge point follows.
    fn barrier(&mut self) {
        self.producer = None;
        self.last_test = None;
        self.last_fuse = None;
    }

    fn height(&self) -> u32 {
        self.stack.len() as u32
    }

    fn temp_slot(&self, height: u32) -> u32 {
        self.locals + height
    }

    #[inline(always)]
    fn push(&mut self, o: Operand) {
        self.stack.push(o);
        self.max_height = self.max_height.max(self.stack.len() as u32);
    }

    /// Pushes a temporary and returns its slot.
    #[inline(always)]
    fn push_temp(&mut self) -> u32 {
        let slot = self.temp_slot(self.height());
        self.push(Operand::Temp);
        slot
    }

    #[inline(always)]
    fn pop(&mut self) -> (Operand, u32) {
        let o = self.stack.pop().unwrap_or(Operand::Temp);
        (o, self.height())
    }

    /// The slot holding a popped operand that was at `height`; constants are written to the
    /// temporary slot of that height first.
    #[inline]
    fn slot_of(&mut self, o: Operand, height: u32) -> u32 {
        match o {
            Operand::Local(x) => x,
            Operand::Temp => self.temp_slot(height),
            Operand::Const(c) => {
                let slot = self.temp_slot(height);
                self.emit(op(h::konst, slot, 0, c));
                slot
            }
        }
    }

    #[inline]
    fn pop_slot(&mut self) -> u32 {
        let (o, hgt) = self.pop();
        self.slot_of(o, hgt)
    }

    /// Turns the operand at `height` into a temporary in its own slot.
    fn materialize(&mut self, height: u32) {
        let slot = self.temp_slot(height);
        match self.stack[height as usize] {
            Operand::Temp => return,
            Operand::Local(x) => {
                self.emit(op(h::copy, slot, x, 0));
            }
            Operand::Const(c) => {
                self.emit(op(h::konst, slot, 0, c));
            }
        }
        self.stack[height as usize] = Operand::Temp;
    }

    fn materialize_locals(&mut self) {
        for i in 0..self.stack.len() {
            if matches!(self.stack[i], Operand::Local(_)) {
                self.materialize(i as u32);
            }
        }
    }

    fn materialize_top(&mut self, n: u32) {
        let len = self.height();
        for i in len.saturating_sub(n)..len {
            self.materialize(i);
        }
    }

    /// Copies the operand at `height` into `dst` unless it is already there.
    fn copy_into(&mut self, dst: u32, height: u32) {
        match self.stack[height as usize] {
            Operand::Local(x) if x != dst => {
                self.emit(op(h::copy, dst, x, 0));
            }
            Operand::Temp if self.temp_slot(height) != dst => {
                let src = self.temp_slot(height);
                self.emit(op(h::copy, dst, src, 0));
            }
            Operand::Const(c) => {
                self.emit(op(h::konst, dst, 0, c));
            }
            _ => {}
        }
    }

    // ---- branches ----

    fn label(&self, depth: u32) -> &Ctrl {
        let i = self.ctrl.len() - 1 - depth as usize;
        &self.ctrl[i]
    }

    fn label_mut(&mut self, depth: u32) -> &mut Ctrl {
        let i = self.ctrl.len() - 1 - depth as usize;
        &mut self.ctrl[i]
    }

    /// Whether branching to `depth` needs value copies (or is a return).
    fn branch_needs_moves(&self, depth: u32) -> bool {
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
            self.ops[at].c = rel(at, head);
        } else {
            label.branches.push((at, form));
        }
    }

    /// Emits an unconditional branch to `depth`, with its value moves. The symbolic stack is
    /// left unchanged.
    fn emit_branch(&mut self, depth: u32) {
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
            self.emit(op(h::br_gas, 0, 0, charged_target(at, head, gas)));
            return;
        }
        let at = self.emit(op(h::br, 0, 0, 0));
        self.link(at, depth, Some(&h::BR));
    }

    /// The head and entry charge of the loop at `depth`, if its body starts with a charge that
    /// back-edges can pay themselves (see `handlers::charged_branch`).
    fn charged_loop(&self, depth: u32) -> Option<(usize, u32)> {
        let label = self.label(depth);
        match (label.kind, label.head_gas) {
            (CtrlKind::Loop, Some(gas)) => Some((label.head, gas)),
            _ => None,
        }
    }

    /// A conditional branch to `depth` that needs no value moves.
    fn emit_test_branch(&mut self, test: Test, depth: u32) {
        let Some((head, gas)) = self.charged_loop(depth) else {
            let (at, form) = self.emit_test_jump(test);
            self.link(at, depth, Some(form));
            return;
        };
        let (form, a, b) = test.form();
        let at = self.ops.len();
        self.emit(op(form.taken_pays, a, b, charged_target(at, head, gas)));
        self.pays_next_gas = Some((at, PaysNext::Branch(form)));
    }

    /// Emits the function's return sequence for the results on top of the stack.
    /// Emits the function's return sequence. A `tally.stack_leave` emitted just before folds
    /// into the return op itself.
    fn emit_return(&mut self) {
        let leave = match self.ops.last() {
            Some(last) if self.last_stack_op == Some((self.ops.len() - 1, Intrinsic::StackLeave)) => {
                let units = last.c as u32;
                self.ops.pop();
                self.offsets.pop();
                Some(units)
            }
            _ => None,
        };
        self.emit_return_ops(leave);
    }

    fn emit_return_ops(&mut self, leave: Option<u32>) {
        // With a pending stack release, returns use the variants that release first.
        let (ret, ret_slot, ret_imm) = match leave {
            Some(_) => (h::leave_ret as Handler, h::leave_ret_slot as Handler, h::leave_ret_imm as Handler),
            None => (h::ret as Handler, h::ret_slot as Handler, h::ret_imm as Handler),
        };
        let units = leave.unwrap_or(0);
        let n = self.results;
        let top = self.height();
        if n == 1 {
            match self.stack[(top - 1) as usize] {
                Operand::Const(c) => {
                    self.emit(op(ret_imm, units, 0, c));
                }
                Operand::Local(0) => {
                    self.emit(op(ret, units, 0, 0));
                }
                Operand::Local(x) => {
                    self.emit(op(ret_slot, units, x, 0));
                }
                Operand::Temp => {
                    let slot = self.temp_slot(top - 1);
                    self.emit(op(ret_slot, units, slot, 0));
                }
            }
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
                    self.emit(op(h::copy, slot, x, 0));
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
                    self.emit(op(h::copy, i, x, 0));
                }
                Operand::Temp if self.temp_slot(hgt) != i => {
                    let src = self.temp_slot(hgt);
                    self.emit(op(h::copy, i, src, 0));
                }
                Operand::Const(c) => {
                    self.emit(op(h::konst, i, 0, c));
                }
                _ => {}
            }
        }
        self.emit(op(ret, units, 0, 0));
    }

    /// Takes the fusable test that produced the top temporary, removing its op.
    fn take_test(&mut self) -> Option<Test> {
        let test = self.last_test?;
        let producer = self.producer?;
        if producer + 1 != self.ops.len() || self.stack.last() != Some(&Operand::Temp) {
            return None;
        }
        self.ops.pop();
        self.offsets.pop();
        self.producer = None;
        self.last_test = None;
        self.last_fuse = None;
        Some(test)
    }

    /// Emits a jump taken when `test` holds; returns its index and form for linking.
    fn emit_test_jump(&mut self, test: Test) -> (usize, &'static CondBranch) {
        let (form, a, b) = test.form();
        let at = self.emit(op(form.plain, a, b, 0));
        self.pays_next_gas = Some((at, PaysNext::Branch(form)));
        (at, form)
    }

    /// Emits a jump taken when `test` does NOT hold.
    fn emit_test_jump_not(&mut self, test: Test) -> (usize, &'static CondBranch) {
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

    /// Pops a branch condition as a test, fusing with the comparison that produced it.
    fn pop_test(&mut self) -> Test {
        if let Some(t) = self.take_test() {
            self.stack.pop();
            return t;
        }
        let slot = self.pop_slot();
        Test::Nez { slot }
    }

    // ---- control structure ----

    fn block_arity(&self, ctx: &ModuleCtx<'_>, bt: BlockType) -> (u32, u32) {
        match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(idx) => {
                let ty = &ctx.types[idx as usize];
                (ty.params().len() as u32, ty.results().len() as u32)
            }
        }
    }

    fn enter(&mut self, kind: CtrlKind, params: u32, results: u32, else_jump: Option<(usize, &'static CondBranch)>) {
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

    fn patch_to_here(&mut self, at: usize) {
        // A label bound here: ops before it may no longer fold with ops after it.
        self.last_stack_op = None;
        let here = self.ops.len();
        self.ops[at].c = rel(at, here);
    }

    /// Patches branch `at`, of form `form`, to land here. If the next op is a `gas` op, the
    /// branch pays it instead (see [`Self::pay_at_label`]).
    fn bind_here(&mut self, at: usize, form: Option<&'static CondBranch>) {
        self.patch_to_here(at);
        let Some(form) = form else { return };
        let here = self.ops.len();
        if self.bound_at != here {
            self.bound.clear();
            self.bound_at = here;
        }
        self.bound.push((at, form));
    }

    /// A `gas` op charging `gas` is about to be emitted: the branches bound to its index pay it
    /// themselves and land after it.
    fn pay_at_label(&mut self, gas: u64) {
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

    /// Moves the block's results into their slots at a fallthrough.
    fn place_results(&mut self, ctrl_height: u32, results: u32) {
        let top = self.height();
        for i in 0..results {
            let hgt = top - results + i;
            let dst = self.temp_slot(ctrl_height + i);
            self.copy_into(dst, hgt);
        }
    }

    fn on_else(&mut self) {
        let Some(ctrl) = self.ctrl.last() else { return };
        let (height, params, results) = (ctrl.height, ctrl.params, ctrl.results);
        if self.reachable {
            self.place_results(height, results);
            let at = self.emit(op(h::br, 0, 0, 0));
            self.label_mut(0).branches.push((at, Some(&h::BR)));
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

    fn on_end(&mut self) {
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

    fn unreachable_after(&mut self) {
        self.reachable = false;
        let height = self.ctrl.last().map_or(0, |c| c.height);
        self.stack.truncate(height as usize);
        self.barrier();
    }

    // ---- operators ----

    fn bin(&mut self, b: Bin) -> Form {
        let (rhs, hr) = self.pop();
        let (lhs, hl) = self.pop();
        let (hd, a, c, form) = match (lhs, rhs) {
            (Operand::Const(_), Operand::Const(y)) => {
                let x = self.slot_of(lhs, hl);
                (b.si, x, y, Form::SlotImm(x, y))
            }
            (_, Operand::Const(y)) => {
                let x = self.slot_of(lhs, hl);
                (b.si, x, y, Form::SlotImm(x, y))
            }
            (Operand::Const(x), _) => {
                let y = self.slot_of(rhs, hr);
                match b.is {
                    Some(is) => (is, y, x, Form::Other),
                    None => (b.si, y, x, Form::SlotImm(y, x)),
                }
            }
            _ => {
                let x = self.slot_of(lhs, hl);
                let y = self.slot_of(rhs, hr);
                (b.ss, x, y as u64, Form::SlotSlot(x, y))
            }
        };
        self.emit_producer(hd, a, c);
        form
    }

    /// The address add that produced the top temporary, removed from the code: `(base, imm)`.
    fn take_address_add(&mut self) -> Option<(u32, u32)> {
        self.take_fuse(|f| match f {
            Fuse::AddImm { base, imm } => Some((base, imm)),
            _ => None,
        })
    }

    /// If the last op produced the top temporary and `select` maps its fusion candidate to a
    /// fused form, removes that op and returns the form; otherwise changes nothing.
    fn take_fuse<T>(&mut self, select: impl Fn(Fuse) -> Option<T>) -> Option<T> {
        self.take_fuse_at(0, select)
    }

    /// [`Self::take_fuse`] for the operand `depth` places below the top of the stack. The fused
    /// op takes the removed op's place, so it reads the same values.
    fn take_fuse_at<T>(&mut self, depth: usize, select: impl Fn(Fuse) -> Option<T>) -> Option<T> {
        let form = select(self.last_fuse?)?;
        let producer = self.producer?;
        let at = self.stack.len().checked_sub(1 + depth)?;
        if producer + 1 != self.ops.len()
            || self.stack[at] != Operand::Temp
            || self.ops[producer].a != self.temp_slot(at as u32)
        {
            return None;
        }
        self.ops.pop();
        self.offsets.pop();
        self.producer = None;
        self.last_test = None;
        self.last_fuse = None;
        Some(form)
    }

    fn binop(&mut self, b: Bin) {
        self.bin(b);
    }

    /// `i32` division or remainder. By a constant divisor it needs neither the zero check nor a
    /// divide instruction: powers of two become shifts and masks (unsigned only), other divisors a
    /// multiply by a precomputed reciprocal (`numeric::Reciprocal32`).
    fn i32_div_rem(&mut self, kind: DivRem) {
        let len = self.stack.len();
        let (Some(&lhs), Some(&Operand::Const(c))) = (len.checked_sub(2).map(|i| &self.stack[i]), self.stack.last())
        else {
            return self.binop(kind.generic());
        };
        let d = c as u32;
        if matches!(lhs, Operand::Const(_)) {
            return self.binop(kind.generic());
        }
        if d.is_power_of_two() && matches!(kind, DivRem::DivU | DivRem::RemU) {
            let (bin, imm) =
                if kind == DivRem::DivU { (h::I32_SHR_U, d.trailing_zeros()) } else { (h::I32_AND, d - 1) };
            self.stack[len - 1] = Operand::Const(u64::from(imm));
            self.bin(bin);
            return;
        }
        // Signed division needs a positive divisor; a remainder only the divisor's magnitude.
        let divisor = match kind {
            DivRem::DivU | DivRem::RemU => Some(d),
            DivRem::DivS => (d as i32 > 0).then_some(d),
            DivRem::RemS => Some((d as i32).unsigned_abs()),
        };
        let Some((divisor, reciprocal)) = divisor.and_then(|d| Some((d, Reciprocal32::new(d)?))) else {
            return self.binop(kind.generic());
        };
        self.stack.pop();
        let x = self.pop_slot();
        let bits = reciprocal.to_bits();
        let data = u64::from(divisor);
        match kind {
            DivRem::DivU => self.emit_producer(h::i32_div_u_const, x, bits),
            DivRem::DivS => self.emit_producer(h::i32_div_s_const, x, bits),
            DivRem::RemU => self.emit_producer_with_data(h::i32_rem_u_const, x, bits, data),
            DivRem::RemS => self.emit_producer_with_data(h::i32_rem_s_const, x, bits, data),
        }
    }

    fn i32_add(&mut self) {
        if let Form::SlotImm(base, imm) = self.bin(h::I32_ADD) {
            self.last_fuse = Some(Fuse::AddImm { base, imm: imm as u32 });
        }
    }

    /// For a commutative operator: if one of its two operands is the temporary the last op
    /// produced, and `select` maps that op's fusion candidate to a fused form, removes that op and
    /// both operands and returns the form with the slot of the other operand, which must not be a
    /// constant.
    fn take_fused_operand<T>(&mut self, select: impl Fn(Fuse) -> Option<T>) -> Option<(T, u32)> {
        let below = self.stack.len().checked_sub(2)?;
        for (depth, other_at) in [(0, below), (1, below + 1)] {
            let other = match self.stack[other_at] {
                Operand::Local(x) => x,
                Operand::Temp => self.temp_slot(other_at as u32),
                Operand::Const(_) => continue,
            };
            if let Some(form) = self.take_fuse_at(depth, &select) {
                self.stack.truncate(below);
                return Some((form, other));
            }
        }
        None
    }

    /// `i64.shl`/`i64.shr_u`: by a constant, remembered for fusion into a following `i64.xor`.
    fn i64_shift(&mut self, b: Bin, bit: BitOp) {
        if let Form::SlotImm(src, k) = self.bin(b) {
            self.last_fuse = Some(Fuse::Bit64 { op: bit, src, k: (k & 63) as u32 });
        }
    }

    /// `i64.rotl`: by a constant, fused with a directly preceding `i64.xor` of two slots, and
    /// otherwise remembered for fusion into a following `i64.xor`.
    fn i64_rotl(&mut self) {
        if let Some(&Operand::Const(k)) = self.stack.last() {
            let xor = |f: Fuse| match f {
                Fuse::Xor64 { x, y } => Some((x, y)),
                _ => None,
            };
            if let Some((x, y)) = self.take_fuse_at(1, xor) {
                self.stack.truncate(self.stack.len() - 2);
                self.emit_producer(h::i64_rotl_xor, x, u64::from(y) | (k & 63) << 32);
                return;
            }
        }
        self.i64_shift(h::I64_ROTL, BitOp::Rotl);
    }

    /// `i64.xor`: fused with a directly preceding shift, rotate or and-not; `x ^ -1` and
    /// `x ^ y` are remembered for fusion with what follows.
    fn i64_xor(&mut self) {
        // (handler, slot b, constant half of c, whether the other operand goes in the high half)
        let select = |f: Fuse| -> Option<(Handler, u32, u32, bool)> {
            match f {
                Fuse::Bit64 { op: BitOp::Shl, src, k } => Some((h::i64_xor_shl, src, k, false)),
                Fuse::Bit64 { op: BitOp::ShrU, src, k } => Some((h::i64_xor_shr_u, src, k, false)),
                Fuse::Bit64 { op: BitOp::Rotl, src, k } => Some((h::i64_xor_rotl, src, k, false)),
                Fuse::AndNot64 { b, z } => Some((h::i64_xor_andn, b, z, true)),
                _ => None,
            }
        };
        if let Some(((handler, b, fixed, other_high), other)) = self.take_fused_operand(select) {
            let (lo, hi) = if other_high { (fixed, other) } else { (other, fixed) };
            self.emit_producer(handler, b, u64::from(lo) | u64::from(hi) << 32);
            return;
        }
        match self.bin(h::I64_XOR) {
            Form::SlotImm(src, u64::MAX) => self.last_fuse = Some(Fuse::Bit64 { op: BitOp::Not, src, k: 0 }),
            Form::SlotSlot(x, y) => self.last_fuse = Some(Fuse::Xor64 { x, y }),
            _ => {}
        }
    }

    /// `i32.wrap_i64`: fused with a directly preceding `i64.shr_u` by a constant, the usual way
    /// to take a field out of a 64-bit word.
    fn i32_wrap_i64(&mut self) {
        let shr_u = |f: Fuse| match f {
            Fuse::Bit64 { op: BitOp::ShrU, src, k } => Some((src, k)),
            _ => None,
        };
        if let Some((src, k)) = self.take_fuse(shr_u) {
            self.stack.pop();
            self.emit_producer(h::i32_wrap_shr_u, src, u64::from(k));
            return;
        }
        self.un(h::i32_wrap_i64);
    }

    /// `i64.and`: fused with a directly preceding `x ^ -1` into an and-not.
    fn i64_and(&mut self) {
        let not = |f: Fuse| match f {
            Fuse::Bit64 { op: BitOp::Not, src, .. } => Some(src),
            _ => None,
        };
        if let Some((src, z)) = self.take_fused_operand(not) {
            self.emit_producer(h::i64_andn, src, u64::from(z));
            self.last_fuse = Some(Fuse::AndNot64 { b: src, z });
            return;
        }
        self.binop(h::I64_AND);
    }

    fn float_mul(&mut self, is64: bool) {
        if let Form::SlotSlot(x, y) = self.bin(if is64 { h::F64_MUL } else { h::F32_MUL }) {
            self.last_fuse = Some(Fuse::Mul { is64, x, y });
        }
    }

    /// `fNN.add`, fused with a directly preceding `fNN.mul` when the other addend is in a slot.
    fn float_add(&mut self, is64: bool) {
        let len = self.stack.len();
        let other = len.checked_sub(2).map(|i| (self.stack[i], i as u32));
        let mul_matches = matches!(self.last_fuse, Some(Fuse::Mul { is64: m64, .. }) if m64 == is64);
        if let (true, Some((other @ (Operand::Local(_) | Operand::Temp), other_h))) = (mul_matches, other) {
            let mul = |f: Fuse| match f {
                Fuse::Mul { x, y, .. } => Some((x, y)),
                _ => None,
            };
            if let Some((x, y)) = self.take_fuse(mul) {
                self.stack.pop();
                self.stack.pop();
                let z = self.slot_of(other, other_h);
                let hd = if is64 { h::f64_mul_add } else { h::f32_mul_add };
                self.emit_producer(hd, x, y as u64 | (z as u64) << 32);
                return;
            }
        }
        self.bin(if is64 { h::F64_ADD } else { h::F32_ADD });
    }

    /// A comparison: emitted like any binary op, but remembered for fusion with a branch.
    fn cmp(&mut self, b: Bin, kind: CmpKind, is64: bool) {
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

    fn eqz(&mut self, is64: bool) {
        let (o, hgt) = self.pop();
        let slot = self.slot_of(o, hgt);
        self.emit_producer(if is64 { h::i64_eqz } else { h::i32_eqz }, slot, 0);
        self.last_test = Some(Test::Eqz { is64, slot });
    }

    fn un(&mut self, hd: Handler) {
        let slot = self.pop_slot();
        self.emit_producer(hd, slot, 0);
    }

    fn load(&mut self, plain: Handler, fused_add: Handler, offset: u64) {
        if let Some((base, imm)) = self.take_address_add() {
            self.stack.pop();
            self.emit_producer(fused_add, base, imm as u64 | offset << 32);
            return;
        }
        let addr = self.pop_slot();
        self.emit_producer(plain, addr, offset);
    }

    /// A store of `width` bytes; `handlers` are its forms with the value in a slot, the value
    /// immediate, the address add fused, and both.
    fn store(&mut self, handlers: [Handler; 4], width: u32, offset: u64) {
        let [plain, imm, fused_add, imm_fused_add] = handlers;
        let (val, hv) = self.pop();
        if let Operand::Const(v) = val {
            // The fused form has room for 32 bits of the value; narrower stores ignore the rest.
            let fits = width <= 4 || v >> 32 == 0;
            if let Some((base, imm)) = fits.then(|| self.take_address_add()).flatten() {
                self.stack.pop();
                self.emit(op(imm_fused_add, base, v as u32, u64::from(imm) | offset << 32));
                return;
            }
            let addr = self.pop_slot();
            self.emit(op(imm, addr, offset as u32, v));
            return;
        }
        let val = self.slot_of(val, hv);
        if let Some((base, imm)) = self.take_address_add() {
            self.stack.pop();
            self.emit(op(fused_add, base, val, imm as u64 | offset << 32));
            return;
        }
        let addr = self.pop_slot();
        self.emit(op(plain, addr, val, offset));
    }

    fn local_set(&mut self, x: u32, tee: bool) {
        let below = self.stack.len().saturating_sub(1);
        let preserve = self.stack[..below].contains(&Operand::Local(x));
        let top_slot = self.temp_slot(self.height().saturating_sub(1));
        let producer = match (self.stack.last(), self.producer) {
            (Some(Operand::Temp), Some(p)) if self.ops[p].a == top_slot => Some(p),
            _ => None,
        };
        if let Some(p) = producer {
            // Let the producer write the local directly. Copies preserving old values of `x` must
            // run before it (they only write temporaries below the producer's operands), so they
            // are emitted last and rotated in front of the producer and its data op.
            let end = self.ops.len();
            if preserve {
                self.preserve_local(x, below);
            }
            let copies = self.ops.len() - end;
            self.ops[p..].rotate_right(copies);
            self.offsets[p..].rotate_right(copies);
            self.ops[p + copies].a = x;
            self.producer = None;
            self.last_test = None;
            self.last_fuse = None;
        } else {
            if preserve {
                self.preserve_local(x, below);
            }
            let hgt = self.height() - 1;
            self.copy_into(x, hgt);
        }
        self.stack.pop();
        if tee {
            self.push(Operand::Local(x));
        }
    }

    /// Copies every `Local(x)` operand below `end` to its temporary slot.
    fn preserve_local(&mut self, x: u32, end: usize) {
        for i in 0..end {
            if self.stack[i] == Operand::Local(x) {
                self.materialize(i as u32);
            }
        }
    }

    /// Emits a metering intrinsic as one op when its arguments are constants, as instrumented
    /// code always passes them. Returns false to fall back to an ordinary call.
    fn intrinsic(&mut self, intrinsic: Intrinsic) -> bool {
        let Some(&Operand::Const(arg)) = self.stack.last() else { return false };
        match intrinsic {
            Intrinsic::Gas => {
                self.stack.pop();
                // Function entry reserves the frame, then charges the entry region: one op.
                let after_enter = self.last_stack_op == Some((0, Intrinsic::StackEnter)) && self.ops.len() == 1;
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
            Intrinsic::GasLen => {
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
            Intrinsic::StackEnter => {
                self.stack.pop();
                let at = self.emit(op(h::stack_enter, 0, 0, arg as u32 as u64));
                self.last_stack_op = Some((at, Intrinsic::StackEnter));
            }
            Intrinsic::StackLeave => {
                self.stack.pop();
                let at = self.emit(op(h::stack_leave, 0, 0, arg as u32 as u64));
                self.last_stack_op = Some((at, Intrinsic::StackLeave));
            }
        }
        true
    }

    fn call(&mut self, ctx: &ModuleCtx<'_>, func: u32) {
        if let Some(Some(intrinsic)) = ctx.intrinsics.get(func as usize) {
            if self.intrinsic(*intrinsic) {
                return;
            }
        }
        let ty = ctx.func_type(func);
        let (params, results) = (ty.params().len() as u32, ty.results().len() as u32);
        self.materialize_top(params);
        let base = self.height() - params;
        self.stack.truncate(base as usize);
        let frame = self.temp_slot(base);
        if func < ctx.num_imported_funcs {
            self.emit(op(h::call_func, func, frame, 0));
        } else {
            let at = self.emit(op(h::call_internal, func - ctx.num_imported_funcs, frame, 0));
            self.pays_next_gas = Some((at, PaysNext::Call));
        }
        self.push_results(params, results);
    }

    /// Pushes call results; reserves room for host calls, which use max(params, results) cells.
    fn push_results(&mut self, params: u32, results: u32) {
        let base = self.height();
        self.max_height = self.max_height.max(base + params.max(results));
        for _ in 0..results {
            self.push(Operand::Temp);
        }
    }

    fn call_indirect(&mut self, ctx: &ModuleCtx<'_>, type_index: u32, table: u32) {
        let (o, hgt) = self.pop();
        let index = match o {
            Operand::Temp => self.temp_slot(hgt),
            Operand::Local(x) => x,
            Operand::Const(_) => self.slot_of(o, hgt),
        };
        let ty = &ctx.types[type_index as usize];
        let (params, results) = (ty.params().len() as u32, ty.results().len() as u32);
        // A local index must be read before the callee's frame could overwrite anything: it is
        // read before the call, and locals are never in the callee's frame.
        self.materialize_top(params);
        let base = self.height() - params;
        self.stack.truncate(base as usize);
        let sig = ctx.sigs[type_index as usize].0;
        self.emit(op(h::call_indirect, table, self.temp_slot(base), sig as u64 | (index as u64) << 32));
        self.push_results(params, results);
    }

    fn br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Res {
        let index = self.pop_slot();
        let mut depths = Vec::with_capacity(targets.len() as usize + 1);
        for t in targets.targets() {
            depths.push(t?);
        }
        depths.push(targets.default());
        let n = targets.len();
        self.emit(op(h::br_table, index, n, 0));
        let first = self.ops.len();
        for _ in 0..depths.len() {
            self.emit(op(h::unreachable, 0, 0, 0));
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
        Ok(())
    }

    // Inlined into each `visit_*` method of `OpVisitor`, where the operator is a known variant:
    // the match folds away and no `Operator` is built.
    #[inline(always)]
    fn translate_op(&mut self, ctx: &ModuleCtx<'_>, operator: &Operator<'_>) -> Res {
        use Operator as O;
        if !self.reachable {
            match *operator {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => self.dead_depth += 1,
                O::Else if self.dead_depth == 0 => self.on_else(),
                O::End if self.dead_depth > 0 => self.dead_depth -= 1,
                O::End => self.on_end(),
                _ => {}
            }
            return Ok(());
        }
        match *operator {
            O::Unreachable => {
                self.emit(op(h::unreachable, 0, 0, 0));
                self.unreachable_after();
            }
            O::Nop => {}
            O::Block { blockty } => {
                let (p, r) = self.block_arity(ctx, blockty);
                self.materialize_locals();
                self.materialize_top(p);
                self.enter(CtrlKind::Block, p, r, None);
            }
            O::Loop { blockty } => {
                let (p, r) = self.block_arity(ctx, blockty);
                self.materialize_locals();
                self.materialize_top(p);
                self.enter(CtrlKind::Loop, p, r, None);
            }
            O::If { blockty } => {
                let (p, r) = self.block_arity(ctx, blockty);
                let fused = self.take_test();
                let test = match fused {
                    Some(t) => {
                        self.stack.pop();
                        t
                    }
                    None => {
                        let (o, hgt) = self.pop();
                        match o {
                            Operand::Const(_) => Test::Nez { slot: self.slot_of(o, hgt) },
                            Operand::Local(x) => Test::Nez { slot: x },
                            Operand::Temp => Test::Nez { slot: self.temp_slot(hgt) },
                        }
                    }
                };
                // Materializing only writes temporaries below the condition, which the test
                // does not read, so the test can follow the moves.
                self.materialize_locals();
                self.materialize_top(p);
                let jump = self.emit_test_jump_not(test);
                self.enter(CtrlKind::If, p, r, Some(jump));
            }
            O::Else => self.on_else(),
            O::End => self.on_end(),
            O::Br { relative_depth } => {
                self.emit_branch(relative_depth);
                self.unreachable_after();
            }
            O::BrIf { relative_depth } => {
                let test = self.pop_test();
                if self.branch_needs_moves(relative_depth) {
                    let (skip, form) = self.emit_test_jump_not(test);
                    self.emit_branch(relative_depth);
                    self.bind_here(skip, Some(form));
                } else {
                    self.emit_test_branch(test, relative_depth);
                }
                self.barrier();
            }
            O::BrTable { ref targets } => {
                self.br_table(targets)?;
                self.unreachable_after();
            }
            O::Return => {
                self.emit_return();
                self.unreachable_after();
            }
            O::Call { function_index } => self.call(ctx, function_index),
            O::CallIndirect { type_index, table_index } => self.call_indirect(ctx, type_index, table_index),
            O::Drop => {
                self.stack.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let cond = self.pop_slot();
                let (v2, h2) = self.pop();
                let (v1, h1) = self.pop();
                let s2 = self.slot_of(v2, h2);
                let s1 = self.slot_of(v1, h1);
                self.emit_producer(h::select, cond, s1 as u64 | (s2 as u64) << 32);
            }
            O::LocalGet { local_index } => self.push(Operand::Local(local_index)),
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => self.emit_producer(h::global_get, global_index, 0),
            O::GlobalSet { global_index } => {
                let (o, hgt) = self.pop();
                if let Operand::Const(c) = o {
                    self.emit(op(h::global_set_imm, global_index, 0, c));
                } else {
                    let slot = self.slot_of(o, hgt);
                    self.emit(op(h::global_set, global_index, slot, 0));
                }
            }
            // Zero-extending `i64` loads read what the `i32` loads of their width read.
            O::I32Load { memarg } | O::F32Load { memarg } | O::I64Load32U { memarg } => {
                self.load(h::i32_load, h::i32_load_add, memarg.offset)
            }
            O::I64Load { memarg } | O::F64Load { memarg } => self.load(h::i64_load, h::i64_load_add, memarg.offset),
            O::I32Load8S { memarg } => self.load(h::i32_load8_s, h::i32_load8_s_add, memarg.offset),
            O::I32Load8U { memarg } | O::I64Load8U { memarg } => {
                self.load(h::i32_load8_u, h::i32_load8_u_add, memarg.offset)
            }
            O::I32Load16S { memarg } => self.load(h::i32_load16_s, h::i32_load16_s_add, memarg.offset),
            O::I32Load16U { memarg } | O::I64Load16U { memarg } => {
                self.load(h::i32_load16_u, h::i32_load16_u_add, memarg.offset)
            }
            O::I64Load8S { memarg } => self.load(h::i64_load8_s, h::i64_load8_s_add, memarg.offset),
            O::I64Load16S { memarg } => self.load(h::i64_load16_s, h::i64_load16_s_add, memarg.offset),
            O::I64Load32S { memarg } => self.load(h::i64_load32_s, h::i64_load32_s_add, memarg.offset),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store([h::store32, h::store32_imm, h::store32_add, h::store32_imm_add], 4, memarg.offset)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => {
                self.store([h::store64, h::store64_imm, h::store64_add, h::store64_imm_add], 8, memarg.offset)
            }
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => {
                self.store([h::store8, h::store8_imm, h::store8_add, h::store8_imm_add], 1, memarg.offset)
            }
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store([h::store16, h::store16_imm, h::store16_add, h::store16_imm_add], 2, memarg.offset)
            }
            O::MemorySize { .. } => {
                self.emit_producer(h::memory_size, 0, 0);
                self.memory_size_at = Some(self.ops.len() - 1);
            }
            O::MemoryGrow { .. } => self.un(h::memory_grow),
            O::MemoryFill { .. } => {
                let n = self.pop_slot();
                let val = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(op(h::memory_fill, dst, val, n as u64));
            }
            O::MemoryCopy { .. } => {
                let n = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(op(h::memory_copy, dst, src, n as u64));
            }
            O::MemoryInit { data_index, .. } => {
                let n = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(op(h::memory_init, dst, src, n as u64 | (data_index as u64) << 32));
            }
            O::DataDrop { data_index } => {
                self.emit(op(h::data_drop, data_index, 0, 0));
            }
            O::TableGet { table } => {
                let i = self.pop_slot();
                self.emit_producer(h::table_get, i, table as u64);
            }
            O::TableSet { table } => {
                let v = self.pop_slot();
                let i = self.pop_slot();
                self.emit(op(h::table_set, i, v, table as u64));
            }
            O::TableSize { table } => self.emit_producer(h::table_size, 0, table as u64),
            O::TableGrow { table } => {
                let n = self.pop_slot();
                let init = self.pop_slot();
                self.emit_producer(h::table_grow, init, n as u64 | (table as u64) << 32);
            }
            O::TableFill { table } => {
                let n = self.pop_slot();
                let v = self.pop_slot();
                let i = self.pop_slot();
                self.emit(op(h::table_fill, i, v, n as u64 | (table as u64) << 32));
            }
            O::TableCopy { dst_table, src_table } => {
                let n = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(op(h::table_copy, dst, src, n as u64));
                self.emit(op(h::unreachable, dst_table, src_table, 0));
            }
            O::TableInit { elem_index, table } => {
                let n = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(op(h::table_init, dst, src, n as u64));
                self.emit(op(h::unreachable, table, elem_index, 0));
            }
            O::ElemDrop { elem_index } => {
                self.emit(op(h::elem_drop, elem_index, 0, 0));
            }
            O::RefNull { .. } => self.push(Operand::Const(0)),
            // The null reference is the cell 0.
            O::RefIsNull => self.un(h::i64_eqz),
            O::RefFunc { function_index } => self.emit_producer(h::ref_func, function_index, 0),
            O::I32Const { value } => self.push(Operand::Const(value as u32 as u64)),
            O::I64Const { value } => self.push(Operand::Const(value as u64)),
            O::F32Const { value } => self.push(Operand::Const(value.bits() as u64)),
            O::F64Const { value } => self.push(Operand::Const(value.bits())),

            O::I32Eqz => self.eqz(false),
            O::I32Eq => self.cmp(h::I32_EQ, CmpKind::Eq, false),
            O::I32Ne => self.cmp(h::I32_NE, CmpKind::Ne, false),
            O::I32LtS => self.cmp(h::I32_LT_S, CmpKind::LtS, false),
            O::I32LtU => self.cmp(h::I32_LT_U, CmpKind::LtU, false),
            O::I32GtS => self.cmp(h::I32_GT_S, CmpKind::GtS, false),
            O::I32GtU => self.cmp(h::I32_GT_U, CmpKind::GtU, false),
            O::I32LeS => self.cmp(h::I32_LE_S, CmpKind::LeS, false),
            O::I32LeU => self.cmp(h::I32_LE_U, CmpKind::LeU, false),
            O::I32GeS => self.cmp(h::I32_GE_S, CmpKind::GeS, false),
            O::I32GeU => self.cmp(h::I32_GE_U, CmpKind::GeU, false),
            O::I64Eqz => self.eqz(true),
            O::I64Eq => self.cmp(h::I64_EQ, CmpKind::Eq, true),
            O::I64Ne => self.cmp(h::I64_NE, CmpKind::Ne, true),
            O::I64LtS => self.cmp(h::I64_LT_S, CmpKind::LtS, true),
            O::I64LtU => self.cmp(h::I64_LT_U, CmpKind::LtU, true),
            O::I64GtS => self.cmp(h::I64_GT_S, CmpKind::GtS, true),
            O::I64GtU => self.cmp(h::I64_GT_U, CmpKind::GtU, true),
            O::I64LeS => self.cmp(h::I64_LE_S, CmpKind::LeS, true),
            O::I64LeU => self.cmp(h::I64_LE_U, CmpKind::LeU, true),
            O::I64GeS => self.cmp(h::I64_GE_S, CmpKind::GeS, true),
            O::I64GeU => self.cmp(h::I64_GE_U, CmpKind::GeU, true),
            O::F32Eq => self.binop(h::F32_EQ),
            O::F32Ne => self.binop(h::F32_NE),
            O::F32Lt => self.binop(h::F32_LT),
            O::F32Gt => self.binop(h::F32_GT),
            O::F32Le => self.binop(h::F32_LE),
            O::F32Ge => self.binop(h::F32_GE),
            O::F64Eq => self.binop(h::F64_EQ),
            O::F64Ne => self.binop(h::F64_NE),
            O::F64Lt => self.binop(h::F64_LT),
            O::F64Gt => self.binop(h::F64_GT),
            O::F64Le => self.binop(h::F64_LE),
            O::F64Ge => self.binop(h::F64_GE),

            O::I32Clz => self.un(h::i32_clz),
            O::I32Ctz => self.un(h::i32_ctz),
            O::I32Popcnt => self.un(h::i32_popcnt),
            O::I32Add => self.i32_add(),
            O::I32Sub => self.binop(h::I32_SUB),
            O::I32Mul => self.binop(h::I32_MUL),
            O::I32DivS => self.i32_div_rem(DivRem::DivS),
            O::I32DivU => self.i32_div_rem(DivRem::DivU),
            O::I32RemS => self.i32_div_rem(DivRem::RemS),
            O::I32RemU => self.i32_div_rem(DivRem::RemU),
            O::I32And => self.binop(h::I32_AND),
            O::I32Or => self.binop(h::I32_OR),
            O::I32Xor => self.binop(h::I32_XOR),
            O::I32Shl => self.binop(h::I32_SHL),
            O::I32ShrS => self.binop(h::I32_SHR_S),
            O::I32ShrU => self.binop(h::I32_SHR_U),
            O::I32Rotl => self.binop(h::I32_ROTL),
            O::I32Rotr => self.binop(h::I32_ROTR),
            O::I64Clz => self.un(h::i64_clz),
            O::I64Ctz => self.un(h::i64_ctz),
            O::I64Popcnt => self.un(h::i64_popcnt),
            O::I64Add => self.binop(h::I64_ADD),
            O::I64Sub => self.binop(h::I64_SUB),
            O::I64Mul => self.binop(h::I64_MUL),
            O::I64DivS => self.binop(h::I64_DIV_S),
            O::I64DivU => self.binop(h::I64_DIV_U),
            O::I64RemS => self.binop(h::I64_REM_S),
            O::I64RemU => self.binop(h::I64_REM_U),
            O::I64And => self.i64_and(),
            O::I64Or => self.binop(h::I64_OR),
            O::I64Xor => self.i64_xor(),
            O::I64Shl => self.i64_shift(h::I64_SHL, BitOp::Shl),
            O::I64ShrS => self.binop(h::I64_SHR_S),
            O::I64ShrU => self.i64_shift(h::I64_SHR_U, BitOp::ShrU),
            O::I64Rotl => self.i64_rotl(),
            O::I64Rotr => self.binop(h::I64_ROTR),

            O::F32Abs => self.un(h::f32_abs),
            O::F32Neg => self.un(h::f32_neg),
            O::F32Ceil => self.un(h::f32_ceil),
            O::F32Floor => self.un(h::f32_floor),
            O::F32Trunc => self.un(h::f32_trunc),
            O::F32Nearest => self.un(h::f32_nearest),
            O::F32Sqrt => self.un(h::f32_sqrt),
            O::F32Add => self.float_add(false),
            O::F32Sub => self.binop(h::F32_SUB),
            O::F32Mul => self.float_mul(false),
            O::F32Div => self.binop(h::F32_DIV),
            O::F32Min => self.binop(h::F32_MIN),
            O::F32Max => self.binop(h::F32_MAX),
            O::F32Copysign => self.binop(h::F32_COPYSIGN),
            O::F64Abs => self.un(h::f64_abs),
            O::F64Neg => self.un(h::f64_neg),
            O::F64Ceil => self.un(h::f64_ceil),
            O::F64Floor => self.un(h::f64_floor),
            O::F64Trunc => self.un(h::f64_trunc),
            O::F64Nearest => self.un(h::f64_nearest),
            O::F64Sqrt => self.un(h::f64_sqrt),
            O::F64Add => self.float_add(true),
            O::F64Sub => self.binop(h::F64_SUB),
            O::F64Mul => self.float_mul(true),
            O::F64Div => self.binop(h::F64_DIV),
            O::F64Min => self.binop(h::F64_MIN),
            O::F64Max => self.binop(h::F64_MAX),
            O::F64Copysign => self.binop(h::F64_COPYSIGN),

            O::I32WrapI64 => self.i32_wrap_i64(),
            O::I32TruncF32S => self.un(h::i32_trunc_f32_s),
            O::I32TruncF32U => self.un(h::i32_trunc_f32_u),
            O::I32TruncF64S => self.un(h::i32_trunc_f64_s),
            O::I32TruncF64U => self.un(h::i32_trunc_f64_u),
            // An `i32` cell is its value zero-extended: sign-extending its low half is enough.
            O::I64ExtendI32S => self.un(h::i64_extend32_s),
            O::I64TruncF32S => self.un(h::i64_trunc_f32_s),
            O::I64TruncF32U => self.un(h::i64_trunc_f32_u),
            O::I64TruncF64S => self.un(h::i64_trunc_f64_s),
            O::I64TruncF64U => self.un(h::i64_trunc_f64_u),
            O::F32ConvertI32S => self.un(h::f32_convert_i32_s),
            O::F32ConvertI32U => self.un(h::f32_convert_i32_u),
            O::F32ConvertI64S => self.un(h::f32_convert_i64_s),
            O::F32ConvertI64U => self.un(h::f32_convert_i64_u),
            O::F32DemoteF64 => self.un(h::f32_demote_f64),
            O::F64ConvertI32S => self.un(h::f64_convert_i32_s),
            O::F64ConvertI32U => self.un(h::f64_convert_i32_u),
            O::F64ConvertI64S => self.un(h::f64_convert_i64_s),
            O::F64ConvertI64U => self.un(h::f64_convert_i64_u),
            O::F64PromoteF32 => self.un(h::f64_promote_f32),
            // Cells are untyped bits: reinterpretation changes nothing, and neither does
            // zero-extension, because an i32 cell's high half is zero.
            O::I32ReinterpretF32
            | O::I64ReinterpretF64
            | O::F32ReinterpretI32
            | O::F64ReinterpretI64
            | O::I64ExtendI32U => {}
            O::I32Extend8S => self.un(h::i32_extend8_s),
            O::I32Extend16S => self.un(h::i32_extend16_s),
            O::I64Extend8S => self.un(h::i64_extend8_s),
            O::I64Extend16S => self.un(h::i64_extend16_s),
            O::I64Extend32S => self.un(h::i64_extend32_s),
            O::I32TruncSatF32S => self.un(h::i32_trunc_sat_f32_s),
            O::I32TruncSatF32U => self.un(h::i32_trunc_sat_f32_u),
            O::I32TruncSatF64S => self.un(h::i32_trunc_sat_f64_s),
            O::I32TruncSatF64U => self.un(h::i32_trunc_sat_f64_u),
            O::I64TruncSatF32S => self.un(h::i64_trunc_sat_f32_s),
            O::I64TruncSatF32U => self.un(h::i64_trunc_sat_f32_u),
            O::I64TruncSatF64S => self.un(h::i64_trunc_sat_f64_s),
            O::I64TruncSatF64U => self.un(h::i64_trunc_sat_f64_u),
            ref other => {
                // The validator admits only Tally's profile, so this is unreachable for valid
                // input; still answer with an error rather than trusting that.
                return Err(Error::UnsupportedFeature {
                    message: format!("operator {other:?} is outside Tally's profile"),
                    offset: self.offset as usize,
                });
            }
        }
        Ok(())
    }
}

/// Validation and translation of one operator, driven by the reader's decoder: the reader calls
/// `visit_*` with the decoded immediates, the validator checks the operator first, and only a
/// valid operator reaches [`FuncTranslator::translate_op`]. Decoding into an [`Operator`] and
/// dispatching on it again for validation is what this saves.
struct OpVisitor<'t, 'm, 'v> {
    tr: &'t mut FuncTranslator,
    ctx: &'t ModuleCtx<'m>,
    validator: &'v mut FuncValidator<ValidatorResources>,
    /// Binary offset of the operator being visited.
    offset: u64,
}

impl OpVisitor<'_, '_, '_> {
    /// Translates an operator the validator accepted.
    #[inline(always)]
    fn translate(&mut self, operator: Operator<'_>) -> Res {
        // `Operator`'s drop glue is an out-of-line call that LLVM does not specialize for the
        // known variant, and it would run for every operator. Only the variants below own heap
        // data; everything else is forgotten, which frees nothing because there is nothing.
        let operator = ManuallyDrop::new(operator);
        let result = self.tr.translate_op(self.ctx, &operator);
        if matches!(
            *operator,
            Operator::TypedSelectMulti { .. }
                | Operator::TryTable { .. }
                | Operator::Resume { .. }
                | Operator::ResumeThrow { .. }
                | Operator::ResumeThrowRef { .. }
        ) {
            drop(ManuallyDrop::into_inner(operator));
        }
        result
    }
}

/// The reader's view of the control frames is the validator's: both push and pop the same
/// frames, and the validator has seen every operator the reader decoded so far.
impl FrameStack for OpVisitor<'_, '_, '_> {
    fn current_frame(&self) -> Option<FrameKind> {
        self.validator.get_control_frame(0).map(|frame| frame.kind)
    }
}

/// What a `visit_*` method returns. The error is boxed so that the result fits in a register:
/// the reader moves every operator's result through its own `Result`, and errors are rare.
type VisitResult = Result<(), Box<Error>>;

/// Defines each `visit_*` method as: validate with `$validator` (the validator's plain or SIMD
/// visitor), then translate the operator rebuilt from its immediates.
macro_rules! define_fused_visit {
    ($validator:ident; $( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> VisitResult {
                if let Err(e) = self.validator.$validator(self.offset).$visit($($($arg.clone()),*)?) {
                    return Err(Box::new(e.into()));
                }
                self.translate(Operator::$op $({ $($arg),* })?).map_err(Box::new)
            }
        )*
    };
}

macro_rules! define_fused_visit_plain {
    ($($input:tt)*) => { define_fused_visit!(visitor; $($input)*); };
}

macro_rules! define_fused_visit_simd {
    ($($input:tt)*) => { define_fused_visit!(simd_visitor; $($input)*); };
}

// Immediates are cloned for the validator because a few (`br_table` targets, `try_table`
// catches) are not `Copy`; for the rest the clone is a copy.
#[allow(clippy::clone_on_copy)]
impl<'a> VisitOperator<'a> for OpVisitor<'_, '_, '_> {
    type Output = VisitResult;

    // SIMD is outside Tally's profile, but its operators are decoded and rejected by the
    // validator like any other disabled feature, so the error is the validator's.
    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = VisitResult>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_fused_visit_plain);
}

#[allow(clippy::clone_on_copy)]
impl<'a> VisitSimdOperator<'a> for OpVisitor<'_, '_, '_> {
    wasmparser::for_each_visit_simd_operator!(define_fused_visit_simd);
}
