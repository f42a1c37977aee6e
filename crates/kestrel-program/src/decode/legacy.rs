//! The legacy encoding (ReviveV1, JamV1, Latest32): one opcode byte, instruction starts marked by
//! the bitmask, skip capped at 24 (`instructions.md` §3, §7.2).

use super::Code;
use super::args;
use crate::instruction::{Instruction, ParsedInstruction};
use crate::opcode::Opcode;

/// Longest skip (argument length) of a legacy instruction.
pub(crate) const MAX_SKIP: u32 = 24;

/// A decoded legacy instruction plus whether §3.6's quirk follows it.
pub(crate) struct LegacyInstruction {
    pub(crate) item: ParsedInstruction,
    /// A zero-length `invalid` item must be emitted at `item.next_offset()` before the instruction
    /// that starts there.
    pub(crate) quirk: bool,
}

impl<'a> Code<'a> {
    /// skip(pos) of §3.2: distance to the next set bit, capped at 24 and at the code end.
    #[inline]
    pub(crate) fn legacy_skip(&self, pos: u32) -> u32 {
        let next = (self.bits.window(pos + 1) | (1 << MAX_SKIP)).trailing_zeros();
        next.min(self.len - pos - 1)
    }

    /// The opcode of the legacy instruction whose opcode byte is at `pos` (`Invalid` if unassigned).
    #[inline]
    pub(crate) fn legacy_opcode(&self, pos: u32) -> Opcode {
        let byte = self.code.get(pos as usize).copied().unwrap_or(0);
        Opcode::from_legacy_byte(self.isa, byte).unwrap_or(Opcode::Invalid)
    }

    /// Decodes the instruction at `pos` (`pos < len`, bit `pos` set).
    #[inline]
    pub(crate) fn legacy_instruction(&self, pos: u32) -> LegacyInstruction {
        let skip = self.legacy_skip(pos);
        let opcode = self.legacy_opcode(pos);
        let instruction = if opcode == Opcode::Invalid {
            Instruction::INVALID
        } else {
            let window = args::window(self.code, pos + 1);
            Instruction { opcode, args: args::decode(opcode.format(), pos, &window, skip) }
        };
        // §3.6: polkavm's byte-wise scan near the code end misreads a byte-aligned next start
        // after a full 24-byte skip.
        let next = pos + skip + 1;
        let quirk = skip == MAX_SKIP
            && pos % 8 == 7
            && u64::from(pos) + 32 > u64::from(self.len)
            && next < self.len
            && self.bits.get(next);
        LegacyInstruction { item: ParsedInstruction { offset: pos, length: skip + 1, instruction }, quirk }
    }

    /// The item at a boundary `o < len`: an instruction if bit `o` is set, otherwise the
    /// `invalid` item of a leading-garbage or oversized-gap run up to the next set bit.
    #[inline]
    pub(crate) fn legacy_item_at_boundary(&self, o: u32) -> LegacyInstruction {
        if self.bits.get(o) {
            self.legacy_instruction(o)
        } else {
            let end = self.bits.next_set(o).unwrap_or(self.len);
            LegacyInstruction { item: invalid(o, end - o), quirk: false }
        }
    }

    /// §3.4: offset 0, a set bit, or the start of an oversized-gap item (nearest set bit below
    /// is exactly 25 bytes back).
    pub(crate) fn legacy_is_boundary(&self, o: u32) -> bool {
        o < self.len
            && (o == 0
                || self.bits.get(o)
                || o.checked_sub(MAX_SKIP + 1).is_some_and(|p| self.bits.prev_set_within(o, MAX_SKIP + 1) == Some(p)))
    }

    /// The first item start after `o` (`o < len`), or `len`.
    pub(crate) fn legacy_next_boundary_after(&self, o: u32) -> u32 {
        let next_set = self.bits.next_set(o + 1).unwrap_or(self.len);
        // An instruction starting in [o - 24, o] may end at a gap start before `next_set`.
        match self.bits.prev_set_within(o + 1, MAX_SKIP + 1) {
            Some(p) if p + MAX_SKIP + 1 < next_set => p + MAX_SKIP + 1,
            _ => next_set,
        }
    }

    /// §7.2 (legacy): a boundary whose preceding instruction (nearest set bit within 25 bytes, if
    /// any) ends a basic block; unassigned opcode bytes count as ending one.
    pub(crate) fn legacy_is_valid_jump_target(&self, o: u32) -> bool {
        self.legacy_is_boundary(o)
            && match self.bits.prev_set_within(o, MAX_SKIP + 1) {
                None => true,
                Some(p) => self.legacy_opcode(p).ends_block(),
            }
    }
}

/// An `invalid` item.
#[inline]
pub(crate) const fn invalid(offset: u32, length: u32) -> ParsedInstruction {
    ParsedInstruction { offset, length, instruction: Instruction::INVALID }
}
