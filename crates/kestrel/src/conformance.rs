//! The JAM PVM test vectors (`programs/*.json`, `shared/testdata/jam-pvm/HOW-TO-RUN.md`), run
//! through this API and compared field by field: status, pc, page-fault address, gas, all 13
//! registers and every mapped byte. `kestrel conformance` and the test suite both use this runner.
//!
//! Each vector's `program` is a raw JAM code blob, loaded with the chosen instruction set
//! (ReviveV1 for the vectors as written: they use Graypaper 0.5.4's opcode numbers, which ReviveV1
//! keeps). The module runs with dynamic paging (the vector's page map is the whole memory), so the
//! [`Engine`] must allow it ([`Config::set_allow_dynamic_paging`](crate::Config::set_allow_dynamic_paging)),
//! synchronous gas metering, the naive cost model (1 per instruction) and step tracing, which gives
//! the pc of the last instruction of a `halt` (polkavm reports no pc for `Finished`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{
    CostModelKind, Engine, GasMeteringKind, InstructionSetKind, InterruptKind, MemoryProtection, Module, ModuleConfig,
    ProgramBlob, ProgramCounter, RawInstance, Reg,
};

const PAGE_SIZE: u32 = 0x1000;

/// A vector on which polkavm 0.37 itself disagrees with the expected result, and what polkavm 0.37
/// does instead. Kestrel must behave like polkavm 0.37 here.
#[derive(Debug)]
pub struct KnownDivergence {
    pub name: &'static str,
    pub isa: InstructionSetKind,
    pub status: &'static str,
    pub pc: u32,
    pub gas: i64,
    /// Why polkavm 0.37 differs, for the report.
    pub why: &'static str,
}

/// `inst_fallthrough` is a single `fallthrough`. The vector (Graypaper 0.5.4, polkavm 0.20) starts a
/// new block at the end of the code and traps there (pc 1, gas 9998); polkavm 0.37 starts no block
/// at the end of the code and traps on the `fallthrough` itself (pc 0, gas 9999).
pub const KNOWN_DIVERGENCES: &[KnownDivergence] = &[KnownDivergence {
    name: "inst_fallthrough",
    isa: InstructionSetKind::ReviveV1,
    status: "panic",
    pc: 0,
    gas: 9999,
    why: "polkavm 0.37 starts no basic block at the end of the code, so it traps on the fallthrough itself",
}];

/// What one vector did.
#[derive(Clone, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VectorResult {
    pub name: String,
    /// Every field matched the vector.
    pub passed: bool,
    /// Failed exactly as polkavm 0.37 fails it (a known divergence of polkavm 0.37 from the vector).
    pub known_divergence: bool,
    /// The fields that differ (or why the vector could not run); empty when it passed.
    pub differences: Vec<String>,
}

impl VectorResult {
    /// The known divergence this vector matched, if any.
    pub fn divergence(&self) -> Option<&'static KnownDivergence> {
        if !self.known_divergence {
            return None;
        }
        KNOWN_DIVERGENCES.iter().find(|known| known.name == self.name)
    }
}

/// The known divergence listed for vector `name` run as `isa`.
pub fn known_divergence(name: &str, isa: InstructionSetKind) -> Option<&'static KnownDivergence> {
    KNOWN_DIVERGENCES.iter().find(|known| known.name == name && known.isa == isa)
}

/// What the run produced, in the vector's vocabulary.
#[derive(Debug)]
struct Observed {
    status: &'static str,
    pc: Option<u32>,
    page_fault_address: Option<u32>,
    gas: i64,
    regs: [u64; 13],
    /// `(address, bytes)` of every page-map range after the run.
    memory: Vec<(u32, Vec<u8>)>,
}

fn field<'a>(json: &'a Value, name: &str) -> Result<&'a Value, String> {
    json.get(name).ok_or_else(|| format!("missing field `{name}`"))
}

fn as_u64(value: &Value, what: &str) -> Result<u64, String> {
    value.as_u64().ok_or_else(|| format!("`{what}` is not an unsigned integer"))
}

fn as_u32(value: &Value, what: &str) -> Result<u32, String> {
    u32::try_from(as_u64(value, what)?).map_err(|_| format!("`{what}` does not fit in 32 bits"))
}

fn as_i64(value: &Value, what: &str) -> Result<i64, String> {
    value.as_i64().ok_or_else(|| format!("`{what}` is not a signed 64-bit integer"))
}

