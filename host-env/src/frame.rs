//! Contract frames: instantiating and running one contract's method in its own store, and the
//! ABI's `call`, which runs another contract as a nested frame.

use tally_vm::{Caller, Store, Trap};

use crate::abi::{self, Fail, HostExit, Io};
use crate::code::{LoadFail, LoadedCode};
use crate::receipt::{HostTrap, Status, TrapLocation, WasmTrap};
use crate::runtime::{ExecError, Exit, Frame, Host, Inner, Tx};
use crate::Address;

/// The contract-visible status code of a nested call (see `ABI.md`).
pub(crate) mod call_status {
    pub const OK: i32 = 0;
    pub const REVERTED: i32 = 1;
    pub const TRAPPED: i32 = 2;
    pub const OUT_OF_GAS: i32 = 3;
    pub const REENTRY_DENIED: i32 = 4;
    pub const DEPTH_EXCEEDED: i32 = 5;
    pub const NOT_FOUND: i32 = 6;
    /// `create` only: a contract already lives at the derived address.
    pub const ADDRESS_TAKEN: i32 = 7;
    /// `create` and `set_code` only: the code is refused (as a deployment would refuse it).
    pub const INVALID_CODE: i32 = 8;
}

pub(crate) fn status_code(s: &Status) -> i32 {
    match s {
        Status::Ok => call_status::OK,
        Status::Reverted => call_status::REVERTED,
        Status::OutOfGas => call_status::OUT_OF_GAS,
        Status::NoSuchContract | Status::NoSuchMethod => call_status::NOT_FOUND,
        Status::Trapped(_) | Status::Aborted(_) | Status::HostTrap(_) | Status::InvalidCode | Status::CorruptState => {
            call_status::TRAPPED
        }
    }
}

/// How one frame ended.
pub(crate) struct FrameOutcome {
    pub status: Status,
    pub return_data: Vec<u8>,
    pub gas_left: u64,
    pub trap: Option<TrapLocation>,
}

impl FrameOutcome {
    /// A frame that stopped before its code ran: `status`, with `message` for people.
    pub fn refused(status: Status, gas_left: u64, contract: Option<Address>, message: Option<String>) -> Self {
        let trap = Some(TrapLocation { contract, function: None, function_name: None, message });
        FrameOutcome { status, return_data: Vec::new(), gas_left, trap }
    }

    /// The outcome of a load that failed; `Err` only for backend failures.
    pub fn load_failed(fail: LoadFail, gas_left: u64, contract: Address) -> Result<Self, ExecError> {
        let (status, message) = match fail {
            LoadFail::OutOfGas => (Status::OutOfGas, None),
            LoadFail::NoSuchContract => (Status::NoSuchContract, Some(format!("no contract at address {contract}"))),
            LoadFail::Invalid(e) => (Status::InvalidCode, Some(format!("invalid contract code: {e}"))),
            LoadFail::Corrupt { key, message } => {
                (Status::CorruptState, Some(format!("corrupt state under key {}: {message}", crate::hex(&key))))
            }
            LoadFail::Fatal(e) => return Err(e),
        };
        let gas_left = if status == Status::OutOfGas { 0 } else { gas_left };
        Ok(Self::refused(status, gas_left, Some(contract), message))
    }

    /// A frame whose contract has no method `method`.
    pub fn no_method(gas_left: u64, contract: Address, method: &str) -> Self {
        let message = format!(
            "contract {contract} has no method `{method}` (an exported function with no params and no results)"
        );
        Self::refused(Status::NoSuchMethod, gas_left, Some(contract), Some(message))
    }
}

/// The gas a frame's contract sees: its meter's, plus the frame's reserve. The reserve is zero
/// except in a replay bounded by its record (see [`Runtime::replay_bounded`]), where the meters
/// hold only what the record says was used (plus one) and the rest is out of reach.
///
/// [`Runtime::replay_bounded`]: crate::Runtime
pub(crate) fn visible_gas(c: &Caller<'_, Host>) -> u64 {
    c.gas().saturating_add(c.data().frame.reserve)
}

