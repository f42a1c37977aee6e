//! The DOOM host side (`shared/testdata/blobs/README.md`, "Running DOOM"), written once for every
//! way the workspace runs DOOM: Kestrel's [`kestrel::Linker`], polkavm 0.37's `Linker` (the
//! comparison baseline) and Kestrel's interpreter dispatching `ecalli` by hand
//! ([`Host::call_import`]).
//!
//! The guest imports `ext_rom_size`, `ext_rom_read`, `ext_output_video`, `ext_output_audio` and
//! `ext_stdout`, and exports `ext_initialize` and `ext_tick`; a tick outputs one frame, or several
//! during a screen wipe.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel::Reg;

/// The Freedoom WAD (Debian/Ubuntu package `freedoom`).
pub const WAD: &str = "/usr/share/games/doom/freedoom1.wad";

/// The size of every frame both DOOM builds output.
pub const FRAME_SIZE: (u32, u32) = (640, 400);

/// Frames larger than this (in bytes) are refused: DOOM's are 1 000 KiB.
const MAX_FRAME_BYTES: u64 = 64 << 20;

/// The WAD, or `None` (with a "skipped" message) when Freedoom is not installed.
#[allow(clippy::print_stderr, reason = "tests say why they skip")]
pub fn load_wad() -> Option<Arc<[u8]>> {
    if !Path::new(WAD).exists() {
        eprintln!("skipped: {WAD} not found (install the `freedoom` package)");
        return None;
    }
    Some(std::fs::read(WAD).unwrap_or_else(|error| panic!("{WAD}: {error}")).into())
}

/// What the host functions need from a VM's memory; errors carry the VM's message.
pub trait GuestMemory {
    fn read_into(&mut self, address: u32, buffer: &mut [u8]) -> Result<(), String>;
    fn read(&mut self, address: u32, length: u32) -> Result<Vec<u8>, String>;
    fn write(&mut self, address: u32, data: &[u8]) -> Result<(), String>;
}

/// Register access, for hosts that dispatch `ecalli` themselves ([`Host::call_import`]).
pub trait GuestRegs {
    fn reg(&self, reg: Reg) -> u64;
    fn set_reg(&mut self, reg: Reg, value: u64);
}

/// The three VMs spell these methods alike but with different signatures and error types.
macro_rules! impl_guest_memory {
    ($($vm:ty),*) => {$(
        impl GuestMemory for $vm {
            fn read_into(&mut self, address: u32, buffer: &mut [u8]) -> Result<(), String> {
                self.read_memory_into(address, buffer).map(|_| ()).map_err(|error| error.to_string())
            }

            fn read(&mut self, address: u32, length: u32) -> Result<Vec<u8>, String> {
                self.read_memory(address, length).map_err(|error| error.to_string())
            }

            fn write(&mut self, address: u32, data: &[u8]) -> Result<(), String> {
                self.write_memory(address, data).map_err(|error| error.to_string())
            }
        }
    )*};
}

impl_guest_memory!(kestrel::RawInstance, polkavm::RawInstance, kestrel_interpreter::Instance);

impl GuestRegs for kestrel_interpreter::Instance {
    fn reg(&self, reg: Reg) -> u64 {
        kestrel_interpreter::Instance::reg(self, reg)
    }

    fn set_reg(&mut self, reg: Reg, value: u64) {
        kestrel_interpreter::Instance::set_reg(self, reg, value);
    }
}

/// Host state of one DOOM run.
#[derive(Debug)]
pub struct Host {
    rom: Arc<[u8]>,
    /// The last frame passed to `ext_output_video` (RGBA).
    pub frame: Vec<u8>,
    /// Width and height of the last frame.
    pub frame_size: (u32, u32),
    /// How many frames the guest has output.
    pub frames_output: u64,
    /// Bytes the guest wrote through `ext_stdout`.
    pub stdout: Vec<u8>,
    /// With [`Host::recording`]: every frame output since the caller last cleared this.
    pub frames: Vec<Vec<u8>>,
    record_frames: bool,
}

