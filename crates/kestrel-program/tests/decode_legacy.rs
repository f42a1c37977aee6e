//! Legacy instruction structure: `instructions.md` §3.3–§3.6 and §7.2 (legacy).

mod support;

use kestrel_program::decode::Code;
use kestrel_program::{Args, InstructionSetKind, Opcode, Reg};
use support::decode::{bitmask, invalid, items, legacy, parsed, valid_targets};

use InstructionSetKind::{JamV1, Latest32, ReviveV1};
use Opcode::*;

#[test]
fn oversized_gap_becomes_an_invalid_item() {
    // fallthrough at 0, next bit at 26 → fallthrough [0,25), invalid [25,26), trap [26,27).
    let mut code = vec![0u8; 27];
    code[0] = 0x01;
    let mask = bitmask(&[0, 26], code.len());
    for isa in [JamV1, ReviveV1, Latest32] {
        let code = Code::new(isa, &code, &mask);
        assert_eq!(items(&code), [(0, 25, Fallthrough), invalid(25, 1), (26, 1, Trap)]);
        assert!(code.is_instruction_boundary(25));
        assert!(!code.is_instruction_boundary(24) && !code.is_instruction_boundary(1));
        assert_eq!(parsed(code.decode_at(25)), invalid(25, 1));
        assert_eq!(code.first_invalid(), Some(25));
        // 25 follows a `fallthrough`; 26 follows the gap item.
        assert_eq!(valid_targets(&code), [0, 25, 26]);
    }
}

#[test]
fn skip_24_followed_by_a_set_bit_is_a_normal_boundary() {
    let mut code = vec![0u8; 26];
    code[0] = 0x01;
    let mask = bitmask(&[0, 25], code.len());
    let code = Code::new(JamV1, &code, &mask);
    assert_eq!(items(&code), [(0, 25, Fallthrough), (25, 1, Trap)]);
    assert_eq!(code.first_invalid(), None);
}

#[test]
fn long_gap_after_a_non_terminator() {
    // load_imm at 0, nothing else marked in 60 bytes, then a trap.
    let mut code = vec![0u8; 61];
    code[0] = 0x33;
    code[1] = 0x07;
    let mask = bitmask(&[0, 60], code.len());
    let code = Code::new(JamV1, &code, &mask);
    assert_eq!(items(&code), [(0, 25, LoadImm), invalid(25, 35), (60, 1, Trap)]);
    // The gap item continues load_imm's block, so only the item after it is a new target.
    assert_eq!(valid_targets(&code), [0, 60]);
    assert!(code.is_instruction_boundary(25));
    for o in (1..25).chain(26..60) {
        assert!(!code.is_instruction_boundary(o), "{o}");
    }
    // Off-boundary decodes end at the next item start.
    assert_eq!(parsed(code.decode_at(3)), invalid(3, 22));
    assert_eq!(parsed(code.decode_at(30)), invalid(30, 30));
    assert_eq!(code.next_boundary_after(0), 25);
    assert_eq!(code.next_boundary_after(25), 60);
    assert_eq!(code.next_boundary_after(60), 61);
}

#[test]
fn leading_garbage_item() {
    let code = [0x00, 0x00, 0x00, 0x01, 0x00];
    let mask = bitmask(&[3], code.len());
    let code = Code::new(JamV1, &code, &mask);
    // invalid [0,3), fallthrough [3,5) (skip reaches the code end), implicit end trap.
    assert_eq!(items(&code), [invalid(0, 3), (3, 2, Fallthrough), invalid(5, 1)]);
    assert!(code.is_instruction_boundary(0));
    assert!(!code.is_instruction_boundary(1));
    assert_eq!(parsed(code.decode_at(0)), invalid(0, 3));
    assert_eq!(parsed(code.decode_at(2)), invalid(2, 1));
    assert_eq!(valid_targets(&code), [0, 3]);
    assert_eq!(code.first_invalid(), Some(0));

    // No bit at all: a single invalid item and nothing after it.
    let code = [0x01, 0x01];
    let code = Code::new(JamV1, &code, &[0]);
    assert_eq!(items(&code), [invalid(0, 2)]);
    assert_eq!(valid_targets(&code), [0]);
}

fn last_items(isa: InstructionSetKind, parts: &[&[u8]]) -> Vec<(u32, u32, Opcode)> {
    let (code, mask) = legacy(parts);
    items(&Code::new(isa, &code, &mask))
}

#[test]
fn implicit_end_trap_after_assigned_fall_through_capable_instructions() {
    // fallthrough, branches, ordinary instructions and ecalli get the implicit item.
    let cases: [(&[u8], Opcode); 6] = [
        (&[0x01], Fallthrough),
        (&[0xAA, 0x87], BranchEq),
        (&[0x51, 0x17, 0x05, 0xF6], BranchEqImm),
        (&[0xC8, 0x98, 0x07], Add64),
        (&[0x0A], Ecalli),
        (&[0x02], Unlikely),
    ];
    for (bytes, opcode) in cases {
        let len = 1 + bytes.len() as u32;
        assert_eq!(last_items(JamV1, &[&[0x00], bytes]), [(0, 1, Trap), (1, len - 1, opcode), invalid(len, 1)]);
    }
    // sbrk exists in Latest32 only.
    assert_eq!(last_items(Latest32, &[&[0x65, 0x87]]), [(0, 2, Sbrk), invalid(2, 1)]);
    let (code, mask) = legacy(&[&[0x01]]);
    assert_eq!(Code::new(JamV1, &code, &mask).first_invalid(), Some(1));
}

