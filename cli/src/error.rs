//! [`CliError`]: why a command could not read its input, or could not run or rewrite a module.
//! The contract commands wrap it in [`ContractError::Load`](crate::contract::ContractError::Load).

use std::fmt;
use std::path::PathBuf;

use tally_gas_injector::{InjectError, ScheduleError};
use tally_vm::ValType;

/// Everything other than a trap that can stop [`run`](crate::run::run): bad input files, invalid modules,
/// missing exports, unusable arguments.
#[derive(Debug)]
pub enum CliError {
    /// The module file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An input file is larger than [`MAX_FILE_SIZE`](crate::load::MAX_FILE_SIZE).
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The input is neither a WebAssembly binary nor a valid WebAssembly text module.
    Parse {
        /// The file, if the module came from one.
        path: Option<PathBuf>,
        /// What the parser said.
        message: String,
    },
    /// Tally rejected the module (invalid, unsupported feature, over a limit) or failed to
    /// instantiate it for a reason other than a trap.
    Module(tally_vm::Error),
    /// The module has imports, which the command-line runner cannot provide.
    Imports(Vec<String>),
    /// The export to invoke does not exist.
    NoSuchExport {
        /// The requested name.
        name: String,
        /// The names of the module's exported functions.
        available: Vec<String>,
    },
    /// The export exists but is not a function.
    NotAFunction {
        /// The requested name.
        name: String,
        /// What kind of export it is instead.
        kind: &'static str,
    },
    /// The wrong number of arguments was given.
    ArgCount {
        /// The export's name.
        name: String,
        /// Its parameter types.
        params: Vec<ValType>,
        /// How many arguments were given.
        given: usize,
    },
    /// An argument could not be parsed as its parameter's type.
    BadArg {
        /// Zero-based position of the argument.
        index: usize,
        /// The parameter type it had to match.
        ty: ValType,
        /// The argument as given.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `tally inspect --func` named a function the module does not have.
    NoSuchFunction {
        /// The requested index.
        index: u32,
        /// How many functions the module has (imported and defined).
        functions: u32,
    },
    /// `tally inspect --func` named an imported function, which has no code in the module.
    ImportedFunction {
        /// The requested index.
        index: u32,
    },
    /// `tally-gas-injector` refused to instrument the module.
    Instrument(InjectError),
    /// The schedule file is not a valid SCALE-encoded schedule.
    Schedule {
        /// The schedule file.
        path: PathBuf,
        /// Why it is unusable.
        error: ScheduleError,
    },
    /// An output file could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::TooLarge { path, limit } => {
                write!(f, "cannot read {}: the file is larger than the limit of {limit} bytes", path.display())
            }
            Self::Parse { path: Some(path), message } => {
                write!(f, "cannot parse {} as WebAssembly: {message}", path.display())
            }
            Self::Parse { path: None, message } => write!(f, "cannot parse module as WebAssembly: {message}"),
            Self::Module(err) => write!(f, "module rejected: {err}"),
            Self::Imports(list) => write!(
                f,
                "the module has {} import(s), which `tally run` cannot provide: {}",
                list.len(),
                list.join(", ")
            ),
            Self::NoSuchExport { name, available } => {
                write!(f, "the module has no export named `{name}`")?;
                if available.is_empty() {
                    write!(f, " (it exports no functions)")
                } else {
                    write!(f, " (exported functions: {})", available.join(", "))
                }
            }
            Self::NotAFunction { name, kind } => write!(f, "export `{name}` is a {kind}, not a function"),
            Self::ArgCount { name, params, given } => {
                write!(f, "export `{name}` takes {} argument(s) ({}), got {given}", params.len(), type_list(params))
            }
            Self::BadArg { index, ty, value, reason } => {
                write!(f, "argument {} (`{value}`) is not a valid {ty}: {reason}", index + 1)
            }
            Self::NoSuchFunction { index, functions } => {
                write!(f, "the module has no function {index} (it has {functions})")
            }
            Self::ImportedFunction { index } => write!(f, "function {index} is imported: it has no code in the module"),
            Self::Instrument(err) => write!(f, "cannot instrument the module: {err}"),
            Self::Schedule { path, error } => write!(f, "bad schedule {}: {error}", path.display()),
            Self::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Module(err) => Some(err),
            Self::Instrument(err) => Some(err),
            Self::Schedule { error, .. } => Some(error),
            Self::Write { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn type_list(types: &[ValType]) -> String {
    if types.is_empty() {
        return "none".to_string();
    }
    types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}
