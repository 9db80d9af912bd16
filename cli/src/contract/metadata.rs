//! `tally metadata`: an SDK contract's metadata (its `tally.metadata` section) as JSON: methods
//! with selectors, typed arguments and returns, events, storage layout, and the type registry
//! that defines every type they name (`tally_sdk_build::json::metadata_to_json` has the format).
//! The section is read by the same strict reader `call`, `query`, `deploy` and `replay` use, so
//! malformed metadata is reported here as it would be there.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use tally_sdk_build::json::metadata_to_json;
use tally_sdk_build::{MetadataError, PLACEHOLDER};

use super::sdk::metadata_of_code;
use super::ContractError;
use crate::load::load_module;
use crate::output::error_exit;

/// The options of `tally metadata`.
#[derive(Debug, Args)]
pub struct MetadataArgs {
    /// The contract: a WebAssembly binary (.wasm) or text (.wat) file, as `tally build` made it.
    module: PathBuf,

    /// One line of JSON instead of indented JSON.
    #[arg(long)]
    compact: bool,
}

/// Runs `tally metadata`: prints the metadata, or exits with 1 when the module has none or it is
/// malformed.
pub fn command(args: MetadataArgs) -> ExitCode {
    let result = (|| {
        let code = load_module(&args.module)?;
        if tally_sdk_build::read_metadata(&code) == Some(&PLACEHOLDER[..]) {
            return Err(ContractError::Input(format!("{}: {}", args.module.display(), MetadataError::NotGenerated)));
        }
        metadata_of_code(&code)?.ok_or_else(|| {
            ContractError::Input(format!(
                "{} has no tally.metadata section: it is not a tally-sdk contract, or it was not built by \
                 `tally build` (which writes the metadata into the module)",
                args.module.display()
            ))
        })
    })();
    match result {
        Ok(meta) => {
            let json = metadata_to_json(&meta);
            let text =
                if args.compact { json.to_string() } else { serde_json::to_string_pretty(&json).unwrap_or_default() };
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => error_exit(&err, false),
    }
}
