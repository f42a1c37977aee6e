//! Arbitrary text through the assembler; whatever assembles must parse, decode, disassemble into
//! re-assemblable source, and assemble again into a blob with the same instructions.
//! Run with `cargo +nightly fuzz run assemble` from the repository root.

#![no_main]

use kestrel_program::disasm::blob_to_assembly;
use kestrel_program::{InstructionSetKind, ProgramBlob, asm};
use libfuzzer_sys::fuzz_target;

fn instructions(blob: &ProgramBlob) -> Vec<kestrel_program::Opcode> {
    blob.code_view().instructions().map(|item| item.instruction.opcode).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else { return };
    let isa = InstructionSetKind::ALL[usize::from(selector) % 4];
    let text = String::from_utf8_lossy(text);
    let Ok(bytes) = asm::assemble(Some(isa), &text) else { return };
    let blob = ProgramBlob::parse(bytes.into()).expect("assembled blobs parse");
    // Sources the disassembler cannot express (e.g. a label inside a block) are reported as typed
    // errors; everything else must come back with the same instructions.
    let Ok(source) = blob_to_assembly(&blob) else { return };
    let again = asm::assemble(None, &source).expect("re-assemblable source assembles");
    let again = ProgramBlob::parse(again.into()).expect("re-assembled blobs parse");
    assert_eq!(instructions(&blob), instructions(&again), "source:\n{source}");
});
