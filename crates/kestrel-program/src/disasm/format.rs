//! Text of a single instruction (`instructions.md` §9.5), plus the re-assemblable variant used by
//! [`super::source`].

use core::fmt;

use crate::instruction::{Args, Instruction, ParsedInstruction};
use crate::isa::InstructionSetKind;
use crate::opcode::Opcode;
use crate::reg::Reg;

/// A callback that prints a static jump target (an absolute code offset) in place of the default
/// decimal number.
pub type JumpTargetFormatter<'a> = dyn Fn(u32, &mut fmt::Formatter<'_>) -> fmt::Result + 'a;

/// Options for printing instructions. [`Default`] gives PolkaVM's defaults: ABI register names,
/// aliases on, 64-bit immediates, decimal jump targets.
#[derive(Copy, Clone)]
pub struct InstructionFormat<'a> {
    /// Print `r0`..`r12` instead of `ra`, `sp`, `t0`, ... (except the source register of
    /// `store_indirect_u8`, a PolkaVM quirk).
    pub prefer_non_abi_reg_names: bool,
    /// Disable the aliases `ret`, `jump [b]`, `d = s - N` (small negative `add_imm`), `d = -s`, and
    /// print zero displacements as ` + 0`.
    pub prefer_unaliased: bool,
    /// `true`: immediates are sign-extended to 64 bits and every `_32` instruction gets an `i32 `
    /// prefix. `false` (for Latest32): immediates print as their 32-bit pattern, no prefix.
    pub is_64_bit: bool,
    /// Prints static jump targets; `None` prints them in decimal.
    pub jump_target_formatter: Option<&'a JumpTargetFormatter<'a>>,
}

impl Default for InstructionFormat<'_> {
    fn default() -> Self {
        InstructionFormat {
            prefer_non_abi_reg_names: false,
            prefer_unaliased: false,
            is_64_bit: true,
            jump_target_formatter: None,
        }
    }
}

impl InstructionFormat<'_> {
    /// The default options with the register width of `isa` (`is_64_bit` false only for Latest32).
    pub fn for_isa(isa: InstructionSetKind) -> Self {
        InstructionFormat { is_64_bit: isa.is_64_bit(), ..InstructionFormat::default() }
    }
}

impl fmt::Debug for InstructionFormat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstructionFormat")
            .field("prefer_non_abi_reg_names", &self.prefer_non_abi_reg_names)
            .field("prefer_unaliased", &self.prefer_unaliased)
            .field("is_64_bit", &self.is_64_bit)
            .field("jump_target_formatter", &self.jump_target_formatter.map(|_| ".."))
            .finish()
    }
}

/// Which text to produce: PolkaVM's `Display` output, or text its assembler (and Kestrel's, with
/// the dialect extensions) reads back as the same instruction.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Dialect {
    Display,
    Source,
}

/// [`Instruction`] formatted with explicit options; see [`Instruction::display`].
#[derive(Copy, Clone, Debug)]
pub struct InstructionDisplay<'a> {
    instruction: Instruction,
    format: &'a InstructionFormat<'a>,
}

impl fmt::Display for InstructionDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_instruction(f, &self.instruction, self.format, Dialect::Display)
    }
}

/// [`ParsedInstruction`] formatted as `{offset:>7}: {text}`; see [`ParsedInstruction::display`].
#[derive(Copy, Clone, Debug)]
pub struct ParsedInstructionDisplay<'a> {
    item: ParsedInstruction,
    format: &'a InstructionFormat<'a>,
}

impl fmt::Display for ParsedInstructionDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>7}: ", self.item.offset)?;
        write_instruction(f, &self.item.instruction, self.format, Dialect::Display)
    }
}

impl Instruction {
    /// Formats the instruction with the given options (`instructions.md` §9.5).
    pub fn display<'a>(&self, format: &'a InstructionFormat<'a>) -> InstructionDisplay<'a> {
        InstructionDisplay { instruction: *self, format }
    }
}

impl ParsedInstruction {
    /// Formats the item as `{offset:>7}: {text}` with the given options.
    pub fn display<'a>(&self, format: &'a InstructionFormat<'a>) -> ParsedInstructionDisplay<'a> {
        ParsedInstructionDisplay { item: *self, format }
    }
}

