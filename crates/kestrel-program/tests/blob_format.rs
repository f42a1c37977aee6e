//! The container format of `blob-format.md`, checked against its verified examples: the annotated
//! blob of §14, the ordering table of §4.2, every error of §11 with its exact text, the accepted
//! edge cases of §9.2 and the quirks of §15.

mod support;

use kestrel_program::blob::{BlobKind, Export, ProgramBlob};
use kestrel_program::{InstructionSetKind, ParseError};
use support::spec::{EXAMPLE_14_JAM_V1 as EXAMPLE_JAM_V1, example_14_latest64 as example_latest64};

/// A blob with the given version byte and section bytes (which must include the final `00` when
/// wanted); the length field is filled in.
fn blob(version: u8, sections: &[u8]) -> Vec<u8> {
    let mut bytes = b"PVM\0".to_vec();
    bytes.push(version);
    bytes.extend_from_slice(&[0; 8]);
    bytes.extend_from_slice(sections);
    let length = bytes.len() as u64;
    bytes[5..13].copy_from_slice(&length.to_le_bytes());
    bytes
}

fn parse(bytes: &[u8]) -> Result<ProgramBlob, ParseError> {
    ProgramBlob::parse(bytes.into())
}

fn parse_err(bytes: &[u8]) -> ParseError {
    match parse(bytes) {
        Ok(_) => panic!("parsed although an error was expected: {}", show(bytes)),
        Err(error) => error,
    }
}

/// At most the first 64 bytes, for failure messages.
fn show(bytes: &[u8]) -> String {
    format!("{} bytes: {:02x?}", bytes.len(), &bytes[..bytes.len().min(64)])
}

/// Asserts the error and its full message.
fn assert_error(bytes: &[u8], expected: ParseError, message: &str) {
    let error = parse_err(bytes);
    assert_eq!(error, expected, "{}", show(bytes));
    assert_eq!(error.to_string(), format!("failed to parse program blob: {message}"));
    assert_eq!(error.reason().to_string(), message);
}

fn check_example_common(blob: &ProgramBlob) {
    assert_eq!(blob.kind(), BlobKind::Container);
    assert!(blob.is_64_bit());
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (16, 4, 4096));
    assert_eq!(blob.ro_data(), b"hi");
    assert_eq!(&*blob.ro_data_bytes(), b"hi");
    assert_eq!(blob.rw_data(), [1, 2]);
    assert_eq!(&*blob.rw_data_bytes(), [1, 2]);
    let imports = blob.imports();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports.get(0), Some(&b"hello"[..]));
    assert_eq!(imports.get(1), None);
    assert_eq!(imports.iter().collect::<Vec<_>>(), [Some(&b"hello"[..])]);
    assert_eq!(blob.exports().collect::<Vec<_>>(), [Export { pc: 0, name: b"main" }]);
    assert_eq!(blob.exports_payload(), [0x01, 0x00, 0x04, b'm', b'a', b'i', b'n']);
    let table = blob.jump_table();
    assert_eq!((table.len(), table.entry_size(), table.declared_count()), (1, 1, 1));
    assert_eq!(blob.entry_size(), 1);
    assert!(blob.metadata_hash().is_empty());
    assert!(blob.debug_strings().is_empty());
    assert!(blob.debug_line_programs().is_empty());
    assert!(blob.debug_line_program_ranges().is_empty());
}

#[test]
fn annotated_example_jam_v1() {
    let blob = parse(&EXAMPLE_JAM_V1).unwrap();
    check_example_common(&blob);
    assert_eq!(blob.isa(), InstructionSetKind::JamV1);
    assert_eq!(blob.as_bytes(), EXAMPLE_JAM_V1);
    assert_eq!(blob.jump_table().iter().collect::<Vec<_>>(), [8]);
    assert_eq!(blob.jump_table().get(0), Some(8));
    assert_eq!(blob.jump_table().as_bytes(), [0x08]);
    assert_eq!(blob.code(), [0x33, 0x07, 0x00, 0x00, 0x01, 0x0a, 0x32, 0x00, 0x00]);
    assert_eq!(&*blob.code_bytes(), blob.code());
    assert_eq!(blob.code_len(), 9);
    assert_eq!(blob.bitmask(), [0x61, 0x01]);
    assert_eq!(blob.code_and_jump_table(), &EXAMPLE_JAM_V1[0x32..0x41]);
    assert_eq!(ProgramBlob::blob_length(&EXAMPLE_JAM_V1), Some(66));
    assert_eq!(ProgramBlob::blob_length(&EXAMPLE_JAM_V1[..13]), Some(66));
    assert_eq!(ProgramBlob::blob_length(&EXAMPLE_JAM_V1[..12]), None);
    assert_eq!(ProgramBlob::blob_length(&[]), None);
}

#[test]
fn annotated_example_latest64() {
    let bytes = example_latest64();
    assert_eq!(bytes.len(), 64);
    let blob = parse(&bytes).unwrap();
    check_example_common(&blob);
    assert_eq!(blob.isa(), InstructionSetKind::Latest64);
    assert_eq!(blob.jump_table().iter().collect::<Vec<_>>(), [9]);
    assert_eq!(blob.code(), [0x07, 0x07, 0x00, 0x00, 0x01, 0xdd, 0x00, 0x03, 0x00, 0x00]);
    assert_eq!(blob.code_len(), 10);
    assert!(blob.bitmask().is_empty());
    assert_eq!(ProgramBlob::blob_length(&bytes), Some(64));
}

