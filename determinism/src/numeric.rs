//! Bare modules for numeric operators: every float operator over NaN payloads, signed zeros,
//! subnormals and infinities; conversions at their ranges' ends; integer operators at their
//! edges. Each operator is compiled with operands from locals and, where the translator has
//! immediate forms, with constant operands on either side, so every handler variant runs.

use tally_vm::Val;

use crate::bare::{i32s, i64s, pairs, singles, Builder, Float, I32S, I64S};

/// The numeric modules.
pub fn modules() -> Vec<Builder> {
    vec![
        floats(Float::F32),
        floats(Float::F64),
        conversions(),
        integers32(),
        integers64(),
        divisions_by_constants(),
        fusions(),
    ]
}

const FLOAT_BINARY: [&str; 7] = ["add", "sub", "mul", "div", "min", "max", "copysign"];
const FLOAT_COMPARE: [&str; 6] = ["eq", "ne", "lt", "gt", "le", "ge"];
const FLOAT_UNARY: [&str; 7] = ["abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest"];

/// One float type: constants, binary operators (locals, and constants on either side),
/// comparisons (as values and as branch conditions), unary operators, and multiply-add shapes
/// (which must round twice: a fused multiply-add would differ).
fn floats(f: Float) -> Builder {
    let t = f.ty();
    let mut b = Builder::new(t, "");
    let ops: Vec<Val> = f.operands().iter().map(|&x| f.val(x)).collect();
    let unary: Vec<Val> = f.unary_operands().iter().map(|&x| f.val(x)).collect();

    // Constants come back with their bits, NaN payloads and signaling bits included.
    let consts: Vec<String> = f.trunc_operands().iter().map(|&x| f.konst(x)).collect();
    for (i, c) in consts.iter().enumerate() {
        b.func(&format!("const{i}"), &format!("(result {t})"), c);
    }
    b.case("const", (0..consts.len()).map(|i| crate::bare::call(&format!("const{i}"), &[])).collect());

    for op in FLOAT_BINARY {
        let sig1 = format!("(param {t}) (result {t})");
        b.func_each(
            &format!("{op}/ll"),
            &format!("(param {t} {t}) (result {t})"),
            &format!("({t}.{op} (local.get 0) (local.get 1))"),
            pairs(&ops),
        );
        for c in f.constants() {
            let k = f.konst(c);
            b.func_each(
                &format!("{op}/lc:{c:x}"),
                &sig1,
                &format!("({t}.{op} (local.get 0) {k})"),
                singles(ops.clone()),
            );
            b.func_each(
                &format!("{op}/cl:{c:x}"),
                &sig1,
                &format!("({t}.{op} {k} (local.get 0))"),
                singles(ops.clone()),
            );
        }
    }
    for op in FLOAT_COMPARE {
        b.func_each(
            &format!("{op}/ll"),
            &format!("(param {t} {t}) (result i32)"),
            &format!("({t}.{op} (local.get 0) (local.get 1))"),
            pairs(&ops),
        );
        b.func_each(
            &format!("{op}/if"),
            &format!("(param {t} {t}) (result i32)"),
            &format!(
                "(if (result i32) ({t}.{op} (local.get 0) (local.get 1)) (then (i32.const 1)) (else (i32.const 0)))"
            ),
            pairs(&ops),
        );
        let nan = f.konst(f.operands()[10]);
        b.func_each(
            &format!("{op}/lc:nan"),
            &format!("(param {t}) (result i32)"),
            &format!("({t}.{op} (local.get 0) {nan})"),
            singles(ops.clone()),
        );
    }
    for op in FLOAT_UNARY {
        b.func_each(
            op,
            &format!("(param {t}) (result {t})"),
            &format!("({t}.{op} (local.get 0))"),
            singles(unary.clone()),
        );
    }

    // a·b + c, c + a·b, a·b − c and a·3 + c, rounded after the multiply.
    let sig3 = format!("(param {t} {t} {t}) (result {t})");
    let mul = format!("({t}.mul (local.get 0) (local.get 1))");
    let shapes = [
        ("madd", format!("({t}.add {mul} (local.get 2))")),
        ("madd_r", format!("({t}.add (local.get 2) {mul})")),
        ("msub", format!("({t}.sub {mul} (local.get 2))")),
        ("madd_c", format!("({t}.add ({t}.mul (local.get 0) {}) (local.get 2))", f.konst(f.operands()[3]))),
    ];
    let o = f.operands();
    let (one_up, one_down, minus_one) = match f {
        Float::F32 => (0x3f80_0001, 0x3f7f_ffff, 0xbf80_0000),
        Float::F64 => (0x3ff0_0000_0000_0001, 0x3fef_ffff_ffff_ffff, 0xbff0_0000_0000_0000),
    };
    let triples: Vec<[u64; 3]> = vec![
        [one_up, one_down, minus_one], // fused: −2^-46 (f32); rounded twice: 0
        [o[6], o[2], o[6]],            // max·1 + max = inf
        [o[6], o[3], o[6]],
        [o[7], o[0], o[2]], // inf·0 = NaN
        [o[1], o[0], o[1]], // −0·0 + −0 = −0
        [o[10], o[2], o[2]],
        [o[2], o[2], o[10]],
        [o[11], o[9], o[10]],
        [o[4], o[4], o[4]],
        [o[5], o[4], o[5]],
    ];
    let args: Vec<Vec<Val>> = triples.iter().map(|t| t.iter().map(|&x| f.val(x)).collect()).collect();
    for (name, body) in shapes {
        b.func_each(name, &sig3, &body, args.clone());
    }
    b
}

