//! `tally.branch` sites: the translator's site forms of conditional branches (the call taken
//! into the `br_if` or `if` after it) charge exactly what the ordinary call of the intrinsic
//! charges, trap where it traps, and share its per-store directions.
//!
//! Each module is written twice with the same bytes but one: a site's number is `i32.const s`
//! (the translator fuses the call) or `global.get $gs` of an immutable global holding `s` (not a
//! constant: an ordinary call), both two bytes, so every source offset is the same in both.

use tally_vm::*;

/// The conditions of the sites: every comparison of both types, in both operand forms, `eqz`,
/// a plain `i32`. `$a`, `$b` are small `i32`s (-4..3), `$y`, `$z` small `i64`s.
fn conditions() -> Vec<String> {
    let mut conds = Vec::new();
    for op in ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"] {
        conds.push(format!("(i32.{op} (local.get $a) (local.get $b))"));
        conds.push(format!("(i32.{op} (local.get $a) (i32.const 1))"));
        conds.push(format!("(i64.{op} (local.get $y) (local.get $z))"));
        conds.push(format!("(i64.{op} (i64.const -2) (local.get $y))"));
    }
    conds.push("(i32.eqz (local.get $a))".into());
    conds.push("(i64.eqz (local.get $y))".into());
    conds.push("(local.get $a)".into());
    conds.push("(i32.and (local.get $b) (i32.const 2))".into());
    conds
}

/// The module: a loop of `$n` iterations over xorshift values, with one site of each shape per
/// condition (cycling through the shapes), the calls' site argument written as `site(s)`.
fn module(fused: bool) -> String {
    let conds = conditions();
    let site = |s: usize| if fused { format!("(i32.const {s})") } else { format!("(global.get $g{s})") };
    let branch = |cond: &str, s: usize| format!("(call $br {cond} {} (i64.const {}))", site(s), 100 + 7 * s);
    let mut body = String::new();
    let mut globals = String::new();
    let mut s = 1; // site 0 is the loop's back edge
    for (i, cond) in conds.iter().enumerate() {
        let c = branch(cond, s);
        let piece = match i % 7 {
            // A br_if falling into a charge, its label followed by one (both ways pay).
            0 => format!(
                "(block $b (br_if $b {c}) (call $gas (i64.const 2)) (local.set $acc (i64.add (local.get $acc) (i64.const {i}))))
                 (call $gas (i64.const 3))"
            ),
            // A br_if whose label pays the memory-access charge too.
            1 => format!(
                "(block $b (br_if $b {c}) (local.set $acc (i64.xor (local.get $acc) (i64.const {i}))))
                 (call $gas (i64.const 4)) (drop (call $gas_len (memory.size) (i64.const 3)))
                 (local.set $acc (i64.add (local.get $acc) (i64.load (i32.const 8))))"
            ),
            // A br_if with a value (moves: the jump skips them).
            2 => format!(
                "(local.set $acc (i64.add (local.get $acc)
                   (block $v (result i64) (drop (br_if $v (i64.const {i}) {c})) (call $gas (i64.const 1)) (i64.const 9))))"
            ),
            // An if with both arms charged.
            3 => format!(
                "(if {c} (then (call $gas (i64.const 1)) (local.set $acc (i64.add (local.get $acc) (i64.const 3))))
                       (else (call $gas (i64.const 2)) (local.set $acc (i64.sub (local.get $acc) (i64.const {i})))))
                 (call $gas (i64.const 5))"
            ),
            // An if without else, its then-arm charged.
            4 => format!(
                "(if {c} (then (call $gas (i64.const 6)) (local.set $acc (i64.rotl (local.get $acc) (i64.const 1)))))"
            ),
            // A br_if falling into a charge, its label not charged.
            5 => format!(
                "(block $b (br_if $b {c}) (call $gas (i64.const 2)) (local.set $acc (i64.add (local.get $acc) (i64.const 1))))"
            ),
            // A plain br_if.
            _ => format!(
                "(block $b (br_if $b {c}) (local.set $acc (i64.mul (local.get $acc) (i64.const 3))))"
            ),
        };
        body.push_str(&piece);
        body.push('\n');
        s += 1;
    }
    // Site 1 again, always as a call: one direction bit for both.
    body.push_str("(block $b (br_if $b (call $br (i32.eqz (local.get $b)) (global.get $g1) (i64.const 50))))\n");
    for g in 0..s {
        globals.push_str(&format!("(global $g{g} i32 (i32.const {g}))\n"));
    }
    assert!(s < 64, "sites above 63 take more than two bytes as `i32.const`");
    let back = branch("(local.tee $n (i32.sub (local.get $n) (i32.const 1)))", 0);
    format!(
        r#"(module
  (import "tally" "gas" (func $gas (param i64)))
  (import "tally" "gas_len" (func $gas_len (param i32 i64) (result i32)))
  (import "tally" "branch" (func $br (param i32 i32 i64) (result i32)))
  (memory 1)
  {globals}
  (func (export "run") (param $n i32) (param $seed i64) (result i64)
    (local $x i64) (local $y i64) (local $z i64) (local $acc i64) (local $a i32) (local $b i32)
    (call $gas (i64.const 5))
    (local.set $x (i64.or (local.get $seed) (i64.const 1)))
    (loop $l
      (call $gas (i64.const 7))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
      (local.set $a (i32.sub (i32.wrap_i64 (i64.and (local.get $x) (i64.const 7))) (i32.const 4)))
      (local.set $b (i32.sub (i32.wrap_i64 (i64.and (i64.shr_u (local.get $x) (i64.const 3)) (i64.const 7))) (i32.const 4)))
      (local.set $y (i64.sub (i64.and (i64.shr_u (local.get $x) (i64.const 6)) (i64.const 7)) (i64.const 4)))
      (local.set $z (i64.sub (i64.and (i64.shr_u (local.get $x) (i64.const 9)) (i64.const 7)) (i64.const 4)))
      {body}
      (br_if $l {back}))
    (local.get $acc)))"#
    )
}

