//! The parser's error type (`blob-format.md` §11).

use core::fmt;

use crate::isa::InstructionSetKind;

/// The prefix PolkaVM puts in front of every parse error message.
pub const PARSE_ERROR_PREFIX: &str = "failed to parse program blob: ";

/// Why a blob could not be parsed.
///
/// `Display` prints exactly what PolkaVM 0.37's parse error prints, **including** the
/// `"failed to parse program blob: "` prefix ([`PARSE_ERROR_PREFIX`]), so module creation can wrap
/// it as `"module validation failed: {error}"`. [`ParseError::reason`] gives the text without the
/// prefix (the catalogue column of §11).
///
/// Offsets are byte offsets from the start of the buffer being read: the whole blob, except for
/// errors raised while reading the code-and-jump-table payload (section 6, or a whole raw JAM
/// code blob), whose offsets are relative to that payload (quirk Q8).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ParseError {
    /// E1: the first four bytes are not `PVM\0`.
    BadMagic,
    /// E2: a read needed `need` bytes at `offset` but only `have` remained.
    UnexpectedEnd { offset: usize, need: usize, have: usize },
    /// E3: the version byte is not 0..=3.
    UnsupportedVersion(u8),
    /// E4: the blob length field differs from the number of bytes given.
    BlobLengthMismatch,
    /// E5: a malformed, non-canonical, overflowing or truncated varint starts at `offset`.
    BadVarint { offset: usize },
    /// E6: the memory config section's declared length differs from what its three varints used.
    MemoryConfigLength,
    /// E7: more than 1024 imports.
    TooManyImports,
    /// E8: the import offsets run past the imports section's declared length.
    InvalidImports,
    /// E9: a section id that is out of order, or unknown and below 128, at `offset`.
    UnexpectedSection { offset: usize, id: u8 },
    /// E10: more read-only data than `ro_data_size`.
    RoDataTooLarge,
    /// E11: more read-write data than `rw_data_size`.
    RwDataTooLarge,
    /// E12: the code section is missing or empty.
    NoCode,
    /// E13: more than 16 Mi jump-table entries.
    JumpTableSectionTooLong,
    /// E14: a jump-table entry size above 4.
    InvalidJumpTableEntrySize,
    /// E15: entry count × entry size overflows u32 (unreachable given E13 and E14).
    JumpTableTooLong,
    /// E16: more than 32 MiB of code.
    CodeSectionTooLong,
    /// E17: more than `i32::MAX` bytes of code (unreachable given E16).
    ProgramTooLarge,
    /// E18: the bitmask is not exactly `ceil(code_length / 8)` bytes.
    BitmaskLengthMismatch,
    /// E19: bits of the last bitmask byte beyond the code length are set.
    BitmaskPadding,
    /// Raw JAM code blobs use the legacy code + bitmask layout, so they cannot be read for an
    /// instruction set with the extended encoding (Kestrel-specific; PolkaVM has no such check).
    RawJamCodeNeedsLegacyIsa(InstructionSetKind),
    /// [`crate::blob::ProgramParts`] holds something longer than a u32 varint can describe
    /// (Kestrel-specific: only reachable through `ProgramBlob::from_parts`).
    PartTooLarge,
    /// A debug string is not valid UTF-8 (`blob-format.md` §10.1); `offset` is relative to the
    /// debug strings section.
    InvalidDebugString { offset: usize },
}

impl ParseError {
    /// The message without the `"failed to parse program blob: "` prefix.
    pub fn reason(&self) -> Reason<'_> {
        Reason(self)
    }
}

/// The text of a [`ParseError`] without its prefix (see [`ParseError::reason`]).
#[derive(Debug)]
pub struct Reason<'a>(&'a ParseError);

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self.0 {
            ParseError::BadMagic => f.write_str("blob doesn't start with the expected magic bytes"),
            ParseError::UnexpectedEnd { offset, need, have } => write!(
                f,
                "unexpected end of file at offset 0x{offset:x}: expected to be able to read at least {need} bytes, found {have} bytes"
            ),
            ParseError::UnsupportedVersion(version) => write!(f, "unsupported version: {version}"),
            ParseError::BlobLengthMismatch => f.write_str("blob size doesn't match the blob length metadata"),
            ParseError::BadVarint { offset } => write!(f, "failed to parse a varint at offset 0x{offset:x}"),
            ParseError::MemoryConfigLength => f.write_str("the memory config section contains more data than expected"),
            ParseError::TooManyImports => f.write_str("too many imports"),
            ParseError::InvalidImports => f.write_str("the imports section is invalid"),
            // "as offset" (sic) is PolkaVM's wording.
            ParseError::UnexpectedSection { offset, id } => {
                write!(f, "found unexpected section as offset 0x{offset:x}: 0x{id:x}")
            }
            ParseError::RoDataTooLarge => {
                f.write_str("size of the read-only data payload exceeds the declared size of the section")
            }
            ParseError::RwDataTooLarge => {
                f.write_str("size of the read-write data payload exceeds the declared size of the section")
            }
            ParseError::NoCode => f.write_str("no code found"),
            ParseError::JumpTableSectionTooLong => f.write_str("the jump table section is too long"),
            ParseError::InvalidJumpTableEntrySize => f.write_str("invalid jump table entry size"),
            ParseError::JumpTableTooLong => f.write_str("the jump table is too long"),
            ParseError::CodeSectionTooLong => f.write_str("the code section is too long"),
            ParseError::ProgramTooLarge => f.write_str("the program blob is too large"),
            ParseError::BitmaskLengthMismatch => f.write_str("the bitmask length doesn't match the code length"),
            ParseError::BitmaskPadding => f.write_str("the bitmask is padded with non-zero bits"),
            ParseError::RawJamCodeNeedsLegacyIsa(isa) => write!(
                f,
                "raw JAM code blobs use the code + bitmask layout, which the {isa} instruction set does not have"
            ),
            ParseError::PartTooLarge => f.write_str("a program part is too large to be encoded"),
            ParseError::InvalidDebugString { offset } => {
                write!(f, "failed to parse a string at offset 0x{offset:x} (not valid UTF-8)")
            }
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PARSE_ERROR_PREFIX)?;
        fmt::Display::fmt(&self.reason(), f)
    }
}

impl core::error::Error for ParseError {}