fn list<'a>(value: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    value.as_array().ok_or_else(|| format!("`{what}` is not a list"))
}

fn bytes(value: &Value, what: &str) -> Result<Vec<u8>, String> {
    list(value, what)?
        .iter()
        .map(|byte| u8::try_from(as_u64(byte, what)?).map_err(|_| format!("`{what}` holds a value above 255")))
        .collect()
}

fn regs(value: &Value, what: &str) -> Result<[u64; 13], String> {
    let values = list(value, what)?.iter().map(|value| as_u64(value, what)).collect::<Result<Vec<u64>, _>>()?;
    <[u64; 13]>::try_from(values).map_err(|values| format!("`{what}` has {} entries, expected 13", values.len()))
}

/// `{address, contents}` chunks.
fn chunks(value: &Value, what: &str) -> Result<Vec<(u32, Vec<u8>)>, String> {
    list(value, what)?
        .iter()
        .map(|chunk| Ok((as_u32(field(chunk, "address")?, "address")?, bytes(field(chunk, "contents")?, "contents")?)))
        .collect()
}

/// One page-map range.
#[derive(Copy, Clone, Debug)]
struct Range {
    address: u32,
    length: u32,
    writable: bool,
}

impl Range {
    fn contains(&self, address: u64) -> bool {
        address >= u64::from(self.address) && address < u64::from(self.address) + u64::from(self.length)
    }
}

fn page_map(json: &Value) -> Result<Vec<Range>, String> {
    list(field(json, "initial-page-map")?, "initial-page-map")?
        .iter()
        .map(|page| {
            Ok(Range {
                address: as_u32(field(page, "address")?, "address")?,
                length: as_u32(field(page, "length")?, "length")?,
                writable: field(page, "is-writable")?.as_bool().ok_or("`is-writable` is not a boolean")?,
            })
        })
        .collect()
}

/// Writes an initial-memory chunk as the host: read-only pages are unprotected for the write and
/// protected again afterwards.
fn write_chunk(instance: &mut RawInstance, ranges: &[Range], address: u32, contents: &[u8]) -> Result<(), String> {
    if contents.is_empty() {
        return Ok(());
    }
    let end = u64::from(address) + contents.len() as u64;
    let first_page = u64::from(address) / u64::from(PAGE_SIZE);
    let last_page = (end - 1) / u64::from(PAGE_SIZE);
    let read_only_pages: Vec<u32> = (first_page..=last_page)
        .map(|page| page * u64::from(PAGE_SIZE))
        .filter(|&page| ranges.iter().any(|range| !range.writable && range.contains(page)))
        .filter_map(|page| u32::try_from(page).ok())
        .collect();
    for &page in &read_only_pages {
        instance.unprotect_memory(page, PAGE_SIZE).map_err(|error| format!("cannot unprotect {page:#x}: {error}"))?;
    }
    instance
        .write_memory(address, contents)
        .map_err(|error| format!("initial write at {address:#x} failed: {error}"))?;
    for &page in &read_only_pages {
        instance.protect_memory(page, PAGE_SIZE).map_err(|error| format!("cannot protect {page:#x}: {error}"))?;
    }
    Ok(())
}

