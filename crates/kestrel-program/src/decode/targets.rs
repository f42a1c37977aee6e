//! Precomputed offset sets (valid jump targets, instruction boundaries) and the control-transfer
//! rules built on them (`instructions.md` §7.2–§7.4, `runtime.md` §6, §13).

use alloc::vec;
use alloc::vec::Vec;

use crate::instruction::ParsedInstruction;
use crate::opcode::{Control, Opcode};

/// A set of code offsets in `[0, code_len)`, one bit per offset.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OffsetSet {
    words: Vec<u64>,
    len: u32,
}

impl OffsetSet {
    /// The empty set over `[0, len)`.
    pub fn new(len: u32) -> Self {
        OffsetSet { words: vec![0; (len as usize).div_ceil(64)], len }
    }

    /// The size of the universe (the code length).
    pub fn universe(&self) -> u32 {
        self.len
    }

    /// Adds `offset` (ignored when `offset >= len`).
    pub fn insert(&mut self, offset: u32) {
        if offset < self.len
            && let Some(word) = self.words.get_mut((offset / 64) as usize)
        {
            *word |= 1 << (offset % 64);
        }
    }

    /// Whether `offset` is in the set.
    #[inline]
    pub fn contains(&self, offset: u32) -> bool {
        offset < self.len && self.words.get((offset / 64) as usize).is_some_and(|word| word >> (offset % 64) & 1 != 0)
    }

    /// Number of offsets in the set.
    pub fn count(&self) -> usize {
        self.words.iter().map(|word| word.count_ones() as usize).sum()
    }

    /// The offsets in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(index, &word)| {
            let base = index as u32 * 64;
            let mut rest = word;
            core::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some(base + bit)
            })
        })
    }

    /// The largest member `<= offset`.
    pub fn last_at_or_before(&self, offset: u32) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let offset = offset.min(self.len - 1);
        let mut index = (offset / 64) as usize;
        // Keep bits 0..=offset%64 of the first word.
        let mut word = self.words.get(index).copied().unwrap_or(0) & (u64::MAX >> (63 - offset % 64));
        loop {
            if word != 0 {
                return Some(index as u32 * 64 + 63 - word.leading_zeros());
            }
            index = index.checked_sub(1)?;
            word = self.words.get(index).copied().unwrap_or(0);
        }
    }

    /// The smallest member `>= offset`.
    pub fn first_at_or_after(&self, offset: u32) -> Option<u32> {
        if offset >= self.len {
            return None;
        }
        let mut index = (offset / 64) as usize;
        let mut word = self.words.get(index).copied().unwrap_or(0) & (u64::MAX << (offset % 64));
        loop {
            if word != 0 {
                return Some(index as u32 * 64 + word.trailing_zeros());
            }
            index += 1;
            word = *self.words.get(index)?;
        }
    }
}

/// The valid jump targets of a code section (§7.2), computed by [`super::Code::jump_targets`] in
/// one linear pass. This is what the interpreter and JIT consult for every static or dynamic
/// transfer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct JumpTargets {
    pub(crate) set: OffsetSet,
    pub(crate) extended: bool,
}

impl JumpTargets {
    /// Whether `offset` is a valid jump target (always false for `offset >= code_len`).
    #[inline]
    pub fn contains(&self, offset: u32) -> bool {
        self.set.contains(offset)
    }

    /// The code length.
    pub fn code_len(&self) -> u32 {
        self.set.universe()
    }

    /// Number of valid jump targets.
    pub fn count(&self) -> usize {
        self.set.count()
    }

