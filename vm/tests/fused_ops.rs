//! The translator's specialised and fused ops compute exactly what the Wasm operators they replace
//! compute: division by constants, fused `i64` bit operations, field extraction, and stores of
//! immediates to `base + constant` addresses. Each function is written so the translator picks the
//! specialised form, and its results (and traps) are checked against Rust's own arithmetic.
//!
//! Each test also checks, in the function's IR listing (`Module::ir_text`), that the translator
//! did pick the form the function is written for ([`assert_ops`]), so a fusion that silently
//! stops firing fails here, and pins the whole listing of its module in
//! `tests/ir_snapshots/NAME.ir` ([`assert_snapshot`]). After a deliberate change to the
//! translator or the listing, rewrite the snapshots with
//! `GOLDEN_UPDATE=1 cargo test --release -p tally-vm --test vm fused_ops::` (the tests whose
//! snapshot it rewrites fail), review the diff and run the tests again.

use std::path::Path;

use tally_vm::*;

fn instance(wat: &str) -> (Store<()>, Instance, Module) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    (store, inst, module)
}

/// Whether listings name ops: they find handlers by address, and under Miri each use of a
/// function has an address of its own, so the IR checks run in the ordinary runs only.
const LISTINGS_NAME_OPS: bool = !cfg!(miri);

/// The IR listing of the exported function `name`.
fn listing(module: &Module, name: &str) -> String {
    let export = module.exports().into_iter().find(|e| e.name() == name).expect("no such export");
    module.ir_text(export.index()).expect("an exported function defined by the module")
}

/// The names of the ops in a listing, in order, without the data ops some of them carry.
fn op_names(listing: &str) -> Vec<&str> {
    listing
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(": ")?.1.split_whitespace().next())
        .filter(|name| !name.starts_with('.'))
        .collect()
}

/// Asserts that function `name` was translated with the ops `expected`, in this order (other
/// ops may come before, between and after them). An op's forms that read an operand from the
/// accumulator (`_a`, `_za`, `_aa`) count as the op.
fn assert_ops(module: &Module, name: &str, expected: &[&str]) {
    if !LISTINGS_NAME_OPS {
        return;
    }
    let text = listing(module, name);
    let mut names = op_names(&text).into_iter();
    let is = |n: &str, want: &str| {
        n == want || n.strip_prefix(want).is_some_and(|form| ["_a", "_za", "_aa"].contains(&form))
    };
    for want in expected {
        assert!(names.any(|n| is(n, want)), "{name}: expected the ops {expected:?} in order, {want} missing:\n{text}");
    }
}

/// The committed snapshots, compiled in (no file access: the test runs under Miri too). A new
/// snapshot needs an entry here and its file (empty, then `GOLDEN_UPDATE=1`).
const SNAPSHOTS: [(&str, &str); 9] = [
    ("accumulator", include_str!("ir_snapshots/accumulator.ir")),
    ("division_by_-7", include_str!("ir_snapshots/division_by_-7.ir")),
    ("division_by_0", include_str!("ir_snapshots/division_by_0.ir")),
    ("division_by_7", include_str!("ir_snapshots/division_by_7.ir")),
    ("division_by_1048576", include_str!("ir_snapshots/division_by_1048576.ir")),
    ("i64_bit_operations", include_str!("ir_snapshots/i64_bit_operations.ir")),
    ("stores_of_immediates", include_str!("ir_snapshots/stores_of_immediates.ir")),
    ("zero_extension", include_str!("ir_snapshots/zero_extension.ir")),
    ("remainder_into_a_local", include_str!("ir_snapshots/remainder_into_a_local.ir")),
];

/// Compares the listing of every function of `module` with `tests/ir_snapshots/NAME.ir`
/// (rewritten when it differs and `GOLDEN_UPDATE` is set; the test fails all the same).
fn assert_snapshot(snapshot: &str, module: &Module) {
    // The branch census adds a `census_site` op before every branch: the snapshots are of the
    // code a node runs.
    if !LISTINGS_NAME_OPS || cfg!(feature = "branch-census") {
        return;
    }
    let functions: Vec<String> =
        (0..).map_while(|i| module.func_type(i).map(|_| module.ir_text(i))).flatten().collect();
    let text = functions.join("\n");
    let file = format!("tests/ir_snapshots/{snapshot}.ir");
    let (_, expected) = SNAPSHOTS.iter().find(|(name, _)| *name == snapshot).expect("a snapshot listed in SNAPSHOTS");
    // Rewriting still fails the test: a run with `GOLDEN_UPDATE` set passes only when nothing changed.
    if text != *expected && std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join(&file), &text).expect("write the snapshot");
        panic!("rewrote {file} (GOLDEN_UPDATE): review the diff, then run the tests again");
    }
    assert!(
        text == *expected,
        "the IR differs from {file} (after a deliberate change: GOLDEN_UPDATE=1 cargo test --release -p tally-vm \
         --test vm fused_ops::, then review the diff)\n--- got ---\n{text}"
    );
}

