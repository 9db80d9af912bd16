//! Table handlers: `table.get`/`set`/`size`/`grow`/`fill`/`copy`/`init`, `elem.drop` and
//! `ref.func`.

#![allow(unused_variables)]

use super::super::layout::{
    ElemDrop, RefFunc, TableBulk, TableCopyData, TableFill, TableGet, TableGrow, TableInitData, TableSet, TableSize,
};
use super::super::runtime::{self, trap};
use super::super::{Cx, Ip, Sp};
use super::{next_op, rd, wr};
use crate::TrapCode;

handler!(
/// `table.get`.
table_get(ip, sp, mem, cx, gas, acc, op: TableGet) {
    let v = match runtime::table_get(cx, op.table.0, rd(sp, op.index)) {
        Ok(v) => v,
        Err(code) => return trap(ip, cx, code, gas),
    };
    let v = wr(sp, op.dst, v);
    next!(ip.add(1), sp, mem, cx, gas, v)
});

handler!(
/// `table.set`.
table_set(ip, sp, mem, cx, gas, acc, op: TableSet) {
    if let Err(code) = runtime::table_set(cx, op.table.0, rd(sp, op.index), rd(sp, op.value)) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// `table.size`.
table_size(ip, sp, mem, cx, gas, acc, op: TableSize) {
    let r = wr(sp, op.dst, runtime::table_size(cx, op.table.0));
    next!(ip.add(1), sp, mem, cx, gas, r)
});

handler!(
/// `table.grow`.
table_grow(ip, sp, mem, cx, gas, acc, op: TableGrow) {
    let old = runtime::table_grow(cx, op.table.0, rd(sp, op.init), rd(sp, op.delta));
    let r = wr(sp, op.dst, old);
    next!(ip.add(1), sp, mem, cx, gas, r)
});

// `table.fill`, `table.copy` and `table.init` run a length of 0 or 1 of table 0 in their
// handler, as the bulk memory operations do (see `memory.rs`): the same bounds checks, then at
// most one slot moved. Table 0 is `cx.table0`, one load away (a contract has at most one
// table). Longer ones, and other tables, take the general path out of line, by a tail call.

/// The slots of table 0 of the current instance.
///
/// # Safety
/// `cx` is the live context and the current instance has a table.
#[inline(always)]
unsafe fn table0<'a>(cx: *mut Cx) -> &'a mut Vec<u64> {
    // SAFETY: `table0` is the current instance's table 0 (`runtime::load_memory`), a slot of the
    // store's tables, which are never touched through the store while a handler holds this.
    unsafe { &mut *(*cx).table0 }
}

handler!(
/// `table.fill`.
table_fill(ip, sp, mem, cx, gas, acc, op: TableFill) {
    let n = rd::<u32>(sp, op.len);
    if n > 1 || op.table.0 != 0 {
        return table_fill_long(ip, sp, mem, cx, gas, acc);
    }
    let i = u64::from(rd::<u32>(sp, op.index));
    let elems = table0(cx);
    if i + u64::from(n) > elems.len() as u64 {
        return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
    }
    if n == 1 {
        *elems.get_unchecked_mut(i as usize) = rd(sp, op.value);
    }
    // Not a producer: the accumulator may hold anything after it (a free register).
    next!(ip.add(1), sp, mem, cx, gas, i)
});

/// `table.fill` of more than one slot, or of a table other than 0 ([`table_fill`]'s general path).
#[inline(never)]
unsafe extern "C" fn table_fill_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `table_fill` op).
    unsafe {
        let op = table_fill.operands(&*ip);
        if let Err(code) = runtime::table_fill(cx, op.table.0, rd(sp, op.index), rd(sp, op.value), rd(sp, op.len)) {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(1), sp, mem, cx, gas, acc)
    }
}

