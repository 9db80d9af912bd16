//! The operator visitor: the reader decodes each operator once into [`OpVisitor`], which
//! validates it and hands it to [`FuncTranslator::translate_op`], the translation of every
//! operator of the profile. Also the plain forms of unary and binary operators and of calls.

use std::mem::ManuallyDrop;

use tally_profile::body::{Declined, FuncCheck, FuncVisitor};
use wasmparser::{
    BinaryReaderError, FrameKind, FrameStack, FuncValidator, Ieee32, Ieee64, Operator, ValType, ValidatorResources,
    VisitOperator, VisitSimdOperator,
};

use super::condition::{CmpKind, Test};
use super::control::CtrlKind;
use super::fusion::{BitOp, DivRem};
use super::metering::PaysNext;
use super::stack::Operand;
use super::{FuncTranslator, GlobalSet, ModuleCtx, Res};
use crate::exec::handlers::{self as h, Bin};
use crate::exec::layout::{
    Acc, CallFunc, CallIndirect, CallInternal, Cell, Data, DataDrop, DefinedFunc, Dst, DstAcc, DstAccImm, DstAccSlot,
    DstGlobal, DstImmSlot, DstOnly, DstSlot, DstSlotImm, DstSlotSlot, Elem, ElemDrop, Frame, Func, Global, GlobalAcc,
    GlobalCell, GlobalSlot, Imm, ImmType, MemoryBulk, MemoryInit, Nothing, Of, RefFunc, Select, Sig, Slot, Table,
    TableBulk, TableCopyData, TableFill, TableGet, TableGrow, TableInitData, TableSet, TableSize,
};
use crate::Error;

/// Operand forms of an emitted binary op.
#[derive(Clone, Copy, Debug)]
pub(super) enum Form {
    /// Both operands in slots.
    SlotSlot(u32, u32),
    /// The left operand in a slot, the right one immediate (or both, for a commutative
    /// operator whose left operand was the constant).
    SlotImm(u32, u64),
    /// The left operand immediate.
    Other,
}

impl FuncTranslator {
    /// Emits a binary operator on the top two operands, in the form they allow (a constant
    /// operand as an immediate), into a fresh temporary; returns the form, for fusion.
    pub(super) fn bin<T: ImmType>(&mut self, b: Bin<T>) -> Form {
        // The result replaces the two operands in place: the left one's height and temporary,
        // which the stack had already (no push, no frame-size update).
        while self.stack.len() < 2 {
            // Never for a validated operator in reachable code.
            self.push(Operand::Temp);
        }
        let top = self.stack.len() - 1;
        let (lhs, rhs) = (self.stack[top - 1], self.stack[top]);
        let (hl, hr) = (top as u32 - 1, top as u32);
        /// What `c` holds: the right operand immediate or its slot, or the left operand
        /// immediate (for the operator's `is` form).
        enum Right<T> {
            Imm,
            Slot,
            LeftImm(Of<DstImmSlot<T>>),
        }
        let (a, c, right, form) = match (lhs, rhs) {
            (Operand::Const(_), Operand::Const(y)) => {
                let x = self.slot_of(lhs, hl);
                (x, y, Right::Imm, Form::SlotImm(x, y))
            }
            (_, Operand::Const(y)) => {
                let x = self.slot_of(lhs, hl);
                (x, y, Right::Imm, Form::SlotImm(x, y))
            }
            (Operand::Const(x), _) => {
                let y = self.slot_of(rhs, hr);
                match b.is {
                    Some(is) => (y, x, Right::LeftImm(is), Form::Other),
                    None => (y, x, Right::Imm, Form::SlotImm(y, x)),
                }
            }
            _ => {
                let x = self.slot_of(lhs, hl);
                let y = self.slot_of(rhs, hr);
                (x, y as u64, Right::Slot, Form::SlotSlot(x, y))
            }
        };
        // The left operand from the accumulator when it holds it; for a commutative operator,
        // also the right one, swapped to the left.
        let dst = Dst(self.temp_slot(hl));
        let op = match (right, b.acc, self.acc) {
            (Right::Imm, Some(acc), Some(held)) if held == a => {
                acc.imm.op(DstAccImm { dst, lhs: Acc(a), rhs: Imm::new(c) })
            }
            (Right::Imm, ..) => b.si.op(DstSlotImm { dst, lhs: Slot(a), rhs: Imm::new(c) }),
            (Right::Slot, Some(acc), Some(held)) if held == a => {
                acc.slot.op(DstAccSlot { dst, lhs: Acc(a), rhs: Slot(c as u32) })
            }
            (Right::Slot, Some(acc), Some(held)) if b.is.is_none() && u64::from(held) == c => {
                acc.slot.op(DstAccSlot { dst, lhs: Acc(held), rhs: Slot(a) })
            }
            (Right::Slot, ..) => b.ss.op(DstSlotSlot { dst, lhs: Slot(a), rhs: Slot(c as u32) }),
            (Right::LeftImm(is), ..) => is.op(DstImmSlot { dst, lhs: Imm::new(c), rhs: Slot(a) }),
        };
        self.stack[top - 1] = Operand::Temp;
        self.stack.truncate(top);
        self.emit_produced(op);
        form
    }

