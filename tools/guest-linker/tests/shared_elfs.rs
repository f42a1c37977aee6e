//! The 64-bit ELFs of the shared test data, linked here into Latest64 blobs (never committed):
//! DOOM runs frames on Kestrel and polkavm 0.37 in lockstep; the revive contract parses and
//! disassembles.
#![allow(clippy::print_stderr, reason = "tests say when shared test data is missing")]

use kestrel::program::{InstructionFormat, ProgramBlob};
use kestrel::{InstructionSetKind, Module, ModuleConfig};
use kestrel_test_support::doom::{FRAME_SIZE, Lockstep, load_wad};
use kestrel_test_support::{engine, testdata};

/// Ticks compared by default: the title screen is static until about tick 340, then the demo plays.
const DEFAULT_TICKS: usize = 400;

fn link(name: &str) -> Option<Vec<u8>> {
    let elf = std::fs::read(testdata(&format!("blobs/{name}"))?).unwrap();
    Some(kestrel_guest_linker::link_elf(&elf).unwrap_or_else(|error| panic!("{name}: {error}")))
}

#[test]
fn revive_contract_parses_and_disassembles() {
    let Some(bytes) = link("revive-transfer-example.elf.zst") else { return };
    let blob = ProgramBlob::parse(bytes.clone().into()).expect("linked contract parses");
    assert_eq!(blob.isa(), InstructionSetKind::Latest64);
    let mut exports: Vec<_> = blob.exports().map(|export| String::from_utf8_lossy(export.name).into_owned()).collect();
    exports.sort();
    assert_eq!(exports, ["call", "deploy"]);
    let imports: Vec<_> =
        blob.imports().iter().map(|name| String::from_utf8_lossy(name.unwrap_or_default()).into_owned()).collect();
    // shared/testdata/blobs/README.md says 7 imports; polkavm-linker 0.37 gives 12 with every
    // combination of strip/optimize, and polkavm 0.37's parser reads the same 12.
    assert_eq!(
        imports,
        [
            "call_data_copy",
            "call_data_load",
            "call_data_size",
            "call_evm",
            "consume_all_gas",
            "get_storage_or_zero",
            "return_data_copy",
            "return_data_size",
            "seal_return",
            "set_immutable_data",
            "set_storage_or_clear",
            "value_transferred",
        ]
    );
    let theirs = polkavm::ProgramBlob::parse(bytes.clone().into()).expect("polkavm parses it too");
    let their_imports: Vec<_> = theirs.imports().iter().map(|name| name.unwrap().as_bytes().to_vec()).collect();
    let our_imports: Vec<_> = blob.imports().iter().map(|name| name.unwrap().to_vec()).collect();
    assert_eq!(our_imports, their_imports);
    let their_exports: Vec<_> =
        theirs.exports().map(|export| (export.symbol().as_bytes().to_vec(), export.program_counter().0)).collect();
    let our_exports: Vec<_> = blob.exports().map(|export| (export.name.to_vec(), export.pc)).collect();
    assert_eq!(our_exports, their_exports);

    let listing = kestrel::program::disasm::blob_listing(&blob, &InstructionFormat::for_isa(blob.isa()), false);
    assert!(listing.contains("ecalli"), "the contract calls the host");
    assert!(!listing.contains("invalid"), "every instruction decodes");
    assert!(listing.lines().count() > 100);

    let module = Module::new(&engine(), &ModuleConfig::new(), bytes.into()).expect("the contract compiles");
    assert!(module.is_64_bit());
}

#[test]
fn doom64_frames_match_polkavm() {
    let Some(blob) = link("doom_64.elf.zst") else { return };
    let parsed = ProgramBlob::parse(blob.clone().into()).unwrap();
    // The facts of shared/testdata/blobs/README.md.
    assert_eq!(parsed.isa(), InstructionSetKind::Latest64);
    assert_eq!(parsed.ro_data_size(), 391_032);
    assert_eq!(parsed.rw_data_size(), 17_139_712);
    assert_eq!(parsed.stack_size(), 8192);
    assert_eq!(parsed.code().len(), 535_872);
    assert_eq!(parsed.jump_table().len(), 9978);
    let mut imports: Vec<_> =
        parsed.imports().iter().map(|name| String::from_utf8_lossy(name.unwrap_or_default()).into_owned()).collect();
    imports.sort();
    assert_eq!(imports, ["ext_output_audio", "ext_output_video", "ext_rom_read", "ext_rom_size", "ext_stdout"]);

    let Some(rom) = load_wad() else { return };
    let ticks: usize = std::env::var("KESTREL_DOOM64_TICKS").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_TICKS);
    let mut doom = Lockstep::new(&engine(), &blob, rom, None);
    doom.run(ticks);
    eprintln!("doom64: {ticks} ticks, {} frames identical to polkavm's ({} distinct)", doom.frames, doom.distinct);
    assert_eq!(doom.our_host.frame_size, FRAME_SIZE);
    assert!(ticks < 350 || doom.distinct > 2, "the demo started and frames changed");
}
