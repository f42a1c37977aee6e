//! Disassembly of decoded code: the spec's example programs in legacy and Latest64 encodings, and
//! the real blobs of the test data.

mod support;

use kestrel_program::decode::Code;
use kestrel_program::disasm::{
    AssemblySource, InstructionFormat, ListingOptions, blob_listing, blob_to_assembly, disassemble, listing,
    to_assembly,
};
use kestrel_program::{ArcBytes, InstructionSetKind, ProgramBlob};
use support::spec::{EXAMPLE_14_JAM_V1, SUM_LATEST64_CODE, SUM_LISTING, example_14_latest64};
use support::testdata;

#[test]
fn spec_example_14_both_encodings() {
    for (bytes, isa, listing_text, trap) in [
        (
            EXAMPLE_14_JAM_V1.to_vec(),
            "jam_v1",
            "      0: a0 = 0x10000\n      5: ecalli 0\n      6: ret\n      8: trap\n",
            8,
        ),
        (
            example_14_latest64(),
            "latest64",
            "      0: a0 = 0x10000\n      5: ecalli 0\n      7: ret\n      9: trap\n",
            9,
        ),
    ] {
        let blob = ProgramBlob::parse(ArcBytes::from(bytes)).expect("the spec's blob parses");
        let items: Vec<_> = blob.code_view().instructions().collect();
        assert_eq!(disassemble(items.iter().copied(), &InstructionFormat::default()), listing_text);
        let expected = format!(
            "%isa = {isa}
%ro_data_size = 16
%rw_data_size = 4
%stack_size = 4096
%ro_data = 6869
%rw_data = 0102
%import = hello
%export = main @_0
%jump_table = @_{trap}

@_0:
    a0 = 0x10000
    ecalli 0
    ret
@_{trap}:
    trap
"
        );
        assert_eq!(to_assembly(&AssemblySource::from_blob(&blob, &items)).unwrap(), expected);
        assert_eq!(blob_to_assembly(&blob).unwrap(), expected);
    }
}

/// `instructions.md` §9.6's program, hand-encoded (§2.3, §8): Latest64 reproduces the spec's
/// listing; JamV1 has the same instructions at the legacy offsets.
#[test]
fn spec_program_9_6_both_encodings() {
    let code = Code::new(InstructionSetKind::Latest64, SUM_LATEST64_CODE, &[]);
    assert_eq!(disassemble(code.instructions(), &InstructionFormat::default()), SUM_LISTING);

    #[rustfmt::skip]
    let jam: &[u8] = &[
        0x33, 0x08, 0x01, 0x51, 0x07, 0x0b, 0xc8, 0x78, 0x08, 0x95, 0x77, 0xff, 0x28, 0xf7, 0x64, 0x87,
        0x32, 0x00, 0x33, 0x09, 0x02, 0x32, 0x09, 0x34, 0x07, 0x00, 0x00, 0x01, 0x0a, 0x01, 0x32, 0x00,
    ];
    // Starts: 0 2 3 6 | 9 12 14 | 16 18 21 23 | 28 30.
    let bitmask = [0x4d, 0x52, 0xa5, 0x50];
    let code = Code::new(InstructionSetKind::JamV1, jam, &bitmask);
    let targets = code.jump_targets();
    let is_jump_target = |offset: u32| targets.contains(offset);
    let exports: &[(u32, &[u8])] = &[(18, b"indirect"), (0, b"sum")];
    let options =
        ListingOptions { exports, is_jump_target: Some(&is_jump_target), code: Some(jam), ..ListingOptions::default() };
    insta::assert_snapshot!(listing(code.instructions(), &options));

    let items: Vec<_> = code.instructions().collect();
    let source = AssemblySource {
        isa: InstructionSetKind::JamV1,
        ro_data_size: 4096,
        rw_data_size: 4096,
        stack_size: 4096,
        ro_data: b"Hello",
        rw_data: &[],
        imports: Vec::new(),
        exports: exports.to_vec(),
        jump_table: vec![23],
        code_len: 32,
        instructions: &items,
    };
    insta::assert_snapshot!(to_assembly(&source).unwrap());
}

#[test]
fn hello_world_blob() {
    let Some(blob) = testdata::blob("example-hello-world.polkavm") else { return };
    assert_eq!(blob.isa(), InstructionSetKind::Latest32);
    let items: Vec<_> = blob.code_view().instructions().collect();
    let text = disassemble(items.iter().copied(), &InstructionFormat::for_isa(blob.isa()));
    insta::assert_snapshot!("hello_world_listing", text);
    insta::assert_snapshot!(
        "hello_world_blob_listing",
        blob_listing(&blob, &InstructionFormat::for_isa(blob.isa()), true)
    );
    insta::assert_snapshot!("hello_world_source", to_assembly(&AssemblySource::from_blob(&blob, &items)).unwrap());
}

/// The large real programs: every item gets a line, and the re-assemblable text exists (every
/// static target, jump-table entry and export can be labelled).
#[test]
fn large_real_blobs() {
    for (name, isa) in [("quake.polkavm", InstructionSetKind::ReviveV1), ("doom.polkavm", InstructionSetKind::Latest32)]
    {
        let Some(blob) = testdata::blob(name) else { continue };
        assert_eq!(blob.isa(), isa);
        let code = blob.code_view();
        let items: Vec<_> = code.instructions().collect();
        let text = disassemble(items.iter().copied(), &InstructionFormat::for_isa(isa));
        assert_eq!(text.lines().count(), items.len(), "{name}");
        assert!(!text.contains("malformed"), "{name}");

        let source =
            to_assembly(&AssemblySource::from_blob(&blob, &items)).unwrap_or_else(|error| panic!("{name}: {error}"));
        let in_code = items.iter().filter(|item| item.offset < blob.code_len()).count();
        let instruction_lines = source.lines().filter(|line| line.starts_with("    ")).count();
        assert_eq!(instruction_lines, in_code, "{name}");
        // Every label names a valid jump target or an export.
        let targets = code.jump_targets();
        for line in source.lines().filter(|line| line.starts_with("@_")) {
            let offset: u32 = line[2..].split(':').next().unwrap().parse().unwrap();
            let exported = blob.exports().any(|export| export.pc == offset);
            assert!(targets.contains(offset) || exported, "{name}: label at {offset}");
        }
        insta::assert_snapshot!(
            format!("{}_listing_head", name.trim_end_matches(".polkavm")),
            text.lines().take(40).collect::<Vec<_>>().join("\n")
        );
    }
}
