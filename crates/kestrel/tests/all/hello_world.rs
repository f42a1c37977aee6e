//! The hello-world example of polkavm: `add_numbers(a, b) = a + b + get_third_number()`.

use kestrel::{Caller, InstructionSetKind, InterruptKind, Linker, Module, ModuleConfig, ProgramCounter, Reg};

use crate::common::{engine, testdata};

fn module() -> Option<Module> {
    let path = testdata("blobs/example-hello-world.polkavm")?;
    let bytes = std::fs::read(path).expect("readable blob");
    Some(Module::new(&engine(), &ModuleConfig::new(), bytes.into()).expect("hello world compiles"))
}

#[test]
fn add_numbers_through_the_linker() {
    let Some(module) = module() else { return };
    let mut linker: Linker = Linker::new();
    linker.define_typed("get_third_number", || -> u32 { 100 }).unwrap();
    let pre = linker.instantiate_pre(&module).unwrap();
    let mut instance = pre.instantiate().unwrap();
    let result: u32 = instance.call_typed_and_get_result(&mut (), "add_numbers", (1u32, 10u32)).unwrap();
    assert_eq!(result, 111);

    // The instance can be called again, and a second instance is independent.
    let result: u32 = instance.call_typed_and_get_result(&mut (), "add_numbers", (5u32, 6u32)).unwrap();
    assert_eq!(result, 111 - 11 + 11);
    let mut second = pre.instantiate().unwrap();
    let result: u32 = second.call_typed_and_get_result(&mut (), String::from("add_numbers"), (0u32, 0u32)).unwrap();
    assert_eq!(result, 100);
}

#[test]
fn host_function_with_caller_and_user_data() {
    let Some(module) = module() else { return };
    // User data: (number of calls, gas seen by the host function).
    let mut linker: Linker<(u32, i64)> = Linker::new();
    linker
        .define_typed("get_third_number", |caller: Caller<'_, (u32, i64)>| -> u32 {
            caller.user_data.0 += 1;
            caller.user_data.1 = caller.instance.gas();
            caller.instance.set_gas(caller.instance.gas() - 5);
            7
        })
        .unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    instance.set_gas(1234);
    let mut state = (0u32, 0i64);
    let result: u32 = instance.call_typed_and_get_result(&mut state, "add_numbers", (1u32, 10u32)).unwrap();
    assert_eq!(result, 18);
    assert_eq!(state, (1, 1234), "no gas metering: gas is a plain number");
    assert_eq!(instance.gas(), 1229);
}

#[test]
fn module_accessors() {
    let Some(module) = module() else { return };
    assert_eq!(module.isa(), InstructionSetKind::Latest32);
    assert!(!module.is_64_bit());
    let exports: Vec<_> = module.exports().map(|export| export.symbol().as_str().unwrap()).collect();
    assert_eq!(exports, ["add_numbers"]);
    assert_eq!(module.exports().next().unwrap().symbol().to_string(), "'add_numbers'");
    assert_eq!(kestrel::ProgramSymbol::new(&[0xFF, 0x01]).to_string(), "0xff01");
    let imports = module.imports();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports.get(0), Some(&b"get_third_number"[..]));
    assert_eq!(module.default_sp(), u64::from(module.memory_map().stack_address_high()));
    assert_eq!(module.memory_map().stack_size(), 8192);
    assert_eq!(module.blob().code().len(), 25);
    assert!(module.cost_model().is_naive());
    let export = module.exports().next().unwrap();
    assert!(module.calculate_gas_cost_for(export.program_counter()).unwrap() > 0);
    assert_eq!(module.machine_code(), None);
    // Cloning is cheap and shares the compiled program.
    let clone = module.clone();
    assert_eq!(clone.exports().count(), 1);
}

#[test]
fn raw_instance_handles_the_host_call_itself() {
    let Some(module) = module() else { return };
    let pc: ProgramCounter = module.exports().next().unwrap().program_counter();
    let mut instance = module.instantiate().unwrap();
    instance.prepare_call_typed(pc, (1u32, 10u32));
    assert_eq!(instance.reg(Reg::A0), 1);
    assert_eq!(instance.reg(Reg::A1), 10);
    assert_eq!(instance.reg(Reg::RA), kestrel::RETURN_TO_HOST);
    assert_eq!(instance.reg(Reg::SP), module.default_sp());
    assert_eq!(instance.next_program_counter(), Some(pc));

    let interrupt = instance.run().unwrap();
    assert_eq!(interrupt, InterruptKind::Ecalli(0));
    assert!(instance.program_counter().is_some());
    instance.set_reg(Reg::A0, 100);
    assert_eq!(instance.run().unwrap(), InterruptKind::Finished);
    assert_eq!(instance.get_result_typed::<u32>(), 111);
    assert_eq!(instance.program_counter(), None);
    assert_eq!(instance.next_program_counter(), None);
    let error = instance.run().unwrap_err();
    assert_eq!(error.to_string(), "failed to run: next program counter is not set");
}

#[test]
fn modules_and_linked_programs_are_shared_between_threads() {
    let Some(module) = module() else { return };
    let mut linker: Linker = Linker::new();
    linker.define_typed("get_third_number", || -> u32 { 100 }).unwrap();
    let pre = linker.instantiate_pre(&module).unwrap();
    let threads: Vec<_> = (0..2u32)
        .map(|k| {
            let pre = pre.clone();
            std::thread::spawn(move || {
                let mut instance = pre.instantiate().unwrap();
                instance.call_typed_and_get_result::<u32>(&mut (), "add_numbers", (k, k)).unwrap()
            })
        })
        .collect();
    let results: Vec<u32> = threads.into_iter().map(|thread| thread.join().unwrap()).collect();
    assert_eq!(results, [100, 102]);

    let outer = module.instantiate().unwrap();
    let nested = module.instantiate_nested(&outer).unwrap();
    assert_eq!(nested.gas(), 0);
}
