//! The interpreter backend's side of the API: every conversion between the API's types and
//! `kestrel_interpreter`'s lives here.
//!
//! `InterruptKind`, `Segfault`, `MemoryProtection` and `GasMeteringKind` are shared by both (they
//! live in `kestrel_program::interrupt`, below every backend); only errors are converted.

use std::sync::Arc;

use kestrel_interpreter as backend;
use kestrel_program::cost::CostModel;
use kestrel_program::{MemoryMap, ProgramBlob};

use crate::error::{CompileError, Error, MemoryAccessError, ValidationError};
use crate::module_config::ModuleConfig;

/// Compiles `blob` for the interpreter with the module's settings and cost model; `memory_map`
/// and the JamV1 code check are already done by `Module::from_blob`.
pub(crate) fn compile(
    config: &ModuleConfig,
    cost_model: Arc<CostModel>,
    blob: &ProgramBlob,
    memory_map: MemoryMap,
) -> Result<backend::Module, CompileError> {
    let config = backend::ModuleConfig {
        page_size: config.page_size,
        aux_data_size: config.aux_data_size,
        gas_metering: config.gas_metering,
        dynamic_paging: config.dynamic_paging,
        step_tracing: config.step_tracing,
        per_instruction_metering: config.per_instruction_metering,
        cost_model,
    };
    backend::Module::from_checked_blob(&config, blob, memory_map).map_err(|error| match error {
        backend::Error::ValidationFailed(message) => CompileError::ValidationFailed(ValidationError::Other(message)),
        error => CompileError::Error(Error::other(error.to_string())),
    })
}

impl From<backend::MemoryAccessError> for MemoryAccessError {
    #[cold]
    fn from(error: backend::MemoryAccessError) -> MemoryAccessError {
        match error {
            backend::MemoryAccessError::OutOfRangeAccess { address, length } => {
                MemoryAccessError::OutOfRangeAccess { address, length }
            }
            backend::MemoryAccessError::MemoryLimitReached => MemoryAccessError::MemoryLimitReached,
            backend::MemoryAccessError::Error(message) => MemoryAccessError::Error(Error::other(message)),
        }
    }
}
