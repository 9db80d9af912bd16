//! Rough injection throughput (run with `--release`): 1 MiB of `call`s, and the module given as
//! the first argument, if any. `WRITE_CALLS_MODULE=path` also writes the calls module.
use std::time::Instant;
use tally_gas_injector::{instrument, validate, Schedule};
use wasm_encoder::{CodeSection, Function, FunctionSection, Instruction, Module, TypeSection};

fn main() {
    let mut types = TypeSection::new();
    types.ty().function([], []);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    funcs.function(0);
    let mut code = CodeSection::new();
    let mut callee = Function::new([]);
    callee.instruction(&Instruction::End);
    code.function(&callee);
    let mut body = Function::new([]);
    for _ in 0..(1 << 20) / 2 {
        body.instruction(&Instruction::Call(0));
    }
    body.instruction(&Instruction::End);
    code.function(&body);
    let mut m = Module::new();
    m.section(&types).section(&funcs).section(&code);
    let wasm = m.finish();
    if let Some(path) = std::env::var_os("WRITE_CALLS_MODULE") {
        std::fs::write(path, &wasm).unwrap();
    }
    let guest = argument_bytes();
    for (name, wasm) in [("calls", &wasm), ("argument", &guest)] {
        if wasm.is_empty() {
            continue;
        }
        let s = Schedule::default();
        let t = Instant::now();
        let n = 20;
        for _ in 0..n {
            validate(wasm).unwrap();
        }
        let v = t.elapsed() / n;
        let t = Instant::now();
        for _ in 0..n {
            instrument(wasm, &s).unwrap();
        }
        let i = t.elapsed() / n;
        println!(
            "{name}: {} bytes: validate {v:?}, instrument {i:?} ({:.1} MB/s)",
            wasm.len(),
            wasm.len() as f64 / i.as_secs_f64() / 1e6
        );
    }
}

fn argument_bytes() -> Vec<u8> {
    std::fs::read(std::env::args().nth(1).unwrap_or_default()).unwrap_or_default()
}
