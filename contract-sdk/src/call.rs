//! Typed cross-contract calls.
//!
//! ```ignore
//! // With the callee's typed reference (its crate a dependency with feature `ref-only`):
//! let balance: u128 = TokenRef::at(token).balance_of(owner)?;
//! // By method name:
//! let balance: u128 = CallBuilder::new(token, "balance_of").args(&(owner,)).read_only().call()?;
//! ```
//!
//! **Typed references.** `#[contract]` generates, for a contract whose storage struct is `Token`,
//! a `TokenRef` implementing [`ContractRef`]: `TokenRef::at(address)`, the options of
//! [`CallBuilder`] in builder style (`.gas(n)`, `.allow_reentry()`, `.read_only()`), and one
//! method per `#[call]`/`#[view]` method with the same arguments, returning
//! `Result<R, CallError>` where `R` is what the method returns. For a method returning
//! `Result<T, E>`, `R` is `Result<T, E>`: a revert whose data decodes as exactly one `E` is the
//! method's own `Err(e)`; anything else (a panic, running out of gas, a
//! [`DispatchError`](crate::dispatch::DispatchError)) is a `CallError`. Views are called
//! read-only. See [`ContractRef`].
//!
//! [`CallBuilder::new`] targets a method of an SDK contract: it calls the export `call` with the
//! input `selector(method) ‖ SCALE(args)` and decodes the callee's return data as `R`
//! ([`dispatch`](crate::dispatch) describes the convention). [`CallBuilder::export`] targets any
//! other export with raw input bytes.
//!
//! **Selectors cost nothing at run time when the method is a literal.** Inside a
//! `#[contract]` module the macro rewrites `CallBuilder::new(addr, "method")` to
//! [`CallBuilder::with_selector`] with the selector computed at compile time. Elsewhere (or with a
//! name computed at run time) `new` hashes the name with the host's
//! [`keccak256`](crate::env::keccak256), about 0.5 M gas for a short name;
//! `CallBuilder::with_selector(addr, selector!("method"))` is the constant form anywhere.
//!
//! While a `#[view]` method runs, every call is made read-only.

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::{bytes, env, Address};

/// `call` flag: the callee may be a contract already on the call stack.
pub const ALLOW_REENTRY: u32 = 1;
/// `call` flag: the callee runs read-only (writes, removals and events trap).
pub const READ_ONLY: u32 = 2;

/// Why a cross-contract call failed. The callee's writes and events were rolled back; the
/// caller continues (use `?` or [`revert_with`](crate::env::revert_with) to give up too).
#[cfg_attr(not(target_arch = "wasm32"), derive(scale_info::TypeInfo))]
#[derive(Clone, Debug, PartialEq, Eq, Decode)]
pub enum CallError {
    /// The callee reverted (status 1) with this data: for an SDK contract, the SCALE encoding of
    /// its error value, or a [`DispatchError`](crate::dispatch::DispatchError) (see
    /// [`Self::dispatch_error`]).
    Reverted(Vec<u8>),
    /// The callee trapped or aborted, including panics (status 2).
    Trapped,
    /// The callee ran out of gas (status 3).
    OutOfGas,
    /// The callee is already on the call stack and re-entry was not allowed (status 4).
    ReentryDenied,
    /// The call depth limit was reached (status 5).
    DepthExceeded,
    /// No contract at the address, or no such export (status 6).
    NotFound,
    /// The call succeeded but its return data did not decode as the expected type.
    Decode,
    /// A status code this SDK version does not know.
    Unknown(u32),
}

// By hand rather than derived: the same bytes (the variant's index, then its field), but one
// index computation instead of a branch per variant, which a contract whose errors wrap a
// `CallError` pays for by the byte and by the `br_table` target at every load.
impl Encode for CallError {
    fn size_hint(&self) -> usize {
        match self {
            CallError::Reverted(data) => 1 + data.size_hint(),
            CallError::Unknown(_) => 5,
            _ => 1,
        }
    }

    fn encode_to<T: parity_scale_codec::Output + ?Sized>(&self, dest: &mut T) {
        let index = match self {
            CallError::Reverted(_) => 0,
            CallError::Trapped => 1,
            CallError::OutOfGas => 2,
            CallError::ReentryDenied => 3,
            CallError::DepthExceeded => 4,
            CallError::NotFound => 5,
            CallError::Decode => 6,
            CallError::Unknown(_) => 7,
        };
        dest.push_byte(index);
        match self {
            CallError::Reverted(data) => data.encode_to(dest),
            CallError::Unknown(status) => status.encode_to(dest),
            _ => {}
        }
    }
}

