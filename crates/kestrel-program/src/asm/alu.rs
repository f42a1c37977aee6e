//! The binary-operator forms `X = Y OP Z`, `X = Y OP I`, `X = I OP Y` and their `i32 ` variants
//! (the operator table of `instructions.md` §9.4).

use super::operands::{parse_imm32, parse_reg};
use crate::instruction::{Args, Instruction};
use crate::opcode::Opcode;
use crate::reg::Reg;

/// The operator strings in the order the right-hand side is searched for them; the first one
/// found splits the text (at its first occurrence).
pub const SEARCH_ORDER: [&str; 21] = [
    "+", "& ~", "&", "| ~", "|", "^", "*", "/u", "/s", "%u", "%s", ">>a", ">>r", "<<r", "<<", ">>", "<u", "<s", ">u",
    ">s", "-",
];

/// How one operand shape of an operator is assembled.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Lowering {
    /// Not expressible.
    Error,
    /// `op d, s1, s2` with the operands as written.
    Reg(Opcode),
    /// `op d, s2, s1`: the register operands swapped (`>u`, `>s`).
    RegSwapped(Opcode),
    /// `op d, s, imm`.
    Imm(Opcode),
    /// `op d, s, -imm` (`X = Y - I`).
    ImmNegated(Opcode),
}

/// One row of the operator table: the six cells in the order
/// `Y OP Z`, `i32 Y OP Z`, `Y OP I`, `i32 Y OP I`, `I OP Y`, `i32 I OP Y`.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct OperatorRow {
    pub op: &'static str,
    pub reg: Lowering,
    pub reg32: Lowering,
    pub reg_imm: Lowering,
    pub reg_imm32: Lowering,
    pub imm_reg: Lowering,
    pub imm_reg32: Lowering,
}

macro_rules! cell {
    (-) => {
        Lowering::Error
    };
    (r $op:ident) => {
        Lowering::Reg(Opcode::$op)
    };
    (swap $op:ident) => {
        Lowering::RegSwapped(Opcode::$op)
    };
    (i $op:ident) => {
        Lowering::Imm(Opcode::$op)
    };
    (neg $op:ident) => {
        Lowering::ImmNegated(Opcode::$op)
    };
}

macro_rules! operator_table {
    ($($op:literal => [$($a:tt)+] [$($b:tt)+] [$($c:tt)+] [$($d:tt)+] [$($e:tt)+] [$($f:tt)+];)*) => {
        /// The complete operator table.
        pub const OPERATORS: &[OperatorRow] = &[$(OperatorRow {
            op: $op,
            reg: cell!($($a)+),
            reg32: cell!($($b)+),
            reg_imm: cell!($($c)+),
            reg_imm32: cell!($($d)+),
            imm_reg: cell!($($e)+),
            imm_reg32: cell!($($f)+),
        },)*];
    };
}

operator_table! {
    "+" => [r Add64] [r Add32] [i AddImm64] [i AddImm32] [i AddImm64] [i AddImm32];
    "-" => [r Sub64] [r Sub32] [neg AddImm64] [neg AddImm32] [i NegateAndAddImm64] [i NegateAndAddImm32];
    "&" => [r And] [-] [i AndImm] [-] [i AndImm] [-];
    "|" => [r Or] [-] [i OrImm] [-] [i OrImm] [-];
    "^" => [r Xor] [-] [i XorImm] [-] [i XorImm] [-];
    "*" => [r Mul64] [r Mul32] [i MulImm64] [i MulImm32] [i MulImm64] [i MulImm32];
    "/u" => [r DivUnsigned64] [r DivUnsigned32] [-] [-] [-] [-];
    "/s" => [r DivSigned64] [r DivSigned32] [-] [-] [-] [-];
    "%u" => [r RemUnsigned64] [r RemUnsigned32] [-] [-] [-] [-];
    "%s" => [r RemSigned64] [r RemSigned32] [-] [-] [-] [-];
    "<<" => [r ShiftLogicalLeft64] [r ShiftLogicalLeft32] [i ShiftLogicalLeftImm64] [i ShiftLogicalLeftImm32]
        [i ShiftLogicalLeftImmAlt64] [i ShiftLogicalLeftImmAlt32];
    ">>" => [r ShiftLogicalRight64] [r ShiftLogicalRight32] [i ShiftLogicalRightImm64] [i ShiftLogicalRightImm32]
        [i ShiftLogicalRightImmAlt64] [i ShiftLogicalRightImmAlt32];
    ">>a" => [r ShiftArithmeticRight64] [r ShiftArithmeticRight32] [i ShiftArithmeticRightImm64]
        [i ShiftArithmeticRightImm32] [i ShiftArithmeticRightImmAlt64] [i ShiftArithmeticRightImmAlt32];
    "<<r" => [r RotateLeft64] [r RotateLeft32] [-] [-] [-] [-];
    ">>r" => [r RotateRight64] [r RotateRight32] [i RotateRightImm64] [i RotateRightImm32] [i RotateRightImmAlt64]
        [i RotateRightImmAlt32];
    "<u" => [r SetLessThanUnsigned] [-] [i SetLessThanUnsignedImm] [-] [i SetGreaterThanUnsignedImm] [-];
    "<s" => [r SetLessThanSigned] [-] [i SetLessThanSignedImm] [-] [i SetGreaterThanSignedImm] [-];
    ">u" => [swap SetLessThanUnsigned] [-] [i SetGreaterThanUnsignedImm] [-] [i SetLessThanUnsignedImm] [-];
    ">s" => [swap SetLessThanSigned] [-] [i SetGreaterThanSignedImm] [-] [i SetLessThanSignedImm] [-];
    "& ~" => [r AndInverted] [-] [-] [-] [-] [-];
    "| ~" => [r OrInverted] [-] [-] [-] [-] [-];
}

