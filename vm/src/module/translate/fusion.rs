//! Peephole fusion: when the last op emitted produced the operand that the next operator
//! consumes, and nothing else reads it, the two become one op. An `i32.add` of a constant folds
//! into the address of a load or store; `fNN.mul` into `fNN.add`; `i64` shifts and rotates by a
//! constant into `i64.xor`, `i64.xor` into a rotate, `x ^ -1` into `i64.and` (and-not) and that
//! into `i64.xor`; `i64.shr_u` into `i32.wrap_i64`. Also `i32` division and remainder by a
//! constant, which need neither a zero check nor a divide.

use super::stack::Operand;
use super::visit::Form;
use super::FuncTranslator;
use crate::exec::handlers::{self as h, Bin};
use crate::exec::layout::{
    result_slot, Acc, AddImm, BitShift, BitShiftB, BitShiftBZ, BitShiftZ, Bits, BitsB, BitsZ, Cell, DivConst,
    DivConstAcc, Divisor, DivisorData, Dst, DstSlot3, LoadAcc, LoadAdd, LoadAddAcc, Offset, Reciprocal, Shift, Slot,
    StoreAcc, StoreAdd, StoreAddAcc, StoreImm, StoreImmAdd, WrapShr, WrapShrAcc, I32,
};
use crate::exec::numeric::Reciprocal32;

/// A producer whose result can be folded into the op that consumes it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Fuse {
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
pub(super) enum BitOp {
    Shl,
    ShrU,
    Rotl,
    Not,
}

/// The four `i32` division operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DivRem {
    DivS,
    DivU,
    RemS,
    RemU,
}

impl DivRem {
    /// The handlers for a divisor in a slot, which check it for zero.
    fn generic(self) -> Bin<I32> {
        match self {
            DivRem::DivS => h::I32_DIV_S,
            DivRem::DivU => h::I32_DIV_U,
            DivRem::RemS => h::I32_REM_S,
            DivRem::RemU => h::I32_REM_U,
        }
    }
}

impl FuncTranslator {
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
            || result_slot(&self.ops[producer]) != self.temp_slot(at as u32)
        {
            return None;
        }
        self.unemit_last();
        self.producer = None;
        self.last_test = None;
        self.last_fuse = None;
        Some(form)
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

    /// The address add that produced the top temporary, removed from the code: `(base, imm)`.
    fn take_address_add(&mut self) -> Option<(u32, u32)> {
        self.take_fuse(|f| match f {
            Fuse::AddImm { base, imm } => Some((base, imm)),
            _ => None,
        })
    }

    /// A load: with the address add that produced its address folded in, when there is one.
    pub(super) fn load(&mut self, forms: h::Load, offset: u64) {
        if let Some((base, imm)) = self.take_address_add() {
            self.stack.pop();
            let (held, add, offset) = (self.holds(base), AddImm(imm), Offset(offset));
            let dst = self.next_temp();
            self.emit_producer(if held {
                forms.add_acc.op(LoadAddAcc { dst, base: Acc(base), add, offset })
            } else {
                forms.add.op(LoadAdd { dst, base: Slot(base), add, offset })
            });
            return;
        }
        let (addr, dst) = self.top_to_temp();
        let (held, offset) = (self.holds(addr), Offset(offset));
        let dst = Dst(dst);
        self.emit_produced(if held {
            forms.plain_acc.op(LoadAcc { dst, addr: Acc(addr), offset })
        } else {
            forms.plain.op(crate::exec::layout::Load { dst, addr: Slot(addr), offset })
        });
    }

    /// A store of `width` bytes.
    pub(super) fn store(&mut self, forms: h::Store, width: u32, offset: u64) {
        let h::Store { plain, plain_acc, imm, add: fused_add, add_acc: fused_add_acc, imm_add: imm_fused_add } = forms;
        let (val, hv) = self.pop();
        if let Operand::Const(v) = val {
            // The fused form has room for 32 bits of the value; narrower stores ignore the rest.
            let fits = width <= 4 || v >> 32 == 0;
            if let Some((base, imm)) = fits.then(|| self.take_address_add()).flatten() {
                self.stack.pop();
                let (base, add, value, offset) = (Slot(base), AddImm(imm), Cell(v), Offset(offset));
                self.emit(imm_fused_add.op(StoreImmAdd { base, add, value, offset }));
                return;
            }
            let addr = self.pop_slot();
            self.emit(imm.op(StoreImm { addr: Slot(addr), value: Cell(v), offset: Offset(offset) }));
            return;
        }
        let val = self.slot_of(val, hv);
        let offset = Offset(offset);
        if let Some((base, imm)) = self.take_address_add() {
            self.stack.pop();
            let (base, add) = (Slot(base), AddImm(imm));
            self.emit(if self.holds(val) {
                fused_add_acc.op(StoreAddAcc { base, add, value: Acc(val), offset })
            } else {
                fused_add.op(StoreAdd { base, add, value: Slot(val), offset })
            });
            return;
        }
        let addr = Slot(self.pop_slot());
        self.emit(if self.holds(val) {
            plain_acc.op(StoreAcc { addr, value: Acc(val), offset })
        } else {
            plain.op(crate::exec::layout::Store { addr, value: Slot(val), offset })
        });
    }

