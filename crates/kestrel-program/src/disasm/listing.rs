//! Program listings: one `{offset:>7}: {text}` line per decoded item, optionally annotated.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use super::format::{Dialect, InstructionFormat, JumpTargetFormatter, write_instruction};
use crate::blob::ProgramBlob;
use crate::instruction::{Args, ParsedInstruction};
use crate::opcode::Opcode;

/// Options for [`write_listing`]. [`Default`] gives the plain listing of [`disassemble`].
#[derive(Copy, Clone, Default)]
pub struct ListingOptions<'a> {
    /// How instructions are printed.
    pub format: InstructionFormat<'a>,
    /// `(offset, name)` of every export; each is shown as `// export: NAME` before its offset.
    pub exports: &'a [(u32, &'a [u8])],
    /// Import names in order; `ecalli N` lines then end with `  // NAME` (`<invalid>` for an
    /// unresolvable name, nothing when N is out of range).
    pub imports: &'a [Option<&'a [u8]>],
    /// Tells which offsets are valid jump targets (e.g. from the decoder's jump-target set). When
    /// given, each such offset gets an `@_<offset>:` line and static targets print as `@_<offset>`
    /// (unless `format` has its own `jump_target_formatter`); targets that are not valid stay
    /// decimal, which makes them easy to spot.
    pub is_jump_target: Option<&'a dyn Fn(u32) -> bool>,
    /// The code bytes; when given, every line shows the bytes the item covers.
    pub code: Option<&'a [u8]>,
}

impl fmt::Debug for ListingOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListingOptions")
            .field("format", &self.format)
            .field("exports", &self.exports.len())
            .field("imports", &self.imports.len())
            .field("is_jump_target", &self.is_jump_target.map(|_| ".."))
            .field("code", &self.code.map(<[u8]>::len))
            .finish()
    }
}

/// The plain listing: one `{offset:>7}: {text}` line (ending in `\n`) per item, every item
/// included (the legacy implicit end trap, zero-length `invalid` items, ...).
pub fn disassemble<I>(items: I, format: &InstructionFormat<'_>) -> String
where
    I: IntoIterator<Item = ParsedInstruction>,
{
    listing(items, &ListingOptions { format: *format, ..ListingOptions::default() })
}

/// The annotated listing of a whole blob: exports, import names after `ecalli`, `@_<offset>:` markers at valid jump targets,
/// static targets as labels, and (with `show_bytes`) the code bytes of each item. `format` is
/// usually `InstructionFormat::for_isa(blob.isa())`.
pub fn blob_listing(blob: &ProgramBlob, format: &InstructionFormat<'_>, show_bytes: bool) -> String {
    let code = blob.code_view();
    let targets = code.jump_targets();
    let is_jump_target = |offset: u32| targets.contains(offset);
    let exports: Vec<(u32, &[u8])> = blob.exports().map(|export| (export.pc, export.name)).collect();
    let imports: Vec<Option<&[u8]>> = blob.imports().iter().collect();
    let options = ListingOptions {
        format: *format,
        exports: &exports,
        imports: &imports,
        is_jump_target: Some(&is_jump_target),
        code: show_bytes.then(|| blob.code()),
    };
    listing(code.instructions(), &options)
}

/// [`write_listing`] into a new string.
pub fn listing<I>(items: I, options: &ListingOptions<'_>) -> String
where
    I: IntoIterator<Item = ParsedInstruction>,
{
    let mut out = String::new();
    // Writing into a String cannot fail, and none of our formatters report errors.
    let _ = write_listing(&mut out, items, options);
    out
}

/// Writes a listing of `items` (in code order) with the annotations chosen in `options`.
pub fn write_listing<W, I>(out: &mut W, items: I, options: &ListingOptions<'_>) -> fmt::Result
where
    W: Write + ?Sized,
    I: IntoIterator<Item = ParsedInstruction>,
{
    // Exports sorted by offset (stable, so equal offsets keep their order) and walked alongside.
    let mut exports: Vec<(u32, &[u8])> = options.exports.to_vec();
    exports.sort_by_key(|&(offset, _)| offset);
    let mut next_export = 0;

    let label_formatter = |target: u32, f: &mut fmt::Formatter<'_>| match options.is_jump_target {
        Some(is_jump_target) if is_jump_target(target) => write!(f, "@_{target}"),
        _ => write!(f, "{target}"),
    };
    let mut format = options.format;
    if format.jump_target_formatter.is_none() && options.is_jump_target.is_some() {
        format.jump_target_formatter = Some(&label_formatter as &JumpTargetFormatter<'_>);
    }

    let mut previous_offset = None;
    for item in items {
        let first_at_offset = previous_offset != Some(item.offset);
        previous_offset = Some(item.offset);
        if first_at_offset {
            while let Some(&(offset, name)) = exports.get(next_export) {
                if offset > item.offset {
                    break;
                }
                next_export += 1;
                write!(out, "// export: {}", Name(name))?;
                if offset < item.offset {
                    write!(out, " (offset {offset}: not an instruction boundary)")?;
                }
                out.write_char('\n')?;
            }
            if let Some(is_jump_target) = options.is_jump_target
                && is_jump_target(item.offset)
            {
                writeln!(out, "@_{}:", item.offset)?;
            }
        }
        write!(out, "{:>7}: ", item.offset)?;
        if let Some(code) = options.code {
            write!(out, "{:<30} ", RawBytes(item_bytes(code, &item)))?;
        }
        write!(out, "{}", Item { item: &item, format: &format })?;
        if let (Opcode::Ecalli, Args::Imm { imm }) = (item.instruction.opcode, item.instruction.args)
            && let Some(import) = usize::try_from(imm).ok().and_then(|index| options.imports.get(index))
        {
            match import {
                Some(name) => write!(out, "  // {}", Name(name))?,
                None => out.write_str("  // <invalid>")?,
            }
        }
        out.write_char('\n')?;
    }
    for &(offset, name) in exports.get(next_export..).unwrap_or_default() {
        writeln!(out, "// export: {} (offset {offset}: past the last instruction)", Name(name))?;
    }
    Ok(())
}

/// The bytes an item covers, clamped to the code (empty for the legacy implicit end trap).
fn item_bytes<'c>(code: &'c [u8], item: &ParsedInstruction) -> &'c [u8] {
    let start = usize::try_from(item.offset).unwrap_or(usize::MAX).min(code.len());
    let end = usize::try_from(item.next_offset()).unwrap_or(usize::MAX).clamp(start, code.len());
    code.get(start..end).unwrap_or_default()
}

struct Item<'a> {
    item: &'a ParsedInstruction,
    format: &'a InstructionFormat<'a>,
}

impl fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_instruction(f, &self.item.instruction, self.format, Dialect::Display)
    }
}

/// Hex bytes separated by spaces; honours width/padding flags.
struct RawBytes<'a>(&'a [u8]);

impl fmt::Display for RawBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(self.0.len() * 3);
        for (index, byte) in self.0.iter().enumerate() {
            if index > 0 {
                text.push(' ');
            }
            write!(text, "{byte:02x}")?;
        }
        f.pad(&text)
    }
}

/// An import/export name: as text when it is printable UTF-8, else `0x` + hex bytes.
pub(crate) struct Name<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match core::str::from_utf8(self.0) {
            Ok(text) if !text.is_empty() && !text.chars().any(char::is_control) => f.write_str(text),
            _ => {
                f.write_str("0x")?;
                self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
            }
        }
    }
}
