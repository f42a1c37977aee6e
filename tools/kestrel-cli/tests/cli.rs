//! End-to-end tests of the `kestrel` binary: real blobs, malformed input, assemble/disassemble.

#![allow(clippy::print_stdout, reason = "tests say on stdout which data they checked or skipped")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

/// The commands that read a program blob.
const BLOB_COMMANDS: &[&str] = &["info", "disasm"];

fn kestrel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kestrel")).args(args).output().expect("failed to start kestrel")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `kestrel` and requires success.
fn kestrel_ok(args: &[&str]) -> String {
    let output = kestrel(args);
    assert!(output.status.success(), "kestrel {args:?} failed: {}", stderr(&output));
    stdout(&output)
}

/// Runs `kestrel` and requires the one-line error convention: exit code 1, a single stderr line
/// `kestrel: error: ...` that contains `must_contain`, and no panic.
fn kestrel_fails(args: &[&str], must_contain: &str) -> String {
    let output = kestrel(args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "kestrel {args:?}: expected exit code 1, stderr: {err}");
    assert!(!err.contains("panicked"), "kestrel {args:?} panicked: {err}");
    assert_eq!(err.lines().count(), 1, "kestrel {args:?}: expected one line, got: {err}");
    assert!(err.starts_with("kestrel: error: "), "kestrel {args:?}: unexpected message: {err}");
    assert!(err.contains(must_contain), "kestrel {args:?}: {err:?} does not mention {must_contain:?}");
    err
}

/// A fresh path in cargo's per-test scratch directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kestrel-cli-tests");
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir.join(name)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

fn info_json(args: &[&str]) -> Value {
    let mut all = vec!["info", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&kestrel_ok(&all)).expect("info --json prints JSON")
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|item| item["name"].as_str().unwrap_or("<invalid>").to_owned())
        .collect()
}

/// The facts about `../shared/testdata/blobs/*.polkavm` stated in that directory's README.md.
struct BlobFacts {
    file: &'static str,
    isa: &'static str,
    ro_data_size: Option<u64>,
    rw_data_size: Option<u64>,
    stack_size: u64,
    code_len: u64,
    jump_table_entries: Option<u64>,
    /// Export names the README mentions (the blob may have more unless `export_count` says so).
    exports: &'static [&'static str],
    export_count: Option<usize>,
    /// Import names the README mentions (the blob may have more unless `import_count` says so).
    imports: &'static [&'static str],
    import_count: Option<usize>,
}

const BLOB_FACTS: &[BlobFacts] = &[
    BlobFacts {
        file: "example-hello-world.polkavm",
        isa: "latest32",
        ro_data_size: None,
        rw_data_size: None,
        stack_size: 8192,
        code_len: 25,
        jump_table_entries: None,
        exports: &["add_numbers"],
        export_count: Some(1),
        imports: &["get_third_number"],
        import_count: Some(1),
    },
    BlobFacts {
        file: "doom.polkavm",
        isa: "latest32",
        ro_data_size: Some(387468),
        rw_data_size: Some(17091900),
        stack_size: 8192,
        code_len: 541450,
        jump_table_entries: Some(10002),
        exports: &["ext_initialize", "ext_on_keychange", "ext_tick"],
        export_count: None,
        imports: &[],
        import_count: None,
    },
    BlobFacts {
        file: "quake.polkavm",
        isa: "revive_v1",
        ro_data_size: Some(57304),
        rw_data_size: Some(5621064),
        stack_size: 524288,
        code_len: 307512,
        jump_table_entries: Some(9076),
        exports: &["_pvm_start"],
        export_count: None,
        imports: &["pvm_syscall"],
        import_count: None,
    },
];

#[test]
fn info_json_matches_the_facts_about_the_shared_blobs() {
    let dir = Path::new(TESTDATA).join("blobs");
    if !dir.is_dir() {
        println!("skipped: {} not found", dir.display());
        return;
    }
    let mut blobs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read the blobs directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "polkavm"))
        .collect();
    blobs.sort();
    assert!(!blobs.is_empty(), "no .polkavm files in {}", dir.display());

    for path in &blobs {
        let file = path.file_name().and_then(|name| name.to_str()).expect("UTF-8 file name");
        let facts = BLOB_FACTS
            .iter()
            .find(|facts| facts.file == file)
            .unwrap_or_else(|| panic!("no facts known for {file}: add them from the README to BLOB_FACTS"));
        let info = info_json(&[path_str(path)]);
        let size = std::fs::metadata(path).expect("blob metadata").len();

        assert_eq!(info["format"], "polkavm", "{file}");
        assert_eq!(info["isa"], facts.isa, "{file}");
        assert_eq!(info["blob_size"], size, "{file}");
        assert_eq!(info["stack_size"], facts.stack_size, "{file}");
        assert_eq!(info["code_len"], facts.code_len, "{file}");
        if let Some(ro) = facts.ro_data_size {
            assert_eq!(info["ro_data_size"], ro, "{file}");
        }
        if let Some(rw) = facts.rw_data_size {
            assert_eq!(info["rw_data_size"], rw, "{file}");
        }
        if let Some(entries) = facts.jump_table_entries {
            assert_eq!(info["jump_table"]["entries"], entries, "{file}");
        }
        if let Some(count) = facts.export_count {
            assert_eq!(info["exports"].as_array().map(Vec::len), Some(count), "{file}");
        }
        if let Some(count) = facts.import_count {
            assert_eq!(info["imports"].as_array().map(Vec::len), Some(count), "{file}");
        }
        let (exports, imports) = (names(&info["exports"]), names(&info["imports"]));
        for name in facts.exports {
            assert!(exports.iter().any(|export| export == name), "{file}: no export {name:?} in {exports:?}");
        }
        for name in facts.imports {
            assert!(imports.iter().any(|import| import == name), "{file}: no import {name:?} in {imports:?}");
        }
        // Every shared blob parses with a valid memory map at the default page size.
        assert!(info["memory_map"].is_object(), "{file}: {}", info["memory_map_error"]);
        println!("checked {file}");
    }
    for facts in BLOB_FACTS {
        assert!(dir.join(facts.file).is_file(), "{} listed in BLOB_FACTS but missing", facts.file);
    }
}

