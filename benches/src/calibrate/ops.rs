//! The operator probes: every operator class on its worst-case operands, in calibration order
//! (a probe's helpers belong to classes whose probes all come before it).
//!
//! Worst cases, by class: random branch conditions and targets (half mispredicted), a table of
//! 4096 functions for `call_indirect`, quotients of 62 bits for integer division (divisors in
//! locals, so the translator cannot use a reciprocal), subnormal operands and results for float
//! arithmetic (the x86-64 microcode assist), NaN and out-of-range operands for rounding and
//! conversions, and dependent loads on addresses that miss the caches over memories of 1 to 256
//! pages.

use super::host::{call_with, caller_text};
use super::kernel::{bits, chain_binary, chain_unary, independent, Kernel};
use super::probe::{pick, warm_call, wat, Ctx, Probe, Series};
use super::terms::{DynTerm, OpClass, Term};
use super::Scale;
use crate::attacks;

/// Bits of a subnormal `f64` (about 2^-1050).
const F64_SUB: u64 = attacks::SUBNORMAL;
/// Bits of a subnormal `f32` (about 2^-137.6).
const F32_SUB: u64 = attacks::F32_SUBNORMAL as u64;
/// Bits of an `f64` NaN with a payload (results must be canonicalized).
const F64_NAN: u64 = 0x7ff4_0000_0000_0001;
/// Bits of an `f32` NaN with a payload.
const F32_NAN: u64 = 0x7fa0_0001;
/// Bits of 1.5 as `f64` and `f32`.
const F64_ONE_HALF: u64 = 0x3ff8_0000_0000_0000;
const F32_ONE_HALF: u64 = 0x3fc0_0000;

/// Iterations of a kernel whose unit is one cheap operator (≈ 1 ms at 32 units).
const CHEAP: u32 = 40_000;
/// Iterations of a kernel whose unit takes tens of nanoseconds.
const SLOW: u32 = 4_000;

fn op(class: OpClass) -> Term {
    Term::Op(class)
}

/// Every operator probe, in calibration order.
pub fn probes(scale: Scale) -> Vec<Probe> {
    let mut all = Vec::new();
    all.extend(simple(scale));
    all.extend(alu(scale));
    all.extend(globals(scale));
    all.extend(calls(scale));
    all.extend(branch_changes(scale));
    all.extend(branches(scale));
    all.extend(int_div(scale));
    all.extend(floats(scale));
    all.extend(tables_and_br_table(scale));
    all.extend(memory_access(scale));
    all.extend(bulk(scale));
    all.extend(dynamic(scale));
    all
}

fn simple(scale: Scale) -> Vec<Probe> {
    let t = op(OpClass::Simple);
    let locals = "(local $a i64) (local $b i64) (local $c i64)";
    vec![
        Kernel::new("local.get $a local.set $b", CHEAP).locals(locals).probe(
            "simple/local.get+local.set",
            t,
            "copies between locals",
            scale,
        ),
        Kernel::new("i64.const 0x123456789 local.set $b", CHEAP).locals(locals).probe(
            "simple/const+local.set",
            t,
            "constants into a local",
            scale,
        ),
        Kernel::new("local.get $a local.tee $b local.set $c", CHEAP).locals(locals).probe(
            "simple/local.tee",
            t,
            "a copy through local.tee",
            scale,
        ),
        Kernel::new("local.get $a drop", CHEAP).locals(locals).probe("simple/drop", t, "a value dropped", scale),
        Kernel::new("nop", CHEAP).probe("simple/nop", t, "nop", scale),
        Kernel::new("block end", CHEAP).probe("simple/block", t, "empty blocks", scale),
        Kernel::new("ref.null func drop", CHEAP).probe("simple/ref.null", t, "null references dropped", scale),
    ]
}

const I32_BINARY: [&str; 11] = ["add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"];
const COMPARE: [&str; 10] = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];
const FLOAT_COMPARE: [&str; 6] = ["eq", "ne", "lt", "gt", "le", "ge"];

