//! Sequence fusion: a peephole pass over the compiled ops that gives op k a *fused* kind when
//! ops k, k+1, .. form one of the sequences below, so the dispatch loop pays one dispatch for
//! the whole sequence.
//!
//! Only op k's kind changes: the later instructions keep their slots and operands, which the
//! fused handler reads from there. An interrupt inside the sequence (a memory fault) names the
//! faulting instruction with the earlier ones done, and a resume or a jump into the middle runs
//! the op found there, which may itself be fused. Every position is fused independently (the
//! longest matching sequence wins). Gas is unaffected: `Charge` ops are never part of a
//! sequence, and step tracing (a `Step` op before every instruction) leaves nothing to fuse.
//!
//! Every kind but the last of a sequence must be straight-line (see `Kind::is_straight`); the
//! last may branch. The list holds shapes common in compiled code (loop tails, post-increments,
//! bit-field packing and extraction, address computation + access, table lookups); it was
//! started from DOOM's profile and kept to those general shapes. No sequence is specific to one
//! program: an earlier group copied from DOOM's frame blit was replaced by the general loop-head
//! handling of `fused!` (`execute/semantics.rs`), which runs that loop without dispatches too.

use crate::ops::{Kind, Op};

/// The fused kinds: `(name, [base kinds in order])`. Expands `$callback! { ... }`.
macro_rules! for_each_fusion {
    ($callback:ident $(, $extra:tt)*) => {
        $callback! {
            $($extra)*
            // Pairs: add_imm + add_imm, add_imm + branch, load/store + add_imm (post-increment)
            (AddImm32_AddImm32, [AddImm32, AddImm32]),
            (AddImm32_BranchEq, [AddImm32, BranchEq]),
            (AddImm32_BranchNotEq, [AddImm32, BranchNotEq]),
            (AddImm32_BranchLessUnsigned, [AddImm32, BranchLessUnsigned]),
            (AddImm32_BranchLessSigned, [AddImm32, BranchLessSigned]),
            (AddImm32_BranchGreaterOrEqualUnsigned, [AddImm32, BranchGreaterOrEqualUnsigned]),
            (AddImm32_BranchGreaterOrEqualSigned, [AddImm32, BranchGreaterOrEqualSigned]),
            (AddImm32_BranchEqImm, [AddImm32, BranchEqImm]),
            (AddImm32_BranchNotEqImm, [AddImm32, BranchNotEqImm]),
            (AddImm32_BranchLessUnsignedImm, [AddImm32, BranchLessUnsignedImm]),
            (AddImm32_BranchLessSignedImm, [AddImm32, BranchLessSignedImm]),
            (AddImm32_BranchGreaterOrEqualUnsignedImm, [AddImm32, BranchGreaterOrEqualUnsignedImm]),
            (AddImm32_BranchGreaterOrEqualSignedImm, [AddImm32, BranchGreaterOrEqualSignedImm]),
            (AddImm32_BranchLessOrEqualUnsignedImm, [AddImm32, BranchLessOrEqualUnsignedImm]),
            (AddImm32_BranchLessOrEqualSignedImm, [AddImm32, BranchLessOrEqualSignedImm]),
            (AddImm32_BranchGreaterUnsignedImm, [AddImm32, BranchGreaterUnsignedImm]),
            (AddImm32_BranchGreaterSignedImm, [AddImm32, BranchGreaterSignedImm]),
            (StoreU8_AddImm32, [StoreU8, AddImm32]),
            (StoreU16_AddImm32, [StoreU16, AddImm32]),
            (StoreU32_AddImm32, [StoreU32, AddImm32]),
            (StoreU64_AddImm32, [StoreU64, AddImm32]),
            (LoadU8_AddImm32, [LoadU8, AddImm32]),
            (LoadI8_AddImm32, [LoadI8, AddImm32]),
            (LoadU16_AddImm32, [LoadU16, AddImm32]),
            (LoadI16_AddImm32, [LoadI16, AddImm32]),
            (LoadU32_AddImm32, [LoadU32, AddImm32]),
            (LoadI32_AddImm32, [LoadI32, AddImm32]),
            (LoadU64_AddImm32, [LoadU64, AddImm32]),
            (AddImm64_AddImm64, [AddImm64, AddImm64]),
            (AddImm64_BranchEq, [AddImm64, BranchEq]),
            (AddImm64_BranchNotEq, [AddImm64, BranchNotEq]),
            (AddImm64_BranchLessUnsigned, [AddImm64, BranchLessUnsigned]),
            (AddImm64_BranchLessSigned, [AddImm64, BranchLessSigned]),
            (AddImm64_BranchGreaterOrEqualUnsigned, [AddImm64, BranchGreaterOrEqualUnsigned]),
            (AddImm64_BranchGreaterOrEqualSigned, [AddImm64, BranchGreaterOrEqualSigned]),
            (AddImm64_BranchEqImm, [AddImm64, BranchEqImm]),
            (AddImm64_BranchNotEqImm, [AddImm64, BranchNotEqImm]),
            (AddImm64_BranchLessUnsignedImm, [AddImm64, BranchLessUnsignedImm]),
            (AddImm64_BranchLessSignedImm, [AddImm64, BranchLessSignedImm]),
            (AddImm64_BranchGreaterOrEqualUnsignedImm, [AddImm64, BranchGreaterOrEqualUnsignedImm]),
            (AddImm64_BranchGreaterOrEqualSignedImm, [AddImm64, BranchGreaterOrEqualSignedImm]),
            (AddImm64_BranchLessOrEqualUnsignedImm, [AddImm64, BranchLessOrEqualUnsignedImm]),
            (AddImm64_BranchLessOrEqualSignedImm, [AddImm64, BranchLessOrEqualSignedImm]),
            (AddImm64_BranchGreaterUnsignedImm, [AddImm64, BranchGreaterUnsignedImm]),
            (AddImm64_BranchGreaterSignedImm, [AddImm64, BranchGreaterSignedImm]),
            (StoreU8_AddImm64, [StoreU8, AddImm64]),
            (StoreU16_AddImm64, [StoreU16, AddImm64]),
            (StoreU32_AddImm64, [StoreU32, AddImm64]),
            (StoreU64_AddImm64, [StoreU64, AddImm64]),
            (LoadU8_AddImm64, [LoadU8, AddImm64]),
            (LoadI8_AddImm64, [LoadI8, AddImm64]),
            (LoadU16_AddImm64, [LoadU16, AddImm64]),
            (LoadI16_AddImm64, [LoadI16, AddImm64]),
            (LoadU32_AddImm64, [LoadU32, AddImm64]),
            (LoadI32_AddImm64, [LoadI32, AddImm64]),
            (LoadU64_AddImm64, [LoadU64, AddImm64]),
            // Common idioms (32-bit): loop tails with two induction variables, store/copy loops, bit-field extraction and sign/zero extension, address computation + access, a last op + jump
            (AddImm32_AddImm32_BranchEq, [AddImm32, AddImm32, BranchEq]),
            (AddImm32_AddImm32_BranchNotEq, [AddImm32, AddImm32, BranchNotEq]),
            (AddImm32_AddImm32_BranchLessUnsigned, [AddImm32, AddImm32, BranchLessUnsigned]),
            (AddImm32_AddImm32_BranchLessSigned, [AddImm32, AddImm32, BranchLessSigned]),
            (AddImm32_AddImm32_BranchEqImm, [AddImm32, AddImm32, BranchEqImm]),
            (AddImm32_AddImm32_BranchNotEqImm, [AddImm32, AddImm32, BranchNotEqImm]),
            // A word stored byte by byte (`*p++ = x >> s; s += 8`): the whole loop in one kind, so
            // it repeats in its handler with its counters carried (found in DOOM's frame blit)
            (ShiftLogicalRight32_StoreU8_AddImm32_AddImm32_BranchNotEq, [ShiftLogicalRight32, StoreU8, AddImm32, AddImm32, BranchNotEq]),
            (StoreU8_AddImm32_AddImm32_BranchNotEq, [StoreU8, AddImm32, AddImm32, BranchNotEq]),
            (StoreU32_AddImm32_AddImm32_BranchNotEq, [StoreU32, AddImm32, AddImm32, BranchNotEq]),
            (LoadU8_AddImm32_StoreU8_AddImm32_BranchNotEq, [LoadU8, AddImm32, StoreU8, AddImm32, BranchNotEq]),
            (ShiftLogicalLeftImm32_ShiftLogicalRightImm32, [ShiftLogicalLeftImm32, ShiftLogicalRightImm32]),
            (ShiftLogicalLeftImm32_ShiftArithmeticRightImm32, [ShiftLogicalLeftImm32, ShiftArithmeticRightImm32]),
            (ShiftLogicalRightImm32_Or, [ShiftLogicalRightImm32, Or]),
            (ShiftLogicalLeftImm32_Add32, [ShiftLogicalLeftImm32, Add32]),
            (Add32_LoadU8, [Add32, LoadU8]),
            (Add32_LoadI32, [Add32, LoadI32]),
            (Add32_LoadU16, [Add32, LoadU16]),
            (Add32_LoadI16, [Add32, LoadI16]),
            (Add32_StoreU8, [Add32, StoreU8]),
            (Add32_StoreU32, [Add32, StoreU32]),
            (LoadImm_Jump, [LoadImm, Jump]),
            (Add32_Jump, [Add32, Jump]),
            (MoveReg_Jump, [MoveReg, Jump]),
            (AddImm32_Jump, [AddImm32, Jump]),
            (LoadI32_LoadI32, [LoadI32, LoadI32]),
            (StoreU32_StoreU32, [StoreU32, StoreU32]),
            // Bit-field packing and extraction with register shift amounts, byte-indexed table
            // lookups (`table[byte]`: load the byte, scale it), a global's address plus an index
            (ShiftLogicalLeft32_Or, [ShiftLogicalLeft32, Or]),
            (ShiftLogicalRight32_AndImm, [ShiftLogicalRight32, AndImm]),
            (LoadU8_ShiftLogicalLeftImm32, [LoadU8, ShiftLogicalLeftImm32]),
            (LoadImm_Add32, [LoadImm, Add32]),
            // The same idioms, 64-bit
            (AddImm64_AddImm64_BranchNotEq, [AddImm64, AddImm64, BranchNotEq]),
            (AddImm64_AddImm64_BranchLessUnsigned, [AddImm64, AddImm64, BranchLessUnsigned]),
            (AddImm64_AddImm64_BranchEqImm, [AddImm64, AddImm64, BranchEqImm]),
            (AddImm64_AddImm64_BranchNotEqImm, [AddImm64, AddImm64, BranchNotEqImm]),
            (StoreU8_AddImm64_AddImm64_BranchNotEq, [StoreU8, AddImm64, AddImm64, BranchNotEq]),
            (LoadU8_AddImm64_StoreU8_AddImm64_BranchNotEq, [LoadU8, AddImm64, StoreU8, AddImm64, BranchNotEq]),
            (ShiftLogicalLeftImm64_ShiftLogicalRightImm64, [ShiftLogicalLeftImm64, ShiftLogicalRightImm64]),
            (ShiftLogicalLeftImm64_ShiftArithmeticRightImm64, [ShiftLogicalLeftImm64, ShiftArithmeticRightImm64]),
            (Add64_LoadU8, [Add64, LoadU8]),
            (Add64_LoadU64, [Add64, LoadU64]),
            (Add64_StoreU64, [Add64, StoreU64]),
            (Add64_Jump, [Add64, Jump]),
            (AddImm64_Jump, [AddImm64, Jump]),
            (ShiftLogicalLeft64_Or, [ShiftLogicalLeft64, Or]),
            (ShiftLogicalRight64_AndImm, [ShiftLogicalRight64, AndImm]),
            (LoadU8_ShiftLogicalLeftImm64, [LoadU8, ShiftLogicalLeftImm64]),
            (LoadImm_Add64, [LoadImm, Add64]),
        }
    };
}
pub(crate) use for_each_fusion;

