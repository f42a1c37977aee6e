//! `ProgramBlobBuilder` against the verified examples of `blob-format.md` §9.3, §13, §14 and
//! `instructions.md` §8, §9.6. Vectors marked "polkavm 0.37" were produced by running polkavm-common
//! 0.37's `ProgramBlobBuilder` (or `assemble`) as a black box on the same input.

mod support;

use kestrel_program::builder::{BuildError, ProgramBlobBuilder, Referrer};
use kestrel_program::encode::EncodeError;
use kestrel_program::{Args, Instruction, InstructionSetKind, Opcode, Reg};
use support::code::{hex, insn};
use support::spec::{EXAMPLE_14_JAM_V1, example_14_latest64};

use InstructionSetKind::{JamV1, Latest32, Latest64, ReviveV1};

fn trap() -> Instruction {
    insn(Opcode::Trap, Args::None)
}

fn load_imm(reg: Reg, imm: u32) -> Instruction {
    insn(Opcode::LoadImm, Args::RegImm { reg, imm })
}

fn jump(block: u32) -> Instruction {
    insn(Opcode::Jump, Args::Offset { target: block })
}

fn ret() -> Instruction {
    insn(Opcode::JumpIndirect, Args::RegImm { reg: Reg::RA, imm: 0 })
}

/// The code section of a blob: (jump table entry count, entry size, jump table bytes, code, bitmask).
struct CodeSection {
    count: u32,
    entry_size: u8,
    jump_table: Vec<u8>,
    code: Vec<u8>,
    bitmask: Vec<u8>,
}

fn code_section(blob: &[u8]) -> CodeSection {
    use kestrel_program::varint::read_varint;
    let extended = blob[4] == 2;
    let mut at = 13;
    loop {
        let id = blob[at];
        assert_ne!(id, 0, "no code section");
        let (length, used) = read_varint(&blob[at + 1..]).unwrap();
        let payload = &blob[at + 1 + used..at + 1 + used + length as usize];
        at += 1 + used + length as usize;
        if id != 6 {
            continue;
        }
        let (count, used) = read_varint(payload).unwrap();
        let entry_size = payload[used];
        let mut rest = &payload[used + 1..];
        let code_length = if extended {
            None
        } else {
            let (length, used) = read_varint(rest).unwrap();
            rest = &rest[used..];
            Some(length as usize)
        };
        let table_length = count as usize * entry_size as usize;
        let jump_table = rest[..table_length].to_vec();
        rest = &rest[table_length..];
        let code_length = code_length.unwrap_or(rest.len());
        return CodeSection {
            count,
            entry_size,
            jump_table,
            code: rest[..code_length].to_vec(),
            bitmask: rest[code_length..].to_vec(),
        };
    }
}

/// `blob-format.md` §14.
fn spec_example(isa: InstructionSetKind) -> ProgramBlobBuilder {
    let mut builder = ProgramBlobBuilder::new(isa);
    builder.set_ro_data_size(16);
    builder.set_ro_data(b"hi".to_vec());
    builder.set_rw_data_size(4);
    builder.set_rw_data(vec![1, 2]);
    builder.set_stack_size(4096);
    builder.add_import(b"hello");
    builder.add_export_by_basic_block(0, b"main");
    assert_eq!(builder.add_jump_table_entry(1), 0);
    builder.push(load_imm(Reg::A0, 0x10000));
    builder.push(insn(Opcode::Ecalli, Args::Imm { imm: 0 }));
    builder.push(ret());
    builder.push(trap());
    builder
}

#[test]
fn spec_example_jam_v1_byte_for_byte() {
    let built = spec_example(JamV1).build().unwrap();
    assert_eq!(built.blob.len(), 66);
    assert_eq!(built.blob, EXAMPLE_14_JAM_V1);
    assert_eq!(built.instruction_offsets, [0, 5, 6, 8]);
    assert_eq!(built.basic_block_offsets, [0, 8]);
    assert_eq!(built.jump_table, [8]);
}

#[test]
fn spec_example_other_legacy_sets_differ_only_in_the_version_byte() {
    for (isa, version) in [(ReviveV1, 0u8), (Latest32, 1)] {
        let mut expected = EXAMPLE_14_JAM_V1;
        expected[4] = version;
        assert_eq!(spec_example(isa).to_vec().unwrap(), expected, "{isa}");
    }
}

