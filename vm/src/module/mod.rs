//! Modules: validated and translated WebAssembly code, ready to instantiate.

mod serial;
mod translate;

pub use serial::{SerialError, FORMAT_VERSION as SERIAL_FORMAT_VERSION};

pub(crate) use translate::FuncTranslator;

use std::sync::Arc;

use wasmparser::{
    CompositeInnerType, DataKind, ElementItems, ElementKind, ExternalKind, Operator, Payload, RecGroup, TypeRef,
    ValidPayload, Validator, WasmFeatures,
};

use crate::engine::SigId;
use crate::exec::Op;
use crate::metering::{self, Import};
use crate::{Config, Engine, Error, ExternType, FuncType, GlobalType, MemoryType, RefType, TableType, ValType};

/// One translated function.
pub(crate) struct CompiledFunc {
    pub code: Box<[Op]>,
    /// Binary offset of the Wasm instruction each op came from.
    pub offsets: Box<[u32]>,
    pub params: u32,
    /// Locals beyond the parameters.
    pub locals: u32,
    /// Cells the frame needs: params, locals and temporaries.
    pub frame_cells: u32,
    /// Index in the module's function space.
    pub index: u32,
}

/// Switches internal calls to functions whose code starts with `enter_gas` or `enter_gas_mem`
/// (every function of a module instrumented by `tally-gas-injector`) to the call handlers that
/// run that op themselves. Only a whole module shows which callees start so.
pub(crate) fn fuse_entries(funcs: &mut [CompiledFunc]) {
    use crate::exec::handlers as h;
    use crate::exec::layout::{CallInternal, Of};
    // Per callee: the call handlers that run its entry op, plain and paying the next charge
    // (the forms that zero no locals for a callee without any).
    type Entered = (Of<CallInternal>, Of<CallInternal>);
    let entered: Vec<Option<Entered>> = funcs
        .iter()
        .map(|f| {
            let bare = f.locals == 0;
            match f.code.first() {
                Some(op) if h::enter_gas.is(op) && bare => {
                    Some((h::call_internal_entered_nolocals, h::call_internal_entered_then_gas_nolocals))
                }
                Some(op) if h::enter_gas.is(op) => Some((h::call_internal_entered, h::call_internal_entered_then_gas)),
                Some(op) if h::enter_gas_mem.is(op) && bare => {
                    Some((h::call_internal_entered_mem_nolocals, h::call_internal_entered_mem_then_gas_nolocals))
                }
                Some(op) if h::enter_gas_mem.is(op) => {
                    Some((h::call_internal_entered_mem, h::call_internal_entered_mem_then_gas))
                }
                _ => None,
            }
        })
        .collect();
    for f in funcs.iter_mut() {
        for op in f.code.iter_mut() {
            let (plain, then_gas) = (h::call_internal.is(op), h::call_internal_then_gas.is(op));
            if !(plain || then_gas) {
                continue;
            }
            let call = if plain { h::call_internal.operands(op) } else { h::call_internal_then_gas.operands(op) };
            let Some((entered, entered_then_gas)) = entered.get(call.func.0 as usize).copied().flatten() else {
                continue;
            };
            if plain {
                entered.replace(op, h::call_internal);
            } else {
                entered_then_gas.replace(op, h::call_internal_then_gas);
            }
        }
    }
}

/// A constant expression of Tally's profile.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ConstExpr {
    /// A value, as a cell.
    Value(u64),
    /// The value of global `index`.
    Global(u32),
    /// A reference to function `index`.
    RefFunc(u32),
}

pub(crate) enum ElemMode {
    Passive,
    Active { table: u32, offset: ConstExpr },
    Declared,
}

pub(crate) struct ElemSegment {
    pub mode: ElemMode,
    pub items: Vec<ConstExpr>,
}

pub(crate) enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

pub(crate) struct DataSegment {
    pub mode: DataMode,
    pub bytes: Box<[u8]>,
}

/// An import: where it comes from and what it must be.
#[derive(Debug, Clone)]
pub struct ImportType {
    module: String,
    name: String,
    ty: ExternType,
}

