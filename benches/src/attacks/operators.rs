//! Builders of group 11's contracts: loops of one kind of operator at the inputs that make it
//! slowest for its price. Each loop iteration runs sixteen statements (or, for the globals and
//! locals chains, one statement per global or local pair); the conditions that must not be
//! predictable come from an xorshift generator advanced once per iteration.

use super::{f32_bits, f64_bits, loop_contract, text_contract, Method};

/// Advances the xorshift generator in the `i32` local `$r` (three shift-xor statements).
const XORSHIFT: &str = "(local.set $r (i32.xor (local.get $r) (i32.shl (local.get $r) (i32.const 13))))
      (local.set $r (i32.xor (local.get $r) (i32.shr_u (local.get $r) (i32.const 17))))
      (local.set $r (i32.xor (local.get $r) (i32.shl (local.get $r) (i32.const 5))))";

/// Seeds `$r`.
const SEED: &str = "(local.set $r (i32.const 0x2545F491))";

/// A value type of [`select_chain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Num {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f64`.
    F64,
}

impl Num {
    /// The type's name in WebAssembly text.
    pub fn name(self) -> &'static str {
        match self {
            Num::I32 => "i32",
            Num::I64 => "i64",
            Num::F64 => "f64",
        }
    }
}

/// `select` chains: sixteen `select`s of `ty` per iteration between two locals, each on its own
/// bit of a fresh random number, so the choice cannot be predicted.
pub fn select_chain(iterations: u32, ty: Num) -> Vec<u8> {
    let t = ty.name();
    let selects: Vec<String> = (0..16)
        .map(|k| {
            let (dst, other) = if k % 2 == 0 { ("$a", "$b") } else { ("$b", "$a") };
            format!(
                "(local.set {dst} (select (local.get {other}) (local.get {dst}) (i32.and (local.get $r) (i32.const {}))))",
                1u32 << k
            )
        })
        .collect();
    loop_contract(
        &format!("(local $r i32) (local $a {t}) (local $b {t})"),
        &format!("{SEED} (local.set $a ({t}.const 1)) (local.set $b ({t}.const 2))"),
        &format!("{XORSHIFT}\n      {}", selects.join("\n      ")),
        iterations,
    )
}

/// `global.get`/`global.set` chains over `globals` mutable `i64` globals: each iteration copies
/// every global into the next (`globals` statements of one `global.get` and one `global.set`).
pub fn global_chain(iterations: u32, globals: u32) -> Vec<u8> {
    let n = globals.max(1);
    let fields: String = (0..n).map(|k| format!("(global (mut i64) (i64.const {k}))\n  ")).collect();
    let body: Vec<String> = (0..n).map(|k| format!("(global.set {} (global.get {k}))", (k + 1) % n)).collect();
    text_contract(&Method { fields: &fields, body: &body.join("\n      "), iterations, ..Method::default() })
}

/// `local.get`/`local.tee`/`local.set` chains over a frame of `locals` declared locals (the
/// loop counter and `locals - 1` `i64`s): each iteration runs `local.set (local.tee (local.get))`
/// over consecutive triples of the `i64` locals, each local touched once.
pub fn local_chain(iterations: u32, locals: u32) -> Vec<u8> {
    let chain = locals.max(4) - 1;
    let decls = format!("(local{})", " i64".repeat(chain as usize));
    let body: Vec<String> = (0..chain / 3)
        .map(|j| {
            let k = 1 + 3 * j;
            format!("(local.set {} (local.tee {} (local.get {k})))", k + 2, k + 1)
        })
        .collect();
    loop_contract(&decls, "", &body.join("\n      "), iterations)
}

/// Bits of a negative signalling `f64` NaN with payload 1: not the canonical NaN, so every
/// result computed from it must be canonicalised.
pub const F64_NAN: u64 = 0xFFF0_0000_0000_0001;

/// The `f32` NaN like [`F64_NAN`].
pub const F32_NAN: u32 = 0xFF80_0001;

