//! Contract code: checking and preparing it (contract limits, instrumentation, translation, the
//! host ABI's imports), loading it from state for a frame with its charges, and the node's cache
//! of prepared code (in memory, in front of the prepared-code store of [`crate::prepared`]).
//!
//! Gas never depends on the node's cache or store: the first frame of a transaction to run some code pays
//! for loading it by the code's length and shape whether the node prepares it afresh or finds it
//! prepared; later frames of the same transaction pay nothing more than their call, since the
//! transaction itself holds the prepared code until it ends. The cache only saves time, and is
//! bounded by the bytes of prepared code it holds.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use parity_scale_codec::Decode;
use tally_vm::{InstancePre, Linker, Module};

use crate::abi;
use crate::context::Address;
use crate::limits::{check_code, CodeError, CodeShape};
use crate::params::Params;
use crate::prepared::{Entry, PreparedKey, PreparedStore};
use crate::runtime::{ExecError, Host, Tx};
use crate::sections::{self, CustomSections, SplitCode};
use crate::state::{self, Account};

/// Why contract code was refused, at deploy or when a call loads it under the current params.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeRejection {
    /// The code is larger than [`Limits::max_code_size`](crate::Limits::max_code_size).
    TooLarge {
        /// The code's length in bytes.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// The bytes are malformed, or break a contract limit ([`crate::limits`]).
    Limits(CodeError),
    /// The gas-injector refused the module (the profile, or its own bounds).
    Instrument(tally_gas_injector::InjectError),
    /// The VM refused the instrumented module (the profile or the VM's limits).
    Module {
        /// The VM's error. Its offsets and function indices are the instrumented module's;
        /// `offset` and `function` are the code's as deployed.
        error: tally_vm::Error,
        /// Byte offset in the code as deployed of what the VM refused, when the error names
        /// one: mapped back through the instrumentation (for an injected instruction, the
        /// original byte it was inserted before; see [`tally_gas_injector::Origin`]).
        offset: Option<usize>,
        /// Index of the function concerned in the code as deployed, when the error names one.
        function: Option<u32>,
    },
    /// An import is not a function of the host ABI with the ABI's signature.
    Import {
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
        /// What is wrong with it.
        problem: String,
        /// Byte offset of the import in the code (`None` only if the code's import section could
        /// not be read again, which the validation the code passed rules out).
        offset: Option<usize>,
    },
}

impl core::fmt::Display for CodeRejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CodeRejection::TooLarge { size, max } => write!(f, "code is {size} bytes; the limit is {max}"),
            CodeRejection::Limits(e) => e.fmt(f),
            CodeRejection::Instrument(e) => e.fmt(f),
            CodeRejection::Module { error, offset, function } => {
                let (class, message) = crate::origin::describe(error);
                f.write_str(class)?;
                if let Some(function) = function {
                    write!(f, " in function {function}")?;
                }
                if let Some(offset) = offset {
                    write!(f, " at offset {offset:#x}")?;
                }
                write!(f, ": {message}")
            }
            CodeRejection::Import { module, name, problem, offset: Some(offset) } => {
                write!(f, "import `{module}.{name}` at offset {offset:#x}: {problem}")
            }
            CodeRejection::Import { module, name, problem, offset: None } => {
                write!(f, "import `{module}.{name}`: {problem}")
            }
        }
    }
}

impl CodeRejection {
    /// The byte offset in the code as deployed (not instrumented) this rejection is about, if it
    /// is about one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            CodeRejection::Limits(CodeError::Limit { offset, .. } | CodeError::Malformed { offset, .. }) => {
                Some(*offset)
            }
            CodeRejection::Instrument(e) => e.offset(),
            CodeRejection::Module { offset, .. } | CodeRejection::Import { offset, .. } => *offset,
            CodeRejection::TooLarge { .. } => None,
        }
    }
}

