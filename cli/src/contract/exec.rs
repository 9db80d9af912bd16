//! `tally deploy`, `call` and `query`: run a contract against the state and print its receipt,
//! decoded by the contracts' metadata where they have it (`decode`). Requests the runtime
//! would refuse (unknown method, missing initializer, input over the limit) and, with metadata,
//! arguments that do not fit the method's signature and queries of mutating methods are errors
//! before anything runs, so they burn no gas.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;
use tally_host_env::{hex, Address, CallRequest, DeployRequest, Status};
use tally_sdk_build::MethodKind;

use super::args::encode_args;
use super::decode::{decode_receipt, MetadataLookup};
use super::receipt::{format_receipt, receipt_to_json};
use super::replay::write_record;
use super::{has_contract, open_node, parse_address, sdk, signature, ContractError, ExecArgs, DEFAULT_ACCOUNT};
use crate::load::load_module;
use crate::output::{error_exit, exit_code, EXIT_TRAP};

/// The options of `tally deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The contract: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Run this method as the initializer (it receives --args as input).
    #[arg(long, value_name = "METHOD")]
    init: Option<String>,

    /// The deployer (0x + 64 hex digits); the contract address derives from it and its nonce.
    #[arg(long, value_name = "ADDR", value_parser = parse_address, default_value_t = DEFAULT_ACCOUNT)]
    deployer: Address,

    #[command(flatten)]
    exec: ExecArgs,
}

/// The options of `tally call` and `tally query`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The contract's address (0x + 64 hex digits, as `deploy` printed it).
    #[arg(value_parser = parse_address)]
    address: Address,

    /// The method: an exported function with no parameters and no results, or a method of an
    /// SDK contract (called through its `call` export with the method's selector).
    method: String,

    /// The caller (0x + 64 hex digits).
    #[arg(long, value_name = "ADDR", value_parser = parse_address, default_value_t = DEFAULT_ACCOUNT)]
    caller: Address,

    #[command(flatten)]
    exec: ExecArgs,
}

/// Runs `tally deploy`: stores the code (after its initializer, if any, succeeded) and prints
/// the address; exits with [`EXIT_TRAP`] when the initializer fails.
pub fn deploy(args: DeployArgs) -> ExitCode {
    let json = args.exec.json;
    let result = (|| {
        let code = load_module(&args.module)?;
        // SDK contracts initialize through their `deploy` export, whose input is the init
        // method's arguments (no selector).
        let metadata = sdk::metadata_of_code(&code)?;
        let init = args.init.clone().or_else(|| metadata.as_ref().map(|_| "deploy".to_string()));
        let has_args = !args.exec.args.is_empty() || args.exec.json_args.is_some();
        if init.is_none() && has_args {
            return Err(ContractError::Input("--args needs --init (the input goes to the initializer)".into()));
        }
        let mut input = encode_args(&args.exec.args)?;
        if let (Some(meta), Some(json_args)) = (&metadata, &args.exec.json_args) {
            let Some(m) = meta.init() else {
                return Err(ContractError::Input(format!("contract {} has no initializer", meta.contract)));
            };
            input = sdk::encode_json_args(meta, m, json_args)?;
        } else if args.exec.json_args.is_some() {
            return Err(ContractError::Input("--json-args needs contract metadata (an SDK contract)".into()));
        }
        // An SDK initializer decodes its arguments only once the code is stored and loaded:
        // check them against its signature first.
        if let (Some(meta), Some("deploy")) = (&metadata, init.as_deref()) {
            match meta.methods.iter().find(|m| m.entry() == "deploy") {
                Some(m) => signature::check_args(meta, m, &input)
                    .map_err(|e| ContractError::Input(format!("{}: {e}", meta.contract)))?,
                None if !input.is_empty() => {
                    return Err(ContractError::Input(format!(
                        "contract {} has no #[init] method, so its deployment takes no arguments ({} bytes given)",
                        meta.contract,
                        input.len()
                    )));
                }
                None => {}
            }
        }
        let (runtime, storage) = open_node(&args.exec.state.db, args.exec.state.in_memory, true)?;
        let (entry, init_input) = (init.clone().unwrap_or_default(), input.clone());
        let req = DeployRequest {
            code,
            deployer: args.deployer,
            init,
            input,
            gas_limit: args.exec.gas,
            context: args.exec.context(),
        };
        // Refuse what would only burn gas: code the runtime refuses, or a missing initializer.
        let report =
            runtime.check(&req.code).map_err(|e| ContractError::Input(format!("{}: {e}", args.module.display())))?;
        if let Some(method) = &req.init {
            if !report.methods.contains(method) {
                return Err(ContractError::Input(format!(
                    "{} has no method `{method}` to run as the initializer (an exported function with no params \
                     and no results)",
                    args.module.display()
                )));
            }
        }
        let deployed = match &args.exec.record {
            None => runtime.deploy(&storage, &req)?,
            Some(path) => {
                let (deployed, record) = runtime.deploy_recorded(&storage, &req)?;
                write_record(path, &record)?;
                deployed
            }
        };
        // The new contract is described by its code (stored only if the initializer succeeded),
        // the contracts it called by theirs.
        let new_address = deployed.address;
        let mut lookup = MetadataLookup::new(|a: &Address| {
            if *a == new_address {
                metadata.clone()
            } else {
                sdk::metadata_of(&storage, a).ok().flatten()
            }
        });
        let called = lookup.get(&new_address);
        let decoded = decode_receipt(&deployed.receipt, called.as_deref(), &entry, &init_input, &mut lookup);
        Ok((deployed, decoded))
    })();
    let (deployed, decoded) = match result {
        Ok(done) => done,
        Err(err) => return error_exit(&err, json),
    };
    let ok = deployed.receipt.status.is_ok();
    if json {
        println!(
            "{}",
            json!({
                "deployed": ok,
                "address": deployed.address.to_string(),
                "code_hash": hex(&deployed.code_hash),
                "receipt": receipt_to_json(&deployed.receipt, Some(&decoded)),
            })
        );
    } else {
        if ok {
            println!("address: {}", deployed.address);
        } else {
            println!("not deployed ({}): nothing was stored", deployed.receipt.status.describe());
        }
        println!("code hash: {}", hex(&deployed.code_hash));
        if args.init.is_some() || !ok {
            print!("{}", format_receipt(&deployed.receipt, Some(&decoded)));
        }
    }
    exit_code(ok, EXIT_TRAP)
}