impl Host {
    /// A host that keeps only the last frame (benchmarks).
    pub fn new(rom: Arc<[u8]>) -> Host {
        Host {
            rom,
            frame: Vec::new(),
            frame_size: (0, 0),
            frames_output: 0,
            stdout: Vec::new(),
            frames: Vec::new(),
            record_frames: false,
        }
    }

    /// A host that also keeps a copy of every frame in [`Host::frames`] (tests that compare them).
    pub fn recording(rom: Arc<[u8]>) -> Host {
        Host { record_frames: true, ..Host::new(rom) }
    }

    pub fn rom_size(&self) -> u32 {
        self.rom.len() as u32
    }

    /// The WAD bytes `[offset, offset + len)`, or an error when out of range.
    pub fn rom_slice(&self, offset: u32, len: u32) -> Result<&[u8], String> {
        let start = offset as usize;
        start
            .checked_add(len as usize)
            .and_then(|end| self.rom.get(start..end))
            .ok_or_else(|| format!("ext_rom_read out of range: offset {offset}, len {len}"))
    }

    /// Resizes the frame buffer for a `width`×`height` RGBA frame and returns it for filling.
    pub fn frame_buffer(&mut self, width: u32, height: u32) -> Result<&mut [u8], String> {
        let len = u64::from(width) * u64::from(height) * 4;
        if len > MAX_FRAME_BYTES {
            return Err(format!("ext_output_video: frame too large ({width}x{height})"));
        }
        self.frame.resize(len as usize, 0);
        self.frame_size = (width, height);
        self.frames_output += 1;
        Ok(&mut self.frame)
    }

    /// `ext_rom_read(dst, offset, len)`: copies WAD bytes into guest memory.
    pub fn ext_rom_read(&self, memory: &mut impl GuestMemory, dst: u32, offset: u32, len: u32) -> Result<(), String> {
        memory.write(dst, self.rom_slice(offset, len)?)
    }

    /// `ext_output_video(ptr, width, height)`: takes a frame from guest memory.
    pub fn ext_output_video(
        &mut self,
        memory: &mut impl GuestMemory,
        ptr: u32,
        width: u32,
        height: u32,
    ) -> Result<(), String> {
        memory.read_into(ptr, self.frame_buffer(width, height)?)?;
        if self.record_frames {
            self.frames.push(self.frame.clone());
        }
        Ok(())
    }

    /// `ext_stdout(ptr, len)`: collects the bytes; returns how many were written (all of them).
    pub fn ext_stdout(&mut self, memory: &mut impl GuestMemory, ptr: u32, len: u32) -> Result<u32, String> {
        let bytes = memory.read(ptr, len)?;
        self.stdout.extend_from_slice(&bytes);
        Ok(len)
    }

    /// Runs the import `name` for a VM that stopped at its `ecalli`: arguments in `a0..a2`, the
    /// result (if any) in `a0`.
    pub fn call_import(&mut self, name: &[u8], guest: &mut (impl GuestMemory + GuestRegs)) -> Result<(), String> {
        let arg = |reg: Reg| guest.reg(reg) as u32;
        let (a0, a1, a2) = (arg(Reg::A0), arg(Reg::A1), arg(Reg::A2));
        match name {
            b"ext_rom_size" => guest.set_reg(Reg::A0, u64::from(self.rom_size())),
            b"ext_rom_read" => self.ext_rom_read(guest, a0, a1, a2)?,
            b"ext_output_video" => self.ext_output_video(guest, a0, a1, a2)?,
            b"ext_output_audio" => {}
            b"ext_stdout" => {
                let written = self.ext_stdout(guest, a0, a1)?;
                guest.set_reg(Reg::A0, u64::from(written));
            }
            _ => return Err(format!("unknown import {}", String::from_utf8_lossy(name))),
        }
        Ok(())
    }
}

