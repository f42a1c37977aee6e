//! Step tracing (`runtime.md` §10).

use kestrel::{
    CallError, Caller, GasMeteringKind, InstructionSetKind, InterruptKind, Linker, ModuleConfig, ProgramCounter, Reg,
};

use crate::common::{Program, ecalli, engine, fallthrough, load_imm, ret};

fn program() -> Program {
    Program::new(InstructionSetKind::Latest64)
        .code(&[load_imm(Reg::A0, 1), fallthrough(), load_imm(Reg::A1, 2), ecalli(3), ret()])
        .export(0, "main")
}

fn config() -> ModuleConfig {
    let mut config = ModuleConfig::new();
    config.set_step_tracing(true).set_gas_metering(Some(GasMeteringKind::Sync));
    config
}

#[test]
fn verified_sequence() {
    assert_eq!(program().build().instruction_offsets, [0, 3, 4, 7, 9]);
    let module = program().module(&engine(), &config());
    let mut instance = module.instantiate().unwrap();
    instance.set_gas(100);
    instance.prepare_call_untyped(ProgramCounter(0), &[]);

    let mut trace = Vec::new();
    loop {
        let interrupt = instance.run().unwrap();
        let pc = instance.program_counter().map(|pc| pc.0);
        let next = instance.next_program_counter().map(|pc| pc.0);
        trace.push((interrupt, pc, next, instance.gas()));
        if interrupt == InterruptKind::Finished {
            break;
        }
    }
    use InterruptKind::*;
    assert_eq!(
        trace,
        [
            (Step, Some(0), Some(0), 100),
            (Step, Some(3), Some(3), 98),
            (Step, Some(4), Some(4), 98),
            (Step, Some(7), Some(7), 95),
            (Ecalli(3), Some(7), Some(9), 95),
            (Step, Some(9), Some(9), 95),
            (Finished, None, None, 95),
        ]
    );
}

#[test]
fn typed_calls_report_steps_as_errors() {
    let module = program().module(&engine(), &config());
    let mut linker: Linker = Linker::new();
    linker.define_fallback(|_caller: Caller<'_>, _number: u32| Ok(()));
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    instance.set_gas(100);
    assert!(matches!(instance.call_typed(&mut (), "main", ()), Err(CallError::Step)));
    assert_eq!(instance.program_counter(), Some(ProgramCounter(0)));
    // Each `continue_execution` advances by one instruction.
    assert!(matches!(instance.continue_execution(&mut ()), Err(CallError::Step)));
    assert_eq!(instance.program_counter(), Some(ProgramCounter(3)));
}
