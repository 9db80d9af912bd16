//! The op table: every handler the translator emits, with its name and the meaning of each of
//! its operand fields, in one list ([`build`]). It is what makes translated code readable
//! ([`super::listing`]); the hot path never consults it.
//!
//! Handlers are found by address: an [`Op`](super::Op) holds nothing but its handler, so the
//! table is sorted by handler address once and searched. An entry's position in the table is the
//! handler's id, which serialized code stores instead of the address ([`by_id`], [`id_of`]). Every handler is one function with one
//! address (`handlers::handler!` makes them `#[inline(never)]`) and has code of its own (two
//! handlers with identical code would make the name ambiguous, so there are none; a test checks
//! that no two entries share an address), and `conformance/tests/ir_listing.rs` checks that every
//! op the translator emits for the spec modules, plain and instrumented, is here. (Under Miri a
//! function has no single address, and ops print as unknown.)

use std::sync::OnceLock;

use super::handlers::{self as h, Bin, CmpBranch, CondBranch, Fused};
use super::Handler;

/// Where an operand is stored in an op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// The 32-bit field `a`.
    A,
    /// The 32-bit field `b`.
    B,
    /// The whole 64-bit field `c`.
    C,
    /// The low half of `c` (see [`Op::c_lo`](super::Op::c_lo)).
    CLo,
    /// The high half of `c` (see [`Op::c_hi`](super::Op::c_hi)).
    CHi,
}

/// What an operand means, which decides how it is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A frame slot the op writes: `s4`, printed before `<-`.
    Dst,
    /// A frame slot the op reads: `s4`.
    Slot,
    /// An operand the op reads from the accumulator (the value the op before it produced),
    /// with the slot that also holds it: `acc=s4`.
    Acc,
    /// The slot where a callee's frame starts (its arguments, then its results): `frame=s4`.
    Frame,
    /// An `i32` immediate (the low 32 bits of the field), signed decimal.
    I32,
    /// An `i64` immediate, signed decimal.
    I64,
    /// An `f32` immediate (its bits in the low half).
    F32,
    /// An `f64` immediate.
    F64,
    /// A raw cell of a value whose type the op does not know (a constant, a stored value):
    /// hexadecimal.
    Cell,
    /// The constant an address add folded into a load or store adds: `+100`.
    AddImm,
    /// A load's or store's static offset: `offset=16`.
    Offset,
    /// A constant shift or rotate amount: `k=12`.
    Shift,
    /// The reciprocal of a constant divisor (`numeric::Reciprocal32`), printed as the divisor.
    Reciprocal,
    /// A constant divisor: `d=7`.
    Divisor,
    /// A gas charge: `gas=120`.
    Gas,
    /// The gas price per unit of a length-dependent charge: `per=3`.
    UnitPrice,
    /// Units of the stack budget: `stack=3`.
    Stack,
    /// A branch offset relative to the op, in all of `c`: `-> @12`.
    Branch,
    /// A branch that pays the `gas` op before its target (`handlers::charged_branch`): offset
    /// in the low half of `c`, the charge in the high half; `-> @12 gas=5`, and `-> @12 gas=5+mem`
    /// when it also pays the memory-access charge at its target (`Op::charged_memory`).
    ChargedBranch,
    /// The number of `br_table` targets before the default.
    Targets,
    /// A global index.
    Global,
    /// A function index of the module's function space.
    Func,
    /// A defined function's index (among the module's defined functions).
    DefinedFunc,
    /// A table index.
    Table,
    /// An element segment index.
    Elem,
    /// A data segment index.
    Data,
    /// An interned signature (`engine::SigId`).
    Sig,
}

/// Ops that follow an op as its data rather than as code (their handler is `unreachable`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trailer {
    /// None: the next op is code.
    None,
    /// One data op with these operands.
    One(&'static [(Field, Kind)]),
    /// `br_table`: `b + 1` ops (targets, then the default), each a [`Kind::Branch`] in `c`
    /// relative to itself.
    BranchTable,
}

/// One handler of the table.
#[derive(Debug)]
pub(crate) struct OpInfo {
    /// The op's name: its handler's name, with the form for the branch families
    /// (`br_i32_lt_s_si.taken_pays`).
    pub name: String,
    pub handler: Handler,
    /// The operands the handler reads, in the order they are printed.
    pub operands: Vec<(Field, Kind)>,
    pub trailer: Trailer,
}

