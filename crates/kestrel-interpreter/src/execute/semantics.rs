//! What every op kind does, written once as macros over an explicit machine state `$vm`, so
//! the dispatch loop (`match_loop.rs`) can generate base and fused handlers from the same text.
//!
//! `$vm` is a local struct with the fields `ops: &[Op]`, `jump_table: &[u32]`, `m: &mut Machine`
//! (registers and memory), `i: usize` (the current op) and `gas: i64`.
//! The expanding code defines `leave!($vm, exit)`: stop with that [`Exit`].
//!
//! Each op's work also takes `$f`, what the previous op of its fused sequence wrote (see `rd!`),
//! and evaluates to what it wrote itself, `(register, value)`, for the next op.

// `$vm.m.regs` has 256 slots indexed by the raw `u8` operand: every access is in bounds without a
// mask or a check (only the first 16 are ever used).
macro_rules! reg {
    ($vm:ident, $r:expr) => {
        $vm.m.regs[$r as usize]
    };
}

// Reads operand `a` or `b` (register `$r`) of an op. In a fused sequence, the tuple `$f` =
// `(a, b, value)` says that the previous op of the sequence wrote `value` to register `a` (for
// operand `a`) or `b` (for operand `b`): an op that consumes that result then takes it from the host register it
// is in instead of reloading it from the register file, where the store-to-load round trip was
// the longest latency in chains of dependent instructions. The comparison uses only op operands,
// so it is known early and predicts well. Outside sequences, and for operands that
// `forward_slot` does not name, the register is `NO_DEST` (never equal to a `u8`) and the check
// folds away.
macro_rules! rd {
    ($vm:ident, $r:expr, a, $f:expr) => {
        rd!(@check $vm, $r, $f.0, $f.2)
    };
    ($vm:ident, $r:expr, b, $f:expr) => {
        rd!(@check $vm, $r, $f.1, $f.2)
    };
    (@check $vm:ident, $r:expr, $d:expr, $v:expr) => {{
        let r = $r;
        if u16::from(r) == $d {
            $v
        } else {
            core::hint::cold_path();
            reg!($vm, r)
        }
    }};
}

// Writes `$value` to register `a` of op `$o`; evaluates to the forward pair for the next op.
macro_rules! put {
    ($vm:ident, $o:ident, $value:expr) => {{
        let value: u64 = $value;
        reg!($vm, $o.a) = value;
        (u16::from($o.a), value)
    }};
}

