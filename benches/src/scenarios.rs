//! The time-per-gas harness's scenarios and baseline set: each sets up contracts (built by
//! [`attacks`](crate::attacks)) on a `tally-host-env` [`Runtime`] and returns a [`Run`] that
//! executes the attack once, times it and checks that it ended as the scenario expects.
//!
//! Sizes are the largest the current default [`Params`] accept where that hurts most (the
//! parameter text of each scenario says which limit binds), except where the limits allow more
//! than this machine can hold; [`Scale::Quick`] and [`Scale::Tiny`] shrink them for smoke runs
//! and tests.

use std::path::PathBuf;
use std::sync::Arc;

use tally_host_env::{
    Address, BlockContext, CallRequest, DeployRequest, ExecError, MemoryStorage, Params, Receipt, RedbStorage, Runtime,
    Status, Storage,
};

use crate::attacks::{self, METHOD};
use crate::tpg::{timed, Baseline, Run, Sample, Timing};

/// How big the scenarios are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The sizes reported in `BENCHMARKS.md`.
    Full,
    /// Smaller loops and fewer tables, for a smoke run of the binary.
    Quick,
    /// Tiny sizes that only check that every builder and setup still works (tests).
    Tiny,
}

impl Scale {
    fn pick<T>(self, full: T, quick: T, tiny: T) -> T {
        match self {
            Scale::Full => full,
            Scale::Quick => quick,
            Scale::Tiny => tiny,
        }
    }
}

/// A scenario ready to run.
pub struct Prepared {
    /// Its size parameter, in words.
    pub param: String,
    /// One run.
    pub run: Run,
}

/// One row of the report.
pub struct Scenario {
    /// A unique name (the harness's filter matches it).
    pub name: &'static str,
    /// The scenario's number in issue 10's list.
    pub group: u8,
    /// Builds the contracts and the runtime.
    pub setup: fn(Scale) -> Result<Prepared, String>,
}

/// Gas limit of calls that should never run out.
const PLENTY: u64 = 1 << 60;

/// Gas limit of the scenarios that only pay for an (almost) empty call.
const SMALL_LIMIT: u64 = 10_000_000;

/// Every deployment's deployer.
const DEPLOYER: Address = Address([0xde; 32]);

/// Every call's caller.
const CALLER: Address = Address([0xca; 32]);

/// Contract methods that no contract here exports.
const MISSING: &str = "missing";

fn params() -> Params {
    Params::default()
}

/// The largest contract the default limits accept, less room for a nonce section.
fn max_code() -> usize {
    params().limits.max_code_size as usize - 32
}

/// The most elements a table may have.
fn max_table() -> u32 {
    params().vm_config().max_table_elements
}

/// The most locals a function may declare.
fn max_locals() -> u32 {
    params().vm_config().max_locals
}

/// wasmparser's limits (`wasmparser::limits`), which Tally inherits.
const MAX_ELEMENT_SEGMENTS: u32 = 100_000;
const MAX_DATA_SEGMENTS: u32 = 100_000;

fn runtime() -> Result<Runtime, String> {
    Runtime::new(params()).map_err(|e| format!("runtime: {e}"))
}

fn memory_storage() -> Arc<dyn Storage> {
    Arc::new(MemoryStorage::new())
}

fn deploy_request(code: Vec<u8>, gas_limit: u64) -> DeployRequest {
    DeployRequest {
        code,
        deployer: DEPLOYER,
        init: None,
        input: Vec::new(),
        gas_limit,
        context: BlockContext::default(),
    }
}

/// Deploys `code` (without an initializer) and returns its address; any failure is a refusal.
fn deploy(rt: &Runtime, storage: &Arc<dyn Storage>, code: Vec<u8>) -> Result<Address, String> {
    let deployed = rt.deploy(storage, &deploy_request(code, PLENTY)).map_err(|e| format!("deploy: {e}"))?;
    match deployed.receipt.status {
        Status::Ok => Ok(deployed.address),
        status => Err(format!("deploy: status {status:?}")),
    }
}

fn call_request(contract: Address, method: &str, input: Vec<u8>, gas_limit: u64) -> CallRequest {
    CallRequest { contract, method: method.into(), input, caller: CALLER, gas_limit, context: BlockContext::default() }
}

