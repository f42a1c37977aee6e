//! `kestrel disasm`: an annotated listing with code offsets, or re-assemblable source.

use std::path::Path;

use anyhow::{Context, Result};
use kestrel_program::disasm::{AssemblySource, InstructionFormat, ListingOptions, to_assembly, write_listing};
use kestrel_program::{InstructionSetKind, ParsedInstruction, ProgramBlob};

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

/// The listing: `// export: NAME` before each export, `@_<offset>:` before each valid jump target
/// (static targets print as those labels), then `{offset:>7}: {instruction}`.
fn listing(blob: &ProgramBlob, options: Options) -> String {
    let code = blob.code_view();
    let targets = code.jump_targets();
    let is_jump_target = |offset: u32| targets.contains(offset);
    let exports = exports(blob);
    let imports = imports(blob);
    let format = InstructionFormat {
        prefer_non_abi_reg_names: options.raw_regs,
        prefer_unaliased: options.no_aliases,
        ..InstructionFormat::for_isa(blob.isa())
    };
    let listing_options = ListingOptions {
        format,
        exports: &exports,
        imports: &imports,
        is_jump_target: Some(&is_jump_target),
        code: options.bytes.then(|| blob.code()),
    };
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = write_listing(&mut text, code.instructions(), &listing_options);
    text
}

/// Source text that `kestrel asm` assembles back into the same program.
fn source(blob: &ProgramBlob) -> Result<String> {
    let instructions: Vec<ParsedInstruction> = blob.code_view().instructions().collect();
    let program = AssemblySource {
        isa: blob.isa(),
        ro_data_size: blob.ro_data_size(),
        rw_data_size: blob.rw_data_size(),
        stack_size: blob.stack_size(),
        ro_data: blob.ro_data(),
        rw_data: blob.rw_data(),
        imports: imports(blob),
        exports: exports(blob),
        jump_table: blob.jump_table().iter().collect(),
        code_len: blob.code_len(),
        instructions: &instructions,
    };
    Ok(to_assembly(&program)?)
}

/// `(pc, name)` of every export, in blob order.
fn exports(blob: &ProgramBlob) -> Vec<(u32, &[u8])> {
    blob.exports().map(|export| (export.pc, export.name)).collect()
}

/// Every import name in index order; `None` for an invalid import.
fn imports(blob: &ProgramBlob) -> Vec<Option<&[u8]>> {
    blob.imports().iter().collect()
}
