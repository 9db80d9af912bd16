//! The time-per-gas harness's scenarios and baseline set: each sets up contracts (built by
//! [`crate::attacks`]) on a `tally-host-env` [`Runtime`] and returns a [`Run`] that
//! executes the attack once, times it and checks that it ended as the scenario expects.
//!
//! Scenarios come in numbered groups ([`GROUPS`]), one module per concern: groups 1 to 10 are
//! issue 10's attacks (`attacks_10`), 11 to 14 issue 11's classes: single operators
//! (`operators`), calls (`calls`), bulk memory and table operators (`bulk`) and host functions
//! (`host`). The baseline set is in `baselines`; this module holds what they share.
//!
//! Sizes: the scenarios written against older limits keep their sizes (the largest those limits
//! accepted, or what this machine holds); the current contract limits refuse many of them at
//! deploy, which is their result now ([`Scenario::refused`]). Each attack class also has a
//! scenario `…-at-limit` (or a row that is at the limit by construction): the worst the current
//! default [`Params`] accept (its parameter text says which limit binds). [`Scale::Quick`] and
//! [`Scale::Tiny`] shrink the sizes for smoke runs and tests.

use std::path::PathBuf;
use std::sync::Arc;

use tally_host_env::{
    check_code, Address, BlockContext, CallRequest, CodeError, CodeLimits, DeployRequest, ExecError, MemoryStorage,
    Params, Receipt, RedbStorage, Runtime, Status, Storage,
};

use crate::attacks::{self, METHOD};
use crate::tpg::{timed, Run, Sample, Timing};

mod attacks_10;
mod baselines;
mod bulk;
mod calls;
mod host;
mod operators;

pub use baselines::{
    baselines, guest_baseline, guests_wasm, token_wasm, token_wasm_path, BaselinePrograms, GUEST_WORKLOADS,
};

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

/// A scenario that could not be set up: the node refused a contract it deploys (or the harness
/// failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The scenario's size parameter, in words (empty when it failed before knowing it).
    pub param: String,
    /// What refused it, and why.
    pub reason: String,
}

impl From<String> for Refused {
    fn from(reason: String) -> Self {
        Refused { param: String::new(), reason }
    }
}

/// What setting a scenario up gives.
pub type Setup = Result<Prepared, Refused>;

/// One row of the report.
pub struct Scenario {
    /// A unique name (the harness's filter matches it).
    pub name: &'static str,
    /// Its group's number ([`GROUPS`]).
    pub group: u8,
    /// Whether the current contract limits refuse the scenario's contract at its full size: its
    /// row reads `refused`, the result now of an attack the limits close (at smaller sizes it
    /// may run).
    pub refused: bool,
    /// Builds the contracts and the runtime.
    pub setup: fn(Scale) -> Setup,
}

/// The groups of scenarios, by number: 1 to 10 are issue 10's list, 11 onwards issue 11's
/// classes.
pub const GROUPS: [(u8, &str); 14] = [
    (1, "tables at instantiation"),
    (2, "element segments spread over a table"),
    (3, "cold code loads"),
    (4, "the code cache"),
    (5, "instantiation: globals, element items, functions"),
    (6, "gas limit 1"),
    (7, "deploys"),
    (8, "pointer chases"),
    (9, "storage writes"),
    (10, "slow operators: subnormal floats, division, conversions, indirect jumps"),
    (11, "single operators: select, globals, locals, NaN, br_if, integer edges, bit counts"),
    (12, "calls: recursion, locals, parameters, results"),
    (13, "bulk memory and table operators, memory and table growth"),
    (14, "host functions at their smallest and largest arguments"),
];

/// The name of group `group` (empty if there is none).
pub fn group_name(group: u8) -> &'static str {
    GROUPS.iter().find(|(n, _)| *n == group).map_or("", |(_, name)| name)
}

/// Gas limit of calls that should never run out.
const PLENTY: u64 = 1 << 60;

/// Gas limit of the scenarios that only pay for an (almost) empty call.
const SMALL_LIMIT: u64 = 200_000_000;

/// Every deployment's deployer.
const DEPLOYER: Address = Address([0xde; 32]);

/// Every call's caller.
const CALLER: Address = Address([0xca; 32]);

/// Contract methods that no contract here exports.
const MISSING: &str = "missing";

thread_local! {
    /// The prices [`with_prices`] sets up scenarios under, when not the defaults.
    static PRICES: std::cell::RefCell<Option<Params>> = const { std::cell::RefCell::new(None) };
}

