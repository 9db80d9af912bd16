//! The baseline set: the reference every scenario's time per gas is compared with. Ordinary
//! code: the guest workloads (compiled Rust) on tally-vm with the gas injector and an arithmetic
//! loop called through a [`Runtime`] form the reference median; token transfers of the SDK's
//! example token contract on both storage backends are measured and reported against it, outside
//! the median ([`Baseline::reference`]): a warm transfer's gas is mostly the load charge for its
//! code, which a node's cache saves, so it runs at a small fraction of the median and would make
//! the reference a measure of cache hits rather than of execution.

use std::path::PathBuf;
use std::sync::Arc;

use parity_scale_codec::Encode;
use tally_host_env::{keccak, Address, BlockContext, CallRequest, DeployRequest, Status, Storage};

use super::*;
use crate::tpg::Baseline;

/// The guest programs' module: from the file named by `TALLY_TPG_GUESTS` if set, else built by
/// `tally_guests::build` (needs the `wasm32-unknown-unknown` target).
pub fn guests_wasm() -> Result<Vec<u8>, String> {
    match std::env::var_os("TALLY_TPG_GUESTS") {
        Some(path) => std::fs::read(&path).map_err(|e| format!("{}: {e}", PathBuf::from(path).display())),
        None => tally_guests::build::wasm_bytes().map_err(|e| e.to_string()),
    }
}

/// The guest workloads of the baseline set and their arguments (each run takes about 1 ms).
pub const GUEST_WORKLOADS: [(&str, i32); 5] =
    [("fib", 22), ("keccak", 30), ("sieve", 100_000), ("ledger", 20_000), ("matmul", 40)];

/// One guest export, instrumented with `params`' schedule (`instrumented`) and instantiated once
/// on tally-vm with `params`' VM configuration: each run resets the gas, calls it and reports
/// the gas used.
pub fn guest_baseline(params: &Params, instrumented: &[u8], export: &str, arg: i32) -> Result<Baseline, String> {
    let schedule = &params.schedule;
    let engine = tally_vm::Engine::new(params.vm_config());
    let module = tally_vm::Module::new(&engine, instrumented).map_err(|e| format!("guests: {e}"))?;
    let mut store = tally_vm::Store::new(&engine, ());
    store.set_stack_budget(u64::from(schedule.stack.budget));
    let instance =
        tally_vm::Linker::<()>::new(&engine).instantiate(&mut store, &module).map_err(|e| format!("guests: {e}"))?;
    let func = instance.get_func(&store, export).ok_or_else(|| format!("guests: no export {export}"))?;
    let mut results = [tally_vm::Val::I32(0)];
    let run: Run = Box::new(move || {
        store.set_gas(PLENTY);
        let (result, ns) = timed(|| func.call(&mut store, &[tally_vm::Val::I32(arg)], &mut results));
        result.map_err(|e| e.to_string())?;
        Ok(Sample::new(PLENTY - store.gas(), ns))
    });
    Ok(Baseline { name: format!("{export}({arg})"), run, reference: true })
}

/// The SDK example token contract's build (`contract-sdk/examples/token`): compiled for
/// wasm32 by `tally_sdk_build` with the options the SDK's tests use, into their target directory
/// (so it is usually up to date), or the file named by `TALLY_TPG_TOKEN` if set. Its `name`
/// section is still in it; [`baselines`] strips it before deploying, as a release build has none.
pub fn token_wasm_path() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("TALLY_TPG_TOKEN") {
        return Ok(PathBuf::from(path));
    }
    let manifest = tally_sdk_build::examples_manifest();
    let options = tally_sdk_build::BuildOptions::with_names();
    let built = tally_sdk_build::build(&manifest, &tally_sdk_build::examples_target_dir(), &["token"], &options)
        .map_err(|e| format!("token: {e}"))?;
    built.into_iter().next().ok_or_else(|| "token: no build".to_string())
}

