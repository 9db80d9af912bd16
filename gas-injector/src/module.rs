//! Module surgery: validation, the injected imports and types, the index shift, and the code
//! section.

use std::collections::HashMap;
use std::ops::Range;

use wasm_encoder::reencode::{Error as ReencodeError, Reencode, RoundtripReencoder};
use wasm_encoder::Encode as _;
use wasmparser::{
    types::TypesRef, BinaryReader, CompositeInnerType, FuncToValidate, FuncType, FuncValidatorAllocations, KnownCustom,
    Payload, TypeRef, ValType, ValidPayload, Validator,
};

use tally_profile::body::FuncCheck;
use tally_profile::metering::{self, Import, FUNC_SHIFT};

use crate::body::{instrument_body, Fast, ModuleCtx, OpInfo, Resources, Scratch, TypeInfo};
use crate::error::{internal, InjectError};
use crate::leb::write_u32;
use crate::origin::{mark, OffsetMap, Origin};
use crate::schedule::Schedule;

/// WebAssembly implementation limits (as enforced by wasmparser) the output must respect.
const MAX_TYPES: usize = 1_000_000;
const MAX_FUNCTIONS: usize = 1_000_000;
const MAX_IMPORTS: usize = 1_000_000;

/// The largest output [`instrument`] produces for an input of `input_len` bytes:
/// `24 × input_len + 1024`. Each original operator (at least one byte) gains at most a region
/// charge (≤ 13 bytes) and a length charge or stack release (≤ 13 bytes; the operators that get
/// one are at least 3 and 1 bytes long, a release at most 8 bytes) or a branch charge (≤ 19
/// bytes; `br_if` and `if` are at least 2 bytes long), a region's memory-access charges (≤ 16
/// bytes, and ≤ 35 more above the threshold) need a load or store in it (at least 3 bytes, so
/// at most 3 + 13 + 16 + 35 = 67 ≤ 72 bytes out for it), and each function (at least 4 bytes of
/// input) gains a fixed prologue and epilogue (≤ 32 bytes), so the bound holds for any schedule;
/// it is also checked.
pub fn max_output_size(input_len: usize) -> usize {
    input_len.saturating_mul(24).saturating_add(1024)
}

/// Shifts every function index by [`FUNC_SHIFT`].
pub(crate) struct Shift;

/// A shifted function index overflowed `u32`.
#[derive(Debug)]
pub(crate) struct IndexOverflow;

impl Reencode for Shift {
    type Error = IndexOverflow;

    fn function_index(&mut self, func: u32) -> Result<u32, ReencodeError<IndexOverflow>> {
        func.checked_add(FUNC_SHIFT).ok_or(ReencodeError::UserError(IndexOverflow))
    }
}

