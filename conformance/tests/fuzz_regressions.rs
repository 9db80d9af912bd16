//! The fuzz targets' regressions, on stable: every input under `fuzz/regressions/<target>/`
//! (each one once made its target crash, hang or report a finding) runs through the same check
//! as the fuzz target (`tally_conformance::fuzz`), and must pass.
//!
//! Also here: issue 12's two findings, rebuilt and compared with their committed files; every
//! committed seed (`fuzz/seeds/<target>/`) through its target's check; a few honest inputs per
//! target and a dishonest record, so that a check which accepts or rejects everything fails here;
//! and, ignored, the generator of the seeds (see `fuzz/README.md`), which (re)writes
//! `fuzz/seeds/` and the two historical regression inputs, building the guests and the SDK
//! examples for wasm32:
//!
//! ```text
//! cargo test --release -p tally-conformance --test conformance -- --ignored fuzz_regressions::write_seed_corpora
//! ```

use std::path::PathBuf;

use tally_conformance::fuzz::{record_replay, regressions_dir, seeds, seeds_dir, Target};

/// The files of a directory, sorted by name (none if it does not exist).
fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.expect("a directory entry").path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Runs `check` on a thread with a large stack, the way the fuzz targets run (libFuzzer's main
/// thread has 8 MiB; a test thread 2 MiB).
fn on_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| {
        std::thread::Builder::new().stack_size(64 << 20).spawn_scoped(s, f).expect("spawn").join().expect("no panic")
    })
}