#[test]
fn spec_example_latest64_byte_for_byte() {
    let expected = example_14_latest64();
    let built = spec_example(Latest64).build().unwrap();
    assert_eq!(built.blob, expected);
    assert_eq!(built.blob.len(), 64);
    assert_eq!(built.jump_table, [9]);
}

#[test]
fn empty_programs() {
    // polkavm 0.37: no trap is appended to empty Latest64 code.
    assert_eq!(
        ProgramBlobBuilder::new(Latest64).to_vec().unwrap(),
        hex("50 56 4d 00 02 12 00 00 00 00 00 00 00 06 02 00 00 00")
    );
    assert_eq!(
        ProgramBlobBuilder::new(JamV1).to_vec().unwrap(),
        hex("50 56 4d 00 03 13 00 00 00 00 00 00 00 06 03 00 00 00 00")
    );
}

#[test]
fn latest64_appends_a_trap_legacy_does_not() {
    let mut builder = ProgramBlobBuilder::new(Latest64);
    builder.push(insn(Opcode::MoveReg, Args::RegReg { reg1: Reg::A0, reg2: Reg::A1 }));
    builder.add_export_by_instruction(1, b"t"); // the appended trap is instruction 1 (polkavm 0.37 agrees)
    assert_eq!(
        builder.to_vec().unwrap(),
        hex("50 56 4d 00 02 1b 00 00 00 00 00 00 00 05 04 01 02 01 74 06 05 00 00 e3 87 00 00")
    );
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.push(insn(Opcode::MoveReg, Args::RegReg { reg1: Reg::A0, reg2: Reg::A1 }));
    assert_eq!(builder.to_vec().unwrap(), hex("50 56 4d 00 03 16 00 00 00 00 00 00 00 06 06 00 00 02 64 87 01 00"));
}

#[test]
fn jump_table_entry_size_examples() {
    // [0] → Z = 0: the table has no bytes and reads back empty (polkavm 0.37 bytes).
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.push(trap());
    builder.push(trap());
    builder.add_jump_table_entry(0);
    assert_eq!(builder.to_vec().unwrap(), hex("50 56 4d 00 03 16 00 00 00 00 00 00 00 06 06 01 00 02 00 00 03 00"));
    // [0, 1] → Z = 1.
    builder.add_jump_table_entry(1);
    assert_eq!(
        builder.to_vec().unwrap(),
        hex("50 56 4d 00 03 18 00 00 00 00 00 00 00 06 08 02 01 02 00 01 00 00 03 00")
    );
}

/// Code whose block 1 starts at `offset` (JamV1: fillers of 10 and 1 bytes, `trap` | `trap`).
fn program_with_block_at(offset: usize) -> ProgramBlobBuilder {
    let mut builder = ProgramBlobBuilder::new(JamV1);
    for _ in 0..(offset - 1) / 10 {
        builder.push(insn(Opcode::LoadImm64, Args::RegImm64 { reg: Reg::A0, imm: u64::MAX }));
    }
    for _ in 0..(offset - 1) % 10 {
        builder.push(insn(Opcode::Ecalli, Args::Imm { imm: 0 }));
    }
    builder.push(trap());
    builder.push(trap());
    builder
}

#[test]
fn jump_table_entry_size_grows_with_the_largest_entry() {
    for (offset, entry_size) in [(0xff, 1u8), (0x100, 2), (0xffff, 2), (0x1_0000, 3), (0x100_0000, 4)] {
        let mut builder = program_with_block_at(offset);
        builder.add_jump_table_entry(0);
        builder.add_jump_table_entry(1);
        let built = builder.build().unwrap();
        assert_eq!(built.basic_block_offsets, [0, offset as u32]);
        let section = code_section(&built.blob);
        assert_eq!((section.count, section.entry_size), (2, entry_size), "offset {offset:#x}");
        let mut expected = vec![0; entry_size as usize];
        expected.extend_from_slice(&(offset as u32).to_le_bytes()[..entry_size as usize]);
        assert_eq!(section.jump_table, expected);
    }
}