#[test]
fn no_implicit_end_trap_after_non_falling_instructions_or_invalid_items() {
    let cases: [(&[u8], Opcode); 5] = [
        (&[0x00], Trap),
        (&[0x28, 0x00], Jump),
        (&[0x32, 0x00], JumpIndirect),
        (&[0x50, 0x10, 0x04, 0x14], LoadImmAndJump),
        (&[0xB4, 0x20, 0x01, 0x10], LoadImmAndJumpIndirect),
    ];
    for (bytes, opcode) in cases {
        assert_eq!(last_items(JamV1, &[bytes]), [(0, bytes.len() as u32, opcode)]);
    }
    // Unassigned byte (and mnemonics the ISA lacks: `unlikely` in ReviveV1, `sbrk` in JamV1 = 101
    // is count_set_bits_64 there, so use the unassigned 254).
    assert_eq!(last_items(JamV1, &[&[0x00], &[0xFE, 0x00]]), [(0, 1, Trap), invalid(1, 2)]);
    assert_eq!(last_items(ReviveV1, &[&[0x02]]), [invalid(0, 1)]);
    // A trailing gap item.
    let mut code = vec![0u8; 30];
    code[0] = 0x33;
    let mask = bitmask(&[0], code.len());
    assert_eq!(items(&Code::new(JamV1, &code, &mask)), [(0, 25, LoadImm), invalid(25, 5)]);
    // Empty code: nothing at all.
    let empty = Code::new(JamV1, &[], &[]);
    assert_eq!(items(&empty), []);
    assert_eq!(valid_targets(&empty), [0u32; 0]);
    assert!(!empty.is_instruction_boundary(0));
}

#[test]
fn implicit_end_item_is_a_block_end_reached_by_fall_through() {
    let (code, mask) = legacy(&[&[0x00], &[0x33, 0x07, 0x01], &[0x95, 0x77, 0x01]]);
    let code = Code::new(JamV1, &code, &mask);
    let block: Vec<_> = code.basic_block(1).map(parsed).collect();
    assert_eq!(block, [(1, 3, LoadImm), (4, 3, AddImm64), invalid(7, 1)]);
    assert_eq!(parsed(code.decode_at(7)), invalid(7, 1));
    assert_eq!(code.basic_block(7).map(parsed).collect::<Vec<_>>(), [invalid(7, 1)]);
    assert!(!code.is_valid_jump_target(7));
}

/// §3.6: seven `fallthrough`s at 0..7, `insn` at 7 with skip 24 (bits 8..=31 clear), then the
/// next instruction at 32 and `tail` after it.
fn quirk_program(insn: &[u8], code_len: usize) -> (Vec<u8>, Vec<u8>) {
    let mut code = vec![0x01; 7];
    code.extend_from_slice(insn);
    code.resize(32, 0x00);
    code.extend_from_slice(&[0x33, 0x08, 0x05]); // a1 = 5 at 32..35
    let mut starts: Vec<u32> = (0..8).chain([32]).collect();
    while code.len() < code_len {
        starts.push(code.len() as u32);
        code.push(0x00); // trap
    }
    let mask = bitmask(&starts, code.len());
    (code, mask)
}

#[test]
fn byte_aligned_24_byte_skip_quirk_near_the_end() {
    for code_len in [36, 38] {
        for isa in [JamV1, Latest32] {
            // Non-terminator at 7: the block through 7 ends in the zero-length invalid at 32.
            let (code, mask) = quirk_program(&[0x33, 0x07, 0x01], code_len);
            let code = Code::new(isa, &code, &mask);
            let linear = items(&code);
            assert_eq!(linear[7], (7, 25, LoadImm));
            assert_eq!(linear[8], invalid(32, 0));
            assert_eq!(linear[9], (32, 3, LoadImm));
            assert_eq!(linear.len(), 10 + code_len - 35);
            assert_eq!(code.first_invalid(), Some(32), "validation fails at j");
            assert!(code.is_instruction_boundary(32));
            // decode_at(j) is the real instruction.
            let at_j = code.decode_at(32);
            assert_eq!(at_j.instruction.args, Args::RegImm { reg: Reg::A1, imm: 5 });
            let block: Vec<_> = code.basic_block(7).map(parsed).collect();
            assert_eq!(block, [linear[7], invalid(32, 0)]);
            // 32 is not a valid target (the instruction at 7 does not end a block), so the
            // enclosing block of a host entry at 32 starts at 7 and its item at 32 traps.
            let targets = valid_targets(&code);
            assert!(!targets.contains(&32));
            assert_eq!(code.jump_targets().block_start_of(32), Some(7));

            // Terminator at 7: the interpreter decodes the block at j afresh.
            let (code, mask) = quirk_program(&[0x01], code_len);
            let code = Code::new(isa, &code, &mask);
            let linear = items(&code);
            assert_eq!(&linear[7..10], [(7, 25, Fallthrough), invalid(32, 0), (32, 3, LoadImm)]);
            assert_eq!(code.basic_block(7).map(parsed).collect::<Vec<_>>(), [(7, 25, Fallthrough)]);
            assert_eq!(code.basic_block(32).map(parsed).collect::<Vec<_>>(), [(32, 3, LoadImm), (35, 1, Trap)]);
            assert!(valid_targets(&code).contains(&32));
            assert_eq!(code.first_invalid(), Some(32));
        }
    }
}

