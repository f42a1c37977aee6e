//! The text assembler compared with polkavm 0.37's `assemble` on generated programs: the same
//! bytes for every accepted program, the same message for every rejected one.

#![allow(clippy::print_stderr, reason = "differential tests report what they compared")]

use kestrel_differential::Rng;
use kestrel_program::InstructionSetKind as Isa;

const REGS: [&str; 15] = ["ra", "sp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "r7", "r12"];
const BRANCH_OPS: [&str; 10] = ["==", "!=", "<u", "<s", ">=u", ">=s", "<=u", "<=s", ">u", ">s"];
const BINARY_OPS: [&str; 21] = [
    "+", "-", "&", "|", "^", "*", "/u", "/s", "%u", "%s", "<<", ">>", ">>a", "<<r", ">>r", "<u", "<s", ">u", ">s",
    "& ~", "| ~",
];
const UNARY_OPS: [&str; 7] = ["clz", "ctz", "cpop", "sext8", "sext16", "zext16", "reverse"];
const KINDS: [&str; 7] = ["u8", "i8", "u16", "i16", "u32", "i32", "u64"];
const STORE_KINDS: [&str; 4] = ["u8", "u16", "u32", "u64"];
const LABELS: [&str; 4] = ["@a", "@b", "@c", "@d"];

fn reg(rng: &mut Rng) -> &'static str {
    REGS[rng.below(REGS.len() as u64) as usize]
}

/// An immediate in one of the spellings the full or simple parsers may accept (or reject).
fn imm(rng: &mut Rng) -> String {
    let value = rng.interesting_u64();
    match rng.below(8) {
        0 => format!("{}", value as i64),
        1 => format!("{}", value as i32),
        2 => format!("{}", value as u32),
        3 => format!("0x{value:x}"),
        4 => format!("0x{:x}", value as u32),
        5 => format!("0b{:b}", value & 0xffff),
        6 => format!("{}", rng.below(300) as i64 - 150),
        _ => format!("{}", value & 0xff),
    }
}

fn line(rng: &mut Rng) -> String {
    let r = reg(rng);
    let s = reg(rng);
    let t = reg(rng);
    let label = rng.pick(&LABELS);
    let i32_prefix = if rng.chance(1, 3) { "i32 " } else { "" };
    // Any assignment may carry the prefix; what polkavm does with it is part of the contract.
    let r = if rng.chance(1, 8) { format!("i32 {r}") } else { r.to_string() };
    match rng.below(30) {
        0 => (*rng.pick(&["trap", "fallthrough", "unlikely", "ret", "nop"])).to_string(),
        1 => format!("ecalli {}", rng.below(2000)),
        2 => format!("jump {label}"),
        3 => format!("jump [{r}]"),
        4 => format!("jump [{r} + {}]", imm(rng)),
        5 => format!("jump {label} if {r} {} {s}", rng.pick(&BRANCH_OPS)),
        6 => format!("jump {label} if {r} {} {}", rng.pick(&BRANCH_OPS), imm(rng)),
        7 => format!("jump {label} if {} {} {r}", imm(rng), rng.pick(&BRANCH_OPS)),
        8 => format!("{r} = {}", imm(rng)),
        9 => format!("{r} = i64 {}", imm(rng)),
        10 => format!("{r} = {s}"),
        11 => format!("{r} = {label}"),
        12 => format!("{r} = {}, jump {label}", imm(rng)),
        13 => format!("{r} = {}, jump [{s} + {}]", imm(rng), imm(rng)),
        14 => format!("tmp = {s}, {r} = {}, jump [tmp + {}]", imm(rng), imm(rng)),
        15..=17 => format!("{i32_prefix}{r} = {s} {} {t}", rng.pick(&BINARY_OPS)),
        18 | 19 => format!("{i32_prefix}{r} = {s} {} {}", rng.pick(&BINARY_OPS), imm(rng)),
        20 => format!("{i32_prefix}{r} = {} {} {s}", imm(rng), rng.pick(&BINARY_OPS)),
        21 => format!("{r} = ~({s} ^ {t})"),
        22 => format!("{r} = {}({s}, {t})", rng.pick(&["maxs", "maxu", "mins", "minu"])),
        23 => format!("{i32_prefix}{r} = {} {s}", rng.pick(&UNARY_OPS)),
        24 => format!("{r} = {s} if {t} == 0"),
        25 => format!("{r} = {} if {t} == 0", imm(rng)),
        26 => format!("{r} = {} [{s} + {}]", rng.pick(&KINDS), imm(rng)),
        27 => format!("{r} = {} [{}]", rng.pick(&KINDS), imm(rng)),
        28 => {
            let value = if rng.chance(1, 2) { s.to_string() } else { imm(rng) };
            format!("{} [{r} + {}] = {value}", rng.pick(&STORE_KINDS), imm(rng))
        }
        _ => {
            let value = if rng.chance(1, 2) { s.to_string() } else { imm(rng) };
            format!("{} [{}] = {value}", rng.pick(&STORE_KINDS), imm(rng))
        }
    }
}

