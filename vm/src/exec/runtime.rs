//! The cold half of the interpreter: calls across instances and into the host, traps, and the
//! table, bulk-memory and grow operations. Hot handlers call into here out of line so their own
//! code stays small and keeps its state in registers.

use core::ptr;

use super::{Cx, Ip, Sp};
use crate::store::{FuncKind, InstanceEntity, StoreInner, WasmEntry};
use crate::{Trap, TrapCode};

/// Calls into host functions; implemented by the typed store so the interpreter stays
/// independent of the host state type.
pub(crate) trait HostCalls {
    /// Runs host function `index`. `cells` holds the arguments on entry and receives the
    /// results; `caller` is the calling instance, if any.
    fn call_host(
        &mut self,
        store: &mut StoreInner,
        index: u32,
        caller: Option<u32>,
        cells: &mut [u64],
    ) -> Result<(), Trap>;
}

/// Records a trap, with `gas` left, and stops execution.
///
/// The null it returns is hidden from the optimizer: handlers then return it straight from a
/// tail call (`jmp trap`), so their trap paths need no stack frame, which the hot paths would
/// otherwise set up too. It is `extern "C"`, which cannot unwind, for the same reason: a call
/// to a Rust function that LLVM cannot see (in another codegen unit, as in release builds
/// without LTO) may unwind into the `extern "C"` handler, which must then catch the unwind and
/// abort, so the call is no tail call and every handler that traps needs a frame.
#[cold]
#[inline(never)]
// Only Rust calls it, so `TrapCode` needs no C representation.
#[allow(improper_ctypes_definitions)]
pub(crate) unsafe extern "C" fn trap(ip: Ip, cx: *mut Cx, code: TrapCode, gas: u64) -> Ip {
    // SAFETY: `cx` is the live context of the current run.
    unsafe {
        (*cx).trap = Some((code, ip));
        (*cx).meter.set_remaining(gas);
    }
    core::hint::black_box(ptr::null())
}

/// Makes `inst`'s default memory (or a dangling empty one) the current memory: sets
/// `cx.mem_len` and returns its base. Sets `cx.table0` to `inst`'s table 0 too: every caller
/// is a place where the instance changed or the store's tables may have moved.
#[inline]
pub(crate) unsafe fn load_memory(cx: *mut Cx, inst: *const InstanceEntity) -> ptr::NonNull<u8> {
    // SAFETY: `inst` and the store are live; memory ids in an instance are valid store indices.
    // A `Vec`'s pointer is never null (dangling when nothing is allocated); `as_mut_ptr`, unlike
    // a slice, does not invalidate pointers into the memory that handlers may still hold.
    unsafe {
        let (base, len) = match (&*inst).memories.first() {
            Some(&id) => {
                let data = &mut (&mut *(*cx).store).memories[id as usize].data;
                (ptr::NonNull::new_unchecked(data.as_mut_ptr()), data.len())
            }
            None => (ptr::NonNull::dangling(), 0),
        };
        (*cx).mem_len = len;
        (*cx).table0 = match (&*inst).tables.first() {
            Some(&id) => &mut (&mut *(*cx).store).tables[id as usize].elems,
            None => ptr::null_mut(),
        };
        base
    }
}

/// Makes `inst` the current instance and returns its memory's base (see [`load_memory`]).
#[inline(never)]
pub(crate) unsafe fn switch_instance(cx: *mut Cx, inst: *const InstanceEntity) -> *mut u8 {
    // SAFETY: `inst` is a live boxed instance of the store.
    unsafe {
        (*cx).inst = inst;
        (*cx).defined = (&*inst).module.funcs.as_ptr();
        (*cx).globals = (&*inst).global_ptrs.as_ptr();
        load_memory(cx, inst).as_ptr()
    }
}

/// Finds the module-level function index and binary offset of the op at `ip` in `inst`'s code.
pub(crate) unsafe fn locate(inst: &InstanceEntity, ip: Ip) -> (Option<u32>, Option<u32>) {
    for f in inst.module.funcs.iter() {
        let range = f.code.as_ptr_range();
        if range.contains(&ip) {
            // SAFETY: `ip` lies within `f.code`, so both pointers are in one allocation.
            let index = unsafe { ip.offset_from(range.start) } as usize;
            return (Some(f.index), f.offsets.get(index).copied());
        }
    }
    (None, None)
}

