//! Hostile input never panics: random token soup and odd edge cases are either assembled or
//! rejected with an error.

mod support;

use kestrel_program::InstructionSetKind;
use kestrel_program::asm::{assemble, parse};
use support::rng::Rng;

const TOKENS: &[&str] = &[
    "a0",
    "a1",
    "ra",
    "sp",
    "r12",
    "r13",
    "tmp",
    "i32",
    "i64",
    "u8",
    "i8",
    "u16",
    "u64",
    "=",
    "==",
    "!=",
    "+",
    "-",
    "& ~",
    "|",
    "^",
    "*",
    "/u",
    "%s",
    ">>a",
    "<<r",
    "<u",
    ">s",
    "<=u",
    ">=s",
    "[",
    "]",
    "[a0 + 4]",
    "[a0 - 4]",
    "[0x10]",
    "(",
    ")",
    ",",
    "@",
    "@l",
    "@m:",
    "pub",
    ":",
    "%no_fallthrough",
    "jump",
    "if",
    "0",
    "-1",
    "0xffffffff",
    "0xffffffffffffffff",
    "18446744073709551616",
    "-2147483649",
    "0b",
    "0x",
    "ecalli",
    "trap",
    "ret",
    "clz",
    "maxs(a1, a2)",
    "~(a1 ^ a2)",
    "mulh",
    "sbrk",
    "%isa = latest32",
    "%import = x",
    "%export = e @l",
    "%jump_table = @l @m",
    "%ro_data = 0",
    "//",
    "é",
    "\t",
    "",
];

#[test]
fn random_token_lines_never_panic() {
    let mut rng = Rng::xorshift(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for _ in 0..3000 {
        let mut text = String::from("@l:\n");
        for _ in 0..1 + rng.below(4) {
            for _ in 0..1 + rng.below(7) {
                text.push_str(TOKENS[rng.below(TOKENS.len())]);
                if rng.below(3) != 0 {
                    text.push(' ');
                }
            }
            text.push('\n');
        }
        text.push_str("@m:\ntrap\n");
        for isa in InstructionSetKind::ALL {
            if assemble(Some(isa), &text).is_ok() {
                accepted += 1;
            }
            let _ = parse(None, &text);
        }
    }
    // The generator does produce valid programs too, so both paths are exercised.
    assert!(accepted > 100, "{accepted}");
}

#[test]
fn edge_cases_are_errors_not_panics() {
    let cases = [
        "[",
        "]",
        "@",
        "@:",
        "pub",
        "pub @",
        "%",
        "%isa",
        "%isa =",
        "=",
        "a0 =",
        "= a0",
        "a0 = ,",
        "a0 = , jump",
        "tmp",
        "tmp =",
        "tmp = a0,",
        "tmp = a0, a1 =",
        "tmp = a0, a1 = 1,",
        "tmp = a0, a1 = 1, jump",
        "tmp = a0, a1 = 1, jump [",
        "jump",
        "jump ",
        "jump [",
        "jump [a0",
        "jump @",
        "jump @l if",
        "jump @l if ==",
        "u8 [",
        "u8 [a0] =",
        "u8 [] = 1",
        "a0 = u8 [",
        "a0 = maxs(",
        "a0 = ~(",
        "a0 = ~()",
        "a0 = clz",
        "a0 = a1 if",
        "a0 = a1 if == 0",
        "a0 = mulh",
        "[a0..a0 + a2] = u8",
        "a0 = @",
        "a0 = 1, jump [a0 + ]",
        "a0 = a1 + ",
        " + ",
        "a0 = - ",
        "a0 = -",
        "%export = ",
        "%export = a @",
        "%jump_table = @",
        "%import = 0xf",
        "ecalli -0",
        "\u{0}",
        "a0 = 0x\u{10ffff}",
    ];
    for case in cases {
        for isa in InstructionSetKind::ALL {
            let _ = assemble(Some(isa), case);
        }
    }
    // A handful of them are actually fine; the rest must fail.
    assert!(assemble(Some(InstructionSetKind::Latest64), "ecalli -0").is_err());
    assert!(assemble(Some(InstructionSetKind::Latest64), "a0 = -").is_err());
}

#[test]
fn labels_past_the_last_instruction_are_builder_errors() {
    let error = assemble(Some(InstructionSetKind::JamV1), "trap\njump @end\n@end:").unwrap_err();
    assert!(error.to_string().starts_with("failed to build a program: "), "{error}");
    assert_eq!(error.line(), Some(2));
}