/// How a call ended: its result, or its trap's code, function and offset; and the gas left.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    result: Result<i64, (TrapCode, Option<u32>, Option<u32>)>,
    gas: u64,
}

struct Vm {
    store: Store<()>,
    run: TypedFunc<(i32, i64), i64>,
}

impl Vm {
    fn new(module: &Module) -> Vm {
        let mut store = Store::new(module.engine(), ());
        let inst = Linker::new(module.engine()).instantiate(&mut store, module).unwrap();
        let run = inst.get_typed_func::<(i32, i64), i64>(&store, "run").unwrap();
        Vm { store, run }
    }

    fn call(&mut self, n: i32, seed: i64, gas: u64) -> Outcome {
        self.store.set_gas(gas);
        let result = self.run.call(&mut self.store, (n, seed)).map_err(|t| (t.code, t.function, t.offset));
        Outcome { result, gas: self.store.gas() }
    }
}

fn modules() -> (Module, Module) {
    let engine = Engine::default();
    let fused = Module::new(&engine, &wat::parse_str(module(true)).unwrap()).unwrap();
    let called = Module::new(&engine, &wat::parse_str(module(false)).unwrap()).unwrap();
    (fused, called)
}

/// The fused module runs its sites as site forms of every kind (the test would prove nothing
/// otherwise), the other one as calls.
#[test]
fn every_site_of_the_fused_module_is_a_site_form() {
    let (fused, called) = modules();
    let ir = fused.ir_text(3).unwrap();
    let forms: std::collections::BTreeSet<&str> =
        ir.lines().filter_map(|l| l.split_whitespace().nth(1)).filter(|name| name.contains(".site")).collect();
    let sites = conditions().len() + 1;
    assert_eq!(ir.matches(".site").count(), sites, "{ir}");
    for form in [".site.falls_pays", ".site_not.both_pay", ".site.taken_pays", ".site_not.falls_pays"] {
        assert!(forms.iter().any(|f| f.ends_with(form)), "no {form} in {forms:?}");
    }
    assert!(forms.iter().any(|f| f.contains("_mem")), "no site form paying memory: {forms:?}");
    assert!(forms.iter().any(|f| f.starts_with("br_i64_") && f.contains("_ss")), "{forms:?}");
    assert!(forms.iter().any(|f| f.starts_with("br_i32_") && f.contains("_si")), "{forms:?}");
    let calls = called.ir_text(3).unwrap();
    assert!(!calls.contains(".site"), "{calls}");
    assert_eq!(calls.matches("call_func").count(), sites + 1);
}

/// Results, gas, and trap code and location agree with the calls' at every gas limit of short
/// runs (every way out of gas: at a change, a charge, a paid label), and the directions a run
/// leaves (also when it ran out of gas) carry over to the next run in the store alike.
#[test]
fn site_forms_charge_and_trap_exactly_as_the_call() {
    let (fused, called) = modules();
    for seed in [1i64, 0x1234_5678_9abc, -77] {
        for n in [1, 2, 5] {
            let full = Vm::new(&called).call(n, seed, u64::MAX).gas;
            let used = u64::MAX - full;
            for limit in 0..=used + 1 {
                let (mut f, mut c) = (Vm::new(&fused), Vm::new(&called));
                let (a, b) = (f.call(n, seed, limit), c.call(n, seed, limit));
                assert_eq!(a, b, "seed {seed}, n {n}, gas {limit}");
                // The next run starts from the directions this one left.
                let (a, b) = (f.call(3, seed ^ 5, 1 << 40), c.call(3, seed ^ 5, 1 << 40));
                assert_eq!(a, b, "after: seed {seed}, n {n}, gas {limit}");
            }
        }
    }
}

/// Longer runs on random seeds, and many runs in one store.
#[test]
fn long_runs_agree() {
    let (fused, called) = modules();
    let (mut f, mut c) = (Vm::new(&fused), Vm::new(&called));
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..50 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = (seed % 300) as i32;
        let gas = 20_000 + seed % 2_000_000;
        assert_eq!(f.call(n, seed as i64, gas), c.call(n, seed as i64, gas), "seed {seed}");
    }
}

/// Serialized code keeps its sites and their reserved words: the loaded module runs as the
/// translated one; a site word at or beyond the recorded words is refused on load.
#[test]
fn serialized_sites_run_alike_and_are_bounded() {
    let (fused, _) = modules();
    let bytes = fused.serialize().unwrap();
    // SAFETY: the bytes are `serialize`'s own, unaltered.
    let loaded = unsafe { Module::deserialize(fused.engine(), &bytes) }.unwrap();
    let (mut a, mut b) = (Vm::new(&fused), Vm::new(&loaded));
    for (n, seed) in [(40, 3), (7, -9), (100, 12345)] {
        assert_eq!(a.call(n, seed, 1 << 30), b.call(n, seed, 1 << 30));
    }
    // The recorded word count (1), then the function count (1) and the function's parameters
    // (2) and locals (6): make the count 0, and every site word is out of bounds.
    let at = bytes.windows(16).position(|w| w == [1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 6, 0, 0, 0]).unwrap();
    let mut broken = bytes.clone();
    broken[at] = 0;
    // SAFETY: `deserialize` checks operands' bounds whatever the bytes.
    let refused = unsafe { Module::deserialize(fused.engine(), &broken) }.err().unwrap();
    assert!(refused.to_string().contains("branch site word"), "{refused}");
}
