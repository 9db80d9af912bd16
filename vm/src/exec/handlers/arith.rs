//! Numeric handlers: integer and float arithmetic, bit operations, comparisons and
//! conversions, in their slot and immediate operand forms, and the fused forms the translator
//! makes of them (division by constants, `i64` bit-operation chains, multiply-add).

#![allow(unused_variables)]

use super::super::layout::{
    BitShift, BitShiftB, BitShiftBZ, BitShiftZ, Bits, BitsB, BitsZ, DivConst, DivConstAcc, DivisorData, DstAcc,
    DstSlot, DstSlot3, Of, WrapShr, WrapShrAcc, F32, F64, I32, I64,
};
use super::super::numeric as n;
use super::super::runtime::trap;
use super::{rd, wr, AccBin, Bin, Cell};

/// Defines the handlers of a binary operator `|$x, $y| $e` on `$t` and the [`Bin`] constant
/// naming them: both operands in slots (`ss`), the right one immediate (`si`), the left one
/// immediate (`is`, unless the operator is commutative: the translator swaps operands), and for
/// integer operators the left one in the accumulator with the right one in a slot (`as`) or
/// immediate (`ai`). The accumulator forms keep the left operand's slot in the op, for listings.
/// The immediates' type is `$t`'s ([`imm!`]), or `$k` in `$konst: $k`.
macro_rules! bin {
    ($konst:ident, $ss:ident, $si:ident, $is:ident, $as:ident, $ai:ident, $t:ident, |$x:ident, $y:ident| $e:expr) => {
        bin!($konst: imm!($t), $ss, $si, $is, $as, $ai, $t, |$x, $y| $e);
    };
    ($konst:ident: $k:ty, $ss:ident, $si:ident, $is:ident, $as:ident, $ai:ident, $t:ident, |$x:ident, $y:ident| $e:expr) => {
        bin!(@forms $ss, $si, $t, $k, |$x, $y| $e);
        bin!(@is $is, $t, $k, |$x, $y| $e);
        bin!(@acc $as, $ai, $t, $k, |$x, $y| $e);
        pub(crate) const $konst: Bin<$k> =
            Bin { ss: $ss, si: $si, is: Some($is), acc: Some(AccBin { slot: $as, imm: $ai }) };
    };
    (commutative $konst:ident, $ss:ident, $si:ident, $as:ident, $ai:ident, $t:ident, |$x:ident, $y:ident| $e:expr) => {
        bin!(@forms $ss, $si, $t, imm!($t), |$x, $y| $e);
        bin!(@acc $as, $ai, $t, imm!($t), |$x, $y| $e);
        pub(crate) const $konst: Bin<imm!($t)> =
            Bin { ss: $ss, si: $si, is: None, acc: Some(AccBin { slot: $as, imm: $ai }) };
    };
    (float $konst:ident, $ss:ident, $si:ident, $is:ident, $t:ident, |$x:ident, $y:ident| $e:expr) => {
        bin!(@forms $ss, $si, $t, imm!($t), |$x, $y| $e);
        bin!(@is $is, $t, imm!($t), |$x, $y| $e);
        pub(crate) const $konst: Bin<imm!($t)> = Bin { ss: $ss, si: $si, is: Some($is), acc: None };
    };
    (float commutative $konst:ident, $ss:ident, $si:ident, $t:ident, |$x:ident, $y:ident| $e:expr) => {
        bin!(@forms $ss, $si, $t, imm!($t), |$x, $y| $e);
        pub(crate) const $konst: Bin<imm!($t)> = Bin { ss: $ss, si: $si, is: None, acc: None };
    };
    (@forms $ss:ident, $si:ident, $t:ident, $k:ty, |$x:ident, $y:ident| $e:expr) => {
        handler!($ss(ip, sp, mem, cx, gas, acc, op: super::super::layout::DstSlotSlot) {
            let $x: $t = rd(sp, op.lhs);
            let $y: $t = rd(sp, op.rhs);
            let r = wr(sp, op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
        handler!($si(ip, sp, mem, cx, gas, acc, op: super::super::layout::DstSlotImm<$k>) {
            let $x: $t = rd(sp, op.lhs);
            let $y: $t = <$t as Cell>::from_cell(op.rhs.0);
            let r = wr(sp, op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
    };
    (@is $is:ident, $t:ident, $k:ty, |$x:ident, $y:ident| $e:expr) => {
        handler!($is(ip, sp, mem, cx, gas, acc, op: super::super::layout::DstImmSlot<$k>) {
            let $x: $t = <$t as Cell>::from_cell(op.lhs.0);
            let $y: $t = rd(sp, op.rhs);
            let r = wr(sp, op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
    };
    (@acc $as:ident, $ai:ident, $t:ident, $k:ty, |$x:ident, $y:ident| $e:expr) => {
        handler!($as(ip, sp, mem, cx, gas, acc, op: super::super::layout::DstAccSlot) {
            let $x: $t = <$t as Cell>::from_cell(acc);
            let $y: $t = rd(sp, op.rhs);
            let r = wr(sp, op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
        handler!($ai(ip, sp, mem, cx, gas, acc, op: super::super::layout::DstAccImm<$k>) {
            let $x: $t = <$t as Cell>::from_cell(acc);
            let $y: $t = <$t as Cell>::from_cell(op.rhs.0);
            let r = wr(sp, op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
    };
}

/// The immediate type ([`ImmType`](super::super::layout::ImmType)) of an operator on `$t`
/// (`copysign` works on the bits of its floats: its `bin!` names the type).
macro_rules! imm {
    (i32) => {
        I32
    };
    (u32) => {
        I32
    };
    (i64) => {
        I64
    };
    (u64) => {
        I64
    };
    (f32) => {
        F32
    };
    (f64) => {
        F64
    };
}

/// [`bin!`] for operators that can trap (integer division and remainder): no accumulator forms.
macro_rules! bin_try {
    ($konst:ident, $ss:ident, $si:ident, $is:ident, $t:ident, $f:path) => {
        handler!($ss(ip, sp, mem, cx, gas, acc, op: super::super::layout::DstSlotSlot) {
            let r = match $f(rd::<$t>(sp, op.lhs), rd::<$t>(sp, op.rhs)) {
                Ok(v) => wr(sp, op.dst, v),
                Err(code) => return trap(ip, cx, code, gas),
            };
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
        handler!($si(ip, sp, mem, cx, gas, acc, op: super::super::layout::DstSlotImm<imm!($t)>) {
            let r = match $f(rd::<$t>(sp, op.lhs), <$t as Cell>::from_cell(op.rhs.0)) {
                Ok(v) => wr(sp, op.dst, v),
                Err(code) => return trap(ip, cx, code, gas),
            };
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
        handler!($is(ip, sp, mem, cx, gas, acc, op: super::super::layout::DstImmSlot<imm!($t)>) {
            let r = match $f(<$t as Cell>::from_cell(op.lhs.0), rd::<$t>(sp, op.rhs)) {
                Ok(v) => wr(sp, op.dst, v),
                Err(code) => return trap(ip, cx, code, gas),
            };
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
        pub(crate) const $konst: Bin<imm!($t)> = Bin { ss: $ss, si: $si, is: Some($is), acc: None };
    };
}

/// Defines the handler `$name` of a unary operator, operand in slot `b`, and with `$acc` its
/// form that reads the operand from the accumulator (keeping its slot in `b`).
macro_rules! un {
    ($name:ident, $t:ty, |$x:ident| $e:expr) => {
        handler!($name(ip, sp, mem, cx, gas, acc, op: DstSlot) {
            let $x: $t = rd(sp, op.src);
            let r = wr(sp, op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
    };
    ($name:ident / $acc:ident, $t:ty, |$x:ident| $e:expr) => {
        un!($name, $t, |$x| $e);
        handler!($acc(ip, sp, mem, cx, gas, acc, op: DstAcc) {
            let $x: $t = <$t as Cell>::from_cell(acc);
            let r = wr(sp, op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
    };
}

macro_rules! un_try {
    ($name:ident, $t:ty, $f:path) => {
        handler!($name(ip, sp, mem, cx, gas, acc, op: DstSlot) {
            let r = match $f(rd::<$t>(sp, op.src)) {
                Ok(v) => wr(sp, op.dst, v),
                Err(code) => return trap(ip, cx, code, gas),
            };
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
    };
}

// ---- i32 ----
bin!(commutative I32_ADD, i32_add_ss, i32_add_si, i32_add_as, i32_add_ai, i32, |x, y| x.wrapping_add(y));
bin!(I32_SUB, i32_sub_ss, i32_sub_si, i32_sub_is, i32_sub_as, i32_sub_ai, i32, |x, y| x.wrapping_sub(y));
bin!(commutative I32_MUL, i32_mul_ss, i32_mul_si, i32_mul_as, i32_mul_ai, i32, |x, y| x.wrapping_mul(y));
bin_try!(I32_DIV_S, i32_div_s_ss, i32_div_s_si, i32_div_s_is, i32, n::i32_div_s);
bin_try!(I32_DIV_U, i32_div_u_ss, i32_div_u_si, i32_div_u_is, i32, n::i32_div_u);
bin_try!(I32_REM_S, i32_rem_s_ss, i32_rem_s_si, i32_rem_s_is, i32, n::i32_rem_s);
bin_try!(I32_REM_U, i32_rem_u_ss, i32_rem_u_si, i32_rem_u_is, i32, n::i32_rem_u);

/// Defines `$name`, an op of one operand in slot `b` whose result is `$e` (which may read the
/// op's other fields), and `$acc`, the same op reading that operand from the accumulator (its
/// slot stays in `b`). The next op is `$step` ops on (2 when a data op follows).
macro_rules! slot_or_acc {
    ($(#[$m:meta])* $name:ident: $l:ident / $acc:ident: $la:ident $(, $data:ident: $d:ident)?; $step:literal,
        |$t:ty, $op:ident, $x:ident| $e:expr) => {
        handler!($(#[$m])* $name(ip, sp, mem, cx, gas, acc, $op: $l $(, $data: $d)?) {
            let $x: $t = rd(sp, $op.src);
            let r = wr(sp, $op.dst, $e);
            next!(ip.add($step), sp, mem, cx, gas, r)
        });
        handler!(
            /// The form that reads its operand from the accumulator.
            $acc(ip, sp, mem, cx, gas, acc, $op: $la $(, $data: $d)?) {
            let $x: $t = <$t as Cell>::from_cell(acc);
            let r = wr(sp, $op.dst, $e);
            next!(ip.add($step), sp, mem, cx, gas, r)
        });
    };
}

slot_or_acc!(
    /// `i32.div_u` by a constant: slot `b` times the reciprocal `c` (no zero check, no divide).
    i32_div_u_const: DivConst / i32_div_u_const_a: DivConstAcc; 1,
    |u32, op, x| n::Reciprocal32::from_bits(op.by.0).quotient(x)
);
slot_or_acc!(
    /// `i32.div_s` by a positive constant: slot `b` times the reciprocal `c`.
    i32_div_s_const: DivConst / i32_div_s_const_a: DivConstAcc; 1,
    |i32, op, x| n::Reciprocal32::from_bits(op.by.0).quotient_signed(x)
);
slot_or_acc!(
    /// `i32.rem_u` by a constant: slot `b`, the reciprocal in `c`; the next op is data whose
    /// `c` is the divisor.
    i32_rem_u_const: DivConst / i32_rem_u_const_a: DivConstAcc, data: DivisorData; 2,
    |u32, op, x| n::Reciprocal32::from_bits(op.by.0).remainder(x, data.divisor.0)
);
slot_or_acc!(
    /// `i32.rem_s` by a constant: slot `b`, the reciprocal of the divisor's magnitude in `c`;
    /// the next op is data whose `c` is that magnitude.
    i32_rem_s_const: DivConst / i32_rem_s_const_a: DivConstAcc, data: DivisorData; 2,
    |i32, op, x| n::Reciprocal32::from_bits(op.by.0).remainder_signed(x, data.divisor.0)
);
bin!(commutative I32_AND, i32_and_ss, i32_and_si, i32_and_as, i32_and_ai, i32, |x, y| x & y);
bin!(commutative I32_OR, i32_or_ss, i32_or_si, i32_or_as, i32_or_ai, i32, |x, y| x | y);
bin!(commutative I32_XOR, i32_xor_ss, i32_xor_si, i32_xor_as, i32_xor_ai, i32, |x, y| x ^ y);
bin!(I32_SHL, i32_shl_ss, i32_shl_si, i32_shl_is, i32_shl_as, i32_shl_ai, i32, |x, y| x.wrapping_shl(y as u32));
bin!(I32_SHR_S, i32_shr_s_ss, i32_shr_s_si, i32_shr_s_is, i32_shr_s_as, i32_shr_s_ai, i32, |x, y| x
    .wrapping_shr(y as u32));
bin!(I32_SHR_U, i32_shr_u_ss, i32_shr_u_si, i32_shr_u_is, i32_shr_u_as, i32_shr_u_ai, u32, |x, y| x.wrapping_shr(y));
bin!(I32_ROTL, i32_rotl_ss, i32_rotl_si, i32_rotl_is, i32_rotl_as, i32_rotl_ai, u32, |x, y| x.rotate_left(y % 32));
bin!(I32_ROTR, i32_rotr_ss, i32_rotr_si, i32_rotr_is, i32_rotr_as, i32_rotr_ai, u32, |x, y| x.rotate_right(y % 32));
bin!(commutative I32_EQ, i32_eq_ss, i32_eq_si, i32_eq_as, i32_eq_ai, i32, |x, y| x == y);
bin!(commutative I32_NE, i32_ne_ss, i32_ne_si, i32_ne_as, i32_ne_ai, i32, |x, y| x != y);
bin!(I32_LT_S, i32_lt_s_ss, i32_lt_s_si, i32_lt_s_is, i32_lt_s_as, i32_lt_s_ai, i32, |x, y| x < y);
bin!(I32_LT_U, i32_lt_u_ss, i32_lt_u_si, i32_lt_u_is, i32_lt_u_as, i32_lt_u_ai, u32, |x, y| x < y);
bin!(I32_GT_S, i32_gt_s_ss, i32_gt_s_si, i32_gt_s_is, i32_gt_s_as, i32_gt_s_ai, i32, |x, y| x > y);
bin!(I32_GT_U, i32_gt_u_ss, i32_gt_u_si, i32_gt_u_is, i32_gt_u_as, i32_gt_u_ai, u32, |x, y| x > y);
bin!(I32_LE_S, i32_le_s_ss, i32_le_s_si, i32_le_s_is, i32_le_s_as, i32_le_s_ai, i32, |x, y| x <= y);
bin!(I32_LE_U, i32_le_u_ss, i32_le_u_si, i32_le_u_is, i32_le_u_as, i32_le_u_ai, u32, |x, y| x <= y);
bin!(I32_GE_S, i32_ge_s_ss, i32_ge_s_si, i32_ge_s_is, i32_ge_s_as, i32_ge_s_ai, i32, |x, y| x >= y);
bin!(I32_GE_U, i32_ge_u_ss, i32_ge_u_si, i32_ge_u_is, i32_ge_u_as, i32_ge_u_ai, u32, |x, y| x >= y);
un!(i32_eqz / i32_eqz_a, u32, |x| x == 0);
un!(i32_clz / i32_clz_a, u32, |x| x.leading_zeros());
un!(i32_ctz / i32_ctz_a, u32, |x| x.trailing_zeros());
un!(i32_popcnt / i32_popcnt_a, u32, |x| x.count_ones());
un!(i32_extend8_s / i32_extend8_s_a, i32, |x| x as i8 as i32);
un!(i32_extend16_s / i32_extend16_s_a, i32, |x| x as i16 as i32);
un!(i32_wrap_i64 / i32_wrap_i64_a, i64, |x| x as i32);

slot_or_acc!(
    /// `i32.wrap_i64` of an `i64.shr_u` by a constant: bits `k..k+32` of slot `b`, `k` in `c`.
    i32_wrap_shr_u: WrapShr / i32_wrap_shr_u_a: WrapShrAcc; 1,
    |u64, op, x| x.wrapping_shr(op.k.0) as u32
);
un_try!(i32_trunc_f32_s, f32, n::i32_trunc_f32_s);
un_try!(i32_trunc_f32_u, f32, n::i32_trunc_f32_u);
un_try!(i32_trunc_f64_s, f64, n::i32_trunc_f64_s);
un_try!(i32_trunc_f64_u, f64, n::i32_trunc_f64_u);
un!(i32_trunc_sat_f32_s, f32, |x| x as i32);
un!(i32_trunc_sat_f32_u, f32, |x| x as u32);
un!(i32_trunc_sat_f64_s, f64, |x| x as i32);
un!(i32_trunc_sat_f64_u, f64, |x| x as u32);

// ---- i64 ----
bin!(commutative I64_ADD, i64_add_ss, i64_add_si, i64_add_as, i64_add_ai, i64, |x, y| x.wrapping_add(y));
bin!(I64_SUB, i64_sub_ss, i64_sub_si, i64_sub_is, i64_sub_as, i64_sub_ai, i64, |x, y| x.wrapping_sub(y));
bin!(commutative I64_MUL, i64_mul_ss, i64_mul_si, i64_mul_as, i64_mul_ai, i64, |x, y| x.wrapping_mul(y));
bin_try!(I64_DIV_S, i64_div_s_ss, i64_div_s_si, i64_div_s_is, i64, n::i64_div_s);
bin_try!(I64_DIV_U, i64_div_u_ss, i64_div_u_si, i64_div_u_is, i64, n::i64_div_u);
bin_try!(I64_REM_S, i64_rem_s_ss, i64_rem_s_si, i64_rem_s_is, i64, n::i64_rem_s);
bin_try!(I64_REM_U, i64_rem_u_ss, i64_rem_u_si, i64_rem_u_is, i64, n::i64_rem_u);
bin!(commutative I64_AND, i64_and_ss, i64_and_si, i64_and_as, i64_and_ai, i64, |x, y| x & y);
bin!(commutative I64_OR, i64_or_ss, i64_or_si, i64_or_as, i64_or_ai, i64, |x, y| x | y);
bin!(commutative I64_XOR, i64_xor_ss, i64_xor_si, i64_xor_as, i64_xor_ai, i64, |x, y| x ^ y);
bin!(I64_SHL, i64_shl_ss, i64_shl_si, i64_shl_is, i64_shl_as, i64_shl_ai, i64, |x, y| x.wrapping_shl(y as u32));
bin!(I64_SHR_S, i64_shr_s_ss, i64_shr_s_si, i64_shr_s_is, i64_shr_s_as, i64_shr_s_ai, i64, |x, y| x
    .wrapping_shr(y as u32));
bin!(I64_SHR_U, i64_shr_u_ss, i64_shr_u_si, i64_shr_u_is, i64_shr_u_as, i64_shr_u_ai, u64, |x, y| x
    .wrapping_shr(y as u32));
bin!(I64_ROTL, i64_rotl_ss, i64_rotl_si, i64_rotl_is, i64_rotl_as, i64_rotl_ai, u64, |x, y| x
    .rotate_left((y % 64) as u32));
bin!(I64_ROTR, i64_rotr_ss, i64_rotr_si, i64_rotr_is, i64_rotr_as, i64_rotr_ai, u64, |x, y| x
    .rotate_right((y % 64) as u32));

/// Fused `i64` bit operations: the operand in slot `b`, a second operand in the slot in the low
/// half of `c`, and in the high half either a shift amount (already reduced modulo 64) or a
/// third slot. They replace two Wasm operators whose intermediate result nothing else reads, as
/// hash functions, PRNGs and permutations such as Keccak chain them. Each has forms reading `b`,
/// `z` or both (when they are the same slot) from the accumulator, named by a [`Fused`]
/// constant.
macro_rules! bit_fused {
    ($($(#[$m:meta])* $konst:ident: $family:ident = $name:ident: $l:ident / $b_acc:ident: $lb:ident / $z_acc:ident: $lz:ident
        $(/ $both_acc:ident: $lbz:ident)? (|$b:ident, $z:ident, $op:ident| $e:expr);)*) => {$(
        handler!($(#[$m])* $name(ip, sp, mem, cx, gas, acc, $op: $l) {
            let $b: u64 = rd(sp, $op.b);
            let $z: u64 = rd(sp, $op.z);
            let r = wr(sp, $op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
        handler!(
            /// The form with `b` in the accumulator.
            $b_acc(ip, sp, mem, cx, gas, acc, $op: $lb) {
            let $b: u64 = acc;
            let $z: u64 = rd(sp, $op.z);
            let r = wr(sp, $op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
        handler!(
            /// The form with `z` in the accumulator.
            $z_acc(ip, sp, mem, cx, gas, acc, $op: $lz) {
            let $b: u64 = rd(sp, $op.b);
            let $z: u64 = acc;
            let r = wr(sp, $op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });
        $(handler!(
            /// The form with `b` and `z` the same slot, in the accumulator.
            $both_acc(ip, sp, mem, cx, gas, acc, $op: $lbz) {
            let $b: u64 = acc;
            let $z: u64 = acc;
            let r = wr(sp, $op.dst, $e);
            next!(ip.add(1), sp, mem, cx, gas, r)
        });)?
        $(#[$m])*
        pub(crate) const $konst: $family = bit_fused!(@make $family, $name, $b_acc, $z_acc $(, $both_acc)?);
    )*};
    (@make Fused, $plain:ident, $b_acc:ident, $z_acc:ident, $both_acc:ident) => {
        Fused { plain: $plain, b_acc: $b_acc, z_acc: $z_acc, both_acc: Some($both_acc) }
    };
    (@make Fused, $plain:ident, $b_acc:ident, $z_acc:ident) => {
        Fused { plain: $plain, b_acc: $b_acc, z_acc: $z_acc, both_acc: None }
    };
    (@make FusedBits, $plain:ident, $b_acc:ident, $z_acc:ident) => {
        FusedBits { plain: $plain, b_acc: $b_acc, z_acc: $z_acc }
    };
}

/// The forms of a fused bit operation of two slots `b` and `z` and a shift amount `k` (see
/// [`bit_fused!`]).
#[derive(Clone, Copy)]
pub(crate) struct Fused {
    /// Both operands from their slots.
    pub plain: Of<BitShift>,
    /// `b` from the accumulator.
    pub b_acc: Of<BitShiftB>,
    /// `z` from the accumulator.
    pub z_acc: Of<BitShiftZ>,
    /// `b` and `z`, the same slot, from the accumulator; `None` where that makes a constant
    /// (`rotl(b ^ b, k)`), which compilers do not emit.
    pub both_acc: Option<Of<BitShiftBZ>>,
}

/// [`Fused`] for an operation without a shift amount (`z & !b`; with `b` and `z` one slot it
/// is a constant, which compilers do not emit).
#[derive(Clone, Copy)]
pub(crate) struct FusedBits {
    /// Both operands from their slots.
    pub plain: Of<Bits>,
    /// `b` from the accumulator.
    pub b_acc: Of<BitsB>,
    /// `z` from the accumulator.
    pub z_acc: Of<BitsZ>,
}

bit_fused! {
    /// `z ^ (b << k)`.
    I64_XOR_SHL: Fused = i64_xor_shl: BitShift / i64_xor_shl_a: BitShiftB / i64_xor_shl_za: BitShiftZ
        / i64_xor_shl_aa: BitShiftBZ(|b, z, op| z ^ b.wrapping_shl(op.k.0));
    /// `z ^ (b >> k)`, unsigned.
    I64_XOR_SHR_U: Fused = i64_xor_shr_u: BitShift / i64_xor_shr_u_a: BitShiftB / i64_xor_shr_u_za: BitShiftZ
        / i64_xor_shr_u_aa: BitShiftBZ(|b, z, op| z ^ b.wrapping_shr(op.k.0));
    /// `z ^ rotl(b, k)`.
    I64_XOR_ROTL: Fused = i64_xor_rotl: BitShift / i64_xor_rotl_a: BitShiftB / i64_xor_rotl_za: BitShiftZ
        / i64_xor_rotl_aa: BitShiftBZ(|b, z, op| z ^ b.rotate_left(op.k.0));
    /// `rotl(b ^ z, k)`.
    I64_ROTL_XOR: Fused = i64_rotl_xor: BitShift / i64_rotl_xor_a: BitShiftB / i64_rotl_xor_za: BitShiftZ
        (|b, z, op| (b ^ z).rotate_left(op.k.0));
    /// `z & !b`.
    I64_ANDN: FusedBits = i64_andn: Bits / i64_andn_a: BitsB / i64_andn_za: BitsZ(|b, z, op| z & !b);
}

handler!(
/// `w ^ (z & !b)`: slots `b` (`x`), `z` (`y`) and `w` (`z`).
i64_xor_andn(ip, sp, mem, cx, gas, acc, op: DstSlot3) {
    let b: u64 = rd(sp, op.x);
    let z: u64 = rd(sp, op.y);
    let w: u64 = rd(sp, op.z);
    let r = wr(sp, op.dst, w ^ (z & !b));
    next!(ip.add(1), sp, mem, cx, gas, r)
});

bin!(commutative I64_EQ, i64_eq_ss, i64_eq_si, i64_eq_as, i64_eq_ai, i64, |x, y| x == y);
bin!(commutative I64_NE, i64_ne_ss, i64_ne_si, i64_ne_as, i64_ne_ai, i64, |x, y| x != y);
bin!(I64_LT_S, i64_lt_s_ss, i64_lt_s_si, i64_lt_s_is, i64_lt_s_as, i64_lt_s_ai, i64, |x, y| x < y);
bin!(I64_LT_U, i64_lt_u_ss, i64_lt_u_si, i64_lt_u_is, i64_lt_u_as, i64_lt_u_ai, u64, |x, y| x < y);
bin!(I64_GT_S, i64_gt_s_ss, i64_gt_s_si, i64_gt_s_is, i64_gt_s_as, i64_gt_s_ai, i64, |x, y| x > y);
bin!(I64_GT_U, i64_gt_u_ss, i64_gt_u_si, i64_gt_u_is, i64_gt_u_as, i64_gt_u_ai, u64, |x, y| x > y);
bin!(I64_LE_S, i64_le_s_ss, i64_le_s_si, i64_le_s_is, i64_le_s_as, i64_le_s_ai, i64, |x, y| x <= y);
bin!(I64_LE_U, i64_le_u_ss, i64_le_u_si, i64_le_u_is, i64_le_u_as, i64_le_u_ai, u64, |x, y| x <= y);
bin!(I64_GE_S, i64_ge_s_ss, i64_ge_s_si, i64_ge_s_is, i64_ge_s_as, i64_ge_s_ai, i64, |x, y| x >= y);
bin!(I64_GE_U, i64_ge_u_ss, i64_ge_u_si, i64_ge_u_is, i64_ge_u_as, i64_ge_u_ai, u64, |x, y| x >= y);
un!(i64_eqz / i64_eqz_a, u64, |x| x == 0);
un!(i64_clz / i64_clz_a, u64, |x| x.leading_zeros() as u64);
un!(i64_ctz / i64_ctz_a, u64, |x| x.trailing_zeros() as u64);
un!(i64_popcnt / i64_popcnt_a, u64, |x| x.count_ones() as u64);
un!(i64_extend8_s / i64_extend8_s_a, i64, |x| x as i8 as i64);
un!(i64_extend16_s / i64_extend16_s_a, i64, |x| x as i16 as i64);
un!(i64_extend32_s / i64_extend32_s_a, i64, |x| x as i32 as i64);
un_try!(i64_trunc_f32_s, f32, n::i64_trunc_f32_s);
un_try!(i64_trunc_f32_u, f32, n::i64_trunc_f32_u);
un_try!(i64_trunc_f64_s, f64, n::i64_trunc_f64_s);
un_try!(i64_trunc_f64_u, f64, n::i64_trunc_f64_u);
un!(i64_trunc_sat_f32_s, f32, |x| x as i64);
un!(i64_trunc_sat_f32_u, f32, |x| x as u64);
un!(i64_trunc_sat_f64_s, f64, |x| x as i64);
un!(i64_trunc_sat_f64_u, f64, |x| x as u64);

// ---- f32 ----
bin!(float commutative F32_ADD, f32_add_ss, f32_add_si, f32, |x, y| n::canon32(x + y));
bin!(float F32_SUB, f32_sub_ss, f32_sub_si, f32_sub_is, f32, |x, y| n::canon32(x - y));
bin!(float commutative F32_MUL, f32_mul_ss, f32_mul_si, f32, |x, y| n::canon32(x * y));
bin!(float F32_DIV, f32_div_ss, f32_div_si, f32_div_is, f32, |x, y| n::canon32(x / y));
bin!(float commutative F32_MIN, f32_min_ss, f32_min_si, f32, |x, y| n::f32_min(x, y));
bin!(float commutative F32_MAX, f32_max_ss, f32_max_si, f32, |x, y| n::f32_max(x, y));
// `copysign` on the bits (as Wasm defines it), so that it has the integer operators' accumulator forms.
bin!(F32_COPYSIGN: F32, f32_copysign_ss, f32_copysign_si, f32_copysign_is, f32_copysign_as, f32_copysign_ai, u32, |x, y| {
    (x & 0x7FFF_FFFF) | (y & 0x8000_0000)
});
bin!(float commutative F32_EQ, f32_eq_ss, f32_eq_si, f32, |x, y| x == y);
bin!(float commutative F32_NE, f32_ne_ss, f32_ne_si, f32, |x, y| x != y);
bin!(float F32_LT, f32_lt_ss, f32_lt_si, f32_lt_is, f32, |x, y| x < y);
bin!(float F32_GT, f32_gt_ss, f32_gt_si, f32_gt_is, f32, |x, y| x > y);
bin!(float F32_LE, f32_le_ss, f32_le_si, f32_le_is, f32, |x, y| x <= y);
bin!(float F32_GE, f32_ge_ss, f32_ge_si, f32_ge_is, f32, |x, y| x >= y);
un!(f32_abs / f32_abs_a, u32, |x| x & 0x7FFF_FFFF);
un!(f32_neg / f32_neg_a, u32, |x| x ^ 0x8000_0000);
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
bin!(float commutative F64_ADD, f64_add_ss, f64_add_si, f64, |x, y| n::canon64(x + y));
bin!(float F64_SUB, f64_sub_ss, f64_sub_si, f64_sub_is, f64, |x, y| n::canon64(x - y));
bin!(float commutative F64_MUL, f64_mul_ss, f64_mul_si, f64, |x, y| n::canon64(x * y));
bin!(float F64_DIV, f64_div_ss, f64_div_si, f64_div_is, f64, |x, y| n::canon64(x / y));
bin!(float commutative F64_MIN, f64_min_ss, f64_min_si, f64, |x, y| n::f64_min(x, y));
bin!(float commutative F64_MAX, f64_max_ss, f64_max_si, f64, |x, y| n::f64_max(x, y));
bin!(F64_COPYSIGN: F64, f64_copysign_ss, f64_copysign_si, f64_copysign_is, f64_copysign_as, f64_copysign_ai, u64, |x, y| {
    (x & 0x7FFF_FFFF_FFFF_FFFF) | (y & 0x8000_0000_0000_0000)
});
bin!(float commutative F64_EQ, f64_eq_ss, f64_eq_si, f64, |x, y| x == y);
bin!(float commutative F64_NE, f64_ne_ss, f64_ne_si, f64, |x, y| x != y);
bin!(float F64_LT, f64_lt_ss, f64_lt_si, f64_lt_is, f64, |x, y| x < y);
bin!(float F64_GT, f64_gt_ss, f64_gt_si, f64_gt_is, f64, |x, y| x > y);
bin!(float F64_LE, f64_le_ss, f64_le_si, f64_le_is, f64, |x, y| x <= y);
bin!(float F64_GE, f64_ge_ss, f64_ge_si, f64_ge_is, f64, |x, y| x >= y);
un!(f64_abs / f64_abs_a, u64, |x| x & 0x7FFF_FFFF_FFFF_FFFF);
un!(f64_neg / f64_neg_a, u64, |x| x ^ 0x8000_0000_0000_0000);
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
    /// `dst = (x * y) + z` in f64.
    ///
    /// Only the sum is canonicalized: a NaN product makes the sum a NaN, which becomes the
    /// canonical NaN either way, and a non-NaN product is the same value canonicalized or not.
    f64_mul_add(ip, sp, mem, cx, gas, acc, op: DstSlot3) {
    let prod = rd::<f64>(sp, op.x) * rd::<f64>(sp, op.y);
    let r = wr(sp, op.dst, n::canon64(prod + rd::<f64>(sp, op.z)));
    next!(ip.add(1), sp, mem, cx, gas, r)
});

handler!(
    /// `dst = (x * y) + z` in f32 (only the sum is canonicalized, as in [`f64_mul_add`]).
    f32_mul_add(ip, sp, mem, cx, gas, acc, op: DstSlot3) {
    let prod = rd::<f32>(sp, op.x) * rd::<f32>(sp, op.y);
    let r = wr(sp, op.dst, n::canon32(prod + rd::<f32>(sp, op.z)));
    next!(ip.add(1), sp, mem, cx, gas, r)
});
