//! `cargo xtask build-guests` and `cargo xtask bench`.
//!
//! The C guests are built by `tools/guest-linker` (the only crate that depends on
//! polkavm-linker), which xtask runs through cargo so that xtask itself stays light.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::bench_report;

/// The workspace root (xtask lives one level below it).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(workspace());
    command
}

fn check_status(command: &mut Command) -> Result<()> {
    let status = command.status().with_context(|| format!("cannot run {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}

/// Runs `kestrel-guest-linker ARGS...`.
pub fn guest_linker(args: &[&str]) -> Result<()> {
    check_status(cargo().args(["run", "--quiet", "-p", "kestrel-guest-linker", "--"]).args(args))
}

/// `cargo xtask build-guests [--check]`: rebuild `guest-programs/output/` (or check it is fresh).
pub fn build_guests(args: &[String]) -> Result<()> {
    match args {
        [] => guest_linker(&["build"]),
        [flag] if flag == "--check" => guest_linker(&["check"]),
        _ => bail!("usage: cargo xtask build-guests [--check]"),
    }
}

/// Runs a release binary of kestrel-benches and returns its stdout (stderr goes to the terminal).
fn bench_json(args: &[&str]) -> Result<Option<serde_json::Value>> {
    let output = cargo()
        .args(["run", "--quiet", "--release", "-p", "kestrel-benches"])
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo")?;
    if !output.status.success() {
        eprintln!("warning: kestrel-benches {} failed ({})", args.join(" "), output.status);
        return Ok(None);
    }
    let json = serde_json::from_slice(&output.stdout).context("benchmark output is not JSON")?;
    Ok(Some(json))
}

/// `cargo xtask bench [--quick] [--reps R] [--no-doom] [--no-write]`: the guest benchmarks
/// (interpreter, and JIT when Kestrel has one) and DOOM; prints the ratio table and rewrites the
/// generated section of `docs/benchmarks.md` and `docs/benchmarks-guests.svg`.
pub fn bench(args: &[String]) -> Result<()> {
    let mut quick = false;
    let mut doom = true;
    let mut write = true;
    let mut reps = String::from("5");
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--no-doom" => doom = false,
            "--no-write" => write = false,
            "--reps" => reps = iter.next().context("--reps needs a number")?.clone(),
            _ => bail!("usage: cargo xtask bench [--quick] [--reps R] [--no-doom] [--no-write]"),
        }
    }

    let native_dir = workspace().join("target").join("guest-native");
    let native_dir_str = native_dir.to_str().context("non-UTF-8 target path")?;
    let have_native = match guest_linker(&["native", native_dir_str]) {
        Ok(()) => true,
        Err(error) => {
            eprintln!("warning: no native row ({error:#})");
            false
        }
    };

    let mut guest_args = vec!["--bin", "guests", "--", "--json", "--reps", reps.as_str()];
    if quick {
        guest_args.push("--quick");
    }
    if have_native {
        guest_args.extend(["--native-dir", native_dir_str]);
    }
    let guests = bench_json(&guest_args)?.context("the guest benchmarks failed")?;

    let doom = if doom {
        let frames = if quick { "50" } else { "800" };
        bench_json(&["--bin", "kestrel-benches", "--", "doom", "--json", "--frames", frames])?
    } else {
        None
    };

    let report = bench_report::Report::new(&guests, doom.as_ref(), quick);
    print!("{}", report.terminal_table());
    if write && !quick {
        let docs = workspace().join("docs");
        std::fs::write(docs.join("benchmarks-guests.svg"), report.svg())?;
        let path = docs.join("benchmarks.md");
        let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
        std::fs::write(&path, bench_report::replace_section(&old, &report.markdown()))?;
        println!("wrote docs/benchmarks.md (generated section) and docs/benchmarks-guests.svg");
    }
    Ok(())
}
