//! The metadata of a `tally-sdk` contract: its methods (names, kinds, selectors, typed
//! arguments and returns), events and storage layout, with a [`scale-info`](scale_info) type
//! registry giving the full definition of every type they name (structs, enums with their
//! variants and indices, tuples, arrays, `Vec`, `Option`, `Result`, `Address`, the SDK's
//! `DispatchError` and `CallError`).
//!
//! # Where it comes from
//!
//! `#[contract]` generates, off wasm32, `fn metadata() -> Metadata` in the contract module: it
//! registers the module's types (`scale_info::TypeInfo`, derived off wasm32 only, so none of it
//! reaches the contract's code) and fills in the rest. `tally-sdk-build` (and so `tally build`
//! and `TestChain`'s builds) compiles the contract natively once more, runs that function and
//! writes [`Metadata::to_section`] into the wasm module as the custom section
//! [`SECTION`] (`tally.metadata`).
//!
//! # The section
//!
//! `[VERSION] ‖ SCALE(Metadata)`: one version byte (2; version 1 was JSON without a type
//! registry), then the SCALE encoding of [`Metadata`]. A wasm32 build by plain cargo carries
//! [`PLACEHOLDER`] instead. SCALE rather than JSON because every call
//! pays for its contract's code by the byte, custom sections included: the token example's
//! metadata with its whole registry is smaller than its version 1 JSON was.
//!
//! # Reading it
//!
//! [`Metadata::parse`] is the one reader (TestChain and the `tally` CLI use it). It is strict:
//! the section comes from untrusted code, so it decodes within bounds, rejects trailing bytes,
//! and checks every type id, name and selector before anything uses them; the error
//! ([`MetadataError`]) names the offending method, event, argument or type. [`value`] decodes
//! SCALE data (return data, revert data, event data, arguments) by a type of the registry, with
//! limits on depth and size.

#![warn(missing_docs)]

mod check;
#[cfg(feature = "json")]
pub mod json;
pub mod value;

use std::fmt;

use parity_scale_codec::{Decode, DecodeLimit, Encode};
pub use scale_info;
use scale_info::{form::PortableForm, PortableRegistry, Registry, Type, TypeInfo};

/// The name of the custom section holding a contract's metadata.
pub const SECTION: &str = "tally.metadata";

/// The format version: the first byte of the section.
pub const VERSION: u8 = 2;

/// The section `#[contract]` itself puts into a wasm32 build: one byte, marking an SDK contract
/// whose metadata has not been generated yet (a plain `cargo build`). `tally-sdk-build` replaces
/// it.
pub const PLACEHOLDER: [u8; 1] = [0];

/// How deeply [`Metadata::parse`] lets SCALE nest while decoding the section (its structures
/// nest a few levels; nothing legitimate comes close).
const DECODE_DEPTH: u32 = 16;

/// What kind of entry point a method is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum MethodKind {
    /// `#[init]`: runs at deployment through the `deploy` export.
    Init,
    /// `#[call]`: may change state.
    Call,
    /// `#[view]`: read-only.
    View,
    /// `#[migrate]`: runs once, through the `migrate` export, when the contract replaces its own
    /// code with this code (`tally_sdk::install::set_code`); never called by selector.
    Migrate,
}

impl MethodKind {
    /// `init`, `call`, `view` or `migrate`, as the attribute is written.
    pub fn name(self) -> &'static str {
        match self {
            MethodKind::Init => "init",
            MethodKind::Call => "call",
            MethodKind::View => "view",
            MethodKind::Migrate => "migrate",
        }
    }
}

/// One argument of a method.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ArgInfo {
    /// The parameter's name.
    pub name: String,
    /// Its type as written in the source (a space after `,` and `;`), for messages.
    pub type_name: String,
    /// Its type in [`Metadata::types`].
    #[codec(compact)]
    pub ty: u32,
}

/// What a method returns.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ReturnInfo {
    /// The return type as written in the source.
    pub type_name: String,
    /// The type of the return data of a successful call: the return type itself, or `T` of a
    /// `Result<T, E>`.
    #[codec(compact)]
    pub ok: u32,
    /// For a method returning `Result<T, E>`: `E`, the type of its revert data (`Err(e)`
    /// reverts with `SCALE(e)`).
    pub err: Option<u32>,
}

