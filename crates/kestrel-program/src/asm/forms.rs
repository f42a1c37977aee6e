//! Instruction lines (`instructions.md` §9.4 and the Kestrel extensions of the shared dialect).
//!
//! A line is recognised by trying the forms from the most specific to the least specific; the
//! binary-operator search comes last because it would otherwise split `a0 = -1`, `a0 = u8 [a1 + 4]`
//! or `a0 = ~(a1 ^ a2)` at an operator character.

use alloc::string::String;

use super::alu::parse_binary;
use super::operands::{
    Immediate, MemoryOperand, parse_full_immediate, parse_imm32, parse_indirect_operand, parse_label_ref,
    parse_memory_operand, parse_reg, parse_simple_or_full_imm32, split_displacement, strip_brackets,
};
use crate::instruction::{Args, Instruction};
use crate::opcode::Opcode;
use crate::reg::Reg;

/// What an instruction line produces.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Statement<'a> {
    /// One instruction. If `target` is set, the instruction's target field is a placeholder to be
    /// replaced by the basic-block index of that label.
    Instruction { instruction: Instruction, target: Option<&'a str> },
    /// `X = @L`: `load_imm X, 2·(k+1)` for a new jump-table entry k pointing at label L.
    JumpTableAddress { reg: Reg, label: &'a str },
}

/// Why an instruction line was rejected.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FormError {
    /// The text matches no form (reported as `cannot parse line N: "text"`).
    Unparsable,
    /// The text matches a form but breaks one of its rules (`cannot parse line N: reason`).
    Invalid(String),
}

type FormResult<'a> = Result<Statement<'a>, FormError>;

fn plain<'a>(opcode: Opcode, args: Args) -> FormResult<'a> {
    Ok(Statement::Instruction { instruction: Instruction { opcode, args }, target: None })
}

fn targeted(opcode: Opcode, args: Args, label: &str) -> FormResult<'_> {
    Ok(Statement::Instruction { instruction: Instruction { opcode, args }, target: Some(label) })
}

/// Turns "not this form" into the generic error.
fn need<T>(value: Option<T>) -> Result<T, FormError> {
    value.ok_or(FormError::Unparsable)
}

/// The exact text of the `memset` extension (the disassembler's spelling).
pub const MEMSET_TEXT: &str = "[a0..a0 + a2] = u8 a1";

/// Parses one trimmed, non-empty instruction line.
pub fn parse_instruction(line: &str) -> FormResult<'_> {
    match line {
        "trap" => return plain(Opcode::Trap, Args::None),
        "fallthrough" => return plain(Opcode::Fallthrough, Args::None),
        "unlikely" => return plain(Opcode::Unlikely, Args::None),
        "ret" => return plain(Opcode::JumpIndirect, Args::RegImm { reg: Reg::RA, imm: 0 }),
        "nop" => return plain(Opcode::MoveReg, Args::RegReg { reg1: Reg::RA, reg2: Reg::RA }),
        "invalid" => return Ok(Statement::Instruction { instruction: Instruction::INVALID, target: None }),
        MEMSET_TEXT => return plain(Opcode::Memset, Args::None),
        _ => {}
    }
    if let Some(rest) = line.strip_prefix("ecalli ") {
        let imm = need(rest.trim().parse::<u32>().ok())?;
        return plain(Opcode::Ecalli, Args::Imm { imm });
    }
    if let Some(rest) = line.strip_prefix("jump ") {
        return parse_jump(rest.trim());
    }
    if let Some(rest) = line.strip_prefix("tmp ").or_else(|| line.strip_prefix("tmp=")) {
        return parse_tmp_form(rest);
    }
    if let Some(statement) = parse_store(line)? {
        return Ok(statement);
    }
    let (lhs, rhs) = need(line.split_once('='))?;
    let (dst, is_32) = need(parse_destination(lhs.trim()))?;
    parse_assignment(dst, is_32, rhs.trim())
}

/// `X` or `i32 X`.
fn parse_destination(lhs: &str) -> Option<(Reg, bool)> {
    match lhs.strip_prefix("i32 ") {
        Some(reg) => Some((parse_reg(reg.trim())?, true)),
        None => Some((parse_reg(lhs)?, false)),
    }
}

