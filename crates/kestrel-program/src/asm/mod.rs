//! Text assembler for the syntax of `instructions.md` §9 (PolkaVM 0.37's `assemble`), plus the
//! Kestrel extensions of the shared assembly dialect (see `docs/assembly.md`).
//!
//! Assembly happens in two steps: [`parse`] turns the text into a [`Program`] (plain data:
//! instructions whose targets are basic-block indices, exports, jump table, imports, memory
//! configuration), and [`assemble`] feeds that to the blob builder.
//!
//! Every program PolkaVM's assembler accepts produces the same program here, with deliberate
//! exceptions where PolkaVM 0.37's output is broken: `X = Y if Z != 0` / `X = I if Z != 0`
//! assemble to `cmov_if_not_zero(_imm)`, not to the inverted `cmov_if_zero(_imm)`; a jump table
//! whose entries all point at offset 0 is kept instead of being written as empty; and a blob the
//! parser would reject (data larger than its declared size, too many imports) is an error.

mod alu;
mod directives;
mod forms;
mod operands;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

pub use alu::{Lowering, OPERATORS, OperatorRow, SEARCH_ORDER};
pub use directives::parse_symbol;
pub use operands::{Immediate, parse_full_immediate, parse_simple_immediate};

use crate::blob::{ParseError, ProgramBlob};
pub use crate::builder::ExportTarget;
use crate::builder::{BuildError, ProgramBlobBuilder, Referrer};
use crate::instruction::{Args, Instruction};
use crate::isa::InstructionSetKind;
use crate::opcode::Opcode;
use directives::{Directive, DirectiveError};
use forms::{FormError, Statement};

/// Why a program could not be assembled. `Display` gives PolkaVM's wording.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum AssembleError {
    /// The line matches no form.
    #[error("cannot parse line {line}: \"{text}\"")]
    Syntax { line: usize, text: String },
    /// The line matches a form but breaks one of its rules.
    #[error("cannot parse line {line}: {reason}")]
    Invalid { line: usize, reason: String },
    /// A known directive with a value that does not parse.
    #[error("cannot parse line {line}")]
    Directive { line: usize },
    #[error("duplicate label \"{name}\" on line {line}")]
    DuplicateLabel { line: usize, name: String },
    /// A label used but never defined; `line` is its first use (not part of the message).
    #[error("label is not defined: \"{name}\"")]
    UndefinedLabel { line: usize, name: String },
    #[error("no ISA was declared in the program")]
    NoIsa,
    /// The blob builder refused the program (its message starts with `failed to build a program`).
    /// `line` is the source line of the offending instruction, when the builder names one.
    #[error("{error}")]
    Build { line: Option<usize>, error: BuildError },
    /// The builder wrote a blob that the container parser rejects, e.g. `%ro_data` longer than
    /// `%ro_data_size` or more than 1024 `%import`s. PolkaVM 0.37's assembler returns such blobs;
    /// Kestrel reports them, since no loader accepts them.
    #[error("failed to build a program: the blob would not load ({error})")]
    Unloadable { error: ParseError },
}

impl AssembleError {
    /// The 1-based source line the error refers to, if any.
    pub fn line(&self) -> Option<usize> {
        match *self {
            Self::Syntax { line, .. }
            | Self::Invalid { line, .. }
            | Self::Directive { line }
            | Self::DuplicateLabel { line, .. }
            | Self::UndefinedLabel { line, .. } => Some(line),
            Self::Build { line, .. } => line,
            Self::NoIsa | Self::Unloadable { .. } => None,
        }
    }
}

/// One export, in the order it is handed to the builder.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Export {
    pub name: Vec<u8>,
    pub target: ExportTarget,
}

/// An instruction and the source line it came from (for an inserted `fallthrough`, the line of
/// the label that caused it).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct SourceInstruction {
    pub line: usize,
    /// Targets (`jump`, branches, `load_imm_and_jump`) are basic-block indices.
    pub instruction: Instruction,
}

/// A parsed program, ready for the blob builder.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Program {
    pub isa: InstructionSetKind,
    pub ro_data_size: u32,
    pub rw_data_size: u32,
    pub stack_size: u32,
    pub ro_data: Vec<u8>,
    pub rw_data: Vec<u8>,
    /// Import names; `ecalli N` refers to the N-th.
    pub imports: Vec<Vec<u8>>,
    /// `pub` labels sorted by name (byte order), then `%export` directives in source order.
    pub exports: Vec<Export>,
    /// Basic-block indices: `%jump_table` entries first, then one per `X = @L`.
    pub jump_table: Vec<u32>,
    pub instructions: Vec<SourceInstruction>,
}

