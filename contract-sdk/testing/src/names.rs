//! Function names from the `name` section, Rust symbol demangling, and stripping the sections
//! a stripped build does not have.

use std::collections::BTreeMap;

use tally_sdk_build::{leb_u32 as leb, sections};

/// Whether `strip = "symbols"` (what `tally build` uses) drops a custom section of this name.
fn stripped_section(name: &[u8]) -> bool {
    matches!(name, b"name" | b"producers" | b"target_features") || name.starts_with(b".debug")
}

/// `wasm` without the custom sections a stripped release build does not have (`name`,
/// `producers`, `target_features`, `.debug*`); other sections, `tally.metadata` included, are
/// kept byte for byte. Malformed input is returned unchanged (the runtime will reject it).
pub fn strip_names(wasm: &[u8]) -> Vec<u8> {
    let Some(sections) = sections(wasm) else { return wasm.to_vec() };
    let mut out = wasm[..8].to_vec();
    for section in sections {
        if !section.name.is_some_and(stripped_section) {
            out.extend_from_slice(section.bytes);
        }
    }
    out
}

/// Function names by function index (imports included) from the `name` section, demangled
/// with [`demangle`]. Empty when the module has no (well-formed) name section.
pub fn function_names(wasm: &[u8]) -> BTreeMap<u32, String> {
    let mut names = BTreeMap::new();
    for body in tally_sdk_build::custom_sections(wasm, "name").unwrap_or_default() {
        let _ = read_function_names(body, &mut names);
    }
    names
}

fn read_function_names(body: &[u8], names: &mut BTreeMap<u32, String>) -> Option<()> {
    let mut pos = 0;
    while pos < body.len() {
        let id = body[pos];
        pos += 1;
        let size = leb(body, &mut pos)? as usize;
        let end = pos.checked_add(size)?;
        let sub = body.get(pos..end)?;
        if id == 1 {
            let mut p = 0;
            for _ in 0..leb(sub, &mut p)? {
                let index = leb(sub, &mut p)?;
                let len = leb(sub, &mut p)? as usize;
                let name = sub.get(p..p.checked_add(len)?)?;
                p += len;
                names.insert(index, demangle(&String::from_utf8_lossy(name)));
            }
        }
        pos = end;
    }
    Some(())
}

/// Demangles a legacy Rust symbol (`_ZN5token5Token8transfer17h0123456789abcdefE` →
/// `token::Token::transfer`, the hash dropped). Other names (v0 `_R…` symbols, C names) are
/// returned unchanged.
pub fn demangle(symbol: &str) -> String {
    let Some(rest) = symbol.strip_prefix("_ZN").or_else(|| symbol.strip_prefix("__ZN")) else {
        return symbol.to_string();
    };
    let bytes = rest.as_bytes();
    let mut parts: Vec<String> = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() && bytes[pos] != b'E' {
        let digits = bytes[pos..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return symbol.to_string();
        }
        let Ok(len) = rest[pos..pos + digits].parse::<usize>() else { return symbol.to_string() };
        pos += digits;
        let Some(ident) = rest.get(pos..pos + len) else { return symbol.to_string() };
        parts.push(unescape(ident));
        pos += len;
    }
    if parts
        .last()
        .is_some_and(|h| h.len() == 17 && h.starts_with('h') && h[1..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        parts.pop();
    }
    parts.join("::")
}

fn unescape(ident: &str) -> String {
    let ident = ident.strip_prefix("_$").map_or(ident.to_string(), |r| format!("${r}"));
    let mut out = String::new();
    let mut rest = ident.as_str();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("..") {
            out.push_str("::");
            rest = after;
        } else if let Some(after) = rest.strip_prefix('$') {
            let Some(end) = after.find('$') else {
                out.push_str(rest);
                break;
            };
            let code = &after[..end];
            let c = match code {
                "SP" => Some('@'),
                "BP" => Some('*'),
                "RF" => Some('&'),
                "LT" => Some('<'),
                "GT" => Some('>'),
                "LP" => Some('('),
                "RP" => Some(')'),
                "C" => Some(','),
                _ => code.strip_prefix('u').and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32),
            };
            match c {
                Some(c) => out.push(c),
                None => {
                    out.push('$');
                    out.push_str(code);
                    out.push('$');
                }
            }
            rest = &after[end + 1..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangles_legacy_symbols() {
        assert_eq!(demangle("_ZN9tally_sdk3sys9keccak25617heda63adfd69f52dcE"), "tally_sdk::sys::keccak256");
        assert_eq!(
            demangle("_ZN87_$LT$tally_sdk..rt..bump..BumpAllocator$u20$as$u20$core..alloc..global..GlobalAlloc$GT$5alloc17h15a01d9b134824caE"),
            "<tally_sdk::rt::bump::BumpAllocator as core::alloc::global::GlobalAlloc>::alloc"
        );
        assert_eq!(demangle("_ZN4core3ptr68drop_in_place$LT$alloc..vec..Vec$LT$$u5b$u8$u3b$$u20$32$u5d$$GT$$GT$17he417498bbc489c81E"),
            "core::ptr::drop_in_place<alloc::vec::Vec<[u8; 32]>>");
        assert_eq!(demangle("memcpy"), "memcpy");
        assert_eq!(
            demangle("_RNvNtCs5cOc02OMXlo_5alloc5boxed14box_new_uninit"),
            "_RNvNtCs5cOc02OMXlo_5alloc5boxed14box_new_uninit"
        );
        assert_eq!(demangle("_ZN3abcE"), "abc");
        assert_eq!(demangle("_ZN99x"), "_ZN99x");
    }

    #[test]
    fn strips_only_the_sections_a_stripped_build_lacks() {
        let custom = |name: &str, body: &[u8]| {
            let mut s = vec![0, (1 + name.len() + body.len()) as u8, name.len() as u8];
            s.extend_from_slice(name.as_bytes());
            s.extend_from_slice(body);
            s
        };
        // A name section: subsection 1 with function 3 named "f".
        let names = custom("name", &[1, 4, 1, 3, 1, b'f']);
        let meta = custom("tally.metadata", b"{}");
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 1, 0]);
        wasm.extend_from_slice(&meta);
        wasm.extend_from_slice(&names);
        wasm.extend_from_slice(&custom("producers", b"x"));
        assert_eq!(function_names(&wasm), BTreeMap::from([(3, "f".to_string())]));
        let stripped = strip_names(&wasm);
        assert_eq!(stripped, [&b"\0asm\x01\0\0\0"[..], &[1, 1, 0], &meta].concat());
        assert!(function_names(&stripped).is_empty());
        assert_eq!(strip_names(b"junk"), b"junk");
    }
}
