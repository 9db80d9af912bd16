//! Takes out of a contract the two globals the linker exports for tooling, `__heap_base` and
//! `__data_end`.
//!
//! rustc asks `wasm-ld` to export them for every `wasm32-unknown-unknown` `cdylib`, and there
//! is no flag to undo it. Nothing reads them: the host calls a contract's functions and never
//! its globals, and the SDK's allocator takes `__heap_base`'s address as a link-time constant
//! rather than reading the global. But every load of a contract pays for its exports and globals
//! by the byte and each global again by the piece, at load and at instantiation (`load_global`,
//! `instantiate_global`): about 0.7 M gas a contract at the default prices.
//!
//! [`without_linker_globals`] removes the two exports, and removes the globals themselves when
//! nothing else refers to them (no instruction, constant expression or other export) and they
//! are the last globals of the module (so no other global's index changes). A module this
//! cannot parse is left as it is: the node's own checks judge it at deployment.

use wasmparser::{Operator, OperatorsReader, Parser, Payload};

use crate::{leb, leb_u32, sections};

/// The exports `wasm-ld` adds for rustc.
const LINKER_GLOBALS: [&[u8]; 2] = [b"__heap_base", b"__data_end"];

const EXPORT_SECTION: u8 = 7;
const GLOBAL_SECTION: u8 = 6;
/// The export kind of a global.
const GLOBAL_KIND: u8 = 3;

/// One export entry as it stands in the export section.
struct Export<'a> {
    name: &'a [u8],
    kind: u8,
    index: u32,
    bytes: &'a [u8],
}

/// The entries of an export section's contents, `None` if they do not frame.
fn exports(body: &[u8]) -> Option<Vec<Export<'_>>> {
    let mut pos = 0;
    let count = leb_u32(body, &mut pos)?;
    let mut found = Vec::new();
    for _ in 0..count {
        let start = pos;
        let len = leb_u32(body, &mut pos)? as usize;
        let name = body.get(pos..pos.checked_add(len)?)?;
        pos += len;
        let kind = *body.get(pos)?;
        pos += 1;
        let index = leb_u32(body, &mut pos)?;
        found.push(Export { name, kind, index, bytes: &body[start..pos] });
    }
    (pos == body.len()).then_some(found)
}

/// What the module says about its globals: how many are imported, the byte range of each
/// defined one's entry (in the whole module), and every global index something refers to.
#[derive(Default)]
struct Globals {
    imported: u32,
    entries: Vec<(u64, u64)>,
    referenced: Vec<u32>,
}

fn refs(mut ops: OperatorsReader<'_>, referenced: &mut Vec<u32>) -> wasmparser::Result<()> {
    while !ops.eof() {
        if let Operator::GlobalGet { global_index } | Operator::GlobalSet { global_index } = ops.read()? {
            referenced.push(global_index);
        }
    }
    Ok(())
}

fn globals(wasm: &[u8]) -> wasmparser::Result<Globals> {
    let mut g = Globals::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import?.ty, wasmparser::TypeRef::Global(_)) {
                        g.imported += 1;
                    }
                }
            }
            Payload::GlobalSection(reader) => {
                let end = reader.range().end;
                for item in reader.into_iter_with_offsets() {
                    let (offset, global) = item?;
                    if let Some(last) = g.entries.last_mut() {
                        last.1 = offset;
                    }
                    g.entries.push((offset, end));
                    refs(global.init_expr.get_operators_reader(), &mut g.referenced)?;
                }
            }
            Payload::ElementSection(reader) => {
                for element in reader {
                    let element = element?;
                    if let wasmparser::ElementKind::Active { offset_expr, .. } = element.kind {
                        refs(offset_expr.get_operators_reader(), &mut g.referenced)?;
                    }
                    if let wasmparser::ElementItems::Expressions(_, exprs) = element.items {
                        for expr in exprs {
                            refs(expr?.get_operators_reader(), &mut g.referenced)?;
                        }
                    }
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    if let wasmparser::DataKind::Active { offset_expr, .. } = data?.kind {
                        refs(offset_expr.get_operators_reader(), &mut g.referenced)?;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => refs(body.get_operators_reader()?, &mut g.referenced)?,
            _ => {}
        }
    }
    Ok(g)
}

/// A section: its id, then its contents' size and the contents.
fn section(id: u8, contents: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    leb(contents.len() as u32, out);
    out.extend_from_slice(contents);
}

