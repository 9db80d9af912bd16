//! [`Failure`]: why a [`TestChain`](crate::TestChain) deployment or call did not succeed.

use std::fmt;

use parity_scale_codec::Decode;
use tally_host_env::{hex, Address, ExecError, Receipt, Status, TrapLocation, WasmTrap};
use tally_sdk::dispatch::{DispatchError, DISPATCH_ERROR_TAG};
use tally_sdk_build::Metadata;

/// What went wrong, beyond the receipt's status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The execution ran and did not end with [`Status::Ok`]; see [`Failure::receipt`].
    Status,
    /// The execution stopped without a receipt: the storage backend failed (or a bug in Tally).
    Rejected(ExecError),
    /// The execution succeeded but its return data does not decode as the requested type.
    BadReturn(String),
}

/// A deployment or call that did not succeed: the receipt (with the exact gas used), helpers to
/// decode revert data, and for traps the function that trapped, named from the contract's
/// `name` section. A revert prints in the contract's language when its metadata knows the type
/// (`transfer reverted with Err(Error::InsufficientBalance)`, errors of other contracts and the
/// SDK's `CallError` nested inside). Boxed inside, so `Result<T, Failure>` stays small.
#[derive(Clone, PartialEq, Eq)]
pub struct Failure(Box<Parts>);

#[derive(Clone, PartialEq, Eq)]
struct Parts {
    method: String,
    contract: Option<Address>,
    kind: FailureKind,
    receipt: Option<Receipt>,
    trap: Option<TrapLocation>,
    /// The revert data decoded by the contract's metadata (see [`Failure::revert_text`]).
    revert: Option<String>,
}

impl Failure {
    pub(crate) fn new(
        method: &str,
        contract: Option<Address>,
        kind: FailureKind,
        receipt: Option<Receipt>,
        trap: Option<TrapLocation>,
    ) -> Self {
        Failure(Box::new(Parts { method: method.into(), contract, kind, receipt, trap, revert: None }))
    }

    /// This failure with its revert data decoded by `metadata`, the called (or deployed)
    /// contract's (see [`describe_revert`]).
    pub(crate) fn decoded_by(mut self, metadata: Option<&Metadata>) -> Self {
        let data = self.revert_data();
        self.0.revert = metadata.zip(data).and_then(|(m, data)| describe_revert(m, &self.0.method, data));
        self
    }

    pub(crate) fn rejected(method: &str, contract: Option<Address>, error: ExecError) -> Self {
        Self::new(method, contract, FailureKind::Rejected(error), None, None)
    }

    /// The method called (`"deploy"` for deployments).
    pub fn method(&self) -> &str {
        &self.0.method
    }

    /// The called (or deployed) contract, if known.
    pub fn contract(&self) -> Option<Address> {
        self.0.contract
    }

    /// What went wrong.
    pub fn kind(&self) -> &FailureKind {
        &self.0.kind
    }

    /// Where it failed, with `function_name` filled in (demangled) from the `name` section the
    /// contract was deployed with, even though the deployed code was stripped of it.
    pub fn trap(&self) -> Option<&TrapLocation> {
        self.0.trap.as_ref()
    }

    /// The receipt's status (`None` when the request was rejected).
    pub fn status(&self) -> Option<Status> {
        self.0.receipt.as_ref().map(|r| r.status)
    }

    /// The receipt, exactly as the runtime returned it (absent for
    /// [`FailureKind::Rejected`]).
    pub fn receipt(&self) -> Option<&Receipt> {
        self.0.receipt.as_ref()
    }

    /// Gas used, exactly as on chain (0 when the request was rejected).
    pub fn gas_used(&self) -> u64 {
        self.0.receipt.as_ref().map_or(0, |r| r.gas_used)
    }

    /// The revert data, if the contract reverted.
    pub fn revert_data(&self) -> Option<&[u8]> {
        self.0.receipt.as_ref().filter(|r| r.status == Status::Reverted).map(|r| &r.return_data[..])
    }

    /// The revert data decoded as `E` (the `Err` of a method returning `Result<T, E>`); `None`
    /// if it did not revert, reverted with a [`DispatchError`], or the data does not decode as
    /// exactly one `E`.
    pub fn decode_revert<E: Decode>(&self) -> Option<E> {
        let data = self.revert_data()?;
        if data.starts_with(&DISPATCH_ERROR_TAG) {
            return None;
        }
        decode_all(data).ok()
    }

    /// The revert as the contract's metadata describes it, as Rust would print the value: the
    /// method's own error (`Err(Error::Token(Error::InsufficientAllowance))`,
    /// `Err(Error::Call(CallError::NotFound))`) or the dispatcher's
    /// (`DispatchError::UnknownSelector(0xdeadbeef)`). `None` when it did not revert, the
    /// contract has no metadata, or the data does not decode as the declared type.
    pub fn revert_text(&self) -> Option<&str> {
        self.0.revert.as_deref()
    }

    /// The SDK dispatcher's error (revert data `ff 54 4c 59 ‖ SCALE(DispatchError)`): unknown
    /// selector, bad arguments, no selector.
    pub fn dispatch_error(&self) -> Option<DispatchError> {
        DispatchError::from_revert_data(self.revert_data()?)
    }

    /// The abort code (`tally_sdk::abort_code`: `PANIC = 1`, `WRITE_IN_VIEW = 2`, ...).
    pub fn abort_code(&self) -> Option<u32> {
        match self.status()? {
            Status::Aborted(code) => Some(code),
            _ => None,
        }
    }

    /// The WebAssembly trap, if it trapped.
    pub fn wasm_trap(&self) -> Option<WasmTrap> {
        match self.status()? {
            Status::Trapped(t) => Some(t),
            _ => None,
        }
    }

