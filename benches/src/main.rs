//! Side-by-side benchmarks: Kestrel's interpreter against polkavm 0.37's interpreter, in one
//! process, interleaved, reported as ratios (STYLE.md item 15).
//!
//! `cargo run --release -p kestrel-benches -- doom [--frames N] [--batch B] [--json] [--verify]`
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line benchmark reports on the terminal")]

mod host;
mod kestrel_vm;
mod polkavm_vm;
mod report;

use std::sync::Arc;
use std::time::{Duration, Instant};

use host::{Host, fnv1a};
use kestrel_vm::KestrelDoom;
use polkavm_vm::PolkavmDoom;
use report::{Measurement, Report};

const DOOM_BLOB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/blobs/doom.polkavm");
const DOOM_WAD: &str = "/usr/share/games/doom/freedoom1.wad";

const USAGE: &str =
    "usage: kestrel-benches doom [--frames N] [--batch B] [--reps R] [--vm both|kestrel|polkavm] [--json] [--verify]

  --frames N   frames (ext_tick calls) per VM after ext_initialize (default 800; the
               title screen is static until about frame 520, then the demo plays)
  --batch B    frames per interleaved batch; the VMs alternate batches (default 10)
  --reps R     compile/instantiate repetitions, interleaved (default 3)
  --vm WHICH   run only one VM (for profiling); ratios need both (default both)
  --json       print a machine-readable JSON report instead of the table
  --verify     exit with an error unless both VMs produced identical frame hashes";

