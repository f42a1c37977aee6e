//! Arbitrary bytes through every reader of untrusted bytes: the container parser, the raw JAM code
//! reader (each instruction set) and the cost-model reader. Every blob that parses goes through
//! every accessor, the decoder's consistency checks, the listings and the disassemble → assemble
//! round trip. Run with `cargo xtask fuzz parse_blob` (or `cargo +nightly fuzz run parse_blob`).

#![no_main]

use kestrel_program::InstructionSetKind;
use kestrel_program::blob::{BlobKind, ProgramBlob};
use kestrel_program::cost::CostModel;
use libfuzzer_sys::fuzz_target;

/// Touches every accessor and checks the invariants a successful parse promises.
fn walk(blob: &ProgramBlob) {
    let bytes = blob.as_bytes();
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
        assert!(part.len() <= bytes.len());
    }
    assert!(blob.ro_data().len() <= blob.ro_data_size() as usize);
    assert!(blob.rw_data().len() <= blob.rw_data_size() as usize);
    assert_eq!(blob.code().len(), blob.code_len() as usize);
    assert!(blob.code_len() <= 32 * 1024 * 1024);
    if blob.isa().is_extended() {
        assert!(blob.bitmask().is_empty());
    } else {
        assert_eq!(blob.bitmask().len(), blob.code().len().div_ceil(8));
    }
    assert_eq!(&*blob.code_bytes(), blob.code());
    assert_eq!(&*blob.ro_data_bytes(), blob.ro_data());
    assert_eq!(&*blob.rw_data_bytes(), blob.rw_data());

    let table = blob.jump_table();
    assert!(table.entry_size() <= 4);
    assert_eq!(table.iter().count(), table.len() as usize);
    assert_eq!(table.get(table.len()), None);
    for (index, entry) in (0..).zip(table.iter()) {
        assert_eq!(table.get(index), Some(entry));
    }

    let imports = blob.imports();
    assert!(imports.len() <= 1024);
    assert_eq!(imports.iter().count(), imports.len() as usize);
    for (index, import) in (0..).zip(imports.iter()) {
        assert_eq!(imports.get(index), import);
    }
    assert_eq!(imports.get(imports.len()), None);

    let exports = blob.exports().count();
    assert!(exports <= blob.exports_payload().len());

    for offset in [0, 1, 2, 3, u32::MAX] {
        let _ = blob.debug_string(offset);
    }
    let _ = blob.clone().unique_id();

    let items = kestrel_fuzz::check_code(blob.code_view());
    kestrel_fuzz::check_listings(blob, &items);
    kestrel_fuzz::check_round_trip(blob, &items);
}

fuzz_target!(|data: &[u8]| {
    let _ = ProgramBlob::blob_length(data);
    match ProgramBlob::parse(data.into()) {
        Ok(blob) => {
            assert_eq!(blob.kind(), BlobKind::Container);
            assert_eq!(ProgramBlob::blob_length(data), Some(data.len() as u64));
            walk(&blob);
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
    for isa in InstructionSetKind::ALL {
        match ProgramBlob::from_raw_jam_code(isa, data.into()) {
            Ok(blob) => {
                assert_eq!(blob.kind(), BlobKind::RawJamCode);
                assert!(!isa.is_extended());
                walk(&blob);
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
    if let Ok(model) = CostModel::deserialize(data) {
        assert_eq!(model.serialize(), data);
    }
});
