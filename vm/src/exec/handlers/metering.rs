//! The `tally.*` metering intrinsics as ops: a charge, a length-dependent charge, the stack
//! counter, and function entry (stack reservation and entry charge in one op); and the forms
//! that also pay the region's memory-access charge after them, which other ops' handlers use to
//! pay a charge without dispatching it (`pay_charge`, `pay_memory`).
//!
//! The gas left travels with the other hot state, in the `gas` argument of every handler; the
//! context's copy (`cx.meter`'s remaining gas) is current only while Wasm is not running: before
//! the first op, after a trap or the final return, and around calls that leave the
//! interpreter's handlers (`runtime::enter_func`).

#![allow(unused_variables)]

use super::super::layout::{Charge, DstLenPrice, DstPrice, DstSlotPrice, Entry, Layout, StackUnits};
use super::super::runtime::trap;
use super::super::{Cx, Ip, Sp};
use super::{next_op, out_of_gas, rd, wr};

handler!(
    /// `tally.gas(c)` with `c` immediate.
    charge(ip, sp, mem, cx, gas, acc, op: Charge) {
    let Some(gas) = gas.checked_sub(op.gas.0) else {
        return out_of_gas(ip, cx);
    };
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
    /// `tally.gas(c)` followed by the region's memory-access charge (a `memory_size_gas` op,
    /// whose result nothing reads): pays both and skips that op, one dispatch fewer. The op
    /// stays in place for branches that land on it; out of gas traps where the unfused ops would.
    gas_mem(ip, sp, mem, cx, gas, acc, op: Charge) {
    let Some(gas) = gas.checked_sub(op.gas.0) else {
        return out_of_gas(ip, cx);
    };
    match pay_memory(ip.add(1), cx, gas) {
        Ok(gas) => next!(ip.add(2), sp, mem, cx, gas, acc),
        Err(stop) => stop,
    }
});

/// Pays the memory-access charge of the `memory_size_gas` op at `at` (the memory's pages times
/// its price) without running the op: its result is dropped unread. Returns the gas left, or the
/// trap's result (out of gas at `at`, as if the op ran).
///
/// The translator fuses only charges whose price fits in 32 bits, and a memory has at most 2^16
/// pages, so the product cannot overflow: a plain multiply, which (unlike a checked one on
/// x86-64) needs no `rdx`, the register `mem` lives in, and so no register save.
#[inline(always)]
pub(super) unsafe fn pay_memory(at: Ip, cx: *mut Cx, gas: u64) -> Result<u64, Ip> {
    // SAFETY: `at` is a `memory_size_gas` op and `cx` the live context.
    unsafe {
        let pages = ((*cx).mem_len / crate::store::PAGE_SIZE) as u64;
        let cost = pages.wrapping_mul(DstPrice::decode(&*at).per.0);
        gas.checked_sub(cost).ok_or_else(|| out_of_gas(at, cx))
    }
}

/// Pays the charge of the `gas` or `gas_mem` op at `at` without dispatching it (a branch's
/// fallthrough, a call's return) and continues after it: a `gas_mem` op's flag is set, and its
/// memory-access charge is paid and skipped too. Out of gas traps at the op that would have
/// trapped.
#[inline(always)]
pub(super) unsafe fn pay_charge(at: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: `at` is a `gas` or `gas_mem` op (both read `Charge`), so a set flag means a
    // `memory_size_gas` op follows it, and an op of the same function follows that; `cx` is the
    // live context.
    unsafe {
        let op = Charge::decode(&*at);
        let Some(gas) = gas.checked_sub(op.gas.0) else {
            return out_of_gas(at, cx);
        };
        if !op.memory.0 {
            return next_op(at.add(1), sp, mem, cx, gas, acc);
        }
        match pay_memory(at.add(1), cx, gas) {
            Ok(gas) => next_op(at.add(2), sp, mem, cx, gas, acc),
            Err(stop) => stop,
        }
    }
}

handler!(
    /// `tally.gas_len(len, unit)`: the length in a slot, the unit cost immediate; the length goes
    /// to the result slot.
    gas_len(ip, sp, mem, cx, gas, acc, op: DstSlotPrice) {
    let n = rd::<u32>(sp, op.len);
    // An overflowing product is more than any gas left.
    let Some(gas) = u64::from(n).checked_mul(op.per.0).and_then(|cost| gas.checked_sub(cost)) else {
        return out_of_gas(ip, cx);
    };
    let r = wr(sp, op.dst, n);
    next!(ip.add(1), sp, mem, cx, gas, r)
});

handler!(
    /// `tally.gas_len(len, unit)` of a constant length (an `i32.const` just before the call):
    /// [`gas_len`] and the constant's op in one, the length immediate. The op stands where the
    /// call's two ops stood and traps where `gas_len` did (both are the call's); the constant's
    /// slot is the result slot, which this op writes as `gas_len` did.
    gas_len_imm(ip, sp, mem, cx, gas, acc, op: DstLenPrice) {
    let n = op.len.0 as u32;
    // An overflowing product is more than any gas left.
    let Some(gas) = u64::from(n).checked_mul(op.per.0).and_then(|cost| gas.checked_sub(cost)) else {
        return out_of_gas(ip, cx);
    };
    let r = wr(sp, op.dst, n);
    next!(ip.add(1), sp, mem, cx, gas, r)
});

handler!(
    /// `tally.stack_enter(c)` with `c` immediate.
    stack_enter(ip, sp, mem, cx, gas, acc, op: StackUnits) {
    if let Err(code) = (*cx).meter.stack_enter(op.units.0) {
        return trap(ip, cx, crate::metering::trap_code(code), gas);
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
    /// `tally.stack_leave(c)` with `c` immediate.
    stack_leave(ip, sp, mem, cx, gas, acc, op: StackUnits) {
    (*cx).meter.stack_leave(op.units.0);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
    /// Function entry: `tally.stack_enter(stack)` then `tally.gas(gas)`.
    enter_gas(ip, sp, mem, cx, gas, acc, op: Entry) {
    match run_entry::<false>(ip, cx, gas) {
        Ok(gas) => next!(ip.add(1), sp, mem, cx, gas, acc),
        Err(stop) => stop,
    }
});

handler!(
    /// Function entry: `tally.stack_enter(stack)`, `tally.gas(gas)`, then the entry region's
    /// memory-access charge, the `memory_size_gas` op after this one, which is skipped (see
    /// [`gas_mem`]).
    enter_gas_mem(ip, sp, mem, cx, gas, acc, op: Entry) {
    match run_entry::<true>(ip, cx, gas) {
        Ok(gas) => next!(ip.add(2), sp, mem, cx, gas, acc),
        Err(stop) => stop,
    }
});

/// Runs the `enter_gas` op at `entry` (with `MEM`, the `enter_gas_mem` op): reserves the frame,
/// then pays the entry charge, and with `MEM` the memory-access charge after it. Returns the
/// gas left, or the trap's result (reported at the op that would have trapped); the code
/// continues after the op, or with `MEM` after the `memory_size_gas` op that follows it.
#[inline(always)]
pub(super) unsafe fn run_entry<const MEM: bool>(entry: Ip, cx: *mut Cx, gas: u64) -> Result<u64, Ip> {
    // SAFETY: `entry` is an `enter_gas` op, or with `MEM` an `enter_gas_mem` op (which a
    // `memory_size_gas` op follows; both read `Entry`); `cx` is the live context.
    unsafe {
        // Each operand decoded where it is used: read before the stack counter is written,
        // the charge would be held in a register across that write.
        if let Err(code) = (*cx).meter.stack_enter(Entry::decode(&*entry).stack.0) {
            return Err(trap(entry, cx, crate::metering::trap_code(code), gas));
        }
        let Some(gas) = gas.checked_sub(Entry::decode(&*entry).gas.0) else {
            return Err(out_of_gas(entry, cx));
        };
        if !MEM {
            return Ok(gas);
        }
        pay_memory(entry.add(1), cx, gas)
    }
}