/// Pseudo-random test inputs plus the edges.
fn samples64() -> Vec<u64> {
    let mut xs =
        vec![0, 1, 2, 3, u64::MAX, u64::MAX - 1, 1 << 63, (1 << 63) - 1, 1 << 32, (1 << 32) - 1, 0xFFFF_FFFF_8000_0000];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..300 {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        xs.push(state.wrapping_mul(0x2545_F491_4F6C_DD1D));
    }
    xs
}

fn samples32() -> Vec<u32> {
    let mut xs: Vec<u32> = samples64().iter().map(|&x| x as u32).collect();
    xs.extend([i32::MAX as u32, i32::MIN as u32, (i32::MIN as u32) + 1, 20_000, 19_999, 999, 1000, 1001]);
    xs
}

/// The op the translator is meant to pick for `div_u`, `rem_u`, `div_s` and `rem_s` by the
/// constant `d`: a shift or a mask for unsigned division by a power of two; a multiply by the
/// reciprocal for divisors of 3 and more that are not powers of two (signed division only by a
/// positive one; a signed remainder takes the divisor's magnitude); otherwise the generic op,
/// which checks for zero and overflow.
fn division_ops(d: i32) -> [&'static str; 4] {
    let u = d as u32;
    let reciprocal = |d: u32| d >= 3 && !d.is_power_of_two();
    let pick = |fast: bool, fused: &'static str, generic: &'static str| if fast { fused } else { generic };
    [
        if u.is_power_of_two() { "i32_shr_u_si" } else { pick(reciprocal(u), "i32_div_u_const", "i32_div_u_si") },
        if u.is_power_of_two() { "i32_and_si" } else { pick(reciprocal(u), "i32_rem_u_const", "i32_rem_u_si") },
        pick(d > 0 && reciprocal(u), "i32_div_s_const", "i32_div_s_si"),
        pick(reciprocal(d.unsigned_abs()), "i32_rem_s_const", "i32_rem_s_si"),
    ]
}

#[test]
#[cfg_attr(miri, ignore = "7 700 calls over 22 modules: minutes under Miri for the same handlers as the other tests")]
fn i32_division_by_constants() {
    let divisors: [i32; 22] = [
        -20_000,
        -7,
        -3,
        -2,
        -1,
        0,
        1,
        2,
        3,
        7,
        10,
        1000,
        20_000,
        1 << 20,
        (1 << 20) + 1,
        i32::MAX,
        i32::MAX - 1,
        i32::MIN,
        i32::MIN + 1,
        -(1 << 30),
        0x4000_0001,
        0x5555_5555,
    ];
    for d in divisors {
        let (mut store, inst, module) = instance(&format!(
            r#"(module
              (func (export "div_u") (param i32) (result i32) (i32.div_u (local.get 0) (i32.const {d})))
              (func (export "rem_u") (param i32) (result i32) (i32.rem_u (local.get 0) (i32.const {d})))
              (func (export "div_s") (param i32) (result i32) (i32.div_s (local.get 0) (i32.const {d})))
              (func (export "rem_s") (param i32) (result i32) (i32.rem_s (local.get 0) (i32.const {d})))
              ;; The quotient kept in a local and reused, as compiled code does.
              (func (export "div_rem") (param i32) (result i32) (local i32)
                (local.set 1 (i32.rem_u (local.get 0) (i32.const {d})))
                (i32.add (local.get 1) (i32.div_u (local.get 1) (i32.const 7)))))"#
        ));
        let [div_u_op, rem_u_op, div_s_op, rem_s_op] = division_ops(d);
        assert_ops(&module, "div_u", &[div_u_op]);
        assert_ops(&module, "rem_u", &[rem_u_op]);
        assert_ops(&module, "div_s", &[div_s_op]);
        assert_ops(&module, "rem_s", &[rem_s_op]);
        assert_ops(&module, "div_rem", &[rem_u_op, "i32_div_u_const"]);
        if matches!(d, -7 | 0 | 7 | 0x10_0000) {
            assert_snapshot(&format!("division_by_{d}"), &module);
        }
        let f = |name: &str| inst.get_typed_func::<i32, i32>(&store, name).unwrap();
        let (div_u, rem_u, div_s, rem_s, div_rem) = (f("div_u"), f("rem_u"), f("div_s"), f("rem_s"), f("div_rem"));
        for x in samples32() {
            let (xu, du, xs) = (x, d as u32, x as i32);
            let zero = Err(TrapCode::DivisionByZero);
            let code = |r: Result<i32, Trap>| r.map_err(|t| t.code);
            let expect_u = |v: Option<u32>| v.map(|v| v as i32).ok_or(TrapCode::DivisionByZero);
            assert_eq!(code(div_u.call(&mut store, xs)), expect_u(xu.checked_div(du)), "{x} div_u {d}");
            assert_eq!(code(rem_u.call(&mut store, xs)), expect_u(xu.checked_rem(du)), "{x} rem_u {d}");
            let expected_div_s = match (xs, d) {
                (_, 0) => zero,
                (i32::MIN, -1) => Err(TrapCode::IntegerOverflow),
                _ => Ok(xs / d),
            };
            assert_eq!(code(div_s.call(&mut store, xs)), expected_div_s, "{x} div_s {d}");
            let expected_rem_s = if d == 0 { zero } else { Ok(xs.wrapping_rem(d)) };
            assert_eq!(code(rem_s.call(&mut store, xs)), expected_rem_s, "{x} rem_s {d}");
            let expected = xu.checked_rem(du).map(|r| r.wrapping_add(r / 7) as i32).ok_or(TrapCode::DivisionByZero);
            assert_eq!(code(div_rem.call(&mut store, xs)), expected, "{x} div_rem {d}");
        }
    }
}

