//! Ad-hoc speed check: a tight arithmetic + memory loop, unmetered and with sync gas.
//! `cargo run --release -p kestrel-interpreter --example bench_loop`

use std::time::Instant;

use kestrel_interpreter::{GasMeteringKind, InterruptKind, Module, ModuleConfig};
use kestrel_program::builder::ProgramBlobBuilder;
use kestrel_program::{ArcBytes, Args, Instruction, InstructionSetKind, Opcode, ProgramBlob, Reg};

fn main() {
    let mut builder = ProgramBlobBuilder::new(InstructionSetKind::Latest64);
    builder.set_rw_data_size(0x1000);
    let push = |b: &mut ProgramBlobBuilder, opcode, args| b.push(Instruction { opcode, args });
    // block 0: fallthrough into the loop
    push(&mut builder, Opcode::Fallthrough, Args::None);
    // block 1: the loop body (7 instructions)
    push(&mut builder, Opcode::AddImm64, Args::RegRegImm { reg1: Reg::A0, reg2: Reg::A0, imm: u32::MAX });
    push(&mut builder, Opcode::Add64, Args::RegRegReg { reg1: Reg::A1, reg2: Reg::A1, reg3: Reg::A0 });
    push(&mut builder, Opcode::Xor, Args::RegRegReg { reg1: Reg::A2, reg2: Reg::A2, reg3: Reg::A1 });
    push(&mut builder, Opcode::AndImm, Args::RegRegImm { reg1: Reg::A3, reg2: Reg::A0, imm: 0xff8 });
    push(&mut builder, Opcode::StoreIndirectU64, Args::RegRegImm { reg1: Reg::A2, reg2: Reg::A3, imm: 0x20000 });
    push(&mut builder, Opcode::LoadIndirectU64, Args::RegRegImm { reg1: Reg::A4, reg2: Reg::A3, imm: 0x20000 });
    push(&mut builder, Opcode::BranchNotEqImm, Args::RegImmOffset { reg: Reg::A0, imm: 0, target: 1 });
    // block 2: return
    push(&mut builder, Opcode::JumpIndirect, Args::RegImm { reg: Reg::RA, imm: 0 });
    let blob = ProgramBlob::parse(ArcBytes::from(builder.to_vec().unwrap())).unwrap();

    let iterations = 50_000_000u64;
    for gas in [None, Some(GasMeteringKind::Sync), Some(GasMeteringKind::Async)] {
        let config = ModuleConfig { gas_metering: gas, ..ModuleConfig::default() };
        let module = Module::from_blob(&config, &blob).unwrap();
        let mut instance = module.instantiate();
        instance.prepare_call_untyped(0, &[iterations]).unwrap();
        instance.set_gas(i64::MAX);
        let start = Instant::now();
        let result = instance.run().unwrap();
        let elapsed = start.elapsed();
        assert_eq!(result, InterruptKind::Finished);
        let instructions = iterations * 7;
        #[allow(clippy::print_stdout, reason = "benchmark output")]
        {
            println!(
                "gas {:?}: {:?}, {:.2} ns/instruction, {:.0} M instructions/s",
                gas,
                elapsed,
                elapsed.as_nanos() as f64 / instructions as f64,
                instructions as f64 / elapsed.as_secs_f64() / 1e6
            );
        }
    }
}