use Field::{CHi, CLo, A, B, C};
use Kind::*;

/// The table, in no particular order. Each entry names a handler (or a family of handlers that
/// share a layout) once.
pub(crate) fn build() -> Vec<OpInfo> {
    let mut t = Builder(Vec::with_capacity(512));

    // ---- arithmetic: `Bin` families; `is` forms print the immediate first ----
    for (name, bin, ty) in [
        ("i32_add", h::I32_ADD, I32),
        ("i32_sub", h::I32_SUB, I32),
        ("i32_mul", h::I32_MUL, I32),
        ("i32_div_s", h::I32_DIV_S, I32),
        ("i32_div_u", h::I32_DIV_U, I32),
        ("i32_rem_s", h::I32_REM_S, I32),
        ("i32_rem_u", h::I32_REM_U, I32),
        ("i32_and", h::I32_AND, I32),
        ("i32_or", h::I32_OR, I32),
        ("i32_xor", h::I32_XOR, I32),
        ("i32_shl", h::I32_SHL, I32),
        ("i32_shr_s", h::I32_SHR_S, I32),
        ("i32_shr_u", h::I32_SHR_U, I32),
        ("i32_rotl", h::I32_ROTL, I32),
        ("i32_rotr", h::I32_ROTR, I32),
        ("i32_eq", h::I32_EQ, I32),
        ("i32_ne", h::I32_NE, I32),
        ("i32_lt_s", h::I32_LT_S, I32),
        ("i32_lt_u", h::I32_LT_U, I32),
        ("i32_gt_s", h::I32_GT_S, I32),
        ("i32_gt_u", h::I32_GT_U, I32),
        ("i32_le_s", h::I32_LE_S, I32),
        ("i32_le_u", h::I32_LE_U, I32),
        ("i32_ge_s", h::I32_GE_S, I32),
        ("i32_ge_u", h::I32_GE_U, I32),
        ("i64_add", h::I64_ADD, I64),
        ("i64_sub", h::I64_SUB, I64),
        ("i64_mul", h::I64_MUL, I64),
        ("i64_div_s", h::I64_DIV_S, I64),
        ("i64_div_u", h::I64_DIV_U, I64),
        ("i64_rem_s", h::I64_REM_S, I64),
        ("i64_rem_u", h::I64_REM_U, I64),
        ("i64_and", h::I64_AND, I64),
        ("i64_or", h::I64_OR, I64),
        ("i64_xor", h::I64_XOR, I64),
        ("i64_shl", h::I64_SHL, I64),
        ("i64_shr_s", h::I64_SHR_S, I64),
        ("i64_shr_u", h::I64_SHR_U, I64),
        ("i64_rotl", h::I64_ROTL, I64),
        ("i64_rotr", h::I64_ROTR, I64),
        ("i64_eq", h::I64_EQ, I64),
        ("i64_ne", h::I64_NE, I64),
        ("i64_lt_s", h::I64_LT_S, I64),
        ("i64_lt_u", h::I64_LT_U, I64),
        ("i64_gt_s", h::I64_GT_S, I64),
        ("i64_gt_u", h::I64_GT_U, I64),
        ("i64_le_s", h::I64_LE_S, I64),
        ("i64_le_u", h::I64_LE_U, I64),
        ("i64_ge_s", h::I64_GE_S, I64),
        ("i64_ge_u", h::I64_GE_U, I64),
        ("f32_add", h::F32_ADD, F32),
        ("f32_sub", h::F32_SUB, F32),
        ("f32_mul", h::F32_MUL, F32),
        ("f32_div", h::F32_DIV, F32),
        ("f32_min", h::F32_MIN, F32),
        ("f32_max", h::F32_MAX, F32),
        ("f32_copysign", h::F32_COPYSIGN, F32),
        ("f32_eq", h::F32_EQ, F32),
        ("f32_ne", h::F32_NE, F32),
        ("f32_lt", h::F32_LT, F32),
        ("f32_gt", h::F32_GT, F32),
        ("f32_le", h::F32_LE, F32),
        ("f32_ge", h::F32_GE, F32),
        ("f64_add", h::F64_ADD, F64),
        ("f64_sub", h::F64_SUB, F64),
        ("f64_mul", h::F64_MUL, F64),
        ("f64_div", h::F64_DIV, F64),
        ("f64_min", h::F64_MIN, F64),
        ("f64_max", h::F64_MAX, F64),
        ("f64_copysign", h::F64_COPYSIGN, F64),
        ("f64_eq", h::F64_EQ, F64),
        ("f64_ne", h::F64_NE, F64),
        ("f64_lt", h::F64_LT, F64),
        ("f64_gt", h::F64_GT, F64),
        ("f64_le", h::F64_LE, F64),
        ("f64_ge", h::F64_GE, F64),
    ] {
        t.bin(name, bin, ty);
    }

    // ---- unary: result in `a`, operand in slot `b` ----
    macro_rules! unary {
        ($($name:ident)*) => {$( t.op(stringify!($name), h::$name, &[(A, Dst), (B, Slot)]); )*};
    }
    unary! {
        i32_eqz i32_clz i32_ctz i32_popcnt i32_extend8_s i32_extend16_s i32_wrap_i64
        i32_trunc_f32_s i32_trunc_f32_u i32_trunc_f64_s i32_trunc_f64_u
        i32_trunc_sat_f32_s i32_trunc_sat_f32_u i32_trunc_sat_f64_s i32_trunc_sat_f64_u
        i64_eqz i64_clz i64_ctz i64_popcnt i64_extend8_s i64_extend16_s i64_extend32_s
        i64_trunc_f32_s i64_trunc_f32_u i64_trunc_f64_s i64_trunc_f64_u
        i64_trunc_sat_f32_s i64_trunc_sat_f32_u i64_trunc_sat_f64_s i64_trunc_sat_f64_u
        f32_abs f32_neg f32_ceil f32_floor f32_trunc f32_nearest f32_sqrt
        f32_convert_i32_s f32_convert_i32_u f32_convert_i64_s f32_convert_i64_u f32_demote_f64
        f64_abs f64_neg f64_ceil f64_floor f64_trunc f64_nearest f64_sqrt
        f64_convert_i32_s f64_convert_i32_u f64_convert_i64_s f64_convert_i64_u f64_promote_f32
        memory_grow
    }
    macro_rules! unary_acc {
        ($($name:ident)*) => {$( t.op(stringify!($name), h::$name, &[(A, Dst), (B, Acc)]); )*};
    }
    unary_acc! {
        i32_eqz_a i32_clz_a i32_ctz_a i32_popcnt_a i32_extend8_s_a i32_extend16_s_a i32_wrap_i64_a
        i64_eqz_a i64_clz_a i64_ctz_a i64_popcnt_a i64_extend8_s_a i64_extend16_s_a i64_extend32_s_a
        f32_abs_a f32_neg_a f64_abs_a f64_neg_a
    }

    // ---- specialised and fused arithmetic ----
    let by_constant: &[(Field, Kind)] = &[(A, Dst), (B, Slot), (C, Reciprocal)];
    let by_constant_acc: &[(Field, Kind)] = &[(A, Dst), (B, Acc), (C, Reciprocal)];
    t.op("i32_div_u_const", h::i32_div_u_const, by_constant);
    t.op("i32_div_u_const_a", h::i32_div_u_const_a, by_constant_acc);
    t.op("i32_div_s_const", h::i32_div_s_const, by_constant);
    t.op("i32_div_s_const_a", h::i32_div_s_const_a, by_constant_acc);
    let divisor = Trailer::One(&[(C, Divisor)]);
    t.with_trailer("i32_rem_u_const", h::i32_rem_u_const, by_constant, divisor);
    t.with_trailer("i32_rem_u_const_a", h::i32_rem_u_const_a, by_constant_acc, divisor);
    t.with_trailer("i32_rem_s_const", h::i32_rem_s_const, by_constant, divisor);
    t.with_trailer("i32_rem_s_const_a", h::i32_rem_s_const_a, by_constant_acc, divisor);
    t.op("i32_wrap_shr_u", h::i32_wrap_shr_u, &[(A, Dst), (B, Slot), (C, Shift)]);
    t.op("i32_wrap_shr_u_a", h::i32_wrap_shr_u_a, &[(A, Dst), (B, Acc), (C, Shift)]);
    for (name, forms) in [
        ("i64_xor_shl", h::I64_XOR_SHL),
        ("i64_xor_shr_u", h::I64_XOR_SHR_U),
        ("i64_xor_rotl", h::I64_XOR_ROTL),
        ("i64_rotl_xor", h::I64_ROTL_XOR),
    ] {
        t.fused(name, forms, Some(Shift));
    }
    t.fused("i64_andn", h::I64_ANDN, None);
    let three: &[(Field, Kind)] = &[(A, Dst), (B, Slot), (CLo, Slot), (CHi, Slot)];
    t.op("i64_xor_andn", h::i64_xor_andn, three);
    t.op("f64_mul_add", h::f64_mul_add, three);
    t.op("f32_mul_add", h::f32_mul_add, three);

    // ---- branches ----
    for (name, cmp) in [
        ("br_i32_eq", h::BR_I32_EQ),
        ("br_i32_ne", h::BR_I32_NE),
        ("br_i32_lt_s", h::BR_I32_LT_S),
        ("br_i32_lt_u", h::BR_I32_LT_U),
        ("br_i32_gt_s", h::BR_I32_GT_S),
        ("br_i32_gt_u", h::BR_I32_GT_U),
        ("br_i32_le_s", h::BR_I32_LE_S),
        ("br_i32_le_u", h::BR_I32_LE_U),
        ("br_i32_ge_s", h::BR_I32_GE_S),
        ("br_i32_ge_u", h::BR_I32_GE_U),
        ("br_i64_eq", h::BR_I64_EQ),
        ("br_i64_ne", h::BR_I64_NE),
        ("br_i64_lt_s", h::BR_I64_LT_S),
        ("br_i64_lt_u", h::BR_I64_LT_U),
        ("br_i64_gt_s", h::BR_I64_GT_S),
        ("br_i64_gt_u", h::BR_I64_GT_U),
        ("br_i64_le_s", h::BR_I64_LE_S),
        ("br_i64_le_u", h::BR_I64_LE_U),
        ("br_i64_ge_s", h::BR_I64_GE_S),
        ("br_i64_ge_u", h::BR_I64_GE_U),
    ] {
        t.cmp_branch(name, cmp);
    }
    for (name, branch) in
        [("br_nez", h::BR_NEZ), ("br_eqz", h::BR_EQZ), ("br_i64_nez", h::BR_I64_NEZ), ("br_i64_eqz", h::BR_I64_EQZ)]
    {
        t.cond_branch(name, &branch, &[(A, Slot)]);
    }
    t.op("br", h::br, &[(C, Branch)]);
    t.op("br_gas", h::br_gas, &[(C, ChargedBranch)]);
    t.op("br_gas_mem", h::br_gas_mem, &[(C, ChargedBranch)]);
    t.with_trailer("br_table", h::br_table, &[(A, Slot), (B, Targets)], Trailer::BranchTable);
    t.op("unreachable", h::unreachable, &[]);

    // ---- moves, constants, globals ----
    t.op("copy", h::copy, &[(A, Dst), (B, Slot)]);
    t.op("copy2", h::copy2, &[(A, Dst), (B, Slot), (CLo, Dst), (CHi, Slot)]);
    let copies: &'static [(Field, Kind)] = &[(A, Dst), (B, Slot), (CLo, Dst), (CHi, Slot)];
    t.with_trailer("copy4", h::copy4, copies, Trailer::One(copies));
    t.op("konst", h::konst, &[(A, Dst), (C, Cell)]);
    t.with_trailer("konst2", h::konst2, &[(A, Dst), (C, Cell)], Trailer::One(&[(A, Dst), (C, Cell)]));
    t.op("select", h::select, &[(A, Dst), (B, Slot), (CLo, Slot), (CHi, Slot)]);
    t.op("global_get", h::global_get, &[(A, Dst), (B, Global)]);
    t.op("global_set", h::global_set, &[(A, Global), (B, Slot)]);
    t.op("global_set_a", h::global_set_a, &[(A, Global), (B, Acc)]);
    t.op("global_set2_a", h::global_set2_a, &[(A, Global), (B, Acc), (CLo, Global)]);
    t.op("global_set3_a", h::global_set3_a, &[(A, Global), (B, Acc), (CLo, Global), (CHi, Global)]);
    t.op("global_set_imm", h::global_set_imm, &[(A, Global), (C, Cell)]);

    // ---- metering ----
    t.op("gas", h::gas, &[(C, Gas)]);
    t.op("gas_mem", h::gas_mem, &[(C, Gas)]);
    t.op("gas_len", h::gas_len, &[(A, Dst), (B, Slot), (C, UnitPrice)]);
    t.op("stack_enter", h::stack_enter, &[(C, Stack)]);
    t.op("stack_leave", h::stack_leave, &[(C, Stack)]);
    t.op("enter_gas", h::enter_gas, &[(A, Stack), (C, Gas)]);
    t.op("enter_gas_mem", h::enter_gas_mem, &[(A, Stack), (C, Gas)]);

    // ---- calls and returns ----
    let internal: &[(Field, Kind)] = &[(A, DefinedFunc), (B, Frame)];
    t.op("call_internal", h::call_internal, internal);
    t.op("call_internal_then_gas", h::call_internal_then_gas, internal);
    t.op("call_internal_entered", h::call_internal_entered, internal);
    t.op("call_internal_entered_then_gas", h::call_internal_entered_then_gas, internal);
    t.op("call_internal_entered_mem", h::call_internal_entered_mem, internal);
    t.op("call_internal_entered_mem_then_gas", h::call_internal_entered_mem_then_gas, internal);
    // The forms for callees without locals, which zero none (`fuse_entries` picks them).
    t.op("call_internal_entered.no_locals", h::call_internal_entered_nolocals, internal);
    t.op("call_internal_entered_then_gas.no_locals", h::call_internal_entered_then_gas_nolocals, internal);
    t.op("call_internal_entered_mem.no_locals", h::call_internal_entered_mem_nolocals, internal);
    t.op("call_internal_entered_mem_then_gas.no_locals", h::call_internal_entered_mem_then_gas_nolocals, internal);
    t.op("call_func", h::call_func, &[(A, Func), (B, Frame)]);
    t.op("call_indirect", h::call_indirect, &[(A, Table), (CHi, Slot), (CLo, Sig), (B, Frame)]);
    t.op("ret", h::ret, &[]);
    t.op("ret_slot", h::ret_slot, &[(B, Slot)]);
    t.op("ret_imm", h::ret_imm, &[(C, Cell)]);
    t.op("leave_ret", h::leave_ret, &[(A, Stack)]);
    t.op("leave_ret_slot", h::leave_ret_slot, &[(A, Stack), (B, Slot)]);
    t.op("leave_ret_imm", h::leave_ret_imm, &[(A, Stack), (C, Cell)]);

    // ---- memory ----
    for (name, load) in [
        ("i32_load", h::I32_LOAD),
        ("i64_load", h::I64_LOAD),
        ("i32_load8_s", h::I32_LOAD8_S),
        ("i32_load8_u", h::I32_LOAD8_U),
        ("i32_load16_s", h::I32_LOAD16_S),
        ("i32_load16_u", h::I32_LOAD16_U),
        ("i64_load8_s", h::I64_LOAD8_S),
        ("i64_load16_s", h::I64_LOAD16_S),
        ("i64_load32_s", h::I64_LOAD32_S),
    ] {
        t.op(name, load.plain, &[(A, Dst), (B, Slot), (C, Offset)]);
        t.op(&format!("{name}_a"), load.plain_acc, &[(A, Dst), (B, Acc), (C, Offset)]);
        t.op(&format!("{name}_add"), load.add, &[(A, Dst), (B, Slot), (CLo, AddImm), (CHi, Offset)]);
        t.op(&format!("{name}_add_a"), load.add_acc, &[(A, Dst), (B, Acc), (CLo, AddImm), (CHi, Offset)]);
    }
    for (name, store) in
        [("store32", h::STORE32), ("store64", h::STORE64), ("store8", h::STORE8), ("store16", h::STORE16)]
    {
        t.op(name, store.plain, &[(A, Slot), (B, Slot), (C, Offset)]);
        t.op(&format!("{name}_a"), store.plain_acc, &[(A, Slot), (B, Acc), (C, Offset)]);
        t.op(&format!("{name}_imm"), store.imm, &[(A, Slot), (C, Cell), (B, Offset)]);
        t.op(&format!("{name}_add"), store.add, &[(A, Slot), (CLo, AddImm), (B, Slot), (CHi, Offset)]);
        t.op(&format!("{name}_add_a"), store.add_acc, &[(A, Slot), (CLo, AddImm), (B, Acc), (CHi, Offset)]);
        t.op(&format!("{name}_imm_add"), store.imm_add, &[(A, Slot), (CLo, AddImm), (B, Cell), (CHi, Offset)]);
    }
    t.op("memory_size", h::memory_size, &[(A, Dst)]);
    t.op("memory_size_gas", h::memory_size_gas, &[(A, Dst), (C, UnitPrice)]);
    t.op("memory_fill", h::memory_fill, &[(A, Slot), (B, Slot), (C, Slot)]);
    t.op("memory_copy", h::memory_copy, &[(A, Slot), (B, Slot), (C, Slot)]);
    t.op("memory_init", h::memory_init, &[(A, Slot), (B, Slot), (CLo, Slot), (CHi, Data)]);
    t.op("data_drop", h::data_drop, &[(A, Data)]);

    // ---- tables and references ----
    t.op("table_get", h::table_get, &[(A, Dst), (B, Slot), (C, Table)]);
    t.op("table_set", h::table_set, &[(A, Slot), (B, Slot), (C, Table)]);
    t.op("table_size", h::table_size, &[(A, Dst), (C, Table)]);
    t.op("table_grow", h::table_grow, &[(A, Dst), (B, Slot), (CLo, Slot), (CHi, Table)]);
    t.op("table_fill", h::table_fill, &[(A, Slot), (B, Slot), (CLo, Slot), (CHi, Table)]);
    let bulk: &[(Field, Kind)] = &[(A, Slot), (B, Slot), (CLo, Slot)];
    t.with_trailer("table_copy", h::table_copy, bulk, Trailer::One(&[(A, Table), (B, Table)]));
    t.with_trailer("table_init", h::table_init, bulk, Trailer::One(&[(A, Table), (B, Elem)]));
    t.op("elem_drop", h::elem_drop, &[(A, Elem)]);
    t.op("ref_func", h::ref_func, &[(A, Dst), (B, Func)]);
    t.0
}

