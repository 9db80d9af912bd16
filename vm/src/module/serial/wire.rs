//! The format's byte level: a little-endian [`Writer`] and a bounds-checked [`Reader`] (whose
//! counts are refused when the bytes left cannot hold them), and the codecs of the engine's
//! configuration and of the module's value, function, table, memory, global and import types and
//! constant expressions.

use super::SerialError;
use crate::module::ConstExpr;
use crate::{Config, ExternType, FuncType, GlobalType, MemoryType, RefType, TableType, ValType};

pub(super) struct Writer(pub(super) Vec<u8>);

impl Writer {
    pub(super) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(super) fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// A count: every count a module holds fits in 32 bits (the VM's limits are far below).
    pub(super) fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }
    pub(super) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
}

pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn malformed(&self, message: String) -> SerialError {
        self.malformed_at(self.at, message)
    }
    pub(super) fn malformed_at(&self, offset: usize, message: String) -> SerialError {
        SerialError::Malformed { offset, message }
    }
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], SerialError> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.malformed(format!("{n} bytes wanted, {} left", self.bytes.len() - self.at)));
        };
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], SerialError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    pub(super) fn u8(&mut self) -> Result<u8, SerialError> {
        Ok(self.array::<1>()?[0])
    }
    pub(super) fn u32(&mut self) -> Result<u32, SerialError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub(super) fn u64(&mut self) -> Result<u64, SerialError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// A count of items that take at least `min_bytes` each: refused when the bytes left cannot
    /// hold that many, so that no count makes a reader allocate more than the input's size.
    pub(super) fn len(&mut self, min_bytes: usize) -> Result<usize, SerialError> {
        let at = self.at;
        let n = self.u32()? as usize;
        let left = self.bytes.len() - self.at;
        if n.saturating_mul(min_bytes.max(1)) > left {
            return Err(self.malformed_at(at, format!("count {n} exceeds the {left} bytes left")));
        }
        Ok(n)
    }
    pub(super) fn index(&mut self, count: u64, what: &str) -> Result<u32, SerialError> {
        let at = self.at;
        let v = self.u32()?;
        if u64::from(v) >= count {
            return Err(self.malformed_at(at, format!("{what} index {v} of {count}")));
        }
        Ok(v)
    }
    pub(super) fn bytes(&mut self) -> Result<&'a [u8], SerialError> {
        let n = self.len(1)?;
        self.take(n)
    }
    pub(super) fn str(&mut self) -> Result<String, SerialError> {
        let at = self.at;
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| self.malformed_at(at, "a name that is not UTF-8".into()))
    }
    pub(super) fn option_u32(&mut self) -> Result<Option<u32>, SerialError> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.u32()?)),
            k => Err(self.malformed(format!("option flag {k}"))),
        }
    }
}

pub(super) fn write_config(w: &mut Writer, c: &Config) {
    w.u8(u8::from(c.floats));
    for v in [
        c.max_memory_pages,
        c.max_table_elements,
        c.max_call_depth,
        c.max_stack_cells,
        c.max_function_size,
        c.max_locals,
        c.max_params,
        c.max_module_size,
    ] {
        w.u32(v);
    }
}

pub(super) fn read_config(r: &mut Reader<'_>) -> Result<Config, SerialError> {
    let floats = match r.u8()? {
        0 => false,
        1 => true,
        k => return Err(r.malformed(format!("floats flag {k}"))),
    };
    Ok(Config {
        floats,
        max_memory_pages: r.u32()?,
        max_table_elements: r.u32()?,
        max_call_depth: r.u32()?,
        max_stack_cells: r.u32()?,
        max_function_size: r.u32()?,
        max_locals: r.u32()?,
        max_params: r.u32()?,
        max_module_size: r.u32()?,
    })
}

fn val_code(t: ValType) -> u8 {
    match t {
        ValType::I32 => 0,
        ValType::I64 => 1,
        ValType::F32 => 2,
        ValType::F64 => 3,
        ValType::FuncRef => 4,
        ValType::ExternRef => 5,
    }
}

/// Value types by their code (`val_code`).
const VAL_TYPES: [ValType; 6] =
    [ValType::I32, ValType::I64, ValType::F32, ValType::F64, ValType::FuncRef, ValType::ExternRef];

fn read_val(r: &mut Reader<'_>) -> Result<ValType, SerialError> {
    let code = r.u8()?;
    VAL_TYPES.get(usize::from(code)).copied().ok_or_else(|| r.malformed(format!("value type {code}")))
}

pub(super) fn write_func_type(w: &mut Writer, t: &FuncType) {
    for list in [t.params(), t.results()] {
        w.len(list.len());
        for v in list {
            w.u8(val_code(*v));
        }
    }
}