impl ImportType {
    /// The module name.
    pub fn module(&self) -> &str {
        &self.module
    }
    /// The field name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The expected kind and type.
    pub fn ty(&self) -> &ExternType {
        &self.ty
    }
}

/// An export: its name and type.
#[derive(Debug, Clone)]
pub struct ExportType {
    name: String,
    index: u32,
    ty: ExternType,
}

impl ExportType {
    /// The export name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The exported item's index in the module's index space of its kind (functions, tables,
    /// memories or globals), e.g. for [`Module::ir_text`].
    pub fn index(&self) -> u32 {
        self.index
    }
    /// The exported kind and type.
    pub fn ty(&self) -> &ExternType {
        &self.ty
    }
}

/// What an export refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
}

pub(crate) struct ModuleInner {
    pub engine: Engine,
    pub types: Vec<FuncType>,
    pub sigs: Vec<SigId>,
    /// Type index of every function in the function space.
    pub func_types: Vec<u32>,
    pub imports: Vec<ImportType>,
    /// For each imported function, the metering intrinsic it names, if any.
    pub intrinsics: Vec<Option<Import>>,
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    pub tables: Vec<TableType>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<(GlobalType, ConstExpr)>,
    pub exports: Vec<(String, ExportKind, u32)>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    pub funcs: Box<[CompiledFunc]>,
    /// The words of direction bits the module's translated `tally.branch` sites index
    /// (`layout::SiteData`): every instantiation reserves them in the store
    /// (`BranchSites::reserve`), so the branches test and flip their bits unchecked. At most one
    /// word per op of the module (the translator's bound), so 8 bytes per 24-byte op.
    pub site_words: u32,
}

impl ModuleInner {
    pub(crate) fn global_types(&self) -> impl Iterator<Item = GlobalType> + '_ {
        let imported = self.imports.iter().filter_map(|i| match i.ty {
            ExternType::Global(g) => Some(g),
            _ => None,
        });
        imported.chain(self.globals.iter().map(|(g, _)| *g))
    }

    fn extern_type(&self, kind: ExportKind, index: u32) -> ExternType {
        let nth_import = |pick: fn(&ExternType) -> Option<ExternType>, n: u32| {
            self.imports.iter().filter_map(|i| pick(&i.ty)).nth(n as usize)
        };
        let fallback = ExternType::Func(FuncType::new([], []));
        match kind {
            ExportKind::Func => ExternType::Func(
                self.func_types
                    .get(index as usize)
                    .and_then(|t| self.types.get(*t as usize))
                    .cloned()
                    .unwrap_or_else(|| FuncType::new([], [])),
            ),
            ExportKind::Table => {
                if index < self.num_imported_tables {
                    nth_import(|t| matches!(t, ExternType::Table(_)).then(|| t.clone()), index).unwrap_or(fallback)
                } else {
                    self.tables
                        .get((index - self.num_imported_tables) as usize)
                        .map_or(fallback, |t| ExternType::Table(*t))
                }
            }
            ExportKind::Memory => {
                if index < self.num_imported_memories {
                    nth_import(|t| matches!(t, ExternType::Memory(_)).then(|| t.clone()), index).unwrap_or(fallback)
                } else {
                    self.memories
                        .get((index - self.num_imported_memories) as usize)
                        .map_or(fallback, |t| ExternType::Memory(*t))
                }
            }
            ExportKind::Global => self.global_types().nth(index as usize).map_or(fallback, ExternType::Global),
        }
    }
}

/// What translation of one function needs to know about its module.
pub(crate) struct ModuleCtx<'a> {
    pub config: &'a Config,
    pub types: &'a [FuncType],
    pub sigs: &'a [SigId],
    pub func_types: &'a [u32],
    pub num_imported_funcs: u32,
    pub intrinsics: &'a [Option<Import>],
}

impl ModuleCtx<'_> {
    fn func_type(&self, func: u32) -> &FuncType {
        static EMPTY: std::sync::OnceLock<FuncType> = std::sync::OnceLock::new();
        self.func_types
            .get(func as usize)
            .and_then(|t| self.types.get(*t as usize))
            .unwrap_or_else(|| EMPTY.get_or_init(|| FuncType::new([], [])))
    }
}

