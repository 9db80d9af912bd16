//! The storage probes, on each backend: per value byte (written, read, tested), per key byte
//! (written, read, removed) and the fixed price of each storage function, each on its worst-case
//! input: keys spread at random over a large state, fresh keys for writes (inserts), present
//! keys for reads and removals, keys that differ only in their last bytes.
//!
//! The state is filled directly through the backend (`Storage::commit`) before the runs, and a
//! removal probe fills the keys a run removes before that run, outside its timed part. Every
//! run passes a fresh nonce as its input, from which the contract derives its keys.

use std::sync::Arc;

use tally_host_env::{contract_key, Address, Status, Storage, WriteSet};

use super::host::{host_loop, sizes, spread};
use super::probe::{call_request, deploy, expect, pick, timed_call, warm_runtime, wat, Backend, Ctx, Probe, METHOD};
use super::terms::{HostTerm, Term};
use super::Scale;
use crate::tpg::Run;

/// Keys of the large state the fixed-price probes read from.
fn state_keys(scale: Scale) -> u32 {
    pick(scale, 1 << 16, 1 << 14, 64)
}

/// Keys of each length (or values of each length) filled for the per-byte read probes.
const PER_SIZE: u32 = 64;

/// Key bytes for an index: `pad` zero bytes, then the index as 8 little-endian bytes.
fn key(pad: u32, index: u64) -> Vec<u8> {
    let mut k = vec![0; pad as usize];
    k.extend(index.to_le_bytes());
    k
}

/// Commits `entries` (contract keys of `contract`) to `storage`.
fn fill(
    storage: &Arc<dyn Storage>,
    contract: &Address,
    entries: impl Iterator<Item = (Vec<u8>, Vec<u8>)>,
) -> Result<(), String> {
    let mut writes = WriteSet::new();
    for (k, v) in entries {
        writes.set(contract_key(contract, &k), v);
    }
    storage.commit(&writes).map_err(|e| format!("filling the state: {e}"))
}

/// What a storage contract's loop does with its `i`-th key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Has,
    Write,
    Remove,
}

impl Op {
    fn function(self) -> &'static str {
        match self {
            Op::Read => "storage_read",
            Op::Has => "storage_has",
            Op::Write => "storage_write",
            Op::Remove => "storage_remove",
        }
    }

    fn term(self) -> HostTerm {
        match self {
            Op::Read => HostTerm::StorageRead,
            Op::Has => HostTerm::StorageHas,
            Op::Write => HostTerm::StorageWrite,
            Op::Remove => HostTerm::StorageRemove,
        }
    }
}

/// How a storage contract picks its keys.
#[derive(Clone, Copy)]
enum Keys {
    /// Present keys of the large state: index `(i · 40503 + nonce · 7919) mod n` (a power of 2).
    Spread(u32),
    /// Keys no run used before: index `nonce · 2^32 + i`.
    Fresh,
    /// Present keys among `n` (a power of 2) of one key or value size: index `size · 2^20 +
    /// (i · 40503 + nonce · 7919) mod n`.
    Sized(u32, u32),
}

/// A contract that reads its nonce from its input and applies `op` to `times` keys of `pad + 8`
/// bytes chosen by `keys`, with values of `value_len` bytes (writes). Memory: the key at 0, the
/// value (or read buffer) at 65536.
fn contract(op: Op, keys: Keys, pad: u32, value_len: u32, times: u32) -> String {
    let index = match keys {
        Keys::Spread(n) => format!(
            "(i64.extend_i32_u (i32.and (i32.add (i32.mul (local.get $i) (i32.const 40503)) (i32.mul (local.get $x) \
             (i32.const 7919))) (i32.const {})))",
            n - 1
        ),
        Keys::Fresh => {
            "(i64.or (i64.shl (i64.extend_i32_u (local.get $x)) (i64.const 32)) (i64.extend_i32_u (local.get $i)))"
                .to_string()
        }
        Keys::Sized(size, n) => format!(
            "(i64.or (i64.const {}) (i64.extend_i32_u (i32.and (i32.add (i32.mul (local.get $i) (i32.const 40503)) \
             (i32.mul (local.get $x) (i32.const 7919))) (i32.const {}))))",
            u64::from(size) << 20,
            n - 1
        ),
    };
    let key_len = pad + 8;
    let call = match op {
        Op::Read => format!(
            "(drop (call $storage_read (i32.const 0) (i32.const {key_len}) (i32.const 65536) (i32.const 65536) (i32.const 0)))"
        ),
        Op::Has => format!("(drop (call $storage_has (i32.const 0) (i32.const {key_len})))"),
        Op::Write => format!("(call $storage_write (i32.const 0) (i32.const {key_len}) (i32.const 65536) (i32.const {value_len}))"),
        Op::Remove => format!("(call $storage_remove (i32.const 0) (i32.const {key_len}))"),
    };
    let body = format!("(i64.store (i32.const {pad}) {index}) {call}");
    let setup = "(call $input_read (i32.const 0) (i32.const 0) (i32.const 4)) (local.set $x (i32.load (i32.const 0))) \
                 (i64.store (i32.const 0) (i64.const 0))";
    host_loop(&["input_read", op.function()], 2, &[], setup, &body, times)
}

