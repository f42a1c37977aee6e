//! Re-assemblable program text in the Kestrel assembly dialect.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use super::format::{InstructionFormat, JumpTargetFormatter, SourceInstruction};
use crate::blob::ProgramBlob;
use crate::instruction::ParsedInstruction;
use crate::isa::InstructionSetKind;

/// The pieces of a program that [`to_assembly`] prints. Plain data, so that any container
/// representation can feed it.
#[derive(Clone, Debug)]
pub struct AssemblySource<'a> {
    pub isa: InstructionSetKind,
    pub ro_data_size: u32,
    pub rw_data_size: u32,
    pub stack_size: u32,
    pub ro_data: &'a [u8],
    pub rw_data: &'a [u8],
    /// Import names in order (`ecalli N` calls the N-th); `None` = an import the container could
    /// not resolve, which has no textual form.
    pub imports: Vec<Option<&'a [u8]>>,
    /// `(code offset, name)` of every export, in container order (duplicates allowed).
    pub exports: Vec<(u32, &'a [u8])>,
    /// Jump-table entries (code offsets) in order.
    pub jump_table: Vec<u32>,
    /// Length of the code in bytes; items at or past it (the legacy implicit end trap) are omitted.
    pub code_len: u32,
    /// The decoded items in code order, e.g. from `Code::instructions()`.
    pub instructions: &'a [ParsedInstruction],
}

impl<'a> AssemblySource<'a> {
    /// The pieces of a parsed blob, with `instructions` decoded by the caller (normally
    /// `blob.code_view().instructions().collect()`).
    pub fn from_blob(blob: &'a ProgramBlob, instructions: &'a [ParsedInstruction]) -> Self {
        AssemblySource {
            isa: blob.isa(),
            ro_data_size: blob.ro_data_size(),
            rw_data_size: blob.rw_data_size(),
            stack_size: blob.stack_size(),
            ro_data: blob.ro_data(),
            rw_data: blob.rw_data(),
            imports: blob.imports().iter().collect(),
            exports: blob.exports().map(|export| (export.pc, export.name)).collect(),
            jump_table: blob.jump_table().iter().collect(),
            code_len: blob.code_len(),
            instructions,
        }
    }
}

/// Decodes `blob` and prints it as re-assemblable text ([`to_assembly`]).
pub fn blob_to_assembly(blob: &ProgramBlob) -> Result<String, DisasmError> {
    let instructions: Vec<ParsedInstruction> = blob.code_view().instructions().collect();
    to_assembly(&AssemblySource::from_blob(blob, &instructions))
}

/// What refers to a code offset that needs a label.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum LabelUse {
    /// A static jump, branch or `load_imm_and_jump` at this code offset.
    Jump { from: u32 },
    /// The jump-table entry with this index.
    JumpTableEntry { index: u32 },
    /// The export with this index (container order).
    Export { index: u32 },
}

impl fmt::Display for LabelUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelUse::Jump { from } => write!(f, "the instruction at offset {from}"),
            LabelUse::JumpTableEntry { index } => write!(f, "jump table entry {index}"),
            LabelUse::Export { index } => write!(f, "export #{index}"),
        }
    }
}

/// Why a program has no re-assemblable text.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum DisasmError {
    /// The offset is not where an instruction starts (or is at/after the end of the code), so no
    /// label can name it.
    #[error("{used_by} refers to code offset {target}, which is not the start of an instruction")]
    NotAnInstruction { target: u32, used_by: LabelUse },
    /// The instruction before the offset does not end a basic block: a label there would make the
    /// assembler insert a `fallthrough`. Such an offset is never a valid jump target, so real
    /// programs do not jump there.
    #[error(
        "{used_by} refers to code offset {target}, which is inside a basic block; \
         a label there would change the code"
    )]
    InsideBasicBlock { target: u32, used_by: LabelUse },
    /// An import whose name the container could not resolve.
    #[error("import #{index} has no valid name")]
    InvalidImport { index: u32 },
}

/// How a label is written.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Label {
    /// `@_N:` — the previous instruction ends a block (or N is 0).
    BlockStart,
    /// `@_N: %no_fallthrough` — an export in the middle of a block (host entries only need an
    /// instruction boundary); the label then names the exact instruction.
    InsideBlock,
}

/// Prints a program as text that assembles back to the same instructions (see the module docs for
/// the exact form).
pub fn to_assembly(program: &AssemblySource<'_>) -> Result<String, DisasmError> {
    let items: Vec<&ParsedInstruction> =
        program.instructions.iter().filter(|item| item.offset < program.code_len).collect();
    let labels = collect_labels(program, &items)?;

    let mut out = String::new();
    // Writing into a String cannot fail, and none of our formatters report errors.
    let _ = write_program(&mut out, program, &items, &labels);
    Ok(out)
}

