//! Builders of adversarial Tally contracts for the time-per-gas harness (`time-per-gas`).
//!
//! Every builder returns the bytes of a contract that imports only from `tally_host_v1` (most
//! import nothing) and exports the method [`METHOD`] (`() -> ()`; [`host::nop_named`] exports
//! the name it is given). Sizes are parameters: the harness picks the largest the current limits
//! accept (see [`largest_fitting`]) and the tests pick tiny ones. Each builder's doc says what
//! the contract makes the node do and what it pays. The output depends only on the arguments.
//!
//! This module holds issue 10's builders (groups 1 to 10 of the suite) and what all share; issue
//! 11's are in [`operators`] (group 11), [`calls`] (12), [`bulk`] (13) and [`host`] (14).

use std::borrow::Cow;

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, CustomSection, DataSection, ElementSection, Elements, EntityType, ExportKind,
    ExportSection, Function, FunctionSection, GlobalSection, GlobalType, ImportSection, InstructionSink, MemArg,
    MemArgTarget, MemorySection, MemoryType, Module, RefType, TableSection, TableType, TypeSection, ValType,
};

use crate::bigmodule::{big_module, BigModuleConfig};

pub mod bulk;
pub mod calls;
pub mod host;
pub mod operators;

/// The method every contract here exports.
pub const METHOD: &str = "run";

/// The host ABI's import module.
pub const HOST_MODULE: &str = "tally_host_v1";

/// Deterministic splitmix64 generator, for layouts (pointer chains) decided at build time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish value in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

fn mem32(offset: u64) -> MemArg {
    MemArg { offset, align: 2, target: MemArgTarget::Memory(0), ordering: None }
}

fn funcref_table(minimum: u32) -> TableType {
    TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: u64::from(minimum),
        maximum: None,
        shared: false,
    }
}

fn memory(pages: u32) -> MemoryType {
    MemoryType {
        minimum: u64::from(pages),
        maximum: Some(u64::from(pages)),
        memory64: false,
        shared: false,
        page_size_log2: None,
    }
}

/// A function body without locals that does nothing.
fn empty_body() -> Function {
    let mut f = Function::new([]);
    f.instructions().end();
    f
}

/// The sections of a contract, in the order the binary format requires them. Builders fill
/// what they need; [`Parts::finish`] adds the type `() -> ()` (type 0) users rely on.
#[derive(Default)]
struct Parts {
    types: TypeSection,
    imports: ImportSection,
    functions: FunctionSection,
    tables: TableSection,
    memories: MemorySection,
    globals: GlobalSection,
    exports: ExportSection,
    elements: ElementSection,
    code: CodeSection,
    data: DataSection,
}

impl Parts {
    /// Sections with type 0 = `() -> ()` declared.
    fn new() -> Self {
        let mut parts = Parts::default();
        parts.types.ty().function([], []);
        parts
    }

    fn finish(&self) -> Vec<u8> {
        let mut module = Module::new();
        module.section(&self.types);
        if !self.imports.is_empty() {
            module.section(&self.imports);
        }
        module.section(&self.functions);
        if !self.tables.is_empty() {
            module.section(&self.tables);
        }
        if !self.memories.is_empty() {
            module.section(&self.memories);
        }
        if !self.globals.is_empty() {
            module.section(&self.globals);
        }
        module.section(&self.exports);
        if !self.elements.is_empty() {
            module.section(&self.elements);
        }
        module.section(&self.code);
        if !self.data.is_empty() {
            module.section(&self.data);
        }
        module.finish()
    }
}

