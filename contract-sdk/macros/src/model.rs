//! What the macro finds in a contract module: the storage struct and its fields, the methods and
//! their kinds, and the events, with the one question about types that several generators ask
//! ([`is_result`]).

use syn::{Attribute, Ident, Type};

/// `#[init]`, `#[call]`, `#[view]` or `#[migrate]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Init,
    Call,
    View,
    Migrate,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Init => "init",
            Kind::Call => "call",
            Kind::View => "view",
            Kind::Migrate => "migrate",
        }
    }

    /// Whether the `call` export dispatches to it by selector (the others have an export of
    /// their own, whose input is the arguments alone).
    pub(crate) fn is_dispatched(self) -> bool {
        matches!(self, Kind::Call | Kind::View)
    }
}

#[derive(Debug)]
pub(crate) struct Arg {
    pub(crate) ident: Ident,
    pub(crate) name: String,
    pub(crate) ty: Type,
}

#[derive(Debug)]
pub(crate) struct Method {
    pub(crate) kind: Kind,
    pub(crate) ident: Ident,
    pub(crate) args: Vec<Arg>,
    pub(crate) ret: Option<Type>,
    pub(crate) selector: [u8; 4],
    /// The method's doc comments, repeated on its typed reference and client methods.
    pub(crate) docs: Vec<Attribute>,
}

#[derive(Debug)]
pub(crate) struct StorageField {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) prefix: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct EventField {
    pub(crate) name: String,
    pub(crate) topic: bool,
}

#[derive(Debug)]
pub(crate) struct EventDef {
    pub(crate) ident: Ident,
    pub(crate) anonymous: bool,
    pub(crate) fields: Vec<EventField>,
}

/// What the macro found in the module.
#[derive(Debug)]
pub(crate) struct Contract {
    pub(crate) module: Ident,
    pub(crate) storage: Ident,
    pub(crate) fields: Vec<StorageField>,
    pub(crate) methods: Vec<Method>,
    pub(crate) events: Vec<EventDef>,
}

/// Whether the return type is `...::Result<..>` (by its last path segment).
pub(crate) fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Result"),
        Type::Paren(p) => is_result(&p.elem),
        Type::Group(g) => is_result(&g.elem),
        _ => false,
    }
}
