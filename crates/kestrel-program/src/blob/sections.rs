//! The `.polkavm` container: header (§2) and the section state machine (§4.2), producing the
//! byte ranges of every part.

use core::ops::Range;

use super::code_section::{CodeLayout, CountEncoding, parse_code_payload};
use super::error::ParseError;
use super::reader::Reader;
use crate::isa::InstructionSetKind;
use crate::memory_map::VM_MAXIMUM_IMPORT_COUNT;

/// The four magic bytes every blob starts with.
pub const BLOB_MAGIC: [u8; 4] = *b"PVM\0";
/// Offset of the u64 blob-length field.
pub const BLOB_LENGTH_OFFSET: usize = 5;
/// Size of the header: magic, version byte, blob length.
pub const BLOB_HEADER_SIZE: usize = 13;

pub const SECTION_MEMORY_CONFIG: u8 = 1;
pub const SECTION_RO_DATA: u8 = 2;
pub const SECTION_RW_DATA: u8 = 3;
pub const SECTION_IMPORTS: u8 = 4;
pub const SECTION_EXPORTS: u8 = 5;
pub const SECTION_CODE_AND_JUMP_TABLE: u8 = 6;
pub const SECTION_DEBUG_STRINGS: u8 = 128;
pub const SECTION_DEBUG_LINE_PROGRAMS: u8 = 129;
pub const SECTION_DEBUG_LINE_PROGRAM_RANGES: u8 = 130;
pub const SECTION_METADATA_HASH: u8 = 131;
pub const SECTION_END_OF_FILE: u8 = 0;

/// Where everything lies in a blob (ranges are into the whole blob).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct Layout {
    pub(crate) ro_data_size: u32,
    pub(crate) rw_data_size: u32,
    pub(crate) stack_size: u32,
    pub(crate) ro_data: Range<usize>,
    pub(crate) rw_data: Range<usize>,
    pub(crate) import_offsets: Range<usize>,
    pub(crate) import_symbols: Range<usize>,
    pub(crate) exports: Range<usize>,
    /// The raw section 6 payload.
    pub(crate) code_and_jump_table: Range<usize>,
    pub(crate) code: CodeLayout,
    pub(crate) debug_strings: Range<usize>,
    pub(crate) debug_line_programs: Range<usize>,
    pub(crate) debug_line_program_ranges: Range<usize>,
    pub(crate) metadata_hash: Range<usize>,
}

/// Reads the section id at the current position, remembering where it was for E9.
fn read_section_id(reader: &mut Reader<'_>) -> Result<(u8, usize), ParseError> {
    let offset = reader.position();
    Ok((reader.read_u8()?, offset))
}

/// Tries each slot in order: when the current section (`next`: id and its offset) is the slot's,
/// its length-prefixed payload goes into the slot's range and the following id is read. Returns
/// the section that comes next.
fn read_plain_sections<const N: usize>(
    reader: &mut Reader<'_>,
    mut next: (u8, usize),
    slots: [(u8, &mut Range<usize>); N],
) -> Result<(u8, usize), ParseError> {
    for (section, range) in slots {
        if next.0 == section {
            *range = reader.read_length_prefixed()?;
            next = read_section_id(reader)?;
        }
    }
    Ok(next)
}

/// Parses the header; returns the instruction set.
fn parse_header(bytes: &[u8]) -> Result<InstructionSetKind, ParseError> {
    if bytes.get(..BLOB_MAGIC.len()) != Some(&BLOB_MAGIC[..]) {
        return Err(ParseError::BadMagic);
    }
    let mut reader = Reader::at(bytes, BLOB_MAGIC.len());
    let version = reader.read_u8()?;
    let isa = InstructionSetKind::from_version_byte(version).ok_or(ParseError::UnsupportedVersion(version))?;
    let length: [u8; 8] = reader.read_slice(8)?.try_into().map_err(|_| ParseError::BlobLengthMismatch)?;
    if u64::from_le_bytes(length) != bytes.len() as u64 {
        return Err(ParseError::BlobLengthMismatch);
    }
    Ok(isa)
}

