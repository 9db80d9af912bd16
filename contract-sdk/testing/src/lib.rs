//! `TestChain`: an in-process chain for testing `tally-sdk` contracts, running exactly the
//! chain's pipeline (the real gas injector, VM and host environment over in-memory storage), so
//! every receipt, gas figure and result hash is what a node would produce.
//!
//! ```
//! use tally_sdk_testing::TestChain;
//! // The example token's own types, typed client included: its crate is a dependency (an
//! // `rlib` too), so the tests mirror nothing.
//! use token::token::{Error, TokenClient, Transfer};
//!
//! // The SDK's example token, compiled to wasm32 (use `tally_sdk_testing::build_contract` for
//! // your own crate).
//! let wasm = tally_sdk_build::example("token")?;
//! let mut chain = TestChain::new();
//! let (alice, bob) = (TestChain::alice(), TestChain::bob());
//!
//! // Deploying runs the `#[init]` method with these arguments.
//! let token = TokenClient::deploy(&mut chain, &wasm, alice, "Tally".into(), "TLY".into(), 18, 1_000)?;
//!
//! // Methods by their Rust signatures; returns and events as the contract's types.
//! assert_eq!(token.call(&mut chain, alice).transfer(bob, 250)?, Ok(()));
//! assert_eq!(token.events::<Transfer>(&chain), [Transfer { from: alice, to: bob, value: 250 }]);
//! assert_eq!(token.query(&mut chain).balance_of(bob)?, 250);
//!
//! // A method returning `Err(e)` reverts with SCALE(e): the client decodes it as the
//! // contract's error type, with the receipt (and its exact gas) still on the chain.
//! assert_eq!(token.call(&mut chain, bob).transfer(alice, 251)?, Err(Error::InsufficientBalance));
//! assert!(chain.last_receipt().unwrap().gas_used > 0);
//!
//! // The same calls untyped: by method name, with argument tuples.
//! let contract = chain.contract(token.address()).unwrap().clone();
//! chain.call::<()>(bob, &contract, "transfer", (alice, 50u128))?;
//! let failure = chain.call::<()>(bob, &contract, "transfer", (alice, 251u128)).unwrap_err();
//! assert_eq!(failure.decode_revert::<Error>(), Some(Error::InsufficientBalance));
//!
//! // Snapshots, exact gas, and a report per contract and method.
//! let before = chain.snapshot();
//! token.call(&mut chain, bob).transfer(alice, 50)?.unwrap();
//! // Most of a call's gas is loading the contract's 15 KB of code (see `host-env/ABI.md`).
//! assert!(chain.gas_used() < 1_500_000_000);
//! chain.rollback(&before);
//! assert_eq!(token.query(&mut chain).balance_of(bob)?, 200);
//! println!("{}", chain.gas_report());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Typed clients: `#[contract]` generates one per contract (`TokenClient`, off wasm32), over
//! `tally_sdk::client::Chain`, which `TestChain` implements; see `tally_sdk::client`.
//!
//! Addresses: [`TestChain::account`] derives one from a name; [`Address`] is the host's and the
//! contracts' one type (`tally_digest::Address`), so it is passed in arguments and compared with
//! results and events directly.
//!
//! Code: contracts keep their `name` section in tests (so trap reports name functions) but
//! [`TestChain::deploy`] deploys them without it, as `tally build` would (see
//! [`strip_names`]), so gas matches a stripped deployment.

#![warn(missing_docs)]

mod client;
mod failure;
mod gas;
mod names;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use parity_scale_codec::{Decode, Encode};
use tally_host_env::{keys, CallRequest, DeployRequest, ExecError, MemoryStorage, Runtime, Storage, TrapLocation};

pub use failure::{Failure, FailureKind};
pub use gas::{markdown as gas_markdown, GasRow, GasStats};
pub use names::{demangle, function_names, strip_names};
pub use tally_host_env::{
    Address, BlockContext, Divergence, Event, ExecutionRecord, HostTrap, Params, Receipt, Status, WasmTrap,
};
pub use tally_sdk::dispatch::DispatchError;
pub use tally_sdk_build::{
    ArgInfo, BuildError, EventInfo, Metadata, MetadataError, MethodInfo, MethodKind, ReturnInfo,
};

