//! Control-transfer rules on top of the decoder: `instructions.md` §7.3, §7.4, `runtime.md` §13.

mod support;

use kestrel_program::decode::{Code, DynamicJump, RETURN_TO_HOST_ADDRESS, jump_table_index};
use kestrel_program::{InstructionSetKind, ParsedInstruction};
use support::decode::legacy;

use InstructionSetKind::{JamV1, Latest64};

#[test]
fn dynamic_jump_resolution() {
    // Seven one-byte traps: every offset is a valid target. Jump table [6, 5].
    let trap: &[u8] = &[0x00];
    let (bytes, mask) = legacy(&[trap; 7]);
    let code = Code::new(JamV1, &bytes, &mask);
    let targets = code.jump_targets();
    let table = [6u32, 5];
    let resolve = |addr: u32| targets.resolve_dynamic_jump(addr, |k| table.get(k as usize).copied());
    assert_eq!(resolve(0), DynamicJump::Trap);
    assert_eq!(resolve(1), DynamicJump::Trap);
    assert_eq!(resolve(3), DynamicJump::Trap);
    assert_eq!(resolve(2), DynamicJump::Target(6));
    assert_eq!(resolve(4), DynamicJump::Target(5));
    assert_eq!(resolve(6), DynamicJump::Trap, "index 2 is out of range");
    assert_eq!(resolve(0xFFFF_0000), DynamicJump::ReturnToHost);
    assert_eq!(RETURN_TO_HOST_ADDRESS, 0xFFFF_0000);
    assert_eq!(jump_table_index(0xFFFF_0000), Some(0x7FFF_7FFF));

    // An entry that is not a valid jump target traps.
    let (bytes, mask) = legacy(&[&[0x33, 0x07, 0x01], &[0x00]]);
    let code = Code::new(JamV1, &bytes, &mask);
    let targets = code.jump_targets();
    let table = [3u32, 0, 1, 4];
    let resolve = |addr: u32| targets.resolve_dynamic_jump(addr, |k| table.get(k as usize).copied());
    assert_eq!(resolve(2), DynamicJump::Trap, "3 follows load_imm");
    assert_eq!(resolve(4), DynamicJump::Target(0));
    assert_eq!(resolve(6), DynamicJump::Trap, "1 is inside load_imm");
    assert_eq!(resolve(8), DynamicJump::Trap, "4 is the code end");
}

fn first(code: &Code<'_>) -> ParsedInstruction {
    code.decode_at(0)
}

#[test]
fn fallthrough_and_branch_successors_legacy() {
    // fallthrough as the last instruction: its next offset is the code end.
    let (bytes, mask) = legacy(&[&[0x00], &[0x01]]);
    let code = Code::new(JamV1, &bytes, &mask);
    let targets = code.jump_targets();
    assert!(!targets.is_fallthrough_target_usable(2));
    assert!(!code.is_fallthrough_target_usable(2));
    assert!(targets.is_fallthrough_target_usable(1) && code.is_fallthrough_target_usable(1));
    assert!(!targets.has_valid_static_successors(&code.decode_at(1)));
    assert!(targets.has_valid_static_successors(&code.decode_at(0)));

    // branch_eq a0, a1 → 0 as the last instruction: traps whether or not it would be taken.
    let (bytes, mask) = legacy(&[&[0x00], &[0xAA, 0x87, 0xFF]]);
    let code = Code::new(JamV1, &bytes, &mask);
    let targets = code.jump_targets();
    let branch = code.decode_at(1);
    assert_eq!(branch.instruction.args.target(), Some(0));
    assert!(!targets.has_valid_static_successors(&branch));

    // The same branch followed by a trap is fine; pointing into an instruction is not.
    let (bytes, mask) = legacy(&[&[0x00], &[0xAA, 0x87, 0xFF], &[0x33, 0x07, 0x01], &[0x00]]);
    let code = Code::new(JamV1, &bytes, &mask);
    let targets = code.jump_targets();
    assert!(targets.has_valid_static_successors(&code.decode_at(1)));
    let (bytes, mask) = legacy(&[&[0xAA, 0x87, 0x05], &[0x33, 0x07, 0x01], &[0x00]]);
    let code = Code::new(JamV1, &bytes, &mask);
    assert!(!code.jump_targets().has_valid_static_successors(&first(&code)), "5 is inside load_imm");
    let (bytes, mask) = legacy(&[&[0xAA, 0x87, 0x06], &[0x33, 0x07, 0x01], &[0x00]]);
    let code = Code::new(JamV1, &bytes, &mask);
    assert!(!code.jump_targets().has_valid_static_successors(&first(&code)), "6 follows load_imm");

    // jump / load_imm_and_jump only need their target.
    let (bytes, mask) = legacy(&[&[0x28, 0x02], &[0x00]]);
    let code = Code::new(JamV1, &bytes, &mask);
    assert!(code.jump_targets().has_valid_static_successors(&first(&code)));
    let (bytes, mask) = legacy(&[&[0x28, 0x03], &[0x00]]);
    let code = Code::new(JamV1, &bytes, &mask);
    assert!(!code.jump_targets().has_valid_static_successors(&first(&code)), "3 is the code end");
    let (bytes, mask) = legacy(&[&[0x50, 0x10, 0x04, 0x01], &[0x00]]);
    let code = Code::new(JamV1, &bytes, &mask);
    assert!(!code.jump_targets().has_valid_static_successors(&first(&code)));
    // Dynamic jumps and non-terminators have no static successor rule.
    let (bytes, mask) = legacy(&[&[0x32, 0x00]]);
    let code = Code::new(JamV1, &bytes, &mask);
    assert!(code.jump_targets().has_valid_static_successors(&first(&code)));
}

#[test]
fn fallthrough_successors_latest64() {
    // fallthrough at the end of the code is a terminator ending exactly at the end (allowed by
    // §4.3) but its successor is not usable.
    let bytes = [0x00, 0x01];
    let code = Code::new(Latest64, &bytes, &[]);
    let targets = code.jump_targets();
    assert!(!targets.has_valid_static_successors(&code.decode_at(1)));
    assert!(!code.is_fallthrough_target_usable(2));
    assert!(code.is_fallthrough_target_usable(1) && targets.is_fallthrough_target_usable(1));
    // A branch (raw 175 branch_eq, L = 5) ending at the code end traps; with a trap after it,
    // it does not.
    let bytes = [0xAF, 0x87, 0x00, 0x00, 0x00, 0x00];
    let code = Code::new(Latest64, &bytes, &[]);
    assert!(!code.jump_targets().has_valid_static_successors(&code.decode_at(0)));
    let bytes = [0xAF, 0x87, 0x00, 0x00, 0x00, 0x00, 0x00];
    let code = Code::new(Latest64, &bytes, &[]);
    assert!(code.jump_targets().has_valid_static_successors(&code.decode_at(0)));
}
