//! Kestrel's interpreter backend.
//!
//! A [`Module`] pre-decodes a program once into a compact dispatch form (see `compile.rs`,
//! `ops.rs`) and is shared between instances through an `Arc`. An [`Instance`] holds registers,
//! gas, program counters and guest memory, and [`Instance::run`] executes until the next
//! interrupt ([`InterruptKind`]) with the semantics of `runtime.md` §6–§11.
//!
//! Speed depends on two LLVM flags this workspace sets in `.cargo/config.toml` for x86-64
//! (`-C llvm-args=-align-all-nofallthru-blocks=4 -C llvm-args=-enable-tail-merge=false`): they
//! align every op handler and keep LLVM from merging the handlers' tails. Cargo does not pass a
//! dependency's config on, so an embedding build must set them itself (docs/benchmarks.md has the
//! measurements: 10–18% on the benchmarks).
#![forbid(unsafe_code)]

mod compile;
mod execute;
mod fuse;
mod instance;
mod memory;
mod ops;
mod paging;
mod profile;
#[cfg(test)]
mod test_rng;

use std::sync::Arc;

use kestrel_program::cost::CostModel;
use kestrel_program::decode::Code;
use kestrel_program::memory_map::MemoryMap;
use kestrel_program::{InstructionSetKind, ProgramBlob};

use compile::{CompileInput, CompiledCode, GasMode};
pub use instance::Instance;
pub use kestrel_program::interrupt::{GasMeteringKind, InterruptKind, MemoryProtection, Segfault};
pub use memory::{Layout, MemoryLimits};

/// Per-module settings (the interpreter-relevant part of PolkaVM's `ModuleConfig`).
#[derive(Clone, Debug)]
pub struct ModuleConfig {
    pub page_size: u32,
    pub aux_data_size: u32,
    pub gas_metering: Option<GasMeteringKind>,
    pub dynamic_paging: bool,
    pub step_tracing: bool,
    /// Deprecated per-instruction metering (sync, naive model only).
    pub per_instruction_metering: bool,
    pub cost_model: Arc<CostModel>,
}

impl Default for ModuleConfig {
    fn default() -> Self {
        ModuleConfig {
            page_size: 0x1000,
            aux_data_size: 0,
            gas_metering: None,
            dynamic_paging: false,
            step_tracing: false,
            per_instruction_metering: false,
            cost_model: Arc::new(CostModel::naive()),
        }
    }
}

/// A failed host memory access (`api.md` §7).
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum MemoryAccessError {
    #[error("out of range memory access in 0x{address:x}-0x{end:x} ({length} bytes)", end = u64::from(*address) + *length)]
    OutOfRangeAccess { address: u32, length: u64 },
    #[error("memory limit reached")]
    MemoryLimitReached,
    #[error("memory access failed: {0}")]
    Error(String),
}

/// Interpreter errors.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum Error {
    #[error("module validation failed: {0}")]
    ValidationFailed(String),
    #[error("failed to run: next program counter is not set")]
    NextProgramCounterNotSet,
    #[error("{0}")]
    Other(String),
}

pub(crate) struct ModuleInner {
    pub config: ModuleConfig,
    pub isa: InstructionSetKind,
    pub code: CompiledCode,
    pub memory_map: MemoryMap,
    pub layout: Layout,
    pub ro_data: Arc<[u8]>,
    pub rw_data: Arc<[u8]>,
}

/// A compiled program, cheap to clone and shareable between threads.
#[derive(Clone)]
pub struct Module(pub(crate) Arc<ModuleInner>);

impl core::fmt::Debug for Module {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Module").field("isa", &self.0.isa).field("ops", &self.0.code.ops.len()).finish()
    }
}

