//! Golden gas vectors: a fixed set of executions — the SDK's example contracts (deploys, calls,
//! queries, nested calls, failures) and a hand-written contract that calls every host function,
//! the sized ones at their smallest and largest arguments, and fails in every way a host call
//! can — whose gas at every host call (function, gas left before it, what it charged) and final
//! status and gas used are committed in `golden/gas_vectors.txt`. Any change in metering (a price
//! in the schedule or the host costs, what a host function charges for, when loading or
//! instantiation is charged) changes the file, so it shows up in review and must be explained.
//!
//! The host calls come from the execution record's transcript ([`ExecutionRecord::transcript`]),
//! which the runtime keeps for replays: nothing here observes the VM other than a node would.
//!
//! After a deliberate change in metering, regenerate the file and commit it with the change:
//!
//! ```sh
//! cargo test -p tally-host-env --release --test host_env -- --ignored --exact golden_gas::regenerate_golden_gas_vectors
//! ```
//!
//! The SDK examples run from committed builds (`golden/<example>.wasm`), so the vectors change
//! with metering only, not with the compiler or the SDK. After a change to the SDK or its
//! examples that should reach the vectors, rebuild those files (needs the
//! `wasm32-unknown-unknown` target), then regenerate:
//!
//! ```sh
//! cargo test -p tally-host-env --release --test host_env -- --ignored --exact golden_gas::rebuild_golden_sdk_examples
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parity_scale_codec::Encode;
use tally_host_env::{
    keccak, Address, BlockContext, CallRequest, DeployRequest, ExecError, ExecutionRecord, HostCall, MemoryStorage,
    Params, Receipt, Runtime, Storage,
};

/// The SDK examples the vectors run, as committed in `golden/`.
const SDK_EXAMPLES: [&str; 5] = ["token", "escrow", "caller", "callee", "probe"];

/// The gas limit of every execution that does not set its own.
const GAS: u64 = 50_000_000_000;

const REGENERATE: &str =
    "cargo test -p tally-host-env --release --test host_env -- --ignored --exact golden_gas::regenerate_golden_gas_vectors";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden")
}

fn vectors_path() -> PathBuf {
    golden_dir().join("gas_vectors.txt")
}

fn read_fixture(name: &str) -> Vec<u8> {
    let path = golden_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn abi_contract() -> Vec<u8> {
    let path = golden_dir().join("abi.wat");
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn account(name: &str) -> Address {
    Address(keccak(name.as_bytes()))
}

/// `selector(method) ‖ SCALE(args)`: an SDK contract's `call` input (the selector is the first
/// four bytes of the method name's Keccak-256).
fn sdk_input(method: &str, args: impl Encode) -> Vec<u8> {
    let mut input = keccak(method.as_bytes())[..4].to_vec();
    args.encode_to(&mut input);
    input
}

/// One host call and the host calls of the frames it ran (for `call`).
struct Node<'a> {
    call: &'a HostCall,
    nested: Vec<Node<'a>>,
}

/// The transcript as a tree. A transcript lists each host call when it returns, so a nested
/// frame's calls come before the `call` that ran them; each `call` at depth `d` takes the calls
/// at depth `d + 1` listed since the previous call at depth `d`.
fn call_tree(transcript: &[HostCall]) -> Vec<Node<'_>> {
    let mut pending: Vec<Vec<Node<'_>>> = Vec::new();
    for call in transcript {
        let depth = call.depth as usize;
        if pending.len() < depth + 2 {
            pending.resize_with(depth + 2, Vec::new);
        }
        let nested = std::mem::take(&mut pending[depth + 1]);
        pending[depth].push(Node { call, nested });
    }
    // Whatever no `call` took (never, while every host call is recorded) stays visible, in depth order.
    pending.into_iter().flatten().collect()
}

