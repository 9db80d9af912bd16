//! Matching the spec suite's trap messages against the VM's [`TrapCode`]s.
//!
//! The comparison is strict about *which* trap happened and lenient only where the spec's
//! wording has drifted between versions of the suite.

use tally_vm::TrapCode;

/// Message prefixes used by the spec suite and the trap codes each one accepts.
///
/// `undefined element` (index past the table's end) and `uninitialized element` (null entry)
/// are worded differently across suite versions and engines, so both accept either code.
const KNOWN_MESSAGES: &[(&str, &[TrapCode])] = &[
    ("unreachable", &[TrapCode::Unreachable]),
    ("integer divide by zero", &[TrapCode::DivisionByZero]),
    ("integer overflow", &[TrapCode::IntegerOverflow]),
    ("invalid conversion to integer", &[TrapCode::InvalidConversion]),
    ("out of bounds memory access", &[TrapCode::MemoryOutOfBounds]),
    ("out of bounds table access", &[TrapCode::TableOutOfBounds]),
    ("undefined element", &[TrapCode::TableOutOfBounds, TrapCode::IndirectCallToNull]),
    ("uninitialized element", &[TrapCode::IndirectCallToNull, TrapCode::TableOutOfBounds]),
    ("indirect call type mismatch", &[TrapCode::IndirectCallTypeMismatch]),
    ("call stack exhausted", &[TrapCode::StackExhausted]),
];

/// The trap codes that satisfy an `assert_trap` with this expected message, if the message is
/// one the suite is known to use.
pub fn accepted_codes(expected: &str) -> Option<&'static [TrapCode]> {
    KNOWN_MESSAGES.iter().find(|(prefix, _)| expected.starts_with(prefix)).map(|(_, codes)| *codes)
}

/// Whether a trap with `code` satisfies an `assert_trap` expecting `expected`.
///
/// Unknown messages fall back to comparing with [`TrapCode::spec_message`], allowing either to
/// be a prefix of the other (the suite sometimes appends detail such as an element index).
pub fn trap_matches(expected: &str, code: TrapCode) -> bool {
    match accepted_codes(expected) {
        Some(codes) => codes.contains(&code),
        None => {
            let actual = code.spec_message();
            expected.starts_with(actual) || actual.starts_with(expected)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_messages_are_strict_about_the_code() {
        assert!(trap_matches("integer divide by zero", TrapCode::DivisionByZero));
        assert!(!trap_matches("integer divide by zero", TrapCode::IntegerOverflow));
        assert!(trap_matches("out of bounds memory access", TrapCode::MemoryOutOfBounds));
        assert!(!trap_matches("out of bounds memory access", TrapCode::TableOutOfBounds));
    }

    #[test]
    fn element_wording_is_lenient() {
        for msg in ["undefined element", "uninitialized element", "uninitialized element 2"] {
            assert!(trap_matches(msg, TrapCode::TableOutOfBounds), "{msg}");
            assert!(trap_matches(msg, TrapCode::IndirectCallToNull), "{msg}");
            assert!(!trap_matches(msg, TrapCode::IndirectCallTypeMismatch), "{msg}");
        }
    }

    #[test]
    fn every_code_matches_its_own_spec_message() {
        for code in [
            TrapCode::Unreachable,
            TrapCode::IntegerOverflow,
            TrapCode::DivisionByZero,
            TrapCode::InvalidConversion,
            TrapCode::MemoryOutOfBounds,
            TrapCode::TableOutOfBounds,
            TrapCode::IndirectCallToNull,
            TrapCode::IndirectCallTypeMismatch,
            TrapCode::StackExhausted,
            TrapCode::OutOfGas,
            TrapCode::HostError,
        ] {
            assert!(trap_matches(code.spec_message(), code), "{code}");
        }
    }
}
