//! Prints a module instrumented with `Schedule::uniform(1)` (so each charge is an operator
//! count) as text, then verifies it.
//!
//! `cargo run -p tally-gas-injector --example show -- module.wat`
use tally_gas_injector::{instrument, verify, Schedule};

fn main() {
    let path = std::env::args().nth(1).expect("usage: show <module.wat|module.wasm>");
    let wasm = wat::parse_file(&path).expect("cannot read the module");
    let schedule = Schedule::uniform(1);
    let out = match instrument(&wasm, &schedule) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", wasmprinter::print_bytes(&out).expect("print"));
    verify(&wasm, &out, &schedule).expect("verify");
    println!(";; verified; {} -> {} bytes", wasm.len(), out.len());
}
