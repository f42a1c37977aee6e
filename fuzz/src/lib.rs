//! Checks shared by the fuzz targets: the decoder's invariants over a whole code section, and the
//! disassemble → assemble round trip compared on a layout-independent form of the program.
//!
//! Every check panics (which libFuzzer reports as a crash) when an invariant the library promises
//! does not hold; inputs the library rejects with a typed error are simply skipped.

use std::collections::{HashMap, HashSet};

use kestrel_program::decode::Code;
use kestrel_program::disasm::{InstructionFormat, blob_listing, blob_to_assembly, disassemble};
use kestrel_program::{Instruction, InstructionSetKind, Opcode, ParsedInstruction, ProgramBlob, asm};

/// How many offsets, jump targets and restart points the per-offset checks look at: enough to
/// cover the small programs the fuzzer builds, bounded so that big seeds stay fast.
const SAMPLE: usize = 512;

/// Linear decoding, boundaries, `decode_at`, jump targets and basic blocks must agree with each
/// other (`instructions.md` §3, §4, §7). Returns the linear decoding.
pub fn check_code(code: Code<'_>) -> Vec<ParsedInstruction> {
    let len = code.len();
    let items: Vec<ParsedInstruction> = code.instructions().collect();

    // Items tile the code from 0, in order; only the legacy implicit end item goes past it.
    let mut position = 0u32;
    for item in &items {
        assert_eq!(item.offset, position, "items must tile the code: {item:?}");
        position = item.next_offset();
        assert!(item.length > 0 || item.instruction.opcode == Opcode::Invalid, "{item:?}");
    }
    let end_items = items.iter().filter(|item| item.offset >= len).count();
    if code.isa().is_extended() {
        assert_eq!((position, end_items), (len, 0));
    } else {
        assert!(position == len || (position == len + 1 && end_items == 1), "decoding ended at {position} of {len}");
    }

    // The item that `decode_at` returns at each boundary: the last one starting there (§3.6's
    // zero-length item comes before the real instruction at the same offset).
    let mut at: HashMap<u32, ParsedInstruction> = HashMap::new();
    for item in items.iter().filter(|item| item.offset < len) {
        at.insert(item.offset, *item);
    }
    assert_eq!(
        code.first_invalid(),
        items.iter().find(|item| item.instruction.opcode == Opcode::Invalid).map(|i| i.offset)
    );

    let targets = code.jump_targets();
    let boundaries = code.instruction_boundaries();
    assert_eq!(targets.code_len(), len);
    assert_eq!(targets.count(), targets.iter().count());
    assert_eq!(boundaries.count(), at.len());

    let sampled = (0..len).take(SAMPLE).chain([len, len.saturating_add(1), u32::MAX]);
    for offset in sampled {
        let boundary = at.contains_key(&offset);
        assert_eq!(code.is_instruction_boundary(offset), boundary, "boundary at {offset}");
        assert_eq!(boundaries.contains(offset), boundary, "boundary set at {offset}");
        assert_eq!(code.is_valid_jump_target(offset), targets.contains(offset), "jump target at {offset}");
        assert_eq!(code.is_fallthrough_target_usable(offset), targets.is_fallthrough_target_usable(offset));
        let next = code.next_boundary_after(offset);
        let decoded = code.decode_at(offset);
        assert_eq!(decoded.offset, offset);
        if let Some(item) = at.get(&offset) {
            assert_eq!(decoded, *item, "decode_at({offset})");
        } else {
            assert_eq!(decoded.instruction.opcode, Opcode::Invalid, "decode_at({offset}) off a boundary");
            if offset < len {
                assert!(next > offset && next <= len, "next boundary after {offset}: {next}");
                assert_eq!(decoded.length, next - offset);
                assert!((offset + 1..next).all(|between| !at.contains_key(&between)));
            }
        }
        if offset >= len {
            assert_eq!(next, len);
        }
        if offset < len && targets.count() > 0 {
            let start = targets.block_start_of(offset).expect("non-empty code has a block start");
            assert!(start <= offset && targets.contains(start));
        }
    }

    // A basic block is the linear decoding from its start up to the first item that ends a block.
    for start in targets.iter().take(SAMPLE / 8) {
        assert!(start < len && at.contains_key(&start), "target {start} is not an instruction");
        let index = items.iter().position(|item| item.offset == start).expect("target has an item");
        let block: Vec<ParsedInstruction> = code.basic_block(start).collect();
        let expected: Vec<ParsedInstruction> = items[index..]
            .iter()
            .scan(false, |ended, item| {
                let take = !*ended;
                *ended = item.instruction.ends_block();
                take.then_some(*item)
            })
            .collect();
        assert_eq!(block, expected, "basic block at {start}");
        let restarted: Vec<ParsedInstruction> = code.instructions_from(start).take(16).collect();
        assert_eq!(restarted[..], items[index..(index + 16).min(items.len())], "instructions_from({start})");
    }
    for item in &items {
        let _ = targets.has_valid_static_successors(item);
    }
    items
}

