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
/// Four copies in one op and the data op after it, in order: slot `b` to slot `a`, slot `c_hi`
/// to slot `c_lo`, then the same of the data op's fields (each copy may read what an earlier one
/// wrote). The translator makes it of a `copy2` and the two copies directly after it (no label
/// between), so a long run of copies (`local.tee` chains) dispatches once per four. Passes the
/// accumulator through, like [`copy`].
copy4(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let data = &*ip.add(1);
    *sp.add(op.a as usize) = *sp.add(op.b as usize);
    *sp.add(op.c_lo() as usize) = *sp.add(op.c_hi() as usize);
    *sp.add(data.a as usize) = *sp.add(data.b as usize);
    *sp.add(data.c_lo() as usize) = *sp.add(data.c_hi() as usize);
    next!(ip.add(2), sp, mem, cx, gas, acc)
});

handler!(
/// Writes the cell `c` to slot `a`. Passes the accumulator through, like [`copy`].
konst(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    *sp.add(op.a as usize) = op.c;
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// Two constants in one op and the data op after it: the cell `c` to slot `a`, then the data
/// op's `c` to its slot `a`. The translator joins a constant written directly after another (no
/// label between), so a run of them (a function's constant results, call arguments) dispatches
/// once per pair. Passes the accumulator through, like [`copy`].
konst2(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let data = &*ip.add(1);
    *sp.add(op.a as usize) = op.c;
    *sp.add(data.a as usize) = data.c;
    next!(ip.add(2), sp, mem, cx, gas, acc)
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

handler!(
/// `global.set` of the accumulator to globals `a` and then `c_lo`: a `global_set_a` with one
/// directly after it storing the same value again (`global.set b (global.get a)` after a
/// `global.set a`, whose get reads the stored value back without an op).
global_set2_a(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let globals = (*cx).globals;
    let cells = [*globals.add(op.a as usize), *globals.add(op.c_lo() as usize)];
    for cell in cells {
        *cell = acc;
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// [`global_set2_a`] and a third such store, to global `c_hi`.
global_set3_a(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    let globals = (*cx).globals;
    // The cells' addresses first: a load after a store to a cell would have to be ordered
    // after it (the compiler cannot tell that a global's cell is not the pointer table).
    let cells = [*globals.add(op.a as usize), *globals.add(op.c_lo() as usize), *globals.add(op.c_hi() as usize)];
    for cell in cells {
        *cell = acc;
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(global_set_imm(ip, sp, mem, cx, gas, acc) {
    let op = &*ip;
    **(*cx).globals.add(op.a as usize) = op.c;
    next!(ip.add(1), sp, mem, cx, gas, acc)
});
