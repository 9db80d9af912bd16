//! Functions: handles, typed calls, and host functions.

use core::marker::PhantomData;
use std::sync::Arc;

use crate::exec;
use crate::store::{FuncEntity, FuncKind, StoreId, StoreInner, WasmEntry};
use crate::{Error, Extern, ExternRef, FuncType, Store, Trap, Val, ValType, F32, F64};

/// A function in a [`Store`]: defined by an instance or by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

/// The type-erased body of a host function: arguments in, results out, in the same cells.
pub(crate) type HostCallFn<T> = Arc<dyn Fn(Caller<'_, T>, &mut [u64]) -> Result<(), Trap> + Send + Sync>;

/// A host function definition, not yet placed in a store.
pub(crate) struct HostFunc<T> {
    pub ty: FuncType,
    pub call: HostCallFn<T>,
}

impl<T> Clone for HostFunc<T> {
    fn clone(&self) -> Self {
        Self { ty: self.ty.clone(), call: self.call.clone() }
    }
}

impl<T> HostFunc<T> {
    pub(crate) fn wrap<P, R>(f: impl IntoFunc<T, P, R>) -> Self {
        let (ty, call) = f.into_func();
        Self { ty, call }
    }

    pub(crate) fn new(
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Self {
        let sig = ty.clone();
        let call: HostCallFn<T> = Arc::new(move |caller: Caller<'_, T>, cells: &mut [u64]| {
            let id = caller.store.id;
            let params: Vec<Val> =
                sig.params().iter().zip(cells.iter()).map(|(t, c)| Val::from_cell(*c, *t, id)).collect();
            let mut results: Vec<Val> = sig.results().iter().map(|t| Val::default_for(*t)).collect();
            f(caller, &params, &mut results)?;
            for ((slot, r), t) in cells.iter_mut().zip(&results).zip(sig.results()) {
                if r.ty() != *t {
                    return Err(Trap::host(format!("host function returned {} where {t} was expected", r.ty())));
                }
                *slot = r.to_cell();
            }
            Ok(())
        });
        Self { ty, call }
    }

    /// Places the function in `store` and returns its handle.
    pub(crate) fn allocate(self, store: &mut Store<T>) -> Func {
        let sig = store.inner.engine.intern(&self.ty);
        let (params, results) = (self.ty.params().len() as u32, self.ty.results().len() as u32);
        store.host_funcs.push(self.call);
        let index = store.host_funcs.len() as u32 - 1;
        store.inner.funcs.push(FuncEntity {
            sig,
            params,
            results,
            kind: FuncKind::Host { index },
            entry: WasmEntry::NONE,
        });
        Func { store: store.inner.id, index: store.inner.funcs.len() as u32 - 1 }
    }
}

/// Places the metering intrinsic `tally.<name>` in `store`.
pub(crate) fn intrinsic<T>(store: &mut Store<T>, name: &str) -> Result<Func, Error> {
    let intrinsic = crate::metering::Import::from_name(name).ok_or_else(|| Error::Link {
        module: crate::metering::MODULE.into(),
        name: name.into(),
        reason: "unknown intrinsic".into(),
    })?;
    let ty = crate::metering::signature(intrinsic);
    let sig = store.inner.engine.intern(&ty);
    let (params, results) = (ty.params().len() as u32, ty.results().len() as u32);
    store.inner.funcs.push(FuncEntity {
        sig,
        params,
        results,
        kind: FuncKind::Intrinsic(intrinsic),
        entry: WasmEntry::NONE,
    });
    Ok(Func { store: store.inner.id, index: store.inner.funcs.len() as u32 - 1 })
}

/// What a host function sees of its caller: the host state and the calling instance.
pub struct Caller<'a, T> {
    pub(crate) data: &'a mut T,
    pub(crate) store: &'a mut StoreInner,
    pub(crate) instance: Option<u32>,
}

