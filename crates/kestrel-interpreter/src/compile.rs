//! Lowering a decoded program into the dispatch form of [`crate::ops`], once per module.
//!
//! The whole code is decoded linearly, once, and split into basic blocks on the fly (a block ends
//! after every terminator, `invalid` included). Each instruction becomes one op, optionally preceded by a
//! `Step` op (step tracing) and, for a block's first instruction, a `Charge` op carrying the
//! whole block's cost. All control-flow validity checks of `instructions.md` §7.4 are done here,
//! so a branch with an invalid target or an unusable fall-through simply becomes `Trap`. The ops
//! of `fallthrough` and `unlikely` are then removed where nothing needs them ([`elide_nops`]).

use kestrel_program::cost::CostModel;
use kestrel_program::decode::{Code, MACRO_BLOCK_SIZE, OffsetSet};
use kestrel_program::{Args, Control, Format, Opcode, ParsedInstruction, Reg};

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
    /// The index in `blocks` of the block starting at a pc, in O(1) (host entries).
    block_index: BlockIndex,
    /// The pcs of the `fallthrough` and `unlikely` instructions that have no op (see
    /// [`elide_nops`]), sorted: still instruction boundaries a host may enter at.
    elided_pcs: Vec<u32>,
    /// Jump table entries resolved to op indices ([`NO_TARGET`] if invalid).
    pub jump_table: Vec<u32>,
    pub code_len: u32,
    /// Whether a host entry in the middle of a block charges the block's cost (sync and async
    /// block metering).
    pub entry_charges_block: bool,
    /// Cost of the implicit trap block at or beyond the code end.
    pub end_trap_cost: u64,
}

impl CompiledCode {
    /// Code made of `ops` directly (one op per pc), for executor tests.
    #[cfg(test)]
    pub(crate) fn from_ops(ops: Vec<Op>) -> CompiledCode {
        let code_len = ops.len() as u32;
        let blocks = vec![BlockStart { pc: 0, op: 0, cost: 0 }];
        CompiledCode {
            op_pc: (0..code_len).collect(),
            block_index: BlockIndex::new(code_len, &blocks),
            elided_pcs: Vec::new(),
            blocks,
            ops,
            jump_table: Vec::new(),
            code_len,
            entry_charges_block: false,
            end_trap_cost: 0,
        }
    }
}

/// What the compiler needs to know about the program.
pub struct CompileInput<'a> {
    pub is_64_bit: bool,
    pub is_latest64: bool,
    /// The code, decoded linearly (once) by the compiler.
    pub code: Code<'a>,
    /// Raw jump table entries (code offsets).
    pub jump_table: Vec<u32>,
    pub cost_model: &'a CostModel,
    pub gas: GasMode,
    pub step_tracing: bool,
}

fn r(reg: Reg) -> u8 {
    reg.index()
}

/// Per-opcode facts the compiler asks about every instruction, by discriminant (`Opcode::control`
/// is not inlined across crates). Built at compile time.
struct OpcodeFacts {
    ends_block: [bool; 256],
    /// A `fallthrough` or conditional branch: continuing at the next instruction must be allowed.
    falls_through_to_next: [bool; 256],
    /// Has a static target (lowered to an op whose `x` is a target), or `falls_through_to_next`.
    needs_fixup: [bool; 256],
}

static FACTS: OpcodeFacts = OpcodeFacts::new();

impl OpcodeFacts {
    const fn new() -> Self {
        // Slots of no opcode (and `invalid`) end a block, like `invalid`.
        let mut facts =
            OpcodeFacts { ends_block: [true; 256], falls_through_to_next: [false; 256], needs_fixup: [false; 256] };
        let mut i = 0;
        while i < Opcode::ALL.len() {
            let opcode = Opcode::ALL[i];
            let index = opcode as usize;
            let next = matches!(opcode.control(), Control::Branch | Control::Fallthrough);
            facts.ends_block[index] = opcode.ends_block();
            facts.falls_through_to_next[index] = next;
            facts.needs_fixup[index] = next || has_static_target(opcode.format());
            i += 1;
        }
        facts
    }

