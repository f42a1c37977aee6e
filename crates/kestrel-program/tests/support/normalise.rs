//! Decoded programs with code offsets replaced by instruction indices, so that two layouts of the
//! same instructions (e.g. before and after a disassemble → assemble round trip) compare equal.

use std::collections::HashMap;

use kestrel_program::{Instruction, InstructionSetKind, ParsedInstruction, ProgramBlob};

/// Instructions in code order (without the legacy implicit end trap), targets replaced by the
/// index of the item they point at (`u32::MAX` if none), plus the offset → index map.
pub fn normalise(items: &[ParsedInstruction], code_len: u32) -> (Vec<Instruction>, HashMap<u32, u32>) {
    let items: Vec<_> = items.iter().filter(|item| item.offset < code_len).collect();
    let mut index = HashMap::new();
    for (n, item) in (0u32..).zip(&items) {
        index.entry(item.offset).or_insert(n);
    }
    let instructions = items
        .iter()
        .map(|item| {
            let mut instruction = item.instruction;
            if let Some(target) = instruction.args.target() {
                instruction.args.set_target(index.get(&target).copied().unwrap_or(u32::MAX));
            }
            instruction
        })
        .collect();
    (instructions, index)
}

/// Everything a program blob says, offsets replaced by instruction indices.
#[derive(PartialEq, Debug)]
pub struct NormalisedBlob {
    pub isa: InstructionSetKind,
    /// `(ro_data_size, rw_data_size, stack_size)`.
    pub sizes: (u32, u32, u32),
    pub ro_data: Vec<u8>,
    pub rw_data: Vec<u8>,
    pub imports: Vec<Option<Vec<u8>>>,
    pub exports: Vec<(Option<u32>, Vec<u8>)>,
    pub jump_table: Vec<Option<u32>>,
    pub instructions: Vec<Instruction>,
}

pub fn normalise_blob(blob: &ProgramBlob) -> NormalisedBlob {
    let items: Vec<_> = blob.code_view().instructions().collect();
    let (instructions, index) = normalise(&items, blob.code_len());
    NormalisedBlob {
        isa: blob.isa(),
        sizes: (blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()),
        ro_data: blob.ro_data().to_vec(),
        rw_data: blob.rw_data().to_vec(),
        imports: blob.imports().iter().map(|name| name.map(<[u8]>::to_vec)).collect(),
        exports: blob.exports().map(|export| (index.get(&export.pc).copied(), export.name.to_vec())).collect(),
        jump_table: blob.jump_table().iter().map(|target| index.get(&target).copied()).collect(),
        instructions,
    }
}
