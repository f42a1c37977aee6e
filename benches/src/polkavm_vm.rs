//! DOOM on polkavm 0.37's interpreter backend: the baseline.

use kestrel_test_support::doom::polkavm_linker;
use polkavm::{BackendKind, Config, Engine, Instance, InstancePre, Module, ModuleConfig};

use crate::host::Host;

/// The engine, compiled module and pre-linked instance factory.
pub struct PolkavmDoom {
    pre: InstancePre<Host, String>,
}

/// A running instance.
pub struct PolkavmInstance {
    instance: Instance<Host, String>,
}

fn engine() -> Result<Engine, String> {
    let mut config = Config::new();
    config.set_backend(Some(BackendKind::Interpreter));
    Engine::new(&config).map_err(|error| error.to_string())
}

impl PolkavmDoom {
    /// Creates the engine, compiles the module and links the host functions.
    pub fn compile(bytes: &[u8]) -> Result<PolkavmDoom, String> {
        let engine = engine()?;
        let mut module_config = ModuleConfig::new();
        module_config.set_page_size(0x4000);
        let module =
            Module::new(&engine, &module_config, polkavm::ArcBytes::from(bytes)).map_err(|error| error.to_string())?;
        let pre =
            polkavm_linker().and_then(|linker| linker.instantiate_pre(&module)).map_err(|error| error.to_string())?;
        Ok(PolkavmDoom { pre })
    }

    pub fn instantiate(&self) -> Result<PolkavmInstance, String> {
        Ok(PolkavmInstance { instance: self.pre.instantiate().map_err(|error| error.to_string())? })
    }

    pub fn initialize(&self, instance: &mut PolkavmInstance, host: &mut Host) -> Result<(), String> {
        instance
            .instance
            .call_typed_and_get_result::<(), ()>(host, "ext_initialize", ())
            .map_err(|error| format!("{error:?}"))
    }

    pub fn tick(&self, instance: &mut PolkavmInstance, host: &mut Host) -> Result<(), String> {
        instance
            .instance
            .call_typed_and_get_result::<(), ()>(host, "ext_tick", ())
            .map_err(|error| format!("{error:?}"))
    }
}
