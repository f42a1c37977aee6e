//! Assembler helpers: rendering instructions and assembling single lines.

use kestrel_program::asm::{self, Program};
use kestrel_program::{Args, Instruction, InstructionSetKind};

/// Renders an instruction as `mnemonic op, op, ...` in the operand order of `instructions.md`
/// §5.1: 32-bit immediates as signed decimal (ecalli as unsigned), 64-bit ones in hex, targets
/// as `@block`.
pub fn show(instruction: &Instruction) -> String {
    let name = instruction.opcode.name();
    let i = |imm: u32| imm as i32;
    match instruction.args {
        Args::None => name.to_string(),
        Args::Imm { imm } => format!("{name} {imm}"),
        Args::Offset { target } => format!("{name} @{target}"),
        Args::RegImm { reg, imm } => format!("{name} {reg}, {}", i(imm)),
        Args::RegImm64 { reg, imm } => format!("{name} {reg}, {imm:#x}"),
        Args::RegImmImm { reg, imm1, imm2 } => format!("{name} {reg}, {}, {}", i(imm1), i(imm2)),
        Args::RegImmOffset { reg, imm, target } => format!("{name} {reg}, {}, @{target}", i(imm)),
        Args::ImmImm { imm1, imm2 } => format!("{name} {}, {}", i(imm1), i(imm2)),
        Args::RegReg { reg1, reg2 } => format!("{name} {reg1}, {reg2}"),
        Args::RegRegImm { reg1, reg2, imm } => format!("{name} {reg1}, {reg2}, {}", i(imm)),
        Args::RegRegOffset { reg1, reg2, target } => format!("{name} {reg1}, {reg2}, @{target}"),
        Args::RegRegReg { reg1, reg2, reg3 } => format!("{name} {reg1}, {reg2}, {reg3}"),
        Args::RegRegImmImm { reg1, reg2, imm1, imm2 } => {
            format!("{name} {reg1}, {reg2}, {}, {}", i(imm1), i(imm2))
        }
    }
}

/// Parses a Latest64 program, panicking with the error message.
pub fn parse(text: &str) -> Program {
    asm::parse(Some(InstructionSetKind::Latest64), text).unwrap_or_else(|error| panic!("{error}"))
}

/// All instructions of a program, rendered with [`show`] and joined by `; `.
pub fn listing(program: &Program) -> String {
    program.instructions.iter().map(|item| show(&item.instruction)).collect::<Vec<_>>().join("; ")
}

/// Assembles one line (after a label `@l:` at block 0, so `jump @l` works) and renders its
/// instruction(s), or returns the error message. The line itself is line 2.
pub fn line(text: &str) -> Result<String, String> {
    asm::parse(Some(InstructionSetKind::Latest64), &format!("@l:\n{text}"))
        .map(|program| listing(&program))
        .map_err(|error| error.to_string())
}

/// Like [`line`], expecting success.
pub fn ok(text: &str) -> String {
    line(text).unwrap_or_else(|error| panic!("{text:?}: {error}"))
}

/// Asserts that a single line fails with `cannot parse line 2: "text"`.
pub fn assert_unparsable(text: &str) {
    assert_eq!(line(text), Err(format!("cannot parse line 2: \"{}\"", text.trim())), "{text:?}");
}

/// The error message of a whole program.
pub fn error(isa: Option<InstructionSetKind>, text: &str) -> String {
    match asm::parse(isa, text) {
        Ok(program) => panic!("expected an error, got {program:?}"),
        Err(error) => error.to_string(),
    }
}
