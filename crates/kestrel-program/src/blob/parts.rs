//! Building a blob from its parts, without hand-writing container bytes.

use alloc::vec::Vec;

use super::error::ParseError;
use super::writer::{Sections, entry_size_to_write};
use crate::isa::InstructionSetKind;
use crate::memory_map::{VM_MAXIMUM_CODE_SIZE, VM_MAXIMUM_IMPORT_COUNT, VM_MAXIMUM_JUMP_TABLE_ENTRIES};

/// The parts of a program, for hosts that have them separately (e.g. a conformance runner).
///
/// [`crate::ProgramBlob::from_parts`] writes them out as a container and parses that, so the result
/// behaves exactly like a parsed `.polkavm` file. Unlike PolkaVM's writer, a non-empty jump table
/// always gets an entry size of at least 1, so entries that are all 0 survive (see quirk Q6).
/// The bitmask is ignored for Latest64.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct ProgramParts {
    pub isa: InstructionSetKind,
    pub ro_data_size: u32,
    pub rw_data_size: u32,
    pub stack_size: u32,
    pub ro_data: Vec<u8>,
    pub rw_data: Vec<u8>,
    /// Import names, in `ecalli` index order.
    pub imports: Vec<Vec<u8>>,
    /// `(pc, name)` pairs.
    pub exports: Vec<(u32, Vec<u8>)>,
    /// Jump-table entries (code offsets).
    pub jump_table: Vec<u32>,
    pub code: Vec<u8>,
    pub bitmask: Vec<u8>,
}

impl ProgramParts {
    /// Empty parts for `isa`: no data, no imports/exports, no code.
    pub fn new(isa: InstructionSetKind) -> Self {
        ProgramParts {
            isa,
            ro_data_size: 0,
            rw_data_size: 0,
            stack_size: 0,
            ro_data: Vec::new(),
            rw_data: Vec::new(),
            imports: Vec::new(),
            exports: Vec::new(),
            jump_table: Vec::new(),
            code: Vec::new(),
            bitmask: Vec::new(),
        }
    }

    /// Writes the parts as a `.polkavm` container (sections only where non-empty, like PolkaVM's
    /// writer). Limits that the container cannot even express are reported with the parse error
    /// that the container would produce, in the parser's order.
    pub fn to_container(&self) -> Result<Vec<u8>, ParseError> {
        if self.imports.len() > VM_MAXIMUM_IMPORT_COUNT as usize {
            return Err(ParseError::TooManyImports);
        }
        if self.ro_data.len() > self.ro_data_size as usize {
            return Err(ParseError::RoDataTooLarge);
        }
        if self.rw_data.len() > self.rw_data_size as usize {
            return Err(ParseError::RwDataTooLarge);
        }
        if self.jump_table.len() > VM_MAXIMUM_JUMP_TABLE_ENTRIES as usize {
            return Err(ParseError::JumpTableSectionTooLong);
        }
        if self.code.len() > VM_MAXIMUM_CODE_SIZE as usize {
            return Err(ParseError::CodeSectionTooLong);
        }

        // A non-empty jump table gets entries of at least one byte, so all-zero entries survive.
        let jump_table_entry_size = entry_size_to_write(&self.jump_table, true);
        let exports: Vec<(u32, &[u8])> = self.exports.iter().map(|(pc, name)| (*pc, &name[..])).collect();
        let sections = Sections {
            isa: self.isa,
            ro_data_size: self.ro_data_size,
            rw_data_size: self.rw_data_size,
            stack_size: self.stack_size,
            ro_data: &self.ro_data,
            rw_data: &self.rw_data,
            imports: &self.imports,
            exports: &exports,
            jump_table: &self.jump_table,
            jump_table_entry_size,
            code: &self.code,
            bitmask: &self.bitmask,
            custom_sections: &[],
        };
        sections.write().map_err(|_| ParseError::PartTooLarge)
    }
}
