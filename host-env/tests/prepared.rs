//! The node's prepared-code store: a restarted node loads deployed code from it (the redb table
//! beside the state) and gets the very receipt a node preparing the code afresh gets; a damaged
//! entry is a miss (the code is prepared again, at the same gas), whichever byte is damaged; a
//! change of params makes entries stale without changing anything but node time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use parity_scale_codec::Encode;
use tally_host_env::*;

use crate::common::{self, addr, COUNTER};
use crate::redb_tmp::TempDir;

/// A store that counts what it is asked and can damage what it hands out: `flip` xors one byte
/// of every entry it returns.
#[derive(Default)]
struct Probe {
    inner: MemoryPreparedStore,
    hits: AtomicUsize,
    puts: AtomicUsize,
    flip: Mutex<Option<(usize, u8)>>,
}

impl PreparedStore for Probe {
    fn get(&self, key: &PreparedKey) -> Result<Option<Vec<u8>>, StorageError> {
        let mut found = self.inner.get(key)?;
        if let Some(entry) = &mut found {
            self.hits.fetch_add(1, Ordering::Relaxed);
            if let Some((at, bits)) = *self.flip.lock().unwrap() {
                if let Some(byte) = entry.get_mut(at) {
                    *byte ^= bits;
                }
            }
        }
        Ok(found)
    }

    fn put(&self, key: &PreparedKey, entry: &[u8]) -> Result<(), StorageError> {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.inner.put(key, entry)
    }

    fn remove(&self, key: &PreparedKey) -> Result<(), StorageError> {
        self.inner.remove(key)
    }
}

/// Counts the hits and puts of a store it wraps.
struct Counting<S> {
    inner: S,
    hits: AtomicUsize,
    puts: AtomicUsize,
}

impl<S: PreparedStore> PreparedStore for Counting<S> {
    fn get(&self, key: &PreparedKey) -> Result<Option<Vec<u8>>, StorageError> {
        let found = self.inner.get(key)?;
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        Ok(found)
    }
    fn put(&self, key: &PreparedKey, entry: &[u8]) -> Result<(), StorageError> {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.inner.put(key, entry)
    }
    fn remove(&self, key: &PreparedKey) -> Result<(), StorageError> {
        self.inner.remove(key)
    }
}