impl<T> Caller<'_, T> {
    /// The host state.
    pub fn data(&self) -> &T {
        self.data
    }

    /// The host state, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.data
    }

    fn memory_id(&self) -> Option<u32> {
        let inst = self.store.instances.get(self.instance? as usize)?;
        inst.memories.first().copied()
    }

    /// The caller's default memory; empty if it has none.
    pub fn memory_data(&self) -> &[u8] {
        match self.memory_id() {
            Some(id) => &self.store.memories[id as usize].data,
            None => &[],
        }
    }

    /// The caller's default memory, mutably; empty if it has none.
    pub fn memory_data_mut(&mut self) -> &mut [u8] {
        match self.memory_id() {
            Some(id) => &mut self.store.memories[id as usize].data,
            None => &mut [],
        }
    }

    /// Gas left at the time of the call.
    pub fn gas(&self) -> u64 {
        self.store.meter.remaining()
    }

    /// Sets the gas left.
    pub fn set_gas(&mut self, gas: u64) {
        self.store.meter.set_remaining(gas);
    }

    /// Charges `amount` gas; when not enough is left, all of it is consumed and the returned
    /// trap ([`TrapCode::OutOfGas`](crate::TrapCode::OutOfGas)) should be propagated.
    pub fn consume_gas(&mut self, amount: u64) -> Result<(), Trap> {
        self.store.meter.gas(amount).map_err(|t| Trap::new(crate::metering::trap_code(t)))
    }

    /// An export of the calling instance.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        crate::instance::export_of(self.store, self.instance?, name)
    }
}

/// A value type that converts to and from Rust: `i32`, `u32`, `i64`, `u64`, `f32`, `f64`,
/// [`F32`], [`F64`], `Option<Func>` (funcref) and `Option<ExternRef>` (externref).
pub trait WasmTy: Sized + 'static {
    /// The Wasm type.
    const TY: ValType;
    #[doc(hidden)]
    fn into_cell(self) -> u64;
    #[doc(hidden)]
    fn from_cell(cell: u64, store: StoreId) -> Self;
}

macro_rules! wasm_ty {
    ($t:ty, $vt:ident, |$s:ident| $into:expr, |$c:ident| $from:expr) => {
        impl WasmTy for $t {
            const TY: ValType = ValType::$vt;
            fn into_cell(self) -> u64 {
                let $s = self;
                $into
            }
            fn from_cell($c: u64, _store: StoreId) -> Self {
                $from
            }
        }
    };
}

wasm_ty!(i32, I32, |s| s as u32 as u64, |c| c as u32 as i32);
wasm_ty!(u32, I32, |s| s as u64, |c| c as u32);
wasm_ty!(i64, I64, |s| s as u64, |c| c as i64);
wasm_ty!(u64, I64, |s| s, |c| c);
wasm_ty!(f32, F32, |s| s.to_bits() as u64, |c| f32::from_bits(c as u32));
wasm_ty!(f64, F64, |s| s.to_bits(), |c| f64::from_bits(c));
wasm_ty!(F32, F32, |s| s.0 as u64, |c| F32(c as u32));
wasm_ty!(F64, F64, |s| s.0, |c| F64(c));
wasm_ty!(Option<ExternRef>, ExternRef, |s| s.map_or(0, |r| r.0 as u64 + 1), |c| c
    .checked_sub(1)
    .map(|v| ExternRef(v as u32)));

impl WasmTy for Option<Func> {
    const TY: ValType = ValType::FuncRef;
    fn into_cell(self) -> u64 {
        self.map_or(0, |f| f.index as u64 + 1)
    }
    fn from_cell(cell: u64, store: StoreId) -> Self {
        cell.checked_sub(1).map(|i| Func { store, index: i as u32 })
    }
}

