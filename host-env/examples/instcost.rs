use std::sync::Arc;
use std::time::Instant;
use tally_host_env::*;
fn main() {
    let rt = Runtime::new(Params::default()).unwrap();
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let ctx = BlockContext { height: 1, time: 1, chain_id: 1 };
    let mut reqs = Vec::new();
    for path in std::env::args().skip(1) {
        let code = wat::parse_file(&path).unwrap();
        let d = rt
            .deploy(
                &storage,
                &DeployRequest {
                    code,
                    deployer: Address([1; 32]),
                    init: None,
                    input: vec![],
                    gas_limit: u64::MAX / 4,
                    context: ctx.clone(),
                },
            )
            .unwrap();
        assert_eq!(d.receipt.status, Status::Ok, "{path}");
        reqs.push((
            path,
            CallRequest {
                contract: d.address,
                method: "run".into(),
                input: vec![],
                caller: Address([2; 32]),
                gas_limit: u64::MAX / 4,
                context: ctx.clone(),
            },
        ));
    }
    for (path, req) in &reqs {
        let r = rt.query(&storage, req).unwrap();
        let mut t = Vec::new();
        for _ in 0..50 {
            let s = Instant::now();
            std::hint::black_box(rt.query(&storage, req).unwrap());
            t.push(s.elapsed().as_nanos() as f64);
        }
        t.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{path}: {:.1} us, gas {} ({:.3} ns/1000 gas)",
            t[25] / 1000.0,
            r.gas_used,
            t[25] / r.gas_used as f64 * 1000.0
        );
    }
}
