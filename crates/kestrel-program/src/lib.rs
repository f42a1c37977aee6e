//! # kestrel-program
//!
//! Everything Kestrel knows about the bytes of a PolkaVM program: the `.polkavm` container for all
//! four instruction sets and raw JAM code blobs ([`blob`]), instruction decoding with the basic-block
//! and jump-target rules ([`decode`]), the single opcode table ([`opcode`]), encoding and the blob
//! builder ([`encode`], [`builder`]), the text assembler ([`asm`]) and disassembler ([`disasm`]),
//! the guest memory map ([`memory_map`]), and the run-time types every backend reports in
//! ([`interrupt`]).
//!
//! The crate is `no_std` + `alloc` and contains no `unsafe`. Every input is treated as hostile:
//! malformed blobs produce typed errors, never panics.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod asm;
pub mod blob;
pub mod builder;
pub mod bytes;
pub mod cost;
pub mod decode;
pub mod disasm;
pub mod encode;
pub mod instruction;
pub mod interrupt;
pub mod isa;
pub mod memory_map;
pub mod opcode;
pub mod reg;
pub mod varint;

pub use asm::{AssembleError, assemble};
pub use blob::{Export, Exports, Imports, JumpTable, ProgramParts};
pub use blob::{ParseError, ProgramBlob};
pub use builder::{BuildError, ProgramBlobBuilder};
pub use bytes::ArcBytes;
pub use decode::{Code, JumpTargets};
pub use disasm::{AssemblySource, InstructionFormat, to_assembly};
pub use encode::EncodeError;
pub use instruction::{Args, Instruction, ParsedInstruction};
pub use interrupt::{GasMeteringKind, InterruptKind, MemoryProtection, Segfault};
pub use isa::InstructionSetKind;
pub use memory_map::{MemoryMap, MemoryMapBuilder, MemoryMapError};
pub use opcode::{Control, Format, Opcode};
pub use reg::Reg;
