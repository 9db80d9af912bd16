//! Error types of instrumentation and verification.

use crate::ops::OpKind;
use crate::schedule::ScheduleError;

/// Why [`instrument`](crate::instrument) rejected a module.
///
/// Function indices are in the *original* module's function index space; offsets are byte
/// offsets into the original module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InjectError {
    /// The module is malformed or invalid whatever WebAssembly features are enabled.
    Invalid {
        /// The validator's message.
        message: String,
        /// Byte offset of the problem.
        offset: usize,
    },
    /// The module uses a WebAssembly feature outside Tally's profile: it is rejected under the
    /// profile but valid with every feature the validator knows.
    UnsupportedFeature {
        /// The validator's message.
        message: String,
        /// The feature (or features) the validator named as missing, when it names one; `None`
        /// when the rejection was classified by validating again with every feature enabled.
        feature: Option<wasmparser::WasmFeatures>,
        /// Byte offset of the problem.
        offset: usize,
    },
    /// The schedule is unusable.
    Schedule(ScheduleError),
    /// The module imports something from the reserved module `tally`.
    ReservedImport {
        /// The import's module name (`tally`).
        module: String,
        /// The import's field name.
        name: String,
        /// Byte offset of the import.
        offset: usize,
    },
    /// The module exports a name starting with the reserved prefix `tally`.
    ReservedExport {
        /// The export's name.
        name: String,
        /// Byte offset of the export section.
        offset: usize,
    },
    /// A function uses an operator the schedule forbids (its cost is `None`).
    Forbidden {
        /// Index of the function.
        func: u32,
        /// The operator.
        op: OpKind,
        /// Byte offset of the operator.
        offset: usize,
    },
    /// A region's total cost (or a `br_table`'s or the locals' cost) overflows `u64`.
    CostOverflow {
        /// Index of the function.
        func: u32,
        /// Byte offset of the operator whose cost overflowed the sum.
        offset: usize,
    },
    /// A function's stack frame, in stack units, does not fit in `u32`.
    FrameTooLarge {
        /// Index of the function.
        func: u32,
        /// The frame size computed (saturated at `u64::MAX`).
        units: u64,
    },
    /// A value type the schedule has no stack size for (outside Tally's profile).
    UnsupportedType {
        /// Index of the function.
        func: u32,
        /// Byte offset of the operator or local declaration.
        offset: usize,
    },
    /// The instrumented module would exceed a WebAssembly implementation limit or the output
    /// size bound ([`max_output_size`](crate::max_output_size)).
    TooLarge {
        /// What is too large: `"types"`, `"functions"`, `"imports"`, `"branch sites"`,
        /// `"function body"` or `"output"`.
        what: &'static str,
        /// The function concerned, for `"function body"`.
        func: Option<u32>,
    },
    /// A bug in the injector: its output failed a self-check. Please report it.
    Internal {
        /// What went wrong.
        message: String,
    },
}

impl core::fmt::Display for InjectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Invalid { message, offset } => write!(f, "invalid module at offset {offset:#x}: {message}"),
            Self::UnsupportedFeature { message, feature: Some(feature), offset } => write!(
                f,
                "unsupported WebAssembly feature at offset {offset:#x}: {message} (needs {})",
                feature_names(*feature)
            ),
            Self::UnsupportedFeature { message, feature: None, offset } => {
                write!(f, "unsupported WebAssembly feature at offset {offset:#x}: {message}")
            }
            Self::Schedule(e) => write!(f, "bad schedule: {e}"),
            Self::ReservedImport { module, name, offset } => {
                write!(f, "import `{module}.{name}` at offset {offset:#x} uses the reserved module `tally`")
            }
            Self::ReservedExport { name, offset } => {
                write!(f, "export `{name}` uses the reserved prefix `tally` (section at {offset:#x})")
            }
            Self::Forbidden { func, op, offset } => {
                write!(f, "function {func}: operator `{op}` at offset {offset:#x} is forbidden by the schedule")
            }
            Self::CostOverflow { func, offset } => {
                write!(f, "function {func}: gas cost overflows u64 at offset {offset:#x}")
            }
            Self::FrameTooLarge { func, units } => {
                write!(f, "function {func}: stack frame of {units} units does not fit in u32")
            }
            Self::UnsupportedType { func, offset } => {
                write!(f, "function {func}: value type at offset {offset:#x} has no stack size")
            }
            Self::TooLarge { what, func: Some(func) } => {
                write!(f, "instrumented {what} of function {func} is too large")
            }
            Self::TooLarge { what, func: None } => write!(f, "instrumented module has too many {what}"),
            Self::Internal { message } => write!(f, "internal injector error: {message}"),
        }
    }
}

