//! Receipts: what an execution produced, and the hash every node must agree on.

use parity_scale_codec::{Decode, Encode};
use tally_digest::Keccak256;

use crate::context::{Address, BlockContext};

/// An event emitted by a contract: up to four 32-byte topics and data.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Event {
    /// The emitting contract.
    pub contract: Address,
    /// Indexed topics (at most [`Limits::max_topics`](crate::Limits::max_topics)).
    pub topics: Vec<[u8; 32]>,
    /// Free-form data.
    pub data: Vec<u8>,
}

/// A WebAssembly trap, by stable numeric code (the `u8` in the encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum WasmTrap {
    /// `unreachable` executed (Rust panics compile to this unless the SDK's abort handler runs).
    Unreachable,
    /// Signed division overflow or float-to-int overflow.
    IntegerOverflow,
    /// Integer division or remainder by zero.
    DivisionByZero,
    /// Float-to-int conversion of NaN.
    InvalidConversion,
    /// Memory access out of bounds.
    MemoryOutOfBounds,
    /// Table access out of bounds.
    TableOutOfBounds,
    /// `call_indirect` to a null entry.
    IndirectCallToNull,
    /// `call_indirect` signature mismatch.
    IndirectCallTypeMismatch,
    /// The stack budget or call depth ran out.
    StackExhausted,
}

impl WasmTrap {
    /// The trap for a VM trap code; `None` for out-of-gas and host errors, which have their
    /// own statuses.
    pub fn from_vm(code: tally_vm::TrapCode) -> Option<WasmTrap> {
        use tally_vm::TrapCode as C;
        Some(match code {
            C::Unreachable => WasmTrap::Unreachable,
            C::IntegerOverflow => WasmTrap::IntegerOverflow,
            C::DivisionByZero => WasmTrap::DivisionByZero,
            C::InvalidConversion => WasmTrap::InvalidConversion,
            C::MemoryOutOfBounds => WasmTrap::MemoryOutOfBounds,
            C::TableOutOfBounds => WasmTrap::TableOutOfBounds,
            C::IndirectCallToNull => WasmTrap::IndirectCallToNull,
            C::IndirectCallTypeMismatch => WasmTrap::IndirectCallTypeMismatch,
            C::StackExhausted => WasmTrap::StackExhausted,
            _ => return None,
        })
    }

    /// A stable name, e.g. `memory_out_of_bounds`.
    pub fn name(self) -> &'static str {
        match self {
            WasmTrap::Unreachable => "unreachable",
            WasmTrap::IntegerOverflow => "integer_overflow",
            WasmTrap::DivisionByZero => "division_by_zero",
            WasmTrap::InvalidConversion => "invalid_conversion",
            WasmTrap::MemoryOutOfBounds => "memory_out_of_bounds",
            WasmTrap::TableOutOfBounds => "table_out_of_bounds",
            WasmTrap::IndirectCallToNull => "indirect_call_to_null",
            WasmTrap::IndirectCallTypeMismatch => "indirect_call_type_mismatch",
            WasmTrap::StackExhausted => "stack_exhausted",
        }
    }
}

/// Why the host refused a host call's arguments (the call traps; see `ABI.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HostTrap {
    /// A pointer/length pair lies outside the caller's memory (or it has none).
    MemoryAccess,
    /// `input_read` or `return_data_read` past the end of the buffer.
    BufferRange,
    /// A storage key longer than the limit.
    KeyTooLong,
    /// A storage value larger than the limit.
    ValueTooLarge,
    /// More event topics, or more event data, or more events than allowed.
    EventLimit,
    /// Return or revert data larger than the limit.
    ReturnTooLarge,
    /// A write, removal, event or state-changing call in a read-only execution.
    ReadOnly,
    /// Debug log output beyond the per-transaction cap.
    LogLimit,
    /// Call input larger than the limit.
    InputTooLarge,
    /// An argument outside its domain (e.g. a negative gas limit, unknown flags).
    BadArgument,
}

impl HostTrap {
    /// A stable name, e.g. `key_too_long`.
    pub fn name(self) -> &'static str {
        match self {
            HostTrap::MemoryAccess => "memory_access",
            HostTrap::BufferRange => "buffer_range",
            HostTrap::KeyTooLong => "key_too_long",
            HostTrap::ValueTooLarge => "value_too_large",
            HostTrap::EventLimit => "event_limit",
            HostTrap::ReturnTooLarge => "return_too_large",
            HostTrap::ReadOnly => "read_only",
            HostTrap::LogLimit => "log_limit",
            HostTrap::InputTooLarge => "input_too_large",
            HostTrap::BadArgument => "bad_argument",
        }
    }
}

/// How an execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Status {
    /// Returned normally; state changes are committed.
    Ok,
    /// The contract called `revert`; its return data is the revert data.
    Reverted,
    /// A WebAssembly trap.
    Trapped(WasmTrap),
    /// The gas limit was used up.
    OutOfGas,
    /// The contract called `abort(code)` (the SDK's panic handler does this).
    Aborted(u32),
    /// The host refused a host call's arguments (or, at the top level, the call input).
    HostTrap(HostTrap),
    /// No contract lives at the called address.
    NoSuchContract,
    /// The contract exports no method of that name (a function of type `() -> ()`).
    NoSuchMethod,
    /// The code breaks the profile, the contract limits or the host ABI (the reason is the trap
    /// location's message); at deploy it is refused, at a call it cannot be loaded under the
    /// current params.
    InvalidCode,
    /// A stored account, code or nonce entry does not decode, or code does not match its hash.
    CorruptState,
}

