//! The embedded on-disk [`Storage`]: one redb file.
//!
//! redb is a copy-on-write B-tree: a write transaction writes new pages beside the old ones, and
//! its commit then switches the header's commit slot to the new root, keeping the previous root
//! in the other slot. The slot carries checksums of what it points to, so recovery after a crash
//! rejects a commit whose pages did not all reach the file and falls back to the previous one.
//! That is exactly the all-or-nothing [`Storage::commit`] contract, as long as each [`WriteSet`]
//! goes through a single write transaction with immediate durability (the commit returns only
//! after `fsync`).

use std::io::ErrorKind;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{Database, ReadableDatabase, TableDefinition};

use super::{Storage, StorageError, WriteSet};

/// The one table Tally keeps: contract state, keyed and valued by raw bytes. `&[u8]` keys order
/// bytewise, which is the order [`Storage::scan_prefix`] promises.
const STATE: TableDefinition<'static, &[u8], &[u8]> = TableDefinition::new("tally_state");

/// A [`Storage`] in a redb database file.
///
/// The handle holds an exclusive lock on the file for its whole life, so two nodes (or two
/// handles in one process) can never interleave commits to the same state; a second
/// [`open`](Self::open) fails with [`StorageError::Locked`] until this one is dropped.
pub struct RedbStorage {
    db: Arc<Database>,
    path: PathBuf,
}

impl core::fmt::Debug for RedbStorage {
    // `Database` has no useful `Debug`; the path is what identifies the handle.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RedbStorage").field("path", &self.path).finish_non_exhaustive()
    }
}

impl RedbStorage {
    /// Opens (creating if needed) the database at `path`.
    ///
    /// A missing or empty file becomes a new, empty database; the parent directory must exist.
    /// A file that was not closed cleanly (the process crashed or was killed) is repaired here,
    /// back to its last completed commit.
    ///
    /// Errors: [`StorageError::Locked`] when another handle (in this or another process) has the
    /// file open, [`StorageError::Corrupted`] when the file is not a redb database or fails its
    /// integrity check, [`StorageError::Backend`] for other I/O failures (for example, `path` is a
    /// directory or not writable).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        let path = path.as_ref().to_path_buf();
        if !path.exists() {
            create_atomically(&path)?;
        }
        // redb documents that a plain open trusts a cleanly closed file and may panic on one that
        // was altered outside redb; the integrity check verifies every page checksum first and
        // reports damage as an error instead. It costs a read of the whole file per open, which
        // is the price of never panicking on whatever bytes are on disk.
        //
        // The `catch_unwind` is a second line of defence: redb's debug builds `debug_assert!` on
        // some "impossible" corruption before returning it as an error, and a node operator's
        // damaged file must never take the process down. Nothing escapes the closure on a panic
        // (the half-built database is dropped with it), so no broken state is observable.
        let opened = panic::catch_unwind(AssertUnwindSafe(|| {
            Database::builder().set_check_integrity_on_open(true).create(&path)
        }));
        let db = match opened {
            Ok(Ok(db)) => db,
            Ok(Err(e)) => return Err(map_error(&path, e.into())),
            Err(_) => {
                return Err(StorageError::Corrupted {
                    message: format!("{}: the database failed to open (redb panicked reading it)", path.display()),
                })
            }
        };
        let storage = Self { db: Arc::new(db), path };
        // Check the state table's schema now rather than on the first read, so that a redb file
        // written by some other program fails to open instead of failing mid-execution.
        storage.with_table(|_| Ok(()))?;
        Ok(storage)
    }

    /// The path the database was opened at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The node's prepared-code store in this database file: a table of its own beside the
    /// state, sharing this handle's lock on the file (see [`crate::prepared`]).
    pub fn prepared_store(&self) -> crate::prepared::RedbPreparedStore {
        crate::prepared::RedbPreparedStore::new(self.db.clone(), self.path.clone())
    }

    /// Runs `f` on the state table in a fresh read transaction (a consistent snapshot), or
    /// returns `None` when the table does not exist yet.
    ///
    /// The table is created by the first non-empty commit rather than at open, so that a read
    /// never needs a write transaction (which would serialize it behind any commit in flight).
    fn with_table<R>(
        &self,
        f: impl FnOnce(&redb::ReadOnlyTable<&'static [u8], &'static [u8]>) -> Result<R, redb::Error>,
    ) -> Result<Option<R>, StorageError> {
        let run = || -> Result<Option<R>, redb::Error> {
            let txn = self.db.begin_read()?;
            let table = match txn.open_table(STATE) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            f(&table).map(Some)
        };
        run().map_err(|e| map_error(&self.path, e))
    }
}

