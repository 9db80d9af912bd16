//! Target `host_abi`: a contract generated from the input calls host functions with the
//! pointers, lengths and values the input chooses, through `tally_host_env::Runtime`.
//!
//! The contract imports every function of `tally_host_v1` and exports `run`, a straight-line
//! sequence of host calls (up to [`MAX_CALLS`]) whose arguments are constants drawn from the
//! input: small numbers, pointers into its memory's regions (keys, addresses, method names,
//! topics, the input's own bytes), the last bytes of its memory, sizes around the ABI's limits,
//! and arbitrary values. Its memory holds its own address and a counter's (deployed in every
//! run), so `call` reaches real contracts, itself included. The call itself has an input, a
//! caller, a gas limit and a read-only flag from the input.
//!
//! Checks: the call ends in a receipt (an `ExecError` from memory storage is a finding) that
//! used no more than its gas limit; a failed call (and any query) commits nothing and a failed
//! one has no writes or events in its receipt; the record round-trips and replays to the same
//! receipt; and a second run on a fresh copy of the state gives the same receipt and state.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use arbitrary::Unstructured;
use tally_host_env::abi::HostFn;
use tally_host_env::{replay, Address, CallRequest, ExecutionRecord, MemoryStorage, Receipt, Storage};
use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
    ImportSection, Instruction, MemorySection, MemoryType, Module, TypeSection, ValType,
};

use super::chain::{self, CALLER, COUNTER, DEPLOYER};

/// Most host calls in one generated contract.
pub const MAX_CALLS: usize = 32;
/// The gas limits a call may get (the default params charge 30M gas to load code).
const GAS_CHOICES: [u64; 5] = [0, 1_000, 40_000_000, 100_000_000, 300_000_000];

/// Where things are in the generated contract's memory.
mod at {
    /// Keys: `"k"`, then `"key-two"`.
    pub const KEYS: i32 = 0;
    /// Scratch space for outputs.
    pub const SCRATCH: i32 = 64;
    /// The contract's own address.
    pub const SELF: i32 = 256;
    /// The counter's address.
    pub const COUNTER: i32 = 288;
    /// Method names: `run`, `inc`, `spin`, `get`, `fail`, 16 bytes apart.
    pub const METHODS: i32 = 320;
    /// Four 32-byte topics.
    pub const TOPICS: i32 = 512;
    /// Bytes from the input.
    pub const DATA: i32 = 1024;
}

/// The parameter and result types of a host function (`ABI.md`).
fn signature(f: HostFn) -> (&'static [ValType], &'static [ValType]) {
    use ValType::{I32, I64};
    match f {
        HostFn::InputLen | HostFn::ReturnDataLen => (&[], &[I32]),
        HostFn::InputRead | HostFn::ReturnDataRead | HostFn::Keccak256 => (&[I32, I32, I32], &[]),
        HostFn::ReturnSet | HostFn::Revert | HostFn::StorageRemove | HostFn::DebugLog => (&[I32, I32], &[]),
        HostFn::Abort | HostFn::Caller | HostFn::SelfAddress | HostFn::Origin => (&[I32], &[]),
        HostFn::StorageRead => (&[I32, I32, I32, I32, I32], &[I32]),
        HostFn::StorageWrite | HostFn::EmitEvent => (&[I32, I32, I32, I32], &[]),
        HostFn::StorageHas => (&[I32, I32], &[I32]),
        HostFn::BlockHeight | HostFn::BlockTime | HostFn::ChainId | HostFn::GasLeft => (&[], &[I64]),
        HostFn::Call => (&[I32, I32, I32, I32, I32, I64, I32], &[I32]),
        HostFn::Create => (&[I32, I32, I32, I32, I32, I32, I32, I64, I32], &[I32]),
        HostFn::SetCode => (&[I32, I32, I32, I32, I32, I32, I64], &[I32]),
    }
}

