//! What every op kind does, written once as macros over an explicit machine state `$vm`, so
//! the dispatch loop (`match_loop.rs`) can generate base and fused handlers from the same text.
//!
//! `$vm` is a local struct with the fields `ops: &[Op]`, `jump_table: &[u32]`,
//! `regs: &mut [u64; 256]`, `memory: &mut Memory`, `i: usize` (the current op) and `gas: i64`.
//! The expanding code defines `leave!($vm, exit)`: stop with that [`Exit`].

// `$vm.regs` has 256 slots indexed by the raw `u8` operand: every access is in bounds without a
// mask or a check (only the first 16 are ever used).
macro_rules! reg {
    ($vm:ident, $r:expr) => {
        $vm.regs[$r as usize]
    };
}

macro_rules! exit {
    ($vm:ident, $e:expr) => {
        leave!($vm, $e)
    };
}

// A load by op `$o`, the `$k`-th of its sequence (a fault names that op, with the earlier
// ones of the sequence done).
macro_rules! load {
    ($vm:ident, $o:ident, $k:expr, $n:literal, $conv:expr) => {{
        let address = (reg!($vm, $o.b) as u32).wrapping_add($o.x);
        let bytes = match $vm.memory.load_fast::<$n>(address) {
            Some(bytes) => bytes,
            None => match $vm.memory.load_slow_n::<$n>(address) {
                Ok(bytes) => bytes,
                Err(fault) => exit!($vm, fault_exit($vm.i + $k, fault)),
            },
        };
        reg!($vm, $o.a) = $conv(bytes);
    }};
}

macro_rules! store {
    ($vm:ident, $o:ident, $k:expr, $bytes:expr) => {{
        let address = (reg!($vm, $o.b) as u32).wrapping_add($o.x);
        let bytes = $bytes;
        if !$vm.memory.store_fast(address, bytes) {
            let result = $vm.memory.store_slow_n(address, bytes);
            if let Err(fault) = result {
                exit!($vm, fault_exit($vm.i + $k, fault));
            }
        }
    }};
}

// Not taken continues after the sequence. The `cold_path` hint keeps a fused branch a real
// (predicted) branch: as a `cmov` the next dispatch would wait for the comparison.
macro_rules! branch {
    ($vm:ident, $cond:expr, $target:expr, $n:expr) => {{
        if $cond {
            $vm.i = $target as usize;
        } else {
            if $n > 1 {
                core::hint::cold_path();
            }
            $vm.i += $n;
        }
    }};
}

macro_rules! dynamic_jump {
    ($vm:ident, $address:expr, $k:expr) => {{
        let address: u32 = $address;
        if address == RETURN_TO_HOST {
            exit!($vm, Exit::Finished);
        }
        if address == 0 || address & 1 != 0 {
            exit!($vm, Exit::Trap(($vm.i + $k) as u32));
        }
        match $vm.jump_table.get((address / 2 - 1) as usize) {
            Some(&target) if target != NO_TARGET => $vm.i = target as usize,
            _ => exit!($vm, Exit::Trap(($vm.i + $k) as u32)),
        }
    }};
}