/// A defined label.
#[derive(Copy, Clone, Debug)]
struct Label {
    block: u32,
    /// Index of the instruction that follows the definition.
    instruction: u32,
}

/// A use of a label, resolved once every label is known.
#[derive(Clone, Debug)]
enum Reference {
    /// The target of instruction `index`.
    Target { index: usize },
    /// The `ordinal`-th `X = @L` (instruction `index`).
    JumpTableAddress { index: usize, ordinal: usize },
    /// An entry of `%jump_table`.
    JumpTableEntry,
    /// `%export = NAME @label`.
    Export { name: Vec<u8> },
}

#[derive(Default)]
struct Parser<'a> {
    isa: Option<InstructionSetKind>,
    ro_data_size: u32,
    rw_data_size: u32,
    stack_size: u32,
    ro_data: Vec<u8>,
    rw_data: Vec<u8>,
    imports: Vec<Vec<u8>>,
    labels: BTreeMap<&'a str, Label>,
    /// `pub` labels: name and target.
    public: Vec<(&'a str, ExportTarget)>,
    /// Uses of labels in source order: (line, label, what to fix up).
    references: Vec<(usize, &'a str, Reference)>,
    instructions: Vec<SourceInstruction>,
    /// Number of terminators so far = index of the currently open basic block.
    block: u32,
    jump_table_addresses: usize,
}

/// Assembles text into a `.polkavm` blob. `default_isa` is used when the text has no `%isa`.
pub fn assemble(default_isa: Option<InstructionSetKind>, text: &str) -> Result<Vec<u8>, AssembleError> {
    let program = parse(default_isa, text)?;
    let blob = program.to_builder().to_vec().map_err(|error| program.build_error(error))?;
    // The builder writes what it is given (like PolkaVM's); check the result against the parser so
    // that an assembled blob always loads.
    match ProgramBlob::parse(blob.as_slice().into()) {
        Ok(_) => Ok(blob),
        Err(error) => Err(AssembleError::Unloadable { error }),
    }
}

impl Program {
    /// Wraps a builder error, attaching the source line of the instruction it names.
    pub fn build_error(&self, error: BuildError) -> AssembleError {
        let index = match error {
            BuildError::Encode { index, .. } => Some(index),
            BuildError::BasicBlockOutOfRange { referrer: Referrer::Instruction(index), .. } => Some(index),
            _ => None,
        };
        let line = index.and_then(|index| self.instructions.get(index)).map(|item| item.line);
        AssembleError::Build { line, error }
    }

    /// A blob builder loaded with this program. `invalid` is written as an undecodable opcode so
    /// that it decodes back as `invalid` (PolkaVM's assembler has no `invalid`, so this changes
    /// nothing for its programs), and a jump table whose entries all point at offset 0 is kept
    /// (PolkaVM's writer drops it, see [`ProgramBlobBuilder::set_keep_zero_jump_table`]).
    pub fn to_builder(&self) -> ProgramBlobBuilder {
        let mut builder = ProgramBlobBuilder::new(self.isa);
        builder.set_invalid_as_undecodable(true);
        builder.set_keep_zero_jump_table(true);
        builder.set_ro_data_size(self.ro_data_size);
        builder.set_rw_data_size(self.rw_data_size);
        builder.set_stack_size(self.stack_size);
        builder.set_ro_data(self.ro_data.clone());
        builder.set_rw_data(self.rw_data.clone());
        for name in &self.imports {
            builder.add_import(name);
        }
        for export in &self.exports {
            match export.target {
                ExportTarget::BasicBlock(block) => builder.add_export_by_basic_block(block, &export.name),
                ExportTarget::Instruction(index) => builder.add_export_by_instruction(index, &export.name),
            }
        }
        for &block in &self.jump_table {
            builder.add_jump_table_entry(block);
        }
        for item in &self.instructions {
            builder.push(item.instruction);
        }
        builder
    }
}

/// Parses assembly text into a [`Program`]. `default_isa` is used when the text has no `%isa`.
pub fn parse(default_isa: Option<InstructionSetKind>, text: &str) -> Result<Program, AssembleError> {
    let mut parser = Parser::default();
    for (index, raw_line) in text.lines().enumerate() {
        parser.line(index + 1, raw_line.trim())?;
    }
    parser.finish(default_isa)
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl<'a> Parser<'a> {
    fn line(&mut self, line: usize, text: &'a str) -> Result<(), AssembleError> {
        if text.is_empty() || text.starts_with("//") {
            return Ok(());
        }
        let syntax = || AssembleError::Syntax { line, text: text.to_string() };
        if text.starts_with('%') {
            return match directives::parse_directive(text) {
                Ok(directive) => {
                    self.directive(line, directive);
                    Ok(())
                }
                Err(DirectiveError::Unknown) => Err(syntax()),
                Err(DirectiveError::BadValue) => Err(AssembleError::Directive { line }),
            };
        }
        let (is_pub, label_text) = match text.strip_prefix("pub ") {
            Some(rest) => (true, Some(rest)),
            None => (false, text.starts_with('@').then_some(text)),
        };
        if let Some(label_text) = label_text {
            let (name, no_fallthrough) = parse_label_definition(label_text).ok_or_else(syntax)?;
            return self.define_label(line, name, is_pub, no_fallthrough);
        }
        match forms::parse_instruction(text) {
            Ok(Statement::Instruction { instruction, target }) => {
                if let Some(label) = target {
                    self.references.push((line, label, Reference::Target { index: self.instructions.len() }));
                }
                self.push(line, instruction);
            }
            Ok(Statement::JumpTableAddress { reg, label }) => {
                let reference =
                    Reference::JumpTableAddress { index: self.instructions.len(), ordinal: self.jump_table_addresses };
                self.jump_table_addresses += 1;
                self.references.push((line, label, reference));
                self.push(line, Instruction { opcode: Opcode::LoadImm, args: Args::RegImm { reg, imm: 0 } });
            }
            Err(FormError::Unparsable) => return Err(syntax()),
            Err(FormError::Invalid(reason)) => return Err(AssembleError::Invalid { line, reason }),
        }
        Ok(())
    }

    fn directive(&mut self, line: usize, directive: Directive<'a>) {
        match directive {
            Directive::Isa(isa) => self.isa = Some(isa),
            Directive::RoDataSize(size) => self.ro_data_size = size,
            Directive::RwDataSize(size) => self.rw_data_size = size,
            Directive::StackSize(size) => self.stack_size = size,
            Directive::RoData(data) => self.ro_data = data,
            Directive::RwData(data) => self.rw_data = data,
            Directive::Import(name) => self.imports.push(name),
            Directive::Export { name, label } => self.references.push((line, label, Reference::Export { name })),
            Directive::JumpTable(labels) => {
                self.references.extend(labels.into_iter().map(|label| (line, label, Reference::JumpTableEntry)));
            }
        }
    }

    fn push(&mut self, line: usize, instruction: Instruction) {
        if instruction.ends_block() {
            self.block = self.block.saturating_add(1);
        }
        self.instructions.push(SourceInstruction { line, instruction });
    }

    fn define_label(
        &mut self,
        line: usize,
        name: &'a str,
        is_pub: bool,
        no_fallthrough: bool,
    ) -> Result<(), AssembleError> {
        if self.labels.contains_key(name) {
            return Err(AssembleError::DuplicateLabel { line, name: name.to_string() });
        }
        let open = self.instructions.last().is_some_and(|last| !last.instruction.ends_block());
        if open && !no_fallthrough {
            self.push(line, Instruction { opcode: Opcode::Fallthrough, args: Args::None });
        }
        let label = Label { block: self.block, instruction: to_u32(self.instructions.len()) };
        self.labels.insert(name, label);
        if is_pub {
            // A `%no_fallthrough` label inside an open block names that block, but its export
            // points at the exact instruction.
            let target = if open && no_fallthrough {
                ExportTarget::Instruction(label.instruction)
            } else {
                ExportTarget::BasicBlock(label.block)
            };
            self.public.push((name, target));
        }
        Ok(())
    }

    fn finish(mut self, default_isa: Option<InstructionSetKind>) -> Result<Program, AssembleError> {
        let isa = self.isa.or(default_isa).ok_or(AssembleError::NoIsa)?;

        let explicit_entries =
            self.references.iter().filter(|(_, _, reference)| matches!(reference, Reference::JumpTableEntry)).count();
        let mut jump_table = Vec::with_capacity(explicit_entries + self.jump_table_addresses);
        let mut allocated = Vec::with_capacity(self.jump_table_addresses);
        let mut extra_exports = Vec::new();
        for (line, name, reference) in core::mem::take(&mut self.references) {
            let label =
                *self.labels.get(name).ok_or_else(|| AssembleError::UndefinedLabel { line, name: name.to_string() })?;
            match reference {
                Reference::Target { index } => {
                    if let Some(item) = self.instructions.get_mut(index) {
                        item.instruction.args.set_target(label.block);
                    }
                }
                Reference::JumpTableAddress { index, ordinal } => {
                    let entry = to_u32(explicit_entries + ordinal);
                    let address = entry.wrapping_add(1).wrapping_mul(2);
                    if let Some(SourceInstruction {
                        instruction: Instruction { args: Args::RegImm { imm, .. }, .. },
                        ..
                    }) = self.instructions.get_mut(index)
                    {
                        *imm = address;
                    }
                    allocated.push(label.block);
                }
                Reference::JumpTableEntry => jump_table.push(label.block),
                Reference::Export { name } => {
                    extra_exports.push(Export { name, target: ExportTarget::Instruction(label.instruction) })
                }
            }
        }
        jump_table.extend(allocated);

        self.public.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut exports: Vec<Export> =
            self.public.into_iter().map(|(name, target)| Export { name: name.as_bytes().to_vec(), target }).collect();
        exports.extend(extra_exports);

        Ok(Program {
            isa,
            ro_data_size: self.ro_data_size,
            rw_data_size: self.rw_data_size,
            stack_size: self.stack_size,
            ro_data: self.ro_data,
            rw_data: self.rw_data,
            imports: self.imports,
            exports,
            jump_table,
            instructions: self.instructions,
        })
    }
}

/// `@name:` or `@name: %no_fallthrough` (without `pub `): the name and the flag.
fn parse_label_definition(text: &str) -> Option<(&str, bool)> {
    let (name, rest) = text.strip_prefix('@')?.split_once(':')?;
    if !operands::is_label_name(name) {
        return None;
    }
    match rest.trim() {
        "" => Some((name, false)),
        "%no_fallthrough" => Some((name, true)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `assemble` fuzz target: data without (or larger than) its declared size used
    /// to assemble into a blob the parser rejects.
    #[test]
    fn data_larger_than_its_declared_size_is_an_error() {
        for (text, parse_error) in [
            ("%ro_data = 81", ParseError::RoDataTooLarge),
            ("%ro_data_size = 1\n%ro_data = 8182\ntrap", ParseError::RoDataTooLarge),
            ("%rw_data = 00\ntrap", ParseError::RwDataTooLarge),
        ] {
            let error = assemble(Some(InstructionSetKind::Latest32), text).unwrap_err();
            assert_eq!(error, AssembleError::Unloadable { error: parse_error.clone() }, "{text}");
            assert_eq!(error.line(), None);
            assert_eq!(
                error.to_string(),
                alloc::format!("failed to build a program: the blob would not load ({parse_error})")
            );
        }
        assert!(assemble(Some(InstructionSetKind::Latest32), "%ro_data_size = 1\n%ro_data = 81\ntrap").is_ok());
    }

    #[test]
    fn more_imports_than_the_container_allows_is_an_error() {
        let with_imports = |count: usize| {
            let imports: String = (0..count).map(|index| alloc::format!("%import = f{index}\n")).collect();
            assemble(Some(InstructionSetKind::JamV1), &alloc::format!("{imports}trap"))
        };
        assert!(with_imports(1024).is_ok());
        assert_eq!(with_imports(1025), Err(AssembleError::Unloadable { error: ParseError::TooManyImports }));
    }

    /// Found by the `parse_blob` fuzz target (disassemble → assemble round trip): a jump table
    /// whose only entries point at offset 0 used to be written with entry size 0, which reads back
    /// as an empty jump table.
    #[test]
    fn a_jump_table_pointing_at_offset_0_is_kept() {
        for text in ["%jump_table = @_0\n@_0:\n    trap", "@start:\n    a0 = @start\n    jump [a0]"] {
            for isa in InstructionSetKind::ALL {
                let bytes = assemble(Some(isa), text).unwrap();
                let blob = ProgramBlob::parse(bytes.into()).unwrap();
                let table = blob.jump_table();
                assert_eq!(
                    (table.entry_size(), table.iter().collect::<Vec<_>>()),
                    (1, alloc::vec![0]),
                    "{isa}: {text}"
                );
            }
        }
    }
}
