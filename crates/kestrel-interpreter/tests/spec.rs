//! Spec tests: `tests/spec/*.txt`, each a program plus a script of host actions and expected
//! interrupts/state. Every file × instruction set is one named test, `spec::FILE::ISA`, run by a
//! libtest-compatible harness (filters, `--list`, `--exact`, `cargo nextest` all work).
//!
//! File format (one directive per line, `#` starts a comment):
//!
//! ```text
//! isa revive_v1 jam_v1 latest64   # one test per ISA; `all` = every ISA, `64` = the three 64-bit
//!                                 # ones (default latest64)
//! gas sync                        # none | sync | async | per_instruction (sync, 1 per instruction)
//! step_tracing | dynamic_paging
//! page_size 0x1000 | aux_size N | ro_size N | rw_size N | stack_size N
//! ro_data 01 02 .. | rw_data 01 02 ..
//! cost OPCODE N                   # cost model entry
//! jump_table label label ..       # for `code:` (in `asm:` use `%jump_table = @l ..`)
//! raw_code 33 07 01 | raw_bitmask 09      # hand-made code instead of `code:`/`asm:`
//! asm:                            # Kestrel assembly (docs/assembly.md, instructions.md §9);
//!   @label:                       # the ISA comes from the `isa` line, not from `%isa`;
//!   a0 = a1 + a2                  # `%`-directives set sizes/data unless the header does
//!                                 # (no implicit stack: `%stack_size`/`stack_size` if needed)
//! code:                           # older form: canonical mnemonics, operands in the order of
//!   label:                        # instructions.md §5.1, targets are labels, immediates decimal
//!   add_64 a0, a1, a2             # or 0x hex (stack size 0x1000 unless `stack_size` is given)
//! steps:
//!   set a0=1 gas=100 pc=0|@label    # host writes (pc = set_next_program_counter)
//!   call @label a0 a1 ..            # prepare_call_untyped
//!   run Ecalli(7) pc=3 next=5 gas=96 a0=0x65   # expected interrupt and state
//!   run error                       # run() must fail
//!   expect a0=5 gas=3 pc=None heap=0
//!   write ADDR bytes.. | mem ADDR bytes.. | memerr ADDR LEN | zero ADDR LEN | writeerr ADDR bytes..
//!   map ADDR LEN ro|rw | protect ADDR LEN | unprotect ADDR LEN | free ADDR LEN
//!   sbrk N -> RESULT|None | aux_accessible N | aux_protect | reset_memory
//!   gas_cost PC|@label -> COST|None
//!   accessible ADDR LEN ro|rw -> true|false
//!   error [message TEXT]            # module creation must fail
//! ```
//!
//! Any line may start with an ISA selector, `{latest32}`, `{revive_v1 jam_v1}`, `{64}` or `{32}`:
//! it is then only used for the listed instruction sets (per-ISA code or expectations).
//!
//! Register expectations are compared with the host's view of the register: in Latest32 that is
//! the low 32 bits zero-extended (runtime.md §7.1), so an expected value is reduced to its low 32
//! bits there and one line serves every ISA whenever the 32-bit result is the low half of the
//! 64-bit one. Where the semantics differ (`mul_upper_*`, `reverse_byte`, comparisons...) files
//! use selectors.
//!
//! Labels (`@name:` in `asm:`, `name:` in `code:`) name the pc of the instruction that follows
//! them; steps refer to them as `@name`.
//!
//! The extra test `coverage::every_opcode_executed` runs every case once more with step tracing
//! on (the script's checks must all still pass; `Step` interrupts are resumed transparently) and
//! records the opcode of every instruction that was about to execute. It fails unless every
//! opcode of every instruction set (`Opcode::ALL` filtered by `Opcode::is_in`) was executed, plus
//! an `invalid` item in every ISA that can run one (JamV1 rejects such programs at load time).
//! Files that use `step_tracing` themselves are run normally there and contribute nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use kestrel_interpreter::{GasMeteringKind, Instance, InterruptKind, MemoryProtection, Module, ModuleConfig, Segfault};
use kestrel_program::blob::ProgramParts;
use kestrel_program::builder::ProgramBlobBuilder;
use kestrel_program::{ArcBytes, Args, Format, Instruction, InstructionSetKind as Isa, Opcode, ProgramBlob, Reg, asm};
use libtest_mimic::{Arguments, Failed, Trial};

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

