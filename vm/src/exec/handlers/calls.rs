//! Call and return handlers: calls to defined functions (with the fusions that pay the
//! callee's entry charge or the caller's next charge), to imported functions and through
//! tables, and returns (switching instances when the caller lives in another).

#![allow(unused_variables)]

use core::ptr;

use super::super::layout::{
    CallFunc, CallIndirect, CallInternal, Layout, Leave, LeaveCell, LeaveSlot, RetCell, RetSlot,
};
use super::super::runtime::{self, trap};
use super::super::{zero_small_locals, Cx, Ip, Sp, SMALL_LOCALS};
use super::metering::{enter_gas, pay_charge, run_entry};
use super::{next_op, rd};
use crate::module::CompiledFunc;
use crate::store::FuncKind;
use crate::TrapCode;

// ---- calls and returns ----

/// Calls the defined function of the current module that the `CallInternal` op at `ip` names,
/// with its frame there; the callee returns to `ret`. With `ENTERED`, the callee's first op is an `enter_gas` op that the call
/// runs itself (see [`call_internal_entered`]); with `MEM` too, an `enter_gas_mem` op. With
/// `NO_LOCALS`, the callee has no locals besides its parameters, so there is nothing to zero
/// (see [`call_internal_entered_nolocals`]).
#[inline(always)]
unsafe fn call_defined<const ENTERED: bool, const MEM: bool, const NO_LOCALS: bool>(
    ip: Ip,
    sp: Sp,
    mem: *mut u8,
    cx: *mut Cx,
    gas: u64,
    acc: u64,
    ret: Ip,
) -> Ip {
    // SAFETY: the handler invariants hold for `ip`, an op of a handler that reads
    // `CallInternal`, whose `func` indexes the instance's defined functions.
    unsafe {
        // Not through `enter_defined`: reading the callee's fields into a `Callee` before the
        // stack check costs this handler 8 instructions a call (measured on `fib`).
        let op = CallInternal::decode(&*ip);
        let f = &*(*cx).defined.add(op.func.0 as usize);
        let new_sp = sp.add(op.frame.0 as usize);
        // `new_sp` lies within the stack (the caller's frame fits), so the sum cannot wrap.
        if new_sp.wrapping_add(f.frame_cells as usize).cast_const() > (*cx).stack_end || !Cx::push_frame(cx, ret, sp) {
            return trap(ip, cx, TrapCode::StackExhausted, gas);
        }
        if !NO_LOCALS {
            if f.locals > SMALL_LOCALS {
                return enter_zeroing_locals(f, new_sp, mem, cx, gas);
            }
            zero_small_locals(new_sp.add(f.params as usize));
        }
        let entry = f.code.as_ptr();
        if !ENTERED {
            next_op(entry, new_sp, mem, cx, gas, acc)
        } else {
            match run_entry::<MEM>(entry, cx, gas) {
                Ok(gas) => next_op(entry.add(1 + MEM as usize), new_sp, mem, cx, gas, acc),
                Err(stop) => stop,
            }
        }
    }
}

/// What entering a defined function reads: its [`CompiledFunc`]'s fields, or their copy in its
/// store entity ([`WasmEntry`](crate::store::WasmEntry)).
struct Callee {
    code: Ip,
    params: u32,
    locals: u32,
    frame_cells: u32,
}