/// Translates a redb error into the backend-neutral [`StorageError`], naming the file so that an
/// operator can tell which database is at fault.
/// Creates an empty database at `path` so that a crash at any moment leaves either no file there
/// or a complete one: redb writes its header into a sibling file, which is synced and then linked
/// into place. (redb creating the file in place can leave a file without a header if the process
/// dies mid-creation, which then fails to open as corrupted.) If another process created `path`
/// meanwhile, its file is kept. A sibling left by a crash is replaced by the next attempt.
fn create_atomically(path: &Path) -> Result<(), StorageError> {
    let io =
        |what: &str, e: std::io::Error| StorageError::Backend { message: format!("{}: {what}: {e}", path.display()) };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let fresh = path.with_file_name(format!(".{name}.creating-{}", std::process::id()));
    let _ = std::fs::remove_file(&fresh);
    let created = panic::catch_unwind(AssertUnwindSafe(|| Database::create(&fresh).map(drop)));
    match created {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let _ = std::fs::remove_file(&fresh);
            return Err(map_error(&fresh, e.into()));
        }
        Err(_) => {
            let _ = std::fs::remove_file(&fresh);
            return Err(StorageError::Backend { message: format!("{}: redb panicked creating it", fresh.display()) });
        }
    }
    std::fs::File::open(&fresh).and_then(|f| f.sync_all()).map_err(|e| io("syncing the new database", e))?;
    // A hard link never replaces a file another process created meanwhile; where the file
    // system has none, a rename (which could) is the fallback.
    let linked = match std::fs::hard_link(&fresh, path) {
        Err(e) if e.kind() == ErrorKind::Unsupported => std::fs::rename(&fresh, path),
        other => other,
    };
    let _ = std::fs::remove_file(&fresh);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io("linking the new database into place", e)),
    }
    // The link is durable once the directory is.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io("syncing the directory", e))?;
    }
    Ok(())
}

pub(crate) fn map_error(path: &Path, error: redb::Error) -> StorageError {
    let shown = path.display();
    match error {
        // Both mean another handle holds the file: the lock protocol differing only says which
        // redb version that handle runs.
        redb::Error::DatabaseAlreadyOpen | redb::Error::LockProtocolMismatch => {
            StorageError::Locked { path: shown.to_string() }
        }
        redb::Error::Corrupted(message) => StorageError::Corrupted { message: format!("{shown}: {message}") },
        // An old redb format or a table of a different shape: a redb file, but not one this
        // backend wrote, so it must not be used as (or silently converted to) Tally state.
        e @ (redb::Error::UpgradeRequired(_)
        | redb::Error::TableTypeMismatch { .. }
        | redb::Error::TableIsMultimap(_)
        | redb::Error::TypeDefinitionChanged { .. }) => {
            StorageError::Corrupted { message: format!("{shown}: not a Tally database: {e}") }
        }
        // redb reports a foreign file ("magic number mismatch") as `InvalidData`, and a file that
        // ends where its own header says data is as `UnexpectedEof`: both are about the bytes on
        // disk, not the I/O that read them.
        redb::Error::Io(e) if matches!(e.kind(), ErrorKind::InvalidData | ErrorKind::UnexpectedEof) => {
            StorageError::Corrupted { message: format!("{shown}: {e}") }
        }
        e => StorageError::Backend { message: format!("{shown}: {e}") },
    }
}

impl Storage for RedbStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let found = self.with_table(|table| Ok(table.get(key)?.map(|v| v.value().to_vec())))?;
        Ok(found.flatten())
    }

    fn scan_prefix(&self, prefix: &[u8], visit: &mut super::ScanVisitor<'_>) -> Result<(), StorageError> {
        self.with_table(|table| {
            // Keys sharing a prefix are contiguous in bytewise order and start at the prefix
            // itself, so an open-ended range stopped at the first foreign key visits exactly them
            // (an exclusive upper bound would need "prefix + 1", which does not exist for
            // all-0xff prefixes).
            for entry in table.range::<&[u8]>(prefix..)? {
                let (k, v) = entry?;
                let (k, v) = (k.value(), v.value());
                if !k.starts_with(prefix) || visit(k, v).is_break() {
                    break;
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    fn commit(&self, writes: &WriteSet) -> Result<(), StorageError> {
        // Nothing to make durable: skip the fsyncs a commit costs.
        if writes.is_empty() {
            return Ok(());
        }
        let run = || -> Result<(), redb::Error> {
            // One transaction for the whole set, at redb's default `Durability::Immediate`:
            // `commit` returns only once the new root is fsynced. A crash before that leaves the
            // old root or (if the header switch already reached the file) the complete new one,
            // never a mix. An error before `commit` drops the transaction, which aborts it and
            // applies nothing. An error from `commit` itself (an I/O failure while syncing) may
            // or may not have applied the set, atomically either way; redb then refuses further
            // writes on this handle until the database is reopened, so the caller sees every
            // later commit fail rather than build on an unknown state.
            let txn = self.db.begin_write()?;
            {
                let mut table = txn.open_table(STATE)?;
                for (k, v) in writes.iter() {
                    match v {
                        Some(v) => {
                            table.insert(k, v)?;
                        }
                        None => {
                            table.remove(k)?;
                        }
                    }
                }
            }
            txn.commit()?;
            Ok(())
        };
        run().map_err(|e| map_error(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The `Storage` trait requires this; asserting it here points at the backend, not at some
    // distant generic use, if a redb upgrade ever changes it.
    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<RedbStorage>();
    }
}
