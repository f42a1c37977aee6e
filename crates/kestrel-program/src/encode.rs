//! Encoding single instructions for each instruction set (`instructions.md` §8). Owner: builder helper.
//!
//! CONTRACT: `Instruction::encode(&self, isa, pc: u32, out: &mut Vec<u8>) -> Result<(), EncodeError>`
//! writes the minimal encoding (legacy) or the smallest raw opcode that fits (Latest64); targets are
//! absolute code offsets and are written relative to `pc`.
