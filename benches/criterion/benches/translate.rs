//! `translate/<module>`: eager validation + translation (`Module::new`) on tally-vm versus
//! wasmi 2 `Module::new` with `CompilationMode::Eager` (and `LazyTranslation`, which only
//! validates, for reference), reported as byte throughput of the whole module.
//!
//! Modules: `big`, a generated ~3.5 MB module of thousands of varied functions
//! ([`tally_benches::bigmodule`]), and `guests`, the compiled guest programs (contract-sized).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use tally_benches::bigmodule::{big_module, BigModuleConfig};

fn wasmi_engine(mode: wasmi::CompilationMode) -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config.compilation_mode(mode);
    wasmi::Engine::new(&config)
}

fn translate(c: &mut Criterion) {
    let big = big_module(&BigModuleConfig::default());
    let guests = tally_guests::build::wasm_bytes().expect("build the guests for wasm32");

    let tally = tally_vm::Engine::new(tally_vm::Config::default());
    let eager = wasmi_engine(wasmi::CompilationMode::Eager);
    let lazy = wasmi_engine(wasmi::CompilationMode::LazyTranslation);

    for (name, wasm) in [("big", &big), ("guests", &guests)] {
        tally_vm::Module::new(&tally, wasm).expect("tally accepts the module");
        wasmi::Module::new(&eager, wasm).expect("wasmi accepts the module");

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
}

fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = benches;
    config = config();
    targets = translate
}
criterion_main!(benches);
