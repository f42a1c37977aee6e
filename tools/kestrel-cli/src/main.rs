//! The `kestrel` command: inspect, disassemble and assemble PolkaVM programs.
//!
//! Every failure is reported as one line on stderr (`kestrel: error: PATH: what went wrong`) with
//! exit code 1; bad command-line usage exits with code 2 (clap's convention).

#![forbid(unsafe_code)]
#![allow(clippy::print_stderr, reason = "the binary reports its one-line error message on stderr")]

mod asm;
mod disasm;
mod info;
mod input;
mod names;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kestrel_program::InstructionSetKind;

/// Inspect, disassemble and assemble PolkaVM programs.
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

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info { blob, json, input } => info::run(&blob, input.raw_jam_isa(), json),
        Command::Disasm { blob, reassemblable, raw_regs, no_aliases, bytes, output, input } => {
            let options = disasm::Options { reassemblable, raw_regs, no_aliases, bytes };
            disasm::run(&blob, input.raw_jam_isa(), options, output.as_deref())
        }
        Command::Asm { source, isa, output } => asm::run(&source, isa, &output),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if output::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the context chain on one line: "PATH: cause: cause".
            eprintln!("kestrel: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
