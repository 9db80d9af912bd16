//! Instances: a module's entities allocated in a store, linked to their imports.

use std::cell::Cell;
use std::sync::Arc;

use crate::module::{ConstExpr, DataMode, ElemMode, ExportKind, ModuleInner};
use crate::store::{FuncEntity, FuncKind, InstanceEntity, StoreInner, WasmEntry};
use crate::{
    Error, Extern, ExternType, Func, Global, Memory, Module, Store, Table, Trap, TrapCode, TypedFunc, WasmTuple,
};

/// An instantiated module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store: crate::store::StoreId,
    pub(crate) index: u32,
}

pub(crate) fn export_of(store: &StoreInner, instance: u32, name: &str) -> Option<Extern> {
    let inst = store.instances.get(instance as usize)?;
    let (_, kind, index) = inst.module.exports.iter().find(|(n, _, _)| n == name)?;
    extern_of(store, inst, *kind, *index)
}

fn extern_of(store: &StoreInner, inst: &InstanceEntity, kind: ExportKind, index: u32) -> Option<Extern> {
    let id = store.id;
    Some(match kind {
        ExportKind::Func => Extern::Func(Func { store: id, index: *inst.funcs.get(index as usize)? }),
        ExportKind::Table => Extern::Table(Table { store: id, index: *inst.tables.get(index as usize)? }),
        ExportKind::Memory => Extern::Memory(Memory { store: id, index: *inst.memories.get(index as usize)? }),
        ExportKind::Global => Extern::Global(Global { store: id, index: *inst.globals.get(index as usize)? }),
    })
}

impl Instance {
    /// The export `name`, if any.
    pub fn get_export<T>(&self, store: &Store<T>, name: &str) -> Option<Extern> {
        if self.store != store.inner.id {
            return None;
        }
        export_of(&store.inner, self.index, name)
    }

    /// Every export, in declaration order.
    pub fn exports<T>(&self, store: &Store<T>) -> Vec<(String, Extern)> {
        let Some(inst) = store.inner.instances.get(self.index as usize) else {
            return Vec::new();
        };
        if self.store != store.inner.id {
            return Vec::new();
        }
        inst.module
            .exports
            .iter()
            .filter_map(|(n, k, i)| Some((n.clone(), extern_of(&store.inner, inst, *k, *i)?)))
            .collect()
    }

