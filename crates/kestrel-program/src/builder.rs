//! The blob builder/writer, byte-identical to PolkaVM 0.37's `ProgramBlobBuilder`
//! (`blob-format.md` §13, `instructions.md` §8).
//!
//! CONTRACT: `ProgramBlobBuilder::new(isa)`, `set_ro_data_size/set_rw_data_size/set_stack_size(u32)`,
//! `set_ro_data/set_rw_data(Vec<u8>)`, `add_import(&[u8])`, `add_export_by_basic_block(block: u32, &[u8])`,
//! `add_export_by_instruction(index: u32, &[u8])`, `add_jump_table_entry(block: u32)`,
//! `push(Instruction)` (targets are basic-block indices), `add_custom_section(id: u8, Vec<u8>)`,
//! `set_ignore_instruction_set_incompatibility(bool)`, `to_vec() -> Result<Vec<u8>, BuildError>`.
//!
//! Basic blocks are numbered in push order: block 0 starts at the first instruction and a new
//! block starts after every instruction that ends one (`instructions.md` §7.1). Jump targets, jump
//! table entries and block exports name these blocks; a block must contain an instruction (the
//! empty "block" after a final terminator cannot be referenced). For Latest64 a `trap` is appended
//! when the last instruction does not end a block; it belongs to the last block.
//!
//! Kestrel extension: [`ProgramBlobBuilder::set_invalid_as_undecodable`] writes `Opcode::Invalid`
//! as an opcode that decodes back as `invalid` (legacy byte 254, Latest64 raw 240) instead of
//! PolkaVM's `trap`, so decoded programs round-trip faithfully.

mod layout;

use alloc::vec::Vec;
use core::fmt;

use crate::blob::writer::{Sections, TooLarge, entry_size_to_write};
use crate::encode::{EncodeError, EncodeOptions};
use crate::instruction::{Args, Instruction};
use crate::isa::InstructionSetKind;
use crate::opcode::Opcode;

pub use crate::blob::writer::jump_table_entry_size;
pub use layout::{MACRO_BLOCK_SIZE, MAX_LAYOUT_ROUNDS};

/// What refers to a basic block or an instruction, for error messages.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Referrer {
    /// The jump target of the instruction with this index.
    Instruction(usize),
    /// Jump table entry with this index.
    JumpTableEntry(usize),
    /// Export with this index (in the order added).
    Export(usize),
}

impl fmt::Display for Referrer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Referrer::Instruction(index) => write!(f, "instruction #{index}"),
            Referrer::JumpTableEntry(index) => write!(f, "jump table entry #{index}"),
            Referrer::Export(index) => write!(f, "export #{index}"),
        }
    }
}

/// Why a blob could not be built. Messages contain PolkaVM's `failed to build a program: `.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum BuildError {
    /// Instruction `index` (in push order) could not be encoded.
    #[error("failed to build a program: {error}")]
    Encode { index: usize, error: EncodeError },
    #[error(
        "failed to build a program: {referrer} refers to basic block {block}, but the code has {count} basic blocks"
    )]
    BasicBlockOutOfRange { referrer: Referrer, block: u32, count: usize },
    #[error(
        "failed to build a program: {referrer} refers to instruction {index}, but the code has {count} instructions"
    )]
    InstructionOutOfRange { referrer: Referrer, index: u32, count: usize },
    /// The jump-offset fixed point was not reached within [`MAX_LAYOUT_ROUNDS`] rounds. The
    /// message is PolkaVM 0.37's, "internal error" prefix included (verified).
    #[error("internal error: failed to build a program: the code layout did not reach a steady state")]
    LayoutDidNotConverge { rounds: usize },
    #[error("failed to build a program: the {what} is too large")]
    TooLarge { what: &'static str },
}

/// Where an export points.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExportTarget {
    /// The first instruction of a basic block.
    BasicBlock(u32),
    /// An instruction by its index in push order (Latest64: the appended `trap` included).
    Instruction(u32),
}

/// A built blob plus where everything ended up.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BuiltProgram {
    /// The `.polkavm` bytes.
    pub blob: Vec<u8>,
    /// Code offset of every instruction in push order, including an appended Latest64 `trap`.
    pub instruction_offsets: Vec<u32>,
    /// Code offset of every basic block.
    pub basic_block_offsets: Vec<u32>,
    /// The jump table as written (code offsets).
    pub jump_table: Vec<u32>,
}

/// Writes `.polkavm` blobs.
#[derive(Clone, Debug)]
pub struct ProgramBlobBuilder {
    isa: InstructionSetKind,
    ro_data_size: u32,
    rw_data_size: u32,
    stack_size: u32,
    ro_data: Vec<u8>,
    rw_data: Vec<u8>,
    imports: Vec<Vec<u8>>,
    exports: Vec<(ExportTarget, Vec<u8>)>,
    jump_table: Vec<u32>,
    code: Vec<Instruction>,
    custom_sections: Vec<(u8, Vec<u8>)>,
    options: EncodeOptions,
    keep_zero_jump_table: bool,
}

