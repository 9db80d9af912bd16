//! Finding the contract in the module `#[contract]` is on: the one `#[storage]` struct and its
//! prefixes (which must not overlap), the `#[event]` structs and their topics, and the methods
//! of the storage's inherent impls with their kinds, arguments and selectors (which must not
//! collide). Every misuse is a compile error at the offending tokens. The attributes the macro
//! consumes are stripped here, and items deriving `Encode`/`Decode` get the SDK's codec crate and
//! (off wasm32) `TypeInfo`.

use proc_macro2::{Span, TokenTree};
use quote::{format_ident, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Fields, FnArg, Ident, ImplItem, Item, ItemMod, ItemStruct, Pat, ReturnType, Type};
use tally_digest::{hex, selector};

use crate::model::{Arg, Contract, EventDef, EventField, Kind, Method, StorageField};

/// Most events have a signature topic, which leaves this many for fields.
const MAX_TOPICS: usize = 4;

fn is_attr(attr: &Attribute, name: &str) -> bool {
    attr.path().is_ident(name)
}

/// Removes the attributes named `name`, returning them.
fn take_attrs(attrs: &mut Vec<Attribute>, name: &str) -> Vec<Attribute> {
    let (taken, kept) = std::mem::take(attrs).into_iter().partition(|a| is_attr(a, name));
    *attrs = kept;
    taken
}

/// The prefix given by `#[prefix = "..."]` / `#[prefix = b"..."]`, if any.
fn parse_prefix(attrs: &mut Vec<Attribute>) -> syn::Result<Option<Vec<u8>>> {
    let taken = take_attrs(attrs, "prefix");
    if let Some(second) = taken.get(1) {
        return Err(syn::Error::new(second.span(), "a field takes at most one `#[prefix = \"...\"]`"));
    }
    let Some(attr) = taken.first() else { return Ok(None) };
    let nv = attr
        .meta
        .require_name_value()
        .map_err(|_| syn::Error::new(attr.span(), "expected `#[prefix = \"...\"]` or `#[prefix = b\"...\"]`"))?;
    let bytes = match &nv.value {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => s.value().into_bytes(),
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::ByteStr(s), .. }) => s.value(),
        other => {
            return Err(syn::Error::new(other.span(), "the prefix must be a string or byte-string literal"));
        }
    };
    if bytes.is_empty() {
        return Err(syn::Error::new(nv.value.span(), "a storage prefix must not be empty"));
    }
    Ok(Some(bytes))
}

fn analyze_storage(s: &mut ItemStruct) -> syn::Result<Vec<StorageField>> {
    if !s.generics.params.is_empty() {
        return Err(syn::Error::new(s.generics.span(), "the #[storage] struct cannot be generic"));
    }
    let Fields::Named(named) = &mut s.fields else {
        return Err(syn::Error::new(
            s.ident.span(),
            "the #[storage] struct needs named fields (each an Item or a Map)",
        ));
    };
    let mut fields = Vec::new();
    for f in named.named.iter_mut() {
        let ident = f.ident.clone().expect("named field");
        let prefix = parse_prefix(&mut f.attrs)?.unwrap_or_else(|| ident.to_string().into_bytes());
        fields.push(StorageField { ident, ty: f.ty.clone(), prefix });
    }
    for (i, a) in fields.iter().enumerate() {
        for b in &fields[i + 1..] {
            if a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix) {
                return Err(syn::Error::new(
                    b.ident.span(),
                    format!(
                        "the storage prefixes of `{}` ({:?}) and `{}` ({:?}) overlap: one is a prefix of the other, \
                         so their keys could collide; pin distinct ones with `#[prefix = \"...\"]`",
                        a.ident,
                        String::from_utf8_lossy(&a.prefix),
                        b.ident,
                        String::from_utf8_lossy(&b.prefix)
                    ),
                ));
            }
        }
    }
    Ok(fields)
}

