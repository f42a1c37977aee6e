//! A decoded instruction: a mnemonic plus its operands.

use crate::opcode::{Format, Opcode};
use crate::reg::Reg;

/// The operands of an instruction, shaped by its [`Format`].
///
/// Immediates are stored as the raw 32-bit pattern after sign extension from their encoded
/// length (so `-1` is `0xffff_ffff`); consumers sign-extend to 64 bits where the semantics say
/// so. `target` fields are absolute code offsets (`u32(pc + imm)`) in decoded programs; inside a
/// [`crate::builder::ProgramBlobBuilder`] they are basic-block indices instead.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Args {
    None,
    Imm { imm: u32 },
    Offset { target: u32 },
    RegImm { reg: Reg, imm: u32 },
    RegImm64 { reg: Reg, imm: u64 },
    RegImmImm { reg: Reg, imm1: u32, imm2: u32 },
    RegImmOffset { reg: Reg, imm: u32, target: u32 },
    ImmImm { imm1: u32, imm2: u32 },
    RegReg { reg1: Reg, reg2: Reg },
    RegRegImm { reg1: Reg, reg2: Reg, imm: u32 },
    RegRegOffset { reg1: Reg, reg2: Reg, target: u32 },
    RegRegReg { reg1: Reg, reg2: Reg, reg3: Reg },
    RegRegImmImm { reg1: Reg, reg2: Reg, imm1: u32, imm2: u32 },
}

impl Args {
    /// The format these operands belong to.
    pub const fn format(&self) -> Format {
        match self {
            Args::None => Format::None,
            Args::Imm { .. } => Format::Imm,
            Args::Offset { .. } => Format::Offset,
            Args::RegImm { .. } => Format::RegImm,
            Args::RegImm64 { .. } => Format::RegImm64,
            Args::RegImmImm { .. } => Format::RegImmImm,
            Args::RegImmOffset { .. } => Format::RegImmOffset,
            Args::ImmImm { .. } => Format::ImmImm,
            Args::RegReg { .. } => Format::RegReg,
            Args::RegRegImm { .. } => Format::RegRegImm,
            Args::RegRegOffset { .. } => Format::RegRegOffset,
            Args::RegRegReg { .. } => Format::RegRegReg,
            Args::RegRegImmImm { .. } => Format::RegRegImmImm,
        }
    }

    /// The static jump target, if the format has one.
    pub const fn target(&self) -> Option<u32> {
        match *self {
            Args::Offset { target } | Args::RegImmOffset { target, .. } | Args::RegRegOffset { target, .. } => {
                Some(target)
            }
            _ => None,
        }
    }

    /// Replaces the static jump target, if the format has one.
    pub fn set_target(&mut self, new_target: u32) {
        match self {
            Args::Offset { target } | Args::RegImmOffset { target, .. } | Args::RegRegOffset { target, .. } => {
                *target = new_target
            }
            _ => {}
        }
    }
}

/// One instruction: mnemonic and operands. `args.format()` always equals `opcode.format()`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Instruction {
    pub opcode: Opcode,
    pub args: Args,
}

impl Instruction {
    /// The `invalid` pseudo-instruction.
    pub const INVALID: Instruction = Instruction { opcode: Opcode::Invalid, args: Args::None };

    /// Builds an instruction, checking that the operands fit the opcode's format.
    pub fn new(opcode: Opcode, args: Args) -> Option<Instruction> {
        (opcode.format() == args.format()).then_some(Instruction { opcode, args })
    }

    /// Whether this instruction ends a basic block.
    pub const fn ends_block(&self) -> bool {
        self.opcode.ends_block()
    }
}

/// An instruction at a position in the code.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct ParsedInstruction {
    /// Code offset of the first byte (the program counter).
    pub offset: u32,
    /// Number of code bytes the item covers; `offset + length` is where decoding continues.
    /// Zero for the quirk items of `instructions.md` §3.6; one for the implicit end trap.
    pub length: u32,
    pub instruction: Instruction,
}

impl ParsedInstruction {
    /// Offset of the next item.
    pub const fn next_offset(&self) -> u32 {
        self.offset.wrapping_add(self.length)
    }
}