// The work of a straight-line kind: op `$o` at offset `$k` of its sequence.
macro_rules! step {
    ($vm:ident, Nop, $o:ident, $k:expr) => {{
        let _ = $o;
    }};
    ($vm:ident, LoadU8, $o:ident, $k:expr) => {
        load!($vm, $o, $k, 1, |v: [u8; 1]| u64::from(v[0]))
    };
    ($vm:ident, LoadI8, $o:ident, $k:expr) => {
        load!($vm, $o, $k, 1, |v: [u8; 1]| v[0] as i8 as i64 as u64)
    };
    ($vm:ident, LoadU16, $o:ident, $k:expr) => {
        load!($vm, $o, $k, 2, |v| u64::from(u16::from_le_bytes(v)))
    };
    ($vm:ident, LoadI16, $o:ident, $k:expr) => {
        load!($vm, $o, $k, 2, |v| i16::from_le_bytes(v) as i64 as u64)
    };
    ($vm:ident, LoadU32, $o:ident, $k:expr) => {
        load!($vm, $o, $k, 4, |v| u64::from(u32::from_le_bytes(v)))
    };
    ($vm:ident, LoadI32, $o:ident, $k:expr) => {
        load!($vm, $o, $k, 4, |v| i32::from_le_bytes(v) as i64 as u64)
    };
    ($vm:ident, LoadU64, $o:ident, $k:expr) => {
        load!($vm, $o, $k, 8, u64::from_le_bytes)
    };
    ($vm:ident, StoreU8, $o:ident, $k:expr) => {
        store!($vm, $o, $k, [reg!($vm, $o.a) as u8])
    };
    ($vm:ident, StoreU16, $o:ident, $k:expr) => {
        store!($vm, $o, $k, (reg!($vm, $o.a) as u16).to_le_bytes())
    };
    ($vm:ident, StoreU32, $o:ident, $k:expr) => {
        store!($vm, $o, $k, (reg!($vm, $o.a) as u32).to_le_bytes())
    };
    ($vm:ident, StoreU64, $o:ident, $k:expr) => {
        store!($vm, $o, $k, reg!($vm, $o.a).to_le_bytes())
    };
    ($vm:ident, StoreImmU8, $o:ident, $k:expr) => {
        store!($vm, $o, $k, [$o.y as u8])
    };
    ($vm:ident, StoreImmU16, $o:ident, $k:expr) => {
        store!($vm, $o, $k, ($o.y as u16).to_le_bytes())
    };
    ($vm:ident, StoreImmU32, $o:ident, $k:expr) => {
        store!($vm, $o, $k, ($o.y as u32).to_le_bytes())
    };
    ($vm:ident, StoreImmU64, $o:ident, $k:expr) => {
        store!($vm, $o, $k, $o.y.to_le_bytes())
    };

    ($vm:ident, LoadImm, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = $o.y
    };
    ($vm:ident, MoveReg, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b)
    };
    ($vm:ident, AddImm32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).wrapping_add($o.y as u32))
    };
    ($vm:ident, AddImm64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).wrapping_add($o.y)
    };
    ($vm:ident, AndImm, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) & $o.y
    };
    ($vm:ident, XorImm, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) ^ $o.y
    };
    ($vm:ident, OrImm, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) | $o.y
    };
    ($vm:ident, MulImm32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).wrapping_mul($o.y as u32))
    };
    ($vm:ident, MulImm64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).wrapping_mul($o.y)
    };
    ($vm:ident, SetLessThanUnsignedImm, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from(reg!($vm, $o.b) < $o.y)
    };
    ($vm:ident, SetLessThanSignedImm, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from((reg!($vm, $o.b) as i64) < $o.y as i64)
    };
    ($vm:ident, SetGreaterThanUnsignedImm, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from(reg!($vm, $o.b) > $o.y)
    };
    ($vm:ident, SetGreaterThanSignedImm, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from((reg!($vm, $o.b) as i64) > $o.y as i64)
    };
    ($vm:ident, ShiftLogicalLeftImm32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32) << ($o.y & 31))
    };
    ($vm:ident, ShiftLogicalLeftImm64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) << ($o.y & 63)
    };
    ($vm:ident, ShiftLogicalRightImm32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32) >> ($o.y & 31))
    };
    ($vm:ident, ShiftLogicalRightImm64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) >> ($o.y & 63)
    };
    ($vm:ident, ShiftArithmeticRightImm32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = ((reg!($vm, $o.b) as u32 as i32) >> ($o.y & 31)) as i64 as u64
    };
    ($vm:ident, ShiftArithmeticRightImm64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = ((reg!($vm, $o.b) as i64) >> ($o.y & 63)) as u64
    };
    ($vm:ident, ShiftLogicalLeftImmAlt32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32(($o.y as u32) << (reg!($vm, $o.b) & 31))
    };
    ($vm:ident, ShiftLogicalLeftImmAlt64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = $o.y << (reg!($vm, $o.b) & 63)
    };
    ($vm:ident, ShiftLogicalRightImmAlt32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32(($o.y as u32) >> (reg!($vm, $o.b) & 31))
    };
    ($vm:ident, ShiftLogicalRightImmAlt64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = $o.y >> (reg!($vm, $o.b) & 63)
    };
    ($vm:ident, ShiftArithmeticRightImmAlt32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = (($o.y as u32 as i32) >> (reg!($vm, $o.b) & 31)) as i64 as u64
    };
    ($vm:ident, ShiftArithmeticRightImmAlt64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = (($o.y as i64) >> (reg!($vm, $o.b) & 63)) as u64
    };
    ($vm:ident, NegateAndAddImm32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32(($o.y as u32).wrapping_sub(reg!($vm, $o.b) as u32))
    };
    ($vm:ident, NegateAndAddImm64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = $o.y.wrapping_sub(reg!($vm, $o.b))
    };
    ($vm:ident, CmovIfZeroImm, $o:ident, $k:expr) => {
        if reg!($vm, $o.b) == 0 {
            reg!($vm, $o.a) = $o.y;
        }
    };
    ($vm:ident, CmovIfNotZeroImm, $o:ident, $k:expr) => {
        if reg!($vm, $o.b) != 0 {
            reg!($vm, $o.a) = $o.y;
        }
    };
    ($vm:ident, RotateRightImm32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).rotate_right($o.y as u32 & 31))
    };
    ($vm:ident, RotateRightImm64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).rotate_right($o.y as u32 & 63)
    };
    ($vm:ident, RotateRightImmAlt32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32(($o.y as u32).rotate_right(reg!($vm, $o.b) as u32 & 31))
    };
    ($vm:ident, RotateRightImmAlt64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = $o.y.rotate_right(reg!($vm, $o.b) as u32 & 63)
    };

    ($vm:ident, Add32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).wrapping_add(reg!($vm, $o.c) as u32))
    };
    ($vm:ident, Add64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).wrapping_add(reg!($vm, $o.c))
    };
    ($vm:ident, Sub32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).wrapping_sub(reg!($vm, $o.c) as u32))
    };
    ($vm:ident, Sub64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).wrapping_sub(reg!($vm, $o.c))
    };
    ($vm:ident, And, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) & reg!($vm, $o.c)
    };
    ($vm:ident, Xor, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) ^ reg!($vm, $o.c)
    };
    ($vm:ident, Or, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) | reg!($vm, $o.c)
    };
    ($vm:ident, Mul32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).wrapping_mul(reg!($vm, $o.c) as u32))
    };
    ($vm:ident, Mul64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).wrapping_mul(reg!($vm, $o.c))
    };
    ($vm:ident, MulUpperSignedSigned32, $o:ident, $k:expr) => {{
        let product = i64::from(reg!($vm, $o.b) as i32) * i64::from(reg!($vm, $o.c) as i32);
        reg!($vm, $o.a) = sx32((product >> 32) as u32)
    }};
    ($vm:ident, MulUpperSignedSigned64, $o:ident, $k:expr) => {{
        let product = i128::from(reg!($vm, $o.b) as i64) * i128::from(reg!($vm, $o.c) as i64);
        reg!($vm, $o.a) = (product >> 64) as u64
    }};
    ($vm:ident, MulUpperUnsignedUnsigned32, $o:ident, $k:expr) => {{
        let product = u64::from(reg!($vm, $o.b) as u32) * u64::from(reg!($vm, $o.c) as u32);
        reg!($vm, $o.a) = sx32((product >> 32) as u32)
    }};
    ($vm:ident, MulUpperUnsignedUnsigned64, $o:ident, $k:expr) => {{
        let product = u128::from(reg!($vm, $o.b)) * u128::from(reg!($vm, $o.c));
        reg!($vm, $o.a) = (product >> 64) as u64
    }};
    ($vm:ident, MulUpperSignedUnsigned32, $o:ident, $k:expr) => {{
        let product = i64::from(reg!($vm, $o.b) as i32).wrapping_mul(i64::from(reg!($vm, $o.c) as u32));
        reg!($vm, $o.a) = sx32((product >> 32) as u32)
    }};
    ($vm:ident, MulUpperSignedUnsigned64, $o:ident, $k:expr) => {{
        let product = i128::from(reg!($vm, $o.b) as i64).wrapping_mul(i128::from(reg!($vm, $o.c)));
        reg!($vm, $o.a) = (product >> 64) as u64
    }};
    ($vm:ident, SetLessThanUnsigned, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from(reg!($vm, $o.b) < reg!($vm, $o.c))
    };
    ($vm:ident, SetLessThanSigned, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from((reg!($vm, $o.b) as i64) < (reg!($vm, $o.c) as i64))
    };
    ($vm:ident, ShiftLogicalLeft32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32) << (reg!($vm, $o.c) & 31))
    };
    ($vm:ident, ShiftLogicalLeft64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) << (reg!($vm, $o.c) & 63)
    };
    ($vm:ident, ShiftLogicalRight32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32) >> (reg!($vm, $o.c) & 31))
    };
    ($vm:ident, ShiftLogicalRight64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) >> (reg!($vm, $o.c) & 63)
    };
    ($vm:ident, ShiftArithmeticRight32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = ((reg!($vm, $o.b) as u32 as i32) >> (reg!($vm, $o.c) & 31)) as i64 as u64
    };
    ($vm:ident, ShiftArithmeticRight64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = ((reg!($vm, $o.b) as i64) >> (reg!($vm, $o.c) & 63)) as u64
    };
    ($vm:ident, DivUnsigned32, $o:ident, $k:expr) => {{
        let (a, b) = (reg!($vm, $o.b) as u32, reg!($vm, $o.c) as u32);
        reg!($vm, $o.a) = sx32(a.checked_div(b).unwrap_or(u32::MAX))
    }};
    ($vm:ident, DivUnsigned64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).checked_div(reg!($vm, $o.c)).unwrap_or(u64::MAX)
    };
    ($vm:ident, DivSigned32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = div_signed_32(reg!($vm, $o.b) as u32 as i32, reg!($vm, $o.c) as u32 as i32) as i64 as u64
    };
    ($vm:ident, DivSigned64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = div_signed_64(reg!($vm, $o.b) as i64, reg!($vm, $o.c) as i64) as u64
    };
    ($vm:ident, RemUnsigned32, $o:ident, $k:expr) => {{
        let (a, b) = (reg!($vm, $o.b) as u32, reg!($vm, $o.c) as u32);
        reg!($vm, $o.a) = sx32(a.checked_rem(b).unwrap_or(a))
    }};
    ($vm:ident, RemUnsigned64, $o:ident, $k:expr) => {{
        let a = reg!($vm, $o.b);
        reg!($vm, $o.a) = a.checked_rem(reg!($vm, $o.c)).unwrap_or(a)
    }};
    ($vm:ident, RemSigned32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = rem_signed_32(reg!($vm, $o.b) as u32 as i32, reg!($vm, $o.c) as u32 as i32) as i64 as u64
    };
    ($vm:ident, RemSigned64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = rem_signed_64(reg!($vm, $o.b) as i64, reg!($vm, $o.c) as i64) as u64
    };
    ($vm:ident, CmovIfZero, $o:ident, $k:expr) => {
        if reg!($vm, $o.c) == 0 {
            reg!($vm, $o.a) = reg!($vm, $o.b);
        }
    };
    ($vm:ident, CmovIfNotZero, $o:ident, $k:expr) => {
        if reg!($vm, $o.c) != 0 {
            reg!($vm, $o.a) = reg!($vm, $o.b);
        }
    };
    ($vm:ident, AndInverted, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) & !reg!($vm, $o.c)
    };
    ($vm:ident, OrInverted, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) | !reg!($vm, $o.c)
    };
    ($vm:ident, Xnor, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = !(reg!($vm, $o.b) ^ reg!($vm, $o.c))
    };
    ($vm:ident, Maximum, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = (reg!($vm, $o.b) as i64).max(reg!($vm, $o.c) as i64) as u64
    };
    ($vm:ident, MaximumUnsigned, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).max(reg!($vm, $o.c))
    };
    ($vm:ident, Minimum, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = (reg!($vm, $o.b) as i64).min(reg!($vm, $o.c) as i64) as u64
    };
    ($vm:ident, MinimumUnsigned, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).min(reg!($vm, $o.c))
    };
    ($vm:ident, RotateLeft32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).rotate_left(reg!($vm, $o.c) as u32 & 31))
    };
    ($vm:ident, RotateLeft64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).rotate_left(reg!($vm, $o.c) as u32 & 63)
    };
    ($vm:ident, RotateRight32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).rotate_right(reg!($vm, $o.c) as u32 & 31))
    };
    ($vm:ident, RotateRight64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).rotate_right(reg!($vm, $o.c) as u32 & 63)
    };

    ($vm:ident, CountLeadingZeroBits32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from((reg!($vm, $o.b) as u32).leading_zeros())
    };
    ($vm:ident, CountLeadingZeroBits64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from(reg!($vm, $o.b).leading_zeros())
    };
    ($vm:ident, CountTrailingZeroBits32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from((reg!($vm, $o.b) as u32).trailing_zeros())
    };
    ($vm:ident, CountTrailingZeroBits64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from(reg!($vm, $o.b).trailing_zeros())
    };
    ($vm:ident, CountSetBits32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from((reg!($vm, $o.b) as u32).count_ones())
    };
    ($vm:ident, CountSetBits64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from(reg!($vm, $o.b).count_ones())
    };
    ($vm:ident, SignExtend8, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) as u8 as i8 as i64 as u64
    };
    ($vm:ident, SignExtend16, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b) as u16 as i16 as i64 as u64
    };
    ($vm:ident, ZeroExtend16, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = u64::from(reg!($vm, $o.b) as u16)
    };
    ($vm:ident, ReverseByte32, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = sx32((reg!($vm, $o.b) as u32).swap_bytes())
    };
    ($vm:ident, ReverseByte64, $o:ident, $k:expr) => {
        reg!($vm, $o.a) = reg!($vm, $o.b).swap_bytes()
    };
}

