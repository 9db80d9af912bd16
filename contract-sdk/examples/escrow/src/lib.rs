//! A token escrow: the buyer funds it with tokens of a `token` contract, then the arbiter
//! releases them to the seller or refunds the buyer. Uses the token through cross-contract
//! calls (`transfer_from` needs the buyer's prior `approve` of the escrow).
#![no_std]

extern crate alloc;

/// The escrow contract.
#[tally_sdk::contract]
pub mod escrow {
    use tally_sdk::prelude::*;

    /// Where the escrow stands.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
    pub enum State {
        /// Waiting for the buyer's deposit.
        Created,
        /// The tokens are held.
        Funded,
        /// Paid out to the seller.
        Released,
        /// Returned to the buyer.
        Refunded,
    }

    /// The parties and terms, fixed at deployment.
    #[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
    pub struct Terms {
        /// The token contract.
        pub token: Address,
        /// Pays.
        pub buyer: Address,
        /// Gets paid.
        pub seller: Address,
        /// Decides.
        pub arbiter: Address,
        /// The amount held.
        pub amount: u128,
    }

    /// The escrow's state.
    #[storage]
    pub struct Escrow {
        terms: Item<Terms>,
        state: Item<State>,
    }

    /// The escrow moved to a new state.
    #[event]
    pub struct StateChanged {
        #[topic]
        pub state: State,
    }

    /// Why an action was refused.
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub enum Error {
        /// The caller may not do this.
        Unauthorized,
        /// Not allowed in the current state.
        WrongState(State),
        /// The token call failed.
        Token(CallError),
    }

    impl Escrow {
        /// Sets the terms; the deployer is the arbiter.
        #[init]
        pub fn init(&mut self, token: Address, buyer: Address, seller: Address, amount: u128) {
            self.terms.set(&Terms { token, buyer, seller, arbiter: env::caller(), amount });
            self.state.set(&State::Created);
        }

        /// The buyer deposits the amount (the escrow must be approved on the token).
        #[call]
        pub fn fund(&mut self) -> Result<(), Error> {
            let t = self.expect(State::Created)?;
            if env::caller() != t.buyer {
                return Err(Error::Unauthorized);
            }
            CallBuilder::new(t.token, "transfer_from")
                .args(&(t.buyer, env::self_address(), t.amount))
                .call::<()>()
                .map_err(Error::Token)?;
            self.set_state(State::Funded);
            Ok(())
        }

        /// The arbiter pays the seller.
        #[call]
        pub fn release(&mut self) -> Result<(), Error> {
            let t = self.settle()?;
            self.pay(&t, t.seller, State::Released)
        }

        /// The arbiter refunds the buyer.
        #[call]
        pub fn refund(&mut self) -> Result<(), Error> {
            let t = self.settle()?;
            self.pay(&t, t.buyer, State::Refunded)
        }

        /// The current state.
        #[view]
        pub fn state(&self) -> State {
            self.state.get().unwrap_or(State::Created)
        }

        /// The terms.
        #[view]
        pub fn terms(&self) -> Terms {
            self.terms.get().expect("set at deployment")
        }

        fn expect(&self, want: State) -> Result<Terms, Error> {
            let state = self.state();
            if state != want {
                return Err(Error::WrongState(state));
            }
            Ok(self.terms())
        }

        fn settle(&self) -> Result<Terms, Error> {
            let t = self.expect(State::Funded)?;
            if env::caller() != t.arbiter {
                return Err(Error::Unauthorized);
            }
            Ok(t)
        }

        fn pay(&mut self, t: &Terms, to: Address, state: State) -> Result<(), Error> {
            CallBuilder::new(t.token, "transfer").args(&(to, t.amount)).call::<()>().map_err(Error::Token)?;
            self.set_state(state);
            Ok(())
        }

        fn set_state(&mut self, state: State) {
            self.state.set(&state);
            emit(&StateChanged { state });
        }
    }
}
