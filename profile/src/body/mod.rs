//! A function-body validator of the profile's own: a type stack and a control stack for the
//! operators compiled code uses, cheaper per operator than wasmparser's general one.
//!
//! # The contract
//!
//! [`FuncCheck`] either **accepts** an operator (it is valid where it stands, by the same rules
//! as wasmparser's validator under [`features`](crate::features)) or **declines** it
//! ([`Declined`]): the operator is invalid, or outside what this validator handles (see
//! below), or the body has a shape it does not follow. It never words an error. A caller that
//! gets [`Declined`] anywhere in a body must validate that body again from its start with
//! wasmparser's `FuncValidator`, which accepts it or rejects it with its own message and
//! offset. So:
//!
//! - **Acceptance is sound.** A body every operator of which (and every local declaration of
//!   which) this validator accepts, ending with the control stack empty, is accepted by
//!   wasmparser's validator with the same features and module. Where the two could disagree
//!   this one declines: it is conservative, never permissive.
//! - **Rejection is always wasmparser's.** Declining says nothing about validity; the error a
//!   user sees comes from the second pass.
//! - **The operand stack is the same.** While both accept, the operand stack's height and its
//!   known types are wasmparser's at every operator (callers such as the gas injector size
//!   frames from the height).
//!
//! # What it handles
//!
//! Every operator of WebAssembly 2.0 without SIMD except `ref.func` (whose result is a concrete
//! reference type under wasmparser's type system), the table instructions (`table.*`,
//! `elem.drop`) and multi-value `select`; value types `i32`, `i64`, `f32`, `f64`, `funcref` and
//! `externref` (locals, block types, function types, globals); one memory or none, 32-bit; tables
//! of `funcref` for `call_indirect`. Anything else declines.
//!
//! # Reuse
//!
//! It reads the module through wasmparser's [`WasmModuleResources`], which the gas injector and
//! the VM's translator both have (the validator's record of the module), and it is a
//! [`VisitOperator`](wasmparser::VisitOperator) ([`FuncCheck::visitor`]), so either can drive it
//! from its own decoder exactly where it drives wasmparser's `FuncValidator` today. It lives in
//! this crate because both depend on it and neither may depend on the other.

mod cross;
mod visit;

pub use cross::{cross_check, Tally};
pub use visit::FuncVisitor;

use std::ops::Range;

use wasmparser::{BlockType, CompositeInnerType, FrameKind, RefType, ValType, WasmFeatures, WasmModuleResources};

/// The most locals (parameters included) a function may have: wasmparser's limit.
const MAX_LOCALS: usize = 50_000;

/// The validator declined: the operator is invalid or outside what it handles. Validate the
/// body again with wasmparser's `FuncValidator` for the verdict and the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declined;

/// A value type of the profile, or the unknown type of a value popped from an unreachable
/// frame's empty stack (the spec's bottom type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Ty {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `funcref` (nullable).
    FuncRef,
    /// `externref` (nullable).
    ExternRef,
    /// Any type: a value of unreachable code whose type is not known.
    Unknown,
}

impl Ty {
    /// The profile's type for a wasmparser value type; `None` for any other (a non-nullable or
    /// concrete reference, `v128`).
    pub fn of(ty: ValType) -> Option<Ty> {
        Some(match ty {
            ValType::I32 => Ty::I32,
            ValType::I64 => Ty::I64,
            ValType::F32 => Ty::F32,
            ValType::F64 => Ty::F64,
            ValType::Ref(r) if r == RefType::FUNCREF => Ty::FuncRef,
            ValType::Ref(r) if r == RefType::EXTERNREF => Ty::ExternRef,
            _ => return None,
        })
    }

    /// The wasmparser value type; `None` for [`Ty::Unknown`].
    pub fn val_type(self) -> Option<ValType> {
        Some(match self {
            Ty::I32 => ValType::I32,
            Ty::I64 => ValType::I64,
            Ty::F32 => ValType::F32,
            Ty::F64 => ValType::F64,
            Ty::FuncRef => ValType::FUNCREF,
            Ty::ExternRef => ValType::EXTERNREF,
            Ty::Unknown => return None,
        })
    }

