//! Typed marshalling on 32-bit (Latest32) and 64-bit (Latest64) ISAs (`api.md` §9).

use std::sync::{Arc, Mutex};

use kestrel::{Caller, InstructionSetKind, Linker, ModuleConfig, ProgramCounter, Reg};

use crate::common::{engine, passthrough};

const LATEST32: InstructionSetKind = InstructionSetKind::Latest32;
const LATEST64: InstructionSetKind = InstructionSetKind::Latest64;

/// The argument registers A0..A5, T0..T2 as a host function saw them.
fn seen_registers(caller: &Caller<'_, Vec<u64>>) -> Vec<u64> {
    Reg::ARG_REGS.iter().map(|&reg| caller.instance.reg(reg)).collect()
}

#[test]
fn u64_arguments_take_two_registers_on_32_bit() {
    for isa in [LATEST32, LATEST64] {
        let module = passthrough(isa, "f").module(&engine(), &ModuleConfig::new());
        let received = Arc::new(Mutex::new(None));
        let mut linker: Linker<Vec<u64>> = Linker::new();
        let sink = Arc::clone(&received);
        linker
            .define_typed("f", move |caller: Caller<'_, Vec<u64>>, a: u64, b: u32, c: i64| {
                *caller.user_data = seen_registers(&caller);
                *sink.lock().unwrap() = Some((a, b, c));
            })
            .unwrap();
        let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
        let mut registers = Vec::new();
        instance.call_typed(&mut registers, "call", (0x1122_3344_5566_7788u64, 7u32, -2i64)).unwrap();
        assert_eq!(*received.lock().unwrap(), Some((0x1122_3344_5566_7788, 7, -2)), "{isa}");
        if isa == LATEST32 {
            assert_eq!(registers[..5], [0x5566_7788, 0x1122_3344, 7, 0xFFFF_FFFE, 0xFFFF_FFFF]);
        } else {
            assert_eq!(registers[..4], [0x1122_3344_5566_7788, 7, (-2i64) as u64, 0]);
        }
    }
}

#[test]
fn i32_results_are_sign_extended_on_64_bit() {
    for isa in [LATEST32, LATEST64] {
        let module = passthrough(isa, "f").module(&engine(), &ModuleConfig::new());
        let mut linker: Linker = Linker::new();
        linker.define_typed("f", || -> i32 { -5 }).unwrap();
        let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
        let result: i32 = instance.call_typed_and_get_result(&mut (), "call", ()).unwrap();
        assert_eq!(result, -5);
        let expected = if isa == LATEST64 { (-5i64) as u64 } else { 0xFFFF_FFFB };
        assert_eq!(instance.reg(Reg::A0), expected, "{isa}");
    }
}

#[test]
fn u32_results_are_zero_extended() {
    let module = passthrough(LATEST64, "f").module(&engine(), &ModuleConfig::new());
    let mut linker: Linker = Linker::new();
    linker.define_typed("f", || -> u32 { 0xFFFF_FFFB }).unwrap();
    let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
    let result: u32 = instance.call_typed_and_get_result(&mut (), "call", ()).unwrap();
    assert_eq!(result, 0xFFFF_FFFB);
    assert_eq!(instance.reg(Reg::A0), 0xFFFF_FFFB);
}

#[test]
fn u64_results_use_a0_and_a1_on_32_bit() {
    for isa in [LATEST32, LATEST64] {
        let module = passthrough(isa, "f").module(&engine(), &ModuleConfig::new());
        let mut linker: Linker = Linker::new();
        linker.define_typed("f", || -> u64 { 0xAABB_CCDD_0011_2233 }).unwrap();
        let mut instance = linker.instantiate_pre(&module).unwrap().instantiate().unwrap();
        let result: u64 = instance.call_typed_and_get_result(&mut (), "call", ()).unwrap();
        assert_eq!(result, 0xAABB_CCDD_0011_2233, "{isa}");
        if isa == LATEST32 {
            assert_eq!((instance.reg(Reg::A0), instance.reg(Reg::A1)), (0x0011_2233, 0xAABB_CCDD));
        } else {
            assert_eq!(instance.reg(Reg::A0), 0xAABB_CCDD_0011_2233);
        }
        let signed: i64 = instance.get_result_typed();
        assert_eq!(signed, 0xAABB_CCDD_0011_2233u64 as i64);
    }
}

#[test]
fn registers_are_truncated_on_32_bit() {
    let module = passthrough(LATEST32, "f").module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    instance.set_reg(Reg::A0, 0xFFFF_FFFF_FFFF_FFFE);
    assert_eq!(instance.reg(Reg::A0), 0xFFFF_FFFE);
    instance.prepare_call_untyped(ProgramCounter(0), &[1 << 40 | 3, 4]);
    assert_eq!((instance.reg(Reg::A0), instance.reg(Reg::A1)), (3, 4));
    // Every other register was cleared.
    assert_eq!(instance.reg(Reg::T2), 0);
    instance.set_reg(Reg::S0, 9);
    instance.clear_regs();
    assert_eq!(instance.reg(Reg::S0), 0);
}

#[test]
fn nine_argument_registers() {
    let module = passthrough(LATEST64, "f").module(&engine(), &ModuleConfig::new());
    let mut instance = module.instantiate().unwrap();
    let args: Vec<u64> = (1..=9).collect();
    instance.prepare_call_untyped(ProgramCounter(0), &args);
    let regs: Vec<u64> = Reg::ARG_REGS.iter().map(|&reg| instance.reg(reg)).collect();
    assert_eq!(regs, args);
}