fn alu(scale: Scale) -> Vec<Probe> {
    let t = op(OpClass::Alu);
    let mut all = Vec::new();
    for name in I32_BINARY {
        let k = chain_binary("i32", name, 0x1234_5678, 0x9e37_79b9, CHEAP);
        all.push(k.probe(format!("alu/i32.{name}"), t, "a dependent chain, large operands", scale));
        let k = chain_binary("i64", name, 0x1234_5678_9abc_def1, 0x9e37_79b9_7f4a_7c15, CHEAP);
        all.push(k.probe(format!("alu/i64.{name}"), t, "a dependent chain, large operands", scale));
    }
    for name in COMPARE {
        let k = chain_binary("i32", name, 0x1234_5678, 0x8765_4321, CHEAP);
        all.push(k.probe(format!("alu/i32.{name}"), t, "a dependent chain", scale));
        let k = independent(&format!("i64.{name}"), &[("i64", 0x8000_0000_0000_0001), ("i64", 7)], "i32", CHEAP);
        all.push(k.probe(format!("alu/i64.{name}"), t, "operands from locals", scale));
    }
    for ty in ["i32", "i64"] {
        for name in ["extend8_s", "extend16_s"] {
            let k = chain_unary(ty, name, 0x0000_0000_0001_8000, CHEAP);
            all.push(k.probe(format!("alu/{ty}.{name}"), t, "a dependent chain", scale));
        }
    }
    all.push(chain_unary("i64", "extend32_s", 0x8000_0000, CHEAP).probe("alu/i64.extend32_s", t, "a chain", scale));
    all.push(chain_unary("i32", "eqz", 0, CHEAP).probe("alu/i32.eqz", t, "a dependent chain", scale));
    let widths: [(&str, &str, &str); 7] = [
        ("i64.eqz", "i64", "i32"),
        ("i32.wrap_i64", "i64", "i32"),
        ("i64.extend_i32_s", "i32", "i64"),
        ("i64.extend_i32_u", "i32", "i64"),
        ("i32.reinterpret_f32", "f32", "i32"),
        ("i64.reinterpret_f64", "f64", "i64"),
        ("f64.reinterpret_i64", "i64", "f64"),
    ];
    for (name, from, to) in widths {
        let k = independent(name, &[(from, 0x8000_0000_8000_0001)], to, CHEAP);
        all.push(k.probe(format!("alu/{name}"), t, "an operand from a local", scale));
    }
    let k = independent("f32.reinterpret_i32", &[("i32", 0x8000_0001)], "f32", CHEAP);
    all.push(k.probe("alu/f32.reinterpret_i32", t, "an operand from a local", scale));
    for (ty, nan, one) in [("f32", F32_NAN, F32_ONE_HALF), ("f64", F64_NAN, F64_ONE_HALF)] {
        for name in ["abs", "neg"] {
            let k = chain_unary(ty, name, nan, CHEAP);
            all.push(k.probe(format!("alu/{ty}.{name}"), t, "a chain on a NaN", scale));
        }
        let k = chain_binary(ty, "copysign", nan, one | 1 << if ty == "f32" { 31 } else { 63 }, CHEAP);
        all.push(k.probe(format!("alu/{ty}.copysign"), t, "a chain on a NaN", scale));
        for name in FLOAT_COMPARE {
            let k = independent(&format!("{ty}.{name}"), &[(ty, one), (ty, nan)], "i32", CHEAP);
            all.push(k.probe(format!("alu/{ty}.{name}"), t, "a NaN operand", scale));
        }
    }
    for (name, instr) in [("select", "select"), ("select-typed", "select (result i64)")] {
        let k = Kernel::each(
            move |j| {
                format!(
                    "local.get $a local.get $b (i32.and (local.get $r) (i32.const {})) {instr} local.set $a",
                    1u32 << j
                )
            },
            CHEAP,
        )
        .locals("(local $a i64) (local $b i64)")
        .setup("(local.set $b (i64.const 7))")
        .random();
        all.push(k.probe(format!("alu/{name}"), t, "a random condition", scale));
    }
    let k = Kernel::new("memory.size local.set $o", CHEAP).module("(memory 1)").locals("(local $o i32)");
    all.push(k.probe("alu/memory.size", t, "memory.size", scale));
    let k = Kernel::new("table.size local.set $o", CHEAP).module("(table 16 funcref)").locals("(local $o i32)");
    all.push(k.probe("alu/table.size", t, "table.size", scale));
    let k = Kernel::new("ref.func $f ref.is_null local.set $o", CHEAP)
        .module("(func $f) (elem declare func $f)")
        .locals("(local $o i32)");
    all.push(k.probe("alu/ref.func+ref.is_null", t, "a function reference tested", scale));
    for ty in ["i32", "i64"] {
        // All bits set: a software count does the most work (the result feeds the next count).
        let k = chain_unary(ty, "popcnt", u64::MAX, CHEAP);
        all.push(k.probe(format!("popcnt/{ty}.popcnt"), op(OpClass::Popcnt), "a dependent chain", scale));
        for name in ["clz", "ctz"] {
            let k = chain_unary(ty, name, 0x0000_0000_0001_8000, CHEAP);
            all.push(k.probe(format!("popcnt/{ty}.{name}"), op(OpClass::Popcnt), "a dependent chain", scale));
        }
    }
    all
}