#[test]
fn info_text_mentions_the_key_facts() {
    let example = format!("{EXAMPLES}/sum.polkavm");
    let text = kestrel_ok(&["info", &example]);
    for needle in ["isa:            latest64", "stack size:     4096", "\"sum\"", "\"sum_formula\"", "ro data:"] {
        assert!(text.contains(needle), "info output lacks {needle:?}:\n{text}");
    }
}

#[test]
fn info_reports_the_memory_map_of_the_example() {
    let info = info_json(&[&format!("{EXAMPLES}/sum.polkavm")]);
    assert_eq!(info["isa"], "latest64");
    assert_eq!(info["stack_size"], 4096);
    // The assembler writes exports sorted by name.
    assert_eq!(names(&info["exports"]), ["sum", "sum_formula"]);
    assert_eq!(info["imports"], Value::Array(vec![]));
    // 13 header + 6 memory config + 21 exports + 55 code section + 1 end byte; 49 bytes of code
    // (see EXPECTED_LISTING); jump table [38, 31] (`t0 = @triangle` first, then the return label).
    assert_eq!(info["blob_size"], 96);
    assert_eq!(info["code_len"], 49);
    assert_eq!(info["jump_table"]["entries"], 2);
    assert_eq!(info["jump_table"]["entry_size"], 1);
    assert_eq!(info["exports"][0]["pc"], 0);
    assert_eq!(info["exports"][1]["pc"], 18);
    assert_eq!(info["metadata_hash"], "");
    // runtime.md §3.2 with page size 0x1000, ro = rw = 0, stack = 4096, aux = 0.
    let map = &info["memory_map"];
    assert_eq!(map["page_size"], 0x1000);
    assert_eq!(map["ro_data_address"], 0x10000);
    assert_eq!(map["ro_data_size"], 0);
    assert_eq!(map["rw_data_address"], 0x20000);
    assert_eq!(map["rw_data_size"], 0);
    assert_eq!(map["heap_base"], 0x20000);
    assert_eq!(map["stack_address_high"], 0xFFFE_0000u32);
    assert_eq!(map["stack_address_low"], 0xFFFD_F000u32);
    assert_eq!(map["stack_size"], 0x1000);
    // high = 0xFFFE0000 - up(4096, 0x10000) = 0xFFFD0000; max heap = (high - 0x10000) - heap_base.
    assert_eq!(map["max_heap_size"], 0xFFFC_0000u32 - 0x20000);
}

/// A Latest32 blob with the imports example of blob-format.md §7 (count 3, offsets [0, 5, 2],
/// symbols "abc" → invalid, invalid, "c"), one export whose name is not UTF-8, and a lone `trap`.
fn odd_names_blob() -> Vec<u8> {
    let mut sections = vec![0x04, 16, 3];
    for offset in [0u32, 5, 2] {
        sections.extend_from_slice(&offset.to_le_bytes());
    }
    sections.extend_from_slice(b"abc");
    sections.extend_from_slice(&[0x05, 5, 1, 0, 2, 0xff, 0xfe]); // exports: pc 0, name ff fe
    sections.extend_from_slice(&[0x06, 5, 0, 0, 1, 0x00, 0x01]); // J 0, Z 0, C 1, trap, bitmask
    sections.push(0);
    let mut blob = b"PVM\0\x01".to_vec();
    blob.extend_from_slice(&(13 + sections.len() as u64).to_le_bytes());
    blob.extend_from_slice(&sections);
    blob
}

#[test]
fn invalid_imports_and_non_utf8_names_are_shown() {
    let path = scratch("odd-names.polkavm");
    std::fs::write(&path, odd_names_blob()).unwrap();

    let info = info_json(&[path_str(&path)]);
    let imports = info["imports"].as_array().unwrap();
    assert_eq!(imports.len(), 3);
    for (index, import) in imports.iter().enumerate().take(2) {
        assert_eq!(import["index"], index);
        assert_eq!(import["name"], Value::Null);
        assert_eq!(import["valid"], false);
        assert_eq!(import["name_is_utf8"], false);
    }
    assert_eq!(imports[2]["name"], "c");
    assert_eq!(imports[2]["valid"], true);
    assert_eq!(info["exports"][0]["name"], "0xfffe");
    assert_eq!(info["exports"][0]["name_is_utf8"], false);

    let text = kestrel_ok(&["info", path_str(&path)]);
    for line in ["  #0    <invalid>", "  #1    <invalid>", "  #2    \"c\"", "  pc        0  0xfffe"] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
    }

    // An invalid import has no textual form, so there is no re-assemblable source.
    kestrel_fails(&["disasm", "--reassemblable", path_str(&path)], "import #0 has no valid name");
}

