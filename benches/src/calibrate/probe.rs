//! A probe: one measured quantity of the calibration (a term on its worst-case input at several
//! sizes), and the plumbing probes share to run contracts as a node does.
//!
//! A probe builds, for a size `x` and a set of [`Params`], a [`Run`] that executes the probe's
//! contract once and reports its gas and time. Runs are built twice over: once under the default
//! params to be timed, and under perturbed params to count what the metering charges
//! ([`measure`](super::measure)), so a builder must not depend on the prices otherwise.

use std::path::PathBuf;
use std::sync::Arc;

use tally_host_env::{
    Address, BlockContext, CallRequest, DeployRequest, MemoryStorage, Params, Receipt, RedbStorage, Runtime, Status,
    Storage,
};

use super::terms::Term;
use super::Scale;
use crate::tpg::{timed, Run, Sample};

/// What a probe's builder gets.
#[derive(Clone)]
pub struct Ctx {
    /// The params to build under (instrumentation and host prices).
    pub params: Params,
    /// The sizes to use.
    pub scale: Scale,
    /// Whether the run will be timed. When not, only its gas matters, and a builder may use a
    /// cheaper setup that charges the same (a memory backend instead of redb).
    pub timed: bool,
    /// Whether calls and deploys are recorded (`Runtime::call_recorded`), as by a node that keeps
    /// execution records.
    pub recorded: bool,
}

/// Builds a probe's run at size `x`.
pub type Build = Box<dyn Fn(&Ctx, u32) -> Result<Run, String>>;

/// A second-level fit that some probes feed: each probe gives one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Series {
    /// A dependent load's price at a memory size in pages: fitted over sizes, its intercept
    /// prices the `memory-access` class and its slope `memory_access_per_page`.
    MemoryAccess,
}

/// One measured quantity.
pub struct Probe {
    /// A unique name, `class-or-term/what`.
    pub name: String,
    /// The term whose count the fit's `x` is (what the metering charges it for): the fit's slope
    /// is its price.
    pub slope: Term,
    /// A term charged once per run whose price is the fit's intercept (its count must not vary).
    pub fixed: Option<Term>,
    /// Terms left in the response with the probe's own (for a [`Series`]).
    pub excluded: Vec<Term>,
    /// The series the probe's slope feeds (then it prices nothing by itself), with its point.
    pub series: Option<(Series, u32)>,
    /// The worst-case input, in words.
    pub input: String,
    /// What `x` counts.
    pub x_name: &'static str,
    /// The sizes.
    pub xs: Vec<u32>,
    /// Set for a probe that prices nothing: a worst case that the term's formula does not charge
    /// for in proportion, reported with what the term would need and why it is left out.
    pub check_only: Option<&'static str>,
    /// Whether the probe's contracts are loaded from the node's code cache (the default): their
    /// loading charges (`HostCosts::load*`) then pay for work the cache saves, and are left out
    /// of the response. False for the probes of loading and deploying itself.
    pub cached_code: bool,
    /// The builder.
    pub build: Build,
}

impl Probe {
    /// A probe of `slope` over `xs`.
    pub fn new(
        name: impl Into<String>,
        slope: Term,
        input: impl Into<String>,
        x_name: &'static str,
        xs: Vec<u32>,
        build: impl Fn(&Ctx, u32) -> Result<Run, String> + 'static,
    ) -> Probe {
        Probe {
            name: name.into(),
            slope,
            fixed: None,
            excluded: Vec::new(),
            series: None,
            input: input.into(),
            x_name,
            xs,
            check_only: None,
            cached_code: true,
            build: Box::new(build),
        }
    }

    /// The same probe as a check: it prices nothing, and the report gives `why`.
    pub fn check(mut self, why: &'static str) -> Probe {
        self.check_only = Some(why);
        self
    }

    /// The same probe, whose code is prepared afresh by every load: its loading charges pay for
    /// work done.
    pub fn cold(mut self) -> Probe {
        self.cached_code = false;
        self
    }

    /// The same probe, whose intercept also prices `term`.
    pub fn with_fixed(mut self, term: Term) -> Probe {
        self.fixed = Some(term);
        self
    }

    /// The same probe, feeding `series` at `point`, with `excluded` left in its response.
    pub fn in_series(mut self, series: Series, point: u32, excluded: Vec<Term>) -> Probe {
        self.series = Some((series, point));
        self.excluded = excluded;
        self
    }

    /// The terms whose gas the probe's response keeps: its slope, fixed and excluded terms.
    pub fn own_terms(&self) -> Vec<Term> {
        let mut terms = vec![self.slope];
        terms.extend(self.fixed);
        terms.extend(self.excluded.iter().copied());
        terms
    }
}

/// Gas limit of every call: never runs out.
pub const PLENTY: u64 = 1 << 60;

/// Every deployment's deployer.
pub const DEPLOYER: Address = Address([0xde; 32]);

/// Every call's caller.
pub const CALLER: Address = Address([0xca; 32]);

/// The method every probe contract exports.
pub const METHOD: &str = crate::attacks::METHOD;

/// A method no probe contract exports.
pub const MISSING: &str = "nope";

/// A runtime under `ctx`'s params whose code cache holds `cache` bytes (0: every load prepares
/// the code).
pub fn runtime(ctx: &Ctx, cache: usize) -> Result<Runtime, String> {
    Runtime::with_code_cache(ctx.params.clone(), cache).map_err(|e| format!("runtime: {e}"))
}

/// A runtime with the default code cache.
pub fn warm_runtime(ctx: &Ctx) -> Result<Runtime, String> {
    runtime(ctx, tally_host_env::DEFAULT_CODE_CACHE_BYTES)
}

