//! `translate/<module>`: eager validation + translation (`Module::new`) on tally-vm versus
//! wasmi 2 `Module::new` with `CompilationMode::Eager` (and `LazyTranslation`, which only
//! validates, for reference), reported as byte throughput of the whole module.
//!
//! Modules: `big`, a generated ~3.5 MB module of thousands of varied functions
//! ([`tally_benches::bigmodule`]), `crates`, the real-crates guests (`guests/crates`: about
//! 1.2 MB of rustc output from sha2, blake3, ed25519-dalek, k256, serde_json, miniz_oxide, regex,
//! parity-scale-codec and primitive-types), and `guests`, the compiled guest programs
//! (contract-sized).
//!
//! Before each group, a paired measurement alternates single compilations of tally and wasmi
//! eager (see [`PairedRun`]) and saves the median per-round ratio as `paired-translate.json`.
//!
//! `cargo bench -p tally-criterion --bench translate`. Outside criterion, for instruction
//! profiles and quick paired runs of a built binary (`valgrind --tool=callgrind <bench binary>
//! --profile-tally big 3`):
//! - `--profile-tally <module> N`, `--profile-wasmi <module> N`: N compilations of `big`,
//!   `crates`, `guests`, or `file`: the module at `--module <path>`, and nothing else;
//! - `--paired <module> ROUNDS`: only the paired measurement, printed;
//! - `--write-big <path>`: writes the `big` module to a file (to compare the code translated
//!   from it before and after a change: `tally inspect --ir <path>`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use tally_benches::bigmodule::{big_module, BigModuleConfig};
use tally_benches::report::{default_criterion_dir, save_paired, PairedRun};

fn wasmi_engine(mode: wasmi::CompilationMode) -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config.compilation_mode(mode);
    wasmi::Engine::new(&config)
}

/// Rounds of the paired measurement.
const PAIRED_ROUNDS: u32 = 21;

/// Compilations per timed run of the paired measurement: about 60 ms of tally's time or more
/// (single compilations of a large module vary by ±10 % on a shared machine).
fn compilations_per_run(wasm: &[u8]) -> u32 {
    (2_000_000 / wasm.len().max(1)).clamp(3, 1000) as u32
}

/// `rounds` alternating rounds of tally and wasmi eager compiling `wasm`.
fn paired(name: &str, wasm: &[u8], rounds: u32) -> PairedRun {
    let tally = tally_vm::Engine::new(tally_vm::Config::default());
    let eager = wasmi_engine(wasmi::CompilationMode::Eager);
    let n = compilations_per_run(wasm);
    let run = PairedRun::measure(
        "translate",
        name,
        "wasmi-eager",
        rounds,
        || (0..n).for_each(|_| drop(black_box(tally_vm::Module::new(&tally, black_box(wasm)).expect("tally")))),
        || (0..n).for_each(|_| drop(black_box(wasmi::Module::new(&eager, black_box(wasm)).expect("wasmi")))),
    );
    eprintln!(
        "translate/{name}: paired over {} rounds of {n}: tally {:.3} ms, wasmi eager {:.3} ms, ratio {:.3} \
         ({:.2}× wasmi eager's throughput)",
        run.rounds,
        run.subject_ns / 1e6 / f64::from(n),
        run.baseline_ns / 1e6 / f64::from(n),
        run.median_ratio,
        1.0 / run.median_ratio
    );
    run
}

fn translate(c: &mut Criterion, modules: &[(&str, Vec<u8>)]) {
    let tally = tally_vm::Engine::new(tally_vm::Config::default());
    let eager = wasmi_engine(wasmi::CompilationMode::Eager);
    let lazy = wasmi_engine(wasmi::CompilationMode::LazyTranslation);

    let mut runs = Vec::new();
    for (name, wasm) in modules {
        let wasm = &wasm[..];
        tally_vm::Module::new(&tally, wasm).expect("tally accepts the module");
        wasmi::Module::new(&eager, wasm).expect("wasmi accepts the module");
        runs.push(paired(name, wasm, PAIRED_ROUNDS));

        let mut group = c.benchmark_group(format!("translate/{name}"));
        group.throughput(Throughput::Bytes(wasm.len() as u64));
        if wasm.len() > 1 << 20 {
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(10);
        }
        group.bench_function("tally", |b| {
            b.iter(|| tally_vm::Module::new(&tally, black_box(wasm)).expect("tally: compile"))
        });
        group.bench_function("wasmi-eager", |b| {
            b.iter(|| wasmi::Module::new(&eager, black_box(wasm)).expect("wasmi: compile"))
        });
        group.bench_function("wasmi-lazy", |b| {
            b.iter(|| wasmi::Module::new(&lazy, black_box(wasm)).expect("wasmi: validate"))
        });
        group.finish();
    }
    if let Err(e) = save_paired(&default_criterion_dir(), "translate", &runs) {
        eprintln!("translate: paired results not saved: {e}");
    }
}

/// The value after flag `flag`, if given.
fn arg_after(args: &[String], flag: &str) -> Option<String> {
    let at = args.iter().position(|a| a == flag)?;
    Some(args.get(at + 1).unwrap_or_else(|| panic!("a value after {flag}")).clone())
}

/// `<flag> <module> <count>`, if given.
fn mode(args: &[String], flag: &str) -> Option<(String, u32)> {
    let at = args.iter().position(|a| a == flag)?;
    let module = args.get(at + 1).unwrap_or_else(|| panic!("a module after {flag}")).clone();
    let n = args.get(at + 2).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("a count after {flag} <module>"));
    Some((module, n))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = arg_after(&args, "--module").map(|path| std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")));
    let module = |name: &str| -> Vec<u8> {
        match name {
            "big" => big_module(&BigModuleConfig::default()),
            "guests" => tally_guests::build::wasm_bytes().expect("build the guests for wasm32"),
            "crates" => tally_guests::build::crates_wasm_bytes().expect("build the real-crates guests for wasm32"),
            "file" => file.clone().expect("--module <path> for `file`"),
            other => panic!("unknown module {other} (big, crates, guests, file)"),
        }
    };
    if let Some(path) = arg_after(&args, "--write-big") {
        std::fs::write(&path, module("big")).unwrap_or_else(|e| panic!("{path}: {e}"));
        return;
    }
    if let Some((name, n)) = mode(&args, "--profile-tally") {
        let wasm = module(&name);
        let engine = tally_vm::Engine::new(tally_vm::Config::default());
        (0..n).for_each(|_| drop(black_box(tally_vm::Module::new(&engine, &wasm).expect("tally"))));
        return;
    }
    if let Some((name, n)) = mode(&args, "--profile-wasmi") {
        let wasm = module(&name);
        let engine = wasmi_engine(wasmi::CompilationMode::Eager);
        (0..n).for_each(|_| drop(black_box(wasmi::Module::new(&engine, &wasm).expect("wasmi"))));
        return;
    }
    if let Some((name, rounds)) = mode(&args, "--paired") {
        paired(&name, &module(&name), rounds);
        return;
    }
    let modules = [("big", module("big")), ("crates", module("crates")), ("guests", module("guests"))];
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    translate(&mut c, &modules);
    c.final_summary();
}
