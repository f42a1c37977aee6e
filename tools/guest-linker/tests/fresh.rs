//! The committed blobs in `guest-programs/output/` are what their C sources build to today.
#![allow(clippy::print_stderr, reason = "tests say when they are skipped")]

use kestrel_guest_linker::{GuestTree, clang_available, compare_with_output};

#[test]
fn committed_guest_blobs_are_up_to_date() {
    if !clang_available() {
        eprintln!("skipped: guest blob freshness check (clang-19 not found)");
        return;
    }
    let tree = GuestTree::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../guest-programs"));
    let scratch = std::env::temp_dir().join(format!("kestrel-guests-test-{}", std::process::id()));
    let built = tree.build_all(&scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let built = built.unwrap();
    assert!(built.len() >= 12, "{} guests", built.len());
    let problems = compare_with_output(&tree.output(), &built).unwrap();
    assert!(problems.is_empty(), "run `cargo xtask build-guests`:\n{}", problems.join("\n"));
}
