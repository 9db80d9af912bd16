//! The independent checker: proves, per module, that an instrumented module is its original
//! plus exactly the injected patterns, with the charges the schedule requires.
//!
//! This shares no region or stack code with the injector. It strips the patterns from each
//! instrumented body, compares what is left with the original body operator by operator (raw
//! bytes; `call` and `ref.func` by their index, shifted by 5), and recomputes, from the original
//! body alone, where regions start, what each costs, where length charges, stack releases and
//! branch charges belong (numbering the branch sites over the whole module) and how large the
//! frame is. Region starts are computed in one forward pass into a
//! table, and costs are summed in a second pass over that table.

use wasm_encoder::reencode::{Error as ReencodeError, Reencode, RoundtripReencoder};
use wasmparser::{
    BlockType, FuncToValidate, FuncType, FuncValidator, FuncValidatorAllocations, FunctionBody, Operator,
    OperatorsReader, Payload, TypeRef, ValType, ValidPayload, Validator, ValidatorResources,
};

use crate::error::{VerifyError, Which};
use crate::ops::OpKind;
use crate::schedule::Schedule;
use tally_profile::metering::{self, Import, FUNC_SHIFT};

/// Checks that `instrumented` is exactly what [`instrument`](crate::instrument) must produce
/// from `original` under `schedule`:
///
/// - both modules are valid under Tally's profile;
/// - the instrumented module imports `tally.gas`, `tally.gas_len`, `tally.stack_enter`,
///   `tally.stack_leave` and `tally.branch` with the documented types first, then the original
///   imports;
/// - every other section equals the original's once function indices are shifted back by 5
///   (only types may be appended; custom sections other than `name` and `.debug_*` are kept);
/// - each function body is `i32.const F; call 2; block bt; <body>; i32.const F; call 3; end`
///   where `<body>` is the original body (its locals byte for byte, its operators byte for byte
///   except for the shifted `call`/`ref.func` index) with only these patterns inserted:
///   `i64.const c; call 0` at each region start (with the recomputed cost `c`), then
///   `memory.size 0; i64.const p; call 1; drop` where the region has loads or stores (`p`: their
///   number times the per-page access cost), then, when the schedule's
///   `memory_access_per_page_above` is nonzero, `memory.size 0; i32.const T; i32.sub;
///   i32.const 0; memory.size 0; i32.const T; i32.gt_u; select; i64.const q; call 1; drop` there
///   (`q`: their number times that cost, `T` the threshold),
///   `i64.const u; call 1` before each live size-dependent operator, `i32.const F; call 3`
///   before each live `return`, and, when the schedule's `branch_change` is nonzero,
///   `i32.const s; i64.const branch_change; call 4` before each live `br_if` and `if`, `s`
///   numbering them 0, 1, 2, … over the module; `F` is the recomputed frame size and `bt` is
///   `[] -> results`.
pub fn verify(original: &[u8], instrumented: &[u8], schedule: &Schedule) -> Result<(), VerifyError> {
    schedule.validate()?;
    tally_profile::validate(instrumented).map_err(|e| invalid(Which::Instrumented, e))?;
    let orig = Summary::read(original, Which::Original, Mode::Original)?;
    let inst = Summary::read(instrumented, Which::Instrumented, Mode::Unshift)?;

    compare_types(&orig, &inst)?;
    compare_imports(&orig, &inst)?;
    same("function", &orig.funcs, &inst.funcs)?;
    same("table", &orig.tables, &inst.tables)?;
    same("memory", &orig.memories, &inst.memories)?;
    same("global", &orig.globals, &inst.globals)?;
    same("export", &orig.exports, &inst.exports)?;
    same("start", &orig.start, &inst.start)?;
    same("element", &orig.elements, &inst.elements)?;
    same("data count", &orig.data_count, &inst.data_count)?;
    same("data", &orig.data, &inst.data)?;
    same("custom", &orig.customs, &inst.customs)?;
    if orig.bodies.len() != inst.inst_bodies.len() {
        return Err(section("code", "different number of function bodies"));
    }

    let mut allocs = FuncValidatorAllocations::default();
    let n_imported = orig.n_imported_funcs;
    // The number of the next branch site, over the whole module.
    let mut sites = 0u32;
    for (i, ((f, orig_body), inst_body)) in orig.bodies.into_iter().zip(&inst.inst_bodies).enumerate() {
        let func = (n_imported + i) as u32;
        let ty = orig.funcs.get(i).copied().unwrap_or(u32::MAX);
        let sig = orig.types.get(ty as usize).and_then(|t| t.clone()).ok_or_else(|| section("function", "bad type"))?;
        let mut validator = f.into_validator(allocs);
        let checker = FuncCheck { schedule, func, sig: &sig, inst_types: &inst.types };
        checker.run(&orig_body, inst_body, &mut validator, &mut sites)?;
        allocs = validator.into_allocations();
    }
    Ok(())
}