/// Enters defined function `f` of the current instance, whose fields `callee` holds, with its
/// frame at `new_sp`, for the call op at `ip` whose frame is at `sp`; the callee returns to
/// `ret`. `ENTERED` and `MEM` as for [`call_defined`], which does the same from `f` itself.
///
/// # Safety
/// Handler invariants for `ip`; `f` is a defined function of the current instance and `callee`
/// its fields; `new_sp` is the call's frame offset from `sp`, within the caller's frame.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn enter_defined<const ENTERED: bool, const MEM: bool>(
    ip: Ip,
    new_sp: Sp,
    sp: Sp,
    mem: *mut u8,
    cx: *mut Cx,
    gas: u64,
    acc: u64,
    callee: Callee,
    f: *const CompiledFunc,
    ret: Ip,
) -> Ip {
    // SAFETY: see the function's contract.
    unsafe {
        // `new_sp` lies within the stack (the caller's frame fits), so the sum cannot wrap.
        if new_sp.wrapping_add(callee.frame_cells as usize).cast_const() > (*cx).stack_end
            || !Cx::push_frame(cx, ret, sp)
        {
            return trap(ip, cx, TrapCode::StackExhausted, gas);
        }
        if callee.locals > SMALL_LOCALS {
            return enter_zeroing_locals(f, new_sp, mem, cx, gas);
        }
        zero_small_locals(new_sp.add(callee.params as usize));
        let entry = callee.code;
        if !ENTERED {
            next_op(entry, new_sp, mem, cx, gas, acc)
        } else {
            match run_entry::<MEM>(entry, cx, gas) {
                Ok(gas) => next_op(entry.add(1 + MEM as usize), new_sp, mem, cx, gas, acc),
                Err(stop) => stop,
            }
        }
    }
}

/// Enters defined function `f` with its frame at `sp` after zeroing its many locals. Out of
/// line and reached by a tail call, so that the `memset` call does not make every call handler
/// save registers.
#[inline(never)]
unsafe extern "C" fn enter_zeroing_locals(f: *const CompiledFunc, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64) -> Ip {
    // SAFETY: the caller checked that the frame of `f` fits on the stack at `sp`.
    unsafe {
        let f = &*f;
        ptr::write_bytes(sp.add(f.params as usize), 0, f.locals as usize);
        next_op(f.code.as_ptr(), sp, mem, cx, gas, 0)
    }
}

handler!(
/// Calls a defined function of the current module.
call_internal(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<false, false, false>(ip, sp, mem, cx, gas, acc, ip.add(1))
});

handler!(
/// `call_internal` followed by a `gas` op (the charge of the region after the call): the return
/// address is tagged so that the callee's return pays that charge and skips the op (see
/// [`resume`]).
call_internal_then_gas(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<false, false, false>(ip, sp, mem, cx, gas, acc, ip.add(1).map_addr(|a| a | RET_PAYS_GAS))
});

handler!(
/// `call_internal` to a function whose code starts with `enter_gas` (as every instrumented
/// function's does): the call reserves the callee's frame and pays its entry charge itself,
/// then continues at the callee's second op, one dispatch fewer. Callees with many locals still
/// run the op. Exhausting the stack or the gas traps at that op, with the frame pushed, exactly
/// as if it ran. Chosen after translation, once every callee's code is known
/// ([`fuse_entries`](crate::module::fuse_entries)).
call_internal_entered(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<true, false, false>(ip, sp, mem, cx, gas, acc, ip.add(1))
});

handler!(
/// [`call_internal_entered`] to a function whose code starts with `enter_gas_mem`: the call
/// pays the callee's entry memory-access charge too.
call_internal_entered_mem(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<true, true, false>(ip, sp, mem, cx, gas, acc, ip.add(1))
});

handler!(
/// [`call_internal_then_gas`] and [`call_internal_entered`] at once.
call_internal_entered_then_gas(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<true, false, false>(ip, sp, mem, cx, gas, acc, ip.add(1).map_addr(|a| a | RET_PAYS_GAS))
});

handler!(
/// [`call_internal_then_gas`] and [`call_internal_entered_mem`] at once.
call_internal_entered_mem_then_gas(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<true, true, false>(ip, sp, mem, cx, gas, acc, ip.add(1).map_addr(|a| a | RET_PAYS_GAS))
});

