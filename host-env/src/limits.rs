//! Structural limits on contract code, and the one pass that checks them.
//!
//! Loading a contract (instrumenting, validating, translating) and instantiating it (memory,
//! tables, globals, segments) cost time and memory that grow with the module's shape, and the VM
//! has hard limits of its own (a memory over the host's maximum cannot be instantiated).
//! [`check_code`] reads the original code once, before anything else touches it, and refuses any
//! module over a [`CodeLimits`] bound with a [`CodeError`] naming the [`Limit`], the value found,
//! the maximum and the byte offset of the offending item. A module that passes can be loaded and
//! instantiated; its [`CodeShape`] says how much that costs.
//!
//! Function bodies are scanned straight from their bytes (`opscan.rs`), and by
//! wasmparser's operator reader only where the fast scan gives up (anything unusual, malformed or
//! over a limit), so every result and error is the reader's.
//!
//! The pass is linear in the code and allocates nothing that grows with it: every count read
//! from the input is compared with its limit before the entries it announces are read, and it
//! never panics on malformed input ([`CodeError::Malformed`]). It counts and does not validate:
//! validation is the VM's job, after instrumentation. The limits are consensus: they are part of
//! [`Params`](crate::Params) and of the params hash; `ABI.md` ("Contract limits") gives each
//! default and its reason.

use core::fmt;

use parity_scale_codec::{Decode, Encode};
use wasmparser::{
    BinaryReader, BinaryReaderError, CompositeInnerType, ElementItems, Encoding, FunctionBody, OperatorsReader,
    OperatorsReaderAllocations, Parser, Payload, SectionLimited, TypeRef, TypeSectionReader,
};

/// Structural limits on contract code (consensus: part of Params and the params hash).
///
/// Each field is the largest accepted value of one quantity; the [`Limit`] with the same name
/// reports a module over it. Counts of entities include imported ones where the field says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct CodeLimits {
    /// Types in the type section (each type of a recursion group counts; an empty group counts
    /// as one).
    pub types: u32,
    /// Parameters of one function type.
    pub params: u32,
    /// Results of one function type.
    pub results: u32,
    /// Imports of any kind.
    pub imports: u32,
    /// Defined functions (imports excluded).
    pub functions: u32,
    /// Tables, imported ones included.
    pub tables: u32,
    /// Initial elements of one table. A declared maximum above it is not refused: growth stops
    /// at this many elements (`tally_vm::Config::max_table_elements`).
    pub table_elements: u32,
    /// Linear memories, imported ones included.
    pub memories: u32,
    /// Initial 64 KiB pages of one memory. At most [`Limits::max_memory_pages`](crate::Limits),
    /// which caps growth; a declared maximum above it is not refused.
    pub memory_pages: u32,
    /// Globals, imported ones included.
    pub globals: u32,
    /// Exports.
    pub exports: u32,
    /// Element segments (active, passive and declared).
    pub elem_segments: u32,
    /// Items over all element segments.
    pub elem_items: u32,
    /// Data segments (active and passive); also bounds the data count section.
    pub data_segments: u32,
    /// Bytes over all data segments.
    pub data_bytes: u32,
    /// Bytes of one function body (its local declarations and code, not its size prefix).
    pub body_size: u32,
    /// Declared locals of one function (parameters excluded).
    pub locals_per_function: u32,
    /// Declared locals over all defined functions (parameters excluded).
    pub locals: u32,
    /// Depth of nested `block`/`loop`/`if` in one body (the body itself is depth 0).
    pub nesting_depth: u32,
    /// Targets of one `br_table`, the default target excluded.
    pub br_table_targets: u32,
}

impl Default for CodeLimits {
    /// Far above what compiled Rust contracts use (see `ABI.md`, "Contract limits"), far below
    /// what would make loading or instantiating cost more than deploying and calling pay.
    fn default() -> Self {
        Self {
            types: 1_000,
            params: 128,
            results: 8,
            imports: 100,
            functions: 10_000,
            tables: 1,
            table_elements: 4_096,
            memories: 1,
            memory_pages: 256,
            globals: 256,
            exports: 100,
            elem_segments: 64,
            elem_items: 4_096,
            data_segments: 1_024,
            data_bytes: 512 * 1024,
            body_size: 256 * 1024,
            locals_per_function: 1_024,
            locals: 100_000,
            nesting_depth: 1_024,
            br_table_targets: 8_192,
        }
    }
}

