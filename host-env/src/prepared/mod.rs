//! The node's prepared-code store: contract code as the VM runs it (checked, instrumented and
//! translated, then serialized by [`tally_vm::Module::serialize`]), kept by the node so that
//! loading a contract decodes it instead of preparing it again, across restarts too.
//!
//! Nothing here is consensus. Entries are keyed by (code hash, [params hash](crate::Params::params_hash)),
//! live beside the state but never in it (no write set, receipt or record mentions them), and
//! gas never depends on them: a load charges by the code's length and shape whether the entry
//! is there or not. A missing or unusable entry (state synced from another node, params
//! changed, an entry written by another build of the VM, a damaged one) is a *miss*: the node
//! prepares the code from state again, at the same gas, and stores the result.
//!
//! Deploy writes the entry; every load reads it. Because the params hash is part of the key, a
//! change of params (an upgrade) leaves every entry stale at once: the first load of each
//! contract after it pays only the (lower) load price but takes the node the time of a full
//! preparation. A node should re-prepare its contracts under the new params ahead of the switch
//! ([`crate::Runtime::prepare_stored`] does one).
//!
//! [`MemoryPreparedStore`] keeps entries in memory (tests, in-memory nodes);
//! [`RedbPreparedStore`] keeps them in a table of the node's redb database
//! ([`crate::RedbStorage::prepared_store`]); [`NoPreparedStore`] keeps nothing.

mod entry;
mod redb_store;

use std::collections::BTreeMap;
use std::sync::Mutex;

pub(crate) use entry::Entry;
pub use redb_store::RedbPreparedStore;

use crate::storage::StorageError;

/// What an entry is kept under: the Keccak-256 of the contract's code, then the params hash
/// the code was prepared under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PreparedKey {
    /// Keccak-256 of the code as deployed.
    pub code_hash: [u8; 32],
    /// [`Params::params_hash`](crate::Params::params_hash) of the params it was prepared under.
    pub params_hash: [u8; 32],
}

impl PreparedKey {
    /// The key as bytes: the code hash, then the params hash.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.code_hash);
        out[32..].copy_from_slice(&self.params_hash);
        out
    }
}

/// Where a node keeps prepared code. Entries are opaque bytes that carry their own checksum; a store only keeps them. A store that loses or damages an entry costs the node time,
/// never correctness: the runtime treats an unreadable entry (or a failing store) as absent.
pub trait PreparedStore: Send + Sync {
    /// The entry under `key`, if any.
    fn get(&self, key: &PreparedKey) -> Result<Option<Vec<u8>>, StorageError>;

    /// Stores `entry` under `key`, replacing any entry there.
    fn put(&self, key: &PreparedKey, entry: &[u8]) -> Result<(), StorageError>;

    /// Removes the entry under `key`, if any.
    fn remove(&self, key: &PreparedKey) -> Result<(), StorageError>;

    /// Whether [`put`](Self::put) keeps anything. A runtime over a store that keeps nothing
    /// ([`NoPreparedStore`]) does not serialize the entries it would put there: on a cold load
    /// that is about a seventh of the work (`BENCHMARKS.md`, "Prepared code").
    fn keeps_entries(&self) -> bool {
        true
    }
}

/// A [`PreparedStore`] that keeps nothing: a node (or a test) that relies on its code cache
/// alone and prepares code again after a restart or an eviction.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPreparedStore;

impl PreparedStore for NoPreparedStore {
    fn get(&self, _: &PreparedKey) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(None)
    }

    fn put(&self, _: &PreparedKey, _: &[u8]) -> Result<(), StorageError> {
        Ok(())
    }

    fn remove(&self, _: &PreparedKey) -> Result<(), StorageError> {
        Ok(())
    }

    fn keeps_entries(&self) -> bool {
        false
    }
}

/// A [`PreparedStore`] in memory: entries live as long as the store. Unbounded (it holds one
/// entry per distinct code prepared, like the state holds the code itself). An entry is a
/// multiple of the code's size, up to about 22 times it for code made of `br_table` targets
/// (one byte of code each, 22 bytes prepared).
#[derive(Debug, Default)]
pub struct MemoryPreparedStore {
    entries: Mutex<BTreeMap<PreparedKey, Vec<u8>>>,
}

impl MemoryPreparedStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<PreparedKey, Vec<u8>>> {
        // A panic elsewhere mid-insert leaves a complete map; keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many entries the store holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

impl PreparedStore for MemoryPreparedStore {
    fn get(&self, key: &PreparedKey) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.lock().get(key).cloned())
    }

    fn put(&self, key: &PreparedKey, entry: &[u8]) -> Result<(), StorageError> {
        self.lock().insert(*key, entry.to_vec());
        Ok(())
    }

    fn remove(&self, key: &PreparedKey) -> Result<(), StorageError> {
        self.lock().remove(key);
        Ok(())
    }
}
