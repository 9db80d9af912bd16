//! Issue 15 benchmarks: one transaction calling the SDK example token's `transfer` through
//! `Runtime::call` on `MemoryStorage` (load + instantiate + run + receipt), and the instantiation
//! alone of the token's module, paired against wasmi 2.
//!
//! - `call/warm`: the code is in the runtime's cache, as for every call but the first of a
//!   contract on a running node.
//! - `call/cold`: a runtime whose code cache holds nothing and whose prepared-code store keeps
//!   nothing ([`NoPreparedStore`]), so every call checks, instruments and translates the code
//!   again (a node that never saw the code prepared and keeps no entries).
//! - `call/restart-warm`: the first call of a contract after a node restart. The restarted node
//!   built its runtime (engine, host-ABI linker) once at startup, over the same state and the
//!   same prepared-code store; its code cache does not hold the contract, so the call decodes the
//!   entry the deploy stored (`tally_host_env::prepared`). Measured on one runtime with no code
//!   cache, so that every call is such a first load.
//! - `call/restart-new-runtime`: the same, but building the whole runtime before each call (what
//!   this bench measured as `restart-warm` before: a node pays it once per start, not per
//!   contract; most of it is zeroing the new engine's first value stack).
//! - `paired-call.json`: the three paired (alternating runs of 20 calls) against wasmi 2 eager
//!   compiling and instantiating the token's original module (with stub host functions; wasmi's
//!   side runs no call, so the ratios overstate Tally's share).
//! - `instantiate/token`: instantiating the token's instrumented module (one page of memory) on
//!   tally-vm, and its original module on wasmi 2 eager, each with stub host functions; paired
//!   (alternating runs of 1,000 instantiations) and saved as `paired-instantiate.json`.
//!
//! `cargo bench -p tally-criterion --bench call`. For an instruction profile, run the bench binary
//! outside criterion: `valgrind --tool=callgrind <bench binary> --profile-warm 2000` runs 2,000
//! warm transfers and nothing else (`--profile-instantiate N`: N instantiations; `--profile-cold N`
//! and `--profile-restart-warm N`: N transfers as `call/cold` and `call/restart-warm` make them,
//! after the deploy). `--time-warm N`, `--time-instantiate N`, `--time-cold N` and
//! `--time-restart-warm N` time N of them (after N/10 more to warm up) and print the mean,
//! for paired comparisons of two builds (alternate runs of the two binaries).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use parity_scale_codec::Encode;
use tally_benches::report::{default_criterion_dir, save_paired, PairedRun};
use tally_host_env::{
    keccak, Address, BlockContext, CallRequest, DeployRequest, MemoryPreparedStore, MemoryStorage, NoPreparedStore,
    Params, PreparedStore, Runtime, Status, Storage,
};

/// The deployer, who holds the whole supply and makes every transfer.
const DEPLOYER: Address = Address([0xde; 32]);
/// Gas limit of every transaction: far more than any of them uses.
const GAS: u64 = 10_000_000_000;
/// Distinct recipients the transfers cycle through (each transfer updates two balances).
const RECIPIENTS: u8 = 64;
/// Instantiations per timed run of the paired instantiation measurement.
const INSTANCES_PER_RUN: u32 = 1_000;

/// `selector(method) ‖ SCALE(args)`: an SDK contract's `call` input.
fn sdk_input(method: &str, args: impl Encode) -> Vec<u8> {
    let mut input = keccak(method.as_bytes())[..4].to_vec();
    args.encode_to(&mut input);
    input
}

/// The token deployed on fresh in-memory state, and the transfer requests to cycle through.
struct Token {
    storage: Arc<dyn Storage>,
    requests: Vec<CallRequest>,
    next: usize,
}

impl Token {
    fn deploy(rt: &Runtime, code: &[u8]) -> Token {
        let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
        let req = DeployRequest {
            code: code.to_vec(),
            deployer: DEPLOYER,
            init: Some("deploy".into()),
            input: ("Tally".to_string(), "TLY".to_string(), 18u8, u128::MAX / 2).encode(),
            gas_limit: GAS,
            context: BlockContext::default(),
        };
        let deployed = rt.deploy(&storage, &req).expect("deploy");
        assert_eq!(deployed.receipt.status, Status::Ok, "deploy");
        let requests = (0..RECIPIENTS)
            .map(|k| CallRequest {
                contract: deployed.address,
                method: "call".into(),
                input: sdk_input("transfer", (Address([k; 32]), 1u128)),
                caller: DEPLOYER,
                gas_limit: GAS,
                context: BlockContext::default(),
            })
            .collect();
        Token { storage, requests, next: 0 }
    }

    /// One transfer on `rt`, checked.
    fn transfer(&mut self, rt: &Runtime) {
        let req = &self.requests[self.next];
        self.next = (self.next + 1) % self.requests.len();
        let receipt = rt.call(&self.storage, req).expect("transfer");
        assert_eq!(receipt.status, Status::Ok, "transfer");
    }
}