#[test]
fn missing_file_is_a_one_line_error() {
    let missing = scratch("does-not-exist.polkavm");
    for &command in BLOB_COMMANDS {
        kestrel_fails(&[command, path_str(&missing)], "cannot read");
    }
    kestrel_fails(&["asm", path_str(&missing), "-o", path_str(&scratch("unused.polkavm"))], "does-not-exist.polkavm");
}

#[test]
fn truncated_blob_is_a_one_line_error() {
    let blob = std::fs::read(format!("{EXAMPLES}/sum.polkavm")).expect("read the example blob");
    for cut in [0, 3, 4, 12, 13, blob.len() / 2, blob.len() - 1] {
        let path = scratch(&format!("truncated-{cut}.polkavm"));
        std::fs::write(&path, &blob[..cut]).expect("write truncated blob");
        for &command in BLOB_COMMANDS {
            let err = kestrel_fails(&[command, path_str(&path)], path_str(&path));
            assert!(err.contains("failed to parse program blob: "), "{err}");
        }
    }
}

#[test]
fn random_bytes_are_a_one_line_error() {
    // A small xorshift generator: deterministic, no dependencies.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for round in 0..8 {
        let len = 1 + round * 37;
        let mut bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        if round % 2 == 1 {
            // Get past the magic check so the section parser sees garbage too.
            bytes.splice(0..0, *b"PVM\0\x02");
        }
        let path = scratch(&format!("random-{round}.polkavm"));
        std::fs::write(&path, &bytes).expect("write random blob");
        for &command in BLOB_COMMANDS {
            kestrel_fails(&[command, path_str(&path)], "failed to parse program blob");
        }
    }
}

#[test]
fn bad_assembly_is_a_one_line_error() {
    let source = scratch("bad.asm");
    std::fs::write(&source, "%isa = latest64\npub @main:\n    a0 = a1 +* 3\n").expect("write source");
    let out = scratch("bad.polkavm");
    kestrel_fails(&["asm", path_str(&source), "-o", path_str(&out)], "line 3");
    assert!(!out.exists(), "no output is written for a failed assembly");

    std::fs::write(&source, [0xff, 0xfe]).expect("write source");
    kestrel_fails(&["asm", path_str(&source), "-o", path_str(&out)], "not valid UTF-8");
}

#[test]
fn usage_errors_exit_with_code_2() {
    let example = format!("{EXAMPLES}/sum.polkavm");
    for args in [
        vec!["info", example.as_str(), "--isa", "latest64"],
        vec!["info", example.as_str(), "--raw-jam"],
        vec!["disasm", example.as_str(), "--raw-jam", "--isa", "latest99"],
        vec!["frobnicate"],
    ] {
        let output = kestrel(&args);
        assert_eq!(output.status.code(), Some(2), "kestrel {args:?}: {}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"));
    }
}

#[test]
fn assembling_the_example_reproduces_the_committed_blob() {
    let out = scratch("sum.polkavm");
    kestrel_ok(&["asm", &format!("{EXAMPLES}/sum.asm"), "-o", path_str(&out)]);
    let fresh = std::fs::read(&out).expect("read the new blob");
    let committed = std::fs::read(format!("{EXAMPLES}/sum.polkavm")).expect("read the committed blob");
    assert_eq!(
        fresh, committed,
        "examples/sum.polkavm is stale: re-run `kestrel asm examples/sum.asm -o examples/sum.polkavm`"
    );
}

#[test]
fn disasm_lists_the_example() {
    assert_eq!(kestrel_ok(&["disasm", &format!("{EXAMPLES}/sum.polkavm")]), EXPECTED_LISTING);
}

#[test]
fn asm_then_disasm_round_trips() {
    let blob = scratch("round-trip.polkavm");
    kestrel_ok(&["asm", &format!("{EXAMPLES}/sum.asm"), "-o", path_str(&blob)]);
    assert_eq!(kestrel_ok(&["disasm", path_str(&blob)]), EXPECTED_LISTING);

    // The re-assemblable form assembles to the very same bytes.
    let source = scratch("round-trip.asm");
    kestrel_ok(&["disasm", path_str(&blob), "--reassemblable", "-o", path_str(&source)]);
    let again = scratch("round-trip-again.polkavm");
    kestrel_ok(&["asm", path_str(&source), "-o", path_str(&again)]);
    assert_eq!(std::fs::read(&blob).unwrap(), std::fs::read(&again).unwrap());
}

/// The listing of examples/sum.polkavm, derived by hand from instructions.md §2.3, §8.1, §8.3
/// (smallest raw opcode that fits) and §9.5 (text); the `sum` function is the verified example of
/// §9.6. Exports are `// export:` lines; valid jump targets get `@_<offset>:` labels (§7.2: the
/// start, every branch/jump target, the instruction after a terminator) and static targets print
/// as those labels. Jump table: [38, 31] (`t0 = @triangle` is allocated first).
const EXPECTED_LISTING: &str = "\
// export: sum
@_0:
      0: a1 = 0
      2: fallthrough
@_3:
      3: jump @_14 if a0 == 0
@_6:
      6: a1 = a1 + a0
      9: a0 = a0 - 1
     12: jump @_3
@_14:
     14: a0 = a1
     16: ret
