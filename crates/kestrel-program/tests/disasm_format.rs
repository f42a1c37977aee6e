//! Instruction text (`instructions.md` §9.5, §9.6, §10): one sample per opcode, every option.

use std::collections::HashSet;

use kestrel_program::disasm::InstructionFormat;
use kestrel_program::{Args, Instruction, Opcode, ParsedInstruction, Reg};

use Opcode::*;
use Reg::*;

fn ins(opcode: Opcode, args: Args) -> Instruction {
    Instruction::new(opcode, args).expect("operands fit the format")
}

fn none(opcode: Opcode) -> Instruction {
    ins(opcode, Args::None)
}
fn ri(opcode: Opcode, reg: Reg, imm: i64) -> Instruction {
    ins(opcode, Args::RegImm { reg, imm: imm as u32 })
}
fn rii(opcode: Opcode, reg: Reg, imm1: i64, imm2: i64) -> Instruction {
    ins(opcode, Args::RegImmImm { reg, imm1: imm1 as u32, imm2: imm2 as u32 })
}
fn rio(opcode: Opcode, reg: Reg, imm: i64, target: u32) -> Instruction {
    ins(opcode, Args::RegImmOffset { reg, imm: imm as u32, target })
}
fn ii(opcode: Opcode, imm1: i64, imm2: i64) -> Instruction {
    ins(opcode, Args::ImmImm { imm1: imm1 as u32, imm2: imm2 as u32 })
}
fn rr(opcode: Opcode, reg1: Reg, reg2: Reg) -> Instruction {
    ins(opcode, Args::RegReg { reg1, reg2 })
}
fn rri(opcode: Opcode, reg1: Reg, reg2: Reg, imm: i64) -> Instruction {
    ins(opcode, Args::RegRegImm { reg1, reg2, imm: imm as u32 })
}
fn rro(opcode: Opcode, reg1: Reg, reg2: Reg, target: u32) -> Instruction {
    ins(opcode, Args::RegRegOffset { reg1, reg2, target })
}
fn rrr(opcode: Opcode, reg1: Reg, reg2: Reg, reg3: Reg) -> Instruction {
    ins(opcode, Args::RegRegReg { reg1, reg2, reg3 })
}