/// NaN arithmetic: sixteen statements per iteration, each an arithmetic operator (add, sub,
/// mul, div, min, max, sqrt, the roundings, a conversion to the other float type and back) with
/// a non-canonical NaN operand ([`F64_NAN`], [`F32_NAN`]), on `f32` when `f32` is set, else
/// `f64`.
pub fn nan_chain(iterations: u32, f32: bool) -> Vec<u8> {
    let (t, nan, round_trip) = if f32 {
        ("f32", f32_bits(F32_NAN), "(f32.demote_f64 (f64.promote_f32 (local.get $n)))")
    } else {
        ("f64", f64_bits(F64_NAN), "(f64.promote_f32 (f32.demote_f64 (local.get $n)))")
    };
    let ops = [
        format!("({t}.add (local.get $n) (local.get $y))"),
        format!("({t}.sub (local.get $y) (local.get $n))"),
        format!("({t}.mul (local.get $n) (local.get $x))"),
        format!("({t}.div (local.get $x) (local.get $n))"),
        format!("({t}.min (local.get $n) (local.get $y))"),
        format!("({t}.max (local.get $y) (local.get $n))"),
        format!("({t}.sqrt (local.get $n))"),
        format!("({t}.nearest (local.get $n))"),
        format!("({t}.floor (local.get $n))"),
        format!("({t}.ceil (local.get $n))"),
        format!("({t}.trunc (local.get $n))"),
        round_trip.to_string(),
        format!("({t}.div (local.get $n) (local.get $n))"),
        format!("({t}.mul (local.get $y) (local.get $n))"),
        format!("({t}.min (local.get $x) (local.get $n))"),
        format!("({t}.add (local.get $x) (local.get $n))"),
    ];
    let body: Vec<String> = ops.iter().map(|op| format!("(local.set $x {op})")).collect();
    loop_contract(
        &format!("(local $x {t}) (local $y {t}) (local $n {t})"),
        &format!("(local.set $n {nan}) (local.set $y ({t}.const 1.5))"),
        &body.join("\n      "),
        iterations,
    )
}

/// Unpredictable `br_if`: sixteen blocks per iteration, each left by a `br_if` on its own bit of
/// a fresh random number (taken half the time, at random) or else adding 1 to a counter.
pub fn br_if_random(iterations: u32) -> Vec<u8> {
    let blocks: Vec<String> = (0..16)
        .map(|k| {
            format!(
                "(block (br_if 0 (i32.and (local.get $r) (i32.const {}))) \
                 (local.set $acc (i32.add (local.get $acc) (i32.const 1))))",
                1u32 << k
            )
        })
        .collect();
    loop_contract(
        "(local $r i32) (local $acc i32)",
        SEED,
        &format!("{XORSHIFT}\n      {}", blocks.join("\n      ")),
        iterations,
    )
}

/// Locals and their initial values for the integer-edge chains.
const INT_EDGES: &str = "(local $min64 i64) (local $max64 i64) (local $m1 i64) (local $x64 i64) (local $d64 i64)
    (local $min32 i32) (local $max32 i32) (local $m1_32 i32) (local $x32 i32) (local $d32 i32) (local $acc i64)";

/// Sets [`INT_EDGES`]' locals: the extremes, -1, an all-ones dividend and the largest divisors
/// below it.
const INT_EDGES_SETUP: &str = "(local.set $min64 (i64.const 0x8000000000000000))
    (local.set $max64 (i64.const 0x7fffffffffffffff))
    (local.set $m1 (i64.const -1))
    (local.set $x64 (i64.const -1))
    (local.set $d64 (i64.const -2))
    (local.set $min32 (i32.const 0x80000000))
    (local.set $max32 (i32.const 0x7fffffff))
    (local.set $m1_32 (i32.const -1))
    (local.set $x32 (i32.const -1))
    (local.set $d32 (i32.const -2))";

/// Sixteen statements `acc ^= op` from `ops` (each an `i64` expression, repeated in turn).
fn xor_into_acc(ops: &[&str]) -> String {
    (0..16)
        .map(|k| format!("(local.set $acc (i64.xor (local.get $acc) {}))", ops[k % ops.len()]))
        .collect::<Vec<_>>()
        .join("\n      ")
}

