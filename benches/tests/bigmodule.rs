//! The generated translation-benchmark module must be valid MVP Wasm of the requested size.

use tally_benches::bigmodule::{big_module, BigModuleConfig};
use wasmparser::{Validator, WasmFeatures};

fn validate_mvp(bytes: &[u8]) {
    let features = WasmFeatures::WASM1 | WasmFeatures::FLOATS | WasmFeatures::MUTABLE_GLOBAL;
    Validator::new_with_features(features).validate_all(bytes).expect("generated module validates as MVP Wasm");
}

#[test]
fn small_modules_validate_with_and_without_floats() {
    for seed in 1..20 {
        for floats in [true, false] {
            let bytes = big_module(&BigModuleConfig { target_code_bytes: 20_000, seed, floats, contract: false });
            validate_mvp(&bytes);
        }
    }
}

#[test]
fn default_module_is_multi_megabyte_and_deterministic() {
    let config = BigModuleConfig::default();
    let bytes = big_module(&config);
    let functions = wasmparser::Parser::new(0)
        .parse_all(&bytes)
        .filter(|p| matches!(p, Ok(wasmparser::Payload::CodeSectionEntry(_))))
        .count();
    eprintln!("default big module: {} bytes, {functions} functions", bytes.len());
    assert!(functions >= 1000, "{functions} functions");
    assert!(bytes.len() >= 3_000_000 && bytes.len() <= 5_000_000, "{} bytes", bytes.len());
    validate_mvp(&bytes);
    assert_eq!(bytes, big_module(&config));
}
