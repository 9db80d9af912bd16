//! `tally`: run WebAssembly modules on the Tally deterministic interpreter.
//!
//! Subcommands: `run` (optionally metered with `--gas`), `instrument`, `schedule`, and the
//! contract commands `check`, `deploy`, `call`, `query`, `replay` (see `tally_cli::contract`).
//!
//! Exit codes: 0 on success, 1 for any error (unreadable or invalid module, unknown export,
//! bad arguments, imports the runner cannot provide, bad command line, unknown contract or
//! method, unusable database or record, diverging replay), 2 when execution traps or a contract
//! fails (reverted, trapped, out of gas, aborted, host trap).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use tally_cli::contract::{
    self, ContractError, DEFAULT_ACCOUNT, DEFAULT_CHAIN_ID, DEFAULT_DB, DEFAULT_GAS, DEFAULT_HEIGHT, DEFAULT_TIME,
};
use tally_cli::{
    describe_trap, format_value, load_schedule, metered_outcome_to_json, outcome_to_json, MeteredOutcome, Outcome,
};
use tally_host_env::Status;

/// Exit code for errors other than traps.
const EXIT_ERROR: u8 = 1;
/// Exit code when execution traps.
const EXIT_TRAP: u8 = 2;

/// Run WebAssembly modules on the Tally deterministic interpreter.
#[derive(Debug, Parser)]
#[command(name = "tally", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Instantiate a module (it must have no imports) and call one of its exported functions.
    ///
    /// Results are printed one per line as TYPE:VALUE (e.g. `i32:42`, `f64:nan`); with --json,
    /// as one JSON object `{"results": [...], "trap": null | {...}}`. Exits with 2 on a trap and
    /// 1 on any other error.
    ///
    /// With --gas N, the module is first instrumented with the gas schedule (the default, or
    /// --schedule FILE) and run with N gas and the schedule's stack budget; the gas used is
    /// printed on stderr (`gas used: <n>`), or as `"gas_used"` in the JSON object. Running out of
    /// gas is the trap `out_of_gas`.
    Run(RunArgs),
    /// Instrument a module for gas metering and stack limiting and write the result.
    ///
    /// Prints the input and output sizes and the size overhead.
    Instrument(InstrumentArgs),
    /// Write a gas schedule as a SCALE-encoded file (for --schedule) and print its hash.
    Schedule(ScheduleArgs),
    /// Check contract code against Tally's profile, limits, schedule and host ABI.
    ///
    /// Prints the code hash, sizes, imports, exports and callable methods. A rejected module
    /// prints the reason (a broken contract limit is named with its value, maximum and byte
    /// offset) and every operator Tally will not run (SIMD, atomics, operators the schedule
    /// forbids, …) with its function and byte offset, and exits with 1.
    Check(CheckArgs),
    /// Deploy a contract to the state database, optionally running an initializer.
    ///
    /// Prints the new contract's address and code hash (and the initializer's receipt). If the
    /// initializer fails, prints its status and exits with 2; nothing is stored then.
    Deploy(DeployArgs),
    /// Call a method of a deployed contract; its state changes are committed if it succeeds.
    ///
    /// Prints status, gas used, return data (hex), events, debug logs and the result hash.
    /// Exits with 2 if the contract failed (nothing committed), 1 on errors such as an unknown
    /// address or method.
    Call(CallArgs),
    /// Like `call`, but read-only: writes and events trap, nothing is committed.
    Query(CallArgs),
    /// Compile a contract crate for wasm32-unknown-unknown with the contract profile, reproducibly.
    ///
    /// Forces opt-level "z", fat LTO, panic=abort, one codegen unit and stripped symbols, and
    /// remaps paths so identical sources give identical bytes. Then checks the module like
    /// `tally check` and prints its path and size. Exits with 1 if the build or the check fails.
    Build(BuildArgs),
    /// Re-run an execution record (from --record) without the database and compare.
    ///
    /// Exits with 0 and prints the result hash when the replay is identical; otherwise exits
    /// with 1 and prints the first divergence.
    Replay(ReplayArgs),
}

/// Where the state lives.
#[derive(Debug, Args)]
struct StateArgs {
    /// The state database (a redb file). `deploy` creates it, and its directory, if missing.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DB)]
    db: PathBuf,

