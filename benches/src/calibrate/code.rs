//! The code probes: loading code for a call (every shape term, per byte, fixed), deploying it,
//! and instantiating it, each on its worst-case shape.
//!
//! Loads are measured cold, through a runtime whose code cache holds nothing, so every call
//! prepares its code (checks, instruments, translates it), which is what the charge pays for;
//! they call a missing method, so no instantiation follows. A shape probe pads its modules with
//! a custom section to one length, so that only its own term varies with `x`. Instantiation is
//! measured through nested calls from a caller, the callee's code loaded once per transaction.

use std::borrow::Cow;

use tally_host_env::Status;

use super::host::{call_with, caller_text, empty_contract, host_loop, nested_calls, sizes, spread};
use super::probe::{
    call_request, deploy, deploy_request, expect, memory_storage, pick, runtime, wat, Ctx, Probe, METHOD, MISSING,
};
use super::terms::{HostTerm, Term};
use super::Scale;
use crate::attacks;
use crate::tpg::{timed, Run};

/// The name of the padding sections: the one custom section a load reads and pays for by the
/// byte (`tally_host_env::sections`), so that every size of a probe pays the same code bytes.
/// Any other custom section is stored apart and a load never charges for it.
const PAD: &str = tally_host_env::sections::KEPT_CUSTOM_SECTION;

/// `code` with custom sections appended so that it is exactly `len` bytes long (`len` must be
/// at least 14 bytes more than `code`).
pub fn pad_to(code: &[u8], len: usize) -> Result<Vec<u8>, String> {
    if let Some(out) = pad_once(code, len) {
        return Ok(out);
    }
    // The length fell where the section's size field changes width: an empty section first.
    let mut out = code.to_vec();
    let empty = wasm_encoder::CustomSection { name: Cow::Borrowed(PAD), data: Cow::Borrowed(&[]) };
    out.push(wasm_encoder::Section::id(&empty));
    wasm_encoder::Encode::encode(&empty, &mut out);
    pad_once(&out, len).ok_or_else(|| format!("cannot pad {} bytes of code to exactly {len}", code.len()))
}

/// `code` with one custom section appended so that it is exactly `len` bytes long, if one can be.
fn pad_once(code: &[u8], len: usize) -> Option<Vec<u8>> {
    let leb_len = |v: usize| if v == 0 { 1 } else { (usize::BITS - v.leading_zeros()).div_ceil(7) as usize };
    // The section: its id, its size (LEB128), the name's length and the name, then the payload.
    let name_len = 1 + PAD.len();
    for size_len in 1..=5 {
        let Some(payload) = len.checked_sub(code.len() + 1 + size_len + name_len) else { break };
        if leb_len(name_len + payload) != size_len {
            continue;
        }
        let section = wasm_encoder::CustomSection { name: Cow::Borrowed(PAD), data: Cow::Owned(vec![0; payload]) };
        let mut out = code.to_vec();
        out.push(wasm_encoder::Section::id(&section));
        wasm_encoder::Encode::encode(&section, &mut out);
        if out.len() == len {
            return Some(out);
        }
    }
    None
}

/// The largest code a contract may have, less room for a nonce section.
fn max_code() -> usize {
    tally_host_env::Limits::default().max_code_size as usize - 32
}

/// Calls a missing method of `code` on every run, through a runtime whose cache holds nothing:
/// every call loads (reads, checks, instruments, translates) the code.
fn cold_load(ctx: &Ctx, code: Vec<u8>) -> Result<Run, String> {
    let rt = runtime(ctx, 0)?;
    let storage = memory_storage();
    let contract = deploy(&rt, &storage, code)?;
    let req = call_request(contract, MISSING, Vec::new());
    let ctx = ctx.clone();
    Ok(Box::new(move || {
        let (result, timing) = super::probe::timed_call(&ctx, &rt, &storage, &req);
        expect(result, timing, Status::NoSuchMethod)
    }))
}

/// A cold-load probe of `term` whose module at `x` is `build(x)`, padded to one length.
fn shape_probe(
    term: HostTerm,
    what: &str,
    input: String,
    x_name: &'static str,
    xs: Vec<u32>,
    build: fn(u32) -> Vec<u8>,
) -> Probe {
    let padded = xs.iter().map(|x| build(*x).len()).max().unwrap_or(0) + 64;
    Probe::new(format!("{}/{what}", term.name()), Term::Host(term), input, x_name, xs, move |ctx: &Ctx, x| {
        cold_load(ctx, pad_to(&build(x), padded)?)
    })
    .cold()
}

