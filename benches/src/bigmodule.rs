//! Programmatic generation of a large, valid, MVP-only Wasm module for translation benchmarks.
//!
//! The module has thousands of functions over three signatures, each with nested
//! `block`/`loop`/`if`/`br_table` control flow, integer and (optionally) float arithmetic, loads
//! and stores, global accesses, direct calls and `call_indirect`. Every value is produced by a
//! typed expression generator, so the module validates by construction. The output depends only
//! on the [`BigModuleConfig`], so every run and every runtime translates the same bytes. The code
//! is never meant to run (its loops are bounded but its memory accesses and divisions are not
//! guarded).

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ElementSection, Elements, ExportKind, ExportSection, Function, FunctionSection,
    GlobalSection, GlobalType, InstructionSink, MemArg, MemArgTarget, MemorySection, MemoryType, Module, RefType,
    TableSection, TableType, TypeSection, ValType,
};

/// Parameters of [`big_module`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BigModuleConfig {
    /// Functions are added until the code section's function bodies reach this many bytes.
    pub target_code_bytes: usize,
    /// Seed of the deterministic pseudo-random generator.
    pub seed: u64,
    /// Emit float (`f64`) locals, signatures and instructions.
    pub floats: bool,
    /// Shape the module as a Tally contract: its memory starts with no pages (so a call pays for
    /// none), and it also exports `run`, a method (`() -> ()`) that does nothing.
    pub contract: bool,
}

impl Default for BigModuleConfig {
    /// About 3.5 MB of code, with floats.
    fn default() -> Self {
        Self { target_code_bytes: 3_500_000, seed: 0x7A11_7A11, floats: true, contract: false }
    }
}

/// Signature `(i32, i32) -> i32`.
const TY_I32: u32 = 0;
/// Signature `(i64, i32) -> i64`.
const TY_I64: u32 = 1;
/// Signature `(f64, f64) -> f64`.
const TY_F64: u32 = 2;
/// Signature `() -> ()`, of the contract method (only with [`BigModuleConfig::contract`]).
const TY_METHOD: u32 = 3;

/// Number of extra locals of each type declared by every function.
const LOCALS_PER_TYPE: u32 = 3;
/// Maximum nesting of structured control in a generated body.
const MAX_BLOCK_DEPTH: u32 = 3;
/// Maximum depth of a generated expression tree.
const MAX_EXPR_DEPTH: u32 = 3;

/// Deterministic xorshift64* generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish value in `0..n` (`n > 0`).
    fn below(&mut self, n: u32) -> u32 {
        ((self.next() >> 32) % u64::from(n)) as u32
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
}

fn mem(offset: u64, align: u32) -> MemArg {
    MemArg { offset, align, target: MemArgTarget::Memory(0), ordering: None }
}

/// Per-function generation state.
struct Body<'a> {
    rng: &'a mut Rng,
    floats: bool,
    /// Local indices by type.
    i32_locals: Vec<u32>,
    i64_locals: Vec<u32>,
    f64_locals: Vec<u32>,
    /// Earlier functions by signature, for direct calls.
    callees: &'a [Vec<u32>; 3],
    /// Number of table entries (all functions so far are in the table at their index).
    table_len: u32,
    /// Signature index of the function being generated.
    result_ty: u32,
}

