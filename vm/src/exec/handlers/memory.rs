//! Memory handlers: loads and stores (plain, with the address add folded in, storing
//! immediates), `memory.size` (with the region's memory-access charge), `memory.grow`, bulk
//! memory and `data.drop`.

#![allow(unused_variables)]

use core::ptr;

use super::super::layout::{self, DataDrop, DstOnly, DstPrice, DstSlot, MemoryBulk, MemoryInit, Of};
use super::super::runtime::{self, trap};
use super::super::{Cx, Ip, Sp};
use super::{next_op, out_of_gas, rd, wr};
use crate::TrapCode;

/// The forms of a load (see [`load!`]).
#[derive(Clone, Copy)]
pub(crate) struct Load {
    /// Address in a slot.
    pub plain: Of<layout::Load>,
    /// Address in the accumulator.
    pub plain_acc: Of<layout::LoadAcc>,
    /// Address add fused: `(slot + imm) mod 2^32 + offset`.
    pub add: Of<layout::LoadAdd>,
    /// Address add fused, its operand in the accumulator.
    pub add_acc: Of<layout::LoadAddAcc>,
}

/// The forms of a store (see [`store!`]).
#[derive(Clone, Copy)]
pub(crate) struct Store {
    /// Value in a slot.
    pub plain: Of<layout::Store>,
    /// Value in the accumulator.
    pub plain_acc: Of<layout::StoreAcc>,
    /// Value immediate.
    pub imm: Of<layout::StoreImm>,
    /// Address add fused.
    pub add: Of<layout::StoreAdd>,
    /// Address add fused, value in the accumulator.
    pub add_acc: Of<layout::StoreAddAcc>,
    /// Address add fused, value immediate.
    pub imm_add: Of<layout::StoreImmAdd>,
}