impl CodeLimits {
    /// The maximum `limit` stands for.
    pub fn get(&self, limit: Limit) -> u32 {
        match limit {
            Limit::Types => self.types,
            Limit::Params => self.params,
            Limit::Results => self.results,
            Limit::Imports => self.imports,
            Limit::Functions => self.functions,
            Limit::Tables => self.tables,
            Limit::TableElements => self.table_elements,
            Limit::Memories => self.memories,
            Limit::MemoryPages => self.memory_pages,
            Limit::Globals => self.globals,
            Limit::Exports => self.exports,
            Limit::ElemSegments => self.elem_segments,
            Limit::ElemItems => self.elem_items,
            Limit::DataSegments => self.data_segments,
            Limit::DataBytes => self.data_bytes,
            Limit::BodySize => self.body_size,
            Limit::LocalsPerFunction => self.locals_per_function,
            Limit::Locals => self.locals,
            Limit::NestingDepth => self.nesting_depth,
            Limit::BrTableTargets => self.br_table_targets,
        }
    }
}

/// What a module is made of: the quantities that loading and instantiating it cost. Computed by
/// `check_code` in the same pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct CodeShape {
    /// Code length in bytes (saturating at `u32::MAX`).
    pub bytes: u32,
    /// Defined functions.
    pub functions: u32,
    /// Imports of any kind.
    pub imports: u32,
    /// Declared locals over all defined functions (parameters excluded).
    pub locals: u32,
    /// Globals, imported ones included.
    pub globals: u32,
    /// Initial pages of the memory (0 if none; summed if there were several).
    pub memory_pages: u32,
    /// Initial elements summed over tables.
    pub table_elements: u32,
    /// Element segments.
    pub elem_segments: u32,
    /// Items over all element segments.
    pub elem_items: u32,
    /// Data segments.
    pub data_segments: u32,
    /// Bytes over all data segments.
    pub data_bytes: u32,
    /// Exports.
    pub exports: u32,
    /// Targets over all `br_table`s, default targets excluded: the densest code to validate and
    /// translate (a target is one byte).
    pub br_table_targets: u32,
}

/// Which limit a module broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`CodeLimits::types`].
    Types,
    /// [`CodeLimits::params`].
    Params,
    /// [`CodeLimits::results`].
    Results,
    /// [`CodeLimits::imports`].
    Imports,
    /// [`CodeLimits::functions`].
    Functions,
    /// [`CodeLimits::tables`].
    Tables,
    /// [`CodeLimits::table_elements`].
    TableElements,
    /// [`CodeLimits::memories`].
    Memories,
    /// [`CodeLimits::memory_pages`].
    MemoryPages,
    /// [`CodeLimits::globals`].
    Globals,
    /// [`CodeLimits::exports`].
    Exports,
    /// [`CodeLimits::elem_segments`].
    ElemSegments,
    /// [`CodeLimits::elem_items`].
    ElemItems,
    /// [`CodeLimits::data_segments`].
    DataSegments,
    /// [`CodeLimits::data_bytes`].
    DataBytes,
    /// [`CodeLimits::body_size`].
    BodySize,
    /// [`CodeLimits::locals_per_function`].
    LocalsPerFunction,
    /// [`CodeLimits::locals`].
    Locals,
    /// [`CodeLimits::nesting_depth`].
    NestingDepth,
    /// [`CodeLimits::br_table_targets`].
    BrTableTargets,
}

impl Limit {
    /// Every limit, in the order of the [`CodeLimits`] fields.
    pub const ALL: [Limit; 20] = [
        Limit::Types,
        Limit::Params,
        Limit::Results,
        Limit::Imports,
        Limit::Functions,
        Limit::Tables,
        Limit::TableElements,
        Limit::Memories,
        Limit::MemoryPages,
        Limit::Globals,
        Limit::Exports,
        Limit::ElemSegments,
        Limit::ElemItems,
        Limit::DataSegments,
        Limit::DataBytes,
        Limit::BodySize,
        Limit::LocalsPerFunction,
        Limit::Locals,
        Limit::NestingDepth,
        Limit::BrTableTargets,
    ];