impl Status {
    /// Whether state changes are kept.
    pub fn is_ok(&self) -> bool {
        matches!(self, Status::Ok)
    }

    /// A short description, e.g. `trapped: unreachable`.
    pub fn describe(&self) -> String {
        match self {
            Status::Ok => "ok".into(),
            Status::Reverted => "reverted".into(),
            Status::Trapped(t) => format!("trapped: {}", t.name()),
            Status::OutOfGas => "out of gas".into(),
            Status::Aborted(code) => format!("aborted with code {code}"),
            Status::HostTrap(t) => format!("host trap: {}", t.name()),
            Status::NoSuchContract => "no such contract".into(),
            Status::NoSuchMethod => "no such method".into(),
            Status::InvalidCode => "invalid code".into(),
            Status::CorruptState => "corrupt state".into(),
        }
    }
}

/// Where a trap happened, for people: never hashed.
#[derive(Clone, Debug, PartialEq, Eq, Default, Encode, Decode)]
pub struct TrapLocation {
    /// The contract executing when the trap happened.
    pub contract: Option<Address>,
    /// The function index in the contract's original (uninstrumented) module.
    pub function: Option<u32>,
    /// The function's name from the name section, when present.
    pub function_name: Option<String>,
    /// The host's message, if any.
    pub message: Option<String>,
}

/// The result of a deploy or call.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Receipt {
    /// How the execution ended.
    pub status: Status,
    /// Return data (revert data when reverted).
    pub return_data: Vec<u8>,
    /// Gas used, including everything charged before a failure.
    pub gas_used: u64,
    /// Events of the successful frames (empty unless `status` is `Ok`).
    pub events: Vec<Event>,
    /// The committed writes, sorted by key (empty unless `status` is `Ok`).
    pub write_set: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// [`result_hash`] of this execution.
    pub result_hash: [u8; 32],
    /// Debug log lines, in order. Not hashed.
    pub logs: Vec<Vec<u8>>,
    /// Where a failure happened. Not hashed.
    pub trap: Option<TrapLocation>,
}

/// The version tag that starts the result-hash preimage.
pub const RESULT_HASH_TAG: &[u8] = b"tally/result/v1";

/// Everything the result hash covers, in encoding order (see `ABI.md`, "Result hash").
#[derive(Encode)]
pub struct ResultPreimage<'a> {
    /// [`RESULT_HASH_TAG`].
    pub tag: &'a [u8],
    /// The params hash the execution ran under.
    pub params_hash: [u8; 32],
    /// The code hash of the called (or deployed) contract.
    pub code_hash: [u8; 32],
    /// The called contract.
    pub contract: Address,
    /// The caller.
    pub caller: Address,
    /// The entry point (exported function name).
    pub entry: &'a str,
    /// The call input.
    pub input: &'a [u8],
    /// The block context.
    pub context: &'a BlockContext,
    /// The gas limit.
    pub gas_limit: u64,
    /// The status.
    pub status: Status,
    /// The return data.
    pub return_data: &'a [u8],
    /// Gas used.
    pub gas_used: u64,
    /// The events.
    pub events: &'a [Event],
    /// The write set.
    pub write_set: &'a [(Vec<u8>, Option<Vec<u8>>)],
}

impl ResultPreimage<'_> {
    /// Keccak-256 of the SCALE encoding, hashed as it is encoded (no copy of the whole preimage:
    /// see [`HashOutput`]).
    pub fn hash(&self) -> [u8; 32] {
        let mut out = HashOutput { hasher: Keccak256::new(), buf: [0; HASH_BUFFER], len: 0 };
        self.encode_to(&mut out);
        out.finish()
    }
}

/// Bytes [`HashOutput`] gathers before it feeds the hasher: a few of Keccak-256's 136-byte
/// blocks, so a typical receipt's preimage reaches the hasher in one or two updates.
const HASH_BUFFER: usize = 1024;

/// A SCALE output that feeds a hasher. SCALE writes a preimage in many small pieces (a length
/// prefix, a one-byte status, each 32-byte topic), and every hasher update has a fixed cost that
/// outweighs hashing a few bytes; so small writes are gathered in `buf` first. Pieces reach the
/// hasher in order and unchanged, so the hash is that of the plain encoding.
struct HashOutput {
    hasher: Keccak256,
    buf: [u8; HASH_BUFFER],
    /// Bytes of `buf` in use.
    len: usize,
}

impl HashOutput {
    fn flush(&mut self) {
        self.hasher.update(&self.buf[..self.len]);
        self.len = 0;
    }

    fn finish(mut self) -> [u8; 32] {
        self.flush();
        self.hasher.finalize()
    }
}

impl parity_scale_codec::Output for HashOutput {
    fn write(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > HASH_BUFFER {
            self.flush();
        }
        if bytes.len() >= HASH_BUFFER {
            self.hasher.update(bytes);
        } else {
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    fn push_byte(&mut self, byte: u8) {
        self.write(&[byte]);
    }
}