macro_rules! load {
    ($konst:ident = $name:ident / $name_a:ident, $add:ident / $add_a:ident, $n:literal, |$b:ident| $e:expr) => {
        pub(crate) const $konst: Load = Load { plain: $name, plain_acc: $name_a, add: $add, add_acc: $add_a };
        load!(@one
            /// Load from an address slot plus the offset.
            $name: layout::Load, $n, |op, sp, acc| rd::<u32>(sp, op.addr) as u64 + op.offset.0, |$b| $e);
        load!(@one
            /// Load from the address in the accumulator plus the offset.
            $name_a: layout::LoadAcc, $n, |op, sp, acc| acc as u32 as u64 + op.offset.0, |$b| $e);
        load!(@one
            /// Load fused with the `i32.add` computing its address: from
            /// `(base slot + add) mod 2^32 + offset`.
            $add: layout::LoadAdd, $n,
            |op, sp, acc| rd::<u32>(sp, op.base).wrapping_add(op.add.0) as u64 + op.offset.0, |$b| $e);
        load!(@one
            /// `_add` with the add's operand in the accumulator.
            $add_a: layout::LoadAddAcc, $n,
            |op, sp, acc| (acc as u32).wrapping_add(op.add.0) as u64 + op.offset.0, |$b| $e);
    };
    (@one $(#[$m:meta])* $name:ident: $l:ty, $n:literal, |$op:ident, $sp:ident, $acc:ident| $ea:expr, |$b:ident| $e:expr) => {
        handler!(
            $(#[$m])*
            $name(ip, $sp, mem, cx, gas, $acc, $op: $l) {
            let ea: u64 = $ea;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $b: [u8; $n] = ptr::read_unaligned(mem.add(ea as usize) as *const [u8; $n]);
            let v: u64 = wr($sp, $op.dst, $e);
            next!(ip.add(1), $sp, mem, cx, gas, v)
        });
    };
}

load!(I32_LOAD = i32_load / i32_load_a, i32_load_add / i32_load_add_a, 4, |b| u32::from_le_bytes(b) as u64);
load!(I64_LOAD = i64_load / i64_load_a, i64_load_add / i64_load_add_a, 8, |b| u64::from_le_bytes(b));
load!(I32_LOAD8_S = i32_load8_s / i32_load8_s_a, i32_load8_s_add / i32_load8_s_add_a, 1, |b| b[0] as i8 as i32 as u32
    as u64);
load!(I32_LOAD8_U = i32_load8_u / i32_load8_u_a, i32_load8_u_add / i32_load8_u_add_a, 1, |b| b[0] as u64);
load!(
    I32_LOAD16_S = i32_load16_s / i32_load16_s_a,
    i32_load16_s_add / i32_load16_s_add_a,
    2,
    |b| i16::from_le_bytes(b) as i32 as u32 as u64
);
load!(
    I32_LOAD16_U = i32_load16_u / i32_load16_u_a,
    i32_load16_u_add / i32_load16_u_add_a,
    2,
    |b| u16::from_le_bytes(b) as u64
);
load!(I64_LOAD8_S = i64_load8_s / i64_load8_s_a, i64_load8_s_add / i64_load8_s_add_a, 1, |b| b[0] as i8 as i64 as u64);
load!(
    I64_LOAD16_S = i64_load16_s / i64_load16_s_a,
    i64_load16_s_add / i64_load16_s_add_a,
    2,
    |b| i16::from_le_bytes(b) as i64 as u64
);
load!(
    I64_LOAD32_S = i64_load32_s / i64_load32_s_a,
    i64_load32_s_add / i64_load32_s_add_a,
    4,
    |b| i32::from_le_bytes(b) as i64 as u64
);

macro_rules! store {
    ($konst:ident = $name:ident / $name_a:ident, $imm:ident, $add:ident / $add_a:ident, $imm_add:ident, $n:literal, |$v:ident| $e:expr) => {
        pub(crate) const $konst: Store = Store {
            plain: $name,
            plain_acc: $name_a,
            imm: $imm,
            add: $add,
            add_acc: $add_a,
            imm_add: $imm_add,
        };
        handler!(
            /// Store a slot to an address slot plus the offset.
            $name(ip, sp, mem, cx, gas, acc, op: layout::Store) {
            let ea = rd::<u32>(sp, op.addr) as u64 + op.offset.0;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = rd(sp, op.value);
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas, acc)
        });
        handler!(
            /// Store a constant to an address slot plus the offset.
            $imm(ip, sp, mem, cx, gas, acc, op: layout::StoreImm) {
            let ea = rd::<u32>(sp, op.addr) as u64 + op.offset.0;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = op.value.0;
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas, acc)
        });
        handler!(
            /// Store fused with the `i32.add` computing its address: a slot to
            /// `(base slot + add) mod 2^32 + offset`.
            $add(ip, sp, mem, cx, gas, acc, op: layout::StoreAdd) {
            let ea = rd::<u32>(sp, op.base).wrapping_add(op.add.0) as u64 + op.offset.0;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = rd(sp, op.value);
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas, acc)
        });
        handler!(
            /// Store of a constant (32 bits of it, zero-extended) fused with the `i32.add`
            /// computing its address.
            $imm_add(ip, sp, mem, cx, gas, acc, op: layout::StoreImmAdd) {
            let ea = rd::<u32>(sp, op.base).wrapping_add(op.add.0) as u64 + op.offset.0;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = op.value.0;
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas, acc)
        });
        handler!(
            /// Store the accumulator (whose slot stays in the op) to an address slot plus the
            /// offset.
            $name_a(ip, sp, mem, cx, gas, acc, op: layout::StoreAcc) {
            let ea = rd::<u32>(sp, op.addr) as u64 + op.offset.0;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = acc;
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas, acc)
        });
        handler!(
            /// `_add` storing the accumulator (whose slot stays in the op).
            $add_a(ip, sp, mem, cx, gas, acc, op: layout::StoreAddAcc) {
            let ea = rd::<u32>(sp, op.base).wrapping_add(op.add.0) as u64 + op.offset.0;
            if ea + $n > (*cx).mem_len as u64 {
                return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
            }
            let $v: u64 = acc;
            let bytes: [u8; $n] = $e;
            ptr::write_unaligned(mem.add(ea as usize) as *mut [u8; $n], bytes);
            next!(ip.add(1), sp, mem, cx, gas, acc)
        });
    };
}

store!(STORE32 = store32 / store32_a, store32_imm, store32_add / store32_add_a, store32_imm_add, 4, |v| (v as u32)
    .to_le_bytes());
store!(STORE64 = store64 / store64_a, store64_imm, store64_add / store64_add_a, store64_imm_add, 8, |v| v
    .to_le_bytes());
store!(STORE8 = store8 / store8_a, store8_imm, store8_add / store8_add_a, store8_imm_add, 1, |v| [v as u8]);
store!(STORE16 = store16 / store16_a, store16_imm, store16_add / store16_add_a, store16_imm_add, 2, |v| (v as u16)
    .to_le_bytes());

handler!(memory_size(ip, sp, mem, cx, gas, acc, op: DstOnly) {
    let pages = wr(sp, op.dst, ((*cx).mem_len / crate::store::PAGE_SIZE) as u64);
    next!(ip.add(1), sp, mem, cx, gas, pages)
});

handler!(
    /// `memory.size` that also charges the size in pages times a price (a region's
    /// memory-access charge: `memory.size; i64.const per; call $gas_len; drop`).
    memory_size_gas(ip, sp, mem, cx, gas, acc, op: DstPrice) {
    let pages = ((*cx).mem_len / crate::store::PAGE_SIZE) as u64;
    // An overflowing product is more than any gas left.
    let Some(gas) = pages.checked_mul(op.per.0).and_then(|cost| gas.checked_sub(cost)) else {
        return out_of_gas(ip, cx);
    };
    let pages = wr(sp, op.dst, pages);
    next!(ip.add(1), sp, mem, cx, gas, pages)
});

