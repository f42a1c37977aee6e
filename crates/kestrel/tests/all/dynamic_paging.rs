//! Dynamic paging: the raw page API and the `Instance`'s lazy segfault loader (`runtime.md` §11,
//! `api.md` §9).

use kestrel::{
    CallError, Caller, Config, Engine, ErrorKind, InstructionSetKind, InterruptKind, Linker, MemoryAccessError,
    MemoryProtection, ModuleConfig, ProgramCounter, Reg,
};

use crate::common::{
    Program, add_32, dynamic_paging_engine, ecalli, engine, load_indirect_u32, load_u32, ret, store_indirect_u32,
    store_u32,
};

const RO: u32 = 0x10000;
const RW: u32 = 0x30000;

/// `main`: a0 = ro[0] + rw[4]; store it on the stack and into rw; load it back; return it.
pub fn program() -> Program {
    Program::new(InstructionSetKind::Latest64)
        .ro_data(&[1, 0, 0, 0, 0xAA])
        .rw_data(&[0, 0, 0, 0, 20, 0, 0, 0], 0x2000)
        .code(&[
            load_u32(Reg::A0, RO),
            load_u32(Reg::A1, RW + 4),
            add_32(Reg::A0, Reg::A0, Reg::A1),
            store_indirect_u32(Reg::A0, Reg::SP, (-8i32) as u32),
            store_u32(Reg::A0, RW + 0x1000),
            load_indirect_u32(Reg::A0, Reg::SP, (-8i32) as u32),
            ret(),
        ])
        .export(0, "main")
}

fn config() -> ModuleConfig {
    let mut config = ModuleConfig::new();
    config.set_dynamic_paging(true);
    config
}

#[test]
fn needs_the_engine_switch() {
    let error = kestrel::Module::new(&engine(), &config(), program().bytes().into()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "dynamic paging was not enabled; use `Config::set_allow_dynamic_paging` to enable it"
    );
    let mut engine_config = Config::new();
    engine_config.set_allow_dynamic_paging(true);
    assert!(Engine::new(&engine_config).unwrap().backend().is_supported());
}

#[test]
fn lazy_loader_maps_ro_rw_and_stack() {
    let module = program().module(&dynamic_paging_engine(), &config());
    assert!(module.is_dynamic_paging());
    let linker: Linker = Linker::new();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    assert!(!instance.is_memory_accessible(RO, 4, MemoryProtection::Read), "nothing is mapped initially");
    let result: u32 = instance.call_typed_and_get_result(&mut (), "main", ()).unwrap();
    assert_eq!(result, 21);

    // ro data page: filled and read-only; rw pages: filled / zeroed and writable.
    assert_eq!(instance.read_memory(RO, 5).unwrap(), [1, 0, 0, 0, 0xAA]);
    assert!(instance.is_memory_accessible(RO, 0x1000, MemoryProtection::Read));
    assert!(!instance.is_memory_accessible(RO, 4, MemoryProtection::ReadWrite));
    assert_eq!(instance.read_u32(RW + 4).unwrap(), 20);
    assert_eq!(instance.read_u32(RW + 0x1000).unwrap(), 21);
    let stack_top = module.memory_map().stack_address_high();
    assert_eq!(instance.read_u32(stack_top - 8).unwrap(), 21);
    // Only touched pages exist.
    assert!(!instance.is_memory_accessible(stack_top - 0x2000, 4, MemoryProtection::Read));
}

#[test]
fn faults_outside_the_regions_trap() {
    let program =
        Program::new(InstructionSetKind::Latest64).code(&[load_u32(Reg::A0, 0x5000_0000), ret()]).export(0, "main");
    let module = program.module(&dynamic_paging_engine(), &config());
    let linker: Linker = Linker::new();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    assert!(matches!(instance.call_typed(&mut (), "main", ()), Err(CallError::Trap)));
}

