//! The host-call probes: the per-byte terms of contract memory and the receipt, the call base,
//! Keccak, events, `debug_log` and nested calls, each through the host `Runtime` as a node runs
//! it. Storage and code loading have their own modules.
//!
//! A probe's contract calls a host function in a loop (`x` calls, or a fixed number of calls on
//! `x` bytes); the loop's operators and the call base are priced by then, and the fit
//! subtracts them.

use super::kernel::Kernel;
use super::probe::{
    call_request, deploy, expect, host_import, memory_storage, pick, timed_call, warm_runtime, wat, Ctx, Probe, METHOD,
    MISSING,
};
use super::terms::{HostTerm, Term};
use super::Scale;
use crate::tpg::Run;
use tally_host_env::{Address, Status};

/// A contract importing `imports`, with a memory of `pages` pages, `data` at address 0, whose
/// method runs `body` `times` times (not at all when 0), after `setup`.
pub fn host_loop(imports: &[&str], pages: u32, data: &[u8], setup: &str, body: &str, times: u32) -> String {
    let imports: String = imports.iter().map(|name| host_import(name)).collect::<Vec<_>>().join("\n  ");
    let data: String = data.iter().map(|b| format!("\\{b:02x}")).collect();
    format!(
        r#"(module
  {imports}
  (memory {pages})
  (data (i32.const 0) "{data}")
  (func (export "{METHOD}") (local $i i32) (local $x i32) (local $y i64)
    {setup}
    (local.set $i (i32.const {times}))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        {body}
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))))"#
    )
}

/// Deploys `code` (after `others`, whose addresses `code` gets to embed) and calls its method
/// with `input` on every run, expecting `status`.
pub fn call_with(
    ctx: &Ctx,
    others: Vec<Vec<u8>>,
    code: impl FnOnce(&[Address]) -> Result<Vec<u8>, String>,
    input: Vec<u8>,
    status: Status,
) -> Result<Run, String> {
    let rt = warm_runtime(ctx)?;
    let storage = memory_storage();
    let addresses = others.into_iter().map(|c| deploy(&rt, &storage, c)).collect::<Result<Vec<_>, _>>()?;
    let contract = deploy(&rt, &storage, code(&addresses)?)?;
    let req = call_request(contract, METHOD, input);
    let ctx = ctx.clone();
    Ok(Box::new(move || {
        let (result, timing) = timed_call(&ctx, &rt, &storage, &req);
        expect(result, timing, status)
    }))
}

/// `n` evenly spaced sizes from 0 to `max` (at least 3 points).
pub fn spread(max: u32, n: u32) -> Vec<u32> {
    let n = n.max(2);
    (0..n).map(|k| (u64::from(max) * u64::from(k) / u64::from(n - 1)) as u32).collect()
}

/// Points per size sweep.
pub fn sizes(scale: Scale) -> u32 {
    pick(scale, 5, 3, 3)
}

fn host(term: HostTerm) -> Term {
    Term::Host(term)
}

/// Calls per iteration of the probes of a host function's fixed price: as in the operator
/// kernels, the loop's own operators are the same at every size, and a unit is the call with its
/// constant arguments.
fn unit_counts(scale: Scale) -> Vec<u32> {
    super::kernel::unit_counts(scale)
}

/// The text of a contract whose method runs `iterations` times `units` copies of `unit`,
/// importing `imports`, with `data` at address 0 of a one-page memory.
pub fn unrolled(imports: &[&str], data: &[u8], unit: &str, iterations: u32, units: u32, scale: Scale) -> String {
    let imports: String = imports.iter().map(|name| host_import(name)).collect::<Vec<_>>().join(" ");
    let data: String = data.iter().map(|b| format!("\\{b:02x}")).collect();
    Kernel::new(unit, iterations)
        .module(format!("{imports} (memory 1) (data (i32.const 0) \"{data}\")"))
        .text(units, scale)
}

/// A probe of `term`: `unit`, a call of `function`, unrolled (see [`unrolled`]).
fn repeated(
    name: &str,
    term: HostTerm,
    function: &'static str,
    unit: &'static str,
    iterations: u32,
    scale: Scale,
) -> Probe {
    let label = format!("{}/{name}", term.name());
    Probe::new(
        label.clone(),
        host(term),
        format!("{function}, {iterations} iterations of x calls"),
        "calls per iteration",
        unit_counts(scale),
        move |ctx: &Ctx, x| {
            let text = unrolled(&[function], &[], unit, iterations, x, ctx.scale);
            call_with(ctx, Vec::new(), |_| wat(&label, &text), Vec::new(), Status::Ok)
        },
    )
}

