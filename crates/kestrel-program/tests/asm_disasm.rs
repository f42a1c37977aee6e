//! Disassemble → assemble: the disassembler's output, read back by the assembler.

mod support;

use kestrel_program::asm::assemble;
use kestrel_program::disasm::{InstructionFormat, blob_to_assembly, disassemble};
use kestrel_program::{ArcBytes, ProgramBlob};
use support::normalise::normalise_blob;
use support::spec::SUM_LISTING;
use support::testdata;

#[test]
fn spec_program_listing() {
    let bytes = assemble(None, include_str!("asm_data/spec_program.s")).unwrap();
    let blob = ProgramBlob::parse(ArcBytes::from(bytes)).unwrap();
    let listing = disassemble(blob.code_view().instructions(), &InstructionFormat::default());
    assert_eq!(listing, SUM_LISTING);
}

/// Disassembles a real blob into re-assemblable text and assembles it again.
fn reassemble(name: &str) -> Option<(ProgramBlob, ProgramBlob)> {
    let blob = testdata::blob(name)?;
    let text = blob_to_assembly(&blob).unwrap();
    let rebuilt = assemble(None, &text).unwrap_or_else(|error| {
        let line = error.line().and_then(|line| text.lines().nth(line - 1)).unwrap_or("");
        panic!("{name}: {error} [{line}]")
    });
    Some((blob, ProgramBlob::parse(ArcBytes::from(rebuilt)).unwrap()))
}

fn round_trip_bytes(name: &str) {
    let Some((original, rebuilt)) = reassemble(name) else { return };
    assert!(original.as_bytes() == rebuilt.as_bytes(), "{name}: the rebuilt blob differs");
}

#[test]
fn hello_world_round_trip() {
    round_trip_bytes("example-hello-world.polkavm");
}

#[test]
fn doom_round_trip() {
    round_trip_bytes("doom.polkavm");
}

/// Quake's blob was laid out by an older linker (and carries debug sections), so only the
/// program, not the bytes, survives the round trip.
#[test]
fn quake_round_trip() {
    let Some((original, rebuilt)) = reassemble("quake.polkavm") else { return };
    let count = original.code_view().instructions().count();
    assert!(count > 50_000, "{count}");
    assert!(normalise_blob(&original) == normalise_blob(&rebuilt), "quake.polkavm: the rebuilt program differs");
}

/// Every instruction without a target, with extreme operands, in every instruction set that has
/// it: build a blob, print it as source, assemble the source, compare the bytes.
#[test]
fn extreme_operands_round_trip() {
    use kestrel_program::builder::ProgramBlobBuilder;
    use kestrel_program::{Args, Instruction, InstructionSetKind, Opcode, Reg};
    const IMMS: [u32; 14] = [
        0,
        1,
        u32::MAX,
        127,
        128,
        255,
        256,
        0x7fff,
        0x8000,
        0xffff,
        0x1_0000,
        0x7fff_ffff,
        0x8000_0000,
        (-4095i32) as u32,
    ];
    const IMM64: [u64; 5] = [0, 5, u64::MAX, 0x8000_0000, 0x1122_3344_5566_7788];
    let regs = [(Reg::A0, Reg::A1), (Reg::RA, Reg::RA), (Reg::A5, Reg::SP)];
    let mut count = 0;
    for &opcode in Opcode::ALL {
        let mut variants = Vec::new();
        for &(r1, r2) in &regs {
            for (k, &imm) in IMMS.iter().enumerate() {
                let imm2 = IMMS[(k * 5 + 3) % IMMS.len()];
                let args = match opcode.format() {
                    kestrel_program::Format::None => Args::None,
                    kestrel_program::Format::Imm => Args::Imm { imm },
                    kestrel_program::Format::RegImm => Args::RegImm { reg: r1, imm },
                    kestrel_program::Format::RegImm64 => Args::RegImm64 { reg: r1, imm: IMM64[k % IMM64.len()] },
                    kestrel_program::Format::RegImmImm => Args::RegImmImm { reg: r1, imm1: imm, imm2 },
                    kestrel_program::Format::ImmImm => Args::ImmImm { imm1: imm, imm2 },
                    kestrel_program::Format::RegReg => Args::RegReg { reg1: r1, reg2: r2 },
                    kestrel_program::Format::RegRegImm => Args::RegRegImm { reg1: r1, reg2: r2, imm },
                    kestrel_program::Format::RegRegReg => Args::RegRegReg { reg1: r1, reg2: r2, reg3: Reg::T2 },
                    kestrel_program::Format::RegRegImmImm => Args::RegRegImmImm { reg1: r1, reg2: r2, imm1: imm, imm2 },
                    _ => continue,
                };
                variants.push(Instruction { opcode, args });
            }
        }
        for isa in InstructionSetKind::ALL {
            if !opcode.is_in(isa) {
                continue;
            }
            for &instruction in &variants {
                let mut builder = ProgramBlobBuilder::new(isa);
                builder.push(instruction);
                builder.push(Instruction { opcode: Opcode::Trap, args: Args::None });
                let original = builder.to_vec().unwrap();
                let blob = ProgramBlob::parse(ArcBytes::from(original.clone())).unwrap();
                let text = blob_to_assembly(&blob).unwrap();
                match assemble(None, &text) {
                    Ok(rebuilt) => assert!(rebuilt == original, "{isa} {instruction:?}: bytes differ\n{text}"),
                    Err(error) => panic!("{isa} {instruction:?}: {error}\n{text}"),
                }
                count += 1;
            }
        }
    }
    assert!(count > 5000, "{count}");
}