/// Sections kept for the second pass, in input order.
enum Section<'a> {
    Type(Range<usize>),
    Import(Range<usize>),
    /// Copied verbatim (function, memory, data count, data).
    Raw(u8, Range<usize>),
    Table(wasmparser::TableSectionReader<'a>),
    Global(wasmparser::GlobalSectionReader<'a>),
    Export(wasmparser::ExportSectionReader<'a>),
    Start(u32, Range<usize>),
    Element(wasmparser::ElementSectionReader<'a>),
    /// The code section, with its size in the input (the count excluded) and its contents'
    /// range.
    Code(usize, Range<usize>),
    Custom(wasmparser::CustomSectionReader<'a>),
}

impl Section<'_> {
    /// The range of the section's contents in the input.
    fn range(&self) -> Range<usize> {
        match self {
            Section::Type(r) | Section::Import(r) | Section::Raw(_, r) | Section::Start(_, r) | Section::Code(_, r) => {
                r.clone()
            }
            Section::Table(r) => us(r.range()),
            Section::Global(r) => us(r.range()),
            Section::Export(r) => us(r.range()),
            Section::Element(r) => us(r.range()),
            Section::Custom(r) => us(r.range()),
        }
    }

    /// Position in the required section order; `None` for custom sections.
    fn order(&self) -> Option<u8> {
        Some(match self {
            Section::Type(_) => 1,
            Section::Import(_) => 2,
            Section::Raw(3, _) => 3,
            Section::Table(_) => 4,
            Section::Raw(5, _) => 5,
            Section::Global(_) => 6,
            Section::Export(_) => 7,
            Section::Start(..) => 8,
            Section::Element(_) => 9,
            Section::Raw(12, _) => 10,
            Section::Code(..) => 11,
            Section::Raw(_, _) => 12,
            Section::Custom(_) => return None,
        })
    }
}

/// The types the output needs beyond the original ones.
struct TypeTable<'t> {
    /// The original types.
    types: &'t [TypeInfo<'t>],
    /// Index of the first plain type of each signature (original and appended), built on the
    /// first [`TypeTable::intern`] that needs it: most modules need only the metering imports'
    /// five types, which [`TypeTable::intern_scan`] finds.
    lookup: Option<HashMap<FuncType, u32>>,
    appended: Vec<FuncType>,
}

impl<'t> TypeTable<'t> {
    fn new(types: &'t [TypeInfo<'t>]) -> Self {
        Self { types, lookup: None, appended: Vec::new() }
    }

    /// The index of a plain function type `params -> results`, appending one if needed.
    fn intern(&mut self, params: &[ValType], results: &[ValType]) -> Result<u32, InjectError> {
        let lookup = self.lookup.get_or_insert_with(|| {
            let mut lookup = HashMap::new();
            let original = self.types.iter().map(|t| t.func.filter(|_| t.plain));
            for (i, f) in original.chain(self.appended.iter().map(Some)).enumerate() {
                if let Some(f) = f {
                    lookup.entry(f.clone()).or_insert(i as u32);
                }
            }
            lookup
        });
        let ty = FuncType::new(params.iter().copied(), results.iter().copied());
        if let Some(&i) = lookup.get(&ty) {
            return Ok(i);
        }
        let index = self.types.len() + self.appended.len();
        if index >= MAX_TYPES {
            return Err(InjectError::TooLarge { what: "types", func: None });
        }
        lookup.insert(ty.clone(), index as u32);
        self.appended.push(ty);
        Ok(index as u32)
    }

    /// [`TypeTable::intern`] by a linear scan, for the few calls before the lookup is needed
    /// (each costs one pass over the types, so only a bounded number may use it).
    fn intern_scan(&mut self, params: &[ValType], results: &[ValType]) -> Result<u32, InjectError> {
        if self.lookup.is_some() {
            return self.intern(params, results);
        }
        let same = |f: &FuncType| f.params() == params && f.results() == results;
        let original = self.types.iter().position(|t| t.plain && t.func.is_some_and(same));
        let found = original.or_else(|| self.appended.iter().position(same).map(|i| self.types.len() + i));
        match found {
            Some(i) => Ok(i as u32),
            None => {
                let index = self.types.len() + self.appended.len();
                if index >= MAX_TYPES {
                    return Err(InjectError::TooLarge { what: "types", func: None });
                }
                self.appended.push(FuncType::new(params.iter().copied(), results.iter().copied()));
                Ok(index as u32)
            }
        }
    }
}

fn invalid(e: wasmparser::BinaryReaderError) -> InjectError {
    InjectError::from(e)
}

fn reencode_err<E: core::fmt::Debug>(e: ReencodeError<E>) -> InjectError {
    match e {
        ReencodeError::ParseError(e) => InjectError::from(e),
        other => internal(format!("re-encoding failed: {other:?}")),
    }
}

/// Instruments `wasm` with gas metering and stack accounting under `schedule`.
///
/// The input is validated under Tally's profile ([`features`](crate::features)) in the same
/// pass. The output imports `tally.gas`, `tally.gas_len`, `tally.stack_enter`,
/// `tally.stack_leave` and `tally.branch` as functions 0–4 and is otherwise the original module
/// with every function index shifted by 5, each function body wrapped and metered as `SPEC.md` describes, the name
/// section's function and local names shifted (label names dropped) and DWARF (`.debug_*`)
/// custom sections dropped.
///
/// Fails with a typed [`InjectError`] naming the function and byte offset concerned; never
/// panics. Time and output size are linear in the input ([`max_output_size`]).
pub fn instrument(wasm: &[u8], schedule: &Schedule) -> Result<Vec<u8>, InjectError> {
    instrument_into(wasm, schedule, None, Bodies::Fast).map_err(|e| e.classify(wasm))
}

