//! Decoding helpers: hand-made legacy code, bitmasks and decoded items as triples.

use kestrel_program::decode::Code;
use kestrel_program::{Opcode, ParsedInstruction};

/// Bitmask bytes (`blob-format.md` §9.4) with a bit for each offset in `starts`.
pub fn bitmask(starts: &[u32], code_len: usize) -> Vec<u8> {
    let mut mask = vec![0u8; code_len.div_ceil(8)];
    for &start in starts {
        mask[start as usize / 8] |= 1 << (start % 8);
    }
    mask
}

/// Concatenates legacy instructions; returns the code and a bitmask marking every start.
pub fn legacy(instructions: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
    let mut code = Vec::new();
    let mut starts = Vec::new();
    for bytes in instructions {
        starts.push(code.len() as u32);
        code.extend_from_slice(bytes);
    }
    let mask = bitmask(&starts, code.len());
    (code, mask)
}

/// `(offset, length, opcode)` of every item of linear decoding.
pub fn items(code: &Code<'_>) -> Vec<(u32, u32, Opcode)> {
    code.instructions().map(|item| (item.offset, item.length, item.instruction.opcode)).collect()
}

/// Every valid jump target, probed offset by offset with `is_valid_jump_target` (up to
/// `code_len + 2`), after checking it agrees with the one-pass `jump_targets()`.
pub fn valid_targets(code: &Code<'_>) -> Vec<u32> {
    let targets = code.jump_targets();
    let probed: Vec<u32> = (0..code.len() + 2).filter(|&o| code.is_valid_jump_target(o)).collect();
    assert_eq!(targets.iter().collect::<Vec<_>>(), probed, "jump_targets() disagrees with is_valid_jump_target");
    probed
}

pub fn invalid(offset: u32, length: u32) -> (u32, u32, Opcode) {
    (offset, length, Opcode::Invalid)
}

pub fn parsed(item: ParsedInstruction) -> (u32, u32, Opcode) {
    (item.offset, item.length, item.instruction.opcode)
}
