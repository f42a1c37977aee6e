//! Every fused kind must do exactly what its parts do one by one: random operands drawn from a
//! few registers (so that ops often consume the previous op's result, the case `rd!` forwards),
//! random register values (addresses in and out of memory, so faults happen too), then the same
//! ops run fused and unfused must end with the same exit, registers, gas and memory. Likewise
//! every `Stack` kind (stack region checked first) must do what its plain kind does.

use super::*;
use crate::memory::Layout;
use crate::ops::Kind;
use crate::test_rng::Rng;

const RW_ADDRESS: u32 = 0x20000;
const RW_SIZE: u32 = 0x1000;
const STACK_LOW: u32 = 0xfffd_e000;
const STACK_HIGH: u32 = 0xfffe_0000;

fn memory() -> Memory {
    let layout = Layout {
        page_size: 0x1000,
        ro_address: 0x10000,
        ro_size: 0x1000,
        rw_address: RW_ADDRESS,
        rw_size: RW_SIZE,
        heap_base: RW_ADDRESS + RW_SIZE,
        max_heap_size: 0,
        stack_low: STACK_LOW,
        stack_high: STACK_HIGH,
        aux_address: 0,
        aux_size: 0,
    };
    let rw: Vec<u8> = (0..RW_SIZE).map(|i| (i * 7 + 3) as u8).collect();
    Memory::new(layout, std::sync::Arc::from(Vec::new()), std::sync::Arc::from(rw))
}

/// A random op of `kind`: registers 0-3 (or the zero slot as a base), small or extreme
/// immediates, displacements near 0 or wrapping, targets at one of the two traps after the
/// sequence (`len` ops in all).
fn random_op(rng: &mut Rng, kind: Kind, len: u32) -> Op {
    let reg = |rng: &mut Rng| rng.below(4) as u8;
    let a = reg(rng);
    let b = if rng.below(8) == 0 { crate::ops::ZERO_REG } else { reg(rng) };
    let c = reg(rng);
    let y = match rng.below(4) {
        0 => rng.below(64) as i32,
        1 => rng.next() as i32,
        2 => rng.below(64) as i32 - 32,
        _ => (u64::from(RW_ADDRESS) + rng.below(u64::from(RW_SIZE))) as i32,
    };
    let x = if kind.has_target() {
        len - 1 - rng.below(2) as u32
    } else {
        match rng.below(3) {
            0 => rng.below(16) as u32,
            1 => (rng.below(16) as u32).wrapping_neg(),
            _ => RW_ADDRESS + rng.below(u64::from(RW_SIZE)) as u32,
        }
    };
    Op::with(kind, a, b, c, x, y)
}

fn random_value(rng: &mut Rng) -> u64 {
    match rng.below(4) {
        0 => u64::from(RW_ADDRESS) + rng.below(u64::from(RW_SIZE)),
        1 => rng.below(64),
        2 => rng.next(),
        _ => u64::from(RW_ADDRESS + RW_SIZE) - rng.below(16),
    }
}

/// Runs `ops` from op 0 on `regs` and fresh memory: the exit, the gas left and the machine.
fn run_machine(ops: Vec<Op>, regs: &Registers) -> (Exit, i64, Machine) {
    let code = CompiledCode::from_ops(ops);
    let mut machine = Machine { regs: *regs, memory: memory() };
    let mut gas = 1000;
    let exit = run(&code, &mut machine, &mut gas, 0);
    (exit, gas, machine)
}

fn read(machine: &Machine, address: u32, length: u32) -> Vec<u8> {
    let mut bytes = vec![0; length as usize];
    machine.memory.read(address, &mut bytes).unwrap();
    bytes
}

fn run_ops(ops: Vec<Op>, regs: &Registers) -> (Exit, Registers, i64, Vec<u8>) {
    let (exit, gas, machine) = run_machine(ops, regs);
    (exit, machine.regs, gas, read(&machine, RW_ADDRESS, RW_SIZE))
}

#[test]
fn fused_kinds_match_their_parts() {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    for &(fused, parts) in Kind::FUSED {
        let len = parts.len() as u32 + 2;
        for _ in 0..2000 {
            let mut ops: Vec<Op> = parts.iter().map(|&kind| random_op(&mut rng, kind, len)).collect();
            ops.extend([Op::TRAP, Op::TRAP]);
            let mut regs: Registers = [0; 256];
            for value in regs.iter_mut().take(13) {
                *value = random_value(&mut rng);
            }
            let unfused = run_ops(ops.clone(), &regs);
            ops[0].kind = fused;
            let fused_result = run_ops(ops.clone(), &regs);
            assert_eq!(fused_result, unfused, "{fused:?} on {ops:?} with {:x?}", &regs[..13]);
        }
    }
}

#[test]
fn stack_kinds_match_their_plain_kinds() {
    use Kind as K;
    const PAIRS: [(Kind, Kind); 4] = [
        (K::LoadI32Stack, K::LoadI32),
        (K::LoadU64Stack, K::LoadU64),
        (K::StoreU32Stack, K::StoreU32),
        (K::StoreU64Stack, K::StoreU64),
    ];
    let run_both = |ops: Vec<Op>, regs: &Registers| {
        let (exit, gas, machine) = run_machine(ops, regs);
        let memory = (read(&machine, RW_ADDRESS, RW_SIZE), read(&machine, STACK_LOW, STACK_HIGH - STACK_LOW));
        (exit, machine.regs, gas, memory)
    };
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    for _ in 0..4000 {
        // Six accesses through registers that hold stack, rw and stray addresses: the stack
        // backing grows on the first stores (slow path), later accesses hit it (fast path).
        let plain: Vec<Op> = (0..6)
            .map(|_| {
                let kind = PAIRS[rng.below(4) as usize].1;
                Op::with(kind, rng.below(4) as u8, 4 + rng.below(3) as u8, 0, rng.below(16) as u32 * 4, 0)
            })
            .chain([Op::TRAP])
            .collect();
        let mut regs: Registers = [0; 256];
        for value in regs.iter_mut().take(4) {
            *value = rng.next();
        }
        regs[4] = u64::from(STACK_HIGH - 64 - rng.below(64) as u32);
        regs[5] = u64::from(RW_ADDRESS + rng.below(u64::from(RW_SIZE)) as u32);
        regs[6] = random_value(&mut rng);
        let stacked: Vec<Op> = plain
            .iter()
            .map(|op| match PAIRS.iter().find(|&&(_, plain)| plain == op.kind) {
                Some(&(stack, _)) => Op { kind: stack, ..*op },
                None => *op,
            })
            .collect();
        assert_eq!(run_both(stacked.clone(), &regs), run_both(plain, &regs), "{stacked:?} with {:x?}", &regs[..7]);
    }
}