/// PolkaVM's default text: ABI names, aliases, 64-bit immediates, decimal targets.
impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_instruction(f, self, &InstructionFormat::default(), Dialect::Display)
    }
}

/// `{offset:>7}: {text}` with the default options.
impl fmt::Display for ParsedInstruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.display(&InstructionFormat::default()).fmt(f)
    }
}

/// An immediate value: `0`, or `0x` + lowercase hex of the value sign-extended to 64 bits (or of
/// the 32-bit pattern when not 64-bit).
struct Imm {
    value: u32,
    is_64_bit: bool,
}

impl fmt::Display for Imm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value == 0 {
            f.write_str("0")
        } else if self.is_64_bit {
            write!(f, "0x{:x}", i64::from(self.value as i32) as u64)
        } else {
            write!(f, "0x{:x}", self.value)
        }
    }
}

/// An absolute memory address, see [`Printer::address`].
struct Address {
    address: u32,
    imm: Imm,
    dialect: Dialect,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dialect {
            Dialect::Display => self.imm.fmt(f),
            Dialect::Source => write!(f, "0x{:x}", self.address),
        }
    }
}

/// A static jump target.
struct Target<'a> {
    target: u32,
    formatter: Option<&'a JumpTargetFormatter<'a>>,
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.formatter {
            Some(formatter) => formatter(self.target, f),
            None => write!(f, "{}", self.target),
        }
    }
}

/// A register-relative memory operand `[b]`, `[b + N]`, `[b - N]` (display) or `[b + -N]` (source,
/// the only negative spelling PolkaVM's assembler reads).
struct Mem {
    base: &'static str,
    offset: u32,
    unaliased: bool,
    dialect: Dialect,
}

impl fmt::Display for Mem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = self.offset as i32;
        if offset == 0 && !self.unaliased {
            write!(f, "[{}]", self.base)
        } else if offset >= 0 || self.dialect == Dialect::Source {
            write!(f, "[{} + {}]", self.base, offset)
        } else {
            // i64 so that -2^31 negates without overflow.
            write!(f, "[{} - {}]", self.base, -i64::from(offset))
        }
    }
}

/// Mnemonic-independent printing context.
struct Printer<'a> {
    format: &'a InstructionFormat<'a>,
    dialect: Dialect,
}

impl<'a> Printer<'a> {
    fn reg(&self, reg: Reg) -> &'static str {
        if self.format.prefer_non_abi_reg_names { reg.numeric_name() } else { reg.name() }
    }

    fn imm(&self, value: u32) -> Imm {
        Imm { value, is_64_bit: self.format.is_64_bit }
    }

    /// An absolute address `[A]`: formatted like an immediate when displayed (as polkavm does),
    /// as the plain 32-bit pattern in source, which polkavm's simple immediate parser reads back.
    fn address(&self, address: u32) -> Address {
        Address { address, imm: self.imm(address), dialect: self.dialect }
    }

    fn target(&self, target: u32) -> Target<'a> {
        Target { target, formatter: self.format.jump_target_formatter }
    }

    fn mem(&self, base: Reg, offset: u32) -> Mem {
        Mem { base: self.reg(base), offset, unaliased: self.format.prefer_unaliased, dialect: self.dialect }
    }

    /// `i32 ` for `_32` mnemonics in 64-bit mode.
    fn prefix(&self, opcode: Opcode) -> &'static str {
        if self.format.is_64_bit && opcode.name().ends_with("_32") { "i32 " } else { "" }
    }
}