pub(super) fn read_func_type(r: &mut Reader<'_>) -> Result<FuncType, SerialError> {
    let params = read_vals(r)?;
    let results = read_vals(r)?;
    Ok(FuncType::new(params, results))
}

/// A count, then that many value types, in one allocation of the exact size (a load decodes
/// every type of the module).
fn read_vals(r: &mut Reader<'_>) -> Result<Box<[ValType]>, SerialError> {
    let n = r.len(1)?;
    let at = r.at;
    let codes = r.take(n)?;
    if let Some(k) = codes.iter().position(|code| usize::from(*code) >= VAL_TYPES.len()) {
        return Err(r.malformed_at(at + k, format!("value type {}", codes[k])));
    }
    Ok(codes.iter().map(|code| VAL_TYPES[usize::from(*code)]).collect())
}

pub(super) fn write_table_type(w: &mut Writer, t: &TableType) {
    w.u8(match t.element {
        RefType::FuncRef => 0,
        RefType::ExternRef => 1,
    });
    w.u32(t.minimum);
    write_option(w, t.maximum);
}

pub(super) fn read_table_type(r: &mut Reader<'_>) -> Result<TableType, SerialError> {
    let element = match r.u8()? {
        0 => RefType::FuncRef,
        1 => RefType::ExternRef,
        k => return Err(r.malformed(format!("reference type {k}"))),
    };
    Ok(TableType { element, minimum: r.u32()?, maximum: r.option_u32()? })
}

pub(super) fn write_memory_type(w: &mut Writer, t: &MemoryType) {
    w.u32(t.minimum);
    write_option(w, t.maximum);
}

pub(super) fn read_memory_type(r: &mut Reader<'_>) -> Result<MemoryType, SerialError> {
    Ok(MemoryType { minimum: r.u32()?, maximum: r.option_u32()? })
}

pub(super) fn write_global_type(w: &mut Writer, t: &GlobalType) {
    w.u8(val_code(t.content));
    w.u8(u8::from(t.mutable));
}

pub(super) fn read_global_type(r: &mut Reader<'_>) -> Result<GlobalType, SerialError> {
    let content = read_val(r)?;
    let mutable = match r.u8()? {
        0 => false,
        1 => true,
        k => return Err(r.malformed(format!("mutability flag {k}"))),
    };
    Ok(GlobalType { content, mutable })
}

fn write_option(w: &mut Writer, v: Option<u32>) {
    match v {
        Some(v) => {
            w.u8(1);
            w.u32(v);
        }
        None => w.u8(0),
    }
}

pub(super) fn write_extern_type(w: &mut Writer, t: &ExternType) {
    match t {
        ExternType::Func(f) => {
            w.u8(0);
            write_func_type(w, f);
        }
        ExternType::Global(g) => {
            w.u8(1);
            write_global_type(w, g);
        }
        ExternType::Memory(m) => {
            w.u8(2);
            write_memory_type(w, m);
        }
        ExternType::Table(t) => {
            w.u8(3);
            write_table_type(w, t);
        }
    }
}

pub(super) fn read_extern_type(r: &mut Reader<'_>) -> Result<ExternType, SerialError> {
    Ok(match r.u8()? {
        0 => ExternType::Func(read_func_type(r)?),
        1 => ExternType::Global(read_global_type(r)?),
        2 => ExternType::Memory(read_memory_type(r)?),
        3 => ExternType::Table(read_table_type(r)?),
        k => return Err(r.malformed(format!("import kind {k}"))),
    })
}

pub(super) fn write_const(w: &mut Writer, c: &ConstExpr) {
    match c {
        ConstExpr::Value(v) => {
            w.u8(0);
            w.u64(*v);
        }
        ConstExpr::Global(g) => {
            w.u8(1);
            w.u32(*g);
        }
        ConstExpr::RefFunc(f) => {
            w.u8(2);
            w.u32(*f);
        }
    }
}

/// A constant expression that may read the first `globals` globals and refer to the first
/// `funcs` functions.
pub(super) fn read_const(r: &mut Reader<'_>, globals: u64, funcs: u64) -> Result<ConstExpr, SerialError> {
    Ok(match r.u8()? {
        0 => ConstExpr::Value(r.u64()?),
        1 => ConstExpr::Global(r.index(globals, "constant expression's global")?),
        2 => ConstExpr::RefFunc(r.index(funcs, "constant expression's function")?),
        k => return Err(r.malformed(format!("constant expression kind {k}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoding table and the encoding agree on every value type's code.
    #[test]
    fn value_type_codes_round_trip() {
        for (code, ty) in VAL_TYPES.iter().enumerate() {
            assert_eq!(usize::from(val_code(*ty)), code, "{ty:?}");
        }
    }
}
