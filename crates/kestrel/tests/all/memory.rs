//! Host access to guest memory without dynamic paging (`runtime.md` §3–§5).

use kestrel::{ErrorKind, InstructionSetKind, MemoryAccessError, MemoryProtection, ModuleConfig, ProgramCounter, Reg};

use crate::common::{Program, engine, load_u32, ret, store_u32};

const RO: u32 = 0x10000;
const RW: u32 = 0x30000;

fn program() -> Program {
    // ro 5 bytes, rw 0xBB8 bytes (heap base 0x30BB8), stack 0x1000.
    Program::new(InstructionSetKind::Latest64)
        .ro_data(b"abcde")
        .rw_data(&[1, 2, 3], 0xBB8)
        .code(&[load_u32(Reg::A0, RW), store_u32(Reg::A0, RW + 0x100), ret()])
        .export(0, "main")
}

fn aux_config() -> ModuleConfig {
    let mut config = ModuleConfig::new();
    config.set_aux_data_size(0x2000);
    config
}

#[test]
fn memory_map_and_initial_contents() {
    let module = program().module(&engine(), &aux_config());
    let map = module.memory_map();
    assert_eq!(map.ro_data_range(), 0x10000..0x11000);
    assert_eq!(map.rw_data_range(), 0x30000..0x31000);
    assert_eq!(map.heap_base(), 0x30BB8);
    assert_eq!(map.aux_data_range(), 0xFFFE0000..0xFFFE2000);
    assert_eq!(map.stack_range(), 0xFFFCF000..0xFFFD0000);
    let instance = module.instantiate().unwrap();
    assert_eq!(instance.read_memory(RO, 6).unwrap(), b"abcde\0");
    assert_eq!(instance.read_memory(RW, 4).unwrap(), [1, 2, 3, 0]);
    assert_eq!(instance.read_u8(RO + 4).unwrap(), b'e');
    assert_eq!(instance.read_u16(RO).unwrap(), u16::from_le_bytes(*b"ab"));
    assert_eq!(instance.read_u32(RO).unwrap(), u32::from_le_bytes(*b"abcd"));
    assert_eq!(instance.read_u64(RW).unwrap(), 0x0003_0201);
    assert_eq!(instance.read_memory(map.aux_data_address(), 4).unwrap(), [0; 4]);
}

#[test]
fn host_reads_and_writes() {
    let module = program().module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    instance.write_u32(RW, 0xDEAD_BEEF).unwrap();
    instance.write_u64(RW + 8, u64::MAX).unwrap();
    instance.write_u16(RW + 16, 0x1234).unwrap();
    instance.write_u8(RW + 18, 0x56).unwrap();
    assert_eq!(instance.read_memory(RW + 16, 3).unwrap(), [0x34, 0x12, 0x56]);
    instance.zero_memory(RW + 8, 4).unwrap();
    assert_eq!(instance.read_u64(RW + 8).unwrap(), 0xFFFF_FFFF_0000_0000);

    // The guest sees host writes and the host sees guest writes.
    instance.prepare_call_untyped(ProgramCounter(0), &[]);
    assert_eq!(instance.run().unwrap(), kestrel::InterruptKind::Finished);
    assert_eq!(instance.read_u32(RW + 0x100).unwrap(), 0xDEAD_BEEF);

    let mut buffer = [0u8; 4];
    assert_eq!(instance.read_memory_into(RW, &mut buffer).unwrap(), &[0xEF, 0xBE, 0xAD, 0xDE]);
}

#[test]
fn out_of_range_accesses() {
    let module = program().module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    // Read-only data is read-only for the host too.
    let error = instance.write_u32(RO, 1).unwrap_err();
    assert!(matches!(error, MemoryAccessError::OutOfRangeAccess { address: RO, length: 4 }));
    assert_eq!(error.to_string(), "out of range memory access in 0x10000-0x10004 (4 bytes)");
    assert!(instance.read_u32(0x8000).is_err());
    assert!(instance.read_u32(RW + 0xFFC).is_ok());
    let error = instance.read_u32(RW + 0xFFE).unwrap_err();
    assert!(
        matches!(error, MemoryAccessError::OutOfRangeAccess { address: 0x30FFE, length: 4 }),
        "straddles the rw end"
    );
    assert!(instance.zero_memory(RO, 1).is_err());
    // Zero-length accesses always succeed.
    assert!(instance.read_memory(0, 0).unwrap().is_empty());
    instance.write_memory(0, &[]).unwrap();
    instance.zero_memory(0, 0).unwrap();
    // Accessibility mirrors the region table.
    assert!(instance.is_memory_accessible(RO, 0x1000, MemoryProtection::Read));
    assert!(!instance.is_memory_accessible(RO, 1, MemoryProtection::ReadWrite));
    assert!(instance.is_memory_accessible(RW, 0x1000, MemoryProtection::ReadWrite));
    assert!(!instance.is_memory_accessible(RW, 0x1001, MemoryProtection::Read));
    assert!(instance.is_memory_accessible(0, 0, MemoryProtection::ReadWrite));
}

