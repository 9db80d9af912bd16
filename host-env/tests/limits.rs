//! Contract limits: every limit at and one over its value, the byte offsets reported, the
//! modules that used to deploy and then fail every call, malformed input, and the real
//! contracts (SDK examples and guests) under the default limits.

use crate::common;

use common::*;
use proptest::prelude::*;
use tally_host_env::*;

// ---------------------------------------------------------------------------------------------
// Reading the test modules without wasmparser, so that expected offsets are found independently.

/// An unsigned LEB128 at `pos`: (value, length).
fn leb(bytes: &[u8], pos: usize) -> (u32, usize) {
    let (mut value, mut shift, mut len) = (0u32, 0, 0);
    loop {
        let b = bytes[pos + len];
        value |= u32::from(b & 0x7f) << shift;
        len += 1;
        if b & 0x80 == 0 {
            return (value, len);
        }
        shift += 7;
    }
}

/// Start of the contents (where the count is) of the first section with `id`.
fn content(bytes: &[u8], id: u8) -> usize {
    let mut pos = 8;
    while pos < bytes.len() {
        let (size, len) = leb(bytes, pos + 1);
        if bytes[pos] == id {
            return pos + 1 + len;
        }
        pos += 1 + len + size as usize;
    }
    panic!("no section {id}");
}

/// Start of each function body (after its size prefix).
fn bodies(bytes: &[u8]) -> Vec<usize> {
    let start = content(bytes, 10);
    let (count, len) = leb(bytes, start);
    let mut pos = start + len;
    let mut out = Vec::new();
    for _ in 0..count {
        let (size, len) = leb(bytes, pos);
        out.push(pos + len);
        pos += len + size as usize;
    }
    out
}

/// Offset of the `k`-th (0-based) entry of section `id`, for entries of `entry_len` bytes each.
fn entry(bytes: &[u8], id: u8, k: usize, entry_len: usize) -> usize {
    let start = content(bytes, id);
    start + leb(bytes, start).1 + k * entry_len
}

fn set(limits: &mut CodeLimits, limit: Limit, v: u32) {
    let field = match limit {
        Limit::Types => &mut limits.types,
        Limit::Params => &mut limits.params,
        Limit::Results => &mut limits.results,
        Limit::Imports => &mut limits.imports,
        Limit::Functions => &mut limits.functions,
        Limit::Tables => &mut limits.tables,
        Limit::TableElements => &mut limits.table_elements,
        Limit::Memories => &mut limits.memories,
        Limit::MemoryPages => &mut limits.memory_pages,
        Limit::Globals => &mut limits.globals,
        Limit::Exports => &mut limits.exports,
        Limit::ElemSegments => &mut limits.elem_segments,
        Limit::ElemItems => &mut limits.elem_items,
        Limit::DataSegments => &mut limits.data_segments,
        Limit::DataBytes => &mut limits.data_bytes,
        Limit::BodySize => &mut limits.body_size,
        Limit::LocalsPerFunction => &mut limits.locals_per_function,
        Limit::Locals => &mut limits.locals,
        Limit::NestingDepth => &mut limits.nesting_depth,
        Limit::BrTableTargets => &mut limits.br_table_targets,
    };
    *field = v;
}

fn many(n: u32, f: impl Fn(u32) -> String) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(" ")
}

/// One limit's case: the limit set to `at`, a module of `n` things, where the violation is.
struct Case {
    limit: Limit,
    at: u32,
    module: fn(u32) -> String,
    /// The expected offset in the module over the limit.
    offset: fn(&[u8]) -> usize,
    /// A byte-level fact about the item at the offset, checked too.
    looks_like: fn(&[u8], usize) -> bool,
}

