//! Shared helpers for the differential tests against polkavm 0.37: a small deterministic PRNG and
//! generators of random code, bitmasks and assembly text.
//!
//! The reference implementation is only a dev-dependency of this crate; nothing here is linked into
//! Kestrel itself.

#![forbid(unsafe_code)]

pub mod programs;

/// A tiny xorshift64* generator: deterministic, seedable, no dependencies.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (0 is remapped, xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// True with probability `numerator / denominator`.
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        self.below(denominator) < numerator
    }

    /// Random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// Picks an element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An "interesting" 64-bit value: small numbers, boundaries, or random bits.
    pub fn interesting_u64(&mut self) -> u64 {
        const EDGES: [u64; 14] = [
            0,
            1,
            2,
            0x7f,
            0x80,
            0xff,
            0x7fff,
            0x8000,
            0x7fff_ffff,
            0x8000_0000,
            0xffff_ffff,
            0x7fff_ffff_ffff_ffff,
            0x8000_0000_0000_0000,
            u64::MAX,
        ];
        match self.below(4) {
            0 => *self.pick(&EDGES),
            1 => self.pick(&EDGES).wrapping_neg(),
            2 => self.below(512),
            _ => self.next_u64(),
        }
    }
}

/// Random legacy code of `len` bytes and a matching bitmask. Opcodes are biased towards bytes
/// that are assigned in some instruction set, and instruction starts are spaced 1..=26 bytes apart
/// (occasionally more) so that every decoder path is exercised.
pub fn random_legacy_code(rng: &mut Rng, len: usize, assigned_bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut code = rng.bytes(len);
    let mut bitmask = vec![0u8; len.div_ceil(8)];
    let mut pos = if rng.chance(1, 20) { rng.below(4) as usize } else { 0 };
    while pos < len {
        bitmask[pos / 8] |= 1 << (pos % 8);
        if !assigned_bytes.is_empty() && rng.chance(9, 10) {
            code[pos] = *rng.pick(assigned_bytes);
        }
        let gap = match rng.below(10) {
            0 => 1 + rng.below(30) as usize,
            1..=4 => 1 + rng.below(3) as usize,
            _ => 1 + rng.below(10) as usize,
        };
        pos += gap;
    }
    (code, bitmask)
}

/// Random Latest64 code: a sequence of raw opcodes (mostly assigned) with random argument bytes.
pub fn random_latest64_code(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut code = Vec::with_capacity(len);
    while code.len() < len {
        let raw: u16 = if rng.chance(1, 8) { 255 + rng.below(256) as u16 } else { rng.below(255) as u16 };
        if raw >= 255 {
            code.push(0xff);
            code.push((raw - 255) as u8);
        } else {
            code.push(raw as u8);
        }
        let args = rng.below(12) as usize;
        let extra = rng.bytes(args);
        code.extend_from_slice(&extra);
    }
    code.truncate(len);
    code
}
