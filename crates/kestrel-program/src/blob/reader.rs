//! A cursor over a byte buffer that reports failures the way PolkaVM's parser does.

use core::ops::Range;

use super::error::ParseError;
use crate::varint::{read_jam_natural, read_varint};

/// Reads forward through `bytes`; error offsets are positions within `bytes`.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, position: 0 }
    }

    pub(crate) fn at(bytes: &'a [u8], position: usize) -> Self {
        Reader { bytes, position }
    }

    pub(crate) fn position(&self) -> usize {
        self.position
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.position)
    }

    fn unexpected_end(&self, need: usize) -> ParseError {
        ParseError::UnexpectedEnd { offset: self.position, need, have: self.remaining() }
    }

    /// Consumes `length` bytes and returns their range within the buffer.
    pub(crate) fn read_range(&mut self, length: usize) -> Result<Range<usize>, ParseError> {
        if length > self.remaining() {
            return Err(self.unexpected_end(length));
        }
        let start = self.position;
        self.position += length;
        Ok(start..self.position)
    }

    pub(crate) fn read_slice(&mut self, length: usize) -> Result<&'a [u8], ParseError> {
        let range = self.read_range(length)?;
        Ok(self.bytes.get(range).unwrap_or_default())
    }

    pub(crate) fn read_u8(&mut self) -> Result<u8, ParseError> {
        match self.read_slice(1)? {
            [byte] => Ok(*byte),
            _ => Err(self.unexpected_end(1)),
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.position..).unwrap_or_default()
    }

    /// A PolkaVM varint (§3): a missing first byte is an unexpected end, anything else that goes
    /// wrong is a varint error at the first byte.
    pub(crate) fn read_varint(&mut self) -> Result<u32, ParseError> {
        if self.remaining() == 0 {
            return Err(self.unexpected_end(1));
        }
        let (value, length) = read_varint(self.rest()).ok_or(ParseError::BadVarint { offset: self.position })?;
        self.position += length;
        Ok(value)
    }

    /// A Graypaper variable-length natural, reported like a varint on failure.
    pub(crate) fn read_jam_natural(&mut self) -> Result<u64, ParseError> {
        if self.remaining() == 0 {
            return Err(self.unexpected_end(1));
        }
        let (value, length) = read_jam_natural(self.rest()).ok_or(ParseError::BadVarint { offset: self.position })?;
        self.position += length;
        Ok(value)
    }

    /// Reads a varint length and then that many bytes.
    pub(crate) fn read_length_prefixed(&mut self) -> Result<Range<usize>, ParseError> {
        let length = self.read_varint()?;
        self.read_range(length as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_position() {
        let mut reader = Reader::new(&[0x05, 0xc0, 0x01]);
        assert_eq!(reader.read_u8(), Ok(5));
        assert_eq!(reader.read_varint(), Err(ParseError::BadVarint { offset: 1 }));
        assert_eq!(reader.read_range(3), Err(ParseError::UnexpectedEnd { offset: 1, need: 3, have: 2 }));
        assert_eq!(reader.read_range(2), Ok(1..3));
        assert_eq!(reader.read_varint(), Err(ParseError::UnexpectedEnd { offset: 3, need: 1, have: 0 }));
        assert_eq!(reader.read_u8(), Err(ParseError::UnexpectedEnd { offset: 3, need: 1, have: 0 }));
    }
}
