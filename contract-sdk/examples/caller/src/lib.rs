//! The caller of the cross-contract call example: reaches `callee` by method name through
//! `CallBuilder`, with the callee's own error type (the callee's crate is a dependency with
//! feature `ref-only`, for its types). `pool` shows the typed reference instead.
#![no_std]

extern crate alloc;

/// The caller contract.
#[tally_sdk::contract]
pub mod caller {
    use callee::callee::CalleeError;
    use tally_sdk::prelude::*;

    /// The last value the callee returned.
    #[storage]
    pub struct Caller {
        last: Item<u64>,
    }

    impl Caller {
        /// Calls `callee.bump(by)` with at most `gas`, stores and returns the new count.
        #[call]
        pub fn bump(&mut self, callee: Address, by: u64, gas: u64) -> Result<u64, CallError> {
            let count: u64 = CallBuilder::new(callee, "bump").args(&(by,)).gas(gas).call()?;
            self.last.set(&count);
            Ok(count)
        }

        /// Reads `callee.get()` read-only.
        #[view]
        pub fn peek(&self, callee: Address) -> Result<u64, CallError> {
            CallBuilder::new(callee, "get").read_only().call()
        }

        /// Calls `callee.fail(code)`; returns the code decoded from its revert data. The
        /// caller's own write survives the callee's failure.
        #[call]
        pub fn try_fail(&mut self, callee: Address, code: u32) -> Result<u32, CallError> {
            self.last.set(&1000);
            match CallBuilder::new(callee, "fail").args(&(code,)).call::<()>() {
                Ok(()) => Ok(0),
                Err(e) => match e.revert_as::<CalleeError>() {
                    Some(CalleeError::Failed(c)) => Ok(c),
                    None => Err(e),
                },
            }
        }

        /// Calls `callee.panic_now()` and returns the error (expected: `Trapped`).
        #[call]
        pub fn try_panic(&mut self, callee: Address) -> Option<CallError> {
            CallBuilder::new(callee, "panic_now").call::<()>().err()
        }

        /// Calls a method the callee does not have; returns the error (expected: a revert with
        /// `DispatchError::UnknownSelector`).
        #[call]
        pub fn try_missing(&mut self, callee: Address) -> Option<DispatchError> {
            CallBuilder::new(callee, "no_such_method").call::<()>().err().and_then(|e| e.dispatch_error())
        }

        /// Has the callee call back into `ping` here: denied unless `allow_reentry`. Reverts
        /// with the callee's `CallError` on failure.
        #[call]
        pub fn reenter(&mut self, callee: Address, allow_reentry: bool) -> Result<u64, CallError> {
            let me = env::self_address();
            CallBuilder::new(callee, "call_back")
                .args(&(me, allow_reentry))
                .call::<u64>()
                .map_err(|e| e.revert_as::<CallError>().unwrap_or(e))
        }

        /// The target of `reenter`.
        #[view]
        pub fn ping(&self) -> u64 {
            7
        }

        /// The last stored count.
        #[view]
        pub fn last(&self) -> u64 {
            self.last.get_or_default()
        }
    }
}