impl CodeRejection {
    /// This rejection of a code's executable part, with its offsets moved to the code as
    /// deployed (`custom` being what was taken out of it).
    pub(crate) fn at_deployed_offsets(mut self, custom: &CustomSections) -> Self {
        use tally_gas_injector::InjectError as I;
        let offset = match &mut self {
            CodeRejection::Limits(CodeError::Limit { offset, .. } | CodeError::Malformed { offset, .. }) => offset,
            CodeRejection::Instrument(
                I::Invalid { offset, .. }
                | I::UnsupportedFeature { offset, .. }
                | I::ReservedImport { offset, .. }
                | I::ReservedExport { offset, .. }
                | I::Forbidden { offset, .. }
                | I::CostOverflow { offset, .. }
                | I::UnsupportedType { offset, .. },
            ) => offset,
            CodeRejection::Module { offset: Some(offset), .. } | CodeRejection::Import { offset: Some(offset), .. } => {
                offset
            }
            CodeRejection::Instrument(
                I::Schedule(_) | I::FrameTooLarge { .. } | I::TooLarge { .. } | I::Internal { .. },
            )
            | CodeRejection::Module { offset: None, .. }
            | CodeRejection::Import { offset: None, .. }
            | CodeRejection::TooLarge { .. } => return self,
        };
        *offset = custom.deployed_offset(*offset);
        self
    }
}

/// The stage's own typed error is the variant's field; [`Display`](core::fmt::Display) renders
/// it, so it is not repeated as a `source`.
impl std::error::Error for CodeRejection {}

/// A contract's code, checked and ready to instantiate.
pub(crate) struct LoadedCode {
    pub module: Module,
    /// The module linked against the host ABI and prepared for instantiation: what each frame
    /// instantiates. Its size is bounded by the code's (see [`tally_vm::InstancePre`]).
    pub pre: InstancePre<Host>,
    pub shape: CodeShape,
    /// Size of the instrumented module.
    pub module_len: usize,
    /// Callable methods: exported functions of type `() -> ()`, in export order.
    pub methods: Vec<String>,
    /// Function names from the name section, by index in the original module.
    pub names: BTreeMap<u32, String>,
    /// Bytes the cache accounts this entry at.
    footprint: usize,
}

impl LoadedCode {
    pub fn has_method(&self, name: &str) -> bool {
        self.methods.iter().any(|m| m == name)
    }
}

/// Splits code as deployed ([`crate::sections`]), checks its executable part against the
/// limits, instruments and translates it, checks its imports against the host ABI, and prepares
/// its instantiation with `linker` (the host ABI's), as a deployment does; a rejection's offsets
/// are the deployed code's. Work proportional to the code; callers charge for it first.
pub(crate) fn prepare(
    linker: &Linker<Host>,
    params: &Params,
    code: &[u8],
) -> Result<(LoadedCode, SplitCode), CodeRejection> {
    let max = params.limits.max_code_size;
    if code.len() > max as usize {
        return Err(CodeRejection::TooLarge { size: code.len(), max });
    }
    let split = sections::split(code);
    let executable = &split.executable;
    let loaded = check_code(executable, &params.code)
        .map_err(CodeRejection::Limits)
        .and_then(|shape| prepare_checked(linker, params, executable, shape))
        .map_err(|e| e.at_deployed_offsets(&split.custom))?;
    Ok((loaded, split))
}

/// [`prepare`] for code whose limits were checked, measuring `shape`.
fn prepare_checked(
    linker: &Linker<Host>,
    params: &Params,
    code: &[u8],
    shape: CodeShape,
) -> Result<LoadedCode, CodeRejection> {
    let instrumented = tally_gas_injector::instrument(code, &params.schedule).map_err(CodeRejection::Instrument)?;
    // SAFETY: `instrumented` is valid under the profile, which is what `new_prevalidated`
    // requires. `instrument` validated `code` under the profile's features (every section with
    // wasmparser's validator; every body with the profile's own validator, `tally_profile::body`,
    // which accepts only what wasmparser's accepts, or else with wasmparser's from the body's
    // start: `tally_profile::body::cross_check` holds the first to the second operator by
    // operator in conformance and the `body_check` fuzz target) and refuses what does not
    // validate; its output is that module with the metering imports and types added, function
    // indices shifted, and each body wrapped in a block typed `[] -> results` and given the
    // patterns of `gas-injector/SPEC.md` (`i64.const c; call 0`, `memory.size 0; i64.const p;
    // call 1; drop`, `i64.const unit; call 1` over an `i32` length on the stack, `i32.const F;
    // call 2/3`), each well-typed where it is put. Conformance checks that the output validates (the
    // spec suite, the `instrument_verify` and `smith_differential` fuzz targets and their seeds)
    // and that translating it with and without a second validation gives the same module or the
    // same error (the same targets); `verify` re-derives every injected pattern independently.
    let module = unsafe { Module::new_prevalidated(linker.engine(), &instrumented) }.map_err(|error| {
        let located = crate::origin::locate(code, &params.schedule, &error);
        CodeRejection::Module { error, offset: located.offset, function: located.function }
    })?;
    finish(linker, module, shape, instrumented.len(), function_names(code), Some(code))
}