    fn is_float(self) -> bool {
        matches!(self, Ty::F32 | Ty::F64)
    }

    fn is_ref(self) -> bool {
        matches!(self, Ty::FuncRef | Ty::ExternRef)
    }
}

/// A block's type: what its frame takes and gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    /// `[] -> []`.
    Empty,
    /// `[] -> [t]`.
    Val(Ty),
    /// A function type of the module, by index, every value type of which is a [`Ty`] (checked
    /// when the frame is pushed).
    Func(u32),
}

/// A control frame.
#[derive(Clone, Copy, Debug)]
struct Frame {
    kind: FrameKind,
    block: Block,
    /// Operand-stack height below which the frame cannot reach.
    height: usize,
    unreachable: bool,
}

/// The state of one function body's validation (see the module documentation). Reusable from
/// one body to the next: [`FuncCheck::start`] resets it, keeping its buffers.
#[derive(Default)]
pub struct FuncCheck {
    operands: Vec<Ty>,
    frames: Vec<Frame>,
    locals: Vec<Ty>,
    /// The innermost frame's `height` and `unreachable`, kept apart for the hot path (`pop`).
    height: usize,
    unreachable: bool,
    floats: bool,
    /// Scratch for `br_table`'s operand checks.
    popped: Vec<Ty>,
    /// What this validator has read of its module, kept from body to body: each function
    /// type's parameters and results as [`Ty`]s (by type index, read on first use), whether
    /// memory 0 is one it handles.
    sigs: Vec<Sig>,
    sig_types: Vec<Ty>,
    memory0: Option<bool>,
}

/// A function type's entry in [`FuncCheck`]'s cache: where its parameters and then its
/// results are in `sig_types`.
#[derive(Clone, Copy, Default)]
struct Sig {
    start: u32,
    params: u16,
    results: u16,
    /// Not read yet (`false`), or read and a function type of the profile's value types.
    known: bool,
}

impl FuncCheck {
    /// An empty validator for the bodies of one module; [`FuncCheck::start`] it before each
    /// body. It keeps what it reads of the module (function types, memory 0) from one body to
    /// the next, so it must not be used for the bodies of another module: make a new one.
    pub fn new() -> Self {
        Self {
            operands: Vec::with_capacity(64),
            frames: Vec::with_capacity(16),
            locals: Vec::with_capacity(32),
            ..Self::default()
        }
    }

    /// Starts the body of a function of type `ty` (a type index of `resources`) validated under
    /// `features`: its parameters become its first locals, and its frame the only one. Declines
    /// unless `features` is the profile's, with or without floats ([`crate::features`],
    /// [`crate::features_without_floats`]: the rules are written for those two), and a type that
    /// is not a function type of the profile's value types. After a decline every operator
    /// declines until the next `start`.
    pub fn start<R: WasmModuleResources>(
        &mut self,
        resources: &R,
        ty: u32,
        features: WasmFeatures,
    ) -> Result<(), Declined> {
        self.operands.clear();
        self.frames.clear();
        self.locals.clear();
        self.sync_top();
        let floats = if features == crate::features() {
            true
        } else if features == crate::features_without_floats() {
            false
        } else {
            return Err(Declined);
        };
        // The cached types were read under the previous body's features.
        if floats != self.floats {
            self.sigs.clear();
            self.sig_types.clear();
            self.floats = floats;
        }
        let (params, _) = self.sig(resources, ty)?;
        self.locals.extend_from_slice(self.sig_types.get(params).ok_or(Declined)?);
        if self.locals.len() > MAX_LOCALS {
            return Err(Declined);
        }
        self.push_frame(FrameKind::Block, Block::Func(ty));
        Ok(())
    }