    /// `i32.add`: of a constant, remembered for fusion into a load or store address.
    pub(super) fn i32_add(&mut self) {
        if let Form::SlotImm(base, imm) = self.bin(h::I32_ADD) {
            self.last_fuse = Some(Fuse::AddImm { base, imm: imm as u32 });
        }
    }

    /// `i32` division or remainder. By a constant divisor it needs neither the zero check nor a
    /// divide instruction: powers of two become shifts and masks (unsigned only), other divisors a
    /// multiply by a precomputed reciprocal (`numeric::Reciprocal32`).
    pub(super) fn i32_div_rem(&mut self, kind: DivRem) {
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
        let (dst, by) = (self.next_temp(), Reciprocal(reciprocal.to_bits()));
        let (plain, acc) = (DivConst { dst, src: Slot(x), by }, DivConstAcc { dst, src: Acc(x), by });
        let data = DivisorData { divisor: Divisor(divisor) };
        match (kind, self.holds(x)) {
            (DivRem::DivU, false) => self.emit_producer(h::i32_div_u_const.op(plain)),
            (DivRem::DivU, true) => self.emit_producer(h::i32_div_u_const_a.op(acc)),
            (DivRem::DivS, false) => self.emit_producer(h::i32_div_s_const.op(plain)),
            (DivRem::DivS, true) => self.emit_producer(h::i32_div_s_const_a.op(acc)),
            (DivRem::RemU, false) => {
                self.emit_producer_with_data((h::i32_rem_u_const.op(plain), h::i32_rem_u_const.data(data)))
            }
            (DivRem::RemU, true) => {
                self.emit_producer_with_data((h::i32_rem_u_const_a.op(acc), h::i32_rem_u_const_a.data(data)))
            }
            (DivRem::RemS, false) => {
                self.emit_producer_with_data((h::i32_rem_s_const.op(plain), h::i32_rem_s_const.data(data)))
            }
            (DivRem::RemS, true) => {
                self.emit_producer_with_data((h::i32_rem_s_const_a.op(acc), h::i32_rem_s_const_a.data(data)))
            }
        }
    }

    /// `i64.shl`/`i64.shr_u`: by a constant, remembered for fusion into a following `i64.xor`.
    pub(super) fn i64_shift(&mut self, b: Bin<crate::exec::layout::I64>, bit: BitOp) {
        if let Form::SlotImm(src, k) = self.bin(b) {
            self.last_fuse = Some(Fuse::Bit64 { op: bit, src, k: (k & 63) as u32 });
        }
    }

    /// `i64.rotl`: by a constant, fused with a directly preceding `i64.xor` of two slots, and
    /// otherwise remembered for fusion into a following `i64.xor`.
    pub(super) fn i64_rotl(&mut self) {
        if let Some(&Operand::Const(k)) = self.stack.last() {
            let xor = |f: Fuse| match f {
                Fuse::Xor64 { x, y } => Some((x, y)),
                _ => None,
            };
            if let Some((x, y)) = self.take_fuse_at(1, xor) {
                self.stack.truncate(self.stack.len() - 2);
                self.emit_fused(h::I64_ROTL_XOR, x, y, (k & 63) as u32);
                return;
            }
        }
        self.i64_shift(h::I64_ROTL, BitOp::Rotl);
    }

    /// `i64.xor`: fused with a directly preceding shift, rotate or and-not; `x ^ -1` and
    /// `x ^ y` are remembered for fusion with what follows.
    pub(super) fn i64_xor(&mut self) {
        // (forms, slot b, the shift amount) or, for and-not, slots b and z
        enum Fused2 {
            Shifted(h::Fused, u32, u32),
            AndNot(u32, u32),
        }
        let select = |f: Fuse| -> Option<Fused2> {
            match f {
                Fuse::Bit64 { op: BitOp::Shl, src, k } => Some(Fused2::Shifted(h::I64_XOR_SHL, src, k)),
                Fuse::Bit64 { op: BitOp::ShrU, src, k } => Some(Fused2::Shifted(h::I64_XOR_SHR_U, src, k)),
                Fuse::Bit64 { op: BitOp::Rotl, src, k } => Some(Fused2::Shifted(h::I64_XOR_ROTL, src, k)),
                Fuse::AndNot64 { b, z } => Some(Fused2::AndNot(b, z)),
                _ => None,
            }
        };
        match self.take_fused_operand(select) {
            Some((Fused2::Shifted(forms, b, k), other)) => return self.emit_fused(forms, b, other, k),
            Some((Fused2::AndNot(b, z), other)) => {
                let (x, y, z) = (Slot(b), Slot(z), Slot(other));
                let dst = self.next_temp();
                return self.emit_producer(h::i64_xor_andn.op(DstSlot3 { dst, x, y, z }));
            }
            None => {}
        }
        match self.bin(h::I64_XOR) {
            Form::SlotImm(src, u64::MAX) => self.last_fuse = Some(Fuse::Bit64 { op: BitOp::Not, src, k: 0 }),
            Form::SlotSlot(x, y) => self.last_fuse = Some(Fuse::Xor64 { x, y }),
            _ => {}
        }
    }

