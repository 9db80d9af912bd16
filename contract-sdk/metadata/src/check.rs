//! The consistency checks of [`Metadata::parse`](crate::Metadata::parse): everything a reader
//! relies on is verified once, so the CLI and TestChain can index the registry and trust
//! selectors without re-checking.

use std::collections::BTreeSet;

use scale_info::{form::PortableForm, Field, TypeDef};

use crate::{Metadata, MetadataError, MethodKind};

fn invalid(at: impl Into<String>, problem: impl Into<String>) -> MetadataError {
    MetadataError::Invalid { at: at.into(), problem: problem.into() }
}

/// Checks that type id `id`, referred to at the place `at` names, is in the registry.
type KnownType<'a> = dyn Fn(&dyn Fn() -> String, u32) -> Result<(), MetadataError> + 'a;

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
fn check_types(m: &Metadata, known: &KnownType<'_>) -> Result<(), MetadataError> {
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

#[cfg(test)]
mod tests {
    use parity_scale_codec::Encode;

    use crate::{ArgInfo, EventInfo, Metadata, MetadataError, MethodInfo, MethodKind, ReturnInfo, TypeCollector};

    #[derive(scale_info::TypeInfo)]
    #[allow(dead_code)]
    struct Moved {
        from: u8,
        to: u8,
    }

    fn valid() -> Metadata {
        let mut types = TypeCollector::new();
        let u8_ty = types.ty::<u8>();
        let moved = types.ty::<Moved>();
        let dispatch_error = types.ty::<u16>();
        Metadata {
            contract: "C".into(),
            module: "c".into(),
            storage: vec![],
            methods: vec![MethodInfo {
                name: "go".into(),
                kind: MethodKind::Call,
                selector: tally_digest::selector("go"),
                args: vec![ArgInfo { name: "n".into(), type_name: "u8".into(), ty: u8_ty }],
                returns: Some(ReturnInfo { type_name: "u8".into(), ok: u8_ty, err: None }),
            }],
            events: vec![EventInfo { name: "Moved".into(), anonymous: false, ty: moved, topics: vec!["to".into()] }],
            dispatch_error,
            types: types.finish(),
        }
    }

    fn refused(change: impl FnOnce(&mut Metadata)) -> String {
        let mut m = valid();
        change(&mut m);
        Metadata::parse(&m.to_section()).unwrap_err().to_string()
    }

    #[test]
    fn valid_metadata_round_trips() {
        let m = valid();
        assert_eq!(Metadata::parse(&m.to_section()), Ok(m));
    }

    /// Every truncation and every single-bit flip of a valid section either parses (and then
    /// decodes data by each of its types without panicking) or is refused; none panics.
    #[test]
    fn damaged_sections_never_panic() {
        let section = valid().to_section();
        let mut parsed = 0;
        let mut try_one = |bytes: &[u8]| {
            if let Ok(m) = Metadata::parse(bytes) {
                parsed += 1;
                for id in 0..m.types.types.len() as u32 {
                    for data in [&[][..], &[0xff; 9][..], &section[..]] {
                        let _ = crate::value::decode_all(&m.types, id, data);
                        let _ = m.type_name(id);
                    }
                }
            }
        };
        for len in 0..section.len() {
            try_one(&section[..len]);
        }
        for i in 0..section.len() {
            for bit in 0..8 {
                let mut damaged = section.clone();
                damaged[i] ^= 1 << bit;
                try_one(&damaged);
            }
        }
        assert!(parsed > 0, "some flips (in names, say) still parse");
    }

    #[test]
    fn malformed_metadata_is_refused_naming_what_is_wrong() {
        assert_eq!(Metadata::parse(&[]), Err(MetadataError::Empty));
        assert_eq!(Metadata::parse(&[0]), Err(MetadataError::NotGenerated));
        assert_eq!(Metadata::parse(b"{\"metadata_version\":1}"), Err(MetadataError::Version1));
        assert_eq!(Metadata::parse(&[3, 0]), Err(MetadataError::UnknownVersion(3)));
        let section = valid().to_section();
        assert!(matches!(Metadata::parse(&section[..section.len() - 1]), Err(MetadataError::Decode(_))));
        let mut trailing = section.clone();
        trailing.push(0);
        assert!(matches!(Metadata::parse(&trailing), Err(MetadataError::Decode(_))));
        // A huge length prefix allocates nothing: the input ends first.
        let mut huge = vec![2];
        "C".encode_to(&mut huge);
        "c".encode_to(&mut huge);
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(Metadata::parse(&huge), Err(MetadataError::Decode(_))));

        assert_eq!(
            refused(|m| m.methods[0].args[0].ty = 99),
            "invalid metadata: method `go`, argument `n`: type id 99 is not in the registry (3 types)"
        );
        assert_eq!(
            refused(|m| m.methods[0].selector = [0; 4]),
            format!(
                "invalid metadata: method `go`: its selector is 0x00000000, but keccak256(\"go\")[..4] is {}",
                tally_digest::hex(&tally_digest::selector("go"))
            )
        );
        assert_eq!(refused(|m| m.methods.push(m.methods[0].clone())), "invalid metadata: method `go`: declared twice");
        assert_eq!(
            refused(|m| m.events[0].topics = vec!["nope".into()]),
            "invalid metadata: event `Moved`: #[topic] field `nope` is not a field of the struct"
        );
        assert_eq!(
            refused(|m| m.events[0].ty = m.methods[0].args[0].ty),
            "invalid metadata: event `Moved`: its type 0 is not a struct"
        );
        assert_eq!(
            refused(|m| m.dispatch_error = 7),
            "invalid metadata: the dispatch error: type id 7 is not in the registry (3 types)"
        );
        assert_eq!(
            refused(|m| m.types.types[1].id = 5),
            "invalid metadata: type 1 (tally_sdk_metadata::check::tests::Moved): it is listed with id 5"
        );
        assert_eq!(
            refused(|m| {
                let mut init = m.methods[0].clone();
                init.kind = MethodKind::Init;
                for name in ["a", "b"] {
                    m.methods.push(MethodInfo {
                        name: name.into(),
                        selector: tally_digest::selector(name),
                        ..init.clone()
                    });
                }
            }),
            "invalid metadata: contract C: it has 2 initializers (a, b); at most one"
        );
        assert_eq!(refused(|m| m.contract.clear()), "invalid metadata: the contract: its name is empty");
    }
}