fn globals(scale: Scale) -> Vec<Probe> {
    let t = op(OpClass::Global);
    let module = "(global $a (mut i64) (i64.const 1)) (global $b (mut i64) (i64.const 2))";
    vec![
        Kernel::new("global.get $a global.set $b", CHEAP).module(module).probe(
            "global/get+set",
            t,
            "copies between mutable globals",
            scale,
        ),
        Kernel::new("global.get $a i64.const 1 i64.add global.set $a", CHEAP).module(module).probe(
            "global/increment",
            t,
            "a dependent chain through a global",
            scale,
        ),
    ]
}

fn calls(scale: Scale) -> Vec<Probe> {
    let t = op(OpClass::Call);
    vec![
        // First: its count of `call` is the same at every size, so it does not depend on the
        // call's price, and `call/identity` (one parameter) then sees its per-parameter price.
        Probe::new(
            "call-per-param/i64-params",
            Term::CallPerParam,
            "8 calls per iteration of a function of x i64 parameters, every argument pushed by `local.get`",
            "parameters of the callee",
            pick(scale, vec![0, 32, 64, 96, 128], vec![0, 64, 128], vec![0, 8, 16]),
            |ctx: &Ctx, params| {
                let callee = match params {
                    0 => "(func $f)".to_string(),
                    n => format!("(func $f (param {}))", "i64 ".repeat(n as usize)),
                };
                let unit = Kernel::new(format!("{}call $f", "local.get $a ".repeat(params as usize)), 2_000)
                    .module(callee)
                    .locals("(local $a i64)");
                warm_call(ctx, wat("call-per-param", &unit.text(8, ctx.scale))?)
            },
        ),
        Kernel::new("call $f", CHEAP / 4).module("(func $f)").probe("call/empty", t, "an empty function", scale),
        Kernel::new("local.get $x call $id local.set $x", CHEAP / 4)
            .module("(func $id (param i64) (result i64) local.get 0)")
            .locals("(local $x i64)")
            .probe("call/identity", t, "a function of one parameter and one result", scale),
        Probe::new(
            "per-local/zeroed",
            Term::PerLocal,
            "8 calls per iteration of a function declaring x i64 locals",
            "locals of the callee",
            pick(scale, vec![0, 256, 512, 768, 1024], vec![0, 512, 1024], vec![0, 16, 32]),
            |ctx: &Ctx, locals| {
                let callee = match locals {
                    0 => "(func $f)".to_string(),
                    n => format!("(func $f (local {}))", "i64 ".repeat(n as usize)),
                };
                let unit = Kernel::new("call $f", 2_000).module(callee);
                warm_call(ctx, wat("per-local", &unit.text(8, ctx.scale))?)
            },
        ),
    ]
}

/// `branch_change`: 16 conditional branches an iteration, `x` of them on random bits (a change of
/// direction about every other run, each a hardware mispredict) and the rest on a constant 0
/// (never taken, never a change). Every `x` runs the same operators, so the slope is the time of
/// a change alone, and `op.branch` (priced after, by probes that count changes) is constant.
fn branch_changes(scale: Scale) -> Vec<Probe> {
    const SITES: u32 = 16;
    let t = Term::BranchChange;
    /// A probe's name, its branch in words, and its unit for a condition mask.
    type Form = (&'static str, &'static str, fn(u32) -> String);
    let forms: [Form; 2] = [
        ("branch-change/br_if", "br_if", |mask| {
            format!("(block (br_if 0 (i32.and (local.get $r) (i32.const {mask}))))")
        }),
        ("branch-change/if-else", "if/else", |mask| {
            format!("(if (i32.and (local.get $r) (i32.const {mask})) (then nop) (else nop))")
        }),
    ];
    let xs = pick(scale, vec![0, 4, 8, 12, 16], vec![0, 8, 16], vec![0, 2, 4]);
    forms
        .into_iter()
        .map(|(name, what, unit)| {
            let label = name.to_string();
            Probe::new(
                name,
                t,
                format!("{SITES} {what} an iteration, x of them on random bits, the rest never taken"),
                "random sites",
                xs.clone(),
                move |ctx: &Ctx, x| {
                    let kernel = Kernel::each(move |j| unit(if j < x { 1 << j } else { 0 }), CHEAP).random();
                    warm_call(ctx, wat(&label, &kernel.text(SITES, ctx.scale))?)
                },
            )
        })
        .collect()
}

