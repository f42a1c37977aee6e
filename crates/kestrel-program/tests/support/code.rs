//! Building instructions and code bytes by hand.

use kestrel_program::disasm::AssemblySource;
use kestrel_program::{Args, Instruction, InstructionSetKind, Opcode, ParsedInstruction};

/// Bytes from whitespace-separated hex pairs (`"04 08 01"`).
pub fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace().map(|pair| u8::from_str_radix(pair, 16).unwrap()).collect()
}

/// An instruction whose operands must fit the opcode's format.
pub fn insn(opcode: Opcode, args: Args) -> Instruction {
    Instruction::new(opcode, args).expect("operands match the format")
}

/// A decoded item at `offset`, `length` bytes long.
pub fn item(offset: u32, length: u32, opcode: Opcode, args: Args) -> ParsedInstruction {
    ParsedInstruction { offset, length, instruction: insn(opcode, args) }
}

/// A program of just these instructions: no data, imports, exports or jump table.
pub fn assembly_source(
    isa: InstructionSetKind,
    code_len: u32,
    instructions: &[ParsedInstruction],
) -> AssemblySource<'_> {
    AssemblySource {
        isa,
        ro_data_size: 0,
        rw_data_size: 0,
        stack_size: 0,
        ro_data: &[],
        rw_data: &[],
        imports: Vec::new(),
        exports: Vec::new(),
        jump_table: Vec::new(),
        code_len,
        instructions,
    }
}
