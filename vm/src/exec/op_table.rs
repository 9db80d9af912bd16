//! The op table: every handler the translator emits, with its name, in one list ([`build`]). An
//! entry names its handler (a typed [`Of`] constant) once; the operands it lists, and the data
//! ops that follow it, are the handler's layouts' ([`super::layout`]), so they are the ones the
//! handler reads and the translator writes. It is what makes translated code readable
//! ([`super::listing`]) and what serialized code is checked against; the hot path never
//! consults it.
//!
//! Handlers are found by address: an [`Op`](super::Op) holds nothing but its handler, so the
//! table is sorted by handler address once and searched. An entry's position in the table is the
//! handler's id, which serialized code stores instead of the address ([`by_id`], [`id_of`]).
//! Every handler is one function with one address (`handlers::handler!` makes them
//! `#[inline(never)]`) and has code of its own (two handlers with identical code would make the
//! name ambiguous, so there are none; a test checks that no two entries share an address), and
//! `conformance/tests/ir_listing.rs` checks that every op the translator emits for the spec
//! modules, plain and instrumented, is here. (Under Miri a function has no single address, and
//! ops print as unknown.)

use std::sync::OnceLock;

use super::handlers::{self as h, Bin, BranchForms, CmpBranch, Fused, FusedBits};
use super::layout::{Branching, ImmType, Layout, Of, Trailing};
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
    /// The word of a branch site's direction bit (`exec::Cx::sites`): `word=3`.
    SiteWord,
    /// A branch site's direction bit in its word, printed as its position: `bit=5`.
    SiteMask,
}

/// Ops that follow an op as its data rather than as code (their handler is `unreachable`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trailer {
    /// None: the next op is code.
    None,
    /// One data op with these operands.
    One(&'static [(Field, Kind)]),
    /// `br_table`: `targets + 1` ops (the targets, then the default; `layout::BrTable`), each
    /// a [`Kind::Branch`] in `c` relative to itself.
    BranchTable,
}

/// One handler of the table.
#[derive(Debug)]
pub(crate) struct OpInfo {
    /// The op's name: its handler's name, with the form for the branch families
    /// (`br_i32_lt_s_si.taken_pays`).
    pub name: String,
    /// The handler.
    pub handler: Handler,
    /// The operands the handler reads, in the order they are printed: its layout's
    /// (`Layout::OPERANDS`).
    pub operands: Vec<(Field, Kind)>,
    /// The data ops after it: its data layout's (`layout::Trailing`).
    pub trailer: Trailer,
}

