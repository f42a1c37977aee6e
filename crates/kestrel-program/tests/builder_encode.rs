//! Instruction encoding against the verified table of `instructions.md` §2.4 and the writer rules of §8.

mod support;

use kestrel_program::encode::{EncodeError, EncodeOptions};
use kestrel_program::{Args, Instruction, InstructionSetKind, Opcode, Reg};
use support::code::{hex, insn};

use InstructionSetKind::{JamV1, Latest32, Latest64, ReviveV1};

fn encode(instruction: Instruction, isa: InstructionSetKind, pc: u32) -> Result<Vec<u8>, EncodeError> {
    let mut out = vec![0xaa]; // encode appends; keep a sentinel to prove it
    instruction.encode(isa, pc, &mut out)?;
    assert_eq!(out.remove(0), 0xaa);
    assert_eq!(instruction.encoded_len(isa, pc), Ok(out.len()));
    Ok(out)
}

/// (instruction, pc, legacy bytes or None for "n/a", Latest64 bytes) — `instructions.md` §2.4.
fn table() -> Vec<(Instruction, u32, Option<&'static str>, &'static str)> {
    use Args::*;
    use Opcode::*;
    use Reg::*;
    vec![
        (insn(Trap, Args::None), 100, Some("00"), "00"),
        (insn(Ecalli, Imm { imm: 0 }), 100, Some("0A"), "DD 00"),
        (insn(Ecalli, Imm { imm: 1000 }), 100, Some("0A E8 03"), "FF 35 E8 03 00 00"),
        (insn(LoadImm, RegImm { reg: A0, imm: 0 }), 100, Some("33 07"), "04 07"),
        (insn(LoadImm, RegImm { reg: A0, imm: -1i32 as u32 }), 100, Some("33 07 FF"), "05 07 FF"),
        (insn(LoadImm, RegImm { reg: A0, imm: 0x80 }), 100, Some("33 07 80 00"), "06 07 80 00"),
        (
            insn(LoadImm, RegImm { reg: A5, imm: (-0x1234_5678i32) as u32 }),
            100,
            Some("33 0C 88 A9 CB ED"),
            "08 0C 88 A9 CB ED",
        ),
        (insn(JumpIndirect, RegImm { reg: RA, imm: 0 }), 100, Some("32 00"), "03 00"),
        (insn(JumpIndirect, RegImm { reg: T0, imm: 0x1000 }), 100, Some("32 02 00 10"), "FF 00 02 00 10 00 00"),
        (insn(Jump, Offset { target: 110 }), 100, Some("28 0A"), "D9 0A"),
        (insn(Jump, Offset { target: 100 }), 100, Some("28"), "D9 00"),
        (insn(Jump, Offset { target: 356 }), 100, Some("28 00 01"), "DA 00 01"),
        (
            insn(LoadImmAndJump, RegImmOffset { reg: RA, imm: 4, target: 120 }),
            100,
            Some("50 10 04 14"),
            "17 20 04 00 14",
        ),
        (insn(BranchEqImm, RegImmOffset { reg: A0, imm: 5, target: 90 }), 100, Some("51 17 05 F6"), "1D 17 05 F6"),
        (
            insn(StoreImmIndirectU32, RegImmImm { reg: SP, imm1: 8, imm2: u32::MAX }),
            100,
            Some("48 11 08 FF"),
            "4D 11 08 FF",
        ),
        (insn(StoreIndirectU32, RegRegImm { reg1: A0, reg2: SP, imm: 16 }), 100, Some("7A 17 10"), "5F 17 10"),
        (
            insn(LoadIndirectU64, RegRegImm { reg1: A1, reg2: SP, imm: -16i32 as u32 }),
            100,
            Some("82 18 F0"),
            "77 18 F0",
        ),
        (insn(AddImm64, RegRegImm { reg1: SP, reg2: SP, imm: -16i32 as u32 }), 100, Some("95 11 F0"), "7D 11 F0"),
        (insn(BranchEq, RegRegOffset { reg1: A0, reg2: A1, target: 100 }), 100, Some("AA 87"), "AD 87 00"),
        (insn(Add64, RegRegReg { reg1: A0, reg2: A1, reg3: A2 }), 100, Some("C8 98 07"), "BC 98 07"),
        (insn(MulUpperSignedSigned, RegRegReg { reg1: A0, reg2: A1, reg3: A2 }), 100, Some("D5 98 07"), "FF 2A 98 07"),
        (insn(StoreImmU32, ImmImm { imm1: 0x20000, imm2: 7 }), 100, Some("20 03 00 00 02 07"), "DF 03 00 00 02 07"),
        (insn(StoreImmU8, ImmImm { imm1: u32::MAX, imm2: 0 }), 100, Some("1E 01 FF"), "DE 04 FF FF FF FF 00"),
        (insn(MoveReg, RegReg { reg1: A0, reg2: A1 }), 100, Some("64 87"), "E3 87"),
        (insn(Sbrk, RegReg { reg1: A0, reg2: A1 }), 100, Option::None, "FF FE 87"),
        (
            insn(LoadImmAndJumpIndirect, RegRegImmImm { reg1: RA, reg2: T0, imm1: 16, imm2: 0 }),
            100,
            Some("B4 20 01 10"),
            "ED 20 02 10 00",
        ),
        (
            insn(LoadImm64, RegImm64 { reg: A0, imm: 0x1122_3344_5566_7788 }),
            100,
            Some("14 07 88 77 66 55 44 33 22 11"),
            "EF 07 88 77 66 55 44 33 22 11",
        ),
    ]
}