/// Calls store function `func` for the call op at `ip` with its frame at slot `frame`,
/// continuing at `ip + 1`. The gas left is in `cx.meter` (the caller put it there), where host
/// functions see it.
#[inline(never)]
pub(crate) unsafe extern "C" fn enter_func(
    ip: Ip,
    sp: Sp,
    frame: super::layout::Frame,
    mem: *mut u8,
    cx: *mut Cx,
    func: u32,
) -> Ip {
    // SAFETY: `func` is a valid store function index (from the instance's function space or a
    // type-checked table entry); the frame offset is within the caller's frame.
    unsafe {
        let store = (*cx).store;
        let new_sp = sp.add(frame.0 as usize);
        let entity = &(&*store).funcs[func as usize];
        match entity.kind {
            FuncKind::Wasm { instance, def } => {
                let inst: *const InstanceEntity = &*(&*store).instances[instance as usize];
                let f = &(&*inst).module.funcs[def as usize];
                let crosses = inst != (*cx).inst;
                if ((*cx).stack_end.offset_from(new_sp) as usize) < f.frame_cells as usize
                    || !(if crosses {
                        Cx::push_frame_switching(cx, ip.add(1), sp)
                    } else {
                        Cx::push_frame(cx, ip.add(1), sp)
                    })
                {
                    return trap(ip, cx, TrapCode::StackExhausted, (*cx).meter.remaining());
                }
                super::zero_locals(new_sp.add(f.params as usize), f.locals);
                let code = f.code.as_ptr();
                if crosses {
                    let m = switch_instance(cx, inst);
                    crate::exec::handlers::next_op(code, new_sp, m, cx, (*cx).meter.remaining(), 0)
                } else {
                    crate::exec::handlers::next_op(code, new_sp, mem, cx, (*cx).meter.remaining(), 0)
                }
            }
            FuncKind::Intrinsic(intrinsic) => {
                let n = entity.params.max(entity.results) as usize;
                let cells = core::slice::from_raw_parts_mut(new_sp, n);
                let sites = &mut (*(*cx).store).branch_sites;
                let called = crate::metering::call(&mut (*cx).meter, sites, intrinsic, cells);
                // A `&mut` to the sites' words was made: derive the handlers' pointer again.
                (*cx).sites = sites.words_mut().as_mut_ptr();
                if let Err(code) = called {
                    return trap(ip, cx, code, (*cx).meter.remaining());
                }
                crate::exec::handlers::next_op(ip.add(1), sp, mem, cx, (*cx).meter.remaining(), 0)
            }
            FuncKind::Host { index } => {
                let n = entity.params.max(entity.results) as usize;
                if ((*cx).stack_end.offset_from(new_sp) as usize) < n {
                    return trap(ip, cx, TrapCode::StackExhausted, (*cx).meter.remaining());
                }
                match call_host(ip, cx, index, new_sp, n) {
                    Some(m) => {
                        crate::exec::handlers::next_op(ip.add(1), sp, m.as_ptr(), cx, (*cx).meter.remaining(), 0)
                    }
                    None => ptr::null(),
                }
            }
        }
    }
}

/// Runs host function `index` on the `n` cells at `cells` for the call op at `ip`. Returns the
/// current memory's base (the host may have grown the memory), or `None` once it has recorded
/// the host's trap.
///
/// The host's `Result<(), Trap>` is returned through memory, so it must live in this
/// function's frame, not in [`enter_func`]'s: LLVM makes a call a tail call only if the caller
/// has no stack memory another call may have kept a pointer to, and a handler whose frame held
/// the result would *call* the next handler and stay on the native stack for the rest of the
/// run, one frame per host call. Returning a register-sized value keeps `enter_func`'s frame
/// free of such memory, so it jumps to the next handler.
#[cold]
#[inline(never)]
unsafe fn call_host(ip: Ip, cx: *mut Cx, index: u32, cells: Sp, n: usize) -> Option<ptr::NonNull<u8>> {
    // SAFETY: the value stack is not part of `StoreInner` while running (it was taken out), so
    // the cell slice and the store borrow are disjoint; no other reference into the store is
    // live across the host call. `ip` is the calling op, where a trap is reported.
    unsafe {
        let store = &mut *(*cx).store;
        let caller = Some((&*(*cx).inst).index);
        let cells = core::slice::from_raw_parts_mut(cells, n);
        // Host functions see and may change the live counters.
        store.meter = (*cx).meter;
        let result = (&mut *(*cx).host).call_host(store, index, caller, cells);
        (*cx).meter = store.meter;
        // The host may have instantiated into this store, reserving more branch sites.
        (*cx).sites = store.branch_sites.words_mut().as_mut_ptr();
        match result {
            Ok(()) => Some(load_memory(cx, (*cx).inst)),
            Err(t) => {
                (*cx).host_trap = Some(t);
                trap(ip, cx, TrapCode::HostError, (*cx).meter.remaining());
                None
            }
        }
    }
}