/// Loads and runs one vector; `Err` when it cannot even run (bad JSON, load failure).
fn execute(engine: &Engine, isa: InstructionSetKind, json: &Value) -> Result<Observed, String> {
    let program = bytes(field(json, "program")?, "program")?;
    let blob = ProgramBlob::from_raw_jam_code(isa, program.into())
        .map_err(|error| format!("cannot load the program as {isa}: {error}"))?;
    let mut config = ModuleConfig::new();
    config
        .set_page_size(PAGE_SIZE)
        .set_gas_metering(Some(GasMeteringKind::Sync))
        .set_cost_model(Some(CostModelKind::naive()))
        .set_dynamic_paging(true)
        .set_step_tracing(true);
    let module = Module::from_blob(engine, &config, blob)
        .map_err(|error| format!("cannot load the program as {isa}: {error}"))?;
    let mut instance = module.instantiate().map_err(|error| format!("cannot instantiate: {error}"))?;

    let ranges = page_map(json)?;
    for range in &ranges {
        let protection = if range.writable { MemoryProtection::ReadWrite } else { MemoryProtection::Read };
        instance
            .zero_memory_with_memory_protection(range.address, range.length, protection)
            .map_err(|error| format!("cannot map {:#x}+{:#x}: {error}", range.address, range.length))?;
    }
    for (address, contents) in chunks(field(json, "initial-memory")?, "initial-memory")? {
        write_chunk(&mut instance, &ranges, address, &contents)?;
    }
    for (reg, value) in Reg::ALL.into_iter().zip(regs(field(json, "initial-regs")?, "initial-regs")?) {
        instance.set_reg(reg, value);
    }
    instance.set_gas(as_i64(field(json, "initial-gas")?, "initial-gas")?);
    instance.set_next_program_counter(ProgramCounter(as_u32(field(json, "initial-pc")?, "initial-pc")?));

    let mut last_pc = None;
    let (status, pc, page_fault_address) = loop {
        let interrupt = instance.run().map_err(|error| format!("run failed: {error}"))?;
        let pc = instance.program_counter().map(|pc| pc.0);
        match interrupt {
            InterruptKind::Step => last_pc = pc,
            // polkavm reports no pc for Finished: the vector wants the last instruction (the `ret`).
            InterruptKind::Finished => break ("halt", last_pc, None),
            InterruptKind::Trap => break ("panic", pc, None),
            InterruptKind::Segfault(fault) => break ("page-fault", pc, Some(fault.page_address)),
            InterruptKind::NotEnoughGas => break ("out-of-gas", pc, None),
            InterruptKind::Ecalli(_) => break ("host-call", pc, None),
        }
    };
    let mut memory = Vec::new();
    for range in &ranges {
        let contents = instance
            .read_memory(range.address, range.length)
            .map_err(|error| format!("cannot read back {:#x}+{:#x}: {error}", range.address, range.length))?;
        memory.push((range.address, contents));
    }
    let mut regs = [0; 13];
    for (slot, reg) in regs.iter_mut().zip(Reg::ALL) {
        *slot = instance.reg(reg);
    }
    Ok(Observed { status, pc, page_fault_address, gas: instance.gas(), regs, memory })
}

fn show(value: Option<u32>) -> String {
    value.map_or_else(|| "none".to_owned(), |value| value.to_string())
}

/// Every field of `observed` that differs from the vector's expectations.
fn compare(json: &Value, observed: &Observed) -> Result<Vec<String>, String> {
    let mut differences = Vec::new();
    let expected_status = field(json, "expected-status")?.as_str().ok_or("`expected-status` is not a string")?;
    if observed.status != expected_status {
        differences.push(format!("status {}, expected {expected_status}", observed.status));
    }
    let expected_pc = as_u32(field(json, "expected-pc")?, "expected-pc")?;
    if observed.pc != Some(expected_pc) {
        differences.push(format!("pc {}, expected {expected_pc}", show(observed.pc)));
    }
    let expected_fault = json
        .get("expected-page-fault-address")
        .map(|value| as_u32(value, "expected-page-fault-address"))
        .transpose()?;
    if observed.page_fault_address != expected_fault {
        differences.push(format!(
            "page-fault address {}, expected {}",
            observed.page_fault_address.map_or_else(|| "none".to_owned(), |address| format!("{address:#x}")),
            expected_fault.map_or_else(|| "none".to_owned(), |address| format!("{address:#x}")),
        ));
    }
    let expected_gas = as_i64(field(json, "expected-gas")?, "expected-gas")?;
    if observed.gas != expected_gas {
        differences.push(format!("gas {}, expected {expected_gas}", observed.gas));
    }
    let expected_regs = regs(field(json, "expected-regs")?, "expected-regs")?;
    for ((reg, actual), expected) in Reg::ALL.into_iter().zip(observed.regs).zip(expected_regs) {
        if actual != expected {
            differences.push(format!("register {reg} = {actual:#x}, expected {expected:#x}"));
        }
    }
    // Compare whole page images: every mapped byte no expected chunk covers must be zero.
    let expected_chunks = chunks(field(json, "expected-memory")?, "expected-memory")?;
    for (start, actual) in &observed.memory {
        let mut expected = vec![0u8; actual.len()];
        for (address, contents) in &expected_chunks {
            for (offset, &byte) in (u64::from(*address)..).zip(contents) {
                if let Some(slot) = offset
                    .checked_sub(u64::from(*start))
                    .and_then(|index| usize::try_from(index).ok().and_then(|index| expected.get_mut(index)))
                {
                    *slot = byte;
                }
            }
        }
        let differing: Vec<usize> = (0..actual.len()).filter(|&index| actual[index] != expected[index]).collect();
        if let Some(&first) = differing.first() {
            differences.push(format!(
                "memory at {:#x} = {:#04x}, expected {:#04x} ({} differing byte{} in {start:#x}+{:#x})",
                u64::from(*start) + first as u64,
                actual[first],
                expected[first],
                differing.len(),
                if differing.len() == 1 { "" } else { "s" },
                actual.len()
            ));
        }
    }
    Ok(differences)
}

