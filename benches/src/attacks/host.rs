//! Builders of group 14's contracts: loops of one host function (`tally_host_v1`) at given
//! argument sizes; the scenarios pick the smallest and the largest the host limits allow. Every
//! method checks after its loop that the last call returned what it should, and traps
//! (`unreachable`) otherwise, so a scenario that stops doing its work cannot pass unnoticed.
//!
//! Memory layout of the storage contracts: the key at [`KEY_AT`] (its first four bytes, when it
//! has them, the loop counter: each iteration its own key), the value at [`VALUE_AT`].

use tally_host_env::abi::{self, HostFn};

use super::{text_contract, unroll, Method, HOST_MODULE, METHOD};

/// Where a storage contract keeps its key.
pub const KEY_AT: u32 = 0;

/// Where a storage contract keeps its value (64 KiB of room).
pub const VALUE_AT: u32 = 65536;

/// The import of `f`, as a function named `$` and its ABI name.
fn import(f: HostFn) -> String {
    let (params, results) = abi::signature(f);
    let types = |kind: &str, list: &[tally_vm::ValType]| {
        if list.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = list.iter().map(|t| format!("{t:?}").to_lowercase()).collect();
            format!(" ({kind} {})", names.join(" "))
        }
    };
    format!(
        "(import \"{HOST_MODULE}\" \"{name}\" (func ${name}{}{}))",
        types("param", params),
        types("result", results),
        name = f.name()
    )
}

/// The imports of `functions` and a memory of `pages` pages, as module fields.
fn fields(functions: &[HostFn], pages: u32) -> String {
    let mut out: Vec<String> = functions.iter().map(|f| import(*f)).collect();
    out.push(format!("(memory {pages})"));
    out.join("\n  ")
}

/// `count` copies of `statement`, as many to an iteration as possible up to 16 (the loop runs
/// exactly `count` statements), in the method [`METHOD`] of a contract with `fields`, the locals
/// `decls` besides `$i`, `setup` before the loop and `check` after it.
fn host_loop(fields: &str, decls: &str, setup: &str, statement: &str, count: u32, check: &str) -> Vec<u8> {
    let count = count.max(1);
    let unroll = unroll(count);
    let body = vec![statement; unroll as usize].join("\n      ");
    text_contract(&Method { fields, decls, setup, body: &body, iterations: count / unroll, after: check })
}

/// Traps unless the `i32` local `$v` holds `expected`.
fn expect_v(expected: i64) -> String {
    format!("(if (i32.ne (local.get $v) (i32.const {expected})) (then unreachable))")
}

/// A storage host function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageOp {
    /// `storage_read` of the whole value.
    Read,
    /// `storage_has`.
    Has,
    /// `storage_write`.
    Write,
    /// `storage_remove`.
    Remove,
}

/// A contract with two methods over `count` keys of `key_len` bytes (one key if `key_len` < 4:
/// they all share it) holding values of `value_len` bytes: `fill` writes them all, and
/// [`METHOD`] applies `op` to each key once. `Write` writes the call's input (a nonce, at most
/// `value_len` bytes) at the start of every value, so each call writes new values; `Read` checks
/// that the last read found `value_len` bytes, `Has` that the last key was there.
pub fn storage(op: StorageOp, key_len: u32, value_len: u32, count: u32) -> Vec<u8> {
    let keyed = key_len >= 4;
    let select_key = if keyed { format!("(i32.store (i32.const {KEY_AT}) (local.get $i))") } else { String::new() };
    let key = format!("(i32.const {KEY_AT}) (i32.const {key_len})");
    let value = format!("(i32.const {VALUE_AT}) (i32.const {value_len})");
    let write = format!("{select_key} (call $storage_write {key} {value})");
    let fill_count = if keyed { count.max(1) } else { 1 };
    let fill = format!(
        "(func (export \"fill\") (local $i i32)
    (local.set $i (i32.const {fill_count}))
    (loop $l
      {write}
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))"
    );
    let imports = [HostFn::StorageRead, HostFn::StorageHas, HostFn::StorageWrite, HostFn::StorageRemove];
    let imports = [&imports[..], &[HostFn::InputLen, HostFn::InputRead]].concat();
    let fields = format!("{}\n  {fill}", fields(&imports, 2));
    let (setup, statement, check) = match op {
        StorageOp::Read => (
            String::new(),
            format!("{select_key} (local.set $v (call $storage_read {key} {value} (i32.const 0)))"),
            expect_v(i64::from(value_len)),
        ),
        StorageOp::Has => {
            (String::new(), format!("{select_key} (local.set $v (call $storage_has {key}))"), expect_v(1))
        }
        StorageOp::Write => (
            format!("(call $input_read (i32.const {VALUE_AT}) (i32.const 0) (call $input_len))"),
            write.clone(),
            String::new(),
        ),
        StorageOp::Remove => (String::new(), format!("{select_key} (call $storage_remove {key})"), String::new()),
    };
    host_loop(&fields, "(local $v i32)", &setup, &statement, count, &check)
}