/// The token's code as deployed (name section stripped).
fn token_code() -> Vec<u8> {
    let code = tally_benches::scenarios::token_wasm().expect("build the SDK example token");
    tally_sdk_testing::strip_names(&code)
}

fn runtime(cache_bytes: usize) -> Runtime {
    Runtime::with_code_cache(Params::default(), cache_bytes).expect("runtime")
}

/// A runtime over `store` whose cache holds at most `cache_bytes`.
fn runtime_over(cache_bytes: usize, store: Arc<dyn PreparedStore>) -> Runtime {
    Runtime::with_code_store(Params::default(), cache_bytes, store).expect("runtime")
}

/// Calls per timed run of the paired call measurements.
const CALLS_PER_RUN: u32 = 20;

/// The token's module instrumented and compiled for tally-vm and prepared for instantiation
/// (`Linker::instantiate_pre`, as `tally-host-env` caches it with the code) with host functions
/// that all trap (instantiation never calls them).
fn tally_instantiator(code: &[u8]) -> impl FnMut() {
    let params = Params::default();
    let engine = tally_vm::Engine::new(params.vm_config());
    let instrumented = tally_gas_injector::instrument(code, &params.schedule).expect("instrument");
    let module = tally_vm::Module::new(&engine, &instrumented).expect("module");
    let mut linker = tally_vm::Linker::<()>::new(&engine);
    for import in module.imports() {
        if let tally_vm::ExternType::Func(ty) = import.ty() {
            if import.module() != tally_gas_injector::metering::MODULE {
                linker
                    .func_new(import.module(), import.name(), ty.clone(), |_, _, _| Err(tally_vm::Trap::host("stub")))
                    .expect("define");
            }
        }
    }
    let pre = linker.instantiate_pre(&module);
    move || {
        let mut store = tally_vm::Store::new(&engine, ());
        store.set_gas(GAS);
        black_box(pre.instantiate(&mut store).expect("instantiate"));
    }
}

/// The token's original module on wasmi 2 eager, with trapping host functions, resolved by
/// its linker on every instantiation.
fn wasmi_instantiator(code: &[u8]) -> impl FnMut() {
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    let engine = wasmi::Engine::new(&config);
    let module = wasmi::Module::new(&engine, code).expect("wasmi module");
    let mut linker = wasmi::Linker::<()>::new(&engine);
    for import in module.imports() {
        if let wasmi::ExternType::Func(ty) = import.ty() {
            linker
                .func_new(import.module(), import.name(), ty.clone(), |_, _, _| Err(wasmi::Error::new("stub")))
                .expect("define");
        }
    }
    move || {
        let mut store = wasmi::Store::new(&engine, ());
        black_box(linker.instantiate_and_start(&mut store, &module).expect("instantiate"));
    }
}

/// wasmi 2 eager compiling and instantiating the token's original module, with stub host
/// functions: the part of a cold call wasmi does before any code runs.
fn wasmi_cold(code: &[u8]) -> impl FnMut() + '_ {
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    let engine = wasmi::Engine::new(&config);
    move || {
        let module = wasmi::Module::new(&engine, code).expect("wasmi module");
        let mut linker = wasmi::Linker::<()>::new(&engine);
        for import in module.imports() {
            if let wasmi::ExternType::Func(ty) = import.ty() {
                linker
                    .func_new(import.module(), import.name(), ty.clone(), |_, _, _| Err(wasmi::Error::new("stub")))
                    .expect("define");
            }
        }
        let mut store = wasmi::Store::new(&engine, ());
        black_box(linker.instantiate_and_start(&mut store, &module).expect("instantiate"));
    }
}

fn calls(c: &mut Criterion, code: &[u8]) {
    let mut group = c.benchmark_group("call");
    group.throughput(Throughput::Elements(1));
    let store: Arc<dyn PreparedStore> = Arc::new(MemoryPreparedStore::new());
    let rt = runtime_over(tally_host_env::DEFAULT_CODE_CACHE_BYTES, store.clone());
    let mut token = Token::deploy(&rt, code);
    group.bench_function("warm", |b| b.iter(|| token.transfer(&rt)));
    let uncached = runtime_over(0, Arc::new(NoPreparedStore));
    group.bench_function("cold", |b| b.iter(|| token.transfer(&uncached)));
    let restarted = runtime_over(0, store.clone());
    group.bench_function("restart-warm", |b| b.iter(|| token.transfer(&restarted)));
    let new_runtime = || runtime_over(tally_host_env::DEFAULT_CODE_CACHE_BYTES, store.clone());
    group.bench_function("restart-new-runtime", |b| b.iter(|| token.transfer(&new_runtime())));
    group.finish();

    let mut wasmi = wasmi_cold(code);
    let mut runs = Vec::new();
    for name in ["cold", "restart-warm", "restart-new-runtime"] {
        let run = PairedRun::measure(
            "call",
            name,
            "wasmi-eager",
            21,
            || {
                for _ in 0..CALLS_PER_RUN {
                    match name {
                        "cold" => token.transfer(&uncached),
                        "restart-warm" => token.transfer(&restarted),
                        _ => token.transfer(&new_runtime()),
                    }
                }
            },
            || (0..CALLS_PER_RUN).for_each(|_| wasmi()),
        );
        eprintln!(
            "call/{name}: paired over {} rounds: tally {:.1} µs, wasmi eager {:.1} µs, ratio {:.3}",
            run.rounds,
            run.subject_ns / 1e3 / f64::from(CALLS_PER_RUN),
            run.baseline_ns / 1e3 / f64::from(CALLS_PER_RUN),
            run.median_ratio
        );
        runs.push(run);
    }
    if let Err(e) = save_paired(&default_criterion_dir(), "call", &runs) {
        eprintln!("{e}");
    }
}