#[test]
fn quirk_needs_all_its_conditions() {
    // Code long enough for polkavm's fast path (pos + 32 <= code_len): no quirk.
    let (code, mask) = quirk_program(&[0x01], 39);
    let code = Code::new(JamV1, &code, &mask);
    assert_eq!(code.first_invalid(), None);
    assert_eq!(items(&code)[8], (32, 3, LoadImm));
    // pos not ≡ 7 (mod 8): move everything one byte earlier.
    let mut code = vec![0x01; 7];
    code.resize(31, 0x00);
    code.extend_from_slice(&[0x33, 0x08, 0x05, 0x00]);
    let mask = bitmask(&[0, 1, 2, 3, 4, 5, 6, 31, 34], code.len());
    let code = Code::new(JamV1, &code, &mask);
    assert_eq!(code.first_invalid(), None);
    assert_eq!(items(&code)[6..], [(6, 25, Fallthrough), (31, 3, LoadImm), (34, 1, Trap)]);
}

#[test]
fn valid_jump_targets_example() {
    // trap; a0 = 1; a0 = a0 + a0; fallthrough; <unknown byte>; a0 = 2; trap
    let (code, mask) =
        legacy(&[&[0x00], &[0x33, 0x07, 0x01], &[0xC8, 0x77, 0x07], &[0x01], &[0xFE], &[0x33, 0x07, 0x02], &[0x00]]);
    let code = Code::new(JamV1, &code, &mask);
    let starts: Vec<u32> = code.instructions().map(|item| item.offset).collect();
    assert_eq!(starts, [0, 1, 4, 7, 8, 9, 12]);
    assert_eq!(valid_targets(&code), [0, 1, 8, 9]);
    let targets = code.jump_targets();
    assert_eq!(targets.block_start_of(5), Some(1));
    assert_eq!(targets.block_start_of(12), Some(9));
    assert_eq!(
        code.basic_block(1).map(parsed).collect::<Vec<_>>(),
        [(1, 3, LoadImm), (4, 3, Add64), (7, 1, Fallthrough)]
    );
    assert_eq!(code.basic_block(8).map(parsed).collect::<Vec<_>>(), [invalid(8, 1)]);
    // Mid-block boundaries and non-boundaries.
    assert!(code.is_instruction_boundary(4) && !code.is_valid_jump_target(4));
    assert_eq!(parsed(code.decode_at(2)), invalid(2, 2));
    assert_eq!(code.basic_block(2).map(parsed).collect::<Vec<_>>(), [invalid(2, 2)]);
    assert!(!code.is_valid_jump_target(13) && !code.is_valid_jump_target(u32::MAX));
}

#[test]
fn previous_instruction_more_than_25_bytes_back_is_irrelevant() {
    // load_imm (non-terminator) at 0, gap item [25, 40), trap at 40: 40 follows the gap item.
    let mut code = vec![0u8; 41];
    code[0] = 0x33;
    let mask = bitmask(&[0, 40], code.len());
    let code = Code::new(JamV1, &code, &mask);
    assert!(code.is_valid_jump_target(40));
    assert!(!code.is_valid_jump_target(25));
}

#[test]
fn bitmask_bits_past_the_code_end_and_short_bitmasks() {
    // Padding bits (rejected by the container) are ignored.
    let code = [0x01, 0x00];
    let code = Code::new(JamV1, &code, &[0xFF]);
    assert_eq!(items(&code), [(0, 1, Fallthrough), (1, 1, Trap)]);
    // A short bitmask reads as zeros.
    let code = [0x00; 20];
    let code = Code::new(JamV1, &code, &[0x01]);
    assert_eq!(items(&code), [(0, 20, Trap)]);
}

#[test]
fn decode_at_past_the_end() {
    let (code, mask) = legacy(&[&[0x00]]);
    let code = Code::new(JamV1, &code, &mask);
    assert_eq!(parsed(code.decode_at(1)), invalid(1, 1));
    assert_eq!(parsed(code.decode_at(u32::MAX)), invalid(u32::MAX, 0));
    assert_eq!(code.instructions_from(1).count(), 0);
    assert_eq!(code.basic_block(5).map(parsed).collect::<Vec<_>>(), [invalid(5, 1)]);
}
