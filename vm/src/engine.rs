//! The engine: configuration plus the registry that gives every distinct signature one id.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::exec::Frame;
use crate::module::FuncTranslator;
use crate::store::FuncEntity;
use crate::{Config, FuncType};

/// Identifies a function signature within one [`Engine`]. Equal signatures get equal ids, so
/// `call_indirect` type checks are one integer comparison across modules and hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SigId(pub u32);

#[derive(Debug, Default)]
struct SigRegistry {
    ids: BTreeMap<FuncType, SigId>,
    types: Vec<FuncType>,
}

#[derive(Debug)]
struct EngineInner {
    config: Config,
    sigs: Mutex<SigRegistry>,
    /// Value stacks of dropped stores, handed to new ones. Allocating and zeroing a fresh
    /// multi-megabyte stack per store (the allocator zeroes large blocks it reuses) dominated
    /// short calls in stores that live for one call, as in `tally-host-env`.
    stacks: Mutex<Vec<Vec<u64>>>,
    /// Translation buffers of finished compilations, handed to the next `Module::new`, so that
    /// compiling many small modules does not regrow them from empty every time.
    translators: Mutex<Vec<FuncTranslator>>,
    /// Call-frame stacks of dropped stores (empty, with their capacity), handed to new ones:
    /// each reserves room for the whole call depth limit, hundreds of kilobytes.
    frames: Mutex<Vec<SpareFrames>>,
    /// Linear memories of dropped stores, zeroed, handed to new ones (see
    /// [`take_memory`](Engine::take_memory)).
    memories: Mutex<Vec<Vec<u8>>>,
    /// Function-entity lists of dropped stores (empty, with their capacity), handed to stores
    /// instantiating from a template: a contract's list is a few kilobytes, a size glibc's
    /// allocator serves only after consolidating its small free chunks, once per store.
    func_lists: Mutex<Vec<SpareFuncs>>,
}

/// An empty function-entity list kept for its allocation.
struct SpareFuncs(Vec<FuncEntity>);

impl core::fmt::Debug for SpareFuncs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SpareFuncs({})", self.0.capacity())
    }
}

// SAFETY: a `FuncEntity` holds a raw pointer to its code, which makes it `!Send`; a spare list
// holds no entities at all (its length is 0, `recycle_funcs` clears it), only memory.
unsafe impl Send for SpareFuncs {}

/// An empty call-frame stack kept for its allocation.
struct SpareFrames(Vec<Frame>);

impl core::fmt::Debug for SpareFrames {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SpareFrames({})", self.0.capacity())
    }
}

// SAFETY: a `Frame` holds raw pointers into one store, which make it `!Send`; a spare frame
// stack holds no frames at all (its length is 0, `recycle_frames` clears it), only memory.
unsafe impl Send for SpareFrames {}

/// Most value stacks an engine keeps for reuse.
const MAX_POOLED_STACKS: usize = 16;

/// Most translators an engine keeps for reuse (one per concurrent compilation is enough).
const MAX_POOLED_TRANSLATORS: usize = 4;

/// Most call-frame stacks an engine keeps for reuse.
const MAX_POOLED_FRAMES: usize = 16;

/// Most function-entity lists an engine keeps for reuse.
const MAX_POOLED_FUNC_LISTS: usize = 16;

/// Largest function-entity list an engine keeps for reuse, in entities (a few hundred kilobytes):
/// one huge module's stores should not pin their lists in the engine.
const MAX_POOLED_FUNC_LIST: usize = 1 << 13;

/// Most linear memories an engine keeps for reuse.
const MAX_POOLED_MEMORIES: usize = 16;

/// Largest linear memory an engine keeps for reuse, in bytes: zeroing a memory for reuse costs
/// about what allocating and zeroing a fresh one does, so the pool is for the small memories
/// of short-lived stores, and keeps at most a few megabytes.
const MAX_POOLED_MEMORY_BYTES: usize = 4 * 65536;

// Engines are shared across threads; what the pools hold must keep it that way.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<Engine>();
};

