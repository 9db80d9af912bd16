//! The store: owns every runtime entity (functions, memories, tables, globals, instances) and
//! the host state `T`. Handles such as [`Func`](crate::Func) are indices into it.

use std::cell::Cell;
use std::sync::Arc;

use crate::engine::SigId;
use crate::exec::HostCalls;
use crate::func::HostCallFn;
use crate::module::ModuleInner;
use crate::{Config, Engine, Error, GlobalType, MemoryType, TableType, Trap};

/// Bytes in one WebAssembly page.
pub(crate) const PAGE_SIZE: usize = 65536;

/// Distinguishes stores so a handle from one is never used with another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreId(u64);

impl StoreId {
    fn fresh() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

#[derive(Clone, Copy)]
pub(crate) enum FuncKind {
    /// Defined function `def` of instance `instance`.
    Wasm { instance: u32, def: u32 },
    /// Host function `index` of the store's host function table.
    Host { index: u32 },
    /// A `tally.*` metering intrinsic, run by the VM itself.
    Intrinsic(crate::metering::Import),
}

#[derive(Clone, Copy)]
pub(crate) struct FuncEntity {
    pub sig: SigId,
    pub params: u32,
    pub results: u32,
    pub kind: FuncKind,
    /// For a defined function placed in a store, what a call needs to enter it; `NONE`
    /// otherwise.
    pub entry: WasmEntry,
}

/// A copy of the fields of a defined function's [`CompiledFunc`](crate::module::CompiledFunc)
/// that a call reads, kept in its store entity: `call_indirect` reaches the entity through the
/// table cell, and entering the callee from there saves a dependent load (a cache miss when a
/// table holds thousands of functions).
#[derive(Clone, Copy)]
pub(crate) struct WasmEntry {
    /// The first op of the function's code; null for an entity that is not a defined function
    /// of a store's instance.
    pub code: *const crate::exec::Op,
    /// Cells the frame needs.
    pub frame_cells: u32,
    /// Locals beyond the parameters.
    pub locals: u32,
}

impl WasmEntry {
    /// The entry of an entity that is not a defined function of an instance.
    pub(crate) const NONE: Self = Self { code: core::ptr::null(), frame_cells: 0, locals: 0 };

    /// The entry of `f`. The code pointer stays valid as long as the module that owns `f` lives:
    /// its code is a boxed slice, never moved or changed once the module is compiled, and the
    /// instance holding the entity keeps the module alive as long as the store.
    pub(crate) fn of(f: &crate::module::CompiledFunc) -> Self {
        Self { code: f.code.as_ptr(), frame_cells: f.frame_cells, locals: f.locals }
    }
}

// SAFETY: `code` points into a compiled module's code, which is immutable once compiled and
// owned by an `Arc`; reading it from any thread is sound, and nothing writes through it.
unsafe impl Send for WasmEntry {}
// SAFETY: as for `Send`: the pointee is never written.
unsafe impl Sync for WasmEntry {}

pub(crate) struct MemoryEntity {
    pub data: Vec<u8>,
    pub ty: MemoryType,
}

pub(crate) struct TableEntity {
    pub elems: Vec<u64>,
    pub ty: TableType,
}

pub(crate) struct GlobalEntity {
    /// The value. Instances hold raw pointers to it (`global_ptrs`) that the interpreter reads
    /// and writes through, so everything else reaches it through shared references only: a
    /// `&mut` to the entity would invalidate those pointers. Hence the `Cell`.
    pub value: Cell<u64>,
    pub ty: GlobalType,
}

pub(crate) struct InstanceEntity {
    /// This instance's index in the store.
    pub index: u32,
    pub module: Arc<ModuleInner>,
    /// Store function index of each function in the module's function space.
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Address of each global's value cell; the cells are boxed and live as long as the store.
    pub global_ptrs: Vec<*mut u64>,
    /// Element segments' items as evaluated at instantiation; read them through
    /// [`elem_items`](Self::elem_items), which honours drops.
    pub elems: Vec<Box<[u64]>>,
    /// Whether each element segment is dropped: by `elem.drop`, or at instantiation for active
    /// and declared segments. The drop flags are `Cell`s because the interpreter reaches the
    /// running instance through a shared pointer, and `elem.drop` and `data.drop` must write
    /// through it.
    pub elem_dropped: Box<[Cell<bool>]>,
    /// Whether each data segment is dropped: by `data.drop`, or at instantiation for active
    /// segments.
    pub data_dropped: Box<[Cell<bool>]>,
}

impl InstanceEntity {
    /// The items of element segment `seg`: empty once it is dropped.
    pub(crate) fn elem_items(&self, seg: u32) -> &[u64] {
        if self.elem_dropped[seg as usize].get() {
            &[]
        } else {
            &self.elems[seg as usize]
        }
    }

