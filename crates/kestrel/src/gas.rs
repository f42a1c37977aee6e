//! Gas metering settings and cost models (`api.md` §4, `runtime.md` §9).

use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use kestrel_program::cost::CostModel;

pub use kestrel_program::interrupt::GasMeteringKind;

/// A shared, immutable [`CostModel`]: either a `'static` one or one behind an `Arc`.
///
/// The built-in naive model is recognised by identity ([`CostModelRef::is_naive`]), not by
/// value: a separately allocated model with every cost 1 is a custom model.
#[derive(Clone, Debug)]
pub struct CostModelRef(Inner);

#[derive(Clone, Debug)]
enum Inner {
    Static(&'static CostModel),
    Shared(Arc<CostModel>),
}

impl CostModelRef {
    /// Refers to a model with static lifetime.
    pub const fn from_static(cost_model: &'static CostModel) -> Self {
        CostModelRef(Inner::Static(cost_model))
    }

    /// The built-in naive model (every instruction costs 1).
    pub fn naive() -> Self {
        CostModelRef::from_static(CostModel::naive_ref())
    }

    /// Whether this is the built-in naive model (by identity).
    pub fn is_naive(&self) -> bool {
        std::ptr::eq(&**self, CostModel::naive_ref())
    }

    /// The model as an `Arc` (cloning a static model; the naive one is cloned once per process,
    /// since nearly every module uses it).
    pub(crate) fn to_arc(&self) -> Arc<CostModel> {
        static NAIVE: OnceLock<Arc<CostModel>> = OnceLock::new();
        match &self.0 {
            Inner::Static(_) if self.is_naive() => Arc::clone(NAIVE.get_or_init(|| Arc::new(CostModel::naive()))),
            Inner::Static(model) => Arc::new((*model).clone()),
            Inner::Shared(model) => Arc::clone(model),
        }
    }
}

impl Deref for CostModelRef {
    type Target = CostModel;

    fn deref(&self) -> &CostModel {
        match &self.0 {
            Inner::Static(model) => model,
            Inner::Shared(model) => model,
        }
    }
}

impl From<&'static CostModel> for CostModelRef {
    fn from(cost_model: &'static CostModel) -> Self {
        CostModelRef::from_static(cost_model)
    }
}

impl From<Arc<CostModel>> for CostModelRef {
    fn from(cost_model: Arc<CostModel>) -> Self {
        CostModelRef(Inner::Shared(cost_model))
    }
}

/// The memory latency parameter of the full (cycle-level) cost model.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct CacheModel {
    /// Latency of every load, in cycles.
    pub memory_access_cost: i8,
}

impl CacheModel {
    pub const L1_HIT: CacheModel = CacheModel { memory_access_cost: 4 };
    pub const L2_HIT: CacheModel = CacheModel { memory_access_cost: 25 };
    pub const L3_HIT: CacheModel = CacheModel { memory_access_cost: 37 };
}

/// Which gas cost model a module uses.
#[derive(Clone, Debug)]
pub enum CostModelKind {
    /// A fixed cost per opcode.
    Simple(CostModelRef),
    /// The cycle-level model of `runtime.md` §9.7 (not implemented yet: module creation fails).
    Full(CacheModel),
}

impl CostModelKind {
    /// The built-in naive model.
    pub fn naive() -> Self {
        CostModelKind::Simple(CostModelRef::naive())
    }

    /// Whether this is the built-in naive model (by identity).
    pub fn is_naive(&self) -> bool {
        matches!(self, CostModelKind::Simple(model) if model.is_naive())
    }
}

impl From<CostModelRef> for CostModelKind {
    fn from(cost_model: CostModelRef) -> Self {
        CostModelKind::Simple(cost_model)
    }
}

impl From<Arc<CostModel>> for CostModelKind {
    fn from(cost_model: Arc<CostModel>) -> Self {
        CostModelKind::Simple(cost_model.into())
    }
}

impl From<&'static CostModel> for CostModelKind {
    fn from(cost_model: &'static CostModel) -> Self {
        CostModelKind::Simple(cost_model.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_by_identity() {
        assert!(CostModelRef::naive().is_naive());
        assert!(CostModelKind::naive().is_naive());
        let copy = CostModelRef::from(Arc::new(CostModel::naive()));
        assert!(!copy.is_naive());
        assert_eq!(*copy, CostModel::naive());
        assert!(!CostModelKind::Full(CacheModel::L1_HIT).is_naive());
    }
}
