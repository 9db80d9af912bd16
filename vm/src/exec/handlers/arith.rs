//! Numeric handlers: integer and float arithmetic, bit operations, comparisons and
//! conversions, in their slot and immediate operand forms, and the fused forms the translator
//! makes of them (division by constants, `i64` bit-operation chains, multiply-add).

#![allow(unused_variables)]

use super::super::numeric as n;
use super::super::runtime::trap;
use super::{rd, wr, Bin, Cell};

macro_rules! bin {
    ($konst:ident, $ss:ident, $si:ident, $is:ident, $t:ty, |$x:ident, $y:ident| $e:expr) => {
        handler!($ss(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let $x: $t = rd(sp, op.b);
            let $y: $t = rd(sp, op.c_lo());
            wr(sp, op.a, $e);
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!($si(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let $x: $t = rd(sp, op.b);
            let $y: $t = <$t as Cell>::from_cell(op.c);
            wr(sp, op.a, $e);
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!($is(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let $x: $t = <$t as Cell>::from_cell(op.c);
            let $y: $t = rd(sp, op.b);
            wr(sp, op.a, $e);
            next!(ip.add(1), sp, mem, cx, gas)
        });
        pub(crate) const $konst: Bin = Bin { ss: $ss, si: $si, is: Some($is) };
    };
    (commutative $konst:ident, $ss:ident, $si:ident, $t:ty, |$x:ident, $y:ident| $e:expr) => {
        handler!($ss(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let $x: $t = rd(sp, op.b);
            let $y: $t = rd(sp, op.c_lo());
            wr(sp, op.a, $e);
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!($si(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let $x: $t = rd(sp, op.b);
            let $y: $t = <$t as Cell>::from_cell(op.c);
            wr(sp, op.a, $e);
            next!(ip.add(1), sp, mem, cx, gas)
        });
        pub(crate) const $konst: Bin = Bin { ss: $ss, si: $si, is: None };
    };
}

macro_rules! bin_try {
    ($konst:ident, $ss:ident, $si:ident, $is:ident, $t:ty, $f:path) => {
        handler!($ss(ip, sp, mem, cx, gas) {
            let op = &*ip;
            match $f(rd::<$t>(sp, op.b), rd::<$t>(sp, op.c_lo())) {
                Ok(v) => wr(sp, op.a, v),
                Err(code) => return trap(ip, cx, code, gas),
            }
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!($si(ip, sp, mem, cx, gas) {
            let op = &*ip;
            match $f(rd::<$t>(sp, op.b), <$t as Cell>::from_cell(op.c)) {
                Ok(v) => wr(sp, op.a, v),
                Err(code) => return trap(ip, cx, code, gas),
            }
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!($is(ip, sp, mem, cx, gas) {
            let op = &*ip;
            match $f(<$t as Cell>::from_cell(op.c), rd::<$t>(sp, op.b)) {
                Ok(v) => wr(sp, op.a, v),
                Err(code) => return trap(ip, cx, code, gas),
            }
            next!(ip.add(1), sp, mem, cx, gas)
        });
        pub(crate) const $konst: Bin = Bin { ss: $ss, si: $si, is: Some($is) };
    };
}

macro_rules! un {
    ($name:ident, $t:ty, |$x:ident| $e:expr) => {
        handler!($name(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let $x: $t = rd(sp, op.b);
            wr(sp, op.a, $e);
            next!(ip.add(1), sp, mem, cx, gas)
        });
    };
}

macro_rules! un_try {
    ($name:ident, $t:ty, $f:path) => {
        handler!($name(ip, sp, mem, cx, gas) {
            let op = &*ip;
            match $f(rd::<$t>(sp, op.b)) {
                Ok(v) => wr(sp, op.a, v),
                Err(code) => return trap(ip, cx, code, gas),
            }
            next!(ip.add(1), sp, mem, cx, gas)
        });
    };
}

// ---- i32 ----
bin!(commutative I32_ADD, i32_add_ss, i32_add_si, i32, |x, y| x.wrapping_add(y));
bin!(I32_SUB, i32_sub_ss, i32_sub_si, i32_sub_is, i32, |x, y| x.wrapping_sub(y));
bin!(commutative I32_MUL, i32_mul_ss, i32_mul_si, i32, |x, y| x.wrapping_mul(y));
bin_try!(I32_DIV_S, i32_div_s_ss, i32_div_s_si, i32_div_s_is, i32, n::i32_div_s);
bin_try!(I32_DIV_U, i32_div_u_ss, i32_div_u_si, i32_div_u_is, i32, n::i32_div_u);
bin_try!(I32_REM_S, i32_rem_s_ss, i32_rem_s_si, i32_rem_s_is, i32, n::i32_rem_s);
bin_try!(I32_REM_U, i32_rem_u_ss, i32_rem_u_si, i32_rem_u_is, i32, n::i32_rem_u);

handler!(
/// `i32.div_u` by a constant: slot `b` times the reciprocal `c` (no zero check, no divide).
i32_div_u_const(ip, sp, mem, cx, gas) {
    let op = &*ip;
    wr(sp, op.a, n::Reciprocal32::from_bits(op.c).quotient(rd(sp, op.b)));
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `i32.div_s` by a positive constant: slot `b` times the reciprocal `c`.
i32_div_s_const(ip, sp, mem, cx, gas) {
    let op = &*ip;
    wr(sp, op.a, n::Reciprocal32::from_bits(op.c).quotient_signed(rd(sp, op.b)));
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `i32.rem_u` by a constant: slot `b`, the reciprocal in `c`; the next op is data whose `c`
/// is the divisor.
i32_rem_u_const(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let d = (*ip.add(1)).c_lo();
    wr(sp, op.a, n::Reciprocal32::from_bits(op.c).remainder(rd(sp, op.b), d));
    next!(ip.add(2), sp, mem, cx, gas)
});

handler!(
/// `i32.rem_s` by a constant: slot `b`, the reciprocal of the divisor's magnitude in `c`; the
/// next op is data whose `c` is that magnitude.
i32_rem_s_const(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let d = (*ip.add(1)).c_lo();
    wr(sp, op.a, n::Reciprocal32::from_bits(op.c).remainder_signed(rd(sp, op.b), d));
    next!(ip.add(2), sp, mem, cx, gas)
});
bin!(commutative I32_AND, i32_and_ss, i32_and_si, i32, |x, y| x & y);
bin!(commutative I32_OR, i32_or_ss, i32_or_si, i32, |x, y| x | y);
bin!(commutative I32_XOR, i32_xor_ss, i32_xor_si, i32, |x, y| x ^ y);
bin!(I32_SHL, i32_shl_ss, i32_shl_si, i32_shl_is, i32, |x, y| x.wrapping_shl(y as u32));
bin!(I32_SHR_S, i32_shr_s_ss, i32_shr_s_si, i32_shr_s_is, i32, |x, y| x.wrapping_shr(y as u32));
bin!(I32_SHR_U, i32_shr_u_ss, i32_shr_u_si, i32_shr_u_is, u32, |x, y| x.wrapping_shr(y));
bin!(I32_ROTL, i32_rotl_ss, i32_rotl_si, i32_rotl_is, u32, |x, y| x.rotate_left(y % 32));
bin!(I32_ROTR, i32_rotr_ss, i32_rotr_si, i32_rotr_is, u32, |x, y| x.rotate_right(y % 32));
bin!(commutative I32_EQ, i32_eq_ss, i32_eq_si, i32, |x, y| x == y);
bin!(commutative I32_NE, i32_ne_ss, i32_ne_si, i32, |x, y| x != y);
bin!(I32_LT_S, i32_lt_s_ss, i32_lt_s_si, i32_lt_s_is, i32, |x, y| x < y);
bin!(I32_LT_U, i32_lt_u_ss, i32_lt_u_si, i32_lt_u_is, u32, |x, y| x < y);
bin!(I32_GT_S, i32_gt_s_ss, i32_gt_s_si, i32_gt_s_is, i32, |x, y| x > y);
bin!(I32_GT_U, i32_gt_u_ss, i32_gt_u_si, i32_gt_u_is, u32, |x, y| x > y);
bin!(I32_LE_S, i32_le_s_ss, i32_le_s_si, i32_le_s_is, i32, |x, y| x <= y);
bin!(I32_LE_U, i32_le_u_ss, i32_le_u_si, i32_le_u_is, u32, |x, y| x <= y);
bin!(I32_GE_S, i32_ge_s_ss, i32_ge_s_si, i32_ge_s_is, i32, |x, y| x >= y);
bin!(I32_GE_U, i32_ge_u_ss, i32_ge_u_si, i32_ge_u_is, u32, |x, y| x >= y);
un!(i32_eqz, u32, |x| x == 0);
un!(i32_clz, u32, |x| x.leading_zeros());
un!(i32_ctz, u32, |x| x.trailing_zeros());
un!(i32_popcnt, u32, |x| x.count_ones());
un!(i32_extend8_s, i32, |x| x as i8 as i32);
un!(i32_extend16_s, i32, |x| x as i16 as i32);
un!(i32_wrap_i64, i64, |x| x as i32);

handler!(
/// `i32.wrap_i64` of an `i64.shr_u` by a constant: bits `k..k+32` of slot `b`, `k` in `c`.
i32_wrap_shr_u(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let x: u64 = rd(sp, op.b);
    wr(sp, op.a, x.wrapping_shr(op.c_lo()) as u32);
    next!(ip.add(1), sp, mem, cx, gas)
});
un_try!(i32_trunc_f32_s, f32, n::i32_trunc_f32_s);
un_try!(i32_trunc_f32_u, f32, n::i32_trunc_f32_u);
un_try!(i32_trunc_f64_s, f64, n::i32_trunc_f64_s);
un_try!(i32_trunc_f64_u, f64, n::i32_trunc_f64_u);
un!(i32_trunc_sat_f32_s, f32, |x| x as i32);
un!(i32_trunc_sat_f32_u, f32, |x| x as u32);
un!(i32_trunc_sat_f64_s, f64, |x| x as i32);
un!(i32_trunc_sat_f64_u, f64, |x| x as u32);

// ---- i64 ----
bin!(commutative I64_ADD, i64_add_ss, i64_add_si, i64, |x, y| x.wrapping_add(y));
bin!(I64_SUB, i64_sub_ss, i64_sub_si, i64_sub_is, i64, |x, y| x.wrapping_sub(y));
bin!(commutative I64_MUL, i64_mul_ss, i64_mul_si, i64, |x, y| x.wrapping_mul(y));
bin_try!(I64_DIV_S, i64_div_s_ss, i64_div_s_si, i64_div_s_is, i64, n::i64_div_s);
bin_try!(I64_DIV_U, i64_div_u_ss, i64_div_u_si, i64_div_u_is, i64, n::i64_div_u);
bin_try!(I64_REM_S, i64_rem_s_ss, i64_rem_s_si, i64_rem_s_is, i64, n::i64_rem_s);
bin_try!(I64_REM_U, i64_rem_u_ss, i64_rem_u_si, i64_rem_u_is, i64, n::i64_rem_u);
bin!(commutative I64_AND, i64_and_ss, i64_and_si, i64, |x, y| x & y);
bin!(commutative I64_OR, i64_or_ss, i64_or_si, i64, |x, y| x | y);
bin!(commutative I64_XOR, i64_xor_ss, i64_xor_si, i64, |x, y| x ^ y);
bin!(I64_SHL, i64_shl_ss, i64_shl_si, i64_shl_is, i64, |x, y| x.wrapping_shl(y as u32));
bin!(I64_SHR_S, i64_shr_s_ss, i64_shr_s_si, i64_shr_s_is, i64, |x, y| x.wrapping_shr(y as u32));
bin!(I64_SHR_U, i64_shr_u_ss, i64_shr_u_si, i64_shr_u_is, u64, |x, y| x.wrapping_shr(y as u32));
bin!(I64_ROTL, i64_rotl_ss, i64_rotl_si, i64_rotl_is, u64, |x, y| x.rotate_left((y % 64) as u32));
bin!(I64_ROTR, i64_rotr_ss, i64_rotr_si, i64_rotr_is, u64, |x, y| x.rotate_right((y % 64) as u32));

/// Fused `i64` bit operations: the operand in slot `b`, a second operand in the slot in the low
/// half of `c`, and in the high half either a shift amount (already reduced modulo 64) or a
/// third slot. They replace two Wasm operators whose intermediate result nothing else reads, as
/// hash functions, PRNGs and permutations such as Keccak chain them.
macro_rules! bit_fused {
    ($($(#[$m:meta])* $name:ident(|$b:ident, $z:ident, $hi:ident| $e:expr);)*) => {$(
        handler!($(#[$m])* $name(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let $b: u64 = rd(sp, op.b);
            let $z: u64 = rd(sp, op.c_lo());
            let $hi = op.c_hi();
            wr(sp, op.a, $e);
            next!(ip.add(1), sp, mem, cx, gas)
        });
    )*};
}

bit_fused! {
    /// `z ^ (b << k)`.
    i64_xor_shl(|b, z, k| z ^ b.wrapping_shl(k));
    /// `z ^ (b >> k)`, unsigned.
    i64_xor_shr_u(|b, z, k| z ^ b.wrapping_shr(k));
    /// `z ^ rotl(b, k)`.
    i64_xor_rotl(|b, z, k| z ^ b.rotate_left(k));
    /// `rotl(b ^ z, k)`.
    i64_rotl_xor(|b, z, k| (b ^ z).rotate_left(k));
    /// `z & !b`.
    i64_andn(|b, z, _unused| z & !b);
}

handler!(
/// `w ^ (z & !b)`: slots `b`, `z` in the low half of `c` and `w` in the high half.
i64_xor_andn(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let b: u64 = rd(sp, op.b);
    let z: u64 = rd(sp, op.c_lo());
    let w: u64 = rd(sp, op.c_hi());
    wr(sp, op.a, w ^ (z & !b));
    next!(ip.add(1), sp, mem, cx, gas)
});

bin!(commutative I64_EQ, i64_eq_ss, i64_eq_si, i64, |x, y| x == y);
bin!(commutative I64_NE, i64_ne_ss, i64_ne_si, i64, |x, y| x != y);
bin!(I64_LT_S, i64_lt_s_ss, i64_lt_s_si, i64_lt_s_is, i64, |x, y| x < y);
bin!(I64_LT_U, i64_lt_u_ss, i64_lt_u_si, i64_lt_u_is, u64, |x, y| x < y);
bin!(I64_GT_S, i64_gt_s_ss, i64_gt_s_si, i64_gt_s_is, i64, |x, y| x > y);
bin!(I64_GT_U, i64_gt_u_ss, i64_gt_u_si, i64_gt_u_is, u64, |x, y| x > y);
bin!(I64_LE_S, i64_le_s_ss, i64_le_s_si, i64_le_s_is, i64, |x, y| x <= y);
bin!(I64_LE_U, i64_le_u_ss, i64_le_u_si, i64_le_u_is, u64, |x, y| x <= y);
bin!(I64_GE_S, i64_ge_s_ss, i64_ge_s_si, i64_ge_s_is, i64, |x, y| x >= y);
bin!(I64_GE_U, i64_ge_u_ss, i64_ge_u_si, i64_ge_u_is, u64, |x, y| x >= y);
un!(i64_eqz, u64, |x| x == 0);
un!(i64_clz, u64, |x| x.leading_zeros() as u64);
un!(i64_ctz, u64, |x| x.trailing_zeros() as u64);
un!(i64_popcnt, u64, |x| x.count_ones() as u64);
un!(i64_extend8_s, i64, |x| x as i8 as i64);
un!(i64_extend16_s, i64, |x| x as i16 as i64);
un!(i64_extend32_s, i64, |x| x as i32 as i64);
un_try!(i64_trunc_f32_s, f32, n::i64_trunc_f32_s);
un_try!(i64_trunc_f32_u, f32, n::i64_trunc_f32_u);
un_try!(i64_trunc_f64_s, f64, n::i64_trunc_f64_s);
un_try!(i64_trunc_f64_u, f64, n::i64_trunc_f64_u);
un!(i64_trunc_sat_f32_s, f32, |x| x as i64);
un!(i64_trunc_sat_f32_u, f32, |x| x as u64);
un!(i64_trunc_sat_f64_s, f64, |x| x as i64);
un!(i64_trunc_sat_f64_u, f64, |x| x as u64);

// ---- f32 ----
bin!(commutative F32_ADD, f32_add_ss, f32_add_si, f32, |x, y| n::canon32(x + y));
bin!(F32_SUB, f32_sub_ss, f32_sub_si, f32_sub_is, f32, |x, y| n::canon32(x - y));
bin!(commutative F32_MUL, f32_mul_ss, f32_mul_si, f32, |x, y| n::canon32(x * y));
bin!(F32_DIV, f32_div_ss, f32_div_si, f32_div_is, f32, |x, y| n::canon32(x / y));
bin!(commutative F32_MIN, f32_min_ss, f32_min_si, f32, |x, y| n::f32_min(x, y));
bin!(commutative F32_MAX, f32_max_ss, f32_max_si, f32, |x, y| n::f32_max(x, y));
bin!(F32_COPYSIGN, f32_copysign_ss, f32_copysign_si, f32_copysign_is, f32, |x, y| x.copysign(y));
bin!(commutative F32_EQ, f32_eq_ss, f32_eq_si, f32, |x, y| x == y);
bin!(commutative F32_NE, f32_ne_ss, f32_ne_si, f32, |x, y| x != y);
bin!(F32_LT, f32_lt_ss, f32_lt_si, f32_lt_is, f32, |x, y| x < y);
bin!(F32_GT, f32_gt_ss, f32_gt_si, f32_gt_is, f32, |x, y| x > y);
bin!(F32_LE, f32_le_ss, f32_le_si, f32_le_is, f32, |x, y| x <= y);
bin!(F32_GE, f32_ge_ss, f32_ge_si, f32_ge_is, f32, |x, y| x >= y);
un!(f32_abs, u32, |x| x & 0x7FFF_FFFF);
un!(f32_neg, u32, |x| x ^ 0x8000_0000);
un!(f32_ceil, f32, |x| n::canon32(x.ceil()));
un!(f32_floor, f32, |x| n::canon32(x.floor()));
un!(f32_trunc, f32, |x| n::canon32(x.trunc()));
un!(f32_nearest, f32, |x| n::f32_nearest(x));
un!(f32_sqrt, f32, |x| n::canon32(x.sqrt()));
un!(f32_convert_i32_s, i32, |x| x as f32);
un!(f32_convert_i32_u, u32, |x| x as f32);
un!(f32_convert_i64_s, i64, |x| x as f32);
un!(f32_convert_i64_u, u64, |x| x as f32);
un!(f32_demote_f64, f64, |x| n::canon32(x as f32));

// ---- f64 ----
bin!(commutative F64_ADD, f64_add_ss, f64_add_si, f64, |x, y| n::canon64(x + y));
bin!(F64_SUB, f64_sub_ss, f64_sub_si, f64_sub_is, f64, |x, y| n::canon64(x - y));
bin!(commutative F64_MUL, f64_mul_ss, f64_mul_si, f64, |x, y| n::canon64(x * y));
bin!(F64_DIV, f64_div_ss, f64_div_si, f64_div_is, f64, |x, y| n::canon64(x / y));
bin!(commutative F64_MIN, f64_min_ss, f64_min_si, f64, |x, y| n::f64_min(x, y));
bin!(commutative F64_MAX, f64_max_ss, f64_max_si, f64, |x, y| n::f64_max(x, y));
bin!(F64_COPYSIGN, f64_copysign_ss, f64_copysign_si, f64_copysign_is, f64, |x, y| x.copysign(y));
bin!(commutative F64_EQ, f64_eq_ss, f64_eq_si, f64, |x, y| x == y);
bin!(commutative F64_NE, f64_ne_ss, f64_ne_si, f64, |x, y| x != y);
bin!(F64_LT, f64_lt_ss, f64_lt_si, f64_lt_is, f64, |x, y| x < y);
bin!(F64_GT, f64_gt_ss, f64_gt_si, f64_gt_is, f64, |x, y| x > y);
bin!(F64_LE, f64_le_ss, f64_le_si, f64_le_is, f64, |x, y| x <= y);
bin!(F64_GE, f64_ge_ss, f64_ge_si, f64_ge_is, f64, |x, y| x >= y);
un!(f64_abs, u64, |x| x & 0x7FFF_FFFF_FFFF_FFFF);
un!(f64_neg, u64, |x| x ^ 0x8000_0000_0000_0000);
un!(f64_ceil, f64, |x| n::canon64(x.ceil()));
un!(f64_floor, f64, |x| n::canon64(x.floor()));
un!(f64_trunc, f64, |x| n::canon64(x.trunc()));
un!(f64_nearest, f64, |x| n::f64_nearest(x));
un!(f64_sqrt, f64, |x| n::canon64(x.sqrt()));
un!(f64_convert_i32_s, i32, |x| x as f64);
un!(f64_convert_i32_u, u32, |x| x as f64);
un!(f64_convert_i64_s, i64, |x| x as f64);
un!(f64_convert_i64_u, u64, |x| x as f64);
un!(f64_promote_f32, f32, |x| n::canon64(x as f64));

// ---- fused float multiply-add (two roundings, each canonicalized) ----

handler!(
    /// `a = (b * y) + z` in f64, with slot y in the low half of `c` and slot z in the high half.
    f64_mul_add(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let prod = n::canon64(rd::<f64>(sp, op.b) * rd::<f64>(sp, op.c_lo()));
    wr(sp, op.a, n::canon64(prod + rd::<f64>(sp, op.c_hi())));
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
    /// `a = (b * y) + z` in f32, with slot y in the low half of `c` and slot z in the high half.
    f32_mul_add(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let prod = n::canon32(rd::<f32>(sp, op.b) * rd::<f32>(sp, op.c_lo()));
    wr(sp, op.a, n::canon32(prod + rd::<f32>(sp, op.c_hi())));
    next!(ip.add(1), sp, mem, cx, gas)
});
