//! `cargo xtask fuzz [--seconds N] [TARGET...]`: runs the cargo-fuzz targets in `fuzz/`, one
//! after the other, each for N seconds (default 60), with a single libFuzzer job.
//!
//! cargo-fuzz needs a nightly toolchain (`cargo +nightly fuzz run`); when nightly or cargo-fuzz is
//! missing this says so and succeeds, so the command is safe to run anywhere. Before running, each
//! target's corpus directory (`fuzz/corpus/TARGET`, ignored by git) gets seed inputs made from
//! committed files; `parse_blob` also reads `../shared/testdata/blobs` when it exists (read-only:
//! libFuzzer only writes new inputs into the first corpus directory).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::workspace_root;

const USAGE: &str = "usage: cargo xtask fuzz [--seconds N] [TARGET...]";

/// Inputs larger than this are not generated (and larger seeds are truncated): big inputs make
/// every execution slow, and the decoder has no behaviour that needs more than a few KiB.
const MAX_LEN: u32 = 64 * 1024;

/// Seconds one input may take before libFuzzer reports it as a timeout (a hang is a bug too).
const TIMEOUT_SECONDS: u32 = 10;

/// A `cargo +nightly ...` command through the rustup proxy on `PATH` (the `CARGO` that runs xtask
/// is the pinned stable toolchain's own binary, which does not understand `+nightly`).
fn nightly_cargo() -> Command {
    let mut command = Command::new("cargo");
    command.arg("+nightly").current_dir(workspace_root());
    // Settings of the stable cargo that runs xtask must not leak into the nightly build.
    for variable in ["CARGO", "RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN", "CARGO_TARGET_DIR"] {
        command.env_remove(variable);
    }
    command
}

fn succeeds(command: &mut Command) -> bool {
    command.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|status| status.success())
}

/// The targets: the files in `fuzz/fuzz_targets/`.
fn available_targets(fuzz_dir: &Path) -> Result<Vec<String>> {
    let mut targets = Vec::new();
    for entry in fs::read_dir(fuzz_dir.join("fuzz_targets")).context("reading fuzz/fuzz_targets")? {
        let path = entry?.path();
        if path.extension().is_some_and(|extension| extension == "rs")
            && let Some(stem) = path.file_stem().and_then(|stem| stem.to_str())
        {
            targets.push(stem.to_string());
        }
    }
    targets.sort();
    Ok(targets)
}

pub fn fuzz(args: &[String]) -> Result<()> {
    let mut seconds: u32 = 60;
    let mut requested = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = iter.next().context(USAGE)?;
                seconds = value.parse().with_context(|| format!("--seconds wants a number, not {value:?}"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            name if !name.starts_with('-') => requested.push(name.to_string()),
            _ => bail!("{USAGE}"),
        }
    }

    let fuzz_dir = workspace_root().join("fuzz");
    let available = available_targets(&fuzz_dir)?;
    for name in &requested {
        if !available.contains(name) {
            bail!("unknown fuzz target {name:?} (available: {})", available.join(", "));
        }
    }
    let targets = if requested.is_empty() { available } else { requested };

    if !succeeds(nightly_cargo().arg("--version")) {
        println!(
            "==> fuzz: skipped: no nightly toolchain (`cargo +nightly --version` failed); install one with rustup"
        );
        return Ok(());
    }
    if !succeeds(nightly_cargo().args(["fuzz", "--version"])) {
        println!("==> fuzz: skipped: cargo-fuzz is not installed (`cargo install cargo-fuzz`)");
        return Ok(());
    }

    let mut failed = Vec::new();
    for target in &targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        let seeds = seed_corpus(target, &corpus)?;
        println!("==> cargo +nightly fuzz run {target} ({seconds} s; {seeds} seeds in {})", corpus.display());
        let mut command = nightly_cargo();
        command.args(["fuzz", "run", target.as_str()]).arg(&corpus);
        let shared = workspace_root().join("../shared/testdata/blobs");
        if target == "parse_blob" && shared.is_dir() {
            command.arg(shared);
        }
        command.arg("--").args([
            format!("-max_total_time={seconds}"),
            format!("-max_len={MAX_LEN}"),
            format!("-timeout={TIMEOUT_SECONDS}"),
            "-print_final_stats=1".to_string(),
        ]);
        let status = command.status().with_context(|| format!("could not start the fuzzer for {target}"))?;
        if !status.success() {
            println!("==> {target}: FAILED ({status}); the input is in fuzz/artifacts/{target}/");
            failed.push(target.as_str());
        }
    }
    if !failed.is_empty() {
        bail!("fuzz targets failed: {} (see fuzz/artifacts/)", failed.join(", "));
    }
    println!("==> fuzz: {} target(s) ran {seconds} s each without a failure", targets.len());
    Ok(())
}

