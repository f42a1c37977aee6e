//! Re-assemblable program text (`to_assembly`).

mod support;

use kestrel_program::disasm::{AssemblySource, DisasmError, LabelUse, to_assembly};
use kestrel_program::{Args, Format, InstructionSetKind, Opcode, ParsedInstruction, Reg};
use support::code::{assembly_source as program, item};
use support::spec::sum_program;

#[test]
fn spec_program_9_6() {
    let items = sum_program();
    let source = AssemblySource {
        ro_data_size: 4096,
        rw_data_size: 4096,
        stack_size: 4096,
        ro_data: b"Hello",
        exports: vec![(18, b"indirect"), (0, b"sum")],
        jump_table: vec![23],
        ..program(InstructionSetKind::Latest64, 33, &items)
    };
    let expected = "%isa = latest64
%ro_data_size = 4096
%rw_data_size = 4096
%stack_size = 4096
%ro_data = 48656c6c6f
%export = indirect @_18
%export = sum @_0
%jump_table = @_23

@_0:
    a1 = 0
    fallthrough
@_3:
    jump @_14 if a0 == 0
    a1 = a1 + a0
    a0 = a0 - 1
    jump @_3
@_14:
    a0 = a1
    ret
@_18:
    a2 = 0x2
    jump [a2]
@_23:
    a0 = u8 [0x10000]
    ecalli 1
    ret
";
    assert_eq!(to_assembly(&source).unwrap(), expected);
}

/// `blob-format.md` §14 (JamV1): data, one import, one export, a jump table.
#[test]
fn spec_example_14() {
    use Opcode::*;
    let items = [
        item(0, 5, LoadImm, Args::RegImm { reg: Reg::A0, imm: 0x10000 }),
        item(5, 1, Ecalli, Args::Imm { imm: 0 }),
        item(6, 2, JumpIndirect, Args::RegImm { reg: Reg::RA, imm: 0 }),
        item(8, 1, Trap, Args::None),
    ];
    let source = AssemblySource {
        ro_data_size: 16,
        rw_data_size: 4,
        stack_size: 4096,
        ro_data: b"hi",
        rw_data: &[1, 2],
        imports: vec![Some(b"hello")],
        exports: vec![(0, b"main")],
        jump_table: vec![8],
        ..program(InstructionSetKind::JamV1, 9, &items)
    };
    let expected = "%isa = jam_v1
%ro_data_size = 16
%rw_data_size = 4
%stack_size = 4096
%ro_data = 6869
%rw_data = 0102
%import = hello
%export = main @_0
%jump_table = @_8

@_0:
    a0 = 0x10000
    ecalli 0
    ret
@_8:
    trap
";
    assert_eq!(to_assembly(&source).unwrap(), expected);
}

/// A generic instance of every opcode (negative immediates everywhere), all jumping to offset 0.
fn every_opcode() -> Vec<ParsedInstruction> {
    use Reg::*;
    let mut items = vec![item(0, 1, Opcode::Trap, Args::None)];
    for (offset, &opcode) in (1u32..).zip(Opcode::ALL.iter().chain(&[Opcode::Invalid])) {
        let m = |value: i32| value as u32;
        let args = match opcode.format() {
            Format::None => Args::None,
            Format::Imm => Args::Imm { imm: 7 },
            Format::Offset => Args::Offset { target: 0 },
            Format::RegImm => Args::RegImm { reg: A0, imm: m(-16) },
            Format::RegImm64 => Args::RegImm64 { reg: A0, imm: 5 },
            Format::RegImmImm => Args::RegImmImm { reg: SP, imm1: m(-8), imm2: m(-1) },
            Format::RegImmOffset => Args::RegImmOffset { reg: A1, imm: m(-3), target: 0 },
            Format::ImmImm => Args::ImmImm { imm1: 0x20000, imm2: m(-1) },
            Format::RegReg => Args::RegReg { reg1: A0, reg2: A1 },
            Format::RegRegImm => Args::RegRegImm { reg1: A0, reg2: A1, imm: m(-16) },
            Format::RegRegOffset => Args::RegRegOffset { reg1: A0, reg2: A1, target: 0 },
            Format::RegRegReg => Args::RegRegReg { reg1: A0, reg2: A1, reg3: A2 },
            Format::RegRegImmImm => Args::RegRegImmImm { reg1: A0, reg2: A1, imm1: m(-1), imm2: m(-8) },
        };
        items.push(item(offset, 1, opcode, args));
    }
    items
}

#[test]
fn every_opcode_snapshot() {
    let items = every_opcode();
    let code_len = u32::try_from(items.len()).unwrap();
    // Latest32 on purpose: the source text is the 64-bit spelling for every instruction set.
    let text = to_assembly(&program(InstructionSetKind::Latest32, code_len, &items)).unwrap();
    assert_eq!(text.lines().filter(|line| line.starts_with("    ")).count(), 143);
    insta::assert_snapshot!(text);
}

