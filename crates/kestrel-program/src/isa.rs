//! The four instruction sets of PolkaVM 0.37 and the facts each one fixes.

use core::fmt;

/// Which instruction set a program is written in (selected by the blob's version byte).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum InstructionSetKind {
    /// Version byte 0: 64-bit, legacy (bitmask) encoding, pallet-revive's set.
    ReviveV1,
    /// Version byte 3: 64-bit, legacy encoding, the Graypaper's set; validated at module creation.
    JamV1,
    /// Version byte 1: 32-bit registers, legacy encoding.
    Latest32,
    /// Version byte 2: 64-bit, extended encoding (length fixed by opcode, 1024-byte macro blocks).
    Latest64,
}

impl InstructionSetKind {
    /// All instruction sets, in declaration order.
    pub const ALL: [InstructionSetKind; 4] = [Self::ReviveV1, Self::JamV1, Self::Latest32, Self::Latest64];

    /// The instruction set selected by a blob's version byte, if the byte is known.
    pub const fn from_version_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::ReviveV1),
            1 => Some(Self::Latest32),
            2 => Some(Self::Latest64),
            3 => Some(Self::JamV1),
            _ => None,
        }
    }

    /// The version byte written into a blob header for this instruction set.
    pub const fn version_byte(self) -> u8 {
        match self {
            Self::ReviveV1 => 0,
            Self::Latest32 => 1,
            Self::Latest64 => 2,
            Self::JamV1 => 3,
        }
    }

    /// The name used by `%isa = ...` and in tool output.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ReviveV1 => "revive_v1",
            Self::JamV1 => "jam_v1",
            Self::Latest32 => "latest32",
            Self::Latest64 => "latest64",
        }
    }

    /// Parses a name as printed by [`InstructionSetKind::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|isa| isa.name() == name)
    }

    /// Whether registers are 64 bits wide (false only for Latest32).
    pub const fn is_64_bit(self) -> bool {
        !matches!(self, Self::Latest32)
    }

    /// Whether the code uses the extended (Latest64) encoding instead of code + bitmask.
    pub const fn is_extended(self) -> bool {
        matches!(self, Self::Latest64)
    }

    /// Index of this set in per-ISA tables (declaration order).
    pub const fn index(self) -> usize {
        match self {
            Self::ReviveV1 => 0,
            Self::JamV1 => 1,
            Self::Latest32 => 2,
            Self::Latest64 => 3,
        }
    }
}

impl fmt::Display for InstructionSetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_bytes_round_trip() {
        for isa in InstructionSetKind::ALL {
            assert_eq!(InstructionSetKind::from_version_byte(isa.version_byte()), Some(isa));
            assert_eq!(InstructionSetKind::from_name(isa.name()), Some(isa));
        }
        assert_eq!(InstructionSetKind::from_version_byte(3), Some(InstructionSetKind::JamV1));
        assert_eq!(InstructionSetKind::from_version_byte(4), None);
    }
}