/// The code of [`token_wasm_path`].
pub fn token_wasm() -> Result<Vec<u8>, String> {
    let path = token_wasm_path()?;
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The token's initial supply, all the deployer's: enough for any number of runs.
const TOKEN_SUPPLY: u128 = u128::MAX / 2;

/// `selector(method) ‖ SCALE(args)`: an SDK contract's `call` input (the selector is the first
/// four bytes of the method name's Keccak-256).
fn sdk_input(method: &str, args: impl Encode) -> Vec<u8> {
    let mut input = keccak(method.as_bytes())[..4].to_vec();
    args.encode_to(&mut input);
    input
}

/// Token transfers on `storage`: the token deployed by [`DEPLOYER`], who then transfers 1 token
/// to each of `transfers` recipients in turn, one transaction each, every run (the same
/// recipients every run, so from the second run on every transfer updates two existing
/// balances). `keep` lives as long as the runs.
fn token_baseline(
    code: &[u8],
    storage: Arc<dyn Storage>,
    backend: &str,
    transfers: u8,
    keep: Option<TempDir>,
) -> Result<Baseline, String> {
    let rt = runtime()?;
    let req = DeployRequest {
        code: tally_sdk_testing::strip_names(code),
        deployer: DEPLOYER,
        init: Some("deploy".into()),
        input: ("Tally".to_string(), "TLY".to_string(), 18u8, TOKEN_SUPPLY).encode(),
        gas_limit: PLENTY,
        context: BlockContext::default(),
    };
    let deployed = rt.deploy(&storage, &req).map_err(|e| format!("token: deploy: {e}"))?;
    if deployed.receipt.status != Status::Ok {
        return Err(format!("token: deploy: status {:?}", deployed.receipt.status));
    }
    let requests: Vec<CallRequest> = (0..transfers)
        .map(|k| CallRequest {
            contract: deployed.address,
            method: "call".into(),
            input: sdk_input("transfer", (Address([k; 32]), 1u128)),
            caller: DEPLOYER,
            gas_limit: PLENTY,
            context: BlockContext::default(),
        })
        .collect();
    let run: Run = Box::new(move || {
        let _keep = &keep;
        let (receipts, ns) = timed(|| requests.iter().map(|req| rt.call(&storage, req)).collect::<Vec<_>>());
        let mut gas = 0u64;
        for receipt in receipts {
            let receipt = receipt.map_err(|e| format!("token transfer: {e}"))?;
            if receipt.status != Status::Ok {
                return Err(format!("token transfer: status {:?} after {} gas", receipt.status, receipt.gas_used));
            }
            gas += receipt.gas_used;
        }
        Ok(Sample::new(gas, ns))
    });
    Ok(Baseline { name: format!("token-transfer({backend}, {transfers} tx)"), run, reference: false })
}

/// What the baseline set runs besides the arithmetic loop, when available: the guest programs'
/// module ([`guests_wasm`]) and the example token's code ([`token_wasm`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct BaselinePrograms<'a> {
    /// The guest programs' module.
    pub guests: Option<&'a [u8]>,
    /// The example token contract.
    pub token: Option<&'a [u8]>,
}

/// The baseline set: the guest workloads (when `programs` has them) on tally-vm with the gas
/// injector, an arithmetic loop called through a [`Runtime`], and (when `programs` has the token)
/// token transfers through a [`Runtime`] on [`MemoryStorage`] and on [`RedbStorage`] (each
/// transaction a durable commit).
pub fn baselines(scale: Scale, programs: BaselinePrograms<'_>) -> Result<Vec<Baseline>, String> {
    let mut set = Vec::new();
    if let Some(wasm) = programs.guests {
        let instrumented =
            tally_gas_injector::instrument(wasm, &params().schedule).map_err(|e| format!("guests: {e}"))?;
        for (export, arg) in GUEST_WORKLOADS {
            set.push(guest_baseline(&params(), &instrumented, export, arg)?);
        }
    }
    let iterations = scale.pick(100_000, 100_000, 100);
    let arith = warm_call(attacks::arith_loop(iterations), PLENTY, String::new()).map_err(|r| r.reason)?;
    set.push(Baseline { name: format!("arith-loop({iterations})"), run: arith.run, reference: true });
    if let Some(code) = programs.token {
        // About 0.5 ms of work each; a durable commit adds a few ms of waiting for the disk per
        // transaction on redb, which every round of every scenario would wait for: fewer there.
        set.push(token_baseline(code, memory_storage(), "memory", scale.pick(16, 16, 1), None)?);
        let (storage, dir) = redb_storage("token")?;
        set.push(token_baseline(code, storage, "redb", scale.pick(4, 4, 1), Some(dir))?);
    }
    Ok(set)
}