/// One sample per opcode with its default text (ABI names, aliases, 64-bit).
fn samples() -> Vec<(Instruction, &'static str)> {
    vec![
        (none(Trap), "trap"),
        (none(Fallthrough), "fallthrough"),
        (none(Memset), "[a0..a0 + a2] = u8 a1"),
        (none(Unlikely), "unlikely"),
        (ri(JumpIndirect, A0, 8), "jump [a0 + 8]"),
        (ri(LoadImm, A0, -2), "a0 = 0xfffffffffffffffe"),
        (ri(LoadU8, A0, 0x10000), "a0 = u8 [0x10000]"),
        (ri(LoadI8, A1, 0x20000), "a1 = i8 [0x20000]"),
        (ri(LoadU16, A2, 0x10002), "a2 = u16 [0x10002]"),
        (ri(LoadI16, A3, 0x10004), "a3 = i16 [0x10004]"),
        (ri(LoadI32, A4, 0x10008), "a4 = i32 [0x10008]"),
        (ri(LoadU32, A5, 0x1000c), "a5 = u32 [0x1000c]"),
        (ri(LoadU64, T0, 0xfffe_0000), "t0 = u64 [0xfffffffffffe0000]"),
        (ri(StoreU8, T1, 0x10000), "u8 [0x10000] = t1"),
        (ri(StoreU16, T2, -2), "u16 [0xfffffffffffffffe] = t2"),
        (ri(StoreU32, S0, 0), "u32 [0] = s0"),
        (ri(StoreU64, S1, 0x20000), "u64 [0x20000] = s1"),
        (rio(LoadImmAndJump, RA, 4, 120), "ra = 4, jump 120"),
        (rio(BranchEqImm, A0, 5, 90), "jump 90 if a0 == 5"),
        (rio(BranchNotEqImm, A0, -5, 90), "jump 90 if a0 != -5"),
        (rio(BranchLessUnsignedImm, A0, 10, 0), "jump 0 if a0 <u 10"),
        (rio(BranchLessSignedImm, A0, -5, 0), "jump 0 if a0 <s -5"),
        (rio(BranchGreaterOrEqualUnsignedImm, A1, 1, 7), "jump 7 if a1 >=u 1"),
        (rio(BranchGreaterOrEqualSignedImm, A1, -1, 7), "jump 7 if a1 >=s -1"),
        (rio(BranchLessOrEqualSignedImm, A2, 0, 7), "jump 7 if a2 <=s 0"),
        (rio(BranchLessOrEqualUnsignedImm, A2, 0x7fff_ffff, 7), "jump 7 if a2 <=u 2147483647"),
        (rio(BranchGreaterSignedImm, A3, -0x8000_0000, 7), "jump 7 if a3 >s -2147483648"),
        (rio(BranchGreaterUnsignedImm, A3, 3, 4294967295), "jump 4294967295 if a3 >u 3"),
        (rii(StoreImmIndirectU8, A0, 4, 255), "u8 [a0 + 4] = 0xff"),
        (rii(StoreImmIndirectU16, SP, -8, 0x1234), "u16 [sp - 8] = 0x1234"),
        (rii(StoreImmIndirectU32, SP, 8, -1), "u32 [sp + 8] = 0xffffffffffffffff"),
        (rii(StoreImmIndirectU64, SP, 0, 0), "u64 [sp] = 0"),
        (rri(StoreIndirectU8, A0, SP, 4), "u8 [sp + 4] = a0"),
        (rri(StoreIndirectU16, A0, SP, -4), "u16 [sp - 4] = a0"),
        (rri(StoreIndirectU32, A0, SP, 16), "u32 [sp + 16] = a0"),
        (rri(StoreIndirectU64, A0, SP, 0), "u64 [sp] = a0"),
        (rri(LoadIndirectU8, A0, A1, 1), "a0 = u8 [a1 + 1]"),
        (rri(LoadIndirectI8, A0, A1, -1), "a0 = i8 [a1 - 1]"),
        (rri(LoadIndirectU16, A0, A1, 0), "a0 = u16 [a1]"),
        (rri(LoadIndirectI16, A0, A1, 2), "a0 = i16 [a1 + 2]"),
        (rri(LoadIndirectI32, A0, A1, 4), "a0 = i32 [a1 + 4]"),
        (rri(LoadIndirectU32, A0, A1, 4), "a0 = u32 [a1 + 4]"),
        (rri(LoadIndirectU64, A1, SP, -16), "a1 = u64 [sp - 16]"),
        (rri(AddImm32, A0, A1, 5), "i32 a0 = a1 + 0x5"),
        (rri(AddImm64, SP, SP, -16), "sp = sp - 16"),
        (rri(AndImm, A0, A1, 0xff), "a0 = a1 & 0xff"),
        (rri(XorImm, A0, A1, -1), "a0 = a1 ^ 0xffffffffffffffff"),
        (rri(OrImm, A0, A1, 0x10), "a0 = a1 | 0x10"),
        (rri(MulImm32, A0, A1, 3), "i32 a0 = a1 * 0x3"),
        (rri(MulImm64, A0, A1, 3), "a0 = a1 * 0x3"),
        (rri(SetLessThanUnsignedImm, A0, A1, 10), "a0 = a1 <u 0xa"),
        (rri(SetLessThanSignedImm, A0, A1, -1), "a0 = a1 <s 0xffffffffffffffff"),
        (rri(ShiftLogicalLeftImm32, A0, A1, 3), "i32 a0 = a1 << 0x3"),
        (rri(ShiftLogicalLeftImm64, A0, A1, 3), "a0 = a1 << 0x3"),
        (rri(ShiftLogicalRightImm32, A0, A1, 3), "i32 a0 = a1 >> 0x3"),
        (rri(ShiftLogicalRightImm64, A0, A1, 3), "a0 = a1 >> 0x3"),
        (rri(ShiftArithmeticRightImm32, A0, A1, 3), "i32 a0 = a1 >>a 0x3"),
        (rri(ShiftArithmeticRightImm64, A0, A1, 3), "a0 = a1 >>a 0x3"),
        (rri(NegateAndAddImm32, A0, A1, 5), "i32 a0 = 0x5 - a1"),
        (rri(NegateAndAddImm64, A0, A1, 0), "a0 = -a1"),
        (rri(SetGreaterThanUnsignedImm, A0, A1, 5), "a0 = a1 >u 0x5"),
        (rri(SetGreaterThanSignedImm, A0, A1, -3), "a0 = a1 >s 0xfffffffffffffffd"),
        (rri(ShiftLogicalRightImmAlt32, A0, A1, 3), "i32 a0 = 0x3 >> a1"),
        (rri(ShiftLogicalRightImmAlt64, A0, A1, 3), "a0 = 0x3 >> a1"),
        (rri(ShiftArithmeticRightImmAlt32, A0, A1, 3), "i32 a0 = 0x3 >>a a1"),
        (rri(ShiftArithmeticRightImmAlt64, A0, A1, 3), "a0 = 0x3 >>a a1"),
        (rri(ShiftLogicalLeftImmAlt32, A0, A1, 3), "i32 a0 = 0x3 << a1"),
        (rri(ShiftLogicalLeftImmAlt64, A0, A1, 3), "a0 = 0x3 << a1"),
        (rri(CmovIfZeroImm, A0, A2, 7), "a0 = 0x7 if a2 == 0"),
        (rri(CmovIfNotZeroImm, A0, A2, -1), "a0 = 0xffffffffffffffff if a2 != 0"),
        (rri(RotateRightImm32, A0, A1, 3), "i32 a0 = a1 >>r 0x3"),
        (rri(RotateRightImmAlt32, A0, A1, 3), "i32 a0 = 0x3 >>r a1"),
        (rri(RotateRightImm64, A0, A1, 3), "a0 = a1 >>r 0x3"),
        (rri(RotateRightImmAlt64, A0, A1, 3), "a0 = 0x3 >>r a1"),
        (rro(BranchEq, A0, A1, 100), "jump 100 if a0 == a1"),
        (rro(BranchNotEq, A0, A1, 100), "jump 100 if a0 != a1"),
        (rro(BranchLessUnsigned, A0, A1, 100), "jump 100 if a0 <u a1"),
        (rro(BranchLessSigned, A0, A1, 100), "jump 100 if a0 <s a1"),
        (rro(BranchGreaterOrEqualUnsigned, A1, A0, 0), "jump 0 if a1 >=u a0"),
        (rro(BranchGreaterOrEqualSigned, A1, A0, 0), "jump 0 if a1 >=s a0"),
        (rrr(Add32, A0, A1, A2), "i32 a0 = a1 + a2"),
        (rrr(Add64, A0, A1, A2), "a0 = a1 + a2"),
        (rrr(Sub32, A0, A1, A2), "i32 a0 = a1 - a2"),
        (rrr(Sub64, A0, A1, A2), "a0 = a1 - a2"),
        (rrr(And, A0, A1, A2), "a0 = a1 & a2"),
        (rrr(Xor, A0, A1, A2), "a0 = a1 ^ a2"),
        (rrr(Or, A0, A1, A2), "a0 = a1 | a2"),
        (rrr(Mul32, A0, A1, A2), "i32 a0 = a1 * a2"),
        (rrr(Mul64, A0, A1, A2), "a0 = a1 * a2"),
        (rrr(MulUpperSignedSigned, A0, A1, A2), "a0 = a1 mulh a2"),
        (rrr(MulUpperUnsignedUnsigned, A0, A1, A2), "a0 = a1 mulhu a2"),
        (rrr(MulUpperSignedUnsigned, A0, A1, A2), "a0 = a1 mulhsu a2"),
        (rrr(SetLessThanUnsigned, A0, A2, A1), "a0 = a2 <u a1"),
        (rrr(SetLessThanSigned, A0, A2, A1), "a0 = a2 <s a1"),
        (rrr(ShiftLogicalLeft32, A0, A1, A2), "i32 a0 = a1 << a2"),
        (rrr(ShiftLogicalLeft64, A0, A1, A2), "a0 = a1 << a2"),
        (rrr(ShiftLogicalRight32, A0, A1, A2), "i32 a0 = a1 >> a2"),
        (rrr(ShiftLogicalRight64, A0, A1, A2), "a0 = a1 >> a2"),
        (rrr(ShiftArithmeticRight32, A0, A1, A2), "i32 a0 = a1 >>a a2"),
        (rrr(ShiftArithmeticRight64, A0, A1, A2), "a0 = a1 >>a a2"),
        (rrr(DivUnsigned32, A0, A1, A2), "i32 a0 = a1 /u a2"),
        (rrr(DivUnsigned64, A0, A1, A2), "a0 = a1 /u a2"),
        (rrr(DivSigned32, A0, A1, A2), "i32 a0 = a1 /s a2"),
        (rrr(DivSigned64, A0, A1, A2), "a0 = a1 /s a2"),
        (rrr(RemUnsigned32, A0, A1, A2), "i32 a0 = a1 %u a2"),
        (rrr(RemUnsigned64, A0, A1, A2), "a0 = a1 %u a2"),
        (rrr(RemSigned32, A0, A1, A2), "i32 a0 = a1 %s a2"),
        (rrr(RemSigned64, A0, A1, A2), "a0 = a1 %s a2"),
        (rrr(CmovIfZero, A0, A1, A2), "a0 = a1 if a2 == 0"),
        (rrr(CmovIfNotZero, A0, A1, A2), "a0 = a1 if a2 != 0"),
        (rrr(AndInverted, A0, A1, A2), "a0 = a1 & ~a2"),
        (rrr(OrInverted, A0, A1, A2), "a0 = a1 | ~a2"),
        (rrr(Xnor, A0, A1, A2), "a0 = ~(a1 ^ a2)"),
        (rrr(Maximum, A0, A1, A2), "a0 = maxs(a1, a2)"),
        (rrr(MaximumUnsigned, A0, A1, A2), "a0 = maxu(a1, a2)"),
        (rrr(Minimum, A0, A1, A2), "a0 = mins(a1, a2)"),
        (rrr(MinimumUnsigned, A0, A1, A2), "a0 = minu(a1, a2)"),
        (rrr(RotateLeft32, A0, A1, A2), "i32 a0 = a1 <<r a2"),
        (rrr(RotateLeft64, A0, A1, A2), "a0 = a1 <<r a2"),
        (rrr(RotateRight32, A0, A1, A2), "i32 a0 = a1 >>r a2"),
        (rrr(RotateRight64, A0, A1, A2), "a0 = a1 >>r a2"),
        (ins(Jump, Args::Offset { target: 110 }), "jump 110"),
        (ins(Ecalli, Args::Imm { imm: u32::MAX }), "ecalli 4294967295"),
        (ii(StoreImmU8, 0x20000, 7), "u8 [0x20000] = 0x7"),
        (ii(StoreImmU16, 0x20000, -1), "u16 [0x20000] = 0xffffffffffffffff"),
        (ii(StoreImmU32, 0x20000, 0x12345678), "u32 [0x20000] = 0x12345678"),
        (ii(StoreImmU64, -1, 0), "u64 [0xffffffffffffffff] = 0"),
        (rr(MoveReg, A0, A1), "a0 = a1"),
        (rr(Sbrk, A0, A1), "a0 = sbrk a1"),
        (rr(CountLeadingZeroBits32, A0, A1), "i32 a0 = clz a1"),
        (rr(CountLeadingZeroBits64, A0, A1), "a0 = clz a1"),
        (rr(CountTrailingZeroBits32, A0, A1), "i32 a0 = ctz a1"),
        (rr(CountTrailingZeroBits64, A0, A1), "a0 = ctz a1"),
        (rr(CountSetBits32, A0, A1), "i32 a0 = cpop a1"),
        (rr(CountSetBits64, A0, A1), "a0 = cpop a1"),
        (rr(SignExtend8, A0, A1), "a0 = sext8 a1"),
        (rr(SignExtend16, A0, A1), "a0 = sext16 a1"),
        (rr(ZeroExtend16, A0, A1), "a0 = zext16 a1"),
        (rr(ReverseByte, A0, A1), "a0 = reverse a1"),
        (
            ins(LoadImmAndJumpIndirect, Args::RegRegImmImm { reg1: RA, reg2: T0, imm1: 5, imm2: 8 }),
            "ra = 5, jump [t0 + 8]",
        ),
        (ins(LoadImm64, Args::RegImm64 { reg: A0, imm: 0x1122334455667788 }), "a0 = 0x1122334455667788"),
        (Instruction::INVALID, "invalid"),
    ]
}

