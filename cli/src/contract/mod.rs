//! The contract commands: `tally check`, `deploy`, `call`, `query`, `replay` and `metadata`.
//!
//! These run contracts through `tally-host-env`'s [`Runtime`] with the default [`Params`],
//! against a redb state database ([`DEFAULT_DB`] unless `--db PATH`) or a fresh in-memory state
//! (`--in-memory`). This module holds what they share: the defaults, [`ContractError`], the
//! state and execution options ([`StateArgs`], [`ExecArgs`]), [`open_state`], [`runtime`] and
//! [`parse_address`]. Each command family has its own module:
//!
//! - [`check`]: `tally check` (also run by `tally build`);
//! - [`exec`]: `tally deploy`, `call` and `query`, with [`args`] (`--args` as SCALE input),
//!   [`sdk`] (methods and `--json-args` of SDK contracts, from their metadata) and [`signature`]
//!   (input checked against an SDK method's argument types before anything runs);
//! - [`replay`]: `tally replay` and the record files `--record` writes;
//! - [`receipt`]: receipts as text and JSON, with [`decode`] (return data, reverts and events
//!   decoded by the contracts' metadata);
//! - [`metadata`]: `tally metadata`, an SDK contract's metadata as JSON.
//!
//! # Exit codes
//!
//! 0: success (status `ok`, or a replay identical to its record). 1: any error — unreadable or
//! rejected code, bad arguments, unknown address or method, a locked or corrupted database, a
//! malformed or diverging record; nothing was committed. 2: the contract ran but failed
//! (reverted, trapped, out of gas, aborted, host trap); nothing was committed, gas was charged.

pub mod args;
pub mod check;
pub mod decode;
pub mod exec;
pub mod metadata;
pub mod receipt;
pub mod replay;
pub mod sdk;
pub mod signature;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use tally_host_env::{
    keys, Address, BlockContext, ExecError, MemoryStorage, Params, ParamsError, RecordError, RedbStorage, Runtime,
    Storage, StorageError,
};

use crate::CliError;

/// Where the state database lives unless `--db` says otherwise (relative to the working
/// directory).
pub const DEFAULT_DB: &str = "./.tally/state.redb";

/// The caller of `call`/`query` and the deployer of `deploy` unless `--caller`/`--deployer`
/// says otherwise: `0x00…01` (31 zero bytes, then 1).
pub const DEFAULT_ACCOUNT: Address = {
    let mut a = [0u8; 32];
    a[31] = 1;
    Address(a)
};

/// The gas limit unless `--gas` says otherwise (the schedule prices a simple operator at 1000,
/// so this is about ten million simple operators).
pub const DEFAULT_GAS: u64 = 10_000_000_000;

/// Default block height (`--height`).
pub const DEFAULT_HEIGHT: u64 = 1;

/// Default block time, seconds since the Unix epoch (`--time`).
pub const DEFAULT_TIME: u64 = 0;

/// Default chain id (`--chain-id`).
pub const DEFAULT_CHAIN_ID: u64 = 1;

