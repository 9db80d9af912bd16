//! The `#[contract]` expansion also compiles natively (without the wasm exports), so contract
//! crates can be checked and unit-tested on the host; its metadata and event topics are usable
//! there.

use tally_sdk::storage::Layout;
use tally_sdk::Event;

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
    let m: serde_json::Value = serde_json::from_str(counter::METADATA_JSON).expect("JSON");
    assert_eq!(m["contract"], "Counter");
    assert_eq!(m["storage"][1]["prefix"], "0x01");
    assert_eq!(m["methods"][1]["args"][0]["name"], "_");
    assert_eq!(m["methods"][2]["returns"], "u64");
    let layout = counter::Counter::layout();
    assert_eq!(layout.count.key(), b"count");
    assert_eq!(layout.owners.key_of(&tally_sdk::Address([7; 32])), [&[1u8][..], &[7; 32]].concat());
    let e = counter::Bumped { by: tally_sdk::Address([5; 32]), count: 3 };
    assert_eq!(e.topics(), vec![tally_sdk::selector::const_keccak256(b"Bumped"), [5; 32]]);
    assert_eq!(parity_scale_codec::Encode::encode(&counter::Error::NotOwner), [0]);
}

#[test]
#[should_panic(expected = "only available when the contract runs on wasm32")]
fn host_functions_panic_off_wasm() {
    tally_sdk::env::block_height();
}
