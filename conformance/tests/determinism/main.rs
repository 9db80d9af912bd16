//! Cross-CPU determinism: a corpus of bare modules and contract executions whose outputs were
//! produced once (on x86-64) and committed in `conformance/determinism/`; every build, on every
//! architecture, must reproduce them byte for byte, and every committed execution record must
//! replay.
//!
//! - `bare.txt`: generated modules (`bare.rs`, `numeric.rs`, `machine.rs`) run uninstrumented
//!   and instrumented (`run_bare.rs`): results and trap kinds, gas used, hashes of memory and
//!   globals, out of gas at many exact points.
//! - `contracts.txt`: hand-written contracts deployed and called through `Runtime`
//!   (`contracts.rs`): status, gas, return data, result hash, receipt bytes, and the hash of
//!   the execution record, which pins its bytes; every record is then replayed.
//!
//! CI runs this on x86-64, natively on i686 and on aarch64 under qemu-user (`.ci/run`).
//!
//! When outputs change on purpose (gas prices, a receipt field, a new case), regenerate every
//! file on x86-64 and commit them:
//!
//! `cargo test -p tally-conformance --release --test determinism -- --ignored regenerate`

mod bare;
mod contracts;
mod expect;
mod machine;
mod numeric;
mod run_bare;

use parity_scale_codec::{Decode, Encode};
use tally_host_env::{parse_hex, replay, ExecutionRecord, Params, Receipt, Runtime};
use tally_vm::{Engine, Linker, Module, Store, Val};

use crate::bare::{show_args, Corpus, Float, Mode};
use crate::expect::{around, first_mismatch, Entry, Mismatch, REGENERATE};

const BARE: &str = "bare.txt";
const CONTRACTS: &str = "contracts.txt";

/// How many differing cases a failure counts (it shows the first).
fn count_differences(expected: &[Entry], actual: &[Entry]) -> usize {
    let n = expected.len().max(actual.len());
    (0..n).filter(|&i| expected.get(i) != actual.get(i)).count()
}

/// The failure message: which case, which value, and what to do if the change is intended.
fn report(file: &str, m: &Mismatch, differing: usize, context: Option<String>) -> String {
    let mut msg = format!(
        "{file}: case #{} `{}` differs from the committed expectation ({differing} differing case(s) in all)\n",
        m.position, m.name
    );
    if let Some(c) = context {
        msg.push_str(&format!("  {c}\n"));
    }
    match m.token {
        Some(t) => {
            let tokens = |s: &str| s.split(' ').nth(t).unwrap_or("<end>").to_string();
            msg.push_str(&format!("  expected: {}\n  actual:   {}\n", tokens(&m.expected), tokens(&m.actual)));
            msg.push_str(&format!(
                "  expected line: {}\n  actual line:   {}\n",
                around(&m.expected, t, 4),
                around(&m.actual, t, 4)
            ));
        }
        None => msg.push_str(&format!("  expected: {}\n  actual:   {}\n", m.expected, m.actual)),
    }
    msg.push_str(&format!(
        "On another architecture than x86-64 this is a determinism bug. If the change is intended (a gas price, a \
         receipt field, a new case), regenerate on x86-64 and commit:\n  {REGENERATE}"
    ));
    msg
}

/// For a bare case, the call a token belongs to.
fn bare_context(corpus: &Corpus, m: &Mismatch) -> Option<String> {
    let case = corpus.cases.iter().find(|c| c.name == m.name)?;
    let t = m.token?;
    match case.mode {
        Mode::Calls if t < case.calls.len() => {
            let c = &case.calls[t];
            Some(format!("call #{t}: {}({})", c.export, show_args(&c.args)))
        }
        Mode::GasPoints(_) => {
            let c = &case.calls[0];
            Some(format!("{}({}) with the gas limit in the token", c.export, show_args(&c.args)))
        }
        _ => None,
    }
}

