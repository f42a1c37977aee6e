//! Helpers shared by tests and benchmarks (never published; no library crate of the workspace may
//! depend on it except as a dev-dependency).
//!
//! * [`testdata`], [`engine`]: shared test data paths and the engine tests run on.
//! * [`doom`]: the DOOM host (WAD, video frames, stdout) for Kestrel's [`kestrel::Linker`], polkavm
//!   0.37's `Linker` and Kestrel's raw interpreter, plus a lockstep runner that compares every
//!   frame of the two VMs.

pub mod doom;

use std::path::PathBuf;

/// A file of the shared test data (`../shared/testdata` next to the workspace), or `None` (with a
/// "skipped" message) when it is absent.
#[allow(clippy::print_stderr, reason = "tests say why they skip")]
pub fn testdata(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata")).join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} not found", path.display());
        None
    }
}

/// A Kestrel engine with the defaults plus the `POLKAVM_*` / `KESTREL_*` environment, so a whole
/// suite can be repeated on another backend (`KESTREL_BACKEND=compiler cargo test`).
pub fn engine() -> kestrel::Engine {
    kestrel::Engine::new(&kestrel::Config::from_env().expect("valid environment")).expect("default engine")
}
