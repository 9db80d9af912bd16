//! Group 14: every host function at its smallest and largest arguments (issue 11): storage
//! reads, lookups, writes and removals with 0-byte and the largest keys and values, events with
//! no and the most topics and data, Keccak of 0 bytes and of the whole largest memory, return
//! and revert data, the input, the block-context getters, debug logs, nested calls of an empty
//! contract with the smallest and largest arguments, and `abort`. Every call of these runs
//! through one runtime with the default cache on [`MemoryStorage`]. (The ABI has no way to
//! deploy from a contract, so there is nothing to measure there.)

use tally_host_env::{Address, Status};

use super::*;
use crate::attacks::host::{self, StorageOp};

const GROUP: u8 = 14;

/// What a call's input is.
enum Input {
    /// Nothing.
    Empty,
    /// These bytes.
    Fixed(Vec<u8>),
    /// A 4-byte counter, different every run.
    Nonce,
}

/// When the contract's `fill` method runs (untimed) before the measured calls.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// Never.
    Never,
    /// Once, at setup.
    Once,
    /// Before every run: the method consumes what `fill` made.
    EveryRun,
}

/// How a host scenario runs its contract.
struct HostRun {
    /// A contract deployed first, whose address the measured contract is built with.
    callee: Option<Vec<u8>>,
    /// When `fill` runs.
    fill: Fill,
    /// The measured call's input.
    input: Input,
    /// How the measured call must end.
    expect: Expect,
}

impl HostRun {
    /// No callee, no `fill`, no input, an `Ok` receipt.
    fn plain() -> Self {
        HostRun { callee: None, fill: Fill::Never, input: Input::Empty, expect: Expect::Ok }
    }
}

/// Deploys `how.callee` (if any), then the contract `code` builds with its address (zeros
/// without a callee), and calls [`METHOD`] on every run, as `how` says, through one runtime with
/// the default cache.
fn host_scenario(code: impl FnOnce(&[u8; 32]) -> Vec<u8>, how: HostRun, param: String) -> Setup {
    let rt = with_param(runtime(), &param)?;
    let storage = memory_storage();
    let callee = match how.callee {
        Some(callee) => with_param(deploy(&rt, &storage, callee), &param)?,
        None => Address([0; 32]),
    };
    let contract = with_param(deploy(&rt, &storage, code(&callee.0)), &param)?;
    let fill_request = call_request(contract, "fill", Vec::new(), PLENTY);
    let fill = move |rt: &Runtime, storage: &Arc<dyn Storage>| -> Result<(), String> {
        let receipt = rt.call(storage, &fill_request).map_err(|e| format!("fill: {e}"))?;
        match receipt.status {
            Status::Ok => Ok(()),
            status => Err(format!("fill: status {status:?}")),
        }
    };
    if how.fill == Fill::Once {
        with_param(fill(&rt, &storage), &param)?;
    }
    let mut nonce = 0u32;
    let (input, expect, every_run) = (how.input, how.expect, how.fill == Fill::EveryRun);
    Ok(Prepared {
        param,
        run: Box::new(move || {
            if every_run {
                fill(&rt, &storage)?;
            }
            nonce += 1;
            let bytes = match &input {
                Input::Empty => Vec::new(),
                Input::Fixed(bytes) => bytes.clone(),
                Input::Nonce => nonce.to_le_bytes().to_vec(),
            };
            let req = call_request(contract, METHOD, bytes, PLENTY);
            let (result, ns) = timed(|| rt.call(&storage, &req));
            expect.check(result, ns)
        }),
    })
}

/// [`host_scenario`] of a contract that needs no callee.
fn host_plain(code: Vec<u8>, how: HostRun, param: String) -> Setup {
    host_scenario(|_| code, how, param)
}

/// The largest storage key, in bytes.
fn max_key() -> u32 {
    params().limits.max_key_len
}

/// The largest storage value, in bytes.
fn max_value() -> u32 {
    params().limits.max_value_len
}

/// The largest call input (and return data), in bytes.
fn max_input() -> u32 {
    params().limits.max_input_len
}

/// A storage scenario: `op` `count` times over keys and values of the given sizes (see
/// [`host::storage`]), with `fill` for the keys to be there.
fn storage(op: StorageOp, key_len: u32, value_len: u32, count: u32, fill: Fill, what: &str) -> Setup {
    let keys = if key_len >= 4 { format!("{count} keys") } else { "one key".to_string() };
    let param = format!("{count} {what}, {keys} of {key_len} bytes, values of {value_len} bytes");
    let input = if op == StorageOp::Write && value_len >= 4 { Input::Nonce } else { Input::Empty };
    let how = HostRun { fill, input, ..HostRun::plain() };
    host_plain(host::storage(op, key_len, value_len, count), how, param)
}