/// ISA names of a selector or `isa` line: names, `all`, `64` (the 64-bit ISAs), `32`.
fn parse_isas(words: &[&str]) -> Result<Vec<Isa>, String> {
    let mut isas = Vec::new();
    for word in words {
        match *word {
            "all" => isas.extend(Isa::ALL),
            "64" => isas.extend(Isa::ALL.into_iter().filter(|isa| isa.is_64_bit())),
            "32" => isas.push(Isa::Latest32),
            name => isas.push(Isa::from_name(name).ok_or_else(|| format!("bad ISA `{name}`"))?),
        }
    }
    isas.sort_by_key(|isa| isa.index());
    isas.dedup();
    Ok(isas)
}

/// A spec file's lines for one ISA, split into sections (comments and other ISAs' lines removed).
#[derive(Default)]
struct Sections<'a> {
    header: Vec<&'a str>,
    code: Vec<&'a str>,
    asm: Vec<&'a str>,
    steps: Vec<&'a str>,
}

/// Strips the comment and an ISA selector; `None` if the line is empty or for other ISAs.
fn select_line(raw: &str, isa: Option<Isa>) -> Result<Option<&str>, String> {
    let line = raw.split('#').next().unwrap_or("").trim();
    let Some(rest) = line.strip_prefix('{') else {
        return Ok((!line.is_empty()).then_some(line));
    };
    let (selector, line) = rest.split_once('}').ok_or_else(|| format!("unclosed selector in `{raw}`"))?;
    let isas = parse_isas(&selector.split([' ', ',']).filter(|w| !w.is_empty()).collect::<Vec<_>>())?;
    let line = line.trim();
    Ok((isa.is_none_or(|isa| isas.contains(&isa)) && !line.is_empty()).then_some(line))
}

/// The ISAs a file runs on (its `isa` line; latest64 if there is none).
fn file_isas(text: &str) -> Result<Vec<Isa>, String> {
    for raw in text.lines() {
        if let Some(line) = select_line(raw, None)? {
            if matches!(line, "code:" | "asm:" | "steps:") {
                break;
            }
            if let Some(rest) = line.strip_prefix("isa ") {
                return parse_isas(&rest.split_whitespace().collect::<Vec<_>>());
            }
        }
    }
    Ok(vec![Isa::Latest64])
}

fn sections(text: &str, isa: Isa) -> Result<Sections<'_>, String> {
    let mut sections = Sections::default();
    let mut section = 0;
    for raw in text.lines() {
        let Some(line) = select_line(raw, Some(isa))? else { continue };
        match line {
            "code:" => section = 1,
            "asm:" => section = 2,
            "steps:" => section = 3,
            _ => [&mut sections.header, &mut sections.code, &mut sections.asm, &mut sections.steps][section].push(line),
        }
    }
    if !sections.code.is_empty() && !sections.asm.is_empty() {
        return Err("a file has either `code:` or `asm:`, not both".into());
    }
    Ok(sections)
}

struct Program {
    config: ModuleConfig,
    blob: Result<ProgramBlob, String>,
    labels: HashMap<String, u32>,
}

/// Memory layout settings from the header; `None` = not given.
#[derive(Default)]
struct Layout {
    sizes: [Option<u32>; 3],
    ro_data: Option<Vec<u8>>,
    rw_data: Option<Vec<u8>>,
}