fn program(rng: &mut Rng, isa: Isa) -> String {
    let mut text = format!("%isa = {}\n", isa.name());
    if rng.chance(1, 4) {
        text.push_str(&format!("%ro_data_size = {}\n%ro_data = 01 02 0a\n", rng.below(10000)));
    }
    if rng.chance(1, 4) {
        text.push_str(&format!("%rw_data_size = {}\n%stack_size = {}\n", rng.below(100000), rng.below(70000)));
    }
    let mut defined = 0;
    let lines = 1 + rng.below(25);
    for index in 0..lines {
        if rng.chance(1, 5) && defined < LABELS.len() {
            let export = if rng.chance(1, 3) { "pub " } else { "" };
            let no_fallthrough = if rng.chance(1, 6) { " %no_fallthrough" } else { "" };
            text.push_str(&format!("{export}{}:{no_fallthrough}\n", LABELS[defined]));
            defined += 1;
        }
        if rng.chance(1, 12) {
            text.push_str("// a comment\n\n");
        }
        text.push_str(&format!("    {}\n", line(rng)));
        if index + 1 == lines && rng.chance(1, 2) {
            text.push_str("    ret\n");
        }
    }
    // Define the remaining labels so most programs link; occasionally leave one undefined.
    let keep_undefined = rng.chance(1, 20);
    while defined < LABELS.len() - usize::from(keep_undefined) {
        text.push_str(&format!("{}:\n    trap\n", LABELS[defined]));
        defined += 1;
    }
    text
}

/// Whether the only difference is Kestrel keeping a jump table whose entries are all 0 (the same
/// instructions; polkavm's blob has no jump table).
fn keeps_zero_jump_table(ours: &[u8], reference: &[u8]) -> bool {
    let parse = |bytes: &[u8]| kestrel_program::ProgramBlob::parse(bytes.into()).expect("assembled blobs parse");
    let (ours, reference) = (parse(ours), parse(reference));
    let instructions = |blob: &kestrel_program::ProgramBlob| blob.code_view().instructions().collect::<Vec<_>>();
    reference.jump_table().is_empty()
        && !ours.jump_table().is_empty()
        && ours.jump_table().iter().all(|entry| entry == 0)
        && instructions(&ours) == instructions(&reference)
}

