//! Handlers that move values: slot copies, constants, `select`, `global.get` and
//! `global.set`.

#![allow(unused_variables)]

use super::super::layout::{
    Copy2, DstCell, DstGlobal, DstSlot, GlobalAcc, GlobalAcc2, GlobalAcc3, GlobalCell, GlobalSlot, Layout, Select,
};
use super::{rd, wr};

handler!(
/// Copies slot `src` to slot `dst`. Passes the accumulator through: the translator may place
/// copies between a producer and an op reading the producer's result from the accumulator.
copy(ip, sp, mem, cx, gas, acc, op: DstSlot) {
    wr(sp, op.dst, rd::<u64>(sp, op.src));
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// Two copies in one op, in order: slot `src` to slot `dst`, then slot `src2` to slot `dst2`
/// (the second may read what the first wrote). The translator joins a copy emitted directly
/// after another (no label between), so a run of copies dispatches once per pair. Passes the
/// accumulator through, like [`copy`].
copy2(ip, sp, mem, cx, gas, acc, op: Copy2) {
    wr(sp, op.dst, rd::<u64>(sp, op.src));
    // The second copy's slots are read after the first copy's store (`decode` again), as two
    // `copy` ops would read them: decoded before it, both would be held in registers across
    // it, which costs a register save.
    let op = Copy2::decode(&*ip);
    wr(sp, op.dst2, rd::<u64>(sp, op.src2));
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// Four copies in one op and the data op after it, in order: the two of the op as in
/// [`copy2`], then the two of the data op (each copy may read what an earlier one wrote). The
/// translator makes it of a `copy2` and the two copies directly after it (no label between), so
/// a long run of copies (`local.tee` chains) dispatches once per four. Passes the accumulator
/// through, like [`copy`].
copy4(ip, sp, mem, cx, gas, acc, op: Copy2, data: Copy2) {
    // A `copy4` directly after this one runs here too, and so on: a run of them (a call's many
    // arguments) dispatches once, looping on a conditional branch instead of an indirect jump
    // per op. The same ops run in the same order as if dispatched one by one (copies neither
    // trap nor charge), so a branch may still land on any of them.
    let mut ip = ip;
    loop {
        // Each copy's slots read after the copy before it, as in [`copy2`].
        let (dst, src) = Copy2::first(&*ip);
        wr(sp, dst, rd::<u64>(sp, src));
        let op = Copy2::decode(&*ip);
        wr(sp, op.dst2, rd::<u64>(sp, op.src2));
        let (dst, src) = Copy2::first(&*ip.add(1));
        wr(sp, dst, rd::<u64>(sp, src));
        let data = Copy2::decode(&*ip.add(1));
        wr(sp, data.dst2, rd::<u64>(sp, data.src2));
        ip = ip.add(2);
        // (`copy4` here is this handler's own function, the op's handler when it is one.)
        if (*ip).h as usize != copy4 as *const () as usize {
            break;
        }
    }
    next!(ip, sp, mem, cx, gas, acc)
});

handler!(
/// Writes a constant cell to a slot. Passes the accumulator through, like [`copy`].
konst(ip, sp, mem, cx, gas, acc, op: DstCell) {
    wr(sp, op.dst, op.value.0);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// Two constants in one op and the data op after it: the op's, then the data op's. The
/// translator joins a constant written directly after another (no label between), so a run of
/// them (a function's constant results, call arguments) dispatches once per pair. Passes the
/// accumulator through, like [`copy`].
konst2(ip, sp, mem, cx, gas, acc, op: DstCell, data: DstCell) {
    wr(sp, op.dst, op.value.0);
    // Read after the first store, as in [`copy2`].
    let data = DstCell::decode(&*ip.add(1));
    wr(sp, data.dst, data.value.0);
    next!(ip.add(2), sp, mem, cx, gas, acc)
});

handler!(select(ip, sp, mem, cx, gas, acc, op: Select) {
    let src = if rd::<u32>(sp, op.cond) != 0 { op.if_true } else { op.if_false };
    let v = wr(sp, op.dst, rd::<u64>(sp, src));
    next!(ip.add(1), sp, mem, cx, gas, v)
});

handler!(global_get(ip, sp, mem, cx, gas, acc, op: DstGlobal) {
    let v = wr(sp, op.dst, **(*cx).globals.add(op.global.0 as usize));
    next!(ip.add(1), sp, mem, cx, gas, v)
});

handler!(global_set(ip, sp, mem, cx, gas, acc, op: GlobalSlot) {
    **(*cx).globals.add(op.global.0 as usize) = rd::<u64>(sp, op.value);
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// `global.set` of the accumulator (whose slot stays in the op, for listings).
global_set_a(ip, sp, mem, cx, gas, acc, op: GlobalAcc) {
    **(*cx).globals.add(op.global.0 as usize) = acc;
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// `global.set` of the accumulator to `global` and then `global2`: a `global_set_a` with one
/// directly after it storing the same value again (`global.set b (global.get a)` after a
/// `global.set a`, whose get reads the stored value back without an op).
global_set2_a(ip, sp, mem, cx, gas, acc, op: GlobalAcc2) {
    let globals = (*cx).globals;
    let cells = [*globals.add(op.global.0 as usize), *globals.add(op.global2.0 as usize)];
    for cell in cells {
        *cell = acc;
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(
/// [`global_set2_a`] and a third such store, to `global3`.
global_set3_a(ip, sp, mem, cx, gas, acc, op: GlobalAcc3) {
    let globals = (*cx).globals;
    // The cells' addresses first: a load after a store to a cell would have to be ordered
    // after it (the compiler cannot tell that a global's cell is not the pointer table).
    let cells =
        [*globals.add(op.global.0 as usize), *globals.add(op.global2.0 as usize), *globals.add(op.global3.0 as usize)];
    for cell in cells {
        *cell = acc;
    }
    next!(ip.add(1), sp, mem, cx, gas, acc)
});

handler!(global_set_imm(ip, sp, mem, cx, gas, acc, op: GlobalCell) {
    **(*cx).globals.add(op.global.0 as usize) = op.value.0;
    next!(ip.add(1), sp, mem, cx, gas, acc)
});
