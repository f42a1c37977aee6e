//! Gas metering kinds, cost models and the gas API (`runtime.md` §9).

use std::sync::Arc;

use kestrel::program::Opcode;
use kestrel::{
    CallError, Caller, Config, CostModel, CostModelKind, CostModelRef, Engine, ErrorKind, GasMeteringKind,
    InstructionSetKind, InterruptKind, Linker, ModuleConfig, ProgramCounter, Reg,
};

use crate::common::{Program, add_imm_64, ecalli, engine, fallthrough, load_imm, ret};

/// `runtime.md` §8's verified sequence: blocks `[load_imm a0, 1; ecalli 7; add_imm a0, a0, 1;
/// fallthrough]` (cost 4) and `[add_imm a1, a0, 5; ret]` (cost 2).
fn program() -> Program {
    Program::new(InstructionSetKind::Latest64)
        .code(&[
            load_imm(Reg::A0, 1),
            ecalli(7),
            add_imm_64(Reg::A0, Reg::A0, 1),
            fallthrough(),
            add_imm_64(Reg::A1, Reg::A0, 5),
            ret(),
        ])
        .export(0, "main")
}

fn config(kind: Option<GasMeteringKind>) -> ModuleConfig {
    let mut config = ModuleConfig::new();
    config.set_gas_metering(kind);
    config
}

#[test]
fn sync_sequence_matches_the_spec() {
    let built = program().build();
    let offsets = &built.instruction_offsets;
    assert_eq!(offsets[..], [0, 3, 5, 8, 9, 12], "encoding of runtime.md §8's example");
    let module = program().module(&engine(), &config(Some(GasMeteringKind::Sync)));
    let mut instance = module.instantiate().unwrap();
    instance.set_gas(100);
    instance.prepare_call_untyped(ProgramCounter(0), &[]);
    assert_eq!(instance.run().unwrap(), InterruptKind::Ecalli(7));
    assert_eq!(instance.program_counter(), Some(ProgramCounter(3)));
    assert_eq!(instance.next_program_counter(), Some(ProgramCounter(5)));
    assert_eq!(instance.gas(), 96);
    instance.set_reg(Reg::A0, 100);
    assert_eq!(instance.run().unwrap(), InterruptKind::Finished);
    assert_eq!(instance.gas(), 94);
    assert_eq!((instance.reg(Reg::A0), instance.reg(Reg::A1)), (0x65, 0x6A));
}

#[test]
fn block_costs() {
    let module = program().module(&engine(), &ModuleConfig::new());
    assert_eq!(module.calculate_gas_cost_for(ProgramCounter(0)), Some(4));
    assert_eq!(module.calculate_gas_cost_for(ProgramCounter(9)), Some(2));
    assert_eq!(module.calculate_gas_cost_for(ProgramCounter(3)), None, "not a jump target");
    assert_eq!(module.calculate_gas_cost_for(ProgramCounter(1000)), Some(1), "the implicit trap");
}

#[test]
fn custom_cost_model() {
    let mut model = CostModel::naive();
    model.set_cost(Opcode::Ecalli, 10);
    let model = Arc::new(model);
    let mut config = config(Some(GasMeteringKind::Sync));
    config.set_cost_model(Some(CostModelKind::from(Arc::clone(&model))));
    let module = program().module(&engine(), &config);
    assert!(!module.cost_model().is_naive());
    assert_eq!(module.calculate_gas_cost_for(ProgramCounter(0)), Some(13));

    // An engine-wide `Simple` default needs `allow_experimental`.
    let mut engine_config = Config::new();
    engine_config.set_default_cost_model(Some(CostModelKind::Simple(CostModelRef::from(Arc::clone(&model)))));
    let error = Engine::new(&engine_config).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::ExperimentalNotEnabled(_)));
    assert_eq!(
        error.to_string(),
        "cannot override the default gas cost model: `set_allow_experimental`/`POLKAVM_ALLOW_EXPERIMENTAL` is not enabled"
    );
    engine_config.set_allow_experimental(true);
    let engine = Engine::new(&engine_config).unwrap();
    let module = program().module(&engine, &ModuleConfig::new());
    assert_eq!(module.calculate_gas_cost_for(ProgramCounter(0)), Some(13));
    // A module's own model overrides the engine default.
    let mut naive = ModuleConfig::new();
    naive.set_cost_model(Some(CostModelKind::naive()));
    assert_eq!(program().module(&engine, &naive).calculate_gas_cost_for(ProgramCounter(0)), Some(4));
}

