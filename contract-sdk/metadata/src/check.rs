//! The consistency checks of [`Metadata::parse`](crate::Metadata::parse): everything a reader
//! relies on is verified once, so the CLI and TestChain can index the registry and trust
//! selectors without re-checking.

use std::collections::BTreeSet;

use scale_info::{form::PortableForm, Field, TypeDef};

use crate::{Metadata, MetadataError, MethodKind};

fn invalid(at: impl Into<String>, problem: impl Into<String>) -> MetadataError {
    MetadataError::Invalid { at: at.into(), problem: problem.into() }
}

/// Checks `m` (see [`Metadata::parse`](crate::Metadata::parse)).
pub(crate) fn check(m: &Metadata) -> Result<(), MetadataError> {
    if m.contract.is_empty() {
        return Err(invalid("the contract", "its name is empty"));
    }
    if m.module.is_empty() {
        return Err(invalid(format!("contract {}", m.contract), "its module name is empty"));
    }
    let count = m.types.types.len();
    let known = |at: &dyn Fn() -> String, id: u32| -> Result<(), MetadataError> {
        if (id as usize) < count {
            Ok(())
        } else {
            Err(invalid(at(), format!("type id {id} is not in the registry ({count} types)")))
        }
    };
    check_types(m, &known)?;
    known(&|| "the dispatch error".into(), m.dispatch_error)?;

    for s in &m.storage {
        if s.name.is_empty() {
            return Err(invalid("a storage field", "its name is empty"));
        }
        if s.prefix.is_empty() {
            return Err(invalid(format!("storage field `{}`", s.name), "its key prefix is empty"));
        }
    }

    let mut names = BTreeSet::new();
    for method in &m.methods {
        let name = &method.name;
        if name.is_empty() {
            return Err(invalid("a method", "its name is empty"));
        }
        if !names.insert(name.as_str()) {
            return Err(invalid(format!("method `{name}`"), "declared twice"));
        }
        let expected = tally_digest::selector(name);
        if method.selector != expected {
            return Err(invalid(
                format!("method `{name}`"),
                format!(
                    "its selector is {}, but keccak256(\"{name}\")[..4] is {}",
                    tally_digest::hex(&method.selector),
                    tally_digest::hex(&expected)
                ),
            ));
        }
        let mut args = BTreeSet::new();
        for a in &method.args {
            if a.name.is_empty() {
                return Err(invalid(format!("method `{name}`"), "an argument has no name"));
            }
            if !args.insert(a.name.as_str()) {
                return Err(invalid(format!("method `{name}`"), format!("argument `{}` is declared twice", a.name)));
            }
            known(&|| format!("method `{name}`, argument `{}`", a.name), a.ty)?;
        }
        if let Some(r) = &method.returns {
            known(&|| format!("method `{name}`, return type"), r.ok)?;
            if let Some(err) = r.err {
                known(&|| format!("method `{name}`, error type"), err)?;
            }
        }
    }
    let inits: Vec<&str> = m.methods.iter().filter(|x| x.kind == MethodKind::Init).map(|x| x.name.as_str()).collect();
    if inits.len() > 1 {
        return Err(invalid(
            format!("contract {}", m.contract),
            format!("it has {} initializers ({}); at most one", inits.len(), inits.join(", ")),
        ));
    }

    let mut events = BTreeSet::new();
    for e in &m.events {
        if e.name.is_empty() {
            return Err(invalid("an event", "its name is empty"));
        }
        let at = || format!("event `{}`", e.name);
        if !events.insert(e.name.as_str()) {
            return Err(invalid(at(), "declared twice"));
        }
        known(&at, e.ty)?;
        let max = if e.anonymous { 4 } else { 3 };
        if e.topics.len() > max {
            return Err(invalid(at(), format!("{} #[topic] fields, at most {max}", e.topics.len())));
        }
        let fields: &[Field<PortableForm>] = match m.types.resolve(e.ty).map(|t| &t.type_def) {
            Some(TypeDef::Composite(c)) => &c.fields,
            _ => return Err(invalid(at(), format!("its type {} is not a struct", e.ty))),
        };
        for topic in &e.topics {
            if !fields.iter().any(|f| f.name.as_deref() == Some(topic.as_str())) {
                return Err(invalid(at(), format!("#[topic] field `{topic}` is not a field of the struct")));
            }
        }
    }
    Ok(())
}

/// Every type sits at the position its id says, and every type it refers to exists.
fn check_types(m: &Metadata, known: &dyn Fn(&dyn Fn() -> String, u32) -> Result<(), MetadataError>) -> Result<(), MetadataError> {
    for (i, t) in m.types.types.iter().enumerate() {
        let name = || {
            let path = t.ty.path.segments.join("::");
            if path.is_empty() {
                format!("type {i}")
            } else {
                format!("type {i} ({path})")
            }
        };
        if t.id as usize != i {
            return Err(invalid(name(), format!("it is listed with id {}", t.id)));
        }
        for p in &t.ty.type_params {
            if let Some(ty) = p.ty {
                known(&|| format!("{}, type parameter `{}`", name(), p.name), ty.id)?;
            }
        }
        let fields = |fields: &[Field<PortableForm>], at: &dyn Fn() -> String| {
            fields.iter().enumerate().try_for_each(|(n, f)| {
                let field = || match &f.name {
                    Some(fname) => format!("{}, field `{fname}`", at()),
                    None => format!("{}, field {n}", at()),
                };
                known(&field, f.ty.id)
            })
        };
        match &t.ty.type_def {
            TypeDef::Composite(c) => fields(&c.fields, &name)?,
            TypeDef::Variant(v) => {
                let mut indices = BTreeSet::new();
                for variant in &v.variants {
                    let at = || format!("{}, variant `{}`", name(), variant.name);
                    if variant.name.is_empty() {
                        return Err(invalid(name(), "a variant has no name"));
                    }
                    if !indices.insert(variant.index) {
                        return Err(invalid(at(), format!("index {} is used twice", variant.index)));
                    }
                    fields(&variant.fields, &at)?;
                }
            }
            TypeDef::Sequence(s) => known(&|| format!("{}, element", name()), s.type_param.id)?,
            TypeDef::Array(a) => known(&|| format!("{}, element", name()), a.type_param.id)?,
            TypeDef::Tuple(tuple) => {
                for (n, f) in tuple.fields.iter().enumerate() {
                    known(&|| format!("{}, element {n}", name()), f.id)?;
                }
            }
            TypeDef::Compact(c) => known(&|| format!("{}, compact of", name()), c.type_param.id)?,
            TypeDef::BitSequence(b) => {
                known(&|| format!("{}, bit store", name()), b.bit_store_type.id)?;
                known(&|| format!("{}, bit order", name()), b.bit_order_type.id)?;
            }
            TypeDef::Primitive(_) => {}
        }
    }
    Ok(())
}
