//! The pre-decoded dispatch form: one compact [`Op`] per instruction plus a few bookkeeping ops.
//!
//! Operands are pre-resolved: registers are `u8` indices into a 16-slot register file (index
//! [`ZERO_REG`] always holds 0, so absolute memory forms reuse the indirect ops), immediates
//! are sign-extended to 64 bits, static targets are op indices. Every op is 16 bytes.

/// A register slot that is never written and always reads 0.
pub const ZERO_REG: u8 = 13;

/// How the module meters gas (decides what `memset` charges per byte).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Metering {
    None,
    Sync,
    Async,
}

/// Ops of the dispatch form. `d` = destination, `s`/`s1`/`s2` = sources, `b` = base register,
/// `c` = condition register, `off` = address displacement (added mod 2^32), `imm` = sign-extended
/// immediate, `target` = op index.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Op {
    // ----- bookkeeping -----
    /// Sync gas: stop with `NotEnoughGas` before the block if `cost > gas`.
    Charge {
        cost: u32,
    },
    /// Async gas: deduct, stop if the result is negative.
    ChargeAsync {
        cost: u32,
    },
    /// Step tracing: report `Step` before the next op's instruction.
    Step,

    // ----- control -----
    Trap,
    Nop,
    Ecalli {
        imm: u32,
    },
    Jump {
        target: u32,
    },
    JumpIndirect {
        b: u8,
        off: u32,
    },
    LoadImmAndJump {
        d: u8,
        target: u32,
        imm: u64,
    },
    /// `load_imm_and_jump` whose static target is invalid: writes `d`, then traps.
    LoadImmAndTrap {
        d: u8,
        imm: u64,
    },
    LoadImmAndJumpIndirect {
        d: u8,
        b: u8,
        imm: u32,
        off: u32,
    },
    BranchEq {
        s1: u8,
        s2: u8,
        target: u32,
    },
    BranchNotEq {
        s1: u8,
        s2: u8,
        target: u32,
    },
    BranchLessUnsigned {
        s1: u8,
        s2: u8,
        target: u32,
    },
    BranchLessSigned {
        s1: u8,
        s2: u8,
        target: u32,
    },
    BranchGreaterOrEqualUnsigned {
        s1: u8,
        s2: u8,
        target: u32,
    },
    BranchGreaterOrEqualSigned {
        s1: u8,
        s2: u8,
        target: u32,
    },
    BranchEqImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchNotEqImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchLessUnsignedImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchLessSignedImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchGreaterOrEqualUnsignedImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchGreaterOrEqualSignedImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchLessOrEqualUnsignedImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchLessOrEqualSignedImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchGreaterUnsignedImm {
        s: u8,
        target: u32,
        imm: u64,
    },
    BranchGreaterSignedImm {
        s: u8,
        target: u32,
        imm: u64,
    },

    // ----- system -----
    /// `sbrk`; `wide` = Latest64 (size ≥ 2^32 counts as 0, result zero-extended).
    Sbrk {
        d: u8,
        s: u8,
        wide: bool,
    },
    /// `memset`; `wide` = Latest64 (a0 written zero-extended; Latest32 keeps it sign-extended).
    Memset {
        wide: bool,
        metering: Metering,
    },

    // ----- memory -----
    LoadU8 {
        d: u8,
        b: u8,
        off: u32,
    },
    LoadI8 {
        d: u8,
        b: u8,
        off: u32,
    },
    LoadU16 {
        d: u8,
        b: u8,
        off: u32,
    },
    LoadI16 {
        d: u8,
        b: u8,
        off: u32,
    },
    LoadU32 {
        d: u8,
        b: u8,
        off: u32,
    },
    LoadI32 {
        d: u8,
        b: u8,
        off: u32,
    },
    LoadU64 {
        d: u8,
        b: u8,
        off: u32,
    },
    StoreU8 {
        s: u8,
        b: u8,
        off: u32,
    },
    StoreU16 {
        s: u8,
        b: u8,
        off: u32,
    },
    StoreU32 {
        s: u8,
        b: u8,
        off: u32,
    },
    StoreU64 {
        s: u8,
        b: u8,
        off: u32,
    },
    StoreImmU8 {
        b: u8,
        off: u32,
        imm: u64,
    },
    StoreImmU16 {
        b: u8,
        off: u32,
        imm: u64,
    },
    StoreImmU32 {
        b: u8,
        off: u32,
        imm: u64,
    },
    StoreImmU64 {
        b: u8,
        off: u32,
        imm: u64,
    },

    // ----- register/immediate -----
    LoadImm {
        d: u8,
        imm: u64,
    },
    MoveReg {
        d: u8,
        s: u8,
    },
    AddImm32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    AddImm64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    AndImm {
        d: u8,
        s: u8,
        imm: u64,
    },
    XorImm {
        d: u8,
        s: u8,
        imm: u64,
    },
    OrImm {
        d: u8,
        s: u8,
        imm: u64,
    },
    MulImm32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    MulImm64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    SetLessThanUnsignedImm {
        d: u8,
        s: u8,
        imm: u64,
    },
    SetLessThanSignedImm {
        d: u8,
        s: u8,
        imm: u64,
    },
    SetGreaterThanUnsignedImm {
        d: u8,
        s: u8,
        imm: u64,
    },
    SetGreaterThanSignedImm {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftLogicalLeftImm32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftLogicalLeftImm64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftLogicalRightImm32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftLogicalRightImm64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftArithmeticRightImm32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftArithmeticRightImm64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftLogicalLeftImmAlt32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftLogicalLeftImmAlt64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftLogicalRightImmAlt32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftLogicalRightImmAlt64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftArithmeticRightImmAlt32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    ShiftArithmeticRightImmAlt64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    NegateAndAddImm32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    NegateAndAddImm64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    CmovIfZeroImm {
        d: u8,
        c: u8,
        imm: u64,
    },
    CmovIfNotZeroImm {
        d: u8,
        c: u8,
        imm: u64,
    },
    RotateRightImm32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    RotateRightImm64 {
        d: u8,
        s: u8,
        imm: u64,
    },
    RotateRightImmAlt32 {
        d: u8,
        s: u8,
        imm: u64,
    },
    RotateRightImmAlt64 {
        d: u8,
        s: u8,
        imm: u64,
    },

    // ----- three registers -----
    Add32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Add64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Sub32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Sub64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    And {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Xor {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Or {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Mul32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Mul64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    MulUpperSignedSigned32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    MulUpperSignedSigned64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    MulUpperUnsignedUnsigned32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    MulUpperUnsignedUnsigned64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    MulUpperSignedUnsigned32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    MulUpperSignedUnsigned64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    SetLessThanUnsigned {
        d: u8,
        s1: u8,
        s2: u8,
    },
    SetLessThanSigned {
        d: u8,
        s1: u8,
        s2: u8,
    },
    ShiftLogicalLeft32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    ShiftLogicalLeft64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    ShiftLogicalRight32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    ShiftLogicalRight64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    ShiftArithmeticRight32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    ShiftArithmeticRight64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    DivUnsigned32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    DivUnsigned64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    DivSigned32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    DivSigned64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    RemUnsigned32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    RemUnsigned64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    RemSigned32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    RemSigned64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    CmovIfZero {
        d: u8,
        s: u8,
        c: u8,
    },
    CmovIfNotZero {
        d: u8,
        s: u8,
        c: u8,
    },
    AndInverted {
        d: u8,
        s1: u8,
        s2: u8,
    },
    OrInverted {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Xnor {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Maximum {
        d: u8,
        s1: u8,
        s2: u8,
    },
    MaximumUnsigned {
        d: u8,
        s1: u8,
        s2: u8,
    },
    Minimum {
        d: u8,
        s1: u8,
        s2: u8,
    },
    MinimumUnsigned {
        d: u8,
        s1: u8,
        s2: u8,
    },
    RotateLeft32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    RotateLeft64 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    RotateRight32 {
        d: u8,
        s1: u8,
        s2: u8,
    },
    RotateRight64 {
        d: u8,
        s1: u8,
        s2: u8,
    },

    // ----- two registers -----
    CountLeadingZeroBits32 {
        d: u8,
        s: u8,
    },
    CountLeadingZeroBits64 {
        d: u8,
        s: u8,
    },
    CountTrailingZeroBits32 {
        d: u8,
        s: u8,
    },
    CountTrailingZeroBits64 {
        d: u8,
        s: u8,
    },
    CountSetBits32 {
        d: u8,
        s: u8,
    },
    CountSetBits64 {
        d: u8,
        s: u8,
    },
    SignExtend8 {
        d: u8,
        s: u8,
    },
    SignExtend16 {
        d: u8,
        s: u8,
    },
    ZeroExtend16 {
        d: u8,
        s: u8,
    },
    ReverseByte32 {
        d: u8,
        s: u8,
    },
    ReverseByte64 {
        d: u8,
        s: u8,
    },

    // ----- fused pairs (`fuse.rs`): op k does the work of k and k + 1 and continues at k + 2
    // (or the branch target); op k + 1 stays in place so an interrupt can resume there. -----
    /// `add_imm_32` twice (the second is the next op, kept for resumes).
    AddImmAddImm32 {
        d1: u8,
        s1: u8,
        d2: u8,
        s2: u8,
        imm1: u32,
        imm2: u32,
    },
    AddImm32BranchEq {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm32BranchNotEq {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm32BranchLessUnsigned {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm32BranchLessSigned {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm32BranchGreaterOrEqualUnsigned {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm32BranchGreaterOrEqualSigned {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm32BranchEqImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchNotEqImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchLessUnsignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchLessSignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchGreaterOrEqualUnsignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchGreaterOrEqualSignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchLessOrEqualUnsignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchLessOrEqualSignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchGreaterUnsignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm32BranchGreaterSignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    /// A store, then `add_imm_32` (post-increment).
    StoreU8AddImm32 {
        s: u8,
        b: u8,
        d: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A store, then `add_imm_32` (post-increment).
    StoreU16AddImm32 {
        s: u8,
        b: u8,
        d: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A store, then `add_imm_32` (post-increment).
    StoreU32AddImm32 {
        s: u8,
        b: u8,
        d: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A store, then `add_imm_32` (post-increment).
    StoreU64AddImm32 {
        s: u8,
        b: u8,
        d: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// `add_imm_64` twice (the second is the next op, kept for resumes).
    AddImmAddImm64 {
        d1: u8,
        s1: u8,
        d2: u8,
        s2: u8,
        imm1: u32,
        imm2: u32,
    },
    AddImm64BranchEq {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm64BranchNotEq {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm64BranchLessUnsigned {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm64BranchLessSigned {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm64BranchGreaterOrEqualUnsigned {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm64BranchGreaterOrEqualSigned {
        d: u8,
        s: u8,
        s1: u8,
        s2: u8,
        imm: u32,
        target: u32,
    },
    AddImm64BranchEqImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchNotEqImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchLessUnsignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchLessSignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchGreaterOrEqualUnsignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchGreaterOrEqualSignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchLessOrEqualUnsignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchLessOrEqualSignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchGreaterUnsignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    AddImm64BranchGreaterSignedImm {
        d: u8,
        s: u8,
        s2: u8,
        imm: u32,
        target: u32,
        bimm: u32,
    },
    /// A store, then `add_imm_64` (post-increment).
    StoreU8AddImm64 {
        s: u8,
        b: u8,
        d: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A store, then `add_imm_64` (post-increment).
    StoreU16AddImm64 {
        s: u8,
        b: u8,
        d: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A store, then `add_imm_64` (post-increment).
    StoreU32AddImm64 {
        s: u8,
        b: u8,
        d: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A store, then `add_imm_64` (post-increment).
    StoreU64AddImm64 {
        s: u8,
        b: u8,
        d: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_32` (post-increment).
    LoadU8AddImm32 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_32` (post-increment).
    LoadI8AddImm32 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_32` (post-increment).
    LoadU16AddImm32 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_32` (post-increment).
    LoadI16AddImm32 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_32` (post-increment).
    LoadU32AddImm32 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_32` (post-increment).
    LoadI32AddImm32 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_32` (post-increment).
    LoadU64AddImm32 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_64` (post-increment).
    LoadU8AddImm64 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_64` (post-increment).
    LoadI8AddImm64 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_64` (post-increment).
    LoadU16AddImm64 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_64` (post-increment).
    LoadI16AddImm64 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_64` (post-increment).
    LoadU32AddImm64 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_64` (post-increment).
    LoadI32AddImm64 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
    /// A load, then `add_imm_64` (post-increment).
    LoadU64AddImm64 {
        d: u8,
        b: u8,
        d2: u8,
        a: u8,
        off: u32,
        imm: u32,
    },
}

impl Op {
    /// The static target of a jump or branch op, if any.
    pub fn target_mut(&mut self) -> Option<&mut u32> {
        match self {
            Op::Jump { target }
            | Op::LoadImmAndJump { target, .. }
            | Op::BranchEq { target, .. }
            | Op::BranchNotEq { target, .. }
            | Op::BranchLessUnsigned { target, .. }
            | Op::BranchLessSigned { target, .. }
            | Op::BranchGreaterOrEqualUnsigned { target, .. }
            | Op::BranchGreaterOrEqualSigned { target, .. }
            | Op::BranchEqImm { target, .. }
            | Op::BranchNotEqImm { target, .. }
            | Op::BranchLessUnsignedImm { target, .. }
            | Op::BranchLessSignedImm { target, .. }
            | Op::BranchGreaterOrEqualUnsignedImm { target, .. }
            | Op::BranchGreaterOrEqualSignedImm { target, .. }
            | Op::BranchLessOrEqualUnsignedImm { target, .. }
            | Op::BranchLessOrEqualSignedImm { target, .. }
            | Op::BranchGreaterUnsignedImm { target, .. }
            | Op::BranchGreaterSignedImm { target, .. } => Some(target),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_are_sixteen_bytes() {
        assert_eq!(core::mem::size_of::<Op>(), 16);
    }
}
