//! Errors and traps.

use core::any::Any;
use core::fmt;
use std::sync::Arc;

/// Why execution stopped abnormally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrapCode {
    /// An `unreachable` instruction was executed.
    Unreachable,
    /// Signed integer division overflowed (`MIN / -1`) or a float-to-int truncation was out of range.
    IntegerOverflow,
    /// Integer division or remainder by zero.
    DivisionByZero,
    /// A float-to-int truncation of NaN.
    InvalidConversion,
    /// A memory access or bulk memory operation was out of bounds.
    MemoryOutOfBounds,
    /// A table access or bulk table operation was out of bounds.
    TableOutOfBounds,
    /// `call_indirect` hit a null table entry.
    IndirectCallToNull,
    /// `call_indirect` hit a function of the wrong type.
    IndirectCallTypeMismatch,
    /// The call depth or the value stack exceeded its configured limit.
    StackExhausted,
    /// The gas budget ran out.
    OutOfGas,
    /// A host function returned an error.
    HostError,
}

impl TrapCode {
    /// A stable, machine-readable name, e.g. `"memory_out_of_bounds"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::IntegerOverflow => "integer_overflow",
            Self::DivisionByZero => "division_by_zero",
            Self::InvalidConversion => "invalid_conversion",
            Self::MemoryOutOfBounds => "memory_out_of_bounds",
            Self::TableOutOfBounds => "table_out_of_bounds",
            Self::IndirectCallToNull => "indirect_call_to_null",
            Self::IndirectCallTypeMismatch => "indirect_call_type_mismatch",
            Self::StackExhausted => "stack_exhausted",
            Self::OutOfGas => "out_of_gas",
            Self::HostError => "host_error",
        }
    }

    /// The message the WebAssembly specification uses for this trap.
    pub fn spec_message(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::IntegerOverflow => "integer overflow",
            Self::DivisionByZero => "integer divide by zero",
            Self::InvalidConversion => "invalid conversion to integer",
            Self::MemoryOutOfBounds => "out of bounds memory access",
            Self::TableOutOfBounds => "out of bounds table access",
            Self::IndirectCallToNull => "uninitialized element",
            Self::IndirectCallTypeMismatch => "indirect call type mismatch",
            Self::StackExhausted => "call stack exhausted",
            Self::OutOfGas => "out of gas",
            Self::HostError => "host error",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error a host function returns through a [`Trap`], for the embedder to get back typed
/// ([`Trap::downcast_ref`], [`Trap::downcast`]). Any `Debug + Display + Send + Sync + 'static`
/// type can be one; a plain message is a [`String`].
pub trait HostError: Any + fmt::Debug + fmt::Display + Send + Sync {}

impl HostError for String {}

/// A trap: a [`TrapCode`], where it happened and, for [`TrapCode::HostError`], the host's error.
#[derive(Debug, Clone)]
pub struct Trap {
    /// What went wrong.
    pub code: TrapCode,
    /// Index (in the module's function index space) of the function that trapped, if known.
    pub function: Option<u32>,
    /// Byte offset in the module binary of the instruction that trapped, if known.
    pub offset: Option<u32>,
    /// The host function's error, passed through the VM untouched. Shared so a trap stays
    /// cheap to clone; [`Trap::downcast`] takes it back by value while it is not shared.
    host: Option<Arc<dyn HostError>>,
}

impl Trap {
    /// A trap with no location attached.
    pub fn new(code: TrapCode) -> Self {
        Self { code, function: None, offset: None, host: None }
    }

    /// A [`TrapCode::HostError`] trap carrying the host's message (a [`String`] host error).
    pub fn host(message: impl Into<String>) -> Self {
        Self::from_host(message.into())
    }

    /// A [`TrapCode::HostError`] trap carrying `error`, which the embedder gets back from the
    /// call that trapped with [`Trap::downcast_ref`] or [`Trap::downcast`].
    pub fn from_host(error: impl HostError) -> Self {
        Self { code: TrapCode::HostError, function: None, offset: None, host: Some(Arc::new(error)) }
    }

    /// The host function's error, if a host function caused this trap.
    pub fn host_error(&self) -> Option<&dyn HostError> {
        self.host.as_deref()
    }

    /// The host function's error, if it is an `E`.
    pub fn downcast_ref<E: HostError>(&self) -> Option<&E> {
        let any: &dyn Any = self.host.as_deref()?;
        any.downcast_ref()
    }

    /// Takes the host function's error out of the trap if it is an `E` (and no clone of the
    /// trap shares it); otherwise gives the trap back unchanged.
    pub fn downcast<E: HostError>(mut self) -> Result<E, Self> {
        if self.downcast_ref::<E>().is_none() {
            return Err(self);
        }
        let Some(host) = self.host.take() else { return Err(self) };
        let any: Arc<dyn Any + Send + Sync> = host;
        let Ok(typed) = any.downcast::<E>() else { unreachable!("the host error was just checked to be an `E`") };
        Arc::try_unwrap(typed).map_err(|shared| {
            self.host = Some(shared);
            self
        })
    }
}

/// Traps are equal when their code and location are, and their host errors are both absent or
/// read the same (a host error need not be comparable).
impl PartialEq for Trap {
    fn eq(&self, other: &Self) -> bool {
        let host = match (&self.host, &other.host) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.to_string() == b.to_string(),
            _ => false,
        };
        self.code == other.code && self.function == other.function && self.offset == other.offset && host
    }
}