fn render_calls(out: &mut String, nodes: &[Node<'_>]) {
    for node in nodes {
        let c = node.call;
        let indent = "  ".repeat(c.depth as usize);
        let charge = c.gas_before.saturating_sub(c.gas_after);
        let _ = writeln!(out, "{indent}{:<17} left {:>12}  charge {}", c.function_name(), c.gas_before, charge);
        render_calls(out, &node.nested);
    }
}

/// Runs the executions and writes their vectors: one block per execution, `== label`, then
/// what ran, its host calls, and `=> status, gas used`.
struct Vectors {
    runtime: Runtime,
    storage: Arc<dyn Storage>,
    context: BlockContext,
    out: String,
    /// The transcript of the last execution.
    last: Vec<HostCall>,
}

impl Vectors {
    fn new(runtime: Runtime) -> Self {
        Vectors {
            runtime,
            storage: Arc::new(MemoryStorage::new()),
            context: BlockContext { height: 7, time: 1_700_000_000, chain_id: 42 },
            out: String::new(),
            last: Vec::new(),
        }
    }

    fn block(&mut self, label: &str, what: String, result: Result<(Receipt, ExecutionRecord), ExecError>) -> Receipt {
        let _ = writeln!(self.out, "== {label}\n{what}");
        match result {
            Ok((receipt, record)) => {
                render_calls(&mut self.out, &call_tree(&record.transcript));
                let _ = writeln!(self.out, "=> {}, gas used {}\n", receipt.status.describe(), receipt.gas_used);
                self.last = record.transcript;
                receipt
            }
            Err(e) => panic!("{label}: the runtime refused the execution: {e}"),
        }
    }

    fn deploy(&mut self, label: &str, code: &[u8], deployer: Address, init: Option<&str>, input: Vec<u8>) -> Address {
        self.deploy_with_gas(label, code, deployer, init, input, GAS).0
    }

    fn deploy_with_gas(
        &mut self,
        label: &str,
        code: &[u8],
        deployer: Address,
        init: Option<&str>,
        input: Vec<u8>,
        gas_limit: u64,
    ) -> (Address, Receipt) {
        let req = DeployRequest {
            code: code.to_vec(),
            deployer,
            init: init.map(str::to_string),
            input,
            gas_limit,
            context: self.context.clone(),
        };
        let what = format!("deploy {} bytes, init {}, gas limit {gas_limit}", code.len(), init.unwrap_or("none"));
        let result = self.runtime.deploy_recorded(&self.storage, &req);
        let address = result.as_ref().map(|(d, _)| d.address).unwrap_or_default();
        let receipt = self.block(label, what, result.map(|(d, r)| (d.receipt, r)));
        (address, receipt)
    }

    fn run(&mut self, label: &str, req: CallRequest, read_only: bool) -> Receipt {
        let what = format!(
            "{} {}, {} bytes of input, gas limit {}",
            if read_only { "query" } else { "call" },
            req.method,
            req.input.len(),
            req.gas_limit
        );
        let result = if read_only {
            self.runtime.query_recorded(&self.storage, &req)
        } else {
            self.runtime.call_recorded(&self.storage, &req)
        };
        self.block(label, what, result)
    }

    fn request(&self, contract: Address, method: &str, input: Vec<u8>, caller: Address, gas_limit: u64) -> CallRequest {
        CallRequest { contract, method: method.into(), input, caller, gas_limit, context: self.context.clone() }
    }

    /// A call of export `method` with raw `input`.
    fn call(&mut self, label: &str, contract: Address, method: &str, input: Vec<u8>, caller: Address) -> Receipt {
        let req = self.request(contract, method, input, caller, GAS);
        self.run(label, req, false)
    }

    /// An SDK call: export `call` with `selector(method) ‖ SCALE(args)`.
    fn sdk_call(
        &mut self,
        label: &str,
        contract: Address,
        method: &str,
        args: impl Encode,
        caller: Address,
    ) -> Receipt {
        self.call(label, contract, "call", sdk_input(method, args), caller)
    }

    fn sdk_query(&mut self, label: &str, contract: Address, method: &str, args: impl Encode) -> Receipt {
        let req = self.request(contract, "call", sdk_input(method, args), Address::default(), GAS);
        self.run(label, req, true)
    }

    /// Runs `req` (the same as the last execution) again with the gas the last execution had
    /// used when it reached its middle top-level host call, plus half that call's charge: out
    /// of gas inside the charge.
    fn out_of_gas_midway(&mut self, label: &str, mut req: CallRequest) {
        let top: Vec<&HostCall> = self.last.iter().filter(|c| c.depth == 1).collect();
        let middle = top.get(top.len() / 2).unwrap_or_else(|| panic!("{label}: the last execution made no host call"));
        let charge = middle.gas_before - middle.gas_after;
        req.gas_limit = req.gas_limit - middle.gas_before + charge / 2;
        let receipt = self.run(label, req, false);
        assert_eq!(receipt.status, tally_host_env::Status::OutOfGas, "{label}");
    }
}

fn sdk_examples(v: &mut Vectors) {
    let (alice, bob, carol) = (account("alice"), account("bob"), account("carol"));
    let code: BTreeMap<&str, Vec<u8>> =
        SDK_EXAMPLES.iter().map(|name| (*name, read_fixture(&format!("{name}.wasm")))).collect();

    let init = ("Tally".to_string(), "TLY".to_string(), 18u8, 1_000_000u128);
    let token = v.deploy("token: deploy", &code["token"], alice, Some("deploy"), init.encode());
    v.sdk_call("token: transfer 250 to bob", token, "transfer", (bob, 250u128), alice);
    v.sdk_call("token: transfer 1 to bob", token, "transfer", (bob, 1u128), alice);
    let again = v.request(token, "call", sdk_input("transfer", (bob, 1u128)), alice, GAS);
    v.out_of_gas_midway("token: transfer 1 to bob, out of gas in its middle host call", again);
    v.sdk_call("token: transfer more than the balance", token, "transfer", (alice, 10_000u128), bob);
    v.sdk_call("token: transfer to oneself", token, "transfer", (alice, 5u128), alice);
    v.sdk_call("token: approve", token, "approve", (carol, 300u128), alice);
    v.sdk_call("token: transfer_from", token, "transfer_from", (alice, bob, 200u128), carol);
    v.sdk_call("token: transfer_from over the allowance", token, "transfer_from", (alice, bob, 200u128), carol);
    v.sdk_query("token: query balance_of", token, "balance_of", (bob,));
    v.sdk_query("token: query name", token, "name", ());
    v.sdk_query("token: query allowance", token, "allowance", (alice, carol));
    let req = v.request(token, "call", sdk_input("transfer", (bob, 1u128)), alice, GAS);
    v.run("token: transfer as a query (writes refused)", req, true);
    v.call("token: unknown selector", token, "call", sdk_input("no_such_method", ()), alice);
    v.call("token: missing export", token, "nope", Vec::new(), alice);

    // Bob buys from carol through an escrow that alice arbitrates.
    let terms = (token, bob, carol, 100u128);
    let escrow = v.deploy("escrow: deploy", &code["escrow"], alice, Some("deploy"), terms.encode());
    v.sdk_call("escrow: fund before the approval (nested call reverts)", escrow, "fund", (), bob);
    v.sdk_call("token: bob approves the escrow", token, "approve", (escrow, 100u128), bob);
    v.sdk_call("escrow: fund by someone else", escrow, "fund", (), carol);
    v.sdk_call("escrow: fund (nested transfer_from)", escrow, "fund", (), bob);
    v.sdk_call("escrow: release by the buyer", escrow, "release", (), bob);
    v.sdk_call("escrow: release (nested transfer)", escrow, "release", (), alice);
    v.sdk_query("escrow: query state", escrow, "state", ());
    v.sdk_query("token: query the seller's balance", token, "balance_of", (carol,));

    let callee = v.deploy("callee: deploy", &code["callee"], alice, Some("deploy"), Vec::new());
    let caller = v.deploy("caller: deploy", &code["caller"], alice, Some("deploy"), Vec::new());
    v.sdk_call("caller: bump", caller, "bump", (callee, 5u64, u64::MAX), alice);
    v.sdk_call("caller: bump with 1 M gas for the callee", caller, "bump", (callee, 5u64, 1_000_000u64), alice);
    v.sdk_query("caller: query peek (read-only nested call)", caller, "peek", (callee,));
    v.sdk_call("caller: try_fail (callee reverts)", caller, "try_fail", (callee, 42u32), alice);
    v.sdk_call("caller: try_panic (callee traps)", caller, "try_panic", (callee,), alice);
    v.sdk_call("caller: try_missing (unknown selector)", caller, "try_missing", (callee,), alice);
    v.sdk_call("caller: reenter denied", caller, "reenter", (callee, false), alice);
    v.sdk_call("caller: reenter allowed", caller, "reenter", (callee, true), alice);

    let probe = v.deploy("probe: deploy", &code["probe"], alice, Some("deploy"), Vec::new());
    v.sdk_call("probe: context", probe, "context", (), alice);
    v.sdk_call("probe: gas", probe, "gas", (), alice);
    v.sdk_call("probe: hash 1000 bytes", probe, "hash", (vec![0xabu8; 1000],), alice);
    v.sdk_call("probe: sneaky_write (write in a view)", probe, "sneaky_write", (), alice);
    v.sdk_call("probe: divide by zero", probe, "divide", (10u32, 0u32), alice);
    v.sdk_call("probe: abort_with", probe, "abort_with", (9u32,), alice);
    v.sdk_call("probe: store_blob 60000 bytes", probe, "store_blob", (60_000u32,), alice);
    v.sdk_query("probe: query blob_info", probe, "blob_info", ());
    v.sdk_call("probe: clear_blob", probe, "clear_blob", (), alice);
    v.sdk_call("probe: put new", probe, "put", (1u32, 2u64), alice);
    v.sdk_call("probe: put existing", probe, "put", (1u32, 3u64), alice);
    v.sdk_query("probe: query get", probe, "get", (1u32,));
    v.sdk_call("probe: del", probe, "del", (1u32,), alice);
    v.sdk_query("probe: query allocate 256 KiB", probe, "allocate", (256u32,));
    v.sdk_call("probe: ping (log and event)", probe, "ping", ("hello".to_string(),), alice);
    v.sdk_call("probe: trap", probe, "trap", (5u32,), alice);
}

fn host_functions(v: &mut Vectors) {
    let (alice, bob) = (account("alice"), account("bob"));
    let code = abi_contract();
    let (_, refused) = v.deploy_with_gas("abi: deploy with gas limit 1", &code, alice, Some("init"), Vec::new(), 1);
    assert!(!refused.status.is_ok(), "a deploy with 1 gas cannot succeed");
    let a = v.deploy("abi: deploy a (init)", &code, alice, Some("init"), Vec::new());
    let b = v.deploy("abi: deploy b (no init)", &code, alice, None, Vec::new());

    v.call("abi: context", a, "context", vec![0x5a; 40], bob);
    let largest_input = vec![0x5a; Params::default().limits.max_input_len as usize];
    v.call("abi: context with the largest input", a, "context", largest_input, bob);
    v.call("abi: store_small", a, "store_small", Vec::new(), bob);
    v.call("abi: store_large", a, "store_large", Vec::new(), bob);
    let again = v.request(a, "store_large", Vec::new(), bob, GAS);
    v.out_of_gas_midway("abi: store_large, out of gas in its middle host call", again);
    v.call("abi: events", a, "events", Vec::new(), bob);
    v.call("abi: hashes", a, "hashes", Vec::new(), bob);
    v.call("abi: logs", a, "logs", Vec::new(), bob);
    v.call("abi: returns_large", a, "returns_large", Vec::new(), bob);
    v.call("abi: revert_with", a, "revert_with", Vec::new(), bob);
    v.call("abi: abort_with", a, "abort_with", Vec::new(), bob);
    let req = v.request(a, "spin", Vec::new(), bob, 100_000_000);
    v.run("abi: spin (out of gas in wasm)", req, false);
    v.call("abi: oog_in_host (out of gas in a host charge)", a, "oog_in_host", Vec::new(), bob);
    v.call("abi: bad_pointer", a, "bad_pointer", Vec::new(), bob);
    v.call("abi: key_too_long", a, "key_too_long", Vec::new(), bob);
    v.call("abi: value_too_large", a, "value_too_large", Vec::new(), bob);
    v.call("abi: call_other (every way a nested call ends)", a, "call_other", b.0.to_vec(), bob);
    v.call("abi: deep (re-entry to the depth limit)", a, "deep", Vec::new(), bob);
    let req = v.request(a, "store_small", Vec::new(), bob, GAS);
    v.run("abi: store_small as a query (writes refused)", req, true);
    let req = v.request(a, "context", Vec::new(), bob, 1);
    v.run("abi: context with gas limit 1", req, false);
    v.call("abi: missing export", a, "missing", Vec::new(), bob);
    v.call("abi: creates (an initializer, a taken address, refused code, none)", a, "creates", Vec::new(), bob);
    v.call("abi: replace (set_code with a migration)", b, "replace", Vec::new(), bob);
}

const HEADER: &str = "\
# Golden gas vectors: host-env/tests/golden_gas.rs runs these executions and compares.
# Regenerate after a deliberate change in metering (and say in the commit why the gas changed):
#   cargo test -p tally-host-env --release --test host_env -- --ignored --exact golden_gas::regenerate_golden_gas_vectors
#
# One block per execution, in order, all on one chain (later blocks see earlier state):
#   == label
#   what ran and its gas limit
#   one line per host call: function, gas left before it, its charge (gas left before less gas
#     left after; a `call`'s charge includes everything its callee used). The host calls of a
#     nested frame follow the `call` that ran them, indented one step deeper.
#   => status, gas used
";

/// Every execution's vectors, as the committed file holds them.
fn generate() -> String {
    generate_with(Runtime::new(Params::default()).expect("the default params are valid"))
}

/// [`generate`] on `runtime`.
fn generate_with(runtime: Runtime) -> String {
    let mut v = Vectors::new(runtime);
    sdk_examples(&mut v);
    host_functions(&mut v);
    format!("{HEADER}\n{}", v.out)
}

/// The blocks of a vectors file, by label, in order; comment lines are left out.
fn blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        match line.strip_prefix("== ") {
            Some(label) => out.push((label.to_string(), Vec::new())),
            None => match out.last_mut() {
                Some((_, lines)) => lines.push(line.to_string()),
                None => out.push((String::new(), vec![line.to_string()])),
            },
        }
    }
    out
}

