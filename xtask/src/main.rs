//! `cargo xtask`: the only place that orchestrates builds and test runs.

fn main() {}