// The last op of a sequence of `$n` (at offset `$k = $n - 1`): its work, then where to go.
macro_rules! finish {
    ($vm:ident, Charge, $o:ident, $k:expr, $n:expr) => {{
        let cost = i64::from($o.x);
        if cost > $vm.gas {
            exit!($vm, Exit::NotEnoughGas(($vm.i + $k) as u32));
        }
        $vm.gas -= cost;
        $vm.i += $n;
    }};
    ($vm:ident, ChargeAsync, $o:ident, $k:expr, $n:expr) => {{
        $vm.gas -= i64::from($o.x);
        if $vm.gas < 0 {
            exit!($vm, Exit::NotEnoughGasAsync);
        }
        $vm.i += $n;
    }};
    ($vm:ident, Step, $o:ident, $k:expr, $n:expr) => {
        exit!($vm, Exit::Step(($vm.i + $k) as u32))
    };
    ($vm:ident, Trap, $o:ident, $k:expr, $n:expr) => {
        exit!($vm, Exit::Trap(($vm.i + $k) as u32))
    };
    ($vm:ident, Ecalli, $o:ident, $k:expr, $n:expr) => {
        exit!($vm, Exit::Ecalli(($vm.i + $k) as u32, $o.x))
    };
    ($vm:ident, Jump, $o:ident, $k:expr, $n:expr) => {
        $vm.i = $o.x as usize
    };
    ($vm:ident, JumpIndirect, $o:ident, $k:expr, $n:expr) => {
        dynamic_jump!($vm, (reg!($vm, $o.b) as u32).wrapping_add($o.x), $k)
    };
    ($vm:ident, LoadImmAndJump, $o:ident, $k:expr, $n:expr) => {{
        reg!($vm, $o.a) = $o.y;
        $vm.i = $o.x as usize;
    }};
    ($vm:ident, LoadImmAndTrap, $o:ident, $k:expr, $n:expr) => {{
        reg!($vm, $o.a) = $o.y;
        exit!($vm, Exit::Trap(($vm.i + $k) as u32));
    }};
    ($vm:ident, LoadImmAndJumpIndirect, $o:ident, $k:expr, $n:expr) => {{
        let address = (reg!($vm, $o.b) as u32).wrapping_add($o.x);
        reg!($vm, $o.a) = $o.y;
        dynamic_jump!($vm, address, $k)
    }};
    ($vm:ident, BranchEq, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) == reg!($vm, $o.b), $o.x, $n)
    };
    ($vm:ident, BranchNotEq, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) != reg!($vm, $o.b), $o.x, $n)
    };
    ($vm:ident, BranchLessUnsigned, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) < reg!($vm, $o.b), $o.x, $n)
    };
    ($vm:ident, BranchLessSigned, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, (reg!($vm, $o.a) as i64) < (reg!($vm, $o.b) as i64), $o.x, $n)
    };
    ($vm:ident, BranchGreaterOrEqualUnsigned, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) >= reg!($vm, $o.b), $o.x, $n)
    };
    ($vm:ident, BranchGreaterOrEqualSigned, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, (reg!($vm, $o.a) as i64) >= (reg!($vm, $o.b) as i64), $o.x, $n)
    };
    ($vm:ident, BranchEqImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) == $o.y, $o.x, $n)
    };
    ($vm:ident, BranchNotEqImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) != $o.y, $o.x, $n)
    };
    ($vm:ident, BranchLessUnsignedImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) < $o.y, $o.x, $n)
    };
    ($vm:ident, BranchLessSignedImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, (reg!($vm, $o.a) as i64) < ($o.y as i64), $o.x, $n)
    };
    ($vm:ident, BranchGreaterOrEqualUnsignedImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) >= $o.y, $o.x, $n)
    };
    ($vm:ident, BranchGreaterOrEqualSignedImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, (reg!($vm, $o.a) as i64) >= ($o.y as i64), $o.x, $n)
    };
    ($vm:ident, BranchLessOrEqualUnsignedImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) <= $o.y, $o.x, $n)
    };
    ($vm:ident, BranchLessOrEqualSignedImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, (reg!($vm, $o.a) as i64) <= ($o.y as i64), $o.x, $n)
    };
    ($vm:ident, BranchGreaterUnsignedImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, reg!($vm, $o.a) > $o.y, $o.x, $n)
    };
    ($vm:ident, BranchGreaterSignedImm, $o:ident, $k:expr, $n:expr) => {
        branch!($vm, (reg!($vm, $o.a) as i64) > ($o.y as i64), $o.x, $n)
    };
    ($vm:ident, Sbrk, $o:ident, $k:expr, $n:expr) => {{
        let value = reg!($vm, $o.b);
        let size = if $o.c != 0 { u32::try_from(value).unwrap_or(0) } else { value as u32 };
        if $vm.memory.paged.is_some() {
            // Upstream panics here; a dynamic-paging module has no heap.
            exit!($vm, Exit::Trap(($vm.i + $k) as u32));
        }
        // polkavm 0.37 sign-extends the 32-bit heap top in every ISA (a top at or above
        // 2^31 reads back as 0xffff_ffff_xxxx_xxxx in Latest64); match it.
        reg!($vm, $o.a) = $vm.memory.sbrk(size).map_or(0, sx32);
        $vm.i += $n;
    }};
    ($vm:ident, Memset, $o:ident, $k:expr, $n:expr) => {{
        let metering = Metering::from_u8($o.a);
        let destination = $vm.regs[A0] as u32;
        let byte = $vm.regs[A1] as u8;
        let count = $vm.regs[A2] as u32;
        // polkavm 0.37 checks for exhausted gas before every byte under both metering
        // kinds, so memset never drives gas below zero, even with async metering.
        let allowed = match metering {
            Metering::None => count,
            _ => count.min(u32::try_from($vm.gas.max(0)).unwrap_or(u32::MAX)),
        };
        let (written, fault) = $vm.memory.memset(destination, byte, allowed);
        if metering != Metering::None {
            $vm.gas -= i64::from(written);
        }
        // polkavm 0.37 writes both registers zero-extended, in Latest32 too (where every
        // other result is kept sign-extended); later 64-bit comparisons can observe it.
        $vm.regs[A0] = u64::from(destination.wrapping_add(written));
        $vm.regs[A2] = u64::from(count - written);
        if let Some(fault) = fault {
            exit!($vm, fault_exit($vm.i + $k, fault));
        }
        if written < count {
            match metering {
                Metering::Async => exit!($vm, Exit::NotEnoughGasAsync),
                _ => exit!($vm, Exit::NotEnoughGas(($vm.i + $k) as u32)),
            }
        }
        $vm.i += $n;
    }};
    ($vm:ident, $kind:ident, $o:ident, $k:expr, $n:expr) => {{
        step!($vm, $kind, $o, $k);
        $vm.i += $n;
    }};
}