fn encoded(section: &impl wasm_encoder::Encode) -> Vec<u8> {
    let mut out = Vec::new();
    section.encode(&mut out);
    out
}

fn invalid(which: Which, e: wasmparser::BinaryReaderError) -> VerifyError {
    VerifyError::Invalid { which, message: e.message().to_string(), offset: e.offset() as usize }
}

fn section(section: &'static str, message: impl Into<String>) -> VerifyError {
    VerifyError::Section { section, message: message.into() }
}

fn same<T: PartialEq>(name: &'static str, a: &T, b: &T) -> Result<(), VerifyError> {
    if a == b {
        Ok(())
    } else {
        Err(section(name, "differs from the original"))
    }
}

/// How function indices are read.
#[derive(Clone, Copy)]
enum Mode {
    Original,
    /// Shift back by [`FUNC_SHIFT`]; an index below it is an error.
    Unshift,
}

impl Reencode for Mode {
    type Error = ();

    fn function_index(&mut self, func: u32) -> Result<u32, ReencodeError<()>> {
        match self {
            Mode::Original => Ok(func),
            Mode::Unshift => func.checked_sub(FUNC_SHIFT).ok_or(ReencodeError::UserError(())),
        }
    }
}

/// Everything compared between the two modules, with function indices normalized.
struct Summary<'a> {
    /// Function types by index (`None` for other composite types).
    types: Vec<Option<FuncType>>,
    /// Each recursion group re-encoded.
    type_groups: Vec<Vec<u8>>,
    imports: Vec<wasmparser::Import<'a>>,
    n_imported_funcs: usize,
    funcs: Vec<u32>,
    tables: Option<Vec<u8>>,
    memories: Option<Vec<u8>>,
    globals: Option<Vec<u8>>,
    exports: Option<Vec<u8>>,
    start: Option<u32>,
    elements: Option<Vec<u8>>,
    data_count: Option<u32>,
    data: Option<Vec<u8>>,
    customs: Vec<(String, Vec<u8>)>,
    /// Original bodies with their validators (original module only).
    bodies: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'a>)>,
    /// Bodies of the instrumented module.
    inst_bodies: Vec<FunctionBody<'a>>,
}

