//! Code refused after instrumentation names the byte and the function of the code as deployed,
//! not of the instrumented module the VM saw: the VM's own limits, and imports that are not the
//! host ABI's.

use crate::common;

use common::*;
use tally_host_env::*;

/// An unsigned LEB128 at `pos`: (value, length).
fn leb(bytes: &[u8], pos: usize) -> (u32, usize) {
    let (mut value, mut shift, mut len) = (0u32, 0, 0);
    loop {
        let b = bytes[pos + len];
        value |= u32::from(b & 0x7f) << shift;
        len += 1;
        if b & 0x80 == 0 {
            return (value, len);
        }
        shift += 7;
    }
}

/// Start of each function body (after its size prefix), read without wasmparser.
fn bodies(bytes: &[u8]) -> Vec<usize> {
    let mut pos = 8;
    while bytes[pos] != 10 {
        let (size, len) = leb(bytes, pos + 1);
        pos += 1 + len + size as usize;
    }
    let start = pos + 1 + leb(bytes, pos + 1).1;
    let (count, len) = leb(bytes, start);
    let mut pos = start + len;
    (0..count)
        .map(|_| {
            let (size, len) = leb(bytes, pos);
            let body = pos + len;
            pos = body + size as usize;
            body
        })
        .collect()
}

/// The offset of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).position(|w| w == needle).unwrap_or_else(|| panic!("{needle:x?} not found"))
}

#[test]
fn a_frame_over_the_vm_stack_limit_names_the_deployed_function_and_body() {
    // The VM's frame limit is the stack budget plus 1024 cells; a small budget makes a function
    // with 1,000 locals and a deep operand stack exceed it. The injector and the contract limits
    // accept it: only the VM refuses, with offsets into the instrumented module.
    let mut params = Params::default();
    params.schedule.stack.budget = 16;
    let rt = Runtime::new(params).expect("params");
    let locals = "(local i32) ".repeat(1000);
    let pushes = "(i32.const 1) ".repeat(60);
    let drops = "(drop) ".repeat(60);
    let code = wasm(&format!(
        r#"(module
             (import "tally_host_v1" "input_len" (func (result i32)))
             (func (export "small"))
             (func (export "big") {locals} {pushes} {drops})
             (func (local i32)))"#
    ));
    let err = rt.check(&code).unwrap_err();
    let CodeRejection::Module { error, offset, function } = &err else { panic!("{err:?}") };
    assert_eq!(error.kind(), tally_vm::ErrorKind::LimitExceeded, "{error}");
    // Function 2 of the deployed code (one import, then `small`, then `big`); the VM saw it
    // as function 7, after the five metering imports.
    assert_eq!(*function, Some(2), "{err}");
    assert_eq!(error.function(), Some(7), "{error}");
    let big = bodies(&code)[1];
    assert_eq!(*offset, Some(big), "{err}");
    assert_ne!(error.offset(), Some(big), "the VM's offset is the instrumented module's");
    let text = err.to_string();
    assert!(text.contains("in function 2") && text.contains(&format!("at offset {big:#x}")), "{text}");
    assert!(!text.contains("function 7"), "{text}");
    assert_eq!(err.offset(), Some(big));
}

#[test]
fn an_import_outside_the_host_abi_is_named_at_its_offset() {
    let ok = r#"(import "tally_host_v1" "input_len" (func (result i32)))"#;
    for (bad, needle, problem) in [
        (r#"(import "env" "f" (func))"#, &b"\x03env\x01f"[..], "may import only from"),
        (r#"(import "tally_host_v1" "nope" (func))"#, b"\x0dtally_host_v1\x04nope", "no such host function"),
        (
            r#"(import "tally_host_v1" "input_len" (func (result i64)))"#,
            b"\x0dtally_host_v1\x09input_len\x00\x01",
            "has type",
        ),
        (
            r#"(import "tally_host_v1" "input_len" (memory 1))"#,
            b"\x0dtally_host_v1\x09input_len\x02",
            "must be a function",
        ),
    ] {
        let text = format!(r#"(module {ok} {bad} (func (export "m")))"#);
        let code = wasm(&text);
        let at = find(&code, needle);
        assert!(at > find(&code, b"\x0dtally_host_v1\x09input_len\x00\x00"), "{text}: the second import");
        let chain = Chain::memory();
        let err = chain.rt.check(&code).unwrap_err();
        let CodeRejection::Import { offset, problem: p, .. } = &err else { panic!("{text}: {err:?}") };
        assert_eq!(*offset, Some(at), "{text}: {err}");
        assert!(p.contains(problem), "{text}: {err}");
        assert_eq!(err.offset(), Some(at));
        let deployed = chain
            .rt
            .deploy(
                &chain.storage,
                &DeployRequest {
                    code,
                    deployer: addr(1),
                    init: None,
                    input: vec![],
                    gas_limit: GAS,
                    context: chain.context.clone(),
                },
            )
            .unwrap();
        assert_eq!(deployed.receipt.status, Status::InvalidCode);
        let message = deployed.receipt.trap.and_then(|t| t.message).unwrap_or_default();
        assert!(message.contains(&format!("at offset {at:#x}")), "{text}: {message}");
    }
}
