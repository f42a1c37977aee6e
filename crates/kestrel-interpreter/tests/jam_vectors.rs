//! The 307 JAM PVM test vectors: 306 pass; `inst_fallthrough` fails exactly as on polkavm 0.37.

use std::path::Path;

#[test]
#[allow(clippy::print_stdout, reason = "skip notice and failure details")]
fn jam_vectors() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata/jam-pvm/programs"));
    if !dir.is_dir() {
        println!("skipped: {} not found", dir.display());
        return;
    }
    let mut out = Vec::new();
    let summary = kestrel_interpreter::conformance::run_directory(dir, &mut out).unwrap();
    let report = String::from_utf8_lossy(&out);
    for (name, message) in &summary.failed {
        println!("{name}: {message}");
    }
    assert_eq!(summary.passed.len() + summary.failed.len(), 307, "{report}");
    assert_eq!(summary.failed.len(), 1, "{report}");
    let (name, message) = &summary.failed[0];
    assert_eq!(name, "inst_fallthrough");
    // polkavm 0.37 traps on the `fallthrough` itself: pc 0, gas 9999.
    assert_eq!(message, "pc Some(0), expected 1 (gas 9999)");
    assert!(report.ends_with("306 passed, 1 failed\n"), "{report}");
}
