//! The execution pipeline: deploy and call contracts against a [`Storage`], with journaling,
//! cross-contract calls, receipts and (optionally) execution records.
//!
//! One transaction = one [`Tx`] (journal, context, call stack, transcript). Each contract frame
//! runs in its own `tally_vm::Store` whose host state ([`Host`]) owns the `Tx` while the frame
//! runs; a cross-contract call moves the `Tx` into the callee's store and takes it back when the
//! callee returns, so exactly one frame can touch the transaction at a time, without sharing.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use parity_scale_codec::{Decode, Encode};
use sha3::{Digest, Keccak256};
use tally_vm::{Caller, Engine, Linker, Module, Store};

use crate::abi::{self, Fail, HostFn, Io};
use crate::context::{Address, BlockContext};
use crate::journal::Journal;
use crate::params::Params;
use crate::receipt::{HostTrap, Receipt, ResultPreimage, Status, TrapLocation, WasmTrap, RESULT_HASH_TAG};
use crate::record::{ExecutionRecord, HostCall, RecordKind, RECORD_VERSION};
use crate::storage::{Storage, StorageError};

/// Storage key prefixes of the global keyspace (see `ABI.md`, "State layout").
pub mod keys {
    /// `c:` ‖ code hash → the original code.
    pub const CODE: &[u8] = b"c:";
    /// `a:` ‖ address → SCALE-encoded [`Account`](super::Account).
    pub const ACCOUNT: &[u8] = b"a:";
    /// `n:` ‖ deployer → SCALE `u64`, the deployer's next contract nonce.
    pub const NONCE: &[u8] = b"n:";
    /// `s:` ‖ address ‖ contract key → the contract's value.
    pub const STORAGE: &[u8] = b"s:";
}

/// The full storage key of a contract's `key`.
pub fn contract_key(contract: &Address, key: &[u8]) -> Vec<u8> {
    [keys::STORAGE, &contract.0[..], key].concat()
}

fn account_key(address: &Address) -> Vec<u8> {
    [keys::ACCOUNT, &address.0[..]].concat()
}

fn code_key(code_hash: &[u8; 32]) -> Vec<u8> {
    [keys::CODE, &code_hash[..]].concat()
}

fn nonce_key(deployer: &Address) -> Vec<u8> {
    [keys::NONCE, &deployer.0[..]].concat()
}

/// A deployed contract's account entry.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Account {
    /// Keccak-256 of the contract's original code.
    pub code_hash: [u8; 32],
}

/// An error that prevents an execution from producing a receipt. State is untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecError {
    /// The storage backend failed.
    Storage(StorageError),
    /// No contract lives at the address.
    NoSuchContract(Address),
    /// The contract does not export the method as a function `() -> ()`.
    NoSuchMethod {
        /// The contract.
        contract: Address,
        /// The method (export) name.
        method: String,
    },
    /// The code is not a valid Tally contract.
    InvalidCode(String),
    /// The stored account or code entry does not decode.
    CorruptState {
        /// The key.
        key: Vec<u8>,
        /// What is wrong.
        message: String,
    },
    /// The call input exceeds the limit.
    InputTooLarge {
        /// The input length.
        len: usize,
        /// The limit.
        max: u32,
    },
    /// A host invariant broke (a bug in Tally).
    Internal(String),
}

impl core::fmt::Display for ExecError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ExecError::Storage(e) => write!(f, "{e}"),
            ExecError::NoSuchContract(a) => write!(f, "no contract at address {a}"),
            ExecError::NoSuchMethod { contract, method } => {
                write!(
                    f,
                    "contract {contract} has no method `{method}` (an exported function with no params and no results)"
                )
            }
            ExecError::InvalidCode(m) => write!(f, "invalid contract code: {m}"),
            ExecError::CorruptState { key, message } => {
                write!(f, "corrupt state under key {}: {message}", crate::hex(key))
            }
            ExecError::InputTooLarge { len, max } => write!(f, "call input of {len} bytes exceeds the limit of {max}"),
            ExecError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for ExecError {}

impl From<StorageError> for ExecError {
    fn from(e: StorageError) -> Self {
        ExecError::Storage(e)
    }
}

