//! Instance templates: the part of instantiating a module with a linker that does not depend on
//! the store, worked out once ([`Linker::instantiate_pre`](crate::Linker::instantiate_pre)) so
//! that each instantiation ([`InstancePre::instantiate`]) only copies it: imports resolved and
//! their signatures interned, function entities built, globals' and element segments' initial
//! values evaluated, and the active segments checked against the tables and memories they fill.
//!
//! A template holds nothing proportional to a module's declared sizes (memory pages, table
//! elements), only to its code (functions, globals, segment items): a cache of templates is
//! bounded by the code it holds. Each instance still gets zeroed tables and memories of the
//! declared sizes, with the active segments copied in.
//!
//! A module the template cannot prepare completely (an import that is a store's extern, a
//! missing or mistyped import, a table or memory over the limits, a segment out of bounds) is
//! instantiated exactly as before, import by import ([`crate::instance::instantiate`]), so every
//! error and trap is the one `Linker::instantiate` always gave.
//!
//! # Soundness
//!
//! This file has no `unsafe`, but the interpreter's unsafe code trusts what it builds: it reads
//! `global_ptrs`, the function space and the per-instance spaces with validated indices and no
//! bounds check. What makes an instance from a template as sound as one built import by import:
//! - Spaces: only modules whose imports are all functions are prepared, so the table, memory and
//!   global spaces are exactly the defined ones, and the function space is the imports followed
//!   by the definitions; `InstancePre::instantiate` asserts all four lengths before the instance
//!   exists. (The one bug found here was a template missing the non-function imports.)
//! - No store state in the template: function entities are relative (host functions count from
//!   the instance's first host function, Wasm functions get the new instance's index, function
//!   references are offsets into the instance's function space), and each instantiation rebases
//!   them on the store it instantiates in, so a second instance or a second store gets its own.
//!   In a store with no host function and no instance yet, rebasing changes nothing, so the
//!   entities are copied as they are. Their code entries point into the template's module, which
//!   every instance made from the template holds (`InstanceEntity::module`, the same `Arc`).
//! - Global cells are allocated per instance in the target store and boxed, so the pointers in
//!   `global_ptrs` stay valid as the store's global list grows, for as long as the store lives.
//! - Signatures are interned in the engine, and a store of another engine is refused.
//! - Segment writes use checked slice indexing over tables and memories sized from the module's
//!   minimums, which `prepare` checked the segments against.
//! - A failed instantiation (an allocation refused) leaves function entities naming an instance
//!   index that was never pushed; nothing hands out their store indices, so they stay unreachable,
//!   as with the import-by-import path.

use std::cell::Cell;
use std::sync::Arc;

use crate::func::{intrinsic, HostCallFn, HostFunc};
use crate::module::{ConstExpr, DataMode, ElemMode, ModuleInner};
use crate::store::{FuncEntity, FuncKind, InstanceEntity, WasmEntry, PAGE_SIZE};
use crate::{Error, Extern, ExternType, Func, GlobalType, Instance, Module, Store};

/// A module linked against a [`Linker`](crate::Linker)'s definitions, ready to instantiate in
/// any store of the module's engine. Instantiating it is equivalent to
/// [`Linker::instantiate`](crate::Linker::instantiate) with the linker as it was when the
/// template was made, and cheaper.
pub struct InstancePre<T> {
    module: Module,
    kind: Kind<T>,
}

impl<T> core::fmt::Debug for InstancePre<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let prepared = matches!(self.kind, Kind::Prepared(..));
        f.debug_struct("InstancePre").field("prepared", &prepared).finish_non_exhaustive()
    }
}

enum Kind<T> {
    /// Every import is a host function or a metering intrinsic and the segments fit.
    Prepared(Template<T>, Vec<Resolved<T>>),
    /// Anything else: the imports as the linker resolved them, placed one by one.
    ByImport(Vec<Resolved<T>>),
}

/// What the linker had for one import.
pub(crate) enum Resolved<T> {
    Host(HostFunc<T>),
    Intrinsic,
    Extern(Extern),
    Unknown,
}

/// A value known before instantiation, up to where the instance's functions land in the store.
#[derive(Clone, Copy)]
enum Init {
    Value(u64),
    /// A reference to function `index` of the module's function space.
    Func(u32),
}