fn branches(scale: Scale) -> Vec<Probe> {
    let t = op(OpClass::Branch);
    let bit = |j: u32| 1u32 << j;
    vec![
        Kernel::each(move |j| format!("(block (br_if 0 (i32.and (local.get $r) (i32.const {}))))", bit(j)), CHEAP)
            .random()
            .probe("branch/br_if", t, "taken or not at random", scale),
        Kernel::each(
            move |j| format!("(if (i32.and (local.get $r) (i32.const {})) (then nop) (else nop))", bit(j)),
            CHEAP,
        )
        .random()
        .probe("branch/if-else", t, "a random condition", scale),
        Kernel::new("(block (br 0))", CHEAP).probe("branch/br", t, "br out of a block", scale),
        Kernel::new("(loop)", CHEAP).probe("branch/loop", t, "loops entered once", scale),
        Kernel::new("call $ret", CHEAP / 4).module("(func $ret return)").probe(
            "branch/return",
            t,
            "an explicit return from a called function",
            scale,
        ),
    ]
}

fn int_div(scale: Scale) -> Vec<Probe> {
    let t = op(OpClass::IntDiv);
    // x = (x / v) · v keeps x a multiple of 3 as large as its type holds: the longest quotient.
    let divs: [(&str, &str, u64); 4] = [
        ("i64", "div_u", 12_157_665_459_056_928_801),
        ("i64", "div_s", (-4_052_555_153_018_976_267i64) as u64),
        ("i32", "div_u", 3_486_784_401),
        ("i32", "div_s", (-1_162_261_467i32) as u32 as u64),
    ];
    let mut all = Vec::new();
    for (ty, name, x) in divs {
        let k = Kernel::new(format!("local.get $v {ty}.{name} local.get $v {ty}.mul"), CHEAP / 2)
            .locals(format!("(local $acc {ty}) (local $v {ty})"))
            .setup(format!("(local.set $acc {}) (local.set $v {})", bits(ty, x), bits(ty, 3)))
            .around("local.get $acc", "local.set $acc");
        all.push(k.probe(format!("int-div/{ty}.{name}"), t, "a dividend near the type's limit, divisor 3", scale));
    }
    // x = (x ^ big) rem 3: the dividend stays near the limit.
    for (ty, name, big) in [
        ("i64", "rem_u", u64::MAX - 15),
        ("i64", "rem_s", 0x8000_0000_0000_0328),
        ("i32", "rem_u", 0xffff_fff0),
        ("i32", "rem_s", 0x8000_0328),
    ] {
        let k = Kernel::new(format!("local.get $big {ty}.xor local.get $v {ty}.{name}"), CHEAP / 2)
            .locals(format!("(local $acc {ty}) (local $v {ty}) (local $big {ty})"))
            .setup(format!("(local.set $big {}) (local.set $v {})", bits(ty, big), bits(ty, 3)))
            .around("local.get $acc", "local.set $acc");
        all.push(k.probe(format!("int-div/{ty}.{name}"), t, "a dividend near the type's limit, divisor 3", scale));
    }
    all
}