/// Writes the text of `instruction`.
pub(crate) fn write_instruction(
    f: &mut fmt::Formatter<'_>,
    instruction: &Instruction,
    format: &InstructionFormat<'_>,
    dialect: Dialect,
) -> fmt::Result {
    let p = Printer { format, dialect };
    let opcode = instruction.opcode;
    let pre = p.prefix(opcode);
    match instruction.args {
        Args::None => match opcode {
            Opcode::Trap | Opcode::Fallthrough | Opcode::Unlikely | Opcode::Invalid => f.write_str(opcode.name()),
            Opcode::Memset => f.write_str("[a0..a0 + a2] = u8 a1"),
            _ => malformed(f, instruction),
        },
        Args::Imm { imm } => match opcode {
            Opcode::Ecalli => write!(f, "ecalli {imm}"),
            _ => malformed(f, instruction),
        },
        Args::Offset { target } => match opcode {
            Opcode::Jump => write!(f, "jump {}", p.target(target)),
            _ => malformed(f, instruction),
        },
        Args::RegImm { reg, imm } => {
            if opcode == Opcode::JumpIndirect {
                if reg == Reg::RA && imm == 0 && !format.prefer_unaliased {
                    f.write_str("ret")
                } else {
                    write!(f, "jump {}", p.mem(reg, imm))
                }
            } else if opcode == Opcode::LoadImm {
                write!(f, "{} = {}", p.reg(reg), p.imm(imm))
            } else if let Some(kind) = load_kind(opcode) {
                write!(f, "{} = {kind} [{}]", p.reg(reg), p.address(imm))
            } else if let Some(kind) = store_kind(opcode) {
                write!(f, "{kind} [{}] = {}", p.address(imm), p.reg(reg))
            } else {
                malformed(f, instruction)
            }
        }
        Args::RegImm64 { reg, imm } => match (opcode, dialect) {
            // A source `X = 0x...` whose value sign-extends from 32 bits would come back as load_imm.
            (Opcode::LoadImm64, Dialect::Source) => write!(f, "{} = i64 0x{imm:x}", p.reg(reg)),
            (Opcode::LoadImm64, Dialect::Display) => write!(f, "{} = 0x{imm:x}", p.reg(reg)),
            _ => malformed(f, instruction),
        },
        Args::RegImmImm { reg, imm1, imm2 } => match store_kind(opcode) {
            Some(kind) if is_store_imm_indirect(opcode) => {
                write!(f, "{kind} {} = {}", p.mem(reg, imm1), p.imm(imm2))
            }
            _ => malformed(f, instruction),
        },
        Args::RegImmOffset { reg, imm, target } => {
            if opcode == Opcode::LoadImmAndJump {
                write!(f, "{} = {}, jump {}", p.reg(reg), imm as i32, p.target(target))
            } else if let Some(op) = branch_op(opcode) {
                write!(f, "jump {} if {} {op} {}", p.target(target), p.reg(reg), imm as i32)
            } else {
                malformed(f, instruction)
            }
        }
        Args::ImmImm { imm1, imm2 } => match store_kind(opcode) {
            Some(kind) if is_store_imm(opcode) => write!(f, "{kind} [{}] = {}", p.address(imm1), p.imm(imm2)),
            _ => malformed(f, instruction),
        },
        Args::RegReg { reg1, reg2 } => {
            let (d, s) = (p.reg(reg1), p.reg(reg2));
            match opcode {
                Opcode::MoveReg => write!(f, "{d} = {s}"),
                Opcode::Sbrk => write!(f, "{d} = sbrk {s}"),
                _ => match unary_op(opcode) {
                    Some(op) => write!(f, "{pre}{d} = {op} {s}"),
                    None => malformed(f, instruction),
                },
            }
        }
        Args::RegRegImm { reg1, reg2, imm } => write_reg_reg_imm(f, &p, instruction, reg1, reg2, imm),
        Args::RegRegOffset { reg1, reg2, target } => match branch_op(opcode) {
            Some(op) => write!(f, "jump {} if {} {op} {}", p.target(target), p.reg(reg1), p.reg(reg2)),
            None => malformed(f, instruction),
        },
        Args::RegRegReg { reg1, reg2, reg3 } => {
            let (d, s1, s2) = (p.reg(reg1), p.reg(reg2), p.reg(reg3));
            match opcode {
                Opcode::CmovIfZero => write!(f, "{d} = {s1} if {s2} == 0"),
                Opcode::CmovIfNotZero => write!(f, "{d} = {s1} if {s2} != 0"),
                Opcode::AndInverted => write!(f, "{d} = {s1} & ~{s2}"),
                Opcode::OrInverted => write!(f, "{d} = {s1} | ~{s2}"),
                Opcode::Xnor => write!(f, "{d} = ~({s1} ^ {s2})"),
                Opcode::Maximum => write!(f, "{d} = maxs({s1}, {s2})"),
                Opcode::MaximumUnsigned => write!(f, "{d} = maxu({s1}, {s2})"),
                Opcode::Minimum => write!(f, "{d} = mins({s1}, {s2})"),
                Opcode::MinimumUnsigned => write!(f, "{d} = minu({s1}, {s2})"),
                _ => match binary_op(opcode) {
                    Some(op) => write!(f, "{pre}{d} = {s1} {op} {s2}"),
                    None => malformed(f, instruction),
                },
            }
        }
        Args::RegRegImmImm { reg1, reg2, imm1, imm2 } => match opcode {
            Opcode::LoadImmAndJumpIndirect => {
                let (d, v) = (p.reg(reg1), imm1 as i32);
                if reg1 == reg2 {
                    // The jump uses the base's old value; spell that out as `tmp`.
                    let tmp = Mem { base: "tmp", ..p.mem(reg2, imm2) };
                    write!(f, "tmp = {}, {d} = {v}, jump {tmp}", p.reg(reg2))
                } else {
                    write!(f, "{d} = {v}, jump {}", p.mem(reg2, imm2))
                }
            }
            _ => malformed(f, instruction),
        },
    }
}