/// The default gas limit of every execution (10 billion; a token transfer uses about 30 million).
pub const DEFAULT_GAS_LIMIT: u64 = 10_000_000_000;

/// The gas-report method name of deployments.
pub const DEPLOY: &str = "(deploy)";

/// A deployed contract: its address, label, metadata and function names.
#[derive(Clone, Debug)]
pub struct Contract {
    address: Address,
    label: String,
    code_hash: [u8; 32],
    metadata: Option<Arc<Metadata>>,
    names: Arc<BTreeMap<u32, String>>,
}

impl Contract {
    /// The contract at `address` running `wasm` (whose hash is `code_hash`): its label, metadata
    /// and function names come from the code's custom sections.
    fn from_code(address: Address, code_hash: [u8; 32], wasm: &[u8]) -> Contract {
        let metadata = tally_sdk_build::metadata_of(wasm).ok().flatten().map(Arc::new);
        let label = match &metadata {
            Some(m) => m.contract.clone(),
            None => format!("contract{}", &tally_host_env::hex(&code_hash[..4])[1..]),
        };
        Contract { address, label, code_hash, metadata, names: Arc::new(function_names(wasm)) }
    }

    /// The contract's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Its label in gas reports: the metadata's contract name (e.g. `Token`), else `contract`
    /// followed by the first bytes of the code hash.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Keccak-256 of the deployed code.
    pub fn code_hash(&self) -> [u8; 32] {
        self.code_hash
    }

    /// The parsed `tally.metadata` section (SDK contracts only).
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_deref()
    }

    /// The demangled name of function `index` (of the original module), from its `name` section.
    pub fn function_name(&self, index: u32) -> Option<&str> {
        self.names.get(&index).map(String::as_str)
    }
}

/// The state and block of a [`TestChain`] at one moment; see [`TestChain::rollback`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    entries: BTreeMap<Vec<u8>, Vec<u8>>,
    context: BlockContext,
}

impl Snapshot {
    /// Every stored entry (the global keyspace: `a:`, `c:`, `m:`, `n:`, `s:` keys), in key order.
    pub fn entries(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.entries
    }

    /// The block at the time.
    pub fn block(&self) -> &BlockContext {
        &self.context
    }
}

/// An in-process chain: a [`Runtime`] over [`MemoryStorage`], a block context, a gas limit, and
/// bookkeeping for tests (the last receipt, execution records, gas statistics).
///
/// Every execution is a separate transaction that commits on success, as on chain. Views can be
/// run as queries ([`query`](Self::query): read-only, nothing committed) or as calls.
pub struct TestChain {
    runtime: Runtime,
    memory: Arc<MemoryStorage>,
    storage: Arc<dyn Storage>,
    context: BlockContext,
    gas_limit: u64,
    strip: bool,
    contracts: BTreeMap<Address, Contract>,
    last: Option<Receipt>,
    record_next: bool,
    last_record: Option<ExecutionRecord>,
    gas: BTreeMap<(String, String), GasStats>,
}

impl Default for TestChain {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TestChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestChain")
            .field("block", &self.context)
            .field("gas_limit", &self.gas_limit)
            .field("contracts", &self.contracts.len())
            .field("entries", &self.memory.len())
            .finish()
    }
}

impl TestChain {
    /// An empty chain with the default [`Params`], at block height 1, time 0, chain id 1.
    pub fn new() -> Self {
        Self::with_params(Params::default())
    }

    /// An empty chain with `params`.
    ///
    /// # Panics
    ///
    /// If the params' schedule is invalid.
    pub fn with_params(params: Params) -> Self {
        let runtime = Runtime::new(params).unwrap_or_else(|e| panic!("TestChain: {e}"));
        let memory = Arc::new(MemoryStorage::new());
        let storage: Arc<dyn Storage> = memory.clone();
        TestChain {
            runtime,
            memory,
            storage,
            context: BlockContext { height: 1, time: 0, chain_id: 1 },
            gas_limit: DEFAULT_GAS_LIMIT,
            strip: true,
            contracts: BTreeMap::new(),
            last: None,
            record_next: false,
            last_record: None,
            gas: BTreeMap::new(),
        }
    }

