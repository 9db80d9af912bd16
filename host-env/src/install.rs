//! Installing code from a running contract: the ABI's `create`, which deploys a new contract at
//! an address derived from its creator, a salt and the code, and `set_code`, with which a
//! contract replaces its own code and runs the new code's migration (see `ABI.md`, "Creating
//! contracts" and "Replacing code").
//!
//! Both take the code from the contract's memory and pay for it as a deployment does
//! (`deploy_code_byte` per byte, charged with everything else they read before anything is
//! read), then `prepare_shape_cost` once the check has measured the code, before it is instrumented
//! and translated. Both run their entry point (the initializer, the migration) as a nested frame
//! with the gas rule of `call`; if it fails, everything the installation wrote is rolled back
//! with the frame's own writes, and the contract gets a status code.

use std::sync::Arc;

use tally_digest::keccak;
use tally_vm::{Caller, Trap};

use crate::abi::{read_mem, Fail, Io};
use crate::code::{LoadFail, LoadedCode};
use crate::frame::{abi_read_array, call_status, meter_charge, run_nested, Nested};
use crate::receipt::HostTrap;
use crate::runtime::{store_code, Exit, Host, Tx};
use crate::sections::SplitCode;
use crate::state::account_key;
use crate::Address;

/// The longest initializer or migration name, as for `call`'s method.
const MAX_METHOD_LEN: u32 = 1024;

/// What `create` and `set_code` read from the contract's memory: the code (unless it is over
/// the size limit), the entry point's name and its input.
struct Install {
    /// `None` when the code is longer than `max_code_size` (it was not read).
    code: Option<Vec<u8>>,
    method: Vec<u8>,
    input: Vec<u8>,
}

/// Pointers and lengths of an installation, as the contract passed them.
#[derive(Clone, Copy)]
pub(crate) struct InstallArgs {
    pub code: i32,
    pub code_len: i32,
    pub method: i32,
    pub method_len: i32,
    pub input: i32,
    pub input_len: i32,
    pub gas: i64,
}

fn tx<'a>(c: &'a mut Caller<'_, Host>) -> Result<&'a mut Tx, Fail> {
    c.data_mut().tx.as_deref_mut().ok_or(Fail::Exit(Exit::Internal("transaction state missing during a host call")))
}

/// Charges `install_cost(fixed, code_len, extra + method_len + input_len)`, then checks the
/// frame may write and the lengths against the limits, then reads the method name and input
/// (and the code, when it is within `max_code_size`). Every length is known before the charge.
fn charge_and_read(c: &mut Caller<'_, Host>, fixed: u64, extra: u32, a: InstallArgs) -> Result<Install, Fail> {
    let (code_len, method_len, input_len) = (a.code_len as u32, a.method_len as u32, a.input_len as u32);
    let params = c.data().frame.params.clone();
    let other = extra.saturating_add(method_len.min(MAX_METHOD_LEN)).saturating_add(input_len);
    let amount = params.host.install_cost(fixed, code_len, other);
    crate::frame::consume(c, amount).map_err(Fail::Gas)?;
    if c.data().frame.read_only {
        return Err(HostTrap::ReadOnly.into());
    }
    if method_len > MAX_METHOD_LEN {
        return Err(HostTrap::BadArgument.into());
    }
    if input_len > params.limits.max_input_len {
        return Err(HostTrap::InputTooLarge.into());
    }
    let method = read_mem(c, a.method, method_len)?;
    let input = read_mem(c, a.input, input_len)?;
    let code = if code_len > params.limits.max_code_size { None } else { Some(read_mem(c, a.code, code_len)?) };
    Ok(Install { code, method, input })
}

/// Splits `code` into the parts it is stored as and checks and prepares its executable part
/// (through the node's cache), charging `prepare_shape_cost` on the running contract's meter
/// before instrumenting it. `Ok(None)`: the code is refused.
fn prepare(
    c: &mut Caller<'_, Host>,
    code_hash: [u8; 32],
    code: &[u8],
) -> Result<Option<(Arc<LoadedCode>, SplitCode)>, Fail> {
    let rt = tx(c)?.rt.clone();
    let mut out_of_gas: Option<Trap> = None;
    let mut past_ceiling = false;
    let loaded = rt.loader().load_deployed(code_hash, code, &mut meter_charge(c, &mut out_of_gas, &mut past_ceiling));
    tx(c)?.ceiling_reached |= past_ceiling;
    match loaded {
        Ok(loaded) => Ok(Some(loaded)),
        Err(LoadFail::OutOfGas) => {
            Err(out_of_gas.map_or(Fail::Exit(Exit::Internal("out of gas without a trap")), Fail::Gas))
        }
        Err(LoadFail::Invalid(_) | LoadFail::NoSuchContract | LoadFail::Corrupt { .. }) => Ok(None),
        Err(LoadFail::Fatal(e)) => Err(Fail::Exit(Exit::Fatal(e))),
    }
}

