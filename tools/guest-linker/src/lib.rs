//! Build tool for guest programs: C sources → (clang-19) → RISC-V ELF → (polkavm-linker 0.37) → blob.
//!
//! This crate is the only one that depends on polkavm-linker; the library crates never do.
//! `docs/guest-programs.md` describes the recipe and the facts it relies on.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The C compiler the recipe is written for (rv64e / lp64e needs clang ≥ 17; we pin 19).
pub const CLANG: &str = "clang-19";

/// Flags for a guest object: 64-bit RISC-V with the E, M, A and C extensions, freestanding.
/// `-mno-relax` keeps the object free of linker-relaxation pairs; `-fno-pic` gives plain
/// absolute/pc-relative relocations, which polkavm-linker resolves itself.
pub const GUEST_CFLAGS: &[&str] = &[
    "--target=riscv64-unknown-none-elf",
    "-march=rv64emac",
    "-mabi=lp64e",
    "-O2",
    "-ffreestanding",
    "-nostdlib",
    "-fno-pic",
    "-mno-relax",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-std=c2x",
];

/// Flags for the native x86-64 build of a benchmark (the "physical limit" row).
pub const NATIVE_CFLAGS: &[&str] = &["-O2", "-march=x86-64-v2", "-DKESTREL_NATIVE", "-std=c2x", "-Wall", "-Werror"];

/// Links an ELF file (executable or relocatable; zstd-compressed if it starts with the zstd
/// magic) into a Latest64 blob, stripped and optimised.
pub fn link_elf(elf: &[u8]) -> Result<Vec<u8>, String> {
    let decompressed;
    let elf = if elf.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        decompressed = decompress_zstd(elf)?;
        &decompressed[..]
    } else {
        elf
    };
    let mut config = polkavm_linker::Config::default();
    config.set_strip(true);
    config.set_optimize(true);
    polkavm_linker::program_from_elf(config, polkavm_linker::TargetInstructionSet::Latest, elf)
        .map_err(|error| format!("polkavm-linker: {error}"))
}

/// Decompresses a zstd frame (the shared test data ELFs are stored compressed).
pub fn decompress_zstd(data: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut decoder = ruzstd::decoding::StreamingDecoder::new(data).map_err(|error| format!("zstd: {error}"))?;
    let mut out = Vec::new();
    decoder.read_to_end(&mut out).map_err(|error| format!("zstd: {error}"))?;
    Ok(out)
}

/// Whether `clang-19` can be run.
pub fn clang_available() -> bool {
    Command::new(CLANG).arg("--version").output().is_ok_and(|output| output.status.success())
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|error| format!("cannot run {command:?}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed:\n{}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// Compiles one C guest to a relocatable RISC-V object (`clang -c`), which polkavm-linker takes
/// directly: no ld.lld step is needed for a one-file guest.
pub fn compile_guest(source: &Path, include: &Path, object: &Path) -> Result<(), String> {
    run(Command::new(CLANG).args(GUEST_CFLAGS).arg("-I").arg(include).arg("-c").arg(source).arg("-o").arg(object))
}

/// Compiles and links one C guest into blob bytes.
pub fn build_guest(source: &Path, include: &Path, scratch: &Path) -> Result<Vec<u8>, String> {
    let stem = source.file_stem().and_then(|stem| stem.to_str()).ok_or("bad source file name")?;
    let object = scratch.join(format!("{stem}.o"));
    compile_guest(source, include, &object)?;
    let elf = std::fs::read(&object).map_err(|error| format!("cannot read {}: {error}", object.display()))?;
    link_elf(&elf).map_err(|error| format!("{}: {error}", source.display()))
}

/// Builds a native x86-64 executable from a benchmark source and the native driver.
pub fn build_native(source: &Path, driver: &Path, include: &Path, output: &Path) -> Result<(), String> {
    run(Command::new(CLANG).args(NATIVE_CFLAGS).arg("-I").arg(include).arg(source).arg(driver).arg("-o").arg(output))
}

/// The layout of `guest-programs/`.
#[derive(Debug, Clone)]
pub struct GuestTree {
    pub root: PathBuf,
}

impl GuestTree {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        GuestTree { root: root.into() }
    }

    pub fn include(&self) -> PathBuf {
        self.root.join("include")
    }

    pub fn output(&self) -> PathBuf {
        self.root.join("output")
    }

    pub fn native_driver(&self) -> PathBuf {
        self.root.join("native").join("driver.c")
    }

    /// All guest sources: `src/*.c` (tests) and `bench/*.c` (benchmarks), sorted by name.
    pub fn sources(&self) -> Result<Vec<PathBuf>, String> {
        let mut sources = Vec::new();
        for dir in ["src", "bench"] {
            let dir = self.root.join(dir);
            let entries = std::fs::read_dir(&dir).map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
            for entry in entries {
                let path = entry.map_err(|error| error.to_string())?.path();
                if path.extension().is_some_and(|extension| extension == "c") {
                    sources.push(path);
                }
            }
        }
        sources.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        Ok(sources)
    }

    /// Benchmark sources only.
    pub fn bench_sources(&self) -> Result<Vec<PathBuf>, String> {
        Ok(self.sources()?.into_iter().filter(|path| path.parent().is_some_and(|dir| dir.ends_with("bench"))).collect())
    }

    /// Builds every guest into `(output file name, blob bytes)`.
    pub fn build_all(&self, scratch: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
        std::fs::create_dir_all(scratch).map_err(|error| format!("cannot create {}: {error}", scratch.display()))?;
        let mut blobs = Vec::new();
        for source in self.sources()? {
            let stem = source.file_stem().and_then(|stem| stem.to_str()).ok_or("bad source file name")?;
            blobs.push((format!("{stem}.polkavm"), build_guest(&source, &self.include(), scratch)?));
        }
        Ok(blobs)
    }
}

/// Differences between freshly built blobs and `output/`: names of missing, stale or extra files.
pub fn compare_with_output(output: &Path, built: &[(String, Vec<u8>)]) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for (name, bytes) in built {
        match std::fs::read(output.join(name)) {
            Ok(committed) if committed == *bytes => {}
            Ok(_) => problems.push(format!("{name}: differs from a fresh build")),
            Err(_) => problems.push(format!("{name}: missing")),
        }
    }
    if let Ok(entries) = std::fs::read_dir(output) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".polkavm") && !built.iter().any(|(built_name, _)| *built_name == name) {
                problems.push(format!("{name}: no source"));
            }
        }
    }
    problems.sort();
    Ok(problems)
}
