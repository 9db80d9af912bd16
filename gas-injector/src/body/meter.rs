//! The metering state machine: what one function body costs, region by region, and how large
//! its frame is.
//!
//! [`Body`] is told each operator after the validator has accepted it (by `decode`) and keeps
//! the state the charging rule of `SPEC.md` needs: the open region and its cost so far, its
//! loads and stores (for the memory-access charge, per page), whether the code is live, the
//! control frames (which ones a forward branch targets, where an `else` or `end` starts a new
//! region), and the shadow operand stack. What it decides is recorded as [`Edits`] for
//! `assemble`: a region's charges when the region opens (their values once it closes), length
//! charges before size-dependent operators, stack releases before `return`, branch charges
//! before each live `br_if` and `if` (numbered over the whole module, [`Scratch::sites`]), and
//! every `call` and `ref.func` with its index shifted.
//!
//! With the default schedule every value type has the same stack size, so the shadow operand
//! stack is just the validator's operand-stack height ([`Shadow`]); other schedules track each
//! value's size.

use tally_profile::metering::FUNC_SHIFT;
use wasmparser::{BinaryReader, BlockType, BrTable, ValType};

use super::assemble::{Edits, What};
use super::ctx::{uniform_size, ModuleCtx};
use super::validate::Validate;
use crate::error::{internal, InjectError};
use crate::ops::OpKind;

/// Buffers reused from one function body to the next, so that a module's bodies cost no
/// allocations once the largest one has been seen.
#[derive(Default)]
pub(crate) struct Scratch {
    edits: Edits,
    ctrl: Vec<Ctrl>,
    sizes: Vec<u32>,
    /// The number of the module's next branch site: the live `br_if` and `if` of the bodies
    /// scanned so far, counted only when the schedule charges changes of direction.
    sites: u32,
}

impl Scratch {
    /// Buffers sized for bodies of up to `max_body` bytes, so that scanning them seldom grows
    /// one: about one edit per four bytes of code (a region, call or release takes a few
    /// operators), and a few dozen control frames.
    pub(crate) fn for_bodies(max_body: usize) -> Self {
        let mut scratch = Self::default();
        scratch.edits.reserve(max_body / 4 + 16);
        scratch.ctrl.reserve((max_body / 2).min(64));
        scratch
    }

    /// The edits of the last body [`Body::finish`] returned here.
    pub(super) fn edits(&self) -> &Edits {
        &self.edits
    }

    /// The number the next branch site gets: the module driver reads it before a body and puts
    /// it back when it scans that body again from its start (after the profile's validator
    /// declined it), so that both scans number the body's sites alike.
    pub(crate) fn sites(&self) -> u32 {
        self.sites
    }

    /// Sets the number the next branch site gets (see [`Scratch::sites`]).
    pub(crate) fn set_sites(&mut self, sites: u32) {
        self.sites = sites;
    }
}

/// The kind of a control frame.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    /// An `if` frame after its `else`.
    Else,
}

/// A control frame, as metering sees it.
struct Ctrl {
    kind: Kind,
    /// Opened in live code (frames opened in dead code are dead throughout).
    live: bool,
    /// A live `br`/`br_if`/`br_table` inside targets this frame's end.
    targeted: bool,
    /// Shadow operand-stack height below the frame's parameters.
    base: usize,
}

/// The open region: where its charge goes and what it costs so far.
struct Region {
    /// The handle of its charges in the [`Edits`] (its charge, and its memory-access charge when
    /// the schedule prices memory accesses by page).
    charges: usize,
    cost: u64,
    /// Its loads and stores times the per-page access cost.
    pages_unit: u64,
    /// Its loads and stores times the per-page access cost above the threshold.
    above_unit: u64,
    is_loop: bool,
}

/// The shadow operand stack: the stack size (in stack units) of the values on the validator's
/// operand stack, followed in live code.
struct Shadow {
    /// The size of every value type, when they are all the same (the default schedule). Then
    /// the shadow stack is the validator's operand stack (its total size is always
    /// `size × height`), and only its largest height is tracked.
    uniform: Option<u32>,
    /// Number of values (without `uniform`).
    height: usize,
    /// Largest `height` seen (with `uniform`).
    max_height: usize,
    /// Size of each value, bottom first (without `uniform`).
    sizes: Vec<u32>,
    /// Total size of the values (without `uniform`).
    sum: u64,
    /// Largest `sum` seen (without `uniform`).
    max_sum: u64,
}

