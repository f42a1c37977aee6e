//! Writing a `.polkavm` container (`blob-format.md` §2, §4): the one section writer behind
//! [`ProgramParts::to_container`](super::ProgramParts::to_container) and
//! [`ProgramBlobBuilder`](crate::builder::ProgramBlobBuilder). Each caller maps [`TooLarge`] to
//! its own error type.

use alloc::vec::Vec;

use super::sections::{
    BLOB_HEADER_SIZE, BLOB_LENGTH_OFFSET, BLOB_MAGIC, SECTION_CODE_AND_JUMP_TABLE, SECTION_END_OF_FILE,
    SECTION_EXPORTS, SECTION_IMPORTS, SECTION_MEMORY_CONFIG, SECTION_RO_DATA, SECTION_RW_DATA,
};
use crate::isa::InstructionSetKind;
use crate::varint::write_varint;

/// Everything a container holds, in final form (code offsets resolved, bitmask computed).
pub(crate) struct Sections<'a> {
    pub isa: InstructionSetKind,
    pub ro_data_size: u32,
    pub rw_data_size: u32,
    pub stack_size: u32,
    pub ro_data: &'a [u8],
    pub rw_data: &'a [u8],
    /// Import names, in `ecalli` index order.
    pub imports: &'a [Vec<u8>],
    /// `(pc, name)` pairs.
    pub exports: &'a [(u32, &'a [u8])],
    /// Jump-table entries (code offsets), each written in `jump_table_entry_size` bytes.
    pub jump_table: &'a [u32],
    pub jump_table_entry_size: u8,
    pub code: &'a [u8],
    /// Written for the legacy instruction sets only (Latest64 has none).
    pub bitmask: &'a [u8],
    /// `(id, contents)` written after the code section in this order; empty ones are skipped.
    pub custom_sections: &'a [(u8, Vec<u8>)],
}

/// A length the container cannot express (above `u32::MAX`); names what was too large.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct TooLarge(pub &'static str);

/// Jump-table entry size: the most bytes any entry needs, where 0 needs none (`blob-format.md` §9.3).
pub fn jump_table_entry_size(entries: &[u32]) -> u8 {
    let bytes_for = |value: u32| (4 - value.leading_zeros() / 8) as u8;
    entries.iter().map(|&entry| bytes_for(entry)).max().unwrap_or(0)
}

/// The entry size to write: [`jump_table_entry_size`], but at least 1 for a non-empty table when
/// `keep_zero` (all-zero entries at size 0 would read back as no table at all, quirk Q6).
pub(crate) fn entry_size_to_write(entries: &[u32], keep_zero: bool) -> u8 {
    let size = jump_table_entry_size(entries);
    if keep_zero && !entries.is_empty() { size.max(1) } else { size }
}

fn length_u32(length: usize, what: &'static str) -> Result<u32, TooLarge> {
    u32::try_from(length).map_err(|_| TooLarge(what))
}

fn write_section(out: &mut Vec<u8>, id: u8, payload: &[u8]) -> Result<(), TooLarge> {
    out.push(id);
    write_varint(length_u32(payload.len(), "section")?, out);
    out.extend_from_slice(payload);
    Ok(())
}

impl Sections<'_> {
    /// The container bytes. Like PolkaVM's writer, optional sections are written only when
    /// non-empty, and the code section always.
    pub(crate) fn write(&self) -> Result<Vec<u8>, TooLarge> {
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
            write_section(&mut out, SECTION_RO_DATA, self.ro_data)?;
        }
        if !self.rw_data.is_empty() {
            write_section(&mut out, SECTION_RW_DATA, self.rw_data)?;
        }
        if !self.imports.is_empty() {
            write_section(&mut out, SECTION_IMPORTS, &self.imports_payload()?)?;
        }
        if !self.exports.is_empty() {
            write_section(&mut out, SECTION_EXPORTS, &self.exports_payload()?)?;
        }
        write_section(&mut out, SECTION_CODE_AND_JUMP_TABLE, &self.code_payload()?)?;
        for (id, contents) in self.custom_sections {
            if !contents.is_empty() {
                write_section(&mut out, *id, contents)?;
            }
        }
        out.push(SECTION_END_OF_FILE);

        let length = (out.len() as u64).to_le_bytes();
        if let Some(field) = out.get_mut(BLOB_LENGTH_OFFSET..BLOB_HEADER_SIZE) {
            field.copy_from_slice(&length);
        }
        Ok(out)
    }

    fn imports_payload(&self) -> Result<Vec<u8>, TooLarge> {
        let mut payload = Vec::new();
        write_varint(length_u32(self.imports.len(), "import list")?, &mut payload);
        let mut offset = 0u32;
        for name in self.imports {
            payload.extend_from_slice(&offset.to_le_bytes());
            offset = offset.checked_add(length_u32(name.len(), "import name")?).ok_or(TooLarge("imports section"))?;
        }
        for name in self.imports {
            payload.extend_from_slice(name);
        }
        Ok(payload)
    }

    fn exports_payload(&self) -> Result<Vec<u8>, TooLarge> {
        let mut payload = Vec::new();
        write_varint(length_u32(self.exports.len(), "export list")?, &mut payload);
        for &(pc, name) in self.exports {
            write_varint(pc, &mut payload);
            write_varint(length_u32(name.len(), "export name")?, &mut payload);
            payload.extend_from_slice(name);
        }
        Ok(payload)
    }

    /// Section 6: jump-table length and entry size, the code length and the bitmask for the
    /// legacy sets only.
    fn code_payload(&self) -> Result<Vec<u8>, TooLarge> {
        let entry_size = usize::from(self.jump_table_entry_size);
        let mut payload = Vec::new();
        write_varint(length_u32(self.jump_table.len(), "jump table")?, &mut payload);
        payload.push(self.jump_table_entry_size);
        if !self.isa.is_extended() {
            write_varint(length_u32(self.code.len(), "code")?, &mut payload);
        }
        for entry in self.jump_table {
            payload.extend_from_slice(entry.to_le_bytes().get(..entry_size).unwrap_or_default());
        }
        payload.extend_from_slice(self.code);
        if !self.isa.is_extended() {
            payload.extend_from_slice(self.bitmask);
        }
        Ok(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_sizes() {
        assert_eq!(jump_table_entry_size(&[]), 0);
        assert_eq!(jump_table_entry_size(&[0]), 0);
        assert_eq!(jump_table_entry_size(&[0, 1]), 1);
        assert_eq!(jump_table_entry_size(&[255]), 1);
        assert_eq!(jump_table_entry_size(&[256]), 2);
        assert_eq!(jump_table_entry_size(&[0xffff, 3]), 2);
        assert_eq!(jump_table_entry_size(&[0x1_0000]), 3);
        assert_eq!(jump_table_entry_size(&[0xff_ffff]), 3);
        assert_eq!(jump_table_entry_size(&[1 << 24]), 4);
        assert_eq!(jump_table_entry_size(&[u32::MAX, 0]), 4);
    }
}