    /// The bytes of data segment `seg`: empty once it is dropped.
    pub(crate) fn data_bytes(&self, seg: u32) -> &[u8] {
        if self.data_dropped[seg as usize].get() {
            &[]
        } else {
            &self.module.datas[seg as usize].bytes
        }
    }
}

/// The engine-facing part of a store: everything but the host state.
pub(crate) struct StoreInner {
    pub id: StoreId,
    pub engine: Engine,
    pub config: Config,
    pub funcs: Vec<FuncEntity>,
    pub memories: Vec<MemoryEntity>,
    pub tables: Vec<TableEntity>,
    /// Boxed so their value cells keep their addresses while the vector grows: instances hold
    /// raw pointers to them.
    #[allow(clippy::vec_box)]
    pub globals: Vec<Box<GlobalEntity>>,
    /// Boxed so the interpreter's pointer to the current instance survives new instantiations.
    #[allow(clippy::vec_box)]
    pub instances: Vec<Box<InstanceEntity>>,
    /// The value stack; empty until the first call, and taken out while executing.
    pub stack: Vec<u64>,
    /// The call-frame stack, empty between calls; kept to reuse its allocation.
    pub frames: Vec<crate::exec::Frame>,
    /// Gas and stack counters; while Wasm runs, the live copy is in the interpreter.
    pub meter: crate::metering::Meter,
    /// The direction of every branch site for `tally.branch`: per store, so per contract call.
    pub branch_sites: crate::metering::BranchSites,
}

impl StoreInner {
    /// Reserves the direction bits of `words` words of branch sites (a module's
    /// `site_words`), which its translated branches then test and flip unchecked. A module's
    /// words are at most one per op of its code (the translator's bound, and the serialized
    /// code's check), so this memory is proportional to code the module's loading paid for.
    pub(crate) fn reserve_branch_sites(&mut self, words: u32) {
        let sites = u32::try_from(u64::from(words) * 64).unwrap_or(u32::MAX);
        self.branch_sites.reserve(sites);
        debug_assert!(self.branch_sites.words_mut().len() >= words as usize);
    }
}

impl Drop for StoreInner {
    fn drop(&mut self) {
        if !self.stack.is_empty() {
            self.engine.recycle_stack(core::mem::take(&mut self.stack));
        }
        if self.frames.capacity() > 0 {
            self.engine.recycle_frames(core::mem::take(&mut self.frames));
        }
        if self.funcs.capacity() > 0 {
            self.engine.recycle_funcs(core::mem::take(&mut self.funcs));
        }
        for memory in self.memories.drain(..) {
            self.engine.recycle_memory(memory.data);
        }
    }
}

/// Appends `additional` zero bytes to `data`; `false`, leaving `data` as it was, when the
/// allocation fails. A memset, like `Vec::resize`, but as one operation rather than a loop
/// over the bytes, which under Miri is what keeps instantiating a module with a memory fast
/// enough to run the VM's tests there.
fn extend_zeroed(data: &mut Vec<u8>, additional: usize) -> bool {
    if data.try_reserve_exact(additional).is_err() {
        return false;
    }
    let len = data.len();
    // SAFETY: the reservation makes room for `additional` more bytes after `len`; `write_bytes`
    // initializes exactly those before `set_len` exposes them, and any byte is a valid `u8`.
    unsafe {
        data.as_mut_ptr().add(len).write_bytes(0, additional);
        data.set_len(len + additional);
    }
    true
}

// SAFETY: the raw pointers inside a store (instances' global cells, frames while running) point
// only into allocations the store itself owns, so moving the store to another thread moves
// their targets along; nothing is shared with other stores.
unsafe impl Send for StoreInner {}

impl StoreInner {
    /// Grows memory `id` by `delta` pages; returns the old size, or `None` past a limit.
    pub(crate) fn grow_memory(&mut self, id: u32, delta: u32) -> Option<u32> {
        let max_pages = self.config.max_memory_pages;
        let mem = &mut self.memories[id as usize];
        let old = (mem.data.len() / PAGE_SIZE) as u32;
        let new = old.checked_add(delta)?;
        let limit = mem.ty.maximum.unwrap_or(65536).min(max_pages).min(65536);
        if new > limit {
            return None;
        }
        let additional = new as usize * PAGE_SIZE - mem.data.len();
        extend_zeroed(&mut mem.data, additional).then_some(old)
    }

