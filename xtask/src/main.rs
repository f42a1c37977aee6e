//! `cargo xtask`: the only place that orchestrates builds and test runs.
//!
//! Subcommands:
//! - `test`: the full check the README and CI run (format, lints, tests, fuzz targets compile).
//! - `bench [ARGS]`: the DOOM benchmark against polkavm 0.37 (`kestrel-benches doom ARGS`, release).
//! - `build-guests`: not implemented yet; it says so and exits with code 2.

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool reports progress on the terminal")]

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test           cargo fmt --check, clippy -D warnings, the workspace tests, cargo check of fuzz/
  bench [ARGS]   the DOOM benchmark against polkavm 0.37 (kestrel-benches doom ARGS; see docs/benchmarks.md)
  build-guests   build the guest programs (not implemented yet)";

/// Exit code for subcommands that exist in the plan but are not written yet.
const NOT_IMPLEMENTED: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") if args.len() == 1 => test(),
        Some("bench") => bench(&args[1..]),
        Some("build-guests") if args.len() == 1 => {
            eprintln!("cargo xtask {}: not implemented yet (issue #4)", args[0]);
            return ExitCode::from(NOT_IMPLEMENTED);
        }
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
    cargo()
        .args(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// `cargo run --release -p kestrel-benches -- doom ARGS`, as docs/benchmarks.md describes.
fn bench(args: &[String]) -> Result<()> {
    let mut run = cargo();
    run.args(["run", "--release", "-p", "kestrel-benches", "--", "doom"]).args(args);
    step("cargo run --release -p kestrel-benches -- doom", run)
}

fn test() -> Result<()> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    step("cargo fmt --all --check", fmt)?;

    let mut clippy = cargo();
    clippy.args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
    step("cargo clippy --workspace --all-targets -- -D warnings", clippy)?;

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
    if has_nextest() {
        // nextest does not run doctests; run them separately first.
        let mut doc = cargo();
        doc.args(["test", "--workspace", "--doc"]);
        step("cargo test --workspace --doc", doc)?;

        let mut nextest = cargo();
        nextest.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        step("cargo nextest run --workspace", nextest)?;
    } else {
        let mut test = cargo();
        test.args(["test", "--workspace"]);
        step("cargo test --workspace", test)?;
    }
    Ok(())
}
