//! The `tally.*` metering intrinsics as the VM runs them.

use tally_vm::*;

const METERED: &str = r#"(module
  (import "tally" "gas" (func $gas (param i64)))
  (import "tally" "gas_len" (func $gas_len (param i32 i64) (result i32)))
  (import "tally" "stack_enter" (func $enter (param i32)))
  (import "tally" "stack_leave" (func $leave (param i32)))
  (import "env" "burn" (func $burn (param i64)))
  (memory 1)
  (func (export "spin") (param $n i32)
    (call $gas (i64.const 5))
    (block $done
      (loop $l
        (call $gas (i64.const 3))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l))))
  (func (export "fill") (param $len i32)
    (call $gas (i64.const 10))
    (memory.fill (i32.const 0) (i32.const 7) (call $gas_len (local.get $len) (i64.const 2))))
  (func $rec (export "rec") (param $n i32)
    (call $enter (i32.const 10))
    (if (local.get $n) (then (call $rec (i32.sub (local.get $n) (i32.const 1)))))
    (call $leave (i32.const 10)))
  (func (export "host_burn") (param i64)
    (call $burn (local.get 0))
    (call $gas (i64.const 1)))
  (func (export "dynamic_gas") (param i64) (call $gas (local.get 0))))"#;

fn setup() -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(METERED).unwrap()).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("env", "burn", |mut caller: Caller<'_, ()>, amount: i64| caller.consume_gas(amount as u64))
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn charges_are_exact() {
    let (mut store, inst) = setup();
    let spin = inst.get_typed_func::<i32, ()>(&store, "spin").unwrap();
    store.set_gas(1_000);
    spin.call(&mut store, 10).unwrap();
    // 5 at entry, 3 per loop iteration: 11 iterations (10 decrements + the exit test).
    assert_eq!(store.gas(), 1_000 - 5 - 3 * 11);
}

#[test]
fn out_of_gas_traps_and_consumes_everything() {
    let (mut store, inst) = setup();
    let spin = inst.get_typed_func::<i32, ()>(&store, "spin").unwrap();
    store.set_gas(20);
    let trap = spin.call(&mut store, 100).unwrap_err();
    assert_eq!(trap.code, TrapCode::OutOfGas);
    assert_eq!(trap.function, Some(5));
    assert_eq!(store.gas(), 0);
    // An infinite loop stops too.
    store.set_gas(10_000);
    assert_eq!(spin.call(&mut store, -1).unwrap_err().code, TrapCode::OutOfGas);
}

#[test]
fn length_charges_come_before_the_operation() {
    let (mut store, inst) = setup();
    let fill = inst.get_typed_func::<i32, ()>(&store, "fill").unwrap();
    store.set_gas(1_000);
    fill.call(&mut store, 100).unwrap();
    assert_eq!(store.gas(), 1_000 - 10 - 200);
    assert_eq!(inst.get_memory(&store, "missing"), None);
    // Out of bounds: charged, then trapped.
    store.set_gas(1_000_000);
    let trap = fill.call(&mut store, 70_000).unwrap_err();
    assert_eq!(trap.code, TrapCode::MemoryOutOfBounds);
    assert_eq!(store.gas(), 1_000_000 - 10 - 140_000);
}

#[test]
fn stack_budget_is_enforced_and_reset_per_call() {
    let (mut store, inst) = setup();
    let rec = inst.get_typed_func::<i32, ()>(&store, "rec").unwrap();
    store.set_stack_budget(100);
    rec.call(&mut store, 9).unwrap(); // 10 frames × 10 units
    assert_eq!(rec.call(&mut store, 10).unwrap_err().code, TrapCode::StackExhausted);
    // The failed call left units reserved; the next top-level call starts from zero.
    rec.call(&mut store, 9).unwrap();
}

#[test]
fn host_functions_see_and_charge_live_gas() {
    let (mut store, inst) = setup();
    let f = inst.get_typed_func::<i64, ()>(&store, "host_burn").unwrap();
    store.set_gas(100);
    f.call(&mut store, 40).unwrap();
    assert_eq!(store.gas(), 59);
    // The host's own trap code (here out of gas) is what the caller sees.
    assert_eq!(f.call(&mut store, 60).unwrap_err().code, TrapCode::OutOfGas);
    assert_eq!(store.gas(), 0);
}

#[test]
fn non_constant_arguments_use_the_general_path() {
    let (mut store, inst) = setup();
    let f = inst.get_typed_func::<i64, ()>(&store, "dynamic_gas").unwrap();
    store.set_gas(100);
    f.call(&mut store, 30).unwrap();
    assert_eq!(store.gas(), 70);
    assert_eq!(f.call(&mut store, 71).unwrap_err().code, TrapCode::OutOfGas);
    assert_eq!(store.gas(), 0);
}

#[test]
fn the_tally_namespace_is_reserved() {
    let engine = Engine::default();
    let unknown = wat::parse_str(r#"(module (import "tally" "mint" (func (param i64))))"#).unwrap();
    let err = Module::new(&engine, &unknown).unwrap_err();
    assert!(matches!(&err, Error::ReservedImport { name, .. } if name == "mint"), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Invalid);
    // The import's entry follows the header (8 bytes), the type section (7) and the import
    // section's id, size and count (3).
    assert_eq!(err.offset(), Some(18));
    let mistyped = wat::parse_str(r#"(module (import "tally" "gas" (func (param i32))))"#).unwrap();
    let err = Module::new(&engine, &mistyped).unwrap_err();
    assert!(matches!(&err, Error::ReservedImport { name, .. } if name == "gas"), "{err:?}");
    let mut linker = Linker::<()>::new(&engine);
    let err = linker.func_wrap("tally", "gas", |_: Caller<'_, ()>, _: i64| {}).unwrap_err();
    assert!(matches!(err, Error::Link { .. }));
}

/// Loop back-edges pay the loop body's entry charge themselves and skip its `gas` op. Gas, side
/// effects and the trap location must be exactly those of running that op on every iteration.
#[test]
fn back_edges_charge_exactly_like_the_loop_head() {
    let wat = r#"(module
      (import "tally" "gas" (func $gas (param i64)))
      (memory (export "memory") 1)
      ;; A conditional back-edge (fused compare-and-branch).
      (func (export "count_down") (param $n i32)
        (call $gas (i64.const 5))
        (loop $l
          (call $gas (i64.const 3))
          (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
          (br_if $l (i32.gt_u (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0)))))
      ;; An unconditional back-edge, and a plain condition.
      (func (export "count_up") (param $n i32)
        (call $gas (i64.const 5))
        (block $done
          (loop $l
            (call $gas (i64.const 3))
            (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $done (i32.eqz (local.get $n)))
            (br $l)))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    for name in ["count_down", "count_up"] {
        let mut head_offset = None;
        for gas in 0..40u64 {
            let mut store = Store::new(&engine, ());
            let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            let f = inst.get_typed_func::<i32, ()>(&store, name).unwrap();
            store.set_gas(gas);
            let result = f.call(&mut store, 10);
            let memory = inst.get_memory(&store, "memory").unwrap();
            let iterations = memory.data(&store)[0];
            // 5 at entry, then 3 at the top of each of the 10 iterations.
            let paid = (gas.saturating_sub(5) / 3).min(10);
            if gas >= 5 {
                assert_eq!(u64::from(iterations), paid, "{name} with {gas} gas: iterations run");
            }
            if gas >= 35 {
                result.unwrap();
                assert_eq!(store.gas(), gas - 35, "{name} with {gas} gas");
                continue;
            }
            let trap = result.unwrap_err();
            assert_eq!(trap.code, TrapCode::OutOfGas, "{name} with {gas} gas");
            assert_eq!(store.gas(), 0, "{name} with {gas} gas");
            if gas >= 5 {
                // Out of gas in the first iteration (reached by falling in) and in later ones
                // (reached by the back-edge) is reported at the same place: the loop's charge.
                assert!(trap.offset.is_some());
                assert_eq!(*head_offset.get_or_insert(trap.offset), trap.offset, "{name} with {gas} gas");
            }
        }
    }
}

/// Byte offsets of the `call` and `memory.size` instructions in the code of defined function
/// `index` (a region's memory-access charge that does not fit traps at its `memory.size`).
fn call_offsets(wasm: &[u8], index: usize) -> Vec<u32> {
    let mut bodies = Vec::new();
    for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
            bodies.push(body);
        }
    }
    let mut reader = bodies[index].get_operators_reader().unwrap();
    let mut offsets = Vec::new();
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset().unwrap();
        if matches!(op, wasmparser::Operator::Call { .. } | wasmparser::Operator::MemorySize { .. }) {
            offsets.push(offset as u32);
        }
    }
    offsets
}

/// A conditional branch pays the charge of the region it falls into, and a return the charge of
/// the region after its call, skipping that `gas` op. Gas, side effects and the trap location
/// must be exactly those of running the op.
#[test]
fn fallthroughs_and_returns_charge_exactly_like_the_region_they_enter() {
    let wat = r#"(module
      (import "tally" "gas" (func $gas (param i64)))
      (memory (export "memory") 1)
      (func (export "loop") (param $n i32)
        (call $gas (i64.const 2))
        (block $out
          (loop $l
            (call $gas (i64.const 3))
            (br_if $out (i32.eqz (local.get $n)))
            (call $gas (i64.const 4))
            (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $l))))
      (func (export "if") (param $n i32)
        (call $gas (i64.const 2))
        (if (i32.lt_u (local.get $n) (i32.const 100))
          (then
            (call $gas (i64.const 4))
            (i32.store (i32.const 0) (i32.const 1)))))
      (func $helper (i32.store (i32.const 4) (i32.const 9)))
      (func (export "call") (param $n i32)
        (call $gas (i64.const 2))
        (call $helper)
        (call $gas (i64.const 4))
        (i32.store (i32.const 0) (i32.const 1))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let loop_charges: Vec<(usize, u64)> =
        [(0, 2)].into_iter().chain((0..5).flat_map(|_| [(1, 3), (2, 4)])).chain([(1, 3)]).collect();
    let cases: [ChargeCase; 3] = [
        ("loop", 0, 5, loop_charges, 2),
        ("if", 1, 7, vec![(0, 2), (1, 4)], 1),
        ("call", 3, 0, vec![(0, 2), (2, 4)], 2),
    ];
    check_charges(&wasm, &cases);
}

/// Branches to a label whose region starts with a charge pay it themselves and land after it:
/// forward `br_if` (with and without value moves), `br` out of a `then` arm, an `if`'s jump to
/// its `else` arm or its end, and a loop's back-edge whose fallthrough also pays. Gas, side
/// effects and the trap location must be exactly those of running the skipped `gas` op.
#[test]
fn branches_to_labels_charge_exactly_like_the_region_they_enter() {
    let wat = r#"(module
      (import "tally" "gas" (func $gas (param i64)))
      (memory (export "memory") 1)
      (func (export "skip") (param $n i32)
        (call $gas (i64.const 2))
        (block $b
          (br_if $b (i32.eqz (local.get $n)))
          (call $gas (i64.const 4))
          (i32.store (i32.const 4) (i32.const 1)))
        (call $gas (i64.const 5))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
      (func (export "if_else") (param $n i32)
        (call $gas (i64.const 2))
        (if (local.get $n)
          (then (call $gas (i64.const 3)) (i32.store (i32.const 4) (i32.const 1)))
          (else (call $gas (i64.const 4)) (i32.store (i32.const 4) (i32.const 2))))
        (call $gas (i64.const 5))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
      (func (export "if_only") (param $n i32)
        (call $gas (i64.const 2))
        (if (local.get $n) (then (call $gas (i64.const 3)) (i32.store (i32.const 4) (i32.const 1))))
        (call $gas (i64.const 5))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
      (func (export "carry") (param $n i32)
        i64.const 2
        call $gas
        block $b (result i32)
          i32.const 7
          local.get $n
          br_if $b
          i64.const 4
          call $gas
          drop
          i32.const 8
        end
        i64.const 5
        call $gas
        local.set $n
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
      (func (export "exit") (param $n i32)
        (call $gas (i64.const 2))
        (loop $l
          (call $gas (i64.const 3))
          (br_if $l (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0)))
          (call $gas (i64.const 4)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
      (func (export "into_loop") (param $n i32)
        (call $gas (i64.const 2))
        (block $b
          (br_if $b (local.get $n))
          (call $gas (i64.const 4))
          (i32.store (i32.const 4) (i32.const 1)))
        (loop $l
          (call $gas (i64.const 3))
          (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
          (br_if $l (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0))))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let cases: [ChargeCase; 12] = [
        ("skip", 0, 0, vec![(0, 2), (2, 5)], 2),
        ("skip", 0, 1, vec![(0, 2), (1, 4), (2, 5)], 2),
        ("if_else", 1, 1, vec![(0, 2), (1, 3), (3, 5)], 3),
        ("if_else", 1, 0, vec![(0, 2), (2, 4), (3, 5)], 3),
        ("if_only", 2, 0, vec![(0, 2), (2, 5)], 2),
        ("if_only", 2, 1, vec![(0, 2), (1, 3), (2, 5)], 2),
        ("carry", 3, 1, vec![(0, 2), (2, 5)], 2),
        ("carry", 3, 0, vec![(0, 2), (1, 4), (2, 5)], 2),
        ("exit", 4, 3, vec![(0, 2), (1, 3), (1, 3), (1, 3), (2, 4)], 2),
        ("exit", 4, 1, vec![(0, 2), (1, 3), (2, 4)], 2),
        ("into_loop", 5, 2, vec![(0, 2), (2, 3), (2, 3)], 2),
        ("into_loop", 5, 0, vec![(0, 2), (1, 4), (2, 3)], 2),
    ];
    check_charges(&wasm, &cases);
}

/// A region's memory-access charge (`memory.size; i64.const p; call $gas_len; drop`) is paid
/// with the region's charge wherever that is paid: by the `gas` op itself (`gas_mem`), a branch's
/// fallthrough, a loop back-edge, a branch to a label, a call's return, the function entry. Gas,
/// side effects and the trap location (the `gas` call, or the `memory.size` of the memory-access
/// charge, whichever does not fit) must be exactly those of running the two charges
/// one after the other.
#[test]
fn memory_charges_are_paid_with_their_region_exactly() {
    let wat = r#"(module
      (import "tally" "gas" (func $gas (param i64)))
      (import "tally" "gas_len" (func $gas_len (param i32 i64) (result i32)))
      (import "tally" "stack_enter" (func $enter (param i32)))
      (import "tally" "stack_leave" (func $leave (param i32)))
      (memory (export "memory") 2)
      (func $helper (i32.store (i32.const 4) (i32.const 9)))
      (func (export "loop") (param $n i32)
        (call $gas (i64.const 2))
        (drop (call $gas_len (memory.size) (i64.const 3)))
        (block $out
          (loop $l
            (call $gas (i64.const 3))
            (drop (call $gas_len (memory.size) (i64.const 1)))
            (br_if $out (i32.eqz (local.get $n)))
            (call $gas (i64.const 4))
            (drop (call $gas_len (memory.size) (i64.const 5)))
            (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $l))))
      (func (export "skip") (param $n i32)
        (call $gas (i64.const 2))
        (block $b
          (br_if $b (i32.eqz (local.get $n)))
          (call $gas (i64.const 4))
          (i32.store (i32.const 4) (i32.const 1)))
        (call $gas (i64.const 5))
        (drop (call $gas_len (memory.size) (i64.const 1)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
      (func (export "call") (param $n i32)
        (call $gas (i64.const 2))
        (call $helper)
        (call $gas (i64.const 4))
        (drop (call $gas_len (memory.size) (i64.const 3)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
      (func (export "entry") (param $n i32)
        (call $enter (i32.const 4))
        (call $gas (i64.const 3))
        (drop (call $gas_len (memory.size) (i64.const 2)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        (call $leave (i32.const 4))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    // Two pages: each memory-access charge is twice its unit price.
    // Charges are numbered by their `call $gas` or their `memory.size`, where they trap.
    let loop_charges: Vec<(usize, u64)> = [(0, 2), (1, 6)]
        .into_iter()
        .chain((0..3).flat_map(|_| [(3, 3), (4, 2), (6, 4), (7, 10)]))
        .chain([(3, 3), (4, 2)])
        .collect();
    let cases: [ChargeCase; 5] = [
        ("loop", 1, 3, loop_charges, 7),
        ("skip", 2, 0, vec![(0, 2), (2, 5), (3, 2)], 3),
        ("skip", 2, 1, vec![(0, 2), (1, 4), (2, 5), (3, 2)], 3),
        ("call", 3, 0, vec![(0, 2), (2, 4), (3, 6)], 3),
        // The entry charge runs in one op with the frame's reservation, reported at its call.
        ("entry", 4, 0, vec![(0, 3), (2, 4)], 2),
    ];
    check_charges(&wasm, &cases);

    // Each way of paying fired (the listings name the ops that pay both charges).
    let module = Module::new(&Engine::default(), &wasm).unwrap();
    let text = |name: &str| {
        let export = module.exports().into_iter().find(|e| e.name() == name).unwrap();
        module.ir_text(export.index()).unwrap()
    };
    let (lp, skip, call, entry) = (text("loop"), text("skip"), text("call"), text("entry"));
    assert!(lp.contains("gas_mem ") && lp.contains("br_gas_mem ") && lp.contains("+mem"), "{lp}");
    assert!(lp.contains(".falls_pays") || lp.contains(".both_pay"), "{lp}");
    assert!(skip.contains("gas=5+mem"), "{skip}");
    assert!(call.contains("call_internal_then_gas") && call.contains("gas_mem "), "{call}");
    assert!(entry.contains("enter_gas_mem "), "{entry}");
}

/// A `memory.size` whose `tally.gas_len` result is used, not dropped, keeps its own op: the
/// charge before it stays a plain `gas` op, and the value read is the memory's size.
#[test]
fn a_used_memory_charge_result_is_not_skipped() {
    let wat = r#"(module
      (import "tally" "gas" (func $gas (param i64)))
      (import "tally" "gas_len" (func $gas_len (param i32 i64) (result i32)))
      (memory 3)
      (func (export "f") (result i32)
        (call $gas (i64.const 2))
        (call $gas_len (memory.size) (i64.const 1))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let export = module.exports().into_iter().find(|e| e.name() == "f").unwrap();
    let text = module.ir_text(export.index()).unwrap();
    assert!(!text.contains("gas_mem") && text.contains("memory_size_gas"), "{text}");
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    store.set_gas(100);
    assert_eq!(inst.get_typed_func::<(), i32>(&store, "f").unwrap().call(&mut store, ()).unwrap(), 3);
    assert_eq!(store.gas(), 100 - 2 - 3);
}

/// One run of an export: (export, defined function index, argument, the charges in execution
/// order as (index of the `call` instruction in the body, amount), the charge whose region
/// increments the counter at address 0).
type ChargeCase = (&'static str, usize, i32, Vec<(usize, u64)>, usize);

/// Runs each case with every gas limit up to its total and checks gas, the trap location and
/// side effects against paying the charges in order, each at its `gas` call.
fn check_charges(wasm: &[u8], cases: &[ChargeCase]) {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).unwrap();
    for (name, index, arg, charges, storing) in cases {
        let (name, arg, storing) = (*name, *arg, *storing);
        let offsets = call_offsets(wasm, *index);
        let total: u64 = charges.iter().map(|c| c.1).sum();
        for gas in 0..=total + 1 {
            let mut store = Store::new(&engine, ());
            let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
            let f = inst.get_typed_func::<i32, ()>(&store, name).unwrap();
            store.set_gas(gas);
            let result = f.call(&mut store, arg);
            // The reference: pay the charges in order until one does not fit.
            let mut left = gas;
            let failing = charges.iter().find(|&&(_, amount)| match left.checked_sub(amount) {
                Some(rest) => {
                    left = rest;
                    false
                }
                None => true,
            });
            match failing {
                None => {
                    result.unwrap();
                    assert_eq!(store.gas(), gas - total, "{name} with {gas} gas");
                }
                Some(&(call, _)) => {
                    let trap = result.unwrap_err();
                    assert_eq!(trap.code, TrapCode::OutOfGas, "{name} with {gas} gas");
                    assert_eq!(trap.offset, Some(offsets[call]), "{name} with {gas} gas: trap location");
                    assert_eq!(store.gas(), 0);
                }
            }
            // Side effects: one store per paid body region.
            let paid_bodies = charges.iter().scan(gas, |left, &(call, amount)| {
                *left = left.checked_sub(amount)?;
                Some(call)
            });
            let stores = paid_bodies.filter(|&call| call == storing).count();
            let memory = inst.get_memory(&store, "memory").unwrap();
            assert_eq!(memory.data(&store)[0] as usize, stores, "{name} with {gas} gas: side effects");
        }
    }
}

/// A call to a function that starts by reserving its frame and paying its entry charge does
/// both itself. Calling the callee through the call must end exactly like calling it directly
/// with the caller's remaining gas and stack: the same trap, at the same place, with the same
/// gas left and the same side effects.
#[test]
fn calls_run_the_callees_entry_exactly_like_the_callee() {
    let wat = r#"(module
      (import "tally" "gas" (func $gas (param i64)))
      (import "tally" "gas_len" (func $gas_len (param i32 i64) (result i32)))
      (import "tally" "stack_enter" (func $enter (param i32)))
      (import "tally" "stack_leave" (func $leave (param i32)))
      (memory (export "memory") 1)
      (func $callee (export "callee")
        (call $enter (i32.const 10))
        (block
          (call $gas (i64.const 3))
          (drop (call $gas_len (memory.size) (i64.const 1)))
          (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
        (call $leave (i32.const 10)))
      (func (export "caller")
        (call $enter (i32.const 4))
        (block
          (call $gas (i64.const 2))
          (call $callee)
          (call $gas (i64.const 4))
          (drop (call $gas_len (memory.size) (i64.const 1)))
          (i32.store (i32.const 4) (i32.const 1)))
        (call $leave (i32.const 4))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let run = |name: &str, gas: u64, budget: u64| {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        store.set_gas(gas);
        store.set_stack_budget(budget);
        let result = inst.get_typed_func::<(), ()>(&store, name).unwrap().call(&mut store, ());
        let memory = inst.get_memory(&store, "memory").unwrap();
        let counter = memory.data(&store)[0];
        (result.err().map(|t| (t.code, t.function, t.offset)), store.gas(), counter)
    };
    let mut traps = [0; 2];
    // The callee's entry pays 3 + 1 (its memory-access charge), the region after the call 4 + 1.
    for gas in 0..=14 {
        for budget in 12..=15 {
            let (trap, left, counter) = run("caller", gas, budget);
            if gas < 2 {
                assert_eq!(trap.map(|t| t.0), Some(TrapCode::OutOfGas), "{gas} gas, budget {budget}");
                continue;
            }
            let (callee_trap, callee_left, callee_counter) = run("callee", gas - 2, budget - 4);
            assert_eq!(counter, callee_counter, "{gas} gas, budget {budget}: side effects");
            match callee_trap {
                Some(expected) => {
                    traps[usize::from(expected.0 == TrapCode::OutOfGas)] += 1;
                    assert_eq!(trap, Some(expected), "{gas} gas, budget {budget}: trap");
                    assert_eq!(left, callee_left, "{gas} gas, budget {budget}: gas left");
                }
                None if callee_left < 5 => {
                    assert_eq!(trap.map(|t| t.0), Some(TrapCode::OutOfGas), "{gas} gas, budget {budget}")
                }
                None => {
                    assert_eq!(trap, None, "{gas} gas, budget {budget}");
                    assert_eq!(left, callee_left - 5, "{gas} gas, budget {budget}: gas left");
                }
            }
        }
    }
    // The call runs the callee's entry and its memory-access charge, and its return pays the
    // region after it with its memory-access charge.
    let export = module.exports().into_iter().find(|e| e.name() == "caller").unwrap();
    let text = module.ir_text(export.index()).unwrap();
    assert!(text.contains("call_internal_entered_mem_then_gas") && text.contains("gas_mem "), "{text}");
    // Both ways the callee's entry can fail were exercised.
    assert!(traps[0] > 0 && traps[1] > 0, "{traps:?}");
}