/// One method of an SDK contract.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MethodInfo {
    /// The Rust method name.
    pub name: String,
    /// Init, call or view.
    pub kind: MethodKind,
    /// `keccak256(name)[..4]`.
    pub selector: [u8; 4],
    /// The arguments in order (`SCALE((a, b, ..))` is the concatenation of their encodings).
    pub args: Vec<ArgInfo>,
    /// The return type, if one is declared.
    pub returns: Option<ReturnInfo>,
}

impl MethodInfo {
    /// The export that runs it: `deploy` for the initializer and `migrate` for the migration
    /// (their input is the arguments alone), `call` for the others (input
    /// `selector ‖ SCALE(args)`).
    pub fn entry(&self) -> &'static str {
        match self.kind {
            MethodKind::Init => "deploy",
            MethodKind::Migrate => "migrate",
            MethodKind::Call | MethodKind::View => "call",
        }
    }

    /// Whether it may change state (everything but a view).
    pub fn mutates(&self) -> bool {
        self.kind != MethodKind::View
    }

    /// `name(arg: Type, …)`, types as written.
    pub fn signature(&self) -> String {
        let args: Vec<String> = self.args.iter().map(|a| format!("{}: {}", a.name, a.type_name)).collect();
        format!("{}({})", self.name, args.join(", "))
    }
}

/// One event of an SDK contract.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EventInfo {
    /// The struct name.
    pub name: String,
    /// `#[event(anonymous)]`: no signature topic.
    pub anonymous: bool,
    /// The event struct in [`Metadata::types`]: the event's data is its SCALE encoding.
    #[codec(compact)]
    pub ty: u32,
    /// The `#[topic]` fields in order (each also a topic after the signature).
    pub topics: Vec<String>,
}

impl EventInfo {
    /// Topic 0, `keccak256(name)`; `None` for anonymous events.
    pub fn signature(&self) -> Option<[u8; 32]> {
        (!self.anonymous).then(|| tally_digest::keccak(self.name.as_bytes()))
    }
}

/// One field of the `#[storage]` struct.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct StorageInfo {
    /// The field name.
    pub name: String,
    /// Its type as written (`Map<Address, u128>`).
    pub type_name: String,
    /// Its key prefix.
    pub prefix: Vec<u8>,
}

/// An SDK contract's metadata: the section's contents after the version byte (see the crate
/// docs).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Metadata {
    /// The storage struct's name, e.g. `Token`.
    pub contract: String,
    /// The contract module's name, e.g. `token`.
    pub module: String,
    /// The `#[storage]` struct's fields.
    pub storage: Vec<StorageInfo>,
    /// Methods in declaration order.
    pub methods: Vec<MethodInfo>,
    /// Events in declaration order.
    pub events: Vec<EventInfo>,
    /// `tally_sdk::dispatch::DispatchError` in [`Self::types`]: revert data
    /// `ff 54 4c 59 ‖ SCALE(DispatchError)` is the dispatcher refusing the input.
    #[codec(compact)]
    pub dispatch_error: u32,
    /// The type registry every `ty` above points into.
    pub types: PortableRegistry,
}

/// Why a metadata section was refused; each names the offending part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataError {
    /// The section is empty.
    Empty,
    /// The section is [`PLACEHOLDER`]: the contract was built without generating its metadata.
    NotGenerated,
    /// Version 1 (JSON, types as strings only): the contract was built by an older SDK.
    Version1,
    /// A version byte this reader does not know.
    UnknownVersion(u8),
    /// The bytes after the version do not decode as [`Metadata`] (the codec's message, which
    /// names the field), or bytes are left over.
    Decode(String),
    /// The metadata decodes but is inconsistent: `at` names the method, event, argument or type,
    /// `problem` what is wrong with it.
    Invalid {
        /// Where: e.g. ``method `transfer`, argument `to` ``.
        at: String,
        /// What is wrong.
        problem: String,
    },
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the metadata section is empty"),
            Self::NotGenerated => f.write_str(
                "the contract was built without its metadata (a plain cargo build); build it with `tally build`",
            ),
            Self::Version1 => f.write_str(
                "the metadata is format version 1 (JSON, without a type registry), from an older tally-sdk; \
                 rebuild the contract",
            ),
            Self::UnknownVersion(v) => {
                write!(f, "the metadata is format version {v}; this reader knows version {VERSION}")
            }
            Self::Decode(why) => write!(f, "the metadata does not decode: {why}"),
            Self::Invalid { at, problem } => write!(f, "invalid metadata: {at}: {problem}"),
        }
    }
}

