//! Whole programs at the parse level: labels, basic blocks, automatic `fallthrough`,
//! `%no_fallthrough`, exports, the jump table, directives and error messages (`instructions.md`
//! §9.1, §9.2, §9.6), plus the Kestrel directives.

mod support;

use kestrel_program::InstructionSetKind::{self, JamV1, Latest32, Latest64, ReviveV1};
use kestrel_program::asm::{self, AssembleError, Export, ExportTarget};
use support::asm::{error, listing, parse};

const SPEC_PROGRAM: &str = include_str!("asm_data/spec_program.s");

fn export(name: &str, target: ExportTarget) -> Export {
    Export { name: name.as_bytes().to_vec(), target }
}

#[test]
fn spec_program() {
    let program = asm::parse(None, SPEC_PROGRAM).unwrap();
    assert_eq!(program.isa, Latest64);
    assert_eq!((program.ro_data_size, program.rw_data_size, program.stack_size), (4096, 4096, 4096));
    assert_eq!(program.ro_data, b"Hello");
    assert!(program.rw_data.is_empty());
    assert!(program.imports.is_empty());
    assert_eq!(
        listing(&program),
        "load_imm a1, 0; fallthrough; branch_eq_imm a0, 0, @3; add_64 a1, a1, a0; add_imm_64 a0, a0, -1; \
         jump @1; move_reg a0, a1; jump_indirect ra, 0; load_imm a2, 2; jump_indirect a2, 0; \
         load_u8 a0, 65536; ecalli 1; jump_indirect ra, 0"
    );
    // Blocks: 0 = sum, 1 = loop, 2 = after the branch, 3 = done, 4 = indirect, 5 = target.
    assert_eq!(
        program.exports,
        [export("indirect", ExportTarget::BasicBlock(4)), export("sum", ExportTarget::BasicBlock(0))]
    );
    assert_eq!(program.jump_table, [5]);
    let lines: Vec<usize> = program.instructions.iter().map(|item| item.line).collect();
    assert_eq!(lines, [9, 10, 11, 12, 13, 14, 16, 17, 20, 21, 23, 24, 25]);
}

#[test]
fn fallthrough_is_inserted_only_after_non_terminators() {
    assert_eq!(
        listing(&parse("@a:\na0 = 1\n@b:\na0 = 2\njump @b")),
        "load_imm a0, 1; fallthrough; load_imm a0, 2; jump @1"
    );
    assert_eq!(listing(&parse("trap\n@b:\njump @b")), "trap; jump @1");
    assert_eq!(listing(&parse("jump @b if a0 == a1\n@b:\ntrap")), "branch_eq a0, a1, @1; trap");
    // `ecalli` and `unlikely` do not end a block.
    assert_eq!(
        listing(&parse("ecalli 0\n@b:\nunlikely\n@c:\ntrap")),
        "ecalli 0; fallthrough; unlikely; fallthrough; trap"
    );
    // Consecutive labels share one block and one inserted fallthrough.
    assert_eq!(listing(&parse("a0 = 1\n@b:\n@c:\njump @b\njump @c")), "load_imm a0, 1; fallthrough; jump @1; jump @1");
    assert_eq!(listing(&parse("a0 = 1\n@b:\n@c:\njump @c")), "load_imm a0, 1; fallthrough; jump @1");
}

#[test]
fn no_fallthrough_labels_name_the_open_block() {
    let program = parse("a0 = 1\na0 = 2\n@x: %no_fallthrough\na0 = 3\njump @x");
    assert_eq!(listing(&program), "load_imm a0, 1; load_imm a0, 2; load_imm a0, 3; jump @0");
    // After a terminator (or at the start) such a label starts a block as usual.
    let program = parse("trap\n@x: %no_fallthrough\na0 = 3\njump @x");
    assert_eq!(listing(&program), "trap; load_imm a0, 3; jump @1");
    let program = parse("@x: %no_fallthrough\njump @x");
    assert_eq!(listing(&program), "jump @0");
}

#[test]
fn pub_no_fallthrough_labels_export_the_exact_instruction() {
    let program = parse("trap\na0 = 1\npub @mid: %no_fallthrough\na0 = 2\ntrap\npub @next: %no_fallthrough\ntrap");
    assert_eq!(
        program.exports,
        [export("mid", ExportTarget::Instruction(2)), export("next", ExportTarget::BasicBlock(2))]
    );
    let program = parse("pub @start: %no_fallthrough\ntrap");
    assert_eq!(program.exports, [export("start", ExportTarget::BasicBlock(0))]);
}