#[test]
fn legacy_bitmask_marks_every_instruction_start() {
    // Offsets 0, 5, 6, 8 in 9 bytes → 61 01 (`blob-format.md` §9.4); padding bits stay zero.
    let section = code_section(&spec_example(JamV1).to_vec().unwrap());
    assert_eq!(section.code.len(), 9);
    assert_eq!(section.bitmask, [0x61, 0x01]);
    let mut builder = ProgramBlobBuilder::new(JamV1);
    for _ in 0..8 {
        builder.push(trap());
    }
    assert_eq!(code_section(&builder.to_vec().unwrap()).bitmask, [0xff]);
    builder.push(insn(Opcode::LoadImm64, Args::RegImm64 { reg: Reg::A0, imm: 1 }));
    assert_eq!(code_section(&builder.to_vec().unwrap()).bitmask, [0xff, 0x01, 0x00]);
}

fn filler() -> Instruction {
    load_imm(Reg::A0, 0x1234_5678) // six bytes in Latest64: 08 07 78 56 34 12
}

#[test]
fn latest64_padding_before_a_1024_byte_boundary() {
    // instructions.md §8.3: … 02 02 02 01 | 08 07 78 56 34 12 at 1020..1030.
    let mut builder = ProgramBlobBuilder::new(Latest64);
    for _ in 0..171 {
        builder.push(filler());
    }
    let built = builder.build().unwrap();
    let code = code_section(&built.blob).code;
    assert_eq!(code.len(), 1031);
    assert_eq!(code[1014..], hex("08 07 78 56 34 12 02 02 02 01 08 07 78 56 34 12 00"));
    assert_eq!(built.instruction_offsets[169..], [1014, 1024, 1030]);
}

#[test]
fn latest64_padding_rules_at_the_boundary() {
    // A one-byte gap is a lone fallthrough.
    let mut builder = ProgramBlobBuilder::new(Latest64);
    (0..170).for_each(|_| builder.push(filler()));
    builder.push(load_imm(Reg::A0, 1)); // 3 bytes: 1020..1023
    builder.push(filler());
    assert_eq!(code_section(&builder.to_vec().unwrap()).code[1020..], hex("05 07 01 01 08 07 78 56 34 12 00"));

    // A non-terminator that would end exactly on the boundary is moved past it.
    let mut builder = ProgramBlobBuilder::new(Latest64);
    (0..169).for_each(|_| builder.push(filler()));
    builder.push(load_imm(Reg::A0, 0x1234)); // 4 bytes: 1014..1018
    builder.push(filler());
    assert_eq!(
        code_section(&builder.to_vec().unwrap()).code[1014..],
        hex("06 07 34 12 02 02 02 02 02 01 08 07 78 56 34 12 00")
    );

    // A terminator may end exactly on it.
    let mut builder = ProgramBlobBuilder::new(Latest64);
    (0..170).for_each(|_| builder.push(filler()));
    builder.push(insn(Opcode::BranchEqImm, Args::RegImmOffset { reg: Reg::A0, imm: 5, target: 1 }));
    builder.push(trap());
    let built = builder.build().unwrap();
    assert_eq!(code_section(&built.blob).code[1020..], hex("1d 17 05 04 00"));
    assert_eq!(built.basic_block_offsets, [0, 1024]);
}

#[test]
fn latest64_padded_block_starts_at_the_instruction() {
    // polkavm 0.37: jump table, exports and jumps point past the padding.
    let mut builder = ProgramBlobBuilder::new(Latest64);
    (0..169).for_each(|_| builder.push(filler()));
    (0..5).for_each(|_| builder.push(insn(Opcode::Fallthrough, Args::None)));
    builder.push(load_imm(Reg::A5, 0x1234_5678));
    builder.push(jump(5));
    builder.add_jump_table_entry(5);
    builder.add_jump_table_entry(4);
    builder.add_export_by_basic_block(5, b"a");
    builder.add_export_by_instruction(174, b"b");
    builder.add_export_by_instruction(175, b"c");
    let blob = builder.to_vec().unwrap();
    let exports = hex("05 0d 03 84 00 01 61 84 00 01 62 84 06 01 63");
    assert!(blob.windows(exports.len()).any(|window| window == exports));
    let section = code_section(&blob);
    assert_eq!((section.count, section.entry_size), (2, 2));
    assert_eq!(section.jump_table, hex("00 04 fa 03"));
    assert_eq!(section.code[1010..], hex("78 56 34 12 01 01 01 01 01 02 02 02 02 01 08 0c 78 56 34 12 d9 fa"));
}