/// `jump @L`, `jump @L if COND`, `jump [B]`, `jump [B + D]`.
fn parse_jump(rest: &str) -> FormResult<'_> {
    if rest.starts_with('[') {
        let (base, offset) = need(parse_indirect_operand(rest))?;
        return plain(Opcode::JumpIndirect, Args::RegImm { reg: base, imm: offset as u32 });
    }
    match rest.split_once(" if ") {
        None => {
            let label = need(parse_label_ref(rest))?;
            targeted(Opcode::Jump, Args::Offset { target: 0 }, label)
        }
        Some((label, condition)) => {
            let label = need(parse_label_ref(label.trim()))?;
            parse_branch(label, condition.trim())
        }
    }
}

/// A comparison of a branch: the register form, the immediate form and the mirrored immediate
/// form (for `I OP X`), with `swap` set when the register form exchanges its operands.
struct Comparison {
    text: &'static str,
    reg: Opcode,
    swap: bool,
    imm: Opcode,
    mirrored_imm: Opcode,
}

/// Searched in this order; no operator text contains another one, so the order only matters for
/// odd inputs.
const COMPARISONS: [Comparison; 10] = {
    use Opcode::*;
    const fn c(text: &'static str, reg: Opcode, swap: bool, imm: Opcode, mirrored_imm: Opcode) -> Comparison {
        Comparison { text, reg, swap, imm, mirrored_imm }
    }
    [
        c("==", BranchEq, false, BranchEqImm, BranchEqImm),
        c("!=", BranchNotEq, false, BranchNotEqImm, BranchNotEqImm),
        c("<=u", BranchGreaterOrEqualUnsigned, true, BranchLessOrEqualUnsignedImm, BranchGreaterOrEqualUnsignedImm),
        c("<=s", BranchGreaterOrEqualSigned, true, BranchLessOrEqualSignedImm, BranchGreaterOrEqualSignedImm),
        c(">=u", BranchGreaterOrEqualUnsigned, false, BranchGreaterOrEqualUnsignedImm, BranchLessOrEqualUnsignedImm),
        c(">=s", BranchGreaterOrEqualSigned, false, BranchGreaterOrEqualSignedImm, BranchLessOrEqualSignedImm),
        c("<u", BranchLessUnsigned, false, BranchLessUnsignedImm, BranchGreaterUnsignedImm),
        c("<s", BranchLessSigned, false, BranchLessSignedImm, BranchGreaterSignedImm),
        c(">u", BranchLessUnsigned, true, BranchGreaterUnsignedImm, BranchLessUnsignedImm),
        c(">s", BranchLessSigned, true, BranchGreaterSignedImm, BranchLessSignedImm),
    ]
};

fn parse_branch<'a>(label: &'a str, condition: &str) -> FormResult<'a> {
    let (comparison, left, right) = need(COMPARISONS.iter().find_map(|comparison| {
        let (left, right) = condition.split_once(comparison.text)?;
        Some((comparison, left.trim(), right.trim()))
    }))?;
    match (parse_reg(left), parse_reg(right)) {
        (Some(s1), Some(s2)) => {
            let (reg1, reg2) = if comparison.swap { (s2, s1) } else { (s1, s2) };
            targeted(comparison.reg, Args::RegRegOffset { reg1, reg2, target: 0 }, label)
        }
        (Some(reg), None) => {
            let imm = need(parse_simple_or_full_imm32(right))? as u32;
            targeted(comparison.imm, Args::RegImmOffset { reg, imm, target: 0 }, label)
        }
        (None, Some(reg)) => {
            let imm = need(parse_simple_or_full_imm32(left))? as u32;
            targeted(comparison.mirrored_imm, Args::RegImmOffset { reg, imm, target: 0 }, label)
        }
        (None, None) => Err(FormError::Unparsable),
    }
}

