//! Operand decoding: every row of `instructions.md` §2.4 in both encodings, and the verified
//! examples of §2.1–§2.3.

mod support;

use kestrel_program::decode::Code;
use kestrel_program::{Args, Instruction, InstructionSetKind, Opcode, Reg};
use support::decode::{bitmask, items, legacy};

use InstructionSetKind::{JamV1, Latest32, Latest64, ReviveV1};

struct Row {
    opcode: Opcode,
    args: Args,
    pc: u32,
    legacy: &'static [u8],
    latest64: &'static [u8],
}

const fn neg(value: i32) -> u32 {
    value as u32
}

/// The §2.4 table: instruction, pc, legacy (JamV1) bytes, Latest64 bytes (`sbrk`'s legacy bytes
/// are its Latest32 encoding).
fn table() -> Vec<Row> {
    use Args::*;
    use Opcode::*;
    use Reg::*;
    let row = |opcode, args, pc, legacy, latest64| Row { opcode, args, pc, legacy, latest64 };
    vec![
        row(Trap, None, 0, &[0x00], &[0x00]),
        row(Ecalli, Imm { imm: 0 }, 0, &[0x0A], &[0xDD, 0x00]),
        row(Ecalli, Imm { imm: 1000 }, 0, &[0x0A, 0xE8, 0x03], &[0xFF, 0x35, 0xE8, 0x03, 0x00, 0x00]),
        row(LoadImm, RegImm { reg: A0, imm: 0 }, 0, &[0x33, 0x07], &[0x04, 0x07]),
        row(LoadImm, RegImm { reg: A0, imm: neg(-1) }, 0, &[0x33, 0x07, 0xFF], &[0x05, 0x07, 0xFF]),
        row(LoadImm, RegImm { reg: A0, imm: 0x80 }, 0, &[0x33, 0x07, 0x80, 0x00], &[0x06, 0x07, 0x80, 0x00]),
        row(
            LoadImm,
            RegImm { reg: A5, imm: neg(-0x1234_5678) },
            0,
            &[0x33, 0x0C, 0x88, 0xA9, 0xCB, 0xED],
            &[0x08, 0x0C, 0x88, 0xA9, 0xCB, 0xED],
        ),
        row(JumpIndirect, RegImm { reg: RA, imm: 0 }, 0, &[0x32, 0x00], &[0x03, 0x00]),
        row(
            JumpIndirect,
            RegImm { reg: T0, imm: 0x1000 },
            0,
            &[0x32, 0x02, 0x00, 0x10],
            &[0xFF, 0x00, 0x02, 0x00, 0x10, 0x00, 0x00],
        ),
        row(Jump, Offset { target: 110 }, 100, &[0x28, 0x0A], &[0xD9, 0x0A]),
        row(Jump, Offset { target: 100 }, 100, &[0x28], &[0xD9, 0x00]),
        row(Jump, Offset { target: 356 }, 100, &[0x28, 0x00, 0x01], &[0xDA, 0x00, 0x01]),
        row(
            LoadImmAndJump,
            RegImmOffset { reg: RA, imm: 4, target: 120 },
            100,
            &[0x50, 0x10, 0x04, 0x14],
            &[0x17, 0x20, 0x04, 0x00, 0x14],
        ),
        row(
            BranchEqImm,
            RegImmOffset { reg: A0, imm: 5, target: 90 },
            100,
            &[0x51, 0x17, 0x05, 0xF6],
            &[0x1D, 0x17, 0x05, 0xF6],
        ),
        row(
            StoreImmIndirectU32,
            RegImmImm { reg: SP, imm1: 8, imm2: neg(-1) },
            0,
            &[0x48, 0x11, 0x08, 0xFF],
            &[0x4D, 0x11, 0x08, 0xFF],
        ),
        row(StoreIndirectU32, RegRegImm { reg1: A0, reg2: SP, imm: 16 }, 0, &[0x7A, 0x17, 0x10], &[0x5F, 0x17, 0x10]),
        row(
            LoadIndirectU64,
            RegRegImm { reg1: A1, reg2: SP, imm: neg(-16) },
            0,
            &[0x82, 0x18, 0xF0],
            &[0x77, 0x18, 0xF0],
        ),
        row(AddImm64, RegRegImm { reg1: SP, reg2: SP, imm: neg(-16) }, 0, &[0x95, 0x11, 0xF0], &[0x7D, 0x11, 0xF0]),
        row(BranchEq, RegRegOffset { reg1: A0, reg2: A1, target: 100 }, 100, &[0xAA, 0x87], &[0xAD, 0x87, 0x00]),
        row(Add64, RegRegReg { reg1: A0, reg2: A1, reg3: A2 }, 0, &[0xC8, 0x98, 0x07], &[0xBC, 0x98, 0x07]),
        row(
            MulUpperSignedSigned,
            RegRegReg { reg1: A0, reg2: A1, reg3: A2 },
            0,
            &[0xD5, 0x98, 0x07],
            &[0xFF, 0x2A, 0x98, 0x07],
        ),
        row(
            StoreImmU32,
            ImmImm { imm1: 0x20000, imm2: 7 },
            0,
            &[0x20, 0x03, 0x00, 0x00, 0x02, 0x07],
            &[0xDF, 0x03, 0x00, 0x00, 0x02, 0x07],
        ),
        row(
            StoreImmU8,
            ImmImm { imm1: neg(-1), imm2: 0 },
            0,
            &[0x1E, 0x01, 0xFF],
            &[0xDE, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0x00],
        ),
        row(MoveReg, RegReg { reg1: A0, reg2: A1 }, 0, &[0x64, 0x87], &[0xE3, 0x87]),
        row(Sbrk, RegReg { reg1: A0, reg2: A1 }, 0, &[0x65, 0x87], &[0xFF, 0xFE, 0x87]),
        row(
            LoadImmAndJumpIndirect,
            RegRegImmImm { reg1: RA, reg2: T0, imm1: 16, imm2: 0 },
            0,
            &[0xB4, 0x20, 0x01, 0x10],
            &[0xED, 0x20, 0x02, 0x10, 0x00],
        ),
        row(
            LoadImm64,
            RegImm64 { reg: A0, imm: 0x1122_3344_5566_7788 },
            0,
            &[0x14, 0x07, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
            &[0xEF, 0x07, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
        ),
    ]
}

/// Places `bytes` at `pc` after `pc` one-byte traps and before a final trap, then checks the
/// decoded item at `pc`, the linear decode, and that nothing is invalid.
fn check_row(isa: InstructionSetKind, row: &Row, bytes: &[u8]) {
    let mut parts: Vec<&[u8]> = vec![&[0x00]; row.pc as usize];
    parts.push(bytes);
    parts.push(&[0x00]);
    let (code_bytes, mask) = legacy(&parts);
    let code = Code::new(isa, &code_bytes, &mask);
    let expected = Instruction::new(row.opcode, row.args).expect("table row matches the opcode's format");
    let item = code.decode_at(row.pc);
    assert_eq!(item.instruction, expected, "{isa} {:02X?}", bytes);
    assert_eq!((item.offset, item.length), (row.pc, bytes.len() as u32), "{isa} {:02X?}", bytes);
    assert!(code.is_instruction_boundary(row.pc));
    let linear = items(&code);
    assert_eq!(linear.len(), row.pc as usize + 2, "{isa}: {linear:?}");
    assert_eq!(linear[row.pc as usize], (row.pc, bytes.len() as u32, row.opcode));
    assert_eq!(code.first_invalid(), None, "{isa} {:02X?}", bytes);
}

#[test]
fn encoding_table_legacy() {
    let mut checked = 0;
    for row in table() {
        for isa in [JamV1, ReviveV1, Latest32] {
            // The table's legacy column is JamV1 (Latest32 for `sbrk`); other legacy sets share
            // the byte for most mnemonics.
            if row.opcode.legacy_byte(isa) == Some(row.legacy[0]) {
                check_row(isa, &row, row.legacy);
                checked += 1;
            }
        }
        if row.opcode != Opcode::Sbrk {
            assert_eq!(row.opcode.legacy_byte(JamV1), Some(row.legacy[0]), "{}", row.opcode);
        }
    }
    // 26 JamV1 rows, the same 26 in ReviveV1, 23 in Latest32 (incl. sbrk).
    assert_eq!(checked, 26 + 26 + 23);
}

#[test]
fn encoding_table_latest64() {
    for row in table() {
        check_row(Latest64, &row, row.latest64);
    }
}

#[test]
fn register_fields_read_past_a_zero_skip() {
    // add_64 with skip 0 followed by `00 98`: `a1 = ra + ra`.
    let code = [0xC8, 0x00, 0x98];
    let mask = bitmask(&[0, 1], 3);
    let code = Code::new(JamV1, &code, &mask);
    let item = code.decode_at(0);
    assert_eq!(item.length, 1);
    assert_eq!(item.instruction.args, Args::RegRegReg { reg1: Reg::A1, reg2: Reg::RA, reg3: Reg::RA });
    assert_eq!(code.decode_at(1).instruction, Instruction { opcode: Opcode::Trap, args: Args::None });
}

#[test]
fn first_immediate_reads_past_the_instruction() {
    // store_imm_u8 `1E 04 11 22 33 44` with skip 3: imm1 = 0x44332211, imm2 = 0.
    let code = [0x1E, 0x04, 0x11, 0x22, 0x33, 0x44, 0x00];
    let mask = bitmask(&[0, 4, 6], code.len());
    let code = Code::new(JamV1, &code, &mask);
    let item = code.decode_at(0);
    assert_eq!(item.length, 4);
    assert_eq!(item.instruction.opcode, Opcode::StoreImmU8);
    assert_eq!(item.instruction.args, Args::ImmImm { imm1: 0x4433_2211, imm2: 0 });
}

#[test]
fn bytes_past_the_code_end_read_as_zero() {
    // store_imm_u8 with n1 = 4 but only one immediate byte left in the code.
    let code = [0x1E, 0x04, 0x7F];
    let mask = bitmask(&[0], code.len());
    let item = Code::new(JamV1, &code, &mask).decode_at(0);
    assert_eq!(item.instruction.args, Args::ImmImm { imm1: 0x7F, imm2: 0 });
    // Latest64: raw 66 `store_imm_indirect_u8` (L = 1) takes n1 from its register byte and
    // reads imm1 from the following bytes.
    let code = [0x42, 0x21, 0x34, 0x12, 0x00];
    let item = Code::new(Latest64, &code, &[]).decode_at(0);
    assert_eq!((item.offset, item.length), (0, 2));
    assert_eq!(item.instruction.opcode, Opcode::StoreImmIndirectU8);
    assert_eq!(item.instruction.args, Args::RegImmImm { reg: Reg::SP, imm1: 0x1234, imm2: 0 });
}

#[test]
fn arguments_beyond_the_argument_length_are_ignored() {
    // load_imm with skip 6: the 6th argument byte is ignored.
    let code = [0x33, 0x07, 0x01, 0x02, 0x03, 0x04, 0x99, 0x00];
    let mask = bitmask(&[0, 7], code.len());
    let item = Code::new(JamV1, &code, &mask).decode_at(0);
    assert_eq!(item.instruction.args, Args::RegImm { reg: Reg::A0, imm: 0x0403_0201 });
    // store_imm_u8 with n1 code 1 and L = 8: n2 = 4, a[6] and a[7] ignored.
    let code = [0x1E, 0x01, 0x80, 0x01, 0x02, 0x03, 0x04, 0x99, 0x99, 0x00];
    let mask = bitmask(&[0, 9], code.len());
    let item = Code::new(JamV1, &code, &mask).decode_at(0);
    assert_eq!(item.instruction.args, Args::ImmImm { imm1: neg(-128), imm2: 0x0403_0201 });
}

#[test]
fn load_imm64_always_reads_eight_bytes() {
    let bytes = [0x14, 0x07, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11];
    let mask = bitmask(&[0, 3], bytes.len());
    let item = Code::new(JamV1, &bytes, &mask).decode_at(0);
    assert_eq!(item.length, 3);
    assert_eq!(item.instruction.args, Args::RegImm64 { reg: Reg::A0, imm: 0x1122_3344_5566_7788 });
    let item = Code::new(JamV1, &bytes[..4], &mask).decode_at(0);
    assert_eq!(item.instruction.args, Args::RegImm64 { reg: Reg::A0, imm: 0x7788 });
}

#[test]
fn register_nibbles_above_twelve_mean_a5() {
    for nibble in 13u8..=15 {
        let code = [0x64, nibble | (nibble << 4), 0x00];
        let mask = bitmask(&[0, 2], code.len());
        let item = Code::new(JamV1, &code, &mask).decode_at(0);
        assert_eq!(item.instruction.args, Args::RegReg { reg1: Reg::A5, reg2: Reg::A5 });
    }
    // reg_imm: the high nibble is ignored; reg_reg_reg: a[1]'s high nibble is ignored.
    let code = [0x33, 0xF3, 0x05, 0xC8, 0xDE, 0xF9, 0x00];
    let mask = bitmask(&[0, 3, 6], code.len());
    let code = Code::new(JamV1, &code, &mask);
    assert_eq!(code.decode_at(0).instruction.args, Args::RegImm { reg: Reg::T1, imm: 5 });
    assert_eq!(code.decode_at(3).instruction.args, Args::RegRegReg { reg1: Reg::A2, reg2: Reg::A5, reg3: Reg::A5 });
}

#[test]
fn ecalli_immediates_are_sign_extended() {
    let code = [0x0A, 0xFF, 0x0A, 0x80, 0x00, 0x00];
    let mask = bitmask(&[0, 2, 5], code.len());
    let code = Code::new(JamV1, &code, &mask);
    assert_eq!(code.decode_at(0).instruction.args, Args::Imm { imm: 0xFFFF_FFFF });
    assert_eq!(code.decode_at(2).instruction.args, Args::Imm { imm: 128 });
}

#[test]
fn jump_targets_wrap_modulo_2_32() {
    let code = [0x28, 0xFF];
    let mask = bitmask(&[0], code.len());
    let item = Code::new(JamV1, &code, &mask).decode_at(0);
    assert_eq!(item.instruction.args, Args::Offset { target: 0xFFFF_FFFF });
    // Latest64 targets are relative to the FF prefix: raw 257 `load_imm_and_jump` (L = 9).
    let mut code = vec![0x00; 10];
    code.extend_from_slice(&[0xFF, 0x02, 0x47, 0x00, 0x00, 0x00, 0x00, 0xFE, 0xFF, 0xFF, 0xFF, 0x00]);
    let item = Code::new(Latest64, &code, &[]).decode_at(10);
    assert_eq!(item.length, 11);
    assert_eq!(item.instruction.args, Args::RegImmOffset { reg: Reg::A0, imm: 0, target: 8 });
}