/// The spellings that differ from the `Display` text so that PolkaVM's assembler reads them back.
#[test]
fn source_spellings() {
    use Opcode::*;
    use Reg::*;
    let m = |value: i32| value as u32;
    let cases = [
        (Args::RegRegImm { reg1: A0, reg2: A1, imm: 0 }, NegateAndAddImm64, "a0 = 0 - a1"),
        (Args::RegRegImm { reg1: A0, reg2: A1, imm: 0 }, NegateAndAddImm32, "i32 a0 = 0 - a1"),
        (Args::RegRegImm { reg1: A0, reg2: A1, imm: m(-4) }, LoadIndirectU64, "a0 = u64 [a1 + -4]"),
        (Args::RegRegImm { reg1: A0, reg2: A1, imm: 0 }, LoadIndirectU64, "a0 = u64 [a1]"),
        (Args::RegRegImm { reg1: A0, reg2: SP, imm: m(-4) }, StoreIndirectU8, "u8 [sp + -4] = a0"),
        (Args::RegImmImm { reg: A0, imm1: m(i32::MIN), imm2: 1 }, StoreImmIndirectU32, "u32 [a0 + -2147483648] = 0x1"),
        (Args::RegImm { reg: A0, imm: m(-8) }, JumpIndirect, "jump [a0 + -8]"),
        (Args::RegImm { reg: RA, imm: 0 }, JumpIndirect, "ret"),
        (Args::RegRegImm { reg1: A0, reg2: A2, imm: m(-2) }, CmovIfZeroImm, "a0 = -2 if a2 == 0"),
        (Args::RegRegImm { reg1: A0, reg2: A2, imm: 0x7fff_ffff }, CmovIfNotZeroImm, "a0 = 2147483647 if a2 != 0"),
        (Args::RegImm64 { reg: A0, imm: u64::MAX }, LoadImm64, "a0 = i64 0xffffffffffffffff"),
        (Args::RegImm64 { reg: A0, imm: 0 }, LoadImm64, "a0 = i64 0x0"),
        (Args::RegImm { reg: A0, imm: m(-2) }, LoadImm, "a0 = 0xfffffffffffffffe"),
        (Args::RegImm { reg: A0, imm: m(i32::MIN) }, LoadImm, "a0 = 0xffffffff80000000"),
        (Args::RegRegImm { reg1: A0, reg2: A1, imm: m(-5) }, AddImm64, "a0 = a1 - 5"),
        (Args::RegRegImm { reg1: A0, reg2: A1, imm: m(i32::MIN) }, AddImm32, "i32 a0 = a1 + 0xffffffff80000000"),
        (Args::RegRegImm { reg1: A0, reg2: A1, imm: 3 }, RotateRightImm32, "i32 a0 = a1 >>r 0x3"),
        (
            Args::RegRegImmImm { reg1: A0, reg2: A0, imm1: 5, imm2: m(-4) },
            LoadImmAndJumpIndirect,
            "tmp = a0, a0 = 5, jump [tmp + -4]",
        ),
        (Args::RegRegImmImm { reg1: RA, reg2: T0, imm1: m(-1), imm2: 0 }, LoadImmAndJumpIndirect, "ra = -1, jump [t0]"),
        (Args::RegReg { reg1: A0, reg2: A1 }, Sbrk, "a0 = sbrk a1"),
        (Args::RegRegReg { reg1: A0, reg2: A1, reg3: A2 }, MulUpperSignedUnsigned, "a0 = a1 mulhsu a2"),
        (Args::RegRegReg { reg1: A0, reg2: A1, reg3: A2 }, CmovIfNotZero, "a0 = a1 if a2 != 0"),
    ];
    for (args, opcode, expected) in cases {
        let items = [item(0, 1, opcode, args)];
        let text = to_assembly(&program(InstructionSetKind::Latest64, 1, &items)).unwrap();
        let line = text.lines().last().unwrap();
        assert_eq!(line, format!("    {expected}"), "{opcode}");
    }
}

#[test]
fn names_and_empty_sections() {
    let items = [item(0, 1, Opcode::Trap, Args::None)];
    let source = AssemblySource {
        imports: vec![Some(b"ok_name.v1$x"), Some(b"has space"), Some(b""), Some(b"0x12"), Some(&[0xff])],
        exports: vec![(0, b"main"), (0, b"main"), (0, "caf\u{e9}".as_bytes())],
        ..program(InstructionSetKind::ReviveV1, 1, &items)
    };
    let expected = "%isa = revive_v1
%ro_data_size = 0
%rw_data_size = 0
%stack_size = 0
%import = ok_name.v1$x
%import = 0x686173207370616365
%import = 0x
%import = 0x30783132
%import = 0xff
%export = main @_0
%export = main @_0
%export = 0x636166c3a9 @_0

@_0:
    trap
";
    assert_eq!(to_assembly(&source).unwrap(), expected);

    let empty = to_assembly(&program(InstructionSetKind::JamV1, 0, &[])).unwrap();
    assert_eq!(empty, "%isa = jam_v1\n%ro_data_size = 0\n%rw_data_size = 0\n%stack_size = 0\n");
}

