//! The module cache (`api.md` §11, cargo feature `module-cache`).
//!
//! One cache per engine, behind a mutex. Each key maps to a slot: `Live` while some [`Module`]
//! handle exists (a weak reference, so the cache never keeps a module alive by itself), `Dropped`
//! once the last handle is gone and the compiled module waits in the LRU for a revival. A handle
//! of a cached module carries its key; its `Drop` moves the compiled module into the LRU (or
//! forgets it when the LRU holds no entries).
//!
//! Keys by content ([`ModuleConfig::set_cache_by_hash`]) hold the blob's bytes (shared, not
//! copied: the module holds them anyway) and compare them in full, so two different blobs can
//! never share an entry; the hash only picks the bucket. It is the map's keyed SipHash, so no
//! cryptographic hash (and no new dependency) is needed, and crafted colliding blobs cost at worst
//! a longer bucket.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use kestrel_program::blob::BlobKind;
use kestrel_program::{ArcBytes, InstructionSetKind, ProgramBlob};

use crate::gas::{CacheModel, CostModelKind, CostModelRef, GasMeteringKind};
use crate::module::{Module, ModuleHandle, ModuleInner};
use crate::module_config::ModuleConfig;

/// Everything that decides what a module compiles to.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) struct CacheKey {
    page_size: u32,
    aux_data_size: u32,
    gas_metering: Option<GasMeteringKind>,
    dynamic_paging: bool,
    step_tracing: bool,
    strict: bool,
    per_instruction_metering: bool,
    cost_model: CostModelKey,
    blob: BlobKey,
}

impl CacheKey {
    /// The key of `blob` compiled with `config` and the resolved `cost_model`.
    pub(crate) fn new(config: &ModuleConfig, cost_model: &CostModelKind, blob: &ProgramBlob) -> CacheKey {
        CacheKey {
            page_size: config.page_size,
            aux_data_size: config.aux_data_size,
            gas_metering: config.gas_metering,
            dynamic_paging: config.dynamic_paging,
            step_tracing: config.step_tracing,
            strict: config.strict,
            per_instruction_metering: config.per_instruction_metering,
            cost_model: CostModelKey::new(cost_model),
            blob: if config.cache_by_hash {
                BlobKey::Content { isa: blob.isa(), kind: blob.kind(), bytes: blob.bytes().clone() }
            } else {
                BlobKey::Id(blob.unique_id())
            },
        }
    }
}

/// A cost model by contents (and whether it is the built-in naive one, which module creation
/// tells apart by identity).
#[derive(Clone, Debug)]
enum CostModelKey {
    Simple { is_naive: bool, model: CostModelRef },
    Full(CacheModel),
}

impl CostModelKey {
    fn new(cost_model: &CostModelKind) -> Self {
        match cost_model {
            CostModelKind::Simple(model) => CostModelKey::Simple { is_naive: model.is_naive(), model: model.clone() },
            CostModelKind::Full(cache_model) => CostModelKey::Full(*cache_model),
        }
    }
}

impl PartialEq for CostModelKey {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                CostModelKey::Simple { is_naive, model },
                CostModelKey::Simple { is_naive: other_is_naive, model: other_model },
            ) => is_naive == other_is_naive && (std::ptr::eq(&**model, &**other_model) || **model == **other_model),
            (CostModelKey::Full(a), CostModelKey::Full(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for CostModelKey {}

impl Hash for CostModelKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            CostModelKey::Simple { is_naive, model } => {
                is_naive.hash(state);
                (**model).hash(state);
            }
            CostModelKey::Full(cache_model) => cache_model.hash(state),
        }
    }
}

/// Which blob: the identity of one parse (clones share it), or the parsed bytes themselves.
#[derive(Clone, Debug)]
enum BlobKey {
    Id(u64),
    Content { isa: InstructionSetKind, kind: BlobKind, bytes: ArcBytes },
}

impl PartialEq for BlobKey {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (BlobKey::Id(a), BlobKey::Id(b)) => a == b,
            (
                BlobKey::Content { isa, kind, bytes },
                BlobKey::Content { isa: other_isa, kind: other_kind, bytes: other_bytes },
            ) => isa == other_isa && kind == other_kind && **bytes == **other_bytes,
            _ => false,
        }
    }
}

impl Eq for BlobKey {}

impl Hash for BlobKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            BlobKey::Id(id) => id.hash(state),
            BlobKey::Content { isa, kind: _, bytes } => {
                isa.hash(state);
                state.write(bytes);
            }
        }
    }
}

