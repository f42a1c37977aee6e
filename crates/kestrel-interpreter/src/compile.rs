//! Lowering a decoded program into the dispatch form of [`crate::ops`], once per module.
//!
//! The whole code is decoded linearly and split into basic blocks (a block ends after every
//! terminator, `invalid` included). Each instruction becomes one op, optionally preceded by a
//! `Step` op (step tracing) and, for a block's first instruction, a `Charge` op carrying the
//! whole block's cost. All control-flow validity checks of `instructions.md` §7.4 are done here,
//! so a branch with an invalid target or an unusable fall-through simply becomes `Trap`.

use kestrel_program::cost::CostModel;
use kestrel_program::{Args, Opcode, ParsedInstruction, Reg};

use crate::ops::{Metering, Op, ZERO_REG};

/// Marker for "not a valid jump target" in the resolved jump table.
pub const NO_TARGET: u32 = u32::MAX;

/// How gas is metered, as far as code generation is concerned.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum GasMode {
    None,
    Sync,
    Async,
    /// Deprecated per-instruction metering: `Charge` of each instruction's cost before it.
    PerInstruction,
}

/// A host entry point: an instruction boundary and how to enter there.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Entry {
    pub pc: u32,
    /// First op to run.
    pub op: u32,
    /// Gas charged on entry (the enclosing block's cost when entering mid-block).
    pub charge: u64,
}

/// A basic block: its start, its first op and its cost.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct BlockStart {
    pub pc: u32,
    pub op: u32,
    pub cost: u64,
}

/// The compiled, immutable form of a module's code.
#[derive(Clone, Debug)]
pub struct CompiledCode {
    pub ops: Vec<Op>,
    /// Program counter reported for each op.
    pub op_pc: Vec<u32>,
    /// Host entry points, sorted by pc.
    pub entries: Vec<Entry>,
    /// Block starts, sorted by pc.
    pub blocks: Vec<BlockStart>,
    /// Jump table entries resolved to op indices ([`NO_TARGET`] if invalid).
    pub jump_table: Vec<u32>,
    pub code_len: u32,
    /// Cost of the implicit trap block at or beyond the code end.
    pub end_trap_cost: u64,
}

/// What the compiler needs to know about the program.
pub struct CompileInput<'a> {
    pub is_64_bit: bool,
    pub is_latest64: bool,
    pub code_len: u32,
    /// The linear decode of the whole code (`decode::Code::instructions`).
    pub instructions: Vec<ParsedInstruction>,
    /// Decoder's valid-jump-target test (`instructions.md` §7.2).
    pub is_valid_jump_target: &'a dyn Fn(u32) -> bool,
    /// Raw jump table entries (code offsets).
    pub jump_table: Vec<u32>,
    pub cost_model: &'a CostModel,
    pub gas: GasMode,
    pub step_tracing: bool,
}

fn sx(imm: u32) -> u64 {
    imm as i32 as i64 as u64
}

fn r(reg: Reg) -> u8 {
    reg.index()
}

