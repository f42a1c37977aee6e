//! `kestrel info`: what a program blob contains, as text or JSON.
//!
//! The JSON field names are a stable interface, documented in docs/cli.md; add fields, never
//! rename or remove them.

use std::path::Path;

use anyhow::Result;
use kestrel_program::blob::BlobKind;
use kestrel_program::{InstructionSetKind, MemoryMap, ProgramBlob};
use serde::Serialize;

use crate::input;
use crate::names;
use crate::output::Output;

/// The page size `info` computes the memory map for (PolkaVM's default).
const PAGE_SIZE: u32 = 0x1000;

/// Everything `info` reports about a blob.
#[derive(Debug, Serialize)]
pub struct Info {
    /// The input path as given on the command line.
    pub file: String,
    /// `"polkavm"` for a container, `"raw_jam"` for a raw JAM code blob.
    pub format: &'static str,
    pub isa: &'static str,
    pub blob_size: usize,
    pub ro_data_size: u32,
    pub ro_data_payload_len: usize,
    pub rw_data_size: u32,
    pub rw_data_payload_len: usize,
    pub stack_size: u32,
    pub code_len: usize,
    pub jump_table: JumpTableInfo,
    /// `None` when the sizes do not fit in the address space; see `memory_map_error`.
    pub memory_map: Option<MemoryMapInfo>,
    pub memory_map_error: Option<String>,
    pub exports: Vec<ExportInfo>,
    pub imports: Vec<ImportInfo>,
    /// Lowercase hex, empty when the blob has no metadata hash.
    pub metadata_hash: String,
    pub debug_strings_len: usize,
    pub debug_line_programs_len: usize,
    pub debug_line_program_ranges_len: usize,
}

#[derive(Debug, Serialize)]
pub struct JumpTableInfo {
    /// Usable entries (0 when the entry size is 0, whatever the declared count).
    pub entries: u32,
    /// The entry count written in the blob.
    pub declared_entries: u32,
    /// Bytes per entry (0..=4).
    pub entry_size: u8,
}

#[derive(Debug, Serialize)]
pub struct MemoryMapInfo {
    pub page_size: u32,
    pub ro_data_address: u32,
    pub ro_data_size: u32,
    pub rw_data_address: u32,
    pub rw_data_size: u32,
    pub heap_base: u32,
    pub max_heap_size: u32,
    pub stack_address_low: u32,
    pub stack_address_high: u32,
    pub stack_size: u32,
}

#[derive(Debug, Serialize)]
pub struct ExportInfo {
    pub pc: u32,
    /// UTF-8 text, or `0x` + hex when the name is not valid UTF-8.
    pub name: String,
    pub name_is_utf8: bool,
}

#[derive(Debug, Serialize)]
pub struct ImportInfo {
    pub index: u32,
    /// `None` for an invalid import (its name's range lies outside the symbol table).
    pub name: Option<String>,
    pub name_is_utf8: bool,
    pub valid: bool,
}

impl From<&MemoryMap> for MemoryMapInfo {
    fn from(map: &MemoryMap) -> Self {
        MemoryMapInfo {
            page_size: map.page_size(),
            ro_data_address: map.ro_data_address(),
            ro_data_size: map.ro_data_size(),
            rw_data_address: map.rw_data_address(),
            rw_data_size: map.rw_data_size(),
            heap_base: map.heap_base(),
            max_heap_size: map.max_heap_size(),
            stack_address_low: map.stack_address_low(),
            stack_address_high: map.stack_address_high(),
            stack_size: map.stack_size(),
        }
    }
}

impl Info {
    /// Collects the facts about `blob`, read from `file`.
    pub fn new(file: &Path, blob: &ProgramBlob) -> Info {
        let jump_table = blob.jump_table();
        let memory_map = blob.memory_map_builder(PAGE_SIZE).build();
        Info {
            file: file.display().to_string(),
            format: match blob.kind() {
                BlobKind::Container => "polkavm",
                BlobKind::RawJamCode => "raw_jam",
            },
            isa: blob.isa().name(),
            blob_size: blob.as_bytes().len(),
            ro_data_size: blob.ro_data_size(),
            ro_data_payload_len: blob.ro_data().len(),
            rw_data_size: blob.rw_data_size(),
            rw_data_payload_len: blob.rw_data().len(),
            stack_size: blob.stack_size(),
            code_len: blob.code().len(),
            jump_table: JumpTableInfo {
                entries: jump_table.len(),
                declared_entries: jump_table.declared_count(),
                entry_size: jump_table.entry_size(),
            },
            memory_map: memory_map.as_ref().ok().map(MemoryMapInfo::from),
            memory_map_error: memory_map.err().map(|error| error.to_string()),
            exports: blob
                .exports()
                .map(|export| ExportInfo {
                    pc: export.pc,
                    name: names::display(export.name),
                    name_is_utf8: names::is_utf8(export.name),
                })
                .collect(),
            imports: (0..)
                .zip(blob.imports().iter())
                .map(|(index, name)| match name {
                    Some(name) => ImportInfo {
                        index,
                        name: Some(names::display(name)),
                        name_is_utf8: names::is_utf8(name),
                        valid: true,
                    },
                    None => ImportInfo { index, name: None, name_is_utf8: false, valid: false },
                })
                .collect(),
            metadata_hash: names::hex(blob.metadata_hash()),
            debug_strings_len: blob.debug_strings().len(),
            debug_line_programs_len: blob.debug_line_programs().len(),
            debug_line_program_ranges_len: blob.debug_line_program_ranges().len(),
        }
    }

