//! Random but well-formed programs for differential execution: every basic block ends with a
//! terminator, targets are basic-block indices (the builder's convention), memory operations aim
//! mostly at mapped memory, and a jump table makes dynamic jumps meaningful.

use crate::Rng;
use kestrel_program::{Args, Format, Instruction, InstructionSetKind, Opcode, ProgramBlobBuilder, Reg};

/// Guest addresses the generator aims memory operations at (for the layout it declares).
pub const INTERESTING_ADDRESSES: [u32; 14] = [
    0x10000, 0x10ff8, 0x20000, 0x30000, 0x30010, 0x31ff8, 0x32000, 0x30100, 0xfffdfff8, 0xfffde000, 0xfffdf000, 0x0,
    0xfffffffc, 0x31fff,
];

/// Sizes of the memory regions of generated programs.
pub const RO_DATA_SIZE: u32 = 0x1000;
pub const RW_DATA_SIZE: u32 = 0x2000;
pub const STACK_SIZE: u32 = 0x2000;

/// A generated program: its blob and the number of basic blocks.
#[derive(Debug)]
pub struct GeneratedProgram {
    pub blob: Vec<u8>,
    pub blocks: u32,
}

fn reg(rng: &mut Rng) -> Reg {
    Reg::ALL[rng.below(13) as usize]
}

fn imm(rng: &mut Rng) -> u32 {
    match rng.below(6) {
        0 | 1 => *rng.pick(&INTERESTING_ADDRESSES),
        2 => rng.below(64) as u32,
        _ => rng.interesting_u64() as u32,
    }
}

/// Picks a target block: anywhere, or (for programs that must terminate without gas metering)
/// strictly after the current block.
fn target_block(rng: &mut Rng, current: u32, blocks: u32, forward_only: bool) -> u32 {
    if forward_only {
        let remaining = blocks - current - 1;
        if remaining == 0 { current } else { current + 1 + rng.below(u64::from(remaining)) as u32 }
    } else {
        rng.below(u64::from(blocks)) as u32
    }
}

fn args_for(rng: &mut Rng, opcode: Opcode, target: u32, jump_table_len: u32) -> Args {
    match opcode.format() {
        Format::None => Args::None,
        Format::Imm => Args::Imm { imm: rng.below(4) as u32 },
        Format::Offset => Args::Offset { target },
        Format::RegImm => {
            // A dynamic jump through a register usually goes to a jump-table address.
            let imm = if opcode == Opcode::JumpIndirect && rng.chance(1, 2) { 0 } else { imm(rng) };
            Args::RegImm { reg: reg(rng), imm }
        }
        Format::RegImm64 => Args::RegImm64 { reg: reg(rng), imm: rng.interesting_u64() },
        Format::RegImmImm => Args::RegImmImm { reg: reg(rng), imm1: imm(rng), imm2: imm(rng) },
        Format::RegImmOffset => {
            let imm = if opcode == Opcode::LoadImmAndJump && jump_table_len > 0 && rng.chance(1, 2) {
                2 * (1 + rng.below(u64::from(jump_table_len)) as u32)
            } else {
                imm(rng)
            };
            Args::RegImmOffset { reg: reg(rng), imm, target }
        }
        Format::ImmImm => Args::ImmImm { imm1: imm(rng), imm2: imm(rng) },
        Format::RegReg => Args::RegReg { reg1: reg(rng), reg2: reg(rng) },
        Format::RegRegImm => Args::RegRegImm { reg1: reg(rng), reg2: reg(rng), imm: imm(rng) },
        Format::RegRegOffset => Args::RegRegOffset { reg1: reg(rng), reg2: reg(rng), target },
        Format::RegRegReg => Args::RegRegReg { reg1: reg(rng), reg2: reg(rng), reg3: reg(rng) },
        Format::RegRegImmImm => {
            let imm2 = if rng.chance(1, 2) { 0 } else { imm(rng) };
            Args::RegRegImmImm { reg1: reg(rng), reg2: reg(rng), imm1: imm(rng), imm2 }
        }
    }
}

/// Generates a program for `isa` with up to `max_blocks` basic blocks. With `forward_only` every
/// static jump goes forward and there is no jump table, so the program always terminates (a jump
/// from the last block to itself is turned into a trap).
pub fn random_program(rng: &mut Rng, isa: InstructionSetKind, max_blocks: u32, forward_only: bool) -> GeneratedProgram {
    let available: Vec<Opcode> = Opcode::ALL.iter().copied().filter(|op| op.is_in(isa)).collect();
    let straight: Vec<Opcode> = available.iter().copied().filter(|op| !op.ends_block()).collect();
    let terminators: Vec<Opcode> = available.iter().copied().filter(|op| op.ends_block()).collect();
    let blocks = 1 + rng.below(u64::from(max_blocks)) as u32;
    let jump_table_len = if forward_only { 0 } else { rng.below(5) };
    let jump_table: Vec<u32> = (0..jump_table_len).map(|_| rng.below(u64::from(blocks)) as u32).collect();
    let jump_table_len = jump_table.len() as u32;

    let mut builder = ProgramBlobBuilder::new(isa);
    builder.set_ro_data_size(RO_DATA_SIZE);
    let ro_len = rng.below(64) as usize;
    builder.set_ro_data(rng.bytes(ro_len));
    builder.set_rw_data_size(RW_DATA_SIZE);
    let rw_len = rng.below(64) as usize;
    builder.set_rw_data(rng.bytes(rw_len));
    builder.set_stack_size(STACK_SIZE);
    for &block in &jump_table {
        builder.add_jump_table_entry(block);
    }
    for block in 0..blocks {
        for _ in 0..rng.below(8) {
            let mut opcode = *rng.pick(&straight);
            // memset with a huge count would dominate the run; keep it rarer.
            if opcode == Opcode::Memset && rng.chance(3, 4) {
                opcode = Opcode::AddImm32;
            }
            let target = target_block(rng, block, blocks, forward_only);
            let args = args_for(rng, opcode, target, jump_table_len);
            builder.push(Instruction { opcode, args });
            if opcode == Opcode::LoadImm && jump_table_len > 0 && rng.chance(1, 4) {
                // Follow with a dynamic jump through the freshly loaded jump-table address.
                let Args::RegImm { reg, .. } = args else { unreachable!() };
                let address = 2 * (1 + rng.below(u64::from(jump_table_len)) as u32);
                builder.push(Instruction { opcode: Opcode::LoadImm, args: Args::RegImm { reg, imm: address } });
            }
        }
        let mut terminator = if rng.chance(1, 6) { Opcode::JumpIndirect } else { *rng.pick(&terminators) };
        let target = target_block(rng, block, blocks, forward_only);
        if forward_only && target == block && terminator.control() != kestrel_program::Control::No {
            // The last block cannot jump forward; only dynamic jumps and traps are safe there.
            if !matches!(terminator, Opcode::JumpIndirect | Opcode::LoadImmAndJumpIndirect | Opcode::Trap) {
                terminator = Opcode::Trap;
            }
        }
        let args = args_for(rng, terminator, target, jump_table_len);
        builder.push(Instruction { opcode: terminator, args });
    }
    builder.add_export_by_basic_block(0, b"main");
    let blob = builder.to_vec().expect("generated programs are buildable");
    GeneratedProgram { blob, blocks }
}
