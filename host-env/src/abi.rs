//! The host ABI, version 1: the functions contracts import from [`MODULE`].
//!
//! `ABI.md` is the contract-facing description; this file is its implementation. Every function
//! follows the same steps, in this order: charge its gas (base + per-byte terms) — bounds-check
//! pointers and lengths — perform the effect. A charge that runs out of gas traps before
//! anything happens; a bad argument traps with a [`HostTrap`] code.

use tally_digest::Keccak256;
use tally_vm::{Caller, Linker, Trap};

use crate::install::InstallArgs;
use crate::receipt::{Event, HostTrap};
use crate::runtime::{Exit, Host, Tx};

/// The import module name of this ABI version.
pub const MODULE: &str = "tally_host_v1";

/// Flag of `call`: allow the callee to be a contract already on the call stack.
pub const CALL_ALLOW_REENTRY: i32 = 1;
/// Flag of `call`: run the callee read-only.
pub const CALL_READ_ONLY: i32 = 2;

/// `storage_read`'s result for an absent key (`u32::MAX`).
pub const ABSENT: i32 = -1;

/// The ABI's functions, with stable ids (the transcript's `function` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum HostFn {
    /// `input_len() -> i32`
    InputLen = 0,
    /// `input_read(dst, offset, len)`
    InputRead = 1,
    /// `return_set(ptr, len)`
    ReturnSet = 2,
    /// `revert(ptr, len) -> !`
    Revert = 3,
    /// `abort(code) -> !`
    Abort = 4,
    /// `storage_read(key, key_len, dst, cap, offset) -> i32`
    StorageRead = 5,
    /// `storage_write(key, key_len, value, value_len)`
    StorageWrite = 6,
    /// `storage_remove(key, key_len)`
    StorageRemove = 7,
    /// `storage_has(key, key_len) -> i32`
    StorageHas = 8,
    /// `caller(dst)`
    Caller = 9,
    /// `self_address(dst)`
    SelfAddress = 10,
    /// `origin(dst)`
    Origin = 11,
    /// `block_height() -> i64`
    BlockHeight = 12,
    /// `block_time() -> i64`
    BlockTime = 13,
    /// `chain_id() -> i64`
    ChainId = 14,
    /// `gas_left() -> i64`
    GasLeft = 15,
    /// `emit_event(topics, topic_count, data, data_len)`
    EmitEvent = 16,
    /// `keccak256(src, len, dst)`
    Keccak256 = 17,
    /// `call(address, method, method_len, input, input_len, gas, flags) -> i32`
    Call = 18,
    /// `return_data_len() -> i32`
    ReturnDataLen = 19,
    /// `return_data_read(dst, offset, len)`
    ReturnDataRead = 20,
    /// `debug_log(ptr, len)`
    DebugLog = 21,
    /// `create(code, code_len, salt, method, method_len, input, input_len, gas, dst) -> i32`
    Create = 22,
    /// `set_code(code, code_len, method, method_len, input, input_len, gas) -> i32`
    SetCode = 23,
}

impl HostFn {
    /// Every function, in id order.
    pub const ALL: [HostFn; 24] = [
        HostFn::InputLen,
        HostFn::InputRead,
        HostFn::ReturnSet,
        HostFn::Revert,
        HostFn::Abort,
        HostFn::StorageRead,
        HostFn::StorageWrite,
        HostFn::StorageRemove,
        HostFn::StorageHas,
        HostFn::Caller,
        HostFn::SelfAddress,
        HostFn::Origin,
        HostFn::BlockHeight,
        HostFn::BlockTime,
        HostFn::ChainId,
        HostFn::GasLeft,
        HostFn::EmitEvent,
        HostFn::Keccak256,
        HostFn::Call,
        HostFn::ReturnDataLen,
        HostFn::ReturnDataRead,
        HostFn::DebugLog,
        HostFn::Create,
        HostFn::SetCode,
    ];

