//! Arbitrary programs on the interpreter: nothing may panic, every run ends within its gas or step
//! budget, and step tracing (which runs every instruction on its own, without the fused
//! sequences) must give the same interrupts, registers, gas and memory as a normal run.
//! Run with `cargo xtask fuzz run_program` (or `cargo +nightly fuzz run run_program`).
//!
//! Input: a header, then the program bytes.
//! - byte 0, flags: bit 0 = raw JAM code (else a container), bits 1-2 = its instruction set;
//!   bit 3 = a custom cost model (8 more header bytes: two u32 costs, at least 1, alternating by opcode);
//!   bit 4 = 16 KiB pages; bit 5 = enter at an export (else at any offset); bit 6 = 4 KiB of aux
//!   data;
//! - bytes 1-2: which export / offset to enter at (u16 LE).

#![no_main]

use std::sync::Arc;

use kestrel_interpreter::{GasMeteringKind, Instance, InterruptKind, MemoryProtection, Module, ModuleConfig};
use kestrel_program::cost::CostModel;
use kestrel_program::{InstructionSetKind, Opcode, ProgramBlob, Reg};
use libfuzzer_sys::fuzz_target;

/// Interrupts other than steps that one run may take before the harness stops it.
const MAX_EVENTS: usize = 64;
/// Instructions an unmetered step-traced run may execute.
const MAX_STEPS: usize = 4096;

/// What the host sees at one interrupt: the interrupt, registers, gas and program counters.
#[derive(PartialEq, Eq, Debug)]
struct Event {
    interrupt: InterruptKind,
    regs: [u64; 13],
    gas: i64,
    program_counter: Option<u32>,
    next_program_counter: Option<u32>,
}

/// The host's reaction to an interrupt, identical in every run: answer `ecalli` in A0, touch guest
/// memory at addresses the guest chose, and map the page of a paging fault.
fn serve(instance: &mut Instance, interrupt: InterruptKind) -> bool {
    match interrupt {
        InterruptKind::Ecalli(number) => {
            let address = instance.reg(Reg::A1) as u32;
            let length = (instance.reg(Reg::A2) as u32) & 0xff;
            let _ = instance.read_memory(address, length);
            let _ = instance.write_memory(instance.reg(Reg::A3) as u32, &number.to_le_bytes());
            if number % 7 == 3 {
                let _ = instance.sbrk(instance.reg(Reg::A4) as u32 & 0xffff);
            }
            instance.set_reg(Reg::A0, u64::from(number).wrapping_mul(0x9e37_79b9));
            true
        }
        InterruptKind::Step => true,
        InterruptKind::Segfault(fault) => {
            // Map the page and retry, as an embedder's lazy loader would.
            instance
                .zero_memory_with_memory_protection(fault.page_address, fault.page_size, MemoryProtection::ReadWrite)
                .is_ok()
        }
        InterruptKind::Finished | InterruptKind::Trap | InterruptKind::NotEnoughGas => false,
    }
}

/// Runs from `entry` with `gas` until the program stops or a budget runs out. Returns the events
/// (steps left out) and a snapshot of memory the program may have written.
fn run(module: &Module, entry: u32, gas: i64, max_steps: usize) -> (Vec<Event>, Vec<u8>) {
    let mut instance = module.instantiate();
    let mut events = Vec::new();
    if instance.prepare_call_untyped(entry, &[0x20000, 1, 2, 3, 4]).is_err() {
        return (events, Vec::new());
    }
    instance.set_gas(gas);
    let mut steps = 0;
    while events.len() < MAX_EVENTS && steps < max_steps {
        let before = instance.gas();
        let Ok(interrupt) = instance.run() else { break };
        assert!(instance.gas() <= before, "gas went up: {before} -> {}", instance.gas());
        if interrupt == InterruptKind::Step {
            steps += 1;
        } else {
            events.push(Event {
                interrupt,
                regs: Reg::ALL.map(|reg| instance.reg(reg)),
                gas: instance.gas(),
                program_counter: instance.program_counter(),
                next_program_counter: instance.next_program_counter(),
            });
        }
        if !serve(&mut instance, interrupt) {
            break;
        }
    }
    let map = module.memory_map();
    let mut memory = Vec::new();
    for address in [map.rw_data_address(), map.stack_address_high().wrapping_sub(64)] {
        if let Ok(bytes) = instance.read_memory(address, 64) {
            memory.extend_from_slice(&bytes);
        }
    }
    (events, memory)
}