/// Sizes of ordinary code, up to the limit.
fn code_sizes(scale: Scale) -> Vec<u32> {
    let max = max_code() as u32;
    pick(scale, spread(max, 5), spread(max, 3), vec![2_000, 4_000, 8_000]).into_iter().map(|b| b.max(2_000)).collect()
}

/// Ordinary code of at most `bytes` bytes.
fn ordinary(bytes: u32) -> Vec<u8> {
    attacks::ordinary_fitting(bytes as usize, 1)
}

/// The code-loading probes, deployment and instantiation, in calibration order.
pub fn probes(scale: Scale) -> Vec<Probe> {
    let n = sizes(scale);
    let limits = tally_host_env::CodeLimits::default();
    let functions = pick(scale, limits.functions - 1, limits.functions - 1, 20);
    let locals = pick(scale, limits.locals, limits.locals, 4096);
    let br_tables = pick(scale, 32, 32, 2);
    let mut all = vec![
        shape_probe(
            HostTerm::LoadFunction,
            "empty-functions",
            format!("x empty functions (4 bytes each; the limit is {})", limits.functions),
            "functions",
            spread(functions, n),
            attacks::small_functions,
        ),
        shape_probe(
            HostTerm::LoadLocal,
            "i64-locals",
            format!("x i64 locals, {} per function (the limits)", limits.locals_per_function),
            "locals",
            spread(locals, n),
            |total| attacks::locals_total(total, tally_host_env::CodeLimits::default().locals_per_function),
        ),
        shape_probe(
            HostTerm::LoadGlobal,
            "i64-globals",
            format!("x mutable i64 globals (the limit is {})", limits.globals),
            "globals",
            spread(limits.globals, n),
            attacks::globals,
        ),
        shape_probe(
            HostTerm::LoadBrTableTarget,
            "br-tables",
            format!("br_tables of {} one-byte targets, 31 per function", limits.br_table_targets),
            "br_tables",
            spread(br_tables, n),
            |count| attacks::br_tables(count, 31, tally_host_env::CodeLimits::default().br_table_targets),
        ),
    ];
    all.push(
        Probe::new(
            "load_code_byte/ordinary",
            Term::Host(HostTerm::LoadCodeByte),
            "ordinary generated code (benches/src/bigmodule.rs) up to the code size limit",
            "bytes (at most)",
            code_sizes(scale),
            |ctx: &Ctx, bytes| cold_load(ctx, ordinary(bytes)),
        )
        .with_fixed(Term::Host(HostTerm::Load))
        .cold(),
    );
    all.push(
        Probe::new(
            "load/distinct-contracts",
            Term::Host(HostTerm::Load),
            "nested calls of a missing method of x distinct empty contracts, each loaded cold",
            "contracts",
            pick(scale, vec![0, 16, 32, 48, MAX_DISTINCT], vec![0, 32, MAX_DISTINCT], vec![0, 2, 4]),
            |ctx: &Ctx, x| distinct_loads(ctx, x),
        )
        .cold(),
    );
    all.push(
        Probe::new(
            "deploy_code_byte/ordinary",
            Term::Host(HostTerm::DeployCodeByte),
            "deploys of ordinary generated code up to the size limit, a distinct code every run, no initializer",
            "bytes (at most)",
            code_sizes(scale),
            |ctx: &Ctx, bytes| deploys(ctx, ordinary(bytes)),
        )
        .with_fixed(Term::Host(HostTerm::Deploy))
        .cold(),
    );
    all.extend(instantiation(scale));
    all
}

/// The most distinct contracts the load probe calls.
const MAX_DISTINCT: u32 = 64;

/// Calls a contract that calls a missing method of `x` distinct empty contracts (cold cache).
fn distinct_loads(ctx: &Ctx, x: u32) -> Result<Run, String> {
    let rt = runtime(ctx, 0)?;
    let storage = memory_storage();
    let mut data = Vec::new();
    for k in 0..x {
        data.extend(deploy(&rt, &storage, attacks::with_nonce(&empty_contract(), u64::from(k)))?.0);
    }
    // The data segment has room for the most contracts at every x: instantiating the caller
    // costs the same.
    let method_at = 32 * MAX_DISTINCT;
    data.resize(method_at as usize, 0);
    data.extend(MISSING.bytes());
    let body = format!(
        "(drop (call $call (i32.mul (i32.sub (local.get $i) (i32.const 1)) (i32.const 32)) (i32.const {method_at}) \
         (i32.const {}) (i32.const 0) (i32.const 0) (i64.const -1) (i32.const 0)))",
        MISSING.len()
    );
    let contract = deploy(&rt, &storage, wat("distinct-loads", &host_loop(&["call"], 1, &data, "", &body, x))?)?;
    let req = call_request(contract, METHOD, Vec::new());
    let ctx = ctx.clone();
    Ok(Box::new(move || {
        let (result, timing) = super::probe::timed_call(&ctx, &rt, &storage, &req);
        expect(result, timing, Status::Ok)
    }))
}

