//! A compiled program (`api.md` §6).

use std::sync::Arc;

use kestrel_program::{ArcBytes, Imports, InstructionSetKind, MemoryMap, ParseError, ProgramBlob};

use crate::config::BackendKind;
use crate::engine::Engine;
use crate::error::{CompileError, Error, ErrorKind, StrictError, ValidationError};
use crate::gas::CostModelKind;
use crate::instance::RawInstance;
use crate::module_config::ModuleConfig;
use crate::types::{Gas, ProgramCounter, ProgramExport, ProgramSymbol, RegValue};

/// A backend's compiled form of a program.
#[derive(Debug)]
pub(crate) enum Compiled {
    Interpreter(kestrel_interpreter::Module),
}

#[derive(Debug)]
pub(crate) struct ModuleInner {
    pub backend: BackendKind,
    pub blob: ProgramBlob,
    pub config: ModuleConfig,
    pub cost_model: CostModelKind,
    pub memory_map: MemoryMap,
    pub compiled: Compiled,
}

/// What a [`Module`] shares between its clones: the compiled module, plus (module cache) the
/// link that returns it to the cache when the last clone is dropped.
pub(crate) struct ModuleHandle {
    pub(crate) inner: Arc<ModuleInner>,
    #[cfg(feature = "module-cache")]
    pub(crate) cache_link: Option<crate::module_cache::CacheLink>,
}

impl ModuleHandle {
    #[cfg(feature = "module-cache")]
    pub(crate) fn new(inner: Arc<ModuleInner>, cache_link: Option<crate::module_cache::CacheLink>) -> Self {
        ModuleHandle { inner, cache_link }
    }

    fn uncached(inner: ModuleInner) -> Self {
        ModuleHandle {
            inner: Arc::new(inner),
            #[cfg(feature = "module-cache")]
            cache_link: None,
        }
    }
}

impl core::ops::Deref for ModuleHandle {
    type Target = ModuleInner;

    #[inline]
    fn deref(&self) -> &ModuleInner {
        &self.inner
    }
}

impl core::fmt::Debug for ModuleHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&*self.inner, f)
    }
}

/// A program ready to be instantiated. Cheap to clone (shared) and thread-safe.
#[derive(Clone, Debug)]
pub struct Module(pub(crate) Arc<ModuleHandle>);

impl Module {
    /// Parses `bytes` (parse errors are validation failures) and compiles the program.
    pub fn new(engine: &Engine, config: &ModuleConfig, bytes: ArcBytes) -> Result<Module, CompileError> {
        let blob = ProgramBlob::parse(bytes).map_err(ValidationError::Parse)?;
        Module::from_blob(engine, config, blob)
    }

    /// Compiles an already parsed program. Checks, in order: dynamic paging is allowed by the
    /// engine; the cost model (per-instruction metering needs the built-in naive model; the full
    /// model is not implemented); JamV1 code validity; the memory map; the strict-mode checks of
    /// `runtime.md` §12; then the backend compiles.
    ///
    /// With the module cache (feature `module-cache`, [`crate::Config::set_cache_enabled`]), a
    /// module of an equal key is returned instead once the cost-model checks have passed (the
    /// later checks depend only on the key): see [`Module::from_cache`].
    pub fn from_blob(engine: &Engine, config: &ModuleConfig, blob: ProgramBlob) -> Result<Module, CompileError> {
        if config.dynamic_paging && !engine.0.allow_dynamic_paging {
            return Err(ErrorKind::DynamicPagingNotEnabled.into());
        }
        let cost_model = resolved_cost_model(engine, config);
        if config.per_instruction_metering && !cost_model.is_naive() {
            return Err(ErrorKind::PerInstructionMeteringNeedsNaiveCostModel.into());
        }
        let CostModelKind::Simple(simple_model) = &cost_model else {
            return Err(ErrorKind::FullCostModelNotSupported.into());
        };
        #[cfg(feature = "module-cache")]
        let cached = match &engine.0.module_cache {
            Some(cache) => {
                let key = crate::module_cache::CacheKey::new(config, &cost_model, &blob);
                if let Some(module) = cache.get(&key) {
                    return Ok(module);
                }
                Some((cache, key))
            }
            None => None,
        };
        tracing::trace!(bits = if blob.is_64_bit() { 64 } else { 32 }, isa = %blob.isa(), "creating a module");

        let backend = engine.0.backend;
        if backend == BackendKind::Interpreter
            && blob.isa() == InstructionSetKind::JamV1
            && let Some(offset) = blob.code_view().first_invalid()
        {
            return Err(ValidationError::InvalidCode { offset }.into());
        }

        let memory_map = blob
            .memory_map_builder(config.page_size)
            .aux_data_size(config.aux_data_size)
            .build()
            .map_err(ValidationError::MemoryMap)?;

        if config.strict {
            check_strict(&blob)?;
        }

        let compiled = match backend {
            BackendKind::Interpreter => {
                Compiled::Interpreter(crate::interpreter::compile(config, simple_model.to_arc(), &blob, memory_map)?)
            }
            BackendKind::Compiler => return Err(ErrorKind::UnsupportedBackend(backend).into()),
        };

        let inner = ModuleInner { backend, blob, config: config.clone(), cost_model, memory_map, compiled };
        #[cfg(feature = "module-cache")]
        if let Some((cache, key)) = cached {
            return Ok(cache.insert(key, inner));
        }
        Ok(Module(Arc::new(ModuleHandle::uncached(inner))))
    }

