//! Handlers that move values: slot copies, constants, `select`, `global.get` and
//! `global.set`.

#![allow(unused_variables)]

use super::rd;

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