fn instantiation(c: &mut Criterion, code: &[u8]) {
    let mut tally = tally_instantiator(code);
    let mut wasmi = wasmi_instantiator(code);
    let run = PairedRun::measure(
        "instantiate",
        "token",
        "wasmi",
        21,
        || (0..INSTANCES_PER_RUN).for_each(|_| tally()),
        || (0..INSTANCES_PER_RUN).for_each(|_| wasmi()),
    );
    eprintln!(
        "instantiate/token: paired over {} rounds: tally {:.2} µs, wasmi {:.2} µs, ratio {:.3}",
        run.rounds,
        run.subject_ns / 1e3 / f64::from(INSTANCES_PER_RUN),
        run.baseline_ns / 1e3 / f64::from(INSTANCES_PER_RUN),
        run.median_ratio
    );
    if let Err(e) = save_paired(&default_criterion_dir(), "instantiate", &[run]) {
        eprintln!("{e}");
    }
    let mut group = c.benchmark_group("instantiate/token");
    group.bench_function("tally", |b| b.iter(&mut tally));
    group.bench_function("wasmi", |b| b.iter(&mut wasmi));
    group.finish();
}

/// The modes that run outside criterion.
const MODES: [&str; 8] = [
    "--profile-warm",
    "--profile-instantiate",
    "--profile-cold",
    "--profile-restart-warm",
    "--time-warm",
    "--time-instantiate",
    "--time-cold",
    "--time-restart-warm",
];

/// `<mode> N`, one of [`MODES`], if given.
fn profile_mode() -> Option<(String, u32)> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| MODES.contains(&a.as_str()))?;
    let n = args.get(at + 1).and_then(|n| n.parse().ok()).expect("a count after the profile flag");
    Some((args[at].clone(), n))
}

/// For `--time-*` modes: the mean time of one of the `n` runs since `start`, on stdout.
fn report_time(mode: &str, n: u32, start: std::time::Instant) {
    if mode.starts_with("--time") {
        let ns = start.elapsed().as_nanos() as f64 / f64::from(n.max(1));
        println!("{mode} {n}: {ns:.0} ns each, {:.0}/s", 1e9 / ns);
    }
}

fn main() {
    let code = token_code();
    if let Some((mode, n)) = profile_mode() {
        let timed = mode.starts_with("--time");
        if mode.ends_with("-cold") || mode.ends_with("restart-warm") {
            let store: Arc<dyn PreparedStore> = Arc::new(MemoryPreparedStore::new());
            let rt = runtime_over(tally_host_env::DEFAULT_CODE_CACHE_BYTES, store.clone());
            let mut token = Token::deploy(&rt, &code);
            // Cold: no cache, no entries kept; restart-warm: no cache, the deploy's entry.
            let rt = if mode.ends_with("-cold") {
                runtime_over(0, Arc::new(NoPreparedStore))
            } else {
                runtime_over(0, store)
            };
            let mut once = || token.transfer(&rt);
            (0..if timed { n / 10 } else { 0 }).for_each(|_| once());
            let start = std::time::Instant::now();
            (0..n).for_each(|_| once());
            report_time(&mode, n, start);
        } else if mode.ends_with("warm") {
            let rt = runtime(tally_host_env::DEFAULT_CODE_CACHE_BYTES);
            let mut token = Token::deploy(&rt, &code);
            // Timed runs first warm the cache, the allocator and the branch predictors.
            (0..if timed { n / 10 } else { 0 }).for_each(|_| token.transfer(&rt));
            let start = std::time::Instant::now();
            (0..n).for_each(|_| token.transfer(&rt));
            report_time(&mode, n, start);
        } else {
            let mut tally = tally_instantiator(&code);
            (0..if timed { n / 10 } else { 0 }).for_each(|_| tally());
            let start = std::time::Instant::now();
            (0..n).for_each(|_| tally());
            report_time(&mode, n, start);
        }
        return;
    }
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    calls(&mut c, &code);
    instantiation(&mut c, &code);
    c.final_summary();
}