/// Takes `amount` from the frame's meter. An amount the contract could pay but the meter cannot
/// (only in a bounded replay) marks the replay's ceiling as reached.
pub(crate) fn consume(c: &mut Caller<'_, Host>, amount: u64) -> Result<(), Trap> {
    if amount > c.gas() && amount <= visible_gas(c) {
        if let Some(tx) = c.data_mut().tx.as_mut() {
            tx.ceiling_reached = true;
        }
    }
    c.consume_gas(amount)
}

/// Instantiates `loaded` in a fresh store that owns `tx` while it runs, having charged
/// [`Params::instantiate_cost`](crate::Params::instantiate_cost) from `gas`, and runs `method`.
/// `gas` is what the contract sees; its meter gets `gas` less the frame's reserve.
pub(crate) fn run_frame(
    inner: &Inner,
    mut tx: Box<Tx>,
    frame: Frame,
    loaded: &LoadedCode,
    method: &str,
    gas: u64,
) -> Result<(Box<Tx>, FrameOutcome), ExecError> {
    let contract = frame.contract;
    let params = frame.params.clone();
    let reserve = frame.reserve.min(gas);
    let cost = params.instantiate_cost(&loaded.shape);
    let Some(metered) = (gas - reserve).checked_sub(cost) else {
        tx.ceiling_reached |= cost <= gas;
        return Ok((tx, FrameOutcome::refused(Status::OutOfGas, 0, Some(contract), None)));
    };
    let mut store = Store::new(inner.engine(), Host { tx: Some(tx), frame });
    store.set_gas(metered);
    store.set_stack_budget(u64::from(params.schedule.stack.budget));
    let result = loaded.pre.instantiate(&mut store).and_then(|instance| {
        let f = instance.get_typed_func::<(), ()>(&store, method)?;
        f.call(&mut store, ()).map_err(tally_vm::Error::Trap)
    });
    let gas_left = store.gas().saturating_add(reserve);
    let mut host = store.into_data();
    let mut trap = None;
    let status = match result {
        Ok(()) => Status::Ok,
        Err(error) => {
            let function = error
                .as_trap()
                .and_then(|t| t.function)
                .and_then(|f| f.checked_sub(tally_profile::metering::FUNC_SHIFT));
            // Only the host's own words: the VM's rendering names the instrumented function
            // index and offset, which mean nothing next to the original index above.
            let (status, message) = match error {
                tally_vm::Error::Trap(vm_trap) => match vm_trap.downcast::<HostExit>() {
                    Ok(host_exit) => {
                        let message = Some(host_exit.to_string());
                        let status = match host_exit.exit {
                            Exit::Revert => Status::Reverted,
                            Exit::Abort(code) => Status::Aborted(code),
                            Exit::HostTrap(t) => Status::HostTrap(t),
                            Exit::Fatal(e) => return Err(e),
                            Exit::Internal(m) => return Err(ExecError::Internal(m.into())),
                        };
                        (status, message)
                    }
                    Err(vm_trap) => {
                        let message = vm_trap.host_error().map(|e| e.to_string());
                        let status = match vm_trap.code {
                            tally_vm::TrapCode::OutOfGas => {
                                // With a reserve, the meter ran dry before the gas the contract had.
                                if reserve > 0 {
                                    if let Some(tx) = host.tx.as_mut() {
                                        tx.ceiling_reached = true;
                                    }
                                }
                                Status::OutOfGas
                            }
                            code => match WasmTrap::from_vm(code) {
                                Some(t) => Status::Trapped(t),
                                None => return Err(ExecError::Internal(format!("unexpected trap: {vm_trap}"))),
                            },
                        };
                        (status, message)
                    }
                },
                // The code passed the checks under these params, so instantiation fails only
                // on what the checks leave to the VM: the contract's fault, not the node's.
                error => (Status::InvalidCode, Some(format!("instantiating {contract}: {error}"))),
            };
            trap = Some(TrapLocation {
                contract: Some(contract),
                function,
                function_name: function.and_then(|f| loaded.names.get(&f).cloned()),
                message,
            });
            status
        }
    };
    let tx = host.tx.ok_or_else(|| ExecError::Internal("transaction state lost".into()))?;
    let return_data = match status {
        Status::Ok | Status::Reverted => host.frame.return_data,
        _ => Vec::new(),
    };
    Ok((tx, FrameOutcome { status, return_data, gas_left, trap }))
}