/// A receipt that must be `Ok`, as a sample.
fn ok(result: Result<Receipt, ExecError>, ns: Timing) -> Result<Sample, String> {
    let receipt = result.map_err(|e| e.to_string())?;
    match receipt.status {
        Status::Ok => Ok(Sample::new(receipt.gas_used, ns)),
        status => Err(format!("status {status:?} after {} gas", receipt.gas_used)),
    }
}

/// Deploys `code` and calls its method with `gas_limit` on every run, through one runtime (so
/// the code is cached and only instantiation and the method's execution repeat).
fn warm_call(code: Vec<u8>, gas_limit: u64, param: String) -> Result<Prepared, String> {
    let rt = runtime()?;
    let storage = memory_storage();
    let contract = deploy(&rt, &storage, code)?;
    let req = call_request(contract, METHOD, Vec::new(), gas_limit);
    Ok(Prepared {
        param,
        run: Box::new(move || {
            let (result, ns) = timed(|| rt.call(&storage, &req));
            ok(result, ns)
        }),
    })
}

/// What a cold call must end with.
#[derive(Clone, Copy)]
enum Expect {
    /// An `Ok` receipt.
    Ok,
    /// A `NoSuchMethod` receipt (charged for the call and the code's loading).
    NoSuchMethod,
    /// An `Ok` receipt whose return data is this nested-call status code (see [`attacks::caller`]).
    NestedStatus(i32),
}

/// Deploys the contracts of `codes` in order on one storage; the last one is called, on a fresh
/// [`Runtime`] every run (so its code cache is empty: the code is instrumented and translated
/// again). Runtime creation is outside the timed part.
fn cold_call(
    codes: Vec<Vec<u8>>,
    link: fn(&[Address]) -> Vec<u8>,
    method: &'static str,
    expect: Expect,
    param: String,
) -> Result<Prepared, String> {
    let rt = runtime()?;
    let storage = memory_storage();
    let mut addresses = Vec::new();
    for code in codes {
        addresses.push(deploy(&rt, &storage, code)?);
    }
    let last = link(&addresses);
    let target = if last.is_empty() { *addresses.last().ok_or("no contract")? } else { deploy(&rt, &storage, last)? };
    let req = call_request(target, method, Vec::new(), PLENTY);
    Ok(Prepared {
        param,
        run: Box::new(move || {
            let rt = runtime()?;
            let (result, ns) = timed(|| rt.call(&storage, &req));
            match (expect, result) {
                (Expect::NoSuchMethod, Ok(r)) if r.status == Status::NoSuchMethod => Ok(Sample::new(r.gas_used, ns)),
                (Expect::NoSuchMethod, Ok(r)) => Err(format!("expected no such method, got status {:?}", r.status)),
                (Expect::NestedStatus(code), result) => {
                    let sample = ok(result.clone(), ns)?;
                    let data = result.map(|r| r.return_data).unwrap_or_default();
                    match <[u8; 4]>::try_from(data.as_slice()).map(i32::from_le_bytes) {
                        Ok(c) if c == code => Ok(sample),
                        other => Err(format!("nested call status {other:?}, expected {code}")),
                    }
                }
                (_, result) => ok(result, ns),
            }
        }),
    })
}

/// No caller: call the last deployed contract directly.
fn direct(_: &[Address]) -> Vec<u8> {
    Vec::new()
}

/// A caller contract that calls the method `run` of the last deployed contract.
fn nested_run(addresses: &[Address]) -> Vec<u8> {
    attacks::caller(&addresses[addresses.len() - 1].0, METHOD)
}

/// A caller contract that calls a missing method of the last deployed contract.
fn nested_missing(addresses: &[Address]) -> Vec<u8> {
    attacks::caller(&addresses[addresses.len() - 1].0, MISSING)
}

