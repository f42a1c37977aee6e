//! Deterministic mutation testing of the parser: real blobs, the §14 examples and raw JAM code
//! blobs are mutated thousands of times (bit flips, overwrites, truncations, insertions,
//! deletions, structure-aware payload edits with the section and blob lengths fixed up) and every
//! result goes through the parser and all lazy accessors. Nothing may panic, and parsing the same
//! bytes twice must give the same result.

mod support;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use kestrel_program::InstructionSetKind;
use kestrel_program::blob::ProgramBlob;
use kestrel_program::varint::{read_varint, write_varint};
use support::rng::Rng;
use support::testdata;

impl Rng {
    /// A byte, half of the time one of those that parsers tend to treat specially.
    fn byte(&mut self) -> u8 {
        const INTERESTING: [u8; 16] =
            [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x7f, 0x80, 0x81, 0x83, 0xc0, 0xe0, 0xf0, 0xff];
        if self.chance(1, 2) { INTERESTING[self.below(INTERESTING.len())] } else { self.next() as u8 }
    }
}

/// One section of a blob: id and payload.
#[derive(Clone)]
struct Section {
    id: u8,
    payload: Vec<u8>,
}

/// Splits a well-formed blob into header, sections and trailing bytes (after the end marker).
fn split(bytes: &[u8]) -> (Vec<u8>, Vec<Section>) {
    let mut sections = Vec::new();
    let mut position = 13;
    while let Some(&id) = bytes.get(position) {
        position += 1;
        if id == 0 {
            break;
        }
        let (length, size) = read_varint(&bytes[position..]).expect("test inputs are well formed");
        position += size;
        sections.push(Section { id, payload: bytes[position..position + length as usize].to_vec() });
        position += length as usize;
    }
    (bytes[..13].to_vec(), sections)
}

/// Writes header + sections + end marker with correct section lengths and blob length.
fn join(header: &[u8], sections: &[Section]) -> Vec<u8> {
    let mut out = header.to_vec();
    for section in sections {
        out.push(section.id);
        write_varint(section.payload.len() as u32, &mut out);
        out.extend_from_slice(&section.payload);
    }
    out.push(0);
    fix_length(&mut out);
    out
}

fn fix_length(bytes: &mut [u8]) {
    if bytes.len() >= 13 {
        let length = bytes.len() as u64;
        bytes[5..13].copy_from_slice(&length.to_le_bytes());
    }
}

/// A position biased towards the bytes the parser looks at: the start of the blob, and the
/// first and last bytes of each section.
fn pick_position(rng: &mut Rng, bytes: &[u8], hot: &[usize]) -> usize {
    if !hot.is_empty() && rng.chance(3, 4) {
        let base = hot[rng.below(hot.len())];
        (base + rng.below(6)).min(bytes.len().saturating_sub(1))
    } else {
        rng.below(bytes.len())
    }
}

fn hot_positions(bytes: &[u8]) -> Vec<usize> {
    let mut hot = vec![0, 4, 5, 12, 13];
    let mut position = 13;
    while let Some(&id) = bytes.get(position) {
        hot.push(position);
        position += 1;
        if id == 0 {
            break;
        }
        let Some((length, size)) = read_varint(&bytes[position..]) else { break };
        position += size;
        hot.push(position);
        position += length as usize;
        hot.push(position.saturating_sub(2));
    }
    hot
}

/// Edits a byte vector in one of the unstructured ways.
fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>, hot: &[usize]) {
    if bytes.is_empty() {
        bytes.push(rng.byte());
        return;
    }
    let position = pick_position(rng, bytes, hot);
    match rng.below(6) {
        0 => bytes[position] ^= 1 << rng.below(8),
        1 => bytes[position] = rng.byte(),
        2 => bytes.truncate(position),
        3 => {
            let count = 1 + rng.below(8);
            for _ in 0..count {
                let byte = rng.byte();
                bytes.insert(position, byte);
            }
        }
        4 => {
            let end = (position + 1 + rng.below(8)).min(bytes.len());
            bytes.drain(position..end);
        }
        _ => {
            // A (possibly non-canonical or oversized) varint-looking value.
            let mut encoded = Vec::new();
            write_varint(rng.next() as u32 >> rng.below(32), &mut encoded);
            if rng.chance(1, 4) {
                encoded[0] |= 0x80;
            }
            for (offset, byte) in encoded.into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(position + offset) {
                    *slot = byte;
                }
            }
        }
    }
}