    /// Declares `count` more locals of type `ty`, as wasmparser's `define_locals`.
    pub fn define_locals(&mut self, count: u32, ty: ValType) -> Result<(), Declined> {
        let ty = self.ty(ty)?;
        let count = count as usize;
        if count > MAX_LOCALS.saturating_sub(self.locals.len()) {
            return Err(Declined);
        }
        self.locals.resize(self.locals.len() + count, ty);
        Ok(())
    }

    /// A visitor that validates one operator against `resources` (the module the body is
    /// in): call its `visit_*` method for the operator.
    #[inline(always)]
    pub fn visitor<'c, R: WasmModuleResources>(&'c mut self, resources: &'c R) -> FuncVisitor<'c, R> {
        FuncVisitor { check: self, resources }
    }

    /// The operand stack's height, the whole function's (as `FuncValidator`'s).
    #[inline(always)]
    pub fn operand_stack_height(&self) -> u32 {
        self.operands.len() as u32
    }

    /// The type of the operand `depth` values below the top: `None` out of range, `Some(None)`
    /// for an unknown type (as `FuncValidator::get_operand_type`).
    pub fn operand_type(&self, depth: usize) -> Option<Option<ValType>> {
        let i = self.operands.len().checked_sub(depth.checked_add(1)?)?;
        self.operands.get(i).map(|t| t.val_type())
    }

    /// The number of control frames, the function's own included (0 after its final `end`).
    #[inline(always)]
    pub fn control_stack_height(&self) -> u32 {
        self.frames.len() as u32
    }

    /// The kind of the frame `depth` frames out (0: the innermost); the function's frame is a
    /// `Block`, as wasmparser records it.
    #[inline(always)]
    pub fn frame_kind(&self, depth: usize) -> Option<FrameKind> {
        let i = self.frames.len().checked_sub(depth.checked_add(1)?)?;
        self.frames.get(i).map(|f| f.kind)
    }

    /// The profile's type for `ty` under this body's features.
    fn ty(&self, ty: ValType) -> Result<Ty, Declined> {
        match Ty::of(ty) {
            Some(t) if self.floats || !t.is_float() => Ok(t),
            _ => Err(Declined),
        }
    }

    /// The function type at `index`, plain and unshared, every value type of which is a [`Ty`]
    /// under this validator's features: where its parameters and its results are in
    /// `sig_types`. Read from `resources` on first use, then from the cache.
    #[inline]
    fn sig<R: WasmModuleResources>(
        &mut self,
        resources: &R,
        index: u32,
    ) -> Result<(Range<usize>, Range<usize>), Declined> {
        match self.sigs.get(index as usize) {
            Some(s) if s.known => {
                let (start, params) = (s.start as usize, usize::from(s.params));
                let end = start + params + usize::from(s.results);
                Ok((start..start + params, start + params..end))
            }
            _ => self.read_sig(resources, index),
        }
    }

    #[cold]
    #[inline(never)]
    fn read_sig<R: WasmModuleResources>(
        &mut self,
        resources: &R,
        index: u32,
    ) -> Result<(Range<usize>, Range<usize>), Declined> {
        let sub = resources.sub_type_at(index).ok_or(Declined)?;
        let f = match &sub.composite_type.inner {
            CompositeInnerType::Func(f) if !sub.composite_type.shared => f,
            _ => return Err(Declined),
        };
        let start = self.sig_types.len();
        for &t in f.params().iter().chain(f.results()) {
            match self.ty(t) {
                Ok(t) => self.sig_types.push(t),
                Err(d) => {
                    self.sig_types.truncate(start);
                    return Err(d);
                }
            }
        }
        let sig = Sig {
            start: u32::try_from(start).map_err(|_| Declined)?,
            params: u16::try_from(f.params().len()).map_err(|_| Declined)?,
            results: u16::try_from(f.results().len()).map_err(|_| Declined)?,
            known: true,
        };
        // The index is a type of the module (`sub_type_at` found it), so the cache is no
        // larger than the module's list of types.
        let i = index as usize;
        if self.sigs.len() <= i {
            self.sigs.resize(i + 1, Sig::default());
        }
        *self.sigs.get_mut(i).ok_or(Declined)? = sig;
        let split = start + f.params().len();
        Ok((start..split, split..self.sig_types.len()))
    }

