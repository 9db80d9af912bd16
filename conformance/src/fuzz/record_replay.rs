//! Target `record_replay`: execution records, decoded from raw bytes or mutated from valid
//! records, then replayed.
//!
//! Input: the first byte picks the mode.
//! - Even: the rest is a record file (`ExecutionRecord::from_bytes`).
//! - Odd: the second byte picks one of [`templates`] (honest records of real executions: calls,
//!   a query, a nested call, a deployment, a revert, a trap, out of gas in a loop), and the rest
//!   is a list of edits, each a tag byte and its operands ([`apply_edits`]): fields set to
//!   chosen values (gas limit, gas used, input, context, caller, method), read-set entries
//!   changed or removed, transcript entries changed or removed, outcome fields changed, code
//!   bytes flipped.
//!
//! Checks:
//! - decoding is canonical: a record that decodes re-encodes to the same bytes (raw mode), and
//!   a record round-trips (both modes);
//! - an unedited template replays without divergence;
//! - a replay is deterministic (twice on the same runtime, the second from its code cache, the
//!   same result) and, when it reports no divergence, agrees with the record's outcome;
//! - a replay never hangs: it is bounded by the gas the record says was used. Records that claim
//!   more than [`MAX_REPLAY_GAS`] are decoded but not replayed, since they may legitimately take
//!   that long; the gas *limit* is not bounded, which is how issue 12's replay finding shows
//!   (`fuzz/regressions/record_replay/`: an 11-byte input that raises the limit of an
//!   out-of-gas loop's record to `u64::MAX` replayed for hours before the fix).

use std::sync::{Arc, OnceLock};

use tally_host_env::{
    keys, replay, Address, CallRequest, DeployRequest, ExecutionRecord, MemoryStorage, RecordKind, Status, Storage,
};

use super::chain::{self, CALLER, COUNTER, DEPLOYER};

/// Gas limit of the template calls.
pub const TEMPLATE_GAS: u64 = 1_000_000_000;
/// Gas limit of the template that loops until out of gas.
pub const SPIN_GAS: u64 = 100_000_000;
/// Records that claim more gas used than this are not replayed (see the module docs).
pub const MAX_REPLAY_GAS: u64 = TEMPLATE_GAS;
/// At most this many edits are applied to a template.
const MAX_EDITS: usize = 16;

/// Index of the template that loops until out of gas (issue 12's replay finding edits it).
pub const SPIN_TEMPLATE: u8 = 3;

/// The honest records edits start from, made once per process on [`chain::runtime`]:
/// 0 `inc`, 1 `get` as a query, 2 `forward` (a nested call), [`SPIN_TEMPLATE`] `spin` (out of
/// gas), 4 a deployment with the initializer `inc`, 5 `fail` (reverts), 6 `add`, 7 `hash`,
/// 8 `trap`.
pub fn templates() -> &'static [ExecutionRecord] {
    static TEMPLATES: OnceLock<Vec<ExecutionRecord>> = OnceLock::new();
    TEMPLATES.get_or_init(make_templates)
}

fn make_templates() -> Vec<ExecutionRecord> {
    let memory = Arc::new(MemoryStorage::new());
    let a = chain::deploy(&memory, chain::wasm(COUNTER));
    let b = chain::deploy(&memory, chain::wasm(COUNTER));
    let storage: Arc<dyn Storage> = memory;
    let rt = chain::runtime();
    let req = |contract: Address, method: &str, input: &[u8], gas_limit: u64| CallRequest {
        contract,
        method: method.into(),
        input: input.to_vec(),
        caller: CALLER,
        gas_limit,
        context: chain::context(),
    };
    let call = |r: CallRequest| rt.call_recorded(&storage, &r).expect("a template call").1;
    rt.call(&storage, &req(a, "inc", &[], TEMPLATE_GAS)).expect("set-up call");
    let deploy = DeployRequest {
        code: chain::wasm(COUNTER),
        deployer: DEPLOYER,
        init: Some("inc".into()),
        input: vec![],
        gas_limit: TEMPLATE_GAS,
        context: chain::context(),
    };
    let templates = vec![
        call(req(a, "inc", &[], TEMPLATE_GAS)),
        rt.query_recorded(&storage, &req(a, "get", &[], TEMPLATE_GAS)).expect("a template query").1,
        call(req(a, "forward", &b.0, TEMPLATE_GAS)),
        call(req(a, "spin", &[], SPIN_GAS)),
        rt.deploy_recorded(&storage, &deploy).expect("a template deployment").1,
        call(req(a, "fail", &[], TEMPLATE_GAS)),
        call(req(a, "add", &41u64.to_le_bytes(), TEMPLATE_GAS)),
        call(req(a, "hash", b"hello, tally", TEMPLATE_GAS)),
        call(req(a, "trap", &[], TEMPLATE_GAS)),
    ];
    assert_eq!(templates[SPIN_TEMPLATE as usize].outcome.status, Status::OutOfGas);
    templates
}