/// `tmp = B, X = I, jump [tmp]` / `[tmp + D]` (the text after `tmp`).
fn parse_tmp_form(rest: &str) -> FormResult<'_> {
    let rest = need(rest.trim_start().strip_prefix('='))?;
    let (base, rest) = need(rest.split_once(','))?;
    let base = need(parse_reg(base.trim()))?;
    let (dst, rest) = need(rest.split_once('='))?;
    let dst = need(parse_reg(dst.trim()))?;
    let (value, jump) = need(rest.split_once(','))?;
    let value = need(parse_simple_or_full_imm32(value.trim()))?;
    let target = need(jump.trim().strip_prefix("jump"))?;
    let inner = need(strip_brackets(target))?;
    let (tmp, offset) = need(split_displacement(inner))?;
    if tmp != "tmp" {
        return Err(FormError::Unparsable);
    }
    let args = Args::RegRegImmImm { reg1: dst, reg2: base, imm1: value as u32, imm2: offset as u32 };
    plain(Opcode::LoadImmAndJumpIndirect, args)
}

/// The store kinds `u8 u16 u32 u64` and their opcodes: (register to absolute, register to
/// indirect, immediate to absolute, immediate to indirect, largest storable immediate).
type StoreKind = (&'static str, Opcode, Opcode, Opcode, Opcode, Option<i32>);

const STORE_KINDS: [StoreKind; 4] = {
    use Opcode::*;
    [
        ("u8 ", StoreU8, StoreIndirectU8, StoreImmU8, StoreImmIndirectU8, Some(0xff)),
        ("u16 ", StoreU16, StoreIndirectU16, StoreImmU16, StoreImmIndirectU16, Some(0xffff)),
        ("u32 ", StoreU32, StoreIndirectU32, StoreImmU32, StoreImmIndirectU32, None),
        ("u64 ", StoreU64, StoreIndirectU64, StoreImmU64, StoreImmIndirectU64, None),
    ]
};

/// `u8 [B + D] = Y`, `u8 [A] = Y`, `u8 [B + D] = I`, `u8 [A] = I`; `Ok(None)` if the line is not
/// a store.
fn parse_store(line: &str) -> Result<Option<Statement<'_>>, FormError> {
    let Some((kind, rest)) = STORE_KINDS.iter().find_map(|kind| Some((kind, line.strip_prefix(kind.0)?))) else {
        return Ok(None);
    };
    let rest = rest.trim_start();
    if !rest.starts_with('[') {
        return Ok(None);
    }
    let &(name, store, store_indirect, store_imm, store_imm_indirect, limit) = kind;
    let (operand, value) = need(rest.split_once('='))?;
    let operand = need(parse_memory_operand(operand))?;
    let value = value.trim();
    let statement = if let Some(src) = parse_reg(value) {
        match operand {
            MemoryOperand::Indirect { base, offset } => {
                plain(store_indirect, Args::RegRegImm { reg1: src, reg2: base, imm: offset as u32 })
            }
            MemoryOperand::Absolute { address } => plain(store, Args::RegImm { reg: src, imm: address as u32 }),
        }
    } else {
        let imm = need(parse_imm32(value))?;
        // Kestrel extension: values written in hex or binary (the disassembler's style) may be any
        // 32-bit immediate, as in real blobs (only the low bits are stored); decimal values keep
        // PolkaVM's range check.
        let is_radix_literal = value.starts_with("0x") || value.starts_with("0b");
        if let Some(limit) = limit
            && !is_radix_literal
            && !(0..=limit).contains(&imm)
        {
            return Err(FormError::Invalid(alloc::format!("immediate larger than {}", name.trim())));
        }
        match operand {
            MemoryOperand::Indirect { base, offset } => {
                plain(store_imm_indirect, Args::RegImmImm { reg: base, imm1: offset as u32, imm2: imm as u32 })
            }
            MemoryOperand::Absolute { address } => {
                plain(store_imm, Args::ImmImm { imm1: address as u32, imm2: imm as u32 })
            }
        }
    };
    statement.map(Some)
}

/// The load kinds of `X = u8 [...]`: (kind, absolute opcode, indirect opcode).
const LOAD_KINDS: [(&str, Opcode, Opcode); 7] = {
    use Opcode::*;
    [
        ("u8 ", LoadU8, LoadIndirectU8),
        ("i8 ", LoadI8, LoadIndirectI8),
        ("u16 ", LoadU16, LoadIndirectU16),
        ("i16 ", LoadI16, LoadIndirectI16),
        ("u32 ", LoadU32, LoadIndirectU32),
        ("i32 ", LoadI32, LoadIndirectI32),
        ("u64 ", LoadU64, LoadIndirectU64),
    ]
};