fn build_program(isa: Isa, sections: &Sections) -> Result<Program, String> {
    let mut config = ModuleConfig::default();
    let mut raw_code = None;
    let mut raw_bitmask = Vec::new();
    let mut jump_table_labels = Vec::new();
    let mut layout = Layout::default();
    for line in &sections.header {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["isa", ..] => {}
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
            ["ro_size", n] => layout.sizes[0] = Some(parse_u64(n)? as u32),
            ["rw_size", n] => layout.sizes[1] = Some(parse_u64(n)? as u32),
            ["stack_size", n] => layout.sizes[2] = Some(parse_u64(n)? as u32),
            ["ro_data", rest @ ..] => layout.ro_data = Some(parse_bytes(rest)?),
            ["rw_data", rest @ ..] => layout.rw_data = Some(parse_bytes(rest)?),
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
            other => return Err(format!("unknown header directive `{}`", other.join(" "))),
        }
    }

    if let Some(code_bytes) = raw_code {
        let ro_data = layout.ro_data.unwrap_or_default();
        let rw_data = layout.rw_data.unwrap_or_default();
        let mut parts = ProgramParts::new(isa);
        parts.ro_data_size = layout.sizes[0].unwrap_or(ro_data.len() as u32);
        parts.rw_data_size = layout.sizes[1].unwrap_or(rw_data.len() as u32);
        parts.stack_size = layout.sizes[2].unwrap_or(0x1000);
        parts.ro_data = ro_data;
        parts.rw_data = rw_data;
        parts.code = code_bytes;
        parts.bitmask = raw_bitmask;
        parts.jump_table =
            jump_table_labels.iter().map(|l| parse_u64(l).map(|v| v as u32)).collect::<Result<_, _>>()?;
        let blob = ProgramBlob::from_parts(&parts).map_err(|e| e.to_string());
        return Ok(Program { config, blob, labels: HashMap::new() });
    }
    if !sections.asm.is_empty() {
        if !jump_table_labels.is_empty() {
            return Err("`jump_table` is for `code:`; use `%jump_table = @l ..` in `asm:`".into());
        }
        let (blob, labels) = assemble(isa, &sections.asm, layout)?;
        return Ok(Program { config, blob, labels });
    }
    let (blob, labels) = build_canonical(isa, &sections.code, &jump_table_labels, layout)?;
    Ok(Program { config, blob, labels })
}

/// A blob (or why it does not parse) and the code offset of every label.
type Built = (Result<ProgramBlob, String>, HashMap<String, u32>);

/// Name prefix of the exports the runner adds to learn where labels ended up.
const LABEL_EXPORT: &str = "__spec_label_";

/// Assembles an `asm:` section with Kestrel's assembler.
fn assemble(isa: Isa, lines: &[&str], layout: Layout) -> Result<Built, String> {
    // `%export = NAME @label` exports the instruction after the label; the runner adds one per
    // label, reads the instruction indices back and removes them again before building.
    let mut text = lines.join("\n");
    let mut label_names = Vec::new();
    for line in lines {
        let definition = line.strip_prefix("pub ").unwrap_or(line);
        if let Some((name, _)) = definition.strip_prefix('@').and_then(|rest| rest.split_once(':')) {
            text.push_str(&format!("\n%export = {LABEL_EXPORT}{} @{name}", label_names.len()));
            label_names.push(name.to_string());
        }
    }
    let mut program = asm::parse(Some(isa), &text).map_err(|e| format!("assembler: {e}"))?;
    if program.isa != isa {
        return Err("the ISA comes from the `isa` line; do not use `%isa`".into());
    }
    let mut label_indices = HashMap::new();
    program.exports.retain(|export| {
        let Some(index) = export.name.strip_prefix(LABEL_EXPORT.as_bytes()) else { return true };
        let index: usize = String::from_utf8_lossy(index).parse().expect("own export name");
        if let asm::ExportTarget::Instruction(instruction) = export.target {
            label_indices.insert(label_names[index].clone(), instruction as usize);
        }
        false
    });
    if let Some(size) = layout.sizes[0] {
        program.ro_data_size = size;
    }
    if let Some(size) = layout.sizes[1] {
        program.rw_data_size = size;
    }
    if let Some(size) = layout.sizes[2] {
        program.stack_size = size;
    }
    if let Some(data) = layout.ro_data {
        program.ro_data = data;
    }
    if let Some(data) = layout.rw_data {
        program.rw_data = data;
    }
    let built = program.to_builder().build().map_err(|e| format!("build failed: {}", program.build_error(e)))?;
    let code_len = ProgramBlob::parse(ArcBytes::from(built.blob.clone())).map_or(0, |blob| blob.code_len());
    let labels = label_indices
        .into_iter()
        .map(|(name, index)| (name, built.instruction_offsets.get(index).copied().unwrap_or(code_len)))
        .collect();
    let blob = ProgramBlob::parse(ArcBytes::from(built.blob)).map_err(|e| e.to_string());
    Ok((blob, labels))
}

