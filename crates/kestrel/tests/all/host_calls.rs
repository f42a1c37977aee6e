//! Host calls through the `Linker`: typed, untyped, fallback, missing and failing host functions.

use kestrel::{CallError, Caller, ErrorKind, InstructionSetKind, Linker, ModuleConfig, ProgramCounter, Reg};

use crate::common::{Program, ecalli, engine, passthrough, ret, trap};

const ISA: InstructionSetKind = InstructionSetKind::Latest64;

#[test]
fn six_typed_arguments_and_a_result() {
    let module = passthrough(ISA, "sum").module(&engine(), &ModuleConfig::new());
    let mut linker: Linker = Linker::new();
    linker
        .define_typed("sum", |a: u32, b: i32, c: u64, d: i64, e: u32, f: u32| -> u64 {
            assert_eq!((a, b, c, d, e, f), (1, -2, 3 << 40, -4, 5, 6));
            u64::from(a)
                .wrapping_add(b as i64 as u64)
                .wrapping_add(c)
                .wrapping_add(d as u64)
                .wrapping_add(u64::from(e) + u64::from(f))
        })
        .unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let result: u64 =
        instance.call_typed_and_get_result(&mut (), "call", (1u32, -2i32, 3u64 << 40, -4i64, 5u32, 6u32)).unwrap();
    assert_eq!(result, (3 << 40) + 6);
}

#[test]
fn imports_are_resolved_by_index() {
    let module = Program::new(ISA)
        .code(&[ecalli(1), ecalli(0), ret()])
        .export(0, "call")
        .import("first")
        .import("second")
        .module(&engine(), &ModuleConfig::new());
    let mut linker: Linker<Vec<&'static str>> = Linker::new();
    linker.define_typed("first", |caller: Caller<'_, Vec<&'static str>>| caller.user_data.push("first")).unwrap();
    linker.define_typed("second", |caller: Caller<'_, Vec<&'static str>>| caller.user_data.push("second")).unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let mut log = Vec::new();
    instance.call_typed(&mut log, "call", ()).unwrap();
    assert_eq!(log, ["second", "first"]);
}

#[derive(Debug, PartialEq)]
struct HostFailure(&'static str);

impl From<&'static str> for HostFailure {
    fn from(message: &'static str) -> Self {
        HostFailure(message)
    }
}

#[test]
fn host_errors_become_user_errors() {
    let module = passthrough(ISA, "fallible").module(&engine(), &ModuleConfig::new());

    // `Result<T, E>` with `UserError: From<E>`.
    let mut linker: Linker<(), HostFailure> = Linker::new();
    linker
        .define_typed("fallible", |a: u32| -> Result<u32, &'static str> {
            if a == 0 { Err("zero") } else { Ok(a * 2) }
        })
        .unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    assert_eq!(instance.call_typed_and_get_result::<u32>(&mut (), "call", (21u32,)).unwrap(), 42);
    match instance.call_typed_and_get_result::<u32>(&mut (), "call", (0u32,)) {
        Err(CallError::User(HostFailure("zero"))) => {}
        other => panic!("unexpected {other:?}"),
    }

    // `Result<(), E>`.
    let mut linker: Linker<(), HostFailure> = Linker::new();
    linker.define_typed("fallible", || -> Result<(), HostFailure> { Err(HostFailure("unit")) }).unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    assert!(matches!(instance.call_typed(&mut (), "call", ()), Err(CallError::User(HostFailure("unit")))));
}

#[test]
fn untyped_host_function() {
    let module = passthrough(ISA, "raw").module(&engine(), &ModuleConfig::new());
    let mut linker: Linker = Linker::new();
    linker
        .define_untyped("raw", |caller: Caller<'_>| {
            let a = caller.instance.reg(Reg::A0);
            caller.instance.set_reg(Reg::A0, a * 3);
            caller.instance.set_reg(Reg::A1, 77);
            Ok(())
        })
        .unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    instance.call_typed(&mut (), "call", (5u64,)).unwrap();
    assert_eq!(instance.reg(Reg::A0), 15);
    assert_eq!(instance.reg(Reg::A1), 77);
}

#[test]
fn fallback_receives_the_ecalli_number() {
    let module = Program::new(ISA)
        .code(&[ecalli(0), ecalli(7), ret()])
        .export(0, "call")
        .import("unknown")
        .module(&engine(), &ModuleConfig::new());
    let mut linker: Linker<Vec<u32>> = Linker::new();
    linker.define_fallback(|caller: Caller<'_, Vec<u32>>, number: u32| {
        caller.user_data.push(number);
        Ok(())
    });
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let mut seen = Vec::new();
    instance.call_typed(&mut seen, "call", ()).unwrap();
    // Import 0 has no host function, and ecalli 7 has no import at all: both go to the fallback.
    assert_eq!(seen, [0, 7]);
}

