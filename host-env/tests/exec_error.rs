//! Which inputs reach each `ExecError` variant: a backend failure reaches `Storage`; no request,
//! module, call data or stored value reaches any variant (they end in receipts).

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use tally_host_env::*;

/// A memory store that fails every operation once told to.
struct Failing {
    inner: MemoryStorage,
    broken: AtomicBool,
}

impl Failing {
    fn check(&self) -> Result<(), StorageError> {
        if self.broken.load(Ordering::SeqCst) {
            Err(StorageError::Backend { message: "disk on fire".into() })
        } else {
            Ok(())
        }
    }
}

impl Storage for Failing {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.check()?;
        self.inner.get(key)
    }

    fn scan_prefix(&self, prefix: &[u8], visit: &mut ScanVisitor<'_>) -> Result<(), StorageError> {
        self.check()?;
        self.inner.scan_prefix(prefix, visit)
    }

    fn commit(&self, writes: &WriteSet) -> Result<(), StorageError> {
        self.check()?;
        self.inner.commit(writes)
    }
}

#[test]
fn a_backend_failure_is_the_storage_variant_and_nothing_else_is_an_error() {
    let failing = Arc::new(Failing { inner: MemoryStorage::new(), broken: AtomicBool::new(false) });
    let storage: Arc<dyn Storage> = failing.clone();
    let chain = Chain::new(storage.clone());
    let c = chain.deploy(COUNTER, addr(1));
    assert_eq!(chain.call(c, "inc", &[]).status, Status::Ok);
    failing.broken.store(true, Ordering::SeqCst);
    let err = chain.rt.call(&storage, &chain.req(c, "inc", &[])).unwrap_err();
    assert!(matches!(err, ExecError::Storage(StorageError::Backend { .. })), "{err}");
    let deploy = DeployRequest {
        code: wasm(COUNTER),
        deployer: addr(1),
        init: None,
        input: vec![],
        gas_limit: GAS,
        context: chain.context.clone(),
    };
    assert!(matches!(chain.rt.deploy(&storage, &deploy), Err(ExecError::Storage(_))));
    // Once the backend recovers, nothing of the failed executions remains.
    failing.broken.store(false, Ordering::SeqCst);
    assert_eq!(u64_of(&chain.call(c, "get", &[]).return_data), 1);
    let proxy = chain.deploy(PROXY, addr(2));
    assert_eq!(chain.call(proxy, "forward_inc", &c.0).status, Status::Ok);
}

/// Stored values under the host's own keys, as an attacker with write access to nothing but
/// deploys and calls could never produce them, and as a corrupted or foreign database might.
fn arbitrary_state() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    let key = prop_oneof![Just(b"a:".to_vec()), Just(b"c:".to_vec()), Just(b"n:".to_vec()), Just(b"s:".to_vec())]
        .prop_flat_map(|prefix| {
            (
                Just(prefix),
                prop_oneof![Just(vec![0x11; 32]), Just(vec![0x22; 32]), proptest::collection::vec(any::<u8>(), 0..40)],
            )
        })
        .prop_map(|(p, k)| [p, k].concat());
    proptest::collection::vec((key, proptest::collection::vec(any::<u8>(), 0..64)), 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Random code, call data and stored values: every deploy, call and query ends in a receipt.
    #[test]
    fn no_input_reaches_an_exec_error(
        code in proptest::collection::vec(any::<u8>(), 0..200),
        mutate in proptest::collection::vec((any::<u16>(), any::<u8>()), 0..4),
        input in proptest::collection::vec(any::<u8>(), 0..100),
        state in arbitrary_state(),
        method in "[a-z_]{0,8}",
        gas in prop_oneof![Just(1u64), Just(1_000_000u64), Just(GAS)],
    ) {
        let chain = Chain::memory();
        let mut ws = WriteSet::new();
        for (k, v) in state {
            ws.set(k, v);
        }
        chain.storage.commit(&ws).unwrap();
        // Random bytes, and a valid contract with a few bytes changed.
        let mut mutated = wasm(COUNTER);
        for (at, byte) in mutate {
            let at = usize::from(at) % mutated.len();
            mutated[at] = byte;
        }
        for code in [code, mutated] {
            let deploy = DeployRequest {
                code,
                deployer: addr(0x11),
                init: (!method.is_empty()).then(|| method.clone()),
                input: input.clone(),
                gas_limit: gas,
                context: chain.context.clone(),
            };
            let d = chain.rt.deploy(&chain.storage, &deploy);
            prop_assert!(d.is_ok(), "{d:?}");
            let d = d.unwrap();
            for target in [d.address, Address([0x11; 32]), Address([0x22; 32])] {
                let mut req = chain.req(target, &method, &input);
                req.gas_limit = gas;
                let r = chain.rt.call(&chain.storage, &req);
                prop_assert!(r.is_ok(), "{r:?}");
                let q = chain.rt.query(&chain.storage, &req);
                prop_assert!(q.is_ok(), "{q:?}");
            }
        }
    }
}
