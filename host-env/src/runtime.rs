//! The execution pipeline: deploy and call contracts against a [`Storage`], with journaling,
//! cross-contract calls, receipts and (optionally) execution records.
//!
//! One transaction = one [`Tx`] (journal, context, call stack, transcript). Each contract frame
//! runs in its own `tally_vm::Store` whose host state ([`Host`]) owns the `Tx` while the frame
//! runs; a cross-contract call moves the `Tx` into the callee's store and takes it back when the
//! callee returns, so exactly one frame can touch the transaction at a time, without sharing.
//!
//! Every execution ends in a receipt, whatever its request, code or state holds: a failure
//! rooted in them is a [`Status`]. Only a backend failure, which another healthy node would not
//! see, is an [`ExecError`].

use std::collections::BTreeMap;
use std::sync::Arc;

use parity_scale_codec::{Decode, Encode};
use tally_digest::keccak;
use tally_vm::{Engine, Linker};

use crate::abi;
use crate::code::{CodeCache, CodeRejection, LoadFail, LoadedCode, Loader};
use crate::context::{Address, BlockContext};
use crate::frame::{run_frame, FrameOutcome};
use crate::journal::Journal;
use crate::params::{Params, ParamsError};
use crate::prepared::{MemoryPreparedStore, PreparedStore};
use crate::receipt::{HostTrap, Receipt, ResultPreimage, Status, RESULT_HASH_TAG};
use crate::record::{ExecutionRecord, HostCall, RecordKind, RECORD_VERSION};
use crate::sections::SplitCode;
use crate::state::{account_key, code_key, custom_key, nonce_key, Account};
use crate::storage::{Storage, StorageError};

/// The default bound of a runtime's cache of prepared code, in bytes.
pub const DEFAULT_CODE_CACHE_BYTES: usize = 256 << 20;

/// An error that prevents an execution from producing a receipt: nothing a request, a module or
/// a stored value can cause. State is untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecError {
    /// The storage backend failed.
    Storage(StorageError),
    /// A host invariant broke (a bug in Tally).
    Internal(String),
}

impl core::fmt::Display for ExecError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ExecError::Storage(e) => write!(f, "{e}"),
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

/// How a frame stopped other than by returning or a plain Wasm trap. A host function's exit
/// travels to [`run_frame`] in the VM's trap, as the host error [`crate::abi::HostExit`].
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
    /// In a replay bounded by its record: the meters ran dry before the gas the contracts had,
    /// so the replay used more gas than the record says the execution did.
    pub ceiling_reached: bool,
    /// Code this transaction has loaded (and paid for), by code hash: later frames reuse it
    /// without a load charge.
    pub code: BTreeMap<[u8; 32], Arc<LoadedCode>>,
    pub rt: Arc<Inner>,
}

/// One contract frame's own state.
pub(crate) struct Frame {
    pub params: Arc<Params>,
    pub contract: Address,
    pub caller: Address,
    pub input: Vec<u8>,
    pub read_only: bool,
    /// Gas the contract sees but its meter does not hold (see [`crate::frame::visible_gas`]).
    pub reserve: u64,
    /// 1 for the top-level call.
    pub depth: u32,
    pub return_data: Vec<u8>,
    /// The return (or revert) data of the last `call` this frame made.
    pub call_output: Vec<u8>,
}

impl Frame {
    pub(crate) fn new(
        params: Arc<Params>,
        contract: Address,
        caller: Address,
        input: Vec<u8>,
        read_only: bool,
        depth: u32,
    ) -> Self {
        Frame {
            params,
            contract,
            caller,
            input,
            read_only,
            reserve: 0,
            depth,
            return_data: Vec::new(),
            call_output: Vec::new(),
        }
    }
}

/// The host state of a frame's store.
pub struct Host {
    pub(crate) tx: Option<Box<Tx>>,
    pub(crate) frame: Frame,
}

