//! The extended encoding (Latest64): 1- or 2-byte opcodes that fix the length, decoded in
//! 1024-byte macro blocks (`instructions.md` §4, §7.2).

use super::Code;
use super::args;
use super::legacy::invalid;
use crate::instruction::{Instruction, ParsedInstruction};
use crate::opcode::Opcode;

/// Size of a macro block.
pub const MACRO_BLOCK_SIZE: u32 = 1024;

/// Raw opcode prefix byte for raw opcodes >= 255.
const PREFIX: u8 = 0xff;

/// The fixed shape of a raw opcode at some position.
#[derive(Copy, Clone)]
struct Shape {
    /// Opcode (`Invalid` for an unassigned raw opcode).
    opcode: Opcode,
    /// Opcode bytes (1, or 2 with the `FF` prefix).
    opcode_len: u32,
    /// Argument length L.
    arg_len: u32,
}

impl Shape {
    #[inline]
    fn total_len(self) -> u32 {
        self.opcode_len + self.arg_len
    }
}

/// §4.1/§4.2 for the two bytes at an instruction start.
#[inline]
fn shape(first: u8, second: u8) -> Shape {
    let (raw, opcode_len) = if first == PREFIX { (255 + u16::from(second), 2) } else { (u16::from(first), 1) };
    match Opcode::from_latest64_raw(raw) {
        Some((opcode, arg_len)) => Shape { opcode, opcode_len, arg_len: u32::from(arg_len) },
        None => Shape { opcode: Opcode::Invalid, opcode_len, arg_len: 0 },
    }
}

impl<'a> Code<'a> {
    /// End of the macro block containing `pos` (the code end for the last block).
    #[inline]
    pub(crate) fn macro_block_end(&self, pos: u32) -> u32 {
        (pos / MACRO_BLOCK_SIZE + 1).saturating_mul(MACRO_BLOCK_SIZE).min(self.len)
    }

    #[inline]
    fn shape_at(&self, pos: u32) -> Shape {
        let first = self.code.get(pos as usize).copied().unwrap_or(0);
        let second = self.code.get(pos as usize + 1).copied().unwrap_or(0);
        shape(first, second)
    }

    /// Length of the item at `pos` inside the macro block ending at `block_end`, and whether it
    /// ends a basic block (§4.3 applied; no operand decoding).
    #[inline]
    fn extended_len_and_end(&self, pos: u32, block_end: u32) -> (u32, bool) {
        let shape = self.shape_at(pos);
        let len = shape.total_len();
        if pos + len >= block_end {
            // Overhanging items, and non-terminators ending exactly at the block end, become
            // `invalid` up to the block end; both end a basic block.
            (block_end - pos, true)
        } else {
            (len, shape.opcode.ends_block())
        }
    }

    /// Decodes the item at boundary `pos` of the macro block ending at `block_end` (§4.4).
    #[inline]
    pub(crate) fn extended_item(&self, pos: u32, block_end: u32) -> ParsedInstruction {
        let window = args::window(self.code, pos);
        let shape = shape(window[0], window[1]);
        let len = shape.total_len();
        if pos + len > block_end || (pos + len == block_end && !shape.opcode.ends_block()) {
            return invalid(pos, block_end - pos);
        }
        if shape.opcode == Opcode::Invalid {
            return invalid(pos, len);
        }
        let mut arg_bytes = [0u8; args::WINDOW];
        // Argument bytes start after the opcode; the shifted-in tail is past every format's reach.
        for (slot, byte) in arg_bytes.iter_mut().zip(window.iter().skip(shape.opcode_len as usize)) {
            *slot = *byte;
        }
        let args = args::decode(shape.opcode.format(), pos, &arg_bytes, shape.arg_len);
        ParsedInstruction { offset: pos, length: len, instruction: Instruction { opcode: shape.opcode, args } }
    }

    /// Walks `o`'s macro block from its start over every item that starts before `o`. Returns the
    /// position reached (the first item start `>= o`, or the block end) and whether the last item
    /// walked over ends a basic block (`None` if `o` is the block start).
    fn extended_walk(&self, o: u32) -> (u32, Option<bool>) {
        let block_end = self.macro_block_end(o);
        let mut pos = o - o % MACRO_BLOCK_SIZE;
        let mut last_ends_block = None;
        while pos < o && pos < block_end {
            let (len, ends) = self.extended_len_and_end(pos, block_end);
            pos += len;
            last_ends_block = Some(ends);
        }
        (pos, last_ends_block)
    }

    /// §4.5: `o` is reached by decoding its macro block from the start.
    pub(crate) fn extended_is_boundary(&self, o: u32) -> bool {
        o < self.len && self.extended_walk(o).0 == o
    }

    /// The first item start after `o` (`o < len`), or the block end.
    pub(crate) fn extended_next_boundary_after(&self, o: u32) -> u32 {
        self.extended_walk(o + 1).0
    }

    /// §7.2 (Latest64): a macro-block start, or the end of an item that ends a basic block.
    pub(crate) fn extended_is_valid_jump_target(&self, o: u32) -> bool {
        if o >= self.len {
            return false;
        }
        match self.extended_walk(o) {
            (pos, Some(ends_block)) => pos == o && ends_block,
            (_, None) => true,
        }
    }
}