#[test]
fn fused_i64_bit_operations() {
    let (mut store, inst, module) = instance(
        r#"(module
          ;; Shift or rotate by a constant, then xor; both operand orders.
          (func (export "xor_shl") (param i64 i64) (result i64)
            (i64.xor (i64.shl (local.get 0) (i64.const 77)) (local.get 1)))
          (func (export "xor_shr_u") (param i64 i64) (result i64)
            (i64.xor (local.get 1) (i64.shr_u (local.get 0) (i64.const 12))))
          (func (export "xor_rotl") (param i64 i64) (result i64)
            (i64.xor (i64.rotl (local.get 0) (i64.const 65)) (local.get 1)))
          ;; Xor, then rotate by a constant.
          (func (export "rotl_xor") (param i64 i64) (result i64)
            (i64.rotl (i64.xor (local.get 0) (local.get 1)) (i64.const 41)))
          ;; And-not, both orders, and the Keccak chi step `w ^ (!b & z)`.
          (func (export "andn") (param i64 i64) (result i64)
            (i64.and (i64.xor (local.get 0) (i64.const -1)) (local.get 1)))
          (func (export "andn_swapped") (param i64 i64) (result i64)
            (i64.and (local.get 1) (i64.xor (i64.const -1) (local.get 0))))
          ;; (`w` comes first: the and-not must be the op just before the xor to fuse into it.)
          (func (export "chi") (param i64 i64) (result i64)
            (i64.xor (i64.mul (local.get 0) (local.get 1))
                     (i64.and (i64.xor (local.get 0) (i64.const -1)) (local.get 1))))
          ;; xorshift64 updating its state in place: the fused op reads and writes local 0.
          (func (export "xorshift") (param i64 i64) (result i64)
            (local.set 0 (i64.xor (i64.shr_u (local.get 0) (i64.const 12)) (local.get 0)))
            (local.set 0 (i64.xor (local.get 0) (i64.shl (local.get 0) (i64.const 25))))
            (local.tee 0 (i64.xor (i64.shr_u (local.get 0) (i64.const 27)) (local.get 0))))
          ;; Taking a 32-bit field out of a 64-bit word.
          (func (export "field") (param i64 i64) (result i64)
            (i64.extend_i32_u (i32.wrap_i64 (i64.shr_u (local.get 0) (i64.const 88))))))"#,
    );
    let fused: [(&str, &[&str]); 9] = [
        ("xor_shl", &["i64_xor_shl"]),
        ("xor_shr_u", &["i64_xor_shr_u"]),
        ("xor_rotl", &["i64_xor_rotl"]),
        ("rotl_xor", &["i64_rotl_xor"]),
        ("andn", &["i64_andn"]),
        ("andn_swapped", &["i64_andn"]),
        ("chi", &["i64_xor_andn"]),
        ("xorshift", &["i64_xor_shr_u", "i64_xor_shl", "i64_xor_shr_u"]),
        ("field", &["i32_wrap_shr_u"]),
    ];
    for (name, ops) in fused {
        assert_ops(&module, name, ops);
    }
    assert_snapshot("i64_bit_operations", &module);
    type Model = fn(u64, u64) -> u64;
    let models: [(&str, Model); 9] = [
        ("xor_shl", |x, y| (x << (77 % 64)) ^ y),
        ("xor_shr_u", |x, y| y ^ (x >> 12)),
        ("xor_rotl", |x, y| x.rotate_left(65 % 64) ^ y),
        ("rotl_xor", |x, y| (x ^ y).rotate_left(41)),
        ("andn", |x, y| !x & y),
        ("andn_swapped", |x, y| y & !x),
        ("chi", |x, y| (!x & y) ^ x.wrapping_mul(y)),
        ("xorshift", |x, _| {
            let x = x ^ (x >> 12);
            let x = x ^ (x << 25);
            x ^ (x >> 27)
        }),
        ("field", |x, _| (x >> (88 % 64)) as u32 as u64),
    ];
    let xs = samples64();
    for (name, model) in &models {
        let f = inst.get_typed_func::<(i64, i64), i64>(&store, name).unwrap();
        for (i, &x) in xs.iter().enumerate() {
            let y = xs[(i * 7 + 3) % xs.len()];
            assert_eq!(f.call(&mut store, (x as i64, y as i64)).unwrap() as u64, model(x, y), "{name}({x:#x}, {y:#x})");
        }
    }
}