#[test]
fn every_opcode_has_a_sample() {
    let samples = samples();
    let covered: HashSet<Opcode> = samples.iter().map(|(instruction, _)| instruction.opcode).collect();
    for &opcode in Opcode::ALL.iter().chain(&[Opcode::Invalid]) {
        assert!(covered.contains(&opcode), "no sample for {opcode}");
    }
    assert_eq!(samples.len(), 142, "exactly one sample per opcode");
}

#[test]
fn default_text_of_every_opcode() {
    for (instruction, expected) in samples() {
        assert_eq!(instruction.to_string(), expected, "{:?}", instruction.opcode);
        assert_eq!(instruction.display(&InstructionFormat::default()).to_string(), expected);
        assert!(!expected.contains("malformed"));
    }
}

/// Every opcode under every combination of options, for review (`cargo insta review`).
#[test]
fn all_options_snapshot() {
    let target = |target: u32, f: &mut std::fmt::Formatter<'_>| write!(f, "<{target:#x}>");
    let mut out = String::new();
    for (instruction, _) in samples() {
        out.push_str(&format!("{}:\n", instruction.opcode));
        for is_64_bit in [true, false] {
            for prefer_unaliased in [false, true] {
                for prefer_non_abi_reg_names in [false, true] {
                    let format = InstructionFormat {
                        prefer_non_abi_reg_names,
                        prefer_unaliased,
                        is_64_bit,
                        jump_target_formatter: Some(&target),
                    };
                    let flags = format!(
                        "{}{}{}",
                        if is_64_bit { "64" } else { "32" },
                        if prefer_unaliased { " unaliased" } else { "" },
                        if prefer_non_abi_reg_names { " r" } else { "" }
                    );
                    out.push_str(&format!("  {flags:<15} {}\n", instruction.display(&format)));
                }
            }
        }
    }
    insta::assert_snapshot!(out);
}