/// `instructions.md` §9.6, built the way the assembler does.
fn assembler_example() -> ProgramBlobBuilder {
    let mut builder = ProgramBlobBuilder::new(Latest64);
    builder.set_ro_data_size(4096);
    builder.set_ro_data(b"Hello".to_vec());
    builder.set_rw_data_size(4096);
    builder.set_stack_size(4096);
    let code = [
        load_imm(Reg::A1, 0),                                                                 // block 0: sum
        insn(Opcode::Fallthrough, Args::None),                                                // (inserted before @loop)
        insn(Opcode::BranchEqImm, Args::RegImmOffset { reg: Reg::A0, imm: 0, target: 3 }),    // block 1: loop
        insn(Opcode::Add64, Args::RegRegReg { reg1: Reg::A1, reg2: Reg::A1, reg3: Reg::A0 }), // block 2
        insn(Opcode::AddImm64, Args::RegRegImm { reg1: Reg::A0, reg2: Reg::A0, imm: u32::MAX }), //
        jump(1),                                                                              //
        insn(Opcode::MoveReg, Args::RegReg { reg1: Reg::A0, reg2: Reg::A1 }),                 // block 3: done
        ret(),                                                                                //
        load_imm(Reg::A2, 2),                                                                 // block 4: indirect
        insn(Opcode::JumpIndirect, Args::RegImm { reg: Reg::A2, imm: 0 }),                    //
        insn(Opcode::LoadU8, Args::RegImm { reg: Reg::A0, imm: 0x10000 }),                    // block 5: target
        insn(Opcode::Ecalli, Args::Imm { imm: 1 }),                                           //
        ret(),                                                                                //
    ];
    code.into_iter().for_each(|instruction| builder.push(instruction));
    builder.add_jump_table_entry(5);
    builder.add_export_by_basic_block(4, b"indirect"); // the assembler sorts exports by name
    builder.add_export_by_basic_block(0, b"sum");
    builder
}