#[test]
fn exports_are_sorted_by_name_bytes() {
    let program = parse("pub @b:\ntrap\npub @B:\ntrap\npub @a:\ntrap\npub @_x:\ntrap\npub @a2:\ntrap");
    let names: Vec<&[u8]> = program.exports.iter().map(|export| export.name.as_slice()).collect();
    assert_eq!(names, [b"B".as_slice(), b"_x", b"a", b"a2", b"b"]);
    let blocks: Vec<ExportTarget> = program.exports.iter().map(|export| export.target).collect();
    use ExportTarget::BasicBlock as B;
    assert_eq!(blocks, [B(1), B(3), B(2), B(4), B(0)]);
}

#[test]
fn every_jump_table_address_allocates_a_new_entry() {
    let program = parse("a0 = @x\na1 = @x\na2 = @y\ntrap\n@x:\ntrap\n@y:\ntrap");
    assert_eq!(listing(&program), "load_imm a0, 2; load_imm a1, 4; load_imm a2, 6; trap; trap; trap");
    assert_eq!(program.jump_table, [1, 1, 2]);
}

#[test]
fn labels_may_be_used_before_definition() {
    let program = parse("jump @end\n@mid:\nret\n@end:\njump @mid");
    assert_eq!(listing(&program), "jump @2; jump_indirect ra, 0; jump @1");
}

#[test]
fn directives_override_and_default_isa() {
    let program =
        asm::parse(Some(ReviveV1), "%stack_size = 1\n%stack_size = 2\n%ro_data = 01\n%ro_data = 0203\ntrap").unwrap();
    assert_eq!(program.isa, ReviveV1);
    assert_eq!(program.stack_size, 2);
    assert_eq!(program.ro_data, [2, 3]);
    let program = asm::parse(Some(ReviveV1), "%isa = jam_v1\n%isa = latest32\ntrap").unwrap();
    assert_eq!(program.isa, Latest32);
    let program = asm::parse(None, "trap\n%isa = jam_v1").unwrap();
    assert_eq!(program.isa, JamV1);
    let program =
        asm::parse(None, "%rw_data = 00 11 2233\n%rw_data_size = 4\n%ro_data_size = 0\n%isa = revive_v1").unwrap();
    assert_eq!(
        (program.rw_data.as_slice(), program.rw_data_size, program.ro_data_size),
        (&[0, 0x11, 0x22, 0x33][..], 4, 0)
    );
}

#[test]
fn comments_blank_lines_and_line_endings() {
    let program = parse("// header\r\n\r\n   // indented comment\r\n\ttrap\r\n//trap\r\n");
    assert_eq!(listing(&program), "trap");
    assert_eq!(program.instructions[0].line, 4);
    assert_eq!(listing(&parse("")), "");
}

#[test]
fn empty_program_has_nothing() {
    let program = asm::parse(Some(Latest32), "").unwrap();
    assert!(program.instructions.is_empty() && program.exports.is_empty() && program.jump_table.is_empty());
}

// --- error messages ---------------------------------------------------------------------------

const ISA: Option<InstructionSetKind> = Some(Latest64);

#[test]
fn error_unparsable_line() {
    assert_eq!(error(ISA, "trap\n\n  foo bar  \ntrap"), "cannot parse line 3: \"foo bar\"");
    assert_eq!(error(ISA, "trap // x"), "cannot parse line 1: \"trap // x\"");
    assert_eq!(error(ISA, "a0 = 1\na0 = a1 + 0x80000000"), "cannot parse line 2: \"a0 = a1 + 0x80000000\"");
    assert_eq!(error(ISA, "a0 = 1 // one"), "cannot parse line 1: \"a0 = 1 // one\"");
}

#[test]
fn error_first_bad_line_wins() {
    assert_eq!(error(None, "x\ny\n@l: %no\njump @nowhere"), "cannot parse line 1: \"x\"");
}

#[test]
fn error_directives() {
    assert_eq!(error(ISA, "%stack_size = 0x10"), "cannot parse line 1");
    assert_eq!(error(ISA, "trap\n%ro_data = 123"), "cannot parse line 2");
    assert_eq!(error(ISA, "%ro_data = 4g"), "cannot parse line 1");
    assert_eq!(error(ISA, "%isa = riscv64"), "cannot parse line 1");
    assert_eq!(error(ISA, "%ro_data_size = -1"), "cannot parse line 1");
    // Unknown directives and wrong spacing are ordinary unparsable lines.
    assert_eq!(error(ISA, "%heap = 1"), "cannot parse line 1: \"%heap = 1\"");
    assert_eq!(error(ISA, "%stack_size=4096"), "cannot parse line 1: \"%stack_size=4096\"");
}