    /// Declines once the function's frame is closed: nothing may follow its `end` (the
    /// operators that pop would decline anyway; this is for those that only push or open).
    #[inline(always)]
    fn in_body(&self) -> Result<(), Declined> {
        if self.frames.is_empty() {
            return Err(Declined);
        }
        Ok(())
    }

    #[inline(always)]
    fn push(&mut self, ty: Ty) {
        self.operands.push(ty);
    }

    /// Pops a value of type `expected` ([`Ty::Unknown`]: of any type), as wasmparser's
    /// `pop_operand`: from the innermost frame's values, or an unknown value when that frame is
    /// unreachable and has none left. Returns the value's type.
    #[inline(always)]
    fn pop(&mut self, expected: Ty) -> Result<Ty, Declined> {
        if self.operands.len() > self.height {
            let actual = self.operands.pop().ok_or(Declined)?;
            if actual == expected || actual == Ty::Unknown || expected == Ty::Unknown {
                return Ok(actual);
            }
            return Err(Declined);
        }
        if self.unreachable {
            Ok(Ty::Unknown)
        } else {
            Err(Declined)
        }
    }

    #[inline(always)]
    fn floats_allowed(&self, ty: Ty) -> Result<(), Declined> {
        if ty.is_float() && !self.floats {
            return Err(Declined);
        }
        Ok(())
    }

    /// `[from] -> [to]`.
    #[inline(always)]
    fn unary(&mut self, from: Ty, to: Ty) -> Result<(), Declined> {
        self.floats_allowed(from)?;
        self.floats_allowed(to)?;
        self.pop(from)?;
        self.push(to);
        Ok(())
    }

    /// `[from from] -> [to]`.
    #[inline(always)]
    fn binary(&mut self, from: Ty, to: Ty) -> Result<(), Declined> {
        self.floats_allowed(from)?;
        self.pop(from)?;
        self.pop(from)?;
        self.push(to);
        Ok(())
    }

    /// Pops `n` values of type `ty`.
    #[inline(always)]
    fn pop_n(&mut self, n: usize, ty: Ty) -> Result<(), Declined> {
        for _ in 0..n {
            self.pop(ty)?;
        }
        Ok(())
    }

    fn push_frame(&mut self, kind: FrameKind, block: Block) {
        let height = self.operands.len();
        self.frames.push(Frame { kind, block, height, unreachable: false });
        self.height = height;
        self.unreachable = false;
    }

    /// Makes the innermost frame's cached fields current again.
    fn sync_top(&mut self) {
        // With no frame left (after the function's `end`) nothing can be popped.
        let (height, unreachable) = self.frames.last().map_or((usize::MAX, false), |f| (f.height, f.unreachable));
        self.height = height;
        self.unreachable = unreachable;
    }

    /// The block type as a frame's [`Block`]; declines a type outside the profile's.
    fn block<R: WasmModuleResources>(&mut self, resources: &R, ty: BlockType) -> Result<Block, Declined> {
        match ty {
            BlockType::Empty => Ok(Block::Empty),
            BlockType::Type(t) => self.ty(t).map(Block::Val),
            BlockType::FuncType(i) => self.sig(resources, i).map(|_| Block::Func(i)),
        }
    }

    /// A block's parameter types (`results == false`) or result types.
    #[inline(always)]
    fn types<R: WasmModuleResources>(&mut self, resources: &R, block: Block, results: bool) -> Result<Types, Declined> {
        Ok(match block {
            Block::Empty => Types::One(None),
            Block::Val(t) => Types::One(Some(t).filter(|_| results)),
            Block::Func(i) => {
                let (params, res) = self.sig(resources, i)?;
                Types::Sig(if results { res } else { params })
            }
        })
    }