    /// The exported function `name`.
    pub fn get_func<T>(&self, store: &Store<T>, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name`, checked against the signature `P -> R`.
    pub fn get_typed_func<P: WasmTuple, R: WasmTuple>(
        &self,
        store: &Store<impl Sized>,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let func = self
            .get_func(store, name)
            .ok_or_else(|| Error::Export { name: name.into(), reason: "no function export with this name".into() })?;
        func.typed(store).map_err(|e| Error::Export { name: name.into(), reason: e.to_string() })
    }

    /// The exported global `name`.
    pub fn get_global<T>(&self, store: &Store<T>, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The exported memory `name`.
    pub fn get_memory<T>(&self, store: &Store<T>, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported table `name`.
    pub fn get_table<T>(&self, store: &Store<T>, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }
}

fn link_error(module: &ModuleInner, i: usize, reason: impl Into<String>) -> Error {
    let import = &module.imports[i];
    Error::Link { module: import.module().into(), name: import.name().into(), reason: reason.into() }
}

/// Checks that `ext` satisfies import `i` of `module`.
fn check_import(store: &StoreInner, module: &ModuleInner, i: usize, ext: &Extern) -> Result<(), Error> {
    let incompatible = |what: String| link_error(module, i, format!("incompatible import type: {what}"));
    match (module.imports[i].ty(), ext) {
        (ExternType::Func(ty), Extern::Func(f)) => {
            store.check(f.store)?;
            let actual = store.engine.resolve(store.funcs[f.index as usize].sig);
            if &actual != ty {
                return Err(incompatible(format!("expected function {ty}, found {actual}")));
            }
        }
        (ExternType::Global(ty), Extern::Global(g)) => {
            store.check(g.store)?;
            let actual = store.globals[g.index as usize].ty;
            if actual != *ty {
                return Err(incompatible(format!("expected global {ty:?}, found {actual:?}")));
            }
        }
        (ExternType::Memory(ty), Extern::Memory(m)) => {
            store.check(m.store)?;
            let mem = &store.memories[m.index as usize];
            let size = (mem.data.len() / crate::store::PAGE_SIZE) as u32;
            let ok = size >= ty.minimum
                && match ty.maximum {
                    None => true,
                    Some(max) => mem.ty.maximum.is_some_and(|m| m <= max),
                };
            if !ok {
                return Err(incompatible(format!(
                    "memory limits {ty:?} not met by {size} pages, max {:?}",
                    mem.ty.maximum
                )));
            }
        }
        (ExternType::Table(ty), Extern::Table(t)) => {
            store.check(t.store)?;
            let table = &store.tables[t.index as usize];
            let size = table.elems.len() as u32;
            let ok = table.ty.element == ty.element
                && size >= ty.minimum
                && match ty.maximum {
                    None => true,
                    Some(max) => table.ty.maximum.is_some_and(|m| m <= max),
                };
            if !ok {
                return Err(incompatible(format!("table limits {ty:?} not met by {size} elements")));
            }
        }
        (expected, _) => return Err(incompatible(format!("expected {expected:?}"))),
    }
    Ok(())
}

fn eval(store: &StoreInner, globals: &[u32], funcs: &[u32], expr: ConstExpr) -> u64 {
    match expr {
        ConstExpr::Value(v) => v,
        ConstExpr::Global(i) => globals.get(i as usize).map_or(0, |g| store.globals[*g as usize].value.get()),
        ConstExpr::RefFunc(f) => funcs.get(f as usize).map_or(0, |f| *f as u64 + 1),
    }
}

/// Instantiates `module` in `store` with `imports` in the module's import order, then runs
/// active segment initialization and the start function.
pub(crate) fn instantiate<T>(store: &mut Store<T>, module: &Module, imports: &[Extern]) -> Result<Instance, Error> {
    let m: &Arc<ModuleInner> = &module.inner;
    if !m.engine.same(&store.inner.engine) {
        return Err(Error::Usage("module was compiled by a different engine than the store's".into()));
    }
    if imports.len() != m.imports.len() {
        return Err(Error::Usage(format!("{} imports given, module needs {}", imports.len(), m.imports.len())));
    }
    let s = &mut store.inner;
    let mut funcs = Vec::with_capacity(m.func_types.len());
    let mut tables = Vec::new();
    let mut memories = Vec::new();
    let mut globals = Vec::new();
    for (i, ext) in imports.iter().enumerate() {
        check_import(s, m, i, ext)?;
        match ext {
            Extern::Func(f) => funcs.push(f.index),
            Extern::Table(t) => tables.push(t.index),
            Extern::Memory(mm) => memories.push(mm.index),
            Extern::Global(g) => globals.push(g.index),
        }
    }
    let instance_index = s.instances.len() as u32;
    for (def, f) in m.funcs.iter().enumerate() {
        let index = m.num_imported_funcs as usize + def;
        let ty = &m.types[m.func_types[index] as usize];
        s.funcs.push(FuncEntity {
            sig: m.sigs[m.func_types[index] as usize],
            params: ty.params().len() as u32,
            results: ty.results().len() as u32,
            kind: FuncKind::Wasm { instance: instance_index, def: def as u32 },
            entry: WasmEntry::of(f),
        });
        funcs.push(s.funcs.len() as u32 - 1);
    }
    for ty in &m.tables {
        tables.push(s.alloc_table(*ty, 0)?);
    }
    for ty in &m.memories {
        memories.push(s.alloc_memory(*ty)?);
    }
    for (ty, init) in &m.globals {
        let value = eval(s, &globals, &funcs, *init);
        globals.push(s.alloc_global(*ty, value));
    }
    let global_ptrs = globals.iter().map(|g| s.globals[*g as usize].value.as_ptr()).collect();
    let elems: Vec<Box<[u64]>> =
        m.elems.iter().map(|seg| seg.items.iter().map(|e| eval(s, &globals, &funcs, *e)).collect()).collect();
    s.reserve_branch_sites(m.site_words);
    s.instances.push(Box::new(InstanceEntity {
        index: instance_index,
        module: m.clone(),
        funcs,
        tables,
        memories,
        globals,
        global_ptrs,
        elems,
        elem_dropped: m.elems.iter().map(|_| Cell::new(false)).collect(),
        data_dropped: m.datas.iter().map(|_| Cell::new(false)).collect(),
    }));
    let instance = Instance { store: s.id, index: instance_index };

    for (i, seg) in m.elems.iter().enumerate() {
        let inst = &s.instances[instance_index as usize];
        match seg.mode {
            ElemMode::Passive => continue,
            ElemMode::Declared => {}
            ElemMode::Active { table, offset } => {
                let offset = eval(s, &inst.globals, &inst.funcs, offset) as u32;
                let table_id = inst.tables[table as usize];
                let items = inst.elems[i].clone();
                let t = &mut s.tables[table_id as usize];
                let end = offset as u64 + items.len() as u64;
                if end > t.elems.len() as u64 {
                    return Err(Trap::new(TrapCode::TableOutOfBounds).into());
                }
                crate::bytes::copy(&mut t.elems[offset as usize..end as usize], &items);
            }
        }
        // Dropped, and nothing reads the items again: release them.
        let inst = &mut s.instances[instance_index as usize];
        inst.elem_dropped[i].set(true);
        inst.elems[i] = Box::default();
    }
    for (i, seg) in m.datas.iter().enumerate() {
        let DataMode::Active { memory, offset } = seg.mode else {
            continue;
        };
        let inst = &s.instances[instance_index as usize];
        let offset = eval(s, &inst.globals, &inst.funcs, offset) as u32;
        let mem_id = inst.memories[memory as usize];
        let data = &mut s.memories[mem_id as usize].data;
        let end = offset as u64 + seg.bytes.len() as u64;
        if end > data.len() as u64 {
            return Err(Trap::new(TrapCode::MemoryOutOfBounds).into());
        }
        crate::bytes::copy(&mut data[offset as usize..end as usize], &seg.bytes);
        s.instances[instance_index as usize].data_dropped[i].set(true);
    }
    if let Some(start) = m.start {
        let func = Func { store: s.id, index: s.instances[instance_index as usize].funcs[start as usize] };
        func.call(store, &[], &mut [])?;
    }
    Ok(instance)
}
