//! Inputs that attack the rules or the instrumenter itself: reserved names, forbidden
//! operators, cost and frame overflow, implementation limits, huge and deep bodies, garbage.

use crate::common;

use std::time::{Duration, Instant};

use tally_gas_injector::{instrument, max_output_size, verify, InjectError, OpKind, Schedule};
use wasm_encoder::{
    BlockType, CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, Module, NameMap,
    NameSection, TypeSection,
};

/// A module with one `() -> ()` type, `extra` defined functions with `body`, and a callee
/// `(func)` at index 0.
fn module_with_body(body: &Function) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([], []);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    funcs.function(0);
    let mut code = CodeSection::new();
    let mut callee = Function::new([]);
    callee.instruction(&Instruction::End);
    code.function(&callee);
    code.function(body);
    let mut m = Module::new();
    m.section(&types).section(&funcs).section(&code);
    m.finish()
}

/// Appends a custom section to an encoded module.
fn append_custom(wasm: &mut Vec<u8>, name: &str, data: &[u8]) {
    let mut payload = Vec::new();
    wasm_encoder::Encode::encode(name, &mut payload);
    payload.extend_from_slice(data);
    wasm.push(0);
    wasm_encoder::Encode::encode(&(payload.len() as u32), wasm);
    wasm.extend(payload);
}

/// Offset of the first operator with the given opcode byte in the code section.
fn offset_of(wasm: &[u8], kind: OpKind) -> usize {
    for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
            let mut ops = body.get_operators_reader().unwrap();
            while !ops.eof() {
                let at = ops.original_position() as usize;
                if OpKind::of(&ops.read().unwrap()) == Some(kind) {
                    return at;
                }
            }
        }
    }
    panic!("{kind} not found");
}

#[test]
fn reserved_imports_are_rejected() {
    for import in [
        r#"(import "tally" "gas" (func (param i64)))"#,
        r#"(import "tally" "gas" (func (param i32)))"#,
        r#"(import "tally" "anything" (func))"#,
        r#"(import "tally" "mem" (memory 1))"#,
        r#"(import "tally" "g" (global i32))"#,
    ] {
        let wasm = common::wat(&format!("(module {import})"));
        match instrument(&wasm, &Schedule::default()) {
            Err(InjectError::ReservedImport { module, .. }) => assert_eq!(module, "tally"),
            other => panic!("{import}: {other:?}"),
        }
    }
    // Lookalikes are fine, and a module may import its own `env.gas`.
    for import in [r#"(import "env" "gas" (func (param i64)))"#, r#"(import "Tally" "gas" (func))"#] {
        common::check(&common::wat(&format!("(module {import})")), &Schedule::default());
    }
}

