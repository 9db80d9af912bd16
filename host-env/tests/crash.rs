//! `kill -9` at any point loses nothing committed and leaves nothing half-written.
//!
//! The test re-executes its own binary as a child that runs only [`child_writer`]: it opens a
//! redb database and commits write sets in a loop until it is killed, announcing each commit on
//! stdout after `commit` returns. Every write set `k` rewrites all of `N` keys with values that
//! embed `k`, moves one "rotating" key, and sets a marker, so any torn commit shows up as keys
//! carrying different `k`s. The parent SIGKILLs the child after a varying delay (sometimes before
//! it has even finished opening, i.e. mid-repair), reopens the file, and checks that the state is
//! exactly that of one whole commit, no older than the last one the child announced.
//!
//! The same file is reused for every round, so later rounds also open files that earlier kills
//! left needing repair, and files that grew over many commits.

use crate::redb_tmp;

use std::io::{BufRead, BufReader, Write};
use std::ops::ControlFlow;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redb_tmp::TempDir;
use tally_host_env::{RedbStorage, Storage, StorageError, WriteSet};

/// Names the database the child writes.
const CHILD_ENV: &str = "TALLY_CRASH_CHILD";
/// Keys rewritten by every commit: enough that a commit spans several B-tree pages.
const N: u32 = 120;
/// How many times the child is killed.
const ROUNDS: u64 = 48;
/// What the child prints after each commit returns. Searched for anywhere in a line, because
/// libtest prints its own "test child_writer ... " prefix on the same line under `--nocapture`.
const MARKER: &str = "TALLY-COMMITTED ";

/// The value of key `k/{i}` after commit `k`: `k` and `i` in the first 12 bytes, then a filler
/// whose length varies with both, so that commits reshape pages rather than overwrite in place.
fn value(k: u64, i: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(12 + 256);
    v.extend_from_slice(&k.to_le_bytes());
    v.extend_from_slice(&i.to_le_bytes());
    let len = (k.wrapping_mul(31).wrapping_add(u64::from(i) * 7) % 256) as usize;
    v.extend((0..len).map(|j| (k as usize + i as usize + j) as u8));
    v
}

/// Commit `k`: every `k/{i}`, the marker, and a key that moves (`r/{k-1}` removed, `r/{k}` set),
/// so that removals are part of what must be atomic too.
fn write_set(k: u64) -> WriteSet {
    let mut w = WriteSet::new();
    for i in 0..N {
        w.set(format!("k/{i:03}").into_bytes(), value(k, i));
    }
    w.set(b"last".to_vec(), k.to_le_bytes().to_vec());
    if k > 1 {
        w.remove(format!("r/{}", k - 1).into_bytes());
    }
    w.set(format!("r/{k}").into_bytes(), k.to_le_bytes().to_vec());
    w
}

/// The commit whose state `s` holds, after checking that it holds exactly one commit's state
/// (0 when nothing was ever committed, in which case it must be empty).
fn verified_state(s: &RedbStorage) -> u64 {
    let Some(last) = s.get(b"last").expect("read marker") else {
        let mut any = false;
        s.scan_prefix(b"", &mut |_, _| {
            any = true;
            ControlFlow::Break(())
        })
        .unwrap();
        assert!(!any, "entries present without the marker of a commit");
        return 0;
    };
    let k = u64::from_le_bytes(last.as_slice().try_into().expect("marker is 8 bytes"));
    let mut all = Vec::new();
    s.scan_prefix(b"", &mut |key, v| {
        all.push((key.to_vec(), v.to_vec()));
        ControlFlow::Continue(())
    })
    .unwrap();
    let expected: Vec<(Vec<u8>, Vec<u8>)> =
        write_set(k).iter().filter_map(|(key, v)| Some((key.to_vec(), v?.to_vec()))).collect();
    if all != expected {
        let torn: Vec<String> = all
            .iter()
            .filter(|(key, v)| key.starts_with(b"k/") && v.get(..8) != Some(&k.to_le_bytes()[..]))
            .map(|(key, _)| String::from_utf8_lossy(key).into_owned())
            .collect();
        panic!(
            "state is not exactly commit {k}: {} entries (expected {}); {} keys from another commit, first: {:?}",
            all.len(),
            expected.len(),
            torn.len(),
            torn.iter().take(5).collect::<Vec<_>>()
        );
    }
    k
}