struct Template<T> {
    /// The host functions among the imports, in import order; a store's first instance shares
    /// the list (see `HostFuncs`).
    host_calls: Arc<[HostCallFn<T>]>,
    /// The function space's entities, as they are in a store that holds nothing else. Host
    /// indices count from the instance's first host function; Wasm functions name instance 0
    /// until placed, and their entries point into the template's module, which every instance
    /// made from it holds.
    funcs: Vec<FuncEntity>,
    globals: Vec<(GlobalType, Init)>,
    /// Each element segment's items; empty for the ones dropped at instantiation.
    elems: Vec<Box<[Init]>>,
    elem_dropped: Vec<bool>,
    /// Active element segments' writes: (table, offset, items), in order.
    table_writes: Vec<(u32, u32, Box<[Init]>)>,
    /// Active data segments: (memory, offset, segment), in order.
    data_writes: Vec<(u32, u32, u32)>,
    data_dropped: Vec<bool>,
}

impl<T> Template<T> {
    /// Bytes the template holds beyond its module.
    fn footprint(&self) -> usize {
        use core::mem::size_of;
        self.host_calls.len() * size_of::<HostCallFn<T>>()
            + self.funcs.len() * size_of::<FuncEntity>()
            + self.globals.len() * size_of::<(GlobalType, Init)>()
            + self.elems.iter().map(|e| e.len() * size_of::<Init>() + size_of::<Box<[Init]>>() + 1).sum::<usize>()
            + self
                .table_writes
                .iter()
                .map(|w| w.2.len() * size_of::<Init>() + size_of::<(u32, u32, Box<[Init]>)>())
                .sum::<usize>()
            + self.data_writes.len() * size_of::<(u32, u32, u32)>()
            + self.data_dropped.len()
    }
}

impl<T> InstancePre<T> {
    /// Prepares `module` with `resolved`, its imports as a linker resolved them.
    pub(crate) fn new(module: &Module, resolved: Vec<Resolved<T>>) -> Self {
        let kind = match prepare(&module.inner, &resolved) {
            Some(template) => Kind::Prepared(template, resolved),
            None => Kind::ByImport(resolved),
        };
        InstancePre { module: module.clone(), kind }
    }

    /// The module this template instantiates.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Bytes this template holds beyond its module (for caches that bound their size).
    pub fn footprint(&self) -> usize {
        use core::mem::size_of;
        size_of::<Self>()
            + match &self.kind {
                Kind::Prepared(t, r) => t.footprint() + r.len() * size_of::<Resolved<T>>(),
                Kind::ByImport(r) => r.len() * size_of::<Resolved<T>>(),
            }
    }