    /// The human-readable report, one line per fact.
    pub fn to_text(&self, blob: &ProgramBlob) -> Vec<String> {
        let mut lines = vec![
            format!("file:           {}", self.file),
            format!("format:         {}", self.format),
            format!("isa:            {}", describe_isa(blob)),
            format!("blob size:      {} bytes", self.blob_size),
            format!("ro data:        size {}, payload {} bytes", self.ro_data_size, self.ro_data_payload_len),
            format!("rw data:        size {}, payload {} bytes", self.rw_data_size, self.rw_data_payload_len),
            format!("stack size:     {}", self.stack_size),
            format!("code:           {} bytes", self.code_len),
            format!(
                "jump table:     {} entries of {} bytes{}",
                self.jump_table.entries,
                self.jump_table.entry_size,
                if self.jump_table.declared_entries != self.jump_table.entries {
                    format!(" ({} declared)", self.jump_table.declared_entries)
                } else {
                    String::new()
                }
            ),
        ];
        match (&self.memory_map, &self.memory_map_error) {
            (Some(map), _) => {
                lines.push(format!("memory map:     (page size 0x{:x})", map.page_size));
                lines.push(format!("  ro data:      {}", range(map.ro_data_address, map.ro_data_size)));
                lines.push(format!("  rw data:      {}", range(map.rw_data_address, map.rw_data_size)));
                lines.push(format!("  heap base:    0x{:08x}", map.heap_base));
                lines.push(format!("  max heap:     0x{:x} bytes", map.max_heap_size));
                lines.push(format!("  stack:        {}", range(map.stack_address_low, map.stack_size)));
            }
            (None, error) => {
                lines.push(format!("memory map:     invalid: {}", error.as_deref().unwrap_or("unknown error")))
            }
        }
        lines.push(format!("exports:        {}", self.exports.len()));
        for export in &self.exports {
            lines.push(format!("  pc {:>8}  {}", export.pc, quoted(&export.name, export.name_is_utf8)));
        }
        lines.push(format!("imports:        {}", self.imports.len()));
        for import in &self.imports {
            let name = match &import.name {
                Some(name) => quoted(name, import.name_is_utf8),
                None => "<invalid>".to_owned(),
            };
            lines.push(format!("  #{:<4} {}", import.index, name));
        }
        let hash = if self.metadata_hash.is_empty() { "(none)" } else { &self.metadata_hash };
        lines.push(format!("metadata hash:  {hash}"));
        lines.push(format!(
            "debug info:     strings {} bytes, line programs {} bytes, line program ranges {} bytes",
            self.debug_strings_len, self.debug_line_programs_len, self.debug_line_program_ranges_len
        ));
        lines
    }
}

fn describe_isa(blob: &ProgramBlob) -> String {
    let isa = blob.isa();
    let width = if isa.is_64_bit() { "64-bit" } else { "32-bit" };
    let encoding = if isa.is_extended() { "extended encoding" } else { "code + bitmask encoding" };
    format!("{isa} ({width}, {encoding})")
}

fn range(address: u32, size: u32) -> String {
    format!("0x{address:08x}..0x{:08x} ({size} bytes)", u64::from(address) + u64::from(size))
}

/// Text names are quoted (escaping control characters); hex names are printed as they are.
fn quoted(name: &str, is_utf8: bool) -> String {
    if is_utf8 { format!("{name:?}") } else { name.to_owned() }
}

/// Runs `kestrel info`.
pub fn run(path: &Path, raw_jam: Option<InstructionSetKind>, json: bool) -> Result<()> {
    let blob = input::load_blob(path, raw_jam)?;
    let info = Info::new(path, &blob);
    let mut out = Output::open(None)?;
    if json {
        out.line(&serde_json::to_string_pretty(&info)?)?;
    } else {
        for line in info.to_text(&blob) {
            out.line(&line)?;
        }
    }
    out.finish()
}
