//! The `#[contract]` expansion also compiles natively (without the wasm exports), so contract
//! crates can be checked and unit-tested on the host; its metadata, event topics, typed
//! reference and typed client are usable there.

use parity_scale_codec::{Decode, Encode};
use tally_sdk::client::{Chain, ClientCall};
use tally_sdk::storage::Layout;
use tally_sdk::{Address, ContractRef, Event};

#[tally_sdk::contract]
mod counter {
    use tally_sdk::prelude::*;

    /// State.
    #[storage]
    pub struct Counter {
        pub count: Item<u64>,
        #[prefix = b"\x01"]
        pub owners: Map<Address, bool>,
    }

    /// Bumped.
    #[event]
    pub struct Bumped {
        #[topic]
        pub by: Address,
        pub count: u64,
    }

    /// Errors.
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Error {
        NotOwner,
    }

    impl Counter {
        #[init]
        pub fn init(&mut self, start: u64) {
            self.count.set(&start);
        }

        #[call]
        pub fn bump(&mut self, _: u8) -> Result<u64, Error> {
            Err(Error::NotOwner)
        }

        #[view]
        pub fn get(&self) -> u64 {
            self.count.get_or_default()
        }
    }
}

#[test]
fn metadata_layout_and_events_are_available_natively() {
    let m = counter::metadata();
    assert_eq!(m.contract, "Counter");
    assert_eq!(m.storage[1].prefix, [1]);
    assert_eq!(m.methods[1].args[0].name, "_");
    // The registry defines what the strings name: `bump` returns `Result<u64, Error>`, so its
    // return data is a `u64` and its revert data an `Error` with its variants.
    let bump = &m.methods[1].returns.as_ref().expect("returns");
    assert_eq!((bump.type_name.as_str(), m.type_name(bump.ok)), ("Result<u64, Error>", "u64".to_string()));
    let err = bump.err.expect("an error type");
    let shown = |ty, data: &[u8]| tally_sdk::metadata::value::decode_all(&m.types, ty, data).map(|v| v.to_string());
    assert_eq!(shown(err, &counter::Error::NotOwner.encode()), Ok("Error::NotOwner".to_string()));
    let event = &m.events[0];
    assert_eq!(event.topics, ["by"]);
    let bumped = counter::Bumped { by: Address([5; 32]), count: 3 }.encode();
    assert_eq!(shown(event.ty, &bumped), Ok(format!("Bumped {{ by: 0x{}, count: 3 }}", "05".repeat(32))));
    let dispatch = tally_sdk::dispatch::DispatchError::UnknownSelector([1, 2, 3, 4]).encode();
    assert_eq!(shown(m.dispatch_error, &dispatch), Ok("DispatchError::UnknownSelector(0x01020304)".to_string()));
    // The section's bytes parse back, strictly, to the same metadata.
    assert_eq!(tally_sdk::metadata::Metadata::parse(&m.to_section()), Ok(m));
    let layout = counter::Counter::layout();
    assert_eq!(layout.count.key(), b"count");
    assert_eq!(layout.owners.key_of(&tally_sdk::Address([7; 32])), [&[1u8][..], &[7; 32]].concat());
    let e = counter::Bumped { by: tally_sdk::Address([5; 32]), count: 3 };
    assert_eq!(e.topics(), vec![tally_sdk::selector::const_keccak256(b"Bumped"), [5; 32]]);
    assert_eq!(parity_scale_codec::Encode::encode(&counter::Error::NotOwner), [0]);
}

/// A chain that runs nothing: it records each call and answers with canned data, to check what
/// the typed client encodes and how it decodes.
#[derive(Default)]
struct Canned {
    calls: Vec<ClientCall>,
    deployed: Vec<(Vec<u8>, Address, Vec<u8>)>,
    /// `Ok(return data)` or `Err(revert data)` for the next call.
    answer: Option<Result<Vec<u8>, Vec<u8>>>,
}

impl Chain for Canned {
    type Failure = String;

    fn deploy_code(&mut self, code: &[u8], from: Address, input: Vec<u8>) -> Result<Address, String> {
        self.deployed.push((code.to_vec(), from, input));
        Ok(Address([0xc0; 32]))
    }

