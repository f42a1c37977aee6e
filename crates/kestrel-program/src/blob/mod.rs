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
//!
//! (`code_view()` is not here yet: it needs `crate::decode::Code`, which the decoder branch adds;
//! it is a one-liner, `Code::new(self.isa(), self.code(), self.bitmask())`.)
//!
//! A [`ProgramBlob`] keeps the whole input as one [`ArcBytes`] plus the ranges of its parts, so
//! cloning it is cheap and every accessor is a sub-slice. Parse errors display exactly like
//! PolkaVM's, prefix included (see [`ParseError`]).

mod code_section;
mod error;
mod parts;
mod reader;
mod sections;
mod tables;
pub(crate) mod writer;

use core::ops::Range;
use core::sync::atomic::{AtomicU64, Ordering};

pub use error::{PARSE_ERROR_PREFIX, ParseError, Reason};
pub use parts::ProgramParts;
pub use sections::{
    BLOB_HEADER_SIZE, BLOB_LENGTH_OFFSET, BLOB_MAGIC, SECTION_CODE_AND_JUMP_TABLE, SECTION_DEBUG_LINE_PROGRAM_RANGES,
    SECTION_DEBUG_LINE_PROGRAMS, SECTION_DEBUG_STRINGS, SECTION_END_OF_FILE, SECTION_EXPORTS, SECTION_IMPORTS,
    SECTION_MEMORY_CONFIG, SECTION_METADATA_HASH, SECTION_RO_DATA, SECTION_RW_DATA,
};
pub use tables::{Export, Exports, Imports, ImportsIter, JumpTable, JumpTableIter};

use crate::bytes::ArcBytes;
use crate::isa::InstructionSetKind;
use crate::memory_map::MemoryMapBuilder;
use crate::varint::read_varint;
use code_section::{CountEncoding, parse_code_payload};
use sections::Layout;

/// Source of [`ProgramBlob::unique_id`].
static NEXT_UNIQUE_ID: AtomicU64 = AtomicU64::new(1);

/// What kind of bytes a [`ProgramBlob`] was read from.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum BlobKind {
    /// A `.polkavm` container (`ProgramBlob::parse`, `ProgramBlob::from_parts`).
    Container,
    /// A raw JAM code blob (`ProgramBlob::from_raw_jam_code`).
    RawJamCode,
}

/// A parsed program blob.
#[derive(Clone, Debug)]
pub struct ProgramBlob {
    isa: InstructionSetKind,
    kind: BlobKind,
    bytes: ArcBytes,
    layout: Layout,
    unique_id: u64,
}

impl ProgramBlob {
    fn new(isa: InstructionSetKind, kind: BlobKind, bytes: ArcBytes, layout: Layout) -> Self {
        let unique_id = NEXT_UNIQUE_ID.fetch_add(1, Ordering::Relaxed);
        ProgramBlob { isa, kind, bytes, layout, unique_id }
    }

    /// Parses a `.polkavm` blob, performing every check of `blob-format.md` §2–§9 in PolkaVM's
    /// order.
    pub fn parse(bytes: ArcBytes) -> Result<ProgramBlob, ParseError> {
        let (isa, layout) = sections::parse_container(&bytes)?;
        Ok(ProgramBlob::new(isa, BlobKind::Container, bytes, layout))
    }

    /// Reads a raw JAM code blob: Graypaper naturals for the jump-table count and the code length,
    /// a one-byte entry size, the jump table, the code and the bitmask, with the same checks (and
    /// payload-relative error offsets) as section 6 of a container. The result has no data,
    /// imports or exports and all sizes 0. Only the legacy instruction sets have this layout;
    /// Latest64 is rejected with [`ParseError::RawJamCodeNeedsLegacyIsa`].
    pub fn from_raw_jam_code(isa: InstructionSetKind, bytes: ArcBytes) -> Result<ProgramBlob, ParseError> {
        if isa.is_extended() {
            return Err(ParseError::RawJamCodeNeedsLegacyIsa(isa));
        }
        let code = parse_code_payload(&bytes, true, CountEncoding::JamNatural)?;
        let layout = Layout { code_and_jump_table: 0..bytes.len(), code, ..Layout::default() };
        Ok(ProgramBlob::new(isa, BlobKind::RawJamCode, bytes, layout))
    }

    /// Builds a blob from its parts (see [`ProgramParts`]): they are written out as a container
    /// and parsed back, so exactly the container's checks apply.
    pub fn from_parts(parts: &ProgramParts) -> Result<ProgramBlob, ParseError> {
        ProgramBlob::parse(parts.to_container()?.into())
    }

    /// The total length recorded in a blob's header, read from its first 13 bytes (§2.3); `None`
    /// if `prefix` is shorter than that. The magic is not checked.
    pub fn blob_length(prefix: &[u8]) -> Option<u64> {
        sections::blob_length(prefix)
    }

    fn slice(&self, range: &Range<usize>) -> &[u8] {
        self.bytes.get(range.clone()).unwrap_or_default()
    }

    fn sub_bytes(&self, range: &Range<usize>) -> ArcBytes {
        self.bytes.subslice(range.clone()).unwrap_or_else(ArcBytes::empty)
    }

    /// The blob's instruction set.
    pub fn isa(&self) -> InstructionSetKind {
        self.isa
    }

    /// Whether registers are 64 bits wide.
    pub fn is_64_bit(&self) -> bool {
        self.isa.is_64_bit()
    }

    /// Whether this came from a container or a raw JAM code blob.
    pub fn kind(&self) -> BlobKind {
        self.kind
    }