/// A validated, translated WebAssembly module. Cheap to clone.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl core::fmt::Debug for Module {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Module")
            .field("imports", &self.inner.imports.len())
            .field("exports", &self.inner.exports.len())
            .field("functions", &self.inner.funcs.len())
            .finish()
    }
}

/// The features `config` parses and validates with: the profile (`tally_profile::features`,
/// where it is defined, once for the VM and the gas injector), without floats when
/// [`Config::floats`] is off. Every parser, reader and validator of the VM reads with these.
pub(crate) fn features(config: &Config) -> WasmFeatures {
    if config.floats {
        tally_profile::features()
    } else {
        tally_profile::features_without_floats()
    }
}

fn val_type(ty: wasmparser::ValType, offset: usize) -> Result<ValType, Error> {
    ValType::from_wasmparser(ty)
        .ok_or_else(|| Error::UnsupportedFeature { message: format!("value type {ty} is not supported"), offset })
}

fn func_type(ty: &wasmparser::FuncType, config: &Config, offset: usize) -> Result<FuncType, Error> {
    if ty.params().len() > config.max_params as usize || ty.results().len() > config.max_params as usize {
        return Err(Error::limit(
            format!(
                "function type with {} params and {} results exceeds the limit of {}",
                ty.params().len(),
                ty.results().len(),
                config.max_params
            ),
            offset,
        ));
    }
    let params = ty.params().iter().map(|t| val_type(*t, offset)).collect::<Result<Vec<_>, _>>()?;
    let results = ty.results().iter().map(|t| val_type(*t, offset)).collect::<Result<Vec<_>, _>>()?;
    Ok(FuncType::new(params, results))
}

/// The function type a type section's entry `group` (at byte `offset`) declares; the validator
/// of the profile has accepted the section, so anything else is a proposal's (gc, stack
/// switching) that it let through.
fn plain_func_type(group: RecGroup, offset: usize) -> Result<wasmparser::FuncType, Error> {
    let unsupported = || Error::UnsupportedFeature {
        message: "only function types are supported (no gc or stack-switching types)".into(),
        offset,
    };
    let mut types = group.into_types();
    let (Some(ty), None) = (types.next(), types.next()) else { return Err(unsupported()) };
    if !ty.is_final || !ty.supertype_idxs.is_empty() {
        return Err(unsupported());
    }
    match ty.composite_type.inner {
        CompositeInnerType::Func(f) => Ok(f),
        _ => Err(unsupported()),
    }
}

fn table_type(ty: &wasmparser::TableType, offset: usize) -> Result<TableType, Error> {
    let element = RefType::from_wasmparser(ty.element_type).ok_or_else(|| Error::UnsupportedFeature {
        message: format!("table element type {} is not supported", ty.element_type),
        offset,
    })?;
    let minimum = u32::try_from(ty.initial).map_err(|_| Error::limit("table too large", offset))?;
    let maximum = ty.maximum.map(|m| u32::try_from(m).unwrap_or(u32::MAX));
    Ok(TableType { element, minimum, maximum })
}

fn memory_type(ty: &wasmparser::MemoryType, offset: usize) -> Result<MemoryType, Error> {
    let minimum = u32::try_from(ty.initial).map_err(|_| Error::limit("memory too large", offset))?;
    let maximum = ty.maximum.map(|m| u32::try_from(m).unwrap_or(u32::MAX));
    Ok(MemoryType { minimum, maximum })
}

fn global_type(ty: &wasmparser::GlobalType, offset: usize) -> Result<GlobalType, Error> {
    Ok(GlobalType { content: val_type(ty.content_type, offset)?, mutable: ty.mutable })
}

fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, Error> {
    let mut reader = expr.get_operators_reader();
    let offset = reader.original_position() as usize;
    let value = match reader.read()? {
        Operator::I32Const { value } => ConstExpr::Value(value as u32 as u64),
        Operator::I64Const { value } => ConstExpr::Value(value as u64),
        Operator::F32Const { value } => ConstExpr::Value(value.bits() as u64),
        Operator::F64Const { value } => ConstExpr::Value(value.bits()),
        Operator::RefNull { .. } => ConstExpr::Value(0),
        Operator::RefFunc { function_index } => ConstExpr::RefFunc(function_index),
        Operator::GlobalGet { global_index } => ConstExpr::Global(global_index),
        other => {
            return Err(Error::UnsupportedFeature {
                message: format!("constant expression operator {other:?} is not supported"),
                offset,
            })
        }
    };
    Ok(value)
}

impl Module {
    /// Validates `bytes` against Tally's profile and the engine's limits, and translates every
    /// function. Either the whole module is accepted or none of it is.
    ///
    /// A rejection by the validator is [`Error::UnsupportedFeature`] when the module is valid
    /// with every feature wasmparser knows (checked again on the error path only), and
    /// [`Error::Invalid`] when it is not.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        Self::load(engine, bytes, true)
    }

    /// [`Module::new`] for a module known to be valid under the profile: the same module, or the
    /// same error, without validating it a second time (neither its sections nor the operators
    /// of its function bodies). Every limit of the engine's [`Config`] is checked as
    /// [`Module::new`] checks it, so a module over a limit is refused with the same error. Under
    /// [`Config::floats`] off the profile narrows, and this validates everything as
    /// [`Module::new`] does.
    ///
    /// This is the second half of a metered load: `tally-gas-injector`'s `instrument` validates
    /// the code it is given (with the same validator and the profile's features) and writes its
    /// output with its own assembler; validating that output again, operator by operator, was a
    /// third of the VM's work on it. `tally-conformance` checks, on every committed fuzz seed, on
    /// wasm-smith modules and on the spec suite, that both paths give byte-identical translated
    /// modules ([`Module::serialize`]) and identical errors.
    ///
    /// # Safety
    ///
    /// `bytes` must be a module that wasmparser's validator accepts with the profile's features
    /// (`tally_profile::features()`). The interpreter runs translated code on the strength of the
    /// translator's invariants, which hold only for valid function bodies (operand stack heights
    /// and types, branch depths, local and global indices): an invalid body translated this way
    /// can break memory safety. Pass only bytes that were validated, or that a tool which
    /// guarantees valid output produced from validated input (the gas injector's `instrument`).
    pub unsafe fn new_prevalidated(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        Self::load(engine, bytes, !engine.config().floats)
    }

    /// [`Module::new`], validating only if `validate`.
    fn load(engine: &Engine, bytes: &[u8], validate: bool) -> Result<Module, Error> {
        let config = engine.config();
        if bytes.len() > config.max_module_size as usize {
            return Err(Error::limit_of_whole(format!(
                "module of {} bytes exceeds the limit of {} bytes",
                bytes.len(),
                config.max_module_size
            )));
        }
        Self::compile(engine, bytes, validate).map_err(|e| e.classify_rejection(bytes))
    }

    /// [`Module::new`] before its rejections are classified; validates only if `validate`.
    fn compile(engine: &Engine, bytes: &[u8], validate: bool) -> Result<Module, Error> {
        let config = engine.config();
        let features = features(config);
        let mut validator = validate.then(|| Validator::new_with_features(features));
        let mut m = ModuleInner {
            engine: engine.clone(),
            types: Vec::new(),
            sigs: Vec::new(),
            func_types: Vec::new(),
            imports: Vec::new(),
            intrinsics: Vec::new(),
            num_imported_funcs: 0,
            num_imported_tables: 0,
            num_imported_memories: 0,
            num_imported_globals: 0,
            tables: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            exports: Vec::new(),
            start: None,
            elems: Vec::new(),
            datas: Vec::new(),
            funcs: Box::new([]),
            site_words: 0,
        };
        let mut funcs = Vec::new();
        let mut translator = engine.take_translator();
        translator.begin_module();
        // The parser reads with the validator's features: later proposals give meaning to bytes
        // that the profile reserves (a memarg's multi-memory bit, `u64` limits and offsets), so a
        // parser with more features would decode, and the validator then accept, what the
        // profile rejects as malformed. Section readers and function bodies inherit them.
        for payload in tally_profile::parser(features).parse_all(bytes) {
            let payload = payload?;
            // Only a function body's verdict is kept: a `ValidPayload` is 1.5 KB, which every
            // payload moved around even when there was no validator to fill it.
            let valid = match validator.as_mut() {
                Some(v) => Some(match v.payload(&payload)? {
                    ValidPayload::Func(to_validate, body) => Some((to_validate, body)),
                    _ => None,
                }),
                None => None,
            };
            match payload {
                Payload::TypeSection(reader) => {
                    for group in reader.into_iter_with_offsets() {
                        let (offset, group) = group?;
                        let offset = offset as usize;
                        let ty = plain_func_type(group, offset)?;
                        let ft = func_type(&ty, config, offset)?;
                        m.sigs.push(engine.intern(&ft));
                        m.types.push(ft);
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports_with_offsets() {
                        let (offset, import) = import?;
                        let offset = offset as usize;
                        let ty = match import.ty {
                            TypeRef::Func(t) => {
                                m.num_imported_funcs += 1;
                                m.func_types.push(t);
                                ExternType::Func(m.types.get(t as usize).cloned().unwrap_or(FuncType::new([], [])))
                            }
                            TypeRef::Table(t) => {
                                m.num_imported_tables += 1;
                                ExternType::Table(table_type(&t, offset)?)
                            }
                            TypeRef::Memory(t) => {
                                m.num_imported_memories += 1;
                                ExternType::Memory(memory_type(&t, offset)?)
                            }
                            TypeRef::Global(t) => {
                                m.num_imported_globals += 1;
                                ExternType::Global(global_type(&t, offset)?)
                            }
                            _ => {
                                return Err(Error::UnsupportedFeature {
                                    message: format!(
                                        "import kind of {}.{} is not supported",
                                        import.module, import.name
                                    ),
                                    offset,
                                })
                            }
                        };
                        if import.module == metering::MODULE {
                            let intrinsic = Import::from_name(import.name).ok_or_else(|| Error::ReservedImport {
                                name: import.name.into(),
                                problem: format!(
                                    "unknown intrinsic `tally.{}` (the `tally` module is reserved)",
                                    import.name
                                ),
                                offset,
                            })?;
                            let signature = metering::signature(intrinsic);
                            if ty != ExternType::Func(signature.clone()) {
                                return Err(Error::ReservedImport {
                                    name: import.name.into(),
                                    problem: format!("intrinsic `tally.{}` must have type {}", import.name, signature),
                                    offset,
                                });
                            }
                            m.intrinsics.push(Some(intrinsic));
                        } else if matches!(ty, ExternType::Func(_)) {
                            m.intrinsics.push(None);
                        }
                        m.imports.push(ImportType { module: import.module.into(), name: import.name.into(), ty });
                    }
                }
                Payload::FunctionSection(reader) => {
                    for t in reader {
                        m.func_types.push(t?);
                    }
                }
                Payload::TableSection(reader) => {
                    for (i, table) in reader.into_iter_with_offsets().enumerate() {
                        let (offset, table) = table?;
                        let offset = offset as usize;
                        if let wasmparser::TableInit::Expr(_) = table.init {
                            return Err(Error::UnsupportedFeature {
                                message: format!("table {i} has an initializer expression"),
                                offset,
                            });
                        }
                        m.tables.push(table_type(&table.ty, offset)?);
                    }
                }
                Payload::MemorySection(reader) => {
                    for mem in reader.into_iter_with_offsets() {
                        let (offset, mem) = mem?;
                        let offset = offset as usize;
                        m.memories.push(memory_type(&mem, offset)?);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for g in reader.into_iter_with_offsets() {
                        let (offset, g) = g?;
                        let offset = offset as usize;
                        m.globals.push((global_type(&g.ty, offset)?, const_expr(&g.init_expr)?));
                    }
                }
                Payload::ExportSection(reader) => {
                    for e in reader.into_iter_with_offsets() {
                        let (offset, e) = e?;
                        let kind = match e.kind {
                            ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                            ExternalKind::Table => ExportKind::Table,
                            ExternalKind::Memory => ExportKind::Memory,
                            ExternalKind::Global => ExportKind::Global,
                            ExternalKind::Tag => {
                                return Err(Error::UnsupportedFeature {
                                    message: format!("tag export `{}` is not supported", e.name),
                                    offset: offset as usize,
                                })
                            }
                        };
                        m.exports.push((e.name.into(), kind, e.index));
                    }
                }
                Payload::StartSection { func, .. } => m.start = Some(func),
                Payload::ElementSection(reader) => {
                    for elem in reader {
                        let elem = elem?;
                        let mode = match elem.kind {
                            ElementKind::Passive => ElemMode::Passive,
                            ElementKind::Declared => ElemMode::Declared,
                            ElementKind::Active { table_index, offset_expr } => {
                                ElemMode::Active { table: table_index.unwrap_or(0), offset: const_expr(&offset_expr)? }
                            }
                        };
                        let mut items = Vec::new();
                        match elem.items {
                            ElementItems::Functions(r) => {
                                for f in r {
                                    items.push(ConstExpr::RefFunc(f?));
                                }
                            }
                            ElementItems::Expressions(_, r) => {
                                for e in r {
                                    items.push(const_expr(&e?)?);
                                }
                            }
                        }
                        m.elems.push(ElemSegment { mode, items });
                    }
                }
                Payload::DataSection(reader) => {
                    for data in reader {
                        let data = data?;
                        let mode = match data.kind {
                            DataKind::Passive => DataMode::Passive,
                            DataKind::Active { memory_index, offset_expr } => {
                                DataMode::Active { memory: memory_index, offset: const_expr(&offset_expr)? }
                            }
                        };
                        m.datas.push(DataSegment { mode, bytes: data.data.into() });
                    }
                }
                Payload::CodeSectionStart { .. } => {
                    // Sized by the function section, whose entries were each read from the input
                    // (the code section's own count is unchecked at this point).
                    funcs.reserve_exact(m.func_types.len().saturating_sub(m.num_imported_funcs as usize));
                }
                Payload::CodeSectionEntry(entry) => {
                    let (to_validate, body) = match valid {
                        Some(Some((to_validate, body))) => (Some(to_validate), body),
                        // Not validating: the body as the parser hands it over.
                        None => (None, entry),
                        Some(None) => {
                            return Err(Error::Invalid {
                                message: "the validator did not hand over a function body".into(),
                                offset: entry.range().start as usize,
                            })
                        }
                    };
                    let index = m.num_imported_funcs + funcs.len() as u32;
                    let ctx = ModuleCtx {
                        config,
                        types: &m.types,
                        sigs: &m.sigs,
                        func_types: &m.func_types,
                        num_imported_funcs: m.num_imported_funcs,
                        intrinsics: &m.intrinsics,
                    };
                    funcs.push(translator.translate(&ctx, index, &body, to_validate)?);
                }
                _ => {}
            }
        }
        m.site_words = translator.site_words();
        engine.recycle_translator(translator);
        if m.intrinsics.contains(&Some(Import::StackEnter)) {
            fuse_entries(&mut funcs);
        }
        m.funcs = funcs.into_boxed_slice();
        Ok(Module { inner: Arc::new(m) })
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> Vec<ImportType> {
        self.inner.imports.clone()
    }

    /// The module's imports, in order, borrowed: what an embedder that checks every import of
    /// every module it loads reads without copying them ([`imports`](Self::imports) copies).
    pub fn import_types(&self) -> &[ImportType] {
        &self.inner.imports
    }

    /// The exported functions, in export order, as (name, signature), borrowed.
    pub fn exported_funcs(&self) -> impl Iterator<Item = (&str, &FuncType)> + '_ {
        self.inner.exports.iter().filter_map(|(name, kind, index)| match kind {
            ExportKind::Func => Some((name.as_str(), self.func_type(*index)?)),
            _ => None,
        })
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> Vec<ExportType> {
        self.inner
            .exports
            .iter()
            .map(|(name, kind, index)| ExportType {
                name: name.clone(),
                index: *index,
                ty: self.inner.extern_type(*kind, *index),
            })
            .collect()
    }

    /// An estimate of the heap bytes the module holds (translated code, segments, tables of
    /// types, imports and exports), for embedders that bound caches of modules by memory.
    pub fn footprint(&self) -> usize {
        use core::mem::size_of;
        let m = &*self.inner;
        let code: usize = m
            .funcs
            .iter()
            .map(|f| f.code.len() * size_of::<crate::exec::Op>() + f.offsets.len() * 4 + size_of::<CompiledFunc>())
            .sum();
        let datas: usize = m.datas.iter().map(|d| d.bytes.len() + size_of::<DataSegment>()).sum();
        let elems: usize =
            m.elems.iter().map(|e| e.items.len() * size_of::<ConstExpr>() + size_of::<ElemSegment>()).sum();
        let names: usize =
            m.imports.iter().map(|i| i.module.len() + i.name.len() + size_of::<ImportType>()).sum::<usize>()
                + m.exports.iter().map(|(n, _, _)| n.len() + size_of::<(String, ExportKind, u32)>()).sum::<usize>();
        let types: usize =
            m.types.iter().map(|t| size_of::<FuncType>() + 8 * (t.params().len() + t.results().len())).sum();
        code + datas + elems + names + types + m.func_types.len() * 4 + m.globals.len() * 32 + size_of::<ModuleInner>()
    }

    /// The signature of function `index` of the module's function space.
    pub fn func_type(&self, index: u32) -> Option<&FuncType> {
        self.inner.func_types.get(index as usize).and_then(|t| self.inner.types.get(*t as usize))
    }

    /// The translated code of function `index` of the module's function space, as text: a
    /// header line (the index, export names, parameters, locals, frame size and op count), then
    /// one line per op with its index, its name and its decoded operands. `None` when the
    /// function is imported (it has no code here) or does not exist.
    ///
    /// Ops are named after their handlers: `i32_add_si` adds an immediate to a slot,
    /// `br_i32_lt_s_ss.taken_pays` is a compare-and-branch whose taken way pays the charge at its
    /// target. Operands print as slots (`s4`, written slots before `<-`), immediates, branch
    /// targets (`-> @12`, an op index) and labelled values (`gas=120`, `offset=8`, `func=3`).
    /// This is for people and for tests that check which ops the translator chose; the format
    /// may change between versions.
    ///
    /// ```
    /// # use tally_vm::{Engine, Module};
    /// let wasm = wat::parse_str(
    ///     r#"(module (func (export "inc") (param i32) (result i32)
    ///          (i32.add (local.get 0) (i32.const 1))))"#,
    /// ).unwrap();
    /// let module = Module::new(&Engine::default(), &wasm).unwrap();
    /// let text = module.ir_text(0).unwrap();
    /// assert!(text.contains("i32_add_si"), "{text}");
    /// ```
    pub fn ir_text(&self, index: u32) -> Option<String> {
        let m = &*self.inner;
        let defined = index.checked_sub(m.num_imported_funcs)?;
        let f = m.funcs.get(defined as usize)?;
        let mut out = format!("func {index}");
        let names: Vec<String> = m
            .exports
            .iter()
            .filter(|(_, kind, i)| *kind == ExportKind::Func && *i == index)
            .map(|(name, _, _)| format!("{name:?}"))
            .collect();
        if !names.is_empty() {
            out.push_str(&format!(" (export {})", names.join(" ")));
        }
        out.push_str(&format!(
            ": {} params, {} locals, frame of {} cells, {} ops\n",
            f.params,
            f.locals,
            f.frame_cells,
            f.code.len()
        ));
        let view = crate::exec::listing::ModuleView { imported_funcs: m.num_imported_funcs, sigs: &m.sigs };
        crate::exec::listing::write_code(&mut out, &f.code, &view);
        Some(out)
    }
}