/// The sequences grouped by first kind (longest first), plus which second kinds can follow
/// each first kind at all (most positions are rejected by that one bit).
struct Candidates {
    by_first: Vec<Vec<(Kind, &'static [Kind])>>,
    /// A bit set of second kinds per first kind, `WORDS` words each.
    second: Vec<u64>,
}

const WORDS: usize = Kind::COUNT.div_ceil(64);

impl Candidates {
    fn may_follow(&self, first: usize, next: usize) -> bool {
        self.second.get(first * WORDS + next / 64).is_some_and(|word| word >> (next % 64) & 1 != 0)
    }
}

fn candidates() -> &'static Candidates {
    static CANDIDATES: std::sync::OnceLock<Candidates> = std::sync::OnceLock::new();
    CANDIDATES.get_or_init(|| {
        let mut by_first = vec![Vec::new(); Kind::COUNT];
        let mut second = vec![0u64; Kind::COUNT * WORDS];
        for &(fused, parts) in Kind::FUSED {
            by_first[parts[0] as usize].push((fused, parts));
            let next = parts[1] as usize;
            second[parts[0] as usize * WORDS + next / 64] |= 1 << (next % 64);
        }
        for list in &mut by_first {
            list.sort_by_key(|&(_, parts): &(Kind, &[Kind])| core::cmp::Reverse(parts.len()));
        }
        Candidates { by_first, second }
    })
}