/// Every listing form must print without panicking.
pub fn check_listings(blob: &ProgramBlob, items: &[ParsedInstruction]) {
    let plain = InstructionFormat::for_isa(blob.isa());
    let unaliased = InstructionFormat { prefer_non_abi_reg_names: true, prefer_unaliased: true, ..plain };
    let narrow = InstructionFormat { is_64_bit: false, ..InstructionFormat::default() };
    for format in [plain, unaliased, narrow] {
        let text = disassemble(items.iter().copied(), &format);
        assert_eq!(text.lines().count(), items.len());
    }
    let _ = blob_listing(blob, &plain, true);
}

/// A program with code offsets replaced by instruction indices, so that two layouts of the same
/// program compare equal.
#[derive(PartialEq, Eq, Debug)]
pub struct Normalised {
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

/// Latest64's writer inserts `unlikely`/`fallthrough` padding before 1024-byte boundaries and a
/// final `trap` after code that does not end a block; those are left out of the comparison.
fn is_layout_padding(isa: InstructionSetKind, opcode: Opcode) -> bool {
    isa.is_extended() && matches!(opcode, Opcode::Unlikely | Opcode::Fallthrough)
}

/// The program of `blob` without its layout (see [`Normalised`]).
pub fn normalise(blob: &ProgramBlob, items: &[ParsedInstruction]) -> Normalised {
    let isa = blob.isa();
    let kept: Vec<&ParsedInstruction> = items
        .iter()
        .filter(|item| item.offset < blob.code_len() && !is_layout_padding(isa, item.instruction.opcode))
        .collect();
    let padding: HashSet<u32> =
        items.iter().filter(|item| is_layout_padding(isa, item.instruction.opcode)).map(|item| item.offset).collect();
    // An offset names the kept item there, or the first one after a dropped padding item there.
    let index_of = |offset: u32| -> Option<u32> {
        let index = kept.partition_point(|item| item.offset < offset);
        let item = kept.get(index)?;
        (item.offset == offset || padding.contains(&offset)).then(|| u32::try_from(index).unwrap_or(u32::MAX))
    };
    let mut instructions: Vec<Instruction> = kept
        .iter()
        .map(|item| {
            let mut instruction = item.instruction;
            if let Some(target) = instruction.args.target() {
                instruction.args.set_target(index_of(target).unwrap_or(u32::MAX));
            }
            instruction
        })
        .collect();
    if isa.is_extended() && instructions.last().is_some_and(|last| last.opcode == Opcode::Trap) {
        instructions.pop();
    }
    Normalised {
        isa,
        sizes: (blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()),
        ro_data: blob.ro_data().to_vec(),
        rw_data: blob.rw_data().to_vec(),
        imports: blob.imports().iter().map(|name| name.map(<[u8]>::to_vec)).collect(),
        exports: blob.exports().map(|export| (index_of(export.pc), export.name.to_vec())).collect(),
        jump_table: blob.jump_table().iter().map(index_of).collect(),
        instructions,
    }
}

/// Disassembles `blob` into re-assemblable text; when the disassembler accepts the program, the
/// text must assemble into a blob with the same program. Returns the text and the new blob.
pub fn check_round_trip(blob: &ProgramBlob, items: &[ParsedInstruction]) -> Option<(String, ProgramBlob)> {
    // Programs the text cannot express (a label inside a block, an unnamed import, ...) are
    // reported as typed errors.
    let source = blob_to_assembly(blob).ok()?;
    let bytes = asm::assemble(None, &source).unwrap_or_else(|error| panic!("{error}\nsource:\n{source}"));
    let again = ProgramBlob::parse(bytes.into()).expect("assembled blobs parse");
    let again_items: Vec<ParsedInstruction> = again.code_view().instructions().collect();
    assert_eq!(normalise(blob, items), normalise(&again, &again_items), "source:\n{source}");
    Some((source, again))
}