/// Builds a `code:` section (canonical mnemonics) with the blob builder.
fn build_canonical(isa: Isa, code: &[&str], jump_table_labels: &[String], layout: Layout) -> Result<Built, String> {
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
    let ro_data = layout.ro_data.unwrap_or_default();
    let rw_data = layout.rw_data.unwrap_or_default();
    let mut builder = ProgramBlobBuilder::new(isa);
    builder.set_ignore_instruction_set_incompatibility(true);
    builder.set_ro_data_size(layout.sizes[0].unwrap_or(ro_data.len() as u32));
    builder.set_rw_data_size(layout.sizes[1].unwrap_or(rw_data.len() as u32));
    builder.set_stack_size(layout.sizes[2].unwrap_or(0x1000));
    builder.set_ro_data(ro_data);
    builder.set_rw_data(rw_data);
    for label in jump_table_labels {
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
            // A label after the last instruction: the code end.
            (name, built.instruction_offsets.get(index).copied().unwrap_or(u32::MAX))
        })
        .collect();
    let blob = ProgramBlob::parse(ArcBytes::from(built.blob)).map_err(|e| e.to_string());
    Ok((blob, labels))
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
                InterruptKind::Segfault(Segfault::new(parse_u64(address)? as u32, 0, protected))
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
    // The host sees Latest32 registers as their low 32 bits (runtime.md §7.1).
    let register_mask = if instance.module().is_64_bit() { u64::MAX } else { 0xffff_ffff };
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
                (format!("{:#x}", instance.reg(reg)), format!("{:#x}", parse_u64(value)? & register_mask))
            }
        };
        if actual != expected {
            return Err(format!("{key} = {actual}, expected {expected}"));
        }
    }
    Ok(())
}

