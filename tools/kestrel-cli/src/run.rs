//! `kestrel run`: call an export (or a program counter) of a program through the `kestrel` API
//! and report how the run ended.
//!
//! The program runs on an [`Instance`] whose linker has no host functions, only a fallback: every
//! `ecalli` either stops the run (reported, exit code 0) or, with `--host-stub VALUE`, returns
//! VALUE in `a0` and continues. Step tracing is always on so that the number of executed
//! instructions and the pc of the last one (the `ret` of a finished call) are known.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use kestrel::program::disasm::InstructionFormat;
use kestrel::program::{Args, Opcode};
use kestrel::{
    CallError, Caller, Config, Engine, GasMeteringKind, Instance, InstructionSetKind, Linker, Module, ModuleConfig,
    ProgramBlob, ProgramCounter, Reg,
};
use serde::Serialize;

use crate::input;
use crate::names;
use crate::output::Output;

/// Exit code of a run that ended in a trap.
pub const EXIT_TRAP: u8 = 3;
/// Exit code of a run that ran out of gas.
pub const EXIT_NOT_ENOUGH_GAS: u8 = 4;

/// Where the call starts.
#[derive(Clone, Debug)]
pub enum Entry {
    Export(String),
    Pc(u32),
}

/// Everything `kestrel run` was asked to do: its command-line options (besides the blob).
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The export to call.
    #[arg(long, value_name = "EXPORT", group = "entry")]
    pub call: Option<String>,
    /// Start at this code offset instead of an export (needed for raw JAM code).
    #[arg(long, value_name = "N", value_parser = crate::parse_u32, group = "entry")]
    pub pc: Option<u32>,
    /// Arguments for a0..a5, t0..t2: decimal, 0x hex, or negative (two's complement); put
    /// negative hex values after `--` (`-- -0x10`).
    #[arg(value_name = "ARGS", allow_negative_numbers = true)]
    pub args: Vec<String>,
    /// Meter gas, starting with N (synchronous metering unless --gas-metering async).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub gas: Option<i64>,
    /// How to meter gas: sync (stop before the block that cannot be paid) or async.
    #[arg(long, value_name = "KIND", requires = "gas", value_parser = crate::parse_metering)]
    pub gas_metering: Option<GasMeteringKind>,
    /// Print every executed instruction (pc and disassembly) to standard error.
    #[arg(long)]
    pub trace: bool,
    /// Print the result as JSON (field names are documented in docs/cli.md).
    #[arg(long)]
    pub json: bool,
    /// Answer every host call (`ecalli`) with VALUE in a0 and continue; without it the run
    /// stops at the first host call.
    #[arg(long, value_name = "VALUE", allow_negative_numbers = true, value_parser = crate::parse_value)]
    pub host_stub: Option<u64>,
    /// Stop at the host call after N answered ones (with --host-stub).
    #[arg(long, value_name = "N", requires = "host_stub")]
    pub max_host_calls: Option<u64>,
    /// Page size of the memory map (a power of two from 0x1000 to 0x10000).
    #[arg(long, value_name = "BYTES", value_parser = crate::parse_u32, default_value = "0x1000")]
    pub page_size: u32,
    /// Size of the aux data region.
    #[arg(long, value_name = "BYTES", value_parser = crate::parse_u32, default_value = "0")]
    pub aux_size: u32,
    /// Use dynamic paging: pages of the stack and data are mapped on first touch.
    #[arg(long)]
    pub dynamic_paging: bool,
}

impl Options {
    /// Where the call starts (clap's "entry" group requires `--call` or `--pc`).
    fn entry(&self) -> Result<Entry> {
        match (&self.call, self.pc) {
            (Some(name), _) => Ok(Entry::Export(name.clone())),
            (None, Some(pc)) => Ok(Entry::Pc(pc)),
            (None, None) => bail!("give --call EXPORT or --pc N"),
        }
    }

    /// The metering kind used when `--gas` is given.
    fn metering(&self) -> GasMeteringKind {
        self.gas_metering.unwrap_or(GasMeteringKind::Sync)
    }
}

/// Parses a call argument: decimal, `0x` hex, optionally negative (two's complement).
pub fn parse_integer(text: &str) -> Result<u64, String> {
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let parsed = match magnitude.strip_prefix("0x").or_else(|| magnitude.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => magnitude.replace('_', "").parse::<u64>(),
    };
    let bad = || format!("{text:?} is not an integer (expected decimal, 0x hex, or a negative number)");
    let value = match parsed {
        Ok(value) if !magnitude.is_empty() && !magnitude.starts_with(['+', '-']) => value,
        _ => return Err(bad()),
    };
    if !negative {
        return Ok(value);
    }
    // -2^63 is the most negative value an i64 can hold.
    if value > 1 << 63 {
        return Err(format!("{text:?} is out of range (below -2^63)"));
    }
    Ok(value.wrapping_neg())
}

