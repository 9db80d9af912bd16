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

#![warn(missing_docs)]

mod calls;
mod client;
mod metadata;
mod refs;

use metadata::metadata_fn;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Fields, FnArg, Ident, ImplItem, Item, ItemMod, ItemStruct, Pat, ReturnType, Type};
use tally_digest::{hex, selector};

/// Turns a module into a Tally contract; see the crate docs.
#[proc_macro_attribute]
pub fn contract(attr: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    match expand(attr.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Most events have a signature topic, which leaves this many for fields.
const MAX_TOPICS: usize = 4;

/// `#[init]`, `#[call]`, `#[view]` or `#[migrate]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Init,
    Call,
    View,
    Migrate,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Init => "init",
            Kind::Call => "call",
            Kind::View => "view",
            Kind::Migrate => "migrate",
        }
    }

    /// Whether the `call` export dispatches to it by selector (the others have an export of
    /// their own, whose input is the arguments alone).
    fn is_dispatched(self) -> bool {
        matches!(self, Kind::Call | Kind::View)
    }
}

#[derive(Debug)]
struct Arg {
    ident: Ident,
    name: String,
    ty: Type,
}

#[derive(Debug)]
struct Method {
    kind: Kind,
    ident: Ident,
    args: Vec<Arg>,
    ret: Option<Type>,
    selector: [u8; 4],
    /// The method's doc comments, repeated on its typed reference and client methods.
    docs: Vec<Attribute>,
}

#[derive(Debug)]
struct StorageField {
    ident: Ident,
    ty: Type,
    prefix: Vec<u8>,
}

#[derive(Debug)]
struct EventField {
    name: String,
    topic: bool,
}

#[derive(Debug)]
struct EventDef {
    ident: Ident,
    anonymous: bool,
    fields: Vec<EventField>,
}

/// What the macro found in the module.
#[derive(Debug)]
struct Contract {
    module: Ident,
    storage: Ident,
    fields: Vec<StorageField>,
    methods: Vec<Method>,
    events: Vec<EventDef>,
}

fn is_attr(attr: &Attribute, name: &str) -> bool {
    attr.path().is_ident(name)
}

/// Removes the attributes named `name`, returning them.
fn take_attrs(attrs: &mut Vec<Attribute>, name: &str) -> Vec<Attribute> {
    let (taken, kept) = std::mem::take(attrs).into_iter().partition(|a| is_attr(a, name));
    *attrs = kept;
    taken
}

/// Whether the return type is `...::Result<..>` (by its last path segment).
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Result"),
        Type::Paren(p) => is_result(&p.elem),
        Type::Group(g) => is_result(&g.elem),
        _ => false,
    }
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
fn analyze(module: &mut ItemMod) -> syn::Result<Contract> {
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
    let idents: Vec<&Ident> = m.args.iter().map(|a| &a.ident).collect();
    let tys: Vec<&Type> = m.args.iter().map(|a| &a.ty).collect();
    let name = &m.ident;
    let binding = if m.kind == Kind::View { quote!(let __tally_self) } else { quote!(let mut __tally_self) };
    let view = (m.kind == Kind::View).then(|| quote!(::tally_sdk::__private::dispatch::enter_view();));
    let call = quote!(__tally_self.#name(#(#idents),*));
    let finish = finish_call(&m.ret, call);
    quote_spanned! {m.ident.span()=>
        #view
        let (#(#idents,)*): (#(#tys,)*) = ::tally_sdk::__private::dispatch::decode_args([#(#sel),*], #bytes);
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

fn generate(module: &mut ItemMod, c: &Contract) -> TokenStream {
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
                    ::tally_sdk::scale::Encode::using_encoded(self, |data| ::tally_sdk::env::emit_event(topics, data))
                }
            }
        }
    });

    let deploy_body = match c.methods.iter().find(|m| m.kind == Kind::Init) {
        Some(m) => invoke(storage, m, quote!(&__tally_input)),
        None => quote! {
            let (): () = ::tally_sdk::__private::dispatch::decode_args([0; 4], &__tally_input);
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

fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new(attr.span(), "#[contract] takes no arguments"));
    }
    let mut module: ItemMod = syn::parse2(item).map_err(|e| {
        syn::Error::new(e.span(), format!("#[contract] goes on an inline module (`mod name {{ ... }}`): {e}"))
    })?;
    let contract = analyze(&mut module)?;
    calls::const_selectors(&mut module);
    Ok(generate(&mut module, &contract))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tally_digest::keccak;

    pub(crate) fn analyze_src(src: &str) -> syn::Result<Contract> {
        let mut m: ItemMod = syn::parse_str(src).expect("parses");
        analyze(&mut m)
    }

    fn err(src: &str) -> String {
        analyze_src(src).expect_err("should be rejected").to_string()
    }

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
