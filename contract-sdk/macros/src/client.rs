//! The typed test client (off wasm32 only): `<Storage>Client` (e.g. `TokenClient`), a handle on
//! a deployed contract, and `<Storage>Calls`, its methods bound to a chain and a sender, with
//! the contract's own argument and return types (`tally_sdk::client` describes them). They only
//! encode and decode; the chain (`tally_sdk::client::Chain`, e.g. `TestChain`) runs the code.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, Type};

use crate::model::{is_result, Contract, Kind, Method};

/// The client types, their methods, and the `EventOf` marks of the contract's events.
pub(crate) fn generate(c: &Contract) -> TokenStream {
    let storage = &c.storage;
    let client = format_ident!("{}Client", storage);
    let calls = format_ident!("{}Calls", storage);
    let client_doc = format!(
        " A typed client of a deployed `{storage}` contract, for tests (not on wasm32): deploy it \
         with its `#[init]` arguments, then call its methods through `.call(&mut chain, from)`, \
         `.query(&mut chain)` or `.query_as(&mut chain, from)` with their own argument and return \
         types, and read its events with `.events::<E>(&chain)` (see `tally_sdk::client`)."
    );
    let calls_doc = format!(
        " The methods of a `{storage}` contract bound to a chain and a sender (from \
         `{client}::call`, `query` or `query_as`): each runs the method once and returns \
         `Result<R, C::Failure>`, `R` being what the method returns."
    );
    let init = c.methods.iter().find(|m| m.kind == Kind::Init);
    let init_idents: Vec<Ident> = init.map_or_else(Vec::new, |m| m.args.iter().map(|a| a.ident.clone()).collect());
    let init_tys: Vec<Type> = init.map_or_else(Vec::new, |m| m.args.iter().map(|a| a.ty.clone()).collect());
    let init_docs = init.map_or(&[][..], |m| &m.docs[..]);
    // An `#[init]` returning `Result<_, E>`: its `Err(e)` is the deployment's own outcome.
    let init_error = init.and_then(|m| m.ret.as_ref()).filter(|ty| is_result(ty)).and_then(result_error);
    // The deploy function's own parameters, renamed if an init argument has the same name.
    let free = |name: &str| {
        let taken = init_idents.iter().any(|i: &Ident| i == name);
        if taken {
            format_ident!("__tally_{}", name)
        } else {
            format_ident!("{}", name)
        }
    };
    let (chain, code, deployer) = (free("chain"), free("code"), free("deployer"));
    let (deployed, deploy_body) = match &init_error {
        Some(e) => (
            quote!(::core::result::Result<Self, #e>),
            quote!(#chain.deploy_code_result::<#e>(#code, #deployer, input).map(|r| r.map(Self::at))),
        ),
        None => (quote!(Self), quote!(#chain.deploy_code(#code, #deployer, input).map(Self::at))),
    };
    let methods = c.methods.iter().filter(|m| m.kind.is_dispatched()).map(method);
    let events = c.events.iter().map(|e| &e.ident);
    quote! {
        #[cfg(not(target_arch = "wasm32"))]
        #[doc = #client_doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct #client {
            address: ::tally_sdk::Address,
        }

        #[cfg(not(target_arch = "wasm32"))]
        #[allow(dead_code)]
        impl #client {
            /// The client of the contract at `address`.
            pub const fn at(address: ::tally_sdk::Address) -> Self {
                #client { address }
            }

            /// The contract's address.
            pub fn address(&self) -> ::tally_sdk::Address {
                self.address
            }

            /// Deploys `code` (this contract's wasm) from `deployer`, running its `#[init]` method
            /// with these arguments, and returns the client of the new contract.
            ///
            #(#init_docs)*
            pub fn deploy<C: ::tally_sdk::client::Chain>(
                #chain: &mut C,
                #code: &[u8],
                #deployer: ::tally_sdk::Address,
                #(#init_idents: #init_tys),*
            ) -> ::core::result::Result<#deployed, C::Failure> {
                let input = ::tally_sdk::scale::Encode::encode(&(#(#init_idents,)*));
                #deploy_body
            }

            /// The contract's methods as transactions from `from` (committed when they succeed).
            pub fn call<'c, C: ::tally_sdk::client::Chain>(&self, chain: &'c mut C, from: ::tally_sdk::Address) -> #calls<'c, C> {
                #calls { chain, contract: self.address, from, read_only: false }
            }

            /// The contract's methods as read-only queries from the zero address (nothing is
            /// committed; writes and events trap).
            pub fn query<'c, C: ::tally_sdk::client::Chain>(&self, chain: &'c mut C) -> #calls<'c, C> {
                self.query_as(chain, ::tally_sdk::Address::ZERO)
            }

            /// The contract's methods as read-only queries from `from`.
            pub fn query_as<'c, C: ::tally_sdk::client::Chain>(&self, chain: &'c mut C, from: ::tally_sdk::Address) -> #calls<'c, C> {
                #calls { chain, contract: self.address, from, read_only: true }
            }

            /// The events of type `E` (one of this contract's) that this contract emitted in the
            /// chain's last execution, in order.
            pub fn events<E>(&self, chain: &impl ::tally_sdk::client::Chain) -> ::tally_sdk::prelude::Vec<E>
            where
                E: ::tally_sdk::Event + ::tally_sdk::scale::Decode + ::tally_sdk::client::EventOf<Self>,
            {
                chain.events_of::<E>(self.address)
            }
        }

        #[cfg(not(target_arch = "wasm32"))]
        #[doc = #calls_doc]
        pub struct #calls<'c, C> {
            chain: &'c mut C,
            contract: ::tally_sdk::Address,
            from: ::tally_sdk::Address,
            read_only: bool,
        }

        #[cfg(not(target_arch = "wasm32"))]
        #[allow(dead_code)]
        impl<'c, C: ::tally_sdk::client::Chain> #calls<'c, C> {
            #(#methods)*
        }

        #(
            #[cfg(not(target_arch = "wasm32"))]
            impl ::tally_sdk::client::EventOf<#client> for #events {}
        )*
    }
}

