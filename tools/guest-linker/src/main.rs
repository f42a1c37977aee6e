//! `kestrel-guest-linker`: builds the C guest programs and links ELF files into blobs.
//! Normally run through `cargo xtask build-guests` / `cargo xtask test` / `cargo xtask bench`.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool reports on the terminal")]

use std::path::{Path, PathBuf};

use kestrel_guest_linker::{GuestTree, build_native, clang_available, compare_with_output, link_elf};

const USAGE: &str = "usage: kestrel-guest-linker COMMAND
  build                 rebuild guest-programs/output/*.polkavm from the C sources (needs clang-19)
  check                 fail unless guest-programs/output/ equals a fresh build (skips without clang-19)
  link IN OUT           link one ELF (plain or .zst) into a Latest64 blob
  test-blobs OUT_DIR    link the 64-bit ELFs of ../shared/testdata/blobs into OUT_DIR (skips when absent)
  native OUT_DIR        build the benchmarks as native x86-64 executables (needs clang-19)";

/// The ELFs of the shared test data that tests and benchmarks need as blobs.
const SHARED_ELFS: &[(&str, &str)] =
    &[("doom_64.elf.zst", "doom_64.polkavm"), ("revive-transfer-example.elf.zst", "revive-transfer-example.polkavm")];

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn tree() -> GuestTree {
    GuestTree::new(workspace().join("guest-programs"))
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("kestrel-guests-{}", std::process::id()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

fn build(check: bool) -> Result<(), String> {
    if !clang_available() {
        if check {
            println!("skipped: guest blob freshness check (clang-19 not found)");
            return Ok(());
        }
        return Err("clang-19 not found (apt-get install -y clang-19 lld-19)".into());
    }
    let tree = tree();
    let scratch = scratch();
    let built = tree.build_all(&scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let built = built?;
    if check {
        let problems = compare_with_output(&tree.output(), &built)?;
        if !problems.is_empty() {
            return Err(format!(
                "guest-programs/output is out of date (run `cargo xtask build-guests`):\n  {}",
                problems.join("\n  ")
            ));
        }
        println!("guest-programs/output: {} blobs up to date with their sources", built.len());
        return Ok(());
    }
    let output = tree.output();
    std::fs::create_dir_all(&output).map_err(|error| error.to_string())?;
    for entry in std::fs::read_dir(&output).map_err(|error| error.to_string())?.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|extension| extension == "polkavm") {
            std::fs::remove_file(&path).map_err(|error| error.to_string())?;
        }
    }
    for (name, bytes) in &built {
        write(&output.join(name), bytes)?;
        println!("{:>8} bytes  guest-programs/output/{name}", bytes.len());
    }
    Ok(())
}

fn link(input: &str, output: &str) -> Result<(), String> {
    let elf = std::fs::read(input).map_err(|error| format!("cannot read {input}: {error}"))?;
    write(Path::new(output), &link_elf(&elf)?)
}

fn test_blobs(out_dir: &str) -> Result<(), String> {
    let blobs = workspace().join("../shared/testdata/blobs");
    std::fs::create_dir_all(out_dir).map_err(|error| format!("cannot create {out_dir}: {error}"))?;
    for &(elf_name, blob_name) in SHARED_ELFS {
        let input = blobs.join(elf_name);
        let output = Path::new(out_dir).join(blob_name);
        let Ok(elf) = std::fs::read(&input) else {
            println!("skipped: {} not found", input.display());
            continue;
        };
        // Linking DOOM takes a few seconds; skip when the output is newer than the input.
        let fresh = std::fs::metadata(&output)
            .and_then(|out| Ok(out.modified()? >= std::fs::metadata(&input)?.modified()?))
            .unwrap_or(false);
        if !fresh {
            write(&output, &link_elf(&elf).map_err(|error| format!("{elf_name}: {error}"))?)?;
        }
        println!("linked {elf_name} -> {}", output.display());
    }
    Ok(())
}

fn native(out_dir: &str) -> Result<(), String> {
    if !clang_available() {
        return Err("clang-19 not found (apt-get install -y clang-19 lld-19)".into());
    }
    let tree = tree();
    std::fs::create_dir_all(out_dir).map_err(|error| format!("cannot create {out_dir}: {error}"))?;
    for source in tree.bench_sources()? {
        let stem = source.file_stem().and_then(|stem| stem.to_str()).ok_or("bad source file name")?;
        let output = Path::new(out_dir).join(stem);
        build_native(&source, &tree.native_driver(), &tree.include(), &output)?;
        println!("built native {}", output.display());
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["build"] => build(false),
        ["check"] => build(true),
        ["link", input, output] => link(input, output),
        ["test-blobs", out_dir] => test_blobs(out_dir),
        ["native", out_dir] => native(out_dir),
        _ => Err(USAGE.into()),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