#[test]
fn sbrk_and_reset() {
    let module = program().module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    assert_eq!(instance.heap_size(), 0);
    assert_eq!(instance.sbrk(0).unwrap(), Some(0x30BB8));
    assert_eq!(instance.sbrk(0x1000).unwrap(), Some(0x31BB8));
    assert_eq!(instance.heap_size(), 0x1000);
    assert!(instance.is_memory_accessible(0x31000, 0x1000, MemoryProtection::ReadWrite));
    instance.write_u32(0x31BB0, 7).unwrap();
    assert_eq!(instance.sbrk(u32::MAX).unwrap(), None);

    instance.write_u32(RW, 9).unwrap();
    instance.set_reg(Reg::A3, 5);
    instance.reset_memory().unwrap();
    assert_eq!(instance.heap_size(), 0);
    assert!(!instance.is_memory_accessible(0x31000, 4, MemoryProtection::Read));
    assert_eq!(instance.read_memory(RW, 4).unwrap(), [1, 2, 3, 0]);
    assert_eq!(instance.reg(Reg::A3), 5, "registers survive a memory reset");
}

#[test]
fn aux_data() {
    let module = program().module(&engine(), &aux_config());
    let aux = module.memory_map().aux_data_address();
    let mut instance = module.instantiate().unwrap();
    instance.write_u32(aux + 0x1000, 42).unwrap();
    instance.set_accessible_aux_size(0x800).unwrap();
    assert!(instance.is_memory_accessible(aux, 0x1000, MemoryProtection::Read), "rounded up to the page size");
    assert!(!instance.is_memory_accessible(aux + 0x1000, 4, MemoryProtection::Read));
    instance.set_accessible_aux_size(0x2000).unwrap();
    assert_eq!(instance.read_u32(aux + 0x1000).unwrap(), 0, "shrinking discards the bytes");
    let error = instance.set_accessible_aux_size(0x2001).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::AuxSizeTooLarge { maximum: 0x2000, requested: 0x2001 }));
    assert_eq!(error.to_string(), "cannot set accessible aux size: the maximum is 8192, while tried to set 8193");

    instance.set_host_side_aux_write_protect(true).unwrap();
    assert!(instance.write_u32(aux, 1).is_err());
    assert!(!instance.is_memory_accessible(aux, 4, MemoryProtection::ReadWrite));
    assert!(instance.is_memory_accessible(aux, 4, MemoryProtection::Read));
    instance.set_host_side_aux_write_protect(false).unwrap();
    instance.write_u32(aux, 1).unwrap();
}

#[test]
fn interpreter_memory_limits() {
    let module = program().module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    instance.set_interpreter_guest_memory_limit(Some(0));
    let stack_low = module.memory_map().stack_address_low();
    let error = instance.write_u32(stack_low, 1).unwrap_err();
    assert!(matches!(error, MemoryAccessError::MemoryLimitReached));
    assert_eq!(error.to_string(), "memory limit reached");
    instance.set_interpreter_guest_memory_limit(None);
    instance.set_interpreter_max_allocation_size(Some(1 << 20));
    instance.write_u32(stack_low, 1).unwrap();
}

#[test]
fn interpreter_cache_settings() {
    let module = program().module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    instance.reset_interpreter_cache();
    let limit = |max_block_size, max_cache_size_bytes| {
        Some(kestrel::SetCacheSizeLimitArgs { max_block_size, max_cache_size_bytes })
    };
    let error = instance.set_interpreter_cache_size_limit(limit(100, 1000)).unwrap_err();
    assert_eq!(error.to_string(), "given maximum cache size is too small to guarantee a tight upper bound");
    instance.set_interpreter_cache_size_limit(limit(100, 1 << 20)).unwrap();
    instance.set_interpreter_cache_size_limit(None).unwrap();
    assert_eq!(instance.pid(), None);
    assert_eq!(instance.next_native_program_counter(), None);
}