/// Points `address`'s account at the code and stores its parts unless they are stored already;
/// the transaction keeps the prepared code, so frames of it later in the transaction load
/// nothing.
fn install(
    tx: &mut Tx,
    address: &Address,
    code_hash: [u8; 32],
    split: SplitCode,
    loaded: Arc<LoadedCode>,
) -> Result<(), Fail> {
    store_code(&mut tx.journal, address, code_hash, split).map_err(|e| Fail::Exit(Exit::Fatal(e.into())))?;
    tx.code.insert(code_hash, loaded);
    Ok(())
}

/// A status code that ends an installation before its frame: recorded in the transcript.
fn early(io: &mut Io, code: i32) -> Result<i32, Fail> {
    io.put_u64(code as u64);
    Ok(code)
}

/// The outcome of an installation whose entry point ran (or had none): recorded with the entry
/// point's return or revert data.
fn finished(c: &mut Caller<'_, Host>, io: &mut Io, code: i32) -> Result<i32, Fail> {
    io.put_u64(code as u64);
    io.put(&c.data().frame.call_output);
    Ok(code)
}

/// Code to install, with its Keccak-256 hash.
struct Code {
    hash: [u8; 32],
    bytes: Vec<u8>,
}

/// The end both installations share once their own checks passed: prepares the code (paying
/// `prepare_shape_cost`), checks the entry point `method` exists (none when empty), installs the
/// code at `address` and runs the entry point as a nested frame with `input` and `gas`; if the
/// frame fails, the installation rolls back with its writes (the checkpoint is taken before it).
fn install_and_run(
    c: &mut Caller<'_, Host>,
    io: &mut Io,
    address: Address,
    code: Code,
    method: &str,
    input: Vec<u8>,
    gas: i64,
) -> Result<i32, Fail> {
    let Some((loaded, split)) = prepare(c, code.hash, &code.bytes)? else {
        return early(io, call_status::INVALID_CODE);
    };
    // Only the split's copy of the code is kept while the initializer runs.
    drop(code.bytes);
    if !method.is_empty() && !loaded.has_method(method) {
        return early(io, call_status::NOT_FOUND);
    }
    let t = tx(c)?;
    let checkpoint = t.journal.checkpoint();
    install(t, &address, code.hash, split, loaded.clone())?;
    if method.is_empty() {
        return finished(c, io, call_status::OK);
    }
    let frame = Nested { contract: address, method, input, read_only: false, gas };
    let status = run_nested(c, &loaded, frame, checkpoint)?;
    finished(c, io, status)
}

/// `create(code, code_len, salt, method, method_len, input, input_len, gas, dst) -> i32`.
pub(crate) fn create(c: &mut Caller<'_, Host>, io: &mut Io, a: InstallArgs, salt: i32, dst: i32) -> Result<i32, Fail> {
    let fixed = c.data().frame.params.host.create;
    let Install { code, method, input } = charge_and_read(c, fixed, 32, a)?;
    let salt = abi_read_array(c, salt)?;
    // The address is written even when the creation fails: the range is checked now.
    crate::abi::check_range(c, dst, 32)?;
    io.put(&salt);
    io.put(&method);
    io.put(&input);
    c.data_mut().frame.call_output.clear();
    let Some(code) = code else { return early(io, call_status::INVALID_CODE) };
    let code_hash = keccak(&code);
    io.put(&code_hash);
    let (depth, creator) = (c.data().frame.depth, c.data().frame.contract);
    let address = Address::derive_created(&creator, &salt, &code_hash);
    crate::abi::write_mem(c, dst, &address.0)?;
    let Ok(method) = String::from_utf8(method) else { return early(io, call_status::NOT_FOUND) };
    if depth >= c.data().frame.params.limits.max_call_depth {
        return early(io, call_status::DEPTH_EXCEEDED);
    }
    let taken = tx(c)?.journal.get(account_key(&address)).map_err(|e| Fail::Exit(Exit::Fatal(e.into())))?;
    if taken.is_some() {
        return early(io, call_status::ADDRESS_TAKEN);
    }
    install_and_run(c, io, address, Code { hash: code_hash, bytes: code }, &method, input, a.gas)
}

/// `set_code(code, code_len, method, method_len, input, input_len, gas) -> i32`.
pub(crate) fn set_code(c: &mut Caller<'_, Host>, io: &mut Io, a: InstallArgs) -> Result<i32, Fail> {
    let fixed = c.data().frame.params.host.set_code;
    let Install { code, method, input } = charge_and_read(c, fixed, 0, a)?;
    io.put(&method);
    io.put(&input);
    c.data_mut().frame.call_output.clear();
    let Some(code) = code else { return early(io, call_status::INVALID_CODE) };
    let code_hash = keccak(&code);
    io.put(&code_hash);
    let Ok(method) = String::from_utf8(method) else { return early(io, call_status::NOT_FOUND) };
    let (depth, me) = (c.data().frame.depth, c.data().frame.contract);
    if !method.is_empty() && depth >= c.data().frame.params.limits.max_call_depth {
        return early(io, call_status::DEPTH_EXCEEDED);
    }
    install_and_run(c, io, me, Code { hash: code_hash, bytes: code }, &method, input, a.gas)
}