fn analyze_event(s: &mut ItemStruct, attr: &Attribute) -> syn::Result<EventDef> {
    let anonymous = match &attr.meta {
        syn::Meta::Path(_) => false,
        syn::Meta::List(l) => {
            let ident: Ident = syn::parse2(l.tokens.clone())
                .map_err(|_| syn::Error::new(l.tokens.span(), "expected `#[event]` or `#[event(anonymous)]`"))?;
            if ident != "anonymous" {
                return Err(syn::Error::new(ident.span(), "expected `#[event]` or `#[event(anonymous)]`"));
            }
            true
        }
        syn::Meta::NameValue(nv) => {
            return Err(syn::Error::new(nv.span(), "expected `#[event]` or `#[event(anonymous)]`"));
        }
    };
    if !s.generics.params.is_empty() {
        return Err(syn::Error::new(s.generics.span(), "an #[event] struct cannot be generic"));
    }
    let max = if anonymous { MAX_TOPICS } else { MAX_TOPICS - 1 };
    let mut fields = Vec::new();
    match &mut s.fields {
        Fields::Named(named) => {
            for f in named.named.iter_mut() {
                let topics = take_attrs(&mut f.attrs, "topic");
                if let Some(a) = topics.iter().find(|a| !matches!(a.meta, syn::Meta::Path(_))) {
                    return Err(syn::Error::new(a.span(), "`#[topic]` takes no arguments"));
                }
                let topic = !topics.is_empty();
                if topic && fields.iter().filter(|f: &&EventField| f.topic).count() == max {
                    return Err(syn::Error::new(
                        f.span(),
                        format!(
                            "an event has at most {MAX_TOPICS} topics: {}; this is one #[topic] field too many",
                            if anonymous {
                                "an anonymous event can have 4 #[topic] fields"
                            } else {
                                "topic 0 is the event signature, which leaves 3 for #[topic] fields \
                                 (use #[event(anonymous)] for 4)"
                            }
                        ),
                    ));
                }
                let name = f.ident.as_ref().expect("named field").to_string();
                fields.push(EventField { name, topic });
            }
        }
        Fields::Unit => {}
        Fields::Unnamed(u) => {
            return Err(syn::Error::new(u.span(), "an #[event] struct needs named fields (or none)"));
        }
    }
    Ok(EventDef { ident: s.ident.clone(), anonymous, fields })
}

/// The method kind from `#[init]`/`#[call]`/`#[view]` (consumed), if any.
fn method_kind(attrs: &mut Vec<Attribute>) -> syn::Result<Option<(Kind, Span)>> {
    let mut found: Option<(Kind, Span)> = None;
    for (name, kind) in [("init", Kind::Init), ("call", Kind::Call), ("view", Kind::View), ("migrate", Kind::Migrate)] {
        for a in take_attrs(attrs, name) {
            if !matches!(a.meta, syn::Meta::Path(_)) {
                return Err(syn::Error::new(a.span(), format!("`#[{name}]` takes no arguments")));
            }
            if let Some((prev, _)) = found {
                return Err(syn::Error::new(
                    a.span(),
                    format!(
                        "a method is either #[init], #[call], #[view] or #[migrate]; this one is already #[{}]",
                        prev.name()
                    ),
                ));
            }
            found = Some((kind, a.span()));
        }
    }
    Ok(found)
}

