//! The translator's specialised and fused ops compute exactly what the Wasm operators they replace
//! compute: division by constants, fused `i64` bit operations, field extraction, and stores of
//! immediates to `base + constant` addresses. Each function is written so the translator picks the
//! specialised form, and its results (and traps) are checked against Rust's own arithmetic.

use tally_vm::*;

fn instance(wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    (store, inst)
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
        let (mut store, inst) = instance(&format!(
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
    let (mut store, inst) = instance(
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
          (func (export "chi") (param i64 i64) (result i64)
            (i64.xor (i64.and (i64.xor (local.get 0) (i64.const -1)) (local.get 1))
                     (i64.mul (local.get 0) (local.get 1))))
          ;; xorshift64 updating its state in place: the fused op reads and writes local 0.
          (func (export "xorshift") (param i64 i64) (result i64)
            (local.set 0 (i64.xor (i64.shr_u (local.get 0) (i64.const 12)) (local.get 0)))
            (local.set 0 (i64.xor (local.get 0) (i64.shl (local.get 0) (i64.const 25))))
            (local.tee 0 (i64.xor (i64.shr_u (local.get 0) (i64.const 27)) (local.get 0))))
          ;; Taking a 32-bit field out of a 64-bit word.
          (func (export "field") (param i64 i64) (result i64)
            (i64.extend_i32_u (i32.wrap_i64 (i64.shr_u (local.get 0) (i64.const 88))))))"#,
    );
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
    let (mut store, inst) = instance(
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
    let (mut store, inst) = instance(
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
    let f = inst.get_typed_func::<(i32, i32), i64>(&store, "extend").unwrap();
    let x = 7i32;
    let expected: [u32; 7] =
        [6, 0xFFFF_FFFF, 0xFFFF_FFFF, -7i32 as u32, -5i32 as u32, -9i32 as u32, 7u32.rotate_left(31)];
    for (which, want) in expected.iter().enumerate() {
        assert_eq!(f.call(&mut store, (which as i32, x)).unwrap(), i64::from(*want), "case {which}");
    }
    assert_eq!(f.call(&mut store, (0, 0)).unwrap(), i64::from(u32::MAX));
}

/// A remainder by a constant carries its divisor in a data op after it. Writing its result
/// straight into a local that is still on the operand stack must first save the old value, and
/// that copy must land before the remainder and its data op.
#[test]
fn remainder_into_a_local_still_on_the_stack() {
    let (mut store, inst) = instance(
        r#"(module
          (func (export "f") (param i32 i32) (result i32)
            (i32.sub (local.get 1) (local.tee 1 (i32.rem_u (local.get 0) (i32.const 7))))
          )
          (func (export "g") (param i32 i32) (result i32)
            (i32.add (i32.mul (local.get 1) (i32.const 1000))
                     (local.tee 1 (i32.rem_s (local.get 0) (i32.const -10))))))"#,
    );
    let f = inst.get_typed_func::<(i32, i32), i32>(&store, "f").unwrap();
    let g = inst.get_typed_func::<(i32, i32), i32>(&store, "g").unwrap();
    for (x, y) in [(100, 5), (-1, 1_000_000), (6, 0), (i32::MIN, -3)] {
        let r = (x as u32 % 7) as i32;
        assert_eq!(f.call(&mut store, (x, y)).unwrap(), y.wrapping_sub(r), "f({x}, {y})");
        assert_eq!(g.call(&mut store, (x, y)).unwrap(), y.wrapping_mul(1000).wrapping_add(x % -10), "g({x}, {y})");
    }
}
