//! Bare modules for the machine around the operators: NaN bits through memory, globals, calls
//! and blocks; memory and table accesses at their bounds (including addresses near 2^32, where
//! a 32-bit host's arithmetic would wrap); `memory.grow` at the limit; recursion to the stack
//! limit; traps of every kind, at instantiation too; and workloads run out of gas at many points.

use tally_vm::Val;

use crate::bare::{call, i32s, singles, Builder, Call, Float};

/// The machine modules.
pub fn modules() -> Vec<Builder> {
    let mut out = vec![nan_bits(Float::F32), nan_bits(Float::F64), memory_bounds(), tables(), traps(), stack()];
    out.extend(growth());
    out.extend(instantiation_traps());
    out.push(workloads());
    out
}

/// NaN bits (and every other float's) pass unchanged through stores and loads at any
/// alignment, data segments, globals, locals, calls, indirect calls, blocks, `if`, `select` and
/// `br_table`.
fn nan_bits(f: Float) -> Builder {
    let (t, i) = (f.ty(), f.int());
    let width = match f {
        Float::F32 => 4,
        Float::F64 => 8,
    };
    let values = f.unary_operands();
    let data: String = values
        .iter()
        .flat_map(|v| v.to_le_bytes().into_iter().take(width))
        .map(|byte| format!("\\{byte:02x}"))
        .collect();
    let header = format!(
        "  (memory (export \"memory\") 1)\n  (global $g (export \"g\") (mut {t}) {zero})\n  \
         (type $id (func (param {t}) (result {t})))\n  (table 2 funcref)\n  (elem (i32.const 0) $id $id)\n  \
         (func $id (type $id) (local.get 0))\n  (data (i32.const 1024) \"{data}\")",
        zero = f.konst(0),
    );
    let mut b = Builder::new(&format!("nanbits.{t}"), &header);
    let floats = singles(values.iter().map(|&x| f.val(x)));
    for align in [0, 3] {
        b.func_each(
            &format!("store{align}"),
            &format!("(param {t}) (result {i})"),
            &format!(
                "({t}.store offset={align} (i32.const 16) (local.get 0)) ({i}.load offset={align} (i32.const 16))"
            ),
            floats.clone(),
        );
    }
    let ints: Vec<Val> = values
        .iter()
        .map(|&x| match f {
            Float::F32 => Val::I32(x as i32),
            Float::F64 => Val::I64(x as i64),
        })
        .collect();
    b.func_each(
        "load",
        &format!("(param {i}) (result {t})"),
        &format!("({i}.store offset=5 (i32.const 32) (local.get 0)) ({t}.load offset=5 (i32.const 32))"),
        singles(ints),
    );
    let indices = (0..values.len() as u32).map(|k| Val::I32((1024 + k * width as u32) as i32));
    b.func_each(
        "load_data",
        &format!("(param i32) (result {t})"),
        &format!("({t}.load (local.get 0))"),
        singles(indices),
    );
    let id = format!("(param {t}) (result {t})");
    let shapes = [
        ("global", "(global.set $g (local.get 0)) (global.get $g)".to_string()),
        ("call", "(call $id (local.get 0))".into()),
        ("call_indirect", "(call_indirect (type $id) (local.get 0) (i32.const 1))".into()),
        ("block", format!("(block (result {t}) (br 0 (local.get 0)))")),
        ("if", format!("(if (result {t}) (i32.const 1) (then (local.get 0)) (else {}))", f.konst(0))),
        ("select", format!("(select (local.get 0) {} (i32.const 1))", f.konst(0))),
        ("br_table", format!("(block (result {t}) (block (result {t}) (br_table 0 1 (local.get 0) (i32.const 1))))")),
        ("copy", format!("({t}.store (i32.const 64) (local.get 0)) (memory.copy (i32.const 81) (i32.const 64) (i32.const {width})) ({t}.load (i32.const 81))")),
    ];
    for (name, body) in shapes {
        b.func_each(name, &id, &body, floats.clone());
    }
    b.func_each(
        "tee",
        &format!("(param {t}) (result {t}) (local {t})"),
        "(drop (local.tee 1 (local.get 0))) (local.get 1)",
        floats.clone(),
    );
    b
}

/// Addresses either side of the end of a one-page memory, at and past 2^31 and near 2^32,
/// with and without static offsets.
const ADDRESSES: [u32; 12] =
    [0, 65532, 65533, 65535, 65536, 0x7fff_ffff, 0x8000_0000, 0xffff_fff0, 0xffff_fffc, 0xffff_ffff, 1, 4];