/// Deploys a distinct variant of `code` (a nonce section appended) on a fresh runtime every
/// run, with `gas_limit`; the receipt must have `expect` as its status. Time per gas uses the
/// gas used, at least 1.
fn fresh_deploy(code: Vec<u8>, gas_limit: u64, expect: Status, param: String) -> Result<Prepared, String> {
    let storage = memory_storage();
    let mut nonce = 0u64;
    Ok(Prepared {
        param,
        run: Box::new(move || {
            nonce += 1;
            let req = deploy_request(attacks::with_nonce(&code, nonce), gas_limit);
            let rt = runtime()?;
            let (result, ns) = timed(|| rt.deploy(&storage, &req));
            let receipt = result.map_err(|e| e.to_string())?.receipt;
            if receipt.status == expect {
                Ok(Sample::new(receipt.gas_used, ns))
            } else {
                Err(format!("status {:?}, expected {expect:?}", receipt.status))
            }
        }),
    })
}

fn kib(bytes: usize) -> String {
    format!("{:.0} KiB", bytes as f64 / 1024.0)
}

/// Ordinary code as large as the limit allows.
fn large_ordinary(scale: Scale) -> Vec<u8> {
    match scale {
        Scale::Tiny => attacks::ordinary(20_000, 1),
        _ => attacks::ordinary_fitting(max_code(), 1),
    }
}

/// As many functions with the most locals as fit.
fn large_locals(scale: Scale) -> (Vec<u8>, u32) {
    let locals = max_locals();
    let functions = match scale {
        Scale::Tiny => 10,
        _ => attacks::largest_fitting(1, 200_000, max_code(), |n| attacks::many_locals(n, locals)),
    };
    (attacks::many_locals(functions, locals), functions)
}

fn tables_one(scale: Scale) -> Result<Prepared, String> {
    let elements = scale.pick(1_000_000, 1_000_000, 1000);
    let param = format!("1 table × {elements} funcref, gas limit {SMALL_LIMIT}");
    warm_call(attacks::tables(1, elements), SMALL_LIMIT, param)
}

fn tables_many(scale: Scale) -> Result<Prepared, String> {
    // The limits allow 100,000 tables (wasmparser's count; 500 KB of code), 800 GiB of slots:
    // more than this machine holds, so the row measures a tenth of that.
    let (count, elements) = scale.pick((10_000, max_table()), (1000, max_table()), (2, 1000));
    let param = format!(
        "{count} tables × {elements} funcref ({} GiB of slots, {} bytes of code), gas limit {SMALL_LIMIT}",
        (u64::from(count) * u64::from(elements) * 8) >> 30,
        attacks::tables(count, elements).len()
    );
    warm_call(attacks::tables(count, elements), SMALL_LIMIT, param)
}

fn elem_spread_one(scale: Scale) -> Result<Prepared, String> {
    let elements = scale.pick(max_table(), max_table(), 4096);
    let code = attacks::elem_spread(1, elements, 512);
    let param = format!("1 table × {elements}, a 1-item segment every 512 slots (4 KiB), {}", kib(code.len()));
    warm_call(code, SMALL_LIMIT, param)
}

fn elem_spread_max(scale: Scale) -> Result<Prepared, String> {
    let elements = scale.pick(max_table(), max_table(), 4096);
    let per_table = elements / 512;
    let tables = match scale {
        Scale::Tiny => 2,
        _ => attacks::largest_fitting(1, MAX_ELEMENT_SEGMENTS / per_table, max_code(), |t| {
            attacks::elem_spread(t, elements, 512)
        }),
    };
    let code = attacks::elem_spread(tables, elements, 512);
    let param = format!(
        "{tables} tables × {elements}, a segment every 512 slots ({} segments, {}: code size binds)",
        tables * per_table,
        kib(code.len())
    );
    warm_call(code, SMALL_LIMIT, param)
}

fn cold_tiny(_: Scale) -> Result<Prepared, String> {
    cold_call(vec![attacks::nop()], direct, METHOD, Expect::Ok, "an empty contract (control)".into())
}

fn cold_large(scale: Scale) -> Result<Prepared, String> {
    let code = large_ordinary(scale);
    let param = format!("{} of ordinary code, top-level", kib(code.len()));
    cold_call(vec![code], direct, METHOD, Expect::Ok, param)
}

fn cold_large_nested(scale: Scale) -> Result<Prepared, String> {
    let code = large_ordinary(scale);
    let param = format!("{} of ordinary code, called by a contract", kib(code.len()));
    cold_call(vec![code], nested_run, METHOD, Expect::NestedStatus(0), param)
}