/// Gives every op that starts a listed sequence its fused kind. Must run after branch targets
/// are resolved.
pub fn fuse(ops: &mut [Op]) {
    let candidates = candidates();
    let base: Vec<Kind> = ops.iter().map(|op| op.kind).collect();
    for (k, op) in ops.iter_mut().enumerate() {
        let (first, Some(&next)) = (base[k] as usize, base.get(k + 1)) else { continue };
        if !candidates.may_follow(first, next as usize) {
            continue;
        }
        if let Some(&(fused, _)) = candidates.by_first[first].iter().find(|(_, parts)| base[k..].starts_with(parts)) {
            op.kind = fused;
        }
    }
}

/// Gives the unfused 32-bit loads and stores and the 64-bit ones based on the stack pointer
/// their `Stack` kind, which checks the stack region first (register spills and reloads;
/// every other access is checked against the rw region first). Ops inside a fused sequence
/// change too: their kind is used only when a jump lands on them.
pub fn prefer_stack(ops: &mut [Op]) {
    const SP: u8 = kestrel_program::reg::Reg::SP.index();
    for op in ops.iter_mut().filter(|op| op.b == SP) {
        op.kind = match op.kind {
            Kind::LoadI32 => Kind::LoadI32Stack,
            Kind::LoadU64 => Kind::LoadU64Stack,
            Kind::StoreU32 => Kind::StoreU32Stack,
            Kind::StoreU64 => Kind::StoreU64Stack,
            other => other,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuses_every_position_and_keeps_the_operands() {
        let (a, b, c) = (7u8, 8u8, 9u8);
        let ops = [
            Op::with(Kind::StoreU8, c, a, 0, 0, 0),
            Op::with(Kind::AddImm32, a, a, 0, 0, 1),
            Op::with(Kind::AddImm32, b, b, 0, 0, -1),
            Op::with(Kind::BranchNotEq, a, c, 0, 0, 0),
        ];
        let mut fused = ops;
        fuse(&mut fused);
        let kinds: Vec<Kind> = fused.iter().map(|op| op.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::StoreU8_AddImm32_AddImm32_BranchNotEq,
                Kind::AddImm32_AddImm32_BranchNotEq,
                Kind::AddImm32_BranchNotEq,
                Kind::BranchNotEq
            ]
        );
        for (fused, op) in fused.iter().zip(&ops) {
            assert_eq!(Op { kind: op.kind, ..*fused }, *op);
        }
    }

    #[test]
    fn leaves_unfusable_sequences_alone() {
        let add = Op::with(Kind::AddImm32, 7, 7, 0, 0, 1);
        let mut ops = [Op::new(Kind::Nop), add, Op::TRAP, add];
        fuse(&mut ops);
        assert_eq!(ops, [Op::new(Kind::Nop), add, Op::TRAP, add]);
    }
}