#[test]
fn stores_of_immediates_to_constant_offsets() {
    let (mut store, inst, module) = instance(
        r#"(module (memory 1)
          (func (export "store8") (param i32)
            (i32.store8 offset=3 (i32.add (local.get 0) (i32.const 100)) (i32.const 0x1AB)))
          (func (export "store16") (param i32)
            (i32.store16 (i32.add (local.get 0) (i32.const 100)) (i32.const 0xBEEF)))
          (func (export "store32") (param i32)
            (i64.store32 (i32.add (local.get 0) (i32.const 100)) (i64.const 0x1_2345_6789)))
          (func (export "store64_small") (param i32)
            (i64.store (i32.add (local.get 0) (i32.const 100)) (i64.const 0xFFFF_FFFF)))
          (func (export "store64_wide") (param i32)
            (i64.store (i32.add (local.get 0) (i32.const 100)) (i64.const 0x1122_3344_5566_7788)))
          (func (export "load64") (param i32) (result i64) (i64.load (local.get 0))))"#,
    );
    assert_ops(&module, "store8", &["store8_imm_add"]);
    assert_ops(&module, "store16", &["store16_imm_add"]);
    assert_ops(&module, "store32", &["store32_imm_add"]);
    assert_ops(&module, "store64_small", &["store64_imm_add"]);
    // The fused form has room for 32 bits of the value: a wider one keeps the add.
    assert_ops(&module, "store64_wide", &["i32_add_si", "store64_imm"]);
    assert_snapshot("stores_of_immediates", &module);
    let load = inst.get_typed_func::<i32, i64>(&store, "load64").unwrap();
    let call = |store: &mut Store<()>, name: &str, base: i32| {
        inst.get_typed_func::<i32, ()>(&*store, name).unwrap().call(store, base).map_err(|t| t.code)
    };
    call(&mut store, "store8", 0).unwrap();
    assert_eq!(load.call(&mut store, 103).unwrap() as u64 & 0xFF, 0xAB);
    call(&mut store, "store16", 8).unwrap();
    assert_eq!(load.call(&mut store, 108).unwrap() as u64 & 0xFFFF, 0xBEEF);
    call(&mut store, "store32", 16).unwrap();
    assert_eq!(load.call(&mut store, 116).unwrap() as u64 & 0xFFFF_FFFF, 0x2345_6789);
    call(&mut store, "store64_small", 24).unwrap();
    assert_eq!(load.call(&mut store, 124).unwrap() as u64, 0xFFFF_FFFF);
    call(&mut store, "store64_wide", 40).unwrap();
    assert_eq!(load.call(&mut store, 140).unwrap() as u64, 0x1122_3344_5566_7788);
    // The address add wraps modulo 2^32 before the offset is added, and the access is
    // bounds-checked like any other.
    call(&mut store, "store8", -100).unwrap();
    assert_eq!(load.call(&mut store, 3).unwrap() as u64 & 0xFF, 0xAB);
    assert_eq!(call(&mut store, "store8", -101), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(call(&mut store, "store64_wide", 65_536 - 100 - 8), Ok(()));
    assert_eq!(call(&mut store, "store64_wide", 65_536 - 100 - 7), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(call(&mut store, "store16", 65_536 - 100 - 1), Err(TrapCode::MemoryOutOfBounds));
}

/// `i64.extend_i32_u` emits no op: it relies on every i32 producer leaving its cell's high half
/// zero. This checks producers whose natural 64-bit result would have high bits set.
#[test]
fn zero_extension_sees_clean_i32_cells() {
    let (mut store, inst, module) = instance(
        r#"(module (memory 1) (data (i32.const 0) "\ff\ff\ff\ff")
          (global $g (mut i32) (i32.const -5))
          (func $neg (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
          (func (export "extend") (param $which i32) (param $x i32) (result i64)
            (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
              (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 (local.get $which)))
              (return (i64.extend_i32_u (i32.sub (local.get $x) (i32.const 1)))))
              (return (i64.extend_i32_u (i32.load8_s (i32.const 0)))))
              (return (i64.extend_i32_u (i32.wrap_i64 (i64.const -1)))))
              (return (i64.extend_i32_u (call $neg (local.get $x)))))
              (return (i64.extend_i32_u (global.get $g))))
              (return (i64.extend_i32_u (select (i32.const -9) (local.get $x) (local.get $x)))))
            (i64.extend_i32_u (i32.rotl (local.get $x) (i32.const 31)))))"#,
    );
    if LISTINGS_NAME_OPS {
        let text = listing(&module, "extend");
        assert!(op_names(&text).iter().all(|name| !name.contains("extend")), "an op for i64.extend_i32_u:\n{text}");
    }
    assert_snapshot("zero_extension", &module);
    let f = inst.get_typed_func::<(i32, i32), i64>(&store, "extend").unwrap();
    let x = 7i32;
    let expected: [u32; 7] =
        [6, 0xFFFF_FFFF, 0xFFFF_FFFF, -7i32 as u32, -5i32 as u32, -9i32 as u32, 7u32.rotate_left(31)];
    for (which, want) in expected.iter().enumerate() {
        assert_eq!(f.call(&mut store, (which as i32, x)).unwrap(), i64::from(*want), "case {which}");
    }
    assert_eq!(f.call(&mut store, (0, 0)).unwrap(), i64::from(u32::MAX));
}

/// Asserts that in function `name` the op `remainder` writes local 1 itself, followed by its
/// data op.
fn assert_writes_local_1(name: &str, remainder: &str, module: &Module) {
    if !LISTINGS_NAME_OPS {
        return;
    }
    let text = listing(module, name);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|line| line.contains(remainder)).unwrap_or_else(|| panic!("{name}:\n{text}"));
    assert!(lines[at].contains(" s1 <- "), "{name}: the remainder should write local 1 itself:\n{text}");
    assert!(lines[at + 1].contains(".data"), "{name}: the divisor should follow the remainder:\n{text}");
}