/// The table being built.
struct Builder(Vec<OpInfo>);

impl Builder {
    fn op(&mut self, name: &str, handler: Handler, operands: &[(Field, Kind)]) {
        self.with_trailer(name, handler, operands, Trailer::None);
    }

    fn with_trailer(&mut self, name: &str, handler: Handler, operands: &[(Field, Kind)], trailer: Trailer) {
        self.0.push(OpInfo { name: name.to_string(), handler, operands: operands.to_vec(), trailer });
    }

    /// A binary operator's forms: both operands in slots, the right one immediate, and the left
    /// one immediate (printed first, as the operator reads it).
    fn bin(&mut self, name: &str, bin: Bin, ty: Kind) {
        self.op(&format!("{name}_ss"), bin.ss, &[(A, Dst), (B, Slot), (C, Slot)]);
        self.op(&format!("{name}_si"), bin.si, &[(A, Dst), (B, Slot), (C, ty)]);
        if let Some(is) = bin.is {
            self.op(&format!("{name}_is"), is, &[(A, Dst), (C, ty), (B, Slot)]);
        }
        if let Some(acc) = bin.acc {
            self.op(&format!("{name}_as"), acc.slot, &[(A, Dst), (B, Acc), (C, Slot)]);
            self.op(&format!("{name}_ai"), acc.imm, &[(A, Dst), (B, Acc), (C, ty)]);
        }
    }