#[test]
fn annotated_example_other_legacy_versions() {
    for (version, isa) in [(0, InstructionSetKind::ReviveV1), (1, InstructionSetKind::Latest32)] {
        let mut bytes = EXAMPLE_JAM_V1;
        bytes[4] = version;
        let blob = parse(&bytes).unwrap();
        check_example_common_legacy(&blob);
        assert_eq!(blob.isa(), isa);
        assert_eq!(blob.is_64_bit(), isa != InstructionSetKind::Latest32);
    }
}

fn check_example_common_legacy(blob: &ProgramBlob) {
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (16, 4, 4096));
    assert_eq!(blob.jump_table().iter().collect::<Vec<_>>(), [8]);
    assert_eq!(blob.bitmask(), [0x61, 0x01]);
    assert_eq!(blob.code_len(), 9);
}

#[test]
fn clones_share_the_bytes() {
    let blob = parse(&EXAMPLE_JAM_V1).unwrap();
    let clone = blob.clone();
    assert_eq!(clone.unique_id(), blob.unique_id());
    assert_eq!(clone.code().as_ptr(), blob.code().as_ptr());
    assert_eq!(blob.ro_data_bytes().as_ptr(), blob.ro_data().as_ptr());
}

// --- §4.2 ordering -------------------------------------------------------------------------

const S1: &[u8] = &[0x01, 0x03, 0x05, 0x06, 0x07];
const S2: &[u8] = &[0x02, 0x00];
const S3: &[u8] = &[0x03, 0x00];
const S4: &[u8] = &[0x04, 0x01, 0x00];
const S5: &[u8] = &[0x05, 0x00];
const S6: &[u8] = &[0x06, 0x03, 0x00, 0x00, 0x00];
const S128: &[u8] = &[0x80, 0x01, 0xa0];
const S129: &[u8] = &[0x81, 0x01, 0xa1];
const S130: &[u8] = &[0x82, 0x01, 0xa2];
const S131: &[u8] = &[0x83, 0x01, 0xa3];
const S200: &[u8] = &[0xc8, 0x02, 0xee, 0xee];
const S7: &[u8] = &[0x07, 0x00];
const END: &[u8] = &[0x00];

fn sections(list: &[&[u8]]) -> Vec<u8> {
    blob(3, &list.concat())
}

fn unexpected(offset: usize, id: u8) -> ParseError {
    ParseError::UnexpectedSection { offset, id }
}

#[test]
fn ordering_all_sections_are_stored() {
    let bytes = sections(&[S1, S2, S3, S4, S5, S6, S128, S129, S130, S131, END]);
    let blob = parse(&bytes).unwrap();
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (5, 6, 7));
    assert_eq!(blob.debug_strings(), [0xa0]);
    assert_eq!(blob.debug_line_programs(), [0xa1]);
    assert_eq!(blob.debug_line_program_ranges(), [0xa2]);
    assert_eq!(blob.metadata_hash(), [0xa3]);
    assert_eq!(blob.imports().len(), 0);
    assert_eq!(blob.exports().count(), 0);
}

#[test]
fn ordering_minimal_blob() {
    let blob = parse(&sections(&[S6, END])).unwrap();
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (0, 0, 0));
    assert_eq!(blob.code_len(), 0);
    assert!(blob.ro_data().is_empty() && blob.rw_data().is_empty());
}

#[test]
fn ordering_violations() {
    // 3 then 2: the error points at the `02` byte (offset 13 + 2).
    assert_error(&sections(&[S3, S2, S6, END]), unexpected(0xf, 2), "found unexpected section as offset 0xf: 0x2");
    // 6, 6 / 6, 1 / 6, 7: the error points at the byte after the first section 6 (13 + 5).
    assert_error(&sections(&[S6, S6, END]), unexpected(0x12, 6), "found unexpected section as offset 0x12: 0x6");
    assert_error(&sections(&[S6, S1, END]), unexpected(0x12, 1), "found unexpected section as offset 0x12: 0x1");
    assert_error(&sections(&[S6, S7, END]), unexpected(0x12, 7), "found unexpected section as offset 0x12: 0x7");
    // 200 before 6: skipped in the trailing loop, after which 6 is illegal.
    assert_error(&sections(&[S200, S6, END]), unexpected(0x11, 6), "found unexpected section as offset 0x11: 0x6");
    // 128 before 6: 128 is stored, then 6 is illegal; without any 6 there is no code.
    assert_error(&sections(&[S128, S6, END]), unexpected(0x10, 6), "found unexpected section as offset 0x10: 0x6");
    assert_error(&sections(&[S128, END]), ParseError::NoCode, "no code found");
    // Unknown ids below 128 are never valid.
    assert_error(
        &sections(&[&[0x7f, 0x00], S6, END]),
        unexpected(0xd, 0x7f),
        "found unexpected section as offset 0xd: 0x7f",
    );
}

