//! Decoding, disassembly text, valid jump targets and block costs compared with polkavm 0.37 on
//! random code for every instruction set.

#![allow(clippy::print_stderr, reason = "differential tests report what they compared")]

use kestrel_differential::{Rng, random_latest64_code, random_legacy_code};
use kestrel_program::decode::Code;
use kestrel_program::varint::write_varint;
use kestrel_program::{InstructionSetKind as Isa, Opcode};

fn to_reference_isa(isa: Isa) -> polkavm::program::InstructionSetKind {
    use polkavm::program::InstructionSetKind as R;
    match isa {
        Isa::ReviveV1 => R::ReviveV1,
        Isa::JamV1 => R::JamV1,
        Isa::Latest32 => R::Latest32,
        Isa::Latest64 => R::Latest64,
    }
}

/// The payload of a code section (`blob-format.md` §9.1) with an empty jump table.
fn code_section_payload(isa: Isa, code: &[u8], bitmask: &[u8]) -> Vec<u8> {
    let mut payload = vec![0, 0];
    if !isa.is_extended() {
        write_varint(code.len() as u32, &mut payload);
    }
    payload.extend_from_slice(code);
    if !isa.is_extended() {
        payload.extend_from_slice(bitmask);
    }
    payload
}

fn reference_blob(isa: Isa, code: &[u8], bitmask: &[u8]) -> polkavm::ProgramBlob {
    let mut parts = polkavm::ProgramParts::empty(to_reference_isa(isa));
    parts.code_and_jump_table = code_section_payload(isa, code, bitmask).into();
    polkavm::ProgramBlob::from_parts(parts).expect("the reference rejected generated code")
}

fn assigned_legacy_bytes(isa: Isa) -> Vec<u8> {
    Opcode::ALL.iter().filter_map(|op| op.legacy_byte(isa)).collect()
}

fn random_program(rng: &mut Rng, isa: Isa) -> (Vec<u8>, Vec<u8>) {
    let max = if rng.chance(1, 10) { 2100 } else { 80 };
    let len = 1 + rng.below(max) as usize;
    if isa.is_extended() {
        (random_latest64_code(rng, len), Vec::new())
    } else {
        random_legacy_code(rng, len, &assigned_legacy_bytes(isa))
    }
}

type Item = (u32, u32, String);

fn kestrel_items(isa: Isa, code: &[u8], bitmask: &[u8]) -> Vec<Item> {
    Code::new(isa, code, bitmask)
        .instructions()
        .map(|item| (item.offset, item.offset + item.length, item.instruction.to_string()))
        .collect()
}

fn reference_items(blob: &polkavm::ProgramBlob) -> Vec<Item> {
    blob.instructions().map(|item| (item.offset.0, item.next_offset.0, item.kind.to_string())).collect()
}

const CASES_PER_ISA: u64 = 3000;

#[test]
fn linear_decoding_and_text_match_the_reference() {
    for isa in Isa::ALL {
        let mut rng = Rng::new(0x5eed_0000 + isa.index() as u64);
        let mut items = 0usize;
        for case in 0..CASES_PER_ISA {
            let (code, bitmask) = random_program(&mut rng, isa);
            let reference = reference_items(&reference_blob(isa, &code, &bitmask));
            let ours = kestrel_items(isa, &code, &bitmask);
            if ours != reference {
                let first =
                    ours.iter().zip(&reference).position(|(a, b)| a != b).unwrap_or(ours.len().min(reference.len()));
                panic!(
                    "{isa} case {case}: decoding differs at item {first}\n code: {code:02x?}\n bitmask: {bitmask:02x?}\n kestrel:   {:?}\n reference: {:?}",
                    ours.get(first),
                    reference.get(first)
                );
            }
            items += ours.len();
        }
        eprintln!("{isa}: {CASES_PER_ISA} random programs, {items} items identical");
    }
}

#[test]
fn valid_jump_targets_and_block_costs_match_the_reference() {
    let mut config = polkavm::Config::new();
    config.set_backend(Some(polkavm::BackendKind::Interpreter));
    let engine = polkavm::Engine::new(&config).expect("reference engine");
    for isa in [Isa::ReviveV1, Isa::Latest32, Isa::Latest64] {
        let mut rng = Rng::new(0x7a46_0000 + isa.index() as u64);
        let mut targets = 0usize;
        for case in 0..600 {
            let (code, bitmask) = random_program(&mut rng, isa);
            let blob = reference_blob(isa, &code, &bitmask);
            let module =
                polkavm::Module::from_blob(&engine, &polkavm::ModuleConfig::new(), blob).expect("reference module");
            let view = Code::new(isa, &code, &bitmask);
            for offset in 0..code.len() as u32 {
                let reference = module.calculate_gas_cost_for(polkavm::ProgramCounter(offset)).is_some();
                assert_eq!(
                    view.is_valid_jump_target(offset),
                    reference,
                    "{isa} case {case}: valid jump target at {offset}\n code: {code:02x?}\n bitmask: {bitmask:02x?}"
                );
                targets += usize::from(reference);
            }
        }
        eprintln!("{isa}: {targets} valid jump targets identical");
    }
}