/// Loads and stores of every width at the memory's end; bulk operations with ranges that end
/// exactly at it, past it, or overflow 32 bits.
fn memory_bounds() -> Builder {
    let mut b = Builder::new(
        "mem",
        "  (memory (export \"memory\") 1)\n  (data (i32.const 65528) \"\\a1\\a2\\a3\\a4\\a5\\a6\\a7\\a8\")\n  \
         (data $passive \"0123456789abcdef\")",
    );
    let addresses = singles(i32s(&ADDRESSES));
    let loads = [
        ("i32.load8_u", "i32"),
        ("i32.load16_s", "i32"),
        ("i32.load", "i32"),
        ("i64.load", "i64"),
        ("i64.load32_u", "i64"),
        ("f64.load", "f64"),
    ];
    for (load, ty) in loads {
        for offset in [0u32, 4, 65535, 0xffff_ffff] {
            b.func_each(
                &format!("{load}/{offset}"),
                &format!("(param i32) (result {ty})"),
                &format!("({load} offset={offset} (local.get 0))"),
                addresses.clone(),
            );
        }
    }
    for (store, value) in
        [("i32.store8", "(i32.const 0x7b)"), ("i32.store", "(i32.const -1)"), ("i64.store", "(i64.const -2)")]
    {
        for offset in [0u32, 65535, 0xffff_ffff] {
            b.func_each(
                &format!("{store}/{offset}"),
                "(param i32)",
                &format!("({store} offset={offset} (local.get 0) {value})"),
                addresses.clone(),
            );
        }
    }
    // (destination, source or value, length): in range, ending at the end, one past it, and
    // ranges whose end overflows 32 bits.
    let ranges: Vec<Vec<Val>> = [
        (0, 8, 16),
        (65520, 0, 16),
        (65521, 0, 16),
        (65536, 0, 0),
        (65537, 0, 0),
        (0, 65536, 0),
        (0, 65537, 0),
        (0xffff_ffff, 0, 2),
        (2, 0xffff_ffff, 2),
        (16, 8, 0xffff_fff8),
        (8, 16, 24),
        (16, 8, 24),
    ]
    .iter()
    .map(|&(d, s, n)| i32s(&[d, s, n]))
    .collect();
    let sig3 = "(param i32 i32 i32)";
    b.func_each("fill", sig3, "(memory.fill (local.get 0) (local.get 1) (local.get 2))", ranges.clone());
    b.func_each("copy", sig3, "(memory.copy (local.get 0) (local.get 1) (local.get 2))", ranges.clone());
    b.func_each("init", sig3, "(memory.init $passive (local.get 0) (local.get 1) (local.get 2))", ranges);
    b.func("drop", "", "(data.drop $passive)");
    b.func("init0", "(param i32)", "(memory.init $passive (local.get 0) (i32.const 0) (i32.const 0))");
    b.case(
        "drop_then_init",
        vec![
            call("init0", &[Val::I32(65536)]),
            call("drop", &[]),
            call("init0", &[Val::I32(65536)]),
            call("init0", &[Val::I32(65537)]),
            call("init", &i32s(&[0, 0, 1])),
        ],
    );
    b
}