impl Eq for Trap {}

impl From<TrapCode> for Trap {
    fn from(code: TrapCode) -> Self {
        Self::new(code)
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trap: {}", self.code)?;
        if let Some(func) = self.function {
            write!(f, " in function {func}")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " at offset {offset:#x}")?;
        }
        if let Some(host) = &self.host {
            write!(f, ": {host}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Trap {}

/// Everything that can go wrong while compiling, linking, instantiating or calling.
///
/// Offsets are byte offsets into the binary given to [`Module::new`](crate::Module::new).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The binary is malformed or fails validation, under every WebAssembly feature.
    Invalid {
        /// The validator's description of the problem.
        message: String,
        /// Byte offset in the binary.
        offset: usize,
    },
    /// The module uses a feature outside Tally's deterministic profile: it is rejected under the
    /// profile but valid with every feature the validator knows.
    UnsupportedFeature {
        /// The description of what the profile rejects.
        message: String,
        /// Byte offset in the binary.
        offset: usize,
    },
    /// The module imports from the module `tally`, reserved for the metering intrinsics, a name
    /// that is not an intrinsic or a type that is not the intrinsic's.
    ReservedImport {
        /// The import's field name.
        name: String,
        /// What is wrong with it.
        problem: String,
        /// Byte offset of the import in the binary.
        offset: usize,
    },
    /// The module, or an instance of it, exceeds a configured limit.
    LimitExceeded {
        /// Which limit, and by how much.
        message: String,
        /// Byte offset in the binary of what exceeds it; `None` for the whole module or for
        /// what is allocated at instantiation.
        offset: Option<usize>,
        /// Index (in the module's function index space) of the function that exceeds it, when
        /// a function does.
        function: Option<u32>,
    },
    /// An import could not be satisfied.
    Link {
        /// Module name of the import.
        module: String,
        /// Field name of the import.
        name: String,
        /// Why linking failed.
        reason: String,
    },
    /// An export was missing or had the wrong kind or type.
    Export {
        /// Name of the export.
        name: String,
        /// Why it could not be used.
        reason: String,
    },
    /// Arguments or results did not match the function's signature.
    Signature(String),
    /// Execution trapped.
    Trap(Trap),
    /// A handle was used with a store it does not belong to, or another API misuse.
    Usage(String),
}

/// The class of an [`Error`], for callers that branch on it (see [`Error::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The module is malformed or invalid ([`Error::Invalid`], [`Error::ReservedImport`]).
    Invalid,
    /// The module is valid WebAssembly outside the profile ([`Error::UnsupportedFeature`]).
    UnsupportedFeature,
    /// A configured limit was exceeded ([`Error::LimitExceeded`]).
    LimitExceeded,
    /// An import could not be satisfied ([`Error::Link`]).
    Link,
    /// An export was missing or unusable ([`Error::Export`]).
    Export,
    /// Arguments or results did not match a signature ([`Error::Signature`]).
    Signature,
    /// Execution trapped ([`Error::Trap`]).
    Trap,
    /// The API was misused ([`Error::Usage`]).
    Usage,
}

impl Error {
    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Self::Trap(t) => Some(t),
            _ => None,
        }
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid { .. } | Self::ReservedImport { .. } => ErrorKind::Invalid,
            Self::UnsupportedFeature { .. } => ErrorKind::UnsupportedFeature,
            Self::LimitExceeded { .. } => ErrorKind::LimitExceeded,
            Self::Link { .. } => ErrorKind::Link,
            Self::Export { .. } => ErrorKind::Export,
            Self::Signature(_) => ErrorKind::Signature,
            Self::Trap(_) => ErrorKind::Trap,
            Self::Usage(_) => ErrorKind::Usage,
        }
    }

    /// The index (in the module's function index space) of the function this error is about,
    /// if it is about one: the function that exceeds a limit, or the one that trapped.
    pub fn function(&self) -> Option<u32> {
        match self {
            Self::LimitExceeded { function, .. } => *function,
            Self::Trap(t) => t.function,
            _ => None,
        }
    }

    /// The byte offset in the module binary this error is about, if it is about one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Invalid { offset, .. }
            | Self::UnsupportedFeature { offset, .. }
            | Self::ReservedImport { offset, .. } => Some(*offset),
            Self::LimitExceeded { offset, .. } => *offset,
            Self::Trap(t) => t.offset.map(|o| o as usize),
            Self::Link { .. } | Self::Export { .. } | Self::Signature(_) | Self::Usage(_) => None,
        }
    }

    /// A limit exceeded by what starts at byte `offset` of the binary.
    pub(crate) fn limit(message: impl Into<String>, offset: usize) -> Self {
        Self::LimitExceeded { message: message.into(), offset: Some(offset), function: None }
    }

    /// A limit exceeded by function `function`, at byte `offset` of the binary.
    pub(crate) fn limit_in(function: u32, message: impl Into<String>, offset: usize) -> Self {
        Self::LimitExceeded { message: message.into(), offset: Some(offset), function: Some(function) }
    }

    /// A limit exceeded by no one place of the binary: its size, or an allocation.
    pub(crate) fn limit_of_whole(message: impl Into<String>) -> Self {
        Self::LimitExceeded { message: message.into(), offset: None, function: None }
    }

    /// Classifies a rejection by the validator of the profile: called on the error path of
    /// [`Module::new`](crate::Module::new) with the binary, it validates it again with every
    /// feature wasmparser knows. If that accepts the module, what the profile rejected is a
    /// feature; otherwise the module is invalid whatever the features.
    pub(crate) fn classify_rejection(self, bytes: &[u8]) -> Self {
        let Self::Invalid { message, offset } = self else { return self };
        if wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all()).validate_all(bytes).is_ok() {
            Self::UnsupportedFeature { message, offset }
        } else {
            Self::Invalid { message, offset }
        }
    }
}