/// Why a contract command could not produce a result. Nothing was committed.
#[derive(Debug)]
pub enum ContractError {
    /// Loading or parsing a code file failed.
    Load(CliError),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A command-line value is unusable (an address, an argument).
    Input(String),
    /// The state database could not be opened or used.
    Storage(StorageError),
    /// The execution stopped without a receipt (a backend failure).
    Exec(ExecError),
    /// The runtime cannot be built from the params.
    Params(ParamsError),
    /// An execution record file does not decode.
    Record {
        /// The record file.
        path: PathBuf,
        /// Why it does not decode.
        error: RecordError,
    },
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Load(e) => write!(f, "{e}"),
            Self::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Input(m) => write!(f, "{m}"),
            Self::Storage(e) => write!(f, "{e}"),
            Self::Exec(e) => write!(f, "{e}"),
            Self::Params(e) => write!(f, "{e}"),
            Self::Record { path, error } => write!(f, "cannot read record {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for ContractError {}

impl From<ExecError> for ContractError {
    fn from(e: ExecError) -> Self {
        match e {
            ExecError::Storage(s) => Self::Storage(s),
            e => Self::Exec(e),
        }
    }
}

impl From<CliError> for ContractError {
    fn from(e: CliError) -> Self {
        Self::Load(e)
    }
}

impl From<ParamsError> for ContractError {
    fn from(e: ParamsError) -> Self {
        Self::Params(e)
    }
}

impl From<StorageError> for ContractError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

/// Where the state lives.
#[derive(Debug, Args)]
pub struct StateArgs {
    /// The state database (a redb file). `deploy` creates it, and its directory, if missing.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DB)]
    db: PathBuf,

    /// Use a fresh, empty in-memory state instead of the database; nothing persists.
    #[arg(long, conflicts_with = "db")]
    in_memory: bool,
}

/// The block an execution runs in, and how it runs.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Call input: one 0x hex string taken verbatim, or typed values TYPE:VALUE, each
    /// SCALE-encoded and concatenated (u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 bool addr bytes
    /// str raw; e.g. `--args u32:7 str:hi addr:0x…`).
    #[arg(long, value_name = "ARG", num_args = 1..)]
    args: Vec<String>,

    /// Arguments as JSON, for contracts with SDK metadata: an object by argument name
    /// (`'{"to": "0x…", "value": 5}'`) or a positional array; encoded by the declared types.
    #[arg(long, value_name = "JSON", conflicts_with = "args")]
    json_args: Option<String>,

    /// The gas limit.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_GAS)]
    gas: u64,

    /// Block height the contract sees.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_HEIGHT)]
    height: u64,

    /// Block time the contract sees (seconds since the Unix epoch).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TIME)]
    time: u64,

    /// Chain id the contract sees.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CHAIN_ID)]
    chain_id: u64,

    /// Also write the execution record (for `tally replay`) to this file.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,

    /// Print exactly one JSON object on stdout (errors too: `{"error": "..."}`).
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    state: StateArgs,
}

impl ExecArgs {
    /// The block the execution sees.
    fn context(&self) -> BlockContext {
        BlockContext { height: self.height, time: self.time, chain_id: self.chain_id }
    }
}

/// Parses an address: `0x` followed by exactly 64 hex digits.
pub fn parse_address(text: &str) -> Result<Address, String> {
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("invalid address '{text}': expected 0x followed by 64 hex digits"))?;
    if digits.len() != 64 {
        return Err(format!("invalid address '{text}': expected 64 hex digits after 0x, found {}", digits.len()));
    }
    Address::from_hex(text).ok_or_else(|| format!("invalid address '{text}': not hexadecimal"))
}

/// Opens the state: a fresh [`MemoryStorage`] when `in_memory`, else the redb database at `db`.
///
/// With `create`, a missing database (and its parent directory) is created; without, a missing
/// file is an error, so that `call`/`query` against a mistyped path do not silently create an
/// empty state. A database held by another process is [`StorageError::Locked`], a damaged or
/// foreign file [`StorageError::Corrupted`].
pub fn open_state(db: &Path, in_memory: bool, create: bool) -> Result<Arc<dyn Storage>, ContractError> {
    open_node(db, in_memory, create).map(|(_, storage)| storage)
}

/// [`open_state`] with the runtime to run against it: a database's runtime keeps prepared code
/// in the same file (`RedbStorage::prepared_store`), so a later command loads a contract
/// deployed by an earlier one without preparing it again (a restart-warm call); the in-memory
/// state gets the default runtime.
pub fn open_node(db: &Path, in_memory: bool, create: bool) -> Result<(Runtime, Arc<dyn Storage>), ContractError> {
    if in_memory {
        return Ok((runtime()?, Arc::new(MemoryStorage::new())));
    }
    if create {
        if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| ContractError::Io {
                path: parent.to_path_buf(),
                message: format!("cannot create the database directory: {e}"),
            })?;
        }
    } else if !db.exists() {
        return Err(ContractError::Input(format!(
            "database {} does not exist (deploy a contract first, or pass --db PATH)",
            db.display()
        )));
    }
    let storage = Arc::new(RedbStorage::open(db)?);
    let runtime = Runtime::with_code_store(
        Params::default(),
        tally_host_env::DEFAULT_CODE_CACHE_BYTES,
        Arc::new(storage.prepared_store()),
    )?;
    Ok((runtime, storage))
}

/// Whether an account (a deployed contract) exists at `address`.
pub fn has_contract(storage: &Arc<dyn Storage>, address: &Address) -> Result<bool, ContractError> {
    let key = [keys::ACCOUNT, &address.0[..]].concat();
    Ok(storage.get(&key).map_err(ContractError::Storage)?.is_some())
}

/// The runtime every command uses: default [`Params`].
pub fn runtime() -> Result<Runtime, ContractError> {
    Ok(Runtime::new(Params::default())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses() {
        let text = format!("0x{}01", "00".repeat(31));
        assert_eq!(parse_address(&text), Ok(DEFAULT_ACCOUNT));
        assert_eq!(DEFAULT_ACCOUNT.to_string(), text);
        assert!(parse_address(&text[2..]).is_err());
        assert!(parse_address("0x01").unwrap_err().contains("found 2"));
        assert!(parse_address(&format!("0x{}", "zz".repeat(32))).is_err());
    }
}
