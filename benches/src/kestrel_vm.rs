//! DOOM on Kestrel's interpreter, driven through `kestrel-interpreter` directly.

use kestrel_interpreter::{Instance, InterruptKind, Module, ModuleConfig};
use kestrel_program::{ArcBytes, ProgramBlob};

use crate::host::Host;

/// A compiled module plus what the host needs to call into it.
pub struct KestrelDoom {
    module: Module,
    imports: Vec<Vec<u8>>,
    initialize: u32,
    tick: u32,
}

/// A running instance.
pub struct KestrelInstance {
    instance: Instance,
}

fn export_pc(blob: &ProgramBlob, name: &str) -> Result<u32, String> {
    blob.exports()
        .find(|export| export.name == name.as_bytes())
        .map(|export| export.pc)
        .ok_or_else(|| format!("export {name} not found"))
}

impl KestrelDoom {
    /// Parses and compiles the blob (the "compile" phase).
    pub fn compile(bytes: &[u8]) -> Result<KestrelDoom, String> {
        let blob = ProgramBlob::parse(ArcBytes::from(bytes)).map_err(|error| error.to_string())?;
        let config = ModuleConfig { page_size: 0x4000, ..ModuleConfig::default() };
        let module = Module::from_blob(&config, &blob).map_err(|error| error.to_string())?;
        let imports = blob.imports().iter().map(|name| name.unwrap_or_default().to_vec()).collect();
        Ok(KestrelDoom {
            module,
            imports,
            initialize: export_pc(&blob, "ext_initialize")?,
            tick: export_pc(&blob, "ext_tick")?,
        })
    }

    #[cfg(feature = "op-profile")]
    pub fn op_profile_report(&self) -> String {
        self.module.op_profile_report()
    }

    pub fn instantiate(&self) -> KestrelInstance {
        KestrelInstance { instance: self.module.instantiate() }
    }

    pub fn initialize(&self, instance: &mut KestrelInstance, host: &mut Host) -> Result<(), String> {
        self.call(instance, host, self.initialize)
    }

    pub fn tick(&self, instance: &mut KestrelInstance, host: &mut Host) -> Result<(), String> {
        self.call(instance, host, self.tick)
    }

    fn call(&self, instance: &mut KestrelInstance, host: &mut Host, pc: u32) -> Result<(), String> {
        let instance = &mut instance.instance;
        instance.prepare_call_untyped(pc, &[]).map_err(|error| error.to_string())?;
        loop {
            match instance.run().map_err(|error| error.to_string())? {
                InterruptKind::Finished => return Ok(()),
                InterruptKind::Ecalli(number) => {
                    let name = self.imports.get(number as usize).map(Vec::as_slice).unwrap_or_default();
                    host.call_import(name, instance)?;
                }
                other => {
                    return Err(format!("unexpected interrupt {other:?} at pc {:?}", instance.program_counter()));
                }
            }
        }
    }
}