fn gas_used(lines: &[String]) -> &str {
    lines.last().and_then(|l| l.strip_prefix("=> ")).unwrap_or("?")
}

/// `None` when `actual` has the same blocks as `expected`; otherwise a report: the first block
/// that differs and its first differing line, then every differing block's outcome.
fn compare(expected: &str, actual: &str) -> Option<String> {
    let (expected, actual) = (blocks(expected), blocks(actual));
    if expected == actual {
        return None;
    }
    let mut report = String::new();
    let found: BTreeMap<&str, &Vec<String>> = actual.iter().map(|(l, b)| (l.as_str(), b)).collect();
    let known: BTreeMap<&str, &Vec<String>> = expected.iter().map(|(l, b)| (l.as_str(), b)).collect();
    let differing: Vec<&(String, Vec<String>)> =
        expected.iter().filter(|(label, lines)| found.get(label.as_str()) != Some(&lines)).collect();
    let _ = writeln!(
        report,
        "the golden gas vectors differ from {} in {} of {} executions",
        vectors_path().display(),
        differing.len(),
        expected.len()
    );
    if let Some((label, lines)) = differing.first() {
        match found.get(label.as_str()) {
            Some(now) => {
                let i = (0..lines.len().max(now.len())).find(|&i| lines.get(i) != now.get(i)).unwrap_or(0);
                let at = |b: &[String], i: usize| b.get(i).map_or("(nothing)".to_string(), |l| l.trim().to_string());
                let what = match i {
                    0 => "what ran".to_string(),
                    i if i + 1 >= lines.len().min(now.len()) => "its outcome or host call count".to_string(),
                    i => format!("host call {i}"),
                };
                let _ = writeln!(report, "\nfirst difference: `{label}`, {what}");
                if i > 0 {
                    let _ = writeln!(report, "  after:    {}", at(lines, i - 1));
                }
                let _ = writeln!(report, "  expected: {}", at(lines, i));
                let _ = writeln!(report, "  actual:   {}", at(now, i));
            }
            None => {
                let _ = writeln!(report, "\nfirst difference: `{label}` did not run");
            }
        }
        let _ = writeln!(report, "\nexecutions that differ (expected outcome -> actual):");
        for (label, lines) in &differing {
            let now = found.get(label.as_str()).map_or("did not run", |b| gas_used(b));
            let _ = writeln!(report, "  {label}: {} -> {now}", gas_used(lines));
        }
    }
    for (label, _) in actual.iter().filter(|(label, _)| !known.contains_key(label.as_str())) {
        let _ = writeln!(report, "  {label}: new execution, not in the file");
    }
    if expected.iter().map(|(l, _)| l).ne(actual.iter().map(|(l, _)| l)) && differing.is_empty() {
        let _ = writeln!(report, "  the executions ran in a different order");
    }
    let _ = writeln!(report, "\nIf the change is intended, say why in the commit and regenerate:\n  {REGENERATE}");
    Some(report)
}

