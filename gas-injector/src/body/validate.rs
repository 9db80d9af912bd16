//! The two validators a body can be instrumented with, behind one interface ([`Validate`]):
//!
//! - [`Fast`]: the profile's own body validator ([`tally_profile::body::FuncCheck`]), which
//!   accepts or declines each operator without wording an error. The injector runs it first.
//! - wasmparser's [`FuncValidator`], the authority: a body on which the fast one declined
//!   anything (or on which anything else failed) is instrumented again from its start with it,
//!   so that every error, message and offset is wasmparser's.
//!
//! Soundness rests on `tally-profile`'s contract: what [`Fast`] accepts wasmparser accepts, with
//! the same operand stack (which the meter reads to size frames), so the output of a body the
//! fast validator accepts is the output wasmparser's would have given.

use tally_profile::body::{Declined, FuncCheck, FuncVisitor};
use wasmparser::{
    BinaryReaderError, FrameKind, FuncValidator, ValType, VisitOperator, VisitSimdOperator, WasmModuleResources,
};

use super::ctx::Resources;
use crate::error::{internal, InjectError};

/// What instrumenting a body needs from its validator: a visitor per operator, the operand and
/// control stacks' shapes, and the locals.
pub(crate) trait Validate {
    /// What a `visit_*` method fails with.
    type Error;
    /// The visitor validating one operator.
    type Visitor<'s>: for<'x> VisitOperator<'x, Output = Result<(), Self::Error>>
    where
        Self: 's;

    /// The visitor for the operator at module offset `offset`.
    fn visitor(&mut self, offset: u64) -> Self::Visitor<'_>;
    /// Declares `count` locals of type `ty` (the declaration at `offset`).
    fn define_locals(&mut self, offset: u64, count: u32, ty: ValType) -> Result<(), Self::Error>;
    /// The operand stack's height (the whole function's).
    fn operand_stack_height(&self) -> u32;
    /// The type of the operand `depth` below the top (`Some(None)`: unknown).
    fn operand_type(&self, depth: usize) -> Option<Option<ValType>>;
    /// The number of control frames (0 after the function's `end`).
    fn control_stack_height(&self) -> u32;
    /// The innermost control frame's kind.
    fn frame_kind(&self) -> Option<FrameKind>;
    /// The injector's error for a failure of this validator.
    fn rejected(e: Self::Error) -> Box<InjectError>;
}

/// wasmparser's validator for one operator, at its offset: a nameable [`VisitOperator`] that
/// forwards every method to [`FuncValidator::visitor`] (SIMD ones too, so that they are
/// rejected with wasmparser's message).
pub(crate) struct Wasmparser<'s, 'r> {
    v: &'s mut FuncValidator<Resources<'r>>,
    offset: u64,
}

macro_rules! forward {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            #[inline(always)]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                self.v.visitor(self.offset).$visit($($($arg),*)?)
            }
        )*
    };
}

macro_rules! forward_simd {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                self.v.simd_visitor(self.offset).$visit($($($arg),*)?)
            }
        )*
    };
}

impl<'a> VisitOperator<'a> for Wasmparser<'_, '_> {
    type Output = Result<(), BinaryReaderError>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(forward);
}

impl<'a> VisitSimdOperator<'a> for Wasmparser<'_, '_> {
    wasmparser::for_each_visit_simd_operator!(forward_simd);
}

impl<'r> Validate for FuncValidator<Resources<'r>> {
    type Error = BinaryReaderError;
    type Visitor<'s>
        = Wasmparser<'s, 'r>
    where
        Self: 's;

    #[inline(always)]
    fn visitor(&mut self, offset: u64) -> Wasmparser<'_, 'r> {
        Wasmparser { v: self, offset }
    }
    fn define_locals(&mut self, offset: u64, count: u32, ty: ValType) -> Result<(), BinaryReaderError> {
        FuncValidator::define_locals(self, offset, count, ty)
    }
    #[inline(always)]
    fn operand_stack_height(&self) -> u32 {
        FuncValidator::operand_stack_height(self)
    }
    fn operand_type(&self, depth: usize) -> Option<Option<ValType>> {
        self.get_operand_type(depth)
    }
    #[inline(always)]
    fn control_stack_height(&self) -> u32 {
        FuncValidator::control_stack_height(self)
    }
    #[inline(always)]
    fn frame_kind(&self) -> Option<FrameKind> {
        self.get_control_frame(0).map(|f| f.kind)
    }
    #[cold]
    fn rejected(e: BinaryReaderError) -> Box<InjectError> {
        Box::new(e.into())
    }
}

/// The profile's body validator over a module's resources.
pub(crate) struct Fast<'c, R> {
    /// Its state (reused from body to body).
    pub check: &'c mut FuncCheck,
    /// The module.
    pub resources: &'c R,
}

impl<R: WasmModuleResources> Validate for Fast<'_, R> {
    type Error = Declined;
    type Visitor<'s>
        = FuncVisitor<'s, R>
    where
        Self: 's;

    #[inline(always)]
    fn visitor(&mut self, _offset: u64) -> FuncVisitor<'_, R> {
        self.check.visitor(self.resources)
    }
    fn define_locals(&mut self, _offset: u64, count: u32, ty: ValType) -> Result<(), Declined> {
        self.check.define_locals(count, ty)
    }
    #[inline(always)]
    fn operand_stack_height(&self) -> u32 {
        self.check.operand_stack_height()
    }
    fn operand_type(&self, depth: usize) -> Option<Option<ValType>> {
        self.check.operand_type(depth)
    }
    #[inline(always)]
    fn control_stack_height(&self) -> u32 {
        self.check.control_stack_height()
    }
    #[inline(always)]
    fn frame_kind(&self) -> Option<FrameKind> {
        self.check.frame_kind(0)
    }
    // The driver discards whatever a fast pass fails with and runs wasmparser's validator.
    #[cold]
    fn rejected(_: Declined) -> Box<InjectError> {
        Box::new(internal("declined by the profile's body validator"))
    }
}
