//! Lazy views of the jump table (§9.3), the imports (§7) and the exports (§8).

use crate::varint::read_varint;

/// The jump table: `count` entries of `entry_size` little-endian bytes each.
///
/// An entry size of 0 means the table has **no usable entries**, whatever the declared count
/// (quirk Q6).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct JumpTable<'a> {
    bytes: &'a [u8],
    entry_size: u8,
    declared_count: u32,
}

impl<'a> JumpTable<'a> {
    /// A view of `bytes` (expected to be `declared_count × entry_size` long; entries that do not
    /// fit are reported as absent, never read out of bounds).
    pub fn new(bytes: &'a [u8], entry_size: u8, declared_count: u32) -> Self {
        JumpTable { bytes, entry_size, declared_count }
    }

    /// The number of usable entries: the declared count, or 0 if the entry size is 0.
    pub fn len(&self) -> u32 {
        if self.entry_size == 0 { 0 } else { self.declared_count }
    }

    /// Whether there are no usable entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry size Z in bytes (0..=4).
    pub fn entry_size(&self) -> u8 {
        self.entry_size
    }

    /// The count J as written in the blob (may be non-zero while [`JumpTable::len`] is 0).
    pub fn declared_count(&self) -> u32 {
        self.declared_count
    }

    /// The raw table bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Entry `index` (a code offset), zero-extended from `entry_size` bytes.
    pub fn get(&self, index: u32) -> Option<u32> {
        if index >= self.len() {
            return None;
        }
        let size = usize::from(self.entry_size);
        let start = (index as usize).checked_mul(size)?;
        let entry = self.bytes.get(start..start.checked_add(size)?)?;
        Some(entry.iter().rev().fold(0u32, |value, &byte| (value << 8) | u32::from(byte)))
    }

    /// All usable entries in order.
    pub fn iter(&self) -> JumpTableIter<'a> {
        JumpTableIter { table: *self, index: 0 }
    }
}

impl<'a> IntoIterator for JumpTable<'a> {
    type Item = u32;
    type IntoIter = JumpTableIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over [`JumpTable`] entries.
#[derive(Clone, Debug)]
pub struct JumpTableIter<'a> {
    table: JumpTable<'a>,
    index: u32,
}

impl Iterator for JumpTableIter<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let entry = self.table.get(self.index)?;
        self.index += 1;
        Some(entry)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.table.len().saturating_sub(self.index) as usize;
        (0, Some(left))
    }
}

/// The imports: `len()` u32 offsets into a symbol blob.
///
/// Import `i`'s name is `symbols[offset[i]..offset[i + 1]]` (the last one ends at the end of the
/// symbols). A reversed or out-of-bounds range makes that import *invalid* ([`Imports::get`]
/// returns `None`); this is not a parse error.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Imports<'a> {
    offsets: &'a [u8],
    symbols: &'a [u8],
}

impl<'a> Imports<'a> {
    /// A view over raw offsets (4 bytes per import, LE) and the symbol blob.
    pub fn new(offsets: &'a [u8], symbols: &'a [u8]) -> Self {
        Imports { offsets, symbols }
    }

    /// The number of imports (valid or not).
    pub fn len(&self) -> u32 {
        (self.offsets.len() / 4) as u32
    }

    /// Whether there are no imports at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn offset(&self, index: u32) -> Option<usize> {
        let start = (index as usize).checked_mul(4)?;
        let bytes: [u8; 4] = self.offsets.get(start..start.checked_add(4)?)?.try_into().ok()?;
        Some(u32::from_le_bytes(bytes) as usize)
    }

    /// The name of import `index`, or `None` if there is no such import or it is invalid.
    pub fn get(&self, index: u32) -> Option<&'a [u8]> {
        let start = self.offset(index)?;
        let end = match index.checked_add(1) {
            Some(next) if next < self.len() => self.offset(next)?,
            _ => self.symbols.len(),
        };
        self.symbols.get(start..end)
    }

    /// Every import in order, `None` for the invalid ones.
    pub fn iter(&self) -> ImportsIter<'a> {
        ImportsIter { imports: *self, index: 0 }
    }

    /// The raw symbol blob.
    pub fn symbols(&self) -> &'a [u8] {
        self.symbols
    }
}

impl<'a> IntoIterator for Imports<'a> {
    type Item = Option<&'a [u8]>;
    type IntoIter = ImportsIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over [`Imports`]; yields `None` for invalid entries.
#[derive(Clone, Debug)]
pub struct ImportsIter<'a> {
    imports: Imports<'a>,
    index: u32,
}