impl<'a> Summary<'a> {
    fn read(wasm: &'a [u8], which: Which, mut mode: Mode) -> Result<Self, VerifyError> {
        let err = move |e: wasmparser::BinaryReaderError| invalid(which, e);
        let re = move |name: &'static str| {
            move |e: ReencodeError<()>| match e {
                ReencodeError::UserError(()) => section(name, "refers to an injected function"),
                other => section(name, format!("cannot re-encode: {other:?}")),
            }
        };
        let mut s = Summary {
            types: Vec::new(),
            type_groups: Vec::new(),
            imports: Vec::new(),
            n_imported_funcs: 0,
            funcs: Vec::new(),
            tables: None,
            memories: None,
            globals: None,
            exports: None,
            start: None,
            elements: None,
            data_count: None,
            data: None,
            customs: Vec::new(),
            bodies: Vec::new(),
            inst_bodies: Vec::new(),
        };
        let mut validator = Validator::new_with_features(tally_profile::features());
        for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
            let payload = payload.map_err(err)?;
            if let Mode::Original = mode {
                if let ValidPayload::Func(f, body) = validator.payload(&payload).map_err(err)? {
                    s.bodies.push((f, body));
                }
            }
            match payload {
                Payload::TypeSection(r) => {
                    for group in r {
                        let group = group.map_err(err)?;
                        for sub in group.types() {
                            s.types.push(match &sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => Some(f.clone()),
                                _ => None,
                            });
                        }
                        let mut enc = wasm_encoder::TypeSection::new();
                        RoundtripReencoder
                            .parse_recursive_type_group(enc.ty(), group)
                            .map_err(|_| section("type", "cannot re-encode a recursion group"))?;
                        s.type_groups.push(encoded(&enc));
                    }
                }
                Payload::ImportSection(r) => {
                    for import in r.into_imports() {
                        let import = import.map_err(err)?;
                        if matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                            s.n_imported_funcs += 1;
                        }
                        s.imports.push(import);
                    }
                }
                Payload::FunctionSection(r) => {
                    for f in r {
                        s.funcs.push(f.map_err(err)?);
                    }
                }
                Payload::TableSection(r) => {
                    let mut enc = wasm_encoder::TableSection::new();
                    mode.parse_table_section(&mut enc, r).map_err(re("table"))?;
                    s.tables = Some(encoded(&enc));
                }
                Payload::MemorySection(r) => {
                    let mut enc = wasm_encoder::MemorySection::new();
                    mode.parse_memory_section(&mut enc, r).map_err(re("memory"))?;
                    s.memories = Some(encoded(&enc));
                }
                Payload::GlobalSection(r) => {
                    let mut enc = wasm_encoder::GlobalSection::new();
                    mode.parse_global_section(&mut enc, r).map_err(re("global"))?;
                    s.globals = Some(encoded(&enc));
                }
                Payload::ExportSection(r) => {
                    let mut enc = wasm_encoder::ExportSection::new();
                    mode.parse_export_section(&mut enc, r).map_err(re("export"))?;
                    s.exports = Some(encoded(&enc));
                }
                Payload::StartSection { func, .. } => {
                    s.start = Some(mode.function_index(func).map_err(re("start"))?);
                }
                Payload::ElementSection(r) => {
                    let mut enc = wasm_encoder::ElementSection::new();
                    mode.parse_element_section(&mut enc, r).map_err(re("element"))?;
                    s.elements = Some(encoded(&enc));
                }
                Payload::DataCountSection { count, .. } => s.data_count = Some(count),
                Payload::DataSection(r) => {
                    let mut enc = wasm_encoder::DataSection::new();
                    mode.parse_data_section(&mut enc, r).map_err(re("data"))?;
                    s.data = Some(encoded(&enc));
                }
                Payload::CodeSectionEntry(body) => {
                    if let Mode::Unshift = mode {
                        s.inst_bodies.push(body);
                    }
                }
                Payload::CustomSection(r) if r.name() != "name" && !r.name().starts_with(".debug_") => {
                    s.customs.push((r.name().to_string(), r.data().to_vec()));
                }
                _ => {}
            }
        }
        Ok(s)
    }
}

fn compare_types(orig: &Summary<'_>, inst: &Summary<'_>) -> Result<(), VerifyError> {
    let n = orig.type_groups.len();
    if inst.type_groups.get(..n) != Some(&orig.type_groups[..]) {
        return Err(section("type", "the original types are not a prefix of the instrumented ones"));
    }
    Ok(())
}

fn compare_imports(orig: &Summary<'_>, inst: &Summary<'_>) -> Result<(), VerifyError> {
    if inst.imports.len() != orig.imports.len() + Import::ALL.len() {
        return Err(section("import", "expected the five tally imports plus the original ones"));
    }
    for (import, expected) in inst.imports.iter().zip(Import::ALL) {
        let ty = match import.ty {
            TypeRef::Func(t) => inst.types.get(t as usize).and_then(|t| t.as_ref()),
            _ => None,
        };
        let ok = import.module == metering::MODULE
            && import.name == expected.name()
            && ty.is_some_and(|t| t.params() == expected.params() && t.results() == expected.results());
        if !ok {
            let name = expected.name();
            return Err(section("import", format!("import {name} is not {expected} with the documented type")));
        }
    }
    if inst.imports.get(Import::ALL.len()..) != Some(&orig.imports[..]) {
        return Err(section("import", "the original imports differ"));
    }
    Ok(())
}

/// What was injected before one original operator.
#[derive(Default, PartialEq, Eq, Debug, Clone, Copy)]
struct Found {
    charge: Option<u64>,
    /// The unit of a region's memory-access charge (`memory.size; i64.const u; call 1; drop`).
    pages: Option<u64>,
    /// The threshold and unit of a region's memory-access charge above the threshold.
    above: Option<(u32, u64)>,
    len: Option<u64>,
    leave: bool,
    /// A branch charge: the site's number and the cost of a change.
    branch: Option<(u32, u64)>,
}

struct OpAt<'a> {
    start: usize,
    end: usize,
    op: Operator<'a>,
}

fn read_ops<'a>(body: &FunctionBody<'a>, which: Which) -> Result<(std::ops::Range<usize>, Vec<OpAt<'a>>), VerifyError> {
    let err = |e| invalid(which, e);
    let mut locals = body.get_locals_reader().map_err(err)?;
    for _ in 0..locals.get_count() {
        locals.read().map_err(err)?;
    }
    let locals_range = body.range().start as usize..locals.original_position() as usize;
    let mut reader = locals.get_binary_reader();
    reader.set_features(tally_profile::features());
    let mut ops = OperatorsReader::new(reader);
    let mut out = Vec::new();
    while !ops.eof() {
        let start = ops.original_position() as usize;
        let op = ops.read().map_err(err)?;
        out.push(OpAt { start, end: ops.original_position() as usize, op });
    }
    Ok((locals_range, out))
}