/// `memory.grow`: returns the old size in pages, or `u32::MAX` (-1) if it cannot grow.
#[inline(never)]
pub(crate) unsafe fn memory_grow(cx: *mut Cx, delta: u32) -> u32 {
    // SAFETY: the current instance has a memory (validation) and the store is live.
    unsafe {
        let id = (&*(*cx).inst).memories[0];
        (&mut *(*cx).store).grow_memory(id, delta).unwrap_or(u32::MAX)
    }
}

unsafe fn store_and_inst<'a>(cx: *mut Cx) -> (&'a mut StoreInner, &'a InstanceEntity) {
    // SAFETY: instances are boxed and never touched mutably through the store while running,
    // so the instance borrow does not alias the store's mutable borrow of its other fields.
    unsafe { (&mut *(*cx).store, &*(*cx).inst) }
}

/// `memory.fill`.
#[inline(never)]
pub(crate) unsafe fn memory_fill(cx: *mut Cx, dst: u32, val: u8, n: u32) -> Result<(), TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let data = &mut store.memories[inst.memories[0] as usize].data;
    let end = dst as u64 + n as u64;
    if end > data.len() as u64 {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    if n == 0 {
        return Ok(()); // the bounds are checked; a call into `memset` would be most of the work
    }
    crate::bytes::fill(&mut data[dst as usize..end as usize], val);
    Ok(())
}

/// `memory.copy`.
#[inline(never)]
pub(crate) unsafe fn memory_copy(cx: *mut Cx, dst: u32, src: u32, n: u32) -> Result<(), TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let data = &mut store.memories[inst.memories[0] as usize].data;
    let len = data.len() as u64;
    if src as u64 + n as u64 > len || dst as u64 + n as u64 > len {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    if n == 0 {
        return Ok(()); // as in `memory_fill`
    }
    crate::bytes::copy_within(data, src as usize, dst as usize, n as usize);
    Ok(())
}

/// `memory.init`.
#[inline(never)]
pub(crate) unsafe fn memory_init(cx: *mut Cx, seg: u32, dst: u32, src: u32, n: u32) -> Result<(), TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let bytes = inst.data_bytes(seg);
    let data = &mut store.memories[inst.memories[0] as usize].data;
    if src as u64 + n as u64 > bytes.len() as u64 || dst as u64 + n as u64 > data.len() as u64 {
        return Err(TrapCode::MemoryOutOfBounds);
    }
    if n == 0 {
        return Ok(()); // as in `memory_fill`
    }
    crate::bytes::copy(
        &mut data[dst as usize..dst as usize + n as usize],
        &bytes[src as usize..src as usize + n as usize],
    );
    Ok(())
}

/// `data.drop`. Inlined into its handler: an out-of-line call made the handler save and restore
/// its registers around one store, 40 instructions a drop instead of a few.
#[inline(always)]
pub(crate) unsafe fn data_drop(cx: *mut Cx, seg: u32) {
    // SAFETY: `cx.inst` is the live current instance; the flag is a `Cell`, so writing it
    // through a shared reference is allowed.
    unsafe { (&*(*cx).inst).data_dropped[seg as usize].set(true) }
}

/// `elem.drop`. Inlined into its handler, as `data_drop` is.
#[inline(always)]
pub(crate) unsafe fn elem_drop(cx: *mut Cx, seg: u32) {
    // SAFETY: as for `data_drop`.
    unsafe { (&*(*cx).inst).elem_dropped[seg as usize].set(true) }
}

/// `table.get`.
#[inline(never)]
pub(crate) unsafe fn table_get(cx: *mut Cx, table: u32, i: u32) -> Result<u64, TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let t = &store.tables[inst.tables[table as usize] as usize];
    t.elems.get(i as usize).copied().ok_or(TrapCode::TableOutOfBounds)
}

/// `table.set`.
#[inline(never)]
pub(crate) unsafe fn table_set(cx: *mut Cx, table: u32, i: u32, v: u64) -> Result<(), TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let t = &mut store.tables[inst.tables[table as usize] as usize];
    let slot = t.elems.get_mut(i as usize).ok_or(TrapCode::TableOutOfBounds)?;
    *slot = v;
    Ok(())
}

/// `table.size`. Inlined into its handler: two loads, no call (a call cost 3× an ALU operator).
#[inline]
pub(crate) unsafe fn table_size(cx: *mut Cx, table: u32) -> u32 {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    store.tables[inst.tables[table as usize] as usize].elems.len() as u32
}

/// `table.grow`: old size, or `u32::MAX` (-1).
#[inline(never)]
pub(crate) unsafe fn table_grow(cx: *mut Cx, table: u32, init: u64, delta: u32) -> u32 {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let id = inst.tables[table as usize];
    store.grow_table(id, delta, init).unwrap_or(u32::MAX)
}