/// The child: commits forever (until SIGKILL), continuing from whatever commit the file holds.
/// Not a test on its own: `kill_9_loses_nothing_and_tears_nothing` runs it in a child process
/// (`<this test binary> --exact crash::child_writer --ignored` with `TALLY_CRASH_CHILD=<database>`).
#[test]
#[ignore = "the child process of kill_9_loses_nothing_and_tears_nothing, which runs it"]
fn child_writer() {
    let path = std::env::var_os(CHILD_ENV).expect(
        "TALLY_CRASH_CHILD is unset: child_writer only runs as the child of kill_9_loses_nothing_and_tears_nothing",
    );
    let s = RedbStorage::open(&path).expect("child: open");
    let mut k = verified_state(&s);
    let mut out = std::io::stdout().lock();
    loop {
        k += 1;
        s.commit(&write_set(k)).expect("child: commit");
        // Only after `commit` returned: the parent treats an announced commit as durable.
        writeln!(out, "{MARKER}{k}").expect("child: stdout");
        out.flush().expect("child: flush");
    }
}

/// Kills the child if the parent test fails before doing so itself.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_child(path: &Path) -> (KillOnDrop, Arc<AtomicU64>, std::thread::JoinHandle<()>) {
    let exe = std::env::current_exe().expect("current exe");
    let child = Command::new(exe)
        .args(["--exact", "crash::child_writer", "--ignored", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child");
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().expect("piped stdout");
    // The highest commit announced so far; 0 = none this round.
    let announced = Arc::new(AtomicU64::new(0));
    let reader = {
        let announced = Arc::clone(&announced);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find(MARKER) {
                    let k: u64 = line[at + MARKER.len()..].trim().parse().expect("commit number");
                    announced.fetch_max(k, Ordering::SeqCst);
                }
            }
        })
    };
    (child, announced, reader)
}

#[test]
fn kill_9_loses_nothing_and_tears_nothing() {
    let dir = TempDir::new("crash");
    let path = dir.join("state.redb");
    let started = Instant::now();
    // Deterministic delays (xorshift64*), mostly past the open so commits are in flight, a few
    // short enough to land in the child's open and repair.
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut delay = || {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        let r = rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        Duration::from_millis(if r.is_multiple_of(5) { r % 40 } else { 40 + r % 260 })
    };

    let (mut verified, mut caught_in_flight, mut killed_before_any, mut locked_checks) = (0u64, 0, 0, 0);
    for round in 0..ROUNDS {
        let (mut child, announced, reader) = spawn_child(&path);
        std::thread::sleep(delay());
        // While the child holds the file, another process cannot open it.
        if announced.load(Ordering::SeqCst) > 0 {
            match RedbStorage::open(&path) {
                Err(StorageError::Locked { .. }) => locked_checks += 1,
                Err(e) => panic!("round {round}: open while the child runs: expected Locked, got {e:?}"),
                Ok(_) => panic!("round {round}: opened a database another process holds"),
            }
        }
        child.0.kill().expect("SIGKILL child");
        let status = child.0.wait().expect("reap child");
        // The child runs until killed, so any other exit means it failed (its stderr says why).
        assert!(status.code().is_none(), "round {round}: child exited on its own: {status}");
        // Every line the child wrote before dying is in the pipe; EOF ends the reader.
        reader.join().expect("reader thread");
        let announced = announced.load(Ordering::SeqCst);

        let lower = verified.max(announced);
        let s = RedbStorage::open(&path).unwrap_or_else(|e| panic!("round {round}: reopen after kill: {e}"));
        let k = verified_state(&s);
        drop(s);
        assert!(
            k == lower || k == lower + 1,
            "round {round}: found commit {k}, but {announced} was announced and {verified} verified before"
        );
        if announced == 0 {
            killed_before_any += 1;
        }
        if k == lower + 1 && announced > 0 {
            caught_in_flight += 1; // Committed, killed before it could say so.
        }
        verified = k;
    }
    let elapsed = started.elapsed();
    eprintln!(
        "crash test: {ROUNDS} kills, {verified} commits survived in total, {killed_before_any} kills before the \
         first commit of a round, {caught_in_flight} commits durable but unannounced, {locked_checks} \
         cross-process lock checks, {elapsed:.2?}"
    );
    assert!(verified >= ROUNDS, "the child barely committed anything ({verified} commits in {ROUNDS} rounds)");
}