/// Float↔integer conversions, promotion and demotion, and reinterpretations, each over its
/// edges.
fn conversions() -> Builder {
    let mut b = Builder::new("convert", "");
    for f in [Float::F32, Float::F64] {
        let t = f.ty();
        let trunc: Vec<Val> = f.trunc_operands().iter().map(|&x| f.val(x)).collect();
        for int in ["i32", "i64"] {
            for op in ["trunc", "trunc_sat"] {
                for sign in ["s", "u"] {
                    let name = format!("{int}.{op}_{t}_{sign}");
                    b.func_each(
                        &name,
                        &format!("(param {t}) (result {int})"),
                        &format!("({name} (local.get 0))"),
                        singles(trunc.clone()),
                    );
                }
            }
        }
        for sign in ["s", "u"] {
            let from32 = format!("{t}.convert_i32_{sign}");
            let ints32 =
                [0, 1, 0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x0100_0001, 0x7fff_ff80, 0xffff_ff7f, 0x8000_0081];
            b.func_each(
                &from32,
                &format!("(param i32) (result {t})"),
                &format!("({from32} (local.get 0))"),
                singles(i32s(&ints32)),
            );
            let from64 = format!("{t}.convert_i64_{sign}");
            let ints64 = [
                0,
                1,
                u64::MAX,
                0x8000_0000_0000_0000,
                0x7fff_ffff_ffff_ffff,
                0x0020_0000_0000_0001, // 2^53 + 1
                0x0000_0000_0100_0001, // 2^24 + 1
                0x8000_0080_0000_0001, // rounding twice (through f64) would give a different f32
                0x7fff_ff40_0000_0001,
                0xffff_fe80_0000_0001,
                0x0020_0000_2000_0001,
                0xffdf_ffff_ffff_ffff, // −2^53 − 1
                0x8000_0000_0000_0001,
                0x7fff_fc00_0000_0001,
            ];
            b.func_each(
                &from64,
                &format!("(param i64) (result {t})"),
                &format!("({from64} (local.get 0))"),
                singles(i64s(&ints64)),
            );
        }
        let i = f.int();
        let bits: Vec<u64> = f.unary_operands();
        b.func_each(
            &format!("{i}.reinterpret_{t}"),
            &format!("(param {t}) (result {i})"),
            &format!("({i}.reinterpret_{t} (local.get 0))"),
            singles(bits.iter().map(|&x| f.val(x))),
        );
        let as_int: Vec<Val> = match f {
            Float::F32 => bits.iter().map(|&x| Val::I32(x as i32)).collect(),
            Float::F64 => bits.iter().map(|&x| Val::I64(x as i64)).collect(),
        };
        b.func_each(
            &format!("{t}.reinterpret_{i}"),
            &format!("(param {i}) (result {t})"),
            &format!("({t}.reinterpret_{i} (local.get 0))"),
            singles(as_int),
        );
    }
    let promote: Vec<Val> = Float::F32.unary_operands().iter().map(|&x| Float::F32.val(x)).collect();
    b.func_each("f64.promote_f32", "(param f32) (result f64)", "(f64.promote_f32 (local.get 0))", singles(promote));
    let mut demote = Float::F64.unary_operands();
    demote.extend([
        0x3ff0_0000_1000_0000, // 1 + 2^-24: a tie, to even (down)
        0x3ff0_0000_3000_0000, // a tie, to even (up)
        0x47ef_ffff_e000_0000, // f32::MAX + half an ulp: to infinity
        0x47ef_ffff_dfff_ffff, // just below: f32::MAX
        0x36a0_0000_0000_0000, // 2^-149, the smallest f32 subnormal
        0x3690_0000_0000_0000, // 2^-150: a tie, to zero
        0x3690_0000_0000_0001, // just above: the smallest subnormal
        0x380f_ffff_ffff_ffff, // just below the smallest f32 normal
    ]);
    b.func_each(
        "f32.demote_f64",
        "(param f64) (result f32)",
        "(f32.demote_f64 (local.get 0))",
        singles(demote.iter().map(|&x| Float::F64.val(x))),
    );
    b
}