    #[inline]
    fn ends_block(&self, opcode: Opcode) -> bool {
        self.ends_block[opcode as usize]
    }
}

/// Whether instructions of this format carry a static jump target.
const fn has_static_target(format: Format) -> bool {
    matches!(format, Format::Offset | Format::RegImmOffset | Format::RegRegOffset)
}

/// Builds the valid jump targets (`instructions.md` §7.2) from the items of a linear decode: an
/// instruction that starts the code or follows a block end (or, extended encoding, starts a macro
/// block). The zero-length item of §3.6 and the implicit end item are skipped. Same rule as
/// `Code::jump_targets`, without a second decode pass (checked against it in the tests).
struct TargetScan {
    set: OffsetSet,
    code_len: u32,
    is_extended: bool,
    previous_ends_block: bool,
}

impl TargetScan {
    fn new(code_len: u32, is_extended: bool) -> Self {
        TargetScan { set: OffsetSet::new(code_len), code_len, is_extended, previous_ends_block: true }
    }

    #[inline]
    fn observe(&mut self, item: &ParsedInstruction, ends_block: bool) {
        if item.length == 0 || item.offset >= self.code_len {
            return;
        }
        if self.previous_ends_block || (self.is_extended && item.offset.is_multiple_of(MACRO_BLOCK_SIZE)) {
            self.set.insert(item.offset);
        }
        self.previous_ends_block = ends_block;
    }
}

/// An op whose validity or target is only known once the whole code is decoded.
#[derive(Copy, Clone)]
struct Fixup {
    op: u32,
    /// Offset of the next instruction, when the op may continue there (`fallthrough`, branches).
    next: u32,
    check_next: bool,
}

/// Block starts by pc with O(1) rank queries: the index of the block starting at `pc` in the
/// sorted block list is the number of block starts below `pc` (a bitset plus the number of set
/// bits before each word; about 0.2 bytes per code byte).
#[derive(Clone, Debug)]
struct BlockIndex {
    words: Vec<u64>,
    before: Vec<u32>,
}

impl BlockIndex {
    fn new(code_len: u32, blocks: &[BlockStart]) -> Self {
        let mut words = vec![0u64; (code_len as usize).div_ceil(64)];
        // A block may start at `code_len` (the implicit end trap): never a target or an entry.
        for block in blocks.iter().filter(|block| block.pc < code_len) {
            if let Some(word) = words.get_mut((block.pc / 64) as usize) {
                *word |= 1 << (block.pc % 64);
            }
        }
        let mut count = 0u32;
        let before = words
            .iter()
            .map(|word| {
                let here = count;
                count += word.count_ones();
                here
            })
            .collect();
        BlockIndex { words, before }
    }

    /// The index of the block starting at `pc`, if one does.
    #[inline]
    fn block_at(&self, pc: u32) -> Option<usize> {
        let index = (pc / 64) as usize;
        let word = *self.words.get(index)?;
        let bit = pc % 64;
        if word >> bit & 1 == 0 {
            return None;
        }
        let below = word & ((1u64 << bit) - 1);
        Some(self.before.get(index).map_or(0, |&before| before as usize) + below.count_ones() as usize)
    }
}

/// A first guess at the number of instructions, to size the output once (it grows if short):
/// compiled guests average a little over three bytes per instruction (DOOM 3.3, Quake 3.6).
fn estimate_instructions(code: &Code<'_>) -> usize {
    code.len() as usize / 3 + 16
}

