//! Tally's host environment: what a contract runs against.
//!
//! - [`Storage`]: the pluggable key-value state ([`MemoryStorage`], [`RedbStorage`]).
//! - [`Journal`]: the transaction overlay; writes reach storage only when a call succeeds.
//! - [`abi`]: the host functions contracts import (module `tally_host_v1`, see `ABI.md`).
//! - [`Runtime`]: deploy, call and query contracts; receipts with a result hash.
//! - [`limits`]: structural limits on contract code, checked at deploy and by `tally check`.
//! - [`record`]: execution records and [`replay`].

pub mod abi;
mod code;
mod context;
mod divergence;
mod frame;
pub mod journal;
pub mod limits;
mod params;
pub mod receipt;
pub mod record;
mod runtime;
mod state;
pub mod storage;

pub use code::CodeRejection;
pub use context::{Address, BlockContext};
pub use journal::{Checkpoint, Journal};
pub use limits::{check_code, CodeError, CodeLimits, CodeShape, Limit};
pub use params::{HostCosts, Limits, Params, ParamsError, PARAMS_VERSION};
pub use receipt::{Event, HostTrap, Receipt, Status, TrapLocation, WasmTrap};
pub use record::{replay, Divergence, ExecutionRecord, HostCall, RecordError, RecordKind};
pub use runtime::{
    keccak, CallRequest, CodeReport, DeployRequest, Deployed, ExecError, Runtime, DEFAULT_CODE_CACHE_BYTES,
};
pub use state::{contract_key, keys, Account};
pub use storage::{Entries, MemoryStorage, RedbStorage, ScanVisitor, Storage, StorageError, WriteSet};

/// Lower-case hex with a `0x` prefix.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

/// Parses hex with an optional `0x` prefix; `None` on odd length or a non-hex digit.
pub fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes().chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}