/// The `reg_reg_imm` format: indirect loads and stores and the ALU-with-immediate group.
fn write_reg_reg_imm(
    f: &mut fmt::Formatter<'_>,
    p: &Printer<'_>,
    instruction: &Instruction,
    reg1: Reg,
    reg2: Reg,
    imm: u32,
) -> fmt::Result {
    let opcode = instruction.opcode;
    let pre = p.prefix(opcode);
    let unaliased = p.format.prefer_unaliased;
    let (d, s) = (p.reg(reg1), p.reg(reg2));
    if let Some(kind) = load_kind(opcode) {
        return write!(f, "{d} = {kind} {}", p.mem(reg2, imm));
    }
    if let Some(kind) = store_kind(opcode) {
        // PolkaVM prints the source of `store_indirect_u8` with its ABI name whatever the options.
        let src = if opcode == Opcode::StoreIndirectU8 { reg1.name() } else { d };
        return write!(f, "{kind} {} = {src}", p.mem(reg2, imm));
    }
    match opcode {
        Opcode::AddImm32 | Opcode::AddImm64 if !unaliased && (-4095..=-1).contains(&(imm as i32)) => {
            write!(f, "{pre}{d} = {s} - {}", -(imm as i32))
        }
        Opcode::NegateAndAddImm32 | Opcode::NegateAndAddImm64 => {
            if imm == 0 && !unaliased && p.dialect == Dialect::Display {
                write!(f, "{pre}{d} = -{s}")
            } else {
                write!(f, "{pre}{d} = {} - {s}", p.imm(imm))
            }
        }
        Opcode::CmovIfZeroImm | Opcode::CmovIfNotZeroImm => {
            let op = if opcode == Opcode::CmovIfZeroImm { "==" } else { "!=" };
            match p.dialect {
                Dialect::Display => write!(f, "{d} = {} if {s} {op} 0", p.imm(imm)),
                // The assembler reads cmov values with its 32-bit-only number parser.
                Dialect::Source => write!(f, "{d} = {} if {s} {op} 0", imm as i32),
            }
        }
        _ => {
            if let Some(op) = reg_imm_op(opcode, p.format.is_64_bit) {
                write!(f, "{pre}{d} = {s} {op} {}", p.imm(imm))
            } else if let Some(op) = imm_reg_op(opcode, p.format.is_64_bit) {
                write!(f, "{pre}{d} = {} {op} {s}", p.imm(imm))
            } else {
                malformed(f, instruction)
            }
        }
    }
}

/// Operands that do not fit the opcode's format (only possible for hand-built [`Instruction`]s).
fn malformed(f: &mut fmt::Formatter<'_>, instruction: &Instruction) -> fmt::Result {
    write!(f, "{} <malformed operands: {:?}>", instruction.opcode.name(), instruction.args)
}

/// Access width of a load (`load_*` and `load_indirect_*`).
fn load_kind(opcode: Opcode) -> Option<&'static str> {
    use Opcode::*;
    Some(match opcode {
        LoadU8 | LoadIndirectU8 => "u8",
        LoadI8 | LoadIndirectI8 => "i8",
        LoadU16 | LoadIndirectU16 => "u16",
        LoadI16 | LoadIndirectI16 => "i16",
        LoadU32 | LoadIndirectU32 => "u32",
        LoadI32 | LoadIndirectI32 => "i32",
        LoadU64 | LoadIndirectU64 => "u64",
        _ => return None,
    })
}