const INT_BINARY: [&str; 15] = [
    "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl",
    "rotr",
];
const INT_COMPARE: [&str; 10] = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];

/// One integer type's binary operators, comparisons (values, `if` and `br_if` conditions) and
/// unary operators.
fn integers(t: &str, values: Vec<Val>, konsts: &[&str], unary_ops: &[&str], unary: Vec<Val>) -> Builder {
    let mut b = Builder::new(t, "");
    let sig2 = format!("(param {t} {t}) (result {t})");
    let sig1 = format!("(param {t}) (result {t})");
    for op in INT_BINARY {
        b.func_each(&format!("{op}/ll"), &sig2, &format!("({t}.{op} (local.get 0) (local.get 1))"), pairs(&values));
        for k in konsts {
            let c = format!("({t}.const {k})");
            b.func_each(
                &format!("{op}/lc:{k}"),
                &sig1,
                &format!("({t}.{op} (local.get 0) {c})"),
                singles(values.clone()),
            );
            b.func_each(
                &format!("{op}/cl:{k}"),
                &sig1,
                &format!("({t}.{op} {c} (local.get 0))"),
                singles(values.clone()),
            );
        }
    }
    let cmp = format!("(param {t} {t}) (result i32)");
    for op in INT_COMPARE {
        let test = format!("({t}.{op} (local.get 0) (local.get 1))");
        b.func_each(&format!("{op}/ll"), &cmp, &test, pairs(&values));
        b.func_each(
            &format!("{op}/if"),
            &cmp,
            &format!("(if (result i32) {test} (then (i32.const 1)) (else (i32.const 0)))"),
            pairs(&values),
        );
        b.func_each(
            &format!("{op}/br_if"),
            &cmp,
            &format!("(block (br_if 0 {test}) (return (i32.const 0))) (i32.const 1)"),
            pairs(&values),
        );
        let kc = format!("({t}.{op} (local.get 0) ({t}.const -7))");
        b.func_each(
            &format!("{op}/if_lc:-7"),
            &format!("(param {t}) (result i32)"),
            &format!("(if (result i32) {kc} (then (i32.const 1)) (else (i32.const 0)))"),
            singles(values.clone()),
        );
    }
    let eqz = format!("({t}.eqz (local.get 0))");
    b.func_each("eqz", &format!("(param {t}) (result i32)"), &eqz, singles(unary.clone()));
    b.func_each(
        "eqz/if",
        &format!("(param {t}) (result i32)"),
        &format!("(if (result i32) {eqz} (then (i32.const 1)) (else (i32.const 0)))"),
        singles(unary.clone()),
    );
    for op in unary_ops {
        b.func_each(op, &sig1, &format!("({t}.{op} (local.get 0))"), singles(unary.clone()));
    }
    b
}

