//! Encoding single instructions for each instruction set (`instructions.md` §2, §8), byte-identical
//! to PolkaVM 0.37's writer.
//!
//! CONTRACT: `Instruction::encode(&self, isa, pc: u32, out: &mut Vec<u8>) -> Result<(), EncodeError>`
//! writes the minimal encoding (legacy) or the smallest raw opcode that fits (Latest64); targets are
//! absolute code offsets and are written relative to `pc`.
//!
//! Rules implemented here:
//! - every immediate takes the fewest bytes whose sign extension gives back its 32-bit value
//!   (0 → no bytes), offsets are written as `u32(target − pc)` with the same rule;
//! - legacy: opcode byte + these minimal arguments (the skip is exactly what was written);
//! - Latest64: the raw opcode of the mnemonic with the smallest argument length that fits; spare
//!   bytes widen the first immediate (up to 4 bytes) and then the second one.
//!
//! `Opcode::Invalid` is written as `trap`, like PolkaVM. Kestrel extension: with
//! [`EncodeOptions::invalid_as_undecodable`] it is written as an opcode that decodes back as
//! `invalid` instead ([`LEGACY_UNDECODABLE_OPCODE`] or [`LATEST64_UNDECODABLE_RAW`]), so a decoded
//! program with `invalid` items can be re-encoded faithfully.

use alloc::vec::Vec;

use crate::instruction::{Args, Instruction};
use crate::isa::InstructionSetKind;
use crate::opcode::Opcode;

/// Legacy opcode byte that is unassigned in every legacy instruction set; used for instructions the
/// set lacks (when incompatibility is ignored) and for undecodable `invalid` items.
pub const LEGACY_UNDECODABLE_OPCODE: u8 = 254;

/// Unassigned Latest64 raw opcode (length 1, ends a basic block) used for undecodable `invalid` items.
pub const LATEST64_UNDECODABLE_RAW: u16 = 240;

/// Longest encoding any instruction set produces (Latest64 `load_imm_and_jump_indirect`: 12 bytes).
pub const MAX_ENCODED_LEN: usize = 16;

/// Knobs that change how instructions are written.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct EncodeOptions {
    /// Write an instruction the set lacks with the opcode byte [`LEGACY_UNDECODABLE_OPCODE`]
    /// (followed by its usual arguments) instead of failing. PolkaVM's
    /// `set_ignore_instruction_set_incompatibility`. Irrelevant for Latest64, which has every mnemonic.
    pub ignore_instruction_set_incompatibility: bool,
    /// Kestrel extension: write `Opcode::Invalid` as an undecodable opcode instead of `trap`.
    pub invalid_as_undecodable: bool,
}

/// Why an instruction could not be encoded.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("the instruction '{opcode}' is not available in the '{isa}' instruction set")]
    NotAvailable { opcode: Opcode, isa: InstructionSetKind },
    #[error("the operands given to '{opcode}' do not match its format")]
    FormatMismatch { opcode: Opcode },
    #[error("the instruction '{opcode}' has no Latest64 encoding with at least {needed} argument bytes")]
    NoLatest64Encoding { opcode: Opcode, needed: usize },
}

/// An encoded instruction held inline (no allocation).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct EncodedInstruction {
    bytes: [u8; MAX_ENCODED_LEN],
    len: u8,
}

impl EncodedInstruction {
    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Number of encoded bytes.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Always false: every instruction takes at least its opcode byte.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, byte: u8) {
        // Capacity is at least the longest encoding of every instruction set.
        if let Some(slot) = self.bytes.get_mut(usize::from(self.len)) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn push_le(&mut self, value: u64, count: u8) {
        for byte in value.to_le_bytes().into_iter().take(usize::from(count)) {
            self.push(byte);
        }
    }
}

/// Fewest bytes (0..=4) whose little-endian sign extension reproduces the 32-bit value.
pub const fn minimal_immediate_len(value: u32) -> u8 {
    let value = value as i32;
    if value == 0 {
        0
    } else if value >= -0x80 && value < 0x80 {
        1
    } else if value >= -0x8000 && value < 0x8000 {
        2
    } else if value >= -0x80_0000 && value < 0x80_0000 {
        3
    } else {
        4
    }
}

/// Operand bytes of an instruction before the immediate lengths are fixed.
struct Fields {
    /// Register (and n1-code) bytes that precede the immediates.
    head: [u8; 2],
    head_len: u8,
    /// Position in `head` of the 3-bit length code of the first immediate, and its bit shift.
    n1_slot: Option<(usize, u8)>,
    imms: [u32; 2],
    lens: [u8; 2],
    imm_count: usize,
    imm64: Option<u64>,
}

