//! `kestrel asm`: assemble source text into a `.polkavm` blob.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use kestrel_program::InstructionSetKind;

/// Assembles `source` (with `isa` as the default instruction set) into `output`.
pub fn run(source: &Path, isa: Option<InstructionSetKind>, output: &Path) -> Result<()> {
    let bytes = crate::input::read(source)?;
    let text =
        String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{}: the source is not valid UTF-8", source.display()))?;
    let blob = kestrel_program::asm::assemble(isa, &text).with_context(|| source.display().to_string())?;
    fs::write(output, blob).with_context(|| format!("cannot write {}", output.display()))
}