impl CallError {
    /// The error for a non-zero `call` status; the revert data is read for status 1.
    pub fn from_status(status: u32) -> CallError {
        match status {
            1 => CallError::Reverted(env::call_output()),
            2 => CallError::Trapped,
            3 => CallError::OutOfGas,
            4 => CallError::ReentryDenied,
            5 => CallError::DepthExceeded,
            6 => CallError::NotFound,
            s => CallError::Unknown(s),
        }
    }

    /// The revert data decoded as the callee's error type `E` (`None` if this is not a revert
    /// or the data is not exactly one `E`).
    pub fn revert_as<E: Decode>(&self) -> Option<E> {
        match self {
            CallError::Reverted(data) => {
                let mut input = &data[..];
                E::decode(&mut input).ok().filter(|_| input.is_empty())
            }
            _ => None,
        }
    }

    /// The SDK's dispatch error, if the callee reverted with one.
    pub fn dispatch_error(&self) -> Option<crate::dispatch::DispatchError> {
        match self {
            CallError::Reverted(data) => crate::dispatch::DispatchError::from_revert_data(data),
            _ => None,
        }
    }
}

/// Makes a call (read-only while a `#[view]` runs) and returns the callee's return data: the
/// non-generic part of every call, shared by [`CallBuilder`] and typed references.
fn send(contract: &Address, export: &str, input: &[u8], gas: u64, flags: u32) -> Result<Vec<u8>, CallError> {
    let flags = if crate::dispatch::in_view() { flags | READ_ONLY } else { flags };
    match env::call_raw(contract, export, input, gas, flags) {
        0 => Ok(env::call_output()),
        s => Err(CallError::from_status(s)),
    }
}

/// Return data decoded as exactly one `R`, else [`CallError::Decode`].
fn decoded<R: Decode>(data: &[u8]) -> Result<R, CallError> {
    match decode_exact(data) {
        Some(r) => Ok(r),
        None => Err(CallError::Decode),
    }
}

/// `data` decoded as exactly one `T` (nothing left over).
fn decode_exact<T: Decode>(data: &[u8]) -> Option<T> {
    let mut input = data;
    T::decode(&mut input).ok().filter(|_| input.is_empty())
}