/// Unary forms `X = OP Y`: (keyword, 64-bit opcode, `i32 ` opcode if any).
const UNARY: [(&str, Opcode, Option<Opcode>); 8] = {
    use Opcode::*;
    [
        ("clz ", CountLeadingZeroBits64, Some(CountLeadingZeroBits32)),
        ("ctz ", CountTrailingZeroBits64, Some(CountTrailingZeroBits32)),
        ("cpop ", CountSetBits64, Some(CountSetBits32)),
        // polkavm 0.37 accepts and ignores an `i32 ` prefix on these (they have no 32-bit variant).
        ("sext8 ", SignExtend8, Some(SignExtend8)),
        ("sext16 ", SignExtend16, Some(SignExtend16)),
        ("zext16 ", ZeroExtend16, Some(ZeroExtend16)),
        ("reverse ", ReverseByte, Some(ReverseByte)),
        // Kestrel extension (the disassembler's spelling of `sbrk d, s`).
        ("sbrk ", Sbrk, None),
    ]
};

/// `X = maxs(Y, Z)` and friends.
const MIN_MAX: [(&str, Opcode); 4] = [
    ("maxs(", Opcode::Maximum),
    ("maxu(", Opcode::MaximumUnsigned),
    ("mins(", Opcode::Minimum),
    ("minu(", Opcode::MinimumUnsigned),
];

/// Kestrel extension: `X = Y mulh Z` and friends.
const MUL_UPPER: [(&str, Opcode); 3] = [
    ("mulh", Opcode::MulUpperSignedSigned),
    ("mulhu", Opcode::MulUpperUnsignedUnsigned),
    ("mulhsu", Opcode::MulUpperSignedUnsigned),
];

fn rrr<'a>(opcode: Opcode, reg1: Reg, reg2: Reg, reg3: Reg) -> FormResult<'a> {
    plain(opcode, Args::RegRegReg { reg1, reg2, reg3 })
}

/// Everything of the shape `X = ...` / `i32 X = ...`.
///
/// polkavm 0.37 strips an `i32 ` prefix and ignores it in every form that has no 32-bit variant
/// (moves, loads, immediates, cmov, min/max, xnor, ...); only the operator table and the count
/// instructions give it a meaning or reject it.
fn parse_assignment(dst: Reg, is_32: bool, rhs: &str) -> FormResult<'_> {
    for (prefix, opcode) in MIN_MAX {
        if let Some(inner) = rhs.strip_prefix(prefix) {
            let (s1, s2) = need(need(inner.strip_suffix(')'))?.split_once(','))?;
            return rrr(opcode, dst, need(parse_reg(s1.trim()))?, need(parse_reg(s2.trim()))?);
        }
    }
    if let Some((value, jump)) = rhs.split_once(',') {
        return parse_load_imm_and_jump(dst, value.trim(), jump.trim());
    }
    if let Some((value, condition)) = rhs.split_once(" if ") {
        return parse_cmov(dst, value.trim(), condition.trim());
    }
    if let Some(label) = rhs.strip_prefix('@') {
        let label = need(parse_label_ref(rhs).map(|_| label))?;
        return Ok(Statement::JumpTableAddress { reg: dst, label });
    }
    for (kind, absolute, indirect) in LOAD_KINDS {
        if let Some(operand) = rhs.strip_prefix(kind)
            && operand.trim_start().starts_with('[')
        {
            return match need(parse_memory_operand(operand))? {
                MemoryOperand::Indirect { base, offset } => {
                    plain(indirect, Args::RegRegImm { reg1: dst, reg2: base, imm: offset as u32 })
                }
                MemoryOperand::Absolute { address } => plain(absolute, Args::RegImm { reg: dst, imm: address as u32 }),
            };
        }
    }
    if let Some(inner) = rhs.strip_prefix("~(") {
        let (s1, s2) = need(need(inner.strip_suffix(')'))?.split_once('^'))?;
        return rrr(Opcode::Xnor, dst, need(parse_reg(s1.trim()))?, need(parse_reg(s2.trim()))?);
    }
    for (keyword, wide, narrow) in UNARY {
        if let Some(src) = rhs.strip_prefix(keyword) {
            let opcode = if is_32 { need(narrow)? } else { wide };
            let src = need(parse_reg(src.trim()))?;
            return plain(opcode, Args::RegReg { reg1: dst, reg2: src });
        }
    }
    // Kestrel extension: `X = -Y` is `negate_and_add_imm X, Y, 0`.
    if let Some(src) = rhs.strip_prefix('-').and_then(|src| parse_reg(src.trim())) {
        let opcode = if is_32 { Opcode::NegateAndAddImm32 } else { Opcode::NegateAndAddImm64 };
        return plain(opcode, Args::RegRegImm { reg1: dst, reg2: src, imm: 0 });
    }
    if let Some(src) = parse_reg(rhs) {
        return plain(Opcode::MoveReg, Args::RegReg { reg1: dst, reg2: src });
    }
    if let Some(value) = parse_full_immediate(rhs) {
        return match value {
            Immediate::Imm32(imm) => plain(Opcode::LoadImm, Args::RegImm { reg: dst, imm: imm as u32 }),
            Immediate::Imm64(imm) => plain(Opcode::LoadImm64, Args::RegImm64 { reg: dst, imm }),
        };
    }
    if let Some(instruction) = parse_mul_upper(dst, rhs) {
        return instruction;
    }
    match parse_binary(dst, is_32, rhs) {
        Some(instruction) => Ok(Statement::Instruction { instruction, target: None }),
        None => Err(FormError::Unparsable),
    }
}