    /// Instantiates the module in `store` and runs its start function, as
    /// [`Linker::instantiate`](crate::Linker::instantiate) would.
    pub fn instantiate(&self, store: &mut Store<T>) -> Result<Instance, Error> {
        let template = match &self.kind {
            Kind::Prepared(template, _) => template,
            Kind::ByImport(_) => return self.instantiate_by_import(store),
        };
        let m = &*self.module.inner;
        if !m.engine.same(&store.inner.engine) {
            return Err(Error::Usage("module was compiled by a different engine than the store's".into()));
        }
        let host_base = store.host_funcs.len() as u32;
        store.host_funcs.extend_shared(&template.host_calls);
        let s = &mut store.inner;
        let instance_index = s.instances.len() as u32;
        let func_base = s.funcs.len() as u32;
        if s.funcs.capacity() == 0 {
            s.funcs = s.engine.take_funcs();
        }
        if host_base == 0 && instance_index == 0 {
            // The store's first instance (a frame's store holds one): the template's entities
            // are already placed as they must be, so they are copied as they are.
            s.funcs.extend_from_slice(&template.funcs);
        } else {
            s.funcs.extend(template.funcs.iter().map(|f| {
                let kind = match f.kind {
                    FuncKind::Host { index } => FuncKind::Host { index: host_base + index },
                    FuncKind::Wasm { def, .. } => FuncKind::Wasm { instance: instance_index, def },
                    kind @ FuncKind::Intrinsic(_) => kind,
                };
                FuncEntity { kind, ..*f }
            }));
        }
        let funcs: Vec<u32> = (func_base..func_base + template.funcs.len() as u32).collect();
        // A function reference is the store index plus one (zero is null), as `eval` makes it.
        let value = |init: Init| match init {
            Init::Value(v) => v,
            Init::Func(f) => u64::from(func_base + f) + 1,
        };
        let mut tables = Vec::with_capacity(m.tables.len());
        for ty in &m.tables {
            tables.push(s.alloc_table(*ty, 0)?);
        }
        let mut memories = Vec::with_capacity(m.memories.len());
        for ty in &m.memories {
            memories.push(s.alloc_memory(*ty)?);
        }
        let globals: Vec<u32> = template.globals.iter().map(|(ty, init)| s.alloc_global(*ty, value(*init))).collect();
        let global_ptrs: Vec<*mut u64> = globals.iter().map(|g| s.globals[*g as usize].value.as_ptr()).collect();
        for (table, offset, items) in &template.table_writes {
            let t = &mut s.tables[tables[*table as usize] as usize];
            let at = *offset as usize;
            for (slot, item) in t.elems[at..at + items.len()].iter_mut().zip(items.iter()) {
                *slot = value(*item);
            }
        }
        for &(memory, offset, seg) in &template.data_writes {
            let bytes = &m.datas[seg as usize].bytes;
            let data = &mut s.memories[memories[memory as usize] as usize].data;
            crate::bytes::copy(&mut data[offset as usize..offset as usize + bytes.len()], bytes);
        }
        // The interpreter indexes `global_ptrs` (and the other spaces) with validated indices
        // and no bounds check, so the instance's spaces must be the module's, imports included.
        // `prepare` only accepts modules whose imports are all functions, which makes them so;
        // a mismatch is a bug here, and must stop before it becomes an out-of-bounds read.
        assert!(
            funcs.len() == m.func_types.len()
                && tables.len() == m.num_imported_tables as usize + m.tables.len()
                && memories.len() == m.num_imported_memories as usize + m.memories.len()
                && global_ptrs.len() == m.num_imported_globals as usize + m.globals.len(),
            "instance template does not cover the module's index spaces"
        );
        s.reserve_branch_sites(m.site_words);
        s.instances.push(Box::new(InstanceEntity {
            index: instance_index,
            module: self.module.inner.clone(),
            funcs,
            tables,
            memories,
            globals,
            global_ptrs,
            elems: template.elems.iter().map(|items| items.iter().map(|i| value(*i)).collect()).collect(),
            elem_dropped: template.elem_dropped.iter().map(|d| Cell::new(*d)).collect(),
            data_dropped: template.data_dropped.iter().map(|d| Cell::new(*d)).collect(),
        }));
        if let Some(start) = m.start {
            Func { store: s.id, index: func_base + start }.call(store, &[], &mut [])?;
        }
        Ok(Instance { store: store.inner.id, index: instance_index })
    }

    /// Instantiates without the template: each import placed in the store in turn, then the
    /// general instantiation (what [`Linker::instantiate`](crate::Linker::instantiate) does).
    pub(crate) fn instantiate_by_import(&self, store: &mut Store<T>) -> Result<Instance, Error> {
        let resolved = match &self.kind {
            Kind::Prepared(_, resolved) => resolved,
            Kind::ByImport(resolved) => resolved,
        };
        let m = &*self.module.inner;
        let mut externs = Vec::with_capacity(resolved.len());
        for (import, r) in m.imports.iter().zip(resolved) {
            externs.push(match r {
                Resolved::Intrinsic => Extern::Func(intrinsic(store, import.name())?),
                Resolved::Host(h) => Extern::Func(h.clone().allocate(store)),
                Resolved::Extern(e) => *e,
                Resolved::Unknown => {
                    return Err(Error::Link {
                        module: import.module().into(),
                        name: import.name().into(),
                        reason: "unknown import".into(),
                    })
                }
            });
        }
        crate::instance::instantiate(store, &self.module, &externs)
    }
}

