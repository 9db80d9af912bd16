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
//! - An op reads an operand from the accumulator (its `_a` form) only when the op emitted just
//!   before it produced that slot and no label is bound between them (`FuncTranslator::acc`),
//!   so every path to the op comes from that producer. `local.set` may later move `copy` ops
//!   between the two (preserving a local); copies pass the accumulator through.
//!
//! Ops are built only through their handlers' typed constructors (`h::copy.op(DstSlot { .. })`,
//! see `exec::layout`), and read back, to fuse or retarget them, through the same layouts.
//!
//! This file holds the translator's state, the per-function driver and op emission. The rest,
//! by concern, all `impl FuncTranslator`:
//! - [`stack`]: the symbolic operand stack: operand descriptors, heights and their slots,
//!   materialization, `local.set`/`tee` and preservation;
//! - [`control`]: control frames and labels: blocks, loops, ifs, branches and their value
//!   moves, patching branch offsets when a label is bound, returns, `br_table`;
//! - [`condition`]: comparisons and `eqz` that feed a branch fuse into a compare-and-branch op;
//! - [`fusion`]: peephole fusion of the op that produced an operand into the op that consumes
//!   it (address adds into loads and stores, `i64` bit-operation chains, multiply-add), and
//!   `i32` division by constants;
//! - [`metering`]: the `tally.*` metering intrinsics as ops, and the fusions that let a branch,
//!   a call or a return pay the charge that follows it;
//! - [`decode`]: decoding each operator (the common ones inline, the rest by the reader);
//! - [`visit`]: the operator visitor: validation and translation of each operator
//!   (`translate_op`), and the plain operator forms.

mod condition;
mod control;
mod decode;
mod fusion;
mod metering;
mod stack;
mod visit;

use tally_profile::body::{Declined, FuncCheck};
use wasmparser::{BinaryReader, FunctionBody, ValidatorResources};

