//! The interpreter backend's side of the API: every conversion between the API's types and
//! `kestrel_interpreter`'s lives here.
//!
//! The API keeps its own `InterruptKind`, `Segfault`, `MemoryProtection`, `GasMeteringKind` and
//! `MemoryAccessError` although the interpreter defines identical ones: they are the public,
//! backend-independent types that a second backend (the compiler) must report through as well.

use std::sync::Arc;

use kestrel_interpreter as backend;
use kestrel_program::ProgramBlob;
use kestrel_program::cost::CostModel;

use crate::error::{CompileError, Error, MemoryAccessError, ValidationError};
use crate::gas::GasMeteringKind;
use crate::module_config::ModuleConfig;
use crate::types::{InterruptKind, MemoryProtection, Segfault};

/// Compiles `blob` for the interpreter with the module's settings and cost model.
pub(crate) fn compile(
    config: &ModuleConfig,
    cost_model: Arc<CostModel>,
    blob: &ProgramBlob,
) -> Result<backend::Module, CompileError> {
    let config = backend::ModuleConfig {
        page_size: config.page_size,
        aux_data_size: config.aux_data_size,
        gas_metering: config.gas_metering.map(Into::into),
        dynamic_paging: config.dynamic_paging,
        step_tracing: config.step_tracing,
        per_instruction_metering: config.per_instruction_metering,
        cost_model,
    };
    backend::Module::from_blob(&config, blob).map_err(|error| match error {
        backend::Error::ValidationFailed(message) => CompileError::ValidationFailed(ValidationError::Other(message)),
        error => CompileError::Error(Error::other(error.to_string())),
    })
}

impl From<GasMeteringKind> for backend::GasMeteringKind {
    fn from(kind: GasMeteringKind) -> Self {
        match kind {
            GasMeteringKind::Sync => backend::GasMeteringKind::Sync,
            GasMeteringKind::Async => backend::GasMeteringKind::Async,
        }
    }
}

impl From<MemoryProtection> for backend::MemoryProtection {
    fn from(protection: MemoryProtection) -> Self {
        match protection {
            MemoryProtection::Read => backend::MemoryProtection::Read,
            MemoryProtection::ReadWrite => backend::MemoryProtection::ReadWrite,
        }
    }
}

impl From<backend::InterruptKind> for InterruptKind {
    fn from(interrupt: backend::InterruptKind) -> Self {
        match interrupt {
            backend::InterruptKind::Finished => InterruptKind::Finished,
            backend::InterruptKind::Trap => InterruptKind::Trap,
            backend::InterruptKind::Ecalli(number) => InterruptKind::Ecalli(number),
            backend::InterruptKind::Segfault(fault) => InterruptKind::Segfault(Segfault {
                page_address: fault.page_address,
                page_size: fault.page_size,
                is_write_protected: fault.is_write_protected,
            }),
            backend::InterruptKind::NotEnoughGas => InterruptKind::NotEnoughGas,
            backend::InterruptKind::Step => InterruptKind::Step,
        }
    }
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
