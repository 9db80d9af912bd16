//! Receipts in the contract's language: with an SDK contract's metadata, what a call returned,
//! why it reverted (the method's own error, or the dispatcher's `DispatchError`) and the events
//! it emitted, decoded by their types in the metadata's registry.
//!
//! Each contract is described by its own metadata: events emitted by contracts the call reached
//! are decoded with theirs, found by [`MetadataLookup`] (the state database for `call`, `query`
//! and `deploy`; the record's read set for `replay`). What cannot be decoded (no metadata, or
//! data that does not fit its type) stays raw.

use std::collections::BTreeMap;
use std::sync::Arc;

use tally_host_env::{Address, Receipt, Status};
use tally_sdk_build::value::{decode_all, Value};
use tally_sdk_build::Metadata;

/// The first four bytes of the revert data of the SDK dispatcher's `DispatchError`.
const DISPATCH_ERROR_TAG: [u8; 4] = [0xff, b'T', b'L', b'Y'];

/// How a [`MetadataLookup`] finds a contract's metadata.
type Find<'a> = Box<dyn FnMut(&Address) -> Option<Metadata> + 'a>;

/// Finds (and remembers) the metadata of the contracts a receipt mentions.
pub struct MetadataLookup<'a> {
    find: Find<'a>,
    found: BTreeMap<Address, Option<Arc<Metadata>>>,
}

impl<'a> MetadataLookup<'a> {
    /// A lookup that asks `find` once per address.
    pub fn new(find: impl FnMut(&Address) -> Option<Metadata> + 'a) -> Self {
        Self { find: Box::new(find), found: BTreeMap::new() }
    }

    /// The metadata of the contract at `address`, if it has one.
    pub fn get(&mut self, address: &Address) -> Option<Arc<Metadata>> {
        if let Some(found) = self.found.get(address) {
            return found.clone();
        }
        let found = (self.find)(address).map(Arc::new);
        self.found.insert(*address, found.clone());
        found
    }
}

/// How a call ended, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It succeeded and returned this (the `T` of a `Result<T, E>` method).
    Returned(Value),
    /// It reverted with the method's own error (`Err(e)` of a `Result<T, E>` method).
    Error(Value),
    /// The SDK dispatcher refused the input (`DispatchError`).
    Dispatch(Value),
}

/// An event decoded by its contract's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEvent {
    /// The event's name.
    pub name: String,
    /// Its data as the event struct.
    pub value: Value,
}

/// What of a receipt could be decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The call's result or revert, when its type is known.
    pub outcome: Option<Outcome>,
    /// Per event of the receipt, in order: the decoded event, when its contract's metadata
    /// knows it.
    pub events: Vec<Option<NamedEvent>>,
}

/// Decodes `receipt` of a call of export `export` with `input` on a contract described by
/// `called` (the other contracts the receipt mentions are found by `lookup`).
pub fn decode_receipt(
    receipt: &Receipt,
    called: Option<&Metadata>,
    export: &str,
    input: &[u8],
    lookup: &mut MetadataLookup<'_>,
) -> Decoded {
    let outcome = called.and_then(|meta| {
        let method = meta.method_for(export, input);
        let data = &receipt.return_data;
        match receipt.status {
            Status::Ok => match &method?.returns {
                Some(returns) => decode_all(&meta.types, returns.ok, data).ok().map(Outcome::Returned),
                // A method without a return type returns nothing: `()`.
                None => data.is_empty().then(|| Outcome::Returned(Value::Tuple(Vec::new()))),
            },
            Status::Reverted if data.starts_with(&DISPATCH_ERROR_TAG) => {
                decode_all(&meta.types, meta.dispatch_error, &data[4..]).ok().map(Outcome::Dispatch)
            }
            Status::Reverted => {
                let err = method?.returns.as_ref()?.err?;
                decode_all(&meta.types, err, data).ok().map(Outcome::Error)
            }
            _ => None,
        }
    });
    let events = receipt
        .events
        .iter()
        .map(|e| {
            let meta = lookup.get(&e.contract)?;
            let by_signature = e.topics.first().and_then(|t| meta.event_by_signature(t));
            let candidates: Vec<_> = match by_signature {
                Some(info) => vec![info],
                // Anonymous events: the first whose topic count and data fit.
                None => meta.events.iter().filter(|x| x.anonymous && x.topics.len() == e.topics.len()).collect(),
            };
            candidates.into_iter().find_map(|info| {
                let value = decode_all(&meta.types, info.ty, &e.data).ok()?;
                Some(NamedEvent { name: info.name.clone(), value })
            })
        })
        .collect();
    Decoded { outcome, events }
}

#[cfg(test)]
mod tests {
    use parity_scale_codec::Encode;
    use tally_host_env::Event;

    use super::*;
    use crate::contract::sdk::tests::token_meta;

    fn receipt(status: Status, data: Vec<u8>) -> Receipt {
        Receipt {
            status,
            return_data: data,
            gas_used: 1,
            events: vec![Event { contract: Address([9; 32]), topics: vec![], data: vec![1] }],
            write_set: vec![],
            result_hash: [0; 32],
            logs: vec![],
            trap: None,
        }
    }

    #[test]
    fn returns_errors_and_dispatch_errors_by_type() {
        let meta = token_meta();
        let token = Some(&meta);
        let mut lookup = MetadataLookup::new(|a: &Address| (*a == Address([1; 32])).then(token_meta));
        let balance = [&tally_digest::selector("balance_of")[..], &[0; 32]].concat();
        let ok = decode_receipt(&receipt(Status::Ok, 7u128.encode()), token, "call", &balance, &mut lookup);
        assert_eq!(ok.outcome.map(|o| format!("{o:?}")), Some("Returned(UInt { value: 7, bits: 128 })".into()));
        assert_eq!(ok.events, [None], "the other contract has no metadata");
        let init = decode_receipt(&receipt(Status::Ok, vec![]), token, "deploy", &[], &mut lookup);
        assert_eq!(init.outcome, Some(Outcome::Returned(Value::Tuple(vec![]))), "no return type: nothing");
        let transfer = tally_digest::selector("transfer");
        let err = decode_receipt(&receipt(Status::Reverted, vec![3]), token, "call", &transfer, &mut lookup);
        assert_eq!(err.outcome, Some(Outcome::Error(Value::UInt { value: 3, bits: 8 })));
        let dispatch = [&DISPATCH_ERROR_TAG[..], &[2]].concat();
        let d = decode_receipt(&receipt(Status::Reverted, dispatch), token, "call", &transfer, &mut lookup);
        assert_eq!(d.outcome, Some(Outcome::Dispatch(Value::UInt { value: 2, bits: 8 })));
        // Data that does not fit its type stays raw.
        let bad = decode_receipt(&receipt(Status::Reverted, vec![3, 4]), token, "call", &transfer, &mut lookup);
        assert_eq!(bad.outcome, None);
    }
}