/// The right column of `instructions.md` §9.6 (the instruction each source line assembles to).
#[test]
fn spec_examples_9_6() {
    let cases = [
        (ri(LoadImm, A0, 1), "a0 = 0x1"),
        (ri(LoadImm, A0, -1), "a0 = 0xffffffffffffffff"),
        (ins(LoadImm64, Args::RegImm64 { reg: A0, imm: 0xffff_ffff }), "a0 = 0xffffffff"),
        (ins(LoadImm64, Args::RegImm64 { reg: A0, imm: u64::MAX }), "a0 = 0xffffffffffffffff"),
        (rrr(Add32, A0, A1, A2), "i32 a0 = a1 + a2"),
        (rri(AddImm64, A0, A1, -5), "a0 = a1 - 5"),
        (rri(NegateAndAddImm64, A0, A1, 5), "a0 = 0x5 - a1"),
        (rri(NegateAndAddImm64, A0, A1, 0), "a0 = -a1"),
        (rrr(SetLessThanUnsigned, A0, A2, A1), "a0 = a2 <u a1"),
        (rri(SetGreaterThanUnsignedImm, A0, A1, 5), "a0 = a1 >u 0x5"),
        (rri(ShiftArithmeticRightImmAlt64, A0, A1, 3), "a0 = 0x3 >>a a1"),
        (rri(RotateRightImm32, A0, A1, 3), "i32 a0 = a1 >>r 0x3"),
        (rrr(Xnor, A0, A1, A2), "a0 = ~(a1 ^ a2)"),
        (rri(LoadIndirectU64, A0, A1, -4), "a0 = u64 [a1 - 4]"),
        (rii(StoreImmIndirectU8, A0, 4, 255), "u8 [a0 + 4] = 0xff"),
        (ii(StoreImmU32, 0x20000, 0x12345678), "u32 [0x20000] = 0x12345678"),
        (
            ins(LoadImmAndJumpIndirect, Args::RegRegImmImm { reg1: RA, reg2: T0, imm1: 5, imm2: 8 }),
            "ra = 5, jump [t0 + 8]",
        ),
        (
            ins(LoadImmAndJumpIndirect, Args::RegRegImmImm { reg1: RA, reg2: RA, imm1: 5, imm2: 0 }),
            "tmp = ra, ra = 5, jump [tmp]",
        ),
        (rro(BranchGreaterOrEqualUnsigned, A1, A0, 0), "jump 0 if a1 >=u a0"),
        (rio(BranchLessSignedImm, A0, -5, 0), "jump 0 if a0 <s -5"),
        (rrr(CmovIfZero, A0, A1, A2), "a0 = a1 if a2 == 0"),
    ];
    for (instruction, expected) in cases {
        assert_eq!(instruction.to_string(), expected);
    }
}

