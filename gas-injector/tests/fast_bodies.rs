//! The injector validates each body with the profile's own validator (`tally_profile::body`)
//! before wasmparser's, which takes over the body from its start whenever the first declines:
//! the output, the origin map and every error must be what wasmparser's alone gives
//! (`instrument_reference`).

use tally_gas_injector::{instrument, instrument_reference, instrument_with_map, InjectError, Schedule};

use crate::common::wat;

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

/// Invalid bodies, some invalid only after metered operators or inside nested blocks, some
/// with operators the profile's validator declines: the error is wasmparser's, at its offset.
#[test]
fn errors_are_wasmparsers() {
    let bodies = [
        "i32.const 1 i32.const 2 i32.add drop global.get 7 drop",
        "block (result i32) i32.const 1 if (result i32) i64.const 2 else i32.const 3 end end drop",
        "i32.const 0 i32.load align=8 drop",
        "loop i32.const 1 br_if 0 i32.const 1 br_if 3 end",
        "ref.func 0 drop i64.const 1 i32.eqz drop",
        "i32.const 0 call 0 drop i32.const 1",
        "unreachable i64.const 1 i32.add drop",
        "i32.const 0 i32.const 0 i32.const 0 memory.init 0",
        "block i32.const 0 end",
    ];
    for body in bodies {
        let text = format!(
            r#"(module (memory 1) (global (mut i32) (i32.const 0)) (elem declare func 0)
                 (func (param i32) (result i32) local.get 0)
                 (func {body}))"#
        );
        let err = same(&wat(&text)).expect_err(body);
        let InjectError::Invalid { message, offset } = &err else { panic!("{body}: {err:?}") };
        let reference = tally_profile::validate(&wat(&text)).expect_err(body);
        assert_eq!((message.as_str(), *offset), (reference.message(), reference.offset() as usize), "{body}");
    }
}

/// The guests and a few hundred byte mutations of their code: the same output, origins or
/// error either way.
#[test]
fn guests_and_their_mutations() {
    let wasm = tally_guests::build::wasm_bytes().expect("build the guests");
    same(&wasm).expect("the guests instrument");
    let code = tally_profile::parser(tally_profile::features())
        .parse_all(&wasm)
        .find_map(|p| match p {
            Ok(wasmparser::Payload::CodeSectionStart { unchecked_range: r, .. }) => {
                Some(r.start as usize..r.end as usize)
            }
            _ => None,
        })
        .expect("a code section");
    let (mut state, mut rejected) = (0x5eed_u64, 0);
    for _ in 0..400 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let at = code.start + (state >> 33) as usize % code.len();
        let mut mutant = wasm.clone();
        mutant[at] ^= 1 << ((state >> 20) % 8);
        rejected += usize::from(same(&mutant).is_err());
    }
    assert!(rejected > 50, "{rejected}");
}
