//! Op handlers.
//!
//! # Invariants every handler relies on
//! The translator upholds these for every op it emits, from facts the validator proved:
//! - `ip` points at an op of a translated function and every branch offset lands on an op of the
//!   same function;
//! - `sp` is the current frame base and every slot operand is below the function's
//!   `frame_cells`, which the call that created the frame checked against the stack's end;
//! - slots hold values of the type the op expects (validation types the operand stack);
//! - `mem..mem + cx.mem_len` is the current instance's default memory; every access is
//!   bounds-checked against `cx.mem_len` before it touches memory;
//! - global, table, function, segment and type indices in operands are in range for the current
//!   instance.

#![allow(unused_variables)]

use core::ptr;

use super::numeric as n;
use super::runtime::{self, trap};
use super::{Cx, Handler, Ip, Sp};
use crate::TrapCode;

/// Continues at `ip`: a tail call into its handler, or a return to the driver loop.
#[inline(always)]
pub(crate) unsafe fn next_op(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64) -> Ip {
    #[cfg(not(tally_portable))]
    // SAFETY: `ip` is a valid op (handler invariants); this call compiles to a jump.
    unsafe {
        ((*ip).h)(ip, sp, mem, cx, gas)
    }
    #[cfg(tally_portable)]
    // SAFETY: `cx` is the live context.
    unsafe {
        (*cx).sp = sp;
        (*cx).mem = mem;
        (*cx).meter.set_remaining(gas);
        ip
    }
}

/// Defines a handler. Each handler is one function with one address, never inlined into a
/// caller (it has none: ops reach it through a pointer): the op table finds ops by handler
/// address, and rustc would otherwise copy a small handler that makes no call (as with
/// `tally_portable`) into every codegen unit that takes its address, each copy with an address
/// of its own.
macro_rules! handler {
    ($(#[$m:meta])* $name:ident($ip:ident, $sp:ident, $mem:ident, $cx:ident, $gas:ident) $body:block) => {
        $(#[$m])*
        #[inline(never)]
        pub(crate) unsafe extern "C" fn $name($ip: Ip, $sp: Sp, $mem: *mut u8, $cx: *mut Cx, $gas: u64) -> Ip {
            // SAFETY: the caller upholds the handler invariants in the module docs.
            unsafe { $body }
        }
    };
}

macro_rules! next {
    ($ip:expr, $sp:expr, $mem:expr, $cx:expr, $gas:expr) => {
        return next_op($ip, $sp, $mem, $cx, $gas)
    };
}

/// A value that lives in an untyped 64-bit cell. `i32`/`f32` occupy the low 32 bits and the
/// upper half is zero.
pub(crate) trait Cell: Copy {
    fn from_cell(c: u64) -> Self;
    fn to_cell(self) -> u64;
}

macro_rules! cell32 {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            #[inline(always)]
            fn from_cell(c: u64) -> Self { c as u32 as $t }
            #[inline(always)]
            fn to_cell(self) -> u64 { self as u32 as u64 }
        }
    )*};
}
cell32!(i32, u32);
impl Cell for i64 {
    #[inline(always)]
    fn from_cell(c: u64) -> Self {
        c as i64
    }
    #[inline(always)]
    fn to_cell(self) -> u64 {
        self as u64
    }
}
impl Cell for u64 {
    #[inline(always)]
    fn from_cell(c: u64) -> Self {
        c
    }
    #[inline(always)]
    fn to_cell(self) -> u64 {
        self
    }
}
impl Cell for f32 {
    #[inline(always)]
    fn from_cell(c: u64) -> Self {
        f32::from_bits(c as u32)
    }
    #[inline(always)]
    fn to_cell(self) -> u64 {
        self.to_bits() as u64
    }
}
impl Cell for f64 {
    #[inline(always)]
    fn from_cell(c: u64) -> Self {
        f64::from_bits(c)
    }
    #[inline(always)]
    fn to_cell(self) -> u64 {
        self.to_bits()
    }
}
impl Cell for bool {
    #[inline(always)]
    fn from_cell(c: u64) -> Self {
        c != 0
    }
    #[inline(always)]
    fn to_cell(self) -> u64 {
        self as u64
    }
}

#[inline(always)]
unsafe fn rd<T: Cell>(sp: Sp, slot: u32) -> T {
    // SAFETY: slot operands are inside the frame (handler invariants).
    unsafe { T::from_cell(*sp.add(slot as usize)) }
}

#[inline(always)]
unsafe fn wr<T: Cell>(sp: Sp, slot: u32, v: T) {
    // SAFETY: slot operands are inside the frame (handler invariants).
    unsafe { *sp.add(slot as usize) = v.to_cell() }
}