    /// The types a branch to the frame `depth` labels out carries, and that frame.
    fn label<R: WasmModuleResources>(&mut self, resources: &R, depth: u32) -> Result<Types, Declined> {
        let i = (depth as usize).checked_add(1).and_then(|d| self.frames.len().checked_sub(d)).ok_or(Declined)?;
        let frame = *self.frames.get(i).ok_or(Declined)?;
        self.types(resources, frame.block, frame.kind != FrameKind::Loop)
    }

    /// Pops `types`, last first.
    #[inline(always)]
    fn pop_types(&mut self, types: Types) -> Result<(), Declined> {
        match types {
            Types::One(None) => Ok(()),
            Types::One(Some(t)) => self.pop(t).map(|_| ()),
            Types::Sig(range) => {
                for i in range.rev() {
                    let t = *self.sig_types.get(i).ok_or(Declined)?;
                    self.pop(t)?;
                }
                Ok(())
            }
        }
    }

    /// Pushes `types`, first first.
    #[inline(always)]
    fn push_types(&mut self, types: Types) -> Result<(), Declined> {
        match types {
            Types::One(None) => {}
            Types::One(Some(t)) => self.push(t),
            Types::Sig(range) => {
                let list = self.sig_types.get(range).ok_or(Declined)?;
                self.operands.extend_from_slice(list);
            }
        }
        Ok(())
    }

    /// Opens a `block`, `loop` or `if` (its condition already popped): pops its parameters,
    /// pushes the frame, pushes the parameters back in it.
    fn open<R: WasmModuleResources>(&mut self, resources: &R, kind: FrameKind, ty: BlockType) -> Result<(), Declined> {
        let block = self.block(resources, ty)?;
        let params = self.types(resources, block, false)?;
        self.pop_types(params.clone())?;
        self.push_frame(kind, block);
        self.push_types(params)
    }

    /// Closes the innermost frame: pops its results, checks nothing else is left in it.
    fn close<R: WasmModuleResources>(&mut self, resources: &R) -> Result<Frame, Declined> {
        let frame = *self.frames.last().ok_or(Declined)?;
        let results = self.types(resources, frame.block, true)?;
        self.pop_types(results)?;
        if self.operands.len() != frame.height {
            return Err(Declined);
        }
        self.frames.pop();
        self.sync_top();
        Ok(frame)
    }

    /// The rest of the innermost frame is unreachable: its values are dropped.
    fn set_unreachable(&mut self) -> Result<(), Declined> {
        let frame = self.frames.last_mut().ok_or(Declined)?;
        frame.unreachable = true;
        self.operands.truncate(frame.height);
        self.unreachable = true;
        Ok(())
    }

    fn else_<R: WasmModuleResources>(&mut self, resources: &R) -> Result<(), Declined> {
        if self.frames.last().map(|f| f.kind) != Some(FrameKind::If) {
            return Err(Declined);
        }
        let frame = self.close(resources)?;
        let params = self.types(resources, frame.block, false)?;
        self.push_frame(FrameKind::Else, frame.block);
        self.push_types(params)
    }

    fn end<R: WasmModuleResources>(&mut self, resources: &R) -> Result<(), Declined> {
        let mut frame = self.close(resources)?;
        // An `if` without `else` has an empty else-arm: its parameters are its results.
        if frame.kind == FrameKind::If {
            let params = self.types(resources, frame.block, false)?;
            self.push_frame(FrameKind::Else, frame.block);
            self.push_types(params)?;
            frame = self.close(resources)?;
        }
        let results = self.types(resources, frame.block, true)?;
        self.push_types(results)
    }

    fn br<R: WasmModuleResources>(&mut self, resources: &R, depth: u32) -> Result<(), Declined> {
        let label = self.label(resources, depth)?;
        self.pop_types(label)?;
        self.set_unreachable()
    }

