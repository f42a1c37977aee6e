//! # kestrel
//!
//! Run PolkaVM programs. This crate is the API embedders use; it wires the program layer
//! (`kestrel-program`: parsing, decoding, memory maps, cost models) to an execution backend
//! (currently the interpreter, `kestrel-interpreter`) and behaves like polkavm 0.37's API.
//!
//! * [`Config`] → [`Engine`]: engine-wide settings and backend selection.
//! * [`ModuleConfig`] + program bytes → [`Module`]: a validated, compiled program (cheap to clone).
//! * [`Module::instantiate`] → [`RawInstance`]: registers, gas, memory, [`RawInstance::run`]
//!   returning an [`InterruptKind`].
//! * [`Linker`] → [`InstancePre`] → [`Instance`]: typed host functions and typed calls.
//! * [`conformance`]: the JAM PVM test-vector runner behind `kestrel conformance`.
//!
//! See `docs/api.md` in the repository for a guide.
//!
//! ```
//! use kestrel::{Config, Engine, Linker, Module, ModuleConfig, ProgramBlob};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata/blobs/example-hello-world.polkavm");
//! # let Ok(bytes) = std::fs::read(path) else { return Ok(()) };
//! let engine = Engine::new(&Config::new())?;
//! let module = Module::new(&engine, &ModuleConfig::new(), bytes.into())?;
//! let mut linker: Linker = Linker::new();
//! linker.define_typed("get_third_number", || -> u32 { 100 })?;
//! let mut instance = linker.instantiate_pre(&module)?.instantiate()?;
//! let sum: u32 = instance.call_typed_and_get_result(&mut (), "add_numbers", (1u32, 10u32))?;
//! assert_eq!(sum, 111);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod abi;
mod config;
pub mod conformance;
mod engine;
mod error;
mod gas;
mod instance;
mod interpreter;
mod linker;
mod module;
#[cfg(feature = "module-cache")]
mod module_cache;
mod module_config;
mod types;

pub use abi::{AbiTy, FuncArgs, FuncResult, ReturnTy};
#[doc(hidden)]
pub use abi::{RegReader, RegWriter};
pub use config::{BackendKind, Config, CorePinning, SandboxKind};
pub use engine::Engine;
pub use error::{CompileError, Error, ErrorKind, ExperimentalFeature, MemoryAccessError, StrictError, ValidationError};
pub use gas::{CacheModel, CostModelKind, CostModelRef, GasMeteringKind};
pub use instance::{RawInstance, SetCacheSizeLimitArgs};
pub use linker::{
    CallError, Caller, EntryPoint, HostFunction, Instance, InstancePre, Linker, WithCaller, WithoutCaller,
};
pub use module::Module;
pub use module_config::ModuleConfig;
pub use types::{
    Gas, InterruptKind, MemoryProtection, ProgramCounter, ProgramExport, ProgramSymbol, RETURN_TO_HOST, RegValue,
    Segfault,
};

pub use kestrel_program::cost::{Cost, CostModel};
pub use kestrel_program::{
    ArcBytes, Imports, InstructionSetKind, MemoryMap, MemoryMapBuilder, ParseError as ProgramParseError, ProgramBlob,
    ProgramParts, Reg,
};

/// The program layer: blob format, instructions, decoding, builder, assembler, disassembler.
pub use kestrel_program as program;

// The user guide's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/api.md")]
mod user_guide {}

// Thread safety as promised by the API (`api.md`): checked at compile time.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Config>();
    assert_send_sync::<Engine>();
    assert_send_sync::<Error>();
    assert_send_sync::<CompileError>();
    assert_send_sync::<MemoryAccessError>();
    assert_send_sync::<Module>();
    assert_send_sync::<ModuleConfig>();
    assert_send_sync::<ProgramBlob>();
    assert_send_sync::<RawInstance>();
    assert_send_sync::<Linker<(), ()>>();
    assert_send_sync::<InstancePre<(), ()>>();
    assert_send_sync::<Instance<(), ()>>();
};
