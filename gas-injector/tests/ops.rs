//! The operator table is exhaustive for Tally's profile, correctly encoded, and stable.

use std::collections::BTreeSet;

use tally_gas_injector::OpKind;
use wasmparser::{BinaryReader, OperatorsReader};

/// Collects `(proposal, operator)` for every operator wasmparser knows.
macro_rules! all_operators {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        vec![$( (stringify!($proposal), stringify!($op)) ),*]
    };
}

/// The proposals that make up Tally's profile (WebAssembly 2.0 without SIMD; multi-value adds
/// no operator).
const PROFILE: [&str; 5] = ["mvp", "sign_extension", "saturating_float_to_int", "bulk_memory", "reference_types"];

#[test]
fn every_profile_operator_has_exactly_one_entry() {
    let all: Vec<(&str, &str)> = wasmparser::for_each_operator!(all_operators);
    let profile: BTreeSet<&str> = all
        .iter()
        .filter(|(proposal, _)| PROFILE.contains(proposal))
        .map(|&(_, op)| op)
        // A `select` with several result types parses but is invalid in every profile.
        .filter(|&op| op != "TypedSelectMulti")
        .collect();
    let table: Vec<String> = OpKind::ALL.iter().map(|op| format!("{op:?}")).collect();
    let table_set: BTreeSet<&str> = table.iter().map(String::as_str).collect();
    assert_eq!(table.len(), table_set.len(), "duplicate entries");
    let missing: Vec<_> = profile.difference(&table_set).collect();
    let extra: Vec<_> = table_set.difference(&profile).collect();
    assert!(missing.is_empty(), "profile operators without a table entry: {missing:?}");
    assert!(extra.is_empty(), "table entries outside the profile: {extra:?}");
    assert_eq!(OpKind::COUNT, 201);
}

#[test]
fn table_is_in_opcode_order_and_indices_are_positions() {
    for (i, op) in OpKind::ALL.iter().enumerate() {
        assert_eq!(op.index(), i);
        assert_eq!(OpKind::from_index(i), Some(*op));
    }
    assert_eq!(OpKind::from_index(OpKind::COUNT), None);
    for pair in OpKind::ALL.windows(2) {
        assert!(pair[0].opcode() < pair[1].opcode(), "{} before {}", pair[0], pair[1]);
    }
}

/// Each entry's opcode decodes, with dummy immediates, to an operator classified as that entry.
#[test]
fn opcodes_decode_to_their_entry() {
    for op in OpKind::ALL {
        let mut bytes = Vec::new();
        if op == OpKind::Else {
            bytes.extend([0x04, 0x40]); // an `if` to be inside of
        }
        let code = op.opcode();
        if code >= 0xFC00 {
            bytes.extend([0xFC, (code & 0xFF) as u8]);
        } else {
            bytes.push(code as u8);
        }
        match op {
            OpKind::Block | OpKind::Loop | OpKind::If => bytes.push(0x40),
            OpKind::TypedSelect => bytes.extend([0x01, 0x7F]),
            OpKind::RefNull => bytes.push(0x70),
            _ => bytes.extend([0u8; 16]),
        }
        let mut reader = OperatorsReader::new(BinaryReader::new_features(&bytes, 0, tally_profile::features()));
        if op == OpKind::Else {
            reader.read().expect("if");
        }
        let parsed = reader.read().unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(OpKind::of(&parsed), Some(op), "{op} decodes to {parsed:?}");
    }
}

#[test]
fn names_are_text_format_names() {
    assert_eq!(OpKind::I32Add.name(), "i32.add");
    assert_eq!(OpKind::BrTable.name(), "br_table");
    assert_eq!(OpKind::LocalGet.name(), "local.get");
    assert_eq!(OpKind::I64TruncSatF64U.name(), "i64.trunc_sat_f64_u");
    assert_eq!(OpKind::RefIsNull.to_string(), "ref.is_null");
    assert_eq!(OpKind::TableFill.opcode(), 0xFC11);
}