/// Entries to fill the state with, as (key, value) of the contract.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// A storage probe's setup: the contract, what to fill the state with first, and what to fill
/// before every run (from the run's nonce).
struct Plan {
    text: String,
    before: Entries,
    per_run: Option<Box<dyn Fn(u32) -> Entries>>,
}

/// Deploys the plan's contract on `backend` and calls it with a fresh nonce every run.
fn run_plan(ctx: &Ctx, backend: Backend, plan: Plan) -> Result<Run, String> {
    let rt = warm_runtime(ctx)?;
    let (storage, dir) = backend.open(ctx)?;
    let contract = deploy(&rt, &storage, wat("storage", &plan.text)?)?;
    fill(&storage, &contract, plan.before.into_iter())?;
    let ctx = ctx.clone();
    let mut nonce = 0u32;
    Ok(Box::new(move || {
        let _keep = &dir;
        nonce += 1;
        if let Some(per_run) = &plan.per_run {
            fill(&storage, &contract, per_run(nonce).into_iter())?;
        }
        let req = call_request(contract, METHOD, nonce.to_le_bytes().to_vec());
        let (result, timing) = timed_call(&ctx, &rt, &storage, &req);
        expect(result, timing, Status::Ok)
    }))
}

/// The keys a fresh-key run with `nonce` uses, `times` of them with `pad` leading zeros.
fn fresh_keys(pad: u32, nonce: u32, times: u32) -> Entries {
    (0..times).map(|i| (key(pad, u64::from(nonce) << 32 | u64::from(i)), Vec::new())).collect()
}