/// The table, in no particular order. Each entry names a handler once (families of handlers
/// through their family's constant: [`Bin`], [`BranchForms`], ...).
pub(crate) fn build() -> Vec<OpInfo> {
    let mut t = Builder(Vec::with_capacity(512));

    // ---- arithmetic: `Bin` families ----
    bin(&mut t, "i32_add", h::I32_ADD);
    bin(&mut t, "i32_sub", h::I32_SUB);
    bin(&mut t, "i32_mul", h::I32_MUL);
    bin(&mut t, "i32_div_s", h::I32_DIV_S);
    bin(&mut t, "i32_div_u", h::I32_DIV_U);
    bin(&mut t, "i32_rem_s", h::I32_REM_S);
    bin(&mut t, "i32_rem_u", h::I32_REM_U);
    bin(&mut t, "i32_and", h::I32_AND);
    bin(&mut t, "i32_or", h::I32_OR);
    bin(&mut t, "i32_xor", h::I32_XOR);
    bin(&mut t, "i32_shl", h::I32_SHL);
    bin(&mut t, "i32_shr_s", h::I32_SHR_S);
    bin(&mut t, "i32_shr_u", h::I32_SHR_U);
    bin(&mut t, "i32_rotl", h::I32_ROTL);
    bin(&mut t, "i32_rotr", h::I32_ROTR);
    bin(&mut t, "i32_eq", h::I32_EQ);
    bin(&mut t, "i32_ne", h::I32_NE);
    bin(&mut t, "i32_lt_s", h::I32_LT_S);
    bin(&mut t, "i32_lt_u", h::I32_LT_U);
    bin(&mut t, "i32_gt_s", h::I32_GT_S);
    bin(&mut t, "i32_gt_u", h::I32_GT_U);
    bin(&mut t, "i32_le_s", h::I32_LE_S);
    bin(&mut t, "i32_le_u", h::I32_LE_U);
    bin(&mut t, "i32_ge_s", h::I32_GE_S);
    bin(&mut t, "i32_ge_u", h::I32_GE_U);
    bin(&mut t, "i64_add", h::I64_ADD);
    bin(&mut t, "i64_sub", h::I64_SUB);
    bin(&mut t, "i64_mul", h::I64_MUL);
    bin(&mut t, "i64_div_s", h::I64_DIV_S);
    bin(&mut t, "i64_div_u", h::I64_DIV_U);
    bin(&mut t, "i64_rem_s", h::I64_REM_S);
    bin(&mut t, "i64_rem_u", h::I64_REM_U);
    bin(&mut t, "i64_and", h::I64_AND);
    bin(&mut t, "i64_or", h::I64_OR);
    bin(&mut t, "i64_xor", h::I64_XOR);
    bin(&mut t, "i64_shl", h::I64_SHL);
    bin(&mut t, "i64_shr_s", h::I64_SHR_S);
    bin(&mut t, "i64_shr_u", h::I64_SHR_U);
    bin(&mut t, "i64_rotl", h::I64_ROTL);
    bin(&mut t, "i64_rotr", h::I64_ROTR);
    bin(&mut t, "i64_eq", h::I64_EQ);
    bin(&mut t, "i64_ne", h::I64_NE);
    bin(&mut t, "i64_lt_s", h::I64_LT_S);
    bin(&mut t, "i64_lt_u", h::I64_LT_U);
    bin(&mut t, "i64_gt_s", h::I64_GT_S);
    bin(&mut t, "i64_gt_u", h::I64_GT_U);
    bin(&mut t, "i64_le_s", h::I64_LE_S);
    bin(&mut t, "i64_le_u", h::I64_LE_U);
    bin(&mut t, "i64_ge_s", h::I64_GE_S);
    bin(&mut t, "i64_ge_u", h::I64_GE_U);
    bin(&mut t, "f32_add", h::F32_ADD);
    bin(&mut t, "f32_sub", h::F32_SUB);
    bin(&mut t, "f32_mul", h::F32_MUL);
    bin(&mut t, "f32_div", h::F32_DIV);
    bin(&mut t, "f32_min", h::F32_MIN);
    bin(&mut t, "f32_max", h::F32_MAX);
    bin(&mut t, "f32_copysign", h::F32_COPYSIGN);
    bin(&mut t, "f32_eq", h::F32_EQ);
    bin(&mut t, "f32_ne", h::F32_NE);
    bin(&mut t, "f32_lt", h::F32_LT);
    bin(&mut t, "f32_gt", h::F32_GT);
    bin(&mut t, "f32_le", h::F32_LE);
    bin(&mut t, "f32_ge", h::F32_GE);
    bin(&mut t, "f64_add", h::F64_ADD);
    bin(&mut t, "f64_sub", h::F64_SUB);
    bin(&mut t, "f64_mul", h::F64_MUL);
    bin(&mut t, "f64_div", h::F64_DIV);
    bin(&mut t, "f64_min", h::F64_MIN);
    bin(&mut t, "f64_max", h::F64_MAX);
    bin(&mut t, "f64_copysign", h::F64_COPYSIGN);
    bin(&mut t, "f64_eq", h::F64_EQ);
    bin(&mut t, "f64_ne", h::F64_NE);
    bin(&mut t, "f64_lt", h::F64_LT);
    bin(&mut t, "f64_gt", h::F64_GT);
    bin(&mut t, "f64_le", h::F64_LE);
    bin(&mut t, "f64_ge", h::F64_GE);

    // ---- unary ----
    macro_rules! unary {
        ($($name:ident)*) => {$( t.op(stringify!($name), h::$name); )*};
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
        ($($name:ident)*) => {$( t.op(stringify!($name), h::$name); )*};
    }
    unary_acc! {
        i32_eqz_a i32_clz_a i32_ctz_a i32_popcnt_a i32_extend8_s_a i32_extend16_s_a i32_wrap_i64_a
        i64_eqz_a i64_clz_a i64_ctz_a i64_popcnt_a i64_extend8_s_a i64_extend16_s_a i64_extend32_s_a
        f32_abs_a f32_neg_a f64_abs_a f64_neg_a
    }

    // ---- specialised and fused arithmetic ----
    t.op("i32_div_u_const", h::i32_div_u_const);
    t.op("i32_div_u_const_a", h::i32_div_u_const_a);
    t.op("i32_div_s_const", h::i32_div_s_const);
    t.op("i32_div_s_const_a", h::i32_div_s_const_a);
    t.op("i32_rem_u_const", h::i32_rem_u_const);
    t.op("i32_rem_u_const_a", h::i32_rem_u_const_a);
    t.op("i32_rem_s_const", h::i32_rem_s_const);
    t.op("i32_rem_s_const_a", h::i32_rem_s_const_a);
    t.op("i32_wrap_shr_u", h::i32_wrap_shr_u);
    t.op("i32_wrap_shr_u_a", h::i32_wrap_shr_u_a);
    for (name, forms) in [
        ("i64_xor_shl", h::I64_XOR_SHL),
        ("i64_xor_shr_u", h::I64_XOR_SHR_U),
        ("i64_xor_rotl", h::I64_XOR_ROTL),
        ("i64_rotl_xor", h::I64_ROTL_XOR),
    ] {
        fused(&mut t, name, forms);
    }
    fused_bits(&mut t, "i64_andn", h::I64_ANDN);
    t.op("i64_xor_andn", h::i64_xor_andn);
    t.op("f64_mul_add", h::f64_mul_add);
    t.op("f32_mul_add", h::f32_mul_add);

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
        cmp_branch(&mut t, name, cmp);
    }
    for (name, branch) in
        [("br_nez", h::BR_NEZ), ("br_eqz", h::BR_EQZ), ("br_i64_nez", h::BR_I64_NEZ), ("br_i64_eqz", h::BR_I64_EQZ)]
    {
        cond_branch(&mut t, name, &branch);
    }
    t.op("br", h::br);
    t.op("br_gas", h::br_gas);
    t.op("br_gas_mem", h::br_gas_mem);
    t.op("br_table", h::br_table);
    t.op("unreachable", h::unreachable);

    // ---- moves, constants, globals ----
    t.op("copy", h::copy);
    t.op("copy2", h::copy2);
    t.op("copy4", h::copy4);
    t.op("konst", h::konst);
    t.op("konst2", h::konst2);
    t.op("select", h::select);
    t.op("global_get", h::global_get);
    t.op("global_set", h::global_set);
    t.op("global_set_a", h::global_set_a);
    t.op("global_set2_a", h::global_set2_a);
    t.op("global_set3_a", h::global_set3_a);
    t.op("global_set_imm", h::global_set_imm);

    // ---- metering ----
    t.op("gas", h::charge);
    t.op("gas_mem", h::gas_mem);
    t.op("gas_len", h::gas_len);
    t.op("gas_len_imm", h::gas_len_imm);
    t.op("stack_enter", h::stack_enter);
    t.op("stack_leave", h::stack_leave);
    t.op("enter_gas", h::enter_gas);
    t.op("enter_gas_mem", h::enter_gas_mem);

    // ---- calls and returns ----
    t.op("call_internal", h::call_internal);
    t.op("call_internal_then_gas", h::call_internal_then_gas);
    t.op("call_internal_entered", h::call_internal_entered);
    t.op("call_internal_entered_then_gas", h::call_internal_entered_then_gas);
    t.op("call_internal_entered_mem", h::call_internal_entered_mem);
    t.op("call_internal_entered_mem_then_gas", h::call_internal_entered_mem_then_gas);
    // The forms for callees without locals, which zero none (`fuse_entries` picks them).
    t.op("call_internal_entered.no_locals", h::call_internal_entered_nolocals);
    t.op("call_internal_entered_then_gas.no_locals", h::call_internal_entered_then_gas_nolocals);
    t.op("call_internal_entered_mem.no_locals", h::call_internal_entered_mem_nolocals);
    t.op("call_internal_entered_mem_then_gas.no_locals", h::call_internal_entered_mem_then_gas_nolocals);
    t.op("call_func", h::call_func);
    t.op("call_indirect", h::call_indirect);
    t.op("ret", h::ret_plain);
    t.op("ret_slot", h::ret_slot);
    t.op("ret_imm", h::ret_imm);
    t.op("leave_ret", h::leave_ret);
    t.op("leave_ret_slot", h::leave_ret_slot);
    t.op("leave_ret_imm", h::leave_ret_imm);

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
        t.op(name, load.plain);
        t.op(&format!("{name}_a"), load.plain_acc);
        t.op(&format!("{name}_add"), load.add);
        t.op(&format!("{name}_add_a"), load.add_acc);
    }
    for (name, store) in
        [("store32", h::STORE32), ("store64", h::STORE64), ("store8", h::STORE8), ("store16", h::STORE16)]
    {
        t.op(name, store.plain);
        t.op(&format!("{name}_a"), store.plain_acc);
        t.op(&format!("{name}_imm"), store.imm);
        t.op(&format!("{name}_add"), store.add);
        t.op(&format!("{name}_add_a"), store.add_acc);
        t.op(&format!("{name}_imm_add"), store.imm_add);
    }
    t.op("memory_size", h::memory_size);
    t.op("memory_size_gas", h::memory_size_gas);
    t.op("memory_fill", h::memory_fill);
    t.op("memory_copy", h::memory_copy);
    t.op("memory_init", h::memory_init);
    t.op("data_drop", h::data_drop);

    // ---- tables and references ----
    t.op("table_get", h::table_get);
    t.op("table_set", h::table_set);
    t.op("table_size", h::table_size);
    t.op("table_grow", h::table_grow);
    t.op("table_fill", h::table_fill);
    t.op("table_copy", h::table_copy);
    t.op("table_init", h::table_init);
    t.op("elem_drop", h::elem_drop);
    t.op("ref_func", h::ref_func);
    // Last, so that every other handler's id is what it is in a build without the feature.
    #[cfg(feature = "branch-census")]
    t.op("census_site", h::census_site);
    t.0
}

