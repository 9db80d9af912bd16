//! The injector validates each body with the profile's own validator (`tally_profile::body`)
//! before wasmparser's, which takes over the body from its start whenever the first declines:
//! the output, the origin map and every error must be what wasmparser's alone gives
//! (`instrument_reference`), with and without branch charges (whose site numbers run over the
//! module, so a body taken over numbers its sites from where it started).

use tally_gas_injector::{instrument, instrument_reference, instrument_with_map, InjectError, Schedule};

use crate::common::wat;

/// A schedule that charges changes of direction.
fn branches() -> Schedule {
    let mut s = Schedule::default();
    s.branch_change = 12_000;
    s
}

/// Both paths on `wasm`, with the default schedule and with [`branches`]: the same bytes and
/// map, or the same error; returns the result under the default schedule.
#[track_caller]
fn same(wasm: &[u8]) -> Result<Vec<u8>, InjectError> {
    let with_branches = same_with(wasm, &branches());
    let result = same_with(wasm, &Schedule::default());
    assert_eq!(with_branches.is_ok(), result.is_ok());
    result
}

#[track_caller]
fn same_with(wasm: &[u8], schedule: &Schedule) -> Result<Vec<u8>, InjectError> {
    let schedule = schedule.clone();
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

/// A body the profile's validator declines half-way (at its `ref.func`), after branch sites:
/// it is instrumented again from its start, numbering its sites from where it started, so the
/// later bodies' sites follow on without a gap (which `verify` checks) and the output is
/// wasmparser's path's.
#[test]
fn a_body_taken_over_numbers_its_branch_sites_alike() {
    let wasm = wat(r#"(module (elem declare func 0)
             (func (param i32) (result i32) (if (local.get 0) (then (nop))) (local.get 0))
             (func (param i32)
               (block (br_if 0 (local.get 0)) (br_if 0 (local.get 0)))
               (drop (ref.func 0))
               (if (local.get 0) (then (nop))))
             (func (param i32) (block (br_if 0 (local.get 0)))))"#);
    let out = same_with(&wasm, &branches()).expect("instruments");
    tally_gas_injector::verify(&wasm, &out, &branches()).expect("verifies");
    // Sites 0 (first body), 1–3 (the body taken over), 4 (the last body), in order.
    let printed = wasmprinter::print_bytes(&out).expect("print");
    let lines: Vec<&str> = printed.lines().map(str::trim).collect();
    let sites: Vec<&str> = lines
        .windows(3)
        .filter(|w| w[1] == "i64.const 12000" && w[2] == "call 4")
        .filter_map(|w| w[0].strip_prefix("i32.const "))
        .collect();
    assert_eq!(sites, ["0", "1", "2", "3", "4"], "{printed}");
}
