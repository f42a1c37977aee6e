//! The engine: a validated [`Config`] plus the selected backend (`api.md` §5).

use std::sync::Arc;

use crate::config::{BackendKind, Config};
use crate::error::{Error, ErrorKind, ExperimentalFeature};
use crate::gas::CostModelKind;

#[derive(Debug)]
pub(crate) struct EngineState {
    pub backend: BackendKind,
    pub allow_dynamic_paging: bool,
    pub default_cost_model: CostModelKind,
    /// The module cache, when enabled (`api.md` §11).
    #[cfg(feature = "module-cache")]
    pub module_cache: Option<Arc<crate::module_cache::ModuleCache>>,
}

/// Validated engine-wide state; cheap to clone and shareable between threads.
#[derive(Clone, Debug)]
pub struct Engine(pub(crate) Arc<EngineState>);

impl Engine {
    /// Validates `config` and selects a backend. Errors, in this order: an explicitly selected
    /// backend that is unsupported; crosscheck, disabled sandboxing or a `Simple` default cost
    /// model without `allow_experimental`.
    pub fn new(config: &Config) -> Result<Engine, Error> {
        if let Some(backend) = config.backend
            && !backend.is_supported()
        {
            return Err(Error::from(ErrorKind::UnsupportedBackend(backend)));
        }
        let experimental = |feature| Err(Error::from(ErrorKind::ExperimentalNotEnabled(feature)));
        if config.crosscheck && !config.allow_experimental {
            return experimental(ExperimentalFeature::Crosscheck);
        }
        if !config.sandboxing_enabled && !config.allow_experimental {
            return experimental(ExperimentalFeature::DisableSandboxing);
        }
        if matches!(config.default_cost_model, Some(CostModelKind::Simple(_))) && !config.allow_experimental {
            return experimental(ExperimentalFeature::DefaultCostModel);
        }

        // Auto selection picks the compiler only where it and its sandbox exist.
        let backend = config.backend.unwrap_or(if BackendKind::Compiler.is_supported() {
            BackendKind::Compiler
        } else {
            BackendKind::Interpreter
        });
        if config.crosscheck && backend == BackendKind::Interpreter {
            tracing::debug!("crosscheck has no effect with the interpreter backend");
        }
        if !config.sandboxing_enabled {
            tracing::warn!("security sandboxing is disabled; this is only meant for debugging");
        }
        #[cfg(not(feature = "module-cache"))]
        if config.cache_enabled {
            tracing::warn!(
                "module caching was requested, but Kestrel was built without the `module-cache` feature; \
                 modules will not be cached"
            );
        }
        tracing::debug!(%backend, "created an engine");
        Ok(Engine(Arc::new(EngineState {
            backend,
            allow_dynamic_paging: config.allow_dynamic_paging,
            default_cost_model: config.default_cost_model.clone().unwrap_or_else(CostModelKind::naive),
            #[cfg(feature = "module-cache")]
            module_cache: config.cache_enabled.then(|| crate::module_cache::ModuleCache::new(config.lru_cache_size)),
        })))
    }

    /// The selected backend.
    pub fn backend(&self) -> BackendKind {
        self.0.backend
    }

    /// PIDs of idle sandbox workers (always empty: the interpreter runs in-process).
    pub fn idle_worker_pids(&self) -> Vec<u32> {
        Vec::new()
    }
}
