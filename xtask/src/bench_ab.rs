//! `cargo xtask bench-ab REV [--runs N] [--frames F]`: the DOOM benchmark of the working tree
//! against the one of revision REV, run alternately (REV, current, REV, current, ...), so that both
//! builds see the same machine state. On a shared machine the Kestrel/polkavm ratio of one build
//! moves by 10% or more between runs minutes apart; only builds measured side by side like this
//! can be compared (docs/benchmarks.md).
//!
//! REV is checked out in a temporary git worktree next to the workspace (so that its
//! `../shared` test data resolves the same way) and built with its own target directory under
//! `target/bench-ab/`; the worktree is removed when the runs are done.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::guests::workspace;

const USAGE: &str = "usage: cargo xtask bench-ab REV [--runs N] [--frames F]";

struct Options {
    rev: String,
    runs: usize,
    frames: u32,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut rev = None;
    let mut runs = 5;
    let mut frames = 800;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| iter.next().with_context(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--runs" => runs = value("--runs")?.parse().context("--runs takes a number")?,
            "--frames" => frames = value("--frames")?.parse().context("--frames takes a number")?,
            _ if arg.starts_with('-') => bail!("unknown option {arg}\n{USAGE}"),
            _ if rev.is_none() => rev = Some(arg.clone()),
            _ => bail!("one revision only\n{USAGE}"),
        }
    }
    let rev = rev.with_context(|| format!("which revision?\n{USAGE}"))?;
    if runs == 0 || frames == 0 {
        bail!("--runs and --frames must be at least 1");
    }
    Ok(Options { rev, runs, frames })
}

fn run(command: &mut Command) -> Result<String> {
    let output = command.output().with_context(|| format!("cannot run {command:?}"))?;
    if !output.status.success() {
        bail!("{command:?} failed ({}):\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn cargo_build(dir: &Path, target_dir: &Path) -> Result<PathBuf> {
    let status = crate::guests::cargo()
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .args(["build", "--release", "--quiet", "-p", "kestrel-benches", "--bin", "kestrel-benches"])
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("building kestrel-benches in {} failed ({status})", dir.display());
    }
    Ok(target_dir.join("release").join("kestrel-benches"))
}

/// A detached worktree of `commit`, removed when dropped.
struct Worktree {
    path: PathBuf,
}

impl Worktree {
    fn add(commit: &str) -> Result<Worktree> {
        let root = workspace();
        let parent = root.parent().context("the workspace has no parent directory")?;
        let path = parent.join(format!("kestrel-bench-ab-{commit}"));
        if path.exists() {
            bail!("{} exists already (left by an interrupted run?); remove it first", path.display());
        }
        run(Command::new("git")
            .current_dir(&root)
            .args(["worktree", "add", "--detach", "--quiet"])
            .arg(&path)
            .arg(commit))?;
        Ok(Worktree { path })
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let removed = Command::new("git")
            .current_dir(workspace())
            .args(["worktree", "remove", "--force"])
            .arg(&self.path)
            .status()
            .is_ok_and(|status| status.success());
        if !removed {
            eprintln!("warning: could not remove the worktree {}", self.path.display());
        }
    }
}

/// One DOOM run: the median per-batch CPU-time ratio, checking that the frames matched.
fn measure(binary: &Path, frames: u32) -> Result<f64> {
    let text = run(Command::new(binary).args(["doom", "--json", "--frames", &frames.to_string()]))?;
    let json: serde_json::Value = serde_json::from_str(&text).context("kestrel-benches did not print JSON")?;
    if json["frame_hashes_match"] != serde_json::Value::Bool(true) {
        bail!("{}: the frames of Kestrel and polkavm differ", binary.display());
    }
    json["ratios_kestrel_over_polkavm"]["run_cpu_median_batch"]
        .as_f64()
        .context("no run_cpu_median_batch ratio in the benchmark output")
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The closing summary: per-build runs, median, range, and the change of the median.
fn summary(base_name: &str, base: &[f64], current: &[f64]) -> String {
    let line = |name: &str, values: &[f64]| {
        let runs: Vec<String> = values.iter().map(|v| format!("{v:.3}")).collect();
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{name:<14} median {:.3}  range {min:.3}-{max:.3}  runs {}\n", median(values), runs.join(" "))
    };
    let change = (median(current) / median(base) - 1.0) * 100.0;
    format!(
        "DOOM, Kestrel/polkavm on-CPU time (median of per-batch ratios), runs alternated\n{}{}working tree vs {base_name}: {change:+.1}% (negative = faster)\n",
        line(base_name, base),
        line("working tree", current)
    )
}

pub fn bench_ab(args: &[String]) -> Result<()> {
    let options = parse(args)?;
    let root = workspace();
    let commit = run(Command::new("git")
        .current_dir(&root)
        .args(["rev-parse", "--short=12"])
        .arg(format!("{}^{{commit}}", options.rev)))?;
    let out = root.join("target").join("bench-ab");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;

    eprintln!("building the working tree");
    let current = out.join("current-kestrel-benches");
    std::fs::copy(cargo_build(&root, &root.join("target"))?, &current).context("cannot copy the benchmark binary")?;

    eprintln!("building {commit}");
    let base = out.join(format!("{commit}-kestrel-benches"));
    // Kept until the runs are done: the binary finds the test data through its source tree.
    let tree = Worktree::add(&commit)?;
    let built = cargo_build(&tree.path, &out.join("target"))?;
    std::fs::copy(built, &base).context("cannot copy the benchmark binary")?;

    let (mut base_ratios, mut current_ratios) = (Vec::new(), Vec::new());
    for index in 0..options.runs {
        let base_ratio = measure(&base, options.frames)?;
        let current_ratio = measure(&current, options.frames)?;
        eprintln!("run {}/{}: {commit} {base_ratio:.3}, working tree {current_ratio:.3}", index + 1, options.runs);
        base_ratios.push(base_ratio);
        current_ratios.push(current_ratio);
    }
    drop(tree);
    print!("{}", summary(&commit, &base_ratios, &current_ratios));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_parsed() {
        let args: Vec<String> = ["HEAD~2", "--runs", "3", "--frames", "100"].map(String::from).to_vec();
        let options = parse(&args).unwrap();
        assert_eq!((options.rev.as_str(), options.runs, options.frames), ("HEAD~2", 3, 100));
        assert!(parse(&[]).is_err());
        assert!(parse(&["a".into(), "b".into()]).is_err());
        assert!(parse(&["a".into(), "--runs".into(), "0".into()]).is_err());
        assert!(parse(&["a".into(), "--speed".into()]).is_err());
    }

    #[test]
    fn summary_reports_medians_and_change() {
        assert_eq!(median(&[0.3, 0.1, 0.2]), 0.2);
        assert_eq!(median(&[0.4, 0.1, 0.2, 0.3]), 0.25);
        let text = summary("abc", &[0.44, 0.46, 0.45], &[0.40, 0.39, 0.41]);
        assert!(text.contains("abc            median 0.450  range 0.440-0.460"), "{text}");
        assert!(text.contains("working tree   median 0.400  range 0.390-0.410"), "{text}");
        assert!(text.contains("-11.1%"), "{text}");
    }
}