/// `count` × `emit_event` with `topics` topics (at address 0) and `data_len` bytes of data (at
/// address 1024).
pub fn events(topics: u32, data_len: u32, count: u32) -> Vec<u8> {
    let statement =
        format!("(call $emit_event (i32.const 0) (i32.const {topics}) (i32.const 1024) (i32.const {data_len}))");
    host_loop(&fields(&[HostFn::EmitEvent], 1), "", "", &statement, count, "")
}

/// `count` × `keccak256` of `len` bytes at address 0, in a memory of `pages` pages, the digest
/// written at its last 32 bytes; traps unless the memory is large enough for both.
pub fn keccak(pages: u32, len: u32, count: u32) -> Vec<u8> {
    let dst = pages * 65536 - 32;
    let statement = format!("(call $keccak256 (i32.const 0) (i32.const {len}) (i32.const {dst}))");
    host_loop(&fields(&[HostFn::Keccak256], pages), "", "", &statement, count, "")
}

/// `count` × `return_set` of `len` bytes at address 0 (at most one page).
pub fn return_set(len: u32, count: u32) -> Vec<u8> {
    let statement = format!("(call $return_set (i32.const 0) (i32.const {len}))");
    host_loop(&fields(&[HostFn::ReturnSet], 1), "", "", &statement, count, "")
}

/// `revert` with `len` bytes at address 0 (at most one page).
pub fn revert(len: u32) -> Vec<u8> {
    let statement = format!("(call $revert (i32.const 0) (i32.const {len}))");
    host_loop(&fields(&[HostFn::Revert], 1), "", "", &statement, 1, "")
}

/// `abort` with code `code`.
pub fn abort(code: u32) -> Vec<u8> {
    host_loop(&fields(&[HostFn::Abort], 0), "", "", &format!("(call $abort (i32.const {code}))"), 1, "")
}

/// `count` × `input_read` of the first `len` bytes of the input to address 0, each after an
/// `input_len` (at most one page); traps unless the input has at least `len` bytes.
pub fn input_read(len: u32, count: u32) -> Vec<u8> {
    let statement =
        format!("(local.set $v (call $input_len)) (call $input_read (i32.const 0) (i32.const 0) (i32.const {len}))");
    let check = format!("(if (i32.lt_u (local.get $v) (i32.const {len})) (then unreachable))");
    host_loop(&fields(&[HostFn::InputLen, HostFn::InputRead], 1), "(local $v i32)", "", &statement, count, &check)
}