#[test]
fn implicit_end_trap_is_omitted() {
    use Opcode::*;
    let items = [
        item(0, 2, BranchEqImm, Args::RegImmOffset { reg: Reg::A0, imm: 0, target: 0 }),
        item(2, 1, Invalid, Args::None), // legacy implicit trap at code_len
    ];
    let text = to_assembly(&program(InstructionSetKind::ReviveV1, 2, &items)).unwrap();
    assert!(text.ends_with("\n@_0:\n    jump @_0 if a0 == 0\n"), "{text}");
}

#[test]
fn zero_length_invalid_gets_the_label() {
    use Opcode::*;
    let items = [item(0, 25, Fallthrough, Args::None), item(25, 0, Invalid, Args::None), item(25, 1, Trap, Args::None)];
    let source = AssemblySource { jump_table: vec![25], ..program(InstructionSetKind::Latest32, 26, &items) };
    let text = to_assembly(&source).unwrap();
    assert!(text.ends_with("\n    fallthrough\n@_25:\n    invalid\n    trap\n"), "{text}");
}

#[test]
fn export_inside_a_block_uses_no_fallthrough() {
    use Opcode::*;
    let items = [item(0, 2, MoveReg, Args::RegReg { reg1: Reg::A0, reg2: Reg::A1 }), item(2, 1, Trap, Args::None)];
    let source = AssemblySource { exports: vec![(2, b"entry")], ..program(InstructionSetKind::JamV1, 3, &items) };
    let text = to_assembly(&source).unwrap();
    assert!(text.ends_with("%export = entry @_2\n\n    a0 = a1\n@_2: %no_fallthrough\n    trap\n"), "{text}");
}

#[test]
fn errors() {
    use Opcode::*;
    let items = [
        item(0, 2, MoveReg, Args::RegReg { reg1: Reg::A0, reg2: Reg::A1 }),
        item(2, 2, Jump, Args::Offset { target: 2 }),
        item(4, 1, Trap, Args::None),
        item(5, 1, Invalid, Args::None), // implicit end trap
    ];
    let base = program(InstructionSetKind::JamV1, 5, &items);

    // A static target inside a block.
    let err = to_assembly(&base).unwrap_err();
    assert_eq!(err, DisasmError::InsideBasicBlock { target: 2, used_by: LabelUse::Jump { from: 2 } });
    assert_eq!(
        err.to_string(),
        "the instruction at offset 2 refers to code offset 2, which is inside a basic block; \
         a label there would change the code"
    );

    let fixed = [items[0], item(2, 2, Jump, Args::Offset { target: 4 }), items[2], items[3]];
    let base = program(InstructionSetKind::JamV1, 5, &fixed);
    assert!(to_assembly(&base).is_ok());

    // Jump-table entries: the middle of an instruction, the implicit end trap, a block interior.
    for (target, expected) in [
        (1, DisasmError::NotAnInstruction { target: 1, used_by: LabelUse::JumpTableEntry { index: 1 } }),
        (5, DisasmError::NotAnInstruction { target: 5, used_by: LabelUse::JumpTableEntry { index: 1 } }),
        (2, DisasmError::InsideBasicBlock { target: 2, used_by: LabelUse::JumpTableEntry { index: 1 } }),
    ] {
        let source = AssemblySource { jump_table: vec![4, target], ..base.clone() };
        assert_eq!(to_assembly(&source), Err(expected));
    }
    let source = AssemblySource { jump_table: vec![7], ..base.clone() };
    assert_eq!(
        to_assembly(&source).unwrap_err().to_string(),
        "jump table entry 0 refers to code offset 7, which is not the start of an instruction"
    );

    // Exports need an instruction start.
    let source = AssemblySource { exports: vec![(0, b"a"), (3, b"b")], ..base.clone() };
    assert_eq!(
        to_assembly(&source),
        Err(DisasmError::NotAnInstruction { target: 3, used_by: LabelUse::Export { index: 1 } })
    );

    // Imports without a name.
    let source = AssemblySource { imports: vec![Some(b"x"), None], ..base.clone() };
    assert_eq!(to_assembly(&source), Err(DisasmError::InvalidImport { index: 1 }));
    assert_eq!(DisasmError::InvalidImport { index: 1 }.to_string(), "import #1 has no valid name");

    // Static targets that are no offset at all.
    let wild = [item(0, 1, Jump, Args::Offset { target: u32::MAX })];
    assert_eq!(
        to_assembly(&program(InstructionSetKind::Latest64, 1, &wild)),
        Err(DisasmError::NotAnInstruction { target: u32::MAX, used_by: LabelUse::Jump { from: 0 } })
    );
}
