//! Latest64 structure: `instructions.md` §4 and §7.2 (Latest64).

mod support;

use kestrel_program::decode::{Code, MACRO_BLOCK_SIZE};
use kestrel_program::{Args, InstructionSetKind, Opcode, Reg};
use support::decode::{invalid, items, parsed, valid_targets};

use Opcode::*;

fn code(bytes: &[u8]) -> Code<'_> {
    Code::new(InstructionSetKind::Latest64, bytes, &[])
}

#[test]
fn non_terminator_ending_at_the_code_end_is_invalid() {
    // `04 07` alone → invalid [0,2).
    let bytes = [0x04, 0x07];
    let c = code(&bytes);
    assert_eq!(items(&c), [invalid(0, 2)]);
    assert_eq!(c.first_invalid(), Some(0));
    // With a trap after it the load_imm is fine.
    let bytes = [0x04, 0x07, 0x00];
    let c = code(&bytes);
    assert_eq!(items(&c), [(0, 2, LoadImm), (2, 1, Trap)]);
    assert_eq!(c.first_invalid(), None);
    assert_eq!(c.decode_at(0).instruction.args, Args::RegImm { reg: Reg::A0, imm: 0 });
    // No implicit end item in Latest64, even after a fallthrough.
    let bytes = [0x01];
    assert_eq!(items(&code(&bytes)), [(0, 1, Fallthrough)]);
}

/// 1022 one-byte traps followed by `tail`.
fn at_1022(tail: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x00; 1022];
    bytes.extend_from_slice(tail);
    bytes
}

#[test]
fn move_reg_ending_exactly_at_the_macro_block_end_is_invalid() {
    let bytes = at_1022(&[0xE3, 0x87, 0x00]);
    let c = code(&bytes);
    let linear = items(&c);
    assert_eq!(linear[1021..], [(1021, 1, Trap), invalid(1022, 2), (1024, 1, Trap)]);
    assert_eq!(c.first_invalid(), Some(1022));
}

#[test]
fn move_reg_crossing_the_macro_block_end_is_invalid_and_decoding_resumes() {
    // move_reg at 1023 → invalid [1023,1024); the byte 0x87 at 1024 starts a new item
    // (raw 135 `or_imm`, L = 2).
    let bytes = at_1022(&[0x00, 0xE3, 0x87, 0x00, 0x00, 0x00]);
    let c = code(&bytes);
    let linear = items(&c);
    assert_eq!(linear[1022..], [(1022, 1, Trap), invalid(1023, 1), (1024, 3, OrImm), (1027, 1, Trap)]);
    assert!(c.is_instruction_boundary(1024));
    assert!(!c.is_instruction_boundary(1025));
    assert!(c.is_valid_jump_target(1024), "macro block starts are always valid");
    assert!(!c.is_valid_jump_target(1027), "after a non-terminator");
    assert_eq!(c.decode_at(1024).instruction.args, Args::RegRegImm { reg1: Reg::RA, reg2: Reg::RA, imm: 0 });
}

#[test]
fn jump_ending_exactly_at_the_macro_block_end_is_fine() {
    let bytes = at_1022(&[0xD9, 0xFE, 0x00]);
    let c = code(&bytes);
    let linear = items(&c);
    assert_eq!(linear[1022..], [(1022, 2, Jump), (1024, 1, Trap)]);
    assert_eq!(c.decode_at(1022).instruction.args, Args::Offset { target: 1020 });
    assert_eq!(c.first_invalid(), None);
}

#[test]
fn instruction_crossing_a_macro_block_is_invalid_up_to_the_block_end() {
    // load_imm (raw 8, length 6) at 1020 crosses 1024.
    let mut bytes = vec![0x00; 1020];
    bytes.extend_from_slice(&[0x08, 0x07, 0x78, 0x56, 0x34, 0x12, 0x00]);
    let c = code(&bytes);
    let linear = items(&c);
    // 0x34 at 1024 is raw 52 (branch_less_or_equal_signed_imm, L = 2) → [1024, 1027).
    assert_eq!(linear[1019..], [(1019, 1, Trap), invalid(1020, 4), (1024, 3, BranchLessOrEqualSignedImm)]);
    assert_eq!(parsed(c.decode_at(1021)), invalid(1021, 3));
    assert_eq!(c.next_boundary_after(1020), 1024);
}