/// The line number in an error message such as `cannot parse line 3: ...`, if any.
fn failing_line(message: &str) -> Option<u32> {
    let rest = &message[message.find("line ")? + 5..];
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[test]
fn generated_programs_assemble_like_the_reference() {
    let (mut accepted, mut rejected, mut extended, mut kept_jump_tables) = (0, 0, 0, 0);
    for isa in Isa::ALL {
        let mut rng = Rng::new(0xa55e_0000 + isa.index() as u64);
        let reference_isa = match isa {
            Isa::ReviveV1 => polkavm::program::InstructionSetKind::ReviveV1,
            Isa::JamV1 => polkavm::program::InstructionSetKind::JamV1,
            Isa::Latest32 => polkavm::program::InstructionSetKind::Latest32,
            Isa::Latest64 => polkavm::program::InstructionSetKind::Latest64,
        };
        for case in 0..2500 {
            let text = program(&mut rng, isa);
            let reference = polkavm::program::assemble(Some(reference_isa), &text);
            let ours = kestrel_program::asm::assemble(Some(isa), &text).map_err(|error| error.to_string());
            match (&ours, &reference) {
                // Deliberate: a jump table whose entries all point at offset 0 is kept (polkavm
                // writes it with entry size 0, which reads back as no jump table).
                (Ok(ours), Ok(reference)) if ours != reference && keeps_zero_jump_table(ours, reference) => {
                    kept_jump_tables += 1;
                }
                (Ok(ours), Ok(reference)) => {
                    assert_eq!(ours, reference, "{isa} case {case}, program:\n{text}");
                    accepted += 1;
                }
                // Kestrel's dialect is a superset (documented in docs/assembly.md), so it may accept
                // lines polkavm rejects, and then fail only on a later line.
                (Err(ours), Err(reference)) => {
                    assert!(
                        // A message without a line (a builder error) comes after every line was parsed.
                        failing_line(ours).unwrap_or(u32::MAX) >= failing_line(reference).unwrap_or(u32::MAX),
                        "{isa} case {case}: kestrel said {ours:?}, the reference said {reference:?}, program:\n{text}"
                    );
                    rejected += 1;
                }
                (Ok(_), Err(_)) => extended += 1,
                // polkavm's assembler returns blobs its own parser rejects (e.g. `%ro_data` longer
                // than `%ro_data_size`); Kestrel reports those (docs/assembly.md).
                (Err(ours), Ok(reference)) if polkavm::ProgramBlob::parse(reference.clone().into()).is_err() => {
                    assert!(ours.contains("the blob would not load"), "{isa} case {case}: {ours}");
                    rejected += 1;
                }
                (Err(ours), Ok(_)) => {
                    panic!("{isa} case {case}: kestrel rejected ({ours}) what polkavm accepts:\n{text}")
                }
            }
        }
    }
    eprintln!(
        "{accepted} programs assembled byte-identically, {rejected} rejected by both, {extended} accepted only by \
         Kestrel's dialect, {kept_jump_tables} with an all-zero jump table that Kestrel keeps"
    );
    assert!(accepted > 1000, "the generator should produce mostly valid programs");
}

#[test]
fn data_larger_than_declared_is_rejected_where_polkavm_writes_an_unloadable_blob() {
    let text = "%isa = jam_v1\n%ro_data = 81\ntrap\n";
    let reference = polkavm::program::assemble(None, text).expect("polkavm 0.37 assembles it");
    assert!(polkavm::ProgramBlob::parse(reference.into()).is_err(), "but cannot load the result");
    let ours = kestrel_program::asm::assemble(None, text).unwrap_err().to_string();
    assert!(ours.contains("the blob would not load"), "{ours}");
}

#[test]
fn cmov_not_zero_is_deliberately_fixed() {
    let text = "%isa = latest64\npub @main:\n    a0 = a1 if a2 != 0\n    ret\n";
    let reference = polkavm::program::assemble(None, text).expect("reference assembles");
    let ours = kestrel_program::asm::assemble(None, text).expect("kestrel assembles");
    assert_ne!(ours, reference, "polkavm 0.37 inverts the condition; Kestrel must not");
    let fixed = kestrel_program::ProgramBlob::parse(ours.into()).expect("parse");
    let first = fixed.code_view().instructions().next().expect("one instruction");
    assert_eq!(first.instruction.opcode, kestrel_program::Opcode::CmovIfNotZero);
}

#[test]
fn a_jump_table_pointing_at_offset_0_is_deliberately_kept() {
    let text = "%isa = jam_v1\n@start:\n    a0 = @start\n    jump [a0]\n";
    let reference = polkavm::program::assemble(None, text).expect("reference assembles");
    let ours = kestrel_program::asm::assemble(None, text).expect("kestrel assembles");
    assert!(keeps_zero_jump_table(&ours, &reference), "polkavm 0.37 drops the jump table; Kestrel must not");
}
