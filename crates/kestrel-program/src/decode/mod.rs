//! Instruction decoding for the legacy (bitmask) and extended (Latest64) encodings, instruction
//! boundaries and valid jump targets (`instructions.md` §2–§4, §7). Owner: decoder helper.
//!
//! CONTRACT (other modules rely on these signatures):
//! - `Code::new(isa, code: &[u8], bitmask: &[u8]) -> Code<'_>` (bitmask ignored for Latest64)
//! - `Code::instructions(&self) -> impl Iterator<Item = ParsedInstruction>` — linear decode from 0,
//!   including `invalid` items and the legacy implicit end trap
//! - `Code::decode_at(&self, offset: u32) -> ParsedInstruction` (an `invalid` item off-boundary)
//! - `Code::is_instruction_boundary(&self, offset: u32) -> bool`
//! - `Code::is_valid_jump_target(&self, offset: u32) -> bool`
//! - `Code::jump_targets(&self) -> JumpTargets` — bitset of all valid jump targets, one pass
//!
//! Additionally: [`Code::instructions_from`], [`Code::basic_block`], [`Code::next_boundary_after`],
//! [`Code::instruction_boundaries`], [`Code::is_fallthrough_target_usable`],
//! [`Code::first_invalid`], and on [`JumpTargets`] the run-time rules of §7.3/§7.4
//! ([`JumpTargets::is_fallthrough_target_usable`], [`JumpTargets::has_valid_static_successors`],
//! [`JumpTargets::resolve_dynamic_jump`], [`JumpTargets::block_start_of`]).
//!
//! How the interpreter is expected to use this (`runtime.md` §6, §7.2, §9, §13):
//! - compute [`Code::jump_targets`] once per module;
//! - a block starting at a valid target `s` is `code.basic_block(s)`; its last item ends the
//!   block. If that item is a `fallthrough`/branch, [`JumpTargets::has_valid_static_successors`]
//!   decides whether it traps at its own pc; a non-terminator running off the legacy code end
//!   meets the implicit `invalid` item at `code_len` (trap with pc = `code_len`);
//! - a host entry at `pc` is allowed iff [`Code::is_instruction_boundary`]; it charges the block
//!   starting at [`JumpTargets::block_start_of`]`(pc)`.

mod args;
mod bits;
mod extended;
mod iter;
mod legacy;
mod targets;

pub use extended::MACRO_BLOCK_SIZE;
pub use iter::{BasicBlock, Instructions};
pub use targets::{
    CODE_ADDRESS_ALIGNMENT, DynamicJump, JumpTargets, OffsetSet, RETURN_TO_HOST_ADDRESS, jump_table_index,
};

use crate::instruction::ParsedInstruction;
use crate::isa::InstructionSetKind;
use bits::Bits;
use legacy::invalid;

/// Longest code [`Code`] looks at: 2^31 − 1 bytes, the container's own limit (`blob-format.md`
/// §9.2 step 10). Longer slices are truncated, which keeps all offset arithmetic within u32.
pub const MAX_CODE_LEN: u32 = i32::MAX as u32;

/// A read-only view of a code section: instruction set, code bytes and (legacy) bitmask.
///
/// Cheap to copy; nothing is allocated except by [`Code::jump_targets`] and
/// [`Code::instruction_boundaries`]. Bits of the bitmask at or past the code length are ignored
/// and a short bitmask reads as zeros (the container parser rejects both; see `blob-format.md`
/// §9.2).
#[derive(Copy, Clone, Debug)]
pub struct Code<'a> {
    isa: InstructionSetKind,
    code: &'a [u8],
    bits: Bits<'a>,
    len: u32,
}

impl<'a> Code<'a> {
    /// A view over `code` decoded as `isa`. `bitmask` is ignored for Latest64.
    pub fn new(isa: InstructionSetKind, code: &'a [u8], bitmask: &'a [u8]) -> Self {
        let len = u32::try_from(code.len()).unwrap_or(u32::MAX).min(MAX_CODE_LEN);
        let code = code.get(..len as usize).unwrap_or(code);
        let bitmask = if isa.is_extended() { &[][..] } else { bitmask };
        Code { isa, code, bits: Bits::new(bitmask, len), len }
    }

    /// Code length in bytes.
    #[inline]
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the code is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The instruction set.
    #[inline]
    pub fn isa(&self) -> InstructionSetKind {
        self.isa
    }

