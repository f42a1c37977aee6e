//! DOOM on polkavm 0.37's interpreter backend: the baseline.

use polkavm::{BackendKind, Caller, Config, Engine, Instance, InstancePre, Linker, Module, ModuleConfig};

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

fn linker() -> Result<Linker<Host, String>, String> {
    let mut linker: Linker<Host, String> = Linker::new();
    let e = |error: polkavm::Error| error.to_string();
    linker.define_typed("ext_rom_size", |caller: Caller<Host>| -> u32 { caller.user_data.rom_size() }).map_err(e)?;
    linker
        .define_typed("ext_rom_read", |caller: Caller<Host>, dst: u32, offset: u32, len: u32| -> Result<(), String> {
            let data = caller.user_data.rom_slice(offset, len)?;
            caller.instance.write_memory(dst, data).map_err(|error| error.to_string())
        })
        .map_err(e)?;
    linker
        .define_typed(
            "ext_output_video",
            |caller: Caller<Host>, ptr: u32, width: u32, height: u32| -> Result<(), String> {
                let frame = caller.user_data.frame_buffer(width, height)?;
                caller.instance.read_memory_into(ptr, frame).map_err(|error| error.to_string())?;
                Ok(())
            },
        )
        .map_err(e)?;
    linker.define_typed("ext_output_audio", |_ptr: u32, _samples: u32| {}).map_err(e)?;
    linker
        .define_typed("ext_stdout", |caller: Caller<Host>, ptr: u32, len: u32| -> Result<i32, String> {
            let bytes = caller.instance.read_memory(ptr, len).map_err(|error| error.to_string())?;
            caller.user_data.stdout.extend_from_slice(&bytes);
            Ok(len as i32)
        })
        .map_err(e)?;
    Ok(linker)
}

impl PolkavmDoom {
    /// Creates the engine, compiles the module and links the host functions.
    pub fn compile(bytes: &[u8]) -> Result<PolkavmDoom, String> {
        let engine = engine()?;
        let mut module_config = ModuleConfig::new();
        module_config.set_page_size(0x4000);
        let module =
            Module::new(&engine, &module_config, polkavm::ArcBytes::from(bytes)).map_err(|error| error.to_string())?;
        let pre = linker()?.instantiate_pre(&module).map_err(|error| error.to_string())?;
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
