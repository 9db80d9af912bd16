//! The metadata JSON of a contract (format: the crate docs), and the spelling of types in it.

use std::fmt::Write as _;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::Type;
use tally_digest::{hex, keccak};

use crate::{Contract, Kind};

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

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The metadata JSON (see the crate docs).
pub(crate) fn metadata_json(c: &Contract) -> String {
    let mut j = String::new();
    let _ = write!(
        j,
        "{{\"metadata_version\":1,\"abi\":\"tally_host_v1\",\"contract\":{},\"module\":{},\"storage\":[",
        json_str(&c.storage.to_string()),
        json_str(&c.module.to_string())
    );
    for (i, f) in c.fields.iter().enumerate() {
        let _ = write!(
            j,
            "{}{{\"field\":{},\"type\":{},\"prefix\":\"{}\"}}",
            if i > 0 { "," } else { "" },
            json_str(&f.ident.to_string()),
            json_str(&type_string(&f.ty)),
            hex(&f.prefix)
        );
    }
    j.push_str("],\"methods\":[");
    for (i, m) in c.methods.iter().enumerate() {
        let args: Vec<String> = m
            .args
            .iter()
            .map(|a| format!("{{\"name\":{},\"type\":{}}}", json_str(&a.name), json_str(&type_string(&a.ty))))
            .collect();
        let _ = write!(
            j,
            "{}{{\"name\":{},\"kind\":\"{}\",\"entry\":\"{}\",\"selector\":\"{}\",\"mutates\":{},\"args\":[{}],\"returns\":{}}}",
            if i > 0 { "," } else { "" },
            json_str(&m.ident.to_string()),
            m.kind.name(),
            m.kind.entry(),
            hex(&m.selector),
            m.kind != Kind::View,
            args.join(","),
            m.ret.as_ref().map_or_else(|| "null".to_string(), |t| json_str(&type_string(t)))
        );
    }
    j.push_str("],\"events\":[");
    for (i, e) in c.events.iter().enumerate() {
        let fields: Vec<String> = e
            .fields
            .iter()
            .map(|f| {
                format!(
                    "{{\"name\":{},\"type\":{},\"topic\":{}}}",
                    json_str(&f.name),
                    json_str(&type_string(&f.ty)),
                    f.topic
                )
            })
            .collect();
        let _ = write!(
            j,
            "{}{{\"name\":{},\"signature\":\"{}\",\"anonymous\":{},\"fields\":[{}]}}",
            if i > 0 { "," } else { "" },
            json_str(&e.ident.to_string()),
            hex(&keccak(e.ident.to_string().as_bytes())),
            e.anonymous,
            fields.join(",")
        );
    }
    j.push_str("]}");
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{analyze_src, OK};

    #[test]
    fn metadata_is_valid_json_with_types_as_written() {
        let c = analyze_src(OK).expect("valid");
        let j = metadata_json(&c);
        assert!(j.starts_with("{\"metadata_version\":1,"), "{j}");
        assert!(j.contains("\"returns\":\"Result<(), Error>\""), "{j}");
        assert!(j.contains("{\"name\":\"to\",\"type\":\"Address\"}"), "{j}");
        assert!(j.contains("\"type\":\"Map<Address, u128>\""), "{j}");
        assert!(j.contains("\"kind\":\"view\",\"entry\":\"call\""), "{j}");
        assert!(j.contains("\"mutates\":false"), "{j}");
        // Balanced braces and brackets outside strings.
        let (mut depth, mut in_str) = (0i32, false);
        for c in j.chars() {
            match c {
                '"' => in_str = !in_str,
                '{' | '[' if !in_str => depth += 1,
                '}' | ']' if !in_str => depth -= 1,
                _ => {}
            }
            assert!(depth >= 0);
        }
        assert_eq!(depth, 0);
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
