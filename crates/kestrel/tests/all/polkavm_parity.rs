//! The same programs and the same mistakes through Kestrel's API and polkavm 0.37's (interpreter
//! backend): interrupts, program counters, gas, registers and error messages must agree.

use kestrel::{GasMeteringKind, InstructionSetKind, InterruptKind, ModuleConfig, ProgramCounter, Reg};

use crate::common::{Program, add_imm_64, ecalli, engine, fallthrough, load_imm, load_u32, ret, store_u32, trap};

/// The message of an expected error (polkavm's success types do not implement `Debug`).
trait ErrText {
    fn err_text(self) -> String;
}

impl<T, E: std::fmt::Display> ErrText for Result<T, E> {
    fn err_text(self) -> String {
        match self {
            Ok(_) => panic!("expected an error"),
            Err(error) => error.to_string(),
        }
    }
}

fn polkavm_engine() -> polkavm::Engine {
    let mut config = polkavm::Config::new();
    config.set_backend(Some(polkavm::BackendKind::Interpreter));
    polkavm::Engine::new(&config).unwrap()
}

fn polkavm_reg(reg: Reg) -> polkavm::Reg {
    polkavm::Reg::ALL[usize::from(reg.index())]
}

/// One observation after `run()`: interrupt, pc, next pc, gas, the 13 registers.
type State = (String, Option<u32>, Option<u32>, i64, Vec<u64>);

/// Runs `bytes` from pc 0 with `gas` on both implementations, answering every host call by
/// adding 100 to A0, and returns both traces.
fn trace_both(
    bytes: &[u8],
    gas_metering: Option<GasMeteringKind>,
    step_tracing: bool,
    gas: i64,
) -> (Vec<State>, Vec<State>) {
    let mut config = ModuleConfig::new();
    config.set_gas_metering(gas_metering).set_step_tracing(step_tracing);
    let module = kestrel::Module::new(&engine(), &config, bytes.to_vec().into()).unwrap();
    let mut ours = module.instantiate().unwrap();
    ours.set_gas(gas);
    ours.prepare_call_untyped(ProgramCounter(0), &[]);

    let mut their_config = polkavm::ModuleConfig::new();
    their_config.set_gas_metering(gas_metering.map(|kind| match kind {
        GasMeteringKind::Sync => polkavm::GasMeteringKind::Sync,
        GasMeteringKind::Async => polkavm::GasMeteringKind::Async,
    }));
    their_config.set_step_tracing(step_tracing);
    let their_module = polkavm::Module::new(&polkavm_engine(), &their_config, bytes.to_vec().into()).unwrap();
    let mut theirs = their_module.instantiate().unwrap();
    theirs.set_gas(gas);
    theirs.prepare_call_untyped(polkavm::ProgramCounter(0), &[]);

    let mut our_trace = Vec::new();
    let mut their_trace = Vec::new();
    for _ in 0..100 {
        let ours_interrupt = ours.run().map(|i| format!("{i:?}")).unwrap_or_else(|error| error.to_string());
        our_trace.push((
            ours_interrupt.clone(),
            ours.program_counter().map(|pc| pc.0),
            ours.next_program_counter().map(|pc| pc.0),
            ours.gas(),
            Reg::ALL.iter().map(|&reg| ours.reg(reg)).collect(),
        ));
        let their_interrupt = theirs.run().map(|i| format!("{i:?}")).unwrap_or_else(|error| error.to_string());
        their_trace.push((
            their_interrupt,
            theirs.program_counter().map(|pc| pc.0),
            theirs.next_program_counter().map(|pc| pc.0),
            theirs.gas(),
            Reg::ALL.iter().map(|&reg| theirs.reg(polkavm_reg(reg))).collect(),
        ));
        if ours_interrupt.starts_with("Ecalli") {
            ours.set_reg(Reg::A0, ours.reg(Reg::A0) + 100);
            theirs.set_reg(polkavm::Reg::A0, theirs.reg(polkavm::Reg::A0) + 100);
        } else if !matches!(ours_interrupt.as_str(), "Step" | "NotEnoughGas") {
            break;
        }
        if ours_interrupt == "NotEnoughGas" {
            if ours.gas() < 0 || our_trace.len() > 50 {
                break;
            }
            ours.set_gas(ours.gas() + 3);
            theirs.set_gas(theirs.gas() + 3);
        }
    }
    (our_trace, their_trace)
}