/// How a frame stopped other than by returning or a plain Wasm trap.
#[derive(Debug)]
pub(crate) enum Exit {
    Revert,
    Abort(u32),
    HostTrap(HostTrap),
    /// The backend failed (or a callee's did): the whole transaction stops without a receipt.
    Fatal(ExecError),
    /// A host invariant broke.
    Internal(&'static str),
}

impl Exit {
    pub(crate) fn describe(&self) -> String {
        match self {
            Exit::Revert => "reverted".into(),
            Exit::Abort(code) => format!("aborted with code {code}"),
            Exit::HostTrap(t) => format!("host trap {}", t.name()),
            Exit::Fatal(e) => format!("fatal: {e}"),
            Exit::Internal(m) => format!("internal: {m}"),
        }
    }
}

/// Transaction-wide state, owned by the running frame's [`Host`].
pub(crate) struct Tx {
    pub journal: Journal,
    pub context: BlockContext,
    pub origin: Address,
    /// Contracts on the call stack, outermost first.
    pub active: Vec<Address>,
    pub recording: bool,
    pub transcript: Vec<HostCall>,
    pub logs: Vec<Vec<u8>>,
    pub log_bytes: u32,
    pub rt: Arc<Inner>,
}

/// One contract frame's own state.
pub(crate) struct Frame {
    pub params: Arc<Params>,
    pub contract: Address,
    pub caller: Address,
    pub input: Vec<u8>,
    pub read_only: bool,
    /// 1 for the top-level call.
    pub depth: u32,
    pub return_data: Vec<u8>,
    /// The return (or revert) data of the last `call` this frame made.
    pub call_output: Vec<u8>,
    pub exit: Option<Exit>,
}

/// The host state of a frame's store.
pub struct Host {
    pub(crate) tx: Option<Box<Tx>>,
    pub(crate) frame: Frame,
}

/// A contract's code, checked and ready to instantiate.
pub(crate) struct LoadedCode {
    module: Module,
    /// Initial memory pages, paid for at every instantiation.
    initial_pages: u32,
    code_len: usize,
    /// Size of the instrumented module.
    module_len: usize,
    /// Callable methods: exported functions of type `() -> ()`.
    methods: Vec<String>,
    /// Function names from the name section, by index in the original module.
    names: BTreeMap<u32, String>,
}

const CACHE_CAPACITY: usize = 256;

/// (code hash, params hash).
type CodeKey = ([u8; 32], [u8; 32]);

/// Loaded code, evicted first-in first-out beyond [`CACHE_CAPACITY`] entries.
#[derive(Default)]
struct CodeCache {
    map: BTreeMap<CodeKey, Arc<LoadedCode>>,
    order: VecDeque<CodeKey>,
}

/// Shared, immutable-after-construction parts of a [`Runtime`].
pub(crate) struct Inner {
    engine: Engine,
    linker: Linker<Host>,
    params: Arc<Params>,
    params_hash: [u8; 32],
    /// Loaded code by (code hash, params hash); FIFO-bounded. Only speed depends on it.
    cache: Mutex<CodeCache>,
}

/// Deploys and calls contracts under one set of [`Params`]. Cheap to clone; share it between
/// threads.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl core::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Runtime").field("params_hash", &crate::hex(&self.inner.params_hash)).finish()
    }
}

/// A call to a deployed contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRequest {
    /// The contract.
    pub contract: Address,
    /// The exported function to run.
    pub method: String,
    /// The call input (read with `input_read`).
    pub input: Vec<u8>,
    /// The caller (and origin).
    pub caller: Address,
    /// The gas limit.
    pub gas_limit: u64,
    /// The block.
    pub context: BlockContext,
}

/// A deployment, optionally running an initializer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployRequest {
    /// The original (uninstrumented) code.
    pub code: Vec<u8>,
    /// The deployer.
    pub deployer: Address,
    /// The initializer to run, if any (its state changes are part of the deployment).
    pub init: Option<String>,
    /// The initializer's input.
    pub input: Vec<u8>,
    /// The gas limit (deployment cost plus the initializer).
    pub gas_limit: u64,
    /// The block.
    pub context: BlockContext,
}

/// A deployment's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployed {
    /// The new contract's address (reserved even when the initializer fails; nothing is stored
    /// then).
    pub address: Address,
    /// Keccak-256 of the code.
    pub code_hash: [u8; 32],
    /// The receipt (of the initializer, if any).
    pub receipt: Receipt,
}