/// Checks one input; `Err` describes the finding.
pub fn check(data: &[u8]) -> Result<(), String> {
    let Some((&mode, rest)) = data.split_first() else { return Ok(()) };
    if mode & 1 == 0 {
        let Ok(record) = ExecutionRecord::from_bytes(rest) else { return Ok(()) };
        if record.to_bytes() != rest {
            return Err("a record decodes from bytes that are not its encoding".into());
        }
        return check_record(&record, false);
    }
    let Some((&which, edits)) = rest.split_first() else { return Ok(()) };
    let all = templates();
    let template = &all[usize::from(which) % all.len()];
    let mut record = template.clone();
    apply_edits(&mut record, edits);
    match ExecutionRecord::from_bytes(&record.to_bytes()) {
        Ok(decoded) if decoded == record => {}
        other => {
            return Err(format!("an edited record does not round-trip: {:?}", other.map(|_| "a different record")))
        }
    }
    check_record(&record, record == *template)
}

/// Replays `record` twice (unless it claims more than [`MAX_REPLAY_GAS`]): the replays must
/// agree with each other, with the record when they report no divergence, and, for an `honest`
/// record, report none.
pub fn check_record(record: &ExecutionRecord, honest: bool) -> Result<(), String> {
    if record.outcome.gas_used > MAX_REPLAY_GAS {
        return Ok(());
    }
    let rt = chain::runtime();
    let first = replay(rt, record);
    let second = replay(rt, record);
    if first != second {
        return Err(format!("replay is not deterministic: {first:?} then {second:?}"));
    }
    match first {
        Ok(receipt) => {
            let o = &record.outcome;
            if receipt.result_hash != o.result_hash || receipt.gas_used != o.gas_used || receipt.status != o.status {
                return Err(format!(
                    "replay reports no divergence, but its receipt ({}, {} gas, {}) is not the record's ({}, {} gas, {})",
                    receipt.status.describe(),
                    receipt.gas_used,
                    tally_host_env::hex(&receipt.result_hash),
                    o.status.describe(),
                    o.gas_used,
                    tally_host_env::hex(&o.result_hash)
                ));
            }
            Ok(())
        }
        Err(d) if honest => Err(format!("an honest record diverges: {d}")),
        Err(_) => Ok(()),
    }
}

/// A cursor over edit operands: missing bytes read as zero.
struct Operands<'a>(&'a [u8]);

impl Operands<'_> {
    fn u8(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }

    fn u64(&mut self) -> u64 {
        let mut le = [0u8; 8];
        for byte in &mut le {
            *byte = self.u8();
        }
        u64::from_le_bytes(le)
    }

    /// A length byte, then that many bytes.
    fn bytes(&mut self) -> Vec<u8> {
        let len = usize::from(self.u8()).min(self.0.len());
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        taken.to_vec()
    }

    /// An index below `len` (0 when `len` is 0).
    fn index(&mut self, len: usize) -> usize {
        usize::from(self.u8()) % len.max(1)
    }
}

/// Flips bit `bit % 8` of byte `at % len` of `bytes` (nothing when empty).
fn flip(bytes: &mut [u8], at: usize, bit: u8) {
    let len = bytes.len();
    if len > 0 {
        bytes[at % len] ^= 1 << (bit % 8);
    }
}

