//! The dispatch loop: a `match` over [`Op`] with the register file and gas pinned in locals.

use crate::compile::{CompiledCode, NO_TARGET};
use crate::memory::{Fault, Memory};
use crate::ops::{Metering, Op};

/// The return-to-host address (`runtime.md` §2).
const RETURN_TO_HOST: u32 = 0xFFFF_0000;

const A0: usize = 7;
const A1: usize = 8;
const A2: usize = 9;

/// Why the loop stopped; op indices identify the instruction.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Exit {
    Trap(u32),
    Finished,
    Ecalli(u32, u32),
    Segfault(u32, u32, bool),
    /// Sync out-of-gas before the op (a `Charge` or a `memset`); resumable there.
    NotEnoughGas(u32),
    /// Async out-of-gas; not resumable.
    NotEnoughGasAsync,
    Step(u32),
}

#[inline(always)]
fn sx32(value: u32) -> u64 {
    value as i32 as i64 as u64
}

#[inline(always)]
fn fault_exit(op: usize, fault: Fault) -> Exit {
    match fault {
        Fault::Trap => Exit::Trap(op as u32),
        Fault::Segfault { page_address, is_write_protected } => {
            Exit::Segfault(op as u32, page_address, is_write_protected)
        }
    }
}

fn div_signed_64(a: i64, b: i64) -> i64 {
    if b == 0 { -1 } else { a.wrapping_div(b) }
}

fn rem_signed_64(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { a.wrapping_rem(b) }
}

fn div_signed_32(a: i32, b: i32) -> i32 {
    if b == 0 { -1 } else { a.wrapping_div(b) }
}

fn rem_signed_32(a: i32, b: i32) -> i32 {
    if b == 0 { a } else { a.wrapping_rem(b) }
}

