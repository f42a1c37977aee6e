//! Arbitrary text through the assembler. Whatever assembles must parse, pass the decoder's
//! consistency checks, print, and survive disassemble → assemble with the same program (exports,
//! jump table, imports, data and instructions, compared without the code layout); a second round
//! must then give back the same bytes. Run with `cargo xtask fuzz assemble` (or
//! `cargo +nightly fuzz run assemble`). The first byte picks the default instruction set.

#![no_main]

use kestrel_program::disasm::blob_to_assembly;
use kestrel_program::{InstructionSetKind, ProgramBlob, asm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else { return };
    let isa = InstructionSetKind::ALL[usize::from(selector) % 4];
    let text = String::from_utf8_lossy(text);
    let Ok(bytes) = asm::assemble(Some(isa), &text) else { return };
    let blob = ProgramBlob::parse(bytes.into()).expect("assembled blobs parse");
    let items = kestrel_fuzz::check_code(blob.code_view());
    kestrel_fuzz::check_listings(&blob, &items);
    let Some((source, again)) = kestrel_fuzz::check_round_trip(&blob, &items) else { return };

    // The disassembler's text is a fixed point: printing the re-assembled blob and assembling that
    // again reproduces it byte for byte.
    let second = blob_to_assembly(&again).unwrap_or_else(|error| panic!("{error}\nfirst source:\n{source}"));
    let third = asm::assemble(None, &second).unwrap_or_else(|error| panic!("{error}\nsecond source:\n{second}"));
    assert_eq!(again.as_bytes(), &third[..], "second source:\n{second}");
});