#[test]
fn missing_host_function_traps() {
    let module = passthrough(ISA, "absent").module(&engine(), &ModuleConfig::new());
    let linker: Linker = Linker::new();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    assert!(matches!(instance.call_typed(&mut (), "call", ()), Err(CallError::Trap)));
    assert!(instance.program_counter().is_some(), "the ecalli that could not be served");
}

#[test]
fn duplicate_definitions_are_rejected() {
    let mut linker: Linker = Linker::new();
    linker.define_typed("twice", || {}).unwrap();
    let error = linker.define_typed("twice", |_a: u32| {}).unwrap_err();
    assert_eq!(error.to_string(), "cannot register host function: host function was already registered: 'twice'");
    assert!(matches!(error.kind(), ErrorKind::DuplicateHostFunction(name) if name == b"twice"));
    let error = linker.define_untyped("twice", |_caller: Caller<'_>| Ok(())).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::DuplicateHostFunction(_)));
}

#[test]
fn entry_points() {
    let module = passthrough(ISA, "f").module(&engine(), &ModuleConfig::new());
    let mut linker: Linker = Linker::new();
    linker.define_typed("f", || -> u32 { 9 }).unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();

    match instance.call_typed(&mut (), "nope", ()) {
        Err(CallError::Error(error)) => {
            assert_eq!(error.to_string(), "export not found: 'nope'");
            assert!(matches!(error.kind(), ErrorKind::ExportNotFound(name) if name == "nope"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let name = String::from("call");
    assert_eq!(instance.call_typed_and_get_result::<u32>(&mut (), &name, ()).unwrap(), 9);
    assert_eq!(instance.call_typed_and_get_result::<u32>(&mut (), ProgramCounter(0), ()).unwrap(), 9);
    // A program counter that is not an instruction boundary traps at entry.
    assert!(matches!(instance.call_typed(&mut (), ProgramCounter(1), ()), Err(CallError::Trap)));
    assert_eq!(instance.program_counter(), Some(ProgramCounter(1)));
}

#[test]
fn continue_execution_after_a_raw_interrupt() {
    let module = passthrough(ISA, "f").module(&engine(), &ModuleConfig::new());
    let mut linker: Linker<u32> = Linker::new();
    linker.define_typed("f", |caller: Caller<'_, u32>| *caller.user_data += 1).unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    // Run the raw instance up to the host call, handle nothing, then let the linker continue:
    // it resumes after the ecalli, so the host function is not called.
    instance.prepare_call_untyped(ProgramCounter(0), &[]);
    assert_eq!(instance.run().unwrap(), kestrel::InterruptKind::Ecalli(0));
    let mut calls = 0;
    instance.continue_execution(&mut calls).unwrap();
    assert_eq!(calls, 0);
}

#[test]
#[should_panic(expected = "too many")]
fn too_many_argument_registers_panics() {
    let module = passthrough(InstructionSetKind::Latest32, "f").module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    // Five u64 values need ten registers on a 32-bit ISA.
    instance.prepare_call_typed(ProgramCounter(0), (1u64, 2u64, 3u64, 4u64, 5u64));
}

#[test]
fn guest_trap() {
    let module = Program::new(ISA)
        .code(&[ecalli(0), trap()])
        .export(0, "call")
        .import("f")
        .module(&engine(), &ModuleConfig::new());
    let mut linker: Linker = Linker::new();
    linker.define_typed("f", || {}).unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    assert!(matches!(instance.call_typed(&mut (), "call", ()), Err(CallError::Trap)));
    assert_eq!(instance.program_counter(), Some(ProgramCounter(2)));
    assert_eq!(instance.next_program_counter(), None);
}

#[test]
fn caller_and_six_arguments() {
    let module = passthrough(ISA, "f").module(&engine(), &ModuleConfig::new());
    let mut linker: Linker<Vec<u64>> = Linker::new();
    linker
        .define_typed("f", |caller: Caller<'_, Vec<u64>>, a: u64, b: u64, c: u64, d: u64, e: u64, f: i32| -> i64 {
            caller.user_data.extend([a, b, c, d, e, f as i64 as u64]);
            i64::from(f) * 2
        })
        .unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let mut seen = Vec::new();
    let result: i64 =
        instance.call_typed_and_get_result(&mut seen, "call", (1u64, 2u64, 3u64, 4u64, 5u64, -6i32)).unwrap();
    assert_eq!(result, -12);
    assert_eq!(seen, [1, 2, 3, 4, 5, (-6i64) as u64]);
}
