//! Groups 1 to 10: issue 10's attacks on instantiation (tables, element segments, globals,
//! functions), cold code loads and the code cache, deploys, gas limit 1, pointer chases,
//! storage writes, subnormal floats, integer division, conversions, `call_indirect` and
//! `br_table`.

use std::sync::Arc;

use tally_host_env::{Address, Status, Storage};

use super::*;
use crate::attacks::{self, METHOD};
use crate::tpg::{timed, Run};

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

fn tables_one(scale: Scale) -> Setup {
    let elements = scale.pick(1_000_000, 1_000_000, 1000);
    let param = format!("1 table × {elements} funcref, gas limit {SMALL_LIMIT}");
    warm_call(attacks::tables(1, elements), SMALL_LIMIT, param)
}

fn tables_many(scale: Scale) -> Setup {
    // The limits allow 100,000 tables (wasmparser's count; 500 KB of code), 800 GiB of slots:
    // more than this machine holds, so the row measures a tenth of that.
    let (count, elements) = scale.pick((10_000, max_table()), (1000, max_table()), (2, 1000));
    let param = format!(
        "{count} tables × {elements} funcref ({} MiB of slots, {} bytes of code), gas limit {SMALL_LIMIT}",
        (u64::from(count) * u64::from(elements) * 8) >> 20,
        attacks::tables(count, elements).len()
    );
    warm_call(attacks::tables(count, elements), SMALL_LIMIT, param)
}

fn elem_spread_one(scale: Scale) -> Setup {
    let elements = scale.pick(max_table(), max_table(), 4096);
    let code = attacks::elem_spread(1, elements, 512);
    let param = format!("1 table × {elements}, a 1-item segment every 512 slots (4 KiB), {}", kib(code.len()));
    warm_call(code, PLENTY, param)
}

fn tables_at_limit(scale: Scale) -> Setup {
    let elements = scale.pick(limits().table_elements, limits().table_elements, 100);
    let param = format!("1 table × {elements} funcref (`tables`, `table_elements`), empty method");
    warm_call(attacks::tables(1, elements), PLENTY, param)
}

fn elem_spread_at_limit(scale: Scale) -> Setup {
    let elements = scale.pick(limits().table_elements, limits().table_elements, 100);
    let stride = elements.div_ceil(limits().elem_segments);
    let code = attacks::elem_spread(1, elements, stride);
    let param = format!(
        "1 table × {elements}, {} one-item segments, one every {stride} slots (`elem_segments`), {}",
        elements.div_ceil(stride),
        kib(code.len())
    );
    warm_call(code, PLENTY, param)
}

fn cold_tiny(_: Scale) -> Setup {
    cold_call(vec![attacks::nop()], direct, METHOD, Expect::Ok, "an empty contract (control)".into())
}

fn cold_large(scale: Scale) -> Setup {
    let code = large_ordinary(scale);
    let param = format!("{} of ordinary code, top-level", kib(code.len()));
    cold_call(vec![code], direct, METHOD, Expect::Ok, param)
}

fn cold_large_nested(scale: Scale) -> Setup {
    let code = large_ordinary(scale);
    let param = format!("{} of ordinary code, called by a contract", kib(code.len()));
    cold_call(vec![code], nested_run, METHOD, Expect::NestedStatus(0), param)
}

fn cold_large_missing(scale: Scale) -> Setup {
    let code = large_ordinary(scale);
    let param = format!("{}, top-level call of a missing method", kib(code.len()));
    cold_call(vec![code], direct, MISSING, Expect::Status(Status::NoSuchMethod), param)
}

fn cold_large_missing_nested(scale: Scale) -> Setup {
    let code = large_ordinary(scale);
    let param = format!("{}, nested call of a missing method", kib(code.len()));
    cold_call(vec![code], nested_missing, METHOD, Expect::NestedStatus(6), param)
}