    /// The name of the [`CodeLimits`] field.
    pub fn name(self) -> &'static str {
        match self {
            Limit::Types => "types",
            Limit::Params => "params",
            Limit::Results => "results",
            Limit::Imports => "imports",
            Limit::Functions => "functions",
            Limit::Tables => "tables",
            Limit::TableElements => "table_elements",
            Limit::Memories => "memories",
            Limit::MemoryPages => "memory_pages",
            Limit::Globals => "globals",
            Limit::Exports => "exports",
            Limit::ElemSegments => "elem_segments",
            Limit::ElemItems => "elem_items",
            Limit::DataSegments => "data_segments",
            Limit::DataBytes => "data_bytes",
            Limit::BodySize => "body_size",
            Limit::LocalsPerFunction => "locals_per_function",
            Limit::Locals => "locals",
            Limit::NestingDepth => "nesting_depth",
            Limit::BrTableTargets => "br_table_targets",
        }
    }

    /// What the limit counts, for messages.
    fn what(self) -> &'static str {
        match self {
            Limit::Types => "types",
            Limit::Params => "parameters of a function type",
            Limit::Results => "results of a function type",
            Limit::Imports => "imports",
            Limit::Functions => "defined functions",
            Limit::Tables => "tables (imported ones included)",
            Limit::TableElements => "initial elements of a table",
            Limit::Memories => "memories (imported ones included)",
            Limit::MemoryPages => "initial pages of a memory",
            Limit::Globals => "globals (imported ones included)",
            Limit::Exports => "exports",
            Limit::ElemSegments => "element segments",
            Limit::ElemItems => "items over all element segments",
            Limit::DataSegments => "data segments",
            Limit::DataBytes => "bytes over all data segments",
            Limit::BodySize => "bytes of a function body",
            Limit::LocalsPerFunction => "locals of a function",
            Limit::Locals => "locals over all functions",
            Limit::NestingDepth => "nesting depth of blocks",
            Limit::BrTableTargets => "targets of a br_table",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why code was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// A limit was exceeded.
    Limit {
        /// The limit.
        limit: Limit,
        /// The value found (a count, a size or a depth), first over the limit.
        value: u64,
        /// The limit's value.
        max: u64,
        /// Byte offset in the code of the offending item: the section's count for a count of
        /// entries, the entry (import, table, memory, segment, local declaration, body) or the
        /// operator otherwise.
        offset: usize,
    },
    /// The bytes are not a well-formed module (the reader's message and byte offset).
    Malformed {
        /// Byte offset in the code.
        offset: usize,
        /// What the reader found wrong.
        message: String,
    },
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Limit { limit, value, max, offset } => write!(
                f,
                "code limit `{limit}` exceeded at offset {offset:#x}: {} is {value}, the maximum is {max}",
                limit.what()
            ),
            CodeError::Malformed { offset, message } => {
                write!(f, "malformed module at offset {offset:#x}: {message}")
            }
        }
    }
}

impl std::error::Error for CodeError {}

impl From<BinaryReaderError> for CodeError {
    fn from(e: BinaryReaderError) -> Self {
        CodeError::Malformed { offset: offset(e.offset()), message: e.message().to_string() }
    }
}

/// A reader offset as `usize` (offsets never exceed the code length, which is a `usize`).
fn offset(at: u64) -> usize {
    usize::try_from(at).unwrap_or(usize::MAX)
}

