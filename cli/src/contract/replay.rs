//! `tally replay`: re-run an execution record without the database and compare; and the record
//! files `deploy`, `call` and `query` write with `--record`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use parity_scale_codec::Decode;
use serde_json::json;
use tally_host_env::sections::code_as_deployed;
use tally_host_env::{hex, keys, Account, Address, ExecutionRecord, Receipt, RecordKind};

use super::decode::{decode_receipt, Decoded, MetadataLookup};
use super::receipt::{format_receipt, receipt_to_json};
use super::{runtime, ContractError};
use crate::load::read_file;
use crate::output::{error_exit, EXIT_ERROR};

/// The options of `tally replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// An execution record written by `deploy`, `call` or `query` with --record.
    record: PathBuf,

    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// Writes `record` ([`ExecutionRecord::to_bytes`]) to `path`.
pub fn write_record(path: &Path, record: &ExecutionRecord) -> Result<(), ContractError> {
    std::fs::write(path, record.to_bytes())
        .map_err(|e| ContractError::Io { path: path.to_path_buf(), message: format!("cannot write the record: {e}") })
}

/// Reads and decodes the record at `path`.
pub fn read_record(path: &Path) -> Result<ExecutionRecord, ContractError> {
    let bytes = read_file(path)?;
    ExecutionRecord::from_bytes(&bytes).map_err(|error| ContractError::Record { path: path.to_path_buf(), error })
}

/// What `record` ran, for people: `call <address> <method>`, `query <address> <method>`,
/// `deploy`, or `deploy (init <method>)`. For an SDK contract (whose code, in the record's read
/// set or in the deployment, carries metadata) the method is the SDK method the input's selector
/// names, not the entry point `call` or `deploy`.
pub fn describe_record(record: &ExecutionRecord) -> String {
    let code = match &record.kind {
        RecordKind::Deploy { code, .. } => Some(code.clone()),
        RecordKind::Call { .. } => code_of_hash(record, &record.code_hash),
    };
    // Undecodable metadata only loses the name; the replay reports on the code itself.
    let metadata = code.and_then(|c| super::sdk::metadata_of_code(&c).ok().flatten());
    match &record.kind {
        RecordKind::Call { contract, method, read_only } => {
            let verb = if *read_only { "query" } else { "call" };
            let sdk_method = match (&metadata, record.input.get(..4)) {
                (Some(meta), Some(selector)) if method == "call" => {
                    Some(meta.methods.iter().find(|m| m.entry() == "call" && m.selector[..] == *selector).map_or_else(
                        || format!("call (selector {}, which {} does not have)", hex(selector), meta.contract),
                        |m| m.name.clone(),
                    ))
                }
                _ => None,
            };
            format!("{verb} {contract} {}", sdk_method.as_deref().unwrap_or(method))
        }
        RecordKind::Deploy { init: None, .. } => "deploy".to_string(),
        RecordKind::Deploy { init: Some(init), .. } => {
            let sdk_init = metadata
                .as_ref()
                .filter(|_| init == "deploy")
                .and_then(|meta| meta.methods.iter().find(|m| m.entry() == "deploy"))
                .map(|m| m.name.as_str());
            format!("deploy (init {})", sdk_init.unwrap_or(init))
        }
    }
}

/// The value `record`'s read set holds for `key`, if it holds one.
fn read_in_record<'r>(record: &'r ExecutionRecord, key: &[u8]) -> Option<&'r [u8]> {
    record.read_set.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.as_deref())
}

/// The code stored under `code_hash` as deployed, from `record`'s read set: a recorded load
/// reads the code's executable part and its custom sections (which carry the metadata).
/// Sections that do not fit the code only lose the metadata.
fn code_of_hash(record: &ExecutionRecord, code_hash: &[u8; 32]) -> Option<Vec<u8>> {
    code_as_deployed(code_hash, |key| Ok(read_in_record(record, key).map(<[u8]>::to_vec))).ok().flatten()
}

/// The code of the contract at `address`, from `record`'s read set (every contract an execution
/// loads has its account and code read).
fn code_in_record(record: &ExecutionRecord, address: &Address) -> Option<Vec<u8>> {
    let account = Account::decode(&mut read_in_record(record, &[keys::ACCOUNT, &address.0[..]].concat())?).ok()?;
    code_of_hash(record, &account.code_hash)
}

/// The replayed receipt decoded by the metadata of the code the record holds.
fn decode_replayed(record: &ExecutionRecord, receipt: &Receipt) -> Decoded {
    let deployed = match &record.kind {
        RecordKind::Deploy { code, .. } => super::sdk::metadata_of_code(code).ok().flatten(),
        RecordKind::Call { .. } => None,
    };
    let mut lookup = MetadataLookup::new(|a: &Address| match code_in_record(record, a) {
        Some(code) => super::sdk::metadata_of_code(&code).ok().flatten(),
        // The contract a deployment creates is not in its read set.
        None => deployed.clone(),
    });
    let (called, export) = match &record.kind {
        RecordKind::Call { contract, method, .. } => (lookup.get(contract), method.as_str()),
        RecordKind::Deploy { init, .. } => (deployed.clone().map(Arc::new), init.as_deref().unwrap_or_default()),
    };
    decode_receipt(receipt, called.as_deref(), export, &record.input, &mut lookup)
}

/// Runs `tally replay`: exits with [`EXIT_ERROR`] when the replay diverges from the record.
pub fn command(args: ReplayArgs) -> ExitCode {
    let prepared = read_record(&args.record).and_then(|record| Ok((runtime()?, record)));
    let (runtime, record) = match prepared {
        Ok(p) => p,
        Err(err) => return error_exit(&err, args.json),
    };
    let what = describe_record(&record);
    match tally_host_env::replay(&runtime, &record) {
        Ok(receipt) => {
            let decoded = decode_replayed(&record, &receipt);
            if args.json {
                println!(
                    "{}",
                    json!({
                        "identical": true,
                        "replayed": what,
                        "result_hash": tally_host_env::hex(&receipt.result_hash),
                        "receipt": receipt_to_json(&receipt, Some(&decoded)),
                    })
                );
            } else {
                println!("identical: {what}");
                print!("{}", format_receipt(&receipt, Some(&decoded)));
            }
            ExitCode::SUCCESS
        }
        Err(divergence) => {
            if args.json {
                println!("{}", json!({ "identical": false, "replayed": what, "divergence": divergence.to_string() }));
            } else {
                println!("diverged: {what}");
            }
            eprintln!("error: replay diverged from the record: {divergence}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