/// The SDK's example token (`TALLY_TPG_TOKEN` or built), without its name section as deployed:
/// an ordinary contract's cold load, against which the worst shapes' loads are priced.
fn cold_token(_: Scale) -> Setup {
    let what = "the SDK example token";
    let code = with_param(token_wasm(), what)?;
    let code = tally_sdk_testing::strip_names(&code);
    let param = format!("{what} ({}), top-level call of a missing method", kib(code.len()));
    cold_call(vec![code], direct, MISSING, Expect::Status(Status::NoSuchMethod), param)
}

fn cold_locals(scale: Scale) -> Setup {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals, {}, top-level", max_locals(), kib(code.len()));
    cold_call(vec![code], direct, METHOD, Expect::Ok, param)
}

fn cold_locals_nested(scale: Scale) -> Setup {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals, {}, called by a contract", max_locals(), kib(code.len()));
    cold_call(vec![code], nested_run, METHOD, Expect::NestedStatus(0), param)
}

fn cold_locals_missing(scale: Scale) -> Setup {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals, top-level call of a missing method", max_locals());
    cold_call(vec![code], direct, MISSING, Expect::Status(Status::NoSuchMethod), param)
}

fn cold_locals_missing_nested(scale: Scale) -> Setup {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals, nested call of a missing method", max_locals());
    cold_call(vec![code], nested_missing, METHOD, Expect::NestedStatus(6), param)
}

/// The most locals the limits allow: `locals` over all functions, `locals_per_function` each.
fn locals_at_limit(scale: Scale) -> (Vec<u8>, String) {
    let (total, per) = match scale {
        Scale::Tiny => (2000, 1000),
        _ => (limits().locals, limits().locals_per_function),
    };
    let code = attacks::locals_total(total, per);
    let text = format!(
        "{total} i64 locals, {per} per function ({} functions), {} (`locals`, `locals_per_function`)",
        total.div_ceil(per),
        kib(code.len())
    );
    (code, text)
}

/// The most functions the limits allow (the method and empty functions).
fn functions_at_limit(scale: Scale) -> (Vec<u8>, String) {
    let functions = scale.pick(limits().functions, limits().functions, 100);
    let code = attacks::small_functions(functions - 1);
    (code.clone(), format!("{functions} empty functions, {} (`functions`)", kib(code.len())))
}

fn cold_locals_at_limit(scale: Scale) -> Setup {
    let (code, text) = locals_at_limit(scale);
    cold_call(vec![code], direct, METHOD, Expect::Ok, format!("{text}, top-level"))
}

fn cold_small_functions_at_limit(scale: Scale) -> Setup {
    let (code, text) = functions_at_limit(scale);
    cold_call(vec![code], direct, METHOD, Expect::Ok, format!("{text}, top-level"))
}

fn cold_globals_at_limit(scale: Scale) -> Setup {
    let count = scale.pick(limits().globals, limits().globals, 10);
    let code = attacks::globals(count);
    let param = format!("{count} mutable i64 globals, {} (`globals`), top-level", kib(code.len()));
    cold_call(vec![code], direct, METHOD, Expect::Ok, param)
}