    /// Use a fresh, empty in-memory state instead of the database; nothing persists.
    #[arg(long, conflicts_with = "db")]
    in_memory: bool,
}

/// The block an execution runs in, and how it runs.
#[derive(Debug, Args)]
struct ExecArgs {
    /// Call input: one 0x hex string taken verbatim, or typed values TYPE:VALUE, each
    /// SCALE-encoded and concatenated (u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 bool addr bytes
    /// str raw; e.g. `--args u32:7 str:hi addr:0x…`).
    #[arg(long, value_name = "ARG", num_args = 1..)]
    args: Vec<String>,

    /// Arguments as JSON, for contracts with SDK metadata: an object by argument name
    /// (`'{"to": "0x…", "value": 5}'`) or a positional array; encoded by the declared types.
    #[arg(long, value_name = "JSON", conflicts_with = "args")]
    json_args: Option<String>,

    /// The gas limit.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_GAS)]
    gas: u64,

    /// Block height the contract sees.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_HEIGHT)]
    height: u64,

    /// Block time the contract sees (seconds since the Unix epoch).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TIME)]
    time: u64,

    /// Chain id the contract sees.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CHAIN_ID)]
    chain_id: u64,

    /// Also write the execution record (for `tally replay`) to this file.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,

    /// Print exactly one JSON object on stdout (errors too: `{"error": "..."}`).
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    state: StateArgs,
}

impl ExecArgs {
    fn context(&self) -> tally_host_env::BlockContext {
        tally_host_env::BlockContext { height: self.height, time: self.time, chain_id: self.chain_id }
    }
}

#[derive(Debug, Args)]
struct BuildArgs {
    /// The contract crate (the directory with its Cargo.toml).
    #[arg(default_value = ".")]
    path: PathBuf,

    /// Cargo's target directory (default: the crate's `target/`).
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,

    /// Keep the name section (function names in trap reports) instead of stripping it.
    #[arg(long)]
    keep_names: bool,

    /// The contract's stack size in bytes (default 32768, the SDK's; rustc's 1 MiB costs 16
    /// more memory pages, paid at every call).
    #[arg(long, value_name = "BYTES")]
    stack_size: Option<u32>,

    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The contract: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DeployArgs {
    /// The contract: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Run this method as the initializer (it receives --args as input).
    #[arg(long, value_name = "METHOD")]
    init: Option<String>,

    /// The deployer (0x + 64 hex digits); the contract address derives from it and its nonce.
    #[arg(long, value_name = "ADDR", value_parser = contract::parse_address, default_value_t = DEFAULT_ACCOUNT)]
    deployer: tally_host_env::Address,

    #[command(flatten)]
    exec: ExecArgs,
}

#[derive(Debug, Args)]
struct CallArgs {
    /// The contract's address (0x + 64 hex digits, as `deploy` printed it).
    #[arg(value_parser = contract::parse_address)]
    address: tally_host_env::Address,

    /// The method: an exported function with no parameters and no results, or a method of an
    /// SDK contract (called through its `call` export with the method's selector).
    method: String,

    /// The caller (0x + 64 hex digits).
    #[arg(long, value_name = "ADDR", value_parser = contract::parse_address, default_value_t = DEFAULT_ACCOUNT)]
    caller: tally_host_env::Address,