/// The largest `n` in `lo..=hi` whose module `build(n)` is at most `max_bytes` long, found by
/// bisection (sizes must grow with `n`); `lo` if none fits.
pub fn largest_fitting(lo: u32, hi: u32, max_bytes: usize, build: impl Fn(u32) -> Vec<u8>) -> u32 {
    let (mut lo, mut hi) = (lo, hi);
    if build(hi).len() <= max_bytes {
        return hi;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if build(mid).len() <= max_bytes {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// `code` with a custom section holding `nonce` appended: a different contract (code hash) that
/// behaves the same, so the node's code cache cannot recognize it.
pub fn with_nonce(code: &[u8], nonce: u64) -> Vec<u8> {
    let mut out = code.to_vec();
    let section = CustomSection { name: Cow::Borrowed("nonce"), data: Cow::Owned(nonce.to_le_bytes().to_vec()) };
    out.push(wasm_encoder::Section::id(&section));
    wasm_encoder::Encode::encode(&section, &mut out);
    out
}

/// A contract whose method does nothing: the smallest possible call.
pub fn nop() -> Vec<u8> {
    let mut p = Parts::new();
    p.functions.function(0);
    p.exports.export(METHOD, ExportKind::Func, 0);
    p.code.function(&empty_body());
    p.finish()
}

/// `count` tables of `elements` funcrefs each and a method that does nothing. Every call
/// instantiates the contract, allocating `count × elements` table slots, and pays only for the
/// (empty) method: tables are not priced at instantiation.
pub fn tables(count: u32, elements: u32) -> Vec<u8> {
    let mut p = Parts::new();
    p.functions.function(0);
    for _ in 0..count {
        p.tables.table(funcref_table(elements));
    }
    p.exports.export(METHOD, ExportKind::Func, 0);
    p.code.function(&empty_body());
    p.finish()
}

/// `tables` tables of `elements` funcrefs, each with one active element segment of one item
/// every `stride` slots: instantiation writes one slot per `stride × 8` bytes of table, so with
/// `stride = 512` every 4 KiB page of every table is touched (page fault and zeroing), for the
/// price of an empty call.
pub fn elem_spread(tables: u32, elements: u32, stride: u32) -> Vec<u8> {
    let mut p = Parts::new();
    p.functions.function(0);
    for t in 0..tables {
        p.tables.table(funcref_table(elements));
        let mut offset = 0u32;
        while offset < elements {
            // Table 0 with the MVP encoding (no table index), the others with theirs.
            let table = (t != 0).then_some(t);
            p.elements.active(table, &ConstExpr::i32_const(offset as i32), Elements::Functions(Cow::Borrowed(&[0])));
            offset = offset.saturating_add(stride.max(1));
        }
    }
    p.exports.export(METHOD, ExportKind::Func, 0);
    p.code.function(&empty_body());
    p.finish()
}

/// One table of `items` funcrefs filled by a single active element segment of `items` items
/// (each a one-byte function index): every instantiation evaluates and copies them all.
pub fn elem_segment(items: u32) -> Vec<u8> {
    let mut p = Parts::new();
    p.functions.function(0);
    p.tables.table(funcref_table(items));
    p.exports.export(METHOD, ExportKind::Func, 0);
    let all = vec![0u32; items as usize];
    p.elements.active(None, &ConstExpr::i32_const(0), Elements::Functions(Cow::Owned(all)));
    p.code.function(&empty_body());
    p.finish()
}

/// `count` mutable `i64` globals (5 bytes each in the binary) and a method that does nothing:
/// every instantiation allocates and initializes them all.
pub fn globals(count: u32) -> Vec<u8> {
    let mut p = Parts::new();
    p.functions.function(0);
    for _ in 0..count {
        p.globals.global(GlobalType { val_type: ValType::I64, mutable: true, shared: false }, &ConstExpr::i64_const(0));
    }
    p.exports.export(METHOD, ExportKind::Func, 0);
    p.code.function(&empty_body());
    p.finish()
}

/// The method plus `functions` uncalled functions that each declare `locals` `i64` locals
/// (8 bytes per function in the binary): a module the node instruments and translates in full.
pub fn many_locals(functions: u32, locals: u32) -> Vec<u8> {
    let mut p = Parts::new();
    p.functions.function(0);
    p.exports.export(METHOD, ExportKind::Func, 0);
    p.code.function(&empty_body());
    let mut filler = Function::new([(locals, ValType::I64)]);
    filler.instructions().end();
    for _ in 0..functions {
        p.functions.function(0);
        p.code.function(&filler);
    }
    p.finish()
}

/// The method plus functions that declare `total` `i64` locals in all, `per_function` each (the
/// last one the remainder): the most locals a module may declare, in as few functions as the
/// per-function limit allows.
pub fn locals_total(total: u32, per_function: u32) -> Vec<u8> {
    let per_function = per_function.max(1);
    let mut p = Parts::new();
    p.functions.function(0);
    p.exports.export(METHOD, ExportKind::Func, 0);
    p.code.function(&empty_body());
    let mut left = total;
    while left > 0 {
        let n = left.min(per_function);
        let mut filler = Function::new([(n, ValType::I64)]);
        filler.instructions().end();
        p.functions.function(0);
        p.code.function(&filler);
        left -= n;
    }
    p.finish()
}

/// The method plus `functions` empty functions (4 bytes each in the binary): the most functions
/// per byte.
pub fn small_functions(functions: u32) -> Vec<u8> {
    let mut p = Parts::new();
    for _ in 0..=functions {
        p.functions.function(0);
        p.code.function(&empty_body());
    }
    p.exports.export(METHOD, ExportKind::Func, 0);
    p.finish()
}

/// A method holding one `br_table` with `targets` labels (one byte each), never executed past
/// its first iteration: the most branch targets per byte for the translator to resolve.
pub fn br_table(targets: u32) -> Vec<u8> {
    let mut p = Parts::new();
    p.functions.function(0);
    p.exports.export(METHOD, ExportKind::Func, 0);
    let mut f = Function::new([]);
    f.instructions()
        .block(BlockType::Empty)
        .i32_const(0)
        .br_table(std::iter::repeat_n(0, targets as usize), 0)
        .end()
        .end();
    p.code.function(&f);
    p.finish()
}

/// The method plus `count` `br_table`s of `targets` labels each, `per_body` of them to a function
/// (each in its own block, never executed): the most branch targets the per-`br_table` and
/// per-body limits let a module hold, for the translator to resolve.
pub fn br_tables(count: u32, per_body: u32, targets: u32) -> Vec<u8> {
    let per_body = per_body.max(1);
    let mut p = Parts::new();
    p.functions.function(0);
    p.exports.export(METHOD, ExportKind::Func, 0);
    p.code.function(&empty_body());
    let mut left = count;
    while left > 0 {
        let n = left.min(per_body);
        let mut f = Function::new([]);
        {
            let mut s = f.instructions();
            for _ in 0..n {
                s.block(BlockType::Empty).i32_const(0).br_table(std::iter::repeat_n(0, targets as usize), 0).end();
            }
            s.end();
        }
        p.functions.function(0);
        p.code.function(&f);
        left -= n;
    }
    p.finish()
}

/// Ordinary generated code ([`big_module`], shaped as a contract: no initial memory pages, an
/// empty method) of about `code_bytes` bytes of function bodies.
pub fn ordinary(code_bytes: usize, seed: u64) -> Vec<u8> {
    big_module(&BigModuleConfig { target_code_bytes: code_bytes, seed, floats: true, contract: true })
}

/// [`ordinary`] code as close to `max_bytes` as it gets (at most `max_bytes`).
pub fn ordinary_fitting(max_bytes: usize, seed: u64) -> Vec<u8> {
    let mut target = max_bytes.saturating_sub(max_bytes / 32);
    loop {
        let code = ordinary(target, seed);
        if code.len() <= max_bytes || target == 0 {
            return code;
        }
        target = target.saturating_sub(code.len() - max_bytes + 1024);
    }
}

/// A contract whose method calls `method` of the contract at `callee` (all the gas, no input,
/// no flags) and returns the call's status code as 4 little-endian bytes. It has one memory
/// page, which every call of it pays for.
pub fn caller(callee: &[u8; 32], method: &str) -> Vec<u8> {
    let mut p = Parts::new();
    // Type 1: call's signature; type 2: return_set's.
    p.types.ty().function(
        [ValType::I32, ValType::I32, ValType::I32, ValType::I32, ValType::I32, ValType::I64, ValType::I32],
        [ValType::I32],
    );
    p.types.ty().function([ValType::I32, ValType::I32], []);
    p.imports.import(HOST_MODULE, "call", EntityType::Function(1));
    p.imports.import(HOST_MODULE, "return_set", EntityType::Function(2));
    p.functions.function(0);
    p.memories.memory(memory(1));
    p.exports.export(METHOD, ExportKind::Func, 2);
    let status_at = 1024u64;
    let mut f = Function::new([]);
    f.instructions()
        .i32_const(status_at as i32)
        .i32_const(0)
        .i32_const(32)
        .i32_const(method.len() as i32)
        .i32_const(0)
        .i32_const(0)
        .i64_const(-1)
        .i32_const(0)
        .call(0)
        .i32_store(mem32(0))
        .i32_const(status_at as i32)
        .i32_const(4)
        .call(1)
        .end();
    p.code.function(&f);
    p.data.active(0, &ConstExpr::i32_const(0), callee.iter().copied());
    p.data.active(0, &ConstExpr::i32_const(32), method.bytes());
    p.finish()
}

/// A contract whose method calls `method` of the contract at `callee` `times` times in a row
/// (all the gas left each time, no input, no flags) and returns the last call's status code as 4
/// little-endian bytes. Every call is a frame that instantiates the callee afresh; only the first
/// pays for loading its code, the others `load` alone (the transaction keeps it). One memory page.
pub fn caller_loop(callee: &[u8; 32], method: &str, times: u32) -> Vec<u8> {
    let mut p = Parts::new();
    // Type 1: call's signature; type 2: return_set's.
    p.types.ty().function(
        [ValType::I32, ValType::I32, ValType::I32, ValType::I32, ValType::I32, ValType::I64, ValType::I32],
        [ValType::I32],
    );
    p.types.ty().function([ValType::I32, ValType::I32], []);
    p.imports.import(HOST_MODULE, "call", EntityType::Function(1));
    p.imports.import(HOST_MODULE, "return_set", EntityType::Function(2));
    p.functions.function(0);
    p.memories.memory(memory(1));
    p.exports.export(METHOD, ExportKind::Func, 2);
    let status_at = 1024;
    let n = 0;
    let mut f = Function::new([(1, ValType::I32)]);
    f.instructions()
        .i32_const(times.max(1) as i32)
        .local_set(n)
        .loop_(BlockType::Empty)
        .i32_const(status_at)
        .i32_const(0)
        .i32_const(32)
        .i32_const(method.len() as i32)
        .i32_const(0)
        .i32_const(0)
        .i64_const(-1)
        .i32_const(0)
        .call(0)
        .i32_store(mem32(0))
        .local_get(n)
        .i32_const(1)
        .i32_sub()
        .local_tee(n)
        .br_if(0)
        .end()
        .i32_const(status_at)
        .i32_const(4)
        .call(1)
        .end();
    p.code.function(&f);
    p.data.active(0, &ConstExpr::i32_const(0), callee.iter().copied());
    p.data.active(0, &ConstExpr::i32_const(32), method.bytes());
    p.finish()
}

/// Loads per iteration of a pointer chase: nested, so each costs one `i32.load` and nothing
/// else, and the loop's own cost is spread over many loads.
const CHASE_UNROLL: u32 = 32;

/// Emits `loads` dependent loads (rounded up to a multiple of [`CHASE_UNROLL`]) from address
/// `start`: `p = load(p)` along the chain, into local `p`, counting down in local `n`.
fn chase(sink: &mut InstructionSink<'_>, start: u32, loads: u32, p: u32, n: u32) {
    let iterations = loads.div_ceil(CHASE_UNROLL).max(1);
    sink.i32_const(start as i32).local_set(p);
    sink.i32_const(iterations as i32).local_set(n);
    sink.loop_(BlockType::Empty);
    sink.local_get(p);
    for _ in 0..CHASE_UNROLL {
        sink.i32_load(mem32(0));
    }
    sink.local_set(p);
    sink.local_get(n).i32_const(1).i32_sub().local_tee(n).br_if(0);
    sink.end();
}

/// A pointer chase over `pages` pages of memory whose chain is laid down by data segments: `nodes`
/// four-byte cells at distinct, randomly chosen 64-byte lines, each holding the address of the
/// next in one random cycle (a data segment per node). The method follows the chain for `loads`
/// loads; every load lands on a line the previous one could not predict.
pub fn chase_data(pages: u32, nodes: u32, loads: u32, seed: u64) -> Vec<u8> {
    let lines = pages as u64 * 65536 / 64;
    let nodes = u64::from(nodes.max(2)).min(lines);
    // A random sample of distinct lines, in random order: a partial Fisher-Yates shuffle.
    let mut rng = Rng(seed);
    let mut order: Vec<u32> = (0..lines as u32).collect();
    for i in 0..nodes as usize {
        let j = i + rng.below(lines - i as u64) as usize;
        order.swap(i, j);
    }
    let addresses: Vec<u32> = order[..nodes as usize].iter().map(|line| line * 64).collect();
    let mut p = Parts::new();
    p.functions.function(0);
    p.memories.memory(memory(pages));
    p.exports.export(METHOD, ExportKind::Func, 0);
    let mut f = Function::new([(2, ValType::I32)]);
    chase(&mut f.instructions(), addresses[0], loads, 0, 1);
    f.instructions().end();
    p.code.function(&f);
    for (k, address) in addresses.iter().enumerate() {
        let next = addresses[(k + 1) % addresses.len()];
        p.data.active(0, &ConstExpr::i32_const(*address as i32), next.to_le_bytes());
    }
    p.finish()
}

/// A pointer chase over `pages` pages of memory whose chain the method lays down itself: a cell
/// every `stride` bytes, linked into one random cycle by Sattolo's shuffle (an xorshift
/// generator seeded with `seed`), then followed for `loads` loads.
pub fn chase_loop(pages: u32, stride: u32, loads: u32, seed: u32) -> Vec<u8> {
    let bytes = pages * 65536;
    let nodes = bytes / stride;
    let mut p = Parts::new();
    p.functions.function(0);
    p.memories.memory(memory(pages));
    p.exports.export(METHOD, ExportKind::Func, 0);
    // Locals: 0 i, 1 j, 2 r (random state), 3 t, 4 p, 5 n.
    let (i, j, r, t, ptr, n) = (0, 1, 2, 3, 4, 5);
    let mut f = Function::new([(6, ValType::I32)]);
    {
        let mut s = f.instructions();
        // Cell k holds its own address: the identity permutation.
        s.i32_const(0).local_set(i);
        s.loop_(BlockType::Empty);
        s.local_get(i).local_get(i).i32_store(mem32(0));
        s.local_get(i).i32_const(stride as i32).i32_add().local_tee(i).i32_const(bytes as i32).i32_lt_u().br_if(0);
        s.end();
        // Sattolo: for i = nodes-1 down to 1, swap cells i and j, j uniform in 0..i.
        s.i32_const(nodes as i32 - 1).local_set(i);
        s.i32_const(seed.max(1) as i32).local_set(r);
        s.loop_(BlockType::Empty);
        for (shift, left) in [(13, true), (17, false), (5, true)] {
            s.local_get(r).local_get(r).i32_const(shift);
            if left {
                s.i32_shl();
            } else {
                s.i32_shr_u();
            }
            s.i32_xor().local_set(r);
        }
        s.local_get(r).i64_extend_i32_u().local_get(i).i64_extend_i32_u().i64_mul().i64_const(32).i64_shr_u();
        s.i32_wrap_i64().local_set(j);
        s.local_get(i).i32_const(stride as i32).i32_mul().i32_load(mem32(0)).local_set(t);
        s.local_get(i).i32_const(stride as i32).i32_mul();
        s.local_get(j).i32_const(stride as i32).i32_mul().i32_load(mem32(0));
        s.i32_store(mem32(0));
        s.local_get(j).i32_const(stride as i32).i32_mul().local_get(t).i32_store(mem32(0));
        s.local_get(i).i32_const(1).i32_sub().local_tee(i).br_if(0);
        s.end();
        chase(&mut s, 0, loads, ptr, n);
        s.end();
    }
    p.code.function(&f);
    p.finish()
}

/// A method that reads a 4-byte nonce from its input and makes `writes` storage writes of
/// `value_len`-byte values, all distinct (the value starts with the write's index and the nonce)
/// under 4-byte keys (the write's index). Memory: the value at 0, the key after it.
pub fn storage_writes(writes: u32, value_len: u32) -> Vec<u8> {
    let key_at = value_len.next_multiple_of(8);
    let pages = (key_at + 8).div_ceil(65536);
    let mut p = Parts::new();
    // Type 1: storage_write; type 2: input_read.
    p.types.ty().function([ValType::I32; 4], []);
    p.types.ty().function([ValType::I32; 3], []);
    p.imports.import(HOST_MODULE, "storage_write", EntityType::Function(1));
    p.imports.import(HOST_MODULE, "input_read", EntityType::Function(2));
    p.functions.function(0);
    p.memories.memory(memory(pages));
    p.exports.export(METHOD, ExportKind::Func, 2);
    let i = 0;
    let mut f = Function::new([(1, ValType::I32)]);
    {
        let mut s = f.instructions();
        s.i32_const(4).i32_const(0).i32_const(4).call(1);
        s.loop_(BlockType::Empty);
        s.i32_const(0).local_get(i).i32_store(mem32(0));
        s.i32_const(key_at as i32).local_get(i).i32_store(mem32(0));
        s.i32_const(key_at as i32).i32_const(4).i32_const(0).i32_const(value_len as i32).call(0);
        s.local_get(i).i32_const(1).i32_add().local_tee(i).i32_const(writes as i32).i32_lt_u().br_if(0);
        s.end();
        s.end();
    }
    p.code.function(&f);
    p.finish()
}

/// Wraps a method body (WebAssembly text, with `$i` counting down `iterations` and the locals
/// `decls`) into a contract that has nothing else.
fn loop_contract(decls: &str, setup: &str, body: &str, iterations: u32) -> Vec<u8> {
    text_contract(&Method { decls, setup, body, iterations, ..Method::default() })
}

/// A contract in WebAssembly text: module fields, and the method [`METHOD`] that runs `setup`,
/// then `body` `iterations` times (at least once; `$i` counts down), then `after`.
#[derive(Default)]
struct Method<'a> {
    /// Module fields (imports, memory, table, globals, segments, other functions).
    fields: &'a str,
    /// The method's locals besides `$i`.
    decls: &'a str,
    /// Before the loop.
    setup: &'a str,
    /// The loop's body.
    body: &'a str,
    /// Iterations of the loop.
    iterations: u32,
    /// After the loop.
    after: &'a str,
}

/// The most statements to an iteration, up to 16, that divide `count` evenly: a loop of
/// `count / unroll(count)` iterations of `unroll(count)` statements runs exactly `count`.
fn unroll(count: u32) -> u32 {
    (1..=16).rev().find(|u| count.is_multiple_of(*u)).unwrap_or(1)
}

/// The contract [`Method`] describes.
fn text_contract(m: &Method<'_>) -> Vec<u8> {
    let text = format!(
        r#"(module
  {fields}
  (func (export "{METHOD}") (local $i i32) {decls}
    {setup}
    (local.set $i (i32.const {iterations}))
    (loop $l
      {body}
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    {after}))"#,
        fields = m.fields,
        decls = m.decls,
        setup = m.setup,
        body = m.body,
        iterations = m.iterations.max(1),
        after = m.after,
    );
    match wat::parse_str(&text) {
        Ok(code) => code,
        Err(e) => panic!("contract text is invalid: {e}"),
    }
}

/// Ordinary arithmetic: an `i64` LCG step, a xorshift mix and a rotate per iteration.
pub fn arith_loop(iterations: u32) -> Vec<u8> {
    loop_contract(
        "(local $x i64) (local $y i64)",
        "(local.set $x (i64.const 1))",
        "(local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005)) (i64.const 1442695040888963407)))
      (local.set $y (i64.xor (local.get $y) (i64.shr_u (local.get $x) (i64.const 29))))
      (local.set $y (i64.rotl (local.get $y) (i64.const 7)))
      (local.set $y (i64.sub (local.get $y) (i64.and (local.get $x) (i64.const 0xffff))))",
        iterations,
    )
}

/// Repeats `text` `n` times, one per line.
fn repeat(text: &str, n: usize) -> String {
    vec![text; n].join("\n      ")
}

/// Division chains: `x = (x / 3) * 3` sixteen times per iteration, `x` starting from the bits
/// `x_bits`. With a subnormal `x` (below 2^-1022) every division underflows and `x` stays
/// subnormal.
pub fn div_chain(iterations: u32, x_bits: u64) -> Vec<u8> {
    loop_contract(
        "(local $x f64)",
        &format!("(local.set $x (f64.reinterpret_i64 (i64.const {x_bits})))"),
        &repeat("(local.set $x (f64.mul (f64.div (local.get $x) (f64.const 3)) (f64.const 3)))", 16),
        iterations,
    )
}

/// Square roots: sixteen `f64.sqrt` of the value with bits `x_bits` per iteration, summed.
pub fn sqrt_sum(iterations: u32, x_bits: u64) -> Vec<u8> {
    loop_contract(
        "(local $x f64) (local $y f64)",
        &format!("(local.set $x (f64.reinterpret_i64 (i64.const {x_bits})))"),
        &repeat("(local.set $y (f64.add (local.get $y) (f64.sqrt (local.get $x))))", 16),
        iterations,
    )
}

/// Bits of a subnormal `f64` (2^-1050 … roughly).
pub const SUBNORMAL: u64 = 0x0000_0040_0000_a001;

/// Bits of an ordinary `f64` (1.5), for the control runs of [`div_chain`] and [`sqrt_sum`].
pub const NORMAL: u64 = 0x3FF8_0000_0000_0000;

/// Bits of a small subnormal `f64` (16 × 2^-1074), added to and subtracted from [`SUBNORMAL`]
/// by [`add_chain`].
pub const SUBNORMAL_STEP: u64 = 0x10;

/// Bits of a subnormal `f32` (about 2^-137.6).
pub const F32_SUBNORMAL: u32 = 0x0000_0a01;

/// Bits of a small subnormal `f32` (16 × 2^-149), the step of the `f32` additions in
/// [`float_mix`].
pub const F32_SUBNORMAL_STEP: u32 = 0x10;

/// `f64` text for the bits `bits`.
fn f64_bits(bits: u64) -> String {
    format!("(f64.reinterpret_i64 (i64.const {}))", bits as i64)
}

/// `f32` text for the bits `bits`.
fn f32_bits(bits: u32) -> String {
    format!("(f32.reinterpret_i32 (i32.const {}))", bits as i32)
}

/// Addition chains: `x = (x + s) - s` sixteen times per iteration, `x` starting from the bits
/// `x_bits` and `s` = [`SUBNORMAL_STEP`]: with a subnormal `x`, every operand and result is
/// subnormal.
pub fn add_chain(iterations: u32, x_bits: u64) -> Vec<u8> {
    loop_contract(
        "(local $x f64) (local $s f64)",
        &format!("(local.set $x {}) (local.set $s {})", f64_bits(x_bits), f64_bits(SUBNORMAL_STEP)),
        &repeat("(local.set $x (f64.sub (f64.add (local.get $x) (local.get $s)) (local.get $s)))", 16),
        iterations,
    )
}

/// Multiplication chains: `x = (x × 2) × 0.5` sixteen times per iteration (exact), `x` starting
/// from the bits `x_bits`: with a subnormal `x`, every operand and result is subnormal.
pub fn mul_chain(iterations: u32, x_bits: u64) -> Vec<u8> {
    loop_contract(
        "(local $x f64)",
        &format!("(local.set $x {})", f64_bits(x_bits)),
        &repeat("(local.set $x (f64.mul (f64.mul (local.get $x) (f64.const 2)) (f64.const 0.5)))", 16),
        iterations,
    )
}

/// `f32` division chains: `x = (x / 0.5) / 2` sixteen times per iteration (exact: divisions
/// only), `x` starting from the bits `x_bits`: with a subnormal `x`, every operand and result is
/// subnormal.
pub fn f32_div_chain(iterations: u32, x_bits: u32) -> Vec<u8> {
    loop_contract(
        "(local $x f32)",
        &format!("(local.set $x {})", f32_bits(x_bits)),
        &repeat("(local.set $x (f32.div (f32.div (local.get $x) (f32.const 0.5)) (f32.const 2)))", 16),
        iterations,
    )
}

/// `f32` square roots: sixteen `f32.sqrt` of the value with bits `x_bits` per iteration, summed.
pub fn f32_sqrt_sum(iterations: u32, x_bits: u32) -> Vec<u8> {
    loop_contract(
        "(local $x f32) (local $y f32)",
        &format!("(local.set $x {})", f32_bits(x_bits)),
        &repeat("(local.set $y (f32.add (local.get $y) (f32.sqrt (local.get $x))))", 16),
        iterations,
    )
}

/// Every float operation on subnormals, sixteen statements per iteration: `f64` and `f32`
/// addition, multiplication and division chains (as in [`add_chain`], [`mul_chain`],
/// [`f32_div_chain`]) and square roots of the chains' values.
pub fn float_mix(iterations: u32) -> Vec<u8> {
    let steps = [
        "(local.set $x (f64.sub (f64.add (local.get $x) (local.get $s)) (local.get $s)))",
        "(local.set $x (f64.mul (f64.mul (local.get $x) (f64.const 2)) (f64.const 0.5)))",
        "(local.set $x (f64.div (f64.div (local.get $x) (f64.const 0.5)) (f64.const 2)))",
        "(local.set $y (f64.add (local.get $y) (f64.sqrt (local.get $x))))",
        "(local.set $z (f32.sub (f32.add (local.get $z) (local.get $t)) (local.get $t)))",
        "(local.set $z (f32.mul (f32.mul (local.get $z) (f32.const 2)) (f32.const 0.5)))",
        "(local.set $z (f32.div (f32.div (local.get $z) (f32.const 0.5)) (f32.const 2)))",
        "(local.set $w (f32.add (local.get $w) (f32.sqrt (local.get $z))))",
    ];
    loop_contract(
        "(local $x f64) (local $s f64) (local $y f64) (local $z f32) (local $t f32) (local $w f32)",
        &format!(
            "(local.set $x {}) (local.set $s {}) (local.set $z {}) (local.set $t {})",
            f64_bits(SUBNORMAL),
            f64_bits(SUBNORMAL_STEP),
            f32_bits(F32_SUBNORMAL),
            f32_bits(F32_SUBNORMAL_STEP)
        ),
        &[steps.join("\n      "), steps.join("\n      ")].join("\n      "),
        iterations,
    )
}

/// How [`underflow_chain`] shrinks its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shrink {
    /// `f64.div` by 2^40.
    Div,
    /// `f64.mul` by 2^-40.
    Mul,
}

/// Biased exponent for which [`underflow_chain`]'s results are subnormal (`x` in [2^-1000,
/// 2^-999), so `x` / 2^40 is below 2^-1022).
pub const UNDERFLOW_EXPONENT: u32 = 23;

/// Biased exponent for which [`underflow_chain`]'s results stay normal (`x` near 2^-900).
pub const NORMAL_EXPONENT: u32 = 123;

/// Chains whose float operation has normal operands and, for `exponent` =
/// [`UNDERFLOW_EXPONENT`], a subnormal result: sixteen times per iteration, `x` is shrunk by
/// 2^40 (`shrink`), and the result's fraction bits get the biased exponent `exponent` back
/// (integer `and`/`or` on its bits), so the next operation again starts from a normal value.
/// With [`NORMAL_EXPONENT`] the same code never leaves the normal range (the control).
pub fn underflow_chain(iterations: u32, shrink: Shrink, exponent: u32) -> Vec<u8> {
    let op = match shrink {
        Shrink::Div => "(f64.div (local.get $x) (f64.const 0x1p40))",
        Shrink::Mul => "(f64.mul (local.get $x) (f64.const 0x1p-40))",
    };
    let exponent_bits = (u64::from(exponent) & 0x7ff) << 52;
    let step = format!(
        "(local.set $x (f64.reinterpret_i64 (i64.or (i64.and (i64.reinterpret_f64 {op}) \
         (i64.const 0xfffffffffffff)) (i64.const {exponent_bits}))))"
    );
    loop_contract(
        "(local $x f64)",
        &format!("(local.set $x {})", f64_bits(exponent_bits | 0x8_0000_0000_a001)),
        &repeat(&step, 16),
        iterations,
    )
}

/// Integer division chains: `x = (x / 3) × 3` (`i64.div_s`) sixteen times per iteration, from
/// `x` = 3^39 (a multiple of 3 near `i64::MAX`, so the dividend stays as large as it gets).
pub fn i64_div_chain(iterations: u32) -> Vec<u8> {
    loop_contract(
        "(local $x i64)",
        "(local.set $x (i64.const 4052555153018976267))",
        &repeat("(local.set $x (i64.mul (i64.div_s (local.get $x) (i64.const 3)) (i64.const 3)))", 16),
        iterations,
    )
}

/// Float↔integer conversions at the edges of their ranges: saturating truncations of
/// out-of-range values and NaN, trapping truncations of the largest in-range values, and
/// unsigned 64-bit conversions whose rounding needs the slow path.
pub fn convert_edges(iterations: u32) -> Vec<u8> {
    loop_contract(
        "(local $big f64) (local $huge f64) (local $nan f64) (local $neg f64) (local $u i64) (local $odd i64) \
         (local $lo f64) (local $hi f64) (local $tiny f64) (local $acc i64)",
        // 2^64 - 2048 (largest f64 below 2^64), 1e300, a NaN, -0.999, u64::MAX,
        // 2^63 + 2^39 + 1 (an f32 rounding tie broken by a low bit), -2^31 - 0.9, 2^32 - 0.1, 2^-1040.
        "(local.set $big (f64.const 18446744073709549568))
    (local.set $huge (f64.const 1e300))
    (local.set $nan (f64.const nan:0x8000000000001))
    (local.set $neg (f64.const -0.999))
    (local.set $u (i64.const -1))
    (local.set $odd (i64.const 0x8000008000000001))
    (local.set $lo (f64.const -2147483648.9))
    (local.set $hi (f64.const 4294967295.9))
    (local.set $tiny (f64.const 0x1p-1040))",
        "(local.set $acc (i64.xor (local.get $acc) (i64.trunc_f64_u (local.get $big))))
      (local.set $acc (i64.xor (local.get $acc) (i64.trunc_sat_f64_s (local.get $huge))))
      (local.set $acc (i64.xor (local.get $acc) (i64.trunc_sat_f64_u (local.get $nan))))
      (local.set $acc (i64.xor (local.get $acc) (i64.trunc_f64_u (local.get $neg))))
      (local.set $acc (i64.xor (local.get $acc) (i64.reinterpret_f64 (f64.convert_i64_u (local.get $u)))))
      (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (i32.reinterpret_f32 (f32.convert_i64_u (local.get $odd))))))
      (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (i32.trunc_f64_s (local.get $lo)))))
      (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (i32.trunc_f64_u (local.get $hi)))))
      (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (i32.trunc_sat_f32_s (f32.demote_f64 (local.get $huge))))))
      (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (i32.reinterpret_f32 (f32.demote_f64 (local.get $tiny))))))
      (local.set $acc (i64.xor (local.get $acc) (i64.reinterpret_f64 (f64.promote_f32 (f32.demote_f64 (local.get $big))))))
      (local.set $acc (i64.xor (local.get $acc) (i64.reinterpret_f64 (f64.convert_i64_s (local.get $odd)))))",
        iterations,
    )
}