fn config(gas_metering: Option<GasMeteringKind>, base: &ModuleConfig) -> ModuleConfig {
    ModuleConfig { gas_metering, ..base.clone() }
}

fuzz_target!(|data: &[u8]| {
    let Some((&[flags, entry_low, entry_high], rest)) = data.split_first_chunk::<3>() else { return };
    let mut base = ModuleConfig::default();
    let mut bytes = rest;
    if flags & 8 != 0 {
        let Some((costs, program)) = bytes.split_first_chunk::<8>() else { return };
        let even = u32::from_le_bytes([costs[0], costs[1], costs[2], costs[3]]);
        let odd = u32::from_le_bytes([costs[4], costs[5], costs[6], costs[7]]);
        let mut model = CostModel::naive();
        for (index, &opcode) in Opcode::ALL.iter().chain([&Opcode::Invalid]).enumerate() {
            // A zero cost would let a loop run forever within its gas.
            model.set_cost(opcode, if index % 2 == 0 { even } else { odd }.max(1));
        }
        base.cost_model = Arc::new(model);
        bytes = program;
    }
    if flags & 16 != 0 {
        base.page_size = 0x4000;
    }
    if flags & 64 != 0 {
        base.aux_data_size = 0x1000;
    }
    let blob = if flags & 1 == 0 {
        ProgramBlob::parse(bytes.to_vec().into())
    } else {
        let isa = InstructionSetKind::ALL[usize::from((flags >> 1) & 3) % 3];
        ProgramBlob::from_raw_jam_code(isa, bytes.to_vec().into())
    };
    let Ok(blob) = blob else { return };
    let selector = u32::from(u16::from_le_bytes([entry_low, entry_high]));
    let exports: Vec<u32> = blob.exports().map(|export| export.pc).collect();
    let entry = if flags & 32 != 0 && !exports.is_empty() {
        exports[selector as usize % exports.len()]
    } else {
        selector % (blob.code_len() + 1)
    };

    // Sync gas: the fused dispatch and the step-by-step one must agree on everything the host
    // sees. Gas bounds both runs (every instruction costs at least 1).
    if let Ok(module) = Module::from_blob(&config(Some(GasMeteringKind::Sync), &base), &blob) {
        let _ = module.calculate_gas_cost_for(entry);
        let normal = run(&module, entry, 3_000, usize::MAX);
        let stepped = config(Some(GasMeteringKind::Sync), &ModuleConfig { step_tracing: true, ..base.clone() });
        let module = Module::from_blob(&stepped, &blob).expect("step tracing does not change validation");
        let traced = run(&module, entry, 3_000, usize::MAX);
        assert_eq!(normal, traced, "step tracing changed the run");
    }
    // Async gas, dynamic paging, per-instruction metering: nothing may panic.
    for config in [
        config(Some(GasMeteringKind::Async), &base),
        config(Some(GasMeteringKind::Sync), &ModuleConfig { dynamic_paging: true, ..base.clone() }),
        config(Some(GasMeteringKind::Sync), &ModuleConfig { per_instruction_metering: true, ..base.clone() }),
    ] {
        if let Ok(module) = Module::from_blob(&config, &blob) {
            run(&module, entry, 10_000, usize::MAX);
        }
    }
    // No gas metering: only step tracing bounds the run.
    let unmetered = ModuleConfig { step_tracing: true, ..base };
    if let Ok(module) = Module::from_blob(&unmetered, &blob) {
        run(&module, entry, 0, MAX_STEPS);
    }
});
