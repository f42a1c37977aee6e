//! Decodes real programs: the `.polkavm` blobs of `shared/testdata/blobs` and the code of the
//! 307 JAM PVM test vectors. Checks totality, consistency of every query with linear decoding,
//! and counts that must stay stable.

#![allow(clippy::print_stdout, reason = "the test prints decode statistics")]

mod support;

use kestrel_program::decode::Code;
use kestrel_program::{ArcBytes, InstructionSetKind, Opcode, ProgramBlob};
use support::testdata;

#[derive(Debug, PartialEq, Eq)]
struct Stats {
    code_len: u32,
    items: usize,
    invalid: usize,
    targets: usize,
}

/// Decodes everything and cross-checks the queries; returns counts.
fn survey(code: &Code<'_>, name: &str) -> Stats {
    let len = code.len();
    let mut items = 0;
    let mut invalid = 0;
    let mut cursor = 0;
    let mut previous_ends_block = true;
    let mut targets_by_rule = 0;
    for item in code.instructions() {
        items += 1;
        assert_eq!(item.offset, cursor, "{name}: items must tile the code");
        if item.instruction.opcode == Opcode::Invalid {
            invalid += 1;
        }
        if item.offset < len {
            assert!(code.is_instruction_boundary(item.offset), "{name}: {}", item.offset);
            if item.length > 0 {
                assert_eq!(code.decode_at(item.offset), item, "{name}: decode_at");
                let valid = previous_ends_block || (code.isa().is_extended() && item.offset % 1024 == 0);
                assert_eq!(code.is_valid_jump_target(item.offset), valid, "{name}: target {}", item.offset);
                targets_by_rule += usize::from(valid);
                previous_ends_block = item.instruction.ends_block();
            }
        }
        cursor = item.next_offset();
    }
    assert!(cursor == len || cursor == len + 1, "{name}: decoding stops at {cursor}, code length {len}");
    let targets = code.jump_targets();
    assert_eq!(targets.count(), targets_by_rule, "{name}");
    // Every offset: the one-pass set agrees with the per-offset rule.
    for o in 0..len + 2 {
        assert_eq!(targets.contains(o), code.is_valid_jump_target(o), "{name}: offset {o}");
    }
    Stats { code_len: len, items, invalid, targets: targets.count() }
}

#[test]
fn real_blobs() {
    // A missing directory skips the test; a missing blob in it fails.
    if testdata::files("blobs", "polkavm").is_none() {
        return;
    }
    let dir = testdata::path("blobs");
    // (file, ISA, code length, jump-table entries) from the test data's README, and the decode
    // counts of this implementation (items incl. the implicit end item, invalid items, targets).
    let expected = [
        (
            "example-hello-world.polkavm",
            InstructionSetKind::Latest32,
            25,
            None,
            vec![],
            Stats { code_len: 25, items: 10, invalid: 0, targets: 1 },
        ),
        (
            "quake.polkavm",
            InstructionSetKind::ReviveV1,
            307_512,
            Some(9076),
            vec![(41801, 0x65), (41821, 0x65)],
            Stats { code_len: 307_512, items: 84355, invalid: 2, targets: 19375 },
        ),
        (
            "doom.polkavm",
            InstructionSetKind::Latest32,
            541_450,
            Some(10_002),
            vec![],
            Stats { code_len: 541_450, items: 163243, invalid: 0, targets: 34842 },
        ),
    ];
    for (file, isa, code_len, jump_table_len, invalid_items, stats) in expected {
        let bytes = std::fs::read(dir.join(file)).expect("readable test data");
        let blob = ProgramBlob::parse(ArcBytes::from(bytes)).expect("valid blob");
        assert_eq!((blob.isa(), blob.code_len()), (isa, code_len), "{file}");
        if let Some(entries) = jump_table_len {
            assert_eq!(blob.jump_table().len(), entries, "{file}");
        }
        let code = Code::new(blob.isa(), blob.code(), blob.bitmask());
        let start = std::time::Instant::now();
        let linear = code.instructions().count();
        let elapsed = start.elapsed();
        let got = survey(&code, file);
        println!("{file}: {got:?}, linear decode {elapsed:?}");
        assert_eq!(got.items, linear);
        // Compiler output: every jump-table entry and export is a valid jump target, and the
        // only invalid items are opcode bytes the ISA does not assign.
        let invalid: Vec<(u32, u8)> = code
            .instructions()
            .filter(|item| item.instruction.opcode == Opcode::Invalid)
            .map(|item| (item.offset, blob.code()[item.offset as usize]))
            .collect();
        println!("{file}: invalid items (offset, opcode byte): {invalid:?}");
        assert_eq!(invalid, invalid_items, "{file}");
        let targets = code.jump_targets();
        for (index, entry) in blob.jump_table().iter().enumerate() {
            assert!(entry == 0 || targets.contains(entry), "{file}: jump table entry {index} = {entry}");
        }
        for export in blob.exports() {
            assert!(targets.contains(export.pc), "{file}: export at {}", export.pc);
        }
        assert_eq!(got, stats, "{file}: decode counts changed");
    }
}