/// Runs from op `start` until an interrupt. `regs` has 16 slots (13 real, 13 = zero).
pub fn run(code: &CompiledCode, regs_io: &mut [u64; 16], gas_io: &mut i64, memory: &mut Memory, start: u32) -> Exit {
    let ops = &code.ops[..];
    let jump_table = &code.jump_table[..];
    // 256 slots indexed by the raw `u8` operand: every access is in bounds without a mask or a
    // check (only the first 16 are ever used).
    let mut regs = [0u64; 256];
    regs[..16].copy_from_slice(regs_io);
    let mut gas = *gas_io;
    let mut i = start as usize;

    macro_rules! reg {
        ($r:expr) => {
            regs[$r as usize]
        };
    }
    macro_rules! exit {
        ($e:expr) => {{
            regs_io.copy_from_slice(&regs[..16]);
            *gas_io = gas;
            return $e;
        }};
    }
    macro_rules! load {
        ($d:expr, $b:expr, $off:expr, $n:literal, $conv:expr) => {{
            let address = (reg!($b) as u32).wrapping_add($off);
            match memory.load::<$n>(address) {
                Ok(bytes) => {
                    reg!($d) = $conv(bytes);
                    i += 1;
                }
                Err(fault) => exit!(fault_exit(i, fault)),
            }
        }};
    }
    macro_rules! store {
        ($b:expr, $off:expr, $bytes:expr, $n:literal) => {{
            let address = (reg!($b) as u32).wrapping_add($off);
            match memory.store::<$n>(address, $bytes) {
                Ok(()) => i += 1,
                Err(fault) => exit!(fault_exit(i, fault)),
            }
        }};
    }
    macro_rules! branch {
        ($cond:expr, $target:expr) => {{
            if $cond {
                i = $target as usize;
            } else {
                i += 1;
            }
        }};
    }
    macro_rules! set {
        ($d:expr, $value:expr) => {{
            let value = $value;
            reg!($d) = value;
            i += 1;
        }};
    }
    macro_rules! dynamic_jump {
        ($address:expr) => {{
            let address: u32 = $address;
            if address == RETURN_TO_HOST {
                exit!(Exit::Finished);
            }
            if address == 0 || address & 1 != 0 {
                exit!(Exit::Trap(i as u32));
            }
            match jump_table.get((address / 2 - 1) as usize) {
                Some(&target) if target != NO_TARGET => i = target as usize,
                _ => exit!(Exit::Trap(i as u32)),
            }
        }};
    }

    macro_rules! add_imm32 {
        ($d:expr, $s:expr, $imm:expr) => {
            reg!($d) = sx32((reg!($s) as u32).wrapping_add($imm))
        };
    }
    macro_rules! add_imm64 {
        ($d:expr, $s:expr, $imm:expr) => {
            reg!($d) = reg!($s).wrapping_add(sx32($imm))
        };
    }
    // A fused branch: not taken continues after both halves. The `cold_path` hint keeps this a
    // real (predicted) branch: as a `cmov` the next dispatch would wait for the comparison.
    macro_rules! branch2 {
        ($cond:expr, $target:expr) => {{
            if $cond {
                i = $target as usize;
            } else {
                core::hint::cold_path();
                i += 2;
            }
        }};
    }
    // A fused store: on a fault nothing of the pair has happened, so the exit names op k.
    macro_rules! store_then {
        ($b:expr, $off:expr, $bytes:expr, $n:literal, $then:expr) => {{
            let address = (reg!($b) as u32).wrapping_add($off);
            match memory.store::<$n>(address, $bytes) {
                Ok(()) => {
                    $then;
                    i += 2;
                }
                Err(fault) => exit!(fault_exit(i, fault)),
            }
        }};
    }

    // A fused load: on a fault nothing of the pair has happened, so the exit names op k.
    macro_rules! load_then {
        ($d:expr, $b:expr, $off:expr, $n:literal, $conv:expr, $then:expr) => {{
            let address = (reg!($b) as u32).wrapping_add($off);
            match memory.load::<$n>(address) {
                Ok(bytes) => {
                    reg!($d) = $conv(bytes);
                    $then;
                    i += 2;
                }
                Err(fault) => exit!(fault_exit(i, fault)),
            }
        }};
    }

    loop {
        let Some(&op) = ops.get(i) else { exit!(Exit::Trap(i.saturating_sub(1) as u32)) };
        match op {
            Op::Charge { cost } => {
                if i64::from(cost) > gas {
                    exit!(Exit::NotEnoughGas(i as u32));
                }
                gas -= i64::from(cost);
                i += 1;
            }
            Op::ChargeAsync { cost } => {
                gas -= i64::from(cost);
                if gas < 0 {
                    exit!(Exit::NotEnoughGasAsync);
                }
                i += 1;
            }
            Op::Step => exit!(Exit::Step(i as u32)),
            Op::Trap => exit!(Exit::Trap(i as u32)),
            Op::Nop => i += 1,
            Op::Ecalli { imm } => exit!(Exit::Ecalli(i as u32, imm)),
            Op::Jump { target } => i = target as usize,
            Op::JumpIndirect { b, off } => dynamic_jump!((reg!(b) as u32).wrapping_add(off)),
            Op::LoadImmAndJump { d, target, imm } => {
                reg!(d) = imm;
                i = target as usize;
            }
            Op::LoadImmAndTrap { d, imm } => {
                reg!(d) = imm;
                exit!(Exit::Trap(i as u32));
            }
            Op::LoadImmAndJumpIndirect { d, b, imm, off } => {
                let address = (reg!(b) as u32).wrapping_add(off);
                reg!(d) = sx32(imm);
                dynamic_jump!(address)
            }
            Op::BranchEq { s1, s2, target } => branch!(reg!(s1) == reg!(s2), target),
            Op::BranchNotEq { s1, s2, target } => branch!(reg!(s1) != reg!(s2), target),
            Op::BranchLessUnsigned { s1, s2, target } => branch!(reg!(s1) < reg!(s2), target),
            Op::BranchLessSigned { s1, s2, target } => branch!((reg!(s1) as i64) < (reg!(s2) as i64), target),
            Op::BranchGreaterOrEqualUnsigned { s1, s2, target } => branch!(reg!(s1) >= reg!(s2), target),
            Op::BranchGreaterOrEqualSigned { s1, s2, target } => {
                branch!((reg!(s1) as i64) >= (reg!(s2) as i64), target)
            }
            Op::BranchEqImm { s, target, imm } => branch!(reg!(s) == imm, target),
            Op::BranchNotEqImm { s, target, imm } => branch!(reg!(s) != imm, target),
            Op::BranchLessUnsignedImm { s, target, imm } => branch!(reg!(s) < imm, target),
            Op::BranchLessSignedImm { s, target, imm } => branch!((reg!(s) as i64) < (imm as i64), target),
            Op::BranchGreaterOrEqualUnsignedImm { s, target, imm } => branch!(reg!(s) >= imm, target),
            Op::BranchGreaterOrEqualSignedImm { s, target, imm } => {
                branch!((reg!(s) as i64) >= (imm as i64), target)
            }
            Op::BranchLessOrEqualUnsignedImm { s, target, imm } => branch!(reg!(s) <= imm, target),
            Op::BranchLessOrEqualSignedImm { s, target, imm } => branch!((reg!(s) as i64) <= (imm as i64), target),
            Op::BranchGreaterUnsignedImm { s, target, imm } => branch!(reg!(s) > imm, target),
            Op::BranchGreaterSignedImm { s, target, imm } => branch!((reg!(s) as i64) > (imm as i64), target),

            Op::Sbrk { d, s, wide } => {
                let value = reg!(s);
                let size = if wide { u32::try_from(value).unwrap_or(0) } else { value as u32 };
                if memory.paged.is_some() {
                    // Upstream panics here; a dynamic-paging module has no heap.
                    exit!(Exit::Trap(i as u32));
                }
                // polkavm 0.37 sign-extends the 32-bit heap top in every ISA (a top at or above
                // 2^31 reads back as 0xffff_ffff_xxxx_xxxx in Latest64); match it.
                let result = memory.sbrk(size).map_or(0, sx32);
                set!(d, result)
            }
            Op::Memset { metering, .. } => {
                let destination = regs[A0] as u32;
                let byte = regs[A1] as u8;
                let count = regs[A2] as u32;
                // polkavm 0.37 checks for exhausted gas before every byte under both metering
                // kinds, so memset never drives gas below zero, even with async metering.
                let allowed = match metering {
                    Metering::None => count,
                    _ => count.min(u32::try_from(gas.max(0)).unwrap_or(u32::MAX)),
                };
                let (written, fault) = memory.memset(destination, byte, allowed);
                if metering != Metering::None {
                    gas -= i64::from(written);
                }
                // polkavm 0.37 writes both registers zero-extended, in Latest32 too (where every
                // other result is kept sign-extended); later 64-bit comparisons can observe it.
                regs[A0] = u64::from(destination.wrapping_add(written));
                regs[A2] = u64::from(count - written);
                if let Some(fault) = fault {
                    exit!(fault_exit(i, fault));
                }
                if written < count {
                    match metering {
                        Metering::Async => exit!(Exit::NotEnoughGasAsync),
                        _ => exit!(Exit::NotEnoughGas(i as u32)),
                    }
                }
                i += 1;
            }

            Op::LoadU8 { d, b, off } => load!(d, b, off, 1, |v: [u8; 1]| u64::from(v[0])),
            Op::LoadI8 { d, b, off } => load!(d, b, off, 1, |v: [u8; 1]| v[0] as i8 as i64 as u64),
            Op::LoadU16 { d, b, off } => load!(d, b, off, 2, |v| u64::from(u16::from_le_bytes(v))),
            Op::LoadI16 { d, b, off } => load!(d, b, off, 2, |v| i16::from_le_bytes(v) as i64 as u64),
            Op::LoadU32 { d, b, off } => load!(d, b, off, 4, |v| u64::from(u32::from_le_bytes(v))),
            Op::LoadI32 { d, b, off } => load!(d, b, off, 4, |v| i32::from_le_bytes(v) as i64 as u64),
            Op::LoadU64 { d, b, off } => load!(d, b, off, 8, u64::from_le_bytes),
            Op::StoreU8 { s, b, off } => store!(b, off, [reg!(s) as u8], 1),
            Op::StoreU16 { s, b, off } => store!(b, off, (reg!(s) as u16).to_le_bytes(), 2),
            Op::StoreU32 { s, b, off } => store!(b, off, (reg!(s) as u32).to_le_bytes(), 4),
            Op::StoreU64 { s, b, off } => store!(b, off, reg!(s).to_le_bytes(), 8),
            Op::StoreImmU8 { b, off, imm } => store!(b, off, [imm as u8], 1),
            Op::StoreImmU16 { b, off, imm } => store!(b, off, (imm as u16).to_le_bytes(), 2),
            Op::StoreImmU32 { b, off, imm } => store!(b, off, (imm as u32).to_le_bytes(), 4),
            Op::StoreImmU64 { b, off, imm } => store!(b, off, imm.to_le_bytes(), 8),

            Op::LoadImm { d, imm } => set!(d, imm),
            Op::MoveReg { d, s } => set!(d, reg!(s)),
            Op::AddImm32 { d, s, imm } => set!(d, sx32((reg!(s) as u32).wrapping_add(imm as u32))),
            Op::AddImm64 { d, s, imm } => set!(d, reg!(s).wrapping_add(imm)),
            Op::AndImm { d, s, imm } => set!(d, reg!(s) & imm),
            Op::XorImm { d, s, imm } => set!(d, reg!(s) ^ imm),
            Op::OrImm { d, s, imm } => set!(d, reg!(s) | imm),
            Op::MulImm32 { d, s, imm } => set!(d, sx32((reg!(s) as u32).wrapping_mul(imm as u32))),
            Op::MulImm64 { d, s, imm } => set!(d, reg!(s).wrapping_mul(imm)),
            Op::SetLessThanUnsignedImm { d, s, imm } => set!(d, u64::from(reg!(s) < imm)),
            Op::SetLessThanSignedImm { d, s, imm } => set!(d, u64::from((reg!(s) as i64) < imm as i64)),
            Op::SetGreaterThanUnsignedImm { d, s, imm } => set!(d, u64::from(reg!(s) > imm)),
            Op::SetGreaterThanSignedImm { d, s, imm } => set!(d, u64::from((reg!(s) as i64) > imm as i64)),
            Op::ShiftLogicalLeftImm32 { d, s, imm } => set!(d, sx32((reg!(s) as u32) << (imm & 31))),
            Op::ShiftLogicalLeftImm64 { d, s, imm } => set!(d, reg!(s) << (imm & 63)),
            Op::ShiftLogicalRightImm32 { d, s, imm } => set!(d, sx32((reg!(s) as u32) >> (imm & 31))),
            Op::ShiftLogicalRightImm64 { d, s, imm } => set!(d, reg!(s) >> (imm & 63)),
            Op::ShiftArithmeticRightImm32 { d, s, imm } => {
                set!(d, ((reg!(s) as u32 as i32) >> (imm & 31)) as i64 as u64)
            }
            Op::ShiftArithmeticRightImm64 { d, s, imm } => set!(d, ((reg!(s) as i64) >> (imm & 63)) as u64),
            Op::ShiftLogicalLeftImmAlt32 { d, s, imm } => set!(d, sx32((imm as u32) << (reg!(s) & 31))),
            Op::ShiftLogicalLeftImmAlt64 { d, s, imm } => set!(d, imm << (reg!(s) & 63)),
            Op::ShiftLogicalRightImmAlt32 { d, s, imm } => set!(d, sx32((imm as u32) >> (reg!(s) & 31))),
            Op::ShiftLogicalRightImmAlt64 { d, s, imm } => set!(d, imm >> (reg!(s) & 63)),
            Op::ShiftArithmeticRightImmAlt32 { d, s, imm } => {
                set!(d, ((imm as u32 as i32) >> (reg!(s) & 31)) as i64 as u64)
            }
            Op::ShiftArithmeticRightImmAlt64 { d, s, imm } => set!(d, ((imm as i64) >> (reg!(s) & 63)) as u64),
            Op::NegateAndAddImm32 { d, s, imm } => set!(d, sx32((imm as u32).wrapping_sub(reg!(s) as u32))),
            Op::NegateAndAddImm64 { d, s, imm } => set!(d, imm.wrapping_sub(reg!(s))),
            Op::CmovIfZeroImm { d, c, imm } => {
                if reg!(c) == 0 {
                    reg!(d) = imm;
                }
                i += 1;
            }
            Op::CmovIfNotZeroImm { d, c, imm } => {
                if reg!(c) != 0 {
                    reg!(d) = imm;
                }
                i += 1;
            }
            Op::RotateRightImm32 { d, s, imm } => set!(d, sx32((reg!(s) as u32).rotate_right(imm as u32 & 31))),
            Op::RotateRightImm64 { d, s, imm } => set!(d, reg!(s).rotate_right(imm as u32 & 63)),
            Op::RotateRightImmAlt32 { d, s, imm } => set!(d, sx32((imm as u32).rotate_right(reg!(s) as u32 & 31))),
            Op::RotateRightImmAlt64 { d, s, imm } => set!(d, imm.rotate_right(reg!(s) as u32 & 63)),

            Op::Add32 { d, s1, s2 } => set!(d, sx32((reg!(s1) as u32).wrapping_add(reg!(s2) as u32))),
            Op::Add64 { d, s1, s2 } => set!(d, reg!(s1).wrapping_add(reg!(s2))),
            Op::Sub32 { d, s1, s2 } => set!(d, sx32((reg!(s1) as u32).wrapping_sub(reg!(s2) as u32))),
            Op::Sub64 { d, s1, s2 } => set!(d, reg!(s1).wrapping_sub(reg!(s2))),
            Op::And { d, s1, s2 } => set!(d, reg!(s1) & reg!(s2)),
            Op::Xor { d, s1, s2 } => set!(d, reg!(s1) ^ reg!(s2)),
            Op::Or { d, s1, s2 } => set!(d, reg!(s1) | reg!(s2)),
            Op::Mul32 { d, s1, s2 } => set!(d, sx32((reg!(s1) as u32).wrapping_mul(reg!(s2) as u32))),
            Op::Mul64 { d, s1, s2 } => set!(d, reg!(s1).wrapping_mul(reg!(s2))),
            Op::MulUpperSignedSigned32 { d, s1, s2 } => {
                let product = i64::from(reg!(s1) as i32) * i64::from(reg!(s2) as i32);
                set!(d, sx32((product >> 32) as u32))
            }
            Op::MulUpperSignedSigned64 { d, s1, s2 } => {
                let product = i128::from(reg!(s1) as i64) * i128::from(reg!(s2) as i64);
                set!(d, (product >> 64) as u64)
            }
            Op::MulUpperUnsignedUnsigned32 { d, s1, s2 } => {
                let product = u64::from(reg!(s1) as u32) * u64::from(reg!(s2) as u32);
                set!(d, sx32((product >> 32) as u32))
            }
            Op::MulUpperUnsignedUnsigned64 { d, s1, s2 } => {
                let product = u128::from(reg!(s1)) * u128::from(reg!(s2));
                set!(d, (product >> 64) as u64)
            }
            Op::MulUpperSignedUnsigned32 { d, s1, s2 } => {
                let product = i64::from(reg!(s1) as i32).wrapping_mul(i64::from(reg!(s2) as u32));
                set!(d, sx32((product >> 32) as u32))
            }
            Op::MulUpperSignedUnsigned64 { d, s1, s2 } => {
                let product = i128::from(reg!(s1) as i64).wrapping_mul(i128::from(reg!(s2)));
                set!(d, (product >> 64) as u64)
            }
            Op::SetLessThanUnsigned { d, s1, s2 } => set!(d, u64::from(reg!(s1) < reg!(s2))),
            Op::SetLessThanSigned { d, s1, s2 } => set!(d, u64::from((reg!(s1) as i64) < (reg!(s2) as i64))),
            Op::ShiftLogicalLeft32 { d, s1, s2 } => set!(d, sx32((reg!(s1) as u32) << (reg!(s2) & 31))),
            Op::ShiftLogicalLeft64 { d, s1, s2 } => set!(d, reg!(s1) << (reg!(s2) & 63)),
            Op::ShiftLogicalRight32 { d, s1, s2 } => set!(d, sx32((reg!(s1) as u32) >> (reg!(s2) & 31))),
            Op::ShiftLogicalRight64 { d, s1, s2 } => set!(d, reg!(s1) >> (reg!(s2) & 63)),
            Op::ShiftArithmeticRight32 { d, s1, s2 } => {
                set!(d, ((reg!(s1) as u32 as i32) >> (reg!(s2) & 31)) as i64 as u64)
            }
            Op::ShiftArithmeticRight64 { d, s1, s2 } => set!(d, ((reg!(s1) as i64) >> (reg!(s2) & 63)) as u64),
            Op::DivUnsigned32 { d, s1, s2 } => {
                let (a, b) = (reg!(s1) as u32, reg!(s2) as u32);
                set!(d, sx32(a.checked_div(b).unwrap_or(u32::MAX)))
            }
            Op::DivUnsigned64 { d, s1, s2 } => set!(d, reg!(s1).checked_div(reg!(s2)).unwrap_or(u64::MAX)),
            Op::DivSigned32 { d, s1, s2 } => {
                set!(d, div_signed_32(reg!(s1) as u32 as i32, reg!(s2) as u32 as i32) as i64 as u64)
            }
            Op::DivSigned64 { d, s1, s2 } => set!(d, div_signed_64(reg!(s1) as i64, reg!(s2) as i64) as u64),
            Op::RemUnsigned32 { d, s1, s2 } => {
                let (a, b) = (reg!(s1) as u32, reg!(s2) as u32);
                set!(d, sx32(a.checked_rem(b).unwrap_or(a)))
            }
            Op::RemUnsigned64 { d, s1, s2 } => {
                let a = reg!(s1);
                set!(d, a.checked_rem(reg!(s2)).unwrap_or(a))
            }
            Op::RemSigned32 { d, s1, s2 } => {
                set!(d, rem_signed_32(reg!(s1) as u32 as i32, reg!(s2) as u32 as i32) as i64 as u64)
            }
            Op::RemSigned64 { d, s1, s2 } => set!(d, rem_signed_64(reg!(s1) as i64, reg!(s2) as i64) as u64),
            Op::CmovIfZero { d, s, c } => {
                if reg!(c) == 0 {
                    reg!(d) = reg!(s);
                }
                i += 1;
            }
            Op::CmovIfNotZero { d, s, c } => {
                if reg!(c) != 0 {
                    reg!(d) = reg!(s);
                }
                i += 1;
            }
            Op::AndInverted { d, s1, s2 } => set!(d, reg!(s1) & !reg!(s2)),
            Op::OrInverted { d, s1, s2 } => set!(d, reg!(s1) | !reg!(s2)),
            Op::Xnor { d, s1, s2 } => set!(d, !(reg!(s1) ^ reg!(s2))),
            Op::Maximum { d, s1, s2 } => set!(d, (reg!(s1) as i64).max(reg!(s2) as i64) as u64),
            Op::MaximumUnsigned { d, s1, s2 } => set!(d, reg!(s1).max(reg!(s2))),
            Op::Minimum { d, s1, s2 } => set!(d, (reg!(s1) as i64).min(reg!(s2) as i64) as u64),
            Op::MinimumUnsigned { d, s1, s2 } => set!(d, reg!(s1).min(reg!(s2))),
            Op::RotateLeft32 { d, s1, s2 } => set!(d, sx32((reg!(s1) as u32).rotate_left(reg!(s2) as u32 & 31))),
            Op::RotateLeft64 { d, s1, s2 } => set!(d, reg!(s1).rotate_left(reg!(s2) as u32 & 63)),
            Op::RotateRight32 { d, s1, s2 } => set!(d, sx32((reg!(s1) as u32).rotate_right(reg!(s2) as u32 & 31))),
            Op::RotateRight64 { d, s1, s2 } => set!(d, reg!(s1).rotate_right(reg!(s2) as u32 & 63)),

            Op::CountLeadingZeroBits32 { d, s } => set!(d, u64::from((reg!(s) as u32).leading_zeros())),
            Op::CountLeadingZeroBits64 { d, s } => set!(d, u64::from(reg!(s).leading_zeros())),
            Op::CountTrailingZeroBits32 { d, s } => set!(d, u64::from((reg!(s) as u32).trailing_zeros())),
            Op::CountTrailingZeroBits64 { d, s } => set!(d, u64::from(reg!(s).trailing_zeros())),
            Op::CountSetBits32 { d, s } => set!(d, u64::from((reg!(s) as u32).count_ones())),
            Op::CountSetBits64 { d, s } => set!(d, u64::from(reg!(s).count_ones())),
            Op::SignExtend8 { d, s } => set!(d, reg!(s) as u8 as i8 as i64 as u64),
            Op::SignExtend16 { d, s } => set!(d, reg!(s) as u16 as i16 as i64 as u64),
            Op::ZeroExtend16 { d, s } => set!(d, u64::from(reg!(s) as u16)),
            Op::ReverseByte32 { d, s } => set!(d, sx32((reg!(s) as u32).swap_bytes())),
            Op::ReverseByte64 { d, s } => set!(d, reg!(s).swap_bytes()),

            Op::AddImmAddImm32 { d1, s1, d2, s2, imm1, imm2 } => {
                add_imm32!(d1, s1, imm1);
                add_imm32!(d2, s2, imm2);
                i += 2;
            }
            Op::AddImm32BranchEq { d, s, s1, s2, imm, target } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!(a == b, target)
            }
            Op::AddImm32BranchNotEq { d, s, s1, s2, imm, target } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!(a != b, target)
            }
            Op::AddImm32BranchLessUnsigned { d, s, s1, s2, imm, target } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!(a < b, target)
            }
            Op::AddImm32BranchLessSigned { d, s, s1, s2, imm, target } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!((a as i64) < (b as i64), target)
            }
            Op::AddImm32BranchGreaterOrEqualUnsigned { d, s, s1, s2, imm, target } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!(a >= b, target)
            }
            Op::AddImm32BranchGreaterOrEqualSigned { d, s, s1, s2, imm, target } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!((a as i64) >= (b as i64), target)
            }
            Op::AddImm32BranchEqImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a == b, target)
            }
            Op::AddImm32BranchNotEqImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a != b, target)
            }
            Op::AddImm32BranchLessUnsignedImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a < b, target)
            }
            Op::AddImm32BranchLessSignedImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!((a as i64) < (b as i64), target)
            }
            Op::AddImm32BranchGreaterOrEqualUnsignedImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a >= b, target)
            }
            Op::AddImm32BranchGreaterOrEqualSignedImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!((a as i64) >= (b as i64), target)
            }
            Op::AddImm32BranchLessOrEqualUnsignedImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a <= b, target)
            }
            Op::AddImm32BranchLessOrEqualSignedImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!((a as i64) <= (b as i64), target)
            }
            Op::AddImm32BranchGreaterUnsignedImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a > b, target)
            }
            Op::AddImm32BranchGreaterSignedImm { d, s, s2, imm, target, bimm } => {
                add_imm32!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!((a as i64) > (b as i64), target)
            }
            Op::StoreU8AddImm32 { s, b, d, a, off, imm } => {
                let v = reg!(s);
                store_then!(b, off, [v as u8], 1, add_imm32!(d, a, imm))
            }
            Op::StoreU16AddImm32 { s, b, d, a, off, imm } => {
                let v = reg!(s);
                store_then!(b, off, (v as u16).to_le_bytes(), 2, add_imm32!(d, a, imm))
            }
            Op::StoreU32AddImm32 { s, b, d, a, off, imm } => {
                let v = reg!(s);
                store_then!(b, off, (v as u32).to_le_bytes(), 4, add_imm32!(d, a, imm))
            }
            Op::StoreU64AddImm32 { s, b, d, a, off, imm } => {
                let v = reg!(s);
                store_then!(b, off, v.to_le_bytes(), 8, add_imm32!(d, a, imm))
            }
            Op::AddImmAddImm64 { d1, s1, d2, s2, imm1, imm2 } => {
                add_imm64!(d1, s1, imm1);
                add_imm64!(d2, s2, imm2);
                i += 2;
            }
            Op::AddImm64BranchEq { d, s, s1, s2, imm, target } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!(a == b, target)
            }
            Op::AddImm64BranchNotEq { d, s, s1, s2, imm, target } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!(a != b, target)
            }
            Op::AddImm64BranchLessUnsigned { d, s, s1, s2, imm, target } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!(a < b, target)
            }
            Op::AddImm64BranchLessSigned { d, s, s1, s2, imm, target } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!((a as i64) < (b as i64), target)
            }
            Op::AddImm64BranchGreaterOrEqualUnsigned { d, s, s1, s2, imm, target } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!(a >= b, target)
            }
            Op::AddImm64BranchGreaterOrEqualSigned { d, s, s1, s2, imm, target } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s1), reg!(s2));
                branch2!((a as i64) >= (b as i64), target)
            }
            Op::AddImm64BranchEqImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a == b, target)
            }
            Op::AddImm64BranchNotEqImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a != b, target)
            }
            Op::AddImm64BranchLessUnsignedImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a < b, target)
            }
            Op::AddImm64BranchLessSignedImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!((a as i64) < (b as i64), target)
            }
            Op::AddImm64BranchGreaterOrEqualUnsignedImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a >= b, target)
            }
            Op::AddImm64BranchGreaterOrEqualSignedImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!((a as i64) >= (b as i64), target)
            }
            Op::AddImm64BranchLessOrEqualUnsignedImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a <= b, target)
            }
            Op::AddImm64BranchLessOrEqualSignedImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!((a as i64) <= (b as i64), target)
            }
            Op::AddImm64BranchGreaterUnsignedImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!(a > b, target)
            }
            Op::AddImm64BranchGreaterSignedImm { d, s, s2, imm, target, bimm } => {
                add_imm64!(d, s, imm);
                let (a, b) = (reg!(s2), sx32(bimm));
                branch2!((a as i64) > (b as i64), target)
            }
            Op::StoreU8AddImm64 { s, b, d, a, off, imm } => {
                let v = reg!(s);
                store_then!(b, off, [v as u8], 1, add_imm64!(d, a, imm))
            }
            Op::StoreU16AddImm64 { s, b, d, a, off, imm } => {
                let v = reg!(s);
                store_then!(b, off, (v as u16).to_le_bytes(), 2, add_imm64!(d, a, imm))
            }
            Op::StoreU32AddImm64 { s, b, d, a, off, imm } => {
                let v = reg!(s);
                store_then!(b, off, (v as u32).to_le_bytes(), 4, add_imm64!(d, a, imm))
            }
            Op::StoreU64AddImm64 { s, b, d, a, off, imm } => {
                let v = reg!(s);
                store_then!(b, off, v.to_le_bytes(), 8, add_imm64!(d, a, imm))
            }
            Op::LoadU8AddImm32 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 1, |v: [u8; 1]| u64::from(v[0]), add_imm32!(d2, a, imm))
            }
            Op::LoadI8AddImm32 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 1, |v: [u8; 1]| v[0] as i8 as i64 as u64, add_imm32!(d2, a, imm))
            }
            Op::LoadU16AddImm32 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 2, |v: [u8; 2]| u64::from(u16::from_le_bytes(v)), add_imm32!(d2, a, imm))
            }
            Op::LoadI16AddImm32 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 2, |v: [u8; 2]| i16::from_le_bytes(v) as i64 as u64, add_imm32!(d2, a, imm))
            }
            Op::LoadU32AddImm32 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 4, |v: [u8; 4]| u64::from(u32::from_le_bytes(v)), add_imm32!(d2, a, imm))
            }
            Op::LoadI32AddImm32 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 4, |v: [u8; 4]| i32::from_le_bytes(v) as i64 as u64, add_imm32!(d2, a, imm))
            }
            Op::LoadU64AddImm32 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 8, |v: [u8; 8]| u64::from_le_bytes(v), add_imm32!(d2, a, imm))
            }
            Op::LoadU8AddImm64 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 1, |v: [u8; 1]| u64::from(v[0]), add_imm64!(d2, a, imm))
            }
            Op::LoadI8AddImm64 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 1, |v: [u8; 1]| v[0] as i8 as i64 as u64, add_imm64!(d2, a, imm))
            }
            Op::LoadU16AddImm64 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 2, |v: [u8; 2]| u64::from(u16::from_le_bytes(v)), add_imm64!(d2, a, imm))
            }
            Op::LoadI16AddImm64 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 2, |v: [u8; 2]| i16::from_le_bytes(v) as i64 as u64, add_imm64!(d2, a, imm))
            }
            Op::LoadU32AddImm64 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 4, |v: [u8; 4]| u64::from(u32::from_le_bytes(v)), add_imm64!(d2, a, imm))
            }
            Op::LoadI32AddImm64 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 4, |v: [u8; 4]| i32::from_le_bytes(v) as i64 as u64, add_imm64!(d2, a, imm))
            }
            Op::LoadU64AddImm64 { d, b, d2, a, off, imm } => {
                load_then!(d, b, off, 8, |v: [u8; 8]| u64::from_le_bytes(v), add_imm64!(d2, a, imm))
            }
        }
    }
}
