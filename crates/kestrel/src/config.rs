//! Engine-wide settings (`api.md` §2).

use std::ffi::OsString;
use std::fmt;
use std::sync::Arc;

use kestrel_program::cost::CostModel;

use crate::error::{Error, ErrorKind};
use crate::gas::{CacheModel, CostModelKind, CostModelRef};

/// An execution backend.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum BackendKind {
    /// The x86-64 JIT. Not available in this version of Kestrel.
    Compiler,
    /// The portable interpreter.
    Interpreter,
}

impl BackendKind {
    /// Whether this build can use the backend.
    pub fn is_supported(self) -> bool {
        match self {
            BackendKind::Compiler => false,
            BackendKind::Interpreter => true,
        }
    }

    fn name(self) -> &'static str {
        match self {
            BackendKind::Compiler => "compiler",
            BackendKind::Interpreter => "interpreter",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A sandbox for the compiler backend.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum SandboxKind {
    /// Separate worker processes isolated with Linux namespaces and seccomp.
    Linux,
    /// An in-process sandbox for other platforms.
    Generic,
}

impl SandboxKind {
    /// Whether this build offers the sandbox (none do yet: they come with the compiler backend).
    pub fn is_supported(self) -> bool {
        false
    }
}

impl fmt::Display for SandboxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SandboxKind::Linux => "linux",
            SandboxKind::Generic => "generic",
        })
    }
}

/// How sandbox workers are pinned to CPU cores (Linux sandbox only).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub enum CorePinning {
    #[default]
    PinToCore,
    PinToCcx,
    Disabled,
}

/// Engine-wide settings. [`Config::new`] gives the defaults without reading the environment;
/// [`Config::from_env`] also applies the `POLKAVM_*` / `KESTREL_*` environment variables.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) backend: Option<BackendKind>,
    pub(crate) sandbox: Option<SandboxKind>,
    pub(crate) crosscheck: bool,
    pub(crate) allow_experimental: bool,
    pub(crate) allow_dynamic_paging: bool,
    pub(crate) worker_count: usize,
    pub(crate) cache_enabled: bool,
    pub(crate) lru_cache_size: u32,
    pub(crate) sandboxing_enabled: bool,
    pub(crate) default_cost_model: Option<CostModelKind>,
    pub(crate) imperfect_logger_filtering_workaround: bool,
    pub(crate) core_pinning: CorePinning,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

/// One environment setting: its suffix after `POLKAVM_` / `KESTREL_`.
struct Var {
    name: String,
    value: OsString,
}

impl Var {
    fn text(&self, expected: &'static str) -> Result<&str, Error> {
        self.value.to_str().ok_or_else(|| self.invalid(expected))
    }

    #[cold]
    fn invalid(&self, expected: &'static str) -> Error {
        Error::from(ErrorKind::InvalidEnvironmentVariable {
            name: self.name.clone(),
            value: self.value.to_string_lossy().into_owned(),
            expected,
        })
    }

    fn bool(&self) -> Result<bool, Error> {
        const EXPECTED: &str = "must be either '1', 'true', '0' or 'false'";
        match self.text(EXPECTED)? {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            _ => Err(self.invalid(EXPECTED)),
        }
    }

    fn usize(&self) -> Result<usize, Error> {
        const EXPECTED: &str = "must be a non-negative integer";
        self.text(EXPECTED)?.parse().map_err(|_| self.invalid(EXPECTED))
    }
}

impl Config {
    /// The default configuration: automatic backend (the interpreter in this build), no
    /// experimental features, no dynamic paging, naive default cost model.
    pub fn new() -> Self {
        Config {
            backend: None,
            sandbox: None,
            crosscheck: false,
            allow_experimental: false,
            allow_dynamic_paging: false,
            worker_count: 2,
            cache_enabled: false,
            lru_cache_size: 0,
            sandboxing_enabled: true,
            default_cost_model: None,
            imperfect_logger_filtering_workaround: false,
            core_pinning: CorePinning::PinToCore,
        }
    }

    /// The defaults, then the environment: `POLKAVM_BACKEND`, `POLKAVM_SANDBOX`,
    /// `POLKAVM_CROSSCHECK`, `POLKAVM_ALLOW_EXPERIMENTAL`, `POLKAVM_WORKER_COUNT`,
    /// `POLKAVM_CACHE_ENABLED`, `POLKAVM_LRU_CACHE_SIZE`, `POLKAVM_SANDBOXING_ENABLED`,
    /// `POLKAVM_DEFAULT_COST_MODEL` and `POLKAVM_CORE_PINNING`. Each may also be spelled
    /// `KESTREL_*`, which takes precedence. A value that cannot be parsed is an error naming the
    /// variable.
    pub fn from_env() -> Result<Self, Error> {
        Config::from_lookup(|name| std::env::var_os(name))
    }