handler!(memory_grow(ip, sp, mem, cx, gas, acc, op: DstSlot) {
    let old = runtime::memory_grow(cx, rd::<u32>(sp, op.src));
    let r = wr(sp, op.dst, old);
    let m = runtime::load_memory(cx, (*cx).inst).as_ptr();
    next!(ip.add(1), sp, m, cx, gas, r)
});

// The bulk operations run a length of 0 or 1 in their handler: the bounds checks, then at
// most one byte moved. Through the general path, out of line, such an operation cost a call
// (around which the handler saved its registers), a second lookup of the memory through the
// store, and a `memcpy` or `memset` call for one byte. Longer ones take that path, reached by
// a tail call so the handler itself saves nothing. Both paths check the same bounds, in the
// same order, and trap the same way.

handler!(
/// `memory.fill`: destination, value (`src`) and length slots.
memory_fill(ip, sp, mem, cx, gas, acc, op: MemoryBulk) {
    let n = rd::<u32>(sp, op.len);
    let dst = u64::from(rd::<u32>(sp, op.dst));
    let len = (*cx).mem_len as u64;
    if n == 0 {
        if dst > len {
            return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
        }
    } else if n == 1 {
        if dst >= len {
            return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
        }
        *mem.add(dst as usize) = rd::<u32>(sp, op.src) as u8;
    } else {
        return memory_fill_long(ip, sp, mem, cx, gas, acc);
    }
    // Not a producer: the accumulator may hold anything after it (a free register).
    next!(ip.add(1), sp, mem, cx, gas, dst)
});

/// `memory.fill` of more than one byte ([`memory_fill`]'s general path).
#[inline(never)]
unsafe extern "C" fn memory_fill_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `memory_fill` op).
    unsafe {
        let op = memory_fill.operands(&*ip);
        if let Err(code) = runtime::memory_fill(cx, rd(sp, op.dst), rd::<u32>(sp, op.src) as u8, rd(sp, op.len)) {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(1), sp, mem, cx, gas, acc)
    }
}

handler!(
/// `memory.copy`: destination, source and length slots.
memory_copy(ip, sp, mem, cx, gas, acc, op: MemoryBulk) {
    let n = rd::<u32>(sp, op.len);
    let (dst, src) = (u64::from(rd::<u32>(sp, op.dst)), u64::from(rd::<u32>(sp, op.src)));
    let len = (*cx).mem_len as u64;
    if n == 0 {
        if src > len || dst > len {
            return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
        }
    } else if n == 1 {
        if src >= len || dst >= len {
            return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
        }
        *mem.add(dst as usize) = *mem.add(src as usize);
    } else {
        return memory_copy_long(ip, sp, mem, cx, gas, acc);
    }
    next!(ip.add(1), sp, mem, cx, gas, dst)
});

/// `memory.copy` of more than one byte ([`memory_copy`]'s general path).
#[inline(never)]
unsafe extern "C" fn memory_copy_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `memory_copy` op).
    unsafe {
        let op = memory_copy.operands(&*ip);
        if let Err(code) = runtime::memory_copy(cx, rd(sp, op.dst), rd(sp, op.src), rd(sp, op.len)) {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(1), sp, mem, cx, gas, acc)
    }
}

handler!(
/// `memory.init`: destination, source and length slots, and the data segment.
memory_init(ip, sp, mem, cx, gas, acc, op: MemoryInit) {
    let n = rd::<u32>(sp, op.len);
    if n > 1 {
        return memory_init_long(ip, sp, mem, cx, gas, acc);
    }
    // The segment index is in range (handler invariants); a dropped segment is empty.
    let inst = &*(*cx).inst;
    let seg = op.data.0 as usize;
    let bytes: &[u8] =
        if inst.data_dropped.get_unchecked(seg).get() { &[] } else { &inst.module.datas.get_unchecked(seg).bytes };
    let (dst, src) = (u64::from(rd::<u32>(sp, op.dst)), u64::from(rd::<u32>(sp, op.src)));
    if n == 0 {
        if src > bytes.len() as u64 || dst > (*cx).mem_len as u64 {
            return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
        }
    } else {
        if src >= bytes.len() as u64 || dst >= (*cx).mem_len as u64 {
            return trap(ip, cx, TrapCode::MemoryOutOfBounds, gas);
        }
        *mem.add(dst as usize) = *bytes.as_ptr().add(src as usize);
    }
    next!(ip.add(1), sp, mem, cx, gas, dst)
});

/// `memory.init` of more than one byte ([`memory_init`]'s general path).
#[inline(never)]
unsafe extern "C" fn memory_init_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `memory_init` op).
    unsafe {
        let op = memory_init.operands(&*ip);
        if let Err(code) = runtime::memory_init(cx, op.data.0, rd(sp, op.dst), rd(sp, op.src), rd(sp, op.len)) {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(1), sp, mem, cx, gas, acc)
    }
}

handler!(data_drop(ip, sp, mem, cx, gas, acc, op: DataDrop) {
    runtime::data_drop(cx, op.data.0);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});