/// Why the guest stopped at a host call.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Stop {
    /// No host function (and no `--host-stub`).
    NoHostFunction(u32),
    /// `--max-host-calls` calls were already answered.
    HostCallLimit(u32),
}

/// Per-run state the host-call fallback sees.
#[derive(Debug, Default)]
struct State {
    host_calls: u64,
}

/// How the run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Finished,
    Trap,
    NotEnoughGas,
    Stopped(Stop),
}

impl Outcome {
    fn name(&self) -> &'static str {
        match self {
            Outcome::Finished => "finished",
            Outcome::Trap => "trap",
            Outcome::NotEnoughGas => "not_enough_gas",
            Outcome::Stopped(_) => "ecalli",
        }
    }

    fn exit_code(&self) -> u8 {
        match self {
            Outcome::Finished | Outcome::Stopped(_) => 0,
            Outcome::Trap => EXIT_TRAP,
            Outcome::NotEnoughGas => EXIT_NOT_ENOUGH_GAS,
        }
    }
}

/// Disassembles instructions by pc, caching the text (traces revisit the same code).
struct Disassembler<'a> {
    blob: &'a ProgramBlob,
    cache: HashMap<u32, String>,
}

impl<'a> Disassembler<'a> {
    fn new(blob: &'a ProgramBlob) -> Self {
        Disassembler { blob, cache: HashMap::new() }
    }

    /// The text of the instruction at `pc`. The legacy encodings' implicit trap at the end of the
    /// code has no bytes, so it is named explicitly.
    fn text(&mut self, pc: u32) -> &str {
        let blob = self.blob;
        self.cache.entry(pc).or_insert_with(|| {
            if pc >= blob.code_len() {
                return "trap (implicit, at the end of the code)".to_owned();
            }
            let format = InstructionFormat::for_isa(blob.isa());
            let instruction = blob.code_view().decode_at(pc).instruction;
            let text = instruction.display(&format).to_string();
            match instruction.args {
                Args::Imm { imm } if instruction.opcode == Opcode::Ecalli => match import_name(blob, imm) {
                    Some(name) => format!("{text}  // {name}"),
                    None => text,
                },
                _ => text,
            }
        })
    }
}

/// The machine-readable result (`--json`); field names are documented in docs/cli.md.
#[derive(Debug, Serialize)]
struct Report {
    file: String,
    isa: &'static str,
    export: Option<String>,
    entry_pc: u32,
    args: Vec<u64>,
    interrupt: &'static str,
    ecalli: Option<EcalliReport>,
    pc: Option<u32>,
    instruction: Option<String>,
    registers: serde_json::Map<String, serde_json::Value>,
    result: ResultRegs,
    gas_metering: Option<&'static str>,
    gas_limit: Option<i64>,
    gas_used: Option<i64>,
    gas_left: Option<i64>,
    steps: u64,
    host_calls: u64,
    exit_code: u8,
}

#[derive(Debug, Serialize)]
struct EcalliReport {
    number: u32,
    import: Option<String>,
    reason: &'static str,
}

#[derive(Debug, Serialize)]
struct ResultRegs {
    a0: u64,
    a1: u64,
}

fn metering_name(kind: GasMeteringKind) -> &'static str {
    match kind {
        GasMeteringKind::Sync => "sync",
        GasMeteringKind::Async => "async",
    }
}

/// The import name of `ecalli number` as text, if the import exists and is valid.
fn import_name(blob: &ProgramBlob, number: u32) -> Option<String> {
    blob.imports().get(number).map(names::display)
}

/// Builds the module: parses the blob and compiles it with the requested settings.
fn load_module(path: &Path, raw_jam: Option<InstructionSetKind>, options: &Options) -> Result<Module> {
    let blob = input::load_blob(path, raw_jam)?;
    let mut config = Config::from_env().map_err(api_error).context("bad configuration in the environment")?;
    config.set_allow_dynamic_paging(options.dynamic_paging);
    let engine = Engine::new(&config).map_err(api_error)?;
    let mut module_config = ModuleConfig::new();
    module_config
        .set_page_size(options.page_size)
        .set_aux_data_size(options.aux_size)
        .set_dynamic_paging(options.dynamic_paging)
        .set_step_tracing(true)
        .set_gas_metering(options.gas.map(|_| options.metering()));
    Module::from_blob(&engine, &module_config, blob).map_err(api_error).with_context(|| path.display().to_string())
}