    /// A fused bit operation of slots `b` and `z` (the low half of `c`), with an operand of kind
    /// `hi` in the high half of `c` if it has one, in its accumulator forms too (see [`Fused`]).
    fn fused(&mut self, name: &str, forms: Fused, hi: Option<Kind>) {
        let with_hi = |operands: &[(Field, Kind)]| -> Vec<(Field, Kind)> {
            let mut all = operands.to_vec();
            all.extend(hi.map(|kind| (CHi, kind)));
            all
        };
        self.op(name, forms.plain, &with_hi(&[(A, Dst), (B, Slot), (CLo, Slot)]));
        self.op(&format!("{name}_a"), forms.b_acc, &with_hi(&[(A, Dst), (B, Acc), (CLo, Slot)]));
        self.op(&format!("{name}_za"), forms.z_acc, &with_hi(&[(A, Dst), (B, Slot), (CLo, Acc)]));
        if let Some(both) = forms.both_acc {
            self.op(&format!("{name}_aa"), both, &with_hi(&[(A, Dst), (B, Acc), (CLo, Acc)]));
        }
    }

    /// A compare-and-branch: `slot a <op> slot b` and `slot a <op> imm b`, in all four forms.
    fn cmp_branch(&mut self, name: &str, cmp: CmpBranch) {
        self.cond_branch(&format!("{name}_ss"), &cmp.ss, &[(A, Slot), (B, Slot)]);
        self.cond_branch(&format!("{name}_si"), &cmp.si, &[(A, Slot), (B, I32)]);
    }