    fn br_if<R: WasmModuleResources>(&mut self, resources: &R, depth: u32) -> Result<(), Declined> {
        self.pop(Ty::I32)?;
        let label = self.label(resources, depth)?;
        self.pop_types(label.clone())?;
        // wasmparser pushes the label's types back, not the values popped.
        self.push_types(label)
    }

    fn br_table<R: WasmModuleResources>(
        &mut self,
        resources: &R,
        table: &wasmparser::BrTable<'_>,
    ) -> Result<(), Declined> {
        self.pop(Ty::I32)?;
        let default = self.label(resources, table.default())?;
        for target in table.targets() {
            let label = self.label(resources, target.map_err(|_| Declined)?)?;
            if label.len() != default.len() {
                return Err(Declined);
            }
            // Checked against the values there, which stay (wasmparser pops and pushes them
            // back, unknown values included).
            let mut popped = std::mem::take(&mut self.popped);
            popped.clear();
            let checked = self.pop_each(label, &mut popped);
            self.operands.extend(popped.drain(..).rev());
            self.popped = popped;
            checked?;
        }
        self.pop_types(default)?;
        self.set_unreachable()
    }

    /// Pops `types` (last first) into `popped` (top first).
    fn pop_each(&mut self, types: Types, popped: &mut Vec<Ty>) -> Result<(), Declined> {
        match types {
            Types::One(None) => {}
            Types::One(Some(t)) => popped.push(self.pop(t)?),
            Types::Sig(range) => {
                for i in range.rev() {
                    let t = *self.sig_types.get(i).ok_or(Declined)?;
                    popped.push(self.pop(t)?);
                }
            }
        }
        Ok(())
    }

    fn return_<R: WasmModuleResources>(&mut self, resources: &R) -> Result<(), Declined> {
        let func = self.frames.first().ok_or(Declined)?.block;
        let results = self.types(resources, func, true)?;
        self.pop_types(results)?;
        self.set_unreachable()
    }

    /// Pops the arguments of a call of type `ty` and pushes its results.
    #[inline(always)]
    fn call_type<R: WasmModuleResources>(&mut self, resources: &R, ty: u32) -> Result<(), Declined> {
        let (params, results) = self.sig(resources, ty)?;
        self.pop_types(Types::Sig(params))?;
        self.push_types(Types::Sig(results))
    }

    fn call<R: WasmModuleResources>(&mut self, resources: &R, func: u32) -> Result<(), Declined> {
        let ty = resources.type_index_of_function(func).ok_or(Declined)?;
        self.call_type(resources, ty)
    }

    fn call_indirect<R: WasmModuleResources>(&mut self, resources: &R, ty: u32, table: u32) -> Result<(), Declined> {
        let table = resources.table_at(table).ok_or(Declined)?;
        if table.element_type != RefType::FUNCREF || table.table64 || table.shared {
            return Err(Declined);
        }
        self.sig(resources, ty)?;
        self.pop(Ty::I32)?;
        self.call_type(resources, ty)
    }

    fn select(&mut self) -> Result<(), Declined> {
        self.pop(Ty::I32)?;
        let a = self.pop(Ty::Unknown)?;
        let b = self.pop(Ty::Unknown)?;
        if a.is_ref() || b.is_ref() {
            return Err(Declined);
        }
        let ty = match (a, b) {
            (Ty::Unknown, t) | (t, Ty::Unknown) => t,
            (a, b) if a == b => a,
            _ => return Err(Declined),
        };
        self.push(ty);
        Ok(())
    }

    fn typed_select(&mut self, ty: ValType) -> Result<(), Declined> {
        let ty = self.ty(ty)?;
        self.pop(Ty::I32)?;
        self.pop(ty)?;
        self.pop(ty)?;
        self.push(ty);
        Ok(())
    }

    fn local(&self, index: u32) -> Result<Ty, Declined> {
        self.locals.get(index as usize).copied().ok_or(Declined)
    }