fn floats(scale: Scale) -> Vec<Probe> {
    let mut all = Vec::new();
    let round = op(OpClass::FloatRound);
    for (ty, nan, one, value) in
        [("f32", F32_NAN, F32_ONE_HALF, 0x4640_e6b7u64), ("f64", F64_NAN, F64_ONE_HALF, 0x40c8_1cd6_c8b4_3958)]
    {
        for name in ["min", "max"] {
            let k = chain_binary(ty, name, one, nan, CHEAP);
            all.push(k.probe(format!("float-round/{ty}.{name}"), round, "a NaN operand", scale));
        }
        for name in ["ceil", "floor", "trunc", "nearest"] {
            let k = independent(&format!("{ty}.{name}"), &[(ty, value)], ty, CHEAP);
            all.push(k.probe(format!("float-round/{ty}.{name}"), round, "a value with a fraction", scale));
        }
    }
    let convert = op(OpClass::Convert);
    // Operands at the edges of the ranges: the largest in-range values of the trapping
    // truncations, out-of-range ones for the saturating ones, integers that need rounding.
    let conversions: [(&str, &str, u64, &str); 26] = [
        ("i32.trunc_f32_s", "f32", 0xcf00_0000, "i32"),
        ("i32.trunc_f32_u", "f32", 0x4f7f_ffff, "i32"),
        ("i32.trunc_f64_s", "f64", 0xc1e0_0000_001c_cccd, "i32"),
        ("i32.trunc_f64_u", "f64", 0x41ef_ffff_fffc_cccd, "i32"),
        ("i64.trunc_f32_s", "f32", 0xdf00_0000, "i64"),
        ("i64.trunc_f32_u", "f32", 0x5f7f_ffff, "i64"),
        ("i64.trunc_f64_s", "f64", 0xc3e0_0000_0000_0000, "i64"),
        ("i64.trunc_f64_u", "f64", 0x43ef_ffff_ffff_ffff, "i64"),
        ("i32.trunc_sat_f32_s", "f32", F32_NAN, "i32"),
        ("i32.trunc_sat_f32_u", "f32", 0x7f7f_ffff, "i32"),
        ("i32.trunc_sat_f64_s", "f64", F64_NAN, "i32"),
        ("i32.trunc_sat_f64_u", "f64", 0x7e37_e43c_8800_759c, "i32"),
        ("i64.trunc_sat_f32_s", "f32", 0xff7f_ffff, "i64"),
        ("i64.trunc_sat_f32_u", "f32", F32_NAN, "i64"),
        ("i64.trunc_sat_f64_s", "f64", 0x7e37_e43c_8800_759c, "i64"),
        ("i64.trunc_sat_f64_u", "f64", F64_NAN, "i64"),
        ("f32.convert_i32_s", "i32", 0x8000_0001, "f32"),
        ("f32.convert_i32_u", "i32", 0xffff_ffff, "f32"),
        ("f32.convert_i64_s", "i64", 0x8000_0080_0000_0001, "f32"),
        ("f32.convert_i64_u", "i64", 0x8000_0080_0000_0001, "f32"),
        ("f64.convert_i32_s", "i32", 0x8000_0001, "f64"),
        ("f64.convert_i32_u", "i32", 0xffff_ffff, "f64"),
        ("f64.convert_i64_s", "i64", 0x8000_0000_0000_0401, "f64"),
        ("f64.convert_i64_u", "i64", 0xffff_ffff_ffff_ffff, "f64"),
        ("f32.demote_f64", "f64", 0x3730_0000_0000_0001, "f32"),
        ("f64.promote_f32", "f32", F32_SUB, "f64"),
    ];
    for (name, from, value, to) in conversions {
        let k = independent(name, &[(from, value)], to, CHEAP);
        all.push(k.probe(format!("convert/{name}"), convert, "an operand at a range edge", scale));
    }
    let add = op(OpClass::FloatAdd);
    // Every operand and result subnormal: x ± s, s a few units in the last place.
    for (ty, x, s) in [("f64", F64_SUB, 0x10), ("f32", F32_SUB, 1)] {
        for name in ["add", "sub"] {
            let k = chain_binary(ty, name, x, s, CHEAP / 2);
            all.push(k.probe(format!("float-add/{ty}.{name}"), add, "subnormal operands and results", scale));
        }
    }
    let k = chain_binary("f64", "add", F64_ONE_HALF, 0x3ddb_7cdf_d9d7_bdbb, CHEAP / 2);
    all.push(k.probe("float-add/f64.add-normal", add, "normal operands (latency)", scale));
    let mul = op(OpClass::FloatMul);
    let div = op(OpClass::FloatDiv);
    for (ty, x) in [("f64", F64_SUB), ("f32", F32_SUB)] {
        let chain = |op: &str, a: &str, b: &str| {
            Kernel::new(format!("{ty}.const {a} {ty}.{op} {ty}.const {b} {ty}.{op}"), SLOW)
                .locals(format!("(local $acc {ty})"))
                .setup(format!("(local.set $acc {})", bits(ty, x)))
                .around("local.get $acc", "local.set $acc")
        };
        all.push(chain("mul", "2", "0.5").probe(format!("float-mul/{ty}.mul"), mul, "subnormal operands", scale));
        all.push(chain("div", "0.5", "2").probe(format!("float-div/{ty}.div"), div, "subnormal operands", scale));
    }
    // Normal operands, subnormal results: x shrunk by 2^40, then its exponent set back.
    for (name, class, instr) in [("mul", mul, "f64.const 0x1p-40 f64.mul"), ("div", div, "f64.const 0x1p40 f64.div")] {
        let k = Kernel::new(
            format!(
                "{instr} i64.reinterpret_f64 i64.const 0xfffffffffffff i64.and i64.const {} i64.or f64.reinterpret_i64",
                (attacks::UNDERFLOW_EXPONENT as u64) << 52
            ),
            SLOW,
        )
        .locals("(local $acc f64)")
        .setup(format!("(local.set $acc {})", bits("f64", ((attacks::UNDERFLOW_EXPONENT as u64) << 52) | 0xa001)))
        .around("local.get $acc", "local.set $acc");
        let input = "normal operands, subnormal results";
        all.push(k.probe(format!("float-{name}/f64.{name}-subnormal-result"), class, input, scale));
    }
    let sqrt = op(OpClass::FloatSqrt);
    for (ty, x) in [("f64", F64_SUB), ("f32", F32_SUB)] {
        let k = independent(&format!("{ty}.sqrt"), &[(ty, x)], ty, SLOW);
        all.push(k.probe(format!("float-sqrt/{ty}.sqrt"), sqrt, "a subnormal operand", scale));
    }
    all
}

