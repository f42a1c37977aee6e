//! The verified examples of the spec that several test files check: the annotated blob of
//! `blob-format.md` §14 and the program of `instructions.md` §9.6.

use kestrel_program::{Args, Opcode, ParsedInstruction, Reg};

use super::code::item;

/// `blob-format.md` §14, JamV1.
pub const EXAMPLE_14_JAM_V1: [u8; 66] = [
    0x50, 0x56, 0x4d, 0x00, 0x03, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x10, //
    0x04, 0x90, 0x00, 0x02, 0x02, 0x68, 0x69, 0x03, 0x02, 0x01, 0x02, 0x04, 0x0a, 0x01, 0x00, 0x00, //
    0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x05, 0x07, 0x01, 0x00, 0x04, 0x6d, 0x61, 0x69, 0x6e, //
    0x06, 0x0f, 0x01, 0x01, 0x09, 0x08, 0x33, 0x07, 0x00, 0x00, 0x01, 0x0a, 0x32, 0x00, 0x00, 0x61, //
    0x01, 0x00,
];

/// The code section (and end marker) of the §14 example as Latest64, from offset 0x30.
pub const EXAMPLE_14_LATEST64_TAIL: [u8; 16] =
    [0x06, 0x0d, 0x01, 0x01, 0x09, 0x07, 0x07, 0x00, 0x00, 0x01, 0xdd, 0x00, 0x03, 0x00, 0x00, 0x00];

/// The same program as Latest64 (§14: version byte, length and everything from 0x30 differ).
pub fn example_14_latest64() -> Vec<u8> {
    let mut bytes = EXAMPLE_14_JAM_V1[..0x30].to_vec();
    bytes[4] = 0x02;
    bytes[5] = 0x40;
    bytes.extend_from_slice(&EXAMPLE_14_LATEST64_TAIL);
    bytes
}

/// The program of `instructions.md` §9.6 as polkavm 0.37 lays it out for Latest64 (offsets and
/// lengths from its listing).
pub fn sum_program() -> Vec<ParsedInstruction> {
    use Opcode::*;
    use Reg::*;
    vec![
        item(0, 2, LoadImm, Args::RegImm { reg: A1, imm: 0 }),
        item(2, 1, Fallthrough, Args::None),
        item(3, 3, BranchEqImm, Args::RegImmOffset { reg: A0, imm: 0, target: 14 }),
        item(6, 3, Add64, Args::RegRegReg { reg1: A1, reg2: A1, reg3: A0 }),
        item(9, 3, AddImm64, Args::RegRegImm { reg1: A0, reg2: A0, imm: u32::MAX }),
        item(12, 2, Jump, Args::Offset { target: 3 }),
        item(14, 2, MoveReg, Args::RegReg { reg1: A0, reg2: A1 }),
        item(16, 2, JumpIndirect, Args::RegImm { reg: RA, imm: 0 }),
        item(18, 3, LoadImm, Args::RegImm { reg: A2, imm: 2 }),
        item(21, 2, JumpIndirect, Args::RegImm { reg: A2, imm: 0 }),
        item(23, 6, LoadU8, Args::RegImm { reg: A0, imm: 0x10000 }),
        item(29, 2, Ecalli, Args::Imm { imm: 1 }),
        item(31, 2, JumpIndirect, Args::RegImm { reg: RA, imm: 0 }),
    ]
}

/// The same program's Latest64 code bytes, encoded by hand per §2.3/§8.3.
pub const SUM_LATEST64_CODE: &[u8] = &[
    0x04, 0x08, // 0: a1 = 0
    0x01, // 2: fallthrough
    0x1c, 0x07, 0x0b, // 3: jump 14 if a0 == 0
    0xbc, 0x78, 0x08, // 6: a1 = a1 + a0
    0x7d, 0x77, 0xff, // 9: a0 = a0 - 1
    0xd9, 0xf7, // 12: jump 3
    0xe3, 0x87, // 14: a0 = a1
    0x03, 0x00, // 16: ret
    0x05, 0x09, 0x02, // 18: a2 = 0x2
    0x03, 0x09, // 21: jump [a2]
    0x09, 0x07, 0x00, 0x00, 0x01, 0x00, // 23: a0 = u8 [0x10000]
    0xdd, 0x01, // 29: ecalli 1
    0x03, 0x00, // 31: ret
];

/// The program's default listing (§9.6).
pub const SUM_LISTING: &str = "      0: a1 = 0
      2: fallthrough
      3: jump 14 if a0 == 0
      6: a1 = a1 + a0
      9: a0 = a0 - 1
     12: jump 3
     14: a0 = a1
     16: ret
     18: a2 = 0x2
     21: jump [a2]
     23: a0 = u8 [0x10000]
     29: ecalli 1
     31: ret
";