/// The params every scenario and baseline is set up with: the defaults, or the prices of an
/// enclosing [`with_prices`].
fn params() -> Params {
    PRICES.with(|p| p.borrow().clone()).unwrap_or_default()
}

/// Runs `f` with scenarios and baselines set up under `prices` instead of the defaults' (the
/// calibration counts what each is charged for this way); limits are `prices`' too.
pub fn with_prices<T>(prices: &Params, f: impl FnOnce() -> T) -> T {
    let before = PRICES.with(|p| p.replace(Some(prices.clone())));
    struct Restore(Option<Params>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            PRICES.with(|p| *p.borrow_mut() = before);
        }
    }
    let _restore = Restore(before);
    f()
}

/// The default contract limits.
fn limits() -> CodeLimits {
    params().code
}

/// The largest contract the default limits accept, less room for a nonce section.
fn max_code() -> usize {
    params().limits.max_code_size as usize - 32
}

/// The most elements a table may have.
fn max_table() -> u32 {
    params().vm_config().max_table_elements
}

/// The most memory a contract may have, in pages.
fn max_pages() -> u32 {
    params().limits.max_memory_pages
}

/// The most locals a function may declare.
fn max_locals() -> u32 {
    params().vm_config().max_locals
}

/// The most data segments a contract may declare.
fn max_data_segments() -> u32 {
    params().code.data_segments
}

/// A runtime with the default code cache.
fn runtime() -> Result<Runtime, String> {
    Runtime::new(params()).map_err(|e| format!("runtime: {e}"))
}