/// The index of unit `j` into a table of 4096 entries: 12 random bits.
fn random_index(j: u32, mask: u32) -> String {
    format!("(i32.and (i32.rotl (local.get $r) (i32.const {j})) (i32.const {mask}))")
}

fn tables_and_br_table(scale: Scale) -> Vec<Probe> {
    let mut all = vec![Kernel::each(
        |j| format!("(table.set (i32.const {}) (table.get (i32.const {})))", (j * 1031 + 7) % 4096, (j * 2053) % 4096),
        CHEAP / 2,
    )
    .module("(table 4096 funcref)")
    .probe("table-access/get+set", op(OpClass::TableAccess), "copies between entries of a 4096-entry table", scale)];
    // br_table over x labels (a power of two), spread over 16 nested blocks, the index random:
    // the jump table is as large as the labels allow and each jump is hard to predict.
    all.push(Probe::new(
        "br-table-per-target/random",
        Term::BrTablePerTarget,
        "8 br_tables per iteration, each to one of x labels at random",
        "labels of each br_table",
        pick(scale, vec![16, 2048, 4096, 6144, 8192], vec![16, 4096, 8192], vec![16, 32, 64]),
        |ctx: &Ctx, labels| {
            let unit = move |j: u32| {
                let targets: String = (0..labels).map(|k| format!(" {}", k % 16)).collect();
                format!(
                    "{} (br_table{targets} 0 {}) {}",
                    "(block ".repeat(16),
                    random_index(j, labels.next_power_of_two() - 1),
                    ")".repeat(16)
                )
            };
            let k = Kernel::each(unit, 1_000).random();
            warm_call(ctx, wat("br-table-per-target", &k.text(8, ctx.scale))?)
        },
    ));
    all.push(
        Kernel::each(|j| format!("(block (block (br_table 0 1 {})))", random_index(j, 1)), CHEAP / 2).random().probe(
            "br-table/two-targets",
            op(OpClass::BrTable),
            "one of two targets at random",
            scale,
        ),
    );
    let functions = 4096;
    let names: String = (0..functions).map(|k| format!(" $f{k}")).collect();
    let defs: String = (0..functions).map(|k| format!("(func $f{k} (type $v))")).collect();
    all.push(
        Kernel::each(move |j| format!("(call_indirect (type $v) {})", random_index(j, functions - 1)), SLOW)
            .module(format!("(type $v (func)) (table {functions} funcref) (elem (i32.const 0) func{names}) {defs}"))
            .random()
            .probe(
                "call-indirect/random",
                op(OpClass::CallIndirect),
                "one of 4096 functions (the table limit) at random",
                scale,
            ),
    );
    all
}

