//! Instruction forms of `instructions.md` §9.4 and the examples of §9.6 ("instruction" column),
//! checked at the parse level (mnemonic and operands; targets are basic-block indices).

mod support;

use support::asm::{assert_unparsable, line, ok};

// --- §9.6 table, one test per row -------------------------------------------------------------

#[test]
fn example_load_imm_1() {
    assert_eq!(ok("a0 = 1"), "load_imm a0, 1");
}

#[test]
fn example_load_imm_minus_1() {
    assert_eq!(ok("a0 = -1"), "load_imm a0, -1");
}

#[test]
fn example_load_imm64_0xffffffff() {
    assert_eq!(ok("a0 = 0xffffffff"), "load_imm64 a0, 0xffffffff");
}

#[test]
fn example_load_imm64_i64_minus_1() {
    assert_eq!(ok("a0 = i64 -1"), "load_imm64 a0, 0xffffffffffffffff");
}

#[test]
fn example_add_32() {
    assert_eq!(ok("i32 a0 = a1 + a2"), "add_32 a0, a1, a2");
}

#[test]
fn example_sub_imm_is_add_imm_64() {
    assert_eq!(ok("a0 = a1 - 5"), "add_imm_64 a0, a1, -5");
}

#[test]
fn example_negate_and_add_imm_64() {
    assert_eq!(ok("a0 = 5 - a1"), "negate_and_add_imm_64 a0, a1, 5");
}

#[test]
fn example_negate_and_add_imm_64_zero() {
    assert_eq!(ok("a0 = 0 - a1"), "negate_and_add_imm_64 a0, a1, 0");
}

#[test]
fn example_greater_unsigned_registers_swap() {
    assert_eq!(ok("a0 = a1 >u a2"), "set_less_than_unsigned a0, a2, a1");
}

#[test]
fn example_immediate_less_unsigned_mirrors() {
    assert_eq!(ok("a0 = 5 <u a1"), "set_greater_than_unsigned_imm a0, a1, 5");
}

#[test]
fn example_shift_arithmetic_right_imm_alt() {
    assert_eq!(ok("a0 = 3 >>a a1"), "shift_arithmetic_right_imm_alt_64 a0, a1, 3");
}

#[test]
fn example_rotate_right_imm_32() {
    assert_eq!(ok("i32 a0 = a1 >>r 3"), "rotate_right_imm_32 a0, a1, 3");
}

#[test]
fn example_xnor() {
    assert_eq!(ok("a0 = ~(a1 ^ a2)"), "xnor a0, a1, a2");
}

#[test]
fn example_load_indirect_u64_negative_displacement() {
    assert_eq!(ok("a0 = u64 [a1 + -4]"), "load_indirect_u64 a0, a1, -4");
}

#[test]
fn example_store_imm_indirect_u8() {
    assert_eq!(ok("u8 [a0 + 4] = 255"), "store_imm_indirect_u8 a0, 4, 255");
}

#[test]
fn example_store_imm_u32() {
    assert_eq!(ok("u32 [0x20000] = 0x12345678"), "store_imm_u32 131072, 305419896");
}

#[test]
fn example_load_imm_and_jump_indirect() {
    assert_eq!(ok("ra = 5, jump [t0 + 8]"), "load_imm_and_jump_indirect ra, t0, 5, 8");
}

#[test]
fn example_tmp_form() {
    assert_eq!(ok("tmp = ra, ra = 5, jump [tmp]"), "load_imm_and_jump_indirect ra, ra, 5, 0");
}

#[test]
fn example_branch_less_or_equal_swaps() {
    assert_eq!(ok("jump @l if a0 <=u a1"), "branch_greater_or_equal_unsigned a1, a0, @0");
}

#[test]
fn example_branch_less_signed_imm() {
    assert_eq!(ok("jump @l if a0 <s -5"), "branch_less_signed_imm a0, -5, @0");
}

#[test]
fn example_cmov_not_zero_is_fixed() {
    // PolkaVM 0.37 emits cmov_if_zero here (bug); Kestrel emits the instruction that was written.
    assert_eq!(ok("a0 = a1 if a2 != 0"), "cmov_if_not_zero a0, a1, a2");
}