    #[command(flatten)]
    exec: ExecArgs,
}

#[derive(Debug, Args)]
struct ReplayArgs {
    /// An execution record written by `deploy`, `call` or `query` with --record.
    record: PathBuf,

    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct InstrumentArgs {
    /// The module: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Where to write the instrumented module (a .wasm binary).
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,

    /// A SCALE-encoded gas schedule (see `tally schedule`); the default schedule if omitted.
    #[arg(long, value_name = "FILE")]
    schedule: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ScheduleArgs {
    /// Write the default schedule (currently the only source of schedules).
    #[arg(long, required = true)]
    default: bool,

    /// Where to write the SCALE-encoded schedule.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The module: a WebAssembly binary (.wasm) or text (.wat) file.
    module: PathBuf,

    /// Name of the exported function to call.
    #[arg(long, value_name = "EXPORT")]
    invoke: String,

    /// Print exactly one JSON object (results or trap) on stdout.
    #[arg(long)]
    json: bool,

    /// Instrument the module and run it with this much gas; prints the gas used.
    #[arg(long, value_name = "N")]
    gas: Option<u64>,

    /// With --gas: a SCALE-encoded gas schedule (see `tally schedule`) instead of the default.
    #[arg(long, value_name = "FILE", requires = "gas")]
    schedule: Option<PathBuf>,

    /// Arguments, one per parameter: integers in decimal or 0x hex; floats in decimal or
    /// inf, -inf, nan, -nan, nan:0xPAYLOAD; references as null.
    #[arg(value_name = "ARGS", allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are not errors; usage errors exit with 1, not clap's 2,
            // which this tool reserves for traps.
            let code = if err.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run(args) => run(args),
        Command::Instrument(args) => instrument(args),
        Command::Schedule(args) => schedule(args),
        Command::Check(args) => check(args),
        Command::Build(args) => build(args),
        Command::Deploy(args) => deploy(args),
        Command::Call(args) => call(args, false),
        Command::Query(args) => call(args, true),
        Command::Replay(args) => replay(args),
    }
}

/// Reports a contract command's error: `error: …` on stderr and, with `json`, `{"error": "…"}`
/// on stdout.
fn contract_error(err: &ContractError, json: bool) -> ExitCode {
    eprintln!("error: {err}");
    if json {
        println!("{}", json!({ "error": err.to_string() }));
    }
    ExitCode::from(EXIT_ERROR)
}

fn check(args: CheckArgs) -> ExitCode {
    let outcome = match contract::load_code(&args.module).and_then(|code| contract::check_code(&code)) {
        Ok(outcome) => outcome,
        Err(err) => return contract_error(&err, args.json),
    };
    if args.json {
        println!("{}", contract::check_to_json(&outcome));
    } else {
        print!("{}", contract::format_check(&outcome));
    }
    if outcome.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ERROR)
    }
}

fn build(args: BuildArgs) -> ExitCode {
    let options = tally_cli::build::BuildOptions {
        target_dir: args.target_dir,
        keep_names: args.keep_names,
        stack_size: args.stack_size,
    };
    let out = match tally_cli::build::build_contract(&args.path, &options) {
        Ok(out) => out,
        Err(err) => return contract_error(&err, args.json),
    };
    if args.json {
        println!(
            "{}",
            json!({ "wasm": out.wasm.display().to_string(), "size": out.size, "check": contract::check_to_json(&out.check) })
        );
    } else {
        println!("built {} ({} bytes)", out.wasm.display(), out.size);
        print!("{}", contract::format_check(&out.check));
    }
    if out.check.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ERROR)
    }
}

