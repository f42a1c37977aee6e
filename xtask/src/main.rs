//! `cargo xtask`: the only place that orchestrates builds and test runs.
//!
//! Subcommands:
//! - `test`: the full check the README and CI run (format, lints, tests, fuzz targets compile).
//! - `bench [--quick] [--reps R] [--no-doom] [--no-write]`: guest benchmarks and DOOM against
//!   polkavm 0.37; prints the ratio table and regenerates its section of docs/benchmarks.md.
//! - `bench-ab REV [--runs N] [--frames F]`: DOOM ratio of the working tree against revision REV,
//!   the two builds run alternately.
//! - `build-guests [--check]`: rebuild guest-programs/output/ from the C sources (or check it).
//! - `fuzz [--seconds N] [TARGET...]`: run the cargo-fuzz targets on nightly (not part of `test`).

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool reports progress on the terminal")]

use std::env;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

mod bench_ab;
mod bench_report;
mod fuzz;
mod guests;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test           cargo fmt --check, clippy -D warnings, the workspace tests (and kestrel with
                 module-cache), cargo check of fuzz/
  bench [--quick] [--reps R] [--no-doom] [--no-write]
                 guest benchmarks and DOOM against polkavm 0.37: ratio table, docs/benchmarks.md section + SVG
  bench-ab REV [--runs N] [--frames F]
                 DOOM ratio of the working tree vs revision REV (built in a temporary worktree),
                 runs alternated so both see the same machine state (default 5 runs of 800 frames)
  build-guests [--check]
                 rebuild guest-programs/output/*.polkavm with clang-19 + polkavm-linker (--check: compare only)
  fuzz [--seconds N] [TARGET...]
                 run the fuzz targets (default: all) for N seconds each (default 60) with cargo +nightly fuzz;
                 skips with a message when nightly or cargo-fuzz is missing";

/// Exit code for subcommands that exist in the plan but are not written yet.
const NOT_IMPLEMENTED: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") if args.len() == 1 => test(),
        Some("bench") => guests::bench(&args[1..]),
        Some("bench-ab") => bench_ab::bench_ab(&args[1..]),
        Some("build-guests") => guests::build_guests(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(NOT_IMPLEMENTED);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// The `cargo` that invoked us (so the pinned toolchain is used), or `cargo` from `PATH`.
fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs one step, printing a `==> step` header; fails on a non-zero exit.
fn step(title: &str, mut command: Command) -> Result<()> {
    println!("==> {title}");
    let status =
        command.current_dir(workspace_root()).status().with_context(|| format!("could not start `{title}`"))?;
    if !status.success() {
        bail!("step `{title}` failed ({status})");
    }
    Ok(())
}

fn has_nextest() -> bool {
    quietly_succeeds(cargo().args(["nextest", "--version"]))
}

/// Whether nextest can list every test binary. A `harness = false` test must answer nextest's
/// `--list --format terse` protocol (libtest-mimic does); one that does not makes nextest fail
/// before running anything.
fn nextest_can_list() -> bool {
    quietly_succeeds(cargo().args(["nextest", "list", "--workspace"]).current_dir(workspace_root()))
}

fn quietly_succeeds(command: &mut Command) -> bool {
    command.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|status| status.success())
}

fn test() -> Result<()> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    step("cargo fmt --all --check", fmt)?;

    let mut clippy = cargo();
    clippy.args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
    step("cargo clippy --workspace --all-targets -- -D warnings", clippy)?;

    // Optional features that the workspace build leaves off.
    let mut clippy_cache = cargo();
    clippy_cache.args([
        "clippy",
        "-p",
        "kestrel",
        "--all-targets",
        "--features",
        "module-cache",
        "--",
        "-D",
        "warnings",
    ]);
    step("cargo clippy -p kestrel --all-targets --features module-cache -- -D warnings", clippy_cache)?;

    // The fuzz crate is outside the workspace (it needs nightly tooling to run), but it must keep
    // compiling against the library on stable.
    let fuzz_manifest = workspace_root().join("fuzz").join("Cargo.toml");
    if fuzz_manifest.is_file() {
        let mut check = cargo();
        check.arg("check").arg("--manifest-path").arg(&fuzz_manifest);
        step("cargo check --manifest-path fuzz/Cargo.toml", check)?;
    } else {
        println!("==> cargo check of fuzz/: skipped (no fuzz/Cargo.toml)");
    }

    // The test run goes last so that its summary line is the last thing printed.
    let use_nextest = has_nextest() && {
        println!("==> cargo nextest list --workspace (can nextest run every test binary?)");
        let listed = nextest_can_list();
        if !listed {
            println!(
                "==> note: `cargo nextest list --workspace` failed (a harness = false test without nextest's \
                 --list support?); running the tests with cargo test instead"
            );
        }
        listed
    };
    if use_nextest {
        // nextest does not run doctests; run them separately first.
        let mut doc = cargo();
        doc.args(["test", "--workspace", "--doc"]);
        step("cargo test --workspace --doc", doc)?;

        let mut cache = cargo();
        cache.args(["nextest", "run", "-p", "kestrel", "--features", "module-cache", "--no-fail-fast"]);
        step("cargo nextest run -p kestrel --features module-cache", cache)?;

        let mut nextest = cargo();
        nextest.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        step("cargo nextest run --workspace", nextest)?;
    } else {
        let mut cache = cargo();
        cache.args(["test", "-p", "kestrel", "--features", "module-cache", "--no-fail-fast"]);
        step("cargo test -p kestrel --features module-cache", cache)?;

        let mut test = cargo();
        test.args(["test", "--workspace", "--no-fail-fast"]);
        cargo_test_with_summary(test)?;
    }
    Ok(())
}

/// Test counts summed over every test binary of a `cargo test` run.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
    skipped: u64,
}

impl Counts {
    /// Adds the counts from one line of test output, if it is a summary line: libtest's
    /// `test result: ok. 3 passed; 0 failed; 1 ignored; ...`, or a custom harness's
    /// `43 spec tests, 0 failed`.
    fn add_line(&mut self, line: &str) {
        let number = |text: &str| text.trim().parse::<u64>().ok();
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(kind), Some(count)) = (words.next(), words.next().and_then(number)) else { continue };
                match kind {
                    "passed" => self.passed += count,
                    "failed" => self.failed += count,
                    "ignored" => self.skipped += count,
                    _ => {}
                }
            }
        } else if let Some((total, failed)) = line.split_once(" tests, ")
            && let (Some(total), Some(failed)) =
                (total.split_whitespace().next().and_then(number), failed.strip_suffix(" failed").and_then(number))
            && total >= failed
        {
            self.passed += total - failed;
            self.failed += failed;
        }
    }
}

/// Runs `cargo test`, echoing its output, and ends with one summary line for the whole run
/// (`summary: N passed, N failed, N skipped`): cargo's own last line only covers the last binary.
fn cargo_test_with_summary(mut command: Command) -> Result<()> {
    println!("==> cargo test --workspace");
    let mut child =
        command.current_dir(workspace_root()).stdout(Stdio::piped()).spawn().context("could not start `cargo test`")?;
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading the output of `cargo test`")?;
            println!("{line}");
            counts.add_line(&line);
        }
    }
    let status = child.wait().context("waiting for `cargo test`")?;
    println!("summary: {} passed, {} failed, {} skipped", counts.passed, counts.failed, counts.skipped);
    if !status.success() {
        bail!("step `cargo test --workspace` failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Counts;

    #[test]
    fn summary_lines_are_counted() {
        let mut counts = Counts::default();
        for line in [
            "test result: ok. 11 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.10s",
            "running 3 tests",
            "test result: FAILED. 5 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "43 spec tests, 2 failed",
            "test foo ... ok",
        ] {
            counts.add_line(line);
        }
        assert_eq!(counts, Counts { passed: 11 + 5 + 41, failed: 1 + 2, skipped: 2 });
    }
}