// --- §9.4 forms --------------------------------------------------------------------------------

#[test]
fn simple_keywords() {
    assert_eq!(ok("trap"), "trap");
    assert_eq!(ok("fallthrough"), "fallthrough");
    assert_eq!(ok("unlikely"), "unlikely");
    assert_eq!(ok("ret"), "jump_indirect ra, 0");
    assert_eq!(ok("nop"), "move_reg ra, ra");
    assert_unparsable("trap // x");
    assert_unparsable("Trap");
    assert_unparsable("ret 0");
}

#[test]
fn ecalli_takes_a_decimal_u32() {
    assert_eq!(ok("ecalli 0"), "ecalli 0");
    assert_eq!(ok("ecalli 1000"), "ecalli 1000");
    assert_eq!(ok("ecalli 4294967295"), "ecalli 4294967295");
    assert_unparsable("ecalli 0x5");
    assert_unparsable("ecalli -1");
    assert_unparsable("ecalli 4294967296");
    assert_unparsable("ecalli");
    assert_unparsable("ecalli a0");
}

#[test]
fn jumps() {
    assert_eq!(ok("jump @l"), "jump @0");
    assert_eq!(ok("jump [a0]"), "jump_indirect a0, 0");
    assert_eq!(ok("jump [t0 + 0x1000]"), "jump_indirect t0, 4096");
    assert_eq!(ok("jump [t0 + -8]"), "jump_indirect t0, -8");
    assert_eq!(ok("jump [t0 + 0xffffffff]"), "jump_indirect t0, -1");
    assert_unparsable("jump 12");
    assert_unparsable("jump l");
    assert_unparsable("jump [12]");
    assert_unparsable("jump @l if a0");
    assert_unparsable("jump @l if a0 = a1");
}

#[test]
fn register_branches() {
    let cases = [
        ("==", "branch_eq a0, a1"),
        ("!=", "branch_not_eq a0, a1"),
        ("<u", "branch_less_unsigned a0, a1"),
        ("<s", "branch_less_signed a0, a1"),
        (">=u", "branch_greater_or_equal_unsigned a0, a1"),
        (">=s", "branch_greater_or_equal_signed a0, a1"),
        ("<=u", "branch_greater_or_equal_unsigned a1, a0"),
        ("<=s", "branch_greater_or_equal_signed a1, a0"),
        (">u", "branch_less_unsigned a1, a0"),
        (">s", "branch_less_signed a1, a0"),
    ];
    for (op, expected) in cases {
        assert_eq!(ok(&format!("jump @l if a0 {op} a1")), format!("{expected}, @0"), "{op}");
    }
}

#[test]
fn immediate_branches() {
    let cases = [
        ("==", "branch_eq_imm"),
        ("!=", "branch_not_eq_imm"),
        ("<u", "branch_less_unsigned_imm"),
        ("<s", "branch_less_signed_imm"),
        (">=u", "branch_greater_or_equal_unsigned_imm"),
        (">=s", "branch_greater_or_equal_signed_imm"),
        ("<=u", "branch_less_or_equal_unsigned_imm"),
        ("<=s", "branch_less_or_equal_signed_imm"),
        (">u", "branch_greater_unsigned_imm"),
        (">s", "branch_greater_signed_imm"),
    ];
    for (op, expected) in cases {
        assert_eq!(ok(&format!("jump @l if a0 {op} 7")), format!("{expected} a0, 7, @0"), "{op}");
    }
}

#[test]
fn mirrored_immediate_branches() {
    let cases = [
        ("==", "branch_eq_imm"),
        ("!=", "branch_not_eq_imm"),
        ("<u", "branch_greater_unsigned_imm"),
        ("<s", "branch_greater_signed_imm"),
        (">=u", "branch_less_or_equal_unsigned_imm"),
        (">=s", "branch_less_or_equal_signed_imm"),
        ("<=u", "branch_greater_or_equal_unsigned_imm"),
        ("<=s", "branch_greater_or_equal_signed_imm"),
        (">u", "branch_less_unsigned_imm"),
        (">s", "branch_less_signed_imm"),
    ];
    for (op, expected) in cases {
        assert_eq!(ok(&format!("jump @l if 5 {op} a0")), format!("{expected} a0, 5, @0"), "{op}");
    }
    assert_unparsable("jump @l if 1 == 2");
}