handler!(
/// [`call_internal_entered`] to a function without locals (only parameters): the call zeroes
/// nothing and does not test how many locals the callee has. Chosen with the other entered
/// forms ([`fuse_entries`](crate::module::fuse_entries)), from the callee's local count.
call_internal_entered_nolocals(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<true, false, true>(ip, sp, mem, cx, gas, acc, ip.add(1))
});

handler!(
/// [`call_internal_entered_mem`] to a function without locals.
call_internal_entered_mem_nolocals(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<true, true, true>(ip, sp, mem, cx, gas, acc, ip.add(1))
});

handler!(
/// [`call_internal_entered_then_gas`] to a function without locals.
call_internal_entered_then_gas_nolocals(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<true, false, true>(ip, sp, mem, cx, gas, acc, ip.add(1).map_addr(|a| a | RET_PAYS_GAS))
});

handler!(
/// [`call_internal_entered_mem_then_gas`] to a function without locals.
call_internal_entered_mem_then_gas_nolocals(ip, sp, mem, cx, gas, acc, op: CallInternal) {
    call_defined::<true, true, true>(ip, sp, mem, cx, gas, acc, ip.add(1).map_addr(|a| a | RET_PAYS_GAS))
});

handler!(
/// Calls a function of the module's function space (imported, so possibly host or another
/// instance).
call_func(ip, sp, mem, cx, gas, acc, op: CallFunc) {
    let func = runtime::func_of(cx, op.func.0);
    (*cx).meter.set_remaining(gas);
    runtime::enter_func(ip, sp, op.frame, mem, cx, func)
});

handler!(
/// `call_indirect`: the table, the index slot, the signature id and the frame. A defined function of the current instance is entered here, as
/// `call_internal` enters it (running its `enter_gas` op itself, as `call_internal_entered`
/// does): from the table cell and the store's function entity, which holds what the call
/// needs, without `enter_func`'s walk through the store's instance and module. Other targets (host
/// functions, intrinsics, other instances' functions) take `enter_func`.
call_indirect(ip, sp, mem, cx, gas, acc, op: CallIndirect) {
    let i = rd::<u32>(sp, op.index);
    let func = match runtime::indirect_target(cx, op.table.0, i, op.sig.0) {
        Ok(func) => func,
        Err(code) => return trap(ip, cx, code, gas),
    };
    if let FuncKind::Wasm { instance, def } = func.kind {
        if instance == (*(*cx).inst).index {
            // `def` indexes the defined functions of its instance, the current one.
            // Its entity's entry was set from it when its instance was placed in the store.
            let f = (*cx).defined.add(def as usize);
            let e = func.entry;
            let new_sp = sp.add(op.frame.0 as usize);
            let callee = || Callee { code: e.code, params: func.params, locals: e.locals, frame_cells: e.frame_cells };
            if enter_gas.is(&*e.code) {
                return enter_defined::<true, false>(ip, new_sp, sp, mem, cx, gas, acc, callee(), f, ip.add(1));
            }
            return enter_defined::<false, false>(ip, new_sp, sp, mem, cx, gas, acc, callee(), f, ip.add(1));
        }
    }
    (*cx).meter.set_remaining(gas);
    runtime::enter_func(ip, sp, op.frame, mem, cx, func.index)
});

/// Tag bit of a return address whose op is a `gas` op the return pays.
const RET_PAYS_GAS: usize = 1;

// The two tag bits are free in every op's address (4-aligned even on 32-bit targets).
const _: () = assert!(core::mem::align_of::<crate::exec::Op>() >= 4);

/// Tag bit of a return address in another instance than the callee's: the frame's `inst` is
/// set, and the return switches to it (see [`Frame`](crate::exec::Frame)). Calls within an
/// instance leave `inst` unwritten, so returns within one read neither it nor the current
/// instance.
pub(crate) const RET_SWITCHES: usize = 2;