    /// [`Self::bin`], for operators that nothing fuses with.
    pub(super) fn binop<T: ImmType>(&mut self, b: Bin<T>) {
        self.bin(b);
    }

    /// Emits a unary operator on the top operand into a fresh temporary.
    pub(super) fn un(&mut self, hd: Of<DstSlot>) {
        let (slot, dst) = self.top_to_temp();
        let dst = Dst(dst);
        self.emit_produced(hd.op(DstSlot { dst, src: Slot(slot) }));
    }

    /// [`Self::un`] for an operator with a form that reads its operand from the accumulator.
    pub(super) fn un_acc(&mut self, plain: Of<DstSlot>, acc_form: Of<DstAcc>) {
        self.un_acc_slot(plain, acc_form);
    }

    /// [`Self::un_acc`], returning the slot of the operand.
    #[inline(always)]
    pub(super) fn un_acc_slot(&mut self, plain: Of<DstSlot>, acc_form: Of<DstAcc>) -> u32 {
        let (slot, dst) = self.top_to_temp();
        let held = self.holds(slot);
        let dst = Dst(dst);
        self.emit_produced(if held {
            acc_form.op(DstAcc { dst, src: Acc(slot) })
        } else {
            plain.op(DstSlot { dst, src: Slot(slot) })
        });
        slot
    }

    /// A call: a metering intrinsic with constant arguments becomes its op; otherwise the
    /// arguments, in the temporaries of their heights, start the callee's frame.
    pub(super) fn call(&mut self, ctx: &ModuleCtx<'_>, func: u32) {
        if let Some(Some(intrinsic)) = ctx.intrinsics.get(func as usize) {
            if self.intrinsic(*intrinsic) {
                return;
            }
        }
        self.emit_call(ctx, func);
    }

