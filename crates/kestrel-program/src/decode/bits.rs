//! Word-at-a-time access to the legacy instruction-start bitmask (`blob-format.md` §9.4).
//!
//! Bits at or beyond the code length read as clear and missing bitmask bytes read as zero, so a
//! view over a malformed (too short, or padded) bitmask still decodes deterministically.

/// The instruction-start bits of a legacy code section, limited to `len` bits.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Bits<'a> {
    bytes: &'a [u8],
    len: u32,
}

/// How many bits of a [`Bits::window`] result are meaningful: 8 bytes are loaded and shifted by
/// up to 7 bits, leaving at least 57; callers use at most 56.
pub(crate) const WINDOW_BITS: u32 = 56;

impl<'a> Bits<'a> {
    pub(crate) fn new(bytes: &'a [u8], len: u32) -> Self {
        Bits { bytes, len }
    }

    /// Bit `i` (false past the end).
    #[inline]
    pub(crate) fn get(&self, i: u32) -> bool {
        if i >= self.len {
            return false;
        }
        self.bytes.get((i / 8) as usize).is_some_and(|byte| byte & (1 << (i % 8)) != 0)
    }

    /// Bits `[i, i + 56)` with bit k of the result = bit `i + k`; bits past the end are clear.
    #[inline]
    pub(crate) fn window(&self, i: u32) -> u64 {
        if i >= self.len {
            return 0;
        }
        let word = load_u64(self.bytes, (i / 8) as usize) >> (i % 8);
        let valid = (self.len - i).min(WINDOW_BITS);
        word & ((1u64 << valid) - 1)
    }

    /// The smallest set bit `>= i`, if any.
    pub(crate) fn next_set(&self, mut i: u32) -> Option<u32> {
        while i < self.len {
            let word = self.window(i);
            if word != 0 {
                return Some(i + word.trailing_zeros());
            }
            i = i.saturating_add(WINDOW_BITS);
        }
        None
    }

    /// The largest set bit in `[o - width, o)` (clipped at 0), for `width <= 56`.
    #[inline]
    pub(crate) fn prev_set_within(&self, o: u32, width: u32) -> Option<u32> {
        debug_assert!(width <= WINDOW_BITS);
        let start = o.saturating_sub(width);
        let span = o - start;
        if span == 0 {
            return None;
        }
        let word = self.window(start) & ((1u64 << span) - 1);
        if word == 0 { None } else { Some(start + 63 - word.leading_zeros()) }
    }
}

/// Eight little-endian bytes from `idx`, zero-padded past the end of `bytes`.
#[inline]
fn load_u64(bytes: &[u8], idx: usize) -> u64 {
    if let Some(chunk) = bytes.get(idx..).and_then(|rest| rest.first_chunk::<8>()) {
        return u64::from_le_bytes(*chunk);
    }
    let mut buffer = [0u8; 8];
    for (slot, byte) in buffer.iter_mut().zip(bytes.get(idx..).unwrap_or(&[])) {
        *slot = *byte;
    }
    u64::from_le_bytes(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_next(bits: &Bits<'_>, i: u32) -> Option<u32> {
        (i..bits.len).find(|&k| bits.get(k))
    }

    #[test]
    fn window_and_scans_agree_with_single_bits() {
        let bytes = [0b1000_0001u8, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x01];
        for len in [0u32, 1, 7, 8, 29, 100, 103, 104, 112, 200] {
            let bits = Bits::new(&bytes, len);
            for i in 0..len + 70 {
                assert_eq!(bits.next_set(i), naive_next(&bits, i), "len {len} i {i}");
                for k in 0..WINDOW_BITS {
                    assert_eq!(bits.window(i) >> k & 1 == 1, bits.get(i + k), "len {len} i {i} k {k}");
                }
                for width in [1u32, 24, 25, 56] {
                    let expected = (i.saturating_sub(width)..i).rev().find(|&k| bits.get(k));
                    assert_eq!(bits.prev_set_within(i, width), expected, "len {len} i {i} width {width}");
                }
            }
        }
    }

    #[test]
    fn bits_past_the_length_are_clear() {
        let bits = Bits::new(&[0xff], 3);
        assert!(bits.get(2));
        assert!(!bits.get(3));
        assert_eq!(bits.window(0), 0b111);
        assert_eq!(bits.next_set(3), None);
    }
}