fn program() -> Program {
    Program::new(InstructionSetKind::Latest64)
        .code(&[
            load_imm(Reg::A0, 1),
            ecalli(7),
            add_imm_64(Reg::A0, Reg::A0, 1),
            fallthrough(),
            load_u32(Reg::A2, 0x20000),
            store_u32(Reg::A0, 0xFFFE_0000 - 8),
            add_imm_64(Reg::A1, Reg::A0, 5),
            ret(),
        ])
        .export(0, "main")
}

#[test]
fn traces_agree() {
    let bytes = program().bytes();
    for (metering, step_tracing, gas) in [
        (None, false, 0),
        (None, true, 0),
        (None, false, -1),
        (Some(GasMeteringKind::Sync), false, 100),
        (Some(GasMeteringKind::Sync), false, 3),
        (Some(GasMeteringKind::Sync), true, 5),
        (Some(GasMeteringKind::Async), false, 100),
        (Some(GasMeteringKind::Async), false, 5),
    ] {
        let (ours, theirs) = trace_both(&bytes, metering, step_tracing, gas);
        assert_eq!(ours, theirs, "metering {metering:?}, step tracing {step_tracing}, gas {gas}");
    }
    // A trapping program, and entry at a non-boundary.
    let bytes = Program::new(InstructionSetKind::Latest64).code(&[load_imm(Reg::A0, 1), trap()]).bytes();
    let (ours, theirs) = trace_both(&bytes, Some(GasMeteringKind::Sync), false, 10);
    assert_eq!(ours, theirs);
    assert_eq!(ours.last().unwrap().0, format!("{:?}", InterruptKind::Trap));
}

#[test]
fn error_messages_agree() {
    let kestrel_engine = engine();
    let their_engine = polkavm_engine();

    // Parse errors.
    for bytes in [vec![], b"PVM\0".to_vec(), b"PVM\0\x07".to_vec(), vec![1, 2, 3, 4, 5]] {
        let ours = kestrel::Module::new(&kestrel_engine, &ModuleConfig::new(), bytes.clone().into()).err_text();
        let theirs = polkavm::Module::new(&their_engine, &polkavm::ModuleConfig::new(), bytes.into()).err_text();
        assert_eq!(ours, theirs);
    }

    // Memory map errors.
    let bytes = program().bytes();
    for page_size in [0x800, 0x3000, 0x20000] {
        let mut config = ModuleConfig::new();
        config.set_page_size(page_size);
        let ours = kestrel::Module::new(&kestrel_engine, &config, bytes.clone().into()).err_text();
        let mut their_config = polkavm::ModuleConfig::new();
        their_config.set_page_size(page_size);
        let theirs = polkavm::Module::new(&their_engine, &their_config, bytes.clone().into()).err_text();
        assert_eq!(ours, theirs);
    }

    // JamV1 code validation: an undecodable opcode, a trailing instruction that does not end a block.
    let mut invalid = Program::new(InstructionSetKind::JamV1).code(&[kestrel::program::Instruction::INVALID, ret()]);
    invalid.builder.set_invalid_as_undecodable(true);
    let unterminated =
        Program::new(InstructionSetKind::JamV1).code(&[load_imm(Reg::A0, 1), ret(), load_imm(Reg::A0, 2)]);
    for bytes in [invalid.bytes(), unterminated.bytes()] {
        let ours = kestrel::Module::new(&kestrel_engine, &ModuleConfig::new(), bytes.clone().into()).err_text();
        let theirs = polkavm::Module::new(&their_engine, &polkavm::ModuleConfig::new(), bytes.into()).err_text();
        assert_eq!(ours, theirs);
    }

    // Linking and calling.
    let module = kestrel::Module::new(&kestrel_engine, &ModuleConfig::new(), bytes.clone().into()).unwrap();
    let their_module =
        polkavm::Module::new(&their_engine, &polkavm::ModuleConfig::new(), bytes.clone().into()).unwrap();
    let mut linker: kestrel::Linker = kestrel::Linker::new();
    let mut their_linker: polkavm::Linker = polkavm::Linker::new();
    linker.define_typed("f", || {}).unwrap();
    their_linker.define_typed("f", || {}).unwrap();
    assert_eq!(linker.define_typed("f", || {}).err_text(), their_linker.define_typed("f", || {}).err_text());
    let mut ours = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let mut theirs = their_linker.instantiate_pre(&their_module).unwrap().instantiate().unwrap();
    let kestrel::CallError::Error(our_error) = ours.call_typed(&mut (), "missing", ()).unwrap_err() else { panic!() };
    let polkavm::CallError::Error(their_error) = theirs.call_typed(&mut (), "missing", ()).unwrap_err() else {
        panic!()
    };
    assert_eq!(our_error.to_string(), their_error.to_string());

    // Running without a program counter, memory access errors.
    let mut ours = module.instantiate().unwrap();
    let mut theirs = their_module.instantiate().unwrap();
    assert_eq!(ours.run().err_text(), theirs.run().err_text());
    for (address, length) in [(0, 4), (0x10000, 4), (0x20000, 16), (0xFFFF_FFF0, 0x20)] {
        let ours = ours.read_memory(address, length).err_text();
        let theirs = theirs.read_memory(address, length).err_text();
        assert_eq!(ours, theirs);
    }
    assert_eq!(ours.write_memory(0x10000, &[1]).err_text(), theirs.write_memory(0x10000, &[1]).err_text());
    assert_eq!(ours.set_accessible_aux_size(1).err_text(), theirs.set_accessible_aux_size(1).err_text());
}