/// An `i32` argument: mostly pointers and lengths that mean something in this memory.
fn arg_i32(u: &mut Unstructured<'_>, memory_end: i32) -> arbitrary::Result<i32> {
    Ok(match u.int_in_range(0u8..=9)? {
        0 => u.int_in_range(0..=64)?,
        1 => {
            *u.choose(&[at::KEYS, at::SCRATCH, at::SELF, at::COUNTER, at::TOPICS, at::DATA])? + u.int_in_range(0..=8)?
        }
        2 => at::METHODS + 16 * u.int_in_range(0..=4)?,
        3 => memory_end - u.int_in_range(0..=64)?,
        4 => *u.choose(&[-1, i32::MIN, i32::MAX, 65_536, 131_072, 1 << 20, 1 << 24])?,
        5 => *u.choose(&[1, 3, 4, 7, 8, 32, 33, 255, 256, 1024, 16_384, 16_385, 65_535])?,
        6 => u.int_in_range(0..=4)?,
        _ => u.arbitrary()?,
    })
}

/// An `i64` argument (the gas of `call`, `create` and `set_code`): everything, nothing, a little, or anything.
fn arg_i64(u: &mut Unstructured<'_>) -> arbitrary::Result<i64> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => -1,
        1 => *u.choose(&[0, 1, 1_000, 1_000_000, 40_000_000, 100_000_000])?,
        _ => u.arbitrary()?,
    })
}

/// The call the input describes: the contract's code and the request's input, gas limit and
/// read-only flag.
struct Case {
    code: Vec<u8>,
    input: Vec<u8>,
    gas_limit: u64,
    read_only: bool,
}

/// The addresses the contracts get: the counter is the deployer's first, the generated
/// contract its second.
fn addresses() -> (Address, Address) {
    (Address::derive(&DEPLOYER, 0), Address::derive(&DEPLOYER, 1))
}

fn generate(data: &[u8]) -> arbitrary::Result<Case> {
    let mut u = Unstructured::new(data);
    let pages: u32 = u.int_in_range(1..=2)?;
    let memory_end = (pages * 65_536) as i32;
    let gas_limit = *u.choose(&GAS_CHOICES)?;
    let read_only = u.ratio(1u8, 5u8)?;
    let input_len = u.int_in_range(0..=64)?;
    let input = u.bytes(input_len)?.to_vec();
    let data_len = u.int_in_range(0..=256)?;
    let bytes = u.bytes(data_len)?.to_vec();

    let mut module = Module::new();
    let mut types = TypeSection::new();
    let mut imports = ImportSection::new();
    for f in HostFn::ALL {
        let (params, results) = signature(f);
        types.ty().function(params.iter().copied(), results.iter().copied());
        imports.import(tally_host_env::abi::MODULE, f.name(), EntityType::Function(f as u32));
    }
    let run_type = HostFn::ALL.len() as u32;
    types.ty().function([], []);
    let mut functions = FunctionSection::new();
    functions.function(run_type);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: u64::from(pages),
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, run_type);
    exports.export("memory", ExportKind::Memory, 0);

    let mut body = Function::new([]);
    let calls = u.int_in_range(0..=MAX_CALLS)?;
    for _ in 0..calls {
        let f = *u.choose(&HostFn::ALL)?;
        let (params, results) = signature(f);
        for ty in params {
            match ty {
                ValType::I64 => body.instruction(&Instruction::I64Const(arg_i64(&mut u)?)),
                _ => body.instruction(&Instruction::I32Const(arg_i32(&mut u, memory_end)?)),
            };
        }
        body.instruction(&Instruction::Call(f as u32));
        for _ in results.iter() {
            body.instruction(&Instruction::Drop);
        }
    }
    body.instruction(&Instruction::End);
    let mut code = CodeSection::new();
    code.function(&body);

    let (counter, this) = addresses();
    let mut data_section = DataSection::new();
    let mut segment = |offset: i32, bytes: &[u8]| {
        data_section.active(0, &ConstExpr::i32_const(offset), bytes.iter().copied());
    };
    segment(at::KEYS, b"k\0\0\0\0\0\0\0key-two");
    segment(at::SELF, &this.0);
    segment(at::COUNTER, &counter.0);
    for (i, name) in ["run", "inc", "spin", "get", "fail"].iter().enumerate() {
        segment(at::METHODS + 16 * i as i32, name.as_bytes());
    }
    let topics: Vec<u8> = (0..128u8).collect();
    segment(at::TOPICS, &topics);
    segment(at::DATA, &bytes);

    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&data_section);
    Ok(Case { code: module.finish(), input, gas_limit, read_only })
}