/// Parses a whole container; the checks run in the order of §11.
pub(crate) fn parse_container(bytes: &[u8]) -> Result<(InstructionSetKind, Layout), ParseError> {
    let isa = parse_header(bytes)?;
    let mut reader = Reader::at(bytes, BLOB_HEADER_SIZE);
    let mut layout = Layout::default();

    // Each known slot is tried once, in this order (§4.2); a slot whose id does not match is
    // simply left empty.
    let (mut id, mut id_offset) = read_section_id(&mut reader)?;
    if id == SECTION_MEMORY_CONFIG {
        let length = reader.read_varint()? as usize;
        let start = reader.position();
        // Quirk Q4: the three varints are read regardless of the declared length.
        layout.ro_data_size = reader.read_varint()?;
        layout.rw_data_size = reader.read_varint()?;
        layout.stack_size = reader.read_varint()?;
        if reader.position() - start != length {
            return Err(ParseError::MemoryConfigLength);
        }
        (id, id_offset) = read_section_id(&mut reader)?;
    }
    (id, id_offset) = read_plain_sections(
        &mut reader,
        (id, id_offset),
        [(SECTION_RO_DATA, &mut layout.ro_data), (SECTION_RW_DATA, &mut layout.rw_data)],
    )?;
    if id == SECTION_IMPORTS {
        let length = reader.read_varint()? as usize;
        let start = reader.position();
        let count = reader.read_varint()?;
        if count > VM_MAXIMUM_IMPORT_COUNT {
            return Err(ParseError::TooManyImports);
        }
        // Quirk Q5: the offsets come from the stream before the length is checked.
        layout.import_offsets = reader.read_range(count as usize * 4)?;
        let symbols_length = length.checked_sub(reader.position() - start).ok_or(ParseError::InvalidImports)?;
        layout.import_symbols = reader.read_range(symbols_length)?;
        (id, id_offset) = read_section_id(&mut reader)?;
    }
    (id, id_offset) = read_plain_sections(
        &mut reader,
        (id, id_offset),
        [
            (SECTION_EXPORTS, &mut layout.exports),
            (SECTION_CODE_AND_JUMP_TABLE, &mut layout.code_and_jump_table),
            (SECTION_DEBUG_STRINGS, &mut layout.debug_strings),
            (SECTION_DEBUG_LINE_PROGRAMS, &mut layout.debug_line_programs),
            (SECTION_DEBUG_LINE_PROGRAM_RANGES, &mut layout.debug_line_program_ranges),
            (SECTION_METADATA_HASH, &mut layout.metadata_hash),
        ],
    )?;
    // Quirk Q2: any optional section (id >= 128) from here on is skipped, including a late or
    // repeated 128..=131.
    while id & 0x80 != 0 {
        reader.read_length_prefixed()?;
        (id, id_offset) = read_section_id(&mut reader)?;
    }
    if id != SECTION_END_OF_FILE {
        return Err(ParseError::UnexpectedSection { offset: id_offset, id });
    }
    // Quirk Q1: whatever follows the end marker is ignored.

    if layout.ro_data.len() > layout.ro_data_size as usize {
        return Err(ParseError::RoDataTooLarge);
    }
    if layout.rw_data.len() > layout.rw_data_size as usize {
        return Err(ParseError::RwDataTooLarge);
    }

    let payload = bytes.get(layout.code_and_jump_table.clone()).unwrap_or_default();
    let code = parse_code_payload(payload, !isa.is_extended(), CountEncoding::Varint)?;
    layout.code = code.shifted(layout.code_and_jump_table.start);
    Ok((isa, layout))
}

/// The blob length stored in a blob's header, from its first 13 bytes (§2.3). The magic is not
/// checked; `None` if `prefix` is shorter than the header.
pub(crate) fn blob_length(prefix: &[u8]) -> Option<u64> {
    let bytes = prefix.get(BLOB_LENGTH_OFFSET..BLOB_HEADER_SIZE)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}