/// `table.fill`.
#[inline(never)]
pub(crate) unsafe fn table_fill(cx: *mut Cx, table: u32, i: u32, v: u64, n: u32) -> Result<(), TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let t = &mut store.tables[inst.tables[table as usize] as usize];
    let end = i as u64 + n as u64;
    if end > t.elems.len() as u64 {
        return Err(TrapCode::TableOutOfBounds);
    }
    t.elems[i as usize..end as usize].fill(v);
    Ok(())
}

/// `table.copy`.
#[inline(never)]
pub(crate) unsafe fn table_copy(
    cx: *mut Cx,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    n: u32,
) -> Result<(), TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let d = inst.tables[dst_table as usize] as usize;
    let s = inst.tables[src_table as usize] as usize;
    let (dl, sl) = (store.tables[d].elems.len() as u64, store.tables[s].elems.len() as u64);
    if dst as u64 + n as u64 > dl || src as u64 + n as u64 > sl {
        return Err(TrapCode::TableOutOfBounds);
    }
    if n == 0 {
        return Ok(()); // as in `memory_fill`
    }
    let (dst, src, n) = (dst as usize, src as usize, n as usize);
    if d == s {
        crate::bytes::copy_within(&mut store.tables[d].elems, src, dst, n);
    } else {
        // Two distinct tables: borrow both at once instead of copying through a temporary.
        let (low, high) = store.tables.split_at_mut(d.max(s));
        let (dt, st) = if d < s { (&mut low[d], &high[0]) } else { (&mut high[0], &low[s]) };
        crate::bytes::copy(&mut dt.elems[dst..dst + n], &st.elems[src..src + n]);
    }
    Ok(())
}

/// `table.init`.
#[inline(never)]
pub(crate) unsafe fn table_init(cx: *mut Cx, table: u32, seg: u32, dst: u32, src: u32, n: u32) -> Result<(), TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let items = inst.elem_items(seg);
    let t = &mut store.tables[inst.tables[table as usize] as usize];
    if src as u64 + n as u64 > items.len() as u64 || dst as u64 + n as u64 > t.elems.len() as u64 {
        return Err(TrapCode::TableOutOfBounds);
    }
    if n == 0 {
        return Ok(()); // as in `memory_fill`
    }
    crate::bytes::copy(
        &mut t.elems[dst as usize..dst as usize + n as usize],
        &items[src as usize..src as usize + n as usize],
    );
    Ok(())
}

/// `ref.func`: the cell of module function `index`. Inline, unlike this module's other
/// operations: it is three loads, and a call made its handler save and restore six registers
/// (33 instructions a `ref.func`, most of a `table.fill` of one slot's time).
#[inline(always)]
pub(crate) unsafe fn ref_func(cx: *mut Cx, index: u32) -> u64 {
    // SAFETY: `index` was validated against the module's function space.
    unsafe { *(&*(*cx).inst).funcs.get_unchecked(index as usize) as u64 + 1 }
}

/// The store function behind module function `index` of the current instance.
#[inline]
pub(crate) unsafe fn func_of(cx: *mut Cx, index: u32) -> u32 {
    // SAFETY: `index` was validated against the module's function space.
    unsafe { *(&*(*cx).inst).funcs.get_unchecked(index as usize) }
}

/// A resolved `call_indirect` target: the store function's index and its kind.
pub(crate) struct IndirectTarget {
    /// The store function index.
    pub index: u32,
    /// What the function is, so that the caller can enter a function of its own instance
    /// without [`enter_func`].
    pub kind: FuncKind,
    /// Its parameter count.
    pub params: u32,
    /// For a defined function, what entering it reads.
    pub entry: WasmEntry,
}

/// Resolves a `call_indirect` target: the store function at `table[i]` if its signature is `sig`.
/// Inlined into the handler: the entity it reads is the one the call then enters.
#[inline(always)]
pub(crate) unsafe fn indirect_target(cx: *mut Cx, table: u32, i: u32, sig: u32) -> Result<IndirectTarget, TrapCode> {
    // SAFETY: see `store_and_inst`.
    let (store, inst) = unsafe { store_and_inst(cx) };
    let t = &store.tables[inst.tables[table as usize] as usize];
    let cell = *t.elems.get(i as usize).ok_or(TrapCode::TableOutOfBounds)?;
    let func = cell.checked_sub(1).ok_or(TrapCode::IndirectCallToNull)? as u32;
    let entity = &store.funcs[func as usize];
    if entity.sig.0 != sig {
        return Err(TrapCode::IndirectCallTypeMismatch);
    }
    Ok(IndirectTarget { index: func, kind: entity.kind, params: entity.params, entry: entity.entry })
}
