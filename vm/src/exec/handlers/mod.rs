//! Op handlers: one function per IR op, each ending in a tail call to the next op's handler.
//!
//! This file holds what every handler shares: the dispatch to the next op, the `handler!`
//! macro that defines one (a typed constant naming its function and its operand layout, see
//! `exec::layout`), how values sit in cells, and the out-of-gas trap. The handlers
//! themselves, by concern:
//! - [`arith`]: integer and float arithmetic, comparisons, conversions and their fused forms;
//! - [`moves`]: copies, constants, `select`, globals;
//! - [`control`]: branches (plain, conditional, fused with a comparison, paying a charge),
//!   `br_table`, `unreachable`;
//! - [`metering`]: the `tally.*` intrinsics as ops: charges, the stack counter, function entry;
//! - [`calls`]: calls and returns;
//! - [`memory`]: loads, stores and the memory instructions;
//! - [`tables`]: table instructions, `elem.drop`, `ref.func`.
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

use super::layout::{Dst, DstAccImm, DstAccSlot, DstImmSlot, DstSlotImm, DstSlotSlot, Of, Slot};
use super::runtime::trap;
use super::{Cx, Ip, Sp};
use crate::TrapCode;

/// Continues at `ip`: a tail call into its handler, or a return to the driver loop. `acc` is
/// the accumulator: what the op just run produced, if it produces a value (see
/// [`Handler`](super::Handler)).
#[inline(always)]
pub(crate) unsafe fn next_op(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    #[cfg(not(tally_portable))]
    // SAFETY: `ip` is a valid op (handler invariants); this call compiles to a jump.
    unsafe {
        ((*ip).h)(ip, sp, mem, cx, gas, acc)
    }
    #[cfg(tally_portable)]
    // SAFETY: `cx` is the live context.
    unsafe {
        (*cx).sp = sp;
        (*cx).mem = mem;
        (*cx).acc = acc;
        (*cx).meter.set_remaining(gas);
        ip
    }
}

