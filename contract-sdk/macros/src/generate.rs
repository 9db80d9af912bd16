//! The code `#[contract]` adds to the module: the storage struct's `Layout`, each event's `Event`
//! impl, the `deploy`, `call` and `migrate` entry points with the selector dispatch, and the wasm
//! exports and metadata placeholder, followed by the metadata function, the typed reference and
//! the typed test client (from `metadata.rs`, `refs.rs` and `client.rs`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::{Ident, Item, ItemMod, Type};

use crate::metadata::metadata_fn;
use crate::model::{is_result, Contract, Kind, Method};
use crate::{client, refs};

fn finish_call(ret: &Option<Type>, call: TokenStream) -> TokenStream {
    match ret {
        Some(ty) if is_result(ty) => quote!(::tally_sdk::__private::dispatch::finish_result(#call)),
        Some(_) => quote!(::tally_sdk::__private::dispatch::finish(#call)),
        None => quote!({ #call; }),
    }
}

/// The body that decodes `m`'s arguments from `bytes` and runs it.
fn invoke(storage: &Ident, m: &Method, bytes: TokenStream) -> TokenStream {
    let sel = m.selector;
    let sel = quote!([#(#sel),*]);
    let idents: Vec<&Ident> = m.args.iter().map(|a| &a.ident).collect();
    let tys: Vec<&Type> = m.args.iter().map(|a| &a.ty).collect();
    let name = &m.ident;
    let binding = if m.kind == Kind::View { quote!(let __tally_self) } else { quote!(let mut __tally_self) };
    let view = (m.kind == Kind::View).then(|| quote!(::tally_sdk::__private::dispatch::enter_view();));
    let call = quote!(__tally_self.#name(#(#idents),*));
    let finish = finish_call(&m.ret, call);
    quote_spanned! {m.ident.span()=>
        #view
        let mut __tally_in: &[u8] = #bytes;
        #(let #idents: #tys = ::tally_sdk::__private::dispatch::decode_arg(#sel, &mut __tally_in);)*
        ::tally_sdk::__private::dispatch::no_args_left(#sel, __tally_in);
        #binding = <#storage as ::tally_sdk::__private::Layout>::layout();
        #finish
    }
}

/// The wasm exports `deploy` and `call` and the metadata section's placeholder: on wasm32, unless the
/// crate is built with feature `ref-only` (as a dependency of another contract, for its types
/// and typed reference; see the SDK's README). Built that way as a package of its own (the
/// features of one contract's dependency reached it through cargo's feature unification), it
/// would be a module without entry points, so that is a compile error when cargo compiles it
/// (`CARGO_PRIMARY_PACKAGE` is set for the packages a cargo command selects). Cargo reuses a
/// build of the crate made earlier as a dependency without compiling it again, so this catches
/// the mistake in most, not all, cases; building one contract per invocation avoids it.
fn entry_points(migrate: bool) -> TokenStream {
    let migrate_export = migrate.then(|| {
        quote! {
            #[cfg(all(target_arch = "wasm32", not(feature = "ref-only")))]
            #[export_name = "migrate"]
            extern "C" fn __tally_export_migrate() {
                __tally_migrate()
            }
        }
    });
    let guard = quote! {
        #[cfg(all(target_arch = "wasm32", feature = "ref-only"))]
        const _: () = if ::core::option_env!("CARGO_PRIMARY_PACKAGE").is_some() {
            ::core::panic!(::core::concat!(
                "`", ::core::env!("CARGO_PKG_NAME"), "` is being built for wasm32 with feature `ref-only`, \
                 which leaves out its `deploy` and `call` exports: the feature is for contracts used as \
                 dependencies of other contracts, and reached `", ::core::env!("CARGO_PKG_NAME"), "` \
                 through cargo's feature unification. Build each contract with a cargo invocation of its \
                 own: `tally build`, `tally_sdk_build::build`, or `cargo rustc -p ",
                ::core::env!("CARGO_PKG_NAME"), " --lib --crate-type cdylib`"
            ))
        };
    };
    quote! {
        // `ref-only` need not be a declared feature of the crate.
        #[allow(unexpected_cfgs)]
        const _: () = {
            #guard

            // A one-byte placeholder marking an SDK contract: `tally-sdk-build` replaces it with
            // the metadata it generates natively (a plain `cargo build` leaves it). No `#[used]`:
            // wasm-ld keeps custom sections anyway, and `#[used]` would also put a copy of the
            // byte into the data segment.
            #[cfg(all(target_arch = "wasm32", not(feature = "ref-only")))]
            #[link_section = "tally.metadata"]
            static __TALLY_METADATA_PLACEHOLDER: [u8; 1] = [0];

            #[cfg(all(target_arch = "wasm32", not(feature = "ref-only")))]
            #[export_name = "deploy"]
            extern "C" fn __tally_export_deploy() {
                __tally_deploy()
            }

            #[cfg(all(target_arch = "wasm32", not(feature = "ref-only")))]
            #[export_name = "call"]
            extern "C" fn __tally_export_call() {
                __tally_call()
            }

            #migrate_export
        };
    }
}

pub(crate) fn generate(module: &mut ItemMod, c: &Contract) -> TokenStream {
    let storage = &c.storage;
    let field_idents: Vec<&Ident> = c.fields.iter().map(|f| &f.ident).collect();
    let field_tys: Vec<&Type> = c.fields.iter().map(|f| &f.ty).collect();
    let prefixes: Vec<syn::LitByteStr> =
        c.fields.iter().map(|f| syn::LitByteStr::new(&f.prefix, f.ident.span())).collect();
    let layout = quote! {
        impl ::tally_sdk::__private::Layout for #storage {
            fn layout() -> Self {
                #storage { #(#field_idents: <#field_tys as ::tally_sdk::__private::Field>::at(#prefixes)),* }
            }
        }
    };

    let events = c.events.iter().map(|e| {
        let ident = &e.ident;
        let name = syn::LitByteStr::new(ident.to_string().as_bytes(), ident.span());
        let sig = (!e.anonymous).then(|| quote!(<Self as ::tally_sdk::Event>::SIGNATURE,));
        let anonymous = e.anonymous.then(|| {
            quote!(
                const ANONYMOUS: bool = true;
            )
        });
        let topics: Vec<TokenStream> = e
            .fields
            .iter()
            .filter(|f| f.topic)
            .map(|f| {
                let f = format_ident!("{}", f.name);
                quote!(::tally_sdk::__private::topic_of(&self.#f))
            })
            .collect();
        quote! {
            impl ::tally_sdk::Event for #ident {
                const SIGNATURE: [u8; 32] = ::tally_sdk::__private::const_keccak256(#name);
                #anonymous
                fn topics(&self) -> ::tally_sdk::prelude::Vec<[u8; 32]> {
                    ::tally_sdk::prelude::vec![#sig #(#topics),*]
                }
                fn emit_self(&self) {
                    let topics: &[[u8; 32]] = &[#sig #(#topics),*];
                    ::tally_sdk::__private::with_encoded(self, |data| ::tally_sdk::env::emit_event(topics, data))
                }
            }
        }
    });

    let deploy_body = match c.methods.iter().find(|m| m.kind == Kind::Init) {
        Some(m) => invoke(storage, m, quote!(&__tally_input)),
        None => quote! {
            ::tally_sdk::__private::dispatch::no_args_left([0; 4], &__tally_input);
        },
    };
    let migrate = c.methods.iter().find(|m| m.kind == Kind::Migrate).map(|m| {
        let body = invoke(storage, m, quote!(&__tally_input));
        quote! {
            /// Entry point `migrate`: runs the `#[migrate]` method on the SCALE-encoded arguments,
            /// only when the caller is this contract itself (as with `set_code`).
            #[doc(hidden)]
            #[allow(dead_code)]
            pub fn __tally_migrate() {
                if ::tally_sdk::env::caller() != ::tally_sdk::env::self_address() {
                    ::tally_sdk::env::abort(::tally_sdk::abort_code::MIGRATE_NOT_SELF)
                }
                let __tally_input = ::tally_sdk::env::input();
                #body
            }
        }
    });
    let arms = c.methods.iter().filter(|m| m.kind.is_dispatched()).map(|m| {
        // Matched as one little-endian `u32` rather than four bytes: one comparison per method
        // instead of a tree of byte comparisons (code size, which every load pays for).
        let sel = proc_macro2::Literal::u32_suffixed(u32::from_le_bytes(m.selector));
        let body = invoke(storage, m, quote!(&__tally_args));
        quote!(#sel => { #body })
    });
    let metadata = metadata_fn(c);
    let entry = entry_points(migrate.is_some());
    let reference = refs::generate(c);
    let client = client::generate(c);
    let generated = quote! {
        #layout
        #(#events)*

        #metadata

        /// Entry point `deploy`: runs the `#[init]` method on the SCALE-encoded arguments.
        // Live even where the wasm exports are compiled out (on the host), so the contract's
        // methods do not warn as dead code there.
        #[doc(hidden)]
        #[allow(dead_code)]
        pub fn __tally_deploy() {
            let __tally_input = ::tally_sdk::env::input();
            #deploy_body
        }

        /// Entry point `call`: dispatches `selector ‖ SCALE(args)` to a method.
        // Live even where the wasm exports are compiled out (on the host), so the contract's
        // methods do not warn as dead code there.
        #[doc(hidden)]
        #[allow(dead_code)]
        pub fn __tally_call() {
            let (__tally_selector, __tally_args) = ::tally_sdk::__private::dispatch::call_input();
            match ::core::primitive::u32::from_le_bytes(__tally_selector) {
                #(#arms)*
                _ => ::tally_sdk::__private::dispatch::DispatchError::UnknownSelector(__tally_selector).revert(),
            }
        }

        #migrate
        #entry
        #reference
        #client
    };
    let (_, items) = module.content.as_mut().expect("checked by analyze");
    items.push(Item::Verbatim(generated));
    module.to_token_stream()
}
