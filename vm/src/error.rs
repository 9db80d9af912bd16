//! Errors and traps.

use core::fmt;

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

/// A trap: a [`TrapCode`] and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    /// What went wrong.
    pub code: TrapCode,
    /// Index (in the module's function index space) of the function that trapped, if known.
    pub function: Option<u32>,
    /// Byte offset in the module binary of the instruction that trapped, if known.
    pub offset: Option<u32>,
    /// For [`TrapCode::HostError`]: the host's message. Never part of any hashed result.
    pub message: Option<String>,
}

impl Trap {
    /// A trap with no location attached.
    pub fn new(code: TrapCode) -> Self {
        Self { code, function: None, offset: None, message: None }
    }

    /// A [`TrapCode::HostError`] trap carrying the host's message.
    pub fn host(message: impl Into<String>) -> Self {
        Self { code: TrapCode::HostError, function: None, offset: None, message: Some(message.into()) }
    }
}

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
        if let Some(msg) = &self.message {
            write!(f, ": {msg}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Trap {}

/// Everything that can go wrong while compiling, linking, instantiating or calling.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The binary is malformed or fails validation.
    Invalid {
        /// What is wrong.
        message: String,
        /// Byte offset in the binary.
        offset: usize,
    },
    /// The module uses a feature outside Tally's deterministic profile.
    UnsupportedFeature {
        /// The validator's description, which names the feature.
        message: String,
        /// Byte offset in the binary.
        offset: usize,
    },
    /// The module exceeds a configured limit.
    LimitExceeded {
        /// Which limit, and by how much.
        message: String,
        /// Byte offset in the binary, where one applies.
        offset: usize,
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

impl Error {
    /// The trap, if this error is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Self::Trap(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn from_parser(err: wasmparser::BinaryReaderError) -> Self {
        let message = err.message().to_string();
        let offset = err.offset() as usize;
        // The one "not enabled" message that describes a malformed 2.0 binary, not a feature.
        let malformed = message.contains("multibyte array access");
        if !malformed && (message.contains("must be enabled") || message.contains("support is not enabled"))
            || message.contains("proposal not enabled")
            || message.contains("proposal disabled")
            || message.contains("support is disabled")
            || message.contains("floating-point instruction disallowed")
        {
            Self::UnsupportedFeature { message, offset }
        } else {
            Self::Invalid { message, offset }
        }
    }

    pub(crate) fn limit(message: impl Into<String>, offset: usize) -> Self {
        Self::LimitExceeded { message: message.into(), offset }
    }
}

impl From<Trap> for Error {
    fn from(t: Trap) -> Self {
        Self::Trap(t)
    }
}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(err: wasmparser::BinaryReaderError) -> Self {
        Self::from_parser(err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { message, offset } => {
                write!(f, "invalid module at offset {offset:#x}: {message}")
            }
            Self::UnsupportedFeature { message, offset } => {
                write!(f, "unsupported feature at offset {offset:#x}: {message}")
            }
            Self::LimitExceeded { message, offset } => {
                write!(f, "limit exceeded at offset {offset:#x}: {message}")
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
