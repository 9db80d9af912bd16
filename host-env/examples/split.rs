use std::time::Instant;
use tally_host_env::*;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let code = if path.ends_with(".wat") { wat::parse_file(&path).unwrap() } else { std::fs::read(&path).unwrap() };
    let params = Params::default();
    let engine = tally_vm::Engine::new(params.vm_config());
    let n = 200;
    let t = |f: &mut dyn FnMut()| {
        let s = Instant::now();
        for _ in 0..n {
            f();
        }
        s.elapsed().as_nanos() as f64 / n as f64
    };
    let k = t(&mut || {
        std::hint::black_box(keccak(&code));
    });
    let c = t(&mut || {
        std::hint::black_box(check_code(&code, &params.code).unwrap());
    });
    let i = t(&mut || {
        std::hint::black_box(tally_gas_injector::instrument(&code, &params.schedule).unwrap());
    });
    let inst = tally_gas_injector::instrument(&code, &params.schedule).unwrap();
    let m = t(&mut || {
        std::hint::black_box(tally_vm::Module::new(&engine, &inst).unwrap());
    });
    let len = code.len() as f64;
    println!("{path}: {} bytes; ns/byte: keccak {:.2} check {:.2} instrument {:.2} translate {:.2} total {:.2}; total {:.1} us",
        code.len(), k/len, c/len, i/len, m/len, (k+c+i+m)/len, (k+c+i+m)/1000.0);
}
