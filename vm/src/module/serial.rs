//! Translated modules as bytes: [`Module::serialize`] and [`Module::deserialize`], so that an
//! embedder can keep translated code (in a database, across restarts) and load it again without
//! validating, instrumenting or translating the Wasm a second time.
//!
//! # Format
//!
//! Little-endian, fixed-width fields, in this order: a header (magic `TLYVMOD\0`,
//! [`FORMAT_VERSION`], the op table's [fingerprint](crate::exec::op_table::fingerprint), and
//! every field of the engine's [`Config`]), then the module: types, imports, the type of every
//! function, tables, memories, globals, exports, start, element and data segments, and each
//! defined function (parameters, locals, frame size, and its ops and source offsets). An op is
//! its handler's *id* (its position in the op table, `exec/op_table.rs`, never an address) and
//! its three operand fields. The one operand that depends on the engine, a `call_indirect`'s
//! interned signature, is written as the module's type index and interned again on load. What
//! follows from the rest (the signature ids, import counts, metering intrinsics) is recomputed.
//!
//! Decoding refuses, with a [`SerialError`], bytes of another format version, another op table
//! (a different build of the VM) or another configuration, and checks everything it can
//! check cheaply: every length against the bytes left (no allocation beyond the input's size),
//! every handler id against the table, and every operand the op table describes against its
//! bounds (slots within the function's frame, branch targets within its code, function,
//! global, table, segment and type indices within the module, `br_table` and data-op trailers
//! within the code). It never panics, whatever the bytes.
//!
//! # Soundness
//!
//! The interpreter runs translated code without re-checking what the translator guarantees:
//! its handlers index frames, branch and call through raw pointers on the strength of the
//! translator's invariants (slots within the frame, targets within the code, the value-stack
//! discipline of each op sequence, a terminating op at the end of every path). The checks above
//! cover the indices, but not all of those invariants (which ops may follow which, whether a
//! slot was written before it is read, whether every path ends in a return). So
//! [`Module::deserialize`] is only sound on bytes that [`Module::serialize`] produced, by a
//! build of this crate with the same op table, and that reached the caller unaltered. It is
//! marked `unsafe` for that reason: the caller must keep serialized code where nothing but
//! itself writes it, which is what excludes forgery, and check it against accidental damage
//! before deserializing (`tally-host-env`'s prepared-code store keeps a 64-bit checksum with
//! each entry; a database another party wrote must have its prepared table dropped first). Bytes from
//! a network, another node or a user must go through [`Module::new`] instead.

use crate::engine::SigId;
use crate::exec::op_table::{self, Field, Kind, Trailer};
use crate::exec::{handlers as h, Op};
use crate::metering::{self, Import};
use crate::module::{
    CompiledFunc, ConstExpr, DataMode, DataSegment, ElemMode, ElemSegment, ExportKind, ImportType, Module, ModuleInner,
};
use crate::{Config, Engine, ExternType, FuncType, GlobalType, MemoryType, RefType, TableType, ValType};

/// The magic bytes serialized modules start with.
const MAGIC: &[u8; 8] = b"TLYVMOD\0";

/// The version of the layout described in the module docs. Bump it on any change of layout.
pub const FORMAT_VERSION: u32 = 1;

/// Bytes one op takes: handler id (2), `a` (4), `b` (4), `c` (8).
const OP_BYTES: usize = 18;

/// Why a module could not be serialized or deserialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialError {
    /// The bytes are not serialized code of this format version, op table and configuration
    /// (written by another build of the VM or under another [`Config`]).
    Incompatible {
        /// What differs.
        what: &'static str,
    },
    /// The bytes end early or hold something out of bounds.
    Malformed {
        /// Byte offset in the input where the problem was found.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// The module holds an op whose handler the op table does not list (a defect of the VM; it
    /// cannot be serialized).
    UnknownHandler {
        /// Index of the function in the module's function space.
        func: u32,
        /// The op's index in the function.
        op: usize,
    },
}