/// The contract that the call probes call: an empty method, no memory.
pub fn empty_contract() -> Vec<u8> {
    crate::attacks::nop()
}

/// The host-call probes other than storage and code, in calibration order.
pub fn probes(scale: Scale) -> Vec<Probe> {
    let n = sizes(scale);
    let max_input = tally_host_env::Limits::default().max_input_len;
    let mut all = vec![Probe::new(
        "memory_write_byte/input_read",
        host(HostTerm::MemoryWriteByte),
        format!("64 input_reads of x bytes of a {max_input}-byte input"),
        "bytes per read",
        spread(65_536, n),
        move |ctx: &Ctx, x| {
            let text = host_loop(
                &["input_read"],
                1,
                &[],
                "",
                &format!("(call $input_read (i32.const 0) (i32.const 0) (i32.const {x}))"),
                64,
            );
            call_with(ctx, Vec::new(), |_| wat("input_read", &text), vec![0xab; max_input as usize], Status::Ok)
        },
    )];
    all.push(Probe::new(
        "memory_read_byte/call-input",
        host(HostTerm::MemoryReadByte),
        "16 nested calls of a missing method with an input of x bytes",
        "input bytes per call",
        spread(65_536, n),
        |ctx: &Ctx, x| {
            call_with(
                ctx,
                vec![empty_contract()],
                |callee| wat("call-input", &caller_text(&callee[0], MISSING, x, 16)),
                Vec::new(),
                Status::Ok,
            )
        },
    ));
    all.push(Probe::new(
        "memory_read_byte/debug_log",
        host(HostTerm::MemoryReadByte),
        "16 debug_log lines of x bytes (the transaction's limit is 16 KiB)",
        "bytes per line",
        spread(1024, n),
        |ctx: &Ctx, x| {
            let body = format!("(call $debug_log (i32.const 0) (i32.const {x}))");
            let text = host_loop(&["debug_log"], 1, &[], "", &body, 16);
            call_with(ctx, Vec::new(), |_| wat("debug_log", &text), Vec::new(), Status::Ok)
        },
    ));
    for (function, body) in [
        ("gas_left", "(drop (call $gas_left))"),
        ("block_height", "(drop (call $block_height))"),
        ("block_time", "(drop (call $block_time))"),
        ("chain_id", "(drop (call $chain_id))"),
        ("input_len", "(drop (call $input_len))"),
        ("return_data_len", "(drop (call $return_data_len))"),
        ("caller", "(call $caller (i32.const 0))"),
        ("self_address", "(call $self_address (i32.const 0))"),
        ("origin", "(call $origin (i32.const 0))"),
    ] {
        all.push(repeated(function, HostTerm::Base, function, body, 256, scale));
    }
    all.push(Probe::new(
        "receipt_byte/return_set",
        host(HostTerm::ReceiptByte),
        "one return_set of x bytes: copied, hashed into the result hash",
        "bytes",
        spread(65_536, n),
        |ctx: &Ctx, x| {
            let text =
                host_loop(&["return_set"], 1, &[], "", &format!("(call $return_set (i32.const 0) (i32.const {x}))"), 1);
            call_with(ctx, Vec::new(), |_| wat("return_set", &text), Vec::new(), Status::Ok)
        },
    ));
    all.push(Probe::new(
        "receipt_byte/top-level-input",
        host(HostTerm::ReceiptByte),
        "a top-level call of an empty method with x bytes of input: copied into the frame, hashed into the \
         result hash",
        "input bytes",
        spread(max_input, n),
        |ctx: &Ctx, x| call_with(ctx, Vec::new(), |_| Ok(empty_contract()), vec![0xab; x as usize], Status::Ok),
    ));
    all.push(Probe::new(
        "keccak_block/keccak256",
        host(HostTerm::KeccakBlock),
        "16 keccak256 of x blocks of 136 bytes",
        "blocks per hash",
        spread(480, n).into_iter().map(|b| b.max(1)).collect(),
        |ctx: &Ctx, blocks| {
            let body = format!("(call $keccak256 (i32.const 0) (i32.const {}) (i32.const 65504))", blocks * 136);
            let text = host_loop(&["keccak256"], 1, &[], "", &body, 16);
            call_with(ctx, Vec::new(), |_| wat("keccak256", &text), Vec::new(), Status::Ok)
        },
    ));
    all.push(repeated(
        "empty",
        HostTerm::Keccak,
        "keccak256",
        "(call $keccak256 (i32.const 0) (i32.const 0) (i32.const 0))",
        256,
        scale,
    ));
    all.push(repeated(
        "empty-line",
        HostTerm::DebugLog,
        "debug_log",
        "(call $debug_log (i32.const 0) (i32.const 0))",
        256,
        scale,
    ));
    all.extend(events(scale));
    all
}

