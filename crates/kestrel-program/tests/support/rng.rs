//! A small deterministic random number generator, so failures reproduce from the seed. Test
//! files add their own domain-specific draws with `impl Rng` blocks.
//!
//! Two step functions: SplitMix64 (any seed works) and xorshift64 (seed must not be 0). Some
//! coverage bounds (e.g. "more than 100 random programs assemble" in `asm_robustness`) were set
//! against the xorshift64 stream of their seed, so those tests keep it.

pub struct Rng {
    state: u64,
    step: fn(&mut u64) -> u64,
}

impl Rng {
    /// SplitMix64.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed, step: splitmix64 }
    }

    /// xorshift64 (13, 7, 17); `seed` must not be 0.
    pub fn xorshift(seed: u64) -> Self {
        assert_ne!(seed, 0, "xorshift64 stays at 0");
        Rng { state: seed, step: xorshift64 }
    }

    pub fn next(&mut self) -> u64 {
        (self.step)(&mut self.state)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 { 0 } else { (self.next() % bound as u64) as usize }
    }

    /// True with probability `numerator / denominator`.
    pub fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        self.next() % denominator < numerator
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn xorshift64(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}