#[inline(always)]
unsafe fn do_return(mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: frames pushed by calls hold valid return state; the entry frame returns to
    // `exec::EXIT`, which ends the run, so no return pops below it.
    unsafe {
        let frame = Cx::pop_frame(cx);
        let (ret, sp) = ((*frame).ret_ip, (*frame).sp);
        if ret.addr() & (RET_PAYS_GAS | RET_SWITCHES) == 0 {
            next!(ret, sp, mem, cx, gas, acc)
        }
        if ret.addr() & RET_SWITCHES != 0 {
            return resume_in(ret.map_addr(|a| a & !RET_SWITCHES), sp, (*frame).inst, cx, gas);
        }
        // Only `RET_PAYS_GAS` is set: subtracting it clears it in the charge op's offsets.
        pay_charge(ret.wrapping_byte_sub(RET_PAYS_GAS), sp, mem, cx, gas, acc)
    }
}

handler!(
/// Where the entry frame returns ([`EXIT`](crate::exec::EXIT)): the run is over, and the store
/// gets the gas back. No translated code holds this op.
exit(ip, sp, mem, cx, gas, acc) {
    (*cx).meter.set_remaining(gas);
    ptr::null()
});

/// Continues the caller at `ret` in instance `inst`, another than the callee's. Out of line and
/// reached by a tail call, so that the instance switch does not make every return handler save
/// registers.
#[inline(never)]
unsafe extern "C" fn resume_in(
    ret: Ip,
    sp: Sp,
    inst: *const crate::store::InstanceEntity,
    cx: *mut Cx,
    gas: u64,
) -> Ip {
    // SAFETY: `inst` is the live instance the popped frame belongs to.
    unsafe {
        let mem = runtime::switch_instance(cx, inst);
        resume(ret, sp, mem, cx, gas, 0)
    }
}

/// Continues the caller at return address `ret`. A tagged address (`call_internal_then_gas`)
/// points at the `gas` (or `gas_mem`) op charging the region after the call: the return pays
/// it and continues after it; out of gas traps at that op, exactly as if it ran.
#[inline(always)]
unsafe fn resume(ret: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: only `call_internal_then_gas` tags addresses, and the translator emits it only
    // when the op after the call is a `gas` op of the same function.
    unsafe {
        if ret.addr() & RET_PAYS_GAS == 0 {
            next!(ret, sp, mem, cx, gas, acc)
        }
        let charge = ret.map_addr(|a| a & !RET_PAYS_GAS);
        pay_charge(charge, sp, mem, cx, gas, acc)
    }
}

handler!(
    /// `tally.stack_leave(stack)`, then return.
    leave_ret(ip, sp, mem, cx, gas, acc, op: Leave) {
    (*cx).meter.stack_leave(op.stack.0);
    do_return(mem, cx, gas, acc)
});

handler!(
    /// `tally.stack_leave(stack)`, then return the value in a slot.
    leave_ret_slot(ip, sp, mem, cx, gas, acc, op: LeaveSlot) {
    (*cx).meter.stack_leave(op.stack.0);
    *sp = rd::<u64>(sp, op.value);
    do_return(mem, cx, gas, acc)
});

handler!(
    /// `tally.stack_leave(stack)`, then return a constant.
    leave_ret_imm(ip, sp, mem, cx, gas, acc, op: LeaveCell) {
    (*cx).meter.stack_leave(op.stack.0);
    *sp = op.value.0;
    do_return(mem, cx, gas, acc)
});

handler!(
/// Returns, the result (if any) in slot 0 already.
ret_plain(ip, sp, mem, cx, gas, acc) {
    do_return(mem, cx, gas, acc)
});

handler!(
/// Returns the value in a slot as the single result.
ret_slot(ip, sp, mem, cx, gas, acc, op: RetSlot) {
    *sp = rd::<u64>(sp, op.value);
    do_return(mem, cx, gas, acc)
});

handler!(
/// Returns a constant as the single result.
ret_imm(ip, sp, mem, cx, gas, acc, op: RetCell) {
    *sp = op.value.0;
    do_return(mem, cx, gas, acc)
});