/// `call_indirect` in a loop: each iteration calls one of `functions` (a power of two) functions
/// `() -> i32`, picked by an xorshift generator.
pub fn call_indirect_loop(iterations: u32, functions: u32) -> Vec<u8> {
    let functions = functions.max(1).next_power_of_two();
    let callees: String =
        (0..functions).map(|k| format!("\n  (func $f{k} (type $t) (i32.const {k}))")).collect::<Vec<_>>().concat();
    let names: String = (0..functions).map(|k| format!(" $f{k}")).collect();
    let text = format!(
        r#"(module
  (type $t (func (result i32)))
  (table {functions} funcref)
  (elem (i32.const 0) func{names}){callees}
  (func (export "{METHOD}") (local $i i32) (local $r i32) (local $acc i32)
    (local.set $r (i32.const 0x2545F491))
    (local.set $i (i32.const {iterations}))
    (loop $l
      (local.set $r (i32.xor (local.get $r) (i32.shl (local.get $r) (i32.const 13))))
      (local.set $r (i32.xor (local.get $r) (i32.shr_u (local.get $r) (i32.const 17))))
      (local.set $r (i32.xor (local.get $r) (i32.shl (local.get $r) (i32.const 5))))
      (local.set $acc (i32.add (local.get $acc)
        (call_indirect (type $t) (i32.and (local.get $r) (i32.const {mask})))))
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))))"#,
        mask = functions - 1
    );
    wat::parse_str(text).expect("call_indirect contract text is valid")
}