/// §14's parsed program: `0: a0 = 0x10000`, `5: ecalli 0`, `6: ret`, `8: trap`.
#[test]
fn parsed_instruction_lines() {
    let item = |offset, length, instruction| ParsedInstruction { offset, length, instruction };
    assert_eq!(item(0, 5, ri(LoadImm, A0, 0x10000)).to_string(), "      0: a0 = 0x10000");
    assert_eq!(item(5, 1, ins(Ecalli, Args::Imm { imm: 0 })).to_string(), "      5: ecalli 0");
    assert_eq!(item(6, 2, ri(JumpIndirect, RA, 0)).to_string(), "      6: ret");
    assert_eq!(item(8, 1, none(Trap)).to_string(), "      8: trap");
    assert_eq!(item(12345678, 1, none(Trap)).to_string(), "12345678: trap");
    let format = InstructionFormat { prefer_non_abi_reg_names: true, ..InstructionFormat::default() };
    assert_eq!(item(1234, 1, rr(MoveReg, A0, SP)).display(&format).to_string(), "   1234: r7 = r1");
}

#[test]
fn options() {
    let unaliased = InstructionFormat { prefer_unaliased: true, ..InstructionFormat::default() };
    let numeric = InstructionFormat { prefer_non_abi_reg_names: true, ..InstructionFormat::default() };
    let both = InstructionFormat { prefer_unaliased: true, prefer_non_abi_reg_names: true, ..Default::default() };
    let narrow = InstructionFormat { is_64_bit: false, ..InstructionFormat::default() };
    let show = |instruction: Instruction, format: &InstructionFormat<'_>| instruction.display(format).to_string();

    // §9.5's examples of `prefer_unaliased`.
    assert_eq!(show(ri(JumpIndirect, RA, 0), &both), "jump [r0 + 0]");
    assert_eq!(show(rri(AddImm64, A0, A1, -4095), &both), "r7 = r8 + 0xfffffffffffff001");
    assert_eq!(show(rri(AddImm64, A0, A1, -4095), &numeric), "r7 = r8 - 4095");
    assert_eq!(show(ri(JumpIndirect, RA, 0), &numeric), "ret");
    assert_eq!(show(ri(JumpIndirect, A0, 0), &InstructionFormat::default()), "jump [a0]");
    assert_eq!(show(ri(JumpIndirect, A0, 0), &unaliased), "jump [a0 + 0]");
    assert_eq!(show(ri(JumpIndirect, A0, -8), &InstructionFormat::default()), "jump [a0 - 8]");
    assert_eq!(show(ri(JumpIndirect, A0, -8), &unaliased), "jump [a0 - 8]");
    assert_eq!(show(rri(NegateAndAddImm64, A0, A1, 0), &unaliased), "a0 = 0 - a1");
    assert_eq!(show(rri(NegateAndAddImm32, A0, A1, 0), &InstructionFormat::default()), "i32 a0 = -a1");
    assert_eq!(show(rri(LoadIndirectU8, A0, A1, 0), &unaliased), "a0 = u8 [a1 + 0]");
    assert_eq!(show(rii(StoreImmIndirectU64, SP, 0, 0), &unaliased), "u64 [sp + 0] = 0");

    // The add_imm alias covers exactly -4095..=-1.
    assert_eq!(rri(AddImm64, A0, A1, -1).to_string(), "a0 = a1 - 1");
    assert_eq!(rri(AddImm64, A0, A1, -4096).to_string(), "a0 = a1 + 0xfffffffffffff000");
    assert_eq!(rri(AddImm32, A0, A1, -4095).to_string(), "i32 a0 = a1 - 4095");
    assert_eq!(rri(AddImm64, A0, A1, 0).to_string(), "a0 = a1 + 0");
    assert_eq!(show(rri(AddImm32, A0, A1, -1), &narrow), "a0 = a1 - 1");

    // Displacement extremes.
    assert_eq!(rri(LoadIndirectU8, A0, A1, i64::from(i32::MIN)).to_string(), "a0 = u8 [a1 - 2147483648]");
    assert_eq!(rri(LoadIndirectU8, A0, A1, i64::from(i32::MAX)).to_string(), "a0 = u8 [a1 + 2147483647]");

    // 32-bit immediates and no `i32 ` prefix.
    assert_eq!(show(ri(LoadImm, A0, -1), &narrow), "a0 = 0xffffffff");
    assert_eq!(show(rrr(Add32, A0, A1, A2), &narrow), "a0 = a1 + a2");
    assert_eq!(show(rr(CountLeadingZeroBits32, A0, A1), &narrow), "a0 = clz a1");
    assert_eq!(show(rri(NegateAndAddImm32, A0, A1, 0), &narrow), "a0 = -a1");
    assert_eq!(show(rri(AddImm32, A0, A1, -4096), &narrow), "a0 = a1 + 0xfffff000");
    assert_eq!(show(rii(StoreImmIndirectU32, SP, 8, -1), &narrow), "u32 [sp + 8] = 0xffffffff");
    assert_eq!(show(rri(CmovIfZeroImm, A0, A1, -2), &narrow), "a0 = 0xfffffffe if a1 == 0");
    assert_eq!(show(ri(LoadImm, A0, 0), &narrow), "a0 = 0");
    // load_imm64 is always hex, even for zero.
    assert_eq!(ins(LoadImm64, Args::RegImm64 { reg: A0, imm: 0 }).to_string(), "a0 = 0x0");
}

