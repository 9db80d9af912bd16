//! Tally's host environment: what a contract runs against.
//!
//! - [`Storage`]: the pluggable key-value state ([`MemoryStorage`], [`RedbStorage`]).
//! - [`Journal`]: the transaction overlay; writes reach storage only when a call succeeds.
//! - [`abi`]: the host functions contracts import (module `tally_host_v1`, see `ABI.md`).
//! - [`Runtime`]: deploy, call and query contracts; receipts with a result hash.
//! - [`prepared`]: the node's store of prepared code ([`MemoryPreparedStore`], [`RedbPreparedStore`]).
//! - [`limits`]: structural limits on contract code, checked at deploy and by `tally check`.
//! - [`record`]: execution records and [`replay`].
//! - [`sections`]: deployed code's executable part and custom sections, stored apart.

#![warn(missing_docs)]

pub mod abi;
mod code;
mod context;
mod divergence;
mod frame;
mod install;
pub mod journal;
pub mod limits;
mod opscan;
mod origin;
mod params;
pub mod prepared;
pub mod receipt;
pub mod record;
mod runtime;
pub mod sections;
mod state;
pub mod storage;

pub use code::CodeRejection;
pub use context::{Address, BlockContext};
pub use journal::{Checkpoint, Journal};
pub use limits::{check_code, CodeError, CodeLimits, CodeShape, Limit};
pub use params::{HostCosts, Limits, Params, ParamsError, PARAMS_VERSION};
pub use prepared::{MemoryPreparedStore, NoPreparedStore, PreparedKey, PreparedStore, RedbPreparedStore};
pub use receipt::{Event, HostTrap, Receipt, Status, TrapLocation, WasmTrap};
pub use record::{replay, Divergence, ExecutionRecord, HostCall, RecordError, RecordKind};
pub use runtime::{CallRequest, CodeReport, DeployRequest, Deployed, ExecError, Runtime, DEFAULT_CODE_CACHE_BYTES};
pub use state::{contract_key, keys, Account};
pub use storage::{Entries, MemoryStorage, RedbStorage, ScanVisitor, Storage, StorageError, WriteSet};
/// Keccak-256 and the `0x` hex form (from `tally-digest`), re-exported for users of the host API.
pub use tally_digest::{hex, keccak, parse_hex};