fn cold_large_missing(scale: Scale) -> Result<Prepared, String> {
    let code = large_ordinary(scale);
    let param = format!("{}, top-level call of a missing method (no receipt: 0 gas)", kib(code.len()));
    cold_call(vec![code], direct, MISSING, Expect::NoSuchMethod, param)
}

fn cold_large_missing_nested(scale: Scale) -> Result<Prepared, String> {
    let code = large_ordinary(scale);
    let param = format!("{}, nested call of a missing method", kib(code.len()));
    cold_call(vec![code], nested_missing, METHOD, Expect::NestedStatus(6), param)
}

fn cold_locals(scale: Scale) -> Result<Prepared, String> {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals, {}, top-level", max_locals(), kib(code.len()));
    cold_call(vec![code], direct, METHOD, Expect::Ok, param)
}

fn cold_locals_nested(scale: Scale) -> Result<Prepared, String> {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals, {}, called by a contract", max_locals(), kib(code.len()));
    cold_call(vec![code], nested_run, METHOD, Expect::NestedStatus(0), param)
}

fn cold_locals_missing(scale: Scale) -> Result<Prepared, String> {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals, top-level call of a missing method (0 gas)", max_locals());
    cold_call(vec![code], direct, MISSING, Expect::NoSuchMethod, param)
}

fn cold_locals_missing_nested(scale: Scale) -> Result<Prepared, String> {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals, nested call of a missing method", max_locals());
    cold_call(vec![code], nested_missing, METHOD, Expect::NestedStatus(6), param)
}

/// Deploys `count` distinct copies of ordinary code and calls them round-robin; with more
/// copies than the code cache holds, every call misses.
fn cache_round_robin(count: u32, code_bytes: usize) -> Result<(Run, usize), String> {
    let rt = runtime()?;
    let storage = memory_storage();
    let base = attacks::ordinary(code_bytes, 2);
    let len = base.len();
    let mut contracts = Vec::new();
    for k in 0..count {
        contracts.push(deploy(&rt, &storage, attacks::with_nonce(&base, u64::from(k)))?);
    }
    let mut next = 0usize;
    let run: Run = Box::new(move || {
        let req = call_request(contracts[next % contracts.len()], METHOD, Vec::new(), PLENTY);
        next += 1;
        let (result, ns) = timed(|| rt.call(&storage, &req));
        ok(result, ns)
    });
    Ok((run, len))
}

fn cache_cycle(scale: Scale) -> Result<Prepared, String> {
    let (count, bytes) = scale.pick((300, 64 << 10), (300, 16 << 10), (3, 2000));
    let (run, len) = cache_round_robin(count, bytes)?;
    let param = format!("{count} contracts of {} each, round-robin (cache: 256, FIFO)", kib(len));
    Ok(Prepared { param, run })
}

fn cache_warm(scale: Scale) -> Result<Prepared, String> {
    let bytes = scale.pick(64 << 10, 16 << 10, 2000);
    let (run, len) = cache_round_robin(1, bytes)?;
    Ok(Prepared { param: format!("the same {} contract every call (cache hit; control)", kib(len)), run })
}

fn globals(scale: Scale) -> Result<Prepared, String> {
    let count = match scale {
        Scale::Tiny => 1000,
        _ => attacks::largest_fitting(1, 1_000_000, max_code(), attacks::globals),
    };
    let code = attacks::globals(count);
    let param = format!("{count} mutable i64 globals ({}: code size binds)", kib(code.len()));
    warm_call(code, SMALL_LIMIT, param)
}

fn elem_big(scale: Scale) -> Result<Prepared, String> {
    let items = match scale {
        Scale::Tiny => 1000,
        _ => attacks::largest_fitting(1, max_table(), max_code(), attacks::elem_segment),
    };
    let code = attacks::elem_segment(items);
    let param = format!("one segment of {items} items into a table of {items} ({})", kib(code.len()));
    warm_call(code, SMALL_LIMIT, param)
}

fn deploy_gas1_large(scale: Scale) -> Result<Prepared, String> {
    let code = large_ordinary(scale);
    let param = format!("{} of ordinary code, gas limit 1 (out of gas after translation)", kib(code.len()));
    fresh_deploy(code, 1, Status::OutOfGas, param)
}

