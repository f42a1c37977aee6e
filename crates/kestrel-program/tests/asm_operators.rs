//! The binary-operator table of `instructions.md` §9.4, one test per row. Each row checks the six
//! cells `X = Y OP Z`, `i32 X = Y OP Z`, `X = Y OP I`, `i32 X = Y OP I`, `X = I OP Y`,
//! `i32 X = I OP Y` with X = a0, Y = a1, Z = a2, I = 7; `None` is an error cell.

mod support;

use support::asm::{assert_unparsable, ok};

fn check_row(op: &str, cells: [Option<&str>; 6]) {
    let texts = [
        format!("a0 = a1 {op} a2"),
        format!("i32 a0 = a1 {op} a2"),
        format!("a0 = a1 {op} 7"),
        format!("i32 a0 = a1 {op} 7"),
        format!("a0 = 7 {op} a1"),
        format!("i32 a0 = 7 {op} a1"),
    ];
    for (text, expected) in texts.iter().zip(cells) {
        match expected {
            Some(expected) => assert_eq!(ok(text), expected, "{text}"),
            None => assert_unparsable(text),
        }
    }
}

#[test]
fn row_add() {
    check_row(
        "+",
        [
            Some("add_64 a0, a1, a2"),
            Some("add_32 a0, a1, a2"),
            Some("add_imm_64 a0, a1, 7"),
            Some("add_imm_32 a0, a1, 7"),
            Some("add_imm_64 a0, a1, 7"),
            Some("add_imm_32 a0, a1, 7"),
        ],
    );
}

#[test]
fn row_sub() {
    check_row(
        "-",
        [
            Some("sub_64 a0, a1, a2"),
            Some("sub_32 a0, a1, a2"),
            Some("add_imm_64 a0, a1, -7"),
            Some("add_imm_32 a0, a1, -7"),
            Some("negate_and_add_imm_64 a0, a1, 7"),
            Some("negate_and_add_imm_32 a0, a1, 7"),
        ],
    );
}

#[test]
fn row_and() {
    check_row("&", [Some("and a0, a1, a2"), None, Some("and_imm a0, a1, 7"), None, Some("and_imm a0, a1, 7"), None]);
}

#[test]
fn row_or() {
    check_row("|", [Some("or a0, a1, a2"), None, Some("or_imm a0, a1, 7"), None, Some("or_imm a0, a1, 7"), None]);
}

#[test]
fn row_xor() {
    check_row("^", [Some("xor a0, a1, a2"), None, Some("xor_imm a0, a1, 7"), None, Some("xor_imm a0, a1, 7"), None]);
}

#[test]
fn row_mul() {
    check_row(
        "*",
        [
            Some("mul_64 a0, a1, a2"),
            Some("mul_32 a0, a1, a2"),
            Some("mul_imm_64 a0, a1, 7"),
            Some("mul_imm_32 a0, a1, 7"),
            Some("mul_imm_64 a0, a1, 7"),
            Some("mul_imm_32 a0, a1, 7"),
        ],
    );
}

#[test]
fn row_div_unsigned() {
    check_row("/u", [Some("div_unsigned_64 a0, a1, a2"), Some("div_unsigned_32 a0, a1, a2"), None, None, None, None]);
}

#[test]
fn row_div_signed() {
    check_row("/s", [Some("div_signed_64 a0, a1, a2"), Some("div_signed_32 a0, a1, a2"), None, None, None, None]);
}

#[test]
fn row_rem_unsigned() {
    check_row("%u", [Some("rem_unsigned_64 a0, a1, a2"), Some("rem_unsigned_32 a0, a1, a2"), None, None, None, None]);
}

#[test]
fn row_rem_signed() {
    check_row("%s", [Some("rem_signed_64 a0, a1, a2"), Some("rem_signed_32 a0, a1, a2"), None, None, None, None]);
}

#[test]
fn row_shift_left() {
    check_row(
        "<<",
        [
            Some("shift_logical_left_64 a0, a1, a2"),
            Some("shift_logical_left_32 a0, a1, a2"),
            Some("shift_logical_left_imm_64 a0, a1, 7"),
            Some("shift_logical_left_imm_32 a0, a1, 7"),
            Some("shift_logical_left_imm_alt_64 a0, a1, 7"),
            Some("shift_logical_left_imm_alt_32 a0, a1, 7"),
        ],
    );
}

#[test]
fn row_shift_right() {
    check_row(
        ">>",
        [
            Some("shift_logical_right_64 a0, a1, a2"),
            Some("shift_logical_right_32 a0, a1, a2"),
            Some("shift_logical_right_imm_64 a0, a1, 7"),
            Some("shift_logical_right_imm_32 a0, a1, 7"),
            Some("shift_logical_right_imm_alt_64 a0, a1, 7"),
            Some("shift_logical_right_imm_alt_32 a0, a1, 7"),
        ],
    );
}