impl Shadow {
    /// The largest total size of the operand stack seen.
    fn max(&self) -> u64 {
        match self.uniform {
            Some(s) => u64::from(s).saturating_mul(self.max_height as u64),
            None => self.max_sum,
        }
    }
}

/// The metering state of one function body (see the module documentation).
pub(super) struct Body<'a, 'v, V> {
    ctx: &'a ModuleCtx<'a>,
    /// The function's validator: the decoder validates each operator with it before metering
    /// it, and the meter reads the operand stack's height and types from it.
    pub(super) v: &'v mut V,
    func: u32,
    /// The body's bytes, locals included.
    pub(super) bytes: &'a [u8],
    /// Offset of `bytes` in the module.
    pub(super) base: usize,
    edits: Edits,
    region: Option<Region>,
    /// Handle of a region opened by the current operator: its charges go just after the
    /// operator, whose end is known only once the decoder returns.
    pending: Option<usize>,
    live: bool,
    ctrl: Vec<Ctrl>,
    shadow: Shadow,
    /// The number of the next branch site (see [`Scratch::sites`]).
    sites: u32,
    /// Offset in the module of the operator being processed.
    pub(super) offset: usize,
}

impl<'a, 'v, V: Validate> Body<'a, 'v, V> {
    /// Starts metering the body `bytes` (at offset `base` in the module) of function `func`,
    /// whose operators start at module offset `ops_start`: its first region opens there. The
    /// buffers come from `scratch`; [`Body::finish`] gives them back.
    pub(super) fn new(
        ctx: &'a ModuleCtx<'a>,
        scratch: &mut Scratch,
        func: u32,
        v: &'v mut V,
        bytes: &'a [u8],
        base: usize,
        ops_start: usize,
    ) -> Self {
        let uniform = uniform_size(&ctx.schedule.stack);
        let mut ctrl = std::mem::take(&mut scratch.ctrl);
        ctrl.clear();
        ctrl.push(Ctrl { kind: Kind::Func, live: true, targeted: false, base: 0 });
        let mut edits = std::mem::take(&mut scratch.edits);
        edits.clear();
        let mut sizes = std::mem::take(&mut scratch.sizes);
        sizes.clear();
        let mut b = Body {
            ctx,
            v,
            func,
            bytes,
            base,
            edits,
            region: None,
            pending: None,
            live: true,
            ctrl,
            shadow: Shadow { uniform, height: 0, max_height: 0, sizes, sum: 0, max_sum: 0 },
            sites: scratch.sites,
            offset: ops_start,
        };
        b.open_at(ops_start.wrapping_sub(base), false);
        b
    }
}

impl<V: Validate> Body<'_, '_, V> {
    /// Charges the function's `n_locals` declared locals to its first region.
    pub(super) fn charge_locals(&mut self, n_locals: u64) -> Result<(), InjectError> {
        let cost = n_locals.checked_mul(self.ctx.schedule.per_local).ok_or_else(|| self.overflow())?;
        self.add(cost)
    }

    /// Ends the scan, after the body's final `end`: returns the largest size the operand stack
    /// reached (in stack units), and gives the buffers back to `scratch`, where the edits stay
    /// for `assemble` ([`Scratch::edits`]).
    pub(super) fn finish(self, scratch: &mut Scratch) -> Result<u64, InjectError> {
        if !self.ctrl.is_empty() {
            return Err(internal("control frames left at the end of the body"));
        }
        let operand_stack = self.shadow.max();
        scratch.edits = self.edits;
        scratch.ctrl = self.ctrl;
        scratch.sizes = self.shadow.sizes;
        scratch.sites = self.sites;
        Ok(operand_stack)
    }

    /// Places the charge of a region opened by the operator just decoded: right after it
    /// (`end`: where that operator ends in `bytes`).
    #[inline(always)]
    pub(super) fn fix_pending(&mut self, end: usize) {
        if let Some(region) = self.pending.take() {
            self.edits.move_region(region, end);
        }
    }

    #[cold]
    #[inline(never)]
    fn overflow(&self) -> InjectError {
        InjectError::CostOverflow { func: self.func, offset: self.offset }
    }