/// [`instrument`], also returning where each byte of the output came from in `wasm`, so that an
/// error an engine reports at an offset of the instrumented module can be located in the
/// original. The output is the same as [`instrument`]'s; recording the map makes it somewhat
/// slower, so engines call it on their error path only.
pub fn instrument_with_map(wasm: &[u8], schedule: &Schedule) -> Result<(Vec<u8>, OffsetMap), InjectError> {
    let mut map = OffsetMap::default();
    let out = instrument_into(wasm, schedule, Some(&mut map), Bodies::Fast).map_err(|e| e.classify(wasm))?;
    map.finish(out.len());
    Ok((out, map))
}

/// [`instrument_with_map`] with every function body validated by wasmparser's validator alone,
/// never by the profile's own ([`tally_profile::body`]): the reference the usual path is compared
/// with in tests and fuzzing. Output, map and errors are the same; it is slower.
#[doc(hidden)]
pub fn instrument_reference(wasm: &[u8], schedule: &Schedule) -> Result<(Vec<u8>, OffsetMap), InjectError> {
    let mut map = OffsetMap::default();
    let out = instrument_into(wasm, schedule, Some(&mut map), Bodies::Wasmparser).map_err(|e| e.classify(wasm))?;
    map.finish(out.len());
    Ok((out, map))
}

/// Which validator checks the function bodies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bodies {
    /// The profile's own first, wasmparser's on a body it declines.
    Fast,
    /// wasmparser's only.
    Wasmparser,
}