/// What a check of contract code found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeReport {
    /// Keccak-256 of the code.
    pub code_hash: [u8; 32],
    /// Original size.
    pub size: usize,
    /// Size after instrumentation.
    pub instrumented_size: usize,
    /// Imports as (module, name).
    pub imports: Vec<(String, String)>,
    /// Exported function names that can be called as methods.
    pub methods: Vec<String>,
    /// Every export name.
    pub exports: Vec<String>,
}

/// Keccak-256.
pub fn keccak(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

impl Runtime {
    /// A runtime with `params`.
    pub fn new(params: Params) -> Result<Runtime, ExecError> {
        params.validate().map_err(ExecError::InvalidCode)?;
        let engine = Engine::new(params.vm_config());
        let mut linker = Linker::new(&engine);
        abi::link(&mut linker).map_err(|e| ExecError::Internal(format!("linking the host ABI: {e}")))?;
        let params_hash = params.params_hash();
        Ok(Runtime {
            inner: Arc::new(Inner {
                engine,
                linker,
                params: Arc::new(params),
                params_hash,
                cache: Mutex::new(CodeCache::default()),
            }),
        })
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.inner.params
    }

    /// Keccak-256 of the parameters' canonical encoding.
    pub fn params_hash(&self) -> [u8; 32] {
        self.inner.params_hash
    }

    /// Checks `code` against the profile, the limits and the schedule without deploying it.
    pub fn check(&self, code: &[u8]) -> Result<CodeReport, ExecError> {
        let loaded = self.inner.prepare(code)?;
        let module = &loaded.module;
        let methods = loaded.methods.clone();
        let exports = module.exports().iter().map(|e| e.name().to_string()).collect();
        let imports = module
            .imports()
            .iter()
            .filter(|i| i.module() != "tally")
            .map(|i| (i.module().to_string(), i.name().to_string()))
            .collect();
        Ok(CodeReport {
            code_hash: keccak(code),
            size: code.len(),
            instrumented_size: loaded.instrumented_len(),
            imports,
            methods,
            exports,
        })
    }

    /// Whether `req.contract` exists and exports `req.method` as a method, without running
    /// anything (the same errors [`call`](Self::call) would return).
    pub fn check_method(&self, storage: &Arc<dyn Storage>, req: &CallRequest) -> Result<(), ExecError> {
        let mut tx = self.new_tx(storage, &req.context, req.caller, false);
        let (_, loaded) = self.inner.load_contract(&mut tx, &req.contract)?;
        if loaded.has_method(&req.method) {
            Ok(())
        } else {
            Err(ExecError::NoSuchMethod { contract: req.contract, method: req.method.clone() })
        }
    }

    /// Deploys a contract: stores its code, creates its account, runs the initializer; commits
    /// only if everything succeeded.
    pub fn deploy(&self, storage: &Arc<dyn Storage>, req: &DeployRequest) -> Result<Deployed, ExecError> {
        self.execute_deploy(storage, req, false).map(|(d, _)| d)
    }

    /// [`deploy`](Self::deploy), also returning the execution record.
    pub fn deploy_recorded(
        &self,
        storage: &Arc<dyn Storage>,
        req: &DeployRequest,
    ) -> Result<(Deployed, ExecutionRecord), ExecError> {
        self.execute_deploy(storage, req, true)
    }

    /// Calls a contract; commits its state changes if it succeeds.
    pub fn call(&self, storage: &Arc<dyn Storage>, req: &CallRequest) -> Result<Receipt, ExecError> {
        self.execute_call(storage, req, false, false).map(|(r, _)| r)
    }

    /// [`call`](Self::call), also returning the execution record.
    pub fn call_recorded(
        &self,
        storage: &Arc<dyn Storage>,
        req: &CallRequest,
    ) -> Result<(Receipt, ExecutionRecord), ExecError> {
        self.execute_call(storage, req, false, true)
    }

    /// Runs a call read-only: writes, removals and events trap with
    /// [`HostTrap::ReadOnly`], and nothing is committed.
    pub fn query(&self, storage: &Arc<dyn Storage>, req: &CallRequest) -> Result<Receipt, ExecError> {
        self.execute_call(storage, req, true, false).map(|(r, _)| r)
    }

    /// [`query`](Self::query), also returning the execution record.
    pub fn query_recorded(
        &self,
        storage: &Arc<dyn Storage>,
        req: &CallRequest,
    ) -> Result<(Receipt, ExecutionRecord), ExecError> {
        self.execute_call(storage, req, true, true)
    }
}

/// How one frame ended.
pub(crate) struct FrameOutcome {
    pub status: Status,
    pub return_data: Vec<u8>,
    pub gas_left: u64,
    pub trap: Option<TrapLocation>,
}

impl LoadedCode {
    fn has_method(&self, name: &str) -> bool {
        self.methods.iter().any(|m| m == name)
    }

    fn instrumented_len(&self) -> usize {
        self.module_len
    }
}

impl Inner {
    /// Checks `code` against the code limits, instruments, translates and checks it against the ABI.
    fn prepare(&self, code: &[u8]) -> Result<LoadedCode, ExecError> {
        let max = self.params.limits.max_code_size;
        if code.len() > max as usize {
            return Err(ExecError::InvalidCode(format!("code is {} bytes; the limit is {max}", code.len())));
        }
        // Structure first, before instrumenting: nothing over a code limit is worked on.
        crate::limits::check_code(code, &self.params.code).map_err(|e| ExecError::InvalidCode(e.to_string()))?;
        let instrumented = tally_gas_injector::instrument(code, &self.params.schedule)
            .map_err(|e| ExecError::InvalidCode(e.to_string()))?;
        let module = Module::new(&self.engine, &instrumented).map_err(|e| ExecError::InvalidCode(e.to_string()))?;
        for import in module.imports() {
            if import.module() == "tally" {
                continue;
            }
            let what = format!("import `{}.{}`", import.module(), import.name());
            if import.module() != abi::MODULE {
                return Err(ExecError::InvalidCode(format!(
                    "{what}: contracts may import only from `{}`",
                    abi::MODULE
                )));
            }
            let Some(f) = HostFn::ALL.iter().copied().find(|f| f.name() == import.name()) else {
                return Err(ExecError::InvalidCode(format!("{what}: no such host function in ABI v1")));
            };
            let tally_vm::ExternType::Func(ty) = import.ty() else {
                return Err(ExecError::InvalidCode(format!("{what}: must be a function")));
            };
            let (params, results) = abi::signature(f);
            if ty.params() != params || ty.results() != results {
                return Err(ExecError::InvalidCode(format!(
                    "{what}: has type {ty:?}, expected params {params:?} results {results:?}"
                )));
            }
        }
        let (initial_pages, names) = scan_original(code);
        // Exported `() -> ()` functions, in export order; looked up on every call.
        let methods = module
            .exports()
            .iter()
            .filter(|e| {
                matches!(e.ty(), tally_vm::ExternType::Func(ty) if ty.params().is_empty() && ty.results().is_empty())
            })
            .map(|e| e.name().to_string())
            .collect();
        Ok(LoadedCode { module, initial_pages, code_len: code.len(), names, module_len: instrumented.len(), methods })
    }

    /// The code of the contract at `address`, through the journal (so the reads are recorded).
    fn load_contract(&self, tx: &mut Tx, address: &Address) -> Result<([u8; 32], Arc<LoadedCode>), ExecError> {
        let key = account_key(address);
        let raw = tx.journal.get(&key)?.ok_or(ExecError::NoSuchContract(*address))?;
        let account = Account::decode(&mut &raw[..])
            .map_err(|e| ExecError::CorruptState { key: key.clone(), message: format!("account: {e}") })?;
        let cache_key = (account.code_hash, self.params_hash);
        let cached = self.cache.lock().unwrap_or_else(|p| p.into_inner()).map.get(&cache_key).cloned();
        if let Some(loaded) = cached {
            if tx.recording {
                // A record must carry the code, so replay needs no database.
                tx.journal.get(&code_key(&account.code_hash))?;
            }
            return Ok((account.code_hash, loaded));
        }
        let ck = code_key(&account.code_hash);
        let code = tx
            .journal
            .get(&ck)?
            .ok_or_else(|| ExecError::CorruptState { key: ck.clone(), message: "account without code".into() })?;
        if keccak(&code) != account.code_hash {
            return Err(ExecError::CorruptState { key: ck, message: "code does not match its hash".into() });
        }
        let loaded = Arc::new(self.prepare(&code)?);
        self.remember(cache_key, loaded.clone());
        Ok((account.code_hash, loaded))
    }

    fn remember(&self, key: CodeKey, loaded: Arc<LoadedCode>) {
        let mut guard = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let CodeCache { map, order } = &mut *guard;
        if map.insert(key, loaded).is_none() {
            order.push_back(key);
        }
        while order.len() > CACHE_CAPACITY {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }

    /// Loads code for a deployment (not yet stored), through the cache.
    fn load_code(&self, code_hash: [u8; 32], code: &[u8]) -> Result<Arc<LoadedCode>, ExecError> {
        let cache_key = (code_hash, self.params_hash);
        if let Some(l) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).map.get(&cache_key).cloned() {
            return Ok(l);
        }
        let loaded = Arc::new(self.prepare(code)?);
        self.remember(cache_key, loaded.clone());
        Ok(loaded)
    }
}

/// The initial memory size and the function names of the original module. Best effort: the
/// module already passed validation, so a parse failure here only loses names.
fn scan_original(code: &[u8]) -> (u32, BTreeMap<u32, String>) {
    use wasmparser::{Name, Parser, Payload};
    let mut pages = 0u32;
    let mut names = BTreeMap::new();
    for payload in Parser::new(0).parse_all(code) {
        match payload {
            Ok(Payload::MemorySection(r)) => {
                if let Some(Ok(m)) = r.into_iter().next() {
                    pages = u32::try_from(m.initial).unwrap_or(u32::MAX);
                }
            }
            Ok(Payload::CustomSection(c)) => {
                if let wasmparser::KnownCustom::Name(reader) = c.as_known() {
                    for name in reader.into_iter().flatten() {
                        if let Name::Function(map) = name {
                            for n in map.into_iter().flatten() {
                                names.insert(n.index, n.name.to_string());
                            }
                        }
                    }
                }
            }
            Err(_) => break,
            _ => {}
        }
    }
    (pages, names)
}

/// The contract-visible status code of a nested call (see `ABI.md`).
pub(crate) mod call_status {
    pub const OK: i32 = 0;
    pub const REVERTED: i32 = 1;
    pub const TRAPPED: i32 = 2;
    pub const OUT_OF_GAS: i32 = 3;
    pub const REENTRY_DENIED: i32 = 4;
    pub const DEPTH_EXCEEDED: i32 = 5;
    pub const NOT_FOUND: i32 = 6;
}

fn status_code(s: &Status) -> i32 {
    match s {
        Status::Ok => call_status::OK,
        Status::Reverted => call_status::REVERTED,
        Status::OutOfGas => call_status::OUT_OF_GAS,
        Status::Trapped(_) | Status::Aborted(_) | Status::HostTrap(_) => call_status::TRAPPED,
    }
}

/// The injector puts its four `tally.*` imports first, shifting every function index by 4.
const INJECTED_IMPORTS: u32 = 4;

/// Runs `method` of `loaded` in a fresh store that owns `tx` while it runs.
fn run_frame(
    inner: &Inner,
    tx: Box<Tx>,
    frame: Frame,
    loaded: &LoadedCode,
    method: &str,
    gas: u64,
) -> Result<(Box<Tx>, FrameOutcome), ExecError> {
    let contract = frame.contract;
    let memory_cost =
        u64::from(loaded.initial_pages).saturating_mul(inner.params.schedule.dynamic.memory_grow_per_page);
    if memory_cost > gas {
        let out = FrameOutcome { status: Status::OutOfGas, return_data: Vec::new(), gas_left: 0, trap: None };
        return Ok((tx, out));
    }
    let mut store = Store::new(&inner.engine, Host { tx: Some(tx), frame });
    store.set_gas(gas - memory_cost);
    store.set_stack_budget(u64::from(inner.params.schedule.stack.budget));
    let result = inner.linker.instantiate(&mut store, &loaded.module).and_then(|instance| {
        let f = instance.get_typed_func::<(), ()>(&store, method)?;
        f.call(&mut store, ()).map_err(tally_vm::Error::Trap)
    });
    let gas_left = store.gas();
    let host = store.into_data();
    let mut trap = None;
    let status = match result {
        Ok(()) => Status::Ok,
        Err(error) => {
            let vm_trap = error.as_trap().cloned();
            let function = vm_trap.as_ref().and_then(|t| t.function).and_then(|f| f.checked_sub(INJECTED_IMPORTS));
            let location = |message: Option<String>| TrapLocation {
                contract: Some(contract),
                function,
                function_name: function.and_then(|f| loaded.names.get(&f).cloned()),
                message,
            };
            let status = match host.frame.exit {
                Some(Exit::Revert) => Status::Reverted,
                Some(Exit::Abort(code)) => Status::Aborted(code),
                Some(Exit::HostTrap(t)) => Status::HostTrap(t),
                Some(Exit::Fatal(e)) => return Err(e),
                Some(Exit::Internal(m)) => return Err(ExecError::Internal(m.into())),
                None => match vm_trap.as_ref().map(|t| t.code) {
                    Some(tally_vm::TrapCode::OutOfGas) => Status::OutOfGas,
                    Some(code) => match WasmTrap::from_vm(code) {
                        Some(t) => Status::Trapped(t),
                        None => return Err(ExecError::Internal(format!("unexpected trap: {error}"))),
                    },
                    // Instantiation or export errors: the code was checked at load time.
                    None => return Err(ExecError::Internal(format!("instantiating {contract}: {error}"))),
                },
            };
            // Only the host's own words: the VM's rendering names the instrumented function
            // index and offset, which mean nothing next to the original index above.
            trap = Some(location(vm_trap.as_ref().and_then(|t| t.message.clone())));
            status
        }
    };
    let tx = host.tx.ok_or_else(|| ExecError::Internal("transaction state lost".into()))?;
    let return_data = match status {
        Status::Ok | Status::Reverted => host.frame.return_data,
        _ => Vec::new(),
    };
    Ok((tx, FrameOutcome { status, return_data, gas_left, trap }))
}

/// `call`: runs another contract as a nested frame (see `ABI.md`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn nested_call(
    c: &mut Caller<'_, Host>,
    io: &mut Io,
    address: i32,
    method: i32,
    method_len: i32,
    input: i32,
    input_len: i32,
    gas: i64,
    flags: i32,
) -> Result<i32, Fail> {
    let (method_len, input_len) = (method_len as u32, input_len as u32);
    let amount = {
        let k = &c.data().frame.params.host;
        k.base.saturating_add(k.call).saturating_add(
            u64::from(32 + method_len.min(1024))
                .saturating_add(u64::from(input_len))
                .saturating_mul(k.memory_read_byte),
        )
    };
    c.consume_gas(amount).map_err(Fail::Gas)?;
    if flags & !(abi::CALL_ALLOW_REENTRY | abi::CALL_READ_ONLY) != 0 || method_len > 1024 {
        return Err(HostTrap::BadArgument.into());
    }
    let limits = &c.data().frame.params.limits;
    if input_len > limits.max_input_len {
        return Err(HostTrap::InputTooLarge.into());
    }
    let max_depth = limits.max_call_depth;
    let callee = Address(abi_read_array(c, address)?);
    let method = abi::read_mem(c, method, method_len)?;
    let input = abi::read_mem(c, input, input_len)?;
    io.put(&callee.0);
    io.put(&method);
    io.put(&input);
    c.data_mut().frame.call_output.clear();
    let Ok(method) = String::from_utf8(method) else {
        io.put_u64(call_status::NOT_FOUND as u64);
        return Ok(call_status::NOT_FOUND);
    };
    let (depth, me, read_only) = {
        let f = &c.data().frame;
        (f.depth, f.contract, f.read_only || flags & abi::CALL_READ_ONLY != 0)
    };
    let early = |io: &mut Io, code: i32| {
        io.put_u64(code as u64);
        Ok(code)
    };
    if depth >= max_depth {
        return early(io, call_status::DEPTH_EXCEEDED);
    }
    let params = c.data().frame.params.clone();
    let mut tx = c.data_mut().tx.take().ok_or(Fail::Exit(Exit::Internal("transaction state missing in call")))?;
    if tx.active.contains(&callee) && flags & abi::CALL_ALLOW_REENTRY == 0 {
        c.data_mut().tx = Some(tx);
        return early(io, call_status::REENTRY_DENIED);
    }
    let rt = tx.rt.clone();
    let loaded = match rt.load_contract(&mut tx, &callee) {
        Ok((_, loaded)) => loaded,
        Err(ExecError::NoSuchContract(_)) => {
            c.data_mut().tx = Some(tx);
            return early(io, call_status::NOT_FOUND);
        }
        Err(e) => return Err(Fail::Exit(Exit::Fatal(e))),
    };
    c.data_mut().tx = Some(tx);
    if !loaded.has_method(&method) {
        return early(io, call_status::NOT_FOUND);
    }
    c.consume_gas(u64::try_from(loaded.code_len).unwrap_or(u64::MAX).saturating_mul(params.host.call_code_byte))
        .map_err(Fail::Gas)?;
    let callee_gas = (gas as u64).min(c.gas());
    let mut tx = c.data_mut().tx.take().ok_or(Fail::Exit(Exit::Internal("transaction state missing in call")))?;
    let checkpoint = tx.journal.checkpoint();
    tx.active.push(callee);
    let frame = Frame {
        params,
        contract: callee,
        caller: me,
        input,
        read_only,
        depth: depth + 1,
        return_data: Vec::new(),
        call_output: Vec::new(),
        exit: None,
    };
    let (mut tx, out) =
        run_frame(&rt, tx, frame, &loaded, &method, callee_gas).map_err(|e| Fail::Exit(Exit::Fatal(e)))?;
    tx.active.pop();
    if !out.status.is_ok() {
        tx.journal.rollback(checkpoint);
    }
    c.data_mut().tx = Some(tx);
    let used = callee_gas.saturating_sub(out.gas_left);
    c.set_gas(c.gas().saturating_sub(used));
    let code = status_code(&out.status);
    io.put_u64(code as u64);
    io.put(&out.return_data);
    c.data_mut().frame.call_output = out.return_data;
    Ok(code)
}

