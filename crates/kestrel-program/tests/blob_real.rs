//! Real programs: the `.polkavm` files of `../shared/testdata/blobs` (facts from its README) and
//! the 307 raw JAM code blobs of the JAM PVM test vectors.

mod support;

use kestrel_program::blob::{Export, ProgramBlob};
use kestrel_program::{InstructionSetKind, ParseError};
use support::testdata;

fn read_blob(name: &str) -> Option<ProgramBlob> {
    let bytes = testdata::blob_bytes(name)?;
    let blob = ProgramBlob::parse(bytes.clone().into()).unwrap_or_else(|error| panic!("{name}: {error}"));
    assert_eq!(ProgramBlob::blob_length(&bytes), Some(bytes.len() as u64));
    Some(blob)
}

fn names(blob: &ProgramBlob) -> (Vec<String>, Vec<String>) {
    let exports = blob.exports().map(|export| String::from_utf8(export.name.to_vec()).unwrap()).collect();
    let imports = blob.imports().iter().map(|import| String::from_utf8(import.unwrap().to_vec()).unwrap()).collect();
    (exports, imports)
}

/// Every export points into the code and every jump-table entry is a code offset.
fn check_consistency(blob: &ProgramBlob) {
    let code_len = blob.code_len();
    assert!(blob.exports().all(|Export { pc, .. }| pc < code_len));
    assert!(blob.jump_table().iter().all(|target| target < code_len));
    assert_eq!(blob.jump_table().iter().count(), blob.jump_table().len() as usize);
    assert!(blob.ro_data().len() <= blob.ro_data_size() as usize);
    assert!(blob.rw_data().len() <= blob.rw_data_size() as usize);
    if !blob.isa().is_extended() {
        assert_eq!(blob.bitmask().len(), blob.code().len().div_ceil(8));
    }
}

#[test]
fn hello_world() {
    let Some(blob) = read_blob("example-hello-world.polkavm") else { return };
    assert_eq!(blob.isa(), InstructionSetKind::Latest32);
    assert_eq!(blob.code_len(), 25);
    assert_eq!(blob.stack_size(), 8192);
    let (exports, imports) = names(&blob);
    assert_eq!(exports, ["add_numbers"]);
    assert_eq!(imports, ["get_third_number"]);
    check_consistency(&blob);
}

#[test]
fn doom() {
    let Some(blob) = read_blob("doom.polkavm") else { return };
    assert_eq!(blob.isa(), InstructionSetKind::Latest32);
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (387468, 17091900, 8192));
    assert_eq!(blob.code_len(), 541450);
    assert_eq!(blob.jump_table().len(), 10002);
    let (exports, imports) = names(&blob);
    assert_eq!(exports, ["ext_initialize", "ext_on_keychange", "ext_tick"]);
    // The README lists these host functions for the 64-bit build of the same engine.
    assert_eq!(imports, ["ext_output_audio", "ext_output_video", "ext_rom_read", "ext_rom_size", "ext_stdout"]);
    check_consistency(&blob);
}

#[test]
fn quake() {
    let Some(blob) = read_blob("quake.polkavm") else { return };
    assert_eq!(blob.isa(), InstructionSetKind::ReviveV1);
    assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (57304, 5621064, 524288));
    assert_eq!(blob.code_len(), 307512);
    assert_eq!(blob.jump_table().len(), 9076);
    let (exports, imports) = names(&blob);
    assert_eq!(exports, ["_pvm_start"]);
    // The README names `pvm_syscall`; the blob imports five more host functions after it
    // (confirmed with an independent reading of the section bytes).
    assert_eq!(
        imports,
        ["pvm_syscall", "pvm_set_palette", "pvm_display", "pvm_fetch_inputs", "pvm_init_audio", "pvm_output_audio"]
    );
    check_consistency(&blob);
}

#[test]
fn every_polkavm_file_parses() {
    let Some(paths) = testdata::files("blobs", "polkavm") else { return };
    let mut count = 0;
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let blob = ProgramBlob::parse(bytes.into()).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        check_consistency(&blob);
        count += 1;
    }
    assert!(count >= 3, "expected at least the three documented blobs, found {count}");
}

/// The `program` field and two facts to check it against, from one JAM vector.
struct Vector {
    name: String,
    program: Vec<u8>,
    initial_pc: u64,
    expected_pc: u64,
}

fn jam_vectors() -> Option<Vec<Vector>> {
    let mut vectors: Vec<Vector> = testdata::jam_vectors()?
        .into_iter()
        .map(|(_, json)| Vector {
            name: json["name"].as_str().unwrap().to_owned(),
            program: testdata::jam_program(&json),
            initial_pc: json["initial-pc"].as_u64().unwrap(),
            expected_pc: json["expected-pc"].as_u64().unwrap(),
        })
        .collect();
    vectors.sort_by(|a, b| a.name.cmp(&b.name));
    Some(vectors)
}

