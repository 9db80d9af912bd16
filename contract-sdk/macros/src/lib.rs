//! The `#[contract]` attribute of `tally-sdk` (use it as `#[tally_sdk::contract]`).
//!
//! # Input
//!
//! ```ignore
//! #[tally_sdk::contract]
//! mod token {
//!     use tally_sdk::prelude::*;
//!
//!     #[storage]                       // exactly one; named fields implementing `storage::Field`
//!     pub struct Token {
//!         balances: Map<Address, u128>, // prefix b"balances"
//!         #[prefix = "s"]               // pinned prefix
//!         supply: Item<u128>,
//!     }
//!
//!     #[event]                          // derives Encode + Decode, implements `Event`
//!     pub struct Transfer {
//!         #[topic] from: Address,       // at most 3 topics (4 with `#[event(anonymous)]`)
//!         #[topic] to: Address,
//!         value: u128,
//!     }
//!
//!     impl Token {
//!         #[init] pub fn init(&mut self, supply: u128) { /* ... */ }
//!         #[call] pub fn transfer(&mut self, to: Address, value: u128) -> Result<(), Error> { /* ... */ }
//!         #[view] pub fn balance_of(&self, who: Address) -> u128 { /* ... */ }
//!     }
//! }
//! ```
//!
//! # Output
//!
//! The module as written (attributes consumed), plus:
//!
//! - `impl tally_sdk::storage::Layout` for the storage struct;
//! - `impl tally_sdk::Event` for each event;
//! - `#[codec(crate = ::tally_sdk::scale)]` on every item of the module that derives `Encode` or
//!   `Decode`, so contracts need no direct `parity-scale-codec` dependency;
//! - every `CallBuilder::new(contract, "method")` whose method is a string literal rewritten to
//!   `CallBuilder::with_selector(contract, <selector>)`, so it hashes nothing at run time;
//! - on wasm32, the exports `deploy` and `call` (convention: `tally_sdk::dispatch`), and
//!   `migrate` for a contract with a `#[migrate]` method (run by `tally_sdk::install::set_code`
//!   with the contract itself as the caller; any other caller aborts with
//!   `abort_code::MIGRATE_NOT_SELF`);
//! - off wasm32, `pub fn metadata() -> tally_sdk::metadata::Metadata`: the methods, events and
//!   storage layout with a `scale-info` type registry defining every type they name (each item of
//!   the module deriving `Encode`/`Decode`, and each event, also derives `scale_info::TypeInfo`
//!   off wasm32 only, so none of it reaches the contract's code); `tally-sdk-build` runs it
//!   natively and writes the result into the wasm module as the custom section `tally.metadata`,
//!   in place of the one-byte placeholder (`[0]`) the macro puts there on wasm32;
//! - `<Storage>Ref` (e.g. `TokenRef`), the typed reference other contracts call this one with:
//!   `TokenRef::at(address)`, builder-style options (`tally_sdk::call::ContractRef`), and one
//!   method per `#[call]`/`#[view]` method with its own argument types, returning
//!   `Result<R, CallError>` (`R` the method's return type; `Result<T, E>` methods decode a revert
//!   with exactly one `E` as `Ok(Err(e))`);
//! - off wasm32, the typed test client `<Storage>Client` and `<Storage>Calls<'_, C>` over a
//!   `tally_sdk::client::Chain` (such as `TestChain`), and `tally_sdk::client::EventOf` for each
//!   event.
//!
//! With the crate's feature `ref-only` enabled (a contract depending on this one for its types
//! and reference: `token = { path = "../token", features = ["ref-only"] }`), the exports are left
//! out, so they do not clash with the dependent's own. The feature need not be declared by crates nobody depends on. A crate built for wasm32 with `ref-only` as
//! a package cargo was asked to build (feature unification in a workspace build) is a compile
//! error that says to build contracts one at a time.
//!
//! # Metadata
//!
//! The format (version 2: one version byte, then the SCALE encoding of
//! `tally_sdk_metadata::Metadata`) is `tally-sdk-metadata`'s. Types as written in the source are
//! kept for messages (tokens joined, a space after `,` and `;`); every argument, return, error and
//! event type is also an id into the registry. A return type whose last path segment is `Result`
//! is treated as `Result<T, E>` (Ok → return SCALE(T), Err → revert SCALE(E)): its `ok` and `err`
//! ids are `T` and `E`. A `#[migrate]` method has kind `migrate`: it runs through the `migrate`
//! export with the arguments alone as input, as `init` does, and is never called by selector. The `selector` of the init method is not part of the deploy input; it
//! only appears in `DispatchError::BadArguments`.
//!
//! # Where things are
//!
//! This file holds the attribute's entry point. `model.rs` is what the macro finds in a module
//! (the contract, its storage fields, methods and events); `analyze.rs` finds it, checks it and
//! strips the attributes the macro consumes; `generate.rs` writes the storage layout, the event
//! impls, the entry points and the selector dispatch, and assembles the rest from `metadata.rs`
//! (the `metadata()` function), `refs.rs` (the typed reference), `client.rs` (the typed test
//! client) and `calls.rs` (compile-time selectors of cross-contract calls).

