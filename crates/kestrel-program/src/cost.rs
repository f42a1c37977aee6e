//! Gas cost models (`runtime.md` §9.6). Owner: interpreter helper.
//!
//! A [`CostModel`] holds one cost per opcode (plus `invalid`), indexed by `Opcode as usize`, so
//! a lookup is a single array load. The binary form follows PolkaVM 0.37: a little-endian `u32`
//! version (2), then one `u32` per opcode in *alphabetical* mnemonic order, then `invalid`
//! (143 words). PolkaVM 0.37's own `deserialize` wants 144 words and so rejects its own output;
//! Kestrel's accepts exactly what [`CostModel::serialize`] writes.

use alloc::vec::Vec;

use crate::opcode::{OPCODE_COUNT, Opcode};

/// Cost of one instruction, in gas units.
pub type Cost = u32;

/// Version word at the start of a serialized cost model.
pub const COST_MODEL_VERSION: u32 = 2;

/// Number of cost slots: every real opcode plus `invalid`.
pub const COST_SLOTS: usize = OPCODE_COUNT + 1;

/// Size in bytes of a serialized cost model (version + 142 costs).
pub const SERIALIZED_COST_MODEL_SIZE: usize = 4 * (1 + COST_SLOTS);

/// Why a serialized cost model was rejected.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum CostModelError {
    #[error("invalid cost model: expected {expected} bytes, got {actual}")]
    BadLength { expected: usize, actual: usize },
    #[error("invalid cost model: unsupported version {0}")]
    BadVersion(u32),
}

/// Per-opcode gas costs.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct CostModel {
    costs: [Cost; COST_SLOTS],
}

impl Default for CostModel {
    fn default() -> Self {
        Self::naive()
    }
}

/// The naive model as a static, for callers that want a `&'static CostModel`.
pub static NAIVE_COST_MODEL: CostModel = CostModel::naive();

impl CostModel {
    /// Every instruction (and `invalid`) costs 1. PolkaVM's default model.
    pub const fn naive() -> Self {
        CostModel { costs: [1; COST_SLOTS] }
    }

    /// A reference to the shared naive model.
    pub fn naive_ref() -> &'static CostModel {
        &NAIVE_COST_MODEL
    }

    /// The cost of one instruction with this opcode (`Opcode::Invalid` for undecodable bytes).
    #[inline]
    pub const fn cost_for(&self, opcode: Opcode) -> Cost {
        self.costs[opcode as usize]
    }

    /// Sets the cost of an opcode.
    pub fn set_cost(&mut self, opcode: Opcode, cost: Cost) {
        self.costs[opcode as usize] = cost;
    }

    /// Sum of the costs of a basic block's instructions, terminator (or implicit end trap,
    /// passed as `Opcode::Trap` by the caller) included. Saturates instead of wrapping.
    pub fn block_cost<I: IntoIterator<Item = Opcode>>(&self, opcodes: I) -> u64 {
        opcodes.into_iter().fold(0u64, |sum, opcode| sum.saturating_add(u64::from(self.cost_for(opcode))))
    }

    /// The opcodes in serialization order: real opcodes sorted by mnemonic, then `invalid`.
    pub fn serialization_order() -> Vec<Opcode> {
        let mut order: Vec<Opcode> = Opcode::ALL.to_vec();
        order.sort_unstable_by_key(|opcode| opcode.name());
        order.push(Opcode::Invalid);
        order
    }

    /// The 0.37 binary form: version 2, then every cost in [`CostModel::serialization_order`].
    pub fn serialize(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SERIALIZED_COST_MODEL_SIZE);
        out.extend_from_slice(&COST_MODEL_VERSION.to_le_bytes());
        for opcode in Self::serialization_order() {
            out.extend_from_slice(&self.cost_for(opcode).to_le_bytes());
        }
        out
    }

    /// Parses the output of [`CostModel::serialize`].
    pub fn deserialize(bytes: &[u8]) -> Result<Self, CostModelError> {
        if bytes.len() != SERIALIZED_COST_MODEL_SIZE {
            return Err(CostModelError::BadLength { expected: SERIALIZED_COST_MODEL_SIZE, actual: bytes.len() });
        }
        let mut words = bytes.chunks_exact(4).map(|chunk| u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
        let version = words.next().unwrap_or(0);
        if version != COST_MODEL_VERSION {
            return Err(CostModelError::BadVersion(version));
        }
        let mut model = CostModel::naive();
        for (opcode, cost) in Self::serialization_order().into_iter().zip(words) {
            model.set_cost(opcode, cost);
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_costs_one_everywhere() {
        let model = CostModel::naive();
        for &opcode in Opcode::ALL {
            assert_eq!(model.cost_for(opcode), 1);
        }
        assert_eq!(model.cost_for(Opcode::Invalid), 1);
        assert_eq!(model.block_cost([Opcode::AddImm64, Opcode::Trap]), 2);
    }

    #[test]
    fn serialized_layout() {
        let order = CostModel::serialization_order();
        assert_eq!(order.len(), 142);
        let names: Vec<&str> = order.iter().map(|op| op.name()).collect();
        assert_eq!(&names[..7], &["add_32", "add_64", "add_imm_32", "add_imm_64", "and", "and_imm", "and_inverted"]);
        assert_eq!(names[7], "branch_eq");
        assert_eq!(&names[137..], &["xnor", "xor", "xor_imm", "zero_extend_16", "invalid"]);

        let mut model = CostModel::naive();
        model.set_cost(Opcode::Add32, 7);
        model.set_cost(Opcode::Invalid, 9);
        model.set_cost(Opcode::ZeroExtend16, 5);
        let bytes = model.serialize();
        assert_eq!(bytes.len(), 572);
        assert_eq!(&bytes[..8], &[2, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(&bytes[564..], &[5, 0, 0, 0, 9, 0, 0, 0]);
        assert_eq!(CostModel::deserialize(&bytes), Ok(model));
    }

    #[test]
    fn deserialize_rejects_bad_input() {
        let mut bytes = CostModel::naive().serialize();
        bytes.push(0);
        assert!(matches!(CostModel::deserialize(&bytes), Err(CostModelError::BadLength { .. })));
        // The length PolkaVM 0.37's broken deserializer demands is rejected too.
        assert!(CostModel::deserialize(&[0; 576]).is_err());
        let mut bytes = CostModel::naive().serialize();
        bytes[0] = 3;
        assert_eq!(CostModel::deserialize(&bytes), Err(CostModelError::BadVersion(3)));
    }
}