impl CompiledCode {
    pub fn compile(mut input: CompileInput<'_>) -> CompiledCode {
        let code_len = input.code_len;
        let cost_of = |item: &ParsedInstruction| -> u64 {
            // The implicit end trap (an `invalid` item at the code end) costs a `trap`.
            let opcode = if item.offset >= code_len { Opcode::Trap } else { item.instruction.opcode };
            u64::from(input.cost_model.cost_for(opcode))
        };

        // Drop the §3.6 zero-length `invalid` items that would start a block: nothing can reach
        // them (a jump to that offset lands on the real instruction decoded there).
        let mut items = Vec::with_capacity(input.instructions.len());
        let mut at_block_start = true;
        for item in core::mem::take(&mut input.instructions) {
            if at_block_start && item.length == 0 && item.instruction.opcode == Opcode::Invalid {
                continue;
            }
            at_block_start = item.instruction.ends_block();
            items.push(item);
        }

        let mut ops = Vec::with_capacity(items.len() + items.len() / 4 + 1);
        let mut op_pc = Vec::with_capacity(ops.capacity());
        let mut entries: Vec<Entry> = Vec::with_capacity(items.len());
        let mut blocks = Vec::new();
        let metering = match input.gas {
            GasMode::None => Metering::None,
            GasMode::Sync | GasMode::PerInstruction => Metering::Sync,
            GasMode::Async => Metering::Async,
        };

        let mut start = 0;
        while start < items.len() {
            let mut end = start;
            while end < items.len() && !items[end].instruction.ends_block() {
                end += 1;
            }
            let end = (end + 1).min(items.len());
            let block = &items[start..end];
            let cost: u64 = block.iter().map(cost_of).sum();
            let block_op = ops.len() as u32;
            blocks.push(BlockStart { pc: block[0].offset, op: block_op, cost });

            for (k, item) in block.iter().enumerate() {
                let pc = item.offset;
                let item_op = ops.len() as u32;
                let mut push = |op: Op| {
                    ops.push(op);
                    op_pc.push(pc);
                };
                if input.step_tracing {
                    push(Op::Step);
                }
                match input.gas {
                    GasMode::Sync if k == 0 => push(Op::Charge { cost: cost.min(u64::from(u32::MAX)) as u32 }),
                    GasMode::Async if k == 0 => push(Op::ChargeAsync { cost: cost.min(u64::from(u32::MAX)) as u32 }),
                    GasMode::PerInstruction => push(Op::Charge { cost: cost_of(item) as u32 }),
                    _ => {}
                }
                let op = lower(item, &input, metering);
                push(op);

                let fresh = entries.last().is_none_or(|last| last.pc < pc);
                if pc < code_len && fresh {
                    let entry = if k == 0 {
                        Entry { pc, op: block_op, charge: 0 }
                    } else {
                        let charge = if matches!(input.gas, GasMode::Sync | GasMode::Async) { cost } else { 0 };
                        Entry { pc, op: item_op, charge }
                    };
                    entries.push(entry);
                }
            }
            start = end;
        }
        // Guard so execution can never run past the last op.
        ops.push(Op::Trap);
        op_pc.push(code_len);

        // Resolve static targets now that every block start has an op index.
        let resolve = |target: u32| -> u32 {
            if !(input.is_valid_jump_target)(target) {
                return NO_TARGET;
            }
            match blocks.binary_search_by_key(&target, |block: &BlockStart| block.pc) {
                Ok(index) => blocks[index].op,
                Err(_) => NO_TARGET,
            }
        };
        for op in ops.iter_mut() {
            let Some(target) = op.target_mut() else { continue };
            let resolved = resolve(*target);
            if resolved != NO_TARGET {
                *target = resolved;
                continue;
            }
            *op = match *op {
                Op::LoadImmAndJump { d, imm, .. } => Op::LoadImmAndTrap { d, imm },
                _ => Op::Trap,
            };
        }
        let jump_table = input.jump_table.iter().map(|&target| resolve(target)).collect();
        if !input.step_tracing && input.gas != GasMode::PerInstruction {
            crate::fuse::fuse(&mut ops);
        }

        CompiledCode {
            ops,
            op_pc,
            entries,
            blocks,
            jump_table,
            code_len,
            end_trap_cost: u64::from(input.cost_model.cost_for(Opcode::Trap)),
        }
    }

    /// The host entry at `pc`, if `pc` is an instruction boundary inside the code.
    pub fn entry(&self, pc: u32) -> Option<Entry> {
        let index = self.entries.binary_search_by_key(&pc, |entry| entry.pc).ok()?;
        self.entries.get(index).copied()
    }

    /// `Module::calculate_gas_cost_for` (`runtime.md` §9.6).
    pub fn block_cost_at(&self, pc: u32) -> Option<u64> {
        if pc >= self.code_len {
            return Some(self.end_trap_cost);
        }
        let index = self.blocks.binary_search_by_key(&pc, |block| block.pc).ok()?;
        Some(self.blocks[index].cost)
    }
}