/// The table being built.
struct Builder(Vec<OpInfo>);

impl Builder {
    /// An entry: its name and handler; its operands and trailer are the handler's layouts'.
    fn op<L: Layout, D: Trailing>(&mut self, name: &str, handler: Of<L, D>) {
        let (operands, trailer) = (L::OPERANDS.to_vec(), D::TRAILER);
        self.0.push(OpInfo { name: name.to_string(), handler: handler.handler(), operands, trailer });
    }
}

/// A binary operator's forms: both operands in slots (`_ss`), the right one immediate (`_si`),
/// the left one immediate (`_is`, printed first, as the operator reads it), and the left one in
/// the accumulator (`_as`, `_ai`).
fn bin<T: ImmType>(t: &mut Builder, name: &str, bin: Bin<T>) {
    t.op(&format!("{name}_ss"), bin.ss);
    t.op(&format!("{name}_si"), bin.si);
    if let Some(is) = bin.is {
        t.op(&format!("{name}_is"), is);
    }
    if let Some(acc) = bin.acc {
        t.op(&format!("{name}_as"), acc.slot);
        t.op(&format!("{name}_ai"), acc.imm);
    }
}

/// A fused bit operation, in its accumulator forms too (see [`Fused`]).
fn fused(t: &mut Builder, name: &str, forms: Fused) {
    t.op(name, forms.plain);
    t.op(&format!("{name}_a"), forms.b_acc);
    t.op(&format!("{name}_za"), forms.z_acc);
    if let Some(both) = forms.both_acc {
        t.op(&format!("{name}_aa"), both);
    }
}