/// The memory sizes of the memory-access series, in pages.
pub fn access_pages(scale: Scale) -> Vec<u32> {
    pick(scale, vec![1, 16, 64, 128, 256], vec![1, 16, 64, 256], vec![1, 2])
}

fn memory_access(scale: Scale) -> Vec<Probe> {
    let per_page = Term::Dyn(DynTerm::MemoryAccessPerPage);
    let mut all = Vec::new();
    for pages in access_pages(scale) {
        // Enough loads that the largest memory's chase weighs above its shuffle (the setup).
        let loads =
            pick(scale, vec![32_768, 65_536, 98_304, 131_072], vec![16_384, 32_768, 65_536], vec![64, 128, 256]);
        let probe = Probe::new(
            format!("memory-access/chase-{pages}-pages"),
            op(OpClass::MemoryAccess),
            format!("dependent i32.loads over a random cycle of 64-byte cells filling {pages} pages"),
            "loads",
            loads,
            move |ctx: &Ctx, loads| warm_call(ctx, attacks::chase_loop(pages, 64, loads, 7)),
        );
        all.push(probe.in_series(Series::MemoryAccess, pages, vec![per_page]));
    }
    all.push(
        Kernel::each(|j| format!("(i32.store {} (local.get $r))", random_index(j, 0xfffc)), CHEAP / 2)
            .module("(memory 1 1)")
            .random()
            .probe(
                "memory-access/store-1-page",
                op(OpClass::MemoryAccess),
                "i32.stores to random addresses of one page",
                scale,
            ),
    );
    all
}

fn bulk(scale: Scale) -> Vec<Probe> {
    let t = op(OpClass::Bulk);
    let module = "(memory 1) (table 16 funcref) (func $f) (data $d \"abc\") (elem $e func $f)";
    let zero = "(i32.const 0) (i32.const 0) (i32.const 0)";
    let mut all: Vec<Probe> = [
        ("memory.fill", format!("(memory.fill {zero})")),
        ("memory.copy", format!("(memory.copy {zero})")),
        ("memory.init", format!("(memory.init $d {zero})")),
        ("table.fill", "(table.fill (i32.const 0) (ref.null func) (i32.const 0))".to_string()),
        ("table.copy", format!("(table.copy {zero})")),
        ("table.init", format!("(table.init $e {zero})")),
        ("data.drop", "(data.drop $d)".to_string()),
        ("elem.drop", "(elem.drop $e)".to_string()),
    ]
    .into_iter()
    .map(|(name, unit)| Kernel::new(unit, CHEAP / 4).module(module).probe(format!("bulk/{name}"), t, "length 0", scale))
    .collect();
    all.push(Kernel::new("(drop (memory.grow (i32.const 0)))", CHEAP / 4).module("(memory 1)").probe(
        "memory-grow/0-pages",
        op(OpClass::MemoryGrow),
        "a grow by 0 pages",
        scale,
    ));
    all.push(
        Kernel::new("(drop (table.grow (ref.null func) (i32.const 0)))", CHEAP / 4).module("(table 16 funcref)").probe(
            "table-grow/0-elements",
            op(OpClass::TableGrow),
            "a grow by 0 elements",
            scale,
        ),
    );
    all
}

/// A probe of a dynamic per-unit cost: `iterations` runs per call of `unit(x)` in `module`.
fn dynamic_probe(
    term: DynTerm,
    input: String,
    x_name: &'static str,
    xs: Vec<u32>,
    module: String,
    iterations: u32,
    unit: fn(u32) -> String,
) -> Probe {
    let name = format!("dynamic/{}", term.name());
    let label = name.clone();
    Probe::new(name, Term::Dyn(term), input, x_name, xs, move |ctx: &Ctx, x| {
        let k = Kernel::new(unit(x), iterations).module(module.clone());
        warm_call(ctx, wat(&label, &k.text(1, ctx.scale))?)
    })
}

/// `n` evenly spaced sizes from 0 to `max`.
fn spread(max: u32, n: u32) -> Vec<u32> {
    (0..n).map(|k| (u64::from(max) * u64::from(k) / u64::from(n - 1)) as u32).collect()
}

