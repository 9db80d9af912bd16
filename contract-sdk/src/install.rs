//! Contracts that create contracts, and contracts that replace their own code.
//!
//! ```ignore
//! // A new token from its code (e.g. kept in this contract's storage), at the address
//! // `Address::derive_created(self_address, salt, keccak256(code))`:
//! let token = TokenRef::create(&code, salt, "Token".into(), "TKN".into(), 18, supply)?;
//! // The same, untyped:
//! let address = CreateBuilder::new(&code).salt(salt).args(&("Token", "TKN", 18u8, supply)).create()?;
//!
//! // Replace this contract's code and run the new code's `#[migrate]` method with `(2u32,)`;
//! // guard it with the contract's own rules (an owner check, say) before calling it:
//! tally_sdk::install::set_code(&new_code, &(2u32,))?;
//! ```
//!
//! **Creating.** The host derives the address from the creating contract, a 32-byte salt and the
//! code's Keccak-256 (`host-env/ABI.md`, "Creating contracts"), so it is known in advance and a
//! second creation with the same salt and code is [`DeployError::AddressTaken`]. It runs the new
//! contract's `deploy` export (the `#[init]` method of an SDK contract) as a nested frame whose
//! caller is the creating contract, with the gas rule of a call (at most all but 1/64 of the gas
//! left). If the initializer fails, nothing of the creation remains and the error says why;
//! its revert data decodes as the init method's error type ([`DeployError::revert_as`]).
//!
//! **Replacing code.** [`set_code`] replaces the running contract's own code (the host allows
//! it for no other contract) and runs the new code's `migrate` export (the `#[migrate]` method
//! of an SDK contract) with the contract itself as the caller, so it can convert the storage
//! layout. If the migration fails, the old code stays and nothing it wrote remains. The frame
//! running now finishes with the old code; calls after it run the new one. Who may upgrade is the
//! contract's own decision: check it before calling `set_code`.

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::{env, Address};

/// The export an SDK contract's `#[init]` method runs under.
pub const INIT_EXPORT: &str = "deploy";

/// The export an SDK contract's `#[migrate]` method runs under.
pub const MIGRATE_EXPORT: &str = "migrate";

/// Why creating a contract or replacing code failed. Nothing of it remains: no account, no code,
/// none of the entry point's writes or events.
#[cfg_attr(not(target_arch = "wasm32"), derive(scale_info::TypeInfo))]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum DeployError {
    /// The initializer or migration reverted (status 1) with this data: for an SDK contract the
    /// SCALE encoding of its error, or a [`DispatchError`](crate::dispatch::DispatchError).
    Reverted(Vec<u8>),
    /// The initializer or migration trapped or aborted, including panics (status 2).
    Trapped,
    /// The initializer or migration ran out of gas (status 3).
    OutOfGas,
    /// The call depth limit was reached (status 5).
    DepthExceeded,
    /// The code has no such entry point (status 6): an SDK contract without `#[migrate]` has no
    /// `migrate` export.
    NoSuchEntry,
    /// A contract already lives at the derived address (status 7): the same salt and code were
    /// used before by this creator.
    AddressTaken(Address),
    /// The code is refused, as a deployment would refuse it (status 8): not Wasm, over a limit,
    /// importing what the ABI does not have.
    InvalidCode,
    /// A status code this SDK version does not know.
    Unknown(u32),
}

impl DeployError {
    /// The error for a nonzero status of `create` or `set_code` (`address`: where the creation
    /// was aimed); the revert data is read for status 1.
    pub fn from_status(status: u32, address: Address) -> DeployError {
        match status {
            1 => DeployError::Reverted(env::call_output()),
            2 => DeployError::Trapped,
            3 => DeployError::OutOfGas,
            5 => DeployError::DepthExceeded,
            6 => DeployError::NoSuchEntry,
            7 => DeployError::AddressTaken(address),
            8 => DeployError::InvalidCode,
            s => DeployError::Unknown(s),
        }
    }

    /// The revert data decoded as the entry point's error type `E` (`None` if this is not a
    /// revert, or the data is not exactly one `E`, or it is a dispatch error).
    pub fn revert_as<E: Decode>(&self) -> Option<E> {
        match self {
            DeployError::Reverted(data) => crate::call::method_error(data),
            _ => None,
        }
    }
}

