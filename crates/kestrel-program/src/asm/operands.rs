//! Operand syntax (`instructions.md` §9.3): registers, the two immediate parsers, memory operands,
//! label references and hex byte strings.
//!
//! Number parsing deliberately goes through `str::parse` / `from_str_radix`, whose rules (an
//! optional leading `+`, no `_` separators) are the ones PolkaVM's assembler inherits too.

use alloc::vec::Vec;

use crate::reg::Reg;

/// A value accepted by the full immediate parser.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Immediate {
    /// A value that fits a sign-extended 32-bit immediate.
    Imm32(i32),
    /// A value that only `load_imm64` can hold (or one forced to it with `i64 `).
    Imm64(u64),
}

/// Parses a register name: `ra sp t0 t1 t2 s0 s1 a0..a5` or `r0..r12`.
pub fn parse_reg(text: &str) -> Option<Reg> {
    Reg::from_name(text)
}

/// The full immediate parser (`X = I`, ALU operands, stored values, the value of `X = I, jump`).
///
/// * `0x…` / `0b…`: parsed as u64; a 32-bit immediate if the value sign-extends from 32 bits,
///   otherwise a 64-bit value (`0xffffffff` is 64-bit, `0xffffffffffffffff` is −1).
/// * decimal: i32-range values are 32-bit; larger positive values (up to u64) follow the hex rule;
///   anything below −2^31 is rejected.
/// * `i64 ` prefix: the same syntax, always a 64-bit value (the 32-bit forms sign-extended).
pub fn parse_full_immediate(text: &str) -> Option<Immediate> {
    if let Some(rest) = text.strip_prefix("i64 ") {
        return parse_forced_64(rest.trim()).map(Immediate::Imm64);
    }
    if let Some(value) = parse_unsigned_64(text) {
        return Some(narrow(value));
    }
    if let Ok(value) = text.parse::<i32>() {
        return Some(Immediate::Imm32(value));
    }
    text.parse::<u64>().ok().map(narrow)
}

/// The value of an `i64 ` immediate. Negative decimals may use the whole i64 range here: such
/// text is unambiguous and only ever meant for `load_imm64`.
fn parse_forced_64(text: &str) -> Option<u64> {
    if let Some(value) = parse_unsigned_64(text) {
        return Some(value);
    }
    if let Ok(value) = text.parse::<i64>() {
        return Some(value as u64);
    }
    text.parse::<u64>().ok()
}

/// `0x…` or `0b…` as u64.
fn parse_unsigned_64(text: &str) -> Option<u64> {
    if let Some(digits) = text.strip_prefix("0x") {
        u64::from_str_radix(digits, 16).ok()
    } else if let Some(digits) = text.strip_prefix("0b") {
        u64::from_str_radix(digits, 2).ok()
    } else {
        None
    }
}

/// A 64-bit pattern becomes a 32-bit immediate iff it is the sign extension of its low 32 bits.
fn narrow(value: u64) -> Immediate {
    let low = value as u32 as i32;
    if i64::from(low) as u64 == value { Immediate::Imm32(low) } else { Immediate::Imm64(value) }
}

/// The full parser restricted to 32-bit values (everything except `X = I` rejects 64-bit ones).
pub fn parse_imm32(text: &str) -> Option<i32> {
    match parse_full_immediate(text)? {
        Immediate::Imm32(value) => Some(value),
        Immediate::Imm64(_) => None,
    }
}

/// The simple immediate parser (displacements, absolute addresses, branch and cmov values, the
/// `tmp` form): decimal i32 or u32, `0x` hex u32 or `0b` binary u32, reinterpreted as i32.
pub fn parse_simple_immediate(text: &str) -> Option<i32> {
    if let Some(digits) = text.strip_prefix("0x") {
        return u32::from_str_radix(digits, 16).ok().map(|value| value as i32);
    }
    if let Some(digits) = text.strip_prefix("0b") {
        return u32::from_str_radix(digits, 2).ok().map(|value| value as i32);
    }
    if let Ok(value) = text.parse::<i32>() {
        return Some(value);
    }
    text.parse::<u32>().ok().map(|value| value as i32)
}

/// Where the simple parser is used, Kestrel additionally accepts what the full parser reads as a
/// 32-bit value (`0xffffffffffffffff` = −1), the style the disassembler prints immediates in.
/// Only text the simple parser rejects takes this path, so PolkaVM-valid input keeps its meaning.
pub fn parse_simple_or_full_imm32(text: &str) -> Option<i32> {
    parse_simple_immediate(text).or_else(|| parse_imm32(text))
}

/// A bracketed memory operand.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum MemoryOperand {
    /// `[B]`, `[B + D]` (and Kestrel's `[B - D]`): base register and displacement.
    Indirect { base: Reg, offset: i32 },
    /// `[A]`: an absolute address.
    Absolute { address: i32 },
}