/// `selector(method)` for a name known only at run time: the host's `keccak256` on wasm32,
/// which keeps Keccak's code out of the contract.
fn runtime_selector(method: &str) -> [u8; 4] {
    #[cfg(target_arch = "wasm32")]
    let h = env::keccak256(method.as_bytes());
    #[cfg(not(target_arch = "wasm32"))]
    let h = crate::selector::const_keccak256(method.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// A cross-contract call under construction.
#[must_use = "a call does nothing until `.call()`"]
#[derive(Clone, Debug)]
pub struct CallBuilder<'a> {
    contract: Address,
    export: &'a str,
    input: Vec<u8>,
    gas: u64,
    flags: u32,
}

impl<'a> CallBuilder<'a> {
    /// A call of SDK method `method` of `contract` (export `call`, input starts with
    /// `selector(method)`), with no arguments so far, as much gas as the host allows (see
    /// [`Self::gas`]) and no flags.
    ///
    /// With a string literal inside a `#[contract]` module this is rewritten to
    /// [`Self::with_selector`] at compile time; otherwise the selector is hashed by the host when
    /// this runs (see the module docs).
    pub fn new(contract: Address, method: &str) -> CallBuilder<'a> {
        CallBuilder::with_selector(contract, runtime_selector(method))
    }

    /// A call of the SDK method with selector `selector` (for a constant one:
    /// [`selector!`](crate::selector!)).
    pub fn with_selector(contract: Address, selector: [u8; 4]) -> CallBuilder<'a> {
        CallBuilder { contract, export: "call", input: bytes::to_vec(&selector), gas: u64::MAX, flags: 0 }
    }

    /// A call of any export `export` (of type `() -> ()`) with empty input; set it with
    /// [`Self::input`].
    pub fn export(contract: Address, export: &'a str) -> CallBuilder<'a> {
        CallBuilder { contract, export, input: Vec::new(), gas: u64::MAX, flags: 0 }
    }

    /// Appends the SCALE encoding of `args` to the input: pass a tuple of the method's
    /// arguments in order, `&(a, b)` (a one-element tuple is `&(a,)`).
    pub fn args<A: Encode + ?Sized>(mut self, args: &A) -> Self {
        bytes::encode_to(args, &mut self.input);
        self
    }

    /// Appends raw bytes to the input.
    pub fn input(mut self, bytes: &[u8]) -> Self {
        bytes::append(&mut self.input, bytes);
        self
    }

    /// Limits the callee's gas to `gas`. By default (and whatever is asked) the host gives the
    /// callee at most all but 1/64 of the gas left (`Limits::call_keep_divisor` in
    /// `host-env/ABI.md`), so a callee that runs out leaves the caller gas to handle
    /// [`CallError::OutOfGas`].
    pub fn gas(mut self, gas: u64) -> Self {
        self.gas = gas;
        self
    }

    /// Lets the callee be a contract already on the call stack (re-entry is denied by default).
    pub fn allow_reentry(mut self) -> Self {
        self.flags |= ALLOW_REENTRY;
        self
    }

    /// Runs the callee read-only.
    pub fn read_only(mut self) -> Self {
        self.flags |= READ_ONLY;
        self
    }

    /// Makes the call and returns the callee's raw return data.
    pub fn call_raw(self) -> Result<Vec<u8>, CallError> {
        send(&self.contract, self.export, &self.input, self.gas, self.flags)
    }

    /// Makes the call and decodes the return data as `R` (`()` for methods returning nothing).
    pub fn call<R: Decode>(self) -> Result<R, CallError> {
        let data = self.call_raw()?;
        let mut input = &data[..];
        match R::decode(&mut input) {
            Ok(r) if input.is_empty() => Ok(r),
            _ => Err(CallError::Decode),
        }
    }
}

/// The address and call options of a typed contract reference (see [`ContractRef`]): what
/// `#[contract]`'s generated `…Ref` types hold, and the calls their methods make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTarget {
    address: Address,
    gas: u64,
    flags: u32,
}

impl CallTarget {
    /// The contract at `address`, with as much gas as the host allows and no flags.
    pub const fn new(address: Address) -> CallTarget {
        CallTarget { address, gas: u64::MAX, flags: 0 }
    }

    /// The contract's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The gas limit given to each call (`u64::MAX`: as much as the host allows).
    pub fn gas(&self) -> u64 {
        self.gas
    }

    /// The ABI flags of each call ([`ALLOW_REENTRY`], [`READ_ONLY`]).
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// Calls the SDK method with `selector` on `SCALE(args)` (`args` the arguments tuple) and
    /// returns its raw return data; `view` makes the call read-only.
    pub fn call_raw<A: Encode>(&self, selector: [u8; 4], args: &A, view: bool) -> Result<Vec<u8>, CallError> {
        let mut input = bytes::to_vec(&selector);
        bytes::encode_to(args, &mut input);
        let flags = if view { self.flags | READ_ONLY } else { self.flags };
        send(&self.address, "call", &input, self.gas, flags)
    }

    /// Calls a method returning `R` (not a `Result`): its return value, or why the call failed
    /// (a revert is [`CallError::Reverted`]).
    pub fn call<A: Encode, R: Decode>(&self, selector: [u8; 4], args: &A, view: bool) -> Result<R, CallError> {
        returned(self.call_raw(selector, args, view))
    }

    /// Calls a method returning `Result<T, E>`: `Ok(Ok(t))` when it returned `Ok(t)`,
    /// `Ok(Err(e))` when it reverted with the encoding of exactly one `E` (not a
    /// [`DispatchError`](crate::dispatch::DispatchError)), else why the call failed.
    pub fn call_result<A: Encode, T: Decode, E: Decode>(
        &self,
        selector: [u8; 4],
        args: &A,
        view: bool,
    ) -> Result<Result<T, E>, CallError> {
        returned_result(self.call_raw(selector, args, view))
    }
}

// The decoding halves of `CallTarget::call` and `call_result`: generic over the return types
// only, and never inlined, so the methods of a reference returning the same type share one copy
// (measured on the pool example: 180 bytes smaller; code size is gas).