#[test]
fn encoding_table_jam_v1_and_revive_v1() {
    for (instruction, pc, legacy, _) in table() {
        for isa in [JamV1, ReviveV1] {
            match legacy {
                Some(bytes) => assert_eq!(encode(instruction, isa, pc), Ok(hex(bytes)), "{isa}: {instruction:?}"),
                None => assert_eq!(
                    encode(instruction, isa, pc),
                    Err(EncodeError::NotAvailable { opcode: instruction.opcode, isa }),
                    "{isa}: {instruction:?}"
                ),
            }
        }
    }
}

#[test]
fn encoding_table_latest64() {
    for (instruction, pc, _, latest64) in table() {
        assert_eq!(encode(instruction, Latest64, pc), Ok(hex(latest64)), "{instruction:?}");
    }
}

#[test]
fn encoding_table_latest32_where_available() {
    let mut checked = 0;
    for (instruction, pc, legacy, _) in table() {
        if instruction.opcode == Opcode::Sbrk {
            assert_eq!(encode(instruction, Latest32, pc), Ok(hex("65 87")));
            checked += 1;
        } else if instruction.opcode.is_in(Latest32) {
            assert_eq!(encode(instruction, Latest32, pc), Ok(hex(legacy.unwrap())), "{instruction:?}");
            checked += 1;
        } else {
            let error = encode(instruction, Latest32, pc).unwrap_err();
            assert_eq!(error, EncodeError::NotAvailable { opcode: instruction.opcode, isa: Latest32 });
        }
    }
    assert_eq!(checked, 23);
}

#[test]
fn incompatibility_message_and_opcode_254() {
    let add64 = insn(Opcode::Add64, Args::RegRegReg { reg1: Reg::A0, reg2: Reg::A1, reg3: Reg::A2 });
    let error = encode(add64, Latest32, 0).unwrap_err();
    assert_eq!(error.to_string(), "the instruction 'add_64' is not available in the 'latest32' instruction set");

    let ignore = EncodeOptions { ignore_instruction_set_incompatibility: true, ..EncodeOptions::default() };
    let mut out = vec![];
    add64.encode_with(Latest32, 0, ignore, &mut out).unwrap();
    assert_eq!(out, hex("FE 98 07"), "opcode 254, arguments as usual (verified against polkavm 0.37)");

    let sbrk = insn(Opcode::Sbrk, Args::RegReg { reg1: Reg::A0, reg2: Reg::A1 });
    let error = encode(sbrk, JamV1, 0).unwrap_err();
    assert_eq!(error.to_string(), "the instruction 'sbrk' is not available in the 'jam_v1' instruction set");
    out.clear();
    sbrk.encode_with(JamV1, 0, ignore, &mut out).unwrap();
    assert_eq!(out, hex("FE 87"));

    let unlikely = insn(Opcode::Unlikely, Args::None);
    assert!(encode(unlikely, ReviveV1, 0).is_err());
    assert_eq!(encode(unlikely, JamV1, 0), Ok(hex("02")));
    assert_eq!(encode(unlikely, Latest32, 0), Ok(hex("03")));
}