// The op's 32-bit immediate, sign-extended.
macro_rules! imm {
    ($o:ident) => {
        ($o.y as i64 as u64)
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
    ($vm:ident, $o:ident, $k:expr, $f:tt, $n:literal, $conv:expr) => {
        load!($vm, $o, $k, $f, $n, $conv, load_fast)
    };
    ($vm:ident, $o:ident, $k:expr, $f:tt, $n:literal, $conv:expr, $fast:ident) => {{
        let address = (rd!($vm, $o.b, b, $f) as u32).wrapping_add($o.x);
        let bytes = match $vm.m.memory.$fast::<$n>(address) {
            Some(bytes) => bytes,
            None => match $vm.m.memory.load_slow_n::<$n>(address) {
                Ok(bytes) => bytes,
                Err(fault) => exit!($vm, fault_exit($vm.i + $k, fault)),
            },
        };
        put!($vm, $o, $conv(bytes))
    }};
}

macro_rules! store {
    ($vm:ident, $o:ident, $k:expr, $f:tt, $bytes:expr) => {
        store!($vm, $o, $k, $f, $bytes, store_fast)
    };
    ($vm:ident, $o:ident, $k:expr, $f:tt, $bytes:expr, $fast:ident) => {{
        let address = (rd!($vm, $o.b, b, $f) as u32).wrapping_add($o.x);
        let bytes = $bytes;
        if !$vm.m.memory.$fast(address, bytes) {
            let result = $vm.m.memory.store_slow_n(address, bytes);
            if let Err(fault) = result {
                exit!($vm, fault_exit($vm.i + $k, fault));
            }
        }
        NO_RESULT
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
// Evaluates to the forward pair `(dest, value)` for the next op of a sequence (see `rd!`).
macro_rules! step {
    ($vm:ident, Nop, $o:ident, $k:expr, $f:tt) => {{
        let _ = $o;
        NO_RESULT
    }};
    ($vm:ident, LoadU8, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 1, |v: [u8; 1]| u64::from(v[0]))
    };
    ($vm:ident, LoadI8, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 1, |v: [u8; 1]| v[0] as i8 as i64 as u64)
    };
    ($vm:ident, LoadU16, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 2, |v| u64::from(u16::from_le_bytes(v)))
    };
    ($vm:ident, LoadI16, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 2, |v| i16::from_le_bytes(v) as i64 as u64)
    };
    ($vm:ident, LoadU32, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 4, |v| u64::from(u32::from_le_bytes(v)))
    };
    ($vm:ident, LoadI32, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 4, |v| i32::from_le_bytes(v) as i64 as u64)
    };
    ($vm:ident, LoadU64, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 8, u64::from_le_bytes)
    };
    ($vm:ident, StoreU8, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, [rd!($vm, $o.a, a, $f) as u8])
    };
    ($vm:ident, StoreU16, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, (rd!($vm, $o.a, a, $f) as u16).to_le_bytes())
    };
    ($vm:ident, StoreU32, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, (rd!($vm, $o.a, a, $f) as u32).to_le_bytes())
    };
    ($vm:ident, StoreU64, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, rd!($vm, $o.a, a, $f).to_le_bytes())
    };
    ($vm:ident, LoadI32Stack, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 4, |v| i32::from_le_bytes(v) as i64 as u64, load_fast_stack_first)
    };
    ($vm:ident, LoadU64Stack, $o:ident, $k:expr, $f:tt) => {
        load!($vm, $o, $k, $f, 8, u64::from_le_bytes, load_fast_stack_first)
    };
    ($vm:ident, StoreU32Stack, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, (rd!($vm, $o.a, a, $f) as u32).to_le_bytes(), store_fast_stack_first)
    };
    ($vm:ident, StoreU64Stack, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, rd!($vm, $o.a, a, $f).to_le_bytes(), store_fast_stack_first)
    };
    ($vm:ident, StoreImmU8, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, [imm!($o) as u8])
    };
    ($vm:ident, StoreImmU16, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, (imm!($o) as u16).to_le_bytes())
    };
    ($vm:ident, StoreImmU32, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, (imm!($o) as u32).to_le_bytes())
    };
    ($vm:ident, StoreImmU64, $o:ident, $k:expr, $f:tt) => {
        store!($vm, $o, $k, $f, imm!($o).to_le_bytes())
    };

    ($vm:ident, LoadImm, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, imm!($o))
    };
    ($vm:ident, LoadImm64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from($o.x) | (u64::from($o.y as u32) << 32))
    };
    ($vm:ident, MoveReg, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f))
    };
    ($vm:ident, AddImm32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).wrapping_add(imm!($o) as u32)))
    };
    ($vm:ident, AddImm64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).wrapping_add(imm!($o)))
    };
    ($vm:ident, AndImm, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) & imm!($o))
    };
    ($vm:ident, XorImm, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) ^ imm!($o))
    };
    ($vm:ident, OrImm, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) | imm!($o))
    };
    ($vm:ident, MulImm32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).wrapping_mul(imm!($o) as u32)))
    };
    ($vm:ident, MulImm64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).wrapping_mul(imm!($o)))
    };
    ($vm:ident, SetLessThanUnsignedImm, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from(rd!($vm, $o.b, b, $f) < imm!($o)))
    };
    ($vm:ident, SetLessThanSignedImm, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from((rd!($vm, $o.b, b, $f) as i64) < imm!($o) as i64))
    };
    ($vm:ident, SetGreaterThanUnsignedImm, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from(rd!($vm, $o.b, b, $f) > imm!($o)))
    };
    ($vm:ident, SetGreaterThanSignedImm, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from((rd!($vm, $o.b, b, $f) as i64) > imm!($o) as i64))
    };
    ($vm:ident, ShiftLogicalLeftImm32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32) << (imm!($o) & 31)))
    };
    ($vm:ident, ShiftLogicalLeftImm64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) << (imm!($o) & 63))
    };
    ($vm:ident, ShiftLogicalRightImm32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32) >> (imm!($o) & 31)))
    };
    ($vm:ident, ShiftLogicalRightImm64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) >> (imm!($o) & 63))
    };
    ($vm:ident, ShiftArithmeticRightImm32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, ((rd!($vm, $o.b, b, $f) as u32 as i32) >> (imm!($o) & 31)) as i64 as u64)
    };
    ($vm:ident, ShiftArithmeticRightImm64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, ((rd!($vm, $o.b, b, $f) as i64) >> (imm!($o) & 63)) as u64)
    };
    ($vm:ident, ShiftLogicalLeftImmAlt32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((imm!($o) as u32) << (rd!($vm, $o.b, b, $f) & 31)))
    };
    ($vm:ident, ShiftLogicalLeftImmAlt64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, imm!($o) << (rd!($vm, $o.b, b, $f) & 63))
    };
    ($vm:ident, ShiftLogicalRightImmAlt32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((imm!($o) as u32) >> (rd!($vm, $o.b, b, $f) & 31)))
    };
    ($vm:ident, ShiftLogicalRightImmAlt64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, imm!($o) >> (rd!($vm, $o.b, b, $f) & 63))
    };
    ($vm:ident, ShiftArithmeticRightImmAlt32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, ((imm!($o) as u32 as i32) >> (rd!($vm, $o.b, b, $f) & 31)) as i64 as u64)
    };
    ($vm:ident, ShiftArithmeticRightImmAlt64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, ((imm!($o) as i64) >> (rd!($vm, $o.b, b, $f) & 63)) as u64)
    };
    ($vm:ident, NegateAndAddImm32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((imm!($o) as u32).wrapping_sub(rd!($vm, $o.b, b, $f) as u32)))
    };
    ($vm:ident, NegateAndAddImm64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, imm!($o).wrapping_sub(rd!($vm, $o.b, b, $f)))
    };
    ($vm:ident, CmovIfZeroImm, $o:ident, $k:expr, $f:tt) => {{
        if rd!($vm, $o.b, b, $f) == 0 {
            reg!($vm, $o.a) = imm!($o);
        }
        NO_RESULT
    }};
    ($vm:ident, CmovIfNotZeroImm, $o:ident, $k:expr, $f:tt) => {{
        if rd!($vm, $o.b, b, $f) != 0 {
            reg!($vm, $o.a) = imm!($o);
        }
        NO_RESULT
    }};
    ($vm:ident, RotateRightImm32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).rotate_right(imm!($o) as u32 & 31)))
    };
    ($vm:ident, RotateRightImm64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).rotate_right(imm!($o) as u32 & 63))
    };
    ($vm:ident, RotateRightImmAlt32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((imm!($o) as u32).rotate_right(rd!($vm, $o.b, b, $f) as u32 & 31)))
    };
    ($vm:ident, RotateRightImmAlt64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, imm!($o).rotate_right(rd!($vm, $o.b, b, $f) as u32 & 63))
    };

    ($vm:ident, Add32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).wrapping_add(reg!($vm, $o.c) as u32)))
    };
    ($vm:ident, Add64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).wrapping_add(reg!($vm, $o.c)))
    };
    ($vm:ident, Sub32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).wrapping_sub(reg!($vm, $o.c) as u32)))
    };
    ($vm:ident, Sub64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).wrapping_sub(reg!($vm, $o.c)))
    };
    ($vm:ident, And, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) & reg!($vm, $o.c))
    };
    ($vm:ident, Xor, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) ^ reg!($vm, $o.c))
    };
    ($vm:ident, Or, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) | reg!($vm, $o.c))
    };
    ($vm:ident, Mul32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).wrapping_mul(reg!($vm, $o.c) as u32)))
    };
    ($vm:ident, Mul64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).wrapping_mul(reg!($vm, $o.c)))
    };
    ($vm:ident, MulUpperSignedSigned32, $o:ident, $k:expr, $f:tt) => {{
        let product = i64::from(rd!($vm, $o.b, b, $f) as i32) * i64::from(reg!($vm, $o.c) as i32);
        put!($vm, $o, sx32((product >> 32) as u32))
    }};
    ($vm:ident, MulUpperSignedSigned64, $o:ident, $k:expr, $f:tt) => {{
        let product = i128::from(rd!($vm, $o.b, b, $f) as i64) * i128::from(reg!($vm, $o.c) as i64);
        put!($vm, $o, (product >> 64) as u64)
    }};
    ($vm:ident, MulUpperUnsignedUnsigned32, $o:ident, $k:expr, $f:tt) => {{
        let product = u64::from(rd!($vm, $o.b, b, $f) as u32) * u64::from(reg!($vm, $o.c) as u32);
        put!($vm, $o, sx32((product >> 32) as u32))
    }};
    ($vm:ident, MulUpperUnsignedUnsigned64, $o:ident, $k:expr, $f:tt) => {{
        let product = u128::from(rd!($vm, $o.b, b, $f)) * u128::from(reg!($vm, $o.c));
        put!($vm, $o, (product >> 64) as u64)
    }};
    ($vm:ident, MulUpperSignedUnsigned32, $o:ident, $k:expr, $f:tt) => {{
        let product = i64::from(rd!($vm, $o.b, b, $f) as i32).wrapping_mul(i64::from(reg!($vm, $o.c) as u32));
        put!($vm, $o, sx32((product >> 32) as u32))
    }};
    ($vm:ident, MulUpperSignedUnsigned64, $o:ident, $k:expr, $f:tt) => {{
        let product = i128::from(rd!($vm, $o.b, b, $f) as i64).wrapping_mul(i128::from(reg!($vm, $o.c)));
        put!($vm, $o, (product >> 64) as u64)
    }};
    ($vm:ident, SetLessThanUnsigned, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from(rd!($vm, $o.b, b, $f) < reg!($vm, $o.c)))
    };
    ($vm:ident, SetLessThanSigned, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from((rd!($vm, $o.b, b, $f) as i64) < (reg!($vm, $o.c) as i64)))
    };
    ($vm:ident, ShiftLogicalLeft32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32) << (reg!($vm, $o.c) & 31)))
    };
    ($vm:ident, ShiftLogicalLeft64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) << (reg!($vm, $o.c) & 63))
    };
    ($vm:ident, ShiftLogicalRight32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32) >> (reg!($vm, $o.c) & 31)))
    };
    ($vm:ident, ShiftLogicalRight64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) >> (reg!($vm, $o.c) & 63))
    };
    ($vm:ident, ShiftArithmeticRight32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, ((rd!($vm, $o.b, b, $f) as u32 as i32) >> (reg!($vm, $o.c) & 31)) as i64 as u64)
    };
    ($vm:ident, ShiftArithmeticRight64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, ((rd!($vm, $o.b, b, $f) as i64) >> (reg!($vm, $o.c) & 63)) as u64)
    };
    ($vm:ident, DivUnsigned32, $o:ident, $k:expr, $f:tt) => {{
        let (a, b) = (rd!($vm, $o.b, b, $f) as u32, reg!($vm, $o.c) as u32);
        put!($vm, $o, sx32(a.checked_div(b).unwrap_or(u32::MAX)))
    }};
    ($vm:ident, DivUnsigned64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).checked_div(reg!($vm, $o.c)).unwrap_or(u64::MAX))
    };
    ($vm:ident, DivSigned32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, div_signed_32(rd!($vm, $o.b, b, $f) as u32 as i32, reg!($vm, $o.c) as u32 as i32) as i64 as u64)
    };
    ($vm:ident, DivSigned64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, div_signed_64(rd!($vm, $o.b, b, $f) as i64, reg!($vm, $o.c) as i64) as u64)
    };
    ($vm:ident, RemUnsigned32, $o:ident, $k:expr, $f:tt) => {{
        let (a, b) = (rd!($vm, $o.b, b, $f) as u32, reg!($vm, $o.c) as u32);
        put!($vm, $o, sx32(a.checked_rem(b).unwrap_or(a)))
    }};
    ($vm:ident, RemUnsigned64, $o:ident, $k:expr, $f:tt) => {{
        let a = rd!($vm, $o.b, b, $f);
        put!($vm, $o, a.checked_rem(reg!($vm, $o.c)).unwrap_or(a))
    }};
    ($vm:ident, RemSigned32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rem_signed_32(rd!($vm, $o.b, b, $f) as u32 as i32, reg!($vm, $o.c) as u32 as i32) as i64 as u64)
    };
    ($vm:ident, RemSigned64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rem_signed_64(rd!($vm, $o.b, b, $f) as i64, reg!($vm, $o.c) as i64) as u64)
    };
    ($vm:ident, CmovIfZero, $o:ident, $k:expr, $f:tt) => {{
        if reg!($vm, $o.c) == 0 {
            reg!($vm, $o.a) = rd!($vm, $o.b, b, $f);
        }
        NO_RESULT
    }};
    ($vm:ident, CmovIfNotZero, $o:ident, $k:expr, $f:tt) => {{
        if reg!($vm, $o.c) != 0 {
            reg!($vm, $o.a) = rd!($vm, $o.b, b, $f);
        }
        NO_RESULT
    }};
    ($vm:ident, AndInverted, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) & !reg!($vm, $o.c))
    };
    ($vm:ident, OrInverted, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) | !reg!($vm, $o.c))
    };
    ($vm:ident, Xnor, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, !(rd!($vm, $o.b, b, $f) ^ reg!($vm, $o.c)))
    };
    ($vm:ident, Maximum, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, (rd!($vm, $o.b, b, $f) as i64).max(reg!($vm, $o.c) as i64) as u64)
    };
    ($vm:ident, MaximumUnsigned, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).max(reg!($vm, $o.c)))
    };
    ($vm:ident, Minimum, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, (rd!($vm, $o.b, b, $f) as i64).min(reg!($vm, $o.c) as i64) as u64)
    };
    ($vm:ident, MinimumUnsigned, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).min(reg!($vm, $o.c)))
    };
    ($vm:ident, RotateLeft32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).rotate_left(reg!($vm, $o.c) as u32 & 31)))
    };
    ($vm:ident, RotateLeft64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).rotate_left(reg!($vm, $o.c) as u32 & 63))
    };
    ($vm:ident, RotateRight32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).rotate_right(reg!($vm, $o.c) as u32 & 31)))
    };
    ($vm:ident, RotateRight64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).rotate_right(reg!($vm, $o.c) as u32 & 63))
    };

    ($vm:ident, CountLeadingZeroBits32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from((rd!($vm, $o.b, b, $f) as u32).leading_zeros()))
    };
    ($vm:ident, CountLeadingZeroBits64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from(rd!($vm, $o.b, b, $f).leading_zeros()))
    };
    ($vm:ident, CountTrailingZeroBits32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from((rd!($vm, $o.b, b, $f) as u32).trailing_zeros()))
    };
    ($vm:ident, CountTrailingZeroBits64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from(rd!($vm, $o.b, b, $f).trailing_zeros()))
    };
    ($vm:ident, CountSetBits32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from((rd!($vm, $o.b, b, $f) as u32).count_ones()))
    };
    ($vm:ident, CountSetBits64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from(rd!($vm, $o.b, b, $f).count_ones()))
    };
    ($vm:ident, SignExtend8, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) as u8 as i8 as i64 as u64)
    };
    ($vm:ident, SignExtend16, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f) as u16 as i16 as i64 as u64)
    };
    ($vm:ident, ZeroExtend16, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, u64::from(rd!($vm, $o.b, b, $f) as u16))
    };
    ($vm:ident, ReverseByte32, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, sx32((rd!($vm, $o.b, b, $f) as u32).swap_bytes()))
    };
    ($vm:ident, ReverseByte64, $o:ident, $k:expr, $f:tt) => {
        put!($vm, $o, rd!($vm, $o.b, b, $f).swap_bytes())
    };
}