#[test]
fn branch_immediates_use_the_simple_parser() {
    assert_eq!(ok("jump @l if a0 == 0xffffffff"), "branch_eq_imm a0, -1, @0");
    assert_eq!(ok("jump @l if a0 == 4294967295"), "branch_eq_imm a0, -1, @0");
    assert_eq!(ok("jump @l if a0 <s -2147483648"), "branch_less_signed_imm a0, -2147483648, @0");
    assert_unparsable("jump @l if a0 == 0x100000000");
    assert_unparsable("jump @l if a0 == -2147483649");
}

#[test]
fn load_immediates() {
    assert_eq!(ok("a0 = 0"), "load_imm a0, 0");
    assert_eq!(ok("a5 = -305419896"), "load_imm a5, -305419896");
    assert_unparsable("a5 = -0x12345678");
    assert_eq!(ok("a0 = 0x80"), "load_imm a0, 128");
    assert_eq!(ok("a0 = i64 5"), "load_imm64 a0, 0x5");
    assert_eq!(ok("a0 = 0x123456789"), "load_imm64 a0, 0x123456789");
    assert_eq!(ok("r12 = 0b1010"), "load_imm a5, 10");
    assert_eq!(ok("i32 a0 = 5"), ok("a0 = 5"), "polkavm 0.37 accepts and ignores the i32 prefix here");
    assert_unparsable("a0 = 5x");
}

#[test]
fn moves() {
    assert_eq!(ok("a0 = a1"), "move_reg a0, a1");
    assert_eq!(ok("r7 = r8"), "move_reg a0, a1");
    assert_eq!(ok("sp = ra"), "move_reg sp, ra");
    assert_eq!(ok("i32 a0 = a1"), ok("a0 = a1"), "polkavm 0.37 accepts and ignores the i32 prefix here");
    assert_unparsable("x0 = a1");
}

#[test]
fn jump_table_address() {
    assert_eq!(ok("a0 = @l"), "load_imm a0, 2");
    assert_unparsable("a0 = @");
    assert_eq!(ok("i32 a0 = @l"), ok("a0 = @l"), "polkavm 0.37 accepts and ignores the i32 prefix here");
}

#[test]
fn load_imm_and_jump() {
    assert_eq!(ok("ra = 4, jump @l"), "load_imm_and_jump ra, 4, @0");
    assert_eq!(ok("ra = -1, jump @l"), "load_imm_and_jump ra, -1, @0");
    assert_eq!(ok("ra = 0xffffffffffffffff, jump @l"), "load_imm_and_jump ra, -1, @0");
    assert_unparsable("ra = 0xffffffff, jump @l");
    assert_unparsable("ra = 4, jump 12");
    assert_unparsable("ra = 4, goto @l");
    assert_unparsable("ra = a0, jump @l");
}

#[test]
fn load_imm_and_jump_indirect() {
    assert_eq!(ok("ra = 16, jump [t0]"), "load_imm_and_jump_indirect ra, t0, 16, 0");
    assert_eq!(ok("a0 = -1, jump [a1 + -4]"), "load_imm_and_jump_indirect a0, a1, -1, -4");
    let error = line("ra = 5, jump [ra + 8]").unwrap_err();
    assert!(error.starts_with("cannot parse line 2: "), "{error}");
    assert!(error.contains("tmp = ra, ra = 5, jump [tmp + 8]"), "{error}");
    assert_unparsable("ra = 0x80000000, jump [t0]");
}

#[test]
fn tmp_form() {
    assert_eq!(ok("tmp = t0, ra = 5, jump [tmp + 8]"), "load_imm_and_jump_indirect ra, t0, 5, 8");
    assert_eq!(ok("tmp = a0, a0 = 0xffffffff, jump [tmp]"), "load_imm_and_jump_indirect a0, a0, -1, 0");
    assert_unparsable("tmp = a0, a0 = 1, jump [a0]");
    assert_unparsable("tmp = 5, a0 = 1, jump [tmp]");
    assert_unparsable("tmp = a0, a0 = 1");
}