    /// The import name.
    pub fn name(self) -> &'static str {
        match self {
            HostFn::InputLen => "input_len",
            HostFn::InputRead => "input_read",
            HostFn::ReturnSet => "return_set",
            HostFn::Revert => "revert",
            HostFn::Abort => "abort",
            HostFn::StorageRead => "storage_read",
            HostFn::StorageWrite => "storage_write",
            HostFn::StorageRemove => "storage_remove",
            HostFn::StorageHas => "storage_has",
            HostFn::Caller => "caller",
            HostFn::SelfAddress => "self_address",
            HostFn::Origin => "origin",
            HostFn::BlockHeight => "block_height",
            HostFn::BlockTime => "block_time",
            HostFn::ChainId => "chain_id",
            HostFn::GasLeft => "gas_left",
            HostFn::EmitEvent => "emit_event",
            HostFn::Keccak256 => "keccak256",
            HostFn::Call => "call",
            HostFn::ReturnDataLen => "return_data_len",
            HostFn::ReturnDataRead => "return_data_read",
            HostFn::DebugLog => "debug_log",
            HostFn::Create => "create",
            HostFn::SetCode => "set_code",
        }
    }

    /// The function with id `id`.
    pub fn from_id(id: u16) -> Option<HostFn> {
        HostFn::ALL.get(usize::from(id)).copied()
    }
}

/// Why a host function stopped the contract.
pub(crate) enum Fail {
    /// Out of gas: the VM's own trap, already recorded on the meter.
    Gas(Trap),
    /// A contract-visible ending (revert, abort, host trap) or a fatal backend error.
    Exit(Exit),
}

impl From<HostTrap> for Fail {
    fn from(t: HostTrap) -> Self {
        Fail::Exit(Exit::HostTrap(t))
    }
}

type HostResult<R> = Result<R, Fail>;

/// Collects what a host call consumed and produced, for the transcript's digest; free when the
/// execution is not recorded.
pub(crate) struct Io(Option<Keccak256>);

impl Io {
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        if let Some(h) = &mut self.0 {
            h.update(&(bytes.len() as u32).to_le_bytes());
            h.update(bytes);
        }
    }

    pub(crate) fn put_u64(&mut self, v: u64) {
        if let Some(h) = &mut self.0 {
            h.update(&v.to_le_bytes());
        }
    }
}

/// Runs one host function: records its transcript entry and turns a [`Fail`] into a trap.
fn host_call<R>(
    c: &mut Caller<'_, Host>,
    f: HostFn,
    body: impl FnOnce(&mut Caller<'_, Host>, &mut Io) -> HostResult<R>,
) -> Result<R, Trap> {
    let gas_before = crate::frame::visible_gas(c);
    let recording = c.data().tx.as_ref().is_some_and(|tx| tx.recording);
    let mut io = Io(recording.then(Keccak256::new));
    let result = body(c, &mut io);
    if let Some(h) = io.0 {
        let gas_after = crate::frame::visible_gas(c);
        let depth = c.data().frame.depth;
        if let Some(tx) = c.data_mut().tx.as_mut() {
            tx.transcript.push(crate::record::HostCall {
                depth,
                function: f as u16,
                gas_before,
                gas_after,
                io: h.finalize(),
            });
        }
    }
    result.map_err(|fail| match fail {
        Fail::Gas(trap) => trap,
        Fail::Exit(exit) => Trap::from_host(HostExit { function: f, exit }),
    })
}

/// How a host function ended its frame: the error it returns through the VM's [`Trap`], which
/// [`run_frame`](crate::frame::run_frame) takes back typed. Its text is the trap location's
/// message.
#[derive(Debug)]
pub(crate) struct HostExit {
    /// The host function that ended the frame.
    pub function: HostFn,
    /// How it ended it.
    pub exit: Exit,
}

impl core::fmt::Display for HostExit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.function.name(), self.exit.describe())
    }
}

impl tally_vm::HostError for HostExit {}

fn charge(c: &mut Caller<'_, Host>, amount: u64) -> HostResult<()> {
    crate::frame::consume(c, amount).map_err(Fail::Gas)
}

fn per_byte(len: u32, unit: u64) -> u64 {
    u64::from(len).saturating_mul(unit)
}

fn tx<'a>(c: &'a mut Caller<'_, Host>) -> HostResult<&'a mut Tx> {
    c.data_mut().tx.as_deref_mut().ok_or(Fail::Exit(Exit::Internal("transaction state missing during a host call")))
}

fn mem_range(c: &Caller<'_, Host>, ptr: i32, len: u32) -> HostResult<core::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    let end = start.checked_add(len as usize).ok_or(HostTrap::MemoryAccess)?;
    if end > c.memory_data().len() {
        return Err(HostTrap::MemoryAccess.into());
    }
    Ok(start..end)
}