/// The block-context and address getters, sixteen calls per iteration: `caller`,
/// `self_address`, `origin` (32 bytes written each), `block_height`, `block_time`, `chain_id`,
/// `gas_left`, in turn; `iterations` iterations.
pub fn context_getters(iterations: u32) -> Vec<u8> {
    let getters = [
        "(call $caller (i32.const 0))",
        "(call $self_address (i32.const 32))",
        "(call $origin (i32.const 64))",
        "(drop (call $block_height))",
        "(drop (call $block_time))",
        "(drop (call $chain_id))",
        "(drop (call $gas_left))",
    ];
    let body: Vec<&str> = (0..16).map(|k| getters[k % getters.len()]).collect();
    let imports = [
        HostFn::Caller,
        HostFn::SelfAddress,
        HostFn::Origin,
        HostFn::BlockHeight,
        HostFn::BlockTime,
        HostFn::ChainId,
        HostFn::GasLeft,
    ];
    text_contract(&Method {
        fields: &fields(&imports, 1),
        body: &body.join("\n      "),
        iterations,
        ..Method::default()
    })
}

/// `count` × `debug_log` of `len` bytes at address 0 (at most one page).
pub fn debug_log(len: u32, count: u32) -> Vec<u8> {
    let statement = format!("(call $debug_log (i32.const 0) (i32.const {len}))");
    host_loop(&fields(&[HostFn::DebugLog], 1), "", "", &statement, count, "")
}

/// A data segment at `offset` holding `bytes`, in WebAssembly text.
fn data(offset: u32, bytes: &[u8]) -> String {
    let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
    format!("(data (i32.const {offset}) \"{escaped}\")")
}

/// Where the callers below keep the callee's method name (after its 32-byte address at 0).
pub const METHOD_AT: u32 = 32;

/// Where the callers below keep the call's input (after a method name of up to 1024 bytes).
pub const INPUT_AT: u32 = 2048;

/// `count` × `call` of `method` of the contract at `callee` with the first `input_len` bytes of
/// memory after [`INPUT_AT`] as input (all the gas left, no flags); traps unless the last call's
/// status is 0 (`Ok`). Two pages of memory.
pub fn nested_calls(callee: &[u8; 32], method: &str, input_len: u32, count: u32) -> Vec<u8> {
    let fields =
        format!("{}\n  {}\n  {}", fields(&[HostFn::Call], 2), data(0, callee), data(METHOD_AT, method.as_bytes()));
    let statement = format!(
        "(local.set $v (call $call (i32.const 0) (i32.const {METHOD_AT}) (i32.const {}) (i32.const {INPUT_AT}) \
         (i32.const {input_len}) (i64.const -1) (i32.const 0)))",
        method.len()
    );
    host_loop(&fields, "(local $v i32)", "", &statement, count, &expect_v(0))
}

/// A contract whose method `method` (which may be any name) does nothing.
pub fn nop_named(method: &str) -> Vec<u8> {
    let text = format!("(module (func (export \"{method}\")))");
    wat::parse_str(text).expect("a function and its export")
}

/// A contract whose method [`METHOD`] returns `len` bytes (of its zeroed memory, at most one
/// page).
pub fn returner(len: u32) -> Vec<u8> {
    return_set(len, 1)
}

/// Calls [`METHOD`] of the contract at `callee` once (which must return `returned` bytes, as
/// [`returner`] does), then `count` × `return_data_read` of the first `len` of them into address
/// 65536, each after a `return_data_len`; traps unless the call returned status 0 and `returned`
/// bytes. Two pages.
pub fn return_data_read(callee: &[u8; 32], returned: u32, len: u32, count: u32) -> Vec<u8> {
    let imports = [HostFn::Call, HostFn::ReturnDataLen, HostFn::ReturnDataRead];
    let fields = format!("{}\n  {}\n  {}", fields(&imports, 2), data(0, callee), data(METHOD_AT, METHOD.as_bytes()));
    let setup = format!(
        "(if (call $call (i32.const 0) (i32.const {METHOD_AT}) (i32.const {}) (i32.const 0) (i32.const 0) \
         (i64.const -1) (i32.const 0)) (then unreachable))",
        METHOD.len()
    );
    let statement =
        format!("(local.set $v (call $return_data_len)) (call $return_data_read (i32.const 65536) (i32.const 0) (i32.const {len}))");
    host_loop(&fields, "(local $v i32)", &setup, &statement, count, &expect_v(i64::from(returned)))
}