#[test]
fn gas_at_every_host_call_matches_the_golden_vectors() {
    let path = vectors_path();
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; generate it with\n  {REGENERATE}", path.display()));
    let actual = generate();
    if let Some(report) = compare(&expected, &actual) {
        panic!("{report}");
    }
}

#[test]
fn the_vectors_are_deterministic_and_cover_every_host_function() {
    let (first, second) = (generate(), generate());
    assert_eq!(first, second, "two runs on fresh chains gave different vectors");
    let labels: Vec<String> = blocks(&first).into_iter().map(|(label, _)| label).collect();
    let unique: std::collections::BTreeSet<&String> = labels.iter().collect();
    assert_eq!(unique.len(), labels.len(), "the reports need every execution's label to be unique");
    for f in tally_host_env::abi::HostFn::ALL {
        let line = format!("{} ", f.name());
        assert!(
            first.lines().any(|l| l.trim_start().starts_with(&line)),
            "no execution of the golden vectors calls `{}`",
            f.name()
        );
    }
    for status in ["ok", "reverted", "out of gas", "aborted", "host trap", "trapped", "no such method"] {
        assert!(first.contains(&format!("=> {status}")), "no execution of the golden vectors ends `{status}`");
    }
}

/// With no cache in front of the prepared-code store, every load of a contract decodes the
/// entry its deploy stored (or, for code deployed in the same transaction, prepares it): the
/// vectors (every host call's gas, every status and gas used) are the same as with the cache.
#[test]
fn the_vectors_are_the_same_when_every_load_decodes_prepared_code() {
    let store = Arc::new(tally_host_env::MemoryPreparedStore::new());
    let runtime = Runtime::with_code_store(Params::default(), 0, store.clone()).expect("the default params are valid");
    let through_store = generate_with(runtime);
    assert!(store.len() >= SDK_EXAMPLES.len(), "{} entries stored", store.len());
    if let Some(report) = compare(&generate(), &through_store) {
        panic!("loading from the prepared-code store changed the vectors:\n{report}");
    }
}