/// Where a cached module is: in use, or dropped and waiting in the LRU (`stamp` orders it).
enum Slot {
    Live(Weak<ModuleHandle>),
    Dropped { module: Arc<ModuleInner>, stamp: u64 },
}

#[derive(Default)]
struct State {
    slots: HashMap<CacheKey, Slot>,
    /// The `Dropped` slots, oldest first.
    lru: BTreeMap<u64, CacheKey>,
    next_stamp: u64,
}

/// An engine's module cache.
pub(crate) struct ModuleCache {
    lru_capacity: usize,
    state: Mutex<State>,
}

impl core::fmt::Debug for ModuleCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ModuleCache").field("lru_capacity", &self.lru_capacity).finish_non_exhaustive()
    }
}

/// What a cached module's handle needs to return it to the cache when it is dropped.
#[derive(Debug)]
pub(crate) struct CacheLink {
    cache: Arc<ModuleCache>,
    key: CacheKey,
}

impl ModuleCache {
    pub(crate) fn new(lru_capacity: u32) -> Arc<ModuleCache> {
        Arc::new(ModuleCache {
            lru_capacity: usize::try_from(lru_capacity).unwrap_or(usize::MAX),
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps consistent (every update is one
        // insert or remove), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The module for `key`: a live one, or one revived from the LRU.
    pub(crate) fn get(self: &Arc<Self>, key: &CacheKey) -> Option<Module> {
        let mut state = self.lock();
        let module = match state.slots.get(key)? {
            // A handle whose last reference is being dropped right now cannot be upgraded; its
            // `Drop` is waiting for the lock and will put the module into the LRU.
            Slot::Live(handle) => return handle.upgrade().map(Module),
            Slot::Dropped { module, stamp } => {
                let (module, stamp) = (Arc::clone(module), *stamp);
                state.lru.remove(&stamp);
                module
            }
        };
        let handle = self.link(module, key.clone());
        state.slots.insert(key.clone(), Slot::Live(Arc::downgrade(&handle)));
        tracing::debug!("module revived from the module cache");
        Some(Module(handle))
    }

    /// Caches a freshly compiled module under `key`, unless another thread cached one for the
    /// same key meanwhile: then that one is returned and `module` is dropped.
    pub(crate) fn insert(self: &Arc<Self>, key: CacheKey, module: ModuleInner) -> Module {
        let mut state = self.lock();
        if let Some(Slot::Live(handle)) = state.slots.get(&key)
            && let Some(handle) = handle.upgrade()
        {
            return Module(handle);
        }
        let handle = self.link(Arc::new(module), key.clone());
        let previous = state.slots.insert(key, Slot::Live(Arc::downgrade(&handle)));
        if let Some(Slot::Dropped { stamp, .. }) = &previous {
            state.lru.remove(stamp);
        }
        drop(state);
        // A module of the same key that waited in the LRU is dropped outside the lock.
        drop(previous);
        Module(handle)
    }

    fn link(self: &Arc<Self>, module: Arc<ModuleInner>, key: CacheKey) -> Arc<ModuleHandle> {
        Arc::new(ModuleHandle::new(module, Some(CacheLink { cache: Arc::clone(self), key })))
    }

    /// The last handle of a cached module is gone: keep the module in the LRU (evicting the
    /// oldest if full) or forget it. `handle` identifies the dropped handle: the slot may meanwhile
    /// belong to a newer module of the same key, which stays.
    fn release(&self, key: CacheKey, handle: *const ModuleHandle, module: Arc<ModuleInner>) {
        let mut state = self.lock();
        match state.slots.get(&key) {
            Some(Slot::Live(live)) if std::ptr::eq(live.as_ptr(), handle) => {}
            _ => return,
        }
        let mut evicted = Vec::new();
        if self.lru_capacity == 0 {
            evicted.extend(state.slots.remove(&key));
        } else {
            let stamp = state.next_stamp;
            state.next_stamp += 1;
            state.lru.insert(stamp, key.clone());
            evicted.extend(state.slots.insert(key, Slot::Dropped { module, stamp }));
            while state.lru.len() > self.lru_capacity {
                let Some((_, oldest)) = state.lru.pop_first() else { break };
                evicted.extend(state.slots.remove(&oldest));
            }
        }
        drop(state);
        tracing::trace!(evicted = evicted.len(), "module released to the module cache");
        // Compiled modules are freed outside the lock.
        drop(evicted);
    }
}

impl Drop for ModuleHandle {
    fn drop(&mut self) {
        if let Some(CacheLink { cache, key }) = self.cache_link.take() {
            let module = Arc::clone(&self.inner);
            cache.release(key, std::ptr::from_ref::<ModuleHandle>(self), module);
        }
    }
}
