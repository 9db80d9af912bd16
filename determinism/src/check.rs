//! Comparing a run of this build with the committed corpus: the first differing case and
//! value, with the call or receipt field it belongs to, and every committed record replayed.

use parity_scale_codec::{Decode, Encode};
use tally_host_env::{parse_hex, replay, ExecutionRecord, Params, Receipt, Runtime};

use crate::bare::{show_args, Corpus, Mode};
pub use crate::expect::REGENERATE;
use crate::expect::{around, first_mismatch, Entry, Mismatch};
use crate::{contracts, expect, run_bare};

/// The bare-module expectations' file name in the corpus directory.
pub const BARE: &str = "bare.txt";
/// The contract executions' file name in the corpus directory.
pub const CONTRACTS: &str = "contracts.txt";

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

/// Runs the bare-module corpus and compares it with `bare.txt`: the number of cases on a
/// match, or a report naming the first differing case, call and value.
pub fn check_bare() -> Result<usize, String> {
    let corpus = Corpus::generate();
    let actual = run_bare::run(&corpus);
    let expected = expect::load(BARE)?;
    // Two empty lists would match: the corpus has hundreds of cases.
    if expected.len() <= 500 {
        return Err(format!("{BARE} has only {} cases; regenerate it with `{REGENERATE}`", expected.len()));
    }
    match first_mismatch(&expected, &actual) {
        Some(m) => Err(report(BARE, &m, count_differences(&expected, &actual), bare_context(&corpus, &m))),
        None => Ok(expected.len()),
    }
}

/// Runs the contract executions and compares them with `contracts.txt`, then replays every
/// execution record on a fresh runtime and compares its receipt with the committed one. A
/// record is compared by its hash, so the records replayed here are byte for byte the ones
/// x86-64 made: records made on one architecture replay on this one. Returns the number of
/// executions on a match.
pub fn check_contracts() -> Result<usize, String> {
    let actual = contracts::run();
    let expected = expect::load(CONTRACTS)?;
    if let Some(m) = first_mismatch(&expected, &actual.entries) {
        return Err(report(CONTRACTS, &m, count_differences(&expected, &actual.entries), contract_context(&m)));
    }
    let rt = Runtime::new(Params::default()).map_err(|e| format!("default params: {e}"))?;
    for ((name, bytes), entry) in actual.records.iter().zip(&expected) {
        let record =
            ExecutionRecord::from_bytes(bytes).map_err(|e| format!("`{name}`: its record does not decode: {e}"))?;
        let receipt = replay(&rt, &record).map_err(|d| format!("`{name}`: its record does not replay: {d}"))?;
        let tokens: Vec<&str> = entry.outcome.split(' ').collect();
        let committed = tokens.iter().position(|&k| k == "receipt").map(|i| tokens[i + 1]);
        let replayed = tally_host_env::hex(&receipt.encode());
        if Some(replayed.as_str()) != committed {
            return Err(format!(
                "`{name}`: its record replays to another receipt than {CONTRACTS} holds\n  committed: {}\n  replayed:  {replayed}",
                committed.unwrap_or("<none>")
            ));
        }
    }
    Ok(expected.len())
}

/// Rewrites every expectation file from this build. Run on x86-64 only, after a deliberate
/// change (a gas price, a receipt field, a new case): `{REGENERATE}` (see [`REGENERATE`]).
pub fn regenerate() -> std::io::Result<()> {
    let corpus = Corpus::generate();
    expect::store(BARE, "bare modules (determinism/src/{bare,numeric,machine,run_bare}.rs)", &run_bare::run(&corpus))?;
    expect::store(CONTRACTS, "contract executions (determinism/src/contracts.rs)", &contracts::run().entries)
}