/// Lowers one instruction. Static targets are left as code offsets (resolved by the caller).
fn lower(item: &ParsedInstruction, input: &CompileInput<'_>, metering: Metering) -> Op {
    use Opcode as O;
    let opcode = item.instruction.opcode;
    let args = item.instruction.args;
    let next = item.next_offset();

    // A fall-through into something that is not a valid block start traps at the instruction.
    if matches!(opcode.control(), kestrel_program::Control::Branch | kestrel_program::Control::Fallthrough)
        && !(input.is_valid_jump_target)(next)
    {
        return Op::Trap;
    }

    match (opcode, args) {
        (O::Trap | O::Invalid, _) => Op::Trap,
        (O::Fallthrough | O::Unlikely, _) => Op::Nop,
        (O::Memset, _) => Op::Memset { wide: input.is_latest64, metering },
        (O::Ecalli, Args::Imm { imm }) => Op::Ecalli { imm },
        (O::Jump, Args::Offset { target }) => Op::Jump { target },
        (O::JumpIndirect, Args::RegImm { reg, imm }) => Op::JumpIndirect { b: r(reg), off: imm },
        (O::LoadImm, Args::RegImm { reg, imm }) => Op::LoadImm { d: r(reg), imm: sx(imm) },
        (O::LoadImm64, Args::RegImm64 { reg, imm }) => Op::LoadImm { d: r(reg), imm },
        (O::LoadImmAndJump, Args::RegImmOffset { reg, imm, target }) => {
            Op::LoadImmAndJump { d: r(reg), target, imm: sx(imm) }
        }
        (O::LoadImmAndJumpIndirect, Args::RegRegImmImm { reg1, reg2, imm1, imm2 }) => {
            Op::LoadImmAndJumpIndirect { d: r(reg1), b: r(reg2), imm: imm1, off: imm2 }
        }
        (_, Args::RegImm { reg, imm }) => {
            let (x, b, off) = (r(reg), ZERO_REG, imm);
            match opcode {
                O::LoadU8 => Op::LoadU8 { d: x, b, off },
                O::LoadI8 => Op::LoadI8 { d: x, b, off },
                O::LoadU16 => Op::LoadU16 { d: x, b, off },
                O::LoadI16 => Op::LoadI16 { d: x, b, off },
                O::LoadU32 => Op::LoadU32 { d: x, b, off },
                O::LoadI32 => Op::LoadI32 { d: x, b, off },
                O::LoadU64 => Op::LoadU64 { d: x, b, off },
                O::StoreU8 => Op::StoreU8 { s: x, b, off },
                O::StoreU16 => Op::StoreU16 { s: x, b, off },
                O::StoreU32 => Op::StoreU32 { s: x, b, off },
                O::StoreU64 => Op::StoreU64 { s: x, b, off },
                _ => Op::Trap,
            }
        }
        (_, Args::ImmImm { imm1, imm2 }) => lower_store_imm(opcode, ZERO_REG, imm1, sx(imm2)),
        (_, Args::RegImmImm { reg, imm1, imm2 }) => lower_store_imm(opcode, r(reg), imm1, sx(imm2)),
        (_, Args::RegImmOffset { reg, imm, target }) => {
            let (s, imm) = (r(reg), sx(imm));
            match opcode {
                O::BranchEqImm => Op::BranchEqImm { s, target, imm },
                O::BranchNotEqImm => Op::BranchNotEqImm { s, target, imm },
                O::BranchLessUnsignedImm => Op::BranchLessUnsignedImm { s, target, imm },
                O::BranchLessSignedImm => Op::BranchLessSignedImm { s, target, imm },
                O::BranchGreaterOrEqualUnsignedImm => Op::BranchGreaterOrEqualUnsignedImm { s, target, imm },
                O::BranchGreaterOrEqualSignedImm => Op::BranchGreaterOrEqualSignedImm { s, target, imm },
                O::BranchLessOrEqualUnsignedImm => Op::BranchLessOrEqualUnsignedImm { s, target, imm },
                O::BranchLessOrEqualSignedImm => Op::BranchLessOrEqualSignedImm { s, target, imm },
                O::BranchGreaterUnsignedImm => Op::BranchGreaterUnsignedImm { s, target, imm },
                O::BranchGreaterSignedImm => Op::BranchGreaterSignedImm { s, target, imm },
                _ => Op::Trap,
            }
        }
        (_, Args::RegRegOffset { reg1, reg2, target }) => {
            let (s1, s2) = (r(reg1), r(reg2));
            match opcode {
                O::BranchEq => Op::BranchEq { s1, s2, target },
                O::BranchNotEq => Op::BranchNotEq { s1, s2, target },
                O::BranchLessUnsigned => Op::BranchLessUnsigned { s1, s2, target },
                O::BranchLessSigned => Op::BranchLessSigned { s1, s2, target },
                O::BranchGreaterOrEqualUnsigned => Op::BranchGreaterOrEqualUnsigned { s1, s2, target },
                O::BranchGreaterOrEqualSigned => Op::BranchGreaterOrEqualSigned { s1, s2, target },
                _ => Op::Trap,
            }
        }
        (_, Args::RegRegImm { reg1, reg2, imm }) => lower_reg_reg_imm(opcode, r(reg1), r(reg2), imm),
        (_, Args::RegRegReg { reg1, reg2, reg3 }) => {
            lower_reg_reg_reg(opcode, r(reg1), r(reg2), r(reg3), input.is_64_bit)
        }
        (_, Args::RegReg { reg1, reg2 }) => {
            let (d, s) = (r(reg1), r(reg2));
            match opcode {
                O::MoveReg => Op::MoveReg { d, s },
                O::Sbrk => Op::Sbrk { d, s, wide: input.is_latest64 },
                O::CountLeadingZeroBits32 => Op::CountLeadingZeroBits32 { d, s },
                O::CountLeadingZeroBits64 => Op::CountLeadingZeroBits64 { d, s },
                O::CountTrailingZeroBits32 => Op::CountTrailingZeroBits32 { d, s },
                O::CountTrailingZeroBits64 => Op::CountTrailingZeroBits64 { d, s },
                O::CountSetBits32 => Op::CountSetBits32 { d, s },
                O::CountSetBits64 => Op::CountSetBits64 { d, s },
                O::SignExtend8 => Op::SignExtend8 { d, s },
                O::SignExtend16 => Op::SignExtend16 { d, s },
                O::ZeroExtend16 => Op::ZeroExtend16 { d, s },
                O::ReverseByte if input.is_64_bit => Op::ReverseByte64 { d, s },
                O::ReverseByte => Op::ReverseByte32 { d, s },
                _ => Op::Trap,
            }
        }
        _ => Op::Trap,
    }
}