fn parse_mul_upper(dst: Reg, rhs: &str) -> Option<FormResult<'_>> {
    let mut words = rhs.split_whitespace();
    let (s1, op, s2) = (words.next()?, words.next()?, words.next()?);
    if words.next().is_some() {
        return None;
    }
    let opcode = MUL_UPPER.iter().find(|(name, _)| *name == op)?.1;
    Some(rrr(opcode, dst, parse_reg(s1)?, parse_reg(s2)?))
}

/// `X = I, jump @L` and `X = I, jump [B + D]`.
fn parse_load_imm_and_jump<'a>(dst: Reg, value: &str, jump: &'a str) -> FormResult<'a> {
    let imm = need(parse_imm32(value))? as u32;
    let target = need(jump.strip_prefix("jump"))?;
    if !target.starts_with([' ', '[']) {
        return Err(FormError::Unparsable);
    }
    let target = target.trim();
    if let Some(label) = parse_label_ref(target) {
        return targeted(Opcode::LoadImmAndJump, Args::RegImmOffset { reg: dst, imm, target: 0 }, label);
    }
    let (base, offset) = need(parse_indirect_operand(target))?;
    if base == dst {
        return Err(FormError::Invalid(alloc::format!(
            "the destination register must differ from the base register; write \"tmp = {base}, {dst} = {}, jump [tmp{}]\" instead",
            imm as i32,
            match offset {
                0 => String::new(),
                offset => alloc::format!(" + {offset}"),
            },
        )));
    }
    plain(Opcode::LoadImmAndJumpIndirect, Args::RegRegImmImm { reg1: dst, reg2: base, imm1: imm, imm2: offset as u32 })
}

/// `X = Y if Z == 0`, `X = I if Z == 0`, and the `!= 0` forms (correctly `cmov_if_not_zero*`).
fn parse_cmov<'a>(dst: Reg, value: &str, condition: &str) -> FormResult<'a> {
    let (cond, is_zero) = if let Some(cond) = condition.strip_suffix("== 0") {
        (cond, true)
    } else if let Some(cond) = condition.strip_suffix("!= 0") {
        (cond, false)
    } else {
        return Err(FormError::Unparsable);
    };
    let cond = need(parse_reg(cond.trim()))?;
    if let Some(src) = parse_reg(value) {
        let opcode = if is_zero { Opcode::CmovIfZero } else { Opcode::CmovIfNotZero };
        return rrr(opcode, dst, src, cond);
    }
    let imm = need(parse_simple_or_full_imm32(value))? as u32;
    let opcode = if is_zero { Opcode::CmovIfZeroImm } else { Opcode::CmovIfNotZeroImm };
    plain(opcode, Args::RegRegImm { reg1: dst, reg2: cond, imm })
}
