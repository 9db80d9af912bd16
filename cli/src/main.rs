//! `tally`: run WebAssembly modules on the Tally deterministic interpreter, and deploy and call
//! contracts. This file is the command tree; each command family lives in its own module of
//! `tally_cli` (see its docs), and exit codes are in `tally_cli::output`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tally_cli::contract::{check, exec, metadata, replay};
use tally_cli::output::EXIT_ERROR;
use tally_cli::{build, inspect, instrument, new, run};

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
    Run(run::RunArgs),
    /// Instrument a module for gas metering and stack limiting and write the result.
    ///
    /// Prints the input and output sizes and the size overhead.
    Instrument(instrument::InstrumentArgs),
    /// Write a gas schedule as a SCALE-encoded file (for --schedule) and print its hash.
    Schedule(instrument::ScheduleArgs),
    /// Check contract code against Tally's profile, limits, schedule and host ABI.
    ///
    /// Prints the code hash, sizes, imports, exports and callable methods. A rejected module
    /// prints the reason (a broken contract limit is named with its value, maximum and byte
    /// offset) and every operator Tally will not run (SIMD, atomics, operators the schedule
    /// forbids, …) with its function and byte offset, and exits with 1.
    Check(check::CheckArgs),
    /// Deploy a contract to the state database, optionally running an initializer.
    ///
    /// Prints the new contract's address and code hash (and the initializer's receipt). If the
    /// initializer fails, prints its status and exits with 2; nothing is stored then.
    Deploy(exec::DeployArgs),
    /// Call a method of a deployed contract; its state changes are committed if it succeeds.
    ///
    /// Prints status, gas used, what it returned, events, debug logs and the result hash; for an
    /// SDK contract, return values, revert errors and events are decoded by name from its
    /// metadata (raw hex otherwise).
    /// Exits with 2 if the contract failed (nothing committed), 1 on errors such as an unknown
    /// address or method.
    Call(exec::CallArgs),
    /// Like `call`, but read-only: writes and events trap, nothing is committed.
    Query(exec::CallArgs),
    /// Compile a contract crate for wasm32-unknown-unknown with the contract profile, reproducibly.
    ///
    /// Forces opt-level "z", fat LTO, panic=abort, one codegen unit and stripped symbols, and
    /// remaps paths so identical sources give identical bytes. Then checks the module like
    /// `tally check` and prints its path and size. Exits with 1 if the build or the check fails.
    Build(build::BuildArgs),
    /// Create a contract crate: Cargo.toml (the SDK by path), a counter contract and a test that
    /// deploys it on TestChain through its typed client.
    ///
    /// The crate is named after the directory's last component. Prints the files written and
    /// what to run next (`cargo generate-lockfile`, `cargo test --release`, `tally build`).
    /// Exits with 1 if the directory is not empty, the name is not a crate name, or the SDK is
    /// not found (--sdk-path).
    New(new::NewArgs),
    /// Print what the VM makes of a module: with --ir, the translated code of its functions.
    ///
    /// Each defined function (or only --func N) is printed as a header (index, exports, params,
    /// locals, frame size, op count) and one line per op: its index, its name (`i32_add_si`,
    /// `br_i32_lt_s_ss.taken_pays`, ...) and its decoded operands (slots `s4`, written ones
    /// before `<-`; immediates; branch targets `-> @12`; charges `gas=120`). With --instrument,
    /// the module is instrumented for gas metering first. The format is for people and may
    /// change.
    Inspect(inspect::InspectArgs),
    /// Re-run an execution record (from --record) without the database and compare.
    ///
    /// Exits with 0 and prints the result hash when the replay is identical; otherwise exits
    /// with 1 and prints the first divergence.
    Replay(replay::ReplayArgs),
    /// Print an SDK contract's metadata as JSON.
    ///
    /// Methods (name, kind, selector, typed arguments and returns), events, the storage layout
    /// and the type registry defining every type they name (scale-info's format), read from the
    /// module's `tally.metadata` section, which `tally build` writes. Exits with 1 if the module
    /// has none or it is malformed.
    Metadata(metadata::MetadataArgs),
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
        Command::Run(args) => run::command(args),
        Command::Instrument(args) => instrument::instrument_command(args),
        Command::Schedule(args) => instrument::schedule_command(args),
        Command::Check(args) => check::command(args),
        Command::Build(args) => build::command(args),
        Command::New(args) => new::command(args),
        Command::Deploy(args) => exec::deploy(args),
        Command::Call(args) => exec::call(args, false),
        Command::Query(args) => exec::call(args, true),
        Command::Replay(args) => replay::command(args),
        Command::Inspect(args) => inspect::command(args),
        Command::Metadata(args) => metadata::command(args),
    }
}