fn lower_store_imm(opcode: Opcode, b: u8, off: u32, imm: u64) -> Op {
    match opcode {
        Opcode::StoreImmU8 | Opcode::StoreImmIndirectU8 => Op::StoreImmU8 { b, off, imm },
        Opcode::StoreImmU16 | Opcode::StoreImmIndirectU16 => Op::StoreImmU16 { b, off, imm },
        Opcode::StoreImmU32 | Opcode::StoreImmIndirectU32 => Op::StoreImmU32 { b, off, imm },
        Opcode::StoreImmU64 | Opcode::StoreImmIndirectU64 => Op::StoreImmU64 { b, off, imm },
        _ => Op::Trap,
    }
}

fn lower_reg_reg_imm(opcode: Opcode, reg1: u8, reg2: u8, raw: u32) -> Op {
    use Opcode as O;
    let (d, s, imm) = (reg1, reg2, sx(raw));
    let (b, off) = (reg2, raw);
    match opcode {
        O::StoreIndirectU8 => Op::StoreU8 { s: reg1, b, off },
        O::StoreIndirectU16 => Op::StoreU16 { s: reg1, b, off },
        O::StoreIndirectU32 => Op::StoreU32 { s: reg1, b, off },
        O::StoreIndirectU64 => Op::StoreU64 { s: reg1, b, off },
        O::LoadIndirectU8 => Op::LoadU8 { d, b, off },
        O::LoadIndirectI8 => Op::LoadI8 { d, b, off },
        O::LoadIndirectU16 => Op::LoadU16 { d, b, off },
        O::LoadIndirectI16 => Op::LoadI16 { d, b, off },
        O::LoadIndirectU32 => Op::LoadU32 { d, b, off },
        O::LoadIndirectI32 => Op::LoadI32 { d, b, off },
        O::LoadIndirectU64 => Op::LoadU64 { d, b, off },
        O::AddImm32 => Op::AddImm32 { d, s, imm },
        O::AddImm64 => Op::AddImm64 { d, s, imm },
        O::AndImm => Op::AndImm { d, s, imm },
        O::XorImm => Op::XorImm { d, s, imm },
        O::OrImm => Op::OrImm { d, s, imm },
        O::MulImm32 => Op::MulImm32 { d, s, imm },
        O::MulImm64 => Op::MulImm64 { d, s, imm },
        O::SetLessThanUnsignedImm => Op::SetLessThanUnsignedImm { d, s, imm },
        O::SetLessThanSignedImm => Op::SetLessThanSignedImm { d, s, imm },
        O::SetGreaterThanUnsignedImm => Op::SetGreaterThanUnsignedImm { d, s, imm },
        O::SetGreaterThanSignedImm => Op::SetGreaterThanSignedImm { d, s, imm },
        O::ShiftLogicalLeftImm32 => Op::ShiftLogicalLeftImm32 { d, s, imm },
        O::ShiftLogicalLeftImm64 => Op::ShiftLogicalLeftImm64 { d, s, imm },
        O::ShiftLogicalRightImm32 => Op::ShiftLogicalRightImm32 { d, s, imm },
        O::ShiftLogicalRightImm64 => Op::ShiftLogicalRightImm64 { d, s, imm },
        O::ShiftArithmeticRightImm32 => Op::ShiftArithmeticRightImm32 { d, s, imm },
        O::ShiftArithmeticRightImm64 => Op::ShiftArithmeticRightImm64 { d, s, imm },
        O::ShiftLogicalLeftImmAlt32 => Op::ShiftLogicalLeftImmAlt32 { d, s, imm },
        O::ShiftLogicalLeftImmAlt64 => Op::ShiftLogicalLeftImmAlt64 { d, s, imm },
        O::ShiftLogicalRightImmAlt32 => Op::ShiftLogicalRightImmAlt32 { d, s, imm },
        O::ShiftLogicalRightImmAlt64 => Op::ShiftLogicalRightImmAlt64 { d, s, imm },
        O::ShiftArithmeticRightImmAlt32 => Op::ShiftArithmeticRightImmAlt32 { d, s, imm },
        O::ShiftArithmeticRightImmAlt64 => Op::ShiftArithmeticRightImmAlt64 { d, s, imm },
        O::NegateAndAddImm32 => Op::NegateAndAddImm32 { d, s, imm },
        O::NegateAndAddImm64 => Op::NegateAndAddImm64 { d, s, imm },
        O::CmovIfZeroImm => Op::CmovIfZeroImm { d, c: s, imm },
        O::CmovIfNotZeroImm => Op::CmovIfNotZeroImm { d, c: s, imm },
        O::RotateRightImm32 => Op::RotateRightImm32 { d, s, imm },
        O::RotateRightImm64 => Op::RotateRightImm64 { d, s, imm },
        O::RotateRightImmAlt32 => Op::RotateRightImmAlt32 { d, s, imm },
        O::RotateRightImmAlt64 => Op::RotateRightImmAlt64 { d, s, imm },
        _ => Op::Trap,
    }
}

