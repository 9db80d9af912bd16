//! Table handlers: `table.get`/`set`/`size`/`grow`/`fill`/`copy`/`init`, `elem.drop` and
//! `ref.func`.

#![allow(unused_variables)]

use super::super::runtime::{self, trap};
use super::super::{Cx, Ip, Sp};
use super::{next_op, rd, wr};
use crate::TrapCode;

handler!(
/// `table.get`: result slot `a`, index slot `b`, table `c`.
table_get(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let v = match runtime::table_get(cx, op.c_lo(), rd(sp, op.b)) {
        Ok(v) => v,
        Err(code) => return trap(ip, cx, code, gas),
    };
    *sp.add(op.a as usize) = v;
    next!(ip.add(1), sp, mem, cx, gas, v)
});

handler!(
/// `table.set`: index slot `a`, value slot `b`, table `c`.
table_set(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    if let Err(code) = runtime::table_set(cx, op.c_lo(), rd(sp, op.a), *sp.add(op.b as usize)) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// `table.size`: result slot `a`, table `c`.
table_size(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let r = wr(sp, op.a, runtime::table_size(cx, op.c_lo()));
    next!(ip.add(1), sp, mem, cx, gas, r)
});

handler!(
/// `table.grow`: result slot `a`, init value slot `b`, delta slot in the low half of `c`, table
/// in the high half.
table_grow(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let old = runtime::table_grow(cx, op.c_hi(), *sp.add(op.b as usize), rd(sp, op.c_lo()));
    let r = wr(sp, op.a, old);
    next!(ip.add(1), sp, mem, cx, gas, r)
});

// `table.fill`, `table.copy` and `table.init` run a length of 0 or 1 in their handler, as the
// bulk memory operations do (see `memory.rs`): the same bounds checks, then at most one slot
// moved; longer ones take the general path out of line, by a tail call.

/// The slots of table `table` of the current instance.
///
/// # Safety
/// `cx` is the live context and `table` a table index of the current instance.
#[inline(always)]
unsafe fn table_elems<'a>(cx: *mut Cx, table: u32) -> &'a mut Vec<u64> {
    // SAFETY: instances are boxed and never touched mutably through the store while running,
    // so this borrow of one table's slots aliases nothing else the handler holds.
    // An instance's table ids are its store's.
    unsafe {
        let id = *(&*(*cx).inst).tables.get_unchecked(table as usize);
        &mut (&mut *(*cx).store).tables.get_unchecked_mut(id as usize).elems
    }
}

handler!(
/// `table.fill`: start slot `a`, value slot `b`, length slot in the low half of `c`, table in
/// the high half.
table_fill(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let n = rd::<u32>(sp, op.c_lo());
    if n > 1 {
        return table_fill_long(ip, sp, mem, cx, gas, acc);
    }
    let i = u64::from(rd::<u32>(sp, op.a));
    let elems = table_elems(cx, op.c_hi());
    if i + u64::from(n) > elems.len() as u64 {
        return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
    }
    if n == 1 {
        *elems.get_unchecked_mut(i as usize) = *sp.add(op.b as usize);
    }
    // Not a producer: the accumulator may hold anything after it (a free register).
    next!(ip.add(1), sp, mem, cx, gas, i)
});

/// `table.fill` of more than one slot ([`table_fill`]'s general path).
#[inline(never)]
unsafe extern "C" fn table_fill_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `table_fill` op).
    unsafe {
        let op = &*ip;
        if let Err(code) = runtime::table_fill(cx, op.c_hi(), rd(sp, op.a), *sp.add(op.b as usize), rd(sp, op.c_lo())) {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(1), sp, mem, cx, gas, acc)
    }
}

handler!(
/// `table.copy`: destination slot `a`, source slot `b`, length slot in the low half of `c`;
/// the next op holds the destination table in `a` and the source table in `b`.
table_copy(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let n = rd::<u32>(sp, op.c_lo());
    let ext = &*ip.add(1);
    let (dst, src) = (u64::from(rd::<u32>(sp, op.a)), u64::from(rd::<u32>(sp, op.b)));
    if n == 0 {
        if dst > table_elems(cx, ext.a).len() as u64 || src > table_elems(cx, ext.b).len() as u64 {
            return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
        }
    } else if n == 1 {
        // The source slot is read before the destination is borrowed: they may be one table.
        let from = table_elems(cx, ext.b);
        if src >= from.len() as u64 {
            return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
        }
        let v = *from.get_unchecked(src as usize);
        let to = table_elems(cx, ext.a);
        if dst >= to.len() as u64 {
            return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
        }
        *to.get_unchecked_mut(dst as usize) = v;
    } else {
        return table_copy_long(ip, sp, mem, cx, gas, acc);
    }
    next!(ip.add(2), sp, mem, cx, gas, dst)
});

/// `table.copy` of more than one slot ([`table_copy`]'s general path).
#[inline(never)]
unsafe extern "C" fn table_copy_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `table_copy` op, its data op next).
    unsafe {
        let op = &*ip;
        let ext = &*ip.add(1);
        if let Err(code) = runtime::table_copy(cx, ext.a, ext.b, rd(sp, op.a), rd(sp, op.b), rd(sp, op.c_lo())) {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(2), sp, mem, cx, gas, acc)
    }
}

handler!(
/// `table.init`: destination slot `a`, source slot `b`, length slot in the low half of `c`;
/// the next op holds the table in `a` and the element segment in `b`.
table_init(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let n = rd::<u32>(sp, op.c_lo());
    if n > 1 {
        return table_init_long(ip, sp, mem, cx, gas, acc);
    }
    let ext = &*ip.add(1);
    // The segment index is in range (handler invariants); a dropped segment is empty.
    let inst = &*(*cx).inst;
    let seg = ext.b as usize;
    let items: &[u64] = if inst.elem_dropped.get_unchecked(seg).get() { &[] } else { inst.elems.get_unchecked(seg) };
    let (dst, src) = (u64::from(rd::<u32>(sp, op.a)), u64::from(rd::<u32>(sp, op.b)));
    let elems = table_elems(cx, ext.a);
    if src + u64::from(n) > items.len() as u64 || dst + u64::from(n) > elems.len() as u64 {
        return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
    }
    if n == 1 {
        *elems.get_unchecked_mut(dst as usize) = *items.get_unchecked(src as usize);
    }
    next!(ip.add(2), sp, mem, cx, gas, dst)
});

/// `table.init` of more than one slot ([`table_init`]'s general path).
#[inline(never)]
unsafe extern "C" fn table_init_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `table_init` op, its data op next).
    unsafe {
        let op = &*ip;
        let ext = &*ip.add(1);
        if let Err(code) = runtime::table_init(cx, ext.a, ext.b, rd(sp, op.a), rd(sp, op.b), rd(sp, op.c_lo())) {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(2), sp, mem, cx, gas, acc)
    }
}

handler!(elem_drop(ip, sp, mem, cx, gas, acc) {
    runtime::elem_drop(cx, (*ip).a);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// `ref.func`: result slot `a`, module function index `b`.
ref_func(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let v = runtime::ref_func(cx, op.b);
    *sp.add(op.a as usize) = v;
    next!(ip.add(1), sp, mem, cx, gas, v)
});
