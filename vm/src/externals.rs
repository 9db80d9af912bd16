//! Globals, memories, tables, and the [`Extern`] sum of everything importable.

use crate::store::{StoreId, PAGE_SIZE};
use crate::{Error, Func, GlobalType, MemoryType, Store, TableType, Val, ValType};

/// Anything a module can import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A linear memory.
    Memory(Memory),
    /// A table.
    Table(Table),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Self::Func(f) => Some(f),
            _ => None,
        }
    }
    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Self::Global(g) => Some(g),
            _ => None,
        }
    }
    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Self::Memory(m) => Some(m),
            _ => None,
        }
    }
    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Self::Table(t) => Some(t),
            _ => None,
        }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Self {
        Self::Func(f)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Self {
        Self::Global(g)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Self {
        Self::Memory(m)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Self {
        Self::Table(t)
    }
}

fn check_val<T>(store: &Store<T>, ty: ValType, val: &Val) -> Result<(), Error> {
    if val.ty() != ty {
        return Err(Error::Signature(format!("expected a value of type {ty}, got {}", val.ty())));
    }
    if let Val::FuncRef(Some(f)) = val {
        store.inner.check(f.store)?;
    }
    Ok(())
}

/// A global variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Global {
    /// A new global in `store`.
    pub fn new<T>(store: &mut Store<T>, ty: GlobalType, value: Val) -> Result<Global, Error> {
        check_val(store, ty.content, &value)?;
        let index = store.inner.alloc_global(ty, value.to_cell());
        Ok(Global { store: store.inner.id, index })
    }

    /// The global's type.
    pub fn ty<T>(&self, store: &Store<T>) -> GlobalType {
        store.inner.globals[self.index as usize].ty
    }

    /// The current value.
    pub fn get<T>(&self, store: &Store<T>) -> Val {
        let g = &store.inner.globals[self.index as usize];
        Val::from_cell(g.value.get(), g.ty.content, store.inner.id)
    }

    /// Sets the value; fails for immutable globals and mistyped values.
    pub fn set<T>(&self, store: &mut Store<T>, value: Val) -> Result<(), Error> {
        store.inner.check(self.store)?;
        let ty = store.inner.globals[self.index as usize].ty;
        if !ty.mutable {
            return Err(Error::Usage("cannot set an immutable global".into()));
        }
        check_val(store, ty.content, &value)?;
        store.inner.globals[self.index as usize].value.set(value.to_cell());
        Ok(())
    }
}

/// A linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Memory {
    /// A new zeroed memory in `store`.
    pub fn new<T>(store: &mut Store<T>, ty: MemoryType) -> Result<Memory, Error> {
        let index = store.inner.alloc_memory(ty)?;
        Ok(Memory { store: store.inner.id, index })
    }

    /// The memory's type, with its current size as minimum.
    pub fn ty<T>(&self, store: &Store<T>) -> MemoryType {
        let m = &store.inner.memories[self.index as usize];
        MemoryType { minimum: (m.data.len() / PAGE_SIZE) as u32, maximum: m.ty.maximum }
    }

    /// The memory's bytes.
    pub fn data<'a, T>(&self, store: &'a Store<T>) -> &'a [u8] {
        &store.inner.memories[self.index as usize].data
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'a, T>(&self, store: &'a mut Store<T>) -> &'a mut [u8] {
        &mut store.inner.memories[self.index as usize].data
    }

    /// Current size in pages.
    pub fn size<T>(&self, store: &Store<T>) -> u32 {
        (store.inner.memories[self.index as usize].data.len() / PAGE_SIZE) as u32
    }

    /// Grows by `delta` pages; returns the old size, or `None` past the type's or engine's limit.
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u32) -> Option<u32> {
        store.inner.grow_memory(self.index, delta)
    }
}

/// A table of references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Table {
    /// A new table in `store`, every element set to `init`.
    pub fn new<T>(store: &mut Store<T>, ty: TableType, init: Val) -> Result<Table, Error> {
        check_val(store, ty.element.into(), &init)?;
        let index = store.inner.alloc_table(ty, init.to_cell())?;
        Ok(Table { store: store.inner.id, index })
    }

    /// The table's type, with its current size as minimum.
    pub fn ty<T>(&self, store: &Store<T>) -> TableType {
        let t = &store.inner.tables[self.index as usize];
        TableType { element: t.ty.element, minimum: t.elems.len() as u32, maximum: t.ty.maximum }
    }

    /// Current number of elements.
    pub fn size<T>(&self, store: &Store<T>) -> u32 {
        store.inner.tables[self.index as usize].elems.len() as u32
    }

    /// Element `index`, or `None` out of bounds.
    pub fn get<T>(&self, store: &Store<T>, index: u32) -> Option<Val> {
        let t = &store.inner.tables[self.index as usize];
        let cell = *t.elems.get(index as usize)?;
        Some(Val::from_cell(cell, t.ty.element.into(), store.inner.id))
    }

    /// Sets element `index`.
    pub fn set<T>(&self, store: &mut Store<T>, index: u32, value: Val) -> Result<(), Error> {
        store.inner.check(self.store)?;
        let ty = store.inner.tables[self.index as usize].ty.element;
        check_val(store, ty.into(), &value)?;
        let t = &mut store.inner.tables[self.index as usize];
        let slot = t
            .elems
            .get_mut(index as usize)
            .ok_or_else(|| Error::Usage(format!("table index {index} out of bounds")))?;
        *slot = value.to_cell();
        Ok(())
    }
}