use self::condition::{PendingSite, Test};
use self::control::{Ctrl, CtrlKind};
use self::fusion::Fuse;
use self::metering::PaysNext;
use self::stack::Operand;
use self::visit::{BodyCheck, OpVisitor};
use super::{CompiledFunc, ModuleCtx};
use crate::exec::handlers::{self as h, CondBranch};
use crate::exec::layout::{result_slot, Copy2, Dst, DstCell, DstSlot, Slot};
use crate::exec::Op;
use crate::metering::Import;
use crate::Error;

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
    /// Binary offset of the operator being translated.
    offset: u32,
    /// Op index whose result slot `a` holds the top temporary, if it was the last op emitted
    /// (followed only by its data op, if it has one).
    producer: Option<usize>,
    /// The fusable test that produced the top temporary, if it was the last op emitted.
    last_test: Option<Test>,
    /// The fusable producer of the top temporary, if it was the last op emitted.
    last_fuse: Option<Fuse>,
    /// The slot whose value the accumulator holds when the next op emitted starts: the result
    /// slot of the last op emitted, if that op is a producer (every producer hands its result
    /// on in the accumulator, see `exec::Handler`) and no label was bound since. An op reading
    /// that slot may read the accumulator instead (its `_a` form).
    acc: Option<u32>,
    /// [`Self::acc`] before the last op was emitted, for when that op is taken back out (fused
    /// into the next one).
    acc_before_last: Option<u32>,
    /// The last op emitted, if it is a plain `copy` that a copy emitted directly after it may
    /// join (`copy2`): cleared by every other op, and by a label bound after it.
    copy_at: Option<usize>,
    /// The last op emitted, if it is a `copy2` that a plain copy emitted directly after it may
    /// follow as the third of a `copy4` (cleared like [`Self::copy_at`]).
    copy2_at: Option<usize>,
    /// The `copy2` op directly before the plain copy [`Self::copy_at`], which a copy emitted
    /// next joins into one `copy4` (cleared like [`Self::copy_at`]).
    pair_at: Option<usize>,
    /// The last op emitted, if it is a plain `konst` that a `konst` emitted directly after it may
    /// join (`konst2`; cleared like [`Self::copy_at`]).
    konst_at: Option<usize>,
    /// The last op emitted, if it is a `global.set`: its index, the global, and what it stored
    /// (for a temporary, its slot, and whether the op read it from the accumulator). A
    /// `global.get` of that global directly after it (no label between) reads the same value
    /// again, so it pushes that operand and emits nothing (see `visit.rs`).
    global_set: Option<GlobalSet>,
    /// Index of the last `memory.size` op: with the `tally.gas_len` call that follows it in a
    /// region's memory-access charge, it becomes one `memory_size_gas` op.
    memory_size_at: Option<usize>,
    /// Index of the `memory_size_gas` op just made of a region's memory-access charge, until
    /// the `drop` of its result shows that nothing reads it (see `drop_memory_charge`).
    memory_charge_at: Option<usize>,
    /// The last `tally.stack_enter`/`stack_leave` op and its index, for folding into the
    /// entry charge or the return.
    last_stack_op: Option<(usize, Import)>,
    /// The op just emitted, if a variant of it can pay a directly following `gas` op: a
    /// conditional branch (on its fallthrough) or an internal call (on the callee's return).
    pays_next_gas: Option<(usize, PaysNext)>,
    /// Branches patched to land at op index `bound_at`, which pay the charge there themselves
    /// if the op emitted at that index turns out to be a `gas` op.
    bound: Vec<(usize, &'static CondBranch)>,
    bound_at: usize,
    /// The branches that pay the charge of the `gas` op at index `paid_at` themselves (the
    /// last label charge bound), for when its memory-access charge turns out to follow it.
    paid: Vec<(usize, &'static CondBranch)>,
    paid_at: usize,
    validator_allocs: Option<wasmparser::FuncValidatorAllocations>,
    /// The profile's body validator, tried before wasmparser's (see [`Self::translate`]); it
    /// keeps what it read of the module, so [`Self::begin_module`] makes a new one.
    check: FuncCheck,
    /// Emptied `Ctrl::branches` lists, reused so that entering a block does not allocate.
    branch_lists: Vec<Vec<(usize, Option<&'static CondBranch>)>>,
    /// The targets of the `br_table` being translated (a list reused across tables).
    table_depths: Vec<u32>,
    /// A `tally.branch` call taken out for the `br_if` or `if` expected next.
    pending_site: Option<PendingSite>,
    /// Ops of the module's functions translated before this one (for the bound on sites).
    module_ops: u64,
    /// The words of branch-site bits the module's site ops index so far.
    site_words: u32,
}

impl core::fmt::Debug for FuncTranslator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FuncTranslator").field("ops_capacity", &self.ops.capacity()).finish_non_exhaustive()
    }
}

/// Largest op buffer a translator keeps when it goes back to the engine's pool (1.5 MiB of ops).
const MAX_POOLED_OPS: usize = 1 << 16;

/// Largest function code (in ops) copied out of the translator's buffers rather than handed
/// over with them (see the end of `translate_with`).
const COPY_OUT_OPS: usize = 512;

type Res<T = ()> = Result<T, Error>;

impl FuncTranslator {
    /// Whether the buffers are small enough to keep for the next compilation: one huge function
    /// should not pin its memory in the engine.
    pub(crate) fn worth_pooling(&self) -> bool {
        self.ops.capacity() <= MAX_POOLED_OPS
            && self.stack.capacity() <= MAX_POOLED_OPS
            && self.table_depths.capacity() <= MAX_POOLED_OPS
    }

    /// Starts a module: no ops or sites yet.
    pub(crate) fn begin_module(&mut self) {
        self.module_ops = 0;
        self.site_words = 0;
        self.check = FuncCheck::new();
    }

    /// The words of branch-site bits the module's code indexes (`ModuleInner::site_words`).
    pub(crate) fn site_words(&self) -> u32 {
        self.site_words
    }