/// For a contract execution, the field a token belongs to, and both receipts when they differ.
fn contract_context(m: &Mismatch) -> Option<String> {
    let t = m.token?;
    let tokens: Vec<&str> = m.expected.split(' ').collect();
    let is_field = |k: &&&str| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    let name = tokens[..t.min(tokens.len())].iter().rev().find(is_field).map_or("status", |k| *k);
    let receipt = |s: &str| -> Option<Receipt> {
        let tokens: Vec<&str> = s.split(' ').collect();
        let i = tokens.iter().position(|&k| k == "receipt")?;
        Receipt::decode(&mut &parse_hex(tokens.get(i + 1)?)?[..]).ok()
    };
    let mut out = format!("field `{name}`");
    if name == "receipt" {
        out.push_str(&format!(
            "\n  expected receipt: {:?}\n  actual receipt:   {:?}",
            receipt(&m.expected),
            receipt(&m.actual)
        ));
    }
    Some(out)
}

#[test]
fn bare_modules_match_the_corpus() {
    let corpus = Corpus::generate();
    let actual = run_bare::run(&corpus);
    let expected = expect::load(BARE);
    // Two empty lists would match: the corpus has hundreds of cases.
    assert!(expected.len() > 500, "{BARE} has only {} cases", expected.len());
    if let Some(m) = first_mismatch(&expected, &actual) {
        panic!("{}", report(BARE, &m, count_differences(&expected, &actual), bare_context(&corpus, &m)));
    }
}

/// The contract executions match, and every record replays on a fresh runtime to the committed
/// receipt. A record is compared by its hash, so the records replayed here are byte for byte the
/// ones x86-64 made: records made on one architecture replay on this one.
#[test]
fn contract_executions_match_the_corpus_and_replay() {
    let actual = contracts::run();
    let expected = expect::load(CONTRACTS);
    if let Some(m) = first_mismatch(&expected, &actual.entries) {
        panic!("{}", report(CONTRACTS, &m, count_differences(&expected, &actual.entries), contract_context(&m)));
    }
    let rt = Runtime::new(Params::default()).expect("default params");
    for ((name, bytes), entry) in actual.records.iter().zip(&expected) {
        let record =
            ExecutionRecord::from_bytes(bytes).unwrap_or_else(|e| panic!("`{name}`: its record does not decode: {e}"));
        let receipt = replay(&rt, &record).unwrap_or_else(|d| panic!("`{name}`: its record does not replay: {d}"));
        let tokens: Vec<&str> = entry.outcome.split(' ').collect();
        let committed = tokens.iter().position(|&k| k == "receipt").map(|i| tokens[i + 1]);
        assert_eq!(
            Some(tally_host_env::hex(&receipt.encode()).as_str()),
            committed,
            "`{name}`: its record replays to another receipt than {CONTRACTS} holds"
        );
    }
}

/// The generator's float literals encode exactly the bits they were made from.
#[test]
fn float_constants_keep_their_bits() {
    for f in [Float::F32, Float::F64] {
        let values = f.trunc_operands();
        let funcs: String = values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("(func (export \"c{i}\") (result {}) {})", f.ty(), f.konst(v)))
            .collect();
        let bytes = run_bare::wast_encode(&format!("(module {funcs})")).expect("valid");
        let engine = Engine::new(run_bare::config());
        let module = Module::new(&engine, &bytes).expect("valid");
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine).instantiate(&mut store, &module).expect("instantiates");
        for (i, &v) in values.iter().enumerate() {
            let func = instance.get_func(&store, &format!("c{i}")).expect("exported");
            let mut out = [Val::I32(0)];
            func.call(&mut store, &[], &mut out).expect("returns");
            assert_eq!(out[0], f.val(v), "{} constant {v:#x} ({})", f.ty(), f.konst(v));
        }
    }
}

/// Rewrites every expectation file from this build. Run on x86-64 only, after a deliberate
/// change: `cargo test -p tally-conformance --release --test determinism -- --ignored regenerate`
#[test]
#[ignore = "rewrites the committed expectations; run on purpose (see the module docs)"]
fn regenerate() {
    let corpus = Corpus::generate();
    expect::store(
        BARE,
        "bare modules (conformance/tests/determinism/{bare,numeric,machine,run_bare}.rs)",
        &run_bare::run(&corpus),
    );
    expect::store(
        CONTRACTS,
        "contract executions (conformance/tests/determinism/contracts.rs)",
        &contracts::run().entries,
    );
    println!("generated on {}", std::env::consts::ARCH);
}