/// Deploys `count` distinct copies of ordinary code and calls them round-robin, through a
/// runtime whose code cache holds `cache_bytes` (the default if `None`); with more copies than
/// the cache holds, every call misses (it evicts the least recently used first).
fn cache_round_robin(count: u32, code_bytes: usize, cache_bytes: Option<usize>) -> Result<(Run, usize), String> {
    let rt = match cache_bytes {
        Some(bytes) => runtime_with_cache(bytes)?,
        None => runtime()?,
    };
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

/// The small code cache of `cache-cycle`.
const SMALL_CACHE: usize = 1 << 20;

fn cache_cycle(scale: Scale) -> Setup {
    let (count, bytes) = scale.pick((300, 64 << 10), (300, 16 << 10), (3, 2000));
    let (run, len) = cache_round_robin(count, bytes, Some(SMALL_CACHE))?;
    let param = format!(
        "{count} contracts of {} each, round-robin, through a cache of {} MiB (least recently used out)",
        kib(len),
        SMALL_CACHE >> 20
    );
    Ok(Prepared { param, run })
}

fn cache_warm(scale: Scale) -> Setup {
    let bytes = scale.pick(64 << 10, 16 << 10, 2000);
    let (run, len) = cache_round_robin(1, bytes, None)?;
    Ok(Prepared { param: format!("the same {} contract every call (cache hit; control)", kib(len)), run })
}

fn globals(scale: Scale) -> Setup {
    let count = match scale {
        Scale::Tiny => 1000,
        _ => attacks::largest_fitting(1, 1_000_000, max_code(), attacks::globals),
    };
    let code = attacks::globals(count);
    let param = format!("{count} mutable i64 globals ({}: code size binds)", kib(code.len()));
    warm_call(code, SMALL_LIMIT, param)
}

fn globals_at_limit(scale: Scale) -> Setup {
    // Every kind of global costs the same to instantiate: one boxed cell, its initializer a
    // constant, a function or a global looked up by index (tally-vm's `instantiate`).
    let count = scale.pick(limits().globals, limits().globals, 10);
    warm_call(attacks::globals(count), PLENTY, format!("{count} mutable i64 globals (`globals`), empty method"))
}

fn instantiate_functions_at_limit(scale: Scale) -> Setup {
    let (code, text) = functions_at_limit(scale);
    warm_call(code, PLENTY, format!("{text}, empty method"))
}

/// Nested calls of `functions-at-limit` per transaction.
const REPEATS: u32 = 100;

/// A caller contract that calls the method `run` of the last deployed contract [`REPEATS`] times.
fn nested_repeat(addresses: &[Address]) -> Vec<u8> {
    attacks::caller_loop(&addresses[addresses.len() - 1].0, METHOD, REPEATS)
}

fn instantiate_functions_repeated(scale: Scale) -> Setup {
    let (code, text) = functions_at_limit(scale);
    // Through the default cache, as `warm_call`: only the frames' instantiation repeats.
    let rt = with_param(runtime(), &text)?;
    let storage = memory_storage();
    let callee = with_param(deploy(&rt, &storage, code), &text)?;
    let caller = with_param(deploy(&rt, &storage, nested_repeat(&[callee])), &text)?;
    let req = call_request(caller, METHOD, Vec::new(), PLENTY);
    let param = format!("{text}, called {REPEATS} times by a contract in one transaction (its code loaded once)");
    Ok(Prepared {
        param,
        run: Box::new(move || {
            let (result, ns) = timed(|| rt.call(&storage, &req));
            Expect::NestedStatus(0).check(result, ns)
        }),
    })
}

fn elem_big(scale: Scale) -> Setup {
    let items = match scale {
        Scale::Tiny => 1000,
        _ => attacks::largest_fitting(1, max_table(), max_code(), attacks::elem_segment),
    };
    let code = attacks::elem_segment(items);
    let param = format!("one segment of {items} items into a table of {items} ({})", kib(code.len()));
    warm_call(code, PLENTY, param)
}

fn deploy_gas1_large(scale: Scale) -> Setup {
    let code = large_ordinary(scale);
    let param = format!("{} of ordinary code, gas limit 1", kib(code.len()));
    fresh_deploy(code, 1, Status::OutOfGas, param)
}

fn deploy_gas1_locals(scale: Scale) -> Setup {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals ({}), gas limit 1", max_locals(), kib(code.len()));
    fresh_deploy(code, 1, Status::OutOfGas, param)
}

fn call_gas1(_: Scale) -> Setup {
    let param = "an empty contract, gas limit 1 (control: the call's own charge fails)".to_string();
    warm_call_expecting(attacks::nop(), 1, Expect::Status(Status::OutOfGas), param)
}

fn deploy_locals(scale: Scale) -> Setup {
    let (code, functions) = large_locals(scale);
    let param = format!("{functions} functions × {} locals ({})", max_locals(), kib(code.len()));
    fresh_deploy(code, PLENTY, Status::Ok, param)
}

fn deploy_small_functions(scale: Scale) -> Setup {
    let count = match scale {
        Scale::Tiny => 100,
        _ => attacks::largest_fitting(1, 1_000_000, max_code(), attacks::small_functions),
    };
    let code = attacks::small_functions(count);
    fresh_deploy(code.clone(), PLENTY, Status::Ok, format!("{count} empty functions ({})", kib(code.len())))
}

fn deploy_globals(scale: Scale) -> Setup {
    let count = match scale {
        Scale::Tiny => 100,
        _ => attacks::largest_fitting(1, 1_000_000, max_code(), attacks::globals),
    };
    let code = attacks::globals(count);
    fresh_deploy(code.clone(), PLENTY, Status::Ok, format!("{count} globals ({})", kib(code.len())))
}

fn deploy_br_table(scale: Scale) -> Setup {
    let targets = match scale {
        Scale::Tiny => 100,
        _ => attacks::largest_fitting(1, 4_000_000, max_code(), attacks::br_table),
    };
    let code = attacks::br_table(targets);
    fresh_deploy(code.clone(), PLENTY, Status::Ok, format!("one br_table of {targets} targets ({})", kib(code.len())))
}

fn deploy_large(scale: Scale) -> Setup {
    let code = large_ordinary(scale);
    let param = format!("{} of ordinary code (control)", kib(code.len()));
    fresh_deploy(code, PLENTY, Status::Ok, param)
}

fn deploy_locals_at_limit(scale: Scale) -> Setup {
    let (code, text) = locals_at_limit(scale);
    fresh_deploy(code, PLENTY, Status::Ok, text)
}

fn deploy_small_functions_at_limit(scale: Scale) -> Setup {
    let (code, text) = functions_at_limit(scale);
    fresh_deploy(code, PLENTY, Status::Ok, text)
}

fn deploy_globals_at_limit(scale: Scale) -> Setup {
    let count = scale.pick(limits().globals, limits().globals, 10);
    let code = attacks::globals(count);
    fresh_deploy(code.clone(), PLENTY, Status::Ok, format!("{count} globals, {} (`globals`)", kib(code.len())))
}

fn deploy_br_table_at_limit(scale: Scale) -> Setup {
    let targets = scale.pick(limits().br_table_targets, limits().br_table_targets, 100);
    let code = attacks::br_table(targets);
    let param = format!("one br_table of {targets} targets, {} (`br_table_targets`)", kib(code.len()));
    fresh_deploy(code, PLENTY, Status::Ok, param)
}

fn deploy_br_tables_at_limit(scale: Scale) -> Setup {
    let targets = scale.pick(limits().br_table_targets, limits().br_table_targets, 100);
    let (per_body, count) = match scale {
        Scale::Tiny => (2, 3),
        _ => {
            // Each `br_table` takes more than `targets` bytes, which bounds both searches.
            let body = limits().body_size as usize;
            let per_body =
                attacks::largest_fitting(1, limits().body_size / targets, body, |n| attacks::br_tables(n, n, targets));
            let most = (max_code() as u32 / targets).min(per_body.saturating_mul(limits().functions - 1));
            let count = attacks::largest_fitting(1, most, max_code(), |n| attacks::br_tables(n, per_body, targets));
            (per_body, count)
        }
    };
    let code = attacks::br_tables(count, per_body, targets);
    let param = format!(
        "{count} br_tables of {targets} targets, {per_body} per function, {} (`br_table_targets`, `body_size`, \
         code size)",
        kib(code.len())
    );
    fresh_deploy(code, PLENTY, Status::Ok, param)
}

/// What instantiating `pages` of memory costs, in words.
fn memory_charge(pages: u32) -> String {
    let gas = u64::from(pages) * params().schedule.dynamic.memory_grow_per_page;
    format!("the memory costs {} gas of it", crate::tpg::format_gas(gas))
}

fn chase_data(scale: Scale) -> Setup {
    let (pages, loads) = scale.pick((max_pages(), 4 << 20), (max_pages(), 1 << 20), (1, 1000));
    let nodes = match scale {
        Scale::Tiny => 100,
        _ => attacks::largest_fitting(2, max_data_segments(), max_code(), |n| attacks::chase_data(pages, n, 32, 3)),
    };
    let code = attacks::chase_data(pages, nodes, loads, 3);
    let param = format!(
        "{loads} loads over {nodes} cells in {pages} pages, one data segment per cell ({}); {}",
        kib(code.len()),
        memory_charge(pages)
    );
    warm_call(code, PLENTY, param)
}

fn chase_loop(scale: Scale) -> Setup {
    chase_loop_over(scale, max_pages())
}

/// `chase-loop` over a smaller memory, with the same number of loads.
fn chase_loop_over(scale: Scale, pages: u32) -> Setup {
    let (pages, loads) = scale.pick((pages, 4 << 20), (pages, 1 << 20), (1, 1000));
    let size = match pages {
        1 => "1 page (64 KiB)".to_string(),
        _ if pages < 16 => format!("{pages} pages ({} KiB)", pages * 64),
        _ => format!("{pages} pages ({} MiB)", pages / 16),
    };
    let param =
        format!("a cell every 64 bytes of {size}, shuffled in the call, then {loads} loads; {}", memory_charge(pages));
    warm_call(attacks::chase_loop(pages, 64, loads, 7), PLENTY, param)
}

/// `chase-loop` over a memory of `PAGES` pages (one scenario per cache level).
fn chase_loop_in<const PAGES: u32>(scale: Scale) -> Setup {
    chase_loop_over(scale, PAGES)
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

fn writes_memory(scale: Scale) -> Setup {
    let writes = write_count(scale);
    let param = format!("{writes} writes of 64 KiB values (the largest) in one call, MemoryStorage");
    Ok(Prepared { param, run: writes_on(memory_storage(), writes, None)? })
}

fn writes_redb(scale: Scale) -> Setup {
    let writes = write_count(scale);
    let (storage, dir) = redb_storage(&format!("writes-{writes}"))?;
    let param = format!("{writes} writes of 64 KiB values in one call, RedbStorage (one durable commit)");
    Ok(Prepared { param, run: writes_on(storage, writes, Some(dir))? })
}

fn div_subnormal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let code = attacks::div_chain(n, attacks::SUBNORMAL);
    warm_call(code, PLENTY, format!("{n} × 16 (x / 3) × 3, x subnormal"))
}

fn div_normal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::div_chain(n, attacks::NORMAL), PLENTY, format!("{n} × 16 (x / 3) × 3, x = 1.5 (control)"))
}