/// Saturating `u64` → `u32`.
fn sat(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Checks `code` against `limits` and measures its shape, in one linear pass that stops at the
/// first violation (before reading further).
pub fn check_code(code: &[u8], limits: &CodeLimits) -> Result<CodeShape, CodeError> {
    check_code_with(code, limits, true)
}

/// [`check_code`], scanning every body with the reader when not `fast`: the reference the fast
/// scan is tested against (the same shape or the same error on every module).
pub(crate) fn check_code_with(code: &[u8], limits: &CodeLimits, fast: bool) -> Result<CodeShape, CodeError> {
    let ops = Some(OperatorsReaderAllocations::default());
    let mut pass = Pass { limits, code, counts: Counts::default(), ops, fast, frames: Vec::new() };
    let mut parser = Parser::new(0);
    parser.set_features(tally_gas_injector::features());
    for payload in parser.parse_all(code) {
        pass.payload(payload?)?;
    }
    let c = &pass.counts;
    Ok(CodeShape {
        bytes: sat(code.len() as u64),
        functions: sat(c.functions),
        imports: sat(c.imports),
        locals: sat(c.locals),
        globals: sat(c.globals),
        memory_pages: sat(c.memory_pages),
        table_elements: sat(c.table_elements),
        elem_segments: sat(c.elem_segments),
        elem_items: sat(c.elem_items),
        data_segments: sat(c.data_segments),
        data_bytes: sat(c.data_bytes),
        exports: sat(c.exports),
        br_table_targets: sat(c.br_table_targets),
    })
}

/// Running totals (`u64`, so that no sum of `u32`s read from the input overflows).
#[derive(Default)]
struct Counts {
    types: u64,
    imports: u64,
    functions: u64,
    bodies: u64,
    tables: u64,
    table_elements: u64,
    memories: u64,
    memory_pages: u64,
    globals: u64,
    exports: u64,
    elem_segments: u64,
    elem_items: u64,
    data_segments: u64,
    data_bytes: u64,
    locals: u64,
    br_table_targets: u64,
}

/// The state of one [`check_code`] pass.
struct Pass<'a, 'l> {
    limits: &'l CodeLimits,
    code: &'a [u8],
    counts: Counts,
    /// The operator reader's control stack, reused from body to body.
    ops: Option<OperatorsReaderAllocations>,
    /// Whether bodies are scanned by [`crate::opscan`] first (the reader then scans only those
    /// it gives up on).
    fast: bool,
    /// The fast scan's control stack, reused from body to body.
    frames: Vec<bool>,
}

impl<'a> Pass<'a, '_> {
    /// `Err` if `value` is over `limit`.
    fn check(&self, limit: Limit, value: u64, at: u64) -> Result<(), CodeError> {
        let max = self.limits.get(limit);
        if value > u64::from(max) {
            return Err(CodeError::Limit { limit, value, max: u64::from(max), offset: offset(at) });
        }
        Ok(())
    }

    /// Adds a section's count of entries to `total` and checks the sum, at the count's offset
    /// (the section's first byte), before any entry is read.
    fn section<T>(&self, limit: Limit, total: u64, section: &SectionLimited<'_, T>) -> Result<u64, CodeError> {
        let sum = total + u64::from(section.count());
        self.check(limit, sum, section.range().start)?;
        Ok(sum)
    }

    fn payload(&mut self, payload: Payload<'a>) -> Result<(), CodeError> {
        match payload {
            Payload::Version { encoding: Encoding::Component, range, .. } => {
                return Err(CodeError::Malformed {
                    offset: offset(range.start),
                    message: "a component, not a core module".to_string(),
                });
            }
            Payload::TypeSection(r) => self.types(r)?,
            Payload::ImportSection(r) => {
                self.section(Limit::Imports, self.counts.imports, &r)?;
                for import in r.into_imports_with_offsets() {
                    let (at, import) = import?;
                    self.counts.imports += 1;
                    self.check(Limit::Imports, self.counts.imports, at)?;
                    match import.ty {
                        TypeRef::Table(t) => self.table(t.initial, at)?,
                        TypeRef::Memory(m) => self.memory(m.initial, at)?,
                        TypeRef::Global(_) => {
                            self.counts.globals += 1;
                            self.check(Limit::Globals, self.counts.globals, at)?;
                        }
                        TypeRef::Func(_) | TypeRef::FuncExact(_) | TypeRef::Tag(_) => {}
                    }
                }
            }
            Payload::FunctionSection(r) => {
                self.counts.functions = self.section(Limit::Functions, self.counts.functions, &r)?;
                for ty in r {
                    ty?;
                }
            }
            Payload::TableSection(r) => {
                let n = self.counts.tables;
                self.section(Limit::Tables, n, &r)?;
                for table in r.into_iter_with_offsets() {
                    let (at, table) = table?;
                    self.table(table.ty.initial, at)?;
                }
            }
            Payload::MemorySection(r) => {
                let n = self.counts.memories;
                self.section(Limit::Memories, n, &r)?;
                for memory in r.into_iter_with_offsets() {
                    let (at, memory) = memory?;
                    self.memory(memory.initial, at)?;
                }
            }
            Payload::GlobalSection(r) => {
                self.counts.globals = self.section(Limit::Globals, self.counts.globals, &r)?;
                for global in r {
                    global?;
                }
            }
            Payload::ExportSection(r) => {
                self.counts.exports = self.section(Limit::Exports, self.counts.exports, &r)?;
                for export in r {
                    export?;
                }
            }
            Payload::ElementSection(r) => {
                self.counts.elem_segments = self.section(Limit::ElemSegments, self.counts.elem_segments, &r)?;
                for element in r {
                    let element = element?;
                    let items = match &element.items {
                        ElementItems::Functions(f) => f.count(),
                        ElementItems::Expressions(_, e) => e.count(),
                    };
                    self.counts.elem_items += u64::from(items);
                    self.check(Limit::ElemItems, self.counts.elem_items, element.range.start)?;
                }
            }
            Payload::DataCountSection { count, range } => {
                self.check(Limit::DataSegments, u64::from(count), range.start)?;
            }
            Payload::DataSection(r) => {
                self.counts.data_segments = self.section(Limit::DataSegments, self.counts.data_segments, &r)?;
                for data in r {
                    let data = data?;
                    self.counts.data_bytes += data.data.len() as u64;
                    self.check(Limit::DataBytes, self.counts.data_bytes, data.range.start)?;
                }
            }
            Payload::CodeSectionStart { count, unchecked_range, .. } => {
                // Bodies beyond the function section's count are invalid, but are counted here
                // so that their number is bounded too.
                self.counts.bodies += u64::from(count);
                self.check(Limit::Functions, self.counts.bodies, unchecked_range.start)?;
            }
            Payload::CodeSectionEntry(body) => self.body(&body)?,
            // Custom sections, the start section, the end, and whatever the VM rejects anyway.
            _ => {}
        }
        Ok(())
    }

    /// The type section: the number of types (counting every type of a recursion group, and
    /// checking a group's declared size before the reader collects it), then each function
    /// type's parameters and results.
    fn types(&mut self, r: TypeSectionReader<'a>) -> Result<(), CodeError> {
        // The section's count counts each group once; a group's further types are added below.
        self.counts.types = self.section(Limit::Types, self.counts.types, &r)?;
        let end = offset(r.range().end);
        let mut groups = r.into_iter();
        while groups.len() > 0 {
            let at = groups.original_position();
            let rest = self.code.get(offset(at)..end).unwrap_or_default();
            if let [0x4e, size @ ..] = rest {
                let size = BinaryReader::new(size, at + 1).read_var_u32()?;
                let sum = self.counts.types + u64::from(size.saturating_sub(1));
                self.check(Limit::Types, sum, at)?;
            }
            let Some(group) = groups.next() else { break };
            let group = group?;
            self.counts.types += group.types().len().saturating_sub(1) as u64;
            for (at, sub) in group.into_types_and_offsets() {
                if let CompositeInnerType::Func(f) = &sub.composite_type.inner {
                    self.check(Limit::Params, f.params().len() as u64, at)?;
                    self.check(Limit::Results, f.results().len() as u64, at)?;
                }
            }
        }
        // Bytes after the last group.
        if let Some(Err(e)) = groups.next() {
            return Err(e.into());
        }
        Ok(())
    }

    /// One table (imported or defined) at `at`.
    fn table(&mut self, initial: u64, at: u64) -> Result<(), CodeError> {
        self.counts.tables += 1;
        self.check(Limit::Tables, self.counts.tables, at)?;
        self.check(Limit::TableElements, initial, at)?;
        self.counts.table_elements += initial;
        Ok(())
    }

    /// One memory (imported or defined) at `at`.
    fn memory(&mut self, initial: u64, at: u64) -> Result<(), CodeError> {
        self.counts.memories += 1;
        self.check(Limit::Memories, self.counts.memories, at)?;
        self.check(Limit::MemoryPages, initial, at)?;
        self.counts.memory_pages += initial;
        Ok(())
    }

    /// One function body: its size, its locals, then its operators (nesting and `br_table`).
    fn body(&mut self, body: &FunctionBody<'a>) -> Result<(), CodeError> {
        let range = body.range();
        self.check(Limit::BodySize, range.end - range.start, range.start)?;

        let mut locals = body.get_locals_reader()?;
        let mut declared: u64 = 0;
        for _ in 0..locals.get_count() {
            let at = locals.original_position();
            let (n, _) = locals.read()?;
            declared += u64::from(n);
            self.check(Limit::LocalsPerFunction, declared, at)?;
            self.counts.locals += u64::from(n);
            self.check(Limit::Locals, self.counts.locals, at)?;
        }

        let reader = locals.get_binary_reader();
        if self.fast {
            let bytes = reader.clone().read_bytes(reader.bytes_remaining()).unwrap_or_default();
            let (depth, targets) = (self.limits.nesting_depth, self.limits.br_table_targets);
            if let Some(scanned) = crate::opscan::scan(bytes, depth, targets, &mut self.frames) {
                self.counts.br_table_targets += scanned.br_table_targets;
                return Ok(());
            }
        }
        let allocs = self.ops.take().unwrap_or_default();
        let mut ops = OperatorsReader::new_with_allocs(reader, allocs);
        let scanned = self.operators(&mut ops);
        self.ops = Some(ops.into_allocations());
        scanned
    }

    /// The operators of one body. Every read consumes at least one byte, so this ends.
    ///
    /// Decoded through a visitor ([`Scan`]) rather than as `Operator` values: wasmparser decodes
    /// the same bytes with the same errors either way (`OperatorsReader::read` is this visit
    /// with a visitor that builds the value), but most operators need nothing here, and
    /// building and dropping a value for each was a third of this pass.
    fn operators(&mut self, ops: &mut OperatorsReader<'a>) -> Result<(), CodeError> {
        let mut scan = Scan { pass: self, depth: 0, at: 0 };
        while !ops.eof() {
            scan.at = ops.original_position();
            ops.visit_operator(&mut scan)??;
        }
        ops.finish()?;
        Ok(())
    }
}

