//! Where a replay first differed from its record, and how to say it to a person.
//!
//! A divergence names one thing: the first transcript entry, event or write (by key) that
//! differs, or the first differing field of the outcome, with what the record expected and what
//! the replay did. Bytes are hex; a value over [`WHOLE`] bytes shows only a window around its
//! first differing byte, so one flipped byte in a large write set reads as one short line.

use crate::context::Address;
use crate::receipt::Event;
use crate::record::{ExecutionRecord, HostCall};
use crate::state::keys;

/// Where a replay first differed from its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Divergence {
    /// The runtime's params differ from the record's.
    Params {
        /// The record's params hash.
        recorded: [u8; 32],
        /// This runtime's.
        replayed: [u8; 32],
    },
    /// The replay read a key the record does not have.
    ReadOutsideReadSet {
        /// The key.
        key: Vec<u8>,
        /// How many host calls matched before it.
        after_host_calls: usize,
    },
    /// The replay could not run at all.
    Failed(String),
    /// Host call `index` differs.
    HostCall {
        /// Position in the transcript.
        index: usize,
        /// The record's entry (`None`: the replay made more calls).
        recorded: Option<Box<HostCall>>,
        /// The replay's entry (`None`: the replay made fewer calls).
        replayed: Option<Box<HostCall>>,
    },
    /// The replay needed more gas than the record says the execution used: it was stopped
    /// there, so a record can never make a replay do more work than it claims.
    GasExceeded {
        /// The gas the record says was used.
        recorded: u64,
    },
    /// Event `index` of the outcome differs.
    Event {
        /// Position in the outcome's events.
        index: usize,
        /// The record's event (`None`: the replay emitted more).
        recorded: Option<Box<Event>>,
        /// The replay's event (`None`: the replay emitted fewer).
        replayed: Option<Box<Event>>,
    },
    /// The write set differs first (in key order) at `key`. For each side: `None` if it has no
    /// entry for the key, `Some(None)` for a removal, `Some(Some(value))` for a write.
    WriteSet {
        /// The storage key.
        key: Vec<u8>,
        /// The record's entry.
        recorded: Option<Option<Vec<u8>>>,
        /// The replay's entry.
        replayed: Option<Option<Vec<u8>>>,
    },
    /// A field of the outcome differs.
    Outcome {
        /// The field: `status`, `return_data`, `gas_used`, `result_hash`.
        field: &'static str,
        /// The record's value, rendered.
        recorded: String,
        /// The replay's value, rendered.
        replayed: String,
    },
}

/// Values up to this many bytes are shown whole; longer ones as a window of this size.
pub const WHOLE: usize = 32;

/// The index of the first byte where `a` and `b` differ (the shorter length if one is a prefix
/// of the other).
fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()))
}

/// `bytes` in hex, whole if short, else the [`WHOLE`]-byte window starting a little before
/// byte `at`, with the length.
fn hex_at(bytes: &[u8], at: usize) -> String {
    if bytes.len() <= WHOLE {
        return crate::hex(bytes);
    }
    let start = at.saturating_sub(WHOLE / 4).min(bytes.len() - WHOLE);
    let end = start + WHOLE;
    let digits = &crate::hex(&bytes[start..end])[2..];
    format!(
        "0x{}{digits}{} ({} bytes; bytes {start}..{end} shown)",
        if start > 0 { "…" } else { "" },
        if end < bytes.len() { "…" } else { "" },
        bytes.len()
    )
}

/// Two byte strings, each cut around their first difference, and where that is.
fn bytes_pair(recorded: &[u8], replayed: &[u8]) -> (String, String, usize) {
    let at = first_difference(recorded, replayed);
    (hex_at(recorded, at), hex_at(replayed, at), at)
}

/// A storage key for people: a contract's key as the contract wrote it and the contract, other
/// keys (accounts, code, nonces) in hex.
fn key_name(key: &[u8]) -> String {
    match key.strip_prefix(keys::STORAGE).filter(|rest| rest.len() >= 32) {
        Some(rest) => {
            let contract = Address(rest[..32].try_into().expect("32 bytes"));
            format!("key {} of contract {contract}", crate::hex(&rest[32..]))
        }
        None => format!("key {}", crate::hex(key)),
    }
}

fn host_call(c: &HostCall) -> String {
    format!(
        "{} at depth {} (gas {} -> {}, io {})",
        c.function_name(),
        c.depth,
        c.gas_before,
        c.gas_after,
        crate::hex(&c.io[..8])
    )
}