#[test]
fn a_changed_charge_is_reported_with_its_execution_and_host_call() {
    let expected =
        "# c\n== a\ncall x\n  gas_left left 10 charge 1\n=> ok, gas used 5\n\n== b\ncall y\n=> ok, gas used 3\n";
    assert_eq!(compare(expected, expected), None);
    assert_eq!(compare(expected, &expected.replace("# c", "# other comment")), None);
    let changed = expected.replace("charge 1\n=> ok, gas used 5", "charge 2\n=> ok, gas used 6");
    let report = compare(expected, &changed).expect("a difference");
    assert!(report.contains("in 1 of 2 executions"), "{report}");
    assert!(report.contains("first difference: `a`, host call 1"), "{report}");
    assert!(report.contains("expected: gas_left left 10 charge 1"), "{report}");
    assert!(report.contains("actual:   gas_left left 10 charge 2"), "{report}");
    assert!(report.contains("a: ok, gas used 5 -> ok, gas used 6"), "{report}");
    assert!(report.contains(REGENERATE), "{report}");
    let missing = compare(expected, "== a\ncall x\n  gas_left left 10 charge 1\n=> ok, gas used 5\n").expect("b");
    assert!(missing.contains("`b` did not run"), "{missing}");
}

#[test]
fn nested_host_calls_follow_the_call_that_ran_them() {
    let call = |depth, function: tally_host_env::abi::HostFn, gas_before, gas_after| HostCall {
        depth,
        function: function as u16,
        gas_before,
        gas_after,
        io: [0; 32],
    };
    use tally_host_env::abi::HostFn::{Call, Caller, GasLeft, ReturnSet};
    // Transcript order: each call when it returned.
    let transcript = [
        call(1, Caller, 100, 99),
        call(3, GasLeft, 50, 49),
        call(2, Call, 80, 40),
        call(2, GasLeft, 39, 38),
        call(1, Call, 98, 20),
        call(1, ReturnSet, 20, 19),
    ];
    let mut out = String::new();
    render_calls(&mut out, &call_tree(&transcript));
    let rendered: Vec<&str> = out.lines().map(|l| l.split("  left").next().unwrap_or("").trim_end()).collect();
    assert_eq!(rendered, ["  caller", "  call", "    call", "      gas_left", "    gas_left", "  return_set"]);
}