#[test]
fn ordering_optional_sections_are_skipped() {
    // 6, 200, 0: 200 ignored.
    let blob = parse(&sections(&[S6, S200, END])).unwrap();
    assert!(blob.debug_strings().is_empty());
    // 6, 131, 128, 0: 131 stored, the late 128 skipped.
    let blob = parse(&sections(&[S6, S131, S128, END])).unwrap();
    assert_eq!(blob.metadata_hash(), [0xa3]);
    assert!(blob.debug_strings().is_empty());
    // 6, 128, 128, 0: the first 128 is stored.
    let blob = parse(&sections(&[S6, S128, &[0x80, 0x01, 0xbb], END])).unwrap();
    assert_eq!(blob.debug_strings(), [0xa0]);
    // 6, 200, 128, 0: 128 skipped.
    let blob = parse(&sections(&[S6, S200, S128, END])).unwrap();
    assert!(blob.debug_strings().is_empty());
    // 129 and 131 without 128/130.
    let blob = parse(&sections(&[S6, S129, S131, END])).unwrap();
    assert_eq!((blob.debug_line_programs(), blob.metadata_hash()), (&[0xa1][..], &[0xa3][..]));
    // An optional section between the slots is fine as long as the order holds.
    let blob = parse(&sections(&[S1, S6, S130, END])).unwrap();
    assert_eq!(blob.debug_line_program_ranges(), [0xa2]);
}

#[test]
fn ordering_missing_or_empty_code() {
    assert_error(&sections(&[END]), ParseError::NoCode, "no code found");
    assert_error(&sections(&[S1, S2, S3, S4, S5, END]), ParseError::NoCode, "no code found");
    assert_error(&sections(&[&[0x06, 0x00], END]), ParseError::NoCode, "no code found");
}

#[test]
fn bytes_after_the_end_marker_are_ignored() {
    // Q1
    let blob = parse(&sections(&[S6, END, &[0x07, 0xff, 0xff]])).unwrap();
    assert_eq!(blob.code_len(), 0);
}

// --- §11 errors ----------------------------------------------------------------------------

#[test]
fn e1_magic() {
    let message = "blob doesn't start with the expected magic bytes";
    for bytes in [&b""[..], b"P", b"PVM", b"PVX\0\x03", b"pvm\0\x03"] {
        assert_error(bytes, ParseError::BadMagic, message);
    }
    let mut wrong = EXAMPLE_JAM_V1;
    wrong[3] = 1;
    assert_error(&wrong, ParseError::BadMagic, message);
}

#[test]
fn e2_unexpected_end() {
    assert_error(
        b"PVM\0",
        ParseError::UnexpectedEnd { offset: 4, need: 1, have: 0 },
        "unexpected end of file at offset 0x4: expected to be able to read at least 1 bytes, found 0 bytes",
    );
    assert_error(
        b"PVM\0\x03\x0f\x00",
        ParseError::UnexpectedEnd { offset: 5, need: 8, have: 2 },
        "unexpected end of file at offset 0x5: expected to be able to read at least 8 bytes, found 2 bytes",
    );
    // The header alone: the first section id is missing.
    assert_error(
        &blob(3, &[]),
        ParseError::UnexpectedEnd { offset: 0xd, need: 1, have: 0 },
        "unexpected end of file at offset 0xd: expected to be able to read at least 1 bytes, found 0 bytes",
    );
    // The §14 blob without its final `00` (length field adjusted): the id expected at 0x41.
    let mut truncated = EXAMPLE_JAM_V1[..65].to_vec();
    truncated[5] = 65;
    assert_error(
        &truncated,
        ParseError::UnexpectedEnd { offset: 0x41, need: 1, have: 0 },
        "unexpected end of file at offset 0x41: expected to be able to read at least 1 bytes, found 0 bytes",
    );
    // A section length running past the end of the blob.
    assert_error(
        &blob(3, &[0x02, 0x05, 0xaa, 0xbb]),
        ParseError::UnexpectedEnd { offset: 0xf, need: 5, have: 2 },
        "unexpected end of file at offset 0xf: expected to be able to read at least 5 bytes, found 2 bytes",
    );
    // A missing section length (the varint's first byte).
    assert_error(
        &blob(3, &[0x02]),
        ParseError::UnexpectedEnd { offset: 0xe, need: 1, have: 0 },
        "unexpected end of file at offset 0xe: expected to be able to read at least 1 bytes, found 0 bytes",
    );
    // Memory config varints are read from the stream: the third is missing.
    assert_error(
        &blob(3, &[0x01, 0x03, 0x00, 0x00]),
        ParseError::UnexpectedEnd { offset: 0x11, need: 1, have: 0 },
        "unexpected end of file at offset 0x11: expected to be able to read at least 1 bytes, found 0 bytes",
    );
    // Import offsets are read from the stream (count 2, 8 bytes needed, 3 present).
    assert_error(
        &blob(3, &[0x04, 0x09, 0x02, 0x00, 0x00, 0x00]),
        ParseError::UnexpectedEnd { offset: 0x10, need: 8, have: 3 },
        "unexpected end of file at offset 0x10: expected to be able to read at least 8 bytes, found 3 bytes",
    );
    // Inside section 6 the offsets are relative to its payload (Q8): J = 128 (`80 80`), Z = 4,
    // C = 128 (`80 80`), and the 512-byte jump table that would start at payload offset 5 is
    // missing (4 bytes follow).
    assert_error(
        &sections(&[&[0x06, 0x09, 0x80, 0x80, 0x04, 0x80, 0x80, 0x01, 0x02, 0x03, 0x04], END]),
        ParseError::UnexpectedEnd { offset: 5, need: 512, have: 4 },
        "unexpected end of file at offset 0x5: expected to be able to read at least 512 bytes, found 4 bytes",
    );
    // Z missing in section 6.
    assert_error(
        &sections(&[&[0x06, 0x01, 0x00], END]),
        ParseError::UnexpectedEnd { offset: 1, need: 1, have: 0 },
        "unexpected end of file at offset 0x1: expected to be able to read at least 1 bytes, found 0 bytes",
    );
    // Legacy C missing.
    assert_error(
        &sections(&[&[0x06, 0x02, 0x00, 0x00], END]),
        ParseError::UnexpectedEnd { offset: 2, need: 1, have: 0 },
        "unexpected end of file at offset 0x2: expected to be able to read at least 1 bytes, found 0 bytes",
    );
    // Legacy C larger than the rest of the payload.
    assert_error(
        &sections(&[&[0x06, 0x04, 0x00, 0x00, 0x05, 0x00], END]),
        ParseError::UnexpectedEnd { offset: 3, need: 5, have: 1 },
        "unexpected end of file at offset 0x3: expected to be able to read at least 5 bytes, found 1 bytes",
    );
}