    /// The index (in the original module) of the function executing when it failed.
    pub fn function_index(&self) -> Option<u32> {
        self.0.trap.as_ref()?.function
    }

    /// The demangled name of that function, when the deployed module had a `name` section.
    pub fn function_name(&self) -> Option<&str> {
        self.0.trap.as_ref()?.function_name.as_deref()
    }

    /// Debug log lines the execution wrote before failing.
    pub fn logs(&self) -> Vec<String> {
        self.0.receipt.iter().flat_map(|r| &r.logs).map(|l| String::from_utf8_lossy(l).into_owned()).collect()
    }
}

/// Decodes all of `bytes` as `T` (no bytes left over).
pub(crate) fn decode_all<T: Decode>(bytes: &[u8]) -> Result<T, String> {
    let mut input = bytes;
    let value = T::decode(&mut input).map_err(|e| e.to_string())?;
    if input.is_empty() {
        Ok(value)
    } else {
        Err(format!("{} bytes left over", input.len()))
    }
}

/// Revert data `data` of `method` (`"deploy"` for the initializer) described by the contract's
/// `metadata`: `DispatchError::…` for the dispatcher's tagged error, `Err(…)` for the method's
/// own error type; `None` when the metadata does not know the method or its error type, or the
/// data does not decode as exactly that type.
pub(crate) fn describe_revert(metadata: &Metadata, method: &str, data: &[u8]) -> Option<String> {
    use tally_sdk_build::value::decode_all;
    if let Some(error) = data.strip_prefix(&DISPATCH_ERROR_TAG) {
        return decode_all(&metadata.types, metadata.dispatch_error, error).ok().map(|v| v.to_string());
    }
    let info = if method == "deploy" { metadata.init() } else { metadata.method(method) }?;
    let err = info.returns.as_ref()?.err?;
    decode_all(&metadata.types, err, data).ok().map(|v| format!("Err({v})"))
}

fn abort_meaning(code: u32) -> &'static str {
    match code {
        tally_sdk::abort_code::PANIC => " (panic)",
        tally_sdk::abort_code::WRITE_IN_VIEW => " (state change in a #[view])",
        tally_sdk::abort_code::STORAGE_CORRUPT => " (stored value does not decode)",
        tally_sdk::abort_code::OUT_OF_MEMORY => " (out of memory)",
        _ => "",
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = &self.0.method;
        let receipt = match &self.0.kind {
            FailureKind::Rejected(e) => return write!(f, "{method} was rejected: {e}"),
            FailureKind::BadReturn(e) => {
                let data = self.0.receipt.as_ref().map(|r| hex(&r.return_data)).unwrap_or_default();
                return write!(f, "{method} returned {data}, which does not decode as the expected type: {e}");
            }
            FailureKind::Status => match &self.0.receipt {
                Some(r) => r,
                None => return write!(f, "{method} failed"),
            },
        };
        match receipt.status {
            Status::Ok => write!(f, "{method} succeeded")?,
            Status::Reverted => match (&self.0.revert, self.dispatch_error()) {
                (Some(text), _) => write!(f, "{method} reverted with {text}")?,
                (None, Some(e)) => write!(f, "{method} reverted: dispatch error {e:?}")?,
                (None, None) => write!(f, "{method} reverted with {}", hex(&receipt.return_data))?,
            },
            Status::Trapped(t) => write!(f, "{method} trapped: {}", t.name())?,
            Status::OutOfGas => write!(f, "{method} ran out of gas")?,
            Status::Aborted(code) => write!(f, "{method} aborted with code {code}{}", abort_meaning(code))?,
            Status::HostTrap(t) => write!(f, "{method} hit host trap {}", t.name())?,
            Status::NoSuchContract | Status::NoSuchMethod | Status::InvalidCode | Status::CorruptState => {
                let message = self.0.trap.as_ref().and_then(|t| t.message.as_deref());
                write!(f, "{method} was refused: {}", message.unwrap_or(&receipt.status.describe()))?;
                return write!(f, " (gas used {})", receipt.gas_used);
            }
        }
        // Reverts and aborts stop in the SDK's host-call wrappers (`tally_sdk::env::revert`,
        // `tally_sdk::env::abort`): that location says nothing, so it is left out.
        let in_sdk_wrapper = |t: &&TrapLocation| {
            t.function_name
                .as_deref()
                .is_some_and(|n| n.starts_with("tally_sdk::env::") || n.starts_with("tally_sdk::sys::"))
        };
        let trap = self.0.trap.as_ref().filter(|t| receipt.status != Status::Reverted && !in_sdk_wrapper(t));
        if let Some(trap) = trap {
            if let Some(index) = trap.function {
                write!(f, " in function {index}")?;
                if let Some(name) = &trap.function_name {
                    write!(f, " <{name}>")?;
                }
            }
            if let Some(contract) = trap.contract.filter(|c| Some(*c) != self.0.contract) {
                write!(f, " of contract {contract}")?;
            }
        }
        write!(f, " (gas used {})", receipt.gas_used)
    }
}

impl fmt::Debug for Failure {
    /// The [`Display`](fmt::Display) text, then the debug log lines, so `unwrap()` explains
    /// itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        if let Some(contract) = self.0.contract {
            write!(f, "\n  contract: {contract}")?;
        }
        if let (Some(_), Some(data)) = (&self.0.revert, self.revert_data()) {
            write!(f, "\n  revert data: {}", hex(data))?;
        }
        if let Some(message) = self.0.trap.as_ref().and_then(|t| t.message.as_ref()) {
            write!(f, "\n  vm: {message}")?;
        }
        for line in self.logs() {
            write!(f, "\n  log: {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}
