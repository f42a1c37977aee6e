//! Errors of the embedder API.
//!
//! [`Error`] is one pointer wide: a boxed [`ErrorKind`]. Guest events (traps, running out of gas,
//! host calls, page faults) are never errors; they are [`crate::InterruptKind`]s. Messages keep
//! PolkaVM 0.37's wording so that logs and user-facing texts stay recognisable.

use core::fmt;

use kestrel_program::{MemoryMapError, ParseError};

use crate::config::BackendKind;
use crate::types::ProgramSymbol;

/// A setting that is refused unless `Config::set_allow_experimental(true)` is used.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ExperimentalFeature {
    /// `Config::set_crosscheck(true)`.
    Crosscheck,
    /// `Config::set_sandboxing_enabled(false)`.
    DisableSandboxing,
    /// A `CostModelKind::Simple` engine-wide default cost model.
    DefaultCostModel,
}

impl ExperimentalFeature {
    fn action(self) -> &'static str {
        match self {
            ExperimentalFeature::Crosscheck => "cannot enable execution cross-checking",
            ExperimentalFeature::DisableSandboxing => "cannot disable security sandboxing",
            ExperimentalFeature::DefaultCostModel => "cannot override the default gas cost model",
        }
    }
}

/// Why a program was rejected while creating a module (`CompileError::ValidationFailed`).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The bytes are not a valid program blob. The message carries PolkaVM's
    /// "failed to parse program blob: " prefix.
    #[error("{0}")]
    Parse(ParseError),
    /// The memory map cannot be built (page size, region sizes).
    #[error("{0}")]
    MemoryMap(MemoryMapError),
    /// A JamV1 program contains an instruction that does not decode (`runtime.md` §13).
    #[error("validation failed at offset {offset}")]
    InvalidCode { offset: u32 },
    /// Any other validation failure reported by a backend.
    #[error("{0}")]
    Other(String),
}

/// A strict-mode violation (`runtime.md` §12).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StrictError {
    #[error("found an invalid import")]
    InvalidImport,
    #[error("out of range jump table entry found")]
    OutOfRangeJumpTableEntry,
    #[error(
        "out of range export found; export {} points to code offset {program_counter}, while the code blob is only {code_length} bytes",
        ProgramSymbol::new(symbol)
    )]
    OutOfRangeExport { symbol: Vec<u8>, program_counter: u32, code_length: u32 },
    #[error("duplicate export: {}", ProgramSymbol::new(.0))]
    DuplicateExport(Vec<u8>),
    #[error("failed to parse an import")]
    UnparsableImport,
    #[error("missing host function: {}", ProgramSymbol::new(.0))]
    MissingHostFunction(Vec<u8>),
}

