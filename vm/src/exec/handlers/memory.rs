//! Memory handlers: loads and stores (plain, with the address add folded in, storing
//! immediates), `memory.size` (with the region's memory-access charge), `memory.grow`, bulk
//! memory and `data.drop`.

#![allow(unused_variables)]

use core::ptr;

use super::super::runtime::{self, trap};
use super::{out_of_gas, rd, wr};
use crate::TrapCode;

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