pub(crate) fn take_tx(c: &mut Caller<'_, Host>) -> Result<Box<Tx>, Fail> {
    c.data_mut().tx.take().ok_or(Fail::Exit(Exit::Internal("transaction state missing in call")))
}

/// `call`: runs another contract as a nested frame (see `ABI.md`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn nested_call(
    c: &mut Caller<'_, Host>,
    io: &mut Io,
    address: i32,
    method: i32,
    method_len: i32,
    input: i32,
    input_len: i32,
    gas: i64,
    flags: i32,
) -> Result<i32, Fail> {
    let (method_len, input_len) = (method_len as u32, input_len as u32);
    let amount = c.data().frame.params.host.call_cost(method_len.min(1024), input_len);
    consume(c, amount).map_err(Fail::Gas)?;
    if flags & !(abi::CALL_ALLOW_REENTRY | abi::CALL_READ_ONLY) != 0 || method_len > 1024 {
        return Err(HostTrap::BadArgument.into());
    }
    let limits = &c.data().frame.params.limits;
    if input_len > limits.max_input_len {
        return Err(HostTrap::InputTooLarge.into());
    }
    let max_depth = limits.max_call_depth;
    let callee = Address(abi_read_array(c, address)?);
    let method = abi::read_mem(c, method, method_len)?;
    let input = abi::read_mem(c, input, input_len)?;
    io.put(&callee.0);
    io.put(&method);
    io.put(&input);
    c.data_mut().frame.call_output.clear();
    let early = |io: &mut Io, code: i32| {
        io.put_u64(code as u64);
        Ok(code)
    };
    let Ok(method) = String::from_utf8(method) else {
        return early(io, call_status::NOT_FOUND);
    };
    let (depth, read_only) = {
        let f = &c.data().frame;
        (f.depth, f.read_only || flags & abi::CALL_READ_ONLY != 0)
    };
    if depth >= max_depth {
        return early(io, call_status::DEPTH_EXCEEDED);
    }
    let mut tx = take_tx(c)?;
    if tx.active.contains(&callee) && flags & abi::CALL_ALLOW_REENTRY == 0 {
        c.data_mut().tx = Some(tx);
        return early(io, call_status::REENTRY_DENIED);
    }
    let rt = tx.rt.clone();
    let mut out_of_gas = None;
    // The transaction is out of the caller's store while loading: a charge the meter cannot take
    // but the contract could (a bounded replay) is noted here and marked once it is back.
    let mut past_ceiling = false;
    let loaded = rt.loader().load_contract(&mut tx, &callee, &mut meter_charge(c, &mut out_of_gas, &mut past_ceiling));
    tx.ceiling_reached |= past_ceiling;
    c.data_mut().tx = Some(tx);
    let loaded = match loaded {
        Ok((_, loaded)) => loaded,
        Err(LoadFail::OutOfGas) => {
            return Err(out_of_gas.map_or(Fail::Exit(Exit::Internal("out of gas without a trap")), Fail::Gas))
        }
        Err(LoadFail::NoSuchContract) => return early(io, call_status::NOT_FOUND),
        Err(LoadFail::Invalid(_) | LoadFail::Corrupt { .. }) => return early(io, call_status::TRAPPED),
        Err(LoadFail::Fatal(e)) => return Err(Fail::Exit(Exit::Fatal(e))),
    };
    if !loaded.has_method(&method) {
        return early(io, call_status::NOT_FOUND);
    }
    let checkpoint = tx_ref(c)?.journal.checkpoint();
    let code = run_nested(c, &loaded, Nested { contract: callee, method: &method, input, read_only, gas }, checkpoint)?;
    io.put_u64(code as u64);
    io.put(&c.data().frame.call_output);
    Ok(code)
}

