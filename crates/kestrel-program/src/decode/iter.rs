//! Linear decoding (`instructions.md` §3.3, §4.4) and the basic-block view.

use super::Code;
use super::legacy::invalid;
use crate::instruction::ParsedInstruction;

/// Linear decoder: yields items in order from a start offset to the end of the code.
///
/// Created by [`Code::instructions`] (from offset 0) or [`Code::instructions_from`]. Items tile the
/// code from the start offset; the legacy ISAs may add the zero-length item of §3.6 and, at the
/// end, the implicit `invalid` item `[code_len, code_len + 1)` of §3.3 (c). No allocation.
#[derive(Clone, Debug)]
pub struct Instructions<'a> {
    code: Code<'a>,
    pos: u32,
    /// End of the current Latest64 macro block (0 = recompute at `pos`).
    block_end: u32,
    /// The first item is an off-boundary `invalid` item ending here.
    off_boundary_end: Option<u32>,
    /// Legacy §3.6: a zero-length `invalid` item is due at `pos`.
    quirk_pending: bool,
    /// Legacy §3.3 (c): the last item was an assigned instruction that can fall through.
    implicit_trap_due: bool,
    finished: bool,
}

impl<'a> Instructions<'a> {
    pub(crate) fn new(code: Code<'a>, start: u32) -> Self {
        let off_boundary_end =
            (start < code.len() && !code.is_instruction_boundary(start)).then(|| code.next_boundary_after(start));
        Instructions {
            code,
            pos: start,
            block_end: 0,
            off_boundary_end,
            quirk_pending: false,
            implicit_trap_due: false,
            finished: false,
        }
    }

    /// The offset the next item will start at.
    pub fn position(&self) -> u32 {
        self.pos
    }
}

impl Iterator for Instructions<'_> {
    type Item = ParsedInstruction;

    #[inline]
    fn next(&mut self) -> Option<ParsedInstruction> {
        if self.finished {
            return None;
        }
        let len = self.code.len();
        if self.pos >= len {
            self.finished = true;
            if self.implicit_trap_due && self.pos == len {
                return Some(invalid(len, 1));
            }
            return None;
        }
        if let Some(end) = self.off_boundary_end.take() {
            let item = invalid(self.pos, end - self.pos);
            self.pos = end;
            return Some(item);
        }
        let item = if self.code.isa().is_extended() {
            if self.pos >= self.block_end {
                self.block_end = self.code.macro_block_end(self.pos);
            }
            self.code.extended_item(self.pos, self.block_end)
        } else if self.quirk_pending {
            self.quirk_pending = false;
            self.implicit_trap_due = false;
            return Some(invalid(self.pos, 0));
        } else {
            let decoded = self.code.legacy_item_at_boundary(self.pos);
            self.quirk_pending = decoded.quirk;
            self.implicit_trap_due = decoded.item.instruction.opcode.can_fall_through();
            decoded.item
        };
        self.pos = item.next_offset();
        Some(item)
    }
}

impl core::iter::FusedIterator for Instructions<'_> {}

/// The items of one basic block: from a start offset up to and including the first item that ends
/// a block (a terminator, or any `invalid` item including §3.6's zero-length one and the implicit
/// end trap). Created by [`Code::basic_block`]; always yields at least one item.
#[derive(Clone, Debug)]
pub struct BasicBlock<'a> {
    inner: Instructions<'a>,
    /// Item for a start at or past the code end (then `inner` is empty).
    past_end: Option<ParsedInstruction>,
    done: bool,
}

impl<'a> BasicBlock<'a> {
    pub(crate) fn new(code: Code<'a>, start: u32) -> Self {
        let past_end = (start >= code.len()).then(|| code.decode_at(start));
        BasicBlock { inner: Instructions::new(code, start), past_end, done: false }
    }
}

impl Iterator for BasicBlock<'_> {
    type Item = ParsedInstruction;

    #[inline]
    fn next(&mut self) -> Option<ParsedInstruction> {
        if self.done {
            return None;
        }
        let item = match self.past_end.take() {
            Some(item) => item,
            None => self.inner.next()?,
        };
        self.done = item.instruction.ends_block();
        Some(item)
    }
}

impl core::iter::FusedIterator for BasicBlock<'_> {}