    fn deploy_code_result<E: Decode>(
        &mut self,
        code: &[u8],
        from: Address,
        input: Vec<u8>,
    ) -> Result<Result<Address, E>, String> {
        self.deploy_code(code, from, input).map(Ok)
    }

    fn invoke<R: Decode>(&mut self, call: ClientCall) -> Result<R, String> {
        self.calls.push(call);
        match self.answer.take().expect("an answer") {
            Ok(data) => R::decode(&mut &data[..]).map_err(|e| e.to_string()),
            Err(data) => Err(format!("reverted with {data:?}")),
        }
    }

    fn invoke_result<T: Decode, E: Decode>(&mut self, call: ClientCall) -> Result<Result<T, E>, String> {
        self.calls.push(call);
        match self.answer.take().expect("an answer") {
            Ok(data) => T::decode(&mut &data[..]).map(Ok).map_err(|e| e.to_string()),
            Err(data) => {
                tally_sdk::call::method_error::<E>(&data).map(Err).ok_or_else(|| format!("reverted with {data:?}"))
            }
        }
    }

    fn events_of<E: Event + Decode>(&self, _: Address) -> Vec<E> {
        Vec::new()
    }
}

#[test]
fn the_typed_client_encodes_arguments_and_decodes_results() {
    let mut chain = Canned::default();
    let alice = Address([0xa1; 32]);
    let counter = counter::CounterClient::deploy(&mut chain, b"code", alice, 5).unwrap();
    assert_eq!(counter.address(), Address([0xc0; 32]));
    assert_eq!(chain.deployed, [(b"code".to_vec(), alice, 5u64.encode())], "init arguments, no selector");

    chain.answer = Some(Ok(7u64.encode()));
    assert_eq!(counter.query(&mut chain).get(), Ok(7));
    let get = &chain.calls[0];
    assert_eq!((get.contract, get.from, get.method, get.read_only), (counter.address(), Address::ZERO, "get", true));
    assert_eq!(get.input, tally_sdk::selector("get").to_vec());

    // `Result` methods: `Ok` data is the value; a revert with exactly one `E` is `Ok(Err(e))`.
    chain.answer = Some(Ok(9u64.encode()));
    assert_eq!(counter.call(&mut chain, alice).bump(3), Ok(Ok(9)));
    let bump = &chain.calls[1];
    assert_eq!((bump.from, bump.method, bump.read_only), (alice, "bump", false));
    assert_eq!(bump.input, [&tally_sdk::selector("bump")[..], &[3]].concat());
    chain.answer = Some(Err(counter::Error::NotOwner.encode()));
    assert_eq!(counter.call(&mut chain, alice).bump(3), Ok(Err(counter::Error::NotOwner)));
    chain.answer = Some(Err(vec![7, 7]));
    assert_eq!(counter.call(&mut chain, alice).bump(3), Err("reverted with [7, 7]".to_string()));
    // The dispatcher's error is never a method's error, even one whose type would decode it.
    let dispatch = tally_sdk::dispatch::DispatchError::BadArguments([0; 4]).revert_data();
    assert_eq!(dispatch.len(), 9);
    assert_eq!(tally_sdk::call::method_error::<[u8; 9]>(&dispatch), None);
    assert_eq!(tally_sdk::call::method_error::<[u8; 9]>(&[1; 9]), Some([1; 9]));
    assert_eq!(tally_sdk::call::method_error::<[u8; 9]>(&[1; 10]), None, "exactly one value");
}

#[test]
fn the_typed_reference_carries_its_options() {
    let r = counter::CounterRef::at(Address([4; 32]));
    assert_eq!(r.address(), Address([4; 32]));
    assert_eq!((r.target().gas(), r.target().flags()), (u64::MAX, 0));
    let r = r.gas(5_000).allow_reentry().read_only();
    assert_eq!(
        (r.target().gas(), r.target().flags()),
        (5_000, tally_sdk::call::ALLOW_REENTRY | tally_sdk::call::READ_ONLY)
    );
}

#[test]
#[should_panic(expected = "only available when the contract runs on wasm32")]
fn host_functions_panic_off_wasm() {
    tally_sdk::env::block_height();
}
