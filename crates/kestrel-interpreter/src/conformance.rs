//! Runner for the JAM PVM test vectors (`shared/testdata/jam-pvm/HOW-TO-RUN.md`).
//!
//! Each vector is loaded as ReviveV1 raw JAM code with dynamic paging (the page map), sync gas,
//! the naive cost model and step tracing (for the pc of `halt`), then compared field by field:
//! status, page-fault address, pc, all 13 registers, gas and every mapped byte.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use kestrel_program::cost::CostModel;
use kestrel_program::{ArcBytes, InstructionSetKind, ProgramBlob, Reg};
use serde_json::Value;

use crate::{GasMeteringKind, InterruptKind, MemoryProtection, Module, ModuleConfig};

const PAGE_SIZE: u32 = 0x1000;

/// Summary of a directory run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: Vec<String>,
    /// Failing vectors with the first mismatch.
    pub failed: Vec<(String, String)>,
}

fn field<'a>(json: &'a Value, name: &str) -> Result<&'a Value, String> {
    json.get(name).ok_or_else(|| format!("missing field `{name}`"))
}

fn as_u64(value: &Value, what: &str) -> Result<u64, String> {
    value.as_u64().ok_or_else(|| format!("`{what}` is not an unsigned integer"))
}

fn as_i64(value: &Value, what: &str) -> Result<i64, String> {
    value.as_i64().ok_or_else(|| format!("`{what}` is not an integer"))
}

fn as_u32(value: &Value, what: &str) -> Result<u32, String> {
    u32::try_from(as_u64(value, what)?).map_err(|_| format!("`{what}` does not fit in 32 bits"))
}

fn bytes(value: &Value, what: &str) -> Result<Vec<u8>, String> {
    let list = value.as_array().ok_or_else(|| format!("`{what}` is not a list"))?;
    list.iter().map(|byte| u8::try_from(as_u64(byte, what)?).map_err(|_| format!("`{what}` has a non-byte"))).collect()
}

fn regs(value: &Value, what: &str) -> Result<Vec<u64>, String> {
    let list = value.as_array().ok_or_else(|| format!("`{what}` is not a list"))?;
    if list.len() != 13 {
        return Err(format!("`{what}` has {} entries, expected 13", list.len()));
    }
    list.iter().map(|value| as_u64(value, what)).collect()
}