/// What went wrong. Obtain it with [`Error::kind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A backend was explicitly selected that this build or platform does not offer.
    #[error("the '{0}' backend is not supported on this platform")]
    UnsupportedBackend(BackendKind),
    /// An experimental setting was used without `allow_experimental`.
    #[error("{}: `set_allow_experimental`/`POLKAVM_ALLOW_EXPERIMENTAL` is not enabled", .0.action())]
    ExperimentalNotEnabled(ExperimentalFeature),
    /// An environment variable read by `Config::from_env` has a value that cannot be parsed.
    #[error("invalid value of {name}: {value:?}; {expected}")]
    InvalidEnvironmentVariable { name: String, value: String, expected: &'static str },
    /// The cost model file named by `POLKAVM_DEFAULT_COST_MODEL` could not be loaded.
    #[error("failed to read gas cost model from {path:?} ({name}): {reason}")]
    CostModelFile { name: String, path: String, reason: String },
    /// A dynamic-paging module was created on an engine without `allow_dynamic_paging`.
    #[error("dynamic paging was not enabled; use `Config::set_allow_dynamic_paging` to enable it")]
    DynamicPagingNotEnabled,
    /// Per-instruction metering was combined with a cost model other than the built-in naive one.
    #[error("per instruction metering is not supported with a non-naive gas cost model")]
    PerInstructionMeteringNeedsNaiveCostModel,
    /// `CostModelKind::Full` was requested; Kestrel does not implement the full model yet.
    #[error("the full gas cost model is not supported yet")]
    FullCostModelNotSupported,
    /// The program failed validation (see [`crate::CompileError`]).
    #[error("module validation failed: {0}")]
    ValidationFailed(ValidationError),
    /// A strict-mode check failed.
    #[error("{0}")]
    Strict(StrictError),
    /// `Linker::define_*` was called twice for one symbol.
    #[error("cannot register host function: host function was already registered: {}", ProgramSymbol::new(.0))]
    DuplicateHostFunction(Vec<u8>),
    /// `Instance::call_typed` named an export that the module does not have.
    #[error("export not found: '{0}'")]
    ExportNotFound(String),
    /// `run()` was called without a next program counter.
    #[error("failed to run: next program counter is not set")]
    NextProgramCounterNotSet,
    /// The operation is only possible on modules with dynamic paging.
    #[error("{0} is only possible on modules with dynamic paging")]
    RequiresDynamicPaging(&'static str),
    /// The operation is only possible on modules without dynamic paging.
    #[error("{0} is only possible on modules without dynamic paging")]
    RequiresStaticMemory(&'static str),
    /// `set_accessible_aux_size` asked for more than the module's aux size.
    #[error("cannot set accessible aux size: the maximum is {maximum}, while tried to set {requested}")]
    AuxSizeTooLarge { maximum: u32, requested: u32 },
    /// An address given to a page-granular call is not a multiple of the page size.
    #[error("address not a multiple of page size")]
    NotPageAligned,
    /// `set_interpreter_cache_size_limit` was given a cache that cannot hold two maximal blocks.
    #[error("given maximum cache size is too small to guarantee a tight upper bound")]
    CacheSizeLimitTooSmall,
    /// A host memory access failed where the API reports an [`Error`].
    #[error("{0}")]
    MemoryAccess(Box<crate::MemoryAccessError>),
    /// The execution backend failed (not a guest event).
    #[error("execution failed: {0}")]
    Execution(String),
    /// An error with some context prepended, printed as "{context}: {inner}".
    #[error("{context}: {inner}")]
    Context { context: String, inner: Error },
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// The error type of the embedder API: small (one pointer), cheap to move, typed through
/// [`Error::kind`].
pub struct Error(Box<ErrorKind>);

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Consumes the error, returning its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// Wraps this error with context; printed as "{context}: {self}".
    #[cold]
    pub fn context(self, context: impl Into<String>) -> Error {
        Error::from(ErrorKind::Context { context: context.into(), inner: self })
    }

    /// An error with a free-form message.
    #[cold]
    pub fn other(message: impl Into<String>) -> Error {
        Error::from(ErrorKind::Other(message.into()))
    }

    #[cold]
    pub(crate) fn validation(error: ValidationError) -> Error {
        Error::from(ErrorKind::ValidationFailed(error))
    }

    #[cold]
    pub(crate) fn strict(error: StrictError) -> Error {
        Error::from(ErrorKind::Strict(error))
    }

    /// Whether this is a validation failure (the `CompileError::ValidationFailed` case).
    pub fn is_validation_failure(&self) -> bool {
        matches!(self.kind(), ErrorKind::ValidationFailed(_))
    }
}

impl From<ErrorKind> for Error {
    #[cold]
    fn from(kind: ErrorKind) -> Error {
        Error(Box::new(kind))
    }
}

impl From<ParseError> for Error {
    #[cold]
    fn from(error: ParseError) -> Error {
        Error::validation(ValidationError::Parse(error))
    }
}

impl From<crate::MemoryAccessError> for Error {
    #[cold]
    fn from(error: crate::MemoryAccessError) -> Error {
        match error {
            crate::MemoryAccessError::Error(error) => error,
            error => Error::from(ErrorKind::MemoryAccess(Box::new(error))),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message is what users want to see in `unwrap()` output; the kind follows.
        write!(f, "Error({:?}: {:?})", self.to_string(), self.0)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

// Messages follow polkavm's format, which already spells out the whole cause ("context: inner");
// reporting the cause again through `source()` would make chain-printing tools (anyhow, eyre)
// repeat it, so none of these errors returns a separate source. The typed cause stays available
// through `kind()` / pattern matching.
impl core::error::Error for Error {}

impl From<Error> for String {
    fn from(error: Error) -> String {
        error.to_string()
    }
}

/// Why creating a module failed: the program is invalid, or something else went wrong.
#[derive(Debug)]
pub enum CompileError {
    /// The program (or the memory map its header and the module config imply) is invalid.
    ValidationFailed(ValidationError),
    /// Any other failure (configuration, unsupported feature, strict-mode check, ...).
    Error(Error),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::ValidationFailed(error) => write!(f, "module validation failed: {error}"),
            CompileError::Error(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl core::error::Error for CompileError {}

impl From<Error> for CompileError {
    fn from(error: Error) -> CompileError {
        match error.into_kind() {
            ErrorKind::ValidationFailed(error) => CompileError::ValidationFailed(error),
            kind => CompileError::Error(Error::from(kind)),
        }
    }
}

impl From<ErrorKind> for CompileError {
    #[cold]
    fn from(kind: ErrorKind) -> CompileError {
        CompileError::from(Error::from(kind))
    }
}

impl From<ValidationError> for CompileError {
    #[cold]
    fn from(error: ValidationError) -> CompileError {
        CompileError::ValidationFailed(error)
    }
}

impl From<CompileError> for Error {
    fn from(error: CompileError) -> Error {
        match error {
            CompileError::ValidationFailed(error) => Error::validation(error),
            CompileError::Error(error) => error,
        }
    }
}

impl From<CompileError> for String {
    fn from(error: CompileError) -> String {
        error.to_string()
    }
}

/// A failed host access to guest memory.
#[derive(Debug)]
pub enum MemoryAccessError {
    /// The range `[address, address + length)` is not wholly accessible.
    OutOfRangeAccess { address: u32, length: u64 },
    /// A backend memory limit (`set_interpreter_*`) prevented the access.
    MemoryLimitReached,
    /// Another error.
    Error(Error),
}

impl MemoryAccessError {
    #[cold]
    pub(crate) fn out_of_range(address: u32, length: u64) -> MemoryAccessError {
        MemoryAccessError::OutOfRangeAccess { address, length }
    }
}

impl fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemoryAccessError::OutOfRangeAccess { address, length } => write!(
                f,
                "out of range memory access in 0x{address:x}-0x{end:x} ({length} bytes)",
                end = u64::from(*address) + length
            ),
            MemoryAccessError::MemoryLimitReached => f.write_str("memory limit reached"),
            MemoryAccessError::Error(error) => write!(f, "memory access failed: {error}"),
        }
    }
}

impl core::error::Error for MemoryAccessError {}

impl From<MemoryAccessError> for String {
    fn from(error: MemoryAccessError) -> String {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(core::mem::size_of::<Error>(), core::mem::size_of::<usize>());
        assert_eq!(core::mem::size_of::<Result<(), Error>>(), core::mem::size_of::<usize>());
    }

    #[test]
    fn messages() {
        let error = Error::from(ErrorKind::UnsupportedBackend(BackendKind::Compiler));
        assert_eq!(error.to_string(), "the 'compiler' backend is not supported on this platform");
        let error = Error::from(ErrorKind::ExperimentalNotEnabled(ExperimentalFeature::Crosscheck));
        assert_eq!(
            error.to_string(),
            "cannot enable execution cross-checking: `set_allow_experimental`/`POLKAVM_ALLOW_EXPERIMENTAL` is not enabled"
        );
        let error = Error::other("inner").context("outer");
        assert_eq!(error.to_string(), "outer: inner");
        let error = MemoryAccessError::OutOfRangeAccess { address: 0x1000, length: 16 };
        assert_eq!(error.to_string(), "out of range memory access in 0x1000-0x1010 (16 bytes)");
        let error = CompileError::ValidationFailed(ValidationError::InvalidCode { offset: 7 });
        assert_eq!(error.to_string(), "module validation failed: validation failed at offset 7");
        let error = Error::from(error);
        assert!(error.is_validation_failure());
        assert_eq!(String::from(error), "module validation failed: validation failed at offset 7");
    }
}