fn abi_read_array(c: &Caller<'_, Host>, ptr: i32) -> Result<[u8; 32], Fail> {
    let v = abi::read_mem(c, ptr, 32)?;
    v.try_into().map_err(|_| HostTrap::MemoryAccess.into())
}

impl Runtime {
    fn new_tx(&self, storage: &Arc<dyn Storage>, context: &BlockContext, origin: Address, recording: bool) -> Box<Tx> {
        Box::new(Tx {
            journal: Journal::new(storage.clone()),
            context: context.clone(),
            origin,
            active: Vec::new(),
            recording,
            transcript: Vec::new(),
            logs: Vec::new(),
            log_bytes: 0,
            rt: self.inner.clone(),
        })
    }

    fn frame(&self, contract: Address, caller: Address, input: Vec<u8>, read_only: bool) -> Frame {
        Frame {
            params: self.inner.params.clone(),
            contract,
            caller,
            input,
            read_only,
            depth: 1,
            return_data: Vec::new(),
            call_output: Vec::new(),
            exit: None,
        }
    }

    fn execute_call(
        &self,
        storage: &Arc<dyn Storage>,
        req: &CallRequest,
        read_only: bool,
        recording: bool,
    ) -> Result<(Receipt, ExecutionRecord), ExecError> {
        let max = self.inner.params.limits.max_input_len;
        if req.input.len() > max as usize {
            return Err(ExecError::InputTooLarge { len: req.input.len(), max });
        }
        let mut tx = self.new_tx(storage, &req.context, req.caller, recording);
        let (code_hash, loaded) = self.inner.load_contract(&mut tx, &req.contract)?;
        if !loaded.has_method(&req.method) {
            return Err(ExecError::NoSuchMethod { contract: req.contract, method: req.method.clone() });
        }
        tx.active.push(req.contract);
        let frame = self.frame(req.contract, req.caller, req.input.clone(), read_only);
        let (tx, out) = run_frame(&self.inner, tx, frame, &loaded, &req.method, req.gas_limit)?;
        let kind = RecordKind::Call { contract: req.contract, method: req.method.clone(), read_only };
        let head = Head {
            code_hash,
            contract: req.contract,
            caller: req.caller,
            entry: &req.method,
            input: &req.input,
            context: &req.context,
            gas_limit: req.gas_limit,
        };
        self.finish(tx, out, head, !read_only, kind)
    }