// export: sum_formula
@_18:
     18: sp = sp - 8
     21: u64 [sp] = ra
     23: t0 = 0x2
     26: ra = 0x4
     29: jump [t0]
@_31:
     31: ra = u64 [sp]
     33: sp = sp + 0x8
     36: ret
@_38:
     38: a1 = a0 + 0x1
     41: a0 = a0 * a1
     44: a0 = a0 >> 0x1
     47: ret
";

#[test]
fn disasm_handles_the_shared_blobs() {
    let dir = Path::new(TESTDATA).join("blobs");
    if !dir.is_dir() {
        println!("skipped: {} not found", dir.display());
        return;
    }
    for facts in BLOB_FACTS {
        let path = dir.join(facts.file);
        let listing = kestrel_ok(&["disasm", path_str(&path)]);
        for name in facts.exports {
            assert!(listing.contains(&format!("// export: {name}\n")), "{}: no export {name}", facts.file);
        }
        // One line per instruction; the code length bounds their number.
        let instructions = listing.lines().filter(|line| line.trim_start().starts_with(char::is_numeric)).count();
        assert!(instructions > 0 && instructions as u64 <= facts.code_len + 1, "{}: {instructions}", facts.file);
        let source = kestrel_ok(&["disasm", "--reassemblable", path_str(&path)]);
        assert!(source.starts_with(&format!("%isa = {}\n", facts.isa)), "{}", facts.file);
    }
}

#[test]
fn disasm_options_change_the_text() {
    let example = format!("{EXAMPLES}/sum.polkavm");
    let has_line = |text: &str, line: &str| text.lines().any(|l| l == line);

    let raw = kestrel_ok(&["disasm", &example, "--raw-regs"]);
    assert!(has_line(&raw, "      3: jump @_14 if r7 == 0"), "{raw}");
    assert!(has_line(&raw, "     21: u64 [r1] = r0"), "{raw}");

    // instructions.md §9.5: no `ret`, no `- N`, zero displacements printed as ` + 0`.
    let unaliased = kestrel_ok(&["disasm", &example, "--no-aliases"]);
    assert!(has_line(&unaliased, "     16: jump [ra + 0]"), "{unaliased}");
    assert!(has_line(&unaliased, "      9: a0 = a0 + 0xffffffffffffffff"), "{unaliased}");
    assert!(!unaliased.contains("ret"), "{unaliased}");

    let bytes = kestrel_ok(&["disasm", &example, "--bytes"]);
    assert!(has_line(&bytes, &format!("      3: {:<30} jump @_14 if a0 == 0", "1c 07 0b")), "{bytes}");
    assert!(has_line(&bytes, &format!("     47: {:<30} ret", "03 00")), "{bytes}");

    // Options that only shape the listing are refused with --reassemblable.
    for option in ["--raw-regs", "--no-aliases", "--bytes"] {
        let output = kestrel(&["disasm", &example, "--reassemblable", option]);
        assert_eq!(output.status.code(), Some(2), "{option}: {}", stderr(&output));
    }
}

#[test]
fn disasm_writes_to_a_file() {
    let example = format!("{EXAMPLES}/sum.polkavm");
    let out = scratch("listing.txt");
    let printed = kestrel_ok(&["disasm", &example, "-o", path_str(&out)]);
    assert!(printed.is_empty());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), kestrel_ok(&["disasm", &example]));
}

/// The raw JAM code of the vector `inst_add_64` (`a2 = a0 + a1`, 3 bytes), written to the scratch
/// file `file`; `None` (with a "skipped" message) without the shared test data.
fn inst_add_64_code(file: &str) -> Option<(PathBuf, Vec<u8>)> {
    let vector = Path::new(TESTDATA).join("jam-pvm/programs/inst_add_64.json");
    if !vector.is_file() {
        println!("skipped: {} not found", vector.display());
        return None;
    }
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&vector).unwrap()).unwrap();
    let program: Vec<u8> =
        json["program"].as_array().unwrap().iter().map(|byte| byte.as_u64().unwrap() as u8).collect();
    let path = scratch(file);
    std::fs::write(&path, &program).unwrap();
    Some((path, program))
}

#[test]
fn raw_jam_code_blobs_are_accepted() {
    let Some((path, program)) = inst_add_64_code("inst_add_64.jam") else { return };

    let info = info_json(&[path_str(&path), "--raw-jam", "--isa", "revive_v1"]);
    assert_eq!(info["format"], "raw_jam");
    assert_eq!(info["isa"], "revive_v1");
    assert_eq!(info["blob_size"], program.len());
    assert_eq!(info["exports"], Value::Array(vec![]));

    let listing = kestrel_ok(&["disasm", path_str(&path), "--raw-jam", "--isa", "revive_v1"]);
    // ReviveV1 opcode 200 is add_64; registers 9, 7, 8 are a2, a0, a1.
    assert!(listing.lines().any(|line| line == "      0: a2 = a0 + a1"), "{listing}");

    // The same bytes are not a container.
    kestrel_fails(&["info", path_str(&path)], "blob doesn't start with the expected magic bytes");
}

// ----- kestrel run -------------------------------------------------------------------------------

fn hello() -> String {
    format!("{EXAMPLES}/hello.polkavm")
}

/// Runs `kestrel` and requires the given exit code and no panic; returns (stdout, stderr).
fn kestrel_exit(args: &[&str], code: i32) -> (String, String) {
    let output = kestrel(args);
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "kestrel {args:?} panicked: {err}");
    assert_eq!(output.status.code(), Some(code), "kestrel {args:?}: stdout {}, stderr {err}", stdout(&output));
    (stdout(&output), err)
}