/// Runs `tally call` (or, `read_only`, `tally query`) and prints the receipt; exits with
/// [`EXIT_TRAP`] when the contract fails.
pub fn call(args: CallArgs, read_only: bool) -> ExitCode {
    let json = args.exec.json;
    let result = (|| {
        let encoded = encode_args(&args.exec.args)?;
        let (runtime, storage) = open_node(&args.exec.state.db, args.exec.state.in_memory, false)?;
        if !has_contract(&storage, &args.address)? {
            return Err(ContractError::Input(format!("no contract at address {}", args.address)));
        }
        let metadata = sdk::metadata_of(&storage, &args.address)?;
        let resolved = sdk::resolve(metadata.as_ref(), &args.method, encoded.clone(), args.exec.json_args.as_deref())?;
        // With metadata, refuse before running what could only fail: a query of a method that
        // changes state, or arguments that do not fit the method's signature.
        if let Some(meta) = &metadata {
            if let Some(m) = meta.methods.iter().find(|m| m.name == args.method) {
                if read_only && m.kind != MethodKind::View {
                    let views: Vec<&str> =
                        meta.methods.iter().filter(|m| m.kind == MethodKind::View).map(|m| m.name.as_str()).collect();
                    return Err(ContractError::Input(format!(
                        "`{}` is a #[{}] method of {}: it may change state, and a query cannot; use `tally call`. \
                         Its views: {}",
                        m.name,
                        m.kind.name(),
                        meta.contract,
                        if views.is_empty() { "none".to_string() } else { views.join(", ") }
                    )));
                }
                let selector_len = if m.entry() == "deploy" { 0 } else { 4 };
                signature::check_args(meta, m, &resolved.input[selector_len..])
                    .map_err(|e| ContractError::Input(format!("{}: {e}", meta.contract)))?;
            }
        }
        let mut req = CallRequest {
            contract: args.address,
            method: resolved.entry,
            input: resolved.input,
            caller: args.caller,
            gas_limit: args.exec.gas,
            context: args.exec.context(),
        };
        // A contract without metadata may still dispatch by selector through `call`.
        let mut refusal = runtime.check_method(&storage, &req)?;
        if metadata.is_none() && args.method != "call" && matches!(refusal, Some((Status::NoSuchMethod, _))) {
            let fallback = CallRequest {
                method: "call".into(),
                input: [&tally_digest::selector(&args.method)[..], &encoded[..]].concat(),
                ..req.clone()
            };
            if runtime.check_method(&storage, &fallback)?.is_none() {
                req = fallback;
                refusal = None;
            }
        }
        // Refuse what would only burn gas.
        if let Some((_, message)) = refusal {
            return Err(ContractError::Input(message));
        }
        let max_input = runtime.params().limits.max_input_len as usize;
        if req.input.len() > max_input {
            return Err(ContractError::Input(format!(
                "call input of {} bytes exceeds the limit of {max_input}",
                req.input.len()
            )));
        }
        let receipt = match (&args.exec.record, read_only) {
            (None, false) => runtime.call(&storage, &req)?,
            (None, true) => runtime.query(&storage, &req)?,
            (Some(path), _) => {
                let (receipt, record) = if read_only {
                    runtime.query_recorded(&storage, &req)?
                } else {
                    runtime.call_recorded(&storage, &req)?
                };
                write_record(path, &record)?;
                receipt
            }
        };
        let mut lookup = MetadataLookup::new(|a: &Address| sdk::metadata_of(&storage, a).ok().flatten());
        let called = lookup.get(&req.contract);
        let decoded = decode_receipt(&receipt, called.as_deref(), &req.method, &req.input, &mut lookup);
        Ok((receipt, decoded))
    })();
    let (receipt, decoded) = match result {
        Ok(done) => done,
        Err(err) => return error_exit(&err, json),
    };
    if json {
        println!("{}", receipt_to_json(&receipt, Some(&decoded)));
    } else {
        print!("{}", format_receipt(&receipt, Some(&decoded)));
    }
    exit_code(receipt.status.is_ok(), EXIT_TRAP)
}
