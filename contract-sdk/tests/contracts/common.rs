//! A chain for the SDK's tests: the real `Runtime` over `MemoryStorage`, and the examples
//! built for wasm32 by `tally-sdk-build`.
#![allow(dead_code)]

use std::sync::Arc;

use parity_scale_codec::{Decode, Encode};
use tally_host_env::{
    Address, BlockContext, CallRequest, DeployRequest, MemoryStorage, Params, Receipt, Runtime, Status, Storage,
};

/// Gas limit of every request.
pub const GAS: u64 = 10_000_000_000;

/// An address with every byte `b`.
pub fn addr(b: u8) -> Address {
    Address([b; 32])
}

/// The SDK's view of a host address.
pub fn sdk(a: Address) -> tally_sdk::Address {
    tally_sdk::Address(a.0)
}

/// The code of an example contract (built once per test process).
pub fn example(name: &str) -> Vec<u8> {
    tally_sdk_build::example(name).unwrap_or_else(|e| panic!("{e}"))
}

/// A runtime over in-memory storage.
pub struct Chain {
    pub rt: Runtime,
    pub storage: Arc<dyn Storage>,
    pub context: BlockContext,
}

impl Chain {
    pub fn new() -> Self {
        Chain {
            rt: Runtime::new(Params::default()).expect("runtime"),
            storage: Arc::new(MemoryStorage::new()),
            context: BlockContext { height: 7, time: 1_700_000_000, chain_id: 42 },
        }
    }

    /// Deploys example `name` as `deployer`, running `deploy` with the raw `input`.
    pub fn deploy_raw(&self, name: &str, deployer: Address, input: Vec<u8>) -> tally_host_env::Deployed {
        self.rt
            .deploy(
                &self.storage,
                &DeployRequest {
                    code: example(name),
                    deployer,
                    init: Some("deploy".into()),
                    input,
                    gas_limit: GAS,
                    context: self.context.clone(),
                },
            )
            .expect("deploy")
    }

    /// Deploys example `name` with SCALE-encoded init arguments; asserts success.
    pub fn deploy(&self, name: &str, deployer: Address, args: impl Encode) -> Address {
        let d = self.deploy_raw(name, deployer, args.encode());
        assert_eq!(d.receipt.status, Status::Ok, "deploying {name}: {:?}", d.receipt);
        d.address
    }

    /// The request `selector(method) ‖ SCALE(args)` to export `call`.
    pub fn req(&self, contract: Address, caller: Address, method: &str, args: impl Encode) -> CallRequest {
        let mut input = tally_sdk::selector(method).to_vec();
        args.encode_to(&mut input);
        self.raw_req(contract, caller, input)
    }

    /// A request to export `call` with raw input.
    pub fn raw_req(&self, contract: Address, caller: Address, input: Vec<u8>) -> CallRequest {
        CallRequest { contract, method: "call".into(), input, caller, gas_limit: GAS, context: self.context.clone() }
    }

    /// Calls `method` with `args` as `caller`.
    pub fn call(&self, contract: Address, caller: Address, method: &str, args: impl Encode) -> Receipt {
        self.rt.call(&self.storage, &self.req(contract, caller, method, args)).expect("call")
    }

    /// Queries `method` with `args` (read-only, nothing committed).
    pub fn query(&self, contract: Address, method: &str, args: impl Encode) -> Receipt {
        self.rt.query(&self.storage, &self.req(contract, addr(0xee), method, args)).expect("query")
    }

    /// Queries and decodes the result; asserts success.
    pub fn view<R: Decode>(&self, contract: Address, method: &str, args: impl Encode) -> R {
        let r = self.query(contract, method, args);
        assert_eq!(r.status, Status::Ok, "{method}: {r:?}");
        decode(&r.return_data)
    }

    /// Every stored entry.
    pub fn dump(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.storage.entries_with_prefix(b"", usize::MAX).expect("scan")
    }
}

/// Decodes all of `bytes` as `T`.
pub fn decode<T: Decode>(bytes: &[u8]) -> T {
    let mut input = bytes;
    let v = T::decode(&mut input).unwrap_or_else(|e| panic!("decoding {bytes:?}: {e}"));
    assert!(input.is_empty(), "{} bytes left over decoding {bytes:?}", input.len());
    v
}

/// Asserts `r` succeeded and decodes its return data.
pub fn ok<T: Decode>(r: &Receipt) -> T {
    assert_eq!(r.status, Status::Ok, "{r:?}");
    decode(&r.return_data)
}

/// Asserts `r` reverted and decodes its revert data.
pub fn reverted<T: Decode>(r: &Receipt) -> T {
    assert_eq!(r.status, Status::Reverted, "{r:?}");
    decode(&r.return_data)
}