/// [`instrument`], recording the output's origins in `map` when given one.
fn instrument_into(
    wasm: &[u8],
    schedule: &Schedule,
    mut map: Option<&mut OffsetMap>,
    bodies_with: Bodies,
) -> Result<Vec<u8>, InjectError> {
    schedule.validate()?;

    // Pass 1: validate the module-level sections, collect types and function signatures, and
    // keep each section (by reference) for the second pass.
    let mut validator = Validator::new_with_features(tally_profile::features());
    // Sized from the sections' item counts, each bounded by its section's size (an item takes a
    // byte at least), so that a module's lists are allocated once.
    let mut sections = Vec::with_capacity(16);
    let mut func_types: Vec<u32> = Vec::new();
    let mut n_imports = 0usize;
    let mut n_imported_funcs = 0usize;
    let mut bodies = Vec::new();
    let mut module_types = None;
    for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
        let payload = payload.map_err(invalid)?;
        match validator.payload(&payload).map_err(invalid)? {
            ValidPayload::Func(f, body) => bodies.push((f, body)),
            ValidPayload::Parser(_) => return Err(internal("nested module accepted by the validator")),
            ValidPayload::End(t) => module_types = Some(t),
            ValidPayload::Ok => {}
        }
        match payload {
            Payload::TypeSection(r) => sections.push(Section::Type(us(r.range()))),
            Payload::ImportSection(r) => {
                func_types.reserve(bounded_count(r.count(), us(r.range())));
                for import in r.clone().into_imports_with_offsets() {
                    let (offset, import) = import?;
                    n_imports += 1;
                    if import.module == metering::MODULE {
                        return Err(InjectError::ReservedImport {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            offset: offset as usize,
                        });
                    }
                    if let TypeRef::Func(t) | TypeRef::FuncExact(t) = import.ty {
                        func_types.push(t);
                        n_imported_funcs += 1;
                    }
                }
                sections.push(Section::Import(us(r.range())));
            }
            Payload::FunctionSection(r) => {
                func_types.reserve(bounded_count(r.count(), us(r.range())));
                bodies.reserve(bounded_count(r.count(), us(r.range())));
                for t in r.clone() {
                    func_types.push(t?);
                }
                sections.push(Section::Raw(3, us(r.range())));
            }
            Payload::TableSection(r) => sections.push(Section::Table(r)),
            Payload::MemorySection(r) => sections.push(Section::Raw(5, us(r.range()))),
            Payload::GlobalSection(r) => sections.push(Section::Global(r)),
            Payload::ExportSection(r) => {
                for export in r.clone() {
                    let export = export?;
                    if export.name.starts_with(metering::RESERVED_EXPORT_PREFIX) {
                        return Err(InjectError::ReservedExport {
                            name: export.name.to_string(),
                            offset: us(r.range()).start,
                        });
                    }
                }
                sections.push(Section::Export(r));
            }
            Payload::StartSection { func, range } => sections.push(Section::Start(func, us(range))),
            Payload::ElementSection(r) => sections.push(Section::Element(r)),
            Payload::DataCountSection { range: rg, .. } => sections.push(Section::Raw(12, us(rg))),
            Payload::DataSection(r) => sections.push(Section::Raw(11, us(r.range()))),
            Payload::CodeSectionStart { size, unchecked_range, .. } => {
                sections.push(Section::Code(size as usize, us(unchecked_range)))
            }
            Payload::CustomSection(r) => sections.push(Section::Custom(r)),
            Payload::Version { .. } | Payload::CodeSectionEntry(_) | Payload::End(_) => {}
            // Anything else is outside the profile and was rejected by the validator.
            _ => return Err(internal("section outside the profile accepted by the validator")),
        }
    }

    // The types as the validator read them (the type section is not read a second time).
    let module_types = module_types.ok_or_else(|| internal("module without an end"))?;
    let types = type_infos(module_types.as_ref())?;

    if n_imports + Import::ALL.len() > MAX_IMPORTS {
        return Err(InjectError::TooLarge { what: "imports", func: None });
    }
    if func_types.len() + Import::ALL.len() > MAX_FUNCTIONS {
        return Err(InjectError::TooLarge { what: "functions", func: None });
    }

    // The injected imports' types, then the wrapper-block types of multi-result functions.
    let mut table = TypeTable::new(&types);
    let mut import_types = [0; Import::ALL.len()];
    for (ty, import) in import_types.iter_mut().zip(Import::ALL) {
        *ty = table.intern_scan(import.params(), import.results())?;
    }
    // Every body's wrapper block type, encoded, one after the other (`wrapper_ends`: where each
    // ends).
    let mut wrappers = Vec::with_capacity(bodies.len() * 2);
    let mut wrapper_ends = Vec::with_capacity(bodies.len());
    for i in 0..bodies.len() {
        let ty = *func_types.get(n_imported_funcs + i).ok_or_else(|| internal("function without a type"))?;
        let sig = types.get(ty as usize).and_then(|t| t.func).ok_or_else(|| internal("not a func type"))?;
        match sig.results() {
            [] => wrappers.push(0x40),
            [one] => RoundtripReencoder.val_type(*one).map_err(reencode_err)?.encode(&mut wrappers),
            results => {
                let index = if sig.params().is_empty() { ty } else { table.intern(&[], results)? };
                wasm_encoder::BlockType::FunctionType(index).encode(&mut wrappers);
            }
        }
        wrapper_ends.push(wrappers.len());
    }

    // Pass 2: write the output, section by section.
    let mut out = Vec::with_capacity(wasm.len() + wasm.len() / 2 + 1024);
    out.extend_from_slice(&wasm_encoder::Module::HEADER);
    mark(&mut map, 0, Origin::Copied(0));
    let (mut types_done, mut imports_done) = (false, false);
    let ctx = ModuleCtx { schedule, ops: OpInfo::table(schedule), types: &types, func_types: &func_types };
    let mut allocs = FuncValidatorAllocations::default();
    let mut check = FuncCheck::new();
    let max_body = bodies.iter().map(|(_, body)| body.as_bytes().len()).max().unwrap_or(0);
    let mut scratch = Scratch::for_bodies(max_body);
    let mut bodies = bodies.into_iter();
    for section in &sections {
        let range = section.range();
        if let Some(order) = section.order() {
            if order > 1 && !types_done {
                mark(&mut map, out.len(), Origin::Injected(range.start));
                raw(&mut out, 1, &type_payload(wasm, None, &table)?.0);
                types_done = true;
            }
            if order > 2 && !imports_done {
                mark(&mut map, out.len(), Origin::Injected(range.start));
                raw(&mut out, 2, &import_payload(wasm, None, import_types)?.0);
                imports_done = true;
            }
        }
        mark(&mut map, out.len(), Origin::Rewritten(range.start));
        match section {
            Section::Type(r) => {
                let (data, items) = type_payload(wasm, Some(r.clone()), &table)?;
                raw_with_items(&mut out, 1, &data, items, &mut map, r.end);
                types_done = true;
            }
            Section::Import(r) => {
                let (data, items) = import_payload(wasm, Some(r.clone()), import_types)?;
                raw_with_items(&mut out, 2, &data, items, &mut map, r.end);
                imports_done = true;
            }
            Section::Raw(id, r) => {
                let data = wasm.get(r.clone()).ok_or_else(|| internal("section out of bounds"))?;
                raw(&mut out, *id, data);
                mark(&mut map, out.len() - data.len(), Origin::Copied(r.start));
            }
            Section::Table(r) => {
                let mut s = wasm_encoder::TableSection::new();
                Shift.parse_table_section(&mut s, r.clone()).map_err(reencode_err)?;
                encoded_section(&mut out, &s);
            }
            Section::Global(r) => {
                let mut s = wasm_encoder::GlobalSection::new();
                Shift.parse_global_section(&mut s, r.clone()).map_err(reencode_err)?;
                encoded_section(&mut out, &s);
            }
            Section::Export(r) => {
                let mut s = wasm_encoder::ExportSection::new();
                Shift.parse_export_section(&mut s, r.clone()).map_err(reencode_err)?;
                encoded_section(&mut out, &s);
            }
            Section::Start(f, _) => {
                let function_index = f.checked_add(FUNC_SHIFT).ok_or_else(|| internal("start index overflow"))?;
                encoded_section(&mut out, &wasm_encoder::StartSection { function_index });
            }
            Section::Element(r) => {
                let mut s = wasm_encoder::ElementSection::new();
                Shift.parse_element_section(&mut s, r.clone()).map_err(reencode_err)?;
                encoded_section(&mut out, &s);
            }
            &Section::Code(code_len, _) => {
                // Bodies are written straight into the output after a provisional section size
                // (the payload's likely size: instrumented code is typically a third larger than
                // the input), fixed once the payload is written, to save copying the payload.
                out.reserve(code_len + code_len / 2 + 16);
                out.push(10);
                let size_field = out.len();
                write_u32(&mut out, (code_len + code_len / 3).min(u32::MAX as usize) as u32);
                let payload = out.len();
                let code = &mut out;
                write_u32(code, wrapper_ends.len() as u32);
                let mut wrapper_start = 0;
                for (i, &wrapper_end) in wrapper_ends.iter().enumerate() {
                    let wrapper = wrappers.get(wrapper_start..wrapper_end).unwrap_or_default();
                    wrapper_start = wrapper_end;
                    let (f, body) = bodies.next().ok_or_else(|| internal("missing function body"))?;
                    let func = (n_imported_funcs + i) as u32;
                    let ty = func_types.get(n_imported_funcs + i).copied().unwrap_or(u32::MAX);
                    let params = types
                        .get(ty as usize)
                        .and_then(|t| t.func)
                        .map(|f| f.params())
                        .ok_or_else(|| internal("function without a type"))?;
                    let resources = Resources { inner: &f.resources, types: &types };
                    // The profile's own validator first. If it declines anything (or anything
                    // else fails), the body again from its start with wasmparser's, whose verdict
                    // and error stand: a body's bytes and origins are written only once its scan
                    // has succeeded, and a fast scan that succeeds has the output wasmparser's
                    // would have (what it accepts wasmparser accepts, with the same operand
                    // stack), so a failure of the writing itself fails the second pass too.
                    let (len, sites) = (code.len(), scratch.sites());
                    let fast = bodies_with == Bodies::Fast && check.start(&resources, f.ty, f.features).is_ok() && {
                        let mut fast = Fast { check: &mut check, resources: &resources };
                        let map = map.as_deref_mut();
                        instrument_body(&ctx, &mut scratch, func, params, &body, &mut fast, wrapper, code, map).is_ok()
                    };
                    if !fast {
                        code.truncate(len);
                        scratch.set_sites(sites);
                        let f = FuncToValidate { resources, index: f.index, ty: f.ty, features: f.features };
                        let mut validator = f.into_validator(allocs);
                        let map = map.as_deref_mut();
                        instrument_body(&ctx, &mut scratch, func, params, &body, &mut validator, wrapper, code, map)?;
                        allocs = validator.into_allocations();
                    }
                }
                let delta = fix_section_size(&mut out, size_field, payload)?;
                if let (Some(map), true) = (map.as_deref_mut(), delta != 0) {
                    map.shift(payload, delta);
                }
            }
            Section::Custom(r) => custom_section(&mut out, r),
        }
    }
    if !types_done {
        mark(&mut map, out.len(), Origin::Injected(wasm.len()));
        raw(&mut out, 1, &type_payload(wasm, None, &table)?.0);
    }
    if !imports_done {
        mark(&mut map, out.len(), Origin::Injected(wasm.len()));
        raw(&mut out, 2, &import_payload(wasm, None, import_types)?.0);
    }

    if out.len() > max_output_size(wasm.len()) {
        return Err(InjectError::TooLarge { what: "output", func: None });
    }
    #[cfg(debug_assertions)]
    if let Err(e) = tally_profile::validate(&out) {
        return Err(internal(format!("instrumented module is invalid at {:#x}: {}", e.offset(), e.message())));
    }
    Ok(out)
}

