//! Per-module settings (`api.md` §3).

use crate::gas::{CostModelKind, GasMeteringKind};

/// Settings of one module. Every setter returns `&mut Self`.
#[derive(Clone, Debug)]
pub struct ModuleConfig {
    pub(crate) page_size: u32,
    pub(crate) aux_data_size: u32,
    pub(crate) gas_metering: Option<GasMeteringKind>,
    pub(crate) dynamic_paging: bool,
    pub(crate) step_tracing: bool,
    pub(crate) strict: bool,
    pub(crate) cache_by_hash: bool,
    pub(crate) cost_model: Option<CostModelKind>,
    pub(crate) per_instruction_metering: bool,
}

impl Default for ModuleConfig {
    fn default() -> Self {
        ModuleConfig::new()
    }
}

impl ModuleConfig {
    /// Page size 0x1000, no aux data, no gas metering, static memory, no tracing, not strict,
    /// the engine's default cost model.
    pub fn new() -> Self {
        ModuleConfig {
            page_size: 0x1000,
            aux_data_size: 0,
            gas_metering: None,
            dynamic_paging: false,
            step_tracing: false,
            strict: false,
            cache_by_hash: false,
            cost_model: None,
            per_instruction_metering: false,
        }
    }

    /// The page size: a power of two in `[0x1000, 0x10000]` (checked when the module is created).
    pub fn set_page_size(&mut self, page_size: u32) -> &mut Self {
        self.page_size = page_size;
        self
    }

    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Size of the aux data region: host-writable, guest-readable, just below `0xFFFF0000`.
    pub fn set_aux_data_size(&mut self, aux_data_size: u32) -> &mut Self {
        self.aux_data_size = aux_data_size;
        self
    }

    pub fn aux_data_size(&self) -> u32 {
        self.aux_data_size
    }

    /// Gas metering (`None` = gas is a plain number the host may set).
    pub fn set_gas_metering(&mut self, kind: Option<GasMeteringKind>) -> &mut Self {
        self.gas_metering = kind;
        self
    }

    pub fn gas_metering(&self) -> Option<GasMeteringKind> {
        self.gas_metering
    }

    /// Dynamic paging: guest memory is a sparse set of pages managed by the host
    /// (`runtime.md` §11). Needs `Config::set_allow_dynamic_paging(true)`.
    pub fn set_dynamic_paging(&mut self, value: bool) -> &mut Self {
        self.dynamic_paging = value;
        self
    }

    pub fn dynamic_paging(&self) -> bool {
        self.dynamic_paging
    }

    /// Interrupt with `Step` before every instruction.
    pub fn set_step_tracing(&mut self, value: bool) -> &mut Self {
        self.step_tracing = value;
        self
    }

    pub fn step_tracing(&self) -> bool {
        self.step_tracing
    }

    /// Strict mode: reject questionable programs and links (`runtime.md` §12).
    pub fn set_strict(&mut self, value: bool) -> &mut Self {
        self.strict = value;
        self
    }

    pub fn strict(&self) -> bool {
        self.strict
    }

    /// Module-cache key by the blob's contents instead of by its identity (`api.md` §11): blobs
    /// parsed separately from equal bytes share a module. Costs a hash of the whole blob per
    /// lookup.
    pub fn set_cache_by_hash(&mut self, value: bool) -> &mut Self {
        self.cache_by_hash = value;
        self
    }

    pub fn cache_by_hash(&self) -> bool {
        self.cache_by_hash
    }

    /// The module's cost model (`None` = the engine's default).
    pub fn set_cost_model(&mut self, cost_model: Option<CostModelKind>) -> &mut Self {
        self.cost_model = cost_model;
        self
    }

    pub fn cost_model(&self) -> Option<&CostModelKind> {
        self.cost_model.as_ref()
    }

    /// Deprecated: charge each instruction separately (interpreter and naive model only).
    pub fn set_per_instruction_metering(&mut self, value: bool) -> &mut Self {
        self.per_instruction_metering = value;
        self
    }

    pub fn per_instruction_metering(&self) -> bool {
        self.per_instruction_metering
    }
}