/// A sequence of Wasm values: `()`, one [`WasmTy`], or a tuple of them. Used for typed
/// parameters and results.
pub trait WasmTuple: Sized + 'static {
    /// Number of values.
    const LEN: usize;
    /// Their types.
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn write(self, cells: &mut [u64]);
    #[doc(hidden)]
    fn read(cells: &[u64], store: StoreId) -> Self;
}

impl WasmTuple for () {
    const LEN: usize = 0;
    fn types() -> Vec<ValType> {
        Vec::new()
    }
    fn write(self, _cells: &mut [u64]) {}
    fn read(_cells: &[u64], _store: StoreId) -> Self {}
}

impl<A: WasmTy> WasmTuple for A {
    const LEN: usize = 1;
    fn types() -> Vec<ValType> {
        vec![A::TY]
    }
    fn write(self, cells: &mut [u64]) {
        if let Some(c) = cells.first_mut() {
            *c = self.into_cell();
        }
    }
    fn read(cells: &[u64], store: StoreId) -> Self {
        A::from_cell(cells.first().copied().unwrap_or(0), store)
    }
}

macro_rules! tuple {
    ($n:literal: $($t:ident $i:tt),*) => {
        impl<$($t: WasmTy),*> WasmTuple for ($($t,)*) {
            const LEN: usize = $n;
            fn types() -> Vec<ValType> {
                vec![$($t::TY),*]
            }
            fn write(self, cells: &mut [u64]) {
                $( if let Some(c) = cells.get_mut($i) { *c = self.$i.into_cell(); } )*
            }
            fn read(cells: &[u64], store: StoreId) -> Self {
                ($($t::from_cell(cells.get($i).copied().unwrap_or(0), store),)*)
            }
        }
    };
}

tuple!(1: A 0);
tuple!(2: A 0, B 1);
tuple!(3: A 0, B 1, C 2);
tuple!(4: A 0, B 1, C 2, D 3);
tuple!(5: A 0, B 1, C 2, D 3, E 4);
tuple!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// What a typed host function may return: values, or values or a trap.
pub trait HostReturn: 'static {
    /// The values returned on success.
    type Ok: WasmTuple;
    #[doc(hidden)]
    fn into_result(self) -> Result<Self::Ok, Trap>;
}

impl<R: WasmTuple> HostReturn for R {
    type Ok = R;
    fn into_result(self) -> Result<R, Trap> {
        Ok(self)
    }
}

impl<R: WasmTuple> HostReturn for Result<R, Trap> {
    type Ok = R;
    fn into_result(self) -> Result<R, Trap> {
        self
    }
}

/// A Rust closure usable as a typed host function: `Fn(Caller<'_, T>, A1, …, An) -> R` with
/// each `Ai: WasmTy` and `R: HostReturn`.
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self) -> (FuncType, HostCallFn<T>);
}

macro_rules! into_func {
    ($($a:ident $i:tt),*) => {
        impl<T, F, R, $($a: WasmTy),*> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($a),*) -> R + Send + Sync + 'static,
            R: HostReturn,
        {
            #[allow(unused_variables)]
            fn into_func(self) -> (FuncType, HostCallFn<T>) {
                let ty = FuncType::new(vec![$($a::TY),*], R::Ok::types());
                let call: HostCallFn<T> = Arc::new(move |caller: Caller<'_, T>, cells: &mut [u64]| {
                    let store = caller.store.id;
                    let out = (self)(caller, $($a::from_cell(cells.get($i).copied().unwrap_or(0), store)),*);
                    out.into_result()?.write(cells);
                    Ok(())
                });
                (ty, call)
            }
        }
    };
}

into_func!();
into_func!(A1 0);
into_func!(A1 0, A2 1);
into_func!(A1 0, A2 1, A3 2);
into_func!(A1 0, A2 1, A3 2, A4 3);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7);
into_func!(A1 0, A2 1, A3 2, A4 3, A5 4, A6 5, A7 6, A8 7, A9 8);

