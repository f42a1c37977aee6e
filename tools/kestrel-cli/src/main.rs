//! The `kestrel` command: inspect, disassemble, assemble and run PolkaVM programs, and run the
//! JAM conformance vectors.
//!
//! Every failure is reported as one line on stderr (`kestrel: error: PATH: what went wrong`) with
//! exit code 1; bad command-line usage exits with code 2 (clap's convention). `kestrel run` exits
//! with 3 when the guest traps and 4 when it runs out of gas.

#![forbid(unsafe_code)]
#![allow(clippy::print_stderr, reason = "the binary reports its one-line error message on stderr")]

mod asm;
mod conformance;
mod disasm;
mod info;
mod input;
mod names;
mod output;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kestrel::GasMeteringKind;
use kestrel_program::InstructionSetKind;

/// Inspect, disassemble, assemble and run PolkaVM programs.
#[derive(Debug, Parser)]
#[command(name = "kestrel", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what a program blob contains: instruction set, sizes, memory map, exports, imports.
    Info {
        /// The program blob (`.polkavm`, or a raw JAM code blob with --raw-jam).
        blob: PathBuf,
        /// Print JSON instead of text (field names are documented in docs/cli.md).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        input: BlobInput,
    },
    /// Disassemble a program blob: a listing with code offsets, or re-assemblable source.
    Disasm {
        /// The program blob (`.polkavm`, or a raw JAM code blob with --raw-jam).
        blob: PathBuf,
        /// Print source that `kestrel asm` turns back into the same program.
        #[arg(long)]
        reassemblable: bool,
        /// Name registers r0..r12 instead of ra, sp, t0, ...
        #[arg(long, conflicts_with = "reassemblable")]
        raw_regs: bool,
        /// Do not use aliases such as `ret` or `a0 = a1 - 4`; print the plain instruction forms.
        #[arg(long, conflicts_with = "reassemblable")]
        no_aliases: bool,
        /// Show the bytes of every instruction in the listing.
        #[arg(long, conflicts_with = "reassemblable")]
        bytes: bool,
        /// Write to FILE instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        input: BlobInput,
    },
    /// Assemble a source file (the language of docs/assembly.md) into a `.polkavm` blob.
    Asm {
        /// The assembly source.
        source: PathBuf,
        /// Instruction set to use when the source has no `%isa = ...` directive.
        #[arg(long, value_parser = parse_isa, value_name = "ISA")]
        isa: Option<InstructionSetKind>,
        /// Where to write the blob.
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: PathBuf,
    },
    /// Call an export of a program and print how it ended: interrupt, pc, a0/a1, gas, steps.
    ///
    /// Exit code 0 when the call finished or stopped at a host call, 3 on a trap, 4 when it ran
    /// out of gas, 1 on errors.
    #[command(group = clap::ArgGroup::new("entry").required(true))]
    Run {
        /// The program blob (`.polkavm`, or a raw JAM code blob with --raw-jam).
        blob: PathBuf,
        #[command(flatten)]
        options: run::Options,
        #[command(flatten)]
        input: BlobInput,
    },
    /// Run the JAM PVM test vectors (DIR/programs/*.json) and compare every field.
    ///
    /// Prints one line per failing vector, then `N passed, M failed`. Exit code 0 when every
    /// failure is a known divergence of polkavm 0.37 from the vectors (`inst_fallthrough`).
    Conformance {
        /// The test-vector directory (containing programs/*.json), or one vector file.
        dir: PathBuf,
        /// Instruction set to load the raw JAM code with.
        #[arg(long, value_parser = parse_isa, value_name = "ISA", default_value = "revive_v1")]
        isa: InstructionSetKind,
        /// Print the results as JSON (field names are documented in docs/cli.md).
        #[arg(long)]
        json: bool,
        /// Print a line for every vector, not only the failing ones.
        #[arg(long, short = 'v')]
        verbose: bool,
    },
}

/// How to read the input blob.
#[derive(Debug, Args)]
struct BlobInput {
    /// The input is a raw JAM code blob (jump table, code, bitmask; no container), read with --isa.
    #[arg(long, requires = "isa")]
    raw_jam: bool,
    /// Instruction set of a raw JAM code blob (revive_v1, jam_v1 or latest32; JAM test vectors use revive_v1).
    #[arg(long, value_parser = parse_isa, value_name = "ISA", requires = "raw_jam")]
    isa: Option<InstructionSetKind>,
}

impl BlobInput {
    /// `Some(isa)` when the input is a raw JAM code blob.
    fn raw_jam_isa(&self) -> Option<InstructionSetKind> {
        if self.raw_jam { self.isa } else { None }
    }
}

fn parse_isa(name: &str) -> Result<InstructionSetKind, String> {
    InstructionSetKind::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = InstructionSetKind::ALL.iter().map(|isa| isa.name()).collect();
        format!("unknown instruction set (expected one of: {})", names.join(", "))
    })
}

/// A u32 in decimal or `0x` hex.
fn parse_u32(text: &str) -> Result<u32, String> {
    let value = run::parse_integer(text)?;
    if text.starts_with('-') {
        return Err("expected a non-negative number".to_owned());
    }
    u32::try_from(value).map_err(|_| "does not fit in 32 bits".to_owned())
}

fn parse_value(text: &str) -> Result<u64, String> {
    run::parse_integer(text)
}

fn parse_metering(text: &str) -> Result<GasMeteringKind, String> {
    match text {
        "sync" => Ok(GasMeteringKind::Sync),
        "async" => Ok(GasMeteringKind::Async),
        _ => Err("expected sync or async".to_owned()),
    }
}

/// Runs the command; the result is the exit code.
fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Info { blob, json, input } => info::run(&blob, input.raw_jam_isa(), json).map(|()| 0),
        Command::Disasm { blob, reassemblable, raw_regs, no_aliases, bytes, output, input } => {
            let options = disasm::Options { reassemblable, raw_regs, no_aliases, bytes };
            disasm::run(&blob, input.raw_jam_isa(), options, output.as_deref()).map(|()| 0)
        }
        Command::Asm { source, isa, output } => asm::run(&source, isa, &output).map(|()| 0),
        Command::Run { blob, options, input } => run::run(&blob, input.raw_jam_isa(), &options),
        Command::Conformance { dir, isa, json, verbose } => conformance::run(&dir, isa, json, verbose),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) if output::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the context chain on one line: "PATH: cause: cause".
            eprintln!("kestrel: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