fn deploy_gas1_locals(scale: Scale) -> Result<Prepared, String> {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals ({}), gas limit 1", max_locals(), kib(code.len()));
    fresh_deploy(code, 1, Status::OutOfGas, param)
}

fn deploy_locals(scale: Scale) -> Result<Prepared, String> {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals ({})", max_locals(), kib(code.len()));
    fresh_deploy(code, PLENTY, Status::Ok, param)
}

fn deploy_small_functions(scale: Scale) -> Result<Prepared, String> {
    let count = match scale {
        Scale::Tiny => 100,
        _ => attacks::largest_fitting(1, 1_000_000, max_code(), attacks::small_functions),
    };
    let code = attacks::small_functions(count);
    fresh_deploy(code.clone(), PLENTY, Status::Ok, format!("{count} empty functions ({})", kib(code.len())))
}

fn deploy_globals(scale: Scale) -> Result<Prepared, String> {
    let count = match scale {
        Scale::Tiny => 100,
        _ => attacks::largest_fitting(1, 1_000_000, max_code(), attacks::globals),
    };
    let code = attacks::globals(count);
    fresh_deploy(code.clone(), PLENTY, Status::Ok, format!("{count} globals ({})", kib(code.len())))
}

fn deploy_br_table(scale: Scale) -> Result<Prepared, String> {
    let targets = match scale {
        Scale::Tiny => 100,
        _ => attacks::largest_fitting(1, 4_000_000, max_code(), attacks::br_table),
    };
    let code = attacks::br_table(targets);
    fresh_deploy(code.clone(), PLENTY, Status::Ok, format!("one br_table of {targets} targets ({})", kib(code.len())))
}

fn deploy_large(scale: Scale) -> Result<Prepared, String> {
    let code = large_ordinary(scale);
    let param = format!("{} of ordinary code (control)", kib(code.len()));
    fresh_deploy(code, PLENTY, Status::Ok, param)
}

/// The most memory a contract may have, in pages.
fn max_pages() -> u32 {
    params().limits.max_memory_pages
}

/// What instantiating `pages` of memory costs, in words.
fn memory_charge(pages: u32) -> String {
    let gas = u64::from(pages) * params().schedule.dynamic.memory_grow_per_page;
    format!("the memory costs {} gas of it", crate::tpg::format_gas(gas))
}

fn chase_data(scale: Scale) -> Result<Prepared, String> {
    let (pages, loads) = scale.pick((max_pages(), 4 << 20), (max_pages(), 1 << 20), (1, 1000));
    let nodes = match scale {
        Scale::Tiny => 100,
        _ => attacks::largest_fitting(2, MAX_DATA_SEGMENTS, max_code(), |n| attacks::chase_data(pages, n, 32, 3)),
    };
    let code = attacks::chase_data(pages, nodes, loads, 3);
    let param = format!(
        "{loads} loads over {nodes} cells in {pages} pages, one data segment per cell ({}); {}",
        kib(code.len()),
        memory_charge(pages)
    );
    warm_call(code, PLENTY, param)
}

fn chase_loop(scale: Scale) -> Result<Prepared, String> {
    let (pages, loads) = scale.pick((max_pages(), 4 << 20), (max_pages(), 1 << 20), (1, 1000));
    let param = format!(
        "a cell every 64 bytes of {pages} pages, shuffled in the call, then {loads} loads; {}",
        memory_charge(pages)
    );
    warm_call(attacks::chase_loop(pages, 64, loads, 7), PLENTY, param)
}

/// Calls the storage-write contract with a fresh nonce every run.
fn writes_on(storage: Arc<dyn Storage>, writes: u32, cleanup: Option<TempDir>) -> Result<Run, String> {
    let rt = runtime()?;
    let contract = deploy(&rt, &storage, attacks::storage_writes(writes, params().limits.max_value_len))?;
    let mut nonce = 0u32;
    Ok(Box::new(move || {
        let _keep = &cleanup;
        nonce += 1;
        let req = call_request(contract, METHOD, nonce.to_le_bytes().to_vec(), PLENTY);
        let (result, ns) = timed(|| rt.call(&storage, &req));
        ok(result, ns)
    }))
}

