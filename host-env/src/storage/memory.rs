//! An in-memory [`Storage`] over a `BTreeMap`: the reference backend, and the one tests use.

use std::collections::BTreeMap;
use std::sync::RwLock;

use super::{Storage, StorageError, WriteSet};

/// A [`Storage`] held in memory. Commits are atomic (one write lock per write set).
#[derive(Debug, Default)]
pub struct MemoryStorage {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every entry, in key order (for snapshots and tests).
    pub fn snapshot(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.read().clone()
    }

    /// Replaces every entry with `entries` (rolls back to a [`snapshot`](Self::snapshot)).
    pub fn restore(&self, entries: BTreeMap<Vec<u8>, Vec<u8>>) {
        *self.map.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = entries;
    }

    /// How many entries are stored.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    // A poisoned lock only means another thread panicked while holding it; every write below
    // completes before it can panic, so the map is never half-updated.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<Vec<u8>, Vec<u8>>> {
        self.map.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.read().get(key).cloned())
    }

    fn scan_prefix(&self, prefix: &[u8], visit: &mut super::ScanVisitor<'_>) -> Result<(), StorageError> {
        let map = self.read();
        for (k, v) in map.range(prefix.to_vec()..) {
            if !k.starts_with(prefix) || visit(k, v).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn commit(&self, writes: &WriteSet) -> Result<(), StorageError> {
        let mut map = self.map.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (k, v) in writes.iter() {
            match v {
                // An existing entry keeps its key and its value's allocation.
                Some(v) => match map.get_mut(k) {
                    Some(slot) => {
                        slot.clear();
                        slot.extend_from_slice(v);
                    }
                    None => {
                        map.insert(k.to_vec(), v.to_vec());
                    }
                },
                None => {
                    map.remove(k);
                }
            }
        }
        Ok(())
    }
}