    /// Offset of the current operator in `bytes`.
    fn pos(&self) -> usize {
        self.offset.wrapping_sub(self.base)
    }

    /// Starts a region whose charge goes before the input byte at `pos`.
    fn open_at(&mut self, pos: usize, is_loop: bool) {
        let d = &self.ctx.schedule.dynamic;
        let above = (d.memory_access_per_page_above > 0).then_some(d.memory_access_threshold_pages);
        let charges = self.edits.open_region(pos, d.memory_access_per_page > 0, above);
        self.region = Some(Region { charges, cost: 0, pages_unit: 0, above_unit: 0, is_loop });
    }

    /// Starts a region just after the current operator.
    fn open(&mut self, is_loop: bool) {
        self.open_at(usize::MAX, is_loop);
        self.pending = self.region.as_ref().map(|r| r.charges);
    }

    /// Ends the open region, fixing its charges; a loop body's charge is at least 1.
    fn close(&mut self) {
        if let Some(r) = self.region.take() {
            let cost = if r.is_loop { r.cost.max(1) } else { r.cost };
            self.edits.close_region(r.charges, cost, r.pages_unit, r.above_unit);
        }
    }

    /// Counts a load or store of the open region.
    #[inline(always)]
    fn access(&mut self) -> Result<(), InjectError> {
        let d = &self.ctx.schedule.dynamic;
        let (per_page, above) = (d.memory_access_per_page, d.memory_access_per_page_above);
        match &mut self.region {
            Some(r) => match (r.pages_unit.checked_add(per_page), r.above_unit.checked_add(above)) {
                (Some(u), Some(a)) => {
                    r.pages_unit = u;
                    r.above_unit = a;
                    Ok(())
                }
                _ => Err(self.overflow()),
            },
            None => Err(internal("no open region in live code")),
        }
    }

    #[inline(always)]
    fn add(&mut self, cost: u64) -> Result<(), InjectError> {
        match &mut self.region {
            Some(r) => match r.cost.checked_add(cost) {
                Some(c) => {
                    r.cost = c;
                    Ok(())
                }
                None => Err(self.overflow()),
            },
            None => Err(internal("no open region in live code")),
        }
    }

    /// The operator's cost; fails when the schedule forbids it (in live and dead code alike).
    #[inline(always)]
    fn cost(&self, kind: OpKind) -> Result<u64, InjectError> {
        match self.ctx.ops.get(kind.index()) {
            Some(info) if info.allowed => Ok(info.cost),
            _ => Err(self.forbidden(kind)),
        }
    }

    #[cold]
    #[inline(never)]
    fn forbidden(&self, kind: OpKind) -> InjectError {
        InjectError::Forbidden { func: self.func, op: kind, offset: self.offset }
    }

    /// Records the current operator (`call` or `ref.func`) for re-encoding with its function
    /// index shifted.
    /// `end`: where the operator ends in `bytes`, when the decoder knows it.
    fn shift_index(&mut self, what: What, index: u32, end: Option<usize>) -> Result<(), InjectError> {
        let shifted = index.checked_add(FUNC_SHIFT).ok_or_else(|| internal("function index overflow"))?;
        let pos = self.pos();
        let end = match end {
            Some(end) => end,
            None => {
                // The input's LEB128 may be padded: find where it ends by reading it again.
                let rest =
                    self.bytes.get(pos.wrapping_add(1)..).ok_or_else(|| internal("operator outside its body"))?;
                let mut r = BinaryReader::new_features(rest, 0, tally_profile::features());
                r.read_var_u32()?;
                pos + 1 + r.current_position()
            }
        };
        self.edits.shifted_index(what, pos, end, shifted);
        Ok(())
    }

    /// Marks the frame `depth` labels out as the target of a forward branch (loops are targeted
    /// backwards, which starts no region).
    fn target(&mut self, depth: u32) {
        let i = self.ctrl.len().checked_sub(1 + depth as usize);
        if let Some(frame) = i.and_then(|i| self.ctrl.get_mut(i)) {
            if frame.kind != Kind::Loop {
                frame.targeted = true;
            }
        }
    }

    fn block_params(&self, bt: BlockType) -> usize {
        match bt {
            BlockType::Empty | BlockType::Type(_) => 0,
            BlockType::FuncType(i) => {
                self.ctx.types.get(i as usize).and_then(|t| t.func).map_or(0, |f| f.params().len())
            }
        }
    }