/// Extra operands of the unary integer operators: sign-extension and bit-count edges.
const UNARY_EXTRA32: [u32; 8] = [0x80, 0x7f, 0xff, 0x8000, 0x7fff, 0xffff, 0x0001_0000, 0xff00_ff00];

fn integers32() -> Builder {
    let mut unary = I32S.to_vec();
    unary.extend(UNARY_EXTRA32);
    let mut b = integers(
        "i32",
        i32s(&I32S),
        &["0", "-1", "33", "-2147483648"],
        &["clz", "ctz", "popcnt", "extend8_s", "extend16_s"],
        i32s(&unary),
    );
    for sign in ["s", "u"] {
        let name = format!("i64.extend_i32_{sign}");
        b.func_each(&name, "(param i32) (result i64)", &format!("({name} (local.get 0))"), singles(i32s(&unary)));
    }
    b
}

fn integers64() -> Builder {
    let mut unary = I64S.to_vec();
    unary.extend(UNARY_EXTRA32.iter().map(|&x| u64::from(x)));
    unary.extend([0x8000_0000_0000_0001, 0x0000_0001_0000_0000, 0xffff_ffff_0000_0000, 0x7fff_ffff]);
    let mut b = integers(
        "i64",
        i64s(&I64S),
        &["0", "-1", "65", "-9223372036854775808"],
        &["clz", "ctz", "popcnt", "extend8_s", "extend16_s", "extend32_s"],
        i64s(&unary),
    );
    b.func_each("i32.wrap_i64", "(param i64) (result i32)", "(i32.wrap_i64 (local.get 0))", singles(i64s(&unary)));
    b
}

/// Division and remainder by constants: the translator turns `i32` ones into shifts, masks and
/// multiplications by reciprocals, which must agree with real division for every dividend.
fn divisions_by_constants() -> Builder {
    let mut b = Builder::new("divc", "");
    let divisors32: [i64; 17] = [
        0,
        1,
        2,
        3,
        5,
        7,
        10,
        16,
        641,
        6_700_417,
        1_000_000_007,
        0x7fff_ffff,
        -1,
        -2,
        -7,
        -2_147_483_648,
        -1_000_000_007,
    ];
    let dividends32 = i32s(&[
        0,
        1,
        2,
        6,
        7,
        0xffff_ffff,
        0xffff_fff9,
        0x8000_0000,
        0x8000_0001,
        0x7fff_ffff,
        0xffff_fffe,
        12_345_678,
        0xff43_9eb2, // −12345678
        0xdead_beef,
        1_000_000_006,
        4_294_967_290,
    ]);
    for d in divisors32 {
        for op in ["div_s", "div_u", "rem_s", "rem_u"] {
            b.func_each(
                &format!("i32.{op}/{d}"),
                "(param i32) (result i32)",
                &format!("(i32.{op} (local.get 0) (i32.const {d}))"),
                singles(dividends32.clone()),
            );
        }
    }
    let divisors64: [i128; 9] = [0, 1, 3, 7, 10, 1 << 32, (1 << 32) + 1, -1, -9_223_372_036_854_775_808];
    let dividends64 = i64s(&[
        0,
        7,
        u64::MAX,
        0x8000_0000_0000_0000,
        0x7fff_ffff_ffff_ffff,
        0x0000_0001_0000_0000,
        0x0123_4567_89ab_cdef,
        0xfedc_ba98_7654_3210,
    ]);
    for d in divisors64 {
        for op in ["div_s", "div_u", "rem_s", "rem_u"] {
            b.func_each(
                &format!("i64.{op}/{d}"),
                "(param i64) (result i64)",
                &format!("(i64.{op} (local.get 0) (i64.const {d}))"),
                singles(dividends64.clone()),
            );
        }
    }
    b
}