/// Edits the blob with its framing kept consistent, so the inner checks get exercised.
fn mutate_structure(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let (header, mut sections) = split(original);
    match rng.below(5) {
        0 | 1 if !sections.is_empty() => {
            let index = rng.below(sections.len());
            let payload = &mut sections[index].payload;
            let hot = vec![0, payload.len().saturating_sub(3)];
            for _ in 0..1 + rng.below(3) {
                mutate_bytes(rng, payload, &hot);
            }
        }
        2 if !sections.is_empty() => {
            let index = rng.below(sections.len());
            sections.remove(index);
        }
        3 if !sections.is_empty() => {
            let (a, b) = (rng.below(sections.len()), rng.below(sections.len()));
            sections.swap(a, b);
        }
        _ => {
            let payload = (0..rng.below(6)).map(|_| rng.byte()).collect();
            let id = if rng.chance(1, 2) { rng.byte() | 0x80 } else { 1 + rng.below(8) as u8 };
            sections.insert(rng.below(sections.len() + 1), Section { id, payload });
        }
    }
    join(&header, &sections)
}

/// Walks every accessor and folds what it sees into a hash (FNV-1a).
fn summarize(result: &Result<ProgramBlob, kestrel_program::ParseError>) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut feed = |bytes: &[u8]| {
        for &byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        hash = (hash ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    };
    match result {
        Err(error) => feed(error.to_string().as_bytes()),
        Ok(blob) => {
            feed(&[blob.isa().version_byte(), blob.entry_size()]);
            for value in [blob.ro_data_size(), blob.rw_data_size(), blob.stack_size(), blob.code_len()] {
                feed(&value.to_le_bytes());
            }
            for part in [
                blob.ro_data(),
                blob.rw_data(),
                blob.code(),
                blob.bitmask(),
                blob.code_and_jump_table(),
                blob.exports_payload(),
                blob.debug_strings(),
                blob.debug_line_programs(),
                blob.debug_line_program_ranges(),
                blob.metadata_hash(),
            ] {
                feed(part);
            }
            let table = blob.jump_table();
            feed(&table.len().to_le_bytes());
            for entry in table.iter() {
                feed(&entry.to_le_bytes());
            }
            assert_eq!(table.get(table.len()), None);
            let imports = blob.imports();
            for import in imports.iter() {
                feed(import.unwrap_or(b"<invalid>"));
            }
            assert_eq!(imports.iter().count(), imports.len() as usize);
            for export in blob.exports() {
                feed(&export.pc.to_le_bytes());
                feed(export.name);
            }
            for offset in [0, 1, 2, 7, u32::MAX] {
                if let Ok(string) = blob.debug_string(offset) {
                    feed(string.as_bytes());
                }
            }
        }
    }
    hash
}

fn check(input: &[u8], context: &str) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let first = summarize(&ProgramBlob::parse(input.into()));
        let second = summarize(&ProgramBlob::parse(input.to_vec().into()));
        assert_eq!(first, second, "parsing is not deterministic");
        let _ = ProgramBlob::blob_length(input);
        for isa in InstructionSetKind::ALL {
            let first = summarize(&ProgramBlob::from_raw_jam_code(isa, input.into()));
            let second = summarize(&ProgramBlob::from_raw_jam_code(isa, input.into()));
            assert_eq!(first, second, "raw JAM parsing is not deterministic");
        }
    }));
    if outcome.is_err() {
        panic!("{context}: {} bytes, starting {:02x?}", input.len(), &input[..input.len().min(64)]);
    }
}

/// Runs `rounds` mutations of `original`; returns how many parsed and the distinct errors seen.
fn mutate_container(seed: u64, name: &str, original: &[u8], rounds: usize) -> (usize, BTreeSet<String>) {
    let mut errors = BTreeSet::new();
    let mut rng = Rng::new(seed);
    let hot = hot_positions(original);
    let mut accepted = 0;
    for round in 0..rounds {
        let mut bytes = if rng.chance(1, 3) {
            mutate_structure(&mut rng, original)
        } else {
            let mut bytes = original.to_vec();
            for _ in 0..1 + rng.below(3) {
                mutate_bytes(&mut rng, &mut bytes, &hot);
            }
            bytes
        };
        if rng.chance(7, 8) {
            fix_length(&mut bytes);
        }
        check(&bytes, &format!("{name} round {round}"));
        match ProgramBlob::parse(bytes.into()) {
            Ok(_) => accepted += 1,
            Err(error) => {
                // Keep the kind of error, not its offsets.
                let debug = format!("{error:?}");
                errors.insert(debug.split([' ', '(']).next().unwrap_or_default().to_owned());
            }
        }
    }
    (accepted, errors)
}

fn example(version: u8) -> Vec<u8> {
    // The JamV1 blob of blob-format.md §14, rebuilt from its sections so the version can vary.
    let sections = [
        Section { id: 1, payload: vec![0x10, 0x04, 0x90, 0x00] },
        Section { id: 2, payload: b"hi".to_vec() },
        Section { id: 3, payload: vec![0x01, 0x02] },
        Section { id: 4, payload: vec![0x01, 0x00, 0x00, 0x00, 0x00, b'h', b'e', b'l', b'l', b'o'] },
        Section { id: 5, payload: vec![0x01, 0x00, 0x04, b'm', b'a', b'i', b'n'] },
        Section {
            id: 6,
            payload: vec![0x01, 0x01, 0x09, 0x08, 0x33, 0x07, 0x00, 0x00, 0x01, 0x0a, 0x32, 0x00, 0x00, 0x61, 0x01],
        },
        Section { id: 128, payload: vec![0x00, 0x02, b'o', b'k'] },
        Section { id: 131, payload: vec![0xab; 32] },
    ];
    let mut header = b"PVM\0".to_vec();
    header.push(version);
    header.extend_from_slice(&[0; 8]);
    join(&header, &sections)
}