    /// The valid jump targets in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.set.iter()
    }

    /// The underlying bit set.
    pub fn as_set(&self) -> &OffsetSet {
        &self.set
    }

    /// Start of the basic block enclosing `pc`: the largest valid jump target `<= pc`.
    ///
    /// Entering at an instruction boundary that is not a block start (`runtime.md` §7.2, §9.3)
    /// charges this whole block. Decode the block from here with [`super::Code::basic_block`] and
    /// run it from its first item whose offset is `pc` (for §3.6's quirk that is the zero-length
    /// `invalid` item, which is why entering there traps); if no item starts at `pc` the entry
    /// traps. `None` only for empty code.
    pub fn block_start_of(&self, pc: u32) -> Option<u32> {
        self.set.last_at_or_before(pc)
    }

    /// §7.4: whether execution may continue at `next_offset` (= `pc + length`) after a
    /// `fallthrough` or a conditional branch at `pc`.
    ///
    /// Legacy ISAs: `next_offset` must be a valid jump target (in practice: `< code_len`, since
    /// the item after a terminator is always a valid target). Latest64: `next_offset < code_len`.
    /// When this is false, `fallthrough` traps at its own pc, and a branch traps at its own pc
    /// **whether or not it would be taken** (the check is made when the block is prepared).
    #[inline]
    pub fn is_fallthrough_target_usable(&self, next_offset: u32) -> bool {
        if self.extended { next_offset < self.code_len() } else { self.contains(next_offset) }
    }

    /// Whether a block terminator's static successors are acceptable (§7.4, `runtime.md` §13).
    /// `false` means the instruction traps at its own pc instead of transferring control:
    ///
    /// * branches: the target must be valid **and** the fall-through usable, checked regardless
    ///   of the condition;
    /// * `jump`, `load_imm_and_jump`: the target must be valid (`load_imm_and_jump` writes its
    ///   register before trapping);
    /// * `fallthrough`: the next offset must be usable;
    /// * every other instruction (including dynamic jumps, which are resolved with
    ///   [`JumpTargets::resolve_dynamic_jump`] at run time): always `true`.
    pub fn has_valid_static_successors(&self, item: &ParsedInstruction) -> bool {
        let target_ok = item.instruction.args.target().is_none_or(|target| self.contains(target));
        match item.instruction.opcode.control() {
            Control::Branch => target_ok && self.is_fallthrough_target_usable(item.next_offset()),
            Control::Fallthrough => self.is_fallthrough_target_usable(item.next_offset()),
            Control::Stop if matches!(item.instruction.opcode, Opcode::Jump | Opcode::LoadImmAndJump) => target_ok,
            _ => true,
        }
    }

    /// Resolves a dynamic jump to `addr` (§7.3): `lookup(k)` returns jump-table entry k, or `None`
    /// when k is out of range (e.g. `JumpTable::get`).
    pub fn resolve_dynamic_jump(&self, addr: u32, lookup: impl FnOnce(u32) -> Option<u32>) -> DynamicJump {
        if addr == RETURN_TO_HOST_ADDRESS {
            return DynamicJump::ReturnToHost;
        }
        match jump_table_index(addr).and_then(lookup) {
            Some(target) if self.contains(target) => DynamicJump::Target(target),
            _ => DynamicJump::Trap,
        }
    }
}

/// The dynamic-jump address that returns to the host (`VM_ADDR_RETURN_TO_HOST`).
pub const RETURN_TO_HOST_ADDRESS: u32 = 0xffff_0000;

/// Jump-table addresses are `2 * (k + 1)` (`VM_CODE_ADDRESS_ALIGNMENT` = 2).
pub const CODE_ADDRESS_ALIGNMENT: u32 = 2;

/// Outcome of a dynamic jump (§7.3).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum DynamicJump {
    /// `addr == 0xFFFF0000`: execution finishes.
    ReturnToHost,
    /// Continue at this valid jump target.
    Target(u32),
    /// Trap at the jumping instruction.
    Trap,
}

/// The jump-table index for a dynamic-jump address: `addr / 2 - 1`, or `None` for 0 and odd
/// addresses. Does not special-case [`RETURN_TO_HOST_ADDRESS`]; check that first.
#[inline]
pub const fn jump_table_index(addr: u32) -> Option<u32> {
    if addr == 0 || !addr.is_multiple_of(CODE_ADDRESS_ALIGNMENT) {
        None
    } else {
        Some(addr / CODE_ADDRESS_ALIGNMENT - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_set_queries() {
        let mut set = OffsetSet::new(200);
        for offset in [0, 5, 63, 64, 130, 199, 200, 1000] {
            set.insert(offset);
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 5, 63, 64, 130, 199]);
        assert_eq!(set.count(), 6);
        assert!(set.contains(199) && !set.contains(200) && !set.contains(6));
        for probe in 0..260 {
            let expected_before = set.iter().filter(|&o| o <= probe).max();
            let expected_after = set.iter().find(|&o| o >= probe);
            assert_eq!(set.last_at_or_before(probe), expected_before, "{probe}");
            assert_eq!(set.first_at_or_after(probe), expected_after, "{probe}");
        }
        assert_eq!(OffsetSet::new(0).last_at_or_before(5), None);
        assert_eq!(OffsetSet::new(10).last_at_or_before(5), None);
    }

    #[test]
    fn jump_table_addresses() {
        assert_eq!(jump_table_index(0), None);
        assert_eq!(jump_table_index(1), None);
        assert_eq!(jump_table_index(3), None);
        assert_eq!(jump_table_index(2), Some(0));
        assert_eq!(jump_table_index(4), Some(1));
        assert_eq!(jump_table_index(0xffff_ffff), None);
    }
}