    /// Like [`Config::from_env`], but reads the variables from the given name/value pairs
    /// instead of the process environment (useful for configuration files and tests).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<OsString>,
    {
        let vars: Vec<(String, OsString)> = vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Config::from_lookup(|name| vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self, Error> {
        let get = |suffix: &str| -> Option<Var> {
            ["KESTREL_", "POLKAVM_"].iter().find_map(|prefix| {
                let name = format!("{prefix}{suffix}");
                lookup(&name).map(|value| Var { name, value })
            })
        };

        let mut config = Config::new();
        if let Some(var) = get("BACKEND") {
            const EXPECTED: &str = "supported values are: 'auto', 'interpreter', 'compiler'";
            config.backend = match var.text(EXPECTED)? {
                "auto" => None,
                "interpreter" => Some(BackendKind::Interpreter),
                "compiler" => Some(BackendKind::Compiler),
                _ => return Err(var.invalid(EXPECTED)),
            };
        }
        if let Some(var) = get("SANDBOX") {
            const EXPECTED: &str = "supported values are: 'auto', 'linux', 'generic'";
            config.sandbox = match var.text(EXPECTED)? {
                "auto" => None,
                "linux" => Some(SandboxKind::Linux),
                "generic" => Some(SandboxKind::Generic),
                _ => return Err(var.invalid(EXPECTED)),
            };
        }
        if let Some(var) = get("CROSSCHECK") {
            config.crosscheck = var.bool()?;
        }
        if let Some(var) = get("ALLOW_EXPERIMENTAL") {
            config.allow_experimental = var.bool()?;
        }
        if let Some(var) = get("WORKER_COUNT") {
            config.worker_count = var.usize()?;
        }
        if let Some(var) = get("CACHE_ENABLED") {
            config.cache_enabled = var.bool()?;
        }
        if let Some(var) = get("LRU_CACHE_SIZE") {
            config.lru_cache_size = u32::try_from(var.usize()?).unwrap_or(u32::MAX);
        }
        if let Some(var) = get("SANDBOXING_ENABLED") {
            config.sandboxing_enabled = var.bool()?;
        }
        if let Some(var) = get("DEFAULT_COST_MODEL") {
            config.default_cost_model = Some(cost_model_from_var(&var)?);
        }
        if let Some(var) = get("CORE_PINNING") {
            const EXPECTED: &str = "supported values are: 'pin_to_core', 'pin_to_ccx', 'disabled'";
            config.core_pinning = match var.text(EXPECTED)? {
                "pin_to_core" => CorePinning::PinToCore,
                "pin_to_ccx" => CorePinning::PinToCcx,
                "disabled" => CorePinning::Disabled,
                _ => return Err(var.invalid(EXPECTED)),
            };
        }
        Ok(config)
    }

    /// Forces a backend (`None` = automatic: the compiler where supported, else the
    /// interpreter). Env: `POLKAVM_BACKEND` (`auto`, `compiler`, `interpreter`).
    pub fn set_backend(&mut self, backend: Option<BackendKind>) -> &mut Self {
        self.backend = backend;
        self
    }

    pub fn backend(&self) -> Option<BackendKind> {
        self.backend
    }

    /// Forces a sandbox for the compiler backend (`None` = automatic). Env: `POLKAVM_SANDBOX`.
    pub fn set_sandbox(&mut self, sandbox: Option<SandboxKind>) -> &mut Self {
        self.sandbox = sandbox;
        self
    }

    pub fn sandbox(&self) -> Option<SandboxKind> {
        self.sandbox
    }

    /// Runs the interpreter alongside the compiler and compares them (needs
    /// `allow_experimental`; no effect with the interpreter backend). Env: `POLKAVM_CROSSCHECK`.
    pub fn set_crosscheck(&mut self, value: bool) -> &mut Self {
        self.crosscheck = value;
        self
    }

    pub fn crosscheck(&self) -> bool {
        self.crosscheck
    }

    /// Allows experimental settings. Env: `POLKAVM_ALLOW_EXPERIMENTAL`.
    pub fn set_allow_experimental(&mut self, value: bool) -> &mut Self {
        self.allow_experimental = value;
        self
    }

    /// Idle sandbox workers kept per core (compiler backend only). Env: `POLKAVM_WORKER_COUNT`.
    pub fn set_worker_count(&mut self, value: usize) -> &mut Self {
        self.worker_count = value;
        self
    }

    pub fn worker_count(&self) -> usize {
        self.worker_count
    }

    /// Must be `true` for modules with dynamic paging.
    pub fn set_allow_dynamic_paging(&mut self, value: bool) -> &mut Self {
        self.allow_dynamic_paging = value;
        self
    }

    pub fn allow_dynamic_paging(&self) -> bool {
        self.allow_dynamic_paging
    }

    /// Module caching (`api.md` §11): [`crate::Module::from_blob`] returns the existing module
    /// for an equal key and [`crate::Module::from_cache`] finds it. Needs the cargo feature
    /// `module-cache`; without it, enabling only logs a warning. Env: `POLKAVM_CACHE_ENABLED`.
    pub fn set_cache_enabled(&mut self, value: bool) -> &mut Self {
        self.cache_enabled = value;
        self
    }

    pub fn cache_enabled(&self) -> bool {
        self.cache_enabled
    }

    /// How many dropped modules the module cache keeps for revival, least recently dropped
    /// evicted first (0 = a module is forgotten when its last handle is dropped).
    /// Env: `POLKAVM_LRU_CACHE_SIZE`.
    pub fn set_lru_cache_size(&mut self, value: u32) -> &mut Self {
        self.lru_cache_size = value;
        self
    }

    pub fn lru_cache_size(&self) -> u32 {
        self.lru_cache_size
    }

    /// Security sandboxing of compiler workers (disabling needs `allow_experimental`).
    /// Env: `POLKAVM_SANDBOXING_ENABLED`.
    pub fn set_sandboxing_enabled(&mut self, value: bool) -> &mut Self {
        self.sandboxing_enabled = value;
        self
    }

    pub fn sandboxing_enabled(&self) -> bool {
        self.sandboxing_enabled
    }

    /// The cost model of modules that do not choose one (`None` = naive). A `Simple` model needs
    /// `allow_experimental`. Env: `POLKAVM_DEFAULT_COST_MODEL` (`naive`, `full-l1-hit`,
    /// `full-l2-hit`, `full-l3-hit`, or the path of a serialized `CostModel`).
    pub fn set_default_cost_model(&mut self, cost_model: Option<CostModelKind>) -> &mut Self {
        self.default_cost_model = cost_model;
        self
    }

    pub fn default_cost_model(&self) -> Option<&CostModelKind> {
        self.default_cost_model.as_ref()
    }

    /// Kept for API compatibility; has no effect on Kestrel's interpreter.
    pub fn set_imperfect_logger_filtering_workaround(&mut self, value: bool) -> &mut Self {
        self.imperfect_logger_filtering_workaround = value;
        self
    }

    pub fn imperfect_logger_filtering_workaround(&self) -> bool {
        self.imperfect_logger_filtering_workaround
    }

    /// CPU pinning of sandbox workers. Env: `POLKAVM_CORE_PINNING`.
    pub fn set_core_pinning(&mut self, core_pinning: CorePinning) -> &mut Self {
        self.core_pinning = core_pinning;
        self
    }

    pub fn core_pinning(&self) -> CorePinning {
        self.core_pinning
    }
}

fn cost_model_from_var(var: &Var) -> Result<CostModelKind, Error> {
    const EXPECTED: &str = "expected 'naive', 'full-l1-hit', 'full-l2-hit', 'full-l3-hit' or a file path";
    let text = var.text(EXPECTED)?;
    Ok(match text {
        "naive" => CostModelKind::Simple(CostModelRef::naive()),
        "full-l1-hit" => CostModelKind::Full(CacheModel::L1_HIT),
        "full-l2-hit" => CostModelKind::Full(CacheModel::L2_HIT),
        "full-l3-hit" => CostModelKind::Full(CacheModel::L3_HIT),
        path => {
            let failure = |reason: String| {
                Error::from(ErrorKind::CostModelFile { name: var.name.clone(), path: path.to_owned(), reason })
            };
            let bytes = std::fs::read(path).map_err(|error| failure(error.to_string()))?;
            let model = CostModel::deserialize(&bytes).map_err(|error| failure(error.to_string()))?;
            CostModelKind::Simple(CostModelRef::from(Arc::new(model)))
        }
    })
}