/// Looks an operator up by its spelling.
pub fn operator(op: &str) -> Option<&'static OperatorRow> {
    OPERATORS.iter().find(|row| row.op == op)
}

/// Finds the operator of a right-hand side: the first entry of [`SEARCH_ORDER`] that occurs in
/// it, and the (trimmed) text on either side of that operator's first occurrence.
pub fn split_operator(rhs: &str) -> Option<(&'static str, &str, &str)> {
    SEARCH_ORDER.iter().find_map(|&op| {
        let (left, right) = rhs.split_once(op)?;
        Some((op, left.trim(), right.trim()))
    })
}

/// Assembles `dst = rhs` as a binary operation, or `None` if the text is not one (or the table
/// cell is an error).
pub fn parse_binary(dst: Reg, is_32: bool, rhs: &str) -> Option<Instruction> {
    let (op, left, right) = split_operator(rhs)?;
    let row = operator(op)?;
    let pick = |wide: Lowering, narrow: Lowering| if is_32 { narrow } else { wide };
    let (lowering, src, imm) = match (parse_reg(left), parse_reg(right)) {
        (Some(s1), Some(s2)) => {
            let lowering = pick(row.reg, row.reg32);
            return lower_reg(lowering, dst, s1, s2);
        }
        (Some(src), None) => (pick(row.reg_imm, row.reg_imm32), src, parse_imm32(right)?),
        (None, Some(src)) => (pick(row.imm_reg, row.imm_reg32), src, parse_imm32(left)?),
        (None, None) => return None,
    };
    let (opcode, imm) = match lowering {
        Lowering::Imm(opcode) => (opcode, imm),
        Lowering::ImmNegated(opcode) => (opcode, imm.wrapping_neg()),
        Lowering::Error | Lowering::Reg(_) | Lowering::RegSwapped(_) => return None,
    };
    Some(Instruction { opcode, args: Args::RegRegImm { reg1: dst, reg2: src, imm: imm as u32 } })
}

fn lower_reg(lowering: Lowering, dst: Reg, s1: Reg, s2: Reg) -> Option<Instruction> {
    let (opcode, reg2, reg3) = match lowering {
        Lowering::Reg(opcode) => (opcode, s1, s2),
        Lowering::RegSwapped(opcode) => (opcode, s2, s1),
        Lowering::Error | Lowering::Imm(_) | Lowering::ImmNegated(_) => return None,
    };
    Some(Instruction { opcode, args: Args::RegRegReg { reg1: dst, reg2, reg3 } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::Format;

    #[test]
    fn every_search_string_has_a_row_and_vice_versa() {
        assert_eq!(OPERATORS.len(), SEARCH_ORDER.len());
        for op in SEARCH_ORDER {
            assert!(operator(op).is_some(), "{op}");
        }
    }

    #[test]
    fn cells_use_matching_formats() {
        for row in OPERATORS {
            for cell in [row.reg, row.reg32, row.reg_imm, row.reg_imm32, row.imm_reg, row.imm_reg32] {
                match cell {
                    Lowering::Error => {}
                    Lowering::Reg(op) | Lowering::RegSwapped(op) => assert_eq!(op.format(), Format::RegRegReg),
                    Lowering::Imm(op) | Lowering::ImmNegated(op) => assert_eq!(op.format(), Format::RegRegImm),
                }
            }
        }
    }

    #[test]
    fn split_prefers_earlier_operators() {
        assert_eq!(split_operator("a1 + -4"), Some(("+", "a1", "-4")));
        assert_eq!(split_operator("a1 - -4"), Some(("-", "a1", "-4")));
        assert_eq!(split_operator("a1 & ~a2"), Some(("& ~", "a1", "a2")));
        assert_eq!(split_operator("a1 >>a a2"), Some((">>a", "a1", "a2")));
        assert_eq!(split_operator("a1 >> a2"), Some((">>", "a1", "a2")));
        assert_eq!(split_operator("a1 <s -5"), Some(("<s", "a1", "-5")));
        assert_eq!(split_operator("a1"), None);
    }
}