/// The parts in which two transcript entries differ.
fn host_call_difference(a: &HostCall, b: &HostCall) -> Vec<&'static str> {
    let mut parts = Vec::new();
    if a.function != b.function {
        parts.push("function");
    }
    if a.depth != b.depth {
        parts.push("depth");
    }
    if a.gas_before != b.gas_before || a.gas_after != b.gas_after {
        parts.push("gas");
    }
    if a.io != b.io {
        parts.push("bytes read or written");
    }
    parts
}

fn event(e: &Event) -> String {
    let topics: Vec<String> = e.topics.iter().map(|t| crate::hex(t)).collect();
    format!("from {} with topics [{}] and data {}", e.contract, topics.join(", "), hex_at(&e.data, 0))
}

fn write_entry(entry: &Option<Option<Vec<u8>>>, at: usize) -> String {
    match entry {
        None => "no write".into(),
        Some(None) => "a removal".into(),
        Some(Some(v)) => format!("the value {}", hex_at(v, at)),
    }
}

impl core::fmt::Display for Divergence {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Divergence::Params { recorded, replayed } => write!(
                f,
                "params differ: the record was made under params {}, this runtime has {}",
                crate::hex(recorded),
                crate::hex(replayed)
            ),
            Divergence::ReadOutsideReadSet { key, after_host_calls } => write!(
                f,
                "the replay read {}, which is not in the record's read set (after {after_host_calls} matching host calls)",
                key_name(key)
            ),
            Divergence::Failed(m) => write!(f, "replay failed: {m}"),
            Divergence::HostCall { index, recorded: Some(r), replayed: Some(p) } => write!(
                f,
                "host call #{index} differs in its {}: the record has {}, the replay made {}",
                host_call_difference(r, p).join(" and "),
                host_call(r),
                host_call(p)
            ),
            Divergence::HostCall { index, recorded: Some(r), replayed: None } => write!(
                f,
                "host call #{index} is missing: the record has {}, the replay made no more host calls",
                host_call(r)
            ),
            Divergence::HostCall { index, recorded: None, replayed: Some(p) } => write!(
                f,
                "host call #{index} is extra: the record ends before it, the replay made {}",
                host_call(p)
            ),
            Divergence::HostCall { index, recorded: None, replayed: None } => {
                write!(f, "host call #{index} differs")
            }
            Divergence::GasExceeded { recorded } => {
                write!(f, "the replay needed more than the {recorded} gas the record says was used; stopped there")
            }
            Divergence::Event { index, recorded, replayed } => {
                let side = |e: &Option<Box<Event>>| e.as_deref().map_or_else(|| "no event".into(), event);
                write!(f, "event #{index} differs: the record has {}, the replay emitted {}", side(recorded), side(replayed))
            }
            Divergence::WriteSet { key, recorded, replayed } => {
                let at = match (recorded, replayed) {
                    (Some(Some(a)), Some(Some(b))) => first_difference(a, b),
                    _ => 0,
                };
                write!(
                    f,
                    "the write set differs at {}: the record has {}, the replay made {}",
                    key_name(key),
                    write_entry(recorded, at),
                    write_entry(replayed, at)
                )?;
                if let (Some(Some(_)), Some(Some(_))) = (recorded, replayed) {
                    write!(f, " (first difference at byte {at})")?;
                }
                Ok(())
            }
            Divergence::Outcome { field, recorded, replayed } => {
                write!(f, "{field} differs: the record has {recorded}, the replay gave {replayed}")
            }
        }
    }
}

/// The first difference between a record and its replay: the transcript entry by entry, then the
/// outcome's status, return data, gas, events (one by one), write set (key by key) and result
/// hash.
pub(crate) fn compare(recorded: &ExecutionRecord, replayed: &ExecutionRecord) -> Result<(), Divergence> {
    let (a, b) = (&recorded.transcript, &replayed.transcript);
    for index in 0..a.len().max(b.len()) {
        if a.get(index) != b.get(index) {
            return Err(Divergence::HostCall {
                index,
                recorded: a.get(index).cloned().map(Box::new),
                replayed: b.get(index).cloned().map(Box::new),
            });
        }
    }
    let (x, y) = (&recorded.outcome, &replayed.outcome);
    let field = |field: &'static str, r: String, p: String| -> Result<(), Divergence> {
        if r == p {
            Ok(())
        } else {
            Err(Divergence::Outcome { field, recorded: r, replayed: p })
        }
    };
    field("status", x.status.describe(), y.status.describe())?;
    if x.return_data != y.return_data {
        let (r, p, at) = bytes_pair(&x.return_data, &y.return_data);
        let p = format!("{p} (first difference at byte {at})");
        return Err(Divergence::Outcome { field: "return_data", recorded: r, replayed: p });
    }
    field("gas_used", x.gas_used.to_string(), y.gas_used.to_string())?;
    for index in 0..x.events.len().max(y.events.len()) {
        if x.events.get(index) != y.events.get(index) {
            return Err(Divergence::Event {
                index,
                recorded: x.events.get(index).cloned().map(Box::new),
                replayed: y.events.get(index).cloned().map(Box::new),
            });
        }
    }
    first_write_difference(&x.write_set, &y.write_set)?;
    field("result_hash", crate::hex(&x.result_hash), crate::hex(&y.result_hash))?;
    Ok(())
}