/// Compiles modules under one [`Config`]. Cheap to clone; clones share state.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl Engine {
    /// An engine with this configuration.
    pub fn new(config: Config) -> Self {
        Self {
            inner: Arc::new(EngineInner {
                config,
                sigs: Mutex::new(SigRegistry::default()),
                stacks: Mutex::new(Vec::new()),
                translators: Mutex::new(Vec::new()),
                frames: Mutex::new(Vec::new()),
                memories: Mutex::new(Vec::new()),
                func_lists: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The configuration this engine enforces.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn intern(&self, ty: &FuncType) -> SigId {
        // A poisoned lock only means another thread panicked mid-insert of a complete entry;
        // the map itself is always consistent, so keep using it.
        let mut reg = self.inner.sigs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = reg.ids.get(ty) {
            return *id;
        }
        let id = SigId(reg.types.len() as u32);
        reg.types.push(ty.clone());
        reg.ids.insert(ty.clone(), id);
        id
    }

    /// A value stack of `cells` cells: a recycled one if available, else a new zeroed one.
    ///
    /// A recycled stack holds the values of earlier executions. That is sound and deterministic
    /// because the interpreter never reads a cell it has not written in the current invocation:
    /// arguments and temporaries are written before they are read, and locals are zeroed on
    /// entry. (One store already reuses its own stack across calls on the same grounds.)
    pub(crate) fn take_stack(&self, cells: usize) -> Vec<u64> {
        let mut pool = self.inner.stacks.lock().unwrap_or_else(|e| e.into_inner());
        match pool.iter().position(|s| s.len() == cells) {
            Some(i) => pool.swap_remove(i),
            None => vec![0u64; cells],
        }
    }

    /// Returns a value stack for reuse by [`take_stack`](Self::take_stack).
    pub(crate) fn recycle_stack(&self, stack: Vec<u64>) {
        let mut pool = self.inner.stacks.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < MAX_POOLED_STACKS {
            pool.push(stack);
        }
    }

    /// An empty call-frame stack: a recycled one (with the capacity it had) if available.
    pub(crate) fn take_frames(&self) -> Vec<Frame> {
        let mut pool = self.inner.frames.lock().unwrap_or_else(|e| e.into_inner());
        pool.pop().map_or_else(Vec::new, |spare| spare.0)
    }

    /// Returns a call-frame stack for reuse by [`take_frames`](Self::take_frames).
    pub(crate) fn recycle_frames(&self, mut frames: Vec<Frame>) {
        frames.clear();
        let mut pool = self.inner.frames.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < MAX_POOLED_FRAMES {
            pool.push(SpareFrames(frames));
        }
    }

    /// An empty function-entity list: a recycled one (with the capacity it had) if available.
    pub(crate) fn take_funcs(&self) -> Vec<FuncEntity> {
        let mut pool = self.inner.func_lists.lock().unwrap_or_else(|e| e.into_inner());
        pool.pop().map_or_else(Vec::new, |spare| spare.0)
    }

    /// Returns a dropped store's function-entity list for reuse by
    /// [`take_funcs`](Self::take_funcs), unless it is too large to keep.
    pub(crate) fn recycle_funcs(&self, mut funcs: Vec<FuncEntity>) {
        if funcs.capacity() > MAX_POOLED_FUNC_LIST {
            return;
        }
        funcs.clear();
        let mut pool = self.inner.func_lists.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < MAX_POOLED_FUNC_LISTS {
            pool.push(SpareFuncs(funcs));
        }
    }

    /// A zeroed linear memory of exactly `bytes` bytes from the pool, if it holds one.
    ///
    /// A recycled memory is indistinguishable from a fresh one: every byte of it was zeroed when
    /// it was returned ([`recycle_memory`](Self::recycle_memory)), and its length is the one
    /// asked for. Only its capacity may differ, which nothing observes (growth appends zeros).
    pub(crate) fn take_memory(&self, bytes: usize) -> Option<Vec<u8>> {
        if bytes == 0 || bytes > MAX_POOLED_MEMORY_BYTES {
            return None;
        }
        let mut pool = self.inner.memories.lock().unwrap_or_else(|e| e.into_inner());
        let i = pool.iter().position(|m| m.len() == bytes)?;
        Some(pool.swap_remove(i))
    }

    /// Returns a dropped store's linear memory for reuse by [`take_memory`](Self::take_memory):
    /// zeroed here, whatever its last contract wrote, unless it is too large to keep. A full pool
    /// gives up its oldest memory, so that it follows the sizes in use.
    pub(crate) fn recycle_memory(&self, mut data: Vec<u8>) {
        if data.is_empty() || data.len() > MAX_POOLED_MEMORY_BYTES {
            return;
        }
        // Zeroed before the lock: other threads' stores need not wait for it.
        data.fill(0);
        let mut pool = self.inner.memories.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() >= MAX_POOLED_MEMORIES {
            pool.remove(0);
        }
        pool.push(data);
    }

    /// A function translator: a recycled one if available, else a new one. Its buffers carry
    /// no state between compilations (every function starts by resetting them).
    pub(crate) fn take_translator(&self) -> FuncTranslator {
        let mut pool = self.inner.translators.lock().unwrap_or_else(|e| e.into_inner());
        pool.pop().unwrap_or_default()
    }

    /// Returns a translator for reuse by [`take_translator`](Self::take_translator), unless its
    /// buffers grew too large to be worth keeping.
    pub(crate) fn recycle_translator(&self, translator: FuncTranslator) {
        if !translator.worth_pooling() {
            return;
        }
        let mut pool = self.inner.translators.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < MAX_POOLED_TRANSLATORS {
            pool.push(translator);
        }
    }

    pub(crate) fn resolve(&self, id: SigId) -> FuncType {
        let reg = self.inner.sigs.lock().unwrap_or_else(|e| e.into_inner());
        reg.types.get(id.0 as usize).cloned().unwrap_or_else(|| FuncType::new([], []))
    }
}