/// The operator visitor of [`Pass::operators`]: nesting depth and `br_table` targets, checked
/// at the offset `at` of the operator being visited.
struct Scan<'p, 'a, 'l> {
    pass: &'p mut Pass<'a, 'l>,
    depth: u64,
    at: u64,
}

impl Scan<'_, '_, '_> {
    fn open(&mut self) -> Result<(), CodeError> {
        self.depth += 1;
        self.pass.check(Limit::NestingDepth, self.depth, self.at)
    }

    fn close(&mut self) -> Result<(), CodeError> {
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }
}

/// Defines every `visit_*` method [`Scan`] does not write out as doing nothing.
macro_rules! define_scan_visit {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $( define_scan_visit!(@one $visit $($($arg: $argty),*)?); )*
    };
    (@one visit_block $($rest:tt)*) => {};
    (@one visit_loop $($rest:tt)*) => {};
    (@one visit_if $($rest:tt)*) => {};
    (@one visit_try $($rest:tt)*) => {};
    (@one visit_try_table $($rest:tt)*) => {};
    (@one visit_end $($rest:tt)*) => {};
    (@one visit_delegate $($rest:tt)*) => {};
    (@one visit_br_table $($rest:tt)*) => {};
    (@one $visit:ident $($arg:ident: $argty:ty),*) => {
        fn $visit(&mut self $(, $arg: $argty)*) -> Self::Output {
            $( let _ = $arg; )*
            Ok(())
        }
    };
}