struct FuncCheck<'s> {
    schedule: &'s Schedule,
    func: u32,
    sig: &'s FuncType,
    inst_types: &'s [Option<FuncType>],
}

/// The kinds of control frames, for the region rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Function,
    Block,
    Loop,
    If,
}

struct VFrame {
    kind: FrameKind,
    live: bool,
    /// Index of the frame in `forward_target`.
    id: usize,
    /// Operand-stack height (in values) below the frame's parameters.
    base: usize,
}

impl FuncCheck<'_> {
    fn code_err(&self, offset: usize, message: impl Into<String>) -> VerifyError {
        VerifyError::Code { func: self.func, offset, message: message.into() }
    }

    fn run(
        &self,
        orig_body: &FunctionBody<'_>,
        inst_body: &FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
        sites: &mut u32,
    ) -> Result<(), VerifyError> {
        let (orig_locals, orig_ops) = read_ops(orig_body, Which::Original)?;
        let (inst_locals, inst_ops) = read_ops(inst_body, Which::Instrumented)?;

        // Locals, byte for byte.
        let orig_bytes = orig_body.as_bytes();
        let inst_bytes = inst_body.as_bytes();
        let ob = orig_body.range().start as usize;
        let ib = inst_body.range().start as usize;
        let orig_locals_raw = orig_bytes.get(0..orig_locals.end - ob);
        let inst_locals_raw = inst_bytes.get(0..inst_locals.end - ib);
        if orig_locals_raw.is_none() || orig_locals_raw != inst_locals_raw {
            return Err(self.code_err(ib, "local declarations differ"));
        }

        // Frame recomputation and region analysis of the original.
        let analysis = self.analyze(orig_body, &orig_ops, validator, sites)?;

        // Prologue and epilogue.
        let n = inst_ops.len();
        let (prologue, epilogue) = match (inst_ops.get(..3), n.checked_sub(3).and_then(|k| inst_ops.get(k..))) {
            (Some(p), Some(e)) if n >= 6 => (p, e),
            _ => return Err(self.code_err(ib, "body too short for the stack prologue and epilogue")),
        };
        let frame = match (&prologue[0].op, &prologue[1].op, &epilogue[0].op, &epilogue[1].op, &epilogue[2].op) {
            (
                Operator::I32Const { value: f1 },
                Operator::Call { function_index: enter },
                Operator::I32Const { value: f2 },
                Operator::Call { function_index: leave },
                Operator::End,
            ) if f1 == f2
                && Import::from_index(*enter) == Some(Import::StackEnter)
                && Import::from_index(*leave) == Some(Import::StackLeave) =>
            {
                *f1 as u32
            }
            _ => return Err(self.code_err(prologue[0].start, "missing or inconsistent stack prologue/epilogue")),
        };
        if u64::from(frame) != analysis.frame {
            return Err(VerifyError::Frame { func: self.func, expected: analysis.frame, found: u64::from(frame) });
        }
        match &prologue[2].op {
            Operator::Block { blockty } if self.wrapper_ok(*blockty) => {}
            _ => return Err(self.code_err(prologue[2].start, "the wrapper block is missing or has the wrong type")),
        }

        // Strip the injected patterns from the middle, comparing the rest with the original.
        let middle = &inst_ops[3..n - 3];
        let mut found: Vec<Found> = Vec::with_capacity(orig_ops.len());
        let mut pending = Found::default();
        let mut j = 0;
        while let Some(at) = middle.get(j) {
            if let Some(branch) = branch_charge(middle.get(j..j + 3)) {
                if pending.branch.is_some() || pending.leave || pending.len.is_some() {
                    return Err(self.code_err(at.start, "misplaced branch charge"));
                }
                pending.branch = Some(branch);
                j += 3;
                continue;
            }
            if let Some(above) = above_charge(middle.get(j..j + 11)) {
                if pending.above.is_some() || pending.leave || pending.len.is_some() || pending.branch.is_some() {
                    return Err(self.code_err(at.start, "misplaced memory-access charge above the threshold"));
                }
                pending.above = Some(above);
                j += 11;
                continue;
            }
            if let Some(unit) = pages_charge(middle.get(j..j + 4)) {
                if pending.pages.is_some()
                    || pending.above.is_some()
                    || pending.leave
                    || pending.len.is_some()
                    || pending.branch.is_some()
                {
                    return Err(self.code_err(at.start, "misplaced memory-access charge"));
                }
                pending.pages = Some(unit);
                j += 4;
                continue;
            }
            let injected = match middle.get(j + 1).map(|next| &next.op) {
                Some(Operator::Call { function_index }) => Import::from_index(*function_index),
                _ => None,
            };
            if let Some(callee) = injected {
                let clean = pending == Found::default();
                match (&at.op, callee) {
                    (Operator::I64Const { value }, Import::Gas) if clean => pending.charge = Some(*value as u64),
                    (Operator::I64Const { value }, Import::GasLen)
                        if !pending.leave && pending.len.is_none() && pending.branch.is_none() =>
                    {
                        pending.len = Some(*value as u64)
                    }
                    (Operator::I32Const { value }, Import::StackLeave)
                        if !pending.leave && pending.len.is_none() && pending.branch.is_none() =>
                    {
                        if *value as u32 != frame {
                            return Err(self.code_err(at.start, "stack release with a different frame size"));
                        }
                        pending.leave = true;
                    }
                    _ => return Err(self.code_err(at.start, "unexpected or misplaced injected call")),
                }
                j += 2;
                continue;
            }
            if let Operator::Call { function_index } = at.op {
                if function_index < FUNC_SHIFT {
                    return Err(self.code_err(at.start, "injected call without its constant"));
                }
            }
            let k = found.len();
            let orig = orig_ops.get(k).ok_or_else(|| self.code_err(at.start, "extra operator"))?;
            if !same_op(orig_bytes, ob, orig, inst_bytes, ib, at) {
                return Err(self.code_err(at.start, format!("operator differs from the original at {:#x}", orig.start)));
            }
            found.push(std::mem::take(&mut pending));
            j += 1;
        }
        if pending != Found::default() || found.len() != orig_ops.len() {
            return Err(self.code_err(epilogue[0].start, "the body does not end like the original"));
        }

        // Compare what is there with what the rule requires.
        for (k, (got, want)) in found.iter().zip(&analysis.expected).enumerate() {
            let offset = orig_ops.get(k).map_or(0, |o| o.start);
            if got.charge != want.charge {
                return Err(VerifyError::Charge { func: self.func, offset, expected: want.charge, found: got.charge });
            }
            if got.len != want.len
                || got.leave != want.leave
                || got.pages != want.pages
                || got.above != want.above
                || got.branch != want.branch
            {
                return Err(VerifyError::Code {
                    func: self.func,
                    offset,
                    message: format!("expected {want:?} before the operator, found {got:?} (original offset)"),
                });
            }
        }
        Ok(())
    }

    fn wrapper_ok(&self, bt: BlockType) -> bool {
        match (bt, self.sig.results()) {
            (BlockType::Empty, []) => true,
            (BlockType::Type(t), [r]) => t == *r,
            (BlockType::FuncType(i), results) if results.len() >= 2 => self
                .inst_types
                .get(i as usize)
                .and_then(|t| t.as_ref())
                .is_some_and(|t| t.params().is_empty() && t.results() == results),
            _ => false,
        }
    }

    fn value_size(&self, ty: Option<ValType>, offset: usize) -> Result<u64, VerifyError> {
        let stack = &self.schedule.stack;
        let size = match ty {
            Some(t) => stack.size_of(t).ok_or_else(|| self.code_err(offset, "value type without a stack size"))?,
            None => stack.max_value_size(),
        };
        Ok(u64::from(size))
    }

    /// Recomputes, from the original body: the frame size and, before each operator, the
    /// injections the rule requires.
    fn analyze(
        &self,
        body: &FunctionBody<'_>,
        ops: &[OpAt<'_>],
        v: &mut FuncValidator<ValidatorResources>,
        sites: &mut u32,
    ) -> Result<Analysis, VerifyError> {
        let err = |e| invalid(Which::Original, e);
        let n = ops.len();
        let stack = &self.schedule.stack;

        // Frame: activation + params + locals.
        let mut frame = u64::from(stack.activation);
        for &p in self.sig.params() {
            frame += self.value_size(Some(p), 0)?;
        }
        let mut locals = body.get_locals_reader().map_err(err)?;
        let mut n_locals = 0u64;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (count, ty) = locals.read().map_err(err)?;
            v.define_locals(offset, count, ty).map_err(err)?;
            n_locals += u64::from(count);
            frame = frame.saturating_add(u64::from(count).saturating_mul(self.value_size(Some(ty), 0)?));
        }

        // Pass A: liveness, region starts, and the operand stack, in one forward scan.
        let mut starts = vec![false; n + 1];
        let mut live_op = vec![false; n];
        // Each call's parameter count (its callee's type), for its per-parameter cost.
        let mut call_params = vec![0u64; n];
        let mut forward_target: Vec<bool> = vec![false];
        let mut frames = vec![VFrame { kind: FrameKind::Function, live: true, id: 0, base: 0 }];
        let mut live = true;
        let mut sizes: Vec<u64> = Vec::new();
        let mut height_sum = 0u64;
        let mut max_sum = 0u64;
        starts[0] = true;
        for (i, at) in ops.iter().enumerate() {
            let arity = at.op.operator_arity(&v.visitor(at.start as u64));
            v.op(at.start as u64, &at.op).map_err(err)?;
            let kind = OpKind::of(&at.op).ok_or_else(|| self.code_err(at.start, "operator outside the profile"))?;
            if self.schedule.cost(kind).is_none() {
                return Err(self.code_err(at.start, format!("operator `{kind}` is forbidden by the schedule")));
            }
            live_op[i] = live;
            let frame_kind = match kind {
                OpKind::Block => Some(FrameKind::Block),
                OpKind::Loop => Some(FrameKind::Loop),
                OpKind::If => Some(FrameKind::If),
                _ => None,
            };
            if !live {
                match kind {
                    _ if frame_kind.is_some() => {
                        frames.push(VFrame { kind: FrameKind::Block, live: false, id: usize::MAX, base: 0 });
                    }
                    OpKind::Else if frames.last().is_some_and(|f| f.live) => {
                        live = true;
                        starts[i + 1] = true;
                        let base = frames.last().map_or(0, |f| f.base);
                        resync(&mut sizes, &mut height_sum, base, v, |t| self.value_size(t, at.start))?;
                    }
                    OpKind::End => {
                        let f = frames.pop().ok_or_else(|| self.code_err(at.start, "unbalanced end"))?;
                        if f.live && f.kind != FrameKind::Function {
                            live = true;
                            starts[i + 1] = true;
                            resync(&mut sizes, &mut height_sum, f.base, v, |t| self.value_size(t, at.start))?;
                        }
                    }
                    _ => {}
                }
                max_sum = max_sum.max(height_sum);
                continue;
            }

            let (pops, _) = arity.ok_or_else(|| self.code_err(at.start, "arity unknown"))?;
            call_params[i] = match kind {
                OpKind::Call => u64::from(pops),
                // The table index is popped too.
                OpKind::CallIndirect => u64::from(pops.saturating_sub(1)),
                _ => 0,
            };
            let pops = pops as usize;
            let mut mark = |depth: u32| {
                if let Some(f) = frames.len().checked_sub(1 + depth as usize).and_then(|k| frames.get(k)) {
                    if f.kind != FrameKind::Loop {
                        if let Some(t) = forward_target.get_mut(f.id) {
                            *t = true;
                        }
                    }
                }
            };
            let mut goes_dead = false;
            match &at.op {
                Operator::Br { relative_depth } => {
                    mark(*relative_depth);
                    goes_dead = true;
                }
                Operator::BrTable { targets } => {
                    for t in targets.targets() {
                        mark(t.map_err(err)?);
                    }
                    mark(targets.default());
                    goes_dead = true;
                }
                Operator::BrIf { relative_depth } => {
                    mark(*relative_depth);
                    starts[i + 1] = true;
                }
                Operator::Unreachable | Operator::Return => goes_dead = true,
                Operator::Call { .. }
                | Operator::CallIndirect { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::MemoryGrow { .. } => starts[i + 1] = true,
                _ => {}
            }
            if goes_dead {
                live = false;
                continue;
            }
            match kind {
                _ if frame_kind.is_some() => {
                    let base =
                        sizes.len().checked_sub(pops).ok_or_else(|| self.code_err(at.start, "stack underflow"))?;
                    forward_target.push(false);
                    let id = forward_target.len() - 1;
                    let kind = frame_kind.unwrap_or(FrameKind::Block);
                    frames.push(VFrame { kind, live: true, id, base });
                    pop_push(&mut sizes, &mut height_sum, pops, v, |t| self.value_size(t, at.start))?;
                }
                OpKind::Else => {
                    starts[i + 1] = true;
                    let base = frames.last().map_or(0, |f| f.base);
                    resync(&mut sizes, &mut height_sum, base, v, |t| self.value_size(t, at.start))?;
                }
                OpKind::End => {
                    let f = frames.pop().ok_or_else(|| self.code_err(at.start, "unbalanced end"))?;
                    if f.kind != FrameKind::Function {
                        if f.kind == FrameKind::If || forward_target.get(f.id).copied().unwrap_or(false) {
                            starts[i + 1] = true;
                        }
                        resync(&mut sizes, &mut height_sum, f.base, v, |t| self.value_size(t, at.start))?;
                    }
                }
                _ => pop_push(&mut sizes, &mut height_sum, pops, v, |t| self.value_size(t, at.start))?,
            }
            max_sum = max_sum.max(height_sum);
        }
        frame = frame.saturating_add(max_sum);

        // Pass B: sum each region's cost. A live loop's own cost belongs to its body region.
        let mut region_cost = vec![0u64; n + 1];
        let mut region_pages = vec![0u64; n + 1];
        let mut region_above = vec![0u64; n + 1];
        let per_page = self.schedule.dynamic.memory_access_per_page;
        let per_page_above = self.schedule.dynamic.memory_access_per_page_above;
        let mut loop_region = vec![false; n + 1];
        region_cost[0] =
            n_locals.checked_mul(self.schedule.per_local).ok_or_else(|| self.code_err(0, "locals cost overflows"))?;
        let mut current = 0;
        for (i, at) in ops.iter().enumerate() {
            if starts[i] {
                current = i;
            }
            if !live_op[i] {
                continue;
            }
            let kind = OpKind::of(&at.op).ok_or_else(|| self.code_err(at.start, "operator outside the profile"))?;
            let mut cost = self.schedule.cost(kind).unwrap_or(0);
            if let Operator::BrTable { targets } = &at.op {
                cost = u64::from(targets.len())
                    .checked_mul(self.schedule.br_table_per_target)
                    .and_then(|c| c.checked_add(cost))
                    .ok_or_else(|| self.code_err(at.start, "br_table cost overflows"))?;
            }
            if matches!(kind, OpKind::Call | OpKind::CallIndirect) {
                cost = call_params[i]
                    .checked_mul(self.schedule.call_per_param)
                    .and_then(|c| c.checked_add(cost))
                    .ok_or_else(|| self.code_err(at.start, "call cost overflows"))?;
            }
            let owner = if kind == OpKind::Loop {
                loop_region[i + 1] = true;
                i + 1
            } else {
                current
            };
            region_cost[owner] =
                region_cost[owner].checked_add(cost).ok_or_else(|| self.code_err(at.start, "region cost overflows"))?;
            if kind.is_memory_access() {
                region_pages[owner] = region_pages[owner]
                    .checked_add(per_page)
                    .ok_or_else(|| self.code_err(at.start, "region memory-access charge overflows"))?;
                region_above[owner] = region_above[owner]
                    .checked_add(per_page_above)
                    .ok_or_else(|| self.code_err(at.start, "region memory-access charge overflows"))?;
            }
        }

        let mut expected = Vec::with_capacity(n);
        for (i, at) in ops.iter().enumerate() {
            let mut e = Found::default();
            if starts[i] {
                let c = if loop_region[i] { region_cost[i].max(1) } else { region_cost[i] };
                e.charge = (c > 0).then_some(c);
                e.pages = (region_pages[i] > 0).then_some(region_pages[i]);
                let threshold = self.schedule.dynamic.memory_access_threshold_pages;
                e.above = (region_above[i] > 0).then_some((threshold, region_above[i]));
            }
            if live_op[i] {
                let kind = OpKind::of(&at.op);
                if let Some(d) = kind.and_then(OpKind::dynamic) {
                    let unit = self.schedule.dynamic.unit(d);
                    e.len = (unit > 0).then_some(unit);
                }
                e.leave = kind == Some(OpKind::Return);
                let change = self.schedule.branch_change;
                if matches!(kind, Some(OpKind::BrIf | OpKind::If)) && change > 0 {
                    e.branch = Some((*sites, change));
                    *sites = sites.checked_add(1).ok_or_else(|| self.code_err(at.start, "too many branch sites"))?;
                }
            }
            expected.push(e);
        }
        Ok(Analysis { frame, expected })
    }
}