impl CompiledCode {
    /// Lowers the code in one linear decode: blocks, ops, block costs and valid jump targets are
    /// built together; static targets and the fall-through checks that need the full target set
    /// are fixed up afterwards (`Fixup`), unneeded no-ops are removed, then sequences are fused.
    pub fn compile(input: CompileInput<'_>) -> CompiledCode {
        let code_len = input.code.len();
        let facts = &FACTS;
        let cost_model = input.cost_model;
        let cost_of = |item: &ParsedInstruction| -> u64 {
            // The implicit end trap (an `invalid` item at the code end) costs a `trap`.
            let opcode = if item.offset >= code_len { Opcode::Trap } else { item.instruction.opcode };
            u64::from(cost_model.cost_for(opcode))
        };
        let metering = match input.gas {
            GasMode::None => Metering::None,
            GasMode::Sync | GasMode::PerInstruction => Metering::Sync,
            GasMode::Async => Metering::Async,
        };
        let block_charge = match input.gas {
            GasMode::Sync => Some(Kind::Charge),
            GasMode::Async => Some(Kind::ChargeAsync),
            GasMode::None | GasMode::PerInstruction => None,
        };
        let per_instruction = input.gas == GasMode::PerInstruction;

        let estimate = estimate_instructions(&input.code);
        let ops_per_instruction = 1 + usize::from(input.step_tracing) + usize::from(per_instruction);
        let mut ops = Vec::with_capacity(estimate * ops_per_instruction + estimate / 4 + 1);
        let mut op_pc = Vec::with_capacity(ops.capacity());
        let mut blocks: Vec<BlockStart> = Vec::with_capacity(estimate / 4);
        let mut fixups: Vec<Fixup> = Vec::with_capacity(estimate / 4);
        let mut targets = TargetScan::new(code_len, input.is_latest64);

        let mut at_block_start = true;
        let mut block_cost = 0u64;
        let mut charge_op = None;
        let finish_block = |blocks: &mut Vec<BlockStart>, ops: &mut Vec<Op>, cost: u64, charge_op: Option<usize>| {
            if let Some(block) = blocks.last_mut() {
                block.cost = cost;
            }
            if let Some(op) = charge_op.and_then(|index| ops.get_mut(index)) {
                op.x = cost.min(u64::from(u32::MAX)) as u32;
            }
        };

        for item in input.code.instructions() {
            let opcode = item.instruction.opcode;
            let ends_block = facts.ends_block(opcode);
            targets.observe(&item, ends_block);
            let pc = item.offset;
            if at_block_start {
                // A §3.6 zero-length `invalid` item that would start a block is dropped: nothing
                // can reach it (a jump to that offset lands on the real instruction decoded there).
                if item.length == 0 && opcode == Opcode::Invalid {
                    continue;
                }
                blocks.push(BlockStart { pc, op: ops.len() as u32, cost: 0 });
                block_cost = 0;
            }
            let cost = cost_of(&item);
            block_cost += cost;
            if input.step_tracing {
                ops.push(Op::new(Kind::Step));
                op_pc.push(pc);
            }
            if at_block_start && let Some(kind) = block_charge {
                // The block's cost is filled in when the block ends.
                charge_op = Some(ops.len());
                ops.push(Op::new(kind));
                op_pc.push(pc);
            }
            if per_instruction {
                ops.push(Op::with(Kind::Charge, 0, 0, 0, cost.min(u64::from(u32::MAX)) as u32, 0));
                op_pc.push(pc);
            }
            let op = lower(&item, &input, metering);
            if facts.needs_fixup[opcode as usize] {
                let check_next = facts.falls_through_to_next[opcode as usize];
                fixups.push(Fixup { op: ops.len() as u32, next: item.next_offset(), check_next });
            }
            ops.push(op);
            op_pc.push(pc);

            at_block_start = ends_block;
            if ends_block {
                finish_block(&mut blocks, &mut ops, block_cost, charge_op.take());
            }
        }
        if !at_block_start {
            finish_block(&mut blocks, &mut ops, block_cost, charge_op.take());
        }
        // Guard so execution can never run past the last op.
        ops.push(Op::TRAP);
        op_pc.push(code_len);
        let targets = targets.set;

        // A fall-through into something that is not a valid block start traps at the
        // instruction; static targets become op indices, or trap when invalid.
        let starts = BlockIndex::new(code_len, &blocks);
        let resolve = |target: u32| -> u32 {
            if !targets.contains(target) {
                return NO_TARGET;
            }
            match starts.block_at(target).and_then(|index| blocks.get(index)) {
                Some(block) => block.op,
                None => NO_TARGET,
            }
        };
        for fixup in &fixups {
            let Some(op) = ops.get_mut(fixup.op as usize) else { continue };
            if fixup.check_next && !targets.contains(fixup.next) {
                *op = Op::TRAP;
                continue;
            }
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
        let mut jump_table: Vec<u32> = input.jump_table.iter().map(|&target| resolve(target)).collect();
        let elided_pcs = if input.step_tracing {
            Vec::new()
        } else {
            elide_nops(&mut ops, &mut op_pc, &mut blocks, &mut jump_table)
        };
        if !input.step_tracing && !per_instruction && !crate::profile::fusion_disabled() {
            crate::fuse::fuse(&mut ops);
        }
        crate::fuse::prefer_stack(&mut ops);
        ops.shrink_to_fit();
        op_pc.shrink_to_fit();
        blocks.shrink_to_fit();

        CompiledCode {
            ops,
            op_pc,
            blocks,
            block_index: starts,
            elided_pcs,
            jump_table,
            code_len,
            entry_charges_block: matches!(input.gas, GasMode::Sync | GasMode::Async),
            end_trap_cost: u64::from(input.cost_model.cost_for(Opcode::Trap)),
        }
    }

    /// The host entry at `pc`, if `pc` is an instruction boundary inside the code: the first op
    /// of the first instruction there, charging the enclosing block's cost when that is not the
    /// block's start.
    #[inline]
    pub fn entry(&self, pc: u32) -> Option<Entry> {
        // The usual host entry (an export) is a block start: O(1), unless a zero-length
        // `invalid` at the same pc ends the previous block (then that one is entered first).
        if let Some(block) = self.block_index.block_at(pc).and_then(|index| self.blocks.get(index))
            && (block.op == 0 || self.op_pc.get(block.op as usize - 1) != Some(&pc))
        {
            return Some(Entry { pc, op: block.op, charge: 0 });
        }
        self.entry_in_block(pc)
    }

    /// [`CompiledCode::entry`] by binary search: any instruction boundary.
    #[cold]
    fn entry_in_block(&self, pc: u32) -> Option<Entry> {
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
        // An elided no-op is entered at the op after it, which does what it would do next.
        if self.op_pc.get(op) != Some(&pc) && self.elided_pcs.binary_search(&pc).is_err() {
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
        let index = self.block_index.block_at(pc)?;
        self.blocks.get(index).map(|block| block.cost)
    }
}

/// Removes the ops of `fallthrough` and `unlikely` (kind `Nop`) that nothing needs, so that
/// running through them costs no dispatch: execution reaches the next op directly. A `Nop`
/// stays where it is the first op of a block (a jump target or host entry lands on it) and
/// right after an `ecalli` (the host resumes at the op after the `ecalli`, and
/// `next_program_counter` must name the no-op's pc, as polkavm 0.37 does). A no-op cannot
/// trap, fault or run out of gas (a block's gas is charged before its first op), so no
/// interrupt can report its pc. Op indices (static targets, the jump table, block starts) are
/// renumbered; returns the elided pcs, sorted. Not used with step tracing, where every
/// instruction reports a `Step`.
fn elide_nops(ops: &mut Vec<Op>, op_pc: &mut Vec<u32>, blocks: &mut [BlockStart], jump_table: &mut [u32]) -> Vec<u32> {
    let mut is_block_start = vec![false; ops.len()];
    for block in blocks.iter() {
        if let Some(slot) = is_block_start.get_mut(block.op as usize) {
            *slot = true;
        }
    }
    let mut elided_pcs = Vec::new();
    let mut keep = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let after_ecalli = index > 0 && ops[index - 1].kind == Kind::Ecalli;
        let kept = op.kind != Kind::Nop || is_block_start[index] || after_ecalli;
        if !kept {
            elided_pcs.push(op_pc[index]);
        }
        keep.push(kept);
    }
    if elided_pcs.is_empty() {
        return elided_pcs;
    }
    // The new index of every old op; an elided op maps to the next kept op (the guard trap at
    // the end is always kept).
    let mut new_index = Vec::with_capacity(ops.len() + 1);
    let mut kept = 0u32;
    for &is_kept in &keep {
        new_index.push(kept);
        kept += u32::from(is_kept);
    }
    let renumber = |old: u32| new_index.get(old as usize).copied().unwrap_or(old);
    let mut write = 0;
    for read in 0..ops.len() {
        if !keep[read] {
            continue;
        }
        let mut op = ops[read];
        if op.kind.has_target() {
            op.x = renumber(op.x);
        }
        ops[write] = op;
        op_pc[write] = op_pc[read];
        write += 1;
    }
    ops.truncate(write);
    op_pc.truncate(write);
    for block in blocks.iter_mut() {
        block.op = renumber(block.op);
    }
    for target in jump_table.iter_mut().filter(|target| **target != NO_TARGET) {
        *target = renumber(*target);
    }
    elided_pcs
}

/// [`kind_of`] as a table, by bitness and opcode discriminant (the `match` compiles to an
/// indirect jump per instruction).
static KINDS: [[Kind; 256]; 2] = {
    let mut table = [[Kind::Trap; 256]; 2];
    let mut i = 0;
    while i < Opcode::ALL.len() {
        let opcode = Opcode::ALL[i];
        table[0][opcode as usize] = kind_of(opcode, false);
        table[1][opcode as usize] = kind_of(opcode, true);
        i += 1;
    }
    table
};

/// The op kind of an instruction (the format decides the operand fields, see `lower`).
const fn kind_of(opcode: Opcode, is_64_bit: bool) -> Kind {
    use Kind as K;
    use Opcode as O;
    match opcode {
        O::Trap | O::Invalid => K::Trap,
        O::Fallthrough | O::Unlikely => K::Nop,
        O::Memset => K::Memset,
        O::Ecalli => K::Ecalli,
        O::Jump => K::Jump,
        O::JumpIndirect => K::JumpIndirect,
        O::LoadImm => K::LoadImm,
        O::LoadImm64 => K::LoadImm64,
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

/// Lowers one instruction. Static targets are left as code offsets, and the fall-through check is
/// left to the caller (both need the full set of valid targets).
fn lower(item: &ParsedInstruction, input: &CompileInput<'_>, metering: Metering) -> Op {
    use Opcode as O;
    let opcode = item.instruction.opcode;
    let kind = KINDS[usize::from(input.is_64_bit)][opcode as usize];
    let wide = u8::from(input.is_latest64);
    // Field meanings per kind: see the table in `ops.rs`.
    match item.instruction.args {
        _ if opcode == O::Memset => Op::with(kind, metering as u8, 0, 0, 0, 0),
        Args::None => Op::new(kind),
        Args::Imm { imm } => Op::with(kind, 0, 0, 0, imm, 0),
        Args::Offset { target } => Op::with(kind, 0, 0, 0, target, 0),
        Args::RegImm { reg, imm } => match opcode {
            O::JumpIndirect => Op::with(kind, 0, r(reg), 0, imm, 0),
            O::LoadImm => Op::with(kind, r(reg), 0, 0, 0, imm as i32),
            // Absolute loads and stores: base register 0.
            _ => Op::with(kind, r(reg), ZERO_REG, 0, imm, 0),
        },
        Args::RegImm64 { reg, imm } => Op::with(kind, r(reg), 0, 0, imm as u32, (imm >> 32) as u32 as i32),
        Args::ImmImm { imm1, imm2 } => Op::with(kind, 0, ZERO_REG, 0, imm1, imm2 as i32),
        Args::RegImmImm { reg, imm1, imm2 } => Op::with(kind, 0, r(reg), 0, imm1, imm2 as i32),
        Args::RegImmOffset { reg, imm, target } => Op::with(kind, r(reg), 0, 0, target, imm as i32),
        Args::RegRegOffset { reg1, reg2, target } => Op::with(kind, r(reg1), r(reg2), 0, target, 0),
        Args::RegRegImm { reg1, reg2, imm } => Op::with(kind, r(reg1), r(reg2), 0, imm, imm as i32),
        Args::RegRegImmImm { reg1, reg2, imm1, imm2 } => Op::with(kind, r(reg1), r(reg2), 0, imm2, imm1 as i32),
        Args::RegRegReg { reg1, reg2, reg3 } => Op::with(kind, r(reg1), r(reg2), r(reg3), 0, 0),
        Args::RegReg { reg1, reg2 } => match opcode {
            O::Sbrk => Op::with(kind, r(reg1), r(reg2), wide, 0, 0),
            _ => Op::with(kind, r(reg1), r(reg2), 0, 0, 0),
        },
    }
}

#[cfg(test)]
mod tests {
    use kestrel_program::{ArcBytes, InstructionSetKind, ProgramBlob};

    use super::*;

    const BLOBS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testdata/blobs");

    /// The test blobs that are present, as (name, blob).
    #[allow(clippy::print_stdout, reason = "skip notice")]
    fn test_blobs() -> Vec<(&'static str, ProgramBlob)> {
        let mut blobs = Vec::new();
        for name in ["doom.polkavm", "quake.polkavm", "example-hello-world.polkavm"] {
            match std::fs::read(format!("{BLOBS}/{name}")) {
                Ok(bytes) => blobs.push((name, ProgramBlob::parse(ArcBytes::from(bytes)).unwrap())),
                Err(_) => println!("skipped: {BLOBS}/{name} not found"),
            }
        }
        blobs
    }

    /// The valid jump targets of a linear decode (see [`TargetScan`]).
    fn jump_targets(code_len: u32, is_extended: bool, instructions: &[ParsedInstruction]) -> OffsetSet {
        let mut scan = TargetScan::new(code_len, is_extended);
        for item in instructions {
            scan.observe(item, FACTS.ends_block(item.instruction.opcode));
        }
        scan.set
    }

    /// The fix-up table must name exactly the opcodes whose ops get a static target.
    #[test]
    fn static_targets_by_format_and_by_kind_agree() {
        for &opcode in Opcode::ALL {
            for is_64_bit in [false, true] {
                let by_kind = kind_of(opcode, is_64_bit).has_target();
                assert_eq!(has_static_target(opcode.format()), by_kind, "{opcode:?}");
                assert!(!by_kind || FACTS.needs_fixup[opcode as usize], "{opcode:?}");
            }
            assert_eq!(FACTS.ends_block(opcode), opcode.ends_block(), "{opcode:?}");
        }
        assert!(FACTS.ends_block(Opcode::Invalid) && !FACTS.needs_fixup[Opcode::Invalid as usize]);
    }

    /// `jump_targets` must agree with the program crate's `Code::jump_targets` everywhere.
    #[test]
    fn jump_targets_match_the_decoder() {
        for (name, blob) in test_blobs() {
            let code = blob.code_view();
            let expected = code.jump_targets();
            let instructions: Vec<_> = code.instructions().collect();
            let ours = jump_targets(code.len(), blob.isa().is_extended(), &instructions);
            for offset in 0..code.len() + 2 {
                assert_eq!(ours.contains(offset), expected.contains(offset), "{name} offset {offset}");
            }
        }
    }

    fn compile(code: Code<'_>, gas: GasMode, step_tracing: bool) -> CompiledCode {
        CompiledCode::compile(CompileInput {
            is_64_bit: code.isa().is_64_bit(),
            is_latest64: code.isa() == InstructionSetKind::Latest64,
            code,
            jump_table: Vec::new(),
            cost_model: &CostModel::naive(),
            gas,
            step_tracing,
        })
    }

    /// The O(1) paths of `entry` and `block_cost_at` against the binary search and a map.
    fn check_lookups(name: &str, code: Code<'_>) {
        for gas in [GasMode::None, GasMode::Sync, GasMode::Async, GasMode::PerInstruction] {
            for step_tracing in [false, true] {
                let compiled = compile(code, gas, step_tracing);
                let costs: std::collections::HashMap<u32, u64> =
                    compiled.blocks.iter().map(|block| (block.pc, block.cost)).collect();
                for pc in 0..code.len() + 3 {
                    let context = format!("{name} {gas:?} step tracing {step_tracing} pc {pc}");
                    assert_eq!(compiled.entry(pc), compiled.entry_in_block(pc), "{context}");
                    let expected =
                        if pc >= code.len() { Some(compiled.end_trap_cost) } else { costs.get(&pc).copied() };
                    assert_eq!(compiled.block_cost_at(pc), expected, "{context}");
                }
            }
        }
    }

    #[test]
    fn block_lookups_match_the_search() {
        for (name, blob) in test_blobs() {
            check_lookups(name, blob.code_view());
        }
    }

    /// Random instruction streams in every instruction set, then damaged (bytes changed, bitmask
    /// bits flipped, code cut short): odd items (gaps, overhangs, unassigned opcodes) for the
    /// lookups. The §3.6 case has its own test below.
    #[test]
    fn block_lookups_match_the_search_on_random_code() {
        use kestrel_program::{Args, Format, Instruction};

        let mut rng = crate::test_rng::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = move |below: u64| rng.below(below);
        for round in 0..400 {
            let isa = InstructionSetKind::ALL[round % 4];
            let opcodes: Vec<Opcode> = Opcode::ALL.iter().copied().filter(|opcode| opcode.is_in(isa)).collect();
            let mut code = Vec::new();
            let mut starts = Vec::new();
            for _ in 0..next(40) + 1 {
                let opcode = opcodes[next(opcodes.len() as u64) as usize];
                let reg = Reg::ALL[next(13) as usize];
                let imm = next(1 << 20) as u32;
                let args = match opcode.format() {
                    Format::None => Args::None,
                    Format::Imm => Args::Imm { imm },
                    Format::Offset => Args::Offset { target: imm % 128 },
                    Format::RegImm => Args::RegImm { reg, imm },
                    Format::RegImm64 => Args::RegImm64 { reg, imm: u64::from(imm) << 20 },
                    Format::RegImmImm => Args::RegImmImm { reg, imm1: imm, imm2: imm >> 3 },
                    Format::RegImmOffset => Args::RegImmOffset { reg, imm, target: imm % 128 },
                    Format::ImmImm => Args::ImmImm { imm1: imm, imm2: imm >> 5 },
                    Format::RegReg => Args::RegReg { reg1: reg, reg2: Reg::A1 },
                    Format::RegRegImm => Args::RegRegImm { reg1: reg, reg2: Reg::A2, imm },
                    Format::RegRegOffset => Args::RegRegOffset { reg1: reg, reg2: Reg::A3, target: imm % 128 },
                    Format::RegRegReg => Args::RegRegReg { reg1: reg, reg2: Reg::A4, reg3: Reg::T0 },
                    Format::RegRegImmImm => Args::RegRegImmImm { reg1: reg, reg2: Reg::T1, imm1: imm, imm2: 7 },
                };
                let Some(instruction) = Instruction::new(opcode, args) else { continue };
                let pc = code.len() as u32;
                if instruction.encode(isa, pc, &mut code).is_ok() {
                    starts.push(pc);
                }
            }
            let mut bitmask = vec![0u8; code.len().div_ceil(8)];
            for start in starts {
                bitmask[start as usize / 8] |= 1 << (start % 8);
            }
            for _ in 0..next(4) {
                let at = next(code.len() as u64) as usize;
                match next(3) {
                    0 => code[at] = next(256) as u8,
                    1 => bitmask[at / 8] ^= 1 << (at % 8),
                    _ => code.truncate(at),
                }
            }
            check_lookups(&format!("round {round}"), Code::new(isa, &code, &bitmask));
        }
    }

    /// `fallthrough` and `unlikely` get no op, except at a block start or right after an
    /// `ecalli`; targets still land on the same instructions; step tracing keeps them all.
    #[test]
    fn no_ops_are_elided_where_nothing_needs_them() {
        use kestrel_program::{Args, Instruction};

        let isa = InstructionSetKind::Latest32;
        let add = Instruction::new(Opcode::AddImm32, Args::RegRegImm { reg1: Reg::A0, reg2: Reg::A0, imm: 1 });
        let none = |opcode| Instruction::new(opcode, Args::None);
        let program = [
            add,
            none(Opcode::Fallthrough),
            add,
            none(Opcode::Unlikely),
            add,
            Instruction::new(Opcode::Ecalli, Args::Imm { imm: 7 }),
            none(Opcode::Fallthrough),
            none(Opcode::Fallthrough),
            none(Opcode::Trap),
        ];
        let mut code = Vec::new();
        let mut starts = Vec::new();
        for instruction in program {
            starts.push(code.len() as u32);
            instruction.unwrap().encode(isa, code.len() as u32, &mut code).unwrap();
        }
        let mut bitmask = vec![0u8; code.len().div_ceil(8) + 1];
        for &start in &starts {
            bitmask[start as usize / 8] |= 1 << (start % 8);
        }
        let view = Code::new(isa, &code, &bitmask);
        for gas in [GasMode::None, GasMode::Sync] {
            let compiled = compile(view, gas, false);
            let kinds: Vec<Kind> =
                compiled.ops.iter().map(|op| op.kind).filter(|kind| !matches!(kind, Kind::Charge)).collect();
            // Kept: the `fallthrough` after the `ecalli`, and without gas metering the one that
            // is a block of its own (with metering, that block's first op is its charge).
            let elided: &[u32] =
                if gas == GasMode::None { &[starts[1], starts[3]] } else { &[starts[1], starts[3], starts[7]] };
            let nops = kinds.iter().filter(|&&kind| kind == Kind::Nop).count();
            assert_eq!(nops, 4 - elided.len(), "{gas:?} {kinds:?}");
            // Every instruction but the elided ones, and the guard trap.
            assert_eq!(kinds.len(), program.len() - elided.len() + 1, "{gas:?} {kinds:?}");
            assert_eq!(compiled.elided_pcs, elided);
            for &pc in &starts {
                let entry = compiled.entry(pc).unwrap_or_else(|| panic!("{gas:?}: no entry at {pc}"));
                assert!(compiled.op_pc[entry.op as usize] >= pc, "{gas:?} entry at {pc}");
            }
            check_lookups("elided", view);
        }
        let traced = compile(view, GasMode::None, true);
        assert!(traced.elided_pcs.is_empty());
        assert_eq!(traced.ops.iter().filter(|op| op.kind == Kind::Nop).count(), 4);
    }

    /// §3.6: a zero-length `invalid` at the start of a block ends the previous block; an entry
    /// there runs the `invalid` (of the previous block) first.
    #[test]
    fn entry_after_a_zero_length_invalid() {
        let isa = InstructionSetKind::Latest32;
        let byte = |opcode: Opcode| opcode.legacy_byte(isa).unwrap();
        // trap at 0, load_imm at 7 (skip 24, pos % 8 == 7, near the end), trap at 32; length 36.
        let mut code = vec![0u8; 36];
        code[0] = byte(Opcode::Trap);
        code[7] = byte(Opcode::LoadImm);
        code[32] = byte(Opcode::Trap);
        let bitmask = [0x81, 0, 0, 0, 0x01];
        let view = Code::new(isa, &code, &bitmask);
        let items: Vec<_> = view.instructions().map(|item| (item.offset, item.length)).collect();
        assert!(items.contains(&(32, 0)), "no zero-length item: {items:?}");
        check_lookups("quirk", view);

        let compiled = compile(view, GasMode::Sync, false);
        let block = compiled.blocks.iter().find(|block| block.pc == 32).unwrap();
        let entry = compiled.entry(32).unwrap();
        assert_eq!(entry.op + 1, block.op);
        assert_eq!(compiled.ops[entry.op as usize], Op::TRAP);
        // Entered mid-block: the block of the `load_imm` (load_imm + invalid) is charged.
        assert_eq!(entry.charge, 2);
    }
}