type Writes = [(Vec<u8>, Option<Vec<u8>>)];

/// The first key (in key order) at which two sorted write sets differ.
fn first_write_difference(recorded: &Writes, replayed: &Writes) -> Result<(), Divergence> {
    let (mut i, mut j) = (0, 0);
    loop {
        let (r, p) = (recorded.get(i), replayed.get(j));
        let (key, r_entry, p_entry) = match (r, p) {
            (None, None) => return Ok(()),
            (Some((k, v)), None) => (k, Some(v.clone()), None),
            (None, Some((k, v))) => (k, None, Some(v.clone())),
            (Some((rk, rv)), Some((pk, pv))) => match rk.cmp(pk) {
                core::cmp::Ordering::Less => (rk, Some(rv.clone()), None),
                core::cmp::Ordering::Greater => (pk, None, Some(pv.clone())),
                core::cmp::Ordering::Equal if rv == pv => {
                    i += 1;
                    j += 1;
                    continue;
                }
                core::cmp::Ordering::Equal => (rk, Some(rv.clone()), Some(pv.clone())),
            },
        };
        return Err(Divergence::WriteSet { key: key.clone(), recorded: r_entry, replayed: p_entry });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_show_a_window_around_the_first_difference() {
        let a: Vec<u8> = (0..200u8).collect();
        let mut b = a.clone();
        b[100] ^= 0xff;
        let (r, p, at) = bytes_pair(&a, &b);
        assert_eq!(at, 100);
        assert_eq!(r, format!("0x…{}… (200 bytes; bytes 92..124 shown)", &crate::hex(&a[92..124])[2..]));
        assert!(p.contains("9b"), "{p}");
        // Short values are whole; a difference near the end keeps the window inside the value.
        assert_eq!(hex_at(&[1, 2], 1), "0x0102");
        assert!(hex_at(&a, 199).ends_with("c7 (200 bytes; bytes 168..200 shown)"), "{}", hex_at(&a, 199));
    }

    #[test]
    fn the_first_differing_write_is_found_in_key_order() {
        let w = |k: &[u8], v: Option<&[u8]>| (k.to_vec(), v.map(<[u8]>::to_vec));
        let recorded = [w(b"a", Some(b"1")), w(b"b", Some(b"2")), w(b"d", None)];
        let same = first_write_difference(&recorded, &recorded);
        assert_eq!(same, Ok(()));
        let changed = [w(b"a", Some(b"1")), w(b"b", Some(b"3")), w(b"d", None)];
        assert_eq!(
            first_write_difference(&recorded, &changed),
            Err(Divergence::WriteSet {
                key: b"b".to_vec(),
                recorded: Some(Some(b"2".to_vec())),
                replayed: Some(Some(b"3".to_vec()))
            })
        );
        let extra = [w(b"a", Some(b"1")), w(b"b", Some(b"2")), w(b"c", Some(b"9")), w(b"d", None)];
        assert_eq!(
            first_write_difference(&recorded, &extra),
            Err(Divergence::WriteSet { key: b"c".to_vec(), recorded: None, replayed: Some(Some(b"9".to_vec())) })
        );
        let fewer = [w(b"a", Some(b"1")), w(b"b", Some(b"2"))];
        assert_eq!(
            first_write_difference(&recorded, &fewer),
            Err(Divergence::WriteSet { key: b"d".to_vec(), recorded: Some(None), replayed: None })
        );
    }

    #[test]
    fn a_flipped_byte_in_a_contract_value_reads_as_one_line() {
        let contract = Address([0x11; 32]);
        let key = crate::contract_key(&contract, b"n");
        let value: Vec<u8> = vec![7; 5000];
        let mut flipped = value.clone();
        flipped[4321] ^= 1;
        let d = Divergence::WriteSet { key, recorded: Some(Some(value)), replayed: Some(Some(flipped)) };
        let text = d.to_string();
        assert!(text.len() < 500, "{} bytes: {text}", text.len());
        assert_eq!(
            text,
            format!(
                "the write set differs at key 0x6e of contract {contract}: the record has the value \
                 0x…{}… (5000 bytes; bytes 4313..4345 shown), the replay made the value 0x…{}06{}… \
                 (5000 bytes; bytes 4313..4345 shown) (first difference at byte 4321)",
                "07".repeat(32),
                "07".repeat(8),
                "07".repeat(23)
            )
        );
    }
}
