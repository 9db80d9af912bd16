//! The symbolic operand stack: what each Wasm operand is (a local, a constant, or a temporary in
//! the slot of its height), turning descriptors into slots, and `local.set`/`tee`, which must
//! preserve stale `Local` descriptors before the write (the module's invariants); and the
//! operand a `global.get` pushes without an op when it reads back what a `global.set` just
//! stored, with the joined stores that follow such a read.

use super::{FuncTranslator, GlobalSet};
use crate::exec::handlers as h;
use crate::exec::layout::{result_slot, set_result_slot, Global, GlobalAcc, GlobalAcc2, GlobalAcc3};

/// An operand of the symbolic stack: where its value is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Operand {
    /// The value of local `x`, read from its slot until the local is written.
    Local(u32),
    /// A constant, as a cell: an immediate until something needs it in a slot.
    Const(u64),
    /// A computed value, in the temporary slot of its height.
    Temp,
}

impl FuncTranslator {
    /// The operand stack's height.
    pub(super) fn height(&self) -> u32 {
        self.stack.len() as u32
    }

    /// The slot of the temporary at stack height `height`.
    pub(super) fn temp_slot(&self, height: u32) -> u32 {
        self.locals + height
    }

    /// Pushes an operand, tracking the highest stack for the frame size.
    #[inline(always)]
    pub(super) fn push(&mut self, o: Operand) {
        self.stack.push(o);
        self.max_height = self.max_height.max(self.stack.len() as u32);
    }

    /// Pushes a temporary and returns its slot.
    #[inline(always)]
    pub(super) fn push_temp(&mut self) -> u32 {
        let slot = self.temp_slot(self.height());
        self.push(Operand::Temp);
        slot
    }

    /// Pops an operand; returns it and the height it was at.
    #[inline(always)]
    pub(super) fn pop(&mut self) -> (Operand, u32) {
        let o = self.stack.pop().unwrap_or(Operand::Temp);
        (o, self.height())
    }

    /// The slot holding a popped operand that was at `height`; constants are written to the
    /// temporary slot of that height first.
    #[inline]
    pub(super) fn slot_of(&mut self, o: Operand, height: u32) -> u32 {
        match o {
            Operand::Local(x) => x,
            Operand::Temp => self.temp_slot(height),
            Operand::Const(c) => {
                let slot = self.temp_slot(height);
                self.emit_konst(slot, c);
                slot
            }
        }
    }

    /// Pops an operand into a slot (see [`Self::slot_of`]).
    #[inline]
    pub(super) fn pop_slot(&mut self) -> u32 {
        let (o, hgt) = self.pop();
        self.slot_of(o, hgt)
    }

    /// Replaces the top operand with the temporary of its height, for a unary operator's
    /// result: returns the slot holding the operand (see [`Self::slot_of`]) and the result's slot.
    /// The same as popping the operand into a slot and pushing a temporary, without the pushes'
    /// bookkeeping: the stack was that high already.
    #[inline(always)]
    pub(super) fn top_to_temp(&mut self) -> (u32, u32) {
        if self.stack.is_empty() {
            // Never for a validated operator in reachable code; a pop would have read a
            // temporary at height 0.
            self.push(Operand::Temp);
        }
        let top = self.stack.len() - 1;
        let hgt = top as u32;
        let slot = self.slot_of(self.stack[top], hgt);
        self.stack[top] = Operand::Temp;
        (slot, self.temp_slot(hgt))
    }

    /// Turns the operand at `height` into a temporary in its own slot.
    fn materialize(&mut self, height: u32) {
        let slot = self.temp_slot(height);
        match self.stack[height as usize] {
            Operand::Temp => return,
            Operand::Local(x) => {
                self.emit_copy(slot, x);
            }
            Operand::Const(c) => {
                self.emit_konst(slot, c);
            }
        }
        self.stack[height as usize] = Operand::Temp;
    }

    /// Materializes every `Local` operand (before a control frame: the module's invariants).
    #[inline]
    pub(super) fn materialize_locals(&mut self) {
        for i in 0..self.stack.len() {
            if matches!(self.stack[i], Operand::Local(_)) {
                self.materialize(i as u32);
            }
        }
    }

    /// Materializes the top `n` operands (block parameters, call arguments).
    #[inline]
    pub(super) fn materialize_top(&mut self, n: u32) {
        let len = self.height();
        for i in len.saturating_sub(n)..len {
            self.materialize(i);
        }
    }