/// The template of `m` with imports `resolved`, or `None` when it must be instantiated import by
/// import (see the module doc).
fn prepare<T>(m: &ModuleInner, resolved: &[Resolved<T>]) -> Option<Template<T>> {
    let engine = &m.engine;
    let config = engine.config();
    // Only modules that import nothing but functions are prepared: the instance's table, memory
    // and global spaces are then exactly the ones it defines, which is what `instantiate` builds.
    // `intrinsics` has one entry per imported *function*, so the three lists line up only then;
    // zipping them otherwise would silently skip the imports past the shortest list.
    if m.imports.len() != m.num_imported_funcs as usize
        || m.intrinsics.len() != m.imports.len()
        || resolved.len() != m.imports.len()
    {
        return None;
    }
    let mut host_calls = Vec::new();
    let mut funcs = Vec::with_capacity(m.func_types.len());
    for (k, ((import, r), intrinsic)) in m.imports.iter().zip(resolved).zip(&m.intrinsics).enumerate() {
        let ExternType::Func(ty) = import.ty() else { return None };
        // Every import is a function (checked above), so import `k` is function `k`, whose type
        // is the import's and whose signature the module interned with its types.
        let sig = *m.sigs.get(*m.func_types.get(k)? as usize)?;
        let entity = |kind| FuncEntity {
            sig,
            params: ty.params().len() as u32,
            results: ty.results().len() as u32,
            kind,
            entry: WasmEntry::NONE,
        };
        match r {
            Resolved::Host(h) if &h.ty == ty => {
                funcs.push(entity(FuncKind::Host { index: host_calls.len() as u32 }));
                host_calls.push(h.call.clone());
            }
            Resolved::Intrinsic => {
                let import = (*intrinsic)?;
                if !crate::metering::has_signature(import, ty) {
                    return None;
                }
                funcs.push(entity(FuncKind::Intrinsic(import)));
            }
            _ => return None,
        }
    }
    for def in 0..m.funcs.len() {
        let index = m.num_imported_funcs as usize + def;
        let ty = &m.types[m.func_types[index] as usize];
        funcs.push(FuncEntity {
            sig: m.sigs[m.func_types[index] as usize],
            params: ty.params().len() as u32,
            results: ty.results().len() as u32,
            kind: FuncKind::Wasm { instance: 0, def: def as u32 },
            // The instance holds this same module, so the entry stays valid as long as it does.
            entry: WasmEntry::of(&m.funcs[def]),
        });
    }
    let mut globals: Vec<(GlobalType, Init)> = Vec::with_capacity(m.globals.len());
    let eval = |globals: &[(GlobalType, Init)], expr: ConstExpr| match expr {
        ConstExpr::Value(v) => Init::Value(v),
        ConstExpr::Global(i) => globals.get(i as usize).map_or(Init::Value(0), |g| g.1),
        // Validation makes `f` a function of the module's space.
        ConstExpr::RefFunc(f) => Init::Func(f),
    };
    for (ty, init) in &m.globals {
        let value = eval(&globals, *init);
        globals.push((*ty, value));
    }
    if m.tables.iter().any(|t| t.minimum > config.max_table_elements)
        || m.memories.iter().any(|t| t.minimum > config.max_memory_pages)
    {
        return None;
    }
    let offset = |expr: ConstExpr| match eval(&globals, expr) {
        Init::Value(v) => Some(v as u32),
        Init::Func(_) => None,
    };
    let mut elems = Vec::with_capacity(m.elems.len());
    let mut elem_dropped = Vec::with_capacity(m.elems.len());
    let mut table_writes = Vec::new();
    for seg in &m.elems {
        let items: Box<[Init]> = seg.items.iter().map(|e| eval(&globals, *e)).collect();
        match seg.mode {
            ElemMode::Passive => {
                elems.push(items);
                elem_dropped.push(false);
                continue;
            }
            ElemMode::Declared => {}
            ElemMode::Active { table, offset: at } => {
                let at = offset(at)?;
                let size = m.tables.get(table as usize)?.minimum;
                if u64::from(at) + items.len() as u64 > u64::from(size) {
                    return None;
                }
                table_writes.push((table, at, items));
            }
        }
        elems.push(Box::default());
        elem_dropped.push(true);
    }
    let mut data_writes = Vec::new();
    let mut data_dropped = Vec::with_capacity(m.datas.len());
    for (i, seg) in m.datas.iter().enumerate() {
        let DataMode::Active { memory, offset: at } = seg.mode else {
            data_dropped.push(false);
            continue;
        };
        let at = offset(at)?;
        let size = u64::from(m.memories.get(memory as usize)?.minimum) * PAGE_SIZE as u64;
        if u64::from(at) + seg.bytes.len() as u64 > size {
            return None;
        }
        data_writes.push((memory, at, i as u32));
        data_dropped.push(true);
    }
    Some(Template {
        host_calls: host_calls.into(),
        funcs,
        globals,
        elems,
        elem_dropped,
        table_writes,
        data_writes,
        data_dropped,
    })
}
