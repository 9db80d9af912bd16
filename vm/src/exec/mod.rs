//! The interpreter: translated code runs here, without native recursion.
//!
//! Code is a flat array of [`Op`]s per function. Each op carries the address of its handler
//! (direct threading). A handler does its work and then calls the next op's handler with the
//! hot state in arguments: `ip`, the frame base `sp`, the default memory's base, the context and
//! the gas left (so a charge is a subtraction in a register). With optimizations on, on x86-64
//! and AArch64, LLVM compiles that call to a jump, so execution never grows the native stack.
//! Unoptimized builds and other targets (`cfg(tally_portable)`, see `vm/build.rs`) return the
//! next `ip` to a driver loop instead.
//!
//! Wasm calls push a [`Frame`] on a heap vector and continue in the callee's code; a frame is a
//! window of untyped 64-bit cells (params, locals, temporaries) that overlaps the caller's
//! outgoing arguments, so calls copy nothing.

pub(crate) mod handlers;
pub(crate) mod layout;
pub(crate) mod listing;
pub(crate) mod numeric;
pub(crate) mod op_table;
mod runtime;

use core::ptr;

use crate::store::{FuncKind, InstanceEntity, StoreInner};
use crate::{Trap, TrapCode};

pub(crate) use runtime::HostCalls;

/// Pointer to the current op.
pub(crate) type Ip = *const Op;
/// Pointer to the current frame's first cell.
pub(crate) type Sp = *mut u64;
/// An op handler: the op, the frame base, the default memory's base, the context, the gas left
/// and the accumulator. Returns null when execution stops (returned from the entry frame or
/// trapped); under `tally_portable` it returns the next op instead.
///
/// The accumulator carries the value the previous op produced, in a register, so that an op
/// consuming it need not wait for that op's store to its slot to reach the load from it (a
/// store-to-load forwarding delay on every link of a dependent chain). Every op the translator
/// emits as a producer (its result in slot `a` is a new operand-stack value) also hands its
/// result on as the accumulator; `copy` and `konst` pass the accumulator through unchanged; any
/// other op may leave anything there. The translator picks an op's `_a` form, which reads an
/// operand from the accumulator instead of its slot, only when the op directly follows the
/// producer of that slot in the code and no branch lands between them (see
/// `module::translate`), so the accumulator always equals the slot where it is read.
pub(crate) type Handler = unsafe extern "C" fn(Ip, Sp, *mut u8, *mut Cx, u64, u64) -> Ip;

/// One instruction of the internal IR: a handler and three operand fields whose meaning the
/// handler's layout defines (`layout.rs`: every layout says once where its operands go, and the
/// translator and the handlers read and write the fields only through it). Its `Debug` prints
/// the handler's name and the decoded operands (`listing.rs`).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Op {
    pub h: Handler,
    pub a: u32,
    pub b: u32,
    pub c: u64,
}

impl Op {
    /// The low half of `c`, for the table-driven readers (listings, serialized code).
    #[inline(always)]
    pub(crate) const fn c_lo(&self) -> u32 {
        self.c as u32
    }

    /// The high half of `c`, for the table-driven readers.
    #[inline(always)]
    pub(crate) const fn c_hi(&self) -> u32 {
        (self.c >> 32) as u32
    }
}

/// A return address on the call stack.
pub(crate) struct Frame {
    /// Where the caller continues, with tag bits in its low bits (ops are 8-aligned): the
    /// return pays the `gas` op there (`handlers::calls`' `RET_PAYS_GAS`), or switches to
    /// `inst` first ([`RET_SWITCHES`](handlers::RET_SWITCHES)). The entry frame's is [`EXIT`].
    pub ret_ip: Ip,
    /// The caller's frame base.
    pub sp: Sp,
    /// The caller's instance: written, and read, only when `ret_ip` has
    /// [`RET_SWITCHES`](handlers::RET_SWITCHES) (a call into another instance). A call within
    /// an instance writes two fields, not three.
    pub inst: *const InstanceEntity,
}

/// The op the entry frame returns to: it ends the run (`handlers::exit`). Returns then need not
/// test for the entry frame, nor for an empty call stack.
pub(crate) static EXIT: Op = Op { h: handlers::exit.handler(), a: 0, b: 0, c: 0 };