fn storage_read_min(scale: Scale) -> Setup {
    let n = scale.pick(8192, 2048, 2);
    storage(StorageOp::Read, 0, 0, n, Fill::Once, "storage_read")
}

fn storage_read_max(scale: Scale) -> Setup {
    let n = scale.pick(256, 64, 2);
    storage(StorageOp::Read, max_key(), max_value(), n, Fill::Once, "storage_read of the whole value")
}

fn storage_has_min(scale: Scale) -> Setup {
    let n = scale.pick(8192, 2048, 2);
    storage(StorageOp::Has, 0, 0, n, Fill::Once, "storage_has")
}

fn storage_has_max(scale: Scale) -> Setup {
    let n = scale.pick(256, 64, 2);
    storage(StorageOp::Has, max_key(), max_value(), n, Fill::Once, "storage_has")
}

fn storage_write_min(scale: Scale) -> Setup {
    let n = scale.pick(4096, 1024, 2);
    storage(StorageOp::Write, 0, 0, n, Fill::Never, "storage_write")
}

fn storage_write_max(scale: Scale) -> Setup {
    let n = scale.pick(64, 16, 2);
    storage(StorageOp::Write, max_key(), max_value(), n, Fill::Never, "storage_write (new values every call)")
}

fn storage_remove_min(scale: Scale) -> Setup {
    let n = scale.pick(4096, 1024, 2);
    storage(StorageOp::Remove, 0, 0, n, Fill::EveryRun, "storage_remove (the key stored again before every call)")
}

fn storage_remove_max(scale: Scale) -> Setup {
    let n = scale.pick(1024, 256, 2);
    let what = "storage_remove (the keys stored again before every call)";
    storage(StorageOp::Remove, max_key(), max_value(), n, Fill::EveryRun, what)
}

/// Events per transaction: the most the host allows (4 at tiny sizes).
fn event_count(scale: Scale) -> u32 {
    scale.pick(params().limits.max_events, params().limits.max_events, 4)
}

fn event_min(scale: Scale) -> Setup {
    let n = event_count(scale);
    host_plain(
        host::events(0, 0, n),
        HostRun::plain(),
        format!("{n} emit_event of no topics and no data (`max_events`)"),
    )
}

fn event_max(scale: Scale) -> Setup {
    let n = event_count(scale);
    let (topics, data) = (params().limits.max_topics, params().limits.max_event_data_len);
    let param = format!("{n} emit_event of {topics} topics and {data} bytes of data (`max_events`, the most of each)");
    host_plain(host::events(topics, data, n), HostRun::plain(), param)
}

fn keccak_0(scale: Scale) -> Setup {
    let n = scale.pick(16384, 4096, 2);
    host_plain(host::keccak(1, 0, n), HostRun::plain(), format!("{n} keccak256 of 0 bytes"))
}

fn keccak_max(scale: Scale) -> Setup {
    let (pages, n) = scale.pick((max_pages(), 4), (max_pages(), 1), (1, 1));
    let len = pages * 65536 - 32;
    let param = format!("{n} keccak256 of {len} bytes, the whole memory of {pages} pages but the digest's 32");
    host_plain(host::keccak(pages, len, n), HostRun::plain(), param)
}

fn return_set_min(scale: Scale) -> Setup {
    let n = scale.pick(16384, 4096, 2);
    host_plain(host::return_set(0, n), HostRun::plain(), format!("{n} return_set of 0 bytes"))
}

fn return_set_max(scale: Scale) -> Setup {
    let n = scale.pick(64, 16, 2);
    let len = params().limits.max_return_len;
    host_plain(host::return_set(len, n), HostRun::plain(), format!("{n} return_set of {len} bytes (`max_return_len`)"))
}

fn revert_max(_: Scale) -> Setup {
    let len = params().limits.max_return_len;
    let how = HostRun { expect: Expect::Status(Status::Reverted), ..HostRun::plain() };
    host_plain(host::revert(len), how, format!("one revert with {len} bytes (`max_return_len`)"))
}

fn abort(_: Scale) -> Setup {
    let how = HostRun { expect: Expect::Status(Status::Aborted(7)), ..HostRun::plain() };
    host_plain(host::abort(7), how, "one abort".into())
}