/// A nested frame to run: `method` of `contract` on `input`, with at most `gas` (as the
/// contract asked: the host caps it).
pub(crate) struct Nested<'a> {
    pub contract: Address,
    pub method: &'a str,
    pub input: Vec<u8>,
    pub read_only: bool,
    pub gas: i64,
}

/// Runs `n` with `loaded` code as a frame called by the running contract, giving it what was
/// asked but never the caller's last `1/call_keep_divisor` (so a callee that runs out leaves its
/// caller gas to finish). If it does not return normally, the journal is rolled back to
/// `checkpoint` (taken by the caller before anything the frame's failure must undo). Subtracts
/// what it used from the caller, leaves its return (or revert) data as the caller's call output
/// and returns its status code.
pub(crate) fn run_nested(
    c: &mut Caller<'_, Host>,
    loaded: &LoadedCode,
    n: Nested<'_>,
    checkpoint: crate::journal::Checkpoint,
) -> Result<i32, Fail> {
    let (params, depth, me) = {
        let f = &c.data().frame;
        (f.params.clone(), f.depth, f.contract)
    };
    // Of what the callee sees, what its meter gets (less only in a bounded replay).
    let callee_gas = (n.gas as u64).min(params.limits.callee_gas_cap(visible_gas(c)));
    let callee_reserve = callee_gas - callee_gas.min(c.gas());
    let mut tx = take_tx(c)?;
    let rt = tx.rt.clone();
    tx.active.push(n.contract);
    let mut frame = Frame::new(params, n.contract, me, n.input, n.read_only, depth + 1);
    frame.reserve = callee_reserve;
    let (mut tx, out) =
        run_frame(&rt, tx, frame, loaded, n.method, callee_gas).map_err(|e| Fail::Exit(Exit::Fatal(e)))?;
    tx.active.pop();
    if !out.status.is_ok() {
        tx.journal.rollback(checkpoint);
    }
    c.data_mut().tx = Some(tx);
    let used = callee_gas.saturating_sub(out.gas_left);
    c.set_gas(c.gas().saturating_sub(used));
    c.data_mut().frame.call_output = out.return_data;
    Ok(status_code(&out.status))
}

fn tx_ref<'a>(c: &'a mut Caller<'_, Host>) -> Result<&'a mut Tx, Fail> {
    c.data_mut().tx.as_deref_mut().ok_or(Fail::Exit(Exit::Internal("transaction state missing in call")))
}

/// Takes `amount` from the running contract's meter for work done while the transaction is out
/// of its store: the charge closure of [`crate::code::Loader`]. A charge the meter cannot take
/// but the contract could (a bounded replay) sets `past_ceiling`; running out keeps the trap.
pub(crate) fn meter_charge<'a, 'c: 'a>(
    c: &'a mut Caller<'c, Host>,
    out_of_gas: &'a mut Option<Trap>,
    past_ceiling: &'a mut bool,
) -> impl FnMut(u64) -> bool + use<'a, 'c> {
    let reserve = c.data().frame.reserve;
    move |amount| {
        *past_ceiling |= amount > c.gas() && amount <= c.gas().saturating_add(reserve);
        match c.consume_gas(amount) {
            Ok(()) => true,
            Err(trap) => {
                *out_of_gas = Some(trap);
                false
            }
        }
    }
}

pub(crate) fn abi_read_array(c: &Caller<'_, Host>, ptr: i32) -> Result<[u8; 32], Fail> {
    let v = abi::read_mem(c, ptr, 32)?;
    v.try_into().map_err(|_| HostTrap::MemoryAccess.into())
}