/// The handlers of one binary operator: both operands in slots, right one immediate, and (for
/// non-commutative operators) left one immediate.
#[derive(Clone, Copy)]
pub(crate) struct Bin {
    pub ss: Handler,
    pub si: Handler,
    /// `None` when the operator is commutative: the translator swaps operands instead.
    pub is: Option<Handler>,
}

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

// ---- conditional branches ----

/// The four forms of one conditional branch. A form's taken way, its fallthrough, or both pay
/// the `gas` op at their destination themselves, one dispatch fewer each (see [`charged_branch`]
/// and [`charged_fallthrough`]); the translator picks the form once both destinations are known.
#[derive(Clone, Copy)]
pub(crate) struct CondBranch {
    /// Neither way pays: `c` is the branch offset.
    pub plain: Handler,
    /// The taken branch pays the charge at its target; `c` as for [`charged_branch`].
    pub taken_pays: Handler,
    /// The fallthrough pays the `gas` op right after the branch; `c` is the branch offset.
    pub falls_pays: Handler,
    /// Both ways pay; `c` as for [`charged_branch`].
    pub both_pay: Handler,
}

impl CondBranch {
    /// `current` (one of this branch's forms) with its taken way paying too.
    pub(crate) fn taken_paying(&self, current: Handler) -> Handler {
        if same(current, self.falls_pays) {
            self.both_pay
        } else {
            self.taken_pays
        }
    }

    /// `current` (one of this branch's forms) with its fallthrough paying too.
    pub(crate) fn falls_paying(&self, current: Handler) -> Handler {
        if same(current, self.taken_pays) {
            self.both_pay
        } else {
            self.falls_pays
        }
    }
}

/// Whether two handlers are the same function. Handlers compared this way differ in behaviour,
/// so their code (and address) does too.
pub(crate) fn same(x: Handler, y: Handler) -> bool {
    x as usize == y as usize
}

impl core::fmt::Debug for CondBranch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match super::op_table::lookup(self.plain) {
            Some(info) => write!(f, "CondBranch({})", info.name),
            None => write!(f, "CondBranch({:#x})", self.plain as usize),
        }
    }
}

/// A conditional branch fused with an integer comparison, in both operand forms.
#[derive(Clone, Copy)]
pub(crate) struct CmpBranch {
    /// Branch if `slot a <op> slot b`.
    pub ss: CondBranch,
    /// Branch if `slot a <op> imm b` (immediate sign-extended from 32 bits).
    pub si: CondBranch,
}

/// The fallthrough of a conditional branch followed by a `gas` op (the charge of the region the
/// branch falls into): pays that charge and continues after it, one dispatch fewer. The `gas` op
/// stays in place for whatever else lands on it; out of gas traps there, exactly as if it ran.
#[inline(always)]
unsafe fn charged_fallthrough(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64) -> Ip {
    // SAFETY: the translator picks the forms whose fallthrough pays only for a branch directly
    // followed by a `gas` op, so `ip + 1` is that op and `ip + 2` an op of the same function.
    unsafe {
        let charge = ip.add(1);
        let Some(gas) = gas.checked_sub((*charge).c) else {
            return out_of_gas(charge, cx);
        };
        next_op(ip.add(2), sp, mem, cx, gas)
    }
}

/// Takes a branch whose target starts with a `gas` op (a loop body's entry charge, or the charge
/// of the region after an `end` or `else`), paying that charge itself: the `gas` op then runs
/// only for the paths that do not pay it. `c` holds the branch offset to the op after the `gas`
/// op in its low half and the charge in its high half. Out of gas traps at the skipped `gas`
/// op, exactly where the unfused code would.
#[inline(always)]
unsafe fn charged_branch(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64) -> Ip {
    // SAFETY: the translator emits these forms only for branches whose target is preceded by
    // the charge, so `target - 1` is that `gas` op and `target` an op of the same function.
    unsafe {
        let op = &*ip;
        let target = ip.offset(op.charged_offset());
        let Some(gas) = gas.checked_sub(op.charged_gas()) else {
            return out_of_gas(target.sub(1), cx);
        };
        next_op(target, sp, mem, cx, gas)
    }
}

/// A taken branch: continues at `ip` plus the offset in `c`.
#[inline(always)]
unsafe fn jump(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64) -> Ip {
    // SAFETY: branch offsets land on an op of the same function (handler invariants).
    unsafe { next_op(ip.offset((*ip).branch_offset()), sp, mem, cx, gas) }
}