#[test]
fn strict_mode_messages_agree() {
    let program = Program::new(InstructionSetKind::Latest64)
        .code(&[ecalli(0), ret(), ecalli(0), ret()])
        .export(0, "main")
        .export(1, "main")
        .import("f");
    let bytes = program.bytes();
    let mut config = ModuleConfig::new();
    config.set_strict(true);
    let mut their_config = polkavm::ModuleConfig::new();
    their_config.set_strict(true);
    let module = kestrel::Module::new(&engine(), &config, bytes.clone().into()).unwrap();
    let their_module = polkavm::Module::new(&polkavm_engine(), &their_config, bytes.into()).unwrap();
    let linker: kestrel::Linker = kestrel::Linker::new();
    let their_linker: polkavm::Linker = polkavm::Linker::new();
    assert_eq!(linker.instantiate_pre(&module).err_text(), their_linker.instantiate_pre(&their_module).err_text());

    let bytes =
        Program::new(InstructionSetKind::Latest64).code(&[ecalli(0), ret()]).export(0, "main").import("f").bytes();
    let module = kestrel::Module::new(&engine(), &config, bytes.clone().into()).unwrap();
    let their_module = polkavm::Module::new(&polkavm_engine(), &their_config, bytes.into()).unwrap();
    assert_eq!(linker.instantiate_pre(&module).err_text(), their_linker.instantiate_pre(&their_module).err_text());
}

#[test]
fn lazy_loader_agrees() {
    let bytes = crate::dynamic_paging::program().bytes();
    let mut config = ModuleConfig::new();
    config.set_dynamic_paging(true);
    let module = kestrel::Module::new(&crate::common::dynamic_paging_engine(), &config, bytes.clone().into()).unwrap();
    let mut ours = kestrel::Linker::<()>::new().instantiate_pre(&module).unwrap().instantiate().unwrap();

    let mut engine_config = polkavm::Config::new();
    engine_config.set_backend(Some(polkavm::BackendKind::Interpreter)).set_allow_dynamic_paging(true);
    let their_engine = polkavm::Engine::new(&engine_config).unwrap();
    let mut their_config = polkavm::ModuleConfig::new();
    their_config.set_dynamic_paging(true);
    let their_module = polkavm::Module::new(&their_engine, &their_config, bytes.into()).unwrap();
    let mut theirs = polkavm::Linker::<()>::new().instantiate_pre(&their_module).unwrap().instantiate().unwrap();

    let our_result: u32 = ours.call_typed_and_get_result(&mut (), "main", ()).unwrap();
    let their_result: u32 = theirs.call_typed_and_get_result(&mut (), "main", ()).unwrap();
    assert_eq!(our_result, their_result);

    // The same pages exist afterwards, with the same protection and contents.
    let map = module.memory_map();
    let pages = [
        map.ro_data_address(),
        map.rw_data_address(),
        map.rw_data_address() + 0x1000,
        map.stack_address_high() - 0x1000,
    ];
    for page in pages.into_iter().chain([map.stack_address_high() - 0x2000, 0x5000_0000]) {
        for (ours_protection, theirs_protection) in [
            (kestrel::MemoryProtection::Read, polkavm::MemoryProtection::Read),
            (kestrel::MemoryProtection::ReadWrite, polkavm::MemoryProtection::ReadWrite),
        ] {
            assert_eq!(
                ours.is_memory_accessible(page, 0x1000, ours_protection),
                theirs.is_memory_accessible(page, 0x1000, theirs_protection),
                "page 0x{page:x}, {ours_protection:?}"
            );
        }
    }
    for page in pages {
        assert_eq!(ours.read_memory(page, 0x1000).unwrap(), theirs.read_memory(page, 0x1000).unwrap());
    }
}
