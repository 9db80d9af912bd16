//! Runs the bare-module corpus and renders each case's outcome as one line of tokens.
//!
//! A case runs uninstrumented and instrumented (default gas schedule, [`GAS`] per call, the
//! schedule's stack budget), each on a fresh instance. Its line is
//!
//! `<outcome of call 1> … <outcome of call n> | gas <total> [| state <h>] [| plain <outcomes> [state <h>]]`
//!
//! where an outcome is the results in minimal hex (`,`-separated; `-` for none) or `!<trap>`
//! (`!inst:<trap>` when instantiation trapped), `gas` is what the instrumented calls used, `state`
//! shows the exported globals and a hash of each exported memory after the last call (when
//! there are any),
//! and the `plain` part appears only where the uninstrumented run ended differently (its stack
//! limits differ, and it charges no gas). A [`Mode::GasPoints`] case's line is
//! `<gas used with plenty> | <limit>:<outcome>:<state> …`.

use tally_gas_injector::Schedule;
use tally_vm::{Config, Engine, Error, Extern, Instance, Linker, Module, Store, Val};

use crate::bare::{show, Call, Case, Corpus, Mode};
use crate::expect::Entry;

/// Gas for each instrumented call (and instantiation) of an ordinary case.
pub const GAS: u64 = 1 << 42;

/// The memory limit of this corpus's engine, in pages: small enough that growing to it is cheap
/// everywhere.
pub const MAX_MEMORY_PAGES: u32 = 64;

/// The engine configuration of the corpus: the defaults, with [`MAX_MEMORY_PAGES`].
pub fn config() -> Config {
    Config { max_memory_pages: MAX_MEMORY_PAGES, ..Config::default() }
}

/// A module compiled both ways.
struct Compiled {
    plain: Module,
    metered: Module,
}

/// Runs every case of `corpus`, in order.
pub fn run(corpus: &Corpus) -> Vec<Entry> {
    let engine = Engine::new(config());
    let schedule = Schedule::default();
    let compiled: Vec<Compiled> = corpus
        .modules
        .iter()
        .map(|m| {
            let bytes = wast_encode(&m.wat).unwrap_or_else(|e| panic!("module {}: {e}\n{}", m.name, m.wat));
            let instrumented = tally_gas_injector::instrument(&bytes, &schedule)
                .unwrap_or_else(|e| panic!("module {}: instrumenting: {e}", m.name));
            let compile = |b: &[u8]| Module::new(&engine, b).unwrap_or_else(|e| panic!("module {}: {e}", m.name));
            Compiled { plain: compile(&bytes), metered: compile(&instrumented) }
        })
        .collect();
    let budget = u64::from(schedule.stack.budget);
    corpus
        .cases
        .iter()
        .map(|case| {
            let c = &compiled[case.module];
            let outcome = match case.mode {
                Mode::Calls => calls_outcome(&engine, c, case, budget),
                Mode::GasPoints(n) => gas_points_outcome(&engine, &c.metered, case, budget, n),
            };
            Entry { name: case.name.clone(), outcome }
        })
        .collect()
}

/// Encodes WAT to a binary module.
pub fn wast_encode(wat: &str) -> Result<Vec<u8>, String> {
    let buf = wast::parser::ParseBuffer::new(wat).map_err(|e| e.to_string())?;
    let mut module = wast::parser::parse::<wast::Wat>(&buf).map_err(|e| e.to_string())?;
    module.encode().map_err(|e| e.to_string())
}

/// What a sequence of calls did on one instance.
struct Run {
    outcomes: Vec<String>,
    gas_used: u64,
    state: Option<String>,
}

