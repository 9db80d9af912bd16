//! [`FuncVisitor`]: [`FuncCheck`] as a wasmparser [`VisitOperator`], one rule per operator it
//! handles (every other operator declines).

use wasmparser::{FrameKind, VisitOperator, VisitSimdOperator, WasmModuleResources};

use super::{Declined, FuncCheck, Ty};

/// Validates one operator of a body against its module's resources: a [`VisitOperator`] whose
/// `visit_*` methods accept or decline ([`FuncCheck::visitor`]).
pub struct FuncVisitor<'c, R> {
    pub(super) check: &'c mut FuncCheck,
    pub(super) resources: &'c R,
}

/// Generates the `visit_*` methods from wasmparser's list of operators, each from its `@rule`
/// below; an operator without a rule declines.
macro_rules! define_check {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            #[inline(always)]
            #[allow(unused_variables)]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                define_check!(@rule self $op $($($arg)*)?)
            }
        )*
    };
    (@rule $s:ident Unreachable) => { $s.check.set_unreachable() };
    (@rule $s:ident Nop) => { $s.check.in_body() };
    (@rule $s:ident Block $bt:ident) => {{
        $s.check.in_body()?;
        $s.check.open($s.resources, FrameKind::Block, $bt)
    }};
    (@rule $s:ident Loop $bt:ident) => {{
        $s.check.in_body()?;
        $s.check.open($s.resources, FrameKind::Loop, $bt)
    }};
    (@rule $s:ident If $bt:ident) => {{
        $s.check.pop(Ty::I32)?;
        $s.check.open($s.resources, FrameKind::If, $bt)
    }};
    (@rule $s:ident Else) => { $s.check.else_($s.resources) };
    (@rule $s:ident End) => { $s.check.end($s.resources) };
    (@rule $s:ident Br $d:ident) => { $s.check.br($s.resources, $d) };
    (@rule $s:ident BrIf $d:ident) => { $s.check.br_if($s.resources, $d) };
    (@rule $s:ident BrTable $t:ident) => { $s.check.br_table($s.resources, &$t) };
    (@rule $s:ident Return) => { $s.check.return_($s.resources) };
    (@rule $s:ident Call $f:ident) => { $s.check.call($s.resources, $f) };
    (@rule $s:ident CallIndirect $ty:ident $table:ident) => { $s.check.call_indirect($s.resources, $ty, $table) };
    (@rule $s:ident Drop) => { $s.check.pop(Ty::Unknown).map(|_| ()) };
    (@rule $s:ident Select) => { $s.check.select() };
    (@rule $s:ident TypedSelect $ty:ident) => { $s.check.typed_select($ty) };
    (@rule $s:ident LocalGet $i:ident) => {{
        $s.check.in_body()?;
        let ty = $s.check.local($i)?;
        $s.check.push(ty);
        Ok(())
    }};
    (@rule $s:ident LocalSet $i:ident) => {{
        let ty = $s.check.local($i)?;
        $s.check.pop(ty).map(|_| ())
    }};
    (@rule $s:ident LocalTee $i:ident) => {{
        let ty = $s.check.local($i)?;
        $s.check.pop(ty)?;
        $s.check.push(ty);
        Ok(())
    }};
    (@rule $s:ident GlobalGet $i:ident) => {{
        $s.check.in_body()?;
        let (ty, _) = $s.check.global($s.resources, $i)?;
        $s.check.push(ty);
        Ok(())
    }};
    (@rule $s:ident GlobalSet $i:ident) => {{
        match $s.check.global($s.resources, $i)? {
            (ty, true) => $s.check.pop(ty).map(|_| ()),
            (_, false) => Err(Declined),
        }
    }};
    (@rule $s:ident I32Load $m:ident) => { $s.check.load($s.resources, &$m, 2, Ty::I32) };
    (@rule $s:ident I64Load $m:ident) => { $s.check.load($s.resources, &$m, 3, Ty::I64) };
    (@rule $s:ident F32Load $m:ident) => { $s.check.load($s.resources, &$m, 2, Ty::F32) };
    (@rule $s:ident F64Load $m:ident) => { $s.check.load($s.resources, &$m, 3, Ty::F64) };
    (@rule $s:ident I32Load8S $m:ident) => { $s.check.load($s.resources, &$m, 0, Ty::I32) };
    (@rule $s:ident I32Load8U $m:ident) => { $s.check.load($s.resources, &$m, 0, Ty::I32) };
    (@rule $s:ident I32Load16S $m:ident) => { $s.check.load($s.resources, &$m, 1, Ty::I32) };
    (@rule $s:ident I32Load16U $m:ident) => { $s.check.load($s.resources, &$m, 1, Ty::I32) };
    (@rule $s:ident I64Load8S $m:ident) => { $s.check.load($s.resources, &$m, 0, Ty::I64) };
    (@rule $s:ident I64Load8U $m:ident) => { $s.check.load($s.resources, &$m, 0, Ty::I64) };
    (@rule $s:ident I64Load16S $m:ident) => { $s.check.load($s.resources, &$m, 1, Ty::I64) };
    (@rule $s:ident I64Load16U $m:ident) => { $s.check.load($s.resources, &$m, 1, Ty::I64) };
    (@rule $s:ident I64Load32S $m:ident) => { $s.check.load($s.resources, &$m, 2, Ty::I64) };
    (@rule $s:ident I64Load32U $m:ident) => { $s.check.load($s.resources, &$m, 2, Ty::I64) };
    (@rule $s:ident I32Store $m:ident) => { $s.check.store($s.resources, &$m, 2, Ty::I32) };
    (@rule $s:ident I64Store $m:ident) => { $s.check.store($s.resources, &$m, 3, Ty::I64) };
    (@rule $s:ident F32Store $m:ident) => { $s.check.store($s.resources, &$m, 2, Ty::F32) };
    (@rule $s:ident F64Store $m:ident) => { $s.check.store($s.resources, &$m, 3, Ty::F64) };
    (@rule $s:ident I32Store8 $m:ident) => { $s.check.store($s.resources, &$m, 0, Ty::I32) };
    (@rule $s:ident I32Store16 $m:ident) => { $s.check.store($s.resources, &$m, 1, Ty::I32) };
    (@rule $s:ident I64Store8 $m:ident) => { $s.check.store($s.resources, &$m, 0, Ty::I64) };
    (@rule $s:ident I64Store16 $m:ident) => { $s.check.store($s.resources, &$m, 1, Ty::I64) };
    (@rule $s:ident I64Store32 $m:ident) => { $s.check.store($s.resources, &$m, 2, Ty::I64) };
    (@rule $s:ident MemorySize $mem:ident) => {{
        $s.check.in_body()?;
        $s.check.memory($s.resources, $mem)?;
        $s.check.push(Ty::I32);
        Ok(())
    }};
    (@rule $s:ident MemoryGrow $mem:ident) => {{
        $s.check.memory($s.resources, $mem)?;
        $s.check.unary(Ty::I32, Ty::I32)
    }};
    (@rule $s:ident MemoryInit $data:ident $mem:ident) => {{
        $s.check.memory($s.resources, $mem)?;
        $s.check.data_segment($s.resources, $data)?;
        $s.check.pop_n(3, Ty::I32)
    }};
    (@rule $s:ident DataDrop $data:ident) => {{
        $s.check.in_body()?;
        $s.check.data_segment($s.resources, $data)
    }};
    (@rule $s:ident MemoryCopy $dst:ident $src:ident) => {{
        $s.check.memory($s.resources, $dst)?;
        $s.check.memory($s.resources, $src)?;
        $s.check.pop_n(3, Ty::I32)
    }};
    (@rule $s:ident MemoryFill $mem:ident) => {{
        $s.check.memory($s.resources, $mem)?;
        $s.check.pop_n(3, Ty::I32)
    }};
    (@rule $s:ident I32Const $v:ident) => {{
        $s.check.in_body()?;
        $s.check.push(Ty::I32);
        Ok(())
    }};
    (@rule $s:ident I64Const $v:ident) => {{
        $s.check.in_body()?;
        $s.check.push(Ty::I64);
        Ok(())
    }};
    (@rule $s:ident F32Const $v:ident) => {{
        $s.check.in_body()?;
        $s.check.floats_allowed(Ty::F32)?;
        $s.check.push(Ty::F32);
        Ok(())
    }};
    (@rule $s:ident F64Const $v:ident) => {{
        $s.check.in_body()?;
        $s.check.floats_allowed(Ty::F64)?;
        $s.check.push(Ty::F64);
        Ok(())
    }};
    (@rule $s:ident RefNull $hty:ident) => {{
        $s.check.in_body()?;
        $s.check.ref_null($hty)
    }};
    (@rule $s:ident RefIsNull) => { $s.check.ref_is_null() };
    (@rule $s:ident I32Eqz) => { $s.check.unary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Eq) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Ne) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32LtS) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32LtU) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32GtS) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32GtU) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32LeS) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32LeU) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32GeS) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32GeU) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I64Eqz) => { $s.check.unary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64Eq) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64Ne) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64LtS) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64LtU) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64GtS) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64GtU) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64LeS) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64LeU) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64GeS) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident I64GeU) => { $s.check.binary(Ty::I64, Ty::I32) };
    (@rule $s:ident F32Eq) => { $s.check.binary(Ty::F32, Ty::I32) };
    (@rule $s:ident F32Ne) => { $s.check.binary(Ty::F32, Ty::I32) };
    (@rule $s:ident F32Lt) => { $s.check.binary(Ty::F32, Ty::I32) };
    (@rule $s:ident F32Gt) => { $s.check.binary(Ty::F32, Ty::I32) };
    (@rule $s:ident F32Le) => { $s.check.binary(Ty::F32, Ty::I32) };
    (@rule $s:ident F32Ge) => { $s.check.binary(Ty::F32, Ty::I32) };
    (@rule $s:ident F64Eq) => { $s.check.binary(Ty::F64, Ty::I32) };
    (@rule $s:ident F64Ne) => { $s.check.binary(Ty::F64, Ty::I32) };
    (@rule $s:ident F64Lt) => { $s.check.binary(Ty::F64, Ty::I32) };
    (@rule $s:ident F64Gt) => { $s.check.binary(Ty::F64, Ty::I32) };
    (@rule $s:ident F64Le) => { $s.check.binary(Ty::F64, Ty::I32) };
    (@rule $s:ident F64Ge) => { $s.check.binary(Ty::F64, Ty::I32) };
    (@rule $s:ident I32Clz) => { $s.check.unary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Ctz) => { $s.check.unary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Popcnt) => { $s.check.unary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Add) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Sub) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Mul) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32DivS) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32DivU) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32RemS) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32RemU) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32And) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Or) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Xor) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Shl) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32ShrS) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32ShrU) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Rotl) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Rotr) => { $s.check.binary(Ty::I32, Ty::I32) };
    (@rule $s:ident I64Clz) => { $s.check.unary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Ctz) => { $s.check.unary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Popcnt) => { $s.check.unary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Add) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Sub) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Mul) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64DivS) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64DivU) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64RemS) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64RemU) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64And) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Or) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Xor) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Shl) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64ShrS) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64ShrU) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Rotl) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Rotr) => { $s.check.binary(Ty::I64, Ty::I64) };
    (@rule $s:ident F32Abs) => { $s.check.unary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Neg) => { $s.check.unary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Ceil) => { $s.check.unary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Floor) => { $s.check.unary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Trunc) => { $s.check.unary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Nearest) => { $s.check.unary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Sqrt) => { $s.check.unary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Add) => { $s.check.binary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Sub) => { $s.check.binary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Mul) => { $s.check.binary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Div) => { $s.check.binary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Min) => { $s.check.binary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Max) => { $s.check.binary(Ty::F32, Ty::F32) };
    (@rule $s:ident F32Copysign) => { $s.check.binary(Ty::F32, Ty::F32) };
    (@rule $s:ident F64Abs) => { $s.check.unary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Neg) => { $s.check.unary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Ceil) => { $s.check.unary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Floor) => { $s.check.unary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Trunc) => { $s.check.unary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Nearest) => { $s.check.unary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Sqrt) => { $s.check.unary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Add) => { $s.check.binary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Sub) => { $s.check.binary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Mul) => { $s.check.binary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Div) => { $s.check.binary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Min) => { $s.check.binary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Max) => { $s.check.binary(Ty::F64, Ty::F64) };
    (@rule $s:ident F64Copysign) => { $s.check.binary(Ty::F64, Ty::F64) };
    (@rule $s:ident I32WrapI64) => { $s.check.unary(Ty::I64, Ty::I32) };
    (@rule $s:ident I32TruncF32S) => { $s.check.unary(Ty::F32, Ty::I32) };
    (@rule $s:ident I32TruncF32U) => { $s.check.unary(Ty::F32, Ty::I32) };
    (@rule $s:ident I32TruncF64S) => { $s.check.unary(Ty::F64, Ty::I32) };
    (@rule $s:ident I32TruncF64U) => { $s.check.unary(Ty::F64, Ty::I32) };
    (@rule $s:ident I64ExtendI32S) => { $s.check.unary(Ty::I32, Ty::I64) };
    (@rule $s:ident I64ExtendI32U) => { $s.check.unary(Ty::I32, Ty::I64) };
    (@rule $s:ident I64TruncF32S) => { $s.check.unary(Ty::F32, Ty::I64) };
    (@rule $s:ident I64TruncF32U) => { $s.check.unary(Ty::F32, Ty::I64) };
    (@rule $s:ident I64TruncF64S) => { $s.check.unary(Ty::F64, Ty::I64) };
    (@rule $s:ident I64TruncF64U) => { $s.check.unary(Ty::F64, Ty::I64) };
    (@rule $s:ident F32ConvertI32S) => { $s.check.unary(Ty::I32, Ty::F32) };
    (@rule $s:ident F32ConvertI32U) => { $s.check.unary(Ty::I32, Ty::F32) };
    (@rule $s:ident F32ConvertI64S) => { $s.check.unary(Ty::I64, Ty::F32) };
    (@rule $s:ident F32ConvertI64U) => { $s.check.unary(Ty::I64, Ty::F32) };
    (@rule $s:ident F32DemoteF64) => { $s.check.unary(Ty::F64, Ty::F32) };
    (@rule $s:ident F64ConvertI32S) => { $s.check.unary(Ty::I32, Ty::F64) };
    (@rule $s:ident F64ConvertI32U) => { $s.check.unary(Ty::I32, Ty::F64) };
    (@rule $s:ident F64ConvertI64S) => { $s.check.unary(Ty::I64, Ty::F64) };
    (@rule $s:ident F64ConvertI64U) => { $s.check.unary(Ty::I64, Ty::F64) };
    (@rule $s:ident F64PromoteF32) => { $s.check.unary(Ty::F32, Ty::F64) };
    (@rule $s:ident I32ReinterpretF32) => { $s.check.unary(Ty::F32, Ty::I32) };
    (@rule $s:ident I64ReinterpretF64) => { $s.check.unary(Ty::F64, Ty::I64) };
    (@rule $s:ident F32ReinterpretI32) => { $s.check.unary(Ty::I32, Ty::F32) };
    (@rule $s:ident F64ReinterpretI64) => { $s.check.unary(Ty::I64, Ty::F64) };
    (@rule $s:ident I32Extend8S) => { $s.check.unary(Ty::I32, Ty::I32) };
    (@rule $s:ident I32Extend16S) => { $s.check.unary(Ty::I32, Ty::I32) };
    (@rule $s:ident I64Extend8S) => { $s.check.unary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Extend16S) => { $s.check.unary(Ty::I64, Ty::I64) };
    (@rule $s:ident I64Extend32S) => { $s.check.unary(Ty::I64, Ty::I64) };
    (@rule $s:ident I32TruncSatF32S) => { $s.check.unary(Ty::F32, Ty::I32) };
    (@rule $s:ident I32TruncSatF32U) => { $s.check.unary(Ty::F32, Ty::I32) };
    (@rule $s:ident I32TruncSatF64S) => { $s.check.unary(Ty::F64, Ty::I32) };
    (@rule $s:ident I32TruncSatF64U) => { $s.check.unary(Ty::F64, Ty::I32) };
    (@rule $s:ident I64TruncSatF32S) => { $s.check.unary(Ty::F32, Ty::I64) };
    (@rule $s:ident I64TruncSatF32U) => { $s.check.unary(Ty::F32, Ty::I64) };
    (@rule $s:ident I64TruncSatF64S) => { $s.check.unary(Ty::F64, Ty::I64) };
    (@rule $s:ident I64TruncSatF64U) => { $s.check.unary(Ty::F64, Ty::I64) };
    (@rule $s:ident $op:ident $($arg:ident)*) => { Err(Declined) };
}

impl<'a, R: WasmModuleResources> VisitOperator<'a> for FuncVisitor<'_, R> {
    type Output = Result<(), Declined>;

    /// SIMD is outside the profile: every SIMD operator declines (a visitor without one would
    /// make wasmparser's `visit_operator` panic on them).
    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_check);
}

/// Generates the SIMD `visit_*` methods, all declining.
macro_rules! decline_simd {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            #[allow(unused_variables)]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                Err(Declined)
            }
        )*
    };
}

impl<'a, R: WasmModuleResources> VisitSimdOperator<'a> for FuncVisitor<'_, R> {
    wasmparser::for_each_visit_simd_operator!(decline_simd);
}