/// The class of an [`InjectError`], for callers that branch on it (see [`InjectError::kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InjectErrorKind {
    /// The module is malformed or invalid ([`InjectError::Invalid`]).
    Invalid,
    /// The module is valid WebAssembly outside Tally's profile
    /// ([`InjectError::UnsupportedFeature`], [`InjectError::UnsupportedType`]).
    UnsupportedFeature,
    /// The module uses a name reserved for the metering imports
    /// ([`InjectError::ReservedImport`], [`InjectError::ReservedExport`]).
    Reserved,
    /// The schedule forbids an operator the module uses ([`InjectError::Forbidden`]).
    Forbidden,
    /// A cost, a frame or the output exceeds what the injector can represent
    /// ([`InjectError::CostOverflow`], [`InjectError::FrameTooLarge`], [`InjectError::TooLarge`]).
    LimitExceeded,
    /// The schedule is unusable ([`InjectError::Schedule`]).
    Schedule,
    /// A bug in the injector ([`InjectError::Internal`]).
    Internal,
}

/// The names of the proposals in `features`, e.g. `SIMD | THREADS`, as `bitflags` writes them.
fn feature_names(features: wasmparser::WasmFeatures) -> String {
    let names: Vec<&str> = features.iter_names().map(|(name, _)| name).collect();
    if names.is_empty() {
        format!("{:#x}", features.bits())
    } else {
        names.join(" | ")
    }
}

impl InjectError {
    /// The class of this error.
    pub fn kind(&self) -> InjectErrorKind {
        match self {
            Self::Invalid { .. } => InjectErrorKind::Invalid,
            Self::UnsupportedFeature { .. } | Self::UnsupportedType { .. } => InjectErrorKind::UnsupportedFeature,
            Self::ReservedImport { .. } | Self::ReservedExport { .. } => InjectErrorKind::Reserved,
            Self::Forbidden { .. } => InjectErrorKind::Forbidden,
            Self::CostOverflow { .. } | Self::FrameTooLarge { .. } | Self::TooLarge { .. } => {
                InjectErrorKind::LimitExceeded
            }
            Self::Schedule(_) => InjectErrorKind::Schedule,
            Self::Internal { .. } => InjectErrorKind::Internal,
        }
    }

    /// The WebAssembly feature the module needs and Tally's profile lacks, when the validator
    /// named it ([`InjectError::UnsupportedFeature`]).
    pub fn missing_wasm_feature(&self) -> Option<wasmparser::WasmFeatures> {
        match self {
            Self::UnsupportedFeature { feature, .. } => *feature,
            _ => None,
        }
    }

    /// Classifies a rejection of `wasm` by the profile's validator that named no feature: if the
    /// module is valid with every feature wasmparser knows (validated again, on this error path
    /// only), what the profile rejected is a feature; otherwise the module is invalid.
    pub(crate) fn classify(self, wasm: &[u8]) -> Self {
        let Self::Invalid { message, offset } = self else { return self };
        let all = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all()).validate_all(wasm);
        match all {
            Ok(_) => Self::UnsupportedFeature { message, feature: None, offset },
            Err(_) => Self::Invalid { message, offset },
        }
    }

    /// The byte offset in the original module this error is about, if it is about one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Invalid { offset, .. }
            | Self::UnsupportedFeature { offset, .. }
            | Self::ReservedImport { offset, .. }
            | Self::ReservedExport { offset, .. }
            | Self::Forbidden { offset, .. }
            | Self::CostOverflow { offset, .. }
            | Self::UnsupportedType { offset, .. } => Some(*offset),
            Self::Schedule(_) | Self::FrameTooLarge { .. } | Self::TooLarge { .. } | Self::Internal { .. } => None,
        }
    }

    /// The index (in the original module's function index space) of the function this error is
    /// about, if it is about one.
    pub fn func(&self) -> Option<u32> {
        match self {
            Self::Forbidden { func, .. }
            | Self::CostOverflow { func, .. }
            | Self::FrameTooLarge { func, .. }
            | Self::UnsupportedType { func, .. } => Some(*func),
            Self::TooLarge { func, .. } => *func,
            Self::Invalid { .. }
            | Self::UnsupportedFeature { .. }
            | Self::Schedule(_)
            | Self::ReservedImport { .. }
            | Self::ReservedExport { .. }
            | Self::Internal { .. } => None,
        }
    }
}