impl From<Trap> for Error {
    fn from(t: Trap) -> Self {
        Self::Trap(t)
    }
}

/// A wasmparser error that names a disabled feature is [`Error::UnsupportedFeature`]; any other
/// is [`Error::Invalid`] until [`Module::new`](crate::Module::new) classifies it.
impl From<wasmparser::BinaryReaderError> for Error {
    fn from(err: wasmparser::BinaryReaderError) -> Self {
        let (message, offset) = (err.message().to_string(), err.offset() as usize);
        match err.missing_wasm_feature() {
            Some(_) => Self::UnsupportedFeature { message, offset },
            None => Self::Invalid { message, offset },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { message, offset } | Self::ReservedImport { problem: message, offset, .. } => {
                write!(f, "invalid module at offset {offset:#x}: {message}")
            }
            Self::UnsupportedFeature { message, offset } => {
                write!(f, "unsupported feature at offset {offset:#x}: {message}")
            }
            Self::LimitExceeded { message, offset, function } => {
                f.write_str("limit exceeded")?;
                if let Some(function) = function {
                    write!(f, " in function {function}")?;
                }
                if let Some(offset) = offset {
                    write!(f, " at offset {offset:#x}")?;
                }
                write!(f, ": {message}")
            }
            Self::Link { module, name, reason } => write!(f, "cannot link import {module}.{name}: {reason}"),
            Self::Export { name, reason } => write!(f, "export `{name}`: {reason}"),
            Self::Signature(msg) => write!(f, "signature mismatch: {msg}"),
            Self::Trap(t) => t.fmt(f),
            Self::Usage(msg) => write!(f, "usage error: {msg}"),
        }
    }
}

impl std::error::Error for Error {}