// A fused handler: the later ops' operands come from their own slots (read where used, so
// they are not all held in registers at once). A sequence whose final branch jumps back to
// its own first op (a loop of one fused op) repeats here, without a dispatch; so does a loop of
// one plain op followed by a fused loop tail (the branch jumps back to the op just before this
// sequence), when that op is a common straight-line kind (`loop_head!`) run here in a small
// `match`. (Running up to four such ops here was tried: the larger handlers made the whole
// dispatch loop spill registers, 37% more instructions on DOOM.)
macro_rules! fused {
    ($vm:ident, $o:ident; $p0:ident, $($part:ident),+) => {{
        const PARTS: &[Kind] = &[Kind::$p0, $(Kind::$part),+];
        // Sequences of three or more ending in a branch: loop tails (counter updates + branch).
        const LOOP_TAIL: bool = PARTS.len() >= 3 && PARTS[PARTS.len() - 1].has_target();
        let rest = following::<{ count!($($part)+) }>($vm.ops, $vm.i);
        let start = $vm.i;
        loop {
            step!($vm, $p0, $o, 0);
            fused_rest!($vm, rest, 1; $($part),+);
            if $vm.i != start {
                if LOOP_TAIL && $vm.i.wrapping_add(1) == start {
                    if let Some(head) = $vm.ops.get($vm.i) {
                        if loop_head!($vm, head) {
                            $vm.i = start;
                            continue;
                        }
                    }
                }
                break;
            }
        }
    }};
}