    /// The code bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.code
    }

    /// Linear decoding from offset 0 (§3.3, §4.4): items that tile `[0, code_len)`, plus the
    /// zero-length items of §3.6 and the legacy implicit end item `[code_len, code_len + 1)`.
    pub fn instructions(&self) -> Instructions<'a> {
        Instructions::new(*self, 0)
    }

    /// Linear decoding from `start`. At a boundary this continues exactly like
    /// [`Code::instructions`] would from there; elsewhere the first item is the `invalid` item
    /// of [`Code::decode_at`]. Empty when `start >= code_len`.
    pub fn instructions_from(&self, start: u32) -> Instructions<'a> {
        Instructions::new(*self, start)
    }

    /// The items of the basic block starting at `start` (normally a valid jump target), up to
    /// and including the item that ends the block. Starting at a non-boundary yields one
    /// `invalid` item; starting at or past the end yields [`Code::decode_at`]`(start)`.
    pub fn basic_block(&self, start: u32) -> BasicBlock<'a> {
        BasicBlock::new(*self, start)
    }

    /// The item at `offset` (§3.4, §4.5): at an instruction boundary the item linear decoding
    /// produces there (for §3.6 the real instruction, not the zero-length item before it);
    /// elsewhere an `invalid` item up to the next boundary. At or past the code end: an
    /// `invalid` item of length 1 (like the legacy implicit end item; length 0 at `u32::MAX`).
    pub fn decode_at(&self, offset: u32) -> ParsedInstruction {
        if offset >= self.len {
            return invalid(offset, u32::from(offset != u32::MAX));
        }
        if !self.is_instruction_boundary(offset) {
            return invalid(offset, self.next_boundary_after(offset) - offset);
        }
        if self.isa.is_extended() {
            self.extended_item(offset, self.macro_block_end(offset))
        } else {
            self.legacy_item_at_boundary(offset).item
        }
    }

    /// Whether an item of linear decoding starts at `offset` (`offset < code_len`). Host entries
    /// need exactly this (`runtime.md` §7.2).
    pub fn is_instruction_boundary(&self, offset: u32) -> bool {
        if self.isa.is_extended() { self.extended_is_boundary(offset) } else { self.legacy_is_boundary(offset) }
    }

    /// The first instruction boundary after `offset`, or `code_len` if there is none. For
    /// `offset >= code_len` returns `code_len`.
    pub fn next_boundary_after(&self, offset: u32) -> u32 {
        if offset >= self.len {
            self.len
        } else if self.isa.is_extended() {
            self.extended_next_boundary_after(offset)
        } else {
            self.legacy_next_boundary_after(offset)
        }
    }

    /// §7.2: whether static jumps, branches and jump-table entries may target `offset`.
    /// Prefer [`Code::jump_targets`] when asking about many offsets.
    pub fn is_valid_jump_target(&self, offset: u32) -> bool {
        if self.isa.is_extended() {
            self.extended_is_valid_jump_target(offset)
        } else {
            self.legacy_is_valid_jump_target(offset)
        }
    }

    /// All valid jump targets, in one linear pass: an item start is valid iff it is offset 0, a
    /// Latest64 macro-block start, or the preceding item of non-zero length ends a basic block.
    pub fn jump_targets(&self) -> JumpTargets {
        let mut set = OffsetSet::new(self.len);
        let extended = self.isa.is_extended();
        let mut previous_ends_block = true;
        for item in self.instructions() {
            // The zero-length item of §3.6 is skipped: the valid-target rule looks at the
            // instruction before it.
            if item.length == 0 || item.offset >= self.len {
                continue;
            }
            if previous_ends_block || (extended && item.offset % MACRO_BLOCK_SIZE == 0) {
                set.insert(item.offset);
            }
            previous_ends_block = item.instruction.ends_block();
        }
        JumpTargets { set, extended }
    }

    /// All instruction boundaries, in one linear pass.
    pub fn instruction_boundaries(&self) -> OffsetSet {
        let mut set = OffsetSet::new(self.len);
        for item in self.instructions() {
            set.insert(item.offset);
        }
        set
    }

    /// §7.4: whether execution may continue at `next_offset` after a `fallthrough` or a
    /// conditional branch (legacy: a valid jump target; Latest64: `< code_len`). See
    /// [`JumpTargets::is_fallthrough_target_usable`], the O(1) version.
    pub fn is_fallthrough_target_usable(&self, next_offset: u32) -> bool {
        if self.isa.is_extended() { next_offset < self.len } else { self.is_valid_jump_target(next_offset) }
    }

    /// Offset of the first `invalid` item of linear decoding, including §3.6's zero-length item
    /// and the legacy implicit end item (offset `code_len`). JamV1 module creation fails with
    /// `validation failed at offset N` for this N (§3.5).
    pub fn first_invalid(&self) -> Option<u32> {
        self.instructions()
            .find(|item| item.instruction.opcode == crate::opcode::Opcode::Invalid)
            .map(|item| item.offset)
    }
}
