//! `Config` defaults and environment variables (`api.md` §2).

use kestrel::{BackendKind, Config, CorePinning, CostModel, CostModelKind, ErrorKind, SandboxKind};

#[test]
fn defaults() {
    let config = Config::new();
    assert_eq!(config.backend(), None);
    assert_eq!(config.sandbox(), None);
    assert!(!config.crosscheck());
    assert!(!config.allow_dynamic_paging());
    assert_eq!(config.worker_count(), 2);
    assert!(!config.cache_enabled());
    assert_eq!(config.lru_cache_size(), 0);
    assert!(config.sandboxing_enabled());
    assert!(config.default_cost_model().is_none());
    assert_eq!(config.core_pinning(), CorePinning::PinToCore);
    let from_nothing = Config::from_vars(Vec::<(String, String)>::new()).unwrap();
    assert_eq!(format!("{from_nothing:?}"), format!("{config:?}"));
}

#[test]
fn polkavm_variables() {
    let config = Config::from_vars([
        ("POLKAVM_BACKEND", "interpreter"),
        ("POLKAVM_SANDBOX", "generic"),
        ("POLKAVM_CROSSCHECK", "true"),
        ("POLKAVM_ALLOW_EXPERIMENTAL", "1"),
        ("POLKAVM_WORKER_COUNT", "7"),
        ("POLKAVM_CACHE_ENABLED", "0"),
        ("POLKAVM_LRU_CACHE_SIZE", "99999999999"),
        ("POLKAVM_SANDBOXING_ENABLED", "false"),
        ("POLKAVM_DEFAULT_COST_MODEL", "naive"),
        ("POLKAVM_CORE_PINNING", "disabled"),
    ])
    .unwrap();
    assert_eq!(config.backend(), Some(BackendKind::Interpreter));
    assert_eq!(config.sandbox(), Some(SandboxKind::Generic));
    assert!(config.crosscheck());
    assert_eq!(config.worker_count(), 7);
    assert!(!config.cache_enabled());
    assert_eq!(config.lru_cache_size(), u32::MAX, "clamped");
    assert!(!config.sandboxing_enabled());
    assert!(config.default_cost_model().unwrap().is_naive());
    assert_eq!(config.core_pinning(), CorePinning::Disabled);
    // allow_experimental was read too: the experimental settings are accepted.
    assert!(kestrel::Engine::new(&config).is_ok());

    let config = Config::from_vars([("POLKAVM_BACKEND", "auto")]).unwrap();
    assert_eq!(config.backend(), None);
    let config = Config::from_vars([("POLKAVM_DEFAULT_COST_MODEL", "full-l2-hit")]).unwrap();
    assert!(matches!(config.default_cost_model(), Some(CostModelKind::Full(model)) if model.memory_access_cost == 25));
}

#[test]
fn kestrel_aliases_take_precedence() {
    let config = Config::from_vars([("POLKAVM_WORKER_COUNT", "3"), ("KESTREL_WORKER_COUNT", "5")]).unwrap();
    assert_eq!(config.worker_count(), 5);
    let config = Config::from_vars([("KESTREL_BACKEND", "compiler"), ("POLKAVM_BACKEND", "interpreter")]).unwrap();
    assert_eq!(config.backend(), Some(BackendKind::Compiler));
    // The alias is validated even if the polkavm name is fine, and the error names it.
    let error = Config::from_vars([("KESTREL_CROSSCHECK", "yes"), ("POLKAVM_CROSSCHECK", "1")]).unwrap_err();
    assert!(error.to_string().contains("KESTREL_CROSSCHECK"), "{error}");
}

#[test]
fn unparsable_values_name_the_variable() {
    for (name, value) in [
        ("POLKAVM_BACKEND", "jit"),
        ("POLKAVM_SANDBOX", "none"),
        ("POLKAVM_CROSSCHECK", "maybe"),
        ("POLKAVM_ALLOW_EXPERIMENTAL", "2"),
        ("POLKAVM_WORKER_COUNT", "-1"),
        ("POLKAVM_LRU_CACHE_SIZE", "lots"),
        ("POLKAVM_CACHE_ENABLED", ""),
        ("POLKAVM_SANDBOXING_ENABLED", "no"),
        ("POLKAVM_CORE_PINNING", "pin"),
    ] {
        let error = Config::from_vars([(name, value)]).unwrap_err();
        match error.kind() {
            ErrorKind::InvalidEnvironmentVariable { name: reported, value: reported_value, .. } => {
                assert_eq!((reported.as_str(), reported_value.as_str()), (name, value));
            }
            kind => panic!("unexpected error kind {kind:?}"),
        }
        assert!(error.to_string().starts_with(&format!("invalid value of {name}")), "{error}");
    }
}

#[test]
fn cost_model_from_a_file() {
    let mut model = CostModel::naive();
    model.set_cost(kestrel::program::Opcode::Ecalli, 33);
    let path = std::env::temp_dir().join(format!("kestrel-cost-model-{}.bin", std::process::id()));
    std::fs::write(&path, model.serialize()).unwrap();
    let config = Config::from_vars([("POLKAVM_DEFAULT_COST_MODEL", path.to_str().unwrap())]).unwrap();
    std::fs::remove_file(&path).unwrap();
    match config.default_cost_model() {
        Some(CostModelKind::Simple(loaded)) => {
            assert!(!loaded.is_naive());
            assert_eq!(**loaded, model);
        }
        other => panic!("unexpected {other:?}"),
    }

    let error = Config::from_vars([("POLKAVM_DEFAULT_COST_MODEL", "/nonexistent/model.bin")]).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::CostModelFile { name, .. } if name == "POLKAVM_DEFAULT_COST_MODEL"));
    assert!(error.to_string().starts_with("failed to read gas cost model from \"/nonexistent/model.bin\""));
}

#[test]
fn from_env_reads_the_process_environment() {
    // The test harness does not set these variables; `from_env` must then equal the defaults
    // unless the developer's shell sets them.
    let set = std::env::vars().any(|(name, _)| name.starts_with("POLKAVM_") || name.starts_with("KESTREL_"));
    if !set {
        let config = Config::from_env().unwrap();
        assert_eq!(format!("{config:?}"), format!("{:?}", Config::new()));
    }
}