impl std::error::Error for InjectError {}

impl From<ScheduleError> for InjectError {
    fn from(e: ScheduleError) -> Self {
        Self::Schedule(e)
    }
}

/// A wasmparser error that names a feature Tally's profile lacks is
/// [`InjectError::UnsupportedFeature`]; any other is [`InjectError::Invalid`] until
/// [`instrument`](crate::instrument) classifies it with the whole module.
impl From<wasmparser::BinaryReaderError> for InjectError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        let (message, offset) = (e.message().to_string(), e.offset() as usize);
        match e.missing_wasm_feature() {
            Some(feature) => Self::UnsupportedFeature { message, feature: Some(feature), offset },
            None => Self::Invalid { message, offset },
        }
    }
}

/// An [`InjectError::Internal`]: a bug of the injector (an invariant broken), never the
/// input's fault. Kept off the hot paths that check for it.
#[cold]
#[inline(never)]
pub(crate) fn internal(message: impl Into<String>) -> InjectError {
    InjectError::Internal { message: message.into() }
}

/// Which of the two modules given to [`verify`](crate::verify()) a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The original module.
    Original,
    /// The instrumented module.
    Instrumented,
}

/// Why [`verify`](crate::verify()) rejected an instrumented module.
///
/// Function indices are in the original module's index space. Offsets are into the instrumented
/// module unless stated otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// One of the modules is malformed or invalid.
    Invalid {
        /// Which module.
        which: Which,
        /// The validator's message.
        message: String,
        /// Byte offset in that module.
        offset: usize,
    },
    /// The schedule is unusable.
    Schedule(ScheduleError),
    /// A non-code section differs from the original beyond the allowed changes.
    Section {
        /// The section concerned.
        section: &'static str,
        /// What differs.
        message: String,
    },
    /// A function body is not the original body plus exactly the injected patterns.
    Code {
        /// Index of the function.
        func: u32,
        /// Byte offset of the problem in the instrumented module.
        offset: usize,
        /// What differs.
        message: String,
    },
    /// An injected charge differs from the one the schedule requires at that point.
    Charge {
        /// Index of the function.
        func: u32,
        /// Byte offset in the *original* module of the operator before which the charge sits.
        offset: usize,
        /// What the rule requires (`None`: no charge).
        expected: Option<u64>,
        /// What the module has.
        found: Option<u64>,
    },
    /// The stack frame size reserved by a function differs from the recomputed one.
    Frame {
        /// Index of the function.
        func: u32,
        /// The recomputed size.
        expected: u64,
        /// The size in the module.
        found: u64,
    },
}

impl core::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Invalid { which, message, offset } => write!(f, "{which:?} module invalid at {offset:#x}: {message}"),
            Self::Schedule(e) => write!(f, "bad schedule: {e}"),
            Self::Section { section, message } => write!(f, "{section} section: {message}"),
            Self::Code { func, offset, message } => write!(f, "function {func} at {offset:#x}: {message}"),
            Self::Charge { func, offset, expected, found } => write!(
                f,
                "function {func}, before the operator at original offset {offset:#x}: expected charge {expected:?}, found {found:?}"
            ),
            Self::Frame { func, expected, found } => {
                write!(f, "function {func}: stack frame {found}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

impl From<ScheduleError> for VerifyError {
    fn from(e: ScheduleError) -> Self {
        Self::Schedule(e)
    }
}