// The last op of a sequence of `$n` (at offset `$k = $n - 1`): its work, then where to go.
macro_rules! finish {
    ($vm:ident, Charge, $o:ident, $k:expr, $n:expr, $f:tt) => {{
        let cost = i64::from($o.x);
        if cost > $vm.gas {
            exit!($vm, Exit::NotEnoughGas(($vm.i + $k) as u32));
        }
        $vm.gas -= cost;
        $vm.i += $n;
    }};
    ($vm:ident, ChargeAsync, $o:ident, $k:expr, $n:expr, $f:tt) => {{
        $vm.gas -= i64::from($o.x);
        if $vm.gas < 0 {
            exit!($vm, Exit::NotEnoughGasAsync);
        }
        $vm.i += $n;
    }};
    ($vm:ident, Step, $o:ident, $k:expr, $n:expr, $f:tt) => {
        exit!($vm, Exit::Step(($vm.i + $k) as u32))
    };
    ($vm:ident, Trap, $o:ident, $k:expr, $n:expr, $f:tt) => {
        exit!($vm, Exit::Trap(($vm.i + $k) as u32))
    };
    ($vm:ident, Ecalli, $o:ident, $k:expr, $n:expr, $f:tt) => {
        exit!($vm, Exit::Ecalli(($vm.i + $k) as u32, $o.x))
    };
    ($vm:ident, Jump, $o:ident, $k:expr, $n:expr, $f:tt) => {
        $vm.i = $o.x as usize
    };
    ($vm:ident, JumpIndirect, $o:ident, $k:expr, $n:expr, $f:tt) => {
        dynamic_jump!($vm, (rd!($vm, $o.b, b, $f) as u32).wrapping_add($o.x), $k)
    };
    ($vm:ident, LoadImmAndJump, $o:ident, $k:expr, $n:expr, $f:tt) => {{
        reg!($vm, $o.a) = imm!($o);
        $vm.i = $o.x as usize;
    }};
    ($vm:ident, LoadImmAndTrap, $o:ident, $k:expr, $n:expr, $f:tt) => {{
        reg!($vm, $o.a) = imm!($o);
        exit!($vm, Exit::Trap(($vm.i + $k) as u32));
    }};
    ($vm:ident, LoadImmAndJumpIndirect, $o:ident, $k:expr, $n:expr, $f:tt) => {{
        let address = (rd!($vm, $o.b, b, $f) as u32).wrapping_add($o.x);
        reg!($vm, $o.a) = imm!($o);
        dynamic_jump!($vm, address, $k)
    }};
    ($vm:ident, BranchEq, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) == rd!($vm, $o.b, b, $f), $o.x, $n)
    };
    ($vm:ident, BranchNotEq, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) != rd!($vm, $o.b, b, $f), $o.x, $n)
    };
    ($vm:ident, BranchLessUnsigned, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) < rd!($vm, $o.b, b, $f), $o.x, $n)
    };
    ($vm:ident, BranchLessSigned, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, (rd!($vm, $o.a, a, $f) as i64) < (rd!($vm, $o.b, b, $f) as i64), $o.x, $n)
    };
    ($vm:ident, BranchGreaterOrEqualUnsigned, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) >= rd!($vm, $o.b, b, $f), $o.x, $n)
    };
    ($vm:ident, BranchGreaterOrEqualSigned, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, (rd!($vm, $o.a, a, $f) as i64) >= (rd!($vm, $o.b, b, $f) as i64), $o.x, $n)
    };
    ($vm:ident, BranchEqImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) == imm!($o), $o.x, $n)
    };
    ($vm:ident, BranchNotEqImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) != imm!($o), $o.x, $n)
    };
    ($vm:ident, BranchLessUnsignedImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) < imm!($o), $o.x, $n)
    };
    ($vm:ident, BranchLessSignedImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, (rd!($vm, $o.a, a, $f) as i64) < (imm!($o) as i64), $o.x, $n)
    };
    ($vm:ident, BranchGreaterOrEqualUnsignedImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) >= imm!($o), $o.x, $n)
    };
    ($vm:ident, BranchGreaterOrEqualSignedImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, (rd!($vm, $o.a, a, $f) as i64) >= (imm!($o) as i64), $o.x, $n)
    };
    ($vm:ident, BranchLessOrEqualUnsignedImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) <= imm!($o), $o.x, $n)
    };
    ($vm:ident, BranchLessOrEqualSignedImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, (rd!($vm, $o.a, a, $f) as i64) <= (imm!($o) as i64), $o.x, $n)
    };
    ($vm:ident, BranchGreaterUnsignedImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, rd!($vm, $o.a, a, $f) > imm!($o), $o.x, $n)
    };
    ($vm:ident, BranchGreaterSignedImm, $o:ident, $k:expr, $n:expr, $f:tt) => {
        branch!($vm, (rd!($vm, $o.a, a, $f) as i64) > (imm!($o) as i64), $o.x, $n)
    };
    ($vm:ident, Sbrk, $o:ident, $k:expr, $n:expr, $f:tt) => {{
        let value = rd!($vm, $o.b, b, $f);
        let size = if $o.c != 0 { u32::try_from(value).unwrap_or(0) } else { value as u32 };
        if $vm.m.memory.paged.is_some() {
            // Upstream panics here; a dynamic-paging module has no heap.
            exit!($vm, Exit::Trap(($vm.i + $k) as u32));
        }
        // polkavm 0.37 sign-extends the 32-bit heap top in every ISA (a top at or above
        // 2^31 reads back as 0xffff_ffff_xxxx_xxxx in Latest64); match it.
        reg!($vm, $o.a) = $vm.m.memory.sbrk(size).map_or(0, sx32);
        $vm.i += $n;
    }};
    ($vm:ident, Memset, $o:ident, $k:expr, $n:expr, $f:tt) => {{
        let metering = Metering::from_u8($o.a);
        let destination = $vm.m.regs[A0] as u32;
        let byte = $vm.m.regs[A1] as u8;
        let count = $vm.m.regs[A2] as u32;
        // polkavm 0.37 checks for exhausted gas before every byte under both metering
        // kinds, so memset never drives gas below zero, even with async metering.
        let allowed = match metering {
            Metering::None => count,
            _ => count.min(u32::try_from($vm.gas.max(0)).unwrap_or(u32::MAX)),
        };
        let (written, fault) = $vm.m.memory.memset(destination, byte, allowed);
        if metering != Metering::None {
            $vm.gas -= i64::from(written);
        }
        // polkavm 0.37 writes both registers zero-extended, in Latest32 too (where every
        // other result is kept sign-extended); later 64-bit comparisons can observe it.
        $vm.m.regs[A0] = u64::from(destination.wrapping_add(written));
        $vm.m.regs[A2] = u64::from(count - written);
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
    ($vm:ident, $kind:ident, $o:ident, $k:expr, $n:expr, $f:tt) => {{
        let _ = step!($vm, $kind, $o, $k, $f);
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
        const N: usize = PARTS.len();
        // Sequences of three or more ending in a branch: loop tails (counter updates + branch).
        const LOOP_TAIL: bool = N >= 3 && PARTS[N - 1].has_target();
        // The loop tail's counter updates (`add_imm` parts) whose register is carried from one
        // iteration to the next in a host register (see `carried_counters`).
        const CARRIED: [bool; N] = carried_parts::<N>(PARTS, LOOP_TAIL);
        let rest = following::<{ count!($($part)+) }>($vm.ops, $vm.i);
        let (creg, mut cval) = carried_counters::<N>(&$vm.m.regs, CARRIED, PARTS, $o, rest);
        let start = $vm.i;
        loop {
            let forward = if CARRIED[0] {
                let forward = step!($vm, $p0, $o, 0, (NO_DEST, creg[0], cval[0]));
                cval[0] = forward.1;
                forward
            } else {
                step!($vm, $p0, $o, 0, NOT_FORWARDED)
            };
            fused_rest!($vm, rest, 1, forward, $p0, creg, cval, CARRIED; $($part),+);
            if $vm.i != start {
                if LOOP_TAIL && $vm.i.wrapping_add(1) == start {
                    if let Some(head) = $vm.ops.get($vm.i) {
                        if loop_head!($vm, head) {
                            // The head may have written a carried register: take the
                            // carried values from the register file again.
                            for j in 0..N {
                                if CARRIED[j] && creg[j] != NO_DEST {
                                    cval[j] = reg!($vm, creg[j]);
                                }
                            }
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
// (Forwarding its result to the sequence's first op, as `rd!` does inside sequences, was tried:
// 4.6% more instructions on DOOM and no measurable gain.)
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
                let _ = step!($vm, $kind, $o, 0, NOT_FORWARDED);
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
    ($vm:ident, $rest:ident, $k:expr, $fw:ident, $prev:ident, $creg:ident, $cval:ident, $carried:ident; $last:ident) => {{
        let o = &$rest[$k - 1];
        // (Kinds that read no register, such as `Jump`, ignore it.) The branch of a loop tail
        // that updates two counters tests either one: not checked (a check that fails costs a
        // taken branch, more than the reload it saves).
        let f = if $k >= 2 && matches!(Kind::$prev, Kind::AddImm32 | Kind::AddImm64) {
            NOT_FORWARDED
        } else {
            forwarded!($fw, $prev, $last)
        };
        let _ = f;
        finish!($vm, $last, o, $k, $k + 1, f)
    }};
    ($vm:ident, $rest:ident, $k:expr, $fw:ident, $prev:ident, $creg:ident, $cval:ident, $carried:ident; $p:ident, $($more:ident),+) => {{
        let o = &$rest[$k - 1];
        let forward = if $carried[$k] {
            let forward = step!($vm, $p, o, $k, (NO_DEST, $creg[$k], $cval[$k]));
            $cval[$k] = forward.1;
            forward
        } else {
            let f = forwarded!($fw, $prev, $p);
            step!($vm, $p, o, $k, f)
        };
        fused_rest!($vm, $rest, $k + 1, forward, $p, $creg, $cval, $carried; $($more),+)
    }};
}

// The `$f` argument of the next op `$next` in a sequence, from the forward pair `$fw` of the
// previous op `$prev` (see `rd!` and `forward_slot`).
macro_rules! forwarded {
    ($fw:ident, $prev:ident, $next:ident) => {{
        const SLOT: Slot = forward_slot(Kind::$prev, Kind::$next);
        (
            if matches!(SLOT, Slot::A) { $fw.0 } else { NO_DEST },
            if matches!(SLOT, Slot::B) { $fw.0 } else { NO_DEST },
            $fw.1,
        )
    }};
}
