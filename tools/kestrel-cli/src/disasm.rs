//! `kestrel disasm`: an annotated listing with code offsets, or re-assemblable source.

use std::path::Path;

use anyhow::{Context, Result};
use kestrel_program::disasm::{InstructionFormat, blob_listing, blob_to_assembly};
use kestrel_program::{InstructionSetKind, ProgramBlob};

use crate::input;
use crate::output::Output;

/// How to print the program.
#[derive(Copy, Clone, Debug)]
pub struct Options {
    /// Print source for `kestrel asm` instead of a listing.
    pub reassemblable: bool,
    /// `r0`..`r12` instead of ABI register names.
    pub raw_regs: bool,
    /// No `ret`, `jump [b]`, `- N`, `-s` aliases.
    pub no_aliases: bool,
    /// Show the bytes of every instruction in the listing.
    pub bytes: bool,
}

/// Runs `kestrel disasm`.
pub fn run(path: &Path, raw_jam: Option<InstructionSetKind>, options: Options, output: Option<&Path>) -> Result<()> {
    let blob = input::load_blob(path, raw_jam)?;
    let text = if options.reassemblable {
        source(&blob).with_context(|| path.display().to_string())?
    } else {
        listing(&blob, options)
    };
    let mut out = Output::open(output)?;
    out.text(&text)?;
    out.finish()
}

/// The listing ([`blob_listing`]): `// export: NAME` before each export, `@_<offset>:` before each
/// valid jump target (static targets print as those labels), then `{offset:>7}: {instruction}`.
fn listing(blob: &ProgramBlob, options: Options) -> String {
    let format = InstructionFormat {
        prefer_non_abi_reg_names: options.raw_regs,
        prefer_unaliased: options.no_aliases,
        ..InstructionFormat::for_isa(blob.isa())
    };
    blob_listing(blob, &format, options.bytes)
}

/// Source text that `kestrel asm` assembles back into the same program ([`blob_to_assembly`]).
fn source(blob: &ProgramBlob) -> Result<String> {
    Ok(blob_to_assembly(blob)?)
}