    /// The runtime (for `check`, or requests built by hand).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The storage the runtime executes against.
    pub fn storage_handle(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    // ---- accounts and blocks ----

    /// A deterministic account address: `keccak256("tally/test-account/" ‖ name)`.
    pub fn account(name: &str) -> Address {
        Address(tally_host_env::keccak(&[&b"tally/test-account/"[..], name.as_bytes()].concat()))
    }

    /// `account("alice")`.
    pub fn alice() -> Address {
        Self::account("alice")
    }

    /// `account("bob")`.
    pub fn bob() -> Address {
        Self::account("bob")
    }

    /// `account("carol")`.
    pub fn carol() -> Address {
        Self::account("carol")
    }

    /// The block the next execution runs in.
    pub fn block(&self) -> &BlockContext {
        &self.context
    }

    /// Sets the block height and time.
    pub fn set_block(&mut self, height: u64, time: u64) {
        self.context.height = height;
        self.context.time = time;
    }

    /// Moves the block height and time forward.
    pub fn advance(&mut self, blocks: u64, seconds: u64) {
        self.context.height += blocks;
        self.context.time += seconds;
    }

    /// Sets the chain id.
    pub fn set_chain_id(&mut self, chain_id: u64) {
        self.context.chain_id = chain_id;
    }

    /// Sets the gas limit of every following execution.
    pub fn set_gas_limit(&mut self, gas_limit: u64) {
        self.gas_limit = gas_limit;
    }

    /// The gas limit of every execution ([`DEFAULT_GAS_LIMIT`] unless set).
    pub fn gas_limit(&self) -> u64 {
        self.gas_limit
    }

    /// Whether [`deploy`](Self::deploy) removes the `name`, `producers`, `target_features` and
    /// `.debug*` sections first (default `true`; see [`strip_names`]). With `false` the code is
    /// deployed byte for byte, and deploying (and calling it from other contracts) costs more.
    pub fn set_strip_names(&mut self, strip: bool) {
        self.strip = strip;
    }

    // ---- deploying ----

    /// Deploys an SDK contract from `from`: runs its `deploy` export (the `#[init]` method) with
    /// `SCALE(init_args)`, a tuple of the init arguments (`()` without `#[init]`).
    pub fn deploy(&mut self, wasm: &[u8], from: Address, init_args: impl Encode) -> Result<Contract, Failure> {
        self.deploy_raw(wasm, from, Some("deploy"), init_args.encode())
    }

    /// Deploys any module: runs export `init` (if any) with the raw `input`.
    pub fn deploy_raw(
        &mut self,
        wasm: &[u8],
        from: Address,
        init: Option<&str>,
        input: Vec<u8>,
    ) -> Result<Contract, Failure> {
        let code = if self.strip { strip_names(wasm) } else { wasm.to_vec() };
        let req = DeployRequest {
            code,
            deployer: from,
            init: init.map(str::to_string),
            input,
            gas_limit: self.gas_limit,
            context: self.context.clone(),
        };
        let result = if std::mem::take(&mut self.record_next) {
            self.runtime.deploy_recorded(&self.storage, &req).map(|(d, r)| (d, Some(r)))
        } else {
            self.runtime.deploy(&self.storage, &req).map(|d| (d, None))
        };
        let (deployed, record) = result.map_err(|e| Failure::rejected("deploy", None, e))?;
        let contract = Contract::from_code(deployed.address, deployed.code_hash, wasm);
        // Known even when the initializer failed, so its trap report can name functions.
        self.contracts.insert(contract.address, contract.clone());
        self.settle(contract.address, deployed.receipt, record)?;
        Ok(contract)
    }

    /// Registers the contracts a committed execution created (the ABI's `create`) or whose code
    /// it replaced (`set_code`): the account entries of its write set that name other code than
    /// this chain knows at their address. Their labels, metadata and function names come from
    /// the stored code.
    fn learn_accounts(&mut self, receipt: &Receipt) {
        for (key, value) in &receipt.write_set {
            let (Some(raw), Some(value)) = (key.strip_prefix(keys::ACCOUNT), value) else { continue };
            let (Ok(address), Ok(account)) =
                (<[u8; 32]>::try_from(raw), tally_host_env::Account::decode(&mut &value[..]))
            else {
                continue;
            };
            let address = Address(address);
            if self.contracts.get(&address).is_some_and(|c| c.code_hash == account.code_hash) {
                continue;
            }
            // The code as deployed: its metadata is a custom section, stored apart.
            let code = tally_host_env::sections::code_as_deployed(&account.code_hash, |key| self.storage.get(key));
            if let Ok(Some(code)) = code {
                self.contracts.insert(address, Contract::from_code(address, account.code_hash, &code));
            }
        }
    }

    /// The contract at `address`: deployed by this chain, or created (or upgraded) by a
    /// contract in a committed execution.
    pub fn contract(&self, address: Address) -> Option<&Contract> {
        self.contracts.get(&address)
    }

    // ---- calling ----

    /// Calls `method` of an SDK contract as `from` (export `call`, input
    /// `selector(method) ‖ SCALE(args)`, `args` a tuple) and decodes its return value. State
    /// changes are committed if it succeeds.
    pub fn call<R: Decode>(
        &mut self,
        from: Address,
        contract: &Contract,
        method: &str,
        args: impl Encode,
    ) -> Result<R, Failure> {
        let receipt = self
            .run(from, contract.address, "call", sdk_input(method, &args), false, method)
            .map_err(|e| Failure::rejected(method, Some(contract.address), e))?;
        self.returned(method, contract.address, receipt)
    }

    /// Runs `method` of an SDK contract as a query (read-only; nothing is committed; writes and
    /// events trap with [`HostTrap::ReadOnly`]) from the zero address, and decodes the result.
    pub fn query<R: Decode>(&mut self, contract: &Contract, method: &str, args: impl Encode) -> Result<R, Failure> {
        self.query_as(Address::default(), contract, method, args)
    }

    /// [`query`](Self::query) with `from` as the caller (for views that depend on it).
    pub fn query_as<R: Decode>(
        &mut self,
        from: Address,
        contract: &Contract,
        method: &str,
        args: impl Encode,
    ) -> Result<R, Failure> {
        let receipt = self
            .run(from, contract.address, "call", sdk_input(method, &args), true, method)
            .map_err(|e| Failure::rejected(method, Some(contract.address), e))?;
        self.returned(method, contract.address, receipt)
    }

    /// Calls export `export` of the contract at `address` with raw `input`; the receipt whatever
    /// its status, or the runtime's refusal.
    pub fn call_raw(
        &mut self,
        from: Address,
        address: Address,
        export: &str,
        input: Vec<u8>,
    ) -> Result<Receipt, ExecError> {
        let method = self.method_label(address, export, &input);
        self.run(from, address, export, input, false, &method)
    }

    /// [`call_raw`](Self::call_raw) as a read-only query from the zero address.
    pub fn query_raw(&mut self, address: Address, export: &str, input: Vec<u8>) -> Result<Receipt, ExecError> {
        let method = self.method_label(address, export, &input);
        self.run(Address::default(), address, export, input, true, &method)
    }

    /// The gas-report name of a raw call: the SDK method its selector names, else the export.
    fn method_label(&self, address: Address, export: &str, input: &[u8]) -> String {
        let by_selector = || {
            let selector: [u8; 4] = input.get(..4)?.try_into().ok()?;
            let m = self.contracts.get(&address)?.metadata()?.method_by_selector(selector)?;
            Some(m.name.clone())
        };
        match export {
            "call" => by_selector().unwrap_or_else(|| "call".into()),
            _ => export.to_string(),
        }
    }

    /// Runs one call or query; `Err` only when the runtime refused it.
    fn run(
        &mut self,
        from: Address,
        address: Address,
        export: &str,
        input: Vec<u8>,
        read_only: bool,
        method: &str,
    ) -> Result<Receipt, ExecError> {
        let req = CallRequest {
            contract: address,
            method: export.to_string(),
            input,
            caller: from,
            gas_limit: self.gas_limit,
            context: self.context.clone(),
        };
        let recording = std::mem::take(&mut self.record_next);
        let result = match (read_only, recording) {
            (false, false) => self.runtime.call(&self.storage, &req).map(|r| (r, None)),
            (true, false) => self.runtime.query(&self.storage, &req).map(|r| (r, None)),
            (false, true) => self.runtime.call_recorded(&self.storage, &req).map(|(r, x)| (r, Some(x))),
            (true, true) => self.runtime.query_recorded(&self.storage, &req).map(|(r, x)| (r, Some(x))),
        };
        let (receipt, record) = result?;
        self.last = Some(receipt.clone());
        self.last_record = record;
        if receipt.status.is_ok() {
            self.count_gas(address, method, receipt.gas_used);
            if !read_only {
                self.learn_accounts(&receipt);
            }
        }
        Ok(receipt)
    }

    /// Bookkeeping for a deployment's receipt; `Err` unless it succeeded.
    fn settle(&mut self, address: Address, receipt: Receipt, record: Option<ExecutionRecord>) -> Result<(), Failure> {
        self.last = Some(receipt.clone());
        self.last_record = record;
        if receipt.status.is_ok() {
            self.count_gas(address, DEPLOY, receipt.gas_used);
            self.learn_accounts(&receipt);
            return Ok(());
        }
        Err(self.failure("deploy", address, receipt, FailureKind::Status))
    }

    /// The decoded return value of a successful execution, else the failure.
    fn returned<R: Decode>(&self, method: &str, address: Address, receipt: Receipt) -> Result<R, Failure> {
        if !receipt.status.is_ok() {
            return Err(self.failure(method, address, receipt, FailureKind::Status));
        }
        match failure::decode_all(&receipt.return_data) {
            Ok(value) => Ok(value),
            Err(e) => Err(self.failure(method, address, receipt, FailureKind::BadReturn(e))),
        }
    }

    fn count_gas(&mut self, address: Address, method: &str, gas: u64) {
        let label = self.contracts.get(&address).map_or_else(|| address.to_string(), |c| c.label.clone());
        self.gas.entry((label, method.to_string())).or_default().add(gas);
    }

    /// A failure with the trap location's function name filled in from the names this chain
    /// kept for the trapping contract, and a revert decoded by the called contract's metadata.
    fn failure(&self, method: &str, address: Address, receipt: Receipt, kind: FailureKind) -> Failure {
        let trap = receipt.trap.clone().map(|mut t: TrapLocation| {
            let known = t.contract.and_then(|c| self.contracts.get(&c));
            if let (Some(c), Some(index)) = (known, t.function) {
                if let Some(name) = c.function_name(index) {
                    t.function_name = Some(name.to_string());
                }
            }
            if let Some(name) = t.function_name.take() {
                t.function_name = Some(demangle(&name));
            }
            t
        });
        let metadata = self.contracts.get(&address).and_then(Contract::metadata);
        Failure::new(method, Some(address), kind, Some(receipt), trap).decoded_by(metadata)
    }

    // ---- inspecting ----

    /// The receipt of the last execution (deploy, call or query), exactly as the runtime
    /// returned it.
    pub fn last_receipt(&self) -> Option<&Receipt> {
        self.last.as_ref()
    }

    /// Gas used by the last execution, exactly as on chain (0 before the first).
    pub fn gas_used(&self) -> u64 {
        self.last.as_ref().map_or(0, |r| r.gas_used)
    }

    /// Events of the last execution (empty unless it succeeded), in emission order, nested
    /// calls' included.
    pub fn events(&self) -> &[Event] {
        self.last.as_ref().map_or(&[], |r| &r.events)
    }

    /// The events of the last execution with topic 0 = `keccak256(name)` (an SDK `#[event]`
    /// struct called `name`), their data decoded as `E`.
    ///
    /// # Panics
    ///
    /// If such an event's data does not decode as exactly one `E`.
    pub fn decode_events<E: Decode>(&self, name: &str) -> Vec<E> {
        let signature = tally_host_env::keccak(name.as_bytes());
        self.events()
            .iter()
            .filter(|e| e.topics.first() == Some(&signature))
            .map(|e| decode_event(e).unwrap_or_else(|err| panic!("event {name}: {err}")))
            .collect()
    }

    /// Debug log lines of the last execution.
    pub fn logs(&self) -> Vec<String> {
        self.last.iter().flat_map(|r| &r.logs).map(|l| String::from_utf8_lossy(l).into_owned()).collect()
    }

    /// The contract's own storage entries (keys without the `s:` ‖ address prefix), in key
    /// order.
    pub fn storage(&self, contract: &Contract) -> Vec<(Vec<u8>, Vec<u8>)> {
        let prefix = [keys::STORAGE, &contract.address.0[..]].concat();
        let entries = self.memory.entries_with_prefix(&prefix, usize::MAX).expect("MemoryStorage does not fail");
        entries.into_iter().map(|(k, v)| (k[prefix.len()..].to_vec(), v)).collect()
    }

    // ---- snapshots ----

    /// The current state and block.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot { entries: self.memory.snapshot(), context: self.context.clone() }
    }