#[test]
fn min_max() {
    assert_eq!(ok("a0 = maxs(a1, a2)"), "maximum a0, a1, a2");
    assert_eq!(ok("a0 = maxu(a1, a2)"), "maximum_unsigned a0, a1, a2");
    assert_eq!(ok("a0 = mins(a1, a2)"), "minimum a0, a1, a2");
    assert_eq!(ok("a0 = minu(a1, a2)"), "minimum_unsigned a0, a1, a2");
    assert_unparsable("a0 = maxs(a1, 5)");
    assert_eq!(
        ok("i32 a0 = maxs(a1, a2)"),
        ok("a0 = maxs(a1, a2)"),
        "polkavm 0.37 accepts and ignores the i32 prefix here"
    );
}

#[test]
fn unary() {
    assert_eq!(ok("a0 = clz a1"), "count_leading_zero_bits_64 a0, a1");
    assert_eq!(ok("a0 = ctz a1"), "count_trailing_zero_bits_64 a0, a1");
    assert_eq!(ok("a0 = cpop a1"), "count_set_bits_64 a0, a1");
    assert_eq!(ok("i32 a0 = clz a1"), "count_leading_zero_bits_32 a0, a1");
    assert_eq!(ok("i32 a0 = ctz a1"), "count_trailing_zero_bits_32 a0, a1");
    assert_eq!(ok("i32 a0 = cpop a1"), "count_set_bits_32 a0, a1");
    assert_eq!(ok("a0 = sext8 a1"), "sign_extend_8 a0, a1");
    assert_eq!(ok("a0 = sext16 a1"), "sign_extend_16 a0, a1");
    assert_eq!(ok("a0 = zext16 a1"), "zero_extend_16 a0, a1");
    assert_eq!(ok("a0 = reverse a1"), "reverse_byte a0, a1");
    assert_eq!(ok("i32 a0 = sext8 a1"), ok("a0 = sext8 a1"), "polkavm 0.37 accepts and ignores the i32 prefix here");
    assert_unparsable("a0 = clz 5");
}

#[test]
fn cmov() {
    assert_eq!(ok("a0 = a1 if a2 == 0"), "cmov_if_zero a0, a1, a2");
    assert_eq!(ok("a0 = a1 if a2 != 0"), "cmov_if_not_zero a0, a1, a2");
    assert_eq!(ok("a0 = 5 if a2 == 0"), "cmov_if_zero_imm a0, a2, 5");
    assert_eq!(ok("a0 = 5 if a2 != 0"), "cmov_if_not_zero_imm a0, a2, 5");
    assert_eq!(ok("a0 = 0xffffffff if a2 == 0"), "cmov_if_zero_imm a0, a2, -1");
    assert_eq!(ok("a0 = 0xffffffffffffffff if a2 != 0"), "cmov_if_not_zero_imm a0, a2, -1");
    assert_unparsable("a0 = a1 if a2 == 1");
    assert_unparsable("a0 = a1 if a2 < 0");
    assert_unparsable("a0 = a1 if 5 == 0");
    assert_eq!(
        ok("i32 a0 = a1 if a2 == 0"),
        ok("a0 = a1 if a2 == 0"),
        "polkavm 0.37 accepts and ignores the i32 prefix here"
    );
}