impl core::fmt::Display for SerialError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SerialError::Incompatible { what } => write!(f, "serialized module is incompatible: {what}"),
            SerialError::Malformed { offset, message } => {
                write!(f, "serialized module is malformed at byte {offset}: {message}")
            }
            SerialError::UnknownHandler { func, op } => {
                write!(f, "function {func}, op {op}: handler missing from the op table")
            }
        }
    }
}

impl std::error::Error for SerialError {}

impl Module {
    /// The module's translated form as bytes, for [`Module::deserialize`] (see the format and
    /// its soundness conditions there). Deterministic: the same module, translated by the same
    /// build under the same configuration, always gives the same bytes.
    pub fn serialize(&self) -> Result<Vec<u8>, SerialError> {
        let m = &*self.inner;
        let mut w = Writer(Vec::with_capacity(self.footprint()));
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
        w.len(m.funcs.len());
        for f in m.funcs.iter() {
            w.u32(f.params);
            w.u32(f.locals);
            w.u32(f.frame_cells);
            w.len(f.code.len());
            for (i, op) in f.code.iter().enumerate() {
                let id = op_table::id_of(op.h).ok_or(SerialError::UnknownHandler { func: f.index, op: i })?;
                let mut c = op.c;
                if h::same(op.h, h::call_indirect) {
                    // The engine's interned signature becomes the module's first type index
                    // with that signature, interned again by whichever engine loads it.
                    let sig = op.c_lo();
                    let ty = m
                        .sigs
                        .iter()
                        .position(|s| s.0 == sig)
                        .ok_or(SerialError::UnknownHandler { func: f.index, op: i })?;
                    c = crate::exec::pair(ty as u32, op.c_hi());
                }
                w.u16(id);
                w.u32(op.a);
                w.u32(op.b);
                w.u64(c);
            }
            for offset in f.offsets.iter() {
                w.u32(*offset);
            }
        }
        Ok(w.0)
    }

    /// A module from bytes [`Module::serialize`] produced, for `engine`, without validating or
    /// translating anything: the checks are those of the module docs' format section, linear in
    /// the bytes. Fails with [`SerialError::Incompatible`] when the bytes were written by
    /// another build of the VM (format version or op table) or under a configuration other than
    /// `engine`'s, and with [`SerialError::Malformed`] when they do not decode or hold an index
    /// out of bounds.
    ///
    /// # Safety
    ///
    /// `bytes` must be exactly what [`Module::serialize`] returned (in a build of this crate
    /// with the same op table), unaltered since: the checks above bound every index, but the
    /// interpreter also relies on invariants of translated code that no check here restores
    /// (see the module docs' soundness section). Keep serialized code where only the embedder
    /// writes it, and check it against accidental damage (a checksum) before calling this.
    pub unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module, SerialError> {
        decode(engine, bytes)
    }
}

fn decode(engine: &Engine, bytes: &[u8]) -> Result<Module, SerialError> {
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
                        .filter(|i| metering::signature(*i) == *sig)
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
    };
    let mut funcs = Vec::with_capacity(defined);
    let mut ids = Vec::new();
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
        let table = op_table::by_id();
        let mut code = Vec::with_capacity(ops);
        ids.clear();
        for (k, chunk) in raw.chunks_exact(OP_BYTES).enumerate() {
            let id = u16::from_le_bytes([chunk[0], chunk[1]]);
            let Some(info) = table.get(usize::from(id)) else {
                return Err(r.malformed_at(at + k * OP_BYTES, format!("function {index}, op {k}: handler id {id}")));
            };
            let field = |from: usize, len: usize| {
                let mut buf = [0u8; 8];
                buf[..len].copy_from_slice(&chunk[from..from + len]);
                u64::from_le_bytes(buf)
            };
            code.push(Op { h: info.handler, a: field(2, 4) as u32, b: field(6, 4) as u32, c: field(10, 8) });
            ids.push(id);
        }
        let offsets: Box<[u32]> =
            r.take(ops * 4)?.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        check_code(&mut code, &ids, frame_cells, &bounds, &sigs).map_err(|(k, message)| {
            r.malformed_at(at + k * OP_BYTES, format!("function {index}, op {k}: {message}"))
        })?;
        funcs.push(CompiledFunc { code: code.into_boxed_slice(), offsets, params, locals, frame_cells, index });
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
    };
    Ok(Module { inner: std::sync::Arc::new(inner) })
}