/// Indirect calls (fine, null, wrong type, out of bounds) and the table instructions at their
/// bounds, with a table whose declared maximum stops `table.grow`.
fn tables() -> Builder {
    let mut b = Builder::new(
        "table",
        "  (type $v (func (result i32)))\n  (type $w (func (result i64)))\n  (table $t 4 10 funcref)\n  \
         (table $u 2 externref)\n  (func $a (result i32) (i32.const 11))\n  (func $b (result i64) (i64.const 22))\n  \
         (func $c (result i32) (i32.const 33))\n  (elem $e (table $t) (i32.const 0) func $a)\n  \
         (elem (table $t) (i32.const 2) func $b $c)\n  (elem $p func $c $a $c)",
    );
    let indices = singles(i32s(&[0, 1, 2, 3, 4, 10, 0x7fff_ffff, 0xffff_ffff]));
    b.func_each(
        "call_indirect",
        "(param i32) (result i32)",
        "(call_indirect $t (type $v) (local.get 0))",
        indices.clone(),
    );
    b.func_each("get", "(param i32) (result i32)", "(ref.is_null (table.get $t (local.get 0)))", indices.clone());
    b.func_each("set", "(param i32)", "(table.set $t (local.get 0) (ref.func $a))", indices);
    let ranges: Vec<Vec<Val>> =
        [(0, 0, 4), (0, 1, 3), (3, 0, 2), (4, 0, 0), (5, 0, 0), (0, 4, 0), (0xffff_ffff, 0, 2), (1, 2, 0xffff_ffff)]
            .iter()
            .map(|&(d, s, n)| i32s(&[d, s, n]))
            .collect();
    b.func_each(
        "copy",
        "(param i32 i32 i32)",
        "(table.copy $t $t (local.get 0) (local.get 1) (local.get 2))",
        ranges.clone(),
    );
    b.func_each(
        "init",
        "(param i32 i32 i32)",
        "(table.init $t $p (local.get 0) (local.get 1) (local.get 2))",
        ranges.clone(),
    );
    b.func_each("fill", "(param i32 i32 i32)", "(table.fill $t (local.get 0) (ref.null func) (local.get 2))", ranges);
    b.func("grow", "(param i32) (result i32)", "(table.grow $t (ref.func $c) (local.get 0))");
    b.func("size", "(result i32)", "(table.size $t)");
    b.func("grow_extern", "(param i32) (result i32)", "(table.grow $u (ref.null extern) (local.get 0))");
    b.func("call3", "(param i32) (result i32)", "(call_indirect $t (type $v) (local.get 0))");
    let grow = |n: u32| call("grow", &[Val::I32(n as i32)]);
    b.case(
        "grow",
        vec![
            grow(0),
            grow(3),
            call("size", &[]),
            grow(4),
            grow(3),
            call("size", &[]),
            grow(1),
            grow(0xffff_ffff),
            call("call3", &[Val::I32(9)]),
            call("call3", &[Val::I32(10)]),
            call("grow_extern", &[Val::I32(0x7fff_ffff)]),
            call("grow_extern", &[Val::I32(3)]),
        ],
    );
    b.func("elem_drop", "", "(elem.drop $p)");
    b.case(
        "elem_drop",
        vec![
            call("init", &i32s(&[0, 0, 3])),
            call("elem_drop", &[]),
            call("init", &i32s(&[0, 0, 0])),
            call("init", &i32s(&[0, 0, 1])),
        ],
    );
    b
}

/// The traps not covered elsewhere, each next to the nearest call that does not trap.
fn traps() -> Builder {
    let mut b = Builder::new("trap", "  (global $n (export \"n\") (mut i32) (i32.const 0))");
    b.func_each(
        "unreachable",
        "(param i32) (result i32)",
        "(if (local.get 0) (then unreachable)) (i32.const 1)",
        singles(i32s(&[0, 1])),
    );
    let division = |a: u32, d: u32| i32s(&[a, d]);
    b.func_each(
        "i32.div_s",
        "(param i32 i32) (result i32)",
        "(i32.div_s (local.get 0) (local.get 1))",
        vec![division(0x8000_0000, 0xffff_ffff), division(0x8000_0001, 0xffff_ffff), division(1, 0), division(0, 0)],
    );
    b.func_each(
        "i32.rem_s",
        "(param i32 i32) (result i32)",
        "(i32.rem_s (local.get 0) (local.get 1))",
        vec![division(0x8000_0000, 0xffff_ffff), division(5, 0)],
    );
    let i64_division = |a: u64, d: u64| vec![Val::I64(a as i64), Val::I64(d as i64)];
    b.func_each(
        "i64.div_s",
        "(param i64 i64) (result i64)",
        "(i64.div_s (local.get 0) (local.get 1))",
        vec![i64_division(1 << 63, u64::MAX), i64_division((1 << 63) + 1, u64::MAX), i64_division(1, 0)],
    );
    // Side effects before a trap stay: the global counts the iterations that ran.
    b.func_each(
        "after_effects",
        "(param i32)",
        "(loop $l (global.set $n (i32.add (global.get $n) (i32.const 1))) \
         (drop (i32.div_u (i32.const 1) (i32.sub (local.get 0) (global.get $n)))) (br $l))",
        singles(i32s(&[5])),
    );
    b
}