/// Applies the edits `ops` describes (each a tag byte and its operands; see the match) to
/// `record`, at most [`MAX_EDITS`].
pub fn apply_edits(record: &mut ExecutionRecord, ops: &[u8]) {
    let mut ops = Operands(ops);
    for _ in 0..MAX_EDITS {
        if ops.0.is_empty() {
            return;
        }
        match ops.u8() % 14 {
            0 => record.gas_limit = ops.u64(),
            1 => record.outcome.gas_used = ops.u64(),
            2 => record.input = ops.bytes(),
            3 => {
                let i = ops.index(record.read_set.len());
                let (at, bit) = (ops.u64() as usize, ops.u8());
                if let Some((_, Some(value))) = record.read_set.get_mut(i) {
                    flip(value, at, bit);
                }
            }
            4 => {
                let i = ops.index(record.read_set.len());
                if i < record.read_set.len() {
                    record.read_set.remove(i);
                }
            }
            5 => {
                let i = ops.index(record.read_set.len());
                let value = ops.bytes();
                if let Some((_, v)) = record.read_set.get_mut(i) {
                    *v = if value.is_empty() { None } else { Some(value) };
                }
            }
            6 => {
                let i = ops.index(record.transcript.len());
                let (field, value) = (ops.u8(), ops.u64());
                if let Some(call) = record.transcript.get_mut(i) {
                    match field % 5 {
                        0 => call.depth = value as u32,
                        1 => call.function = value as u16,
                        2 => call.gas_before = value,
                        3 => call.gas_after = value,
                        _ => flip(&mut call.io, value as usize, value as u8),
                    }
                }
            }
            7 => {
                let keep = ops.index(record.transcript.len() + 1);
                record.transcript.truncate(keep);
            }
            8 => match &mut record.kind {
                RecordKind::Call { method, read_only, .. } => {
                    let name = ops.bytes();
                    if name.is_empty() {
                        *read_only = !*read_only;
                    } else {
                        *method = String::from_utf8_lossy(&name).into_owned();
                    }
                }
                RecordKind::Deploy { init, .. } => {
                    let name = ops.bytes();
                    *init = (!name.is_empty()).then(|| String::from_utf8_lossy(&name).into_owned());
                }
            },
            9 => {
                let (field, value) = (ops.u8(), ops.u64());
                match field % 3 {
                    0 => record.context.height = value,
                    1 => record.context.time = value,
                    _ => record.context.chain_id = value,
                }
            }
            10 => {
                let (at, value) = (ops.u8(), ops.u8());
                record.caller.0[usize::from(at) % 32] = value;
            }
            11 => {
                let (at, bit) = (ops.u8(), ops.u8());
                flip(&mut record.params_hash, usize::from(at), bit);
            }
            12 => {
                let (field, value) = (ops.u8(), ops.u64());
                let o = &mut record.outcome;
                match field % 5 {
                    0 => o.status = status_of(value),
                    1 => flip(&mut o.result_hash, value as usize, (value >> 8) as u8),
                    2 => o.events.truncate(value as usize),
                    3 => o.write_set.truncate(value as usize),
                    _ => o.return_data.truncate(value as usize),
                }
            }
            _ => {
                // A byte of code: the deployed code, or the code in the read set.
                let (at, bit) = (ops.u64() as usize, ops.u8());
                match &mut record.kind {
                    RecordKind::Deploy { code, .. } => flip(code, at, bit),
                    RecordKind::Call { .. } => {
                        for (key, value) in &mut record.read_set {
                            if let (true, Some(code)) = (key.starts_with(keys::CODE), value.as_mut()) {
                                flip(code, at, bit);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A status picked by `value`.
fn status_of(value: u64) -> Status {
    match value % 6 {
        0 => Status::Ok,
        1 => Status::Reverted,
        2 => Status::OutOfGas,
        3 => Status::Aborted((value >> 8) as u32),
        4 => Status::NoSuchMethod,
        _ => Status::CorruptState,
    }
}

/// The input that reproduces issue 12's replay finding: the record of a call that loops until
/// out of gas, its gas limit raised to `u64::MAX` (11 bytes: mode, template, tag 0, the limit).
pub fn huge_gas_limit_input() -> Vec<u8> {
    let mut input = vec![1, SPIN_TEMPLATE, 0];
    input.extend(u64::MAX.to_le_bytes());
    input
}

/// Seeds: every template as a raw record file and unedited (mode 1).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, record) in templates().iter().enumerate() {
        let mut raw = vec![0];
        raw.extend(record.to_bytes());
        out.push((format!("raw-template-{i}"), raw));
        out.push((format!("template-{i}"), vec![1, i as u8]));
    }
    out
}
