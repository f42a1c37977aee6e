//! Program listings (`instructions.md` §9.6's program, §14's example).

use std::collections::BTreeSet;

use kestrel_program::disasm::{InstructionFormat, ListingOptions, disassemble, listing};
use kestrel_program::{Args, Instruction, Opcode, ParsedInstruction, Reg};

fn item(offset: u32, length: u32, opcode: Opcode, args: Args) -> ParsedInstruction {
    ParsedInstruction { offset, length, instruction: Instruction::new(opcode, args).expect("valid operands") }
}

/// The program of §9.6 as polkavm 0.37 lays it out for Latest64 (offsets and lengths from its listing).
fn sum_program() -> Vec<ParsedInstruction> {
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
const SUM_LATEST64_CODE: &[u8] = &[
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

const SUM_LISTING: &str = "      0: a1 = 0
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

#[test]
fn plain_listing_matches_the_spec() {
    assert_eq!(disassemble(sum_program(), &InstructionFormat::default()), SUM_LISTING);
    assert_eq!(disassemble(Vec::new(), &InstructionFormat::default()), "");
}

#[test]
fn plain_listing_with_options() {
    let format = InstructionFormat { prefer_non_abi_reg_names: true, prefer_unaliased: true, ..Default::default() };
    let text = disassemble(sum_program(), &format);
    assert!(text.contains("      9: r7 = r7 + 0xffffffffffffffff\n"), "{text}");
    assert!(text.contains("     16: jump [r0 + 0]\n"), "{text}");
    assert!(text.contains("     21: jump [r9 + 0]\n"), "{text}");
}

#[test]
fn rich_listing() {
    let exports: &[(u32, &[u8])] = &[(18, b"indirect"), (0, b"sum")];
    // Valid jump targets: offset 0 and every offset after a terminator.
    let targets: BTreeSet<u32> = [0, 3, 6, 14, 18, 23].into();
    let is_jump_target = |offset: u32| targets.contains(&offset);
    let options = ListingOptions {
        exports,
        is_jump_target: Some(&is_jump_target),
        code: Some(SUM_LATEST64_CODE),
        ..ListingOptions::default()
    };
    let text = listing(sum_program(), &options);
    insta::assert_snapshot!(text);
    assert!(text.starts_with("// export: sum\n@_0:\n      0: 04 08 "), "{text}");
    assert!(text.contains("\n@_3:\n      3: 1c 07 0b                       jump @_14 if a0 == 0\n"), "{text}");
    assert!(text.contains("// export: indirect\n@_18:\n     18: 05 09 02 "), "{text}");
}

#[test]
fn rich_listing_edge_cases() {
    use Opcode::*;
    let items = vec![
        item(0, 1, Fallthrough, Args::None),
        item(1, 2, Jump, Args::Offset { target: 7 }), // not a valid target: stays decimal
        item(3, 2, Jump, Args::Offset { target: 0 }),
        item(5, 0, Invalid, Args::None), // §3.6 zero-length item before the real one
        item(5, 1, Trap, Args::None),
        item(6, 1, Invalid, Args::None), // legacy implicit end trap at code_len
    ];
    let exports: &[(u32, &[u8])] = &[(2, b"mid"), (5, b"\xff\x00"), (5, b"second"), (100, b"far")];
    let is_jump_target = |offset: u32| matches!(offset, 0 | 1 | 5);
    let code = [1, 40, 6, 40, 0xfd, 0];
    let options =
        ListingOptions { exports, is_jump_target: Some(&is_jump_target), code: Some(&code), ..Default::default() };
    let expected = "@_0:
      0: 01                             fallthrough
@_1:
      1: 28 06                          jump 7
// export: mid (offset 2: not an instruction boundary)
      3: 28 fd                          jump @_0
// export: 0xff00
// export: second
@_5:
      5:                                invalid
      5: 00                             trap
      6:                                invalid
// export: far (offset 100: past the last instruction)
";
    assert_eq!(listing(items, &options), expected);
}

#[test]
fn own_jump_target_formatter_wins() {
    let hex = |target: u32, f: &mut std::fmt::Formatter<'_>| write!(f, "L{target:x}");
    let is_jump_target = |_: u32| true;
    let options = ListingOptions {
        format: InstructionFormat { jump_target_formatter: Some(&hex), ..Default::default() },
        is_jump_target: Some(&is_jump_target),
        ..Default::default()
    };
    let text = listing(sum_program(), &options);
    assert!(text.contains("@_14:\n     14: a0 = a1\n"), "{text}");
    assert!(text.contains("     12: jump L3\n"), "{text}");
}

/// §14: `0: a0 = 0x10000`, `5: ecalli 0`, `6: ret`, `8: trap`, also for Latest32-style output.
#[test]
fn spec_example_14() {
    use Opcode::*;
    let items = vec![
        item(0, 5, LoadImm, Args::RegImm { reg: Reg::A0, imm: 0x10000 }),
        item(5, 1, Ecalli, Args::Imm { imm: 0 }),
        item(6, 2, JumpIndirect, Args::RegImm { reg: Reg::RA, imm: 0 }),
        item(8, 1, Trap, Args::None),
    ];
    let expected = "      0: a0 = 0x10000\n      5: ecalli 0\n      6: ret\n      8: trap\n";
    assert_eq!(disassemble(items.clone(), &InstructionFormat::default()), expected);
    let narrow = InstructionFormat::for_isa(kestrel_program::InstructionSetKind::Latest32);
    assert_eq!(disassemble(items, &narrow), expected);
}

#[test]
fn import_names_after_ecalli() {
    let ecalli = |offset, imm| item(offset, 2, Opcode::Ecalli, Args::Imm { imm });
    let items = vec![ecalli(0, 0), ecalli(2, 1), ecalli(4, 2), ecalli(6, u32::MAX)];
    let imports: &[Option<&[u8]>] = &[Some(b"hello"), None, Some(b"\x01")];
    let options = ListingOptions { imports, ..ListingOptions::default() };
    let expected = "      0: ecalli 0  // hello
      2: ecalli 1  // <invalid>
      4: ecalli 2  // 0x01
      6: ecalli 4294967295
";
    assert_eq!(listing(items, &options), expected);
}