impl Module {
    /// Compiles a parsed blob (`api.md` §6 `Module::from_blob`, interpreter part).
    pub fn from_blob(config: &ModuleConfig, blob: &ProgramBlob) -> Result<Module, Error> {
        let isa = blob.isa();
        let code_view = Code::new(isa, blob.code(), blob.bitmask());
        if config.per_instruction_metering && *config.cost_model != CostModel::naive() {
            return Err(Error::ValidationFailed(
                "per instruction metering is only supported with the naive cost model".into(),
            ));
        }
        if isa == InstructionSetKind::JamV1
            && let Some(offset) = code_view.first_invalid()
        {
            return Err(Error::ValidationFailed(format!("validation failed at offset {offset}")));
        }
        let memory_map = blob
            .memory_map_builder(config.page_size)
            .aux_data_size(config.aux_data_size)
            .build()
            .map_err(|error| Error::ValidationFailed(error.to_string()))?;
        Module::from_checked_blob(config, blob, memory_map)
    }

    /// Compiles a blob whose checks the caller has done: `memory_map` built from it with
    /// `config`'s page and aux sizes, and (for JamV1) its code validated. The API crate does
    /// both before choosing a backend, so they are not repeated.
    pub fn from_checked_blob(
        config: &ModuleConfig,
        blob: &ProgramBlob,
        memory_map: MemoryMap,
    ) -> Result<Module, Error> {
        let isa = blob.isa();
        let code_view = Code::new(isa, blob.code(), blob.bitmask());
        if config.per_instruction_metering && *config.cost_model != CostModel::naive() {
            return Err(Error::ValidationFailed(
                "per instruction metering is only supported with the naive cost model".into(),
            ));
        }
        let layout = Layout {
            page_size: memory_map.page_size(),
            ro_address: memory_map.ro_data_address(),
            ro_size: memory_map.ro_data_size(),
            rw_address: memory_map.rw_data_address(),
            rw_size: memory_map.rw_data_size(),
            heap_base: memory_map.heap_base(),
            max_heap_size: memory_map.max_heap_size(),
            stack_low: memory_map.stack_address_low(),
            stack_high: memory_map.stack_address_high(),
            aux_address: memory_map.aux_data_address(),
            aux_size: memory_map.aux_data_size(),
        };

        let gas = match (config.gas_metering, config.per_instruction_metering) {
            (None, _) => GasMode::None,
            (Some(_), true) => GasMode::PerInstruction,
            (Some(GasMeteringKind::Sync), false) => GasMode::Sync,
            (Some(GasMeteringKind::Async), false) => GasMode::Async,
        };
        let code = CompiledCode::compile(CompileInput {
            is_64_bit: isa.is_64_bit(),
            is_latest64: isa == InstructionSetKind::Latest64,
            code: code_view,
            jump_table: blob.jump_table().iter().collect(),
            cost_model: &config.cost_model,
            gas,
            step_tracing: config.step_tracing,
        });
        tracing::debug!(isa = %isa, ops = code.ops.len(), "compiled module for the interpreter");
        Ok(Module(Arc::new(ModuleInner {
            config: config.clone(),
            isa,
            code,
            memory_map,
            layout,
            ro_data: Arc::from(&blob.ro_data()[..blob.ro_data().len().min(layout.ro_size as usize)]),
            rw_data: Arc::from(blob.rw_data()),
        })))
    }

    /// The module's instruction set.
    pub fn isa(&self) -> InstructionSetKind {
        self.0.isa
    }

    pub fn is_64_bit(&self) -> bool {
        self.0.isa.is_64_bit()
    }

    pub fn config(&self) -> &ModuleConfig {
        &self.0.config
    }

    pub fn memory_map(&self) -> &MemoryMap {
        &self.0.memory_map
    }

    /// `Module::default_sp()`: the top of the stack.
    pub fn default_sp(&self) -> u64 {
        u64::from(self.0.layout.stack_high)
    }

    /// Cost of the block starting at `pc` (`runtime.md` §9.6); `None` if `pc` is inside the
    /// code but not a valid jump target.
    pub fn calculate_gas_cost_for(&self, pc: u32) -> Option<u64> {
        self.0.code.block_cost_at(pc)
    }

    #[cfg(feature = "op-profile")]
    pub fn op_profile_report(&self) -> String {
        profile::report(&self.0.code)
    }

    /// Creates a fresh instance.
    pub fn instantiate(&self) -> Instance {
        Instance::new(self.clone())
    }
}