struct Analysis {
    frame: u64,
    expected: Vec<Found>,
}

/// Pops `pops` sizes, then pushes the sizes of the validator's values above what is left.
fn pop_push(
    sizes: &mut Vec<u64>,
    sum: &mut u64,
    pops: usize,
    v: &FuncValidator<ValidatorResources>,
    size_of: impl Fn(Option<ValType>) -> Result<u64, VerifyError>,
) -> Result<(), VerifyError> {
    let keep = sizes.len().saturating_sub(pops);
    resync(sizes, sum, keep, v, size_of)
}

/// Truncates to `keep` values, then pushes the sizes of the validator's values above them.
fn resync(
    sizes: &mut Vec<u64>,
    sum: &mut u64,
    keep: usize,
    v: &FuncValidator<ValidatorResources>,
    size_of: impl Fn(Option<ValType>) -> Result<u64, VerifyError>,
) -> Result<(), VerifyError> {
    while sizes.len() > keep {
        *sum -= sizes.pop().unwrap_or(0);
    }
    let height = v.operand_stack_height() as usize;
    for depth in (0..height.saturating_sub(keep)).rev() {
        let s = size_of(v.get_operand_type(depth).flatten())?;
        sizes.push(s);
        *sum += s;
    }
    Ok(())
}

/// The site's number and the cost of a change, if `ops` is a branch charge:
/// `i32.const site; i64.const cost; call $branch`.
fn branch_charge(ops: Option<&[OpAt<'_>]>) -> Option<(u32, u64)> {
    match ops? {
        [OpAt { op: Operator::I32Const { value: site }, .. }, OpAt { op: Operator::I64Const { value: cost }, .. }, OpAt { op: Operator::Call { function_index }, .. }]
            if Import::from_index(*function_index) == Some(Import::Branch) =>
        {
            Some((*site as u32, *cost as u64))
        }
        _ => None,
    }
}

/// The unit of a region's memory-access charge, if `ops` is one:
/// `memory.size 0; i64.const unit; call $gas_len; drop`. (A length charge is always followed by
/// its size-dependent operator, never by `drop`, so the pattern is unambiguous.)
fn pages_charge(ops: Option<&[OpAt<'_>]>) -> Option<u64> {
    match ops? {
        [OpAt { op: Operator::MemorySize { mem: 0 }, .. }, OpAt { op: Operator::I64Const { value }, .. }, OpAt { op: Operator::Call { function_index }, .. }, OpAt { op: Operator::Drop, .. }]
            if Import::from_index(*function_index) == Some(Import::GasLen) =>
        {
            Some(*value as u64)
        }
        _ => None,
    }
}

/// The threshold and unit of a region's memory-access charge above the threshold, if `ops` is
/// one: `memory.size 0; i32.const T; i32.sub; i32.const 0; memory.size 0; i32.const T;
/// i32.gt_u; select; i64.const unit; call $gas_len; drop`, the same `T` twice.
fn above_charge(ops: Option<&[OpAt<'_>]>) -> Option<(u32, u64)> {
    match ops? {
        [OpAt { op: Operator::MemorySize { mem: 0 }, .. }, OpAt { op: Operator::I32Const { value: t1 }, .. }, OpAt { op: Operator::I32Sub, .. }, OpAt { op: Operator::I32Const { value: 0 }, .. }, OpAt { op: Operator::MemorySize { mem: 0 }, .. }, OpAt { op: Operator::I32Const { value: t2 }, .. }, OpAt { op: Operator::I32GtU, .. }, OpAt { op: Operator::Select, .. }, OpAt { op: Operator::I64Const { value }, .. }, OpAt { op: Operator::Call { function_index }, .. }, OpAt { op: Operator::Drop, .. }]
            if t1 == t2 && Import::from_index(*function_index) == Some(Import::GasLen) =>
        {
            Some((*t1 as u32, *value as u64))
        }
        _ => None,
    }
}

/// Whether an instrumented operator is the original one: identical bytes, or for `call` and
/// `ref.func` the same operator with the index shifted by [`FUNC_SHIFT`].
fn same_op(orig_bytes: &[u8], ob: usize, orig: &OpAt<'_>, inst_bytes: &[u8], ib: usize, inst: &OpAt<'_>) -> bool {
    match (&orig.op, &inst.op) {
        (Operator::Call { function_index: a }, Operator::Call { function_index: b })
        | (Operator::RefFunc { function_index: a }, Operator::RefFunc { function_index: b }) => {
            a.checked_add(FUNC_SHIFT) == Some(*b)
        }
        (Operator::Call { .. } | Operator::RefFunc { .. }, _)
        | (_, Operator::Call { .. } | Operator::RefFunc { .. }) => false,
        _ => {
            let a = orig_bytes.get(orig.start.wrapping_sub(ob)..orig.end.wrapping_sub(ob));
            let b = inst_bytes.get(inst.start.wrapping_sub(ib)..inst.end.wrapping_sub(ib));
            a.is_some() && a == b
        }
    }
}
