//! A cheaply clonable, shareable byte slice.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::{Deref, Range};

/// An immutable byte buffer that can be sliced and cloned without copying.
#[derive(Clone)]
pub struct ArcBytes {
    data: Arc<[u8]>,
    range: Range<usize>,
}

impl ArcBytes {
    /// An empty buffer.
    pub fn empty() -> Self {
        ArcBytes::from(Vec::new())
    }

    /// A sub-slice sharing the same allocation; `None` if `range` is out of bounds.
    pub fn subslice(&self, range: Range<usize>) -> Option<ArcBytes> {
        let len = self.range.len();
        if range.start > range.end || range.end > len {
            return None;
        }
        let start = self.range.start + range.start;
        Some(ArcBytes { data: Arc::clone(&self.data), range: start..start + range.len() })
    }
}

impl Deref for ArcBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data[self.range.clone()]
    }
}

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl core::fmt::Debug for ArcBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ArcBytes({} bytes)", self.len())
    }
}

impl PartialEq for ArcBytes {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for ArcBytes {}

impl From<Vec<u8>> for ArcBytes {
    fn from(data: Vec<u8>) -> Self {
        let len = data.len();
        ArcBytes { data: data.into(), range: 0..len }
    }
}

impl From<&[u8]> for ArcBytes {
    fn from(data: &[u8]) -> Self {
        ArcBytes { data: data.into(), range: 0..data.len() }
    }
}

impl From<Arc<[u8]>> for ArcBytes {
    fn from(data: Arc<[u8]>) -> Self {
        let len = data.len();
        ArcBytes { data, range: 0..len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subslices_share_and_check_bounds() {
        let bytes = ArcBytes::from(alloc::vec![1, 2, 3, 4, 5]);
        let middle = bytes.subslice(1..4).unwrap();
        assert_eq!(&*middle, &[2, 3, 4]);
        assert_eq!(&*middle.subslice(1..2).unwrap(), &[3]);
        assert!(middle.subslice(2..5).is_none());
        #[allow(clippy::reversed_empty_ranges, reason = "testing the reversed-range check")]
        let reversed = middle.subslice(2..1);
        assert!(reversed.is_none());
    }
}