/// A remainder by a constant carries its divisor in a data op after it. Writing its result
/// straight into a local that is still on the operand stack must first save the old value, and
/// that copy must land before the remainder and its data op.
#[test]
fn remainder_into_a_local_still_on_the_stack() {
    let (mut store, inst, module) = instance(
        r#"(module
          (func (export "f") (param i32 i32) (result i32)
            (i32.sub (local.get 1) (local.tee 1 (i32.rem_u (local.get 0) (i32.const 7))))
          )
          (func (export "g") (param i32 i32) (result i32)
            (i32.add (i32.mul (local.get 1) (i32.const 1000))
                     (local.tee 1 (i32.rem_s (local.get 0) (i32.const -10))))))"#,
    );
    assert_writes_local_1("f", "i32_rem_u_const", &module);
    assert_writes_local_1("g", "i32_rem_s_const", &module);
    // `f` reads local 1 before the tee: its old value is copied out before the remainder.
    assert_ops(&module, "f", &["copy", "i32_rem_u_const"]);
    assert_snapshot("remainder_into_a_local", &module);
    let f = inst.get_typed_func::<(i32, i32), i32>(&store, "f").unwrap();
    let g = inst.get_typed_func::<(i32, i32), i32>(&store, "g").unwrap();
    for (x, y) in [(100, 5), (-1, 1_000_000), (6, 0), (i32::MIN, -3)] {
        let r = (x as u32 % 7) as i32;
        assert_eq!(f.call(&mut store, (x, y)).unwrap(), y.wrapping_sub(r), "f({x}, {y})");
        assert_eq!(g.call(&mut store, (x, y)).unwrap(), y.wrapping_mul(1000).wrapping_add(x % -10), "g({x}, {y})");
    }
}

/// Ops that read the value the op before them produced take it from the accumulator (their
/// `_a` forms), and compute what the slot forms compute. The accumulator holds nothing known at
/// a loop head, where the back edge arrives with the value of another op.
#[test]
fn accumulator_forms() {
    let (mut store, inst, module) = instance(
        r#"(module (memory 1)
          (global $g (mut i64) (i64.const 10))
          ;; A unary op and a binary op, each on the previous result.
          (func (export "unary") (param i64) (result i64)
            (i64.add (i64.clz (i64.xor (local.get 0) (i64.const 0x55))) (local.get 0)))
          ;; The previous result as the right operand of a commutative operator (swapped), then
          ;; as the left operand of a non-commutative one.
          (func (export "binary") (param i32 i32) (result i32)
            (i32.sub (i32.and (local.get 1) (i32.mul (local.get 0) (i32.const 3))) (local.get 0)))
          ;; A stored value, a load address and the operand of an address add folded into a
          ;; load, each the previous result.
          (func (export "memory") (param i32 i64) (result i64)
            (i64.store offset=8 (local.get 0) (i64.mul (local.get 1) (local.get 1)))
            (i64.add
              (i64.load offset=8 (i32.and (local.get 0) (i32.const 0xfff8)))
              (i64.load (i32.add (i32.or (local.get 0) (i32.const 0)) (i32.const 8)))))
          ;; global.get, an add of it, global.set of the sum.
          (func (export "global") (param i64) (result i64)
            (global.set $g (i64.add (global.get $g) (local.get 0)))
            (global.get $g))
          ;; A local.tee chain: copies, which pass the accumulator through.
          (func (export "tees") (param i64) (result i64) (local i64 i64 i64)
            (local.set 3 (local.tee 2 (local.tee 1 (local.get 0))))
            (i64.add (i64.add (local.get 1) (local.get 2)) (local.get 3)))
          ;; The old value of local 1 is copied out between the clz and the add that reads the
          ;; clz from the accumulator: the copy passes the accumulator through.
          (func (export "copied_out") (param i32 i32) (result i32)
            (i32.sub (local.get 1) (local.tee 1 (i32.add (i32.clz (local.get 0)) (i32.const 5)))))
          ;; The loop's first op reads local 1, which the op before the loop produced; the back
          ;; edge arrives with local 3 in the accumulator.
          (func (export "loop") (param i32) (result i32) (local i32 i32 i32)
            (local.set 1 (i32.add (i32.clz (local.get 0)) (i32.const 1)))
            (loop $l
              (local.set 2 (i32.add (local.get 1) (local.get 2)))
              (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
              (local.set 3 (i32.mul (local.get 2) (i32.const 3)))
              (br_if $l (local.get 1)))
            (i32.add (local.get 2) (local.get 3))))"#,
    );
    assert_ops(&module, "unary", &["i64_xor_si", "i64_clz_a", "i64_add_as"]);
    assert_ops(&module, "binary", &["i32_mul_si", "i32_and_as", "i32_sub_as"]);
    assert_ops(
        &module,
        "memory",
        &["i64_mul_ss", "store64_a", "i32_and_si", "i64_load_a", "i32_or_si", "i64_load_add_a"],
    );
    assert_ops(&module, "global", &["global_get", "i64_add_as", "global_set_a"]);
    assert_ops(&module, "copied_out", &["i32_clz", "copy", "i32_add_ai"]);
    if LISTINGS_NAME_OPS {
        let text = listing(&module, "loop");
        let names = op_names(&text);
        assert_eq!(names[..3], ["i32_clz", "i32_add_ai", "i32_add_ss"], "the loop head reads its slots:\n{text}");
    }
    assert_snapshot("accumulator", &module);

    let unary = inst.get_typed_func::<i64, i64>(&store, "unary").unwrap();
    let binary = inst.get_typed_func::<(i32, i32), i32>(&store, "binary").unwrap();
    let memory = inst.get_typed_func::<(i32, i64), i64>(&store, "memory").unwrap();
    let global = inst.get_typed_func::<i64, i64>(&store, "global").unwrap();
    let tees = inst.get_typed_func::<i64, i64>(&store, "tees").unwrap();
    let copied_out = inst.get_typed_func::<(i32, i32), i32>(&store, "copied_out").unwrap();
    let looped = inst.get_typed_func::<i32, i32>(&store, "loop").unwrap();
    let mut g = 10i64;
    for (i, &x) in samples64().iter().enumerate() {
        let (x32, y32) = (x as u32 as i32, (x >> 32) as u32 as i32);
        let want = i64::from((x ^ 0x55).leading_zeros()).wrapping_add(x as i64);
        assert_eq!(unary.call(&mut store, x as i64).unwrap(), want, "unary({x:#x})");
        let want = (y32 & x32.wrapping_mul(3)).wrapping_sub(x32);
        assert_eq!(binary.call(&mut store, (x32, y32)).unwrap(), want, "binary({x32}, {y32})");
        let addr = (i as i32 * 8) & 0xfff8;
        let square = (x as i64).wrapping_mul(x as i64);
        assert_eq!(
            memory.call(&mut store, (addr, x as i64)).unwrap(),
            square.wrapping_mul(2),
            "memory({addr}, {x:#x})"
        );
        g = g.wrapping_add(x as i64);
        assert_eq!(global.call(&mut store, x as i64).unwrap(), g, "global({x:#x})");
        assert_eq!(tees.call(&mut store, x as i64).unwrap(), (x as i64).wrapping_mul(3), "tees({x:#x})");
        let want = y32.wrapping_sub(x32.leading_zeros() as i32 + 5);
        assert_eq!(copied_out.call(&mut store, (x32, y32)).unwrap(), want, "copied_out({x32}, {y32})");
        let (mut l1, mut l2) = (x32.leading_zeros() as i32 + 1, 0i32);
        let l3 = loop {
            l2 = l1.wrapping_add(l2);
            l1 = l1.wrapping_sub(1);
            let l3 = l2.wrapping_mul(3);
            if l1 == 0 {
                break l3;
            }
        };
        assert_eq!(looped.call(&mut store, x32).unwrap(), l2.wrapping_add(l3), "loop({x32})");
    }
}