    /// Returns state and block to `snapshot`. Contracts deployed since stay known to the chain
    /// (their addresses are simply empty again); gas statistics are kept.
    pub fn rollback(&mut self, snapshot: &Snapshot) {
        self.memory.restore(snapshot.entries.clone());
        self.context = snapshot.context.clone();
    }

    // ---- records ----

    /// Records the next execution (deploy, call or query); read it with
    /// [`last_record`](Self::last_record).
    pub fn record_next(&mut self) -> &mut Self {
        self.record_next = true;
        self
    }

    /// The record of the last execution, if it was recorded.
    pub fn last_record(&self) -> Option<&ExecutionRecord> {
        self.last_record.as_ref()
    }

    /// Replays `record` against its read set alone (no access to this chain's state) and
    /// compares everything: the host-call transcript, status, return data, exact gas, events,
    /// writes and result hash.
    pub fn replay(&self, record: &ExecutionRecord) -> Result<Receipt, Divergence> {
        tally_host_env::replay(&self.runtime, record)
    }

    // ---- gas report ----

    /// Gas statistics of every successful execution so far, per (contract label, method),
    /// sorted by label then method. Deployments appear as method [`DEPLOY`]; queries count like
    /// calls; nested calls are part of their top-level call.
    pub fn gas_stats(&self) -> Vec<GasRow> {
        self.gas
            .iter()
            .map(|((contract, method), stats)| GasRow {
                contract: contract.clone(),
                method: method.clone(),
                stats: *stats,
            })
            .collect()
    }