/// `instructions.md` §10: display quirks of polkavm 0.37.
#[test]
fn quirks() {
    let numeric = InstructionFormat { prefer_non_abi_reg_names: true, ..InstructionFormat::default() };
    let narrow = InstructionFormat { is_64_bit: false, ..InstructionFormat::default() };

    // store_indirect_u8 keeps the ABI name of its source register; the other widths do not.
    assert_eq!(rri(StoreIndirectU8, A0, SP, 4).display(&numeric).to_string(), "u8 [r1 + 4] = a0");
    assert_eq!(rri(StoreIndirectU16, A0, SP, 4).display(&numeric).to_string(), "u16 [r1 + 4] = r7");

    // 32-bit display of the 32-bit immediate rotates prints a logical shift.
    assert_eq!(rri(RotateRightImm32, A0, A1, 3).display(&narrow).to_string(), "a0 = a1 >> 0x3");
    assert_eq!(rri(RotateRightImmAlt32, A0, A1, 3).display(&narrow).to_string(), "a0 = 0x3 >> a1");
    assert_eq!(rrr(RotateRight32, A0, A1, A2).display(&narrow).to_string(), "a0 = a1 >>r a2");

    // load_imm_and_jump_indirect with d == b uses the `tmp` form (also with a displacement).
    let tmp =
        ins(LoadImmAndJumpIndirect, Args::RegRegImmImm { reg1: A0, reg2: A0, imm1: -1i32 as u32, imm2: -16i32 as u32 });
    assert_eq!(tmp.to_string(), "tmp = a0, a0 = -1, jump [tmp - 16]");
    let unaliased = InstructionFormat { prefer_unaliased: true, ..InstructionFormat::default() };
    let tmp0 = ins(LoadImmAndJumpIndirect, Args::RegRegImmImm { reg1: A0, reg2: A0, imm1: 0, imm2: 0 });
    assert_eq!(tmp0.display(&unaliased).to_string(), "tmp = a0, a0 = 0, jump [tmp + 0]");

    // cmov_if_not_zero prints its real condition (the assembler bug is on the parsing side).
    assert_eq!(rrr(CmovIfNotZero, A0, A1, A2).to_string(), "a0 = a1 if a2 != 0");
    // memset is fixed text, whatever the register names.
    assert_eq!(none(Memset).display(&numeric).to_string(), "[a0..a0 + a2] = u8 a1");
}