fn golden(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn context() -> BlockContext {
    BlockContext { height: 7, time: 1_700_000_000, chain_id: 42 }
}

fn sdk_input(method: &str, args: impl Encode) -> Vec<u8> {
    let mut input = keccak(method.as_bytes())[..4].to_vec();
    args.encode_to(&mut input);
    input
}

#[test]
fn a_restarted_node_loads_from_its_database_and_matches_a_node_that_prepares_afresh() {
    let dir = TempDir::new("prepared-restart");
    let (path, copy) = (dir.join("node.redb"), dir.join("fresh.redb"));
    let alice = addr(0xa1);
    let token = {
        let db = Arc::new(RedbStorage::open(&path).unwrap());
        let rt = Runtime::with_code_store(Params::default(), DEFAULT_CODE_CACHE_BYTES, Arc::new(db.prepared_store()))
            .unwrap();
        let storage: Arc<dyn Storage> = db;
        let init = ("Tally".to_string(), "TLY".to_string(), 18u8, 1_000_000u128);
        let req = DeployRequest {
            code: golden("token.wasm"),
            deployer: alice,
            init: Some("deploy".into()),
            input: init.encode(),
            gas_limit: common::GAS,
            context: context(),
        };
        let deployed = rt.deploy(&storage, &req).unwrap();
        assert_eq!(deployed.receipt.status, Status::Ok, "{:?}", deployed.receipt);
        deployed.address
    };
    // The same state for a node that has never seen the code prepared.
    std::fs::copy(&path, &copy).unwrap();
    let transfer = CallRequest {
        contract: token,
        method: "call".into(),
        input: sdk_input("transfer", (addr(0xb0), 250u128)),
        caller: alice,
        gas_limit: common::GAS,
        context: context(),
    };
    let restarted = {
        let db = Arc::new(RedbStorage::open(&path).unwrap());
        let store =
            Arc::new(Counting { inner: db.prepared_store(), hits: AtomicUsize::new(0), puts: AtomicUsize::new(0) });
        let rt = Runtime::with_code_store(Params::default(), DEFAULT_CODE_CACHE_BYTES, store.clone()).unwrap();
        let storage: Arc<dyn Storage> = db;
        let receipt = rt.call(&storage, &transfer).unwrap();
        assert_eq!(store.hits.load(Ordering::Relaxed), 1, "the restarted node did not find the entry");
        assert_eq!(store.puts.load(Ordering::Relaxed), 0, "the restarted node prepared the code again");
        receipt
    };
    // The copy is a database from another party (a state snapshot): its receiver drops the
    // prepared table before use, so it decodes nothing it did not write itself.
    let fresh = {
        let db = Arc::new(RedbStorage::open(&copy).unwrap());
        db.prepared_store().clear().unwrap();
        let store =
            Arc::new(Counting { inner: db.prepared_store(), hits: AtomicUsize::new(0), puts: AtomicUsize::new(0) });
        let rt = Runtime::with_code_store(Params::default(), DEFAULT_CODE_CACHE_BYTES, store.clone()).unwrap();
        let storage: Arc<dyn Storage> = db;
        let receipt = rt.call(&storage, &transfer).unwrap();
        assert_eq!(store.hits.load(Ordering::Relaxed), 0, "a cleared prepared table still held the entry");
        assert_eq!(store.puts.load(Ordering::Relaxed), 1, "the fresh node should have prepared the code");
        receipt
    };
    assert_eq!(restarted.status, Status::Ok, "{restarted:?}");
    assert_eq!(restarted, fresh, "a load from the prepared-code store changed the receipt");
}

#[test]
fn every_damaged_byte_of_an_entry_is_a_miss_with_the_same_receipt() {
    let probe = Arc::new(Probe::default());
    // No cache: every call loads through the store.
    let rt = Runtime::with_code_store(Params::default(), 0, probe.clone()).unwrap();
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let chain = common::Chain { rt, storage, context: context() };
    let counter = chain.deploy(COUNTER, addr(1));
    chain.call(counter, "inc", &[]);
    let baseline = chain.query(counter, "get");
    assert_eq!(baseline.status, Status::Ok);
    let key = PreparedKey { code_hash: keccak(&common::wasm(COUNTER)), params_hash: Params::default().params_hash() };
    let entry = probe.inner.get(&key).unwrap().expect("deploy stored the entry");
    let puts_before = probe.puts.load(Ordering::Relaxed);
    for at in 0..entry.len() {
        *probe.flip.lock().unwrap() = Some((at, 1 << (at % 8)));
        assert_eq!(chain.query(counter, "get"), baseline, "byte {at} damaged changed the receipt");
    }
    let misses = probe.puts.load(Ordering::Relaxed) - puts_before;
    assert_eq!(misses, entry.len(), "every damaged entry must be a miss (prepared and stored again)");
    // The entry stored again is the node's own: loading it again is a hit.
    *probe.flip.lock().unwrap() = None;
    let puts = probe.puts.load(Ordering::Relaxed);
    assert_eq!(chain.query(counter, "get"), baseline);
    assert_eq!(probe.puts.load(Ordering::Relaxed), puts, "an intact entry was not used");
    for len in [0, 31, 32, 33, entry.len() / 2, entry.len() - 1] {
        probe.inner.put(&key, &entry[..len]).unwrap();
        assert_eq!(chain.query(counter, "get"), baseline, "an entry cut to {len} bytes changed the receipt");
    }
}

/// A store that keeps nothing and says so, counting what it is still given.
#[derive(Default)]
struct Forgetful {
    puts: AtomicUsize,
}

impl PreparedStore for Forgetful {
    fn get(&self, key: &PreparedKey) -> Result<Option<Vec<u8>>, StorageError> {
        NoPreparedStore.get(key)
    }
    fn put(&self, _: &PreparedKey, _: &[u8]) -> Result<(), StorageError> {
        self.puts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
    fn remove(&self, _: &PreparedKey) -> Result<(), StorageError> {
        Ok(())
    }
    fn keeps_entries(&self) -> bool {
        false
    }
}

#[test]
fn a_store_that_keeps_nothing_is_given_no_entry_and_changes_no_receipt() {
    assert!(!NoPreparedStore.keeps_entries() && MemoryPreparedStore::new().keeps_entries());
    let run = |store: Arc<dyn PreparedStore>| {
        // No cache: every load prepares the code (or decodes the entry) again.
        let rt = Runtime::with_code_store(Params::default(), 0, store).unwrap();
        let chain = common::Chain { rt, storage: Arc::new(MemoryStorage::new()), context: context() };
        let counter = chain.deploy(COUNTER, addr(1));
        let inc = chain.call(counter, "inc", &[]);
        (inc, chain.query(counter, "get"))
    };
    let forgetful = Arc::new(Forgetful::default());
    let keeping = Arc::new(MemoryPreparedStore::new());
    let (inc, get) = run(forgetful.clone());
    assert_eq!(get.status, Status::Ok, "{get:?}");
    assert_eq!((inc, get), run(keeping.clone()), "the store changed a receipt");
    assert_eq!(forgetful.puts.load(Ordering::Relaxed), 0, "an entry was serialized for a store that keeps none");
    assert_eq!(keeping.len(), 1, "the keeping store got the deploy's entry");
}

#[test]
fn other_params_miss_and_prepare_stored_readies_the_entry() {
    let probe = Arc::new(Probe::default());
    let storage: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let rt = Runtime::with_code_store(Params::default(), 0, probe.clone()).unwrap();
    let chain = common::Chain { rt, storage: storage.clone(), context: context() };
    let counter = chain.deploy(COUNTER, addr(1));
    assert_eq!(probe.inner.len(), 1);
    let mut upgraded = Params::default();
    upgraded.host.load += 1;
    let next = Runtime::with_code_store(upgraded.clone(), 0, probe.clone()).unwrap();
    let code_hash = keccak(&common::wasm(COUNTER));
    assert_eq!(next.prepare_stored(&storage, code_hash), Ok(true));
    assert_eq!(next.prepare_stored(&storage, [0; 32]), Ok(false));
    assert_eq!(probe.inner.len(), 2, "the new params' entry is stored beside the old one");
    let puts = probe.puts.load(Ordering::Relaxed);
    let chain = common::Chain { rt: next, storage, context: context() };
    assert_eq!(chain.query(counter, "get").status, Status::Ok);
    assert_eq!(probe.puts.load(Ordering::Relaxed), puts, "the readied entry was not used");
}

#[test]
fn every_sdk_example_round_trips_with_the_same_ir_listing() {
    let params = Params::default();
    let engine = tally_vm::Engine::new(params.vm_config());
    let other = tally_vm::Engine::new(params.vm_config());
    let listing = |m: &tally_vm::Module| -> String {
        (0..).map_while(|i| m.func_type(i).map(|_| m.ir_text(i))).flatten().collect()
    };
    for name in ["token", "escrow", "caller", "callee", "probe"] {
        let instrumented = tally_gas_injector::instrument(&golden(&format!("{name}.wasm")), &params.schedule).unwrap();
        let module = tally_vm::Module::new(&engine, &instrumented).unwrap();
        let bytes = module.serialize().unwrap();
        // SAFETY: the bytes come straight from `serialize` in this process.
        let copy = unsafe { tally_vm::Module::deserialize(&other, &bytes) }.unwrap();
        assert_eq!(listing(&copy), listing(&module), "{name}: the round trip changed the code");
        assert_eq!(copy.serialize().unwrap(), bytes, "{name}");
    }
}