impl Fields {
    fn of(args: &Args, pc: u32) -> Fields {
        let mut fields =
            Fields { head: [0; 2], head_len: 0, n1_slot: None, imms: [0; 2], lens: [0; 2], imm_count: 0, imm64: None };
        let pair = |low: crate::reg::Reg, high: crate::reg::Reg| low.index() | (high.index() << 4);
        match *args {
            Args::None => {}
            Args::Imm { imm } => fields.set_imms(&[imm]),
            Args::Offset { target } => fields.set_imms(&[target.wrapping_sub(pc)]),
            Args::RegImm { reg, imm } => {
                fields.set_head(&[reg.index()]);
                fields.set_imms(&[imm]);
            }
            Args::RegImm64 { reg, imm } => {
                fields.set_head(&[reg.index()]);
                fields.imm64 = Some(imm);
            }
            Args::RegImmImm { reg, imm1, imm2 } => {
                fields.set_head(&[reg.index()]);
                fields.n1_slot = Some((0, 4));
                fields.set_imms(&[imm1, imm2]);
            }
            Args::RegImmOffset { reg, imm, target } => {
                fields.set_head(&[reg.index()]);
                fields.n1_slot = Some((0, 4));
                fields.set_imms(&[imm, target.wrapping_sub(pc)]);
            }
            Args::ImmImm { imm1, imm2 } => {
                fields.set_head(&[0]);
                fields.n1_slot = Some((0, 0));
                fields.set_imms(&[imm1, imm2]);
            }
            Args::RegReg { reg1, reg2 } => fields.set_head(&[pair(reg1, reg2)]),
            Args::RegRegImm { reg1, reg2, imm } => {
                fields.set_head(&[pair(reg1, reg2)]);
                fields.set_imms(&[imm]);
            }
            Args::RegRegOffset { reg1, reg2, target } => {
                fields.set_head(&[pair(reg1, reg2)]);
                fields.set_imms(&[target.wrapping_sub(pc)]);
            }
            // The destination sits in the second byte (`instructions.md` §2.3).
            Args::RegRegReg { reg1, reg2, reg3 } => fields.set_head(&[pair(reg2, reg3), reg1.index()]),
            Args::RegRegImmImm { reg1, reg2, imm1, imm2 } => {
                fields.set_head(&[pair(reg1, reg2), 0]);
                fields.n1_slot = Some((1, 0));
                fields.set_imms(&[imm1, imm2]);
            }
        }
        fields
    }

    fn set_head(&mut self, bytes: &[u8]) {
        for (slot, &byte) in self.head.iter_mut().zip(bytes) {
            *slot = byte;
        }
        self.head_len = bytes.len() as u8;
    }

    fn set_imms(&mut self, values: &[u32]) {
        for ((slot, len), &value) in self.imms.iter_mut().zip(self.lens.iter_mut()).zip(values) {
            *slot = value;
            *len = minimal_immediate_len(value);
        }
        self.imm_count = values.len();
    }

    /// Argument bytes with minimal immediates.
    fn minimal_len(&self) -> usize {
        let imm_bytes: usize = self.lens.iter().take(self.imm_count).map(|&len| usize::from(len)).sum();
        usize::from(self.head_len) + imm_bytes + if self.imm64.is_some() { 8 } else { 0 }
    }

    /// Hands `extra` spare bytes to the immediates: the first one grows up to 4 bytes, then the
    /// second. Returns false if they cannot absorb them.
    fn widen(&mut self, extra: usize) -> bool {
        let mut extra = extra;
        for len in self.lens.iter_mut().take(self.imm_count) {
            let grow = extra.min(usize::from(4 - *len));
            *len += grow as u8;
            extra -= grow;
        }
        extra == 0
    }

    fn write(&self, out: &mut EncodedInstruction) {
        let mut head = self.head;
        if let Some((index, shift)) = self.n1_slot
            && let Some(byte) = head.get_mut(index)
        {
            *byte |= self.lens[0] << shift;
        }
        for &byte in head.iter().take(usize::from(self.head_len)) {
            out.push(byte);
        }
        for (&value, &len) in self.imms.iter().zip(&self.lens).take(self.imm_count) {
            out.push_le(u64::from(value), len);
        }
        if let Some(imm64) = self.imm64 {
            out.push_le(imm64, 8);
        }
    }
}

fn push_latest64_raw(raw: u16, out: &mut EncodedInstruction) {
    if raw < 255 {
        out.push(raw as u8);
    } else {
        out.push(0xff);
        out.push((raw - 255) as u8);
    }
}

impl Instruction {
    /// Encodes the instruction at code offset `pc` with default options, appending to `out`.
    pub fn encode(&self, isa: InstructionSetKind, pc: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode_with(isa, pc, EncodeOptions::default(), out)
    }

    /// Encodes the instruction at code offset `pc`, appending to `out`.
    pub fn encode_with(
        &self,
        isa: InstructionSetKind,
        pc: u32,
        options: EncodeOptions,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        out.extend_from_slice(self.encode_inline(isa, pc, options)?.as_bytes());
        Ok(())
    }