    /// Looks a module up in the engine's module cache without compiling: a live module with an
    /// equal key (`api.md` §11), or a dropped one revived from the LRU. `None` without the cache
    /// (the feature `module-cache` is off, or [`crate::Config::set_cache_enabled`] is false).
    pub fn from_cache(engine: &Engine, config: &ModuleConfig, blob: &ProgramBlob) -> Option<Module> {
        #[cfg(feature = "module-cache")]
        {
            let cache = engine.0.module_cache.as_ref()?;
            let key = crate::module_cache::CacheKey::new(config, &resolved_cost_model(engine, config), blob);
            cache.get(&key)
        }
        #[cfg(not(feature = "module-cache"))]
        {
            let _ = (engine, config, blob);
            None
        }
    }

    /// A fresh instance: zeroed registers, gas 0, memory initialised from the program.
    pub fn instantiate(&self) -> Result<RawInstance, Error> {
        Ok(RawInstance::new(self.clone()))
    }

    /// Like [`Module::instantiate`]; the outer instance only matters for sandbox placement.
    pub fn instantiate_nested(&self, outer: &RawInstance) -> Result<RawInstance, Error> {
        if outer.module().0.backend != self.0.backend {
            return Err(Error::other("failed to instantiate module: received incompatible outer instance"));
        }
        self.instantiate()
    }

    /// The parsed program.
    pub fn blob(&self) -> &ProgramBlob {
        &self.0.blob
    }

    /// The settings the module was created with.
    pub fn config(&self) -> &ModuleConfig {
        &self.0.config
    }

    /// The backend the module was compiled for.
    pub fn backend(&self) -> BackendKind {
        self.0.backend
    }

    /// Where the guest's memory regions are (`runtime.md` §3).
    pub fn memory_map(&self) -> &MemoryMap {
        &self.0.memory_map
    }

    /// The initial stack pointer: the top of the stack.
    pub fn default_sp(&self) -> RegValue {
        u64::from(self.0.memory_map.stack_address_high())
    }

    /// The exports in blob order (duplicate names are possible).
    pub fn exports(&self) -> impl Iterator<Item = ProgramExport<'_>> + Clone {
        self.0
            .blob
            .exports()
            .map(|export| ProgramExport::new(ProgramCounter(export.pc), ProgramSymbol::new(export.name)))
    }

    /// The imports, indexed by `ecalli` number; unparsable entries are `None`.
    pub fn imports(&self) -> Imports<'_> {
        self.0.blob.imports()
    }

    pub fn isa(&self) -> InstructionSetKind {
        self.0.blob.isa()
    }

    pub fn is_64_bit(&self) -> bool {
        self.0.blob.is_64_bit()
    }

    pub fn is_strict(&self) -> bool {
        self.0.config.strict
    }

    pub fn is_dynamic_paging(&self) -> bool {
        self.0.config.dynamic_paging
    }

    /// The resolved cost model: the module's own, else the engine's default, else naive.
    pub fn cost_model(&self) -> &CostModelKind {
        &self.0.cost_model
    }

    /// Gas cost of the basic block starting at `pc` (`runtime.md` §9.6): `None` if `pc` is inside
    /// the code but not a valid jump target; for `pc` at or past the code end the cost of the
    /// implicit trap.
    pub fn calculate_gas_cost_for(&self, pc: ProgramCounter) -> Option<Gas> {
        match &self.0.compiled {
            Compiled::Interpreter(module) => {
                module.calculate_gas_cost_for(pc.0).map(|cost| Gas::try_from(cost).unwrap_or(Gas::MAX))
            }
        }
    }

    /// A string of the debug strings section.
    pub fn get_debug_string(&self, offset: u32) -> Result<&str, ParseError> {
        self.0.blob.debug_string(offset)
    }

    /// Native code (compiler backend only).
    pub fn machine_code(&self) -> Option<&[u8]> {
        None
    }

    /// Native address of the code (compiler backend only).
    pub fn machine_code_origin(&self) -> Option<u64> {
        None
    }

    /// Program counter to native offset table (compiler backend only).
    pub fn program_counter_to_machine_code_offset(&self) -> Option<&[(ProgramCounter, u32)]> {
        None
    }

    pub(crate) fn interpreter(&self) -> &kestrel_interpreter::Module {
        match &self.0.compiled {
            Compiled::Interpreter(module) => module,
        }
    }
}

/// The module's cost model, else the engine's default.
fn resolved_cost_model(engine: &Engine, config: &ModuleConfig) -> CostModelKind {
    config.cost_model.clone().unwrap_or_else(|| engine.0.default_cost_model.clone())
}

/// Module-creation checks of strict mode (`runtime.md` §12).
fn check_strict(blob: &ProgramBlob) -> Result<(), Error> {
    if blob.imports().iter().any(|import| import.is_none()) {
        return Err(Error::strict(StrictError::InvalidImport));
    }
    let code_length = blob.code_len();
    if blob.jump_table().iter().any(|target| target >= code_length) {
        return Err(Error::strict(StrictError::OutOfRangeJumpTableEntry));
    }
    if let Some(export) = blob.exports().find(|export| export.pc >= code_length) {
        return Err(Error::strict(StrictError::OutOfRangeExport {
            symbol: export.name.to_vec(),
            program_counter: export.pc,
            code_length,
        }));
    }
    Ok(())
}