/// How many of each indexed thing the module has, for checking operands.
struct Bounds {
    funcs: u64,
    defined: u64,
    globals: u64,
    tables: u64,
    elems: u64,
    datas: u64,
    types: u64,
}

/// How [`check_code`] bounds one operand: below one of the function's limits
/// ([`Limits`]), or a branch whose target must lie within the code.
#[derive(Clone, Copy)]
enum Bound {
    /// `field < limits[i]`.
    Below(usize),
    /// A [`Kind::Branch`] offset.
    Branch,
    /// A [`Kind::ChargedBranch`] offset.
    ChargedBranch,
}

/// Indices into a function's [`Limits`].
const SLOTS: usize = 0;
const FRAMES: usize = 1;
const GLOBALS: usize = 2;
const FUNCS: usize = 3;
const DEFINED: usize = 4;
const TABLES: usize = 5;
const ELEMS: usize = 6;
const DATAS: usize = 7;
const TYPES: usize = 8;

/// The bounds of one function's operands, by the `Bound::Below` index.
type Limits = [u64; 9];

/// The bound an operand of `kind` must keep, or `None` for an immediate any value of which is
/// sound. Must agree with [`check_operands`], which words the error when this finds one.
fn bound_of(kind: Kind) -> Option<Bound> {
    Some(match kind {
        Kind::Dst | Kind::Slot | Kind::Acc => Bound::Below(SLOTS),
        Kind::Frame => Bound::Below(FRAMES),
        Kind::Branch => Bound::Branch,
        Kind::ChargedBranch => Bound::ChargedBranch,
        Kind::Global => Bound::Below(GLOBALS),
        Kind::Func => Bound::Below(FUNCS),
        Kind::DefinedFunc => Bound::Below(DEFINED),
        Kind::Table => Bound::Below(TABLES),
        Kind::Elem => Bound::Below(ELEMS),
        Kind::Data => Bound::Below(DATAS),
        Kind::Sig => Bound::Below(TYPES),
        Kind::I32
        | Kind::I64
        | Kind::F32
        | Kind::F64
        | Kind::Cell
        | Kind::AddImm
        | Kind::Offset
        | Kind::Shift
        | Kind::Reciprocal
        | Kind::Divisor
        | Kind::Gas
        | Kind::UnitPrice
        | Kind::Stack
        | Kind::Targets => return None,
    })
}

/// One handler's checks, precomputed from the op table: its bounded operands, and its
/// trailer's (how many data ops follow is decided per op for `br_table`).
struct Plan {
    operands: Box<[(Field, Bound)]>,
    /// The operands as the table lists them, for the error message.
    listed: &'static [(Field, Kind)],
    trailer: Trailer,
    trailer_operands: Box<[(Field, Bound)]>,
}

/// Every handler's [`Plan`], by id: decoding checks some tens of thousands of ops per load, and
/// walking the table's operand lists (most operands are immediates, which need no check) cost
/// most of a decode.
fn plans() -> &'static [Plan] {
    static PLANS: std::sync::OnceLock<Vec<Plan>> = std::sync::OnceLock::new();
    PLANS.get_or_init(|| {
        let bounded = |operands: &[(Field, Kind)]| -> Box<[(Field, Bound)]> {
            operands.iter().filter_map(|&(field, kind)| Some((field, bound_of(kind)?))).collect()
        };
        op_table::by_id()
            .iter()
            .map(|info| Plan {
                operands: bounded(&info.operands),
                listed: &info.operands,
                trailer: info.trailer,
                trailer_operands: match info.trailer {
                    Trailer::None => Box::new([]),
                    Trailer::One(operands) => bounded(operands),
                    Trailer::BranchTable => bounded(&[(Field::C, Kind::Branch)]),
                },
            })
            .collect()
    })
}

