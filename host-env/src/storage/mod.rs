//! The key-value state contracts run against, and its two backends.
//!
//! [`Storage`] is the only thing Tally needs from a database: point reads, ordered prefix scans,
//! and an atomic commit of one sorted [`WriteSet`]. Execution never writes to a backend directly;
//! it goes through the [`Journal`](crate::Journal), which hands over the write set only when the
//! whole transaction succeeded.

mod memory;
mod redb_backend;

use core::fmt;
use core::ops::ControlFlow;
use std::collections::BTreeMap;

pub use memory::MemoryStorage;
pub(crate) use redb_backend::map_error as map_redb_error;
pub use redb_backend::RedbStorage;

/// The callback of [`Storage::scan_prefix`]: sees each key and value, and breaks to stop.
pub type ScanVisitor<'a> = dyn FnMut(&[u8], &[u8]) -> ControlFlow<()> + 'a;

/// Key-value pairs in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// A pluggable key-value store. Keys and values are arbitrary bytes; keys order bytewise.
///
/// Implementations must be safe to share between threads: node software typically keeps one
/// database handle and runs queries while a block executes.
pub trait Storage: Send + Sync {
    /// The value under `key`, or `None` when absent.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;

    /// Visits every entry whose key starts with `prefix`, in ascending bytewise key order, until
    /// `visit` breaks.
    fn scan_prefix(&self, prefix: &[u8], visit: &mut ScanVisitor<'_>) -> Result<(), StorageError>;

    /// Applies every write of `writes` atomically: after a crash at any point, either all of
    /// them are visible or none is. When `commit` itself returns an error, the caller cannot
    /// know which of the two happened (the backend may have made the set durable just before
    /// failing); it must re-read before retrying.
    fn commit(&self, writes: &WriteSet) -> Result<(), StorageError>;

    /// Sets `key` to `value` (one-entry commit).
    fn set(&self, key: &[u8], value: &[u8]) -> Result<(), StorageError> {
        let mut w = WriteSet::new();
        w.set(key.to_vec(), value.to_vec());
        self.commit(&w)
    }

    /// Removes `key` (one-entry commit); removing an absent key is not an error.
    fn remove(&self, key: &[u8]) -> Result<(), StorageError> {
        let mut w = WriteSet::new();
        w.remove(key.to_vec());
        self.commit(&w)
    }

    /// The entries under `prefix`, in key order, at most `limit` of them.
    fn entries_with_prefix(&self, prefix: &[u8], limit: usize) -> Result<Entries, StorageError> {
        let mut out = Vec::new();
        self.scan_prefix(prefix, &mut |k, v| {
            if out.len() >= limit {
                return ControlFlow::Break(());
            }
            out.push((k.to_vec(), v.to_vec()));
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }
}

/// Writes to apply together: each key maps to its new value, or `None` for a removal.
/// Iteration (and so the order a backend sees) is ascending bytewise key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSet {
    entries: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl WriteSet {
    /// An empty write set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `key = value`, replacing any earlier write to `key`.
    pub fn set(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.entries.insert(key, Some(value));
    }

    /// Records the removal of `key`, replacing any earlier write to `key`.
    pub fn remove(&mut self, key: Vec<u8>) {
        self.entries.insert(key, None);
    }

    /// The writes in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v.as_deref()))
    }

    /// How many keys are written.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is written.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The writes as a sorted list, the form receipts carry.
    pub fn to_vec(&self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        self.entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// [`to_vec`](Self::to_vec) without copying the keys and values.
    pub fn into_vec(self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        self.entries.into_iter().collect()
    }
}

impl From<BTreeMap<Vec<u8>, Option<Vec<u8>>>> for WriteSet {
    fn from(entries: BTreeMap<Vec<u8>, Option<Vec<u8>>>) -> Self {
        Self { entries }
    }
}

impl FromIterator<(Vec<u8>, Option<Vec<u8>>)> for WriteSet {
    fn from_iter<I: IntoIterator<Item = (Vec<u8>, Option<Vec<u8>>)>>(iter: I) -> Self {
        Self { entries: iter.into_iter().collect() }
    }
}

/// A storage backend failed. Execution stops with this error and the journal commits nothing; it never
/// becomes part of a receipt, because another node's healthy database would not produce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The database file is opened by another process (or another handle in this one).
    Locked {
        /// The database path.
        path: String,
    },
    /// The database is unreadable or not a Tally database.
    Corrupted {
        /// What was found wrong.
        message: String,
    },
    /// An I/O or backend error.
    Backend {
        /// The backend's message.
        message: String,
    },
    /// A replay read a key that the execution record does not contain.
    NotInReadSet {
        /// The key.
        key: Vec<u8>,
    },
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Locked { path } => write!(f, "database {path} is locked by another process"),
            StorageError::Corrupted { message } => write!(f, "database is corrupted: {message}"),
            StorageError::Backend { message } => write!(f, "storage backend error: {message}"),
            StorageError::NotInReadSet { key } => {
                write!(f, "key {} is not in the execution record's read set", crate::hex(key))
            }
        }
    }
}

impl std::error::Error for StorageError {}