/// A caller whose method calls `method` of `callee` `times` times, with an input of
/// `input_len` bytes, and drops each status.
pub fn caller_text(callee: &Address, method: &str, input_len: u32, times: u32) -> String {
    let pages = (64 + input_len).div_ceil(65_536).max(1);
    let mut data = callee.0.to_vec();
    data.extend(method.bytes());
    let body = format!(
        "(drop (call $call (i32.const 0) (i32.const 32) (i32.const {}) (i32.const 64) (i32.const {input_len}) \
         (i64.const -1) (i32.const 0)))",
        method.len()
    );
    host_loop(&["call"], pages, &data, "", &body, times)
}

fn events(scale: Scale) -> Vec<Probe> {
    let n = sizes(scale);
    let max_data = tally_host_env::Limits::default().max_event_data_len;
    let max_events = tally_host_env::Limits::default().max_events;
    let event = |topics: u32, data: u32, times: u32| {
        let body = format!("(call $emit_event (i32.const 0) (i32.const {topics}) (i32.const 128) (i32.const {data}))");
        host_loop(&["emit_event"], 1, &[], "", &body, times)
    };
    vec![
        Probe::new(
            "event_data_byte/emit_event",
            host(HostTerm::EventDataByte),
            "64 events of x data bytes, no topics",
            "data bytes per event",
            spread(max_data, n),
            move |ctx: &Ctx, x| call_with(ctx, Vec::new(), |_| wat("event", &event(0, x, 64)), Vec::new(), Status::Ok),
        ),
        Probe::new(
            "event_topic/emit_event",
            host(HostTerm::EventTopic),
            "64 events of x topics, no data",
            "topics per event",
            (0..=4).collect(),
            move |ctx: &Ctx, x| call_with(ctx, Vec::new(), |_| wat("event", &event(x, 0, 64)), Vec::new(), Status::Ok),
        ),
        repeated(
            "emit_event",
            HostTerm::Event,
            "emit_event",
            "(call $emit_event (i32.const 0) (i32.const 0) (i32.const 128) (i32.const 0))",
            max_events / 32,
            scale,
        ),
    ]
}

/// The unit of a nested call of `method` of the contract whose address is at 0 (the method's
/// name at 32), without input, its status dropped.
pub fn call_unit(method: &str) -> String {
    format!(
        "(drop (call $call (i32.const 0) (i32.const 32) (i32.const {}) (i32.const 64) (i32.const 0) (i64.const -1) \
         (i32.const 0)))",
        method.len()
    )
}

/// A probe of `term` by nested calls of `method` of an empty contract: `iterations` of `x` calls.
pub fn nested_calls(name: &str, term: HostTerm, method: &'static str, input: &str, scale: Scale) -> Probe {
    let label = format!("{}/{name}", term.name());
    Probe::new(label.clone(), host(term), input, "calls per iteration", unit_counts(scale), move |ctx: &Ctx, x| {
        call_with(
            ctx,
            vec![empty_contract()],
            |callee| {
                let mut data = callee[0].0.to_vec();
                data.extend(method.bytes());
                wat(&label, &unrolled(&["call"], &data, &call_unit(method), 8, x, ctx.scale))
            },
            Vec::new(),
            Status::Ok,
        )
    })
}

/// The nested-call probes: `call` (a missing method: the call, no instantiation).
pub fn call_probes(scale: Scale) -> Vec<Probe> {
    vec![nested_calls(
        "missing-method",
        HostTerm::Call,
        MISSING,
        "nested calls of a missing method of a loaded contract (status 6), 8 iterations of x calls",
        scale,
    )]
}