/// Defines a handler: a constant [`Of<L, D>`](super::layout::Of) naming a function that decodes
/// its op as layout `L` into `op` (and the data op after it as `D` into `data`, or with
/// `trailer D` only the type) before `body` runs. The function is one function with one address,
/// never inlined into a caller (it has none: ops reach it through a pointer): the op table
/// finds ops by handler address, and rustc would otherwise copy a small handler that makes no
/// call (as with `tally_portable`) into every codegen unit that takes its address, each copy
/// with an address of its own.
macro_rules! handler {
    ($(#[$m:meta])* $name:ident($ip:ident, $sp:ident, $mem:ident, $cx:ident, $gas:ident, $acc:ident) $body:block) => {
        handler!(@def $(#[$m])* $name($ip, $sp, $mem, $cx, $gas, $acc), $crate::exec::layout::Nothing,
            $crate::exec::layout::NoData, {} $body);
    };
    ($(#[$m:meta])* $name:ident($ip:ident, $sp:ident, $mem:ident, $cx:ident, $gas:ident, $acc:ident, $op:ident: $l:ty) $body:block) => {
        handler!(@def $(#[$m])* $name($ip, $sp, $mem, $cx, $gas, $acc), $l, $crate::exec::layout::NoData, {
            let $op = <$l as $crate::exec::layout::Layout>::decode(&*$ip);
        } $body);
    };
    ($(#[$m:meta])* $name:ident($ip:ident, $sp:ident, $mem:ident, $cx:ident, $gas:ident, $acc:ident, $op:ident: $l:ty, $data:ident: $d:ty) $body:block) => {
        handler!(@def $(#[$m])* $name($ip, $sp, $mem, $cx, $gas, $acc), $l, $d, {
            let $op = <$l as $crate::exec::layout::Layout>::decode(&*$ip);
            let $data = <$d as $crate::exec::layout::Layout>::decode(&*$ip.add(1));
        } $body);
    };
    ($(#[$m:meta])* $name:ident($ip:ident, $sp:ident, $mem:ident, $cx:ident, $gas:ident, $acc:ident, $op:ident: $l:ty; trailer $d:ty) $body:block) => {
        handler!(@def $(#[$m])* $name($ip, $sp, $mem, $cx, $gas, $acc), $l, $d, {
            let $op = <$l as $crate::exec::layout::Layout>::decode(&*$ip);
        } $body);
    };
    (@def $(#[$m:meta])* $name:ident($ip:ident, $sp:ident, $mem:ident, $cx:ident, $gas:ident, $acc:ident), $l:ty, $d:ty,
        {$($decode:tt)*} $body:block) => {
        $(#[$m])*
        #[allow(non_upper_case_globals)]
        pub(crate) const $name: $crate::exec::layout::Of<$l, $d> = {
            #[inline(never)]
            unsafe extern "C" fn $name(
                $ip: $crate::exec::Ip,
                $sp: $crate::exec::Sp,
                $mem: *mut u8,
                $cx: *mut $crate::exec::Cx,
                $gas: u64,
                $acc: u64,
            ) -> $crate::exec::Ip {
                // SAFETY: the caller upholds the handler invariants in the module docs, so `ip`
                // is an op of this handler (and its data op follows it).
                unsafe {
                    $($decode)*
                    $body
                }
            }
            $crate::exec::layout::Of::new($name)
        };
    };
}

macro_rules! next {
    ($ip:expr, $sp:expr, $mem:expr, $cx:expr, $gas:expr, $acc:expr) => {
        return $crate::exec::handlers::next_op($ip, $sp, $mem, $cx, $gas, $acc)
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

/// The value in slot `slot`.
#[inline(always)]
unsafe fn rd<T: Cell>(sp: Sp, slot: Slot) -> T {
    // SAFETY: slot operands are inside the frame (handler invariants).
    unsafe { T::from_cell(*sp.add(slot.0 as usize)) }
}

/// Writes `v` to slot `dst` and returns its cell, which a producer hands on as the accumulator.
#[inline(always)]
unsafe fn wr<T: Cell>(sp: Sp, dst: Dst, v: T) -> u64 {
    let cell = v.to_cell();
    // SAFETY: slot operands are inside the frame (handler invariants).
    unsafe { *sp.add(dst.0 as usize) = cell };
    cell
}

/// The handlers of one binary operator on immediates of type `T`: both operands in slots, right
/// one immediate, (for non-commutative operators) left one immediate, and (for integer
/// operators) left one in the accumulator.
#[derive(Clone, Copy)]
pub(crate) struct Bin<T> {
    pub ss: Of<DstSlotSlot>,
    pub si: Of<DstSlotImm<T>>,
    /// `None` when the operator is commutative: the translator swaps operands instead.
    pub is: Option<Of<DstImmSlot<T>>>,
    /// `None` for float operators, and integer division and remainder.
    pub acc: Option<AccBin<T>>,
}

/// The forms of a binary operator whose left operand is in the accumulator (its slot stays in
/// the op, for listings).
#[derive(Clone, Copy)]
pub(crate) struct AccBin<T> {
    /// The right operand in a slot.
    pub slot: Of<DstAccSlot>,
    /// The right operand immediate.
    pub imm: Of<DstAccImm<T>>,
}

/// Traps `OutOfGas` at `at`, leaving no gas.
#[cold]
#[inline(always)]
unsafe fn out_of_gas(at: Ip, cx: *mut Cx) -> Ip {
    // SAFETY: `cx` is the live context.
    unsafe { trap(at, cx, TrapCode::OutOfGas, 0) }
}

mod arith;
mod calls;
mod control;
mod memory;
mod metering;
mod moves;
mod tables;

pub(crate) use self::arith::*;
pub(crate) use self::calls::*;
pub(crate) use self::control::*;
pub(crate) use self::memory::*;
pub(crate) use self::metering::*;
pub(crate) use self::moves::*;
pub(crate) use self::tables::*;
