//! A counter whose owner can replace its code (version 1; the `upgraded` example is version 2):
//! `upgrade` checks the caller is the owner, then `tally_sdk::install::set_code` installs the new
//! code and runs its `#[migrate]` method. Anyone else is refused by the contract's own logic.
#![no_std]

extern crate alloc;

/// The version 1 counter.
#[tally_sdk::contract]
pub mod upgradable {
    use tally_sdk::prelude::*;

    /// The counter's state; version 2 keeps these fields where they are.
    #[storage]
    pub struct Upgradable {
        #[prefix = "o"]
        owner: Item<Address>,
        #[prefix = "c"]
        count: Item<u64>,
    }

    /// Why the counter refused.
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Error {
        /// Only the owner may upgrade.
        NotOwner,
        /// Installing the new code failed; the old code stays.
        Upgrade(DeployError),
    }

    impl Upgradable {
        /// A counter at zero, owned by the deployer.
        #[init]
        pub fn init(&mut self) {
            self.owner.set(&env::caller());
        }

        /// Adds one; returns the count.
        #[call]
        pub fn bump(&mut self) -> u64 {
            let count = self.count.get_or_default() + 1;
            self.count.set(&count);
            count
        }

        /// The count.
        #[view]
        pub fn count(&self) -> u64 {
            self.count.get_or_default()
        }

        /// The code's version: 1.
        #[view]
        pub fn version(&self) -> u32 {
            1
        }

        /// Replaces this contract's code with `code` and runs its migration with `(step,)`: only
        /// the owner may.
        #[call]
        pub fn upgrade(&mut self, code: Vec<u8>, step: u64) -> Result<(), Error> {
            if env::caller() != self.owner.get_or_default() {
                return Err(Error::NotOwner);
            }
            tally_sdk::install::set_code(&code, &(step,)).map_err(Error::Upgrade)
        }
    }
}
