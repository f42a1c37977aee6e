//! Instruction decoding for the legacy (bitmask) and extended (Latest64) encodings, instruction
//! boundaries and valid jump targets (`instructions.md` §2–§4, §7). Owner: decoder helper.
//!
//! CONTRACT (other modules rely on these signatures):
//! - `Code::new(isa, code: &[u8], bitmask: &[u8]) -> Code<'_>` (bitmask ignored for Latest64)
//! - `Code::instructions(&self) -> impl Iterator<Item = ParsedInstruction>` — linear decode from 0,
//!   including `invalid` items and the legacy implicit end trap
//! - `Code::decode_at(&self, offset: u32) -> ParsedInstruction` (an `invalid` item off-boundary)
//! - `Code::is_instruction_boundary(&self, offset: u32) -> bool`
//! - `Code::is_valid_jump_target(&self, offset: u32) -> bool`
//! - `Code::jump_targets(&self) -> JumpTargets` — bitset of all valid jump targets, one pass
