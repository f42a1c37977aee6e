//! Byte-level assembler tests: complete blobs (`instructions.md` §9.6, `blob-format.md` §14) and
//! the encoding examples of `instructions.md` §2.4, assembled through the blob builder.

mod support;

use kestrel_program::InstructionSetKind::{self, JamV1, Latest32, Latest64, ReviveV1};
use kestrel_program::asm::{AssembleError, assemble};
use kestrel_program::{ArcBytes, ProgramBlob};
use support::spec::{EXAMPLE_14_JAM_V1, EXAMPLE_14_LATEST64_TAIL};

const SPEC_PROGRAM: &str = include_str!("asm_data/spec_program.s");

/// The code of [`SPEC_PROGRAM`], instruction by instruction (offsets as in the §9.6 listing).
const SPEC_CODE: &[(u32, &[u8])] = &[
    (0, &[0x04, 0x08]),                          // a1 = 0
    (2, &[0x01]),                                // fallthrough
    (3, &[0x1c, 0x07, 0x0b]),                    // jump 14 if a0 == 0
    (6, &[0xbc, 0x78, 0x08]),                    // a1 = a1 + a0
    (9, &[0x7d, 0x77, 0xff]),                    // a0 = a0 - 1
    (12, &[0xd9, 0xf7]),                         // jump 3
    (14, &[0xe3, 0x87]),                         // a0 = a1
    (16, &[0x03, 0x00]),                         // ret
    (18, &[0x05, 0x09, 0x02]),                   // a2 = 0x2
    (21, &[0x03, 0x09]),                         // jump [a2]
    (23, &[0x09, 0x07, 0x00, 0x00, 0x01, 0x00]), // a0 = u8 [0x10000]
    (29, &[0xdd, 0x01]),                         // ecalli 1
    (31, &[0x03, 0x00]),                         // ret
];

fn blob(bytes: Vec<u8>) -> ProgramBlob {
    ProgramBlob::parse(ArcBytes::from(bytes)).expect("the assembled blob parses")
}

fn exports(blob: &ProgramBlob) -> Vec<(String, u32)> {
    blob.exports().map(|export| (String::from_utf8_lossy(export.name).into_owned(), export.pc)).collect()
}

#[test]
fn spec_program_code_offsets() {
    let mut offset = 0;
    for &(expected, bytes) in SPEC_CODE {
        assert_eq!(offset, expected);
        offset += bytes.len() as u32;
    }
    assert_eq!(offset, 33);
}

#[test]
fn spec_program_blob_bytes() {
    let code: Vec<u8> = SPEC_CODE.iter().flat_map(|(_, bytes)| bytes.iter().copied()).collect();
    let mut expected = vec![0x50, 0x56, 0x4d, 0x00, 0x02, 0x55, 0, 0, 0, 0, 0, 0, 0];
    expected.extend([0x01, 0x06, 0x90, 0x00, 0x90, 0x00, 0x90, 0x00]); // memory config, 3 × 4096
    expected.extend([0x02, 0x05]);
    expected.extend(b"Hello");
    expected.extend([0x05, 0x10, 0x02, 0x12, 0x08]); // 2 exports: pc 18, "indirect"
    expected.extend(b"indirect");
    expected.extend([0x00, 0x03]); // pc 0, "sum"
    expected.extend(b"sum");
    expected.extend([0x06, 0x24, 0x01, 0x01, 0x17]); // J = 1, Z = 1, jump_table[0] = 23
    expected.extend(&code);
    expected.push(0x00);
    assert_eq!(expected.len(), 0x55);
    assert_eq!(assemble(None, SPEC_PROGRAM).unwrap(), expected);
}

#[test]
fn spec_program_parses_back() {
    let blob = blob(assemble(None, SPEC_PROGRAM).unwrap());
    assert_eq!(blob.isa(), Latest64);
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (4096, 4096, 4096));
    assert_eq!(blob.ro_data(), b"Hello");
    assert_eq!(exports(&blob), [("indirect".to_string(), 18), ("sum".to_string(), 0)]);
    assert_eq!(blob.jump_table().iter().collect::<Vec<_>>(), [23]);
    assert_eq!(blob.code_len(), 33);
}

