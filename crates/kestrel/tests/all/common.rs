//! Helpers shared by the integration tests: test data paths and small hand-built programs.

use kestrel::program::builder::{BuiltProgram, ProgramBlobBuilder};
use kestrel::program::{Args, Instruction, Opcode};
use kestrel::{Config, Engine, InstructionSetKind, Module, ModuleConfig, Reg};

pub use kestrel_test_support::{engine, testdata};

pub fn dynamic_paging_engine() -> Engine {
    let mut config = Config::from_env().expect("valid environment");
    config.set_allow_dynamic_paging(true);
    Engine::new(&config).expect("engine with dynamic paging")
}

/// A program under construction: instructions, exports by basic block, imports, data.
pub struct Program {
    pub builder: ProgramBlobBuilder,
}

impl Program {
    pub fn new(isa: InstructionSetKind) -> Self {
        let mut builder = ProgramBlobBuilder::new(isa);
        builder.set_stack_size(0x1000);
        Program { builder }
    }

    pub fn code(mut self, code: &[Instruction]) -> Self {
        for &instruction in code {
            self.builder.push(instruction);
        }
        self
    }

    pub fn export(mut self, block: u32, name: &str) -> Self {
        self.builder.add_export_by_basic_block(block, name.as_bytes());
        self
    }

    pub fn import(mut self, name: &str) -> Self {
        self.builder.add_import(name.as_bytes());
        self
    }

    pub fn ro_data(mut self, data: &[u8]) -> Self {
        self.builder.set_ro_data_size(data.len() as u32);
        self.builder.set_ro_data(data.to_vec());
        self
    }

    pub fn rw_data(mut self, data: &[u8], size: u32) -> Self {
        self.builder.set_rw_data_size(size);
        self.builder.set_rw_data(data.to_vec());
        self
    }

    pub fn build(&self) -> BuiltProgram {
        self.builder.build().expect("test program builds")
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.build().blob
    }

    pub fn module(&self, engine: &Engine, config: &ModuleConfig) -> Module {
        Module::new(engine, config, self.bytes().into()).expect("test module compiles")
    }
}

fn ins(opcode: Opcode, args: Args) -> Instruction {
    Instruction { opcode, args }
}

pub fn load_imm(reg: Reg, imm: u32) -> Instruction {
    ins(Opcode::LoadImm, Args::RegImm { reg, imm })
}

pub fn ecalli(number: u32) -> Instruction {
    ins(Opcode::Ecalli, Args::Imm { imm: number })
}

/// `ret`: `jump_indirect ra, 0`.
pub fn ret() -> Instruction {
    ins(Opcode::JumpIndirect, Args::RegImm { reg: Reg::RA, imm: 0 })
}

pub fn trap() -> Instruction {
    ins(Opcode::Trap, Args::None)
}

pub fn fallthrough() -> Instruction {
    ins(Opcode::Fallthrough, Args::None)
}

pub fn add_imm_64(d: Reg, s: Reg, imm: u32) -> Instruction {
    ins(Opcode::AddImm64, Args::RegRegImm { reg1: d, reg2: s, imm })
}

pub fn add_32(d: Reg, s1: Reg, s2: Reg) -> Instruction {
    ins(Opcode::Add32, Args::RegRegReg { reg1: d, reg2: s1, reg3: s2 })
}

pub fn load_u32(d: Reg, address: u32) -> Instruction {
    ins(Opcode::LoadU32, Args::RegImm { reg: d, imm: address })
}

pub fn store_u32(s: Reg, address: u32) -> Instruction {
    ins(Opcode::StoreU32, Args::RegImm { reg: s, imm: address })
}

pub fn load_indirect_u32(d: Reg, base: Reg, offset: u32) -> Instruction {
    ins(Opcode::LoadIndirectU32, Args::RegRegImm { reg1: d, reg2: base, imm: offset })
}

pub fn store_indirect_u32(s: Reg, base: Reg, offset: u32) -> Instruction {
    ins(Opcode::StoreIndirectU32, Args::RegRegImm { reg1: s, reg2: base, imm: offset })
}

/// `export "call"`: `ecalli 0; ret` — runs host function 0 and returns the registers it left.
pub fn passthrough(isa: InstructionSetKind, import: &str) -> Program {
    Program::new(isa).code(&[ecalli(0), ret()]).export(0, "call").import(import)
}