/// Defines the DOOM imports on a `Linker<Host, String>` of `kestrel` or `polkavm` (their
/// `define_typed` APIs match), returning early with `$krate::Error` on failure.
macro_rules! define_imports {
    ($krate:ident, $linker:expr) => {
        $linker
            .define_typed("ext_rom_size", |caller: $krate::Caller<'_, Host>| -> u32 { caller.user_data.rom_size() })?;
        $linker.define_typed(
            "ext_rom_read",
            |caller: $krate::Caller<'_, Host>, dst: u32, offset: u32, len: u32| -> Result<(), String> {
                caller.user_data.ext_rom_read(caller.instance, dst, offset, len)
            },
        )?;
        $linker.define_typed(
            "ext_output_video",
            |caller: $krate::Caller<'_, Host>, ptr: u32, width: u32, height: u32| -> Result<(), String> {
                caller.user_data.ext_output_video(caller.instance, ptr, width, height)
            },
        )?;
        $linker.define_typed("ext_output_audio", |_ptr: u32, _samples: u32| {})?;
        $linker.define_typed(
            "ext_stdout",
            |caller: $krate::Caller<'_, Host>, ptr: u32, len: u32| -> Result<i32, String> {
                caller.user_data.ext_stdout(caller.instance, ptr, len).map(|written| written as i32)
            },
        )?;
    };
}

/// A Kestrel linker with the DOOM imports.
pub fn kestrel_linker() -> Result<kestrel::Linker<Host, String>, kestrel::Error> {
    let mut linker = kestrel::Linker::new();
    define_imports!(kestrel, linker);
    Ok(linker)
}

/// A polkavm 0.37 linker with the DOOM imports.
pub fn polkavm_linker() -> Result<polkavm::Linker<Host, String>, polkavm::Error> {
    let mut linker = polkavm::Linker::new();
    define_imports!(polkavm, linker);
    Ok(linker)
}

/// FNV-1a, 64-bit: a stable, dependency-free frame hash.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// DOOM on Kestrel and on polkavm 0.37's interpreter, in lockstep: after every call both must
/// have output the same number of byte-identical frames and, when metered, used the same gas.
/// Failures panic with the tick, the frame and where it differs.
pub struct Lockstep {
    ours: kestrel::Instance<Host, String>,
    theirs: polkavm::Instance<Host, String>,
    pub our_host: Host,
    pub their_host: Host,
    gas: Option<i64>,
    /// Time spent in each VM.
    pub our_time: Duration,
    pub their_time: Duration,
    /// Frames compared so far.
    pub frames: usize,
    /// Frames that differ from the one before (the first frame counts).
    pub distinct: usize,
    /// The tick of the first frame that differs from the first one.
    pub first_change: Option<usize>,
    previous: Vec<u8>,
}

impl std::fmt::Debug for Lockstep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lockstep")
            .field("frames", &self.frames)
            .field("distinct", &self.distinct)
            .finish_non_exhaustive()
    }
}