/// Access width of any store.
fn store_kind(opcode: Opcode) -> Option<&'static str> {
    use Opcode::*;
    Some(match opcode {
        StoreU8 | StoreIndirectU8 | StoreImmU8 | StoreImmIndirectU8 => "u8",
        StoreU16 | StoreIndirectU16 | StoreImmU16 | StoreImmIndirectU16 => "u16",
        StoreU32 | StoreIndirectU32 | StoreImmU32 | StoreImmIndirectU32 => "u32",
        StoreU64 | StoreIndirectU64 | StoreImmU64 | StoreImmIndirectU64 => "u64",
        _ => return None,
    })
}

fn is_store_imm(opcode: Opcode) -> bool {
    use Opcode::*;
    matches!(opcode, StoreImmU8 | StoreImmU16 | StoreImmU32 | StoreImmU64)
}

fn is_store_imm_indirect(opcode: Opcode) -> bool {
    use Opcode::*;
    matches!(opcode, StoreImmIndirectU8 | StoreImmIndirectU16 | StoreImmIndirectU32 | StoreImmIndirectU64)
}

/// Comparison of a conditional branch (register and immediate forms).
fn branch_op(opcode: Opcode) -> Option<&'static str> {
    use Opcode::*;
    Some(match opcode {
        BranchEq | BranchEqImm => "==",
        BranchNotEq | BranchNotEqImm => "!=",
        BranchLessUnsigned | BranchLessUnsignedImm => "<u",
        BranchLessSigned | BranchLessSignedImm => "<s",
        BranchGreaterOrEqualUnsigned | BranchGreaterOrEqualUnsignedImm => ">=u",
        BranchGreaterOrEqualSigned | BranchGreaterOrEqualSignedImm => ">=s",
        BranchLessOrEqualUnsignedImm => "<=u",
        BranchLessOrEqualSignedImm => "<=s",
        BranchGreaterUnsignedImm => ">u",
        BranchGreaterSignedImm => ">s",
        _ => return None,
    })
}

/// Operator of `d = s1 OP s2`.
fn binary_op(opcode: Opcode) -> Option<&'static str> {
    use Opcode::*;
    Some(match opcode {
        Add32 | Add64 => "+",
        Sub32 | Sub64 => "-",
        And => "&",
        Xor => "^",
        Or => "|",
        Mul32 | Mul64 => "*",
        MulUpperSignedSigned => "mulh",
        MulUpperUnsignedUnsigned => "mulhu",
        MulUpperSignedUnsigned => "mulhsu",
        SetLessThanUnsigned => "<u",
        SetLessThanSigned => "<s",
        ShiftLogicalLeft32 | ShiftLogicalLeft64 => "<<",
        ShiftLogicalRight32 | ShiftLogicalRight64 => ">>",
        ShiftArithmeticRight32 | ShiftArithmeticRight64 => ">>a",
        DivUnsigned32 | DivUnsigned64 => "/u",
        DivSigned32 | DivSigned64 => "/s",
        RemUnsigned32 | RemUnsigned64 => "%u",
        RemSigned32 | RemSigned64 => "%s",
        RotateLeft32 | RotateLeft64 => "<<r",
        RotateRight32 | RotateRight64 => ">>r",
        _ => return None,
    })
}

/// Operator of `d = s OP IMM`.
fn reg_imm_op(opcode: Opcode, is_64_bit: bool) -> Option<&'static str> {
    use Opcode::*;
    Some(match opcode {
        AddImm32 | AddImm64 => "+",
        AndImm => "&",
        XorImm => "^",
        OrImm => "|",
        MulImm32 | MulImm64 => "*",
        SetLessThanUnsignedImm => "<u",
        SetLessThanSignedImm => "<s",
        SetGreaterThanUnsignedImm => ">u",
        SetGreaterThanSignedImm => ">s",
        ShiftLogicalLeftImm32 | ShiftLogicalLeftImm64 => "<<",
        ShiftLogicalRightImm32 | ShiftLogicalRightImm64 => ">>",
        ShiftArithmeticRightImm32 | ShiftArithmeticRightImm64 => ">>a",
        // PolkaVM quirk: the 32-bit display of the 32-bit rotate prints a logical shift.
        RotateRightImm32 if !is_64_bit => ">>",
        RotateRightImm32 | RotateRightImm64 => ">>r",
        _ => return None,
    })
}