fn analyze_method(kind: Kind, f: &syn::ImplItemFn) -> syn::Result<Method> {
    let sig = &f.sig;
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(sig.generics.span(), "contract methods cannot be generic"));
    }
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new(a.span(), "contract methods cannot be async"));
    }
    if let Some(u) = &sig.unsafety {
        return Err(syn::Error::new(u.span(), "contract methods cannot be unsafe"));
    }
    if let Some(v) = &sig.variadic {
        return Err(syn::Error::new(v.span(), "contract methods cannot be variadic"));
    }
    let wanted = if kind == Kind::View { "&self" } else { "&mut self" };
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(r)) => {
            let mutable = match &*r.ty {
                Type::Reference(t) => Some(t.mutability.is_some()),
                _ => None,
            };
            match (kind, mutable) {
                (Kind::View, Some(false)) | (Kind::Init | Kind::Call | Kind::Migrate, Some(true)) => {}
                (Kind::View, Some(true)) => {
                    return Err(syn::Error::new(
                        r.span(),
                        "a #[view] method takes `&self`: views cannot change state (use #[call] for `&mut self`)",
                    ));
                }
                _ => {
                    return Err(syn::Error::new(r.span(), format!("a #[{}] method takes `{wanted}`", kind.name())));
                }
            }
        }
        _ => {
            return Err(syn::Error::new(
                sig.ident.span(),
                format!("a #[{}] method takes `{wanted}` as its first parameter", kind.name()),
            ));
        }
    }
    let mut args = Vec::new();
    for (i, input) in inputs.enumerate() {
        let FnArg::Typed(pt) = input else { unreachable!("only the first parameter can be a receiver") };
        let (ident, name) = match &*pt.pat {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => (pi.ident.clone(), pi.ident.to_string()),
            Pat::Wild(w) => (format_ident!("__arg{}", i, span = w.span()), "_".to_string()),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "unsupported argument pattern: contract method arguments must be plain names (`name: Type`)",
                ));
            }
        };
        match &*pt.ty {
            Type::Reference(r) => {
                return Err(syn::Error::new(
                    r.span(),
                    "contract method arguments are decoded from the input, so they must be owned types \
                     (e.g. `String` instead of `&str`, `Vec<u8>` instead of `&[u8]`)",
                ));
            }
            Type::ImplTrait(t) => {
                return Err(syn::Error::new(t.span(), "contract method arguments cannot be `impl Trait`"));
            }
            _ => {}
        }
        args.push(Arg { ident, name, ty: (*pt.ty).clone() });
    }
    let ret = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => {
            if let Type::ImplTrait(t) = &**ty {
                return Err(syn::Error::new(t.span(), "contract methods cannot return `impl Trait`"));
            }
            Some((**ty).clone())
        }
    };
    let docs = f.attrs.iter().filter(|a| is_attr(a, "doc")).cloned().collect();
    Ok(Method { kind, ident: sig.ident.clone(), args, ret, selector: selector(&sig.ident.to_string()), docs })
}

/// Adds `#[codec(crate = ::tally_sdk::scale)]` to items deriving `Encode`/`Decode` without one.
fn add_codec_crate(attrs: &mut Vec<Attribute>) {
    let derives_codec = attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.meta.to_token_stream().into_iter().any(|t| {
                fn has(t: &TokenTree) -> bool {
                    match t {
                        TokenTree::Ident(i) => i == "Encode" || i == "Decode",
                        TokenTree::Group(g) => g.stream().into_iter().any(|t| has(&t)),
                        _ => false,
                    }
                }
                has(&t)
            })
    });
    let has_crate =
        attrs.iter().any(|a| a.path().is_ident("codec") && a.meta.to_token_stream().to_string().contains("crate"));
    if derives_codec && !has_crate {
        attrs.push(syn::parse_quote!(#[codec(crate = ::tally_sdk::scale)]));
    }
    if derives_codec {
        add_type_info(attrs);
    }
}

/// Derives `scale_info::TypeInfo` off wasm32 (for the metadata's type registry; see
/// [`metadata`]), unless the item derives it itself.
fn add_type_info(attrs: &mut Vec<Attribute>) {
    let has_it =
        attrs.iter().any(|a| a.path().is_ident("derive") && a.meta.to_token_stream().to_string().contains("TypeInfo"));
    if !has_it {
        attrs.push(syn::parse_quote!(
            #[cfg_attr(
                not(target_arch = "wasm32"),
                derive(::tally_sdk::__private::TypeInfo),
                scale_info(crate = ::tally_sdk::__private::scale_info)
            )]
        ));
    }
}