impl Lockstep {
    /// Loads `blob` into both VMs (page size 0x4000). With `gas`, both meter synchronously and
    /// start with that much gas, so every call also compares the cost of the code it ran.
    pub fn new(engine: &kestrel::Engine, blob: &[u8], rom: Arc<[u8]>, gas: Option<i64>) -> Lockstep {
        let mut config = kestrel::ModuleConfig::new();
        config.set_page_size(0x4000).set_gas_metering(gas.map(|_| kestrel::GasMeteringKind::Sync));
        let module = kestrel::Module::new(engine, &config, blob.to_vec().into()).expect("kestrel compiles DOOM");
        let pre = kestrel_linker().and_then(|linker| linker.instantiate_pre(&module)).expect("kestrel links DOOM");
        let mut ours = pre.instantiate().expect("kestrel instantiates DOOM");

        let mut polkavm_config = polkavm::Config::new();
        polkavm_config.set_backend(Some(polkavm::BackendKind::Interpreter));
        let polkavm_engine = polkavm::Engine::new(&polkavm_config).expect("polkavm engine");
        let mut config = polkavm::ModuleConfig::new();
        config.set_page_size(0x4000).set_gas_metering(gas.map(|_| polkavm::GasMeteringKind::Sync));
        let module = polkavm::Module::new(&polkavm_engine, &config, blob.to_vec().into()).expect("polkavm compiles");
        let pre = polkavm_linker().and_then(|linker| linker.instantiate_pre(&module)).expect("polkavm links DOOM");
        let mut theirs = pre.instantiate().expect("polkavm instantiates DOOM");

        if let Some(gas) = gas {
            ours.set_gas(gas);
            theirs.set_gas(gas);
        }
        Lockstep {
            ours,
            theirs,
            our_host: Host::recording(Arc::clone(&rom)),
            their_host: Host::recording(rom),
            gas,
            our_time: Duration::ZERO,
            their_time: Duration::ZERO,
            frames: 0,
            distinct: 0,
            first_change: None,
            previous: Vec::new(),
        }
    }

    /// `ext_initialize`, then `ticks` calls of `ext_tick`, each of which must output a frame.
    pub fn run(&mut self, ticks: usize) {
        self.call("ext_initialize", 0);
        for tick in 1..=ticks {
            let frames = self.call("ext_tick", tick);
            assert!(frames > 0, "tick {tick} output no frame");
        }
    }

    /// Calls `export` in both VMs and compares what they output; returns the number of frames.
    pub fn call(&mut self, export: &str, tick: usize) -> usize {
        let started = Instant::now();
        self.ours
            .call_typed(&mut self.our_host, export, ())
            .unwrap_or_else(|error| panic!("kestrel: tick {tick}: {export}: {error:?}"));
        self.our_time += started.elapsed();
        let started = Instant::now();
        self.theirs
            .call_typed(&mut self.their_host, export, ())
            .unwrap_or_else(|error| panic!("polkavm: tick {tick}: {export}: {error:?}"));
        self.their_time += started.elapsed();
        self.compare(tick)
    }

    fn compare(&mut self, tick: usize) -> usize {
        let (ours, theirs) = (&self.our_host.frames, &self.their_host.frames);
        assert_eq!(ours.len(), theirs.len(), "tick {tick}: number of frames");
        let frame_bytes = (FRAME_SIZE.0 * FRAME_SIZE.1 * 4) as usize;
        for (k, (our_frame, their_frame)) in ours.iter().zip(theirs).enumerate() {
            assert_eq!(our_frame.len(), frame_bytes, "tick {tick}, frame {k}: size");
            if our_frame != their_frame {
                let at = our_frame.iter().zip(their_frame).position(|(a, b)| a != b);
                panic!(
                    "tick {tick}, frame {k} differs from polkavm's (first byte {at:?}); hashes {:016x} vs {:016x}",
                    fnv1a(our_frame),
                    fnv1a(their_frame)
                );
            }
            if *our_frame != self.previous {
                if self.distinct == 1 {
                    self.first_change = Some(tick);
                }
                self.distinct += 1;
                self.previous.clone_from(our_frame);
            }
        }
        let compared = ours.len();
        self.frames += compared;
        assert_eq!(self.our_host.frame_size, self.their_host.frame_size, "tick {tick}: frame size");
        if self.gas.is_some() {
            assert_eq!(self.ours.gas(), self.theirs.gas(), "tick {tick}: gas left");
        }
        self.our_host.frames.clear();
        self.their_host.frames.clear();
        compared
    }

    /// Gas used so far by Kestrel (0 when not metered).
    pub fn gas_used(&self) -> i64 {
        self.gas.map_or(0, |gas| gas - self.ours.gas())
    }

    /// FNV-1a of the last frame.
    pub fn last_frame_hash(&self) -> u64 {
        fnv1a(&self.previous)
    }
}