/// Checks the imports of a translated `module` against the host ABI and prepares its
/// instantiation: the part of loading that a prepared entry does not hold. `code` (the code as
/// deployed, when at hand) locates a refused import; a decoded entry's refusal is a miss.
fn finish(
    linker: &Linker<Host>,
    module: Module,
    shape: CodeShape,
    module_len: usize,
    names: BTreeMap<u32, String>,
    code: Option<&[u8]>,
) -> Result<LoadedCode, CodeRejection> {
    for (index, import) in module.import_types().iter().enumerate() {
        if import.module() == tally_profile::metering::MODULE {
            continue;
        }
        let problem = |problem: String| CodeRejection::Import {
            module: import.module().to_string(),
            name: import.name().to_string(),
            problem,
            // The instrumented module's imports are the metering ones, then the code's.
            offset: code.and_then(|code| {
                index
                    .checked_sub(tally_profile::metering::FUNC_SHIFT as usize)
                    .and_then(|i| crate::origin::import_offset(code, i))
            }),
        };
        if import.module() != abi::MODULE {
            return Err(problem(format!("contracts may import only from `{}`", abi::MODULE)));
        }
        let Some(f) = abi::HostFn::ALL.iter().copied().find(|f| f.name() == import.name()) else {
            return Err(problem("no such host function in ABI v1".into()));
        };
        let tally_vm::ExternType::Func(ty) = import.ty() else {
            return Err(problem("must be a function".into()));
        };
        let (params, results) = abi::signature(f);
        if ty.params() != params || ty.results() != results {
            return Err(problem(format!("has type {ty:?}, expected params {params:?} results {results:?}")));
        }
    }
    let methods = module
        .exported_funcs()
        .filter(|(_, ty)| ty.params().is_empty() && ty.results().is_empty())
        .map(|(name, _)| name.to_string())
        .collect();
    // The names map is not in the module's footprint, and a name section can announce many
    // names in few bytes (an empty name of a function that does not exist takes 4): count each
    // entry's string, key and its share of a B-tree node (nodes are at least half full).
    let names_bytes: usize =
        names.values().map(|n| n.len() + 2 * core::mem::size_of::<(u32, String)>()).fold(0, usize::saturating_add);
    let pre = linker.instantiate_pre(&module);
    let footprint = module
        .footprint()
        .saturating_add(pre.footprint())
        .saturating_add(module_len)
        .saturating_add(shape.bytes as usize)
        .saturating_add(names_bytes);
    Ok(LoadedCode { module, pre, shape, module_len, methods, names, footprint })
}