#[test]
fn lone_prefix_at_the_end() {
    // FF reads raw 255 (jump_indirect, length 7) and becomes invalid up to the code end.
    let bytes = [0x00, 0xFF];
    let c = code(&bytes);
    assert_eq!(items(&c), [(0, 1, Trap), invalid(1, 1)]);
    let bytes = [0xFF];
    assert_eq!(items(&code(&bytes)), [invalid(0, 1)]);
}

#[test]
fn unassigned_raw_opcodes() {
    // FF 40 = raw 319, unassigned: a 2-byte invalid item; the next offset is a valid target.
    let bytes = [0xFF, 0x40, 0x04, 0x07, 0x00];
    let c = code(&bytes);
    assert_eq!(items(&c), [invalid(0, 2), (2, 2, LoadImm), (4, 1, Trap)]);
    assert_eq!(valid_targets(&c), [0, 2]);
    // 240..=254 are unassigned one-byte opcodes.
    let bytes = [0xF0, 0xFE, 0x00];
    let c = code(&bytes);
    assert_eq!(items(&c), [invalid(0, 1), invalid(1, 1), (2, 1, Trap)]);
    assert_eq!(valid_targets(&c), [0, 1, 2]);
    // An unassigned opcode ending exactly at the end is a normal (invalid) item too.
    let bytes = [0x00, 0xFF, 0x40];
    assert_eq!(items(&code(&bytes)), [(0, 1, Trap), invalid(1, 2)]);
}

#[test]
fn prefixed_opcodes() {
    // sbrk a0, a1 = FF FE 87; memset = FF FF.
    let bytes = [0xFF, 0xFE, 0x87, 0xFF, 0xFF, 0x00];
    let c = code(&bytes);
    assert_eq!(items(&c), [(0, 3, Sbrk), (3, 2, Memset), (5, 1, Trap)]);
    assert_eq!(c.decode_at(0).instruction.args, Args::RegReg { reg1: Reg::A0, reg2: Reg::A1 });
}

#[test]
fn boundaries_and_off_boundary_decoding() {
    // load_imm a5 (length 6) at 0, trap at 6.
    let bytes = [0x08, 0x0C, 0x88, 0xA9, 0xCB, 0xED, 0x00];
    let c = code(&bytes);
    for o in 1..6 {
        assert!(!c.is_instruction_boundary(o));
        assert_eq!(parsed(c.decode_at(o)), invalid(o, 6 - o));
        assert_eq!(c.basic_block(o).map(parsed).collect::<Vec<_>>(), [invalid(o, 6 - o)]);
        // Linear decoding from a non-boundary resynchronises at the next boundary.
        assert_eq!(c.instructions_from(o).map(parsed).collect::<Vec<_>>(), [invalid(o, 6 - o), (6, 1, Trap)]);
    }
    assert!(c.is_instruction_boundary(6) && !c.is_instruction_boundary(7));
    assert_eq!(valid_targets(&c), [0]);
    assert_eq!(c.basic_block(0).map(parsed).collect::<Vec<_>>(), [(0, 6, LoadImm), (6, 1, Trap)]);
}

#[test]
fn every_macro_block_start_is_a_target_and_boundary() {
    // Three macro blocks of `unlikely` bytes (non-terminators): each block's last item becomes
    // invalid, so every block start is reached.
    let bytes = vec![0x02; 3 * MACRO_BLOCK_SIZE as usize + 5];
    let c = code(&bytes);
    let targets = valid_targets(&c);
    assert_eq!(targets, [0, 1024, 1024 * 2, 1024 * 3]);
    let invalid_items: Vec<_> = items(&c).into_iter().filter(|item| item.2 == Invalid).collect();
    assert_eq!(invalid_items, [invalid(1023, 1), invalid(2047, 1), invalid(3071, 1), invalid(3076, 1)]);
    assert_eq!(c.jump_targets().block_start_of(2000), Some(1024));
}
