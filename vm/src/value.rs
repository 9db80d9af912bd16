//! Value types, runtime values and the types of module entities.

use core::fmt;

/// A WebAssembly value type in Tally's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE 754 float.
    F32,
    /// 64-bit IEEE 754 float.
    F64,
    /// Nullable reference to a function.
    FuncRef,
    /// Nullable opaque reference owned by the host.
    ExternRef,
}

impl ValType {
    pub(crate) fn from_wasmparser(ty: wasmparser::ValType) -> Option<Self> {
        use wasmparser::ValType as W;
        Some(match ty {
            W::I32 => Self::I32,
            W::I64 => Self::I64,
            W::F32 => Self::F32,
            W::F64 => Self::F64,
            W::Ref(r) => RefType::from_wasmparser(r)?.into(),
            W::V128 => return None,
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::F32 => "f32",
            Self::F64 => "f64",
            Self::FuncRef => "funcref",
            Self::ExternRef => "externref",
        })
    }
}

/// The type of a reference: what a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefType {
    /// `funcref`.
    FuncRef,
    /// `externref`.
    ExternRef,
}

impl RefType {
    pub(crate) fn from_wasmparser(r: wasmparser::RefType) -> Option<Self> {
        if r == wasmparser::RefType::FUNCREF {
            Some(Self::FuncRef)
        } else if r == wasmparser::RefType::EXTERNREF {
            Some(Self::ExternRef)
        } else {
            None
        }
    }
}

impl From<RefType> for ValType {
    fn from(r: RefType) -> Self {
        match r {
            RefType::FuncRef => Self::FuncRef,
            RefType::ExternRef => Self::ExternRef,
        }
    }
}

/// The bits of an `f32`, kept as bits so NaN payloads survive every move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct F32(pub u32);

impl F32 {
    /// The float these bits encode.
    pub fn to_float(self) -> f32 {
        f32::from_bits(self.0)
    }
    /// The bits of `f`.
    pub fn from_float(f: f32) -> Self {
        Self(f.to_bits())
    }
}

/// The bits of an `f64`, kept as bits so NaN payloads survive every move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct F64(pub u64);

impl F64 {
    /// The float these bits encode.
    pub fn to_float(self) -> f64 {
        f64::from_bits(self.0)
    }
    /// The bits of `f`.
    pub fn from_float(f: f64) -> Self {
        Self(f.to_bits())
    }
}

/// An opaque host reference carried by `externref` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(pub u32);

/// A runtime value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as bits.
    F32(F32),
    /// An `f64`, as bits.
    F64(F64),
    /// A `funcref`; `None` is the null reference.
    FuncRef(Option<crate::Func>),
    /// An `externref`; `None` is the null reference.
    ExternRef(Option<ExternRef>),
}

impl Val {
    /// The type of this value.
    pub fn ty(&self) -> ValType {
        match self {
            Self::I32(_) => ValType::I32,
            Self::I64(_) => ValType::I64,
            Self::F32(_) => ValType::F32,
            Self::F64(_) => ValType::F64,
            Self::FuncRef(_) => ValType::FuncRef,
            Self::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The zero value of `ty`: 0, +0.0 or null.
    pub fn default_for(ty: ValType) -> Self {
        match ty {
            ValType::I32 => Self::I32(0),
            ValType::I64 => Self::I64(0),
            ValType::F32 => Self::F32(F32(0)),
            ValType::F64 => Self::F64(F64(0)),
            ValType::FuncRef => Self::FuncRef(None),
            ValType::ExternRef => Self::ExternRef(None),
        }
    }

    /// Encodes the value into an untyped 64-bit cell.
    pub(crate) fn to_cell(self) -> u64 {
        match self {
            Self::I32(v) => v as u32 as u64,
            Self::I64(v) => v as u64,
            Self::F32(v) => v.0 as u64,
            Self::F64(v) => v.0,
            Self::FuncRef(f) => f.map_or(0, |f| f.index as u64 + 1),
            Self::ExternRef(r) => r.map_or(0, |r| r.0 as u64 + 1),
        }
    }

    /// Decodes a cell of type `ty`; `store` tags function references.
    pub(crate) fn from_cell(cell: u64, ty: ValType, store: crate::store::StoreId) -> Self {
        match ty {
            ValType::I32 => Self::I32(cell as u32 as i32),
            ValType::I64 => Self::I64(cell as i64),
            ValType::F32 => Self::F32(F32(cell as u32)),
            ValType::F64 => Self::F64(F64(cell)),
            ValType::FuncRef => Self::FuncRef(cell.checked_sub(1).map(|i| crate::Func { store, index: i as u32 })),
            ValType::ExternRef => Self::ExternRef(cell.checked_sub(1).map(|i| ExternRef(i as u32))),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Self::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Self::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Self {
        Self::F32(F32::from_float(v))
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Self::F64(F64::from_float(v))
    }
}

/// A function signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncType {
    params: Box<[ValType]>,
    results: Box<[ValType]>,
}

impl FuncType {
    /// A signature with these parameter and result types.
    pub fn new(params: impl IntoIterator<Item = ValType>, results: impl IntoIterator<Item = ValType>) -> Self {
        Self { params: params.into_iter().collect(), results: results.into_iter().collect() }
    }
    /// The parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.params
    }
    /// The result types.
    pub fn results(&self) -> &[ValType] {
        &self.results
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(")?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(f, "{p}")?;
        }
        write!(f, ") -> (")?;
        for (i, r) in self.results.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(f, "{r}")?;
        }
        write!(f, ")")
    }
}

/// The type of a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalType {
    /// The value type.
    pub content: ValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

/// The type of a linear memory, in 64 KiB pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryType {
    /// Initial size.
    pub minimum: u32,
    /// Declared maximum size, if any.
    pub maximum: Option<u32>,
}

/// The type of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableType {
    /// What the table holds.
    pub element: RefType,
    /// Initial size.
    pub minimum: u32,
    /// Declared maximum size, if any.
    pub maximum: Option<u32>,
}

/// The kind and type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternType {
    /// A function with this signature.
    Func(FuncType),
    /// A global of this type.
    Global(GlobalType),
    /// A memory of this type.
    Memory(MemoryType),
    /// A table of this type.
    Table(TableType),
}
