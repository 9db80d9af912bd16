//! The schedule: encoding, hashing, validation.

use crate::common;

use tally_gas_injector::{instrument, InjectError, OpKind, Schedule, ScheduleError, SCHEDULE_VERSION};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn scale_round_trip() {
    let mut above = common::golden_schedule();
    above.dynamic.memory_access_per_page_above = 1 << 40;
    above.dynamic.memory_access_threshold_pages = u32::MAX;
    for s in [Schedule::default(), Schedule::uniform(3), common::golden_schedule(), above] {
        let bytes = s.to_bytes();
        assert_eq!(Schedule::from_bytes(&bytes), Ok(s.clone()));
    }
}

#[test]
fn hash_is_keccak_of_the_encoding() {
    let s = Schedule::default();
    // Keccak-256 of the empty string, as a check that this is Keccak and not SHA3.
    use sha3::Digest;
    assert_eq!(hex(&sha3::Keccak256::digest(b"")), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    assert_eq!(s.schedule_hash(), <[u8; 32]>::from(sha3::Keccak256::digest(s.to_bytes())));
    assert_ne!(s.schedule_hash(), Schedule::uniform(1).schedule_hash());
    let changed = s.clone().with_cost(OpKind::I32Add, Some(1001));
    assert_ne!(s.schedule_hash(), changed.schedule_hash());
}

/// A tripwire: the default schedule is consensus data. If this changes, the change is a new
/// schedule and must be deliberate.
#[test]
fn default_schedule_is_pinned() {
    let s = Schedule::default();
    assert_eq!(s.version, SCHEDULE_VERSION);
    assert_eq!(s.op_costs().len(), OpKind::COUNT);
    assert_eq!(s.to_bytes().len(), 4 + 2 + OpKind::COUNT * 9 + 8 * 14 + 4 * 9);
    let min = s.op_costs().iter().map(|c| c.unwrap()).min().unwrap();
    assert!(min >= 500, "the cheapest operator must cost well above 1");
    assert_eq!(
        hex(&s.schedule_hash()),
        "304856b859592c1294400a6a83f7c67d15c812503fe87386611bf211b6e616f9",
        "the default schedule changed; update this pin only for a deliberate new schedule"
    );
}

#[test]
fn control_operators_must_cost_at_least_one() {
    for op in OpKind::CONTROL {
        let s = Schedule::default().with_cost(op, Some(0));
        assert_eq!(s.validate(), Err(ScheduleError::ZeroControlCost(op)));
        assert_eq!(Schedule::from_bytes(&s.to_bytes()), Err(ScheduleError::ZeroControlCost(op)));
        let wasm = common::wat("(module (func))");
        assert_eq!(instrument(&wasm, &s), Err(InjectError::Schedule(ScheduleError::ZeroControlCost(op))));
        // Forbidding them is allowed.
        assert_eq!(Schedule::default().with_cost(op, None).validate(), Ok(()));
    }
    // `uniform(0)` keeps them at 1.
    let s = Schedule::uniform(0);
    assert_eq!(s.validate(), Ok(()));
    assert_eq!(s.cost(OpKind::Loop), Some(1));
    assert_eq!(s.cost(OpKind::I32Add), Some(0));
}

#[test]
fn malformed_schedules_are_rejected() {
    let mut s = Schedule::default();
    s.version = 1;
    assert_eq!(s.validate(), Err(ScheduleError::UnsupportedVersion(1)));

    let mut s = Schedule::default();
    s.stack.activation = 0;
    assert_eq!(s.validate(), Err(ScheduleError::ZeroStackCost("activation")));
    let mut s = Schedule::default();
    s.stack.f64 = 0;
    assert_eq!(s.validate(), Err(ScheduleError::ZeroStackCost("f64")));

    let mut bytes = Schedule::default().to_bytes();
    bytes.push(0);
    assert!(matches!(Schedule::from_bytes(&bytes), Err(ScheduleError::Decode(_))));
    let bytes = Schedule::default().to_bytes();
    for cut in [0, 1, 5, 100, bytes.len() - 1] {
        assert!(matches!(Schedule::from_bytes(&bytes[..cut]), Err(ScheduleError::Decode(_))));
    }
    // A table with one entry too few: encode by hand (version, compact length, entries, rest).
    let full = Schedule::default().to_bytes();
    let mut short = full[..4].to_vec();
    short.extend(parity_scale_codec::Encode::encode(&parity_scale_codec::Compact(200u32)));
    short.extend(&full[6..6 + 200 * 9]);
    short.extend(&full[6 + 201 * 9..]);
    assert_eq!(
        Schedule::from_bytes(&short),
        Err(ScheduleError::WrongOperatorCount { expected: OpKind::COUNT, found: 200 })
    );
    // Garbage never panics.
    for seed in 0..200u32 {
        let garbage: Vec<u8> = (0..seed * 7).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        let _ = Schedule::from_bytes(&garbage);
    }
}

/// Another version's encoding is refused by its version, read first: version 4 lacks version 5's
/// two memory-access fields (12 bytes at the end of the dynamic costs, before the 32 bytes of
/// stack costs), and decoding it as version 5 would fail for the wrong reason.
#[test]
fn other_versions_are_refused_by_their_version() {
    let v5 = Schedule::default().to_bytes();
    let n = v5.len();
    let mut v4 = 4u32.to_le_bytes().to_vec();
    v4.extend(&v5[4..n - 32 - 12]);
    v4.extend(&v5[n - 32..]);
    assert_eq!(Schedule::from_bytes(&v4), Err(ScheduleError::UnsupportedVersion(4)));
    let mut v6 = v5.clone();
    v6[..4].copy_from_slice(&6u32.to_le_bytes());
    assert_eq!(Schedule::from_bytes(&v6), Err(ScheduleError::UnsupportedVersion(6)));
    assert_eq!(SCHEDULE_VERSION, 5);
}

/// The threshold term is 0 by default, and a threshold without a price injects nothing: the
/// default schedule's output is what it was before version 5, whatever the threshold.
#[test]
fn a_threshold_without_a_price_injects_nothing() {
    let d = Schedule::default().dynamic;
    assert_eq!((d.memory_access_per_page_above, d.memory_access_threshold_pages), (0, 0));
    let wasm = common::wat(
        "(module (memory 1) (func (param i32) (result i32)
           (i32.store (local.get 0) (i32.load (local.get 0))) (i32.load8_u (i32.const 3))))",
    );
    let mut threshold = Schedule::default();
    threshold.dynamic.memory_access_threshold_pages = 7;
    let out = common::check(&wasm, &Schedule::default());
    assert_eq!(common::check(&wasm, &threshold), out);
    let text = wasmprinter::print_bytes(&out).unwrap();
    assert!(text.contains("memory.size") && !text.contains("i32.gt_u") && !text.contains("select"), "{text}");
}