/// A `kestrel` API error as one message. Their `Display` already includes the causes (PolkaVM's
/// wording), and some also expose them as `source()`, which would print them twice.
pub fn api_error(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

/// The entry pc: the first export of that name, or the given pc.
fn resolve_entry(module: &Module, entry: &Entry) -> Result<u32> {
    match entry {
        Entry::Pc(pc) => Ok(*pc),
        Entry::Export(name) => {
            if let Some(export) = module.exports().find(|export| export.symbol() == name.as_str()) {
                return Ok(export.program_counter().0);
            }
            let available: Vec<String> =
                module.exports().map(|export| names::display(export.symbol().as_bytes())).collect();
            if available.is_empty() {
                bail!("export not found: '{name}' (the program has no exports; use --pc N)")
            }
            bail!("export not found: '{name}' (exports: {})", available.join(", "))
        }
    }
}

fn instance_with_stub(module: &Module, options: &Options) -> Result<Instance<State, Stop>> {
    let mut linker: Linker<State, Stop> = Linker::new();
    let stub = options.host_stub;
    let limit = options.max_host_calls;
    let trace = options.trace;
    linker.define_fallback(move |caller: Caller<'_, State>, number: u32| -> Result<(), Stop> {
        let Some(value) = stub else { return Err(Stop::NoHostFunction(number)) };
        if limit.is_some_and(|limit| caller.user_data.host_calls >= limit) {
            return Err(Stop::HostCallLimit(number));
        }
        caller.user_data.host_calls += 1;
        caller.instance.set_reg(Reg::A0, value);
        if trace {
            let name = import_name(caller.instance.module().blob(), number);
            #[allow(clippy::print_stderr, reason = "--trace writes the trace to stderr")]
            {
                eprintln!("        host call {number} {}: a0 = {value:#x}", quote(name.as_deref()));
            }
        }
        Ok(())
    });
    linker.instantiate_pre(module).and_then(|pre| pre.instantiate()).map_err(api_error)
}

fn quote(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("'{name}'"),
        None => "(no import name)".to_owned(),
    }
}

/// Runs `kestrel run` and returns the exit code.
pub fn run(path: &Path, raw_jam: Option<InstructionSetKind>, options: &Options) -> Result<u8> {
    let entry = options.entry()?;
    let module = load_module(path, raw_jam, options)?;
    let entry_pc = resolve_entry(&module, &entry)?;
    let args = options
        .args
        .iter()
        .map(|arg| parse_integer(arg).map_err(|message| anyhow::anyhow!("bad argument: {message}")))
        .collect::<Result<Vec<u64>>>()?;
    if args.len() > Reg::ARG_REGS.len() {
        bail!("too many arguments: {} (at most {} fit in registers a0..a5, t0..t2)", args.len(), Reg::ARG_REGS.len());
    }

    let mut instance = instance_with_stub(&module, options)?;
    instance.prepare_call_untyped(ProgramCounter(entry_pc), &args);
    if let Some(gas) = options.gas {
        instance.set_gas(gas);
    }

    let blob = module.blob();
    let mut disassembler = Disassembler::new(blob);
    let mut state = State::default();
    let mut steps = 0u64;
    let mut last_pc = None;
    let outcome = loop {
        match instance.continue_execution(&mut state) {
            Ok(()) => break Outcome::Finished,
            Err(CallError::Step) => {
                steps += 1;
                last_pc = instance.program_counter().map(|pc| pc.0);
                if options.trace
                    && let Some(pc) = last_pc
                {
                    #[allow(clippy::print_stderr, reason = "--trace writes the trace to stderr")]
                    {
                        eprintln!("{pc:>7}: {}", disassembler.text(pc));
                    }
                }
            }
            Err(CallError::Trap) => break Outcome::Trap,
            Err(CallError::NotEnoughGas) => break Outcome::NotEnoughGas,
            Err(CallError::User(stop)) => break Outcome::Stopped(stop),
            Err(CallError::Error(error)) => return Err(api_error(error)),
        }
    };

    // Step interrupts come before an instruction runs, also before the gas check at a block start:
    // an instruction that could not be paid for was stepped but not executed.
    if outcome == Outcome::NotEnoughGas && last_pc.is_some() && last_pc == instance.program_counter().map(|pc| pc.0) {
        steps -= 1;
        if options.trace {
            #[allow(clippy::print_stderr, reason = "--trace writes the trace to stderr")]
            {
                eprintln!("        (not executed: not enough gas for the block)");
            }
        }
    }

    // A finished call has no pc of its own: report the last instruction executed (the `ret`).
    let pc = match outcome {
        Outcome::Finished => last_pc,
        _ => instance.program_counter().map(|pc| pc.0).or(last_pc),
    };
    let instruction = pc.map(|pc| disassembler.text(pc).to_owned());
    let gas_left = options.gas.map(|_| instance.gas());
    let report = Report {
        file: path.display().to_string(),
        isa: blob.isa().name(),
        export: match entry {
            Entry::Export(name) => Some(name),
            Entry::Pc(_) => None,
        },
        entry_pc,
        args,
        interrupt: outcome.name(),
        ecalli: match outcome {
            Outcome::Stopped(Stop::NoHostFunction(number)) => {
                Some(EcalliReport { number, import: import_name(blob, number), reason: "no_host_function" })
            }
            Outcome::Stopped(Stop::HostCallLimit(number)) => {
                Some(EcalliReport { number, import: import_name(blob, number), reason: "host_call_limit" })
            }
            _ => None,
        },
        pc,
        instruction,
        registers: Reg::ALL
            .into_iter()
            .map(|reg| (reg.name().to_owned(), serde_json::Value::from(instance.reg(reg))))
            .collect(),
        result: ResultRegs { a0: instance.reg(Reg::A0), a1: instance.reg(Reg::A1) },
        gas_metering: options.gas.map(|_| metering_name(options.metering())),
        gas_limit: options.gas,
        gas_used: options.gas.zip(gas_left).map(|(limit, left)| limit.wrapping_sub(left)),
        gas_left,
        steps,
        host_calls: state.host_calls,
        exit_code: outcome.exit_code(),
    };

    let mut out = Output::open(None)?;
    if options.json {
        out.line(&serde_json::to_string_pretty(&report)?)?;
    } else {
        for line in text_report(&report, &outcome, module.is_64_bit(), options) {
            out.line(&line)?;
        }
    }
    out.finish()?;
    Ok(outcome.exit_code())
}

