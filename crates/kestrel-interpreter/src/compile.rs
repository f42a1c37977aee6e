//! Lowering a decoded program into the dispatch form of [`crate::ops`], once per module.
//!
//! The whole code is decoded linearly and split into basic blocks (a block ends after every
//! terminator, `invalid` included). Each instruction becomes one op, optionally preceded by a
//! `Step` op (step tracing) and, for a block's first instruction, a `Charge` op carrying the
//! whole block's cost. All control-flow validity checks of `instructions.md` §7.4 are done here,
//! so a branch with an invalid target or an unusable fall-through simply becomes `Trap`.

use kestrel_program::cost::CostModel;
use kestrel_program::decode::{MACRO_BLOCK_SIZE, OffsetSet};
use kestrel_program::{Args, Opcode, ParsedInstruction, Reg};

use crate::ops::{Kind, Metering, Op, ZERO_REG};

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
    /// Block starts, sorted by pc.
    pub blocks: Vec<BlockStart>,
    /// Jump table entries resolved to op indices ([`NO_TARGET`] if invalid).
    pub jump_table: Vec<u32>,
    pub code_len: u32,
    /// Whether a host entry in the middle of a block charges the block's cost (sync and async
    /// block metering).
    pub entry_charges_block: bool,
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

/// `ends_block` of every opcode, by discriminant (`Opcode::control` is not inlined across
/// crates and the compiler asks twice per instruction).
fn ends_block_table() -> [bool; 256] {
    let mut table = [true; 256];
    for &opcode in Opcode::ALL {
        if let Some(slot) = table.get_mut(opcode as usize) {
            *slot = opcode.ends_block();
        }
    }
    table
}

/// The valid jump targets (`instructions.md` §7.2) from the linear decode: an instruction that
/// starts the code or follows a block end (or, extended encoding, starts a macro block). The
/// zero-length item of §3.6 and the implicit end item are skipped. Same rule as
/// `Code::jump_targets`, without a second decode pass (checked against it in the tests).
pub fn jump_targets(code_len: u32, is_extended: bool, instructions: &[ParsedInstruction]) -> OffsetSet {
    let ends_block = ends_block_table();
    let mut set = OffsetSet::new(code_len);
    let mut previous_ends_block = true;
    for item in instructions {
        if item.length == 0 || item.offset >= code_len {
            continue;
        }
        if previous_ends_block || (is_extended && item.offset % MACRO_BLOCK_SIZE == 0) {
            set.insert(item.offset);
        }
        previous_ends_block = ends_block[item.instruction.opcode as usize];
    }
    set
}

