//! Spec tests: `tests/spec/*.txt`, each a program plus a script of host actions and expected
//! interrupts/state. Every file is one named case; all are run and every failure is listed.
//!
//! File format (one directive per line, `#` starts a comment):
//!
//! ```text
//! isa latest64                 # revive_v1 | jam_v1 | latest32 | latest64 (default latest64)
//! gas sync                     # none | sync | async | per_instruction (sync, 1 per instruction)
//! step_tracing | dynamic_paging
//! page_size 0x1000 | aux_size N | ro_size N | rw_size N | stack_size N
//! ro_data 01 02 .. | rw_data 01 02 ..
//! jump_table label label ..
//! raw_code 33 07 01 | raw_bitmask 09      # hand-made code instead of `code:`
//! code:
//!   label:
//!   mnemonic operand, operand, ..   # canonical operand order of instructions.md §5.1;
//!                                   # targets are labels; immediates decimal or 0x hex
//! steps:
//!   set a0=1 gas=100 pc=0|@label    # host writes (pc = set_next_program_counter)
//!   call @label a0 a1 ..            # prepare_call_untyped
//!   run Ecalli(7) pc=3 next=5 gas=96 a0=0x65   # expected interrupt and state
//!   run error                       # run() must fail
//!   expect a0=5 gas=3 pc=None heap=0
//!   write ADDR bytes.. | mem ADDR bytes.. | memerr ADDR LEN | zero ADDR LEN
//!   map ADDR LEN ro|rw | protect ADDR LEN | unprotect ADDR LEN | free ADDR LEN
//!   sbrk N -> RESULT|None | aux_accessible N | aux_protect | reset_memory
//!   gas_cost PC -> COST|None
//!   accessible ADDR LEN ro|rw -> true|false
//!   error                           # module creation must fail
//! ```

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use kestrel_interpreter::{GasMeteringKind, Instance, InterruptKind, MemoryProtection, Module, ModuleConfig, Segfault};
use kestrel_program::blob::ProgramParts;
use kestrel_program::builder::ProgramBlobBuilder;
use kestrel_program::{ArcBytes, Args, Format, Instruction, InstructionSetKind, Opcode, ProgramBlob, Reg};

fn parse_u64(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let value = match body.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => body.replace('_', "").parse::<u64>(),
    }
    .map_err(|_| format!("bad number `{text}`"))?;
    Ok(if negative { value.wrapping_neg() } else { value })
}

fn parse_bytes(words: &[&str]) -> Result<Vec<u8>, String> {
    let joined: String = words.concat();
    if !joined.len().is_multiple_of(2) {
        return Err(format!("odd hex string `{joined}`"));
    }
    (0..joined.len() / 2)
        .map(|k| u8::from_str_radix(&joined[2 * k..2 * k + 2], 16).map_err(|_| format!("bad hex `{joined}`")))
        .collect()
}

fn parse_reg(text: &str) -> Result<Reg, String> {
    Reg::from_name(text.trim()).ok_or_else(|| format!("bad register `{text}`"))
}

struct Program {
    config: ModuleConfig,
    blob: Result<ProgramBlob, String>,
    labels: HashMap<String, u32>,
}

