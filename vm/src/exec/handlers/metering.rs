//! The `tally.*` metering intrinsics as ops: a charge, a length-dependent charge, the stack
//! counter, and function entry (stack reservation and entry charge in one op).
//!
//! The gas left travels with the other hot state, in the `gas` argument of every handler; the
//! context's copy (`cx.meter`'s remaining gas) is current only while Wasm is not running: before
//! the first op, after a trap or the final return, and around calls that leave the
//! interpreter's handlers (`runtime::enter_func`).

#![allow(unused_variables)]

use super::super::runtime::trap;
use super::super::{Cx, Ip};
use super::{out_of_gas, rd, wr};

handler!(
    /// `tally.gas(c)` with `c` immediate.
    gas(ip, sp, mem, cx, gas, acc) {
    let Some(gas) = gas.checked_sub((*ip).c) else {
        return out_of_gas(ip, cx);
    };
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
    /// `tally.gas_len(len, unit)`: length in slot `b`, unit cost `c`; the length goes to slot `a`.
    gas_len(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let n = rd::<u32>(sp, op.b);
    // An overflowing product is more than any gas left.
    let Some(gas) = u64::from(n).checked_mul(op.c).and_then(|cost| gas.checked_sub(cost)) else {
        return out_of_gas(ip, cx);
    };
    let r = wr(sp, op.a, n);
    next!(ip.add(1), sp, mem, cx, gas, r)
});

handler!(
    /// `tally.stack_enter(c)` with `c` immediate.
    stack_enter(ip, sp, mem, cx, gas, acc) {
    if let Err(code) = (*cx).meter.stack_enter((*ip).c_lo()) {
        return trap(ip, cx, crate::metering::trap_code(code), gas);
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
    /// `tally.stack_leave(c)` with `c` immediate.
    stack_leave(ip, sp, mem, cx, gas, acc) {
    (*cx).meter.stack_leave((*ip).c_lo());
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
    /// Function entry: `tally.stack_enter(a)` then `tally.gas(c)`.
    enter_gas(ip, sp, mem, cx, gas, acc) {
    match run_entry(ip, cx, gas) {
        Ok(gas) => next!(ip.add(1), sp, mem, cx, gas, acc),
        Err(stop) => stop,
    }
});

/// Runs the `enter_gas` op at `entry`: reserves the frame, then pays the entry charge. Returns
/// the gas left, or the trap's result (reported at `entry`).
#[inline(always)]
pub(super) unsafe fn run_entry(entry: Ip, cx: *mut Cx, gas: u64) -> Result<u64, Ip> {
    // SAFETY: `entry` is an `enter_gas` op and `cx` the live context.
    unsafe {
        let op = &*entry;
        if let Err(code) = (*cx).meter.stack_enter(op.a) {
            return Err(trap(entry, cx, crate::metering::trap_code(code), gas));
        }
        gas.checked_sub(op.c).ok_or_else(|| out_of_gas(entry, cx))
    }
}