/// A copy emitted directly after another joins it (`copy2`: both in order, the second may read
/// what the first wrote), but never across a label: a branch that lands between them must run
/// the second alone.
#[test]
fn copy_pairs() {
    let (mut store, inst, module) = instance(
        r#"(module
          ;; Three copies (the tee chain): a pair, then one alone.
          (func (export "tees") (param i64) (result i64) (local i64 i64 i64)
            (local.set 3 (local.tee 2 (local.tee 1 (local.get 0))))
            (i64.add (i64.add (local.get 1) (local.get 2)) (i64.mul (local.get 3) (i64.const 3))))
          ;; The second copy reads what the first wrote.
          (func (export "chain") (param i64 i64) (result i64) (local i64)
            (local.set 2 (local.get 0))
            (local.set 1 (local.get 2))
            (i64.sub (local.get 1) (local.get 0)))
          ;; `local.set $y` is the block's last op and `local.set $x` the first after its end,
          ;; where the `br_if` lands.
          (func (export "label") (param $x i64) (param $skip i32) (param $y i64) (result i64)
            (block $b
              (br_if $b (local.get $skip))
              (local.set $y (local.get $x)))
            (local.set $x (local.get $y))
            (i64.add (local.get $x) (local.get $y))))"#,
    );
    assert_ops(&module, "tees", &["copy2", "copy"]);
    assert_ops(&module, "chain", &["copy2"]);
    if LISTINGS_NAME_OPS {
        let text = listing(&module, "label");
        assert!(!op_names(&text).contains(&"copy2"), "no pair across the label:\n{text}");
    }
    let tees = inst.get_typed_func::<i64, i64>(&store, "tees").unwrap();
    let chain = inst.get_typed_func::<(i64, i64), i64>(&store, "chain").unwrap();
    let label = inst.get_typed_func::<(i64, i32, i64), i64>(&store, "label").unwrap();
    for x in [0, 7, -3, i64::MAX] {
        assert_eq!(tees.call(&mut store, x).unwrap(), x.wrapping_mul(5), "tees({x})");
        assert_eq!(chain.call(&mut store, (x, 99)).unwrap(), 0, "chain({x})");
        assert_eq!(label.call(&mut store, (x, 0, 5)).unwrap(), x.wrapping_mul(2), "label({x}, 0, 5)");
        assert_eq!(label.call(&mut store, (x, 1, 5)).unwrap(), 10, "label({x}, 1, 5)");
    }
}