    /// Length in bytes of [`Instruction::encode`]'s output at `pc`.
    pub fn encoded_len(&self, isa: InstructionSetKind, pc: u32) -> Result<usize, EncodeError> {
        Ok(self.encode_inline(isa, pc, EncodeOptions::default())?.len())
    }

    /// Encodes the instruction at code offset `pc` without allocating.
    pub fn encode_inline(
        &self,
        isa: InstructionSetKind,
        pc: u32,
        options: EncodeOptions,
    ) -> Result<EncodedInstruction, EncodeError> {
        let opcode = self.opcode;
        if self.args.format() != opcode.format() {
            return Err(EncodeError::FormatMismatch { opcode });
        }
        let mut out = EncodedInstruction { bytes: [0; MAX_ENCODED_LEN], len: 0 };
        if opcode == Opcode::Invalid {
            if !options.invalid_as_undecodable {
                return Instruction { opcode: Opcode::Trap, args: Args::None }.encode_inline(isa, pc, options);
            }
            match isa {
                InstructionSetKind::Latest64 => push_latest64_raw(LATEST64_UNDECODABLE_RAW, &mut out),
                _ => out.push(LEGACY_UNDECODABLE_OPCODE),
            }
            return Ok(out);
        }

        let mut fields = Fields::of(&self.args, pc);
        let needed = fields.minimal_len();
        if isa.is_extended() {
            let encoding = opcode
                .latest64_encodings()
                .iter()
                .find(|encoding| usize::from(encoding.arg_len) >= needed)
                .ok_or(EncodeError::NoLatest64Encoding { opcode, needed })?;
            if !fields.widen(usize::from(encoding.arg_len) - needed) {
                return Err(EncodeError::NoLatest64Encoding { opcode, needed });
            }
            push_latest64_raw(encoding.raw, &mut out);
        } else {
            let byte = match opcode.legacy_byte(isa) {
                Some(byte) => byte,
                None if options.ignore_instruction_set_incompatibility => LEGACY_UNDECODABLE_OPCODE,
                None => return Err(EncodeError::NotAvailable { opcode, isa }),
            };
            out.push(byte);
        }
        fields.write(&mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::Format;
    use alloc::vec;

    #[test]
    fn minimal_immediate_lengths() {
        let cases: &[(i32, u8)] = &[
            (0, 0),
            (1, 1),
            (-1, 1),
            (127, 1),
            (-128, 1),
            (128, 2),
            (-129, 2),
            (0x7fff, 2),
            (-0x8000, 2),
            (0x8000, 3),
            (0x7f_ffff, 3),
            (-0x80_0000, 3),
            (0x80_0000, 4),
            (-0x80_0001, 4),
            (i32::MAX, 4),
            (i32::MIN, 4),
        ];
        for &(value, len) in cases {
            assert_eq!(minimal_immediate_len(value as u32), len, "{value}");
        }
    }

    #[test]
    fn undecodable_opcodes_are_unassigned() {
        for isa in InstructionSetKind::ALL {
            assert_eq!(Opcode::from_legacy_byte(isa, LEGACY_UNDECODABLE_OPCODE), None);
        }
        assert_eq!(Opcode::from_latest64_raw(LATEST64_UNDECODABLE_RAW), None);
    }

    #[test]
    fn every_opcode_has_a_latest64_encoding_for_its_longest_operands() {
        // Largest argument length the minimal encoder can ask for, per format.
        let longest = |format: Format| match format {
            Format::None => 0,
            Format::Imm | Format::Offset => 4,
            Format::RegImm | Format::RegRegImm | Format::RegRegOffset => 5,
            Format::RegImm64 => 9,
            Format::RegImmImm | Format::RegImmOffset | Format::ImmImm => 9,
            Format::RegReg => 1,
            Format::RegRegReg => 2,
            Format::RegRegImmImm => 10,
        };
        for &opcode in Opcode::ALL {
            let max = opcode.latest64_encodings().iter().map(|e| e.arg_len).max().unwrap_or(0);
            assert_eq!(usize::from(max), longest(opcode.format()), "{opcode}");
        }
    }

    #[test]
    fn invalid_is_a_trap_unless_asked_otherwise() {
        let undecodable = EncodeOptions { invalid_as_undecodable: true, ..EncodeOptions::default() };
        for isa in InstructionSetKind::ALL {
            let mut out = vec![];
            Instruction::INVALID.encode(isa, 0, &mut out).unwrap();
            assert_eq!(out, [0]);
            out.clear();
            Instruction::INVALID.encode_with(isa, 0, undecodable, &mut out).unwrap();
            assert_eq!(out, if isa.is_extended() { [240] } else { [254] });
        }
    }

    #[test]
    fn mismatched_operands_are_rejected() {
        let bad = Instruction { opcode: Opcode::Trap, args: Args::Imm { imm: 1 } };
        assert_eq!(
            bad.encoded_len(InstructionSetKind::JamV1, 0),
            Err(EncodeError::FormatMismatch { opcode: Opcode::Trap })
        );
    }
}