/// A contract creation under construction: [`CreateBuilder::new`], options, then
/// [`create`](CreateBuilder::create).
#[must_use = "a creation does nothing until `.create()`"]
#[derive(Clone, Debug)]
pub struct CreateBuilder<'a> {
    code: &'a [u8],
    salt: [u8; 32],
    entry: &'a str,
    input: Vec<u8>,
    gas: u64,
}

impl<'a> CreateBuilder<'a> {
    /// A creation of `code` (an SDK contract: its `#[init]` runs, with no arguments so far),
    /// salt zero, as much gas as the host allows.
    pub fn new(code: &'a [u8]) -> CreateBuilder<'a> {
        CreateBuilder { code, salt: [0; 32], entry: INIT_EXPORT, input: Vec::new(), gas: u64::MAX }
    }

    /// The salt: one creator gets a different address for each salt (and code).
    pub fn salt(mut self, salt: [u8; 32]) -> Self {
        self.salt = salt;
        self
    }

    /// Appends the SCALE encoding of `args` to the initializer's input: a tuple of the
    /// `#[init]` method's arguments in order (`&(a,)` for one).
    pub fn args<A: Encode + ?Sized>(mut self, args: &A) -> Self {
        crate::bytes::encode_to(args, &mut self.input);
        self
    }

    /// Appends raw bytes to the initializer's input.
    pub fn input(mut self, bytes: &[u8]) -> Self {
        crate::bytes::append(&mut self.input, bytes);
        self
    }

    /// Runs export `entry` as the initializer instead of `deploy` (for modules not built with
    /// the SDK); `""` runs none.
    pub fn entry(mut self, entry: &'a str) -> Self {
        self.entry = entry;
        self
    }

    /// Gives the initializer at most `gas` (never more than all but 1/64 of the gas left).
    pub fn gas(mut self, gas: u64) -> Self {
        self.gas = gas;
        self
    }

    /// Creates the contract: its address, or why not (and then nothing of it exists).
    pub fn create(self) -> Result<Address, DeployError> {
        create(self.code, &self.salt, self.entry, &self.input, self.gas)
    }
}

/// The non-generic part of every creation.
fn create(code: &[u8], salt: &[u8; 32], entry: &str, input: &[u8], gas: u64) -> Result<Address, DeployError> {
    match env::create_raw(code, salt, entry, input, gas) {
        (0, address) => Ok(address),
        (status, address) => Err(DeployError::from_status(status, address)),
    }
}

/// Creates an SDK contract whose `#[init]` returns `Result<_, E>`: `Ok(Ok(address))`,
/// `Ok(Err(e))` when the initializer reverted with exactly one `E`, else why it failed. What the
/// generated `<Contract>Ref::create` calls.
pub fn create_result<E: Decode>(
    code: &[u8],
    salt: [u8; 32],
    input: &[u8],
    gas: u64,
) -> Result<Result<Address, E>, DeployError> {
    match create(code, &salt, INIT_EXPORT, input, gas) {
        Ok(address) => Ok(Ok(address)),
        Err(e) => match e.revert_as::<E>() {
            Some(error) => Ok(Err(error)),
            None => Err(e),
        },
    }
}

/// Creates an SDK contract from `code` with `salt`, running its `#[init]` on `input` (the
/// SCALE-encoded argument tuple) with at most `gas`. What the generated `<Contract>Ref::create`
/// calls for an `#[init]` that does not return a `Result`.
pub fn create_plain(code: &[u8], salt: [u8; 32], input: &[u8], gas: u64) -> Result<Address, DeployError> {
    create(code, &salt, INIT_EXPORT, input, gas)
}

/// Replaces this contract's code with `code` (an SDK contract) and runs its `#[migrate]` method
/// with `args` (a tuple of its arguments). On any failure the old code stays and nothing the
/// migration did remains. Check who may upgrade before calling this.
pub fn set_code<A: Encode + ?Sized>(code: &[u8], args: &A) -> Result<(), DeployError> {
    set_code_with(code, MIGRATE_EXPORT, &crate::bytes::encode(args), u64::MAX)
}

/// [`set_code`] with any migration export (`""`: none, the code is replaced as it is), raw
/// input and a gas limit for the migration.
pub fn set_code_with(code: &[u8], entry: &str, input: &[u8], gas: u64) -> Result<(), DeployError> {
    match env::set_code_raw(code, entry, input, gas) {
        0 => Ok(()),
        status => Err(DeployError::from_status(status, env::self_address())),
    }
}