/// The shapes the translator fuses into one op: shifts and rotates by constants into `xor`,
/// `xor` into rotates, and-not, Keccak's chi, `shr_u` into `wrap`, multiply into add (floats
/// are in [`floats`]), and a constant `add` into a load's address, which must still wrap at 2^32.
fn fusions() -> Builder {
    let mut b = Builder::new(
        "fuse",
        "  (memory 1)\n  (data (i32.const 0) \"\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\")\n  \
         (data (i32.const 65520) \"\\f0\\f1\\f2\\f3\\f4\\f5\\f6\\f7\\f8\\f9\\fa\\fb\\fc\\fd\\fe\\ff\")",
    );
    let values =
        i64s(&[0, 1, u64::MAX, 0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff, 0x0123_4567_89ab_cdef, 0xffff_ffff]);
    let sig2 = "(param i64 i64) (result i64)";
    for shift in ["shl", "shr_s", "shr_u", "rotl", "rotr"] {
        for c in [1, 63, 71] {
            b.func_each(
                &format!("xor_{shift}:{c}"),
                sig2,
                &format!("(i64.xor (i64.{shift} (local.get 0) (i64.const {c})) (local.get 1))"),
                pairs(&values),
            );
        }
    }
    for c in [14, 64] {
        b.func_each(
            &format!("rotl_xor:{c}"),
            sig2,
            &format!("(i64.rotl (i64.xor (local.get 0) (local.get 1)) (i64.const {c}))"),
            pairs(&values),
        );
    }
    b.func_each("andnot", sig2, "(i64.and (local.get 0) (i64.xor (local.get 1) (i64.const -1)))", pairs(&values));
    let n = values.len();
    let triples: Vec<Vec<Val>> =
        (0..n * n).map(|k| vec![values[k / n], values[k % n], values[(k / n + 2 * k + 1) % n]]).collect();
    b.func_each(
        "chi",
        "(param i64 i64 i64) (result i64)",
        "(i64.xor (local.get 0) (i64.and (i64.xor (local.get 1) (i64.const -1)) (local.get 2)))",
        triples,
    );
    for c in [0, 3, 32, 63, 64] {
        b.func_each(
            &format!("wrap_shr_u:{c}"),
            "(param i64) (result i32)",
            &format!("(i32.wrap_i64 (i64.shr_u (local.get 0) (i64.const {c})))"),
            singles(values.clone()),
        );
    }
    let addresses = i32s(&[0, 4, 65512, 65516, 65517, 0xffff_fff0, 0xffff_fffc, 0xffff_ffff, 0x7fff_ffff, 0x8000_0000]);
    for c in [0, 4, 16, 0x7fff_ffff, -16] {
        b.func_each(
            &format!("load_add:{c}"),
            "(param i32) (result i32)",
            &format!("(i32.load (i32.add (local.get 0) (i32.const {c})))"),
            singles(addresses.clone()),
        );
        b.func_each(
            &format!("load64_add:{c}"),
            "(param i32) (result i64)",
            &format!("(i64.load (i32.add (local.get 0) (i32.const {c})))"),
            singles(addresses.clone()),
        );
    }
    b
}