    /// Grows table `id` by `delta` elements set to `init`; returns the old size, or `None`.
    pub(crate) fn grow_table(&mut self, id: u32, delta: u32, init: u64) -> Option<u32> {
        let max = self.config.max_table_elements;
        let table = &mut self.tables[id as usize];
        let old = table.elems.len() as u32;
        let new = old.checked_add(delta)?;
        let limit = table.ty.maximum.unwrap_or(u32::MAX).min(max);
        if new > limit {
            return None;
        }
        if table.elems.capacity() < new as usize {
            // At least double, up to the limit: a table grown one slot at a time is then moved
            // O(log n) times, not at every `table.grow`. The capacity stays within the limit;
            // if the doubled capacity cannot be had, the exact one is tried.
            let target = (old as usize).saturating_mul(2).clamp(new as usize, limit as usize);
            let elems = &mut table.elems;
            elems.try_reserve_exact(target - old as usize).or_else(|_| elems.try_reserve_exact(delta as usize)).ok()?;
        }
        table.elems.resize(new as usize, init);
        Some(old)
    }

    pub(crate) fn alloc_memory(&mut self, ty: MemoryType) -> Result<u32, Error> {
        if ty.minimum > self.config.max_memory_pages {
            return Err(Error::limit_of_whole(format!(
                "memory of {} pages exceeds the limit of {} pages",
                ty.minimum, self.config.max_memory_pages
            )));
        }
        let bytes = ty.minimum as usize * PAGE_SIZE;
        // A pooled memory is all zeros, as a fresh one is (see `Engine::take_memory`).
        let mut data = self.engine.take_memory(bytes).unwrap_or_default();
        if data.is_empty() && !extend_zeroed(&mut data, bytes) {
            return Err(Error::limit_of_whole(format!("cannot allocate a memory of {} pages", ty.minimum)));
        }
        self.memories.push(MemoryEntity { data, ty });
        Ok(self.memories.len() as u32 - 1)
    }

    pub(crate) fn alloc_table(&mut self, ty: TableType, init: u64) -> Result<u32, Error> {
        if ty.minimum > self.config.max_table_elements {
            return Err(Error::limit_of_whole(format!(
                "table of {} elements exceeds the limit of {}",
                ty.minimum, self.config.max_table_elements
            )));
        }
        self.tables.push(TableEntity { elems: vec![init; ty.minimum as usize], ty });
        Ok(self.tables.len() as u32 - 1)
    }

    pub(crate) fn alloc_global(&mut self, ty: GlobalType, value: u64) -> u32 {
        self.globals.push(Box::new(GlobalEntity { value: Cell::new(value), ty }));
        self.globals.len() as u32 - 1
    }

    pub(crate) fn check(&self, id: StoreId) -> Result<(), Error> {
        if id == self.id {
            Ok(())
        } else {
            Err(Error::Usage("handle used with a store it does not belong to".into()))
        }
    }
}

/// Owns all runtime state of instances, plus the host state `T` that host functions reach.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) data: T,
    /// The calls of the host functions placed in this store (`FuncKind::Host` indexes them).
    pub(crate) host_funcs: HostFuncs<T>,
}