#[test]
fn every_regression_input_passes() {
    let mut failures = Vec::new();
    let mut count = 0;
    for target in Target::ALL {
        for path in files(&regressions_dir(target)) {
            let data = std::fs::read(&path).expect("read a regression input");
            count += 1;
            if let Err(finding) = on_thread(|| target.check(&data)) {
                failures.push(format!("{}: {finding}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{} regression input(s) fail:\n{}", failures.len(), failures.join("\n"));
    assert!(count >= 2, "issue 12's two findings are committed regressions; found {count} inputs");
}

/// Issue 12, finding 1: `i32.load` whose memarg flags have the multi-memory bit (0x40) set,
/// followed by memory index 0. WebAssembly 2.0 reserves the bit, so the profile rejects the
/// module as malformed; the VM parsed with wasmparser's default features and accepted it.
fn multi_memory_memarg() -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend([0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f]); // type 0: () -> i32
    wasm.extend([0x03, 0x02, 0x01, 0x00]); // function 0: type 0
    wasm.extend([0x05, 0x03, 0x01, 0x00, 0x01]); // memory 0: 1 page
                                                 // One body: no locals; i32.const 0; i32.load flags 0x42 (align 4, memory index follows)
                                                 // memory 0 offset 0; end.
    wasm.extend([0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0x28, 0x42, 0x00, 0x00, 0x0b]);
    wasm
}

#[test]
fn issue_12_findings_are_committed_and_pass() {
    let module = multi_memory_memarg();
    let engine = tally_vm::Engine::default();
    let err = tally_vm::Module::new(&engine, &module).expect_err("the VM must reject the multi-memory memarg");
    assert!(err.to_string().contains("reserved") || err.to_string().contains("malformed"), "{err}");
    assert!(tally_profile::validate(&module).is_err());
    // What the VM read with before the fix: wasmparser's defaults, multi-memory included.
    wasmparser::Validator::new().validate_all(&module).expect("valid with multi-memory");
    assert_eq!(Target::ModuleNew.check(&module), Ok(()));

    // Finding 2: the gas limit of an out-of-gas loop's record raised to u64::MAX. The replay
    // stops at the gas the record says was used and reports the divergence.
    let input = record_replay::huge_gas_limit_input();
    assert_eq!(input.len(), 11);
    let mut record = record_replay::templates()[usize::from(record_replay::SPIN_TEMPLATE)].clone();
    record_replay::apply_edits(&mut record, &input[2..]);
    assert_eq!(record.gas_limit, u64::MAX);
    let divergence = tally_host_env::replay(&tally_host_env::Runtime::new(Default::default()).unwrap(), &record);
    assert_eq!(
        divergence,
        Err(tally_host_env::Divergence::GasExceeded { recorded: record_replay::SPIN_GAS }),
        "a forged gas limit must not buy the replay more work than the record describes"
    );
    assert_eq!(Target::RecordReplay.check(&input), Ok(()));

    for (target, name, bytes) in historical() {
        let path = regressions_dir(target).join(name);
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(committed, bytes, "{} is not the historical input", path.display());
    }
}

/// Issue 12's findings as regression files: (target, file name, bytes).
fn historical() -> [(Target, &'static str, Vec<u8>); 2] {
    [
        (Target::ModuleNew, "issue-12-multi-memory-memarg.wasm", multi_memory_memarg()),
        (Target::RecordReplay, "issue-12-replay-gas-limit-u64-max", record_replay::huge_gas_limit_input()),
    ]
}

/// Honest inputs pass every check: a check that rejected everything would fail here.
#[test]
fn honest_inputs_pass() {
    let counter =
        wat::parse_str(r#"(module (memory 1) (func (export "f") (result i32) i32.const 0 i32.load))"#).unwrap();
    for target in [Target::ModuleNew, Target::InstrumentVerify, Target::Decode, Target::BodyCheck] {
        assert_eq!(target.check(&counter), Ok(()), "{}", target.name());
    }
    for (name, bytes) in record_replay::seeds() {
        assert_eq!(Target::RecordReplay.check(&bytes), Ok(()), "record_replay seed {name}");
    }
    let some = |seed: u64, len: usize| seeds::random_bytes(seed, len);
    for seed in 0..4 {
        assert_eq!(on_thread(|| Target::HostAbi.check(&some(seed, 400))), Ok(()), "host_abi seed {seed}");
        assert_eq!(on_thread(|| Target::SmithDifferential.check(&some(seed, 2048))), Ok(()), "smith seed {seed}");
        assert_eq!(Target::Decode.check(&some(seed, 300)), Ok(()), "decode seed {seed}");
    }
    assert_eq!(Target::Decode.check(&tally_host_env::Params::default().to_bytes()), Ok(()));
}

/// The checks report what they exist to find.
#[test]
fn checks_report_findings() {
    // A record with a wrong outcome, presented as honest: its replay diverges.
    let mut record = record_replay::templates()[0].clone();
    record.outcome.return_data.push(1);
    let finding = record_replay::check_record(&record, true).expect_err("a wrong outcome diverges");
    assert!(finding.contains("return_data"), "{finding}");
    // A record with trailing bytes does not decode, so it is no finding; a template that is not
    // edited at all must replay (mode 1, template 0, no edits).
    let mut raw = vec![0];
    raw.extend(record_replay::templates()[0].to_bytes());
    raw.push(0);
    assert_eq!(Target::RecordReplay.check(&raw), Ok(()));
    assert_eq!(Target::RecordReplay.check(&[1, 0]), Ok(()));
}

/// Writes `fuzz/seeds/` and the historical regression inputs. Builds the guests and the SDK
/// examples for wasm32.
///
/// `cargo test --release -p tally-conformance --test conformance -- --ignored fuzz_regressions::write_seed_corpora`
#[test]
#[ignore = "writes fuzz/seeds; run on demand"]
fn write_seed_corpora() {
    let mut modules = vec![("guests.wasm".to_string(), tally_guests::build::wasm_bytes().expect("build the guests"))];
    for name in tally_sdk_build::EXAMPLES {
        let wasm = tally_sdk_build::example(name).expect("build the SDK examples");
        modules.push((format!("sdk-example-{name}.wasm"), wasm));
    }
    for path in files(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cli/examples")) {
        if path.extension().is_some_and(|e| e == "wat") {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_stem().unwrap().to_string_lossy();
            modules.push((format!("cli-example-{name}.wasm"), wat::parse_str(&text).unwrap()));
        }
    }
    let corpora = seeds::corpora(&modules);
    corpora.write(&seeds_dir(Target::ModuleNew).join("..")).expect("write fuzz/seeds");
    for (target, name, bytes) in historical() {
        std::fs::create_dir_all(regressions_dir(target)).unwrap();
        std::fs::write(regressions_dir(target).join(name), bytes).unwrap();
    }
    for (target, seeds) in &corpora.0 {
        println!("{}: {} seeds, {} bytes", target.name(), seeds.len(), seeds.values().map(Vec::len).sum::<usize>());
    }
    println!("total: {} bytes", corpora.size());
}

/// Every committed seed passes its target's check (a few seconds: the seeds are small).
#[test]
fn seed_corpora_pass() {
    let mut failures = Vec::new();
    for target in Target::ALL {
        let files = files(&seeds_dir(target));
        assert!(!files.is_empty(), "no seeds for {}", target.name());
        for path in files {
            let data = std::fs::read(&path).unwrap();
            if let Err(finding) = on_thread(|| target.check(&data)) {
                failures.push(format!("{}: {finding}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