/// Whether `op`, at index `at` of code `len` ops long, keeps every bound of `checks`.
#[inline(always)]
fn within(op: &Op, at: usize, len: usize, checks: &[(Field, Bound)], limits: &Limits) -> bool {
    checks.iter().all(|&(field, bound)| {
        let v = match field {
            Field::A => u64::from(op.a),
            Field::B => u64::from(op.b),
            Field::C => op.c,
            Field::CLo => u64::from(op.c_lo()),
            Field::CHi => u64::from(op.c_hi()),
        };
        // The same arithmetic as `check_operands`.
        let target = |offset: i64| (0..len as i64).contains(&(at as i64 + offset));
        match bound {
            Bound::Below(i) => v < limits[i],
            Bound::Branch => target(op.branch_offset() as i64),
            Bound::ChargedBranch => target(op.charged_offset() as i64),
        }
    })
}

/// Checks every operand of `code` the op table describes against its bounds, and turns each
/// `call_indirect`'s type index back into `sigs`' interned signature. Errors name the op.
fn check_code(
    code: &mut [Op],
    ids: &[u16],
    frame_cells: u32,
    bounds: &Bounds,
    sigs: &[SigId],
) -> Result<(), (usize, String)> {
    static CALL_INDIRECT: std::sync::OnceLock<Option<u16>> = std::sync::OnceLock::new();
    let call_indirect = *CALL_INDIRECT.get_or_init(|| op_table::id_of(h::call_indirect));
    let plans = plans();
    let limits: Limits = [
        u64::from(frame_cells),
        u64::from(frame_cells) + 1,
        bounds.globals,
        bounds.funcs,
        bounds.defined,
        bounds.tables,
        bounds.elems,
        bounds.datas,
        bounds.types,
    ];
    // The message for an op `within` refused, worded by `check_operands`.
    let refused = |op: &Op, at: usize, len: usize, listed: &[(Field, Kind)]| {
        let message = check_operands(op, at, len, listed, frame_cells, bounds)
            .err()
            .unwrap_or_else(|| "an operand out of bounds".into());
        (at, message)
    };
    let len = code.len();
    if len == 0 {
        return Err((0, "a function without code".into()));
    }
    let mut i = 0;
    while i < len {
        let op = code[i];
        // `decode` looked every id up in the table.
        let Some(plan) = plans.get(usize::from(ids[i])) else {
            return Err((i, "handler missing from the op table".into()));
        };
        if !within(&op, i, len, &plan.operands, &limits) {
            return Err(refused(&op, i, len, plan.listed));
        }
        if Some(ids[i]) == call_indirect {
            // Checked against the type count above (`Kind::Sig`).
            code[i].c = crate::exec::pair(sigs[op.c_lo() as usize].0, op.c_hi());
        }
        i += 1;
        let (data_ops, listed): (usize, &[(Field, Kind)]) = match plan.trailer {
            Trailer::None => continue,
            Trailer::One(operands) => (1, operands),
            Trailer::BranchTable => (op.b as usize + 1, &[(Field::C, Kind::Branch)]),
        };
        if data_ops > len - i {
            return Err((i - 1, format!("{data_ops} data ops past the end of the code")));
        }
        for _ in 0..data_ops {
            let data = code[i];
            if !within(&data, i, len, &plan.trailer_operands, &limits) {
                return Err(refused(&data, i, len, listed));
            }
            i += 1;
        }
    }
    Ok(())
}

