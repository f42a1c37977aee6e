//! Assemble → decode: the instructions the decoder finds in an assembled blob are the ones the
//! parse step produced (targets mapped from basic-block indices to code offsets).

mod support;

use kestrel_program::InstructionSetKind::{self, JamV1, Latest32, Latest64, ReviveV1};
use kestrel_program::asm::{assemble, parse};
use kestrel_program::{ArcBytes, ProgramBlob};
use support::asm::show;

fn decode(isa: InstructionSetKind, text: &str) -> Vec<String> {
    let bytes = assemble(Some(isa), text).unwrap_or_else(|error| panic!("{isa} {text:?}: {error}"));
    let blob = ProgramBlob::parse(ArcBytes::from(bytes)).unwrap();
    blob.code_view().instructions().map(|item| format!("{}: {}", item.offset, show(&item.instruction))).collect()
}

#[test]
fn spec_program_decodes_to_the_listing() {
    let text = include_str!("asm_data/spec_program.s");
    let expected = [
        "0: load_imm a1, 0",
        "2: fallthrough",
        "3: branch_eq_imm a0, 0, @14",
        "6: add_64 a1, a1, a0",
        "9: add_imm_64 a0, a0, -1",
        "12: jump @3",
        "14: move_reg a0, a1",
        "16: jump_indirect ra, 0",
        "18: load_imm a2, 2",
        "21: jump_indirect a2, 0",
        "23: load_u8 a0, 65536",
        "29: ecalli 1",
        "31: jump_indirect ra, 0",
    ];
    assert_eq!(decode(Latest64, text), expected);
}

/// Lines without targets: every form the assembler knows, for 64-bit instruction sets.
const LINES_64: &[&str] = &[
    "trap",
    "fallthrough",
    "ret",
    "nop",
    "ecalli 7",
    "ecalli 4294967295",
    "jump [a0]",
    "jump [t0 + 0x1000]",
    "jump [t0 - 8]",
    "a0 = 1",
    "a0 = -1",
    "a0 = 0xffffffff",
    "a0 = i64 -1",
    "a0 = 0x1122334455667788",
    "a0 = a1",
    "a0 = a1 + a2",
    "i32 a0 = a1 + a2",
    "a0 = a1 + 5",
    "i32 a0 = a1 + 5",
    "a0 = a1 - a2",
    "a0 = a1 - 5",
    "a0 = 5 - a1",
    "i32 a0 = 5 - a1",
    "a0 = a1 & a2",
    "a0 = a1 & 0xff",
    "a0 = a1 | a2",
    "a0 = a1 | 3",
    "a0 = a1 ^ a2",
    "a0 = a1 ^ -1",
    "a0 = a1 * a2",
    "i32 a0 = a1 * 9",
    "a0 = a1 /u a2",
    "i32 a0 = a1 /s a2",
    "a0 = a1 %u a2",
    "a0 = a1 %s a2",
    "a0 = a1 << a2",
    "a0 = a1 << 3",
    "a0 = 3 << a1",
    "i32 a0 = 3 << a1",
    "a0 = a1 >> 3",
    "a0 = 3 >> a1",
    "a0 = a1 >>a 3",
    "a0 = 3 >>a a1",
    "a0 = a1 <<r a2",
    "i32 a0 = a1 <<r a2",
    "a0 = a1 >>r a2",
    "a0 = a1 >>r 3",
    "a0 = 3 >>r a1",
    "i32 a0 = 3 >>r a1",
    "a0 = a1 <u a2",
    "a0 = a1 <u 5",
    "a0 = 5 <u a1",
    "a0 = a1 <s -5",
    "a0 = -5 <s a1",
    "a0 = a1 >u a2",
    "a0 = a1 >s 5",
    "a0 = a1 & ~a2",
    "a0 = a1 | ~a2",
    "a0 = ~(a1 ^ a2)",
    "a0 = maxs(a1, a2)",
    "a0 = minu(a1, a2)",
    "a0 = clz a1",
    "i32 a0 = ctz a1",
    "a0 = cpop a1",
    "a0 = sext8 a1",
    "a0 = sext16 a1",
    "a0 = zext16 a1",
    "a0 = reverse a1",
    "a0 = a1 if a2 == 0",
    "a0 = a1 if a2 != 0",
    "a0 = -7 if a2 == 0",
    "a0 = 7 if a2 != 0",
    "a0 = u8 [a1 + 4]",
    "a0 = i8 [a1 - 4]",
    "a0 = u16 [a1]",
    "a0 = i16 [0x1000]",
    "a0 = u32 [a1 + 0x7fffffff]",
    "a0 = i32 [a1 + 1]",
    "a0 = u64 [sp + -16]",
    "u8 [a0 + 4] = a1",
    "u16 [0x20000] = a1",
    "u32 [a0] = 0x12345678",
    "u64 [0x20000] = -1",
    "u8 [a0 + 1] = 255",
    "u16 [0x100] = 65535",
    "ra = 5, jump [t0 + 8]",
    "tmp = ra, ra = 5, jump [tmp]",
    "a0 = -a1",
    "i32 a0 = -a1",
    "a0 = a1 mulh a2",
    "a0 = a1 mulhu a2",
    "a0 = a1 mulhsu a2",
];

fn check_lines(isa: InstructionSetKind, lines: &[&str]) {
    for line in lines {
        let text = format!("{line}\ntrap");
        let parsed = parse(Some(isa), &text).unwrap();
        let decoded = decode(isa, &text);
        let first = decoded.first().map(|item| item.split_once(": ").unwrap().1.to_string());
        assert_eq!(first, Some(show(&parsed.instructions[0].instruction)), "{isa}: {line}");
    }
}

#[test]
fn forms_round_trip_jam_v1() {
    check_lines(JamV1, LINES_64);
}

#[test]
fn forms_round_trip_revive_v1() {
    check_lines(ReviveV1, LINES_64);
}

#[test]
fn forms_round_trip_latest64() {
    check_lines(Latest64, LINES_64);
    check_lines(Latest64, &["unlikely", "a0 = sbrk a1", "[a0..a0 + a2] = u8 a1"]);
}

#[test]
fn forms_round_trip_latest32() {
    let lines: Vec<String> = LINES_64
        .iter()
        .filter(|line| {
            let program = parse(Some(Latest32), &format!("{line}\ntrap")).unwrap();
            program.instructions[0].instruction.opcode.is_in(Latest32)
        })
        .map(|line| line.to_string())
        .collect();
    assert!(lines.len() > 50, "{}", lines.len());
    check_lines(Latest32, &lines.iter().map(String::as_str).collect::<Vec<_>>());
    check_lines(Latest32, &["unlikely", "a0 = sbrk a1", "[a0..a0 + a2] = u8 a1"]);
}