/// Operator of `d = IMM OP s` (the `_alt` forms).
fn imm_reg_op(opcode: Opcode, is_64_bit: bool) -> Option<&'static str> {
    use Opcode::*;
    Some(match opcode {
        ShiftLogicalLeftImmAlt32 | ShiftLogicalLeftImmAlt64 => "<<",
        ShiftLogicalRightImmAlt32 | ShiftLogicalRightImmAlt64 => ">>",
        ShiftArithmeticRightImmAlt32 | ShiftArithmeticRightImmAlt64 => ">>a",
        RotateRightImmAlt32 if !is_64_bit => ">>",
        RotateRightImmAlt32 | RotateRightImmAlt64 => ">>r",
        _ => return None,
    })
}

/// Operator of `d = OP s`.
fn unary_op(opcode: Opcode) -> Option<&'static str> {
    use Opcode::*;
    Some(match opcode {
        CountLeadingZeroBits32 | CountLeadingZeroBits64 => "clz",
        CountTrailingZeroBits32 | CountTrailingZeroBits64 => "ctz",
        CountSetBits32 | CountSetBits64 => "cpop",
        SignExtend8 => "sext8",
        SignExtend16 => "sext16",
        ZeroExtend16 => "zext16",
        ReverseByte => "reverse",
        _ => return None,
    })
}

/// Formats with the re-assemblable dialect (used by [`super::source`]).
pub(crate) struct SourceInstruction<'a> {
    pub(crate) instruction: &'a Instruction,
    pub(crate) format: &'a InstructionFormat<'a>,
}

impl fmt::Display for SourceInstruction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_instruction(f, self.instruction, self.format, Dialect::Source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn immediates() {
        let imm = |value, is_64_bit| format!("{}", Imm { value, is_64_bit });
        assert_eq!(imm(0, true), "0");
        assert_eq!(imm(0, false), "0");
        assert_eq!(imm(0x7fff_ffff, true), "0x7fffffff");
        assert_eq!(imm(0x8000_0000, true), "0xffffffff80000000");
        assert_eq!(imm(0x8000_0000, false), "0x80000000");
        assert_eq!(imm(u32::MAX, true), "0xffffffffffffffff");
    }

    #[test]
    fn memory_operands() {
        let mem = |offset: i32, unaliased, dialect| {
            format!("{}", Mem { base: "sp", offset: offset as u32, unaliased, dialect })
        };
        assert_eq!(mem(0, false, Dialect::Display), "[sp]");
        assert_eq!(mem(0, true, Dialect::Display), "[sp + 0]");
        assert_eq!(mem(0, false, Dialect::Source), "[sp]");
        assert_eq!(mem(8, false, Dialect::Display), "[sp + 8]");
        assert_eq!(mem(-8, false, Dialect::Display), "[sp - 8]");
        assert_eq!(mem(-8, false, Dialect::Source), "[sp + -8]");
        assert_eq!(mem(i32::MIN, false, Dialect::Display), "[sp - 2147483648]");
    }

    #[test]
    fn i32_prefix_only_on_32_bit_variants() {
        let format = InstructionFormat::default();
        let p = Printer { format: &format, dialect: Dialect::Display };
        let prefixed: alloc::vec::Vec<&str> =
            Opcode::ALL.iter().filter(|op| !p.prefix(**op).is_empty()).map(|op| op.name()).collect();
        assert_eq!(prefixed.len(), 26, "{prefixed:?}");
        assert!(!prefixed.contains(&"load_i32") && !prefixed.contains(&"store_u32"));
        let narrow = InstructionFormat { is_64_bit: false, ..InstructionFormat::default() };
        let p = Printer { format: &narrow, dialect: Dialect::Display };
        assert!(Opcode::ALL.iter().all(|op| p.prefix(*op).is_empty()));
    }
}