    /// Validates (with `to_validate`, when given) and translates one function body. Without a
    /// validator the body must be valid: see [`crate::Module::new_prevalidated`].
    ///
    /// A body is validated by the profile's own validator first ([`BodyCheck::Fast`]); if it
    /// declines anything, or the translation fails in any other way, the body is translated again
    /// from its start with wasmparser's, whose verdict and error stand. Both give the same code:
    /// translation reads only the operators. A body can therefore cost two translations, never
    /// more; a node's metered load does not come here (it translates the injector's output with
    /// `Module::new_prevalidated`, `host-env/src/code.rs`).
    pub(crate) fn translate(
        &mut self,
        ctx: &ModuleCtx<'_>,
        func_index: u32,
        body: &FunctionBody<'_>,
        to_validate: Option<wasmparser::FuncToValidate<ValidatorResources>>,
    ) -> Res<CompiledFunc> {
        let Some(to_validate) = to_validate else {
            return self.translate_with(ctx, func_index, body, BodyCheck::Trusted);
        };
        let site_words = self.site_words;
        let mut check = std::mem::take(&mut self.check);
        let fast = match check.start(&to_validate.resources, to_validate.ty, to_validate.features) {
            Ok(()) => {
                self.translate_with(ctx, func_index, body, BodyCheck::Fast(&mut check, &to_validate.resources)).ok()
            }
            Err(Declined) => None,
        };
        self.check = check;
        if let Some(func) = fast {
            return Ok(func);
        }
        self.site_words = site_words;
        let allocs = self.validator_allocs.take().unwrap_or_default();
        let mut validator = to_validate.into_validator(allocs);
        let result = self.translate_with(ctx, func_index, body, BodyCheck::Full(&mut validator));
        self.validator_allocs = Some(validator.into_allocations());
        result
    }

    fn translate_with(
        &mut self,
        ctx: &ModuleCtx<'_>,
        func_index: u32,
        body: &FunctionBody<'_>,
        mut check: BodyCheck<'_>,
    ) -> Res<CompiledFunc> {
        let config = ctx.config;
        let range = body.range();
        let size = (range.end - range.start) as usize;
        let start = range.start as usize;
        if size > config.max_function_size as usize {
            return Err(Error::limit_in(
                func_index,
                format!("the body has {size} bytes, over the limit of {}", config.max_function_size),
                start,
            ));
        }
        let ty = ctx.func_type(func_index);
        let params = ty.params().len() as u32;
        let results = ty.results().len() as u32;
        let mut extra_locals: u32 = 0;
        let ops_start = tally_profile::locals::read_locals(body, |offset, count, vt| {
            extra_locals = extra_locals.checked_add(count).filter(|n| *n <= config.max_locals).ok_or_else(|| {
                Error::limit_in(func_index, format!("declares more than {} locals", config.max_locals), offset as usize)
            })?;
            check.define_locals(offset, count, vt)
        })?;

        // The code is built in buffers of its own, handed to the function at the end (below):
        // room for most bodies (rustc's output has 0.2 ops a byte, at most about 0.5), grown
        // in the rare case it is short, and for a huge body as it fills.
        let room = (size / 2 + 8).min(MAX_POOLED_OPS);
        self.ops.clear();
        self.ops.reserve(room);
        self.offsets.clear();
        self.offsets.reserve(room);
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
        self.acc = None;
        self.acc_before_last = None;
        self.forget_copies();
        self.global_set = None;
        self.memory_size_at = None;
        self.memory_charge_at = None;
        self.last_stack_op = None;
        self.pays_next_gas = None;
        self.pending_site = None;
        self.bound.clear();
        self.paid.clear();
        self.paid_at = usize::MAX;
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

        // Each operator is decoded once, by `decode::Decoder::visit_all` or the reader it hands the rarer
        // ones to, into the fused visitor's `visit_*` method, which validates and then
        // translates it. The reader's structural checks (`else` only in an `if`, nothing after
        // the final `end`) consult the validator's control frames.
        // How operators decode (memargs, memory indices) depends on the reader's features.
        let ops = body.as_bytes().get((ops_start - range.start) as usize..).unwrap_or_default();
        let mut reader = BinaryReader::new_features(ops, ops_start, super::features(config));
        let mut visitor = OpVisitor { tr: self, ctx, check };
        decode::Decoder::new(&reader).visit_all(&mut reader, &mut visitor)?;
        reader.finish_expression(&visitor)?;

        // Spare cells let calls zero small local sets without a length-dependent loop.
        let frame_cells = self.locals as u64 + self.max_height as u64 + u64::from(crate::exec::SMALL_LOCALS);
        if frame_cells > config.max_stack_cells as u64 {
            return Err(Error::limit_in(
                func_index,
                format!("needs a frame of {frame_cells} cells, over the stack limit of {}", config.max_stack_cells),
                start,
            ));
        }
        self.module_ops += self.ops.len() as u64;
        // A small body's code is copied out, and the buffers kept for the next body: cheaper
        // than shrinking them and allocating the next body's (about 600 instructions a body on
        // a contract's 48 small ones). A larger body's buffers are handed over, shrunk to fit
        // (in place): copying every op out cost 3 % of translating a large module.
        let (code, offsets) = if self.ops.len() <= COPY_OUT_OPS {
            (Box::from(&self.ops[..]), Box::from(&self.offsets[..]))
        } else {
            (std::mem::take(&mut self.ops).into_boxed_slice(), std::mem::take(&mut self.offsets).into_boxed_slice())
        };
        Ok(CompiledFunc {
            code,
            offsets,
            params,
            locals: extra_locals,
            frame_cells: frame_cells as u32,
            index: func_index,
        })
    }