#[test]
fn e3_unsupported_version() {
    for version in [4u8, 5, 127, 128, 255] {
        assert_error(
            &blob(version, &[0x06, 0x03, 0x00, 0x00, 0x00, 0x00]),
            ParseError::UnsupportedVersion(version),
            &format!("unsupported version: {version}"),
        );
    }
    // The version is checked before the length field is read.
    assert_error(b"PVM\0\x04", ParseError::UnsupportedVersion(4), "unsupported version: 4");
}

#[test]
fn e4_length_mismatch() {
    let message = "blob size doesn't match the blob length metadata";
    let mut longer = EXAMPLE_JAM_V1;
    longer[5] = 67;
    assert_error(&longer, ParseError::BlobLengthMismatch, message);
    let mut shorter = EXAMPLE_JAM_V1;
    shorter[5] = 65;
    assert_error(&shorter, ParseError::BlobLengthMismatch, message);
    let mut high = EXAMPLE_JAM_V1;
    high[12] = 1;
    assert_error(&high, ParseError::BlobLengthMismatch, message);
    let mut extra = EXAMPLE_JAM_V1.to_vec();
    extra.push(0);
    assert_error(&extra, ParseError::BlobLengthMismatch, message);
}

#[test]
fn e5_bad_varints() {
    // Non-canonical section length.
    assert_error(
        &blob(3, &[0x02, 0x80, 0x01, 0xaa]),
        ParseError::BadVarint { offset: 0xe },
        "failed to parse a varint at offset 0xe",
    );
    // Lead bytes 0xF8..=0xFF.
    assert_error(
        &blob(3, &[0x02, 0xf8, 0, 0, 0, 0, 0, 0, 0, 0]),
        ParseError::BadVarint { offset: 0xe },
        "failed to parse a varint at offset 0xe",
    );
    // A 2^32 value (`F1 ...`) inside the memory config.
    assert_error(
        &blob(3, &[0x01, 0x07, 0x00, 0xf1, 0, 0, 0, 0, 0x00]),
        ParseError::BadVarint { offset: 0x10 },
        "failed to parse a varint at offset 0x10",
    );
    // Truncated (`C0 01` at the end of the blob).
    assert_error(
        &blob(3, &[0x02, 0xc0, 0x01]),
        ParseError::BadVarint { offset: 0xe },
        "failed to parse a varint at offset 0xe",
    );
    // Inside section 6, relative to the payload: J, then C (at payload offset 2).
    assert_error(
        &sections(&[&[0x06, 0x04, 0x80, 0x00, 0x00, 0x00], END]),
        ParseError::BadVarint { offset: 0 },
        "failed to parse a varint at offset 0x0",
    );
    assert_error(
        &sections(&[&[0x06, 0x04, 0x00, 0x00, 0xc0, 0xff], END]),
        ParseError::BadVarint { offset: 2 },
        "failed to parse a varint at offset 0x2",
    );
    // Imports count.
    assert_error(
        &blob(3, &[0x04, 0x02, 0x80, 0x05]),
        ParseError::BadVarint { offset: 0xf },
        "failed to parse a varint at offset 0xf",
    );
}

#[test]
fn e6_memory_config_length() {
    let message = "the memory config section contains more data than expected";
    // Declared 4, three 1-byte varints (3 bytes) consumed.
    assert_error(&sections(&[&[0x01, 0x04, 0x01, 0x02, 0x03, 0x06], S6, END]), ParseError::MemoryConfigLength, message);
    // Declared 2, 3 consumed (Q4: the third varint is read anyway).
    assert_error(&sections(&[&[0x01, 0x02, 0x01, 0x02, 0x03], S6, END]), ParseError::MemoryConfigLength, message);
    // Declared 0.
    assert_error(&sections(&[&[0x01, 0x00, 0x00, 0x00, 0x00], S6, END]), ParseError::MemoryConfigLength, message);
    // Multi-byte varints count fully.
    let blob = parse(&sections(&[&[0x01, 0x06, 0x90, 0x00, 0x7f, 0xc0, 0x00, 0x40], S6, END])).unwrap();
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (0x1000, 0x7f, 0x4000));
}