    fn global<R: WasmModuleResources>(&self, resources: &R, index: u32) -> Result<(Ty, bool), Declined> {
        let g = resources.global_at(index).ok_or(Declined)?;
        if g.shared {
            return Err(Declined);
        }
        Ok((self.ty(g.content_type)?, g.mutable))
    }

    /// Checks that memory `index` exists and is a 32-bit, unshared memory (memory 0 read once).
    #[inline(always)]
    fn memory<R: WasmModuleResources>(&mut self, resources: &R, index: u32) -> Result<(), Declined> {
        match (index, self.memory0) {
            (0, Some(true)) => Ok(()),
            _ => self.read_memory(resources, index),
        }
    }

    #[cold]
    #[inline(never)]
    fn read_memory<R: WasmModuleResources>(&mut self, resources: &R, index: u32) -> Result<(), Declined> {
        let handled = matches!(resources.memory_at(index), Some(m) if !m.memory64 && !m.shared);
        if index == 0 {
            self.memory0 = Some(handled);
        }
        if handled {
            Ok(())
        } else {
            Err(Declined)
        }
    }

    /// Checks a load's or store's memarg for an access of `2^natural` bytes.
    #[inline(always)]
    fn memarg<R: WasmModuleResources>(
        &mut self,
        resources: &R,
        m: &wasmparser::MemArg,
        natural: u8,
    ) -> Result<(), Declined> {
        match m.target {
            wasmparser::MemArgTarget::Memory(index)
                if m.align <= natural && m.offset <= u64::from(u32::MAX) && m.ordering.is_none() =>
            {
                self.memory(resources, index)
            }
            _ => Err(Declined),
        }
    }

    #[inline(always)]
    fn load<R: WasmModuleResources>(
        &mut self,
        r: &R,
        m: &wasmparser::MemArg,
        natural: u8,
        ty: Ty,
    ) -> Result<(), Declined> {
        self.memarg(r, m, natural)?;
        self.unary(Ty::I32, ty)
    }

    #[inline(always)]
    fn store<R: WasmModuleResources>(
        &mut self,
        r: &R,
        m: &wasmparser::MemArg,
        natural: u8,
        ty: Ty,
    ) -> Result<(), Declined> {
        self.memarg(r, m, natural)?;
        self.floats_allowed(ty)?;
        self.pop(ty)?;
        self.pop(Ty::I32).map(|_| ())
    }

    fn data_segment<R: WasmModuleResources>(&self, resources: &R, index: u32) -> Result<(), Declined> {
        match resources.data_count() {
            Some(count) if index < count => Ok(()),
            _ => Err(Declined),
        }
    }

    fn ref_null(&mut self, hty: wasmparser::HeapType) -> Result<(), Declined> {
        let ty = match hty {
            wasmparser::HeapType::Abstract { shared: false, ty: wasmparser::AbstractHeapType::Func } => Ty::FuncRef,
            wasmparser::HeapType::Abstract { shared: false, ty: wasmparser::AbstractHeapType::Extern } => Ty::ExternRef,
            _ => return Err(Declined),
        };
        self.push(ty);
        Ok(())
    }

    fn ref_is_null(&mut self) -> Result<(), Declined> {
        match self.pop(Ty::Unknown)? {
            Ty::FuncRef | Ty::ExternRef | Ty::Unknown => {
                self.push(Ty::I32);
                Ok(())
            }
            _ => Err(Declined),
        }
    }
}

/// A list of value types: a block's (none or one) or a function type's (where it is in
/// [`FuncCheck`]'s `sig_types`).
#[derive(Clone)]
enum Types {
    One(Option<Ty>),
    Sig(Range<usize>),
}

impl Types {
    fn len(&self) -> usize {
        match self {
            Types::One(t) => usize::from(t.is_some()),
            Types::Sig(range) => range.len(),
        }
    }
}

#[cfg(test)]
mod tests;