    /// Appends an op. What the translator remembers about the last op emitted goes stale here
    /// without being cleared: every such record but [`Self::producer`] holds the index of its
    /// op and is used only while that op is the last one (`at + 1 == ops.len()`), and
    /// [`Self::last_test`] and [`Self::last_fuse`] only together with a producer, which this
    /// clears (a producer sets all three). Clearing them all cost a store each on every op;
    /// [`Self::unemit_last`], which makes an earlier op the last again, clears them instead.
    #[inline(always)]
    fn emit(&mut self, o: Op) -> usize {
        self.ops.push(o);
        self.offsets.push(self.offset);
        self.producer = None;
        self.acc_before_last = self.acc.take();
        self.ops.len() - 1
    }

    /// Emits the branch census's mark for the branch op emitted next (`crate::census`).
    #[cfg(feature = "branch-census")]
    fn census_site(&mut self, kind: crate::census::Kind, inverted: bool) {
        use crate::exec::layout::{Stack, StackUnits};
        self.emit(h::census_site.op(StackUnits { units: Stack(kind.code(inverted)) }));
    }

    /// Emits `copy dst <- src`. Directly after another plain copy (no label between) the two
    /// become one `copy2` op, as if both had been emitted: copies never trap, and no branch lands
    /// between them; and a `copy2` with two plain copies directly after it becomes one `copy4`
    /// (and its data op). A copy that reads what the copy just before it wrote (`local.set
    /// (local.tee (local.get))`) reads that copy's source instead, the same value (nothing ran
    /// between them): the op's loads then need not wait for its own stores.
    fn emit_copy(&mut self, dst: u32, mut src: u32) {
        let (copy_at, copy2_at, pair_at) = (self.copy_at.take(), self.copy2_at.take(), self.pair_at.take());
        let len = self.ops.len();
        if let Some(at) = copy_at.filter(|&at| at + 1 == len) {
            let prev = h::copy.operands(&self.ops[at]);
            if src == prev.dst.0 {
                src = prev.src.0;
            }
            let both = Copy2 { dst: prev.dst, src: prev.src, dst2: Dst(dst), src2: Slot(src) };
            if let Some(p) = pair_at.filter(|&p| p + 1 == at) {
                // `copy2` at `p`, the copy at `at`, this one: `copy4` and its data op.
                h::copy4.replace(&mut self.ops[p], h::copy2);
                self.ops[at] = h::copy4.data(both);
            } else {
                self.ops[at] = h::copy2.op(both);
                self.copy2_at = Some(at);
            }
            self.producer = None;
            self.last_test = None;
            self.last_fuse = None;
            self.last_stack_op = None;
            self.pays_next_gas = None;
            self.global_set = None;
            self.acc_before_last = self.acc.take();
            return;
        }
        if let Some(p) = copy2_at.filter(|&p| p + 1 == len) {
            // Directly after a `copy2`: a copy after this one makes the three a `copy4`.
            let pair = h::copy2.operands(&self.ops[p]);
            if src == pair.dst2.0 {
                src = pair.src2.0;
            }
            self.pair_at = Some(p);
        }
        let at = self.emit(h::copy.op(DstSlot { dst: Dst(dst), src: Slot(src) }));
        self.copy_at = Some(at);
    }