fn sqrt_subnormal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::sqrt_sum(n, attacks::SUBNORMAL), PLENTY, format!("{n} × 16 sqrt of a subnormal"))
}

fn sqrt_normal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::sqrt_sum(n, attacks::NORMAL), PLENTY, format!("{n} × 16 sqrt of 1.5 (control)"))
}

fn add_subnormal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::add_chain(n, attacks::SUBNORMAL), PLENTY, format!("{n} × 16 (x + s) − s, x and s subnormal"))
}

fn add_normal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::add_chain(n, attacks::NORMAL), PLENTY, format!("{n} × 16 (x + s) − s, x = 1.5 (control)"))
}

fn mul_normal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::mul_chain(n, attacks::NORMAL), PLENTY, format!("{n} × 16 (x × 2) × 0.5, x = 1.5 (control)"))
}

fn mul_subnormal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::mul_chain(n, attacks::SUBNORMAL), PLENTY, format!("{n} × 16 (x × 2) × 0.5, x subnormal"))
}

fn f32_div_subnormal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let code = attacks::f32_div_chain(n, attacks::F32_SUBNORMAL);
    warm_call(code, PLENTY, format!("{n} × 16 f32 (x / 0.5) / 2, x subnormal"))
}

fn f32_sqrt_subnormal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let code = attacks::f32_sqrt_sum(n, attacks::F32_SUBNORMAL);
    warm_call(code, PLENTY, format!("{n} × 16 f32.sqrt of a subnormal"))
}