#[test]
fn raw_segfaults_and_page_calls() {
    let module = program().module(&dynamic_paging_engine(), &config());
    let mut instance = module.instantiate().unwrap();
    instance.prepare_call_untyped(ProgramCounter(0), &[]);
    let InterruptKind::Segfault(fault) = instance.run().unwrap() else { panic!("expected a segfault") };
    assert_eq!((fault.page_address, fault.page_size, fault.is_write_protected), (RO, 0x1000, false));
    assert_eq!(instance.program_counter(), Some(ProgramCounter(0)));
    assert_eq!(instance.next_program_counter(), Some(ProgramCounter(0)));

    instance.zero_memory_with_memory_protection(RO, 1, MemoryProtection::ReadWrite).unwrap();
    instance.write_u32(RO, 5).unwrap();
    instance.protect_memory(RO, 0x1000).unwrap();
    assert!(instance.write_u32(RO, 6).is_err());
    instance.unprotect_memory(RO, 0x1000).unwrap();
    instance.write_u32(RO, 6).unwrap();
    instance.protect_memory(RO, 0x1000).unwrap();

    let InterruptKind::Segfault(fault) = instance.run().unwrap() else { panic!("expected a segfault") };
    assert_eq!(fault.page_address, RW);
    instance.zero_memory_with_memory_protection(RW, 0x2000, MemoryProtection::Read).unwrap();
    instance.set_reg(Reg::SP, u64::from(RW + 0x1800));
    // The load from rw now works; the stack store hits a read-only page.
    let InterruptKind::Segfault(fault) = instance.run().unwrap() else { panic!("expected a segfault") };
    assert_eq!((fault.page_address, fault.is_write_protected), (RW + 0x1000, true));
    instance.unprotect_memory(RW, 0x2000).unwrap();
    assert_eq!(instance.run().unwrap(), InterruptKind::Finished);
    assert_eq!(instance.reg(Reg::A0), 6);

    instance.free_pages(RW, 0x1000).unwrap();
    assert!(!instance.is_memory_accessible(RW, 4, MemoryProtection::Read));
    assert!(instance.is_memory_accessible(RW + 0x1000, 4, MemoryProtection::Read));
    instance.reset_memory().unwrap();
    assert!(!instance.is_memory_accessible(RO, 4, MemoryProtection::Read));
}

#[test]
fn page_call_errors() {
    let module = program().module(&dynamic_paging_engine(), &config());
    let mut instance = module.instantiate().unwrap();
    let error = instance.zero_memory_with_memory_protection(RW + 1, 1, MemoryProtection::Read).unwrap_err();
    assert_eq!(error.to_string(), "memory access failed: address not a multiple of page size");
    let error = instance.zero_memory_with_memory_protection(0x1000, 1, MemoryProtection::Read).unwrap_err();
    assert!(matches!(error, MemoryAccessError::OutOfRangeAccess { address: 0x1000, length: 1 }));
    let error = instance.protect_memory(RW, 0x1000).unwrap_err();
    assert!(matches!(error, MemoryAccessError::OutOfRangeAccess { address: RW, length: 0x1000 }), "{error}");
    assert!(instance.zero_memory_with_memory_protection(RW, 0, MemoryProtection::Read).is_ok());
    let error = instance.free_pages(RW + 1, 1).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::NotPageAligned));
    // No heap and no aux controls with dynamic paging.
    assert!(instance.sbrk(0).is_err());
    assert_eq!(instance.heap_size(), 0);
    let error = instance.set_accessible_aux_size(0).unwrap_err();
    assert_eq!(error.to_string(), "setting accessible aux size is only possible on modules without dynamic paging");
    assert!(instance.set_host_side_aux_write_protect(true).is_err());

    // The page calls need a dynamic-paging module.
    let static_module = program().module(&engine(), &ModuleConfig::new());
    let mut instance = static_module.instantiate().unwrap();
    let error = instance.zero_memory_with_memory_protection(RW, 0x1000, MemoryProtection::Read).unwrap_err();
    assert_eq!(
        error.to_string(),
        "memory access failed: 'zero_memory_with_memory_protection' is only possible on modules with dynamic paging"
    );
    assert!(instance.protect_memory(RW, 0x1000).is_err());
    assert!(instance.free_pages(RW, 0x1000).is_err());
}

#[test]
fn host_functions_see_lazily_loaded_memory() {
    let program = Program::new(InstructionSetKind::Latest64)
        .ro_data(b"hello")
        .code(&[ecalli(0), ret()])
        .export(0, "main")
        .import("peek");
    let module = program.module(&dynamic_paging_engine(), &config());
    let mut linker: Linker<Option<Vec<u8>>> = Linker::new();
    linker
        .define_typed("peek", |caller: Caller<'_, Option<Vec<u8>>>| {
            *caller.user_data = caller.instance.read_memory(RO, 5).ok();
        })
        .unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let mut seen = None;
    instance.call_typed(&mut seen, "main", ()).unwrap();
    // Reading never resolves a fault: the guest never touched ro data, so it is not mapped.
    assert_eq!(seen, None);
}