#[test]
fn row_shift_arithmetic_right() {
    check_row(
        ">>a",
        [
            Some("shift_arithmetic_right_64 a0, a1, a2"),
            Some("shift_arithmetic_right_32 a0, a1, a2"),
            Some("shift_arithmetic_right_imm_64 a0, a1, 7"),
            Some("shift_arithmetic_right_imm_32 a0, a1, 7"),
            Some("shift_arithmetic_right_imm_alt_64 a0, a1, 7"),
            Some("shift_arithmetic_right_imm_alt_32 a0, a1, 7"),
        ],
    );
}

#[test]
fn row_rotate_left() {
    check_row("<<r", [Some("rotate_left_64 a0, a1, a2"), Some("rotate_left_32 a0, a1, a2"), None, None, None, None]);
}

#[test]
fn row_rotate_right() {
    check_row(
        ">>r",
        [
            Some("rotate_right_64 a0, a1, a2"),
            Some("rotate_right_32 a0, a1, a2"),
            Some("rotate_right_imm_64 a0, a1, 7"),
            Some("rotate_right_imm_32 a0, a1, 7"),
            Some("rotate_right_imm_alt_64 a0, a1, 7"),
            Some("rotate_right_imm_alt_32 a0, a1, 7"),
        ],
    );
}

#[test]
fn row_less_unsigned() {
    check_row(
        "<u",
        [
            Some("set_less_than_unsigned a0, a1, a2"),
            None,
            Some("set_less_than_unsigned_imm a0, a1, 7"),
            None,
            Some("set_greater_than_unsigned_imm a0, a1, 7"),
            None,
        ],
    );
}

#[test]
fn row_less_signed() {
    check_row(
        "<s",
        [
            Some("set_less_than_signed a0, a1, a2"),
            None,
            Some("set_less_than_signed_imm a0, a1, 7"),
            None,
            Some("set_greater_than_signed_imm a0, a1, 7"),
            None,
        ],
    );
}

#[test]
fn row_greater_unsigned() {
    check_row(
        ">u",
        [
            Some("set_less_than_unsigned a0, a2, a1"),
            None,
            Some("set_greater_than_unsigned_imm a0, a1, 7"),
            None,
            Some("set_less_than_unsigned_imm a0, a1, 7"),
            None,
        ],
    );
}

#[test]
fn row_greater_signed() {
    check_row(
        ">s",
        [
            Some("set_less_than_signed a0, a2, a1"),
            None,
            Some("set_greater_than_signed_imm a0, a1, 7"),
            None,
            Some("set_less_than_signed_imm a0, a1, 7"),
            None,
        ],
    );
}

#[test]
fn row_and_inverted() {
    check_row("& ~", [Some("and_inverted a0, a1, a2"), None, None, None, None, None]);
}

#[test]
fn row_or_inverted() {
    check_row("| ~", [Some("or_inverted a0, a1, a2"), None, None, None, None, None]);
}

#[test]
fn two_immediates_are_an_error() {
    assert_unparsable("a0 = 1 + 2");
    assert_unparsable("a0 = 1 << 2");
}

#[test]
fn operator_immediates_must_be_32_bit() {
    assert_unparsable("a0 = a1 + 0x80000000");
    assert_unparsable("a0 = a1 + 2147483648");
    assert_unparsable("a0 = a1 + i64 1");
    assert_eq!(ok("a0 = a1 + -2147483648"), "add_imm_64 a0, a1, -2147483648");
    assert_eq!(ok("a0 = a1 + 0xffffffff80000000"), "add_imm_64 a0, a1, -2147483648");
    assert_eq!(ok("a0 = a1 & 0xffffffffffffff00"), "and_imm a0, a1, -256");
}

#[test]
fn subtracting_an_immediate_negates_it_with_wrapping() {
    assert_eq!(ok("a0 = a1 - -5"), "add_imm_64 a0, a1, 5");
    assert_eq!(ok("a0 = a1 - -2147483648"), "add_imm_64 a0, a1, -2147483648");
    assert_eq!(ok("i32 a0 = a1 - 0x10"), "add_imm_32 a0, a1, -16");
}

#[test]
fn search_order_decides_the_split() {
    // `+` is searched before `-`, so a negative right operand works with `+`.
    assert_eq!(ok("a0 = a1 + -4"), "add_imm_64 a0, a1, -4");
    assert_eq!(ok("a0 = -4 + a1"), "add_imm_64 a0, a1, -4");
    // `-` splits at its first occurrence: a negative left immediate cannot be written.
    assert_unparsable("a0 = -4 - a1");
    // Negative immediates with the other operators are fine (they are searched before `-`).
    assert_eq!(ok("a0 = a1 * -3"), "mul_imm_64 a0, a1, -3");
    assert_eq!(ok("a0 = a1 <s -1"), "set_less_than_signed_imm a0, a1, -1");
    assert_eq!(ok("a0 = a1 >> -1"), "shift_logical_right_imm_64 a0, a1, -1");
    // `& ~` needs its space; `&` then sees `~a2`.
    assert_unparsable("a0 = a1 &~a2");
    assert_unparsable("a0 = a1 & ~5");
    // Compact spelling works as long as the operator string is intact.
    assert_eq!(ok("a0=a1+a2"), "add_64 a0, a1, a2");
    assert_unparsable("a0 = a1 / a2");
}
