//! Code layout: instruction offsets, jump offsets and Latest64 macro-block padding
//! (`instructions.md` §8.3, §8.4).
//!
//! Jump offsets change the size of the jumps, which moves the code, which changes the offsets. Like
//! PolkaVM, the layout starts from a guess that never overestimates a distance (one byte per
//! instruction between a jump and its target) and then re-encodes everything at the current
//! positions until a round changes nothing. Starting low means the result is the smallest
//! self-consistent layout, which is the one PolkaVM 0.37 produces (verified with two mutually
//! dependent jumps that are consistent both short and long).

use alloc::vec;
use alloc::vec::Vec;

use super::BuildError;
use crate::encode::{EncodeOptions, EncodedInstruction};
use crate::instruction::Instruction;
use crate::isa::InstructionSetKind;
use crate::opcode::Opcode;

/// Most rounds of re-encoding before the layout is declared non-convergent.
pub const MAX_LAYOUT_ROUNDS: usize = 1024;

/// Size of a Latest64 macro block; no instruction may straddle a multiple of it.
pub const MACRO_BLOCK_SIZE: u32 = 1024;

/// The finished code.
pub(super) struct CodeLayout {
    pub code: Vec<u8>,
    /// Offset of every instruction (after any padding placed before it).
    pub offsets: Vec<u32>,
}

/// One instruction to place: the instruction and, for jumps, the index of the target instruction.
pub(super) struct Item {
    pub instruction: Instruction,
    pub target: Option<usize>,
}

struct Placer<'a> {
    isa: InstructionSetKind,
    options: EncodeOptions,
    items: &'a [Item],
}

impl Placer<'_> {
    fn encode(&self, index: usize, instruction: &Instruction, pc: u32) -> Result<EncodedInstruction, BuildError> {
        instruction.encode_inline(self.isa, pc, self.options).map_err(|error| BuildError::Encode { index, error })
    }

    /// Encodes item `index` at the first position ≥ `pc` it may occupy, with its jump target at
    /// `target_pc` (ignored for items without a target). Returns the position and the bytes.
    fn place(&self, index: usize, pc: u32, target_pc: u32) -> Result<(u32, EncodedInstruction), BuildError> {
        let item = self.items.get(index).ok_or(BuildError::TooLarge { what: "code" })?;
        let mut instruction = item.instruction;
        if item.target.is_some() {
            instruction.args.set_target(target_pc);
        }
        let encoded = self.encode(index, &instruction, pc)?;
        if !self.isa.is_extended() {
            return Ok((pc, encoded));
        }
        let boundary = (pc / MACRO_BLOCK_SIZE)
            .checked_add(1)
            .and_then(|block| block.checked_mul(MACRO_BLOCK_SIZE))
            .ok_or(BuildError::TooLarge { what: "code" })?;
        let end = u64::from(pc) + encoded.len() as u64;
        let ends_block = instruction.opcode.ends_block();
        if end > u64::from(boundary) || (end == u64::from(boundary) && !ends_block) {
            // Start over at the macro-block boundary; the gap is padded by `emit`.
            let encoded = self.encode(index, &instruction, boundary)?;
            return Ok((boundary, encoded));
        }
        Ok((pc, encoded))
    }

    fn end_of(pc: u32, encoded: &EncodedInstruction) -> Result<u32, BuildError> {
        u32::try_from(encoded.len())
            .ok()
            .and_then(|len| pc.checked_add(len))
            .ok_or(BuildError::TooLarge { what: "code" })
    }

    fn target_of(&self, index: usize, offsets: &[u32]) -> u32 {
        self.items.get(index).and_then(|item| item.target).and_then(|target| offsets.get(target)).copied().unwrap_or(0)
    }
}

/// Lays out `items` (targets already resolved to instruction indices).
pub(super) fn lay_out(
    isa: InstructionSetKind,
    options: EncodeOptions,
    items: &[Item],
) -> Result<CodeLayout, BuildError> {
    let placer = Placer { isa, options, items };
    let mut offsets = vec![0u32; items.len()];
    let mut encoded = Vec::with_capacity(items.len());

    // First placement: guess each target one byte per instruction away.
    let mut pc = 0u32;
    for (index, item) in items.iter().enumerate() {
        let guess = match item.target {
            Some(target) => pc.wrapping_add((target as u32).wrapping_sub(index as u32)),
            None => 0,
        };
        let (at, bytes) = placer.place(index, pc, guess)?;
        pc = Placer::end_of(at, &bytes)?;
        if let Some(slot) = offsets.get_mut(index) {
            *slot = at;
        }
        encoded.push(bytes);
    }

    // Offsets are updated in place: a target behind the jump is seen at this round's position, the
    // jump itself and targets ahead of it at the previous round's. PolkaVM 0.37 behaves the same,
    // down to failing on the same programs (a branch to its own block can oscillate; see tests).
    let mut settled = false;
    for _ in 0..MAX_LAYOUT_ROUNDS {
        let mut changed = false;
        let mut pc = 0u32;
        for index in 0..items.len() {
            let target_pc = placer.target_of(index, &offsets);
            let (at, bytes) = placer.place(index, pc, target_pc)?;
            pc = Placer::end_of(at, &bytes)?;
            if let (Some(offset), Some(old)) = (offsets.get_mut(index), encoded.get_mut(index))
                && (*offset != at || *old != bytes)
            {
                *offset = at;
                *old = bytes;
                changed = true;
            }
        }
        if !changed {
            settled = true;
            break;
        }
    }
    if !settled {
        return Err(BuildError::LayoutDidNotConverge { rounds: MAX_LAYOUT_ROUNDS });
    }

    Ok(CodeLayout { code: emit(&offsets, &encoded), offsets })
}

/// Concatenates the instructions, filling Latest64 gaps with `unlikely` … `unlikely fallthrough`.
fn emit(offsets: &[u32], encoded: &[EncodedInstruction]) -> Vec<u8> {
    let padding = [Opcode::Unlikely, Opcode::Fallthrough]
        .map(|opcode| opcode.latest64_encodings().first().map(|encoding| encoding.raw as u8).unwrap_or_default());
    let mut code = Vec::new();
    for (&offset, bytes) in offsets.iter().zip(encoded) {
        let gap = (offset as usize).saturating_sub(code.len());
        if gap > 0 {
            code.resize(code.len() + gap - 1, padding[0]);
            code.push(padding[1]);
        }
        code.extend_from_slice(bytes.as_bytes());
    }
    code
}
