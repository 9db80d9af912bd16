//! Local declarations are read by the injector itself in the form compilers write and by
//! wasmparser's reader otherwise (`tally_profile::locals`): every form gives wasmparser's
//! verdict and error, and the same output as the reference path (`instrument_reference`).

use tally_gas_injector::{instrument, instrument_reference, instrument_with_map, InjectError, Schedule};

/// Both paths on `wasm`: the same bytes and map, or the same error; returns the result.
#[track_caller]
fn same(wasm: &[u8]) -> Result<Vec<u8>, InjectError> {
    let schedule = Schedule::default();
    let fast = instrument_with_map(wasm, &schedule);
    let reference = instrument_reference(wasm, &schedule);
    match (&fast, &reference) {
        (Ok(f), Ok(r)) => assert!(f == r, "output or origins differ"),
        (Err(f), Err(r)) => assert_eq!(format!("{f:?}"), format!("{r:?}")),
        _ => panic!("the paths disagree: {:?} / {:?}", fast.as_ref().map(|o| o.0.len()), reference.map(|o| o.0.len())),
    }
    let plain = instrument(wasm, &schedule);
    assert_eq!(plain.as_ref().ok(), fast.as_ref().ok().map(|(out, _)| out));
    fast.map(|(out, _)| out)
}

/// A module of one function `[] -> []` whose body (locals included) is `body`.
fn module_with_body(body: &[u8]) -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type 0: [] -> []
    wasm.extend([0x03, 0x02, 0x01, 0x00]); // function 0: type 0
    let mut code = vec![0x01];
    leb(body.len(), &mut code);
    code.extend(body);
    wasm.push(0x0a);
    leb(code.len(), &mut wasm);
    wasm.extend(code);
    wasm
}

/// `n` as an unsigned LEB128.
fn leb(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Local declarations are read by the injector itself in the form compilers write (counts of
/// one or two bytes, number types) and by wasmparser's reader otherwise
/// (`tally_profile::locals`): every form, malformed or over wasmparser's limit included, and
/// every cut of the body, gives wasmparser's verdict, and its error at its offset.
#[test]
fn local_declarations_are_read_as_wasmparser_reads_them() {
    let declarations: [&[u8]; 16] = [
        &[0x00],
        &[0x04, 0x01, 0x7f, 0x01, 0x7e, 0x01, 0x7d, 0x01, 0x7c],
        &[0x02, 0x00, 0x7f, 0x00, 0x7e],
        // Counts of two, three and five bytes; a padded declaration count.
        &[0x02, 0x80, 0x01, 0x7f, 0xff, 0x7f, 0x7e],
        &[0x01, 0x80, 0x80, 0x01, 0x7f],
        &[0x01, 0x81, 0x80, 0x80, 0x80, 0x00, 0x7f],
        &[0x81, 0x00, 0x01, 0x7f],
        // Reference types; `v128` (outside the profile); not a value type.
        &[0x02, 0x01, 0x70, 0x01, 0x6f],
        &[0x01, 0x01, 0x7b],
        &[0x01, 0x01, 0x40],
        // 30,000 and 30,000 locals: over wasmparser's 50,000 at the second declaration.
        &[0x02, 0xb0, 0xea, 0x01, 0x7f, 0xb0, 0xea, 0x01, 0x7e],
        // A count of `u32::MAX`, then one more: the sum overflows.
        &[0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x01, 0x7f],
        // A count too large for a `u32`, and one of six bytes.
        &[0x01, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x7f],
        &[0x01, 0xff, 0xff, 0xff, 0xff, 0x8f, 0x00, 0x7f],
        // More declarations than the body holds; a declaration count of two bytes.
        &[0x03, 0x01, 0x7f],
        &[0x80, 0x01, 0x01, 0x7f],
    ];
    let mut accepted = 0;
    for locals in declarations {
        let mut body = locals.to_vec();
        body.push(0x0b);
        for len in (0..=body.len()).rev() {
            let wasm = module_with_body(&body[..len]);
            let reference = tally_profile::validate(&wasm);
            match (same(&wasm), reference) {
                (Ok(out), Ok(())) => {
                    accepted += 1;
                    // The declarations are copied verbatim.
                    assert!(out.windows(locals.len()).any(|w| w == locals), "{locals:02x?} not in the output");
                }
                (Err(err), Err(reference)) => {
                    assert_eq!(err.offset(), Some(reference.offset() as usize), "{:02x?}: {err}", &body[..len]);
                    assert!(
                        err.to_string().contains(reference.message()),
                        "{:02x?}: {err} / {reference}",
                        &body[..len]
                    );
                }
                (result, reference) => panic!("{:02x?}: {:?} / {reference:?}", &body[..len], result.map(|o| o.len())),
            }
        }
    }
    assert_eq!(accepted, 8, "the well-formed declarations, each with its whole body");
}
