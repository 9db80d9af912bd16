//! The journal: an overlay over [`Storage`] that makes a transaction all-or-nothing.
//!
//! Every read goes through it (first reads from the backend are remembered in the read set, so a
//! record can replay without the database). Writes and events stay in the overlay; each call
//! frame opens a checkpoint, and a failing frame rolls back to it. Only a successful top-level
//! call hands the backend its writes: one sorted [`WriteSet`], in one commit.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::receipt::Event;
use crate::storage::{Storage, StorageError, WriteSet};

/// A position to roll back to: lengths of the undo log and of the event list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    undo: usize,
    events: usize,
}

/// What one overlay write replaced, so a rollback can put it back.
#[derive(Debug)]
struct Undo {
    key: Vec<u8>,
    /// The overlay's value before the write (`None`: the key was not written before).
    previous: Option<Option<Vec<u8>>>,
}

/// The overlay of one transaction over a [`Storage`].
pub struct Journal {
    backend: Arc<dyn Storage>,
    /// Values read from the backend, by key: the read set (`None` = absent).
    read_set: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Keys written in this transaction and their current values (`None` = removed).
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    undo: Vec<Undo>,
    events: Vec<Event>,
}

impl core::fmt::Debug for Journal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Journal")
            .field("reads", &self.read_set.len())
            .field("writes", &self.writes.len())
            .field("events", &self.events.len())
            .finish()
    }
}

impl Journal {
    /// An empty overlay over `backend`.
    pub fn new(backend: Arc<dyn Storage>) -> Self {
        Self { backend, read_set: BTreeMap::new(), writes: BTreeMap::new(), undo: Vec::new(), events: Vec::new() }
    }

    /// The current value of `key`: this transaction's write if any, else the backend's value
    /// (remembered in the read set). Pass the key by value when it was built for this read:
    /// the read set keeps it rather than a copy.
    pub fn get<K: AsRef<[u8]> + Into<Vec<u8>>>(&mut self, key: K) -> Result<Option<Vec<u8>>, StorageError> {
        let k = key.as_ref();
        if let Some(v) = self.writes.get(k) {
            return Ok(v.clone());
        }
        if let Some(v) = self.read_set.get(k) {
            return Ok(v.clone());
        }
        let v = self.backend.get(k)?;
        self.read_set.insert(key.into(), v.clone());
        Ok(v)
    }

    /// Writes `key = value` (or removes `key` when `value` is `None`) in the overlay. Pass the
    /// key by value when it was built for this write: the overlay keeps it rather than a copy.
    pub fn put<K: AsRef<[u8]> + Into<Vec<u8>>>(&mut self, key: K, value: Option<Vec<u8>>) {
        let undo_key = key.as_ref().to_vec();
        let previous = self.writes.insert(key.into(), value);
        self.undo.push(Undo { key: undo_key, previous });
    }

    /// Whether the transaction has written or removed anything (rolled-back frames excluded):
    /// whether it has a write set to commit.
    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }

    /// Appends an event.
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    /// The events emitted so far (rolled-back frames excluded).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Opens a checkpoint for a call frame.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint { undo: self.undo.len(), events: self.events.len() }
    }

    /// Undoes every write and event since `cp`. Reads stay in the read set: they happened, and a
    /// replay must see them again.
    pub fn rollback(&mut self, cp: Checkpoint) {
        while self.undo.len() > cp.undo {
            let Some(u) = self.undo.pop() else { break };
            match u.previous {
                Some(v) => self.writes.insert(u.key, v),
                None => self.writes.remove(&u.key),
            };
        }
        self.events.truncate(cp.events);
    }

    /// The writes of this transaction, sorted by key.
    pub fn write_set(&self) -> WriteSet {
        self.writes.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Every key read from the backend, with its value or absence, sorted by key.
    pub fn read_set(&self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        self.read_set.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Takes the read set out, sorted by key (at the end of a transaction), without copying it.
    pub fn take_read_set(&mut self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        std::mem::take(&mut self.read_set).into_iter().collect()
    }

    /// Takes the events out (at the end of a transaction).
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Takes the writes out, sorted by key (at the end of a transaction), without copying them.
    pub fn take_write_set(&mut self) -> WriteSet {
        self.undo.clear();
        WriteSet::from(std::mem::take(&mut self.writes))
    }

    /// Hands `write_set` (this journal's, from [`take_write_set`](Self::take_write_set)) to the
    /// backend in one atomic commit.
    pub fn commit(&self, write_set: &WriteSet) -> Result<(), StorageError> {
        if !write_set.is_empty() {
            self.backend.commit(write_set)?;
        }
        Ok(())
    }
}