handler!(
/// `table.copy`: destination, source and length slots; the data op holds the tables.
table_copy(ip, sp, mem, cx, gas, acc, op: TableBulk, ext: TableCopyData) {
    let n = rd::<u32>(sp, op.len);
    // Within table 0: one lookup serves both ends, and the bounds checks are the general
    // path's, `dst + n <= len` and `src + n <= len`.
    if n > 1 || ext.dst_table.0 != 0 || ext.src_table.0 != 0 {
        return table_copy_long(ip, sp, mem, cx, gas, acc);
    }
    let elems = table0(cx);
    let (dst, src) = (u64::from(rd::<u32>(sp, op.dst)), u64::from(rd::<u32>(sp, op.src)));
    let len = elems.len() as u64;
    if n == 0 {
        if dst > len || src > len {
            return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
        }
    } else {
        if dst >= len || src >= len {
            return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
        }
        *elems.get_unchecked_mut(dst as usize) = *elems.get_unchecked(src as usize);
    }
    // Not a producer: the accumulator may hold anything after it (a free register).
    next!(ip.add(2), sp, mem, cx, gas, dst)
});

/// `table.copy` of more than one slot, or involving a table other than 0 ([`table_copy`]'s
/// general path).
#[inline(never)]
unsafe extern "C" fn table_copy_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `table_copy` op, its data op next).
    unsafe {
        let (op, ext) = (table_copy.operands(&*ip), table_copy.data_operands(&*ip.add(1)));
        let (dst_table, src_table) = (ext.dst_table.0, ext.src_table.0);
        if let Err(code) = runtime::table_copy(cx, dst_table, src_table, rd(sp, op.dst), rd(sp, op.src), rd(sp, op.len))
        {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(2), sp, mem, cx, gas, acc)
    }
}

handler!(
/// `table.init`: destination, source and length slots; the data op holds the table and the
/// element segment.
table_init(ip, sp, mem, cx, gas, acc, op: TableBulk, ext: TableInitData) {
    let n = rd::<u32>(sp, op.len);
    if n > 1 || ext.table.0 != 0 {
        return table_init_long(ip, sp, mem, cx, gas, acc);
    }
    // The segment index is in range (handler invariants); a dropped segment is empty.
    let inst = &*(*cx).inst;
    let seg = ext.elem.0 as usize;
    let items: &[u64] = if inst.elem_dropped.get_unchecked(seg).get() { &[] } else { inst.elems.get_unchecked(seg) };
    let (dst, src) = (u64::from(rd::<u32>(sp, op.dst)), u64::from(rd::<u32>(sp, op.src)));
    let elems = table0(cx);
    if src + u64::from(n) > items.len() as u64 || dst + u64::from(n) > elems.len() as u64 {
        return trap(ip, cx, TrapCode::TableOutOfBounds, gas);
    }
    if n == 1 {
        *elems.get_unchecked_mut(dst as usize) = *items.get_unchecked(src as usize);
    }
    next!(ip.add(2), sp, mem, cx, gas, dst)
});

/// `table.init` of more than one slot, or to a table other than 0 ([`table_init`]'s general
/// path).
#[inline(never)]
unsafe extern "C" fn table_init_long(ip: Ip, sp: Sp, mem: *mut u8, cx: *mut Cx, gas: u64, acc: u64) -> Ip {
    // SAFETY: the handler invariants hold for `ip` (it is a `table_init` op, its data op next).
    unsafe {
        let (op, ext) = (table_init.operands(&*ip), table_init.data_operands(&*ip.add(1)));
        if let Err(code) =
            runtime::table_init(cx, ext.table.0, ext.elem.0, rd(sp, op.dst), rd(sp, op.src), rd(sp, op.len))
        {
            return trap(ip, cx, code, gas);
        }
        next_op(ip.add(2), sp, mem, cx, gas, acc)
    }
}

handler!(elem_drop(ip, sp, mem, cx, gas, acc, op: ElemDrop) {
    runtime::elem_drop(cx, op.elem.0);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// `ref.func` of a function of the module's function space.
ref_func(ip, sp, mem, cx, gas, acc, op: RefFunc) {
    let v = wr(sp, op.dst, runtime::ref_func(cx, op.func.0));
    next!(ip.add(1), sp, mem, cx, gas, v)
});