/// Deploys a distinct variant of `code` (a nonce section) every run, through a runtime whose
/// cache holds nothing.
fn deploys(ctx: &Ctx, code: Vec<u8>) -> Result<Run, String> {
    let rt = runtime(ctx, 0)?;
    let storage = memory_storage();
    let recorded = ctx.recorded;
    let mut nonce = 0;
    Ok(Box::new(move || {
        nonce += 1;
        let req = deploy_request(attacks::with_nonce(&code, nonce));
        let (result, timing) = if recorded {
            timed(|| rt.deploy_recorded(&storage, &req).map(|(d, _)| d))
        } else {
            timed(|| rt.deploy(&storage, &req))
        };
        expect(result.map(|d| d.receipt).map_err(|e| e.to_string()), timing, Status::Ok)
    }))
}

/// Nested calls per run of the instantiation probes: enough that the cheapest item (a table
/// element) weighs above the calls' own time.
const INSTANCES: u32 = 64;

/// An instantiation probe of `term`: a caller calls the method of the contract `build(x)`
/// [`INSTANCES`] times.
fn instance_probe(
    term: HostTerm,
    what: &str,
    input: String,
    x_name: &'static str,
    xs: Vec<u32>,
    build: fn(u32) -> Vec<u8>,
) -> Probe {
    Probe::new(format!("{}/{what}", term.name()), Term::Host(term), input, x_name, xs, move |ctx: &Ctx, x| {
        call_with(
            ctx,
            vec![build(x)],
            |c| wat("instantiate", &caller_text(&c[0], METHOD, 0, INSTANCES)),
            Vec::new(),
            Status::Ok,
        )
    })
}

fn instantiation(scale: Scale) -> Vec<Probe> {
    let n = sizes(scale);
    let limits = tally_host_env::CodeLimits::default();
    let functions = pick(scale, limits.functions - 1, limits.functions - 1, 20);
    let data = pick(scale, 480 * 1024, 480 * 1024, 4096);
    vec![
        instance_probe(
            HostTerm::InstantiateFunction,
            "empty-functions",
            format!("{INSTANCES} instances per call of a contract of x empty functions"),
            "functions",
            spread(functions, n),
            attacks::small_functions,
        ),
        instance_probe(
            HostTerm::InstantiateGlobal,
            "i64-globals",
            format!("{INSTANCES} instances per call of a contract of x mutable i64 globals"),
            "globals",
            spread(limits.globals, n),
            attacks::globals,
        ),
        instance_probe(
            HostTerm::InstantiateTableElement,
            "funcref-table",
            format!("{INSTANCES} instances per call of a contract with a table of x elements"),
            "elements",
            spread(limits.table_elements, n),
            |elements| attacks::tables(1, elements),
        ),
        instance_probe(
            HostTerm::InstantiateElemItem,
            "elem-segment",
            format!("{INSTANCES} instances per call of a table of x elements filled by one segment"),
            "items",
            spread(limits.elem_items, n),
            attacks::elem_segment,
        ),
        Probe::new(
            "instantiate_data_byte/data-segment",
            Term::Host(HostTerm::InstantiateDataByte),
            format!("{INSTANCES} instances per call of a contract whose data segment has x bytes (8 pages)"),
            "data bytes",
            spread(data, n),
            |ctx: &Ctx, bytes| {
                let text = format!(
                    "(module (memory 8) (data (i32.const 0) \"{}\") (func (export \"{METHOD}\")))",
                    "\\a5".repeat(bytes as usize)
                );
                let callee = wat("data-segment", &text)?;
                call_with(
                    ctx,
                    vec![callee],
                    |c| wat("instantiate", &caller_text(&c[0], METHOD, 0, INSTANCES)),
                    Vec::new(),
                    Status::Ok,
                )
            },
        ),
        nested_calls(
            "empty-contract",
            HostTerm::Instantiate,
            METHOD,
            "nested calls of the empty method of an empty contract, 8 iterations of x calls",
            scale,
        ),
    ]
}