/// [`fused`] for a [`FusedBits`].
fn fused_bits(t: &mut Builder, name: &str, forms: FusedBits) {
    t.op(name, forms.plain);
    t.op(&format!("{name}_a"), forms.b_acc);
    t.op(&format!("{name}_za"), forms.z_acc);
}

/// A compare-and-branch: `slot <op> slot` and `slot <op> imm`, in all their forms.
fn cmp_branch(t: &mut Builder, name: &str, cmp: CmpBranch) {
    cond_branch(t, &format!("{name}_ss"), &cmp.ss);
    cond_branch(t, &format!("{name}_si"), &cmp.si);
}

/// The forms of a conditional branch (see [`BranchForms`]), and its site forms
/// (`{name}.site…`: the op's taken way is the Wasm branch; `{name}.site_not…`: its fallthrough).
fn cond_branch<P: Branching>(t: &mut Builder, name: &str, branch: &BranchForms<P>) {
    forms(t, name, branch);
    if let Some([site, site_not]) = branch.site {
        forms(t, &format!("{name}.site"), site);
        forms(t, &format!("{name}.site_not"), site_not);
    }
}

/// The six forms of a [`BranchForms`], named after `name`.
fn forms<P: Branching, D: Trailing>(t: &mut Builder, name: &str, branch: &BranchForms<P, D>) {
    t.op(name, branch.plain);
    t.op(&format!("{name}.taken_pays"), branch.taken_pays);
    t.op(&format!("{name}.falls_pays"), branch.falls_pays);
    t.op(&format!("{name}.both_pay"), branch.both_pay);
    t.op(&format!("{name}.taken_pays_mem"), branch.taken_pays_mem);
    t.op(&format!("{name}.both_pay_mem"), branch.both_pay_mem);
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

    /// Every operand list of the table and its trailers: the op's, and its data op's.
    fn operand_lists() -> Vec<(String, Vec<(Field, Kind)>)> {
        let mut lists = Vec::new();
        for info in build() {
            match info.trailer {
                Trailer::None => {}
                Trailer::One(data) => lists.push((format!("{} data", info.name), data.to_vec())),
                Trailer::BranchTable => {
                    lists.push((format!("{} entry", info.name), vec![(Field::C, Kind::Branch)]));
                }
            }
            lists.push((info.name, info.operands));
        }
        lists
    }

    /// The conventions the translator's in-place rewrites rely on (`layout::result_slot`,
    /// `layout::set_target`): an op that writes a slot writes it from `a` first, and a branch
    /// target is all of `c`. And no two operands of a layout share bits.
    #[test]
    fn layouts_keep_results_in_a_and_targets_in_c_and_never_overlap() {
        let lanes = |field: Field| -> u128 {
            match field {
                Field::A => 0xffff_ffff,
                Field::B => 0xffff_ffff << 32,
                Field::C => 0xffff_ffff_ffff_ffff << 64,
                Field::CLo => 0xffff_ffff << 64,
                Field::CHi => 0xffff_ffff << 96,
            }
        };
        for (name, operands) in operand_lists() {
            if operands.iter().any(|&(_, kind)| kind == Kind::Dst) {
                assert_eq!(operands.first(), Some(&(Field::A, Kind::Dst)), "{name}: a written slot not first, in `a`");
            }
            for &(field, kind) in &operands {
                if matches!(kind, Kind::Branch | Kind::ChargedBranch) {
                    assert_eq!(field, Field::C, "{name}: a branch target not in all of `c`");
                }
            }
            let mut used = 0u128;
            for &(field, _) in &operands {
                assert_eq!(used & lanes(field), 0, "{name}: operands share bits: {operands:?}");
                used |= lanes(field);
            }
        }
    }

    /// The forms of a conditional branch differ only in their target, so the translator may
    /// switch an op between them in place (`handlers::CondBranch`).
    #[test]
    fn the_forms_of_a_branch_differ_only_in_their_target() {
        let table = build();
        let mut checked = 0;
        for plain in table.iter().filter(|i| i.name.starts_with("br_") && !i.name.contains('.')) {
            for form in table.iter().filter(|i| i.name.starts_with(&format!("{}.", plain.name))) {
                let charged = |operands: &[(Field, Kind)]| -> Vec<(Field, Kind)> {
                    operands
                        .iter()
                        .map(|&(field, kind)| (field, if kind == Kind::Branch { Kind::ChargedBranch } else { kind }))
                        .collect()
                };
                assert_eq!(charged(&form.operands), charged(&plain.operands), "{} and {}", plain.name, form.name);
                checked += 1;
            }
        }
        assert_eq!(
            checked,
            (5 + 2 * 6) * (2 * 20 + 4),
            "every conditional branch's five other forms, and its site forms"
        );
    }
}