    fn execute_deploy(
        &self,
        storage: &Arc<dyn Storage>,
        req: &DeployRequest,
        recording: bool,
    ) -> Result<(Deployed, ExecutionRecord), ExecError> {
        let max = self.inner.params.limits.max_input_len;
        if req.input.len() > max as usize {
            return Err(ExecError::InputTooLarge { len: req.input.len(), max });
        }
        let code_hash = keccak(&req.code);
        let loaded = self.inner.load_code(code_hash, &req.code)?;
        let method = req.init.clone().unwrap_or_default();
        if req.init.is_some() && !loaded.has_method(&method) {
            return Err(ExecError::NoSuchMethod { contract: Address::default(), method });
        }
        let mut tx = self.new_tx(storage, &req.context, req.deployer, recording);
        let nk = nonce_key(&req.deployer);
        let nonce = match tx.journal.get(&nk)? {
            None => 0,
            Some(raw) => u64::decode(&mut &raw[..])
                .map_err(|e| ExecError::CorruptState { key: nk.clone(), message: format!("nonce: {e}") })?,
        };
        let address = Address::derive(&req.deployer, nonce);
        let k = &self.inner.params.host;
        let cost = k.deploy.saturating_add((req.code.len() as u64).saturating_mul(k.deploy_code_byte));
        let out = if cost > req.gas_limit {
            FrameOutcome { status: Status::OutOfGas, return_data: Vec::new(), gas_left: 0, trap: None }
        } else {
            if tx.journal.get(&account_key(&address))?.is_some() {
                return Err(ExecError::Internal(format!("derived address {address} is already taken")));
            }
            tx.journal.put(&nk, Some((nonce + 1).encode()));
            tx.journal.put(&account_key(&address), Some(Account { code_hash }.encode()));
            let ck = code_key(&code_hash);
            if tx.journal.get(&ck)?.is_none() {
                tx.journal.put(&ck, Some(req.code.clone()));
            }
            let gas = req.gas_limit - cost;
            match &req.init {
                None => FrameOutcome { status: Status::Ok, return_data: Vec::new(), gas_left: gas, trap: None },
                Some(init) => {
                    tx.active.push(address);
                    let frame = self.frame(address, req.deployer, req.input.clone(), false);
                    let (t, out) = run_frame(&self.inner, tx, frame, &loaded, init, gas)?;
                    tx = t;
                    out
                }
            }
        };
        let kind = RecordKind::Deploy { code: req.code.clone(), init: req.init.clone() };
        let head = Head {
            code_hash,
            contract: address,
            caller: req.deployer,
            entry: &method,
            input: &req.input,
            context: &req.context,
            gas_limit: req.gas_limit,
        };
        let (receipt, record) = self.finish(tx, out, head, true, kind)?;
        Ok((Deployed { address, code_hash, receipt }, record))
    }

