//! The pre-decoded dispatch form: one flat 16-byte [`Op`] per instruction plus a few
//! bookkeeping ops (`fallthrough` and `unlikely` get none where nothing needs one, see
//! `compile::elide_nops`).
//!
//! Every op has the same fields; what they mean depends on the [`Kind`]:
//!
//! | kinds | `a` | `b` | `c` | `x` | `y` |
//! |---|---|---|---|---|---|
//! | three registers (`Add32`, ...) | d | s1 | s2 | | |
//! | `CmovIfZero`, `CmovIfNotZero` | d | s | cond | | |
//! | register + immediate (`AddImm32`, ...) | d | s | | | imm |
//! | `CmovIfZeroImm`, `CmovIfNotZeroImm` | d | cond | | | imm |
//! | two registers (`MoveReg`, `SignExtend8`, ...) | d | s | | | |
//! | `LoadImm` | d | | | | imm |
//! | `LoadImm64` | d | | | low 32 bits | high 32 bits |
//! | loads (also the `Stack` kinds of stack-pointer-based ones) | d | base | | off | |
//! | stores (also the `Stack` kinds) | s | base | | off | |
//! | immediate stores | | base | | off | imm |
//! | register branches | s1 | s2 | | target | |
//! | immediate branches | s | | | target | imm |
//! | `Jump` | | | | target | |
//! | `JumpIndirect` | | base | | off | |
//! | `LoadImmAndJump` / `LoadImmAndTrap` | d | | | target | imm |
//! | `LoadImmAndJumpIndirect` | d | base | | off | imm |
//! | `Sbrk` | d | s | wide | | |
//! | `Memset` | metering | | | | |
//! | `Charge`, `ChargeAsync` | | | | cost | |
//! | `Ecalli` | | | | imm | |
//!
//! Registers are `u8` indices into the register file (index [`ZERO_REG`] always holds 0, so
//! absolute memory forms reuse the indirect ops), `imm` is a 32-bit immediate sign-extended to 64
//! bits where it is used (every immediate but `load_imm64`'s is one), `off` is an
//! address displacement (added mod 2^32), `target` is an op index.
//!
//! A *fused* kind (`fuse.rs`) at op k does the work of ops k..k+n; it only changes op k's kind,
//! so the operands of the later instructions are read from their own (unchanged) slots.

/// A register slot that is never written and always reads 0.
pub const ZERO_REG: u8 = 13;

/// How the module meters gas (decides what `memset` charges per byte).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Metering {
    None,
    Sync,
    Async,
}

impl Metering {
    pub fn from_u8(value: u8) -> Metering {
        match value {
            1 => Metering::Sync,
            2 => Metering::Async,
            _ => Metering::None,
        }
    }
}