/// Recursion to the VM's call-depth and stack-cell limits (uninstrumented) and to the injected
/// stack budget (instrumented): how deep each recursion got is in the exported global.
fn stack() -> Builder {
    let locals = "(local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)".repeat(8);
    let header = format!(
        "  (global $depth (export \"depth\") (mut i32) (i32.const 0))\n  (type $r (func))\n  (table 1 funcref)\n  \
         (elem (i32.const 0) $rec_indirect)\n  \
         (func $bump (global.set $depth (i32.add (global.get $depth) (i32.const 1))))\n  \
         (func $rec (call $bump) (call $rec))\n  \
         (func $rec_big {locals} (call $bump) (call $rec_big))\n  \
         (func $rec_params (param i64 f64 i32 f32 i64 f64 i32 f32) (call $bump) \
         (call $rec_params (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (local.get 7)))\n  \
         (func $rec_indirect (call $bump) (call_indirect (type $r) (i32.const 0)))\n  \
         (func $ping (call $bump) (call $pong))\n  (func $pong (call $bump) (call $ping))\n  \
         (func $down (param i32) (result i32) (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) \
         (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))"
    );
    let mut b = Builder::new("stack", &header);
    for f in ["rec", "rec_big", "rec_indirect", "ping"] {
        b.func_each(f, "", &format!("(call ${f})"), [vec![]]);
    }
    b.func_each(
        "rec_params",
        "",
        "(call $rec_params (i64.const 1) (f64.const 2) (i32.const 3) (f32.const 4) (i64.const 5) (f64.const 6) (i32.const 7) (f32.const 8))",
        [vec![]],
    );
    let depths = [1000, 4000, 6000, 6500, 7000, 7500, 8000, 16000, 16382, 16383, 16384];
    b.func_each("down", "(param i32) (result i32)", "(call $down (local.get 0))", singles(i32s(&depths)));
    b
}

/// `memory.grow` up to the limit (64 pages in this corpus's engine), past it, past a declared
/// maximum, and by amounts whose byte size overflows 32 bits; the grown memory is written at
/// its last byte and filled whole.
fn growth() -> Vec<Builder> {
    let body = "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))\n  \
                (func (export \"size\") (result i32) (memory.size))\n  \
                (func (export \"poke_last\") (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (i32.const 0x5a)))\n  \
                (func (export \"poke_past\") (i32.store8 (i32.mul (memory.size) (i32.const 65536)) (i32.const 0x5a)))\n  \
                (func (export \"fill\") (memory.fill (i32.const 0) (i32.const 0xa5) (i32.mul (memory.size) (i32.const 65536))))";
    let grow = |n: u32| call("grow", &[Val::I32(n as i32)]);
    let size = || call("size", &[]);
    let mut unlimited = Builder::new("grow", &format!("  (memory (export \"memory\") 1)\n{body}"));
    unlimited.case(
        "to_the_limit",
        vec![
            grow(0),
            grow(1),
            grow(30),
            size(),
            grow(31),
            grow(2),
            grow(1),
            grow(1),
            size(),
            grow(0),
            call("poke_last", &[]),
            call("poke_past", &[]),
            call("fill", &[]),
        ],
    );
    unlimited.case("huge", vec![grow(0xffff_ffff), grow(0x1_0000), grow(0x8000), grow(64), grow(63), size()]);
    let mut declared = Builder::new("grow_max", &format!("  (memory (export \"memory\") 1 10)\n{body}"));
    declared.case(
        "to_the_maximum",
        vec![grow(8), grow(2), grow(1), size(), grow(0), call("poke_last", &[]), call("poke_past", &[])],
    );
    let mut empty = Builder::new("grow_empty", &format!("  (memory (export \"memory\") 0)\n{body}"));
    empty.case("from_zero", vec![size(), call("poke_last", &[]), grow(1), call("poke_last", &[]), grow(64), size()]);
    vec![unlimited, declared, empty]
}

/// Modules whose instantiation traps: an active data or element segment out of bounds (the
/// segments before it are applied), a start function that traps.
fn instantiation_traps() -> Vec<Builder> {
    let export = "  (func (export \"f\") (result i32) (i32.const 1))";
    let cases = [
        ("inst_data", "  (memory (export \"memory\") 1)\n  (data (i32.const 0) \"ok\")\n  (data (i32.const 65535) \"xy\")"),
        ("inst_elem", "  (table (export \"t\") 2 funcref)\n  (func $z)\n  (elem (i32.const 0) $z)\n  (elem (i32.const 1) $z $z)"),
        ("inst_start", "  (global (export \"g\") (mut i32) (i32.const 0))\n  (func $s (global.set 0 (i32.const 5)) unreachable)\n  (start $s)"),
        ("inst_ok", "  (memory (export \"memory\") 1)\n  (data (i32.const 65534) \"ok\")"),
    ];
    cases
        .into_iter()
        .map(|(name, header)| {
            let mut b = Builder::new(name, &format!("{header}\n{export}"));
            b.case("instantiate", vec![call("f", &[])]);
            b
        })
        .collect()
}

