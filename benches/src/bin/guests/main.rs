//! Guest benchmarks: the C programs of `guest-programs/bench/` (blobs in `guest-programs/output/`)
//! on Kestrel and on polkavm 0.37 in one process, interleaved, reported as ratios Kestrel/polkavm
//! (STYLE.md item 15), with the same C built natively for x86-64 as the physical-limit row.
//!
//! `cargo run --release -p kestrel-benches --bin guests -- [--reps R] [--native-dir DIR] [--json] [--quick]`
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line benchmark reports on the terminal")]

mod alloc;
mod vm;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vm::{Kestrel, Pair, Polkavm, Vm};

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

const OUTPUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../guest-programs/output");

/// The benchmarks and the argument of `run(n)`: sized for about 0.1-0.5 s on an interpreter.
const BENCHMARKS: &[(&str, u64, &str)] = &[
    ("prime_sieve", 1_000_000, "sieve of Eratosthenes below 10^6"),
    ("sha256", 2_000_000, "SHA-256 of 2 MB"),
    ("memops", 16, "16 × (memset + 2 memcpy) of 1 MiB"),
    ("sort", 200_000, "quicksort of 200 000 u32"),
    ("minimal_call", 200_000, "200 000 guest → host calls"),
];

/// Calls of `noop` per per-call measurement.
const CALLS: u32 = 2_000;

const USAGE: &str = "usage: guests [--reps R] [--native-dir DIR] [--json] [--quick] [--only NAME]
  --reps R          repetitions of each measurement, interleaved (default 5)
  --native-dir DIR  native x86-64 builds (from `kestrel-guest-linker native DIR`) for the native row
  --json            print a JSON report instead of the table
  --quick           tiny sizes and one repetition (checks that everything runs)
  --only NAME       run one benchmark";

struct Options {
    reps: usize,
    native_dir: Option<PathBuf>,
    json: bool,
    quick: bool,
    only: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options { reps: 5, native_dir: None, json: false, quick: false, only: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => {
                options.reps =
                    args.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0).ok_or("--reps needs a number")?
            }
            "--native-dir" => options.native_dir = Some(args.next().ok_or("--native-dir needs a directory")?.into()),
            "--json" => options.json = true,
            "--quick" => options.quick = true,
            "--only" => options.only = Some(args.next().ok_or("--only needs a name")?),
            _ => return Err(format!("unknown argument {arg}\n{USAGE}")),
        }
    }
    if options.quick {
        options.reps = 1;
    }
    Ok(options)
}

/// Medians of one VM's measurements for one benchmark.
#[derive(Debug, Default, Clone)]
struct Side {
    compile: Vec<Duration>,
    instantiate: Vec<Duration>,
    run: Vec<Duration>,
    call: Vec<Duration>,
    peak_bytes: usize,
    result: u64,
}

fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

impl Side {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "compile_ns": median(&self.compile).as_nanos() as u64,
            "instantiate_ns": median(&self.instantiate).as_nanos() as u64,
            "run_ns": median(&self.run).as_nanos() as u64,
            "call_ns": median(&self.call).as_nanos() as u64,
            "peak_bytes": self.peak_bytes,
            "result": self.result,
        })
    }
}

fn timed<T>(f: impl FnOnce() -> Result<T, String>) -> Result<(T, Duration), String> {
    let start = Instant::now();
    let value = f()?;
    Ok((value, start.elapsed()))
}