/// Finds the contract's parts and strips the attributes the macro consumes.
pub(crate) fn analyze(module: &mut ItemMod) -> syn::Result<Contract> {
    let Some((_, items)) = &mut module.content else {
        return Err(syn::Error::new(
            module.ident.span(),
            "#[contract] needs an inline module (`mod name { ... }`), not `mod name;`",
        ));
    };
    let mut storage: Option<(Ident, Vec<StorageField>)> = None;
    let mut events = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Struct(s) => {
                let st = take_attrs(&mut s.attrs, "storage");
                let ev = take_attrs(&mut s.attrs, "event");
                if let (Some(a), Some(_)) = (st.first(), ev.first()) {
                    return Err(syn::Error::new(a.span(), "a struct is either #[storage] or #[event], not both"));
                }
                if let Some(a) = st.first() {
                    if !matches!(a.meta, syn::Meta::Path(_)) {
                        return Err(syn::Error::new(a.span(), "`#[storage]` takes no arguments"));
                    }
                    if let Some((prev, _)) = &storage {
                        return Err(syn::Error::new(
                            s.ident.span(),
                            format!("a contract has one #[storage] struct, and `{prev}` is already it"),
                        ));
                    }
                    storage = Some((s.ident.clone(), analyze_storage(s)?));
                } else if let Some(a) = ev.first() {
                    events.push(analyze_event(s, a)?);
                    s.attrs.push(syn::parse_quote!(#[derive(::tally_sdk::scale::Encode, ::tally_sdk::scale::Decode)]));
                    s.attrs.push(syn::parse_quote!(#[codec(crate = ::tally_sdk::scale)]));
                    add_type_info(&mut s.attrs);
                } else {
                    add_codec_crate(&mut s.attrs);
                }
            }
            Item::Enum(e) => add_codec_crate(&mut e.attrs),
            _ => {}
        }
    }
    let Some((storage, fields)) = storage else {
        return Err(syn::Error::new(
            module.ident.span(),
            "a #[contract] module needs a `#[storage] struct` holding its state (it may have no fields)",
        ));
    };
    let mut methods: Vec<Method> = Vec::new();
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let for_storage = imp.trait_.is_none()
            && matches!(&*imp.self_ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident(&storage));
        for ii in imp.items.iter_mut() {
            let ImplItem::Fn(f) = ii else { continue };
            let Some((kind, span)) = method_kind(&mut f.attrs)? else { continue };
            if !for_storage {
                return Err(syn::Error::new(
                    span,
                    format!("#[{}] methods belong in an inherent `impl {storage}` block", kind.name()),
                ));
            }
            let m = analyze_method(kind, f)?;
            if !kind.is_dispatched() {
                if let Some(prev) = methods.iter().find(|m| m.kind == kind) {
                    return Err(syn::Error::new(
                        f.sig.ident.span(),
                        format!(
                            "a contract has at most one #[{}] method, and `{}` is already it",
                            kind.name(),
                            prev.ident
                        ),
                    ));
                }
            } else if let Some(prev) = methods.iter().find(|p| p.kind.is_dispatched() && p.selector == m.selector) {
                return Err(syn::Error::new(
                    f.sig.ident.span(),
                    format!(
                        "the selectors of `{}` and `{}` collide ({}); rename one",
                        prev.ident,
                        m.ident,
                        hex(&m.selector)
                    ),
                ));
            }
            methods.push(m);
        }
    }
    Ok(Contract { module: module.ident.clone(), storage, fields, methods, events })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{analyze_src, OK};
    use tally_digest::keccak;

    fn err(src: &str) -> String {
        analyze_src(src).expect_err("should be rejected").to_string()
    }

    #[test]
    fn finds_the_parts_and_computes_selectors() {
        let c = analyze_src(OK).expect("valid");
        assert_eq!(c.storage, "Token");
        assert_eq!(c.fields[0].prefix, b"balances");
        assert_eq!(c.fields[1].prefix, b"s");
        let kinds: Vec<_> = c.methods.iter().map(|m| (m.ident.to_string(), m.kind)).collect();
        assert_eq!(
            kinds,
            [("init".into(), Kind::Init), ("transfer".into(), Kind::Call), ("balance_of".into(), Kind::View)]
        );
        // keccak256("transfer")[..4], as in Ethereum's `transfer(address,uint256)` prefix-free name.
        assert_eq!(hex(&c.methods[1].selector), hex(&keccak(b"transfer")[..4]));
        assert_eq!(c.events[0].fields.iter().filter(|f| f.topic).count(), 2);
    }

    #[test]
    fn misuse_is_rejected_with_a_clear_message() {
        let cases: &[(&str, &str)] = &[
            ("mod m { impl S {} }", "needs a `#[storage] struct`"),
            ("mod m;", "inline module"),
            ("mod m { #[storage] struct A {} #[storage] struct B {} }", "one #[storage] struct"),
            (
                "mod m { #[storage] struct S {} impl S { #[init] fn a(&mut self) {} #[init] fn b(&mut self) {} } }",
                "at most one #[init]",
            ),
            ("mod m { #[storage] struct S {} impl S { #[view] fn v(&mut self) {} } }", "takes `&self`"),
            ("mod m { #[storage] struct S {} impl S { #[call] fn c(&self) {} } }", "takes `&mut self`"),
            ("mod m { #[storage] struct S {} impl S { #[call] fn c(self) {} } }", "takes `&mut self`"),
            ("mod m { #[storage] struct S {} impl S { #[call] fn c() {} } }", "first parameter"),
            ("mod m { #[storage] struct S {} impl S { #[call] fn c(&mut self, (a, b): (u8, u8)) {} } }", "plain names"),
            ("mod m { #[storage] struct S {} impl S { #[call] fn c(&mut self, s: &str) {} } }", "owned types"),
            ("mod m { #[storage] struct S {} impl S { #[call] fn c<T>(&mut self, t: T) {} } }", "generic"),
            ("mod m { #[storage] struct S {} impl S { #[call] #[view] fn c(&self) {} } }", "either #[init]"),
            ("mod m { #[storage] struct S {} impl Other { #[call] fn c(&mut self) {} } }", "impl S"),
            ("mod m { #[storage] struct S { bal: Item<u8>, balances: Map<u8, u8> } }", "overlap"),
            ("mod m { #[storage] struct S { #[prefix = \"\"] a: Item<u8> } }", "must not be empty"),
            ("mod m { #[storage] struct S(Item<u8>); }", "named fields"),
            (
                "mod m { #[storage] struct S {} #[event] struct E { #[topic] a: u8, #[topic] b: u8, #[topic] c: u8, #[topic] d: u8 } }",
                "at most 4 topics",
            ),
            ("mod m { #[storage] struct S {} #[event(loud)] struct E {} }", "anonymous"),
            ("mod m { #[storage] #[event] struct S {} }", "not both"),
        ];
        for (src, needle) in cases {
            let e = err(src);
            assert!(e.contains(needle), "{src}\n  gave: {e}\n  expected to contain: {needle}");
        }
    }

    #[test]
    fn anonymous_events_take_four_topics() {
        let c = analyze_src(
            "mod m { #[storage] struct S {} #[event(anonymous)] struct E { #[topic] a: u8, #[topic] b: u8, #[topic] c: u8, #[topic] d: u8 } }",
        )
        .expect("valid");
        assert!(c.events[0].anonymous);
    }

    #[test]
    fn codec_crate_is_added_to_deriving_items_only() {
        let mut m: ItemMod = syn::parse_str(
            "mod m { #[storage] struct S {} #[derive(Clone, Encode)] enum E { A } #[derive(Clone)] struct P; }",
        )
        .expect("parses");
        analyze(&mut m).expect("valid");
        let out = m.to_token_stream().to_string();
        assert_eq!(out.matches("codec (crate = :: tally_sdk :: scale)").count(), 1, "{out}");
    }
}