#[test]
fn all_jam_vector_programs_parse_as_raw_code() {
    let Some(vectors) = jam_vectors() else { return };
    assert_eq!(vectors.len(), 307);
    let mut with_jump_table = 0;
    for vector in &vectors {
        let blob = ProgramBlob::from_raw_jam_code(InstructionSetKind::ReviveV1, vector.program.clone().into())
            .unwrap_or_else(|error| panic!("{}: {error}", vector.name));
        let code_len = u64::from(blob.code_len());
        assert!(code_len > 0, "{}", vector.name);
        // Execution starts inside the code and ends at most at the implicit trap at its end.
        assert!(vector.initial_pc < code_len, "{}", vector.name);
        assert!(vector.expected_pc <= code_len, "{}", vector.name);
        assert!(blob.jump_table().iter().all(|target| u64::from(target) < code_len), "{}", vector.name);
        assert_eq!(blob.bitmask().len(), blob.code().len().div_ceil(8));
        // An instruction starts at every initial pc.
        let bit = blob.bitmask()[vector.initial_pc as usize / 8] >> (vector.initial_pc % 8) & 1;
        assert_eq!(bit, 1, "{}", vector.name);
        assert_eq!(blob.as_bytes(), vector.program);
        assert_eq!((blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()), (0, 0, 0));
        with_jump_table += usize::from(!blob.jump_table().is_empty());

        // The layout is the same for every legacy set; Latest64 is refused.
        for isa in [InstructionSetKind::JamV1, InstructionSetKind::Latest32] {
            let other = ProgramBlob::from_raw_jam_code(isa, vector.program.clone().into()).unwrap();
            assert_eq!((other.code(), other.bitmask()), (blob.code(), blob.bitmask()));
        }
        assert_eq!(
            ProgramBlob::from_raw_jam_code(InstructionSetKind::Latest64, vector.program.clone().into()).unwrap_err(),
            ParseError::RawJamCodeNeedsLegacyIsa(InstructionSetKind::Latest64)
        );
    }
    assert!(with_jump_table > 0, "some vectors exercise dynamic jumps");
}

#[test]
fn a_known_jam_vector_in_detail() {
    let Some(vectors) = jam_vectors() else { return };
    let vector = vectors.iter().find(|vector| vector.name == "inst_add_32").unwrap();
    // J = 0, Z = 0, C = 3, code `be 87 09`, bitmask `01`.
    assert_eq!(vector.program, [0x00, 0x00, 0x03, 0xbe, 0x87, 0x09, 0x01]);
    let blob = ProgramBlob::from_raw_jam_code(InstructionSetKind::ReviveV1, vector.program.clone().into()).unwrap();
    assert_eq!((blob.code(), blob.bitmask(), blob.jump_table().len()), (&[0xbe, 0x87, 0x09][..], &[0x01][..], 0));
    assert_eq!(vector.expected_pc, 3);
}

#[test]
fn real_blobs_survive_a_round_trip_through_parts() {
    use kestrel_program::blob::ProgramParts;
    for name in ["example-hello-world.polkavm", "quake.polkavm", "doom.polkavm"] {
        let Some(blob) = read_blob(name) else { continue };
        let mut parts = ProgramParts::new(blob.isa());
        parts.ro_data_size = blob.ro_data_size();
        parts.rw_data_size = blob.rw_data_size();
        parts.stack_size = blob.stack_size();
        parts.ro_data = blob.ro_data().to_vec();
        parts.rw_data = blob.rw_data().to_vec();
        parts.imports = blob.imports().iter().map(|import| import.unwrap().to_vec()).collect();
        parts.exports = blob.exports().map(|export| (export.pc, export.name.to_vec())).collect();
        parts.jump_table = blob.jump_table().iter().collect();
        parts.code = blob.code().to_vec();
        parts.bitmask = blob.bitmask().to_vec();
        let rebuilt = ProgramBlob::from_parts(&parts).unwrap();
        assert_eq!(rebuilt.isa(), blob.isa());
        assert_eq!(
            (rebuilt.ro_data_size(), rebuilt.rw_data_size(), rebuilt.stack_size()),
            (blob.ro_data_size(), blob.rw_data_size(), blob.stack_size())
        );
        assert_eq!((rebuilt.ro_data(), rebuilt.rw_data()), (blob.ro_data(), blob.rw_data()));
        assert_eq!((rebuilt.code(), rebuilt.bitmask()), (blob.code(), blob.bitmask()));
        assert!(rebuilt.jump_table().iter().eq(blob.jump_table().iter()));
        assert!(rebuilt.imports().iter().eq(blob.imports().iter()));
        assert!(rebuilt.exports().eq(blob.exports()));
        // The writer uses minimal entry sizes and skips empty sections, like PolkaVM's.
        assert_eq!(rebuilt.entry_size(), blob.entry_size(), "{name}");
        // Written like PolkaVM's builder, the blob is byte-identical up to the end of section 6;
        // only the debug sections (which the parts do not carry) are missing.
        let (rebuilt, original) = (rebuilt.as_bytes(), blob.as_bytes());
        let sections = &rebuilt[13..rebuilt.len() - 1];
        assert_eq!(sections, &original[13..13 + sections.len()], "{name}");
        if blob.debug_strings().is_empty() && blob.debug_line_programs().is_empty() {
            assert_eq!(rebuilt, original, "{name}");
        }
    }
}
