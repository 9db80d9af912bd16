//! Target `decode`: arbitrary bytes through every decoder of untrusted data outside the VM.
//!
//! - SCALE: receipts (`Receipt`, which holds statuses, events and trap locations), stored
//!   accounts (`Account`), schedules (`Schedule::from_bytes`), params (`Params::from_bytes`) and
//!   execution records (`ExecutionRecord::from_bytes`, on the input and on the input behind a
//!   record's magic and version, so mutations reach the body). Whatever decodes must re-encode to
//!   exactly the bytes it was decoded from: every value has one encoding.
//! - Contract metadata: the SDK's section reader (`tally_sdk_build::sections`, `read_metadata`)
//!   must see the custom sections wasmparser sees in every module the profile accepts; the one
//!   metadata reader (`tally_sdk_metadata::Metadata::parse`, which TestChain and the CLI share) runs
//!   on the section's bytes and on the input itself: what it accepts re-encodes to exactly those
//!   bytes (one encoding per metadata), and every method it reads has a name.
//!
//! A decoder may reject anything; it must not panic, hang or allocate without bound.

use std::fmt::Debug;

use parity_scale_codec::{Decode, Encode};
use tally_gas_injector::Schedule;
use tally_host_env::record::{RECORD_MAGIC, RECORD_VERSION};
use tally_host_env::{Account, ExecutionRecord, Params, Receipt};
use wasmparser::Payload;

/// Checks one input; `Err` lists the findings.
pub fn check(data: &[u8]) -> Result<(), String> {
    let mut found = Vec::new();
    scale::<Receipt>("receipt", data, &mut found);
    scale::<Account>("account", data, &mut found);
    canonical("schedule", data, Schedule::from_bytes(data).ok().map(|s| s.to_bytes()), &mut found);
    canonical("params", data, Params::from_bytes(data).ok().map(|p| p.to_bytes()), &mut found);
    canonical("record", data, ExecutionRecord::from_bytes(data).ok().map(|r| r.to_bytes()), &mut found);
    let mut framed = RECORD_MAGIC.to_vec();
    RECORD_VERSION.encode_to(&mut framed);
    framed.extend_from_slice(data);
    canonical("record", &framed, ExecutionRecord::from_bytes(&framed).ok().map(|r| r.to_bytes()), &mut found);

    sections(data, &mut found);
    if let Some(section) = tally_sdk_build::read_metadata(data) {
        metadata(section, &mut found);
    }
    metadata(data, &mut found);
    super::findings(found)
}

/// A SCALE value decoded from the front of `data` must re-encode to the bytes it consumed.
fn scale<T: Decode + Encode + Debug>(what: &str, data: &[u8], found: &mut Vec<String>) {
    let mut rest = data;
    if let Ok(value) = T::decode(&mut rest) {
        let consumed = &data[..data.len() - rest.len()];
        canonical(what, consumed, Some(value.encode()), found);
    }
}

/// `encoded` (what a decoded value encodes to, if `bytes` decoded) must be `bytes`.
fn canonical(what: &str, bytes: &[u8], encoded: Option<Vec<u8>>, found: &mut Vec<String>) {
    if let Some(encoded) = encoded {
        if encoded != bytes {
            found.push(format!(
                "a {what} decodes from {} bytes that are not its encoding ({} bytes)",
                bytes.len(),
                encoded.len()
            ));
        }
    }
}

/// The SDK's section reader agrees with wasmparser on the custom sections of valid modules.
fn sections(data: &[u8], found: &mut Vec<String>) {
    let ours = tally_sdk_build::sections(data);
    if tally_profile::validate(data).is_err() {
        return;
    }
    let Some(ours) = ours else {
        found.push("the SDK's section reader rejects a module the profile accepts".into());
        return;
    };
    let ours: Vec<(&[u8], &[u8])> = ours.iter().filter_map(|s| Some((s.name?, s.body))).collect();
    let mut theirs = Vec::new();
    for payload in tally_profile::parser(tally_profile::features()).parse_all(data) {
        if let Ok(Payload::CustomSection(section)) = payload {
            theirs.push((section.name().as_bytes(), section.data()));
        }
    }
    if ours != theirs {
        found.push(format!(
            "the SDK's section reader sees custom sections {:?}, wasmparser {:?}",
            names(&ours),
            names(&theirs)
        ));
    }
}

fn names(sections: &[(&[u8], &[u8])]) -> Vec<String> {
    sections.iter().map(|(name, body)| format!("{}:{}", String::from_utf8_lossy(name), body.len())).collect()
}

/// The metadata reader (one, in `tally-sdk-metadata`, shared by TestChain and the CLI) accepts
/// only canonical sections, and what it accepts names every method.
fn metadata(section: &[u8], found: &mut Vec<String>) {
    let Ok(meta) = tally_sdk_testing::Metadata::parse(section) else { return };
    if meta.to_section() != section {
        found.push(format!(
            "the metadata reader accepts a section that re-encodes differently ({} bytes)",
            section.len()
        ));
    }
    if meta.methods.iter().any(|m| m.name.is_empty()) {
        found.push("the metadata reader accepts a method without a name".to_string());
    }
}
