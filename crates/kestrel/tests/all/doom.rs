//! DOOM, frame by frame, on Kestrel and on polkavm 0.37 (interpreter), in lockstep: every frame
//! passed to `ext_output_video` must be byte-identical, and so must the gas used by every tick
//! (sync metering, naive cost model).
//!
//! Host side as in polkavm's example (`shared/testdata/blobs/README.md`, "Running DOOM"). The
//! number of ticks is `KESTREL_DOOM_TICKS` (default [`DEFAULT_TICKS`]); a tick outputs one frame,
//! or several during a screen wipe, and every one of them is compared.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel::{Caller, Linker, Module, ModuleConfig};

use crate::common::{engine, testdata};

const GAS: i64 = 1 << 60;
const WAD: &str = "/usr/share/games/doom/freedoom1.wad";
/// The title screen is static until tick 342, then a screen wipe (several frames in one tick) leads
/// into the demo; 420 ticks cover both and take about 30 s for the two interpreters together.
const DEFAULT_TICKS: usize = 420;

/// What the host functions produce for one engine.
#[derive(Default)]
struct Screen {
    rom: Arc<Vec<u8>>,
    /// Frames output since the last `take` (a tick usually outputs one; screen wipes output more).
    frames: Vec<Vec<u8>>,
    size: (u32, u32),
}

impl Screen {
    fn output(&mut self, width: u32, height: u32) -> &mut [u8] {
        self.size = (width, height);
        self.frames.push(vec![0; (width * height * 4) as usize]);
        self.frames.last_mut().unwrap()
    }
}

fn rom_slice(rom: &[u8], offset: u32, length: u32) -> Result<&[u8], String> {
    let start = offset as usize;
    rom.get(start..start + length as usize).ok_or_else(|| format!("rom read out of range: {offset}+{length}"))
}

fn kestrel_instance(blob: &[u8]) -> kestrel::Instance<Screen, String> {
    let mut config = ModuleConfig::new();
    config.set_page_size(0x4000).set_gas_metering(Some(kestrel::GasMeteringKind::Sync));
    let module = Module::new(&engine(), &config, blob.to_vec().into()).expect("doom compiles");
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
                let frame = caller.user_data.output(width, height);
                caller.instance.read_memory_into(ptr, frame).map_err(|error| error.to_string())?;
                Ok(())
            },
        )
        .unwrap();
    linker.define_typed("ext_output_audio", |_ptr: u32, _samples: u32| {}).unwrap();
    linker.define_typed("ext_stdout", |_ptr: u32, length: u32| -> i32 { length as i32 }).unwrap();
    linker.instantiate_pre(&module).unwrap().instantiate().unwrap()
}

fn polkavm_instance(blob: &[u8]) -> polkavm::Instance<Screen, String> {
    let mut config = polkavm::Config::new();
    config.set_backend(Some(polkavm::BackendKind::Interpreter));
    let engine = polkavm::Engine::new(&config).unwrap();
    let mut module_config = polkavm::ModuleConfig::new();
    module_config.set_page_size(0x4000).set_gas_metering(Some(polkavm::GasMeteringKind::Sync));
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
                let frame = caller.user_data.output(width, height);
                caller.instance.read_memory_into(ptr, frame).map_err(|error| error.to_string())?;
                Ok(())
            },
        )
        .unwrap();
    linker.define_typed("ext_output_audio", |_ptr: u32, _samples: u32| {}).unwrap();
    linker.define_typed("ext_stdout", |_ptr: u32, length: u32| -> i32 { length as i32 }).unwrap();
    linker.instantiate_pre(&module).unwrap().instantiate().unwrap()
}

/// FNV-1a over 64-bit words: a cheap fingerprint for the log.
fn fingerprint(frame: &[u8]) -> u64 {
    frame.chunks(8).fold(0xCBF2_9CE4_8422_2325, |hash, chunk| {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        (hash ^ u64::from_le_bytes(word)).wrapping_mul(0x100_0000_01B3)
    })
}

#[test]
fn doom_frames_match_polkavm() {
    let Some(blob_path) = testdata("blobs/doom.polkavm") else { return };
    if !Path::new(WAD).exists() {
        eprintln!("skipped: {WAD} not found (install the `freedoom` package)");
        return;
    }
    let ticks: usize = std::env::var("KESTREL_DOOM_TICKS").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_TICKS);
    let blob = std::fs::read(blob_path).unwrap();
    let rom = Arc::new(std::fs::read(WAD).unwrap());

    let mut ours = kestrel_instance(&blob);
    let mut theirs = polkavm_instance(&blob);
    let mut our_screen = Screen { rom: Arc::clone(&rom), ..Screen::default() };
    let mut their_screen = Screen { rom, ..Screen::default() };

    // Gas is metered on both sides, so every tick also compares the block costs of the code run.
    ours.set_gas(GAS);
    theirs.set_gas(GAS);
    let mut our_time = Duration::ZERO;
    let mut their_time = Duration::ZERO;
    let started = Instant::now();
    ours.call_typed(&mut our_screen, "ext_initialize", ()).expect("kestrel: ext_initialize");
    our_time += started.elapsed();
    let started = Instant::now();
    theirs.call_typed(&mut their_screen, "ext_initialize", ()).expect("polkavm: ext_initialize");
    their_time += started.elapsed();

    let mut compared = 0;
    let mut changes = 0;
    let mut first_change = None;
    let mut previous = Vec::new();
    for tick in 0..=ticks {
        if tick > 0 {
            let started = Instant::now();
            ours.call_typed(&mut our_screen, "ext_tick", ())
                .unwrap_or_else(|error| panic!("kestrel: tick {tick}: {error:?}"));
            our_time += started.elapsed();
            let started = Instant::now();
            theirs
                .call_typed(&mut their_screen, "ext_tick", ())
                .unwrap_or_else(|error| panic!("polkavm: tick {tick}: {error:?}"));
            their_time += started.elapsed();
            assert!(!our_screen.frames.is_empty(), "tick {tick} output no frame");
        }
        assert_eq!(our_screen.frames.len(), their_screen.frames.len(), "tick {tick}: number of frames");
        assert_eq!(our_screen.size, their_screen.size, "tick {tick}: frame size");
        for (k, (our_frame, their_frame)) in our_screen.frames.iter().zip(&their_screen.frames).enumerate() {
            if our_frame != their_frame {
                let at = our_frame.iter().zip(their_frame).position(|(a, b)| a != b);
                panic!(
                    "tick {tick}, frame {k} differs (first byte {at:?}); fingerprints {:016x} vs {:016x}",
                    fingerprint(our_frame),
                    fingerprint(their_frame)
                );
            }
            compared += 1;
            if *our_frame != previous {
                if changes == 1 {
                    first_change = Some(tick);
                }
                changes += 1;
                previous.clone_from(our_frame);
            }
        }
        assert_eq!(ours.gas(), theirs.gas());
        our_screen.frames.clear();
        their_screen.frames.clear();
    }
    eprintln!(
        "doom: {ticks} ticks, {compared} frames of {}x{} identical ({changes} changes, the first at tick {first_change:?}, last fingerprint {:016x}, gas used {}); kestrel {our_time:?}, polkavm {their_time:?}",
        our_screen.size.0,
        our_screen.size.1,
        fingerprint(&previous),
        GAS - ours.gas(),
    );
    assert_eq!(our_screen.size, (640, 400));
    assert!(ours.gas() < GAS, "gas was charged");
    assert!(changes > 1, "the frames are not all identical");
    if ticks >= DEFAULT_TICKS {
        assert!(changes > 50, "the demo is running: {changes} changes");
    }
}