    /// `i32.wrap_i64`: fused with a directly preceding `i64.shr_u` by a constant, the usual way
    /// to take a field out of a 64-bit word.
    pub(super) fn i32_wrap_i64(&mut self) {
        let shr_u = |f: Fuse| match f {
            Fuse::Bit64 { op: BitOp::ShrU, src, k } => Some((src, k)),
            _ => None,
        };
        if let Some((src, k)) = self.take_fuse(shr_u) {
            self.stack.pop();
            let (held, k) = (self.holds(src), Shift(k));
            let dst = self.next_temp();
            self.emit_producer(if held {
                h::i32_wrap_shr_u_a.op(WrapShrAcc { dst, src: Acc(src), k })
            } else {
                h::i32_wrap_shr_u.op(WrapShr { dst, src: Slot(src), k })
            });
            return;
        }
        self.un_acc(h::i32_wrap_i64, h::i32_wrap_i64_a);
    }

    /// `i64.and`: fused with a directly preceding `x ^ -1` into an and-not.
    pub(super) fn i64_and(&mut self) {
        let not = |f: Fuse| match f {
            Fuse::Bit64 { op: BitOp::Not, src, .. } => Some(src),
            _ => None,
        };
        if let Some((src, z)) = self.take_fused_operand(not) {
            self.emit_andn(src, z);
            self.last_fuse = Some(Fuse::AndNot64 { b: src, z });
            return;
        }
        self.binop(h::I64_AND);
    }

    /// Emits a fused bit operation of slots `b` and `z` and the shift amount `k`, in the form
    /// that reads from the accumulator whichever of them it holds.
    fn emit_fused(&mut self, forms: h::Fused, b: u32, z: u32, k: u32) {
        let (held_b, held_z, k) = (self.holds(b), self.holds(z), Shift(k));
        let dst = self.next_temp();
        self.emit_producer(match (held_b, held_z, forms.both_acc) {
            (true, true, Some(both)) => both.op(BitShiftBZ { dst, b: Acc(b), z: Acc(z), k }),
            (true, _, _) => forms.b_acc.op(BitShiftB { dst, b: Acc(b), z: Slot(z), k }),
            (false, true, _) => forms.z_acc.op(BitShiftZ { dst, b: Slot(b), z: Acc(z), k }),
            (false, false, _) => forms.plain.op(BitShift { dst, b: Slot(b), z: Slot(z), k }),
        });
    }

    /// Emits the and-not `z & !b` of slots `b` and `z`, in the form that reads from the
    /// accumulator whichever of them it holds.
    fn emit_andn(&mut self, b: u32, z: u32) {
        let forms = h::I64_ANDN;
        let (held_b, held_z) = (self.holds(b), self.holds(z));
        let dst = self.next_temp();
        self.emit_producer(match (held_b, held_z) {
            (true, _) => forms.b_acc.op(BitsB { dst, b: Acc(b), z: Slot(z) }),
            (false, true) => forms.z_acc.op(BitsZ { dst, b: Slot(b), z: Acc(z) }),
            (false, false) => forms.plain.op(Bits { dst, b: Slot(b), z: Slot(z) }),
        });
    }

    /// `fNN.mul` of two slots: remembered for fusion into a following `fNN.add`.
    pub(super) fn float_mul(&mut self, is64: bool) {
        let form = if is64 { self.bin(h::F64_MUL) } else { self.bin(h::F32_MUL) };
        if let Form::SlotSlot(x, y) = form {
            self.last_fuse = Some(Fuse::Mul { is64, x, y });
        }
    }

    /// `fNN.add`, fused with a directly preceding `fNN.mul` when the other addend is in a slot.
    pub(super) fn float_add(&mut self, is64: bool) {
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
                let (x, y, z) = (Slot(x), Slot(y), Slot(self.slot_of(other, other_h)));
                let hd = if is64 { h::f64_mul_add } else { h::f32_mul_add };
                let dst = self.next_temp();
                self.emit_producer(hd.op(DstSlot3 { dst, x, y, z }));
                return;
            }
        }
        if is64 {
            self.bin(h::F64_ADD);
        } else {
            self.bin(h::F32_ADD);
        }
    }
}