/// Shared, immutable-after-construction parts of a [`Runtime`].
pub(crate) struct Inner {
    engine: Engine,
    linker: Linker<Host>,
    params: Arc<Params>,
    params_hash: [u8; 32],
    /// Prepared code by (code hash, params hash), bounded by bytes. Only speed depends on it.
    cache: CodeCache,
    /// The node's prepared-code store, behind the cache. Only speed depends on it.
    store: Arc<dyn PreparedStore>,
}

impl Inner {
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn loader(&self) -> Loader<'_> {
        Loader {
            linker: &self.linker,
            params: &self.params,
            params_hash: self.params_hash,
            cache: &self.cache,
            store: &*self.store,
        }
    }
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

/// The gas of a transaction before its first frame runs: what the request has (`.0`) and, of
/// it, what is out of reach (`reserve`: nonzero only in a replay bounded by its record).
pub(crate) struct Budget(pub u64, u64, bool);

impl Budget {
    /// `gas_limit`, of which only `ceiling` may be used (when given).
    fn new(gas_limit: u64, ceiling: Option<u64>) -> Self {
        Budget(gas_limit, ceiling.map_or(0, |c| gas_limit.saturating_sub(c)), false)
    }

    /// Takes `amount`, or everything left when there is not that much (or when the ceiling
    /// stops it first, which is noted).
    pub fn charge(&mut self, amount: u64) -> bool {
        let reachable = self.0 - self.1.min(self.0);
        if amount <= reachable {
            self.0 -= amount;
            return true;
        }
        self.2 |= amount <= self.0;
        self.0 = 0;
        false
    }

    /// The reserve a frame started with this budget gets.
    fn reserve(&self) -> u64 {
        self.1.min(self.0)
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
    /// Size as deployed.
    pub size: usize,
    /// Size of the executable part, what a call's load reads and pays for by the byte: the code
    /// without its custom sections other than `name` (see [`crate::sections`]).
    pub loaded_size: usize,
    /// Size after instrumentation.
    pub instrumented_size: usize,
    /// Imports as (module, name).
    pub imports: Vec<(String, String)>,
    /// Exported function names that can be called as methods.
    pub methods: Vec<String>,
    /// Every export name.
    pub exports: Vec<String>,
}

impl Runtime {
    /// A runtime with `params` and a code cache of [`DEFAULT_CODE_CACHE_BYTES`].
    pub fn new(params: Params) -> Result<Runtime, ParamsError> {
        Self::with_code_cache(params, DEFAULT_CODE_CACHE_BYTES)
    }

    /// A runtime with `params` whose cache holds at most `cache_bytes` bytes of prepared code,
    /// in front of a [`MemoryPreparedStore`]. The cache never changes gas or results, only how
    /// often code is prepared again.
    pub fn with_code_cache(params: Params, cache_bytes: usize) -> Result<Runtime, ParamsError> {
        Self::with_code_store(params, cache_bytes, Arc::new(MemoryPreparedStore::new()))
    }