fn run_json(args: &[&str], code: i32) -> Value {
    let mut all = vec!["run", "--json"];
    all.extend_from_slice(args);
    let (out, _) = kestrel_exit(&all, code);
    serde_json::from_str(&out).expect("run --json prints JSON")
}

/// `main(1, 2)` of examples/hello.asm: 10 instructions, a0 = 1 + 2.
const HELLO_MAIN_1_2: &str = "\
interrupt:  finished
pc:         18: ret
a0:         3 (0x3)
a1:         2 (0x2)
gas:        not metered (--gas N turns metering on)
steps:      10
";

#[test]
fn assembling_hello_reproduces_the_committed_blob() {
    let out = scratch("hello.polkavm");
    kestrel_ok(&["asm", &format!("{EXAMPLES}/hello.asm"), "-o", path_str(&out)]);
    let fresh = std::fs::read(&out).expect("read the new blob");
    let committed = std::fs::read(hello()).expect("read the committed blob");
    assert_eq!(
        fresh, committed,
        "examples/hello.polkavm is stale: re-run `kestrel asm examples/hello.asm -o examples/hello.polkavm`"
    );
}

#[test]
fn run_prints_the_result_of_main() {
    assert_eq!(kestrel_ok(&["run", &hello(), "--call", "main", "1", "2"]), HELLO_MAIN_1_2);
}

/// The output of the README's main command (the C hello-world guest).
const GUEST_HELLO_OUTPUT: &str = "interrupt:  finished
pc:         18: ret
a0:         111 (0x6f)
a1:         10 (0xa)
gas:        not metered (--gas N turns metering on)
steps:      8
host calls: 1
";

#[test]
fn readme_main_command_runs_the_c_hello_world_guest() {
    let guest = format!("{EXAMPLES}/../guest-programs/output/hello.polkavm");
    let out = kestrel_ok(&["run", &guest, "--call", "add_numbers", "1", "10", "--host-stub", "100"]);
    assert_eq!(out, GUEST_HELLO_OUTPUT);
    // The README shows this very command and output.
    let readme = std::fs::read_to_string(format!("{EXAMPLES}/../README.md")).expect("read README.md");
    assert!(readme.contains(
        "cargo run --release -p kestrel-cli -- run guest-programs/output/hello.polkavm --call add_numbers 1 10 --host-stub 100"
    ));
    assert!(readme.contains(GUEST_HELLO_OUTPUT), "README.md does not show the output of its main command");
}

#[test]
fn run_accepts_hex_and_negative_arguments() {
    // 0x10 + 0x11 + 0x12 = 51
    let out = kestrel_ok(&["run", &hello(), "--call", "main", "0x10", "0x12"]);
    assert!(out.contains("a0:         51 (0x33)\n"), "{out}");
    // -3 + -2 + -1 = -6
    let out = kestrel_ok(&["run", &hello(), "--call", "main", "-3", "-1"]);
    assert!(out.contains("a0:         18446744073709551610 (0xfffffffffffffffa, signed -6)\n"), "{out}");
    // Negative hex needs `--` (clap would read `-0x3` as an option).
    let json = run_json(&[&hello(), "--call", "main", "--", "-0x3", "-0x1"], 0);
    assert_eq!(json["args"], serde_json::json!([u64::MAX - 2, u64::MAX]));
    assert_eq!(json["result"]["a0"], (-6i64) as u64);
    // a > b: the empty sum.
    let out = kestrel_ok(&["run", &hello(), "--call", "main", "5", "4"]);
    assert!(out.contains("a0:         0 (0x0)\n"), "{out}");
}

#[test]
fn run_with_gas_reports_gas_used() {
    // 1 + ... + 10 = 55: 2 + 9 * 4 + 2 + 2 = 42 instructions at one gas each.
    let out = kestrel_ok(&["run", &hello(), "--call", "main", "1", "10", "--gas", "1000"]);
    assert!(out.contains("a0:         55 (0x37)\n"), "{out}");
    assert!(out.contains("gas:        42 used, 958 left of 1000 (sync metering)\n"), "{out}");
    assert!(out.contains("steps:      42\n"), "{out}");
    let out = kestrel_ok(&["run", &hello(), "--call", "main", "1", "10", "--gas", "42", "--gas-metering", "async"]);
    assert!(out.contains("gas:        42 used, 0 left of 42 (async metering)\n"), "{out}");
}

#[test]
fn running_out_of_gas_exits_with_code_4() {
    // Sync metering stops before the block that cannot be paid for: 20 gas pays for the first
    // block (2) and four and a half loop iterations (4 each), so it stops at `a0 = a0 + 0x1`.
    let (out, _) = kestrel_exit(&["run", &hello(), "--call", "main", "1", "10", "--gas", "20"], 4);
    assert_eq!(
        out,
        "interrupt:  not enough gas\npc:         11: a0 = a0 + 0x1\na0:         5 (0x5)\na1:         10 (0xa)\n\
         gas:        20 used, 0 left of 20 (sync metering)\nsteps:      20\n"
    );
    let (_, err) = kestrel_exit(&["run", &hello(), "--call", "main", "1", "10", "--gas", "20", "--trace"], 4);
    let trace: Vec<&str> = err.lines().collect();
    assert_eq!(trace.len(), 22, "{err}");
    assert_eq!(trace[20..], ["     11: a0 = a0 + 0x1", "        (not executed: not enough gas for the block)"]);
    let json = run_json(&[&hello(), "--call", "main", "1", "10", "--gas", "20"], 4);
    assert_eq!(json["interrupt"], "not_enough_gas");
    assert_eq!(json["pc"], 11);
    assert_eq!(json["exit_code"], 4);
    assert_eq!(json["gas_left"], 0);
}