impl std::error::Error for MetadataError {}

impl Metadata {
    /// Parses a `tally.metadata` section (`[VERSION] ‖ SCALE(Metadata)`) and checks it: every
    /// type id points into the registry and every type's ids match their positions, names are
    /// non-empty and unique where they must be, selectors are `keccak256(name)[..4]`, there is
    /// at most one initializer, events are structs whose `#[topic]` fields exist. Allocation is
    /// bounded by the section's length.
    pub fn parse(section: &[u8]) -> Result<Metadata, MetadataError> {
        let (&version, body) = section.split_first().ok_or(MetadataError::Empty)?;
        match version {
            VERSION => {}
            0 if body.is_empty() => return Err(MetadataError::NotGenerated),
            b'{' => return Err(MetadataError::Version1),
            v => return Err(MetadataError::UnknownVersion(v)),
        }
        let metadata = Metadata::decode_all_with_depth_limit(DECODE_DEPTH, &mut &body[..])
            .map_err(|e| MetadataError::Decode(e.to_string()))?;
        check::check(&metadata)?;
        Ok(metadata)
    }

    /// The section's bytes: `[VERSION] ‖ SCALE(self)`.
    pub fn to_section(&self) -> Vec<u8> {
        let mut out = vec![VERSION];
        self.encode_to(&mut out);
        out
    }

    /// The method called `name`.
    pub fn method(&self, name: &str) -> Option<&MethodInfo> {
        self.methods.iter().find(|m| m.name == name)
    }

    /// The initializer (`#[init]`), if the contract declares one.
    pub fn init(&self) -> Option<&MethodInfo> {
        self.methods.iter().find(|m| m.kind == MethodKind::Init)
    }

    /// The `#[call]`/`#[view]` method with this selector.
    pub fn method_by_selector(&self, selector: [u8; 4]) -> Option<&MethodInfo> {
        self.methods.iter().find(|m| m.kind != MethodKind::Init && m.selector == selector)
    }

    /// The method whose input this is: for the `deploy` export the initializer, for `call` the
    /// method the input's first four bytes select.
    pub fn method_for(&self, export: &str, input: &[u8]) -> Option<&MethodInfo> {
        match export {
            "deploy" => self.init(),
            "call" => self.method_by_selector(input.get(..4)?.try_into().ok()?),
            _ => None,
        }
    }

    /// The non-anonymous event whose signature is `topic0`.
    pub fn event_by_signature(&self, topic0: &[u8; 32]) -> Option<&EventInfo> {
        self.events.iter().find(|e| e.signature().as_ref() == Some(topic0))
    }

    /// The type with this id (every id [`parse`](Self::parse) accepted resolves).
    pub fn ty(&self, id: u32) -> Option<&Type<PortableForm>> {
        self.types.resolve(id)
    }

    /// The display name of type `id`: `u128`, `Address`, `Vec<u8>`, `Result<(), Error>`,
    /// `(u8, bool)`, `[u8; 32]` (the last segment of a named type's path, with its type
    /// parameters).
    pub fn type_name(&self, id: u32) -> String {
        value::type_name(&self.types, id)
    }
}

/// Collects the types of a contract's metadata while `#[contract]`'s generated `metadata()`
/// describes its methods and events (off wasm32).
#[derive(Debug, Default)]
pub struct TypeCollector {
    registry: Registry,
}

impl TypeCollector {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `T` (and every type it contains) and returns its id.
    pub fn ty<T: TypeInfo + ?Sized + 'static>(&mut self) -> u32 {
        self.registry.register_type(&scale_info::meta_type::<T>()).id
    }

    /// The registry, with ids as [`ty`](Self::ty) returned them.
    pub fn finish(self) -> PortableRegistry {
        self.registry.into()
    }
}

/// The `Ok` and `Err` types of a `Result`, for the generated `metadata()` (a method returning
/// `Result<T, E>` returns `SCALE(T)` and reverts with `SCALE(E)`).
pub trait ResultParts {
    /// `T`.
    type Ok;
    /// `E`.
    type Err;
}

impl<T, E> ResultParts for Result<T, E> {
    type Ok = T;
    type Err = E;
}