impl ProgramBlobBuilder {
    /// An empty program for `isa`.
    pub fn new(isa: InstructionSetKind) -> Self {
        ProgramBlobBuilder {
            isa,
            ro_data_size: 0,
            rw_data_size: 0,
            stack_size: 0,
            ro_data: Vec::new(),
            rw_data: Vec::new(),
            imports: Vec::new(),
            exports: Vec::new(),
            jump_table: Vec::new(),
            code: Vec::new(),
            custom_sections: Vec::new(),
            options: EncodeOptions::default(),
            keep_zero_jump_table: false,
        }
    }

    /// The instruction set being written.
    pub fn isa(&self) -> InstructionSetKind {
        self.isa
    }

    /// Write instructions the set lacks as opcode byte 254 instead of failing.
    pub fn set_ignore_instruction_set_incompatibility(&mut self, value: bool) {
        self.options.ignore_instruction_set_incompatibility = value;
    }

    /// Kestrel extension: write `Opcode::Invalid` as an undecodable opcode (legacy 254, Latest64
    /// raw 240) instead of `trap`.
    pub fn set_invalid_as_undecodable(&mut self, value: bool) {
        self.options.invalid_as_undecodable = value;
    }

    /// Kestrel extension: write a non-empty jump table whose entries are all 0 with entry size 1.
    /// PolkaVM's writer gives it entry size 0, which the parser reads as an empty jump table
    /// (`blob-format.md` quirk Q6), so every dynamic jump through it traps.
    pub fn set_keep_zero_jump_table(&mut self, value: bool) {
        self.keep_zero_jump_table = value;
    }

    pub fn set_ro_data_size(&mut self, size: u32) {
        self.ro_data_size = size;
    }

    pub fn set_rw_data_size(&mut self, size: u32) {
        self.rw_data_size = size;
    }

    pub fn set_stack_size(&mut self, size: u32) {
        self.stack_size = size;
    }

    /// Initial read-only data (not checked against the declared size; the parser does that).
    pub fn set_ro_data(&mut self, data: Vec<u8>) {
        self.ro_data = data;
    }

    /// Initial read-write data (not checked against the declared size; the parser does that).
    pub fn set_rw_data(&mut self, data: Vec<u8>) {
        self.rw_data = data;
    }

    /// Adds an import; its index (for `ecalli`) is the number of imports added before it.
    pub fn add_import(&mut self, name: &[u8]) {
        self.imports.push(name.to_vec());
    }

    /// Exports the start of a basic block.
    pub fn add_export_by_basic_block(&mut self, block: u32, name: &[u8]) {
        self.exports.push((ExportTarget::BasicBlock(block), name.to_vec()));
    }

    /// Exports an instruction by its index in push order.
    pub fn add_export_by_instruction(&mut self, index: u32, name: &[u8]) {
        self.exports.push((ExportTarget::Instruction(index), name.to_vec()));
    }

    /// Appends a jump-table entry pointing at a basic block. Returns the entry's index k; dynamic
    /// jumps reach it through the address `2·(k+1)`.
    pub fn add_jump_table_entry(&mut self, block: u32) -> usize {
        self.jump_table.push(block);
        self.jump_table.len() - 1
    }

    /// Appends an instruction; static targets in it are basic-block indices.
    pub fn push(&mut self, instruction: Instruction) {
        self.code.push(instruction);
    }

    /// Replaces the code and the jump table (PolkaVM's `set_code`).
    pub fn set_code(&mut self, code: &[Instruction], jump_table: &[u32]) {
        self.code = code.to_vec();
        self.jump_table = jump_table.to_vec();
    }

    /// Instructions pushed so far.
    pub fn instructions(&self) -> &[Instruction] {
        &self.code
    }

    /// Adds a section written after the code section, in the order added; empty ones are skipped.
    pub fn add_custom_section(&mut self, id: u8, contents: Vec<u8>) {
        self.custom_sections.push((id, contents));
    }

    /// Builds the blob.
    pub fn to_vec(&self) -> Result<Vec<u8>, BuildError> {
        self.build().map(|built| built.blob)
    }