fn deploy(args: DeployArgs) -> ExitCode {
    let json = args.exec.json;
    let result = (|| {
        let code = contract::load_code(&args.module)?;
        // SDK contracts initialize through their `deploy` export, whose input is the init
        // method's arguments (no selector).
        let metadata = tally_cli::sdk::metadata_of_code(&code)?;
        let init = args.init.clone().or_else(|| metadata.as_ref().map(|_| "deploy".to_string()));
        let has_args = !args.exec.args.is_empty() || args.exec.json_args.is_some();
        if init.is_none() && has_args {
            return Err(ContractError::Input("--args needs --init (the input goes to the initializer)".into()));
        }
        let mut input = contract::encode_args(&args.exec.args)?;
        if let (Some(meta), Some(json_args)) = (&metadata, &args.exec.json_args) {
            let Some(m) = meta.init() else {
                return Err(ContractError::Input(format!("contract {} has no initializer", meta.contract)));
            };
            input = tally_cli::sdk::encode_json_args(m, json_args)?;
        } else if args.exec.json_args.is_some() {
            return Err(ContractError::Input("--json-args needs contract metadata (an SDK contract)".into()));
        }
        // An SDK initializer decodes its arguments only once the code is stored and loaded:
        // check them against its signature first.
        if let (Some(meta), Some("deploy")) = (&metadata, init.as_deref()) {
            match meta.methods.iter().find(|m| m.entry() == "deploy") {
                Some(m) => tally_cli::signature::check_args(m, &input)
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
        let runtime = contract::runtime()?;
        let storage = contract::open_state(&args.exec.state.db, args.exec.state.in_memory, true)?;
        let req = tally_host_env::DeployRequest {
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
        match &args.exec.record {
            None => Ok(runtime.deploy(&storage, &req)?),
            Some(path) => {
                let (deployed, record) = runtime.deploy_recorded(&storage, &req)?;
                contract::write_record(path, &record)?;
                Ok(deployed)
            }
        }
    })();
    let deployed = match result {
        Ok(deployed) => deployed,
        Err(err) => return contract_error(&err, json),
    };
    let ok = deployed.receipt.status.is_ok();
    if json {
        println!(
            "{}",
            json!({
                "deployed": ok,
                "address": deployed.address.to_string(),
                "code_hash": tally_host_env::hex(&deployed.code_hash),
                "receipt": contract::receipt_to_json(&deployed.receipt),
            })
        );
    } else {
        if ok {
            println!("address: {}", deployed.address);
        } else {
            println!("not deployed ({}): nothing was stored", deployed.receipt.status.describe());
        }
        println!("code hash: {}", tally_host_env::hex(&deployed.code_hash));
        if args.init.is_some() || !ok {
            print!("{}", contract::format_receipt(&deployed.receipt));
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_TRAP)
    }
}

fn call(args: CallArgs, read_only: bool) -> ExitCode {
    let json = args.exec.json;
    let result = (|| {
        let encoded = contract::encode_args(&args.exec.args)?;
        let runtime = contract::runtime()?;
        let storage = contract::open_state(&args.exec.state.db, args.exec.state.in_memory, false)?;
        if !contract::has_contract(&storage, &args.address)? {
            return Err(ContractError::Input(format!("no contract at address {}", args.address)));
        }
        let metadata = tally_cli::sdk::metadata_of(&storage, &args.address)?;
        let resolved =
            tally_cli::sdk::resolve(metadata.as_ref(), &args.method, encoded.clone(), args.exec.json_args.as_deref())?;
        // With metadata, refuse before running what could only fail: a query of a method that
        // changes state, or arguments that do not fit the method's signature.
        if let Some(meta) = &metadata {
            if let Some(m) = meta.methods.iter().find(|m| m.name == args.method) {
                if read_only && m.kind != tally_sdk_build::MethodKind::View {
                    let views: Vec<&str> = meta
                        .methods
                        .iter()
                        .filter(|m| m.kind == tally_sdk_build::MethodKind::View)
                        .map(|m| m.name.as_str())
                        .collect();
                    return Err(ContractError::Input(format!(
                        "`{}` is a #[{}] method of {}: it may change state, and a query cannot; use `tally call`. \
                         Its views: {}",
                        m.name,
                        match m.kind {
                            tally_sdk_build::MethodKind::Init => "init",
                            tally_sdk_build::MethodKind::Call => "call",
                            tally_sdk_build::MethodKind::View => "view",
                        },
                        meta.contract,
                        if views.is_empty() { "none".to_string() } else { views.join(", ") }
                    )));
                }
                let selector_len = if m.entry() == "deploy" { 0 } else { 4 };
                tally_cli::signature::check_args(m, &resolved.input[selector_len..])
                    .map_err(|e| ContractError::Input(format!("{}: {e}", meta.contract)))?;
            }
        }
        let mut req = tally_host_env::CallRequest {
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
            let fallback = tally_host_env::CallRequest {
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
        match (&args.exec.record, read_only) {
            (None, false) => Ok(runtime.call(&storage, &req)?),
            (None, true) => Ok(runtime.query(&storage, &req)?),
            (Some(path), _) => {
                let (receipt, record) = if read_only {
                    runtime.query_recorded(&storage, &req)?
                } else {
                    runtime.call_recorded(&storage, &req)?
                };
                contract::write_record(path, &record)?;
                Ok(receipt)
            }
        }
    })();
    let receipt = match result {
        Ok(receipt) => receipt,
        Err(err) => return contract_error(&err, json),
    };
    if json {
        println!("{}", contract::receipt_to_json(&receipt));
    } else {
        print!("{}", contract::format_receipt(&receipt));
    }
    if receipt.status.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_TRAP)
    }
}

fn replay(args: ReplayArgs) -> ExitCode {
    let prepared = contract::read_record(&args.record).and_then(|record| Ok((contract::runtime()?, record)));
    let (runtime, record) = match prepared {
        Ok(p) => p,
        Err(err) => return contract_error(&err, args.json),
    };
    let what = contract::describe_record(&record);
    match tally_host_env::replay(&runtime, &record) {
        Ok(receipt) => {
            if args.json {
                println!(
                    "{}",
                    json!({
                        "identical": true,
                        "replayed": what,
                        "result_hash": tally_host_env::hex(&receipt.result_hash),
                        "receipt": contract::receipt_to_json(&receipt),
                    })
                );
            } else {
                println!("identical: {what}");
                println!("result hash: {}", tally_host_env::hex(&receipt.result_hash));
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

fn instrument(args: InstrumentArgs) -> ExitCode {
    let report = load_schedule(args.schedule.as_deref())
        .and_then(|schedule| tally_cli::instrument_file(&args.module, &args.output, &schedule));
    match report {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn schedule(args: ScheduleArgs) -> ExitCode {
    debug_assert!(args.default);
    match tally_cli::write_default_schedule(&args.output) {
        Ok(hash) => {
            println!("schedule hash: {}", tally_host_env::hex(&hash));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Removes the options `--NAME VALUE` / `--NAME=VALUE` that landed among the arguments (see
/// [`run`]) and returns the last value, or `Err` with a message if one has no value.
fn take_option(args: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    let flag = format!("--{name}");
    let prefix = format!("--{name}=");
    let mut value = None;
    let mut i = 0;
    while i < args.len() {
        if args[i] == flag {
            if i + 1 >= args.len() {
                return Err(format!("a value is required for '{flag} <VALUE>' but none was supplied"));
            }
            value = Some(args.remove(i + 1));
            args.remove(i);
        } else if let Some(v) = args[i].strip_prefix(&prefix) {
            value = Some(v.to_string());
            args.remove(i);
        } else {
            i += 1;
        }
    }
    Ok(value)
}

/// Moves `--gas` and `--schedule` written after the arguments back into their fields.
fn take_metering_options(args: &mut RunArgs) -> Result<(), String> {
    if let Some(gas) = take_option(&mut args.args, "gas")? {
        args.gas = Some(gas.parse().map_err(|e| format!("invalid value '{gas}' for '--gas <N>': {e}"))?);
    }
    if let Some(schedule) = take_option(&mut args.args, "schedule")? {
        args.schedule = Some(PathBuf::from(schedule));
    }
    if args.schedule.is_some() && args.gas.is_none() {
        return Err("--schedule requires --gas".to_string());
    }
    Ok(())
}

fn run(mut args: RunArgs) -> ExitCode {
    // ARGS accepts hyphen values (for `-inf`, `-nan`, `-0x10`), so a `--json` written after the
    // arguments lands among them: no argument of any type can be `--json`, so take it back out.
    let before = args.args.len();
    args.args.retain(|a| a != "--json");
    if args.args.len() != before {
        args.json = true;
    }
    // Likewise for `--gas N` and `--schedule FILE` (no argument of any type starts with `--g` or
    // `--s`).
    if let Err(message) = take_metering_options(&mut args) {
        eprintln!("error: {message}");
        return ExitCode::from(EXIT_ERROR);
    }
    let result = match args.gas {
        None => tally_cli::run(&args.module, &args.invoke, &args.args).map(|outcome| (outcome, None)),
        Some(gas) => load_schedule(args.schedule.as_deref())
            .and_then(|schedule| tally_cli::run_metered(&args.module, &args.invoke, &args.args, gas, &schedule))
            .map(|MeteredOutcome { outcome, gas_used }| (outcome, Some(gas_used))),
    };
    let (outcome, gas_used) = match result {
        Ok(result) => result,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    if args.json {
        let json = match gas_used {
            Some(gas_used) => metered_outcome_to_json(&MeteredOutcome { outcome: outcome.clone(), gas_used }),
            None => outcome_to_json(&outcome),
        };
        println!("{json}");
    }
    let code = match &outcome {
        Outcome::Returned(values) => {
            if !args.json {
                for value in values {
                    println!("{}", format_value(value));
                }
            }
            ExitCode::SUCCESS
        }
        Outcome::Trapped(trap) => {
            if !args.json {
                eprintln!("error: {}", describe_trap(trap));
            }
            ExitCode::from(EXIT_TRAP)
        }
    };
    if let (Some(gas_used), false) = (gas_used, args.json) {
        eprintln!("gas used: {gas_used}");
    }
    code
}