/// Four copies in a row (two `local.tee` chains) run as one `copy4` op and its data op, each
/// copy reading what the one before it wrote where the chain says so; a fifth starts a new op.
/// Constants written in a row (a function's results) run as `konst2` ops, two at a time.
#[test]
fn copy_and_constant_runs() {
    let (mut store, inst, module) = instance(
        r#"(module
          (func (export "run") (param i64 i64) (result i64) (local i64 i64 i64 i64 i64)
            (local.set 3 (local.tee 2 (local.get 0)))
            (local.set 5 (local.tee 4 (local.get 1)))
            (local.set 6 (local.get 3))
            (i64.add (i64.mul (local.get 2) (i64.const 3))
              (i64.add (i64.mul (local.get 3) (i64.const 5))
                (i64.add (i64.mul (local.get 4) (i64.const 7))
                  (i64.add (i64.mul (local.get 5) (i64.const 11)) (i64.mul (local.get 6) (i64.const 13)))))))
          ;; Each copy reads what the one before it wrote.
          (func (export "serial") (param i64) (result i64) (local i64 i64 i64 i64)
            (local.set 1 (local.get 0))
            (local.set 2 (local.get 1))
            (local.set 3 (local.get 2))
            (local.set 4 (local.get 3))
            (local.set 0 (i64.const 0))
            (i64.add (local.get 4) (i64.add (local.get 1) (local.get 0))))
          (func $consts (result i64 i64 i64)
            (i64.const 1) (i64.const 20) (i64.const 300))
          (func (export "consts") (result i64)
            (call $consts)
            (i64.add)
            (i64.add)))"#,
    );
    assert_ops(&module, "run", &["copy4", "copy"]);
    assert_ops(&module, "serial", &["copy4"]);
    if LISTINGS_NAME_OPS {
        let text = module.ir_text(2).expect("a defined function");
        assert_eq!(op_names(&text), ["konst2", "konst", "ret"], "{text}");
    }
    let run = inst.get_typed_func::<(i64, i64), i64>(&store, "run").unwrap();
    let serial = inst.get_typed_func::<i64, i64>(&store, "serial").unwrap();
    let consts = inst.get_typed_func::<(), i64>(&store, "consts").unwrap();
    for (x, y) in [(0i64, 0i64), (7, -3), (i64::MAX, 2), (-1, i64::MIN)] {
        let want = (x.wrapping_mul(3).wrapping_add(x.wrapping_mul(5)))
            .wrapping_add(y.wrapping_mul(7).wrapping_add(y.wrapping_mul(11)))
            .wrapping_add(x.wrapping_mul(13));
        assert_eq!(run.call(&mut store, (x, y)).unwrap(), want, "run({x}, {y})");
        assert_eq!(serial.call(&mut store, x).unwrap(), x.wrapping_mul(2), "serial({x})");
    }
    assert_eq!(consts.call(&mut store, ()).unwrap(), 321);
}