/// Instantiates `module` and makes `calls`; with `gas`, each (and the instantiation) starts
/// with that much gas and the stack `budget`.
fn run_calls(engine: &Engine, module: &Module, calls: &[Call], gas: Option<u64>, budget: u64) -> Run {
    let mut store = Store::new(engine, ());
    store.set_stack_budget(budget);
    let mut gas_used = 0;
    let instance = match metered(&mut store, gas, &mut gas_used, |s| Linker::<()>::new(engine).instantiate(s, module)) {
        Ok(instance) => instance,
        Err(e) => return Run { outcomes: vec![format!("!inst:{}", trap_name(e))], gas_used, state: None },
    };
    let mut outcomes = Vec::with_capacity(calls.len());
    for c in calls {
        let func = instance.get_func(&store, &c.export).unwrap_or_else(|| panic!("no export {:?}", c.export));
        let ty = func.ty(&store);
        let r = metered(&mut store, gas, &mut gas_used, |s| {
            let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
            func.call(s, &c.args, &mut results)?;
            Ok(results)
        });
        outcomes.push(match r {
            Ok(results) if results.is_empty() => "-".into(),
            Ok(results) => results.iter().map(show).collect::<Vec<_>>().join(","),
            Err(e) => format!("!{}", trap_name(e)),
        });
    }
    let state = state(&store, &instance);
    Run { outcomes, gas_used, state }
}

/// Runs `f` with `gas` (when given) and adds what it used to `used`.
fn metered<R>(store: &mut Store<()>, gas: Option<u64>, used: &mut u64, f: impl FnOnce(&mut Store<()>) -> R) -> R {
    if let Some(g) = gas {
        store.set_gas(g);
    }
    let r = f(store);
    if let Some(g) = gas {
        *used += g - store.gas();
    }
    r
}

/// The trap's name; any other error is a bug in the corpus.
fn trap_name(e: Error) -> &'static str {
    match e {
        Error::Trap(t) => t.code.name(),
        other => panic!("not a trap: {other}"),
    }
}

/// The exported state after the calls: `name=<value>` for each global and `name#<hash>` for each
/// memory (the first 8 bytes of Keccak-256 over its bytes), in export order and `,`-separated;
/// `None` when nothing but functions is exported.
fn state(store: &Store<()>, instance: &Instance) -> Option<String> {
    let parts: Vec<String> = instance
        .exports(store)
        .into_iter()
        .filter_map(|(name, ext)| match ext {
            Extern::Global(g) => Some(format!("{name}={}", show(&g.get(store)))),
            Extern::Memory(m) => {
                Some(format!("{name}#{}", &tally_host_env::hex(&tally_host_env::keccak(m.data(store))[..8])[2..]))
            }
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

fn calls_outcome(engine: &Engine, c: &Compiled, case: &Case, budget: u64) -> String {
    let metered = run_calls(engine, &c.metered, &case.calls, Some(GAS), budget);
    let plain = run_calls(engine, &c.plain, &case.calls, None, budget);
    let mut line = format!("{} | gas {}", metered.outcomes.join(" "), metered.gas_used);
    if let Some(s) = &metered.state {
        line.push_str(&format!(" | state {s}"));
    }
    if plain.outcomes != metered.outcomes || plain.state != metered.state {
        line.push_str(&format!(" | plain {}", plain.outcomes.join(" ")));
        if let Some(s) = &plain.state {
            line.push_str(&format!(" state {s}"));
        }
    }
    line
}

fn gas_points_outcome(engine: &Engine, module: &Module, case: &Case, budget: u64, n: u64) -> String {
    let full = run_calls(engine, module, &case.calls, Some(GAS), budget);
    assert!(!full.outcomes[0].starts_with('!'), "{}: the workload must finish with plenty of gas", case.name);
    let used = full.gas_used;
    let mut limits: Vec<u64> = (0..=n).map(|k| (u128::from(used) * u128::from(k) / u128::from(n)) as u64).collect();
    limits.push(used.saturating_sub(1));
    let mut line = format!("{used} |");
    for limit in limits {
        let r = run_calls(engine, module, &case.calls, Some(limit), budget);
        line.push_str(&format!(" {limit}:{}:{}", r.outcomes.join(","), r.state.unwrap_or_default()));
    }
    line
}

#[cfg(test)]
mod tests {
    use tally_vm::{Engine, Linker, Module, Store, Val};

    use super::{config, wast_encode};
    use crate::bare::Float;

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
            let bytes = wast_encode(&format!("(module {funcs})")).expect("valid");
            let engine = Engine::new(config());
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
}
