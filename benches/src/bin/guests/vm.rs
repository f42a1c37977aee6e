//! The two VMs behind one small interface: compile, instantiate, call an export with one argument.

use std::fmt;

/// Which backend of each VM a pair compares.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Pair {
    Interpreter,
    Jit,
}

impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pair::Interpreter => "interpreter",
            Pair::Jit => "jit",
        })
    }
}

/// One VM: its compiled modules and instances are opaque to the harness.
pub trait Vm {
    type Module;
    type Instance;
    fn compile(&self, bytes: &[u8]) -> Result<Self::Module, String>;
    fn instantiate(&self, module: &Self::Module) -> Result<Self::Instance, String>;
    /// The program counter of an export.
    fn export(&self, module: &Self::Module, name: &str) -> Result<u32, String>;
    /// Calls the export at `pc` with one argument and returns a0.
    fn call(&self, instance: &mut Self::Instance, pc: u32, argument: u64) -> Result<u64, String>;
}

pub struct Kestrel {
    engine: kestrel::Engine,
    linker: kestrel::Linker,
}

impl Kestrel {
    pub fn new(pair: Pair) -> Result<Kestrel, String> {
        let mut config = kestrel::Config::new();
        config.set_backend(Some(match pair {
            Pair::Interpreter => kestrel::BackendKind::Interpreter,
            Pair::Jit => kestrel::BackendKind::Compiler,
        }));
        let engine = kestrel::Engine::new(&config).map_err(|error| error.to_string())?;
        let mut linker = kestrel::Linker::new();
        linker.define_typed("host_nop", |x: u64| -> u64 { x.wrapping_add(1) }).map_err(|error| error.to_string())?;
        Ok(Kestrel { engine, linker })
    }
}

impl Vm for Kestrel {
    type Module = kestrel::InstancePre<()>;
    type Instance = kestrel::Instance<()>;

    fn compile(&self, bytes: &[u8]) -> Result<Self::Module, String> {
        let module = kestrel::Module::new(&self.engine, &kestrel::ModuleConfig::new(), bytes.to_vec().into())
            .map_err(|error| error.to_string())?;
        self.linker.instantiate_pre(&module).map_err(|error| error.to_string())
    }

    fn instantiate(&self, module: &Self::Module) -> Result<Self::Instance, String> {
        module.instantiate().map_err(|error| error.to_string())
    }

    fn export(&self, module: &Self::Module, name: &str) -> Result<u32, String> {
        module
            .module()
            .exports()
            .find(|export| export.symbol().as_bytes() == name.as_bytes())
            .map(|export| export.program_counter().0)
            .ok_or_else(|| format!("no export {name}"))
    }

    fn call(&self, instance: &mut Self::Instance, pc: u32, argument: u64) -> Result<u64, String> {
        instance
            .call_typed_and_get_result::<u64>(&mut (), kestrel::ProgramCounter(pc), (argument,))
            .map_err(|error| error.to_string())
    }
}

pub struct Polkavm {
    engine: polkavm::Engine,
    linker: polkavm::Linker,
}

impl Polkavm {
    pub fn new(pair: Pair) -> Result<Polkavm, String> {
        let mut config = polkavm::Config::new();
        config.set_backend(Some(match pair {
            Pair::Interpreter => polkavm::BackendKind::Interpreter,
            Pair::Jit => polkavm::BackendKind::Compiler,
        }));
        let engine = polkavm::Engine::new(&config).map_err(|error| error.to_string())?;
        let mut linker = polkavm::Linker::new();
        linker.define_typed("host_nop", |x: u64| -> u64 { x.wrapping_add(1) }).map_err(|error| error.to_string())?;
        Ok(Polkavm { engine, linker })
    }
}

impl Vm for Polkavm {
    type Module = polkavm::InstancePre<()>;
    type Instance = polkavm::Instance<()>;

    fn compile(&self, bytes: &[u8]) -> Result<Self::Module, String> {
        let module = polkavm::Module::new(&self.engine, &polkavm::ModuleConfig::new(), polkavm::ArcBytes::from(bytes))
            .map_err(|error| error.to_string())?;
        self.linker.instantiate_pre(&module).map_err(|error| error.to_string())
    }

    fn instantiate(&self, module: &Self::Module) -> Result<Self::Instance, String> {
        module.instantiate().map_err(|error| error.to_string())
    }

    fn export(&self, module: &Self::Module, name: &str) -> Result<u32, String> {
        module
            .module()
            .exports()
            .find(|export| export.symbol().as_bytes() == name.as_bytes())
            .map(|export| export.program_counter().0)
            .ok_or_else(|| format!("no export {name}"))
    }

    fn call(&self, instance: &mut Self::Instance, pc: u32, argument: u64) -> Result<u64, String> {
        instance
            .call_typed_and_get_result::<u64, (u64,)>(&mut (), polkavm::ProgramCounter(pc), (argument,))
            .map_err(|error| format!("{error:?}"))
    }
}
