//! `TestChain` as the [`Chain`] of the typed clients `#[contract]` generates
//! (`tally_sdk::client`): `TokenClient::deploy(&mut chain, ..)`,
//! `token.call(&mut chain, alice).transfer(bob, 10)`, `token.events::<Transfer>(&chain)`.
//!
//! The clients encode arguments and decode results; everything else is what
//! [`TestChain::call`], [`TestChain::query`] and [`TestChain::deploy`] do: the real pipeline,
//! exact gas, the gas report (by method name), records and failures with named traps.

use parity_scale_codec::Decode;
use tally_host_env::{Address, Event, Receipt, Status};
use tally_sdk::client::{Chain, ClientCall};

use crate::failure::{self, Failure};
use crate::TestChain;

impl Chain for TestChain {
    type Failure = Failure;

    fn deploy_code(&mut self, code: &[u8], from: Address, input: Vec<u8>) -> Result<Address, Failure> {
        self.deploy_raw(code, from, Some("deploy"), input).map(|c| c.address())
    }

    fn deploy_code_result<E: Decode>(
        &mut self,
        code: &[u8],
        from: Address,
        input: Vec<u8>,
    ) -> Result<Result<Address, E>, Failure> {
        match self.deploy_raw(code, from, Some("deploy"), input) {
            Ok(contract) => Ok(Ok(contract.address())),
            Err(failure) => match failure.revert_data().and_then(tally_sdk::call::method_error::<E>) {
                Some(e) => Ok(Err(e)),
                None => Err(failure),
            },
        }
    }

    fn invoke<R: Decode>(&mut self, call: ClientCall) -> Result<R, Failure> {
        let (method, contract) = (call.method, call.contract);
        let receipt = self.run_client_call(call)?;
        self.returned(method, contract, receipt)
    }

    fn invoke_result<T: Decode, E: Decode>(&mut self, call: ClientCall) -> Result<Result<T, E>, Failure> {
        let (method, contract) = (call.method, call.contract);
        let receipt = self.run_client_call(call)?;
        if receipt.status == Status::Reverted {
            if let Some(e) = tally_sdk::call::method_error::<E>(&receipt.return_data) {
                return Ok(Err(e));
            }
        }
        self.returned(method, contract, receipt).map(Ok)
    }

    fn events_of<E: tally_sdk::Event + Decode>(&self, contract: Address) -> Vec<E> {
        self.events().iter().filter(|e| e.contract == contract).filter_map(|e| event_as::<E>(e)).collect()
    }
}

/// `event` as an `E`: by its signature topic, or for anonymous events by its data and the topics
/// that value has.
///
/// # Panics
///
/// If the event has `E`'s signature but its data does not decode as exactly one `E`.
fn event_as<E: tally_sdk::Event + Decode>(event: &Event) -> Option<E> {
    if E::ANONYMOUS {
        let value: E = failure::decode_all(&event.data).ok()?;
        return (value.topics() == event.topics).then_some(value);
    }
    if event.topics.first() != Some(&E::SIGNATURE) {
        return None;
    }
    let value = failure::decode_all(&event.data).unwrap_or_else(|err| {
        panic!("an event with the signature of `{}` does not decode as one: {err}", std::any::type_name::<E>())
    });
    Some(value)
}

impl TestChain {
    /// Runs a typed client's call like [`call`](Self::call) or [`query`](Self::query).
    fn run_client_call(&mut self, call: ClientCall) -> Result<Receipt, Failure> {
        let ClientCall { contract, from, method, input, read_only } = call;
        self.run(from, contract, "call", input, read_only, method)
            .map_err(|e| Failure::rejected(method, Some(contract), e))
    }
}
