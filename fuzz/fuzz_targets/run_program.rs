//! Arbitrary bytes as a program (container or raw JAM code), run on the interpreter with every
//! gas-metering kind: nothing may panic, and every run must end within its gas budget.
//! Run with `cargo +nightly fuzz run run_program` from the repository root.

#![no_main]

use kestrel_interpreter::{GasMeteringKind, InterruptKind, Module, ModuleConfig};
use kestrel_program::{InstructionSetKind, ProgramBlob, Reg};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let blob = if selector & 1 == 0 {
        ProgramBlob::parse(bytes.to_vec().into())
    } else {
        let isa = InstructionSetKind::ALL[usize::from(selector >> 1) % 3];
        ProgramBlob::from_raw_jam_code(isa, bytes.to_vec().into())
    };
    let Ok(blob) = blob else { return };
    for (gas_metering, dynamic_paging) in
        [(Some(GasMeteringKind::Sync), false), (Some(GasMeteringKind::Async), false), (Some(GasMeteringKind::Sync), true)]
    {
        let config = ModuleConfig { gas_metering, dynamic_paging, ..ModuleConfig::default() };
        let Ok(module) = Module::from_blob(&config, &blob) else { continue };
        let mut instance = module.instantiate();
        let entry = u32::from(selector >> 4) % (blob.code_len() + 1);
        if instance.prepare_call_untyped(entry, &[0x20000, 1, 2]).is_err() {
            continue;
        }
        instance.set_gas(10_000);
        for _ in 0..64 {
            match instance.run() {
                Ok(InterruptKind::Ecalli(_)) | Ok(InterruptKind::Step) => instance.set_reg(Reg::A0, 7),
                Ok(InterruptKind::Segfault(fault)) => {
                    // Map the page and retry, as an embedder's lazy loader would.
                    let _ = instance.zero_memory_with_memory_protection(
                        fault.page_address,
                        fault.page_size,
                        kestrel_interpreter::MemoryProtection::ReadWrite,
                    );
                }
                _ => break,
            }
        }
    }
});