/// Function names from the original module's name section. Best effort: the module already
/// passed validation, so a parse failure here only loses names.
fn function_names(code: &[u8]) -> BTreeMap<u32, String> {
    use wasmparser::{Name, Payload};
    let mut names = BTreeMap::new();
    for payload in tally_profile::parser(tally_profile::features()).parse_all(code) {
        match payload {
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
    names
}

/// Why a frame's code could not be loaded.
pub(crate) enum LoadFail {
    /// A charge ran out of gas (the budget is now empty).
    OutOfGas,
    /// No account at the address.
    NoSuchContract,
    /// The code is refused under the current params.
    Invalid(CodeRejection),
    /// A stored entry does not decode or match its hash.
    Corrupt { key: Vec<u8>, message: String },
    /// The backend failed.
    Fatal(ExecError),
}

impl From<crate::storage::StorageError> for LoadFail {
    fn from(e: crate::storage::StorageError) -> Self {
        LoadFail::Fatal(ExecError::Storage(e))
    }
}

/// Takes `amount` gas, or reports that there is not enough (and takes everything left).
pub(crate) type Charge<'a> = &'a mut dyn FnMut(u64) -> bool;

/// (code hash, params hash).
type CodeKey = ([u8; 32], [u8; 32]);

/// Prepared code, least recently used evicted first once it holds more than its byte capacity.
pub(crate) struct CodeCache {
    inner: Mutex<CacheInner>,
    capacity: usize,
}

#[derive(Default)]
struct CacheInner {
    entries: BTreeMap<CodeKey, (Arc<LoadedCode>, u64)>,
    /// Last use → key: the eviction order.
    by_use: BTreeMap<u64, CodeKey>,
    bytes: usize,
    clock: u64,
}

impl CodeCache {
    /// An empty cache that holds at most `capacity` bytes of prepared code.
    pub fn new(capacity: usize) -> Self {
        CodeCache { inner: Mutex::new(CacheInner::default()), capacity }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, key: &CodeKey) -> Option<Arc<LoadedCode>> {
        let mut c = self.lock();
        c.clock += 1;
        let now = c.clock;
        let (loaded, used) = c.entries.get_mut(key)?;
        let (loaded, before) = (loaded.clone(), std::mem::replace(used, now));
        c.by_use.remove(&before);
        c.by_use.insert(now, *key);
        Some(loaded)
    }

    fn insert(&self, key: CodeKey, loaded: Arc<LoadedCode>) {
        if loaded.footprint > self.capacity {
            return;
        }
        let mut c = self.lock();
        c.clock += 1;
        let now = c.clock;
        let size = loaded.footprint;
        if let Some((old, used)) = c.entries.insert(key, (loaded, now)) {
            c.by_use.remove(&used);
            c.bytes -= old.footprint;
        }
        c.by_use.insert(now, key);
        c.bytes += size;
        while c.bytes > self.capacity {
            let Some((_, oldest)) = c.by_use.pop_first() else { break };
            if let Some((old, _)) = c.entries.remove(&oldest) {
                c.bytes -= old.footprint;
            }
        }
    }

    /// Bytes of prepared code held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

/// Loads code for frames and deployments under one set of params.
pub(crate) struct Loader<'a> {
    /// The host ABI's linker (and through it, the engine).
    pub linker: &'a Linker<Host>,
    pub params: &'a Params,
    pub params_hash: [u8; 32],
    pub cache: &'a CodeCache,
    /// The node's prepared code ([`crate::prepared`]).
    pub store: &'a dyn PreparedStore,
}

impl Loader<'_> {
    /// The code of the contract at `address`, through the journal (so the reads are recorded).
    /// The first load of some code in a transaction charges
    /// [`HostCosts::load_cost`](crate::HostCosts::load_cost) by the length of its executable
    /// part (from the account, before the code is read) and then
    /// [`HostCosts::load_shape_cost`](crate::HostCosts::load_shape_cost) by its shape, each
    /// before the work it pays for, whether the node holds the code prepared (in its cache or its
    /// prepared-code store) or prepares it afresh; a later load of the same code in the
    /// transaction charges nothing more.
    pub fn load_contract(
        &self,
        tx: &mut Tx,
        address: &Address,
        charge: Charge<'_>,
    ) -> Result<([u8; 32], Arc<LoadedCode>), LoadFail> {
        let raw = tx.journal.get(state::account_key(address))?.ok_or(LoadFail::NoSuchContract)?;
        let account = Account::decode(&mut &raw[..])
            .map_err(|e| LoadFail::Corrupt { key: state::account_key(address), message: format!("account: {e}") })?;
        // The transaction already paid for this code and holds it: the call's own charge covers
        // this lookup.
        if let Some(loaded) = tx.code.get(&account.code_hash) {
            return Ok((account.code_hash, loaded.clone()));
        }
        let ck = state::code_key(&account.code_hash);
        if !charge(self.params.host.load_cost(account.code_len as usize)) {
            return Err(LoadFail::OutOfGas);
        }
        let cache_key = (account.code_hash, self.params_hash);
        if tx.recording {
            // A record carries the code's custom sections, so that tools can read its metadata
            // from the record alone. Only a recording reads them (a replay never does): at most
            // `max_code_size` bytes, held once per code per transaction, which `load` covers
            // (ABI.md, "Memory bound").
            tx.journal.get(state::custom_key(&account.code_hash))?;
        }
        if let Some(loaded) = self.cache.get(&cache_key) {
            if tx.recording {
                // A record must carry the code, so replay needs no database.
                tx.journal.get(ck.as_slice())?;
            }
            if !charge(self.params.host.load_shape_cost(&loaded.shape)) {
                return Err(LoadFail::OutOfGas);
            }
            tx.code.insert(account.code_hash, loaded.clone());
            return Ok((account.code_hash, loaded));
        }
        // Whether the shape charge was taken (from a stored entry that then failed to decode).
        let mut shape_paid = false;
        if let Some(entry) = self.stored(&cache_key) {
            if tx.recording {
                tx.journal.get(ck.as_slice())?;
            }
            if !charge(self.params.host.load_shape_cost(&entry.shape)) {
                return Err(LoadFail::OutOfGas);
            }
            shape_paid = true;
            if let Some(loaded) = self.decode_entry(&entry) {
                self.cache.insert(cache_key, loaded.clone());
                tx.code.insert(account.code_hash, loaded.clone());
                return Ok((account.code_hash, loaded));
            }
        }
        let code = tx
            .journal
            .get(ck.as_slice())?
            .ok_or_else(|| LoadFail::Corrupt { key: ck.clone(), message: "account without code".into() })?;
        if code.len() != account.code_len as usize {
            let message = format!("the account says {} bytes of code, {} are stored", account.code_len, code.len());
            return Err(LoadFail::Corrupt { key: ck, message });
        }
        // The code is not hashed again: that would cost a fifth of the load, to check the node's
        // own database, which deploy wrote under this very hash.
        let shape_charge = if shape_paid { ShapeCharge::Paid } else { ShapeCharge::Load };
        let loaded = self.prepare_and_store(cache_key, &code, shape_charge, charge)?;
        tx.code.insert(account.code_hash, loaded.clone());
        Ok((account.code_hash, loaded))
    }

    /// Splits code being deployed (not yet stored) into the parts it is stored as
    /// ([`crate::sections`]) and prepares its executable part with [`load_code`](Self::load_code);
    /// a rejection's offsets are the deployed code's. The caller took the charge by the whole
    /// code's length (`deploy_code_byte`), which pays for the split too.
    pub fn load_deployed(
        &self,
        code_hash: [u8; 32],
        code: &[u8],
        charge: Charge<'_>,
    ) -> Result<(Arc<LoadedCode>, SplitCode), LoadFail> {
        let max = self.params.limits.max_code_size;
        if code.len() > max as usize {
            return Err(LoadFail::Invalid(CodeRejection::TooLarge { size: code.len(), max }));
        }
        let split = sections::split(code);
        match self.load_code(code_hash, &split.executable, charge) {
            Ok(loaded) => Ok((loaded, split)),
            Err(LoadFail::Invalid(e)) => Err(LoadFail::Invalid(e.at_deployed_offsets(&split.custom))),
            Err(fail) => Err(fail),
        }
    }

    /// Prepares the executable part of code (being deployed, or stored), through the cache and
    /// the prepared-code store, and stores the prepared entry. The caller took the charge by
    /// length (`deploy_code_byte`); this charges
    /// [`HostCosts::prepare_shape_cost`](crate::HostCosts::prepare_shape_cost) once the check has
    /// measured the code (or the stored entry says its shape), before it is instrumented and
    /// translated (or decoded), prepared before or not.
    pub fn load_code(&self, code_hash: [u8; 32], code: &[u8], charge: Charge<'_>) -> Result<Arc<LoadedCode>, LoadFail> {
        let cache_key = (code_hash, self.params_hash);
        if let Some(loaded) = self.cache.get(&cache_key) {
            if !charge(self.params.host.prepare_shape_cost(&loaded.shape)) {
                return Err(LoadFail::OutOfGas);
            }
            return Ok(loaded);
        }
        let mut shape_paid = false;
        if let Some(entry) = self.stored(&cache_key) {
            if !charge(self.params.host.prepare_shape_cost(&entry.shape)) {
                return Err(LoadFail::OutOfGas);
            }
            shape_paid = true;
            if let Some(loaded) = self.decode_entry(&entry) {
                self.cache.insert(cache_key, loaded.clone());
                return Ok(loaded);
            }
        }
        let shape_charge = if shape_paid { ShapeCharge::Paid } else { ShapeCharge::Prepare };
        self.prepare_and_store(cache_key, code, shape_charge, charge)
    }

    /// Checks `code`, charges its shape as `shape_charge` says, prepares it, and keeps it in the
    /// cache and the prepared-code store.
    fn prepare_and_store(
        &self,
        cache_key: CodeKey,
        code: &[u8],
        shape_charge: ShapeCharge,
        charge: Charge<'_>,
    ) -> Result<Arc<LoadedCode>, LoadFail> {
        let max = self.params.limits.max_code_size;
        if code.len() > max as usize {
            return Err(LoadFail::Invalid(CodeRejection::TooLarge { size: code.len(), max }));
        }
        let shape = check_code(code, &self.params.code).map_err(|e| LoadFail::Invalid(CodeRejection::Limits(e)))?;
        let shape_cost = match shape_charge {
            ShapeCharge::Load => Some(self.params.host.load_shape_cost(&shape)),
            ShapeCharge::Prepare => Some(self.params.host.prepare_shape_cost(&shape)),
            ShapeCharge::Paid => None,
        };
        if shape_cost.is_some_and(|cost| !charge(cost)) {
            return Err(LoadFail::OutOfGas);
        }
        let loaded = Arc::new(prepare_checked(self.linker, self.params, code, shape).map_err(LoadFail::Invalid)?);
        // A module the VM cannot serialize (none should exist) or a store that fails only costs
        // time on the next load. A store that keeps nothing is not given an entry to drop.
        if self.store.keeps_entries() {
            let names: Vec<(u32, String)> = loaded.names.iter().map(|(i, n)| (*i, n.clone())).collect();
            if let Ok(entry) = Entry::encode(&loaded.module, loaded.shape, loaded.module_len, &names) {
                let _ = self.store.put(&prepared_key(&cache_key), &entry);
            }
        }
        self.cache.insert(cache_key, loaded.clone());
        Ok(loaded)
    }

    /// The stored entry under `key` if there is one whose hash matches; anything else (absent,
    /// damaged, another version, a failing store) is a miss.
    fn stored(&self, key: &CodeKey) -> Option<Entry> {
        let bytes = self.store.get(&prepared_key(key)).ok().flatten()?;
        Entry::open(bytes).ok()
    }

    /// The loaded code of an entry whose shape was paid for, or `None` (a miss) when the VM
    /// refuses its module (another build or configuration) or its imports no longer link.
    fn decode_entry(&self, entry: &Entry) -> Option<Arc<LoadedCode>> {
        let module = entry.module(self.linker.engine()).ok()?;
        let names = entry.names.iter().cloned().collect();
        finish(self.linker, module, entry.shape, entry.module_len, names, None).ok().map(Arc::new)
    }
}

/// Which shape charge a preparation takes: a frame's load (a miss of the prepared-code store
/// charges what a hit does), a deployment's, or none (already taken).
enum ShapeCharge {
    Load,
    Prepare,
    Paid,
}

fn prepared_key(key: &CodeKey) -> PreparedKey {
    PreparedKey { code_hash: key.0, params_hash: key.1 }
}