/// Invokes `$callback!` with the base op kinds (one instruction or bookkeeping each, in a bracketed
/// list, with their docs) followed by the fused sequences of `fuse.rs`: the one list that both the
/// `Kind` enum and the executor's dispatch are generated from.
macro_rules! for_each_kind {
    ($callback:ident) => {
        crate::fuse::for_each_fusion! {
            $callback,
            [
                // ----- bookkeeping -----
                /// Sync gas: stop with `NotEnoughGas` before the block if `cost > gas`.
                Charge,
                /// Async gas: deduct, stop if the result is negative.
                ChargeAsync,
                /// Step tracing: report `Step` before the next op's instruction.
                Step,

                // ----- control -----
                Trap,
                Nop,
                Ecalli,
                Jump,
                JumpIndirect,
                LoadImmAndJump,
                /// `load_imm_and_jump` whose static target is invalid: writes `d`, then traps.
                LoadImmAndTrap,
                LoadImmAndJumpIndirect,
                BranchEq,
                BranchNotEq,
                BranchLessUnsigned,
                BranchLessSigned,
                BranchGreaterOrEqualUnsigned,
                BranchGreaterOrEqualSigned,
                BranchEqImm,
                BranchNotEqImm,
                BranchLessUnsignedImm,
                BranchLessSignedImm,
                BranchGreaterOrEqualUnsignedImm,
                BranchGreaterOrEqualSignedImm,
                BranchLessOrEqualUnsignedImm,
                BranchLessOrEqualSignedImm,
                BranchGreaterUnsignedImm,
                BranchGreaterSignedImm,

                // ----- system -----
                /// `sbrk`; `wide` = Latest64 (size ≥ 2^32 counts as 0).
                Sbrk,
                /// `memset` (a0/a2 written zero-extended in every ISA, like polkavm 0.37).
                Memset,

                // ----- memory -----
                LoadU8,
                LoadI8,
                LoadU16,
                LoadI16,
                LoadU32,
                LoadI32,
                LoadU64,
                StoreU8,
                StoreU16,
                StoreU32,
                StoreU64,
                StoreImmU8,
                StoreImmU16,
                StoreImmU32,
                StoreImmU64,
                /// The same as the kind without `Stack`, for an access based on the stack
                /// pointer: the stack region is checked before the rw region (`fuse::prefer_stack`).
                LoadI32Stack,
                LoadU64Stack,
                StoreU32Stack,
                StoreU64Stack,

                // ----- register/immediate -----
                LoadImm,
                /// `load_imm64`: a 64-bit immediate, in `x` (low half) and `y` (high half).
                LoadImm64,
                MoveReg,
                AddImm32,
                AddImm64,
                AndImm,
                XorImm,
                OrImm,
                MulImm32,
                MulImm64,
                SetLessThanUnsignedImm,
                SetLessThanSignedImm,
                SetGreaterThanUnsignedImm,
                SetGreaterThanSignedImm,
                ShiftLogicalLeftImm32,
                ShiftLogicalLeftImm64,
                ShiftLogicalRightImm32,
                ShiftLogicalRightImm64,
                ShiftArithmeticRightImm32,
                ShiftArithmeticRightImm64,
                ShiftLogicalLeftImmAlt32,
                ShiftLogicalLeftImmAlt64,
                ShiftLogicalRightImmAlt32,
                ShiftLogicalRightImmAlt64,
                ShiftArithmeticRightImmAlt32,
                ShiftArithmeticRightImmAlt64,
                NegateAndAddImm32,
                NegateAndAddImm64,
                CmovIfZeroImm,
                CmovIfNotZeroImm,
                RotateRightImm32,
                RotateRightImm64,
                RotateRightImmAlt32,
                RotateRightImmAlt64,

                // ----- three registers -----
                Add32,
                Add64,
                Sub32,
                Sub64,
                And,
                Xor,
                Or,
                Mul32,
                Mul64,
                MulUpperSignedSigned32,
                MulUpperSignedSigned64,
                MulUpperUnsignedUnsigned32,
                MulUpperUnsignedUnsigned64,
                MulUpperSignedUnsigned32,
                MulUpperSignedUnsigned64,
                SetLessThanUnsigned,
                SetLessThanSigned,
                ShiftLogicalLeft32,
                ShiftLogicalLeft64,
                ShiftLogicalRight32,
                ShiftLogicalRight64,
                ShiftArithmeticRight32,
                ShiftArithmeticRight64,
                DivUnsigned32,
                DivUnsigned64,
                DivSigned32,
                DivSigned64,
                RemUnsigned32,
                RemUnsigned64,
                RemSigned32,
                RemSigned64,
                CmovIfZero,
                CmovIfNotZero,
                AndInverted,
                OrInverted,
                Xnor,
                Maximum,
                MaximumUnsigned,
                Minimum,
                MinimumUnsigned,
                RotateLeft32,
                RotateLeft64,
                RotateRight32,
                RotateRight64,

                // ----- two registers -----
                CountLeadingZeroBits32,
                CountLeadingZeroBits64,
                CountTrailingZeroBits32,
                CountTrailingZeroBits64,
                CountSetBits32,
                CountSetBits64,
                SignExtend8,
                SignExtend16,
                ZeroExtend16,
                ReverseByte32,
                ReverseByte64,
            ]
        }
    };
}
pub(crate) use for_each_kind;