#![warn(missing_docs)]

mod analyze;
mod calls;
mod client;
mod generate;
mod metadata;
mod model;
mod refs;

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::ItemMod;
use tally_digest::selector;

/// Turns a module into a Tally contract; see the crate docs.
#[proc_macro_attribute]
pub fn contract(attr: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    match expand(attr.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `#[contract]` on `item`, with `proc_macro2` tokens so that tests can run it outside a compiler.
fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new(attr.span(), "#[contract] takes no arguments"));
    }
    let mut module: ItemMod = syn::parse2(item).map_err(|e| {
        syn::Error::new(e.span(), format!("#[contract] goes on an inline module (`mod name {{ ... }}`): {e}"))
    })?;
    let contract = analyze::analyze(&mut module)?;
    calls::const_selectors(&mut module);
    Ok(generate::generate(&mut module, &contract))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Contract;
    use quote::quote;

    /// The contract `src` (a module's source) describes, as `analyze` finds it.
    pub(crate) fn analyze_src(src: &str) -> syn::Result<Contract> {
        let mut m: ItemMod = syn::parse_str(src).expect("parses");
        analyze::analyze(&mut m)
    }

    /// A valid contract with storage, an event, an error type and each kind of method but
    /// `#[migrate]`.
    pub(crate) const OK: &str = r#"
        mod token {
            #[storage]
            pub struct Token { balances: Map<Address, u128>, #[prefix = "s"] supply: Item<u128> }
            #[event]
            pub struct Transfer { #[topic] from: Address, #[topic] to: Address, value: u128 }
            #[derive(Encode, Decode)]
            pub enum Error { Insufficient }
            impl Token {
                #[init] pub fn init(&mut self, supply: u128) {}
                #[call] pub fn transfer(&mut self, to: Address, value: u128) -> Result<(), Error> { Ok(()) }
                #[view] pub fn balance_of(&self, who: Address) -> u128 { 0 }
                fn helper(&self) {}
            }
        }"#;

    #[test]
    fn expansion_has_the_typed_reference_and_client() {
        let out = expand(TokenStream::new(), syn::parse_str(OK).expect("tokens")).expect("expands").to_string();
        for needle in [
            "pub struct TokenRef",
            "ContractRef for TokenRef",
            "pub struct TokenClient",
            "pub struct TokenCalls",
            "EventOf < TokenClient > for Transfer",
            // Methods, not the initializer, with their own argument types.
            "pub fn transfer (& self , to : Address , value : u128)",
            "pub fn transfer (self , to : Address , value : u128)",
            "pub fn balance_of (& self , who : Address)",
            // The exports go with `ref-only`.
            "all (target_arch = \"wasm32\" , not (feature = \"ref-only\"))",
        ] {
            assert!(out.contains(needle), "missing {needle}\n{out}");
        }
        assert!(!out.contains("pub fn init (& self"), "no init on the reference");
        // `Result` methods decode the revert as their error; views are read-only (`true`).
        let [a, b, c, d] = selector("transfer");
        assert!(
            out.contains(&format!("call_result ([{a}u8 , {b}u8 , {c}u8 , {d}u8] , & (to , value ,) , false)")),
            "{out}"
        );
        let [a, b, c, d] = selector("balance_of");
        assert!(out.contains(&format!(". call ([{a}u8 , {b}u8 , {c}u8 , {d}u8] , & (who ,) , true)")), "{out}");
    }

    #[test]
    fn expansion_has_both_exports_and_the_metadata_function() {
        let out = expand(TokenStream::new(), syn::parse_str(OK).expect("tokens")).expect("expands").to_string();
        for needle in [
            "export_name = \"deploy\"",
            "export_name = \"call\"",
            "link_section = \"tally.metadata\"",
            "pub fn metadata ()",
            "__tally_contract_metadata",
        ] {
            assert!(out.contains(needle), "missing {needle}");
        }
        assert!(expand(quote!(x), syn::parse_str(OK).expect("tokens")).is_err());
    }
}