impl Body<'_> {
    fn locals_mut(&mut self, ty: ValType) -> &mut Vec<u32> {
        match ty {
            ValType::I64 => &mut self.i64_locals,
            ValType::F64 => &mut self.f64_locals,
            _ => &mut self.i32_locals,
        }
    }

    fn pick(&mut self, locals_of: fn(&Self) -> &Vec<u32>) -> u32 {
        let n = locals_of(self).len() as u32;
        let i = self.rng.below(n) as usize;
        locals_of(self)[i]
    }

    fn callee(&mut self, ty: u32) -> Option<u32> {
        let list = &self.callees[ty as usize];
        if list.is_empty() {
            None
        } else {
            // Prefer recent functions so calls are spread over the whole module.
            let window = list.len().min(64) as u32;
            let back = self.rng.below(window) as usize;
            Some(list[list.len() - 1 - back])
        }
    }

    /// Pushes an in-bounds-ish address: `expr & 0xfff8`.
    fn address(&mut self, sink: &mut InstructionSink<'_>, depth: u32) {
        self.i32_expr(sink, depth);
        sink.i32_const(0xfff8).i32_and();
    }

    fn i32_expr(&mut self, sink: &mut InstructionSink<'_>, depth: u32) {
        if depth == 0 || self.rng.chance(25) {
            match self.rng.below(4) {
                0 | 1 => {
                    let l = self.pick(|b| &b.i32_locals);
                    sink.local_get(l);
                }
                2 => {
                    sink.i32_const(self.rng.next() as i32 >> self.rng.below(31));
                }
                _ => {
                    sink.global_get(0);
                }
            }
            return;
        }
        let d = depth - 1;
        match self.rng.below(if self.floats { 11 } else { 10 }) {
            0..=2 => {
                self.i32_expr(sink, d);
                self.i32_expr(sink, d);
                match self.rng.below(15) {
                    0 => sink.i32_add(),
                    1 => sink.i32_sub(),
                    2 => sink.i32_mul(),
                    3 => sink.i32_and(),
                    4 => sink.i32_or(),
                    5 => sink.i32_xor(),
                    6 => sink.i32_shl(),
                    7 => sink.i32_shr_s(),
                    8 => sink.i32_shr_u(),
                    9 => sink.i32_rotl(),
                    10 => sink.i32_eq(),
                    11 => sink.i32_ne(),
                    12 => sink.i32_lt_s(),
                    13 => sink.i32_gt_u(),
                    _ => sink.i32_le_s(),
                };
            }
            3 => {
                self.i32_expr(sink, d);
                match self.rng.below(3) {
                    0 => sink.i32_eqz(),
                    1 => sink.i32_clz(),
                    _ => sink.i32_popcnt(),
                };
            }
            4 => {
                self.address(sink, d);
                let offset = u64::from(self.rng.below(64));
                match self.rng.below(3) {
                    0 => sink.i32_load(mem(offset, 2)),
                    1 => sink.i32_load8_u(mem(offset, 0)),
                    _ => sink.i32_load16_s(mem(offset, 1)),
                };
            }
            5 => {
                self.i64_expr(sink, d);
                sink.i32_wrap_i64();
            }
            6 => {
                self.i64_expr(sink, d);
                self.i64_expr(sink, d);
                sink.i64_lt_u();
            }
            7 => match self.callee(TY_I32) {
                Some(f) => {
                    self.i32_expr(sink, d);
                    self.i32_expr(sink, d);
                    sink.call(f);
                }
                None => {
                    sink.i32_const(7);
                }
            },
            8 => {
                self.i32_expr(sink, d);
                self.i32_expr(sink, d);
                self.i32_expr(sink, d);
                sink.select();
            }
            9 => {
                self.i32_expr(sink, d);
                self.i32_expr(sink, d);
                sink.i32_const(1).i32_or();
                if self.rng.chance(50) {
                    sink.i32_div_u();
                } else {
                    sink.i32_rem_s();
                }
            }
            _ => {
                self.f64_expr(sink, d);
                self.f64_expr(sink, d);
                sink.f64_lt();
            }
        }
    }

    fn i64_expr(&mut self, sink: &mut InstructionSink<'_>, depth: u32) {
        if depth == 0 || self.rng.chance(25) {
            if self.rng.chance(60) {
                let l = self.pick(|b| &b.i64_locals);
                sink.local_get(l);
            } else {
                sink.i64_const(self.rng.next() as i64 >> self.rng.below(63));
            }
            return;
        }
        let d = depth - 1;
        match self.rng.below(6) {
            0..=2 => {
                self.i64_expr(sink, d);
                self.i64_expr(sink, d);
                match self.rng.below(7) {
                    0 => sink.i64_add(),
                    1 => sink.i64_sub(),
                    2 => sink.i64_mul(),
                    3 => sink.i64_xor(),
                    4 => sink.i64_rotl(),
                    5 => sink.i64_shr_u(),
                    _ => sink.i64_and(),
                };
            }
            3 => {
                self.i32_expr(sink, d);
                sink.i64_extend_i32_u();
            }
            4 => {
                self.address(sink, d);
                sink.i64_load(mem(u64::from(self.rng.below(64)) * 8, 3));
            }
            _ => match self.callee(TY_I64) {
                Some(f) => {
                    self.i64_expr(sink, d);
                    self.i32_expr(sink, d);
                    sink.call(f);
                }
                None => {
                    sink.i64_const(-3);
                }
            },
        }
    }

    fn f64_expr(&mut self, sink: &mut InstructionSink<'_>, depth: u32) {
        if depth == 0 || self.rng.chance(25) {
            if self.rng.chance(60) {
                let l = self.pick(|b| &b.f64_locals);
                sink.local_get(l);
            } else {
                sink.f64_const((f64::from(self.rng.below(1000)) * 0.125).into());
            }
            return;
        }
        let d = depth - 1;
        match self.rng.below(6) {
            0..=2 => {
                self.f64_expr(sink, d);
                self.f64_expr(sink, d);
                match self.rng.below(5) {
                    0 => sink.f64_add(),
                    1 => sink.f64_sub(),
                    2 => sink.f64_mul(),
                    3 => sink.f64_div(),
                    _ => sink.f64_min(),
                };
            }
            3 => {
                self.i32_expr(sink, d);
                sink.f64_convert_i32_s();
            }
            4 => {
                self.address(sink, d);
                sink.f64_load(mem(u64::from(self.rng.below(64)) * 8, 3));
            }
            _ => match self.callee(TY_F64) {
                Some(f) => {
                    self.f64_expr(sink, d);
                    self.f64_expr(sink, d);
                    sink.call(f);
                }
                None => {
                    self.f64_expr(sink, d);
                    sink.f64_sqrt();
                }
            },
        }
    }

    /// Emits a statement that leaves the operand stack as it found it.
    fn statement(&mut self, sink: &mut InstructionSink<'_>, block_depth: u32) {
        let e = MAX_EXPR_DEPTH;
        let nested = block_depth < MAX_BLOCK_DEPTH;
        match self.rng.below(if nested { 16 } else { 10 }) {
            0..=2 => {
                self.i32_expr(sink, e);
                let l = self.pick(|b| &b.i32_locals);
                sink.local_set(l);
            }
            3 => {
                self.i64_expr(sink, e);
                let l = self.pick(|b| &b.i64_locals);
                sink.local_set(l);
            }
            4 if self.floats => {
                self.f64_expr(sink, e);
                let l = self.pick(|b| &b.f64_locals);
                sink.local_set(l);
            }
            4 | 5 => {
                self.address(sink, 2);
                match self.rng.below(if self.floats { 4 } else { 3 }) {
                    0 => {
                        self.i32_expr(sink, e);
                        sink.i32_store(mem(u64::from(self.rng.below(64)) * 4, 2));
                    }
                    1 => {
                        self.i64_expr(sink, e);
                        sink.i64_store(mem(u64::from(self.rng.below(64)) * 8, 3));
                    }
                    2 => {
                        self.i32_expr(sink, e);
                        sink.i32_store8(mem(u64::from(self.rng.below(64)), 0));
                    }
                    _ => {
                        self.f64_expr(sink, e);
                        sink.f64_store(mem(u64::from(self.rng.below(64)) * 8, 3));
                    }
                }
            }
            6 => {
                self.i32_expr(sink, e);
                sink.global_set(0);
            }
            7 => {
                // call_indirect through the table, result dropped.
                self.i32_expr(sink, 1);
                self.i32_expr(sink, 1);
                sink.i32_const(self.rng.below(self.table_len.max(1)) as i32);
                sink.call_indirect(0, TY_I32);
                sink.drop();
            }
            8 => {
                // `x = x + e` on a counter-like local, keeping the stack balanced via `tee`.
                let l = self.pick(|b| &b.i32_locals);
                sink.local_get(l);
                self.i32_expr(sink, 2);
                sink.i32_add().local_tee(l).drop();
            }
            9 => {
                // Early exit.
                self.i32_expr(sink, 2);
                sink.if_(BlockType::Empty);
                self.result(sink);
                sink.return_().end();
            }
            10 | 11 => {
                self.i32_expr(sink, e);
                sink.if_(BlockType::Empty);
                self.statements(sink, block_depth + 1, 1, 4);
                if self.rng.chance(60) {
                    sink.else_();
                    self.statements(sink, block_depth + 1, 1, 4);
                }
                sink.end();
            }
            12 | 13 => {
                // Counted loop: counter = k; loop { body; counter -= 1; br_if counter != 0 }
                let counter = self.pick(|b| &b.i32_locals);
                sink.i32_const(1 + self.rng.below(16) as i32).local_set(counter);
                sink.block(BlockType::Empty).loop_(BlockType::Empty);
                self.statements(sink, block_depth + 2, 1, 4);
                self.i32_expr(sink, 1);
                sink.br_if(1);
                sink.local_get(counter).i32_const(1).i32_sub().local_tee(counter);
                sink.br_if(0).end().end();
            }
            14 => {
                // br_table dispatch over three nested blocks.
                sink.block(BlockType::Empty);
                sink.block(BlockType::Empty);
                sink.block(BlockType::Empty);
                self.i32_expr(sink, 2);
                sink.br_table([0u32, 1, 2, 1], 0);
                sink.end();
                self.statements(sink, block_depth + 3, 1, 2);
                sink.end();
                self.statements(sink, block_depth + 3, 1, 2);
                sink.end();
            }
            _ => {
                // A value-producing block with an early `br`.
                sink.block(BlockType::Result(ValType::I32));
                self.i32_expr(sink, 1);
                self.i32_expr(sink, 1);
                sink.br_if(0);
                sink.drop();
                self.statements(sink, block_depth + 1, 0, 3);
                self.i32_expr(sink, 2);
                sink.end();
                let l = self.pick(|b| &b.i32_locals);
                sink.local_set(l);
            }
        }
    }

    fn statements(&mut self, sink: &mut InstructionSink<'_>, block_depth: u32, min: u32, max: u32) {
        let count = min + self.rng.below(max - min + 1);
        for _ in 0..count {
            self.statement(sink, block_depth);
        }
    }

    /// Pushes a value of the function's result type.
    fn result(&mut self, sink: &mut InstructionSink<'_>) {
        match self.result_ty {
            TY_I32 => self.i32_expr(sink, MAX_EXPR_DEPTH),
            TY_I64 => self.i64_expr(sink, MAX_EXPR_DEPTH),
            _ => self.f64_expr(sink, MAX_EXPR_DEPTH),
        }
    }
}