#[test]
fn assembler_example_program() {
    let built = assembler_example().build().unwrap();
    assert_eq!(built.instruction_offsets, [0, 2, 3, 6, 9, 12, 14, 16, 18, 21, 23, 29, 31]);
    assert_eq!(built.basic_block_offsets, [0, 3, 6, 14, 18, 23]);
    assert_eq!(built.jump_table, [23]);
    // polkavm 0.37's `assemble` output for the source in §9.6.
    let expected =
        hex("50 56 4d 00 02 55 00 00 00 00 00 00 00 01 06 90 00 90 00 90 00 02 05 48 65 6c 6c 6f 05 10 02 12 08 69 6e
         64 69 72 65 63 74 00 03 73 75 6d 06 24 01 01 17 04 08 01 1c 07 0b bc 78 08 7d 77 ff d9 f7 e3 87 03 00 05
         09 02 03 09 09 07 00 00 01 00 dd 01 03 00 00");
    assert_eq!(built.blob, expected);
}

#[test]
fn instruction_set_incompatibility() {
    let add64 = insn(Opcode::Add64, Args::RegRegReg { reg1: Reg::A0, reg2: Reg::A1, reg3: Reg::A2 });
    let mut builder = ProgramBlobBuilder::new(Latest32);
    builder.push(add64);
    builder.push(trap());
    let error = builder.to_vec().unwrap_err();
    assert_eq!(
        error,
        BuildError::Encode { index: 0, error: EncodeError::NotAvailable { opcode: Opcode::Add64, isa: Latest32 } }
    );
    assert_eq!(
        error.to_string(),
        "failed to build a program: the instruction 'add_64' is not available in the 'latest32' instruction set"
    );
    builder.set_ignore_instruction_set_incompatibility(true);
    // polkavm 0.37: opcode 254, the usual arguments, a bit for each instruction start.
    assert_eq!(
        builder.to_vec().unwrap(),
        hex("50 56 4d 00 01 18 00 00 00 00 00 00 00 06 08 00 00 04 fe 98 07 00 09 00")
    );

    let mut builder = ProgramBlobBuilder::new(ReviveV1);
    builder.push(insn(Opcode::Fallthrough, Args::None));
    builder.push(insn(Opcode::Unlikely, Args::None));
    assert_eq!(
        builder.to_vec().unwrap_err().to_string(),
        "failed to build a program: the instruction 'unlikely' is not available in the 'revive_v1' instruction set"
    );
}

#[test]
fn invalid_is_written_as_trap_or_as_an_undecodable_opcode() {
    for isa in InstructionSetKind::ALL {
        let mut builder = ProgramBlobBuilder::new(isa);
        builder.push(Instruction::INVALID);
        builder.push(Instruction::INVALID);
        assert_eq!(code_section(&builder.to_vec().unwrap()).code, [0, 0], "{isa}");
        builder.set_invalid_as_undecodable(true);
        let section = code_section(&builder.to_vec().unwrap());
        if isa.is_extended() {
            assert_eq!(section.code, [240, 240]);
        } else {
            assert_eq!((section.code, section.bitmask), (vec![254, 254], vec![3]), "{isa}");
        }
    }
}

#[test]
fn a_far_target_grows_the_layout() {
    // Jump over 241 bytes: the first placement guesses a one-byte offset, the final one needs two.
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.push(jump(2));
    (0..40).for_each(|_| builder.push(load_imm(Reg::A0, 0x1234_5678)));
    builder.push(trap());
    builder.push(jump(0));
    let built = builder.build().unwrap();
    assert_eq!(built.basic_block_offsets, [0, 3, 244]);
    let code = code_section(&built.blob).code;
    assert_eq!(code[..3], hex("28 f4 00"));
    assert_eq!(code[244..], hex("28 0c ff")); // back to 0: -244

    // polkavm 0.37 bytes for a backward jump that grows (-243).
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.push(jump(2));
    builder.push(trap());
    (0..40).for_each(|_| builder.push(load_imm(Reg::A0, 0x1234_5678)));
    builder.push(jump(0));
    builder.push(trap());
    let mut expected = hex("50 56 4d 00 03 2b 01 00 00 00 00 00 00 06 81 1a 00 00 80 f7 28 03 00");
    (0..40).for_each(|_| expected.extend(hex("33 07 78 56 34 12")));
    expected.extend(hex("28 0d ff 00 0d 82 20"));
    (0..9).for_each(|_| expected.extend(hex("08 82 20")));
    expected.extend(hex("48 00"));
    assert_eq!(builder.to_vec().unwrap(), expected);
}

#[test]
fn mutually_dependent_jumps_take_the_smallest_consistent_layout() {
    // Both "short" (offsets 127 / -128) and "long" (129 / -129) are self-consistent; polkavm 0.37
    // produces the short one.
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.push(load_imm(Reg::A0, 1));
    builder.push(jump(2));
    (0..20).for_each(|_| builder.push(load_imm(Reg::A0, 0x1234_5678)));
    builder.push(load_imm(Reg::A0, 1));
    builder.push(jump(0));
    builder.push(trap());
    let mut expected = hex("50 56 4d 00 03 a9 00 00 00 00 00 00 00 06 80 98 00 00 80 83 33 07 01 28 7f");
    (0..20).for_each(|_| expected.extend(hex("33 07 78 56 34 12")));
    expected.extend(hex("33 07 01 28 80 00 29 08"));
    (0..4).for_each(|_| expected.extend(hex("82 20 08")));
    expected.extend(hex("82 20 05 00"));
    assert_eq!(builder.to_vec().unwrap(), expected);
}

#[test]
fn an_oscillating_layout_is_an_error() {
    // The branch targets its own block; when the code before it moves, its offset is computed
    // against its previous position, so it alternates between 6 and 10 bytes and drags the
    // `jump` before it across the one-byte offset limit. polkavm 0.37 fails on this program too.
    let mut builder = ProgramBlobBuilder::new(Latest64);
    builder.push(jump(4));
    builder.push(jump(4));
    builder
        .push(insn(Opcode::BranchGreaterUnsignedImm, Args::RegImmOffset { reg: Reg::A0, imm: 0x1234_5678, target: 2 }));
    (0..19).for_each(|_| builder.push(filler()));
    builder.push(load_imm(Reg::A0, 1));
    builder.push(trap());
    builder.push(trap());
    let error = builder.to_vec().unwrap_err();
    assert_eq!(error, BuildError::LayoutDidNotConverge { rounds: 1024 });
    assert_eq!(
        error.to_string(),
        "internal error: failed to build a program: the code layout did not reach a steady state"
    );
    // One filler byte fewer and it settles.
    builder.set_code(&builder.instructions()[..21].iter().copied().chain([trap(), trap()]).collect::<Vec<_>>(), &[]);
    builder.to_vec().unwrap();
}

#[test]
fn out_of_range_references_are_errors() {
    let base = || {
        let mut builder = ProgramBlobBuilder::new(JamV1);
        builder.push(insn(Opcode::Ecalli, Args::Imm { imm: 0 }));
        builder.push(trap()); // block 0 ends; the empty block after it cannot be referenced
        builder
    };
    let mut builder = base();
    builder.push(jump(2));
    assert_eq!(
        builder.to_vec().unwrap_err(),
        BuildError::BasicBlockOutOfRange { referrer: Referrer::Instruction(2), block: 2, count: 2 }
    );
    let mut builder = base();
    builder.add_jump_table_entry(0);
    builder.add_jump_table_entry(1);
    let error = builder.to_vec().unwrap_err();
    assert_eq!(error, BuildError::BasicBlockOutOfRange { referrer: Referrer::JumpTableEntry(1), block: 1, count: 1 });
    assert_eq!(
        error.to_string(),
        "failed to build a program: jump table entry #1 refers to basic block 1, but the code has 1 basic blocks"
    );
    let mut builder = base();
    builder.add_export_by_basic_block(7, b"x");
    assert!(matches!(builder.to_vec(), Err(BuildError::BasicBlockOutOfRange { referrer: Referrer::Export(0), .. })));
    let mut builder = base();
    builder.add_export_by_instruction(1, b"ok");
    builder.add_export_by_instruction(2, b"x");
    assert_eq!(
        builder.to_vec().unwrap_err(),
        BuildError::InstructionOutOfRange { referrer: Referrer::Export(1), index: 2, count: 2 }
    );
    // Nothing to reference in empty code.
    let mut builder = ProgramBlobBuilder::new(Latest64);
    builder.add_jump_table_entry(0);
    assert!(matches!(builder.to_vec(), Err(BuildError::BasicBlockOutOfRange { count: 0, .. })));
}

#[test]
fn optional_sections() {
    // polkavm 0.37 bytes: custom sections in the order added, empty ones skipped.
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.add_custom_section(131, vec![1, 2]);
    builder.add_custom_section(128, vec![]);
    builder.add_custom_section(128, vec![9]);
    builder.push(trap());
    assert_eq!(
        builder.to_vec().unwrap(),
        hex("50 56 4d 00 03 1c 00 00 00 00 00 00 00 06 05 00 00 01 00 01 83 02 01 02 80 01 09 00")
    );

    // RO data is written even without a declared size (the parser then rejects it).
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.set_ro_data(vec![1, 2, 3]);
    builder.set_stack_size(1);
    builder.push(trap());
    assert_eq!(
        builder.to_vec().unwrap(),
        hex("50 56 4d 00 03 1f 00 00 00 00 00 00 00 01 03 00 00 01 02 03 01 02 03 06 05 00 00 01 00 01 00")
    );

    // Import offsets are running sums; names are concatenated.
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.add_import(b"ab");
    builder.add_import(b"");
    builder.add_import(b"xyz");
    builder.push(trap());
    assert_eq!(
        builder.to_vec().unwrap(),
        hex("50 56 4d 00 03 29 00 00 00 00 00 00 00 04 12 03 00 00 00 00 02 00 00 00 02 00 00 00 61 62 78 79 7a
             06 05 00 00 01 00 01 00")
    );
}

#[test]
fn operands_that_do_not_fit_the_opcode_are_an_error() {
    let mut builder = ProgramBlobBuilder::new(JamV1);
    builder.push(trap());
    builder.push(Instruction { opcode: Opcode::Add64, args: Args::RegReg { reg1: Reg::A0, reg2: Reg::A1 } });
    let error = builder.to_vec().unwrap_err();
    assert_eq!(error, BuildError::Encode { index: 1, error: EncodeError::FormatMismatch { opcode: Opcode::Add64 } });
    assert_eq!(error.to_string(), "failed to build a program: the operands given to 'add_64' do not match its format");
}