#[test]
fn error_label_lines() {
    assert_eq!(error(ISA, "@x"), "cannot parse line 1: \"@x\"");
    assert_eq!(error(ISA, "@x: trap"), "cannot parse line 1: \"@x: trap\"");
    assert_eq!(error(ISA, "@:"), "cannot parse line 1: \"@:\"");
    assert_eq!(error(ISA, "pub @x"), "cannot parse line 1: \"pub @x\"");
    assert_eq!(error(ISA, "pub x:"), "cannot parse line 1: \"pub x:\"");
    assert_eq!(error(ISA, "@x: %no_fallthrough trap"), "cannot parse line 1: \"@x: %no_fallthrough trap\"");
}

#[test]
fn error_duplicate_label() {
    assert_eq!(error(ISA, "@x:\ntrap\n\npub @x:\ntrap"), "duplicate label \"x\" on line 4");
}

#[test]
fn error_undefined_label() {
    let result = asm::parse(ISA, "trap\njump @there\njump @nowhere\n@there:\ntrap");
    let err = result.unwrap_err();
    assert_eq!(err.to_string(), "label is not defined: \"nowhere\"");
    assert_eq!(err, AssembleError::UndefinedLabel { line: 3, name: "nowhere".into() });
    assert_eq!(err.line(), Some(3));
    assert_eq!(error(ISA, "a0 = @gone"), "label is not defined: \"gone\"");
    assert_eq!(error(ISA, "a0 = 1, jump @gone"), "label is not defined: \"gone\"");
}

#[test]
fn error_no_isa() {
    assert_eq!(error(None, "trap"), "no ISA was declared in the program");
    assert_eq!(asm::parse(None, "trap").unwrap_err().line(), None);
}

#[test]
fn error_no_isa_is_reported_before_undefined_labels() {
    assert_eq!(error(None, "jump @nowhere"), "no ISA was declared in the program");
}

#[test]
fn error_store_range_has_a_reason() {
    let err = asm::parse(ISA, "trap\nu16 [a0 + 2] = 70000").unwrap_err();
    assert_eq!(err.to_string(), "cannot parse line 2: immediate larger than u16");
    assert_eq!(err.line(), Some(2));
}

// --- Kestrel directives -----------------------------------------------------------------------

#[test]
fn imports_in_order_of_appearance() {
    let program = parse("%import = hello\n%import = 0x00ff\n%import = hello\necalli 2");
    assert_eq!(program.imports, [b"hello".to_vec(), vec![0, 0xff], b"hello".to_vec()]);
    assert_eq!(error(ISA, "%import = not valid"), "cannot parse line 1");
}

#[test]
fn export_directive_points_at_the_instruction_after_the_label() {
    let program = parse(
        "%export = zeta @a\npub @z:\na0 = 1\n@a:\ntrap\n%export = 0x616263 @mid\na0 = 2\n@mid: %no_fallthrough\nret\npub @b:\ntrap",
    );
    assert_eq!(
        program.exports,
        [
            export("b", ExportTarget::BasicBlock(3)),
            export("z", ExportTarget::BasicBlock(0)),
            export("zeta", ExportTarget::Instruction(2)),
            export("abc", ExportTarget::Instruction(4)),
        ]
    );
    assert_eq!(error(ISA, "trap\n%export = x @nowhere"), "label is not defined: \"nowhere\"");
}

#[test]
fn jump_table_directive_entries_come_first() {
    let program = parse("a0 = @x\n%jump_table = @y @x\na1 = @y\ntrap\n@x:\ntrap\n@y:\ntrap\n%jump_table = @y");
    assert_eq!(listing(&program), "load_imm a0, 8; load_imm a1, 10; trap; trap; trap");
    assert_eq!(program.jump_table, [2, 1, 2, 1, 2]);
    assert_eq!(error(ISA, "%jump_table = @nowhere"), "label is not defined: \"nowhere\"");
    assert_eq!(error(ISA, "%jump_table = nowhere"), "cannot parse line 1");
}

#[test]
fn block_label_names_from_the_disassembler() {
    let program = parse("@_0:\na0 = 1\njump @_6\n@_6:\njump @_0");
    assert_eq!(listing(&program), "load_imm a0, 1; jump @1; jump @0");
}
