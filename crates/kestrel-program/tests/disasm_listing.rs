//! Program listings (`instructions.md` §9.6's program, §14's example).

mod support;

use std::collections::BTreeSet;

use kestrel_program::disasm::{InstructionFormat, ListingOptions, disassemble, listing};
use kestrel_program::{Args, Opcode, Reg};
use support::code::item;
use support::spec::{SUM_LATEST64_CODE, SUM_LISTING, sum_program};

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