    /// [`gas_stats`](Self::gas_stats) as an aligned text table (`contract method calls min max
    /// mean`).
    pub fn gas_report(&self) -> String {
        gas::text(&self.gas_stats())
    }

    /// [`gas_stats`](Self::gas_stats) as a Markdown table.
    pub fn gas_report_markdown(&self) -> String {
        gas::markdown(&self.gas_stats())
    }

    /// Forgets the gas statistics.
    pub fn reset_gas_stats(&mut self) {
        self.gas.clear();
    }
}

/// `selector(method) ‖ SCALE(args)`: the `call` input of an SDK contract.
pub fn sdk_input(method: &str, args: &impl Encode) -> Vec<u8> {
    let mut input = tally_sdk::selector(method).to_vec();
    args.encode_to(&mut input);
    input
}

/// Decodes an event's data as exactly one `E`.
pub fn decode_event<E: Decode>(event: &Event) -> Result<E, String> {
    failure::decode_all(&event.data)
}

/// Builds the contract package `package` of the cargo project at `manifest_dir` for wasm32 (with
/// its `name` section, see [`tally_sdk_build::BuildOptions::with_names`]) into
/// `<manifest_dir>/target/tally-contracts` (or `$CARGO_TARGET_DIR/tally-contracts`), once per
/// process, and returns the code. From a contract crate's own tests:
///
/// ```no_run
/// let wasm = tally_sdk_testing::build_contract(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME")).unwrap();
/// ```
pub fn build_contract(manifest_dir: &str, package: &str) -> Result<Vec<u8>, BuildError> {
    type Built = BTreeMap<(String, String), Result<PathBuf, BuildError>>;
    static BUILT: OnceLock<Mutex<Built>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    let key = (manifest_dir.to_string(), package.to_string());
    let path = built
        .entry(key)
        .or_insert_with(|| {
            let dir = Path::new(manifest_dir);
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .filter(|d| !d.is_empty())
                .map_or_else(|| dir.join("target"), PathBuf::from)
                .join("tally-contracts");
            let options = tally_sdk_build::BuildOptions::with_names();
            tally_sdk_build::build(&dir.join("Cargo.toml"), &target, &[package], &options).map(|mut p| p.remove(0))
        })
        .clone()?;
    std::fs::read(&path).map_err(|e| BuildError::new(format!("cannot read {}: {e}", path.display())))
}
