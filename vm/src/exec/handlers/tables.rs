//! Table handlers: `table.get`/`set`/`size`/`grow`/`fill`/`copy`/`init`, `elem.drop` and
//! `ref.func`.

#![allow(unused_variables)]

use super::super::runtime::{self, trap};
use super::{rd, wr};

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

handler!(
/// `table.fill`: start slot `a`, value slot `b`, length slot in the low half of `c`, table in
/// the high half.
table_fill(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    if let Err(code) =
        runtime::table_fill(cx, op.c_hi(), rd(sp, op.a), *sp.add(op.b as usize), rd(sp, op.c_lo()))
    {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// `table.copy`: destination slot `a`, source slot `b`, length slot in the low half of `c`;
/// the next op holds the destination table in `a` and the source table in `b`.
table_copy(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let ext = &*ip.add(1);
    if let Err(code) = runtime::table_copy(cx, ext.a, ext.b, rd(sp, op.a), rd(sp, op.b), rd(sp, op.c_lo())) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(2), sp, mem, cx, gas, acc)
});

handler!(
/// `table.init`: destination slot `a`, source slot `b`, length slot in the low half of `c`;
/// the next op holds the table in `a` and the element segment in `b`.
table_init(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let ext = &*ip.add(1);
    if let Err(code) = runtime::table_init(cx, ext.a, ext.b, rd(sp, op.a), rd(sp, op.b), rd(sp, op.c_lo())) {
        return trap(ip, cx, code, gas);
    }
    next!(ip.add(2), sp, mem, cx, gas, acc)
});

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