/// A runtime whose code cache holds `bytes` of prepared code; with 0 it holds nothing, so every
/// load and deploy prepares the code.
fn runtime_with_cache(bytes: usize) -> Result<Runtime, String> {
    Runtime::with_code_cache(params(), bytes).map_err(|e| format!("runtime: {e}"))
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

/// Why `receipt` (of deploying `code`) has its status: for `InvalidCode`, the contract limit the
/// code breaks (or the receipt's message), in parentheses; else nothing.
fn why(receipt: &Receipt, code: &[u8]) -> String {
    if receipt.status != Status::InvalidCode {
        return String::new();
    }
    match check_code(code, &limits()) {
        Err(CodeError::Limit { limit, value, max, .. }) => format!(" (`{limit}`: {value} > {max})"),
        _ => match receipt.trap.as_ref().and_then(|t| t.message.as_deref()) {
            Some(message) => format!(" ({message})"),
            None => String::new(),
        },
    }
}

/// Deploys `code` (without an initializer) and returns its address; any failure is a refusal.
fn deploy(rt: &Runtime, storage: &Arc<dyn Storage>, code: Vec<u8>) -> Result<Address, String> {
    let req = deploy_request(code, PLENTY);
    let deployed = rt.deploy(storage, &req).map_err(|e| format!("deploy: {e}"))?;
    match deployed.receipt.status {
        Status::Ok => Ok(deployed.address),
        status => Err(format!("deploy: status {status:?}{}", why(&deployed.receipt, &req.code))),
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

/// What a call must end with.
#[derive(Clone, Copy)]
enum Expect {
    /// An `Ok` receipt.
    Ok,
    /// A receipt with this (failure) status, charged for what was done before it.
    Status(Status),
    /// An `Ok` receipt whose return data is this nested-call status code (see [`attacks::caller`]).
    NestedStatus(i32),
}

impl Expect {
    /// A call's result as a sample, if it ended as expected.
    fn check(self, result: Result<Receipt, ExecError>, ns: Timing) -> Result<Sample, String> {
        match self {
            Expect::Ok => ok(result, ns),
            Expect::Status(status) => {
                let receipt = result.map_err(|e| e.to_string())?;
                if receipt.status == status {
                    Ok(Sample::new(receipt.gas_used, ns))
                } else {
                    Err(format!("status {:?}, expected {status:?}", receipt.status))
                }
            }
            Expect::NestedStatus(code) => {
                let sample = ok(result.clone(), ns)?;
                let data = result.map(|r| r.return_data).unwrap_or_default();
                match <[u8; 4]>::try_from(data.as_slice()).map(i32::from_le_bytes) {
                    Ok(c) if c == code => Ok(sample),
                    other => Err(format!("nested call status {other:?}, expected {code}")),
                }
            }
        }
    }
}

/// `result`, with a refusal carrying `param`.
fn with_param<T>(result: Result<T, String>, param: &str) -> Result<T, Refused> {
    result.map_err(|reason| Refused { param: param.to_string(), reason })
}

/// Deploys `code` and calls its method with `gas_limit` on every run, through one runtime with
/// the default cache (so the code stays prepared and only instantiation and the method's
/// execution repeat; the call still pays for loading it).
fn warm_call(code: Vec<u8>, gas_limit: u64, param: String) -> Setup {
    warm_call_expecting(code, gas_limit, Expect::Ok, param)
}

/// [`warm_call`] that must end as `expect` says.
fn warm_call_expecting(code: Vec<u8>, gas_limit: u64, expect: Expect, param: String) -> Setup {
    let rt = with_param(runtime(), &param)?;
    let storage = memory_storage();
    let contract = with_param(deploy(&rt, &storage, code), &param)?;
    let req = call_request(contract, METHOD, Vec::new(), gas_limit);
    Ok(Prepared {
        param,
        run: Box::new(move || {
            let (result, ns) = timed(|| rt.call(&storage, &req));
            expect.check(result, ns)
        }),
    })
}

/// Deploys the contracts of `codes` in order on one storage; the last one is called on every
/// run, through one runtime whose code cache holds nothing (`Runtime::with_code_cache(params,
/// 0)`), so every call loads the code afresh: reads, checks, instruments and translates it.
fn cold_call(
    codes: Vec<Vec<u8>>,
    link: fn(&[Address]) -> Vec<u8>,
    method: &'static str,
    expect: Expect,
    param: String,
) -> Setup {
    let rt = with_param(runtime_with_cache(0), &param)?;
    let storage = memory_storage();
    let mut addresses = Vec::new();
    for code in codes {
        addresses.push(with_param(deploy(&rt, &storage, code), &param)?);
    }
    let last = link(&addresses);
    let target = match (last.is_empty(), addresses.last()) {
        (true, Some(address)) => *address,
        (true, None) => return with_param(Err("no contract".into()), &param),
        (false, _) => with_param(deploy(&rt, &storage, last), &param)?,
    };
    let req = call_request(target, method, Vec::new(), PLENTY);
    Ok(Prepared {
        param,
        run: Box::new(move || {
            let (result, ns) = timed(|| rt.call(&storage, &req));
            expect.check(result, ns)
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

/// Deploys a distinct variant of `code` (a nonce section appended) every run, with
/// `gas_limit`, through one runtime whose code cache holds nothing (so every deploy prepares
/// its code); the receipt must have `expect` as its status. Time per gas uses the gas used, at
/// least 1.
fn fresh_deploy(code: Vec<u8>, gas_limit: u64, expect: Status, param: String) -> Setup {
    let rt = with_param(runtime_with_cache(0), &param)?;
    let storage = memory_storage();
    let mut nonce = 0u64;
    Ok(Prepared {
        param,
        run: Box::new(move || {
            nonce += 1;
            let req = deploy_request(attacks::with_nonce(&code, nonce), gas_limit);
            let (result, ns) = timed(|| rt.deploy(&storage, &req));
            let receipt = result.map_err(|e| e.to_string())?.receipt;
            if receipt.status == expect {
                Ok(Sample::new(receipt.gas_used, ns))
            } else {
                Err(format!("status {:?}{}, expected {expect:?}", receipt.status, why(&receipt, &req.code)))
            }
        }),
    })
}

/// A size in bytes, in words: bytes below 10 KiB, KiB above.
fn kib(bytes: usize) -> String {
    if bytes < 10 << 10 {
        format!("{bytes} bytes")
    } else {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    }
}

/// Iterations of the operator loops (16 operations or statements each).
fn loop_iterations(scale: Scale) -> u32 {
    scale.pick(100_000, 20_000, 10)
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh [`RedbStorage`] in a temporary directory named after `tag` and this process, and the
/// directory, which must live as long as the storage.
fn redb_storage(tag: &str) -> Result<(Arc<dyn Storage>, TempDir), String> {
    let dir = std::env::temp_dir().join(format!("tally-tpg-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dir = TempDir(dir);
    let storage: Arc<dyn Storage> =
        Arc::new(RedbStorage::open(dir.0.join("state.redb")).map_err(|e| format!("redb: {e}"))?);
    Ok((storage, dir))
}

/// Every scenario, in report order (by group).
pub fn all() -> Vec<Scenario> {
    let mut all = attacks_10::scenarios();
    all.extend(operators::scenarios());
    all.extend(calls::scenarios());
    all.extend(bulk::scenarios());
    all.extend(host::scenarios());
    all
}
