//! PolkaVM's variable-length u32 (`blob-format.md` §3) and the Graypaper's variable-length
//! natural number used by raw JAM code blobs.
//!
//! PolkaVM varint: the number N of leading one bits of the first byte is the count of extra bytes
//! (0..=4); the remaining low bits of the first byte are the value's high bits and the extra bytes
//! its low bits, little-endian. Only the shortest encoding is accepted.

use alloc::vec::Vec;

/// Decodes a PolkaVM varint at the start of `bytes`: `Some((value, encoded_length))`, or `None` if
/// it is malformed, non-canonical, overflows u32 or is truncated (including an empty slice).
pub fn read_varint(bytes: &[u8]) -> Option<(u32, usize)> {
    let (&first, rest) = bytes.split_first()?;
    let extra = first.leading_ones() as usize;
    if extra > 4 || rest.len() < extra {
        return None;
    }
    let high = u64::from(first) & (0xff >> extra);
    let mut low = 0u64;
    for (index, &byte) in rest[..extra].iter().enumerate() {
        low |= u64::from(byte) << (8 * index);
    }
    let value = (high << (8 * extra)) | low;
    // Canonical: an N-byte tail must be needed, i.e. value >= 2^(7N).
    if extra > 0 && value < (1u64 << (7 * extra)) {
        return None;
    }
    let value = u32::try_from(value).ok()?;
    Some((value, extra + 1))
}

/// Number of bytes [`write_varint`] uses for `value`.
pub const fn varint_length(value: u32) -> usize {
    match value {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        0x4000..=0x1f_ffff => 3,
        0x20_0000..=0x0fff_ffff => 4,
        _ => 5,
    }
}

/// Appends the shortest PolkaVM varint encoding of `value`.
pub fn write_varint(value: u32, out: &mut Vec<u8>) {
    let extra = varint_length(value) - 1;
    let low_bytes = u64::from(value).to_le_bytes();
    let high = if extra == 4 { 0 } else { (value >> (8 * extra)) as u8 };
    let marker = !(0xffu8 >> extra);
    out.push(marker | high);
    out.extend_from_slice(&low_bytes[..extra]);
}

/// Decodes a Graypaper variable-length natural (up to 8 extra bytes, value < 2^64) at the start
/// of `bytes`. Unlike PolkaVM's varint, non-canonical encodings are accepted (the Graypaper
/// defines decoding, not uniqueness). Returns `(value, encoded_length)`.
pub fn read_jam_natural(bytes: &[u8]) -> Option<(u64, usize)> {
    let (&first, rest) = bytes.split_first()?;
    let extra = first.leading_ones() as usize;
    if rest.len() < extra {
        return None;
    }
    let mut low = 0u64;
    for (index, &byte) in rest[..extra].iter().enumerate() {
        low |= u64::from(byte) << (8 * index);
    }
    let value = if extra == 8 {
        low
    } else {
        let high = u64::from(first) & (0xff >> extra);
        (high << (8 * extra)) | low
    };
    Some((value, extra + 1))
}

/// Appends the shortest Graypaper natural encoding of `value`.
pub fn write_jam_natural(value: u64, out: &mut Vec<u8>) {
    let low_bytes = value.to_le_bytes();
    for extra in 0..8usize {
        if value < (1u64 << (7 * (extra + 1))) {
            let marker = !(0xffu8 >> extra);
            let high = (value >> (8 * extra)) as u8;
            out.push(marker | high);
            out.extend_from_slice(&low_bytes[..extra]);
            return;
        }
    }
    out.push(0xff);
    out.extend_from_slice(&low_bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    const EXAMPLES: &[(u32, &[u8])] = &[
        (0, &[0x00]),
        (1, &[0x01]),
        (0x7f, &[0x7f]),
        (0x80, &[0x80, 0x80]),
        (0xff, &[0x80, 0xff]),
        (0x100, &[0x81, 0x00]),
        (0x3fff, &[0xbf, 0xff]),
        (0x4000, &[0xc0, 0x00, 0x40]),
        (0x1f_ffff, &[0xdf, 0xff, 0xff]),
        (0x20_0000, &[0xe0, 0x00, 0x00, 0x20]),
        (0x0fff_ffff, &[0xef, 0xff, 0xff, 0xff]),
        (0x1000_0000, &[0xf0, 0x00, 0x00, 0x00, 0x10]),
        (0x1234_5678, &[0xf0, 0x78, 0x56, 0x34, 0x12]),
        (0xffff_ffff, &[0xf0, 0xff, 0xff, 0xff, 0xff]),
    ];

    #[test]
    fn spec_examples_round_trip() {
        for &(value, bytes) in EXAMPLES {
            let mut out = vec![];
            write_varint(value, &mut out);
            assert_eq!(out, bytes, "encoding {value:#x}");
            assert_eq!(varint_length(value), bytes.len());
            assert_eq!(read_varint(bytes), Some((value, bytes.len())), "decoding {value:#x}");
        }
    }

    #[test]
    fn spec_rejections() {
        for bad in [&[0x80, 0x01][..], &[0x80, 0x00], &[0xc0, 0xff, 0x3f], &[0xf1, 0, 0, 0, 0], &[0xc0, 0x01], &[]] {
            assert_eq!(read_varint(bad), None, "{bad:02x?}");
        }
        for lead in 0xf8..=0xffu8 {
            assert_eq!(read_varint(&[lead, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), None);
        }
    }

    #[test]
    fn every_canonical_length_boundary_round_trips() {
        for shift in 0..32 {
            for value in [(1u32 << shift).wrapping_sub(1), 1u32 << shift, (1u32 << shift) | 1] {
                let mut out = vec![];
                write_varint(value, &mut out);
                assert_eq!(read_varint(&out), Some((value, out.len())));
            }
        }
    }

    #[test]
    fn jam_naturals() {
        for value in [0u64, 1, 127, 128, 0x3fff, 0x4000, 1 << 35, u64::MAX >> 8, u64::MAX - 1, u64::MAX] {
            let mut out = vec![];
            write_jam_natural(value, &mut out);
            assert_eq!(read_jam_natural(&out), Some((value, out.len())), "{value:#x}");
        }
        assert_eq!(read_jam_natural(&[0x80]), None);
    }
}