/// The JAM vectors (v0.4, Graypaper 0.5.4) number the bit-manipulation group like ReviveV1
/// (`count_set_bits_64` = 102 … `reverse_byte` = 111), not like polkavm 0.37's JamV1 (101 … 110).
/// Decoded as ReviveV1 the only `invalid` items are implicit end items (most vectors end without
/// a terminator; running off the end traps); decoded as JamV1, `rev8`'s opcode 111 is unassigned
/// and the other bit-manipulation vectors silently decode as different mnemonics.
#[test]
fn jam_test_vectors() {
    let Some(vectors) = testdata::jam_vectors() else { return };
    assert_eq!(vectors.len(), 307);
    let programs: Vec<(String, ProgramBlob)> = vectors
        .iter()
        .map(|(path, json)| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_owned();
            let program = testdata::jam_program(json);
            // The container layout does not depend on the legacy ISA chosen here.
            let blob = ProgramBlob::from_raw_jam_code(InstructionSetKind::ReviveV1, ArcBytes::from(program))
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            (name, blob)
        })
        .collect();
    for (isa, expected_total, expected_implicit, expected_other) in [
        (InstructionSetKind::ReviveV1, Stats { code_len: 78_973, items: 24_277, invalid: 197, targets: 5048 }, 197, 0),
        (InstructionSetKind::JamV1, Stats { code_len: 78_973, items: 24_277, invalid: 222, targets: 5073 }, 197, 25),
    ] {
        let mut total = Stats { code_len: 0, items: 0, invalid: 0, targets: 0 };
        let mut implicit_end = 0;
        let mut other = Vec::new();
        for (name, blob) in &programs {
            let code = Code::new(isa, blob.code(), blob.bitmask());
            let stats = survey(&code, name);
            for item in code.instructions().filter(|item| item.instruction.opcode == Opcode::Invalid) {
                if item.offset == code.len() {
                    implicit_end += 1;
                } else {
                    other.push((name.as_str(), item.offset, blob.code()[item.offset as usize]));
                }
            }
            total.code_len += stats.code_len;
            total.items += stats.items;
            total.invalid += stats.invalid;
            total.targets += stats.targets;
        }
        println!("JAM vectors as {isa}: {total:?}; implicit end items: {implicit_end}");
        println!("  other invalid items (vector, offset, opcode byte): {other:?}");
        assert_eq!(total, expected_total, "{isa}: decode counts changed");
        assert_eq!((implicit_end, other.len()), (expected_implicit, expected_other), "{isa}");
        assert!(other.iter().all(|&(name, _, byte)| name == "riscv_rv64uzbb_rev8.json" && byte == 111), "{isa}");
    }
}