/// `blob-format.md` §14, written with the Kestrel directives.
const SECTION_14: &str = "%isa = jam_v1
%ro_data_size = 16
%ro_data = 68 69
%rw_data_size = 4
%rw_data = 01 02
%stack_size = 4096
%import = hello
%jump_table = @one
pub @main:
    a0 = 0x10000
    ecalli 0
    ret
@one:
    trap
";

#[test]
fn blob_format_example_jam_v1() {
    let expected = EXAMPLE_14_JAM_V1;
    assert_eq!(assemble(None, SECTION_14).unwrap(), expected);
    // ReviveV1 and Latest32 differ only in the version byte.
    for (isa, version) in [(ReviveV1, 0), (Latest32, 1)] {
        let mut expected = expected;
        expected[4] = version;
        assert_eq!(assemble(Some(isa), &SECTION_14.replace("%isa = jam_v1\n", "")).unwrap(), expected, "{isa}");
    }
}

#[test]
fn blob_format_example_latest64() {
    let bytes = assemble(None, &SECTION_14.replace("jam_v1", "latest64")).unwrap();
    assert_eq!(bytes.len(), 64);
    assert_eq!(&bytes[..5], [0x50, 0x56, 0x4d, 0x00, 0x02]);
    assert_eq!(bytes[5], 0x40);
    assert_eq!(&bytes[0x30..], EXAMPLE_14_LATEST64_TAIL);
}

// --- §2.4 encoding examples ---------------------------------------------------------------------

/// Assembles `text` followed by a `trap` and returns the code bytes.
fn code(isa: InstructionSetKind, text: &str) -> Vec<u8> {
    let bytes = assemble(Some(isa), &format!("{text}\ntrap")).unwrap_or_else(|error| panic!("{text}: {error}"));
    blob(bytes).code().to_vec()
}

fn check_encoding(text: &str, legacy: &[u8], latest64: &[u8]) {
    let with_trap = |bytes: &[u8]| [bytes, &[0x00]].concat();
    assert_eq!(code(JamV1, text), with_trap(legacy), "JamV1: {text}");
    assert_eq!(code(Latest64, text), with_trap(latest64), "Latest64: {text}");
}

