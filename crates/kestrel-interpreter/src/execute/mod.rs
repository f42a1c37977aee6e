//! Executing compiled ops until an interrupt.
//!
//! Each base kind's work is written once, in `semantics.rs`: `step!` (straight-line kinds) or
//! `finish!` (kinds that decide where to continue), over an explicit machine state; the dispatch
//! loop (`match_loop.rs`) generates the handlers of base and fused kinds from it.
//!
//! A second backend was tried and removed: one handler function per kind ending in a guaranteed
//! tail call (`become`, nightly, with the `rust-preserve-none` ABI). It executed 2% fewer
//! instructions on DOOM but ran 12% slower than the `match` loop on this project's machine (AMD
//! EPYC), so the `match` loop stays the only backend.

use kestrel_program::decode::RETURN_TO_HOST_ADDRESS as RETURN_TO_HOST;
use kestrel_program::reg::Reg;

use crate::compile::{CompiledCode, NO_TARGET};
use crate::memory::{Fault, Memory};
use crate::ops::{Metering, Op};

#[macro_use]
mod semantics;
mod match_loop;

/// The register file the ops run on: 13 guest registers, the always-zero slot
/// ([`crate::ops::ZERO_REG`]) and padding, so that every `u8` register operand is in bounds.
pub type Registers = [u64; 256];

const A0: usize = Reg::A0.index() as usize;
const A1: usize = Reg::A1.index() as usize;
const A2: usize = Reg::A2.index() as usize;

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

/// Runs from op `start` until an interrupt, on `regs` (slots 0..13) and `gas`.
pub fn run(code: &CompiledCode, regs: &mut Registers, gas: &mut i64, memory: &mut Memory, start: u32) -> Exit {
    memory.prepare_fast_path();
    let (exit, gas_left) = match_loop::run(code, regs, *gas, memory, start as usize);
    *gas = gas_left;
    exit
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
