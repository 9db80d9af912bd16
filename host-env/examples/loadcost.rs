use std::sync::Arc;
use std::time::Instant;
use tally_host_env::*;
const LOOP: &str = r#"(module (memory 1)
  (func (export "run") (local i32 i64)
    (local.set 0 (i32.const 200000))
    (loop $l
      (local.set 1 (i64.add (i64.mul (local.get 1) (i64.const 6364136223846793005)) (i64.const 1442695040888963407)))
      (i64.store (i32.and (i32.wrap_i64 (local.get 1)) (i32.const 4088)) (local.get 1))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))))"#;
fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let rt = Runtime::new(Params::default()).unwrap();
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let ctx = BlockContext { height: 1, time: 1, chain_id: 1 };
    let d = rt
        .deploy(
            &storage,
            &DeployRequest {
                code: wat::parse_str(LOOP).unwrap(),
                deployer: Address([1; 32]),
                init: None,
                input: vec![],
                gas_limit: u64::MAX / 4,
                context: ctx.clone(),
            },
        )
        .unwrap();
    let req = CallRequest {
        contract: d.address,
        method: "run".into(),
        input: vec![],
        caller: Address([2; 32]),
        gas_limit: u64::MAX / 4,
        context: ctx,
    };
    let gas = rt.query(&storage, &req).unwrap().gas_used;
    for path in paths {
        let code = if path.ends_with(".wat") { wat::parse_file(&path).unwrap() } else { std::fs::read(&path).unwrap() };
        let mut ratios = Vec::new();
        let mut ns_byte = Vec::new();
        let mut ns_kgas = Vec::new();
        for _ in 0..30 {
            let s = Instant::now();
            std::hint::black_box(rt.check(&code).unwrap());
            let a = s.elapsed().as_nanos() as f64;
            let s = Instant::now();
            std::hint::black_box(rt.query(&storage, &req).unwrap());
            let b = s.elapsed().as_nanos() as f64;
            let per_byte = a / code.len() as f64;
            let per_gas = b / gas as f64;
            ratios.push(per_byte / per_gas);
            ns_byte.push(per_byte);
            ns_kgas.push(per_gas * 1000.0);
        }
        let med = |v: &mut Vec<f64>| {
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v[v.len() / 2]
        };
        println!(
            "{path}: {} bytes: prepare {:.1} ns/byte; loop {:.3} ns/1000 gas; prepare = {:.0} gas-equivalent per byte",
            code.len(),
            med(&mut ns_byte),
            med(&mut ns_kgas),
            med(&mut ratios)
        );
    }
}