    /// Copies the operand at `height` into `dst` unless it is already there.
    #[inline]
    pub(super) fn copy_into(&mut self, dst: u32, height: u32) {
        match self.stack[height as usize] {
            Operand::Local(x) if x != dst => {
                self.emit_copy(dst, x);
            }
            Operand::Temp if self.temp_slot(height) != dst => {
                let src = self.temp_slot(height);
                self.emit_copy(dst, src);
            }
            Operand::Const(c) => {
                self.emit_konst(dst, c);
            }
            _ => {}
        }
    }

    /// `local.set`/`local.tee` of local `x`: the producer of the value writes the local itself
    /// when it can; stale `Local(x)` operands are preserved first.
    pub(super) fn local_set(&mut self, x: u32, tee: bool) {
        let below = self.stack.len().saturating_sub(1);
        let preserve = self.stack[..below].contains(&Operand::Local(x));
        let top_slot = self.temp_slot(self.height().saturating_sub(1));
        let producer = match (self.stack.last(), self.producer) {
            (Some(Operand::Temp), Some(p)) if result_slot(&self.ops[p]) == top_slot => Some(p),
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
            // Usually there is nothing to preserve; `rotate_right(0)` is still an out-of-line call.
            if copies > 0 {
                self.ops[p..].rotate_right(copies);
                self.offsets[p..].rotate_right(copies);
            }
            // The last op is the producer again: nothing joins the copies now before it.
            self.forget_copies();
            set_result_slot(&mut self.ops[p + copies], x);
            self.producer = None;
            self.last_test = None;
            self.last_fuse = None;
            // The producer, still the last op, now hands on the local's value.
            self.acc = Some(x);
            self.stack.pop();
            if tee {
                self.push(Operand::Local(x));
            }
            return;
        }
        if preserve {
            self.preserve_local(x, below);
        }
        let hgt = self.height() - 1;
        self.copy_into(x, hgt);
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

    /// `global.get` of `global` directly after a `global.set` of it (the last op emitted, no
    /// label since): pushes the operand the set stored and returns true, emitting nothing. A
    /// constant or a local (unchanged since: writing it would have emitted an op) is pushed as
    /// itself; a temporary only if its slot is the one the pushed value would get (nothing wrote
    /// it since the set read it), and then the accumulator still holds it if the set read it
    /// from there (`global_set_a` passes it through). A chain `global.set (k+1) (global.get k)`
    /// then runs one op per link, and the value moves in a register, not through the global's
    /// cell (a store followed by a load of the same address).
    #[inline]
    pub(super) fn reread_global(&mut self, global: u32) -> bool {
        let Some(set) = self.global_set else { return false };
        if set.global != global || set.at + 1 != self.ops.len() {
            return false;
        }
        match set.value {
            Operand::Temp => {
                if set.slot != self.temp_slot(self.height()) {
                    return false;
                }
                self.push(Operand::Temp);
                if set.from_acc {
                    self.acc = Some(set.slot);
                }
            }
            value => self.push(value),
        }
        true
    }

    /// `global.set` of `global` from the accumulator, which holds `slot`, directly after a
    /// `global_set_a` (or one of its joined forms) that stored the same slot from the
    /// accumulator (the value the set before stored, read back by [`Self::reread_global`]): the
    /// store joins that op (`global_set2_a`, then `global_set3_a`) and returns true, so a chain
    /// of globals each copied from the one before runs one op per three links.
    pub(super) fn store_global_again(&mut self, global: u32, slot: u32) -> bool {
        let Some(set) = self.global_set else { return false };
        if set.at + 1 != self.ops.len() || !set.from_acc || set.slot != slot || self.acc != Some(slot) {
            return false;
        }
        let prev = &mut self.ops[set.at];
        if h::global_set_a.is(prev) {
            let GlobalAcc { global: first, value } = h::global_set_a.operands(prev);
            *prev = h::global_set2_a.op(GlobalAcc2 { global: first, value, global2: Global(global) });
        } else if h::global_set2_a.is(prev) {
            let GlobalAcc2 { global: first, value, global2 } = h::global_set2_a.operands(prev);
            *prev = h::global_set3_a.op(GlobalAcc3 { global: first, value, global2, global3: Global(global) });
        } else {
            return false;
        }
        self.global_set = Some(GlobalSet { global, ..set });
        self.acc_before_last = self.acc.take();
        true
    }
}