/// A `global.get` directly after a `global.set` of the same global reads the value the set
/// stored, without an op: a temporary (from the accumulator when the set read it there), a local
/// (preserved when the local is written later) or a constant. Never across a label, and never a
/// temporary whose slot the get's value would not occupy.
#[test]
fn global_rereads() {
    let (mut store, inst, module) = instance(
        r#"(module
          (global $a (mut i64) (i64.const 0))
          (global $b (mut i64) (i64.const 0))
          (global $c (mut i64) (i64.const 0))
          ;; The chain of the time-per-gas suite: the three stores in one op.
          (func (export "chain") (param i64) (result i64)
            (global.set $a (i64.add (local.get 0) (i64.const 1)))
            (global.set $b (global.get $a))
            (global.set $c (global.get $b))
            (i64.mul (global.get $c) (i64.const 3)))
          ;; A local stored, then written while its reread value is on the stack.
          (func (export "local") (param i64) (result i64)
            (global.set $a (local.get 0))
            (global.get $a)
            (local.set 0 (i64.const 5))
            (i64.add (local.get 0)))
          (func (export "const") (result i64)
            (global.set $a (i64.const 7))
            (global.get $a))
          ;; The set reads the temporary at height 1; after the drop, the get's value goes to the
          ;; temporary at height 0, which holds something else: a real read.
          (func (export "height") (param i64) (result i64)
            (i64.add (local.get 0) (i64.const 1))
            (i64.mul (local.get 0) (i64.const 3))
            (global.set $a)
            (drop)
            (global.get $a))
          ;; As above, but a local fills height 0 again: the get's value is at height 1, the
          ;; slot the set read.
          (func (export "refilled") (param i64) (result i64)
            (i64.add (local.get 0) (i64.const 1))
            (i64.mul (local.get 0) (i64.const 3))
            (global.set $a)
            (drop)
            (local.get 0)
            (global.get $a)
            (i64.sub))
          ;; The get is the first op after the block's end, where the `br_if` lands.
          (func (export "label") (param i64 i32) (result i64)
            (global.set $b (i64.const 11))
            (block $l
              (br_if $l (local.get 1))
              (global.set $b (i64.add (local.get 0) (i64.const 1))))
            (global.get $b)))"#,
    );
    if LISTINGS_NAME_OPS {
        let gets = |name: &str| op_names(&listing(&module, name)).iter().filter(|n| **n == "global_get").count();
        assert_eq!(gets("chain"), 0, "{}", listing(&module, "chain"));
        let chain = listing(&module, "chain");
        assert_eq!(op_names(&chain)[..2], ["i64_add_si", "global_set3_a"], "one op stores all three:\n{chain}");
        assert_eq!(gets("local"), 0, "{}", listing(&module, "local"));
        assert_eq!(gets("const"), 0, "{}", listing(&module, "const"));
        assert_eq!(gets("height"), 1, "{}", listing(&module, "height"));
        assert_eq!(gets("refilled"), 0, "{}", listing(&module, "refilled"));
        assert_eq!(gets("label"), 1, "{}", listing(&module, "label"));
    }
    let chain = inst.get_typed_func::<i64, i64>(&store, "chain").unwrap();
    let local = inst.get_typed_func::<i64, i64>(&store, "local").unwrap();
    let konst = inst.get_typed_func::<(), i64>(&store, "const").unwrap();
    let height = inst.get_typed_func::<i64, i64>(&store, "height").unwrap();
    let refilled = inst.get_typed_func::<i64, i64>(&store, "refilled").unwrap();
    let label = inst.get_typed_func::<(i64, i32), i64>(&store, "label").unwrap();
    for x in [0i64, 7, -3, i64::MAX] {
        assert_eq!(chain.call(&mut store, x).unwrap(), x.wrapping_add(1).wrapping_mul(3), "chain({x})");
        assert_eq!(local.call(&mut store, x).unwrap(), x.wrapping_add(5), "local({x})");
        assert_eq!(height.call(&mut store, x).unwrap(), x.wrapping_mul(3), "height({x})");
        assert_eq!(refilled.call(&mut store, x).unwrap(), x.wrapping_sub(x.wrapping_mul(3)), "refilled({x})");
        assert_eq!(label.call(&mut store, (x, 0)).unwrap(), x.wrapping_add(1), "label({x}, 0)");
        assert_eq!(label.call(&mut store, (x, 1)).unwrap(), 11, "label({x}, 1)");
    }
    assert_eq!(konst.call(&mut store, ()).unwrap(), 7);
}

/// `f64.mul` then an `f64.add` of it to a slot (and the f32 pair) run as one op that
/// canonicalizes only the sum:
/// a NaN product (from a NaN operand, with any payload or sign, or from `inf * 0`) still gives
/// the canonical NaN, and every other input the IEEE result of the two separate operations.
#[test]
fn fused_multiply_add_canonicalizes_only_what_wasm_does() {
    let (mut store, inst, module) = instance(
        r#"(module
          (func (export "f64") (param f64 f64 f64) (result f64)
            (f64.add (local.get 2) (f64.mul (local.get 0) (local.get 1))))
          (func (export "f32") (param f32 f32 f32) (result f32)
            (f32.add (local.get 2) (f32.mul (local.get 0) (local.get 1)))))"#,
    );
    assert_ops(&module, "f64", &["f64_mul_add"]);
    assert_ops(&module, "f32", &["f32_mul_add"]);
    let f64_op = inst.get_typed_func::<(f64, f64, f64), f64>(&store, "f64").unwrap();
    let f32_op = inst.get_typed_func::<(f32, f32, f32), f32>(&store, "f32").unwrap();
    let canon64 = |x: f64| if x.is_nan() { 0x7FF8_0000_0000_0000 } else { x.to_bits() };
    let canon32 = |x: f32| if x.is_nan() { 0x7FC0_0000 } else { x.to_bits() };
    let specials64 = [
        0.0,
        -0.0,
        1.5,
        -3.25,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::from_bits(0x7FF0_0000_0000_0001),
        f64::from_bits(0xFFF8_0000_0000_1234),
        f64::NAN,
    ];
    let mut values: Vec<f64> = specials64.to_vec();
    values.extend(samples64().into_iter().take(8).map(f64::from_bits));
    for &x in &values {
        for &y in &values {
            for &z in &values {
                let got = f64_op.call(&mut store, (x, y, z)).unwrap().to_bits();
                assert_eq!(got, canon64(x * y + z), "f64: {x:e} * {y:e} + {z:e}");
                let (x, y, z) = (x as f32, y as f32, z as f32);
                let got = f32_op.call(&mut store, (x, y, z)).unwrap().to_bits();
                assert_eq!(got, canon32(x * y + z), "f32: {x:e} * {y:e} + {z:e}");
            }
        }
    }
    // A signalling NaN with a payload in the f32 lanes too (the cast above quiets it).
    let snan = f32::from_bits(0xFF80_0001);
    assert_eq!(f32_op.call(&mut store, (snan, 1.0, 2.0)).unwrap().to_bits(), 0x7FC0_0000);
    assert_eq!(f32_op.call(&mut store, (1.0, 2.0, snan)).unwrap().to_bits(), 0x7FC0_0000);
}
