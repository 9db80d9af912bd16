//! The callee of the cross-contract call example: a counter that can also fail, panic, and
//! call back into its caller.
#![no_std]

extern crate alloc;

/// The callee contract.
#[tally_sdk::contract]
pub mod callee {
    use tally_sdk::prelude::*;

    /// A counter.
    #[storage]
    pub struct Callee {
        count: Item<u64>,
    }

    /// A deliberate failure.
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum CalleeError {
        /// `fail` was asked to fail with this code.
        Failed(u32),
    }

    impl Callee {
        /// Adds `by` and returns the new count.
        #[call]
        pub fn bump(&mut self, by: u64) -> u64 {
            let count = self.count.get_or_default() + by;
            self.count.set(&count);
            count
        }

        /// The count.
        #[view]
        pub fn get(&self) -> u64 {
            self.count.get_or_default()
        }

        /// Bumps the count, then reverts with `CalleeError::Failed(code)` (the bump is rolled
        /// back).
        #[call]
        pub fn fail(&mut self, code: u32) -> Result<(), CalleeError> {
            self.bump(1);
            Err(CalleeError::Failed(code))
        }

        /// Bumps the count, then panics.
        #[call]
        pub fn panic_now(&mut self) {
            self.bump(1);
            panic!("deliberate");
        }

        /// Calls `ping` of `target` (usually the contract that called us), optionally allowing
        /// re-entry; a failed call reverts with the `CallError`.
        #[call]
        pub fn call_back(&mut self, target: Address, allow_reentry: bool) -> Result<u64, CallError> {
            let call = CallBuilder::new(target, "ping");
            let call = if allow_reentry { call.allow_reentry() } else { call };
            call.call::<u64>()
        }
    }
}