/// `E` of a return type `…Result<T, E>` written with both arguments (`None` for an alias such as
/// `Result<T>`, whose error type the macro cannot see).
pub(crate) fn result_error(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else { return None };
    match args.args.iter().nth(1)? {
        syn::GenericArgument::Type(e) => Some(e.clone()),
        _ => None,
    }
}

fn method(m: &Method) -> TokenStream {
    let name = &m.ident;
    let label = name.to_string();
    let docs = &m.docs;
    let sel = m.selector;
    let idents: Vec<&Ident> = m.args.iter().map(|a| &a.ident).collect();
    let tys: Vec<&Type> = m.args.iter().map(|a| &a.ty).collect();
    let (ret, helper) = match &m.ret {
        Some(ty) if is_result(ty) => (quote!(#ty), quote!(invoke_result)),
        Some(ty) => (quote!(#ty), quote!(invoke)),
        None => (quote!(()), quote!(invoke)),
    };
    quote! {
        #(#docs)*
        pub fn #name(self, #(#idents: #tys),*) -> ::core::result::Result<#ret, C::Failure> {
            let call = ::tally_sdk::client::ClientCall::new(
                self.contract, self.from, #label, [#(#sel),*], &(#(#idents,)*), self.read_only,
            );
            self.chain.#helper(call)
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;
    use crate::tests::analyze_src;

    #[test]
    fn deploy_parameters_make_way_for_init_arguments() {
        let c = analyze_src(
            "mod m { #[storage] struct S {} impl S { #[init] fn init(&mut self, chain: u8, deployer: u8) -> Result<(), E> { Ok(()) } } }",
        )
        .expect("valid");
        let out = generate(&c).to_string();
        assert!(out.contains("__tally_chain : & mut C , code : & [u8] , __tally_deployer"), "{out}");
        assert!(out.contains("chain : u8 , deployer : u8"), "{out}");
        // `#[init]` returning `Result<(), E>`: the deployment's own outcome.
        assert!(out.contains("Result < Self , E >") && out.contains("deploy_code_result :: < E >"), "{out}");
    }

    #[test]
    fn the_error_type_of_a_result() {
        let e = |s: &str| result_error(&syn::parse_str(s).expect("type")).map(|t| t.to_token_stream().to_string());
        assert_eq!(e("Result<(), Error>").as_deref(), Some("Error"));
        assert_eq!(e("core::result::Result<u8, m::E>").as_deref(), Some("m :: E"));
        assert_eq!(e("Result<u8>"), None, "an alias hides its error type");
    }
}