fn check_operands(
    op: &Op,
    at: usize,
    len: usize,
    operands: &[(Field, Kind)],
    frame_cells: u32,
    bounds: &Bounds,
) -> Result<(), String> {
    for &(field, kind) in operands {
        let v = match field {
            Field::A => u64::from(op.a),
            Field::B => u64::from(op.b),
            Field::C => op.c,
            Field::CLo => u64::from(op.c_lo()),
            Field::CHi => u64::from(op.c_hi()),
        };
        let within = |limit: u64, what: &str| {
            if v < limit {
                Ok(())
            } else {
                Err(format!("{what} {v} out of bounds ({limit})"))
            }
        };
        let target = |offset: i64| {
            let to = at as i64 + offset;
            if (0..len as i64).contains(&to) {
                Ok(())
            } else {
                Err(format!("branch to op {to} of {len}"))
            }
        };
        match kind {
            Kind::Dst | Kind::Slot | Kind::Acc => within(u64::from(frame_cells), "slot")?,
            Kind::Frame => within(u64::from(frame_cells) + 1, "callee frame")?,
            Kind::Branch => target(op.branch_offset() as i64)?,
            Kind::ChargedBranch => target(op.charged_offset() as i64)?,
            Kind::Global => within(bounds.globals, "global")?,
            Kind::Func => within(bounds.funcs, "function")?,
            Kind::DefinedFunc => within(bounds.defined, "defined function")?,
            Kind::Table => within(bounds.tables, "table")?,
            Kind::Elem => within(bounds.elems, "element segment")?,
            Kind::Data => within(bounds.datas, "data segment")?,
            Kind::Sig => within(bounds.types, "type")?,
            Kind::I32
            | Kind::I64
            | Kind::F32
            | Kind::F64
            | Kind::Cell
            | Kind::AddImm
            | Kind::Offset
            | Kind::Shift
            | Kind::Reciprocal
            | Kind::Divisor
            | Kind::Gas
            | Kind::UnitPrice
            | Kind::Stack
            | Kind::Targets => {}
        }
    }
    Ok(())
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// A count: every count a module holds fits in 32 bits (the VM's limits are far below).
    fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
    fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn malformed(&self, message: String) -> SerialError {
        self.malformed_at(self.at, message)
    }
    fn malformed_at(&self, offset: usize, message: String) -> SerialError {
        SerialError::Malformed { offset, message }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], SerialError> {
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
    fn u8(&mut self) -> Result<u8, SerialError> {
        Ok(self.array::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, SerialError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, SerialError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    /// A count of items that take at least `min_bytes` each: refused when the bytes left cannot
    /// hold that many, so that no count makes a reader allocate more than the input's size.
    fn len(&mut self, min_bytes: usize) -> Result<usize, SerialError> {
        let at = self.at;
        let n = self.u32()? as usize;
        let left = self.bytes.len() - self.at;
        if n.saturating_mul(min_bytes.max(1)) > left {
            return Err(self.malformed_at(at, format!("count {n} exceeds the {left} bytes left")));
        }
        Ok(n)
    }
    fn index(&mut self, count: u64, what: &str) -> Result<u32, SerialError> {
        let at = self.at;
        let v = self.u32()?;
        if u64::from(v) >= count {
            return Err(self.malformed_at(at, format!("{what} index {v} of {count}")));
        }
        Ok(v)
    }
    fn bytes(&mut self) -> Result<&'a [u8], SerialError> {
        let n = self.len(1)?;
        self.take(n)
    }
    fn str(&mut self) -> Result<String, SerialError> {
        let at = self.at;
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| self.malformed_at(at, "a name that is not UTF-8".into()))
    }
    fn option_u32(&mut self) -> Result<Option<u32>, SerialError> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.u32()?)),
            k => Err(self.malformed(format!("option flag {k}"))),
        }
    }
}