    /// Opens a frame in live code whose parameters are the validator's top `params` values.
    fn push_frame(&mut self, kind: Kind, params: usize) -> Result<(), InjectError> {
        // After `block`, `loop` and `if` (its condition popped), the validator's operand stack
        // is the shadow stack.
        let height = self.v.operand_stack_height() as usize;
        let base = height.checked_sub(params).ok_or_else(|| internal("shadow stack underflow"))?;
        self.ctrl.push(Ctrl { kind, live: self.live, targeted: false, base });
        Ok(())
    }

    fn size(&self, ty: Option<ValType>) -> Result<u32, InjectError> {
        let stack = &self.ctx.schedule.stack;
        match ty {
            Some(ty) => stack.size_of(ty).ok_or(InjectError::UnsupportedType { func: self.func, offset: self.offset }),
            None => Ok(stack.max_value_size()),
        }
    }

    /// Pops `n` values off the shadow stack (only tracked when sizes differ).
    #[inline(always)]
    fn pop(&mut self, n: usize) -> Result<(), InjectError> {
        match self.shadow.uniform {
            Some(_) => Ok(()),
            None => self.pop_sized(n),
        }
    }

    /// [`Body::pop`] for values of different sizes.
    #[inline(never)]
    fn pop_sized(&mut self, n: usize) -> Result<(), InjectError> {
        let height = self.shadow.height.checked_sub(n).ok_or_else(|| internal("shadow stack underflow"))?;
        for _ in 0..n {
            let s = self.shadow.sizes.pop().ok_or_else(|| internal("shadow stack underflow"))?;
            self.shadow.sum -= u64::from(s);
        }
        self.shadow.height = height;
        Ok(())
    }

    /// Pops `pops` values, then mirrors the validator's new top values.
    #[inline(always)]
    fn apply(&mut self, pops: usize) -> Result<(), InjectError> {
        match self.shadow.uniform {
            // Every value has the same size: the shadow stack is the validator's height, and
            // only its maximum matters.
            Some(_) => {
                let h = self.v.operand_stack_height() as usize;
                self.shadow.max_height = self.shadow.max_height.max(h);
                Ok(())
            }
            None => self.apply_sized(pops),
        }
    }

    /// [`Body::apply`] for values of different sizes: pushes the sizes of the validator's new
    /// top values; checks the heights agree.
    #[inline(never)]
    fn apply_sized(&mut self, pops: usize) -> Result<(), InjectError> {
        self.pop_sized(pops)?;
        let h = self.v.operand_stack_height() as usize;
        let pushes = h.checked_sub(self.shadow.height).ok_or_else(|| internal("arity mismatch with the validator"))?;
        for depth in (0..pushes).rev() {
            let ty = self.v.operand_type(depth).ok_or_else(|| internal("validator stack underflow"))?;
            let s = self.size(ty)?;
            self.shadow.sizes.push(s);
            self.shadow.sum += u64::from(s);
        }
        self.shadow.height = h;
        self.shadow.max_sum = self.shadow.max_sum.max(self.shadow.sum);
        Ok(())
    }

    /// Resets the shadow stack to `base` plus whatever the validator has above it (after `else`
    /// and `end`).
    fn resync(&mut self, base: usize) -> Result<(), InjectError> {
        if self.shadow.uniform.is_none() {
            let n = self.shadow.height.saturating_sub(base);
            self.pop_sized(n)?;
        }
        self.apply(0)
    }

    fn func_arity(&self, type_index: u32) -> Result<(usize, usize), InjectError> {
        self.ctx
            .types
            .get(type_index as usize)
            .and_then(|t| t.func)
            .map(|f| (f.params().len(), f.results().len()))
            .ok_or_else(|| internal("call to an unknown type"))
    }

    /// A call's static cost: the operator's `cost` plus `call_per_param` for each parameter of
    /// the callee's type (each argument is copied into the callee's frame).
    fn with_params(&self, cost: u64, params: usize) -> Result<u64, InjectError> {
        u64::try_from(params)
            .ok()
            .and_then(|p| p.checked_mul(self.ctx.schedule.call_per_param))
            .and_then(|p| p.checked_add(cost))
            .ok_or_else(|| self.overflow())
    }

