//! Randomised checks of the decoder against straightforward reference implementations written
//! directly from the pseudo-code of `instructions.md` §3.3, §3.6, §4.4 and the rules of §3.4,
//! §4.5, §7.2 (bit-by-bit, no shortcuts), plus internal consistency of every query.

mod support;

use kestrel_program::decode::Code;
use kestrel_program::{InstructionSetKind, Opcode, ParsedInstruction};
use support::rng::Rng;

use InstructionSetKind::{JamV1, Latest32, Latest64, ReviveV1};

type Item = (u32, u32, Opcode);

// ---------------------------------------------------------------------------------------------
// Reference: legacy

struct LegacyRef<'a> {
    isa: InstructionSetKind,
    code: &'a [u8],
    mask: &'a [u8],
}

impl LegacyRef<'_> {
    fn len(&self) -> u32 {
        self.code.len() as u32
    }

    fn bit(&self, i: u32) -> bool {
        i < self.len() && self.mask.get(i as usize / 8).is_some_and(|b| b >> (i % 8) & 1 == 1)
    }

    fn next_set_or_len(&self, from: u32) -> u32 {
        (from..self.len()).find(|&i| self.bit(i)).unwrap_or(self.len())
    }

    fn opcode(&self, pos: u32) -> Opcode {
        Opcode::from_legacy_byte(self.isa, self.code[pos as usize]).unwrap_or(Opcode::Invalid)
    }

    /// §3.3 pseudo-code, with §3.6.
    fn items(&self) -> Vec<Item> {
        let len = self.len();
        let mut out = Vec::new();
        let mut pos = 0;
        if len > 0 && !self.bit(0) {
            let j = self.next_set_or_len(0);
            out.push((0, j, Opcode::Invalid));
            pos = j;
        }
        let mut last_is_falling_instruction = false;
        while pos < len {
            let skip = (self.next_set_or_len(pos + 1) - (pos + 1)).min(24);
            let opcode = self.opcode(pos);
            out.push((pos, skip + 1, opcode));
            last_is_falling_instruction = opcode != Opcode::Invalid && opcode.can_fall_through();
            let next = pos + skip + 1;
            if skip == 24 && pos % 8 == 7 && pos + 32 > len && next < len && self.bit(next) {
                out.push((next, 0, Opcode::Invalid));
            }
            let gap = next < len && !self.bit(next);
            pos = next;
            if gap {
                let j = self.next_set_or_len(pos);
                out.push((pos, j - pos, Opcode::Invalid));
                last_is_falling_instruction = false;
                pos = j;
            }
        }
        if last_is_falling_instruction {
            out.push((len, 1, Opcode::Invalid));
        }
        out
    }

    /// §7.2 legacy, probing bits one by one.
    fn is_valid_jump_target(&self, o: u32) -> bool {
        let boundary = o < self.len()
            && (o == 0 || self.bit(o) || (o >= 25 && self.bit(o - 25) && !(o - 24..o).any(|i| self.bit(i))));
        if !boundary {
            return false;
        }
        match (o.saturating_sub(25)..o).rev().find(|&i| self.bit(i)) {
            None => true,
            Some(p) => self.opcode(p).ends_block(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reference: Latest64

/// §4.4 pseudo-code.
fn latest64_items(code: &[u8]) -> Vec<(Item, bool)> {
    let len = code.len() as u32;
    let byte = |i: u32| code.get(i as usize).copied().unwrap_or(0);
    let mut out = Vec::new();
    let mut start = 0;
    while start < len {
        let end = (start + 1024).min(len);
        let mut pos = start;
        while pos < end {
            let (raw, oplen) =
                if byte(pos) != 0xFF { (u16::from(byte(pos)), 1) } else { (255 + u16::from(byte(pos + 1)), 2) };
            let (mut opcode, mut length) = match Opcode::from_latest64_raw(raw) {
                Some((opcode, arg_len)) => (opcode, oplen + u32::from(arg_len)),
                None => (Opcode::Invalid, oplen),
            };
            if pos + length >= end {
                if pos + length > end || !opcode.ends_block() {
                    opcode = Opcode::Invalid;
                }
                length = end - pos;
            }
            out.push(((pos, length, opcode), opcode.ends_block()));
            pos += length;
        }
        start = end;
    }
    out
}

fn latest64_valid_targets(items: &[(Item, bool)], len: u32) -> Vec<u32> {
    let mut targets = Vec::new();
    for (index, ((offset, _, _), _)) in items.iter().enumerate() {
        let previous_ends = index == 0 || items[index - 1].1;
        if *offset < len && (offset % 1024 == 0 || previous_ends) {
            targets.push(*offset);
        }
    }
    targets
}

// ---------------------------------------------------------------------------------------------
// Checks shared by both encodings

fn triple(item: &ParsedInstruction) -> Item {
    (item.offset, item.length, item.instruction.opcode)
}

fn check(code: &Code<'_>, expected_items: &[Item], expected_targets: &[u32], rng: &mut Rng, what: &str) {
    let len = code.len();
    let linear: Vec<ParsedInstruction> = code.instructions().collect();
    let got: Vec<Item> = linear.iter().map(triple).collect();
    assert_eq!(got, expected_items, "{what}: items");

    // Tiling: starts at 0, consecutive, ends at len (plus the optional implicit item).
    let mut cursor = 0;
    for (index, item) in linear.iter().enumerate() {
        assert_eq!(item.offset, cursor, "{what}: gap before item {index}");
        assert_eq!(item.instruction.args.format(), item.instruction.opcode.format(), "{what}");
        if item.offset == len {
            assert_eq!((item.length, index + 1), (1, linear.len()), "{what}: implicit item must be last");
            assert!(!code.isa().is_extended());
            break;
        }
        cursor = item.next_offset();
        assert!(cursor <= len, "{what}: item overruns the code");
        if item.length == 0 {
            assert!(!code.isa().is_extended() && item.instruction.opcode == Opcode::Invalid);
        }
    }
    assert_eq!(cursor, len, "{what}: items do not reach the end");

    // Boundaries, decode_at, next_boundary_after.
    let starts: Vec<u32> = linear.iter().map(|item| item.offset).filter(|&o| o < len).collect();
    let boundaries = code.instruction_boundaries();
    let probes = probe_offsets(len, rng);
    for &o in &probes {
        let is_start = starts.binary_search(&o).is_ok();
        assert_eq!(code.is_instruction_boundary(o), is_start, "{what}: boundary {o}");
        assert_eq!(boundaries.contains(o), is_start, "{what}: boundary set {o}");
        let item = code.decode_at(o);
        if is_start {
            let expected = linear.iter().find(|item| item.offset == o && item.length > 0).expect("start has an item");
            assert_eq!(item, *expected, "{what}: decode_at({o})");
        } else {
            assert_eq!(item.instruction.opcode, Opcode::Invalid, "{what}: decode_at({o})");
            if o < len {
                let next = starts.get(starts.partition_point(|&s| s <= o)).copied().unwrap_or(len);
                assert_eq!((item.offset, item.length), (o, next - o), "{what}: off-boundary decode_at({o})");
                assert_eq!(code.next_boundary_after(o), next, "{what}: next boundary after {o}");
            }
        }
    }

    // Valid jump targets, three ways.
    let targets = code.jump_targets();
    assert_eq!(targets.iter().collect::<Vec<_>>(), expected_targets, "{what}: jump_targets");
    for &o in &probes {
        assert_eq!(code.is_valid_jump_target(o), expected_targets.binary_search(&o).is_ok(), "{what}: target {o}");
        assert_eq!(code.is_fallthrough_target_usable(o), targets.is_fallthrough_target_usable(o), "{what}: {o}");
        let block_start = expected_targets.partition_point(|&t| t <= o).checked_sub(1).map(|k| expected_targets[k]);
        assert_eq!(targets.block_start_of(o), block_start, "{what}: block_start_of({o})");
    }
    for item in &linear {
        // Must not panic; the answer is covered by the targeted tests.
        let _ = targets.has_valid_static_successors(item);
    }

    // Basic blocks from every valid target.
    for &start in expected_targets {
        let block: Vec<ParsedInstruction> = code.basic_block(start).collect();
        let from = linear.partition_point(|item| item.offset < start);
        let from = from + usize::from(linear[from].length == 0);
        assert_eq!(linear[from].offset, start, "{what}: target {start} is a start");
        let end = linear[from..].iter().position(|item| item.instruction.ends_block()).map(|k| from + k + 1);
        let expected = &linear[from..end.unwrap_or(linear.len())];
        assert_eq!(block, expected, "{what}: basic block at {start}");
    }

    // Linear decoding resumed at some boundaries and non-boundaries.
    for _ in 0..8 {
        if len == 0 {
            break;
        }
        let o = rng.below(len as usize) as u32;
        let resumed: Vec<ParsedInstruction> = code.instructions_from(o).collect();
        let (first, rest) = resumed.split_first().expect("non-empty below len");
        assert_eq!(*first, code.decode_at(o), "{what}: instructions_from({o}) first item");
        let next = first.next_offset();
        // After a linear item, continue right after it (this keeps §3.6's zero-length item);
        // after an off-boundary item, continue at the next real item.
        let from = match linear.iter().position(|item| item == first) {
            Some(index) => Some(index + 1),
            None => linear.iter().position(|item| item.offset == next && item.length > 0 && next < len),
        };
        match from {
            Some(from) => assert_eq!(rest, &linear[from..], "{what}: instructions_from({o})"),
            None => assert!(rest.iter().all(|item| item.offset >= len), "{what}: instructions_from({o}) tail"),
        }
    }

    let first_invalid = expected_items.iter().find(|item| item.2 == Opcode::Invalid).map(|item| item.0);
    assert_eq!(code.first_invalid(), first_invalid, "{what}: first_invalid");
}

/// Offsets to probe one by one: all of them for short code; for long code (each query may walk
/// a whole Latest64 macro block) the neighbourhoods of macro-block ends plus a random sample.
fn probe_offsets(len: u32, rng: &mut Rng) -> Vec<u32> {
    if len <= 700 {
        return (0..len + 3).collect();
    }
    let mut probes: Vec<u32> = (0..len + 3).filter(|o| o % 1024 < 40 || o % 1024 > 1000 || *o + 40 > len).collect();
    probes.extend((0..300).map(|_| rng.below(len as usize) as u32));
    probes.sort_unstable();
    probes.dedup();
    probes
}

// ---------------------------------------------------------------------------------------------
// Generators

fn random_legacy_case(rng: &mut Rng) -> (Vec<u8>, Vec<u8>) {
    let len = match rng.below(4) {
        0 => rng.below(8),
        1 => rng.below(40),
        _ => rng.below(300),
    };
    let code: Vec<u8> = (0..len)
        .map(|_| match rng.below(4) {
            // Bias towards a few structurally interesting opcodes.
            0 => [0x00, 0x01, 0x28, 0x32, 0x33, 0xAA, 0x51, 0x14][rng.below(8)],
            _ => rng.next() as u8,
        })
        .collect();
    let density = [0, 2, 8, 30, 60, 100][rng.below(6)];
    let mut mask = vec![0u8; len.div_ceil(8)];
    for i in 0..len {
        if rng.below(100) < density {
            mask[i / 8] |= 1 << (i % 8);
        }
    }
    // Inject §3.6 patterns: instruction at 8k+7, 24 clear bits, a set bit at 8k+32, code ending
    // 26..=31 bytes after the instruction.
    if len >= 40 && rng.chance(1, 3) {
        let pos = rng.below((len - 33) / 8 + 1) * 8 + 7;
        let new_len = pos + 26 + rng.below(6);
        if new_len <= len {
            let mut code = code;
            code.truncate(new_len);
            mask.truncate(new_len.div_ceil(8));
            for i in pos + 1..pos + 25 {
                mask[i / 8] &= !(1 << (i % 8));
            }
            mask[pos / 8] |= 1 << (pos % 8);
            mask[(pos + 25) / 8] |= 1 << ((pos + 25) % 8);
            clear_padding(&mut mask, new_len);
            return (code, mask);
        }
    }
    // Sometimes leave junk in the padding bits or shorten the bitmask.
    match rng.below(8) {
        0 => {
            if let Some(last) = mask.last_mut() {
                *last |= rng.next() as u8;
            }
        }
        1 => mask.truncate(mask.len() / 2),
        _ => clear_padding(&mut mask, len),
    }
    (code, mask)
}

fn clear_padding(mask: &mut [u8], len: usize) {
    if !len.is_multiple_of(8)
        && let Some(last) = mask.last_mut()
    {
        *last &= (1u8 << (len % 8)) - 1;
    }
}

fn random_latest64_case(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(4) {
        0 => rng.below(16),
        1 => rng.below(200),
        _ => rng.below(2600),
    };
    (0..len)
        .map(|_| match rng.below(8) {
            0 => 0xFF,
            1 => [0x00, 0x01, 0x02, 0xD9, 0xF0, 0xFE, 0x3A, 0xED][rng.below(8)],
            _ => rng.next() as u8,
        })
        .collect()
}

#[test]
fn legacy_decoding_matches_the_reference() {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let mut quirks = 0;
    let mut implicit = 0;
    let mut gaps = 0;
    for case in 0..1500 {
        let (code, mask) = random_legacy_case(&mut rng);
        for isa in [ReviveV1, JamV1, Latest32] {
            let reference = LegacyRef { isa, code: &code, mask: &mask };
            let expected = reference.items();
            quirks += expected.iter().filter(|item| item.1 == 0).count();
            implicit += expected.iter().filter(|item| item.0 == code.len() as u32).count();
            gaps += expected.windows(2).filter(|w| w[0].1 == 25 && w[1].2 == Opcode::Invalid && w[1].1 > 0).count();
            let targets: Vec<u32> = (0..code.len() as u32 + 3).filter(|&o| reference.is_valid_jump_target(o)).collect();
            let view = Code::new(isa, &code, &mask);
            check(
                &view,
                &expected,
                &targets,
                &mut rng,
                &format!("case {case} {isa} code {code:02X?} mask {mask:02X?}"),
            );
        }
    }
    // The generator must actually reach the interesting paths.
    assert!(quirks > 50 && implicit > 100 && gaps > 100, "quirks {quirks} implicit {implicit} gaps {gaps}");
}

#[test]
fn latest64_decoding_matches_the_reference() {
    let mut rng = Rng::new(0xD1B5_4A32_D192_ED03);
    let mut prefixed = 0;
    let mut overhangs = 0;
    for case in 0..400 {
        let code = random_latest64_case(&mut rng);
        let expected = latest64_items(&code);
        let len = code.len() as u32;
        let targets = latest64_valid_targets(&expected, len);
        prefixed += expected
            .iter()
            .filter(|((offset, _, op), _)| code[*offset as usize] == 0xFF && *op != Opcode::Invalid)
            .count();
        overhangs += expected.iter().filter(|((offset, length, _), _)| (offset + length) % 1024 == 0).count();
        let items: Vec<Item> = expected.into_iter().map(|(item, _)| item).collect();
        // A bitmask must be ignored.
        let junk = vec![0xA5u8; code.len().div_ceil(8)];
        let view = Code::new(Latest64, &code, &junk);
        check(&view, &items, &targets, &mut rng, &format!("case {case} code {code:02X?}"));
    }
    assert!(prefixed > 100 && overhangs > 100, "prefixed {prefixed} overhangs {overhangs}");
}