fn write_config(w: &mut Writer, c: &Config) {
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

fn read_config(r: &mut Reader<'_>) -> Result<Config, SerialError> {
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

fn read_val(r: &mut Reader<'_>) -> Result<ValType, SerialError> {
    Ok(match r.u8()? {
        0 => ValType::I32,
        1 => ValType::I64,
        2 => ValType::F32,
        3 => ValType::F64,
        4 => ValType::FuncRef,
        5 => ValType::ExternRef,
        k => return Err(r.malformed(format!("value type {k}"))),
    })
}

fn write_func_type(w: &mut Writer, t: &FuncType) {
    for list in [t.params(), t.results()] {
        w.len(list.len());
        for v in list {
            w.u8(val_code(*v));
        }
    }
}

fn read_func_type(r: &mut Reader<'_>) -> Result<FuncType, SerialError> {
    let mut lists = [Vec::new(), Vec::new()];
    for list in &mut lists {
        let n = r.len(1)?;
        for _ in 0..n {
            list.push(read_val(r)?);
        }
    }
    let [params, results] = lists;
    Ok(FuncType::new(params, results))
}

fn write_table_type(w: &mut Writer, t: &TableType) {
    w.u8(match t.element {
        RefType::FuncRef => 0,
        RefType::ExternRef => 1,
    });
    w.u32(t.minimum);
    write_option(w, t.maximum);
}

fn read_table_type(r: &mut Reader<'_>) -> Result<TableType, SerialError> {
    let element = match r.u8()? {
        0 => RefType::FuncRef,
        1 => RefType::ExternRef,
        k => return Err(r.malformed(format!("reference type {k}"))),
    };
    Ok(TableType { element, minimum: r.u32()?, maximum: r.option_u32()? })
}

fn write_memory_type(w: &mut Writer, t: &MemoryType) {
    w.u32(t.minimum);
    write_option(w, t.maximum);
}

fn read_memory_type(r: &mut Reader<'_>) -> Result<MemoryType, SerialError> {
    Ok(MemoryType { minimum: r.u32()?, maximum: r.option_u32()? })
}

fn write_global_type(w: &mut Writer, t: &GlobalType) {
    w.u8(val_code(t.content));
    w.u8(u8::from(t.mutable));
}

fn read_global_type(r: &mut Reader<'_>) -> Result<GlobalType, SerialError> {
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

fn write_extern_type(w: &mut Writer, t: &ExternType) {
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

fn read_extern_type(r: &mut Reader<'_>) -> Result<ExternType, SerialError> {
    Ok(match r.u8()? {
        0 => ExternType::Func(read_func_type(r)?),
        1 => ExternType::Global(read_global_type(r)?),
        2 => ExternType::Memory(read_memory_type(r)?),
        3 => ExternType::Table(read_table_type(r)?),
        k => return Err(r.malformed(format!("import kind {k}"))),
    })
}

fn write_const(w: &mut Writer, c: &ConstExpr) {
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
fn read_const(r: &mut Reader<'_>, globals: u64, funcs: u64) -> Result<ConstExpr, SerialError> {
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

    /// The fast check `check_code` runs agrees with `check_operands` (the one that words the
    /// errors, and states the bounds in full) on every handler, operand field and edge value.
    #[test]
    fn precomputed_checks_refuse_exactly_what_check_operands_refuses() {
        let bounds = Bounds { funcs: 4, defined: 3, globals: 5, tables: 1, elems: 2, datas: 6, types: 4 };
        let frame_cells = 5;
        let limits: Limits = [5, 6, 5, 4, 3, 1, 2, 6, 4];
        let halves = [0u32, 1, 3, 4, 5, 6, u32::MAX, (-3i32) as u32];
        let wide = [0u64, 3, 5, 9, 10, u64::from(u32::MAX), u64::MAX, (-3i64) as u64, (-12i64) as u64, 1 << 40];
        let mut cs: Vec<u64> = wide.to_vec();
        for lo in halves {
            for hi in [0u32, 5, 6, u32::MAX] {
                cs.push(crate::exec::pair(lo, hi));
            }
        }
        let (mut agreed, mut refused) = (0u64, 0u64);
        for plan in plans() {
            let mut lists = vec![(&plan.operands, plan.listed)];
            let branch: &[(Field, Kind)] = &[(Field::C, Kind::Branch)];
            match plan.trailer {
                Trailer::None => {}
                Trailer::One(listed) => lists.push((&plan.trailer_operands, listed)),
                Trailer::BranchTable => lists.push((&plan.trailer_operands, branch)),
            }
            for (checks, listed) in lists {
                for a in halves {
                    for b in halves {
                        for &c in &cs {
                            for at in [0usize, 4, 9] {
                                let op = Op { h: crate::exec::handlers::unreachable, a, b, c };
                                let fast = within(&op, at, 10, checks, &limits);
                                let full = check_operands(&op, at, 10, listed, frame_cells, &bounds).is_ok();
                                assert_eq!(fast, full, "{listed:?}: a={a} b={b} c={c:#x} at {at}");
                                agreed += 1;
                                refused += u64::from(!fast);
                            }
                        }
                    }
                }
            }
        }
        assert!(refused > 0 && refused < agreed, "{refused} of {agreed} refused: the values test nothing");
    }
}
