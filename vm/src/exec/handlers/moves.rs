//! Handlers that move values: slot copies, constants, `select`, `global.get` and
//! `global.set`.

#![allow(unused_variables)]

use super::rd;

handler!(
/// Copies slot `b` to slot `a`. Passes the accumulator through: the translator may place copies
/// between a producer and an op reading the producer's result from the accumulator.
copy(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    *sp.add(op.a as usize) = *sp.add(op.b as usize);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// Two copies in one op, in order: slot `b` to slot `a`, then slot `c_hi` to slot `c_lo` (the
/// second may read what the first wrote). The translator joins a copy emitted directly after
/// another (no label between), so a run of copies dispatches once per pair. Passes the
/// accumulator through, like [`copy`].
copy2(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    *sp.add(op.a as usize) = *sp.add(op.b as usize);
    *sp.add(op.c_lo() as usize) = *sp.add(op.c_hi() as usize);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// Writes the cell `c` to slot `a`. Passes the accumulator through, like [`copy`].
konst(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    *sp.add(op.a as usize) = op.c;
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(select(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let src = if rd::<u32>(sp, op.b) != 0 { op.c_lo() } else { op.c_hi() };
    let v = *sp.add(src as usize);
    *sp.add(op.a as usize) = v;
    next!(ip.add(1), sp, mem, cx, gas, v)
});

handler!(global_get(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let v = **(*cx).globals.add(op.b as usize);
    *sp.add(op.a as usize) = v;
    next!(ip.add(1), sp, mem, cx, gas, v)
});

handler!(global_set(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    **(*cx).globals.add(op.a as usize) = *sp.add(op.b as usize);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// `global.set` of the accumulator (whose slot stays in `b`, for listings).
global_set_a(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    **(*cx).globals.add(op.a as usize) = acc;
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(global_set_imm(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    **(*cx).globals.add(op.a as usize) = op.c;
    next!(ip.add(1), sp, mem, cx, gas, acc)
});