/// Whether `observed` is exactly what polkavm 0.37 does on this known-divergent vector.
fn is_known_divergence(known: &KnownDivergence, json: &Value, observed: &Observed) -> bool {
    // Everything except status, pc and gas must still match the vector.
    let initial_regs = regs(field(json, "initial-regs").unwrap_or(&Value::Null), "initial-regs").ok();
    observed.status == known.status
        && observed.pc == Some(known.pc)
        && observed.gas == known.gas
        && observed.page_fault_address.is_none()
        && initial_regs == Some(observed.regs)
}

/// Runs vector `name`, given as JSON text, as `isa`.
pub fn run_vector(engine: &Engine, isa: InstructionSetKind, name: &str, json_text: &str) -> VectorResult {
    let outcome =
        serde_json::from_str::<Value>(json_text).map_err(|error| format!("bad JSON: {error}")).and_then(|json| {
            let observed = execute(engine, isa, &json)?;
            let differences = compare(&json, &observed)?;
            let known = known_divergence(name, isa)
                .filter(|known| !differences.is_empty() && is_known_divergence(known, &json, &observed));
            Ok((differences, known.is_some()))
        });
    match outcome {
        Ok((differences, known_divergence)) => {
            VectorResult { name: name.to_owned(), passed: differences.is_empty(), known_divergence, differences }
        }
        Err(message) => {
            VectorResult { name: name.to_owned(), passed: false, known_divergence: false, differences: vec![message] }
        }
    }
}

/// Runs the vector file `path` as `isa`; the vector's name is the file stem.
pub fn run_file(engine: &Engine, isa: InstructionSetKind, path: &Path) -> VectorResult {
    let name = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    match std::fs::read_to_string(path) {
        Ok(text) => run_vector(engine, isa, &name, &text),
        Err(error) => VectorResult {
            differences: vec![format!("cannot read {}: {error}", path.display())],
            name,
            passed: false,
            known_divergence: false,
        },
    }
}

/// Why [`vector_paths`] found no vectors.
#[derive(Debug, thiserror::Error)]
pub enum VectorPathsError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: no test vectors (*.json) found", path.display())]
    Empty { path: PathBuf },
}

/// The vector files, sorted: `DIR/programs/*.json`, else `DIR/*.json`, or DIR itself if it is a file.
pub fn vector_paths(dir: &Path) -> Result<Vec<PathBuf>, VectorPathsError> {
    if dir.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let programs = dir.join("programs");
    let search = if programs.is_dir() { programs } else { dir.to_path_buf() };
    let read_error = |source| VectorPathsError::Read { path: search.clone(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(&search).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.extension().is_some_and(|extension| extension == "json") && path.is_file() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(VectorPathsError::Empty { path: search });
    }
    paths.sort();
    Ok(paths)
}

/// The counts of a run of vectors as one instruction set.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    /// Failures that are known polkavm 0.37 divergences (and match polkavm 0.37 exactly).
    pub known_divergences: usize,
    /// Known divergences that pass the vector, so no longer behave like polkavm 0.37.
    pub unexpected_passes: Vec<String>,
}

impl Summary {
    pub fn new(isa: InstructionSetKind, results: &[VectorResult]) -> Summary {
        let passed = results.iter().filter(|result| result.passed).count();
        Summary {
            passed,
            failed: results.len() - passed,
            known_divergences: results.iter().filter(|result| result.known_divergence).count(),
            unexpected_passes: results
                .iter()
                .filter(|result| result.passed && known_divergence(&result.name, isa).is_some())
                .map(|result| result.name.clone())
                .collect(),
        }
    }

    /// Every failure is a known divergence and every known divergence still fails like polkavm 0.37.
    pub fn is_ok(&self) -> bool {
        self.failed == self.known_divergences && self.unexpected_passes.is_empty()
    }
}