    /// Builds the receipt (and record), committing when the execution succeeded and `commit`.
    fn finish(
        &self,
        mut tx: Box<Tx>,
        out: FrameOutcome,
        head: Head<'_>,
        commit: bool,
        kind: RecordKind,
    ) -> Result<(Receipt, ExecutionRecord), ExecError> {
        let ok = out.status.is_ok();
        let (events, write_set) =
            if ok { (tx.journal.take_events(), tx.journal.write_set().to_vec()) } else { (Vec::new(), Vec::new()) };
        if ok && commit {
            tx.journal.commit()?;
        }
        let gas_used = head.gas_limit.saturating_sub(out.gas_left);
        let result_hash = ResultPreimage {
            tag: RESULT_HASH_TAG,
            params_hash: self.inner.params_hash,
            code_hash: head.code_hash,
            contract: head.contract,
            caller: head.caller,
            entry: head.entry,
            input: head.input,
            context: head.context,
            gas_limit: head.gas_limit,
            status: out.status,
            return_data: &out.return_data,
            gas_used,
            events: &events,
            write_set: &write_set,
        }
        .hash();
        let receipt = Receipt {
            status: out.status,
            return_data: out.return_data,
            gas_used,
            events,
            write_set,
            result_hash,
            logs: std::mem::take(&mut tx.logs),
            trap: out.trap,
        };
        let record = ExecutionRecord {
            version: RECORD_VERSION,
            vm_version: env!("CARGO_PKG_VERSION").to_string(),
            params_hash: self.inner.params_hash,
            kind,
            code_hash: head.code_hash,
            caller: head.caller,
            context: head.context.clone(),
            gas_limit: head.gas_limit,
            input: head.input.to_vec(),
            read_set: if tx.recording { tx.journal.read_set() } else { Vec::new() },
            transcript: std::mem::take(&mut tx.transcript),
            outcome: receipt.clone(),
        };
        Ok((receipt, record))
    }
}

/// The identifying fields of an execution, for the result hash and the record.
struct Head<'a> {
    code_hash: [u8; 32],
    contract: Address,
    caller: Address,
    entry: &'a str,
    input: &'a [u8],
    context: &'a BlockContext,
    gas_limit: u64,
}