/// Runs one vector given as JSON text. `Ok(())` = every field matched.
pub fn run_vector(json_text: &str) -> Result<(), String> {
    let json: Value = serde_json::from_str(json_text).map_err(|error| format!("bad JSON: {error}"))?;
    let program = bytes(field(&json, "program")?, "program")?;
    let blob = ProgramBlob::from_raw_jam_code(InstructionSetKind::ReviveV1, ArcBytes::from(program))
        .map_err(|error| format!("failed to load the program: {error}"))?;
    let config = ModuleConfig {
        page_size: PAGE_SIZE,
        gas_metering: Some(GasMeteringKind::Sync),
        dynamic_paging: true,
        step_tracing: true,
        cost_model: Arc::new(CostModel::naive()),
        ..ModuleConfig::default()
    };
    let module = Module::from_blob(&config, &blob).map_err(|error| error.to_string())?;
    let mut instance = module.instantiate();

    let page_map = field(&json, "initial-page-map")?.as_array().cloned().unwrap_or_default();
    let mut mapped = Vec::new();
    for page in &page_map {
        let address = as_u32(field(page, "address")?, "address")?;
        let length = as_u32(field(page, "length")?, "length")?;
        let writable = field(page, "is-writable")?.as_bool().unwrap_or(false);
        let protection = if writable { MemoryProtection::ReadWrite } else { MemoryProtection::Read };
        instance
            .zero_memory_with_memory_protection(address, length, protection)
            .map_err(|error| format!("mapping failed: {error}"))?;
        mapped.push((address, length, writable));
    }
    for chunk in field(&json, "initial-memory")?.as_array().cloned().unwrap_or_default() {
        let address = as_u32(field(&chunk, "address")?, "address")?;
        let contents = bytes(field(&chunk, "contents")?, "contents")?;
        let length = contents.len() as u32;
        // Chunks may land in read-only pages: the host writes them, not the guest.
        let read_only = mapped.iter().any(|&(start, len, writable)| {
            !writable && u64::from(address) < u64::from(start) + u64::from(len) && address + length > start
        });
        if read_only {
            instance.unprotect_memory(address & !(PAGE_SIZE - 1), length).map_err(|e| e.to_string())?;
        }
        instance.write_memory(address, &contents).map_err(|error| format!("initial write failed: {error}"))?;
        if read_only {
            for &(start, len, writable) in &mapped {
                if !writable {
                    instance.protect_memory(start, len).map_err(|e| e.to_string())?;
                }
            }
        }
    }
    for (reg, value) in Reg::ALL.into_iter().zip(regs(field(&json, "initial-regs")?, "initial-regs")?) {
        instance.set_reg(reg, value);
    }
    instance.set_gas(as_i64(field(&json, "initial-gas")?, "initial-gas")?);
    instance.set_next_program_counter(as_u32(field(&json, "initial-pc")?, "initial-pc")?);

    let mut last_pc = None;
    let (status, pc, fault_address) = loop {
        let interrupt = instance.run().map_err(|error| format!("run failed: {error}"))?;
        match interrupt {
            InterruptKind::Step => last_pc = instance.program_counter(),
            InterruptKind::Finished => break ("halt", last_pc, None),
            InterruptKind::Trap => break ("panic", instance.program_counter(), None),
            InterruptKind::Segfault(segfault) => {
                break ("page-fault", instance.program_counter(), Some(segfault.page_address));
            }
            InterruptKind::NotEnoughGas => break ("out-of-gas", instance.program_counter(), None),
            InterruptKind::Ecalli(_) => break ("host-call", instance.program_counter(), None),
        }
    };

    let expected_status = field(&json, "expected-status")?.as_str().unwrap_or("");
    if status != expected_status {
        return Err(format!("status {status}, expected {expected_status} (pc {pc:?}, gas {})", instance.gas()));
    }
    let expected_pc = as_u32(field(&json, "expected-pc")?, "expected-pc")?;
    if pc != Some(expected_pc) {
        return Err(format!("pc {pc:?}, expected {expected_pc} (gas {})", instance.gas()));
    }
    if let Some(expected) = json.get("expected-page-fault-address") {
        let expected = as_u32(expected, "expected-page-fault-address")?;
        if fault_address != Some(expected) {
            return Err(format!("page-fault address {fault_address:?}, expected {expected:#x}"));
        }
    }
    let expected_gas = as_i64(field(&json, "expected-gas")?, "expected-gas")?;
    if instance.gas() != expected_gas {
        return Err(format!("gas {}, expected {expected_gas}", instance.gas()));
    }
    for (reg, expected) in Reg::ALL.into_iter().zip(regs(field(&json, "expected-regs")?, "expected-regs")?) {
        if instance.reg(reg) != expected {
            return Err(format!("register {reg} = {:#x}, expected {expected:#x}", instance.reg(reg)));
        }
    }
    // Compare whole byte images of the mapped pages.
    for &(start, length, _) in &mapped {
        let mut expected_image = vec![0u8; length as usize];
        for chunk in field(&json, "expected-memory")?.as_array().cloned().unwrap_or_default() {
            let address = as_u32(field(&chunk, "address")?, "address")?;
            let contents = bytes(field(&chunk, "contents")?, "contents")?;
            for (k, byte) in contents.into_iter().enumerate() {
                let at = u64::from(address) + k as u64;
                if at >= u64::from(start) && at < u64::from(start) + u64::from(length) {
                    expected_image[(at - u64::from(start)) as usize] = byte;
                }
            }
        }
        let actual = instance.read_memory(start, length).map_err(|error| error.to_string())?;
        if let Some(k) = (0..actual.len()).find(|&k| actual[k] != expected_image[k]) {
            return Err(format!(
                "memory at {:#x} = {:#04x}, expected {:#04x}",
                start as usize + k,
                actual[k],
                expected_image[k]
            ));
        }
    }
    Ok(())
}

/// Runs every `*.json` vector in `dir` (sorted by name), printing one line per vector and a
/// final `N passed, M failed` line to `out`.
pub fn run_directory(dir: &Path, out: &mut dyn Write) -> std::io::Result<Summary> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    let mut summary = Summary::default();
    for path in paths {
        let name = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
        let result =
            std::fs::read_to_string(&path).map_err(|error| error.to_string()).and_then(|text| run_vector(&text));
        match result {
            Ok(()) => {
                writeln!(out, "{name}: ok")?;
                summary.passed.push(name);
            }
            Err(message) => {
                writeln!(out, "{name}: FAILED: {message}")?;
                summary.failed.push((name, message));
            }
        }
    }
    writeln!(out, "{} passed, {} failed", summary.passed.len(), summary.failed.len())?;
    Ok(summary)
}