#[test]
fn e7_too_many_imports() {
    // 1025 = `84 01`; the offsets are never read.
    assert_error(&blob(3, &[0x04, 0x02, 0x84, 0x01]), ParseError::TooManyImports, "too many imports");
    // 1024 is allowed.
    let mut imports = vec![0x84, 0x00];
    imports.extend(std::iter::repeat_n(0, 4 * 1024));
    let mut section = vec![0x04, 0x90, 0x02];
    assert_eq!(imports.len(), 0x1002);
    section.extend_from_slice(&imports);
    let blob = parse(&sections(&[&section, S6, END])).unwrap();
    assert_eq!(blob.imports().len(), 1024);
    assert_eq!(blob.imports().get(1023), Some(&b""[..]));
}

#[test]
fn e8_invalid_imports() {
    // Q5: declared length 2, count 1, the 4 offset bytes are taken from what follows.
    assert_error(
        &sections(&[&[0x04, 0x02, 0x01, 0x00], S6, END]),
        ParseError::InvalidImports,
        "the imports section is invalid",
    );
    // Declared length 0 with a count byte.
    assert_error(
        &sections(&[&[0x04, 0x00, 0x00], S6, END]),
        ParseError::InvalidImports,
        "the imports section is invalid",
    );
}

#[test]
fn e10_e11_data_larger_than_declared() {
    let ro = "size of the read-only data payload exceeds the declared size of the section";
    let rw = "size of the read-write data payload exceeds the declared size of the section";
    assert_error(&sections(&[&[0x02, 0x01, 0xaa], S6, END]), ParseError::RoDataTooLarge, ro);
    assert_error(&sections(&[&[0x03, 0x01, 0xaa], S6, END]), ParseError::RwDataTooLarge, rw);
    assert_error(
        &sections(&[&[0x01, 0x03, 0x01, 0x00, 0x00], &[0x02, 0x02, 0xaa, 0xbb], S6, END]),
        ParseError::RoDataTooLarge,
        ro,
    );
    assert_error(
        &sections(&[&[0x01, 0x03, 0x00, 0x01, 0x00], &[0x03, 0x02, 0xaa, 0xbb], S6, END]),
        ParseError::RwDataTooLarge,
        rw,
    );
    // RO is checked before RW, and both before the code (E12).
    assert_error(&sections(&[&[0x02, 0x01, 0xaa], &[0x03, 0x01, 0xaa], END]), ParseError::RoDataTooLarge, ro);
    assert_error(&sections(&[&[0x03, 0x01, 0xaa], END]), ParseError::RwDataTooLarge, rw);
    // Equality is fine.
    let blob =
        parse(&sections(&[&[0x01, 0x03, 0x02, 0x01, 0x00], &[0x02, 0x02, 0xaa, 0xbb], &[0x03, 0x01, 0xcc], S6, END]))
            .unwrap();
    assert_eq!((blob.ro_data(), blob.rw_data()), (&[0xaa, 0xbb][..], &[0xcc][..]));
    // Unexpected sections are reported before the data checks.
    assert_error(
        &sections(&[&[0x02, 0x01, 0xaa], S6, S7, END]),
        unexpected(0x15, 7),
        "found unexpected section as offset 0x15: 0x7",
    );
}

#[test]
fn e13_jump_table_section_too_long() {
    // J = 16 Mi + 1 = `e1 01 00 00`.
    assert_error(
        &sections(&[&[0x06, 0x07, 0xe1, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00], END]),
        ParseError::JumpTableSectionTooLong,
        "the jump table section is too long",
    );
    // Reported before Z is even read.
    assert_error(
        &sections(&[&[0x06, 0x04, 0xe1, 0x01, 0x00, 0x00], END]),
        ParseError::JumpTableSectionTooLong,
        "the jump table section is too long",
    );
}

#[test]
fn e14_invalid_entry_size() {
    let message = "invalid jump table entry size";
    for size in [5u8, 6, 0xff] {
        assert_error(
            &sections(&[&[0x06, 0x03, 0x00, size, 0x00], END]),
            ParseError::InvalidJumpTableEntrySize,
            message,
        );
        assert_error(&blob(2, &[0x06, 0x02, 0x00, size, 0x00]), ParseError::InvalidJumpTableEntrySize, message);
    }
    // Q7: the legacy code length is read (and fails) before Z is validated.
    assert_error(
        &sections(&[&[0x06, 0x04, 0x00, 0x05, 0x80, 0x00], END]),
        ParseError::BadVarint { offset: 2 },
        "failed to parse a varint at offset 0x2",
    );
    // ... but Latest64 has no code length, so Z fails first.
    assert_error(&blob(2, &[0x06, 0x04, 0x00, 0x05, 0x80, 0x00, 0x00]), ParseError::InvalidJumpTableEntrySize, message);
}