#[test]
fn run_json_has_every_field() {
    let json = run_json(&[&hello(), "--call", "main", "1", "2", "--gas", "100"], 0);
    assert_eq!(json["file"], hello());
    assert_eq!(json["isa"], "latest64");
    assert_eq!(json["export"], "main");
    assert_eq!(json["entry_pc"], 0);
    assert_eq!(json["args"], serde_json::json!([1, 2]));
    assert_eq!(json["interrupt"], "finished");
    assert_eq!(json["ecalli"], Value::Null);
    assert_eq!(json["pc"], 18);
    assert_eq!(json["instruction"], "ret");
    let registers = json["registers"].as_object().expect("registers is an object");
    let names: Vec<&str> = registers.keys().map(String::as_str).collect();
    let mut expected = vec!["ra", "sp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5"];
    expected.sort_unstable();
    assert_eq!(names, expected);
    assert_eq!(registers["a0"], 3);
    assert_eq!(registers["a1"], 2);
    assert_eq!(registers["a2"], 3);
    assert_eq!(registers["ra"], 0xffff_0000u64);
    // The stack of 4096 bytes ends just below 0xffff0000 - 0x10000 (runtime.md §3).
    assert_eq!(registers["sp"], 0xfffe_0000u64);
    assert_eq!(json["result"], serde_json::json!({"a0": 3, "a1": 2}));
    assert_eq!(json["gas_metering"], "sync");
    assert_eq!(json["gas_limit"], 100);
    assert_eq!(json["gas_used"], 10);
    assert_eq!(json["gas_left"], 90);
    assert_eq!(json["steps"], 10);
    assert_eq!(json["host_calls"], 0);
    assert_eq!(json["exit_code"], 0);

    let json = run_json(&[&hello(), "--call", "main", "1", "2"], 0);
    assert_eq!(json["gas_metering"], Value::Null);
    assert_eq!(json["gas_used"], Value::Null);
    assert_eq!(json["gas_left"], Value::Null);
}

