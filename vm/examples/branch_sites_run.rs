//! Measurement helper for `tally.branch` sites (not part of the product): instruments a module
//! with the default schedule, optionally adds a site before every `br_if` and `if` (as the
//! injector will: `i32.const s; i64.const k; call 4`, sites numbered in code order), and runs
//! one export with one integer argument, printing its result and the gas used. For instruction
//! counts under callgrind, paired with and without sites.
//!
//! `cargo run --release -p tally-vm --example branch_sites_run -- FILE.wasm EXPORT ARG [SITE_COST]`

use tally_vm::*;
use wasmparser::Payload;

fn leb_u(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn leb_s(mut v: i64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0) {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// The module with `i32.const s; i64.const cost; call 4` before every `br_if` and `if`.
fn add_sites(wasm: &[u8], cost: u64) -> (Vec<u8>, u32) {
    let mut site = 0u32;
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    let mut code_range = None;
    for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
        match payload.unwrap() {
            Payload::CodeSectionStart { unchecked_range, .. } => {
                code_range = Some(unchecked_range.start as usize..unchecked_range.end as usize)
            }
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                let range = range.start as usize..range.end as usize;
                let mut ops = body.get_operators_reader().unwrap();
                let mut new = wasm[range.start..ops.original_position() as usize].to_vec();
                let mut last = ops.original_position() as usize;
                while !ops.eof() {
                    let at = ops.original_position() as usize;
                    let op = ops.read().unwrap();
                    if matches!(op, wasmparser::Operator::BrIf { .. } | wasmparser::Operator::If { .. }) {
                        new.extend_from_slice(&wasm[last..at]);
                        new.push(0x41);
                        leb_s(i64::from(site as i32), &mut new);
                        new.push(0x42);
                        leb_s(cost as i64, &mut new);
                        new.extend_from_slice(&[0x10, 0x04]);
                        site += 1;
                        last = at;
                    }
                }
                new.extend_from_slice(&wasm[last..range.end]);
                bodies.push(new);
            }
            _ => {}
        }
    }
    let code = code_range.unwrap();
    // Everything before the code section (its id and size LEB precede its contents).
    let mut header = Vec::new();
    leb_u((code.end - code.start) as u64, &mut header);
    let mut out = wasm[..code.start - 1 - header.len()].to_vec();
    let mut section = Vec::new();
    leb_u(bodies.len() as u64, &mut section);
    for b in &bodies {
        leb_u(b.len() as u64, &mut section);
        section.extend_from_slice(b);
    }
    out.push(10);
    leb_u(section.len() as u64, &mut out);
    out.extend_from_slice(&section);
    out.extend_from_slice(&wasm[code.end..]);
    (out, site)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).unwrap();
    let bytes = if args[1].ends_with(".wat") { wat::parse_bytes(&bytes).unwrap().into_owned() } else { bytes };
    let schedule = tally_gas_injector::Schedule::default();
    let mut wasm = tally_gas_injector::instrument(&bytes, &schedule).unwrap();
    if let Some(cost) = args.get(4) {
        let (with, sites) = add_sites(&wasm, cost.parse().unwrap());
        eprintln!("{sites} sites");
        wasm = with;
    }
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_gas(u64::MAX / 2);
    store.set_stack_budget(u64::from(schedule.stack.budget));
    let instance = Linker::<()>::new(&engine).instantiate(&mut store, &module).unwrap();
    let func = instance.get_func(&store, &args[2]).unwrap();
    let ty = func.ty(&store);
    let arg: i64 = args[3].parse().unwrap();
    let params: Vec<Val> =
        ty.params().iter().map(|t| if *t == ValType::I64 { Val::I64(arg) } else { Val::I32(arg as i32) }).collect();
    let mut results = vec![Val::I32(0); ty.results().len()];
    let outcome = func.call(&mut store, &params, &mut results);
    println!("{outcome:?} {results:?} gas used {}", u64::MAX / 2 - store.gas());
}