fn float_mix_subnormal(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let param = format!("{n} × 16 statements: f64 and f32 add, mul, div chains and sqrt, all on subnormals");
    warm_call(attacks::float_mix(n), PLENTY, param)
}

fn div_subnormal_result(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let code = attacks::underflow_chain(n, attacks::Shrink::Div, attacks::UNDERFLOW_EXPONENT);
    warm_call(code, PLENTY, format!("{n} × 16 x / 2^40, x ≈ 2^-1000 normal, the result subnormal"))
}

fn div_normal_result(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let code = attacks::underflow_chain(n, attacks::Shrink::Div, attacks::NORMAL_EXPONENT);
    warm_call(code, PLENTY, format!("{n} × 16 x / 2^40, x ≈ 2^-900, the result normal (control)"))
}

fn mul_subnormal_result(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    let code = attacks::underflow_chain(n, attacks::Shrink::Mul, attacks::UNDERFLOW_EXPONENT);
    warm_call(code, PLENTY, format!("{n} × 16 x × 2^-40, x ≈ 2^-1000 normal, the result subnormal"))
}

fn i64_div(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::i64_div_chain(n), PLENTY, format!("{n} × 16 i64 (x / 3) × 3, x = 3^39 (control)"))
}

fn convert_edges(scale: Scale) -> Setup {
    let n = loop_iterations(scale);
    warm_call(attacks::convert_edges(n), PLENTY, format!("{n} × 12 conversions at range edges"))
}