/// The storage probes on one backend, in calibration order.
fn probes_on(backend: Backend, scale: Scale) -> Vec<Probe> {
    let n = sizes(scale);
    let max_value = tally_host_env::Limits::default().max_value_len;
    let max_key = tally_host_env::Limits::default().max_key_len;
    let b = backend.name();
    let value_lens = spread(max_value, n);
    let key_lens: Vec<u32> = spread(max_key - 8, n).into_iter().map(|p| p + 8).collect();
    let mut all = Vec::new();
    let value_term = Term::Host(HostTerm::StorageValueByte);
    all.push(Probe::new(
        format!("storage_value_byte/write-{b}"),
        value_term,
        format!("16 writes of x-byte values to fresh keys, {b} backend"),
        "value bytes",
        value_lens.clone(),
        move |ctx: &Ctx, x| {
            let plan = Plan { text: contract(Op::Write, Keys::Fresh, 0, x, 16), before: Vec::new(), per_run: None };
            run_plan(ctx, backend, plan)
        },
    ));
    for op in [Op::Read, Op::Has] {
        let lens = value_lens.clone();
        all.push(Probe::new(
            format!("storage_value_byte/{}-{b}", op.function()),
            value_term,
            format!("16 {}s of present x-byte values, {b} backend", op.function()),
            "value bytes",
            value_lens.clone(),
            move |ctx: &Ctx, x| {
                let size = lens.iter().position(|l| *l == x).unwrap_or(0) as u32;
                let before =
                    (0..PER_SIZE).map(|i| (key(0, u64::from(size) << 20 | u64::from(i)), vec![0x5a; x as usize]));
                let plan = Plan {
                    text: contract(op, Keys::Sized(size, PER_SIZE), 0, 0, 16),
                    before: before.collect(),
                    per_run: None,
                };
                run_plan(ctx, backend, plan)
            },
        ));
    }
    let key_term = Term::Host(HostTerm::StorageKeyByte);
    all.push(Probe::new(
        format!("storage_key_byte/write-{b}"),
        key_term,
        format!("64 writes of fresh x-byte keys differing only in their last bytes, {b} backend"),
        "key bytes",
        key_lens.clone(),
        move |ctx: &Ctx, x| {
            let plan = Plan { text: contract(Op::Write, Keys::Fresh, x - 8, 0, 64), before: Vec::new(), per_run: None };
            run_plan(ctx, backend, plan)
        },
    ));
    let lens = key_lens.clone();
    all.push(Probe::new(
        format!("storage_key_byte/read-{b}"),
        key_term,
        format!("64 reads of present x-byte keys differing only in their last bytes, {b} backend"),
        "key bytes",
        key_lens.clone(),
        move |ctx: &Ctx, x| {
            let size = lens.iter().position(|l| *l == x).unwrap_or(0) as u32;
            let before = (0..PER_SIZE).map(|i| (key(x - 8, u64::from(size) << 20 | u64::from(i)), Vec::new()));
            let plan = Plan {
                text: contract(Op::Read, Keys::Sized(size, PER_SIZE), x - 8, 0, 64),
                before: before.collect(),
                per_run: None,
            };
            run_plan(ctx, backend, plan)
        },
    ));
    all.push(Probe::new(
        format!("storage_key_byte/remove-{b}"),
        key_term,
        format!("64 removals of present x-byte keys differing only in their last bytes, {b} backend"),
        "key bytes",
        key_lens,
        move |ctx: &Ctx, x| {
            let plan = Plan {
                text: contract(Op::Remove, Keys::Fresh, x - 8, 0, 64),
                before: Vec::new(),
                per_run: Some(Box::new(move |nonce| fresh_keys(x - 8, nonce, 64))),
            };
            run_plan(ctx, backend, plan)
        },
    ));
    let counts = pick(scale, vec![0, 64, 128, 192, 256], vec![0, 128, 256], vec![0, 2, 4]);
    // A call that writes commits once, whatever its writes: from 1 write on, the intercept is
    // `commit` and the slope the write.
    let writes = pick(scale, vec![1, 64, 128, 192, 256], vec![1, 128, 256], vec![1, 2, 4]);
    for op in [Op::Read, Op::Has, Op::Write, Op::Remove] {
        let state = state_keys(scale);
        let input = match op {
            Op::Read | Op::Has => format!("x lookups of present 8-byte keys at random in a state of {state} keys"),
            Op::Write => "x writes of fresh 8-byte keys (inserts), empty values".into(),
            Op::Remove => "x removals of present 8-byte keys".into(),
        };
        let writing = matches!(op, Op::Write | Op::Remove);
        let probe = Probe::new(
            format!("{}/{b}", op.function()),
            Term::Host(op.term()),
            format!("{input}, {b} backend"),
            "calls",
            if writing { writes.clone() } else { counts.clone() },
            move |ctx: &Ctx, x| {
                let plan = match op {
                    Op::Read | Op::Has => Plan {
                        text: contract(op, Keys::Spread(state), 0, 0, x),
                        before: (0..state).map(|i| (key(0, u64::from(i)), Vec::new())).collect(),
                        per_run: None,
                    },
                    Op::Write => Plan { text: contract(op, Keys::Fresh, 0, 0, x), before: Vec::new(), per_run: None },
                    Op::Remove => Plan {
                        text: contract(op, Keys::Fresh, 0, 0, x),
                        before: (0..state).map(|i| (key(0, u64::from(i)), Vec::new())).collect(),
                        per_run: Some(Box::new(move |nonce| fresh_keys(0, nonce, x))),
                    },
                };
                run_plan(ctx, backend, plan)
            },
        );
        all.push(if writing { probe.with_fixed(Term::Host(HostTerm::Commit)) } else { probe });
    }
    all
}

/// The storage probes on both backends, in calibration order: every per-byte probe before the
/// fixed prices (whose probes use keys of 8 bytes).
pub fn probes(scale: Scale) -> Vec<Probe> {
    let mut memory = probes_on(Backend::Memory, scale);
    let mut redb = probes_on(Backend::Redb, scale);
    let fixed_at = |all: &[Probe]| {
        all.iter().position(|p| matches!(p.slope, Term::Host(h) if h == HostTerm::StorageRead)).unwrap_or(all.len())
    };
    let (mf, rf) = (fixed_at(&memory), fixed_at(&redb));
    let memory_fixed = memory.split_off(mf);
    let redb_fixed = redb.split_off(rf);
    memory.extend(redb);
    memory.extend(memory_fixed);
    memory.extend(redb_fixed);
    memory
}
