//! The full and the simple immediate parser (`instructions.md` §9.3), through `X = I` (full) and
//! memory displacements (simple), and through the public parser functions.

mod support;

use kestrel_program::asm::{Immediate, parse_full_immediate, parse_simple_immediate};
use support::asm::{assert_unparsable, ok};

#[test]
fn hex_all_ones_is_minus_one() {
    assert_eq!(ok("a0 = 0xffffffffffffffff"), "load_imm a0, -1");
}

#[test]
fn hex_sign_extended_i32_min() {
    assert_eq!(ok("a0 = 0xffffffff80000000"), "load_imm a0, -2147483648");
}

#[test]
fn hex_just_above_i32_is_64_bit() {
    assert_eq!(ok("a0 = 0x80000000"), "load_imm64 a0, 0x80000000");
    assert_eq!(ok("a0 = 0x7fffffff"), "load_imm a0, 2147483647");
}

#[test]
fn hex_u32_max_is_64_bit() {
    assert_eq!(ok("a0 = 0xffffffff"), "load_imm64 a0, 0xffffffff");
    assert_eq!(ok("a0 = 0xffffffff7fffffff"), "load_imm64 a0, 0xffffffff7fffffff");
}

#[test]
fn decimal_above_i32_is_64_bit() {
    assert_eq!(ok("a0 = 2147483648"), "load_imm64 a0, 0x80000000");
    assert_eq!(ok("a0 = 2147483647"), "load_imm a0, 2147483647");
    assert_eq!(ok("a0 = 4294967295"), "load_imm64 a0, 0xffffffff");
}

#[test]
fn decimal_u64_max_is_minus_one() {
    assert_eq!(ok("a0 = 18446744073709551615"), "load_imm a0, -1");
    assert_unparsable("a0 = 18446744073709551616");
}

#[test]
fn decimal_below_i32_min_is_rejected() {
    assert_eq!(ok("a0 = -2147483648"), "load_imm a0, -2147483648");
    assert_unparsable("a0 = -2147483649");
    assert_unparsable("a0 = -9223372036854775808");
}

#[test]
fn binary_literals() {
    assert_eq!(ok("a0 = 0b11111111"), "load_imm a0, 255");
    assert_eq!(ok(&format!("a0 = 0b{}", "1".repeat(64))), "load_imm a0, -1");
    assert_eq!(ok(&format!("a0 = 0b1{}", "0".repeat(31))), "load_imm64 a0, 0x80000000");
    assert_unparsable("a0 = 0b2");
}

#[test]
fn i64_prefix_forces_load_imm64() {
    assert_eq!(ok("a0 = i64 5"), "load_imm64 a0, 0x5");
    assert_eq!(ok("a0 = i64 -1"), "load_imm64 a0, 0xffffffffffffffff");
    assert_eq!(ok("a0 = i64 0xffffffffffffffff"), "load_imm64 a0, 0xffffffffffffffff");
    assert_eq!(ok("a0 = i64 0"), "load_imm64 a0, 0x0");
    assert_unparsable("a0 = i64");
    assert_unparsable("a0 = i64 a1");
}

#[test]
fn simple_parser_reads_u32_as_i32() {
    assert_eq!(ok("a0 = u8 [a1 + 0xffffffff]"), "load_indirect_u8 a0, a1, -1");
    assert_eq!(ok("a0 = u8 [a1 + 2147483648]"), "load_indirect_u8 a0, a1, -2147483648");
    assert_eq!(ok("a0 = u8 [a1 + 0b101]"), "load_indirect_u8 a0, a1, 5");
    assert_unparsable("a0 = u8 [a1 + -2147483649]");
    assert_unparsable("a0 = u8 [a1 + 0x1ffffffff]");
}

#[test]
fn public_parser_functions() {
    assert_eq!(parse_full_immediate("0xffffffffffffffff"), Some(Immediate::Imm32(-1)));
    assert_eq!(parse_full_immediate("0xffffffff80000000"), Some(Immediate::Imm32(i32::MIN)));
    assert_eq!(parse_full_immediate("0x80000000"), Some(Immediate::Imm64(0x8000_0000)));
    assert_eq!(parse_full_immediate("2147483648"), Some(Immediate::Imm64(0x8000_0000)));
    assert_eq!(parse_full_immediate("18446744073709551615"), Some(Immediate::Imm32(-1)));
    assert_eq!(parse_full_immediate("-2147483649"), None);
    assert_eq!(parse_full_immediate("i64 7"), Some(Immediate::Imm64(7)));
    assert_eq!(parse_simple_immediate("0xffffffff"), Some(-1));
    assert_eq!(parse_simple_immediate("4294967295"), Some(-1));
    assert_eq!(parse_simple_immediate("-2147483648"), Some(i32::MIN));
    assert_eq!(parse_simple_immediate("0xffffffffffffffff"), None);
    assert_eq!(parse_simple_immediate("4294967296"), None);
}
