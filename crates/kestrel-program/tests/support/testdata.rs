//! The shared test data in `../shared/testdata` (beside the workspace, never copied into it).
//! Every reader prints `skipped: <path> not found` and returns `None` when the data is absent.
#![allow(clippy::print_stderr, reason = "tests say when shared test data is missing")]

use std::path::{Path, PathBuf};

use kestrel_program::{ArcBytes, ProgramBlob};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata");

/// A path below the test data directory.
pub fn path(relative: &str) -> PathBuf {
    Path::new(TESTDATA).join(relative)
}

/// The bytes of a test data file.
pub fn read(relative: &str) -> Option<Vec<u8>> {
    let path = path(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("skipped: {} not found", path.display());
            None
        }
    }
}

/// The bytes of `blobs/<name>`.
pub fn blob_bytes(name: &str) -> Option<Vec<u8>> {
    read(&format!("blobs/{name}"))
}

/// `blobs/<name>`, parsed (a parse error panics).
pub fn blob(name: &str) -> Option<ProgramBlob> {
    let bytes = blob_bytes(name)?;
    Some(ProgramBlob::parse(ArcBytes::from(bytes)).unwrap_or_else(|error| panic!("{name}: {error}")))
}

/// The files of a test data directory with the given extension, sorted by path.
pub fn files(directory: &str, extension: &str) -> Option<Vec<PathBuf>> {
    let directory = path(directory);
    let Ok(entries) = std::fs::read_dir(&directory) else {
        eprintln!("skipped: {} not found", directory.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    files.sort();
    Some(files)
}

/// A JAM PVM test vector (`jam-pvm/programs/*.json`), parsed.
pub fn jam_vector(path: &Path) -> serde_json::Value {
    let text = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every JAM PVM test vector, sorted by file name.
pub fn jam_vectors() -> Option<Vec<(PathBuf, serde_json::Value)>> {
    let files = files("jam-pvm/programs", "json")?;
    Some(
        files
            .into_iter()
            .map(|path| {
                let json = jam_vector(&path);
                (path, json)
            })
            .collect(),
    )
}

/// The `"program": [ ... ]` bytes of a JAM test vector (every element must be a byte).
pub fn jam_program(json: &serde_json::Value) -> Vec<u8> {
    let bytes: Option<Vec<u8>> = json
        .get("program")
        .and_then(serde_json::Value::as_array)
        .and_then(|array| array.iter().map(|v| v.as_u64().and_then(|b| u8::try_from(b).ok())).collect());
    bytes.expect("a program field of bytes")
}