impl CompiledCode {
    pub fn compile(mut input: CompileInput<'_>) -> CompiledCode {
        let code_len = input.code_len;
        let ends_block = ends_block_table();
        let ends = |item: &ParsedInstruction| ends_block[item.instruction.opcode as usize];
        let cost_of = |item: &ParsedInstruction| -> u64 {
            // The implicit end trap (an `invalid` item at the code end) costs a `trap`.
            let opcode = if item.offset >= code_len { Opcode::Trap } else { item.instruction.opcode };
            u64::from(input.cost_model.cost_for(opcode))
        };
        let targets = jump_targets(code_len, input.is_latest64, &input.instructions);

        // Drop the §3.6 zero-length `invalid` items that would start a block: nothing can reach
        // them (a jump to that offset lands on the real instruction decoded there).
        let mut items = core::mem::take(&mut input.instructions);
        let mut at_block_start = true;
        items.retain(|item| {
            if at_block_start && item.length == 0 && item.instruction.opcode == Opcode::Invalid {
                return false;
            }
            at_block_start = ends(item);
            true
        });

        let mut ops = Vec::with_capacity(items.len() + items.len() / 4 + 1);
        let mut op_pc = Vec::with_capacity(ops.capacity());
        let mut blocks = Vec::with_capacity(items.len() / 4);
        let metering = match input.gas {
            GasMode::None => Metering::None,
            GasMode::Sync | GasMode::PerInstruction => Metering::Sync,
            GasMode::Async => Metering::Async,
        };

        let mut start = 0;
        while start < items.len() {
            let mut end = start;
            while end < items.len() && !ends(&items[end]) {
                end += 1;
            }
            let end = (end + 1).min(items.len());
            let block = &items[start..end];
            let cost: u64 = block.iter().map(cost_of).sum();
            blocks.push(BlockStart { pc: block[0].offset, op: ops.len() as u32, cost });

            for (k, item) in block.iter().enumerate() {
                let pc = item.offset;
                if input.step_tracing {
                    ops.push(Op::new(Kind::Step));
                    op_pc.push(pc);
                }
                let charge = match input.gas {
                    GasMode::Sync if k == 0 => Some(Kind::Charge),
                    GasMode::Async if k == 0 => Some(Kind::ChargeAsync),
                    GasMode::PerInstruction => Some(Kind::Charge),
                    _ => None,
                };
                if let Some(kind) = charge {
                    let cost = if input.gas == GasMode::PerInstruction { cost_of(item) } else { cost };
                    ops.push(Op::with(kind, 0, 0, 0, cost.min(u64::from(u32::MAX)) as u32, 0));
                    op_pc.push(pc);
                }
                ops.push(lower(item, &input, &targets, metering));
                op_pc.push(pc);
            }
            start = end;
        }
        // Guard so execution can never run past the last op.
        ops.push(Op::TRAP);
        op_pc.push(code_len);

        // Resolve static targets now that every block start has an op index.
        let resolve = |target: u32| -> u32 {
            if !targets.contains(target) {
                return NO_TARGET;
            }
            match blocks.binary_search_by_key(&target, |block: &BlockStart| block.pc) {
                Ok(index) => blocks[index].op,
                Err(_) => NO_TARGET,
            }
        };
        for op in ops.iter_mut() {
            if !op.kind.has_target() {
                continue;
            }
            let resolved = resolve(op.x);
            if resolved != NO_TARGET {
                op.x = resolved;
                continue;
            }
            *op = match op.kind {
                Kind::LoadImmAndJump => Op { kind: Kind::LoadImmAndTrap, x: 0, ..*op },
                _ => Op::TRAP,
            };
        }
        let jump_table = input.jump_table.iter().map(|&target| resolve(target)).collect();
        if !input.step_tracing && input.gas != GasMode::PerInstruction && !crate::profile::fusion_disabled() {
            crate::fuse::fuse(&mut ops);
        }

        CompiledCode {
            ops,
            op_pc,
            blocks,
            jump_table,
            code_len,
            entry_charges_block: matches!(input.gas, GasMode::Sync | GasMode::Async),
            end_trap_cost: u64::from(input.cost_model.cost_for(Opcode::Trap)),
        }
    }