    /// The four forms of a conditional branch testing `operands` (see [`CondBranch`]).
    fn cond_branch(&mut self, name: &str, branch: &CondBranch, operands: &[(Field, Kind)]) {
        let with = |target: Kind| [operands, &[(C, target)]].concat();
        self.op(name, branch.plain, &with(Branch));
        self.op(&format!("{name}.taken_pays"), branch.taken_pays, &with(ChargedBranch));
        self.op(&format!("{name}.falls_pays"), branch.falls_pays, &with(Branch));
        self.op(&format!("{name}.both_pay"), branch.both_pay, &with(ChargedBranch));
        self.op(&format!("{name}.taken_pays_mem"), branch.taken_pays_mem, &with(ChargedBranch));
        self.op(&format!("{name}.both_pay_mem"), branch.both_pay_mem, &with(ChargedBranch));
    }
}

/// The table in [`build`] order: an entry's position is its handler's *id*, what serialized code
/// ([`crate::module::serial`]) stores in place of the handler's address.
pub(crate) fn by_id() -> &'static [OpInfo] {
    static TABLE: OnceLock<Vec<OpInfo>> = OnceLock::new();
    TABLE.get_or_init(build)
}

/// `(handler address, id)` for every entry, sorted by address.
fn sorted() -> &'static [(usize, u16)] {
    static SORTED: OnceLock<Vec<(usize, u16)>> = OnceLock::new();
    SORTED.get_or_init(|| {
        let mut sorted: Vec<(usize, u16)> =
            by_id().iter().enumerate().map(|(id, info)| (info.handler as usize, id as u16)).collect();
        sorted.sort_unstable();
        sorted
    })
}