pub(crate) fn read_mem(c: &Caller<'_, Host>, ptr: i32, len: u32) -> HostResult<Vec<u8>> {
    let r = mem_range(c, ptr, len)?;
    Ok(tally_vm::bytes::to_vec(&c.memory_data()[r]))
}

/// Traps with `memory_access` unless `ptr..ptr + len` is in memory.
pub(crate) fn check_range(c: &Caller<'_, Host>, ptr: i32, len: u32) -> HostResult<()> {
    mem_range(c, ptr, len).map(|_| ())
}

pub(crate) fn write_mem(c: &mut Caller<'_, Host>, ptr: i32, bytes: &[u8]) -> HostResult<()> {
    let r = mem_range(c, ptr, bytes.len() as u32)?;
    tally_vm::bytes::copy(&mut c.memory_data_mut()[r], bytes);
    Ok(())
}

fn len_arg(v: i32) -> u32 {
    v as u32
}

/// Copies `src[offset..offset + len]` to `dst`; traps `BufferRange` if past the end.
fn read_buffer(c: &mut Caller<'_, Host>, src: &[u8], dst: i32, offset: i32, len: i32, io: &mut Io) -> HostResult<()> {
    let (offset, len) = (len_arg(offset) as usize, len_arg(len) as usize);
    let end = offset.checked_add(len).ok_or(HostTrap::BufferRange)?;
    let bytes = src.get(offset..end).ok_or(HostTrap::BufferRange)?;
    io.put(bytes);
    write_mem(c, dst, bytes)
}

// Copies (a few dozen bytes), so a charge can borrow the caller mutably right after.
fn costs(c: &Caller<'_, Host>) -> crate::HostCosts {
    c.data().frame.params.host
}

fn limits(c: &Caller<'_, Host>) -> crate::Limits {
    c.data().frame.params.limits
}

/// `base + op + (storage_key_byte + memory_read_byte) · key_len`: what every storage function
/// charges before touching its key.
fn storage_op_cost(k: &crate::HostCosts, op: u64, key_len: i32) -> u64 {
    k.base.saturating_add(op).saturating_add(per_byte(len_arg(key_len), k.storage_key_byte + k.memory_read_byte))
}

/// `commit` if this is the transaction's first write or removal (nothing to commit yet), else 0.
fn commit_cost(c: &mut Caller<'_, Host>, k: &crate::HostCosts) -> HostResult<u64> {
    Ok(if tx(c)?.journal.has_writes() { 0 } else { k.commit })
}

/// `receipt_byte · (34 + key_len + value_len)`: what a write or removal adds to the receipt's
/// write set (the full key is `s:` ‖ address ‖ key).
fn receipt_entry_cost(k: &crate::HostCosts, key_len: i32, value_len: u32) -> u64 {
    per_byte(34u32.saturating_add(len_arg(key_len)).saturating_add(value_len), k.receipt_byte)
}

fn storage_key(c: &mut Caller<'_, Host>, key: i32, key_len: i32, io: &mut Io) -> HostResult<Vec<u8>> {
    let key_len = len_arg(key_len);
    if key_len > limits(c).max_key_len {
        return Err(HostTrap::KeyTooLong.into());
    }
    let r = mem_range(c, key, key_len)?;
    let k = &c.memory_data()[r];
    io.put(k);
    Ok(crate::state::contract_key(&c.data().frame.contract, k))
}

fn ensure_writable(c: &Caller<'_, Host>) -> HostResult<()> {
    if c.data().frame.read_only {
        return Err(HostTrap::ReadOnly.into());
    }
    Ok(())
}

fn journal_get(c: &mut Caller<'_, Host>, key: Vec<u8>) -> HostResult<Option<Vec<u8>>> {
    tx(c)?.journal.get(key).map_err(|e| Fail::Exit(Exit::Fatal(e.into())))
}

/// The byte buffers a contract reads in pieces: its input, and the last call's output.
#[derive(Clone, Copy)]
enum Buffer {
    Input,
    CallOutput,
}

impl Buffer {
    fn of(self, frame: &mut crate::runtime::Frame) -> &mut Vec<u8> {
        match self {
            Buffer::Input => &mut frame.input,
            Buffer::CallOutput => &mut frame.call_output,
        }
    }
}

