//! Pair fusion: a peephole pass over the compiled ops that merges hot adjacent pairs inside a
//! basic block (`add_imm` + `add_imm`, `add_imm` + branch, load/store + `add_imm`) into one op, so
//! the dispatch loop pays one dispatch for two instructions.
//!
//! The fused op replaces the first op of the pair; the second stays where it was. Nothing jumps
//! to the second op (it is never a block start), but an interrupt inside the pair, or a host
//! entry at its pc, resumes there and runs it alone. Gas is unaffected: it is charged per block.

use crate::ops::Op;

/// The 32-bit immediate of a sign-extended 64-bit one (every `imm` the compiler produces is).
fn narrow(imm: u64) -> Option<u32> {
    let low = imm as u32;
    (low as i32 as i64 as u64 == imm).then_some(low)
}

/// Fuses adjacent pairs, left to right. Must run after branch targets are resolved, and not
/// at all when ops other than instructions (`Step`, per-instruction `Charge`) are interleaved.
pub fn fuse(ops: &mut [Op]) {
    let mut k = 0;
    while k + 1 < ops.len() {
        match fuse_pair(ops[k], ops[k + 1]) {
            Some(fused) => {
                ops[k] = fused;
                k += 2;
            }
            None => k += 1,
        }
    }
}

/// The fused form of `first` followed by `second`, if there is one.
fn fuse_pair(first: Op, second: Op) -> Option<Op> {
    let fused = match (first, second) {
        (Op::AddImm32 { d: d1, s: s1, imm: imm1 }, Op::AddImm32 { d: d2, s: s2, imm: imm2 }) => {
            Op::AddImmAddImm32 { d1, s1, d2, s2, imm1: narrow(imm1)?, imm2: narrow(imm2)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchEq { s1, s2, target }) => {
            Op::AddImm32BranchEq { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchNotEq { s1, s2, target }) => {
            Op::AddImm32BranchNotEq { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchLessUnsigned { s1, s2, target }) => {
            Op::AddImm32BranchLessUnsigned { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchLessSigned { s1, s2, target }) => {
            Op::AddImm32BranchLessSigned { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchGreaterOrEqualUnsigned { s1, s2, target }) => {
            Op::AddImm32BranchGreaterOrEqualUnsigned { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchGreaterOrEqualSigned { s1, s2, target }) => {
            Op::AddImm32BranchGreaterOrEqualSigned { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchEqImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchEqImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchNotEqImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchNotEqImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchLessUnsignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchLessUnsignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchLessSignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchLessSignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchGreaterOrEqualUnsignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchGreaterOrEqualUnsignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchGreaterOrEqualSignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchGreaterOrEqualSignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchLessOrEqualUnsignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchLessOrEqualUnsignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchLessOrEqualSignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchLessOrEqualSignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchGreaterUnsignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchGreaterUnsignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm32 { d, s, imm }, Op::BranchGreaterSignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm32BranchGreaterSignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::StoreU8 { s, b, off }, Op::AddImm32 { d, s: a, imm }) => {
            Op::StoreU8AddImm32 { s, b, d, a, off, imm: narrow(imm)? }
        }
        (Op::StoreU16 { s, b, off }, Op::AddImm32 { d, s: a, imm }) => {
            Op::StoreU16AddImm32 { s, b, d, a, off, imm: narrow(imm)? }
        }
        (Op::StoreU32 { s, b, off }, Op::AddImm32 { d, s: a, imm }) => {
            Op::StoreU32AddImm32 { s, b, d, a, off, imm: narrow(imm)? }
        }
        (Op::StoreU64 { s, b, off }, Op::AddImm32 { d, s: a, imm }) => {
            Op::StoreU64AddImm32 { s, b, d, a, off, imm: narrow(imm)? }
        }
        (Op::AddImm64 { d: d1, s: s1, imm: imm1 }, Op::AddImm64 { d: d2, s: s2, imm: imm2 }) => {
            Op::AddImmAddImm64 { d1, s1, d2, s2, imm1: narrow(imm1)?, imm2: narrow(imm2)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchEq { s1, s2, target }) => {
            Op::AddImm64BranchEq { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchNotEq { s1, s2, target }) => {
            Op::AddImm64BranchNotEq { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchLessUnsigned { s1, s2, target }) => {
            Op::AddImm64BranchLessUnsigned { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchLessSigned { s1, s2, target }) => {
            Op::AddImm64BranchLessSigned { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchGreaterOrEqualUnsigned { s1, s2, target }) => {
            Op::AddImm64BranchGreaterOrEqualUnsigned { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchGreaterOrEqualSigned { s1, s2, target }) => {
            Op::AddImm64BranchGreaterOrEqualSigned { d, s, s1, s2, imm: narrow(imm)?, target }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchEqImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchEqImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchNotEqImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchNotEqImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchLessUnsignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchLessUnsignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchLessSignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchLessSignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchGreaterOrEqualUnsignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchGreaterOrEqualUnsignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchGreaterOrEqualSignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchGreaterOrEqualSignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchLessOrEqualUnsignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchLessOrEqualUnsignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchLessOrEqualSignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchLessOrEqualSignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchGreaterUnsignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchGreaterUnsignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::AddImm64 { d, s, imm }, Op::BranchGreaterSignedImm { s: s2, target, imm: bimm }) => {
            Op::AddImm64BranchGreaterSignedImm { d, s, s2, imm: narrow(imm)?, target, bimm: narrow(bimm)? }
        }
        (Op::StoreU8 { s, b, off }, Op::AddImm64 { d, s: a, imm }) => {
            Op::StoreU8AddImm64 { s, b, d, a, off, imm: narrow(imm)? }
        }
        (Op::StoreU16 { s, b, off }, Op::AddImm64 { d, s: a, imm }) => {
            Op::StoreU16AddImm64 { s, b, d, a, off, imm: narrow(imm)? }
        }
        (Op::StoreU32 { s, b, off }, Op::AddImm64 { d, s: a, imm }) => {
            Op::StoreU32AddImm64 { s, b, d, a, off, imm: narrow(imm)? }
        }
        (Op::StoreU64 { s, b, off }, Op::AddImm64 { d, s: a, imm }) => {
            Op::StoreU64AddImm64 { s, b, d, a, off, imm: narrow(imm)? }
        }
        (Op::LoadU8 { d, b, off }, Op::AddImm32 { d: d2, s: a, imm }) => {
            Op::LoadU8AddImm32 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadI8 { d, b, off }, Op::AddImm32 { d: d2, s: a, imm }) => {
            Op::LoadI8AddImm32 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadU16 { d, b, off }, Op::AddImm32 { d: d2, s: a, imm }) => {
            Op::LoadU16AddImm32 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadI16 { d, b, off }, Op::AddImm32 { d: d2, s: a, imm }) => {
            Op::LoadI16AddImm32 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadU32 { d, b, off }, Op::AddImm32 { d: d2, s: a, imm }) => {
            Op::LoadU32AddImm32 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadI32 { d, b, off }, Op::AddImm32 { d: d2, s: a, imm }) => {
            Op::LoadI32AddImm32 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadU64 { d, b, off }, Op::AddImm32 { d: d2, s: a, imm }) => {
            Op::LoadU64AddImm32 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadU8 { d, b, off }, Op::AddImm64 { d: d2, s: a, imm }) => {
            Op::LoadU8AddImm64 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadI8 { d, b, off }, Op::AddImm64 { d: d2, s: a, imm }) => {
            Op::LoadI8AddImm64 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadU16 { d, b, off }, Op::AddImm64 { d: d2, s: a, imm }) => {
            Op::LoadU16AddImm64 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadI16 { d, b, off }, Op::AddImm64 { d: d2, s: a, imm }) => {
            Op::LoadI16AddImm64 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadU32 { d, b, off }, Op::AddImm64 { d: d2, s: a, imm }) => {
            Op::LoadU32AddImm64 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadI32 { d, b, off }, Op::AddImm64 { d: d2, s: a, imm }) => {
            Op::LoadI32AddImm64 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        (Op::LoadU64 { d, b, off }, Op::AddImm64 { d: d2, s: a, imm }) => {
            Op::LoadU64AddImm64 { d, b, d2, a, off, imm: narrow(imm)? }
        }
        _ => return None,
    };
    Some(fused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuses_left_to_right_and_keeps_the_second_op() {
        let (a, b, c) = (7u8, 8u8, 9u8);
        let ops = [
            Op::StoreU8 { s: c, b: a, off: 0 },
            Op::AddImm32 { d: a, s: a, imm: 1 },
            Op::AddImm32 { d: b, s: b, imm: u64::MAX },
            Op::BranchNotEq { s1: a, s2: c, target: 0 },
        ];
        let mut fused = ops;
        fuse(&mut fused);
        assert_eq!(fused[0], Op::StoreU8AddImm32 { s: c, b: a, d: a, a, off: 0, imm: 1 });
        assert_eq!(fused[1], ops[1]);
        assert_eq!(fused[2], Op::AddImm32BranchNotEq { d: b, s: b, s1: a, s2: c, imm: u32::MAX, target: 0 });
        assert_eq!(fused[3], ops[3]);
    }

    #[test]
    fn leaves_unfusable_pairs_alone() {
        let a = 7u8;
        let mut ops = [Op::Nop, Op::AddImm32 { d: a, s: a, imm: 1 }, Op::Trap];
        fuse(&mut ops);
        assert_eq!(ops, [Op::Nop, Op::AddImm32 { d: a, s: a, imm: 1 }, Op::Trap]);
        assert_eq!(narrow(1 << 40), None);
    }
}
