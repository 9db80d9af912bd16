//! The typed contract reference `<Storage>Ref` (e.g. `TokenRef`): one method per `#[call]` and
//! `#[view]` method, with the contract's own argument and return types, for other contracts to
//! call this one (`tally_sdk::call::ContractRef` describes it).
//!
//! Each method is a constant selector and a call of one of `CallTarget`'s generic helpers, so a
//! contract pays in code size only for the methods it calls (the rest is never linked), and the
//! contract that defines the reference pays nothing.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Type};

use crate::model::{is_result, Contract, Kind, Method};

/// The reference type's name: the storage struct's name followed by `Ref`.
pub(crate) fn ref_ident(c: &Contract) -> Ident {
    format_ident!("{}Ref", c.storage)
}

/// The reference type, its `ContractRef` impl and its methods.
pub(crate) fn generate(c: &Contract) -> TokenStream {
    let storage = &c.storage;
    let ident = ref_ident(c);
    let doc = format!(
        " A typed reference to a deployed `{storage}` contract, for calls from other contracts: \
         `{ident}::at(address)`, options in builder style (`.gas(n)`, `.allow_reentry()`, \
         `.read_only()`) and one method per `#[call]`/`#[view]` method, returning \
         `Result<R, CallError>` where `R` is the method's return type (see \
         `tally_sdk::call::ContractRef`). Depend on this contract's crate with feature `ref-only` \
         to use it without linking this contract's entry points."
    );
    let methods = c.methods.iter().filter(|m| m.kind.is_dispatched()).map(method);
    let create = create(c);
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct #ident(::tally_sdk::call::CallTarget);

        impl ::tally_sdk::call::ContractRef for #ident {
            fn at(address: ::tally_sdk::Address) -> Self {
                #ident(::tally_sdk::call::CallTarget::new(address))
            }

            fn target(&self) -> &::tally_sdk::call::CallTarget {
                &self.0
            }

            fn target_mut(&mut self) -> &mut ::tally_sdk::call::CallTarget {
                &mut self.0
            }
        }

        #[allow(dead_code)]
        impl #ident {
            #create
            #(#methods)*
        }
    }
}

/// `create` (or `create_contract` when the contract has a method called `create`): creates a
/// contract from this contract's code with a salt and the `#[init]` arguments, returning its
/// reference (`tally_sdk::install` describes creation).
fn create(c: &Contract) -> TokenStream {
    let taken = |name: &str| c.methods.iter().any(|m| m.kind.is_dispatched() && m.ident == name);
    let name = if taken("create") { format_ident!("create_contract") } else { format_ident!("create") };
    let init = c.methods.iter().find(|m| m.kind == Kind::Init);
    let idents: Vec<Ident> = init.map_or_else(Vec::new, |m| m.args.iter().map(|a| a.ident.clone()).collect());
    let tys: Vec<Type> = init.map_or_else(Vec::new, |m| m.args.iter().map(|a| a.ty.clone()).collect());
    let free =
        |n: &str| if idents.iter().any(|i| i == n) { format_ident!("__tally_{}", n) } else { format_ident!("{}", n) };
    let (code, salt) = (free("code"), free("salt"));
    let error = init.and_then(|m| m.ret.as_ref()).filter(|ty| is_result(ty)).and_then(crate::client::result_error);
    let (ret, body) = match error {
        Some(e) => (
            quote!(::core::result::Result<::core::result::Result<Self, #e>, ::tally_sdk::install::DeployError>),
            quote!(::tally_sdk::install::create_result::<#e>(#code, #salt, &input, u64::MAX)
                .map(|r| r.map(<Self as ::tally_sdk::call::ContractRef>::at))),
        ),
        None => (
            quote!(::core::result::Result<Self, ::tally_sdk::install::DeployError>),
            quote!(::tally_sdk::install::create_plain(#code, #salt, &input, u64::MAX)
                .map(<Self as ::tally_sdk::call::ContractRef>::at)),
        ),
    };
    let doc = format!(
        " Creates a `{}` contract from `code` (this contract's wasm) at the address derived from \
         the calling contract, `salt` and the code's hash, running its `#[init]` with these \
         arguments and as much gas as the host allows; its reference, or why it failed (an \
         `#[init]` returning `Result<_, E>`: its `Err(e)` as `Ok(Err(e))`). See \
         `tally_sdk::install`.",
        c.storage
    );
    quote! {
        #[doc = #doc]
        pub fn #name(#code: &[u8], #salt: [u8; 32], #(#idents: #tys),*) -> #ret {
            let input = ::tally_sdk::__private::encode(&(#(#idents,)*));
            #body
        }
    }
}

fn method(m: &Method) -> TokenStream {
    let name = &m.ident;
    let docs = &m.docs;
    let sel = m.selector;
    let idents: Vec<&Ident> = m.args.iter().map(|a| &a.ident).collect();
    let tys: Vec<&Type> = m.args.iter().map(|a| &a.ty).collect();
    let view = m.kind == Kind::View;
    let (ret, helper) = match &m.ret {
        Some(ty) if is_result(ty) => (quote!(#ty), quote!(call_result)),
        Some(ty) => (quote!(#ty), quote!(call)),
        None => (quote!(()), quote!(call)),
    };
    quote! {
        #(#docs)*
        pub fn #name(&self, #(#idents: #tys),*) -> ::core::result::Result<#ret, ::tally_sdk::CallError> {
            ::tally_sdk::call::ContractRef::target(self).#helper([#(#sel),*], &(#(#idents,)*), #view)
        }
    }
}