/// An empty in-memory state.
pub fn memory_storage() -> Arc<dyn Storage> {
    Arc::new(MemoryStorage::new())
}

/// A deployment request of `code` without an initializer.
pub fn deploy_request(code: Vec<u8>) -> DeployRequest {
    DeployRequest {
        code,
        deployer: DEPLOYER,
        init: None,
        input: Vec::new(),
        gas_limit: PLENTY,
        context: BlockContext::default(),
    }
}

/// Deploys `code` and returns its address; anything but `Ok` is an error naming the status.
pub fn deploy(rt: &Runtime, storage: &Arc<dyn Storage>, code: Vec<u8>) -> Result<Address, String> {
    let deployed = rt.deploy(storage, &deploy_request(code)).map_err(|e| format!("deploy: {e}"))?;
    match deployed.receipt.status {
        Status::Ok => Ok(deployed.address),
        status => Err(format!("deploy: status {status:?} {:?}", deployed.receipt.trap)),
    }
}

/// A call of `method` of `contract` with `input`.
pub fn call_request(contract: Address, method: &str, input: Vec<u8>) -> CallRequest {
    CallRequest {
        contract,
        method: method.into(),
        input,
        caller: CALLER,
        gas_limit: PLENTY,
        context: BlockContext::default(),
    }
}

/// Runs `req` (recorded when `ctx` says so), timed.
pub fn timed_call(
    ctx: &Ctx,
    rt: &Runtime,
    storage: &Arc<dyn Storage>,
    req: &CallRequest,
) -> (Result<Receipt, String>, crate::tpg::Timing) {
    let (result, timing) = if ctx.recorded {
        timed(|| rt.call_recorded(storage, req).map(|(r, _)| r))
    } else {
        timed(|| rt.call(storage, req))
    };
    (result.map_err(|e| e.to_string()), timing)
}

/// A receipt with status `expect`, as a sample.
pub fn expect(result: Result<Receipt, String>, timing: crate::tpg::Timing, expect: Status) -> Result<Sample, String> {
    let receipt = result?;
    if receipt.status == expect {
        Ok(Sample::new(receipt.gas_used, timing))
    } else {
        let message = receipt.trap.and_then(|t| t.message).unwrap_or_default();
        Err(format!("status {:?} ({message}), expected {expect:?}", receipt.status))
    }
}

/// Deploys `code` and calls its method on every run, through a runtime with the default code
/// cache (the code stays prepared; every call still pays for loading it and instantiates it).
pub fn warm_call(ctx: &Ctx, code: Vec<u8>) -> Result<Run, String> {
    let rt = warm_runtime(ctx)?;
    let storage = memory_storage();
    let contract = deploy(&rt, &storage, code)?;
    let req = call_request(contract, METHOD, Vec::new());
    let ctx = ctx.clone();
    Ok(Box::new(move || {
        let (result, timing) = timed_call(&ctx, &rt, &storage, &req);
        expect(result, timing, Status::Ok)
    }))
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh directory under the system's temporary directory, named after `name`.
    pub fn new(name: &str) -> Result<TempDir, String> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tally-calibrate-{}-{name}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The storage backends a storage probe runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `MemoryStorage`.
    Memory,
    /// `RedbStorage` in a temporary directory (one durable commit per transaction).
    Redb,
}

impl Backend {
    /// The name in probe names.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Redb => "redb",
        }
    }

    /// A fresh, empty state on this backend (on memory when the run is not timed: gas does not
    /// depend on the backend), and the directory to keep while it is used.
    pub fn open(self, ctx: &Ctx) -> Result<(Arc<dyn Storage>, Option<TempDir>), String> {
        match (self, ctx.timed) {
            (Backend::Redb, true) => {
                let dir = TempDir::new("redb")?;
                let storage = RedbStorage::open(dir.0.join("state.redb")).map_err(|e| format!("redb: {e}"))?;
                Ok((Arc::new(storage), Some(dir)))
            }
            _ => Ok((memory_storage(), None)),
        }
    }
}

/// The host ABI's import of `name` with its signature, in WebAssembly text (`$name`).
pub fn host_import(name: &str) -> String {
    use tally_host_env::abi::{signature, HostFn};
    let f = HostFn::ALL.iter().copied().find(|f| f.name() == name).expect("a host function of ABI v1");
    let (params, results) = signature(f);
    let ty = |t: &tally_vm::ValType| match t {
        tally_vm::ValType::I64 => "i64",
        _ => "i32",
    };
    let params: Vec<&str> = params.iter().map(ty).collect();
    let results: Vec<&str> = results.iter().map(ty).collect();
    let mut text = format!("(import \"{}\" \"{name}\" (func ${name}", tally_host_env::abi::MODULE);
    if !params.is_empty() {
        text += &format!(" (param {})", params.join(" "));
    }
    if !results.is_empty() {
        text += &format!(" (result {})", results.join(" "));
    }
    text + "))"
}

/// Assembles WebAssembly text; the probes' texts are fixed templates, so a failure is a bug
/// reported with the text's name.
pub fn wat(name: &str, text: &str) -> Result<Vec<u8>, String> {
    wat::parse_str(text).map_err(|e| format!("{name}: the contract text does not assemble: {e}"))
}

/// `scale`'s pick of three values.
pub fn pick<T>(scale: Scale, full: T, quick: T, tiny: T) -> T {
    match scale {
        Scale::Full => full,
        Scale::Quick => quick,
        Scale::Tiny => tiny,
    }
}