/// Signed remainder and division by -1, the edge every implementation special-cases (`MIN rem
/// -1` is 0 where the hardware instruction overflows): `i64.rem_s` and `i32.rem_s` of the
/// minimum by -1, and `div_s` of an ordinary value by -1.
pub fn int_rem_minus_one(iterations: u32) -> Vec<u8> {
    let ops = [
        "(i64.rem_s (local.get $min64) (local.get $m1))",
        "(i64.extend_i32_s (i32.rem_s (local.get $min32) (local.get $m1_32)))",
        "(i64.div_s (local.get $max64) (local.get $m1))",
        "(i64.extend_i32_s (i32.div_s (local.get $max32) (local.get $m1_32)))",
    ];
    loop_contract(INT_EDGES, INT_EDGES_SETUP, &xor_into_acc(&ops), iterations)
}

/// Division and remainder by the largest divisors: unsigned `i32` and `i64` `div`/`rem` of
/// all-ones by all-ones less one, and signed ones of the minimum by the maximum.
pub fn int_div_large_divisor(iterations: u32) -> Vec<u8> {
    let ops = [
        "(i64.extend_i32_u (i32.div_u (local.get $x32) (local.get $d32)))",
        "(i64.extend_i32_u (i32.rem_u (local.get $x32) (local.get $d32)))",
        "(i64.div_u (local.get $x64) (local.get $d64))",
        "(i64.rem_u (local.get $x64) (local.get $d64))",
        "(i64.extend_i32_s (i32.div_s (local.get $min32) (local.get $max32)))",
        "(i64.extend_i32_s (i32.rem_s (local.get $min32) (local.get $max32)))",
        "(i64.div_s (local.get $min64) (local.get $max64))",
        "(i64.rem_s (local.get $min64) (local.get $max64))",
    ];
    loop_contract(INT_EDGES, INT_EDGES_SETUP, &xor_into_acc(&ops), iterations)
}

/// `i64.mul` chains: `x = x × c` sixteen times per iteration (each multiplication waits for the
/// previous one), `c` an odd 64-bit constant.
pub fn i64_mul_chain(iterations: u32) -> Vec<u8> {
    loop_contract(
        "(local $x i64)",
        "(local.set $x (i64.const 1))",
        &super::repeat("(local.set $x (i64.mul (local.get $x) (i64.const 0x5851F42D4C957F2D)))", 16),
        iterations,
    )
}

/// `popcnt` chains: `x += popcnt(x)` on `i64` and `i32`, eight of each per iteration.
pub fn popcnt_chain(iterations: u32) -> Vec<u8> {
    let pair = "(local.set $x (i64.add (local.get $x) (i64.popcnt (local.get $x))))
      (local.set $y (i32.add (local.get $y) (i32.popcnt (local.get $y))))";
    loop_contract(
        "(local $x i64) (local $y i32)",
        "(local.set $x (i64.const 0x5555555555555555)) (local.set $y (i32.const 0x55555555))",
        &super::repeat(pair, 8),
        iterations,
    )
}

/// `clz` and `ctz` on `i64` and `i32`, of a changing value and of zero (the input for which a
/// bit-scan instruction's result is undefined and needs a fix-up): sixteen per iteration.
pub fn clz_ctz_chain(iterations: u32) -> Vec<u8> {
    let ops = [
        "(local.set $x (i64.add (local.get $x) (i64.clz (local.get $x))))",
        "(local.set $x (i64.add (local.get $x) (i64.ctz (local.get $x))))",
        "(local.set $y (i32.add (local.get $y) (i32.clz (local.get $y))))",
        "(local.set $y (i32.add (local.get $y) (i32.ctz (local.get $y))))",
        "(local.set $x (i64.add (local.get $x) (i64.clz (local.get $z64))))",
        "(local.set $x (i64.add (local.get $x) (i64.ctz (local.get $z64))))",
        "(local.set $y (i32.add (local.get $y) (i32.clz (local.get $z32))))",
        "(local.set $y (i32.add (local.get $y) (i32.ctz (local.get $z32))))",
    ];
    loop_contract(
        "(local $x i64) (local $y i32) (local $z64 i64) (local $z32 i32)",
        "(local.set $x (i64.const 0x100)) (local.set $y (i32.const 0x100))",
        &[ops.join("\n      "), ops.join("\n      ")].join("\n      "),
        iterations,
    )
}
