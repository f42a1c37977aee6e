//! The dispatch loop: a `match` over the op [`Kind`] with the register file and gas pinned in
//! locals.
//!
//! Each base kind's work is written once, in `step!` (straight-line kinds) or `finish!` (kinds
//! that decide where to continue); the handlers of base and fused kinds are generated from them.

use crate::compile::{CompiledCode, NO_TARGET};
use crate::memory::{Fault, Memory};
use crate::ops::{Kind, Metering, Op};

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
    memory.prepare_fast_path();

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
    // A load by op `$o`, the `$k`-th of its sequence (a fault names that op, with the earlier
    // ones of the sequence done).
    macro_rules! load {
        ($o:ident, $k:expr, $n:literal, $conv:expr) => {{
            let address = (reg!($o.b) as u32).wrapping_add($o.x);
            let bytes = match memory.load_fast::<$n>(address) {
                Some(bytes) => bytes,
                None => match memory.load_slow_n::<$n>(address) {
                    Ok(bytes) => bytes,
                    Err(fault) => exit!(fault_exit(i + $k, fault)),
                },
            };
            reg!($o.a) = $conv(bytes);
        }};
    }
    macro_rules! store {
        ($o:ident, $k:expr, $bytes:expr) => {{
            let address = (reg!($o.b) as u32).wrapping_add($o.x);
            let bytes = $bytes;
            if !memory.store_fast(address, bytes) {
                let result = memory.store_slow_n(address, bytes);
                if let Err(fault) = result {
                    exit!(fault_exit(i + $k, fault));
                }
            }
        }};
    }
    // Not taken continues after the sequence. The `cold_path` hint keeps a fused branch a real
    // (predicted) branch: as a `cmov` the next dispatch would wait for the comparison.
    macro_rules! branch {
        ($cond:expr, $target:expr, $n:expr) => {{
            if $cond {
                i = $target as usize;
            } else {
                if $n > 1 {
                    core::hint::cold_path();
                }
                i += $n;
            }
        }};
    }
    macro_rules! dynamic_jump {
        ($address:expr, $k:expr) => {{
            let address: u32 = $address;
            if address == RETURN_TO_HOST {
                exit!(Exit::Finished);
            }
            if address == 0 || address & 1 != 0 {
                exit!(Exit::Trap((i + $k) as u32));
            }
            match jump_table.get((address / 2 - 1) as usize) {
                Some(&target) if target != NO_TARGET => i = target as usize,
                _ => exit!(Exit::Trap((i + $k) as u32)),
            }
        }};
    }

    // The work of a straight-line kind: op `$o` at offset `$k` of its sequence.
    macro_rules! step {
        (Nop, $o:ident, $k:expr) => {{
            let _ = $o;
        }};
        (LoadU8, $o:ident, $k:expr) => {
            load!($o, $k, 1, |v: [u8; 1]| u64::from(v[0]))
        };
        (LoadI8, $o:ident, $k:expr) => {
            load!($o, $k, 1, |v: [u8; 1]| v[0] as i8 as i64 as u64)
        };
        (LoadU16, $o:ident, $k:expr) => {
            load!($o, $k, 2, |v| u64::from(u16::from_le_bytes(v)))
        };
        (LoadI16, $o:ident, $k:expr) => {
            load!($o, $k, 2, |v| i16::from_le_bytes(v) as i64 as u64)
        };
        (LoadU32, $o:ident, $k:expr) => {
            load!($o, $k, 4, |v| u64::from(u32::from_le_bytes(v)))
        };
        (LoadI32, $o:ident, $k:expr) => {
            load!($o, $k, 4, |v| i32::from_le_bytes(v) as i64 as u64)
        };
        (LoadU64, $o:ident, $k:expr) => {
            load!($o, $k, 8, u64::from_le_bytes)
        };
        (StoreU8, $o:ident, $k:expr) => {
            store!($o, $k, [reg!($o.a) as u8])
        };
        (StoreU16, $o:ident, $k:expr) => {
            store!($o, $k, (reg!($o.a) as u16).to_le_bytes())
        };
        (StoreU32, $o:ident, $k:expr) => {
            store!($o, $k, (reg!($o.a) as u32).to_le_bytes())
        };
        (StoreU64, $o:ident, $k:expr) => {
            store!($o, $k, reg!($o.a).to_le_bytes())
        };
        (StoreImmU8, $o:ident, $k:expr) => {
            store!($o, $k, [$o.y as u8])
        };
        (StoreImmU16, $o:ident, $k:expr) => {
            store!($o, $k, ($o.y as u16).to_le_bytes())
        };
        (StoreImmU32, $o:ident, $k:expr) => {
            store!($o, $k, ($o.y as u32).to_le_bytes())
        };
        (StoreImmU64, $o:ident, $k:expr) => {
            store!($o, $k, $o.y.to_le_bytes())
        };

        (LoadImm, $o:ident, $k:expr) => {
            reg!($o.a) = $o.y
        };
        (MoveReg, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b)
        };
        (AddImm32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).wrapping_add($o.y as u32))
        };
        (AddImm64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).wrapping_add($o.y)
        };
        (AndImm, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) & $o.y
        };
        (XorImm, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) ^ $o.y
        };
        (OrImm, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) | $o.y
        };
        (MulImm32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).wrapping_mul($o.y as u32))
        };
        (MulImm64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).wrapping_mul($o.y)
        };
        (SetLessThanUnsignedImm, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from(reg!($o.b) < $o.y)
        };
        (SetLessThanSignedImm, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from((reg!($o.b) as i64) < $o.y as i64)
        };
        (SetGreaterThanUnsignedImm, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from(reg!($o.b) > $o.y)
        };
        (SetGreaterThanSignedImm, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from((reg!($o.b) as i64) > $o.y as i64)
        };
        (ShiftLogicalLeftImm32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32) << ($o.y & 31))
        };
        (ShiftLogicalLeftImm64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) << ($o.y & 63)
        };
        (ShiftLogicalRightImm32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32) >> ($o.y & 31))
        };
        (ShiftLogicalRightImm64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) >> ($o.y & 63)
        };
        (ShiftArithmeticRightImm32, $o:ident, $k:expr) => {
            reg!($o.a) = ((reg!($o.b) as u32 as i32) >> ($o.y & 31)) as i64 as u64
        };
        (ShiftArithmeticRightImm64, $o:ident, $k:expr) => {
            reg!($o.a) = ((reg!($o.b) as i64) >> ($o.y & 63)) as u64
        };
        (ShiftLogicalLeftImmAlt32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32(($o.y as u32) << (reg!($o.b) & 31))
        };
        (ShiftLogicalLeftImmAlt64, $o:ident, $k:expr) => {
            reg!($o.a) = $o.y << (reg!($o.b) & 63)
        };
        (ShiftLogicalRightImmAlt32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32(($o.y as u32) >> (reg!($o.b) & 31))
        };
        (ShiftLogicalRightImmAlt64, $o:ident, $k:expr) => {
            reg!($o.a) = $o.y >> (reg!($o.b) & 63)
        };
        (ShiftArithmeticRightImmAlt32, $o:ident, $k:expr) => {
            reg!($o.a) = (($o.y as u32 as i32) >> (reg!($o.b) & 31)) as i64 as u64
        };
        (ShiftArithmeticRightImmAlt64, $o:ident, $k:expr) => {
            reg!($o.a) = (($o.y as i64) >> (reg!($o.b) & 63)) as u64
        };
        (NegateAndAddImm32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32(($o.y as u32).wrapping_sub(reg!($o.b) as u32))
        };
        (NegateAndAddImm64, $o:ident, $k:expr) => {
            reg!($o.a) = $o.y.wrapping_sub(reg!($o.b))
        };
        (CmovIfZeroImm, $o:ident, $k:expr) => {
            if reg!($o.b) == 0 {
                reg!($o.a) = $o.y;
            }
        };
        (CmovIfNotZeroImm, $o:ident, $k:expr) => {
            if reg!($o.b) != 0 {
                reg!($o.a) = $o.y;
            }
        };
        (RotateRightImm32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).rotate_right($o.y as u32 & 31))
        };
        (RotateRightImm64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).rotate_right($o.y as u32 & 63)
        };
        (RotateRightImmAlt32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32(($o.y as u32).rotate_right(reg!($o.b) as u32 & 31))
        };
        (RotateRightImmAlt64, $o:ident, $k:expr) => {
            reg!($o.a) = $o.y.rotate_right(reg!($o.b) as u32 & 63)
        };

        (Add32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).wrapping_add(reg!($o.c) as u32))
        };
        (Add64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).wrapping_add(reg!($o.c))
        };
        (Sub32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).wrapping_sub(reg!($o.c) as u32))
        };
        (Sub64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).wrapping_sub(reg!($o.c))
        };
        (And, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) & reg!($o.c)
        };
        (Xor, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) ^ reg!($o.c)
        };
        (Or, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) | reg!($o.c)
        };
        (Mul32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).wrapping_mul(reg!($o.c) as u32))
        };
        (Mul64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).wrapping_mul(reg!($o.c))
        };
        (MulUpperSignedSigned32, $o:ident, $k:expr) => {{
            let product = i64::from(reg!($o.b) as i32) * i64::from(reg!($o.c) as i32);
            reg!($o.a) = sx32((product >> 32) as u32)
        }};
        (MulUpperSignedSigned64, $o:ident, $k:expr) => {{
            let product = i128::from(reg!($o.b) as i64) * i128::from(reg!($o.c) as i64);
            reg!($o.a) = (product >> 64) as u64
        }};
        (MulUpperUnsignedUnsigned32, $o:ident, $k:expr) => {{
            let product = u64::from(reg!($o.b) as u32) * u64::from(reg!($o.c) as u32);
            reg!($o.a) = sx32((product >> 32) as u32)
        }};
        (MulUpperUnsignedUnsigned64, $o:ident, $k:expr) => {{
            let product = u128::from(reg!($o.b)) * u128::from(reg!($o.c));
            reg!($o.a) = (product >> 64) as u64
        }};
        (MulUpperSignedUnsigned32, $o:ident, $k:expr) => {{
            let product = i64::from(reg!($o.b) as i32).wrapping_mul(i64::from(reg!($o.c) as u32));
            reg!($o.a) = sx32((product >> 32) as u32)
        }};
        (MulUpperSignedUnsigned64, $o:ident, $k:expr) => {{
            let product = i128::from(reg!($o.b) as i64).wrapping_mul(i128::from(reg!($o.c)));
            reg!($o.a) = (product >> 64) as u64
        }};
        (SetLessThanUnsigned, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from(reg!($o.b) < reg!($o.c))
        };
        (SetLessThanSigned, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from((reg!($o.b) as i64) < (reg!($o.c) as i64))
        };
        (ShiftLogicalLeft32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32) << (reg!($o.c) & 31))
        };
        (ShiftLogicalLeft64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) << (reg!($o.c) & 63)
        };
        (ShiftLogicalRight32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32) >> (reg!($o.c) & 31))
        };
        (ShiftLogicalRight64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) >> (reg!($o.c) & 63)
        };
        (ShiftArithmeticRight32, $o:ident, $k:expr) => {
            reg!($o.a) = ((reg!($o.b) as u32 as i32) >> (reg!($o.c) & 31)) as i64 as u64
        };
        (ShiftArithmeticRight64, $o:ident, $k:expr) => {
            reg!($o.a) = ((reg!($o.b) as i64) >> (reg!($o.c) & 63)) as u64
        };
        (DivUnsigned32, $o:ident, $k:expr) => {{
            let (a, b) = (reg!($o.b) as u32, reg!($o.c) as u32);
            reg!($o.a) = sx32(a.checked_div(b).unwrap_or(u32::MAX))
        }};
        (DivUnsigned64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).checked_div(reg!($o.c)).unwrap_or(u64::MAX)
        };
        (DivSigned32, $o:ident, $k:expr) => {
            reg!($o.a) = div_signed_32(reg!($o.b) as u32 as i32, reg!($o.c) as u32 as i32) as i64 as u64
        };
        (DivSigned64, $o:ident, $k:expr) => {
            reg!($o.a) = div_signed_64(reg!($o.b) as i64, reg!($o.c) as i64) as u64
        };
        (RemUnsigned32, $o:ident, $k:expr) => {{
            let (a, b) = (reg!($o.b) as u32, reg!($o.c) as u32);
            reg!($o.a) = sx32(a.checked_rem(b).unwrap_or(a))
        }};
        (RemUnsigned64, $o:ident, $k:expr) => {{
            let a = reg!($o.b);
            reg!($o.a) = a.checked_rem(reg!($o.c)).unwrap_or(a)
        }};
        (RemSigned32, $o:ident, $k:expr) => {
            reg!($o.a) = rem_signed_32(reg!($o.b) as u32 as i32, reg!($o.c) as u32 as i32) as i64 as u64
        };
        (RemSigned64, $o:ident, $k:expr) => {
            reg!($o.a) = rem_signed_64(reg!($o.b) as i64, reg!($o.c) as i64) as u64
        };
        (CmovIfZero, $o:ident, $k:expr) => {
            if reg!($o.c) == 0 {
                reg!($o.a) = reg!($o.b);
            }
        };
        (CmovIfNotZero, $o:ident, $k:expr) => {
            if reg!($o.c) != 0 {
                reg!($o.a) = reg!($o.b);
            }
        };
        (AndInverted, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) & !reg!($o.c)
        };
        (OrInverted, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) | !reg!($o.c)
        };
        (Xnor, $o:ident, $k:expr) => {
            reg!($o.a) = !(reg!($o.b) ^ reg!($o.c))
        };
        (Maximum, $o:ident, $k:expr) => {
            reg!($o.a) = (reg!($o.b) as i64).max(reg!($o.c) as i64) as u64
        };
        (MaximumUnsigned, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).max(reg!($o.c))
        };
        (Minimum, $o:ident, $k:expr) => {
            reg!($o.a) = (reg!($o.b) as i64).min(reg!($o.c) as i64) as u64
        };
        (MinimumUnsigned, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).min(reg!($o.c))
        };
        (RotateLeft32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).rotate_left(reg!($o.c) as u32 & 31))
        };
        (RotateLeft64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).rotate_left(reg!($o.c) as u32 & 63)
        };
        (RotateRight32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).rotate_right(reg!($o.c) as u32 & 31))
        };
        (RotateRight64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).rotate_right(reg!($o.c) as u32 & 63)
        };

        (CountLeadingZeroBits32, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from((reg!($o.b) as u32).leading_zeros())
        };
        (CountLeadingZeroBits64, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from(reg!($o.b).leading_zeros())
        };
        (CountTrailingZeroBits32, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from((reg!($o.b) as u32).trailing_zeros())
        };
        (CountTrailingZeroBits64, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from(reg!($o.b).trailing_zeros())
        };
        (CountSetBits32, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from((reg!($o.b) as u32).count_ones())
        };
        (CountSetBits64, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from(reg!($o.b).count_ones())
        };
        (SignExtend8, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) as u8 as i8 as i64 as u64
        };
        (SignExtend16, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b) as u16 as i16 as i64 as u64
        };
        (ZeroExtend16, $o:ident, $k:expr) => {
            reg!($o.a) = u64::from(reg!($o.b) as u16)
        };
        (ReverseByte32, $o:ident, $k:expr) => {
            reg!($o.a) = sx32((reg!($o.b) as u32).swap_bytes())
        };
        (ReverseByte64, $o:ident, $k:expr) => {
            reg!($o.a) = reg!($o.b).swap_bytes()
        };
    }

    // The last op of a sequence of `$n` (at offset `$k = $n - 1`): its work, then where to go.
    macro_rules! finish {
        (Charge, $o:ident, $k:expr, $n:expr) => {{
            let cost = i64::from($o.x);
            if cost > gas {
                exit!(Exit::NotEnoughGas((i + $k) as u32));
            }
            gas -= cost;
            i += $n;
        }};
        (ChargeAsync, $o:ident, $k:expr, $n:expr) => {{
            gas -= i64::from($o.x);
            if gas < 0 {
                exit!(Exit::NotEnoughGasAsync);
            }
            i += $n;
        }};
        (Step, $o:ident, $k:expr, $n:expr) => {
            exit!(Exit::Step((i + $k) as u32))
        };
        (Trap, $o:ident, $k:expr, $n:expr) => {
            exit!(Exit::Trap((i + $k) as u32))
        };
        (Ecalli, $o:ident, $k:expr, $n:expr) => {
            exit!(Exit::Ecalli((i + $k) as u32, $o.x))
        };
        (Jump, $o:ident, $k:expr, $n:expr) => {
            i = $o.x as usize
        };
        (JumpIndirect, $o:ident, $k:expr, $n:expr) => {
            dynamic_jump!((reg!($o.b) as u32).wrapping_add($o.x), $k)
        };
        (LoadImmAndJump, $o:ident, $k:expr, $n:expr) => {{
            reg!($o.a) = $o.y;
            i = $o.x as usize;
        }};
        (LoadImmAndTrap, $o:ident, $k:expr, $n:expr) => {{
            reg!($o.a) = $o.y;
            exit!(Exit::Trap((i + $k) as u32));
        }};
        (LoadImmAndJumpIndirect, $o:ident, $k:expr, $n:expr) => {{
            let address = (reg!($o.b) as u32).wrapping_add($o.x);
            reg!($o.a) = $o.y;
            dynamic_jump!(address, $k)
        }};
        (BranchEq, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) == reg!($o.b), $o.x, $n)
        };
        (BranchNotEq, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) != reg!($o.b), $o.x, $n)
        };
        (BranchLessUnsigned, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) < reg!($o.b), $o.x, $n)
        };
        (BranchLessSigned, $o:ident, $k:expr, $n:expr) => {
            branch!((reg!($o.a) as i64) < (reg!($o.b) as i64), $o.x, $n)
        };
        (BranchGreaterOrEqualUnsigned, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) >= reg!($o.b), $o.x, $n)
        };
        (BranchGreaterOrEqualSigned, $o:ident, $k:expr, $n:expr) => {
            branch!((reg!($o.a) as i64) >= (reg!($o.b) as i64), $o.x, $n)
        };
        (BranchEqImm, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) == $o.y, $o.x, $n)
        };
        (BranchNotEqImm, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) != $o.y, $o.x, $n)
        };
        (BranchLessUnsignedImm, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) < $o.y, $o.x, $n)
        };
        (BranchLessSignedImm, $o:ident, $k:expr, $n:expr) => {
            branch!((reg!($o.a) as i64) < ($o.y as i64), $o.x, $n)
        };
        (BranchGreaterOrEqualUnsignedImm, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) >= $o.y, $o.x, $n)
        };
        (BranchGreaterOrEqualSignedImm, $o:ident, $k:expr, $n:expr) => {
            branch!((reg!($o.a) as i64) >= ($o.y as i64), $o.x, $n)
        };
        (BranchLessOrEqualUnsignedImm, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) <= $o.y, $o.x, $n)
        };
        (BranchLessOrEqualSignedImm, $o:ident, $k:expr, $n:expr) => {
            branch!((reg!($o.a) as i64) <= ($o.y as i64), $o.x, $n)
        };
        (BranchGreaterUnsignedImm, $o:ident, $k:expr, $n:expr) => {
            branch!(reg!($o.a) > $o.y, $o.x, $n)
        };
        (BranchGreaterSignedImm, $o:ident, $k:expr, $n:expr) => {
            branch!((reg!($o.a) as i64) > ($o.y as i64), $o.x, $n)
        };
        (Sbrk, $o:ident, $k:expr, $n:expr) => {{
            let value = reg!($o.b);
            let size = if $o.c != 0 { u32::try_from(value).unwrap_or(0) } else { value as u32 };
            if memory.paged.is_some() {
                // Upstream panics here; a dynamic-paging module has no heap.
                exit!(Exit::Trap((i + $k) as u32));
            }
            // polkavm 0.37 sign-extends the 32-bit heap top in every ISA (a top at or above
            // 2^31 reads back as 0xffff_ffff_xxxx_xxxx in Latest64); match it.
            reg!($o.a) = memory.sbrk(size).map_or(0, sx32);
            i += $n;
        }};
        (Memset, $o:ident, $k:expr, $n:expr) => {{
            let metering = Metering::from_u8($o.a);
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
                exit!(fault_exit(i + $k, fault));
            }
            if written < count {
                match metering {
                    Metering::Async => exit!(Exit::NotEnoughGasAsync),
                    _ => exit!(Exit::NotEnoughGas((i + $k) as u32)),
                }
            }
            i += $n;
        }};
        ($kind:ident, $o:ident, $k:expr, $n:expr) => {{
            step!($kind, $o, $k);
            i += $n;
        }};
    }

    // A fused handler: the later ops' operands come from their own slots (read where used, so
    // they are not all held in registers at once). A sequence whose final branch jumps back to
    // its own first op (a loop of one fused op) repeats here, without a dispatch.
    macro_rules! fused {
        ($o:ident; $p0:ident, $($part:ident),+) => {{
            let rest = following::<{ count!($($part)+) }>(ops, i);
            let start = i;
            loop {
                step!($p0, $o, 0);
                fused_rest!(rest, 1; $($part),+);
                if i != start {
                    break;
                }
            }
        }};
    }
    macro_rules! count {
        () => { 0 };
        ($x:ident $($more:ident)*) => { 1 + count!($($more)*) };
    }
    macro_rules! fused_rest {
        ($rest:ident, $k:expr; $last:ident) => {{
            let o = &$rest[$k - 1];
            finish!($last, o, $k, $k + 1)
        }};
        ($rest:ident, $k:expr; $p:ident, $($more:ident),+) => {{
            let o = &$rest[$k - 1];
            step!($p, o, $k);
            fused_rest!($rest, $k + 1; $($more),+)
        }};
    }

    macro_rules! dispatch_loop {
        ([$( $(#[$meta:meta])* $base:ident ),* $(,)?] $( ($name:ident, [$($part:ident),+]) ),* $(,)?) => {
            loop {
                #[cfg(feature = "op-profile")]
                crate::profile::hit(i, ops.len());
                let Some(&op) = ops.get(i) else { exit!(Exit::Trap(i.saturating_sub(1) as u32)) };
                match op.kind {
                    $( Kind::$base => finish!($base, op, 0, 1), )*
                    $( Kind::$name => fused!(op; $($part),+), )*
                }
            }
        };
    }

    crate::ops::for_each_kind!(dispatch_loop)
}

/// The `N` ops after op `i`: the rest of a fused sequence (always present by construction; the
/// fallback is never used).
#[inline(always)]
fn following<const N: usize>(ops: &[Op], i: usize) -> &[Op; N] {
    const TRAPS: [Op; 8] = [Op::TRAP; 8];
    match ops.get(i + 1..).and_then(|rest| rest.first_chunk::<N>()) {
        Some(chunk) => chunk,
        None => TRAPS.first_chunk::<N>().unwrap_or_else(|| unreachable!()),
    }
}