#[test]
fn mutated_small_blobs_never_panic() {
    let mut inputs = vec![("example jam_v1".to_owned(), example(3)), ("example revive_v1".to_owned(), example(0))];
    let mut latest64 = example(2);
    // Section 6 for Latest64 has no code length or bitmask: J, Z, table, code.
    let (header, mut sections) = split(&latest64);
    sections[5].payload = vec![0x01, 0x01, 0x09, 0x07, 0x07, 0x00, 0x00, 0x01, 0xdd, 0x00, 0x03, 0x00, 0x00];
    latest64 = join(&header, &sections);
    inputs.push(("example latest64".to_owned(), latest64));
    if let Some(bytes) = testdata::blob_bytes("example-hello-world.polkavm") {
        inputs.push(("hello world".to_owned(), bytes));
    }
    let mut all_errors = BTreeSet::new();
    for (index, (name, bytes)) in inputs.iter().enumerate() {
        assert!(ProgramBlob::parse(bytes.clone().into()).is_ok(), "{name} must parse before mutation");
        let (accepted, errors) = mutate_container(0x5eed_0000 + index as u64, name, bytes, 2000);
        // The mutations must not all die at the first check.
        assert!(accepted > 100, "{name}: only {accepted} mutants parsed");
        all_errors.extend(errors);
    }
    // Every reachable parse error (all but the two unreachable ones, the raw-JAM one and the
    // parts one) is produced by some mutant, so the mutations reach every check.
    let expected = [
        "BadMagic",
        "BadVarint",
        "BitmaskLengthMismatch",
        "BitmaskPadding",
        "BlobLengthMismatch",
        "CodeSectionTooLong",
        "InvalidImports",
        "InvalidJumpTableEntrySize",
        "JumpTableSectionTooLong",
        "MemoryConfigLength",
        "NoCode",
        "RoDataTooLarge",
        "RwDataTooLarge",
        "TooManyImports",
        "UnexpectedEnd",
        "UnexpectedSection",
        "UnsupportedVersion",
    ];
    let missing: Vec<_> = expected.iter().filter(|kind| !all_errors.contains(**kind)).collect();
    assert!(missing.is_empty(), "never produced: {missing:?}; seen: {all_errors:?}");
}

#[test]
fn mutated_large_blobs_never_panic() {
    for (index, name) in ["quake.polkavm", "doom.polkavm"].into_iter().enumerate() {
        let Some(bytes) = testdata::blob_bytes(name) else { continue };
        let (accepted, _) = mutate_container(0xb16_0000 + index as u64, name, &bytes, 150);
        assert!(accepted > 10, "{name}: only {accepted} mutants parsed");
    }
}

#[test]
fn mutated_raw_jam_code_never_panics() {
    let mut programs = Vec::new();
    for name in
        ["inst_add_32", "inst_jump_indirect_invalid_djump_to_zero_nok", "riscv_rv64ui_add", "inst_load_imm_and_jump"]
    {
        let Some(text) = testdata::read(&format!("jam-pvm/programs/{name}.json")) else { return };
        programs.push(testdata::jam_program(&serde_json::from_slice(&text).unwrap()));
    }
    let mut rng = Rng::new(0x1a3_0000);
    let mut accepted = 0;
    for round in 0..1500 {
        let mut bytes = programs[round % programs.len()].clone();
        let hot = [0, 1, 2, 3, bytes.len().saturating_sub(2)];
        for _ in 0..1 + rng.below(3) {
            mutate_bytes(&mut rng, &mut bytes, &hot);
        }
        check(&bytes, &format!("raw JAM round {round}"));
        accepted += usize::from(ProgramBlob::from_raw_jam_code(InstructionSetKind::ReviveV1, bytes.into()).is_ok());
    }
    assert!(accepted > 50, "only {accepted} raw mutants parsed");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(0xdead_beef);
    for round in 0..1000 {
        let length = rng.below(48);
        let mut bytes: Vec<u8> = (0..length).map(|_| rng.byte()).collect();
        if rng.chance(1, 2) && bytes.len() >= 5 {
            bytes[..4].copy_from_slice(b"PVM\0");
            bytes[4] = rng.below(5) as u8;
            if bytes.len() < 13 {
                bytes.resize(13, 0);
            }
            fix_length(&mut bytes);
        }
        check(&bytes, &format!("random round {round}"));
    }
}
