//! The prepared-code store in the node's redb database: one table beside the state's, in the
//! same file, through the same handle (so the file's lock covers both).

use std::path::PathBuf;
use std::sync::Arc;

use redb::{Database, ReadableDatabase, TableDefinition};

use super::{PreparedKey, PreparedStore};
use crate::storage::{map_redb_error, StorageError};

/// Prepared code by [`PreparedKey::to_bytes`]. Not state: the state table never holds it.
const PREPARED: TableDefinition<'static, &[u8], &[u8]> = TableDefinition::new("tally_prepared_code");

/// A [`PreparedStore`] in a redb database file, from [`crate::RedbStorage::prepared_store`].
///
/// Writes are not synced on their own: an entry becomes durable with the next durable commit to
/// the file (the state's commit of the deploy that wrote it, which follows it), so storing an
/// entry adds no `fsync` to a deploy. An entry a crash loses is a miss, rebuilt at the next
/// load; redb recovers the file to its last durable commit either way.
pub struct RedbPreparedStore {
    db: Arc<Database>,
    path: PathBuf,
}

impl core::fmt::Debug for RedbPreparedStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RedbPreparedStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl RedbPreparedStore {
    pub(crate) fn new(db: Arc<Database>, path: PathBuf) -> Self {
        Self { db, path }
    }

    /// Drops every entry: what a node does to a database file it did not write itself (a state
    /// snapshot from another party), whose entries it must not decode (see the `# Soundness`
    /// section of [`crate::prepared`]'s entry format). Every load is then a miss until the code
    /// is prepared again, which costs time only.
    pub fn clear(&self) -> Result<(), StorageError> {
        let run = || -> Result<(), redb::Error> {
            let txn = self.db.begin_write()?;
            match txn.delete_table(PREPARED) {
                Ok(_) => {}
                Err(redb::TableError::TableDoesNotExist(_)) => {}
                Err(e) => return Err(e.into()),
            }
            txn.commit()?;
            Ok(())
        };
        run().map_err(|e| map_redb_error(&self.path, e))
    }

    fn write(&self, key: &PreparedKey, entry: Option<&[u8]>) -> Result<(), StorageError> {
        let run = || -> Result<(), redb::Error> {
            let mut txn = self.db.begin_write()?;
            // Refused only with persistent savepoints or a multi-process database, neither of
            // which Tally uses; a durable commit is then the fallback.
            let _ = txn.set_durability(redb::Durability::None);
            {
                let mut table = txn.open_table(PREPARED)?;
                let key = key.to_bytes();
                match entry {
                    Some(entry) => {
                        table.insert(&key[..], entry)?;
                    }
                    None => {
                        table.remove(&key[..])?;
                    }
                }
            }
            txn.commit()?;
            Ok(())
        };
        run().map_err(|e| map_redb_error(&self.path, e))
    }
}

impl PreparedStore for RedbPreparedStore {
    fn get(&self, key: &PreparedKey) -> Result<Option<Vec<u8>>, StorageError> {
        let run = || -> Result<Option<Vec<u8>>, redb::Error> {
            let txn = self.db.begin_read()?;
            let table = match txn.open_table(PREPARED) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let found = table.get(&key.to_bytes()[..])?.map(|v| v.value().to_vec());
            Ok(found)
        };
        run().map_err(|e| map_redb_error(&self.path, e))
    }

    fn put(&self, key: &PreparedKey, entry: &[u8]) -> Result<(), StorageError> {
        self.write(key, Some(entry))
    }

    fn remove(&self, key: &PreparedKey) -> Result<(), StorageError> {
        self.write(key, None)
    }
}