fn write_count(scale: Scale) -> u32 {
    scale.pick(1024, 64, 2)
}

fn writes_memory(scale: Scale) -> Result<Prepared, String> {
    let writes = write_count(scale);
    let param = format!("{writes} writes of 64 KiB values (the largest) in one call, MemoryStorage");
    Ok(Prepared { param, run: writes_on(memory_storage(), writes, None)? })
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn writes_redb(scale: Scale) -> Result<Prepared, String> {
    let writes = write_count(scale);
    let dir = std::env::temp_dir().join(format!("tally-tpg-{}-{writes}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dir = TempDir(dir);
    let storage: Arc<dyn Storage> =
        Arc::new(RedbStorage::open(dir.0.join("state.redb")).map_err(|e| format!("redb: {e}"))?);
    let param = format!("{writes} writes of 64 KiB values in one call, RedbStorage (one durable commit)");
    Ok(Prepared { param, run: writes_on(storage, writes, Some(dir))? })
}

fn loop_iterations(scale: Scale) -> u32 {
    scale.pick(100_000, 20_000, 10)
}

fn div_subnormal(scale: Scale) -> Result<Prepared, String> {
    let n = loop_iterations(scale);
    let code = attacks::div_chain(n, attacks::SUBNORMAL);
    warm_call(code, PLENTY, format!("{n} × 16 (x / 3) × 3, x subnormal"))
}

fn div_normal(scale: Scale) -> Result<Prepared, String> {
    let n = loop_iterations(scale);
    warm_call(attacks::div_chain(n, attacks::NORMAL), PLENTY, format!("{n} × 16 (x / 3) × 3, x = 1.5 (control)"))
}

fn sqrt_subnormal(scale: Scale) -> Result<Prepared, String> {
    let n = loop_iterations(scale);
    warm_call(attacks::sqrt_sum(n, attacks::SUBNORMAL), PLENTY, format!("{n} × 16 sqrt of a subnormal"))
}

fn sqrt_normal(scale: Scale) -> Result<Prepared, String> {
    let n = loop_iterations(scale);
    warm_call(attacks::sqrt_sum(n, attacks::NORMAL), PLENTY, format!("{n} × 16 sqrt of 1.5 (control)"))
}

fn convert_edges(scale: Scale) -> Result<Prepared, String> {
    let n = loop_iterations(scale);
    warm_call(attacks::convert_edges(n), PLENTY, format!("{n} × 12 conversions at range edges"))
}

fn call_indirect(scale: Scale) -> Result<Prepared, String> {
    // 16,384 functions is the largest power of two whose module fits the code size limit.
    let (n, functions) = scale.pick((200_000, 16_384), (50_000, 16_384), (10, 4));
    let param = format!("{n} calls to one of {functions} functions, picked at random");
    warm_call(attacks::call_indirect_loop(n, functions), PLENTY, param)
}

fn br_table_loop(scale: Scale) -> Result<Prepared, String> {
    // Two targets: the cheapest `br_table`, mispredicted half the time.
    let (n, targets) = scale.pick((200_000, 2), (50_000, 2), (10, 2));
    let param = format!("{n} br_table jumps to one of {targets} targets, picked at random");
    warm_call(attacks::br_table_loop(n, targets), PLENTY, param)
}

/// Every scenario, in report order.
pub fn all() -> Vec<Scenario> {
    let s = |name, group, setup| Scenario { name, group, setup };
    vec![
        s("tables-one", 1, tables_one as fn(Scale) -> Result<Prepared, String>),
        s("tables-many", 1, tables_many),
        s("elem-spread-one", 2, elem_spread_one),
        s("elem-spread-max", 2, elem_spread_max),
        s("cold-tiny", 3, cold_tiny),
        s("cold-large", 3, cold_large),
        s("cold-large-nested", 3, cold_large_nested),
        s("cold-large-missing", 3, cold_large_missing),
        s("cold-large-missing-nested", 3, cold_large_missing_nested),
        s("cold-locals", 3, cold_locals),
        s("cold-locals-nested", 3, cold_locals_nested),
        s("cold-locals-missing", 3, cold_locals_missing),
        s("cold-locals-missing-nested", 3, cold_locals_missing_nested),
        s("cache-cycle", 4, cache_cycle),
        s("cache-warm", 4, cache_warm),
        s("globals", 5, globals),
        s("elem-segment", 5, elem_big),
        s("deploy-gas1-large", 6, deploy_gas1_large),
        s("deploy-gas1-locals", 6, deploy_gas1_locals),
        s("deploy-locals", 7, deploy_locals),
        s("deploy-small-functions", 7, deploy_small_functions),
        s("deploy-globals", 7, deploy_globals),
        s("deploy-br-table", 7, deploy_br_table),
        s("deploy-large", 7, deploy_large),
        s("chase-data", 8, chase_data),
        s("chase-loop", 8, chase_loop),
        s("writes-memory", 9, writes_memory),
        s("writes-redb", 9, writes_redb),
        s("div-subnormal", 10, div_subnormal),
        s("div-normal", 10, div_normal),
        s("sqrt-subnormal", 10, sqrt_subnormal),
        s("sqrt-normal", 10, sqrt_normal),
        s("convert-edges", 10, convert_edges),
        s("call-indirect", 10, call_indirect),
        s("br-table-loop", 10, br_table_loop),
    ]
}

/// The guest programs' module: from the file named by `TALLY_TPG_GUESTS` if set, else built by
/// `tally_guests::build` (needs the `wasm32-unknown-unknown` target).
pub fn guests_wasm() -> Result<Vec<u8>, String> {
    match std::env::var_os("TALLY_TPG_GUESTS") {
        Some(path) => std::fs::read(&path).map_err(|e| format!("{}: {e}", PathBuf::from(path).display())),
        None => tally_guests::build::wasm_bytes().map_err(|e| e.to_string()),
    }
}

/// The guest workloads of the baseline set and their arguments (each run takes about 1 ms).
pub const GUEST_WORKLOADS: [(&str, i32); 5] =
    [("fib", 22), ("keccak", 30), ("sieve", 100_000), ("ledger", 20_000), ("matmul", 40)];

/// One guest export, instrumented with the default schedule and instantiated once on tally-vm:
/// each run resets the gas, calls it and reports the gas used.
fn guest_baseline(instrumented: &[u8], export: &str, arg: i32) -> Result<Baseline, String> {
    let schedule = &params().schedule;
    let engine = tally_vm::Engine::new(params().vm_config());
    let module = tally_vm::Module::new(&engine, instrumented).map_err(|e| format!("guests: {e}"))?;
    let mut store = tally_vm::Store::new(&engine, ());
    store.set_stack_budget(u64::from(schedule.stack.budget));
    let instance =
        tally_vm::Linker::<()>::new(&engine).instantiate(&mut store, &module).map_err(|e| format!("guests: {e}"))?;
    let func = instance.get_func(&store, export).ok_or_else(|| format!("guests: no export {export}"))?;
    let mut results = [tally_vm::Val::I32(0)];
    let run: Run = Box::new(move || {
        store.set_gas(PLENTY);
        let (result, ns) = timed(|| func.call(&mut store, &[tally_vm::Val::I32(arg)], &mut results));
        result.map_err(|e| e.to_string())?;
        Ok(Sample::new(PLENTY - store.gas(), ns))
    });
    Ok(Baseline { name: format!("{export}({arg})"), run })
}

/// The baseline set: the guest workloads (when `guests` is given) on tally-vm with the gas
/// injector, and an arithmetic loop called through a [`Runtime`].
pub fn baselines(scale: Scale, guests: Option<&[u8]>) -> Result<Vec<Baseline>, String> {
    let mut set = Vec::new();
    if let Some(wasm) = guests {
        let instrumented =
            tally_gas_injector::instrument(wasm, &params().schedule).map_err(|e| format!("guests: {e}"))?;
        for (export, arg) in GUEST_WORKLOADS {
            set.push(guest_baseline(&instrumented, export, arg)?);
        }
    }
    let iterations = scale.pick(100_000, 100_000, 100);
    let arith = warm_call(attacks::arith_loop(iterations), PLENTY, String::new())?;
    set.push(Baseline { name: format!("arith-loop({iterations})"), run: arith.run });
    Ok(set)
}