    /// A number unique to this parse; clones share it (PolkaVM's module-cache key).
    pub fn unique_id(&self) -> u64 {
        self.unique_id
    }

    /// All bytes the blob was parsed from.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// All bytes the blob was parsed from, shared.
    pub fn bytes(&self) -> &ArcBytes {
        &self.bytes
    }

    /// Declared size of the read-only data region (0 if there is no memory config section).
    pub fn ro_data_size(&self) -> u32 {
        self.layout.ro_data_size
    }

    /// Declared size of the read-write data region.
    pub fn rw_data_size(&self) -> u32 {
        self.layout.rw_data_size
    }

    /// Declared stack size.
    pub fn stack_size(&self) -> u32 {
        self.layout.stack_size
    }

    /// Initial prefix of the read-only region (the rest up to `ro_data_size` is zero).
    pub fn ro_data(&self) -> &[u8] {
        self.slice(&self.layout.ro_data)
    }

    /// [`ProgramBlob::ro_data`] as shared bytes.
    pub fn ro_data_bytes(&self) -> ArcBytes {
        self.sub_bytes(&self.layout.ro_data)
    }

    /// Initial prefix of the read-write region (the rest up to `rw_data_size` is zero).
    pub fn rw_data(&self) -> &[u8] {
        self.slice(&self.layout.rw_data)
    }

    /// [`ProgramBlob::rw_data`] as shared bytes.
    pub fn rw_data_bytes(&self) -> ArcBytes {
        self.sub_bytes(&self.layout.rw_data)
    }

    /// The code bytes.
    pub fn code(&self) -> &[u8] {
        self.slice(&self.layout.code.code)
    }

    /// [`ProgramBlob::code`] as shared bytes.
    pub fn code_bytes(&self) -> ArcBytes {
        self.sub_bytes(&self.layout.code.code)
    }

    /// The code length in bytes.
    pub fn code_len(&self) -> u32 {
        self.layout.code.code.len() as u32
    }

    /// The instruction-start bitmask (empty for Latest64).
    pub fn bitmask(&self) -> &[u8] {
        self.slice(&self.layout.code.bitmask)
    }

    /// A memory-map builder with this program's ro/rw data and stack sizes; the host's page size
    /// is given, the aux data size (default 0) can be set before `build()`.
    pub fn memory_map_builder(&self, page_size: u32) -> MemoryMapBuilder {
        let mut builder = MemoryMapBuilder::new(page_size);
        builder.ro_data_size(self.ro_data_size()).rw_data_size(self.rw_data_size()).stack_size(self.stack_size());
        builder
    }

    /// A decoding view of the code (instructions, boundaries, valid jump targets).
    pub fn code_view(&self) -> crate::decode::Code<'_> {
        crate::decode::Code::new(self.isa(), self.code(), self.bitmask())
    }

    /// The whole code-and-jump-table payload (section 6, or the whole raw JAM code blob).
    pub fn code_and_jump_table(&self) -> &[u8] {
        self.slice(&self.layout.code_and_jump_table)
    }

    /// The jump table.
    pub fn jump_table(&self) -> JumpTable<'_> {
        let code = &self.layout.code;
        JumpTable::new(self.slice(&code.jump_table), code.entry_size, code.entry_count)
    }

    /// The jump-table entry size Z (0..=4).
    pub fn entry_size(&self) -> u8 {
        self.layout.code.entry_size
    }

    /// The imports (lazily decoded; invalid entries are `None`).
    pub fn imports(&self) -> Imports<'_> {
        Imports::new(self.slice(&self.layout.import_offsets), self.slice(&self.layout.import_symbols))
    }

    /// The exports (lazily decoded; a malformed entry ends the iteration).
    pub fn exports(&self) -> Exports<'_> {
        Exports::new(self.slice(&self.layout.exports))
    }

    /// The raw exports payload.
    pub fn exports_payload(&self) -> &[u8] {
        self.slice(&self.layout.exports)
    }

    /// The debug strings section (id 128), verbatim.
    pub fn debug_strings(&self) -> &[u8] {
        self.slice(&self.layout.debug_strings)
    }

    /// The debug line programs section (id 129), verbatim.
    pub fn debug_line_programs(&self) -> &[u8] {
        self.slice(&self.layout.debug_line_programs)
    }

    /// The debug line program ranges section (id 130), verbatim.
    pub fn debug_line_program_ranges(&self) -> &[u8] {
        self.slice(&self.layout.debug_line_program_ranges)
    }

    /// The metadata hash section (id 131), verbatim; empty if absent.
    pub fn metadata_hash(&self) -> &[u8] {
        self.slice(&self.layout.metadata_hash)
    }

    /// The debug string whose length varint is at `offset` in the debug strings section (§10.1).
    /// Error offsets are relative to that section.
    pub fn debug_string(&self, offset: u32) -> Result<&str, ParseError> {
        let strings = self.debug_strings();
        let start = offset as usize;
        let rest = strings.get(start..).filter(|rest| !rest.is_empty()).ok_or(ParseError::UnexpectedEnd {
            offset: start,
            need: 1,
            have: strings.len().saturating_sub(start),
        })?;
        let (length, varint_length) = read_varint(rest).ok_or(ParseError::BadVarint { offset: start })?;
        let body_start = start + varint_length;
        let body = strings.get(body_start..).unwrap_or_default();
        let body = body.get(..length as usize).ok_or(ParseError::UnexpectedEnd {
            offset: body_start,
            need: length as usize,
            have: body.len(),
        })?;
        core::str::from_utf8(body).map_err(|_| ParseError::InvalidDebugString { offset: start })
    }
}

#[cfg(test)]
mod tests;