fn build_program(header: &[&str], code: &[&str]) -> Result<Program, String> {
    let mut config = ModuleConfig::default();
    let mut isa = InstructionSetKind::Latest64;
    let mut builder_setup: Vec<(String, Vec<String>)> = Vec::new();
    let mut raw_code = None;
    let mut raw_bitmask = Vec::new();
    let mut jump_table_labels = Vec::new();
    let mut sizes = [None::<u32>; 3];
    let (mut ro_data, mut rw_data) = (Vec::new(), Vec::new());
    for line in header {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["isa", name] => isa = InstructionSetKind::from_name(name).ok_or("bad isa")?,
            ["gas", "none"] => config.gas_metering = None,
            ["gas", "sync"] => config.gas_metering = Some(GasMeteringKind::Sync),
            ["gas", "async"] => config.gas_metering = Some(GasMeteringKind::Async),
            ["gas", "per_instruction"] => {
                config.gas_metering = Some(GasMeteringKind::Sync);
                config.per_instruction_metering = true;
            }
            ["step_tracing"] => config.step_tracing = true,
            ["dynamic_paging"] => config.dynamic_paging = true,
            ["page_size", n] => config.page_size = parse_u64(n)? as u32,
            ["aux_size", n] => config.aux_data_size = parse_u64(n)? as u32,
            ["ro_size", n] => sizes[0] = Some(parse_u64(n)? as u32),
            ["rw_size", n] => sizes[1] = Some(parse_u64(n)? as u32),
            ["stack_size", n] => sizes[2] = Some(parse_u64(n)? as u32),
            ["ro_data", rest @ ..] => ro_data = parse_bytes(rest)?,
            ["rw_data", rest @ ..] => rw_data = parse_bytes(rest)?,
            ["cost", name, n] => {
                let mut model = (*config.cost_model).clone();
                let opcode =
                    if *name == "invalid" { Opcode::Invalid } else { Opcode::from_name(name).ok_or("bad opcode")? };
                model.set_cost(opcode, parse_u64(n)? as u32);
                config.cost_model = Arc::new(model);
            }
            ["jump_table", rest @ ..] => jump_table_labels = rest.iter().map(|s| s.to_string()).collect(),
            ["raw_code", rest @ ..] => raw_code = Some(parse_bytes(rest)?),
            ["raw_bitmask", rest @ ..] => raw_bitmask = parse_bytes(rest)?,
            [] => {}
            other => builder_setup.push((other[0].to_string(), other[1..].iter().map(|s| s.to_string()).collect())),
        }
    }
    if let Some((name, _)) = builder_setup.first() {
        return Err(format!("unknown header directive `{name}`"));
    }
    let ro_size = sizes[0].unwrap_or(ro_data.len() as u32);
    let rw_size = sizes[1].unwrap_or(rw_data.len() as u32);
    let stack_size = sizes[2].unwrap_or(0x1000);

    if let Some(code_bytes) = raw_code {
        let mut parts = ProgramParts::new(isa);
        parts.ro_data_size = ro_size;
        parts.rw_data_size = rw_size;
        parts.stack_size = stack_size;
        parts.ro_data = ro_data;
        parts.rw_data = rw_data;
        parts.code = code_bytes;
        parts.bitmask = raw_bitmask;
        parts.jump_table =
            jump_table_labels.iter().map(|l| parse_u64(l).map(|v| v as u32)).collect::<Result<_, _>>()?;
        let blob = ProgramBlob::from_parts(&parts).map_err(|e| e.to_string());
        return Ok(Program { config, blob, labels: HashMap::new() });
    }

    // Pass 1: labels -> (instruction index, block index).
    let mut label_at: HashMap<String, (usize, Option<u32>)> = HashMap::new();
    let mut lines = Vec::new();
    let mut block = 0u32;
    let mut block_has_code = false;
    for line in code {
        if let Some(label) = line.strip_suffix(':') {
            // A label in the middle of a block can name a pc but not be a jump target.
            label_at.insert(label.to_string(), (lines.len(), (!block_has_code).then_some(block)));
            continue;
        }
        let mnemonic = line.split_whitespace().next().unwrap_or("");
        let opcode = Opcode::from_name(mnemonic).ok_or_else(|| format!("unknown mnemonic `{mnemonic}`"))?;
        lines.push((opcode, line.get(mnemonic.len()..).unwrap_or("").trim().to_string()));
        block_has_code = !opcode.ends_block();
        if opcode.ends_block() {
            block += 1;
        }
    }
    let target = |name: &str| -> Result<u32, String> {
        label_at
            .get(name.trim())
            .and_then(|&(_, block)| block)
            .ok_or_else(|| format!("unknown or mid-block label `{name}`"))
    };
    let mut builder = ProgramBlobBuilder::new(isa);
    builder.set_ignore_instruction_set_incompatibility(true);
    builder.set_ro_data_size(ro_size);
    builder.set_rw_data_size(rw_size);
    builder.set_stack_size(stack_size);
    builder.set_ro_data(ro_data);
    builder.set_rw_data(rw_data);
    for label in &jump_table_labels {
        builder.add_jump_table_entry(target(label)?);
    }
    for (opcode, operands) in &lines {
        let ops: Vec<&str> =
            if operands.is_empty() { Vec::new() } else { operands.split(',').map(str::trim).collect() };
        let want = match opcode.format() {
            Format::None => 0,
            Format::Imm | Format::Offset => 1,
            Format::RegImm | Format::RegImm64 | Format::ImmImm | Format::RegReg => 2,
            Format::RegImmImm | Format::RegImmOffset | Format::RegRegImm | Format::RegRegOffset | Format::RegRegReg => {
                3
            }
            Format::RegRegImmImm => 4,
        };
        if ops.len() != want {
            return Err(format!("`{} {operands}`: expected {want} operands", opcode.name()));
        }
        let imm = |k: usize| parse_u64(ops[k]).map(|v| v as u32);
        let reg = |k: usize| parse_reg(ops[k]);
        let args = match opcode.format() {
            Format::None => Args::None,
            Format::Imm => Args::Imm { imm: imm(0)? },
            Format::Offset => Args::Offset { target: target(ops[0])? },
            Format::RegImm => Args::RegImm { reg: reg(0)?, imm: imm(1)? },
            Format::RegImm64 => Args::RegImm64 { reg: reg(0)?, imm: parse_u64(ops[1])? },
            Format::RegImmImm => Args::RegImmImm { reg: reg(0)?, imm1: imm(1)?, imm2: imm(2)? },
            Format::RegImmOffset => Args::RegImmOffset { reg: reg(0)?, imm: imm(1)?, target: target(ops[2])? },
            Format::ImmImm => Args::ImmImm { imm1: imm(0)?, imm2: imm(1)? },
            Format::RegReg => Args::RegReg { reg1: reg(0)?, reg2: reg(1)? },
            Format::RegRegImm => Args::RegRegImm { reg1: reg(0)?, reg2: reg(1)?, imm: imm(2)? },
            Format::RegRegOffset => Args::RegRegOffset { reg1: reg(0)?, reg2: reg(1)?, target: target(ops[2])? },
            Format::RegRegReg => Args::RegRegReg { reg1: reg(0)?, reg2: reg(1)?, reg3: reg(2)? },
            Format::RegRegImmImm => Args::RegRegImmImm { reg1: reg(0)?, reg2: reg(1)?, imm1: imm(2)?, imm2: imm(3)? },
        };
        builder.push(Instruction { opcode: *opcode, args });
    }
    let built = builder.build().map_err(|e| format!("build failed: {e}"))?;
    let labels = label_at
        .into_iter()
        .map(|(name, (index, _))| {
            let offset = built.instruction_offsets.get(index).copied().unwrap_or_else(|| {
                // A label after the last instruction: the code end.
                built.instruction_offsets.last().map_or(0, |_| u32::MAX)
            });
            (name, offset)
        })
        .collect();
    let blob = ProgramBlob::parse(ArcBytes::from(built.blob)).map_err(|e| e.to_string());
    Ok(Program { config, blob, labels })
}

