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

/// Generates a loop in the shapes the interpreter runs inside one handler (a fused loop tail,
/// optionally after one plain head op): counter updates, a byte or word store or a byte copy,
/// and a branch back to the loop's start. Registers come from a pool of four, so operands often
/// alias (a counter that another op also writes, a branch on a non-counter); the first counter
/// starts so that, without aliasing, the loop ends after a few iterations. Block 0 sets the
/// registers up, block 1 is the loop, block 2 traps. Programs that do not end are the caller's
/// to stop (with gas metering on the reference).
pub fn random_loop_program(rng: &mut Rng, isa: InstructionSetKind) -> GeneratedProgram {
    const POOL: [Reg; 4] = [Reg::A0, Reg::A1, Reg::A2, Reg::A3];
    const STEPS: [u32; 6] = [1, 2, 4, 8, u32::MAX, 0xffff_fff8];
    let wide = Opcode::AddImm64.is_in(isa) && rng.chance(1, 3);
    let add_imm = if wide { Opcode::AddImm64 } else { Opcode::AddImm32 };
    let pool_reg = |rng: &mut Rng| *rng.pick(&POOL);

    let mut builder = ProgramBlobBuilder::new(isa);
    // The rw data then starts at 0x30000, where the counters point.
    builder.set_ro_data_size(RO_DATA_SIZE);
    builder.set_rw_data_size(RW_DATA_SIZE);
    let rw_len = rng.below(64) as usize;
    builder.set_rw_data(rng.bytes(rw_len));
    builder.set_stack_size(STACK_SIZE);

    // The loop's counters and branch operands.
    let (counter, other, bound) = (pool_reg(rng), pool_reg(rng), pool_reg(rng));
    let (step, other_step) = (*rng.pick(&STEPS), *rng.pick(&STEPS));
    let iterations = 1 + rng.below(6) as u32;
    let start = 0x30000 + 0x100 + rng.below(0x100) as u32;
    let setup = [
        (counter, start),
        (bound, start.wrapping_add(step.wrapping_mul(iterations))),
        (other, if rng.chance(1, 2) { 0 } else { 0x30000 + 0x800 + rng.below(0x100) as u32 }),
    ];
    for reg in POOL {
        let value = if rng.chance(1, 2) { 0x30000 + 0x400 + rng.below(0x200) as u32 } else { rng.below(64) as u32 };
        builder.push(Instruction { opcode: Opcode::LoadImm, args: Args::RegImm { reg, imm: value } });
    }
    for (reg, imm) in setup.into_iter().rev() {
        builder.push(Instruction { opcode: Opcode::LoadImm, args: Args::RegImm { reg, imm } });
    }
    builder.push(Instruction { opcode: Opcode::Fallthrough, args: Args::None });

    // The head: one plain op, usually one the interpreter runs inside the tail's handler (not
    // one that fuses with the tail's first op). It often writes a counter.
    let head_dest = |rng: &mut Rng| match rng.below(3) {
        0 => counter,
        1 => other,
        _ => pool_reg(rng),
    };
    let rri = |opcode, reg1: Reg, imm, rng: &mut Rng| Instruction {
        opcode,
        args: Args::RegRegImm { reg1, reg2: if rng.chance(1, 2) { reg1 } else { pool_reg(rng) }, imm },
    };
    match rng.below(8) {
        0..=2 => {}
        3 => {
            let args = Args::RegRegReg { reg1: head_dest(rng), reg2: pool_reg(rng), reg3: pool_reg(rng) };
            builder.push(Instruction { opcode: Opcode::ShiftLogicalRight32, args });
        }
        4 => {
            let dest = head_dest(rng);
            builder.push(rri(Opcode::ShiftLogicalLeftImm32, dest, 1, rng));
        }
        5 => {
            let dest = head_dest(rng);
            builder.push(rri(Opcode::LoadIndirectU8, dest, 0, rng));
        }
        6 => {
            let (dest, step) = (head_dest(rng), *rng.pick(&STEPS));
            builder.push(rri(add_imm, dest, step, rng));
        }
        _ => {
            let dest = head_dest(rng);
            builder.push(rri(Opcode::XorImm, dest, 0xff, rng));
        }
    }

    // The tail: mostly `r = r + step` updates, sometimes a different destination.
    let update = |reg: Reg, step: u32, rng: &mut Rng| {
        let source = if rng.chance(4, 5) { reg } else { pool_reg(rng) };
        Instruction { opcode: add_imm, args: Args::RegRegImm { reg1: reg, reg2: source, imm: step } }
    };
    let memory = |opcode, rng: &mut Rng, base: Reg| Instruction {
        opcode,
        args: Args::RegRegImm { reg1: pool_reg(rng), reg2: base, imm: 0 },
    };
    match rng.below(4) {
        shape @ (0 | 1) => {
            let store = if shape == 0 { Opcode::StoreIndirectU8 } else { Opcode::StoreIndirectU32 };
            builder.push(memory(store, rng, counter));
            builder.push(update(counter, step, rng));
            builder.push(update(other, other_step, rng));
        }
        2 => {
            builder.push(memory(Opcode::LoadIndirectU8, rng, other));
            builder.push(update(other, other_step, rng));
            builder.push(memory(Opcode::StoreIndirectU8, rng, counter));
            builder.push(update(counter, step, rng));
        }
        _ => {
            builder.push(update(counter, step, rng));
            builder.push(update(other, other_step, rng));
        }
    }
    let (first, second) = if rng.chance(3, 4) { (counter, bound) } else { (pool_reg(rng), pool_reg(rng)) };
    let branch = *rng.pick(&[Opcode::BranchNotEq, Opcode::BranchNotEq, Opcode::BranchLessUnsigned, Opcode::BranchEq]);
    builder.push(Instruction { opcode: branch, args: Args::RegRegOffset { reg1: first, reg2: second, target: 1 } });
    builder.push(Instruction { opcode: Opcode::Trap, args: Args::None });
    builder.add_export_by_basic_block(0, b"main");
    let blob = builder.to_vec().expect("generated loops are buildable");
    GeneratedProgram { blob, blocks: 3 }
}