/// Generates the module described by `config`; see the [module docs](self).
pub fn big_module(config: &BigModuleConfig) -> Vec<u8> {
    let mut rng = Rng(config.seed | 1);
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32, ValType::I32], [ValType::I32]);
    types.ty().function([ValType::I64, ValType::I32], [ValType::I64]);
    types.ty().function([ValType::F64, ValType::F64], [ValType::F64]);
    if config.contract {
        types.ty().function([], []);
    }

    let mut functions = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut callees: [Vec<u32>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut code_bytes = 0usize;
    let mut index = 0u32;
    while code_bytes < config.target_code_bytes {
        let ty = match rng.below(10) {
            0..=6 => TY_I32,
            7 | 8 => TY_I64,
            _ if config.floats => TY_F64,
            _ => TY_I32,
        };
        // Parameters come first, then LOCALS_PER_TYPE locals of each type.
        let params: [ValType; 2] = match ty {
            TY_I32 => [ValType::I32, ValType::I32],
            TY_I64 => [ValType::I64, ValType::I32],
            _ => [ValType::F64, ValType::F64],
        };
        let mut local_types = vec![ValType::I32, ValType::I64];
        if config.floats {
            local_types.push(ValType::F64);
        }
        let mut body = Body {
            rng: &mut rng,
            floats: config.floats,
            i32_locals: Vec::new(),
            i64_locals: Vec::new(),
            f64_locals: Vec::new(),
            callees: &callees,
            table_len: index,
            result_ty: ty,
        };
        for (i, p) in params.iter().enumerate() {
            body.locals_mut(*p).push(i as u32);
        }
        for (k, t) in local_types.iter().enumerate() {
            for j in 0..LOCALS_PER_TYPE {
                let local = 2 + k as u32 * LOCALS_PER_TYPE + j;
                body.locals_mut(*t).push(local);
            }
        }
        let mut function = Function::new(local_types.iter().map(|t| (LOCALS_PER_TYPE, *t)));
        {
            let mut sink = function.instructions();
            body.statements(&mut sink, 0, 4, 14);
            body.result(&mut sink);
            sink.end();
        }
        code_bytes += function.byte_len();
        functions.function(ty);
        code.function(&function);
        callees[ty as usize].push(index);
        index += 1;
    }
    // The method comes after the generated functions, so they keep their indices, and stays out
    // of the table.
    let table_len = index;
    if config.contract {
        functions.function(TY_METHOD);
        let mut method = Function::new([]);
        method.instructions().end();
        code.function(&method);
        index += 1;
    }

    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: u64::from(table_len),
        maximum: Some(u64::from(table_len)),
        shared: false,
    });
    let mut memories = MemorySection::new();
    let minimum = if config.contract { 0 } else { 2 };
    memories.memory(MemoryType { minimum, maximum: Some(16), memory64: false, shared: false, page_size_log2: None });
    let mut globals = GlobalSection::new();
    globals.global(GlobalType { val_type: ValType::I32, mutable: true, shared: false }, &ConstExpr::i32_const(0));
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("first", ExportKind::Func, 0);
    exports.export("last", ExportKind::Func, table_len.saturating_sub(1));
    if config.contract {
        exports.export("run", ExportKind::Func, index - 1);
    }
    let mut elements = ElementSection::new();
    let all: Vec<u32> = (0..table_len).collect();
    // Table 0 implicitly: the MVP encoding (flag 0x00), which MVP-only tools such as parity-wasm read.
    elements.active(None, &ConstExpr::i32_const(0), Elements::Functions(all.into()));

    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&tables)
        .section(&memories)
        .section(&globals)
        .section(&exports)
        .section(&elements)
        .section(&code);
    module.finish()
}