    /// An ordinary call: the arguments, in the temporaries of their heights, start the callee's
    /// frame.
    pub(super) fn emit_call(&mut self, ctx: &ModuleCtx<'_>, func: u32) {
        let ty = ctx.func_type(func);
        let (params, results) = (ty.params().len() as u32, ty.results().len() as u32);
        self.materialize_top(params);
        let base = self.height() - params;
        self.stack.truncate(base as usize);
        let frame = self.temp_slot(base);
        if func < ctx.num_imported_funcs {
            self.emit(h::call_func.op(CallFunc { func: Func(func), frame: Frame(frame) }));
        } else {
            let func = DefinedFunc(func - ctx.num_imported_funcs);
            let at = self.emit(h::call_internal.op(CallInternal { func, frame: Frame(frame) }));
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

    /// `call_indirect`: a call through table `table`, checked against type `type_index`.
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
        let frame = Frame(self.temp_slot(base));
        self.emit(h::call_indirect.op(CallIndirect { table: Table(table), index: Slot(index), sig: Sig(sig), frame }));
        self.push_results(params, results);
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
        if self.pending_site.is_some() && !matches!(*operator, O::BrIf { .. } | O::If { .. }) {
            self.flush_site(ctx);
        }
        match *operator {
            O::Unreachable => {
                self.emit(h::unreachable.op(Nothing {}));
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
                let site = self.pending_site.take();
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
                #[cfg(feature = "branch-census")]
                self.census_site(crate::census::Kind::If, true);
                let jump = self.emit_test_jump_not(test, site);
                self.enter(CtrlKind::If, p, r, Some(jump));
            }
            O::Else => self.on_else(),
            O::End => self.on_end(),
            O::Br { relative_depth } => {
                self.emit_branch(relative_depth);
                self.unreachable_after();
            }
            O::BrIf { relative_depth } => {
                let site = self.pending_site.take();
                let test = self.pop_test();
                #[cfg(feature = "branch-census")]
                {
                    let kind = if self.label(relative_depth).kind == super::control::CtrlKind::Loop {
                        crate::census::Kind::BrIfLoop
                    } else {
                        crate::census::Kind::BrIf
                    };
                    self.census_site(kind, self.branch_needs_moves(relative_depth));
                }
                if self.branch_needs_moves(relative_depth) {
                    let (skip, form) = self.emit_test_jump_not(test, site);
                    self.emit_branch(relative_depth);
                    self.bind_here(skip, Some(form));
                } else {
                    self.emit_test_branch(test, relative_depth, site);
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
                self.drop_memory_charge();
                self.stack.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let cond = self.pop_slot();
                let (v2, h2) = self.pop();
                let (v1, h1) = self.pop();
                let s2 = self.slot_of(v2, h2);
                let s1 = self.slot_of(v1, h1);
                let dst = self.next_temp();
                self.emit_producer(h::select.op(Select {
                    dst,
                    cond: Slot(cond),
                    if_true: Slot(s1),
                    if_false: Slot(s2),
                }));
            }
            O::LocalGet { local_index } => self.push(Operand::Local(local_index)),
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => {
                if !self.reread_global(global_index) {
                    let dst = self.next_temp();
                    self.emit_producer(h::global_get.op(DstGlobal { dst, global: Global(global_index) }));
                }
            }
            O::GlobalSet { global_index } => {
                let (o, hgt) = self.pop();
                if o == Operand::Temp && self.store_global_again(global_index, self.temp_slot(hgt)) {
                    return Ok(());
                }
                let (value, slot, from_acc) = if let Operand::Const(c) = o {
                    self.emit(h::global_set_imm.op(GlobalCell { global: Global(global_index), value: Cell(c) }));
                    (o, 0, false)
                } else {
                    let slot = self.slot_of(o, hgt);
                    let from_acc = self.acc == Some(slot);
                    let global = Global(global_index);
                    self.emit(if from_acc {
                        h::global_set_a.op(GlobalAcc { global, value: Acc(slot) })
                    } else {
                        h::global_set.op(GlobalSlot { global, value: Slot(slot) })
                    });
                    (if let Operand::Local(_) = o { o } else { Operand::Temp }, slot, from_acc)
                };
                let at = self.ops.len() - 1;
                self.global_set = Some(GlobalSet { at, global: global_index, value, slot, from_acc });
            }
            // Zero-extending `i64` loads read what the `i32` loads of their width read.
            O::I32Load { memarg } | O::F32Load { memarg } | O::I64Load32U { memarg } => {
                self.load(h::I32_LOAD, memarg.offset)
            }
            O::I64Load { memarg } | O::F64Load { memarg } => self.load(h::I64_LOAD, memarg.offset),
            O::I32Load8S { memarg } => self.load(h::I32_LOAD8_S, memarg.offset),
            O::I32Load8U { memarg } | O::I64Load8U { memarg } => self.load(h::I32_LOAD8_U, memarg.offset),
            O::I32Load16S { memarg } => self.load(h::I32_LOAD16_S, memarg.offset),
            O::I32Load16U { memarg } | O::I64Load16U { memarg } => self.load(h::I32_LOAD16_U, memarg.offset),
            O::I64Load8S { memarg } => self.load(h::I64_LOAD8_S, memarg.offset),
            O::I64Load16S { memarg } => self.load(h::I64_LOAD16_S, memarg.offset),
            O::I64Load32S { memarg } => self.load(h::I64_LOAD32_S, memarg.offset),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(h::STORE32, 4, memarg.offset)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(h::STORE64, 8, memarg.offset),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(h::STORE8, 1, memarg.offset),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(h::STORE16, 2, memarg.offset),
            O::MemorySize { .. } => {
                let dst = self.next_temp();
                self.emit_producer(h::memory_size.op(DstOnly { dst }));
                self.memory_size_at = Some(self.ops.len() - 1);
            }
            O::MemoryGrow { .. } => self.un(h::memory_grow),
            O::MemoryFill { .. } => {
                let n = self.pop_slot();
                let val = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(h::memory_fill.op(MemoryBulk { dst: Slot(dst), src: Slot(val), len: Slot(n) }));
            }
            O::MemoryCopy { .. } => {
                let n = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(h::memory_copy.op(MemoryBulk { dst: Slot(dst), src: Slot(src), len: Slot(n) }));
            }
            O::MemoryInit { data_index, .. } => {
                let n = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.pop_slot();
                let (dst, src, len, data) = (Slot(dst), Slot(src), Slot(n), Data(data_index));
                self.emit(h::memory_init.op(MemoryInit { dst, src, len, data }));
            }
            O::DataDrop { data_index } => {
                self.emit(h::data_drop.op(DataDrop { data: Data(data_index) }));
            }
            O::TableGet { table } => {
                let i = self.pop_slot();
                let dst = self.next_temp();
                self.emit_producer(h::table_get.op(TableGet { dst, index: Slot(i), table: Table(table) }));
            }
            O::TableSet { table } => {
                let v = self.pop_slot();
                let i = self.pop_slot();
                self.emit(h::table_set.op(TableSet { index: Slot(i), value: Slot(v), table: Table(table) }));
            }
            O::TableSize { table } => {
                let dst = self.next_temp();
                self.emit_producer(h::table_size.op(TableSize { dst, table: Table(table) }));
            }
            O::TableGrow { table } => {
                let n = self.pop_slot();
                let init = self.pop_slot();
                let dst = self.next_temp();
                self.emit_producer(h::table_grow.op(TableGrow {
                    dst,
                    init: Slot(init),
                    delta: Slot(n),
                    table: Table(table),
                }));
            }
            O::TableFill { table } => {
                let n = self.pop_slot();
                let v = self.pop_slot();
                let i = self.pop_slot();
                let (index, value, len, table) = (Slot(i), Slot(v), Slot(n), Table(table));
                self.emit(h::table_fill.op(TableFill { index, value, len, table }));
            }
            O::TableCopy { dst_table, src_table } => {
                let n = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(h::table_copy.op(TableBulk { dst: Slot(dst), src: Slot(src), len: Slot(n) }));
                let (dst_table, src_table) = (Table(dst_table), Table(src_table));
                self.emit(h::table_copy.data(TableCopyData { dst_table, src_table }));
            }
            O::TableInit { elem_index, table } => {
                let n = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(h::table_init.op(TableBulk { dst: Slot(dst), src: Slot(src), len: Slot(n) }));
                self.emit(h::table_init.data(TableInitData { table: Table(table), elem: Elem(elem_index) }));
            }
            O::ElemDrop { elem_index } => {
                self.emit(h::elem_drop.op(ElemDrop { elem: Elem(elem_index) }));
            }
            O::RefNull { .. } => self.push(Operand::Const(0)),
            // The null reference is the cell 0.
            O::RefIsNull => self.un_acc(h::i64_eqz, h::i64_eqz_a),
            O::RefFunc { function_index } => {
                let dst = self.next_temp();
                self.emit_producer(h::ref_func.op(RefFunc { dst, func: Func(function_index) }));
            }
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

            O::I32Clz => self.un_acc(h::i32_clz, h::i32_clz_a),
            O::I32Ctz => self.un_acc(h::i32_ctz, h::i32_ctz_a),
            O::I32Popcnt => self.un_acc(h::i32_popcnt, h::i32_popcnt_a),
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
            O::I64Clz => self.un_acc(h::i64_clz, h::i64_clz_a),
            O::I64Ctz => self.un_acc(h::i64_ctz, h::i64_ctz_a),
            O::I64Popcnt => self.un_acc(h::i64_popcnt, h::i64_popcnt_a),
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

            O::F32Abs => self.un_acc(h::f32_abs, h::f32_abs_a),
            O::F32Neg => self.un_acc(h::f32_neg, h::f32_neg_a),
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
            O::F64Abs => self.un_acc(h::f64_abs, h::f64_abs_a),
            O::F64Neg => self.un_acc(h::f64_neg, h::f64_neg_a),
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
            O::I64ExtendI32S => self.un_acc(h::i64_extend32_s, h::i64_extend32_s_a),
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
            O::I32Extend8S => self.un_acc(h::i32_extend8_s, h::i32_extend8_s_a),
            O::I32Extend16S => self.un_acc(h::i32_extend16_s, h::i32_extend16_s_a),
            O::I64Extend8S => self.un_acc(h::i64_extend8_s, h::i64_extend8_s_a),
            O::I64Extend16S => self.un_acc(h::i64_extend16_s, h::i64_extend16_s_a),
            O::I64Extend32S => self.un_acc(h::i64_extend32_s, h::i64_extend32_s_a),
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
/// `visit_*` with the decoded immediates, the body's check validates the operator first, and only
/// a valid operator reaches [`FuncTranslator::translate_op`]. Decoding into an [`Operator`] and
/// dispatching on it again for validation is what this saves.
pub(super) struct OpVisitor<'t, 'm, 'v> {
    pub(super) tr: &'t mut FuncTranslator,
    pub(super) ctx: &'t ModuleCtx<'m>,
    /// How the body's operators are validated.
    pub(super) check: BodyCheck<'v>,
}

/// How a body is validated while it is translated.
pub(super) enum BodyCheck<'v> {
    /// Not at all: the module is known to be valid ([`crate::Module::new_prevalidated`]).
    Trusted,
    /// By the profile's own body validator ([`FuncCheck`]), which accepts or declines each
    /// operator without wording an error. A body on which it declines anything, or whose
    /// translation fails in any other way, is translated again from its start with [`Self::Full`],
    /// whose verdict and error stand (`FuncTranslator::translate`): what it accepts wasmparser
    /// accepts, and the translation does not depend on which validator ran.
    Fast(&'v mut FuncCheck, &'v ValidatorResources),
    /// By wasmparser's validator, the authority.
    Full(&'v mut FuncValidator<ValidatorResources>),
}

impl BodyCheck<'_> {
    /// Declares `count` locals of type `ty` (the declaration at `offset`).
    pub(super) fn define_locals(&mut self, offset: u64, count: u32, ty: ValType) -> Res {
        match self {
            BodyCheck::Trusted => Ok(()),
            BodyCheck::Fast(check, _) => check.define_locals(count, ty).map_err(|Declined| declined()),
            BodyCheck::Full(validator) => Ok(validator.define_locals(offset, count, ty)?),
        }
    }
}

/// The error a fast check's decline becomes: never seen by a caller, since the body is then
/// validated again by wasmparser's validator, whose verdict stands.
#[cold]
fn declined() -> Error {
    Error::Invalid { message: String::new(), offset: 0 }
}

impl OpVisitor<'_, '_, '_> {
    /// Validates the operator being visited with the body's check: `fast` with the profile's
    /// validator, `full` with wasmparser's at the operator's binary offset (the translator's: one
    /// store an operator rather than two; a module's size is a `u32`,
    /// `Config::max_module_size`, so it is exact).
    #[inline(always)]
    fn validate(
        &mut self,
        fast: impl FnOnce(&mut FuncVisitor<'_, ValidatorResources>) -> Result<(), Declined>,
        full: impl FnOnce(&mut FuncValidator<ValidatorResources>, u64) -> Result<(), BinaryReaderError>,
    ) -> VisitResult {
        match &mut self.check {
            BodyCheck::Trusted => Ok(()),
            BodyCheck::Fast(check, resources) => {
                fast(&mut check.visitor(*resources)).map_err(|Declined| Box::new(declined()))
            }
            BodyCheck::Full(v) => full(v, u64::from(self.tr.offset)).map_err(|e| Box::new(e.into())),
        }
    }

    /// `visit_local_get`, inlined into the decoder's loop: the most common operator, whose
    /// translation is one push, costed as much again in the call to the out-of-line visitor.
    #[inline(always)]
    pub(super) fn local_get(&mut self, local_index: u32) -> VisitResult {
        self.validate(|c| c.visit_local_get(local_index), |v, at| v.visitor(at).visit_local_get(local_index))?;
        // `translate_op`'s arm for `local.get`: nothing in unreachable code.
        if self.tr.reachable {
            self.tr.push(Operand::Local(local_index));
        }
        Ok(())
    }

    /// `visit_i32_const` and `visit_i64_const`, inlined into the decoder's loop like
    /// [`Self::local_get`]: `translate_op`'s arms for them push the constant.
    #[inline(always)]
    pub(super) fn i32_const(&mut self, value: i32) -> VisitResult {
        self.validate(|c| c.visit_i32_const(value), |v, at| v.visitor(at).visit_i32_const(value))?;
        if self.tr.reachable {
            self.tr.push(Operand::Const(value as u32 as u64));
        }
        Ok(())
    }

    /// See [`Self::i32_const`].
    #[inline(always)]
    pub(super) fn i64_const(&mut self, value: i64) -> VisitResult {
        self.validate(|c| c.visit_i64_const(value), |v, at| v.visitor(at).visit_i64_const(value))?;
        if self.tr.reachable {
            self.tr.push(Operand::Const(value as u64));
        }
        Ok(())
    }

    /// `i32.const` (`wide` false) or `i64.const` of `value`, then `call func` at offset
    /// `call_at`: each validated and translated as by its own `visit_*`, without the second
    /// operator's trip through the reader's visitor and [`FuncTranslator::translate_op`].
    #[inline(never)]
    pub(super) fn const_call(&mut self, value: u64, wide: bool, func: u32, call_at: u32) -> VisitResult {
        if wide {
            self.i64_const(value as i64)?;
        } else {
            self.i32_const(value as u32 as i32)?;
        }
        self.tr.offset = call_at;
        self.validate(|c| c.visit_call(func), |v, at| v.visitor(at).visit_call(func))?;
        if self.tr.reachable {
            self.tr.call(self.ctx, func);
        }
        Ok(())
    }

    /// See [`Self::i32_const`].
    #[inline(always)]
    pub(super) fn f32_const(&mut self, value: Ieee32) -> VisitResult {
        self.validate(|c| c.visit_f32_const(value), |v, at| v.visitor(at).visit_f32_const(value))?;
        if self.tr.reachable {
            self.tr.push(Operand::Const(value.bits() as u64));
        }
        Ok(())
    }

    /// See [`Self::i32_const`].
    #[inline(always)]
    pub(super) fn f64_const(&mut self, value: Ieee64) -> VisitResult {
        self.validate(|c| c.visit_f64_const(value), |v, at| v.visitor(at).visit_f64_const(value))?;
        if self.tr.reachable {
            self.tr.push(Operand::Const(value.bits()));
        }
        Ok(())
    }

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
/// frames, and the validator has seen every operator the reader decoded so far. Without a
/// validator (a module known to be valid), the translator's control stack stands in for it.
impl FrameStack for OpVisitor<'_, '_, '_> {
    fn current_frame(&self) -> Option<FrameKind> {
        match &self.check {
            BodyCheck::Full(validator) => validator.get_control_frame(0).map(|frame| frame.kind),
            BodyCheck::Fast(check, _) => check.frame_kind(0),
            // A valid body needs only the two answers the reader acts on: no frame once the
            // function's final `end` emptied the translator's control stack (which holds no
            // frame the validator would not), and an `if` for an `else`, which in a valid body
            // is always inside one (live, or counted in `dead_depth`).
            BodyCheck::Trusted if self.tr.ctrl.is_empty() => None,
            BodyCheck::Trusted => Some(FrameKind::If),
        }
    }
}

/// What a `visit_*` method returns. The error is boxed so that the result fits in a register:
/// the reader moves every operator's result through its own `Result`, and errors are rare.
pub(super) type VisitResult = Result<(), Box<Error>>;

/// Defines each `visit_*` method as: validate with the profile's validator through `$trait`, or
/// with wasmparser's through `$validator` (its plain or SIMD visitor), then translate the operator
/// rebuilt from its immediates.
macro_rules! define_fused_visit {
    ($trait:ident, $validator:ident; $( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> VisitResult {
                self.validate(
                    |c| $trait::$visit(c $($(, $arg.clone())*)?),
                    |v, at| v.$validator(at).$visit($($($arg.clone()),*)?),
                )?;
                self.translate(Operator::$op $({ $($arg),* })?).map_err(Box::new)
            }
        )*
    };
}

macro_rules! define_fused_visit_plain {
    ($($input:tt)*) => { define_fused_visit!(VisitOperator, visitor; $($input)*); };
}

macro_rules! define_fused_visit_simd {
    ($($input:tt)*) => { define_fused_visit!(VisitSimdOperator, simd_visitor; $($input)*); };
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