#[test]
fn jump_target_formatter() {
    let hex = |target: u32, f: &mut std::fmt::Formatter<'_>| write!(f, "@{target:x}");
    let format = InstructionFormat { jump_target_formatter: Some(&hex), ..InstructionFormat::default() };
    assert_eq!(ins(Jump, Args::Offset { target: 255 }).display(&format).to_string(), "jump @ff");
    assert_eq!(rio(LoadImmAndJump, RA, 4, 16).display(&format).to_string(), "ra = 4, jump @10");
    assert_eq!(rro(BranchEq, A0, A1, 32).display(&format).to_string(), "jump @20 if a0 == a1");
    assert_eq!(rio(BranchEqImm, A0, 1, 32).display(&format).to_string(), "jump @20 if a0 == 1");
    // Not a static target: unaffected.
    assert_eq!(ri(JumpIndirect, A0, 32).display(&format).to_string(), "jump [a0 + 32]");
}

#[test]
fn malformed_operands_do_not_panic() {
    let wrong = Instruction { opcode: Opcode::Add64, args: Args::None };
    assert!(wrong.to_string().starts_with("add_64 <malformed operands"));
    let wrong = Instruction { opcode: Opcode::Trap, args: Args::Imm { imm: 1 } };
    assert!(wrong.to_string().starts_with("trap <malformed operands"));
}