/// Every type of the module, by index, from the validator's record of them: the function type
/// and whether it is plain (final, without supertype, alone in its recursion group; an explicit
/// `rec` group needs the GC proposal, outside the profile, so every group the validator accepts
/// is implicit). Under the profile no value type refers to a type index, so the validator's
/// copies equal the section's; one that did would be written wrong, and is refused.
fn type_infos(module_types: TypesRef<'_>) -> Result<Vec<TypeInfo<'_>>, InjectError> {
    let count = module_types.core_type_count_in_module();
    let mut types = Vec::with_capacity(count as usize);
    for i in 0..count {
        let id = module_types.core_type_at_in_module(i);
        let sub = module_types.get(id).ok_or_else(|| internal("type without an entry"))?;
        let ct = &sub.composite_type;
        let func = match &ct.inner {
            CompositeInnerType::Func(f) => Some(f),
            _ => None,
        };
        let indexed = |v: &ValType| matches!(v, ValType::Ref(r) if r.type_index().is_some());
        if func.is_some_and(|f| f.params().iter().chain(f.results()).any(indexed)) {
            return Err(internal("type outside the profile accepted by the validator"));
        }
        let plain = module_types.rec_group_elements(module_types.rec_group_id_of(id)).len() == 1
            && sub.is_final
            && sub.supertype_idxs.is_empty()
            && !ct.shared
            && ct.descriptor_idx.is_none()
            && ct.describes_idx.is_none();
        types.push(TypeInfo { sub, func, plain });
    }
    Ok(types)
}

/// A section's item count, at most its size in bytes (every item takes one at least): what a
/// list of its items may be allocated for.
fn bounded_count(count: u32, range: Range<usize>) -> usize {
    (count as usize).min(range.len())
}

fn us(r: Range<u64>) -> Range<usize> {
    r.start as usize..r.end as usize
}

/// Appends a section: id, size, payload.
fn raw(out: &mut Vec<u8>, id: u8, data: &[u8]) {
    out.push(id);
    write_u32(out, data.len() as u32);
    out.extend_from_slice(data);
}

/// Appends a section whose payload `data` holds, at `items`, the original section's items
/// copied verbatim, and marks them as copied (from the original section's items, which end at
/// `end`); entries between the count and them, or after them, are marked as injected.
fn raw_with_items(
    out: &mut Vec<u8>,
    id: u8,
    data: &[u8],
    items: Range<usize>,
    map: &mut Option<&mut OffsetMap>,
    end: usize,
) {
    raw(out, id, data);
    let payload = out.len() - data.len();
    let original_items = end - items.len();
    // Injected entries between the item count and the copied items (the metering imports).
    let count_len = data.iter().position(|b| b & 0x80 == 0).map_or(0, |p| p + 1);
    if items.start > count_len {
        mark(map, payload + count_len, Origin::Injected(original_items));
    }
    if !items.is_empty() {
        mark(map, payload + items.start, Origin::Copied(original_items));
    }
    if items.end < data.len() {
        mark(map, payload + items.end, Origin::Injected(end));
    }
}

/// Replaces the provisional size field `out[field..payload]` of the section whose payload runs
/// from `payload` to the end of `out` with the payload's size, encoded as [`raw`] does: in place
/// when it has the same length, as is usual. Returns by how many bytes the payload moved.
fn fix_section_size(out: &mut Vec<u8>, field: usize, payload: usize) -> Result<isize, InjectError> {
    let mut size = Vec::with_capacity(5);
    write_u32(&mut size, out.len().saturating_sub(payload) as u32);
    let provisional = out.get_mut(field..payload).ok_or_else(|| internal("section size field out of bounds"))?;
    if provisional.len() == size.len() {
        provisional.copy_from_slice(&size);
        Ok(0)
    } else {
        let delta = size.len() as isize - provisional.len() as isize;
        out.splice(field..payload, size);
        Ok(delta)
    }
}

/// Appends a section built with `wasm_encoder` (as `wasm_encoder::Module::section` does).
fn encoded_section(out: &mut Vec<u8>, section: &impl wasm_encoder::Section) {
    out.push(section.id());
    section.encode(out);
}

/// Reads the item count at the start of a section and returns it with the offset of the first
/// item.
fn count_and_items(wasm: &[u8], r: &Range<usize>) -> Result<(u32, usize), InjectError> {
    let data = wasm.get(r.clone()).ok_or_else(|| internal("section out of bounds"))?;
    let mut reader = BinaryReader::new_features(data, r.start as u64, tally_profile::features());
    let count = reader.read_var_u32()?;
    Ok((count, reader.original_position() as usize))
}

/// Builds the type section payload: the original types (copied verbatim), then the appended
/// ones. Returns it with the range of the copied types in it.
fn type_payload(
    wasm: &[u8],
    original: Option<Range<usize>>,
    table: &TypeTable,
) -> Result<(Vec<u8>, Range<usize>), InjectError> {
    let (count, items) = match &original {
        Some(r) => {
            let (count, start) = count_and_items(wasm, r)?;
            (count, wasm.get(start..r.end).ok_or_else(|| internal("section out of bounds"))?)
        }
        None => (0, &[][..]),
    };
    let total = (count as usize).checked_add(table.appended.len()).filter(|&n| n <= MAX_TYPES);
    let total = total.ok_or(InjectError::TooLarge { what: "types", func: None })?;
    let mut data = Vec::with_capacity(items.len() + 16 * table.appended.len() + 5);
    write_u32(&mut data, total as u32);
    let copied = data.len()..data.len() + items.len();
    data.extend_from_slice(items);
    for ty in &table.appended {
        data.push(0x60);
        for list in [ty.params(), ty.results()] {
            write_u32(&mut data, list.len() as u32);
            for &v in list {
                RoundtripReencoder.val_type(v).map_err(reencode_err)?.encode(&mut data);
            }
        }
    }
    Ok((data, copied))
}

/// Builds the import section payload: the metering imports (`types`: their type indices, in
/// [`Import::ALL`] order), then the original ones (copied verbatim). Returns it with the range
/// of the copied imports in it.
fn import_payload(
    wasm: &[u8],
    original: Option<Range<usize>>,
    types: [u32; Import::ALL.len()],
) -> Result<(Vec<u8>, Range<usize>), InjectError> {
    let (count, items) = match &original {
        Some(r) => {
            let (count, start) = count_and_items(wasm, r)?;
            (count, wasm.get(start..r.end).ok_or_else(|| internal("section out of bounds"))?)
        }
        None => (0, &[][..]),
    };
    let total = count.checked_add(FUNC_SHIFT).ok_or(InjectError::TooLarge { what: "imports", func: None })?;
    let mut data = Vec::with_capacity(items.len() + 80);
    write_u32(&mut data, total);
    for (import, ty) in Import::ALL.into_iter().zip(types) {
        for s in [metering::MODULE, import.name()] {
            write_u32(&mut data, s.len() as u32);
            data.extend_from_slice(s.as_bytes());
        }
        data.push(0x00);
        write_u32(&mut data, ty);
    }
    let copied = data.len()..data.len() + items.len();
    data.extend_from_slice(items);
    Ok((data, copied))
}

/// Custom sections: the name section gets shifted function indices (label names are dropped,
/// because the wrapper block renumbers labels; an unparsable name section is dropped whole);
/// DWARF sections are dropped (their code offsets are stale); others are copied.
fn custom_section(out: &mut Vec<u8>, r: &wasmparser::CustomSectionReader<'_>) {
    if r.name().starts_with(".debug_") {
        return;
    }
    if let KnownCustom::Name(names) = r.as_known() {
        if let Some(section) = shift_names(names) {
            encoded_section(out, &section);
        }
        return;
    }
    encoded_section(out, &wasm_encoder::CustomSection { name: r.name().into(), data: r.data().into() });
}

fn shift_names(names: wasmparser::NameSectionReader<'_>) -> Option<wasm_encoder::NameSection> {
    let mut out = wasm_encoder::NameSection::new();
    for sub in names {
        match sub.ok()? {
            wasmparser::Name::Label(_) => {}
            sub => Shift.parse_custom_name_subsection(&mut out, sub).ok()?,
        }
    }
    Some(out)
}
