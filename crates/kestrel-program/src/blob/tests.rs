use alloc::vec;
use alloc::vec::Vec;

use super::*;

#[test]
fn parts_round_trip() {
    let mut parts = ProgramParts::new(InstructionSetKind::JamV1);
    parts.ro_data_size = 16;
    parts.ro_data = b"hi".to_vec();
    parts.rw_data_size = 4;
    parts.rw_data = vec![1, 2];
    parts.stack_size = 4096;
    parts.imports = vec![b"hello".to_vec()];
    parts.exports = vec![(0, b"main".to_vec())];
    parts.jump_table = vec![8];
    parts.code = vec![0x33, 0x07, 0x00, 0x00, 0x01, 0x0a, 0x32, 0x00, 0x00];
    parts.bitmask = vec![0x61, 0x01];
    // These parts are the annotated example of blob-format.md §14, byte for byte.
    let blob = ProgramBlob::from_parts(&parts).unwrap();
    assert_eq!(blob.as_bytes().len(), 66);
    assert_eq!(blob.as_bytes()[0x30..0x32], [0x06, 0x0f]);
    assert_eq!(blob.jump_table().iter().collect::<Vec<_>>(), [8]);

    // All-zero entries survive (Z is at least 1).
    parts.jump_table = vec![0, 0];
    let blob = ProgramBlob::from_parts(&parts).unwrap();
    assert_eq!((blob.entry_size(), blob.jump_table().iter().collect::<Vec<_>>()), (1, vec![0, 0]));
    parts.jump_table = vec![0x1_0000, 3];
    let blob = ProgramBlob::from_parts(&parts).unwrap();
    assert_eq!((blob.entry_size(), blob.jump_table().iter().collect::<Vec<_>>()), (3, vec![0x1_0000, 3]));

    parts.bitmask = vec![0x61];
    assert_eq!(ProgramBlob::from_parts(&parts).unwrap_err(), ParseError::BitmaskLengthMismatch);
    parts.ro_data_size = 1;
    assert_eq!(ProgramBlob::from_parts(&parts).unwrap_err(), ParseError::RoDataTooLarge);
    parts.imports = vec![Vec::new(); 1025];
    assert_eq!(ProgramBlob::from_parts(&parts).unwrap_err(), ParseError::TooManyImports);
}

#[test]
fn latest64_parts_ignore_the_bitmask() {
    let mut parts = ProgramParts::new(InstructionSetKind::Latest64);
    parts.code = vec![0x00];
    parts.bitmask = vec![0xff, 0xff];
    let blob = ProgramBlob::from_parts(&parts).unwrap();
    assert_eq!((blob.code(), blob.bitmask()), (&[0x00][..], &[][..]));
}

#[test]
fn debug_strings_by_offset() {
    let mut bytes = b"PVM\0\x00\0\0\0\0\0\0\0\0".to_vec();
    bytes.extend_from_slice(&[0x06, 0x03, 0x00, 0x00, 0x00]);
    bytes.extend_from_slice(&[0x80, 0x07, 0x00, 0x02, b'o', b'k', 0x01, 0xff, 0x05]);
    bytes.push(0x00);
    let length = bytes.len() as u64;
    bytes[5..13].copy_from_slice(&length.to_le_bytes());
    let blob = ProgramBlob::parse(bytes.into()).unwrap();
    assert_eq!(blob.debug_strings().len(), 7);
    assert_eq!(blob.debug_string(0), Ok(""));
    assert_eq!(blob.debug_string(1), Ok("ok"));
    assert_eq!(blob.debug_string(4), Err(ParseError::InvalidDebugString { offset: 4 }));
    assert_eq!(
        blob.debug_string(4).unwrap_err().to_string(),
        "failed to parse program blob: failed to parse a string at offset 0x4 (not valid UTF-8)"
    );
    assert_eq!(blob.debug_string(6), Err(ParseError::UnexpectedEnd { offset: 7, need: 5, have: 0 }));
    assert_eq!(blob.debug_string(7), Err(ParseError::UnexpectedEnd { offset: 7, need: 1, have: 0 }));
    assert_eq!(blob.debug_string(100), Err(ParseError::UnexpectedEnd { offset: 100, need: 1, have: 0 }));
}

#[test]
fn clones_share_the_unique_id_and_parses_do_not() {
    let parts = {
        let mut parts = ProgramParts::new(InstructionSetKind::ReviveV1);
        parts.code = vec![0];
        parts.bitmask = vec![1];
        parts
    };
    let first = ProgramBlob::from_parts(&parts).unwrap();
    let second = ProgramBlob::from_parts(&parts).unwrap();
    assert_eq!(first.clone().unique_id(), first.unique_id());
    assert_ne!(first.unique_id(), second.unique_id());
}

#[test]
fn blobs_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ProgramBlob>();
    assert_send_sync::<ParseError>();
}

#[test]
fn memory_map_builder_takes_the_blob_sizes() {
    let mut parts = ProgramParts::new(InstructionSetKind::Latest64);
    parts.ro_data_size = 0x1001;
    parts.rw_data_size = 0x20;
    parts.stack_size = 0x3000;
    let blob = ProgramBlob::from_parts(&parts).unwrap();
    let map = blob.memory_map_builder(0x1000).aux_data_size(0x10).build().unwrap();
    let expected = MemoryMapBuilder::new(0x1000)
        .ro_data_size(0x1001)
        .rw_data_size(0x20)
        .stack_size(0x3000)
        .aux_data_size(0x10)
        .build()
        .unwrap();
    assert_eq!(map, expected);
    assert_eq!((map.ro_data_size(), map.stack_size()), (0x2000, 0x3000));
}