impl<'a> wasmparser::VisitOperator<'a> for Scan<'_, '_, '_> {
    type Output = Result<(), CodeError>;

    // SIMD operators are decoded (and then ignored) as `OperatorsReader::read` decodes them.
    fn simd_visitor(&mut self) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    fn visit_block(&mut self, _: wasmparser::BlockType) -> Self::Output {
        self.open()
    }
    fn visit_loop(&mut self, _: wasmparser::BlockType) -> Self::Output {
        self.open()
    }
    fn visit_if(&mut self, _: wasmparser::BlockType) -> Self::Output {
        self.open()
    }
    fn visit_try(&mut self, _: wasmparser::BlockType) -> Self::Output {
        self.open()
    }
    fn visit_try_table(&mut self, _: wasmparser::TryTable) -> Self::Output {
        self.open()
    }
    fn visit_end(&mut self) -> Self::Output {
        self.close()
    }
    fn visit_delegate(&mut self, _: u32) -> Self::Output {
        self.close()
    }
    fn visit_br_table(&mut self, targets: wasmparser::BrTable<'a>) -> Self::Output {
        self.pass.check(Limit::BrTableTargets, u64::from(targets.len()), self.at)?;
        self.pass.counts.br_table_targets += u64::from(targets.len());
        Ok(())
    }

    wasmparser::for_each_visit_operator!(define_scan_visit);
}

impl<'a> wasmparser::VisitSimdOperator<'a> for Scan<'_, '_, '_> {
    wasmparser::for_each_visit_simd_operator!(define_scan_visit);
}