/// `wasm` without the exports `__heap_base` and `__data_end` of kind global, and without those
/// globals when nothing else refers to them and they are the module's last (see the module
/// docs); `None` when there is nothing to remove or the module does not parse.
pub fn without_linker_globals(wasm: &[u8]) -> Option<Vec<u8>> {
    let all = sections(wasm)?;
    let export_section = all.iter().find(|s| s.id == EXPORT_SECTION)?;
    let entries = exports(export_section.body)?;
    let is_linker = |e: &Export<'_>| e.kind == GLOBAL_KIND && LINKER_GLOBALS.contains(&e.name);
    if !entries.iter().any(is_linker) {
        return None;
    }
    let g = globals(wasm).ok()?;
    // Globals exported other than as a linker global, or used by any instruction, stay.
    let used = |index: u32| {
        g.referenced.contains(&index)
            || entries.iter().any(|e| !is_linker(e) && e.kind == GLOBAL_KIND && e.index == index)
    };
    let defined = g.entries.len() as u32;
    let removable =
        |index: u32| index >= g.imported && !used(index) && entries.iter().any(|e| is_linker(e) && e.index == index);
    // The longest run of removable globals at the end.
    let mut keep = defined;
    while keep > 0 && removable(g.imported + keep - 1) {
        keep -= 1;
    }

    let mut export_body = Vec::new();
    let kept: Vec<&Export<'_>> = entries.iter().filter(|e| !is_linker(e)).collect();
    leb(kept.len() as u32, &mut export_body);
    for e in kept {
        export_body.extend_from_slice(e.bytes);
    }
    let mut global_body = Vec::new();
    leb(keep, &mut global_body);
    for &(start, end) in &g.entries[..keep as usize] {
        global_body.extend_from_slice(wasm.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)?);
    }

    let mut out = wasm[..8].to_vec();
    for s in &all {
        match s.id {
            EXPORT_SECTION => section(EXPORT_SECTION, &export_body, &mut out),
            GLOBAL_SECTION if keep < defined => {
                if keep > 0 {
                    section(GLOBAL_SECTION, &global_body, &mut out)
                }
            }
            _ => out.extend_from_slice(s.bytes),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module: one function type, `count` immutable i32 globals (`i32.const i`), exports, and
    /// one function body `code` (without its locals vector).
    fn module(count: u32, exports: &[(&str, u8, u32)], code: &[u8]) -> Vec<u8> {
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        section(1, &[1, 0x60, 0, 0], &mut out);
        section(3, &[1, 0], &mut out);
        let mut globals = Vec::new();
        leb(count, &mut globals);
        for i in 0..count {
            globals.extend_from_slice(&[0x7f, 0, 0x41, i as u8, 0x0b]);
        }
        section(6, &globals, &mut out);
        let mut body = Vec::new();
        leb(exports.len() as u32, &mut body);
        for (name, kind, index) in exports {
            leb(name.len() as u32, &mut body);
            body.extend_from_slice(name.as_bytes());
            body.push(*kind);
            leb(*index, &mut body);
        }
        section(7, &body, &mut out);
        let mut func = vec![0];
        func.extend_from_slice(code);
        let mut code_section = vec![1];
        leb(func.len() as u32, &mut code_section);
        code_section.extend_from_slice(&func);
        section(10, &code_section, &mut out);
        out
    }

    const RUSTC: [(&str, u8, u32); 3] = [("call", 0, 0), ("__heap_base", 3, 1), ("__data_end", 3, 2)];

    #[test]
    fn the_linker_globals_go_when_nothing_uses_them() {
        let code = [0x23, 0, 0x1a, 0x0b]; // global.get 0, drop, end
        let out = without_linker_globals(&module(3, &RUSTC, &code)).expect("removed");
        assert_eq!(out, module(1, &[("call", 0, 0)], &code));
        assert_eq!(without_linker_globals(&out), None, "nothing left to remove");
        // Only linker globals: the global section goes too.
        let out = without_linker_globals(&module(1, &[("__heap_base", 3, 0)], &[0x0b])).expect("removed");
        assert!(sections(&out).unwrap().iter().all(|s| s.id != GLOBAL_SECTION));
    }

    #[test]
    fn globals_in_use_stay_and_only_their_exports_go() {
        // `__heap_base` (global 1) read by the code: it stays, `__data_end` after it goes.
        let code = [0x23, 1, 0x1a, 0x0b];
        let out = without_linker_globals(&module(3, &RUSTC, &code)).expect("exports removed");
        assert_eq!(out, module(2, &[("call", 0, 0)], &code));
        // `__data_end` (global 2) read: `__heap_base` is not at the end (removing it would
        // renumber global 2), both stay.
        let code = [0x23, 2, 0x1a, 0x0b];
        assert_eq!(without_linker_globals(&module(3, &RUSTC, &code)), Some(module(3, &[("call", 0, 0)], &code)));
        // Also exported under another name: it stays, with that export.
        let exports = [("call", 0, 0), ("__heap_base", 3, 1), ("__data_end", 3, 2), ("top", 3, 2)];
        let out = without_linker_globals(&module(3, &exports, &[0x0b])).expect("removed");
        assert_eq!(out, module(3, &[("call", 0, 0), ("top", 3, 2)], &[0x0b]));
    }

    #[test]
    fn other_modules_are_left_alone() {
        assert_eq!(without_linker_globals(&module(1, &[("call", 0, 0)], &[0x0b])), None);
        // A function export named like a linker global is not one.
        assert_eq!(without_linker_globals(&module(1, &[("__heap_base", 0, 0)], &[0x0b])), None);
        assert_eq!(without_linker_globals(b"not wasm"), None);
        let mut broken = module(3, &RUSTC, &[0x0b]);
        broken.truncate(broken.len() - 1);
        assert_eq!(without_linker_globals(&broken), None);
    }
}