macro_rules! define_kinds {
    ( [$( $(#[$meta:meta])* $base:ident ),* $(,)?] $( ($name:ident, [$($part:ident),+]) ),* $(,)? ) => {
        /// What an op does. The base kinds are one instruction (or bookkeeping); the fused kinds
        /// after them are listed in `fuse.rs`.
        #[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
        #[repr(u16)]
        #[allow(non_camel_case_types, reason = "fused kinds are named after their parts: `AddImm32_BranchNotEq`")]
        pub enum Kind {
            $( $(#[$meta])* $base, )*

            // ----- fused sequences (`fuse.rs`) -----
            $( $name, )*
        }

        impl Kind {
            /// How many kinds there are (base and fused).
            pub const COUNT: usize = [$(Kind::$base,)* $(Kind::$name,)*].len();

            /// Every fused kind with the base kinds it stands for.
            pub const FUSED: &'static [(Kind, &'static [Kind])] = &[ $( (Kind::$name, &[$(Kind::$part),+]), )* ];
        }
    };
}

for_each_kind!(define_kinds);

impl Kind {
    /// Guest loads (`a` is their destination), `Stack` kinds included.
    pub const fn is_load(self) -> bool {
        use Kind as K;
        matches!(
            self,
            K::LoadU8
                | K::LoadI8
                | K::LoadU16
                | K::LoadI16
                | K::LoadU32
                | K::LoadI32
                | K::LoadU64
                | K::LoadI32Stack
                | K::LoadU64Stack
        )
    }

    /// Guest stores (`a`, if used, is the stored value), `Stack` and immediate kinds included.
    pub const fn is_store(self) -> bool {
        use Kind as K;
        matches!(
            self,
            K::StoreU8
                | K::StoreU16
                | K::StoreU32
                | K::StoreU64
                | K::StoreU32Stack
                | K::StoreU64Stack
                | K::StoreImmU8
                | K::StoreImmU16
                | K::StoreImmU32
                | K::StoreImmU64
        )
    }

    /// Kinds whose `x` is a static target (an op index once compiled).
    pub const fn has_target(self) -> bool {
        use Kind as K;
        matches!(
            self,
            K::Jump
                | K::LoadImmAndJump
                | K::BranchEq
                | K::BranchNotEq
                | K::BranchLessUnsigned
                | K::BranchLessSigned
                | K::BranchGreaterOrEqualUnsigned
                | K::BranchGreaterOrEqualSigned
                | K::BranchEqImm
                | K::BranchNotEqImm
                | K::BranchLessUnsignedImm
                | K::BranchLessSignedImm
                | K::BranchGreaterOrEqualUnsignedImm
                | K::BranchGreaterOrEqualSignedImm
                | K::BranchLessOrEqualUnsignedImm
                | K::BranchLessOrEqualSignedImm
                | K::BranchGreaterUnsignedImm
                | K::BranchGreaterSignedImm
        )
    }

    /// Kinds that always continue at the next op unless they fault: the ones that may stand
    /// anywhere but last in a fused sequence.
    #[cfg(test)]
    pub fn is_straight(self) -> bool {
        use Kind as K;
        !self.has_target()
            && !matches!(
                self,
                K::Charge
                    | K::ChargeAsync
                    | K::Step
                    | K::Trap
                    | K::Ecalli
                    | K::JumpIndirect
                    | K::LoadImmAndTrap
                    | K::LoadImmAndJumpIndirect
                    | K::Sbrk
                    | K::Memset
            )
            && Kind::FUSED.iter().all(|&(fused, _)| fused != self)
    }
}

/// One op of the dispatch form (see the module docs for the field meanings).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Op {
    pub kind: Kind,
    pub a: u8,
    pub b: u8,
    pub c: u8,
    pub x: u32,
    /// A 32-bit immediate, sign-extended where it is used (so that a 16-bit kind still fits
    /// 16 bytes).
    pub y: i32,
}

impl Op {
    pub const TRAP: Op = Op::new(Kind::Trap);

    pub const fn new(kind: Kind) -> Op {
        Op { kind, a: 0, b: 0, c: 0, x: 0, y: 0 }
    }

    pub const fn with(kind: Kind, a: u8, b: u8, c: u8, x: u32, y: i32) -> Op {
        Op { kind, a, b, c, x, y }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_are_sixteen_bytes() {
        assert_eq!(core::mem::size_of::<Op>(), 16);
        assert_eq!(core::mem::size_of::<Kind>(), 2);
    }

    #[test]
    fn fused_sequences_are_straight_line() {
        for &(fused, parts) in Kind::FUSED {
            assert!(parts.len() >= 2, "{fused:?}");
            let (last, rest) = parts.split_last().unwrap();
            assert!(rest.iter().all(|kind| kind.is_straight()), "{fused:?}");
            assert!(Kind::FUSED.iter().all(|&(other, _)| other != *last), "{fused:?}");
        }
    }
}