#[test]
fn linker_reports_not_enough_gas_and_can_resume() {
    let module = program().module(&engine(), &config(Some(GasMeteringKind::Sync)));
    let mut linker: Linker = Linker::new();
    linker.define_fallback(|_caller: Caller<'_>, _number: u32| Ok(()));
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    instance.set_gas(5);
    // First block (4) is paid, the second (2) is not.
    assert!(matches!(instance.call_typed(&mut (), "main", ()), Err(CallError::NotEnoughGas)));
    assert_eq!(instance.gas(), 1);
    assert_eq!(instance.program_counter(), Some(ProgramCounter(9)));
    assert_eq!(instance.next_program_counter(), Some(ProgramCounter(9)));
    instance.set_gas(10);
    instance.continue_execution(&mut ()).unwrap();
    assert_eq!(instance.gas(), 8);
    assert_eq!(instance.reg(Reg::A1), 7);
}

#[test]
fn async_metering_overdraws() {
    let module = program().module(&engine(), &config(Some(GasMeteringKind::Async)));
    let mut instance = module.instantiate().unwrap();
    instance.set_gas(3);
    instance.prepare_call_untyped(ProgramCounter(0), &[]);
    assert_eq!(instance.run().unwrap(), InterruptKind::NotEnoughGas);
    assert_eq!(instance.gas(), -1);
    assert_eq!(instance.next_program_counter(), None);
}

#[test]
fn host_function_can_exhaust_gas() {
    let module = program().module(&engine(), &config(Some(GasMeteringKind::Sync)));
    let mut linker: Linker = Linker::new();
    linker.define_fallback(|caller: Caller<'_>, _number: u32| {
        caller.instance.set_gas(-1);
        Ok(())
    });
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    instance.set_gas(100);
    assert!(matches!(instance.call_typed(&mut (), "main", ()), Err(CallError::NotEnoughGas)));
    assert_eq!(instance.gas(), -1);
}

#[test]
fn negative_gas_stops_even_without_metering() {
    let module = program().module(&engine(), &config(None));
    let mut instance = module.instantiate().unwrap();
    instance.prepare_call_untyped(ProgramCounter(0), &[]);
    instance.set_gas(-1);
    assert_eq!(instance.run().unwrap(), InterruptKind::NotEnoughGas);
    assert_eq!(instance.next_program_counter(), Some(ProgramCounter(0)));
    instance.set_gas(0);
    assert_eq!(instance.run().unwrap(), InterruptKind::Ecalli(7));
    assert_eq!(instance.gas(), 0, "no metering: gas untouched");
}

#[test]
fn new_instances_start_with_zero_gas() {
    let module = program().module(&engine(), &config(Some(GasMeteringKind::Sync)));
    let mut instance = module.instantiate().unwrap();
    assert_eq!(instance.gas(), 0);
    instance.prepare_call_untyped(ProgramCounter(0), &[]);
    assert_eq!(instance.run().unwrap(), InterruptKind::NotEnoughGas);
}

#[test]
fn per_instruction_metering() {
    let mut config = config(Some(GasMeteringKind::Sync));
    config.set_per_instruction_metering(true);
    let module = program().module(&engine(), &config);
    let mut instance = module.instantiate().unwrap();
    instance.set_gas(100);
    instance.prepare_call_untyped(ProgramCounter(0), &[]);
    assert_eq!(instance.run().unwrap(), InterruptKind::Ecalli(7));
    assert_eq!(instance.gas(), 98, "load_imm and ecalli charged one by one");

    // Only with the built-in naive model (by identity, not by value).
    config.set_cost_model(Some(CostModelKind::from(Arc::new(CostModel::naive()))));
    let error = kestrel::Module::new(&engine(), &config, program().bytes().into()).unwrap_err();
    assert_eq!(error.to_string(), "per instruction metering is not supported with a non-naive gas cost model");
}