#[test]
fn encoding_examples_without_targets() {
    let cases: &[(&str, &[u8], &[u8])] = &[
        ("trap", &[0x00], &[0x00]),
        ("ecalli 0", &[0x0a], &[0xdd, 0x00]),
        ("ecalli 1000", &[0x0a, 0xe8, 0x03], &[0xff, 0x35, 0xe8, 0x03, 0x00, 0x00]),
        ("a0 = 0", &[0x33, 0x07], &[0x04, 0x07]),
        ("a0 = -1", &[0x33, 0x07, 0xff], &[0x05, 0x07, 0xff]),
        ("a0 = 0x80", &[0x33, 0x07, 0x80, 0x00], &[0x06, 0x07, 0x80, 0x00]),
        ("a5 = -305419896", &[0x33, 0x0c, 0x88, 0xa9, 0xcb, 0xed], &[0x08, 0x0c, 0x88, 0xa9, 0xcb, 0xed]),
        ("ret", &[0x32, 0x00], &[0x03, 0x00]),
        ("jump [t0 + 0x1000]", &[0x32, 0x02, 0x00, 0x10], &[0xff, 0x00, 0x02, 0x00, 0x10, 0x00, 0x00]),
        ("u32 [sp + 8] = -1", &[0x48, 0x11, 0x08, 0xff], &[0x4d, 0x11, 0x08, 0xff]),
        ("u32 [sp + 16] = a0", &[0x7a, 0x17, 0x10], &[0x5f, 0x17, 0x10]),
        ("a1 = u64 [sp + -16]", &[0x82, 0x18, 0xf0], &[0x77, 0x18, 0xf0]),
        ("a1 = u64 [sp - 16]", &[0x82, 0x18, 0xf0], &[0x77, 0x18, 0xf0]),
        ("sp = sp + -16", &[0x95, 0x11, 0xf0], &[0x7d, 0x11, 0xf0]),
        ("sp = sp - 16", &[0x95, 0x11, 0xf0], &[0x7d, 0x11, 0xf0]),
        ("a0 = a1 + a2", &[0xc8, 0x98, 0x07], &[0xbc, 0x98, 0x07]),
        ("a0 = a1 mulh a2", &[0xd5, 0x98, 0x07], &[0xff, 0x2a, 0x98, 0x07]),
        ("u32 [0x20000] = 7", &[0x20, 0x03, 0x00, 0x00, 0x02, 0x07], &[0xdf, 0x03, 0x00, 0x00, 0x02, 0x07]),
        ("u8 [-1] = 0", &[0x1e, 0x01, 0xff], &[0xde, 0x04, 0xff, 0xff, 0xff, 0xff, 0x00]),
        ("u8 [0xffffffff] = 0", &[0x1e, 0x01, 0xff], &[0xde, 0x04, 0xff, 0xff, 0xff, 0xff, 0x00]),
        ("a0 = a1", &[0x64, 0x87], &[0xe3, 0x87]),
        ("ra = 16, jump [t0]", &[0xb4, 0x20, 0x01, 0x10], &[0xed, 0x20, 0x02, 0x10, 0x00]),
        (
            "a0 = 0x1122334455667788",
            &[0x14, 0x07, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
            &[0xef, 0x07, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
        ),
    ];
    for &(text, legacy, latest64) in cases {
        check_encoding(text, legacy, latest64);
    }
}

#[test]
fn encoding_example_sbrk() {
    assert_eq!(code(Latest32, "a0 = sbrk a1"), [0x65, 0x87, 0x00]);
    assert_eq!(code(Latest64, "a0 = sbrk a1"), [0xff, 0xfe, 0x87, 0x00]);
}

/// `count` one-byte `trap`s (each its own basic block).
fn traps(count: usize) -> String {
    "trap\n".repeat(count)
}

/// Code bytes `from..to` of a program.
fn code_range(isa: InstructionSetKind, text: &str, range: core::ops::Range<usize>) -> Vec<u8> {
    let bytes = assemble(Some(isa), text).unwrap_or_else(|error| panic!("{error}"));
    blob(bytes).code()[range].to_vec()
}

#[test]
fn encoding_examples_with_targets() {
    // Each case puts the instruction at pc 100; `@t` is placed by the surrounding traps.
    let jump_forward =
        |len: usize, distance: usize| format!("{}jump @t\n{}@t:\ntrap", traps(100), traps(distance - len));
    for isa in [JamV1, Latest64] {
        let l64 = isa == Latest64;
        let text = jump_forward(2, 10);
        assert_eq!(code_range(isa, &text, 100..102), if l64 { [0xd9, 0x0a] } else { [0x28, 0x0a] }, "{isa}");
        let text = format!("{}@t:\njump @t\ntrap", traps(100));
        let expected: &[u8] = if l64 { &[0xd9, 0x00] } else { &[0x28] };
        assert_eq!(code_range(isa, &text, 100..100 + expected.len()), expected, "{isa}");
        let text = jump_forward(3, 256);
        let expected: &[u8] = if l64 { &[0xda, 0x00, 0x01] } else { &[0x28, 0x00, 0x01] };
        assert_eq!(code_range(isa, &text, 100..103), expected, "{isa}");

        let len = if l64 { 5 } else { 4 };
        let text = format!("{}ra = 4, jump @t\n{}@t:\ntrap", traps(100), traps(20 - len));
        let expected: &[u8] = if l64 { &[0x17, 0x20, 0x04, 0x00, 0x14] } else { &[0x50, 0x10, 0x04, 0x14] };
        assert_eq!(code_range(isa, &text, 100..100 + len), expected, "{isa}");

        let text = format!("{}@t:\n{}jump @t if a0 == 5\ntrap", traps(90), traps(10));
        let expected: &[u8] = if l64 { &[0x1d, 0x17, 0x05, 0xf6] } else { &[0x51, 0x17, 0x05, 0xf6] };
        assert_eq!(code_range(isa, &text, 100..104), expected, "{isa}");

        let text = format!("{}@t:\njump @t if a0 == a1\ntrap", traps(100));
        let expected: &[u8] = if l64 { &[0xad, 0x87, 0x00] } else { &[0xaa, 0x87] };
        assert_eq!(code_range(isa, &text, 100..100 + expected.len()), expected, "{isa}");
    }
}

// --- Kestrel specifics ----------------------------------------------------------------------------

#[test]
fn cmov_not_zero_assembles_to_cmov_if_not_zero() {
    // Legacy opcode bytes: cmov_if_zero 218, cmov_if_not_zero 219, the _imm forms 147 and 148.
    assert_eq!(code(JamV1, "a0 = a1 if a2 != 0"), [219, 0x98, 0x07, 0x00]);
    assert_eq!(code(JamV1, "a0 = a1 if a2 == 0"), [218, 0x98, 0x07, 0x00]);
    assert_eq!(code(JamV1, "a0 = 5 if a2 != 0"), [148, 0x97, 0x05, 0x00]);
    assert_eq!(code(JamV1, "a0 = 5 if a2 == 0"), [147, 0x97, 0x05, 0x00]);
    // Latest64 raw opcodes: cmov_if_not_zero 210; cmov_if_not_zero_imm with two argument bytes 169.
    assert_eq!(code(Latest64, "a0 = a1 if a2 != 0"), [210, 0x98, 0x07, 0x00]);
    assert_eq!(code(Latest64, "a0 = 5 if a2 != 0"), [169, 0x97, 0x05, 0x00]);
}

#[test]
fn invalid_is_written_as_an_undecodable_opcode() {
    assert_eq!(code(JamV1, "invalid"), [254, 0x00]);
    assert_eq!(code(Latest64, "invalid"), [240, 0x00]);
}

#[test]
fn no_fallthrough_pub_label_exports_the_instruction_offset() {
    let bytes =
        assemble(Some(JamV1), "a0 = 1\npub @mid: %no_fallthrough\na0 = 2\njump @mid\npub @start:\nret").unwrap();
    let blob = blob(bytes);
    // a0 = 1 (3 bytes), a0 = 2 (3 bytes), jump back to block 0 at pc 6 (2 bytes: 28 FA), ret at 8.
    assert_eq!(&blob.code()[..8], [0x33, 0x07, 0x01, 0x33, 0x07, 0x02, 0x28, 0xfa]);
    assert_eq!(exports(&blob), [("mid".to_string(), 3), ("start".to_string(), 8)]);
}

#[test]
fn export_directive_and_imports() {
    let text = "%import = first\n%import = 0x00ff\n%export = entry @e\na0 = 1\n@e:\necalli 1\nret";
    let blob = blob(assemble(Some(Latest64), text).unwrap());
    assert_eq!(blob.imports().iter().collect::<Vec<_>>(), [Some(b"first".as_slice()), Some(&[0x00, 0xff][..])]);
    // a0 = 1 (3 bytes), fallthrough (1 byte), then the label.
    assert_eq!(exports(&blob), [("entry".to_string(), 4)]);
}

#[test]
fn builder_errors_pass_through() {
    let error = assemble(Some(Latest32), "// comment\ni32 a0 = a1 + a2\na0 = a1 + a2").unwrap_err();
    assert!(matches!(error, AssembleError::Build { line: Some(3), .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "failed to build a program: the instruction 'add_64' is not available in the 'latest32' instruction set"
    );
    assert_eq!(error.line(), Some(3));
    assert!(assemble(Some(Latest32), "i32 a0 = a1 + a2").is_ok());
    assert_eq!(
        assemble(Some(ReviveV1), "unlikely").unwrap_err().to_string(),
        "failed to build a program: the instruction 'unlikely' is not available in the 'revive_v1' instruction set"
    );
}

#[test]
fn parse_errors_come_before_builder_errors() {
    assert_eq!(
        assemble(Some(Latest32), "a0 = a1 + a2\njump @nowhere").unwrap_err().to_string(),
        "label is not defined: \"nowhere\""
    );
}
