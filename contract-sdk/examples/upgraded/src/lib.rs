//! Version 2 of the `upgradable` counter: the same storage plus a step, set by its `#[migrate]`
//! method when `set_code` installs this code. `bump` adds the step.
#![no_std]

extern crate alloc;

/// The version 2 counter.
#[tally_sdk::contract]
pub mod upgraded {
    use tally_sdk::prelude::*;

    /// Version 1's fields at their prefixes, and the step.
    #[storage]
    pub struct Upgraded {
        #[prefix = "o"]
        owner: Item<Address>,
        #[prefix = "c"]
        count: Item<u64>,
        #[prefix = "s"]
        step: Item<u64>,
    }

    /// Why the migration refused.
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Error {
        /// A step of zero would stop the counter.
        ZeroStep,
    }

    impl Upgraded {
        /// A counter at zero stepping by one, owned by the deployer (when deployed directly).
        #[init]
        pub fn init(&mut self) {
            self.owner.set(&env::caller());
            self.step.set(&1);
        }

        /// Runs once when `set_code` installs this code over version 1: sets the step, and keeps
        /// the count. A zero step is refused, which leaves version 1 in place.
        #[migrate]
        pub fn migrate(&mut self, step: u64) -> Result<(), Error> {
            if step == 0 {
                return Err(Error::ZeroStep);
            }
            self.step.set(&step);
            Ok(())
        }

        /// Adds the step; returns the count.
        #[call]
        pub fn bump(&mut self) -> u64 {
            let count = self.count.get_or_default() + self.step.get_or_default();
            self.count.set(&count);
            count
        }

        /// The count.
        #[view]
        pub fn count(&self) -> u64 {
            self.count.get_or_default()
        }

        /// The code's version: 2.
        #[view]
        pub fn version(&self) -> u32 {
            2
        }

        /// The step.
        #[view]
        pub fn step(&self) -> u64 {
            self.step.get_or_default()
        }
    }
}
