//! Small public types shared by the API: program counters, interrupts, symbols.

use std::fmt;

/// A gas counter; may be negative.
pub type Gas = i64;

/// The value of a register.
pub type RegValue = u64;

/// Put this in `RA` so that the guest's final `ret` finishes execution.
pub const RETURN_TO_HOST: u64 = kestrel_program::decode::RETURN_TO_HOST_ADDRESS as u64;

/// A byte offset into the program's code.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct ProgramCounter(pub u32);

impl fmt::Display for ProgramCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u32> for ProgramCounter {
    fn from(pc: u32) -> Self {
        ProgramCounter(pc)
    }
}

pub use kestrel_program::interrupt::{InterruptKind, MemoryProtection, Segfault};

/// The name of an import or export: raw bytes, usually UTF-8.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct ProgramSymbol<'a>(&'a [u8]);

impl<'a> ProgramSymbol<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        ProgramSymbol(bytes)
    }

    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The symbol as text, if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        std::str::from_utf8(self.0).ok()
    }
}

/// Quoted text (`'name'`), or `0x` and hex digits when the symbol is not UTF-8 (PolkaVM's format).
impl fmt::Display for ProgramSymbol<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(text) => write!(f, "'{text}'"),
            None => {
                f.write_str("0x")?;
                self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
            }
        }
    }
}

impl fmt::Debug for ProgramSymbol<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProgramSymbol({self})")
    }
}

impl PartialEq<str> for ProgramSymbol<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for ProgramSymbol<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

/// An exported entry point of a module.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct ProgramExport<'a> {
    program_counter: ProgramCounter,
    symbol: ProgramSymbol<'a>,
}

impl<'a> ProgramExport<'a> {
    pub fn new(program_counter: ProgramCounter, symbol: ProgramSymbol<'a>) -> Self {
        ProgramExport { program_counter, symbol }
    }

    pub fn program_counter(&self) -> ProgramCounter {
        self.program_counter
    }

    pub fn symbol(&self) -> &ProgramSymbol<'a> {
        &self.symbol
    }
}