fn dynamic(scale: Scale) -> Vec<Probe> {
    let pages = pick(scale, 256, 64, 2);
    let bytes = pages * 65_536 - 1;
    let n = pick(scale, 5, 3, 3);
    let memory = format!("(memory {pages} {pages})");
    let segment = pick(scale, 480 * 1024, 480 * 1024, 1024);
    let data = format!("(memory 8 8) (data $d \"{}\")", "\\a5".repeat(segment as usize));
    let table = "(table 4096 4096 funcref) (func $f) (elem declare func $f)";
    let elements = 4096;
    let items: String = " $f".repeat(elements as usize);
    let mut all = vec![
        dynamic_probe(
            DynTerm::MemoryFillPerByte,
            format!("memory.fill of x bytes of a {pages}-page memory (the caches miss)"),
            "bytes",
            spread(bytes, n),
            memory.clone(),
            4,
            |x| format!("(memory.fill (i32.const 0) (i32.const 0xa5) (i32.const {x}))"),
        ),
        dynamic_probe(
            DynTerm::MemoryCopyPerByte,
            format!("memory.copy of x bytes one byte up (overlapping, unaligned) in a {pages}-page memory"),
            "bytes",
            spread(bytes, n),
            memory,
            4,
            |x| format!("(memory.copy (i32.const 1) (i32.const 0) (i32.const {x}))"),
        ),
        dynamic_probe(
            DynTerm::MemoryInitPerByte,
            format!("memory.init of x bytes from a passive segment of {segment} bytes"),
            "bytes",
            spread(segment, n),
            data,
            16,
            |x| format!("(memory.init $d (i32.const 1) (i32.const 0) (i32.const {x}))"),
        ),
        dynamic_probe(
            DynTerm::TableFillPerElement,
            "table.fill of x elements of a 4096-element table with a function reference".into(),
            "elements",
            spread(elements, n),
            table.into(),
            256,
            |x| format!("(table.fill (i32.const 0) (ref.func $f) (i32.const {x}))"),
        ),
        dynamic_probe(
            DynTerm::TableCopyPerElement,
            "table.copy of x elements one up (overlapping) in a 4096-element table".into(),
            "elements",
            spread(elements - 1, n),
            table.into(),
            256,
            |x| format!("(table.copy (i32.const 1) (i32.const 0) (i32.const {x}))"),
        ),
        dynamic_probe(
            DynTerm::TableInitPerElement,
            "table.init of x elements from a passive segment of 4096 functions".into(),
            "elements",
            spread(elements, n),
            format!("(table 4096 4096 funcref) (func $f) (elem $e func{items})"),
            256,
            |x| format!("(table.init $e (i32.const 0) (i32.const 0) (i32.const {x}))"),
        ),
        dynamic_probe(
            DynTerm::MemoryGrowPerPage,
            format!("memory.grow by x pages of an empty memory, once per call (the limit is {pages})"),
            "pages",
            spread(pages, n),
            "(memory 0)".into(),
            1,
            |x| format!("(drop (memory.grow (i32.const {x})))"),
        ),
    ];
    // A table grows at most to its limit once per instance: 64 instances per call, by nested
    // calls, for a signal above the call's own time.
    all.push(Probe::new(
        "dynamic/table_grow_per_element",
        Term::Dyn(DynTerm::TableGrowPerElement),
        "table.grow by x elements of an empty table (the limit is 4096), in 64 nested calls of one contract",
        "elements",
        spread(elements, n),
        |ctx: &Ctx, x| {
            let callee = format!(
                "(module (table 0 funcref) (func (export \"{}\") (drop (table.grow (ref.null func) (i32.const {x})))))",
                attacks::METHOD
            );
            let callee = wat("table-grow", &callee)?;
            call_with(
                ctx,
                vec![callee],
                |c| wat("table-grow", &caller_text(&c[0], attacks::METHOD, 0, 64)),
                Vec::new(),
                tally_host_env::Status::Ok,
            )
        },
    ));
    all.push(Probe::new(
        "dynamic/memory_grow_per_page-instantiation",
        Term::Dyn(DynTerm::MemoryGrowPerPage),
        "a contract with x initial pages, instantiated by every call",
        "initial pages",
        spread(pages, n),
        |ctx: &Ctx, pages| {
            warm_call(ctx, wat("instantiate-pages", &format!("(module (memory {pages}) (func (export \"run\")))"))?)
        },
    ));
    all
}