#[test]
fn loads() {
    let kinds = [
        ("u8", "load_indirect_u8", "load_u8"),
        ("i8", "load_indirect_i8", "load_i8"),
        ("u16", "load_indirect_u16", "load_u16"),
        ("i16", "load_indirect_i16", "load_i16"),
        ("u32", "load_indirect_u32", "load_u32"),
        ("i32", "load_indirect_i32", "load_i32"),
        ("u64", "load_indirect_u64", "load_u64"),
    ];
    for (kind, indirect, absolute) in kinds {
        assert_eq!(ok(&format!("a0 = {kind} [a1 + 8]")), format!("{indirect} a0, a1, 8"));
        assert_eq!(ok(&format!("a0 = {kind} [a1]")), format!("{indirect} a0, a1, 0"));
        assert_eq!(ok(&format!("a0 = {kind} [0x10000]")), format!("{absolute} a0, 65536"));
    }
    assert_eq!(ok("a0 = u8 [0xffffffff]"), "load_u8 a0, -1");
    assert_unparsable("a0 = i64 [a1]");
    assert_eq!(ok("i32 a0 = u8 [a1]"), ok("a0 = u8 [a1]"), "polkavm 0.37 accepts and ignores the i32 prefix here");
    assert_unparsable("a0 = u8 [a1 + a2]");
}

#[test]
fn stores() {
    let kinds = [
        ("u8", "store_indirect_u8", "store_u8", "store_imm_indirect_u8", "store_imm_u8"),
        ("u16", "store_indirect_u16", "store_u16", "store_imm_indirect_u16", "store_imm_u16"),
        ("u32", "store_indirect_u32", "store_u32", "store_imm_indirect_u32", "store_imm_u32"),
        ("u64", "store_indirect_u64", "store_u64", "store_imm_indirect_u64", "store_imm_u64"),
    ];
    for (kind, indirect, absolute, imm_indirect, imm_absolute) in kinds {
        assert_eq!(ok(&format!("{kind} [sp + 16] = a0")), format!("{indirect} a0, sp, 16"));
        assert_eq!(ok(&format!("{kind} [sp] = a0")), format!("{indirect} a0, sp, 0"));
        assert_eq!(ok(&format!("{kind} [0x20000] = a0")), format!("{absolute} a0, 131072"));
        assert_eq!(ok(&format!("{kind} [sp + 8] = 7")), format!("{imm_indirect} sp, 8, 7"));
        assert_eq!(ok(&format!("{kind} [0x20000] = 7")), format!("{imm_absolute} 131072, 7"));
    }
    assert_unparsable("i8 [sp] = a0");
    assert_unparsable("u8 [sp] = i64 5");
}

#[test]
fn store_immediate_ranges() {
    assert_eq!(ok("u8 [a0] = 0"), "store_imm_indirect_u8 a0, 0, 0");
    assert_eq!(ok("u8 [a0] = 255"), "store_imm_indirect_u8 a0, 0, 255");
    assert_eq!(ok("u8 [0x100] = 0xff"), "store_imm_u8 256, 255");
    assert_eq!(ok("u16 [a0] = 65535"), "store_imm_indirect_u16 a0, 0, 65535");
    assert_eq!(ok("u32 [a0] = -1"), "store_imm_indirect_u32 a0, 0, -1");
    assert_eq!(ok("u32 [a0] = 0xffffffffffffffff"), "store_imm_indirect_u32 a0, 0, -1");
    assert_eq!(ok("u64 [a0] = -2147483648"), "store_imm_indirect_u64 a0, 0, -2147483648");
    assert_eq!(line("u8 [a0] = 256"), Err("cannot parse line 2: immediate larger than u8".into()));
    assert_eq!(line("u8 [a0] = -1"), Err("cannot parse line 2: immediate larger than u8".into()));
    assert_eq!(line("u8 [0x100] = 256"), Err("cannot parse line 2: immediate larger than u8".into()));
    assert_eq!(line("u16 [a0] = 65536"), Err("cannot parse line 2: immediate larger than u16".into()));
    assert_eq!(line("u16 [a0] = -1"), Err("cannot parse line 2: immediate larger than u16".into()));
    assert_unparsable("u32 [a0] = 0xffffffff");
    assert_unparsable("u64 [a0] = 0x80000000");
    assert_unparsable("u8 [a0] = 0xffffffff");
}