/// `CallTarget::call`'s result from the call's.
#[inline(never)]
fn returned<R: Decode>(result: Result<Vec<u8>, CallError>) -> Result<R, CallError> {
    decoded(&result?)
}

/// `CallTarget::call_result`'s result from the call's.
#[inline(never)]
fn returned_result<T: Decode, E: Decode>(result: Result<Vec<u8>, CallError>) -> Result<Result<T, E>, CallError> {
    match result {
        Ok(data) => decoded(&data).map(Ok),
        Err(CallError::Reverted(data)) => match method_error(&data) {
            Some(e) => Ok(Err(e)),
            None => Err(CallError::Reverted(data)),
        },
        Err(e) => Err(e),
    }
}

/// Revert data as a method's own error `E`: exactly one `E`, and not the dispatcher's tagged
/// [`DispatchError`](crate::dispatch::DispatchError).
pub fn method_error<E: Decode>(data: &[u8]) -> Option<E> {
    if data.starts_with(&crate::dispatch::DISPATCH_ERROR_TAG) {
        return None;
    }
    decode_exact(data)
}

/// A typed reference to a deployed contract: what `#[contract]` generates as `<Storage>Ref`
/// (e.g. `TokenRef` for `#[storage] struct Token`).
///
/// The generated type has one method per `#[call]` and `#[view]` method of the contract, with
/// the same name and arguments, returning `Result<R, CallError>` (see the [module
/// docs](self)); selectors are constants. This trait gives the rest: where it points and the
/// call options, builder style, for every call made through the reference:
///
/// ```ignore
/// use token::token::TokenRef;      // token = { path = "../token", features = ["ref-only"] }
///
/// let token = TokenRef::at(self.token.get_or_default());
/// token.transfer_from(owner, env::self_address(), amount)??;  // CallError, then token::Error
/// let held: u128 = token.gas(100_000_000).balance_of(env::self_address())?;
/// ```
///
/// A contract method with the same name as one of these (say a view `address`) wins over it
/// (inherent methods come first); call the trait's as `ContractRef::address(&r)`.
pub trait ContractRef: Copy {
    /// A reference to the contract at `address`, with default options.
    fn at(address: Address) -> Self;

    /// Where the calls go, and their options.
    fn target(&self) -> &CallTarget;

    /// [`Self::target`], to change the options.
    fn target_mut(&mut self) -> &mut CallTarget;

    /// The contract's address.
    fn address(&self) -> Address {
        self.target().address
    }

    /// Gives each call at most `gas` ([`CallBuilder::gas`]: never more than all but 1/64 of the
    /// gas left).
    fn gas(mut self, gas: u64) -> Self {
        self.target_mut().gas = gas;
        self
    }

    /// Lets the callee be a contract already on the call stack ([`CallBuilder::allow_reentry`]).
    fn allow_reentry(mut self) -> Self {
        self.target_mut().flags |= ALLOW_REENTRY;
        self
    }

    /// Runs every call read-only, `#[call]` methods too ([`CallBuilder::read_only`]); views
    /// always are.
    fn read_only(mut self) -> Self {
        self.target_mut().flags |= READ_ONLY;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_errors_encode_as_the_derived_scale_did() {
        // Index, then the field: what `#[derive(Encode)]` wrote, which revert data and the
        // metadata's type registry describe.
        let cases: [(CallError, &[u8]); 9] = [
            (CallError::Reverted(vec![]), &[0, 0]),
            (CallError::Reverted(vec![7; 70]), &[&[0, 0x19, 0x01][..], &[7; 70]].concat()),
            (CallError::Trapped, &[1]),
            (CallError::OutOfGas, &[2]),
            (CallError::ReentryDenied, &[3]),
            (CallError::DepthExceeded, &[4]),
            (CallError::NotFound, &[5]),
            (CallError::Decode, &[6]),
            (CallError::Unknown(0x0102_0304), &[7, 4, 3, 2, 1]),
        ];
        for (error, bytes) in cases {
            assert_eq!(error.encode(), bytes, "{error:?}");
            assert!(error.size_hint() >= bytes.len(), "{error:?}");
            assert_eq!(CallError::decode(&mut &bytes[..]), Ok(error));
        }
    }
}
