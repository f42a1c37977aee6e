//! `cargo xtask`: the only place that orchestrates builds and test runs.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool reports on the terminal")]

mod bench_report;
mod guests;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build-guests") => guests::build_guests(&args[1..]),
        Some("bench") => guests::bench(&args[1..]),
        _ => anyhow::bail!("usage: cargo xtask build-guests [--check] | bench [--quick] [--reps R] [--no-doom]"),
    }
}