    /// Opens a frame in dead code (never live, so its shadow base is irrelevant).
    fn dead_frame(&mut self, kind: Kind) {
        self.ctrl.push(Ctrl { kind, live: false, targeted: false, base: 0 });
    }

    /// Any operator of the profile that neither branches, calls nor names a function: it joins
    /// the open region, gets a length charge when it is size-dependent, and has a fixed arity.
    #[inline(never)]
    pub(super) fn plain(&mut self, kind: OpKind) -> Result<(), InjectError> {
        self.plain_inline(kind)
    }

    /// [`Body::plain`], inlined into the decoder's one shared copy: the operators that only
    /// join the region and may raise the stack's largest height take one test of the table's
    /// [`slow`](super::ctx::OpInfo) flag; the rest go to [`Body::plain_slow`].
    #[inline(always)]
    pub(super) fn plain_inline(&mut self, kind: OpKind) -> Result<(), InjectError> {
        let info = match self.ctx.ops.get(kind.index()) {
            Some(info) if !info.slow => info,
            _ => return self.plain_slow(kind),
        };
        if !self.live {
            return Ok(());
        }
        self.add(info.cost)?;
        // Not slow: the value sizes are uniform, so only the largest height matters.
        if info.grows {
            let h = self.v.operand_stack_height() as usize;
            self.shadow.max_height = self.shadow.max_height.max(h);
        }
        Ok(())
    }

    /// [`Body::plain`] for a forbidden, size-dependent or memory-accessing operator, one
    /// without a fixed arity, or any operator when value sizes differ.
    #[inline(never)]
    fn plain_slow(&mut self, kind: OpKind) -> Result<(), InjectError> {
        let ctx = self.ctx;
        let info = match ctx.ops.get(kind.index()) {
            Some(info) if info.allowed => info,
            _ => return Err(self.forbidden(kind)),
        };
        if !self.live {
            return Ok(());
        }
        self.add(info.cost)?;
        if info.unit > 0 {
            self.length_charge(info.unit);
        }
        if info.access {
            self.access()?;
        }
        if !info.fixed {
            return Err(internal("operator without a fixed arity"));
        }
        // With uniform sizes only the largest height matters, and an operator that does not grow
        // the stack cannot raise it.
        if info.grows || self.shadow.uniform.is_none() {
            self.apply(usize::from(info.pops))?;
        }
        Ok(())
    }

    /// Records a length charge of `unit` per unit before the current operator.
    #[inline(never)]
    fn length_charge(&mut self, unit: u64) {
        self.edits.length_charge(self.pos(), unit);
    }

    /// Makes the current operator, a live `br_if` or `if`, the module's next branch site: records
    /// its branch charge when the schedule prices changes of direction (else nothing, and the
    /// site is not counted). Called before the operator opens a region after itself, so that
    /// the edits stay in input order.
    #[inline]
    fn branch_site(&mut self) -> Result<(), InjectError> {
        let cost = self.ctx.schedule.branch_change;
        if cost > 0 {
            let site = self.sites;
            self.sites = site.checked_add(1).ok_or(InjectError::TooLarge { what: "branch sites", func: None })?;
            self.edits.branch_charge(self.pos(), site, cost);
        }
        Ok(())
    }