/// Writes seed inputs for `target` made from committed files into `corpus` (existing files are
/// left alone). Returns how many seeds there are.
fn seed_corpus(target: &str, corpus: &Path) -> Result<usize> {
    fs::create_dir_all(corpus).with_context(|| format!("creating {}", corpus.display()))?;
    let root = workspace_root();
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    let blobs = files(&[root.join("examples"), root.join("guest-programs/output")], "polkavm")?;
    match target {
        "parse_blob" => seeds.extend(blobs),
        "run_program" => {
            // Header: flags, then the entry selector (see fuzz_targets/run_program.rs). Flag 0x20
            // enters at an export, so the seeds start where real programs start.
            for (name, bytes) in blobs {
                for (suffix, header) in [("export", [0x20, 0, 0]), ("export1", [0x20, 1, 0]), ("offset0", [0, 0, 0])] {
                    seeds.push((format!("{name}-{suffix}"), [&header[..], &bytes].concat()));
                }
            }
        }
        "assemble" => {
            // First byte: the default instruction set, used when the text has no `%isa`.
            let mut sources = files(&[root.join("examples")], "asm")?;
            for (name, text) in files(&[root.join("crates/kestrel-interpreter/tests/spec")], "txt")? {
                for (index, program) in spec_programs(&String::from_utf8_lossy(&text)).into_iter().enumerate() {
                    sources.push((format!("{name}-{index}"), program.into_bytes()));
                }
            }
            for (name, text) in sources {
                for isa in 0u8..4 {
                    seeds.push((format!("{name}-isa{isa}"), [&[isa][..], &text].concat()));
                }
            }
        }
        _ => {}
    }
    for (name, bytes) in &seeds {
        let path = corpus.join(format!("seed-{name}"));
        if !path.exists() {
            fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(seeds.len())
}

/// `(file name, contents)` of the files with this extension in the given directories (missing
/// directories are skipped).
fn files(dirs: &[PathBuf], extension: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else { continue };
        let prefix = dir.file_name().and_then(|name| name.to_str()).unwrap_or("seed");
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|found| found == extension)
                && let Some(name) = path.file_name().and_then(|name| name.to_str())
            {
                let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                found.push((format!("{prefix}-{name}"), bytes));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The assembly of each `asm:` section of an interpreter spec test: the lines after `asm:` up to
/// the next section (`steps:`, `code:`, `asm:`, `isa ...`, `gas ...`).
fn spec_programs(text: &str) -> Vec<String> {
    let mut programs = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let keyword =
            matches!(line.trim(), "asm:" | "code:" | "steps:") || line.starts_with("isa ") || line.starts_with("gas ");
        if keyword {
            programs.extend(current.take());
            if line.trim() == "asm:" {
                current = Some(String::new());
            }
        } else if let Some(program) = current.as_mut() {
            program.push_str(line);
            program.push('\n');
        }
    }
    programs.extend(current);
    programs
}

#[cfg(test)]
mod tests {
    use super::spec_programs;

    #[test]
    fn spec_asm_sections_are_extracted() {
        let text = "# comment\nisa all\nasm:\n  a0 = 1\n@end:\n  trap\nsteps:\n  run Trap\nasm:\n  ret\n";
        assert_eq!(spec_programs(text), ["  a0 = 1\n@end:\n  trap\n", "  ret\n"]);
        assert!(spec_programs("isa all\ncode:\n  trap\nsteps:\n").is_empty());
    }
}
