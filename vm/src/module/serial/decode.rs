//! Reading a module back from the format of the [parent module](super): the header against this
//! build and the engine's configuration, each section with its indices bounded by what came
//! before it, and every function's ops (whose operands `check.rs` bounds). Every count is checked
//! against the bytes left before anything is allocated for it.

use super::check::{decode_code, Bounds};
use super::wire::{read_config, read_const, read_extern_type, read_func_type, read_global_type};
use super::wire::{read_memory_type, read_table_type, Reader};
use super::{SerialError, FORMAT_VERSION, MAGIC, OP_BYTES};
use crate::engine::SigId;
use crate::exec::op_table;
use crate::metering::{self, Import};
use crate::module::{
    CompiledFunc, DataMode, DataSegment, ElemMode, ElemSegment, ExportKind, ImportType, Module, ModuleInner,
};
use crate::{Engine, ExternType};

/// The module `bytes` hold, for `engine` (see [`Module::deserialize`]).
pub(super) fn decode(engine: &Engine, bytes: &[u8]) -> Result<Module, SerialError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(MAGIC.len())? != MAGIC {
        return Err(SerialError::Incompatible { what: "not a serialized Tally module (magic bytes differ)" });
    }
    if r.u32()? != FORMAT_VERSION {
        return Err(SerialError::Incompatible { what: "format version differs" });
    }
    if r.u64()? != op_table::fingerprint() {
        return Err(SerialError::Incompatible { what: "op table differs (another build of the VM)" });
    }
    if read_config(&mut r)? != *engine.config() {
        return Err(SerialError::Incompatible { what: "engine configuration differs" });
    }
    let n = r.len(2)?;
    let mut types = Vec::with_capacity(n);
    for _ in 0..n {
        types.push(read_func_type(&mut r)?);
    }
    let n = r.len(6)?;
    let mut imports = Vec::with_capacity(n);
    let mut intrinsics = Vec::new();
    let (mut funcs_in, mut tables_in, mut memories_in, mut globals_in) = (0u32, 0u32, 0u32, 0u32);
    for _ in 0..n {
        let at = r.at;
        let module = r.str()?;
        let name = r.str()?;
        let ty = read_extern_type(&mut r)?;
        match &ty {
            ExternType::Func(sig) => {
                funcs_in += 1;
                let intrinsic = if module == metering::MODULE {
                    let intrinsic = Import::from_name(&name)
                        .filter(|i| metering::has_signature(*i, sig))
                        .ok_or_else(|| r.malformed_at(at, format!("import `{module}.{name}` is no intrinsic")))?;
                    Some(intrinsic)
                } else {
                    None
                };
                intrinsics.push(intrinsic);
            }
            ExternType::Table(_) => tables_in += 1,
            ExternType::Memory(_) => memories_in += 1,
            ExternType::Global(_) => globals_in += 1,
        }
        imports.push(ImportType { module, name, ty });
    }
    let n = r.len(4)?;
    let mut func_types = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.at;
        let t = r.u32()?;
        if t as usize >= types.len() {
            return Err(r.malformed_at(at, format!("type index {t} of {} types", types.len())));
        }
        func_types.push(t);
    }
    if (funcs_in as usize) > func_types.len() {
        return Err(r.malformed("fewer function types than imported functions".into()));
    }
    // Each imported function's type in the function space is the type its import names.
    let mut func_import = 0usize;
    for import in &imports {
        if let ExternType::Func(sig) = &import.ty {
            if types[func_types[func_import] as usize] != *sig {
                return Err(r.malformed(format!("imported function {func_import} has a type other than its import")));
            }
            func_import += 1;
        }
    }
    let total_funcs = func_types.len() as u64;
    let n = r.len(10)?;
    let mut tables = Vec::with_capacity(n);
    for _ in 0..n {
        tables.push(read_table_type(&mut r)?);
    }
    let n = r.len(9)?;
    let mut memories = Vec::with_capacity(n);
    for _ in 0..n {
        memories.push(read_memory_type(&mut r)?);
    }
    let total_tables = u64::from(tables_in) + tables.len() as u64;
    let total_memories = u64::from(memories_in) + memories.len() as u64;
    let n = r.len(7)?;
    let mut globals = Vec::with_capacity(n);
    for _ in 0..n {
        let ty = read_global_type(&mut r)?;
        // A global's initializer may read only the globals before it (imported ones, in Tally's
        // profile as in Wasm 2.0; later proposals allow earlier defined ones too).
        let visible = u64::from(globals_in) + globals.len() as u64;
        let init = read_const(&mut r, visible, total_funcs)?;
        globals.push((ty, init));
    }
    let total_globals = u64::from(globals_in) + globals.len() as u64;
    let n = r.len(9)?;
    let mut exports = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.str()?;
        let at = r.at;
        let (kind, count) = match r.u8()? {
            0 => (ExportKind::Func, total_funcs),
            1 => (ExportKind::Table, total_tables),
            2 => (ExportKind::Memory, total_memories),
            3 => (ExportKind::Global, total_globals),
            k => return Err(r.malformed_at(at, format!("export kind {k}"))),
        };
        let index = r.index(count, "export")?;
        exports.push((name, kind, index));
    }
    let start = match r.u8()? {
        0 => None,
        1 => Some(r.index(total_funcs, "start function")?),
        k => return Err(r.malformed(format!("start flag {k}"))),
    };
    let n = r.len(5)?;
    let mut elems = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.at;
        let mode = match r.u8()? {
            0 => ElemMode::Passive,
            1 => {
                let table = r.index(total_tables, "element segment's table")?;
                ElemMode::Active { table, offset: read_const(&mut r, total_globals, total_funcs)? }
            }
            2 => ElemMode::Declared,
            k => return Err(r.malformed_at(at, format!("element mode {k}"))),
        };
        let count = r.len(5)?;
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(read_const(&mut r, total_globals, total_funcs)?);
        }
        elems.push(ElemSegment { mode, items });
    }
    let n = r.len(5)?;
    let mut datas = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.at;
        let mode = match r.u8()? {
            0 => DataMode::Passive,
            1 => {
                let memory = r.index(total_memories, "data segment's memory")?;
                DataMode::Active { memory, offset: read_const(&mut r, total_globals, total_funcs)? }
            }
            k => return Err(r.malformed_at(at, format!("data mode {k}"))),
        };
        datas.push(DataSegment { mode, bytes: r.bytes()?.into() });
    }
    // Each word is 8 bytes of a store, at most the bytes that follow (the translator reserves at
    // most a word per op, each 22 bytes here): memory in proportion to the input.
    let site_words = r.len(8)?;
    // A store holds at most 2^32 sites' bits (`BranchSites::reserve` takes a `u32`).
    if site_words > 1 << 26 {
        return Err(r.malformed(format!("{site_words} words of branch sites")));
    }
    let defined = r.len(16)?;
    if defined != func_types.len() - funcs_in as usize {
        return Err(r.malformed(format!(
            "{defined} function bodies for {} defined functions",
            func_types.len() - funcs_in as usize
        )));
    }
    let sigs: Vec<SigId> = types.iter().map(|t| engine.intern(t)).collect();
    let bounds = Bounds {
        funcs: total_funcs,
        defined: defined as u64,
        globals: total_globals,
        tables: total_tables,
        elems: elems.len() as u64,
        datas: datas.len() as u64,
        types: types.len() as u64,
        site_words: site_words as u64,
    };
    let mut funcs = Vec::with_capacity(defined);
    for i in 0..defined {
        let index = funcs_in + i as u32;
        let params = r.u32()?;
        let locals = r.u32()?;
        let frame_cells = r.u32()?;
        let declared = types[func_types[index as usize] as usize].params().len() as u64;
        if u64::from(params) != declared || u64::from(params) + u64::from(locals) > u64::from(frame_cells) {
            return Err(r.malformed(format!(
                "function {index}: {params} params and {locals} locals in a frame of {frame_cells} cells \
                 (its type has {declared} params)"
            )));
        }
        let ops = r.len(OP_BYTES + 4)?;
        let at = r.at;
        let raw = r.take(ops * OP_BYTES)?;
        let code = decode_code(raw, frame_cells, &bounds, &sigs).map_err(|(k, message)| {
            r.malformed_at(at + k * OP_BYTES, format!("function {index}, op {k}: {message}"))
        })?;
        let mut offsets = vec![0u32; ops].into_boxed_slice();
        for (offset, bytes) in offsets.iter_mut().zip(r.take(ops * 4)?.chunks_exact(4)) {
            *offset = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        funcs.push(CompiledFunc { code, offsets, params, locals, frame_cells, index });
    }
    if r.at != bytes.len() {
        return Err(r.malformed(format!("{} bytes after the last function", bytes.len() - r.at)));
    }
    let inner = ModuleInner {
        engine: engine.clone(),
        types,
        sigs,
        func_types,
        imports,
        intrinsics,
        num_imported_funcs: funcs_in,
        num_imported_tables: tables_in,
        num_imported_memories: memories_in,
        num_imported_globals: globals_in,
        tables,
        memories,
        globals,
        exports,
        start,
        elems,
        datas,
        funcs: funcs.into_boxed_slice(),
        site_words: site_words as u32,
    };
    Ok(Module { inner: std::sync::Arc::new(inner) })
}