    /// A runtime with `params`, a cache of at most `cache_bytes` bytes of prepared code, and
    /// `store` as the node's prepared-code store ([`crate::prepared`]): deploys write it and
    /// loads read it, so code deployed before a restart loads without being prepared again
    /// (give it [`RedbStorage::prepared_store`](crate::RedbStorage::prepared_store) of the
    /// node's database). Neither the cache nor the store changes gas or results.
    pub fn with_code_store(
        params: Params,
        cache_bytes: usize,
        store: Arc<dyn PreparedStore>,
    ) -> Result<Runtime, ParamsError> {
        params.validate().map_err(ParamsError::Invalid)?;
        let engine = Engine::new(params.vm_config());
        let mut linker = Linker::new(&engine);
        abi::link(&mut linker).map_err(ParamsError::Link)?;
        let params_hash = params.params_hash();
        Ok(Runtime {
            inner: Arc::new(Inner {
                engine,
                linker,
                params: Arc::new(params),
                params_hash,
                cache: CodeCache::new(cache_bytes),
                store,
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

    /// Bytes of prepared code the cache holds now (at most the capacity given at construction).
    pub fn code_cache_bytes(&self) -> usize {
        self.inner.cache.bytes()
    }

    /// Prepares the code stored under `code_hash` in `storage` under this runtime's params and
    /// writes it to the prepared-code store, so that the first load after a change of params
    /// finds it ready (see [`crate::prepared`]). Returns `Ok(false)` when `storage` has no such
    /// code or the code is refused under these params (calls to it then fail at load, as they
    /// would anyway).
    pub fn prepare_stored(&self, storage: &Arc<dyn Storage>, code_hash: [u8; 32]) -> Result<bool, StorageError> {
        let Some(code) = storage.get(&crate::state::code_key(&code_hash))? else {
            return Ok(false);
        };
        Ok(self.inner.loader().load_code(code_hash, &code, &mut |_| true).is_ok())
    }

    /// Checks `code` against the profile, the limits and the schedule without deploying it.
    pub fn check(&self, code: &[u8]) -> Result<CodeReport, CodeRejection> {
        let (loaded, split) = crate::code::prepare(&self.inner.linker, &self.inner.params, code)?;
        let module = &loaded.module;
        let exports = module.exports().iter().map(|e| e.name().to_string()).collect();
        let imports = module
            .imports()
            .iter()
            .filter(|i| i.module() != tally_profile::metering::MODULE)
            .map(|i| (i.module().to_string(), i.name().to_string()))
            .collect();
        Ok(CodeReport {
            code_hash: keccak(code),
            size: code.len(),
            loaded_size: split.executable.len(),
            instrumented_size: loaded.module_len,
            imports,
            methods: loaded.methods.clone(),
            exports,
        })
    }

    /// What a call of `req` would end with before its method runs, without running anything:
    /// `None` when the contract exists and exports the method, else the status its receipt
    /// would carry and a message. Gas is not considered: this prepares the code unpaid (as
    /// [`check`](Self::check) does), so it is for tools and trusted callers, not for requests a
    /// node takes from the network.
    pub fn check_method(
        &self,
        storage: &Arc<dyn Storage>,
        req: &CallRequest,
    ) -> Result<Option<(Status, String)>, ExecError> {
        let mut tx = self.new_tx(storage, &req.context, req.caller, false);
        let out = match self.inner.loader().load_contract(&mut tx, &req.contract, &mut |_| true) {
            Ok((_, loaded)) if loaded.has_method(&req.method) => return Ok(None),
            Ok(_) => FrameOutcome::no_method(0, req.contract, &req.method),
            Err(fail) => FrameOutcome::load_failed(fail, 0, req.contract)?,
        };
        let message = out.trap.and_then(|t| t.message).unwrap_or_default();
        Ok(Some((out.status, message)))
    }

    /// Deploys a contract: stores its code, creates its account, runs the initializer; commits
    /// only if everything succeeded.
    pub fn deploy(&self, storage: &Arc<dyn Storage>, req: &DeployRequest) -> Result<Deployed, ExecError> {
        self.execute_deploy(storage, req, false, None).map(|(d, _)| d)
    }

    /// [`deploy`](Self::deploy), also returning the execution record.
    pub fn deploy_recorded(
        &self,
        storage: &Arc<dyn Storage>,
        req: &DeployRequest,
    ) -> Result<(Deployed, ExecutionRecord), ExecError> {
        self.execute_deploy(storage, req, true, None).and_then(|(d, f)| Ok((d, f.recorded()?)))
    }

    /// Calls a contract; commits its state changes if it succeeds.
    pub fn call(&self, storage: &Arc<dyn Storage>, req: &CallRequest) -> Result<Receipt, ExecError> {
        self.execute_call(storage, req, false, false, None).map(|f| f.receipt)
    }

    /// [`call`](Self::call), also returning the execution record.
    pub fn call_recorded(
        &self,
        storage: &Arc<dyn Storage>,
        req: &CallRequest,
    ) -> Result<(Receipt, ExecutionRecord), ExecError> {
        self.execute_call(storage, req, false, true, None).and_then(|f| f.recorded_with_receipt())
    }

    /// Runs a call read-only: writes, removals and events trap with
    /// [`HostTrap::ReadOnly`], and nothing is committed.
    pub fn query(&self, storage: &Arc<dyn Storage>, req: &CallRequest) -> Result<Receipt, ExecError> {
        self.execute_call(storage, req, true, false, None).map(|f| f.receipt)
    }

    /// [`query`](Self::query), also returning the execution record.
    pub fn query_recorded(
        &self,
        storage: &Arc<dyn Storage>,
        req: &CallRequest,
    ) -> Result<(Receipt, ExecutionRecord), ExecError> {
        self.execute_call(storage, req, true, true, None).and_then(|f| f.recorded_with_receipt())
    }

    /// Re-runs a recorded call (`deploy: None`) or deployment, with the gas its record says was
    /// used (plus one) in reach of the meters: a replay can never do more work than the
    /// execution it claims to repeat. Contracts still see the recorded gas limit.
    pub(crate) fn replay_bounded(
        &self,
        storage: &Arc<dyn Storage>,
        request: ReplayRequest<'_>,
        ceiling: u64,
    ) -> Result<Finished, ExecError> {
        match request {
            ReplayRequest::Call(req, read_only) => self.execute_call(storage, req, read_only, true, Some(ceiling)),
            ReplayRequest::Deploy(req) => self.execute_deploy(storage, req, true, Some(ceiling)).map(|(_, f)| f),
        }
    }

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
            ceiling_reached: false,
            code: BTreeMap::new(),
            rt: self.inner.clone(),
        })
    }

    /// A top-level call: the call's charge, the input limit, loading the code (charged), the
    /// method, then the frame (which charges its instantiation).
    fn execute_call(
        &self,
        storage: &Arc<dyn Storage>,
        req: &CallRequest,
        read_only: bool,
        recording: bool,
        ceiling: Option<u64>,
    ) -> Result<Finished, ExecError> {
        let params = &self.inner.params;
        let mut tx = self.new_tx(storage, &req.context, req.caller, recording);
        let mut budget = Budget::new(req.gas_limit, ceiling);
        let mut code_hash = [0; 32];
        let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let out = if !budget.charge(params.host.top_level_call_cost(len(req.method.len()), len(req.input.len()))) {
            FrameOutcome::refused(Status::OutOfGas, 0, Some(req.contract), None)
        } else if req.input.len() > params.limits.max_input_len as usize {
            let message =
                format!("call input of {} bytes exceeds the limit of {}", req.input.len(), params.limits.max_input_len);
            FrameOutcome::refused(Status::HostTrap(HostTrap::InputTooLarge), budget.0, None, Some(message))
        } else {
            match self.inner.loader().load_contract(&mut tx, &req.contract, &mut |amount| budget.charge(amount)) {
                Err(fail) => FrameOutcome::load_failed(fail, budget.0, req.contract)?,
                Ok((hash, loaded)) => {
                    code_hash = hash;
                    if loaded.has_method(&req.method) {
                        tx.active.push(req.contract);
                        let mut frame =
                            Frame::new(params.clone(), req.contract, req.caller, req.input.clone(), read_only, 1);
                        frame.reserve = budget.reserve();
                        let (t, out) = run_frame(&self.inner, tx, frame, &loaded, &req.method, budget.0)?;
                        tx = t;
                        out
                    } else {
                        FrameOutcome::no_method(budget.0, req.contract, &req.method)
                    }
                }
            }
        };
        let kind = || RecordKind::Call { contract: req.contract, method: req.method.clone(), read_only };
        let head = Head {
            code_hash,
            contract: req.contract,
            caller: req.caller,
            entry: &req.method,
            input: &req.input,
            context: &req.context,
            gas_limit: req.gas_limit,
        };
        tx.ceiling_reached |= budget.2;
        self.finish(tx, out, head, !read_only, kind)
    }

    /// A deployment: the deploy charge (by code length, before the code is even hashed), the
    /// code checked and prepared, the account created, then the initializer's frame.
    fn execute_deploy(
        &self,
        storage: &Arc<dyn Storage>,
        req: &DeployRequest,
        recording: bool,
        ceiling: Option<u64>,
    ) -> Result<(Deployed, Finished), ExecError> {
        let params = &self.inner.params;
        let mut tx = self.new_tx(storage, &req.context, req.deployer, recording);
        let mut budget = Budget::new(req.gas_limit, ceiling);
        let k = &params.host;
        let code_len = u64::try_from(req.code.len()).unwrap_or(u64::MAX);
        let input_len = u64::try_from(req.input.len()).unwrap_or(u64::MAX);
        let method = req.init.clone().unwrap_or_default();
        // The initializer's name and input are hashed into the result hash, as a top-level
        // call's are: `receipt_byte` pays for that.
        let hashed = input_len.saturating_add(u64::try_from(method.len()).unwrap_or(u64::MAX));
        let cost = k
            .deploy
            .saturating_add(code_len.saturating_mul(k.deploy_code_byte))
            .saturating_add(input_len.saturating_mul(k.memory_read_byte))
            .saturating_add(hashed.saturating_mul(k.receipt_byte));
        let mut code_hash = [0; 32];
        let mut address = Address::default();
        let out = if !budget.charge(cost) {
            // Nothing was looked at, not even the code's hash (the receipt's code hash is zero).
            FrameOutcome::refused(Status::OutOfGas, 0, None, None)
        } else {
            code_hash = keccak(&req.code);
            let nk = nonce_key(&req.deployer);
            let nonce = match tx.journal.get(nk.as_slice())? {
                None => Ok(0),
                Some(raw) => u64::decode(&mut &raw[..]).map_err(|e| (nk.clone(), format!("nonce: {e}"))),
            };
            match nonce {
                Err((key, message)) => {
                    FrameOutcome::load_failed(LoadFail::Corrupt { key, message }, budget.0, address)?
                }
                Ok(nonce) => {
                    address = Address::derive(&req.deployer, nonce);
                    let (t, out) = self.deploy_at(tx, req, address, nonce, code_hash, &mut budget)?;
                    tx = t;
                    out
                }
            }
        };
        let kind = || RecordKind::Deploy { code: req.code.clone(), init: req.init.clone() };
        let head = Head {
            code_hash,
            contract: address,
            caller: req.deployer,
            entry: &method,
            input: &req.input,
            context: &req.context,
            gas_limit: req.gas_limit,
        };
        tx.ceiling_reached |= budget.2;
        let finished = self.finish(tx, out, head, true, kind)?;
        Ok((Deployed { address, code_hash, receipt: finished.receipt.clone() }, finished))
    }

    /// The part of a deployment after its charge: at `address`, with `gas` left.
    fn deploy_at(
        &self,
        mut tx: Box<Tx>,
        req: &DeployRequest,
        address: Address,
        nonce: u64,
        code_hash: [u8; 32],
        budget: &mut Budget,
    ) -> Result<(Box<Tx>, FrameOutcome), ExecError> {
        let params = &self.inner.params;
        if req.input.len() > params.limits.max_input_len as usize {
            let message =
                format!("init input of {} bytes exceeds the limit of {}", req.input.len(), params.limits.max_input_len);
            let out = FrameOutcome::refused(Status::HostTrap(HostTrap::InputTooLarge), budget.0, None, Some(message));
            return Ok((tx, out));
        }
        let loader = self.inner.loader();
        let (loaded, split) = match loader.load_deployed(code_hash, &req.code, &mut |amount| budget.charge(amount)) {
            Ok(done) => done,
            Err(fail) => return Ok((tx, FrameOutcome::load_failed(fail, budget.0, address)?)),
        };
        let gas = budget.0;
        tx.code.insert(code_hash, loaded.clone());
        if let Some(init) = &req.init {
            if !loaded.has_method(init) {
                return Ok((tx, FrameOutcome::no_method(gas, address, init)));
            }
        }
        let ak = account_key(&address);
        if tx.journal.get(ak.as_slice())?.is_some() {
            let fail = LoadFail::Corrupt { key: ak, message: format!("derived address {address} is already taken") };
            return Ok((tx, FrameOutcome::load_failed(fail, gas, address)?));
        }
        tx.journal.put(nonce_key(&req.deployer), Some((nonce + 1).encode()));
        store_code(&mut tx.journal, &address, code_hash, split)?;
        let Some(init) = &req.init else {
            return Ok((tx, FrameOutcome { status: Status::Ok, return_data: Vec::new(), gas_left: gas, trap: None }));
        };
        tx.active.push(address);
        let mut frame = Frame::new(params.clone(), address, req.deployer, req.input.clone(), false, 1);
        frame.reserve = budget.reserve();
        run_frame(&self.inner, tx, frame, &loaded, init, gas)
    }

    /// Builds the receipt (and record), committing when the execution succeeded and `commit`.
    fn finish(
        &self,
        mut tx: Box<Tx>,
        out: FrameOutcome,
        head: Head<'_>,
        commit: bool,
        kind: impl FnOnce() -> RecordKind,
    ) -> Result<Finished, ExecError> {
        let ok = out.status.is_ok();
        let (events, write_set) = if ok {
            let write_set = tx.journal.take_write_set();
            if commit {
                tx.journal.commit(&write_set)?;
            }
            (tx.journal.take_events(), write_set.into_vec())
        } else {
            (Vec::new(), Vec::new())
        };
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
        // Only a recorded execution has a record (a plain call would build one only to drop it).
        let record = tx.recording.then(|| ExecutionRecord {
            version: RECORD_VERSION,
            vm_version: env!("CARGO_PKG_VERSION").to_string(),
            params_hash: self.inner.params_hash,
            kind: kind(),
            code_hash: head.code_hash,
            caller: head.caller,
            context: head.context.clone(),
            gas_limit: head.gas_limit,
            input: head.input.to_vec(),
            read_set: tx.journal.take_read_set(),
            transcript: std::mem::take(&mut tx.transcript),
            outcome: receipt.clone(),
        });
        Ok(Finished { receipt, record, ceiling_reached: tx.ceiling_reached })
    }
}

/// What [`Runtime::replay_bounded`] re-runs.
pub(crate) enum ReplayRequest<'a> {
    /// A call, read-only or not.
    Call(&'a CallRequest, bool),
    /// A deployment.
    Deploy(&'a DeployRequest),
}

/// What an execution produced.
pub(crate) struct Finished {
    pub receipt: Receipt,
    /// The execution's record: present when it was recorded (see [`Finished::recorded`]).
    pub record: Option<ExecutionRecord>,
    /// A bounded replay used more gas than its record allows (see [`Budget`]).
    pub ceiling_reached: bool,
}

impl Finished {
    /// The record of an execution run with recording on.
    fn recorded(self) -> Result<ExecutionRecord, ExecError> {
        self.recorded_with_receipt().map(|(_, record)| record)
    }

    /// The receipt and record of an execution run with recording on.
    fn recorded_with_receipt(self) -> Result<(Receipt, ExecutionRecord), ExecError> {
        match self.record {
            Some(record) => Ok((self.receipt, record)),
            None => Err(ExecError::Internal("a recorded execution has no record".into())),
        }
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

/// Points `address`'s account at the code and stores its two parts ([`crate::sections`]) unless
/// code with this hash is stored already: the executable part under `c:`, the custom sections
/// (if any) under `m:`, each written once with the other.
pub(crate) fn store_code(
    journal: &mut Journal,
    address: &Address,
    code_hash: [u8; 32],
    split: SplitCode,
) -> Result<(), StorageError> {
    let code_len = u32::try_from(split.executable.len()).unwrap_or(u32::MAX);
    journal.put(account_key(address), Some(Account { code_hash, code_len }.encode()));
    let ck = code_key(&code_hash);
    if journal.get(ck.as_slice())?.is_none() {
        journal.put(ck, Some(split.executable));
        if !split.custom.is_empty() {
            journal.put(custom_key(&code_hash), Some(split.custom.encode()));
        }
    }
    Ok(())
}