/// Extreme operands for every opcode under every option: always some text, never the fallback.
#[test]
fn extreme_operands() {
    let values = [0u32, 1, 0x7f, 0x80, 0xfff, 0x7fff_ffff, 0x8000_0000, 0xffff_f001, u32::MAX];
    let regs = [RA, A5];
    for &opcode in Opcode::ALL.iter().chain(&[Opcode::Invalid]) {
        for (&value, &reg) in values.iter().zip(regs.iter().cycle()) {
            let args = match opcode.format() {
                kestrel_program::Format::None => Args::None,
                kestrel_program::Format::Imm => Args::Imm { imm: value },
                kestrel_program::Format::Offset => Args::Offset { target: value },
                kestrel_program::Format::RegImm => Args::RegImm { reg, imm: value },
                kestrel_program::Format::RegImm64 => Args::RegImm64 { reg, imm: u64::from(value) << 32 | 1 },
                kestrel_program::Format::RegImmImm => Args::RegImmImm { reg, imm1: value, imm2: !value },
                kestrel_program::Format::RegImmOffset => Args::RegImmOffset { reg, imm: value, target: !value },
                kestrel_program::Format::ImmImm => Args::ImmImm { imm1: value, imm2: !value },
                kestrel_program::Format::RegReg => Args::RegReg { reg1: reg, reg2: reg },
                kestrel_program::Format::RegRegImm => Args::RegRegImm { reg1: reg, reg2: reg, imm: value },
                kestrel_program::Format::RegRegOffset => Args::RegRegOffset { reg1: reg, reg2: reg, target: value },
                kestrel_program::Format::RegRegReg => Args::RegRegReg { reg1: reg, reg2: reg, reg3: reg },
                kestrel_program::Format::RegRegImmImm => {
                    Args::RegRegImmImm { reg1: reg, reg2: reg, imm1: value, imm2: !value }
                }
            };
            let instruction = ins(opcode, args);
            for bits in 0..8 {
                let format = InstructionFormat {
                    prefer_non_abi_reg_names: bits & 1 != 0,
                    prefer_unaliased: bits & 2 != 0,
                    is_64_bit: bits & 4 != 0,
                    jump_target_formatter: None,
                };
                let text = instruction.display(&format).to_string();
                assert!(!text.is_empty() && !text.contains("malformed"), "{opcode}: {text}");
            }
        }
    }
}
