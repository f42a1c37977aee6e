//! The code-and-jump-table payload (§9): shared by section 6 of the container and by raw JAM
//! code blobs, which differ only in how the two counts are encoded.

use core::ops::Range;

use super::error::ParseError;
use super::reader::Reader;
use crate::memory_map::{VM_MAXIMUM_CODE_SIZE, VM_MAXIMUM_JUMP_TABLE_ENTRIES};

/// How the jump-table count and the code length are encoded.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum CountEncoding {
    /// PolkaVM varints (the `.polkavm` container).
    Varint,
    /// Graypaper naturals (raw JAM code blobs).
    JamNatural,
}

/// Where the parts of a code payload lie, relative to the payload.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct CodeLayout {
    pub(crate) jump_table: Range<usize>,
    pub(crate) entry_size: u8,
    pub(crate) entry_count: u32,
    pub(crate) code: Range<usize>,
    pub(crate) bitmask: Range<usize>,
}

impl CodeLayout {
    /// Adds `base` to every range (payload-relative to blob-relative).
    pub(crate) fn shifted(self, base: usize) -> CodeLayout {
        let shift = |range: Range<usize>| range.start + base..range.end + base;
        CodeLayout { jump_table: shift(self.jump_table), code: shift(self.code), bitmask: shift(self.bitmask), ..self }
    }
}

fn read_count(reader: &mut Reader<'_>, encoding: CountEncoding) -> Result<u64, ParseError> {
    match encoding {
        CountEncoding::Varint => reader.read_varint().map(u64::from),
        CountEncoding::JamNatural => reader.read_jam_natural(),
    }
}

/// Runs the checks of §9.2 in their exact order. `legacy` selects the layout with a code length
/// and a bitmask; error offsets are relative to `payload` (quirk Q8).
pub(crate) fn parse_code_payload(
    payload: &[u8],
    legacy: bool,
    encoding: CountEncoding,
) -> Result<CodeLayout, ParseError> {
    if payload.is_empty() {
        return Err(ParseError::NoCode);
    }
    let mut reader = Reader::new(payload);
    let entry_count = read_count(&mut reader, encoding)?;
    if entry_count > u64::from(VM_MAXIMUM_JUMP_TABLE_ENTRIES) {
        return Err(ParseError::JumpTableSectionTooLong);
    }
    let entry_count = entry_count as u32;
    let entry_size = reader.read_u8()?;
    // Quirk Q7: the legacy code length is read before the entry size is validated.
    let declared_code_length = if legacy { Some(read_count(&mut reader, encoding)?) } else { None };
    if entry_size > 4 {
        return Err(ParseError::InvalidJumpTableEntrySize);
    }
    let table_length = entry_count.checked_mul(u32::from(entry_size)).ok_or(ParseError::JumpTableTooLong)?;
    let jump_table = reader.read_range(table_length as usize)?;

    let code_length = declared_code_length.unwrap_or(reader.remaining() as u64);
    if code_length > u64::from(VM_MAXIMUM_CODE_SIZE) {
        return Err(ParseError::CodeSectionTooLong);
    }
    let code = reader.read_range(code_length as usize)?;
    if code_length > i32::MAX as u64 {
        return Err(ParseError::ProgramTooLarge);
    }

    let bitmask = if legacy {
        let bitmask = reader.read_range(reader.remaining())?;
        if bitmask.len() as u64 != code_length.div_ceil(8) {
            return Err(ParseError::BitmaskLengthMismatch);
        }
        let used_bits = code_length % 8;
        if used_bits != 0 {
            let last = payload.get(bitmask.end.wrapping_sub(1)).copied().unwrap_or(0);
            if last >> used_bits != 0 {
                return Err(ParseError::BitmaskPadding);
            }
        }
        bitmask
    } else {
        reader.position()..reader.position()
    };

    Ok(CodeLayout { jump_table, entry_size, entry_count, code, bitmask })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_payloads() {
        let legacy = parse_code_payload(&[0, 0, 0], true, CountEncoding::Varint).unwrap();
        assert_eq!((legacy.code, legacy.bitmask), (3..3, 3..3));
        let extended = parse_code_payload(&[0, 0], false, CountEncoding::Varint).unwrap();
        assert_eq!((extended.code, extended.bitmask), (2..2, 2..2));
    }

    #[test]
    fn jam_naturals_accept_non_canonical_counts() {
        // J = 0 written as `80 00`, Z = 0, C = 1 written as `80 01`, code `00`, bitmask `01`.
        let layout = parse_code_payload(&[0x80, 0x00, 0x00, 0x80, 0x01, 0x00, 0x01], true, CountEncoding::JamNatural);
        assert_eq!(layout.unwrap().code, 5..6);
        let varint = parse_code_payload(&[0x80, 0x00, 0x00, 0x80, 0x01, 0x00, 0x01], true, CountEncoding::Varint);
        assert_eq!(varint, Err(ParseError::BadVarint { offset: 0 }));
    }

    #[test]
    fn huge_jam_naturals_hit_the_limits() {
        let mut payload = alloc::vec![0xff];
        payload.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(
            parse_code_payload(&payload, true, CountEncoding::JamNatural),
            Err(ParseError::JumpTableSectionTooLong)
        );
        let mut payload = alloc::vec![0x00, 0x00, 0xff];
        payload.extend_from_slice(&(u64::from(u32::MAX) + 1).to_le_bytes());
        assert_eq!(parse_code_payload(&payload, true, CountEncoding::JamNatural), Err(ParseError::CodeSectionTooLong));
    }
}
