//! Reading input files and parsing program blobs, with errors that name the file.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use kestrel_program::{ArcBytes, InstructionSetKind, ProgramBlob};

/// Reads a whole file; the error names the path.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads and parses a program blob: a `.polkavm` container, or a raw JAM code blob for `raw_jam`.
pub fn load_blob(path: &Path, raw_jam: Option<InstructionSetKind>) -> Result<ProgramBlob> {
    let bytes = ArcBytes::from(read(path)?);
    let parsed = match raw_jam {
        None => ProgramBlob::parse(bytes),
        Some(isa) => ProgramBlob::from_raw_jam_code(isa, bytes),
    };
    // The parse error's text already starts with "failed to parse program blob: ".
    parsed.with_context(|| path.display().to_string())
}