/// Rewrites `golden/gas_vectors.txt` from this build. Run it only after a deliberate change in
/// metering; the file's diff is the change to explain.
#[test]
#[ignore = "writes the golden file; run by hand after a deliberate metering change (see the module doc)"]
fn regenerate_golden_gas_vectors() {
    let path = vectors_path();
    std::fs::write(&path, generate()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    println!("wrote {}", path.display());
}

/// Rebuilds `golden/<example>.wasm` from `contract-sdk/examples` with the default build options
/// (release, names stripped: what a deployment carries).
#[test]
#[ignore = "rebuilds the committed SDK example builds; run by hand, then regenerate (see the module doc)"]
fn rebuild_golden_sdk_examples() {
    let target = tally_sdk_build::examples_target_dir().with_file_name("golden-sdk-examples");
    let manifest = tally_sdk_build::examples_manifest();
    let built = tally_sdk_build::build(&manifest, &target, &SDK_EXAMPLES, &tally_sdk_build::BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    for (name, wasm) in SDK_EXAMPLES.iter().zip(built) {
        let to = golden_dir().join(format!("{name}.wasm"));
        std::fs::copy(&wasm, &to).unwrap_or_else(|e| panic!("{} -> {}: {e}", wasm.display(), to.display()));
        println!("wrote {}", to.display());
    }
}
