//! Execution records and replay.
//!
//! A record holds everything needed to re-run an execution without the database: the request,
//! the read set (every key the execution read from storage, with its value or absence — contract
//! code included), the host-call transcript, and the outcome. [`replay`] runs the request again
//! against the read set alone and reports the first point where the new run diverges
//! ([`Divergence`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use parity_scale_codec::{Decode, Encode};

use crate::abi::HostFn;
use crate::context::{Address, BlockContext};
pub use crate::divergence::Divergence;
use crate::receipt::Receipt;
use crate::runtime::{CallRequest, DeployRequest, ExecError, ReplayRequest, Runtime};
use crate::storage::{Storage, StorageError, WriteSet};

/// The record format version. Version 2: a recorded load also reads the code's custom-sections
/// entry (`m:` ‖ code hash), so a version-1 record would diverge on replay instead of being
/// refused as old.
pub const RECORD_VERSION: u32 = 2;

/// Magic bytes that start an encoded record.
pub const RECORD_MAGIC: &[u8; 8] = b"TALLYREC";

/// One host call, as the transcript saw it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct HostCall {
    /// Call depth of the frame that made it (1 = top level).
    pub depth: u32,
    /// The host function's id ([`HostFn`]).
    pub function: u16,
    /// Frame gas before the call.
    pub gas_before: u64,
    /// Frame gas after the call (after its charges; for `call`, after the callee).
    pub gas_after: u64,
    /// Keccak-256 over the call's inputs and outputs (arguments read from memory, values
    /// returned or written).
    pub io: [u8; 32],
}

impl HostCall {
    /// The host function's name.
    pub fn function_name(&self) -> &'static str {
        HostFn::from_id(self.function).map_or("<unknown>", HostFn::name)
    }
}

/// What was executed.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum RecordKind {
    /// A call (or a query) of a deployed contract.
    Call {
        /// The contract.
        contract: Address,
        /// The method.
        method: String,
        /// Whether it ran as a query.
        read_only: bool,
    },
    /// A deployment.
    Deploy {
        /// The deployed code.
        code: Vec<u8>,
        /// The initializer, if one ran.
        init: Option<String>,
    },
}

/// A replayable record of one execution.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ExecutionRecord {
    /// [`RECORD_VERSION`].
    pub version: u32,
    /// The `tally-host-env` version that wrote it.
    pub vm_version: String,
    /// Hash of the params it ran under.
    pub params_hash: [u8; 32],
    /// What ran.
    pub kind: RecordKind,
    /// Code hash of the top-level contract.
    pub code_hash: [u8; 32],
    /// The caller (deployer for deployments).
    pub caller: Address,
    /// The block context.
    pub context: BlockContext,
    /// The gas limit.
    pub gas_limit: u64,
    /// The input.
    pub input: Vec<u8>,
    /// Every key read from storage, sorted, with its value or `None` if absent.
    pub read_set: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// Host calls in order.
    pub transcript: Vec<HostCall>,
    /// The receipt.
    pub outcome: Receipt,
}

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The bytes do not start with [`RECORD_MAGIC`].
    NotARecord,
    /// A version this build does not read.
    Version(u32),
    /// The bytes do not decode (truncated or corrupted).
    Malformed(String),
}

impl core::fmt::Display for RecordError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RecordError::NotARecord => write!(f, "not a Tally execution record (bad magic bytes)"),
            RecordError::Version(v) => {
                write!(f, "record version {v} is not supported (this build reads {RECORD_VERSION})")
            }
            RecordError::Malformed(m) => write!(f, "record is truncated or corrupted: {m}"),
        }
    }
}

impl std::error::Error for RecordError {}

impl ExecutionRecord {
    /// `RECORD_MAGIC ‖ SCALE(self)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = RECORD_MAGIC.to_vec();
        self.encode_to(&mut out);
        out
    }

    /// Decodes [`to_bytes`](Self::to_bytes) output. Never panics; rejects trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RecordError> {
        let rest = bytes.strip_prefix(&RECORD_MAGIC[..]).ok_or(RecordError::NotARecord)?;
        let version = u32::decode(&mut &rest[..]).map_err(|e| RecordError::Malformed(e.to_string()))?;
        if version != RECORD_VERSION {
            return Err(RecordError::Version(version));
        }
        let mut input = rest;
        let record = ExecutionRecord::decode(&mut input).map_err(|e| RecordError::Malformed(e.to_string()))?;
        if !input.is_empty() {
            return Err(RecordError::Malformed(format!("{} trailing bytes", input.len())));
        }
        Ok(record)
    }
}

/// A [`Storage`] holding only a record's read set: reading any other key is an error, and
/// commits are refused (a replay never writes).
#[derive(Debug)]
pub struct ReadSetStorage {
    entries: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl ReadSetStorage {
    /// A store over `read_set`.
    pub fn new(read_set: &[(Vec<u8>, Option<Vec<u8>>)]) -> Self {
        Self { entries: read_set.iter().cloned().collect() }
    }
}

impl Storage for ReadSetStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.entries.get(key).cloned().ok_or_else(|| StorageError::NotInReadSet { key: key.to_vec() })
    }

    fn scan_prefix(&self, _prefix: &[u8], _visit: &mut crate::storage::ScanVisitor<'_>) -> Result<(), StorageError> {
        Err(StorageError::Backend { message: "a replay store cannot be scanned".into() })
    }

    fn commit(&self, _writes: &WriteSet) -> Result<(), StorageError> {
        Ok(())
    }
}

/// Re-runs `record` on `runtime` against its read set alone. `Ok(receipt)` when nothing diverged
/// (the receipt's result hash equals the record's); otherwise the first divergence.
pub fn replay(runtime: &Runtime, record: &ExecutionRecord) -> Result<Receipt, Divergence> {
    if runtime.params_hash() != record.params_hash {
        return Err(Divergence::Params { recorded: record.params_hash, replayed: runtime.params_hash() });
    }
    let storage: Arc<dyn Storage> = Arc::new(ReadSetStorage::new(&record.read_set));
    // The record's own account of the gas bounds the replay's work; one more unit tells running
    // past it from stopping at it.
    let ceiling = record.outcome.gas_used.saturating_add(1);
    let result = match &record.kind {
        RecordKind::Call { contract, method, read_only } => {
            let req = CallRequest {
                contract: *contract,
                method: method.clone(),
                input: record.input.clone(),
                caller: record.caller,
                gas_limit: record.gas_limit,
                context: record.context.clone(),
            };
            runtime.replay_bounded(&storage, ReplayRequest::Call(&req, *read_only), ceiling)
        }
        RecordKind::Deploy { code, init } => {
            let req = DeployRequest {
                code: code.clone(),
                deployer: record.caller,
                init: init.clone(),
                input: record.input.clone(),
                gas_limit: record.gas_limit,
                context: record.context.clone(),
            };
            runtime.replay_bounded(&storage, ReplayRequest::Deploy(&req), ceiling)
        }
    };
    let (receipt, replayed) = match result {
        Ok(f) if f.ceiling_reached => {
            return Err(Divergence::GasExceeded { recorded: record.outcome.gas_used });
        }
        Ok(f) => match f.record {
            Some(record) => (f.receipt, record),
            None => return Err(Divergence::Failed("the replay kept no record".into())),
        },
        Err(ExecError::Storage(StorageError::NotInReadSet { key })) => {
            return Err(Divergence::ReadOutsideReadSet { key, after_host_calls: 0 });
        }
        Err(e) => return Err(Divergence::Failed(e.to_string())),
    };
    crate::divergence::compare(record, &replayed)?;
    Ok(receipt)
}