/// A register value in decimal and hex, plus the signed reading when the top bit is set.
fn value_text(value: u64, is_64_bit: bool) -> String {
    let signed = if is_64_bit { value as i64 } else { i64::from(value as u32 as i32) };
    if signed < 0 { format!("{value} ({value:#x}, signed {signed})") } else { format!("{value} ({value:#x})") }
}

fn text_report(report: &Report, outcome: &Outcome, is_64_bit: bool, options: &Options) -> Vec<String> {
    let mut lines = Vec::new();
    let interrupt = match outcome {
        Outcome::Finished => "finished".to_owned(),
        Outcome::Trap => "trap".to_owned(),
        Outcome::NotEnoughGas => "not enough gas".to_owned(),
        Outcome::Stopped(stop) => {
            let (number, why) = match stop {
                Stop::NoHostFunction(number) => {
                    (*number, "no host function; execution stopped (--host-stub VALUE answers host calls)")
                }
                Stop::HostCallLimit(number) => (*number, "the --max-host-calls limit is reached; execution stopped"),
            };
            let import = report.ecalli.as_ref().and_then(|ecalli| ecalli.import.as_deref());
            format!("ecalli {number} {}: {why}", quote(import))
        }
    };
    lines.push(format!("interrupt:  {interrupt}"));
    match (report.pc, &report.instruction) {
        (Some(pc), Some(instruction)) => lines.push(format!("pc:         {pc}: {instruction}")),
        _ => lines.push("pc:         (no instruction executed)".to_owned()),
    }
    lines.push(format!("a0:         {}", value_text(report.result.a0, is_64_bit)));
    lines.push(format!("a1:         {}", value_text(report.result.a1, is_64_bit)));
    match (report.gas_limit, report.gas_used, report.gas_left) {
        (Some(limit), Some(used), Some(left)) => lines.push(format!(
            "gas:        {used} used, {left} left of {limit} ({} metering)",
            metering_name(options.metering())
        )),
        _ => lines.push("gas:        not metered (--gas N turns metering on)".to_owned()),
    }
    lines.push(format!("steps:      {}", report.steps));
    if options.host_stub.is_some() {
        lines.push(format!("host calls: {}", report.host_calls));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_in_every_spelling() {
        assert_eq!(parse_integer("0"), Ok(0));
        assert_eq!(parse_integer("42"), Ok(42));
        assert_eq!(parse_integer("+42"), Ok(42));
        assert_eq!(parse_integer("0x2a"), Ok(42));
        assert_eq!(parse_integer("0X2A"), Ok(42));
        assert_eq!(parse_integer("1_000"), Ok(1000));
        assert_eq!(parse_integer("-1"), Ok(u64::MAX));
        assert_eq!(parse_integer("-0x10"), Ok(0u64.wrapping_sub(16)));
        assert_eq!(parse_integer("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_integer("-9223372036854775808"), Ok(1 << 63));
        for bad in ["", "-", "0x", "abc", "1.5", "--1", "+-1", "18446744073709551616", "-9223372036854775809", "0xg"] {
            assert!(parse_integer(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn values_show_their_signed_reading() {
        assert_eq!(value_text(3, true), "3 (0x3)");
        assert_eq!(value_text(u64::MAX, true), "18446744073709551615 (0xffffffffffffffff, signed -1)");
        assert_eq!(value_text(0xffff_ffff, false), "4294967295 (0xffffffff, signed -1)");
        assert_eq!(value_text(0xffff_ffff, true), "4294967295 (0xffffffff)");
    }
}