/// Splits `[B + D]` / `[B - D]` / `[B]` contents (without brackets) into base text and
/// displacement. The base text is not validated here so that `[tmp + D]` can reuse it.
pub fn split_displacement(inner: &str) -> Option<(&str, i32)> {
    if let Some((base, offset)) = inner.split_once('+') {
        return Some((base.trim(), parse_simple_or_full_imm32(offset.trim())?));
    }
    // Kestrel extension: `[B - D]` means `[B + -D]`.
    if let Some((base, offset)) = inner.split_once('-') {
        let offset = parse_simple_or_full_imm32(offset.trim())?;
        return Some((base.trim(), offset.wrapping_neg()));
    }
    Some((inner.trim(), 0))
}

/// Strips the brackets of `[...]`, returning the trimmed contents.
pub fn strip_brackets(text: &str) -> Option<&str> {
    Some(text.trim().strip_prefix('[')?.strip_suffix(']')?.trim())
}

/// Parses `[B]`, `[B + D]`, `[B - D]` or `[A]`.
pub fn parse_memory_operand(text: &str) -> Option<MemoryOperand> {
    let inner = strip_brackets(text)?;
    if let Some((base, offset)) = split_displacement(inner)
        && let Some(base) = parse_reg(base)
    {
        return Some(MemoryOperand::Indirect { base, offset });
    }
    parse_simple_or_full_imm32(inner).map(|address| MemoryOperand::Absolute { address })
}

/// Parses `[B]`, `[B + D]` or `[B - D]` (a register base is required).
pub fn parse_indirect_operand(text: &str) -> Option<(Reg, i32)> {
    match parse_memory_operand(text)? {
        MemoryOperand::Indirect { base, offset } => Some((base, offset)),
        MemoryOperand::Absolute { .. } => None,
    }
}

/// Whether `name` can be a label name: non-empty, no whitespace and no `:`.
pub fn is_label_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == ':')
}

/// Parses a label reference `@name`, returning the name.
pub fn parse_label_ref(text: &str) -> Option<&str> {
    let name = text.strip_prefix('@')?;
    is_label_name(name).then_some(name)
}

/// Parses hex digit pairs; ASCII whitespace may appear anywhere. `None` on an odd digit count or a
/// non-hex character.
pub fn parse_hex_bytes(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|byte| !byte.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits.chunks_exact(2).map(|pair| Some((hex_digit(pair[0])? << 4) | hex_digit(pair[1])?)).collect()
}

fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Immediate::{Imm32, Imm64};

    #[test]
    fn full_parser_hex_and_binary() {
        assert_eq!(parse_full_immediate("0x10"), Some(Imm32(16)));
        assert_eq!(parse_full_immediate("0xffffffffffffffff"), Some(Imm32(-1)));
        assert_eq!(parse_full_immediate("0xffffffff80000000"), Some(Imm32(i32::MIN)));
        assert_eq!(parse_full_immediate("0xffffffff7fffffff"), Some(Imm64(0xffff_ffff_7fff_ffff)));
        assert_eq!(parse_full_immediate("0x7fffffff"), Some(Imm32(i32::MAX)));
        assert_eq!(parse_full_immediate("0x80000000"), Some(Imm64(0x8000_0000)));
        assert_eq!(parse_full_immediate("0xffffffff"), Some(Imm64(0xffff_ffff)));
        assert_eq!(parse_full_immediate("0x123456789"), Some(Imm64(0x1_2345_6789)));
        assert_eq!(parse_full_immediate("0b101"), Some(Imm32(5)));
        assert_eq!(parse_full_immediate("0x"), None);
        assert_eq!(parse_full_immediate("0x1_0"), None);
        assert_eq!(parse_full_immediate("0x10000000000000000"), None);
        assert_eq!(parse_full_immediate("0X10"), None);
    }

    #[test]
    fn full_parser_decimal() {
        assert_eq!(parse_full_immediate("0"), Some(Imm32(0)));
        assert_eq!(parse_full_immediate("-1"), Some(Imm32(-1)));
        assert_eq!(parse_full_immediate("2147483647"), Some(Imm32(i32::MAX)));
        assert_eq!(parse_full_immediate("-2147483648"), Some(Imm32(i32::MIN)));
        assert_eq!(parse_full_immediate("2147483648"), Some(Imm64(0x8000_0000)));
        assert_eq!(parse_full_immediate("4294967295"), Some(Imm64(0xffff_ffff)));
        assert_eq!(parse_full_immediate("18446744073709551615"), Some(Imm32(-1)));
        assert_eq!(parse_full_immediate("18446744071562067968"), Some(Imm32(i32::MIN)));
        assert_eq!(parse_full_immediate("18446744073709551616"), None);
        assert_eq!(parse_full_immediate("-2147483649"), None);
        assert_eq!(parse_full_immediate("-9223372036854775808"), None);
        assert_eq!(parse_full_immediate("a0"), None);
        assert_eq!(parse_full_immediate(""), None);
    }

    #[test]
    fn full_parser_i64_prefix() {
        assert_eq!(parse_full_immediate("i64 5"), Some(Imm64(5)));
        assert_eq!(parse_full_immediate("i64 -1"), Some(Imm64(u64::MAX)));
        assert_eq!(parse_full_immediate("i64 0xffffffffffffffff"), Some(Imm64(u64::MAX)));
        assert_eq!(parse_full_immediate("i64 0x80000000"), Some(Imm64(0x8000_0000)));
        assert_eq!(parse_full_immediate("i64 -2147483649"), Some(Imm64(-2_147_483_649_i64 as u64)));
        assert_eq!(parse_full_immediate("i64 x"), None);
        assert_eq!(parse_full_immediate("i645"), None);
        assert_eq!(parse_imm32("i64 5"), None);
    }

    #[test]
    fn simple_parser() {
        assert_eq!(parse_simple_immediate("0xffffffff"), Some(-1));
        assert_eq!(parse_simple_immediate("0x80000000"), Some(i32::MIN));
        assert_eq!(parse_simple_immediate("4294967295"), Some(-1));
        assert_eq!(parse_simple_immediate("-5"), Some(-5));
        assert_eq!(parse_simple_immediate("0b11"), Some(3));
        assert_eq!(parse_simple_immediate("0x100000000"), None);
        assert_eq!(parse_simple_immediate("0xffffffffffffffff"), None);
        assert_eq!(parse_simple_immediate("-2147483649"), None);
        assert_eq!(parse_simple_immediate("4294967296"), None);
        // The Kestrel fallback accepts the 64-bit print style when it denotes a 32-bit value.
        assert_eq!(parse_simple_or_full_imm32("0xffffffffffffffff"), Some(-1));
        assert_eq!(parse_simple_or_full_imm32("0xffffffff"), Some(-1));
        assert_eq!(parse_simple_or_full_imm32("0xfffffffe00000000"), None);
    }

    #[test]
    fn memory_operands() {
        use MemoryOperand::*;
        assert_eq!(parse_memory_operand("[a0]"), Some(Indirect { base: Reg::A0, offset: 0 }));
        assert_eq!(parse_memory_operand("[ sp + 8 ]"), Some(Indirect { base: Reg::SP, offset: 8 }));
        assert_eq!(parse_memory_operand("[a1 + -4]"), Some(Indirect { base: Reg::A1, offset: -4 }));
        assert_eq!(parse_memory_operand("[a1 - 4]"), Some(Indirect { base: Reg::A1, offset: -4 }));
        assert_eq!(parse_memory_operand("[a1 - 0x10]"), Some(Indirect { base: Reg::A1, offset: -16 }));
        assert_eq!(parse_memory_operand("[r7+0xffffffff]"), Some(Indirect { base: Reg::A0, offset: -1 }));
        assert_eq!(parse_memory_operand("[0x20000]"), Some(Absolute { address: 0x20000 }));
        assert_eq!(parse_memory_operand("[0xffffffff]"), Some(Absolute { address: -1 }));
        assert_eq!(parse_memory_operand("[-1]"), Some(Absolute { address: -1 }));
        assert_eq!(parse_memory_operand("[a0 + a1]"), None);
        assert_eq!(parse_memory_operand("[x0 + 4]"), None);
        assert_eq!(parse_memory_operand("a0"), None);
        assert_eq!(parse_memory_operand("[a0"), None);
    }

    #[test]
    fn labels_and_hex() {
        assert_eq!(parse_label_ref("@loop"), Some("loop"));
        assert_eq!(parse_label_ref("@_1234"), Some("_1234"));
        assert_eq!(parse_label_ref("@"), None);
        assert_eq!(parse_label_ref("@a b"), None);
        assert_eq!(parse_label_ref("loop"), None);
        assert_eq!(parse_hex_bytes("48 65 6c"), Some(alloc::vec![0x48, 0x65, 0x6c]));
        assert_eq!(parse_hex_bytes("4 865 6C"), Some(alloc::vec![0x48, 0x65, 0x6c]));
        assert_eq!(parse_hex_bytes(""), Some(alloc::vec![]));
        assert_eq!(parse_hex_bytes("486"), None);
        assert_eq!(parse_hex_bytes("+f"), None);
        assert_eq!(parse_hex_bytes("zz"), None);
    }
}