fn call_indirect(scale: Scale) -> Setup {
    // 16,384 functions is the largest power of two whose module fits the code size limit.
    let (n, functions) = scale.pick((200_000, 16_384), (50_000, 16_384), (10, 4));
    let param = format!("{n} calls to one of {functions} functions, picked at random");
    warm_call(attacks::call_indirect_loop(n, functions), PLENTY, param)
}

fn call_indirect_at_limit(scale: Scale) -> Setup {
    // Ten times `call-indirect`'s calls: the call pays for loading 4097 functions (6.1 G gas),
    // which the loop's gas must dwarf.
    let (n, functions) = scale.pick((2_000_000, limits().table_elements), (500_000, limits().table_elements), (10, 4));
    let param = format!("{n} calls to one of {functions} functions, picked at random (`table_elements`)");
    warm_call(attacks::call_indirect_loop(n, functions), PLENTY, param)
}

fn br_table_loop(scale: Scale) -> Setup {
    // Two targets: the cheapest `br_table`, mispredicted half the time.
    let (n, targets) = scale.pick((200_000, 2), (50_000, 2), (10, 2));
    let param = format!("{n} br_table jumps to one of {targets} targets, picked at random");
    warm_call(attacks::br_table_loop(n, targets), PLENTY, param)
}

/// The scenarios of groups 1 to 10 (issue 10's list), in report order.
pub(super) fn scenarios() -> Vec<Scenario> {
    // `s`: runs under the current limits; `r`: refused at deploy at its full size.
    let s = |name, group, setup| Scenario { name, group, refused: false, setup };
    let r = |name, group, setup| Scenario { name, group, refused: true, setup };
    vec![
        r("tables-one", 1, tables_one as fn(Scale) -> Setup),
        r("tables-many", 1, tables_many),
        s("tables-at-limit", 1, tables_at_limit),
        s("elem-spread-one", 2, elem_spread_one),
        s("elem-spread-at-limit", 2, elem_spread_at_limit),
        s("cold-tiny", 3, cold_tiny),
        s("cold-large", 3, cold_large),
        s("cold-large-nested", 3, cold_large_nested),
        s("cold-large-missing", 3, cold_large_missing),
        s("cold-large-missing-nested", 3, cold_large_missing_nested),
        s("cold-token", 3, cold_token),
        r("cold-locals", 3, cold_locals),
        r("cold-locals-nested", 3, cold_locals_nested),
        r("cold-locals-missing", 3, cold_locals_missing),
        r("cold-locals-missing-nested", 3, cold_locals_missing_nested),
        s("cold-locals-at-limit", 3, cold_locals_at_limit),
        s("cold-small-functions-at-limit", 3, cold_small_functions_at_limit),
        s("cold-globals-at-limit", 3, cold_globals_at_limit),
        s("cache-cycle", 4, cache_cycle),
        s("cache-warm", 4, cache_warm),
        r("globals", 5, globals),
        s("globals-at-limit", 5, globals_at_limit),
        s("elem-segment", 5, elem_big),
        s("functions-at-limit", 5, instantiate_functions_at_limit),
        s("functions-at-limit-repeated", 5, instantiate_functions_repeated),
        s("deploy-gas1-large", 6, deploy_gas1_large),
        s("deploy-gas1-locals", 6, deploy_gas1_locals),
        s("call-gas1", 6, call_gas1),
        r("deploy-locals", 7, deploy_locals),
        r("deploy-small-functions", 7, deploy_small_functions),
        r("deploy-globals", 7, deploy_globals),
        r("deploy-br-table", 7, deploy_br_table),
        s("deploy-large", 7, deploy_large),
        s("deploy-locals-at-limit", 7, deploy_locals_at_limit),
        s("deploy-small-functions-at-limit", 7, deploy_small_functions_at_limit),
        s("deploy-globals-at-limit", 7, deploy_globals_at_limit),
        s("deploy-br-table-at-limit", 7, deploy_br_table_at_limit),
        s("deploy-br-tables-at-limit", 7, deploy_br_tables_at_limit),
        s("chase-data", 8, chase_data),
        s("chase-loop", 8, chase_loop),
        s("chase-loop-1-page", 8, chase_loop_in::<1>),
        s("chase-loop-4-pages", 8, chase_loop_in::<4>),
        s("chase-loop-8-pages", 8, chase_loop_in::<8>),
        s("chase-loop-12-pages", 8, chase_loop_in::<12>),
        s("chase-loop-16-pages", 8, chase_loop_in::<16>),
        s("chase-loop-64-pages", 8, chase_loop_in::<64>),
        s("chase-loop-96-pages", 8, chase_loop_in::<96>),
        s("chase-loop-128-pages", 8, chase_loop_in::<128>),
        s("writes-memory", 9, writes_memory),
        s("writes-redb", 9, writes_redb),
        s("div-subnormal", 10, div_subnormal),
        s("div-normal", 10, div_normal),
        s("sqrt-subnormal", 10, sqrt_subnormal),
        s("sqrt-normal", 10, sqrt_normal),
        s("add-subnormal", 10, add_subnormal),
        s("add-normal", 10, add_normal),
        s("mul-subnormal", 10, mul_subnormal),
        s("mul-normal", 10, mul_normal),
        s("f32-div-subnormal", 10, f32_div_subnormal),
        s("f32-sqrt-subnormal", 10, f32_sqrt_subnormal),
        s("float-mix-subnormal", 10, float_mix_subnormal),
        s("div-subnormal-result", 10, div_subnormal_result),
        s("div-normal-result", 10, div_normal_result),
        s("mul-subnormal-result", 10, mul_subnormal_result),
        s("i64-div", 10, i64_div),
        s("convert-edges", 10, convert_edges),
        r("call-indirect", 10, call_indirect),
        s("call-indirect-at-limit", 10, call_indirect_at_limit),
        s("br-table-loop", 10, br_table_loop),
    ]
}