/// Workloads run out of gas at many points: a mixing loop with stores, calls, indirect calls
/// and `br_table`; recursive Fibonacci; bulk memory and growth (charged per unit); a float loop.
fn workloads() -> Builder {
    let header = "  (memory (export \"memory\") 1)\n  (global $acc (export \"acc\") (mut i64) (i64.const 0))\n  \
        (global $iters (export \"iters\") (mut i32) (i32.const 0))\n  (global $x (export \"x\") (mut f64) (f64.const 0))\n  \
        (type $k (func (param i64) (result i64)))\n  (table 2 funcref)\n  (elem (i32.const 0) $k0 $k1)\n  \
        (func $k0 (type $k) (i64.rotl (local.get 0) (i64.const 17)))\n  \
        (func $k1 (type $k) (i64.xor (local.get 0) (i64.shr_u (local.get 0) (i64.const 29))))\n  \
        (func $helper (param i64) (result i64) (i64.add (i64.div_u (local.get 0) (i64.const 7)) (i64.rem_s (local.get 0) (i64.const 1000003))))\n  \
        (func $fib (param i32) (result i32) (global.set $iters (i32.add (global.get $iters) (i32.const 1))) (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0)) \
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))";
    let mut b = Builder::new("work", header);
    b.func(
        "mix",
        "(param $n i32) (result i64) (local $i i32)",
        "(loop $l \
           (global.set $acc (i64.add (i64.mul (global.get $acc) (i64.const 6364136223846793005)) (i64.const 1442695040888963407))) \
           (i64.store (i32.and (i32.shl (local.get $i) (i32.const 3)) (i32.const 0xff8)) (global.get $acc)) \
           (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 7))) \
             (then (global.set $acc (call $helper (global.get $acc))))) \
           (global.set $acc (call_indirect (type $k) (global.get $acc) (i32.and (local.get $i) (i32.const 1)))) \
           (block $b3 (block $b2 (block $b1 (block $b0 \
             (br_table $b0 $b1 $b2 $b3 (i32.and (local.get $i) (i32.const 3)))) \
             (global.set $acc (i64.add (global.get $acc) (i64.const 1))) (br $b3)) \
             (global.set $acc (i64.sub (global.get $acc) (i64.const 3))) (br $b3)) \
             (global.set $acc (i64.xor (global.get $acc) (i64.const 0x5555))) (br $b3)) \
           (global.set $iters (i32.add (global.get $iters) (i32.const 1))) \
           (local.set $i (i32.add (local.get $i) (i32.const 1))) \
           (br_if $l (i32.lt_u (local.get $i) (local.get $n)))) \
         (global.get $acc)",
    );
    b.func("fib", "(param i32) (result i32)", "(call $fib (local.get 0))");
    b.func(
        "bulk",
        "(param $n i32) (local $i i32)",
        "(loop $l \
           (memory.fill (i32.const 0) (i32.add (local.get $i) (i32.const 1)) (i32.mul (local.get $n) (i32.const 64))) \
           (memory.copy (i32.const 4096) (i32.const 0) (i32.mul (local.get $n) (i32.const 64))) \
           (drop (memory.grow (i32.const 1))) \
           (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (local.get $i)) \
           (global.set $iters (i32.add (global.get $iters) (i32.const 1))) \
           (local.set $i (i32.add (local.get $i) (i32.const 1))) \
           (br_if $l (i32.lt_u (local.get $i) (local.get $n))))",
    );
    b.func(
        "floaty",
        "(param $n i32) (result f64) (local $i i32) (local $y f64)",
        "(loop $l \
           (local.set $y (f64.convert_i32_u (local.get $i))) \
           (global.set $x (f64.div (f64.sqrt (f64.add (f64.mul (global.get $x) (global.get $x)) (local.get $y))) \
             (f64.add (local.get $y) (f64.const 1.5)))) \
           (global.set $x (f64.add (global.get $x) (f64.promote_f32 (f32.demote_f64 (f64.nearest (f64.mul (local.get $y) (f64.const 0.37))))))) \
           (global.set $x (f64.min (global.get $x) (f64.max (f64.const -1e300) (f64.mul (global.get $x) (f64.const 1.0000001))))) \
           (global.set $iters (i32.add (global.get $iters) (i32.const 1))) \
           (local.set $i (i32.add (local.get $i) (i32.const 1))) \
           (br_if $l (i32.lt_u (local.get $i) (local.get $n)))) \
         (global.get $x)",
    );
    let one = |export: &str, n: i32| -> Call { call(export, &[Val::I32(n)]) };
    b.gas_points("mix", one("mix", 300), 40);
    b.gas_points("fib", one("fib", 15), 40);
    b.gas_points("bulk", one("bulk", 12), 40);
    b.gas_points("floaty", one("floaty", 200), 40);
    // The same workloads with plenty of gas, compared uninstrumented too.
    b.case("all", vec![one("mix", 1000), one("fib", 18), one("bulk", 20), one("floaty", 1000)]);
    b
}