    /// Forgets the copies and the constant a copy or constant emitted next could join: another
    /// op or a label follows them.
    fn forget_copies(&mut self) {
        self.copy_at = None;
        self.copy2_at = None;
        self.pair_at = None;
        self.konst_at = None;
    }

    /// Emits `konst dst <- c`. Directly after another plain `konst` (no label between) the two
    /// become one `konst2` op and its data op, as if both had been emitted: constants never trap,
    /// and no branch lands between them.
    #[inline]
    pub(super) fn emit_konst(&mut self, dst: u32, c: u64) {
        let konst = DstCell { dst: Dst(dst), value: crate::exec::layout::Cell(c) };
        if let Some(at) = self.konst_at.take().filter(|&at| at + 1 == self.ops.len()) {
            h::konst2.replace(&mut self.ops[at], h::konst);
            self.emit(h::konst2.data(konst));
            return;
        }
        let at = self.emit(h::konst.op(konst));
        self.konst_at = Some(at);
    }

    /// The slot of the temporary pushed next: the result slot of an op emitted with
    /// [`Self::emit_producer`].
    #[inline(always)]
    fn next_temp(&self) -> Dst {
        Dst(self.temp_slot(self.height()))
    }

    /// Emits `op`, which writes its result to a fresh temporary pushed on the stack (its result
    /// slot is [`Self::next_temp`]) and hands it on in the accumulator.
    #[inline(always)]
    fn emit_producer(&mut self, op: Op) {
        let dst = self.push_temp();
        debug_assert_eq!(result_slot(&op), dst, "a producer writes the temporary pushed for it");
        self.emit_produced(op);
    }

    /// [`Self::emit_producer`] for a result whose temporary the caller has put on the stack
    /// already (an operator that replaces its operands with its result in place).
    #[inline(always)]
    fn emit_produced(&mut self, op: Op) {
        let dst = result_slot(&op);
        let i = self.emit(op);
        self.producer = Some(i);
        self.last_test = None;
        self.last_fuse = None;
        self.acc = Some(dst);
    }

    /// Like [`Self::emit_producer`], for an op followed by a data op (`(op, data)`).
    fn emit_producer_with_data(&mut self, (op, data): (Op, Op)) {
        let dst = self.push_temp();
        debug_assert_eq!(result_slot(&op), dst, "a producer writes the temporary pushed for it");
        let i = self.emit(op);
        self.emit(data);
        self.producer = Some(i);
        self.last_test = None;
        self.last_fuse = None;
        self.acc = Some(dst);
    }

    /// Takes the last op emitted back out, to fuse it into the next one: the accumulator is
    /// again what it was before that op.
    fn unemit_last(&mut self) {
        self.ops.pop();
        self.offsets.pop();
        // The records of the ops before it are stale (see `emit`), but their checks would pass
        // again now that one of those ops is the last one.
        self.forget_copies();
        self.last_stack_op = None;
        self.pays_next_gas = None;
        self.global_set = None;
        self.memory_charge_at = None;
        self.acc = self.acc_before_last.take();
    }

    /// Whether the accumulator holds `slot` when the next op starts: the next op may read its
    /// operand `slot` from the accumulator (its `_a` form) instead of from the slot.
    fn holds(&self, slot: u32) -> bool {
        self.acc == Some(slot)
    }

    /// Forgets fusion candidates and what the accumulator holds: a label or merge point follows.
    fn barrier(&mut self) {
        self.producer = None;
        self.last_test = None;
        self.last_fuse = None;
        self.forget_copies();
        self.global_set = None;
        self.acc = None;
    }
}

/// A `global.set` just emitted (`FuncTranslator::global_set`).
#[derive(Clone, Copy, Debug)]
pub(super) struct GlobalSet {
    /// Index of the op.
    at: usize,
    /// The global written.
    global: u32,
    /// The operand stored: a local, a constant, or `Temp` for the temporary in `slot`.
    value: Operand,
    /// The slot read, for `Temp`.
    slot: u32,
    /// Whether the op read the value from the accumulator (and so passed it through).
    from_acc: bool,
}
