//! Writing a translated module in the format of the [parent module](super): the header, then
//! each section in order, then every defined function's ops (handler ids, not addresses) and
//! source offsets.

use super::wire::{write_config, write_const, write_extern_type, write_func_type, write_global_type};
use super::wire::{write_memory_type, write_table_type, Writer};
use super::{SerialError, FORMAT_VERSION, MAGIC};
use crate::exec::handlers as h;
use crate::exec::layout::Sig;
use crate::exec::op_table;
use crate::module::{DataMode, ElemMode, ExportKind, Module};

/// `module` as bytes (see [`Module::serialize`]).
pub(super) fn encode(module: &Module) -> Result<Vec<u8>, SerialError> {
    let m = &*module.inner;
    let mut w = Writer(Vec::with_capacity(module.footprint()));
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT_VERSION);
    w.u64(op_table::fingerprint());
    write_config(&mut w, m.engine.config());
    w.len(m.types.len());
    for ty in &m.types {
        write_func_type(&mut w, ty);
    }
    w.len(m.imports.len());
    for import in &m.imports {
        w.str(&import.module);
        w.str(&import.name);
        write_extern_type(&mut w, &import.ty);
    }
    w.len(m.func_types.len());
    for t in &m.func_types {
        w.u32(*t);
    }
    w.len(m.tables.len());
    for t in &m.tables {
        write_table_type(&mut w, t);
    }
    w.len(m.memories.len());
    for t in &m.memories {
        write_memory_type(&mut w, t);
    }
    w.len(m.globals.len());
    for (ty, init) in &m.globals {
        write_global_type(&mut w, ty);
        write_const(&mut w, init);
    }
    w.len(m.exports.len());
    for (name, kind, index) in &m.exports {
        w.str(name);
        w.u8(match kind {
            ExportKind::Func => 0,
            ExportKind::Table => 1,
            ExportKind::Memory => 2,
            ExportKind::Global => 3,
        });
        w.u32(*index);
    }
    match m.start {
        Some(f) => {
            w.u8(1);
            w.u32(f);
        }
        None => w.u8(0),
    }
    w.len(m.elems.len());
    for e in &m.elems {
        match &e.mode {
            ElemMode::Passive => w.u8(0),
            ElemMode::Active { table, offset } => {
                w.u8(1);
                w.u32(*table);
                write_const(&mut w, offset);
            }
            ElemMode::Declared => w.u8(2),
        }
        w.len(e.items.len());
        for item in &e.items {
            write_const(&mut w, item);
        }
    }
    w.len(m.datas.len());
    for d in &m.datas {
        match &d.mode {
            DataMode::Passive => w.u8(0),
            DataMode::Active { memory, offset } => {
                w.u8(1);
                w.u32(*memory);
                write_const(&mut w, offset);
            }
        }
        w.bytes(&d.bytes);
    }
    w.u32(m.site_words);
    w.len(m.funcs.len());
    for f in m.funcs.iter() {
        w.u32(f.params);
        w.u32(f.locals);
        w.u32(f.frame_cells);
        w.len(f.code.len());
        for (i, op) in f.code.iter().enumerate() {
            let id = op_table::id_of(op.h).ok_or(SerialError::UnknownHandler { func: f.index, op: i })?;
            let mut op = *op;
            if h::call_indirect.is(&op) {
                // The engine's interned signature becomes the module's first type index
                // with that signature, interned again by whichever engine loads it.
                let mut call = h::call_indirect.operands(&op);
                let ty = m
                    .sigs
                    .iter()
                    .position(|s| s.0 == call.sig.0)
                    .ok_or(SerialError::UnknownHandler { func: f.index, op: i })?;
                call.sig = Sig(ty as u32);
                op = h::call_indirect.op(call);
            }
            w.u16(id);
            w.u32(op.a);
            w.u32(op.b);
            w.u64(op.c);
        }
        for offset in f.offsets.iter() {
            w.u32(*offset);
        }
    }
    Ok(w.0)
}
