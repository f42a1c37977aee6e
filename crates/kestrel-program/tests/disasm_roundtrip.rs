//! Disassemble → assemble → decode: the re-assemblable text gives back the same instructions.

#![allow(clippy::print_stderr, reason = "a test says which real blob it skips")]

mod support;

use kestrel_program::asm::assemble;
use kestrel_program::disasm::{blob_to_assembly, to_assembly};
use kestrel_program::{
    ArcBytes, Args, Format, Instruction, InstructionSetKind, Opcode, ParsedInstruction, ProgramBlob, Reg,
};
use support::code::assembly_source;
use support::normalise::{normalise, normalise_blob};
use support::testdata;

/// Drops the `unlikely … fallthrough` padding the Latest64 writer inserts before 1024-byte
/// boundaries (only used on programs without either instruction).
fn without_padding(instructions: Vec<Instruction>) -> Vec<Instruction> {
    instructions.into_iter().filter(|i| !matches!(i.opcode, Opcode::Unlikely | Opcode::Fallthrough)).collect()
}

/// Operands for `opcode` from a few interesting values; all targets are offset 0.
fn sample_args(opcode: Opcode, value: i64, k: usize) -> Args {
    let m = value as u32;
    let (r1, r2, r3) = (Reg::ALL[k % 13], Reg::ALL[(k * 5 + 3) % 13], Reg::ALL[(k * 7 + 1) % 13]);
    // PolkaVM's assembler reads stored u8/u16 values only in 0..=255 / 0..=65535.
    let stored = match opcode {
        Opcode::StoreImmU8 | Opcode::StoreImmIndirectU8 => m & 0xff,
        Opcode::StoreImmU16 | Opcode::StoreImmIndirectU16 => m & 0xffff,
        _ => m.rotate_left(3),
    };
    match opcode.format() {
        Format::None => Args::None,
        Format::Imm => Args::Imm { imm: m },
        Format::Offset => Args::Offset { target: 0 },
        Format::RegImm => Args::RegImm { reg: r1, imm: m },
        Format::RegImm64 => Args::RegImm64 { reg: r1, imm: value as u64 },
        Format::RegImmImm => Args::RegImmImm { reg: r1, imm1: m, imm2: stored },
        Format::RegImmOffset => Args::RegImmOffset { reg: r1, imm: m, target: 0 },
        Format::ImmImm => Args::ImmImm { imm1: m, imm2: stored },
        Format::RegReg => Args::RegReg { reg1: r1, reg2: r2 },
        Format::RegRegImm => Args::RegRegImm { reg1: r1, reg2: r2, imm: m },
        Format::RegRegOffset => Args::RegRegOffset { reg1: r1, reg2: r2, target: 0 },
        Format::RegRegReg => Args::RegRegReg { reg1: r1, reg2: r2, reg3: r3 },
        Format::RegRegImmImm => Args::RegRegImmImm {
            reg1: r1,
            reg2: if k.is_multiple_of(2) { r1 } else { r2 },
            imm1: m,
            imm2: m.rotate_left(7),
        },
    }
}

#[test]
fn every_form_on_every_instruction_set() {
    let values: [i64; 7] = [0, 5, -16, -4095, 0x7fff_ffff, -0x8000_0000, 0x1234];
    for isa in InstructionSetKind::ALL {
        let mut instructions = vec![Instruction::new(Opcode::Trap, Args::None).unwrap()];
        for &opcode in Opcode::ALL.iter().filter(|opcode| opcode.is_in(isa)) {
            if matches!(opcode, Opcode::Unlikely | Opcode::Fallthrough) && isa == InstructionSetKind::Latest64 {
                continue; // indistinguishable from layout padding
            }
            for (k, &value) in values.iter().enumerate() {
                instructions.push(Instruction::new(opcode, sample_args(opcode, value, k)).unwrap());
            }
        }
        instructions.push(Instruction::INVALID);
        instructions.push(Instruction::new(Opcode::Trap, Args::None).unwrap());
        let items: Vec<ParsedInstruction> = (0u32..)
            .zip(&instructions)
            .map(|(offset, &instruction)| ParsedInstruction { offset, length: 1, instruction })
            .collect();
        let code_len = u32::try_from(items.len()).unwrap();
        let text = to_assembly(&assembly_source(isa, code_len, &items)).unwrap();
        let bytes = assemble(None, &text).unwrap_or_else(|error| panic!("{isa}: {error}"));
        let blob = ProgramBlob::parse(ArcBytes::from(bytes)).unwrap();
        let decoded: Vec<_> = blob.code_view().instructions().collect();
        let (got, _) = normalise(&decoded, blob.code_len());
        let (want, _) = normalise(&items, code_len);
        let (got, want) = if isa == InstructionSetKind::Latest64 {
            (without_padding(got), without_padding(want))
        } else {
            (got, want)
        };
        assert_eq!(got.len(), want.len(), "{isa}");
        for (got, want) in got.iter().zip(&want) {
            assert_eq!(got, want, "{isa}: {want}");
        }
    }
}

/// Real blobs: same instructions, jump table, exports, imports and data after the round trip.
#[test]
fn real_blobs() {
    for name in ["example-hello-world.polkavm", "quake.polkavm", "doom.polkavm"] {
        let Some(blob) = testdata::blob(name) else { continue };
        let text = blob_to_assembly(&blob).unwrap();
        let rebuilt = match assemble(None, &text) {
            Ok(rebuilt) => ProgramBlob::parse(ArcBytes::from(rebuilt)).unwrap(),
            Err(error) => panic!("{name}: {error}"),
        };
        let (old, new) = (normalise_blob(&blob), normalise_blob(&rebuilt));
        assert!(old.instructions == new.instructions, "{name}: instructions differ");
        assert_eq!(old.jump_table, new.jump_table, "{name}");
        assert_eq!(old.exports, new.exports, "{name}");
        assert!(old.imports == new.imports, "{name}");
        assert_eq!(old.ro_data, new.ro_data);
        assert_eq!(old.rw_data, new.rw_data);
        assert_eq!(old.sizes, new.sizes);
        if name.starts_with("example") {
            assert_eq!(
                blob.as_bytes(),
                rebuilt.as_bytes(),
                "the reference writer's own output comes back byte for byte"
            );
        }
    }
}
