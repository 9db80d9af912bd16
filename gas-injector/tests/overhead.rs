//! Size overhead on a real Rust program (the `tally-guests` module, built for wasm32 at test
//! time): instrumented with the default schedule, gas + stack, it grows by at most 35%. (It was
//! 20% until schedule version 2 added a memory-access charge of 8–9 bytes to every region with
//! loads or stores: +17.2% became +23.4%; 25% until schedule version 4 priced branch direction
//! changes, a `tally.branch` call of 6–9 bytes before every `br_if` and `if`: +27.2%; 30% until the
//! guests grew their memory on demand instead of holding static buffers: the module became 4,799
//! bytes, instrumented +30.9%.)

use crate::common;

use tally_gas_injector::Schedule;

#[test]
fn guest_module_grows_at_most_35_percent() {
    let wasm = match tally_guests::build::wasm_bytes() {
        Ok(w) => w,
        Err(e) => panic!("cannot build the guest module (rustup target add wasm32-unknown-unknown): {e}"),
    };
    let out = common::check(&wasm, &Schedule::default());
    let growth = (out.len() as f64 / wasm.len() as f64 - 1.0) * 100.0;
    eprintln!("guest module: {} -> {} bytes (+{growth:.1}%)", wasm.len(), out.len());
    assert!(growth <= 35.0, "size overhead {growth:.1}% exceeds 35%");
}