fn return_data_read(len: u32, count: u32) -> Setup {
    let returned = params().limits.max_return_len;
    let param = format!(
        "one call of a contract returning {returned} bytes, then {count} × return_data_len and return_data_read of \
         {len} bytes"
    );
    let how = HostRun { callee: Some(host::returner(returned)), ..HostRun::plain() };
    host_scenario(|callee| host::return_data_read(callee, returned, len, count), how, param)
}

fn return_data_read_min(scale: Scale) -> Setup {
    return_data_read(0, scale.pick(16384, 4096, 2))
}

fn return_data_read_max(scale: Scale) -> Setup {
    return_data_read(params().limits.max_return_len, scale.pick(1024, 256, 2))
}

fn input_read_min(scale: Scale) -> Setup {
    let n = scale.pick(16384, 4096, 2);
    let param = format!("{n} × input_len and input_read of 0 bytes, no input");
    host_plain(host::input_read(0, n), HostRun::plain(), param)
}

fn input_read_max(scale: Scale) -> Setup {
    let n = scale.pick(1024, 256, 2);
    let len = max_input();
    let param = format!("{n} × input_len and input_read of the whole input of {len} bytes (`max_input_len`)");
    let how = HostRun { input: Input::Fixed(vec![0x5a; len as usize]), ..HostRun::plain() };
    host_plain(host::input_read(len, n), how, param)
}

fn context_getters(scale: Scale) -> Setup {
    let n = scale.pick(10_000, 2_000, 1);
    let param =
        format!("{n} × 16 calls of caller, self_address, origin, block_height, block_time, chain_id, gas_left in turn");
    host_plain(host::context_getters(n), HostRun::plain(), param)
}

fn debug_log_min(scale: Scale) -> Setup {
    let n = scale.pick(16384, 4096, 2);
    host_plain(host::debug_log(0, n), HostRun::plain(), format!("{n} debug_log of 0 bytes"))
}

fn debug_log_max(_: Scale) -> Setup {
    let len = params().limits.max_log_bytes;
    let param = format!("one debug_log of {len} bytes, all a transaction may log (`max_log_bytes`)");
    host_plain(host::debug_log(len, 1), HostRun::plain(), param)
}

fn call_nested_empty(scale: Scale) -> Setup {
    let n = scale.pick(256, 64, 2);
    let param = format!("{n} nested calls of an empty contract, no input");
    let how = HostRun { callee: Some(attacks::nop()), ..HostRun::plain() };
    host_scenario(|callee| host::nested_calls(callee, METHOD, 0, n), how, param)
}

/// The longest method name `call` takes.
const MAX_METHOD_LEN: usize = 1024;

fn call_nested_max_args(scale: Scale) -> Setup {
    let n = scale.pick(256, 64, 2);
    let method = "m".repeat(MAX_METHOD_LEN);
    let input = max_input();
    let param = format!(
        "{n} nested calls of an empty contract, a {MAX_METHOD_LEN}-byte method name, {input} bytes of input (the most)"
    );
    let how = HostRun { callee: Some(host::nop_named(&method)), ..HostRun::plain() };
    host_scenario(|callee| host::nested_calls(callee, &method, input, n), how, param)
}

/// Group 14's scenarios, in report order.
pub(super) fn scenarios() -> Vec<Scenario> {
    let s = |name, setup| Scenario { name, group: GROUP, refused: false, setup };
    vec![
        s("storage-read-min", storage_read_min as fn(Scale) -> Setup),
        s("storage-read-max", storage_read_max),
        s("storage-has-min", storage_has_min),
        s("storage-has-max", storage_has_max),
        s("storage-write-min", storage_write_min),
        s("storage-write-max", storage_write_max),
        s("storage-remove-min", storage_remove_min),
        s("storage-remove-max", storage_remove_max),
        s("event-min", event_min),
        s("event-max", event_max),
        s("keccak-0", keccak_0),
        s("keccak-max", keccak_max),
        s("return-set-min", return_set_min),
        s("return-set-max", return_set_max),
        s("revert-max", revert_max),
        s("return-data-read-min", return_data_read_min),
        s("return-data-read-max", return_data_read_max),
        s("input-read-min", input_read_min),
        s("input-read-max", input_read_max),
        s("context-getters", context_getters),
        s("debug-log-min", debug_log_min),
        s("debug-log-max", debug_log_max),
        s("call-nested-empty", call_nested_empty),
        s("call-nested-max-args", call_nested_max_args),
        s("abort", abort),
    ]
}