fn lower_reg_reg_reg(opcode: Opcode, d: u8, s1: u8, s2: u8, is_64_bit: bool) -> Op {
    use Opcode as O;
    match opcode {
        O::Add32 => Op::Add32 { d, s1, s2 },
        O::Add64 => Op::Add64 { d, s1, s2 },
        O::Sub32 => Op::Sub32 { d, s1, s2 },
        O::Sub64 => Op::Sub64 { d, s1, s2 },
        O::And => Op::And { d, s1, s2 },
        O::Xor => Op::Xor { d, s1, s2 },
        O::Or => Op::Or { d, s1, s2 },
        O::Mul32 => Op::Mul32 { d, s1, s2 },
        O::Mul64 => Op::Mul64 { d, s1, s2 },
        O::MulUpperSignedSigned if is_64_bit => Op::MulUpperSignedSigned64 { d, s1, s2 },
        O::MulUpperSignedSigned => Op::MulUpperSignedSigned32 { d, s1, s2 },
        O::MulUpperUnsignedUnsigned if is_64_bit => Op::MulUpperUnsignedUnsigned64 { d, s1, s2 },
        O::MulUpperUnsignedUnsigned => Op::MulUpperUnsignedUnsigned32 { d, s1, s2 },
        O::MulUpperSignedUnsigned if is_64_bit => Op::MulUpperSignedUnsigned64 { d, s1, s2 },
        O::MulUpperSignedUnsigned => Op::MulUpperSignedUnsigned32 { d, s1, s2 },
        O::SetLessThanUnsigned => Op::SetLessThanUnsigned { d, s1, s2 },
        O::SetLessThanSigned => Op::SetLessThanSigned { d, s1, s2 },
        O::ShiftLogicalLeft32 => Op::ShiftLogicalLeft32 { d, s1, s2 },
        O::ShiftLogicalLeft64 => Op::ShiftLogicalLeft64 { d, s1, s2 },
        O::ShiftLogicalRight32 => Op::ShiftLogicalRight32 { d, s1, s2 },
        O::ShiftLogicalRight64 => Op::ShiftLogicalRight64 { d, s1, s2 },
        O::ShiftArithmeticRight32 => Op::ShiftArithmeticRight32 { d, s1, s2 },
        O::ShiftArithmeticRight64 => Op::ShiftArithmeticRight64 { d, s1, s2 },
        O::DivUnsigned32 => Op::DivUnsigned32 { d, s1, s2 },
        O::DivUnsigned64 => Op::DivUnsigned64 { d, s1, s2 },
        O::DivSigned32 => Op::DivSigned32 { d, s1, s2 },
        O::DivSigned64 => Op::DivSigned64 { d, s1, s2 },
        O::RemUnsigned32 => Op::RemUnsigned32 { d, s1, s2 },
        O::RemUnsigned64 => Op::RemUnsigned64 { d, s1, s2 },
        O::RemSigned32 => Op::RemSigned32 { d, s1, s2 },
        O::RemSigned64 => Op::RemSigned64 { d, s1, s2 },
        O::CmovIfZero => Op::CmovIfZero { d, s: s1, c: s2 },
        O::CmovIfNotZero => Op::CmovIfNotZero { d, s: s1, c: s2 },
        O::AndInverted => Op::AndInverted { d, s1, s2 },
        O::OrInverted => Op::OrInverted { d, s1, s2 },
        O::Xnor => Op::Xnor { d, s1, s2 },
        O::Maximum => Op::Maximum { d, s1, s2 },
        O::MaximumUnsigned => Op::MaximumUnsigned { d, s1, s2 },
        O::Minimum => Op::Minimum { d, s1, s2 },
        O::MinimumUnsigned => Op::MinimumUnsigned { d, s1, s2 },
        O::RotateLeft32 => Op::RotateLeft32 { d, s1, s2 },
        O::RotateLeft64 => Op::RotateLeft64 { d, s1, s2 },
        O::RotateRight32 => Op::RotateRight32 { d, s1, s2 },
        O::RotateRight64 => Op::RotateRight64 { d, s1, s2 },
        _ => Op::Trap,
    }
}