/// The state with the counter deployed, which every run starts from.
fn base_state() -> &'static BTreeMap<Vec<u8>, Vec<u8>> {
    static BASE: OnceLock<BTreeMap<Vec<u8>, Vec<u8>>> = OnceLock::new();
    BASE.get_or_init(|| {
        let storage = Arc::new(MemoryStorage::new());
        let counter = chain::deploy(&storage, chain::wasm(COUNTER));
        assert_eq!(counter, addresses().0, "the counter is the deployer's first contract");
        storage.snapshot()
    })
}

/// Deploys the case's contract on a fresh copy of the base state and calls `run`, recorded or
/// not; returns the storage, the receipt and the record.
fn run(case: &Case, recorded: bool) -> Result<(Arc<MemoryStorage>, Receipt, Option<ExecutionRecord>), String> {
    let memory = Arc::new(MemoryStorage::new());
    memory.restore(base_state().clone());
    let this = chain::deploy(&memory, case.code.clone());
    if this != addresses().1 {
        return Err(format!("the generated contract was deployed at {}", tally_host_env::hex(&this.0)));
    }
    let storage: Arc<dyn Storage> = memory.clone();
    let req = CallRequest {
        contract: this,
        method: "run".into(),
        input: case.input.clone(),
        caller: CALLER,
        gas_limit: case.gas_limit,
        context: chain::context(),
    };
    let rt = chain::runtime();
    let result = match (case.read_only, recorded) {
        (false, false) => rt.call(&storage, &req).map(|r| (r, None)),
        (false, true) => rt.call_recorded(&storage, &req).map(|(r, rec)| (r, Some(rec))),
        (true, false) => rt.query(&storage, &req).map(|r| (r, None)),
        (true, true) => rt.query_recorded(&storage, &req).map(|(r, rec)| (r, Some(rec))),
    };
    let (receipt, record) = result.map_err(|e| format!("the call ended in an error, not a receipt: {e}"))?;
    Ok((memory, receipt, record))
}

/// Checks one input; `Err` describes the finding.
pub fn check(data: &[u8]) -> Result<(), String> {
    let Ok(case) = generate(data) else { return Ok(()) };
    let before = {
        let memory = Arc::new(MemoryStorage::new());
        memory.restore(base_state().clone());
        chain::deploy(&memory, case.code.clone());
        memory.snapshot()
    };
    let (storage, receipt, record) = run(&case, true)?;
    let after = storage.snapshot();
    let what = format!("{} ({} gas of {})", receipt.status.describe(), receipt.gas_used, case.gas_limit);
    if receipt.gas_used > case.gas_limit {
        return Err(format!("{what}: used more gas than the limit"));
    }
    if (!receipt.status.is_ok() || case.read_only) && after != before {
        return Err(format!("{what}: a failed call or a query changed the state"));
    }
    if !receipt.status.is_ok() && (!receipt.write_set.is_empty() || !receipt.events.is_empty()) {
        return Err(format!("{what}: a failed call's receipt has writes or events"));
    }
    let record = record.ok_or("a recorded call returned no record")?;
    match ExecutionRecord::from_bytes(&record.to_bytes()) {
        Ok(decoded) if decoded == record => {}
        other => return Err(format!("{what}: its record does not round-trip: {:?}", other.err())),
    }
    match replay(chain::runtime(), &record) {
        Ok(replayed) if replayed == receipt => {}
        Ok(replayed) => return Err(format!("{what}: the replay's receipt differs: {replayed:?}")),
        Err(d) => return Err(format!("{what}: the replay diverges: {d}")),
    }
    let (storage2, receipt2, _) = run(&case, false)?;
    if receipt2 != receipt {
        return Err(format!("{what}: a second run differs: {receipt2:?}"));
    }
    if storage2.snapshot() != after {
        return Err(format!("{what}: a second run leaves a different state"));
    }
    Ok(())
}

/// Seeds: pseudo-random inputs of several lengths (every input makes some program; longer ones
/// make longer programs).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    (0..48u64)
        .map(|seed| (format!("random-{seed}"), super::seeds::random_bytes(seed, 64 + 24 * seed as usize)))
        .collect()
}
