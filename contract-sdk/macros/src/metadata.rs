//! The generated `metadata()` of a contract (the format is `tally-sdk-metadata`'s), and the
//! spelling of types in it.

use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::Type;

use crate::model::{is_result, Contract, Kind};

/// A type as written: tokens joined, a space between words and after `,` and `;`.
pub(crate) fn type_string(ty: &Type) -> String {
    fn walk(tokens: TokenStream, out: &mut String, prev_word: &mut bool) {
        for t in tokens {
            match t {
                TokenTree::Ident(i) => {
                    if *prev_word {
                        out.push(' ');
                    }
                    out.push_str(&i.to_string());
                    *prev_word = true;
                }
                TokenTree::Literal(l) => {
                    if *prev_word {
                        out.push(' ');
                    }
                    out.push_str(&l.to_string());
                    *prev_word = true;
                }
                TokenTree::Punct(p) => {
                    let c = p.as_char();
                    out.push(c);
                    if c == ',' || c == ';' {
                        out.push(' ');
                    }
                    // A lifetime's quote joins the following word.
                    *prev_word = false;
                }
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                        proc_macro2::Delimiter::Bracket => ("[", "]"),
                        proc_macro2::Delimiter::Brace => ("{", "}"),
                        proc_macro2::Delimiter::None => ("", ""),
                    };
                    if *prev_word && open.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(open);
                    let mut inner = false;
                    walk(g.stream(), out, &mut inner);
                    out.push_str(close);
                    *prev_word = open.is_empty() && inner;
                }
            }
        }
    }
    let mut s = String::new();
    walk(ty.to_token_stream(), &mut s, &mut false);
    s.trim_end().to_string()
}

/// `metadata()` (off wasm32), which describes the contract with a type registry, and, when the
/// crate is compiled with `--cfg tally_metadata` (by `tally-sdk-build`'s metadata generator
/// only), the unmangled `__tally_contract_metadata` the generator calls for the section's bytes.
pub(crate) fn metadata_fn(c: &Contract) -> TokenStream {
    let contract = c.storage.to_string();
    let module = c.module.to_string();
    let storage = c.fields.iter().map(|f| {
        let name = f.ident.to_string();
        let type_name = type_string(&f.ty);
        let prefix = &f.prefix;
        quote! {
            __m::StorageInfo { name: #name.into(), type_name: #type_name.into(), prefix: ::tally_sdk::prelude::vec![#(#prefix),*] }
        }
    });
    let methods = c.methods.iter().map(|m| {
        let name = m.ident.to_string();
        let kind = match m.kind {
            Kind::Init => quote!(__m::MethodKind::Init),
            Kind::Call => quote!(__m::MethodKind::Call),
            Kind::View => quote!(__m::MethodKind::View),
            Kind::Migrate => quote!(__m::MethodKind::Migrate),
        };
        let sel = m.selector;
        let args = m.args.iter().map(|a| {
            let (name, type_name, ty) = (&a.name, type_string(&a.ty), &a.ty);
            quote!(__m::ArgInfo { name: #name.into(), type_name: #type_name.into(), ty: __types.ty::<#ty>() })
        });
        let returns = match &m.ret {
            None => quote!(::core::option::Option::None),
            Some(ty) => {
                let type_name = type_string(ty);
                let (ok, err) = if is_result(ty) {
                    (
                        quote!(__types.ty::<<#ty as __m::ResultParts>::Ok>()),
                        quote!(::core::option::Option::Some(__types.ty::<<#ty as __m::ResultParts>::Err>())),
                    )
                } else {
                    (quote!(__types.ty::<#ty>()), quote!(::core::option::Option::None))
                };
                quote!(::core::option::Option::Some(__m::ReturnInfo { type_name: #type_name.into(), ok: #ok, err: #err }))
            }
        };
        quote! {
            __m::MethodInfo {
                name: #name.into(),
                kind: #kind,
                selector: [#(#sel),*],
                args: ::tally_sdk::prelude::vec![#(#args),*],
                returns: #returns,
            }
        }
    });
    let events = c.events.iter().map(|e| {
        let ident = &e.ident;
        let name = ident.to_string();
        let anonymous = e.anonymous;
        let topics = e.fields.iter().filter(|f| f.topic).map(|f| &f.name);
        quote! {
            __m::EventInfo {
                name: #name.into(),
                anonymous: #anonymous,
                ty: __types.ty::<#ident>(),
                topics: ::tally_sdk::prelude::vec![#(#topics.into()),*],
            }
        }
    });
    quote! {
        /// The contract's metadata: methods with their selectors and typed arguments and
        /// returns, events, the storage layout, and the type registry that defines every type
        /// they name. `tally build` (through `tally-sdk-build`) writes it into the wasm module
        /// as the custom section `tally.metadata` (`tally metadata <wasm>` prints it).
        #[cfg(not(target_arch = "wasm32"))]
        pub fn metadata() -> ::tally_sdk::__private::metadata::Metadata {
            use ::tally_sdk::__private::metadata as __m;
            let mut __types = __m::TypeCollector::new();
            let methods = ::tally_sdk::prelude::vec![#(#methods),*];
            let events = ::tally_sdk::prelude::vec![#(#events),*];
            let dispatch_error = __types.ty::<::tally_sdk::dispatch::DispatchError>();
            __m::Metadata {
                contract: #contract.into(),
                module: #module.into(),
                storage: ::tally_sdk::prelude::vec![#(#storage),*],
                methods,
                events,
                dispatch_error,
                types: __types.finish(),
            }
        }

        // `tally_metadata` is set by the metadata generator for this crate alone.
        #[allow(unexpected_cfgs)]
        const _: () = {
            /// The `tally.metadata` section's bytes, for `tally-sdk-build`'s generator.
            #[cfg(all(tally_metadata, not(target_arch = "wasm32")))]
            #[unsafe(no_mangle)]
            pub extern "Rust" fn __tally_contract_metadata() -> ::tally_sdk::prelude::Vec<u8> {
                metadata().to_section()
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{analyze_src, OK};

    #[test]
    fn metadata_fn_describes_every_method_and_event() {
        let c = analyze_src(OK).expect("valid");
        let out = metadata_fn(&c).to_string();
        for needle in [
            "pub fn metadata ()",
            "name : \"transfer\" . into () , kind : __m :: MethodKind :: Call",
            "type_name : \"Address\" . into () , ty : __types . ty :: < Address > ()",
            "Result < () , Error > as __m :: ResultParts > :: Ok > ()",
            "Result < () , Error > as __m :: ResultParts > :: Err > ())",
            "type_name : \"u128\" . into () , ok : __types . ty :: < u128 > () , err : :: core :: option :: Option :: None",
            "ty : __types . ty :: < Transfer > () , topics : :: tally_sdk :: prelude :: vec ! [\"from\" . into () , \"to\" . into ()]",
            "type_name : \"Map<Address, u128>\"",
            "cfg (all (tally_metadata , not (target_arch = \"wasm32\")))",
        ] {
            assert!(out.contains(needle), "missing {needle}\n{out}");
        }
    }

    #[test]
    fn type_strings() {
        let t = |s: &str| type_string(&syn::parse_str::<Type>(s).expect("type"));
        assert_eq!(t("Vec < u8 >"), "Vec<u8>");
        assert_eq!(t("(Address,u128)"), "(Address, u128)");
        assert_eq!(t("[u8;32]"), "[u8; 32]");
        assert_eq!(t("Option<Vec<(u8, String)>>"), "Option<Vec<(u8, String)>>");
        assert_eq!(t("core::result::Result<u8, E>"), "core::result::Result<u8, E>");
    }
}