#[test]
fn unreachable_error_texts() {
    assert_eq!(ParseError::JumpTableTooLong.to_string(), "failed to parse program blob: the jump table is too long");
    assert_eq!(ParseError::ProgramTooLarge.to_string(), "failed to parse program blob: the program blob is too large");
}

#[test]
fn e16_code_section_too_long() {
    let message = "the code section is too long";
    // Legacy: C = 32 Mi + 1 = 0x200_0001 = `e2 01 00 00` (high nibble 2, then the low 3 bytes LE).
    assert_error(
        &sections(&[&[0x06, 0x06, 0x00, 0x00, 0xe2, 0x01, 0x00, 0x00], END]),
        ParseError::CodeSectionTooLong,
        message,
    );
    // Checked after the jump table was read: a short jump table reports unexpected end first.
    assert_error(
        &sections(&[&[0x06, 0x06, 0x01, 0x04, 0xe2, 0x01, 0x00, 0x00], END]),
        ParseError::UnexpectedEnd { offset: 6, need: 4, have: 0 },
        "unexpected end of file at offset 0x6: expected to be able to read at least 4 bytes, found 0 bytes",
    );
    // Extended: the rest of the payload is the code.
    let limit = 32 * 1024 * 1024;
    // Payload = J, Z and 32 Mi + 1 bytes of code = 0x200_0003 bytes.
    let mut section = vec![0x06, 0xe2, 0x03, 0x00, 0x00, 0x00, 0x00];
    section.resize(section.len() + limit + 1, 0);
    section.push(0x00);
    assert_error(&blob(2, &section), ParseError::CodeSectionTooLong, message);
    // Exactly 32 MiB is accepted.
    let mut section = vec![0x06, 0xe2, 0x02, 0x00, 0x00, 0x00, 0x00];
    section.resize(section.len() + limit, 0);
    section.push(0x00);
    assert_eq!(parse(&blob(2, &section)).unwrap().code_len(), limit as u32);
}

#[test]
fn e18_bitmask_length() {
    let message = "the bitmask length doesn't match the code length";
    // C = 9 needs 2 bytes: 1 and 3 are wrong.
    let code = [0x00; 9];
    for bitmask in [&[0x01][..], &[0x01, 0x00, 0x00]] {
        let mut section = vec![0x06, (3 + 9 + bitmask.len()) as u8, 0x00, 0x00, 0x09];
        section.extend_from_slice(&code);
        section.extend_from_slice(bitmask);
        section.push(0x00);
        assert_error(&sections(&[&section]), ParseError::BitmaskLengthMismatch, message);
    }
    // C = 0 with a stray bitmask byte.
    assert_error(&sections(&[&[0x06, 0x04, 0x00, 0x00, 0x00, 0x00], END]), ParseError::BitmaskLengthMismatch, message);
    // C = 1 without a bitmask.
    assert_error(&sections(&[&[0x06, 0x04, 0x00, 0x00, 0x01, 0x00], END]), ParseError::BitmaskLengthMismatch, message);
}

#[test]
fn e19_bitmask_padding() {
    let message = "the bitmask is padded with non-zero bits";
    // C = 1: bits 1..=7 of the only byte are padding.
    for bitmask in [0x02u8, 0x80, 0xff] {
        assert_error(
            &sections(&[&[0x06, 0x05, 0x00, 0x00, 0x01, 0x00, bitmask], END]),
            ParseError::BitmaskPadding,
            message,
        );
    }
    // C = 9: the second byte may only use bit 0.
    let mut section = vec![0x06, 0x0e, 0x00, 0x00, 0x09];
    section.extend_from_slice(&[0x00; 9]);
    section.extend_from_slice(&[0xff, 0x03, 0x00]);
    assert_error(&sections(&[&section]), ParseError::BitmaskPadding, message);
    // C = 8: no padding bits at all, 0xff is fine.
    let mut section = vec![0x06, 0x0c, 0x00, 0x00, 0x08];
    section.extend_from_slice(&[0x00; 8]);
    section.extend_from_slice(&[0xff, 0x00]);
    assert_eq!(parse(&sections(&[&section])).unwrap().bitmask(), [0xff]);
}

#[test]
fn check_order_within_the_code_section() {
    // E14 before E18: Z = 7 and a bad bitmask.
    assert_error(
        &sections(&[&[0x06, 0x05, 0x00, 0x07, 0x01, 0x00, 0xff], END]),
        ParseError::InvalidJumpTableEntrySize,
        "invalid jump table entry size",
    );
    // E18 before E19.
    assert_error(
        &sections(&[&[0x06, 0x06, 0x00, 0x00, 0x01, 0x00, 0xff, 0xff], END]),
        ParseError::BitmaskLengthMismatch,
        "the bitmask length doesn't match the code length",
    );
}

// --- §9.2 accepted edge cases and the jump table ---------------------------------------------