impl<'a> Iterator for ImportsIter<'a> {
    type Item = Option<&'a [u8]>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.index >= self.imports.len() {
            return None;
        }
        let item = self.imports.get(self.index);
        self.index += 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.imports.len().saturating_sub(self.index) as usize;
        (left, Some(left))
    }
}

/// An exported entry point.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Export<'a> {
    /// The code offset the export points to (not validated by the parser).
    pub pc: u32,
    /// The export's name, raw bytes.
    pub name: &'a [u8],
}

/// The exports, decoded lazily from the raw section payload.
///
/// The first step reads the count; every step reads one entry. Any decoding failure silently
/// ends the iteration (quirk Q9), and bytes after the last entry are ignored.
#[derive(Clone, Debug)]
pub struct Exports<'a> {
    bytes: &'a [u8],
    position: usize,
    /// `None` until the count has been read.
    left: Option<u32>,
}

impl<'a> Exports<'a> {
    /// An iterator over a raw exports payload.
    pub fn new(bytes: &'a [u8]) -> Self {
        Exports { bytes, position: 0, left: None }
    }

    fn read_varint(&mut self) -> Option<u32> {
        let (value, length) = read_varint(self.bytes.get(self.position..)?)?;
        self.position += length;
        Some(value)
    }

    fn stop(&mut self) -> Option<Export<'a>> {
        self.left = Some(0);
        None
    }
}

impl<'a> Iterator for Exports<'a> {
    type Item = Export<'a>;

    fn next(&mut self) -> Option<Export<'a>> {
        let left = match self.left {
            Some(left) => left,
            None => match self.read_varint() {
                Some(count) => count,
                None => return self.stop(),
            },
        };
        if left == 0 {
            return self.stop();
        }
        let Some(pc) = self.read_varint() else { return self.stop() };
        let Some(name_length) = self.read_varint() else { return self.stop() };
        let start = self.position;
        let Some(name) = start.checked_add(name_length as usize).and_then(|end| self.bytes.get(start..end)) else {
            return self.stop();
        };
        self.position += name.len();
        self.left = Some(left - 1);
        Some(Export { pc, name })
    }
}

impl core::iter::FusedIterator for Exports<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn jump_table_entries_are_little_endian_and_zero_size_means_empty() {
        let table = JumpTable::new(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06], 3, 2);
        assert_eq!(table.len(), 2);
        assert_eq!(table.get(0), Some(0x030201));
        assert_eq!(table.get(1), Some(0x060504));
        assert_eq!(table.get(2), None);
        assert_eq!(table.iter().collect::<Vec<_>>(), [0x030201, 0x060504]);

        let empty = JumpTable::new(&[], 0, 16 * 1024 * 1024);
        assert_eq!((empty.len(), empty.declared_count(), empty.get(0)), (0, 16 * 1024 * 1024, None));
        assert_eq!(empty.iter().count(), 0);

        // A view whose bytes are short never reads out of bounds.
        let short = JumpTable::new(&[1, 2, 3], 4, 1);
        assert_eq!(short.get(0), None);
    }

    #[test]
    fn invalid_imports_are_none() {
        let mut offsets = Vec::new();
        for offset in [0u32, 5, 2] {
            offsets.extend_from_slice(&offset.to_le_bytes());
        }
        let imports = Imports::new(&offsets, b"abc");
        assert_eq!(imports.len(), 3);
        assert_eq!(imports.iter().collect::<Vec<_>>(), [None, None, Some(&b"c"[..])]);
        assert_eq!(imports.get(3), None);
    }

    #[test]
    fn exports_stop_at_the_first_malformed_entry() {
        // count 3: (0, "ab"), (0x80, "c"), then a truncated name.
        let bytes = [0x03, 0x00, 0x02, b'a', b'b', 0x80, 0x80, 0x01, b'c', 0x05, 0x09, b'x'];
        let exports: Vec<_> = Exports::new(&bytes).collect();
        assert_eq!(exports, [Export { pc: 0, name: b"ab" }, Export { pc: 0x80, name: b"c" }]);
        assert_eq!(Exports::new(&[]).count(), 0);
        assert_eq!(Exports::new(&[0x80, 0x01]).count(), 0);
        // Trailing bytes after the declared count are ignored.
        assert_eq!(Exports::new(&[0x01, 0x07, 0x00, 0xff, 0xff]).collect::<Vec<_>>(), [Export { pc: 7, name: b"" }]);
    }
}