/// One repetition of every measurement on one VM; returns `run(n)`'s result.
fn measure<V: Vm>(vm: &V, bytes: &[u8], n: u64, side: &mut Side) -> Result<(), String> {
    let (module, compile) = timed(|| vm.compile(bytes))?;
    let (mut instance, instantiate) = timed(|| vm.instantiate(&module))?;
    let run_pc = vm.export(&module, "run")?;
    let noop_pc = vm.export(&module, "noop")?;
    let (result, run) = timed(|| vm.call(&mut instance, run_pc, n))?;
    // Per-call overhead: a fresh instance, one warm-up call, then CALLS calls of `noop`.
    let mut instance = vm.instantiate(&module)?;
    vm.call(&mut instance, noop_pc, 0)?;
    let ((), calls) = timed(|| {
        for _ in 0..CALLS {
            vm.call(&mut instance, noop_pc, 0)?;
        }
        Ok(())
    })?;
    side.compile.push(compile);
    side.instantiate.push(instantiate);
    side.run.push(run);
    side.call.push(calls / CALLS);
    side.result = result;
    Ok(())
}

/// Peak heap bytes of compile + instantiate + one run.
fn peak_memory<V: Vm>(vm: &V, bytes: &[u8], n: u64) -> Result<usize, String> {
    let baseline = alloc::reset_peak();
    let module = vm.compile(bytes)?;
    let mut instance = vm.instantiate(&module)?;
    vm.call(&mut instance, vm.export(&module, "run")?, n)?;
    let peak = alloc::peak_since(baseline);
    drop(instance);
    drop(module);
    Ok(peak)
}

/// The native build: median wall time of `run(n)` and its result.
fn native(dir: &Path, name: &str, n: u64, reps: usize) -> Result<Option<(Duration, u64)>, String> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(None);
    }
    let output = std::process::Command::new(&path)
        .arg(n.to_string())
        .arg(reps.to_string())
        .output()
        .map_err(|error| format!("cannot run {}: {error}", path.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut times = Vec::new();
    let mut result = 0;
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let parsed = fields.next().and_then(|ns| ns.parse().ok()).zip(fields.next().and_then(|r| r.parse().ok()));
        let (ns, value) = parsed.ok_or_else(|| format!("{}: bad output line {line:?}", path.display()))?;
        times.push(Duration::from_nanos(ns));
        result = value;
    }
    if times.is_empty() {
        return Err(format!("{}: no output", path.display()));
    }
    Ok(Some((median(&times), result)))
}

struct PairResult {
    pair: Pair,
    kestrel: Side,
    polkavm: Side,
}

struct BenchResult {
    name: &'static str,
    n: u64,
    what: &'static str,
    pairs: Vec<PairResult>,
    native: Option<(Duration, u64)>,
}

fn run_pair(pair: Pair, bytes: &[u8], n: u64, reps: usize) -> Result<PairResult, String> {
    let kestrel = Kestrel::new(pair)?;
    let polkavm = Polkavm::new(pair)?;
    let mut ours = Side::default();
    let mut theirs = Side::default();
    for rep in 0..reps {
        // Alternate which VM goes first.
        if rep % 2 == 0 {
            measure(&kestrel, bytes, n, &mut ours)?;
            measure(&polkavm, bytes, n, &mut theirs)?;
        } else {
            measure(&polkavm, bytes, n, &mut theirs)?;
            measure(&kestrel, bytes, n, &mut ours)?;
        }
    }
    ours.peak_bytes = peak_memory(&kestrel, bytes, n)?;
    theirs.peak_bytes = peak_memory(&polkavm, bytes, n)?;
    if ours.result != theirs.result {
        return Err(format!("results differ: Kestrel {} vs polkavm {}", ours.result, theirs.result));
    }
    Ok(PairResult { pair, kestrel: ours, polkavm: theirs })
}

fn ratio(ours: Duration, theirs: Duration) -> f64 {
    ours.as_secs_f64() / theirs.as_secs_f64().max(1e-12)
}

fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn table(results: &[BenchResult]) -> String {
    let mut out = String::from(
        "benchmark     pair         compile  instantiate  run     per-call  peak mem | run: Kestrel  polkavm    native     Kestrel/native\n",
    );
    for bench in results {
        for pair in &bench.pairs {
            let (k, p) = (&pair.kestrel, &pair.polkavm);
            let native = bench.native.map(|(time, _)| time);
            out.push_str(&format!(
                "{:<13} {:<12} {:>7.2}  {:>11.2}  {:>6.3}  {:>8.2}  {:>8.2} | {:>12}  {:>9}  {:>9}  {:>9}\n",
                bench.name,
                pair.pair.to_string(),
                ratio(median(&k.compile), median(&p.compile)),
                ratio(median(&k.instantiate), median(&p.instantiate)),
                ratio(median(&k.run), median(&p.run)),
                ratio(median(&k.call), median(&p.call)),
                k.peak_bytes as f64 / p.peak_bytes.max(1) as f64,
                format_duration(median(&k.run)),
                format_duration(median(&p.run)),
                native.map(format_duration).unwrap_or_else(|| "-".into()),
                native.map(|native| format!("{:.1}", ratio(median(&k.run), native))).unwrap_or_else(|| "-".into()),
            ));
        }
    }
    out.push_str("ratios are Kestrel / polkavm 0.37 (medians; below 1 means Kestrel is faster or smaller)\n");
    out
}

fn json(results: &[BenchResult], reps: usize) -> serde_json::Value {
    let benchmarks: Vec<_> = results
        .iter()
        .map(|bench| {
            let pairs: Vec<_> = bench
                .pairs
                .iter()
                .map(|pair| {
                    serde_json::json!({
                        "pair": pair.pair.to_string(),
                        "kestrel": pair.kestrel.json(),
                        "polkavm": pair.polkavm.json(),
                    })
                })
                .collect();
            serde_json::json!({
                "name": bench.name,
                "n": bench.n,
                "what": bench.what,
                "pairs": pairs,
                "native_ns": bench.native.map(|(time, _)| time.as_nanos() as u64),
            })
        })
        .collect();
    serde_json::json!({ "reps": reps, "calls_per_call_measurement": CALLS, "benchmarks": benchmarks })
}

/// The pairs both VMs support here (a missing backend is reported once and skipped).
fn available_pairs() -> Vec<Pair> {
    let mut pairs = Vec::new();
    for pair in [Pair::Interpreter, Pair::Jit] {
        match (Kestrel::new(pair), Polkavm::new(pair)) {
            (Ok(_), Ok(_)) => pairs.push(pair),
            (Err(error), _) => eprintln!("skipped: {pair} pair (Kestrel: {error})"),
            (_, Err(error)) => eprintln!("skipped: {pair} pair (polkavm: {error})"),
        }
    }
    pairs
}

fn run(options: &Options) -> Result<(), String> {
    let available = available_pairs();
    let mut results = Vec::new();
    for &(name, n, what) in BENCHMARKS {
        if options.only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        let n = if options.quick { (n / 100).max(1) } else { n };
        let path = format!("{OUTPUT}/{name}.polkavm");
        let bytes =
            std::fs::read(&path).map_err(|error| format!("{path}: {error} (run `cargo xtask build-guests`)"))?;
        let mut pairs = Vec::new();
        for &pair in &available {
            pairs.push(run_pair(pair, &bytes, n, options.reps).map_err(|error| format!("{name}: {error}"))?);
        }
        let native = match &options.native_dir {
            Some(dir) => native(dir, name, n, options.reps)?,
            None => None,
        };
        if let (Some((_, native_result)), Some(pair)) = (native, pairs.first())
            && native_result != pair.kestrel.result
        {
            return Err(format!(
                "{name}: native result {native_result} differs from the guests' {}",
                pair.kestrel.result
            ));
        }
        if !options.json {
            eprintln!("{name}: done");
        }
        results.push(BenchResult { name, n, what, pairs, native });
    }
    if options.json {
        println!("{}", json(&results, options.reps));
    } else {
        print!("{}", table(&results));
    }
    Ok(())
}

fn main() {
    if let Err(error) = parse_options().and_then(|options| run(&options)) {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