#[test]
fn accepted_edge_cases() {
    // Zero-length code: legacy `00 00 00`, extended `00 00`.
    let legacy = parse(&sections(&[&[0x06, 0x03, 0x00, 0x00, 0x00], END])).unwrap();
    assert_eq!((legacy.code_len(), legacy.bitmask().len(), legacy.jump_table().len()), (0, 0, 0));
    let extended = parse(&blob(2, &[0x06, 0x02, 0x00, 0x00, 0x00])).unwrap();
    assert_eq!((extended.code_len(), extended.jump_table().len()), (0, 0));
    // A bitmask with no bits set.
    let blob_none = parse(&sections(&[&[0x06, 0x05, 0x00, 0x00, 0x01, 0x00, 0x00], END])).unwrap();
    assert_eq!(blob_none.bitmask(), [0x00]);
    // J > 0 with Z = 0: no bytes and no usable entries.
    let zero_size = parse(&sections(&[&[0x06, 0x03, 0x05, 0x00, 0x00], END])).unwrap();
    let table = zero_size.jump_table();
    assert_eq!((table.len(), table.declared_count(), table.entry_size(), table.get(0)), (0, 5, 0, None));
    assert!(table.is_empty());
    // J = 16 Mi with Z = 0.
    let max = parse(&sections(&[&[0x06, 0x06, 0xe1, 0x00, 0x00, 0x00, 0x00, 0x00], END])).unwrap();
    assert_eq!((max.jump_table().len(), max.jump_table().declared_count()), (0, 16 * 1024 * 1024));
    // Extended with Z = 0 and J > 0: the code is the rest.
    let extended = parse(&blob(2, &[0x06, 0x03, 0x07, 0x00, 0x00, 0x00])).unwrap();
    assert_eq!((extended.jump_table().len(), extended.code()), (0, &[0x00][..]));
}

#[test]
fn jump_table_entry_sizes() {
    // Z = 1..=4: entries are little endian, zero-extended.
    for (size, entries) in [
        (1u8, vec![0x00u32, 0x7f, 0xff]),
        (2, vec![0x0100, 0xfffe, 0x0000]),
        (3, vec![0x01_0000, 0xab_cdef, 0x00_0001]),
        (4, vec![0x0100_0000, 0xffff_ffff, 0x1234_5678]),
    ] {
        let mut payload = vec![entries.len() as u8, size, 0x00];
        for entry in &entries {
            payload.extend_from_slice(&entry.to_le_bytes()[..size as usize]);
        }
        let mut section = vec![0x06, payload.len() as u8];
        section.extend_from_slice(&payload);
        section.push(0x00);
        let blob = parse(&sections(&[&section])).unwrap();
        let table = blob.jump_table();
        assert_eq!(table.iter().collect::<Vec<_>>(), entries, "Z = {size}");
        assert_eq!(table.len(), 3);
        assert_eq!(table.get(3), None);
        assert_eq!(table.get(u32::MAX), None);
        assert_eq!(blob.entry_size(), size);
    }
}

// --- §7 imports and §8 exports ---------------------------------------------------------------

#[test]
fn invalid_imports_example() {
    // count 3, offsets [0, 5, 2], symbols "abc" -> [invalid, invalid, "c"].
    let mut section = vec![0x04, 0x10, 0x03];
    for offset in [0u32, 5, 2] {
        section.extend_from_slice(&offset.to_le_bytes());
    }
    section.extend_from_slice(b"abc");
    let blob = parse(&sections(&[&section, S6, END])).unwrap();
    let imports = blob.imports();
    assert_eq!(imports.len(), 3);
    assert_eq!(imports.iter().collect::<Vec<_>>(), [None, None, Some(&b"c"[..])]);
    assert_eq!((imports.get(0), imports.get(1), imports.get(2), imports.get(3)), (None, None, Some(&b"c"[..]), None));
    assert_eq!(imports.symbols(), b"abc");
}

#[test]
fn imports_are_running_sums() {
    let mut section = vec![0x04, 0x14, 0x03];
    for offset in [0u32, 3, 3] {
        section.extend_from_slice(&offset.to_le_bytes());
    }
    section.extend_from_slice(b"fooquux");
    let blob = parse(&sections(&[&section, S6, END])).unwrap();
    let names: Vec<_> = blob.imports().iter().collect();
    assert_eq!(names, [Some(&b"foo"[..]), Some(&b""[..]), Some(&b"quux"[..])]);
}

#[test]
fn exports_truncation() {
    // count 3: ("a" -> 1), ("\xff" -> 0x80), then a truncated name: two exports.
    let payload = [0x03, 0x01, 0x01, b'a', 0x80, 0x80, 0x01, 0xff, 0x02, 0x05, b'x'];
    let mut section = vec![0x05, payload.len() as u8];
    section.extend_from_slice(&payload);
    let blob = parse(&sections(&[&section, S6, END])).unwrap();
    let exports: Vec<_> = blob.exports().collect();
    assert_eq!(exports, [Export { pc: 1, name: b"a" }, Export { pc: 0x80, name: b"\xff" }]);

    // A bad varint in the second entry's pc.
    let payload = [0x02, 0x00, 0x01, b'a', 0x80, 0x00, 0x00];
    let mut section = vec![0x05, payload.len() as u8];
    section.extend_from_slice(&payload);
    let blob = parse(&sections(&[&section, S6, END])).unwrap();
    assert_eq!(blob.exports().collect::<Vec<_>>(), [Export { pc: 0, name: b"a" }]);

    // A malformed count: no exports. Trailing bytes after the last entry are ignored.
    for (payload, expected) in [(&[0xc0, 0x00][..], 0), (&[0x01, 0x00, 0x00, 0xde, 0xad], 1), (&[0x00, 0x01, 0x02], 0)]
    {
        let mut section = vec![0x05, payload.len() as u8];
        section.extend_from_slice(payload);
        let blob = parse(&sections(&[&section, S6, END])).unwrap();
        assert_eq!(blob.exports().count(), expected, "{payload:02x?}");
    }

    // pc is not validated and duplicate names are allowed.
    let payload = [0x02, 0xf0, 0xff, 0xff, 0xff, 0xff, 0x01, b'a', 0x00, 0x01, b'a'];
    let mut section = vec![0x05, payload.len() as u8];
    section.extend_from_slice(&payload);
    let blob = parse(&sections(&[&section, S6, END])).unwrap();
    assert_eq!(blob.exports().collect::<Vec<_>>(), [Export { pc: u32::MAX, name: b"a" }, Export { pc: 0, name: b"a" }]);
}