// Runs op `$o` (at `$vm.i`) if it is one of the common straight-line kinds; false otherwise.
macro_rules! loop_head {
    ($vm:ident, $o:ident) => {
        loop_head!(@kinds $vm, $o;
            LoadImm, MoveReg, AddImm32, AddImm64, AndImm, OrImm, XorImm,
            ShiftLogicalLeftImm32, ShiftLogicalRightImm32, ShiftArithmeticRightImm32,
            ShiftLogicalLeftImm64, ShiftLogicalRightImm64, ShiftArithmeticRightImm64,
            Add32, Add64, Sub32, Sub64, And, Or, Xor, Mul32, Mul64,
            ShiftLogicalLeft32, ShiftLogicalRight32, ShiftArithmeticRight32,
            ShiftLogicalLeft64, ShiftLogicalRight64, ShiftArithmeticRight64,
            LoadU8, LoadI8, LoadU16, LoadI16, LoadU32, LoadI32, LoadU64,
            StoreU8, StoreU16, StoreU32, StoreU64)
    };
    (@kinds $vm:ident, $o:ident; $($kind:ident),+) => {
        match $o.kind {
            $( Kind::$kind => {
                step!($vm, $kind, $o, 0);
                true
            } )+
            _ => false,
        }
    };
}
macro_rules! count {
    () => { 0 };
    ($x:ident $($more:ident)*) => { 1 + count!($($more)*) };
}
macro_rules! fused_rest {
    ($vm:ident, $rest:ident, $k:expr; $last:ident) => {{
        let o = &$rest[$k - 1];
        finish!($vm, $last, o, $k, $k + 1)
    }};
    ($vm:ident, $rest:ident, $k:expr; $p:ident, $($more:ident),+) => {{
        let o = &$rest[$k - 1];
        step!($vm, $p, o, $k);
        fused_rest!($vm, $rest, $k + 1; $($more),+)
    }};
}