/// Runs one file on one ISA. With `trace`, step tracing is switched on (unless the file uses it
/// itself), `Step` interrupts are resumed transparently and the pc of every instruction about to
/// run is added to `trace`; the script's checks must pass all the same.
fn run_case(text: &str, isa: Isa, mut trace: Option<&mut Vec<u32>>) -> Result<Option<ProgramBlob>, String> {
    let sections = sections(text, isa)?;
    let program = build_program(isa, &sections)?;
    let labels = program.labels;
    let mut config = program.config;
    if config.step_tracing {
        trace = None;
    } else if trace.is_some() {
        config.step_tracing = true;
    }
    let steps = sections.steps;
    let module = program
        .blob
        .as_ref()
        .map_err(|e| format!("blob: {e}"))
        .and_then(|blob| Module::from_blob(&config, blob).map_err(|e| e.to_string()));
    if steps.first() == Some(&"error") {
        return match module {
            Err(message) => {
                if let Some(expected) = steps.get(1)
                    && !message.contains(expected.trim_start_matches("message "))
                {
                    return Err(format!("error `{message}` does not contain `{expected}`"));
                }
                Ok(None)
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
                    let actual = loop {
                        let interrupt = instance.run().map_err(|e| format!("run failed: {e}"))?;
                        match (&mut trace, interrupt) {
                            (Some(pcs), InterruptKind::Step) => pcs.extend(instance.program_counter()),
                            _ => break interrupt,
                        }
                    };
                    let actual_cmp = match actual {
                        InterruptKind::Segfault(s) => {
                            InterruptKind::Segfault(Segfault::new(s.page_address, 0, s.is_write_protected))
                        }
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
                    let pc = parse_option_u32(pc, &labels)?.ok_or("gas_cost needs a pc")?;
                    let actual = module.calculate_gas_cost_for(pc);
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
    Ok(program.blob.ok())
}

struct SpecFile {
    name: String,
    text: String,
    isas: Result<Vec<Isa>, String>,
}

fn spec_files() -> Vec<SpecFile> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/spec"));
    let mut paths: Vec<_> =
        std::fs::read_dir(dir).expect("tests/spec").filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_stem().expect("file name").to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("readable spec file");
            let isas = file_isas(&text);
            SpecFile { name, text, isas }
        })
        .collect()
}

/// The coverage test: every case again with step tracing, collecting executed opcodes.
fn check_coverage(files: &[SpecFile]) -> Result<(), String> {
    let mut executed: BTreeSet<(usize, Opcode)> = BTreeSet::new();
    let mut failures = Vec::new();
    for file in files {
        let Ok(isas) = &file.isas else { continue };
        for &isa in isas {
            let mut pcs = Vec::new();
            match run_case(&file.text, isa, Some(&mut pcs)) {
                Ok(Some(blob)) => {
                    let code = blob.code_view();
                    executed.extend(pcs.into_iter().map(|pc| (isa.index(), code.decode_at(pc).instruction.opcode)));
                }
                Ok(None) => {}
                Err(message) => failures.push(format!("{}::{} (step-traced): {message}", file.name, isa.name())),
            }
        }
    }
    let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for isa in Isa::ALL {
        let wanted = Opcode::ALL.iter().copied().filter(|op| op.is_in(isa));
        // JamV1 refuses to load a program with an `invalid` item, so it can never run one there.
        let wanted = wanted.chain((isa != Isa::JamV1).then_some(Opcode::Invalid));
        for opcode in wanted {
            if !executed.contains(&(isa.index(), opcode)) {
                let name = if opcode == Opcode::Invalid { "invalid" } else { opcode.name() };
                missing.entry(isa.name()).or_default().push(name);
            }
        }
    }
    let mut report = String::new();
    for failure in &failures {
        report.push_str(&format!("{failure}\n"));
    }
    for (isa, names) in &missing {
        report.push_str(&format!("{isa}: {} opcode(s) never executed: {}\n", names.len(), names.join(" ")));
    }
    if report.is_empty() { Ok(()) } else { Err(report) }
}

fn main() {
    let arguments = Arguments::from_args();
    let files = Arc::new(spec_files());
    let mut trials = Vec::new();
    for (index, file) in files.iter().enumerate() {
        match &file.isas {
            Ok(isas) => {
                for &isa in isas {
                    let files = Arc::clone(&files);
                    trials.push(Trial::test(format!("spec::{}::{}", file.name, isa.name()), move || {
                        run_case(&files[index].text, isa, None).map(|_| ()).map_err(Failed::from)
                    }));
                }
            }
            Err(message) => {
                let message = message.clone();
                trials.push(Trial::test(format!("spec::{}", file.name), move || Err(Failed::from(message))));
            }
        }
    }
    let coverage_files = Arc::clone(&files);
    trials.push(Trial::test("coverage::every_opcode_executed", move || {
        check_coverage(&coverage_files).map_err(Failed::from)
    }));
    libtest_mimic::run(&arguments, trials).exit();
}