#[test]
fn extension_narrow_stores_of_any_hex_immediate() {
    // Real blobs store e.g. -1 with store_imm_u16; the disassembler prints it in hex.
    assert_eq!(ok("u16 [a5] = 0xffffffffffffffff"), "store_imm_indirect_u16 a5, 0, -1");
    assert_eq!(ok("u8 [a0 + 1] = 0x100"), "store_imm_indirect_u8 a0, 1, 256");
    assert_eq!(ok("u8 [0x20000] = 0x12345678"), "store_imm_u8 131072, 305419896");
    assert_eq!(ok("u16 [a0] = 0b11111111111111111"), "store_imm_indirect_u16 a0, 0, 131071");
    assert_unparsable("u16 [a0] = 0x80000000");
}

#[test]
fn displacements_and_addresses_use_the_simple_parser() {
    assert_eq!(ok("a0 = u32 [a1 + 0xffffffff]"), "load_indirect_u32 a0, a1, -1");
    assert_eq!(ok("a0 = u32 [a1 + 4294967295]"), "load_indirect_u32 a0, a1, -1");
    assert_eq!(ok("u32 [0xfffffff0] = a0"), "store_u32 a0, -16");
    assert_unparsable("a0 = u32 [a1 + 0x100000000]");
}

// --- Kestrel extensions ------------------------------------------------------------------------

#[test]
fn extension_negative_displacements() {
    assert_eq!(ok("a0 = u64 [a1 - 4]"), "load_indirect_u64 a0, a1, -4");
    assert_eq!(ok("u32 [sp - 0x10] = a0"), "store_indirect_u32 a0, sp, -16");
    assert_eq!(ok("u32 [sp - 16] = -1"), "store_imm_indirect_u32 sp, -16, -1");
    assert_eq!(ok("jump [t0 - 8]"), "jump_indirect t0, -8");
    assert_eq!(ok("ra = 5, jump [t0 - 8]"), "load_imm_and_jump_indirect ra, t0, 5, -8");
    assert_eq!(ok("tmp = ra, ra = 5, jump [tmp - 8]"), "load_imm_and_jump_indirect ra, ra, 5, -8");
    assert_eq!(ok("a0 = u8 [a1 - 2147483648]"), "load_indirect_u8 a0, a1, -2147483648");
}

#[test]
fn extension_negation() {
    assert_eq!(ok("a0 = -a1"), "negate_and_add_imm_64 a0, a1, 0");
    assert_eq!(ok("i32 a0 = -a1"), "negate_and_add_imm_32 a0, a1, 0");
    assert_unparsable("a0 = -x1");
}

#[test]
fn extension_mul_upper() {
    assert_eq!(ok("a0 = a1 mulh a2"), "mul_upper_signed_signed a0, a1, a2");
    assert_eq!(ok("a0 = a1 mulhu a2"), "mul_upper_unsigned_unsigned a0, a1, a2");
    assert_eq!(ok("a0 = a1 mulhsu a2"), "mul_upper_signed_unsigned a0, a1, a2");
    assert_eq!(
        ok("i32 a0 = a1 mulh a2"),
        ok("a0 = a1 mulh a2"),
        "polkavm 0.37 accepts and ignores the i32 prefix here"
    );
    assert_unparsable("a0 = a1 mulh 5");
    assert_unparsable("a0 = a1 mul a2");
}

#[test]
fn extension_sbrk_memset_invalid() {
    assert_eq!(ok("a0 = sbrk a1"), "sbrk a0, a1");
    assert_eq!(ok("[a0..a0 + a2] = u8 a1"), "memset");
    assert_eq!(ok("invalid"), "invalid");
    assert_unparsable("[a1..a1 + a2] = u8 a0");
}

#[test]
fn extension_cmov_values_in_64_bit_style() {
    assert_eq!(ok("a0 = 0xfffffffffffffff0 if a1 == 0"), "cmov_if_zero_imm a0, a1, -16");
    assert_unparsable("a0 = 0x100000000 if a1 == 0");
}

#[test]
fn whitespace_inside_lines_is_tolerated() {
    assert_eq!(ok("  a0   =   a1 +   a2  "), "add_64 a0, a1, a2");
    assert_eq!(ok("a0 = u8 [ a1 + 4 ]"), "load_indirect_u8 a0, a1, 4");
    assert_eq!(ok("\ta0 = 1\t"), "load_imm a0, 1");
}
