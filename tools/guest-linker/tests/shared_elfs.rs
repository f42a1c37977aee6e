//! The 64-bit ELFs of the shared test data, linked here into Latest64 blobs (never committed):
//! DOOM runs frames on Kestrel and polkavm 0.37 in lockstep; the revive contract parses and
//! disassembles.
#![allow(clippy::print_stderr, reason = "tests say when shared test data is missing")]

use std::path::PathBuf;
use std::sync::Arc;

use kestrel::program::{InstructionFormat, ProgramBlob};
use kestrel::{Caller, InstructionSetKind, Linker, Module, ModuleConfig};

const WAD: &str = "/usr/share/games/doom/freedoom1.wad";
/// Ticks compared by default: the title screen is static until about tick 340, then the demo plays.
const DEFAULT_TICKS: usize = 400;

fn testdata(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata/blobs")).join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} not found", path.display());
        None
    }
}

fn link(name: &str) -> Option<Vec<u8>> {
    let elf = std::fs::read(testdata(name)?).unwrap();
    Some(kestrel_guest_linker::link_elf(&elf).unwrap_or_else(|error| panic!("{name}: {error}")))
}

fn engine() -> kestrel::Engine {
    kestrel::Engine::new(&kestrel::Config::from_env().unwrap()).unwrap()
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

#[derive(Default)]
struct Screen {
    rom: Arc<Vec<u8>>,
    frames: Vec<Vec<u8>>,
}

fn rom_slice(rom: &[u8], offset: u32, length: u32) -> Result<&[u8], String> {
    let start = offset as usize;
    rom.get(start..start + length as usize).ok_or_else(|| format!("rom read out of range: {offset}+{length}"))
}

fn kestrel_doom(blob: &[u8]) -> kestrel::Instance<Screen, String> {
    let mut config = ModuleConfig::new();
    config.set_page_size(0x4000);
    let module = Module::new(&engine(), &config, blob.to_vec().into()).expect("doom64 compiles");
    let mut linker: Linker<Screen, String> = Linker::new();
    linker
        .define_typed("ext_rom_size", |caller: Caller<'_, Screen>| -> u32 { caller.user_data.rom.len() as u32 })
        .unwrap();
    linker
        .define_typed(
            "ext_rom_read",
            |caller: Caller<'_, Screen>, dst: u32, offset: u32, length: u32| -> Result<(), String> {
                let data = rom_slice(&caller.user_data.rom, offset, length)?;
                caller.instance.write_memory(dst, data).map_err(|error| error.to_string())
            },
        )
        .unwrap();
    linker
        .define_typed(
            "ext_output_video",
            |caller: Caller<'_, Screen>, ptr: u32, width: u32, height: u32| -> Result<(), String> {
                let frame = caller.instance.read_memory(ptr, width * height * 4).map_err(|error| error.to_string())?;
                caller.user_data.frames.push(frame);
                Ok(())
            },
        )
        .unwrap();
    linker.define_typed("ext_output_audio", |_ptr: u32, _samples: u32| {}).unwrap();
    linker.define_typed("ext_stdout", |_ptr: u32, length: u32| -> i32 { length as i32 }).unwrap();
    linker.instantiate_pre(&module).unwrap().instantiate().unwrap()
}

fn polkavm_doom(blob: &[u8]) -> polkavm::Instance<Screen, String> {
    let mut config = polkavm::Config::new();
    config.set_backend(Some(polkavm::BackendKind::Interpreter));
    let engine = polkavm::Engine::new(&config).unwrap();
    let mut module_config = polkavm::ModuleConfig::new();
    module_config.set_page_size(0x4000);
    let module = polkavm::Module::new(&engine, &module_config, blob.to_vec().into()).unwrap();
    let mut linker: polkavm::Linker<Screen, String> = polkavm::Linker::new();
    linker
        .define_typed("ext_rom_size", |caller: polkavm::Caller<'_, Screen>| -> u32 {
            caller.user_data.rom.len() as u32
        })
        .unwrap();
    linker
        .define_typed(
            "ext_rom_read",
            |caller: polkavm::Caller<'_, Screen>, dst: u32, offset: u32, length: u32| -> Result<(), String> {
                let data = rom_slice(&caller.user_data.rom, offset, length)?;
                caller.instance.write_memory(dst, data).map_err(|error| error.to_string())
            },
        )
        .unwrap();
    linker
        .define_typed(
            "ext_output_video",
            |caller: polkavm::Caller<'_, Screen>, ptr: u32, width: u32, height: u32| -> Result<(), String> {
                let frame = caller.instance.read_memory(ptr, width * height * 4).map_err(|error| error.to_string())?;
                caller.user_data.frames.push(frame);
                Ok(())
            },
        )
        .unwrap();
    linker.define_typed("ext_output_audio", |_ptr: u32, _samples: u32| {}).unwrap();
    linker.define_typed("ext_stdout", |_ptr: u32, length: u32| -> i32 { length as i32 }).unwrap();
    linker.instantiate_pre(&module).unwrap().instantiate().unwrap()
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

    if !std::path::Path::new(WAD).exists() {
        eprintln!("skipped: running doom64 ({WAD} not found; install the `freedoom` package)");
        return;
    }
    let ticks: usize = std::env::var("KESTREL_DOOM64_TICKS").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_TICKS);
    let rom = Arc::new(std::fs::read(WAD).unwrap());
    let mut ours = kestrel_doom(&blob);
    let mut theirs = polkavm_doom(&blob);
    let mut our_screen = Screen { rom: Arc::clone(&rom), ..Screen::default() };
    let mut their_screen = Screen { rom, ..Screen::default() };
    ours.call_typed(&mut our_screen, "ext_initialize", ()).expect("kestrel: ext_initialize");
    theirs.call_typed(&mut their_screen, "ext_initialize", ()).expect("polkavm: ext_initialize");
    let mut frames = 0;
    let mut distinct = 0;
    let mut previous = Vec::new();
    for tick in 1..=ticks {
        ours.call_typed(&mut our_screen, "ext_tick", ())
            .unwrap_or_else(|error| panic!("kestrel: tick {tick}: {error:?}"));
        theirs
            .call_typed(&mut their_screen, "ext_tick", ())
            .unwrap_or_else(|error| panic!("polkavm: tick {tick}: {error:?}"));
        assert!(!our_screen.frames.is_empty(), "tick {tick} output no frame");
        assert_eq!(our_screen.frames.len(), their_screen.frames.len(), "tick {tick}: number of frames");
        for (k, (ours, theirs)) in our_screen.frames.iter().zip(&their_screen.frames).enumerate() {
            assert_eq!(ours.len(), 640 * 400 * 4, "tick {tick}: frame size");
            assert!(ours == theirs, "tick {tick}, frame {k} differs from polkavm's");
            frames += 1;
            if *ours != previous {
                distinct += 1;
                previous.clone_from(ours);
            }
        }
        our_screen.frames.clear();
        their_screen.frames.clear();
    }
    eprintln!("doom64: {ticks} ticks, {frames} frames identical to polkavm's ({distinct} distinct)");
    assert!(ticks < 350 || distinct > 2, "the demo started and frames changed");
}