// --- raw JAM code blobs ----------------------------------------------------------------------

#[test]
fn raw_jam_code() {
    // J = 1, Z = 1, C = 3, jump table [2], code `00 01 00`, bitmask `05`.
    let bytes = [0x01, 0x01, 0x03, 0x02, 0x00, 0x01, 0x00, 0x05];
    let blob = ProgramBlob::from_raw_jam_code(InstructionSetKind::ReviveV1, bytes[..].into()).unwrap();
    assert_eq!(blob.kind(), BlobKind::RawJamCode);
    assert_eq!(blob.isa(), InstructionSetKind::ReviveV1);
    assert_eq!(blob.jump_table().iter().collect::<Vec<_>>(), [2]);
    assert_eq!((blob.code(), blob.bitmask()), (&[0x00, 0x01, 0x00][..], &[0x05][..]));
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (0, 0, 0));
    assert!(blob.ro_data().is_empty() && blob.rw_data().is_empty());
    assert_eq!((blob.imports().len(), blob.exports().count()), (0, 0));
    assert_eq!(blob.as_bytes(), bytes);
    assert_eq!(blob.code_and_jump_table(), bytes);
    for isa in [InstructionSetKind::JamV1, InstructionSetKind::Latest32] {
        assert_eq!(ProgramBlob::from_raw_jam_code(isa, bytes[..].into()).unwrap().isa(), isa);
    }

    let error = ProgramBlob::from_raw_jam_code(InstructionSetKind::Latest64, bytes[..].into()).unwrap_err();
    assert_eq!(error, ParseError::RawJamCodeNeedsLegacyIsa(InstructionSetKind::Latest64));

    let raw = |bytes: &[u8]| ProgramBlob::from_raw_jam_code(InstructionSetKind::ReviveV1, bytes.into()).unwrap_err();
    assert_eq!(raw(&[]), ParseError::NoCode);
    assert_eq!(raw(&[0x00]), ParseError::UnexpectedEnd { offset: 1, need: 1, have: 0 });
    assert_eq!(raw(&[0x00, 0x00]), ParseError::UnexpectedEnd { offset: 2, need: 1, have: 0 });
    assert_eq!(raw(&[0x00, 0x00, 0xc0, 0x00]), ParseError::BadVarint { offset: 2 });
    assert_eq!(raw(&[0x00, 0x05, 0x00]), ParseError::InvalidJumpTableEntrySize);
    assert_eq!(raw(&[0x02, 0x01, 0x00, 0x00]), ParseError::UnexpectedEnd { offset: 3, need: 2, have: 1 });
    assert_eq!(raw(&[0x00, 0x00, 0x01, 0x00]), ParseError::BitmaskLengthMismatch);
    assert_eq!(raw(&[0x00, 0x00, 0x01, 0x00, 0x03]), ParseError::BitmaskPadding);
    assert_eq!(raw(&[0xe1, 0x01, 0x00, 0x00]), ParseError::JumpTableSectionTooLong);
    assert_eq!(raw(&[0x00, 0x00, 0xe2, 0x01, 0x00, 0x00]), ParseError::CodeSectionTooLong);
}

#[test]
fn parts_write_the_annotated_example() {
    use kestrel_program::blob::ProgramParts;
    let mut parts = ProgramParts::new(InstructionSetKind::JamV1);
    (parts.ro_data_size, parts.rw_data_size, parts.stack_size) = (16, 4, 4096);
    parts.ro_data = b"hi".to_vec();
    parts.rw_data = vec![1, 2];
    parts.imports = vec![b"hello".to_vec()];
    parts.exports = vec![(0, b"main".to_vec())];
    parts.jump_table = vec![8];
    parts.code = vec![0x33, 0x07, 0x00, 0x00, 0x01, 0x0a, 0x32, 0x00, 0x00];
    parts.bitmask = vec![0x61, 0x01];
    assert_eq!(parts.to_container().unwrap(), EXAMPLE_JAM_V1);
    assert_eq!(ProgramBlob::from_parts(&parts).unwrap().as_bytes(), EXAMPLE_JAM_V1);

    parts.isa = InstructionSetKind::Latest64;
    parts.jump_table = vec![9];
    parts.code = vec![0x07, 0x07, 0x00, 0x00, 0x01, 0xdd, 0x00, 0x03, 0x00, 0x00];
    assert_eq!(parts.to_container().unwrap(), example_latest64());
}