/// The count at `off` reads as `value`.
fn count_is(bytes: &[u8], off: usize, value: u32) -> bool {
    leb(bytes, off).0 == value
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            limit: Limit::Types,
            at: 3,
            module: |n| format!("(module {})", many(n, |_| "(type (func))".into())),
            offset: |b| content(b, 1),
            looks_like: |b, o| count_is(b, o, 4),
        },
        Case {
            limit: Limit::Params,
            at: 3,
            module: |n| format!("(module (type (func (param {}))))", many(n, |_| "i32".into())),
            offset: |b| entry(b, 1, 0, 0),
            looks_like: |b, o| b[o] == 0x60 && b[o + 1] == 4,
        },
        Case {
            limit: Limit::Results,
            at: 2,
            module: |n| format!("(module (type (func (result {}))))", many(n, |_| "i64".into())),
            offset: |b| entry(b, 1, 0, 0),
            looks_like: |b, o| b[o] == 0x60 && b[o + 1] == 0 && b[o + 2] == 3,
        },
        Case {
            limit: Limit::Imports,
            at: 3,
            module: |n| format!("(module {})", many(n, |i| format!(r#"(import "m" "f{i}" (func))"#))),
            offset: |b| content(b, 2),
            looks_like: |b, o| count_is(b, o, 4),
        },
        Case {
            limit: Limit::Functions,
            at: 3,
            module: |n| format!("(module {})", many(n, |_| "(func)".into())),
            offset: |b| content(b, 3),
            looks_like: |b, o| count_is(b, o, 4),
        },
        Case {
            limit: Limit::Tables,
            at: 1,
            module: |n| format!("(module {})", many(n, |_| "(table 0 funcref)".into())),
            offset: |b| content(b, 4),
            looks_like: |b, o| count_is(b, o, 2),
        },
        Case {
            limit: Limit::TableElements,
            at: 10,
            module: |n| format!("(module (table {n} funcref))"),
            offset: |b| entry(b, 4, 0, 0),
            // funcref, limits without maximum, 11.
            looks_like: |b, o| b[o..o + 3] == [0x70, 0x00, 11],
        },
        Case {
            limit: Limit::Memories,
            at: 1,
            module: |n| format!("(module {})", many(n, |_| "(memory 0)".into())),
            offset: |b| content(b, 5),
            looks_like: |b, o| count_is(b, o, 2),
        },
        Case {
            limit: Limit::MemoryPages,
            at: 10,
            module: |n| format!("(module (memory {n}))"),
            offset: |b| entry(b, 5, 0, 0),
            looks_like: |b, o| b[o..o + 2] == [0x00, 11],
        },
        Case {
            limit: Limit::Globals,
            at: 3,
            module: |n| format!("(module {})", many(n, |_| "(global i32 (i32.const 0))".into())),
            offset: |b| content(b, 6),
            looks_like: |b, o| count_is(b, o, 4),
        },
        Case {
            limit: Limit::Exports,
            at: 3,
            module: |n| format!("(module (func) {})", many(n, |i| format!(r#"(export "e{i}" (func 0))"#))),
            offset: |b| content(b, 7),
            looks_like: |b, o| count_is(b, o, 4),
        },
        Case {
            limit: Limit::ElemSegments,
            at: 3,
            module: |n| format!("(module (func) {})", many(n, |_| "(elem func 0)".into())),
            offset: |b| content(b, 9),
            looks_like: |b, o| count_is(b, o, 4),
        },
        Case {
            limit: Limit::ElemItems,
            at: 3,
            module: |n| format!("(module (func) (elem func {}))", many(n, |_| "0".into())),
            offset: |b| entry(b, 9, 0, 0),
            // A passive segment of function indices (flags 1, elemkind 0), 4 of them.
            looks_like: |b, o| b[o..o + 3] == [0x01, 0x00, 4],
        },
        Case {
            limit: Limit::DataSegments,
            at: 3,
            module: |n| format!("(module (memory 1) {})", many(n, |_| r#"(data "x")"#.into())),
            offset: |b| content(b, 11),
            looks_like: |b, o| count_is(b, o, 4),
        },
        Case {
            limit: Limit::DataBytes,
            at: 10,
            module: |n| format!(r#"(module (memory 1) (data "{}"))"#, "x".repeat(n as usize)),
            offset: |b| entry(b, 11, 0, 0),
            // A passive segment of 11 bytes.
            looks_like: |b, o| b[o..o + 2] == [0x01, 11],
        },
        Case {
            limit: Limit::BodySize,
            at: 10,
            // No locals, n − 2 `nop`s and `end`: n bytes.
            module: |n| format!("(module (func {}))", many(n - 2, |_| "nop".into())),
            offset: |b| bodies(b)[0],
            looks_like: |b, o| b[o - 1] == 11 && b[o + 10] == 0x0b,
        },
        Case {
            limit: Limit::LocalsPerFunction,
            at: 10,
            // Two declarations: n − 1 i32s, then one i64; the second one goes over.
            module: |n| format!("(module (func (local {}) (local i64)))", many(n - 1, |_| "i32".into())),
            offset: |b| bodies(b)[0] + 1 + 2,
            looks_like: |b, o| b[o..o + 2] == [1, 0x7e],
        },
        Case {
            limit: Limit::Locals,
            at: 5,
            // n functions with one local each; the last one's declaration goes over.
            module: |n| format!("(module {})", many(n, |_| "(func (local i32))".into())),
            offset: |b| *bodies(b).last().unwrap() + 1,
            looks_like: |b, o| b[o..o + 2] == [1, 0x7f],
        },
        Case {
            limit: Limit::NestingDepth,
            at: 5,
            module: |n| format!("(module (func {} {}))", many(n, |_| "block".into()), many(n, |_| "end".into())),
            // The n-th `block` (each is 2 bytes: opcode, empty block type).
            offset: |b| bodies(b)[0] + 1 + 2 * 5,
            looks_like: |b, o| b[o..o + 2] == [0x02, 0x40] && b[o + 2] == 0x0b,
        },
        Case {
            limit: Limit::BrTableTargets,
            at: 5,
            module: |n| format!("(module (func block i32.const 0 br_table {} 0 end))", many(n, |_| "0".into())),
            offset: |b| bodies(b)[0] + 1 + 2 + 2,
            looks_like: |b, o| b[o..o + 2] == [0x0e, 6],
        },
    ]
}

#[test]
fn every_limit_passes_at_its_value_and_is_refused_one_over_at_the_offending_item() {
    let cases = cases();
    for limit in Limit::ALL {
        assert!(cases.iter().any(|c| c.limit == limit), "no case for {limit}");
    }
    for case in cases {
        let mut limits = CodeLimits::default();
        set(&mut limits, case.limit, case.at);
        assert_eq!(limits.get(case.limit), case.at);
        let name = case.limit.name();

        let at = wasm(&(case.module)(case.at));
        check_code(&at, &limits).unwrap_or_else(|e| panic!("{name}: at the limit: {e}"));
        // The same module under a limit one lower is refused with the value just found.
        let mut lower = limits;
        set(&mut lower, case.limit, case.at - 1);
        assert!(matches!(check_code(&at, &lower), Err(CodeError::Limit { limit, value, .. })
            if limit == case.limit && value == u64::from(case.at)));

        let over = wasm(&(case.module)(case.at + 1));
        let err = check_code(&over, &limits).unwrap_err();
        let offset = (case.offset)(&over);
        assert_eq!(
            err,
            CodeError::Limit { limit: case.limit, value: u64::from(case.at) + 1, max: u64::from(case.at), offset },
            "{name}"
        );
        assert!((case.looks_like)(&over, offset), "{name}: offset {offset} is not the offending item: {over:02x?}");
        let text = err.to_string();
        for needle in [name.to_string(), (case.at + 1).to_string(), case.at.to_string(), format!("{offset:#x}")] {
            assert!(text.contains(&needle), "{name}: `{text}` does not mention {needle}");
        }
    }
}

#[test]
fn imported_memories_tables_and_globals_count() {
    let limits = CodeLimits::default();
    let check = |wat: &str| check_code(&wasm(wat), &limits);
    let is = |r: Result<CodeShape, CodeError>, want: Limit, bytes: &[u8], off: usize| match r {
        Err(CodeError::Limit { limit, value: 2, max: 1, offset }) if limit == want && offset == off => {}
        other => panic!("{want}: {other:?}, expected offset {off} in {bytes:02x?}"),
    };
    // An imported and a defined memory: refused at the memory section's count.
    let m = wasm(r#"(module (import "m" "mem" (memory 1)) (memory 1))"#);
    is(check_code(&m, &limits), Limit::Memories, &m, content(&m, 5));
    // Two imported tables: refused at the second import, which starts with its module name.
    let t = wasm(r#"(module (import "m" "t0" (table 0 funcref)) (import "m" "t1" (table 0 funcref)))"#);
    let second = entry(&t, 2, 1, 9);
    assert_eq!(&t[second..second + 5], b"\x01m\x02t1");
    is(check_code(&t, &limits), Limit::Tables, &t, second);
    // An imported memory over the page limit is refused at its import.
    let p = wasm(r#"(module (import "m" "mem" (memory 257)))"#);
    assert!(
        matches!(check_code(&p, &limits), Err(CodeError::Limit { limit: Limit::MemoryPages, value: 257, max: 256, offset })
        if offset == entry(&p, 2, 0, 0))
    );
    // Imported globals count toward the globals.
    let mut few = limits;
    few.globals = 1;
    let g = wasm(r#"(module (import "m" "g" (global i32)) (global i32 (i32.const 0)))"#);
    assert!(matches!(check_code(&g, &few), Err(CodeError::Limit { limit: Limit::Globals, value: 2, max: 1, offset })
        if offset == content(&g, 6)));
    assert_eq!(check(r#"(module (import "m" "g" (global i32)) (global i32 (i32.const 0)))"#).unwrap().globals, 2);
}

#[test]
fn recursion_groups_count_each_type_and_are_checked_before_they_are_read() {
    let limits = CodeLimits { types: 3, ..CodeLimits::default() };
    let group = |n: u32| wasm(&format!("(module (rec {}))", many(n, |_| "(type (func))".into())));
    check_code(&group(3), &limits).unwrap();
    let over = group(4);
    assert_eq!(
        check_code(&over, &limits),
        Err(CodeError::Limit { limit: Limit::Types, value: 4, max: 3, offset: content(&over, 1) + 1 })
    );
    // A group announcing a million types in a few bytes is refused before the reader would
    // reserve room for them (it allocates by the announced size).
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend_from_slice(&[1, 5, 1, 0x4e, 0xc0, 0x84, 0x3d]);
    assert_eq!(
        check_code(&bytes, &CodeLimits::default()),
        Err(CodeError::Limit { limit: Limit::Types, value: 1_000_000, max: 1_000, offset: 11 })
    );
}

#[test]
fn the_data_count_section_is_bounded_like_the_data_segments() {
    let limits = CodeLimits { data_segments: 2, ..CodeLimits::default() };
    // `data.drop` makes the encoder emit a data count section, before the code and data.
    let module =
        |n| wasm(&format!(r#"(module (memory 1) {} (func (data.drop 0)))"#, many(n, |_| r#"(data "x")"#.into())));
    check_code(&module(2), &limits).unwrap();
    let over = module(3);
    assert_eq!(
        check_code(&over, &limits),
        Err(CodeError::Limit { limit: Limit::DataSegments, value: 3, max: 2, offset: content(&over, 12) })
    );
}

#[test]
fn nesting_counts_every_kind_of_block_and_ends_release_it() {
    let limits = CodeLimits { nesting_depth: 3, ..CodeLimits::default() };
    // Depth 3 three times in a row: each `end` closes a level.
    let wat = "(module (func (param i32) (block (loop (if (local.get 0) (then))))
        (block (block (block))) (loop (block (if (local.get 0) (then) (else))))))";
    check_code(&wasm(wat), &limits).unwrap();
    let deep = wasm("(module (func (param i32) (block (loop (if (local.get 0) (then (block)))))))");
    assert!(matches!(check_code(&deep, &limits), Err(CodeError::Limit { limit: Limit::NestingDepth, value: 4, .. })));
}

#[test]
fn the_shape_counts_what_loading_and_instantiating_cost() {
    let wat = r#"(module
      (import "tally_host_v1" "abort" (func (param i32)))
      (import "m" "g" (global i32))
      (type (func (param i32 i64)))
      (memory 3)
      (table 7 funcref)
      (global i32 (i32.const 1)) (global i64 (i64.const 2))
      (func (local i32 i32 i64))
      (func (param i32) (local f64)
        (block (block (br_table 0 1 0 (local.get 0)))) ;; two targets and the default
        (block (br_table 0 (local.get 0))))
      (export "a" (func 1)) (export "b" (func 2)) (export "m" (memory 0))
      (elem (i32.const 0) func 1 2 1)
      (elem func 2)
      (data (i32.const 0) "hello")
      (data "world!"))"#;
    let code = wasm(wat);
    let shape = check_code(&code, &CodeLimits::default()).unwrap();
    assert_eq!(
        shape,
        CodeShape {
            bytes: code.len() as u32,
            functions: 2,
            imports: 2,
            locals: 4,
            globals: 3,
            memory_pages: 3,
            table_elements: 7,
            elem_segments: 2,
            elem_items: 4,
            data_segments: 2,
            data_bytes: 11,
            exports: 3,
            br_table_targets: 2,
        }
    );
    assert_eq!(
        check_code(b"\0asm\x01\0\0\0", &CodeLimits::default()).unwrap(),
        CodeShape { bytes: 8, ..CodeShape::default() }
    );
}

#[test]
fn worst_shaped_modules_are_refused_by_the_defaults() {
    let d = CodeLimits::default();
    let refused = |wat: String, want: Limit| match check_code(&wasm(&wat), &d) {
        Err(CodeError::Limit { limit, .. }) if limit == want => {}
        other => panic!("{want}: {other:?}"),
    };
    refused(format!("(module (func (local {})))", many(50_000, |_| "i32".into())), Limit::LocalsPerFunction);
    refused(format!("(module {})", many(100_000, |_| "(global i32 (i32.const 0))".into())), Limit::Globals);
    refused(format!("(module (func) (elem func {}))", many(480_000, |_| "0".into())), Limit::ElemItems);
    refused(format!("(module {})", many(10, |_| "(table 1 funcref)".into())), Limit::Tables);
    refused(
        format!("(module (func block i32.const 0 br_table {} 0 end))", many(100_000, |_| "0".into())),
        Limit::BrTableTargets,
    );
    refused(format!("(module {})", many(20_000, |_| "(func)".into())), Limit::Functions);
    refused(
        format!("(module {})", many(200, |i| format!("(func (local {}))", many(1_000 - i % 2, |_| "i64".into())))),
        Limit::Locals,
    );
    refused("(module (memory 257))".into(), Limit::MemoryPages);
    refused("(module (table 1048577 funcref))".into(), Limit::TableElements);
}

// ---------------------------------------------------------------------------------------------
// The runtime: `check` (what `tally check` runs) and deploy.

fn deploy(chain: &Chain, code: Vec<u8>) -> Result<Deployed, ExecError> {
    chain.rt.deploy(
        &chain.storage,
        &DeployRequest {
            code,
            deployer: addr(1),
            init: None,
            input: vec![],
            gas_limit: GAS,
            context: chain.context.clone(),
        },
    )
}

#[test]
fn modules_that_could_never_be_instantiated_are_refused_by_check_and_deploy() {
    for (wat, needles) in [
        (r#"(module (memory 257) (func (export "m")))"#, ["memory_pages", "257", "256"]),
        (r#"(module (table 1048577 funcref) (func (export "m")))"#, ["table_elements", "1048577", "4096"]),
    ] {
        let chain = Chain::memory();
        let err = chain.rt.check(&wasm(wat)).unwrap_err();
        assert!(matches!(err, CodeRejection::Limits(CodeError::Limit { .. })), "{err:?}");
        let receipt = deploy(&chain, wasm(wat)).unwrap().receipt;
        assert_eq!(receipt.status, Status::InvalidCode);
        let refused = receipt.trap.and_then(|t| t.message).unwrap_or_default();
        for text in [err.to_string(), refused] {
            for needle in needles {
                assert!(text.contains(needle), "`{text}` does not mention {needle}");
            }
        }
        // Nothing was stored: no code, no account, no nonce.
        assert!(chain.dump().is_empty());
    }
}

#[test]
fn modules_at_the_memory_and_table_limits_deploy_and_run() {
    let chain = Chain::memory();
    let c = chain.deploy(
        r#"(module (memory 256) (table 4096 funcref)
             (func (export "m") (i32.store (i32.const 16777212) (i32.const 1))))"#,
        addr(1),
    );
    let r = chain.call(c, "m", &[]);
    assert_eq!(r.status, Status::Ok, "{r:?}");
}

#[test]
fn declared_maxima_over_the_limits_are_accepted_and_growth_stops_at_the_limits() {
    let chain = Chain::memory();
    // Returns memory.grow(255) ‖ memory.grow(1) ‖ table.grow(4095) ‖ table.grow(1), as i32 LE.
    let c = chain.deploy(
        r#"(module
          (import "tally_host_v1" "return_set" (func $ret (param i32 i32)))
          (memory 1 65536) (table 1 100000 funcref)
          (func (export "grow")
            (i32.store (i32.const 0) (memory.grow (i32.const 255)))
            (i32.store (i32.const 4) (memory.grow (i32.const 1)))
            (i32.store (i32.const 8) (table.grow (ref.null func) (i32.const 4095)))
            (i32.store (i32.const 12) (table.grow (ref.null func) (i32.const 1)))
            (call $ret (i32.const 0) (i32.const 16))))"#,
        addr(1),
    );
    let r = chain.call(c, "grow", &[]);
    assert_eq!(r.status, Status::Ok, "{r:?}");
    let words: Vec<i32> = r.return_data.chunks(4).map(|w| i32::from_le_bytes(w.try_into().unwrap())).collect();
    assert_eq!(words, [1, -1, 1, -1]);
}

#[test]
fn params_carry_the_code_limits_in_their_hash_and_keep_them_consistent() {
    let p = Params::default();
    assert_eq!(p.code, CodeLimits::default());
    assert_eq!(p.code.memory_pages, p.limits.max_memory_pages);
    assert_eq!(Params::from_bytes(&p.to_bytes()).unwrap(), p);
    for limit in Limit::ALL {
        let mut q = p.clone();
        set(&mut q.code, limit, p.code.get(limit) - 1);
        assert_ne!(q.params_hash(), p.params_hash(), "{limit}");
        assert_eq!(Params::from_bytes(&q.to_bytes()).unwrap(), q);
    }
    // Code limits that admit a memory the host cannot instantiate are refused.
    let mut bad = p.clone();
    bad.code.memory_pages = p.limits.max_memory_pages + 1;
    assert!(bad.validate().unwrap_err().contains("memory_pages"));
    assert!(Params::from_bytes(&bad.to_bytes()).is_err());
    assert!(matches!(Runtime::new(bad), Err(ParamsError::Invalid(m)) if m.contains("max_memory_pages")));
    // The VM enforces the code limits it has, on the instrumented module, no stricter.
    let config = p.vm_config();
    assert_eq!(config.max_table_elements, p.code.table_elements);
    assert_eq!(config.max_locals, p.code.locals_per_function);
    assert_eq!(config.max_params, p.code.params.max(p.code.results));
}

#[test]
fn a_function_at_every_per_function_limit_deploys_through_the_instrumenting_vm() {
    // Locals, params, results, nesting and br_table at their defaults all at once: what the
    // check accepts, the injector and the VM accept too.
    let d = CodeLimits::default();
    let wat = format!(
        r#"(module
          (type (func (param {params}) (result {results})))
          (func (type 0) (local {locals}) {blocks} i32.const 0 br_table {targets} 0 {ends} unreachable)
          (func (export "m")))"#,
        params = many(d.params, |_| "i32".into()),
        results = many(d.results, |_| "i64".into()),
        locals = many(d.locals_per_function, |_| "i64".into()),
        blocks = many(d.nesting_depth, |_| "block".into()),
        targets = many(d.br_table_targets, |i| (i % d.nesting_depth).to_string()),
        ends = many(d.nesting_depth, |_| "end".into()),
    );
    let code = wasm(&wat);
    check_code(&code, &d).unwrap();
    let chain = Chain::memory();
    let c = deploy(&chain, code).unwrap_or_else(|e| panic!("{e}")).address;
    assert_eq!(chain.call(c, "m", &[]).status, Status::Ok);
}

#[test]
fn bodies_near_the_size_limit_made_of_fast_growing_operators_deploy() {
    // Instrumentation adds a charge per region; these make the most regions per byte.
    let d = CodeLimits::default();
    for unit in ["(if (local.get 0) (then))", "(loop)", "(br_if 0 (local.get 0))", "(drop (memory.grow (local.get 0)))"]
    {
        let module = |n: usize| {
            wasm(&format!("(module (memory 1) (func (param i32) {}) (func (export \"m\")))", unit.repeat(n)))
        };
        let per = module(2).len() - module(1).len();
        let code = module((d.body_size as usize - 64) / per);
        // Within 128 bytes of the limit.
        check_code(&code, &d).unwrap();
        let tighter = CodeLimits { body_size: d.body_size - 128, ..d };
        assert!(matches!(check_code(&code, &tighter), Err(CodeError::Limit { limit: Limit::BodySize, .. })));
        let report = Chain::memory().rt.check(&code).unwrap_or_else(|e| panic!("{unit}: {e}"));
        assert!(report.instrumented_size > 2 * report.size, "{unit}: {report:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

fn sample() -> Vec<u8> {
    wasm(&format!(
        r#"(module
          (type (func (param i32 i64) (result i32)))
          (import "tally_host_v1" "abort" (func (param i32)))
          (memory 2) (table 3 funcref) (global (mut i32) (i32.const 7))
          (func (type 0) (local i32 f64)
            (block (loop (br_table 0 1 0 (local.get 0))))
            (i32.add (local.get 0) (i32.wrap_i64 (local.get 1))))
          {}
          (export "f" (func 1)) (export "mem" (memory 0))
          (elem (i32.const 0) func 1 1)
          (data (i32.const 0) "some data bytes")
          (@custom "name-ish" "custom section bytes"))"#,
        many(20, |i| format!("(func (result i32) (i32.const {i}))"))
    ))
}

#[test]
fn every_truncation_inside_a_section_is_malformed() {
    let code = sample();
    check_code(&code, &CodeLimits::default()).unwrap();
    let mut boundaries = vec![8];
    let mut pos = 8;
    while pos < code.len() {
        let (size, len) = leb(&code, pos + 1);
        pos += 1 + len + size as usize;
        boundaries.push(pos);
    }
    for len in 0..code.len() {
        match check_code(&code[..len], &CodeLimits::default()) {
            Ok(shape) => assert!(boundaries.contains(&len), "{len}: accepted {shape:?}"),
            // At a boundary the reader may still miss a section (a code section for the
            // function section); inside a section it always stops.
            Err(CodeError::Malformed { offset, .. }) => assert!(offset <= len, "{len}: offset {offset}"),
            Err(e) => panic!("{len}: {e}"),
        }
    }
}

/// A module of one function `() -> ()` whose body (after its size prefix) is `body`.
fn with_body(body: &[u8]) -> Vec<u8> {
    let mut code = b"\0asm\x01\0\0\0\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00".to_vec();
    code.extend_from_slice(&[10, body.len() as u8 + 2, 1, body.len() as u8]);
    code.extend_from_slice(body);
    code
}

#[test]
fn malformed_bodies_are_reported_where_the_reader_stops() {
    let d = CodeLimits::default();
    assert!(check_code(&with_body(&[0x00, 0x01, 0x0b]), &d).is_ok());
    let body = with_body(&[0]).len();
    for (ops, at) in [
        // An unknown opcode.
        (&[0x00, 0xff, 0x0b][..], body),
        // A block that is never closed: the reader notices at the end of the body.
        (&[0x00, 0x02, 0x40, 0x0b][..], body + 3),
        // An operator after the function's `end`.
        (&[0x00, 0x0b, 0x01][..], body + 1),
        // A truncated `br_table`.
        (&[0x00, 0x41, 0x00, 0x0e, 0x05, 0x00][..], body + 6),
    ] {
        match check_code(&with_body(ops), &d) {
            Err(CodeError::Malformed { offset, message }) => {
                assert!(offset.abs_diff(at) <= 1, "{ops:02x?}: offset {offset} ({message}), expected about {at}")
            }
            other => panic!("{ops:02x?}: {other:?}"),
        }
    }
    // 2^32 − 1 locals in one declaration: counted in 64 bits, refused as a limit.
    let huge = with_body(&[0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b]);
    assert_eq!(
        check_code(&huge, &d),
        Err(CodeError::Limit { limit: Limit::LocalsPerFunction, value: u64::from(u32::MAX), max: 1024, offset: body })
    );
}

#[test]
fn components_are_malformed() {
    let err = check_code(b"\0asm\x0d\0\x01\0", &CodeLimits::default()).unwrap_err();
    assert!(matches!(err, CodeError::Malformed { offset: 0, .. }), "{err:?}");
}

fn assert_sane(code: &[u8]) {
    match check_code(code, &CodeLimits::default()) {
        Ok(shape) => assert_eq!(shape.bytes as usize, code.len()),
        Err(CodeError::Malformed { offset, message }) => {
            assert!(offset <= code.len(), "offset {offset} past {}", code.len());
            assert!(!message.is_empty());
        }
        Err(CodeError::Limit { value, max, offset, .. }) => {
            assert!(value > max);
            assert!(offset < code.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..200), header in any::<bool>()) {
        let mut code = if header { b"\0asm\x01\0\0\0".to_vec() } else { Vec::new() };
        code.extend_from_slice(&tail);
        assert_sane(&code);
    }

    #[test]
    fn corrupted_modules_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut code = sample();
        for (at, byte) in edits {
            let i = at.index(code.len());
            code[i] = byte;
        }
        let len = 8 + cut.index(code.len() - 7);
        assert_sane(&code[..len]);
    }
}

// ---------------------------------------------------------------------------------------------
// Real contracts.

/// The smallest value of `limit` that `code` passes with every other limit at its default.
fn usage(code: &[u8], limit: Limit) -> u32 {
    let mut limits = CodeLimits::default();
    set(&mut limits, limit, 0);
    loop {
        match check_code(code, &limits) {
            Ok(_) => return limits.get(limit),
            Err(CodeError::Limit { limit: l, value, .. }) if l == limit => set(&mut limits, limit, value as u32),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn sdk_examples_and_guests_pass_the_default_limits() {
    let d = CodeLimits::default();
    let chain = Chain::memory();
    let mut modules: Vec<(String, Vec<u8>)> = tally_sdk_build::EXAMPLES
        .iter()
        .map(|name| (name.to_string(), tally_sdk_build::example(name).unwrap_or_else(|e| panic!("{e}"))))
        .collect();
    modules.push(("guests".into(), tally_guests::build::wasm_bytes().unwrap_or_else(|e| panic!("{e}"))));
    for (name, code) in &modules {
        let shape = check_code(code, &d).unwrap_or_else(|e| panic!("{name}: {e}"));
        chain.rt.check(code).unwrap_or_else(|e| panic!("{name}: {e}"));
        let used: Vec<String> =
            Limit::ALL.iter().map(|&l| format!("{} {}/{}", l.name(), usage(code, l), d.get(l))).collect();
        eprintln!("{name}: {} bytes; {}", shape.bytes, used.join(", "));
    }
    // The SDK examples deploy, too.
    for (name, code) in &modules[..tally_sdk_build::EXAMPLES.len()] {
        deploy(&chain, code.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