fn collect_labels(
    program: &AssemblySource<'_>,
    items: &[&ParsedInstruction],
) -> Result<BTreeMap<u32, Label>, DisasmError> {
    let mut labels = BTreeMap::new();
    let mut add = |target: u32, used_by: LabelUse| -> Result<(), DisasmError> {
        // Items are in code order; take the first one at `target` (a §3.6 zero-length item comes
        // before the real instruction at the same offset).
        let index = items.partition_point(|item| item.offset < target);
        if items.get(index).is_none_or(|item| item.offset != target) {
            return Err(DisasmError::NotAnInstruction { target, used_by });
        }
        let at_block_start = match index.checked_sub(1).and_then(|previous| items.get(previous)) {
            None => true,
            Some(previous) => previous.instruction.ends_block(),
        };
        let label = match (at_block_start, used_by) {
            (true, _) => Label::BlockStart,
            (false, LabelUse::Export { .. }) => Label::InsideBlock,
            (false, _) => return Err(DisasmError::InsideBasicBlock { target, used_by }),
        };
        labels.insert(target, label);
        Ok(())
    };

    for item in items {
        if let Some(target) = item.instruction.args.target() {
            add(target, LabelUse::Jump { from: item.offset })?;
        }
    }
    for (index, &target) in (0u32..).zip(&program.jump_table) {
        add(target, LabelUse::JumpTableEntry { index })?;
    }
    for (index, &(target, _)) in (0u32..).zip(&program.exports) {
        add(target, LabelUse::Export { index })?;
    }
    if let Some(index) = program.imports.iter().position(Option::is_none) {
        return Err(DisasmError::InvalidImport { index: u32::try_from(index).unwrap_or(u32::MAX) });
    }
    Ok(labels)
}

fn write_program(
    out: &mut String,
    program: &AssemblySource<'_>,
    items: &[&ParsedInstruction],
    labels: &BTreeMap<u32, Label>,
) -> fmt::Result {
    writeln!(out, "%isa = {}", program.isa.name())?;
    writeln!(out, "%ro_data_size = {}", program.ro_data_size)?;
    writeln!(out, "%rw_data_size = {}", program.rw_data_size)?;
    writeln!(out, "%stack_size = {}", program.stack_size)?;
    if !program.ro_data.is_empty() {
        writeln!(out, "%ro_data = {}", Hex(program.ro_data))?;
    }
    if !program.rw_data.is_empty() {
        writeln!(out, "%rw_data = {}", Hex(program.rw_data))?;
    }
    for name in program.imports.iter().flatten() {
        writeln!(out, "%import = {}", SymbolName(name))?;
    }
    for &(target, name) in &program.exports {
        writeln!(out, "%export = {} @_{target}", SymbolName(name))?;
    }
    if !program.jump_table.is_empty() {
        out.push_str("%jump_table =");
        for target in &program.jump_table {
            write!(out, " @_{target}")?;
        }
        out.push('\n');
    }

    let label_formatter = |target: u32, f: &mut fmt::Formatter<'_>| write!(f, "@_{target}");
    let format = InstructionFormat {
        jump_target_formatter: Some(&label_formatter as &JumpTargetFormatter<'_>),
        ..InstructionFormat::default()
    };
    if !items.is_empty() {
        out.push('\n');
    }
    let mut previous_offset = None;
    for item in items {
        if previous_offset != Some(item.offset) {
            match labels.get(&item.offset) {
                Some(Label::BlockStart) => writeln!(out, "@_{}:", item.offset)?,
                Some(Label::InsideBlock) => writeln!(out, "@_{}: %no_fallthrough", item.offset)?,
                None => {}
            }
        }
        previous_offset = Some(item.offset);
        writeln!(out, "    {}", SourceInstruction { instruction: &item.instruction, format: &format })?;
    }
    Ok(())
}

/// Bytes as lowercase hex digit pairs without separators.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

/// An import/export name in directive syntax: a bare token of `[A-Za-z0-9_.$]` when possible,
/// else `0x` + hex (also for names that would read as hex, and for the empty name).
struct SymbolName<'a>(&'a [u8]);

impl fmt::Display for SymbolName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bare = !self.0.is_empty()
            && !self.0.starts_with(b"0x")
            && !self.0.starts_with(b"0X")
            && self.0.iter().all(|&byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'$'));
        match core::str::from_utf8(self.0) {
            Ok(text) if bare => f.write_str(text),
            _ => write!(f, "0x{}", Hex(self.0)),
        }
    }
}
