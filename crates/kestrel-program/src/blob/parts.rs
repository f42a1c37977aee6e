//! Building a blob from its parts, without hand-writing container bytes.

use alloc::vec::Vec;

use super::error::ParseError;
use super::sections::{
    BLOB_HEADER_SIZE, BLOB_LENGTH_OFFSET, BLOB_MAGIC, SECTION_CODE_AND_JUMP_TABLE, SECTION_END_OF_FILE,
    SECTION_EXPORTS, SECTION_IMPORTS, SECTION_MEMORY_CONFIG, SECTION_RO_DATA, SECTION_RW_DATA,
};
use crate::isa::InstructionSetKind;
use crate::memory_map::{VM_MAXIMUM_CODE_SIZE, VM_MAXIMUM_IMPORT_COUNT, VM_MAXIMUM_JUMP_TABLE_ENTRIES};
use crate::varint::write_varint;

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

fn length_u32(length: usize) -> Result<u32, ParseError> {
    u32::try_from(length).map_err(|_| ParseError::PartTooLarge)
}

fn write_section(out: &mut Vec<u8>, id: u8, payload: &[u8]) -> Result<(), ParseError> {
    out.push(id);
    write_varint(length_u32(payload.len())?, out);
    out.extend_from_slice(payload);
    Ok(())
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

    /// The code-and-jump-table payload (section 6) for these parts.
    fn code_payload(&self) -> Result<Vec<u8>, ParseError> {
        let max_entry = self.jump_table.iter().copied().max().unwrap_or(0);
        let entry_size = if self.jump_table.is_empty() { 0 } else { (4 - max_entry.leading_zeros() / 8).max(1) };
        let mut out = Vec::new();
        write_varint(length_u32(self.jump_table.len())?, &mut out);
        out.push(entry_size as u8);
        if !self.isa.is_extended() {
            write_varint(length_u32(self.code.len())?, &mut out);
        }
        for entry in &self.jump_table {
            out.extend_from_slice(&entry.to_le_bytes()[..entry_size as usize]);
        }
        out.extend_from_slice(&self.code);
        if !self.isa.is_extended() {
            out.extend_from_slice(&self.bitmask);
        }
        Ok(out)
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

        let mut out = Vec::new();
        out.extend_from_slice(&BLOB_MAGIC);
        out.push(self.isa.version_byte());
        out.extend_from_slice(&[0; 8]);

        if (self.ro_data_size, self.rw_data_size, self.stack_size) != (0, 0, 0) {
            let mut payload = Vec::new();
            for size in [self.ro_data_size, self.rw_data_size, self.stack_size] {
                write_varint(size, &mut payload);
            }
            write_section(&mut out, SECTION_MEMORY_CONFIG, &payload)?;
        }
        if !self.ro_data.is_empty() {
            write_section(&mut out, SECTION_RO_DATA, &self.ro_data)?;
        }
        if !self.rw_data.is_empty() {
            write_section(&mut out, SECTION_RW_DATA, &self.rw_data)?;
        }
        if !self.imports.is_empty() {
            let mut payload = Vec::new();
            write_varint(length_u32(self.imports.len())?, &mut payload);
            let mut offset = 0u32;
            for name in &self.imports {
                payload.extend_from_slice(&offset.to_le_bytes());
                offset = offset.checked_add(length_u32(name.len())?).ok_or(ParseError::PartTooLarge)?;
            }
            for name in &self.imports {
                payload.extend_from_slice(name);
            }
            write_section(&mut out, SECTION_IMPORTS, &payload)?;
        }
        if !self.exports.is_empty() {
            let mut payload = Vec::new();
            write_varint(length_u32(self.exports.len())?, &mut payload);
            for (pc, name) in &self.exports {
                write_varint(*pc, &mut payload);
                write_varint(length_u32(name.len())?, &mut payload);
                payload.extend_from_slice(name);
            }
            write_section(&mut out, SECTION_EXPORTS, &payload)?;
        }
        write_section(&mut out, SECTION_CODE_AND_JUMP_TABLE, &self.code_payload()?)?;
        out.push(SECTION_END_OF_FILE);

        let length = (out.len() as u64).to_le_bytes();
        if let Some(field) = out.get_mut(BLOB_LENGTH_OFFSET..BLOB_HEADER_SIZE) {
            field.copy_from_slice(&length);
        }
        Ok(out)
    }
}