impl Func {
    /// Wraps a typed Rust closure as a host function of `store`.
    pub fn wrap<T, P, R>(store: &mut Store<T>, f: impl IntoFunc<T, P, R>) -> Func {
        HostFunc::wrap(f).allocate(store)
    }

    /// A host function of `store` with a dynamic signature.
    pub fn new<T>(
        store: &mut Store<T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Func {
        HostFunc::new(ty, f).allocate(store)
    }

    /// The function's signature.
    pub fn ty<T>(&self, store: &Store<T>) -> FuncType {
        match store.inner.funcs.get(self.index as usize) {
            Some(f) if self.store == store.inner.id => store.inner.engine.resolve(f.sig),
            _ => FuncType::new([], []),
        }
    }

    /// Calls the function with dynamically typed arguments; `results` must have the length of
    /// the function's result list.
    pub fn call<T>(&self, store: &mut Store<T>, params: &[Val], results: &mut [Val]) -> Result<(), Error> {
        store.inner.check(self.store)?;
        let ty = self.ty(store);
        if params.len() != ty.params().len() || results.len() != ty.results().len() {
            return Err(Error::Signature(format!(
                "function {ty} called with {} arguments and {} result slots",
                params.len(),
                results.len()
            )));
        }
        let mut args = Vec::with_capacity(params.len());
        for (i, (p, t)) in params.iter().zip(ty.params()).enumerate() {
            if p.ty() != *t {
                return Err(Error::Signature(format!("argument {i} is {} but {ty} expects {t}", p.ty())));
            }
            if let Val::FuncRef(Some(f)) = p {
                store.inner.check(f.store)?;
            }
            args.push(p.to_cell());
        }
        let mut cells = vec![0u64; results.len()];
        let (inner, mut host) = store.split();
        exec::invoke(inner, &mut host, self.index, &args, &mut cells)?;
        let id = store.inner.id;
        for ((r, c), t) in results.iter_mut().zip(&cells).zip(ty.results()) {
            *r = Val::from_cell(*c, *t, id);
        }
        Ok(())
    }

    /// A typed view of the function, checked against its signature once here.
    pub fn typed<P: WasmTuple, R: WasmTuple>(&self, store: &Store<impl Sized>) -> Result<TypedFunc<P, R>, Error> {
        store.inner.check(self.store)?;
        let ty = self.ty(store);
        if ty.params() != P::types().as_slice() || ty.results() != R::types().as_slice() {
            return Err(Error::Signature(format!(
                "function has type {ty}, not {}",
                FuncType::new(P::types(), R::types())
            )));
        }
        Ok(TypedFunc { func: *self, _marker: PhantomData })
    }
}

/// A function whose signature was checked once, so calls skip all dynamic type checks.
pub struct TypedFunc<P, R> {
    func: Func,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P, R> core::fmt::Debug for TypedFunc<P, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("TypedFunc").field(&self.func).finish()
    }
}

impl<P: WasmTuple, R: WasmTuple> TypedFunc<P, R> {
    /// The underlying function.
    pub fn func(&self) -> Func {
        self.func
    }

    /// Calls the function.
    pub fn call<T>(&self, store: &mut Store<T>, params: P) -> Result<R, Trap> {
        if self.func.store != store.inner.id {
            return Err(Trap::host("typed function used with a store it does not belong to"));
        }
        let mut buf = [0u64; 16];
        let mut heap;
        let (args, results): (&mut [u64], &mut [u64]) = if P::LEN + R::LEN <= buf.len() {
            let (a, r) = buf.split_at_mut(P::LEN);
            (a, &mut r[..R::LEN])
        } else {
            heap = vec![0u64; P::LEN + R::LEN];
            let (a, r) = heap.split_at_mut(P::LEN);
            (a, r)
        };
        params.write(args);
        let (inner, mut host) = store.split();
        exec::invoke(inner, &mut host, self.func.index, args, results)?;
        Ok(R::read(results, store.inner.id))
    }
}