/// Per-invocation execution state that does not fit in registers.
pub(crate) struct Cx {
    pub store: *mut StoreInner,
    pub host: *mut (dyn HostCalls + 'static),
    pub inst: *const InstanceEntity,
    /// Cached `(&*inst).defined.as_ptr()`.
    pub defined: *const crate::module::CompiledFunc,
    /// Cached `(&*inst).global_ptrs.as_ptr()`.
    pub globals: *const *mut u64,
    /// The allocation holding the call stack. Its length stays 0: frames are pushed and popped
    /// through `frame_top`, within its reserved capacity.
    pub frames: Vec<Frame>,
    /// Where the next frame goes.
    pub frame_top: *mut Frame,
    /// `frames`' start plus the call depth limit: no frame is pushed here or beyond.
    pub frame_limit: *mut Frame,
    pub stack_end: *const u64,
    pub trap: Option<(TrapCode, Ip)>,
    /// The live gas and stack counters; the store's copy is stale while Wasm runs.
    pub meter: crate::metering::Meter,
    pub host_trap: Option<Trap>,
    /// The current default memory's length in bytes. Handlers bounds-check against it here
    /// rather than in a register: `cmp` reads it from memory at no extra instruction, and the
    /// register is worth more holding the gas.
    pub mem_len: usize,
    /// The store's reserved branch-site bits (`StoreInner::branch_sites`'s words), which the
    /// site forms of conditional branches test and flip (`handlers::SiteForms`). Reloaded
    /// wherever the store's `BranchSites` may have been reserved again (after host calls, which
    /// may instantiate, and after `tally.branch` calls, which reach it by reference).
    pub sites: *mut u64,
    /// The slots of the current instance's table 0 (null if it has none), for the bulk table
    /// handlers: one load to the table rather than four through the instance and the store.
    /// Set with the memory ([`runtime::load_memory`]): wherever the instance changes or a host
    /// call may have instantiated into the store (moving its tables). A table's growth moves
    /// its slots, not this `Vec`.
    pub table0: *mut Vec<u64>,
    /// Register state handed back to the driver loop under `tally_portable`.
    #[cfg_attr(not(tally_portable), allow(dead_code))]
    pub sp: Sp,
    #[cfg_attr(not(tally_portable), allow(dead_code))]
    pub mem: *mut u8,
    #[cfg_attr(not(tally_portable), allow(dead_code))]
    pub acc: u64,
}

/// Calls function `func` of the store with `args` (cells) and writes its results to `results`.
pub(crate) fn invoke(
    store: &mut StoreInner,
    host: &mut dyn HostCalls,
    func: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<(), Trap> {
    let Some(entity) = store.funcs.get(func as usize) else {
        return Err(Trap::host(format!("function {func} does not exist in this store")));
    };
    match entity.kind {
        FuncKind::Intrinsic(intrinsic) => {
            let mut cells = [0u64; 3];
            cells[..args.len().min(3)].copy_from_slice(&args[..args.len().min(3)]);
            crate::metering::call(&mut store.meter, &mut store.branch_sites, intrinsic, &mut cells)
                .map_err(Trap::new)?;
            let n = results.len().min(3);
            results[..n].copy_from_slice(&cells[..n]);
            Ok(())
        }
        FuncKind::Host { index } => {
            let n = args.len().max(results.len());
            let mut cells = vec![0u64; n];
            cells[..args.len()].copy_from_slice(args);
            host.call_host(store, index, None, &mut cells)?;
            results.copy_from_slice(&cells[..results.len()]);
            Ok(())
        }
        FuncKind::Wasm { instance, def } => {
            let mut stack = core::mem::take(&mut store.stack);
            if stack.is_empty() {
                stack = store.engine.take_stack(store.config.max_stack_cells as usize);
            }
            let result = run_wasm(store, host, &mut stack, instance, def, args, results);
            store.stack = stack;
            result
        }
    }
}

fn run_wasm(
    store: &mut StoreInner,
    host: &mut dyn HostCalls,
    stack: &mut [u64],
    instance: u32,
    def: u32,
    args: &[u64],
    results: &mut [u64],
) -> Result<(), Trap> {
    let inst_ptr: *const InstanceEntity = &*store.instances[instance as usize];
    // SAFETY: `inst_ptr` points into a boxed instance owned by `store`, which outlives this call
    // and never drops or moves instances while executing.
    let inst = unsafe { &*inst_ptr };
    let f = &inst.module.funcs[def as usize];
    if f.frame_cells as usize > stack.len() {
        return Err(Trap::new(TrapCode::StackExhausted));
    }
    stack[..args.len()].copy_from_slice(args);
    stack[f.params as usize..(f.params + f.locals) as usize].fill(0);
    let max_depth = store.config.max_call_depth as usize;
    // The frame stack is reused across calls: reserving once keeps pushes free of allocation
    // and lets handlers push without a capacity check.
    let mut frames = core::mem::take(&mut store.frames);
    if frames.capacity() == 0 {
        frames = store.engine.take_frames();
    }
    frames.clear();
    frames.reserve(max_depth + 1);
    let frame_base = frames.as_mut_ptr();
    let range = stack.as_mut_ptr_range();
    let sites = store.branch_sites.words_mut().as_mut_ptr();
    // SAFETY: the host context only lives for this call; `Cx` never escapes it, so erasing the
    // trait object's lifetime cannot let it be used after the borrow ends.
    let host_ptr: *mut (dyn HostCalls + 'static) =
        unsafe { core::mem::transmute::<*mut (dyn HostCalls + '_), *mut (dyn HostCalls + 'static)>(host) };
    let mut cx = Cx {
        store,
        host: host_ptr,
        inst: inst_ptr,
        defined: inst.module.funcs.as_ptr(),
        globals: inst.global_ptrs.as_ptr(),
        frames,
        frame_top: frame_base,
        // SAFETY: `frames` has capacity for `max_depth + 1` frames.
        frame_limit: unsafe { frame_base.add(max_depth) },
        stack_end: range.end,
        trap: None,
        meter: {
            let mut meter = store.meter;
            meter.reset_stack();
            meter
        },
        host_trap: None,
        sp: range.start,
        mem: ptr::null_mut(),
        acc: 0,
        mem_len: 0,
        sites,
        table0: ptr::null_mut(),
    };
    // SAFETY: the call stack is empty and has room (reserved above).
    unsafe { Cx::push_frame(&mut cx, &EXIT, range.start) };
    let cxp: *mut Cx = &mut cx;
    #[cfg(feature = "branch-census")]
    crate::census::enter();
    // SAFETY: `cxp` is valid for the whole run; `f.code` is translated, validated code whose
    // frame fits in `stack` (checked above); memory base/length come from the instance.
    unsafe {
        let mem = runtime::load_memory(cxp, inst_ptr).as_ptr();
        drive(f.code.as_ptr(), range.start, mem, cxp);
    }
    #[cfg(feature = "branch-census")]
    crate::census::leave();
    let frames = core::mem::take(&mut cx.frames);
    // SAFETY: `cx.store` is the `store` borrowed above; `cx` is no longer used for execution.
    unsafe {
        (*cx.store).frames = frames;
        (*cx.store).meter = cx.meter;
    }
    if let Some((code, ip)) = cx.trap {
        let mut trap = cx.host_trap.take().unwrap_or_else(|| Trap::new(code));
        // SAFETY: `cx.inst` is the instance whose code contains `ip` at the time of the trap.
        let (function, offset) = unsafe { runtime::locate(&*cx.inst, ip) };
        trap.function = function;
        trap.offset = offset;
        return Err(trap);
    }
    results.copy_from_slice(&stack[..results.len()]);
    Ok(())
}

impl Cx {
    /// Pushes a call frame returning to `ret_ip` (untagged, or tagged `RET_PAYS_GAS`) with
    /// the caller's frame base `sp`, in the current instance; `false` when the call depth limit
    /// is reached. The frame's `inst` stays unwritten.
    ///
    /// # Safety
    /// `cx` must be the live context of a run.
    #[inline(always)]
    pub(crate) unsafe fn push_frame(cx: *mut Cx, ret_ip: Ip, sp: Sp) -> bool {
        // SAFETY: `run_wasm` reserved capacity for `max_depth + 1` frames from `frame_base`, and
        // the top is checked against `frame_limit` (`max_depth` frames in) first, so the writes
        // stay within the allocation.
        unsafe {
            let top = (*cx).frame_top;
            if top >= (*cx).frame_limit {
                return false;
            }
            ptr::addr_of_mut!((*top).ret_ip).write(ret_ip);
            ptr::addr_of_mut!((*top).sp).write(sp);
            (*cx).frame_top = top.add(1);
            true
        }
    }

    /// Pushes a call frame of a call from the current instance into another: the return
    /// switches back to the current instance ([`RET_SWITCHES`](handlers::RET_SWITCHES)).
    /// `false` when the call depth limit is reached.
    ///
    /// # Safety
    /// `cx` must be the live context of a run; `ret_ip` is untagged.
    #[inline(always)]
    pub(crate) unsafe fn push_frame_switching(cx: *mut Cx, ret_ip: Ip, sp: Sp) -> bool {
        // SAFETY: as for `push_frame`; the frame written last is the one at `frame_top - 1`.
        unsafe {
            let tagged = ret_ip.map_addr(|a| a | handlers::RET_SWITCHES);
            if !Self::push_frame(cx, tagged, sp) {
                return false;
            }
            ptr::addr_of_mut!((*(*cx).frame_top.sub(1)).inst).write((*cx).inst);
            true
        }
    }

    /// Pops the newest call frame. Its `inst` is initialized only if its `ret_ip` has
    /// [`RET_SWITCHES`](handlers::RET_SWITCHES); read the fields through the pointer.
    ///
    /// # Safety
    /// `cx` must be the live context of a run with a frame on its call stack: every run's
    /// entry frame stays until its return to [`EXIT`] ends the run.
    #[inline(always)]
    pub(crate) unsafe fn pop_frame(cx: *mut Cx) -> *const Frame {
        // SAFETY: frames below `frame_top` were written by `push_frame`, and there is one (see
        // the contract).
        unsafe {
            let top = (*cx).frame_top.sub(1);
            (*cx).frame_top = top;
            top
        }
    }
}

/// Local counts up to which calls zero locals inline, with [`zero_small_locals`].
pub(crate) const SMALL_LOCALS: u32 = 4;

/// Zeroes the `n` non-parameter locals at `p`.
///
/// # Safety
/// `p..p + max(n, SMALL_LOCALS)` must lie within the frame.
#[inline(always)]
pub(crate) unsafe fn zero_locals(p: *mut u64, n: u32) {
    // SAFETY: see the function's contract.
    unsafe {
        if n <= SMALL_LOCALS {
            zero_small_locals(p);
        } else {
            ptr::write_bytes(p, 0, n as usize);
        }
    }
}

/// Zeroes [`SMALL_LOCALS`] cells at `p`: at least all of a function's locals when it has that
/// few, without a length-dependent loop.
///
/// # Safety
/// `p..p + SMALL_LOCALS` must lie within the frame; the translator sizes every frame with
/// that many spare cells.
#[inline(always)]
pub(crate) unsafe fn zero_small_locals(p: *mut u64) {
    // SAFETY: see the function's contract.
    unsafe {
        p.write(0);
        p.add(1).write(0);
        p.add(2).write(0);
        p.add(3).write(0);
    }
}

/// Runs from `ip` until the entry frame returns or a trap.
///
/// # Safety
/// The arguments must describe a valid execution state (see the handler invariants).
#[cfg(not(tally_portable))]
unsafe fn drive(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx) {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        ((*ip).h)(ip, sp, mem, cx, (*cx).meter.remaining(), 0);
    }
}

/// Runs from `ip` until the entry frame returns or a trap.
///
/// # Safety
/// The arguments must describe a valid execution state (see the handler invariants).
#[cfg(tally_portable)]
unsafe fn drive(mut ip: Ip, mut sp: Sp, mut mem: *mut u8, cx: *mut Cx) {
    // SAFETY: forwarded from the caller's contract; each handler leaves the next valid state
    // in `cx` before returning the next op.
    unsafe {
        loop {
            ip = ((*ip).h)(ip, sp, mem, cx, (*cx).meter.remaining(), (*cx).acc);
            if ip.is_null() {
                return;
            }
            sp = (*cx).sp;
            mem = (*cx).mem;
        }
    }
}
