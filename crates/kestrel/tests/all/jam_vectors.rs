//! The 307 JAM PVM test vectors through `kestrel::conformance`: 306 pass; `inst_fallthrough` fails
//! exactly as on polkavm 0.37, which the runner recognises as the known divergence.

use kestrel::InstructionSetKind;
use kestrel::conformance::{self, Summary};

use crate::common::{dynamic_paging_engine, testdata};

#[test]
fn jam_vectors() {
    let Some(dir) = testdata("jam-pvm") else { return };
    let engine = dynamic_paging_engine();
    let isa = InstructionSetKind::ReviveV1;

    let paths = conformance::vector_paths(&dir).expect("the vectors are there");
    let results: Vec<_> = paths.iter().map(|path| conformance::run_file(&engine, isa, path)).collect();
    let failures: Vec<_> = results.iter().filter(|result| !result.passed).collect();
    let summary = Summary::new(isa, &results);
    assert_eq!(results.len(), 307);
    assert_eq!((summary.passed, summary.failed, summary.known_divergences), (306, 1, 1), "{failures:#?}");
    assert!(summary.is_ok());

    // polkavm 0.37 traps on the `fallthrough` itself: pc 0, gas 9999.
    let failure = failures[0];
    assert_eq!(failure.name, "inst_fallthrough");
    assert_eq!(failure.differences, ["pc 0, expected 1", "gas 9999, expected 9998"]);
    let known = failure.divergence().expect("a known divergence");
    assert_eq!((known.status, known.pc, known.gas), ("panic", 0, 9999));
}
