//! The 13 guest registers.

use core::fmt;

/// A guest register. The discriminant is the register's encoding index.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[repr(u8)]
pub enum Reg {
    RA = 0,
    SP = 1,
    T0 = 2,
    T1 = 3,
    T2 = 4,
    S0 = 5,
    S1 = 6,
    A0 = 7,
    A1 = 8,
    A2 = 9,
    A3 = 10,
    A4 = 11,
    A5 = 12,
}

impl Reg {
    /// All registers in encoding order.
    pub const ALL: [Reg; 13] = [
        Reg::RA,
        Reg::SP,
        Reg::T0,
        Reg::T1,
        Reg::T2,
        Reg::S0,
        Reg::S1,
        Reg::A0,
        Reg::A1,
        Reg::A2,
        Reg::A3,
        Reg::A4,
        Reg::A5,
    ];

    /// Registers used for call arguments, in order.
    pub const ARG_REGS: [Reg; 9] = [Reg::A0, Reg::A1, Reg::A2, Reg::A3, Reg::A4, Reg::A5, Reg::T0, Reg::T1, Reg::T2];

    /// Decodes a 4-bit register field. Values 13..=15 clamp to `a5`, as in PolkaVM 0.37.
    pub const fn from_nibble(nibble: u8) -> Reg {
        let index = nibble & 0x0f;
        let index = if index > 12 { 12 } else { index };
        Self::ALL[index as usize]
    }

    /// Register by index, `None` above 12.
    pub const fn from_index(index: u8) -> Option<Reg> {
        if index <= 12 { Some(Self::ALL[index as usize]) } else { None }
    }

    /// The encoding index (0..=12).
    pub const fn index(self) -> u8 {
        self as u8
    }

    /// ABI name (`ra`, `sp`, `t0`, ..., `a5`).
    pub const fn name(self) -> &'static str {
        ["ra", "sp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5"][self as usize]
    }

    /// Numeric name (`r0` ... `r12`).
    pub const fn numeric_name(self) -> &'static str {
        ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12"][self as usize]
    }

    /// Parses an ABI (`a0`) or numeric (`r7`) register name.
    pub fn from_name(name: &str) -> Option<Reg> {
        Self::ALL.into_iter().find(|reg| reg.name() == name || reg.numeric_name() == name)
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nibbles_above_twelve_clamp_to_a5() {
        assert_eq!(Reg::from_nibble(12), Reg::A5);
        assert_eq!(Reg::from_nibble(13), Reg::A5);
        assert_eq!(Reg::from_nibble(15), Reg::A5);
        assert_eq!(Reg::from_nibble(0x17), Reg::A0);
    }

    #[test]
    fn names_round_trip() {
        for reg in Reg::ALL {
            assert_eq!(Reg::from_name(reg.name()), Some(reg));
            assert_eq!(Reg::from_name(reg.numeric_name()), Some(reg));
        }
    }
}
