//! The `.polkavm` container and raw JAM code blobs (`blob-format.md`). Owner: container helper.
//!
//! CONTRACT (other modules rely on these signatures):
//! - `ProgramBlob::parse(ArcBytes) -> Result<ProgramBlob, ParseError>`
//! - `ProgramBlob::from_raw_jam_code(InstructionSetKind, ArcBytes) -> Result<ProgramBlob, ParseError>`
//! - accessors: `isa()`, `ro_data_size()`, `rw_data_size()`, `stack_size()` (u32), `ro_data()`,
//!   `rw_data()`, `code()`, `bitmask()` (&[u8]), `jump_table() -> JumpTable<'_>`,
//!   `imports() -> Imports<'_>`, `exports() -> Exports<'_>` (iterator of `Export { pc: u32, name: &[u8] }`),
//!   `metadata_hash()`, `debug_strings()`, ... (&[u8]), `code_view() -> crate::decode::Code<'_>`.
//! - `JumpTable::{len() -> u32, get(index: u32) -> Option<u32>, iter()}`

use crate::bytes::ArcBytes;
use crate::isa::InstructionSetKind;

/// Why a blob could not be parsed.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ParseError {
    #[error("blob doesn't start with the expected magic bytes")]
    BadMagic,
}

/// A parsed program blob.
#[derive(Clone, Debug)]
pub struct ProgramBlob {
    isa: InstructionSetKind,
    bytes: ArcBytes,
}

impl ProgramBlob {
    /// Parses a `.polkavm` blob.
    pub fn parse(bytes: ArcBytes) -> Result<ProgramBlob, ParseError> {
        let _ = bytes;
        Err(ParseError::BadMagic)
    }

    /// The blob's instruction set.
    pub fn isa(&self) -> InstructionSetKind {
        self.isa
    }

    /// The blob's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}