    pub(super) fn unreachable(&mut self) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Unreachable)?;
        if self.live {
            self.add(cost)?;
            self.close();
            self.live = false;
        }
        Ok(())
    }

    pub(super) fn block(&mut self, blockty: BlockType) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Block)?;
        if !self.live {
            self.dead_frame(Kind::Block);
            return Ok(());
        }
        self.add(cost)?;
        self.push_frame(Kind::Block, self.block_params(blockty))
    }

    pub(super) fn loop_(&mut self, blockty: BlockType) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Loop)?;
        if !self.live {
            self.dead_frame(Kind::Loop);
            return Ok(());
        }
        self.close();
        self.push_frame(Kind::Loop, self.block_params(blockty))?;
        self.open(true);
        self.add(cost)
    }

    pub(super) fn if_(&mut self, blockty: BlockType) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::If)?;
        if !self.live {
            self.dead_frame(Kind::If);
            return Ok(());
        }
        self.add(cost)?;
        self.close();
        self.branch_site()?;
        self.pop(1)?;
        self.push_frame(Kind::If, self.block_params(blockty))?;
        self.open(false);
        Ok(())
    }

    pub(super) fn else_(&mut self) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Else)?;
        if self.live {
            self.add(cost)?;
            self.close();
        }
        let frame = self.ctrl.last_mut().ok_or_else(|| internal("else without a frame"))?;
        frame.kind = Kind::Else;
        let (live, base) = (frame.live, frame.base);
        // The else-arm is live when the `if` was opened in live code.
        if self.live || live {
            self.live = true;
            self.resync(base)?;
            self.open(false);
        }
        Ok(())
    }

    pub(super) fn end(&mut self) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::End)?;
        if self.live {
            self.add(cost)?;
        }
        let frame = self.ctrl.pop().ok_or_else(|| internal("end without a frame"))?;
        if self.live {
            if frame.kind == Kind::Func {
                self.close();
            } else {
                self.resync(frame.base)?;
                if matches!(frame.kind, Kind::If | Kind::Else) || frame.targeted {
                    self.close();
                    self.open(false);
                }
            }
        } else if frame.live && frame.kind != Kind::Func {
            self.live = true;
            self.resync(frame.base)?;
            self.open(false);
        }
        Ok(())
    }

    pub(super) fn br(&mut self, relative_depth: u32) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Br)?;
        if self.live {
            self.add(cost)?;
            self.target(relative_depth);
            self.close();
            self.live = false;
        }
        Ok(())
    }

    pub(super) fn br_if(&mut self, relative_depth: u32) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::BrIf)?;
        if self.live {
            self.add(cost)?;
            self.target(relative_depth);
            self.close();
            self.branch_site()?;
            self.apply(1)?;
            self.open(false);
        }
        Ok(())
    }

    pub(super) fn br_table(&mut self, targets: BrTable<'_>) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::BrTable)?;
        if self.live {
            let per = u64::from(targets.len()).checked_mul(self.ctx.schedule.br_table_per_target);
            let total = per.and_then(|p| p.checked_add(cost)).ok_or_else(|| self.overflow())?;
            self.add(total)?;
            for t in targets.targets() {
                self.target(t?);
            }
            self.target(targets.default());
            self.close();
            self.live = false;
        }
        Ok(())
    }

    pub(super) fn return_(&mut self) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Return)?;
        if self.live {
            self.add(cost)?;
            self.edits.stack_release(self.pos());
            self.close();
            self.live = false;
        }
        Ok(())
    }

    /// `end`: where the operator ends in `bytes`, when the decoder knows it.
    pub(super) fn call(&mut self, function_index: u32, end: Option<usize>) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Call)?;
        if !self.live {
            return self.shift_index(What::Call, function_index, end);
        }
        let ty = self.ctx.func_types.get(function_index as usize).copied();
        let (params, _) = self.func_arity(ty.ok_or_else(|| internal("call to an unknown function"))?)?;
        let total = self.with_params(cost, params)?;
        self.add(total)?;
        self.shift_index(What::Call, function_index, end)?;
        self.apply(params)?;
        self.close();
        self.open(false);
        Ok(())
    }

    /// `memory.grow` ends its region: every region then sees one memory size, which its
    /// memory-access charge reads at its top.
    pub(super) fn memory_grow(&mut self) -> Result<(), InjectError> {
        self.plain(OpKind::MemoryGrow)?;
        if self.live {
            self.close();
            self.open(false);
        }
        Ok(())
    }

    pub(super) fn call_indirect(&mut self, type_index: u32) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::CallIndirect)?;
        if !self.live {
            return Ok(());
        }
        let (params, _) = self.func_arity(type_index)?;
        let total = self.with_params(cost, params)?;
        self.add(total)?;
        self.apply(params + 1)?;
        self.close();
        self.open(false);
        Ok(())
    }

    pub(super) fn ref_func(&mut self, function_index: u32) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::RefFunc)?;
        if self.live {
            self.add(cost)?;
        }
        self.shift_index(What::RefFunc, function_index, None)?;
        if self.live {
            self.apply(0)?;
        }
        Ok(())
    }

    /// An operator the validator accepted although it is outside the profile: a bug.
    pub(super) fn outside(&self) -> Result<(), InjectError> {
        Err(internal("validated operator outside the profile"))
    }
}