#[test]
fn reserved_exports_are_rejected() {
    for name in ["tally", "tally_gas", "tally.gas", "tallyho"] {
        let wasm = common::wat(&format!(r#"(module (func (export "{name}")))"#));
        match instrument(&wasm, &Schedule::default()) {
            Err(InjectError::ReservedExport { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    common::check(&common::wat(r#"(module (func (export "Tally")) (func (export "my_tally")))"#), &Schedule::default());
}

#[test]
fn forbidden_operators_are_named_with_their_offset() {
    let wasm = common::wat(
        r#"(module
             (func (i32.const 1) (drop))
             (func (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))"#,
    );
    let schedule = Schedule::default().with_cost(OpKind::I32Mul, None);
    assert_eq!(
        instrument(&wasm, &schedule),
        Err(InjectError::Forbidden { func: 1, op: OpKind::I32Mul, offset: offset_of(&wasm, OpKind::I32Mul) })
    );
    // Forbidden in dead code too.
    let wasm = common::wat("(module (func unreachable (drop (i32.mul (i32.const 1) (i32.const 2)))))");
    assert!(matches!(instrument(&wasm, &schedule), Err(InjectError::Forbidden { op: OpKind::I32Mul, .. })));
    // And the verifier refuses to bless a module that uses it.
    let out = instrument(&wasm, &Schedule::default()).unwrap();
    assert!(verify(&wasm, &out, &schedule).is_err());
    let msg = instrument(&wasm, &schedule).unwrap_err().to_string();
    assert!(msg.contains("i32.mul"), "{msg}");
}

#[test]
fn cost_overflow_is_an_error() {
    let half = u64::MAX / 2 + 1;
    let s = Schedule::uniform(1).with_cost(OpKind::I32Add, Some(half));
    // One add per region: fine. Two in one region: overflow.
    let one = common::wat("(module (func (result i32) (i32.add (i32.const 1) (i32.const 2))))");
    common::check(&one, &s);
    let two = common::wat("(module (func (result i32) (i32.add (i32.add (i32.const 1) (i32.const 2)) (i32.const 3))))");
    assert!(matches!(instrument(&two, &s), Err(InjectError::CostOverflow { func: 0, .. })));
    // A charge of more than i64::MAX is encoded as a negative i64 and read back as u64.
    let near_max = Schedule::uniform(1).with_cost(OpKind::I32Add, Some(u64::MAX - 10));
    common::check(&one, &near_max);

    // br_table: per target × targets.
    let mut s = Schedule::uniform(1);
    s.br_table_per_target = u64::MAX / 2;
    let table = common::wat("(module (func (param i32) (block (block (br_table 0 1 1 (local.get 0))))))");
    assert!(matches!(instrument(&table, &s), Err(InjectError::CostOverflow { .. })));
    // Locals: per local × count.
    let mut s = Schedule::uniform(1);
    s.per_local = u64::MAX / 3;
    let locals = common::wat("(module (func (local i32 i32 i32 i32)))");
    assert!(matches!(instrument(&locals, &s), Err(InjectError::CostOverflow { .. })));
}

#[test]
fn frames_must_fit_in_u32() {
    let mut s = Schedule::default();
    s.stack.i64 = u32::MAX / 2;
    let wasm = common::wat("(module (func (local i64 i64 i64)))");
    assert!(matches!(instrument(&wasm, &s), Err(InjectError::FrameTooLarge { func: 0, .. })));
    // Huge but representable frames are fine (they trap at run time instead), including sizes
    // that are negative as an `i32` (the frame is read as `u32`).
    let wasm = common::wat("(module (func (local i64)))");
    common::check(&wasm, &s);
    let mut big = Schedule::default();
    big.stack.activation = 3_000_000_000;
    common::check(&wasm, &big);
    // 50 000 locals (the validator's maximum).
    let wasm = common::wat("(module (func (local i64 f64) (local i32) (drop (i32.const 1))))");
    common::check(&wasm, &Schedule::default());
    let mut f = Function::new([(25_000, wasm_encoder::ValType::I64), (25_000, wasm_encoder::ValType::F64)]);
    f.instruction(&Instruction::End);
    common::check(&module_with_body(&f), &Schedule::default());
}

#[test]
fn empty_and_minimal_modules() {
    for text in ["(module)", "(module (memory 1))", "(module (func))", r#"(module (@custom "x" "y"))"#] {
        let wasm = common::wat(text);
        let out = common::check(&wasm, &Schedule::default());
        assert!(out.len() <= max_output_size(wasm.len()));
    }
}

#[test]
fn name_sections_with_bogus_indices_are_dropped_not_fatal() {
    let mut f = Function::new([]);
    f.instruction(&Instruction::End);
    let mut wasm = module_with_body(&f);
    let mut names = NameSection::new();
    let mut map = NameMap::new();
    map.append(u32::MAX - 1, "bogus");
    names.functions(&map);
    append_custom(&mut wasm, "name", &names.as_custom().data);
    let out = common::check(&wasm, &Schedule::default());
    let has_names = tally_profile::parser(tally_profile::features())
        .parse_all(&out)
        .any(|p| matches!(p, Ok(wasmparser::Payload::CustomSection(r)) if r.name() == "name"));
    assert!(!has_names, "a name section that cannot be shifted is dropped");
    // Garbage in the name section is dropped too; other custom sections are kept.
    let mut wasm = module_with_body(&f);
    append_custom(&mut wasm, "name", &[1, 200, 3]);
    append_custom(&mut wasm, "other", &[1, 2, 3]);
    append_custom(&mut wasm, ".debug_info", &[9]);
    let out = common::check(&wasm, &Schedule::default());
    let customs: Vec<String> = tally_profile::parser(tally_profile::features())
        .parse_all(&out)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::CustomSection(r)) => Some(r.name().to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(customs, ["other"]);
}

/// Runs `f` and checks it took less than `limit` (generous: debug builds on a shared machine).
fn timed<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("{what}: {took:?}");
    assert!(took < limit, "{what} took {took:?}");
    out
}

#[test]
fn one_megabyte_of_calls_is_linear() {
    let mut body = Function::new([]);
    for _ in 0..(1 << 20) / 2 {
        body.instruction(&Instruction::Call(0));
    }
    body.instruction(&Instruction::End);
    let wasm = module_with_body(&body);
    assert!(wasm.len() >= 1 << 20);
    let s = Schedule::default();
    let out = timed("instrument 1 MiB of calls", Duration::from_secs(20), || instrument(&wasm, &s).unwrap());
    timed("verify 1 MiB of calls", Duration::from_secs(40), || verify(&wasm, &out, &s).unwrap());
    assert!(out.len() <= max_output_size(wasm.len()));
    eprintln!("1 MiB of calls: {} -> {} bytes", wasm.len(), out.len());
}

#[test]
fn ten_thousand_nested_blocks_loops_and_ifs() {
    let s = Schedule::default();
    for kind in 0..3 {
        let mut body = Function::new([]);
        for _ in 0..10_000 {
            match kind {
                0 => body.instruction(&Instruction::Block(BlockType::Empty)),
                1 => body.instruction(&Instruction::Loop(BlockType::Empty)),
                _ => body.instruction(&Instruction::I32Const(1)).instruction(&Instruction::If(BlockType::Empty)),
            };
        }
        // Branch from the innermost frame to the outermost one.
        body.instruction(&Instruction::Br(9_999));
        for _ in 0..10_000 {
            body.instruction(&Instruction::End);
        }
        body.instruction(&Instruction::End);
        let wasm = module_with_body(&body);
        let out = timed("instrument 10^4 nested frames", Duration::from_secs(10), || instrument(&wasm, &s).unwrap());
        timed("verify 10^4 nested frames", Duration::from_secs(20), || verify(&wasm, &out, &s).unwrap());
        assert!(out.len() <= max_output_size(wasm.len()));
    }
}

#[test]
fn many_tiny_regions_stay_within_the_output_bound() {
    // Every operator starts a region, with the most expensive schedule encoding.
    let s = Schedule::uniform(u64::MAX / (1 << 20));
    let mut body = Function::new([]);
    for _ in 0..50_000 {
        body.instruction(&Instruction::Loop(BlockType::Empty)).instruction(&Instruction::End);
        body.instruction(&Instruction::I32Const(0)).instruction(&Instruction::If(BlockType::Empty));
        body.instruction(&Instruction::Return).instruction(&Instruction::End);
    }
    body.instruction(&Instruction::End);
    let wasm = module_with_body(&body);
    let out = instrument(&wasm, &s).unwrap();
    verify(&wasm, &out, &s).unwrap();
    eprintln!("tiny regions: {} -> {} bytes ({:.2}x)", wasm.len(), out.len(), out.len() as f64 / wasm.len() as f64);
    assert!(out.len() <= max_output_size(wasm.len()));
}

#[test]
fn dense_memory_access_charges_stay_within_the_output_bound() {
    // Every loop body is a region with one load: its charge, its per-page charge and its charge
    // above the threshold, each with ten-byte units and a five-byte threshold.
    let mut s = Schedule::uniform(u64::MAX / (1 << 20));
    s.dynamic.memory_access_per_page = 1 << 62;
    s.dynamic.memory_access_per_page_above = 1 << 62;
    s.dynamic.memory_access_threshold_pages = 1 << 30;
    let body = "(loop (drop (i32.load (i32.const 0))))".repeat(50_000);
    let wasm = common::wat(&format!("(module (memory 1) (func {body}))"));
    let out = instrument(&wasm, &s).unwrap();
    verify(&wasm, &out, &s).unwrap();
    eprintln!("dense accesses: {} -> {} bytes ({:.2}x)", wasm.len(), out.len(), out.len() as f64 / wasm.len() as f64);
    assert!(out.len() <= max_output_size(wasm.len()));
    assert!(out.len() > 7 * wasm.len(), "the charges are not the largest ones");
}

#[test]
fn dense_branch_sites_stay_within_the_output_bound() {
    // Every `br_if` and `if` gets a branch charge with a ten-byte cost, and a region starts
    // after each.
    let mut s = Schedule::uniform(u64::MAX / (1 << 20));
    s.branch_change = 1 << 62;
    let mut body = Function::new([]);
    body.instruction(&Instruction::Block(BlockType::Empty));
    for _ in 0..100_000 {
        body.instruction(&Instruction::I32Const(0)).instruction(&Instruction::BrIf(0));
        body.instruction(&Instruction::I32Const(0)).instruction(&Instruction::If(BlockType::Empty));
        body.instruction(&Instruction::End);
    }
    body.instruction(&Instruction::End).instruction(&Instruction::End);
    let wasm = module_with_body(&body);
    let out = instrument(&wasm, &s).unwrap();
    verify(&wasm, &out, &s).unwrap();
    eprintln!("dense sites: {} -> {} bytes ({:.2}x)", wasm.len(), out.len(), out.len() as f64 / wasm.len() as f64);
    assert!(out.len() <= max_output_size(wasm.len()));
}

#[test]
fn garbage_and_truncations_never_panic() {
    let wasm = common::wat(include_str!("golden/tables.wat"));
    let default = Schedule::default();
    let mut branches = Schedule::default();
    branches.branch_change = 12_000;
    for cut in 0..wasm.len() {
        let _ = instrument(&wasm[..cut], &default);
        let _ = instrument(&wasm[..cut], &branches);
    }
    let mut state = 0x1234_5678_9abc_def0u64;
    // Mutants the injector accepts must verify; enough of them must be accepted for that check
    // to mean something (a change in a constant or a name keeps the module valid).
    let mut accepted = 0;
    for i in 0..20_000 {
        let mut bytes = wasm.clone();
        for _ in 0..1 + i % 4 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let at = (state >> 33) as usize % bytes.len();
            bytes[at] = (state >> 17) as u8;
        }
        let s = if i % 2 == 0 { &default } else { &branches };
        if let Ok(out) = instrument(&bytes, s) {
            verify(&bytes, &out, s).unwrap_or_else(|e| panic!("mutant {i}: {e}"));
            accepted += 1;
        }
    }
    assert!(accepted > 1_000, "only {accepted} of 20000 mutants were instrumented");
}

#[test]
fn the_exports_and_names_of_a_big_module_survive() {
    let mut types = TypeSection::new();
    types.ty().function([], []);
    let mut funcs = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut exports = ExportSection::new();
    for i in 0..1000u32 {
        funcs.function(0);
        let mut f = Function::new([]);
        f.instruction(&Instruction::Call((i + 1) % 1000)).instruction(&Instruction::End);
        code.function(&f);
        exports.export(&format!("f{i}"), ExportKind::Func, i);
    }
    let mut m = Module::new();
    m.section(&types).section(&funcs).section(&exports).section(&code);
    common::check(&m.finish(), &Schedule::default());
}