/// The id of `handler`: its position in [`by_id`], if the table has it.
pub(crate) fn id_of(handler: Handler) -> Option<u16> {
    let table = sorted();
    let at = table.binary_search_by_key(&(handler as usize), |(address, _)| *address).ok()?;
    table.get(at).map(|(_, id)| *id)
}

/// The table's entry for `handler`, if it has one.
pub(crate) fn lookup(handler: Handler) -> Option<&'static OpInfo> {
    by_id().get(usize::from(id_of(handler)?))
}

/// A fingerprint of the table's layout: every entry's name, operands and trailer, in id order
/// (FNV-1a, 64 bits). Serialized code records it, so code serialized by a build whose table
/// differs (an op added, removed, reordered or re-laid-out) is refused rather than misread.
pub(crate) fn fingerprint() -> u64 {
    static PRINT: OnceLock<u64> = OnceLock::new();
    *PRINT.get_or_init(|| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for b in bytes {
                hash ^= u64::from(*b);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        for info in by_id() {
            feed(info.name.as_bytes());
            feed(format!("{:?}{:?};", info.operands, info.trailer).as_bytes());
        }
        hash
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(
        miri,
        ignore = "Miri gives each use of a function an address of its own: handlers are not found by address"
    )]
    fn every_handler_has_an_address_and_a_name_of_its_own() {
        let table = build();
        let mut names: Vec<&str> = table.iter().map(|i| i.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "duplicate names in the op table");
        let shared: Vec<String> = sorted()
            .windows(2)
            .filter(|pair| pair[0].0 == pair[1].0)
            .map(|pair| format!("{} = {}", table[usize::from(pair[0].1)].name, table[usize::from(pair[1].1)].name))
            .collect();
        assert!(shared.is_empty(), "handlers with identical code (the names are ambiguous): {shared:?}");
        for info in &table {
            assert_eq!(lookup(info.handler).map(|i| i.name.as_str()), Some(info.name.as_str()));
        }
    }
}
