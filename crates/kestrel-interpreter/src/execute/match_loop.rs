//! The dispatch loop: one `match` over the op [`Kind`] in a loop, with the op index and gas held
//! in locals.

use super::*;
use crate::ops::Kind;

/// The machine state the semantics macros work on (see `semantics.rs`).
struct Vm<'a> {
    ops: &'a [Op],
    jump_table: &'a [u32],
    /// Registers and memory through one pointer (see [`Machine`]).
    m: &'a mut Machine,
    i: usize,
    gas: i64,
}

macro_rules! leave {
    ($vm:ident, $e:expr) => {
        return ($e, $vm.gas)
    };
}

/// Runs from op `start`; returns the exit and the gas left.
pub(super) fn run(code: &CompiledCode, machine: &mut Machine, gas: i64, start: usize) -> (Exit, i64) {
    let mut vm = Vm { ops: &code.ops, jump_table: &code.jump_table, m: machine, i: start, gas };

    macro_rules! dispatch_loop {
        ([$( $(#[$meta:meta])* $base:ident ),* $(,)?] $( ($name:ident, [$($part:ident),+]) ),* $(,)?) => {
            loop {
                #[cfg(feature = "op-profile")]
                crate::profile::hit(vm.i, vm.ops.len());
                // A reference, not a copy: each handler loads only the operands it uses (copying the
                // op loaded all six fields before every dispatch; 5% more instructions on DOOM).
                let Some(op) = vm.ops.get(vm.i) else { leave!(vm, Exit::Trap(vm.i.saturating_sub(1) as u32)) };
                match op.kind {
                    $( Kind::$base => finish!(vm, $base, op, 0, 1, NOT_FORWARDED), )*
                    $( Kind::$name => fused!(vm, op; $($part),+), )*
                }
            }
        };
    }

    crate::ops::for_each_kind!(dispatch_loop)
}