#[test]
fn offsets_are_relative_and_wrap() {
    let jump = |target| insn(Opcode::Jump, Args::Offset { target });
    // Backwards by one from pc 0 wraps to 0xffffffff: a one-byte -1.
    assert_eq!(encode(jump(u32::MAX), JamV1, 0), Ok(hex("28 FF")));
    // pc 0x10 → 0 is -16.
    assert_eq!(encode(jump(0), JamV1, 0x10), Ok(hex("28 F0")));
    // -128 fits one byte, +128 needs two (§8.1).
    assert_eq!(encode(jump(0), JamV1, 128), Ok(hex("28 80")));
    assert_eq!(encode(jump(256), JamV1, 128), Ok(hex("28 80 00")));
    assert_eq!(encode(jump(0x1234_5678), Latest64, 0), Ok(hex("DC 78 56 34 12")));
    assert_eq!(encode(jump(0x80_0000), JamV1, 0), Ok(hex("28 00 00 80 00")));
}

#[test]
fn latest64_widening_goes_to_the_first_immediate_then_the_second() {
    use Args::*;
    // store_imm_indirect_u16 has L = 2, 3, 4, 5, 9: [a0 + 0] = 0 needs 1 → raw 71 (L = 2), imm1 widened.
    let store = |imm1: u32, imm2: u32| insn(Opcode::StoreImmIndirectU16, RegImmImm { reg: Reg::A0, imm1, imm2 });
    assert_eq!(encode(store(0, 0), Latest64, 0), Ok(hex("47 17 00")));
    // needs 1 + 4 + 1 = 6 → L = 9 (raw 263): imm1 already 4, the 3 spare bytes go to imm2.
    assert_eq!(encode(store(0x1234_5678, 1), Latest64, 0), Ok(hex("FF 08 47 78 56 34 12 01 00 00 00")));
    // needs 1 + 1 + 4 = 6 → L = 9: imm1 grows to 4, imm2 keeps 4.
    assert_eq!(encode(store(1, 0x1234_5678), Latest64, 0), Ok(hex("FF 08 47 01 00 00 00 78 56 34 12")));
    // Negative values widen by sign extension.
    assert_eq!(encode(store(u32::MAX, 0), Latest64, 0), Ok(hex("47 17 FF")));
    assert_eq!(encode(store(u32::MAX, 2), Latest64, 0), Ok(hex("48 17 FF 02")));
    // A single immediate is widened (load_u8 has only L = 5).
    let load = insn(Opcode::LoadU8, RegImm { reg: Reg::A1, imm: 0 });
    assert_eq!(encode(load, Latest64, 0), Ok(hex("09 08 00 00 00 00")));
    // reg_reg_imm_imm: n1 code in the second byte.
    let jump = insn(Opcode::LoadImmAndJumpIndirect, RegRegImmImm { reg1: Reg::A0, reg2: Reg::A1, imm1: 0, imm2: 0 });
    assert_eq!(encode(jump, JamV1, 0), Ok(hex("B4 87 00")));
    assert_eq!(encode(jump, Latest64, 0), Ok(hex("ED 87 02 00 00")));
}

#[test]
fn legacy_skip_is_exactly_the_arguments_written() {
    use Args::*;
    let cases = [
        (insn(Opcode::StoreImmU64, ImmImm { imm1: 0, imm2: 0 }), "21 00"),
        (insn(Opcode::StoreImmU64, ImmImm { imm1: 0, imm2: 1 }), "21 00 01"),
        (insn(Opcode::Fallthrough, None), "01"),
        (insn(Opcode::BranchNotEqImm, RegImmOffset { reg: Reg::A5, imm: 0, target: 0 }), "52 0C"),
        (insn(Opcode::CountSetBits64, RegReg { reg1: Reg::A0, reg2: Reg::A5 }), "65 C7"),
    ];
    for (instruction, bytes) in cases {
        assert_eq!(encode(instruction, JamV1, 0), Ok(hex(bytes)), "{instruction:?}");
    }
    // The renumbered bit-manipulation group: ReviveV1 has count_set_bits_64 at 102.
    assert_eq!(encode(cases[4].0, ReviveV1, 0), Ok(hex("66 C7")));
}