fn parse_interrupt(text: &str) -> Result<InterruptKind, String> {
    Ok(match text {
        "Finished" => InterruptKind::Finished,
        "Trap" => InterruptKind::Trap,
        "NotEnoughGas" => InterruptKind::NotEnoughGas,
        "Step" => InterruptKind::Step,
        _ => {
            if let Some(n) = text.strip_prefix("Ecalli(").and_then(|t| t.strip_suffix(')')) {
                InterruptKind::Ecalli(parse_u64(n)? as u32)
            } else if let Some(rest) = text.strip_prefix("Segfault(").and_then(|t| t.strip_suffix(')')) {
                let (address, protected) = match rest.strip_suffix(",wp") {
                    Some(address) => (address, true),
                    None => (rest, false),
                };
                InterruptKind::Segfault(Segfault {
                    page_address: parse_u64(address)? as u32,
                    page_size: 0,
                    is_write_protected: protected,
                })
            } else {
                return Err(format!("bad interrupt `{text}`"));
            }
        }
    })
}

fn parse_option_u32(text: &str, labels: &HashMap<String, u32>) -> Result<Option<u32>, String> {
    if text == "None" {
        return Ok(None);
    }
    if let Some(label) = text.strip_prefix('@') {
        return labels.get(label).copied().map(Some).ok_or_else(|| format!("unknown label `{label}`"));
    }
    Ok(Some(parse_u64(text)? as u32))
}

