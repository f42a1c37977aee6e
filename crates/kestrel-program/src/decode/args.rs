//! Operand decoding shared by all instruction sets (`instructions.md` §2.3).
//!
//! Operands are read from a fixed-size window of code bytes starting at the first argument byte.
//! Only the last immediate of a format is limited by the argument length `L`; register nibbles,
//! length codes and the first immediate are read at their fixed positions even when they lie past
//! the instruction (they then belong to the next instruction, or read 0 past the end of code).

use crate::instruction::Args;
use crate::opcode::Format;
use crate::reg::Reg;

/// Bytes in an argument window: enough for every format (the widest reads 10 argument bytes, and
/// Latest64's two-byte opcodes come first).
pub(crate) const WINDOW: usize = 16;

/// `WINDOW` code bytes starting at `start`, zero-padded past the end of `code`.
#[inline]
pub(crate) fn window(code: &[u8], start: u32) -> [u8; WINDOW] {
    let rest = code.get(start as usize..).unwrap_or(&[]);
    if let Some(chunk) = rest.first_chunk::<WINDOW>() {
        return *chunk;
    }
    let mut buffer = [0u8; WINDOW];
    for (slot, byte) in buffer.iter_mut().zip(rest) {
        *slot = *byte;
    }
    buffer
}

/// `clamp(x)` of §2.3: the length of a trailing immediate, 0..=4.
#[inline]
fn clamp(x: i32) -> usize {
    x.clamp(0, 4) as usize
}

/// Reads an `n`-byte little-endian immediate (n <= 4) at `a[at..]` and sign-extends it from bit
/// `8n - 1`, returning the 32-bit pattern (§2.2).
#[inline]
fn imm(a: &[u8; WINDOW], at: usize, n: usize) -> u32 {
    if n == 0 {
        return 0;
    }
    // Every caller has `at + 4 <= 10`, well inside the window.
    let mut bytes = [0u8; 4];
    if let Some(chunk) = a.get(at..at + 4) {
        bytes.copy_from_slice(chunk);
    }
    let shift = 32 - 8 * n as u32;
    ((u32::from_le_bytes(bytes) << shift) as i32 >> shift) as u32
}

#[inline]
fn low(byte: u8) -> Reg {
    Reg::from_nibble(byte & 0x0f)
}

#[inline]
fn high(byte: u8) -> Reg {
    Reg::from_nibble(byte >> 4)
}

/// Decodes the operands of an instruction of `format` at `pc`.
///
/// `a` holds the code bytes from the first argument byte on, `arg_len` is `L` (the legacy skip, or
/// the fixed Latest64 argument length). Targets are `u32(pc + imm)`.
#[inline]
pub(crate) fn decode(format: Format, pc: u32, a: &[u8; WINDOW], arg_len: u32) -> Args {
    let l = arg_len.min(64) as i32;
    match format {
        Format::None => Args::None,
        Format::Imm => Args::Imm { imm: imm(a, 0, l.min(4) as usize) },
        Format::Offset => Args::Offset { target: pc.wrapping_add(imm(a, 0, l.min(4) as usize)) },
        Format::RegImm => Args::RegImm { reg: low(a[0]), imm: imm(a, 1, clamp(l - 1)) },
        Format::RegImm64 => {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&a[1..9]);
            Args::RegImm64 { reg: low(a[0]), imm: u64::from_le_bytes(bytes) }
        }
        Format::RegImmImm | Format::RegImmOffset => {
            let n1 = usize::from((a[0] >> 4) & 7).min(4);
            let n2 = clamp(l - n1 as i32 - 1);
            let reg = low(a[0]);
            let imm1 = imm(a, 1, n1);
            let imm2 = imm(a, 1 + n1, n2);
            if format == Format::RegImmImm {
                Args::RegImmImm { reg, imm1, imm2 }
            } else {
                Args::RegImmOffset { reg, imm: imm1, target: pc.wrapping_add(imm2) }
            }
        }
        Format::ImmImm => {
            let n1 = usize::from(a[0] & 7).min(4);
            let n2 = clamp(l - n1 as i32 - 1);
            Args::ImmImm { imm1: imm(a, 1, n1), imm2: imm(a, 1 + n1, n2) }
        }
        Format::RegReg => Args::RegReg { reg1: low(a[0]), reg2: high(a[0]) },
        Format::RegRegImm | Format::RegRegOffset => {
            let value = imm(a, 1, clamp(l - 1));
            let (reg1, reg2) = (low(a[0]), high(a[0]));
            if format == Format::RegRegImm {
                Args::RegRegImm { reg1, reg2, imm: value }
            } else {
                Args::RegRegOffset { reg1, reg2, target: pc.wrapping_add(value) }
            }
        }
        Format::RegRegReg => Args::RegRegReg { reg1: low(a[1]), reg2: low(a[0]), reg3: high(a[0]) },
        Format::RegRegImmImm => {
            let n1 = usize::from(a[1] & 7).min(4);
            let n2 = clamp(l - n1 as i32 - 2);
            Args::RegRegImmImm { reg1: low(a[0]), reg2: high(a[0]), imm1: imm(a, 2, n1), imm2: imm(a, 2 + n1, n2) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(bytes: &[u8]) -> [u8; WINDOW] {
        window(bytes, 0)
    }

    #[test]
    fn immediates_sign_extend_from_their_length() {
        assert_eq!(imm(&win(&[0xff]), 0, 1), 0xffff_ffff);
        assert_eq!(imm(&win(&[0x80, 0x00]), 0, 2), 128);
        assert_eq!(imm(&win(&[0x7f, 0xff]), 0, 2), (-129i32) as u32);
        assert_eq!(imm(&win(&[0x00, 0x00, 0x01]), 0, 3), 0x10000);
        assert_eq!(imm(&win(&[0x78, 0x56, 0x34, 0x12]), 0, 4), 0x1234_5678);
        assert_eq!(imm(&win(&[0x12]), 0, 0), 0);
    }

    #[test]
    fn window_pads_with_zeros() {
        assert_eq!(window(&[1, 2, 3], 1)[..3], [2, 3, 0]);
        assert_eq!(window(&[1, 2, 3], 7), [0; WINDOW]);
    }

    #[test]
    fn trailing_immediate_limited_by_length_first_is_not() {
        // store_imm_u8 with n1 code 1 and L = 8: n2 = clamp(6) = 4, bytes a[6], a[7] ignored.
        let a = win(&[0x01, 0xaa, 1, 2, 3, 4, 0xee, 0xee]);
        assert_eq!(decode(Format::ImmImm, 0, &a, 8), Args::ImmImm { imm1: 0xffff_ffaa, imm2: 0x0403_0201 });
        // n1 code 7 means 4 bytes.
        let a = win(&[0x07, 1, 2, 3, 4, 5]);
        assert_eq!(decode(Format::ImmImm, 0, &a, 6), Args::ImmImm { imm1: 0x0403_0201, imm2: 5 });
        // load_imm with skip 6: n = 4, the 6th argument byte is ignored.
        let a = win(&[0x07, 1, 2, 3, 4, 0x55]);
        assert_eq!(decode(Format::RegImm, 0, &a, 6), Args::RegImm { reg: Reg::A0, imm: 0x0403_0201 });
    }

    #[test]
    fn targets_wrap() {
        let a = win(&[0xff]);
        assert_eq!(decode(Format::Offset, 0, &a, 1), Args::Offset { target: 0xffff_ffff });
        assert_eq!(decode(Format::Offset, 5, &a, 0), Args::Offset { target: 5 });
    }
}