impl<T> Store<T> {
    /// An empty store for modules of `engine`, holding host state `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        Self {
            inner: StoreInner {
                id: StoreId::fresh(),
                engine: engine.clone(),
                config: engine.config().clone(),
                funcs: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                instances: Vec::new(),
                stack: Vec::new(),
                frames: Vec::new(),
                meter: crate::metering::UNLIMITED,
                branch_sites: crate::metering::BranchSites::new(),
            },
            data,
            host_funcs: HostFuncs::Owned(Vec::new()),
        }
    }

    /// The engine this store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Gas left. Starts at `u64::MAX`; only code instrumented with `tally.gas` charges it.
    pub fn gas(&self) -> u64 {
        self.inner.meter.remaining()
    }

    /// Sets the gas left.
    pub fn set_gas(&mut self, gas: u64) {
        self.inner.meter.set_remaining(gas);
    }

    /// Stack units one top-level call may reserve through `tally.stack_enter`.
    pub fn stack_budget(&self) -> u64 {
        self.inner.meter.stack_budget()
    }

    /// Sets the stack budget (from the gas schedule the module was instrumented with).
    pub fn set_stack_budget(&mut self, units: u64) {
        self.inner.meter.set_stack_budget(units);
    }

    /// The host state.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host state, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Consumes the store and returns the host state.
    pub fn into_data(self) -> T {
        self.data
    }

    /// Splits the store into the engine part and a host-call dispatcher over the rest.
    pub(crate) fn split(&mut self) -> (&mut StoreInner, HostDispatch<'_, T>) {
        (&mut self.inner, HostDispatch { data: &mut self.data, funcs: self.host_funcs.as_slice() })
    }
}

impl<T> core::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store")
            .field("funcs", &self.inner.funcs.len())
            .field("instances", &self.inner.instances.len())
            .finish_non_exhaustive()
    }
}

/// The host functions placed in a store. A store's first instance made from a template shares
/// the template's list, one reference count for the list rather than one per function (stores
/// in `tally-host-env` live for one call, so a clone and a drop of every function's `Arc`, two
/// atomic operations each, came with every call); anything placed after that makes the list the
/// store's own.
pub(crate) enum HostFuncs<T> {
    /// Exactly a template's list.
    Shared(Arc<[HostCallFn<T>]>),
    /// The store's own list.
    Owned(Vec<HostCallFn<T>>),
}

impl<T> HostFuncs<T> {
    pub(crate) fn as_slice(&self) -> &[HostCallFn<T>] {
        match self {
            HostFuncs::Shared(list) => list,
            HostFuncs::Owned(list) => list,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Appends `f`; its index is the length before.
    pub(crate) fn push(&mut self, f: HostCallFn<T>) {
        match self {
            HostFuncs::Owned(own) => own.push(f),
            HostFuncs::Shared(shared) => {
                let mut own = shared.to_vec();
                own.push(f);
                *self = HostFuncs::Owned(own);
            }
        }
    }

    /// Appends every function of `list`, in order: shares `list` when nothing is placed yet.
    pub(crate) fn extend_shared(&mut self, list: &Arc<[HostCallFn<T>]>) {
        match self {
            _ if list.is_empty() => {}
            HostFuncs::Owned(own) if own.is_empty() => *self = HostFuncs::Shared(list.clone()),
            HostFuncs::Owned(own) => own.extend(list.iter().cloned()),
            HostFuncs::Shared(shared) => {
                let mut own = shared.to_vec();
                own.extend(list.iter().cloned());
                *self = HostFuncs::Owned(own);
            }
        }
    }
}

/// Runs host functions on behalf of the interpreter.
pub(crate) struct HostDispatch<'a, T> {
    data: &'a mut T,
    funcs: &'a [HostCallFn<T>],
}

impl<T> HostCalls for HostDispatch<'_, T> {
    fn call_host(
        &mut self,
        store: &mut StoreInner,
        index: u32,
        caller: Option<u32>,
        cells: &mut [u64],
    ) -> Result<(), Trap> {
        let Some(f) = self.funcs.get(index as usize) else {
            return Err(Trap::host(format!("host function {index} does not exist")));
        };
        let caller = crate::func::Caller { data: self.data, store, instance: caller };
        f(caller, cells)
    }
}