fn check_state(instance: &Instance, words: &[&str], labels: &HashMap<String, u32>) -> Result<(), String> {
    for word in words {
        let (key, value) = word.split_once('=').ok_or_else(|| format!("bad assertion `{word}`"))?;
        let (actual, expected): (String, String) = match key {
            "gas" => (instance.gas().to_string(), (parse_u64(value)? as i64).to_string()),
            "pc" => (format!("{:?}", instance.program_counter()), format!("{:?}", parse_option_u32(value, labels)?)),
            "next" => {
                (format!("{:?}", instance.next_program_counter()), format!("{:?}", parse_option_u32(value, labels)?))
            }
            "heap" => (format!("{:?}", instance.heap_size().ok()), format!("{:?}", Some(parse_u64(value)? as u32))),
            reg => {
                let reg = parse_reg(reg)?;
                (format!("{:#x}", instance.reg(reg)), format!("{:#x}", parse_u64(value)?))
            }
        };
        if actual != expected {
            return Err(format!("{key} = {actual}, expected {expected}"));
        }
    }
    Ok(())
}

fn run_file(text: &str) -> Result<(), String> {
    let mut header = Vec::new();
    let mut code = Vec::new();
    let mut steps = Vec::new();
    let mut section = 0;
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match line {
            "code:" => section = 1,
            "steps:" => section = 2,
            _ => [&mut header, &mut code, &mut steps][section].push(line),
        }
    }
    let program = build_program(&header, &code)?;
    let labels = program.labels;
    let module = program
        .blob
        .map_err(|e| format!("blob: {e}"))
        .and_then(|blob| Module::from_blob(&program.config, &blob).map_err(|e| e.to_string()));
    if steps.first() == Some(&"error") {
        return match module {
            Err(_) => {
                if let (Some(expected), Err(message)) = (steps.get(1), &module)
                    && !message.contains(expected.trim_start_matches("message "))
                {
                    return Err(format!("error `{message}` does not contain `{expected}`"));
                }
                Ok(())
            }
            Ok(_) => Err("module creation succeeded, expected an error".into()),
        };
    }
    let module = module?;
    let mut instance = module.instantiate();
    for (index, step) in steps.iter().enumerate() {
        let fail = |message: String| format!("step {} `{step}`: {message}", index + 1);
        let words: Vec<&str> = step.split_whitespace().collect();
        let result: Result<(), String> = (|| {
            let address = |k: usize| parse_u64(words[k]).map(|v| v as u32);
            match words.as_slice() {
                ["set", assignments @ ..] => {
                    for assignment in assignments {
                        let (key, value) = assignment.split_once('=').ok_or("bad assignment")?;
                        match key {
                            "gas" => instance.set_gas(parse_u64(value)? as i64),
                            "pc" => instance.set_next_program_counter(
                                parse_option_u32(value, &labels)?.ok_or("pc=None is not settable")?,
                            ),
                            reg => instance.set_reg(parse_reg(reg)?, parse_u64(value)?),
                        }
                    }
                }
                ["call", pc, args @ ..] => {
                    let pc = parse_option_u32(pc, &labels)?.ok_or("bad pc")?;
                    let args: Vec<u64> = args.iter().map(|a| parse_u64(a)).collect::<Result<_, _>>()?;
                    instance.prepare_call_untyped(pc, &args).map_err(|e| e.to_string())?;
                }
                ["run", "error"] => {
                    if let Ok(interrupt) = instance.run() {
                        return Err(format!("run returned {interrupt:?}, expected an error"));
                    }
                }
                ["run", kind, rest @ ..] => {
                    let expected = parse_interrupt(kind)?;
                    let actual = instance.run().map_err(|e| format!("run failed: {e}"))?;
                    let actual_cmp = match actual {
                        InterruptKind::Segfault(s) => InterruptKind::Segfault(Segfault { page_size: 0, ..s }),
                        other => other,
                    };
                    if actual_cmp != expected {
                        return Err(format!(
                            "interrupt {actual:?}, expected {expected:?} (pc {:?}, gas {})",
                            instance.program_counter(),
                            instance.gas()
                        ));
                    }
                    check_state(&instance, rest, &labels)?;
                }
                ["expect", rest @ ..] => check_state(&instance, rest, &labels)?,
                ["write", _, bytes @ ..] => {
                    instance.write_memory(address(1)?, &parse_bytes(bytes)?).map_err(|e| e.to_string())?
                }
                ["writeerr", _, bytes @ ..] => {
                    if instance.write_memory(address(1)?, &parse_bytes(bytes)?).is_ok() {
                        return Err("write succeeded".into());
                    }
                }
                ["zero", _, _] => instance.zero_memory(address(1)?, address(2)?).map_err(|e| e.to_string())?,
                ["mem", _, bytes @ ..] => {
                    let expected = parse_bytes(bytes)?;
                    let actual = instance.read_memory(address(1)?, expected.len() as u32).map_err(|e| e.to_string())?;
                    if actual != expected {
                        return Err(format!("memory {actual:02x?}, expected {expected:02x?}"));
                    }
                }
                ["memerr", _, _] => {
                    if let Ok(bytes) = instance.read_memory(address(1)?, address(2)?) {
                        return Err(format!("read succeeded: {bytes:02x?}"));
                    }
                }
                ["map", _, _, protection] => {
                    let protection =
                        if *protection == "rw" { MemoryProtection::ReadWrite } else { MemoryProtection::Read };
                    instance
                        .zero_memory_with_memory_protection(address(1)?, address(2)?, protection)
                        .map_err(|e| e.to_string())?
                }
                ["protect", _, _] => instance.protect_memory(address(1)?, address(2)?).map_err(|e| e.to_string())?,
                ["unprotect", _, _] => {
                    instance.unprotect_memory(address(1)?, address(2)?).map_err(|e| e.to_string())?
                }
                ["free", _, _] => instance.free_pages(address(1)?, address(2)?).map_err(|e| e.to_string())?,
                ["sbrk", n, "->", result] => {
                    let actual = instance.sbrk(parse_u64(n)? as u32).map_err(|e| e.to_string())?;
                    let expected = parse_option_u32(result, &labels)?;
                    if actual != expected {
                        return Err(format!("sbrk returned {actual:?}, expected {expected:?}"));
                    }
                }
                ["aux_accessible", n] => {
                    instance.set_accessible_aux_size(parse_u64(n)? as u32).map_err(|e| e.to_string())?
                }
                ["aux_protect"] => instance.set_host_side_aux_write_protect(true).map_err(|e| e.to_string())?,
                ["reset_memory"] => instance.reset_memory(),
                ["gas_cost", pc, "->", cost] => {
                    let actual = module.calculate_gas_cost_for(parse_u64(pc)? as u32);
                    let expected = if *cost == "None" { None } else { Some(parse_u64(cost)?) };
                    if actual != expected {
                        return Err(format!("gas cost {actual:?}, expected {expected:?}"));
                    }
                }
                ["accessible", _, _, protection, "->", result] => {
                    let protection =
                        if *protection == "rw" { MemoryProtection::ReadWrite } else { MemoryProtection::Read };
                    let actual = instance.is_memory_accessible(address(1)?, address(2)?, protection);
                    if actual.to_string() != *result {
                        return Err(format!("accessible = {actual}"));
                    }
                }
                _ => return Err("unknown step".into()),
            }
            Ok(())
        })();
        result.map_err(fail)?;
    }
    Ok(())
}

#[allow(clippy::print_stdout, reason = "a harness-less test reports each case on stdout")]
fn main() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/spec"));
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let mut paths: Vec<_> =
        std::fs::read_dir(dir).expect("tests/spec").filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "txt")) {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        count += 1;
        let text = std::fs::read_to_string(path).unwrap();
        match run_file(&text) {
            Ok(()) => println!("test spec::{name} ... ok"),
            Err(message) => {
                println!("test spec::{name} ... FAILED: {message}");
                failures.push(name);
            }
        }
    }
    println!("\n{} spec tests, {} failed", count, failures.len());
    if !failures.is_empty() {
        println!("failures: {failures:?}");
        std::process::exit(1);
    }
}