    /// Builds the blob and reports the final code offsets.
    pub fn build(&self) -> Result<BuiltProgram, BuildError> {
        let mut code = self.code.clone();
        if self.isa.is_extended() && code.last().is_some_and(|last| !last.ends_block()) {
            code.push(Instruction { opcode: Opcode::Trap, args: Args::None });
        }
        self.check_instruction_set(&code)?;

        let block_starts = basic_block_starts(&code);
        let resolve_block = |block: u32, referrer| {
            block_starts.get(block as usize).copied().ok_or(BuildError::BasicBlockOutOfRange {
                referrer,
                block,
                count: block_starts.len(),
            })
        };

        let mut items = Vec::with_capacity(code.len());
        for (index, instruction) in code.iter().enumerate() {
            let target = match instruction.args.target() {
                Some(block) => Some(resolve_block(block, Referrer::Instruction(index))?),
                None => None,
            };
            items.push(layout::Item { instruction: *instruction, target });
        }
        let jump_table_targets = self
            .jump_table
            .iter()
            .enumerate()
            .map(|(entry, &block)| resolve_block(block, Referrer::JumpTableEntry(entry)))
            .collect::<Result<Vec<_>, _>>()?;
        let export_targets = self
            .exports
            .iter()
            .enumerate()
            .map(|(export, (target, _))| match *target {
                ExportTarget::BasicBlock(block) => resolve_block(block, Referrer::Export(export)),
                ExportTarget::Instruction(index) if (index as usize) < code.len() => Ok(index as usize),
                ExportTarget::Instruction(index) => Err(BuildError::InstructionOutOfRange {
                    referrer: Referrer::Export(export),
                    index,
                    count: code.len(),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;

        let laid_out = layout::lay_out(self.isa, self.options, &items)?;
        let offset_of = |index: usize| laid_out.offsets.get(index).copied().unwrap_or(0);
        let jump_table: Vec<u32> = jump_table_targets.iter().map(|&index| offset_of(index)).collect();
        let exports: Vec<(u32, &[u8])> =
            export_targets.iter().zip(&self.exports).map(|(&index, (_, name))| (offset_of(index), &name[..])).collect();

        let blob = self.write_blob(&laid_out, &jump_table, &exports)?;
        Ok(BuiltProgram {
            blob,
            basic_block_offsets: block_starts.iter().map(|&index| offset_of(index)).collect(),
            instruction_offsets: laid_out.offsets,
            jump_table,
        })
    }

    fn check_instruction_set(&self, code: &[Instruction]) -> Result<(), BuildError> {
        if self.options.ignore_instruction_set_incompatibility {
            return Ok(());
        }
        for (index, instruction) in code.iter().enumerate() {
            let opcode = instruction.opcode;
            if opcode != Opcode::Invalid && !opcode.is_in(self.isa) {
                let error = EncodeError::NotAvailable { opcode, isa: self.isa };
                return Err(BuildError::Encode { index, error });
            }
        }
        Ok(())
    }

    fn write_blob(
        &self,
        laid_out: &layout::CodeLayout,
        jump_table: &[u32],
        exports: &[(u32, &[u8])],
    ) -> Result<Vec<u8>, BuildError> {
        let sections = Sections {
            isa: self.isa,
            ro_data_size: self.ro_data_size,
            rw_data_size: self.rw_data_size,
            stack_size: self.stack_size,
            ro_data: &self.ro_data,
            rw_data: &self.rw_data,
            imports: &self.imports,
            exports,
            jump_table,
            jump_table_entry_size: entry_size_to_write(jump_table, self.keep_zero_jump_table),
            code: &laid_out.code,
            bitmask: &self.bitmask(laid_out),
            custom_sections: &self.custom_sections,
        };
        sections.write().map_err(|TooLarge(what)| BuildError::TooLarge { what })
    }

    /// One bit per code byte, set where an instruction starts (legacy sets only).
    fn bitmask(&self, laid_out: &layout::CodeLayout) -> Vec<u8> {
        if self.isa.is_extended() {
            return Vec::new();
        }
        let mut bitmask = alloc::vec![0u8; laid_out.code.len().div_ceil(8)];
        for &offset in &laid_out.offsets {
            if let Some(byte) = bitmask.get_mut(offset as usize / 8) {
                *byte |= 1 << (offset % 8);
            }
        }
        bitmask
    }
}

/// Index of the first instruction of every basic block.
fn basic_block_starts(code: &[Instruction]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut block_open = false;
    for (index, instruction) in code.iter().enumerate() {
        if !block_open {
            starts.push(index);
            block_open = true;
        }
        if instruction.ends_block() {
            block_open = false;
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_start_after_terminators() {
        let trap = Instruction { opcode: Opcode::Trap, args: Args::None };
        let ecalli = Instruction { opcode: Opcode::Ecalli, args: Args::Imm { imm: 0 } };
        assert_eq!(basic_block_starts(&[]), Vec::<usize>::new());
        assert_eq!(basic_block_starts(&[ecalli, ecalli, trap, trap, ecalli]), [0, 3, 4]);
        assert_eq!(basic_block_starts(&[trap, trap]), [0, 1]);
    }

    #[test]
    fn a_zero_jump_table_is_dropped_like_polkavm_unless_kept() {
        let mut builder = ProgramBlobBuilder::new(InstructionSetKind::JamV1);
        builder.push(Instruction { opcode: Opcode::Trap, args: Args::None });
        builder.add_jump_table_entry(0);
        let build = |builder: &ProgramBlobBuilder| {
            let bytes = builder.to_vec().unwrap();
            let table: Vec<u32> =
                crate::ProgramBlob::parse(bytes.as_slice().into()).unwrap().jump_table().iter().collect();
            (bytes[13..].to_vec(), table)
        };
        // Section 6: count 1, entry size 0, code length 1, trap, bitmask; then the end marker.
        assert_eq!(build(&builder), (alloc::vec![6, 5, 1, 0, 1, 0, 1, 0], alloc::vec![]));
        builder.set_keep_zero_jump_table(true);
        assert_eq!(build(&builder), (alloc::vec![6, 6, 1, 1, 1, 0, 0, 1, 0], alloc::vec![0]));
    }
}