#[test]
fn run_trace_prints_every_instruction() {
    let (out, err) = kestrel_exit(&["run", &hello(), "--call", "main", "1", "2", "--trace"], 0);
    assert_eq!(out, HELLO_MAIN_1_2, "the trace goes to stderr only");
    let expected = [
        "      0: a2 = 0",
        "      2: jump 16 if a1 <u a0",
        "      5: a2 = a2 + a0",
        "      8: jump 16 if a0 == a1",
        "     11: a0 = a0 + 0x1",
        "     14: jump 5",
        "      5: a2 = a2 + a0",
        "      8: jump 16 if a0 == a1",
        "     16: a0 = a2",
        "     18: ret",
    ];
    assert_eq!(err.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn host_calls_stop_the_run_unless_stubbed() {
    // Without --host-stub the run stops at the ecalli: reported, exit code 0.
    let (out, _) = kestrel_exit(&["run", &hello(), "--call", "add_numbers", "1", "10"], 0);
    assert!(out.starts_with("interrupt:  ecalli 0 'get_third_number': no host function; execution stopped"), "{out}");
    assert!(out.contains("pc:         23: ecalli 0  // get_third_number\n"), "{out}");
    let json = run_json(&[&hello(), "--call", "add_numbers", "1", "10"], 0);
    assert_eq!(json["interrupt"], "ecalli");
    assert_eq!(
        json["ecalli"],
        serde_json::json!({"number": 0, "import": "get_third_number", "reason": "no_host_function"})
    );
    assert_eq!(json["pc"], 23);

    // With it, every host call returns the value in a0.
    let (out, err) =
        kestrel_exit(&["run", &hello(), "--call", "add_numbers", "1", "10", "--host-stub", "100", "--trace"], 0);
    assert!(out.contains("a0:         111 (0x6f)\n"), "{out}");
    assert!(out.contains("host calls: 1\n"), "{out}");
    assert!(err.contains("host call 0 'get_third_number': a0 = 0x64"), "{err}");

    // --max-host-calls bounds the answered calls.
    let json =
        run_json(&[&hello(), "--call", "add_numbers", "1", "10", "--host-stub", "100", "--max-host-calls", "0"], 0);
    assert_eq!(json["ecalli"]["reason"], "host_call_limit");
    assert_eq!(json["host_calls"], 0);
    let json =
        run_json(&[&hello(), "--call", "add_numbers", "1", "10", "--host-stub", "-1", "--max-host-calls", "1"], 0);
    assert_eq!(json["interrupt"], "finished");
    assert_eq!(json["result"]["a0"], 10); // 1 + 10 - 1
}

#[test]
fn run_the_polkavm_hello_world_example() {
    let blob = Path::new(TESTDATA).join("blobs/example-hello-world.polkavm");
    if !blob.is_file() {
        println!("skipped: {} not found", blob.display());
        return;
    }
    let blob = path_str(&blob);
    let out = kestrel_ok(&["run", blob, "--host-stub", "100", "--call", "add_numbers", "1", "10"]);
    assert!(out.contains("interrupt:  finished\n"), "{out}");
    assert!(out.contains("a0:         111 (0x6f)\n"), "{out}");
    // Latest32 registers are 32 bits wide: -1 is 0xffffffff.
    let json = run_json(&[blob, "--host-stub", "-1", "--call", "add_numbers", "1", "10"], 0);
    assert_eq!(json["isa"], "latest32");
    assert_eq!(json["result"]["a0"], 10);
    let json = run_json(&[blob, "--host-stub", "0", "--call", "add_numbers", "--", "-1", "0"], 0);
    assert_eq!(json["result"]["a0"], 0xffff_ffffu64);
    // The same with dynamic paging: the stack pages are mapped on first touch.
    let out = kestrel_ok(&["run", blob, "--dynamic-paging", "--host-stub", "100", "--call", "add_numbers", "1", "10"]);
    assert!(out.contains("a0:         111 (0x6f)\n"), "{out}");
}

#[test]
fn traps_exit_with_code_3_and_show_the_instruction() {
    let source = scratch("trap.asm");
    std::fs::write(&source, "%isa = latest64\npub @main:\n    a0 = 7\n    trap\n").unwrap();
    let blob = scratch("trap.polkavm");
    kestrel_ok(&["asm", path_str(&source), "-o", path_str(&blob)]);
    let (out, _) = kestrel_exit(&["run", path_str(&blob), "--call", "main", "--gas", "10"], 3);
    assert!(out.starts_with("interrupt:  trap\npc:         3: trap\na0:         7 (0x7)\n"), "{out}");
    assert!(out.contains("gas:        2 used, 8 left of 10 (sync metering)\n"), "{out}");
    // A pc inside an instruction traps at once.
    let json = run_json(&[&hello(), "--pc", "3"], 3);
    assert_eq!(json["interrupt"], "trap");
    assert_eq!(json["pc"], 3);
    assert_eq!(json["instruction"], "invalid");
    assert_eq!(json["export"], Value::Null);
}

#[test]
fn run_options_reach_the_module() {
    let hello = hello();
    for args in [["--page-size", "0x4000"], ["--aux-size", "0x1000"], ["--dynamic-paging", "--trace"]] {
        let mut all = vec!["run", hello.as_str(), "--call", "main", "1", "2"];
        all.extend_from_slice(&args);
        let (out, _) = kestrel_exit(&all, 0);
        assert!(out.contains("a0:         3 (0x3)\n"), "{args:?}: {out}");
    }
    kestrel_fails(&["run", &hello, "--call", "main", "--page-size", "0x800"], "invalid page size");
}

#[test]
fn run_raw_jam_code() {
    let Some((path, _)) = inst_add_64_code("run_inst_add_64.jam") else { return };
    let path = path_str(&path);
    // a2 = a0 + a1, then the implicit trap at the end of the code.
    let (out, err) =
        kestrel_exit(&["run", path, "--raw-jam", "--isa", "revive_v1", "--pc", "0", "--trace", "--gas", "100"], 3);
    assert!(out.contains("pc:         3: trap (implicit, at the end of the code)\n"), "{out}");
    assert!(out.contains("gas:        2 used, 98 left of 100 (sync metering)\n"), "{out}");
    assert_eq!(err, "      0: a2 = a0 + a1\n      3: trap (implicit, at the end of the code)\n");
    // Raw code has no exports.
    kestrel_fails(&["run", path, "--raw-jam", "--isa", "revive_v1", "--call", "main"], "the program has no exports");
}

#[test]
fn run_errors_are_one_line_with_exit_code_1() {
    let hello = hello();
    kestrel_fails(&["run", &hello, "--call", "nope"], "export not found: 'nope' (exports: add_numbers, main)");
    kestrel_fails(&["run", &hello, "--call", "main", "x"], "bad argument: \"x\" is not an integer");
    kestrel_fails(&["run", &hello, "--call", "main", "1.5"], "bad argument: \"1.5\"");
    kestrel_fails(&["run", &hello, "--call", "main", "18446744073709551616"], "bad argument");
    kestrel_fails(
        &["run", &hello, "--call", "main", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
        "too many arguments: 10",
    );
    let missing = scratch("does-not-exist.polkavm");
    kestrel_fails(&["run", path_str(&missing), "--call", "main"], "cannot read");
    let garbage = scratch("garbage.polkavm");
    std::fs::write(&garbage, b"not a program").unwrap();
    kestrel_fails(&["run", path_str(&garbage), "--call", "main"], "failed to parse program blob");
}

#[test]
fn run_usage_errors_exit_with_code_2() {
    let hello = hello();
    for args in [
        vec!["run", hello.as_str()],
        vec!["run", hello.as_str(), "--call", "main", "--pc", "0"],
        vec!["run", hello.as_str(), "--call", "main", "--gas-metering", "sync"],
        vec!["run", hello.as_str(), "--call", "main", "--gas", "10", "--gas-metering", "sometimes"],
        vec!["run", hello.as_str(), "--call", "main", "--max-host-calls", "3"],
        vec!["run", hello.as_str(), "--call", "main", "--gas", "many"],
        vec!["conformance"],
        vec!["conformance", ".", "--isa", "latest99"],
    ] {
        let output = kestrel(&args);
        assert_eq!(output.status.code(), Some(2), "kestrel {args:?}: {}", stderr(&output));
        assert!(!stderr(&output).contains("panicked"));
    }
}

// ----- kestrel conformance -----------------------------------------------------------------------

fn jam_vectors() -> Option<PathBuf> {
    let dir = Path::new(TESTDATA).join("jam-pvm");
    if dir.join("programs").is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} not found", dir.display());
        None
    }
}

#[test]
fn conformance_passes_what_polkavm_0_37_passes() {
    let Some(dir) = jam_vectors() else { return };
    let (out, _) = kestrel_exit(&["conformance", path_str(&dir)], 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last(), Some(&"306 passed, 1 failed"), "{out}");
    assert_eq!(
        lines[lines.len() - 2],
        "1 of the failures is a known polkavm 0.37 divergence (matches polkavm 0.37, differs from the vector): \
         inst_fallthrough"
    );
    // The only failure line names inst_fallthrough and its fields.
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("KNOWN inst_fallthrough: pc 0, expected 1; gas 9999, expected 9998 ("), "{out}");
    assert!(lines[0].contains("matches polkavm 0.37, differs from the vector"), "{out}");

    // --verbose lists every vector.
    let (out, _) = kestrel_exit(&["conformance", path_str(&dir), "--verbose"], 0);
    assert_eq!(out.lines().filter(|line| line.starts_with("ok    ")).count(), 306);
    assert!(out.contains("ok    riscv_rv64uzbb_rev8\n"), "{out}");

    // --json
    let (out, _) = kestrel_exit(&["conformance", path_str(&dir), "--json"], 0);
    let json: Value = serde_json::from_str(&out).expect("conformance --json prints JSON");
    assert_eq!(json["isa"], "revive_v1");
    assert_eq!(json["passed"], 306);
    assert_eq!(json["failed"], 1);
    assert_eq!(json["known_divergences"], 1);
    let vectors = json["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 307);
    let fallthrough = vectors.iter().find(|vector| vector["name"] == "inst_fallthrough").unwrap();
    assert_eq!(fallthrough["passed"], false);
    assert_eq!(fallthrough["known_divergence"], true);
    assert_eq!(fallthrough["differences"], serde_json::json!(["pc 0, expected 1", "gas 9999, expected 9998"]));
}

#[test]
fn conformance_with_other_instruction_sets_matches_polkavm_0_37_counts() {
    let Some(dir) = jam_vectors() else { return };
    // HOW-TO-RUN.md: polkavm 0.37 passes 100 as JamV1, 81 as Latest32 and none as Latest64.
    for (isa, summary) in [
        ("jam_v1", "100 passed, 207 failed"),
        ("latest32", "81 passed, 226 failed"),
        ("latest64", "0 passed, 307 failed"),
    ] {
        let (out, _) = kestrel_exit(&["conformance", path_str(&dir), "--isa", isa], 1);
        assert_eq!(out.lines().last(), Some(summary), "{isa}");
    }
    let (out, _) = kestrel_exit(&["conformance", path_str(&dir), "--isa", "jam_v1"], 1);
    // JamV1 rejects code that can fall through past the end.
    assert!(
        out.contains("FAIL  inst_add_64: cannot load the program as jam_v1: module validation failed: validation failed at offset 3\n"),
        "{out}"
    );
}

#[test]
fn conformance_reports_the_field_that_differs() {
    let Some(dir) = jam_vectors() else { return };
    let scratch_dir = scratch("vectors");
    let _ = std::fs::remove_dir_all(&scratch_dir);
    std::fs::create_dir_all(&scratch_dir).unwrap();
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("programs/{name}.json"))).unwrap()).unwrap()
    };
    let write = |name: &str, json: &Value| {
        std::fs::write(scratch_dir.join(format!("{name}.json")), serde_json::to_string(json).unwrap()).unwrap();
    };
    write("good", &read("inst_add_64"));
    let mut vector = read("inst_add_64");
    vector["expected-gas"] = Value::from(1);
    vector["expected-regs"][9] = Value::from(4);
    write("wrong_gas_and_a2", &vector);
    let mut vector = read("inst_store_u8");
    let address = vector["expected-memory"][0]["address"].as_u64().unwrap();
    vector["expected-memory"][0]["contents"][0] = Value::from(0x55);
    write("wrong_memory", &vector);
    let mut vector = read("inst_add_64");
    vector["expected-status"] = Value::from("halt");
    write("wrong_status", &vector);
    std::fs::write(scratch_dir.join("broken.json"), "{").unwrap();

    let (out, _) = kestrel_exit(&["conformance", path_str(&scratch_dir)], 1);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("FAIL  broken: bad JSON: "), "{out}");
    assert_eq!(lines[1], "FAIL  wrong_gas_and_a2: gas 9998, expected 1; register a2 = 0x3, expected 0x4");
    assert!(lines[2].starts_with(&format!("FAIL  wrong_memory: memory at {address:#x} = ")), "{out}");
    assert!(lines[2].contains("expected 0x55 (1 differing byte in "), "{out}");
    assert_eq!(lines[3], "FAIL  wrong_status: status panic, expected halt");
    assert_eq!(lines.last(), Some(&"1 passed, 4 failed"));

    // A single vector file works too.
    let (out, _) = kestrel_exit(&["conformance", path_str(&scratch_dir.join("good.json"))], 0);
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
    // A missing directory is an error.
    kestrel_fails(&["conformance", path_str(&scratch("no-such-dir"))], "cannot read");
}