    /// The host entry at `pc`, if `pc` is an instruction boundary inside the code: the first op
    /// of the first instruction there, charging the enclosing block's cost when that is not the
    /// block's start.
    pub fn entry(&self, pc: u32) -> Option<Entry> {
        if pc >= self.code_len {
            return None;
        }
        // The block starting at or before `pc`, then the first op at `pc` inside it. A block
        // starting exactly at `pc` may follow a zero-length `invalid` at the same pc that ends
        // the previous block (§3.6): that one comes first.
        let mut index = self.blocks.partition_point(|block| block.pc <= pc).checked_sub(1)?;
        let first_op = |index: usize| self.blocks.get(index).map_or(0, |block| block.op as usize);
        if self.blocks[index].pc == pc
            && let Some(previous) = first_op(index).checked_sub(1)
            && self.op_pc.get(previous) == Some(&pc)
        {
            index -= 1;
        }
        let block = self.blocks[index];
        let end = if index + 1 < self.blocks.len() { first_op(index + 1) } else { self.op_pc.len() };
        let range = self.op_pc.get(block.op as usize..end)?;
        let op = block.op as usize + range.partition_point(|&op_pc| op_pc < pc);
        if self.op_pc.get(op) != Some(&pc) {
            return None;
        }
        let charge = if block.op as usize == op || !self.entry_charges_block { 0 } else { block.cost };
        Some(Entry { pc, op: op as u32, charge })
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

/// The op kind of an instruction (the format decides the operand fields, see `lower`).
fn kind_of(opcode: Opcode, is_64_bit: bool) -> Kind {
    use Kind as K;
    use Opcode as O;
    match opcode {
        O::Trap | O::Invalid => K::Trap,
        O::Fallthrough | O::Unlikely => K::Nop,
        O::Memset => K::Memset,
        O::Ecalli => K::Ecalli,
        O::Jump => K::Jump,
        O::JumpIndirect => K::JumpIndirect,
        O::LoadImm | O::LoadImm64 => K::LoadImm,
        O::LoadImmAndJump => K::LoadImmAndJump,
        O::LoadImmAndJumpIndirect => K::LoadImmAndJumpIndirect,
        O::LoadU8 | O::LoadIndirectU8 => K::LoadU8,
        O::LoadI8 | O::LoadIndirectI8 => K::LoadI8,
        O::LoadU16 | O::LoadIndirectU16 => K::LoadU16,
        O::LoadI16 | O::LoadIndirectI16 => K::LoadI16,
        O::LoadU32 | O::LoadIndirectU32 => K::LoadU32,
        O::LoadI32 | O::LoadIndirectI32 => K::LoadI32,
        O::LoadU64 | O::LoadIndirectU64 => K::LoadU64,
        O::StoreU8 | O::StoreIndirectU8 => K::StoreU8,
        O::StoreU16 | O::StoreIndirectU16 => K::StoreU16,
        O::StoreU32 | O::StoreIndirectU32 => K::StoreU32,
        O::StoreU64 | O::StoreIndirectU64 => K::StoreU64,
        O::StoreImmU8 | O::StoreImmIndirectU8 => K::StoreImmU8,
        O::StoreImmU16 | O::StoreImmIndirectU16 => K::StoreImmU16,
        O::StoreImmU32 | O::StoreImmIndirectU32 => K::StoreImmU32,
        O::StoreImmU64 | O::StoreImmIndirectU64 => K::StoreImmU64,
        O::BranchEqImm => K::BranchEqImm,
        O::BranchNotEqImm => K::BranchNotEqImm,
        O::BranchLessUnsignedImm => K::BranchLessUnsignedImm,
        O::BranchLessSignedImm => K::BranchLessSignedImm,
        O::BranchGreaterOrEqualUnsignedImm => K::BranchGreaterOrEqualUnsignedImm,
        O::BranchGreaterOrEqualSignedImm => K::BranchGreaterOrEqualSignedImm,
        O::BranchLessOrEqualUnsignedImm => K::BranchLessOrEqualUnsignedImm,
        O::BranchLessOrEqualSignedImm => K::BranchLessOrEqualSignedImm,
        O::BranchGreaterUnsignedImm => K::BranchGreaterUnsignedImm,
        O::BranchGreaterSignedImm => K::BranchGreaterSignedImm,
        O::BranchEq => K::BranchEq,
        O::BranchNotEq => K::BranchNotEq,
        O::BranchLessUnsigned => K::BranchLessUnsigned,
        O::BranchLessSigned => K::BranchLessSigned,
        O::BranchGreaterOrEqualUnsigned => K::BranchGreaterOrEqualUnsigned,
        O::BranchGreaterOrEqualSigned => K::BranchGreaterOrEqualSigned,
        O::MoveReg => K::MoveReg,
        O::Sbrk => K::Sbrk,
        O::CountLeadingZeroBits32 => K::CountLeadingZeroBits32,
        O::CountLeadingZeroBits64 => K::CountLeadingZeroBits64,
        O::CountTrailingZeroBits32 => K::CountTrailingZeroBits32,
        O::CountTrailingZeroBits64 => K::CountTrailingZeroBits64,
        O::CountSetBits32 => K::CountSetBits32,
        O::CountSetBits64 => K::CountSetBits64,
        O::SignExtend8 => K::SignExtend8,
        O::SignExtend16 => K::SignExtend16,
        O::ZeroExtend16 => K::ZeroExtend16,
        O::ReverseByte if is_64_bit => K::ReverseByte64,
        O::ReverseByte => K::ReverseByte32,
        O::AddImm32 => K::AddImm32,
        O::AddImm64 => K::AddImm64,
        O::AndImm => K::AndImm,
        O::XorImm => K::XorImm,
        O::OrImm => K::OrImm,
        O::MulImm32 => K::MulImm32,
        O::MulImm64 => K::MulImm64,
        O::SetLessThanUnsignedImm => K::SetLessThanUnsignedImm,
        O::SetLessThanSignedImm => K::SetLessThanSignedImm,
        O::SetGreaterThanUnsignedImm => K::SetGreaterThanUnsignedImm,
        O::SetGreaterThanSignedImm => K::SetGreaterThanSignedImm,
        O::ShiftLogicalLeftImm32 => K::ShiftLogicalLeftImm32,
        O::ShiftLogicalLeftImm64 => K::ShiftLogicalLeftImm64,
        O::ShiftLogicalRightImm32 => K::ShiftLogicalRightImm32,
        O::ShiftLogicalRightImm64 => K::ShiftLogicalRightImm64,
        O::ShiftArithmeticRightImm32 => K::ShiftArithmeticRightImm32,
        O::ShiftArithmeticRightImm64 => K::ShiftArithmeticRightImm64,
        O::ShiftLogicalLeftImmAlt32 => K::ShiftLogicalLeftImmAlt32,
        O::ShiftLogicalLeftImmAlt64 => K::ShiftLogicalLeftImmAlt64,
        O::ShiftLogicalRightImmAlt32 => K::ShiftLogicalRightImmAlt32,
        O::ShiftLogicalRightImmAlt64 => K::ShiftLogicalRightImmAlt64,
        O::ShiftArithmeticRightImmAlt32 => K::ShiftArithmeticRightImmAlt32,
        O::ShiftArithmeticRightImmAlt64 => K::ShiftArithmeticRightImmAlt64,
        O::NegateAndAddImm32 => K::NegateAndAddImm32,
        O::NegateAndAddImm64 => K::NegateAndAddImm64,
        O::CmovIfZeroImm => K::CmovIfZeroImm,
        O::CmovIfNotZeroImm => K::CmovIfNotZeroImm,
        O::RotateRightImm32 => K::RotateRightImm32,
        O::RotateRightImm64 => K::RotateRightImm64,
        O::RotateRightImmAlt32 => K::RotateRightImmAlt32,
        O::RotateRightImmAlt64 => K::RotateRightImmAlt64,
        O::Add32 => K::Add32,
        O::Add64 => K::Add64,
        O::Sub32 => K::Sub32,
        O::Sub64 => K::Sub64,
        O::And => K::And,
        O::Xor => K::Xor,
        O::Or => K::Or,
        O::Mul32 => K::Mul32,
        O::Mul64 => K::Mul64,
        O::MulUpperSignedSigned if is_64_bit => K::MulUpperSignedSigned64,
        O::MulUpperSignedSigned => K::MulUpperSignedSigned32,
        O::MulUpperUnsignedUnsigned if is_64_bit => K::MulUpperUnsignedUnsigned64,
        O::MulUpperUnsignedUnsigned => K::MulUpperUnsignedUnsigned32,
        O::MulUpperSignedUnsigned if is_64_bit => K::MulUpperSignedUnsigned64,
        O::MulUpperSignedUnsigned => K::MulUpperSignedUnsigned32,
        O::SetLessThanUnsigned => K::SetLessThanUnsigned,
        O::SetLessThanSigned => K::SetLessThanSigned,
        O::ShiftLogicalLeft32 => K::ShiftLogicalLeft32,
        O::ShiftLogicalLeft64 => K::ShiftLogicalLeft64,
        O::ShiftLogicalRight32 => K::ShiftLogicalRight32,
        O::ShiftLogicalRight64 => K::ShiftLogicalRight64,
        O::ShiftArithmeticRight32 => K::ShiftArithmeticRight32,
        O::ShiftArithmeticRight64 => K::ShiftArithmeticRight64,
        O::DivUnsigned32 => K::DivUnsigned32,
        O::DivUnsigned64 => K::DivUnsigned64,
        O::DivSigned32 => K::DivSigned32,
        O::DivSigned64 => K::DivSigned64,
        O::RemUnsigned32 => K::RemUnsigned32,
        O::RemUnsigned64 => K::RemUnsigned64,
        O::RemSigned32 => K::RemSigned32,
        O::RemSigned64 => K::RemSigned64,
        O::CmovIfZero => K::CmovIfZero,
        O::CmovIfNotZero => K::CmovIfNotZero,
        O::AndInverted => K::AndInverted,
        O::OrInverted => K::OrInverted,
        O::Xnor => K::Xnor,
        O::Maximum => K::Maximum,
        O::MaximumUnsigned => K::MaximumUnsigned,
        O::Minimum => K::Minimum,
        O::MinimumUnsigned => K::MinimumUnsigned,
        O::RotateLeft32 => K::RotateLeft32,
        O::RotateLeft64 => K::RotateLeft64,
        O::RotateRight32 => K::RotateRight32,
        O::RotateRight64 => K::RotateRight64,
    }
}

/// Lowers one instruction. Static targets are left as code offsets (resolved by the caller).
fn lower(item: &ParsedInstruction, input: &CompileInput<'_>, targets: &OffsetSet, metering: Metering) -> Op {
    use Opcode as O;
    let opcode = item.instruction.opcode;

    // A fall-through into something that is not a valid block start traps at the instruction.
    if matches!(opcode.control(), kestrel_program::Control::Branch | kestrel_program::Control::Fallthrough)
        && !targets.contains(item.next_offset())
    {
        return Op::TRAP;
    }

    let kind = kind_of(opcode, input.is_64_bit);
    let wide = u8::from(input.is_latest64);
    // Field meanings per kind: see the table in `ops.rs`.
    match item.instruction.args {
        _ if opcode == O::Memset => Op::with(kind, metering as u8, 0, 0, 0, 0),
        Args::None => Op::new(kind),
        Args::Imm { imm } => Op::with(kind, 0, 0, 0, imm, 0),
        Args::Offset { target } => Op::with(kind, 0, 0, 0, target, 0),
        Args::RegImm { reg, imm } => match opcode {
            O::JumpIndirect => Op::with(kind, 0, r(reg), 0, imm, 0),
            O::LoadImm => Op::with(kind, r(reg), 0, 0, 0, sx(imm)),
            // Absolute loads and stores: base register 0.
            _ => Op::with(kind, r(reg), ZERO_REG, 0, imm, 0),
        },
        Args::RegImm64 { reg, imm } => Op::with(kind, r(reg), 0, 0, 0, imm),
        Args::ImmImm { imm1, imm2 } => Op::with(kind, 0, ZERO_REG, 0, imm1, sx(imm2)),
        Args::RegImmImm { reg, imm1, imm2 } => Op::with(kind, 0, r(reg), 0, imm1, sx(imm2)),
        Args::RegImmOffset { reg, imm, target } => Op::with(kind, r(reg), 0, 0, target, sx(imm)),
        Args::RegRegOffset { reg1, reg2, target } => Op::with(kind, r(reg1), r(reg2), 0, target, 0),
        Args::RegRegImm { reg1, reg2, imm } => Op::with(kind, r(reg1), r(reg2), 0, imm, sx(imm)),
        Args::RegRegImmImm { reg1, reg2, imm1, imm2 } => Op::with(kind, r(reg1), r(reg2), 0, imm2, sx(imm1)),
        Args::RegRegReg { reg1, reg2, reg3 } => Op::with(kind, r(reg1), r(reg2), r(reg3), 0, 0),
        Args::RegReg { reg1, reg2 } => match opcode {
            O::Sbrk => Op::with(kind, r(reg1), r(reg2), wide, 0, 0),
            _ => Op::with(kind, r(reg1), r(reg2), 0, 0, 0),
        },
    }
}

#[cfg(test)]
mod tests {
    use kestrel_program::decode::Code;
    use kestrel_program::{ArcBytes, ProgramBlob};

    use super::*;

    /// `jump_targets` must agree with the program crate's `Code::jump_targets` everywhere.
    #[test]
    #[allow(clippy::print_stdout, reason = "skip notice")]
    fn jump_targets_match_the_decoder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata/blobs");
        let mut checked = 0;
        for name in ["doom.polkavm", "quake.polkavm", "example-hello-world.polkavm"] {
            let Ok(bytes) = std::fs::read(format!("{dir}/{name}")) else {
                println!("skipped: {dir}/{name} not found");
                continue;
            };
            let blob = ProgramBlob::parse(ArcBytes::from(bytes)).unwrap();
            let code = Code::new(blob.isa(), blob.code(), blob.bitmask());
            let expected = code.jump_targets();
            let instructions: Vec<_> = code.instructions().collect();
            let ours = jump_targets(code.len(), blob.isa().is_extended(), &instructions);
            for offset in 0..code.len() + 2 {
                assert_eq!(ours.contains(offset), expected.contains(offset), "{name} offset {offset}");
            }
            checked += 1;
        }
        println!("checked {checked} blobs");
    }
}
