//! Typed, lazily loaded contract storage.
//!
//! - [`Item<T>`]: one value under the key `prefix`.
//! - [`Map<K, V>`]: one value per key under `prefix ‖ SCALE(K)`.
//!
//! Values are SCALE-encoded. Nothing is loaded up front: each `get` is one `storage_read` (two
//! for values over [`STORAGE_READ_BUFFER`](crate::env::STORAGE_READ_BUFFER) bytes) and each
//! `set`/`insert` one `storage_write`, so a method pays only for the entries it touches.
//!
//! In a `#[storage]` struct the `#[contract]` macro gives each field the prefix of its name as
//! written (`balances` → `b"balances"`), unless the field carries `#[prefix = "..."]` (pin the
//! prefix to keep the layout across renames). It rejects layouts where one prefix is a prefix of
//! another, so the keys of different fields never collide. A stored value that does not decode
//! as its declared type aborts with [`abort_code::STORAGE_CORRUPT`](crate::abort_code).

use alloc::vec::Vec;
use core::marker::PhantomData;

use parity_scale_codec::{Decode, Encode};

use crate::bytes::{self, with_encoded};
use crate::decode::decode_value;
use crate::env;

/// A storage handle created from a key prefix: what `#[storage]` fields must implement.
pub trait Field {
    /// The handle for `prefix`.
    fn at(prefix: &'static [u8]) -> Self;
}

/// A contract's storage struct (implemented by the `#[contract]` macro for the `#[storage]`
/// struct): builds every field's handle. Loading the layout reads nothing.
pub trait Layout {
    /// The struct with each field at its prefix.
    fn layout() -> Self;
}

fn decode_stored<T: Decode + 'static>(bytes: &[u8]) -> T {
    let mut input = bytes;
    match decode_value(&mut input) {
        Some(v) if input.is_empty() => v,
        _ => env::abort(crate::abort_code::STORAGE_CORRUPT),
    }
}

/// One SCALE-encoded value stored under its prefix.
pub struct Item<T> {
    key: &'static [u8],
    _value: PhantomData<fn() -> T>,
}

impl<T> Field for Item<T> {
    fn at(prefix: &'static [u8]) -> Self {
        Item::new(prefix)
    }
}

impl<T> Item<T> {
    /// The item stored under `key`.
    pub const fn new(key: &'static [u8]) -> Self {
        Item { key, _value: PhantomData }
    }

    /// Its storage key.
    pub const fn key(&self) -> &'static [u8] {
        self.key
    }

    /// Whether a value is stored (one `storage_has`).
    pub fn exists(&self) -> bool {
        env::storage_has(self.key)
    }

    /// Deletes the value.
    pub fn remove(&mut self) {
        env::storage_remove(self.key)
    }
}

// `'static`: see `decode::decode_value` (a `#[storage]` struct has no lifetime parameters, so
// its fields' value types are `'static`).
impl<T: Decode + 'static> Item<T> {
    /// The stored value, `None` if there is none.
    pub fn get(&self) -> Option<T> {
        env::storage_get(self.key).map(|b| decode_stored(&b))
    }

    /// The stored value or `T::default()`.
    pub fn get_or_default(&self) -> T
    where
        T: Default,
    {
        self.get().unwrap_or_default()
    }
}

impl<T: Encode> Item<T> {
    /// Stores `value`.
    pub fn set(&mut self, value: &T) {
        with_encoded(value, |v| env::storage_set(self.key, v))
    }
}

/// SCALE-encoded values, one storage entry per key: the entry of `k` is `prefix ‖ SCALE(k)`.
/// There is no iteration (the host has no range reads for contracts).
pub struct Map<K, V> {
    prefix: &'static [u8],
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Field for Map<K, V> {
    fn at(prefix: &'static [u8]) -> Self {
        Map::new(prefix)
    }
}

impl<K, V> Map<K, V> {
    /// The map under `prefix`.
    pub const fn new(prefix: &'static [u8]) -> Self {
        Map { prefix, _types: PhantomData }
    }

    /// Its key prefix.
    pub const fn prefix(&self) -> &'static [u8] {
        self.prefix
    }
}

impl<K: Encode, V> Map<K, V> {
    /// The storage key of `key`: `prefix ‖ SCALE(key)`.
    pub fn key_of(&self, key: &K) -> Vec<u8> {
        let mut k = bytes::with_capacity(self.prefix.len() + key.size_hint());
        bytes::append(&mut k, self.prefix);
        bytes::encode_to(key, &mut k);
        k
    }

    /// Whether `key` has a value (one `storage_has`).
    pub fn contains(&self, key: &K) -> bool {
        env::storage_has(&self.key_of(key))
    }

    /// Deletes the value of `key`.
    pub fn remove(&mut self, key: &K) {
        env::storage_remove(&self.key_of(key))
    }
}

impl<K: Encode, V: Decode + 'static> Map<K, V> {
    /// The value of `key`, `None` if there is none.
    pub fn get(&self, key: &K) -> Option<V> {
        env::storage_get(&self.key_of(key)).map(|b| decode_stored(&b))
    }

    /// The value of `key` or `V::default()`.
    pub fn get_or_default(&self, key: &K) -> V
    where
        V: Default,
    {
        self.get(key).unwrap_or_default()
    }
}

impl<K: Encode, V: Encode> Map<K, V> {
    /// Stores `value` under `key`.
    pub fn insert(&mut self, key: &K, value: &V) {
        with_encoded(value, |v| env::storage_set(&self.key_of(key), v))
    }
}
