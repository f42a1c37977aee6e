//! Executing compiled ops until an interrupt.
//!
//! Each base kind's work is written once, in `semantics.rs`: `step!` (straight-line kinds) or
//! `finish!` (kinds that decide where to continue), over an explicit machine state; the dispatch
//! loop (`match_loop.rs`) generates the handlers of base and fused kinds from it.
//!
//! A second backend was tried and removed: one handler function per kind ending in a guaranteed
//! tail call (`become`, nightly, with the `rust-preserve-none` ABI). It executed 2% fewer
//! instructions on DOOM but ran 12% slower than the `match` loop on this project's machine (AMD
//! EPYC), so the `match` loop stays the only backend. Threaded dispatch within the `match`
//! loop (the dispatch block copied into every handler by LLVM's tail duplication) was also
//! measured slower on that machine than the single, well-predicted dispatch jump.
//!
//! The dispatch function is at the edge of what the register allocator handles without
//! spilling: adding a few handlers, or a value live across the loop, has repeatedly cost 5-25%
//! more instructions on DOOM (docs/benchmarks.md lists the attempts). Check instruction counts
//! (cachegrind) when changing it.

use kestrel_program::decode::RETURN_TO_HOST_ADDRESS as RETURN_TO_HOST;
use kestrel_program::reg::Reg;

use crate::compile::{CompiledCode, NO_TARGET};
use crate::memory::{Fault, Memory};
use crate::ops::{Kind, Metering, Op};

#[macro_use]
mod semantics;
mod match_loop;
#[cfg(test)]
mod tests;

/// The register file the ops run on: 13 guest registers, the always-zero slot
/// ([`crate::ops::ZERO_REG`]) and padding, so that every `u8` register operand is in bounds.
pub type Registers = [u64; 256];

/// An instance's register file and guest memory in one struct, the register file first: the
/// dispatch loop reaches both through one pointer, the base it keeps in a host register for the
/// register accesses, and the memory fields it needs on every load and store are constant
/// displacements from it. Passed as two references, LLVM hoisted the address of each memory
/// field out of the loop into a register or a stack slot of its own, so every guest access
/// first loaded its fields' addresses (three times as many stack references in the loop;
/// DOOM ran 10% slower).
#[repr(C)]
pub struct Machine {
    pub regs: Registers,
    pub memory: Memory,
}

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

/// A register number that matches no `u8` operand (see `rd!` in `semantics.rs`).
const NO_DEST: u16 = 256;
/// What an op that writes no register passes on to the next op of its sequence.
const NO_RESULT: (u16, u64) = (NO_DEST, 0);
/// The `$f` argument of an op outside a sequence: nothing forwarded.
const NOT_FORWARDED: (u16, u16, u64) = (NO_DEST, NO_DEST, 0);

/// Which operand of the next op of a fused sequence may take the previous op's result without
/// a register-file reload (`rd!` in `semantics.rs`).
#[derive(Copy, Clone, PartialEq, Eq)]
enum Slot {
    None,
    A,
    B,
}

/// The operand of `next` checked for the result of `prev`. Only the operand through which
/// such pairs usually depend on each other is checked (a check that fails costs a taken branch):
/// `b` of ALU ops and the address base of loads, `a` of branches and the value of stores. Pairs
/// that usually do not depend on each other are not checked at all: post-increments (a load,
/// then an add to its base), two counter updates, a counter update and a store (copy loops
/// store the value loaded before the update), two loads or stores (register restores).
const fn forward_slot(prev: Kind, next: Kind) -> Slot {
    use Kind as K;
    // (Ops that write no register pass on `NO_RESULT`, which folds any check away.)
    let (prev_is_load, next_is_load) = (prev.is_load(), next.is_load());
    let next_is_add_imm = matches!(next, K::AddImm32 | K::AddImm64);
    if prev_is_load && (next_is_load || next_is_add_imm) {
        return Slot::None;
    }
    let prev_is_add_imm = matches!(prev, K::AddImm32 | K::AddImm64);
    let next_is_store = matches!(next, K::StoreU8 | K::StoreU16 | K::StoreU32 | K::StoreU64);
    if prev_is_add_imm && (next_is_add_imm || next_is_store) {
        return Slot::None;
    }
    if next_is_store || next.has_target() {
        return Slot::A;
    }
    if matches!(next, K::Nop | K::Jump | K::LoadImm | K::StoreImmU8 | K::StoreImmU16 | K::StoreImmU32 | K::StoreImmU64)
    {
        return Slot::None;
    }
    Slot::B
}

/// Which parts of a fused sequence are counter updates whose register a loop tail carries
/// across its iterations in a host register: the `add_imm` parts of a loop tail (not its
/// branch).
const fn carried_parts<const N: usize>(parts: &[Kind], loop_tail: bool) -> [bool; N] {
    let mut carried = [false; N];
    let mut j = 0;
    let mut has_memory = false;
    while j < parts.len() {
        has_memory |= parts[j].is_load() || parts[j].is_store();
        j += 1;
    }
    j = 0;
    while loop_tail && has_memory && j + 1 < N && j < parts.len() {
        carried[j] = matches!(parts[j], Kind::AddImm32 | Kind::AddImm64);
        j += 1;
    }
    carried
}

/// The registers (and their values) of a loop tail's counter updates `r = r + imm` that no
/// other part of the sequence writes: each iteration's update then reads the previous one's
/// result from a host register instead of reloading it from the register file, which was the
/// loop-carried store-to-load round trip that bounded DOOM's byte loops. A part that does not
/// qualify gets `NO_DEST` (always read from the register file). Every write still goes to the
/// register file, so the carried value is only ever a copy.
#[inline(always)]
fn carried_counters<const N: usize>(
    regs: &Registers,
    carried: [bool; N],
    parts: &[Kind],
    first: &Op,
    rest: &[Op],
) -> ([u16; N], [u64; N]) {
    // Stores and branches read `a`; every other kind in a sequence writes it.
    let writes_a = |kind: Kind| !kind.has_target() && !kind.is_store();
    let part = |j: usize| if j == 0 { Some(first) } else { rest.get(j - 1) };
    let mut creg = [NO_DEST; N];
    let mut cval = [0; N];
    for j in 0..N {
        let Some(op) = part(j).filter(|op| carried[j] && op.a == op.b) else { continue };
        let clobbered = (0..N).any(|m| {
            m != j && parts.get(m).is_some_and(|&kind| writes_a(kind)) && part(m).is_some_and(|other| other.a == op.a)
        });
        if !clobbered {
            creg[j] = u16::from(op.a);
            cval[j] = regs[op.a as usize];
        }
    }
    (creg, cval)
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

/// Runs from op `start` until an interrupt, on the machine's registers (slots 0..13) and memory,
/// and on `gas`.
pub fn run(code: &CompiledCode, machine: &mut Machine, gas: &mut i64, start: u32) -> Exit {
    machine.memory.prepare_fast_path();
    let (exit, gas_left) = match_loop::run(code, machine, *gas, start as usize);
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
