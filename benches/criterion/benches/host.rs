//! Issue 4 benchmarks: host-call overhead, token-transfer throughput on both storage backends,
//! and the cold-call latency of a ~8 KB contract (load + instrument + translate + instantiate +
//! call) against wasmi 2 eager.
//!
//! `cargo bench -p tally-criterion --bench host`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tally_host_env::{
    Address, BlockContext, CallRequest, DeployRequest, MemoryStorage, Params, RedbStorage, Runtime, Status, Storage,
};

/// Host calls per benchmark iteration.
const CALLS: i32 = 10_000;

/// A loop of `CALLS` calls to an imported `() -> i64` function, summed.
fn host_loop(module: &str, name: &str) -> String {
    format!(
        r#"(module
  (import "{module}" "{name}" (func $f (result i64)))
  (memory (export "memory") 1)
  (func (export "run") (param $n i32) (result i64) (local $acc i64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc) (call $f)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "method") (drop (call $run_inner)))
  (func $run_inner (result i64) (local $n i32) (local $acc i64)
    (local.set $n (i32.const {CALLS}))
    (loop $l
      (local.set $acc (i64.add (local.get $acc) (call $f)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc)))"#
    )
}

fn host_calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("host_call");
    group.throughput(Throughput::Elements(CALLS as u64));

    // The bare VM mechanism: a typed host function returning a constant.
    let wasm = wat::parse_str(host_loop("env", "f")).expect("wat");
    let engine = tally_vm::Engine::new(tally_vm::Config::default());
    let module = tally_vm::Module::new(&engine, &wasm).expect("tally module");
    let mut linker = tally_vm::Linker::<u64>::new(&engine);
    linker.func_wrap("env", "f", |c: tally_vm::Caller<'_, u64>| -> i64 { *c.data() as i64 }).expect("define");
    let mut store = tally_vm::Store::new(&engine, 1u64);
    let instance = linker.instantiate(&mut store, &module).expect("instantiate");
    let run = instance.get_typed_func::<i32, i64>(&store, "run").expect("run");
    group.bench_function("tally", |b| b.iter(|| run.call(&mut store, black_box(CALLS)).expect("call")));

    let wengine = wasmi::Engine::default();
    let wmodule = wasmi::Module::new(&wengine, &wasm).expect("wasmi module");
    let mut wlinker = wasmi::Linker::<u64>::new(&wengine);
    wlinker.func_wrap("env", "f", |c: wasmi::Caller<'_, u64>| -> i64 { *c.data() as i64 }).expect("define");
    let mut wstore = wasmi::Store::new(&wengine, 1u64);
    let winstance = wlinker.instantiate_and_start(&mut wstore, &wmodule).expect("instantiate");
    let wrun = winstance.get_typed_func::<i32, i64>(&wstore, "run").expect("run");
    group.bench_function("wasmi", |b| b.iter(|| wrun.call(&mut wstore, black_box(CALLS)).expect("call")));

    // Through the host ABI and the full pipeline (gas_left charges and is recorded per call):
    // one contract call per iteration, so instantiation is included, amortized over CALLS.
    let rt = Runtime::new(Params::default()).expect("runtime");
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let code = wat::parse_str(host_loop("tally_host_v1", "gas_left")).expect("wat");
    let contract = deploy(&rt, &storage, code);
    let req = call_request(contract, "method", vec![]);
    group.bench_function("tally-abi", |b| {
        b.iter(|| {
            let r = rt.call(&storage, &req).expect("call");
            assert_eq!(r.status, Status::Ok);
        })
    });
    group.finish();
}

fn deploy(rt: &Runtime, storage: &Arc<dyn Storage>, code: Vec<u8>) -> Address {
    let d = rt
        .deploy(
            storage,
            &DeployRequest {
                code,
                deployer: Address([1; 32]),
                init: None,
                input: vec![],
                gas_limit: u64::MAX / 4,
                context: BlockContext::default(),
            },
        )
        .expect("deploy");
    assert_eq!(d.receipt.status, Status::Ok);
    d.address
}

fn call_request(contract: Address, method: &str, input: Vec<u8>) -> CallRequest {
    CallRequest {
        contract,
        method: method.into(),
        input,
        caller: Address([0xca; 32]),
        gas_limit: 100_000_000_000,
        context: BlockContext::default(),
    }
}

fn transfers(c: &mut Criterion) {
    let token = include_str!("../../../host-env/contracts/token.wat");
    let code = wat::parse_str(token).expect("wat");
    let dir = std::env::temp_dir().join(format!("tally-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let redb: Arc<dyn Storage> = Arc::new(RedbStorage::open(dir.join("state.redb")).expect("redb"));
    let memory: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let mut group = c.benchmark_group("transfer");
    group.throughput(Throughput::Elements(1));
    for (name, storage) in [("memory", memory), ("redb", redb)] {
        let rt = Runtime::new(Params::default()).expect("runtime");
        let token = deploy(&rt, &storage, code.clone());
        let caller = Address([0xca; 32]);
        let mint = [&caller.0[..], &u64::MAX.to_le_bytes()[..]].concat();
        assert_eq!(rt.call(&storage, &call_request(token, "mint", mint)).expect("mint").status, Status::Ok);
        let mut n = 0u32;
        group.bench_function(name, |b| {
            b.iter(|| {
                // A new recipient every time: two balance writes, one of them a fresh key.
                n += 1;
                let mut to = [0u8; 32];
                to[..4].copy_from_slice(&n.to_le_bytes());
                let input = [&to[..], &1u64.to_le_bytes()[..]].concat();
                let r = rt.call(&storage, &call_request(token, "transfer", input)).expect("transfer");
                assert_eq!(r.status, Status::Ok);
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn cold_call(c: &mut Criterion) {
    let wasm = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");
    let schedule = tally_gas_injector::Schedule::default();
    let mut group = c.benchmark_group("cold_call");
    group.throughput(Throughput::Bytes(wasm.len() as u64));
    // Engines live as long as the node; a cold call is new code on a warm engine.
    let engine = tally_vm::Engine::new(tally_vm::Config::default());
    group.bench_function("tally", |b| {
        b.iter(|| {
            let instrumented = tally_gas_injector::instrument(&wasm, &schedule).expect("instrument");
            let module = tally_vm::Module::new(&engine, &instrumented).expect("module");
            let mut store = tally_vm::Store::new(&engine, ());
            store.set_gas(u64::MAX / 2);
            store.set_stack_budget(u64::from(schedule.stack.budget));
            let instance = tally_vm::Linker::new(&engine).instantiate(&mut store, &module).expect("instantiate");
            let fib = instance.get_typed_func::<i32, i64>(&store, "fib").expect("fib");
            fib.call(&mut store, black_box(10)).expect("call")
        })
    });
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    let wengine = wasmi::Engine::new(&config);
    group.bench_function("wasmi-eager", |b| {
        b.iter(|| {
            let engine = &wengine;
            let module = wasmi::Module::new(engine, &wasm).expect("module");
            let mut store = wasmi::Store::new(engine, ());
            let instance =
                wasmi::Linker::<()>::new(engine).instantiate_and_start(&mut store, &module).expect("instantiate");
            let fib = instance.get_typed_func::<i32, i64>(&store, "fib").expect("fib");
            fib.call(&mut store, black_box(10)).expect("call")
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = host_calls, transfers, cold_call
}
criterion_main!(benches);
