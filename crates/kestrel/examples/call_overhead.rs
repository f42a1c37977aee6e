//! Times the host → guest and guest → host call paths on `guest-programs/output/minimal_call.polkavm`
//! (a small driver for profiling: `cargo run --release -p kestrel --example call_overhead [calls]`).
#![allow(clippy::print_stdout, reason = "an example that reports timings")]

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../guest-programs/output/minimal_call.polkavm");
    let Ok(bytes) = std::fs::read(path) else {
        println!("skipped: {path} not found");
        return Ok(());
    };
    let calls: u64 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(200_000);

    let engine = kestrel::Engine::new(&kestrel::Config::new())?;
    let module = kestrel::Module::new(&engine, &kestrel::ModuleConfig::new(), bytes.into())?;
    let mut linker: kestrel::Linker = kestrel::Linker::new();
    linker.define_typed("host_nop", |x: u64| -> u64 { x.wrapping_add(1) })?;
    let pre = linker.instantiate_pre(&module)?;
    let mut instance = pre.instantiate()?;
    let pc =
        |name: &str| module.exports().find(|export| export.symbol() == name).map(|export| export.program_counter());
    let (Some(run), Some(noop)) = (pc("run"), pc("noop")) else {
        return Err("minimal_call.polkavm lacks the run/noop exports".into());
    };

    let start = Instant::now();
    for _ in 0..calls {
        instance.call_typed_and_get_result::<u64>(&mut (), noop, (0u64,))?;
    }
    let per_call = start.elapsed() / u32::try_from(calls)?;

    let start = Instant::now();
    for _ in 0..calls {
        instance.call_typed_and_get_result::<u64>(&mut (), "noop", (0u64,))?;
    }
    let per_call_by_name = start.elapsed() / u32::try_from(calls)?;

    let start = Instant::now();
    let result = instance.call_typed_and_get_result::<u64>(&mut (), run, (calls,))?;
    let host_calls = start.elapsed();
    println!(
        "host → guest: {per_call:?} per call ({per_call_by_name:?} by name); {calls} guest → host calls: {host_calls:?} (result {result})"
    );
    Ok(())
}