/// A branch not taken: continues at the next op.
#[inline(always)]
unsafe fn fall_through(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64) -> Ip {
    // SAFETY: a conditional branch is never a function's last op (handler invariants).
    unsafe { next_op(ip.add(1), sp, mem, cx, gas) }
}

/// Defines module `$m` holding the four forms of the branch taken when `$e` holds over the
/// operand in slot `a` and the right-hand side `$rhs`, and the constant `$konst` naming them.
macro_rules! cond_branch {
    ($(#[$doc:meta])* $konst:ident = $m:ident, $t:ty, |$op:ident, $sp:ident| $rhs:expr, |$x:ident, $y:ident| $e:expr) => {
        $(#[$doc])*
        pub(crate) mod $m {
            use super::*;

            macro_rules! form {
                ($name:ident => $taken:ident / $fall:ident) => {
                    handler!($name(ip, $sp, mem, cx, gas) {
                        let $op = &*ip;
                        let $x: $t = rd($sp, $op.a);
                        let $y = $rhs;
                        if $e {
                            return $taken(ip, $sp, mem, cx, gas);
                        }
                        $fall(ip, $sp, mem, cx, gas)
                    });
                };
            }
            form!(plain => jump / fall_through);
            form!(taken_pays => charged_branch / fall_through);
            form!(falls_pays => jump / charged_fallthrough);
            form!(both_pay => charged_branch / charged_fallthrough);
        }
        $(#[$doc])*
        pub(crate) const $konst: CondBranch = CondBranch {
            plain: $m::plain,
            taken_pays: $m::taken_pays,
            falls_pays: $m::falls_pays,
            both_pay: $m::both_pay,
        };
    };
}

/// Defines module `$m` with the compare-and-branch forms for `slot a <op> slot b` (`ss`) and
/// `slot a <op> imm b` (`si`), and the constant `$konst` naming them.
macro_rules! cmp_br {
    ($konst:ident = $m:ident, $t:ty, $imm:ty, |$x:ident, $y:ident| $e:expr) => {
        pub(crate) mod $m {
            use super::*;
            cond_branch!(SS = ss, $t, |op, sp| rd::<$t>(sp, op.b), |$x, $y| $e);
            cond_branch!(SI = si, $t, |op, sp| op.b as i32 as $imm as $t, |$x, $y| $e);
        }
        pub(crate) const $konst: CmpBranch = CmpBranch { ss: $m::SS, si: $m::SI };
    };
}

cmp_br!(BR_I32_EQ = br_i32_eq, i32, i32, |x, y| x == y);
cmp_br!(BR_I32_NE = br_i32_ne, i32, i32, |x, y| x != y);
cmp_br!(BR_I32_LT_S = br_i32_lt_s, i32, i32, |x, y| x < y);
cmp_br!(BR_I32_LT_U = br_i32_lt_u, u32, i32, |x, y| x < y);
cmp_br!(BR_I32_GT_S = br_i32_gt_s, i32, i32, |x, y| x > y);
cmp_br!(BR_I32_GT_U = br_i32_gt_u, u32, i32, |x, y| x > y);
cmp_br!(BR_I32_LE_S = br_i32_le_s, i32, i32, |x, y| x <= y);
cmp_br!(BR_I32_LE_U = br_i32_le_u, u32, i32, |x, y| x <= y);
cmp_br!(BR_I32_GE_S = br_i32_ge_s, i32, i32, |x, y| x >= y);
cmp_br!(BR_I32_GE_U = br_i32_ge_u, u32, i32, |x, y| x >= y);
cmp_br!(BR_I64_EQ = br_i64_eq, i64, i64, |x, y| x == y);
cmp_br!(BR_I64_NE = br_i64_ne, i64, i64, |x, y| x != y);
cmp_br!(BR_I64_LT_S = br_i64_lt_s, i64, i64, |x, y| x < y);
cmp_br!(BR_I64_LT_U = br_i64_lt_u, u64, i64, |x, y| x < y);
cmp_br!(BR_I64_GT_S = br_i64_gt_s, i64, i64, |x, y| x > y);
cmp_br!(BR_I64_GT_U = br_i64_gt_u, u64, i64, |x, y| x > y);
cmp_br!(BR_I64_LE_S = br_i64_le_s, i64, i64, |x, y| x <= y);
cmp_br!(BR_I64_LE_U = br_i64_le_u, u64, i64, |x, y| x <= y);
cmp_br!(BR_I64_GE_S = br_i64_ge_s, i64, i64, |x, y| x >= y);
cmp_br!(BR_I64_GE_U = br_i64_ge_u, u64, i64, |x, y| x >= y);

cond_branch!(
    /// Branch if the i32 in slot `a` is not zero.
    BR_NEZ = br_nez, u32, |op, sp| 0u32, |x, zero| x != zero
);
cond_branch!(
    /// Branch if the i32 in slot `a` is zero.
    BR_EQZ = br_eqz, u32, |op, sp| 0u32, |x, zero| x == zero
);
cond_branch!(
    /// Branch if the i64 in slot `a` is not zero.
    BR_I64_NEZ = br_i64_nez, u64, |op, sp| 0u64, |x, zero| x != zero
);
cond_branch!(
    /// Branch if the i64 in slot `a` is zero.
    BR_I64_EQZ = br_i64_eqz, u64, |op, sp| 0u64, |x, zero| x == zero
);

// ---- moves, constants, control ----

handler!(copy(ip, sp, mem, cx, gas) {
    let op = &*ip;
    *sp.add(op.a as usize) = *sp.add(op.b as usize);
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(konst(ip, sp, mem, cx, gas) {
    let op = &*ip;
    *sp.add(op.a as usize) = op.c;
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(select(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let src = if rd::<u32>(sp, op.b) != 0 { op.c_lo() } else { op.c_hi() };
    *sp.add(op.a as usize) = *sp.add(src as usize);
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(br(ip, sp, mem, cx, gas) {
    next!(ip.offset((*ip).branch_offset()), sp, mem, cx, gas)
});

handler!(
/// `br` to a target that starts with a `gas` op, paying it (see [`charged_branch`]).
br_gas(ip, sp, mem, cx, gas) {
    charged_branch(ip, sp, mem, cx, gas)
});

/// `br` as a [`CondBranch`] that is always taken: it has no fallthrough, so its fallthrough
/// forms are the others.
pub(crate) const BR: CondBranch = CondBranch { plain: br, taken_pays: br_gas, falls_pays: br, both_pay: br_gas };

handler!(
/// `br_table`: index in slot `a`, `b` targets plus a default follow as ops whose `c` is the
/// branch offset relative to that entry.
br_table(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let i = rd::<u32>(sp, op.a).min(op.b);
    let entry = ip.add(1 + i as usize);
    next!(entry.offset((*entry).branch_offset()), sp, mem, cx, gas)
});

handler!(unreachable(ip, sp, mem, cx, gas) {
    trap(ip, cx, TrapCode::Unreachable, gas)
});

handler!(global_get(ip, sp, mem, cx, gas) {
    let op = &*ip;
    *sp.add(op.a as usize) = **(*cx).globals.add(op.b as usize);
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(global_set(ip, sp, mem, cx, gas) {
    let op = &*ip;
    **(*cx).globals.add(op.a as usize) = *sp.add(op.b as usize);
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(global_set_imm(ip, sp, mem, cx, gas) {
    let op = &*ip;
    **(*cx).globals.add(op.a as usize) = op.c;
    next!(ip.add(1), sp, mem, cx, gas)
});

// ---- metering intrinsics ----
//
// The gas left travels with the other hot state, in the `gas` argument of every handler; the
// context's copy (`cx.meter`'s remaining gas) is current only while Wasm is not running: before the first
// op, after a trap or the final return, and around calls that leave the interpreter's handlers
// (`runtime::enter_func`).

/// Traps `OutOfGas` at `at`, leaving no gas.
#[cold]
#[inline(always)]
unsafe fn out_of_gas(at: Ip, cx: *mut Cx) -> Ip {
    // SAFETY: `cx` is the live context.
    unsafe { trap(at, cx, TrapCode::OutOfGas, 0) }
}

handler!(
    /// `tally.gas(c)` with `c` immediate.
    gas(ip, sp, mem, cx, gas) {
    let Some(gas) = gas.checked_sub((*ip).c) else {
        return out_of_gas(ip, cx);
    };
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
    /// `tally.gas_len(len, unit)`: length in slot `b`, unit cost `c`; the length goes to slot `a`.
    gas_len(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let n = rd::<u32>(sp, op.b);
    // An overflowing product is more than any gas left.
    let Some(gas) = u64::from(n).checked_mul(op.c).and_then(|cost| gas.checked_sub(cost)) else {
        return out_of_gas(ip, cx);
    };
    wr(sp, op.a, n);
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
    /// `tally.stack_enter(c)` with `c` immediate.
    stack_enter(ip, sp, mem, cx, gas) {
    if let Err(code) = (*cx).meter.stack_enter((*ip).c_lo()) {
        return trap(ip, cx, crate::metering::trap_code(code), gas);
    }
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
    /// `tally.stack_leave(c)` with `c` immediate.
    stack_leave(ip, sp, mem, cx, gas) {
    (*cx).meter.stack_leave((*ip).c_lo());
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
    /// Function entry: `tally.stack_enter(a)` then `tally.gas(c)`.
    enter_gas(ip, sp, mem, cx, gas) {
    match run_entry(ip, cx, gas) {
        Ok(gas) => next!(ip.add(1), sp, mem, cx, gas),
        Err(stop) => stop,
    }
});

/// Runs the `enter_gas` op at `entry`: reserves the frame, then pays the entry charge. Returns
/// the gas left, or the trap's result (reported at `entry`).
#[inline(always)]
unsafe fn run_entry(entry: Ip, cx: *mut Cx, gas: u64) -> Result<u64, Ip> {
    // SAFETY: `entry` is an `enter_gas` op and `cx` the live context.
    unsafe {
        let op = &*entry;
        if let Err(code) = (*cx).meter.stack_enter(op.a) {
            return Err(trap(entry, cx, crate::metering::trap_code(code), gas));
        }
        gas.checked_sub(op.c).ok_or_else(|| out_of_gas(entry, cx))
    }
}

// ---- calls and returns ----

/// Calls defined function `a` of the current module with its frame at slot `b`; the callee
/// returns to `ret`. With `ENTERED`, the callee's first op is an `enter_gas` op that the call
/// runs itself (see [`call_internal_entered`]).
#[inline(always)]
unsafe fn call_defined<const ENTERED: bool>(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, ret: Ip) -> Ip {
    // SAFETY: the handler invariants hold for `ip`; `a` indexes the instance's defined functions.
    unsafe {
        let op = &*ip;
        let f = &*(*cx).defined.add(op.a as usize);
        let new_sp = sp.add(op.b as usize);
        // `new_sp` lies within the stack (the caller's frame fits), so the sum cannot wrap.
        if new_sp.wrapping_add(f.frame_cells as usize).cast_const() > (*cx).stack_end
            || !Cx::push_frame(cx, super::Frame { ret_ip: ret, sp, inst: (*cx).inst })
        {
            return trap(ip, cx, TrapCode::StackExhausted, gas);
        }
        if f.locals > super::SMALL_LOCALS {
            return enter_zeroing_locals(f, new_sp, mem, cx, gas);
        }
        super::zero_small_locals(new_sp.add(f.params as usize));
        let entry = f.code.as_ptr();
        if !ENTERED {
            next_op(entry, new_sp, mem, cx, gas)
        } else {
            match run_entry(entry, cx, gas) {
                Ok(gas) => next_op(entry.add(1), new_sp, mem, cx, gas),
                Err(stop) => stop,
            }
        }
    }
}

/// Enters defined function `f` with its frame at `sp` after zeroing its many locals. Out of
/// line and reached by a tail call, so that the `memset` call does not make every call handler
/// save registers.
#[inline(never)]
unsafe extern "C" fn enter_zeroing_locals(
    f: *const crate::module::CompiledFunc,
    sp: Sp,
    mem: *mut u8,
    cx: *mut Cx,
    gas: u64,
) -> Ip {
    // SAFETY: the caller checked that the frame of `f` fits on the stack at `sp`.
    unsafe {
        let f = &*f;
        ptr::write_bytes(sp.add(f.params as usize), 0, f.locals as usize);
        next_op(f.code.as_ptr(), sp, mem, cx, gas)
    }
}

handler!(
/// Calls defined function `a` of the current module with its frame at slot `b`.
call_internal(ip, sp, mem, cx, gas) {
    call_defined::<false>(ip, sp, mem, cx, gas, ip.add(1))
});

handler!(
/// `call_internal` followed by a `gas` op (the charge of the region after the call): the return
/// address is tagged so that the callee's return pays that charge and skips the op (see
/// [`resume`]).
call_internal_then_gas(ip, sp, mem, cx, gas) {
    call_defined::<false>(ip, sp, mem, cx, gas, ip.add(1).map_addr(|a| a | RET_PAYS_GAS))
});

handler!(
/// `call_internal` to a function whose code starts with `enter_gas` (as every instrumented
/// function's does): the call reserves the callee's frame and pays its entry charge itself,
/// then continues at the callee's second op, one dispatch fewer. Callees with many locals still
/// run the op. Exhausting the stack or the gas traps at that op, with the frame pushed, exactly
/// as if it ran. Chosen after translation, once every callee's code is known
/// ([`fuse_entries`](crate::module::fuse_entries)).
call_internal_entered(ip, sp, mem, cx, gas) {
    call_defined::<true>(ip, sp, mem, cx, gas, ip.add(1))
});

handler!(
/// [`call_internal_then_gas`] and [`call_internal_entered`] at once.
call_internal_entered_then_gas(ip, sp, mem, cx, gas) {
    call_defined::<true>(ip, sp, mem, cx, gas, ip.add(1).map_addr(|a| a | RET_PAYS_GAS))
});

handler!(
/// Calls function `a` of the module's function space (imported, so possibly host or another
/// instance) with its frame at slot `b`.
call_func(ip, sp, mem, cx, gas) {
    let func = runtime::func_of(cx, (*ip).a);
    (*cx).meter.set_remaining(gas);
    runtime::enter_func(ip, sp, mem, cx, func)
});

handler!(
/// `call_indirect`: table `a`, frame at slot `b`, signature id in the low half of `c`, index
/// slot in the high half.
call_indirect(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let i = rd::<u32>(sp, op.c_hi());
    match runtime::indirect_target(cx, op.a, i, op.c_lo()) {
        Ok(func) => {
            (*cx).meter.set_remaining(gas);
            runtime::enter_func(ip, sp, mem, cx, func)
        }
        Err(code) => trap(ip, cx, code, gas),
    }
});

/// Tag bit of a return address whose op is a `gas` op the return pays (ops are 8-aligned).
const RET_PAYS_GAS: usize = 1;

#[inline(always)]
unsafe fn do_return(mem: *mut u8, cx: *mut Cx, gas: u64) -> Ip {
    // SAFETY: frames pushed by calls hold valid return state; the entry frame ends the run.
    unsafe {
        let frame = match Cx::pop_frame(cx) {
            Some(frame) if !frame.ret_ip.is_null() => frame,
            // The entry frame: the run is over, and the store gets the gas back.
            _ => {
                (*cx).meter.set_remaining(gas);
                return ptr::null();
            }
        };
        if frame.inst != (*cx).inst {
            return resume_in(frame.ret_ip, frame.sp, frame.inst, cx, gas);
        }
        resume(frame.ret_ip, frame.sp, mem, cx, gas)
    }
}

/// Continues the caller at `ret` in instance `inst`, another than the callee's. Out of line and
/// reached by a tail call, so that the instance switch does not make every return handler save
/// registers.
#[inline(never)]
unsafe extern "C" fn resume_in(
    ret: Ip,
    sp: Sp,
    inst: *const crate::store::InstanceEntity,
    cx: *mut Cx,
    gas: u64,
) -> Ip {
    // SAFETY: `inst` is the live instance the popped frame belongs to.
    unsafe {
        let mem = runtime::switch_instance(cx, inst);
        resume(ret, sp, mem, cx, gas)
    }
}

/// Continues the caller at return address `ret`. A tagged address (`call_internal_then_gas`)
/// points at the `gas` op charging the region after the call: the return pays it and continues
/// after it; out of gas traps at that op, exactly as if it ran.
#[inline(always)]
unsafe fn resume(ret: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64) -> Ip {
    // SAFETY: only `call_internal_then_gas` tags addresses, and the translator emits it only
    // when the op after the call is a `gas` op of the same function.
    unsafe {
        if ret.addr() & RET_PAYS_GAS == 0 {
            next!(ret, sp, mem, cx, gas)
        }
        let charge = ret.map_addr(|a| a & !RET_PAYS_GAS);
        let Some(gas) = gas.checked_sub((*charge).c) else {
            return out_of_gas(charge, cx);
        };
        next!(charge.add(1), sp, mem, cx, gas)
    }
}

handler!(
    /// `tally.stack_leave(a)`, then return.
    leave_ret(ip, sp, mem, cx, gas) {
    (*cx).meter.stack_leave((*ip).a);
    do_return(mem, cx, gas)
});

handler!(
    /// `tally.stack_leave(a)`, then return the value in slot `b`.
    leave_ret_slot(ip, sp, mem, cx, gas) {
    (*cx).meter.stack_leave((*ip).a);
    *sp = *sp.add((*ip).b as usize);
    do_return(mem, cx, gas)
});

handler!(
    /// `tally.stack_leave(a)`, then return the immediate `c`.
    leave_ret_imm(ip, sp, mem, cx, gas) {
    (*cx).meter.stack_leave((*ip).a);
    *sp = (*ip).c;
    do_return(mem, cx, gas)
});

handler!(ret(ip, sp, mem, cx, gas) {
    do_return(mem, cx, gas)
});

handler!(
/// Returns the value in slot `b` as the single result.
ret_slot(ip, sp, mem, cx, gas) {
    *sp = *sp.add((*ip).b as usize);
    do_return(mem, cx, gas)
});

handler!(
/// Returns the immediate `c` as the single result.
ret_imm(ip, sp, mem, cx, gas) {
    *sp = (*ip).c;
    do_return(mem, cx, gas)
});

// ---- memory ----

macro_rules! load {
    ($name:ident, $add:ident, $n:literal, |$b:ident| $e:expr) => {
        handler!(
            /// Load into slot `a` from address slot `b` plus offset `c`.
            $name(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let ea = rd::<u32>(sp, op.b) as u64 + op.c;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $b: [u8; $n] = ptr::read_unaligned(mem.add(ea as usize) as *const [u8; $n]);
            *sp.add(op.a as usize) = $e;
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!(
            /// Load fused with the `i32.add` computing its address: into slot `a` from
            /// `(slot b + imm) mod 2^32 + offset`, imm in the low half of `c`, offset in the high.
            $add(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let ea = rd::<u32>(sp, op.b).wrapping_add(op.c_lo()) as u64 + u64::from(op.c_hi());
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $b: [u8; $n] = ptr::read_unaligned(mem.add(ea as usize) as *const [u8; $n]);
            *sp.add(op.a as usize) = $e;
            next!(ip.add(1), sp, mem, cx, gas)
        });
    };
}

load!(i32_load, i32_load_add, 4, |b| u32::from_le_bytes(b) as u64);
load!(i64_load, i64_load_add, 8, |b| u64::from_le_bytes(b));
load!(i32_load8_s, i32_load8_s_add, 1, |b| b[0] as i8 as i32 as u32 as u64);
load!(i32_load8_u, i32_load8_u_add, 1, |b| b[0] as u64);
load!(i32_load16_s, i32_load16_s_add, 2, |b| i16::from_le_bytes(b) as i32 as u32 as u64);
load!(i32_load16_u, i32_load16_u_add, 2, |b| u16::from_le_bytes(b) as u64);
load!(i64_load8_s, i64_load8_s_add, 1, |b| b[0] as i8 as i64 as u64);
load!(i64_load16_s, i64_load16_s_add, 2, |b| i16::from_le_bytes(b) as i64 as u64);
load!(i64_load32_s, i64_load32_s_add, 4, |b| i32::from_le_bytes(b) as i64 as u64);

macro_rules! store {
    ($name:ident, $imm:ident, $add:ident, $imm_add:ident, $n:literal, |$v:ident| $e:expr) => {
        handler!(
            /// Store slot `b` to address slot `a` plus offset `c`.
            $name(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let ea = rd::<u32>(sp, op.a) as u64 + op.c;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = *sp.add(op.b as usize);
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!(
            /// Store the immediate `c` to address slot `a` plus offset `b`.
            $imm(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let ea = rd::<u32>(sp, op.a) as u64 + op.b as u64;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = op.c;
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!(
            /// Store fused with the `i32.add` computing its address: slot `b` to
            /// `(slot a + imm) mod 2^32 + offset`, imm in the low half of `c`, offset in the high.
            $add(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let ea = rd::<u32>(sp, op.a).wrapping_add(op.c_lo()) as u64 + u64::from(op.c_hi());
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = *sp.add(op.b as usize);
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas)
        });
        handler!(
            /// Store of an immediate fused with the `i32.add` computing its address: the
            /// immediate `b` (zero-extended) to `(slot a + imm) mod 2^32 + offset`, imm in the low
            /// half of `c`, offset in the high.
            $imm_add(ip, sp, mem, cx, gas) {
            let op = &*ip;
            let ea = rd::<u32>(sp, op.a).wrapping_add(op.c_lo()) as u64 + u64::from(op.c_hi());
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = op.b as u64;
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas)
        });
    };
}

store!(store32, store32_imm, store32_add, store32_imm_add, 4, |v| (v as u32).to_le_bytes());
store!(store64, store64_imm, store64_add, store64_imm_add, 8, |v| v.to_le_bytes());
store!(store8, store8_imm, store8_add, store8_imm_add, 1, |v| [v as u8]);
store!(store16, store16_imm, store16_add, store16_imm_add, 2, |v| (v as u16).to_le_bytes());

handler!(memory_size(ip, sp, mem, cx, gas) {
    *sp.add((*ip).a as usize) = ((*cx).mem_len / crate::store::PAGE_SIZE) as u64;
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
    /// `memory.size` that also charges the size in pages times `c` (a region's memory-access
    /// charge: `memory.size; i64.const c; call $gas_len; drop`).
    memory_size_gas(ip, sp, mem, cx, gas) {
    let pages = ((*cx).mem_len / crate::store::PAGE_SIZE) as u64;
    // An overflowing product is more than any gas left.
    let Some(gas) = pages.checked_mul((*ip).c).and_then(|cost| gas.checked_sub(cost)) else {
        return out_of_gas(ip, cx);
    };
    *sp.add((*ip).a as usize) = pages;
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(memory_grow(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let old = runtime::memory_grow(cx, rd::<u32>(sp, op.b));
    wr(sp, op.a, old);
    let m = runtime::load_memory(cx, (*cx).inst).as_ptr();
    next!(ip.add(1), sp, m, cx, gas)
});

handler!(
/// `memory.fill`: destination slot `a`, value slot `b`, length slot `c`.
memory_fill(ip, sp, mem, cx, gas) {
    let op = &*ip;
    if let Err(code) = runtime::memory_fill(cx, rd(sp, op.a), rd::<u32>(sp, op.b) as u8, rd(sp, op.c_lo())) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `memory.copy`: destination slot `a`, source slot `b`, length slot `c`.
memory_copy(ip, sp, mem, cx, gas) {
    let op = &*ip;
    if let Err(code) = runtime::memory_copy(cx, rd(sp, op.a), rd(sp, op.b), rd(sp, op.c_lo())) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `memory.init`: destination slot `a`, source slot `b`, length slot in the low half of `c`,
/// segment in the high half.
memory_init(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let seg = op.c_hi();
    if let Err(code) = runtime::memory_init(cx, seg, rd(sp, op.a), rd(sp, op.b), rd(sp, op.c_lo())) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(data_drop(ip, sp, mem, cx, gas) {
    runtime::data_drop(cx, (*ip).a);
    next!(ip.add(1), sp, mem, cx, gas)
});

// ---- tables ----

handler!(
/// `table.get`: result slot `a`, index slot `b`, table `c`.
table_get(ip, sp, mem, cx, gas) {
    let op = &*ip;
    match runtime::table_get(cx, op.c_lo(), rd(sp, op.b)) {
        Ok(v) => *sp.add(op.a as usize) = v,
        Err(code) => return trap(ip, cx, code, gas),
    }
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `table.set`: index slot `a`, value slot `b`, table `c`.
table_set(ip, sp, mem, cx, gas) {
    let op = &*ip;
    if let Err(code) = runtime::table_set(cx, op.c_lo(), rd(sp, op.a), *sp.add(op.b as usize)) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `table.size`: result slot `a`, table `c`.
table_size(ip, sp, mem, cx, gas) {
    let op = &*ip;
    wr(sp, op.a, runtime::table_size(cx, op.c_lo()));
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `table.grow`: result slot `a`, init value slot `b`, delta slot in the low half of `c`, table
/// in the high half.
table_grow(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let old = runtime::table_grow(cx, op.c_hi(), *sp.add(op.b as usize), rd(sp, op.c_lo()));
    wr(sp, op.a, old);
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `table.fill`: start slot `a`, value slot `b`, length slot in the low half of `c`, table in
/// the high half.
table_fill(ip, sp, mem, cx, gas) {
    let op = &*ip;
    if let Err(code) =
        runtime::table_fill(cx, op.c_hi(), rd(sp, op.a), *sp.add(op.b as usize), rd(sp, op.c_lo()))
    {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `table.copy`: destination slot `a`, source slot `b`, length slot in the low half of `c`;
/// the next op holds the destination table in `a` and the source table in `b`.
table_copy(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let ext = &*ip.add(1);
    if let Err(code) = runtime::table_copy(cx, ext.a, ext.b, rd(sp, op.a), rd(sp, op.b), rd(sp, op.c_lo())) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(2), sp, mem, cx, gas)
});

handler!(
/// `table.init`: destination slot `a`, source slot `b`, length slot in the low half of `c`;
/// the next op holds the table in `a` and the element segment in `b`.
table_init(ip, sp, mem, cx, gas) {
    let op = &*ip;
    let ext = &*ip.add(1);
    if let Err(code) = runtime::table_init(cx, ext.a, ext.b, rd(sp, op.a), rd(sp, op.b), rd(sp, op.c_lo())) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(2), sp, mem, cx, gas)
});

handler!(elem_drop(ip, sp, mem, cx, gas) {
    runtime::elem_drop(cx, (*ip).a);
    next!(ip.add(1), sp, mem, cx, gas)
});

handler!(
/// `ref.func`: result slot `a`, module function index `b`.
ref_func(ip, sp, mem, cx, gas) {
    let op = &*ip;
    *sp.add(op.a as usize) = runtime::ref_func(cx, op.b);
    next!(ip.add(1), sp, mem, cx, gas)
});