#[derive(Debug)]
struct Options {
    frames: u32,
    batch: u32,
    reps: u32,
    run_kestrel: bool,
    run_polkavm: bool,
    json: bool,
    verify: bool,
}

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options =
        Options { frames: 800, batch: 10, reps: 3, run_kestrel: true, run_polkavm: true, json: false, verify: false };
    let number = |value: Option<String>, what: &str| -> Result<u32, String> {
        value
            .and_then(|value| value.parse().ok())
            .filter(|&value: &u32| value > 0)
            .ok_or_else(|| format!("{what} needs a positive number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--frames" => options.frames = number(args.next(), "--frames")?,
            "--batch" => options.batch = number(args.next(), "--batch")?,
            "--reps" => options.reps = number(args.next(), "--reps")?,
            "--vm" => match args.next().as_deref() {
                Some("both") => (options.run_kestrel, options.run_polkavm) = (true, true),
                Some("kestrel") => (options.run_kestrel, options.run_polkavm) = (true, false),
                Some("polkavm") => (options.run_kestrel, options.run_polkavm) = (false, true),
                _ => return Err("--vm needs both, kestrel or polkavm".into()),
            },
            "--json" => options.json = true,
            "--verify" => options.verify = true,
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    Ok(options)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let result = match args.next().as_deref() {
        Some("doom") => parse_options(args).and_then(|options| run_doom(&options)),
        _ => Err(USAGE.into()),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("cannot read {path}: {error}"))
}

fn timed<T>(f: impl FnOnce() -> Result<T, String>) -> Result<(T, Duration), String> {
    let start = Instant::now();
    let value = f()?;
    Ok((value, start.elapsed()))
}

/// One VM's DOOM state during the run.
struct Side<Vm, Inst> {
    vm: Vm,
    instance: Inst,
    host: Host,
    compile: Vec<Duration>,
    instantiate: Vec<Duration>,
    initialize: Duration,
    frame_times: Vec<Duration>,
    frame_cpu_times: Vec<Duration>,
    frame_hashes: Vec<u64>,
}

impl<Vm, Inst> Side<Vm, Inst> {
    fn new(
        (vm, instance): (Vm, Inst),
        wad: &Arc<[u8]>,
        options: &Options,
        compile: Vec<Duration>,
        instantiate: Vec<Duration>,
    ) -> Self {
        Side {
            vm,
            instance,
            host: Host::new(wad.clone()),
            compile,
            instantiate,
            initialize: Duration::ZERO,
            frame_times: Vec::with_capacity(options.frames as usize),
            frame_cpu_times: Vec::with_capacity(options.frames as usize),
            frame_hashes: Vec::with_capacity(options.frames as usize),
        }
    }

    fn measurement(&self) -> Measurement {
        Measurement {
            compile: self.compile.clone(),
            instantiate: self.instantiate.clone(),
            initialize: self.initialize,
            frame_times: self.frame_times.clone(),
            frame_cpu_times: self.frame_cpu_times.clone(),
            frame_hashes: self.frame_hashes.clone(),
            stdout_hash: fnv1a(&self.host.stdout),
        }
    }
}

fn run_doom(options: &Options) -> Result<(), String> {
    let blob = read(DOOM_BLOB).map_err(|error| format!("{error} (the shared test data is missing)"))?;
    let wad: Arc<[u8]> = read(DOOM_WAD).map_err(|error| format!("{error} (apt-get install freedoom)"))?.into();

    // Compile and instantiate, alternating which VM goes first.
    let mut kestrel_compile = Vec::new();
    let mut kestrel_instantiate = Vec::new();
    let mut polkavm_compile = Vec::new();
    let mut polkavm_instantiate = Vec::new();
    let mut kestrel = None;
    let mut polkavm = None;
    for rep in 0..options.reps {
        let mut kestrel_step = || -> Result<(), String> {
            if options.run_kestrel {
                let (vm, compile) = timed(|| KestrelDoom::compile(&blob))?;
                let (instance, instantiate) = timed(|| Ok(vm.instantiate()))?;
                kestrel_compile.push(compile);
                kestrel_instantiate.push(instantiate);
                kestrel = Some((vm, instance));
            }
            Ok(())
        };
        let mut polkavm_step = || -> Result<(), String> {
            if options.run_polkavm {
                let (vm, compile) = timed(|| PolkavmDoom::compile(&blob))?;
                let (instance, instantiate) = timed(|| vm.instantiate())?;
                polkavm_compile.push(compile);
                polkavm_instantiate.push(instantiate);
                polkavm = Some((vm, instance));
            }
            Ok(())
        };
        if rep % 2 == 0 {
            kestrel_step()?;
            polkavm_step()?;
        } else {
            polkavm_step()?;
            kestrel_step()?;
        }
    }

    let mut kestrel = kestrel.map(|pair| Side::new(pair, &wad, options, kestrel_compile, kestrel_instantiate));
    let mut polkavm = polkavm.map(|pair| Side::new(pair, &wad, options, polkavm_compile, polkavm_instantiate));

    if let Some(side) = kestrel.as_mut() {
        let ((), elapsed) = timed(|| side.vm.initialize(&mut side.instance, &mut side.host))
            .map_err(|error| format!("kestrel ext_initialize: {error}"))?;
        side.initialize = elapsed;
    }
    if let Some(side) = polkavm.as_mut() {
        let ((), elapsed) = timed(|| side.vm.initialize(&mut side.instance, &mut side.host))
            .map_err(|error| format!("polkavm ext_initialize: {error}"))?;
        side.initialize = elapsed;
    }

    // Interleaved batches of frames; the first VM of each batch alternates.
    let mut done = 0;
    let mut batch_index = 0;
    while done < options.frames {
        let count = options.batch.min(options.frames - done);
        for turn in 0..2 {
            if (turn + batch_index) % 2 == 0 {
                if let Some(side) = kestrel.as_mut() {
                    run_frames(side, count, |side| side.vm.tick(&mut side.instance, &mut side.host))
                        .map_err(|error| format!("kestrel ext_tick: {error}"))?;
                }
            } else if let Some(side) = polkavm.as_mut() {
                run_frames(side, count, |side| side.vm.tick(&mut side.instance, &mut side.host))
                    .map_err(|error| format!("polkavm ext_tick: {error}"))?;
            }
        }
        done += count;
        batch_index += 1;
    }

    #[cfg(feature = "op-profile")]
    if let Some(side) = kestrel.as_ref() {
        let path = std::env::var("KESTREL_OP_PROFILE").unwrap_or_else(|_| "op-profile.txt".into());
        std::fs::write(&path, side.vm.op_profile_report()).map_err(|error| format!("{path}: {error}"))?;
    }

    let report =
        Report::new(options.batch, kestrel.as_ref().map(Side::measurement), polkavm.as_ref().map(Side::measurement));
    if options.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_table());
    }
    if options.verify {
        match report.first_mismatch() {
            None if kestrel.is_some() && polkavm.is_some() => {}
            None => return Err("--verify needs both VMs".into()),
            Some(frame) => return Err(format!("frame hashes differ (first at frame {frame})")),
        }
    }
    Ok(())
}

/// This thread's on-CPU time in ns (`/proc/thread-self/schedstat`), which unlike wall time
/// excludes time spent waiting for a CPU on a busy machine.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn run_frames<Vm, Inst>(
    side: &mut Side<Vm, Inst>,
    count: u32,
    mut tick: impl FnMut(&mut Side<Vm, Inst>) -> Result<(), String>,
) -> Result<(), String> {
    for _ in 0..count {
        let before = side.host.frames_output;
        let cpu_start = thread_cpu_ns();
        let start = Instant::now();
        tick(side)?;
        side.frame_times.push(start.elapsed());
        if let (Some(before), Some(after)) = (cpu_start, thread_cpu_ns()) {
            side.frame_cpu_times.push(Duration::from_nanos(after.saturating_sub(before)));
        }
        // Hashing is outside the timed region; a tick that output no frame hashes as 0.
        let hash = if side.host.frames_output > before { fnv1a(&side.host.frame) } else { 0 };
        side.frame_hashes.push(hash);
    }
    Ok(())
}
