//! The engine: configuration plus the registry that gives every distinct signature one id.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::{Config, FuncType};

/// Identifies a function signature within one [`Engine`]. Equal signatures get equal ids, so
/// `call_indirect` type checks are one integer comparison across modules and hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SigId(pub u32);

#[derive(Debug, Default)]
struct SigRegistry {
    ids: BTreeMap<FuncType, SigId>,
    types: Vec<FuncType>,
}

#[derive(Debug)]
struct EngineInner {
    config: Config,
    sigs: Mutex<SigRegistry>,
}

/// Compiles modules under one [`Config`]. Cheap to clone; clones share state.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl Engine {
    /// An engine with this configuration.
    pub fn new(config: Config) -> Self {
        Self { inner: Arc::new(EngineInner { config, sigs: Mutex::new(SigRegistry::default()) }) }
    }

    /// The configuration this engine enforces.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn intern(&self, ty: &FuncType) -> SigId {
        // A poisoned lock only means another thread panicked mid-insert of a complete entry;
        // the map itself is always consistent, so keep using it.
        let mut reg = self.inner.sigs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = reg.ids.get(ty) {
            return *id;
        }
        let id = SigId(reg.types.len() as u32);
        reg.types.push(ty.clone());
        reg.ids.insert(ty.clone(), id);
        id
    }

    pub(crate) fn resolve(&self, id: SigId) -> FuncType {
        let reg = self.inner.sigs.lock().unwrap_or_else(|e| e.into_inner());
        reg.types.get(id.0 as usize).cloned().unwrap_or_else(|| FuncType::new([], []))
    }
}