/// `br_table` in a loop: each iteration jumps to one of `targets` (a power of two) nested block
/// ends, picked by an xorshift generator; each end adds its own constant and leaves.
pub fn br_table_loop(iterations: u32, targets: u32) -> Vec<u8> {
    let targets = targets.max(1).next_power_of_two();
    let opens = "(block ".repeat(targets as usize);
    let labels: String = (0..targets).map(|k| format!(" {k}")).collect();
    let closes: String = (0..targets)
        .map(|k| format!(")\n      (local.set $acc (i32.add (local.get $acc) (i32.const {k}))) (br $done)"))
        .collect::<Vec<_>>()
        .concat();
    let text = format!(
        r#"(module
  (func (export "{METHOD}") (local $i i32) (local $r i32) (local $acc i32)
    (local.set $r (i32.const 0x2545F491))
    (local.set $i (i32.const {iterations}))
    (loop $l
      (local.set $r (i32.xor (local.get $r) (i32.shl (local.get $r) (i32.const 13))))
      (local.set $r (i32.xor (local.get $r) (i32.shr_u (local.get $r) (i32.const 17))))
      (local.set $r (i32.xor (local.get $r) (i32.shl (local.get $r) (i32.const 5))))
      (block $done
      {opens}(br_table{labels} 0 (i32.and (local.get $r) (i32.const {mask}))){closes})
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))))"#,
        mask = targets - 1
    );
    wat::parse_str(text).expect("br_table contract text is valid")
}
