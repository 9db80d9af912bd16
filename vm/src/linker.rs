//! The linker: names host functions and instances so modules can import them.

use std::collections::BTreeMap;

use crate::func::HostFunc;
use crate::template::{InstancePre, Resolved};
use crate::{Caller, Engine, Error, Extern, FuncType, Instance, IntoFunc, Module, Store, Trap, Val};

enum Definition<T> {
    Host(HostFunc<T>),
    Extern(Extern),
}

/// Resolves a module's imports by `(module, name)` and instantiates it.
pub struct Linker<T> {
    engine: Engine,
    /// By module name, then name: a module's imports are resolved without building a key.
    defs: BTreeMap<String, BTreeMap<String, Definition<T>>>,
}

impl<T> core::fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let names: Vec<(&String, &String)> =
            self.defs.iter().flat_map(|(module, defs)| defs.keys().map(move |name| (module, name))).collect();
        f.debug_struct("Linker").field("definitions", &names).finish()
    }
}

impl<T> Linker<T> {
    /// An empty linker for `engine`.
    pub fn new(engine: &Engine) -> Self {
        Self { engine: engine.clone(), defs: BTreeMap::new() }
    }

    /// The engine of this linker.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<&mut Self, Error> {
        if module == crate::metering::MODULE {
            return Err(Error::Link {
                module: module.into(),
                name: name.into(),
                reason: "the `tally` module is reserved for the VM's metering intrinsics".into(),
            });
        }
        if self.def(module, name).is_some() {
            return Err(Error::Link {
                module: module.into(),
                name: name.into(),
                reason: "already defined in this linker".into(),
            });
        }
        self.defs.entry(module.to_string()).or_default().insert(name.to_string(), def);
        Ok(self)
    }

    fn def(&self, module: &str, name: &str) -> Option<&Definition<T>> {
        self.defs.get(module)?.get(name)
    }

    /// Defines a typed host function: `Fn(Caller<'_, T>, A1, …, An) -> R`.
    pub fn func_wrap<P, R>(&mut self, module: &str, name: &str, f: impl IntoFunc<T, P, R>) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::Host(HostFunc::wrap(f)))
    }

    /// Defines a host function with a dynamic signature.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::Host(HostFunc::new(ty, f)))
    }

    /// Defines an extern of a store under `module.name`.
    pub fn define(&mut self, module: &str, name: &str, ext: impl Into<Extern>) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::Extern(ext.into()))
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(&mut self, store: &Store<T>, module: &str, instance: Instance) -> Result<&mut Self, Error> {
        for (name, ext) in instance.exports(store) {
            self.define(module, &name, ext)?;
        }
        Ok(self)
    }

    /// The extern defined as `module.name`, if it is a store extern (not a host function
    /// definition, which has no store until instantiation).
    pub fn get(&self, module: &str, name: &str) -> Option<Extern> {
        match self.def(module, name)? {
            Definition::Extern(e) => Some(*e),
            Definition::Host(_) => None,
        }
    }

    /// Instantiates `module` in `store`, resolving its imports here, and runs its start function.
    pub fn instantiate(&self, store: &mut Store<T>, module: &Module) -> Result<Instance, Error> {
        self.instantiate_pre(module).instantiate(store)
    }

    /// Resolves `module`'s imports here and prepares everything about instantiating it that does
    /// not depend on a store (see [`InstancePre`]), for modules instantiated many times. Errors
    /// (an unknown or mistyped import) are reported by [`InstancePre::instantiate`], as
    /// [`instantiate`](Self::instantiate) reports them.
    pub fn instantiate_pre(&self, module: &Module) -> InstancePre<T> {
        let resolved = module
            .inner
            .imports
            .iter()
            .map(|import| {
                if import.module() == crate::metering::MODULE {
                    return Resolved::Intrinsic;
                }
                match self.def(import.module(), import.name()) {
                    Some(Definition::Host(h)) => Resolved::Host(h.clone()),
                    Some(Definition::Extern(e)) => Resolved::Extern(*e),
                    None => Resolved::Unknown,
                }
            })
            .collect();
        InstancePre::new(module, resolved)
    }
}