/// Registers every ABI function in `linker`.
pub(crate) fn link(linker: &mut Linker<Host>) -> Result<(), tally_vm::Error> {
    for (which, len_fn, read_fn) in [
        (Buffer::Input, HostFn::InputLen, HostFn::InputRead),
        (Buffer::CallOutput, HostFn::ReturnDataLen, HostFn::ReturnDataRead),
    ] {
        linker.func_wrap(MODULE, len_fn.name(), move |mut c: Caller<'_, Host>| {
            host_call(&mut c, len_fn, |c, io| {
                charge(c, costs(c).base)?;
                let n = which.of(&mut c.data_mut().frame).len() as u64;
                io.put_u64(n);
                Ok(n as i32)
            })
        })?;
        linker.func_wrap(MODULE, read_fn.name(), move |mut c: Caller<'_, Host>, dst: i32, offset: i32, len: i32| {
            host_call(&mut c, read_fn, |c, io| {
                charge(c, costs(c).base.saturating_add(per_byte(len_arg(len), costs(c).memory_write_byte)))?;
                // Taken out while copying, because the copy borrows the caller mutably.
                let bytes = std::mem::take(which.of(&mut c.data_mut().frame));
                let r = read_buffer(c, &bytes, dst, offset, len, io);
                *which.of(&mut c.data_mut().frame) = bytes;
                r
            })
        })?;
    }
    linker.func_wrap(MODULE, "return_set", |mut c: Caller<'_, Host>, ptr: i32, len: i32| {
        host_call(&mut c, HostFn::ReturnSet, |c, io| {
            let k = costs(c);
            charge(
                c,
                k.base.saturating_add(per_byte(len_arg(len), k.memory_read_byte.saturating_add(k.receipt_byte))),
            )?;
            if len_arg(len) > limits(c).max_return_len {
                return Err(HostTrap::ReturnTooLarge.into());
            }
            let data = read_mem(c, ptr, len_arg(len))?;
            io.put(&data);
            c.data_mut().frame.return_data = data;
            Ok(())
        })
    })?;
    linker.func_wrap(MODULE, "revert", |mut c: Caller<'_, Host>, ptr: i32, len: i32| -> Result<(), Trap> {
        host_call(&mut c, HostFn::Revert, |c, io| {
            let k = costs(c);
            charge(
                c,
                k.base.saturating_add(per_byte(len_arg(len), k.memory_read_byte.saturating_add(k.receipt_byte))),
            )?;
            if len_arg(len) > limits(c).max_return_len {
                return Err(HostTrap::ReturnTooLarge.into());
            }
            let data = read_mem(c, ptr, len_arg(len))?;
            io.put(&data);
            c.data_mut().frame.return_data = data;
            Err(Fail::Exit(Exit::Revert))
        })
    })?;
    linker.func_wrap(MODULE, "abort", |mut c: Caller<'_, Host>, code: i32| -> Result<(), Trap> {
        host_call(&mut c, HostFn::Abort, |c, io| {
            charge(c, costs(c).base)?;
            io.put_u64(u64::from(code as u32));
            Err(Fail::Exit(Exit::Abort(code as u32)))
        })
    })?;
    linker.func_wrap(
        MODULE,
        "storage_read",
        |mut c: Caller<'_, Host>, key: i32, key_len: i32, dst: i32, cap: i32, offset: i32| {
            host_call(&mut c, HostFn::StorageRead, |c, io| {
                let k = costs(c);
                charge(c, storage_op_cost(&k, k.storage_read, key_len))?;
                let full_key = storage_key(c, key, key_len, io)?;
                let Some(value) = journal_get(c, full_key)? else {
                    io.put_u64(u64::MAX);
                    return Ok(ABSENT);
                };
                let start = (len_arg(offset) as usize).min(value.len());
                let copied = (value.len() - start).min(len_arg(cap) as usize);
                let k = costs(c);
                charge(
                    c,
                    per_byte(value.len() as u32, k.storage_value_byte)
                        .saturating_add(per_byte(copied as u32, k.memory_write_byte)),
                )?;
                io.put(&value);
                write_mem(c, dst, &value[start..start + copied])?;
                Ok(value.len() as i32)
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "storage_write",
        |mut c: Caller<'_, Host>, key: i32, key_len: i32, val: i32, val_len: i32| {
            host_call(&mut c, HostFn::StorageWrite, |c, io| {
                let k = costs(c);
                let value_bytes = per_byte(len_arg(val_len), k.storage_value_byte + k.memory_read_byte);
                let receipt_bytes = receipt_entry_cost(&k, key_len, len_arg(val_len));
                let commit = commit_cost(c, &k)?;
                charge(
                    c,
                    storage_op_cost(&k, k.storage_write, key_len)
                        .saturating_add(value_bytes)
                        .saturating_add(receipt_bytes)
                        .saturating_add(commit),
                )?;
                ensure_writable(c)?;
                if len_arg(val_len) > limits(c).max_value_len {
                    return Err(HostTrap::ValueTooLarge.into());
                }
                let full_key = storage_key(c, key, key_len, io)?;
                let value = read_mem(c, val, len_arg(val_len))?;
                io.put(&value);
                tx(c)?.journal.put(full_key, Some(value));
                Ok(())
            })
        },
    )?;
    linker.func_wrap(MODULE, "storage_remove", |mut c: Caller<'_, Host>, key: i32, key_len: i32| {
        host_call(&mut c, HostFn::StorageRemove, |c, io| {
            let k = costs(c);
            let commit = commit_cost(c, &k)?;
            charge(
                c,
                storage_op_cost(&k, k.storage_remove, key_len)
                    .saturating_add(receipt_entry_cost(&k, key_len, 0))
                    .saturating_add(commit),
            )?;
            ensure_writable(c)?;
            let full_key = storage_key(c, key, key_len, io)?;
            tx(c)?.journal.put(full_key, None);
            Ok(())
        })
    })?;
    linker.func_wrap(MODULE, "storage_has", |mut c: Caller<'_, Host>, key: i32, key_len: i32| {
        host_call(&mut c, HostFn::StorageHas, |c, io| {
            let k = costs(c);
            charge(c, storage_op_cost(&k, k.storage_has, key_len))?;
            let full_key = storage_key(c, key, key_len, io)?;
            let value = journal_get(c, full_key)?;
            // The lookup keeps the value in the read set until the transaction ends (a record
            // needs it): its bytes are paid as storage_read pays them.
            let len = value.as_ref().map_or(0, |v| u32::try_from(v.len()).unwrap_or(u32::MAX));
            charge(c, per_byte(len, k.storage_value_byte))?;
            let has = value.is_some();
            io.put_u64(u64::from(has));
            Ok(i32::from(has))
        })
    })?;
    for f in [HostFn::Caller, HostFn::SelfAddress, HostFn::Origin] {
        linker.func_wrap(MODULE, f.name(), move |mut c: Caller<'_, Host>, dst: i32| {
            host_call(&mut c, f, |c, io| {
                charge(c, costs(c).base.saturating_add(per_byte(32, costs(c).memory_write_byte)))?;
                let address = match f {
                    HostFn::Caller => c.data().frame.caller,
                    HostFn::SelfAddress => c.data().frame.contract,
                    _ => tx(c)?.origin,
                };
                io.put(&address.0);
                write_mem(c, dst, &address.0)
            })
        })?;
    }
    for f in [HostFn::BlockHeight, HostFn::BlockTime, HostFn::ChainId, HostFn::GasLeft] {
        linker.func_wrap(MODULE, f.name(), move |mut c: Caller<'_, Host>| {
            host_call(&mut c, f, |c, io| {
                charge(c, costs(c).base)?;
                let v = match f {
                    HostFn::BlockHeight => tx(c)?.context.height,
                    HostFn::BlockTime => tx(c)?.context.time,
                    HostFn::ChainId => tx(c)?.context.chain_id,
                    // After this call's own charge.
                    _ => crate::frame::visible_gas(c),
                };
                io.put_u64(v);
                Ok(v as i64)
            })
        })?;
    }
    linker.func_wrap(
        MODULE,
        "emit_event",
        |mut c: Caller<'_, Host>, topics: i32, n: i32, data: i32, data_len: i32| {
            host_call(&mut c, HostFn::EmitEvent, |c, io| {
                let k = costs(c);
                let amount = k
                    .base
                    .saturating_add(k.event)
                    .saturating_add(
                        u64::from(len_arg(n)).saturating_mul(k.event_topic.saturating_add(32 * k.memory_read_byte)),
                    )
                    .saturating_add(per_byte(len_arg(data_len), k.event_data_byte + k.memory_read_byte))
                    .saturating_add(per_byte(
                        32u32.saturating_add(len_arg(n).saturating_mul(32)).saturating_add(len_arg(data_len)),
                        k.receipt_byte,
                    ));
                charge(c, amount)?;
                ensure_writable(c)?;
                let l = limits(c);
                if len_arg(n) > l.max_topics || len_arg(data_len) > l.max_event_data_len {
                    return Err(HostTrap::EventLimit.into());
                }
                let max_events = l.max_events as usize;
                if tx(c)?.journal.events().len() >= max_events {
                    return Err(HostTrap::EventLimit.into());
                }
                let raw = read_mem(c, topics, len_arg(n) * 32)?;
                let data = read_mem(c, data, len_arg(data_len))?;
                io.put(&raw);
                io.put(&data);
                let topics = raw.chunks_exact(32).map(|t| <[u8; 32]>::try_from(t).unwrap_or_default()).collect();
                let contract = c.data().frame.contract;
                tx(c)?.journal.emit(Event { contract, topics, data });
                Ok(())
            })
        },
    )?;
    linker.func_wrap(MODULE, "keccak256", |mut c: Caller<'_, Host>, src: i32, len: i32, dst: i32| {
        host_call(&mut c, HostFn::Keccak256, |c, io| {
            let k = costs(c);
            let blocks = u64::from(len_arg(len)).div_ceil(136).max(1);
            let amount = k
                .base
                .saturating_add(k.keccak)
                .saturating_add(blocks.saturating_mul(k.keccak_block))
                .saturating_add(per_byte(len_arg(len), k.memory_read_byte))
                .saturating_add(per_byte(32, k.memory_write_byte));
            charge(c, amount)?;
            let data = read_mem(c, src, len_arg(len))?;
            let digest = tally_digest::keccak(&data);
            io.put(&digest);
            write_mem(c, dst, &digest)
        })
    })?;
    linker.func_wrap(
        MODULE,
        "call",
        |mut c: Caller<'_, Host>,
         address: i32,
         method: i32,
         method_len: i32,
         input: i32,
         input_len: i32,
         gas: i64,
         flags: i32| {
            host_call(&mut c, HostFn::Call, |c, io| {
                crate::frame::nested_call(c, io, address, method, method_len, input, input_len, gas, flags)
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "create",
        |mut c: Caller<'_, Host>,
         code: i32,
         code_len: i32,
         salt: i32,
         method: i32,
         method_len: i32,
         input: i32,
         input_len: i32,
         gas: i64,
         dst: i32| {
            host_call(&mut c, HostFn::Create, |c, io| {
                let args = InstallArgs { code, code_len, method, method_len, input, input_len, gas };
                crate::install::create(c, io, args, salt, dst)
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "set_code",
        |mut c: Caller<'_, Host>,
         code: i32,
         code_len: i32,
         method: i32,
         method_len: i32,
         input: i32,
         input_len: i32,
         gas: i64| {
            host_call(&mut c, HostFn::SetCode, |c, io| {
                let args = InstallArgs { code, code_len, method, method_len, input, input_len, gas };
                crate::install::set_code(c, io, args)
            })
        },
    )?;
    linker.func_wrap(MODULE, "debug_log", |mut c: Caller<'_, Host>, ptr: i32, len: i32| {
        host_call(&mut c, HostFn::DebugLog, |c, io| {
            charge(c, costs(c).debug_log.saturating_add(per_byte(len_arg(len), costs(c).memory_read_byte)))?;
            let max = limits(c).max_log_bytes;
            let line = read_mem(c, ptr, len_arg(len))?;
            let tx = tx(c)?;
            let total = tx.log_bytes.saturating_add(line.len() as u32);
            if total > max {
                return Err(HostTrap::LogLimit.into());
            }
            tx.log_bytes = total;
            io.put(&line);
            tx.logs.push(line);
            Ok(())
        })
    })?;
    Ok(())
}

/// The expected signature of each import, as (params, results) of i32/i64: used to reject
/// modules at deploy time with a precise message rather than at link time.
pub fn signature(f: HostFn) -> (&'static [tally_vm::ValType], &'static [tally_vm::ValType]) {
    use tally_vm::ValType::{I32, I64};
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
